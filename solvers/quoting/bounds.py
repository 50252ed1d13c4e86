"""Lower bounds on the time, price and CO2e still needed to reach the destination.

Shortest paths backwards over every ride, sea passage and truck trip the filters allow, each
criterion on its own, ignoring waiting, handling and customs, so never too high: the search
prunes a label whose bounds cannot beat what it already has, and the time-expanded model drops
arcs the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

from graph import Mode, ServiceLeg
from solvers.paths import shortest_paths
from solvers.pricing import total_fen
from solvers.quoting.caches import BoundEdge, Bounds
from solvers.quoting.drayage import DESTINATION
from solvers.quoting.rides import NEVER

if TYPE_CHECKING:
    from solvers.quoting.model import QuoteModel


def lower_bounds(model: QuoteModel) -> Bounds:
    """(minutes, fen, grams) from each place that reaches the destination, to it."""
    # the edges depend on the cargo and filters only, the bounds on the destination too:
    # quotes from anywhere to a terminal or city share them (a door point has its own)
    shared = model.allowed.memo
    destination = model.request.destination
    by_place = destination.lat is None
    if by_place and destination in shared.bounds_to:
        return shared.bounds_to[destination]
    last_mile = model.drayage.last_mile_edges()
    edges = _Edges(model)

    def edges_into(place: str) -> Sequence[BoundEdge]:
        return last_mile if place == DESTINATION else edges.into(place)

    def backwards(criterion: int) -> Callable[[str], Iterator[tuple[str, int, None]]]:
        """Steps back from a place on one criterion: 0 time, 1 price, 2 CO2e."""

        def steps(place: str) -> Iterator[tuple[str, int, None]]:
            for board, *weights in edges_into(place):
                yield board, weights[criterion], None

        return steps

    locations = model.network.locations
    hub = {
        end: 0 if end == DESTINATION else model.emitter.hub_g(locations[end])
        for end in sorted(model.destinations)
    }
    per_criterion = [
        shortest_paths(
            {end: 0 if criterion < 2 else g for end, g in hub.items()},
            backwards(criterion),
        ).cost
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


class _Edges:
    """Every allowed ride, passage and truck trip as a lower-bound edge, by where it alights."""

    def __init__(self, model: QuoteModel) -> None:
        self.allowed = model.allowed
        self.network = model.network
        self.index = model.index
        self.emitter = model.emitter
        self.pricers = model.pricers
        self.ride_fen = model.ride_fen

    def into(self, alight: str) -> tuple[BoundEdge, ...]:
        """The edges alighting at ``alight``.

        Found when the backward searches first reach ``alight``, once per cargo and filters.
        """
        known = self.allowed.memo.edges_into
        found = known.get(alight)
        if found is None:
            found = known[alight] = (
                *self._rides(alight),
                *self._passages(alight),
                *self._trips(alight),
            )
        return found

    def _rides(self, alight: str) -> Iterator[BoundEdge]:
        """One edge per ride on one service alighting at ``alight``."""
        locations = self.network.locations
        there = locations[alight]
        for last in self.network.legs_into(alight):
            minutes = co2 = 0
            legs: tuple[ServiceLeg, ...] = ()
            for first in self.allowed.boardings(last):
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

    def _trips(self, alight: str) -> Iterator[BoundEdge]:
        """One edge per truck trip alighting at ``alight``."""
        locations = self.network.locations
        there = locations[alight]
        for legs in self.allowed.trips_into(alight):
            board = locations[legs[0].origin]
            price = min(
                total_fen(pricer.handling(board, Mode.ROAD))
                + self.ride_fen(legs, board.id, alight, pricer)
                + total_fen(pricer.handling(there, Mode.ROAD))
                for pricer in self.pricers
            )
            minutes = sum(self.index.transit_minutes(leg.id) for leg in legs)
            co2 = sum(self.emitter.leg_g(leg) for leg in legs) + self.emitter.hub_g(board)
            yield (board.id, minutes, price, co2)

    def _passages(self, alight: str) -> list[BoundEdge]:
        """One edge per port a sea passage alighting at ``alight`` boards at.

        Each criterion its own minimum over the passages between the two ports, and every
        passage counted whatever the home country: lower bounds, never too high.
        """
        firsts: dict[str, ServiceLeg] = {}  # the first ships' boarding legs that may get here
        for last in self.network.legs_into(alight):
            for onward in self.allowed.boardings(last):
                if onward.mode is Mode.SEA:
                    firsts.update(
                        (first.id, first)
                        for first in self.allowed.sea_boardings(onward.origin)
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

    def _passage_bounds(self, leg: ServiceLeg) -> Bounds:
        """(minutes, fen, grams) of the passages boarding ``leg``, by alighting place.

        Each criterion its own minimum over the passages to the same place.
        """
        known = self.allowed.memo.passage_bounds
        found = known.get(leg.id)
        if found is not None:
            return found
        locations = self.network.locations
        board = locations[leg.origin]
        best: dict[str, tuple[int, int, int]] = {}
        for legs, aboard in self.allowed.passages(leg):
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
