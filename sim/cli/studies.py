"""Commands that study a scenario: calibration of the background demand, warm-up, one-way and
probabilistic sensitivity.

Each loads its scenario files and checks its output folder before the first replication starts.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli.base import (
    Lang,
    NoOverwrite,
    SchedulerOption,
    Seed,
    WorkersPlain,
    app,
    fail,
    fail_file,
    load,
    output_dir,
    positive,
    readable,
    say_written,
)
from sim.outputs import terminal
from sim.outputs.i18n import number, text
from sim.outputs.terminal import console, plain, progress_bar
from sim.outputs.writing import (
    CALIBRATION,
    PSA,
    SENSITIVITY,
    WARMUP,
    OutputError,
)
from sim.scenario.bounds import (
    MAX_EUR,
    MAX_REPLICATIONS,
    MAX_SEED,
    MAX_YEARS,
)
from sim.scenario.common import DAYS_PER_YEAR
from sim.scenario.errors import ScenarioError, one_line

if TYPE_CHECKING:  # types only
    from sim.scenario.schema import Scenario


class Direction(enum.StrEnum):
    increase = "increase"
    decrease = "decrease"


MAX_WARMUP_PROBE_DAYS = int(MAX_YEARS * DAYS_PER_YEAR)
MAX_DESIGN_POINTS = 1000  # parameter sets of a calibration design (the workload cap bounds the runs)


def check_named_kpis(scenario: Scenario, option: str, names: Sequence[str]) -> None:
    """KPI names given by ``option`` that a run produces (exit 2, one line each, if not)."""
    from sim.runs.checks import scenario_kpi_names

    known = scenario_kpi_names(scenario) if names else set()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise fail(
            *(
                f"{option} {one_line(repr(name), 80)}: expected a KPI name of replications.csv"
                for name in unknown
            )
        )


@app.command()
def calibrate(
    file: Annotated[Path, typer.Argument(help="Scenario file whose background bed demand to calibrate.")],
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            help="kpi=low:high a reading of the sources puts the KPI in (repeatable; default: "
            "planned_wait_peak_season_p95_days=14:21, planned_wait_yearly_max_days=21:28).",
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="key=low:high searched (repeatable; default: the background arrival rate 0.4:0.6, "
            "length of stay mean 20:35, emergency share 0.3:0.7, seasonal amplitude 0:0.2).",
        ),
    ] = None,
    points: Annotated[
        int,
        typer.Option(
            min=2,
            max=MAX_DESIGN_POINTS,
            help="Parameter sets tried (the scenario's, then a Latin hypercube).",
        ),
    ] = 40,
    replications: Annotated[
        int,
        typer.Option(
            min=2,
            max=MAX_REPLICATIONS,
            help="Replications per set (the same for all: common random numbers).",
        ),
    ] = 10,
    seed: Seed = None,
    workers: WorkersPlain = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/calibration-<name>/).")] = None,
    no_overwrite: NoOverwrite = False,
    scheduler: SchedulerOption = None,
    lang: Lang = None,
) -> None:
    """Fit the background bed demand to the 'up to 3 weeks' wait: the band of parameter sets that fit."""
    from sim.outputs.bands import calibration_table, write_calibration
    from sim.runs.calibration import (
        DEFAULT_PARAMETERS,
        DEFAULT_TARGETS,
        calibrate_band,
        parse_design_parameter,
        parse_target,
    )

    scenario = load(file)
    language = readable(scenario, lang).lang
    try:
        targets = [parse_target(t) for t in target] if target else list(DEFAULT_TARGETS)
        parameters = [parse_design_parameter(p) for p in param] if param else list(DEFAULT_PARAMETERS)
    except ScenarioError as exc:
        raise fail(exc.messages[0]) from None
    target_dir = output_dir(
        out or Path("results") / f"calibration-{scenario.name}", CALIBRATION, no_overwrite
    )
    with progress_bar(
        text("calibration_progress", language, name=scenario.name), points * replications
    ) as advance:
        try:
            calibration = calibrate_band(
                scenario,
                targets,
                parameters,
                points,
                replications,
                seed,
                workers,
                advance,
                scheduler=scheduler,
            )
        except ScenarioError as exc:
            raise fail_file(file, exc.messages) from None
    try:
        write_calibration(calibration, scenario.name, target_dir, overwrite=not no_overwrite, lang=language)
    except OutputError as exc:
        raise fail(str(exc)) from None
    console.print(calibration_table(calibration, language))
    files = text("calibration_files", language)
    say_written(text("calibration_written", language), target_dir, files, lang=language)


@app.command()
def warmup(
    file: Annotated[Path, typer.Argument(help="Scenario file to analyse.")],
    replications: Annotated[
        int, typer.Option(min=2, max=MAX_REPLICATIONS, help="Replications started from empty beds.")
    ] = 10,
    days: Annotated[
        int, typer.Option(min=100, max=MAX_WARMUP_PROBE_DAYS, help="Days simulated (from empty).")
    ] = 1460,
    window: Annotated[
        int,
        typer.Option(min=1, max=MAX_WARMUP_PROBE_DAYS // 2, help="Welch moving-average half-window, days."),
    ] = 30,
    workers: WorkersPlain = None,
    scheduler: SchedulerOption = None,
    write: Annotated[
        bool,
        typer.Option("--write", help="Store the suggestion as run.warmup_days in FILE (never lower it)."),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --write: also lower the file's warm-up to the suggestion.")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/warmup-<name>/).")] = None,
    no_overwrite: NoOverwrite = False,
    lang: Lang = None,
) -> None:
    """Plot daily bed occupancy from an empty start (Welch's method) and suggest a warm-up (MSER-5)."""
    from sim.outputs.study_folders import write_warmup
    from sim.runs.calibration import probe_warmup
    from sim.scenario.edit import WarmupNotLowered, set_warmup_days

    scenario = load(file)
    language = readable(scenario, lang).lang
    if 2 * window >= days:
        raise fail(f"--window {window}: expected less than half of --days ({days})")
    target = output_dir(out or Path("results") / f"warmup-{scenario.name}", WARMUP, no_overwrite)
    with progress_bar(text("warmup_progress", language, name=scenario.name), replications) as advance:
        try:
            probe = probe_warmup(
                scenario, replications, days, window, workers, progress=advance, scheduler=scheduler
            )
        except ScenarioError as exc:
            raise fail_file(file, exc.messages) from None
    try:
        write_warmup(probe, scenario, target, overwrite=not no_overwrite, lang=language)
    except OutputError as exc:
        raise fail(str(exc)) from None
    suggested = probe.suggested_days
    current = number(scenario.run.warmup_days, "g", language)
    console.print(text("warmup_suggested", language, days=suggested, current=current))
    console.print(text("warmup_plot", language), plain(str(target / "warmup.png")), sep="")
    if write:
        try:
            set_warmup_days(file, suggested, force=force)
        except WarmupNotLowered as exc:
            current = number(exc.current, "g", language)
            kept = text("warmup_not_lowered", language, file=exc.path, current=current, days=exc.suggested)
            console.print(plain(kept))
            return
        except ScenarioError as exc:
            raise fail(exc.messages[0]) from None
        console.print(plain(text("warmup_set", language, file=file, days=suggested)))


@app.command()
def sensitivity(
    file: Annotated[
        Path, typer.Argument(help="Scenario file (its 'sensitivity' section gives the defaults).")
    ],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="key=low:high, e.g. costs.had_day_eur=150:350 (repeatable)."),
    ] = None,
    kpi: Annotated[list[str] | None, typer.Option("--kpi", help="KPI to report (repeatable).")] = None,
    replications: Annotated[
        int, typer.Option(min=1, max=MAX_REPLICATIONS, help="Replications per run (same seeds for all).")
    ] = 10,
    workers: WorkersPlain = None,
    scheduler: SchedulerOption = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/sensitivity-<name>/).")] = None,
    no_overwrite: NoOverwrite = False,
    lang: Lang = None,
) -> None:
    """One-way sensitivity: each parameter at low and high, others at base; tornado plots and a table."""
    from sim.outputs.study_folders import write_sensitivity
    from sim.outputs.study_lines import sensitivity_tables
    from sim.runs.checks import range_problems
    from sim.runs.sensitivity import one_way, one_way_warnings, parse_parameter

    scenario = load(file)
    language = readable(scenario, lang).lang
    try:
        parameters = [parse_parameter(p) for p in param] if param else list(scenario.sensitivity.parameters)
    except ScenarioError as exc:
        raise fail(exc.messages[0]) from None
    if not parameters:
        raise fail(
            f"{file}: sensitivity.parameters: expected parameters here or --param key=low:high, found none"
        )
    problems = range_problems(scenario, parameters, "--param") if param else []
    if problems:  # the command line's ranges: refused naming --param, not the scenario file
        raise fail(*problems)
    kpis = list(kpi or scenario.sensitivity.kpis)
    check_named_kpis(scenario, "--kpi", list(kpi or []))
    target = output_dir(out or Path("results") / f"sensitivity-{scenario.name}", SENSITIVITY, no_overwrite)
    runs = (1 + 2 * len(parameters)) * replications
    with progress_bar(text("sens_progress", language, name=scenario.name), runs) as advance:
        try:
            table = one_way(scenario, parameters, kpis, replications, workers, advance, scheduler)
        except ScenarioError as exc:
            raise fail_file(file, exc.messages) from None
    try:
        write_sensitivity(
            table,
            kpis,
            target,
            scenario,
            overwrite=not no_overwrite,
            lang=language,
            replications=replications,
        )
    except OutputError as exc:
        raise fail(str(exc)) from None
    console.print(*sensitivity_tables(table, kpis, language))
    terminal.print_warnings(one_way_warnings(table, language), lang=language)
    say_written(text("sens_written", language), target, lang=language)


@app.command()
def psa(
    base: Annotated[
        Path, typer.Argument(help="Base scenario (its 'psa' section gives parameters and outcome).")
    ],
    other: Annotated[Path, typer.Argument(help="Scenario compared with the base.")],
    iterations: Annotated[
        int | None,
        typer.Option(min=2, max=MAX_REPLICATIONS, help="Outer iterations (Latin-hypercube draws)."),
    ] = None,
    replications: Annotated[
        int | None, typer.Option(min=1, max=MAX_REPLICATIONS, help="Inner replications per draw.")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, max=MAX_SEED)] = None,
    wtp_max: Annotated[
        float | None,
        typer.Option(min=0, max=MAX_EUR, callback=positive, help="Largest willingness to pay on the curve."),
    ] = None,
    outcome: Annotated[
        str | None,
        typer.Option(
            help="KPI whose change is bought (default: the base's psa.outcome), e.g. trips_per_year."
        ),
    ] = None,
    outcome_direction: Annotated[
        Direction | None,
        typer.Option(
            help="Is more of the outcome better (increase) or less (decrease)? Default: psa section."
        ),
    ] = None,
    workers: WorkersPlain = None,
    scheduler: SchedulerOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder (default: results/psa-<other>-vs-<base>/).")
    ] = None,
    no_overwrite: NoOverwrite = False,
    lang: Lang = None,
) -> None:
    """Probabilistic sensitivity analysis: cost-effectiveness plane and acceptability curve."""
    from sim.outputs.study_folders import write_psa
    from sim.outputs.study_lines import psa_lines
    from sim.runs.sensitivity import psa as run_psa

    if outcome is not None and not outcome.isidentifier():
        raise fail(f"--outcome {one_line(repr(outcome), 80)}: expected a KPI name, e.g. trips_per_year")
    scenario_base, scenario_other = load(base), load(other)
    language = readable(scenario_base, lang).lang
    check_named_kpis(scenario_base, "--outcome", [outcome] if outcome else [])
    spec = scenario_base.psa
    n, r = iterations or spec.iterations, replications or spec.replications
    default = Path("results") / f"psa-{scenario_other.name}-vs-{scenario_base.name}"
    target = output_dir(out or default, PSA, no_overwrite)
    progress = text("psa_progress", language, other=scenario_other.name, base=scenario_base.name)
    with progress_bar(progress, 2 * n * r) as advance:
        try:
            result = run_psa(
                scenario_base,
                scenario_other,
                n,
                r,
                seed,
                workers,
                wtp_max,
                advance,
                outcome=outcome,
                outcome_direction=None if outcome_direction is None else outcome_direction.value,
                scheduler=scheduler,
            )
        except ScenarioError as exc:
            raise fail_file(base, exc.messages) from None
    try:
        write_psa(result, scenario_base, scenario_other, target, overwrite=not no_overwrite, lang=language)
    except OutputError as exc:
        raise fail(str(exc)) from None
    for line in psa_lines(result, (scenario_base.name, scenario_other.name), language):
        console.print(plain(line))
    terminal.print_warnings(result.warnings(language), lang=language)
    files = "(psa_draws.csv, ceac.csv, ce_plane.png, ceac.png)"
    say_written(text("psa_written", language), target, files, lang=language)
