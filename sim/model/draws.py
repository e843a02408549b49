"""Every random draw of the simulation, and the seed streams they come from.

Replication r of a scenario with seed S draws from ``SeedSequence(S, spawn_key=(r, stream, ...))``:
other patients' bed stays, other patients' day-hospital requests, and the episodes of each
indication, so a change to one part of the model leaves the other draws as they were (common
random numbers across scenarios). The PSA's Latin hypercube draws from the PSA seed.

Episodes (``episode_profiles``): each indication is its own Poisson process with its own streams,
keyed by the indication's name, so adding an indication leaves the others' episodes as they were.
Its k-th episode lies in block k // EPISODE_BLOCK, at row k % EPISODE_BLOCK; each block draws every
attribute for all its rows in one numpy call per attribute, from a stream of its own
``(STREAM_EPISODES, indication key, block, attribute)``. Per-cycle draws are (cycle, row) arrays:
cycle c's rows are the same whatever the number of cycles drawn, and a different distribution for
one attribute leaves the other attributes' numbers as they were. So an episode's attributes depend
only on the seed, the replication, its indication's name and position, and the parameters of the
attribute itself; the number of workers does not enter.

A retired stream keeps its key unused, so that no stream takes another's numbers: stream 1 drew
the old per-day count of other patients' sessions, stream 2 the episodes one by one (before
indications), and (3, 1, episode) an episode's ARS draw (now in the episode's block).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import get_args

import numpy as np

from sim.model.records import AdverseEventDraw, Profile
from sim.scenario.bounds import MAX_CYCLES
from sim.scenario.distributions import Distribution
from sim.scenario.schema import DAYS_PER_YEAR, WEEKDAYS, AdverseEventKind, Arrivals, Scenario
from sim.territory.catchment import Territory

# Random-number streams: each a SeedSequence spawn key under (seed, replication); 1 and 2 are retired.
STREAM_BACKGROUND = 0
# Home care: (STREAM_HOME_CARE, HOME_CARE_CENSUS, HAD row) for each HAD's other patients; key
# (STREAM_HOME_CARE, 1, episode) is retired (the episode's ARS draw is in its block).
STREAM_HOME_CARE = 3
HOME_CARE_CENSUS = 0
STREAM_DAY_HOSPITAL_REQUESTS = 4  # other patients' requests for a day-hospital session
STREAM_EPISODES = 5  # (5, indication key, block, attribute): the episodes of each indication
EPISODE_BLOCK = 32  # episodes of an indication drawn together
EPISODE_ATTRIBUTES = (  # the position is the stream key; a new attribute goes at the end
    "arrival",
    "home",
    "cycles",
    "outcome",
    "death_day",
    "early_stop_day",
    "never_home",
    "dies_inpatient",
    "pre_phase",
    "pre_phase_days",
    "startup_delay",
    "training_delay",
    "derogation_extra",
    "convention_delay",
    "ars_acceptance",
    "adverse_occurs",  # per cycle and kind
    "adverse_severe",
    "adverse_transfer",  # how a severe event at home would be cared for, drawn whether or not it occurs
    "adverse_first_recourse",
    "adverse_onset",  # then per kind: (..., "adverse_onset", kind) and (..., "adverse_stay", kind)
    "adverse_stay",
)
ADVERSE_EVENT_KINDS: tuple[str, ...] = get_args(AdverseEventKind)


def indication_key(name: str) -> int:
    """The stream key of an indication: from its name, so that it does not move when others are added."""
    return zlib.crc32(name.encode())


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


def arrival_times(
    rate_per_year: float, growth: float, warmup_days: float, cumulative: np.ndarray
) -> np.ndarray:
    """Invert the cumulative intensity of episode arrivals (constant in warm-up, then growing)."""
    rate = rate_per_year / DAYS_PER_YEAR
    times = cumulative / rate
    if growth == 0:
        return times
    k = np.log1p(growth) / DAYS_PER_YEAR
    extra = cumulative - rate * warmup_days
    later = extra > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        inside = 1 + extra * k / rate  # <= 0: a declining rate offers only finitely many more arrivals
        grown = np.where(inside > 0, warmup_days + np.log(np.where(inside > 0, inside, 1.0)) / k, np.inf)
    return np.where(later, grown, times)


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
        times = arrival_times(
            arrivals.episodes_per_year, arrivals.annual_growth, warmup_days, np.array([cumulative_intensity])
        )
        return float(times[0])
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

    def episode_profiles(self) -> list[Profile]:
        """Every episode referred before the horizon, all indications merged in order of arrival.

        Numbered in that order (``Profile.index``); ties keep the order of the indications.
        """
        drawn: list[Profile] = []
        for name, rate in self.scenario.blinatumomab.indication_rates().items():
            if rate > 0:
                drawn.extend(self._indication_episodes(name, rate))
        drawn.sort(key=lambda p: p.arrival)
        for index, profile in enumerate(drawn):
            profile.index = index
        return drawn

    def _episode_stream(self, name: str, block: int, attribute: str, *more: int) -> np.random.Generator:
        key = (indication_key(name), block, EPISODE_ATTRIBUTES.index(attribute), *more)
        return stream(self.seed, self.replication, STREAM_EPISODES, *key)

    def _indication_episodes(self, name: str, rate: float) -> list[Profile]:
        """The episodes of one indication before the horizon, a block at a time (a Poisson process)."""
        blina, run = self.scenario.blinatumomab, self.scenario.run
        growth = blina.annual_growth(name)
        profiles: list[Profile] = []
        intensity, block = 0.0, 0
        while True:
            increments = self._episode_stream(name, block, "arrival").exponential(size=EPISODE_BLOCK)
            cumulative = intensity + np.cumsum(increments)
            arrivals = self._arrival_times(name, rate, growth, cumulative)
            referred = int(np.searchsorted(arrivals, run.horizon))  # arrivals only grow
            if referred:
                profiles.extend(self._block_profiles(name, block, arrivals[:referred]))
            if referred < EPISODE_BLOCK:
                return profiles
            intensity, block = float(cumulative[-1]), block + 1

    def _arrival_times(self, name: str, rate: float, growth: float, cumulative: np.ndarray) -> np.ndarray:
        """Arrival times of cumulative intensities; with dated demand events, an indication drawn as a
        share of ``arrivals.episodes_per_year`` follows that rate's changes (one with its own rate
        does not)."""
        blina, warmup = self.scenario.blinatumomab, self.scenario.run.warmup_days
        changes = self.demand_changes.episodes_per_year
        if not changes or blina.indications[name].share is None or blina.arrivals.episodes_per_year == 0:
            return arrival_times(rate, growth, warmup, cumulative)
        scale = rate / blina.arrivals.episodes_per_year  # the indication's share of every period's rate
        own = Arrivals.model_construct(episodes_per_year=rate, annual_growth=growth)
        scaled = DemandChanges(tuple((day, scale * per_year) for day, per_year in changes))
        return np.array([dated_arrival_time(own, warmup, float(c), scaled) for c in cumulative])

    def _block_profiles(self, name: str, block: int, arrivals: np.ndarray) -> list[Profile]:
        """The profiles of a block's first ``len(arrivals)`` episodes; each attribute drawn for all rows."""
        blina, home_care = self.scenario.blinatumomab, self.scenario.home_care
        indication, one = blina.indications[name], blina.cycle_one
        size = EPISODE_BLOCK

        def draw(attribute: str, dist: Distribution | None = None) -> np.ndarray:
            rng = self._episode_stream(name, block, attribute)
            return rng.random(size) if dist is None else np.asarray(sample(dist, rng, size), dtype=float)

        cap = MAX_CYCLES if indication.max_cycles is None else indication.max_cycles
        cycles = np.clip(np.rint(draw("cycles", indication.cycles)), 1, cap).astype(np.int64)
        cycles[len(arrivals) :] = 0  # past the horizon: never referred, no cycle
        weights = blina.cycle_one_weights(name)
        outcomes = list(weights)
        shares = np.array([weights[k] for k in outcomes]) / sum(weights.values())
        pick = self._episode_stream(name, block, "outcome").choice(len(outcomes), size=size, p=shares)
        columns = {
            "home": self.territory.draw_homes(self._episode_stream(name, block, "home"), size),
            "death_day": draw("death_day", one.death_day),
            "early_stop_day": draw("early_stop_day", one.early_stop_day),
            "never_home": draw("never_home") < one.early_stop_never_home_probability,
            "dies_inpatient": draw("dies_inpatient") < one.death_inpatient_probability,
            "pre_phase": draw("pre_phase") < indication.pre_phase_probability,
            "pre_phase_days": draw("pre_phase_days", blina.pre_phase.length_of_stay),
            "startup_delay": draw("startup_delay", home_care.startup_delay_days),
            "training_delay": draw("training_delay", home_care.training_delay_days),
            "derogation_extra": draw("derogation_extra", home_care.derogation_extra_days),
            "convention_delay": draw("convention_delay", home_care.convention_delay_days),
            "ars_acceptance_u": draw("ars_acceptance"),
        }
        adverse = self._block_adverse_events(name, block, cycles)
        listed = {key: values[: len(arrivals)].tolist() for key, values in columns.items()}  # Python scalars
        rows = [{key: values[i] for key, values in listed.items()} for i in range(len(arrivals))]
        return [
            Profile(
                index=-1,  # numbered once all indications are merged
                arrival=float(arrivals[i]),
                indication=name,
                n_cycles=int(cycles[i]),
                outcome=outcomes[pick[i]] if cycles[i] == 1 else "completed",
                adverse=adverse[i],
                **rows[i],
            )
            for i in range(len(arrivals))
        ]

    def _block_adverse_events(
        self, name: str, block: int, cycles: np.ndarray
    ) -> list[list[list[AdverseEventDraw]]]:
        """Per episode of the block, per cycle given, its severe adverse events by onset.

        Every array is (cycle, episode, ...), so cycle c draws the same numbers however many cycles
        the block needs. The care at home (transfer, first-recourse days) is drawn for every cycle
        and kind whether or not the event occurs, and onsets and stays of each kind from streams of
        their own: a change of probabilities or of one distribution leaves the other draws as they were.
        """
        blina = self.scenario.blinatumomab
        n_cycles, kinds = int(cycles.max()), len(ADVERSE_EVENT_KINDS)
        shape = (n_cycles, EPISODE_BLOCK, kinds)

        def uniforms(attribute: str) -> np.ndarray:
            return self._episode_stream(name, block, attribute).random(shape)

        occurs, severe, transfer = (
            uniforms("adverse_occurs"),
            uniforms("adverse_severe"),
            uniforms("adverse_transfer"),
        )
        recourse_rng = self._episode_stream(name, block, "adverse_first_recourse")
        first_recourse = np.reshape(
            sample(self.scenario.emergencies.first_recourse_days, recourse_rng, occurs.size), shape
        )
        probability = np.empty((n_cycles, 1, kinds))
        onset, stay, severe_share = np.empty(shape), np.empty(shape), np.empty(kinds)
        for k, kind in enumerate(ADVERSE_EVENT_KINDS):
            spec = getattr(blina.adverse_events, kind)
            probability[0, 0, k], probability[1:, 0, k] = blina.adverse_event_probabilities(name, kind)
            severe_share[k] = spec.severe_share
            later = spec.onset_day if spec.onset_day_later is None else spec.onset_day_later
            onset_rng = self._episode_stream(name, block, "adverse_onset", k)
            onset[0, :, k] = sample(spec.onset_day, onset_rng, EPISODE_BLOCK)
            onset[1:, :, k] = np.reshape(
                sample(later, onset_rng, (n_cycles - 1) * EPISODE_BLOCK), (-1, EPISODE_BLOCK)
            )
            stay_rng = self._episode_stream(name, block, "adverse_stay", k)
            stay[:, :, k] = np.reshape(
                sample(spec.stay_days, stay_rng, n_cycles * EPISODE_BLOCK), (-1, EPISODE_BLOCK)
            )
        given = np.arange(n_cycles)[:, None] < cycles[None, :]
        happens = (occurs < probability) & (severe < severe_share) & given[:, :, None]
        events: list[list[list[AdverseEventDraw]]] = [[[] for _ in range(c)] for c in cycles]
        for c, e, k in zip(*np.nonzero(happens)):
            at = (c, e, k)
            draw = AdverseEventDraw(
                ADVERSE_EVENT_KINDS[k],
                float(onset[at]),
                float(stay[at]),
                float(transfer[at]),
                float(first_recourse[at]),
            )
            events[e][c].append(draw)
        for per_cycle in events:
            for drawn in per_cycle:
                drawn.sort(key=lambda a: a.onset)
        return events

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
