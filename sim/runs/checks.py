"""Checks of a scenario's study sections made without a run: what ``occisim validate`` needs, light to
import (no pandas, no territory: the KPI names are known from the catalogue and the geo/ ids).

- ``check_parameters``: the 'sensitivity' and 'psa' parameters name numbers of the scenario;
- ``check_kpi_names``: their KPIs are names a run produces (``sim.measures.catalogue.kpi_names``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sim.measures.catalogue import kpi_names
from sim.scenario.errors import ScenarioError, one_line
from sim.scenario.files import with_values
from sim.scenario.schema import Scenario, SensitivityParameter
from sim.territory.geodata import had_ids, peripheral_hospital_ids

if TYPE_CHECKING:
    from sim.territory.catchment import Territory


def range_problems(scenario: Scenario, parameters: Sequence[SensitivityParameter], origin: str) -> list[str]:
    """One line per one-way range whose key names no number of the scenario, or whose low or high
    value the scenario refuses (``origin``: the file's section, or the command line's option)."""
    messages = []
    for p in parameters:
        for value in (p.low, p.high):
            try:
                with_values(scenario, {p.key: value}, origin=origin)
            except ScenarioError as exc:
                messages += exc.messages
                break
    return messages


def check_parameters(scenario: Scenario) -> None:
    """Refuse (ScenarioError) the parameters of the 'sensitivity' and 'psa' sections that name no
    number of the scenario, or a one-way bound the scenario refuses: checked without a run."""
    messages = range_problems(scenario, scenario.sensitivity.parameters, "sensitivity")
    for q in scenario.psa.parameters:
        # Its mean, and the lowest and highest values its draws reach (``reach``): what the psa
        # command would run, refused now, not mid-run.
        lowest, highest = q.distribution.reach
        for value, which in ((q.distribution.mean_value, ""), (lowest, "lowest"), (highest, "highest")):
            try:
                with_values(scenario, {q.key: value}, origin="psa")
            except ScenarioError as exc:
                reach = f" (its distribution's {which} draws)" if which else ""
                messages += [f"{message}{reach}" for message in exc.messages]
                break
    if messages:
        raise ScenarioError(messages)


def scenario_kpi_names(scenario: Scenario, territory: Territory | None = None) -> set[str]:
    """The KPI names a run of the scenario produces: its indications', and those of each HAD and
    peripheral hospital of ``territory`` (None: of the geo/ files, read without loading the territory)."""
    indications = list(scenario.blinatumomab.indications)
    if territory is None:
        return kpi_names(indications, had_ids(), peripheral_hospital_ids())
    hospitals = territory.hospitals
    peripheral = [h for row, h in enumerate(hospitals.table.index) if row != hospitals.centre]
    return kpi_names(indications, list(territory.hads.index), peripheral)


def check_kpi_names(scenario: Scenario, territory: Territory | None = None) -> None:
    """Refuse (ScenarioError) KPI names of the 'sensitivity' and 'psa' sections that a run does not
    produce (``scenario_kpi_names``: known without a run)."""
    wanted = [("sensitivity.kpis", name) for name in scenario.sensitivity.kpis]
    wanted += [("psa.cost", scenario.psa.cost), ("psa.outcome", scenario.psa.outcome)]
    names = scenario_kpi_names(scenario, territory)
    missing = [
        f"{key}: expected a KPI name of replications.csv, found {one_line(repr(name))}"
        for key, name in wanted
        if name not in names
    ]
    if missing:
        raise ScenarioError(missing)
