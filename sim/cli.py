"""The ``occisim`` command line: parses, calls the library, prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.outputs import terminal
from sim.outputs.terminal import console, print_error, progress_bar
from sim.scenario.errors import ScenarioError
from sim.scenario.files import json_schema, load_scenario
from sim.territory.catchment import Territory
from sim.territory.geodata import TerritoryDataError

app = typer.Typer(
    help="Discrete-event simulation of acute-leukemia care capacity in Occitanie (IUCT-Oncopole, HAD).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Workers = Annotated[int | None, typer.Option(min=1, help="Worker processes (default: one per core).")]
WorkersPlain = Annotated[int | None, typer.Option(min=1)]  # as these commands' --help has always shown it
PRECISION_HELP = (
    "Add replications until every headline 95% CI half-width is "
    "within this fraction (means: of the mean; differences: of the base mean)."
)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Print the occisim version and exit.")] = False,
) -> None:
    if version:
        from sim import __version__

        console.print(f"occisim {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        console.print(ctx.get_help())
        raise typer.Exit()


def main() -> None:
    app()


def fail(*lines: str) -> typer.Exit:
    """Print one-line errors and return the exit to raise (exit code 2: bad input)."""
    for line in lines:
        print_error(line)
    return typer.Exit(code=2)


def _load(path: Path):
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise fail(*exc.messages) from None


@app.command()
def territory(
    authorise: Annotated[
        list[str] | None,
        typer.Option("--authorise", help="HAD id to authorise for home chemotherapy (repeatable)."),
    ] = None,
    revoke: Annotated[
        list[str] | None,
        typer.Option("--revoke", help="HAD id whose authorisation is withdrawn (repeatable)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the map and the tables.")] = Path("results/territory"),
    geo_dir: Annotated[
        Path | None, typer.Option(help="Territory data folder (default: the project's geo/).")
    ] = None,
    overrides: Annotated[
        Path | None, typer.Option(help="Zone overrides CSV to use instead of geo/zone_overrides.csv.")
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(help="Scenario file whose territory settings (authorisations, takeovers, zones) apply."),
    ] = None,
) -> None:
    """Coverage of the catchment by the 14 HADs: tables and a map, after optional authorisation changes."""
    from sim.outputs.folders import write_territory

    authorise, revoke = list(authorise or []), list(revoke or [])
    merges: dict[str, str] = {}
    if scenario is not None:
        spec = _load(scenario).territory
        authorise = [*spec.authorise, *authorise]
        revoke = [*spec.revoke, *revoke]
        overrides = overrides or spec.overrides_file
        merges = spec.merge
    try:
        base = Territory.load(geo_dir, overrides_file=overrides)
        terr = base.with_authorisation(authorise=authorise, revoke=revoke).with_merges(merges)
    except (TerritoryDataError, KeyError) as exc:
        raise fail(str(exc).strip("\"'")) from None
    heading = terminal.territory_heading(authorise, revoke)
    console.print(*terminal.territory_tables(terr, heading))
    write_territory(terr, heading, out)
    console.print(
        f"map and tables written to [bold]{out}/[/] (territory_map.png, coverage_by_had.csv, "
        "unauthorised_by_department.csv, commune_zones.csv)"
    )


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")]) -> None:
    """Check scenario files against the schema (and HAD ids against geo/had.csv); exit 2 on any error."""
    from sim.territory.binding import scenario_territory

    failed = False
    base = None
    for path in files:
        try:
            scenario = load_scenario(path)
            base = base or Territory.load()
            scenario_territory(scenario, base)
        except ScenarioError as exc:
            failed = True
            terminal.print_file_errors(path, exc.messages)
            continue
        except TerritoryDataError as exc:
            raise fail(str(exc)) from None
        console.print(f"[green]ok[/] {path} ({scenario.name}, hash {scenario.hash()})", highlight=False)
    if failed:
        raise typer.Exit(code=2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors' completion and checking)."""
    import json

    typer.echo(json.dumps(json_schema(), indent=2))


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    replications: Annotated[
        int | None, typer.Option(min=1, help="Replications (default: the scenario's).")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed (default: the scenario's).")] = None,
    workers: Workers = None,
    out: Annotated[
        Path | None, typer.Option(help="Result folder (default: results/<scenario name>/).")
    ] = None,
) -> None:
    """Simulate a scenario: replications in parallel, KPIs with 95% confidence intervals, result folder."""
    from sim.outputs.folders import write_results
    from sim.runs.replications import default_output_dir, run_experiment

    scenario = _load(file)
    n = replications or scenario.run.replications
    with progress_bar(f"{scenario.name}: replications", n) as advance:
        try:
            result = run_experiment(scenario, replications, seed, workers, progress=advance)
        except ScenarioError as exc:
            raise fail(*(f"{file}: {line}" for line in exc.messages)) from None
    target = out or default_output_dir(scenario)
    write_results(result, target, source=file)
    console.print(terminal.experiment_table(result))
    console.print(f"results written to [bold]{target}/[/]")


@app.command()
def calibrate(
    file: Annotated[Path, typer.Argument(help="Scenario file whose background bed demand to calibrate.")],
    target_p95: Annotated[float, typer.Option(help="Target 95th-percentile planned wait, days.")] = 21.0,
    low: Annotated[float, typer.Option(help="Lowest background arrival rate tried (per day).")] = 0.40,
    high: Annotated[float, typer.Option(help="Highest background arrival rate tried (per day).")] = 0.60,
    replications: Annotated[int, typer.Option(min=2)] = 20,
    iterations: Annotated[int, typer.Option(min=1)] = 7,
    workers: WorkersPlain = None,
) -> None:
    """Find the background admission rate that gives the target p95 wait for planned admissions."""
    from sim.runs.calibration import calibrate_background_rate

    scenario = _load(file)
    best, steps = calibrate_background_rate(
        scenario, target_p95, low, high, replications, iterations, workers, on_step=terminal.print_step
    )
    console.print(terminal.calibration_table(steps, target_p95))
    console.print(f"suggested beds.background.arrivals_per_day: [bold]{best:.3f}[/]")


@app.command()
def compare(
    base: Annotated[Path, typer.Argument(help="Base scenario file (the reference).")],
    others: Annotated[list[Path], typer.Argument(help="Scenario files compared with the base.")],
    replications: Annotated[
        int | None, typer.Option(min=2, help="Replications per scenario (start value).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Seed shared by all scenarios (default: the base's).")
    ] = None,
    workers: Workers = None,
    target_precision: Annotated[float | None, typer.Option(min=0.0001, max=1.0, help=PRECISION_HELP)] = None,
    max_replications: Annotated[int, typer.Option(min=2, help="Cap for --target-precision.")] = 200,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/compare-<base name>/).")] = None,
) -> None:
    """Compare scenarios with common random numbers: means, paired differences to BASE, 95% CIs."""
    from sim.outputs.folders import write_comparison
    from sim.runs.compare import run_comparison

    files = (base, *others)
    scenarios = [_load(path) for path in files]
    with progress_bar("replications", None) as advance:
        try:
            comparison = run_comparison(
                scenarios, replications, seed, workers, target_precision, max_replications, progress=advance
            )
        except (ScenarioError, ValueError) as exc:
            raise fail(*getattr(exc, "messages", [str(exc)])) from None
    console.print(*terminal.comparison_tables(comparison))
    console.print(terminal.SIGNIFICANCE_NOTE)
    target = out or Path("results") / f"compare-{comparison.base}"
    write_comparison(comparison, target, files)
    if (precision := terminal.precision_message(comparison)) is not None:
        console.print(precision)
    console.print(
        f"comparison written to [bold]{target}/[/] (comparison.csv, manifest.json, one result folder each)"
    )


@app.command()
def warmup(
    file: Annotated[Path, typer.Argument(help="Scenario file to analyse.")],
    replications: Annotated[int, typer.Option(min=2, help="Replications started from empty beds.")] = 10,
    days: Annotated[int, typer.Option(min=100, help="Days simulated (from empty).")] = 1460,
    window: Annotated[int, typer.Option(min=1, help="Welch moving-average half-window, days.")] = 30,
    workers: WorkersPlain = None,
    write: Annotated[
        bool, typer.Option("--write", help="Store the suggestion as run.warmup_days in FILE.")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/warmup-<name>/).")] = None,
) -> None:
    """Plot daily bed occupancy from an empty start (Welch's method) and suggest a warm-up (MSER-5)."""
    from sim.outputs.folders import write_warmup
    from sim.runs.calibration import probe_warmup
    from sim.scenario.edit import set_warmup_days

    scenario = _load(file)
    with progress_bar(f"{scenario.name}: replications from empty beds", replications) as advance:
        probe = probe_warmup(scenario, replications, days, window, workers, progress=advance)
    target = out or Path("results") / f"warmup-{scenario.name}"
    write_warmup(probe, scenario, target)
    suggested = probe.suggested_days
    console.print(
        f"suggested warm-up (MSER-5 on the replication mean): [bold]{suggested} days[/] "
        f"(the scenario has {scenario.run.warmup_days:g})"
    )
    console.print(f"plot: [bold]{target / 'warmup.png'}[/]")
    if write:
        try:
            set_warmup_days(file, suggested)
        except ScenarioError as exc:
            raise fail(exc.messages[0]) from None
        console.print(f"{file}: run.warmup_days set to {suggested}")


@app.command()
def report(
    result_dirs: Annotated[
        list[Path], typer.Argument(help="Result folders (first = reference), or a compare folder.")
    ],
    out: Annotated[Path | None, typer.Option(help="HTML file (default: <first folder>/report.html).")] = None,
) -> None:
    """Write one self-contained HTML report (figures and maps embedded) from result folders."""
    from sim.outputs.folders import result_folders, write_text_atomically
    from sim.outputs.report import build_report

    folders = result_folders(result_dirs)
    missing = [str(p) for p in folders if not (p / "manifest.json").exists()]
    if missing:
        raise fail(f"not a result folder (no manifest.json): {', '.join(missing)}; run `occisim run` first")
    with progress_bar("building the report", None):
        try:
            document = build_report(folders)
        except (ValueError, ScenarioError, TerritoryDataError, OSError) as exc:
            raise fail(str(exc)) from None
    target = write_text_atomically(out or (result_dirs[0] / "report.html"), document)
    console.print(
        f"report written to [bold]{target}[/] ({target.stat().st_size / 1e6:.1f} MB, self-contained)"
    )


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
    replications: Annotated[int, typer.Option(min=1, help="Replications per run (same seeds for all).")] = 10,
    workers: WorkersPlain = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/sensitivity-<name>/).")] = None,
) -> None:
    """One-way sensitivity: each parameter at low and high, others at base; tornado plots and a table."""
    from sim.outputs.folders import write_sensitivity
    from sim.runs.sensitivity import one_way, parse_parameter

    scenario = _load(file)
    try:
        parameters = [parse_parameter(p) for p in param] if param else list(scenario.sensitivity.parameters)
    except ScenarioError as exc:
        raise fail(exc.messages[0]) from None
    if not parameters:
        raise fail(
            f"{file}: sensitivity.parameters: expected parameters here or --param key=low:high, found none"
        )
    kpis = list(kpi or scenario.sensitivity.kpis)
    runs = (1 + 2 * len(parameters)) * replications
    with progress_bar(f"{scenario.name}: one-way sensitivity", runs) as advance:
        try:
            table = one_way(scenario, parameters, kpis, replications, workers, advance)
        except ScenarioError as exc:
            raise fail(*(f"{file}: {line}" for line in exc.messages)) from None
    target = out or Path("results") / f"sensitivity-{scenario.name}"
    write_sensitivity(table, kpis, target)
    console.print(*terminal.sensitivity_tables(table, kpis))
    console.print(f"tornado plots and sensitivity.csv written to [bold]{target}/[/]")


@app.command()
def psa(
    base: Annotated[
        Path, typer.Argument(help="Base scenario (its 'psa' section gives parameters and outcome).")
    ],
    other: Annotated[Path, typer.Argument(help="Scenario compared with the base.")],
    iterations: Annotated[
        int | None, typer.Option(min=2, help="Outer iterations (Latin-hypercube draws).")
    ] = None,
    replications: Annotated[int | None, typer.Option(min=1, help="Inner replications per draw.")] = None,
    seed: Annotated[int | None, typer.Option(min=0)] = None,
    wtp_max: Annotated[
        float | None, typer.Option(min=0, help="Largest willingness to pay on the curve.")
    ] = None,
    workers: WorkersPlain = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder (default: results/psa-<other>-vs-<base>/).")
    ] = None,
) -> None:
    """Probabilistic sensitivity analysis: cost-effectiveness plane and acceptability curve."""
    from sim.outputs.folders import write_psa
    from sim.runs.sensitivity import psa as run_psa

    scenario_base, scenario_other = _load(base), _load(other)
    spec = scenario_base.psa
    n, r = iterations or spec.iterations, replications or spec.replications
    with progress_bar(f"PSA {scenario_other.name} vs {scenario_base.name}", 2 * n * r) as advance:
        try:
            result = run_psa(scenario_base, scenario_other, n, r, seed, workers, wtp_max, advance)
        except ScenarioError as exc:
            raise fail(*(f"{base}: {line}" for line in exc.messages)) from None
    target = out or Path("results") / f"psa-{scenario_other.name}-vs-{scenario_base.name}"
    write_psa(result, scenario_base, scenario_other, target)
    for line in terminal.psa_lines(result, (scenario_base.name, scenario_other.name)):
        console.print(line)
    console.print(f"results written to [bold]{target}/[/] (psa_draws.csv, ceac.csv, ce_plane.png, ceac.png)")
