"""The travel model: circuity, speed bands, and the pluggable OSRM backend."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.scenario.files import load_scenario
from sim.scenario.schema import TravelConfig
from sim.territory.travel import CircuityTravel, OSRMTravel, SpeedBand, great_circle_km

TOULOUSE = (1.44305, 43.60405)
TARBES = (0.07785, 43.23313)


def test_great_circle_matches_known_distance():
    km = great_circle_km(np.array([TOULOUSE]), np.array([TARBES]))[0, 0]
    assert km == pytest.approx(117.5, abs=2.0)


def test_speed_bands_apply_to_successive_slices_of_the_trip():
    model = CircuityTravel()
    # 10 min terminal + 15 km at 45 km/h + 35 km at 65 km/h + 50 km at 80 km/h.
    expected = 10 / 60 + 15 / 45 + 35 / 65 + 50 / 80
    assert model.hours_for_km(np.array([100.0]))[0] == pytest.approx(expected)
    assert model.hours_for_km(np.array([0.0]))[0] == pytest.approx(10 / 60)
    km = np.linspace(0, 400, 401)
    assert np.all(np.diff(model.hours_for_km(km)) > 0)


def test_circuity_and_bands_are_parameters():
    origins, dest = np.array([TARBES]), np.array([TOULOUSE])
    base = CircuityTravel().matrix(origins, dest)
    mountain = CircuityTravel(circuity_by_department={"65": 1.4}).matrix(origins, dest, ["65"])
    assert mountain.km[0, 0] == pytest.approx(base.km[0, 0] * 1.4 / 1.3)
    slow = CircuityTravel(bands=(SpeedBand(None, 40.0),), terminal_minutes=0).matrix(origins, dest)
    assert slow.hours[0, 0] == pytest.approx(slow.km[0, 0] / 40.0)
    with pytest.raises(ValueError):
        CircuityTravel(circuity=0.9)
    with pytest.raises(ValueError):
        CircuityTravel(bands=(SpeedBand(20, 40.0),))


def test_the_default_travel_model_is_the_scenario_schemas_default():
    assert CircuityTravel() == CircuityTravel.from_config(TravelConfig())
    baseline = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    assert CircuityTravel.from_config(baseline.territory.travel) == CircuityTravel()
    mountain = TravelConfig(circuity_by_department={"65": 1.4}, terminal_minutes=5)
    model = CircuityTravel.from_config(mountain)
    assert (model.circuity_by_department, model.terminal_minutes) == ({"65": 1.4}, 5.0)
    assert model.bands[-1] == SpeedBand(None, 80.0)


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
