"""Disruptions close the live network: affected bookings, quotes that avoid them, closing early."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from app.auth import Role
from tests.app.conftest import make_key
from tests.app.test_api import booking_body, legs, quote_body

pytestmark = pytest.mark.anyio


def ship_departure(option: dict[str, Any]) -> datetime:
    return next(
        datetime.fromisoformat(leg["departure"]) for leg in legs(option) if leg["mode"] == "sea"
    )


async def test_a_port_closure_lists_bookings_and_quotes_avoid_it(
    client: httpx.AsyncClient, database_url: str
) -> None:
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    forwarder = make_key(database_url, "Org A", Role.FORWARDER)
    other = make_key(database_url, "Org B", Role.FORWARDER)
    before = (await client.post("/v1/quotes", json=quote_body(), headers=forwarder)).json()
    option = next(o for o in before["options"] if any(leg["mode"] == "sea" for leg in legs(o)))
    booking = (
        await client.post(
            "/v1/bookings",
            json=booking_body(before, before["options"].index(option)),
            headers=forwarder,
        )
    ).json()
    sails = ship_departure(option)
    stale = (await client.post("/v1/quotes", json=quote_body(), headers=forwarder)).json()
    window = {
        "target_type": "location",
        "target": "PA",
        "kind": "port_closure",
        "reason": "Typhoon",
        "start": (sails - timedelta(hours=24)).isoformat(),
        "end": (sails + timedelta(hours=24)).isoformat(),
    }
    assert (await client.post("/v1/disruptions", json=window, headers=forwarder)).status_code == 403
    made = await client.post("/v1/disruptions", json=window, headers=dispatcher)
    assert made.status_code == 201, made.text
    disruption = made.json()
    ship_seq = next(leg["seq"] for leg in legs(option) if leg["mode"] == "sea")
    hit = {b["booking_id"]: b for b in disruption["affected_bookings"]}
    assert hit[booking["id"]]["waybill_number"] == booking["waybill_number"]
    assert ship_seq in hit[booking["id"]]["legs"]  # the ship leaves PA inside the window
    seen_by_other = (await client.get(f"/v1/disruptions/{disruption['id']}", headers=other)).json()
    assert seen_by_other["affected_bookings"] == []  # another organisation's bookings stay hidden

    during = (await client.post("/v1/quotes", json=quote_body(), headers=forwarder)).json()
    for option_now in during["options"]:
        for leg in legs(option_now):
            for side, when in (("from", "departure"), ("to", "arrival")):
                if leg[side] == "PA":
                    moment = datetime.fromisoformat(leg[when])
                    assert not (
                        datetime.fromisoformat(window["start"])
                        <= moment
                        < datetime.fromisoformat(window["end"])
                    )
    late = await client.post("/v1/bookings", json=booking_body(stale), headers=forwarder)
    assert late.status_code == 409
    assert late.json()["type"].endswith("stale-quote")

    closed = await client.post(f"/v1/disruptions/{disruption['id']}/close", headers=dispatcher)
    assert closed.json()["status"] == "closed"
    again = (await client.post("/v1/quotes", json=quote_body(), headers=forwarder)).json()
    by_sea = [o for o in again["options"] if any(leg["mode"] == "sea" for leg in legs(o))]
    assert min(ship_departure(o) for o in by_sea) == sails
    listed = (await client.get("/v1/disruptions?status=closed", headers=other)).json()
    assert [d["id"] for d in listed["items"]] == [disruption["id"]]


async def test_disruptions_are_checked(client: httpx.AsyncClient, database_url: str) -> None:
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    base = {
        "target_type": "location",
        "target": "PA",
        "kind": "port_closure",
        "reason": "Typhoon",
        "start": "2027-01-04T00:00:00Z",
        "end": "2027-01-06T00:00:00Z",
    }
    cases = [
        (base | {"target": "NOWHERE"}, "body.target"),
        (base | {"target_type": "service", "target": "PA"}, "body.target"),
        (base | {"end": "2027-01-03T00:00:00Z"}, "body.end"),
        (base | {"start": "2027-01-04T00:00:00"}, "body.start"),
    ]
    for body, field in cases:
        answer = await client.post("/v1/disruptions", json=body, headers=dispatcher)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field
    tag = await client.post(
        "/v1/disruptions", json=base | {"target_type": "service", "target": "TRAIN"},
        headers=dispatcher,
    )  # fmt: skip
    assert tag.status_code == 201
    assert (await client.get("/v1/disruptions/ds_none", headers=dispatcher)).status_code == 404
