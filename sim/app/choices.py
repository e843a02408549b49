"""A planner's choices and the scenario they make: levers with bounds and sources, coverage, YAML.

Pure Python (no web framework): the page only shows what these functions return, so everything a
planner can do is tested here. A lever left at the file's value leaves the file's detail alone
(e.g. a day hospital whose weekdays differ); a lever moved writes its value, and the scenario is
validated again by the schema (one-line ``ScenarioError`` messages).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import yaml

from sim.runs.replications import with_run_settings
from sim.runs.sensitivity import check_kpi_names, check_parameters
from sim.scenario.bounds import Beds, Episodes, Replications, Seed, Sessions, Weight, Years
from sim.scenario.errors import ScenarioError, one_line
from sim.scenario.files import load_scenario, with_values
from sim.scenario.schema import Scenario
from sim.scenario.sources import parameter_sources
from sim.scenario.treatment import Bags
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory
from sim.territory.geodata import TerritoryDataError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
BAG_PLACES: tuple[str, ...] = typing.get_args(Bags.model_fields["where_changed"].annotation)
REFERENCE_FILE = "baseline.yaml"
APP_SUFFIX = "_app"  # a changed scenario's name: the file's name and this (result folders differ)
Sources = Mapping[str, tuple[str, str]]  # key path -> (comment, file it came from)


def scenarios_dir() -> Path:
    """The shipped scenario files (``scenarios/`` of the project)."""
    return Path(__file__).resolve().parents[2] / "scenarios"


def shipped_scenarios() -> dict[str, Path]:
    """Shipped scenario files by name (file stem), the reference first."""
    files = sorted(scenarios_dir().glob("*.yaml"), key=lambda p: (p.name != REFERENCE_FILE, p.name))
    return {p.stem: p for p in files}


# --- the levers --------------------------------------------------------------------------------


def _bounds(alias: object) -> tuple[float, float, bool]:
    """Lowest and highest value an ``Annotated`` bound of sim.scenario.bounds allows, and whether
    the lowest is allowed itself (``ge``) or only values above it (``gt``)."""
    low, high, low_allowed = -float("inf"), float("inf"), True
    for constraint in typing.get_args(alias)[1].metadata:
        if hasattr(constraint, "gt"):
            low, low_allowed = constraint.gt, False
        low = getattr(constraint, "ge", low)
        high = getattr(constraint, "le", getattr(constraint, "lt", high))
    return low, high, low_allowed


@dataclass(frozen=True)
class Lever:
    """One control of the page: the key path it sets, its kind, bounds (from the schema), its source."""

    key: str
    kind: str  # "int", "float" or "choice"
    low: float = 0
    high: float = 0
    options: tuple[str, ...] = ()
    low_allowed: bool = True  # False: only values above ``low`` (years simulated)
    source: str = ""  # the comment beside the key in the scenario file, or "" (an assumption)
    label: str = ""  # the scenario's own words for it (an indication's label); "" : the page's text


# key path, kind, schema bound (None: a choice) — the order the page shows them in
LEVER_SPECS: tuple[tuple[str, str, object], ...] = (
    ("beds.capacity", "int", Beds),
    ("day_hospital.sessions_per_weekday", "int", Sessions),
    ("blinatumomab.arrivals.episodes_per_year", "float", Episodes),
    ("bags.where_changed", "choice", None),
    ("run.years", "float", Years),
    ("run.replications", "int", Replications),
    ("run.seed", "int", Seed),
)
RUN_KEYS = ("run.years", "run.replications", "run.seed")  # applied to the reference too
DEMAND_KEY = "blinatumomab.arrivals.episodes_per_year"
INDICATIONS = "blinatumomab.indications."


def indication_key(name: str, share: bool) -> str:
    """The key path of an indication's demand: its share of the referred demand, or its own rate."""
    return f"{INDICATIONS}{name}.{'share' if share else 'episodes_per_year'}"


def indication_keys(scenario: Scenario) -> list[str]:
    """One demand key per indication of the scenario, in the file's order."""
    found = scenario.blinatumomab.indications.items()
    return [indication_key(name, indication.share is not None) for name, indication in found]


def lever_keys(scenario: Scenario) -> list[str]:
    """The key path of every lever of the scenario, in the order the page shows them: the fixed ones,
    each indication's demand right after the referred demand."""
    keys = [key for key, _, _ in LEVER_SPECS]
    at = keys.index(DEMAND_KEY) + 1
    return keys[:at] + indication_keys(scenario) + keys[at:]


def levers(sources: Sources, scenario: Scenario | None = None) -> list[Lever]:
    """Every lever, with its schema bounds and the source comment of the scenario file; with
    ``scenario``, one demand lever per indication (labelled, sourced by the indication itself)."""
    found = []
    for key, kind, alias in LEVER_SPECS:
        source = sources.get(key, ("", ""))[0]
        if kind == "choice":
            found.append(Lever(key, kind, options=BAG_PLACES, source=source))
        else:
            low, high, low_allowed = _bounds(alias)
            found.append(Lever(key, kind, low, high, low_allowed=low_allowed, source=source))
        if key == DEMAND_KEY and scenario is not None:
            found += indication_levers(scenario, sources)
    return found


def indication_levers(scenario: Scenario, sources: Sources) -> list[Lever]:
    """Each indication's demand: a share (schema ``Weight``) or its own episodes a year (``Episodes``),
    with the indication's label, and its source field (the key's own comment added if it has one)."""
    found = []
    for key, (name, indication) in zip(indication_keys(scenario), scenario.blinatumomab.indications.items()):
        low, high, low_allowed = _bounds(Weight if indication.share is not None else Episodes)
        comment = sources.get(key, ("", ""))[0]
        source = indication.source if not comment else f"{indication.source}; {comment}"
        label = indication.label or name
        found.append(Lever(key, "float", low, high, low_allowed=low_allowed, source=source, label=label))
    return found


def episodes_by_indication(scenario: Scenario, choices: Choices) -> dict[str, float]:
    """Episodes a year each indication lever stands for, under the choices ({} if they are refused):
    a share's rate depends on the referred demand and on the other shares."""
    keys = [DEMAND_KEY, *indication_keys(scenario)]
    try:
        made = with_values(scenario, {k: choices.values[k] for k in keys if k in choices.values}, "app")
    except ScenarioError:
        return {}
    rates = made.blinatumomab.indication_rates()
    return dict(zip(indication_keys(scenario), rates.values()))


def is_assumption(source: str) -> bool:
    """A value whose comment gives no source, or says it is an assumption."""
    return not source or "assumption" in source.lower()


@dataclass(frozen=True)
class Choices:
    """What a planner sets: authorised HADs and one value per lever key."""

    authorised: frozenset[str]
    values: dict[str, float | int | str] = field(default_factory=dict)

    def with_value(self, key: str, value: float | int | str) -> Choices:
        return replace(self, values={**self.values, key: value})

    def toggled(self, had: str) -> Choices:
        """The choices with ``had``'s authorisation reversed (a click on its zone)."""
        return replace(self, authorised=self.authorised ^ {had})


def lever_value(scenario: Scenario, key: str) -> float | int | str:
    """A lever's value in a scenario (day-hospital sessions: Monday's, standing for the weekdays)."""
    if key == "day_hospital.sessions_per_weekday":
        return scenario.day_hospital.sessions_per_weekday.get("mon", 0)
    if key.startswith(INDICATIONS):
        name, field_name = key.removeprefix(INDICATIONS).split(".")
        return typing.cast(float, getattr(scenario.blinatumomab.indications[name], field_name))
    node: object = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return typing.cast(float | int | str, node)


def choices_of(scenario: Scenario, territory: Territory) -> Choices:
    """The choices a scenario stands for, on its bound ``territory``."""
    authorised = frozenset(territory.hads.index[territory.authorised])
    return Choices(authorised, {key: lever_value(scenario, key) for key in lever_keys(scenario)})


def changes(scenario: Scenario, territory: Territory, choices: Choices) -> dict[str, tuple[object, object]]:
    """What the choices change in the scenario: {key path: (file value, chosen value)}."""
    start = choices_of(scenario, territory)
    found: dict[str, tuple[object, object]] = {
        key: (start.values[key], value)
        for key, value in choices.values.items()
        if key in start.values and start.values[key] != value  # another file's indication: not this one's
    }
    for had in sorted(choices.authorised ^ start.authorised):
        found[f"territory.{had}"] = (had in start.authorised, had in choices.authorised)
    return found


def apply_choices(scenario: Scenario, territory: Territory, choices: Choices) -> Scenario:
    """The scenario the choices make (ScenarioError, one line per problem, when the schema refuses).

    ``territory`` is the scenario's bound territory. Authorisations are written as the scenario's
    ``territory.authorise``/``revoke`` against geo/had.csv; a changed scenario is renamed (the file's
    name and ``_app``) and says what changed in its description, so its result folder is its own.
    """
    changed = changes(scenario, territory, choices)
    raw = scenario.model_dump(mode="json")
    numbers: dict[str, float] = {}
    for key, (_, value) in changed.items():
        if key.startswith("territory."):
            continue
        if key == "bags.where_changed":
            raw["bags"]["where_changed"] = value
        elif key == "day_hospital.sessions_per_weekday":
            numbers.update({f"{key}.{day}": value for day in WEEKDAYS})
        else:
            numbers[key] = value
    if any(key.startswith("territory.") for key in changed):
        raw["territory"].update(_authorisation_lists(scenario, territory, choices))
    model_changes = [k for k in changed if k not in RUN_KEYS]
    if model_changes:
        raw["name"] = _app_name(scenario.name)
        # In both languages whatever the page's: the texts are the scenario's, for any reader.
        # The question too: not the start scenario's, which the changes no longer ask.
        for field, lang, made_with, separator in (
            ("description", "en", "Made with occisim app from {}: {}", "; "),
            ("description_fr", "fr", "Fait avec l'app occisim à partir de {} : {}", " ; "),
            ("question", "en", "{}, changed ({}): what happens?", "; "),
            ("question_fr", "fr", "{}, modifié ({}) : que se passe-t-il ?", " ; "),
        ):
            said = separator.join(_change_text(k, changed[k], lang) for k in model_changes)
            raw[field] = one_line(made_with.format(scenario.name, said), 2000)
    # The same checks and one-line messages as any edited number (sensitivity, --set).
    return with_values(Scenario.model_validate(raw), numbers, origin="app")


def _authorisation_lists(scenario: Scenario, territory: Territory, choices: Choices) -> dict[str, list[str]]:
    """``authorise`` and ``revoke`` against geo/had.csv for the chosen HADs (a taken-over HAD keeps
    the file's status: it has no zone left to click)."""
    default = territory.hads["chemo_authorised"].astype(bool)
    spec = scenario.territory
    wanted = {h for h in choices.authorised if h not in spec.merge}
    wanted |= {h for h in spec.merge if (default[h] or h in spec.authorise) and h not in spec.revoke}
    return {
        "authorise": sorted(h for h in wanted if not default[h]),
        "revoke": sorted(h for h in default.index[default] if h not in wanted),
    }


def _app_name(name: str) -> str:
    return name if name.endswith(APP_SUFFIX) else name[: 100 - len(APP_SUFFIX)] + APP_SUFFIX


AUTHORISATION_VERBS = {"en": ("revoke", "authorise"), "fr": ("retirer l'autorisation :", "autoriser")}


def _change_text(key: str, change: tuple[object, object], lang: str = "en") -> str:
    before, after = change
    if key.startswith("territory."):
        revoke, authorise = AUTHORISATION_VERBS[lang]
        return f"{authorise if after else revoke} {key.removeprefix('territory.')}"
    return f"{key} {before} -> {after}"


def comparison_pair(reference: Scenario, chosen: Scenario) -> tuple[Scenario, Scenario]:
    """The reference and the chosen scenario as compared: the reference run as the chosen one is
    (years, replications, seed); the chosen one renamed if it bears the reference's name."""
    run = reference.run.model_copy(update={"years": chosen.run.years})
    reference = with_run_settings(
        reference.model_copy(update={"run": run}), chosen.run.replications, chosen.run.seed
    )
    if chosen.name == reference.name:
        chosen = chosen.model_copy(update={"name": _app_name(chosen.name)})
    return (Scenario.model_validate(reference.model_dump(mode="json")), chosen)


# --- coverage before any simulation --------------------------------------------------------------


def coverage_by_department(territory: Territory, start: Territory) -> pd.DataFrame:
    """Per department: people with and without an authorised HAD, and the change against ``start``."""
    now, before = territory.unauthorised_population(), start.unauthorised_population()
    return pd.DataFrame(
        {
            "dep": now["dep"],
            "population": now["population"],
            "population_with": now["population"] - now["population_without"],
            "population_without": now["population_without"],
            "share_without": now["share_without"],
            "change_without": now["population_without"] - before["population_without"],
        }
    )


def coverage_total(territory: Territory, start: Territory) -> dict[str, float]:
    """Catchment population without an authorised HAD, its share, and the change against ``start``."""
    now = territory.unauthorised_population()
    without, total = int(now["population_without"].sum()), int(now["population"].sum())
    delta = without - int(start.unauthorised_population()["population_without"].sum())
    return {"without": without, "total": total, "share": without / total, "delta": delta}


def coverage_by_zone(territory: Territory) -> pd.DataFrame:
    """Per HAD zone: its name, authorisation and inhabitants (shared communes count for each sharer)."""
    return territory.coverage_table()[["had", "name", "authorised", "population"]]


# --- scenario files in and out ----------------------------------------------------------------------


def scenario_yaml(scenario: Scenario, sources: Sources, changed: Mapping[str, tuple[object, object]]) -> str:
    """The whole resolved scenario as YAML that ``occisim run`` accepts unchanged.

    Each key keeps the comment of the file it came from (its source, or "assumption"); a value the
    planner changed says so. The comments are dropped if they would change what the file means.
    """
    data = scenario.model_dump(mode="json")
    plain = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6)
    notes = {key: comment for key, (comment, _) in sources.items() if comment}
    for key, (before, _) in changed.items():
        if not key.startswith("territory."):
            notes[key] = f"set in occisim app (the file had {before}: {notes.get(key) or 'no source'})"
    if any(key.startswith("territory.") for key in changed):
        for key in ("territory.authorise", "territory.revoke"):
            notes[key] = "set in occisim app (clicked on the map), against geo/had.csv"
    commented = _with_comments(plain, notes)
    header = f"# {scenario.name}: written by occisim app; run it with `occisim run <this file>`\n"
    try:
        same = yaml.safe_load(commented) == data
    except yaml.YAMLError:
        same = False
    return header + (commented if same else plain)


_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_]+):(?P<rest>.*)$")


def _with_comments(text: str, notes: Mapping[str, str]) -> str:
    """``text`` (block-style YAML) with ``# note`` after each key line whose key path has a note."""
    lines, stack = [], []
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if match:
            indent = len(match["indent"])
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, match["key"]))
            note = notes.get(".".join(k for _, k in stack))
            if note:
                line = f"{line}  # {one_line(note, 300)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


UPLOAD_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def read_uploaded(filename: str, data: bytes, base: Territory) -> tuple[Scenario, dict[str, tuple[str, str]]]:
    """An uploaded scenario file read as ``occisim validate`` reads it, and its parameter sources.

    It is written beside copies of the shipped scenarios (so ``extends: baseline.yaml`` works) in a
    temporary folder; ScenarioError messages name the uploaded file as validate would name it.
    """
    name = UPLOAD_NAME.sub("_", Path(filename).name)[-100:] or "upload.yaml"
    with tempfile.TemporaryDirectory(prefix="occisim-upload-") as folder:
        for shipped in shipped_scenarios().values():
            shutil.copy(shipped, Path(folder) / shipped.name)
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            scenario = load_scenario(path)
            territory = scenario_territory(scenario, base)
            check_parameters(scenario)
            check_kpi_names(scenario, territory)
            sources = parameter_sources(path)
        except ScenarioError as exc:
            raise ScenarioError([_named(line, path, name) for line in exc.messages]) from None
        except TerritoryDataError as exc:
            raise ScenarioError([_named(str(exc), path, name)]) from None
    return scenario, sources


def _named(line: str, path: Path, name: str) -> str:
    """A message as ``occisim validate name`` prints it (without ``error:``): the file named once."""
    line = line.replace(f"{path.parent}/", "")
    return line if line.startswith(f"{name}: ") else f"{name}: {line}"
