"""What occisim prints: tables, numbers as people read them, the progress bar, one-line errors.

Standard output gets the results; standard error gets the progress bar, the warnings and the
errors, so the results can be piped or redirected on their own. Text that comes from files or the
command line (paths, scenario and HAD names, messages quoting input) is printed as it is, never read
as rich markup: ``plain`` wraps it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.measures.catalogue import TERMINAL_KPIS
from sim.scenario.errors import printable

if TYPE_CHECKING:  # types only: importing these here would load pandas, matplotlib and scipy for --help
    import pandas as pd

    from sim.runs.calibration import CalibrationStep
    from sim.runs.compare import ComparisonResult
    from sim.runs.replications import ExperimentResult
    from sim.runs.sensitivity import PSAResult
    from sim.territory.catchment import Territory

console = Console()
err_console = Console(stderr=True)

SIGNIFICANCE_NOTE = "* the 95% confidence interval of the paired difference excludes 0"


def plain(text: str, style: str = "") -> Text:
    """Text printed as it is, on one line: brackets in a path are not rich markup, a line break is \\n."""
    return Text(printable(text), style=style)


ERROR_CHARS = 1000  # longest error line: a path of 20,000 characters is shown by its ends


def print_error(message: str) -> None:
    """One error line on standard error, never wrapped (so it can be searched and grepped)."""
    message = printable(message)  # a line break in a path given on the command line: \n
    if len(message) > ERROR_CHARS:  # keep the start (the file) and the end (what was expected, found)
        message = f"{message[: ERROR_CHARS // 3]}...{message[-(2 * ERROR_CHARS // 3) :]}"
    err_console.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True)


def print_file_errors(path: Path, messages: Sequence[str]) -> None:
    """One error line per message, each naming the file (unless the message already begins with it)."""
    for line in messages:
        named = line.startswith((f"{path}: ", f"{path.resolve()}: "))
        print_error(line if named else f"{path}: {line}")


def print_warnings(warnings: Sequence[str], prefix: str = "") -> None:
    """One warning line per warning on standard error (what to know before quoting the results)."""
    for line in warnings:
        err_console.print(
            Text.assemble(("warning:", "bold yellow"), " ", printable(prefix + line)),
            highlight=False,
            soft_wrap=True,
        )


def ok_line(path: Path, name: str, digest: str) -> Text:
    """A scenario file that passed validation."""
    return Text.assemble(("ok", "green"), printable(f" {path} ({name}, hash {digest})"))


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr (a terminal); yields the callback that advances it by k."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,  # redirected: no bar, and no blank line where it was
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(k: int, new_total: int | None = None) -> None:
            if new_total is not None:  # sequential procedures learn their total as they go
                bar.update(task, total=new_total)
            bar.advance(task, k)

        yield advance


# --- numbers --------------------------------------------------------------------------------------


def num(x: float) -> str:
    """A number as people read it: thousands separated, few decimals."""
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.1f}" if abs(x) >= 10 else f"{x:.3g}"


def fmt_ci(mean: float, low: float, high: float, fmt: str) -> str:
    """``mean [low, high]``, or the mean alone when there is no interval."""
    if not math.isfinite(low):
        return format(mean, fmt)
    return f"{format(mean, fmt)} [{format(low, fmt)}, {format(high, fmt)}]"


# --- tables ---------------------------------------------------------------------------------------


def rich_table(frame: pd.DataFrame, title: str, formats: dict[str, str] | None = None) -> Table:
    """A data frame as a table: numbers right-aligned, booleans as yes / (red) no."""
    import pandas as pd

    formats = formats or {}
    table = Table(title=plain(title), title_justify="left", header_style="bold")
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and frame[column].dtype != bool
        table.add_column(str(column), justify="right" if numeric else "left", no_wrap=not numeric)
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            if column in formats:
                cells.append(format(value, formats[column]))
            elif isinstance(value, bool):
                cells.append(plain("yes") if value else plain("no", "bold red"))
            else:
                cells.append(plain(str(value)))
        table.add_row(*cells)
    return table


def experiment_table(result: ExperimentResult) -> Table:
    """The headline KPIs of one run: mean and 95% CI, under how they were obtained."""
    run = result.scenario.run
    title = (
        f"{result.scenario.name}: {run.replications} replications x {run.years:g} years "
        f"(seed {run.seed}, {result.workers} workers, {result.seconds:.1f} s)"
    )
    table = Table(title=title, title_justify="left", header_style="bold")
    for name, justify in (("KPI", "left"), ("mean", "right"), ("95% CI", "right")):
        table.add_column(name, justify=justify)
    indexed = result.summary.set_index("kpi")
    for key, label, fmt in TERMINAL_KPIS:
        if key not in indexed.index:
            continue
        row = indexed.loc[key]
        table.add_row(
            label, format(row["mean"], fmt), f"{format(row['ci_low'], fmt)} - {format(row['ci_high'], fmt)}"
        )
    return table


def comparison_tables(comparison: ComparisonResult) -> list[Table]:
    """One table per compared scenario: both means and the paired difference, with 95% CIs."""
    names = list(comparison.results)
    rows = comparison.table.set_index(["scenario", "kpi"])
    run0 = comparison.results[names[0]].scenario.run
    tables = []
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
            diff = fmt_ci(
                r["diff_mean"] * scale, r["diff_ci_low"] * scale, r["diff_ci_high"] * scale, diff_fmt
            )
            diff += " pts" if percent else ""
            table.add_row(
                label,
                fmt_ci(b["mean"], b["ci_low"], b["ci_high"], fmt),
                fmt_ci(r["mean"], r["ci_low"], r["ci_high"], fmt),
                f"[bold]{diff} *[/]" if r["significant"] else diff,
            )
        tables.append(table)
    return tables


def precision_message(comparison: ComparisonResult) -> str | None:
    """Whether the precision target was reached, and with how many replications (None: no target)."""
    p = comparison.precision
    if p is None:
        return None
    state = "reached" if p.reached else f"NOT reached (cap {p.cap})"
    return (
        f"precision target {p.target:.1%}: {state} with {p.replications} replications per scenario "
        f"(steps {comparison.history})"
    )


def sensitivity_tables(table: pd.DataFrame, kpis: Sequence[str]) -> list[Table]:
    """Per KPI: each parameter's range and the KPI at low and high, largest swing first."""
    views = []
    for name in kpis:
        rows = table[table["kpi"] == name].sort_values("swing", ascending=False)
        view = Table(
            title=f"{name}: base {num(rows['kpi_base'].iloc[0])}", title_justify="left", header_style="bold"
        )
        for column in ("parameter", "low - high", "at low", "at high", "swing"):
            view.add_column(column, justify="left" if column == "parameter" else "right")
        for r in rows.itertuples():
            view.add_row(
                plain(r.parameter),
                f"{r.low_value:g} - {r.high_value:g}",
                num(r.kpi_at_low),
                num(r.kpi_at_high),
                num(r.swing),
            )
        views.append(view)
    return views


def print_step(step: CalibrationStep) -> None:
    """One calibration step as it is done, on stderr (the table comes at the end)."""
    err_console.print(f"  rate {step.arrivals_per_day:.4f}/day -> p95 wait {step.p95_wait_days:.1f} days")


def calibration_table(steps: Sequence[CalibrationStep], target_p95: float) -> Table:
    """The bisection steps: rate tried, p95 planned wait with its CI, bed occupancy."""
    table = Table(title=f"calibrating beds.background.arrivals_per_day to a p95 wait of {target_p95:g} days")
    for name in ("arrivals/day", "p95 planned wait (days)", "95% CI", "bed occupancy"):
        table.add_column(name, justify="right")
    for step in steps:
        table.add_row(
            f"{step.arrivals_per_day:.4f}",
            f"{step.p95_wait_days:.1f}",
            f"{step.ci_low:.1f} - {step.ci_high:.1f}",
            f"{step.occupancy:.1%}",
        )
    return table


def psa_lines(result: PSAResult, names: tuple[str, str]) -> list[str]:
    """The PSA in a few lines (plain text): incremental cost and effect, ratio of means, dominance."""
    from sim.measures.statistics import incremental_summary

    s = incremental_summary(result.draws["incremental_cost"], result.draws["incremental_effect"])
    (lo_c, hi_c), (lo_e, hi_e) = s.cost_interval, s.effect_interval
    return [
        f"{names[1]} vs {names[0]}, {result.iterations} draws x {result.replications} replications",
        f"  incremental cost ({result.cost}): mean {s.cost_mean:,.0f} EUR, "
        f"95% interval {lo_c:,.0f} to {hi_c:,.0f}",
        f"  incremental effect ({result.effect}): mean {s.effect_mean:,.2f}, "
        f"95% interval {lo_e:,.2f} to {hi_e:,.2f}",
        f"  ratio of means: {s.ratio_of_means:,.0f} EUR per unit of effect",
        f"  probability cost-saving and more effective: {s.probability_dominant:.0%}",
    ]


def territory_heading(authorise: Sequence[str], revoke: Sequence[str]) -> str:
    changes = [f"+{h}" for h in authorise] + [f"-{h}" for h in revoke]
    return "status quo (thesis Tableau 27)" if not changes else "after " + ", ".join(changes)


def territory_tables(territory: Territory, heading: str) -> list[Table]:
    """HAD zones (communes, population, authorisation) and, by department, who has no authorised HAD."""
    import pandas as pd

    coverage = territory.coverage_table()
    zones = rich_table(
        coverage.drop(columns=["name"]).rename(columns={"shared_communes": "of which shared"}),
        f"HAD zones, {heading}",
        {"population": ",d"},
    )
    gaps = territory.unauthorised_population()
    totals = gaps[["communes_without", "population_without", "population"]].sum()
    total_row = {"dep": "all", **totals, "share_without": totals.population_without / totals.population}
    gaps_view = rich_table(
        pd.concat([gaps, pd.DataFrame([total_row])], ignore_index=True),
        "Catchment population with no authorised HAD, by department",
        {"population_without": ",d", "population": ",d", "share_without": ".1%", "communes_without": "d"},
    )
    return [zones, gaps_view]
