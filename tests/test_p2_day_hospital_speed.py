"""The day hospital's faster bookkeeping books every session as the plain one did.

The other patients' first free day is computed inline (``_next_free``), their requests booked in a
tight loop, and the backlog of requests past their window is kept in request order with its served
and passed requests marked out, not rebuilt every day. The plain versions (the code before, kept
here as the reference) must give the same records to the last bit: whole model runs where the day
hospital is saturated, sessions are held for blinatumomab and the backlog is long.
"""

from __future__ import annotations

import bisect
import dataclasses
from pathlib import Path

import pytest
from scenario_variants import variant

import sim.model.engine as engine
from sim.model.day_hospital import DayHospital
from sim.model.records import Recorder
from sim.scenario.files import resolve_raw
from sim.territory.binding import scenario_territory

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


class PlainDayHospital(DayHospital):
    """The day hospital as it was: free() asked day by day, the backlog a list rebuilt every day."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.plain_backlog: list[int] = []

    def other_patients(self, requests):
        for requested, due in zip(requests.requested.tolist(), requests.due.tolist()):
            if requested > self.env.now:
                yield self.env.timeout(requested - self.env.now)
            self._book_background(self.bookings.add(requested, due, due + self.tolerance), due)

    def _book_background(self, request: int, first: int) -> None:
        b = self.bookings
        b.day[request] = self._next_free(first) if self.background_sessions_a_week > 0 else None
        if b.day[request] is not None:
            self.background_on[b.day[request]].append(request)
        if self.holds and (b.day[request] is None or b.day[request] > b.latest[request]):
            bisect.insort(self.plain_backlog, request, key=lambda i: b.requested[i])

    def _serve_backlog(self, day: int) -> None:
        b = self.bookings
        free = self.free(day, held_too=False)
        for i in self.plain_backlog:
            if free <= 0:
                break
            if b.due[i] <= day and (b.day[i] is None or b.day[i] > day):
                if b.day[i] is not None:
                    self.background_on[b.day[i]].remove(i)
                    self._freed(b.day[i])
                b.day[i] = day
                self.background_on[day].append(i)
                free -= 1
        self.plain_backlog = [
            i for i in self.plain_backlog if b.day[i] is None or b.day[i] > max(b.latest[i], day)
        ]

    def _next_free(self, day: int) -> int:
        seen = []
        while True:
            if day in self.full_until:
                seen.append(day)
                day = self.full_until[day]
            elif self.free(day, held_too=False) <= 0:
                seen.append(day)
                day += 1
            else:
                break
        for full in seen:
            self.full_until[full] = day
        return day


class WatchedDayHospital(DayHospital):
    """The day hospital as it is, its backlog watched every day."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.longest_backlog = 0

    def _serve_backlog(self, day: int) -> None:
        super()._serve_backlog(day)
        self.longest_backlog = max(self.longest_backlog, self._backlog_live)
        # requests marked out are pruned: the list stays within twice those still in it
        assert len(self._backlog) <= 2 * self._backlog_live + 64
        assert self._backlog_live == len(self.backlog)


def records(record: Recorder) -> list[str]:
    return [f"{f.name}={getattr(record, f.name)!r}" for f in dataclasses.fields(record)]


def simulate_with(day_hospital: type, scenario, territory, replication: int, monkeypatch) -> tuple:
    built: list[DayHospital] = []

    def build(*args, **kwargs) -> DayHospital:
        built.append(day_hospital(*args, **kwargs))
        return built[-1]

    with monkeypatch.context() as patch:
        patch.setattr(engine, "DayHospital", build)
        record = engine.Model(scenario, territory, replication).run()
    return records(record), built[0]


@pytest.fixture(scope="module")
def baseline_raw() -> dict:
    return resolve_raw(BASELINE)


SATURATED = {
    # more requests than sessions: the backlog grows all along
    "held, over capacity": {
        "day_hospital.reserved_per_pattern_day": 2,
        "day_hospital.background.requests_per_day": 31.5,
        "blinatumomab.arrivals.episodes_per_year": 40,
    },
    # held sessions released to a backlog that comes and goes
    "held, at capacity": {
        "day_hospital.reserved_per_pattern_day": 3,
        "day_hospital.background.tolerance_days": 0,
        "day_hospital.reserved_release_days": 2,
        "blinatumomab.arrivals.episodes_per_year": 25,
    },
    "nothing held": {"blinatumomab.arrivals.episodes_per_year": 40},
}


@pytest.mark.parametrize("case", list(SATURATED))
def test_the_day_hospital_books_as_the_plain_one(case, baseline_raw, territory, monkeypatch):
    changes = {"run.years": 1.5, "run.warmup_days": 30, **SATURATED[case]}
    scenario = variant(baseline_raw, **changes)
    bound = scenario_territory(scenario, territory)
    fast, day_hospital = simulate_with(WatchedDayHospital, scenario, bound, 0, monkeypatch)
    plain, plain_day_hospital = simulate_with(PlainDayHospital, scenario, bound, 0, monkeypatch)
    assert fast == plain
    assert day_hospital.backlog == plain_day_hospital.plain_backlog
    if case == "held, over capacity":
        assert day_hospital.longest_backlog > 200  # a long backlog was exercised
