"""Capacitated multi-commodity min-cost flow: where a demand matrix goes on a static network.

The planning studies' core. Commodities are aggregated by origin (one flow per origin and arc,
not per origin-destination pair): the optimum is the same, since flows from one origin are
interchangeable, and the model stays at origins × arcs variables however many destinations
there are. Each origin-destination demand may go unserved at a penalty per TEU, so a binding
capacity never makes the model infeasible; what is unserved is reported.

Solved as a linear program with GLOP. The dual value of each capacity row is its shadow price:
what one more TEU of capacity there would save (0 where capacity does not bind).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from solvers.errors import InvalidRequest


@dataclass(frozen=True, slots=True)
class Arc:
    """A link of the study network: cost per TEU and capacity in TEU (None: unlimited)."""

    id: str
    tail: str
    head: str
    cost: float
    capacity: float | None = None


@dataclass(frozen=True, slots=True)
class FlowResult:
    """The optimal assignment."""

    cost: float
    flows: Mapping[str, float]  # TEU per arc, all origins together
    flows_by_origin: Mapping[tuple[str, str], float]  # (origin, arc) -> TEU
    unserved: Mapping[tuple[str, str], float]  # (origin, destination) -> TEU not carried
    shadow_prices: Mapping[str, float]  # arc -> saving per extra TEU of capacity (>= 0)


def min_cost_flow(
    arcs: Sequence[Arc],
    demand: Mapping[tuple[str, str], float],
    unserved_penalty: float,
    capacitated: bool = True,
) -> FlowResult:
    """Carry ``demand`` (TEU by origin and destination) at least cost over ``arcs``.

    ``unserved_penalty`` is the cost per TEU left behind; set it above any route's cost so that
    demand goes unserved only when no capacity is left. With ``capacitated`` False, capacities
    are ignored (all-or-nothing on the cheapest routes).

    Raises
    ------
    InvalidRequest
        For negative demand, costs or capacities, or duplicate arc ids.
    """
    _check(arcs, demand, unserved_penalty)
    solver = pywraplp.Solver.CreateSolver("GLOP")
    origins = sorted({o for (o, d), teu in demand.items() if teu > 0 and o != d})
    x = {
        (o, arc.id): solver.NumVar(0.0, solver.infinity(), f"x[{o},{arc.id}]")
        for o in origins
        for arc in arcs
    }
    lost = {
        (o, d): solver.NumVar(0.0, teu, f"u[{o},{d}]")
        for (o, d), teu in demand.items()
        if teu > 0 and o != d
    }
    balance: dict[tuple[str, str], float] = defaultdict(float)  # (origin, node) -> net supply
    for (o, d), teu in demand.items():
        if teu > 0 and o != d:
            balance[o, o] += teu
            balance[o, d] -= teu
    nodes = sorted(
        {arc.tail for arc in arcs} | {arc.head for arc in arcs} | {n for _, n in balance}
    )
    leaving: dict[str, list[Arc]] = defaultdict(list)
    entering: dict[str, list[Arc]] = defaultdict(list)
    for arc in arcs:
        leaving[arc.tail].append(arc)
        entering[arc.head].append(arc)
    for o in origins:
        for node in nodes:
            # what is not delivered to a destination counts as delivered by the slack
            slack = lost.get((o, node))
            out = [x[o, a.id] for a in leaving[node]]
            into = [x[o, a.id] for a in entering[node]]
            if not out and not into and slack is None:
                continue
            net = solver.Sum(out) - solver.Sum(into)
            if node == o:
                net = net + solver.Sum([v for (oo, _), v in lost.items() if oo == o])
            elif slack is not None:
                net = net - slack
            solver.Add(net == balance.get((o, node), 0.0))
    rows = {}
    if capacitated:
        for arc in arcs:
            if arc.capacity is not None:
                rows[arc.id] = solver.Add(
                    solver.Sum([x[o, arc.id] for o in origins]) <= arc.capacity
                )
    solver.Minimize(
        solver.Sum([arc.cost * x[o, arc.id] for o in origins for arc in arcs])
        + solver.Sum([unserved_penalty * v for v in lost.values()])
    )
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:  # the slack keeps it feasible and costs are >= 0
        message = f"the flow LP ended with status {status}"
        raise RuntimeError(message)
    by_origin = {key: var.solution_value() for key, var in x.items() if var.solution_value() > 1e-9}
    flows: dict[str, float] = defaultdict(float)
    for (_, arc_id), teu in by_origin.items():
        flows[arc_id] += teu
    return FlowResult(
        cost=solver.Objective().Value(),
        flows=dict(flows),
        flows_by_origin=by_origin,
        unserved={k: v.solution_value() for k, v in lost.items() if v.solution_value() > 1e-9},
        shadow_prices={arc_id: max(0.0, -row.dual_value()) for arc_id, row in rows.items()},
    )


def _check(
    arcs: Sequence[Arc], demand: Mapping[tuple[str, str], float], unserved_penalty: float
) -> None:
    problems = []
    seen: set[str] = set()
    for arc in arcs:
        if arc.id in seen:
            problems.append(("arcs", f"{arc.id} appears twice"))
        seen.add(arc.id)
        if arc.cost < 0:
            problems.append(("arcs", f"{arc.id} has a negative cost"))
        if arc.capacity is not None and arc.capacity < 0:
            problems.append(("arcs", f"{arc.id} has a negative capacity"))
    problems += [("demand", f"{o}->{d} is negative") for (o, d), teu in demand.items() if teu < 0]
    if unserved_penalty < 0:
        problems.append(("unserved_penalty", "must not be negative"))
    if problems:
        raise InvalidRequest(problems)
