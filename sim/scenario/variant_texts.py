"""What a variant asks, in words, when its file (or ``--set``) does not say it.

A variant that changes what is simulated but writes no ``question`` or ``description`` would
otherwise read as its parent: a file authorising the Gers HAD, or ``--set beds.capacity=20``,
would ask "What does the status quo use...?" and be described as the status quo in its report.
It is given texts built from its own changes instead ("What if beds.capacity = 20?"). A variant
that changes only how it is run or shown (``run``, ``output``) asks its parent's question still.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sim.scenario.schema import SCENARIO_TEXTS, TRANSLATED_TEXTS

# Keys that do not change what a scenario asks: its name and texts, and how it is run and shown
# (changing only these keeps the parent's texts).
NOT_ASKED = ("name", "extends", *SCENARIO_TEXTS, "run", "output")
MAX_CHARS = 400  # the texts are read in a table: a long list of changes is cut


def asks(key: str) -> bool:
    """Whether setting ``key`` (a dotted path) changes what the scenario asks."""
    return key.split(".")[0] not in NOT_ASKED


def own_changes(data: dict) -> list[str]:
    """``key.path = value`` of each leaf a file sets itself, less its name, texts and run settings."""
    changes: list[str] = []
    for key, value in data.items():
        if asks(str(key)):
            changes += _leaves(str(key), value)
    return changes


def _leaves(path: str, value: Any) -> list[str]:
    if isinstance(value, dict) and value and "dist" not in value:
        return [leaf for key, item in value.items() for leaf in _leaves(f"{path}.{key}", item)]
    return [f"{path} = {shown_value(value)}"]


def shown_value(value: Any) -> str:
    """A value as YAML's flow style writes it: [a, b], {k: v}, plain scalars."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {shown_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(shown_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def variant_texts(parent: str, changes: Iterable[str], parent_texts: dict | None = None) -> dict[str, str]:
    """The question and description of ``parent`` with ``changes``, in English and French; the
    description recalls the parent's own (``parent_texts``: its description and description_fr)."""
    said = "; ".join(changes)
    if len(said) > MAX_CHARS:
        said = said[: MAX_CHARS - 1].rstrip() + "…"
    told = parent_texts or {}
    english, french = (
        told.get("description") or "",
        told.get("description_fr") or told.get("description") or "",
    )
    return {
        "question": f"{parent}: what if {said}?",
        "question_fr": f"{parent} : et si {said} ?",
        "description": f"{parent} with {said}." + (f" {parent}: {english}" if english else ""),
        "description_fr": f"{parent} avec {said}." + (f" {parent} : {french}" if french else ""),
    }


def with_variant_texts(
    raw: dict, parent: str, changes: list[str], written: set[str], parent_texts: dict
) -> None:
    """Give ``raw`` (a merged scenario) the texts of a variant of ``parent`` with ``changes``, except
    those ``written`` by the variant itself; a variant that wrote only the English of a text keeps
    none of its parent's French (which would tell the parent's story): it reads in English then."""
    made = variant_texts(parent, changes, parent_texts) if changes else {}
    for text in TRANSLATED_TEXTS:
        for key in (text, f"{text}_fr"):
            if made and key not in written and text not in written:
                raw[key] = made[key]
        if text in written and f"{text}_fr" not in written:
            raw.pop(f"{text}_fr", None)
