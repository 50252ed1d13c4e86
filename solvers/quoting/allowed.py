"""The rules that decide which legs, chains, truck trips and sea passages a box may take at all.

They depend on the cargo and the filters only, not on the endpoints or dates, so quotes of one
cargo under one set of filters share what they find (:class:`~solvers.quoting.caches.Allowed`).
Found place by place and leg by leg as solvers reach them: a quote pays for the part of the
network it explores, not the rest.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from graph import LocationKind, Mode, Network, ServiceLeg, Status
from solvers.cargo import Cargo
from solvers.pricing import Pricer
from solvers.quoting.caches import allowed
from solvers.quoting.passages import Passage, is_passage, sea_km_from
from solvers.types import Filters

#: A truck trip drives at most this many road legs. A modelling rule, no published figure: the
#: road legs are drayage links between neighbouring hubs, and three of them already make a day's
#: drive at the network's truck speeds; it bounds the rides a place offers.
TRUCK_TRIP_LEGS = 3


class AllowedNetwork:
    """``network`` as ``cargo`` under ``filters`` may use it (priced by ``pricers``)."""

    def __init__(
        self, network: Network, cargo: Cargo, filters: Filters, pricers: Sequence[Pricer]
    ) -> None:
        self.network = network
        self.cargo = cargo
        self.filters = filters
        self.pricers = pricers
        self.memo = allowed(network, cargo, filters)

    def legs_from(self, location: str) -> tuple[ServiceLeg, ...]:
        """Allowed legs leaving ``location``, ordered by id (determinism)."""
        known = self.memo.legs_from
        found = known.get(location)
        if found is None:
            found = known[location] = tuple(
                leg for leg in self.network.legs_from(location) if self.allows(leg)
            )
        return found

    def allows(self, leg: ServiceLeg) -> bool:
        """Whether the request lets the box travel on ``leg`` at all."""
        known = self.memo.legs
        found = known.get(leg.id)
        if found is None:
            found = known[leg.id] = self._allows(leg)
        return found

    def _allows(self, leg: ServiceLeg) -> bool:
        filters = self.filters
        return (
            self.network.is_operating(leg)
            and (leg.status is Status.ACTIVE or leg.status in filters.include_statuses)
            and leg.mode in filters.modes
            and self.cargo.cargo_class in leg.cargo_classes
            and (leg.capacity_teu is None or leg.capacity_teu >= self.cargo.teu)
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
        known = self.memo.chains
        found = known.get(leg.id)
        if found is None:
            chain = [leg]
            while (nxt := self.network.next_leg(chain[-1])) is not None and self.allows(nxt):
                chain.append(nxt)
            found = known[leg.id] = tuple(chain)
        return found

    def trips(self, leg: ServiceLeg) -> tuple[tuple[ServiceLeg, ...], ...]:
        """The truck trips boarding the allowed road ``leg`` that drive on beyond its end.

        Each goes on over allowed road legs: its service's next, or another's the truck drives
        on to (:meth:`~graph.network.Network.drives_on`), at least once; ``TRUCK_TRIP_LEGS`` at
        most in all, never calling at a place twice nor coming back to a city it has left (it may
        move between the terminals of the city it is in); in order of the legs' ids. And a truck
        takes the shortest way: a trip longer than another way by road from the same place to
        the same end (a leg, a service's legs or a trip) is left out: it would be slower, dearer
        and dirtier. None for other modes: their rides stay aboard one service.
        """
        known = self.memo.trips
        found = known.get(leg.id)
        if found is None:
            if leg.mode is Mode.ROAD:
                self._find_trips(leg.origin)
                found = known[leg.id]
            else:
                found = known[leg.id] = ()
        return found

    def _find_trips(self, place: str) -> None:
        """The trips of every allowed road leg from ``place`` (see :meth:`trips`)."""
        roads = [leg for leg in self.legs_from(place) if leg.mode is Mode.ROAD]
        every = {leg.id: tuple(self._trips((leg,), self._left((leg,)), False)) for leg in roads}
        shortest: dict[str, float] = {}
        aboard = [chain[:calls] for leg in roads for chain in [self.chain(leg)]
                  for calls in range(1, len(chain) + 1)]  # fmt: skip
        for way in aboard + [trip for trips in every.values() for trip in trips]:
            end = way[-1].destination
            shortest[end] = min(shortest.get(end, _km(way)), _km(way))
        for leg in roads:
            self.memo.trips[leg.id] = tuple(
                trip
                for trip in every[leg.id]
                if _km(trip) <= shortest[trip[-1].destination] * (1 + 1e-9)
            )

    def _trips(
        self, trip: tuple[ServiceLeg, ...], left: frozenset[str], driven_on: bool
    ) -> Iterator[tuple[ServiceLeg, ...]]:
        """The trips longer than ``trip``, which has left the cities ``left``.

        ``driven_on`` once it has gone on from one service to another.
        """
        if len(trip) == TRUCK_TRIP_LEGS:
            return
        last = trip[-1]
        aboard = self.network.next_leg(last)
        called = {trip[0].origin, *(step.destination for step in trip)}
        for onward in self.legs_from(last.destination):
            if onward.destination in called or self._city(onward.destination) in left:
                continue
            if aboard is not None and onward.id == aboard.id:
                changed = driven_on
            elif self.network.drives_on(last, onward):
                changed = True
            else:
                continue
            longer = (*trip, onward)
            if changed:
                yield longer
            yield from self._trips(longer, self._left(longer), changed)

    def _left(self, trip: tuple[ServiceLeg, ...]) -> frozenset[str]:
        """The cities ``trip`` has left: those it called at before the city it is in."""
        here = self._city(trip[-1].destination)
        return frozenset(
            city
            for city in (self._city(trip[0].origin), *(self._city(s.destination) for s in trip))
            if city != here
        )

    def _city(self, location: str) -> str:
        return self.network.city_of(location)

    def trips_into(self, place: str) -> tuple[tuple[ServiceLeg, ...], ...]:
        """The truck trips (:meth:`trips`) that end at ``place``."""
        known = self.memo.trips_into
        found = known.get(place)
        if found is None:
            firsts: dict[str, ServiceLeg] = {}  # the road legs a trip to ``place`` may board
            ends = {place}
            for _ in range(TRUCK_TRIP_LEGS):
                steps = [
                    step
                    for end in sorted(ends)
                    for step in self.network.legs_into(end)
                    if step.mode is Mode.ROAD and self.allows(step)
                ]
                firsts.update((step.id, step) for step in steps)
                ends = {step.origin for step in steps}
            found = known[place] = tuple(
                trip
                for _, first in sorted(firsts.items())
                for trip in self.trips(first)
                if trip[-1].destination == place
            )
        return found

    def boardings(self, last: ServiceLeg) -> Iterator[ServiceLeg]:
        """The allowed legs whose chain reaches the allowed ``last``: it, and back while allowed."""
        first: ServiceLeg | None = last
        while first is not None and self.allows(first):
            yield first
            first = self.network.previous_leg(first)

    def sea_boardings(self, port: str) -> tuple[ServiceLeg, ...]:
        """The allowed sea legs whose chain reaches the seaport ``port`` (none elsewhere)."""
        known = self.memo.sea_boardings
        found = known.get(port)
        if found is None:
            found = known[port] = (
                tuple(
                    first
                    for step in self.network.legs_into(port)
                    for first in self.boardings(step)
                    if first.mode is Mode.SEA
                )
                if self.network.locations[port].kind is LocationKind.SEAPORT
                else ()
            )
        return found

    def joins(self, leg: ServiceLeg) -> tuple[tuple[int, ServiceLeg], ...]:
        """Where a box boarding the allowed ``leg`` can transship onto another ship on one bill.

        For a sea leg: (calls aboard before the transshipment, the connecting leg), at the
        seaports of its chain, onto another service's allowed sea leg; none for other modes.
        """
        known = self.memo.joins
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
        """Every sea passage boarding ``leg``, whatever the home country.

        A quote keeps those that do not unload an export in its home country again
        (:meth:`~solvers.quoting.model.QuoteModel.passages`).
        """
        known = self.memo.passages
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

        Each port's distances are found when first asked for.
        """
        known = self.memo.sea_km
        found = known.get(start)
        if found is None:
            found = known[start] = sea_km_from(start, self._sailings)
        return found.get(end)

    def _sailings(self, port: str) -> Sequence[tuple[str, float, None]]:
        known = self.memo.sailings
        found = known.get(port)
        if found is None:
            found = known[port] = tuple(
                (leg.destination, leg.distance_km, None)
                for leg in self.legs_from(port)
                if leg.mode is Mode.SEA
            )
        return found


def _km(legs: Sequence[ServiceLeg]) -> float:
    return sum(leg.distance_km for leg in legs)
