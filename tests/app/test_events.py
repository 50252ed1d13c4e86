"""Booking events over HTTP: recorded idempotently, checked, and moving the booking's ETA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.db.models import Quote
from app.roles import Role
from solvers import codec
from solvers.quoting.ranking import Option
from solvers.tracking import planned_legs
from tests.app.conftest import make_key
from tests.app.test_api import booking_body, legs, make_quote

pytestmark = pytest.mark.anyio


async def booked(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    quote = await make_quote(client, headers)
    by_ship = next(
        i for i, o in enumerate(quote["options"]) if any(leg["mode"] == "sea" for leg in legs(o))
    )
    answer = await client.post("/v1/bookings", json=booking_body(quote, by_ship), headers=headers)
    assert answer.status_code == 201, answer.text
    booking: dict[str, Any] = answer.json()
    return booking


async def test_events_move_the_eta_and_flag_a_missed_connection(
    client: httpx.AsyncClient, forwarder: dict[str, str], database_url: str
) -> None:
    booking = await booked(client, forwarder)
    plan = legs(booking["option"])
    url = f"/v1/bookings/{booking['id']}/events"
    empty = (await client.get(url, headers=forwarder)).json()
    assert empty["events"] == []
    # one meaning of arrival everywhere: the box available (the option's arrival), and the
    # vehicle at the destination terminal (its vehicle_arrival, the last leg's arrival)
    planned_arrival = datetime.fromisoformat(booking["option"]["arrival"])
    tracking = empty["tracking"]
    assert datetime.fromisoformat(tracking["eta"]) == planned_arrival
    assert datetime.fromisoformat(tracking["planned_arrival"]) == planned_arrival
    vehicle = datetime.fromisoformat(plan[-1]["arrival"])
    assert datetime.fromisoformat(booking["option"]["vehicle_arrival"]) == vehicle
    assert datetime.fromisoformat(tracking["vehicle_eta"]) == vehicle
    assert datetime.fromisoformat(tracking["planned_vehicle_arrival"]) == vehicle
    assert vehicle < planned_arrival  # discharge, handling and import clearance
    gate_in = {
        "classifier": "ACT",
        "code": "GTIN",
        "leg_seq": 1,
        "event_time": datetime.now(UTC).isoformat(),
    }
    first = await client.post(url, json=gate_in, headers=forwarder | {"Idempotency-Key": "g1"})
    assert first.status_code == 201, first.text
    assert first.json()["event"]["location"] == plan[0]["from"]
    again = await client.post(url, json=gate_in, headers=forwarder | {"Idempotency-Key": "g1"})
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["event"]["id"] == first.json()["event"]["id"]
    other = await client.post(
        url, json=gate_in | {"leg_seq": 2}, headers=forwarder | {"Idempotency-Key": "g1"}
    )
    assert other.status_code == 422
    # the train is expected at the port only at the ship's cut-off: no time to load the box
    ship = next(i for i, leg in enumerate(plan) if leg["mode"] == "sea")
    late = {
        "classifier": "EST",
        "code": "ARRI",
        "leg_seq": ship,  # the leg before the ship (seq is 1-based)
        "event_time": plan[ship]["cutoff"],
    }
    moved = await client.post(url, json=late, headers=forwarder)
    assert moved.status_code == 201, moved.text
    estimate = moved.json()["tracking"]
    assert estimate["missed_connections"] == [ship + 1]
    assert estimate["delay_minutes"] >= 24 * 60
    assert datetime.fromisoformat(estimate["eta"]) > planned_arrival
    assert estimate["legs"][ship]["rebooked_departure"] is not None
    stream = (await client.get(url, headers=forwarder)).json()
    assert [e["code"] for e in stream["events"]] == ["GTIN", "ARRI"]
    assert stream["tracking"] == estimate


async def test_bad_events_are_named_and_nothing_is_stored(
    client: httpx.AsyncClient, forwarder: dict[str, str], database_url: str
) -> None:
    booking = await booked(client, forwarder)
    plan = legs(booking["option"])
    url = f"/v1/bookings/{booking['id']}/events"
    base = {"classifier": "EST", "code": "DEPA", "leg_seq": 1, "event_time": plan[0]["departure"]}
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    cases = [
        (base | {"leg_seq": len(plan) + 1}, "body.leg_seq"),
        (base | {"location": plan[0]["to"]}, "body.location"),
        (base | {"classifier": "ACT", "event_time": future}, "body.event_time"),
        (base | {"event_time": "2027-01-04T08:00:00"}, "body.event_time"),
        (base | {"code": "XXXX"}, "body.code"),
    ]  # fmt: skip
    for body, field in cases:
        answer = await client.post(url, json=body, headers=forwarder)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["errors"][0]["field"] == field, answer.text
    assert (await client.get(url, headers=forwarder)).json()["events"] == []
    stranger = make_key(database_url, "Org B", Role.FORWARDER)
    assert (await client.post(url, json=base, headers=stranger)).status_code == 404
    assert (await client.get(url, headers=stranger)).status_code == 404
    planner = make_key(database_url, "Org A", Role.PLANNER)
    assert (await client.post(url, json=base, headers=planner)).status_code == 403
    await client.post(f"/v1/bookings/{booking['id']}/cancel", headers=forwarder)
    assert (await client.post(url, json=base, headers=forwarder)).status_code == 409


def stored_option(database_url: str, quote_id: str, option_id: str) -> Option:
    """The option as the service keeps it."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            row = db.get(Quote, quote_id)
            assert row is not None
            option = codec.decode_quote(row.result).option(option_id)
            assert option is not None
            return option
    finally:
        engine.dispose()


async def test_the_plan_carries_the_customs_time_quoted_before_each_ride(
    client: httpx.AsyncClient, database_url: str
) -> None:
    forwarder = make_key(database_url, "Org A", Role.FORWARDER)
    quote = await make_quote(client, forwarder)
    option = next(o for o in quote["options"] if any(leg["mode"] == "sea" for leg in legs(o)))
    plan = planned_legs(stored_option(database_url, quote["id"], option["id"]).itinerary)
    by_place = {hub["location"]: hub["customs_hours"] for hub in option["hubs"]}
    ship = next(leg for leg in plan if leg.mode.value == "sea")
    assert by_place[ship.origin] > 0  # export clearance at PA before the ship
    assert ship.clearance_hours == by_place[ship.origin]
    aboard = [b for a, b in pairwise(plan) if a.service == b.service]
    assert aboard
    assert all(leg.clearance_hours == 0 for leg in aboard)  # no clearance without a transfer
