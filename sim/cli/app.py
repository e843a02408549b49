"""``occisim app``: start the planners' web app (Streamlit) on this machine only."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.base import app, fail
from sim.outputs.terminal import console

PAGE = Path(__file__).resolve().parents[1] / "app" / "page.py"
DEFAULT_PORT = 8501


def streamlit_command(port: int, open_browser: bool) -> list[str]:
    """``streamlit run`` of the page: loopback only, no telemetry, nothing fetched from the network."""
    return [
        sys.executable,
        "-P",  # the user's folder is not searched for modules (a click.py there would shadow click)
        "-m",
        "streamlit",
        "run",
        str(PAGE),
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        f"--server.headless={'false' if open_browser else 'true'}",
        "--browser.serverAddress=127.0.0.1",
        f"--browser.serverPort={port}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--global.developmentMode=false",
        "--theme.base=light",
        "--client.toolbarMode=minimal",
    ]


@app.command(name="app")
def web_app(
    port: Annotated[int, typer.Option(min=1024, max=65535, help="Port on 127.0.0.1.")] = DEFAULT_PORT,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser window.")] = False,
) -> None:
    """Start the planners' web app on http://127.0.0.1:PORT (map of HADs, levers, comparisons)."""
    missing = [name for name in ("streamlit", "pydeck") if importlib.util.find_spec(name) is None]
    if missing:
        raise fail(f"the app needs {' and '.join(missing)}: pip install -e '.[app]'")
    console.print(f"occisim app on http://127.0.0.1:{port} (Ctrl-C stops it)")
    server = subprocess.Popen(streamlit_command(port, not no_browser))
    try:
        code = server.wait()
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    if code:
        raise typer.Exit(code=code)
