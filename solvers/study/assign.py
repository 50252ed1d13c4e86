"""Assigning a year's demand to a study network: all-or-nothing and the capacitated optimum.

:func:`run_scenario` solves the capacitated min-cost flow (:mod:`solvers.study.flow`) and the
uncapacitated all-or-nothing assignment, and reports the indicators planners compare
(:mod:`solvers.study.indicators`); :func:`fit_value_of_time` finds the value of time that best
reproduces the base year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from graph.base_year import Target
from solvers.paths import shortest_paths
from solvers.study.calibration import Fit, TargetFit, compare, fit
from solvers.study.flow import Arc, FlowResult, Pair, min_cost_flow
from solvers.study.indicators import ScenarioOutcome, outcome
from solvers.study.network import StudyNetwork


def all_or_nothing(arcs: Sequence[Arc], demand: Mapping[Pair, float]) -> FlowResult:
    """Each pair entirely on its cheapest path, capacities ignored (Dijkstra per commodity).

    Pairs with no path are unserved; ``cost`` counts carried TEU only.
    """
    by_tail: dict[tuple[str, str | None], list[Arc]] = defaultdict(list)
    for arc in arcs:
        by_tail[arc.tail, arc.group].append(arc)
    flows: dict[str, float] = defaultdict(float)
    unserved: dict[Pair, float] = {}
    paths: dict[Pair, tuple[tuple[tuple[str, ...], float], ...]] = {}
    cost = 0.0
    commodities = sorted({(o, g) for (o, d, g), teu in demand.items() if teu > 0 and o != d})
    for origin, group in commodities:

        def steps(node: str, group: str = group) -> Iterable[tuple[str, float, Arc]]:
            return (
                (arc.head, arc.cost, arc)
                for arc in (*by_tail.get((node, None), ()), *by_tail.get((node, group), ()))
            )

        cheapest = shortest_paths({origin: 0.0}, steps, margin=1e-9)
        distance, via = cheapest.cost, cheapest.via
        for (o, d, g), teu in sorted(demand.items()):
            if (o, g) != (origin, group) or teu <= 0 or o == d:
                continue
            if d not in distance:
                unserved[o, d, g] = teu
                paths[o, d, g] = ()
                continue
            walk: list[str] = []
            node = d
            while node != origin:
                arc = via[node]
                walk.append(arc.id)
                node = arc.tail
            walk.reverse()
            for arc_id in walk:
                flows[arc_id] += teu
            cost += teu * distance[d]
            paths[o, d, g] = ((tuple(walk), teu),)
    usage: dict[str, float] = defaultdict(float)
    for arc in arcs:
        for resource in arc.resources:
            usage[resource] += flows.get(arc.id, 0.0)
    return FlowResult(
        cost=cost,
        flows=dict(flows),
        unserved=unserved,
        usage=dict(usage),
        shadow_prices={},
        paths=paths,
    )


def run_scenario(
    study: StudyNetwork,
    demand: Mapping[Pair, float],
    capacitated: bool = True,
    targets: Sequence[Target] = (),
) -> dict[str, ScenarioOutcome]:
    """Assign ``demand`` on ``study``: all-or-nothing, and the capacitated optimum if asked.

    Each outcome compares its flows with the base year's ``targets`` (its calibration table).
    """
    free = all_or_nothing(study.arcs, demand)
    outcomes = {"all_or_nothing": outcome(study, demand, free, "all_or_nothing", free, targets)}
    if capacitated:
        result = run_assignment(study, demand, free)
        outcomes["capacitated"] = outcome(study, demand, result, "capacitated", free, targets)
    return outcomes


def run_assignment(
    study: StudyNetwork, demand: Mapping[Pair, float], free: FlowResult | None = None
) -> FlowResult:
    """The capacitated assignment of ``demand``: the most TEU served, then the least cost.

    ``free`` is its all-or-nothing assignment; pairs without a route there are left out.
    """
    arcs = study.arcs
    if free is None:
        free = all_or_nothing(arcs, demand)
    reachable = {p: teu for p, teu in demand.items() if p not in free.unserved}
    # a box the network cannot carry goes some other way it does not model, at a multiple
    # of its best route's cost: shadow prices are measured against that
    penalty = {
        pair: study.parameters.unserved_cost_factor
        * sum(_path_cost(study, walk) for walk, _ in free.paths[pair][:1])
        for pair in reachable
        if pair in free.paths
    }
    return min_cost_flow(arcs, study.capacities, reachable, penalty)


def fit_value_of_time(
    study: StudyNetwork,
    demand: Mapping[Pair, float],
    targets: Sequence[Target],
    progress: Callable[[float], None] | None = None,
) -> Fit:
    """The value of time that best reproduces the ``fit`` targets (:func:`.calibration.fit`).

    Each trial re-costs ``study`` (:meth:`StudyNetwork.revalued`) and solves its capacitated
    assignment.
    """

    def evaluate(value_of_time: float) -> list[TargetFit]:
        trial = study.revalued(value_of_time)
        return compare(trial.rides, run_assignment(trial, demand), targets)

    return fit(evaluate, progress)


def _path_cost(study: StudyNetwork, walk: Sequence[str]) -> float:
    return sum(study.rides[arc_id].arc.cost for arc_id in walk)
