"""One-way sensitivity (tornado) and probabilistic sensitivity analysis (Latin hypercube, CE plane, CEAC).

Short runs of the real baseline (1.5 years after a 60-day warm-up, 1-2 replications, one worker)
keep the file quick. The checks: command-line parsing and key paths fail with clear messages; a
price moves cost KPIs only, by the amount the counts give; both analyses are reproducible from
their seed; the Latin hypercube puts one draw in each stratum; the acceptability curve is the
share of draws with a positive net benefit.
"""

from __future__ import annotations

import json
import math
import types
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from sim.cli import app
from sim.measures.catalogue import KPI_CATALOGUE
from sim.measures.statistics import incremental_summary, percentile_interval
from sim.outputs.economics_figures import ce_plane_figure, ceac_figure, parameter_name, tornado_figure
from sim.outputs.study_folders import write_psa
from sim.outputs.study_lines import psa_lines
from sim.runs.replications import run_replication, with_run_settings
from sim.runs.sensitivity import one_way, parse_parameter, psa
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario, with_values
from sim.scenario.schema import SensitivityParameter
from sim.territory.binding import scenario_territory

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
YEARS, WARMUP = 1.5, 60.0
KPIS = ["cost_total_per_year", "cost_had_per_year", "travel_km_per_year", "blina_bed_days_per_year"]
PRICE = SensitivityParameter(key="costs.had_day_eur", low=150, high=350)
DEMAND = SensitivityParameter(key="blinatumomab.arrivals.episodes_per_year", low=4, high=12)


def short(scenario, years: float = YEARS, warmup_days: float = WARMUP):
    return scenario.model_copy(
        update={"run": scenario.run.model_copy(update={"years": years, "warmup_days": warmup_days})}
    )


@pytest.fixture(scope="module")
def base():
    return short(load_scenario(BASELINE))


@pytest.fixture(scope="module")
def other():
    return short(load_scenario(SCENARIOS / "gers_pasteur.yaml"))


# --- parse_parameter and with_values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "low", "high"),
    [
        ("costs.had_day_eur=150:350", "costs.had_day_eur", 150.0, 350.0),
        (" costs.had_day_eur = 150 : 350 ", "costs.had_day_eur", 150.0, 350.0),
        ("beds.capacity=16:20", "beds.capacity", 16.0, 20.0),
        ("x.y=-1.5:2e3", "x.y", -1.5, 2000.0),
    ],
)
def test_parse_parameter_reads_key_low_high(text, key, low, high):
    p = parse_parameter(text)
    assert (p.key, p.low, p.high) == (key, low, high)


@pytest.mark.parametrize(
    "text", ["costs.had_day_eur", "costs.had_day_eur=150", "costs.had_day_eur=150:abc", "a=1:2:3", ""]
)
def test_parse_parameter_rejects_bad_input(text):
    with pytest.raises(ScenarioError, match="expected key=low:high") as info:
        parse_parameter(text)
    assert repr(text) in str(info.value)
    assert len(info.value.messages) == 1


def test_with_values_replaces_a_number_and_leaves_the_original(base):
    changed = with_values(base, {"costs.had_day_eur": 300, "beds.background.length_of_stay.mean": 20})
    assert changed.costs.had_day_eur == 300.0
    assert changed.beds.background.length_of_stay.mean == 20.0
    assert base.costs.had_day_eur == 250.0
    assert changed.model_dump(exclude={"costs", "beds"}) == base.model_dump(exclude={"costs", "beds"})
    assert with_values(base, {"beds.capacity": 19.6}).beds.capacity == 20  # whole numbers stay whole


@pytest.mark.parametrize(
    ("key", "missing"),
    [("costs.had_day_euro", "had_day_euro"), ("cost.had_day_eur", "cost"), ("costs.drug.vial.price", "vial")],
)
def test_with_values_names_an_unknown_key(base, key, missing):
    with pytest.raises(ScenarioError) as info:
        with_values(base, {key: 1.0}, origin="sensitivity")
    message = str(info.value)
    assert message.startswith(f"sensitivity: {key}: expected a key path of the scenario")
    assert repr(missing) in message


@pytest.mark.parametrize(
    ("key", "found"),
    [("bags.where_changed", "'day_hospital'"), ("costs.drug.vial_sharing", "False"), ("costs.drug", "{")],
)
def test_with_values_refuses_what_is_not_a_number(base, key, found):
    with pytest.raises(ScenarioError) as info:
        with_values(base, {key: 1.0}, origin="psa")
    message = str(info.value)
    assert message.startswith(f"psa: {key}: expected a number there, found {found}")


def test_with_values_validates_the_new_value(base):
    with pytest.raises(ScenarioError) as info:
        with_values(base, {"costs.had_day_eur": -1.0})
    assert "costs.had_day_eur" in str(info.value)
    assert "greater than or equal to 0" in str(info.value)


# --- one-way sensitivity ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def table(base) -> pd.DataFrame:
    return one_way(base, [PRICE, DEMAND], KPIS, replications=2, workers=1)


def test_one_way_table_has_a_row_per_parameter_and_kpi(table, base):
    assert len(table) == 2 * len(KPIS)
    assert list(table["parameter"].unique()) == [PRICE.key, DEMAND.key]
    assert list(table["kpi"].unique()) == KPIS
    rows = table.set_index(["parameter", "kpi"])
    assert rows.loc[(PRICE.key, "cost_total_per_year"), "base_value"] == 250.0
    assert rows.loc[(DEMAND.key, "cost_total_per_year"), "base_value"] == pytest.approx(8.2)
    np.testing.assert_allclose(table["effect_low"], table["kpi_at_low"] - table["kpi_base"])
    np.testing.assert_allclose(table["effect_high"], table["kpi_at_high"] - table["kpi_base"])
    np.testing.assert_allclose(table["swing"], (table["kpi_at_high"] - table["kpi_at_low"]).abs())
    # every row shares the base run: the same KPI has the same base value whatever the parameter
    assert (table.groupby("kpi")["kpi_base"].nunique() == 1).all()


def test_one_way_base_is_the_mean_of_the_base_replications(table, base, territory):
    terr = scenario_territory(base, territory)
    runs = [run_replication(base, terr, r).kpis for r in range(2)]
    for kpi in KPIS:
        expected = np.mean([k[kpi] for k in runs])
        assert table.loc[table["kpi"] == kpi, "kpi_base"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_a_price_moves_cost_kpis_only_and_by_price_times_had_days(table):
    price = table[table["parameter"] == PRICE.key].set_index("kpi")
    total, had = price.loc["cost_total_per_year"], price.loc["cost_had_per_year"]
    assert total["effect_low"] < 0 < total["effect_high"]
    # cost_had is price x HAD days (same seed, same days): linear in the price
    had_days_per_year = had["kpi_base"] / 250.0
    assert had_days_per_year > 0
    assert had["kpi_at_low"] == pytest.approx(150.0 * had_days_per_year, rel=1e-12)
    assert had["kpi_at_high"] == pytest.approx(350.0 * had_days_per_year, rel=1e-12)
    assert total["effect_high"] == pytest.approx(100.0 * had_days_per_year, rel=1e-9)
    assert total["effect_low"] == pytest.approx(-100.0 * had_days_per_year, rel=1e-9)
    for kpi in ("travel_km_per_year", "blina_bed_days_per_year"):
        assert price.loc[kpi, "effect_low"] == 0.0
        assert price.loc[kpi, "effect_high"] == 0.0
        assert price.loc[kpi, "swing"] == 0.0


def test_more_demand_costs_more_and_travels_more(table):
    demand = table[table["parameter"] == DEMAND.key].set_index("kpi")
    for kpi in ("cost_total_per_year", "travel_km_per_year", "blina_bed_days_per_year"):
        assert demand.loc[kpi, "kpi_at_low"] < demand.loc[kpi, "kpi_base"] < demand.loc[kpi, "kpi_at_high"], (
            kpi
        )
    assert (
        demand.loc["cost_total_per_year", "swing"]
        > table.set_index(["parameter", "kpi"]).loc[(PRICE.key, "cost_total_per_year"), "swing"]
    )


def test_one_way_is_reproducible(table, base):
    again = one_way(base, [PRICE, DEMAND], KPIS, replications=2, workers=1)
    pd.testing.assert_frame_equal(table, again)


def test_one_way_reports_progress_per_run(base):
    ticks: list[int] = []
    one_way(base, [PRICE], ["cost_total_per_year"], replications=1, workers=1, progress=ticks.append)
    assert sum(ticks) == 3  # base, low, high


def test_one_way_rejects_an_unknown_kpi_and_an_unknown_key(base):
    with pytest.raises(
        ScenarioError, match=r"expected KPI names of replications.csv, found \['no_such_kpi'\]"
    ):
        one_way(base, [PRICE], ["cost_total_per_year", "no_such_kpi"], replications=1, workers=1)
    with pytest.raises(ScenarioError, match=r"sensitivity: costs\.nope: expected a key path"):
        one_way(
            base, [SensitivityParameter(key="costs.nope", low=1, high=2)], KPIS, replications=1, workers=1
        )


def test_tornado_figure_has_one_bar_pair_per_parameter(table):
    for kpi in ("cost_total_per_year", "travel_km_per_year"):
        fig = tornado_figure(table, kpi)
        try:
            ax = fig.axes[0]
            assert len(ax.patches) == 2 * 2
            labels = [t.get_text() for t in ax.get_yticklabels()]
            assert len(labels) == 2
            # sorted by swing: the larger bar on top (last); the price has no effect on km
            # parameters and KPIs by their names (not their ids), ranges with thousands separators
            assert labels[-1].startswith(parameter_name(DEMAND.key))
            assert "150 to 350 (base 250)" in "".join(labels)
            base = table.loc[table["kpi"] == kpi, "kpi_base"].iloc[0]
            assert all(p.get_x() == pytest.approx(base) for p in ax.patches)
            title = ax.get_title().replace("\n", " ")  # (long titles are wrapped)
            assert dict((k, lab.strip()) for k, lab, _, _ in KPI_CATALOGUE)[kpi] in title
        finally:
            plt.close(fig)


# --- PSA --------------------------------------------------------------------------------------------------

N, R, SEED = 6, 1, 424242


@pytest.fixture(scope="module")
def result(base, other):
    return psa(base, other, iterations=N, replications=R, seed=SEED, workers=1)


def test_psa_draws_frame(result, base):
    d = result.draws
    keys = [p.key for p in base.psa.parameters]
    assert len(keys) == 5
    assert list(d.columns[: len(keys)]) == keys
    assert d["iteration"].tolist() == list(range(N))
    np.testing.assert_allclose(d["incremental_cost"], d["cost_other"] - d["cost_base"])
    np.testing.assert_allclose(d["incremental_effect"], d["outcome_other"] - d["outcome_base"])  # "increase"
    assert (result.cost, result.outcome) == ("cost_total_per_year", "bed_days_saved_by_home_care_per_year")
    assert d[["cost_base", "cost_other"]].gt(0).all().all()


def test_psa_is_reproducible_from_its_seed(result, base, other):
    again = psa(base, other, iterations=N, replications=R, seed=SEED, workers=1)
    pd.testing.assert_frame_equal(result.draws, again.draws)
    np.testing.assert_array_equal(result.wtp, again.wtp)
    np.testing.assert_array_equal(result.acceptability, again.acceptability)


@pytest.fixture(scope="module")
def small(base, other):
    """Three draws, one inner replication, the seed left to its default (the base's run.seed)."""
    return psa(base, other, iterations=3, replications=1, workers=1)


def test_psa_with_another_seed_draws_other_parameters(small, base, other):
    assert base.run.seed != SEED
    different = psa(base, other, iterations=3, replications=1, seed=SEED, workers=1)
    for p in base.psa.parameters:
        assert not np.allclose(np.sort(different.draws[p.key]), np.sort(small.draws[p.key])), p.key
    assert not np.allclose(different.draws["cost_base"], small.draws["cost_base"])


def test_psa_seed_defaults_to_the_run_seed(small, base, other):
    explicit = psa(base, other, iterations=3, replications=1, seed=base.run.seed, workers=1)
    pd.testing.assert_frame_equal(small.draws, explicit.draws)


def stratum_cdf(distribution) -> object:
    """The distribution's CDF, by hand (scipy), to map draws back to [0, 1)."""
    if distribution.dist == "uniform":
        return lambda x: (x - distribution.low) / (distribution.high - distribution.low)
    if distribution.dist == "gamma":
        shape = 1 / distribution.cv**2
        return stats.gamma(a=shape, scale=distribution.mean / shape).cdf
    if distribution.dist == "triangular":
        width = distribution.high - distribution.low
        return stats.triang(
            c=(distribution.mode - distribution.low) / width, loc=distribution.low, scale=width
        ).cdf
    raise AssertionError(distribution.dist)


def test_latin_hypercube_puts_one_draw_in_each_stratum(result, base):
    uniform = 0
    for p in base.psa.parameters:
        values = result.draws[p.key].to_numpy()
        u = stratum_cdf(p.distribution)(values)
        strata = np.floor(u * N).astype(int)
        assert sorted(strata) == list(range(N)), (p.key, values)
        if p.distribution.dist == "uniform":
            uniform += 1
            assert ((values >= p.distribution.low) & (values <= p.distribution.high)).all()
    assert uniform == 3


def test_psa_iteration_is_the_drawn_scenario_run_with_the_iteration_seed(result, base, other, territory):
    # documented seeding: parameter set i runs both scenarios with SeedSequence([seed, 2]) state i
    i = 2
    row = result.draws.iloc[i]
    keys = [p.key for p in base.psa.parameters]
    inner_seed = int(np.random.SeedSequence([SEED, 2]).generate_state(N, dtype=np.uint32)[i])
    means = []
    for scenario in (base, other):
        drawn = with_run_settings(with_values(scenario, {k: float(row[k]) for k in keys}), seed=inner_seed)
        terr = scenario_territory(drawn, territory)
        means.append(np.mean([run_replication(drawn, terr, r).kpis["cost_total_per_year"] for r in range(R)]))
    assert row["cost_base"] == pytest.approx(means[0], rel=1e-12)
    assert row["cost_other"] == pytest.approx(means[1], rel=1e-12)


def test_psa_of_a_scenario_against_itself_has_no_increment(base):
    same = psa(base, base, iterations=3, replications=1, seed=SEED, workers=1)
    assert (same.draws["incremental_cost"] == 0).all()
    assert (same.draws["incremental_effect"] == 0).all()
    assert (same.acceptability == 0).all()  # net benefit 0 is not > 0


def test_acceptability_is_the_share_of_draws_with_positive_net_benefit(result):
    d = result.draws
    a = result.acceptability
    assert len(result.wtp) == len(a) == 201
    assert result.wtp[0] == 0 and np.all(np.diff(result.wtp) > 0)
    assert ((a >= 0) & (a <= 1)).all()
    assert a[0] == pytest.approx((d["incremental_cost"] < 0).mean())
    for k in (0, 50, 100, 200):
        net = result.wtp[k] * d["incremental_effect"] - d["incremental_cost"]
        assert a[k] == pytest.approx((net > 0).mean())
    # each value is a share of N draws
    np.testing.assert_allclose(a * N, np.round(a * N), atol=1e-9)


def test_default_wtp_range_is_twice_the_largest_ratio(result):
    d = result.draws
    ratio = (d["incremental_cost"].abs() / d["incremental_effect"].abs().replace(0, np.nan)).max()
    expected = 2 * ratio if np.isfinite(ratio) and ratio > 0 else 1000.0
    assert result.wtp[-1] == pytest.approx(expected)


def test_outcome_direction_decrease_flips_the_effect(base, other, small):
    spec = base.psa.model_copy(update={"outcome_direction": "decrease"})
    flipped = psa(base.model_copy(update={"psa": spec}), other, iterations=3, replications=1, workers=1)
    np.testing.assert_allclose(flipped.draws["incremental_effect"], -small.draws["incremental_effect"])
    np.testing.assert_allclose(flipped.draws["incremental_cost"], small.draws["incremental_cost"])
    np.testing.assert_allclose(flipped.draws["outcome_other"], small.draws["outcome_other"])


def test_psa_needs_parameters(base, other):
    empty = base.model_copy(update={"psa": base.psa.model_copy(update={"parameters": []})})
    with pytest.raises(ScenarioError, match=r"psa\.parameters: expected at least one parameter"):
        psa(empty, other, iterations=2, replications=1, workers=1)


def test_ce_plane_and_ceac_figures_render(result):
    fig = ce_plane_figure(result, ("base", "gers"), "bed-days saved")
    try:
        ax = fig.axes[0]
        points = ax.collections[0].get_offsets()
        np.testing.assert_allclose(points[:, 0], result.draws["incremental_effect"])
        np.testing.assert_allclose(points[:, 1], result.draws["incremental_cost"])
        assert "gers vs base" in ax.get_title()
    finally:
        plt.close(fig)
    fig = ceac_figure(result, ("base", "gers"), "bed-days saved")
    try:
        line = fig.axes[0].lines[0]
        np.testing.assert_allclose(line.get_xdata(), result.wtp)
        np.testing.assert_allclose(line.get_ydata(), result.acceptability)
    finally:
        plt.close(fig)


# --- command line -----------------------------------------------------------------------------------------


def write_short(folder: Path, name: str, parent: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    run = "run:\n  years: 1.5\n  warmup_days: 60\n  replications: 2\n"
    path.write_text(f"extends: {parent}\nname: {name}\n{run}{extra}", encoding="utf-8")
    return path


def invoke(*args) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_sensitivity_cli_writes_table_and_tornados(tmp_path, table):
    scenario = write_short(tmp_path / "s", "base_short", BASELINE)
    out = tmp_path / "sens"
    result = invoke(
        "sensitivity",
        scenario,
        "--param",
        "costs.had_day_eur=150:350",
        "--param",
        "blinatumomab.arrivals.episodes_per_year=4:12",
        *("--kpi", "cost_total_per_year", "--kpi", "travel_km_per_year"),
        *("--replications", 2, "--workers", 1, "--out", out),
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "sensitivity.csv",
        "tornado_cost_total_per_year.png",
        "tornado_travel_km_per_year.png",
    ]
    written = pd.read_csv(out / "sensitivity.csv")
    expected = table[table["kpi"].isin(["cost_total_per_year", "travel_km_per_year"])]
    pd.testing.assert_frame_equal(written, expected.reset_index(drop=True), check_exact=False, rtol=1e-12)
    assert "cost_total_per_year" in result.stdout
    # what reproduces it (it had no seed, no replications, no hash)
    manifest = json.loads((out / "manifest.json").read_text())
    run = load_scenario(scenario)
    assert (manifest["seed"], manifest["replications"]) == (run.run.seed, 2)
    assert manifest["scenario_hash"] == run.hash()


def test_sensitivity_cli_uses_the_file_section_and_is_worker_independent(tmp_path, base):
    extra = (
        "sensitivity:\n  parameters:\n    - {key: costs.nurse_visit_eur, low: 10, high: 40}\n"
        "  kpis: [cost_nurse_visits_per_year, trips_per_year]\n"
    )
    scenario = write_short(tmp_path / "s", "base_short", BASELINE, extra)
    out = tmp_path / "sens"
    result = invoke("sensitivity", scenario, "--replications", 2, "--workers", 2, "--out", out)
    assert result.exit_code == 0, result.output + repr(result.exception)
    written = pd.read_csv(out / "sensitivity.csv")
    assert set(written["kpi"]) == {"cost_nurse_visits_per_year", "trips_per_year"}
    assert (out / "tornado_cost_nurse_visits_per_year.png").exists()
    assert (out / "tornado_trips_per_year.png").exists()
    parameter = SensitivityParameter(key="costs.nurse_visit_eur", low=10, high=40)
    expected = one_way(base, [parameter], ["cost_nurse_visits_per_year", "trips_per_year"], 2, workers=1)
    pd.testing.assert_frame_equal(written, expected, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--param", "costs.had_day_eur"), "expected key=low:high"),
        (("--param", "costs.had_day_eur=150"), "expected key=low:high"),
        (("--param", "costs.nope=1:2"), "costs.nope: expected a key path of the scenario"),
        (
            ("--param", "costs.had_day_eur=1:2", "--kpi", "no_such_kpi"),
            "--kpi 'no_such_kpi': expected a KPI name",
        ),
        (
            ("--param", "costs.had_day_euro=1:2"),
            "--param: costs.had_day_euro: expected a key path of the scenario",
        ),
        (
            ("--param", "costs.had_day_eur=-100:350"),
            "--param: costs.had_day_eur: expected greater than or equal",
        ),
    ],
)
def test_sensitivity_cli_bad_input_exits_2_without_traceback(tmp_path, args, message):
    scenario = write_short(tmp_path / "s", "base_short", BASELINE)
    out = tmp_path / "sens"
    result = invoke("sensitivity", scenario, *args, "--replications", 1, "--workers", 1, "--out", out)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert message in " ".join(result.stderr.split())
    assert not out.exists()


def test_psa_folder_has_draws_curve_and_figures(tmp_path, small):
    folder = tmp_path / "s"
    base_file = write_short(folder, "base_short", BASELINE)
    other_file = write_short(folder, "gers_short", SCENARIOS / "gers_pasteur.yaml")
    scenario_base, scenario_other = load_scenario(base_file), load_scenario(other_file)
    result = psa(scenario_base, scenario_other, iterations=3, replications=1, workers=1)
    out = write_psa(result, scenario_base, scenario_other, tmp_path / "psa")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["ce_plane.png", "ceac.csv", "ceac.png", "manifest.json", "psa_draws.csv"]
    draws = pd.read_csv(out / "psa_draws.csv")
    pd.testing.assert_frame_equal(draws, small.draws, check_exact=False, rtol=1e-12)
    curve = pd.read_csv(out / "ceac.csv")
    assert list(curve.columns) == ["wtp", "probability_cost_effective"]
    np.testing.assert_allclose(curve["wtp"], small.wtp)
    np.testing.assert_allclose(curve["probability_cost_effective"], small.acceptability)
    assert curve["probability_cost_effective"].between(0, 1).all()
    printed = " ".join(psa_lines(result, ("base_short", "gers_short")))
    assert "gers_short vs base_short" in printed
    assert "3 draws x 1 replications" in printed
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 20261123 and manifest["iterations"] == 3


def test_psa_cli_prints_the_summary_and_writes_the_folder(tmp_path):
    folder = tmp_path / "s"
    base_file = write_short(folder, "base_short", BASELINE)
    other_file = write_short(folder, "gers_short", SCENARIOS / "gers_pasteur.yaml")
    out = tmp_path / "psa"
    args = ("--iterations", 2, "--replications", 1, "--workers", 1, "--out", out)
    result = invoke("psa", base_file, other_file, *args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    printed = " ".join(result.stdout.split())
    assert "gers_short vs base_short, 2 draws x 1 replications" in printed
    assert "probability cost-saving and more effective" in printed
    assert (out / "psa_draws.csv").exists() and (out / "manifest.json").exists()


def test_percentile_interval_and_incremental_summary_by_hand():
    assert percentile_interval(np.arange(101.0)) == (2.5, 97.5)
    assert percentile_interval(np.arange(101.0), percent=90) == (5.0, 95.0)
    cost = pd.Series([-100.0, -50.0, 20.0, 30.0])
    effect = pd.Series([2.0, 1.0, -1.0, 2.0])
    s = incremental_summary(cost, effect)
    assert (s.cost_mean, s.effect_mean) == (-25.0, 1.0)
    assert s.ratio_of_means == -25.0
    assert s.probability_dominant == 0.5  # the first two draws save money and gain effect
    assert s.cost_interval == pytest.approx(tuple(np.percentile(cost, [2.5, 97.5])))
    assert math.isnan(incremental_summary(cost, pd.Series([1.0, -1.0, 1.0, -1.0])).ratio_of_means)


@pytest.mark.parametrize(
    "cost, effect, quadrant, said",
    [
        (-39_536.0, 95.9, "dominant", "none to quote: on average it dominates (costs less and does more)"),
        (8_402.0, -1.62, "dominated", "none to quote: on average it is dominated (costs more and does less)"),
        (1_000.0, 4.0, "more_for_more", "250 EUR per unit of effect gained (costs more, does more)"),
        (
            -1_000.0,
            -4.0,
            "less_for_less",
            "250 EUR saved per unit of effect given up (costs less, does less)",
        ),
        (1_000.0, 0.0, "no_effect", "undefined (the mean effect is 0)"),
    ],
)
def test_a_negative_ratio_is_never_quoted_the_quadrant_is_said(cost, effect, quadrant, said):
    """'-412 EUR per unit of effect' was printed for an option that saved and did more, and '-5,180'
    for one that cost more and did less (a health economist's review)."""
    s = incremental_summary(pd.Series([cost, cost]), pd.Series([effect, effect]))
    assert s.quadrant == quadrant
    draws = pd.DataFrame({"incremental_cost": [cost] * 2, "incremental_effect": [effect] * 2})
    result = types.SimpleNamespace(
        draws=draws,
        iterations=2,
        replications=1,
        cost="cost",
        outcome="trips_per_year",
        outcome_direction="decrease",
        outcome_unchanged=False,
    )
    lines = psa_lines(result, ("a", "b"))
    assert lines[3] == f"  ratio of means: {said}"
    assert "trips_per_year" not in " ".join(lines)  # the effect said in words, not by its key


def test_psa_cli_with_no_parameters_exits_2(tmp_path):
    folder = tmp_path / "s"
    base_file = write_short(folder, "base_short", BASELINE, "psa:\n  parameters: []\n")
    other_file = write_short(folder, "gers_short", SCENARIOS / "gers_pasteur.yaml")
    out = tmp_path / "psa"
    result = invoke("psa", base_file, other_file, "--iterations", 2, "--replications", 1, "--out", out)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "psa.parameters: expected at least one parameter" in " ".join(result.stderr.split())
    assert not out.exists()


def test_psa_parameter_ranges_in_baseline_come_with_bounds(base):
    # the PSA's uniform ranges are the one-way ranges of the same keys
    one_way_ranges = {p.key: (p.low, p.high) for p in base.sensitivity.parameters}
    for p in base.psa.parameters:
        if p.distribution.dist == "uniform":
            assert one_way_ranges[p.key] == (p.distribution.low, p.distribution.high), p.key
    gamma = next(p.distribution for p in base.psa.parameters if p.distribution.dist == "gamma")
    assert gamma.cv == pytest.approx(1 / math.sqrt(32), abs=0.01)  # 32 episodes observed


def test_a_whole_number_parameters_draws_are_recorded_as_run(tmp_path):
    """Pumps drawn uniform(1, 3) were run as 1, 2 or 3 but saved as 2.194, 1.771…: psa_draws.csv
    must say what the model ran."""
    folder = tmp_path / "s"
    psa_section = (
        "psa:\n  iterations: 4\n  replications: 1\n  parameters:\n"
        "    - key: home_care.pumps\n      distribution: {dist: uniform, low: 1, high: 3}\n"
        "    - key: costs.had_day_eur\n      distribution: {dist: uniform, low: 150, high: 350}\n"
    )
    base = load_scenario(write_short(folder, "base_short", BASELINE, psa_section))
    other = load_scenario(write_short(folder, "gers_short", SCENARIOS / "gers_pasteur.yaml"))
    result = psa(base, other, workers=1)
    pumps = result.draws["home_care.pumps"]
    assert (pumps == pumps.round()).all() and pumps.between(1, 3).all()
    euros = result.draws["costs.had_day_eur"]
    assert (euros != euros.round()).any()  # a continuous parameter keeps its draw


def test_a_reversed_range_and_a_zero_willingness_to_pay_axis_are_refused(tmp_path):
    """350:150 ran with 'at low' the 350 value (the tornado's colours swapped); --wtp-max 0 drew a
    curve of 201 points at 0."""
    result = invoke("sensitivity", BASELINE, "--param", "costs.had_day_eur=350:150", "--out", tmp_path / "x")
    assert result.exit_code == 2 and not (tmp_path / "x").exists()
    (line,) = result.stderr.strip().splitlines()
    assert (
        line == "error: --param 'costs.had_day_eur=350:150': expected low < high, found low 350 and high 150"
    )
    with pytest.raises(ScenarioError, match="expected low < high, found low 2 and high 2"):
        parse_parameter("beds.capacity=2:2")
    other = SCENARIOS / "beds_20.yaml"
    result = invoke("psa", BASELINE, other, "--wtp-max", 0, "--out", tmp_path / "p")
    assert result.exit_code == 2 and "expected a number above 0, found 0" in result.output
    assert not (tmp_path / "p").exists()
    # a KPI name given on the command line is blamed on its option, not on the base file
    result = invoke("psa", BASELINE, other, "--outcome", "trips_per_yr", "--out", tmp_path / "p")
    assert result.exit_code == 2 and not (tmp_path / "p").exists()
    assert result.stderr.strip() == "error: --outcome 'trips_per_yr': expected a KPI name of replications.csv"
