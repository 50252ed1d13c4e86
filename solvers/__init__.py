"""Search and optimisation over a :class:`graph.Network`: a library a planner uses in a notebook.

The face of the package, each name loaded on first use so that ``import solvers`` costs nothing
(``corridor quote`` starts in well under a second; OR-Tools loads only for an exact solve or an
allocation)::

    import solvers
    result = solvers.quote(network, request)  # a solvers.QuoteRequest

- quotes: :func:`quote` (:mod:`solvers.quoting`), with :class:`QuoteSettings` and
  :class:`QuoteResult`;
- re-routing a booking: :func:`spliced` and :func:`travelled_lines` (:mod:`solvers.reroute`);
  tracking it: :func:`track` (:mod:`solvers.tracking`);
- dispatch: :func:`allocate` a batch of :class:`Shipment` onto capacitated departures
  (:mod:`solvers.allocation`);
- planning studies (:mod:`solvers.study`): :func:`build_study_network`, :func:`run_scenario`,
  :func:`run_assignment`, :func:`fit_value_of_time`, and :func:`compare` two outcomes;
- the core types: :class:`QuoteRequest`, :class:`Endpoint`, :class:`Filters`, :class:`Cargo`,
  :class:`Itinerary`, :class:`SolveStatus`, and the errors :class:`RoutingError` and
  :class:`InvalidRequest`.
"""

from __future__ import annotations

from importlib import import_module

# Not typing.TYPE_CHECKING: importing typing alone would double what `import solvers` costs.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from solvers.allocation import Allocation, Shipment, allocate
    from solvers.cargo import Cargo
    from solvers.errors import InvalidRequest, RoutingError
    from solvers.itinerary import Itinerary
    from solvers.quoting import QuoteResult, QuoteSettings, quote
    from solvers.reroute import spliced, travelled_lines
    from solvers.study.assign import fit_value_of_time, run_assignment, run_scenario
    from solvers.study.compare import compare
    from solvers.study.indicators import ScenarioOutcome
    from solvers.study.network import StudyParameters, build_study_network
    from solvers.tracking import track
    from solvers.types import Endpoint, Filters, QuoteRequest, SolveStatus

#: Each public name and the module that owns it.
_OWNERS = {
    "quote": "solvers.quoting",
    "QuoteSettings": "solvers.quoting",
    "QuoteResult": "solvers.quoting",
    "spliced": "solvers.reroute",
    "travelled_lines": "solvers.reroute",
    "track": "solvers.tracking",
    "allocate": "solvers.allocation",
    "Shipment": "solvers.allocation",
    "Allocation": "solvers.allocation",
    "StudyParameters": "solvers.study.network",
    "build_study_network": "solvers.study.network",
    "run_scenario": "solvers.study.assign",
    "run_assignment": "solvers.study.assign",
    "fit_value_of_time": "solvers.study.assign",
    "ScenarioOutcome": "solvers.study.indicators",
    "compare": "solvers.study.compare",
    "QuoteRequest": "solvers.types",
    "Endpoint": "solvers.types",
    "Filters": "solvers.types",
    "SolveStatus": "solvers.types",
    "Cargo": "solvers.cargo",
    "Itinerary": "solvers.itinerary",
    "RoutingError": "solvers.errors",
    "InvalidRequest": "solvers.errors",
}

__all__ = [
    "Allocation",
    "Cargo",
    "Endpoint",
    "Filters",
    "InvalidRequest",
    "Itinerary",
    "QuoteRequest",
    "QuoteResult",
    "QuoteSettings",
    "RoutingError",
    "ScenarioOutcome",
    "Shipment",
    "SolveStatus",
    "StudyParameters",
    "allocate",
    "build_study_network",
    "compare",
    "fit_value_of_time",
    "quote",
    "run_assignment",
    "run_scenario",
    "spliced",
    "track",
    "travelled_lines",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    owner = _OWNERS.get(name)
    if owner is None:
        message = f"module 'solvers' has no attribute {name!r}"
        raise AttributeError(message)
    value = getattr(import_module(owner), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_OWNERS})
