"""The HTTP API through the ASGI client, on SQLite and PostgreSQL: auth, quotes, bookings,
waybills, capacity, idempotency, tenancy and errors."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.db.models import Booking, DepartureCapacity, Quote
from app.mapping import quote_request, record
from app.roles import Role
from app.schemas.quotes import QuoteIn, QuoteOut, quote_out_json
from app.services.quotes import quote_view
from graph import Network
from solvers.quoting import quote
from tests.app.conftest import make_key

pytestmark = pytest.mark.anyio

READY = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()


def quote_body(**extra: Any) -> dict[str, Any]:
    return {
        "origin": "DP",
        "destination": "PB",
        "ready": READY,
        "cargo": {"box": "22G1", "count": 1},
        **extra,
    }


async def make_quote(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/v1/quotes", json=quote_body(), headers=headers)
    assert response.status_code == 201, response.text
    quote: dict[str, Any] = response.json()
    return quote


def booking_body(quote: dict[str, Any], option: int = 0) -> dict[str, Any]:
    return {
        "quote_id": quote["id"],
        "option_id": quote["options"][option]["id"],
        "shipper": {"name": "Chongqing Machinery Export Co."},
        "consignee": {"name": "Bravo Trading Pte Ltd", "address": "1 Harbour Rd"},
        "references": {"po": "PO-1"},
    }


def legs(option: dict[str, Any]) -> list[dict[str, Any]]:
    return [feature["properties"] for feature in option["legs"]["features"]]


async def test_keys_and_roles_gate_endpoints(
    client: httpx.AsyncClient, database_url: str, forwarder: dict[str, str]
) -> None:
    missing = await client.get("/v1/locations")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = await client.get("/v1/locations", headers={"Authorization": "Bearer cor_nope_x"})
    assert wrong.status_code == 401
    assert (await client.get("/v1/locations", headers=forwarder)).status_code == 200
    planner = make_key(database_url, "Org A", Role.PLANNER)
    assert (await client.get("/v1/locations", headers=planner)).status_code == 200
    denied = await client.post("/v1/bookings", json={}, headers=planner)
    assert denied.status_code == 403
    assert denied.json()["type"] == "/problems/forbidden"


async def test_locations_by_code_name_and_fuzzy(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    async def ids(q: str) -> list[str]:
        response = await client.get("/v1/locations", params={"q": q}, headers=forwarder)
        assert response.status_code == 200
        return [item["id"] for item in response.json()["items"]]

    assert (await ids("PA"))[0] == "PA"
    assert (await ids("port b"))[0] == "PB"
    assert (await ids("Charlie"))[0] == "PC"
    assert (await ids("Charly"))[0] == "PC"  # a typo still finds it
    assert await ids("zzzzzz") == []
    one = await client.get("/v1/locations/VD", headers=forwarder)
    assert one.json()["country"] == "VN"
    unknown = await client.get("/v1/locations/NOPE", headers=forwarder)
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "/problems/unknown-location"


async def test_network_geojson_filters(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    everything = (await client.get("/v1/network", headers=forwarder)).json()
    assert everything["type"] == "FeatureCollection"
    assert len(everything["features"]) == 8 + 11
    rail = (await client.get("/v1/network", params={"mode": "rail"}, headers=forwarder)).json()
    lines = [f for f in rail["features"] if f["geometry"]["type"] == "LineString"]
    points = {f["properties"]["id"] for f in rail["features"] if f["geometry"]["type"] == "Point"}
    assert {f["properties"]["id"] for f in lines} == {"TRAIN-1", "TRAIN-2"}
    assert points == {"DP", "RT", "PA"}
    planned = await client.get("/v1/network", params={"status": "planned"}, headers=forwarder)
    assert [
        f["properties"]["id"] for f in planned.json()["features"] if "mode" in f["properties"]
    ] == ["CANAL-1"]
    bad = await client.get("/v1/network", params={"mode": "teleport"}, headers=forwarder)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.mode.0"


async def test_departures_of_a_service(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    start = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
    response = await client.get(
        "/v1/services/TRAIN/departures",
        params={"from": start.isoformat(), "to": (start + timedelta(days=7)).isoformat()},
        headers=forwarder,
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    # Mon and Thu 20:00 from DP, each followed by RT -> PA
    assert [
        (item["leg"], item["departure"][:16]) for item in items if item["leg"] == "TRAIN-1"
    ] == [
        ("TRAIN-1", "2026-03-02T20:00"),
        ("TRAIN-1", "2026-03-05T20:00"),
    ]
    assert all(item["available_teu"] == 100 for item in items)
    unknown = await client.get("/v1/services/NOPE/departures", headers=forwarder)
    assert unknown.status_code == 404


async def test_quote_is_persisted_with_geojson_legs_and_itemized_price(
    client: httpx.AsyncClient, forwarder: dict[str, str], tiny_network: Any
) -> None:
    quote = await make_quote(client, forwarder)
    assert quote["network_version"] == tiny_network.version
    assert quote["status"] in {"optimal", "feasible"}
    assert quote["options"]
    for option in quote["options"]:
        assert option["legs"]["type"] == "FeatureCollection"
        features = option["legs"]["features"]
        assert all(f["geometry"]["type"] == "LineString" for f in features)
        assert legs(option)[0]["from"] == "DP"
        assert legs(option)[-1]["to"] == "PB"
        assert option["departure"].endswith("+08:00")
        price = option["price"]
        assert price["total_cny"] == pytest.approx(
            sum(i["amount_cny"] for i in price["items"]), abs=0.01
        )
        assert option["co2e_kg"] > 0
        for leg in legs(option):  # each leg names the factor its CO2e comes from
            assert leg["operator_zh"] == tiny_network.legs[leg["leg"]].operator_zh
            factor = leg["emission_factor"]
            assert factor["id"] == tiny_network.legs[leg["leg"]].emission_class
            assert factor["source"] or factor["estimate"]
            per_unit = leg["distance_km"] * factor["g_per_unit_km"] / 1000
            assert leg["co2e_kg"] == pytest.approx(
                per_unit * (1 if factor["basis"] == "teu_km" else 10.0), rel=0.02
            )
    assert datetime.fromisoformat(quote["expires_at"]) > datetime.fromisoformat(quote["created_at"])
    again = await client.get(f"/v1/quotes/{quote['id']}", headers=forwarder)
    assert again.status_code == 200
    assert again.json() == quote


async def test_a_quote_is_answered_in_the_bytes_its_response_model_writes(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    # POST /v1/quotes writes its answer without validating it as QuoteOut (quote_out_json)
    bodies = [
        quote_body(),
        quote_body(ready="2020-01-01"),  # a notice
        quote_body(cargo={"box": "45G1", "count": 2}, destination="VD"),
        quote_body(origin={"lat": 29.6, "lon": 106.6, "max_km": 50}, destination="VD"),  # doors
        quote_body(destination="VD", deadline=READY),  # no option: reasons
    ]
    for body in bodies:
        response = await client.post("/v1/quotes", json=body, headers=forwarder)
        assert response.status_code == 201, response.text
        assert response.headers["content-type"] == "application/json"
        model = QuoteOut.model_validate_json(response.content)
        assert response.content == model.model_dump_json(by_alias=True).encode()
    assert not model.options
    assert model.reasons


def test_a_real_quote_is_written_as_its_response_model_writes_it(real_network: Network) -> None:
    ready = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    asked = [
        ("CNCQI-TJC", "SGSIN", {"box": "42G1"}),
        ("Chongqing", "VNHPH", {"box": "45R1"}),
        ("SGSIN", "Kunming", {"box": "22G1", "count": 3}),
        ("29.56,106.55@50km", "THLCH", {"box": "45G1", "count": 2}),
    ]
    now = datetime.now(UTC)
    for origin, destination, cargo in asked:
        body = QuoteIn.model_validate(
            {"origin": origin, "destination": destination, "ready": ready, "cargo": cargo}
        )
        request = quote_request(real_network, body, 56)
        found = record(quote(real_network, request), real_network, body, request)
        row = Quote(
            id="q_0123456789abcdef",
            created_at=now,
            expires_at=now + timedelta(days=7),
            network_version=found.network_version,
            request=body.model_dump(mode="json", exclude_none=True),
        )
        view = quote_view(row, real_network, found)
        assert view["options"], (origin, destination)
        written = QuoteOut.model_validate(view).model_dump_json(by_alias=True).encode()
        assert quote_out_json(view) == written


def test_a_ready_time_in_the_past_means_from_now(tiny_network: Network) -> None:
    tz = ZoneInfo(tiny_network.get_location("DP").tz)
    now = datetime(2026, 3, 2, 9, 30, 15, tzinfo=tz)
    from_now = datetime(2026, 3, 2, 9, 31, tzinfo=tz)

    def ready(text: str) -> datetime:
        body = QuoteIn.model_validate(quote_body(ready=text))
        return quote_request(tiny_network, body, 56, now=now).ready

    assert ready("2026-03-02") == from_now
    assert ready("2026-03-01") == from_now
    assert ready("2020-01-01T00:00+08:00") == from_now
    assert ready("2026-03-02T08:00") == from_now
    assert ready("2026-03-02T10:00") == datetime(2026, 3, 2, 10, tzinfo=tz)  # a time ahead is kept
    assert ready("2026-03-03") == datetime(2026, 3, 3, tzinfo=tz)


async def test_quote_limits_are_the_settings(
    app: FastAPI, client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    response = await client.get("/v1/quotes/limits", headers=forwarder)
    assert response.status_code == 200
    settings = app.state.running.settings
    assert response.json() == {
        "max_horizon_days": settings.max_horizon_days,
        "quote_validity_hours": settings.quote_validity_hours,
    }
    assert (await client.get("/v1/quotes/limits")).status_code == 401


async def test_a_quote_from_the_past_says_it_searched_from_now(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    before = datetime.now(UTC)
    response = await client.post(
        "/v1/quotes", json=quote_body(ready="2020-01-01"), headers=forwarder
    )
    assert response.status_code == 201, response.text
    quote = response.json()
    assert quote["notices"] == [
        f"ready 2020-01-01T00:00:00+08:00 is in the past: searched from {quote['ready']}"
    ]
    assert datetime.fromisoformat(quote["ready"]) > before
    assert quote["options"]
    for option in quote["options"]:
        first = option["legs"]["features"][0]["properties"]
        assert datetime.fromisoformat(first["cutoff"]) >= datetime.fromisoformat(quote["ready"])
    ahead = await client.post("/v1/quotes", json=quote_body(ready=READY), headers=forwarder)
    assert ahead.json()["notices"] == []


async def test_quote_errors_name_the_field(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    cases = [
        (quote_body(origin="NOPE"), "body.origin"),
        (quote_body(ready="next tuesday"), "body.ready"),
        (quote_body(cargo={"box": "22G1", "count": 0}), "body.cargo.count"),
        (quote_body(filters={"modes": ["teleport"]}), "body.filters.modes.0"),
        (quote_body(colour="blue"), "body.colour"),
        (quote_body(horizon_days=400), "body.horizon_days"),
        (quote_body(scenario={"ops": [{"op": "close", "target": "NOPE"}]}), "body.scenario.ops"),
        # the solvers' own checks, named by the path the client sent
        (quote_body(cargo={"box": "ZZZZ"}), "body.cargo.box"),
        (quote_body(cargo={"box": "42G1", "cargo_class": "reefer"}), "body.cargo.cargo_class"),
        (quote_body(cargo={"box": "22G1", "cargo_class": "dangerous"}), "body.cargo.imdg"),
        (quote_body(filters={"required_hubs": ["NOPE"]}), "body.filters.required_hubs"),
        (quote_body(filters={"excluded_hubs": ["NOPE"]}), "body.filters.excluded_hubs"),
        (quote_body(filters={"required_operators": ["Nobody"]}), "body.filters.required_operators"),
        # loose input is refused, not coerced
        (quote_body(cargo={"box": "22G1", "count": "2"}), "body.cargo.count"),
        (quote_body(cargo={"box": "22G1", "count": True}), "body.cargo.count"),
        (quote_body(origin="29.56,106.55@5000km"), "body.origin"),
    ]
    for body, field in cases:
        response = await client.post("/v1/quotes", json=body, headers=forwarder)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in {error["field"] for error in response.json()["errors"]}, response.json()
    nan = json.dumps(quote_body(max_price_cny=float("nan"))).encode()  # Python writes NaN
    json_headers = {**forwarder, "Content-Type": "application/json"}
    loose = await client.post("/v1/quotes", content=nan, headers=json_headers)
    assert loose.status_code == 422, loose.text
    assert "body.max_price_cny" in {e["field"] for e in loose.json()["errors"]}
    not_json = await client.post(
        "/v1/quotes", content=b"{", headers={**forwarder, "Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    assert not_json.json()["type"].endswith("malformed-json")
    assert "at character" in not_json.json()["detail"]
    text = await client.post(
        "/v1/quotes",
        content=json.dumps(quote_body()).encode(),
        headers={**forwarder, "Content-Type": "text/plain"},
    )
    assert text.status_code == 415, text.text
    listed = (await client.get("/v1/quotes", headers=forwarder)).json()
    assert listed["items"] == []  # nothing was stored


async def test_quotes_page_with_cursors(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    made = [(await make_quote(client, forwarder))["id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/quotes", params=params, headers=forwarder)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made[::-1]
    broken = await client.get("/v1/quotes", params={"cursor": "garbage"}, headers=forwarder)
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["field"] == "query.cursor"


async def test_party_names_and_references_are_printable_and_bounded(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    quote = await make_quote(client, forwarder)
    cases = [
        ({"shipper": {"name": "Chongqing\x00Machinery"}}, "body.shipper.name"),
        ({"references": {"po": "x" * 201}}, "body.references.po"),
        ({"references": {"po\x00": "1"}}, "body.references.po\x00.[key]"),
    ]
    for change, field in cases:
        body = booking_body(quote) | change
        response = await client.post("/v1/bookings", json=body, headers=forwarder)
        assert response.status_code == 422, (field, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert (await client.get("/v1/bookings", headers=forwarder)).json()["items"] == []


async def test_book_waybill_cancel_releases_capacity(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    quote = await make_quote(client, forwarder)
    response = await client.post("/v1/bookings", json=booking_body(quote), headers=forwarder)
    assert response.status_code == 201, response.text
    booking = response.json()
    assert response.headers["location"] == f"/v1/bookings/{booking['id']}"
    assert booking["status"] == "confirmed"
    assert booking["waybill_number"].startswith("CMT")
    scheduled = [leg for leg in legs(booking["option"]) if leg["mode"] != "road"]
    assert {r["departure_key"] for r in booking["reservations"]} == {
        leg["departure_key"] for leg in scheduled
    }
    assert all(r["teu"] == 1 for r in booking["reservations"])

    async def available(key: str) -> float:
        service = next(leg["service"] for leg in scheduled if leg["departure_key"] == key)
        departure = next(leg["departure"] for leg in scheduled if leg["departure_key"] == key)
        start = datetime.fromisoformat(departure)
        page = await client.get(
            f"/v1/services/{service}/departures",
            params={"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()},
            headers=forwarder,
        )
        item = next(i for i in page.json()["items"] if i["departure_key"] == key)
        return float(item["available_teu"])

    first_key = booking["reservations"][0]["departure_key"]
    assert await available(first_key) == 99

    waybill = (await client.get(f"/v1/bookings/{booking['id']}/waybill", headers=forwarder)).json()
    assert waybill["waybill_number"] == booking["waybill_number"]
    assert waybill["shipper"]["name"] == "Chongqing Machinery Export Co."
    assert [leg["leg"] for leg in waybill["legs"]] == [
        leg["leg"] for leg in legs(booking["option"])
    ]
    assert waybill["total_cny"] == pytest.approx(
        sum(c["amount_cny"] for c in waybill["charges"]), abs=0.01
    )
    html = await client.get(
        f"/v1/bookings/{booking['id']}/waybill", headers={**forwarder, "Accept": "text/html"}
    )
    assert html.headers["content-type"].startswith("text/html")
    assert booking["waybill_number"] in html.text
    assert "多式联运运单" in html.text
    # what a consignee reads: places by name, the references, the cargo in words, the ETA
    assert "Dry Port (DP)" in html.text
    assert "Port Bravo (PB)" in html.text
    assert "po: PO-1" in html.text
    assert "1 × 22G1, dry, 1 TEU" in html.text
    # each leg's operator, with its Chinese name from the data
    assert {leg["operator_zh"] for leg in waybill["legs"]} == {"夹具航运公司"}
    assert 'Fixture Lines<br><span lang="zh">夹具航运公司</span>' in html.text
    # the ETA lines as local dates with the weekday and the offset, never ISO with its "T"
    eta = datetime.fromisoformat(waybill["eta"])
    assert f"(after handling and clearance): {eta:%Y-%m-%d %a %H:%M} UTC{waybill['eta'][-6:]}" in (
        html.text
    )
    vehicle = datetime.fromisoformat(waybill["vehicle_arrival"])
    assert f"destination: {vehicle:%Y-%m-%d %a %H:%M} UTC" in html.text
    assert waybill["eta"] not in html.text
    assert waybill["eta"] == booking["option"]["arrival"]
    assert waybill["vehicle_arrival"] == booking["option"]["vehicle_arrival"]
    assert datetime.fromisoformat(waybill["issued_at"]).microsecond == 0
    assert waybill["place_names"]["DP"] == "Dry Port (DP)"
    # each leg's times to the minute, without seconds or the ISO "T"
    first_leg = waybill["legs"][0]
    departure = datetime.fromisoformat(first_leg["departure"])
    assert f"<td>{departure:%Y-%m-%d %a %H:%M} UTC{first_leg['departure'][-6:]}</td>" in html.text
    assert f"<td>{first_leg['departure']}</td>" not in html.text

    cancelled = await client.post(f"/v1/bookings/{booking['id']}/cancel", headers=forwarder)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert await available(first_key) == 100
    twice = await client.post(f"/v1/bookings/{booking['id']}/cancel", headers=forwarder)
    assert twice.json()["status"] == "cancelled"
    assert await available(first_key) == 100  # released once only
    listed = (
        await client.get("/v1/bookings", params={"status": "cancelled"}, headers=forwarder)
    ).json()
    assert [item["id"] for item in listed["items"]] == [booking["id"]]


async def test_expired_quote_and_unknown_option(
    client: httpx.AsyncClient, forwarder: dict[str, str], database_url: str
) -> None:
    quote = await make_quote(client, forwarder)
    unknown = await client.post(
        "/v1/bookings", json={**booking_body(quote), "option_id": "opt-99"}, headers=forwarder
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.option_id"
    engine = make_engine(database_url)
    with Session(engine) as session, session.begin():
        session.execute(
            update(Quote)
            .where(Quote.id == quote["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    engine.dispose()
    expired = await client.post("/v1/bookings", json=booking_body(quote), headers=forwarder)
    assert expired.status_code == 409
    assert expired.json()["type"] == "/problems/quote-expired"
    assert (await client.get("/v1/bookings", headers=forwarder)).json()["items"] == []


async def test_scenario_quotes_cannot_be_booked(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    body = quote_body(scenario={"name": "canal", "ops": [{"op": "enable", "tags": ["canal_x"]}]})
    response = await client.post("/v1/quotes", json=body, headers=forwarder)
    assert response.status_code == 201, response.text
    quote = response.json()
    booked = await client.post("/v1/bookings", json=booking_body(quote), headers=forwarder)
    assert booked.status_code == 409
    assert booked.json()["type"] == "/problems/scenario-quote"


async def test_concurrent_bookings_never_oversell(
    app: FastAPI, client: httpx.AsyncClient, forwarder: dict[str, str], database_url: str
) -> None:
    quote = await make_quote(client, forwarder)
    option = next(o for o in quote["options"] if any(leg["mode"] == "rail" for leg in legs(o)))
    index = quote["options"].index(option)
    train = next(leg for leg in legs(option) if leg["mode"] == "rail")
    engine = make_engine(database_url)
    with Session(engine) as session, session.begin():  # room for 10 TEU on the train
        session.add(
            DepartureCapacity(
                departure_key=train["departure_key"],
                leg_id=train["leg"],
                departure_at=datetime.fromisoformat(train["departure"]),
                capacity_teu=100,
                booked_teu=90,
            )
        )
    answers = await asyncio.gather(
        *(
            client.post(
                "/v1/bookings",
                json={**booking_body(quote, index), "references": {"n": str(n)}},
                headers={**forwarder, "Idempotency-Key": f"key-{n}"},
            )
            for n in range(50)
        )
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(201) == 10, statuses
    assert statuses.count(409) == 40, statuses
    assert {a.json()["type"] for a in answers if a.status_code == 409} == {
        "/problems/capacity-exhausted"
    }
    with Session(engine) as session:
        row = session.get(DepartureCapacity, train["departure_key"])
        assert row is not None
        assert row.booked_teu == 100
        confirmed = session.scalars(select(Booking).where(Booking.status == "confirmed")).all()
        assert len(confirmed) == 10
    engine.dispose()
    # retries with the same key: the same booking, nothing reserved twice
    winner = next(a for a in answers if a.status_code == 201)
    n = winner.json()["references"]["n"]
    retries = await asyncio.gather(
        *(
            client.post(
                "/v1/bookings",
                json={**booking_body(quote, index), "references": {"n": n}},
                headers={**forwarder, "Idempotency-Key": f"key-{n}"},
            )
            for _ in range(5)
        )
    )
    assert {r.status_code for r in retries} == {200}
    assert {r.json()["id"] for r in retries} == {winner.json()["id"]}
    assert all(r.headers["idempotent-replayed"] == "true" for r in retries)
    other_body = await client.post(
        "/v1/bookings",
        json={**booking_body(quote, index), "references": {"n": "different"}},
        headers={**forwarder, "Idempotency-Key": f"key-{n}"},
    )
    assert other_body.status_code == 422
    assert other_body.json()["type"] == "/problems/idempotency-key-reused"


async def test_idempotent_first_requests_race(
    client: httpx.AsyncClient, forwarder: dict[str, str], database_url: str
) -> None:
    quote = await make_quote(client, forwarder)
    answers = await asyncio.gather(
        *(
            client.post(
                "/v1/bookings",
                json=booking_body(quote),
                headers={**forwarder, "Idempotency-Key": "same"},
            )
            for _ in range(8)
        )
    )
    assert sorted(a.status_code for a in answers).count(201) == 1
    assert len({a.json()["id"] for a in answers}) == 1
    engine = make_engine(database_url)
    with Session(engine) as session:
        rows = session.scalars(select(DepartureCapacity)).all()
        assert rows
        assert all(row.booked_teu == 1 for row in rows)
    engine.dispose()


async def test_tenants_see_only_their_own(
    client: httpx.AsyncClient, forwarder: dict[str, str], database_url: str
) -> None:
    quote = await make_quote(client, forwarder)
    booking = (
        await client.post("/v1/bookings", json=booking_body(quote), headers=forwarder)
    ).json()
    other = make_key(database_url, "Org B", Role.FORWARDER)
    for path in (
        f"/v1/quotes/{quote['id']}",
        f"/v1/bookings/{booking['id']}",
        f"/v1/bookings/{booking['id']}/waybill",
    ):
        response = await client.get(path, headers=other)
        assert response.status_code == 404, path
    assert (
        await client.post(f"/v1/bookings/{booking['id']}/cancel", headers=other)
    ).status_code == 404
    assert (
        await client.post("/v1/bookings", json=booking_body(quote), headers=other)
    ).status_code == 404
    assert (await client.get("/v1/quotes", headers=other)).json()["items"] == []
    assert (await client.get("/v1/bookings", headers=other)).json()["items"] == []
    mine = (await client.get(f"/v1/bookings/{booking['id']}", headers=forwarder)).json()
    assert mine["status"] == "confirmed"


async def test_request_id_and_metrics(client: httpx.AsyncClient, forwarder: dict[str, str]) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert len((await client.get("/healthz")).headers["x-request-id"]) == 16
    await make_quote(client, forwarder)
    text = (await client.get("/metrics")).text
    labels = 'method="POST",route="/v1/quotes",status="201"'
    assert f"corridor_http_request_duration_seconds_count{{{labels}}} 1.0" in text
    assert "corridor_quote_solve_seconds_count" in text
    assert re.search(r'corridor_quote_solve_cpu_seconds_count\{status="\w+"\} 1\.0', text)


async def test_quotes_leave_out_full_departures(
    client: httpx.AsyncClient, forwarder: dict[str, str], database_url: str
) -> None:
    first = await make_quote(client, forwarder)
    used = {leg["departure_key"]: leg for o in first["options"] for leg in legs(o)}
    full = next(leg for leg in used.values() if leg["mode"] == "rail")
    engine = make_engine(database_url)
    with Session(engine) as session, session.begin():
        session.add(
            DepartureCapacity(
                departure_key=full["departure_key"],
                leg_id=full["leg"],
                departure_at=datetime.fromisoformat(full["departure"]),
                capacity_teu=100,
                booked_teu=100,
            )
        )
    engine.dispose()
    second = await make_quote(client, forwarder)
    assert second["options"]
    assert full["departure_key"] not in {
        leg["departure_key"] for o in second["options"] for leg in legs(o)
    }


NULL_ID_CURSOR = "WyIyMDI2LTAxLTAxIiwgbnVsbF0"  # ["2026-01-01", null]
INT_ID_CURSOR = "WyIyMDI2LTAxLTAxIiwgMV0"  # ["2026-01-01", 1]


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "field"),
    [
        (
            "GET",
            "/v1/services/TRAIN/departures",
            {"from": "9999-12-25T00:00:00Z"},
            None,
            "query.from",
        ),
        (
            "GET",
            "/v1/services/TRAIN/departures",
            {"from": "0001-01-01T00:00:00Z", "to": "0001-01-08T00:00:00Z"},
            None,
            "query.from",
        ),
        ("POST", "/v1/quotes", None, quote_body(max_price_cny=1e307), "body.max_price_cny"),
        ("POST", "/v1/quotes", None, quote_body(max_co2e_kg=1e306), "body.max_co2e_kg"),
        ("POST", "/v1/quotes", None, quote_body(ready="9999-12-01"), "body.ready"),
        ("POST", "/v1/quotes", None, quote_body(ready="0001-01-01"), "body.ready"),
        (
            "POST",
            "/v1/quotes",
            None,
            quote_body(
                scenario={"ops": [{"op": "adjust_transit", "ids": ["BARGE-1"], "hours": 1e12}]}
            ),
            "body.scenario.ops",
        ),
        (
            "POST",
            "/v1/quotes",
            None,
            quote_body(
                scenario={"ops": [{"op": "adjust_capacity", "ids": ["TRAIN-1"], "factor": 1e308}]}
            ),
            "body.scenario.ops",
        ),
        ("GET", "/v1/quotes", {"cursor": NULL_ID_CURSOR}, None, "query.cursor"),
        ("GET", "/v1/bookings", {"cursor": INT_ID_CURSOR}, None, "query.cursor"),
        ("GET", "/v1/quotes/%00", None, None, "path.quote_id"),
        ("POST", "/v1/bookings/%00/cancel", None, None, "path.booking_id"),
    ],
)
async def test_out_of_range_input_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    forwarder: dict[str, str],
    method: str,
    path: str,
    params: dict[str, str] | None,
    body: dict[str, Any] | None,
    field: str,
) -> None:
    """Inputs schemathesis found answering 500 once (overflows, NUL bytes, forged cursors)."""
    response = await client.request(method, path, params=params, json=body, headers=forwarder)
    assert response.status_code == 422, response.text
    assert field in {error["field"] for error in response.json()["errors"]}, response.json()
