"""What planners compare: the indicators of one assignment of one scenario.

Totals, modal split, ports and gateways, corridors, services and legs with their utilisation,
every pair's route, and the base year's published volumes beside the modelled ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph import LocationKind, Mode
from graph.base_year import Target
from solvers.study.calibration import compare
from solvers.study.flow import FlowResult, Pair
from solvers.study.network import Ride, StudyNetwork

_VESSELS = frozenset({Mode.SEA, Mode.RIVER, Mode.CANAL})
_PORTS = frozenset({LocationKind.SEAPORT, LocationKind.RIVER_PORT})


@dataclass(frozen=True)
class ScenarioOutcome:
    """Indicators of one assignment (capacitated or all-or-nothing) of one scenario."""

    assignment: str
    totals: dict[str, float]
    modal_split: dict[str, dict[str, float]]
    ports: list[dict[str, Any]]
    gateways: list[dict[str, Any]]
    corridors: list[dict[str, Any]]
    services: list[dict[str, Any]]
    legs: list[dict[str, Any]]
    pairs: list[dict[str, Any]]
    unreachable: list[dict[str, Any]] = field(default_factory=list)
    #: the base year's published volumes beside the modelled ones (solvers.study.calibration)
    calibration: list[dict[str, Any]] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "assignment": self.assignment,
            "totals": self.totals,
            "modal_split": self.modal_split,
            "ports": self.ports,
            "gateways": self.gateways,
            "corridors": self.corridors,
            "services": self.services,
            "legs": self.legs,
            "pairs": self.pairs,
            "unreachable": self.unreachable,
            "calibration": self.calibration,
        }


def outcome(
    study: StudyNetwork,
    demand: Mapping[Pair, float],
    result: FlowResult,
    assignment: str,
    free: FlowResult,
    targets: Sequence[Target],
) -> ScenarioOutcome:
    """The indicators of ``result``, one assignment of ``demand`` (``free``: all-or-nothing)."""
    network = study.network
    locations = network.locations
    rides = study.rides
    money = hours = co2e = served = generalized = 0.0
    teu_km: dict[str, float] = defaultdict(float)
    handled: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    by_gateway: dict[str, float] = defaultdict(float)
    by_corridor: dict[str, float] = defaultdict(float)
    pairs = []
    for (o, d, g), teu in sorted(demand.items()):
        if teu <= 0 or o == d:
            continue
        paths = result.paths.get((o, d, g), ())
        lost = result.unserved.get((o, d, g), 0.0)
        if (o, d, g) in free.unserved:
            continue  # no route at all: listed under unreachable
        main: tuple[str, ...] = ()
        main_teu = 0.0
        pair_money = pair_hours = pair_co2 = 0.0
        for walk, amount in paths:
            trip = [rides[arc_id] for arc_id in walk]
            trip_money = sum(r.money for r in trip)
            trip_hours = sum(r.hours for r in trip)
            trip_co2 = sum(r.co2e_kg for r in trip) + study.emitters[g].hub_kg(locations[d])
            pair_money += amount * trip_money
            pair_hours += amount * trip_hours
            pair_co2 += amount * trip_co2
            generalized += amount * sum(r.arc.cost for r in trip)
            for ride in trip:
                for leg_id in ride.legs:
                    leg = network.legs[leg_id]
                    teu_km[leg.mode.value] += amount * leg.distance_km
                # a port's throughput: boxes lifted on or off a vessel, a ship or a barge
                if ride.mode in _VESSELS:
                    if locations[ride.board].kind in _PORTS:
                        handled[ride.board]["loaded"] += amount
                    if locations[ride.alight].kind in _PORTS:
                        handled[ride.alight]["discharged"] += amount
                if ride.via is not None:  # a transshipment: off one ship, onto the next
                    handled[ride.via]["discharged"] += amount
                    handled[ride.via]["loaded"] += amount
            gateway = _gateway(trip)
            by_gateway[gateway or "no sea leg"] += amount
            by_corridor[_corridor(study, trip)] += amount
            if amount > main_teu:
                main, main_teu = walk, amount
        carried = teu - lost
        served += carried
        money += pair_money
        hours += pair_hours
        co2e += pair_co2
        trip = [rides[a] for a in main]
        pairs.append(
            {
                "origin": o,
                "destination": d,
                "cargo_class": g,
                "teu": teu,
                "served_teu": round(carried, 3),
                "unserved_teu": round(lost, 3),
                "cost_cny_per_teu": round(pair_money / carried, 2) if carried else None,
                "hours": round(pair_hours / carried, 2) if carried else None,
                "co2e_kg_per_teu": round(pair_co2 / carried, 2) if carried else None,
                "route": route_label(trip),
                "services": [service for r in trip for service in r.services],
                "gateway": _gateway(trip),
                "corridor": _corridor(study, trip) if trip else None,
                "main_route_share": round(main_teu / carried, 4) if carried else None,
            }
        )
    total_km = sum(teu_km.values())
    flows_by_leg: dict[str, float] = defaultdict(float)
    boarded: dict[str, float] = defaultdict(float)
    for arc_id, teu in result.flows.items():
        ride = rides[arc_id]
        for service in ride.services:
            boarded[service] += teu
        for leg_id in ride.legs:
            flows_by_leg[leg_id] += teu
    legs = []
    for leg_id in sorted(flows_by_leg.keys() | study.capacities.keys()):
        leg = network.legs[leg_id]
        capacity = study.capacities.get(leg_id)
        flow = flows_by_leg.get(leg_id, 0.0)
        legs.append(
            {
                "leg": leg_id,
                "service": leg.service,
                "mode": leg.mode.value,
                "origin": leg.origin,
                "destination": leg.destination,
                "teu": round(flow, 3),
                "capacity_teu": capacity,
                "departures": study.departures.get(leg_id),
                "published_capacity": study.published.get(leg.service),
                "utilisation": round(flow / capacity, 4) if capacity else None,
                "shadow_price_cny_per_teu": round(result.shadow_prices.get(leg_id, 0.0), 4)
                if leg_id in result.shadow_prices
                else None,
                "tags": sorted(leg.tags),
            }
        )
    unreachable: list[dict[str, Any]] = [
        {"origin": o, "destination": d, "cargo_class": g, "teu": teu}
        for (o, d, g), teu in sorted(free.unserved.items())
    ]
    totals = {
        "demand_teu": round(sum(t for (o, d, _), t in demand.items() if t > 0 and o != d), 3),
        "served_teu": round(served, 3),
        "unserved_teu": round(
            sum(t for p, t in result.unserved.items() if p not in free.unserved), 3
        ),
        "unreachable_teu": round(sum(x["teu"] for x in unreachable), 3),
        "cost_cny": round(money, 2),
        "generalized_cost_cny": round(generalized, 2),
        "mean_cost_cny_per_teu": round(money / served, 2) if served else 0.0,
        "mean_transit_hours": round(hours / served, 2) if served else 0.0,
        "co2e_t": round(co2e / 1000, 3),
        "co2e_kg_per_teu": round(co2e / served, 2) if served else 0.0,
        "teu_km": round(total_km, 1),
    }
    return ScenarioOutcome(
        assignment=assignment,
        totals=totals,
        modal_split={
            mode: {"teu_km": round(km, 1), "share": round(km / total_km, 4) if total_km else 0}
            for mode, km in sorted(teu_km.items())
        },
        ports=_ranked(
            [
                {
                    "location": loc,
                    "name": locations[loc].name,
                    "loaded_teu": round(v["loaded"], 3),
                    "discharged_teu": round(v["discharged"], 3),
                    "teu": round(v["loaded"] + v["discharged"], 3),
                }
                for loc, v in handled.items()
            ]
        ),
        gateways=_ranked(
            [
                {
                    "location": loc,
                    "name": locations[loc].name if loc in locations else loc,
                    "teu": round(t, 3),
                }
                for loc, t in by_gateway.items()
            ]
        ),
        corridors=_ranked(
            [{"corridor": name, "teu": round(t, 3)} for name, t in by_corridor.items()]
        ),
        services=_ranked(
            [
                {
                    "service": service,
                    "name": network.services[service][0].service_name or service,
                    "mode": network.services[service][0].mode.value,
                    "teu": round(t, 3),
                }
                for service, t in boarded.items()
            ]
        ),
        legs=legs,
        pairs=pairs,
        unreachable=unreachable,
        calibration=[row.to_data() for row in compare(study.rides, result, targets)],
    )


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((r for r in rows if r["teu"] > 1e-6), key=lambda r: (-r["teu"], str(r)))


def _gateway(trip: Sequence[Ride]) -> str | None:
    """The port a box passes between the sea and the land side.

    Where an export first boards a ship, or where an import (a trip that starts at sea and goes
    on inland) leaves its last.
    """
    sea = [ride for ride in trip if ride.mode is Mode.SEA]
    if not sea:
        return None
    if _inbound(trip):
        return sea[-1].alight
    return sea[0].board


def _inbound(trip: Sequence[Ride]) -> bool:
    """An import: the trip starts by ship and goes on by another mode."""
    return trip[0].mode is Mode.SEA and trip[-1].mode is not Mode.SEA


def _corridor(study: StudyNetwork, trip: Sequence[Ride]) -> str:
    """A readable corridor name: the modes on land and the gateway, in the box's direction.

    "rail → Qinzhou Port → sea" for an export, "sea → Qinzhou Port → rail" for an import.
    """
    if not trip:
        return "none"
    inbound = _inbound(trip)
    rides = list(reversed(trip)) if inbound else list(trip)
    modes: list[str] = []
    for ride in rides:
        if ride.mode is Mode.SEA:
            port = ride.alight if inbound else ride.board
            name = study.network.locations[port].name.split(" (")[0]
            parts = [*modes, name, "sea"]
            return " → ".join(reversed(parts) if inbound else parts)
        if not modes or modes[-1] != ride.mode.value:
            modes.append(ride.mode.value)
    return " → ".join(modes) + " (overland)"


def route_label(trip: Sequence[Ride]) -> str:
    """The route as its calls and services: ``A -[service]-> B -[service]-> C``."""
    if not trip:
        return ""
    parts = [trip[0].board]
    for ride in trip:
        if ride.via is not None:
            parts.append(f"-[{ride.service}]-> {ride.via}")
        parts.append(f"-[{ride.onward or ride.service}]-> {ride.alight}")
    return " ".join(parts)
