"""Commands that simulate scenarios: run and compare (also across a calibration band).

Each loads its scenario files and checks its output folder before the first replication starts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli.base import (
    ExcelCsv,
    Lang,
    NoOverwrite,
    SchedulerOption,
    Seed,
    Settings,
    Workers,
    app,
    fail,
    fail_file,
    finite,
    load,
    output_dir,
    readable,
    say_written,
    set_lines,
    with_settings,
)
from sim.outputs import terminal
from sim.outputs.i18n import text
from sim.outputs.terminal import console, plain, progress_bar
from sim.outputs.writing import (
    BAND,
    COMPARISON,
    RUN,
    OutputError,
    folder_kind,
    read_manifest,
)
from sim.scenario.bounds import (
    MAX_REPLICATIONS,
    MAX_SEED,
)
from sim.scenario.errors import ScenarioError, one_line

if TYPE_CHECKING:
    from sim.outputs.excel import Readable
    from sim.runs.compare import ComparisonResult

BandFile = Annotated[
    Path | None,
    typer.Option(
        "--band",
        help="Band file (occisim calibrate's band.csv): repeat for each parameter set, KPIs as ranges.",
    ),
]
PRECISION_HELP = (
    "Add replications until every headline 95% CI half-width is "
    "within this fraction (means: of the mean; differences: of the base mean)."
)


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    replications: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_REPLICATIONS, help="Replications (default: the scenario's)."),
    ] = None,
    seed: Seed = None,
    workers: Workers = None,
    scheduler: SchedulerOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Result folder (default: results/<scenario name>/).")
    ] = None,
    no_overwrite: NoOverwrite = False,
    settings: Settings = None,
    lang: Lang = None,
    excel_csv: ExcelCsv = False,
    band: BandFile = None,
) -> None:
    """Simulate a scenario: replications in parallel, KPIs with 95% confidence intervals, result folder.

    With --set, the scenario is renamed after the settings (results/baseline_beds.capacity_20/).
    """
    from sim.outputs.folders import write_results
    from sim.runs.replications import default_output_dir, run_experiment

    if band is not None:
        if settings:
            raise fail("--band: expected without --set (the band's members set the background demand)")
        return _run_across_band([file], band, replications, seed, workers, out, no_overwrite, lang)
    scenario = with_settings(load(file), settings)
    people = readable(scenario, lang, excel_csv)
    target = output_dir(out or default_output_dir(scenario), RUN, no_overwrite)
    n = replications or scenario.run.replications
    with progress_bar(text("progress_run", people.lang, name=scenario.name), n) as advance:
        try:
            result = run_experiment(
                scenario, replications, seed, workers, progress=advance, scheduler=scheduler
            )
        except ScenarioError as exc:
            raise fail_file(file, exc.messages, settings) from None
    try:
        write_results(result, target, source=file, overwrite=not no_overwrite, readable=people)
    except OutputError as exc:
        raise fail(str(exc)) from None
    console.print(terminal.experiment_table(result, people.lang))
    terminal.print_warnings(result.warnings(people.lang), lang=people.lang)
    say_written(text("written_results", people.lang), target, lang=people.lang)


def _run_across_band(
    files: list[Path],
    band_file: Path,
    replications: int | None,
    seed: int | None,
    workers: int | None,
    out: Path | None,
    no_overwrite: bool,
    lang: str | None = None,
) -> None:
    """``run`` or ``compare`` with --band: the same runs for each parameter set, KPIs as ranges."""
    from sim.outputs.bands import band_tables, write_band
    from sim.runs.band import read_band, run_band_comparison

    scenarios = [load(path) for path in files]
    language = readable(scenarios[0], lang).lang  # checked before the runs: a wrong --lang fails at once
    try:
        band = read_band(band_file, scenarios[0])
    except ScenarioError as exc:
        raise fail(exc.messages[0]) from None
    target = output_dir(out or Path("results") / f"band-{scenarios[0].name}", BAND, no_overwrite)
    n = replications or scenarios[0].run.replications
    members = len(band) * len(scenarios) * n
    with progress_bar(text("progress_band", language), members) as advance:
        try:
            result = run_band_comparison(scenarios, band, replications, seed, workers, progress=advance)
        except (ScenarioError, ValueError) as exc:
            raise fail(*getattr(exc, "messages", [str(exc)])) from None
    console.print(*band_tables(result))
    if len(scenarios) > 1:
        console.print("members *: band members whose paired difference's 95% CI excludes 0")
    try:
        write_band(result, files, band_file, target, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    files_written = "(band_members.csv, band_ranges.csv, band.csv)"
    say_written(text("written_band", language), target, files_written, language)


@app.command()
def compare(
    base: Annotated[Path, typer.Argument(help="Base scenario file (the reference).")],
    others: Annotated[
        list[Path] | None,
        typer.Argument(help="Scenario files compared with the base (none: the base with --set)."),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option(min=2, max=MAX_REPLICATIONS, help="Replications per scenario (start value)."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=MAX_SEED, help="Seed shared by all scenarios (default: the base's)."),
    ] = None,
    workers: Workers = None,
    scheduler: SchedulerOption = None,
    target_precision: Annotated[
        float | None, typer.Option(min=0.0001, max=1.0, callback=finite, help=PRECISION_HELP)
    ] = None,
    max_replications: Annotated[
        int, typer.Option(min=2, max=MAX_REPLICATIONS, help="Cap for --target-precision.")
    ] = 200,
    out: Annotated[
        Path | None, typer.Option(help="Folder (default: results/compare-<base>-vs-<others>/).")
    ] = None,
    no_overwrite: NoOverwrite = False,
    settings: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="key.path=value applied to the compared scenarios, not the base (repeatable); "
            "with no other file, the base with these values is compared with the base.",
        ),
    ] = None,
    lang: Lang = None,
    excel_csv: ExcelCsv = False,
    band: BandFile = None,
) -> None:
    """Compare scenarios with common random numbers: means, paired differences to BASE, 95% CIs.

    Writes results/compare-<base>-vs-<others>/ (or --out): never over another comparison.
    """
    from sim.runs.compare import run_comparison

    others = list(others or [])
    if not others and not settings:
        raise fail("compare: expected scenario files to compare with the base, or --set key.path=value")
    files = (base, *(others or [base]))
    if band is not None:
        if target_precision is not None or settings:
            raise fail(
                "--band: expected without --target-precision or --set "
                "(each member runs the replications given)"
            )
        return _run_across_band(list(files), band, replications, seed, workers, out, no_overwrite, lang)
    scenarios = [load(path) for path in files]
    scenarios[1:] = [with_settings(scenario, settings) for scenario in scenarios[1:]]
    names = [scenario.name for scenario in scenarios]
    if len(set(names)) != len(names):
        raise fail(f"compare: expected scenarios with different names, found {', '.join(names)}")
    people = readable(scenarios[0], lang, excel_csv)
    target = out or Path("results") / comparison_folder_name(names)
    refuse_another_comparison(target, names)
    target = output_dir(target, COMPARISON, no_overwrite)
    with progress_bar(text("progress_replications", people.lang), None) as advance:
        try:
            comparison = run_comparison(
                scenarios,
                replications,
                seed,
                workers,
                target_precision,
                max_replications,
                progress=advance,
                scheduler=scheduler,
            )
        except (ScenarioError, ValueError) as exc:
            lines = getattr(exc, "messages", [str(exc)])
            blamed = set_lines(lines, settings)
            raise fail(*(blamed.get(line, line) for line in lines)) from None
    _show_and_write_comparison(comparison, target, files, people, no_overwrite)


def _show_and_write_comparison(
    comparison: ComparisonResult, target: Path, files: Sequence[Path], people: Readable, no_overwrite: bool
) -> None:
    """The comparison's summary and tables on the terminal, its folder, its warnings, where it went."""
    from sim.outputs.folders import write_comparison

    console.print(*terminal.comparison_summary(comparison, people.lang, console.width), sep="\n")
    console.print(*terminal.comparison_tables(comparison, people.lang))
    console.print(text("significance_note", people.lang))
    try:
        write_comparison(comparison, target, files, overwrite=not no_overwrite, readable=people)
    except OutputError as exc:
        raise fail(str(exc)) from None
    for name, result in comparison.results.items():
        terminal.print_warnings(result.warnings(people.lang), f"{name}: ", people.lang)
    if (precision := terminal.precision_message(comparison, people.lang)) is not None:
        console.print(plain(precision))
    say_written(
        text("written_comparison", people.lang),
        target,
        text("comparison_files", people.lang),
        people.lang,
    )


MAX_FOLDER_NAME = 120  # longer: the compared scenarios are named by a short hash


def comparison_folder_name(names: list[str]) -> str:
    """``compare-<base>-vs-<a>-<b>``, or ``compare-<base>-vs-<n>-scenarios-<hash>`` when long."""
    name = f"compare-{names[0]}-vs-{'-'.join(names[1:])}"
    if len(name) <= MAX_FOLDER_NAME:
        return name
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:8]
    return f"compare-{names[0][:60]}-vs-{len(names) - 1}-scenarios-{digest}"


def refuse_another_comparison(target: Path, names: list[str]) -> None:
    """Exit 2 if ``target`` holds a comparison of other scenarios (a comparison is replaced only by
    itself, run again)."""
    if folder_kind(target) != COMPARISON:
        return
    earlier = (read_manifest(target) or {}).get("scenarios")
    if earlier != names:
        shown = " vs ".join(map(str, earlier)) if isinstance(earlier, list) else "other scenarios"
        raise fail(
            f"{target}: holds another comparison ({one_line(shown, 200)}); "
            "compare replaces only the same comparison: choose another --out"
        )
