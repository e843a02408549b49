"""The app's map of HAD zones: drawn by deck.gl with no base map (nothing fetched), clicked to
choose the HADs authorised (``AUTHORISED_KEY`` in the session state)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pydeck as pdk
import shapely
import streamlit as st

from sim.app import MAP_VIEW
from sim.app.session import AUTHORISED_KEY, base_territory, t
from sim.outputs.maps import zone_outlines
from sim.scenario.schema import TerritoryConfig
from sim.territory.catchment import Territory

COLOURS = {"all": [46, 139, 87, 170], "some": [70, 130, 180, 170], "none": [190, 190, 190, 150]}
SIMPLIFY_DEGREES = 0.002  # about 200 m: outlines light enough for the page, shapes unchanged


@st.cache_resource
def zone_shapes(merges: tuple[tuple[str, str], ...], overrides: str) -> list[dict]:
    """The zones' polygons (one row per polygon of each set of covering HADs), simplified."""
    base = Territory.load(overrides_file=Path(overrides)) if overrides else base_territory()
    territory = base.with_merges(dict(merges))
    rows = []
    for zone, geometry in zone_outlines(territory).itertuples(index=False):
        shape = shapely.simplify(geometry, SIMPLIFY_DEGREES, preserve_topology=True)
        for polygon in getattr(shape, "geoms", [shape]):
            rings = [polygon.exterior, *polygon.interiors]
            rows.append(
                {
                    "zone": zone,
                    "hads": zone.split(" + "),
                    "polygon": [[list(point) for point in ring.coords] for ring in rings],
                }
            )
    return rows


def _map_key() -> str:
    return f"map-{st.session_state.get('map_version', 0)}"


def _on_map_click() -> None:
    """A click on a zone (or a site) toggles its HAD; a new map key clears the selection."""
    event = st.session_state.get(_map_key()) or {}
    objects = (event.get("selection") or {}).get("objects") or {}
    chosen = set(st.session_state[AUTHORISED_KEY])
    for items in objects.values():
        for item in items:
            hads = item.get("hads") or []
            if len(hads) == 1:
                chosen ^= {hads[0]}
            elif hads:
                st.session_state["map_note"] = t("shared_click", hads=", ".join(hads))
    st.session_state[AUTHORISED_KEY] = sorted(chosen)
    st.session_state["map_version"] = st.session_state.get("map_version", 0) + 1


def hads_map(territory: Territory, spec: TerritoryConfig) -> None:
    """The HADs' zones coloured by how many of their HADs are chosen, and their sites; a click on a
    zone (or a site) toggles its HAD."""
    features = zone_shapes(tuple(sorted(spec.merge.items())), str(spec.overrides_file or ""))
    authorised = set(st.session_state[AUTHORISED_KEY])
    shown = []
    for row in features:
        count = sum(h in authorised for h in row["hads"])
        status = "none" if count == 0 else "all" if count == len(row["hads"]) else "some"
        shown.append({**row, "fill": COLOURS[status], "label": row["zone"]})
    hads = territory.hads
    sites = pd.DataFrame(
        {
            "had": [[h] for h in hads.index],
            "label": hads["name"].to_numpy(),
            "lon": hads["site_lon"].to_numpy(),
            "lat": hads["site_lat"].to_numpy(),
        }
    ).rename(columns={"had": "hads"})
    layers = [
        # Filled zones without strokes: Streamlit's click selection did not reach the page from a
        # stroked polygon layer (Chromium, Streamlit 1.67); the outlines are a layer of their own.
        pdk.Layer(
            "PolygonLayer",
            shown,
            id="zones",
            pickable=True,
            stroked=False,
            filled=True,
            get_polygon="polygon",
            get_fill_color="fill",
        ),
        pdk.Layer(
            "PathLayer",
            [{"path": ring} for row in features for ring in row["polygon"]],
            id="outlines",
            pickable=False,
            get_path="path",
            get_color=[60, 60, 60, 200],
            width_min_pixels=1,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            sites,
            id="sites",
            pickable=True,
            get_position=["lon", "lat"],
            get_radius=3000,
            radius_min_pixels=5,
            get_fill_color=[20, 20, 20, 220],
        ),
    ]
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**MAP_VIEW),
        map_provider=None,
        tooltip={"text": "{label}"},
    )
    st.pydeck_chart(deck, on_select=_on_map_click, selection_mode="single-object", key=_map_key(), height=460)
