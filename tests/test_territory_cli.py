"""`occisim territory`: the planner's view of coverage, as tables and a map (and the commune table)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from typer.testing import CliRunner

from sim.cli import app
from sim.outputs.maps import STATUS_STYLE, plot_territory

runner = CliRunner()


def _has_colour(image: np.ndarray, hex_colour: str, min_pixels: int = 500) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    close = np.all(np.abs(image[..., :3] - rgb) < 0.02, axis=-1)
    return int(close.sum()) >= min_pixels


def test_territory_command_writes_map_and_tables(tmp_path: Path):
    out = tmp_path / "status_quo"
    result = runner.invoke(app, ["territory", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "HAD zones" in result.output and "no authorised HAD" in result.output
    for name in [
        "territory_map.png",
        "coverage_by_had.csv",
        "unauthorised_by_department.csv",
        "commune_zones.csv",
    ]:
        assert (out / name).stat().st_size > 0, name
    image = mpimg.imread(out / "territory_map.png")
    assert image.shape[0] > 800 and image.shape[1] > 800
    assert _has_colour(image, STATUS_STYLE["authorised"]["color"])
    assert _has_colour(image, STATUS_STYLE["unauthorised"]["color"])


def _render_without_legend(territory) -> np.ndarray:
    fig = plot_territory(territory)
    fig.axes[0].get_legend().remove()
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba(), dtype=float) / 255.0
    plt.close(fig)
    return image


def test_map_colours_follow_authorisation(territory):
    status_quo = _render_without_legend(territory)
    assert _has_colour(status_quo, STATUS_STYLE["unauthorised"]["color"])
    assert _has_colour(status_quo, STATUS_STYLE["shared_none"]["color"])  # north Aveyron
    everyone = _render_without_legend(territory.with_authorisation({h: True for h in territory.hads.index}))
    assert _has_colour(everyone, STATUS_STYLE["authorised"]["color"])
    assert not _has_colour(everyone, STATUS_STYLE["unauthorised"]["color"], min_pixels=50)


def test_authorise_option_changes_the_tables(tmp_path: Path):
    args = ["territory", "--out", str(tmp_path / "all")]
    for had in ["quatre_vents", "udsma", "croix_rouge_gers", "font_redonde", "pays_ovalie", "moissac"]:
        args += ["--authorise", had]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    # the heading names each HAD authorised (it showed the id before HAD names replaced ids)
    assert "after +HAD Korian Pays des Quatre Vents (Carcassonne)" in " ".join(result.output.split())
    gaps = pd.read_csv(tmp_path / "all" / "unauthorised_by_department.csv")
    assert (gaps["population_without"] == 0).all()


def test_unknown_had_is_a_clear_error_and_writes_nothing(tmp_path: Path):
    out = tmp_path / "never"
    result = runner.invoke(app, ["territory", "--authorise", "gers", "--out", str(out)])
    assert result.exit_code == 2
    assert "unknown HAD id" in result.output and "croix_rouge_gers" in result.output
    assert not out.exists()
    assert "Traceback" not in result.output


def test_commune_zone_table_lists_the_catchment_communes(territory):
    table = territory.commune_zone_table()
    assert list(table.columns) == [
        "insee",
        "name",
        "dep",
        "canton",
        "population",
        "hads",
        "rule",
        "authorised_had",
        "km_to_iucto",
        "hours_to_iucto",
    ]
    catchment = territory.communes["in_catchment"].to_numpy()
    assert len(table) == catchment.sum()
    assert table["authorised_had"].tolist() == territory.has_authorised_had[catchment].tolist()
    first = territory.access(str(table["insee"].iloc[0]))
    assert table["hads"].iloc[0] == " ".join(first.hads)
    assert table["km_to_iucto"].iloc[0] == round(first.km_to_centre, 1)
