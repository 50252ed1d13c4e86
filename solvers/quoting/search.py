"""Exact multi-criteria label-setting over the timetable (in the spirit of McRAPTOR).

Criteria, all integers and all to be minimised: arrival (minutes), price (fen), CO2e (grams),
with the number of rides as the tie-break.

**Dominance.** Label ``a`` dominates ``b`` when ``a`` is no later, no dearer and emits no more,
and, if all three are equal, takes no more rides. When the request caps the transfers, rides are
a fourth criterion instead (a label with fewer rides may go where the other may not). Labels are
compared only within one *state* — location, arriving mode, customs phase and the set of required
hubs visited — because labels that differ in state can continue differently. The returned set is
Pareto-optimal on (arrival, price, CO2e): an option is dropped only if another is at least as good
on all three and better on one; of options equal on all three one stays, the one with the fewest
rides among those the search completes.

**Cities.** A box may not enter a city again (see :mod:`.model`), so a label that has been
in fewer cities may have more ways on: a label dominates only labels that have been in every
city it has been in. Tracking every city would split the bags for a rule that almost never
binds, so cities are tracked only once they matter (decremental state-space relaxation): the
search first tracks none, and while an answer comes back to a city, it runs again tracking
those cities too. An answer that comes back to no city is exact: any itinerary the relaxation
dropped is dominated by one of its options, and those keep the rule.

**Exactness.** Every criterion only grows along a path and every ride takes time, so a label that
is dominated (within its state, or by a finished option given lower bounds on the rest of the
way) cannot lead to an option outside the dominated set; timetables are FIFO (a later departure of
the same ride arrives later at the same price), so the earliest feasible departure per ride
suffices. A ride is weighed before its departures are looked up, on values no better than any
of its departures gives (the leg's first boardable departure plus the minutes aboard, the
template's lowest price, its CO2e): if a finished option or a label in the ride's bag dominates
those, it dominates every departure of the ride, so the lookup is skipped. Labels are expanded in
order of (time + lower bound on the time still needed, price, CO2e, rides, insertion):
goal-directed, so options are found early and prune the rest, and the result is deterministic.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

from graph import Mode
from solvers.quoting.drayage import ORIGIN
from solvers.quoting.model import QuoteModel
from solvers.quoting.rides import NEVER, Finish, Ride, RideTemplate

State = tuple[str, Mode | None, int, int]


@dataclass(slots=True, eq=False)
class Label:
    """A partial itinerary: where the box is, when, at what cost so far, and how it got there."""

    time: int
    price: int
    co2: int
    rides: int
    state: State
    cities: int  # bits of the tracked cities the box has been in (see Cities above)
    parent: Label | None
    ride: Ride | None
    alive: bool = True

    def dominates(self, other: Label) -> bool:
        """No later, dearer or dirtier than ``other``, and no more rides if equal on those.

        And in no city ``other`` has not been in.
        """
        return (
            self.cities | other.cities == other.cities
            and self.time <= other.time
            and self.price <= other.price
            and self.co2 <= other.co2
            and (
                self.rides <= other.rides
                or self.time < other.time
                or self.price < other.price
                or self.co2 < other.co2
            )
        )

    def dominates_counting_rides(self, other: Label) -> bool:
        """No later, dearer or dirtier than ``other``, no more rides, in no other city."""
        return (
            self.cities | other.cities == other.cities
            and self.time <= other.time
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
    rounds: int = 1  # searches run, tracking more cities each time (see Cities above)


@dataclass(slots=True)
class ParetoResult:
    """The Pareto set found, with statistics."""

    arrivals: list[Arrival]
    stats: SearchStats = field(default_factory=SearchStats)


def pareto_search(model: QuoteModel) -> ParetoResult:
    """All Pareto-optimal itineraries of the quote (see the module docstring)."""
    tracked, rounds = 0, 1
    while True:
        result = _pareto(model, tracked)
        result.stats.rounds = rounds
        revisited = _revisited(model, [arrival.rides for arrival in result.arrivals])
        if not revisited & ~tracked:
            return result
        tracked |= revisited
        rounds += 1


def _pareto(model: QuoteModel, tracked: int) -> ParetoResult:
    """The Pareto set keeping the city rule for the ``tracked`` cities only."""
    stats = SearchStats()
    bags: dict[State, list[Label]] = {}
    finished: list[Label] = []
    queue: list[tuple[int, int, int, int, int, Label]] = []
    counter = itertools.count()
    capped = model.max_rides < NEVER
    dominates = Label.dominates_counting_rides if capped else Label.dominates
    # a plain dict is quicker to read than the shared read-only mapping; a ride never alights
    # at a point's origin, so its entry serves only the labels there (model.remaining)
    bounds = dict(model.bounds)
    bounds[ORIGIN] = (0, 0, 0)
    deadline, max_price, max_co2 = model.deadline, model.max_price_fen, model.max_co2e_g
    # the label being expanded, as keep reads it
    spent = emitted = rides = mask = cities = 0

    def keep(template: RideTemplate, earliest: int) -> bool:
        """Whether a ride template from the label being expanded can still lead to an option.

        Decided before the template's departures are looked up, on lower bounds: the earliest
        the box could be available after it, its lowest price, plus the bounds from its
        alighting call onwards. A ride no better than those bounds that a label in its bag
        dominates is dominated by it too, whatever its departure.
        """
        bound = bounds.get(template.alight)
        if bound is None:
            return False
        price = spent + template.price_fen
        co2 = emitted + template.co2e_g
        reach, least, cleanest = earliest + bound[0], price + bound[1], co2 + bound[2]
        if reach > deadline:
            stats.pruned_by_deadline += 1
        elif least > max_price:
            stats.pruned_by_budget += 1
        elif cleanest > max_co2:
            stats.pruned_by_co2e += 1
        elif finished and _reached(finished, reach, least, cleanest, rides, capped):
            stats.pruned_by_target += 1
        else:
            bag = bags.get(
                template.state
                if not mask
                else (template.alight, template.mode, template.phase, mask | template.mask)
            )
            if not bag or not _beaten(
                bag, earliest, price, co2, rides, cities | template.enters & tracked, capped
            ):
                return True
            stats.pruned_by_bag += 1
        return False

    def push(
        time: int,
        price: int,
        co2: int,
        rides: int,
        state: State,
        cities: int,
        parent: Label | None,
        ride: Ride | None,
    ) -> None:
        bound = bounds.get(state[0])
        if bound is None:
            return
        reach, least, cleanest = time + bound[0], price + bound[1], co2 + bound[2]
        if reach > deadline:
            stats.pruned_by_deadline += 1
            return
        if least > max_price:
            stats.pruned_by_budget += 1
            return
        if cleanest > max_co2:
            stats.pruned_by_co2e += 1
            return
        if finished and _reached(finished, reach, least, cleanest, rides, capped):
            stats.pruned_by_target += 1
            return
        bag = bags.get(state)
        if bag is None:
            bag = bags[state] = []
        elif _beaten(bag, time, price, co2, rides, cities, capped):
            stats.pruned_by_bag += 1
            return
        label = Label(time, price, co2, rides, state, cities, parent, ride)
        if bag:
            for other in bag:
                if dominates(label, other):
                    other.alive = False
            bag[:] = [other for other in bag if other.alive]
        bag.append(label)
        stats.labels += 1
        heapq.heappush(queue, (reach, price, co2, rides, next(counter), label))

    for origin in model.origins:
        start: State = (origin, None, model.start_phase, model.start_mask(origin))
        push(model.ready, 0, 0, 0, start, model.city_bit(origin) & tracked, None, None)
    while queue:
        *_, label = heapq.heappop(queue)
        if not label.alive:
            continue
        location, arriving, phase, mask = label.state
        if finished:
            bound = bounds[location]  # pushed labels have one
            time = label.time + bound[0]
            price, co2 = label.price + bound[1], label.co2 + bound[2]
            if _reached(finished, time, price, co2, label.rides, capped):
                stats.pruned_by_target += 1
                continue
        stats.expanded += 1
        end = model.finish(location, label.time, arriving, phase)
        if end is not None and model.hubs_satisfied(mask):
            final = Label(
                end.time, label.price + end.price_fen, label.co2 + end.co2e_g, label.rides,
                label.state, 0, label.parent, label.ride,
            )  # fmt: skip
            if not any(dominates(other, final) for other in finished):
                finished[:] = [other for other in finished if not dominates(final, other)]
                finished.append(final)
            continue
        rides = label.rides + 1
        if rides > model.max_rides:  # no ride is left to take
            stats.pruned_by_transfers += 1
            continue
        spent, emitted, cities = label.price, label.co2, label.cities
        for ride in model.rides_from(
            location, label.time, arriving, phase, keep=keep, cities=cities
        ):
            template = ride.template
            price = label.price + (ride.price_fen if template.prices else template.price_fen)
            co2 = label.co2 + template.co2e_g
            state = (
                template.state
                if not mask
                else (template.alight, template.mode, template.phase, mask | template.mask)
            )
            push(
                ride.available,
                price,
                co2,
                rides,
                state,
                cities | template.enters & tracked,
                label,
                ride,
            )
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

    A time-dependent Dijkstra, goal-directed by the same lower bounds as the Pareto search.
    Prices and emissions are carried but not compared; a label is dropped for one in the same
    state that is no later and has been in no tracked city it has not (cities are tracked as in
    the Pareto search).
    """
    tracked = 0
    while True:
        arrival = _earliest(model, tracked)
        revisited = _revisited(model, [arrival.rides] if arrival else [])
        if not revisited & ~tracked:
            return arrival
        tracked |= revisited


def _earliest(model: QuoteModel, tracked: int) -> Arrival | None:
    starts = [_start(model, origin, tracked) for origin in model.origins]
    # with a transfer cap a later arrival with fewer rides may still go on: rides join the key
    capped = model.max_rides < NEVER
    best: dict[tuple[State, int], list[Label]] = {}
    counter = itertools.count()
    queue: list[tuple[int, int, Label, Finish | None]] = []

    def push(label: Label, key: int) -> None:
        bag = best.setdefault((label.state, label.rides if capped else 0), [])
        for other in bag:
            if other.time <= label.time and other.cities | label.cities == label.cities:
                return
        for other in bag:
            if label.time <= other.time and label.cities | other.cities == other.cities:
                other.alive = False
        bag[:] = [other for other in bag if other.alive]
        bag.append(label)
        heapq.heappush(queue, (key, next(counter), label, None))

    for start in starts:
        push(start, start.time)
    while queue:
        _, _, label, end = heapq.heappop(queue)
        if end is not None:  # arrivals queue by their end time, so the first out is the earliest
            return Arrival(
                tuple(label.path()), end.time, label.price + end.price_fen, label.co2 + end.co2e_g
            )
        if not label.alive:
            continue
        time = label.time
        location, arriving, phase, mask = label.state
        end = model.finish(location, time, arriving, phase)
        if end is not None and model.hubs_satisfied(mask):
            heapq.heappush(queue, (end.time, next(counter), label, end))
            continue
        rides = label.rides + 1
        if rides > model.max_rides:
            continue
        for ride in model.rides_from(location, time, arriving, phase, cities=label.cities):
            bound = model.remaining(ride.alight)
            if bound is None or ride.available + bound[0] > model.deadline:
                continue
            state = (ride.alight, ride.mode, ride.phase, mask | ride.template.mask)
            child = Label(
                ride.available,
                label.price + ride.price_fen,
                label.co2 + ride.co2e_g,
                rides,
                state,
                label.cities | ride.template.enters & tracked,
                label,
                ride,
            )
            push(child, ride.available + bound[0])
    return None


def _start(model: QuoteModel, origin: str, tracked: int) -> Label:
    """The box at one of the origin's terminals at the ready time."""
    state = (origin, None, model.start_phase, model.start_mask(origin))
    return Label(model.ready, 0, 0, 0, state, model.city_bit(origin) & tracked, None, None)


def _revisited(model: QuoteModel, itineraries: list[tuple[Ride, ...]]) -> int:
    """Bits of the cities that some of ``itineraries`` enter again after leaving them."""
    revisited = 0
    for rides in itineraries:
        been = model.city_bit(rides[0].board) if rides else 0
        for ride in rides:
            entered = ride.template.enters
            if entered & been:
                revisited |= entered
            been |= entered
    return revisited


def _beaten(
    bag: list[Label], time: int, price: int, co2: int, rides: int, cities: int, capped: bool
) -> bool:
    """Whether a label of ``bag`` dominates a label with these values (see Label.dominates)."""
    for other in bag:
        if (
            other.time <= time
            and other.price <= price
            and other.co2 <= co2
            and other.cities | cities == cities
            and (
                other.rides <= rides
                or (not capped and (other.time < time or other.price < price or other.co2 < co2))
            )
        ):
            return True
    return False


def _reached(
    finished: list[Label], time: int, price: int, co2: int, rides: int, capped: bool
) -> bool:
    """Whether a finished option dominates a label whose best completion is (time, price, co2).

    Without a transfer cap an equal option with more rides does not, so the label may still
    bring the same option with fewer rides.
    """
    for f in finished:
        if (
            f.time <= time
            and f.price <= price
            and f.co2 <= co2
            and (
                f.rides <= rides
                or (not capped and (f.time < time or f.price < price or f.co2 < co2))
            )
        ):
            return True
    return False


def _order(label: Label) -> tuple[int, int, int, int]:
    return (label.time, label.price, label.co2, label.rides)
