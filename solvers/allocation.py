"""Batch allocation: a batch of shipments onto capacitated departures, at least total cost.

Each shipment has candidate itineraries (from the quote engine: the Pareto set at its ready
time and at a few later departure waves), each with a price, an arrival and the departures it
uses. The CP-SAT model picks at most one candidate per shipment so that no departure carries
more TEU than it has free, minimising price + lateness (per TEU-hour past the deadline) + a
penalty for each shipment left unplaced (above any candidate, so a shipment is left out only
when capacity forces it); among allocations of that least cost, a second solve picks the one
that arrives earliest in total (a box is not put on a later sailing that costs the same). The
greedy baseline takes the shipments first come, first served, each on its cheapest candidate
that still fits, the earlier of equally cheap ones. Every shipment left out is explained.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ortools.sat.python import cp_model

from graph import Network
from solvers.errors import InvalidRequest
from solvers.itinerary import Itinerary
from solvers.quoting import quote
from solvers.types import QuoteRequest

#: TEU in quarters for CP-SAT's integers (a 45-ft box counts 2.25 TEU).
TEU_SCALE = 4


@dataclass(frozen=True, slots=True)
class Candidate:
    """One way to carry a shipment: its cost in fen, lateness in hours, departures used."""

    key: str
    cost_fen: int
    late_hours: float
    departures: tuple[str, ...]
    arrival_minutes: int = 0  # when the box is available at the destination (epoch minutes)


@dataclass(frozen=True, slots=True)
class Shipment:
    """A shipment to place: its TEU and its candidates (possibly none)."""

    id: str
    teu: float
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class Allocation:
    """Who goes where, what it costs, and why the rest could not be placed."""

    chosen: Mapping[str, Candidate]  # shipment id -> candidate
    unplaced: Mapping[str, str]  # shipment id -> reason
    cost_fen: int  # price of the placed shipments
    lateness_fen: int  # lateness charge of the placed shipments
    objective_fen: int  # cost + lateness + unplaced penalties
    status: str  # optimal | feasible | greedy

    @property
    def placed(self) -> int:
        """How many shipments got an itinerary."""
        return len(self.chosen)


def allocate(
    shipments: Sequence[Shipment],
    free_teu: Mapping[str, float],
    late_fen_per_teu_hour: int,
    time_limit_s: float = 10.0,
) -> Allocation:
    """The least-cost allocation (CP-SAT); departures missing from ``free_teu`` are unlimited."""
    _check(shipments, free_teu, late_fen_per_teu_hour)
    # identical shipments (same TEU and candidates) are one group with integer counts: the
    # model has no symmetric copies to search through, and its optimum is the same
    groups: dict[tuple[float, tuple[Candidate, ...]], list[Shipment]] = {}
    for shipment in shipments:
        groups.setdefault((shipment.teu, shipment.candidates), []).append(shipment)
    model = cp_model.CpModel()
    penalty = _unplaced_penalty(shipments, late_fen_per_teu_hour)
    counts: dict[tuple[int, int], cp_model.IntVar] = {}
    terms = []
    load: dict[str, list[cp_model.LinearExpr]] = {}
    for g, ((teu, candidates), members) in enumerate(groups.items()):
        size = len(members)
        options = []
        for index, candidate in enumerate(candidates):
            var = model.new_int_var(0, size, f"g{g}:{index}")
            counts[g, index] = var
            options.append(var)
            terms.append(_charge(members[0], candidate, late_fen_per_teu_hour) * var)
            for departure in candidate.departures:
                load.setdefault(departure, []).append(round(teu * TEU_SCALE) * var)
        left = model.new_int_var(0, size, f"g{g}:unplaced")
        model.add(sum(options) + left == size)
        terms.append(penalty * left)
    for departure, free in free_teu.items():
        if departure in load:
            model.add(sum(load[departure]) <= int(free * TEU_SCALE + 1e-9))
    model.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1  # deterministic
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # unplaced keeps it feasible
        message = f"the allocation model ended with {solver.status_name(status)}"
        raise RuntimeError(message)
    if status == cp_model.OPTIMAL:
        # lexicographic: at that least cost, the earliest arrivals in total
        first = min((c.arrival_minutes for s in shipments for c in s.candidates), default=0)
        model.add(sum(terms) <= round(solver.objective_value))
        model.minimize(
            sum(
                (candidate.arrival_minutes - first) * counts[g, index]
                for g, ((_, candidates), _) in enumerate(groups.items())
                for index, candidate in enumerate(candidates)
            )
        )
        for variable in counts.values():
            model.add_hint(variable, solver.value(variable))
        earliest = cp_model.CpSolver()
        earliest.parameters.max_time_in_seconds = time_limit_s
        earliest.parameters.num_workers = 1
        if earliest.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            solver = earliest
    chosen: dict[str, Candidate] = {}
    for g, ((_, candidates), members) in enumerate(groups.items()):
        queue = iter(members)  # first come, first on the cheapest candidates
        ranked = sorted(
            range(len(candidates)),
            key=lambda i: (
                _charge(members[0], candidates[i], late_fen_per_teu_hour),
                candidates[i].arrival_minutes,
                i,
            ),
        )
        for index in ranked:
            for _ in range(solver.value(counts[g, index])):
                chosen[next(queue).id] = candidates[index]
    return _result(
        shipments,
        chosen,
        free_teu,
        late_fen_per_teu_hour,
        "optimal" if status == cp_model.OPTIMAL else "feasible",
    )


def greedy(
    shipments: Sequence[Shipment], free_teu: Mapping[str, float], late_fen_per_teu_hour: int
) -> Allocation:
    """First come, first served: each shipment on its cheapest candidate that still fits."""
    _check(shipments, free_teu, late_fen_per_teu_hour)
    left = dict(free_teu)
    chosen: dict[str, Candidate] = {}
    for shipment in shipments:
        ranked = sorted(
            shipment.candidates,
            key=lambda c: (_charge(shipment, c, late_fen_per_teu_hour), c.arrival_minutes, c.key),
        )
        for candidate in ranked:
            if all(left.get(d, float("inf")) >= shipment.teu - 1e-9 for d in candidate.departures):
                for d in candidate.departures:
                    if d in left:
                        left[d] -= shipment.teu
                chosen[shipment.id] = candidate
                break
    return _result(shipments, chosen, free_teu, late_fen_per_teu_hour, "greedy")


def _charge(shipment: Shipment, candidate: Candidate, late_fen_per_teu_hour: int) -> int:
    return candidate.cost_fen + round(candidate.late_hours * shipment.teu * late_fen_per_teu_hour)


def _unplaced_penalty(shipments: Sequence[Shipment], late_fen_per_teu_hour: int) -> int:
    worst = max(
        (_charge(s, c, late_fen_per_teu_hour) for s in shipments for c in s.candidates),
        default=0,
    )
    # more than any candidate of any shipment: leaving one out never pays for itself
    return 2 * worst + 1


def _result(
    shipments: Sequence[Shipment],
    chosen: Mapping[str, Candidate],
    free_teu: Mapping[str, float],
    late_fen_per_teu_hour: int,
    status: str,
) -> Allocation:
    used: dict[str, float] = {}
    for shipment in shipments:
        if shipment.id in chosen:
            for d in chosen[shipment.id].departures:
                used[d] = used.get(d, 0.0) + shipment.teu
    unplaced = {}
    penalty = _unplaced_penalty(shipments, late_fen_per_teu_hour)
    objective = 0
    cost = lateness = 0
    for shipment in shipments:
        candidate = chosen.get(shipment.id)
        if candidate is not None:
            cost += candidate.cost_fen
            lateness += _charge(shipment, candidate, late_fen_per_teu_hour) - candidate.cost_fen
            continue
        objective += penalty
        unplaced[shipment.id] = _why(shipment, free_teu, used)
    objective += cost + lateness
    return Allocation(chosen, unplaced, cost, lateness, objective, status)


def _why(shipment: Shipment, free_teu: Mapping[str, float], used: Mapping[str, float]) -> str:
    if not shipment.candidates:
        return "no itinerary reaches the destination within the horizon"
    full = sorted(
        {
            d
            for c in shipment.candidates
            for d in c.departures
            if d in free_teu and free_teu[d] - used.get(d, 0.0) < shipment.teu - 1e-9
        }
    )
    if free_teu and all(
        any(free_teu.get(d, float("inf")) < shipment.teu - 1e-9 for d in c.departures)
        for c in shipment.candidates
    ):
        return "every candidate uses a departure without room for it even when empty: " + (
            ", ".join(full[:5])
        )
    return (
        f"no room left for {shipment.teu:g} TEU on its candidates' departures "
        f"({', '.join(full[:5])}{' …' if len(full) > 5 else ''}) after the other shipments"
    )


def _check(
    shipments: Sequence[Shipment], free_teu: Mapping[str, float], late_fen_per_teu_hour: int
) -> None:
    problems = []
    seen: set[str] = set()
    for shipment in shipments:
        if shipment.id in seen:
            problems.append(("shipments", f"{shipment.id} appears twice"))
        seen.add(shipment.id)
        if not 0 < shipment.teu <= 1000:
            problems.append(("shipments", f"{shipment.id}: TEU must be in (0, 1000]"))
        if any(c.cost_fen < 0 or c.late_hours < 0 for c in shipment.candidates):
            problems.append(("shipments", f"{shipment.id}: a candidate has a negative cost"))
    if any(free < 0 for free in free_teu.values()):
        problems.append(("free_teu", "free capacity must not be negative"))
    if late_fen_per_teu_hour < 0:
        problems.append(("late_fen_per_teu_hour", "must not be negative"))
    if problems:
        raise InvalidRequest(problems)


def candidate_itineraries(
    network: Network, request: QuoteRequest, waves: int = 3
) -> list[Itinerary]:
    """A shipment's candidates: the Pareto set at its ready time and at later departure waves.

    Each wave is ready just after the earliest departure of the one before, so a full departure
    leaves the shipment later ones to fall back on. The request's deadline is dropped (a late
    candidate is charged, not excluded); its ``capacity`` leaves full departures out.
    """
    found: dict[tuple[str, ...], Itinerary] = {}
    asked = replace(request, deadline=None)
    for _ in range(waves):
        pareto = quote(network, asked).pareto
        if not pareto:
            break
        for itinerary in pareto:
            found.setdefault(tuple(leg.departure_key for leg in itinerary.legs), itinerary)
        asked = replace(asked, ready=min(i.departure for i in pareto) + timedelta(minutes=1))
    return [found[key] for key in sorted(found)]


def as_candidate(network: Network, itinerary: Itinerary, deadline: datetime | None) -> Candidate:
    """An itinerary as the model sees it: fen, hours late, and the departures holding capacity."""
    late = (itinerary.arrival - deadline).total_seconds() / 3600 if deadline else 0.0
    held = tuple(
        sorted(
            leg.departure_key
            for leg in itinerary.legs
            if (real := network.legs.get(leg.leg_id)) is not None and real.holds_capacity
        )
    )
    key = "|".join(leg.departure_key for leg in itinerary.legs)
    arrival = round(itinerary.arrival.timestamp() / 60)
    return Candidate(key, round(itinerary.price.total_cny * 100), max(0.0, late), held, arrival)
