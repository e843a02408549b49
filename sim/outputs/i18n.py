"""English and French: the texts people read and numbers as each language writes them (KPI labels:
``sim.outputs.kpi_labels``, imported here too).

The language of a command comes from ``--lang``, else the environment variable ``OCCISIM_LANG``,
else the scenario's ``output.lang``, else English. French numbers group thousands with a no-break
space and write a decimal comma (``1 380 300``, ``21,6``, ``84 %``); the machine-readable files
(``summary.csv``, ``comparison.csv``, ``replications.csv``) keep English names and plain numbers in
every language, so that scripts and the report read them alike.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sim.measures.language import NBSP, number  # noqa: F401  (here for the outputs)
from sim.outputs.i18n_report import REPORT_TEXTS
from sim.outputs.i18n_studies import STUDY_TEXTS
from sim.outputs.kpi_labels import (  # noqa: F401  (here for the outputs: KPIs named in either language)
    cost_item_title,
    effect_title,
    had_names,
    hospital_names,
    kpi_label,
    kpi_title,
    place_name,
)

if TYPE_CHECKING:  # (the schema loads pydantic: not for --help)
    from sim.scenario.schema import Scenario

LANGUAGES: tuple[str, ...] = ("en", "fr")
ENV_VAR = "OCCISIM_LANG"

# Every text of the terminal, the readable CSV headers, the workbook and the report, in both languages.
TEXTS: dict[str, tuple[str, str]] = {
    "kpi": ("KPI", "Indicateur"),
    "key": ("KPI key", "Clé de l'indicateur"),
    "mean": ("mean", "moyenne"),
    "ci": ("95% CI", "IC 95 %"),
    "ci_low": ("95% CI low", "IC 95 % bas"),
    "ci_high": ("95% CI high", "IC 95 % haut"),
    "std": ("standard deviation", "écart-type"),
    "n": ("replications", "réplications"),
    "scenario": ("scenario", "scénario"),
    "difference": ("difference to the base", "différence à la référence"),
    "difference_ci": ("difference [95% CI]", "différence [IC 95 %]"),
    "significant": ("CI of the difference excludes 0", "l'IC de la différence exclut 0"),
    "yes": ("yes", "oui"),
    "hash": ("hash", "empreinte"),  # a scenario's content hash (occisim validate)
    "no": ("no", "non"),
    "significance_note": (
        "* the 95% confidence interval of the paired difference excludes 0; ! the difference also reaches "
        "the KPI's minimal important difference (it matters)",
        "* l'intervalle de confiance à 95 % de la différence appariée exclut 0 ; ! la différence "
        "atteint aussi "
        "la plus petite différence importante de l'indicateur (elle compte)",
    ),
    "run_title": (
        "{name}: {replications} replications x {years} years (seed {seed}, {workers} workers, {seconds} s)",
        "{name} : {replications} réplications x {years} ans "
        "(graine {seed}, {workers} processus, {seconds} s)",
    ),
    "compare_title": (
        "{other} vs {base}: {replications} replications each, common random numbers (seed {seed})",
        "{other} contre {base} : {replications} réplications chacun, nombres aléatoires communs "
        "(graine {seed})",
    ),
    "precision_reached": (
        "precision target {target}: reached with {replications} replications per scenario (steps {steps})",
        "précision visée {target} : atteinte avec {replications} réplications par scénario (étapes {steps})",
    ),
    "precision_missed": (
        "precision target {target}: NOT reached (cap {cap}) with {replications} replications per scenario "
        "(steps {steps}); missed by: {missed}",
        "précision visée {target} : NON atteinte (plafond {cap}) avec {replications} réplications par "
        "scénario (étapes {steps}) ; manquée pour : {missed}",
    ),
    "progress": ("{what} {done}/{total}", "{what} {done}/{total}"),
    "sheet_summary": ("summary", "résumé"),
    "sheet_comparison": ("comparison", "comparaison"),
    "sheet_territories": ("by place of residence", "par lieu de résidence"),
    "sheet_about": ("about", "à propos"),
    "report_title": ("occisim report: {names}", "rapport occisim : {names}"),
    "report_title_joint": (" vs ", " contre "),
    "generated": ("Generated {when} from", "Produit le {when} à partir de"),
    "section_question": ("The question and the scenarios", "La question et les scénarios"),
    "section_kpis": ("Key performance indicators", "Indicateurs clés"),
    "section_figures": ("Figures", "Figures"),
    "section_maps": ("Maps", "Cartes"),
    "section_parameters": ("Parameters and sources", "Paramètres et sources"),
    "section_stress": ("Model reporting (STRESS-DES)", "Description du modèle (STRESS-DES)"),
    "nav_summary": ("In short", "En bref"),
    "nav_question": ("Question", "Question"),
    "nav_places": ("By place of residence", "Par lieu de résidence"),
    "nav_timeline": ("Timeline", "Chronologie"),
    "nav_kpis": ("KPIs", "Indicateurs"),
    "nav_figures": ("Figures", "Figures"),
    "nav_maps": ("Maps", "Cartes"),
    "nav_parameters": ("Parameters", "Paramètres"),
    "nav_stress": ("Model reporting (STRESS-DES)", "Description du modèle (STRESS-DES)"),
    "kpi_note": (
        "Mean over replications with 95 % confidence interval (cut to what the KPI can be: never "
        "below 0, a share never above 100 %); differences {method}. "
        "* marks a difference whose interval excludes 0; ! one that also reaches the KPI's minimal "
        "important difference. Statistics exclude the warm-up.",
        "Moyenne des réplications avec intervalle de confiance à 95 % (borné à ce que l'indicateur "
        "peut valoir : jamais sous 0, une part jamais au-dessus de 100 %) ; différences {method}. "
        "* signale une différence dont l'intervalle exclut 0 ; ! une différence qui atteint aussi la plus "
        "petite différence importante de l'indicateur. Les statistiques excluent la mise en régime.",
    ),
    "mean_ci": ("mean [95% CI]", "moyenne [IC 95 %]"),
    "question": ("question", "question"),
    "what_changes": ("what changes", "ce qui change"),
    "seed": ("seed", "graine"),
    "method_paired": (
        "paired by replication (common random numbers)",
        "appariées par réplication (nombres aléatoires communs)",
    ),
    "method_welch": (
        "independent samples (seeds differ; Welch interval)",
        "échantillons indépendants (graines différentes ; intervalle de Welch)",
    ),
    "vs": ("vs {base}", "contre {base}"),
    # --- sensitivity and PSA in the terminal ---
    "sens_title": ("{label} ({kpi}): base {base}", "{label} ({kpi}) : référence {base}"),  # kpi: as in --kpi
    "sens_columns": (
        "parameter|low to high|at low|at high|swing",
        "paramètre|de bas à haut|au bas|au haut|écart",
    ),
    "sens_range": ("{low} to {high}", "{low} à {high}"),  # a parameter's range (a minus sign stays one)
    "sens_progress": ("{name}: one-way sensitivity", "{name} : sensibilité univariée"),
    "sens_written": ("tornado plots and sensitivity.csv", "diagrammes en tornade et sensitivity.csv"),
    "psa_progress": ("PSA {other} vs {base}", "analyse probabiliste {other} contre {base}"),
    "psa_heading": (
        "{other} vs {base}, {draws} draws x {replications} replications",
        "{other} contre {base}, {draws} tirages x {replications} réplications",
    ),
    "psa_cost": (
        "  incremental cost ({cost}): mean {mean} EUR, 95% interval {low} to {high}",
        "  coût incrémental ({cost}) : moyenne {mean} EUR, intervalle à 95 % de {low} à {high}",
    ),
    "psa_effect": (
        "  incremental effect ({effect}): mean {mean}, 95% interval {low} to {high}",
        "  effet incrémental ({effect}) : moyenne {mean}, intervalle à 95 % de {low} à {high}",
    ),
    "psa_unchanged": (
        "  the outcome {outcome} is the same in both scenarios in every draw: no cost-effectiveness "
        "ratio; probability cost-saving: {saving}",
        "  le critère {outcome} est le même dans les deux scénarios à chaque tirage : pas de ratio "
        "coût-efficacité ; probabilité d'économie : {saving}",
    ),
    "psa_choose_outcome": (
        "  choose an outcome that {other} changes with --outcome KPI "
        "(e.g. --outcome trips_per_year --outcome-direction decrease)",
        "  choisir un critère que {other} change avec --outcome INDICATEUR "
        "(par ex. --outcome trips_per_year --outcome-direction decrease)",
    ),
    "psa_ratio": ("  ratio of means: {ratio}", "  ratio des moyennes : {ratio}"),
    "psa_ratio_more_for_more": (
        "{value} EUR per unit of effect gained (costs more, does more)",
        "{value} EUR par unité d'effet gagnée (coûte plus, fait plus)",
    ),
    "psa_ratio_less_for_less": (
        "{value} EUR saved per unit of effect given up (costs less, does less)",
        "{value} EUR économisés par unité d'effet perdue (coûte moins, fait moins)",
    ),
    "psa_ratio_dominant": (
        "none to quote: on average it dominates (costs less and does more)",
        "aucun à citer : en moyenne elle domine (coûte moins et fait plus)",
    ),
    "psa_ratio_dominated": (
        "none to quote: on average it is dominated (costs more and does less)",
        "aucun à citer : en moyenne elle est dominée (coûte plus et fait moins)",
    ),
    "psa_ratio_no_effect": ("undefined (the mean effect is 0)", "non défini (l'effet moyen est 0)"),
    "psa_dominant": (
        "  probability cost-saving and more effective: {share}",
        "  probabilité d'une économie avec plus d'effet : {share}",
    ),
    "psa_written": ("results", "résultats"),
    "written": ("{what} written to ", "{what} : dossier "),  # French: the same for any noun's gender
    "written_results": ("results", "résultats"),
    "written_comparison": ("comparison", "comparaison"),
    "written_search": ("search", "recherche"),
    "written_band": ("band results", "résultats de la bande"),
    "written_report": ("report written to ", "rapport : "),
    "written_report_size": ("({size} MB, self-contained)", "({size} Mo, autonome)"),
    "comparison_files": (
        "(comparison.csv, comparison.xlsx, readable_comparison.csv, manifest.json, one result folder each)",
        "(comparison.csv, comparison.xlsx, readable_comparison.csv, manifest.json, un dossier de "
        "résultats par scénario)",
    ),
    "progress_replications": ("replications", "réplications"),
    "progress_run": ("{name}: replications", "{name} : réplications"),
    "progress_band": (
        "band members x scenarios x replications",
        "membres de la bande x scénarios x réplications",
    ),
    "progress_report": ("building the report", "construction du rapport"),
}
if TEXTS.keys() & REPORT_TEXTS.keys():  # one text per key: a key written twice is a mistake
    raise KeyError(f"texts defined twice: {sorted(TEXTS.keys() & REPORT_TEXTS.keys())}")
TEXTS.update(REPORT_TEXTS)
if TEXTS.keys() & STUDY_TEXTS.keys():
    raise KeyError(f"texts defined twice: {sorted(TEXTS.keys() & STUDY_TEXTS.keys())}")
TEXTS.update(STUDY_TEXTS)

# Which HADs next: `occisim choose`, its page and its section of the report.
TEXTS.update(
    {
        "nav_search": ("Which HADs next?", "Quelles HAD ensuite ?"),
        "search_title": ("Which HADs next?", "Quelles HAD autoriser ensuite ?"),
        "search_status_quo": (
            "status quo (no new authorisation)",
            "statu quo (aucune nouvelle autorisation)",
        ),
        "search_set": ("authorisation set", "ensemble d'autorisations"),
        "search_pareto_front": ("Pareto front", "front de Pareto"),
        "search_selected": ("selected (KN++)", "retenu (KN++)"),
        "search_cost_axis": ("cost a year (k€)", "coût annuel (k€)"),
        "search_cost_axis_priced": (
            "cost a year (k€, authorisations included)",
            "coût annuel (k€, autorisations comprises)",
        ),
        "search_pareto_title": (
            "Authorisation sets: cost against the objective (means of the {n} replications all sets have)",
            "Ensembles d'autorisations : coût contre objectif (moyennes des {n} réplications communes à "
            "tous)",
        ),
        "search_minimise": ("minimise {objective}", "à minimiser : {objective}"),
        "search_mean_reps": ("mean, {n} reps", "moyenne, {n} répl."),
        "search_minus_best": ("minus best [95% CI]", "écart au meilleur [IC 95 %]"),
        "search_best": ("best", "meilleur"),
        "search_reps": ("reps", "répl."),
        "search_verdict_identified": (
            "<b>{best}</b> is the best set at {confidence} confidence (within δ = {delta}).",
            "<b>{best}</b> est le meilleur ensemble, avec une confiance de {confidence} "
            "(à δ = {delta} près).",
        ),
        "search_status_quo_within_delta": (
            "The status quo is only {gap} above the best, less than δ = {delta}: by this objective, no "
            "authorisation gains what was set as mattering.",
            "Le statu quo n'est qu'à {gap} au-dessus du meilleur, moins que δ = {delta} : selon cet "
            "objectif, aucune autorisation ne gagne ce qui a été fixé comme important.",
        ),
        "search_all_within_delta": (
            "Every set simulated is within {gap} of the best, less than δ = {delta}: they differ by less "
            "than what was set as mattering.",
            "Tous les ensembles simulés sont à moins de {gap} du meilleur, moins que δ = {delta} : ils "
            "diffèrent de moins que ce qui a été fixé comme important.",
        ),
        "search_verdict_budget": (
            "<b>{best}</b> is the best set among those the budget could not tell apart: {others}.",
            "<b>{best}</b> est le meilleur des ensembles que le budget n'a pas pu départager : {others}.",
        ),
        "search_best_line": ("best set {confidence}: {best}", "meilleur ensemble {confidence} : {best}"),
        "search_confidence_identified": (
            "(within {delta} of the true best, at {confidence} confidence)",
            "(à {delta} près du vrai meilleur, avec une confiance de {confidence})",
        ),
        "search_confidence_budget": ("(budget spent; not told apart)", "(budget épuisé ; non départagés)"),
        "search_best_in_share": (
            "  best in {share} of variants: {set}",
            "  meilleur dans {share} des variantes : {set}",
        ),
        "search_objective": ("Objective (minimised):", "Objectif (à minimiser) :"),
        "search_sets_title": ("Sets, best first", "Les ensembles, du meilleur au moins bon"),
        "search_sets_note": (
            "Minus best: the set's objective minus the best's, paired on the replications both have (95% "
            "CI). Screened-out sets were not simulated (see the reason).",
            "Écart au meilleur : l'objectif de l'ensemble moins celui du meilleur, apparié sur les "
            "réplications communes (IC 95 %). Les ensembles écartés au tri n'ont pas été simulés (voir la "
            "raison).",
        ),
        "search_new": ("new", "nouvelles"),
        "search_no_had": ("residents with no HAD", "habitants sans HAD"),
        "search_objective_common": (
            "objective (mean of the common replications)",
            "objectif (moyenne des réplications communes)",
        ),
        "search_minus_best_ci": ("minus best (95% CI)", "écart au meilleur (IC 95 %)"),
        "search_cost_k": ("cost a year (k€)", "coût annuel (k€)"),
        "search_not_simulated": ("not simulated because", "non simulé car"),
        "search_same_options": ("same options as {set}", "mêmes options que {set}"),
        "search_opens_nothing": (
            "{hads} opens no option to any resident",
            "{hads} n'ouvre d'option à aucun habitant",
        ),
        "search_pareto_heading": ("Cost against the objective", "Coût contre objectif"),
        "search_maps_heading": ("The best sets on the map", "Les meilleurs ensembles sur la carte"),
        "search_robustness": (
            "Robustness: probability of being best",
            "Robustesse : probabilité d'être le meilleur",
        ),
        "search_share_best": ("share of variants where best", "part des variantes où il est le meilleur"),
        "search_variants": ("variants", "variantes"),
        # the robustness variants' names as sim.runs.robustness writes them (robustness.csv keeps those)
        "search_psa_draw": ("PSA draw", "tirage PSA"),
        "search_band_member": ("band member", "membre de la bande"),
        "search_stress": ("Experimentation (STRESS-DES)", "Expérimentation (STRESS-DES)"),
        "search_stop_identified": (
            "the best identified (one set left)",
            "le meilleur identifié (un seul ensemble restant)",
        ),
        "search_stop_budget": ("the replication budget spent", "le budget de réplications épuisé"),
        "search_x_aim": ("Experimentation aim", "But de l'expérimentation"),
        "search_x_aim_text": (
            "choose which of {candidates} unauthorised HADs to authorise (sets of at most {max_new}), "
            "minimising {objective}",
            "choisir lesquelles des {candidates} HAD non autorisées autoriser (ensembles d'au plus "
            "{max_new}), en minimisant {objective}",
        ),
        "search_x_scenarios": ("Scenarios", "Scénarios"),
        "search_x_scenarios_text": (
            "{sets} authorisation sets; {simulated} simulated after the coverage screen (sets opening the "
            "same options to every resident simulate identically)",
            "{sets} ensembles d'autorisations ; {simulated} simulés après le tri sur la couverture (des "
            "ensembles qui ouvrent les mêmes options à chaque habitant se simulent à l'identique)",
        ),
        "search_x_procedure": ("Procedure", "Procédure"),
        "search_x_procedure_text": (
            "KN++ fully sequential ranking and selection with an indifference zone (Kim and Nelson, 2001, "
            "2006): variances of paired differences re-estimated at each screening, after each batch; "
            "common random numbers",
            "classement et sélection KN++ entièrement séquentiels avec zone d'indifférence (Kim et Nelson, "
            "2001, 2006) : variances des différences appariées réestimées à chaque tri, après chaque lot ; "
            "nombres aléatoires communs",
        ),
        "search_x_delta": ("Indifference zone δ", "Zone d'indifférence δ"),
        "search_x_delta_text": ("{delta} ({objective})", "{delta} ({objective})"),
        "search_x_confidence": ("Confidence", "Confiance"),
        "search_x_confidence_text": (
            "1 - α = {confidence}: the selected set is within δ of the best with at least this probability",
            "1 - α = {confidence} : l'ensemble retenu est à δ près du meilleur avec au moins cette "
            "probabilité",
        ),
        "search_x_replications": ("Replications per set", "Réplications par ensemble"),
        "search_x_replications_text": (
            "first stage {first}, then {batch} at a time, at most {most}; stopped with {stop}",
            "premier palier {first}, puis {batch} à la fois, au plus {most} ; arrêt : {stop}",
        ),
        "search_x_cost": ("Authorisation cost", "Coût d'une autorisation"),
        "search_x_cost_text": (
            "{cost} € a year per new authorisation, added to {kpi}",
            "{cost} € par an et par nouvelle autorisation, ajoutés à {kpi}",
        ),
    }
)


class LanguageError(ValueError):
    """A language occisim does not write; one line naming where it came from."""


def choose_language(option: str | None = None, scenario_lang: str | None = None) -> str:
    """``--lang``, else ``OCCISIM_LANG``, else the scenario's ``output.lang``, else English."""
    candidates = (("--lang", option), (ENV_VAR, os.environ.get(ENV_VAR)), ("output.lang", scenario_lang))
    for where, value in candidates:
        if value:
            lang = value.strip().lower()
            if lang not in LANGUAGES:
                shown = value if len(value) <= 20 else value[:20] + "..."
                raise LanguageError(f"{where}: expected one of {', '.join(LANGUAGES)}, found {shown!r}")
            return lang
    return "en"


def text(key: str, lang: str = "en", **values: object) -> str:
    """A text in the language, its ``{fields}`` filled in."""
    template = TEXTS[key][LANGUAGES.index(lang)]
    return template.format(**values) if values else template


def plural(count: float, lang: str = "en") -> str:
    """The ``{s}`` of a text after ``count``: 's' for more than one (French: 0 and 1 are singular;
    English: only 1)."""
    singular = abs(count) < 2 if lang == "fr" else count == 1
    return "" if singular else "s"


def text_list(key: str, lang: str = "en") -> list[str]:
    """A text holding several short ones separated by ``|`` (table headers, weekday names)."""
    return text(key, lang).split("|")


def scenario_text(scenario: Scenario, name: str, lang: str = "en") -> str:
    """A scenario's own text (``question``, ``description``) in the reader's language: in French its
    ``_fr`` twin when the file gives one, else the text as written."""
    translated = getattr(scenario, f"{name}_fr") if lang == "fr" else ""
    return translated or getattr(scenario, name)


# --- numbers ------------------------------------------------------------------------------------


def method_text(method: str, lang: str = "en") -> str:
    """How differences were computed (``sim.outputs.report.kpi_table`` says it in English)."""
    for key in ("method_paired", "method_welch"):
        if method == TEXTS[key][0]:
            return text(key, lang)
    return method
