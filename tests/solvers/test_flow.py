"""The study LP against independent computations on random small networks."""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.errors import InvalidRequest
from solvers.flow import Arc, FlowResult, min_cost_flow

NODES = ["A", "B", "C", "D", "E"]
PENALTY = 1_000.0


@st.composite
def instances(draw: st.DrawFn, origins: int = 1) -> tuple[list[Arc], dict[tuple[str, str], float]]:
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
        Arc(
            f"a{i}",
            tail,
            head,
            cost=draw(st.integers(1, 50)),
            capacity=draw(st.one_of(st.none(), st.integers(0, 30))),
        )
        for i, (tail, head) in enumerate(pairs)
    ]
    sources = draw(
        st.lists(st.sampled_from(NODES), min_size=origins, max_size=origins, unique=True)
    )
    demand = {
        (o, d): float(draw(st.integers(0, 25)))
        for o in sources
        for d in draw(st.lists(st.sampled_from(NODES), min_size=1, max_size=3, unique=True))
        if d != o
    }
    return arcs, demand


def networkx_cost(arcs: list[Arc], demand: dict[tuple[str, str], float]) -> float:
    """One origin: networkx's min-cost flow, with an unserved arc from the origin to each
    destination at the penalty (what the LP's slack means)."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for node in NODES:
        graph.add_node(node, demand=0)
    for (o, d), teu in demand.items():
        graph.nodes[o]["demand"] -= int(teu)
        graph.nodes[d]["demand"] += int(teu)
        graph.add_edge(o, d, weight=int(PENALTY))
    for arc in arcs:
        attrs = {"weight": int(arc.cost)}
        if arc.capacity is not None:
            attrs["capacity"] = int(arc.capacity)
        graph.add_edge(arc.tail, arc.head, **attrs)
    cost, _ = nx.network_simplex(graph)
    return float(cost)


def check_feasible(
    arcs: list[Arc], demand: dict[tuple[str, str], float], result: FlowResult
) -> None:
    for arc in arcs:
        if arc.capacity is not None:
            assert result.flows.get(arc.id, 0.0) <= arc.capacity + 1e-6
    origins = {o for o, _ in demand}
    for o in origins:
        for node in NODES:
            out = sum(
                t
                for (oo, a), t in result.flows_by_origin.items()
                if oo == o and next(x for x in arcs if x.id == a).tail == node
            )
            into = sum(
                t
                for (oo, a), t in result.flows_by_origin.items()
                if oo == o and next(x for x in arcs if x.id == a).head == node
            )
            delivered = demand.get((o, node), 0.0) - result.unserved.get((o, node), 0.0)
            sent = sum(
                demand[o, d] - result.unserved.get((o, d), 0.0) for (oo, d) in demand if oo == o
            )
            expected = sent if node == o else -delivered
            assert out - into == pytest.approx(expected, abs=1e-6)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(instances())
def test_one_origin_equals_networkx_min_cost_flow(
    instance: tuple[list[Arc], dict[tuple[str, str], float]],
) -> None:
    arcs, demand = instance
    result = min_cost_flow(arcs, demand, PENALTY)
    assert result.cost == pytest.approx(networkx_cost(arcs, demand), abs=1e-6)
    check_feasible(arcs, demand, result)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(instances(origins=3))
def test_uncapacitated_is_all_or_nothing_on_shortest_paths(
    instance: tuple[list[Arc], dict[tuple[str, str], float]],
) -> None:
    arcs, demand = instance
    graph: nx.DiGraph[str] = nx.DiGraph()
    for arc in arcs:
        if not graph.has_edge(arc.tail, arc.head) or graph[arc.tail][arc.head]["weight"] > arc.cost:
            graph.add_edge(arc.tail, arc.head, weight=arc.cost)
    expected = 0.0
    for (o, d), teu in demand.items():
        try:
            distance = nx.dijkstra_path_length(graph, o, d)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            distance = PENALTY
        expected += teu * min(distance, PENALTY)
    result = min_cost_flow(arcs, demand, PENALTY, capacitated=False)
    assert result.cost == pytest.approx(expected, abs=1e-6)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(instances(origins=3))
def test_shadow_prices_bracket_the_finite_differences(
    instance: tuple[list[Arc], dict[tuple[str, str], float]],
) -> None:
    """The LP's value is convex in each capacity, so the dual lies between the savings of one
    TEU more and one TEU less (and equals them where the optimum is not degenerate)."""
    arcs, demand = instance
    result = min_cost_flow(arcs, demand, PENALTY)
    check_feasible(arcs, demand, result)
    for index, arc in enumerate(arcs):
        if arc.capacity is None:
            continue

        price = result.shadow_prices[arc.id]
        more = result.cost - cost_with(arcs, index, arc.capacity + 1, demand)
        assert more <= price + 1e-6
        if arc.capacity >= 1:
            less = cost_with(arcs, index, arc.capacity - 1, demand) - result.cost
            assert price <= less + 1e-6
        if result.flows.get(arc.id, 0.0) < arc.capacity - 1e-6:
            assert price == pytest.approx(0.0, abs=1e-6)  # slack capacity is worth nothing


def cost_with(
    arcs: list[Arc], index: int, capacity: float, demand: dict[tuple[str, str], float]
) -> float:
    changed = [*arcs[:index], replace(arcs[index], capacity=capacity), *arcs[index + 1 :]]
    return min_cost_flow(changed, demand, PENALTY).cost


def test_bad_input_is_named() -> None:
    with pytest.raises(InvalidRequest, match="a1 appears twice"):
        min_cost_flow([Arc("a1", "A", "B", 1), Arc("a1", "B", "C", 1)], {}, PENALTY)
    with pytest.raises(InvalidRequest, match="negative"):
        min_cost_flow([Arc("a1", "A", "B", -1)], {("A", "B"): -2}, PENALTY)
