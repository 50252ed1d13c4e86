"""A quote made on one network, checked on another: what no longer holds (tiny network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from graph import CargoClass, Network, apply_scenario, parse_scenario
from solvers.cargo import Cargo
from solvers.itinerary import Itinerary
from solvers.quoting import quote
from solvers.types import Endpoint, QuoteRequest
from solvers.validate import still_valid

READY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def quoted(network: Network) -> Itinerary:
    asked = QuoteRequest(
        origin=Endpoint.at("DP"),
        destination=Endpoint.at("PB"),
        ready=READY,
        cargo=Cargo(CargoClass.DRY, "22G1", 1),
    )
    return min(quote(network, asked).pareto, key=lambda i: i.arrival)


def congested(network: Network, place: str, start: datetime, hours: float) -> Network:
    op = {
        "op": "add_dwell",
        "target": place,
        "hours": hours,
        "start": start.isoformat(),
        "end": (start + timedelta(days=2)).isoformat(),
    }
    return apply_scenario(network, parse_scenario("queue", [op]))


def test_congestion_on_the_way_makes_a_quote_stale_and_not_elsewhere(
    tiny_network: Network,
) -> None:
    itinerary = quoted(tiny_network)
    hub = next(h for h in itinerary.hubs if h.arrival is not None and h is not itinerary.hubs[-1])
    assert hub.arrival is not None
    queue = congested(tiny_network, hub.location, hub.arrival - timedelta(hours=1), 6)
    (problem,) = still_valid(queue, itinerary)
    assert f"congestion at {hub.location}" in problem
    # the same congestion when it was quoted leaves the quote good
    assert still_valid(queue, quoted(queue)) == []
    # a queue elsewhere, or over before the box arrives, changes nothing
    elsewhere = congested(tiny_network, "VD", hub.arrival - timedelta(hours=1), 6)
    assert still_valid(elsewhere, itinerary) == []
    over = congested(tiny_network, hub.location, hub.arrival - timedelta(days=3), 6)
    assert still_valid(over, itinerary) == []
    # nor once the cargo is past the hub
    past = next(i for i, leg in enumerate(itinerary.legs, 1) if leg.origin == hub.location)
    assert still_valid(queue, itinerary, from_seq=past + 1) == []


def test_congestion_at_the_destination_moves_the_quoted_arrival(tiny_network: Network) -> None:
    itinerary = quoted(tiny_network)
    last = itinerary.hubs[-1]
    assert last.ready is not None
    # the queue is met when the box is available there, after import clearance
    available = last.ready - timedelta(hours=last.handling_hours)
    queue = congested(tiny_network, last.location, available - timedelta(hours=1), 12)
    assert any(f"congestion at {last.location}" in p for p in still_valid(queue, itinerary))
    assert still_valid(queue, quoted(queue)) == []
