"""The quote: from a request to named, priced, explained options (or the reasons there are none).

The default path is the exact Pareto search; ``exact=True`` asks the OR-Tools time-expanded model
for the cheapest itinerary within the deadline and constraints and the earliest within the budget,
with the solver's status and bound.

Read in this order: :mod:`~solvers.quoting.rides` (what every solver combines),
:mod:`~solvers.quoting.model` (one request on one network) and the rules it is built from —
:mod:`~solvers.quoting.allowed`, :mod:`~solvers.quoting.customs`,
:mod:`~solvers.quoting.passages`, :mod:`~solvers.quoting.drayage`,
:mod:`~solvers.quoting.bounds`, :mod:`~solvers.quoting.caches` —; then the solvers,
:mod:`~solvers.quoting.search` and :mod:`~solvers.quoting.exact`; last what makes their rides
an answer: :mod:`~solvers.quoting.assemble`, :mod:`~solvers.quoting.ranking` and
:mod:`~solvers.quoting.explain`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from graph import Network
from graph.schedule import from_minutes
from solvers.itinerary import Itinerary
from solvers.quoting.assemble import build_itinerary
from solvers.quoting.exact import SolverLimits, solve_exact
from solvers.quoting.explain import Reason, explain
from solvers.quoting.model import QuoteModel
from solvers.quoting.ranking import Option, Unlimited, options_from
from solvers.quoting.search import SearchStats, pareto_search
from solvers.types import QuoteRequest, SolveStatus

DEFAULT_VALIDITY = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class QuoteSettings:
    """How to solve: the exact model or the search, solver limits, how long prices hold."""

    exact: bool = False
    limits: SolverLimits = field(default_factory=SolverLimits)
    validity: timedelta = DEFAULT_VALIDITY


@dataclass(frozen=True, slots=True)
class QuoteResult:
    """The options of a quote (best first), or the reasons there are none."""

    status: SolveStatus
    options: tuple[Option, ...]
    pareto: tuple[Itinerary, ...]
    reasons: tuple[Reason, ...]
    network_version: str
    solver: str
    elapsed_s: float
    stats: SearchStats | None = None
    gap: float | None = None

    @property
    def recommended(self) -> Option | None:
        """The option labelled recommended, if any."""
        return next((o for o in self.options if "recommended" in o.labels), None)


def quote(
    network: Network, request: QuoteRequest, settings: QuoteSettings | None = None
) -> QuoteResult:
    """Find the options for ``request`` on ``network`` (a scenario is just another network)."""
    settings = settings or QuoteSettings()
    started = time.perf_counter()
    model = QuoteModel(network, request)
    if settings.exact:
        return _exact(network, model, request, settings, started)
    found = pareto_search(model)
    pareto = tuple(
        build_itinerary(model, arrival.rides, arrival.time, settings.validity)
        for arrival in found.arrivals
    )
    reasons = () if pareto else explain(network, request)
    return QuoteResult(
        status=SolveStatus.OPTIMAL if pareto else SolveStatus.INFEASIBLE,
        options=_options(network, request, pareto),
        pareto=pareto,
        reasons=reasons,
        network_version=network.version,
        solver="pareto-search",
        elapsed_s=time.perf_counter() - started,
        stats=found.stats,
    )


def _exact(
    network: Network,
    model: QuoteModel,
    request: QuoteRequest,
    settings: QuoteSettings,
    started: float,
) -> QuoteResult:
    cheapest = solve_exact(model, "price", settings.limits)
    fastest = solve_exact(model, "arrival", settings.limits)
    itineraries = []
    for result in (cheapest, fastest):
        if result.rides and result.finish_time is not None:
            itinerary = build_itinerary(model, result.rides, result.finish_time, settings.validity)
            if itinerary not in itineraries:
                itineraries.append(itinerary)
    statuses = {cheapest.status, fastest.status}
    if SolveStatus.TIMEOUT in statuses and not itineraries:
        status = SolveStatus.TIMEOUT
    elif not itineraries:
        status = SolveStatus.INFEASIBLE
    elif statuses == {SolveStatus.OPTIMAL}:
        status = SolveStatus.OPTIMAL
    else:
        status = SolveStatus.FEASIBLE
    gaps = [gap for gap in (cheapest.gap, fastest.gap) if gap is not None]
    return QuoteResult(
        status=status,
        options=_options(network, request, itineraries),
        pareto=tuple(itineraries),
        reasons=() if itineraries else explain(network, request),
        network_version=network.version,
        solver="cp-sat",
        elapsed_s=time.perf_counter() - started,
        gap=max(gaps) if gaps else None,
    )


def _options(
    network: Network, request: QuoteRequest, itineraries: Sequence[Itinerary]
) -> tuple[Option, ...]:
    """The named options, with the catalogue's value of time as the balanced default."""
    unlimited = _unlimited(network, request, itineraries)
    return tuple(options_from(itineraries, request, unlimited, network.tariffs.value_of_time_cny))


def _unlimited(
    network: Network, request: QuoteRequest, found: Sequence[Itinerary]
) -> tuple[Unlimited, ...]:
    """The options without the request's limits, to tell which limits bind (if any are set)."""
    if not found or not request.limited:
        return ()
    arrivals = pareto_search(QuoteModel(network, request.without_limits())).arrivals
    return tuple(
        Unlimited(from_minutes(a.time), a.price / 100, a.co2 / 1000, len(a.rides) - 1)
        for a in arrivals
    )
