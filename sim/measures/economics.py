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

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.measures.catalogue import COST_ITEMS  # the items of the payer's bill, in report order
from sim.scenario.schema import Costs, TransportMode


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


def trip_cost(one_way_km: float, mode: TransportMode) -> float:
    """Cost of a round trip home - care site for one transport mode (flat fees apply per leg)."""
    per_leg = mode.flat_eur + mode.pickup_eur + mode.per_km_eur * max(0.0, one_way_km - mode.included_km)
    return 2 * per_leg


def expected_trip_cost(one_way_km: float, costs: Costs) -> float:
    """Round-trip cost averaged over the scenario's mix of transport modes."""
    mix = costs.transport.mix
    total = sum(mix.values())
    return sum(
        share / total * trip_cost(one_way_km, costs.transport.modes[name]) for name, share in mix.items()
    )


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
    out = pd.DataFrame(index=episodes["episode"].to_numpy())
    _drug_costs(out, bags, costs)
    e = episodes.set_index("episode")
    bed_day = costs.inpatient_bed_day_eur
    out["cost_inpatient_cycle_start"] = (
        e["bed_days_cycle_start"] + e["bed_days_pre_phase"] + e["bed_days_waiting_start_day"]
    ).to_numpy() * bed_day
    out["cost_inpatient_waiting_home_care"] = e["bed_days_waiting_home_care"].to_numpy() * bed_day
    out["cost_inpatient_adverse_event"] = e["bed_days_adverse_event"].to_numpy() * bed_day
    out["cost_inpatient_only"] = e["bed_days_inpatient_only"].to_numpy() * bed_day
    # Severe events at home cared for in a peripheral hospital (first recourse, 003:1606-1616).
    peripheral_days = e["peripheral_bed_days"].to_numpy() if "peripheral_bed_days" in e else 0.0
    out["cost_inpatient_peripheral"] = peripheral_days * bed_day * costs.peripheral_bed_day_price_ratio

    # IUCT-O day-hospital sessions are bag changes and visits (the frame counts both); a bag changed
    # at the nearest hospital is a day-hospital session there, at the same tariff.
    local = e["local_hospital_sessions"].to_numpy() if "local_hospital_sessions" in e else 0
    sessions = e["day_hospital_sessions"].to_numpy() + local
    out["cost_day_hospital"] = sessions * costs.day_hospital_session_eur
    # Days at home in an HAD's care; the others under a convention (a patient may change from one to
    # the other between cycles when the HADs of his zone are full).
    had_days = e["had_home_days"].to_numpy()
    tariff = np.array([costs.had_day_by_had.get(h, costs.had_day_eur) for h in e["had"]])
    out["cost_had"] = had_days * tariff
    not_had = e["home_days"].to_numpy() - had_days
    convention_days = np.where(not_had > 1e-9, not_had, 0.0)  # not the rounding left by the subtraction
    home_changes = e["bag_changes_at_home"].to_numpy() * (e["route"] == "convention").to_numpy()
    out["nurse_visits"] = convention_days + home_changes
    out["cost_nurse_visits"] = out["nurse_visits"] * costs.nurse_visit_eur
    out["cost_convention_provider"] = convention_days * costs.convention_provider_day_eur

    _transport_costs(out, trips, legs, transfers, deliveries, costs)
    out["cost_total"] = out[[f"cost_{item}" for item in COST_ITEMS]].sum(axis=1)
    out.index.name = "episode"
    return out.reset_index()


def _drug_costs(out: pd.DataFrame, bags: pd.DataFrame, costs: Costs) -> None:
    """Whole vials per bag (overfill, rounding, waste), summed per episode into ``out``."""
    drug = costs.drug
    made = bags["made_days"] if "made_days" in bags else bags["days"]
    per_bag = [
        bag_drug(
            dose,
            days,
            drug.usable_ug,
            drug.overfill_hours_short_bags,
            vial_sharing=drug.vial_sharing,
            made_days=made_days,
        )
        for dose, days, made_days in zip(bags["dose"], bags["days"], made)
    ]
    bag_table = (
        pd.DataFrame(
            {
                "episode": bags["episode"].to_numpy(),
                "vials": [b.vials for b in per_bag],
                "wasted_ug": [b.wasted_ug for b in per_bag],
                "unused_ug": [b.unused_ug for b in per_bag],
                "infused_ug": [b.infused_ug for b in per_bag],
            }
        )
        .groupby("episode")
        .sum()
    )
    out["vials"] = bag_table["vials"].reindex(out.index).fillna(0.0).to_numpy()
    out["infused_ug"] = bag_table["infused_ug"].reindex(out.index).fillna(0.0).to_numpy()
    out["wasted_ug"] = bag_table["wasted_ug"].reindex(out.index).fillna(0.0).to_numpy()
    out["unused_ug"] = bag_table["unused_ug"].reindex(out.index).fillna(0.0).to_numpy()
    out["cost_drug"] = out["vials"] * drug.vial_price_eur
    out["cost_drug_wasted"] = out["wasted_ug"] / drug.usable_ug * drug.vial_price_eur
    out["cost_drug_unused_bags"] = out["unused_ug"] / drug.usable_ug * drug.vial_price_eur


def _per_episode(out: pd.DataFrame, journeys: pd.DataFrame | None, fare) -> np.ndarray:
    """The sum per episode of ``fare(km)`` over journeys (0 for an episode with none)."""
    if journeys is None or not len(journeys):
        return np.zeros(len(out))
    priced = journeys.assign(cost=[fare(km) for km in journeys["km"]])
    return priced.groupby("episode")["cost"].sum().reindex(out.index).fillna(0.0).to_numpy()


def _transport_costs(
    out: pd.DataFrame,
    trips: pd.DataFrame,
    legs: pd.DataFrame | None,
    transfers: pd.DataFrame | None,
    deliveries: pd.DataFrame | None,
    costs: Costs,
) -> None:
    """Patients' journeys at the mix of transport modes, and the courier's bag deliveries, into ``out``."""
    # A round trip from home (``km`` both ways) at the fees of two legs.
    out["cost_transport"] = _per_episode(out, trips, lambda km: expected_trip_cost(km / 2, costs))
    # A journey in or out of a hospital stay, and a transfer from a peripheral hospital to IUCT-O, are
    # one leg each: half a round trip's fees.
    out["cost_transport"] += _per_episode(out, legs, lambda km: expected_trip_cost(km, costs) / 2)
    out["cost_transport"] += _per_episode(out, transfers, lambda km: expected_trip_cost(km, costs) / 2)
    if deliveries is not None and len(deliveries):
        per_delivery = deliveries.assign(
            cost=[trip_cost(km / 2, costs.bag_delivery) for km in deliveries["km"]]
        )
        by_episode = per_delivery.groupby("episode")
        out["deliveries"] = by_episode.size().reindex(out.index).fillna(0).astype(int).to_numpy()
        out["delivery_km"] = by_episode["km"].sum().reindex(out.index).fillna(0.0).to_numpy()
        out["cost_bag_delivery"] = by_episode["cost"].sum().reindex(out.index).fillna(0.0).to_numpy()
    else:
        out["deliveries"], out["delivery_km"], out["cost_bag_delivery"] = 0, 0.0, 0.0
