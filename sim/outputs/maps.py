"""Maps of the territory in Lambert-93 (EPSG:2154, France's official projection): HAD zones coloured
by home-chemotherapy authorisation, values per canton, and changes per place on one diverging scale."""

from __future__ import annotations

from collections.abc import Sequence
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

from sim.outputs.figures import thousands
from sim.outputs.i18n import number, text
from sim.territory.catchment import Territory

# Colour-blind-safe pair (blue / orange) for "can get home chemo" vs "cannot"; the legend's text of
# each status is the i18n text "map_<status>".
STATUS_STYLE = {
    "authorised": {"color": "#4f8fc0", "hatch": None},
    "shared_both": {"color": "#4f8fc0", "hatch": "///"},
    "shared_one": {"color": "#a9cbe3", "hatch": "///"},
    "unauthorised": {"color": "#f0a04b", "hatch": None},
    "shared_none": {"color": "#f0a04b", "hatch": "///"},
}
OUTSIDE_COLOUR = "#e6e6e6"


SITE_COLOUR = "#1b4f72"  # an HAD main site: filled when authorised, hollow when not
CENTRE_COLOUR = "#c0392b"  # IUCT-Oncopole
LAMBERT_93 = 2154  # EPSG code: the maps' projection (geopandas/pyproj, no network needed)
SITE_CROWDING_M = (36_000, 22_000)  # a site this close east (x) and north/south (y) shares its label side


def lambert_points(lon: Sequence[float], lat: Sequence[float]) -> np.ndarray:
    """Longitudes and latitudes (WGS 84) as Lambert-93 x, y in metres, one row per point."""
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(LAMBERT_93)
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])


def _plain_axes(ax: plt.Axes) -> None:
    """A map's axes: equal metres both ways, no ticks in metres (nobody reads Lambert coordinates)."""
    ax.set_aspect("equal")
    ax.set_axis_off()


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
    hads = territory.hads.copy()
    xy = lambert_points(hads["site_lon"], hads["site_lat"])
    hads["site_x"], hads["site_y"] = xy[:, 0], xy[:, 1]
    for (_, row), authorised in zip(hads.iterrows(), territory.authorised):
        ax.plot(
            row["site_x"],
            row["site_y"],
            marker="o",
            markersize=7,
            markerfacecolor=_site_face(authorised),
            markeredgecolor=SITE_COLOUR,
            markeredgewidth=1.5,
        )
    # Label each main site once (Toulouse hosts two HADs); a site with a neighbour just east of it
    # (Moissac, next to Montauban) takes its label on the left so the two do not overlap.
    sites = hads.groupby(["site_name", "site_x", "site_y"])["name"].apply(list).reset_index()
    for site, x, y, names in sites.itertuples(index=False):
        crowded = (
            (sites["site_x"] > x)
            & (sites["site_x"] - x < SITE_CROWDING_M[0])
            & ((sites["site_y"] - y).abs() < SITE_CROWDING_M[1])
        ).any()
        label = site + "\n" + "\n".join(n.replace("HAD ", "") for n in names)
        ax.annotate(
            label,
            (x, y),
            xytext=(-6 if crowded else 5, 4),
            textcoords="offset points",
            fontsize=8,
            ha="right" if crowded else "left",
            color="#1b2631",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )


def _draw_centre(ax: plt.Axes, territory: Territory) -> None:
    ((x, y),) = lambert_points([territory.centre_lonlat[0]], [territory.centre_lonlat[1]])
    ax.plot(x, y, marker="*", markersize=18, color=CENTRE_COLOUR, markeredgecolor="black", zorder=5)
    ax.annotate(
        "IUCT-Oncopole",
        (x, y),
        xytext=(-8, -14),
        textcoords="offset points",
        fontsize=8,
        fontweight="bold",
        color=CENTRE_COLOUR,
        ha="right",
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
    )


def _legend_handles(lang: str = "en") -> list[Patch | Line2D]:
    handles = [
        Patch(facecolor=s["color"], hatch=s["hatch"], edgecolor="#555555", label=text(f"map_{key}", lang))
        for key, s in STATUS_STYLE.items()
    ]
    handles += [
        Patch(facecolor=OUTSIDE_COLOUR, edgecolor="#555555", label=text("map_outside", lang)),
        Line2D([], [], color="#333333", linewidth=0.6, label=text("map_zone_boundary", lang)),
        Line2D([], [], color="black", linewidth=1.4, label=text("map_department_boundary", lang)),
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
            label=text("map_site_authorised" if authorised else "map_site_unauthorised", lang),
        )
        for authorised in (True, False)
    ]
    return handles


def plot_territory(
    territory: Territory, title: str | None = None, ax: plt.Axes | None = None, lang: str = "en"
) -> plt.Figure:
    """HAD zones coloured by authorisation, with departments, IUCT-O and the HAD sites."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(12, 9.6), dpi=110)
    else:
        fig = ax.figure
    communes = territory.communes.to_crs(LAMBERT_93)
    status = zone_status(territory)
    _plain_axes(ax)

    communes[status == ""].plot(ax=ax, color=OUTSIDE_COLOUR, linewidth=0)
    for key, style in STATUS_STYLE.items():
        subset = communes[status == key]
        if len(subset):
            subset.plot(ax=ax, color=style["color"], hatch=style["hatch"], edgecolor="white", linewidth=0.0)
    zone_outlines(territory).to_crs(LAMBERT_93).boundary.plot(ax=ax, color="#333333", linewidth=0.6)
    departements = territory.departements.to_crs(LAMBERT_93)
    departements.boundary.plot(ax=ax, color="black", linewidth=1.4)

    for dep, geom in zip(departements["dep"], departements.geometry):
        point = geom.representative_point()
        ax.annotate(dep, (point.x, point.y), fontsize=10, color="#555555", ha="center", alpha=0.8)

    _draw_had_sites(ax, territory)
    _draw_centre(ax, territory)

    ax.legend(handles=_legend_handles(lang), loc="lower right", fontsize=8.5, framealpha=0.92)
    ax.set_title(title or text("map_zones", lang), fontsize=13)
    _credit(ax, lang)
    fig.tight_layout()
    return fig


def save_territory_map(territory: Territory, path: Path, title: str | None = None, lang: str = "en") -> Path:
    fig = plot_territory(territory, title=title, lang=lang)
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
    lang: str = "en",
) -> plt.Figure:
    """Choropleth of a value per canton of the catchment (cantons without a value shown as 0)."""
    unit = title.replace(" : ", ": ").split(": ", 1)[-1]  # the colour bar's label: what follows the colon
    cantons = territory.canton_outlines.to_crs(LAMBERT_93)
    cantons["value"] = cantons["canton"].map(values).fillna(0.0)
    fig, ax = plt.subplots(figsize=(12, 9), dpi=110)
    _plain_axes(ax)
    communes = territory.communes.to_crs(LAMBERT_93)
    communes[~communes["in_catchment"]].plot(ax=ax, color=OUTSIDE_COLOUR, linewidth=0)
    cantons.plot(
        ax=ax,
        column="value",
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        edgecolor="white",
        linewidth=0.2,
        legend=True,
        legend_kwds={"shrink": 0.7, "label": unit, "format": thousands(lang)},
    )
    territory.departements.to_crs(LAMBERT_93).boundary.plot(ax=ax, color="black", linewidth=0.8)
    _draw_centre(ax, territory)
    ax.set_title(title, fontsize=13)
    _credit(ax, lang)
    fig.tight_layout()
    return fig


def _credit(ax: plt.Axes, lang: str = "en") -> None:
    ax.text(
        0.01,
        0.01,
        text("map_credit", lang),
        transform=ax.transAxes,
        fontsize=7,
        color="#666666",
    )


# --- change maps: a difference per place of residence, one diverging scale ---------------------------

CHANGE_CMAP = "RdBu_r"  # blue: the KPI falls, red: it rises; white: no change
NO_DATA_COLOUR = "#d9d9d9"
CHANGE_TITLES = {"department": "map_by_department", "had_zone": "map_by_zone"}  # i18n keys per level


def place_areas(territory: Territory) -> dict[str, gpd.GeoDataFrame]:
    """The outlines of the places of residence in Lambert-93: {"department": ..., "had_zone": ...},
    each with a ``unit`` column (department code; zone as the ids of its HADs joined by " + ")."""
    departements = territory.departements.rename(columns={"dep": "unit"})[["unit", "geometry"]]
    zones = zone_outlines(territory).rename(columns={"zone": "unit"})
    return {"department": departements.to_crs(LAMBERT_93), "had_zone": zones.to_crs(LAMBERT_93)}


def change_limit(differences: Sequence[float]) -> float:
    """The half-range of a diverging scale that holds every difference (1 when all are 0 or NaN)."""
    values = np.abs(np.asarray(differences, dtype=float))
    values = values[np.isfinite(values)]
    return float(values.max()) if len(values) and values.max() > 0 else 1.0


def plot_place_change(
    areas: dict[str, gpd.GeoDataFrame],
    changes: pd.DataFrame,
    title: str,
    unit_label: str,
    limit: float,
    fmt: str = ".1f",
    lang: str = "en",
) -> plt.Figure:
    """Side by side, by department and by HAD zone of residence: the change of one KPI, on one
    diverging scale (-limit, +limit); hatched where the 95 % CI excludes 0, outlined in black where
    it also reaches the minimal important difference. ``changes``: level, unit, diff_mean,
    significant, important."""
    fig = plt.figure(figsize=(14, 6.6), dpi=110)
    axes = [fig.add_axes((0.0, 0.08, 0.44, 0.8)), fig.add_axes((0.44, 0.08, 0.44, 0.8))]
    norm = matplotlib.colors.TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit)
    xmin, ymin, xmax, ymax = areas["had_zone"].total_bounds  # both panels frame the catchment
    margin = 0.03 * (xmax - xmin)
    for ax, level in zip(axes, ("department", "had_zone")):
        _plain_axes(ax)
        ax.set_xlim(xmin - margin, xmax + margin)
        ax.set_ylim(ymin - margin, ymax + margin)
        shapes = areas[level].merge(changes[changes["level"] == level], on="unit", how="left")
        missing = shapes["diff_mean"].isna()
        if missing.any():
            shapes[missing].plot(ax=ax, color=NO_DATA_COLOUR, edgecolor="#999999", linewidth=0.4)
        if (~missing).any():
            shapes[~missing].plot(
                ax=ax, column="diff_mean", cmap=CHANGE_CMAP, norm=norm, edgecolor="#777777", linewidth=0.5
            )
        significant = shapes[~missing & shapes["significant"].fillna(False).astype(bool)]
        if len(significant):
            significant.plot(ax=ax, facecolor="none", hatch="..", edgecolor="#555555", linewidth=0)
        important = shapes[~missing & shapes["important"].fillna(False).astype(bool)]
        if len(important):
            important.boundary.plot(ax=ax, color="black", linewidth=2.2)
        for geom, value in zip(shapes.geometry[~missing], shapes["diff_mean"][~missing]):
            if abs(value) >= 0.05 * limit:
                point = geom.representative_point()
                ax.annotate(
                    number(value, fmt, lang).replace("-", "\N{MINUS SIGN}"),
                    (point.x, point.y),
                    ha="center",
                    va="center",
                    fontsize=9,
                    bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.75},
                )
        ax.set_title(text(CHANGE_TITLES[level], lang), fontsize=11)
    colourbar = fig.colorbar(
        matplotlib.cm.ScalarMappable(norm=norm, cmap=CHANGE_CMAP), cax=fig.add_axes((0.9, 0.16, 0.015, 0.66))
    )
    colourbar.set_label(unit_label)
    colourbar.ax.yaxis.set_major_formatter(thousands(lang))
    handles = [
        Patch(facecolor="white", hatch="..", edgecolor="#555555", label=text("map_significant", lang)),
        Patch(facecolor="white", edgecolor="black", linewidth=2.2, label=text("map_important", lang)),
        Patch(facecolor=NO_DATA_COLOUR, edgecolor="#999999", label=text("map_no_data", lang)),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.suptitle(title, fontsize=13)
    return fig
