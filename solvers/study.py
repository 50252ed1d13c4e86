"""Planning studies: where a year's demand goes on a network, what it costs, what fills up.

The timetable becomes a static network for the study year. Nodes are locations; an arc is a
*ride*: boarding a service at one call and alighting at a later one (any contiguous run of its
legs), for one cargo class. A ride's cost per TEU is the generalized cost the quote engine's
prices and times add up to, without a date:

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
lading (the quote engine's rule, :func:`~solvers.model.is_passage`), with one ocean freight and
no handling charged at the port, whose lifts count in its throughput. Unlike a quote, a study
arc serves every flow, so no passage transships in the country of its port of loading.

A ride uses the capacity of every leg it rides; a leg's capacity over the year is its TEU per
departure times its departures in the study year (validity dates and closures applied), or, for
a service of a base year's published capacity group (:mod:`graph.base_year`), its share of what
the group carried, with its departures and the mean wait scaled alike. Road legs are continuous
and unlimited. Customs clearance is left out of route choice: every pair
clears export and import once whichever corridor it takes, and the static network cannot carry
the quote engine's clearance states (the quotes' itineraries stay exact).

:func:`run_scenario` solves the capacitated min-cost flow (:mod:`solvers.flow`) and the
uncapacitated all-or-nothing assignment, and reports the indicators planners compare.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from graph import CargoClass, Location, LocationKind, Mode, Network, ServiceLeg, Status
from graph.base_year import PublishedCapacity, Target
from graph.schedule import to_minutes
from solvers.calibration import Fit, TargetFit, compare, fit
from solvers.cargo import Cargo
from solvers.emissions import Emitter
from solvers.errors import InvalidRequest
from solvers.flow import Arc, FlowResult, Pair, min_cost_flow
from solvers.model import SeaKm, is_passage, loops_round, sea_distances
from solvers.pricing import Pricer, total_fen

_BOX = {CargoClass.DRY: "22G1", CargoClass.REEFER: "22R1", CargoClass.DANGEROUS: "22G1"}
#: Dangerous goods are priced and routed as IMDG class 3 (flammable liquids), the most common.
_DANGEROUS_IMDG = "3"
_WATER = frozenset({Mode.RIVER, Mode.CANAL})
_VESSELS = _WATER | {Mode.SEA}
_PORTS = frozenset({LocationKind.SEAPORT, LocationKind.RIVER_PORT})


@dataclass(frozen=True, slots=True)
class StudyParameters:
    """What a study values and over which year.

    ``value_of_time`` is CNY per TEU-hour; ``co2_price`` CNY per tonne CO2e (0: emissions are
    reported, not priced). The year starts on ``start`` (local days are read in UTC). In the
    capacitated assignment a TEU left behind costs ``unserved_cost_factor`` times its pair's
    cheapest uncapacitated route: the price of shipping it by some way the network leaves out.
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


# ---------------------------------------------------------------------- assignment


def all_or_nothing(arcs: Sequence[Arc], demand: Mapping[Pair, float]) -> FlowResult:
    """Each pair entirely on its cheapest path, capacities ignored (Dijkstra per commodity).

    Pairs with no path are unserved; ``cost`` counts carried TEU only.
    """
    by_tail: dict[tuple[str, str | None], list[Arc]] = defaultdict(list)
    for arc in arcs:
        by_tail[arc.tail, arc.group].append(arc)
    flows: dict[str, float] = defaultdict(float)
    unserved: dict[Pair, float] = {}
    paths: dict[Pair, tuple[tuple[tuple[str, ...], float], ...]] = {}
    cost = 0.0
    commodities = sorted({(o, g) for (o, d, g), teu in demand.items() if teu > 0 and o != d})
    for origin, group in commodities:
        distance, via = _dijkstra(origin, group, by_tail)
        for (o, d, g), teu in sorted(demand.items()):
            if (o, g) != (origin, group) or teu <= 0 or o == d:
                continue
            if d not in distance:
                unserved[o, d, g] = teu
                paths[o, d, g] = ()
                continue
            walk: list[str] = []
            node = d
            while node != origin:
                arc = via[node]
                walk.append(arc.id)
                node = arc.tail
            walk.reverse()
            for arc_id in walk:
                flows[arc_id] += teu
            cost += teu * distance[d]
            paths[o, d, g] = ((tuple(walk), teu),)
    usage: dict[str, float] = defaultdict(float)
    for arc in arcs:
        for resource in arc.resources:
            usage[resource] += flows.get(arc.id, 0.0)
    return FlowResult(
        cost=cost,
        flows=dict(flows),
        unserved=unserved,
        usage=dict(usage),
        shadow_prices={},
        paths=paths,
    )


def _dijkstra(
    origin: str, group: str, by_tail: Mapping[tuple[str, str | None], list[Arc]]
) -> tuple[dict[str, float], dict[str, Arc]]:
    distance = {origin: 0.0}
    via: dict[str, Arc] = {}
    queue = [(0.0, origin)]
    while queue:
        cost, node = heapq.heappop(queue)
        if cost > distance[node]:
            continue
        for arc in (*by_tail.get((node, None), ()), *by_tail.get((node, group), ())):
            reached = cost + arc.cost
            if reached < distance.get(arc.head, math.inf) - 1e-9:
                distance[arc.head] = reached
                via[arc.head] = arc
                heapq.heappush(queue, (reached, arc.head))
    return distance, via


# ---------------------------------------------------------------------- indicators


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
    #: the base year's published volumes beside the modelled ones (solvers.calibration)
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


def run_scenario(
    study: StudyNetwork,
    demand: Mapping[Pair, float],
    capacitated: bool = True,
    targets: Sequence[Target] = (),
) -> dict[str, ScenarioOutcome]:
    """Assign ``demand`` on ``study``: all-or-nothing, and the capacitated optimum if asked.

    Each outcome compares its flows with the base year's ``targets`` (its calibration table).
    """
    free = all_or_nothing(study.arcs, demand)
    outcomes = {"all_or_nothing": _outcome(study, demand, free, "all_or_nothing", free, targets)}
    if capacitated:
        result = run_assignment(study, demand, free)
        outcomes["capacitated"] = _outcome(study, demand, result, "capacitated", free, targets)
    return outcomes


def run_assignment(
    study: StudyNetwork, demand: Mapping[Pair, float], free: FlowResult | None = None
) -> FlowResult:
    """The capacitated min-cost flow of ``demand`` (``free``: its all-or-nothing assignment)."""
    arcs = study.arcs
    if free is None:
        free = all_or_nothing(arcs, demand)
    reachable = {p: teu for p, teu in demand.items() if p not in free.unserved}
    # a box the network cannot carry goes some other way it does not model, at a multiple
    # of its best route's cost: shadow prices are measured against that
    penalty = {
        pair: study.parameters.unserved_cost_factor
        * sum(_path_cost(study, walk) for walk, _ in free.paths[pair][:1])
        for pair in reachable
        if pair in free.paths
    }
    return min_cost_flow(arcs, study.capacities, reachable, penalty)


def fit_value_of_time(
    study: StudyNetwork,
    demand: Mapping[Pair, float],
    targets: Sequence[Target],
    progress: Callable[[float], None] | None = None,
) -> Fit:
    """The value of time that best reproduces the ``fit`` targets (:func:`solvers.calibration.fit`).

    Each trial re-costs ``study`` (:meth:`StudyNetwork.revalued`) and solves its capacitated
    assignment.
    """

    def evaluate(value_of_time: float) -> list[TargetFit]:
        trial = study.revalued(value_of_time)
        return compare(trial.rides, run_assignment(trial, demand), targets)

    return fit(evaluate, progress)


def _path_cost(study: StudyNetwork, walk: Sequence[str]) -> float:
    return sum(study.rides[arc_id].arc.cost for arc_id in walk)


def _outcome(
    study: StudyNetwork,
    demand: Mapping[Pair, float],
    result: FlowResult,
    assignment: str,
    free: FlowResult,
    targets: Sequence[Target],
) -> ScenarioOutcome:
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


# ---------------------------------------------------------------------- water distances


def water_distance_to_sea(network: Network, location_id: str) -> dict[str, Any] | None:
    """The shortest inland-waterway distance from ``location_id`` to a seaport.

    Over river and canal legs that operate, with the calls on the way; ``None`` if there is none.
    """
    if location_id not in network.locations:
        return None
    distance = {location_id: 0.0}
    via: dict[str, ServiceLeg] = {}
    queue = [(0.0, location_id)]
    while queue:
        km, node = heapq.heappop(queue)
        if km > distance[node]:
            continue
        if node != location_id and network.locations[node].kind is LocationKind.SEAPORT:
            calls = [node]
            while calls[-1] != location_id:
                calls.append(via[calls[-1]].origin)
            return {
                "from": location_id,
                "to": node,
                "km": round(km, 1),
                "calls": list(reversed(calls)),
            }
        for leg in network.legs_from(node):
            if leg.mode in _WATER and _counted(network, leg):
                reached = km + leg.distance_km
                if reached < distance.get(leg.destination, math.inf):
                    distance[leg.destination] = reached
                    via[leg.destination] = leg
                    heapq.heappush(queue, (reached, leg.destination))
    return None


def _counted(network: Network, leg: ServiceLeg) -> bool:
    """Whether a study counts the leg: operating and active (not unconfirmed, not sanctioned)."""
    return network.is_operating(leg) and leg.status is Status.ACTIVE
