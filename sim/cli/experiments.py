"""Commands that simulate: run, compare, one-way and probabilistic sensitivity, calibration, warm-up.

Each loads its scenario files and checks its output folder before the first replication starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.base import (
    NoOverwrite,
    Seed,
    Workers,
    WorkersPlain,
    app,
    fail,
    fail_file,
    finite,
    load,
    output_dir,
    say_written,
)
from sim.outputs import terminal
from sim.outputs.terminal import console, plain, progress_bar
from sim.outputs.writing import COMPARISON, PSA, RUN, SENSITIVITY, WARMUP, OutputError
from sim.scenario.bounds import (
    MAX_BACKGROUND_PER_DAY,
    MAX_DAYS,
    MAX_EUR,
    MAX_REPLICATIONS,
    MAX_SEED,
    MAX_YEARS,
)
from sim.scenario.common import DAYS_PER_YEAR
from sim.scenario.errors import ScenarioError

MAX_WARMUP_PROBE_DAYS = int(MAX_YEARS * DAYS_PER_YEAR)
MAX_BISECTIONS = 50  # halving the rate interval further is below a float's precision
PRECISION_HELP = (
    "Add replications until every headline 95% CI half-width is "
    "within this fraction (means: of the mean; differences: of the base mean)."
)


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    replications: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_REPLICATIONS, help="Replications (default: the scenario's)."),
    ] = None,
    seed: Seed = None,
    workers: Workers = None,
    out: Annotated[
        Path | None, typer.Option(help="Result folder (default: results/<scenario name>/).")
    ] = None,
    no_overwrite: NoOverwrite = False,
) -> None:
    """Simulate a scenario: replications in parallel, KPIs with 95% confidence intervals, result folder."""
    from sim.outputs.folders import write_results
    from sim.runs.replications import default_output_dir, run_experiment

    scenario = load(file)
    target = output_dir(out or default_output_dir(scenario), RUN, no_overwrite)
    n = replications or scenario.run.replications
    with progress_bar(f"{scenario.name}: replications", n) as advance:
        try:
            result = run_experiment(scenario, replications, seed, workers, progress=advance)
        except ScenarioError as exc:
            raise fail_file(file, exc.messages) from None
    try:
        write_results(result, target, source=file, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    console.print(terminal.experiment_table(result))
    terminal.print_warnings(result.warnings)
    say_written("results", target)


@app.command()
def calibrate(
    file: Annotated[Path, typer.Argument(help="Scenario file whose background bed demand to calibrate.")],
    target_p95: Annotated[
        float,
        typer.Option(
            min=0.001, max=MAX_DAYS, callback=finite, help="Target 95th-percentile planned wait, days."
        ),
    ] = 21.0,
    low: Annotated[
        float,
        typer.Option(
            min=0,
            max=MAX_BACKGROUND_PER_DAY,
            callback=finite,
            help="Lowest background arrival rate tried (per day).",
        ),
    ] = 0.40,
    high: Annotated[
        float,
        typer.Option(
            min=0,
            max=MAX_BACKGROUND_PER_DAY,
            callback=finite,
            help="Highest background arrival rate tried (per day).",
        ),
    ] = 0.60,
    replications: Annotated[int, typer.Option(min=2, max=MAX_REPLICATIONS)] = 20,
    iterations: Annotated[int, typer.Option(min=1, max=MAX_BISECTIONS)] = 7,
    workers: WorkersPlain = None,
) -> None:
    """Find the background admission rate that gives the target p95 wait for planned admissions."""
    from sim.runs.calibration import calibrate_background_rate

    scenario = load(file)
    if low >= high:
        raise fail(f"--low {low:g}: expected below --high, found --high {high:g}")
    try:
        best, steps = calibrate_background_rate(
            scenario, target_p95, low, high, replications, iterations, workers, on_step=terminal.print_step
        )
    except ScenarioError as exc:
        raise fail_file(file, exc.messages) from None
    console.print(terminal.calibration_table(steps, target_p95))
    console.print(f"suggested beds.background.arrivals_per_day: [bold]{best:.3f}[/]")


@app.command()
def compare(
    base: Annotated[Path, typer.Argument(help="Base scenario file (the reference).")],
    others: Annotated[list[Path], typer.Argument(help="Scenario files compared with the base.")],
    replications: Annotated[
        int | None,
        typer.Option(min=2, max=MAX_REPLICATIONS, help="Replications per scenario (start value)."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=MAX_SEED, help="Seed shared by all scenarios (default: the base's)."),
    ] = None,
    workers: Workers = None,
    target_precision: Annotated[
        float | None, typer.Option(min=0.0001, max=1.0, callback=finite, help=PRECISION_HELP)
    ] = None,
    max_replications: Annotated[
        int, typer.Option(min=2, max=MAX_REPLICATIONS, help="Cap for --target-precision.")
    ] = 200,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/compare-<base name>/).")] = None,
    no_overwrite: NoOverwrite = False,
) -> None:
    """Compare scenarios with common random numbers: means, paired differences to BASE, 95% CIs."""
    from sim.outputs.folders import write_comparison
    from sim.runs.compare import run_comparison

    files = (base, *others)
    scenarios = [load(path) for path in files]
    target = output_dir(out or Path("results") / f"compare-{scenarios[0].name}", COMPARISON, no_overwrite)
    with progress_bar("replications", None) as advance:
        try:
            comparison = run_comparison(
                scenarios, replications, seed, workers, target_precision, max_replications, progress=advance
            )
        except (ScenarioError, ValueError) as exc:
            raise fail(*getattr(exc, "messages", [str(exc)])) from None
    console.print(*terminal.comparison_tables(comparison))
    console.print(terminal.SIGNIFICANCE_NOTE)
    try:
        write_comparison(comparison, target, files, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    for name, result in comparison.results.items():
        terminal.print_warnings(result.warnings, f"{name}: ")
    if (precision := terminal.precision_message(comparison)) is not None:
        console.print(precision)
    say_written("comparison", target, "(comparison.csv, manifest.json, one result folder each)")


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
    write: Annotated[
        bool, typer.Option("--write", help="Store the suggestion as run.warmup_days in FILE.")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/warmup-<name>/).")] = None,
    no_overwrite: NoOverwrite = False,
) -> None:
    """Plot daily bed occupancy from an empty start (Welch's method) and suggest a warm-up (MSER-5)."""
    from sim.outputs.folders import write_warmup
    from sim.runs.calibration import probe_warmup
    from sim.scenario.edit import set_warmup_days

    scenario = load(file)
    if 2 * window >= days:
        raise fail(f"--window {window}: expected less than half of --days ({days})")
    target = output_dir(out or Path("results") / f"warmup-{scenario.name}", WARMUP, no_overwrite)
    with progress_bar(f"{scenario.name}: replications from empty beds", replications) as advance:
        try:
            probe = probe_warmup(scenario, replications, days, window, workers, progress=advance)
        except ScenarioError as exc:
            raise fail_file(file, exc.messages) from None
    try:
        write_warmup(probe, scenario, target, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    suggested = probe.suggested_days
    console.print(
        f"suggested warm-up (MSER-5 on the replication mean): [bold]{suggested} days[/] "
        f"(the scenario has {scenario.run.warmup_days:g})"
    )
    console.print("plot: ", plain(str(target / "warmup.png")), sep="")
    if write:
        try:
            set_warmup_days(file, suggested)
        except ScenarioError as exc:
            raise fail(exc.messages[0]) from None
        console.print(plain(f"{file}: run.warmup_days set to {suggested}"))


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
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/sensitivity-<name>/).")] = None,
    no_overwrite: NoOverwrite = False,
) -> None:
    """One-way sensitivity: each parameter at low and high, others at base; tornado plots and a table."""
    from sim.outputs.folders import write_sensitivity
    from sim.runs.sensitivity import one_way, one_way_warnings, parse_parameter

    scenario = load(file)
    try:
        parameters = [parse_parameter(p) for p in param] if param else list(scenario.sensitivity.parameters)
    except ScenarioError as exc:
        raise fail(exc.messages[0]) from None
    if not parameters:
        raise fail(
            f"{file}: sensitivity.parameters: expected parameters here or --param key=low:high, found none"
        )
    kpis = list(kpi or scenario.sensitivity.kpis)
    target = output_dir(out or Path("results") / f"sensitivity-{scenario.name}", SENSITIVITY, no_overwrite)
    runs = (1 + 2 * len(parameters)) * replications
    with progress_bar(f"{scenario.name}: one-way sensitivity", runs) as advance:
        try:
            table = one_way(scenario, parameters, kpis, replications, workers, advance)
        except ScenarioError as exc:
            raise fail_file(file, exc.messages) from None
    try:
        write_sensitivity(table, kpis, target, scenario, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    console.print(*terminal.sensitivity_tables(table, kpis))
    terminal.print_warnings(one_way_warnings(table))
    say_written("tornado plots and sensitivity.csv", target)


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
        typer.Option(min=0, max=MAX_EUR, callback=finite, help="Largest willingness to pay on the curve."),
    ] = None,
    workers: WorkersPlain = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder (default: results/psa-<other>-vs-<base>/).")
    ] = None,
    no_overwrite: NoOverwrite = False,
) -> None:
    """Probabilistic sensitivity analysis: cost-effectiveness plane and acceptability curve."""
    from sim.outputs.folders import write_psa
    from sim.runs.sensitivity import psa as run_psa

    scenario_base, scenario_other = load(base), load(other)
    spec = scenario_base.psa
    n, r = iterations or spec.iterations, replications or spec.replications
    default = Path("results") / f"psa-{scenario_other.name}-vs-{scenario_base.name}"
    target = output_dir(out or default, PSA, no_overwrite)
    with progress_bar(f"PSA {scenario_other.name} vs {scenario_base.name}", 2 * n * r) as advance:
        try:
            result = run_psa(scenario_base, scenario_other, n, r, seed, workers, wtp_max, advance)
        except ScenarioError as exc:
            raise fail_file(base, exc.messages) from None
    try:
        write_psa(result, scenario_base, scenario_other, target, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    for line in terminal.psa_lines(result, (scenario_base.name, scenario_other.name)):
        console.print(plain(line))
    terminal.print_warnings(result.warnings)
    say_written("results", target, "(psa_draws.csv, ceac.csv, ce_plane.png, ceac.png)")
