"""The study network: the timetable as a static network for the study year.

Nodes are locations; an arc is a *ride*: boarding a service at one call and alighting at a later
one (any contiguous run of its legs), for one cargo class. A ride's cost per TEU is the
generalized cost the quote engine's prices and times add up to, without a date:

- money: the fee-catalogue freight for that ride (the same :class:`~solvers.pricing.Pricer` as
  quotes, priced for a 20-ft box) plus handling (THC) for loading at boarding and discharging
  at alighting, in CNY;
- time: handling before the cut-off at boarding, the cut-off, half the mean headway of the first
  leg over the year (the average wait for a box that is ready at a random time), and the mean
  boarding-to-arrival time of the ride over the year's departures (dwell at intermediate calls
  included), valued at the study's value of time per TEU-hour;
- CO2e (ISO 14083 well-to-wheel legs plus the hub at boarding), priced when the study gives a
  carbon price.

A sea passage is a ride too: a ship to a transshipment port and another ship on, on one bill of
lading (the quote engine's rule, :func:`~solvers.quoting.passages.is_passage`), with one ocean
freight and no handling charged at the port, whose lifts count in its throughput. Unlike a quote,
a study arc serves every flow, so no passage transships in the country of its port of loading.

A ride uses the capacity of every leg it rides; a leg's capacity over the year is its TEU per
departure times its departures in the study year (validity dates and closures applied), or, for
a service of a base year's published capacity group (:mod:`graph.base_year`), its share of what
the group carried, with its departures and the mean wait scaled alike. Road legs are continuous
and unlimited. Customs clearance is left out of route choice: every pair
clears export and import once whichever corridor it takes, and the static network cannot carry
the quote engine's clearance states (the quotes' itineraries stay exact).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from graph import CargoClass, Location, LocationKind, Mode, Network, ServiceLeg, Status
from graph.base_year import PublishedCapacity
from graph.schedule import to_minutes
from solvers.cargo import Cargo
from solvers.emissions import Emitter
from solvers.errors import InvalidRequest
from solvers.paths import shortest_paths
from solvers.pricing import Pricer, total_fen
from solvers.quoting.passages import SeaKm, is_passage, loops_round, sea_distances
from solvers.study.flow import Arc

_BOX = {CargoClass.DRY: "22G1", CargoClass.REEFER: "22R1", CargoClass.DANGEROUS: "22G1"}
#: Dangerous goods are priced and routed as IMDG class 3 (flammable liquids), the most common.
_DANGEROUS_IMDG = "3"
_WATER = frozenset({Mode.RIVER, Mode.CANAL})


@dataclass(frozen=True, slots=True)
class StudyParameters:
    """What a study values and over which year.

    ``value_of_time`` is CNY per TEU-hour; ``co2_price`` CNY per tonne CO2e (0: emissions are
    reported, not priced). The year starts on ``start`` (local days are read in UTC). The
    capacitated assignment serves the most TEU it can; a TEU it must leave behind costs
    ``unserved_cost_factor`` times its pair's cheapest uncapacitated route (the price of
    shipping it by some way the network leaves out), which decides whose demand that is and
    what the shadow prices measure.
    """

    start: date
    value_of_time: float
    co2_price: float = 0.0
    days: int = 365
    unserved_cost_factor: float = 2.0

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.value_of_time <= 100_000:
            problems.append(("value_of_time", "must be between 0 and 100000 CNY per TEU-hour"))
        if not 0 <= self.co2_price <= 100_000:
            problems.append(("co2_price", "must be between 0 and 100000 CNY per tonne"))
        if not 7 <= self.days <= 366:
            problems.append(("days", "a study period is 7 to 366 days"))
        if not 1 < self.unserved_cost_factor <= 100:
            problems.append(("unserved_cost_factor", "must be above 1 and at most 100"))
        if problems:
            raise InvalidRequest(problems)


@dataclass(frozen=True, slots=True)
class Ride:
    """One arc of the study network: a service boarded at one call and left at a later one."""

    arc: Arc
    service: str
    legs: tuple[str, ...]
    mode: Mode
    board: str
    alight: str
    group: str
    money: float  # CNY per TEU
    hours: float  # door-to-door hours the ride adds, waiting included
    co2e_kg: float  # per TEU
    distance_km: float
    via: str | None = None  # a sea passage: where the box changes ship
    onward: str | None = None  # and the second ship's service

    @property
    def services(self) -> tuple[str, ...]:
        """The services boarded: one, or a passage's two."""
        return (self.service, self.onward) if self.onward else (self.service,)


@dataclass(frozen=True)
class StudyNetwork:
    """The static network of one scenario for one study year."""

    network: Network
    parameters: StudyParameters
    rides: Mapping[str, Ride]  # by arc id
    capacities: Mapping[str, float]  # TEU per year by leg id
    departures: Mapping[str, int]  # timetabled departures in the year by leg id
    emitters: Mapping[str, Emitter]  # by cargo class, for a 20-ft box
    #: services whose capacity is a published volume: the factor on their timetable's
    #: departures, and the base-year entry it comes from
    frequency: Mapping[str, float] = field(default_factory=dict)
    published: Mapping[str, str] = field(default_factory=dict)

    @property
    def arcs(self) -> list[Arc]:
        """The arcs, in a stable order."""
        return [self.rides[key].arc for key in sorted(self.rides)]

    def revalued(self, value_of_time: float) -> StudyNetwork:
        """The same rides costed at another value of time (for fits and sensitivity runs)."""
        parameters = replace(self.parameters, value_of_time=value_of_time)
        rides = {
            key: replace(ride, arc=replace(ride.arc, cost=_cost(parameters, ride)))
            for key, ride in self.rides.items()
        }
        return replace(self, parameters=parameters, rides=rides)


def build_study_network(
    network: Network,
    parameters: StudyParameters,
    groups: Iterable[str],
    published: Sequence[PublishedCapacity] = (),
) -> StudyNetwork:
    """Rides of every operating service for the cargo ``groups`` (cargo class values).

    ``published`` raises the yearly capacity of its services to what they carried in the base
    year (:mod:`graph.base_year`), and their frequency with it.
    """
    begin = datetime.combine(parameters.start, datetime.min.time(), tzinfo=UTC)
    end = begin + timedelta(days=parameters.days)
    first, last = to_minutes(begin), to_minutes(end)
    operating = [leg for leg in network.legs.values() if _counted(network, leg)]
    # (departure, arrival) minutes of each leg's departures in the year, for walking rides
    slots: dict[str, tuple[list[int], list[int]]] = {}
    for leg in operating:
        if leg.timetable.continuous:
            continue
        found = list(network.departure_index.slots(leg.id, first, last))
        slots[leg.id] = ([s.departure for s in found], [s.arrival for s in found])
    capacities = {
        leg_id: float(network.legs[leg_id].capacity_teu or 0) * len(deps)
        for leg_id, (deps, _) in slots.items()
        if network.legs[leg_id].capacity_teu is not None
    }
    departures = {leg_id: len(deps) for leg_id, (deps, _) in slots.items()}
    frequency, sourced = _published_frequency(network, capacities, departures, published)
    for leg_id in capacities:
        capacities[leg_id] *= frequency.get(network.legs[leg_id].service, 1.0)
    rides: dict[str, Ride] = {}
    emitters: dict[str, Emitter] = {}
    payload = network.emission_factors.payload_t_per_teu
    for group in sorted(set(groups)):
        cargo_class = CargoClass(group)
        box = Cargo(
            cargo_class,
            _BOX[cargo_class],
            imdg_class=_DANGEROUS_IMDG if cargo_class is CargoClass.DANGEROUS else None,
        )
        # the study year is priced at the catalogue valid on its first day
        pricer = Pricer(network.tariffs, box, payload).on(parameters.start)
        emitter = emitters[group] = Emitter(network.emission_factors, box)
        sea_km = sea_distances(leg for leg in operating if cargo_class in leg.cargo_classes)
        made: list[Ride] = []
        for service_legs in network.services.values():
            for run in _runs(network, service_legs, slots, cargo_class):
                made += _rides(
                    network, run, slots, parameters, pricer, emitter, group, frequency, sea_km
                )
        made += list(_passages(network, tuple(made), sea_km, parameters, pricer, group))
        rides.update((ride.arc.id, ride) for ride in made)
    return StudyNetwork(
        network=network,
        parameters=parameters,
        rides=rides,
        capacities=capacities,
        departures=departures,
        emitters=emitters,
        frequency=frequency,
        published=sourced,
    )


def _published_frequency(
    network: Network,
    timetabled: Mapping[str, float],
    departures: Mapping[str, int],
    published: Sequence[PublishedCapacity],
) -> tuple[dict[str, float], dict[str, str]]:
    """The factor on each published group's services' departures, and the group by service.

    A published departure count is shared by the group's services that run in the study year
    in proportion to their timetabled departures (one factor for all); a published TEU figure
    in proportion to their timetable capacity (a service's largest leg capacity over the year).
    A group whose timetable already offers more keeps it.
    """
    runs: dict[str, int] = defaultdict(int)
    carries: dict[str, float] = defaultdict(float)
    for leg_id, count in departures.items():
        service = network.legs[leg_id].service
        runs[service] = max(runs[service], count)
        carries[service] = max(carries[service], timetabled.get(leg_id, 0.0))
    frequency: dict[str, float] = {}
    sourced: dict[str, str] = {}
    for group in published:
        running = [s for s in group.services if runs.get(s, 0) > 0 and carries[s] > 0]
        if group.departures_per_year is not None:
            factor = group.departures_per_year / sum(runs[s] for s in running) if running else 0
        else:
            offered = sum(carries[s] for s in running)
            factor = (group.teu_per_year or 0.0) / offered if running else 0
        if factor <= 1:
            continue
        for service in running:
            frequency[service] = factor
            sourced[service] = group.id
    return frequency, sourced


def _runs(
    network: Network,
    legs: Sequence[ServiceLeg],
    slots: Mapping[str, tuple[list[int], list[int]]],
    cargo_class: CargoClass,
) -> Iterable[list[ServiceLeg]]:
    """Maximal runs of consecutive legs that operate in the year and take the cargo."""
    run: list[ServiceLeg] = []
    for leg in legs:
        usable = (
            _counted(network, leg)
            and cargo_class in leg.cargo_classes
            and (leg.timetable.continuous or bool(slots[leg.id][0]))
        )
        if usable:
            run.append(leg)
        elif run:
            yield run
            run = []
    if run:
        yield run


def _rides(
    network: Network,
    run: list[ServiceLeg],
    slots: Mapping[str, tuple[list[int], list[int]]],
    parameters: StudyParameters,
    pricer: Pricer,
    emitter: Emitter,
    group: str,
    frequency: Mapping[str, float],
    sea_km: SeaKm,
) -> Iterable[Ride]:
    locations = network.locations
    minutes_in_year = parameters.days * 24 * 60
    for i, first in enumerate(run):
        board = locations[first.origin]
        wait = 0.0
        if not first.timetable.continuous:
            per_year = len(slots[first.id][0]) * frequency.get(first.service, 1.0)
            wait = 0.5 * minutes_in_year / per_year / 60 + first.cutoff_hours
        wait += board.handling_hours_between(None, first.mode)
        on_board = _walk(run[i:], slots)
        for j in range(i, len(run)):
            if math.isinf(on_board[j - i]):
                # no box boarding in the period gets this far before it ends (a period shorter
                # than the voyage): no such ride, rather than one of infinite cost
                break
            legs = tuple(run[i : j + 1])
            alight = locations[legs[-1].destination]
            if alight.id == board.id or loops_round(legs, sea_km):
                continue  # a loop back to where the box boarded, or round a loop to its port
            money = _bill(pricer, legs, board, alight)
            hours = wait + on_board[j - i]
            co2e = sum(emitter.leg(leg).wtw_kg for leg in legs) + emitter.hub_kg(board)
            yield _ride(parameters, group, legs, board.id, alight.id, money, hours, co2e)


def _passages(
    network: Network,
    rides: Sequence[Ride],
    sea_km: SeaKm,
    parameters: StudyParameters,
    pricer: Pricer,
    group: str,
) -> Iterable[Ride]:
    """Sea passages: a ship's ride to a seaport joined to another service's ride on from it."""
    locations = network.locations
    boarding: dict[str, list[Ride]] = defaultdict(list)
    for ride in rides:
        if ride.mode is Mode.SEA:
            boarding[ride.board].append(ride)
    for first in rides:
        port = locations[first.alight]
        if first.mode is not Mode.SEA or port.kind is not LocationKind.SEAPORT:
            continue
        board = locations[first.board]
        if port.country == board.country:
            continue  # may be an export's home country, which a passage does not unload in
        for second in boarding.get(port.id, ()):
            if second.service == first.service:
                continue
            legs = tuple(network.legs[leg_id] for leg_id in first.legs + second.legs)
            alight = locations[second.alight]
            if not is_passage(board, port, alight, legs, len(first.legs), sea_km, pricer):
                continue
            money = _bill(pricer, legs, board, alight)
            hours = first.hours + second.hours
            co2e = first.co2e_kg + second.co2e_kg  # the second includes the port's lifts
            yield _ride(
                parameters, group, legs, board.id, alight.id, money, hours, co2e,
                via=port.id, onward=second.service,
            )  # fmt: skip


def _bill(pricer: Pricer, legs: tuple[ServiceLeg, ...], board: Location, alight: Location) -> float:
    """CNY per box: the ride's freight, loading at ``board`` and discharging at ``alight``."""
    fen = (
        total_fen(pricer.ride(legs, board.id, alight.id))
        + total_fen(pricer.handling(board, legs[0].mode))
        + total_fen(pricer.handling(alight, legs[-1].mode))
    )
    return fen / 100


def _ride(
    parameters: StudyParameters,
    group: str,
    legs: tuple[ServiceLeg, ...],
    board: str,
    alight: str,
    money: float,
    hours: float,
    co2e: float,
    via: str | None = None,
    onward: str | None = None,
) -> Ride:
    """The ride over ``legs`` and its arc, whose cost is money, time and priced CO2e."""
    arc_id = f"{legs[0].id}..{legs[-1].id}|{group}"
    resources = tuple(leg.id for leg in legs if leg.capacity_teu is not None)
    ride = Ride(
        arc=Arc(arc_id, board, alight, 0.0, resources, group),
        service=legs[0].service,
        legs=tuple(leg.id for leg in legs),
        mode=legs[0].mode,
        board=board,
        alight=alight,
        group=group,
        money=money,
        hours=hours,
        co2e_kg=co2e,
        distance_km=sum(leg.distance_km for leg in legs),
        via=via,
        onward=onward,
    )
    return replace(ride, arc=replace(ride.arc, cost=_cost(parameters, ride)))


def _cost(parameters: StudyParameters, ride: Ride) -> float:
    """A ride's generalized cost per TEU: money, time and priced CO2e."""
    return round(
        ride.money
        + parameters.value_of_time * ride.hours
        + parameters.co2_price * ride.co2e_kg / 1000,
        4,
    )


def _walk(
    run: Sequence[ServiceLeg], slots: Mapping[str, tuple[list[int], list[int]]]
) -> list[float]:
    """Mean hours from boarding the first leg to arriving at the end of each later leg.

    Averaged over the first leg's departures in the year; a box stays aboard, so each next leg
    is its first departure at or after the previous arrival. A continuous leg leaves at once.
    """
    first = run[0]
    starts = [0] if first.timetable.continuous else slots[first.id][0]
    totals = [0.0] * len(run)
    counted = [0] * len(run)
    for start in starts:
        now = start
        for k, leg in enumerate(run):
            if leg.timetable.continuous:
                now += round(leg.transit_hours * 60)
            else:
                deps, arrs = slots[leg.id]
                index = bisect_left(deps, now)
                if index == len(deps):
                    break  # the year ends before the box gets further
                now = arrs[index]
            totals[k] += (now - start) / 60
            counted[k] += 1
    return [totals[k] / counted[k] if counted[k] else math.inf for k in range(len(run))]


# ---------------------------------------------------------------------- water distances


def water_distance_to_sea(network: Network, location_id: str) -> dict[str, Any] | None:
    """The shortest inland-waterway distance from ``location_id`` to a seaport.

    Over river and canal legs that operate, with the calls on the way; ``None`` if there is none.
    """
    if location_id not in network.locations:
        return None

    def steps(node: str) -> Iterable[tuple[str, float, ServiceLeg]]:
        return (
            (leg.destination, leg.distance_km, leg)
            for leg in network.legs_from(node)
            if leg.mode in _WATER and _counted(network, leg)
        )

    def at_sea(node: str) -> bool:
        return network.locations[node].kind is LocationKind.SEAPORT

    found = shortest_paths({location_id: 0.0}, steps, stop=at_sea)
    if found.stopped is None:
        return None
    calls = [found.stopped]
    while calls[-1] != location_id:
        calls.append(found.via[calls[-1]].origin)
    return {
        "from": location_id,
        "to": found.stopped,
        "km": round(found.cost[found.stopped], 1),
        "calls": list(reversed(calls)),
    }


def _counted(network: Network, leg: ServiceLeg) -> bool:
    """Whether a study counts the leg: operating and active (not unconfirmed, not sanctioned)."""
    return network.is_operating(leg) and leg.status is Status.ACTIVE
