"""Scenario section for the calendar: public holidays, and the weekdays home care may begin."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.scenario.common import Weekday, _Section


class CalendarConfig(_Section):
    """Days the care system works: holidays close the pharmacy and the day hospital (M5)."""

    public_holidays: Literal["FR", "none"] = Field(
        "FR",
        description="FR: French public holidays (the holidays library, offline) close the pharmacy and "
        "the day hospital, and no cycle starts and no home care begins on them; none: no holiday.",
    )
    home_care_start_weekdays: list[Weekday] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"],
        min_length=1,
        description="Weekdays an HAD (or a convention) can take a patient home; a patient ready on "
        "another day, or on a holiday, stays in the bed until the next such day.",
    )

    @property
    def holidays_country(self) -> str | None:
        """The holidays library's country code, or None."""
        return None if self.public_holidays == "none" else self.public_holidays
