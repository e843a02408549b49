"""The page's "Which HADs next?" tab: ``occisim choose`` on the scenario the planner set.

The base scenario is the one the other tab stands for (its authorisations and levers); the planner
picks the candidate HADs (by default those the base does not authorise), the most new authorisations,
the objective, δ, α and the replication budget. ``sim.app.search_job.SearchJob`` runs the search in
the background; the tab shows its progress, then the best set, the sets not told apart, the paired
differences to the best, the Pareto chart and the maps of ``sim.outputs.choice``, and the downloads.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import streamlit as st

from sim.app.jobs import CANCELLED, DONE, FAILED, RUNNING, ScenarioFile
from sim.app.search_job import OBJECTIVES, SEARCH_FOLDER, SearchJob, SearchRequest, candidate_hads
from sim.app.session import base_territory, lang, num, numbers_styled, t
from sim.outputs import choice
from sim.outputs.choice import pareto_figure, top_set_maps
from sim.outputs.i18n import kpi_title
from sim.runs.search import SearchResult
from sim.scenario.bounds import MAX_EUR, MAX_REPLICATIONS

JOB = "search_job"
KEY = "choose:"  # the tab's widgets
MAX_NEW = 6  # as `occisim choose --max-new`
DEFAULTS = SearchRequest(())  # the CLI's defaults
MAPS_PER_ROW = 3
MAX_PSA_DRAWS = 100  # each draw repeats the whole search


def had_names() -> dict[str, str]:
    hads = base_territory().hads
    return dict(zip(hads.index, hads["name"]))


def set_label(name: str) -> str:
    """An authorisation set by its HADs' names, in the page's language."""
    return choice.set_label(name, had_names(), lang())


def choose_tab(base: ScenarioFile | None, errors: list[str]) -> None:
    """The tab: the search's settings, its run, its results. ``base`` is None when the choices of
    the other tab are refused (``errors``)."""
    st.subheader(t("choose_title"))
    st.caption(t("choose_intro"))
    if base is None:
        st.error(t("invalid") + "\n\n" + "\n".join(f"- {line}" for line in errors))
        return
    request = _settings(base)
    job: SearchJob | None = st.session_state.get(JOB)
    running = job is not None and not job.status().finished
    ready = bool(request.candidates)
    st.button(
        t("choose_run"), type="primary", disabled=running or not ready, key="choose_run",
        on_click=_start, args=(base, request),
    )  # fmt: skip
    st.caption(t("choose_cli", options=" ".join(request.cli_options())))
    if running:
        _progress_panel()
    elif job is not None:
        _results(job)


def _settings(base: ScenarioFile) -> SearchRequest:
    offered = candidate_hads(base.scenario, base_territory())
    names = had_names()
    key = KEY + "candidates"
    if st.session_state.get(KEY + "offered") != offered:  # a new base: its unauthorised HADs again
        st.session_state[KEY + "offered"] = offered
        st.session_state[key] = offered
    candidates = st.multiselect(
        t("choose_candidates"), offered, key=key, format_func=lambda h: f"{h} — {names[h]}"
    )
    left, middle, right = st.columns(3)
    max_new = left.number_input(t("choose_max_new"), 1, MAX_NEW, DEFAULTS.max_new, key=KEY + "max_new")
    objective = middle.selectbox(
        t("choose_objective"),
        OBJECTIVES,
        key=KEY + "objective",
        format_func=lambda k: kpi_title(k, lang()),
    )
    cost = right.number_input(
        t("choose_cost"), 0.0, float(MAX_EUR), DEFAULTS.cost_per_authorisation, step=1000.0, key=KEY + "cost"
    )
    left, middle, right = st.columns(3)
    delta = left.number_input(
        t("choose_delta"), 0.001, 1e9, DEFAULTS.delta, step=1.0, format="%.3g", key=KEY + "delta"
    )
    alpha = middle.number_input(
        t("choose_alpha"), 0.001, 0.5, DEFAULTS.alpha, step=0.01, format="%.3f", key=KEY + "alpha"
    )
    first = right.number_input(
        t("choose_first_stage"), 2, MAX_REPLICATIONS, DEFAULTS.first_stage, key=KEY + "first_stage"
    )
    left, right = st.columns(2)
    budget = left.number_input(
        t("choose_budget"), 2, MAX_REPLICATIONS, DEFAULTS.max_replications, key=KEY + "budget"
    )
    has_psa = bool(base.scenario.psa.parameters)
    draws = right.number_input(
        t("choose_psa_draws"), 0, MAX_PSA_DRAWS, DEFAULTS.psa_draws, key=KEY + "psa_draws",
        disabled=not has_psa, help=t("choose_psa_help") if has_psa else t("choose_psa_none"),
    )  # fmt: skip
    st.caption(t("choose_years", years=num(base.scenario.run.years, "g"), seed=base.scenario.run.seed))
    return SearchRequest(
        tuple(candidates), int(max_new), objective, float(delta), float(alpha), int(first), int(budget), cost,
        int(draws) if has_psa else 0,
    )  # fmt: skip


def _start(base: ScenarioFile, request: SearchRequest) -> None:
    st.session_state[JOB] = SearchJob(base, request, base_territory(), lang=lang()).start()


def _cancel() -> None:
    if job := st.session_state.get(JOB):
        job.cancel()


@st.fragment(run_every=0.5)
def _progress_panel() -> None:
    job: SearchJob = st.session_state[JOB]
    status = job.status()
    if status.finished:
        st.rerun(scope="app")
    total = max(status.total, status.done, 1)
    text = t("choose_progress", done=num(status.done, ",d"), total=num(status.total, ",d"))
    st.progress(status.done / total, text=text)
    if status.state != RUNNING:
        st.info(t("building_report"))
    st.button(t("cancel"), key="choose_cancel", on_click=_cancel)


def _results(job: SearchJob) -> None:
    status = job.status()
    if status.state == CANCELLED:
        st.warning(t("choose_cancelled"))
        return
    if status.state == FAILED:
        st.error(f"{t('choose_failed')} {status.error}")
        return
    if status.state != DONE or job.result is None or status.folder is None:
        return
    result = job.result
    selection = result.selection
    settings = result.settings
    if selection is None or selection.identified:
        verdict = t("choose_best", confidence=num(1 - settings.alpha, ".0%"), delta=num(settings.delta, "g"))
    else:
        verdict = t("choose_best_budget")
    st.success(f"{verdict} **{set_label(result.best)}**")
    apart = [name for name in (selection.survivors if selection else []) if name != result.best]
    st.markdown(t("choose_apart", sets=" ; ".join(map(set_label, apart)) if apart else t("choose_none")))
    st.dataframe(numbers_styled(*_difference_table(result)), hide_index=True, key="choose_table")
    if result.robustness is not None:
        _robustness(result.robustness, job.request.psa_draws)
    _figures(job)
    _downloads(job)


OBJECTIVE_FORMAT = ",.1f"  # as `occisim choose` writes the objective and the differences


def _difference_table(result: SearchResult) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every set, best first: residents without an HAD, replications, objective, minus best (95% CI)."""
    table = result.table
    fmt = OBJECTIVE_FORMAT
    differences = [
        t("choose_best_mark")
        if best is True
        else ""
        if pd.isna(m)
        else f"{num(m, '+' + fmt)} [{num(lo, '+' + fmt)} ; {num(hi, '+' + fmt)}]"
        for best, m, lo, hi in zip(
            table["best"], table["minus_best"], table["minus_best_ci_low"], table["minus_best_ci_high"]
        )
    ]
    shown = pd.DataFrame(
        {
            t("choose_set"): [set_label(n) for n in table["set"]],
            t("choose_no_had"): table["population_no_had"],
            t("choose_replications"): table["replications"],
            t("choose_mean"): table["objective_common"],
            t("choose_minus_best"): differences,
            t("choose_pareto"): table["pareto"].map({True: t("yes"), False: ""}),
            t("choose_screened"): table["screened_out"].fillna(""),
        }
    )
    specs = {t("choose_no_had"): ",.0f", t("choose_replications"): ",.0f", t("choose_mean"): fmt}
    return shown, specs


def _robustness(robust: pd.DataFrame, draws: int) -> None:
    """Each set's share of the PSA draws where it is the best, as ``occisim choose --psa-draws``."""
    st.markdown(f"**{t('choose_robust_title', draws=draws)}**")
    shown = pd.DataFrame(
        {
            t("choose_set"): [set_label(n) for n in robust["set"]],
            t("choose_share_best"): robust["probability_best"],
            t("choose_best_under"): [choice.variant_names(v, lang()) for v in robust["best_under"]],
        }
    )
    st.dataframe(numbers_styled(shown, {t("choose_share_best"): ".0%"}), hide_index=True, key="choose_robust")


def _figures(job: SearchJob) -> None:
    result = job.result
    st.markdown(f"**{t('choose_pareto_title')}**")
    figure = pareto_figure(result, had_names(), lang())
    st.pyplot(figure)
    plt.close(figure)
    st.markdown(f"**{t('choose_maps_title')}**")
    maps = top_set_maps(result, job.base.scenario, base_territory(), lang())
    for column, (_, figure) in zip(st.columns(MAPS_PER_ROW), maps):
        column.pyplot(figure)
        plt.close(figure)


def _downloads(job: SearchJob) -> None:
    folder = job.status().folder / SEARCH_FOLDER
    st.markdown(f"**{t('downloads')}**")
    left, right = st.columns(2)
    for column, name, mime in ((left, "search.csv", "text/csv"), (right, "report.html", "text/html")):
        path = folder / name
        if path.is_file():
            column.download_button(
                name, path.read_bytes(), file_name=name, mime=mime, key=f"choose-{name}", on_click="ignore"
            )
    st.caption(t("done", folder=folder))
