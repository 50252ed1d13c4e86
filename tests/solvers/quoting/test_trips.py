"""A truck that drives through a place is one trip; at a border crossing the box changes truck.

On the real network: Qinzhou -> Fangchenggang -> Dongxing is one drive along the coast (one
fixed part, no handling at Fangchenggang); Dongxing is a border crossing, where Chinese and
Vietnamese trucks transload (a second fixed part and the crossing's handling).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from graph import CargoClass, Mode, Network
from solvers.cargo import Cargo
from solvers.itinerary import Itinerary
from solvers.quoting import quote
from solvers.quoting.model import QuoteModel
from solvers.quoting.search import earliest_arrival
from solvers.types import Endpoint, QuoteRequest
from solvers.validate import violations

READY = datetime(2026, 12, 15, tzinfo=ZoneInfo("Asia/Shanghai"))
BOX = Cargo(CargoClass.DRY, "42G1")
COAST = ("ROAD-CNQZH-CNFAN-1", "ROAD-CNFAN-CNDOX-1")
FIXED = "ROAD-TRUCK-FIX"


def _request(origin: Endpoint, destination: Endpoint) -> QuoteRequest:
    return QuoteRequest(origin=origin, destination=destination, ready=READY, cargo=BOX)


def _drives_the_coast(itinerary: Itinerary) -> bool:
    return any(
        (before.leg_id, after.leg_id) == COAST
        for before, after in zip(itinerary.legs, itinerary.legs[1:], strict=False)
    )


@pytest.fixture(scope="module")
def liuzhou_haiphong(real_network: Network) -> tuple[QuoteRequest, Itinerary]:
    request = _request(Endpoint.in_city("CNLZH"), Endpoint.in_city("VNHPH"))
    result = quote(real_network, request)
    by_coast = [option for option in result.pareto if _drives_the_coast(option)]
    assert by_coast, [str(option) for option in result.pareto]
    return request, by_coast[0]


def test_qinzhou_fangchenggang_dongxing_is_one_trip(
    real_network: Network, liuzhou_haiphong: tuple[QuoteRequest, Itinerary]
) -> None:
    request, itinerary = liuzhou_haiphong
    assert str(itinerary).startswith(
        "CNLZH ~ RAIL 12h ~ CNQZH ~ ROAD 1h ~ CNFAN ~ ROAD 1h ~ CNDOX ~ ROAD 3h ~ VNHPH | 4 legs"
    )
    legs = {leg.leg_id: leg for leg in itinerary.legs}
    to_fan, to_dox = legs[COAST[0]], legs[COAST[1]]
    assert to_fan.ride == to_dox.ride  # one truck: the legs and their geometry are kept
    assert to_dox.departure == to_fan.arrival  # it drives on: no handling, no wait
    assert "CNFAN" not in [hub.location for hub in itinerary.hubs]
    trip = f"{COAST[0]}..{COAST[1]}"
    coast_lines = [line for line in itinerary.price.lines if line.applies_to == trip]
    assert [(line.code, line.quantity) for line in coast_lines] == [
        (FIXED, 1),
        ("ROAD-TRUCK-KM-40", round(45.3 + 38.0, 3)),
    ]
    assert itinerary.rides == 3
    assert violations(real_network, request, itinerary) == []


def test_at_the_border_crossing_the_box_changes_truck(
    real_network: Network, liuzhou_haiphong: tuple[QuoteRequest, Itinerary]
) -> None:
    request, itinerary = liuzhou_haiphong
    for option in quote(real_network, request).pareto:  # no truck drives through Dongxing
        assert all(
            before.ride != after.ride
            for before, after in zip(option.legs, option.legs[1:], strict=False)
            if before.destination == "CNDOX"
        ), str(option)
    legs = {leg.leg_id: leg for leg in itinerary.legs}
    assert legs["ROAD-CNDOX-VNHPH-1"].ride == legs[COAST[1]].ride + 1
    fixed = [line.applies_to for line in itinerary.price.lines if line.code == FIXED]
    assert fixed == [f"{COAST[0]}..{COAST[1]}", "ROAD-CNDOX-VNHPH-1"]
    (dongxing,) = [hub for hub in itinerary.hubs if hub.location == "CNDOX"]
    published = real_network.locations["CNDOX"].handling_hours_between(Mode.ROAD, Mode.ROAD)
    assert published > 0
    assert dongxing.handling_hours == published


def test_the_validator_rejects_a_change_of_truck_at_the_crossing_taken_as_one_trip(
    real_network: Network, liuzhou_haiphong: tuple[QuoteRequest, Itinerary]
) -> None:
    request, itinerary = liuzhou_haiphong
    last = itinerary.legs[-1]
    coast = next(leg for leg in itinerary.legs if leg.leg_id == COAST[1])
    driven_on = dataclasses.replace(
        last,
        ride=coast.ride,
        departure=coast.arrival,
        arrival=coast.arrival + (last.arrival - last.departure),
        cutoff=coast.arrival,
    )
    merged = dataclasses.replace(
        itinerary,
        legs=(*itinerary.legs[:-1], driven_on),
        hubs=tuple(hub for hub in itinerary.hubs if hub.location != "CNDOX"),
    )
    assert "ROAD-CNDOX-VNHPH-1 is not the next leg of ROAD-CNFAN-CNDOX-1's service" in violations(
        real_network, request, merged
    )


def test_the_validator_rejects_a_change_of_truck_without_handling(
    real_network: Network, liuzhou_haiphong: tuple[QuoteRequest, Itinerary]
) -> None:
    request, itinerary = liuzhou_haiphong
    hubs = tuple(
        dataclasses.replace(hub, handling_hours=0.0) if hub.location == "CNDOX" else hub
        for hub in itinerary.hubs
    )
    found = violations(real_network, request, dataclasses.replace(itinerary, hubs=hubs))
    assert "handling at CNDOX is 0.0 h, published 6.0 h" in found


def test_qinzhou_to_dongxing_is_one_truck_for_both_searches(real_network: Network) -> None:
    request = _request(Endpoint.at("CNQZH"), Endpoint.at("CNDOX"))
    result = quote(real_network, request)
    fastest = min(result.pareto, key=lambda option: option.arrival)
    assert [leg.leg_id for leg in fastest.legs] == list(COAST)
    assert fastest.rides == 1
    assert [line.code for line in fastest.price.lines].count(FIXED) == 1
    transit = timedelta(hours=0.8 + 0.7)  # the two legs' published transit, back to back
    assert fastest.legs[-1].arrival - fastest.legs[0].departure == transit
    floor = earliest_arrival(QuoteModel(real_network, request))
    assert floor is not None
    assert [leg.id for ride in floor.rides for leg in ride.legs] == list(COAST)
    assert floor.price == round(fastest.price.total_cny * 100)
