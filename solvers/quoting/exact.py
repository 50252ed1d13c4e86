"""The quote as a CP-SAT model on the time-expanded network inside the horizon.

Nodes are *states* (location, time, arriving mode, customs phase) reached by some ride, one
*slot* node per departure a box could board from a location in a phase with a given clearance
before the cut-off, a source and a sink. Arcs, each a boolean ``x``:

- state -> the first slot of each (leg, clearance) whose cut-off the box can meet;
- slot -> the next slot of the same leg and clearance (waiting for a later departure);
- slot -> state for every ride that boards that departure (alighting at any later call);
- continuous (road) legs: state -> state directly, one arc per ride (a truck trip driving on
  over several road legs among them); the source -> origin state; destination
  states -> sink when the box is cleared there.

Constraints: one unit of flow from source to sink (flow conservation at every node); the path is
acyclic because every arc moves forward in time. Sum of ride arcs <= max transfers + 1; price
and CO2e sums under the budget and the cap; every required hub visited by some chosen ride (or
any one, by the hub rule); each city entered at most once (the source arc enters the origin's
city, a ride arc the city it alights in when it leaves its own), which on one path is the
search's rule that no ride enters a city the box has been in. Objective: minimum price (fen),
or minimum arrival (minutes).

The rides, prices and emissions come from :mod:`.model`, the same integers the search uses,
so the two optima can be compared exactly.
"""

from __future__ import annotations

import logging
import time
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from graph import Mode, ServiceLeg
from solvers.quoting.drayage import ORIGIN
from solvers.quoting.model import QuoteModel
from solvers.quoting.rides import Finish, Ride, RideTemplate
from solvers.types import HubRule, SolveStatus

if TYPE_CHECKING:  # OR-Tools (and the pandas it imports) loads only when a model is solved
    from ortools.sat.python import cp_model

log = logging.getLogger(__name__)

Objective = Literal["price", "arrival"]
StateKey = tuple[str, int, Mode | None, int]
SlotKey = tuple[str, int, int, int]  # leg id, phase, clearance minutes, departure index


@dataclass(frozen=True, slots=True)
class SolverLimits:
    """Bounds on a solve: wall time, random seed, worker threads (1 is deterministic)."""

    time_limit_s: float = 10.0
    seed: int = 0
    workers: int = 1


@dataclass(slots=True)
class Arc:
    """One arc of the time-expanded network."""

    tail: object
    head: object
    price_fen: int = 0
    co2e_g: int = 0
    ride: Ride | None = None
    finish: Finish | None = None


@dataclass(slots=True)
class BuiltModel:
    """The CP-SAT model and what is needed to read a solution back."""

    model: cp_model.CpModel
    arcs: list[Arc]
    variables: list[cp_model.IntVar]
    objective: Objective
    nodes: int
    empty: bool = False


@dataclass(slots=True)
class RawSolution:
    """What the solver returned."""

    status: SolveStatus
    chosen: list[int] = field(default_factory=list)
    objective: float | None = None
    bound: float | None = None
    elapsed_s: float = 0.0


@dataclass(frozen=True, slots=True)
class ExactResult:
    """An optimal (or best found) itinerary as rides, with the solver's verdict."""

    status: SolveStatus
    rides: tuple[Ride, ...]
    finish_time: int | None
    price_fen: int | None
    co2e_g: int | None
    objective: float | None
    bound: float | None
    elapsed_s: float
    arcs: int

    @property
    def gap(self) -> float | None:
        """Relative gap between the solution and the bound (0 when optimal)."""
        if self.objective is None or self.bound is None or self.objective == 0:
            return None
        return abs(self.objective - self.bound) / abs(self.objective)


def build(quote: QuoteModel, objective: Objective) -> BuiltModel:
    """Expand the reachable time-expanded network and state the model over it."""
    from ortools.sat.python import cp_model

    arcs = _expand(quote)
    model = cp_model.CpModel()
    variables = [model.new_bool_var(f"x{i}") for i in range(len(arcs))]
    if not any(arc.head == "sink" for arc in arcs):
        return BuiltModel(model, arcs, variables, objective, 0, empty=True)
    outgoing: dict[object, list[cp_model.IntVar]] = {}
    incoming: dict[object, list[cp_model.IntVar]] = {}
    for arc, variable in zip(arcs, variables, strict=True):
        outgoing.setdefault(arc.tail, []).append(variable)
        incoming.setdefault(arc.head, []).append(variable)
    nodes = set(outgoing) | set(incoming)
    for node in nodes:
        flow_out = sum(outgoing.get(node, []))
        flow_in = sum(incoming.get(node, []))
        if node == "source":
            model.add(flow_out == 1)
        elif node == "sink":
            model.add(flow_in == 1)
        else:
            model.add(flow_in == flow_out)
    rides = [(arc, var) for arc, var in zip(arcs, variables, strict=True) if arc.ride is not None]
    model.add(sum(var for _, var in rides) <= min(quote.max_rides, len(rides) + 1))
    if quote.max_price_fen < 2**62:
        model.add(sum(arc.price_fen * var for arc, var in rides) <= quote.max_price_fen)
    if quote.max_co2e_g < 2**62:
        model.add(
            sum((arc.co2e_g * var for arc, var in zip(arcs, variables, strict=True)))
            <= quote.max_co2e_g
        )
    starts = [(arc, var) for arc, var in zip(arcs, variables, strict=True) if arc.tail == "source"]
    _hub_constraints(quote, model, rides, starts)
    _city_constraints(quote, model, rides, starts)
    if objective == "price":
        # equal prices go to the earliest arrival (a forwarder quotes the first sailing at a price)
        finishes = [
            (arc.finish.time - quote.ready, var)
            for arc, var in zip(arcs, variables, strict=True)
            if arc.finish is not None
        ]
        span = max((minutes for minutes, _ in finishes), default=0) + 1
        model.minimize(
            span * sum(arc.price_fen * var for arc, var in rides)
            + sum(minutes * var for minutes, var in finishes)
        )
    else:
        model.minimize(
            sum(
                (arc.finish.time - quote.ready) * var
                for arc, var in zip(arcs, variables, strict=True)
                if arc.finish is not None
            )
        )
    return BuiltModel(model, arcs, variables, objective, len(nodes))


def solve(built: BuiltModel, limits: SolverLimits) -> RawSolution:
    """Run CP-SAT with a time limit and a seed; map its status."""
    if built.empty:
        return RawSolution(SolveStatus.INFEASIBLE)
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limits.time_limit_s
    solver.parameters.random_seed = limits.seed
    solver.parameters.num_workers = limits.workers
    log.debug("CP-SAT: %d arcs, %d nodes, limits %s", len(built.arcs), built.nodes, limits)
    started = time.perf_counter()
    code = solver.solve(built.model)
    elapsed = time.perf_counter() - started
    match code:
        case cp_model.OPTIMAL:
            status = SolveStatus.OPTIMAL
        case cp_model.FEASIBLE:
            status = SolveStatus.FEASIBLE
        case cp_model.INFEASIBLE:
            status = SolveStatus.INFEASIBLE
        case cp_model.UNKNOWN:
            status = SolveStatus.TIMEOUT
        case _:
            msg = f"CP-SAT rejected the model: {solver.status_name(code)}"
            raise RuntimeError(msg)
    if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        return RawSolution(status, elapsed_s=elapsed)
    chosen = [i for i, var in enumerate(built.variables) if solver.boolean_value(var)]
    return RawSolution(status, chosen, solver.objective_value, solver.best_objective_bound, elapsed)


def extract(quote: QuoteModel, built: BuiltModel, raw: RawSolution) -> ExactResult:
    """Follow the chosen arcs from source to sink into rides."""
    if not raw.chosen:
        return ExactResult(
            raw.status,
            (),
            None,
            None,
            None,
            raw.objective,
            raw.bound,
            raw.elapsed_s,
            len(built.arcs),
        )
    by_tail = {built.arcs[i].tail: built.arcs[i] for i in raw.chosen}
    rides: list[Ride] = []
    node: object = "source"
    finish: Finish | None = None
    while node != "sink":
        arc = by_tail[node]
        if arc.ride is not None:
            rides.append(arc.ride)
        if arc.finish is not None:
            finish = arc.finish
        node = arc.head
    assert finish is not None
    price = sum(ride.price_fen for ride in rides) + finish.price_fen
    co2 = sum(ride.co2e_g for ride in rides) + finish.co2e_g
    return ExactResult(
        raw.status, tuple(rides), finish.time, price, co2, raw.objective, raw.bound,
        raw.elapsed_s, len(built.arcs),
    )  # fmt: skip


def solve_exact(quote: QuoteModel, objective: Objective, limits: SolverLimits) -> ExactResult:
    """Build, solve and extract in one call."""
    built = build(quote, objective)
    return extract(quote, built, solve(built, limits))


# ---------------------------------------------------------------------------- the network
def _expand(quote: QuoteModel) -> list[Arc]:
    """Every arc reachable from the origin inside the horizon and the deadline."""
    arcs: list[Arc] = []
    starts: list[StateKey] = [
        (origin, quote.ready, None, quote.start_phase) for origin in quote.origins
    ]
    arcs.extend(Arc("source", start) for start in starts)
    seen: set[StateKey] = set(starts)
    timelines: dict[tuple[str, int, int], list[tuple[int, SlotKey]]] = {}
    queue: deque[StateKey] = deque(starts)
    while queue:
        state = queue.popleft()
        location, now, arriving, phase = state
        finish = quote.finish(location, now, arriving, phase)
        if finish is not None:
            arcs.append(Arc(state, "sink", finish.price_fen, finish.co2e_g, finish=finish))
            if not quote.required:
                continue  # with required hubs a path may pass the destination to visit them
        direct: list[Ride] = []
        if location == ORIGIN:
            direct += quote.drayage.first_mile_rides(now)
        for leg in quote.allowed.legs_from(location):
            base = now + quote.handling(location, arriving, leg.mode)
            for clearance, templates in quote.alighting_groups(leg, phase):
                if leg.timetable.continuous:
                    direct += quote.rides_of(leg, base + clearance, templates, first_only=True)
                    continue
                key = (leg.id, phase, clearance)
                timeline = timelines.get(key)
                if timeline is None:
                    timeline = _timeline(quote, leg, templates, key, arcs, queue, seen)
                    timelines[key] = timeline
                position = bisect_left(timeline, (base + clearance,))
                if position < len(timeline):
                    arcs.append(Arc(state, timeline[position][1]))
        direct += quote.drayage.last_mile_rides(location, now, arriving, phase)
        for ride in direct:
            _ride_arc(quote, state, ride, arcs, queue, seen)
    return arcs


def _timeline(
    quote: QuoteModel,
    leg: ServiceLeg,
    templates: tuple[tuple[int, RideTemplate], ...],
    key: tuple[str, int, int],
    arcs: list[Arc],
    queue: deque[StateKey],
    seen: set[StateKey],
) -> list[tuple[int, SlotKey]]:
    """Slot nodes of one leg for one phase and clearance, chained by waiting arcs.

    Each slot has its ride arcs; rides lead to states that join the exploration.
    """
    timeline: list[tuple[int, SlotKey]] = []
    chain = quote.allowed.chain(leg)
    for number, slot in enumerate(quote.index.boardable(leg.id, quote.ready, quote.horizon_end)):
        if slot.arrival > quote.deadline:
            break
        if not quote.room(leg, slot):
            continue
        node: SlotKey = (*key, number)
        if timeline:
            arcs.append(Arc(timeline[-1][1], node))
        timeline.append((slot.cutoff, node))
        walk = quote.walk(chain, slot)
        for _, template in templates:
            slots = quote.ride_slots(template, walk)
            if slots is None:
                continue
            available = slots[-1].arrival + template.clearance_after
            if available > quote.deadline:
                continue
            ride = Ride(template, slots, slot.cutoff, available)
            _ride_arc(quote, node, ride, arcs, queue, seen)
    return timeline


def _ride_arc(
    quote: QuoteModel,
    tail: object,
    ride: Ride,
    arcs: list[Arc],
    queue: deque[StateKey],
    seen: set[StateKey],
) -> None:
    """The arc of ``ride`` from ``tail``, if the destination stays reachable after it.

    Its head state joins the exploration.
    """
    if not _useful(quote, ride):
        return
    head: StateKey = (ride.alight, ride.available, ride.mode, ride.phase)
    arcs.append(Arc(tail, head, ride.price_fen, ride.co2e_g, ride=ride))
    if head not in seen:
        seen.add(head)
        queue.append(head)


def _useful(quote: QuoteModel, ride: Ride) -> bool:
    """Whether the destination can still be reached after ``ride`` within the deadline."""
    bound = quote.remaining(ride.alight)
    return bound is not None and ride.available + bound[0] <= quote.deadline


def _hub_constraints(
    quote: QuoteModel,
    model: cp_model.CpModel,
    rides: list[tuple[Arc, cp_model.IntVar]],
    starts: list[tuple[Arc, cp_model.IntVar]],
) -> None:
    """Required hubs: visited by a ride, or the origin terminal the path starts from."""
    if not quote.required:
        return
    masks = [(arc.ride.template.mask, var) for arc, var in rides if arc.ride is not None]
    for arc, var in starts:
        assert isinstance(arc.head, tuple)
        masks.append((quote.start_mask(arc.head[0]), var))
    if quote.request.filters.hub_rule is HubRule.ALL:
        for bit in quote.required.values():
            model.add(sum(var for mask, var in masks if mask & bit) >= 1)
    else:
        model.add(sum(var for mask, var in masks if mask) >= 1)


def _city_constraints(
    quote: QuoteModel,
    model: cp_model.CpModel,
    rides: list[tuple[Arc, cp_model.IntVar]],
    starts: list[tuple[Arc, cp_model.IntVar]],
) -> None:
    """Every city entered at most once: the path never comes back to a city it has left."""
    entries: dict[int, list[cp_model.IntVar]] = {}
    for arc, var in rides:
        assert arc.ride is not None
        if arc.ride.template.enters:
            entries.setdefault(arc.ride.template.enters, []).append(var)
    for arc, var in starts:
        assert isinstance(arc.head, tuple)
        entries.setdefault(quote.city_bit(arc.head[0]), []).append(var)
    for bit, variables in sorted(entries.items()):
        if bit and len(variables) > 1:
            model.add(sum(variables) <= 1)
