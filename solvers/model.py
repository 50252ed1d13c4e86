"""The rules of a quote, shared by every solver: which rides a box can take, when, at what cost.

A *ride* is boarding one service at a location and alighting at a later call of the same service;
between its legs the box stays aboard (no handling, no cut-off). A ride is also one *sea passage*
on one bill of lading: boarding a ship, transshipping once at a seaport onto another ship and
alighting at a call of that one, when the fee catalogue has an ocean freight for the whole
passage (from the port of loading to the port of discharge). It is charged that one freight,
not two; the transshipment's handling is the carrier's (in the through rate), and the
connection needs the port's sea-to-sea handling time before the second ship's cut-off.

Every solver — the Pareto search, the earliest-arrival search, the OR-Tools model and the brute
force in the tests — asks this module for rides, so they differ only in how they combine them.
All quantities are integers: minutes since the Unix epoch, fen (CNY cents), grams CO2e.

Time at a location: a box that arrives at ``t`` by mode ``a`` may board a departure of mode ``b``
whose cut-off is at or after ``t`` + handling(a → b) + any clearance at boarding. At the origin no
handling applies (the box is at the gate at the ready time); at the destination it becomes
available after any import clearance plus handling(a → end).

Customs (international shipments only, origin country O, destination country D):

1. a ride from a border crossing whose next call is abroad clears exit there before the
   cut-off, and entry too when it stays in D (both countries' agencies work at the crossing);
2. a ride whose alighting call is a border crossing abroad, reached straight from O, clears exit
   and (if the crossing is in D) entry there on arrival;
3. otherwise a ride that leaves O clears export at its boarding location (which must offer
   export clearance), and the first alighting in D clears import there (which must offer it);
4. a box in transit boarding at a crossing for a ride that stays in D clears entry there.

Transshipment in third countries needs no clearance; an exported box is not unloaded in its home
country again (it may pass it aboard). Once cleared into the destination country a box does not
leave it; domestic shipments need no clearance and never leave the country (not even aboard).

Cities: an itinerary never alights in a city it has already left, its origin city included
(staying aboard a service that calls there does not count, and moving between the terminals of
the city it is in does not leave it); a ride that leaves its boarding city only to come back to
it is no ride. Each ride template says which city it enters (``enters``, one bit per city, 0
when it stays in its city); the solvers keep the cities a box has been in and refuse a ride
that enters one of them again.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from statistics import median
from types import MappingProxyType
from typing import Any, TypeVar
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from graph import CargoClass, Location, LocationKind, Mode, Network, ServiceLeg, Status, Timetable
from graph.geo import geodesic_km
from graph.model import departure_key
from graph.schedule import Slot, from_minutes, hours_to_minutes, to_minutes
from solvers.cargo import Cargo
from solvers.emissions import Emitter
from solvers.errors import InvalidRequest
from solvers.pricing import PriceLine, Pricer, total_fen
from solvers.types import Endpoint, Filters, HubRule, QuoteRequest

T = TypeVar("T")
Keep = Callable[["RideTemplate", int], bool]
#: The shortest way by sea from one port to another, kilometres; ``None`` when there is none.
SeaKm = Callable[[str, str], float | None]
#: Where a port's sea legs go: (next port, kilometres) for each.
Sailings = Callable[[str], Sequence[tuple[str, float]]]
#: A ride or passage as a lower-bound edge: (boarding place, minutes, fen, grams).
BoundEdge = tuple[str, int, int, int]
HOME, TRANSIT, CLEARED = 0, 1, 2
ORIGIN, DESTINATION = "@ORIGIN", "@DESTINATION"
NEVER = 2**62
#: A sea passage on one bill of lading goes at most this much further by sea than the shortest
#: way between its ports in the network: a carrier routes a transshipment the way of the cargo
#: (a modelling rule, not a published figure).
PASSAGE_DETOUR = 1.25
#: A box stays aboard one ship for at most this many times the shortest way by sea between where
#: it boards and where it alights (over the network's sea legs): no one books a Nansha –
#: Kaohsiung box round a loop via Durban. A modelling rule; the loops' own legs are published.
RIDE_DETOUR = 3.0
#: The longest a sea passage's box waits at the transshipment port for its second ship, hours.
#: A carrier plans a through bill's hub connection within days; a box that would wait longer
#: goes on another ship or a bill of its own. A modelling rule (no published figure used).
PASSAGE_MAX_WAIT_H = 120


@dataclass(frozen=True, slots=True)
class Clearance:
    """Customs at one location: exit from a country and/or entry into the destination country."""

    location: str
    exit: bool
    entry: bool
    minutes: int
    codes: tuple[str, ...]  # the fee items charged (priced by the ride's validity period)


@dataclass(frozen=True, slots=True)
class RideTemplate:
    """What a ride is regardless of its date: calls, clearances, price and emissions.

    When catalogue items carry validity dates the price depends on the validity period the ride
    departs in (``starts``: the minutes each period after the first starts at, in the boarding
    place's local days): ``prices`` per period, and ``price_fen`` is their minimum.
    """

    board: str
    alight: str
    legs: tuple[ServiceLeg, ...]
    board_clearance: Clearance | None
    alight_clearance: Clearance | None
    phase: int
    price_fen: int
    co2e_g: int
    visits: tuple[str, ...]
    mask: int
    enters: int  # the bit of the city it alights in, if that is not the city it boards in
    minutes: int  # aboard at least (transit of its legs, dwell not counted)
    joined: int = 0  # a sea passage: the legs aboard the first ship (0: one service)
    prices: tuple[int, ...] = ()  # per validity period, when they differ
    starts: tuple[int, ...] = ()

    def period_at(self, departure: int) -> int:
        """The validity period of a ride departing at ``departure``."""
        return bisect_right(self.starts, departure) if self.starts else 0

    def price_at(self, departure: int) -> int:
        """The price of a ride departing at ``departure``."""
        return self.prices[self.period_at(departure)] if self.prices else self.price_fen

    @property
    def mode(self) -> Mode:
        """The mode the box arrives by."""
        return self.legs[-1].mode

    @property
    def clearance_before(self) -> int:
        """Minutes of clearance between readiness and the cut-off."""
        return self.board_clearance.minutes if self.board_clearance else 0

    @property
    def clearance_after(self) -> int:
        """Minutes of clearance after arrival."""
        return self.alight_clearance.minutes if self.alight_clearance else 0


@dataclass(frozen=True, slots=True)
class Ride:
    """A dated ride: its template, the departures taken, and when the box is available after."""

    template: RideTemplate
    slots: tuple[Slot, ...]
    ready: int
    available: int

    board = property(lambda self: self.template.board)
    alight = property(lambda self: self.template.alight)
    legs = property(lambda self: self.template.legs)
    phase = property(lambda self: self.template.phase)
    co2e_g = property(lambda self: self.template.co2e_g)
    visits = property(lambda self: self.template.visits)
    mode = property(lambda self: self.template.mode)
    board_clearance = property(lambda self: self.template.board_clearance)
    alight_clearance = property(lambda self: self.template.alight_clearance)

    @property
    def departure(self) -> int:
        """When the first leg leaves."""
        return self.slots[0].departure

    @property
    def price_fen(self) -> int:
        """The price of this departure (a template's price may depend on its validity period)."""
        template = self.template
        if not template.prices:  # the common case, on the search's hot path
            return template.price_fen
        return template.prices[bisect_right(template.starts, self.slots[0].departure)]

    @property
    def period(self) -> int:
        """The catalogue's validity period this ride is priced in."""
        return self.template.period_at(self.slots[0].departure)

    @property
    def arrival(self) -> int:
        """When the last leg arrives."""
        return self.slots[-1].arrival


@dataclass(frozen=True, slots=True)
class Finish:
    """Reaching the destination: when the box is available there and what that adds."""

    time: int
    price_fen: int
    co2e_g: int


Group = tuple[int, tuple[tuple[int, RideTemplate], ...]]


def endpoint_tz(network: Network, end: Endpoint) -> str:
    """The time zone of ``end``: its terminal's, its city's, or a point's nearest location's."""
    if end.lat is not None and end.lon is not None:
        return network.tz_near(end.lon, end.lat)
    ids = network.terminals.get(end.city, ()) if end.city is not None else (end.location,)
    place = network.find_location(ids[0] or "") if ids else None
    return place.tz if place else "UTC"


def is_passage(
    board: Location,
    port: Location,
    alight: Location,
    legs: tuple[ServiceLeg, ...],
    aboard: int,
    sea_km: SeaKm,
    pricer: Pricer,
) -> bool:
    """Whether ``legs`` (``aboard`` of them on the first ship) make one sea passage.

    One bill of lading from ``board`` to ``alight``, transshipped at ``port``: in three cities,
    no carrier carrying a box within one country it may not (cabotage), at most
    ``PASSAGE_DETOUR`` times the shortest way by sea, and with a through rate for the port pair
    in the catalogue (a lane item, not only a surcharge every sea ride pays).
    """
    first, onward = legs[0], legs[aboard]
    if port.city_code == board.city_code or alight.city_code in (port.city_code, board.city_code):
        return False
    if not first.carries_domestic and port.country == board.country:
        return False
    if not onward.carries_domestic and alight.country == port.country:
        return False
    km = sum(leg.distance_km for leg in legs)
    if km > PASSAGE_DETOUR * (sea_km(board.id, alight.id) or 0.0):
        return False
    lines = pricer.ride(legs, board.id, alight.id)
    return any(pricer.catalogue.get(line.code).applies_to.lanes for line in lines)


def loops_round(legs: Sequence[ServiceLeg], sea_km: SeaKm) -> bool:
    """Whether staying aboard one ship over ``legs`` is a detour round a loop.

    Over ``RIDE_DETOUR`` times the shortest way by sea from the first call to the last.
    """
    if legs[0].mode is not Mode.SEA:
        return False
    shortest = sea_km(legs[0].origin, legs[-1].destination)
    return shortest is not None and sum(leg.distance_km for leg in legs) > RIDE_DETOUR * shortest


def sea_distances(legs: Iterable[ServiceLeg]) -> SeaKm:
    """Shortest distances by sea between ports over the sea ones of ``legs``.

    Each port's are found when first asked for (:func:`sea_km_from`), so a caller pays only for
    the ports it asks about.
    """
    edges: dict[str, list[tuple[str, float]]] = {}
    for leg in legs:
        if leg.mode is Mode.SEA:
            edges.setdefault(leg.origin, []).append((leg.destination, leg.distance_km))
    found: dict[str, Mapping[str, float]] = {}

    def sea_km(start: str, end: str) -> float | None:
        distances = found.get(start)
        if distances is None:
            distances = found[start] = sea_km_from(start, lambda port: edges.get(port, ()))
        return distances.get(end)

    return sea_km


def sea_km_from(start: str, sailings: Sailings) -> Mapping[str, float]:
    """Shortest distances by sea from ``start`` to every port it reaches (Dijkstra).

    Empty when no sea leg leaves ``start``.
    """
    if not sailings(start):
        return MappingProxyType({})
    best = {start: 0.0}
    queue = [(0.0, start)]
    while queue:
        km, port = heapq.heappop(queue)
        if km > best[port]:
            continue
        for onward, step in sailings(port):
            if km + step < best.get(onward, float("inf")):
                best[onward] = km + step
                heapq.heappush(queue, (km + step, onward))
    return MappingProxyType(best)


class QuoteModel:
    """One request against one network: allowed legs, times, prices and emissions.

    Raises
    ------
    InvalidRequest
        For unknown locations or a point endpoint with no location within reach.
    """

    def __init__(self, network: Network, request: QuoteRequest) -> None:
        self.network = network
        self.request = request
        self.cargo = request.cargo
        self.index = network.departure_index
        costs = _costs(network, request.cargo)
        #: one pricer per validity period of the catalogue (one when no item carries dates)
        self.pricers: tuple[Pricer, ...] = costs.pricer.every_period()
        self._starts = costs.starts
        self.emitter: Emitter = costs.emitter
        self.teu = request.cargo.teu
        self.ready = to_minutes(request.ready)
        self.horizon_end = to_minutes(request.ready + request.horizon)
        self.deadline = to_minutes(request.deadline) if request.deadline else NEVER
        self.max_price_fen = (
            round(request.max_price_cny * 100) if request.max_price_cny is not None else NEVER
        )
        self.max_co2e_g = (
            round(request.max_co2e_kg * 1000) if request.max_co2e_kg is not None else NEVER
        )
        self.max_rides = (
            request.filters.max_transfers + 1
            if request.filters.max_transfers is not None
            else NEVER
        )
        problems: list[tuple[str, str]] = []
        for name, hub in (
            *(("required_hubs", h) for h in request.filters.required_hubs),
            *(("excluded_hubs", h) for h in sorted(request.filters.excluded_hubs)),
        ):
            if hub not in network.locations:
                problems.append((name, f"no location {hub!r} in the network"))
        if request.filters.required_operators:
            known = {leg.operator for leg in network.legs.values()}
            for operator in sorted(request.filters.required_operators - known):
                problems.append(
                    ("required_operators", f"no operator {operator!r} runs a service here")
                )
        self.origins, self._first_mile = self._endpoint("origin", request.origin, problems)
        ends, self._last_mile = self._endpoint("destination", request.destination, problems)
        self.destinations = frozenset(ends)
        if not problems and self.destinations.intersection(self.origins):
            problems.append(("destination", "origin and destination are the same place"))
        if problems:
            raise InvalidRequest(problems)
        self.home = self._country(self.origins, self._first_mile)
        self.abroad = self._country(ends, self._last_mile)
        self.international = self.home != self.abroad
        self.start_phase = HOME if self.international else CLEARED
        self.required = {hub: 1 << i for i, hub in enumerate(request.filters.required_hubs)}
        self.full_mask = (1 << len(self.required)) - 1
        self._capacity: Mapping[str, float] = request.capacity
        #: what quotes of this cargo and these filters share, whatever their endpoints
        self._allowed = _allowed(network, request.cargo, request.filters)
        shared = _routes(network, request)
        self._groups: dict[tuple[str, int], tuple[Group, ...]] = shared.groups
        self._memo: dict[str, Any] = shared.values
        self._handling: dict[tuple[str, Mode | None, Mode | None], int] = costs.handling
        self._walks: dict[tuple[str, int], tuple[Slot, ...]] = {}
        self._connections: dict[tuple[str, int], tuple[Slot, ...] | None] = {}

    # ------------------------------------------------------------------ endpoints
    def _endpoint(
        self, name: str, endpoint: Endpoint, problems: list[tuple[str, str]]
    ) -> tuple[tuple[str, ...], tuple[tuple[Location, float], ...]]:
        """The locations the search starts or ends at, and a point's trucking reach."""
        if endpoint.location is not None:
            if endpoint.location not in self.network.locations:
                problems.append((name, f"no location {endpoint.location!r} in the network"))
            return (endpoint.location,), ()
        if endpoint.city is not None:
            terminals = tuple(
                terminal
                for terminal in self.network.terminals.get(endpoint.city, ())
                if self.network.locations[terminal].enabled
            )
            if not terminals:
                problems.append((name, f"no city {endpoint.city!r} in the network"))
            return terminals, ()
        assert endpoint.lat is not None
        assert endpoint.lon is not None
        reach = []
        for location in self.network.list_locations():
            km = geodesic_km([(endpoint.lon, endpoint.lat), (location.lon, location.lat)])
            if km <= endpoint.max_km and location.enabled:
                reach.append((location, km))
        if not reach:
            problems.append((name, f"no location within {endpoint.max_km:g} km of the point"))
        elif self.drayage is None:
            problems.append((name, "the network has no road drayage to reach the point"))
        reach.sort(key=lambda pair: (pair[1], pair[0].id))
        return ((ORIGIN if name == "origin" else DESTINATION),), tuple(reach)

    def _country(self, ends: Sequence[str], reach: Sequence[tuple[Location, float]]) -> str:
        found = self.network.find_location(ends[0])
        if found is not None:
            return found.country
        return reach[0][0].country if reach else ""

    @cached_property
    def drayage(self) -> ServiceLeg | None:
        """A template for first- and last-mile trucks: the network's own road legs' terms."""
        roads = [leg for leg in self.network.legs.values() if leg.mode is Mode.ROAD]
        if not roads:
            return None
        speed = median(leg.distance_km / leg.transit_hours for leg in roads)
        template = min(roads, key=lambda leg: leg.id)
        return ServiceLeg(
            id="DRAYAGE",
            service="DRAYAGE",
            seq=1,
            mode=Mode.ROAD,
            operator="first/last-mile trucking",
            origin="",
            destination="",
            timetable=Timetable(continuous=True),
            transit_hours=1.0 / speed,  # per km; scaled per trip
            cutoff_hours=0.0,
            distance_km=1.0,
            capacity_teu=None,
            cargo_classes=frozenset(CargoClass),
            status=Status.ACTIVE,
            geometry=((0.0, 0.0), (0.0, 0.0)),
            emission_class=template.emission_class,
            tariff=template.tariff,
        )

    def _truck(
        self, origin: str, destination: str, km: float, point: tuple[float, float]
    ) -> ServiceLeg:
        template = self.drayage
        assert template is not None
        ends = {
            loc: (self.network.locations[loc].lon, self.network.locations[loc].lat)
            for loc in (origin, destination)
            if loc in self.network.locations
        }
        geometry = (ends.get(origin, point), ends.get(destination, point))
        name = "FIRST-MILE" if origin == ORIGIN else "LAST-MILE"
        return ServiceLeg(
            id=f"{name}-{destination if origin == ORIGIN else origin}",
            service=name,
            seq=1,
            mode=Mode.ROAD,
            operator=template.operator,
            origin=origin,
            destination=destination,
            timetable=template.timetable,
            transit_hours=max(km * template.transit_hours, 1 / 60),
            cutoff_hours=0.0,
            distance_km=km,
            capacity_teu=None,
            cargo_classes=template.cargo_classes,
            status=Status.ACTIVE,
            geometry=geometry,
            emission_class=template.emission_class,
            tariff=template.tariff,
        )

    # ------------------------------------------------------------------ the network as allowed
    # Found place by place and leg by leg as solvers reach them, once per cargo and filters
    # (:func:`_allowed`): a quote pays for the part of the network it explores, not the rest.
    def legs_from(self, location: str) -> tuple[ServiceLeg, ...]:
        """Allowed legs leaving ``location``, ordered by id (determinism)."""
        known = self._allowed.legs_from
        found = known.get(location)
        if found is None:
            found = known[location] = tuple(
                leg for leg in self.network.legs_from(location) if self.allows(leg)
            )
        return found

    def allows(self, leg: ServiceLeg) -> bool:
        """Whether the request lets the box travel on ``leg`` at all."""
        known = self._allowed.legs
        found = known.get(leg.id)
        if found is None:
            found = known[leg.id] = self._allows(leg)
        return found

    def _allows(self, leg: ServiceLeg) -> bool:
        filters = self.request.filters
        return (
            self.network.is_operating(leg)
            and (leg.status is Status.ACTIVE or leg.status in filters.include_statuses)
            and leg.mode in filters.modes
            and self.cargo.cargo_class in leg.cargo_classes
            and (leg.capacity_teu is None or leg.capacity_teu >= self.teu)
            and leg.origin not in filters.excluded_hubs
            and leg.destination not in filters.excluded_hubs
            and leg.operator not in filters.excluded_operators
            and (
                not filters.required_operators
                or leg.mode is Mode.ROAD  # trucks are whoever the forwarder books
                or leg.operator in filters.required_operators
            )
        )

    def chain(self, leg: ServiceLeg) -> tuple[ServiceLeg, ...]:
        """The legs a box boarding the allowed ``leg`` can stay aboard for, in order."""
        known = self._allowed.chains
        found = known.get(leg.id)
        if found is None:
            chain = [leg]
            while (nxt := self.network.next_leg(chain[-1])) is not None and self.allows(nxt):
                chain.append(nxt)
            found = known[leg.id] = tuple(chain)
        return found

    def joins(self, leg: ServiceLeg) -> tuple[tuple[int, ServiceLeg], ...]:
        """Where a box boarding the allowed ``leg`` can transship onto another ship on one bill.

        For a sea leg: (calls aboard before the transshipment, the connecting leg), at the
        seaports of its chain, onto another service's allowed sea leg; none for other modes.
        """
        known = self._allowed.joins
        found = known.get(leg.id)
        if found is None:
            found = known[leg.id] = self._make_joins(leg) if leg.mode is Mode.SEA else ()
        return found

    def _make_joins(self, leg: ServiceLeg) -> tuple[tuple[int, ServiceLeg], ...]:
        locations = self.network.locations
        found: list[tuple[int, ServiceLeg]] = []
        for index, step in enumerate(self.chain(leg)):
            port = locations[step.destination]
            if port.kind is not LocationKind.SEAPORT:
                continue
            found += [
                (index + 1, onward)
                for onward in self.legs_from(port.id)
                if onward.mode is Mode.SEA and onward.service != leg.service
            ]
        return tuple(found)

    def passages(self, leg: ServiceLeg) -> tuple[Passage, ...]:
        """Legs of each sea passage boarding ``leg``, with the legs aboard the first ship.

        Only passages the catalogue has one ocean freight for, whose ports of transshipment and
        discharge are in other cities than the port before, that no carrier may refuse as
        cabotage, and, for an export, that do not unload the box in its home country again.
        Memoised per request shape; the passages themselves are found once per cargo and
        filters (:meth:`_every_passage`), since endpoints only decide the home country.
        """
        known: dict[str, tuple[Passage, ...]] = self._remember("passages", dict)
        found = known.get(leg.id)
        if found is None:
            locations = self.network.locations
            found = known[leg.id] = tuple(
                (legs, aboard)
                for legs, aboard in self._every_passage(leg)
                if not (self.international and locations[legs[aboard].origin].country == self.home)
            )
        return found

    def _every_passage(self, leg: ServiceLeg) -> tuple[Passage, ...]:
        """Every passage boarding ``leg`` whatever the home country (see :meth:`passages`)."""
        known = self._allowed.passages
        found = known.get(leg.id)
        if found is None:
            found = known[leg.id] = tuple(self._passages(leg))
        return found

    def _passages(self, leg: ServiceLeg) -> Iterator[Passage]:
        locations = self.network.locations
        chain = self.chain(leg)
        board = locations[leg.origin]
        for aboard, onward in self.joins(leg):
            port = locations[onward.origin]
            second = self.chain(onward)
            for index in range(len(second)):
                legs = chain[:aboard] + second[: index + 1]
                alight = locations[legs[-1].destination]
                if any(
                    is_passage(board, port, alight, legs, aboard, self.sea_km, pricer)
                    for pricer in self.pricers
                ):
                    yield legs, aboard

    def sea_km(self, start: str, end: str) -> float | None:
        """The shortest way by sea from ``start`` to ``end`` over the allowed sea legs.

        Each port's distances are found when first asked for, once per cargo and filters.
        """
        known = self._allowed.sea_km
        found = known.get(start)
        if found is None:
            found = known[start] = sea_km_from(start, self._sailings)
        return found.get(end)

    def _sailings(self, port: str) -> Sequence[tuple[str, float]]:
        known = self._allowed.sailings
        found = known.get(port)
        if found is None:
            found = known[port] = tuple(
                (leg.destination, leg.distance_km)
                for leg in self.legs_from(port)
                if leg.mode is Mode.SEA
            )
        return found

    def _remember(self, name: str, compute: Callable[[], T]) -> T:
        """A value shared by every model of the same request shape (see ``_routes``)."""
        if name not in self._memo:
            self._memo[name] = compute()
        value: T = self._memo[name]
        return value

    def handling(
        self, location: str, arriving: Mode | None, leaving: Mode | None, at: int | None = None
    ) -> int:
        """Minutes between arrival on ``arriving`` and readiness for ``leaving`` at ``location``.

        Given the arrival time ``at``, congestion there in force then adds its dwell.
        """
        key = (location, arriving, leaving)
        minutes = self._handling.get(key)
        if minutes is None:
            found = self.network.find_location(location)
            hours = found.handling_hours_between(arriving, leaving) if found and arriving else 0.0
            minutes = hours_to_minutes(hours)
            self._handling[key] = minutes
        if at is not None and arriving is not None and self.network.congestion:
            minutes += hours_to_minutes(self.network.added_dwell_hours(location, from_minutes(at)))
        return minutes

    def mask_of(self, locations: Sequence[str]) -> int:
        """Bits of the required hubs among ``locations``."""
        mask = 0
        for location in locations:
            mask |= self.required.get(location, 0)
        return mask

    def hubs_satisfied(self, mask: int) -> bool:
        """Whether the visited hubs meet the request's hub rule."""
        if not self.required:
            return True
        if self.request.filters.hub_rule is HubRule.ALL:
            return mask == self.full_mask
        return mask != 0

    # ------------------------------------------------------------------ rides
    def start_mask(self, origin: str) -> int:
        """Required hubs visited before the first ride (the origin itself)."""
        return self.mask_of([origin])

    def city_bit(self, location: str) -> int:
        """The bit of ``location``'s city (0 for a point's virtual ends, which are no city)."""
        if location in (ORIGIN, DESTINATION):
            return 0
        return self._city_bits[self.network.city_of(location)]

    @cached_property
    def _city_bits(self) -> Mapping[str, int]:
        return self._remember(
            "city_bits",
            lambda: {code: 1 << i for i, code in enumerate(sorted(self.network.cities))},
        )

    def enters(self, board: str, alight: str) -> int:
        """The bit of the city a ride from ``board`` to ``alight`` enters (0: it stays)."""
        bit = self.city_bit(alight)
        return 0 if bit == self.city_bit(board) else bit

    def rides_from(
        self,
        location: str,
        time: int,
        arriving: Mode | None,
        phase: int,
        *,
        first_only: bool = True,
        keep: Keep | None = None,
        cities: int = 0,
    ) -> Iterator[Ride]:
        """Rides a box at ``location`` can take after ``time`` (arrival there, or the ready time).

        With ``first_only`` only the earliest feasible departure per (leg, alighting call) is
        given: later ones cost the same and arrive later, so they are dominated (unless a later
        validity period of the catalogue prices them lower: then they are given too). Otherwise
        every departure inside the horizon is given (for the time-expanded model). ``keep`` lets a
        solver drop a template before its departures are looked up, given the earliest the box
        could be available after it. ``cities`` are the bits of the cities the box has been in:
        no ride enters one of them again.
        """
        if location == ORIGIN:
            yield from self.first_mile_rides(time)
            return
        for leg in self.legs_from(location):
            base = time + self.handling(location, arriving, leg.mode, time)
            for clearance, templates in self.alighting_groups(leg, phase):
                ready = base + clearance
                if cities:
                    templates = tuple(
                        (index, template)
                        for index, template in templates
                        if not template.enters & cities
                    )
                    if not templates:
                        continue
                if keep is not None:
                    templates = tuple(
                        (index, template)
                        for index, template in templates
                        if keep(template, ready + template.minutes + template.clearance_after)
                    )
                    if not templates:
                        continue
                yield from self.rides_of(leg, ready, templates, first_only)
        if self._last_mile and location != DESTINATION:
            yield from self.last_mile_rides(location, time, arriving, phase)

    def rides_of(
        self,
        leg: ServiceLeg,
        ready: int,
        templates: tuple[tuple[int, RideTemplate], ...],
        first_only: bool,
    ) -> Iterator[Ride]:
        """Dated rides boarding ``leg`` once the box is ready at ``ready`` (see rides_from)."""
        chain = self.chain(leg)
        pending = dict(enumerate(template for _, template in templates))
        # a later departure of a template is dominated unless a validity period makes it cheaper
        cheapest: dict[int, int] = {}
        for slot in self.index.boardable(leg.id, ready, self.horizon_end):
            if slot.arrival > self.deadline:
                return
            if not self.room(leg, slot):
                continue
            walk = self.walk(chain, slot)
            done = []
            for number, template in pending.items():
                slots = self.ride_slots(template, walk)
                if slots is None:
                    continue
                available = slots[-1].arrival + template.clearance_after
                if available > self.deadline:
                    done.append(number)
                    continue
                if template.prices and first_only:
                    price = template.price_at(slots[0].departure)
                    if price >= cheapest.get(number, NEVER):
                        continue
                    cheapest[number] = price
                    if price > template.price_fen:  # a later period is cheaper: keep looking
                        yield Ride(template, slots, ready, available)
                        continue
                yield Ride(template, slots, ready, available)
                done.append(number)
            if first_only:
                for number in done:
                    del pending[number]
                if not pending:
                    return

    def ride_slots(self, template: RideTemplate, walk: tuple[Slot, ...]) -> tuple[Slot, ...] | None:
        """The departures ``template`` takes from ``walk`` (its first service boarded).

        A sea passage connects at the transshipment port to the first departure of the second
        ship whose cut-off the box makes after the port's sea-to-sea handling, within
        ``PASSAGE_MAX_WAIT_H``. ``None`` when the walk does not reach the alighting call.
        """
        if not template.joined:
            index = len(template.legs) - 1
            return walk[: index + 1] if index < len(walk) else None
        if template.joined > len(walk):
            return None
        arrived = walk[template.joined - 1].arrival
        second = self._connection(template.legs[template.joined], arrived)
        rest = len(template.legs) - template.joined
        if second is None or rest > len(second):
            return None
        if second[0].departure - arrived > PASSAGE_MAX_WAIT_H * 60:
            return None  # too long a wait for one bill of lading
        return walk[: template.joined] + second[:rest]

    def _connection(self, onward: ServiceLeg, arrived: int) -> tuple[Slot, ...] | None:
        """The second ship's walk a box arriving at ``arrived`` connects to.

        Memoised: every passage over the same connection shares it.
        """
        key = (onward.id, arrived)
        if key in self._connections:
            return self._connections[key]
        ready = arrived + self.handling(onward.origin, Mode.SEA, Mode.SEA, arrived)
        found = None
        for slot in self.index.boardable(onward.id, ready, self.horizon_end):
            if slot.arrival > self.deadline:
                break
            if self.room(onward, slot):
                found = self.walk(self.chain(onward), slot)
                break
        self._connections[key] = found
        return found

    def walk(self, chain: tuple[ServiceLeg, ...], first: Slot) -> tuple[Slot, ...]:
        """Departures of the chain a box boarding at ``first`` stays aboard for."""
        key = (chain[0].id, first.departure)
        cached = self._walks.get(key)
        if cached is not None:
            return cached
        slots = [first]
        for leg in chain[1:]:
            nxt = next(self.index.slots(leg.id, slots[-1].arrival, self.horizon_end), None)
            if nxt is None or nxt.arrival > self.deadline or not self.room(leg, nxt):
                break
            slots.append(nxt)
        walk = tuple(slots)
        self._walks[key] = walk
        return walk

    def room(self, leg: ServiceLeg, slot: Slot) -> bool:
        """Whether the departure still has room for the shipment's TEU.

        Legs that hold no capacity always have room (``allows`` checks their size).
        """
        if not leg.holds_capacity:
            return True
        assert leg.capacity_teu is not None
        if not self._capacity:
            return leg.capacity_teu >= self.teu
        key = departure_key(leg.id, from_minutes(slot.departure))
        return self._capacity.get(key, leg.capacity_teu) >= self.teu

    def template(
        self,
        board: str,
        legs: tuple[ServiceLeg, ...],
        board_clearance: Clearance | None,
        alight_clearance: Clearance | None,
        phase: int,
        joined: int = 0,
    ) -> RideTemplate:
        """The date-free part of a ride: price (freight, handling, clearance fees) and CO2e.

        A sea passage (``joined`` legs aboard the first ship) adds the transshipment's lifts to
        its CO2e.
        """
        alight = legs[-1].destination
        locations = self.network.locations
        prices = tuple(
            self.ride_fen(legs, board, alight, pricer)
            + total_fen(pricer.handling(locations[board], legs[0].mode))
            + total_fen(pricer.handling(locations[alight], legs[-1].mode))
            + sum(
                total_fen(clearance_fees(pricer, clearance))
                for clearance in (board_clearance, alight_clearance)
                if clearance is not None
            )
            for pricer in self.pricers
        )
        co2 = sum(self.emitter.leg_g(leg) for leg in legs) + self.emitter.hub_g(locations[board])
        if joined:
            co2 += self.emitter.hub_g(locations[legs[joined].origin])
        visits = tuple(leg.destination for leg in legs)
        return RideTemplate(
            board=board,
            alight=alight,
            legs=legs,
            board_clearance=board_clearance,
            alight_clearance=alight_clearance,
            phase=phase,
            price_fen=min(prices),
            co2e_g=co2,
            visits=visits,
            mask=self.mask_of(visits),
            enters=self.enters(board, alight),
            minutes=sum(self.index.transit_minutes(leg.id) for leg in legs),
            joined=joined,
            **self._dated(prices, board),
        )

    def _dated(self, prices: tuple[int, ...], board: str) -> dict[str, tuple[int, ...]]:
        """Where the validity periods start, and a template's price per period if they differ.

        The starts are kept whenever the catalogue has periods: a bill names the items valid on
        the day even when a successor item costs the same.
        """
        if self.network.tariffs.periods == 1:
            return {}
        return {
            "prices": prices if len(set(prices)) > 1 else (),
            "starts": self.period_starts(board),
        }

    def period_starts(self, place: str) -> tuple[int, ...]:
        """The minutes each validity period after the first starts at, in ``place``'s days."""
        if place in (ORIGIN, DESTINATION):
            tz = endpoint_tz(
                self.network,
                self.request.origin if place == ORIGIN else self.request.destination,
            )
        else:
            tz = self.network.locations[place].tz
        starts = self._starts.get(tz)
        if starts is None:
            zone = ZoneInfo(tz)
            starts = tuple(
                to_minutes(datetime.combine(day, datetime.min.time(), zone))
                for day in self.network.tariffs.boundaries
            )
            self._starts[tz] = starts
        return starts

    def pricer_of(self, ride: Ride) -> Pricer:
        """The pricer of the validity period ``ride`` departs in."""
        return self.pricers[ride.period]

    def ride_fen(
        self, legs: tuple[ServiceLeg, ...], board: str, alight: str, pricer: Pricer
    ) -> int:
        """Freight of a ride in fen."""
        return total_fen(pricer.ride(legs, board, alight))

    # ------------------------------------------------------------------ customs
    def alighting_groups(self, leg: ServiceLeg, phase: int) -> tuple[Group, ...]:
        """Ride templates per alighting call for boarding ``leg`` in ``phase``.

        They are grouped by the minutes of clearance they need before the cut-off.
        """
        key = (leg.id, phase)
        cached = self._groups.get(key)
        if cached is not None:
            return cached
        chain = self.chain(leg)
        board = self.network.locations[leg.origin]
        groups: dict[int, list[tuple[int, RideTemplate]]] = {}
        for index in range(len(chain)):
            stops = [self.network.locations[step.destination] for step in chain[: index + 1]]
            if not leg.carries_domestic and stops[-1].country == board.country:
                continue  # cabotage: this carrier may not carry a box within one country
            if self._loops(board, stops) or loops_round(chain[: index + 1], self.sea_km):
                continue
            outcome = self._customs(board, stops, phase)
            if outcome is None:
                continue
            before, (after, phase_after) = outcome
            template = self.template(board.id, chain[: index + 1], before, after, phase_after)
            groups.setdefault(template.clearance_before, []).append((index, template))
        for legs, aboard in self.passages(leg):
            stops = [self.network.locations[step.destination] for step in legs]
            if self._loops(board, stops):
                continue
            outcome = self._customs(board, stops, phase)
            if outcome is None:
                continue
            before, (after, phase_after) = outcome
            template = self.template(board.id, legs, before, after, phase_after, aboard)
            groups.setdefault(template.clearance_before, []).append((len(legs) - 1, template))
        result = tuple((minutes, tuple(items)) for minutes, items in sorted(groups.items()))
        self._groups[key] = result
        return result

    @staticmethod
    def _loops(board: Location, stops: Sequence[Location]) -> bool:
        """Whether a ride leaves its boarding city only to alight in it again."""
        home = board.city_code
        return stops[-1].city_code == home and any(s.city_code != home for s in stops[:-1])

    def _customs(
        self, board: Location, stops: Sequence[Location], phase: int
    ) -> tuple[Clearance | None, tuple[Clearance | None, int]] | None:
        """Clearance at boarding, and at alighting with the phase after.

        ``None`` when the box cannot be cleared on this ride (see the module docstring).
        """
        alight = stops[-1]
        stays_abroad = all(stop.country == self.abroad for stop in stops)
        if phase == CLEARED:
            return (None, (None, CLEARED)) if stays_abroad else None
        if alight.country == self.home and phase == TRANSIT:
            return None  # an exported box is not unloaded in its home country again
        if phase == HOME and all(stop.country == self.home for stop in stops):
            return None, (None, HOME)
        crossing = board.kind is LocationKind.BORDER_CROSSING
        if phase == HOME:
            if alight.country == self.home:
                return None  # leaving the country only to come back is not a way to export
            if crossing and stops[0].country != self.home:
                exit_ = self._clearance(board, exit_=True, entry=stays_abroad)
                if exit_ is None:
                    return None
                if stays_abroad:
                    return exit_, (None, CLEARED)
                after = self._entry_at(alight)
                return None if after is None else (exit_, after)
            at_crossing = all(stop.country == self.home for stop in stops[:-1])
            if alight.kind is LocationKind.BORDER_CROSSING and at_crossing:
                enters = alight.country == self.abroad
                both = self._clearance(alight, exit_=True, entry=enters)
                return None if both is None else (None, (both, CLEARED if enters else TRANSIT))
            export = self._clearance(board, exit_=True, entry=False)
            after = self._entry_at(alight)
            return None if export is None or after is None else (export, after)
        if crossing and stays_abroad:
            entry = self._clearance(board, exit_=False, entry=True)
            if entry is not None:
                return entry, (None, CLEARED)
        after = self._entry_at(alight)
        return None if after is None else (None, after)

    def _entry_at(self, alight: Location) -> tuple[Clearance | None, int] | None:
        """Import clearance on alighting in the destination country, or still in transit.

        ``None`` when the alighting call cannot clear the import.
        """
        if alight.country != self.abroad:
            return None, TRANSIT
        entry = self._clearance(alight, exit_=False, entry=True)
        return None if entry is None else (entry, CLEARED)

    def _clearance(self, location: Location, *, exit_: bool, entry: bool) -> Clearance | None:
        customs = location.customs
        if customs is None:
            return None
        hours = 0.0
        codes: list[str] = []
        if exit_:
            if customs.export_hours is None:
                return None
            hours += customs.export_hours
            codes += customs.export_fees
        if entry:
            if customs.import_hours is None:
                return None
            hours += customs.import_hours
            codes += customs.import_fees
        return Clearance(
            location=location.id,
            exit=exit_,
            entry=entry,
            minutes=hours_to_minutes(hours),
            codes=tuple(codes),
        )

    # ------------------------------------------------------------------ first and last mile
    def first_mile_rides(self, time: int) -> Iterator[Ride]:
        """Trucks from a point origin to each location within reach (if road is allowed)."""
        if Mode.ROAD not in self.request.filters.modes:
            return
        for location, km in self._first_mile:
            truck = self._truck(ORIGIN, location.id, km, self._point(self.request.origin))
            yield self._truck_ride(truck, ORIGIN, location.id, time, self.start_phase)

    def last_mile_rides(
        self, location: str, time: int, arriving: Mode | None, phase: int
    ) -> Iterator[Ride]:
        """A truck from ``location`` to a point destination, if it is within reach."""
        if Mode.ROAD not in self.request.filters.modes or phase != CLEARED:
            return
        for candidate, km in self._last_mile:
            if candidate.id != location:
                continue
            truck = self._truck(location, DESTINATION, km, self._point(self.request.destination))
            ready = time + self.handling(location, arriving, Mode.ROAD, time)
            ride = self._truck_ride(truck, location, DESTINATION, ready, phase)
            if ride.available <= self.deadline:
                yield ride

    def _truck_ride(
        self, truck: ServiceLeg, board: str, alight: str, ready: int, phase: int
    ) -> Ride:
        """A first- or last-mile truck, priced like any ride.

        Freight, then handling at whichever end is a network location.
        """
        transit = hours_to_minutes(truck.transit_hours)
        starts = self.period_starts(board)
        pricer = self.pricers[bisect_right(starts, ready)]
        price = self.ride_fen((truck,), board, alight, pricer)
        co2 = self.emitter.leg_g(truck)
        for end in (board, alight):
            location = self.network.find_location(end)
            if location is not None:
                price += total_fen(pricer.handling(location, Mode.ROAD))
        start = self.network.find_location(board)
        if start is not None:
            co2 += self.emitter.hub_g(start)
        template = RideTemplate(
            board=board,
            alight=alight,
            legs=(truck,),
            board_clearance=None,
            alight_clearance=None,
            phase=phase,
            price_fen=price,
            co2e_g=co2,
            visits=(alight,),
            mask=self.mask_of((alight,)),
            enters=self.enters(board, alight),
            minutes=transit,
            starts=starts,  # priced in the period it leaves in: one price
        )
        return Ride(template, (Slot(ready, ready + transit, ready),), ready, ready + transit)

    @staticmethod
    def _point(endpoint: Endpoint) -> tuple[float, float]:
        assert endpoint.lat is not None
        assert endpoint.lon is not None
        return (endpoint.lon, endpoint.lat)

    # ------------------------------------------------------------------ lower bounds
    @cached_property
    def _bounds(self) -> Mapping[str, tuple[int, int, int]]:
        """Lower bounds on the time, price and CO2e still needed to reach the destination.

        Shortest paths backwards over every ride the filters allow, each criterion on its own,
        ignoring waiting, handling and customs, so never too high.
        """
        return self._remember("bounds", self._make_bounds)

    def _make_bounds(self) -> Mapping[str, tuple[int, int, int]]:
        # the edges depend on the cargo and filters only, the bounds on the destination too:
        # quotes from anywhere to a terminal or city share them (a door point has its own)
        shared = self._allowed
        destination = self.request.destination
        by_place = destination.lat is None
        if by_place and destination in shared.bounds_to:
            return shared.bounds_to[destination]
        last_mile: list[BoundEdge] = []
        locations = self.network.locations
        for candidate, km in self._last_mile:
            truck = self._truck(
                candidate.id, DESTINATION, km, self._point(self.request.destination)
            )
            price = min(
                self.ride_fen((truck,), candidate.id, DESTINATION, pricer)
                + total_fen(pricer.handling(candidate, Mode.ROAD))
                for pricer in self.pricers
            )
            co2 = self.emitter.leg_g(truck) + self.emitter.hub_g(candidate)
            last_mile.append((candidate.id, hours_to_minutes(truck.transit_hours), price, co2))

        def edges_into(place: str) -> Sequence[BoundEdge]:
            return last_mile if place == DESTINATION else self._edges_into(place)

        hub = {
            end: 0 if end == DESTINATION else self.emitter.hub_g(locations[end])
            for end in sorted(self.destinations)
        }
        per_criterion = [
            _backward(
                {end: 0 if criterion < 2 else g for end, g in hub.items()}, edges_into, criterion
            )
            for criterion in range(3)
        ]
        bounds = MappingProxyType(
            {
                location: (per_criterion[0][location], per_criterion[1][location], bound)
                for location, bound in per_criterion[2].items()
            }
        )
        if by_place:
            shared.bounds_to[destination] = bounds
        return bounds

    def _edges_into(self, alight: str) -> tuple[BoundEdge, ...]:
        """Every allowed ride and passage alighting at ``alight`` as a lower-bound edge.

        Found when the backward searches first reach ``alight``, once per cargo and filters.
        """
        known = self._allowed.edges_into
        found = known.get(alight)
        if found is None:
            found = known[alight] = (*self._ride_edges(alight), *self._passage_edges(alight))
        return found

    def _boardings(self, last: ServiceLeg) -> Iterator[ServiceLeg]:
        """The allowed legs whose chain reaches the allowed ``last``: it, and back while allowed."""
        first: ServiceLeg | None = last
        while first is not None and self.allows(first):
            yield first
            first = self.network.previous_leg(first)

    def _sea_boardings(self, port: str) -> tuple[ServiceLeg, ...]:
        """The allowed sea legs whose chain reaches the seaport ``port`` (none elsewhere)."""
        known = self._allowed.sea_boardings
        found = known.get(port)
        if found is None:
            found = known[port] = (
                tuple(
                    first
                    for step in self.network.legs_into(port)
                    for first in self._boardings(step)
                    if first.mode is Mode.SEA
                )
                if self.network.locations[port].kind is LocationKind.SEAPORT
                else ()
            )
        return found

    def _ride_edges(self, alight: str) -> Iterator[BoundEdge]:
        """One edge per ride on one service alighting at ``alight``."""
        locations = self.network.locations
        there = locations[alight]
        for last in self.network.legs_into(alight):
            minutes = co2 = 0
            legs: tuple[ServiceLeg, ...] = ()
            for first in self._boardings(last):
                legs = (first, *legs)
                minutes += self.index.transit_minutes(first.id)
                co2 += self.emitter.leg_g(first)
                board = locations[first.origin]
                price = min(
                    total_fen(pricer.handling(board, first.mode))
                    + self.ride_fen(legs, board.id, alight, pricer)
                    + total_fen(pricer.handling(there, last.mode))
                    for pricer in self.pricers
                )
                yield (board.id, minutes, price, co2 + self.emitter.hub_g(board))

    def _passage_edges(self, alight: str) -> list[BoundEdge]:
        """One edge per port a sea passage alighting at ``alight`` boards at.

        Each criterion its own minimum over the passages between the two ports, and every
        passage counted whatever the home country: lower bounds, never too high.
        """
        firsts: dict[str, ServiceLeg] = {}  # the first ships' boarding legs that may get here
        for last in self.network.legs_into(alight):
            for onward in self._boardings(last):
                if onward.mode is Mode.SEA:
                    firsts.update(
                        (first.id, first)
                        for first in self._sea_boardings(onward.origin)
                        if first.service != onward.service
                    )
        best: dict[str, tuple[int, int, int]] = {}
        for _, leg in sorted(firsts.items()):
            found = self._passage_bounds(leg).get(alight)
            if found is not None:
                old = best.get(leg.origin, (NEVER, NEVER, NEVER))
                best[leg.origin] = (
                    min(old[0], found[0]),
                    min(old[1], found[1]),
                    min(old[2], found[2]),
                )
        return [(board, *values) for board, values in sorted(best.items())]

    def _passage_bounds(self, leg: ServiceLeg) -> Mapping[str, tuple[int, int, int]]:
        """(minutes, fen, grams) of the passages boarding ``leg``, by alighting place.

        Each criterion its own minimum over the passages to the same place.
        """
        known = self._allowed.passage_bounds
        found = known.get(leg.id)
        if found is not None:
            return found
        locations = self.network.locations
        board = locations[leg.origin]
        best: dict[str, tuple[int, int, int]] = {}
        for legs, aboard in self._every_passage(leg):
            alight = locations[legs[-1].destination]
            price = min(
                total_fen(pricer.handling(board, leg.mode))
                + self.ride_fen(legs, board.id, alight.id, pricer)
                + total_fen(pricer.handling(alight, Mode.SEA))
                for pricer in self.pricers
            )
            co2 = (
                self.emitter.hub_g(board)
                + self.emitter.hub_g(locations[legs[aboard].origin])
                + sum(self.emitter.leg_g(step) for step in legs)
            )
            minutes = sum(self.index.transit_minutes(step.id) for step in legs)
            old = best.get(alight.id, (NEVER, NEVER, NEVER))
            best[alight.id] = (min(old[0], minutes), min(old[1], price), min(old[2], co2))
        known[leg.id] = best
        return best

    def remaining(self, location: str) -> tuple[int, int, int] | None:
        """Lower bounds (minutes, fen, grams) to the destination, ``None`` if unreachable."""
        if location == ORIGIN:
            return (0, 0, 0)
        return self._bounds.get(location)

    # ------------------------------------------------------------------ arriving
    def finish(
        self, location: str, available: int, arriving: Mode | None, phase: int
    ) -> Finish | None:
        """Reaching the destination at ``location``, or ``None`` if this is not it (yet)."""
        if location not in self.destinations or phase != CLEARED:
            return None
        if location == DESTINATION:
            return Finish(available, 0, 0)
        destination = self.network.locations[location]
        time = available + self.handling(location, arriving, None, available)
        if time > self.deadline:
            return None
        return Finish(time, 0, self.emitter.hub_g(destination))


def _backward(
    targets: Mapping[str, int],
    edges_into: Callable[[str], Sequence[BoundEdge]],
    criterion: int,
) -> dict[str, int]:
    """Dijkstra from ``targets`` (each with its value on arrival) over reversed edges.

    On one criterion: 0 time, 1 price, 2 CO2e; ``edges_into`` gives the edges into a place.
    """
    best = dict(targets)
    queue = [(value, target) for target, value in sorted(targets.items())]
    heapq.heapify(queue)
    while queue:
        value, node = heapq.heappop(queue)
        if value > best.get(node, NEVER):
            continue
        for previous, *weights in edges_into(node):
            candidate = value + weights[criterion]
            if candidate < best.get(previous, NEVER):
                best[previous] = candidate
                heapq.heappush(queue, (candidate, previous))
    return best


@dataclass(slots=True)
class _Costs:
    """Memoised prices, emissions and handling times for one network and one cargo."""

    pricer: Pricer
    emitter: Emitter
    handling: dict[tuple[str, Mode | None, Mode | None], int] = field(default_factory=dict)
    starts: dict[str, tuple[int, ...]] = field(default_factory=dict)  # validity periods by tz


@dataclass(slots=True)
class _Routes:
    """Memoised ride templates, passages and bounds for one request shape."""

    groups: dict[tuple[str, int], tuple[Group, ...]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


_COSTS: WeakKeyDictionary[Network, dict[Cargo, _Costs]] = WeakKeyDictionary()
_ROUTES: WeakKeyDictionary[Network, OrderedDict[tuple[Any, ...], _Routes]] = WeakKeyDictionary()
_ROUTES_PER_NETWORK = 256
Passage = tuple[tuple[ServiceLeg, ...], int]


@dataclass(slots=True)
class _Allowed:
    """The network as one cargo and one set of filters allow it, whatever the endpoints.

    Each part is found when a quote first reaches it and kept for the next: whether each leg is
    allowed, the allowed legs by origin, the sea legs that reach each seaport, chains,
    transshipments, sea passages and their lower-bound values by boarding leg, where the sea
    legs from each port go and the shortest sea distances from it (passages are held to them),
    the rides and passages alighting at each place as lower-bound edges, and the lower bounds to
    each terminal or city already asked for. Only data: nothing here refers to the network (its
    key in ``_ALLOWED``).
    """

    legs: dict[str, bool] = field(default_factory=dict)
    legs_from: dict[str, tuple[ServiceLeg, ...]] = field(default_factory=dict)
    sea_boardings: dict[str, tuple[ServiceLeg, ...]] = field(default_factory=dict)
    chains: dict[str, tuple[ServiceLeg, ...]] = field(default_factory=dict)
    joins: dict[str, tuple[tuple[int, ServiceLeg], ...]] = field(default_factory=dict)
    passages: dict[str, tuple[Passage, ...]] = field(default_factory=dict)
    passage_bounds: dict[str, Mapping[str, tuple[int, int, int]]] = field(default_factory=dict)
    sailings: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    sea_km: dict[str, Mapping[str, float]] = field(default_factory=dict)
    edges_into: dict[str, tuple[BoundEdge, ...]] = field(default_factory=dict)
    bounds_to: dict[Endpoint, Mapping[str, tuple[int, int, int]]] = field(default_factory=dict)


_ALLOWED: WeakKeyDictionary[Network, dict[tuple[Cargo, Filters], _Allowed]] = WeakKeyDictionary()


def _allowed(network: Network, cargo: Cargo, filters: Filters) -> _Allowed:
    """What quotes of one cargo under one set of filters share on ``network``."""
    return _ALLOWED.setdefault(network, {}).setdefault((cargo, filters), _Allowed())


def _costs(network: Network, cargo: Cargo) -> _Costs:
    """Prices and emissions depend only on the network and the cargo: quotes share them."""
    per_network = _COSTS.setdefault(network, {})
    costs = per_network.get(cargo)
    if costs is None:
        payload = network.emission_factors.payload_t_per_teu
        costs = _Costs(
            Pricer(network.tariffs, cargo, payload), Emitter(network.emission_factors, cargo)
        )
        per_network[cargo] = costs
    return costs


def pricer_for(network: Network, cargo: Cargo) -> Pricer:
    """The pricer quotes on ``network`` use for ``cargo`` (shared and memoised).

    ``.on(day)`` gives the one for a departure day.
    """
    return _costs(network, cargo).pricer


def clearance_fees(pricer: Pricer, clearance: Clearance) -> tuple[PriceLine, ...]:
    """The fees of ``clearance`` in ``pricer``'s validity period."""
    return pricer.fees(clearance.codes, clearance.location)


def _routes(network: Network, request: QuoteRequest) -> _Routes:
    """Allowed legs, templates and bounds shared by quotes of the same shape.

    They depend on cargo, filters and endpoints only, not on the date, deadline or capacity;
    the least recently used shape goes first.
    """
    per_network = _ROUTES.setdefault(network, OrderedDict())
    key = (request.cargo, request.filters, request.origin, request.destination)
    routes = per_network.get(key)
    if routes is None:
        routes = _Routes()
        per_network[key] = routes
        if len(per_network) > _ROUTES_PER_NETWORK:
            per_network.popitem(last=False)
    else:
        per_network.move_to_end(key)
    return routes
