"""Disruptions close the live network: affected bookings, quotes that avoid them, closing early."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from app.roles import Role
from tests.app.conftest import make_key
from tests.app.test_api import READY, booking_body, legs, quote_body

pytestmark = pytest.mark.anyio


def ship_departure(option: dict[str, Any]) -> datetime:
    return next(
        datetime.fromisoformat(leg["departure"]) for leg in legs(option) if leg["mode"] == "sea"
    )


async def test_a_port_closure_lists_bookings_and_quotes_avoid_it(
    client: httpx.AsyncClient, database_url: str
) -> None:
    operator = make_key(database_url, "Corridor Operations", Role.NETWORK_OPERATOR)
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
    made = await client.post("/v1/disruptions", json=window, headers=operator)
    assert made.status_code == 201, made.text
    assert made.json()["scope"] == "network"
    # Org A's dispatcher sees which of its bookings the operator's closure stops
    disruption = (
        await client.get(f"/v1/disruptions/{made.json()['id']}", headers=dispatcher)
    ).json()
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
    # a quote made before whose ship leaves PA in the window is stale; staleness is the legs'
    touched = next(
        i
        for i, o in enumerate(stale["options"])
        if any(leg["mode"] == "sea" for leg in legs(o)) and ship_departure(o) == sails
    )
    late = await client.post("/v1/bookings", json=booking_body(stale, touched), headers=forwarder)
    assert late.status_code == 409
    assert late.json()["type"].endswith("stale-quote")
    assert "closed" in late.json()["detail"] or "no departure" in late.json()["detail"]

    url = f"/v1/disruptions/{disruption['id']}/close"
    assert (await client.post(url, headers=dispatcher)).status_code == 403  # not a customer's
    closed = await client.post(url, headers=operator)
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


async def test_border_congestion_delays_quotes_and_the_bookings_that_cross(
    client: httpx.AsyncClient, database_url: str
) -> None:
    operator = make_key(database_url, "Corridor Operations", Role.NETWORK_OPERATOR)
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    forwarder = make_key(database_url, "Org A", Role.FORWARDER)
    body = quote_body(origin="PA", destination="VD")
    before = (await client.post("/v1/quotes", json=body, headers=forwarder)).json()
    option = before["options"][0]
    at_border = next(leg for leg in legs(option) if leg["to"] == "BX")
    reached = datetime.fromisoformat(at_border["arrival"])
    booking = (
        await client.post("/v1/bookings", json=booking_body(before), headers=forwarder)
    ).json()
    queue = {
        "target_type": "location",
        "target": "BX",
        "kind": "border_congestion",
        "reason": "Fruit season queue",
        "start": (reached - timedelta(hours=1)).isoformat(),
        "end": (reached + timedelta(hours=23)).isoformat(),
        "added_dwell_hours": 10,
    }
    made = await client.post("/v1/disruptions", json=queue, headers=operator)
    assert made.status_code == 201, made.text
    assert made.json()["added_dwell_hours"] == 10
    seen = await client.get(f"/v1/disruptions/{made.json()['id']}", headers=dispatcher)
    (hit,) = seen.json()["affected_bookings"]
    assert (hit["booking_id"], hit["legs"]) == (booking["id"], [at_border["seq"]])
    during = (await client.post("/v1/quotes", json=body, headers=forwarder)).json()
    slower = datetime.fromisoformat(during["options"][0]["arrival"])
    assert slower - datetime.fromisoformat(option["arrival"]) == timedelta(hours=10)
    (hub,) = [h for h in during["options"][0]["hubs"] if h["location"] == "BX"]
    assert hub["handling_hours"] >= 10
    # the booked box will queue too: its estimate moves by the dwell (on top of the handling
    # and the customs the plan allowed at the crossing)
    tracked = (await client.get(f"/v1/bookings/{booking['id']}/events", headers=forwarder)).json()
    assert tracked["tracking"]["delay_minutes"] == 10 * 60
    assert tracked["tracking"]["missed_connections"] == [at_border["seq"] + 1]


async def test_congestion_needs_dwell_hours_and_a_place(
    client: httpx.AsyncClient, database_url: str
) -> None:
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    base = {
        "target_type": "location",
        "target": "BX",
        "kind": "border_congestion",
        "reason": "Queue",
        "start": "2027-01-04T00:00:00Z",
        "end": "2027-01-06T00:00:00Z",
    }
    cases = [
        (base, "body.added_dwell_hours"),
        (base | {"kind": "port_closure", "added_dwell_hours": 5}, "body.added_dwell_hours"),
        (base | {"target_type": "service", "target": "TRAIN", "added_dwell_hours": 5},
         "body.target_type"),
        (base | {"added_dwell_hours": 0}, "body.added_dwell_hours"),
    ]  # fmt: skip
    for body, field in cases:
        answer = await client.post("/v1/disruptions", json=body, headers=dispatcher)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field


async def test_affected_bookings_come_in_pages_and_every_organisation_is_told(
    client: httpx.AsyncClient, database_url: str
) -> None:
    operator = make_key(database_url, "Corridor Operations", Role.NETWORK_OPERATOR)
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    forwarder = make_key(database_url, "Org A", Role.FORWARDER)
    outsider = make_key(database_url, "Org B", Role.FORWARDER)
    hooks = {}
    for name, headers in (("A", forwarder), ("B", outsider)):
        hook = await client.post(
            "/v1/webhooks",
            json={
                # nothing listens there: the delivery log is what is checked
                "url": "http://127.0.0.1:9/corridor",
                "events": ["booking.disrupted"],
                "secret": "a-secret-of-sixteen-or-more",
            },
            headers=headers,
        )
        hooks[name] = (hook.json()["id"], headers)
    booked: dict[str, list[str]] = {"A": [], "B": []}
    sails = set()
    for name, headers in (("A", forwarder), ("A", forwarder), ("A", forwarder), ("B", outsider)):
        quote = (await client.post("/v1/quotes", json=quote_body(), headers=headers)).json()
        index, option = next(
            (i, o)
            for i, o in enumerate(quote["options"])
            if any(leg["mode"] == "sea" for leg in legs(o))
        )
        made = await client.post("/v1/bookings", json=booking_body(quote, index), headers=headers)
        booked[name].append(made.json()["id"])
        sails.add(ship_departure(option))
    (sail,) = sails
    window = {
        "target_type": "location",
        "target": "PA",
        "kind": "port_closure",
        "reason": "Typhoon",
        "start": (sail - timedelta(hours=24)).isoformat(),
        "end": (sail + timedelta(hours=24)).isoformat(),
    }
    made = (await client.post("/v1/disruptions", json=window, headers=operator)).json()
    disruption = (await client.get(f"/v1/disruptions/{made['id']}", headers=dispatcher)).json()
    assert [b["booking_id"] for b in disruption["affected_bookings"]] == booked["A"]
    assert disruption["affected_next_cursor"] is None

    url = f"/v1/disruptions/{disruption['id']}/affected-bookings"
    first = (await client.get(f"{url}?limit=2", headers=dispatcher)).json()
    assert first["next_cursor"] is not None
    rest = (
        await client.get(f"{url}?limit=2&cursor={first['next_cursor']}", headers=dispatcher)
    ).json()
    assert rest["next_cursor"] is None
    assert [b["booking_id"] for b in first["items"] + rest["items"]] == booked["A"]
    assert all(b["proposals"] or b["note"] for b in first["items"] + rest["items"])
    broken = await client.get(f"{url}?cursor=not-a-cursor", headers=dispatcher)
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["field"] == "query.cursor"

    for name, (hook_id, headers) in hooks.items():
        log = (await client.get(f"/v1/webhooks/{hook_id}/deliveries", headers=headers)).json()
        told = sorted(d["payload"]["data"]["booking_id"] for d in log["items"])
        assert told == sorted(booked[name])  # each organisation hears of its own bookings only
        for delivery in log["items"]:
            data = delivery["payload"]["data"]
            assert delivery["event_type"] == "booking.disrupted"
            assert data["disruption"]["id"] == disruption["id"]
            assert data["legs"]
            assert data["proposals"] == f"/v1/bookings/{data['booking_id']}/reroute-proposals"


async def test_a_disruption_elsewhere_leaves_earlier_quotes_good(
    client: httpx.AsyncClient, database_url: str
) -> None:
    operator = make_key(database_url, "Corridor Operations", Role.NETWORK_OPERATOR)
    forwarder = make_key(database_url, "Org B", Role.FORWARDER)
    before = (await client.post("/v1/quotes", json=quote_body(), headers=forwarder)).json()
    used = {p for o in before["options"] for leg in legs(o) for p in (leg["from"], leg["to"])}
    assert "VD" not in used
    window = {
        "target_type": "location",
        "target": "VD",
        "kind": "port_closure",
        "reason": "Flood",
        "start": f"{READY}T00:00:00+00:00",
        "end": (datetime.fromisoformat(f"{READY}T00:00:00+00:00") + timedelta(days=60)).isoformat(),
    }
    made = await client.post("/v1/disruptions", json=window, headers=operator)
    assert made.status_code == 201, made.text
    now = (await client.post("/v1/quotes", json=quote_body(), headers=forwarder)).json()
    assert now["network_version"] != before["network_version"]  # the live network changed
    booked = await client.post("/v1/bookings", json=booking_body(before), headers=forwarder)
    assert booked.status_code == 201, booked.text  # but not under this quote's legs


async def test_a_customers_disruption_concerns_its_own_bookings_only(
    client: httpx.AsyncClient, database_url: str
) -> None:
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    forwarder = make_key(database_url, "Org A", Role.FORWARDER)
    other_dispatcher = make_key(database_url, "Org B", Role.DISPATCHER)
    other = make_key(database_url, "Org B", Role.FORWARDER)
    quote = (await client.post("/v1/quotes", json=quote_body(), headers=forwarder)).json()
    index, option = next(
        (i, o)
        for i, o in enumerate(quote["options"])
        if any(leg["mode"] == "sea" for leg in legs(o))
    )
    booking = (
        await client.post("/v1/bookings", json=booking_body(quote, index), headers=forwarder)
    ).json()
    theirs = (await client.post("/v1/quotes", json=quote_body(), headers=other)).json()
    sails = ship_departure(option)
    window = {
        "target_type": "location",
        "target": "PA",
        "kind": "port_closure",
        "reason": "Our box is held at the gate",
        "start": (sails - timedelta(hours=24)).isoformat(),
        "end": (sails + timedelta(hours=24)).isoformat(),
    }
    made = await client.post("/v1/disruptions", json=window, headers=dispatcher)
    assert made.status_code == 201, made.text
    mine = made.json()
    assert mine["scope"] == "organisation"
    assert [b["booking_id"] for b in mine["affected_bookings"]] == [booking["id"]]
    # nobody else's network changed: Org B's quote books, its new quotes still sail from PA
    assert (
        await client.post("/v1/bookings", json=booking_body(theirs), headers=other)
    ).status_code == 201
    again = (await client.post("/v1/quotes", json=quote_body(), headers=other)).json()
    assert again["network_version"] == theirs["network_version"]
    # nor can another organisation see or close it
    url = f"/v1/disruptions/{mine['id']}"
    assert (await client.get(url, headers=other_dispatcher)).status_code == 404
    assert (await client.post(f"{url}/close", headers=other_dispatcher)).status_code == 404
    listed = (await client.get("/v1/disruptions", headers=other_dispatcher)).json()
    assert mine["id"] not in [d["id"] for d in listed["items"]]
    closed = await client.post(f"{url}/close", headers=dispatcher)
    assert closed.json()["status"] == "closed"


async def test_only_the_network_operator_reloads_or_is_issued_by_the_server(
    client: httpx.AsyncClient, database_url: str
) -> None:
    admin = make_key(database_url, "Org A", Role.ADMIN)
    assert (await client.post("/v1/network/reload", headers=admin)).status_code == 403
    issued = await client.post("/v1/keys", json={"role": "network_operator"}, headers=admin)
    assert issued.status_code == 422
    assert issued.json()["errors"][0]["field"] == "body.role"
    operator = make_key(database_url, "Corridor Operations", Role.NETWORK_OPERATOR)
    me = (await client.get("/v1/me", headers=operator)).json()
    assert "network:operate" in me["permissions"]
    assert "keys:write" not in me["permissions"]
