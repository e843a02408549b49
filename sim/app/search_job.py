"""Which HADs next, from the page: ``occisim choose``'s search run in a background thread.

The job makes the same library calls as ``occisim choose`` (``Objective.parse``, ``SelectionSettings``,
``search``, ``robustness`` on draws of the scenario's ``psa`` section, ``write_search``) on the scenario
the page stands for, so the same scenario, candidates, settings and seed give the same ``search.csv``
and ``robustness.csv``. Its folder, ``results/app/<name>-choose-<time>/``,
holds ``scenarios/`` (the base scenario as run, with its source comments) and ``search/`` (the folder
``occisim choose`` writes: search.csv, report.html, manifest.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.app.jobs import APP_RESULTS, REPORTING, BackgroundJob, ScenarioFile, save_scenario
from sim.measures.selection import SelectionSettings
from sim.outputs.choice import write_search
from sim.runs.robustness import psa_variants, robustness
from sim.runs.search import (
    Objective,
    SearchResult,
    authorisable,
    authorisation_sets,
    screen,
    search,
)
from sim.scenario.schema import Scenario
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory

# The objectives offered on the page (the CLI takes any KPI or weighted sum): what planners ask about.
OBJECTIVES = (
    "blina_bed_days_per_year",
    "travel_km_per_year",
    "cost_total_per_year",
    "planned_wait_mean_days",
)
SEARCH_FOLDER = "search"


@dataclass(frozen=True)
class SearchRequest:
    """What the planner asks: ``occisim choose``'s options, by the same names."""

    candidates: tuple[str, ...]  # --among
    max_new: int = 2
    objective: str = OBJECTIVES[0]
    delta: float = 5.0
    alpha: float = 0.05
    first_stage: int = 10
    max_replications: int = 100
    cost_per_authorisation: float = 0.0
    psa_draws: int = 0  # --psa-draws: the choice repeated on draws of the scenario's psa section

    def settings(self) -> SelectionSettings:
        """The selection settings, as ``occisim choose`` makes them (the budget at least the first stage)."""
        return SelectionSettings(
            self.delta, self.alpha, self.first_stage, max(self.max_replications, self.first_stage)
        )

    def cli_options(self) -> list[str]:
        """The ``occisim choose`` options that run the same search (shown on the page, used in tests)."""
        options = [f"--among={had}" for had in self.candidates]
        options += [f"--max-new={self.max_new}", f"--objective={self.objective}", f"--delta={self.delta!r}"]
        options += [f"--alpha={self.alpha!r}", f"--first-stage={self.first_stage}"]
        options += [f"--max-replications={self.max_replications}"]
        options.append(f"--cost-per-authorisation={self.cost_per_authorisation!r}")
        return [*options, f"--psa-draws={self.psa_draws}"] if self.psa_draws else options


def candidate_hads(scenario: Scenario, base: Territory) -> list[str]:
    """The HADs a search may authorise in the scenario (not authorised, with a zone in the catchment)."""
    return authorisable(scenario, scenario_territory(scenario, base))


def replication_budget(scenario: Scenario, request: SearchRequest, base: Territory) -> int:
    """At most this many replications: every set left by the coverage screen, its whole budget, in the
    search and in each of its repetitions on PSA draws (as the base scenario's screen keeps them: an
    estimate if a draw's parameters change the coverage)."""
    sets = authorisation_sets(list(request.candidates), request.max_new)
    _, kept = screen(scenario, sets, base)
    one_search = len(kept) * request.settings().max_replications if len(kept) > 1 else 0
    return one_search * (1 + request.psa_draws)


class SearchJob(BackgroundJob):
    """``occisim choose`` on ``base`` with ``request``'s options, in a thread."""

    def __init__(
        self,
        base: ScenarioFile,
        request: SearchRequest,
        territory: Territory,
        root: Path = APP_RESULTS,
        workers: int | None = None,
        lang: str = "en",
    ) -> None:
        self.base = base
        self.request = request
        self.territory = territory
        self.workers = workers
        self.lang = lang  # of the search's page (report.html)
        self.result: SearchResult | None = None
        super().__init__(f"{base.scenario.name}-choose", 0, root)

    @property
    def search_folder(self) -> Path | None:
        folder = self.status().folder
        return None if folder is None else folder / SEARCH_FOLDER

    def _work(self, folder: Path) -> None:
        save_scenario(folder, self.base)
        scenario, request = self.base.scenario, self.request
        if not request.candidates:  # occisim choose without --among takes them all: the page asks
            raise ValueError("no candidate HAD chosen")
        goal = Objective.parse(request.objective)
        settings = request.settings()  # refuses a bad δ or α before any replication
        variants = psa_variants(scenario, request.psa_draws) if request.psa_draws else []
        budget = replication_budget(scenario, request, self.territory)
        with self._lock:
            self.total = budget
        shared = (goal, settings, request.max_new, list(request.candidates), request.cost_per_authorisation)
        result = search(scenario, *shared, self.workers, self._advance, territory=self.territory)
        if variants:
            result.robustness = robustness(
                scenario, variants, *shared, self.workers, self._advance, territory=self.territory
            )
        self._set(REPORTING)
        write_search(result, scenario, self.territory, folder / SEARCH_FOLDER, lang=self.lang)
        self.result = result
