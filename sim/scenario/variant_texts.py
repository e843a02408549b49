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

# How a scenario is run and shown, not what it asks: changing only these keeps the parent's texts.
HOW_RUN = ("run", "output")
NOT_CHANGES = ("name", "extends", "question", "description", "question_fr", "description_fr")
MAX_CHARS = 400  # the texts are read in a table: a long list of changes is cut


def own_changes(data: dict) -> list[str]:
    """``key.path = value`` of each leaf a file sets itself, less its name, texts and run settings."""
    changes: list[str] = []
    for key, value in data.items():
        if key not in NOT_CHANGES and key not in HOW_RUN:
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


def variant_texts(parent: str, changes: Iterable[str]) -> dict[str, str]:
    """The question and description of ``parent`` with ``changes``, in English and French."""
    said = "; ".join(changes)
    if len(said) > MAX_CHARS:
        said = said[: MAX_CHARS - 1].rstrip() + "…"
    return {
        "question": f"What if {said}?",
        "question_fr": f"Et si {said} ?",
        "description": f"{parent} with {said}.",
        "description_fr": f"{parent} avec {said}.",
    }
