"""Every random draw of the simulation, and the seed streams they come from.

Replication r of a scenario with seed S draws from ``SeedSequence(S, spawn_key=(r, stream, ...))``:
other patients' bed stays, other patients' day-hospital requests, and per episode one stream per
attribute, so a change to one part of the model leaves the other draws as they were (common
random numbers across scenarios). The PSA's Latin hypercube draws from the PSA seed.

A retired stream keeps its key unused, so that no stream takes another's numbers: stream 1 drew
the old per-day count of other patients' sessions, and the episode attribute "pattern" drew the
bag-change weekdays (now chosen by a rule, ``sim.model.bags``); neither is drawn any more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import get_args

import numpy as np

from sim.model.records import AdverseEventDraw, Profile
from sim.scenario.distributions import Distribution
from sim.scenario.schema import DAYS_PER_YEAR, GROUPS, WEEKDAYS, AdverseEventKind, Arrivals, Scenario
from sim.territory.catchment import Territory

# Random-number streams: each a SeedSequence spawn key under (seed, replication); 1 is retired.
STREAM_BACKGROUND, STREAM_PATIENT = 0, 2
# Home care: (STREAM_HOME_CARE, HOME_CARE_CENSUS, HAD row) for each HAD's other patients, and
# (STREAM_HOME_CARE, HOME_CARE_EPISODE, episode) for an episode's home-care draws.
STREAM_HOME_CARE = 3
HOME_CARE_CENSUS, HOME_CARE_EPISODE = 0, 1
STREAM_DAY_HOSPITAL_REQUESTS = 4  # other patients' requests for a day-hospital session
PATIENT_ATTRIBUTES = (  # the position is the stream key: an attribute no longer drawn keeps its place
    "arrival",
    "group",
    "home",
    "cycles",
    "outcome",
    "adverse",
    "delays",
    "pattern",  # retired: not drawn
    "pre_phase",
    "emergency",  # where a severe event at home is cared for (its own stream: the others stay aligned)
)
CYCLES_DRAWN = 12  # cycles with draws of their own; any later cycle reuses the last one's
ADVERSE_EVENT_KINDS: tuple[str, ...] = get_args(AdverseEventKind)


def stream(seed: int, replication: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, *key)))


def sample(dist: Distribution, rng: np.random.Generator, size: int | None = None):
    """Values of ``dist`` drawn from ``rng``: one value, or an array of ``size`` values."""
    # Dispatch on the ``dist`` tag, not on the class: isinstance on pydantic models is slow, and
    # each episode's profile takes dozens of draws.
    match dist.dist:
        case "fixed":
            return dist.value if size is None else np.full(size, dist.value)
        case "exponential":
            return rng.exponential(dist.mean, size)
        case "lognormal":
            mu, sigma = dist.log_mean_and_sd
            return rng.lognormal(mu, sigma, size)
        case "gamma":
            shape, scale = dist.shape_and_scale
            return rng.gamma(shape, scale, size)
        case "triangular":
            return rng.triangular(dist.low, dist.mode, dist.high, size)
        case "uniform":
            return rng.uniform(dist.low, dist.high, size)
        case "empirical":
            return rng.choice(np.asarray(dist.values, dtype=float), size=size, p=dist.probabilities)
    raise TypeError(f"no sampler for {type(dist).__name__}")


def latin_hypercube(dimensions: int, samples: int, seed: int) -> np.ndarray:
    """``samples`` points of a Latin hypercube in [0, 1)^dimensions (the PSA's parameter draws)."""
    from scipy.stats import qmc  # here, not at import: scipy.stats takes half a second to load

    sampler = qmc.LatinHypercube(d=dimensions, seed=np.random.default_rng([seed, 1]))
    return sampler.random(samples)


def psa_iteration_seeds(seed: int, iterations: int) -> list[int]:
    """One inner-replication seed per PSA iteration, shared by both scenarios (common random numbers)."""
    return [int(s) for s in np.random.SeedSequence([seed, 2]).generate_state(iterations, dtype=np.uint32)]


def arrival_time(arrivals: Arrivals, warmup_days: float, cumulative_intensity: float) -> float:
    """Invert the cumulative intensity of episode arrivals (constant in warm-up, then growing)."""
    rate = arrivals.episodes_per_year / DAYS_PER_YEAR
    if cumulative_intensity <= rate * warmup_days or arrivals.annual_growth == 0:
        return cumulative_intensity / rate
    growth = math.log1p(arrivals.annual_growth) / DAYS_PER_YEAR
    extra = cumulative_intensity - rate * warmup_days
    if 1 + extra * growth / rate <= 0:
        return math.inf  # a declining rate offers only finitely many more arrivals
    return warmup_days + math.log1p(extra * growth / rate) / growth


@dataclass(slots=True, frozen=True)
class DemandChanges:
    """Arrival rates set anew from a day of the run (dated events), in order of day."""

    episodes_per_year: tuple[tuple[float, float], ...] = ()  # (day, blinatumomab episodes a year)
    background_per_day: tuple[tuple[float, float], ...] = ()  # (day, other admissions a day)


def dated_arrival_time(
    arrivals: Arrivals, warmup_days: float, cumulative_intensity: float, changes: DemandChanges
) -> float:
    """``arrival_time`` when events set episodes_per_year from some days: the cumulative intensity of a
    rate piecewise constant by period (growth after the warm-up still applies), inverted period by period.
    """
    if not changes.episodes_per_year:
        return arrival_time(arrivals, warmup_days, cumulative_intensity)
    bounds = [(0.0, arrivals.episodes_per_year), *changes.episodes_per_year]
    growth = math.log1p(arrivals.annual_growth) / DAYS_PER_YEAR
    left = cumulative_intensity
    for (start, per_year), (end, _) in zip(bounds, [*bounds[1:], (math.inf, 0.0)]):
        rate = per_year / DAYS_PER_YEAR
        pieces = [(start, min(end, warmup_days), 0.0), (max(start, warmup_days), end, growth)]
        for a, b, g in pieces:
            if a >= b or rate == 0:
                continue
            if g == 0:  # constant rate on [a, b)
                if left <= rate * (b - a):
                    return a + left / rate
                left -= rate * (b - a)
                continue
            at_a = math.exp(g * (a - warmup_days))
            within = math.inf if b == math.inf else rate / g * (math.exp(g * (b - warmup_days)) - at_a)
            if left <= within:
                inside = at_a + left * g / rate
                if inside <= 0:
                    return math.inf  # a declining rate offers only finitely many more arrivals
                # log1p from the warm-up's end, as arrival_time: the same times before a change
                log = math.log1p(left * g / rate) if a == warmup_days else math.log(inside)
                return warmup_days + log / g
            left -= within
    return math.inf


@dataclass(slots=True, frozen=True)
class BackgroundAdmissions:
    """Other acute-leukemia inpatients over the run: when they ask for a bed, for how long, how urgently."""

    times: np.ndarray
    stays: np.ndarray
    emergency: np.ndarray


@dataclass(slots=True, frozen=True)
class DayHospitalRequests:
    """Other patients' day-hospital requests over the run, in the order they are made."""

    requested: np.ndarray  # the day each is made
    due: np.ndarray  # the day each is due


class Draws:
    """The random draws of one replication of a scenario."""

    def __init__(
        self,
        scenario: Scenario,
        territory: Territory,
        replication: int,
        demand_changes: DemandChanges | None = None,
    ) -> None:
        self.scenario = scenario
        self.demand_changes = demand_changes or DemandChanges()
        self.territory = territory
        self.seed = scenario.run.seed
        self.replication = replication

    def profile(self, index: int, previous_intensity: float) -> tuple[Profile, float]:
        """Episode ``index``, referred after the previous one (at cumulative arrival intensity given)."""
        rng = {
            name: stream(self.seed, self.replication, STREAM_PATIENT, index, i)
            for i, name in enumerate(PATIENT_ATTRIBUTES)
        }
        blina = self.scenario.blinatumomab
        intensity = previous_intensity + rng["arrival"].exponential()
        mix = blina.arrivals.group_mix
        weights = np.array([mix.get(g, 0.0) for g in GROUPS])
        group = GROUPS[int(rng["group"].choice(len(GROUPS), p=weights / weights.sum()))]
        home = int(self.territory.draw_homes(rng["home"], 1)[0])
        n_cycles = max(1, round(float(sample(blina.cycles.per_group[group], rng["cycles"]))))
        if blina.cycles.max_cycles is not None:
            n_cycles = min(n_cycles, blina.cycles.max_cycles)
        one = blina.cycle_one
        outcome_names = list(one.weights)
        outcome_w = np.array([one.weights[k] for k in outcome_names])
        outcome_pick = outcome_names[
            int(rng["outcome"].choice(len(outcome_names), p=outcome_w / outcome_w.sum()))
        ]
        death_day = float(sample(one.death_day, rng["outcome"]))
        early_stop_day = float(sample(one.early_stop_day, rng["outcome"]))
        never_home = bool(rng["outcome"].random() < one.early_stop_never_home_probability)
        dies_inpatient = bool(rng["outcome"].random() < one.death_inpatient_probability)
        adverse = self._adverse_events(rng["adverse"], rng["emergency"], min(n_cycles, CYCLES_DRAWN))
        home_care = self.scenario.home_care
        pre = rng["pre_phase"]
        pre_phase = bool(pre.random() < blina.pre_phase.probability.get(group, 0.0))
        pre_phase_days = float(sample(blina.pre_phase.length_of_stay, pre))
        delays = rng["delays"]
        profile = Profile(
            index=index,
            arrival=dated_arrival_time(
                blina.arrivals, self.scenario.run.warmup_days, intensity, self.demand_changes
            ),
            group=group,
            home=home,
            n_cycles=n_cycles,
            outcome=outcome_pick if n_cycles == 1 else "completed",
            death_day=death_day,
            early_stop_day=early_stop_day,
            never_home=never_home,
            dies_inpatient=dies_inpatient,
            pre_phase=pre_phase,
            pre_phase_days=pre_phase_days,
            adverse=adverse,
            startup_delay=float(sample(home_care.startup_delay_days, delays)),
            training_delay=float(sample(home_care.training_delay_days, delays)),
            derogation_extra=float(sample(home_care.derogation_extra_days, delays)),
            convention_delay=float(sample(home_care.convention_delay_days, delays)),
            ars_acceptance_u=float(
                stream(self.seed, self.replication, STREAM_HOME_CARE, HOME_CARE_EPISODE, index).random()
            ),
        )
        return profile, intensity

    def _adverse_events(
        self, rng: np.random.Generator, emergency: np.random.Generator, n_cycles: int
    ) -> list[list[AdverseEventDraw]]:
        """The severe adverse events of each cycle, by onset, with how each would be cared for at home.

        Drawn cycle after cycle from the episode's own stream: a cycle's events do not depend on how
        many cycles follow, and cycles never given are not drawn. The care at home comes from the
        ``emergency`` stream, drawn for every cycle and kind whether or not the event occurs: a change
        of the events' probabilities or of the emergencies section leaves the other draws as they were.
        """
        events = self.scenario.blinatumomab.adverse_events
        shape = (n_cycles, len(ADVERSE_EVENT_KINDS))
        transfer_u = emergency.random(shape)
        first_recourse_days = np.reshape(
            sample(self.scenario.emergencies.first_recourse_days, emergency, transfer_u.size), shape
        )
        per_cycle: list[list[AdverseEventDraw]] = []
        for cycle in range(1, n_cycles + 1):
            drawn = []
            for k, kind in enumerate(ADVERSE_EVENT_KINDS):
                spec = getattr(events, kind)
                occurs, severe = rng.random(2)
                onset_dist = (
                    spec.onset_day if cycle == 1 or spec.onset_day_later is None else spec.onset_day_later
                )
                onset = float(sample(onset_dist, rng))
                stay = float(sample(spec.stay_days, rng))
                probability = spec.probability_cycle1 if cycle == 1 else spec.probability_later
                if occurs < probability and severe < spec.severe_share:
                    care = float(transfer_u[cycle - 1, k]), float(first_recourse_days[cycle - 1, k])
                    drawn.append(AdverseEventDraw(kind, onset, stay, *care))
            per_cycle.append(sorted(drawn, key=lambda a: a.onset))
        return per_cycle

    def background_admissions(self) -> BackgroundAdmissions:
        """Seasonal Poisson arrivals up to the horizon, by thinning a Poisson process at the peak rate."""
        spec = self.scenario.beds.background
        horizon = self.scenario.run.horizon
        rng = stream(self.seed, self.replication, STREAM_BACKGROUND)
        changes = self.demand_changes.background_per_day
        peak_per_day = max([spec.arrivals_per_day, *(per_day for _, per_day in changes)])
        peak_rate = peak_per_day * (1 + spec.seasonal_amplitude)
        n = rng.poisson(peak_rate * horizon)
        times = np.sort(rng.uniform(0, horizon, n))
        day_of_year = (self.scenario.run.start_date.timetuple().tm_yday + times) % DAYS_PER_YEAR
        per_day = spec.arrivals_per_day
        if changes:  # the rate of the period each time falls in (dated events)
            levels = np.array([spec.arrivals_per_day, *(rate for _, rate in changes)])
            per_day = levels[np.searchsorted([day for day, _ in changes], times, side="right")]
        rate = per_day * (
            1
            + spec.seasonal_amplitude
            * np.cos(2 * np.pi * (day_of_year - spec.seasonal_peak_day_of_year) / DAYS_PER_YEAR)
        )
        keep = rng.random(n) * peak_rate < rate
        times = times[keep]
        stays = sample(spec.length_of_stay, rng, len(times))
        emergency = rng.random(len(times)) < spec.emergency_share
        return BackgroundAdmissions(times, stays, emergency)

    def had_census(self, means: np.ndarray, stay_days: float, n_days: int) -> np.ndarray:
        """Other patients in each HAD's care on each day (HADs, days): those there at some time of the day.

        An M/M/inf census, stationary from day 0: Poisson arrivals at mean / stay a day, exponential
        stays; the patients in care on day 0 (Poisson, mean ``means``) stay an exponential time more.
        """
        census = np.zeros((len(means), n_days), dtype=np.int64)
        for had, mean in enumerate(means):
            if mean <= 0:
                continue
            rng = stream(self.seed, self.replication, STREAM_HOME_CARE, HOME_CARE_CENSUS, had)
            present = rng.poisson(mean)
            arriving = rng.poisson(mean / stay_days * n_days)
            starts = np.concatenate([np.zeros(present), rng.uniform(0, n_days, arriving)])
            ends = starts + rng.exponential(stay_days, present + arriving)
            first = starts.astype(np.int64)
            after_last = np.minimum(np.ceil(ends).astype(np.int64), n_days)
            steps = np.bincount(first, minlength=n_days + 1) - np.bincount(after_last, minlength=n_days + 1)
            census[had] = np.cumsum(steps)[:n_days]
        return census

    def day_hospital_requests(
        self, weekday: np.ndarray, closed: np.ndarray | None = None
    ) -> DayHospitalRequests:
        """Other patients' requests for a day-hospital session, due on the days whose ``weekday`` is given.

        A Poisson number falls due on each background weekday to the horizon; each was asked for a
        whole number of days ahead (the lead time), but not before day 0. ``closed``: True on the public
        holidays, when none falls due.
        """
        spec = self.scenario.day_hospital.background
        rng = stream(self.seed, self.replication, STREAM_DAY_HOSPITAL_REQUESTS)
        due_weekday = np.isin(weekday, [WEEKDAYS.index(d) for d in spec.weekdays])
        # None falls due on a public holiday: the day hospital is closed and its patients' sessions
        # are planned around it (requests_per_day is per open day); the same draws, streams aligned.
        open_day = due_weekday if closed is None else due_weekday & ~closed
        counts = rng.poisson(spec.requests_per_day, len(weekday)) * open_day
        due = np.repeat(np.arange(len(weekday)), counts)
        lead = np.rint(np.clip(sample(spec.lead_days, rng, len(due)), 0, None)).astype(int)
        requested = np.clip(due - lead, 0, None)
        order = np.argsort(requested, kind="stable")  # by request day, then by due day
        return DayHospitalRequests(requested[order], due[order])
