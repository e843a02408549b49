"""Scenario sections for dates: capacity calendars (beds and sessions closed by date range) and
dated events (keys of the scenario set anew from a date).

A closure period is a date range, inclusive: ``YYYY-MM-DD`` to ``YYYY-MM-DD`` once, or ``MM-DD`` to
``MM-DD`` every year (a range may wrap the new year: 12-24 to 01-02). A dated event sets some keys of
the scenario from its date on; only the keys the engine can change during a run are accepted
(``DATED_KEYS``), and the value must be one the key accepts in the scenario itself.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.scenario.bounds import MAX_SESSIONS
from sim.scenario.common import _Section
from sim.scenario.errors import rule_error, shown

# Keys a dated event may set, and what changes from its date.
DATED_KEYS: dict[str, str] = {
    "territory.authorise": "home-care requests made from the date are routed with the new set",
    "territory.revoke": "home-care requests made from the date are routed with the new set",
    "beds.capacity": "beds open from the date (no one is moved out: admissions wait for a free bed)",
    "day_hospital.sessions_per_weekday": "the day hospital's sessions of the days from the date",
    "blinatumomab.arrivals.episodes_per_year": "blinatumomab episodes referred from the date",
    "beds.background.arrivals_per_day": "other inpatients' admissions from the date",
    "bags.where_changed": "where the bags are changed, for home phases booked from the date",
}

_DAY = re.compile(r"^(\d{4}-)?\d{2}-\d{2}$")
_LEAP_YEAR = 2000  # a month-day is checked against a leap year, then refused if it is 29 February


def _day_text(value: Any) -> Any:
    """A date (YAML reads 2027-07-15 as one) as its text; text left as written."""
    return value.isoformat() if isinstance(value, dt.date) else value


def is_yearly(day: str) -> bool:
    """``MM-DD``: every year; ``YYYY-MM-DD``: once."""
    return len(day) == 5


def parse_day(day: str) -> dt.date:
    """The date of ``YYYY-MM-DD``, or of ``MM-DD`` in a leap year (its month and day are what count)."""
    return dt.date.fromisoformat(f"{_LEAP_YEAR}-{day}" if is_yearly(day) else day)


class ClosurePeriod(_Section):
    """Beds (or day-hospital sessions a day) closed from ``from`` to ``to``, both days included."""

    model_config = ConfigDict(serialize_by_alias=True)

    start: str = Field(alias="from", description="First day closed: YYYY-MM-DD once, or MM-DD every year.")
    end: str = Field(alias="to", description="Last day closed (included), written like from.")
    closed: int = Field(ge=1, le=MAX_SESSIONS, description="Beds, or sessions a day, closed in the period.")
    reason: str = Field("", max_length=200, description="What the period is (shown on the timeline).")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _a_day(cls, value: Any) -> Any:
        value = _day_text(value)
        if not isinstance(value, str) or not _DAY.fullmatch(value):
            raise ValueError(f"expected a date YYYY-MM-DD (once) or MM-DD (every year), found {shown(value)}")
        try:
            parsed = parse_day(value)
        except ValueError:
            raise ValueError(f"expected a date of the calendar, found {shown(value)}") from None
        if is_yearly(value) and (parsed.month, parsed.day) == (2, 29):
            raise ValueError("expected a day that comes every year, found 29 February ('02-29')")
        return value

    @model_validator(mode="after")
    def _one_kind_in_order(self) -> ClosurePeriod:
        if is_yearly(self.start) != is_yearly(self.end):
            raise rule_error("to", f"expected a date written like from ({self.start}), found {self.end}")
        if not is_yearly(self.start) and parse_day(self.end) < parse_day(self.start):
            raise rule_error("to", f"expected a date on or after from ({self.start}), found {self.end}")
        return self


class CapacityCalendar(_Section):
    """Closures by date range; a period's closed beds or sessions are taken from what is open then."""

    beds: list[ClosurePeriod] = Field(default_factory=list, description="Beds closed by date range.")
    day_hospital: list[ClosurePeriod] = Field(
        default_factory=list, description="Day-hospital sessions closed, on each day of the range."
    )


class DatedEvent(_Section):
    """Keys of the scenario set anew from a date of the run on (``set``: {dotted.key: value})."""

    model_config = ConfigDict(serialize_by_alias=True)

    start: dt.date = Field(alias="from", strict=False, description="The first day the new values hold.")
    changes: dict[str, Any] = Field(
        alias="set", min_length=1, description=f"Dotted keys and their values; keys: {', '.join(DATED_KEYS)}."
    )
    reason: str = Field("", max_length=200, description="What the event is (shown on the timeline).")

    @field_validator("start", mode="before")
    @classmethod
    def _date_not_number(cls, value: Any) -> Any:
        if not isinstance(value, dt.date | str):  # lax dates would read a number as a Unix time
            raise ValueError(f"expected a date (YYYY-MM-DD), found {shown(value)}")
        return value

    @field_validator("changes")
    @classmethod
    def _keys_a_run_can_change(cls, changes: dict[str, Any]) -> dict[str, Any]:
        for key in changes:
            if key not in DATED_KEYS:
                raise ValueError(
                    f"expected keys the engine can change during a run ({', '.join(DATED_KEYS)}), "
                    f"found {shown(key)}"
                )
        return changes


def with_changes(scenario: Any, changes: dict[str, Any]) -> Any:
    """``scenario`` with the dotted keys of ``changes`` set, validated again, and with no events left.

    Raises pydantic's ValidationError if a value is not one the key accepts.
    """
    raw = scenario.model_dump(mode="json")
    raw["events"] = []
    for key, value in changes.items():
        *path, last = key.split(".")
        node = raw
        for part in path:
            node = node[part]
        node[last] = _day_text(value)
    return type(scenario).model_validate(raw)


def check_events(scenario: Any) -> None:
    """Each event dated within the run, its values valid where they go (a rule error naming the key)."""
    start, horizon = scenario.run.start_date, scenario.run.horizon
    end = start + dt.timedelta(days=horizon)
    before: dict[str, Any] = {}  # the keys set by earlier events
    for i, event in sorted(enumerate(scenario.events), key=lambda pair: pair[1].start):
        if not start <= event.start < end:
            raise rule_error(
                f"events.{i}.from",
                f"expected a date within the run ({start.isoformat()} to before {end.isoformat()}), "
                f"found {event.start.isoformat()}",
            )
        for key, value in event.changes.items():
            try:
                with_changes(scenario, {**before, key: value})
            except ValidationError as exc:
                detail = exc.errors()[0]["msg"].removeprefix("Value error, ")
                message = f"expected a value {key} accepts ({detail}), found {shown(value)}"
                raise rule_error(f"events.{i}.set.{key}", message) from None
        before.update(event.changes)
