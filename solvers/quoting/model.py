"""The quote model: one request on one network — which rides a box can take, when, at what cost.

Every solver (the Pareto search, the earliest-arrival search, the OR-Tools model, the brute
force in the tests) asks this model for rides (:mod:`solvers.quoting.rides`), so they differ only
in how they combine them. The model joins the seams it is built from: the legs, chains and sea
passages the cargo and filters allow (:mod:`~solvers.quoting.allowed`), customs
(:mod:`~solvers.quoting.customs`), the first and last mile of a door point
(:mod:`~solvers.quoting.drayage`) and the lower bounds (:mod:`~solvers.quoting.bounds`); what quotes
share is kept in :mod:`~solvers.quoting.caches`. All quantities are integers: minutes since the
Unix epoch, fen (CNY cents), grams CO2e.

Time at a location: a box that arrives at ``t`` by mode ``a`` may board a departure of mode ``b``
whose cut-off is at or after ``t`` + handling(a → b) + any clearance at boarding. At the origin no
handling applies (the box is at the gate at the ready time); at the destination it becomes
available after any import clearance plus handling(a → end).

Cities: an itinerary never alights in a city it has already left, its origin city included
(staying aboard a service that calls there, or on a truck that drives through it, does not
count, and moving between the terminals of the city it is in does not leave it); a ride that
leaves its boarding city only to come back to it is no ride. Each ride template says which city
it enters (``enters``, one bit per city, 0 when it stays in its city); the solvers keep the
cities a box has been in and refuse a ride that enters one of them again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from graph import Location, Mode, Network, ServiceLeg
from graph.model import departure_key
from graph.schedule import Slot, from_minutes, hours_to_minutes, to_minutes
from solvers.emissions import Emitter
from solvers.errors import InvalidRequest
from solvers.pricing import Pricer, total_fen
from solvers.quoting.allowed import AllowedNetwork
from solvers.quoting.bounds import lower_bounds
from solvers.quoting.caches import Bounds, costs, ride_templates, routes, voyages
from solvers.quoting.customs import CLEARED, HOME, Clearance, Customs, clearance_fees
from solvers.quoting.drayage import (
    DESTINATION,
    ORIGIN,
    Drayage,
    Reach,
    truck_terms,
    within_reach,
)
from solvers.quoting.passages import PASSAGE_MAX_WAIT_H, Passage, loops_round
from solvers.quoting.rides import NEVER, Finish, Group, Keep, Ride, RideTemplate
from solvers.types import MAX_HORIZON, Endpoint, HubRule, QuoteRequest

T = TypeVar("T")

#: How far after a boarding the shared voyages look (no quote looks further ahead).
_VOYAGE_MINUTES = int(MAX_HORIZON.total_seconds() // 60)


def endpoint_tz(network: Network, end: Endpoint) -> str:
    """The time zone of ``end``: its terminal's, its city's, or a point's nearest location's."""
    if end.lat is not None and end.lon is not None:
        return network.tz_near(end.lon, end.lat)
    ids = network.terminals.get(end.city, ()) if end.city is not None else (end.location,)
    place = network.find_location(ids[0] or "") if ids else None
    return place.tz if place else "UTC"


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
        self._congested = bool(network.congestion)
        shared_costs = costs(network, request.cargo)
        #: one pricer per validity period of the catalogue (one when no item carries dates)
        self.pricers: tuple[Pricer, ...] = shared_costs.pricer.every_period()
        self._starts = shared_costs.starts
        self.emitter: Emitter = shared_costs.emitter
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
        self.origins, first_mile = self._endpoint("origin", request.origin, problems)
        ends, last_mile = self._endpoint("destination", request.destination, problems)
        self.destinations = frozenset(ends)
        if not problems and self.destinations.intersection(self.origins):
            problems.append(("destination", "origin and destination are the same place"))
        if problems:
            raise InvalidRequest(problems)
        self.home = self._country(self.origins, first_mile)
        self.abroad = self._country(ends, last_mile)
        self.customs = Customs(self.home, self.abroad, network.tariffs.customs)
        self.international = self.home != self.abroad
        self.start_phase = HOME if self.international else CLEARED
        self.required = {hub: 1 << i for i, hub in enumerate(request.filters.required_hubs)}
        self.full_mask = (1 << len(self.required)) - 1
        self._capacity: Mapping[str, float] = request.capacity
        #: the network as this cargo and these filters allow it, shared whatever the endpoints
        self.allowed = AllowedNetwork(network, request.cargo, request.filters, self.pricers)
        self.drayage = Drayage(self, first_mile, last_mile)
        self._memo: dict[str, Any] = routes(network, request).values
        shared_templates = ride_templates(
            network, request.cargo, request.filters, self.home, self.abroad
        )
        self._groups = shared_templates.groups
        self._boarding_table = shared_templates.boardings
        self._passages = shared_templates.passages
        self._handling: dict[tuple[str, Mode | None, Mode | None], int] = shared_costs.handling
        self._ride_costs = shared_costs.rides
        self._fees = shared_costs.fees
        shared_voyages = voyages(network)
        self._voyages = shared_voyages.walks
        self._first_connections = shared_voyages.connections
        self._walks: dict[tuple[str, int], tuple[Slot, ...]] = {}
        self._connections: dict[tuple[str, int], tuple[Slot, ...] | None] = {}

    # ------------------------------------------------------------------ endpoints
    def _endpoint(
        self, name: str, endpoint: Endpoint, problems: list[tuple[str, str]]
    ) -> tuple[tuple[str, ...], Reach]:
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
        reach = within_reach(self.network, endpoint)
        if not reach:
            problems.append((name, f"no location within {endpoint.max_km:g} km of the point"))
        elif self.drayage_terms is None:
            problems.append((name, "the network has no road drayage to reach the point"))
        return ((ORIGIN if name == "origin" else DESTINATION),), tuple(reach)

    def _country(self, ends: Sequence[str], reach: Sequence[tuple[Location, float]]) -> str:
        found = self.network.find_location(ends[0])
        if found is not None:
            return found.country
        return reach[0][0].country if reach else ""

    @cached_property
    def drayage_terms(self) -> ServiceLeg | None:
        """The terms of first- and last-mile trucks (:func:`.drayage.truck_terms`)."""
        return truck_terms(self.network)

    # ------------------------------------------------------------------ the network as allowed
    def passages(self, leg: ServiceLeg) -> tuple[Passage, ...]:
        """Legs of each sea passage boarding ``leg``, with the legs aboard the first ship.

        Only passages the catalogue has one ocean freight for, whose ports of transshipment and
        discharge are in other cities than the port before, that no carrier may refuse as
        cabotage, and, for an export, that do not unload the box in its home country again.
        Memoised per cargo, filters and pair of countries (:class:`.caches.Templates`); the
        passages themselves are found once per cargo and filters (:meth:`AllowedNetwork.passages`).
        """
        known = self._passages
        found = known.get(leg.id)
        if found is None:
            locations = self.network.locations
            found = known[leg.id] = tuple(
                (legs, aboard)
                for legs, aboard in self.allowed.passages(leg)
                if not (self.international and locations[legs[aboard].origin].country == self.home)
            )
        return found

    def _remember(self, name: str, compute: Callable[[], T]) -> T:
        """A value shared by every model of the same request shape (:func:`.caches.routes`)."""
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
        if at is not None:
            minutes += self.dwell(location, arriving, at)
        return minutes

    def dwell(self, location: str, arriving: Mode | None, at: int) -> int:
        """Minutes congestion in force at ``at`` adds at ``location`` (none at the origin)."""
        if arriving is None or not self._congested:
            return 0
        return hours_to_minutes(self.network.added_dwell_hours(location, from_minutes(at)))

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
        could be available after it: the leg's first boardable departure plus the template's
        minutes aboard and clearance after. ``cities`` are the bits of the cities the box has
        been in: no ride enters one of them again.
        """
        if location == ORIGIN:
            yield from self.drayage.first_mile_rides(time)
            return
        dwell = self.dwell(location, arriving, time)  # the same whatever the leg
        for leg, handled, groups in self._boardings(location, arriving, phase):
            base = time + handled + dwell
            for clearance, templates in groups:
                ready = base + clearance
                first = self.index.first_boardable(leg.id, ready, self.horizon_end)
                if first is None:
                    break  # the groups come by growing clearance: none boards later either
                leaves = first.departure
                pending: list[RideTemplate | None] = [
                    template
                    for _, template in templates
                    if not template.enters & cities
                    and (keep is None or keep(template, leaves + template.aboard))
                ]
                if pending:
                    yield from self._rides(leg, ready, first, pending, first_only)
        if self.drayage.last_mile and location != DESTINATION:
            yield from self.drayage.last_mile_rides(location, time, arriving, phase)

    def _boardings(
        self, location: str, arriving: Mode | None, phase: int
    ) -> tuple[tuple[ServiceLeg, int, tuple[Group, ...]], ...]:
        """The allowed legs from ``location`` with their handling and template groups.

        The handling from ``arriving`` without congestion, the groups for boarding in ``phase``;
        memoised per cargo, filters and pair of countries.
        """
        key = (location, arriving, phase)
        found = self._boarding_table.get(key)
        if found is None:
            found = self._boarding_table[key] = tuple(
                (
                    leg,
                    self.handling(location, arriving, leg.mode),
                    self.alighting_groups(leg, phase),
                )
                for leg in self.allowed.legs_from(location)
            )
        return found

    def rides_of(
        self,
        leg: ServiceLeg,
        ready: int,
        templates: tuple[tuple[int, RideTemplate], ...],
        first_only: bool,
    ) -> Iterator[Ride]:
        """Dated rides boarding ``leg`` once the box is ready at ``ready`` (see rides_from)."""
        first = self.index.first_boardable(leg.id, ready, self.horizon_end)
        if first is not None:
            pending: list[RideTemplate | None] = [template for _, template in templates]
            yield from self._rides(leg, ready, first, pending, first_only)

    def _rides(
        self,
        leg: ServiceLeg,
        ready: int,
        first: Slot,
        pending: list[RideTemplate | None],
        first_only: bool,
    ) -> Iterator[Ride]:
        """:meth:`rides_of` from its first boardable departure ``first``.

        The later departures are looked up only if the first leaves a template without a ride.
        ``pending`` holds the templates still without one (``None`` once they have it).
        """
        later: Iterator[Slot] | None = None
        chain = self.allowed.chain(leg)
        deadline = self.deadline
        holds = leg.holds_capacity
        # a later departure of a template is dominated unless a validity period makes it cheaper
        cheapest: dict[int, int] = {}
        slot: Slot | None = first
        while slot is not None:
            if slot.arrival > deadline:
                return
            if holds and not self.room(leg, slot):
                later = later or self._after(leg, ready)
                slot = next(later, None)
                continue
            walk = self.walk(chain, slot)
            done = False
            for number, template in enumerate(pending):
                if template is None:
                    continue
                calls = len(template.legs)
                if template.joined or template.trip:
                    slots = self.ride_slots(template, walk)
                    if slots is None:
                        continue
                elif calls < len(walk):
                    slots = walk[:calls]
                elif calls == len(walk):
                    slots = walk
                else:
                    continue
                available = slots[-1].arrival + template.clearance_after
                if available > deadline:
                    if first_only:
                        pending[number] = None
                        done = True
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
                if first_only:
                    pending[number] = None
                    done = True
            if done and not any(pending):
                return
            later = later or self._after(leg, ready)
            slot = next(later, None)

    def _after(self, leg: ServiceLeg, ready: int) -> Iterator[Slot]:
        """The boardable departures of ``leg`` after its first."""
        departures = self.index.boardable(leg.id, ready, self.horizon_end)
        next(departures, None)
        return departures

    def ride_slots(self, template: RideTemplate, walk: tuple[Slot, ...]) -> tuple[Slot, ...] | None:
        """The departures ``template`` takes from ``walk`` (its first service boarded).

        A sea passage connects at the transshipment port to the first departure of the second
        ship whose cut-off the box makes after the port's sea-to-sea handling, within
        ``PASSAGE_MAX_WAIT_H``. A truck trip drives on (:meth:`_drive`). ``None`` when the walk
        does not reach the alighting call.
        """
        if template.trip:
            return self._drive(template.legs, walk[0])
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

    def _drive(self, legs: tuple[ServiceLeg, ...], first: Slot) -> tuple[Slot, ...] | None:
        """The departures of a truck trip that leaves at ``first``: each next leg on arrival.

        No handling where the truck passes; it waits only for a closed road to reopen, as it
        would at the start. ``None`` when a leg does not reopen inside the horizon.
        """
        slots = [first]
        for leg in legs[1:]:
            slot = self.index.first_boardable(leg.id, slots[-1].arrival, self.horizon_end)
            if slot is None:
                return None
            slots.append(slot)
        return tuple(slots)

    def _connection(self, onward: ServiceLeg, arrived: int) -> tuple[Slot, ...] | None:
        """The second ship's walk a box arriving at ``arrived`` connects to.

        Memoised: every passage over the same connection shares it. Its first departure comes
        from the voyages every quote shares; a later one is looked for only when that one is
        full.
        """
        key = (onward.id, arrived)
        if key in self._connections:
            return self._connections[key]
        shared = self._first_connections.get(key)
        if shared is None:
            ready = arrived + self.handling(onward.origin, Mode.SEA, Mode.SEA, arrived)
            first = self.index.first_boardable(onward.id, ready, ready + _VOYAGE_MINUTES)
            shared = self._first_connections[key] = (ready, first)
        ready, first = shared
        found = None
        # the quote's horizon ends within the shared look-ahead: the same first departure
        if (
            first is not None
            and first.departure < self.horizon_end
            and first.arrival <= self.deadline
        ):
            if self.room(onward, first):
                found = self.walk(self.allowed.chain(onward), first)
            else:
                for slot in self._after(onward, ready):
                    if slot.arrival > self.deadline:
                        break
                    if self.room(onward, slot):
                        found = self.walk(self.allowed.chain(onward), slot)
                        break
        self._connections[key] = found
        return found

    def walk(self, chain: tuple[ServiceLeg, ...], first: Slot) -> tuple[Slot, ...]:
        """Departures of the chain a box boarding at ``first`` stays aboard for.

        The shared voyage from ``first``, cut where the chain, the quote's horizon or deadline
        ends or a departure is full.
        """
        key = (chain[0].id, first.departure)
        cached = self._walks.get(key)
        if cached is not None:
            return cached
        voyage = self._voyages.get(key) or self._voyage(chain[0], first)
        end = min(len(chain), len(voyage))
        calls = 1
        while calls < end:
            slot = voyage[calls]
            if (
                slot.departure >= self.horizon_end
                or slot.arrival > self.deadline
                or not self.room(chain[calls], slot)
            ):
                break
            calls += 1
        walk = voyage if calls == len(voyage) else voyage[:calls]
        self._walks[key] = walk
        return walk

    def _voyage(self, boarded: ServiceLeg, first: Slot) -> tuple[Slot, ...]:
        """The shared voyage from ``first`` on ``boarded`` (see :class:`.caches.Voyages`)."""
        slots = [first]
        until = first.departure + _VOYAGE_MINUTES
        leg = self.network.next_leg(boarded)
        while leg is not None:
            nxt = self.index.first(leg.id, slots[-1].arrival, until)
            if nxt is None:
                break
            slots.append(nxt)
            leg = self.network.next_leg(leg)
        voyage = self._voyages[(boarded.id, first.departure)] = tuple(slots)
        return voyage

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
        trip: bool = False,
    ) -> RideTemplate:
        """The date-free part of a ride: price (freight, handling, clearance fees) and CO2e.

        What does not depend on customs (:meth:`_ride_costs_of`) is worked out once per cargo
        (:class:`.caches.Costs`) and shared by every pair of countries; so are each clearance's
        fees, by the clearance (which names its countries and fee codes).
        """
        alight = legs[-1].destination
        key = (board, tuple(leg.id for leg in legs), joined)
        costs = self._ride_costs.get(key)
        if costs is None:
            costs = self._ride_costs[key] = self._ride_costs_of(board, legs, joined)
        freight, co2, minutes = costs
        prices = freight
        for clearance in (board_clearance, alight_clearance):
            if clearance is not None:
                fees = self._fees.get(clearance)
                if fees is None:
                    fees = self._fees[clearance] = tuple(
                        total_fen(clearance_fees(pricer, clearance)) for pricer in self.pricers
                    )
                prices = tuple(price + fee for price, fee in zip(prices, fees, strict=True))
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
            minutes=minutes,
            joined=joined,
            trip=trip,
            **self._dated(prices, board),
        )

    def _ride_costs_of(
        self, board: str, legs: tuple[ServiceLeg, ...], joined: int
    ) -> tuple[tuple[int, ...], int, int]:
        """A ride's freight and handling per validity period, its CO2e and minutes aboard.

        A sea passage (``joined`` legs aboard the first ship) adds the transshipment's lifts to
        its CO2e.
        """
        alight = legs[-1].destination
        locations = self.network.locations
        prices = tuple(
            self.ride_fen(legs, board, alight, pricer)
            + total_fen(pricer.handling(locations[board], legs[0].mode))
            + total_fen(pricer.handling(locations[alight], legs[-1].mode))
            for pricer in self.pricers
        )
        co2 = sum(self.emitter.leg_g(leg) for leg in legs) + self.emitter.hub_g(locations[board])
        if joined:
            co2 += self.emitter.hub_g(locations[legs[joined].origin])
        minutes = sum(self.index.transit_minutes(leg.id) for leg in legs)
        return prices, co2, minutes

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

    # ------------------------------------------------------------------ ride templates
    def alighting_groups(self, leg: ServiceLeg, phase: int) -> tuple[Group, ...]:
        """Ride templates per alighting call for boarding ``leg`` in ``phase``.

        Staying aboard its service, a sea passage boarding it or a truck trip driving on from
        it; grouped by the minutes of clearance they need before the cut-off.
        """
        key = (leg.id, phase)
        cached = self._groups.get(key)
        if cached is not None:
            return cached
        chain = self.allowed.chain(leg)
        board = self.network.locations[leg.origin]
        groups: dict[int, list[tuple[int, RideTemplate]]] = {}
        for index in range(len(chain)):
            stops = [self.network.locations[step.destination] for step in chain[: index + 1]]
            if not leg.carries_domestic and stops[-1].country == board.country:
                continue  # cabotage: this carrier may not carry a box within one country
            if self._loops(board, stops) or loops_round(chain[: index + 1], self.allowed.sea_km):
                continue
            outcome = self.customs.ride(board, stops, phase)
            if outcome is None:
                continue
            before, (after, phase_after) = outcome
            template = self.template(board.id, chain[: index + 1], before, after, phase_after)
            groups.setdefault(template.clearance_before, []).append((index, template))
        joined = [(legs, aboard, False) for legs, aboard in self.passages(leg)]
        for legs, aboard, trip in joined + [(legs, 0, True) for legs in self.allowed.trips(leg)]:
            stops = [self.network.locations[step.destination] for step in legs]
            if self._loops(board, stops):
                continue
            outcome = self.customs.ride(board, stops, phase)
            if outcome is None:
                continue
            before, (after, phase_after) = outcome
            template = self.template(board.id, legs, before, after, phase_after, aboard, trip)
            groups.setdefault(template.clearance_before, []).append((len(legs) - 1, template))
        result = tuple((minutes, tuple(items)) for minutes, items in sorted(groups.items()))
        self._groups[key] = result
        return result

    @staticmethod
    def _loops(board: Location, stops: Sequence[Location]) -> bool:
        """Whether a ride leaves its boarding city only to alight in it again."""
        home = board.city_code
        return stops[-1].city_code == home and any(s.city_code != home for s in stops[:-1])

    # ------------------------------------------------------------------ lower bounds
    @cached_property
    def bounds(self) -> Bounds:
        """Lower bounds to the destination (:func:`~solvers.quoting.bounds.lower_bounds`).

        By location, none for the origin of a point (:meth:`remaining` gives it).
        """
        return self._remember("bounds", lambda: lower_bounds(self))

    def remaining(self, location: str) -> tuple[int, int, int] | None:
        """Lower bounds (minutes, fen, grams) to the destination, ``None`` if unreachable."""
        if location == ORIGIN:
            return (0, 0, 0)
        return self.bounds.get(location)

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
