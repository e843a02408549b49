"""The report's parameters section: every parameter of each scenario with its value, status (source,
assumption, not documented) and the comment of the file that set it; for the other scenarios, only
what differs from the first."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sim.outputs.folders import Results
from sim.outputs.i18n import plural, text, text_list
from sim.scenario.schema import SCENARIO_TEXTS, Scenario
from sim.scenario.sources import parameter_sources


def _flatten(data: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(data, dict) and "dist" not in data:
        items: list[tuple[str, object]] = []
        for key, value in data.items():
            items += _flatten(value, f"{prefix}.{key}" if prefix else key)
        return items
    return [(prefix, data)]


def _format_value(value: object, lang: str = "en", nested: bool = False) -> str:
    """A parameter's value as its table shows it: a mapping as ``key: value`` pairs (in braces inside
    another value), a list in brackets; in French a decimal comma, so items are parted by ' ; '."""
    parted = " ; " if lang == "fr" else ", "
    if isinstance(value, dict):
        pairs = parted.join(f"{k}: {_format_value(v, lang, nested=True)}" for k, v in value.items())
        return f"{{{pairs}}}" if nested else pairs
    if isinstance(value, list):
        return "[" + parted.join(_format_value(v, lang, nested=True) for v in value) + "]"
    if isinstance(value, bool):
        return text("yes" if value else "no", lang) if lang != "en" else str(value)
    if isinstance(value, float) and lang == "fr":
        return str(value).replace(".", ",")
    return str(value)


def _status(comment: str) -> str:
    """'assumption' where the comment says so, or leans only on the M rows of docs/sources.md."""
    if not comment:
        return "not documented"
    lowered = comment.lower()
    cites_source = re.search(r"\b00[0-4]:\d", comment) is not None
    if "assumption" in lowered or "fitted" in lowered or (re.search(r"\bM\d+", comment) and not cites_source):
        return "assumption"
    return "source"


def run_parameter_sources(result: Results) -> dict[str, tuple[str, str]]:
    """The source of every parameter, as stored in the run's manifest when it was written.

    Folders written before the manifest kept them fall back to the scenario file, if it is still
    where it was.
    """
    stored = result.manifest.get("parameter_sources")
    if stored is not None:
        return {key: (comment, file) for key, (comment, file) in stored.items()}
    scenario_file = result.manifest.get("scenario_file")
    if scenario_file and Path(scenario_file).exists():
        return parameter_sources(Path(scenario_file))
    return {}


def parameters_table(
    scenario: Scenario, sources: Mapping[str, tuple[str, str]], lang: str = "en"
) -> pd.DataFrame:
    """Every parameter with its value (as ``lang`` writes it), status and source; ``sources`` maps key
    paths to (comment, file)."""
    rows = []
    for key, value in _flatten(scenario.model_dump(mode="json", exclude={"name", *SCENARIO_TEXTS})):
        parts = key.split(".")
        comment, origin = "", ""
        for depth in range(len(parts), 0, -1):  # the nearest ancestor set in a file, with its comment
            if ".".join(parts[:depth]) in sources:
                comment, origin = sources[".".join(parts[:depth])]
                if comment or depth == len(parts):
                    break
        status = _status(comment)
        rows.append(
            {
                "parameter": key,
                "value": _format_value(value, lang),
                "status": status,
                "source or note": comment,
                "file": origin,
            }
        )
    return pd.DataFrame(rows)


def parameters_section(results: Sequence[Results], lang: str = "en") -> list[str]:
    names = [r.manifest["scenario"] for r in results]
    parts = [f"<h2 id='parameters'>{text('section_parameters', lang)}</h2>"]
    base_table = None
    for r in results:
        table = parameters_table(r.scenario, run_parameter_sources(r), lang)
        if base_table is None:
            base_table = table
            counts = table["status"].value_counts().to_dict()
            summary = ", ".join(f"{v} {text(f'status_{k}', lang)}" for k, v in counts.items())
            title = text(
                "params_all",
                lang,
                name=html.escape(r.manifest["scenario"]),
                count=len(table),
                summary=summary,
            )
        else:
            # how="left": a key the base does not have (a new entry of a map) is a change too
            merged = table.merge(
                base_table[["parameter", "value"]], on="parameter", how="left", suffixes=("", "_base")
            )
            table = merged[merged["value"] != merged["value_base"]].drop(columns="value_base")
            title = text(
                "params_changed",
                lang,
                name=html.escape(r.manifest["scenario"]),
                count=len(table),
                s=plural(len(table), lang),
                base=names[0],
            )
        rows = "".join(
            f"<tr><td>{html.escape(p)}</td><td class='left'>{html.escape(v)}</td>"
            f"<td class='left tag-{html.escape(s.split()[0])}'>{html.escape(text(f'status_{s}', lang))}</td>"
            f"<td class='left'>{html.escape(c)}</td><td class='left small'>{html.escape(f)}</td></tr>"
            for p, v, s, c, f in table.itertuples(index=False)
        )
        folded = r is results[0] and len(results) > 1  # the full base table is long: open it on demand
        head = "".join(f"<th>{h}</th>" for h in text_list("param_headers", lang))
        parts.append(
            f"<details{'' if folded else ' open'}><summary><b>{title}</b></summary>"
            f"<table><tr>{head}</tr>{rows}</table></details>"
        )
    return parts
