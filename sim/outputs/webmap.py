"""Interactive maps for the HTML report: Leaflet inlined, GeoJSON layers only, nothing fetched.

Leaflet (BSD-2-Clause, sim/outputs/assets/leaflet/, from the npm package) is written into the page
itself; there are no tiles, and the stylesheet's image urls are removed (the few controls that would
use them are not shown), so the report opens offline and makes no request outside its file. Colours
are computed here, on the same diverging scale as the static maps; Leaflet only draws and shows a
popup per place.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from collections.abc import Mapping
from importlib import resources

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd

from sim.outputs.i18n import number, place_name, text
from sim.outputs.maps import CHANGE_CMAP, NO_DATA_COLOUR
from sim.outputs.text import format_difference, format_interval

SIMPLIFY_M = 300  # outlines simplified to 300 m (Lambert-93) before being written into the page
VERDICTS = ("important", "negligible", "unclear")  # judged differences; i18n text "verdict_<verdict>"


@functools.cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's stylesheet (image urls removed) and script, read from the package."""
    folder = resources.files("sim.outputs") / "assets" / "leaflet"
    css = re.sub(r"url\([^)]*\)", "none", (folder / "leaflet.css").read_text(encoding="utf-8"))
    return css, (folder / "leaflet.js").read_text(encoding="utf-8")


def leaflet_head() -> str:
    """The <style> and <script> elements that carry Leaflet, once per page. The script is a data: URL
    (base64): its text, with the project's web address in its attribution, stays out of the page's."""
    css, script = leaflet_assets()
    encoded = base64.b64encode(script.encode("utf-8")).decode("ascii")
    return f"<style>{css}</style><script src='data:text/javascript;base64,{encoded}'></script>"


def _true(flag: object) -> bool:
    """A flag read from a table: True, 1 or "True"; NaN (no difference) is False."""
    return str(flag) in ("True", "1", "1.0")


def _colour(value: float, limit: float) -> str:
    if not np.isfinite(value):
        return NO_DATA_COLOUR
    norm = matplotlib.colors.TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit)
    return matplotlib.colors.to_hex(matplotlib.colormaps[CHANGE_CMAP](norm(np.clip(value, -limit, limit))))


def change_layer(
    areas: gpd.GeoDataFrame,
    changes: pd.DataFrame,
    base_means: Mapping[str, float],
    fmt: str,
    limit: float,
    lang: str = "en",
) -> dict:
    """A GeoJSON FeatureCollection (WGS 84) of places with their colour and popup text.

    ``areas``: unit and geometry in Lambert-93; ``changes``: unit, unit_name, mean, diff_mean, CI,
    significant, verdict of one KPI and scenario; ``base_means``: unit -> the base scenario's mean.
    """
    shapes = areas.merge(changes, on="unit", how="left")
    shapes["geometry"] = shapes.geometry.simplify(SIMPLIFY_M)
    features = []
    for row, geom in zip(shapes.itertuples(), shapes.to_crs(4326).geometry):
        diff = float(getattr(row, "diff_mean", np.nan))
        verdict = getattr(row, "verdict", "")
        if np.isfinite(diff):
            popup = (
                f"<b>{html.escape(str(row.unit_name))}</b><br>"
                f"{format_interval(base_means.get(row.unit, np.nan), np.nan, np.nan, fmt, lang=lang)} &rarr; "
                f"{number(row.mean, fmt, lang)}<br>"
                + text(
                    "labelled",
                    lang,
                    what=text("web_change", lang),
                    label=format_difference(diff, row.diff_ci_low, row.diff_ci_high, fmt, lang),
                )
                + (" *" if _true(row.significant) else "")
                + f"<br>{text(f'verdict_{verdict}', lang) if verdict in VERDICTS else ''}"
            )
        else:
            popup = f"<b>{html.escape(place_name(str(row.unit)))}</b><br>{text('map_no_data', lang)}"
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(gpd.GeoSeries([geom]).to_json())["features"][0]["geometry"],
                "properties": {
                    "fill": _colour(diff, limit),
                    "weight": 3 if getattr(row, "verdict", "") == "important" else 0.6,
                    "popup": popup,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def leaflet_map(element_id: str, layers: Mapping[str, dict], height_px: int = 560) -> str:
    """A Leaflet map with one radio-button layer per named FeatureCollection (the first shown)."""
    data = json.dumps(layers, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    script = f"""
(function () {{
  var layers = {data};
  var map = L.map({json.dumps(element_id)}, {{attributionControl: false, zoomSnap: 0.25}});
  var choices = {{}}, first = null;
  Object.keys(layers).forEach(function (name) {{
    var layer = L.geoJSON(layers[name], {{
      style: function (f) {{ return {{fillColor: f.properties.fill, fillOpacity: 0.85, color: '#222',
                                      weight: f.properties.weight}}; }},
      onEachFeature: function (f, l) {{ l.bindPopup(f.properties.popup); }}
    }});
    choices[name] = layer;
    if (first === null) {{ first = layer; }}
  }});
  first.addTo(map);
  map.fitBounds(first.getBounds());
  L.control.layers(choices, null, {{collapsed: false}}).addTo(map);
}})();"""
    return (
        f"<div id='{html.escape(element_id)}' class='webmap' style='height:{height_px}px'></div>"
        f"<script>{script}</script>"
    )
