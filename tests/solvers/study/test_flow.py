"""The study LP against independent computations on random small networks."""

from __future__ import annotations

import itertools
from collections.abc import Callable

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
#: An instance and each pair's penalty for a TEU left behind.
PricedInstance = tuple[list[Arc], dict[str, float], dict[Pair, float], dict[Pair, float]]


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


@st.composite
def priced(draw: st.DrawFn, instance: st.SearchStrategy[Instance]) -> PricedInstance:
    """``instance`` with a penalty per pair, often below its routes' costs: left to the
    penalties alone, demand that fits would stay behind, and a pair whose penalty is low
    would give way to one whose penalty is high."""
    arcs, capacities, demand = draw(instance)
    penalties = {pair: float(draw(st.integers(1, 80))) for pair in demand}
    return arcs, capacities, demand, penalties


def served(demand: dict[Pair, float], result: FlowResult) -> float:
    return sum(demand.values()) - sum(result.unserved.values())


def networkx_served_first(
    arcs: list[Arc],
    capacities: dict[str, float],
    demand: dict[Pair, float],
    penalties: dict[Pair, float],
) -> tuple[float, float]:
    """One origin, with networkx alone: the maximum flow from the origin to a sink that takes
    each destination's demand; then the min-cost flow that leaves no more than the rest behind
    (what is unserved leaves the origin through a gate of that capacity and reaches its
    destination at its penalty)."""
    if not demand:
        return 0.0, 0.0
    (origin,) = {o for o, _, _ in demand}
    sink, gate = "sink", "gate"
    reach: nx.DiGraph[str] = nx.DiGraph()
    reach.add_nodes_from([origin, sink])
    for arc in arcs:  # a node per arc, so that parallel arcs keep their own capacities
        limit = {"capacity": capacities[arc.id]} if arc.id in capacities else {}
        reach.add_edge(arc.tail, f"arc {arc.id}", **limit)
        reach.add_edge(f"arc {arc.id}", arc.head)
    for (_, d, _), teu in demand.items():
        reach.add_edge(d, sink, capacity=teu)
    most = float(nx.maximum_flow_value(reach, origin, sink))
    graph = flow_graph(arcs, capacities, demand, gate)
    for (o, d, g), teu in demand.items():
        graph.add_edge(gate, d, weight=int(penalties[o, d, g]), capacity=int(teu))
    graph.add_edge(origin, gate, weight=0, capacity=round(sum(demand.values()) - most))
    cost, _ = nx.network_simplex(graph)
    return most, float(cost)


def flow_graph(
    arcs: list[Arc], capacities: dict[str, float], demand: dict[Pair, float], *extra: str
) -> nx.MultiDiGraph[str]:
    """networkx's min-cost flow input: the arcs with their costs and capacities, and each
    pair's TEU leaving its origin and reaching its destination (``extra`` nodes added)."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for node in [*NODES, *extra]:
        graph.add_node(node, demand=0)
    for (o, d, _), teu in demand.items():
        graph.nodes[o]["demand"] -= int(teu)
        graph.nodes[d]["demand"] += int(teu)
    for arc in arcs:
        attrs = {"weight": int(arc.cost)}
        if arc.id in capacities:
            attrs["capacity"] = int(capacities[arc.id])
        graph.add_edge(arc.tail, arc.head, **attrs)
    return graph


@settings(max_examples=80, deadline=None, derandomize=True)
@given(priced(instances()))
def test_one_origin_serves_the_maximum_flow_at_least_cost(instance: PricedInstance) -> None:
    check_served_first(instance, networkx_served_first)


def networkx_cost(
    arcs: list[Arc], capacities: dict[str, float], demand: dict[Pair, float]
) -> float:
    """One origin: networkx's min-cost flow, with an unserved arc from the origin to each
    destination at the penalty (what the LP's slack means)."""
    graph = flow_graph(arcs, capacities, demand)
    for o, d, _ in demand:
        graph.add_edge(o, d, weight=int(PENALTY))
    cost, _ = nx.network_simplex(graph)
    return float(cost)


def check_served_first(
    instance: PricedInstance,
    reference: Callable[..., tuple[float, float]],
) -> None:
    """min_cost_flow serves what ``reference`` finds most, at its least cost, feasibly."""
    arcs, capacities, demand, penalties = instance
    result = min_cost_flow(arcs, capacities, demand, penalties)
    most, cost = reference(arcs, capacities, demand, penalties)
    assert served(demand, result) == pytest.approx(most, abs=1e-5)
    assert result.cost == pytest.approx(cost, abs=1e-4)
    check_feasible(arcs, capacities, demand, result)


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


def per_pair_lp(
    arcs: list[Arc],
    capacities: dict[str, float],
    demand: dict[Pair, float],
    penalty: float | dict[Pair, float] = PENALTY,
    stage: str = "cost",
    most_unserved: float | None = None,
) -> float | None:
    """An independent formulation: one commodity per origin-destination pair (no aggregation),
    written out here with its own conservation rows. Its optimum, for ``stage`` "unserved" the
    least TEU left behind, for "cost" the least arc costs plus penalties, leaving at most
    ``most_unserved`` TEU behind if given; ``None`` when that cannot be met."""
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
    if most_unserved is not None:
        solver.Add(solver.Sum(list(lost.values())) <= most_unserved)
    if stage == "unserved":
        solver.Minimize(solver.Sum(list(lost.values())))
    else:
        price = penalty if isinstance(penalty, dict) else dict.fromkeys(pairs, penalty)
        solver.Minimize(
            solver.Sum([by_id(arcs)[a].cost * v for (_, a), v in flow.items()])
            + solver.Sum([price[p] * v for p, v in lost.items()])
        )
    status = solver.Solve()
    if status == pywraplp.Solver.INFEASIBLE:
        return None
    assert status == pywraplp.Solver.OPTIMAL
    return float(solver.Objective().Value())


def served_first(
    arcs: list[Arc],
    capacities: dict[str, float],
    demand: dict[Pair, float],
    penalty: float | dict[Pair, float],
) -> tuple[float, float]:
    """The per-pair formulation solved in two stages: the most TEU served, then the least
    cost serving that many."""
    fewest = per_pair_lp(arcs, capacities, demand, penalty, "unserved")
    assert fewest is not None
    cost = per_pair_lp(arcs, capacities, demand, penalty, "cost", fewest + 1e-6)
    assert cost is not None
    return sum(demand.values()) - fewest, cost


def by_id(arcs: list[Arc]) -> dict[str, Arc]:
    return {arc.id: arc for arc in arcs}


@settings(max_examples=40, deadline=None, derandomize=True)
@given(shared_instances())
def test_shared_capacities_and_groups_match_a_per_pair_formulation(instance: Instance) -> None:
    arcs, capacities, demand = instance
    result = min_cost_flow(arcs, capacities, demand, PENALTY)
    assert result.cost == pytest.approx(per_pair_lp(arcs, capacities, demand), abs=1e-5)
    check_feasible(arcs, capacities, demand, result)
    by_arc = by_id(arcs)
    for (_, _, group), paths in result.paths.items():
        assert all(by_arc[a].group in (None, group) for walk, _ in paths for a in walk)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(shared_instances())
def test_shadow_prices_of_shared_capacities(instance: Instance) -> None:
    check_shadow_prices(*instance)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(priced(shared_instances()))
def test_shared_capacities_serve_the_most_then_cost_the_least(instance: PricedInstance) -> None:
    """Against the per-pair formulation solved in its two stages."""
    check_served_first(instance, served_first)


@st.composite
def contested_instances(draw: st.DrawFn) -> Instance:
    """A shared instance with the Pinglu Canal's case in it: a pair X whose only route is a
    train, and a pair Y with a detour of its own and a dearer-to-build route over a barge
    (capacity often nil) onto that train. Room on the barge lets Y onto the train, where it
    saves more than X's penalty, so that, left to the penalties, X gives way."""
    arcs, capacities, demand = draw(shared_instances())
    x, y, to = draw(st.permutations(NODES))[:3]
    arcs += [
        Arc("train", x, to, draw(st.integers(1, 40)), ("T",)),
        Arc("barge", y, x, draw(st.integers(1, 40)), ("B",)),
        Arc("detour", y, to, draw(st.integers(1, 80))),
    ]
    capacities |= {"T": float(draw(st.integers(0, 20))), "B": float(draw(st.integers(0, 5)))}
    demand |= {(x, to, "dry"): float(draw(st.integers(1, 15))), (y, to, "dry"): 15.0}
    return arcs, capacities, demand


@settings(max_examples=60, deadline=None, derandomize=True)
@given(priced(contested_instances()), st.integers(1, 20))
def test_more_capacity_never_serves_less(instance: PricedInstance, extra: int) -> None:
    """Whichever capacity grows, and whatever the pairs' penalties."""
    arcs, capacities, demand, penalties = instance
    before = served(demand, min_cost_flow(arcs, capacities, demand, penalties))
    for resource, capacity in capacities.items():
        more = {**capacities, resource: capacity + extra}
        after = served(demand, min_cost_flow(arcs, more, demand, penalties))
        assert after >= before - 1e-6, resource


@settings(max_examples=40, deadline=None, derandomize=True)
@given(priced(shared_instances()))
def test_shadow_prices_are_what_capacity_saves_serving_as_many(instance: PricedInstance) -> None:
    """The cost stage's duals: re-solved with a TEU more or less of a capacity and no more left
    unserved (the per-pair formulation), the cost changes bracket each price, since that cost
    is convex in the capacity."""
    arcs, capacities, demand, penalties = instance
    result = min_cost_flow(arcs, capacities, demand, penalties)
    most_unserved = sum(result.unserved.values()) + 1e-6
    for resource, capacity in capacities.items():
        if resource not in result.shadow_prices:
            continue  # no arc draws on it
        price = result.shadow_prices[resource]
        bigger = {**capacities, resource: capacity + 1}
        more = per_pair_lp(arcs, bigger, demand, penalties, "cost", most_unserved)
        assert more is not None
        assert result.cost - more <= price + 1e-3
        smaller = {**capacities, resource: capacity - 1}
        less = per_pair_lp(arcs, smaller, demand, penalties, "cost", most_unserved)
        if capacity >= 1 and less is not None:  # None: a TEU less does not fit
            assert price <= less - result.cost + 1e-3
