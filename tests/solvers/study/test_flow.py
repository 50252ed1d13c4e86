"""The study LP against independent computations on random small networks."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.linear_solver import pywraplp

from solvers.errors import InvalidRequest
from solvers.study.flow import Arc, FlowResult, Pair, min_cost_flow

NODES = ["A", "B", "C", "D", "E"]
PENALTY = 1_000.0


Instance = tuple[list[Arc], dict[str, float], dict[Pair, float]]


@st.composite
def instances(draw: st.DrawFn, origins: int = 1) -> Instance:
    """Arcs each with a capacity of its own (or none), and a demand matrix of one group."""
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(NODES), st.sampled_from(NODES)).filter(
                lambda p: p[0] != p[1]
            ),
            min_size=3,
            max_size=12,
        )
    )
    arcs = [
        Arc(f"a{i}", tail, head, cost=draw(st.integers(1, 50)), resources=(f"a{i}",))
        for i, (tail, head) in enumerate(pairs)
    ]
    capacities = {
        arc.id: float(capacity)
        for arc in arcs
        if (capacity := draw(st.one_of(st.none(), st.integers(0, 30)))) is not None
    }
    sources = draw(
        st.lists(st.sampled_from(NODES), min_size=origins, max_size=origins, unique=True)
    )
    demand = {
        (o, d, "dry"): float(draw(st.integers(0, 25)))
        for o in sources
        for d in draw(st.lists(st.sampled_from(NODES), min_size=1, max_size=3, unique=True))
        if d != o
    }
    return arcs, capacities, demand


def networkx_cost(
    arcs: list[Arc], capacities: dict[str, float], demand: dict[Pair, float]
) -> float:
    """One origin: networkx's min-cost flow, with an unserved arc from the origin to each
    destination at the penalty (what the LP's slack means)."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for node in NODES:
        graph.add_node(node, demand=0)
    for (o, d, _), teu in demand.items():
        graph.nodes[o]["demand"] -= int(teu)
        graph.nodes[d]["demand"] += int(teu)
        graph.add_edge(o, d, weight=int(PENALTY))
    for arc in arcs:
        attrs = {"weight": int(arc.cost)}
        if arc.id in capacities:
            attrs["capacity"] = int(capacities[arc.id])
        graph.add_edge(arc.tail, arc.head, **attrs)
    cost, _ = nx.network_simplex(graph)
    return float(cost)


def check_feasible(
    arcs: list[Arc], capacities: dict[str, float], demand: dict[Pair, float], result: FlowResult
) -> None:
    """Capacities hold, and the paths carry exactly the delivered demand over real arcs and
    add up to the arc flows (so flow is conserved per origin)."""
    for resource, capacity in capacities.items():
        assert result.usage.get(resource, 0.0) <= capacity + 1e-6
    by_id = {arc.id: arc for arc in arcs}
    summed: dict[str, float] = {}
    for (o, d, g), teu in demand.items():
        delivered = sum(amount for _, amount in result.paths.get((o, d, g), ()))
        assert delivered == pytest.approx(teu - result.unserved.get((o, d, g), 0.0), abs=1e-6)
        for walk, amount in result.paths.get((o, d, g), ()):
            assert [by_id[a].tail for a in walk][:1] == [o]
            assert [by_id[a].head for a in walk][-1:] == [d]
            assert all(by_id[a].head == by_id[b].tail for a, b in itertools.pairwise(walk))
            for arc_id in walk:
                summed[arc_id] = summed.get(arc_id, 0.0) + amount
    for arc_id, teu in result.flows.items():
        assert summed.get(arc_id, 0.0) == pytest.approx(teu, abs=1e-6)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(instances())
def test_one_origin_equals_networkx_min_cost_flow(
    instance: Instance,
) -> None:
    arcs, capacities, demand = instance
    result = min_cost_flow(arcs, capacities, demand, PENALTY)
    assert result.cost == pytest.approx(networkx_cost(arcs, capacities, demand), abs=1e-6)
    check_feasible(arcs, capacities, demand, result)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(instances(origins=3))
def test_uncapacitated_is_all_or_nothing_on_shortest_paths(
    instance: Instance,
) -> None:
    arcs, capacities, demand = instance
    graph: nx.DiGraph[str] = nx.DiGraph()
    for arc in arcs:
        if not graph.has_edge(arc.tail, arc.head) or graph[arc.tail][arc.head]["weight"] > arc.cost:
            graph.add_edge(arc.tail, arc.head, weight=arc.cost)
    expected = 0.0
    for (o, d, _), teu in demand.items():
        try:
            distance = nx.dijkstra_path_length(graph, o, d)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            distance = PENALTY
        expected += teu * min(distance, PENALTY)
    result = min_cost_flow(arcs, capacities, demand, PENALTY, capacitated=False)
    assert result.cost == pytest.approx(expected, abs=1e-6)
    check_feasible(arcs, {}, demand, result)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(instances(origins=3))
def test_shadow_prices_bracket_the_finite_differences(
    instance: Instance,
) -> None:
    arcs, capacities, demand = instance
    check_shadow_prices(arcs, capacities, demand)


def check_shadow_prices(
    arcs: list[Arc], capacities: dict[str, float], demand: dict[Pair, float]
) -> None:
    """The LP's value is convex in each capacity, so the dual lies between the savings of one
    TEU more and one TEU less, and equals them where both agree (no degeneracy at this point)."""
    result = min_cost_flow(arcs, capacities, demand, PENALTY)
    check_feasible(arcs, capacities, demand, result)
    for resource, capacity in capacities.items():
        if resource not in result.shadow_prices:
            continue  # no arc draws on it
        price = result.shadow_prices[resource]
        more = (
            result.cost
            - min_cost_flow(arcs, {**capacities, resource: capacity + 1}, demand, PENALTY).cost
        )
        assert more <= price + 1e-6
        if capacity >= 1:
            less = (
                min_cost_flow(arcs, {**capacities, resource: capacity - 1}, demand, PENALTY).cost
                - result.cost
            )
            assert price <= less + 1e-6
            if less == pytest.approx(more, abs=1e-9):
                assert price == pytest.approx(more, abs=1e-6)
        if result.usage.get(resource, 0.0) < capacity - 1e-6:
            assert price == pytest.approx(0.0, abs=1e-6)  # slack capacity is worth nothing


def test_bad_input_is_named() -> None:
    with pytest.raises(InvalidRequest, match="a1 appears twice"):
        min_cost_flow([Arc("a1", "A", "B", 1), Arc("a1", "B", "C", 1)], {}, {}, PENALTY)
    with pytest.raises(InvalidRequest, match="negative"):
        min_cost_flow([Arc("a1", "A", "B", -1)], {}, {("A", "B", "dry"): -2}, PENALTY)
    with pytest.raises(InvalidRequest, match="r1 has a negative capacity"):
        min_cost_flow([Arc("a1", "A", "B", 1, ("r1",))], {"r1": -1}, {}, PENALTY)


@st.composite
def shared_instances(draw: st.DrawFn) -> Instance:
    """Rides over chains of legs: each arc draws on every leg it rides, legs share capacity,
    and some arcs serve only reefer boxes."""
    legs = draw(
        st.lists(
            st.tuples(st.sampled_from(NODES), st.sampled_from(NODES)).filter(
                lambda p: p[0] != p[1]
            ),
            min_size=3,
            max_size=8,
        )
    )
    arcs: list[Arc] = []
    for i, (tail, head) in enumerate(legs):
        group = draw(st.sampled_from([None, None, "reefer"]))
        arcs.append(Arc(f"l{i}", tail, head, draw(st.integers(1, 40)), (f"L{i}",), group))
        for j, (tail2, head2) in enumerate(legs):
            if j != i and tail2 == head and head2 != tail and draw(st.booleans()):
                cost = draw(st.integers(1, 60))
                arcs.append(Arc(f"r{i}-{j}", tail, head2, cost, (f"L{i}", f"L{j}"), group))
    capacities = {f"L{i}": float(draw(st.integers(0, 20))) for i in range(len(legs))}
    demand = {
        (o, d, g): float(draw(st.integers(0, 15)))
        for o in draw(st.lists(st.sampled_from(NODES), min_size=1, max_size=3, unique=True))
        for d in NODES
        for g in ("dry", "reefer")
        if d != o and draw(st.booleans())
    }
    return arcs, capacities, demand


def per_pair_cost(
    arcs: list[Arc], capacities: dict[str, float], demand: dict[Pair, float]
) -> float:
    """An independent formulation: one commodity per origin-destination pair (no aggregation),
    written out here with its own conservation rows."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    pairs = [p for p, teu in demand.items() if teu > 0 and p[0] != p[1]]
    flow = {
        (p, a.id): solver.NumVar(0, solver.infinity(), "")
        for p in pairs
        for a in arcs
        if a.group in (None, p[2])
    }
    lost = {p: solver.NumVar(0, demand[p], "") for p in pairs}
    for p in pairs:
        o, d, _ = p
        for node in NODES:
            net = sum(
                (v for (q, a), v in flow.items() if q == p and by_id(arcs)[a].tail == node),
                start=solver.Sum([]),
            ) - sum(
                (v for (q, a), v in flow.items() if q == p and by_id(arcs)[a].head == node),
                start=solver.Sum([]),
            )
            target = (
                (demand[p] - lost[p]) if node == o else -(demand[p] - lost[p]) if node == d else 0
            )
            solver.Add(net == target)
    for resource, capacity in capacities.items():
        users = [v for (_, a), v in flow.items() if resource in by_id(arcs)[a].resources]
        if users:
            solver.Add(solver.Sum(users) <= capacity)
    solver.Minimize(
        solver.Sum([by_id(arcs)[a].cost * v for (_, a), v in flow.items()])
        + solver.Sum([PENALTY * v for v in lost.values()])
    )
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    return float(solver.Objective().Value())


def by_id(arcs: list[Arc]) -> dict[str, Arc]:
    return {arc.id: arc for arc in arcs}


@settings(max_examples=40, deadline=None, derandomize=True)
@given(shared_instances())
def test_shared_capacities_and_groups_match_a_per_pair_formulation(instance: Instance) -> None:
    arcs, capacities, demand = instance
    result = min_cost_flow(arcs, capacities, demand, PENALTY)
    assert result.cost == pytest.approx(per_pair_cost(arcs, capacities, demand), abs=1e-5)
    check_feasible(arcs, capacities, demand, result)
    by_arc = by_id(arcs)
    for (_, _, group), paths in result.paths.items():
        assert all(by_arc[a].group in (None, group) for walk, _ in paths for a in walk)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(shared_instances())
def test_shadow_prices_of_shared_capacities(instance: Instance) -> None:
    check_shadow_prices(*instance)
