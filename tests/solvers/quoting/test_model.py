"""The shared quote rules on the hand-drawn tiny network, where the answers are known."""

from __future__ import annotations

import dataclasses
import gc
import itertools
import weakref
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from graph import CargoClass, Network, ScenarioError, apply_scenario, parse_scenario
from graph.model import departure_key
from graph.schedule import DepartureIndex, to_minutes
from solvers.cargo import Cargo
from solvers.quoting import QuoteSettings, caches, quote
from solvers.quoting.model import QuoteModel
from solvers.quoting.search import pareto_search
from solvers.types import Endpoint, QuoteRequest
from solvers.validate import violations

READY = datetime(2026, 3, 2, 8, tzinfo=UTC)


def to_vietnam(network: Network) -> QuoteRequest:
    return QuoteRequest(
        origin=Endpoint.at("PA"),
        destination=Endpoint.at("VD"),
        ready=READY,
        cargo=Cargo(CargoClass.DRY, "42G1"),
    )


def test_a_truck_crosses_at_the_border_crossing_clearing_both_ways(tiny_network: Network) -> None:
    asked = to_vietnam(tiny_network)
    (itinerary,) = quote(tiny_network, asked).pareto
    assert [(leg.origin, leg.destination) for leg in itinerary.legs] == [("PA", "BX"), ("BX", "VD")]
    assert [(hub.location, hub.customs) for hub in itinerary.hubs if hub.customs] == [
        ("BX", ("export", "import"))
    ]
    assert itinerary.legs[0].departure == READY
    assert violations(tiny_network, asked, itinerary) == []


def test_a_quotes_model_is_freed_as_the_quote_returns(
    tiny_network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No reference cycle leaves a model, and all it memoised, to the cyclic collector."""
    made: list[weakref.ref[QuoteModel]] = []
    build = QuoteModel.__init__

    def spied(self: QuoteModel, *args: Any, **kwargs: Any) -> None:
        build(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(QuoteModel, "__init__", spied)
    origin = tiny_network.get_location("PA")
    door = Endpoint(lat=origin.lat, lon=origin.lon, max_km=50)  # first-mile trucks too
    asked = dataclasses.replace(to_vietnam(tiny_network), origin=door)
    gc.disable()
    try:
        assert quote(tiny_network, asked).options
        assert made
        assert [model() for model in made] == [None] * len(made)
    finally:
        gc.enable()


def closed_road(network: Network, reopens: datetime) -> Network:
    """``network`` with the road from PA to the border closed from before READY to ``reopens``."""
    return apply_scenario(
        network,
        parse_scenario(
            "closed road",
            [
                {
                    "op": "close",
                    "target": "ROAD-PA-BX-1",
                    "start": (READY - timedelta(hours=1)).isoformat(),
                    "end": reopens.isoformat(),
                }
            ],
        ),
    )


def test_a_truck_waits_for_a_closed_road_to_reopen(tiny_network: Network) -> None:
    reopens = READY + timedelta(hours=10)
    closed = closed_road(tiny_network, reopens)
    asked = to_vietnam(closed)
    (itinerary,) = quote(closed, asked).pareto
    assert itinerary.legs[0].departure == reopens
    assert violations(closed, asked, itinerary) == []
    # a closed destination holds the truck back until it can arrive
    border = apply_scenario(
        tiny_network,
        parse_scenario(
            "closed border",
            [
                {
                    "op": "close",
                    "target": "BX",
                    "start": READY.isoformat(),
                    "end": reopens.isoformat(),
                }
            ],
        ),
    )
    (late,) = quote(border, to_vietnam(border)).pareto
    assert late.legs[0].arrival == reopens


def test_a_continuous_leg_offers_nothing_at_or_after_the_horizon(tiny_network: Network) -> None:
    index = DepartureIndex(tiny_network)
    ready = to_minutes(READY)
    assert [slot.departure for slot in index.boardable("ROAD-PA-BX-1", ready, ready + 1)] == [ready]
    assert list(index.boardable("ROAD-PA-BX-1", ready, ready)) == []
    assert list(index.boardable("ROAD-PA-BX-1", ready + 5, ready)) == []


def test_the_first_departures_are_the_first_the_generators_give(tiny_network: Network) -> None:
    # a closed road (a continuous leg that waits for it to reopen) beside the weekly services
    reopens = READY + timedelta(hours=10)
    closed = closed_road(tiny_network, reopens)
    index = DepartureIndex(closed)
    start = to_minutes(READY) - 3 * 24 * 60
    checked = 0
    for leg in sorted(closed.legs):
        for ready in range(start, start + 3 * 7 * 24 * 60, 7 * 60 + 13):  # across week ends
            for until in (ready, ready + 1, ready + 36 * 60, ready + 9 * 24 * 60):
                expected = next(index.boardable(leg, ready, until), None)
                assert index.first_boardable(leg, ready, until) == expected
                if not closed.legs[leg].timetable.continuous:
                    assert index.first(leg, ready, until) == next(
                        index.slots(leg, ready, until), None
                    )
                checked += expected is not None
    assert checked > 1000


def test_a_tariff_change_prices_each_departure_by_its_day(tiny_network: Network) -> None:
    # the rail box rate falls from 500 to 100 CNY for trains leaving from Friday 6 March:
    # Wednesday's train keeps the old rate, Saturday's is cheaper and later, so both are offered
    changed = apply_scenario(
        tiny_network,
        parse_scenario(
            "rail cut",
            [{"op": "set_tariff", "code": "RAIL-BOX", "amount": 100, "valid_from": "2026-03-06"}],
        ),
    )
    asked = QuoteRequest(
        origin=Endpoint.at("RT"),
        destination=Endpoint.at("PA"),
        ready=READY,
        cargo=Cargo(CargoClass.DRY, "42G1"),
    )
    before = quote(tiny_network, asked).pareto
    assert [i.legs[0].departure.day for i in before] == [4]
    after = quote(changed, asked).pareto
    bills = {
        i.legs[0].departure.day: [(line.code, line.amount) for line in i.price.lines] for i in after
    }
    assert bills == {4: [("RAIL-BOX", 500.0)], 7: [("RAIL-BOX.20260306", 100.0)]}
    for itinerary in after:
        assert violations(changed, asked, itinerary) == []
    # CP-SAT agrees; its cheapest takes the first train at that price, not one weeks later
    exact = quote(changed, asked, QuoteSettings(exact=True)).pareto
    assert sorted((i.legs[0].departure, i.price.total_cny) for i in exact) == sorted(
        (i.legs[0].departure, i.price.total_cny) for i in after
    )
    # the item ends the day before, its successor starts that day; changing the old item again
    # from that day, or the successor from its first day, is refused
    rail = changed.tariffs
    assert rail.get("RAIL-BOX").valid_to == date(2026, 3, 5)
    assert rail.get("RAIL-BOX.20260306").valid_from == date(2026, 3, 6)
    for code, message in [("RAIL-BOX", "is not valid on"), ("RAIL-BOX.20260306", "already starts")]:
        again = {"op": "set_tariff", "code": code, "factor": 2, "valid_from": "2026-03-06"}
        with pytest.raises(ScenarioError, match=message):
            apply_scenario(changed, parse_scenario("again", [again]))


def test_a_bill_names_the_item_valid_on_the_day_even_at_the_same_price(
    tiny_network: Network,
) -> None:
    renewed = apply_scenario(
        tiny_network,
        parse_scenario(
            "renewed",
            [{"op": "set_tariff", "code": "RAIL-BOX", "factor": 1, "valid_from": "2026-03-06"}],
        ),
    )
    for ready, code in [(READY, "RAIL-BOX"), (READY + timedelta(days=4), "RAIL-BOX.20260306")]:
        asked = QuoteRequest(
            origin=Endpoint.at("RT"),
            destination=Endpoint.at("PA"),
            ready=ready,
            cargo=Cargo(CargoClass.DRY, "42G1"),
        )
        (itinerary,) = quote(renewed, asked).pareto
        assert [line.code for line in itinerary.price.lines] == [code]
        assert violations(renewed, asked, itinerary) == []


def test_quotes_between_the_same_countries_share_templates_and_answer_as_if_alone(
    real_network: Network,
) -> None:
    """Templates are shared by country pair: a quote after others answers as it does cold."""
    cargo = Cargo(CargoClass.DRY, "42G1")
    pairs = [
        ("CNCQI-TJC", "VNHPH"),
        ("CNNIG", "VNCLI"),  # same countries as the first: its templates are reused
        ("CNNIG", "THLCH"),  # another destination country: templates of its own
        ("CNCDU-CXG", "CNQZH"),  # domestic
        ("CNCQI-XNY", "CNNSA"),
        ("VNHPH", "CNNIG"),  # the other way round
    ]
    requests = [
        QuoteRequest(
            origin=Endpoint.at(origin), destination=Endpoint.at(end), ready=READY, cargo=cargo
        )
        for origin, end in pairs
    ]
    caches.clear()
    shared = [pareto_search(QuoteModel(real_network, r)).arrivals for r in requests]
    first, second, third = (QuoteModel(real_network, r)._groups for r in requests[:3])
    assert first is second
    assert first is not third
    assert first
    assert third
    alone = []
    for request in requests:
        caches.clear()
        alone.append(pareto_search(QuoteModel(real_network, request)).arrivals)
    assert all(shared)
    assert shared == alone


def test_quotes_share_voyages_and_cut_them_to_their_own_horizon_deadline_and_capacity(
    real_network: Network,
) -> None:
    """Voyages found by a quote looking far ahead serve later quotes that look less far."""
    wide = QuoteRequest(
        origin=Endpoint.at("CNCQI-TJC"),
        destination=Endpoint.at("SGSIN"),
        ready=READY,
        cargo=Cargo(CargoClass.DRY, "42G1"),
        horizon=timedelta(weeks=26),
    )
    caches.clear()
    slowest = max(quote(real_network, wide).pareto, key=lambda option: option.arrival)
    # full from the second call of a ride on: the box may board, not stay aboard
    booked = {
        departure_key(leg.leg_id, leg.departure): 0.0
        for before, leg in itertools.pairwise(slowest.legs)
        if leg.ride == before.ride
    }
    assert booked
    narrower = [
        dataclasses.replace(wide, horizon=slowest.legs[-1].departure - READY),
        dataclasses.replace(wide, deadline=slowest.arrival - timedelta(hours=1)),
        dataclasses.replace(wide, capacity=booked),
    ]
    shared = [quote(real_network, request).pareto for request in narrower]
    assert QuoteModel(real_network, wide)._voyages is QuoteModel(real_network, narrower[0])._voyages
    alone = []
    for request in narrower:
        caches.clear()
        alone.append(quote(real_network, request).pareto)
    assert shared == alone
    assert all(slowest not in found for found in alone)  # each limit changes the answer
    assert all(found for found in alone)
    horizon_end = READY + narrower[0].horizon
    assert all(leg.departure < horizon_end for option in alone[0] for leg in option.legs)
    for request, found in zip(narrower, alone, strict=True):
        assert all(violations(real_network, request, option) == [] for option in found)
