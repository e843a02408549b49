"""`occisim choose`: which HADs to authorise next, by a search over authorisation sets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli.base import (
    Lang,
    NoOverwrite,
    SchedulerOption,
    Seed,
    Workers,
    app,
    fail,
    fail_file,
    finite,
    load,
    output_dir,
    readable,
    say_written,
)
from sim.outputs.terminal import console, plain, progress_bar
from sim.outputs.writing import SEARCH, OutputError
from sim.scenario.bounds import MAX_EUR, MAX_REPLICATIONS
from sim.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from sim.runs.search import SearchResult
    from sim.scenario.schema import Scenario

DEFAULT_OBJECTIVE = "blina_bed_days_per_year"


@app.command()
def choose(
    base: Annotated[Path, typer.Argument(help="Base scenario file (today's authorisations).")],
    objective: Annotated[
        str,
        typer.Option(
            help="KPI to minimise, or a weighted sum: 'blina_bed_days_per_year + 0.001*travel_km_per_year'."
        ),
    ] = DEFAULT_OBJECTIVE,
    max_new: Annotated[int, typer.Option(min=1, max=6, help="At most this many new authorisations.")] = 2,
    among: Annotated[
        list[str] | None, typer.Option("--among", help="Only these HAD ids as candidates (repeatable).")
    ] = None,
    cost_per_authorisation: Annotated[
        float, typer.Option(min=0, max=MAX_EUR, callback=finite, help="€ a year per new authorisation.")
    ] = 0.0,
    delta: Annotated[
        float,
        typer.Option(min=1e-9, callback=finite, help="Indifference zone, in the objective's unit."),
    ] = 5.0,
    alpha: Annotated[
        float, typer.Option(min=0.001, max=0.5, help="1 - alpha: probability of correct selection.")
    ] = 0.05,
    first_stage: Annotated[
        int, typer.Option(min=2, max=MAX_REPLICATIONS, help="Replications of every set first.")
    ] = 10,
    max_replications: Annotated[
        int, typer.Option(min=2, max=MAX_REPLICATIONS, help="Replication budget per set.")
    ] = 100,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary", help="Repeat the choice with KEY=V1,V2 (one assumption at a time; repeatable)."
        ),
    ] = None,
    band: Annotated[
        Path | None,
        typer.Option(
            "--band", help="Repeat the choice for each parameter set of a calibration band (band.csv)."
        ),
    ] = None,
    psa_draws: Annotated[
        int, typer.Option(min=0, max=1000, help="Repeat the choice on this many draws of the 'psa' section.")
    ] = 0,
    seed: Seed = None,
    workers: Workers = None,
    scheduler: SchedulerOption = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/choose-<base name>/).")] = None,
    no_overwrite: NoOverwrite = False,
    lang: Lang = None,
) -> None:
    """Which HADs to authorise next: screen every set on coverage, simulate the rest, select by KN++."""
    from sim.measures.selection import SelectionSettings
    from sim.runs.band import read_band
    from sim.runs.replications import with_run_settings
    from sim.runs.robustness import assumption_variants, band_variants, psa_variants, robustness
    from sim.runs.search import Objective, search

    scenario = load(base)
    try:
        scenario = with_run_settings(scenario, seed=seed)
        goal = Objective.parse(objective)
        settings = SelectionSettings(delta, alpha, first_stage, max(max_replications, first_stage))
        variants = assumption_variants(vary or []) + (psa_variants(scenario, psa_draws) if psa_draws else [])
        if band is not None:
            variants += band_variants(read_band(band, scenario))
    except ScenarioError as exc:
        raise fail_file(base, exc.messages) from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    from sim.outputs.i18n import text

    language = readable(scenario, lang).lang
    target = output_dir(out or Path("results") / f"choose-{scenario.name}", SEARCH, no_overwrite)
    with progress_bar(text("progress_replications", language), None) as advance:
        try:
            shared = (goal, settings, max_new, among, cost_per_authorisation, workers, advance)
            result = search(scenario, *shared, scheduler=scheduler)
            if variants:
                result.robustness = robustness(scenario, variants, *shared, scheduler=scheduler)
        except ScenarioError as exc:
            raise fail_file(base, exc.messages) from None
    _show_and_write_search(result, scenario, target, language, no_overwrite)


def _show_and_write_search(
    result: SearchResult, scenario: Scenario, target: Path, language: str, no_overwrite: bool
) -> None:
    """The verdict, the table and the robustness on the terminal, then the search's folder."""
    from sim.outputs.choice import search_lines, search_table, write_search
    from sim.outputs.i18n import text
    from sim.runs.replications import base_territory

    territory = base_territory()
    had_names = dict(zip(territory.hads.index, territory.hads["name"]))
    verdict, *robust = search_lines(result, had_names, language)
    console.print(plain(verdict))
    console.print(search_table(result, had_names, lang=language))
    for line in robust:
        console.print(plain(line))
    try:
        write_search(result, scenario, territory, target, overwrite=not no_overwrite, lang=language)
    except OutputError as exc:
        raise fail(str(exc)) from None
    files_written = "(search.csv, report.html, manifest.json)"
    say_written(text("written_search", language), target, files_written, language)
