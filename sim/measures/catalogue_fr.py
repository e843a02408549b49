"""French labels of the KPI catalogue (``sim.measures.catalogue``), keyed by KPI: the catalogue's
rows keep their shape for the modules that unpack them; indentation comes from the English label."""

from __future__ import annotations

# French labels of the KPIs by place of residence (PLACE_CATALOGUE).
PLACE_LABELS_FR: dict[str, str] = {
    "episodes_per_year": "épisodes par an",
    "bed_days_total_per_episode": "jours dans un lit de l'IUCT-O par épisode",
    "home_days_per_episode": "jours à domicile par épisode",
    "home_care_bed_wait_days_per_episode": "jours en lit à attendre l'HAD, par épisode",
    "first_bed_wait_days": "attente d'un lit à l'adressage (jours)",
    "route_had_share": "part avec une HAD de leur zone",
    "route_derogation_share": "part avec une HAD voisine (dérogation)",
    "route_convention_share": "part sous convention",
    "route_inpatient_share": "part sans prise en charge à domicile possible (hospitalisation seule)",
    "never_home_share": "part jamais rentrée à domicile (toutes voies)",
    "trips_per_episode": "trajets par épisode",
    "km_per_episode": "km parcourus par épisode",
    "hours_per_episode": "heures de trajet par épisode",
}


# --- French ---------------------------------------------------------------------------------------
# The French label of every catalogue row (``label_fr``), keyed by KPI: the rows above keep their
# shape for the modules that unpack them. Indentation (sub-items) comes from the English label.
COST_LABELS_FR: dict[str, str] = {
    "drug": "blinatumomab",
    "inpatient_cycle_start": "journées d'hospitalisation : débuts de cycle",
    "inpatient_waiting_home_care": "journées d'hospitalisation : attente de la prise en charge à domicile",
    "inpatient_adverse_event": "journées d'hospitalisation : effets indésirables",
    "inpatient_only": "journées d'hospitalisation : hospitalisation seule",
    "inpatient_peripheral": "journées en hôpital périphérique (événements graves à domicile)",
    "day_hospital": "séances d'hôpital de jour",
    "had": "journées d'HAD",
    "nurse_visits": "passages infirmiers (convention)",
    "convention_provider": "prestataire à domicile (convention)",
    "transport": "transport des patients",
    "bag_delivery": "livraison des poches par coursier",
}
DRUG_WASTED_LABEL_FR = "dont contenu de flacon perdu"
_WEEKDAYS_FR = {
    "mon": "le lundi",
    "tue": "le mardi",
    "wed": "le mercredi",
    "thu": "le jeudi",
    "fri": "le vendredi",
}

KPI_LABELS_FR: dict[str, str] = {
    "blina_bed_days_waiting_home_care_day_per_year": (
        "journées de lit en attente d'un jour où l'HAD peut commencer (week-end, férié) par an"
    ),
    "infusion_interruptions_per_episode": "interruptions de perfusion (événements graves) par épisode",
    "infusion_interrupted_days_per_year": "jours de perfusion interrompus par an",
    "cost_drug_unused_bags_per_year": "dont dans des poches retirées avant la fin",
    "beds_available_mean": "lits ouverts, moyenne sur la fenêtre",
    "planned_wait_mean_days_q1": "attente d'admission programmée, moyenne (jours), demande en janvier-mars",
    "planned_wait_mean_days_q2": "attente d'admission programmée, moyenne (jours), demande en avril-juin",
    "planned_wait_mean_days_q3": "attente d'admission programmée, moyenne (jours), demande en juillet-sept.",
    "planned_wait_mean_days_q4": "attente d'admission programmée, moyenne (jours), demande en oct.-déc.",
    "planned_wait_mean_days_beds_closed": "attente d'une admission programmée, moyenne (jours), lits fermés",
    "planned_wait_mean_days_beds_all_open": "attente d'admission programmée, moy. (jours), tous lits ouverts",
    "planned_wait_mean_days_before_event": (
        "attente d'une admission programmée, moyenne (jours), avant le premier événement daté"
    ),
    "planned_wait_mean_days_from_event": (
        "attente d'une admission programmée, moyenne (jours), à partir du premier événement daté"
    ),
    "home_care_zone_had_share_before_event": "adressages suivis par une HAD de la zone, avant l'événement",
    "home_care_zone_had_share_from_event": "adressages suivis par une HAD de la zone, après l'événement",
    "beds_full_day_share": "jours où tous les lits sont occupés (toute la journée)",
    "episodes_never_home_per_year": "épisodes jamais rentrés à domicile par an (toutes voies)",
    "had_peak_pump_share_max": (
        "pointe des HAD : pompes utilisées au plus / pompes, HAD la plus chargée de chaque réplication"
    ),
    "hdj_full_day_share": "jours d'hôpital de jour où toutes les séances sont prises",
    "hdj_over_capacity_day_share": "jours d'hôpital de jour au-delà de la capacité",
    "bed_occupancy": "taux d'occupation des lits",
    "planned_wait_mean_days": (
        "attente d'une admission programmée, moyenne (jours, attentes en cours incluses)"
    ),
    "planned_wait_p90_days": "attente d'une admission programmée, p90 (jours, attentes en cours incluses)",
    "planned_wait_p95_days": "attente d'une admission programmée, p95 (jours, attentes en cours incluses)",
    "planned_wait_max_days": "attente d'une admission programmée, max (jours, attentes en cours incluses)",
    "planned_wait_peak_season_p95_days": (
        "attente programmée, p95 de la saison de 3 mois la plus chargée, année type (jours)"
    ),
    "planned_wait_low_season_p95_days": (
        "attente programmée, p95 de la saison de 3 mois la moins chargée, année type (jours)"
    ),
    "planned_wait_yearly_max_days": "attente programmée, la plus longue de l'année (jours)",
    "blina_cycle_start_wait_mean_days": (
        "attente d'un début de cycle de blinatumomab (depuis l'adressage ou le jour réservé), "
        "moyenne (jours, attentes en cours incluses)"
    ),
    "blina_cycle_start_wait_p95_days": (
        "attente d'un début de cycle de blinatumomab (depuis l'adressage ou le jour réservé), p95 (jours)"
    ),
    "blina_first_admission_wait_mean_days": "première admission, depuis l'adressage : moyenne (jours)",
    "blina_first_admission_wait_p95_days": "première admission, depuis l'adressage : p95 (jours)",
    "blina_booked_start_delay_mean_days": "cycles suivants, jours après le jour réservé : moyenne",
    "blina_booked_start_delay_p95_days": "cycles suivants, jours après le jour réservé : p95",
    "blina_booked_start_delayed_share": "cycles suivants admis après leur jour réservé",
    "blina_bed_days_waiting_start_day_per_year": (
        "journées de lit blinatumomab en attente d'un jour de début par an"
    ),
    "episodes_per_year": "épisodes de blinatumomab par an",
    "episodes_route_had_per_year": "phase à domicile avec une HAD de leur zone",
    "episodes_route_derogation_per_year": "avec une HAD voisine (dérogation)",
    "episodes_route_convention_per_year": "sous convention",
    "episodes_route_inpatient_per_year": "hospitalisation seule",
    "convention_share": "part des épisodes sous convention",
    "conventions_set_up_per_year": "nouvelles conventions par an (non réutilisées dans un canton)",
    "home_care_wait_mean_days": (
        "attente en lit d'une prise en charge à domicile au-delà du séjour prévu, moyenne (jours)"
    ),
    "home_care_wait_p95_days": "attente en lit d'une prise en charge à domicile, p95 (jours)",
    "episodes_waited_for_home_care_per_year": "épisodes ayant attendu la prise en charge à domicile par an",
    "episodes_waited_for_had_room_per_year": "dont pour une place dans une HAD pleine",
    "had_room_wait_days_per_year": "journées de lit en attente d'une place dans une HAD pleine par an",
    "had_rechoices_per_year": "nouveaux choix : l'autre HAD de la zone quand l'une est pleine, par an",
    "fallbacks_for_full_had_per_year": (
        "solutions de repli demandées car les HAD de la zone étaient pleines, par an"
    ),
    "had_other_visits_deferred_per_year": "passages d'autres patients d'HAD déplacés par an",
    "had_nurse_km_per_year": (
        "km des infirmiers d'HAD par an (passages quotidiens depuis le site d'HAD le plus proche)"
    ),
    "had_nurse_hours_per_year": "heures de route des infirmiers d'HAD par an",
    "hdj_utilisation": "utilisation de l'hôpital de jour (séances utilisées / ouvertes)",
    **{f"hdj_utilisation_{day}": label for day, label in _WEEKDAYS_FR.items()},
    "hdj_blina_sessions_per_week": "séances de changement de poche en hôpital de jour par semaine",
    "hdj_visit_sessions_per_week": "séances de visite en hôpital de jour par semaine",
    "hdj_over_capacity_per_week": (
        "séances d'hôpital de jour au-delà de la capacité par semaine (surréservation)"
    ),
    "hdj_background_requests_per_year": "demandes de séance d'hôpital de jour des autres patients par an",
    "hdj_background_deferred_per_year": "reportées (déplacées, ou au-delà de leur tolérance)",
    "hdj_background_displaced_per_year": "dont déplacées (blinatumomab)",
    "hdj_background_deferral_mean_days": "jours de report, moyenne (depuis le jour prévu)",
    "hdj_background_deferral_p95_days": "jours de report, p95",
    "hdj_bag_changes_displacing_per_year": "changements de poche prenant la séance d'un autre patient par an",
    "hdj_bag_changes_bridge_per_year": (
        "changements de poche sans séance : décalés par une poche relais, par an"
    ),
    "hdj_bag_changes_ward_per_year": "changements de poche sans séance : dans le service, par an",
    "hdj_bag_changes_had_nurse_per_year": (
        "changements de poche sans séance : infirmier d'HAD à domicile, par an"
    ),
    "hdj_bag_changes_overbook_per_year": "changements de poche sans séance : en surréservation, par an",
    "hdj_bridge_extra_bags_per_year": "poches supplémentaires dues aux relais par an",
    "hdj_bridge_extra_vials_per_year": "flacons en plus (solde) dus aux relais par an",
    "hdj_no_slot_extra_trips_per_year": "trajets supplémentaires dus à l'absence de séance par an",
    "hdj_visits_deferred_per_year": "visites au-delà de leur tolérance par an",
    "bag_changes_away_from_ward_per_year": "changements de poche hors du service par an",
    "bags_pharmacy_on_call_per_year": (
        "poches faites par l'astreinte de la pharmacie (week-end ou férié) par an"
    ),
    "trips_per_year": "trajets depuis le domicile par an (changements de poche, visites)",
    "visit_trips_per_year": "dont pour des visites",
    "travel_km_per_year": "km parcourus par an (changements de poche, admissions, sorties)",
    "bag_change_km_per_year": "dont pour les changements de poche",
    "transfer_km_per_year": "dont transferts d'hôpitaux périphériques vers l'IUCT-O",
    "travel_hours_per_year": "heures de trajet par an",
    "trips_per_episode": "trajets par épisode",
    "km_per_episode": "km parcourus par épisode",
    "hours_per_episode": "heures de trajet par épisode",
    "home_days_per_episode": "jours à domicile par épisode",
    "bed_days_total_per_episode": "jours dans un lit de l'IUCT-O par épisode",
    "blina_bed_days_per_year": "journées de lit blinatumomab par an",
    "bed_days_saved_by_home_care_per_year": (
        "journées de lit évitées par la prise en charge à domicile par an"
    ),
    "severe_events_at_home_per_year": "effets indésirables graves à domicile par an",
    "severe_events_direct_to_iucto_per_year": "directement à l'IUCT-O (le plus proche)",
    "peripheral_admissions_per_year": "d'abord dans un hôpital périphérique",
    "transfers_to_iucto_per_year": "puis transférés à l'IUCT-O",
    "peripheral_admissions_diverted_per_year": "au-delà d'un hôpital plus proche sans lit libre",
    "adverse_event_readmissions_per_year": "admissions à l'IUCT-O pour ces événements par an",
    "iucto_adverse_event_bed_days_per_year": "journées de lit à l'IUCT-O pour ces événements par an",
    "peripheral_bed_days_per_year": "journées de lit en hôpitaux périphériques par an",
    "peripheral_max_concurrent": "patients simultanés au plus dans un hôpital périphérique",
    "cost_total_per_episode": "coût par épisode, total (EUR)",
    "cost_total_per_year": "coût par an, total (EUR)",
    **{f"cost_{item}_per_year": label for item, label in COST_LABELS_FR.items()},
    "cost_drug_wasted_per_year": DRUG_WASTED_LABEL_FR,
    "bag_delivery_km_per_year": "km du coursier par an (poches changées hors de l'IUCT-O)",
    "planned_waits_censored": "admissions programmées en attente à la fin (censurées)",
    "blina_cycle_start_waits_censored": "débuts de cycle en attente à la fin (censurés)",
    "emergency_waits_censored": "urgences en attente à la fin (censurées)",
    "bed_queue_growth": "croissance de la file d'attente des lits sur la fenêtre statistique (demandes)",
    "episodes_never_started_share": "épisodes adressés n'ayant jamais commencé de cycle",
    "unstable": "réplications signalées instables",
}

# The labels of the KPIs by indication (catalogue.INDICATION_LABELS), after the indication's name.
INDICATION_LABELS_FR: dict[str, str] = {
    "episodes_per_year": "épisodes par an",
    "cycles_per_episode": "cycles commencés par épisode",
    "bed_days_per_episode": "jours dans un lit de l'IUCT-O par épisode",
    "home_days_per_episode": "jours à domicile par épisode",
}

# KPIs kept for analysts (catalogue.UNLISTED_KPIS, no table shows them), with their labels in the two
# languages, for the readable CSVs and the workbook (their costs per episode are labelled from the
# per-year items).
UNLISTED_LABELS: dict[str, tuple[str, str]] = {
    "admissions_not_yet_admitted": (
        "admissions asked for and not yet admitted at the end",
        "admissions demandées et pas encore faites à la fin",
    ),
    "emergency_wait_mean_days": ("emergency wait, mean (days)", "attente d'une urgence, moyenne (jours)"),
    "blina_cycle_start_wait_p90_days": (
        "blinatumomab cycle-start wait, p90 (days)",
        "attente d'un début de cycle de blinatumomab, p90 (jours)",
    ),
    "blina_cycle_start_wait_max_days": (
        "blinatumomab cycle-start wait, max (days)",
        "attente d'un début de cycle de blinatumomab, max (jours)",
    ),
    "bag_deliveries_per_year": ("bags delivered by courier per year", "poches livrées par coursier par an"),
    "hospital_journeys_per_year": ("journeys to a hospital per year", "trajets vers un hôpital par an"),
    "bridge_bags_per_year": ("bridge bags per year", "poches relais par an"),
    "vials_per_episode": ("vials per episode", "flacons par épisode"),
    "nurse_visits_per_episode": ("nurse visits per episode", "passages infirmiers par épisode"),
    "drug_wasted_share": ("share of the vials' content wasted", "part du contenu des flacons perdue"),
}
