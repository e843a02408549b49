"""Work run in a background thread, so the page never freezes: progress, cancel, result folder.

``BackgroundJob`` holds what every job shares (the thread, replications done, cancel, its folder);
``ComparisonJob`` is the comparison (``sim.app.search_job.SearchJob``, the search of HADs to authorise).

The job goes through the same library calls as ``occisim compare`` (``run_comparison`` and
``write_comparison``) with the same seed, so it gives the same numbers; then it builds the HTML
report as ``occisim report`` does. Cancelling makes the progress callback raise: the exception
leaves the worker pool's ``with`` block, which stops its processes (``WorkerPool.__exit__``).

A job's folder, ``results/app/<name>-<time>/``, holds ``scenarios/`` (the two YAML files run, each
key with its source comment) and ``comparison/`` (the compare folder and its ``report.html``).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from sim.outputs.folders import result_folders, write_comparison
from sim.outputs.report import REPORT_BEGINNINGS, build_report
from sim.outputs.writing import REPORT, write_text_atomically
from sim.runs.compare import run_comparison
from sim.scenario.errors import one_line
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory

APP_RESULTS = Path("results") / "app"
RUNNING, REPORTING, DONE, CANCELLED, FAILED = "running", "reporting", "done", "cancelled", "failed"


class Cancelled(Exception):
    """Raised by the progress callback of a job asked to stop."""


@dataclass(frozen=True)
class JobStatus:
    state: str  # RUNNING, REPORTING, DONE, CANCELLED or FAILED
    done: int  # replications done (all scenarios)
    total: int
    folder: Path | None  # the job's folder, once made
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.state in (DONE, CANCELLED, FAILED)


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario to compare and the YAML text it is saved as (with its source comments)."""

    scenario: Scenario
    yaml: str


class BackgroundJob:
    """Work run in a thread with a count of replications done, a cancel and a folder of its own
    (``root/<name>-<time>/``); a subclass says what the work is (``_work``)."""

    def __init__(self, name: str, total: int, root: Path = APP_RESULTS) -> None:
        self.name = name
        self.root = Path(root)
        self.total = total
        self._done = 0
        self._state = RUNNING
        self._error = ""
        self._folder: Path | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"occisim-{type(self).__name__}", daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the job to stop; it stops at the next replication done (its workers are stopped)."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> JobStatus:
        self._thread.join(timeout)
        return self.status()

    def status(self) -> JobStatus:
        with self._lock:
            return JobStatus(self._state, self._done, self.total, self._folder, self._error)

    def _advance(self, done: int, total: int | None = None) -> None:
        """The progress callback: count ``done`` more replications; raise Cancelled when asked to stop."""
        if self._stop.is_set():
            raise Cancelled
        with self._lock:
            self._done += done
            if total is not None:
                self.total = total

    def _set(self, state: str, error: str = "") -> None:
        with self._lock:
            self._state, self._error = state, error

    def _work(self, folder: Path) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        try:
            self._work(self._make_folder())
        except Cancelled:
            self._set(CANCELLED)
        except Exception as exc:  # shown on the page, one line; the thread must not die silently
            self._set(FAILED, one_line(str(exc) or type(exc).__name__, 400))
        else:
            self._set(DONE)

    def _make_folder(self) -> Path:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = self.root / f"{self.name}-{stamp}"
        suffix = 1
        while folder.exists():
            suffix += 1
            folder = self.root / f"{self.name}-{stamp}-{suffix}"
        (folder / "scenarios").mkdir(parents=True)
        with self._lock:
            self._folder = folder
        return folder


class ComparisonJob(BackgroundJob):
    """Compare ``chosen`` with ``reference`` (same seed, common random numbers) in a thread."""

    def __init__(
        self,
        reference: ScenarioFile,
        chosen: ScenarioFile,
        root: Path = APP_RESULTS,
        workers: int | None = None,
        lang: str = "en",
        territory: Territory | None = None,
    ) -> None:
        self.files = (reference, chosen)
        self.workers = workers
        self.lang = lang
        self.territory = territory
        total = sum(f.scenario.run.replications for f in self.files)
        super().__init__(chosen.scenario.name, total, root)

    @property
    def comparison_folder(self) -> Path | None:
        return None if self._folder is None else self._folder / "comparison"

    def _work(self, folder: Path) -> None:
        paths = [save_scenario(folder, file) for file in self.files]
        scenarios = [f.scenario for f in self.files]
        comparison = run_comparison(
            scenarios, workers=self.workers, progress=self._advance, territory=self.territory
        )
        self._set(REPORTING)
        target = folder / "comparison"
        write_comparison(comparison, target, paths)
        document = build_report(result_folders([target]), self.territory, lang=self.lang)
        write_text_atomically(target / REPORT, document, begins=REPORT_BEGINNINGS)


def save_scenario(folder: Path, file: ScenarioFile) -> Path:
    """``folder/scenarios/<name>.yaml``: the scenario as run, each key with its source comment."""
    path = folder / "scenarios" / f"{file.scenario.name}.yaml"
    path.write_text(file.yaml, encoding="utf-8")
    return path


def folder_files(folder: Path) -> list[Path]:
    """The files of a job's folder a planner may want, in the order offered: the report, workbooks,
    the comparison table, then the scenario files."""
    comparison, scenarios = folder / "comparison", folder / "scenarios"
    wanted = [comparison / REPORT, *sorted(comparison.glob("*.xlsx")), comparison / "comparison.csv"]
    wanted += sorted(scenarios.glob("*.yaml"))
    return [p for p in wanted if p.is_file()]
