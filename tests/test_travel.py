"""The travel model: circuity, speed bands, motorway corridors, the check against road times, and
the pluggable OSRM backend."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario, with_values
from sim.scenario.schema import TravelConfig
from sim.territory.corridors import CORRIDORS, Corridor, Waypoint, cumulated, meet
from sim.territory.travel import CircuityTravel, OSRMTravel, SpeedBand, great_circle_km

ROOT = Path(__file__).resolve().parents[1]
TOULOUSE = (1.44305, 43.60405)
TARBES = (0.07785, 43.23313)
BRIEF_BANDS = (SpeedBand(15, 45.0), SpeedBand(50, 65.0), SpeedBand(None, 80.0))
# The model before corridors and mountain circuity (BRIEF section 3 as first implemented).
OLD_MODEL = CircuityTravel(
    circuity_by_department={}, circuity_by_arrondissement={}, bands=BRIEF_BANDS, corridors=()
)
ORDINARY_ROADS = CircuityTravel(corridors=())

# Town hall to town hall, from each HAD main-site town to Toulouse (docs/travel.md gives the
# sources): town, its department and arrondissement, its town hall, the fast road, road km, minutes.
ROAD_TIMES = [
    ("Albi", "81", "811", (2.14654, 43.92713), "A68", 77, 60),
    ("Montauban", "82", "822", (1.35264, 44.01612), "A62, A20", 55, 45),
    ("Cahors", "46", "461", (1.44062, 44.44683), "A62, A20", 115, 80),
    ("Auch", "32", "321", (0.58375, 43.64710), "N124", 78, 65),
    ("Tarbes", "65", "653", (0.07785, 43.23313), "A64", 155, 100),
    ("Foix", "09", "091", (1.60548, 42.96375), "A61, A66, N20", 88, 65),
    ("Saint-Gaudens", "31", "312", (0.72372, 43.10698), "A64", 94, 65),
    ("Rodez", "12", "122", (2.57663, 44.34926), "A68, N88", 155, 110),
    ("Figeac", "46", "462", (2.03460, 44.60980), "none (A20 to Caussade)", 150, 125),
    ("Castres", "81", "812", (2.24136, 43.60392), "A68, A680, N126", 75, 70),
    ("Carcassonne", "11", "111", (2.35302, 43.21197), "A61", 93, 65),
    ("Moissac", "82", "821", (1.08487, 44.10481), "A62", 72, 55),
]
FAST_ROADS = {"A68", "A62, A20", "N124", "A64", "A61, A66, N20", "A68, N88", "A61", "A62"}
TOLERANCE = 0.15  # on the time; every pair is within 0.11 (docs/travel.md)


def _to_toulouse(model: CircuityTravel, town: tuple) -> tuple[float, float]:
    _, dep, arr, lonlat, _, _, _ = town
    trip = model.matrix(np.array([lonlat]), np.array([TOULOUSE]), [dep], [arr])
    return float(trip.km[0, 0]), float(trip.hours[0, 0] * 60)


@pytest.mark.parametrize("town", ROAD_TIMES, ids=[t[0] for t in ROAD_TIMES])
def test_the_model_is_within_tolerance_of_every_checked_road_time(town):
    road_km, minutes = town[5], town[6]
    km, model_minutes = _to_toulouse(CircuityTravel(), town)
    assert model_minutes == pytest.approx(minutes, rel=TOLERANCE)
    assert km == pytest.approx(road_km, rel=TOLERANCE)


@pytest.mark.parametrize("town", [t for t in ROAD_TIMES if t[4] in FAST_ROADS], ids=lambda t: t[0])
def test_the_old_80_kmh_model_misses_every_motorway_pair(town):
    _, model_minutes = _to_toulouse(OLD_MODEL, town)
    assert model_minutes > town[6] * (1 + TOLERANCE), "the old model should be too slow on fast roads"


def test_the_check_table_of_the_docs_is_the_tested_one():
    """docs/travel.md shows the same road km and times as this test checks."""
    rows = {}
    for line in (ROOT / "docs" / "travel.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 4 and cells[0].startswith("Toulouse-") and re.fullmatch(r"\d+", cells[2]):
            rows[cells[0].removeprefix("Toulouse-")] = (int(cells[2]), cells[3])
    assert rows == {t[0]: (t[5], f"{t[6] // 60}:{t[6] % 60:02d}") for t in ROAD_TIMES}


def test_great_circle_matches_known_distance():
    km = great_circle_km(np.array([TOULOUSE]), np.array([TARBES]))[0, 0]
    assert km == pytest.approx(117.5, abs=2.0)


def test_speed_bands_apply_to_successive_slices_of_the_trip():
    model = CircuityTravel(bands=BRIEF_BANDS)
    # 10 min terminal + 15 km at 45 km/h + 35 km at 65 km/h + 50 km at 80 km/h.
    expected = 10 / 60 + 15 / 45 + 35 / 65 + 50 / 80
    assert model.hours_for_km(np.array([100.0]))[0] == pytest.approx(expected)
    assert model.hours_for_km(np.array([0.0]))[0] == pytest.approx(10 / 60)
    km = np.linspace(0, 400, 401)
    assert np.all(np.diff(model.hours_for_km(km)) > 0)


def test_circuity_and_bands_are_parameters():
    origins, dest = np.array([TARBES]), np.array([TOULOUSE])
    base = ORDINARY_ROADS.matrix(origins, dest)  # no department given: the general circuity
    mountain = ORDINARY_ROADS.matrix(origins, dest, ["65"], ["653"])
    assert mountain.km[0, 0] == pytest.approx(base.km[0, 0] * 1.38 / 1.3)
    slow = CircuityTravel(bands=(SpeedBand(None, 40.0),), terminal_minutes=0, corridors=())
    trip = slow.matrix(origins, dest)
    assert trip.hours[0, 0] == pytest.approx(trip.km[0, 0] / 40.0)
    with pytest.raises(ValueError):
        CircuityTravel(circuity=0.9)
    with pytest.raises(ValueError):
        CircuityTravel(corridor_circuity=0.9)
    with pytest.raises(ValueError):
        CircuityTravel(bands=(SpeedBand(20, 40.0),))


def test_mountain_circuity_by_department_and_arrondissement():
    model = CircuityTravel()
    departments = ["09", "65", "31", "31", "31", "12", "46", "81", "81", "32"]
    arrondissements = ["091", "653", "312", "311", "313", "122", "462", "811", "812", "321"]
    factors = model.origin_circuity(len(departments), departments, arrondissements)
    # Pyrenees: 09, 65, south of 31 (Saint-Gaudens); Massif Central: 12, 46, north of 81 (Albi).
    assert factors.tolist() == [1.38, 1.38, 1.38, 1.3, 1.3, 1.35, 1.35, 1.35, 1.3, 1.3]
    custom = CircuityTravel(circuity_by_department={"31": 1.5}, circuity_by_arrondissement={"313": 1.2})
    assert custom.origin_circuity(2, ["31", "31"], ["313", "311"]).tolist() == [1.2, 1.5]


def test_the_default_travel_model_is_the_scenario_schemas_default():
    assert CircuityTravel() == CircuityTravel.from_config(TravelConfig())
    baseline = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    assert CircuityTravel.from_config(baseline.territory.travel) == CircuityTravel()
    mountain = TravelConfig(circuity_by_department={"65": 1.4}, terminal_minutes=5, motorway_kmh=120)
    model = CircuityTravel.from_config(mountain)
    assert (model.circuity_by_department, model.terminal_minutes) == ({"65": 1.4}, 5.0)
    assert (model.motorway_kmh, model.bands[-1]) == (120.0, SpeedBand(None, 80.0))


@pytest.mark.parametrize(
    "key, value",
    [
        ("territory.travel.motorway_kmh", 120),
        ("territory.travel.expressway_kmh", 70),
        ("territory.travel.main_road_kmh", 60),
        ("territory.travel.corridor_circuity", 1.3),
        ("territory.travel.speed_bands.long_kmh", 90),
        ("territory.travel.speed_bands.local_kmh", 30),
        ("territory.travel.circuity_by_department.09", 1.5),
        ("territory.travel.circuity_by_arrondissement.811", 1.5),
    ],
)
def test_every_travel_number_is_reachable_by_sensitivity_key_paths(key, value, territory):
    baseline = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    changed = CircuityTravel.from_config(with_values(baseline, {key: value}).territory.travel)
    communes = territory.communes
    points, areas = (
        communes[["lon", "lat"]].to_numpy(),
        (list(communes["dep"]), list(communes["arrondissement"])),
    )
    centre = np.array([(1.4311, 43.5556)])
    before, after = CircuityTravel().matrix(points, centre, *areas), changed.matrix(points, centre, *areas)
    assert not np.array_equal(before.hours, after.hours), f"{key} should change some commune's travel"


def test_scenario_travel_input_is_checked():
    baseline = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    with pytest.raises(ScenarioError, match="regional_up_to_km"):
        with_values(baseline, {"territory.travel.speed_bands.local_up_to_km": 80})
    with pytest.raises(ValueError):
        TravelConfig(circuity_by_department={"9": 1.4})  # department codes have two characters
    with pytest.raises(ValueError):
        TravelConfig(circuity_by_arrondissement={"31": 1.4})  # an arrondissement code adds a digit


def test_department_and_arrondissement_codes_may_be_written_unquoted(tmp_path: Path):
    variant = tmp_path / "mountains.yaml"
    variant.write_text(
        f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\n"
        "territory:\n  travel:\n"
        "    circuity_by_department: {09: 1.5}\n    circuity_by_arrondissement: {312: 1.45, 091: 1.6}\n",
        encoding="utf-8",
    )
    travel = load_scenario(variant).territory.travel
    assert travel.circuity_by_department["09"] == 1.5  # merged into the baseline's
    assert (travel.circuity_by_arrondissement["312"], travel.circuity_by_arrondissement["091"]) == (1.45, 1.6)


# --- corridors -------------------------------------------------------------------------------------


def test_corridors_never_slow_a_trip_and_km_follow_the_route_taken():
    rng = np.random.default_rng(1)
    origins = np.column_stack([rng.uniform(-0.2, 3.0, 400), rng.uniform(42.7, 44.9, 400)])
    sites = np.array([TOULOUSE, TARBES, (2.14654, 43.92713), (2.03460, 44.60980)])
    departments, arrondissements = ["31"] * 400, ["313"] * 400
    with_corridors = CircuityTravel().matrix(origins, sites, departments, arrondissements)
    ordinary = ORDINARY_ROADS.matrix(origins, sites, departments, arrondissements)
    assert np.all(with_corridors.hours <= ordinary.hours + 1e-12)
    assert np.all(with_corridors.km >= great_circle_km(origins, sites) - 1e-9)
    same = with_corridors.hours == ordinary.hours
    assert np.array_equal(with_corridors.km[same], ordinary.km[same])
    assert 0.2 < (~same).mean() < 0.95, "corridors should serve many trips, not all"


def test_a_trip_between_two_waypoints_rides_the_corridor_at_its_speeds():
    model = CircuityTravel(terminal_minutes=0)
    corridor = next(c for c in CORRIDORS if c.name.startswith("A68"))
    albi, rodez = (np.array([[w.lon, w.lat]]) for w in corridor.waypoints if w.place in ("Albi", "Rodez"))
    segments = corridor.segment_km() * model.corridor_circuity
    speeds = np.array(
        [{"motorway": model.motorway_kmh, "expressway": model.expressway_kmh}[r] for r in corridor.roads]
    )
    trip = model.matrix(rodez, albi)
    assert trip.km[0, 0] == pytest.approx(segments[3:].sum())
    assert trip.hours[0, 0] == pytest.approx((segments[3:] / speeds[3:]).sum())
    faster = CircuityTravel(terminal_minutes=0, expressway_kmh=110).matrix(rodez, albi)
    assert faster.hours[0, 0] == pytest.approx(segments[3:].sum() / 110)


def test_a_trip_joins_at_an_interchange_when_that_is_faster():
    """A line north then east; a point north-east of the bend, nearest to the far segment, does
    better driving to the bend (a waypoint) than to its nearest spot and back along the corridor."""
    line = Corridor(
        "test",
        (
            Waypoint("start", 1.0, 43.0),
            Waypoint("bend", 1.0, 44.0, "motorway"),
            Waypoint("end", 2.5, 44.0, "motorway"),
        ),
    )
    model = CircuityTravel(corridors=(line,), terminal_minutes=0, circuity=1.0, corridor_circuity=1.0)
    point = np.array([[1.35, 44.3]])
    trip = model.matrix(point, np.array([[1.0, 43.0]]))
    to_bend = great_circle_km(point, np.array([[1.0, 44.0]]))[0, 0]
    along = line.segment_km()[0]
    assert trip.km[0, 0] == pytest.approx(to_bend + along)
    assert trip.hours[0, 0] == pytest.approx(
        model.driving_hours(np.array(to_bend)) + along / model.motorway_kmh
    )
    spot = meet(line, point)
    assert spot.segment[0] == 1 and spot.access_km[0] < to_bend  # the nearest spot is elsewhere


def test_corridor_positions_accumulate_from_toulouse():
    corridor = CORRIDORS[0]
    km = corridor.segment_km()
    assert cumulated(km)[0] == 0 and cumulated(km)[-1] == pytest.approx(km.sum())
    on_waypoints = meet(corridor, corridor.lonlat)
    assert np.allclose(on_waypoints.access_km, 0, atol=1e-6)
    assert np.allclose(on_waypoints.along(km), cumulated(km))
    assert all(c.waypoints[0].place == "Toulouse" for c in CORRIDORS)
    with pytest.raises(ValueError):
        Corridor("bad", (Waypoint("a", 1.0, 43.0), Waypoint("b", 1.0, 44.0)))  # no road class


def test_the_territory_gives_travel_each_communes_arrondissement(territory):
    communes = territory.communes
    row = int(np.flatnonzero(communes["name"].to_numpy() == "Saint-Gaudens")[0])
    point = communes[["lon", "lat"]].to_numpy()[[row]]
    expected = CircuityTravel().matrix(point, np.array([(1.4311, 43.5556)]), ["31"], ["312"])
    assert territory.to_centre.km[row, 0] == pytest.approx(expected.km[0, 0])
    assert territory.to_centre.hours[row, 0] == pytest.approx(expected.hours[0, 0])


# --- OSRM ------------------------------------------------------------------------------------------


class FakeOSRM:
    def __init__(self):
        self.calls = 0

    def matrix(self, locations, profile, sources, destinations, annotations):
        self.calls += 1
        assert profile == "car" and annotations == ["distance", "duration"]
        distances = [[123_400.0 for _ in destinations] for _ in sources]
        durations = [[5_400.0 for _ in destinations] for _ in sources]
        return SimpleNamespace(distances=distances, durations=durations)


def test_osrm_backend_converts_units_and_caches(tmp_path: Path):
    client = FakeOSRM()
    model = OSRMTravel("http://localhost:5000", tmp_path, client=client)
    origins, dest = np.array([TARBES, TOULOUSE]), np.array([TOULOUSE])
    first = model.matrix(origins, dest)
    assert first.km.shape == (2, 1)
    assert first.km[0, 0] == pytest.approx(123.4) and first.hours[0, 0] == pytest.approx(1.5)
    second = OSRMTravel("http://localhost:5000", tmp_path, client=client).matrix(origins, dest)
    assert client.calls == 1, "the cached matrix should have been reused"
    assert np.array_equal(first.km, second.km)
