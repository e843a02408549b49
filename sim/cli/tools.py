"""Commands that simulate nothing: check scenario files, print the schema, map the territory, report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.base import Lang, NoOverwrite, app, fail, load, output_dir, say_written
from sim.outputs import terminal
from sim.outputs.terminal import console, plain, print_file_errors, progress_bar
from sim.outputs.writing import RUN, SEARCH, TERRITORY, OutputError
from sim.scenario.errors import ScenarioError, one_line


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
    scenario: Annotated[
        Path | None,
        typer.Option(help="Scenario file whose territory settings (authorisations, takeovers, zones) apply."),
    ] = None,
    no_overwrite: NoOverwrite = False,
    lang: Lang = None,
) -> None:
    """Coverage of the catchment by the 14 HADs: tables and a map, after optional authorisation changes."""
    from sim.outputs.i18n import LanguageError, choose_language, text
    from sim.outputs.study_folders import write_territory
    from sim.territory.catchment import Territory
    from sim.territory.geodata import TerritoryDataError

    authorise, revoke = list(authorise or []), list(revoke or [])
    merges: dict[str, str] = {}
    scenario_lang = None
    if scenario is not None:
        loaded = load(scenario)
        spec, scenario_lang = loaded.territory, loaded.output.lang
        authorise = [*spec.authorise, *authorise]
        revoke = [*spec.revoke, *revoke]
        overrides = overrides or spec.overrides_file
        merges = spec.merge
    try:
        language = choose_language(lang, scenario_lang)
    except LanguageError as exc:
        raise fail(str(exc)) from None
    output_dir(out, TERRITORY, no_overwrite)
    try:
        base = Territory.load(geo_dir, overrides_file=overrides)
        terr = base.with_authorisation(authorise=authorise, revoke=revoke).with_merges(merges)
    except (TerritoryDataError, KeyError) as exc:
        raise fail(str(exc).strip("\"'")) from None
    heading = terminal.territory_heading(authorise, revoke, language)
    console.print(*terminal.territory_tables(terr, heading, language))
    write_territory(terr, heading, out, overwrite=not no_overwrite, lang=language)
    say_written(
        text("territory_written", language),
        out,
        "(territory_map.png, coverage_by_had.csv, unauthorised_by_department.csv, commune_zones.csv)",
        lang=language,
    )


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")], lang: Lang = None
) -> None:
    """Check scenario files against the schema (and HAD ids against geo/had.csv); exit 2 on any error.

    The 'sensitivity' and 'psa' parameters must name numbers of the scenario, and their KPIs names a
    run produces (known without a run: the KPI catalogue, the scenario's indications, geo/'s HADs and
    hospitals). The territory is loaded only for a scenario with its own zone overrides file.
    """
    from sim.outputs.i18n import LanguageError, choose_language
    from sim.runs.checks import check_kpi_names, check_parameters
    from sim.scenario.files import load_scenario
    from sim.territory.binding import check_had_ids, scenario_territory
    from sim.territory.geodata import TerritoryDataError, had_ids

    failed = False
    known_hads = None
    for path in files:
        try:
            scenario = load_scenario(path)
            if scenario.territory.overrides_file is None:
                known_hads = known_hads or had_ids()
                check_had_ids(scenario, known_hads)
            else:  # its zone overrides are read and checked with the territory
                scenario_territory(scenario)
            check_parameters(scenario)
            check_kpi_names(scenario)
        except ScenarioError as exc:
            failed = True
            print_file_errors(path, exc.messages)
            continue
        except TerritoryDataError as exc:
            raise fail(str(exc)) from None
        try:
            language = choose_language(lang, scenario.output.lang)
        except LanguageError as exc:
            raise fail(str(exc)) from None
        console.print(terminal.ok_line(path, scenario.name, scenario.hash(), language))
    if failed:
        raise typer.Exit(code=2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors' completion and checking)."""
    import json

    from sim.scenario.files import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


@app.command()
def report(
    result_dirs: Annotated[
        list[Path],
        typer.Argument(
            help="Result folders (first = reference), or a compare folder; a search folder of "
            "`occisim choose` adds its section."
        ),
    ],
    out: Annotated[Path | None, typer.Option(help="HTML file (default: <first folder>/report.html).")] = None,
    no_overwrite: NoOverwrite = False,
    lang: Lang = None,
) -> None:
    """Write one self-contained HTML report (figures and maps embedded) from result folders.

    Search folders (`occisim choose`) add a "Which HADs next?" section; alone, they make the report.
    """
    from sim.measures.language import number
    from sim.outputs.choice import search_report
    from sim.outputs.folders import result_folders
    from sim.outputs.i18n import LanguageError, choose_language, text
    from sim.outputs.report import REPORT_BEGINNINGS, build_report
    from sim.outputs.writing import check_output_file, folder_kind, read_manifest, write_text_atomically
    from sim.territory.catchment import Territory
    from sim.territory.geodata import TerritoryDataError

    try:
        folders = result_folders(result_dirs)
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    searches = [p for p in folders if folder_kind(p) == SEARCH]
    folders = [p for p in folders if p not in searches]
    studies = [(p, kind) for p in folders if (kind := folder_kind(p)) not in (RUN, None)]
    if studies:  # a sensitivity, PSA, calibration… folder: occisim wrote it, the report does not show it
        shown = ", ".join(f"{p} ({kind})" for p, kind in studies)
        raise fail(
            f"{one_line(shown)}: expected result folders of `occisim run`, `compare` or `choose`; the "
            "report does not show this kind of study, whose tables and figures are in its folder"
        )
    missing = [str(p) for p in folders if folder_kind(p) != RUN]
    if missing:
        raise fail(
            f"not a result folder of a run or a search: {one_line(', '.join(missing))}; "
            "run `occisim run` or `occisim choose` first"
        )
    saved = (read_manifest((folders or searches)[0]) or {}).get("resolved_scenario")
    output = saved.get("output") if isinstance(saved, dict) else None
    try:
        language = choose_language(lang, output.get("lang") if isinstance(output, dict) else None)
    except LanguageError as exc:
        raise fail(str(exc)) from None
    target = out or (result_dirs[0] / "report.html")
    try:
        check_output_file(target, REPORT_BEGINNINGS, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    with progress_bar(text("progress_report", language), None):
        try:
            if folders:
                document = build_report(folders, lang=language, searches=searches)
            else:
                document = search_report(searches, Territory.load(), lang=language)
        except (ValueError, ScenarioError, TerritoryDataError, OSError) as exc:
            raise fail(str(exc)) from None
    try:
        write_text_atomically(target, document, begins=REPORT_BEGINNINGS, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    size = text("written_report_size", language, size=number(target.stat().st_size / 1e6, ".1f", language))
    console.print(text("written_report", language), plain(str(target)), " ", size, sep="")
