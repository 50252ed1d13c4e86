"""Shortest paths: the one Dijkstra every solver uses.

Sea distances and the quote's lower bounds (:mod:`solvers.quoting`), the study's all-or-nothing
assignment and its waterway distances (:mod:`solvers.study`) all search here; each supplies its
own steps out of a node.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

#: A node: anything hashable and ordered (ties in the queue are broken by it, for determinism).
N = TypeVar("N", bound=str)
#: A cost: minutes, fen, grams, kilometres or CNY.
W = TypeVar("W", int, float)
#: What a step is (an arc, a leg), kept for the node it reaches best.
E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class Paths(Generic[N, W, E]):
    """The cost of the cheapest way to each node reached, and the step that reaches it."""

    cost: dict[N, W]
    via: dict[N, E]
    #: the node the search stopped at (see ``stop``), ``None`` when it ran to the end
    stopped: N | None = None


def shortest_paths(
    sources: Mapping[N, W],
    steps: Callable[[N], Iterable[tuple[N, W, E]]],
    *,
    stop: Callable[[N], bool] | None = None,
    margin: W | None = None,
) -> Paths[N, W, E]:
    """Dijkstra from ``sources`` (each with its cost at the start).

    ``steps(node)`` gives (next node, cost of the step, the step) for each step out of ``node``;
    on a reversed graph this searches backwards. ``stop`` ends the search at the first node
    settled that it accepts (never a source). A way replaces a known one only when cheaper by
    more than ``margin`` (for float costs summed in different orders).
    """
    cost = dict(sources)
    via: dict[N, E] = {}
    queue = [(value, node) for node, value in sorted(sources.items())]
    heapq.heapify(queue)
    while queue:
        value, node = heapq.heappop(queue)
        if value > cost[node]:
            continue
        if stop is not None and node not in sources and stop(node):
            return Paths(cost, via, node)
        for onward, step, how in steps(node):
            reached = value + step
            known = cost.get(onward)
            if known is None or reached < (known if margin is None else known - margin):
                cost[onward] = reached
                via[onward] = how
                heapq.heappush(queue, (reached, onward))
    return Paths(cost, via)
