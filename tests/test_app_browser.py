"""The app end to end in Debian's Chromium (Playwright): coverage, a short comparison, the YAML file.

The app runs as ``occisim app`` runs it (``streamlit_command``) on a free loopback port, in a
temporary folder; every request the page makes is logged and none may leave 127.0.0.1.
Screenshots go to tests/artifacts/. The HAD is authorised with the keyboard fallback (the
multiselect): deck.gl's canvas picks on hover in headless Chromium, but its clicks on the zone
layer did not reach the page reliably under software WebGL.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sim.cli.app import streamlit_command

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is absent (apt-get install chromium; .ci/run does)"
)
START_SECONDS, RUN_SECONDS = 90, 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="module")
def server(workdir):
    port = free_port()
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        streamlit_command(port, open_browser=False), cwd=workdir, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            assert process.poll() is None, (workdir / "server.log").read_text()
            time.sleep(0.5)
    yield url
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="module")
def session(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(server)
        page.wait_for_selector("canvas", timeout=START_SECONDS * 1000)
        settle(page)
        yield page, requests, server
        browser.close()


def settle(page) -> None:
    """Wait until the script run is over (Streamlit's running indicator gone)."""
    page.wait_for_selector("input[type=number]", timeout=START_SECONDS * 1000)
    page.wait_for_function(
        "!document.querySelector('[data-testid=stStatusWidget]')", timeout=START_SECONDS * 1000
    )
    time.sleep(1)


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"app_{name}.png"), full_page=True)


def test_the_page_opens_on_the_baseline_with_its_coverage(session):
    page, _, _ = session
    page.get_by_text("941,396 habitants sur 3,376,887").wait_for(timeout=30_000)
    page.get_by_text("003:6166-6168").first.wait_for()  # the beds' source beside their control
    shot(page, "1_baseline")


def test_authorising_the_gers_had_changes_the_coverage_at_once(session):
    page, _, _ = session
    page.get_by_label("HAD autorisées (clavier)").click()
    page.keyboard.type("croix_rouge")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_text("765,498 habitants sur 3,376,887").wait_for(timeout=60_000)
    page.get_by_text("-175,898").first.wait_for()
    settle(page)
    shot(page, "2_gers_authorised")


def set_number(page, label: str, value: str) -> None:
    box = page.get_by_label(label)
    box.fill(value)
    box.press("Enter")
    settle(page)


def download(page, name: str, folder: Path) -> Path:
    with page.expect_download() as caught:
        page.get_by_role("button", name=name, exact=True).click()
    target = folder / caught.value.suggested_filename
    caught.value.save_as(target)
    return target


def test_a_short_comparison_gives_the_numbers_of_occisim_compare(session, workdir, tmp_path):
    page, _, _ = session
    set_number(page, "Années simulées", "1")
    set_number(page, "Réplications", "2")
    page.get_by_role("button", name="Comparer au scénario de référence").click()
    page.get_by_text("réplications faites").first.wait_for(timeout=30_000)
    shot(page, "3_running")
    page.get_by_role("button", name="comparison.csv").wait_for(timeout=RUN_SECONDS * 1000)
    settle(page)
    page.get_by_role("button", name="comparison.csv").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "app_4_results.png"))  # the page scrolls inside: the view
    files = {
        name: download(page, label, tmp_path)
        for name, label in (
            ("table", "comparison.csv"),
            ("reference", "scenarios/baseline.yaml"),
            ("chosen", "scenarios/baseline_app.yaml"),
            ("report", "report.html"),
        )
    }
    assert "occisim report" in files["report"].read_text(encoding="utf-8")[:5000]
    cli = subprocess.run(
        [sys.executable, "-m", "sim", "compare", str(files["reference"]), str(files["chosen"]),
         "--out", str(tmp_path / "cli")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert files["table"].read_bytes() == (tmp_path / "cli" / "comparison.csv").read_bytes()
    run = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(files["chosen"]), "--replications", "1",
         "--out", str(tmp_path / "run")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "run" / "summary.csv").is_file()


def test_no_request_leaves_the_machine(session):
    _, requests, server = session
    assert requests, "the page made no request at all: the log is not working"
    local = (server, server.replace("http", "ws", 1), "data:", "blob:")
    outside = sorted({url for url in requests if not url.startswith(local)})
    assert outside == []
