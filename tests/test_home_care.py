"""Home care as simulated capacity: routing to HADs, re-choices, fallbacks, pumps and nurse visits.

Verification of sim/model/home_care.py and sim/model/had_capacity.py against their own rules:
no HAD ever holds more patients than its pumps or visits more than its nurses can; nobody is sent
to a convention or a derogation while an HAD of the zone has room; derogations go to bordering
zones within reach; conventions are reused within a canton and a period only; small cases, built
by hand, go where the rules say.
"""

from __future__ import annotations

import math
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pytest
from scenario_variants import baseline_variant as make_scenario

from sim.measures.frames import episodes_frame, had_daily_load, max_concurrent
from sim.measures.kpis import compute
from sim.model.engine import Model, simulate
from sim.model.had_capacity import census_means, visits_per_day
from sim.model.records import Episode, HadStay, Recorder
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario, with_values
from sim.territory.binding import scenario_territory

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"


# High demand, one pump an HAD and nurses staffed tightly: both limits bind somewhere.
TIGHT = {
    "blinatumomab.arrivals.episodes_per_year": 24.6,
    "home_care.pumps": 1,
    "home_care.census.staffing_sd": 0.5,
    "run.years": 6,
}


@pytest.fixture(scope="module")
def tight(territory):
    scenario = make_scenario(**TIGHT)
    terr = scenario_territory(scenario, territory)
    return scenario, terr, [simulate(scenario, terr, r) for r in range(3)]


def _in_use(stays: list[HadStay], had: int, t: float, same_instant: bool) -> int:
    """Pumps of ``had`` held at time t; ``same_instant``: also by bookings granted or given back at t."""
    if same_instant:
        return sum(1 for s in stays if s.had == had and s.start <= t <= s.end)
    return sum(1 for s in stays if s.had == had and s.start < t < s.end)


def _visits_on_day(stays: list[HadStay], had: int, day: int, until: float, same_instant: bool) -> int:
    """Blinatumomab visits of ``had`` on ``day`` held by bookings granted before ``until`` (or at it)."""
    granted = [s for s in stays if s.had == had and (s.start <= until if same_instant else s.start < until)]
    return sum(1 for s in granted if s.start < day + 1 and s.end > day)


def _has_room(record: Recorder, had: int, t: float, same_instant: bool) -> bool:
    """Room at ``had`` at time t. Events at one instant happen in an order the records do not keep:
    ``same_instant=True`` counts every booking granted or given back at t as held (room for sure
    if True), False counts none of them (full for sure if False)."""
    census = record.had_census
    day = math.floor(t)
    visits = int(census.demand[had, day]) + _visits_on_day(record.had_stays, had, day, t, same_instant)
    pumps = _in_use(record.had_stays, had, t, same_instant)
    return pumps < census.pumps[had] and visits < census.visits_per_day[had]


# --- capacity --------------------------------------------------------------------------------------


def test_pumps_are_never_exceeded(tight):
    _, terr, records = tight
    reached = set()
    for record in records:
        pumps = record.had_census.pumps
        for j in range(len(terr.hads)):
            stays = [s for s in record.had_stays if s.had == j]
            assert all(s.start < s.end for s in stays)
            assert terr.authorised[j] or not stays
            peak = max_concurrent(np.array([s.start for s in stays]), np.array([s.end for s in stays]))
            assert peak <= pumps[j], f"{terr.hads.index[j]}: {peak} pumps in use of {pumps[j]}"
            if peak == pumps[j] > 0:
                reached.add(terr.hads.index[j])
    assert len(reached) >= 3, "pumps should run out somewhere, or the test checks nothing"


def test_nurse_visits_are_never_exceeded(tight):
    """On a day a patient is taken, the HAD's visits (his, earlier patients', others') fit its nurses."""
    _, terr, records = tight
    last_visit_used = 0
    for record in records:
        load = had_daily_load(record).set_index(["had", "day"])
        for stay in record.had_stays:
            day = load.loc[(stay.had, math.floor(stay.start))]
            visits = day["others"] + day["blinatumomab"]
            assert visits <= day["visits_per_day"], f"{terr.hads.index[stay.had]} on day {stay.start:.0f}"
            last_visit_used += visits == day["visits_per_day"]
        # On other days the patients taken keep their visits: the other patients' they displace are
        # deferred, never more than the blinatumomab patients hold.
        assert (load["blinatumomab"] <= load["visits_per_day"]).all()
        assert ((load["deferred"] >= 0) & (load["deferred"] <= load["blinatumomab"])).all()
        displaced = load["others"] + load["blinatumomab"] > load["visits_per_day"]
        assert (load.loc[displaced & (load["others"] < load["visits_per_day"]), "deferred"] > 0).all()
    assert last_visit_used > 0, "a patient should sometimes take an HAD's last visit of the day"


def test_waits_in_the_bed_add_up_to_the_bed_days_waiting_for_home_care(tight):
    _, _, records = tight
    for record in records:
        waited = Counter()
        for wait in record.home_care_waits:
            assert wait.setup_days >= 0 and wait.room_days >= 0
            waited[wait.episode] += wait.setup_days + wait.room_days
        for wait in record.discharge_day_waits:  # then, ready, until a day home care may begin
            assert wait.days > 0
            waited[wait.episode] += wait.days
        for e in record.episodes:
            assert e.bed_days["waiting_home_care"] == pytest.approx(waited[e.profile.index], abs=1e-9)
    assert sum(w.room_days for r in records for w in r.home_care_waits) > 10  # full HADs made patients wait


# --- routing invariants -----------------------------------------------------------------------------


def test_nobody_leaves_an_hads_zone_while_it_has_room(tight):
    """A fallback is asked only when every HAD of the zone is full; a patient goes home by a fallback
    only when no HAD of the zone set up for him has room."""
    scenario, terr, records = tight
    spec = scenario.home_care
    fallbacks_for_full = went_by_fallback = 0
    for record in records:
        homes = {e.profile.index: e.profile.home for e in record.episodes}
        asked: dict[int, list] = {}
        for request in sorted(record.home_care_requests, key=lambda q: q.time):
            zone = np.flatnonzero(terr.zones.covers[homes[request.episode]] & terr.authorised)
            if request.reason == "referral":
                # Asked at the cycle-1 decision: the zone's HAD whenever the zone has one.
                assert (request.route == "had") == (len(zone) > 0)
            elif request.reason == "zone_partner":
                assert request.route == "had" and request.had in zone
                assert _has_room(record, request.had, request.time, same_instant=False)
            else:  # "full": every HAD of the zone was full, none being set up for the patient
                fallbacks_for_full += 1
                assert request.route in ("derogation", "convention")
                assert not any(_has_room(record, j, request.time, same_instant=True) for j in zone)
                assert all(q.ready <= request.time for q in asked[request.episode] if q.route == "had")
            asked.setdefault(request.episode, []).append(request)
        waits = {(w.episode, w.cycle): w for w in record.home_care_waits}
        for request in record.home_care_requests:
            if request.reason == "full":  # after waiting that long for room, once set up
                wait = waits[request.episode, request.cycle]
                assert request.time >= wait.start + wait.setup_days + spec.fallback_after_days - 1e-9
        for wait in record.home_care_waits:
            if wait.route in ("derogation", "convention"):
                went_by_fallback += 1
                home_at = wait.start + wait.setup_days + wait.room_days
                ready_zone = {
                    q.had for q in asked[wait.episode] if q.route == "had" and q.ready <= home_at + 1e-9
                }
                assert not any(_has_room(record, j, home_at, same_instant=True) for j in ready_zone)
    assert fallbacks_for_full > 0 and went_by_fallback > 0


def test_derogation_goes_to_a_bordering_zone_within_reach(tight):
    scenario, terr, records = tight
    spec = scenario.home_care
    seen = 0
    for record in records:
        profiles = {e.profile.index: e.profile for e in record.episodes}
        for request in record.home_care_requests:
            if request.route != "derogation":
                continue
            p = profiles[request.episode]
            seen += 1
            assert terr.authorised[request.had]
            assert terr.bordering_hads(p.home)[request.had]
            assert terr.to_had_nearest_site.km[p.home, request.had] <= spec.derogation_max_km
            assert p.ars_acceptance_u < spec.derogation_acceptance_probability
    assert seen > 5


@pytest.mark.parametrize(
    "refusal", [{"home_care.derogation_max_km": 0.0}, {"home_care.derogation_acceptance_probability": 0.0}]
)
def test_no_derogation_out_of_reach_or_refused(territory, refusal):
    scenario = with_values(load_scenario(BASELINE), {"run.years": 3, **refusal})
    record = simulate(scenario, scenario_territory(scenario, territory), 0)
    assert not any(r.route == "derogation" for r in record.home_care_requests)
    assert any(r.route == "convention" for r in record.home_care_requests)


def test_conventions_are_reused_within_a_canton_and_period_only(territory):
    scenario = make_scenario(**{"blinatumomab.arrivals.episodes_per_year": 25, "run.years": 4})
    terr = scenario_territory(scenario, territory)
    reuse = scenario.home_care.convention_reuse_days
    canton = terr.communes["canton"].to_numpy()
    reused = 0
    for r in range(2):
        record = simulate(scenario, terr, r)
        homes = {e.profile.index: e.profile.home for e in record.episodes}
        last_use: dict[str, float] = {}
        for request in sorted(record.home_care_requests, key=lambda q: q.time):
            if request.route != "convention":
                continue
            here = canton[homes[request.episode]]
            recent = request.time - last_use.get(here, -math.inf) <= reuse
            assert request.reused == recent, (request, last_use.get(here))
            last_use[here] = request.time
            reused += request.reused
    assert reused > 0


# --- small cases, by hand ---------------------------------------------------------------------------


@pytest.fixture
def toulouse_model(territory):
    """Toulouse (SRD and Pasteur), one pump each, nurses never short; a convention as the fallback."""
    scenario = make_scenario(
        **{
            "home_care.pumps": 1,
            "home_care.visits_per_day_by_had": {"srd": 1000, "pasteur": 1000},
            "home_care.fallback_after_days": 7.0,
        }
    )
    terr = scenario_territory(scenario, territory)
    return Model(scenario, terr, 0), terr


def _episode(model: Model, index: int, insee: str) -> Episode:
    profile = model.draws.episode_profiles()[index]
    profile.home = model.home_care.territory.position(insee)
    return Episode(profile)


def _hold(model: Model, had: int, until: float):
    """Another patient holding a pump of ``had`` until ``until``."""
    with model.home_care.capacity.book(had, 10_000 + had):
        yield model.env.timeout(until - model.env.now)


def _wait(model: Model, episode: Episode, end: float, result: dict):
    with ExitStack() as holder:
        result["home"] = yield from model.home_care.wait_for_home_care(episode, 1, end, holder)
        result["at"] = model.env.now


def test_a_full_had_with_a_zone_partner_with_room_re_routes(toulouse_model):
    model, terr = toulouse_model
    pasteur, srd = terr.hads.index.get_loc("pasteur"), terr.hads.index.get_loc("srd")
    episode = _episode(model, 0, "31555")
    model.home_care.request_home_care(episode)
    assert episode.route == "had" and episode.had in (pasteur, srd)  # either HAD of the shared territory
    first = episode.had
    other = srd if first == pasteur else pasteur
    model.env.process(_hold(model, first, 200.0))  # the chosen HAD is full from now on
    result: dict = {}
    model.env.process(_wait(model, episode, 100.0, result))
    model.env.run(until=150)
    reasons = [(r.reason, r.had) for r in model.record.home_care_requests]
    assert reasons == [("referral", first), ("zone_partner", other)]
    assert result["home"] and episode.had == other and episode.route == "had"
    partner_ready = model.record.home_care_requests[1].ready
    assert result["at"] == pytest.approx(max(partner_ready, episode.ready_time))
    (wait,) = model.record.home_care_waits
    assert wait.had == other and wait.room_days > 0


def test_when_every_had_of_the_zone_is_full_the_fallback_is_asked_after_a_while(toulouse_model):
    model, terr = toulouse_model
    for had in ("pasteur", "srd"):
        model.env.process(_hold(model, terr.hads.index.get_loc(had), 300.0))
    model.env.run(until=1)
    episode = _episode(model, 0, "31555")
    model.home_care.request_home_care(episode)
    result: dict = {}
    model.env.process(_wait(model, episode, 100.0, result))
    model.env.run(until=150)
    requests = model.record.home_care_requests
    assert [r.reason for r in requests] == ["referral", "full"]
    fallback = requests[1]
    # Toulouse borders no authorised zone within reach that has room: a convention, asked after a week.
    assert fallback.route in ("derogation", "convention")
    assert fallback.time == pytest.approx(episode.ready_time + 7.0)
    assert result["home"] and result["at"] == pytest.approx(fallback.ready)
    assert episode.route == fallback.route
    (wait,) = model.record.home_care_waits
    assert wait.room_days == pytest.approx(result["at"] - episode.ready_time)


def test_a_ready_had_with_room_takes_the_patient_at_once(toulouse_model):
    model, _ = toulouse_model
    episode = _episode(model, 0, "31555")
    model.home_care.request_home_care(episode)
    model.env.run(until=episode.ready_time + 1)
    result: dict = {}
    model.env.process(_wait(model, episode, 100.0, result))
    model.env.run(until=150)
    assert result == {"home": True, "at": pytest.approx(episode.ready_time + 1)}
    (wait,) = model.record.home_care_waits
    assert wait.setup_days == wait.room_days == 0


def test_the_first_choice_is_the_had_with_room_then_the_nearest_site(territory):
    scenario = make_scenario(**{"home_care.pumps": 1})
    terr = scenario_territory(scenario, territory)
    model = Model(scenario, terr, 0)
    pasteur, srd = terr.hads.index.get_loc("pasteur"), terr.hads.index.get_loc("srd")
    # Quint-Fonsegrives holds one of Pasteur's sites (an annex): Pasteur is nearer.
    episode = _episode(model, 0, "31445")
    model.home_care.request_home_care(episode)
    assert episode.had == pasteur
    model.env.process(_hold(model, pasteur, 50.0))
    model.env.run(until=1)
    again = _episode(model, 1, "31445")
    model.home_care.request_home_care(again)
    assert again.had == srd  # Pasteur has no pump free


# --- the territory: annex sites, takeovers -----------------------------------------------------------


def test_annex_sites_shorten_distances_to_an_had(territory):
    sites = territory.sites
    assert set(sites.loc[sites["site_insee"] == "31107", "had"]) == {"pasteur"}  # Carbonne
    assert (sites["had"] == "bigorres").sum() == 1  # no annex could be justified
    assert (territory.to_had_nearest_site.km <= territory.to_had_sites.km + 1e-9).all()
    carbonne = territory.position("31107")
    assert territory.to_had_nearest_site.km[carbonne, territory.hads.index.get_loc("pasteur")] < 1.0
    assert territory.to_had_sites.km[carbonne, territory.hads.index.get_loc("pasteur")] > 30


def test_a_takeover_merges_the_zone_into_the_absorbing_had(territory):
    scenario = load_scenario(SCENARIOS / "gers_pasteur.yaml")
    terr = scenario_territory(scenario, territory)
    pasteur, gers = terr.hads.index.get_loc("pasteur"), terr.hads.index.get_loc("croix_rouge_gers")
    auch = terr.position("32013")
    assert terr.access(auch).authorised_hads == ("pasteur",)
    assert not terr.zones.covers[:, gers].any() and not terr.authorised[gers]
    assert terr.to_had_nearest_site.km[auch, pasteur] < 1.0  # Auch is now one of Pasteur's sites
    assert terr.zone_adjacency[pasteur].any() and not terr.zone_adjacency[gers].any()
    base = scenario_territory(load_scenario(BASELINE), territory)
    assert terr.zone_population[pasteur] == pytest.approx(base.zone_population[[pasteur, gers]].sum())
    model = Model(scenario, terr, 0)
    census = model.record.had_census
    assert census.pumps[pasteur] == 2 * scenario.home_care.pumps and census.pumps[gers] == 0
    assert census.demand[gers].sum() == 0
    # Pasteur's experience serves the Gers: trained by a Toulouse patient, no training for Auch.
    toulouse, gersois = _episode(model, 0, "31555"), _episode(model, 1, "32013")
    model.home_care.request_home_care(toulouse)
    model.home_care.request_home_care(gersois)
    assert gersois.had == pasteur
    assert gersois.ready_time == pytest.approx(gersois.profile.startup_delay)


def test_an_had_taken_over_is_not_counted_full_every_day(territory):
    """With no visit of its own to give, it was 'full' 365 days a year in the report's HAD table."""
    scenario = with_values(load_scenario(SCENARIOS / "gers_pasteur.yaml"), {"run.years": 1})
    terr = scenario_territory(scenario, territory)
    kpi = compute(simulate(scenario, terr, 0), scenario, terr)
    assert math.isnan(kpi["had_full_days_per_year_croix_rouge_gers"])
    assert math.isnan(kpi["had_peak_pump_share_croix_rouge_gers"])
    assert kpi["had_patient_days_per_year_croix_rouge_gers"] == 0.0
    operating = [h for h in terr.hads.index if h != "croix_rouge_gers"]
    assert all(0.0 <= kpi[f"had_full_days_per_year_{h}"] <= 366 for h in operating)


def test_takeovers_are_checked(territory):
    with pytest.raises(ScenarioError, match="merge"):
        scenario_territory(make_scenario(**{"territory.merge": {"croix_rouge_gers": "nowhere"}}), territory)
    with pytest.raises(Exception, match="not itself taken over"):
        make_scenario(**{"territory.merge": {"croix_rouge_gers": "pasteur", "pasteur": "srd"}})
    with pytest.raises(KeyError, match="unknown HAD"):
        territory.with_merges({"nope": "pasteur"})


# --- the census and its parameters ----------------------------------------------------------------


def test_the_census_of_other_patients_matches_its_mean(territory):
    scenario = load_scenario(BASELINE)
    terr = scenario_territory(scenario, territory)
    spec = scenario.home_care
    means = census_means(spec, terr)
    assert means.sum() == pytest.approx(spec.census.patients_per_100k * terr.zone_population.sum() / 1e5)
    model = Model(scenario, terr, 0)
    demand = model.record.had_census.demand
    daily_mean = means * (1 + 1 / spec.census.stay_days)  # patients in care at some time of the day
    assert demand.mean(axis=1) == pytest.approx(daily_mean, rel=0.1)
    staffed = visits_per_day(spec, terr)
    assert ((demand >= staffed[:, None]).mean(axis=1) < 0.1).all()  # full on a few days only


def test_home_care_parameters_are_reachable_by_key_paths():
    scenario = with_values(
        load_scenario(BASELINE),
        {
            "home_care.derogation_max_km": 90,
            "home_care.derogation_acceptance_probability": 0.5,
            "home_care.convention_delay_days.high": 30,
            "home_care.fallback_after_days": 3,
            "home_care.pumps": 3,
            "home_care.census.patients_per_100k": 10,
            "home_care.census.staffing_sd": 1,
            "home_care.census.stay_days": 30,
        },
    )
    assert scenario.home_care.pumps == 3 and scenario.home_care.census.stay_days == 30


def test_nurse_km_are_daily_round_trips_from_the_nearest_site(territory):
    scenario = with_values(load_scenario(BASELINE), {"run.years": 3})
    terr = scenario_territory(scenario, territory)
    record = simulate(scenario, terr, 0)
    episodes = episodes_frame(record, terr)
    had_days = {}
    for stay in record.had_stays:
        e = next(x for x in record.episodes if x.profile.index == stay.episode)
        days = sum(max(0.0, min(s.end, stay.end) - max(s.start, stay.start)) for s in e.home_segments)
        km = 2 * terr.to_had_nearest_site.km[e.profile.home, stay.had]
        had_days[stay.episode] = had_days.get(stay.episode, 0.0) + days * km
    by_episode = episodes.set_index("episode")["had_nurse_km"]
    for episode, km in had_days.items():
        assert by_episode[episode] == pytest.approx(km)
    conventions = episodes[episodes["route"] == "convention"]
    assert (conventions["had_nurse_km"] == 0).all()  # liberal nurses, not an HAD's
    kpi = compute(record, scenario, terr, episodes)
    per_had = sum(v for k, v in kpi.items() if k.startswith("had_nurse_km_per_year_"))
    assert kpi["had_nurse_km_per_year"] == pytest.approx(per_had)
    assert kpi["had_nurse_km_per_year"] > 1000


def test_an_episode_process_without_home_care_capacity_still_ends(territory):
    """An HAD with no pump: its patients wait, then a fallback takes them; nobody is lost."""
    scenario = make_scenario(**{"home_care.pumps_by_had": {"srd": 0, "pasteur": 0}, "run.years": 3})
    terr = scenario_territory(scenario, territory)
    record = simulate(scenario, terr, 0)
    srd, pasteur = terr.hads.index.get_loc("srd"), terr.hads.index.get_loc("pasteur")
    assert not any(s.had in (srd, pasteur) for s in record.had_stays)
    assert all(e.exit_time is not None for e in record.episodes)
    assert any(r.reason == "full" for r in record.home_care_requests)
