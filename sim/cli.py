"""The ``occisim`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from sim.output import atomic_output_dir
from sim.territory import Territory, TerritoryDataError

app = typer.Typer(
    help="Discrete-event simulation of acute-leukemia care capacity in Occitanie (IUCT-Oncopole, HAD).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Print the occisim version and exit.")] = False,
) -> None:
    if version:
        from sim import __version__

        console.print(f"occisim {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        console.print(ctx.get_help())
        raise typer.Exit()


def fail(message: str) -> typer.Exit:
    """Print a one-line error and return the exit to raise (exit code 2: bad input)."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def _rich_table(frame: pd.DataFrame, title: str, formats: dict[str, str] | None = None) -> Table:
    formats = formats or {}
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and frame[column].dtype != bool
        table.add_column(str(column), justify="right" if numeric else "left", no_wrap=not numeric)
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            if column in formats:
                cells.append(format(value, formats[column]))
            elif isinstance(value, bool):
                cells.append("yes" if value else "[bold red]no[/]")
            else:
                cells.append(str(value))
        table.add_row(*cells)
    return table


@app.command()
def territory(
    authorise: Annotated[
        list[str] | None,
        typer.Option("--authorise", help="HAD id to authorise for home chemotherapy (repeatable)."),
    ] = None,
    revoke: Annotated[
        list[str] | None,
        typer.Option("--revoke", help="HAD id whose authorisation is withdrawn (repeatable)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the map and the tables.")] = Path("results/territory"),
    geo_dir: Annotated[
        Path | None, typer.Option(help="Territory data folder (default: the project's geo/).")
    ] = None,
    overrides: Annotated[
        Path | None, typer.Option(help="Zone overrides CSV to use instead of geo/zone_overrides.csv.")
    ] = None,
) -> None:
    """Coverage of the catchment by the 14 HADs: tables and a map, after optional authorisation changes."""
    try:
        base = Territory.load(geo_dir, overrides_file=overrides)
        terr = base.with_authorisation(authorise=authorise or [], revoke=revoke or [])
    except (TerritoryDataError, KeyError) as exc:
        raise fail(str(exc).strip("\"'")) from None

    changes = [f"+{h}" for h in authorise or []] + [f"-{h}" for h in revoke or []]
    heading = "status quo (thesis Tableau 27)" if not changes else "after " + ", ".join(changes)

    coverage = terr.coverage_table()
    console.print(
        _rich_table(
            coverage.drop(columns=["name"]).rename(columns={"shared_communes": "of which shared"}),
            f"HAD zones, {heading}",
            {"population": ",d"},
        )
    )
    gaps = terr.unauthorised_population()
    totals = gaps[["communes_without", "population_without", "population"]].sum()
    gaps_display = pd.concat(
        [
            gaps,
            pd.DataFrame(
                [{"dep": "all", **totals, "share_without": totals.population_without / totals.population}]
            ),
        ],
        ignore_index=True,
    )
    console.print(
        _rich_table(
            gaps_display,
            "Catchment population with no authorised HAD, by department",
            {"population_without": ",d", "population": ",d", "share_without": ".1%", "communes_without": "d"},
        )
    )

    zones = pd.DataFrame(
        {
            "insee": terr.communes["insee"],
            "name": terr.communes["name"],
            "dep": terr.communes["dep"],
            "canton": terr.communes["canton"],
            "population": terr.communes["population"],
            "hads": [" ".join(terr.hads.index[row]) for row in terr.zones.covers],
            "rule": terr.zones.rule,
            "authorised_had": terr.has_authorised_had,
            "km_to_iucto": terr.to_centre.km[:, 0].round(1),
            "hours_to_iucto": terr.to_centre.hours[:, 0].round(2),
        }
    )[terr.communes["in_catchment"].to_numpy()]

    from sim.maps import save_territory_map  # matplotlib import is slow; only when drawing

    with atomic_output_dir(out) as scratch:
        coverage.to_csv(scratch / "coverage_by_had.csv", index=False)
        gaps.to_csv(scratch / "unauthorised_by_department.csv", index=False)
        zones.to_csv(scratch / "commune_zones.csv", index=False)
        save_territory_map(
            terr,
            scratch / "territory_map.png",
            title=f"HAD zones and home-chemotherapy authorisation: {heading}",
        )
    console.print(
        f"map and tables written to [bold]{out}/[/] (territory_map.png, coverage_by_had.csv, "
        "unauthorised_by_department.csv, commune_zones.csv)"
    )


def main() -> None:
    app()
