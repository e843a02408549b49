"""Tables for people: readable CSVs (KPI labels, HAD names, headers in the reader's language) and
the ``comparison.xlsx`` workbook written with every comparison.

The machine-readable files (``summary.csv``, ``comparison.csv``) keep their English column names
and plain numbers: scripts and the report read them. Beside them, ``readable_summary.csv`` and
``readable_comparison.csv`` hold the same numbers under labels a planner reads, as a standard CSV
(``,`` and a decimal point, UTF-8) or in the French Excel convention (``;``, decimal comma, UTF-8
with a byte-order mark so that Excel reads the accents). The workbook holds a summary sheet (each
scenario's mean and 95 % CI per KPI), the comparison sheet, and a sheet per ``places*.csv``
table the folder holds (results by place of residence).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.measures.catalogue import KPI_CATALOGUE
from sim.outputs.i18n import LANGUAGES, choose_language, kpi_label, text
from sim.scenario.schema import Scenario

STANDARD, EXCEL_FR = "standard", "excel-fr"
CSV_CONVENTIONS: tuple[str, ...] = (STANDARD, EXCEL_FR)
READABLE_SUMMARY = "readable_summary.csv"
READABLE_COMPARISON = "readable_comparison.csv"
WORKBOOK = "comparison.xlsx"
TERRITORY_TABLES = "places*.csv"  # results by place of residence, when the folder has them
SHEET_NAME_CHARS = 31  # Excel's limit
CODE_COLUMNS = (
    "dep",
    "department",
    "insee",
    "canton",
    "code",
    "zone",
    "had",
    "unit",
    "unit_name",
)  # "09" stays "09"


@dataclass(frozen=True)
class Readable:
    """How the tables for people are written: language and CSV convention."""

    lang: str = "en"
    csv: str = STANDARD


def readable_for(scenario: Scenario, lang: str | None = None, excel_csv: bool = False) -> Readable:
    """``--lang`` / OCCISIM_LANG / the scenario's ``output.lang``; ``--excel-csv`` or ``output.csv``."""
    return Readable(
        choose_language(lang, scenario.output.lang), EXCEL_FR if excel_csv else scenario.output.csv
    )


def _summary_columns(lang: str) -> dict[str, str]:
    return {
        "label": text("kpi", lang),
        "kpi": text("key", lang),
        "mean": text("mean", lang),
        "ci_low": text("ci_low", lang),
        "ci_high": text("ci_high", lang),
        "std": text("std", lang),
        "n": text("n", lang),
    }


def readable_summary(summary: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A run's summary.csv under KPI labels (HAD names for per-HAD KPIs) and headers in ``lang``."""
    table = summary.assign(label=[kpi_label(key, lang, indent=False) for key in summary["kpi"]])
    columns = _summary_columns(lang)
    return table[[c for c in columns if c in table]].rename(columns=columns)


def _difference_columns(lang: str) -> dict[str, str]:
    """Headers of a difference to the base, its CI and the two marks: * (its CI excludes 0, the
    'significant' column) and ! (it reaches the KPI's minimal important difference, 'important')."""
    return {
        "diff_mean": text("difference", lang),
        "diff_ci_low": f"{text('difference', lang)}, {text('ci_low', lang)}",
        "diff_ci_high": f"{text('difference', lang)}, {text('ci_high', lang)}",
        "pairs": text("places_pairs", lang),
        "significant": text("significant", lang),
        "mid": text("places_mid", lang),
        "important": text("places_important", lang),
    }


def _yes_no(values: pd.Series, lang: str) -> list[str]:
    """True / False (or 'True' / 'False', as a CSV read back writes them) as yes / no; NaN blank."""
    said = {True: text("yes", lang), False: text("no", lang)}
    return [said.get({"True": True, "False": False}.get(v, v), v) if pd.notna(v) else "" for v in values]


def readable_comparison(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """comparison.csv under KPI labels and headers in ``lang``; 'significant' and 'important' as yes / no."""
    frame = table.assign(label=[kpi_label(key, lang, indent=False) for key in table["kpi"]])
    frame = frame.assign(**{c: _yes_no(table[c], lang) for c in ("significant", "important") if c in table})
    if "important" in table:  # blank where no difference was judged (the base's rows)
        frame["important"] = frame["important"].where(table["significant"].notna(), "")
    columns = {"scenario": text("scenario", lang), **_summary_columns(lang), **_difference_columns(lang)}
    columns.pop("pairs")  # (not in readable_comparison.csv: each row's n says its replications)
    return frame[[c for c in columns if c in frame]].rename(columns=columns)


def write_csv(frame: pd.DataFrame, path: Path, convention: str = STANDARD) -> Path:
    """A table as a standard CSV, or as French Excel opens it (';', decimal comma, UTF-8 BOM)."""
    if convention == EXCEL_FR:
        frame.to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8-sig")
    else:
        frame.to_csv(path, index=False, encoding="utf-8")
    return path


def read_csv(path: Path, convention: str = STANDARD) -> pd.DataFrame:
    """A table written by ``write_csv`` read back (tests, notebooks)."""
    if convention == EXCEL_FR:
        return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    return pd.read_csv(path, encoding="utf-8")


def summary_sheet(summaries: Mapping[str, pd.DataFrame], lang: str = "en") -> pd.DataFrame:
    """One row per KPI, per scenario its mean and 95 % CI (the scenarios' summary.csv side by side)."""
    names = list(summaries)
    first = summaries[names[0]]
    sheet = pd.DataFrame(
        {"label": [kpi_label(k, lang, indent=False) for k in first["kpi"]], "kpi": first["kpi"]}
    )
    for name in names:
        values = summaries[name].set_index("kpi").reindex(first["kpi"])
        for column in ("mean", "ci_low", "ci_high"):
            sheet[f"{name}: {text(column, lang)}"] = values[column].to_numpy()
    return sheet.rename(columns={"label": text("kpi", lang), "kpi": text("key", lang)})


def write_workbook(path: Path, sheets: Mapping[str, pd.DataFrame]) -> Path:
    """An .xlsx file of named sheets: bold frozen header, readable column widths, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for name, frame in sheets.items():
        sheet = book.create_sheet(title=name[:SHEET_NAME_CHARS])
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([_cell(value) for value in row])
        _format_numbers(sheet, frame)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
        for index, column in enumerate(frame.columns, start=1):
            longest = max([len(str(v)) for v in frame[column].head(200)] + [12])
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = min(60, longest + 2)
    book.save(path)
    return path


_EXCEL_FORMATS = {".0%": "0%", ".1%": "0.0%", ",.0f": "#,##0", ".0f": "0", ".1f": "0.0", ".2f": "0.00"}
_KPI_FORMATS = {key: fmt for key, _, fmt, _ in KPI_CATALOGUE}
_KEY_HEADERS = {text("key", lang) for lang in LANGUAGES}


def _format_numbers(sheet: Any, frame: pd.DataFrame) -> None:
    """Each KPI row's numbers shown in its catalogue format (84.0 %, 1,380,300); values unchanged."""
    key_column = next((c for c in frame.columns if c in _KEY_HEADERS), None)
    if key_column is None:
        return
    # Rows read once, in order (``sheet[row]`` measures the whole sheet at every call).
    rows = sheet.iter_rows(min_row=2, max_row=len(frame) + 1, max_col=len(frame.columns))
    for key, cells in zip(frame[key_column], rows):
        shown = _EXCEL_FORMATS.get(_KPI_FORMATS.get(str(key), ""))
        if shown is None:
            continue
        for cell in cells:
            if isinstance(cell.value, float):
                cell.number_format = shown


def _cell(value: object) -> object:
    """A value openpyxl writes: numbers stay numbers, missing values stay empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def readable_places(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A places.csv (KPIs by place of residence) under KPI labels, headers and words in ``lang``: the
    level, yes / no, the verdict; codes kept (the KPI key, the place's code)."""
    words = {
        "level": {level: text(f"places_level_{level}", lang) for level in ("department", "had_zone")},
        "verdict": {v: text(f"verdict_{v}", lang) for v in ("important", "negligible", "unclear")},
    }
    frame = table.copy()
    for column, said in words.items():
        if column in frame:
            frame[column] = [said.get(v, v) if pd.notna(v) else "" for v in frame[column]]
    for column in ("significant", "important"):
        if column in frame:
            frame[column] = _yes_no(frame[column], lang)
    if "kpi" in frame:
        frame.insert(0, "label", [kpi_label(str(k), lang, indent=False) for k in frame["kpi"]])
    columns = {
        "scenario": text("scenario", lang),
        "level": text("places_level", lang),
        "unit": text("places_code", lang),
        "unit_name": text("places_place", lang),
        **_summary_columns(lang),
        **_difference_columns(lang),
        "verdict": text("places_verdict", lang),
    }
    return frame[[c for c in columns if c in frame]].rename(columns=columns)


def territory_sheets(folder: Path, lang: str = "en") -> dict[str, pd.DataFrame]:
    """The folder's results by place of residence (``places*.csv``), one sheet each."""
    sheets = {}
    for path in sorted(Path(folder).glob(TERRITORY_TABLES)):
        frame = readable_places(pd.read_csv(path, dtype={column: str for column in CODE_COLUMNS}), lang)
        suffix = path.stem.removeprefix("places").strip("_-")
        sheets[text("sheet_territories", lang) + (f" {suffix}" if suffix else "")] = frame
    return sheets


def comparison_workbook(
    folder: Path, table: pd.DataFrame, summaries: Mapping[str, pd.DataFrame], lang: str = "en"
) -> Path:
    """Write ``comparison.xlsx`` into a compare folder: summary, comparison, per-territory sheets."""
    sheets = {
        text("sheet_summary", lang): summary_sheet(summaries, lang),
        text("sheet_comparison", lang): readable_comparison(table, lang),
        **territory_sheets(folder, lang),
    }
    return write_workbook(Path(folder) / WORKBOOK, sheets)
