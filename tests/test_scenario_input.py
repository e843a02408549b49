"""Hostile or mistaken scenario input: each is refused by one line ``FILE: KEY: expected ..., found ...``.

What a fuzzer found accepted, crashing or hanging before these refusals (see sim.scenario.reading
and the bounds in sim.scenario.schema); one focused test per refusal.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario.errors import FOUND_CHARS, LINE_CHARS, ScenarioError
from sim.scenario.files import MAX_EXTENDS, MAX_MESSAGES, load_scenario, resolve_raw, with_values
from sim.scenario.reading import MAX_DEPTH, MAX_FILE_BYTES
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
runner = CliRunner()


def _variant(directory: Path, body: str, name: str = "variant.yaml", parent: Path = BASELINE) -> Path:
    path = directory / name
    path.write_text(f"extends: {parent}\n{body}", encoding="utf-8")
    return path


def _standalone(directory: Path, raw: dict, name: str = "standalone.yaml") -> Path:
    """A scenario file without extends: (to remove keys a variant could only merge into)."""
    path = directory / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _refusal(path: Path | str) -> str:
    """The one message refusing ``path``."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (message,) = info.value.messages
    return message


def _assert_refusal(message: str, file: Path | str, key: str | None, *found: str) -> None:
    """One line naming the file and the key path, saying what was expected and what was found."""
    assert "\n" not in message, message
    prefix = f"{file}: {key}: " if key else f"{file}: "
    assert message.startswith(prefix), message
    rest = message.removeprefix(prefix)
    assert "expected" in rest and ", found " in rest, message
    for text in found:
        assert text in rest.split(", found ", 1)[1], message
    assert len(rest) <= LINE_CHARS, message


# --- YAML 1.1 surprises ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key", "found"),
    [
        ("beds:\n  capacity: yes\n", "beds.capacity", "'yes'"),  # YAML 1.1: true, then 1 bed
        ("beds:\n  capacity: true\n", "beds.capacity", "true"),  # a boolean is no number
        ("beds:\n  capacity: 1:30\n", "beds.capacity", "'1:30'"),  # YAML 1.1 sexagesimal: 90 beds
        ("beds:\n  capacity: '18'\n", "beds.capacity", "'18'"),  # text is no number
        ("costs:\n  drug:\n    vial_sharing: 1\n", "costs.drug.vial_sharing", "1"),  # a number is no boolean
        ("costs:\n  drug:\n    vial_sharing: on\n", "costs.drug.vial_sharing", "'on'"),  # YAML 1.1: true
        ("bags:\n  where_changed: off\n", "bags.where_changed", "'off'"),
    ],
    ids=["yes", "true", "sexagesimal", "quoted", "one_for_bool", "on", "off"],
)
def test_yaml_1_1_scalars_are_refused_not_converted(tmp_path: Path, body: str, key: str, found: str):
    path = _variant(tmp_path, body)
    _assert_refusal(_refusal(path), path, key, found)


def test_weekday_no_is_text_not_false(tmp_path: Path):
    path = _variant(tmp_path, "day_hospital:\n  sessions_per_weekday: {mon: 30, no: 3}\n")
    _assert_refusal(_refusal(path), path, "day_hospital.sessions_per_weekday.no", "'no'")


def test_yaml_1_2_numbers_read_as_numbers(tmp_path: Path):
    # 012 is twelve (not octal ten), 1e1 is ten (PyYAML's YAML 1.1 reads it as text).
    scenario = load_scenario(
        _variant(tmp_path, "beds:\n  capacity: 012\nblinatumomab:\n  arrivals:\n    episodes_per_year: 1e1\n")
    )
    assert scenario.beds.capacity == 12
    assert scenario.blinatumomab.arrivals.episodes_per_year == 10.0


def test_explicit_tag_cannot_bring_sexagesimal_back(tmp_path: Path):
    path = _variant(tmp_path, "beds:\n  capacity: !!int 1:30\n")
    _assert_refusal(_refusal(path), path, "beds.capacity", "'1:30'")


@pytest.mark.parametrize(
    "value", ["!!python/object/apply:os.system ['true']", "!!binary aGVsbG8=", "!!set {a, b}", "!custom 3"]
)
def test_only_plain_yaml_tags(tmp_path: Path, value: str):
    path = _variant(tmp_path, f"description: {value}\n")
    _assert_refusal(_refusal(path), path, "description", "tag")


def test_duplicate_key_is_refused_naming_line_and_key(tmp_path: Path):
    path = _variant(tmp_path, "beds:\n  capacity: 20\n  capacity: 22\n")
    message = _refusal(path)
    _assert_refusal(message, path, "beds.capacity", "twice")
    assert "line 3" in message and "line 4" in message


# --- numbers that cannot be meant -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key", "found"),
    [
        ("territory:\n  travel:\n    circuity: .inf\n", "territory.travel.circuity", ".inf"),
        ("costs:\n  had_day_eur: .nan\n", "costs.had_day_eur", ".nan"),
        ("beds:\n  background:\n    arrivals_per_day: -.inf\n", "beds.background.arrivals_per_day", "-.inf"),
        (
            "beds:\n  background:\n    length_of_stay: {dist: empirical, values: [3, .nan]}\n",
            "beds.background.length_of_stay.values.1",
            ".nan",
        ),
        (
            "sensitivity:\n  parameters: [{key: costs.had_day_eur, low: 1, high: .inf}]\n",
            "sensitivity.parameters.0.high",
            ".inf",
        ),
    ],
    ids=["inf", "nan", "minus_inf", "nan_in_empirical", "inf_in_sensitivity"],
)
def test_non_finite_numbers_are_refused(tmp_path: Path, body: str, key: str, found: str):
    path = _variant(tmp_path, body)
    message = _refusal(path)
    _assert_refusal(message, path, key, found)
    assert "finite" in message


@pytest.mark.parametrize(
    ("spec", "key", "found"),
    [
        ("{dist: empirical, values: [-3, 5]}", "values.0", "-3"),
        ("{dist: empirical, values: [3, 5], weights: [1, -1]}", "weights.1", "-1"),
        ("{dist: empirical, values: [3, 5], weights: [0, 0]}", "", "[0.0, 0.0]"),
        ("{dist: gamma, mean: 3, cv: 1.0e-200}", "cv", "1e-200"),
        ("{dist: lognormal, mean: 3, cv: 0}", "cv", "0"),
        ("{dist: lognormal, mean: 3, cv: 11}", "cv", "11"),
        ("{dist: exponential, mean: 1.0e+300}", "mean", "1e+300"),
    ],
    ids=["negative_value", "negative_weight", "zero_weights", "tiny_cv", "zero_cv", "huge_cv", "huge_mean"],
)
def test_distribution_parameters_must_be_drawable(tmp_path: Path, spec: str, key: str, found: str):
    path = _variant(tmp_path, f"beds:\n  background:\n    length_of_stay: {spec}\n")
    where = "beds.background.length_of_stay" + (f".{key}" if key else "")
    _assert_refusal(_refusal(path), path, where, found)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (
            "blinatumomab:\n  cycle_one:\n    weights: {death: 0, early_stop: 0, completed: 0}\n",
            "blinatumomab.cycle_one.weights",
        ),
        (
            "blinatumomab:\n  indications:\n    phi_neg_rr: {share: 0}\n    phi_pos_rr: {share: 0}\n"
            "    mrd_pos: {share: 0}\n",
            "blinatumomab.indications",
        ),
        (
            "costs:\n  transport:\n    mix: {vsl: 0, taxi: 0, ambulance: 0, private_car: 0}\n",
            "costs.transport.mix",
        ),
    ],
    ids=["outcomes", "groups", "transport"],
)
def test_weights_that_cannot_sum_are_refused(tmp_path: Path, body: str, key: str):
    path = _variant(tmp_path, body)
    message = _refusal(path)
    _assert_refusal(message, path, key)
    assert "positive" in message


def test_an_indication_needs_its_cycles(tmp_path: Path):
    raw = resolve_raw(BASELINE)
    del raw["blinatumomab"]["indications"]["mrd_pos"]["cycles"]
    path = _standalone(tmp_path, raw)
    _assert_refusal(_refusal(path), path, "blinatumomab.indications.mrd_pos.cycles")

    del raw["blinatumomab"]["indications"]["mrd_pos"]  # an indication that is not there needs none
    assert isinstance(load_scenario(_standalone(tmp_path, raw, "no_mrd.yaml")), Scenario)


def test_pre_phase_probability_defaults_to_none_for_an_indication_without_one(tmp_path: Path):
    raw = resolve_raw(BASELINE)
    del raw["blinatumomab"]["indications"]["mrd_pos"]["pre_phase_probability"]
    scenario = load_scenario(_standalone(tmp_path, raw))
    assert scenario.blinatumomab.indications["mrd_pos"].pre_phase_probability == 0


def test_authorise_and_revoke_the_same_had(tmp_path: Path):
    path = _variant(tmp_path, "territory:\n  authorise: [had_a]\n  revoke: [had_a]\n")
    _assert_refusal(_refusal(path), path, "territory.revoke", "had_a")


def test_step_up_day_within_the_infusion(tmp_path: Path):
    path = _variant(tmp_path, "blinatumomab:\n  dose:\n    step_up_day: 40\n")
    _assert_refusal(_refusal(path), path, "blinatumomab.dose.step_up_day", "40")


def test_empty_weekly_pattern_says_what_is_expected_not_an_internal_error(tmp_path: Path):
    path = _variant(tmp_path, "bags:\n  change_patterns: [[]]\n")
    message = _refusal(path)
    _assert_refusal(message, path, "bags.change_patterns.0", "[]")
    assert "max()" not in message


def test_name_cannot_be_a_parent_folder(tmp_path: Path):
    path = _variant(tmp_path, "name: ..\n")
    _assert_refusal(_refusal(path), path, "name", "'..'")


# --- upper bounds: a run a machine can do ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key", "bound"),
    [
        ("run:\n  years: 10000\n", "run.years", "1000"),
        ("run:\n  replications: 100000000\n", "run.replications", "10000"),
        ("run:\n  warmup_days: 1.0e+6\n", "run.warmup_days", "36500"),
        (
            "blinatumomab:\n  arrivals:\n    episodes_per_year: 1.0e+6\n",
            "blinatumomab.arrivals.episodes_per_year",
            "10000",
        ),
        ("beds:\n  background:\n    arrivals_per_day: 1000\n", "beds.background.arrivals_per_day", "100"),
        ("beds:\n  capacity: 100000\n", "beds.capacity", "1000"),
        ("psa:\n  iterations: 100000000\n", "psa.iterations", "10000"),
    ],
    ids=["years", "replications", "warmup", "episodes", "background", "beds", "psa_iterations"],
)
def test_upper_bounds_name_the_bound(tmp_path: Path, body: str, key: str, bound: str):
    path = _variant(tmp_path, body)
    message = _refusal(path)
    _assert_refusal(message, path, key)
    assert f"less than or equal to {bound}" in message


def test_growth_must_keep_arrivals_within_the_bound_over_the_run(tmp_path: Path):
    path = _variant(tmp_path, "run:\n  years: 100\nblinatumomab:\n  arrivals:\n    annual_growth: 0.5\n")
    _assert_refusal(_refusal(path), path, "blinatumomab.arrivals.annual_growth", "0.5")
    # The same growth over a short run is fine.
    assert load_scenario(
        _variant(tmp_path, "blinatumomab:\n  arrivals:\n    annual_growth: 0.5\n", "short.yaml")
    )


def test_with_values_refuses_non_finite_numbers():
    scenario = load_scenario(BASELINE)
    with pytest.raises(ScenarioError) as info:
        with_values(scenario, {"costs.had_day_eur": float("inf")}, origin="psa")
    _assert_refusal(info.value.messages[0], "psa", "costs.had_day_eur", ".inf")


# --- files that cannot be read, or not safely -----------------------------------------------------------


def test_missing_file(tmp_path: Path):
    path = tmp_path / "nope.yaml"
    message = _refusal(path)
    _assert_refusal(message, path, None, "not found")


def test_directory(tmp_path: Path):
    _assert_refusal(_refusal(tmp_path), tmp_path, None, "a directory")


def test_dev_zero_is_never_read():
    _assert_refusal(_refusal("/dev/zero"), "/dev/zero", None, "device")


def test_fifo_is_never_opened(tmp_path: Path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # reading it would block for ever: no one writes
    _assert_refusal(_refusal(fifo), fifo, None, "FIFO")


def test_symlink_loop_is_refused(tmp_path: Path):
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    _assert_refusal(_refusal(loop), loop, None, "cannot be resolved")
    child = tmp_path / "child.yaml"
    child.write_text("extends: loop.yaml\nname: child\n", encoding="utf-8")
    _assert_refusal(_refusal(child), child, "extends", "cannot be resolved")


def test_file_over_the_size_cap(tmp_path: Path):
    path = _variant(tmp_path, "# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    _assert_refusal(_refusal(path), path, None, "bytes")


def test_latin_1_file_is_not_utf_8(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(f"extends: {BASELINE}\ndescription: Hôpital de jour\n".encode("latin-1"))
    message = _refusal(path)
    _assert_refusal(message, path, None, "not UTF-8 text")


@pytest.mark.parametrize("text", ["", "# only a comment\n", "- a\n- list\n", "just text\n"])
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str):
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    _assert_refusal(_refusal(path), path, None, "")


def test_two_documents_are_refused(tmp_path: Path):
    path = tmp_path / "two.yaml"
    path.write_text(f"extends: {BASELINE}\n---\nname: other\n", encoding="utf-8")
    _assert_refusal(_refusal(path), path, "line 2", "single document")


def test_alias_bomb_is_refused_before_anything_expands(tmp_path: Path):
    # 507 bytes that expand to 9**9 strings; PyYAML builds them lazily, but any walk over the result
    # (validation, an error message) would take minutes and gigabytes.
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text(f"extends: {BASELINE}\n" + "\n".join(lines) + "\n", encoding="utf-8")
    message = _refusal(path)
    _assert_refusal(message, path, "b.0", "*a")
    assert "alias" in message


def test_a_single_alias_is_refused_too(tmp_path: Path):
    path = _variant(
        tmp_path,
        "blinatumomab:\n  adverse_events:\n    neurotoxicity:\n      stay_days: *s\n"
        "    infection:\n      stay_days: &s {dist: fixed, value: 3}\n",
    )
    message = _refusal(path)
    assert message.startswith(f"{path}: ") and "alias" in message  # undefined there: refused either way


def test_deep_nesting_is_refused(tmp_path: Path):
    path = _variant(tmp_path, "description: " + "[" * 1000 + "]" * 1000 + "\n")
    message = _refusal(path)
    assert message.startswith(f"{path}: description.0.0.0"), message
    assert f"nested at most {MAX_DEPTH} deep" in message and ", found " in message


@pytest.mark.parametrize("bad", ["''", "'   '", "[a.yaml]", "7"])
def test_extends_must_name_a_file(tmp_path: Path, bad: str):
    path = tmp_path / "child.yaml"
    path.write_text(f"extends: {bad}\nname: child\n", encoding="utf-8")
    _assert_refusal(_refusal(path), path, "extends")


@pytest.mark.parametrize("parent", ["directory", "/dev/zero", "fifo", "missing"])
def test_extends_names_something_that_is_no_file(tmp_path: Path, parent: str):
    target = {"directory": tmp_path, "/dev/zero": Path("/dev/zero"), "missing": tmp_path / "gone.yaml"}.get(
        parent, tmp_path / "pipe.yaml"
    )
    if parent == "fifo":
        os.mkfifo(target)
    path = tmp_path / "child.yaml"
    path.write_text(f"extends: {target}\nname: child\n", encoding="utf-8")
    _assert_refusal(_refusal(path), path, "extends", str(target)[:20])


def _chain(directory: Path, length: int) -> Path:
    """``length`` files, each extending the next, the last extending the baseline; returns the first."""
    parent = BASELINE
    for i in reversed(range(length)):
        parent = _variant(directory, f"name: link{i}\n", name=f"link{i}.yaml", parent=parent)
    return parent


def test_long_extends_chain_is_refused(tmp_path: Path):
    first = _chain(tmp_path, 1200)
    message = _refusal(first)
    assert f"at most {MAX_EXTENDS} files" in message and ": extends: expected" in message


def test_extends_chain_within_the_bound_loads(tmp_path: Path):
    assert load_scenario(_chain(tmp_path, MAX_EXTENDS - 1)).name == "link0"


def test_bad_value_in_a_parent_is_named_against_the_parent(tmp_path: Path):
    parent = _variant(tmp_path, "beds:\n  background:\n    emergency_share: 1.5\n", name="parent.yaml")
    child = _variant(tmp_path, "name: child\nbeds:\n  capacity: 20\n", name="child.yaml", parent=parent)
    _assert_refusal(_refusal(child), parent, "beds.background.emergency_share", "1.5")


def test_bad_parameter_of_a_parent_distribution_is_named_against_the_parent(tmp_path: Path):
    parent = _variant(
        tmp_path,
        "beds:\n  background:\n    length_of_stay: {dist: gamma, mean: 28, cv: 20}\n",
        name="parent.yaml",
    )
    child = _variant(
        tmp_path, "beds:\n  background:\n    length_of_stay: {mean: 20}\n", name="child.yaml", parent=parent
    )
    _assert_refusal(_refusal(child), parent, "beds.background.length_of_stay.cv", "20")


def test_overrides_file_that_is_no_file(tmp_path: Path):
    fifo = tmp_path / "zones.csv"
    os.mkfifo(fifo)
    path = _variant(tmp_path, "territory:\n  overrides_file: zones.csv\n")
    _assert_refusal(_refusal(path), path, "territory.overrides_file", "FIFO")


# --- what messages show ---------------------------------------------------------------------------------


def test_found_value_is_cut_not_echoed(tmp_path: Path):
    path = _variant(tmp_path, f"beds:\n  capacity: {'x' * 200_000}\n")
    message = _refusal(path)
    _assert_refusal(message, path, "beds.capacity", "xxx")
    assert len(message.split(", found ", 1)[1]) <= FOUND_CHARS


def test_many_problems_are_listed_up_to_a_bound(tmp_path: Path):
    values = ", ".join(["a"] * 5000)
    path = _variant(
        tmp_path, f"beds:\n  background:\n    length_of_stay: {{dist: empirical, values: [{values}]}}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    messages = info.value.messages
    assert len(messages) == MAX_MESSAGES + 1
    for message in messages:
        _assert_refusal(message, path, None)
    assert "5000" in messages[-1]


def test_odd_keys_are_shown_on_one_line(tmp_path: Path):
    path = _variant(tmp_path, 'beds:\n  "cap\\nacity\\u2028": 20\n')
    message = _refusal(path)
    assert len(message.splitlines()) == 1
    assert message.startswith(f"{path}: beds.'cap\\nacity\\u2028': unknown key; expected one of capacity")


def test_messages_are_plain_text_not_markup(tmp_path: Path):
    # The CLI prints messages verbatim; a value that looks like rich markup is just shown.
    path = _variant(tmp_path, 'beds:\n  capacity: "[/x]"\n')
    assert _refusal(path) == f"{path}: beds.capacity: expected a valid integer, found '[/x]'"


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "directory", "latin_1", "alias_bomb"])
def test_validate_refuses_hostile_files_in_one_line(tmp_path: Path, kind: str):
    path = {"dev_zero": Path("/dev/zero"), "directory": tmp_path}.get(kind, tmp_path / f"{kind}.yaml")
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "latin_1":
        path.write_bytes("name: café\n".encode("latin-1"))
    elif kind == "alias_bomb":
        path.write_text('a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: [*b,*b]\n', encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith(f"error: {path}: ") and "expected" in line
