"""Property tests on random small timetabled networks.

The Pareto search is checked against a brute-force enumeration of every itinerary inside the
horizon, and against the CP-SAT time-expanded model; every itinerary it returns passes the
solver-independent validator.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from graph import CargoClass, LocationKind, Mode, Network, apply_scenario, parse_scenario
from graph.schedule import from_minutes
from solvers.cargo import Cargo
from solvers.quoting import DEFAULT_VALIDITY, quote
from solvers.quoting.assemble import build_itinerary
from solvers.quoting.exact import Objective, SolverLimits, solve_exact
from solvers.quoting.model import QuoteModel
from solvers.quoting.rides import Ride
from solvers.quoting.search import earliest_arrival, pareto_search
from solvers.types import Endpoint, Filters, HubRule, QuoteRequest, SolveStatus
from solvers.validate import violations
from tests.solvers.quoting.random_networks import REFERENCE_MONDAY, networks

# The suite runs a fixed set of examples; CORRIDOR_PROPERTY_SCALE=20 runs twenty times as many,
# freshly drawn, for a thorough local check.
SCALE = int(os.environ.get("CORRIDOR_PROPERTY_SCALE", "1"))
PROPERTY = settings(
    max_examples=300 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=SCALE == 1,
    database=None,
)


# transfer caps; the brute force needs one to end in reasonable time
CAPS = st.sampled_from([0, 1, 2, 3])
NO_CAP = st.none()


@dataclass(frozen=True)
class Instance:
    network: Network
    request: QuoteRequest


@st.composite
def instances(
    draw: st.DrawFn,
    *,
    constrained: bool = True,
    transfers: st.SearchStrategy[int | None] = CAPS,
    trucking: bool = False,
) -> Instance:
    """A random network and a request on it from the first location to the last.

    With ``trucking`` the network is mostly on-demand trucks (see :func:`networks`).

    Constrained requests add filters, and a deadline, budget or CO2e cap drawn from the criteria
    of the unconstrained Pareto set (sometimes one unit under them), so that they bind.
    """
    network = draw(networks(trucking=trucking))
    ids = sorted(network.locations)
    origin, destination = ids[0], ids[-1]
    ready = datetime.combine(REFERENCE_MONDAY, datetime.min.time(), UTC) + timedelta(
        hours=draw(st.integers(0, 72))
    )
    cargo_class = draw(st.sampled_from([CargoClass.DRY, CargoClass.DRY, CargoClass.REEFER]))
    size_types = ["45R1"] if cargo_class is CargoClass.REEFER else ["22G1", "42G1"]
    cargo = Cargo(cargo_class, draw(st.sampled_from(size_types)), draw(st.integers(1, 3)))
    # now and then from a city and to a city: every terminal of each is a start or an end
    start, end = Endpoint.at(origin), Endpoint.at(destination)
    first, last = network.city_of(origin), network.city_of(destination)
    if first != last and draw(st.booleans()):
        start, end = Endpoint.in_city(first), Endpoint.in_city(last)
    request = QuoteRequest(
        origin=start,
        destination=end,
        ready=ready,
        cargo=cargo,
        filters=Filters(max_transfers=draw(transfers)),
        horizon=timedelta(weeks=1),
    )
    if not constrained:
        return Instance(network, request)
    ends = {*network.terminals[first], *network.terminals[last]}
    others = [i for i in ids if i not in ends]
    sometimes = st.sampled_from([False, False, False, True])
    required: tuple[str, ...] = ()
    excluded: frozenset[str] = frozenset()
    if draw(sometimes) and others:
        required = (draw(st.sampled_from(others)),)
    if draw(sometimes) and others:
        excluded = frozenset({draw(st.sampled_from(others))})
    filters = Filters(
        modes=frozenset({Mode.ROAD, Mode.RAIL}) if draw(sometimes) else frozenset(Mode),
        max_transfers=draw(transfers),
        required_hubs=required,
        hub_rule=draw(st.sampled_from(list(HubRule))),
        excluded_hubs=excluded,
        excluded_operators=frozenset({"Beta"}) if draw(sometimes) else frozenset(),
        required_operators=(
            frozenset({"Alpha"})
            if draw(sometimes) and any(leg.operator == "Alpha" for leg in network.legs.values())
            else frozenset()
        ),
    )
    request = replace(request, filters=filters)
    free = pareto_search(QuoteModel(network, request)).arrivals
    if free:
        # limits at one Pareto option's criteria, now and then one unit under
        target = draw(st.sampled_from(free))
        under = st.sampled_from([0, 0, 0, 1])
        if draw(st.booleans()):
            deadline = datetime.fromtimestamp((target.time - draw(under)) * 60, UTC)
            if deadline > ready:
                request = replace(request, deadline=deadline)
        if draw(st.booleans()):
            request = replace(request, max_price_cny=(target.price - draw(under)) / 100)
        if draw(st.booleans()):
            request = replace(request, max_co2e_kg=(target.co2 - draw(under)) / 1000)
    return Instance(network, request)


Criteria = tuple[int, int, int]


def brute_force(model: QuoteModel, max_rides: int | None = None) -> dict[Criteria, int]:
    """Every itinerary inside the horizon, by depth-first enumeration of every departure.

    Returns the Pareto-optimal (arrival, price, CO2e) with the fewest rides reaching each, among
    itineraries of at most ``max_rides`` rides (the request's cap by default).
    """
    cap = model.max_rides if max_rides is None else max_rides
    reached: dict[Criteria, int] = {}

    def visit(
        location: str,
        time: int,
        arriving: Mode | None,
        phase: int,
        mask: int,
        cities: frozenset[str],
        price: int,
        co2: int,
        rides: int,
    ) -> None:
        end = model.finish(location, time, arriving, phase)
        if end is not None and model.hubs_satisfied(mask):
            criteria = (end.time, price + end.price_fen, co2 + end.co2e_g)
            if (
                criteria[0] <= model.deadline
                and criteria[1] <= model.max_price_fen
                and criteria[2] <= model.max_co2e_g
            ):
                reached[criteria] = min(reached.get(criteria, rides), rides)
            return
        if rides == cap:
            return
        here = city(location)
        for ride in model.rides_from(location, time, arriving, phase, first_only=False):
            stops = [city(step.destination) for step in ride.legs]
            if stops[-1] != here and stops[-1] in cities:
                continue  # alights again in a city the box has left
            if stops[-1] == here and any(stop != here for stop in stops):
                continue  # leaves its city aboard only to come back to it
            visit(
                ride.alight,
                ride.available,
                ride.mode,
                ride.phase,
                mask | ride.template.mask,
                cities | {stops[-1]},
                price + ride.price_fen,
                co2 + ride.co2e_g,
                rides + 1,
            )

    def city(location: str) -> str:
        return model.network.city_of(location)

    for origin in model.origins:
        start = model.start_mask(origin)
        visit(
            origin, model.ready, None, model.start_phase, start, frozenset({city(origin)}), 0, 0, 0
        )
    return {
        criteria: rides
        for criteria, rides in reached.items()
        if not any(_dominates(other, criteria) for other in reached)
    }


def _dominates(a: Criteria, b: Criteria) -> bool:
    return a != b and all(x <= y for x, y in zip(a, b, strict=True))


@PROPERTY
@given(instances())
def test_pareto_set_equals_brute_force(instance: Instance) -> None:
    model = QuoteModel(instance.network, instance.request)
    found = pareto_search(model)
    expected = brute_force(model)
    event("Pareto set size", len(expected))
    event("searches (cities tracked after a first answer came back to one)", found.stats.rounds)
    assert {a.criteria: len(a.rides) for a in found.arrivals} == expected
    assert len(found.arrivals) == len(expected)


@st.composite
def congested(draw: st.DrawFn) -> Instance:
    """An unconstrained instance with congestion where one of its best itineraries transfers.

    The window starts up to a day before that arrival and ends up to two days after it, so the
    congestion mostly changes the answer and its end often falls between competing arrivals.
    """
    instance = draw(instances(constrained=False))
    arrivals = pareto_search(QuoteModel(instance.network, instance.request)).arrivals
    assume(arrivals)
    ride = draw(st.sampled_from(draw(st.sampled_from(arrivals)).rides))
    assume(ride.alight in instance.network.locations)
    reached = from_minutes(ride.available)
    start = reached - timedelta(minutes=draw(st.integers(0, 24 * 60)))
    op = {
        "op": "add_dwell",
        "target": ride.alight,
        "hours": draw(st.sampled_from([1, 6, 20, 48, 100])),
        "start": start.isoformat(),
        "end": (reached + timedelta(minutes=draw(st.integers(1, 48 * 60)))).isoformat(),
    }
    return replace(instance, network=apply_scenario(instance.network, parse_scenario("q", [op])))


@settings(PROPERTY, max_examples=150 * SCALE)
@given(congested())
def test_congestion_keeps_the_pareto_set_exact(instance: Instance) -> None:
    # a box waits a window's hours but not past its end, so arriving later never means
    # leaving later: the search's dominance by earliest arrival stays exact
    model = QuoteModel(instance.network, instance.request)
    expected = brute_force(model)
    event("Pareto set size", len(expected))
    assert {a.criteria: len(a.rides) for a in pareto_search(model).arrivals} == expected


@PROPERTY
@given(instances(constrained=False))
def test_unconstrained_pareto_set_equals_brute_force(instance: Instance) -> None:
    model = QuoteModel(instance.network, instance.request)
    expected = brute_force(model)
    event("Pareto set size", len(expected))
    found = pareto_search(model)
    assert {a.criteria: len(a.rides) for a in found.arrivals} == expected
    floor = earliest_arrival(model)
    if expected:
        assert floor is not None
        assert floor.time == min(criteria[0] for criteria in expected)
    else:
        assert floor is None


@PROPERTY
@given(instances(transfers=NO_CAP))
def test_uncapped_pareto_set_equals_brute_force(instance: Instance) -> None:
    """Without a cap the search compares three criteria, not rides: checked against the brute
    force over itineraries as long as the longest option found (it would find any missing
    shorter option or any dominated option returned)."""
    model = QuoteModel(instance.network, instance.request)
    found = pareto_search(model)
    longest = max((len(a.rides) for a in found.arrivals), default=3)
    assume(longest <= 5)
    expected = brute_force(model, max(longest, 3))
    event("Pareto set size", len(expected))
    assert {a.criteria for a in found.arrivals} == set(expected)
    for arrival in found.arrivals:
        assert len(arrival.rides) >= expected[arrival.criteria]


@PROPERTY
@given(instances(transfers=st.none() | CAPS))
def test_every_itinerary_passes_the_validator(instance: Instance) -> None:
    _passes_the_validator(instance)


def _passes_the_validator(instance: Instance) -> None:
    result = quote(instance.network, instance.request)
    assert (result.status is SolveStatus.OPTIMAL) == bool(result.pareto)
    for itinerary in result.pareto:
        assert violations(instance.network, instance.request, itinerary) == []
        line = str(itinerary)
        start, end = itinerary.legs[0].origin, itinerary.legs[-1].destination
        assert line.startswith(f"{start} ~ ")
        assert f" ~ {end} | {len(itinerary.legs)} legs" in line
    if not result.pareto:
        assert result.reasons


def _drives_on(arrival_rides: tuple[Ride, ...]) -> bool:
    return any(ride.template.trip for ride in arrival_rides)


@settings(PROPERTY, max_examples=600 * SCALE)
@given(instances(trucking=True))
def test_truck_trips_keep_the_pareto_set_equal_to_brute_force(instance: Instance) -> None:
    """Mostly on-demand trucks: through trips priced, timed and bounded alike everywhere."""
    model = QuoteModel(instance.network, instance.request)
    found = pareto_search(model)
    event("a truck drives on through a place", any(_drives_on(a.rides) for a in found.arrivals))
    assert {a.criteria: len(a.rides) for a in found.arrivals} == brute_force(model)


@settings(PROPERTY, max_examples=400 * SCALE)
@given(instances(transfers=st.none() | CAPS, trucking=True))
def test_truck_trips_pass_the_validator(instance: Instance) -> None:
    _passes_the_validator(instance)


EXACT = settings(PROPERTY, max_examples=200 * SCALE)
LIMITS = SolverLimits(time_limit_s=30.0)


@EXACT
@given(instances(transfers=st.none() | CAPS), st.sampled_from(["price", "arrival"]))
def test_the_search_optimum_equals_cp_sat(instance: Instance, objective: Objective) -> None:
    """Cheapest within the limits, and earliest within the limits, both ways."""
    _search_agrees_with_cp_sat(instance, objective)


def _search_agrees_with_cp_sat(instance: Instance, objective: Objective) -> None:
    model = QuoteModel(instance.network, instance.request)
    arrivals = pareto_search(model).arrivals
    exact = solve_exact(model, objective, LIMITS)
    if not arrivals:
        assert exact.status is SolveStatus.INFEASIBLE
        return
    assert exact.status is SolveStatus.OPTIMAL
    if objective == "price":
        assert exact.price_fen == min(a.price for a in arrivals)
    else:
        assert exact.finish_time == min(a.time for a in arrivals)
    assert exact.finish_time is not None
    itinerary = build_itinerary(model, exact.rides, exact.finish_time, DEFAULT_VALIDITY)
    assert violations(instance.network, instance.request, itinerary) == []
    crossings = {
        place.id
        for place in instance.network.locations.values()
        if place.kind is LocationKind.BORDER_CROSSING
    }
    if any(hub.customs and hub.location in crossings for hub in itinerary.hubs):
        event("clears customs at a border crossing")


@settings(EXACT, max_examples=400 * SCALE)
@given(instances(transfers=st.none() | CAPS, trucking=True), st.sampled_from(["price", "arrival"]))
def test_truck_trips_keep_the_search_optimum_equal_to_cp_sat(
    instance: Instance, objective: Objective
) -> None:
    _search_agrees_with_cp_sat(instance, objective)
