"""What every scenario section shares: the base model, weekdays, the length of a year."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
)

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


DAYS_PER_YEAR = 365.25  # simulated time is in days; a year is a mean Julian year


class _Section(BaseModel):
    # strict: no true for 1, no 1 for true, no "18" for 18; allow_inf_nan: no .inf or .nan anywhere.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def max_cyclic_gap_days(days: list[str]) -> int:
    """Longest interval, in days, between consecutive weekdays of a weekly pattern."""
    index = sorted({WEEKDAYS.index(d) for d in days})
    gaps = [(index[(i + 1) % len(index)] - index[i]) % 7 or 7 for i in range(len(index))]
    return max(gaps)
