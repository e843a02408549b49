"""Where replications run when not on this machine's worker processes: a Dask distributed cluster.

``--scheduler tcp://HOST:PORT`` sends the replications to a running ``dask scheduler`` (its
``dask worker`` processes do the work); ``--scheduler local:N`` starts a LocalCluster of N worker
processes on this machine for the command. Either way a job is the same call as on the local pool
(``replications._in_worker``) with the same (scenario JSON, replication index) payload, so the
numbers are the same, byte for byte: every random draw comes from the seed and the replication
index, never from the process that runs it.

Dask is an optional dependency (the ``dask`` extra): this module imports it only when a cluster is
used. A worker that dies takes its running replications with it; the scheduler gives them to
another worker (up to ``distributed.scheduler.allowed-failures`` times, 3 by default).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sim.runs.processes import WorkerCrashed, children_ignore_ctrl_c

LOCAL = "local:"
ADDRESS = re.compile(r"^tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$")  # host or [IPv6]
CONNECT_SECONDS = 5  # a scheduler that does not answer within this is reported, not waited for
WORKERS_SECONDS = 60  # a scheduler without workers: how long to wait for the first one to join
MAX_LOCAL_WORKERS = 64  # as --workers: processes of ~250 MB each
EXPECTED = f"expected tcp://HOST:PORT (a running `dask scheduler`) or local:N (N = 1 to {MAX_LOCAL_WORKERS})"
INSTALL = "the Dask backend is not installed: pip install 'occisim[dask]'"


class BackendError(RuntimeError):
    """The cluster cannot be used (not installed, unreachable, lost): one line for the user."""


@dataclass(frozen=True)
class Scheduler:
    """A parsed ``--scheduler``: a running scheduler's address, or a LocalCluster's size."""

    address: str | None = None
    local_workers: int | None = None

    def __str__(self) -> str:
        return self.address if self.address is not None else f"{LOCAL}{self.local_workers}"


def parse_scheduler(text: str) -> Scheduler:
    """``tcp://HOST:PORT`` or ``local:N``; ValueError (one line, naming what is expected) otherwise."""
    shown = repr(text) if len(text) <= 80 else repr(text[:77] + "...")
    if text.startswith(LOCAL):
        count = text[len(LOCAL) :]
        if count.isdigit() and 1 <= int(count) <= MAX_LOCAL_WORKERS:
            return Scheduler(local_workers=int(count))
        raise ValueError(f"{EXPECTED}, found {shown}")
    match = ADDRESS.match(text)
    if match is None or not 1 <= int(match.group(2)) <= 65535:
        raise ValueError(f"{EXPECTED}, found {shown}")
    return Scheduler(address=text)


def dask_installed() -> bool:
    """Whether dask.distributed can be imported (checked without importing it)."""
    return importlib.util.find_spec("distributed") is not None


class DaskRunner:
    """A client of a Dask cluster, connected (or the LocalCluster started) at the first batch.

    ``map`` sends one task per payload and returns the results in payload order, telling
    ``progress`` as each one completes; ``close`` cancels what is still queued or running.
    """

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self._client: Any = None
        self._cluster: Any = None
        self._pending: list[Any] = []
        self._cleanup = contextlib.ExitStack()

    @property
    def workers(self) -> int:
        """The cluster's worker processes now (after ``start``)."""
        return max(1, len(self._client.scheduler_info()["workers"])) if self._client is not None else 1

    def start(self) -> None:
        if self._client is not None:
            return
        if not dask_installed():
            raise BackendError(f"--scheduler {self.scheduler}: {INSTALL}")
        from distributed import Client, LocalCluster

        if self.scheduler.local_workers is not None:
            # The worker processes ignore Ctrl-C (a terminal sends it to them too), those a nanny
            # restarts later as well: this process handles it, cancels the work and closes the
            # cluster (a worker also ends when this process dies: distributed watches its parent).
            self._cleanup.enter_context(children_ignore_ctrl_c())
            self._cluster = LocalCluster(
                n_workers=self.scheduler.local_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: several commands may run at once
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster, set_as_default=False)
            return
        try:
            self._client = Client(self.scheduler.address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError):
            raise BackendError(
                f"--scheduler {self.scheduler}: no Dask scheduler answered within {CONNECT_SECONDS} s "
                "(is `dask scheduler` running there, and reachable from here?)"
            ) from None
        try:
            self._client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except (OSError, TimeoutError):
            raise BackendError(
                f"--scheduler {self.scheduler}: no Dask worker joined within {WORKERS_SECONDS} s "
                f"(start `dask worker {self.scheduler}` on the machines that compute)"
            ) from None

    def map(
        self, function: Callable, payloads: Sequence[object], progress: Callable[[int], None] | None
    ) -> list:
        """``function(payload)`` for each payload on the cluster, results in payload order."""
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        self.start()
        batch = uuid.uuid4().hex
        keys = [f"occisim-{batch}-{i}" for i in range(len(payloads))]
        futures = self._client.map(function, payloads, key=keys, pure=False)
        self._pending = futures
        try:
            for _ in as_completed(futures, loop=self._client.loop):
                if progress:
                    progress(1)
            results = self._client.gather(futures)
        except KilledWorker:
            raise WorkerCrashed(
                "Dask workers died while running the same replication several times (out of memory?)"
            ) from None
        except (OSError, TimeoutError) as exc:
            raise BackendError(f"--scheduler {self.scheduler}: lost the Dask cluster ({exc})") from None
        self._pending = []  # kept until then, for ``close`` to cancel if the batch is stopped
        return results

    def close(self, cancel: bool = False) -> None:
        """Disconnect (and stop a LocalCluster); with ``cancel``, the queued and running tasks first."""
        client, cluster, pending = self._client, self._cluster, self._pending
        self._client = self._cluster = None
        self._pending = []
        try:
            if client is not None:
                if cancel and pending:
                    client.cancel(pending, force=True)
                client.close()
        finally:
            try:
                if cluster is not None:
                    cluster.close()
            finally:
                self._cleanup.close()
