"""The one error type for bad scenario input, how a message shows the value it found, and how a
rule across keys (``rule_error``) names the key it is about.

A message never echoes input whole: a scenario file may hold a megabyte of text, and a value shown
in a one-line error is cut to ``FOUND_CHARS`` characters, built piece by piece so that a huge
value is never rendered in full first.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

from pydantic_core import PydanticCustomError

FOUND_CHARS = 60  # longest picture of a found value in a message
LINE_CHARS = 400  # longest message line (file path excluded)
RULE = "scenario_rule"  # pydantic error type of a rule across keys (rule_error)


class ScenarioError(ValueError):
    """Bad scenario input; ``str()`` is a list of one-line messages naming file and key path."""

    def __init__(self, messages: list[str]):
        self.messages = [printable(message) for message in messages]
        super().__init__("\n".join(self.messages))


def rule_error(where: str, message: str) -> PydanticCustomError:
    """A refusal by a rule across keys, naming the key (below the model that checks it) it is about."""
    return PydanticCustomError(RULE, "{message}", {"message": message, "where": where})


def _pieces(value: object) -> Iterator[str]:
    """The picture of ``value`` in YAML-like flow style, piece by piece (consumed lazily)."""
    if value is None or isinstance(value, bool):
        yield {None: "null", True: "true", False: "false"}[value]
    elif isinstance(value, int):
        # Python refuses to print integers of more than 4,300 digits; none is meant anyway.
        yield str(value) if value.bit_length() <= 256 else f"an integer of {value.bit_length()} bits"
    elif isinstance(value, float) and not math.isfinite(value):
        yield ".nan" if math.isnan(value) else "-.inf" if value < 0 else ".inf"  # as YAML spells them
    elif isinstance(value, float):
        yield repr(value)
    elif isinstance(value, str):
        yield repr(value[: FOUND_CHARS + 1])
    elif isinstance(value, dict):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ", " if i else ""
            yield from _pieces(key)
            yield ": "
            yield from _pieces(item)
        yield "}"
    elif isinstance(value, list | tuple | set | frozenset):
        yield "["
        for i, item in enumerate(value):
            yield ", " if i else ""
            yield from _pieces(item)
        yield "]"
    elif isinstance(value, dt.date):
        yield value.isoformat()
    elif isinstance(value, bytes | bytearray):
        yield repr(bytes(value[: FOUND_CHARS + 1]))
    else:
        yield repr(value)[: FOUND_CHARS + 1]


def shown(value: object, limit: int = FOUND_CHARS) -> str:
    """A one-line picture of ``value`` of at most ``limit`` characters ('...' marks a cut)."""
    text = ""
    for piece in _pieces(value):
        text += piece
        if len(text) > limit:
            break
    return one_line(text, limit)


# No-break spaces are how French writes numbers (1 380, 84 %): shown as spaces, not escaped.
NO_BREAK_SPACES = frozenset("\u00a0\u202f")


def printable(text: str) -> str:
    """``text`` on one line: line breaks and other unprintable characters escaped (\\n, \\x85)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in NO_BREAK_SPACES else repr(c)[1:-1] for c in text)


def one_line(text: str, limit: int = LINE_CHARS) -> str:
    """``printable(text)`` cut to ``limit`` characters ('...' marks a cut)."""
    cut = len(text) > limit
    text = printable(text[:limit])
    return text[: limit - 3] + "..." if cut or len(text) > limit else text
