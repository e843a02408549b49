"""The territory layer: communes, HAD zones, authorisation changes, drawing homes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely
from scipy import stats

from sim.territory.catchment import Territory
from sim.territory.geodata import DEFAULT_GEO_DIR, TerritoryDataError

CATCHMENT_DEPS = {"09", "12", "31", "32", "46", "65", "81", "82", "11"}


def test_communes_cover_occitanie_with_documented_counts(territory: Territory):
    communes = territory.communes
    assert set(communes["dep"]) == {
        "09",
        "11",
        "12",
        "30",
        "31",
        "32",
        "34",
        "46",
        "48",
        "65",
        "66",
        "81",
        "82",
    }
    assert communes["insee"].is_unique
    # geo/README.md: 4,446 Occitanie communes (COG 2025), 6.12 M people (2023 legal populations).
    assert 4400 <= len(communes) <= 4500
    assert 5.9e6 <= communes["population"].sum() <= 6.3e6
    catchment = communes[communes["in_catchment"]]
    # 3,268 communes and 3.38 M people: eight departments plus the Carcassonne and Limoux
    # arrondissements of Aude (BRIEF: ~3,377 communes and 3.4-3.55 M with all of Aude).
    assert 3200 <= len(catchment) <= 3350
    assert 3.2e6 <= catchment["population"].sum() <= 3.55e6
    assert set(catchment["dep"]) == CATCHMENT_DEPS
    aude = communes[communes["dep"] == "11"]
    assert set(aude.loc[aude["in_catchment"], "arrondissement"]) == {"111", "112"}
    assert not aude.loc[aude["arrondissement"] == "113", "in_catchment"].any()
    assert (catchment["population"] >= 0).all()


def test_polygons_are_valid_and_points_lie_in_their_commune(territory: Territory):
    geoms = territory.communes.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert set(shapely.get_type_id(geoms)) <= {3, 6}  # Polygon, MultiPolygon
    points = shapely.points(territory.communes[["lon", "lat"]].to_numpy())
    # Town halls can sit on a border; more than ~1 km outside means a misplaced point.
    assert (shapely.distance(points, geoms) < 0.012).all()


def test_known_defects_are_repaired(territory: Territory):
    communes = territory.communes.set_index("insee")
    conques = communes.loc["12218"]
    assert conques.geometry is not None and not conques.geometry.is_empty
    # Conques-en-Rouergue gathers four former communes, about 120 km2 in all.
    assert conques.geometry.area * 111.32**2 * np.cos(np.radians(44.6)) > 100
    # Merged communes got back the part of their territory the source polygon missed: no hole
    # is left in the coverage of their department.
    for insee in ["09088", "32365", "46172"]:
        dep = communes.loc[insee, "dep"]
        union = shapely.union_all(communes[communes["dep"] == dep].geometry.to_numpy(), grid_size=1e-6)
        holes = sum(len(p.interiors) for p in shapely.get_parts(union))
        assert holes == 0, f"department {dep} still has a hole near {insee}"


def test_every_catchment_commune_has_a_had_and_every_had_a_zone(territory: Territory):
    covers = territory.zones.covers
    inside = territory.communes["in_catchment"].to_numpy()
    assert covers[inside].any(axis=1).all()
    assert not covers[~inside].any()
    assert covers.any(axis=0).all(), "an HAD has an empty zone"
    assert covers.sum(axis=1).max() == 2  # shared territories have two HADs, never more


def test_zone_rules_respect_departments_and_shared_territories(territory: Territory):
    hads = territory.hads
    communes = territory.communes
    rule = territory.zones.rule
    for j, had in enumerate(hads.index):
        nearest_rule = territory.zones.covers[:, j] & (rule == "nearest main site in department")
        assert set(communes.loc[nearest_rule, "dep"]) <= set(hads.loc[had, "departments"]), had
    # The four shared territories of the thesis, with their pairs of HADs.
    expected = {
        "Toulouse agglomeration": {"srd", "pasteur"},
        "East of Haute-Garonne": {"srd", "pays_ovalie"},
        "North of Lot": {"cahors", "font_redonde"},
        "North of Aveyron": {"font_redonde", "udsma"},
    }
    for label, pair in expected.items():
        rows = np.flatnonzero(rule == label)
        assert len(rows) > 0, label
        for i in rows:
            assert set(hads.index[territory.zones.covers[i]]) == pair
    toulouse = territory.access("31555")
    assert set(toulouse.hads) == {"srd", "pasteur"}
    assert territory.access("12145").hads == ("udsma",)  # Millau


def test_status_quo_authorisation_matches_the_thesis(territory: Territory):
    authorised = set(territory.hads.index[territory.authorised])
    assert authorised == {
        "val_ariege",
        "comminges",
        "pasteur",
        "srd",
        "bigorres",
        "cahors",
        "albi",
        "montauban",
    }
    # North of Aveyron: Font Redonde and UDSMA, neither authorised (seed_facts 3.2).
    north_aveyron = np.flatnonzero(territory.zones.rule == "North of Aveyron")
    assert not territory.has_authorised_had[north_aveyron].any()
    assert not territory.access("12202").any_authorised  # Rodez
    assert territory.access("65440").any_authorised  # Tarbes


def test_authorisation_change_applies_without_touching_the_base(territory: Territory):
    gers_before = territory.unauthorised_population().set_index("dep").loc["32", "population_without"]
    assert gers_before > 150_000
    changed = territory.with_authorisation(authorise=["croix_rouge_gers"])
    assert changed.unauthorised_population().set_index("dep").loc["32", "population_without"] == 0
    assert not territory.access("32013").any_authorised  # the base territory is unchanged
    assert changed.access("32013").authorised_hads == ("croix_rouge_gers",)
    everyone = territory.with_authorisation({h: True for h in territory.hads.index})
    assert everyone.has_authorised_had[territory.catchment_index].all()
    revoked = territory.with_authorisation(revoke=["bigorres"])
    assert revoked.unauthorised_population().set_index("dep").loc["65", "share_without"] == 1.0
    with pytest.raises(KeyError, match="unknown HAD"):
        territory.with_authorisation(authorise=["nope"])


def test_canton_outlines_cover_the_catchment_once_per_geography(territory: Territory):
    cantons = territory.canton_outlines
    catchment = territory.communes[territory.communes["in_catchment"]]
    assert list(cantons.columns) == ["canton", "geometry"]
    assert set(cantons["canton"]) == set(catchment["canton"]) and cantons["canton"].is_unique
    area = shapely.area(cantons.geometry.to_numpy()).sum()
    assert area == pytest.approx(shapely.area(catchment.geometry.to_numpy()).sum(), rel=1e-6)
    # an authorisation change keeps the geography, so it shares the outlines rather than dissolving again
    assert territory.with_authorisation(authorise=["udsma"]).canton_outlines is cantons


def test_distances_are_plausible(territory: Territory):
    tarbes = territory.access("65440")
    # Toulouse-Tarbes: about 155 km and 1 h 40 by the A64 (docs/travel.md); great circle about 130 km.
    assert 140 <= tarbes.km_to_centre <= 185
    assert 1.4 <= tarbes.hours_to_centre <= 2.0
    toulouse = territory.access("31555")
    assert 5 < toulouse.km_to_centre < 10  # Capitole to Oncopole: ~8 km by road
    assert territory.to_centre.km[territory.catchment_index].max() < 300
    # Distances to HAD sites: a commune is 0 km from its own main site.
    albi = territory.position("81004")
    assert territory.to_had_sites.km[albi, territory.hads.index.get_loc("albi")] < 1.0


def test_homes_are_drawn_in_proportion_to_population(territory: Territory):
    rng = np.random.default_rng(2024)
    n = 200_000
    homes = territory.draw_homes(rng, n)
    assert territory.communes["in_catchment"].to_numpy()[homes].all()
    deps = territory.communes["dep"].to_numpy()
    catchment = territory.communes[territory.communes["in_catchment"]]
    expected_share = catchment.groupby("dep")["population"].sum() / catchment["population"].sum()
    observed = np.array([np.sum(deps[homes] == d) for d in expected_share.index])
    chi2 = stats.chisquare(observed, expected_share.to_numpy() * n)
    assert chi2.pvalue > 1e-3, (observed, expected_share.to_numpy() * n)
    # Toulouse alone holds ~15 % of the catchment population.
    toulouse_share = np.mean(homes == territory.position("31555"))
    assert abs(toulouse_share - 514_819 / catchment["population"].sum()) < 0.005
    # Same seed, same homes.
    again = territory.draw_homes(np.random.default_rng(2024), n)
    assert np.array_equal(homes, again)


def _copy_geo(tmp_path: Path) -> Path:
    target = tmp_path / "geo"
    shutil.copytree(DEFAULT_GEO_DIR, target, ignore=shutil.ignore_patterns(".cache", "*.py"))
    return target


def test_planner_can_move_a_canton_by_editing_overrides(tmp_path: Path):
    geo = _copy_geo(tmp_path)
    with open(geo / "zone_overrides.csv", "a", encoding="utf-8") as fh:
        fh.write('canton,1219,albi,"Saint-Affrique canton served by Albi"\n')
        fh.write('commune,46042,font_redonde cahors,"Cahors shared"\n')
    terr = Territory.load(geo)
    saint_affrique = terr.communes["canton"].to_numpy() == "1219"
    albi = terr.hads.index.get_loc("albi")
    assert saint_affrique.sum() > 5
    assert terr.zones.covers[saint_affrique, albi].all()
    assert (terr.zones.covers[saint_affrique].sum(axis=1) == 1).all()
    assert terr.has_authorised_had[saint_affrique].all()
    assert set(terr.access("46042").hads) == {"font_redonde", "cahors"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("canton,1219,nowhere,bad", "unknown HAD id"),
        ("region,76,albi,bad", "field selector"),
        ("canton,9999,albi,bad", "selects no catchment commune"),
    ],
)
def test_bad_override_names_file_and_field(tmp_path: Path, line: str, message: str):
    geo = _copy_geo(tmp_path)
    with open(geo / "zone_overrides.csv", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    with pytest.raises(TerritoryDataError, match=message) as excinfo:
        Territory.load(geo)
    assert "zone_overrides.csv" in str(excinfo.value)


def test_bad_had_table_is_reported(tmp_path: Path):
    geo = _copy_geo(tmp_path)
    text = (geo / "had.csv").read_text(encoding="utf-8").replace(",true,1,\n", ",yes,1,\n", 1)
    (geo / "had.csv").write_text(text, encoding="utf-8")
    with pytest.raises(TerritoryDataError, match=r"had.csv: row \d+ field chemo_authorised"):
        Territory.load(geo)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('nowhere,Foix,09122,"bad"', r"had_sites.csv: row \d+ field had: unknown HAD id"),
        ('srd,Atlantis,99999,"bad"', r"had_sites.csv: row \d+ field site_insee"),
    ],
)
def test_bad_annex_site_is_reported(tmp_path: Path, line: str, message: str):
    geo = _copy_geo(tmp_path)
    with open(geo / "had_sites.csv", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    with pytest.raises(TerritoryDataError, match=message):
        Territory.load(geo)


def test_every_had_has_its_main_site_and_annexes_only_where_the_thesis_says(territory: Territory):
    sites = territory.sites
    assert set(sites["had"]) <= set(territory.hads.index)
    main = sites.drop_duplicates("had")  # main sites come first, in the order of had.csv
    assert list(main["had"]) == list(territory.hads.index)
    assert (main["site_insee"].to_numpy() == territory.hads["site_insee"].to_numpy()).all()
    # 003:5039-5043: annexes for Santé Relais Domicile, Bigorres, Pasteur, Font Redonde, Val d'Ariège
    with_annex = set(sites.loc[sites["had"].duplicated(), "had"])
    assert with_annex <= {"srd", "bigorres", "pasteur", "font_redonde", "val_ariege"}
    assert (territory.to_had_nearest_site.km <= territory.to_had_sites.km + 1e-9).all()
