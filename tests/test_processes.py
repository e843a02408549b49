"""Processes that behave: the real command line, in a subprocess, interrupted and killed.

Ctrl-C (SIGINT) or SIGTERM: one line on stderr, exit 130 or 143, no traceback, no worker left, and an
earlier result at the output path unchanged. kill -9 of the parent: no worker left after 5 s. A
killed worker: one line, exit 1. Ctrl-C to the whole process group (a terminal does that) while the
workers run: still one line, the workers ignore it. The run has more replications than it needs,
so that the signal lands while its two workers are busy (it never finishes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.runs.processes import stop_signals_deferred

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")

OCCISIM = Path(sys.executable).with_name("occisim")
BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
LONG_ENOUGH = ["--replications", "400", "--workers", "2"]


def stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after "pid (name)"
    return fields[0], int(fields[1])


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (info := stat(int(entry.name))) is not None and info[1] == pid:
            found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    info = stat(pid)
    return info is not None and info[0] != "Z"  # a zombie has exited (only its entry is left)


def wait_for_workers(process: subprocess.Popen, count: int = 2, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        workers = children(process.pid)
        if len(workers) >= count:
            return workers
        time.sleep(0.02)
    raise AssertionError("the workers never started")


def wait_until_catching(process: subprocess.Popen, sig: int, timeout: float = 30) -> None:
    """Until the process has a handler for ``sig`` (its caught-signals mask, /proc/PID/status)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Path(f"/proc/{process.pid}/status").read_text()
        caught = int(next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16)
        if caught & (1 << (sig - 1)):
            return
        time.sleep(0.005)
    raise AssertionError(f"the process never caught {signal.Signals(sig).name}")


def assert_gone_within(pids: list[int], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in pids if running(pid)], "workers outlived their parent"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A short scenario file and a folder holding its earlier result."""
    folder = tmp_path_factory.mktemp("processes")
    scenario = folder / "short.yaml"
    scenario.write_text(
        f"extends: {BASELINE}\nname: short\nrun: {{years: 0.3, warmup_days: 10}}\n", encoding="utf-8"
    )
    earlier = folder / "earlier"
    done = subprocess.run(
        [OCCISIM, "run", scenario, "--replications", "2", "--workers", "1", "--out", earlier],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return scenario, earlier


def start(scenario: Path, out: Path, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [OCCISIM, "run", scenario, *LONG_ENOUGH, "--out", out],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


@pytest.mark.parametrize(
    "sig, code, line",
    [
        (signal.SIGINT, 130, "error: interrupted; nothing written"),
        (signal.SIGTERM, 143, "error: terminated (SIGTERM); nothing written"),
    ],
)
def test_a_stop_signal_ends_the_run_in_one_line_and_leaves_the_earlier_result(setting, sig, code, line):
    scenario, earlier = setting
    before = snapshot(earlier)
    process = start(scenario, earlier)
    workers = wait_for_workers(process)
    process.send_signal(sig)
    out, err = process.communicate(timeout=30)
    assert process.returncode == code
    assert err.splitlines() == [line], err
    assert "Traceback" not in out + err
    assert_gone_within(workers)
    assert snapshot(earlier) == before
    assert sorted(p.name for p in earlier.parent.iterdir() if p.name.startswith(".")) == []


def test_ctrl_c_at_a_terminal_reaches_the_workers_too_and_still_prints_one_line(setting, tmp_path):
    scenario, _ = setting
    process = start(scenario, tmp_path / "out", start_new_session=True)  # its own process group
    workers = wait_for_workers(process)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C at a terminal sends: to every process
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err.splitlines() == ["error: interrupted; nothing written"], err  # none from the workers
    assert "Traceback" not in out
    assert_gone_within(workers)
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == []


def test_ctrl_c_while_the_command_loads_prints_one_line(setting, tmp_path):
    scenario, _ = setting
    process = start(scenario, tmp_path / "out")
    wait_until_catching(process, signal.SIGTERM)  # occisim's first handler: from here on, it is ours
    process.send_signal(signal.SIGINT)  # Python is still importing the command line
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert len(err.splitlines()) == 1 and "interrupted" in err and "Traceback" not in out + err
    assert list(tmp_path.iterdir()) == []


def test_workers_die_with_their_parent_killed_by_sigkill(setting):
    scenario, earlier = setting
    before = snapshot(earlier)
    process = start(scenario, earlier)
    workers = wait_for_workers(process)
    process.kill()
    process.communicate(timeout=30)
    assert_gone_within(workers, 5.0)
    assert snapshot(earlier) == before


def test_a_killed_worker_is_one_clear_line(setting, tmp_path):
    scenario, _ = setting
    process = start(scenario, tmp_path / "out")
    workers = wait_for_workers(process)
    os.kill(workers[0], signal.SIGKILL)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    (line,) = err.splitlines()
    assert line.startswith("error: a worker process stopped") and "nothing written" in line
    assert "Traceback" not in out + err
    assert_gone_within(workers)
    assert list(tmp_path.iterdir()) == []


def test_a_signal_during_the_swap_of_folders_is_delivered_after_it():
    done = []
    # as atomic_output_dir replaces a folder by two renames
    with pytest.raises(KeyboardInterrupt), stop_signals_deferred():
        # To this thread (os.kill may hand it to another thread of the process, whose C handler can
        # run late on a loaded machine, after the block: the test then fails outside pytest.raises).
        signal.raise_signal(signal.SIGINT)
        time.sleep(0.05)  # a signal handler would have run by now
        done.append("both renames")
    assert done == ["both renames"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
