"""The page's own words, in French and English (KPI labels and the report come from the outputs layer)."""

from __future__ import annotations

LANGUAGES = ("fr", "en")

TEXTS: dict[str, dict[str, str]] = {
    "title": {
        "fr": "occisim : capacités régionales pour le blinatumomab",
        "en": "occisim: regional care capacity for blinatumomab",
    },
    "intro": {
        "fr": "Cliquez une zone d'HAD pour l'autoriser ou lui retirer l'autorisation de chimiothérapie à "
        "domicile, réglez les capacités, puis comparez au scénario de référence.",
        "en": "Click an HAD zone to authorise home chemotherapy there or revoke it, set the capacities, "
        "then compare with the reference scenario.",
    },
    "language": {"fr": "Langue", "en": "Language"},
    "start_from": {"fr": "Scénario de départ", "en": "Start from"},
    "started_from": {
        "fr": "**Scénario de départ** : `{file}` ({name})",
        "en": "**Starting from** `{file}` ({name})",
    },
    "upload": {"fr": "…ou déposez un fichier YAML", "en": "…or upload a YAML file"},
    "upload_ok": {"fr": "Fichier lu : {name}", "en": "File read: {name}"},
    "upload_bad": {
        "fr": "Fichier refusé (mêmes messages que `occisim validate`) :",
        "en": "File refused (the same messages as `occisim validate`):",
    },
    "map": {"fr": "Zones d'HAD", "en": "HAD zones"},
    "map_help": {
        "fr": "Vert : autorisée ; gris : non autorisée ; bleu : territoire partagé. Cliquez une zone "
        "(ou le site d'une HAD) pour changer son autorisation.",
        "en": "Green: authorised; grey: not authorised; blue: shared territory. Click a zone (or an "
        "HAD's site) to change its authorisation.",
    },
    "shared_click": {
        "fr": "Territoire partagé par {hads} : choisissez l'HAD dans la liste ci-dessous.",
        "en": "Territory shared by {hads}: pick the HAD in the list below.",
    },
    "authorised_hads": {"fr": "HAD autorisées (clavier)", "en": "Authorised HADs (keyboard)"},
    "coverage": {"fr": "Couverture, avant toute simulation", "en": "Coverage, before any simulation"},
    "coverage_total": {
        "fr": "{without} habitants sur {total} ({share}) sans HAD autorisée ({delta} par "
        "rapport au scénario de départ).",
        "en": "{without} of {total} inhabitants ({share}) have no authorised HAD ({delta} "
        "against the starting scenario).",
    },
    "by_department": {"fr": "Par département", "en": "By department"},
    "by_zone": {"fr": "Par zone d'HAD", "en": "By HAD zone"},
    "levers": {"fr": "Capacités et demande", "en": "Capacities and demand"},
    "run_settings": {"fr": "Réglages de la simulation", "en": "Simulation settings"},
    "source": {"fr": "Source", "en": "Source"},
    "changed": {"fr": "modifié (valeur du fichier : {value})", "en": "changed (file value: {value})"},
    "demand_factor": {"fr": "× {factor} la demande du fichier", "en": "× {factor} the file's demand"},
    "indication_share": {
        "fr": "Demande, {label} : part des épisodes",
        "en": "Demand, {label}: share of the episodes",
    },
    "indication_rate": {
        "fr": "Demande, {label} : épisodes par an",
        "en": "Demand, {label}: episodes a year",
    },
    "indication_episodes": {
        "fr": "soit {episodes} épisodes par an",
        "en": "that is {episodes} episodes a year",
    },
    "reference_column": {"fr": "référence", "en": "reference"},
    "difference_column": {"fr": "écart [IC à 95 %]", "en": "difference [95% CI]"},
    "run": {"fr": "Comparer au scénario de référence", "en": "Compare with the reference scenario"},
    "cancel": {"fr": "Annuler", "en": "Cancel"},
    "progress": {"fr": "{done} / {total} réplications faites", "en": "{done} / {total} replications done"},
    "building_report": {"fr": "Rapport en préparation…", "en": "Building the report…"},
    "cancelled": {"fr": "Comparaison annulée.", "en": "Comparison cancelled."},
    "failed": {"fr": "La comparaison a échoué :", "en": "The comparison failed:"},
    "done": {"fr": "Résultats écrits dans {folder}", "en": "Results written to {folder}"},
    "invalid": {"fr": "Choix refusés :", "en": "Choices refused:"},
    "results": {"fr": "Résultats", "en": "Results"},
    "downloads": {"fr": "Téléchargements", "en": "Downloads"},
    "download_yaml": {"fr": "Scénario (YAML)", "en": "Scenario (YAML)"},
    "download_base_yaml": {"fr": "Scénario de référence (YAML)", "en": "Reference scenario (YAML)"},
    "comparison_table": {"fr": "Tableau de comparaison", "en": "Comparison table"},
    "reference": {"fr": "Référence : {name}", "en": "Reference: {name}"},
    "assumption": {"fr": "hypothèse", "en": "assumption"},
    "no_source": {"fr": "hypothèse (aucune source indiquée)", "en": "assumption (no source given)"},
    "yes": {"fr": "oui", "en": "yes"},
    "no": {"fr": "non", "en": "no"},
    # lever labels, by key path of the scenario
    "beds.capacity": {"fr": "Lits de l'unité (IUCT-O)", "en": "Beds of the unit (IUCT-O)"},
    "day_hospital.sessions_per_weekday": {
        "fr": "Places d'hôpital de jour par jour de semaine",
        "en": "Day-hospital sessions per weekday",
    },
    "blinatumomab.arrivals.episodes_per_year": {
        "fr": "Demande : épisodes de blinatumomab par an",
        "en": "Demand: blinatumomab episodes a year",
    },
    "bags.where_changed": {"fr": "Où les poches sont changées", "en": "Where bags are changed"},
    "run.years": {"fr": "Années simulées", "en": "Years simulated"},
    "run.replications": {"fr": "Réplications", "en": "Replications"},
    "run.seed": {"fr": "Graine aléatoire", "en": "Random seed"},
    # bag policies
    "day_hospital": {"fr": "à l'hôpital de jour de l'IUCT-O", "en": "at IUCT-O's day hospital"},
    "home": {"fr": "à domicile, par l'infirmier de l'HAD", "en": "at home, by the HAD nurse"},
    "nearest_hospital": {"fr": "à l'hôpital le plus proche", "en": "at the nearest hospital"},
    # table headings
    "dep": {"fr": "Département", "en": "Department"},
    "population": {"fr": "Habitants", "en": "Inhabitants"},
    "population_without": {"fr": "Sans HAD autorisée", "en": "Without an authorised HAD"},
    "population_with": {"fr": "Avec HAD autorisée", "en": "With an authorised HAD"},
    "share_without": {"fr": "Part sans", "en": "Share without"},
    "change_without": {"fr": "Écart sans", "en": "Change without"},
    "had": {"fr": "HAD", "en": "HAD"},
    "name": {"fr": "Nom", "en": "Name"},
    "authorised": {"fr": "Autorisée", "en": "Authorised"},
    # the tabs
    "tab_compare": {"fr": "Comparer un scénario", "en": "Compare a scenario"},
    "tab_choose": {"fr": "Quelles HAD autoriser ensuite ?", "en": "Which HADs next?"},
    # which HADs next (occisim choose)
    "choose_title": {"fr": "Quelles HAD autoriser ensuite ?", "en": "Which HADs next?"},
    "choose_intro": {
        "fr": "Recherche parmi les ensembles d'HAD à autoriser (comme `occisim choose`) : chaque ensemble "
        "d'au plus « nouvelles autorisations » HAD candidates est d'abord trié sur la couverture, sans "
        "simulation, puis les autres sont simulés sous nombres aléatoires communs et classés par KN++ "
        "(le meilleur à δ près avec une probabilité d'au moins 1 − α). Le scénario de base est celui de "
        "l'onglet « Comparer » (HAD autorisées et leviers).",
        "en": "A search over the sets of HADs to authorise (as `occisim choose`): every set of at most "
        "'new authorisations' candidate HADs is first screened on coverage, without simulation; the "
        "others are simulated under common random numbers and ranked by KN++ (the best within δ with "
        "probability at least 1 − α). The base scenario is the one of the 'Compare' tab (authorised HADs "
        "and levers).",
    },
    "choose_candidates": {
        "fr": "HAD candidates (par défaut : les non autorisées)",
        "en": "Candidate HADs (default: those not authorised)",
    },
    "choose_max_new": {"fr": "Nouvelles autorisations, au plus", "en": "New authorisations, at most"},
    "choose_objective": {"fr": "Objectif (à minimiser)", "en": "Objective (minimised)"},
    "choose_cost": {"fr": "Coût d'une autorisation (€ par an)", "en": "Cost of an authorisation (€ a year)"},
    "choose_delta": {
        "fr": "Zone d'indifférence δ (unité de l'objectif)",
        "en": "Indifference zone δ (objective's unit)",
    },
    "choose_alpha": {
        "fr": "α (1 − α : probabilité de bon choix)",
        "en": "α (1 − α: probability of correct selection)",
    },
    "choose_first_stage": {
        "fr": "Réplications de départ par ensemble",
        "en": "First-stage replications per set",
    },
    "choose_budget": {
        "fr": "Budget : réplications par ensemble, au plus",
        "en": "Budget: replications per set, at most",
    },
    "choose_years": {
        "fr": "Chaque réplication simule {years} an(s) (graine {seed}) : réglages de l'onglet « Comparer ».",
        "en": "Each replication simulates {years} year(s) (seed {seed}): settings of the 'Compare' tab.",
    },
    "choose_psa_draws": {
        "fr": "Répéter le choix sur des tirages PSA (0 : non)",
        "en": "Repeat the choice on PSA draws (0: no)",
    },
    "choose_psa_help": {
        "fr": "Chaque tirage des paramètres incertains de la section « psa » du scénario (hypercube latin, "
        "comme `occisim psa`) refait toute la recherche ; le tableau dit dans quelle part des tirages "
        "chaque ensemble est le meilleur. Autant de fois plus de réplications.",
        "en": "Each draw of the uncertain parameters of the scenario's 'psa' section (Latin hypercube, as "
        "`occisim psa`) runs the whole search again; the table tells in what share of the draws each set "
        "is the best. As many times more replications.",
    },
    "choose_psa_none": {
        "fr": "Le scénario n'a pas de section « psa » avec des paramètres à tirer.",
        "en": "The scenario has no 'psa' section with parameters to draw.",
    },
    "choose_robust_title": {
        "fr": "Robustesse : le meilleur ensemble sur {draws} tirages des paramètres incertains",
        "en": "Robustness: the best set over {draws} draws of the uncertain parameters",
    },
    "choose_share_best": {"fr": "Part des tirages où il est le meilleur", "en": "Share of draws where best"},
    "choose_best_under": {"fr": "Meilleur sous", "en": "Best under"},
    "choose_run": {"fr": "Chercher les HAD à autoriser", "en": "Search the HADs to authorise"},
    "choose_cli": {
        "fr": "La même recherche en ligne de commande : `occisim choose <scénario> {options}`",
        "en": "The same search on the command line: `occisim choose <scenario> {options}`",
    },
    "choose_progress": {
        "fr": "{done} réplications faites (au plus {total})",
        "en": "{done} replications done (at most {total})",
    },
    "choose_cancelled": {"fr": "Recherche annulée.", "en": "Search cancelled."},
    "choose_failed": {"fr": "La recherche a échoué :", "en": "The search failed:"},
    "choose_best": {
        "fr": "Meilleur ensemble (à δ = {delta} près, avec une confiance de {confidence}) :",
        "en": "Best set (within δ = {delta}, at {confidence} confidence):",
    },
    "choose_best_budget": {
        "fr": "Budget épuisé ; meilleure moyenne parmi les ensembles non départagés :",
        "en": "Budget spent; the best mean among the sets not told apart:",
    },
    "choose_apart": {
        "fr": "Non départagés du meilleur : {sets}",
        "en": "Not told apart from the best: {sets}",
    },
    "choose_none": {"fr": "aucun", "en": "none"},
    "choose_best_mark": {"fr": "le meilleur", "en": "best"},
    "choose_set": {"fr": "Ensemble d'HAD autorisées en plus", "en": "Set of HADs newly authorised"},
    "choose_no_had": {"fr": "Habitants sans HAD", "en": "Residents with no HAD"},
    "choose_replications": {"fr": "Réplications", "en": "Replications"},
    "choose_mean": {"fr": "Objectif (réplications communes)", "en": "Objective (common replications)"},
    "choose_minus_best": {"fr": "Écart au meilleur [IC à 95 %]", "en": "Minus the best [95% CI]"},
    "choose_pareto": {"fr": "Front de Pareto", "en": "Pareto front"},
    "choose_screened": {"fr": "Non simulé car", "en": "Not simulated because"},
    "choose_pareto_title": {
        "fr": "Coût et objectif (front de Pareto)",
        "en": "Cost against the objective (Pareto front)",
    },
    "choose_maps_title": {"fr": "Les meilleurs ensembles sur la carte", "en": "The best sets on the map"},
}


def text(lang: str, key: str, **values: object) -> str:
    """The page's text ``key`` in ``lang`` (English when French lacks it), filled with ``values``."""
    entry = TEXTS[key]
    words = entry.get(lang) or entry["en"]
    return words.format(**values) if values else words
