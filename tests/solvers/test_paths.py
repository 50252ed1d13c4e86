"""The one shortest-path helper, against networkx and on the cases its callers rely on."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.paths import shortest_paths

Step = tuple[str, int, str]
NODES = [f"N{i}" for i in range(6)]


def steps_of(edges: list[tuple[str, str, int]]) -> dict[str, list[Step]]:
    out: dict[str, list[Step]] = {}
    for tail, head, cost in edges:
        out.setdefault(tail, []).append((head, cost, f"{tail}>{head}"))
    return out


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(st.sampled_from(NODES), st.sampled_from(NODES), st.integers(0, 20)),
        max_size=20,
    )
)
def test_costs_and_steps_are_networkx_shortest_paths(edges: list[tuple[str, str, int]]) -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_node("N0")
    for tail, head, cost in edges:
        if not graph.has_edge(tail, head) or graph[tail][head]["weight"] > cost:
            graph.add_edge(tail, head, weight=cost)
    by_tail = steps_of(edges)
    found = shortest_paths({"N0": 0}, lambda node: by_tail.get(node, ()))
    assert found.cost == nx.single_source_dijkstra_path_length(graph, "N0")
    for node, cost in found.cost.items():
        walked, at = 0, node
        while at != "N0":  # the steps kept lead back to the source at the cost found
            tail, head = found.via[at].split(">")
            assert head == at
            walked += graph[tail][head]["weight"]
            at = tail
        assert walked == cost


def test_several_sources_start_at_their_own_costs() -> None:
    edges = {"A": [("C", 5, "A>C")], "B": [("C", 1, "B>C")]}
    found = shortest_paths({"A": 0, "B": 10}, lambda node: edges.get(node, ()))
    assert found.cost == {"A": 0, "B": 10, "C": 5}
    assert found.via == {"C": "A>C"}


def test_a_way_cheaper_by_no_more_than_the_margin_keeps_the_first_found() -> None:
    edges: dict[str, list[tuple[str, float, str]]] = {
        "S": [("A", 1.0, "S>A"), ("B", 1.0 + 1e-12, "S>B")],
        "A": [("T", 1.0 + 1e-12, "A>T")],
        "B": [("T", 1.0 - 2e-12, "B>T")],
    }

    def steps(node: str) -> Iterable[tuple[str, float, str]]:
        return edges.get(node, ())

    assert shortest_paths({"S": 0.0}, steps).via["T"] == "B>T"
    assert shortest_paths({"S": 0.0}, steps, margin=1e-9).via["T"] == "A>T"


def test_stop_ends_at_the_first_accepted_node_settled_never_a_source() -> None:
    edges = {
        "S": [("near", 2, "S>near"), ("far", 9, "S>far")],
        "near": [("far", 1, "near>far")],
    }
    found = shortest_paths(
        {"S": 0}, lambda node: edges.get(node, ()), stop=lambda node: node in ("S", "far")
    )
    assert found.stopped == "far"
    assert found.cost["far"] == 3
    assert found.via["far"] == "near>far"
    unreached = shortest_paths({"S": 0}, lambda node: edges.get(node, ()), stop=lambda _: False)
    assert unreached.stopped is None
