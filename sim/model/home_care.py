"""Home care: who gives an episode's home phase, when it can start, and the HADs' places.

The HAD of the patient's zone if one is authorised; otherwise the scenario's fallbacks in order:
a derogation to a neighbouring zone's HAD, a convention with a local provider, or the infusion
given in hospital (docs/sources.md, routing). Each HAD takes a limited number of blinatumomab patients at
once: a slot is asked for while the patient is still in the bed and held to the end of the home phase.
"""

from __future__ import annotations

import math
from contextlib import ExitStack

import numpy as np
import simpy
from simpy.resources.resource import Request

from sim.model.records import Episode, HadStay, Profile, Recorder
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory


class SlotRequest(Request):
    """A request for an HAD slot, to be used as a ``with`` block.

    Leaving the block gives a granted slot back, and withdraws a request still waiting (a plain
    request would also schedule the release of a slot it never held: one more event).
    """

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        if self.triggered:
            super().__exit__(exc_type, exc_value, traceback)
        else:
            self.cancel()


class HomeCare:
    """Routing at referral, and the HADs' slots and experience."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, territory: Territory, record: Recorder):
        self.env = env
        self.spec = scenario.home_care
        self.territory = territory
        self.record = record
        ids = list(territory.hads.index)
        self.capacity = [self.spec.had_capacity_by_had.get(h, self.spec.had_capacity) for h in ids]
        self.slots = [simpy.Resource(env, capacity=c) for c in self.capacity]
        self.last_active = np.full(len(ids), -np.inf)  # when each HAD last had a blinatumomab patient
        for had in self.spec.experienced_at_start:
            self.last_active[ids.index(had)] = 0.0
        self.convention_set_up: dict[tuple[int, ...], float] = {}  # last convention, by zone

    # --- routing at referral ---

    def choose_route(self, episode: Episode) -> None:
        """Decide at referral who gives the home phase, and when that care can start (docs/sources.md)."""
        p = episode.profile
        terr = self.territory
        covering = np.flatnonzero(terr.zones.covers[p.home] & terr.authorised)
        if len(covering):
            # The least loaded of the zone's HADs, the nearest one among equals.
            load = [self.slots[j].count / self.capacity[j] for j in covering]
            had = int(covering[np.lexsort((terr.to_had_sites.km[p.home][covering], load))[0]])
            route, delay = "had", p.startup_delay + self._training(had, p)
        else:
            route, had, delay = self._fallback(p)
        episode.route, episode.had, episode.ready_time = route, had, self.env.now + delay

    def _fallback(self, profile: Profile) -> tuple[str, int | None, float]:
        """No authorised HAD covers the patient's zone: the first fallback that can be had."""
        for fallback in self.spec.fallback:
            if fallback == "inpatient":
                break
            if fallback == "convention":
                return "convention", None, self.convention_delay(profile)
            had = self._derogation_had(profile.home)
            if had is not None:
                return (
                    "derogation",
                    had,
                    profile.startup_delay + profile.derogation_extra + self._training(had, profile),
                )
        return "inpatient", None, math.inf  # the last fallback (by validation)

    def convention_delay(self, profile: Profile) -> float:
        """A new convention takes weeks (003:6013-6015); one set up for the same zone lately is reused."""
        zone = tuple(np.flatnonzero(self.territory.zones.covers[profile.home]))
        now = self.env.now
        last = self.convention_set_up.get(zone, -math.inf)
        self.convention_set_up[zone] = now
        if now - last <= self.spec.convention_reuse_days:
            return profile.startup_delay
        return profile.convention_delay

    def _training(self, had: int, profile: Profile) -> float:
        """An HAD that never treated such a patient, or not for a year, trains its staff (003:6066-6081)."""
        now = self.env.now
        trained = now - self.last_active[had] <= self.spec.retraining_after_days
        self.last_active[had] = max(self.last_active[had], now)
        return 0.0 if trained else profile.training_delay

    def _derogation_had(self, home: int) -> int | None:
        """Nearest authorised HAD whose zone borders the patient's zone, within the distance limit."""
        terr = self.territory
        zone_hads = terr.zones.covers[home]
        neighbours = terr.zone_adjacency[zone_hads].any(axis=0) & terr.authorised
        km = terr.to_had_sites.km[home]
        candidates = np.flatnonzero(neighbours & (km <= self.spec.derogation_max_km))
        if len(candidates) == 0:
            return None
        return int(candidates[np.argmin(km[candidates])])

    # --- HAD slots ---

    def wait_for_slot(self, episode: Episode, until: float, holder: ExitStack):
        """In the bed, wait for a place at the episode's HAD until ``until``; True if one was granted.

        A granted slot is handed to ``holder``, to be given back when its block is left; a request
        not granted in time is withdrawn at once.
        """
        with ExitStack() as waiting:
            slot = waiting.enter_context(SlotRequest(self.slots[episode.had]))
            waited_from = self.env.now
            yield slot | self.env.timeout(until - self.env.now)
            episode.bed_days["waiting_home_care"] += self.env.now - waited_from
            # A slot may be granted in the very instant the wait times out: it is then ours to give back.
            if slot.triggered:
                holder.push(waiting.pop_all())
        return slot.triggered

    def home_phase_ended(self, episode: Episode, start: float) -> None:
        """Record the HAD's stay with the patient; the HAD counts as experienced from now on."""
        self.record.had_stays.append(HadStay(episode.had, start, self.env.now))
        self.last_active[episode.had] = self.env.now
