"""Home care: whom it is asked of, when it can start, and the wait in the bed until it takes over.

Routing, as the thesis describes it (003:1213-1227, 6002-6021; M8, docs/sources.md):
1. Home care is asked at the cycle-1 decision (referral), so its set-up runs while the patient waits
   for a bed and stays the compulsory days. The HAD is one of the authorised HADs of the patient's
   zone (either one in a shared territory): the one with room (a free pump and a visit left
   today), then the most free pumps, then the nearest site.
2. No authorised HAD in the zone: the scenario's fallbacks in order. A derogation goes to the nearest
   authorised HAD whose zone borders the patient's, if its nearest site is within
   ``derogation_max_km`` of home ("pas toujours envisageable ... lorsque l'éloignement géographique
   est trop important") and the ARS grants it (a probability). A convention (GP, liberal nurses, a
   provider) is local: one used in the patient's canton lately is reused, else a new one is set up.
3. When the compulsory days are over, the patient waits in the bed until someone asked is ready and
   has room. If the ready HAD is full and another authorised HAD of the zone has room, that one is
   asked too (a re-choice: its own start-up); after ``fallback_after_days`` of waiting for room, with
   no HAD of the zone being set up for him, the fallbacks are asked as well (a derogating HAD must
   have room). The first ready with room takes
   the patient, who keeps it for the next cycles unless it is full then.
Start-up: the episode's drawn delay times the HAD's factor, plus training for an HAD that never
treated such a patient or not for a year (003:6066-6081), plus the ARS's time for a derogation.
"""

from __future__ import annotations

import math
from contextlib import ExitStack
from dataclasses import dataclass

import numpy as np
import simpy

from sim.model.draws import Draws
from sim.model.had_capacity import HadCapacity
from sim.model.records import Episode, HomeCareRequest, HomeCareWait, Profile, Recorder
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory


@dataclass(slots=True)
class CareOption:
    """Home care asked for an episode: by which route, of which HAD (None: a convention), ready when."""

    route: str
    had: int | None
    ready: float


class HomeCare:
    """Requests, re-choices and fallbacks; the HADs' capacity and experience; the conventions in use."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        territory: Territory,
        record: Recorder,
        draws: Draws,
        n_days: int,
    ):
        self.env = env
        self.spec = scenario.home_care
        self.territory = territory
        self.record = record
        merges = dict(scenario.territory.merge)
        self.capacity = HadCapacity.drawn(env, self.spec, territory, merges, draws, n_days, record)
        ids = list(territory.hads.index)
        self.startup_factor = np.array([self.spec.startup_delay_factor_by_had.get(h, 1.0) for h in ids])
        self.last_active = np.full(len(ids), -np.inf)  # when each HAD last had a blinatumomab patient
        for had in self.spec.experienced_at_start:
            self.last_active[ids.index(merges.get(had, had))] = 0.0
        self.authorised = territory.authorised  # changed from a date by a dated event (authorise)
        self._zone_hads: dict[int, np.ndarray] = {}  # by home commune, under ``authorised``
        self.cantons = territory.communes["canton"].to_numpy()  # by commune (a column looked up once)
        self.convention_used: dict[str, float] = {}  # when a convention was last used, by canton
        self.options: dict[int, list[CareOption]] = {}  # by episode, in order of preference

    def zone_hads(self, home: int) -> np.ndarray:
        """The authorised HADs of the zone of commune ``home`` (not to be changed: kept for the next ask)."""
        hads = self._zone_hads.get(home)
        if hads is None:
            hads = self._zone_hads[home] = np.flatnonzero(self.territory.zones.covers[home] & self.authorised)
        return hads

    def authorise(self, authorised: np.ndarray) -> None:
        """The HADs authorised from now on (one bool per HAD): requests made from now are routed with them."""
        self.authorised = authorised
        self._zone_hads.clear()

    # --- asking for home care ---

    def request_home_care(self, episode: Episode) -> None:
        """At the cycle-1 decision: ask an HAD of the zone, else the first fallback that can be had."""
        p = episode.profile
        zone = self.zone_hads(p.home)
        if len(zone):
            options = [self._ask_had(episode, 1, "had", self._first_choice(zone, p.home), "referral")]
        else:
            options = self._fallback(episode, 1, "referral", need_room=False)
        self.options[p.index] = options
        first = options[0] if options else CareOption("inpatient", None, math.inf)
        episode.route, episode.had, episode.ready_time = first.route, first.had, first.ready

    def _first_choice(self, hads: np.ndarray, home: int) -> int:
        """The HAD with room, then with the most free pumps, then the nearest site (then table order)."""
        km = self.territory.to_had_nearest_site.km[home]
        room = self.capacity
        return int(min(hads, key=lambda j: (not room.has_room(j), -room.free_pumps(j), km[j], j)))

    def _ask_had(self, episode: Episode, cycle: int, route: str, had: int, reason: str) -> CareOption:
        p = episode.profile
        delay = p.startup_delay * self.startup_factor[had] + self._training(had, p)
        if route == "derogation":
            delay += p.derogation_extra
        return self._asked(episode, cycle, CareOption(route, had, self.env.now + delay), reason)

    def ask_convention(self, episode: Episode, cycle: int, reason: str) -> CareOption:
        """A new convention takes time (003:6013-6015); one in use in the same canton lately is reused."""
        p = episode.profile
        canton = self.cantons[p.home]
        now = self.env.now
        reused = now - self.convention_used.get(canton, -math.inf) <= self.spec.convention_reuse_days
        self.convention_used[canton] = now
        # A convention in place needs only its nurses' start-up; never longer than setting one up.
        delay = min(p.startup_delay, p.convention_delay) if reused else p.convention_delay
        return self._asked(episode, cycle, CareOption("convention", None, now + delay), reason, reused)

    def _asked(
        self, episode: Episode, cycle: int, option: CareOption, reason: str, reused: bool = False
    ) -> CareOption:
        """Record the request of ``option``, and return it."""
        request = HomeCareRequest(
            episode.profile.index, cycle, self.env.now, option.route, option.had, option.ready, reason, reused
        )
        self.record.home_care_requests.append(request)
        return option

    def _fallback(self, episode: Episode, cycle: int, reason: str, need_room: bool) -> list[CareOption]:
        """The first of the scenario's fallbacks that can be had; none: the infusion stays in hospital."""
        for fallback in self.spec.fallback:
            if fallback == "inpatient":
                break
            if fallback == "convention":
                return [self.ask_convention(episode, cycle, reason)]
            had = self._derogation_had(episode, need_room)
            if had is not None:
                return [self._ask_had(episode, cycle, "derogation", had, reason)]
        return []

    def _derogation_had(self, episode: Episode, need_room: bool) -> int | None:
        """The nearest authorised HAD of a bordering zone within reach, if the ARS grants the derogation."""
        p = episode.profile
        terr = self.territory
        km = terr.to_had_nearest_site.km[p.home]
        asked = [o.had for o in self.options.get(p.index, [])]
        reachable = terr.bordering_hads(p.home) & self.authorised & (km <= self.spec.derogation_max_km)
        candidates = [
            j
            for j in np.flatnonzero(reachable)
            if j not in asked and (not need_room or self.capacity.has_room(j))
        ]
        if not candidates or p.ars_acceptance_u >= self.spec.derogation_acceptance_probability:
            return None
        return int(min(candidates, key=lambda j: (km[j], j)))

    def _training(self, had: int, profile: Profile) -> float:
        """An HAD that never treated such a patient, or not for a year, trains its staff (003:6066-6081)."""
        now = self.env.now
        trained = now - self.last_active[had] <= self.spec.retraining_after_days
        self.last_active[had] = max(self.last_active[had], now)
        return 0.0 if trained else profile.training_delay

    # --- the wait in the bed ---

    def wait_for_home_care(self, episode: Episode, cycle: int, end: float, holder: ExitStack):
        """In the bed until home care takes over, at most until ``end``; True if it did.

        The HAD's booking is handed to ``holder``, to be given back when its block is left.
        """
        index = episode.profile.index
        options = self.options[index]
        started = self.env.now
        waited = {"setup": 0.0, "room": 0.0}
        fell_back = False
        while True:
            ready = [o for o in options if o.ready <= self.env.now]
            # The zone's HADs before any fallback; among them, the one the patient had last.
            can_take = [o for o in ready if o.had is None or self.capacity.has_room(o.had)]
            chosen = min(can_take, key=lambda o: o.route != "had", default=None)
            if chosen is not None or self.env.now >= end:
                break
            # A ready HAD is full: ask the zone's other HAD; when none of the zone's is being set up
            # for the patient, the fallbacks after a while.
            setting_up = any(o.route == "had" and o.ready > self.env.now for o in options)
            falls_back = bool(ready) and not fell_back and not setting_up
            if ready:
                added = self._zone_partner(episode, cycle, options)
                # Within a rounding: the waits add up to fallback_after_days only to the last bit, and a
                # wake a rounding before it would be a zero-length timeout, over and over.
                if not added and falls_back and waited["room"] >= self.spec.fallback_after_days - 1e-9:
                    fell_back = True
                    added = self._fallback(episode, cycle, "full", need_room=True)
                if added:
                    options.extend(added)
                    continue
            since = self.env.now
            # Wake when someone asked is ready, a booking is given back, a new day's visits start, or
            # the fallbacks are due.
            wake = min([o.ready for o in options if o.ready > since] + [math.floor(since) + 1, end])
            if falls_back:
                wake = min(wake, since + self.spec.fallback_after_days - waited["room"])
            yield self.env.timeout(wake - since) | self.capacity.changed
            waited["room" if ready else "setup"] += self.env.now - since
        episode.bed_days["waiting_home_care"] += self.env.now - started
        goes_home = chosen is not None and self.env.now < end
        if goes_home:
            self._take(episode, cycle, chosen, holder)
        self.record.home_care_waits.append(
            HomeCareWait(
                index,
                cycle,
                started,
                waited["setup"],
                waited["room"],
                chosen.route if goes_home else None,
                chosen.had if goes_home else None,
            )
        )
        return goes_home

    def _zone_partner(self, episode: Episode, cycle: int, options: list[CareOption]) -> list[CareOption]:
        """Another authorised HAD of the zone, not yet asked, that has room now (a re-choice)."""
        asked = [o.had for o in options]
        for had in self.zone_hads(episode.profile.home):
            if had not in asked and self.capacity.has_room(had):
                return [self._ask_had(episode, cycle, "had", int(had), "zone_partner")]
        return []

    def _take(self, episode: Episode, cycle: int, option: CareOption, holder: ExitStack) -> None:
        """Home care by ``option`` takes the patient, who keeps it first in line for later cycles."""
        options = self.options[episode.profile.index]
        options.remove(option)
        options.insert(0, option)
        if option.had is not None:
            holder.enter_context(self.capacity.book(option.had, episode.profile.index))
        if cycle == 1:
            episode.route = option.route
        episode.had = option.had

    def home_phase_ended(self, episode: Episode) -> None:
        """The HAD counts as experienced from now on."""
        self.last_active[episode.had] = self.env.now
