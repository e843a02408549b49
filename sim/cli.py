"""The ``occisim`` command line: parses, calls the library, prints.

Every problem a user can cause ends in one line on standard error and exit code 2 (a bad option,
file, value or output folder, checked before any simulation starts); Ctrl-C or SIGTERM in one
line and exit 130 or 143, leaving every output folder as it was or complete; a worker process
killed in one line and exit 1. Printed text from files and the command line is never read as
markup.
"""

from __future__ import annotations

import errno
import math
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.main import get_command

from sim.outputs import terminal
from sim.outputs.terminal import console, plain, print_error, print_file_errors, progress_bar
from sim.outputs.writing import (
    COMPARISON,
    PSA,
    RUN,
    SENSITIVITY,
    TERRITORY,
    WARMUP,
    OutputError,
    check_output_dir,
    written_paths,
)
from sim.runs.processes import Interrupted, WorkerCrashed, stop_signals_raise
from sim.scenario.bounds import (
    MAX_BACKGROUND_PER_DAY,
    MAX_DAYS,
    MAX_EUR,
    MAX_REPLICATIONS,
    MAX_SEED,
    MAX_YEARS,
)
from sim.scenario.errors import ScenarioError, one_line
from sim.scenario.files import json_schema, load_scenario
from sim.scenario.schema import DAYS_PER_YEAR
from sim.territory.catchment import Territory
from sim.territory.geodata import TerritoryDataError

MAX_WORKERS = 64  # processes of ~250 MB each; more than this machine's cores only slows a run
MAX_WARMUP_PROBE_DAYS = int(MAX_YEARS * DAYS_PER_YEAR)
MAX_BISECTIONS = 50  # halving the rate interval further is below a float's precision


class _App(typer.Typer):
    """The command line as users meet it: one-line errors, Ctrl-C as one line and exit 130."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with stop_signals_raise():
            code = _exit_code(get_command(self), args, kwargs)
        sys.exit(code)


def _exit_code(command: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> int:
    """Run the command line; every way it can end becomes an exit code (and at most one line)."""
    try:
        result = command.main(*args, standalone_mode=False, **kwargs)
    except typer.TyperException as exc:  # the command-line parser's errors (bad option, value, file)
        if type(exc).__name__ == "NoArgsIsHelpError":  # a command alone: its help, as before
            exc.show()
        else:
            print_error(_usage_line(exc))
        return exc.exit_code
    except typer.Abort:  # end of input at a prompt
        print_error("aborted")
        return 1
    except Interrupted as exc:
        written = [str(path) for path in written_paths()]
        what = f"written before it: {', '.join(written)}" if written else "nothing written"
        cause = "interrupted" if exc.signum == signal.SIGINT else "terminated (SIGTERM)"
        print_error(f"{cause}; {what}")
        return exc.exit_code
    except WorkerCrashed as exc:
        print_error(f"{exc}; nothing written")
        return 1
    except BrokenPipeError:  # the reader of our output went away (e.g. | head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        return 1
    return result if isinstance(result, int) else 0


def _usage_line(exc: typer.TyperException) -> str:
    """A usage error on one line, pointing to the command's help."""
    message = one_line(" ".join(exc.format_message().split()))
    ctx = getattr(exc, "ctx", None)
    return f"{message} (see: {ctx.command_path} --help)" if ctx is not None else message


app = _App(
    help="Discrete-event simulation of acute-leukemia care capacity in Occitanie (IUCT-Oncopole, HAD).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _finite(value: float | None) -> float | None:
    """An option callback: numbers must be finite (nan and inf pass a range check)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"expected a finite number, found {value}")
    return value


Workers = Annotated[
    int | None,
    typer.Option(
        min=1, max=MAX_WORKERS, help=f"Worker processes (default: one per core, at most {MAX_WORKERS})."
    ),
]
WorkersPlain = Annotated[int | None, typer.Option(min=1, max=MAX_WORKERS)]
Seed = Annotated[int | None, typer.Option(min=0, max=MAX_SEED, help="Seed (default: the scenario's).")]
NoOverwrite = Annotated[
    bool,
    typer.Option("--no-overwrite", help="Refuse to replace an earlier occisim result at the output path."),
]
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


def fail_file(path: Path, lines: Sequence[str]) -> typer.Exit:
    """Like ``fail``, each line naming ``path`` unless it already names a file."""
    print_file_errors(path, lines)
    return typer.Exit(code=2)


def _load(path: Path):
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise fail(*exc.messages) from None


def _output(target: Path, kind: str, no_overwrite: bool) -> Path:
    """The output folder, checked before any work starts (exit 2 if occisim may not write there)."""
    try:
        check_output_dir(target, kind, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    return target


def _written(what: str, target: Path, files: str = "") -> None:
    console.print(f"{what} written to ", plain(f"{target}/"), f" {files}" if files else "", sep="")


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
        typer.Option(help="Scenario file whose territory settings (authorisations, overrides) apply."),
    ] = None,
    no_overwrite: NoOverwrite = False,
) -> None:
    """Coverage of the catchment by the 14 HADs: tables and a map, after optional authorisation changes."""
    from sim.outputs.folders import write_territory

    authorise, revoke = list(authorise or []), list(revoke or [])
    if scenario is not None:
        spec = _load(scenario).territory
        authorise = [*spec.authorise, *authorise]
        revoke = [*spec.revoke, *revoke]
        overrides = overrides or spec.overrides_file
    _output(out, TERRITORY, no_overwrite)
    try:
        base = Territory.load(geo_dir, overrides_file=overrides)
        terr = base.with_authorisation(authorise=authorise, revoke=revoke)
    except (TerritoryDataError, KeyError) as exc:
        raise fail(str(exc).strip("\"'")) from None
    heading = terminal.territory_heading(authorise, revoke)
    console.print(*terminal.territory_tables(terr, heading))
    write_territory(terr, heading, out, overwrite=not no_overwrite)
    _written(
        "map and tables",
        out,
        "(territory_map.png, coverage_by_had.csv, unauthorised_by_department.csv, commune_zones.csv)",
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
            print_file_errors(path, exc.messages)
            continue
        except TerritoryDataError as exc:
            raise fail(str(exc)) from None
        console.print(terminal.ok_line(path, scenario.name, scenario.hash()))
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

    scenario = _load(file)
    target = _output(out or default_output_dir(scenario), RUN, no_overwrite)
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
    _written("results", target)


@app.command()
def calibrate(
    file: Annotated[Path, typer.Argument(help="Scenario file whose background bed demand to calibrate.")],
    target_p95: Annotated[
        float,
        typer.Option(
            min=0.001, max=MAX_DAYS, callback=_finite, help="Target 95th-percentile planned wait, days."
        ),
    ] = 21.0,
    low: Annotated[
        float,
        typer.Option(
            min=0,
            max=MAX_BACKGROUND_PER_DAY,
            callback=_finite,
            help="Lowest background arrival rate tried (per day).",
        ),
    ] = 0.40,
    high: Annotated[
        float,
        typer.Option(
            min=0,
            max=MAX_BACKGROUND_PER_DAY,
            callback=_finite,
            help="Highest background arrival rate tried (per day).",
        ),
    ] = 0.60,
    replications: Annotated[int, typer.Option(min=2, max=MAX_REPLICATIONS)] = 20,
    iterations: Annotated[int, typer.Option(min=1, max=MAX_BISECTIONS)] = 7,
    workers: WorkersPlain = None,
) -> None:
    """Find the background admission rate that gives the target p95 wait for planned admissions."""
    from sim.runs.calibration import calibrate_background_rate

    scenario = _load(file)
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
        float | None, typer.Option(min=0.0001, max=1.0, callback=_finite, help=PRECISION_HELP)
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
    scenarios = [_load(path) for path in files]
    target = _output(out or Path("results") / f"compare-{scenarios[0].name}", COMPARISON, no_overwrite)
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
    _written("comparison", target, "(comparison.csv, manifest.json, one result folder each)")


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

    scenario = _load(file)
    if 2 * window >= days:
        raise fail(f"--window {window}: expected less than half of --days ({days})")
    target = _output(out or Path("results") / f"warmup-{scenario.name}", WARMUP, no_overwrite)
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
def report(
    result_dirs: Annotated[
        list[Path], typer.Argument(help="Result folders (first = reference), or a compare folder.")
    ],
    out: Annotated[Path | None, typer.Option(help="HTML file (default: <first folder>/report.html).")] = None,
    no_overwrite: NoOverwrite = False,
) -> None:
    """Write one self-contained HTML report (figures and maps embedded) from result folders."""
    from sim.outputs.folders import result_folders
    from sim.outputs.report import HEAD, build_report
    from sim.outputs.writing import check_output_file, folder_kind, write_text_atomically

    try:
        folders = result_folders(result_dirs)
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    missing = [str(p) for p in folders if folder_kind(p) != RUN]
    if missing:
        raise fail(f"not a result folder of a run: {one_line(', '.join(missing))}; run `occisim run` first")
    target = out or (result_dirs[0] / "report.html")
    try:
        check_output_file(target, HEAD, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    with progress_bar("building the report", None):
        try:
            document = build_report(folders)
        except (ValueError, ScenarioError, TerritoryDataError, OSError) as exc:
            raise fail(str(exc)) from None
    try:
        write_text_atomically(target, document, begins=HEAD, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    size = f" ({target.stat().st_size / 1e6:.1f} MB, self-contained)"
    console.print("report written to ", plain(str(target)), size, sep="")


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
    target = _output(out or Path("results") / f"sensitivity-{scenario.name}", SENSITIVITY, no_overwrite)
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
    _written("tornado plots and sensitivity.csv", target)


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
        typer.Option(min=0, max=MAX_EUR, callback=_finite, help="Largest willingness to pay on the curve."),
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

    scenario_base, scenario_other = _load(base), _load(other)
    spec = scenario_base.psa
    n, r = iterations or spec.iterations, replications or spec.replications
    default = Path("results") / f"psa-{scenario_other.name}-vs-{scenario_base.name}"
    target = _output(out or default, PSA, no_overwrite)
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
    _written("results", target, "(psa_draws.csv, ceac.csv, ce_plane.png, ceac.png)")
