"""The report's timeline: per scenario with a capacity calendar or dated events, beds and day-hospital
sessions over the run's dates, closures shaded and each event marked (``figures.timeline_figure``)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.model.calendar import Calendar
from sim.model.timeline import beds_by_day, closed_by_day, periods
from sim.outputs import figures as plots
from sim.outputs.folders import Results
from sim.outputs.i18n import text
from sim.scenario.schema import CapacityCalendar, Scenario
from sim.scenario.timeline import is_yearly


def _closed_spans(closed: np.ndarray, label: str) -> list[tuple[int, int, str]]:
    """The runs of days with something closed: (first day, day after the last, label)."""
    edges = np.diff(np.concatenate([[0], (closed > 0).astype(int), [0]]))
    return [(int(a), int(b), label) for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))]


def _value(value: object, lang: str = "en") -> str:
    """A value set by an event as a planner reads it: a list as its items, a mapping as key: value."""
    if isinstance(value, list):
        return ", ".join(map(str, value)) or text("timeline_none_value", lang)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _timeline_caption(scenario: Scenario, lang: str = "en") -> str:
    """What the scenario changes by date, in words: its events, then its closures."""
    events = [
        text("timeline_from", lang, date=e.start.isoformat())
        + ": "
        + "; ".join(f"{key} = {_value(v, lang)}" for key, v in e.changes.items())
        for e in sorted(scenario.events, key=lambda e: e.start)
    ]
    calendar = scenario.capacity_calendar
    closures = [
        text("timeline_closure", lang, what=text(what, lang), closed=p.closed, start=p.start, end=p.end)
        + (text("timeline_every_year", lang) if is_yearly(p.start) else "")
        for what, closing in (
            ("timeline_beds", calendar.beds),
            ("timeline_sessions_a_day", calendar.day_hospital),
        )
        for p in closing
    ]
    return ". ".join(events + closures)


def timeline_section(
    results: Sequence[Results], image: Callable[[plt.Figure, str, str], str], lang: str = "en"
) -> list[str]:
    """Per scenario with a capacity calendar or dated events: beds and sessions over its dates."""
    parts = [f"<h2 id='timeline'>{text('timeline_title', lang)}</h2>"]
    dated = [r for r in results if r.scenario.events or r.scenario.capacity_calendar != CapacityCalendar()]
    if not dated:
        note = text("timeline_none", lang)
        return [*parts, f"<p class='small'>{note}</p>"]
    for r in dated:
        s, name = r.scenario, r.manifest["scenario"]
        calendar, n_days = Calendar(s.run.start_date), s.run.horizon_whole_days
        beds_open = beds_by_day(s, periods(s), calendar, n_days)
        closures = _closed_spans(
            closed_by_day(s.capacity_calendar.beds, calendar, n_days), text("timeline_beds_closed", lang)
        )
        closures += _closed_spans(
            closed_by_day(s.capacity_calendar.day_hospital, calendar, n_days),
            text("timeline_sessions_closed", lang),
        )
        marks = [((e.start - s.run.start_date).days, e.reason or ", ".join(e.changes)) for e in s.events]
        start = pd.Timestamp(s.run.start_date)
        fig = plots.timeline_figure(name, r.daily, beds_open, marks, closures, start, s.run.warmup_days, lang)
        parts += [f"<h3>{html.escape(name)}</h3>", image(fig, "timeline", _timeline_caption(s, lang))]
    return parts
