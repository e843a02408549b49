"""One-way sensitivity analysis and probabilistic sensitivity analysis (PSA).

One-way: each parameter at its low and its high value, the others at base, every run with the
same seed (common random numbers), so a bar of the tornado is the parameter's effect, not noise.

PSA: the uncertain parameters are drawn together by Latin hypercube, one set per outer iteration;
for each set the base and the compared scenario run the same inner replications (common random
numbers within the iteration). The spread of the incremental cost and incremental outcome across
iterations is the parameter uncertainty: a cost-effectiveness plane and an acceptability curve.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.measures.language import number, say
from sim.measures.statistics import t_interval
from sim.model.draws import latin_hypercube, psa_iteration_seeds
from sim.runs.checks import check_kpi_names, check_parameters  # noqa: F401 - re-exported
from sim.runs.replications import (
    Job,
    Scheduler,
    WorkerPool,
    check_workload,
    with_run_settings,
)
from sim.scenario.errors import ScenarioError, one_line
from sim.scenario.files import value_at, with_values
from sim.scenario.schema import Scenario, SensitivityParameter

# The warnings of sensitivity studies, in English and French.
STUDY_WARNINGS: dict[str, tuple[str, str]] = {
    "unstable_note": (
        "unstable: in some replications the bed queue grew without bound or episodes never started; "
        "their KPIs depend on the run length",
        "instable : dans certaines réplications la file d'attente des lits a crû sans limite ou des "
        "épisodes n'ont jamais commencé ; leurs indicateurs dépendent de la durée simulée",
    ),
    "base_unstable": (
        "the base scenario itself is unstable",
        "le scénario de référence lui-même est instable",
    ),
    "value_unstable": ("{parameter} = {value}: unstable", "{parameter} = {value} : instable"),
    "iterations_unstable": (
        "{flagged} of {iterations} iterations: {note}",
        "{flagged} itérations sur {iterations} : {note}",
    ),
}


def study_warning(key: str, lang: str = "en", **values: object) -> str:
    """The warning ``key`` of STUDY_WARNINGS in ``lang``, its fields filled with ``values``."""
    return say(STUDY_WARNINGS, key, lang, **values)


def split_range(text: str, option: str, form: str, example: str) -> tuple[str, float, float]:
    """``name=low:high`` from the command line as (name, low, high); ScenarioError, one line, if not."""
    try:
        name, bounds = text.split("=", 1)
        low, high = (float(v) for v in bounds.split(":", 1))
    except ValueError:
        raise ScenarioError(
            [f"{option} {one_line(repr(text), 120)}: expected {form}, e.g. {example}"]
        ) from None
    return name.strip(), low, high


def parse_parameter(text: str) -> SensitivityParameter:
    """``key=low:high`` from the command line (ScenarioError, one line, if it is not)."""
    shown_text = one_line(repr(text), 120)
    key, low, high = split_range(text, "--param", "key=low:high", "costs.had_day_eur=150:350")
    try:
        return SensitivityParameter(key=key, low=low, high=high)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = "".join(f"{part}: " for part in error["loc"])  # (none for a rule on the whole range)
        said = one_line(error["msg"].removeprefix("Value error, "), 120)
        raise ScenarioError([f"--param {shown_text}: {where}{said}"]) from None


def one_way(
    scenario: Scenario,
    parameters: Sequence[SensitivityParameter],
    kpis: Sequence[str],
    replications: int,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    scheduler: Scheduler | str | None = None,
) -> pd.DataFrame:
    """Per (parameter, KPI): base, low and high means and the effect of each bound on the KPI."""
    variants = [("base", None, scenario)]
    for p in parameters:
        variants.append(("low", p, with_values(scenario, {p.key: p.low}, origin="sensitivity")))
        variants.append(("high", p, with_values(scenario, {p.key: p.high}, origin="sensitivity")))
    jobs = [(s, r) for _, _, s in variants for r in range(replications)]
    results = _run_checking_kpis(
        jobs,
        kpis,
        lambda missing: f"sensitivity: kpis: expected KPI names of replications.csv, found {missing}",
        workers,
        progress,
        scheduler,
    )
    means: list[dict[str, float]] = []
    unstable: list[float] = []  # share of each variant's replications flagged unstable
    blocks = [pd.DataFrame(results[k * replications : (k + 1) * replications]) for k in range(len(variants))]
    for block in blocks:
        means.append(block[list(kpis)].mean().to_dict())
        unstable.append(float(block["unstable"].mean()))
    base = means[0]
    rows = []
    for i, p in enumerate(parameters):
        low, high = means[1 + 2 * i], means[2 + 2 * i]
        flagged = {"unstable_at_low": unstable[1 + 2 * i], "unstable_at_high": unstable[2 + 2 * i]}
        for kpi in kpis:
            rows.append(
                {
                    "parameter": p.key,
                    "base_value": value_at(scenario, p.key),
                    "low_value": p.low,
                    "high_value": p.high,
                    "kpi": kpi,
                    "kpi_base": base[kpi],
                    "kpi_at_low": low[kpi],
                    "kpi_at_high": high[kpi],
                    "effect_low": low[kpi] - base[kpi],
                    "effect_high": high[kpi] - base[kpi],
                    "swing": abs(high[kpi] - low[kpi]),
                    # 95 % half-widths of the effects, paired by replication (common random numbers)
                    **{
                        f"effect_{at}_ci_half": _paired_half_width(blocks[j][kpi], blocks[0][kpi])
                        for at, j in (("low", 1 + 2 * i), ("high", 2 + 2 * i))
                    },
                    "unstable_at_base": unstable[0],
                    **flagged,
                }
            )
    return pd.DataFrame(rows)


def _paired_half_width(variant: pd.Series, base: pd.Series) -> float:
    """95 % half-width of the mean effect, replication r of the variant against replication r of the base."""
    return t_interval((variant - base).to_numpy(float))[1]


def _run_checking_kpis(
    jobs: Sequence[Job],
    kpis: Sequence[str],
    refusal: Callable[[list[str]], str],
    workers: int | None,
    progress: Callable[[int], None] | None,
    scheduler: Scheduler | str | None = None,
) -> list[dict[str, float]]:
    """The KPIs of the jobs, the first run alone first: KPI names it lacks are refused (ScenarioError,
    ``refusal(missing)``) in a second, not after all the runs. Too much work is refused before both.
    Both batches run in one pool (the first alone runs in this process, or on the cluster)."""
    check_workload([(scenario, 1) for scenario, _ in jobs])
    with WorkerPool(workers, scheduler=scheduler) as pool:
        first = pool.kpis(jobs[:1], progress)
        missing = [kpi for kpi in kpis if kpi not in first[0]]
        if missing:
            raise ScenarioError([refusal(missing)])
        return first + (pool.kpis(jobs[1:], progress) if len(jobs) > 1 else [])


def one_way_warnings(table: pd.DataFrame, lang: str = "en") -> list[str]:
    """The runs of a one-way table whose replications were unstable (queues growing without bound)."""
    if "unstable_at_base" not in table:
        return []
    warnings = [study_warning("base_unstable", lang)] if table["unstable_at_base"].iloc[0] else []
    for at in ("low", "high"):
        flagged = table.loc[table[f"unstable_at_{at}"] > 0, ["parameter", f"{at}_value"]].drop_duplicates()
        warnings += [
            study_warning("value_unstable", lang, parameter=key, value=number(value, "g", lang))
            for key, value in flagged.itertuples(index=False)
        ]
    if warnings:
        warnings.append(study_warning("unstable_note", lang))
    return warnings


# --- probabilistic sensitivity analysis ---


@dataclass
class PSAResult:
    draws: pd.DataFrame  # one row per outer iteration: parameter values, costs, outcomes, increments
    wtp: np.ndarray
    acceptability: np.ndarray  # probability the compared scenario is cost-effective at each wtp
    cost: str
    outcome: str
    outcome_direction: str  # "increase": more outcome is better; "decrease": less is
    seed: int  # the seed of the parameter draws and of the iterations' inner seeds
    iterations: int
    replications: int  # inner replications per scenario and iteration

    def warnings(self, lang: str = "en") -> list[str]:
        """Iterations whose runs were unstable (queues growing without bound, episodes never started)."""
        flagged = int((self.draws["unstable"] > 0).sum()) if "unstable" in self.draws else 0
        if not flagged:
            return []
        note = study_warning("unstable_note", lang)
        return [
            study_warning("iterations_unstable", lang, flagged=flagged, iterations=self.iterations, note=note)
        ]

    @property
    def outcome_unchanged(self) -> bool:
        """The outcome is the same in both scenarios in every draw: no ratio, no effect to buy."""
        return bool((self.draws["incremental_effect"] == 0).all())


def psa(
    base: Scenario,
    other: Scenario,
    iterations: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    wtp_max: float | None = None,
    progress: Callable[[int], None] | None = None,
    outcome: str | None = None,
    outcome_direction: str | None = None,
    scheduler: Scheduler | str | None = None,
) -> PSAResult:
    """Latin-hypercube PSA of ``other`` against ``base``, using the base scenario's ``psa`` section
    (``outcome`` and ``outcome_direction``, when given, replace the section's)."""
    chosen = {"outcome": outcome or base.psa.outcome}
    chosen["outcome_direction"] = outcome_direction or base.psa.outcome_direction
    spec = base.psa.model_copy(update=chosen)
    n = iterations or spec.iterations
    r = replications or spec.replications
    if not spec.parameters:
        raise ScenarioError(
            ["psa.parameters: expected at least one parameter with a distribution, found none"]
        )
    seed = base.run.seed if seed is None else seed
    u = latin_hypercube(len(spec.parameters), n, seed)
    values = {p.key: p.distribution.ppf(u[:, j]) for j, p in enumerate(spec.parameters)}
    jobs = []
    iteration_seeds = psa_iteration_seeds(seed, n)
    ran: list[dict[str, float]] = []  # each draw as run: a whole-number parameter's draw is rounded
    for i in range(n):
        updates = {key: float(v[i]) for key, v in values.items()}
        # Both scenarios get the same parameter draw and the same inner seed (common random numbers).
        for scenario in (base, other):
            drawn = with_run_settings(with_values(scenario, updates, origin="psa"), seed=iteration_seeds[i])
            jobs += [(drawn, rep) for rep in range(r)]
        ran.append({key: value_at(drawn, key, "psa") for key in values})
    results = _run_checking_kpis(
        jobs,
        [spec.cost, spec.outcome],
        lambda missing: f"psa: {missing[0]}: expected a KPI name of replications.csv",
        workers,
        progress,
        scheduler,
    )
    rows = []
    sign = 1.0 if spec.outcome_direction == "increase" else -1.0
    for i in range(n):
        block = pd.DataFrame(results[2 * i * r : 2 * (i + 1) * r])
        a, b = block.iloc[:r], block.iloc[r:]
        row = dict(ran[i])  # the values run (psa_draws.csv), not the unrounded draws
        row.update(
            {
                "iteration": i,
                "cost_base": a[spec.cost].mean(),
                "cost_other": b[spec.cost].mean(),
                "outcome_base": a[spec.outcome].mean(),
                "outcome_other": b[spec.outcome].mean(),
            }
        )
        row["incremental_cost"] = row["cost_other"] - row["cost_base"]
        row["incremental_effect"] = sign * (row["outcome_other"] - row["outcome_base"])
        row["unstable"] = float(block["unstable"].mean())  # share of the iteration's runs flagged
        rows.append(row)
    draws = pd.DataFrame(rows)
    if wtp_max is None:
        ratio = (draws["incremental_cost"].abs() / draws["incremental_effect"].abs().replace(0, np.nan)).max()
        wtp_max = float(2 * ratio) if np.isfinite(ratio) and ratio > 0 else 1000.0
    wtp = np.linspace(0, wtp_max, 201)
    net = (
        wtp[None, :] * draws["incremental_effect"].to_numpy()[:, None]
        - draws["incremental_cost"].to_numpy()[:, None]
    )
    acceptability = (net > 0).mean(axis=0)
    return PSAResult(draws, wtp, acceptability, spec.cost, spec.outcome, spec.outcome_direction, seed, n, r)
