"""A KPI standing alone (a figure's title, a choice in a list, a sentence) is named with the items it
belongs to: the catalogue's sub-items ('on Mon', 'transport', 'deferred (...)') mean nothing alone."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from sim.measures.catalogue import KPI_CATALOGUE
from sim.outputs.economics_figures import tornado_figure
from sim.outputs.i18n import kpi_label, kpi_title


def test_a_sub_item_is_named_after_the_items_it_belongs_to():
    assert kpi_title("hdj_utilisation_mon") == "day-hospital utilisation (sessions used / open): on Mon"
    assert kpi_title("cost_drug_unused_bags_per_year", "fr") == (
        "coût par an (EUR) : blinatumomab : dont contenu de flacon perdu : "
        "dont dans des poches retirées avant la fin"
    )
    # a cost item is not titled under 'cost per year, total', which read as the total (a review)
    assert kpi_title("cost_transport_per_year") == "cost per year (EUR): transport"
    assert kpi_title("cost_total_per_year") == "cost per year, total (EUR)"


def test_every_kpi_of_a_run_has_a_label_in_both_languages():
    """62 KPIs (costs per episode, per peripheral hospital, per indication…) were shown by their keys
    in readable_comparison.csv and the workbook."""
    from sim.measures.catalogue import kpi_names
    from sim.territory.geodata import had_ids, peripheral_hospital_ids

    names = kpi_names(["phi_neg_rr", "mrd_pos"], had_ids(), peripheral_hospital_ids())
    for lang in ("en", "fr"):
        unlabelled = sorted(key for key in names if kpi_label(key, lang, indent=False) == key)
        assert unlabelled == [], (lang, unlabelled)
    assert kpi_label("cost_had_per_episode", "fr", indent=False) == "coût par épisode (EUR) : journées d'HAD"
    assert kpi_label("peripheral_bed_days_per_year_ch_auch", indent=False).endswith(
        ": Centre hospitalier d'Auch"
    )
    assert (
        kpi_label("indication_mrd_pos_cycles_per_episode", indent=False)
        == "mrd_pos: cycles started per episode"
    )


def test_every_title_starts_with_a_top_level_item_and_ends_with_its_own_label():
    top = {key for key, label, _, _ in KPI_CATALOGUE if not label.startswith(" ")}
    labels = {kpi_label(key, indent=False): key for key in top}
    for key, _, _, _ in KPI_CATALOGUE:
        for lang, separator in (("en", ": "), ("fr", " : ")):
            title = kpi_title(key, lang)
            assert title.endswith(kpi_label(key, lang, indent=False))
            if key in top:
                assert title == kpi_label(key, lang, indent=False)
            elif lang == "en":  # (a cost item: under the cost per year, not the total)
                assert title.split(separator)[0] in {*labels, "cost per year (EUR)"}, title


def test_a_tornado_of_a_sub_item_names_its_parent():
    key = "hdj_background_deferred_per_year"
    table = pd.DataFrame(
        [
            {
                "kpi": key, "parameter": "beds.capacity", "swing": 2.0, "kpi_base": 900.0,
                "effect_low": -1.0, "effect_high": 1.0, "low_value": 16, "high_value": 20, "base_value": 18,
            }
        ]
    )  # fmt: skip
    fig = tornado_figure(table, key, "fr")
    try:
        title = fig.axes[0].get_title().replace("\n", " ")
        assert "demandes de séance d'hôpital de jour des autres patients par an : reportées" in title
    finally:
        plt.close(fig)
