"""Exact multi-criteria label-setting over the timetable (in the spirit of McRAPTOR).

Criteria, all integers and all to be minimised: arrival (minutes), price (fen), CO2e (grams),
with the number of rides as the tie-break.

**Dominance.** Label ``a`` dominates ``b`` when ``a`` is no later, no dearer, emits no more and
takes no more rides. Inside the search labels are compared only within one *state* — location,
arriving mode, customs phase and the set of required hubs visited — because two labels that differ
in state can continue differently. At the destination the returned set is Pareto-optimal on
(arrival, price, CO2e): an option is dropped only if another is at least as good on all three and
better on one, or equal on all three with fewer rides; between exact ties the first found stays.

**Exactness.** Every criterion only grows along a path and every ride takes time, so a label that
is dominated (within its state, or by a finished option) cannot lead to an option outside the
dominated set; timetables are FIFO (a later departure of the same ride arrives later at the same
price), so the earliest feasible departure per ride suffices. Labels are expanded in order of
(time, price, CO2e, rides, insertion), which makes the result deterministic.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from graph import Mode
from solvers.model import Keep, QuoteModel, Ride, RideTemplate

State = tuple[str, Mode | None, int, int]


@dataclass(slots=True, eq=False)
class Label:
    """A partial itinerary: where the box is, when, at what cost so far, and how it got there."""

    time: int
    price: int
    co2: int
    rides: int
    state: State
    parent: Label | None
    ride: Ride | None
    alive: bool = True

    def dominates(self, other: Label) -> bool:
        """No later, dearer, dirtier and with no more rides than ``other``."""
        return (
            self.time <= other.time
            and self.price <= other.price
            and self.co2 <= other.co2
            and self.rides <= other.rides
        )

    def path(self) -> list[Ride]:
        """The rides from the origin to this label, in order."""
        rides: list[Ride] = []
        label: Label | None = self
        while label is not None:
            if label.ride is not None:
                rides.append(label.ride)
            label = label.parent
        rides.reverse()
        return rides


@dataclass(frozen=True, slots=True)
class Arrival:
    """A Pareto-optimal way to the destination: its rides and its criteria."""

    rides: tuple[Ride, ...]
    time: int
    price: int
    co2: int

    @property
    def transfers(self) -> int:
        """Changes of ride."""
        return max(len(self.rides) - 1, 0)

    @property
    def criteria(self) -> tuple[int, int, int]:
        """(arrival minutes, price fen, CO2e grams)."""
        return (self.time, self.price, self.co2)


@dataclass(slots=True)
class SearchStats:
    """What the search did, for explanations and benchmarks."""

    labels: int = 0
    expanded: int = 0
    pruned_by_bag: int = 0
    pruned_by_target: int = 0
    pruned_by_deadline: int = 0
    pruned_by_budget: int = 0
    pruned_by_co2e: int = 0
    pruned_by_transfers: int = 0


@dataclass(slots=True)
class ParetoResult:
    """The Pareto set found, with statistics."""

    arrivals: list[Arrival]
    stats: SearchStats = field(default_factory=SearchStats)


def pareto_search(model: QuoteModel) -> ParetoResult:
    """All Pareto-optimal itineraries of the quote (see the module docstring)."""
    stats = SearchStats()
    bags: dict[State, list[Label]] = {}
    finished: list[Label] = []
    queue: list[tuple[int, int, int, int, int, Label]] = []
    counter = itertools.count()

    def push(label: Label) -> None:
        bound = model.remaining(label.state[0])
        if bound is None:
            return
        time, price, co2 = label.time + bound[0], label.price + bound[1], label.co2 + bound[2]
        if time > model.deadline:
            stats.pruned_by_deadline += 1
            return
        if price > model.max_price_fen:
            stats.pruned_by_budget += 1
            return
        if co2 > model.max_co2e_g:
            stats.pruned_by_co2e += 1
            return
        if any(
            f.time <= time and f.price <= price and f.co2 <= co2 and f.rides <= label.rides
            for f in finished
        ):
            stats.pruned_by_target += 1
            return
        bag = bags.setdefault(label.state, [])
        for other in bag:
            if other.dominates(label):
                stats.pruned_by_bag += 1
                return
        for other in bag:
            if label.dominates(other):
                other.alive = False
        bag[:] = [other for other in bag if other.alive]
        bag.append(label)
        stats.labels += 1
        heapq.heappush(queue, (time, label.price, label.co2, label.rides, next(counter), label))

    push(
        Label(
            model.ready,
            0,
            0,
            0,
            (model.origin, None, model.start_phase, model.start_mask()),
            None,
            None,
        )
    )
    while queue:
        *_, label = heapq.heappop(queue)
        if not label.alive or _dominated_by_finished(label, finished):
            if label.alive:
                stats.pruned_by_target += 1
            continue
        stats.expanded += 1
        location, arriving, phase, mask = label.state
        end = model.finish(location, label.time, arriving, phase)
        if end is not None and model.hubs_satisfied(mask):
            final = Label(
                end.time, label.price + end.price_fen, label.co2 + end.co2e_g, label.rides,
                label.state, label.parent, label.ride,
            )  # fmt: skip
            if not _dominated_by_finished(final, finished):
                finished[:] = [other for other in finished if not final.dominates(other)]
                finished.append(final)
            continue
        for ride in model.rides_from(
            location, label.time, arriving, phase, keep=_keeper(model, label, finished, stats)
        ):
            price = label.price + ride.template.price_fen
            co2 = label.co2 + ride.template.co2e_g
            rides = label.rides + 1
            if price > model.max_price_fen:
                stats.pruned_by_budget += 1
                continue
            if co2 > model.max_co2e_g:
                stats.pruned_by_co2e += 1
                continue
            if rides > model.max_rides:
                stats.pruned_by_transfers += 1
                continue
            template = ride.template
            state = (template.alight, template.mode, template.phase, mask | template.mask)
            push(Label(ride.available, price, co2, rides, state, label, ride))
    kept: list[Label] = []
    for label in sorted(finished, key=_order):
        if not any(
            k.time <= label.time and k.price <= label.price and k.co2 <= label.co2 for k in kept
        ):
            kept.append(label)
    arrivals = [Arrival(tuple(label.path()), label.time, label.price, label.co2) for label in kept]
    return ParetoResult(arrivals, stats)


def earliest_arrival(model: QuoteModel) -> Arrival | None:
    """The earliest arrival alone: the floor the Pareto search is measured against.

    Prices and emissions are carried but not compared.
    """
    start = Label(
        model.ready,
        0,
        0,
        0,
        (model.origin, None, model.start_phase, model.start_mask()),
        None,
        None,
    )
    best: dict[State, int] = {start.state: start.time}
    queue: list[tuple[int, int, Label]] = [(start.time, 0, start)]
    counter = itertools.count(1)
    while queue:
        time, _, label = heapq.heappop(queue)
        if best.get(label.state, time) < time:
            continue
        location, arriving, phase, mask = label.state
        end = model.finish(location, time, arriving, phase)
        if end is not None and model.hubs_satisfied(mask):
            return Arrival(
                tuple(label.path()), end.time, label.price + end.price_fen, label.co2 + end.co2e_g
            )
        for ride in _rides(model, label):
            if label.rides + 1 > model.max_rides:
                continue
            state = (ride.alight, ride.mode, ride.phase, mask | ride.template.mask)
            if ride.available < best.get(state, ride.available + 1):
                best[state] = ride.available
                child = Label(
                    ride.available,
                    label.price + ride.price_fen,
                    label.co2 + ride.co2e_g,
                    label.rides + 1,
                    state,
                    label,
                    ride,
                )
                heapq.heappush(queue, (ride.available, next(counter), child))
    return None


def _rides(model: QuoteModel, label: Label) -> Iterator[Ride]:
    location, arriving, phase, _ = label.state
    return model.rides_from(location, label.time, arriving, phase)


def _keeper(model: QuoteModel, label: Label, finished: list[Label], stats: SearchStats) -> Keep:
    """Whether a ride template from ``label`` can still lead to a Pareto option.

    Decided before the template's departures are looked up, on lower bounds: the earliest the
    box could be available after it plus the bounds from its alighting call onwards.
    """
    rides = label.rides + 1

    def keep(template: RideTemplate, earliest: int) -> bool:
        bound = model.remaining(template.alight)
        if bound is None:
            return False
        time = earliest + bound[0]
        price = label.price + template.price_fen + bound[1]
        co2 = label.co2 + template.co2e_g + bound[2]
        if rides > model.max_rides:
            stats.pruned_by_transfers += 1
        elif time > model.deadline:
            stats.pruned_by_deadline += 1
        elif price > model.max_price_fen:
            stats.pruned_by_budget += 1
        elif co2 > model.max_co2e_g:
            stats.pruned_by_co2e += 1
        elif any(
            f.time <= time and f.price <= price and f.co2 <= co2 and f.rides <= rides
            for f in finished
        ):
            stats.pruned_by_target += 1
        else:
            return True
        return False

    return keep


def _dominated_by_finished(label: Label, finished: list[Label]) -> bool:
    return any(final.dominates(label) for final in finished)


def _order(label: Label) -> tuple[int, int, int, int]:
    return (label.time, label.price, label.co2, label.rides)
