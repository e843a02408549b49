"""English and French texts of the study commands that simulate little or nothing: `occisim territory`,
`occisim calibrate` and `occisim warmup` (terminal lines, tables, figures), and the sentence on random
numbers that every run's manifest carries (STRESS-DES item 5.2 of the report).

``sim.outputs.i18n`` merges them into ``TEXTS``: read them with ``text(key, lang)``. A ``|`` separates
the column headings of one table (``text_list``).
"""

from __future__ import annotations

STUDY_TEXTS: dict[str, tuple[str, str]] = {
    # --- occisim territory ---
    "territory_status_quo": ("status quo (thesis Tableau 27)", "statu quo (thèse, tableau 27)"),
    "territory_after": ("after {changes}", "après {changes}"),
    "territory_zones_title": ("HAD zones, {heading}", "Zones d'HAD, {heading}"),
    # the coverage table's columns: name, site, authorised, communes, population, shared_communes
    "territory_zones_columns": (
        "HAD|site|authorised|communes|population|of which shared",
        "HAD|site|autorisée|communes|population|dont partagées",
    ),
    "territory_gaps_title": (
        "Catchment population with no authorised HAD, by department",
        "Population du bassin sans HAD autorisée, par département",
    ),
    # English shows unauthorised_by_department.csv's own column names
    "territory_gaps_columns": (
        "dep|communes_without|population_without|population|share_without",
        "département|communes sans HAD autorisée|population sans HAD autorisée|population|part sans HAD "
        "autorisée",
    ),
    "territory_all": ("all", "total"),
    "territory_map_title": (
        "HAD zones and home-chemotherapy authorisation: {heading}",
        "Zones d'HAD et autorisation de la chimiothérapie à domicile : {heading}",
    ),
    "territory_written": ("map and tables", "carte et tableaux"),
    # --- occisim calibrate ---
    "calibration_progress": ("{name}: calibration design", "{name} : plan de calibration"),
    "calibration_title": (
        "{accepted} of {points} parameter sets in the band ({replications} replications each, seed "
        "{seed}); {targets}",
        "{accepted} jeux de paramètres sur {points} dans la bande ({replications} réplications chacun, "
        "graine {seed}) ; {targets}",
    ),
    "calibration_target": ("{kpi} in [{low}, {high}]", "{kpi} dans [{low} ; {high}]"),
    "calibration_target_column": ("{kpi} [CI]", "{kpi} [IC]"),
    "calibration_set": ("set", "jeu"),
    "calibration_beds_used": ("beds used", "lits occupés"),
    "calibration_in_band": ("in band", "dans la bande"),
    "calibration_fig_title": (
        "calibration: {accepted} of {points} parameter sets in the band",
        "calibration : {accepted} jeux de paramètres sur {points} dans la bande",
    ),
    "calibration_fig_target": ("target range", "plage visée"),
    "calibration_fig_accepted": ("in the band", "dans la bande"),
    "calibration_fig_rejected": ("rejected", "rejeté"),
    "calibration_fig_x": (
        "bed occupancy, all patients (mean over replications)",
        "occupation des lits, tous patients (moyenne des réplications)",
    ),
    "calibration_fig_y": ("{kpi} (mean, 95% CI)", "{kpi} (moyenne, IC 95 %)"),
    "calibration_written": ("design and band", "plan d'expériences et bande"),
    "calibration_files": (
        "(design.csv, band.csv, band.png; use --band band.csv)",
        "(design.csv, band.csv, band.png ; à reprendre avec --band band.csv)",
    ),
    # --- occisim warmup ---
    "warmup_progress": (
        "{name}: replications from empty beds",
        "{name} : réplications à partir de lits vides",
    ),
    "warmup_title": (
        "{name}: warm-up of bed occupancy ({replications} replications)",
        "{name} : mise en régime de l'occupation des lits ({replications} réplications)",
    ),
    "warmup_mean": ("mean over replications", "moyenne des réplications"),
    "warmup_welch": ("Welch moving average", "moyenne mobile de Welch"),
    "warmup_cut": ("MSER-5 warm-up: {days} days", "mise en régime MSER-5 : {days} jours"),
    "warmup_steady": ("mean after warm-up: {beds} beds", "moyenne après la mise en régime : {beds} lits"),
    "warmup_capacity": ("capacity: {capacity} beds", "capacité : {capacity} lits"),
    "warmup_x": (
        "simulation day (the run starts with empty beds)",
        "jour de simulation (la simulation part de lits vides)",
    ),
    "warmup_suggested": (
        "suggested warm-up (MSER-5 on the replication mean): [bold]{days} days[/] "
        "(the scenario has {current})",
        "mise en régime suggérée (MSER-5 sur la moyenne des réplications) : [bold]{days} jours[/] "
        "(le scénario en a {current})",
    ),
    "warmup_plot": ("plot: ", "graphique : "),
    "warmup_set": ("{file}: run.warmup_days set to {days}", "{file} : run.warmup_days mis à {days}"),
    "warmup_not_lowered": (
        "{file}: run.warmup_days: kept at {current} days; the suggestion ({days}) is shorter "
        "(use --force to lower it)",
        "{file} : run.warmup_days : laissé à {current} jours ; la suggestion ({days}) est plus courte "
        "(--force pour l'abaisser)",
    ),
    # --- every run's manifest (English, as written) and the report's STRESS-DES item 5.2 ---
    "random_numbers": (
        "numpy PCG64 from SeedSequence(seed, spawn_key=(replication, stream, ...)); "
        "streams: 0 background beds, 1 day-hospital background, 2 per-episode attributes",
        "numpy PCG64 à partir de SeedSequence(seed, spawn_key=(replication, stream, ...)) ; "
        "flux : 0 autres patients des lits, 1 autres patients de l'hôpital de jour, 2 caractéristiques "
        "de chaque épisode",
    ),
}
