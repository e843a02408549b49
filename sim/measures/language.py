"""Numbers as each language writes them, and texts kept as (English, French) pairs: the one place for
the texts of every layer (warnings of a run and of a study are written where they are found, in
``sim.measures`` and ``sim.runs``; the rest in ``sim.outputs.i18n``)."""

from __future__ import annotations

import math

NBSP = "\u00a0"  # French thousands separator and space before % (no line break inside a number)


def say(texts: dict[str, tuple[str, str]], key: str, lang: str = "en", **values: object) -> str:
    """The text ``key`` of ``texts`` ((English, French) pairs) in ``lang``, its fields filled."""
    return texts[key][lang == "fr"].format(**values)


def number(value: float, spec: str, lang: str = "en") -> str:
    """``value`` in a Python format spec (``,.0f``, ``.1f``, ``.1%``) as the language writes it."""
    if isinstance(value, float) and not math.isfinite(value):
        return "–" if math.isnan(value) else format(value)
    written = format(value, spec)
    if lang == "en":
        return written
    written = written.replace(",", "\uffff").replace(".", ",").replace("\uffff", NBSP)
    return written.replace("%", f"{NBSP}%")
