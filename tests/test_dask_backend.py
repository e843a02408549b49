"""The Dask backend gives the local runner's numbers, byte for byte, and fails in one line.

A LocalCluster (``--scheduler local:2``) and a real ``dask scheduler`` with two ``dask worker``
processes on loopback (subprocesses on free ports, stopped at the end) run the same replications
as the local pool; their replications.csv must be the same bytes. A worker killed while it runs a
replication: the scheduler gives the replication to another worker and the numbers do not move.
Ctrl-C: the command ends in one line and the scheduler is left with no task of it. A bad
``--scheduler`` and an unreachable scheduler: one line, in seconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the Dask backend needs the 'dask' extra: pip install -e '.[dask]'")

from distributed import Client

from sim.cli import app
from sim.outputs.folders import write_results
from sim.runs import backends
from sim.runs.backends import BackendError, DaskRunner, Scheduler, parse_scheduler
from sim.runs.replications import run_experiment
from sim.scenario.files import load_scenario

BIN = Path(sys.executable).parent
OCCISIM, DASK = BIN / "occisim", BIN / "dask"
BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
REPLICATIONS = 6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short scenario (half a year) and, beside it, its replications.csv from the local pool."""
    folder = tmp_path_factory.mktemp("dask")
    path = folder / "short.yaml"
    path.write_text(f"extends: {BASELINE}\nname: short\nrun: {{years: 0.5, warmup_days: 10}}\n", "utf-8")
    write_results(run_experiment(load_scenario(path), REPLICATIONS, workers=1), folder / "local")
    return path


def local_csv(short: Path) -> bytes:
    return (short.parent / "local" / "replications.csv").read_bytes()


def start_worker(address: str, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [DASK, "worker", address, "--name", name, "--nthreads", "1", "--no-nanny", "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def occisim(*args: object) -> int:
    """The command line, in this process (no second start-up): its exit code."""
    with pytest.raises(SystemExit) as ended:
        app([str(a) for a in args])
    return ended.value.code


def stop(processes: list[subprocess.Popen]) -> None:
    """Killed outright: a graceful close of a worker and a scheduler takes seconds, and they hold nothing."""
    for process in processes:
        if process.poll() is None:
            process.kill()
    for process in processes:
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[str, Client, list[subprocess.Popen]]]:
    """A ``dask scheduler`` and two ``dask worker`` processes on loopback, and a client to watch them."""
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    processes = [
        subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        processes += [start_worker(address, f"w{i}") for i in (1, 2)]
        client = Client(address, timeout=60, set_as_default=False)
        client.wait_for_workers(2, timeout=60)
        yield address, client, processes
        client.close()
    finally:
        stop(processes)


def scheduler_tasks(client: Client) -> int:
    return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))


def test_a_local_cluster_gives_the_local_runners_replications_byte_for_byte(short, tmp_path):
    ticks = []
    result = run_experiment(load_scenario(short), REPLICATIONS, scheduler="local:2", progress=ticks.append)
    write_results(result, tmp_path / "dask")
    assert (tmp_path / "dask" / "replications.csv").read_bytes() == local_csv(short)
    assert sum(ticks) == REPLICATIONS  # the progress bar is told of every replication
    assert result.workers == 2


def test_a_dask_scheduler_with_two_workers_gives_the_same_bytes_through_the_command_line(
    short, cluster, tmp_path
):
    address, client, _ = cluster
    out = tmp_path / "cluster"
    assert occisim("run", short, "--replications", REPLICATIONS, "--scheduler", address, "--out", out) == 0
    assert (out / "replications.csv").read_bytes() == local_csv(short)
    # Each worker process loaded the base territory once, and bound the scenario once.
    loads = client.run(
        lambda: __import__("sim.runs.replications", fromlist=["_"])._base_territory.cache_info().misses
    )
    binds = client.run(
        lambda: __import__("sim.runs.replications", fromlist=["_"])._worker_binding.cache_info().misses
    )
    assert max(loads.values()) == 1 and min(loads.values()) >= 0, loads  # once, or not at all if idle
    assert max(binds.values()) == 1, binds


def test_a_killed_workers_replications_are_run_again_elsewhere(short, cluster, tmp_path):
    address, client, processes = cluster
    doomed = start_worker(address, "doomed")
    processes.append(doomed)  # stopped with the cluster whatever happens
    client.wait_for_workers(3, timeout=60)
    doomed_address = next(a for a, w in client.scheduler_info()["workers"].items() if w["name"] == "doomed")
    killed_while_busy = []

    def kill_when_busy(_: int) -> None:
        if not killed_while_busy and client.processing(doomed_address).get(doomed_address):
            os.kill(doomed.pid, signal.SIGKILL)
            killed_while_busy.append(True)

    n = 4 * REPLICATIONS
    for _attempt in range(3):  # the doomed worker may finish its first task before a completion is seen
        result = run_experiment(load_scenario(short), n, scheduler=address, progress=kill_when_busy)
        if killed_while_busy:
            break
    assert killed_while_busy, "the extra worker never had a replication running when one completed"
    expected = run_experiment(load_scenario(short), n, workers=1)
    assert result.replications.to_csv() == expected.replications.to_csv()
    assert doomed.wait(timeout=10) == -signal.SIGKILL


def test_ctrl_c_cancels_the_replications_on_the_cluster(short, cluster, tmp_path):
    address, client, _ = cluster
    client.wait_for_workers(2, timeout=60)
    process = subprocess.Popen(
        [OCCISIM, "run", short, "--replications", "2000", "--scheduler", address, "--out", tmp_path / "x"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while scheduler_tasks(client) == 0:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err.strip() == "error: interrupted; nothing written"
    deadline = time.monotonic() + 10
    while scheduler_tasks(client) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert scheduler_tasks(client) == 0  # cancelled, not left running for nobody
    assert not (tmp_path / "x").exists()


def test_ctrl_c_in_a_terminal_stops_a_local_cluster_in_one_line(short, tmp_path):
    """A terminal sends Ctrl-C to the whole process group: the workers ignore it, the command stops them."""
    process = subprocess.Popen(
        [OCCISIM, "run", short, "--replications", "2000", "--scheduler", "local:2", "--out", tmp_path / "x"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while len(workers_of(process.pid)) < 2:
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.1)
        time.sleep(3)  # into the replications
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130
        assert err == "error: interrupted; nothing written\n", err  # and not a line from each worker
        deadline = time.monotonic() + 10
        while group_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_members(process.pid), "processes of the command outlived it"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def proc_stat(pid: str) -> list[str]:
    """The fields of /proc/PID/stat after "pid (name)": state, parent, group, ... ([] once gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def workers_of(pid: int) -> list[str]:
    """Children of ``pid`` started by multiprocessing (Dask workers) that ignore Ctrl-C."""
    found = []
    for entry in Path("/proc").iterdir():
        fields = proc_stat(entry.name)
        if not fields or int(fields[1]) != pid:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        ignored = int(next(line for line in status.splitlines() if line.startswith("SigIgn:")).split()[1], 16)
        if b"spawn_main" in cmdline and ignored & (1 << (signal.SIGINT - 1)):
            found.append(entry.name)
    return found


def group_members(group: int) -> list[str]:
    return [
        e.name
        for e in Path("/proc").iterdir()
        if (f := proc_stat(e.name)) and int(f[2]) == group and f[0] != "Z"
    ]


@pytest.mark.parametrize("text", ["foo", "local:0", "local:65", "local:two", "tcp://host", "tcp://h:70000"])
def test_a_bad_scheduler_is_refused_naming_what_is_expected(text):
    with pytest.raises(ValueError, match=r"expected tcp://HOST:PORT .* or local:N"):
        parse_scheduler(text)


def test_good_schedulers_parse():
    assert parse_scheduler("local:3") == Scheduler(local_workers=3)
    assert parse_scheduler("tcp://10.0.0.5:8786") == Scheduler(address="tcp://10.0.0.5:8786")
    assert str(parse_scheduler("tcp://node-1.example:8786")) == "tcp://node-1.example:8786"


@pytest.mark.parametrize(
    "command", [["run", "{short}"], ["compare", "{short}", "{short}"], ["psa", "{short}", "{short}"]]
)
def test_the_command_line_refuses_a_bad_scheduler_in_one_line(short, tmp_path, capsys, command):
    args = [part.format(short=short) for part in command]
    assert occisim(*args, "--scheduler", "local:zero", "--out", tmp_path / "x") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "'--scheduler'" in err and "expected tcp://HOST:PORT" in err and "found 'local:zero'" in err


def test_an_unreachable_scheduler_fails_in_seconds_in_one_line(short, tmp_path, capsys):
    address = f"tcp://127.0.0.1:{free_port()}"  # nobody listens there
    start = time.monotonic()
    assert occisim("run", short, "--replications", 2, "--scheduler", address, "--out", tmp_path / "x") == 1
    assert time.monotonic() - start < backends.CONNECT_SECONDS + 10  # the connection time-out, no hang
    assert capsys.readouterr().err == (
        f"error: --scheduler {address}: no Dask scheduler answered within {backends.CONNECT_SECONDS} s "
        "(is `dask scheduler` running there, and reachable from here?); nothing written\n"
    )
    assert not (tmp_path / "x").exists()


def test_without_dask_the_backend_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(backends, "dask_installed", lambda: False)
    with pytest.raises(BackendError, match=r"pip install 'occisim\[dask\]'"):
        DaskRunner(Scheduler(local_workers=1)).start()
