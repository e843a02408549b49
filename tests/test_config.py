"""Scenario files: loading, ``extends:``, one-line errors, the CLI's validate/schema, distributions."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from typer.testing import CliRunner

from sim.cli import app
from sim.model.draws import sample
from sim.scenario.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    LogNormal,
    Triangular,
    Uniform,
)
from sim.scenario.errors import ScenarioError
from sim.scenario.files import json_schema, load_scenario, resolve_raw
from sim.scenario.schema import SCENARIO_TEXTS, Scenario
from sim.territory.binding import scenario_territory

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
SCENARIO_FILES = sorted([*SCENARIOS.glob("*.yaml"), *SCENARIOS.glob("*.yml")])

runner = CliRunner()
DISTRIBUTION = TypeAdapter(Distribution)


def _variant(directory: Path, body: str, name: str = "variant.yaml", parent: Path = BASELINE) -> Path:
    """A scenario file in ``directory`` that extends ``parent`` (absolute path) with ``body``."""
    path = directory / name
    path.write_text(f"extends: {parent}\n{body}", encoding="utf-8")
    return path


def _stderr(result) -> str:
    # Errors go to stderr (rich Console(stderr=True)); Typer's CliRunner keeps it apart from stdout.
    return result.stderr


def _error_lines(result) -> list[str]:
    return [line for line in _stderr(result).splitlines() if line.strip()]


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


# --- the shipped scenario files -------------------------------------------------------------------


def test_baseline_loads(baseline: Scenario):
    assert baseline.name == "baseline"
    assert baseline.beds.capacity == 18
    assert baseline.bags.stability_hours == 96
    assert baseline.bags.change_patterns == [["mon", "thu"], ["tue", "fri"]]
    assert baseline.blinatumomab.infusion_days == 28
    assert baseline.blinatumomab.cycle1_inpatient_days == 9
    assert baseline.blinatumomab.later_inpatient_days == 2
    assert baseline.blinatumomab.dose.step_up_day == 8


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.name for p in SCENARIO_FILES])
def test_every_scenario_file_loads(path: Path):
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert len(scenario.hash()) == 16


def test_validate_accepts_every_scenario_file():
    result = runner.invoke(app, ["validate", *map(str, SCENARIO_FILES)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    printed = " ".join(result.stdout.split())  # rich may wrap long lines at word boundaries
    for path in SCENARIO_FILES:
        assert f"ok {path}" in printed


def test_validate_baseline_says_ok():
    result = runner.invoke(app, ["validate", str(BASELINE)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok ")
    assert str(BASELINE) in " ".join(result.stdout.split())
    assert "error" not in result.output


# --- extends: ---------------------------------------------------------------------------------------

# A variant's name (its file's, below) and its question and description (tests/test_scenario_texts_fr.py)
WORDS = {"name", *SCENARIO_TEXTS}


def test_variant_overrides_only_what_changes(tmp_path: Path, baseline: Scenario):
    variant = load_scenario(_variant(tmp_path, "beds:\n  capacity: 20\n"))
    assert variant.beds.capacity == 20
    expected = baseline.model_dump(exclude=WORDS)
    expected["beds"]["capacity"] = 20
    assert variant.model_dump(exclude=WORDS) == expected  # every parameter; the texts say what changed


def test_a_variant_that_writes_no_name_is_named_after_its_file(tmp_path: Path, baseline: Scenario):
    """Else it would take its parent's name, and `occisim run` would write over the parent's results."""
    parent = tmp_path / "Gers autorisé.yaml"
    parent.write_text(f"extends: {BASELINE}\nterritory: {{authorise: [udsma]}}\n", encoding="utf-8")
    assert load_scenario(parent).name == "Gers_autorise"  # accents dropped, a space made a _
    longer = tmp_path / "gers_long.yaml"
    longer.write_text(f"extends: {parent.name}\nrun: {{years: 10}}\n", encoding="utf-8")
    assert load_scenario(longer).name == "gers_long"  # even when only its run settings change
    named = tmp_path / "named.yaml"
    named.write_text(f"extends: {parent.name}\nname: my_own\n", encoding="utf-8")
    assert load_scenario(named).name == "my_own"
    assert baseline.name == "baseline"  # a file that extends none names itself


def test_nested_mapping_merge_keeps_sibling_keys(tmp_path: Path, baseline: Scenario):
    variant = load_scenario(_variant(tmp_path, "beds:\n  background:\n    emergency_share: 0.3\n"))
    assert variant.beds.background.emergency_share == 0.3
    # Siblings at the same level and above are untouched.
    assert variant.beds.background.arrivals_per_day == baseline.beds.background.arrivals_per_day
    assert variant.beds.background.length_of_stay == baseline.beds.background.length_of_stay
    assert variant.beds.background.seasonal_amplitude == baseline.beds.background.seasonal_amplitude
    assert variant.beds.capacity == baseline.beds.capacity
    assert variant.beds.priorities == baseline.beds.priorities
    expected = baseline.model_dump(exclude=WORDS)
    expected["beds"]["background"]["emergency_share"] = 0.3
    assert variant.model_dump(exclude=WORDS) == expected


def test_lists_replace_rather_than_append(tmp_path: Path, baseline: Scenario):
    variant = load_scenario(_variant(tmp_path, "bags:\n  change_patterns: [[tue, fri]]\n"))
    assert variant.bags.change_patterns == [["tue", "fri"]]
    assert variant.bags.pharmacy_weekdays == baseline.bags.pharmacy_weekdays


def test_distribution_override_of_one_parameter_keeps_the_others(tmp_path: Path, baseline: Scenario):
    # A distribution is a mapping too: overriding only its mean keeps the parent's cv.
    variant = load_scenario(_variant(tmp_path, "beds:\n  background:\n    length_of_stay: {mean: 20}\n"))
    assert variant.beds.background.length_of_stay == LogNormal(dist="lognormal", mean=20, cv=0.5)


def test_extends_chain_and_relative_path(tmp_path: Path, baseline: Scenario):
    middle_dir = tmp_path / "a"
    middle_dir.mkdir()
    relative_to_baseline = os.path.relpath(BASELINE, middle_dir)
    middle = middle_dir / "middle.yaml"
    middle.write_text(
        f"extends: {relative_to_baseline}\nname: middle\nbeds:\n  capacity: 20\nrun:\n  replications: 3\n",
        encoding="utf-8",
    )
    leaf = middle_dir / "leaf.yaml"
    leaf.write_text("extends: middle.yaml\nname: leaf\nbeds:\n  capacity: 22\n", encoding="utf-8")
    scenario = load_scenario(leaf)
    assert scenario.name == "leaf"
    assert scenario.beds.capacity == 22  # the nearest file wins
    assert scenario.run.replications == 3  # inherited from the middle file
    assert scenario.run.seed == baseline.run.seed  # inherited from the baseline
    assert scenario.bags == baseline.bags


def test_relative_overrides_file_is_relative_to_the_file_naming_it(tmp_path: Path):
    parent_dir, child_dir = tmp_path / "parent", tmp_path / "child"
    parent_dir.mkdir()
    child_dir.mkdir()
    parent = _variant(parent_dir, "territory:\n  overrides_file: zones.csv\n", name="parent.yaml")
    child = _variant(child_dir, "beds:\n  capacity: 20\n", name="child.yaml", parent=parent)
    assert resolve_raw(child)["territory"]["overrides_file"] == str((parent_dir / "zones.csv").resolve())


def test_circular_extends_is_a_clear_error(tmp_path: Path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: b.yaml\nbeds:\n  capacity: 20\n", encoding="utf-8")
    b.write_text("extends: a.yaml\nbeds:\n  capacity: 21\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(a)
    (message,) = info.value.messages
    assert "\n" not in message
    assert "extends" in message and "circular" in message
    assert "a.yaml" in message and "b.yaml" in message

    result = runner.invoke(app, ["validate", str(a)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    (line,) = _error_lines(result)
    assert "circular" in line and str(a) in line


def test_self_extends_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "self.yaml"
    path.write_text("extends: self.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="circular"):
        load_scenario(path)


def test_extends_missing_file(tmp_path: Path):
    path = tmp_path / "orphan.yaml"
    path.write_text("extends: no_such_parent.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (message,) = info.value.messages
    assert "no_such_parent.yaml" in message and "not found" in message
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_extends_must_be_a_file_name(tmp_path: Path):
    path = tmp_path / "bad_extends.yaml"
    path.write_text("extends: [baseline.yaml]\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (message,) = info.value.messages
    assert str(path) in message and "extends" in message and "expected" in message and "found" in message


# --- one-line errors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadInput:
    id: str
    body: str  # YAML appended to "extends: baseline"
    key: str  # dotted key path the message must name
    found: str  # text the "found ..." part must contain
    schema_error: bool = True  # False: only caught against geo/had.csv (validate, run), not load_scenario


BAD_INPUTS = [
    BadInput("unknown_key", "beds:\n  capcity: 20\n", "beds.capcity", "20"),
    BadInput("wrong_type", 'beds:\n  capacity: "eighteen"\n', "beds.capacity", "eighteen"),
    BadInput("negative_beds", "beds:\n  capacity: -2\n", "beds.capacity", "-2"),
    BadInput(
        "probability_above_1",
        "beds:\n  background:\n    emergency_share: 1.5\n",
        "beds.background.emergency_share",
        "1.5",
    ),
    BadInput(
        "bag_longer_than_stability",
        "bags:\n  stability_hours: 96\n  change_patterns: [[mon]]\n",
        "bags.change_patterns",
        "['mon']",
    ),
    BadInput(
        "unknown_distribution",
        "beds:\n  background:\n    length_of_stay: {dist: weibull, mean: 28}\n",
        "beds.background.length_of_stay",
        "weibull",
    ),
    BadInput(
        "triangular_low_above_high",
        "home_care:\n  startup_delay_days: {dist: triangular, low: 10, mode: 5, high: 2}\n",
        "home_care.startup_delay_days",
        "10",
    ),
    BadInput(
        "unknown_had_id",
        "territory:\n  authorise: [no_such_had]\n",
        "territory.authorise",
        "no_such_had",
        schema_error=False,
    ),
]
SCHEMA_ERRORS = [case for case in BAD_INPUTS if case.schema_error]


def _bad_file(tmp_path: Path, case: BadInput) -> Path:
    return _variant(tmp_path, case.body, name=f"{case.id}.yaml")


def _assert_names_problem(line: str, path: Path, case: BadInput) -> None:
    assert "\n" not in line
    assert str(path) in line, line
    assert f": {case.key}: " in line, line
    assert case.found in line.split(f": {case.key}: ", 1)[1], line


@pytest.mark.parametrize("case", SCHEMA_ERRORS, ids=[c.id for c in SCHEMA_ERRORS])
def test_load_scenario_error_is_one_line_naming_file_key_and_found(tmp_path: Path, case: BadInput):
    path = _bad_file(tmp_path, case)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.messages) == 1, info.value.messages
    _assert_names_problem(info.value.messages[0], path, case)
    assert str(info.value) == info.value.messages[0]


def test_unknown_had_id_loads_but_fails_against_the_territory(tmp_path: Path, territory):
    case = next(c for c in BAD_INPUTS if c.id == "unknown_had_id")
    scenario = load_scenario(_bad_file(tmp_path, case))
    with pytest.raises(ScenarioError) as info:
        scenario_territory(scenario, territory)
    (message,) = info.value.messages
    assert message.startswith("territory.authorise: ") and "no_such_had" in message


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.id for c in BAD_INPUTS])
def test_validate_reports_one_line_and_exits_2(tmp_path: Path, case: BadInput):
    path = _bad_file(tmp_path, case)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = _error_lines(result)
    assert line.startswith("error: ")
    _assert_names_problem(line, path, case)
    assert "ok" not in result.stdout


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.id for c in BAD_INPUTS])
def test_run_reports_one_line_exits_2_and_writes_nothing(tmp_path: Path, case: BadInput):
    path = _bad_file(tmp_path, case)
    out = tmp_path / "results" / "out"
    before = sorted(tmp_path.rglob("*"))
    result = runner.invoke(
        app, ["run", str(path), "--out", str(out), "--replications", "1", "--workers", "1"]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = _error_lines(result)
    _assert_names_problem(line, path, case)
    assert not out.exists()
    assert sorted(tmp_path.rglob("*")) == before  # no partial folder either


def test_run_leaves_an_existing_result_folder_untouched(tmp_path: Path):
    path = _variant(tmp_path, "beds:\n  capacity: -2\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "previous.csv").write_text("kept\n", encoding="utf-8")
    result = runner.invoke(
        app, ["run", str(path), "--out", str(out), "--replications", "1", "--workers", "1"]
    )
    assert result.exit_code == 2
    assert [p.name for p in out.iterdir()] == ["previous.csv"]
    assert (out / "previous.csv").read_text(encoding="utf-8") == "kept\n"


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c,
            id=c.id,
        )
        for c in BAD_INPUTS
    ],
)
def test_error_says_what_was_expected(tmp_path: Path, case: BadInput):
    path = _bad_file(tmp_path, case)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    (line,) = _error_lines(result)
    after_key = line.split(f": {case.key}: ", 1)[1]
    assert "expected " in after_key, line
    assert after_key.count(", found ") == 1, line
    assert case.found in after_key.split(", found ", 1)[1], line


def test_bag_error_names_the_offending_key(tmp_path: Path):
    case = next(c for c in BAD_INPUTS if c.id == "bag_longer_than_stability")
    with pytest.raises(ScenarioError) as info:
        load_scenario(_bad_file(tmp_path, case))
    assert ": bags.change_patterns: " in info.value.messages[0]


def test_bag_longer_than_stability_via_stability_hours(tmp_path: Path):
    # The baseline patterns leave up to 4 days between changes; 72 h bags cannot bridge Thu -> Mon.
    path = _variant(tmp_path, "bags:\n  stability_hours: 72\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (message,) = info.value.messages
    assert str(path) in message and "72" in message and "stability" in message


def test_several_problems_give_one_line_each(tmp_path: Path):
    path = _variant(
        tmp_path,
        "beds:\n  capacity: -2\n  background:\n    emergency_share: 1.5\nrun:\n  replications: 0\n",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    messages = info.value.messages
    assert len(messages) == 3, messages
    assert {m.split(": ")[1] for m in messages} == {
        "beds.capacity",
        "beds.background.emergency_share",
        "run.replications",
    }
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert len(_error_lines(result)) == 3


def test_missing_required_key_is_named(tmp_path: Path):
    path = tmp_path / "incomplete.yaml"
    path.write_text("name: incomplete\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    keys = {m.split(": ")[1] for m in info.value.messages}
    assert {"beds", "day_hospital", "blinatumomab", "bags", "home_care"} <= keys
    assert all(str(path) in m and "\n" not in m for m in info.value.messages)


def test_invalid_yaml_is_one_line(tmp_path: Path):
    path = tmp_path / "broken.yaml"
    path.write_text("beds:\n  capacity: [18\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (message,) = info.value.messages
    assert str(path) in message and "YAML" in message
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(_error_lines(result)) == 1


def test_validate_checks_every_file_and_fails_if_any_is_bad(tmp_path: Path):
    bad = _variant(tmp_path, "beds:\n  capacity: -2\n")
    result = runner.invoke(app, ["validate", str(BASELINE), str(bad)])
    assert result.exit_code == 2
    assert f"ok {BASELINE}" in " ".join(result.stdout.split())
    (line,) = _error_lines(result)
    assert str(bad) in line


def test_validate_missing_file_exits_2(tmp_path: Path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "not found" in result.stderr


# --- schema -------------------------------------------------------------------------------------------


def test_schema_prints_json_schema():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert {"beds", "blinatumomab", "extends", "bags", "home_care", "run", "territory"} <= set(
        schema["properties"]
    )
    assert schema["properties"]["extends"]["type"] == "string"
    assert schema["additionalProperties"] is False  # editors flag unknown top-level keys
    assert schema == json_schema()
    distribution = schema["$defs"]["BackgroundBeds"]["properties"]["length_of_stay"]
    assert set(distribution["discriminator"]["mapping"]) == {
        "fixed",
        "exponential",
        "lognormal",
        "gamma",
        "triangular",
        "uniform",
        "empirical",
    }


# --- distributions ------------------------------------------------------------------------------------

N = 200_000


def _draw(spec: dict, seed: int = 12345) -> tuple[object, np.ndarray]:
    dist = DISTRIBUTION.validate_python(spec)
    values = np.asarray(sample(dist, np.random.default_rng(seed), N), dtype=float)
    assert values.shape == (N,)
    return dist, values


def test_fixed():
    dist, values = _draw({"dist": "fixed", "value": 9})
    assert isinstance(dist, Fixed)
    assert np.all(values == 9)
    assert dist.mean_value == 9
    assert sample(dist, np.random.default_rng(0)) == 9


def test_exponential():
    dist, values = _draw({"dist": "exponential", "mean": 28})
    assert isinstance(dist, Exponential)
    assert values.mean() == pytest.approx(28, rel=0.01)
    assert values.std() / values.mean() == pytest.approx(1.0, rel=0.02)
    assert values.min() >= 0
    assert dist.mean_value == 28


@pytest.mark.parametrize("kind, cls", [("lognormal", LogNormal), ("gamma", Gamma)])
@pytest.mark.parametrize("mean, cv", [(28, 0.5), (5, 0.2), (3, 1.0)])
def test_mean_and_cv_parameterisation(kind: str, cls: type, mean: float, cv: float):
    dist, values = _draw({"dist": kind, "mean": mean, "cv": cv})
    assert isinstance(dist, cls)
    assert values.mean() == pytest.approx(mean, rel=0.01)
    assert values.std() / values.mean() == pytest.approx(cv, rel=0.03)
    assert values.min() > 0
    assert dist.mean_value == mean


def test_triangular():
    dist, values = _draw({"dist": "triangular", "low": 2, "mode": 5, "high": 10})
    assert isinstance(dist, Triangular)
    assert values.mean() == pytest.approx(17 / 3, rel=0.005)
    assert values.min() >= 2 and values.max() <= 10
    assert dist.mean_value == pytest.approx(17 / 3)
    # The density peaks at the mode.
    counts, edges = np.histogram(values, bins=16, range=(2, 10))
    assert edges[np.argmax(counts)] <= 5 <= edges[np.argmax(counts) + 1]


def test_uniform():
    dist, values = _draw({"dist": "uniform", "low": 7, "high": 28})
    assert isinstance(dist, Uniform)
    assert values.mean() == pytest.approx(17.5, rel=0.005)
    assert values.min() >= 7 and values.max() <= 28
    assert values.std() == pytest.approx(21 / np.sqrt(12), rel=0.01)
    assert dist.mean_value == 17.5


def test_empirical_respects_weights():
    dist, values = _draw({"dist": "empirical", "values": [1, 2, 3, 5, 9], "weights": [9, 5, 1, 1, 2]})
    assert isinstance(dist, Empirical)
    assert set(np.unique(values)) == {1, 2, 3, 5, 9}
    weights = np.array([9, 5, 1, 1, 2]) / 18
    shares = np.array([(values == v).mean() for v in (1, 2, 3, 5, 9)])
    np.testing.assert_allclose(shares, weights, atol=0.005)
    expected_mean = float(np.dot([1, 2, 3, 5, 9], weights))
    assert dist.mean_value == pytest.approx(expected_mean)
    assert values.mean() == pytest.approx(expected_mean, rel=0.01)


def test_empirical_without_weights_is_uniform_over_values():
    dist, values = _draw({"dist": "empirical", "values": [2, 4, 9]})
    shares = np.array([(values == v).mean() for v in (2, 4, 9)])
    np.testing.assert_allclose(shares, 1 / 3, atol=0.005)
    assert dist.mean_value == pytest.approx(5)


def test_zero_weight_value_is_never_drawn():
    _, values = _draw({"dist": "empirical", "values": [1, 2, 3], "weights": [1, 0, 1]})
    assert not np.any(values == 2)


def test_sampling_is_reproducible_from_the_seed():
    _, a = _draw({"dist": "gamma", "mean": 28, "cv": 0.5}, seed=7)
    _, b = _draw({"dist": "gamma", "mean": 28, "cv": 0.5}, seed=7)
    _, c = _draw({"dist": "gamma", "mean": 28, "cv": 0.5}, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "fixed", "value": -1},
        {"dist": "exponential", "mean": 0},
        {"dist": "lognormal", "mean": 28},
        {"dist": "lognormal", "mean": 28, "cv": 0},
        {"dist": "gamma", "mean": -3, "cv": 0.5},
        {"dist": "triangular", "low": 10, "mode": 5, "high": 2},
        {"dist": "triangular", "low": 2, "mode": 12, "high": 10},
        {"dist": "triangular", "low": 4, "mode": 4, "high": 4},
        {"dist": "uniform", "low": 28, "high": 7},
        {"dist": "empirical", "values": []},
        {"dist": "empirical", "values": [1, 2], "weights": [1]},
        {"dist": "empirical", "values": [1, 2], "weights": [0, 0]},
        {"dist": "empirical", "values": [1, 2], "weights": [1, -1]},
        {"dist": "weibull", "mean": 3},
        {"dist": "exponential", "mean": 3, "cv": 0.5},
    ],
    ids=lambda spec: "-".join(f"{k}={v}" for k, v in spec.items()),
)
def test_impossible_distribution_parameters_are_rejected(spec: dict):
    with pytest.raises(ValidationError):
        DISTRIBUTION.validate_python(spec)


ANY_DISTRIBUTION = [
    {"dist": "fixed", "value": 20},
    {"dist": "exponential", "mean": 20},
    {"dist": "lognormal", "mean": 20, "cv": 0.4},
    {"dist": "gamma", "mean": 20, "cv": 0.4},
    {"dist": "triangular", "low": 10, "mode": 20, "high": 30},
    {"dist": "uniform", "low": 10, "high": 30},
    {"dist": "empirical", "values": [10, 20, 30]},
]


@pytest.mark.parametrize("spec", ANY_DISTRIBUTION, ids=[s["dist"] for s in ANY_DISTRIBUTION])
@pytest.mark.parametrize(
    "where",
    [
        ("beds", "background", "length_of_stay"),
        ("day_hospital", "background", "lead_days"),
        ("blinatumomab", "pre_phase", "length_of_stay"),
        ("blinatumomab", "adverse_events", "infection", "stay_days"),
        ("home_care", "training_delay_days"),
    ],
    ids=".".join,
)
def test_scenario_durations_and_counts_take_any_distribution(where: tuple[str, ...], spec: dict):
    raw = resolve_raw(BASELINE)
    section = raw
    for key in where[:-1]:
        section = section[key]
    section[where[-1]] = spec
    scenario = Scenario.model_validate(raw)
    value = scenario
    for key in where:
        value = getattr(value, key)
    assert value.mean_value == pytest.approx(20)


def test_variant_can_switch_distribution_kind(tmp_path: Path):
    path = _variant(
        tmp_path,
        "beds:\n  background:\n    length_of_stay: {dist: triangular, low: 10, mode: 20, high: 30}\n",
    )
    scenario = load_scenario(path)
    assert scenario.beds.background.length_of_stay == Triangular(dist="triangular", low=10, mode=20, high=30)


def test_cycle_count_can_be_fixed(tmp_path: Path):
    path = _variant(
        tmp_path, "blinatumomab:\n  indications:\n    mrd_pos:\n      cycles: {dist: fixed, value: 2}\n"
    )
    scenario = load_scenario(path)
    assert scenario.blinatumomab.indications["mrd_pos"].cycles.mean_value == 2


def test_validate_refuses_kpi_names_a_run_does_not_produce(tmp_path):
    """sensitivity.kpis, psa.cost and psa.outcome name KPIs of replications.csv (found by a short run)."""
    path = tmp_path / "badkpi.yaml"
    path.write_text(
        f"extends: {BASELINE}\nname: badkpi\n"
        "sensitivity:\n  kpis: [nope_per_year, cost_total_per_year]\npsa:\n  outcome: trips_per_yer\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 2, result.output
    assert "sensitivity.kpis: expected a KPI name of replications.csv, found 'nope_per_year'" in lines[0]
    assert "psa.outcome: expected a KPI name of replications.csv, found 'trips_per_yer'" in lines[1]
    assert "cost_total_per_year" not in result.output  # a real KPI name is not refused


@pytest.mark.parametrize(
    "distribution, reach",
    [("{dist: uniform, low: 0.5, high: 1.5}", "1.5"), ("{dist: gamma, mean: 0.8, cv: 0.1}", "1.6")],
)
def test_validate_refuses_a_psa_distribution_reaching_values_its_key_refuses(tmp_path, distribution, reach):
    """validate said ok, then psa stopped mid-study on a draw above 1 (a health economist's review)."""
    path = tmp_path / "psa_prob.yaml"
    key = "home_care.derogation_acceptance_probability"
    path.write_text(
        f"extends: {BASELINE}\nname: p\npsa:\n  parameters:\n"
        f"    - {{key: {key}, distribution: {distribution}}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    (line,) = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert (
        f"psa: {key}: expected less than or equal to 1, found {reach} (its distribution's highest draws)"
        in line
    )
    fine = tmp_path / "psa_fine.yaml"
    fine.write_text(
        f"extends: {BASELINE}\nname: f\npsa:\n  parameters:\n"
        f"    - {{key: {key}, distribution: {{dist: uniform, low: 0.5, high: 0.9}}}}\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(app, ["validate", str(fine)]).exit_code == 0
