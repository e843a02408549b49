"""The ``occisim`` command line."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from sim.measures.catalogue import TERMINAL_KPIS
from sim.outputs.folders import atomic_output_dir
from sim.scenario.errors import ScenarioError
from sim.scenario.files import json_schema, load_scenario
from sim.scenario.schema import DAYS_PER_YEAR
from sim.territory.catchment import Territory
from sim.territory.geodata import TerritoryDataError

app = typer.Typer(
    help="Discrete-event simulation of acute-leukemia care capacity in Occitanie (IUCT-Oncopole, HAD).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


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


def fail(message: str) -> typer.Exit:
    """Print a one-line error and return the exit to raise (exit code 2: bad input)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def _rich_table(frame: pd.DataFrame, title: str, formats: dict[str, str] | None = None) -> Table:
    formats = formats or {}
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and frame[column].dtype != bool
        table.add_column(str(column), justify="right" if numeric else "left", no_wrap=not numeric)
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            if column in formats:
                cells.append(format(value, formats[column]))
            elif isinstance(value, bool):
                cells.append("yes" if value else "[bold red]no[/]")
            else:
                cells.append(str(value))
        table.add_row(*cells)
    return table


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
) -> None:
    """Coverage of the catchment by the 14 HADs: tables and a map, after optional authorisation changes."""
    authorise, revoke = list(authorise or []), list(revoke or [])
    if scenario is not None:
        spec = _load(scenario).territory
        authorise = [*spec.authorise, *authorise]
        revoke = [*spec.revoke, *revoke]
        overrides = overrides or spec.overrides_file
    try:
        base = Territory.load(geo_dir, overrides_file=overrides)
        terr = base.with_authorisation(authorise=authorise, revoke=revoke)
    except (TerritoryDataError, KeyError) as exc:
        raise fail(str(exc).strip("\"'")) from None

    changes = [f"+{h}" for h in authorise] + [f"-{h}" for h in revoke]
    heading = "status quo (thesis Tableau 27)" if not changes else "after " + ", ".join(changes)

    coverage = terr.coverage_table()
    console.print(
        _rich_table(
            coverage.drop(columns=["name"]).rename(columns={"shared_communes": "of which shared"}),
            f"HAD zones, {heading}",
            {"population": ",d"},
        )
    )
    gaps = terr.unauthorised_population()
    totals = gaps[["communes_without", "population_without", "population"]].sum()
    gaps_display = pd.concat(
        [
            gaps,
            pd.DataFrame(
                [{"dep": "all", **totals, "share_without": totals.population_without / totals.population}]
            ),
        ],
        ignore_index=True,
    )
    console.print(
        _rich_table(
            gaps_display,
            "Catchment population with no authorised HAD, by department",
            {"population_without": ",d", "population": ",d", "share_without": ".1%", "communes_without": "d"},
        )
    )

    zones = pd.DataFrame(
        {
            "insee": terr.communes["insee"],
            "name": terr.communes["name"],
            "dep": terr.communes["dep"],
            "canton": terr.communes["canton"],
            "population": terr.communes["population"],
            "hads": [" ".join(terr.hads.index[row]) for row in terr.zones.covers],
            "rule": terr.zones.rule,
            "authorised_had": terr.has_authorised_had,
            "km_to_iucto": terr.to_centre.km[:, 0].round(1),
            "hours_to_iucto": terr.to_centre.hours[:, 0].round(2),
        }
    )[terr.communes["in_catchment"].to_numpy()]

    from sim.outputs.maps import save_territory_map

    with atomic_output_dir(out) as scratch:
        coverage.to_csv(scratch / "coverage_by_had.csv", index=False)
        gaps.to_csv(scratch / "unauthorised_by_department.csv", index=False)
        zones.to_csv(scratch / "commune_zones.csv", index=False)
        save_territory_map(
            terr,
            scratch / "territory_map.png",
            title=f"HAD zones and home-chemotherapy authorisation: {heading}",
        )
    console.print(
        f"map and tables written to [bold]{out}/[/] (territory_map.png, coverage_by_had.csv, "
        "unauthorised_by_department.csv, commune_zones.csv)"
    )


def main() -> None:
    app()


@contextmanager
def _progress_bar(description: str, total: int | None):
    """A progress bar on stderr; yields the callback that advances it by k."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(k: int, new_total: int | None = None) -> None:
            if new_total is not None:  # sequential procedures learn their total as they go
                bar.update(task, total=new_total)
            bar.advance(task, k)

        yield advance


def _load(path: Path):
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        for line in exc.messages:
            err_console.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None


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
            for line in exc.messages:
                named = line.startswith((str(path), str(path.resolve())))
                line = line if named else f"{path}: {line}"
                err_console.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
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


def _summary_table(summary: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for name, justify in (("KPI", "left"), ("mean", "right"), ("95% CI", "right")):
        table.add_column(name, justify=justify)
    indexed = summary.set_index("kpi")
    for key, label, fmt in TERMINAL_KPIS:
        if key not in indexed.index:
            continue
        row = indexed.loc[key]
        table.add_row(
            label, format(row["mean"], fmt), f"{format(row['ci_low'], fmt)} - {format(row['ci_high'], fmt)}"
        )
    return table


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    replications: Annotated[
        int | None, typer.Option(min=1, help="Replications (default: the scenario's).")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed (default: the scenario's).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: one per core).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Result folder (default: results/<scenario name>/).")
    ] = None,
) -> None:
    """Simulate a scenario: replications in parallel, KPIs with 95% confidence intervals, result folder."""
    from sim.outputs.folders import write_results
    from sim.runs.replications import default_output_dir, run_experiment

    scenario = _load(file)
    n = replications or scenario.run.replications
    with _progress_bar(f"{scenario.name}: replications", n) as advance:
        try:
            result = run_experiment(scenario, replications, seed, workers, progress=advance)
        except ScenarioError as exc:
            for line in exc.messages:
                err_console.print(f"[bold red]error:[/] {file}: {line}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None
    target = out or default_output_dir(scenario)
    write_results(result, target, source=file)
    console.print(
        _summary_table(
            result.summary,
            f"{scenario.name}: {n} replications x {scenario.run.years:g} years "
            f"(seed {result.scenario.run.seed}, {result.workers} workers, {result.seconds:.1f} s)",
        )
    )
    console.print(f"results written to [bold]{target}/[/]")


@app.command()
def calibrate(
    file: Annotated[Path, typer.Argument(help="Scenario file whose background bed demand to calibrate.")],
    target_p95: Annotated[float, typer.Option(help="Target 95th-percentile planned wait, days.")] = 21.0,
    low: Annotated[float, typer.Option(help="Lowest background arrival rate tried (per day).")] = 0.40,
    high: Annotated[float, typer.Option(help="Highest background arrival rate tried (per day).")] = 0.60,
    replications: Annotated[int, typer.Option(min=2)] = 20,
    iterations: Annotated[int, typer.Option(min=1)] = 7,
    workers: Annotated[int | None, typer.Option(min=1)] = None,
) -> None:
    """Find the background admission rate that gives the target p95 wait for planned admissions."""
    from sim.runs.calibration import calibrate_background_rate

    scenario = _load(file)
    table = Table(title=f"calibrating beds.background.arrivals_per_day to a p95 wait of {target_p95:g} days")
    for name in ("arrivals/day", "p95 planned wait (days)", "95% CI", "bed occupancy"):
        table.add_column(name, justify="right")

    def show(step) -> None:
        err_console.print(f"  rate {step.arrivals_per_day:.4f}/day -> p95 wait {step.p95_wait_days:.1f} days")
        table.add_row(
            f"{step.arrivals_per_day:.4f}",
            f"{step.p95_wait_days:.1f}",
            f"{step.ci_low:.1f} - {step.ci_high:.1f}",
            f"{step.occupancy:.1%}",
        )

    best, _ = calibrate_background_rate(
        scenario, target_p95, low, high, replications, iterations, workers, on_step=show
    )
    console.print(table)
    console.print(f"suggested beds.background.arrivals_per_day: [bold]{best:.3f}[/]")


def _num(x: float) -> str:
    """A number as people read it: thousands separated, few decimals."""
    if not np.isfinite(x):
        return str(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.1f}" if abs(x) >= 10 else f"{x:.3g}"


def _fmt_ci(mean: float, low: float, high: float, fmt: str) -> str:
    if not np.isfinite(low):
        return format(mean, fmt)
    return f"{format(mean, fmt)} [{format(low, fmt)}, {format(high, fmt)}]"


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
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: one per core).")
    ] = None,
    target_precision: Annotated[
        float | None,
        typer.Option(
            min=0.0001,
            max=1.0,
            help="Add replications until every headline 95% CI half-width is "
            "within this fraction (means: of the mean; differences: of the base mean).",
        ),
    ] = None,
    max_replications: Annotated[int, typer.Option(min=2, help="Cap for --target-precision.")] = 200,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/compare-<base name>/).")] = None,
) -> None:
    """Compare scenarios with common random numbers: means, paired differences to BASE, 95% CIs."""
    import json

    from sim.outputs.folders import write_results
    from sim.runs.compare import run_comparison

    scenarios = [_load(path) for path in (base, *others)]
    with _progress_bar("replications", None) as advance:
        try:
            comparison = run_comparison(
                scenarios,
                replications,
                seed,
                workers,
                target_precision,
                max_replications,
                progress=lambda k, total: advance(k, total),
            )
        except (ScenarioError, ValueError) as exc:
            for line in getattr(exc, "messages", [str(exc)]):
                err_console.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None

    names = list(comparison.results)
    rows = comparison.table.set_index(["scenario", "kpi"])
    run0 = comparison.results[names[0]].scenario.run
    for other in names[1:]:
        table = Table(
            title=f"{other} vs {names[0]}: {run0.replications} replications each, common random numbers "
            f"(seed {run0.seed})",
            title_justify="left",
            header_style="bold",
        )
        table.add_column("KPI")
        table.add_column(f"{names[0]} [95% CI]", justify="right")
        table.add_column(f"{other} [95% CI]", justify="right")
        table.add_column("difference [95% CI]", justify="right")
        for key, label, fmt in TERMINAL_KPIS:
            if (names[0], key) not in rows.index:
                continue
            b, r = rows.loc[(names[0], key)], rows.loc[(other, key)]
            percent = "%" in fmt
            scale, diff_fmt = (100, fmt.replace("%", "f")) if percent else (1, fmt)
            diff = _fmt_ci(
                r["diff_mean"] * scale, r["diff_ci_low"] * scale, r["diff_ci_high"] * scale, diff_fmt
            )
            diff += " pts" if percent else ""
            table.add_row(
                label,
                _fmt_ci(b["mean"], b["ci_low"], b["ci_high"], fmt),
                _fmt_ci(r["mean"], r["ci_low"], r["ci_high"], fmt),
                f"[bold]{diff} *[/]" if r["significant"] else diff,
            )
        console.print(table)
    console.print("* the 95% confidence interval of the paired difference excludes 0")

    target = out or Path("results") / f"compare-{names[0]}"
    with atomic_output_dir(target) as folder:
        comparison.table.to_csv(folder / "comparison.csv", index=False)
        info = {
            "base": names[0],
            "scenarios": names,
            "scenario_files": [str(p) for p in (base, *others)],
            "replications": comparison.results[names[0]].scenario.run.replications,
            "replication_steps": comparison.history,
            "seed": comparison.results[names[0]].scenario.run.seed,
            "run_seconds": round(comparison.seconds, 2),
        }
        if comparison.precision is not None:
            p = comparison.precision
            info["precision"] = {
                "target_relative_half_width": p.target,
                "cap": p.cap,
                "replications_needed": p.replications,
                "reached": p.reached,
                "worst": p.worst.sort_values("relative_half_width").tail(5).to_dict("records"),
            }
            p.worst.to_csv(folder / "precision.csv", index=False)
        (folder / "manifest.json").write_text(json.dumps(info, indent=2, default=str) + "\n")
        for path, (name, result) in zip((base, *others), comparison.results.items(), strict=True):
            sub = folder / name
            sub.mkdir()
            # write_results writes atomically into a sibling; here the whole folder is already atomic
            write_results(result, sub, source=path)
    if comparison.precision is not None:
        p = comparison.precision
        state = "reached" if p.reached else f"NOT reached (cap {p.cap})"
        console.print(
            f"precision target {p.target:.1%}: {state} with {p.replications} replications per scenario "
            f"(steps {comparison.history})"
        )
    console.print(
        f"comparison written to [bold]{target}/[/] (comparison.csv, manifest.json, one result folder each)"
    )


def _set_warmup_in_file(path: Path, days: int) -> None:
    """Write ``run.warmup_days`` into a scenario file, keeping its comments and layout.

    The edited text is validated before it replaces the file, so a failed edit leaves it untouched.
    """
    import re

    import yaml

    note = "   # set by occisim warmup (MSER-5)"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    run_at = next((i for i, line in enumerate(lines) if re.match(r"^run:", line)), None)
    if run_at is None:
        lines.append(f"run:\n  warmup_days: {days}{note}\n")
    elif (inline := re.match(r"^run:\s*(\{.*\})\s*(#.*)?$", lines[run_at])) is not None:
        mapping = yaml.safe_load(inline.group(1)) or {}
        mapping["warmup_days"] = days
        lines[run_at] = (
            f"run: {yaml.safe_dump(mapping, default_flow_style=True, sort_keys=False).strip()}{note}\n"
        )
    else:
        end = next((i for i in range(run_at + 1, len(lines)) if re.match(r"^\S", lines[i])), len(lines))
        for i in range(run_at + 1, end):
            match = re.match(r"^(\s+)warmup_days:\s*[^#\n]*(#.*)?$", lines[i])
            if match:
                lines[i] = f"{match.group(1)}warmup_days: {days}{note}\n"
                break
        else:
            lines.insert(run_at + 1, f"  warmup_days: {days}{note}\n")
    scratch = path.with_name(f".{path.name}.warmup-edit")
    scratch.write_text("".join(lines), encoding="utf-8")
    try:
        edited = load_scenario(scratch)
        if edited.run.warmup_days != days:
            raise ScenarioError([f"{path}: run.warmup_days: could not be set to {days}; edit it by hand"])
    except ScenarioError:
        scratch.unlink()
        raise
    scratch.replace(path)


@app.command()
def warmup(
    file: Annotated[Path, typer.Argument(help="Scenario file to analyse.")],
    replications: Annotated[int, typer.Option(min=2, help="Replications started from empty beds.")] = 10,
    days: Annotated[int, typer.Option(min=100, help="Days simulated (from empty).")] = 1460,
    window: Annotated[int, typer.Option(min=1, help="Welch moving-average half-window, days.")] = 30,
    workers: Annotated[int | None, typer.Option(min=1)] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Store the suggestion as run.warmup_days in FILE.")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/warmup-<name>/).")] = None,
) -> None:
    """Plot daily bed occupancy from an empty start (Welch's method) and suggest a warm-up (MSER-5)."""
    import matplotlib.pyplot as plt

    from sim.measures.warmup import suggest_warmup_days, welch_moving_average
    from sim.outputs.figures import warmup_figure
    from sim.runs.replications import run_experiment

    scenario = _load(file)
    run_spec = scenario.run.model_copy(update={"warmup_days": 0.0, "years": days / DAYS_PER_YEAR})
    probe = scenario.model_copy(update={"run": run_spec})
    with _progress_bar(f"{scenario.name}: replications from empty beds", replications) as advance:
        result = run_experiment(probe, replications, workers=workers, progress=advance)
    daily = result.daily.pivot(index="replication", columns="day", values="beds_occupied").to_numpy()[
        :, :days
    ]
    suggested = suggest_warmup_days(daily)
    welch = welch_moving_average(daily.mean(axis=0), window)
    target = out or Path("results") / f"warmup-{scenario.name}"
    with atomic_output_dir(target) as folder:
        fig = warmup_figure(
            daily,
            welch,
            suggested,
            scenario.beds.capacity,
            f"{scenario.name}: warm-up of bed occupancy ({replications} replications)",
        )
        fig.savefig(folder / "warmup.png")
        plt.close(fig)
        pd.DataFrame(
            {"day": np.arange(daily.shape[1]), "mean_beds": daily.mean(axis=0), "welch": welch}
        ).to_csv(folder / "warmup.csv", index=False)
    console.print(
        f"suggested warm-up (MSER-5 on the replication mean): [bold]{suggested} days[/] "
        f"(the scenario has {scenario.run.warmup_days:g})"
    )
    console.print(f"plot: [bold]{target / 'warmup.png'}[/]")
    if write:
        try:
            _set_warmup_in_file(file, suggested)
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
    from sim.outputs.report import build_report

    folders: list[Path] = []
    for path in result_dirs:
        compare_manifest = path / "manifest.json"
        if (
            compare_manifest.exists()
            and "scenarios" in compare_manifest.read_text(encoding="utf-8")[:4000]
            and (path / "comparison.csv").exists()
        ):
            import json

            folders += [path / name for name in json.loads(compare_manifest.read_text())["scenarios"]]
        else:
            folders.append(path)
    missing = [str(p) for p in folders if not (p / "manifest.json").exists()]
    if missing:
        raise fail(f"not a result folder (no manifest.json): {', '.join(missing)}; run `occisim run` first")
    with _progress_bar("building the report", None):
        try:
            document = build_report(folders)
        except (ValueError, ScenarioError, TerritoryDataError, OSError) as exc:
            raise fail(str(exc)) from None
    target = out or (result_dirs[0] / "report.html")
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.partial")
    scratch.write_text(document, encoding="utf-8")
    scratch.replace(target)
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
    workers: Annotated[int | None, typer.Option(min=1)] = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/sensitivity-<name>/).")] = None,
) -> None:
    """One-way sensitivity: each parameter at low and high, others at base; tornado plots and a table."""
    import matplotlib.pyplot as plt

    from sim.outputs.figures import tornado_figure
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
    with _progress_bar(f"{scenario.name}: one-way sensitivity", runs) as advance:
        try:
            table = one_way(scenario, parameters, kpis, replications, workers, advance)
        except ScenarioError as exc:
            for line in exc.messages:
                err_console.print(f"[bold red]error:[/] {file}: {line}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None
    target = out or Path("results") / f"sensitivity-{scenario.name}"
    with atomic_output_dir(target) as folder:
        table.to_csv(folder / "sensitivity.csv", index=False)
        for name in kpis:
            fig = tornado_figure(table, name)
            fig.savefig(folder / f"tornado_{name}.png")
            plt.close(fig)
    for name in kpis:
        rows = table[table["kpi"] == name].sort_values("swing", ascending=False)
        view = Table(
            title=f"{name}: base {_num(rows['kpi_base'].iloc[0])}", title_justify="left", header_style="bold"
        )
        for column in ("parameter", "low - high", "at low", "at high", "swing"):
            view.add_column(column, justify="left" if column == "parameter" else "right")
        for r in rows.itertuples():
            view.add_row(
                r.parameter,
                f"{r.low_value:g} - {r.high_value:g}",
                _num(r.kpi_at_low),
                _num(r.kpi_at_high),
                _num(r.swing),
            )
        console.print(view)
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
    workers: Annotated[int | None, typer.Option(min=1)] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder (default: results/psa-<other>-vs-<base>/).")
    ] = None,
) -> None:
    """Probabilistic sensitivity analysis: cost-effectiveness plane and acceptability curve."""
    import json

    import matplotlib.pyplot as plt

    from sim.outputs.figures import ce_plane_figure, ceac_figure
    from sim.runs.sensitivity import psa as run_psa

    scenario_base, scenario_other = _load(base), _load(other)
    spec = scenario_base.psa
    n, r = iterations or spec.iterations, replications or spec.replications
    with _progress_bar(f"PSA {scenario_other.name} vs {scenario_base.name}", 2 * n * r) as advance:
        try:
            result = run_psa(scenario_base, scenario_other, n, r, seed, workers, wtp_max, advance)
        except ScenarioError as exc:
            for line in exc.messages:
                err_console.print(f"[bold red]error:[/] {base}: {line}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None
    names = (scenario_base.name, scenario_other.name)
    effect = spec.outcome if spec.outcome_direction == "increase" else f"{spec.outcome} avoided"
    draws = result.draws
    d_cost, d_effect = draws["incremental_cost"].mean(), draws["incremental_effect"].mean()
    icer = d_cost / d_effect if d_effect else float("nan")
    target = out or Path("results") / f"psa-{names[1]}-vs-{names[0]}"
    with atomic_output_dir(target) as folder:
        draws.to_csv(folder / "psa_draws.csv", index=False)
        pd.DataFrame({"wtp": result.wtp, "probability_cost_effective": result.acceptability}).to_csv(
            folder / "ceac.csv", index=False
        )
        for name, fig in (
            ("ce_plane.png", ce_plane_figure(result, names, effect)),
            ("ceac.png", ceac_figure(result, names, effect)),
        ):
            fig.savefig(folder / name)
            plt.close(fig)
        (folder / "manifest.json").write_text(
            json.dumps(
                {
                    "base": names[0],
                    "other": names[1],
                    "iterations": n,
                    "inner_replications": r,
                    "seed": scenario_base.run.seed if seed is None else seed,
                    "cost": spec.cost,
                    "outcome": spec.outcome,
                    "outcome_direction": spec.outcome_direction,
                    "sampling": "Latin hypercube (scipy.stats.qmc)",
                    "parameters": [p.model_dump(mode="json") for p in spec.parameters],
                },
                indent=2,
            )
            + "\n"
        )
    lo_c, hi_c = np.percentile(draws["incremental_cost"], [2.5, 97.5])
    lo_e, hi_e = np.percentile(draws["incremental_effect"], [2.5, 97.5])
    console.print(f"[bold]{names[1]} vs {names[0]}[/], {n} draws x {r} replications")
    console.print(
        f"  incremental cost ({spec.cost}): mean {d_cost:,.0f} EUR, 95% interval {lo_c:,.0f} to {hi_c:,.0f}"
    )
    console.print(
        f"  incremental effect ({effect}): mean {d_effect:,.2f}, 95% interval {lo_e:,.2f} to {hi_e:,.2f}"
    )
    console.print(f"  ratio of means: {icer:,.0f} EUR per unit of effect")
    dominant = ((draws["incremental_cost"] < 0) & (draws["incremental_effect"] > 0)).mean()
    console.print(f"  probability cost-saving and more effective: {dominant:.0%}")
    console.print(f"results written to [bold]{target}/[/] (psa_draws.csv, ceac.csv, ce_plane.png, ceac.png)")
