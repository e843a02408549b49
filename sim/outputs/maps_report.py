"""The report's maps section: HAD zones and authorisation per scenario, the travel burden by canton
of residence, and its change against the reference on one diverging scale."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from sim.outputs.folders import Results
from sim.outputs.i18n import text
from sim.outputs.maps import change_limit, plot_canton_values, plot_territory
from sim.territory.catchment import Territory


def travel_by_canton(result: Results, territory: Territory) -> pd.Series:
    """Km travelled per year for bag changes, by canton of residence (mean over replications)."""
    scenario = result.scenario
    episodes = result.episodes
    window = episodes[episodes["arrival"] >= scenario.run.warmup_days]
    canton = territory.communes.set_index("insee")["canton"]
    per_canton = window.assign(canton=window["insee"].map(canton)).groupby("canton")["km"].sum()
    replications = max(1, result.replications["replication"].nunique())
    return per_canton / (replications * scenario.run.years)


def maps_section(
    results: Sequence[Results],
    territories: Mapping[str, Territory],
    base_territory: Territory,
    img: Callable[..., str],
    lang: str = "en",
) -> list[str]:
    """HAD zones and authorisation per scenario, travel burden by canton, its change on one scale."""
    names = [r.manifest["scenario"] for r in results]
    parts = [
        f"<h2 id='maps'>{text('section_maps', lang)}</h2><h3>{text('maps_zones_title', lang)}</h3>"
        "<div class='maps'>"
    ]
    for name, terr in territories.items():
        fig = plot_territory(
            terr, title=text("labelled", lang, what=name, label=text("map_zones", lang)), lang=lang
        )
        parts.append(img(fig, f"zones {name}"))
    parts.append(f"</div><h3>{text('maps_travel_title', lang)}</h3><div class='maps'>")
    km_per_year = text("map_km_per_year", lang)
    burden = {r.manifest["scenario"]: travel_by_canton(r, base_territory) for r in results}
    top = max((b.max() for b in burden.values() if len(b)), default=1.0)
    # every change map on one diverging scale: the largest change of any scenario
    changes = {n: burden[n].sub(burden[names[0]], fill_value=0.0) for n in names[1:]}
    limit = change_limit([v for c in changes.values() for v in c])
    for name, values in burden.items():
        fig = plot_canton_values(
            base_territory,
            values,
            text("labelled", lang, what=name, label=km_per_year),
            cmap="YlOrRd",
            vmin=0,
            vmax=top,
            lang=lang,
        )
        parts.append(img(fig, f"travel {name}"))
    parts.append("</div>")
    if len(results) > 1:
        title = text("maps_travel_change_title", lang, base=html.escape(names[0]))
        parts.append(f"<h3>{title}</h3><div class='maps'>")
        for name in names[1:]:
            fig = plot_canton_values(
                base_territory,
                changes[name],
                text("labelled", lang, what=f"{name} - {names[0]}", label=km_per_year),
                cmap="RdBu_r",
                vmin=-limit,
                vmax=limit,
                lang=lang,
            )
            parts.append(img(fig, f"travel change {name}"))
        parts.append("</div>")
    return parts
