"""The Streamlit page of ``occisim app``: a map of HAD zones to click, levers, a comparison, results.

Run by ``streamlit run`` (``occisim app`` sets the options: loopback address, no telemetry). The
page shows what ``sim.app.choices`` computes and starts ``sim.app.jobs.ComparisonJob``; nothing is
fetched from the network (no base map: deck.gl draws the zones alone).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from sim.app import choices as ch
from sim.app.choose_view import choose_tab
from sim.app.jobs import CANCELLED, DONE, FAILED, ComparisonJob, ScenarioFile, folder_files
from sim.app.map_view import hads_map
from sim.app.session import AUTHORISED_KEY, base_territory, lang, num, numbers_styled, t
from sim.app.texts import LANGUAGES
from sim.measures.catalogue import TERMINAL_KPIS
from sim.outputs.i18n import kpi_label
from sim.outputs.text import format_difference
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.sources import parameter_sources
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory

LEVER_KEY = "lever:"
MIME = {".html": "text/html", ".csv": "text/csv", ".yaml": "application/x-yaml"}
BROWSER_MAX_INT = 2**53 - 1
FLOAT_STEP = 0.1
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Loaded:
    """The scenario the planner started from: its file's sources and its bound territory."""

    def __init__(self, label: str, scenario: Scenario, sources: dict) -> None:
        self.label, self.scenario, self.sources = label, scenario, sources
        self.territory = scenario_territory(scenario, base_territory())


def _loaded() -> Loaded:
    return st.session_state["loaded"]


# --- starting point: a shipped scenario or an uploaded file ------------------------------------


def start_from(loaded: Loaded) -> None:
    """Make ``loaded`` the starting point: every lever and the HAD list take its values."""
    st.session_state["loaded"] = loaded
    start = ch.choices_of(loaded.scenario, loaded.territory)
    for key, value in start.values.items():
        st.session_state[LEVER_KEY + key] = value
    st.session_state[AUTHORISED_KEY] = sorted(start.authorised)
    st.session_state["map_version"] = st.session_state.get("map_version", 0) + 1


def _pick_shipped() -> None:
    name = st.session_state["picked"]
    path = ch.shipped_scenarios()[name]
    start_from(Loaded(path.name, load_scenario(path), parameter_sources(path)))
    st.session_state.pop("upload_errors", None)


def _read_upload() -> None:
    upload = st.session_state.get("upload")
    if upload is None:
        return
    try:
        scenario, sources = ch.read_uploaded(upload.name, upload.getvalue(), base_territory())
    except ScenarioError as exc:
        st.session_state["upload_errors"] = exc.messages
        return
    st.session_state.pop("upload_errors", None)
    start_from(Loaded(upload.name, scenario, sources))


def sidebar() -> None:
    with st.sidebar:
        st.radio(t("language"), LANGUAGES, key="lang", horizontal=True, format_func=str.upper)
        st.selectbox(t("start_from"), list(ch.shipped_scenarios()), key="picked", on_change=_pick_shipped)
        st.file_uploader(t("upload"), type=["yaml", "yml"], key="upload", on_change=_read_upload)
        if errors := st.session_state.get("upload_errors"):
            st.error(t("upload_bad") + "\n\n" + "\n".join(f"- `error: {line}`" for line in errors))
        st.caption(t("reference", name=ch.REFERENCE_FILE))


# --- the map and the coverage -------------------------------------------------------------------


def current_choices() -> ch.Choices:
    values = {key: st.session_state[LEVER_KEY + key] for key in ch.lever_keys(_loaded().scenario)}
    return ch.Choices(frozenset(st.session_state[AUTHORISED_KEY]), values)


def coverage_panel(territory: Territory) -> None:
    start = _loaded().territory
    total = ch.coverage_total(territory, start)
    st.subheader(t("coverage"))
    shown = {"without": ",d", "total": ",d", "share": ".1%", "delta": "+,d"}
    st.markdown(t("coverage_total", **{k: num(total[k], spec) for k, spec in shown.items()}))
    by_dep = ch.coverage_by_department(territory, start)
    st.markdown(f"**{t('by_department')}**")
    people = ["population", "population_with", "population_without"]
    specs = {**dict.fromkeys(people, ",d"), "share_without": ".1%", "change_without": "+,d"}
    st.dataframe(numbers_styled(_headed(by_dep), {t(k): v for k, v in specs.items()}), hide_index=True)
    st.markdown(f"**{t('by_zone')}**")
    zones = ch.coverage_by_zone(territory)
    zones["authorised"] = zones["authorised"].map({True: t("yes"), False: t("no")})
    st.dataframe(numbers_styled(_headed(zones), {t("population"): ",d"}), hide_index=True)


def _headed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={c: t(c) for c in frame.columns})


# --- levers -------------------------------------------------------------------------------------


def lever_widgets() -> None:
    loaded = _loaded()
    file_values = ch.choices_of(loaded.scenario, loaded.territory).values
    levers = ch.levers(loaded.sources, loaded.scenario)
    rates = ch.episodes_by_indication(loaded.scenario, current_choices())
    st.subheader(t("levers"))
    for lever in levers:
        if lever.key == ch.RUN_KEYS[0]:
            st.subheader(t("run_settings"))
        _lever_widget(lever, file_values[lever.key], rates.get(lever.key))


def _lever_label(lever: ch.Lever) -> str:
    if not lever.label:
        return t(lever.key)
    unit = "indication_share" if lever.key.endswith(".share") else "indication_rate"
    return t(unit, label=lever.label)


def _shown_value(value: object) -> str:
    """A lever's value in words: a bag policy by its text, a decimal as the language writes it."""
    if isinstance(value, str):
        return t(value)
    return num(value, "g") if isinstance(value, float) else str(value)


def _lever_widget(lever: ch.Lever, file_value: object, episodes: float | None) -> None:
    key = LEVER_KEY + lever.key
    label = _lever_label(lever)
    if lever.kind == "choice":
        st.selectbox(label, lever.options, key=key, format_func=t)
    elif lever.kind == "int":  # a browser's numbers are exact to 2**53 (seeds may go to 2**63)
        st.number_input(label, int(lever.low), min(int(lever.high), BROWSER_MAX_INT), step=1, key=key)
    else:
        low = lever.low if lever.low_allowed else lever.low + FLOAT_STEP
        st.number_input(label, float(low), float(lever.high), step=FLOAT_STEP, format="%.2f", key=key)
    source = lever.source or t("no_source")
    notes = [f"{t('source')} : {source}" if lang() == "fr" else f"{t('source')}: {source}"]
    value = st.session_state[key]
    if value != file_value:
        notes.append(t("changed", value=_shown_value(file_value)))
    if lever.key == ch.DEMAND_KEY and file_value:
        notes.append(t("demand_factor", factor=num(float(value) / float(file_value), ".2f")))
    if episodes is not None and lever.key.endswith(".share"):
        notes.append(t("indication_episodes", episodes=num(episodes, ".2f")))
    st.caption(" · ".join(notes))


# --- the comparison -------------------------------------------------------------------------------


def _reference() -> tuple[Scenario, dict]:
    path = ch.shipped_scenarios()[Path(ch.REFERENCE_FILE).stem]
    return load_scenario(path), parameter_sources(path)


def start_comparison() -> None:
    loaded = _loaded()
    choices = current_choices()
    try:
        chosen = ch.apply_choices(loaded.scenario, loaded.territory, choices)
    except ScenarioError as exc:
        st.session_state["choice_errors"] = exc.messages
        return
    st.session_state.pop("choice_errors", None)
    reference_file, reference_sources = _reference()
    reference, chosen = ch.comparison_pair(reference_file, chosen)
    reference_changes = {
        key: (ch.lever_value(reference_file, key), ch.lever_value(reference, key))
        for key in ch.RUN_KEYS
        if ch.lever_value(reference_file, key) != ch.lever_value(reference, key)
    }
    changed = ch.changes(loaded.scenario, loaded.territory, choices)
    files = (
        ScenarioFile(reference, ch.scenario_yaml(reference, reference_sources, reference_changes)),
        ScenarioFile(chosen, ch.scenario_yaml(chosen, loaded.sources, changed)),
    )
    st.session_state["job"] = ComparisonJob(*files, lang=lang(), territory=base_territory()).start()


def _cancel() -> None:
    if job := st.session_state.get("job"):
        job.cancel()


@st.fragment(run_every=0.5)
def progress_panel() -> None:
    """Redrawn every half second while the job runs; the whole page is redrawn once it ends."""
    job: ComparisonJob = st.session_state["job"]
    status = job.status()
    if status.finished:
        st.rerun(scope="app")
    done = min(status.done, status.total)
    st.progress(
        done / max(status.total, 1), text=t("progress", done=num(done, ",d"), total=num(status.total, ",d"))
    )
    if status.state != "running":
        st.info(t("building_report"))
    st.button(t("cancel"), key="cancel", on_click=_cancel)


def results_panel(job: ComparisonJob) -> None:
    status = job.status()
    if status.state == CANCELLED:
        st.warning(t("cancelled"))
        return
    if status.state == FAILED:
        st.error(f"{t('failed')} {status.error}")
        return
    if status.state != DONE or status.folder is None:
        return
    st.subheader(t("results"))
    st.success(t("done", folder=status.folder))
    comparison = status.folder / "comparison"
    st.markdown(f"**{t('comparison_table')}**")
    st.dataframe(kpi_table(comparison / "comparison.csv", job.files[1].scenario.name), hide_index=True)
    st.markdown(f"**{t('downloads')}**")
    columns = st.columns(3)
    for index, path in enumerate(folder_files(status.folder)):
        shown = f"{path.parent.name}/{path.name}" if path.suffix == ".yaml" else path.name
        columns[index % 3].download_button(
            shown,
            path.read_bytes(),
            file_name=path.name,
            mime=MIME.get(path.suffix, XLSX_MIME),
            key=f"download-{path.name}",
            on_click="ignore",  # no rerun: a rerun would drop the file being downloaded
        )
    report = comparison / "report.html"
    if report.is_file():
        components.html(report.read_text(encoding="utf-8"), height=900, scrolling=True)


def kpi_table(path: Path, chosen: str) -> pd.DataFrame:
    """The headline KPIs of comparison.csv: the reference, the chosen scenario, the paired difference."""
    table = pd.read_csv(path)
    wide = table[table["scenario"] == chosen].set_index("kpi")
    base = table[table["scenario"] != chosen].set_index("kpi")
    rows = []
    for key, _, fmt in TERMINAL_KPIS:
        if key not in wide.index:
            continue
        row = wide.loc[key]
        difference = format_difference(row["diff_mean"], row["diff_ci_low"], row["diff_ci_high"], fmt, lang())
        rows.append(
            {
                "KPI": kpi_label(key, lang(), indent=False),
                t("reference_column"): num(base.loc[key, "mean"], fmt),
                chosen: num(row["mean"], fmt),
                t("difference_column"): difference + (" *" if row["significant"] else ""),
            }
        )
    return pd.DataFrame(rows)


def search_base() -> tuple[ScenarioFile | None, list[str]]:
    """The scenario the choices make, as the search's base (or the lines refusing the choices)."""
    loaded, choices = _loaded(), current_choices()
    try:
        made = ch.apply_choices(loaded.scenario, loaded.territory, choices)
    except ScenarioError as exc:
        return None, exc.messages
    changed = ch.changes(loaded.scenario, loaded.territory, choices)
    return ScenarioFile(made, ch.scenario_yaml(made, loaded.sources, changed)), []


def compare_tab() -> None:
    loaded = _loaded()
    choices = current_choices()
    territory = loaded.territory.with_authorisation(
        {
            h: h in choices.authorised
            for h in loaded.territory.hads.index
            if h not in loaded.scenario.territory.merge
        }
    )
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("map"))
        st.caption(t("map_help"))
        hads_map(territory, loaded.scenario.territory)
        if note := st.session_state.pop("map_note", None):
            st.info(note)
        names = territory.hads["name"]
        options = [h for h in territory.hads.index if h not in loaded.scenario.territory.merge]
        st.multiselect(
            t("authorised_hads"), options, key=AUTHORISED_KEY, format_func=lambda h: f"{h} — {names[h]}"
        )
        coverage_panel(territory)
    with right:
        lever_widgets()
        job = st.session_state.get("job")
        running = job is not None and not job.status().finished
        st.button(t("run"), type="primary", disabled=running, on_click=start_comparison, key="run")
        if errors := st.session_state.get("choice_errors"):
            st.error(t("invalid") + "\n\n" + "\n".join(f"- {line}" for line in errors))
        if running:
            progress_panel()
    if job is not None and job.status().finished:
        results_panel(job)


def main() -> None:
    st.set_page_config(page_title="occisim", layout="wide")
    if "loaded" not in st.session_state:
        st.session_state.setdefault("picked", Path(ch.REFERENCE_FILE).stem)
        _pick_shipped()
    sidebar()
    st.title(t("title"))
    st.caption(t("intro"))
    loaded = _loaded()
    st.markdown(t("started_from", file=loaded.label, name=loaded.scenario.name))
    compare, choose = st.tabs([t("tab_compare"), t("tab_choose")])
    with compare:
        compare_tab()
    with choose:
        choose_tab(*search_base())


main()
