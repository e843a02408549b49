"""IUCT-O's day hospital: its sessions each day, and those booked by other patients.

Blinatumomab bag changes take the sessions the other patients leave free; the model records both,
the overflow is counted in ``sim.measures``.
"""

from __future__ import annotations

import numpy as np

from sim.model.calendar import Calendar
from sim.model.draws import Draws
from sim.model.records import DayHospitalDays
from sim.scenario.schema import WEEKDAYS, Scenario


def book_background(scenario: Scenario, calendar: Calendar, draws: Draws) -> DayHospitalDays:
    """Each day to the horizon: sessions open, and those other patients book (up to capacity)."""
    n_days = scenario.run.horizon_whole_days
    weekday = calendar.weekday(np.arange(n_days))
    sessions = scenario.day_hospital.sessions_per_weekday
    capacity = np.array([sessions.get(name, 0) for name in WEEKDAYS])[weekday]
    background = np.rint(draws.day_hospital_background(n_days)).astype(int)
    background = np.minimum(np.clip(background, 0, None), capacity)  # the day hospital books up to capacity
    return DayHospitalDays(weekday, capacity, background)
