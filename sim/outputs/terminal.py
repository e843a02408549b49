"""What occisim prints: tables, numbers as people read them, the progress bar, one-line errors.

Standard output gets the results; standard error gets the progress bar, the warnings and the
errors, so the results can be piped or redirected on their own. Text that comes from files or the
command line (paths, scenario and HAD names, messages quoting input) is printed as it is, never read
as rich markup: ``plain`` wraps it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.measures.catalogue import TERMINAL_KPIS
from sim.outputs.i18n import had_names, kpi_label, kpi_title, number, text, text_list
from sim.outputs.summary import summary_lines
from sim.outputs.text import POINTS
from sim.scenario.errors import printable

if TYPE_CHECKING:  # types only: importing these here would load pandas, matplotlib and scipy for --help
    import pandas as pd

    from sim.runs.compare import ComparisonResult
    from sim.runs.replications import ExperimentResult
    from sim.territory.catchment import Territory

console = Console()
err_console = Console(stderr=True)


def plain(text: str, style: str = "") -> Text:
    """Text printed as it is, on one line: brackets in a path are not rich markup, a line break is \\n.
    Rich wraps a long one at any space, the no-break space of French numbers too: ``sentence``
    wraps a sentence with numbers."""
    return Text(printable(text), style=style)  # (printable keeps French no-break spaces)


def sentence(text: str, width: int, style: str = "", indent: str = "") -> Text:
    """A sentence wrapped to ``width`` at its ordinary spaces only (``textwrap`` breaks at no other),
    its later lines after ``indent``: a French number ('19 788', '-4 927') is never cut in two."""
    lines = textwrap.wrap(
        printable(text),
        width=max(width, 20),
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return Text("\n".join(lines), style=style, no_wrap=True, overflow="ignore")


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


def print_warnings(warnings: Sequence[str], prefix: str = "", lang: str = "en") -> None:
    """One warning line per warning on standard error (what to know before quoting the results)."""
    for line in warnings:
        err_console.print(
            Text.assemble((text("warning_label", lang), "bold yellow"), " ", printable(prefix + line)),
            highlight=False,
            soft_wrap=True,
        )


def ok_line(path: Path, name: str, digest: str, lang: str = "en") -> Text:
    """A scenario file that passed validation."""
    return Text.assemble(("ok", "green"), printable(f" {path} ({name}, {text('hash', lang)} {digest})"))


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr (a terminal), or plain lines ("replications 10/20") when stderr is
    redirected; yields the callback that advances it by k."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if not err_console.is_terminal:
        yield _plain_progress(description, total)
        return
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


PLAIN_PROGRESS_LINES = 10  # lines a redirected run prints at most per total (a log stays short)
PLAIN_PROGRESS_AFTER_S = 2.0  # a command done sooner prints no progress at all


def _plain_progress(description: str, total: int | None) -> Callable[..., None]:
    """The callback of a redirected progress: a line each tenth of the total and at the end, once
    the command has run for a couple of seconds."""
    import time

    started = time.monotonic()
    state = {"done": 0, "total": total or 0, "shown": 0}

    def advance(k: int, new_total: int | None = None) -> None:
        if new_total is not None:
            state["total"] = new_total
        state["done"] += k
        done, whole = state["done"], state["total"]
        if not whole or time.monotonic() - started < PLAIN_PROGRESS_AFTER_S:
            return
        step = max(1, whole // PLAIN_PROGRESS_LINES)
        if done // step > state["shown"] // step or done >= whole > state["shown"]:
            state["shown"] = done
            line = f"{description} {min(done, whole)}/{whole}"
            err_console.print(plain(line), highlight=False, soft_wrap=True)

    return advance


# --- numbers --------------------------------------------------------------------------------------


def num(x: float, lang: str = "en") -> str:
    """A number as people read it in the language: thousands separated, few decimals."""
    if not math.isfinite(x):
        return str(x)
    return number(x, ",.0f" if abs(x) >= 1000 else ".1f" if abs(x) >= 10 else ".3g", lang)


def fmt_ci(mean: float, low: float, high: float, fmt: str) -> str:
    """``mean [low, high]``, or the mean alone when there is no interval."""
    if not math.isfinite(low):
        return format(mean, fmt)
    return f"{format(mean, fmt)} [{format(low, fmt)}, {format(high, fmt)}]"


# --- tables ---------------------------------------------------------------------------------------


def rich_table(
    frame: pd.DataFrame, title: str, formats: dict[str, str] | None = None, lang: str = "en"
) -> Table:
    """A data frame as a table: numbers right-aligned and never cut (a number column is as wide as
    its widest number), text wrapped to the width left; booleans as yes / (red) no, in ``lang``."""
    import pandas as pd

    formats = formats or {}
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            if column in formats:
                written = (
                    format(value, formats[column]) if lang == "en" else number(value, formats[column], lang)
                )
                cells.append(plain(written))
            elif isinstance(value, bool):
                cells.append(plain(text("yes", lang)) if value else plain(text("no", lang), "bold red"))
            else:
                cells.append(plain(str(value)))
        rows.append(cells)
    table = Table(title=plain(title), title_justify="left", header_style="bold")
    for index, column in enumerate(frame.columns):
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and frame[column].dtype != bool
        if numeric:
            widest = max([len(row[index]) for row in rows] + [max(map(len, str(column).split()))])
            table.add_column(str(column), justify="right", width=widest, overflow="fold")
        else:
            table.add_column(str(column), justify="left", overflow="fold")
    for cells in rows:
        table.add_row(*cells)
    return table


# --- tables that fit the terminal -----------------------------------------------------------------
# A table's numbers are never cut: each number column is as wide as its widest line, and its
# cells break only between a mean and its interval, or inside the interval after its separator,
# when the terminal is too narrow for one line. The KPI labels take the width left and wrap.

LABEL_MIN_WIDTH = 20  # narrower, a KPI label wraps into a column of single words
CELL_PADDING = 2  # rich pads a cell with a space each side


def _layouts(mean: str, interval: tuple[str, str, str] | None) -> tuple[str, str, str]:
    """A number cell written on one, two or three lines (``interval``: low, separator, high)."""
    if interval is None:
        return (mean, mean, mean)
    whole, split = _bracketed(interval)
    return (f"{mean} {whole}", f"{mean}\n{whole}", f"{mean}\n{split}")


def _bracketed(interval: tuple[str, str, str]) -> tuple[str, str]:
    """An interval as ``[low ; high]`` on one line, and split after its separator."""
    low, separator, high = interval
    return f"[{low}{separator}{high}]", f"[{low}{separator.rstrip()}\n{high}]"


def _widest_line(cells: Sequence[str]) -> int:
    return max((len(line) for cell in cells for line in cell.split("\n")), default=1)


def fitted_table(
    title: str,
    label_header: str,
    number_headers: Sequence[str],
    rows: Sequence[tuple[str, Sequence[tuple[tuple[str, str, str], str]]]],
    width: int | None = None,
) -> Table:
    """A table of labelled rows of number cells (each in its three layouts, with a style) that fits
    ``width`` (the console's): the fewest lines per cell that leave the labels LABEL_MIN_WIDTH."""
    width = width or console.width
    columns = len(number_headers)
    borders = columns + 2  # one vertical line between columns and at each edge
    words = [max(len(word) for word in header.split()) for header in number_headers]
    for level in range(3):
        widths = [
            max(words[c], _widest_line([cells[c][0][level] for _, cells in rows])) for c in range(columns)
        ]
        label_width = width - borders - sum(widths) - CELL_PADDING * (columns + 1)
        if label_width >= LABEL_MIN_WIDTH:
            break
    longest_label = max((len(label) for label, _ in rows), default=len(label_header))
    label_width = max(1, min(label_width, max(longest_label, len(label_header))))
    table = Table(title=plain(title), title_justify="left", header_style="bold")
    table.add_column(label_header, width=label_width, overflow="fold")
    for header, column_width in zip(number_headers, widths):
        table.add_column(header, justify="right", width=column_width, overflow="fold")
    for label, cells in rows:
        shown = [_fewest_lines(layouts, column_width) for (layouts, _), column_width in zip(cells, widths)]
        table.add_row(plain(label), *(Text(cell, style=style) for cell, (_, style) in zip(shown, cells)))
    return table


def _fewest_lines(layouts: tuple[str, str, str], column_width: int) -> str:
    """The cell on as few lines as fit the column."""
    return next((layout for layout in layouts if _widest_line([layout]) <= column_width), layouts[-1])


def _interval_parts(low: float, high: float, fmt: str, lang: str) -> tuple[str, str, str] | None:
    if not math.isfinite(low):
        return None
    return (number(low, fmt, lang), " ; " if lang == "fr" else ", ", number(high, fmt, lang))


def experiment_table(result: ExperimentResult, lang: str = "en") -> Table:
    """The headline KPIs of one run: mean and 95% CI, under how they were obtained."""
    run = result.scenario.run
    title = text(
        "run_title",
        lang,
        name=result.scenario.name,
        replications=run.replications,
        years=f"{run.years:g}",
        seed=run.seed,
        workers=result.workers,
        seconds=number(result.seconds, ".1f", lang),
    )
    indexed = result.summary.set_index("kpi")
    rows = []
    for key, _, fmt in TERMINAL_KPIS:
        if key not in indexed.index:
            continue
        row = indexed.loc[key]
        mean = number(row["mean"], fmt, lang)
        # "[low ; high]" as the comparison writes it: "low - high" read as a minus with a negative low
        parts = _interval_parts(row["ci_low"], row["ci_high"], fmt, lang)
        whole, split = _bracketed(parts) if parts is not None else ("", "")
        ci = (whole, split, split)
        rows.append((kpi_label(key, lang), [((mean, mean, mean), ""), (ci, "")]))
    return fitted_table(title, text("kpi", lang), [text("mean", lang), text("ci", lang)], rows)


def comparison_tables(comparison: ComparisonResult, lang: str = "en") -> list[Table]:
    """One table per compared scenario: both means and the paired difference, with 95% CIs."""
    names = list(comparison.results)
    rows = comparison.table.set_index(["scenario", "kpi"])
    run0 = comparison.results[names[0]].scenario.run
    tables = []
    for other in names[1:]:
        title = text(
            "compare_title", lang, other=other, base=names[0], replications=run0.replications, seed=run0.seed
        )
        headers = [f"{names[0]} [{text('ci', lang)}]", f"{other} [{text('ci', lang)}]"]
        headers.append(text("difference_ci", lang))
        lines = []
        for key, _, fmt in TERMINAL_KPIS:
            if (names[0], key) not in rows.index:
                continue
            b, r = rows.loc[(names[0], key)], rows.loc[(other, key)]
            cells = [
                (
                    _layouts(
                        number(x["mean"], fmt, lang), _interval_parts(x["ci_low"], x["ci_high"], fmt, lang)
                    ),
                    "",
                )
                for x in (b, r)
            ]
            cells.append(_difference_cell(r, fmt, lang))
            lines.append((kpi_label(key, lang), cells))
        tables.append(fitted_table(title, text("kpi", lang), headers, lines))
    return tables


def _difference_cell(row: pd.Series, fmt: str, lang: str) -> tuple[tuple[str, str, str], str]:
    """The paired difference (percentage points for a percentage), bold with a * when significant."""
    percent = "%" in fmt
    scale, spec = (100, fmt.replace("%", "f")) if percent else (1, fmt)
    unit = POINTS if percent else ""
    mean = number(row["diff_mean"] * scale, spec, lang) + unit
    interval = _interval_parts(row["diff_ci_low"] * scale, row["diff_ci_high"] * scale, spec, lang)
    layouts = _layouts(mean, interval)
    marks = (" *" if row["significant"] else "") + (" !" if row.get("important", False) else "")
    style = "bold" if row.get("important", False) else ""  # * its CI excludes 0, ! it also matters
    return tuple(f"{layout}{marks}" for layout in layouts), style  # type: ignore[return-value]


def comparison_summary(comparison: ComparisonResult, lang: str = "en", width: int = 80) -> list[Text]:
    """The plain-language summary of each scenario against the base, one sentence a line (wrapped to
    ``width``, never inside a number)."""
    names = list(comparison.results)
    replications = comparison.results[names[0]].scenario.run.replications
    lines: list[Text] = []
    for other in names[1:]:
        sentences = summary_lines(comparison.table, names[0], other, replications, comparison.places, lang)
        lines.append(sentence(sentences[0], width, "bold"))
        lines += [sentence(f"- {said}", width, indent="  ") for said in sentences[1:]]
        lines.append(Text(""))
    return lines


def precision_message(comparison: ComparisonResult, lang: str = "en") -> str | None:
    """Whether the precision target was reached, and with how many replications (None: no target);
    when it was not, the quantities (scenario or difference, and KPI) whose interval is still too wide."""
    p = comparison.precision
    if p is None:
        return None
    values = {
        "target": number(p.target, ".1%", lang),
        "replications": p.replications,
        "steps": comparison.history,
        "cap": p.cap,
    }
    if p.reached:
        return text("precision_reached", lang, **values)
    return text("precision_missed", lang, missed=missed_precision(p.worst, p.target, lang), **values)


def missed_precision(worst: pd.DataFrame, target: float, lang: str = "en", most: int = 8) -> str:
    """'scenario: KPI label (12.3%)', widest first, for every quantity over the target."""
    over = worst[~(worst["relative_half_width"] <= target)].sort_values(
        "relative_half_width", ascending=False
    )
    named = []
    for quantity, half_width in over.itertuples(index=False):
        where, _, key = str(quantity).rpartition(": ")
        named.append(f"{where}: {kpi_title(key, lang)} ({number(half_width, '.1%', lang)})")
    more = len(named) - most
    return "; ".join(named[:most]) + (f"; +{more}" if more > 0 else "")


def territory_heading(authorise: Sequence[str], revoke: Sequence[str], lang: str = "en") -> str:
    """The authorisation changes in words, each HAD by its name (its id when geo/had.csv lacks it)."""
    names = had_names()
    changes = [f"+{names.get(h, h)}" for h in authorise] + [f"-{names.get(h, h)}" for h in revoke]
    if not changes:
        return text("territory_status_quo", lang)
    return text("territory_after", lang, changes=", ".join(changes))


def territory_tables(territory: Territory, heading: str, lang: str = "en") -> list[Table]:
    """HAD zones (communes, population, authorisation) and, by department, who has no authorised HAD."""
    import pandas as pd

    coverage = territory.coverage_table().drop(columns=["had"])  # people read the HAD's name
    zone_columns = ["name", "site", "authorised", "communes", "population", "shared_communes"]
    zone_names = dict(zip(zone_columns, text_list("territory_zones_columns", lang), strict=True))
    zones = rich_table(  # the HAD's id is in coverage_by_had.csv
        coverage.rename(columns=zone_names),
        text("territory_zones_title", lang, heading=heading),
        {zone_names["population"]: ",d"},
        lang,
    )
    gaps = territory.unauthorised_population()
    totals = gaps[["communes_without", "population_without", "population"]].sum()
    total_row = {
        "dep": text("territory_all", lang),
        **totals,
        "share_without": totals.population_without / totals.population,
    }
    formats = {
        "population_without": ",d",
        "population": ",d",
        "share_without": ".1%",
        "communes_without": "d",
    }
    gap_columns = dict(zip(gaps.columns, text_list("territory_gaps_columns", lang), strict=True))
    gaps_view = rich_table(
        pd.concat([gaps, pd.DataFrame([total_row])], ignore_index=True).rename(columns=gap_columns),
        text("territory_gaps_title", lang),
        {gap_columns[column]: spec for column, spec in formats.items()},
        lang,
    )
    return [zones, gaps_view]
