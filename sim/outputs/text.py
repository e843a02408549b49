"""Numbers as people read them: one way to write a value with its interval, and a difference.

A format spec is Python's (``.1f``, ``,.0f``, ``.1%``); the KPI catalogue gives one per KPI. A
difference of two percentages is written in percentage points, not in percent of percent. ``lang``
writes the numbers as English or French does (``sim.outputs.i18n``).
"""

from __future__ import annotations

import math

from sim.outputs.i18n import number

POINTS = " pts"


def format_interval(mean: float, low: float, high: float, fmt: str, unit: str = "", lang: str = "en") -> str:
    """'mean [low, high]' in the format spec; the mean alone where there is no interval; 'n/a' for no
    mean (a KPI that does not apply to the scenario, such as the waits from a dated event it has not)."""
    if math.isnan(mean):
        return "n/a"
    text = number(mean, fmt, lang) + unit
    if not math.isfinite(low):
        return text
    separator = " ; " if lang == "fr" else ", "  # a French decimal comma cannot also separate
    return f"{text} [{number(low, fmt, lang)}{separator}{number(high, fmt, lang)}]"


def format_difference(mean: float, low: float, high: float, fmt: str, lang: str = "en") -> str:
    """A difference with its interval; one of percentages in percentage points ('1.5 pts [0.4, 2.6]')."""
    if "%" in fmt:
        return format_interval(100 * mean, 100 * low, 100 * high, fmt.replace("%", "f"), POINTS, lang)
    return format_interval(mean, low, high, fmt, lang=lang)
