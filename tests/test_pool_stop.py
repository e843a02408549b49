"""A pool stopped while its workers send their results lets the process end (no hang at exit).

``stop_now`` terminates the workers; one stopped half-way through sending a result used to leave the
executor's manager thread waiting for the rest of it, and the interpreter waiting for that thread at
exit: a cancelled job in the app, or Ctrl-C in a command, could leave a process that never ends.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys, time
    from concurrent.futures import ProcessPoolExecutor
    from sim.runs.replications import stop_now

    def large(_):
        return b"x" * 200_000_000  # long enough to send that the stop falls in the middle

    if __name__ == "__main__":
        executor = ProcessPoolExecutor(2)
        futures = [executor.submit(large, i) for i in range(16)]  # results sent one after another
        time.sleep(0.8)
        if sys.argv[1] == "stop_now":
            stop_now(executor)
        else:  # what the pool did before: terminate the workers, nothing more
            processes = list(executor._processes.values())
            executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=5)
        print("stopped", flush=True)
    """
)


def ends(how: str, tmp_path) -> bool:
    script = tmp_path / "stop.py"
    script.write_text(SCRIPT)
    try:
        done = subprocess.run([sys.executable, str(script), how], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return False
    assert "stopped" in done.stdout, done.stderr
    return done.returncode == 0


def test_a_pool_stopped_mid_send_lets_the_process_end(tmp_path):
    """(Run with "terminate_only" instead, the script hung at exit here: the reference.)"""
    assert ends("stop_now", tmp_path)
