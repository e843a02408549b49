"""Costs of an episode, item by item, from what the simulation counted (pure functions, no I/O).

Every price comes from the scenario's ``costs`` section, where each carries its source and year.
What the day hospital's no-slot policies add is costed through what they leave behind: a bridge's
extra bags and vials (drug), a ward visit's or an extra change's trip (transport), an HAD nurse's
change through its courier delivery; visits are day-hospital sessions and trips.
Drug: each bag is prepared with whole vials for the days it was made for; a bag of 1-3 days carries
4 h of overfill, a 4-day bag none (003:4897-4905); what the vials give beyond the infused dose is
wasted, including what a bag taken down early (a death, an early stop) still held. A vial gives its
extractable content (``costs.drug.extractable_ug``), not its labelled one: the rest is the vial's
overfill, which cannot be drawn and is not counted as waste.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.measures.catalogue import COST_ITEMS  # the items of the payer's bill, in report order
from sim.measures.columns import GroupSum, group_count, group_sum, group_sums
from sim.scenario.schema import Costs, DrugCost, TransportMode


@dataclass(frozen=True)
class BagDrug:
    vials: int
    infused_ug: float
    prepared_ug: float  # dose x (days made for + overfill)
    wasted_ug: float  # extractable vial content beyond what is infused
    unused_ug: float = 0.0  # of which made for days not infused (the bag was taken down early)


def bag_drug(
    dose_ug_per_day: float,
    bag_days: float,
    vial_ug: float,
    overfill_hours: float,
    overfill_max_days: float = 3.0,
    vial_sharing: bool = False,
    made_days: float | None = None,
) -> BagDrug:
    """Vials for one bag infused ``bag_days``, made for ``made_days`` (None: the same).

    The bag is prepared for whole days; bags up to 3 days get the overfill. ``vial_ug`` is what a
    vial gives (its extractable content).
    """
    made = bag_days if made_days is None else max(made_days, bag_days)
    days = math.ceil(made - 1e-9)
    overfill = overfill_hours / 24.0 if days <= overfill_max_days else 0.0
    prepared = dose_ug_per_day * (days + overfill)
    infused = dose_ug_per_day * bag_days
    unused = dose_ug_per_day * (made - bag_days)
    if vial_sharing:  # pro rata: opened vials and overfill are used for other patients, nothing is lost
        vials = (infused + unused) / vial_ug
        return BagDrug(vials, infused, prepared, wasted_ug=unused, unused_ug=unused)
    vials = math.ceil(prepared / vial_ug - 1e-9)
    return BagDrug(vials, infused, prepared, wasted_ug=vials * vial_ug - infused, unused_ug=unused)


def bags_drug(
    dose_ug_per_day: np.ndarray, bag_days: np.ndarray, drug: DrugCost, made_days: np.ndarray | None = None
) -> BagDrug:
    """``bag_drug`` for many bags at once (arrays in each field), with the same arithmetic."""
    made = bag_days if made_days is None else np.maximum(made_days, bag_days)
    days = np.ceil(made - 1e-9)
    overfill = np.where(days <= 3.0, drug.overfill_hours_short_bags / 24.0, 0.0)
    prepared = dose_ug_per_day * (days + overfill)
    infused = dose_ug_per_day * bag_days
    unused = dose_ug_per_day * (made - bag_days)
    if drug.vial_sharing:
        vials = (infused + unused) / drug.usable_ug
        return BagDrug(vials, infused, prepared, wasted_ug=unused, unused_ug=unused)
    vials = np.ceil(prepared / drug.usable_ug - 1e-9)
    return BagDrug(vials, infused, prepared, wasted_ug=vials * drug.usable_ug - infused, unused_ug=unused)


def trip_costs(one_way_km: np.ndarray, mode: TransportMode) -> np.ndarray:
    """Cost of round trips home - care site for one transport mode (flat fees apply per leg)."""
    beyond = np.asarray(one_way_km, dtype=float) - mode.included_km
    per_leg = mode.flat_eur + mode.pickup_eur + mode.per_km_eur * np.where(beyond > 0.0, beyond, 0.0)
    return 2 * per_leg


def trip_cost(one_way_km: float, mode: TransportMode) -> float:
    """``trip_costs`` of one round trip."""
    return float(trip_costs(np.array([one_way_km], dtype=float), mode)[0])


def expected_trip_costs(one_way_km: np.ndarray, costs: Costs) -> np.ndarray:
    """Round-trip costs averaged over the scenario's mix of transport modes (added in its order)."""
    mix = costs.transport.mix
    total = sum(mix.values())
    expected = np.zeros(np.shape(one_way_km))
    for name, share in mix.items():
        expected = expected + share / total * trip_costs(one_way_km, costs.transport.modes[name])
    return expected


def expected_trip_cost(one_way_km: float, costs: Costs) -> float:
    """``expected_trip_costs`` of one round trip."""
    return float(expected_trip_costs(np.array([one_way_km], dtype=float), costs)[0])


def episode_costs(
    episodes: pd.DataFrame,
    bags: pd.DataFrame,
    trips: pd.DataFrame,
    costs: Costs,
    deliveries: pd.DataFrame | None = None,
    legs: pd.DataFrame | None = None,
    transfers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per episode: cost by item (euros), drug vials and waste, and the total.

    ``episodes`` is ``frames.episodes_frame``; ``bags`` has columns episode, days, dose; ``trips`` has
    episode and km (round trip).
    """
    return pd.DataFrame(episode_cost_columns(episodes, bags, trips, costs, deliveries, legs, transfers))


Table = Mapping[str, object]  # a DataFrame, or named columns (numpy arrays)


def _array(table: Table, name: str, dtype: type | None = None) -> np.ndarray:
    return np.asarray(table[name], dtype=dtype)


def episode_cost_columns(
    episodes: Table,
    bags: Table,
    trips: Table,
    costs: Costs,
    deliveries: Table | None = None,
    legs: Table | None = None,
    transfers: Table | None = None,
) -> dict[str, np.ndarray]:
    """``episode_costs`` as named columns, from tables given as DataFrames or named numpy columns."""
    ids = _array(episodes, "episode")
    out: dict[str, np.ndarray] = {"episode": ids}
    _drug_costs(out, bags, costs)
    e = {name: _array(episodes, name) for name in episodes}
    bed_day = costs.inpatient_bed_day_eur
    out["cost_inpatient_cycle_start"] = (
        e["bed_days_cycle_start"] + e["bed_days_pre_phase"] + e["bed_days_waiting_start_day"]
    ) * bed_day
    out["cost_inpatient_waiting_home_care"] = e["bed_days_waiting_home_care"] * bed_day
    out["cost_inpatient_adverse_event"] = e["bed_days_adverse_event"] * bed_day
    out["cost_inpatient_only"] = e["bed_days_inpatient_only"] * bed_day
    # Severe events at home cared for in a peripheral hospital (first recourse, 003:1606-1616).
    peripheral_days = e.get("peripheral_bed_days", 0.0)
    out["cost_inpatient_peripheral"] = _full(
        peripheral_days * bed_day * costs.peripheral_bed_day_price_ratio, len(ids)
    )

    # IUCT-O day-hospital sessions are bag changes and visits (the frame counts both); a bag changed
    # at the nearest hospital is a day-hospital session there, at the same tariff.
    local = e.get("local_hospital_sessions", 0)
    sessions = e["day_hospital_sessions"] + local
    out["cost_day_hospital"] = sessions * costs.day_hospital_session_eur
    # Days at home in an HAD's care; the others under a convention (a patient may change from one to
    # the other between cycles when the HADs of his zone are full).
    had_days = e["had_home_days"]
    tariff = np.array([costs.had_day_by_had.get(h, costs.had_day_eur) for h in e["had"]], dtype=float)
    out["cost_had"] = had_days * tariff
    not_had = e["home_days"] - had_days
    convention_days = np.where(not_had > 1e-9, not_had, 0.0)  # not the rounding left by the subtraction
    home_changes = e["bag_changes_at_home"] * (e["route"] == "convention")
    out["nurse_visits"] = convention_days + home_changes
    out["cost_nurse_visits"] = out["nurse_visits"] * costs.nurse_visit_eur
    out["cost_convention_provider"] = convention_days * costs.convention_provider_day_eur

    _transport_costs(out, trips, legs, transfers, deliveries, costs)
    items = [np.asarray(out[f"cost_{item}"], dtype=float) for item in COST_ITEMS]
    out["cost_total"] = functools.reduce(operator.add, items, np.zeros(len(ids)))
    return out


def _full(values: np.ndarray | float, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(values, dtype=float), (n,)).copy()


def _drug_costs(out: dict[str, np.ndarray], bags: Table, costs: Costs) -> None:
    """Whole vials per bag (overfill, rounding, waste), summed per episode into ``out``."""
    drug = costs.drug
    made = _array(bags, "made_days", float) if "made_days" in bags else None
    per_bag = bags_drug(_array(bags, "dose", float), _array(bags, "days", float), drug, made)
    ids, episode = out["episode"], _array(bags, "episode")
    vials = group_sum(ids, episode, per_bag.vials)
    if not drug.vial_sharing and (group_count(ids, episode) > 0).all():
        vials = vials.astype(np.int64)  # whole vials, as pandas left them when every episode had a bag
    out["vials"] = vials
    out["infused_ug"] = group_sum(ids, episode, per_bag.infused_ug)
    out["wasted_ug"] = group_sum(ids, episode, per_bag.wasted_ug)
    out["unused_ug"] = group_sum(ids, episode, per_bag.unused_ug)
    out["cost_drug"] = out["vials"] * drug.vial_price_eur
    out["cost_drug_wasted"] = out["wasted_ug"] / drug.usable_ug * drug.vial_price_eur
    out["cost_drug_unused_bags"] = out["unused_ug"] / drug.usable_ug * drug.vial_price_eur


def _transport_costs(
    out: dict[str, np.ndarray],
    trips: Table,
    legs: Table | None,
    transfers: Table | None,
    deliveries: Table | None,
    costs: Costs,
) -> None:
    """Patients' journeys at the mix of transport modes, and the courier's bag deliveries, into ``out``
    (their sums per episode computed together)."""
    sums: dict[str, object] = {}
    # A round trip from home (``km`` both ways) at the fees of two legs.
    sums["trips"] = _fares(trips, lambda km: expected_trip_costs(km / 2, costs))
    # A journey in or out of a hospital stay, and a transfer from a peripheral hospital to IUCT-O, are
    # one leg each: half a round trip's fees.
    sums["legs"] = _fares(legs, lambda km: expected_trip_costs(km, costs) / 2)
    sums["transfers"] = _fares(transfers, lambda km: expected_trip_costs(km, costs) / 2)
    n = len(out["episode"])
    delivered = deliveries is not None and len(_array(deliveries, "km"))
    if delivered:
        episode, km = _array(deliveries, "episode"), _array(deliveries, "km", float)
        sums["delivery_km"] = GroupSum(episode, km)
        sums["cost_bag_delivery"] = _fares(deliveries, lambda km: trip_costs(km / 2, costs.bag_delivery))
    sums = group_sums(out["episode"], sums)
    out["cost_transport"] = sums["trips"] + sums["legs"] + sums["transfers"]
    if delivered:
        out["deliveries"] = group_count(out["episode"], episode)
        out["delivery_km"], out["cost_bag_delivery"] = sums["delivery_km"], sums["cost_bag_delivery"]
    else:
        out["deliveries"], out["delivery_km"], out["cost_bag_delivery"] = (
            np.zeros(n, dtype=np.int64),
            np.zeros(n),
            np.zeros(n),
        )


def _fares(journeys: Table | None, fare: Callable[[np.ndarray], np.ndarray]) -> GroupSum | np.ndarray:
    """The sum per episode of ``fare(km)`` over journeys, to compute (0 for an episode with none)."""
    if journeys is None or not len(_array(journeys, "km")):
        return GroupSum(np.array([], dtype=np.int64), np.array([]))
    km = _array(journeys, "km")
    distinct, which = np.unique(km, return_inverse=True)  # a fare per distance, priced once
    return GroupSum(_array(journeys, "episode"), np.asarray(fare(distinct), dtype=float)[which])
