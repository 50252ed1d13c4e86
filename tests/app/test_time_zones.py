"""Every instant the API returns is local time at its place, with its offset; a date given for a
place means local midnight there (a door point takes the zone of the nearest location)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.app.test_api import booking_body, legs

pytestmark = pytest.mark.anyio

READY = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
NEAR_DP = {"lat": 29.6, "lon": 106.6, "max_km": 50}  # Chongqing, UTC+08:00


async def quoted(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> Any:
    asked = {"ready": READY, "cargo": {"box": "22G1", "count": 1}, **body}
    response = await client.post("/v1/quotes", json=asked, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def offset(instant: str) -> str:
    return instant[-6:]


async def test_a_door_point_is_local_and_its_date_is_local_midnight(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    quote = await quoted(client, forwarder, origin=NEAR_DP, destination="VD")
    assert quote["ready"] == f"{READY}T00:00:00+08:00"
    option = quote["options"][0]
    first, *_, last = legs(option)
    assert first["from"] == "@ORIGIN"
    assert first["operator_zh"] == "首末段集装箱卡车运输"  # the door truck is named in Chinese too
    assert first["departure"] == f"{READY}T00:00:00+08:00"  # trucks leave when ready
    assert offset(first["cutoff"]) == "+08:00"
    assert offset(last["arrival"]) == "+07:00"  # Vietnam
    assert offset(option["arrival"]) == offset(option["vehicle_arrival"]) == "+07:00"
    assert offset(option["departure"]) == "+08:00"
    for hub in option["hubs"]:
        for instant in (hub["arrival"], hub["ready"]):
            assert instant is None or offset(instant) in {"+08:00", "+07:00"}


async def test_an_infeasible_deadline_names_the_earliest_arrival_in_local_time(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    quote = await quoted(client, forwarder, origin="DP", destination="VD", deadline=READY)
    assert not quote["options"]
    (reason,) = quote["reasons"]
    assert reason["code"] == "deadline-too-early"
    assert offset(reason["earliest_arrival"]) == "+07:00"
    assert reason["earliest_arrival"] in reason["message"]


async def test_tracking_estimates_are_local_beside_the_plan(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    quote = await quoted(client, forwarder, origin="DP", destination="VD")
    booked = await client.post("/v1/bookings", json=booking_body(quote), headers=forwarder)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    stream = await client.get(f"/v1/bookings/{booking['id']}/events", headers=forwarder)
    assert stream.status_code == 200, stream.text
    tracking = stream.json()["tracking"]
    for name in ("eta", "vehicle_eta", "planned_arrival", "planned_vehicle_arrival"):
        assert offset(tracking[name]) == "+07:00", (name, tracking[name])
    assert tracking["eta"] == quote["options"][0]["arrival"]
    planned = legs(quote["options"][0])
    for leg, plan in zip(tracking["legs"], planned, strict=True):
        assert leg["departure"] == plan["departure"]
        assert leg["arrival"] == plan["arrival"]
    event = {
        "classifier": "EST",
        "code": "DEPA",
        "leg_seq": 1,
        "event_time": planned[0]["departure"],
    }
    reported = await client.post(
        f"/v1/bookings/{booking['id']}/events", json=event, headers=forwarder
    )
    assert reported.status_code == 201, reported.text
    assert reported.json()["event"]["event_time"] == planned[0]["departure"]


async def test_a_departures_window_given_as_a_date_starts_at_local_midnight(
    client: httpx.AsyncClient, forwarder: dict[str, str]
) -> None:
    by_date = await client.get(
        "/v1/services/TRAIN/departures", params={"from": READY}, headers=forwarder
    )
    assert by_date.status_code == 200, by_date.text
    explicit = await client.get(
        "/v1/services/TRAIN/departures",
        params={"from": f"{READY}T00:00:00+08:00", "to": f"{READY}T00:00:00+08:00"},
        headers=forwarder,
    )
    assert explicit.status_code == 422
    assert explicit.json()["errors"][0]["field"] == "query.to"
    same = await client.get(
        "/v1/services/TRAIN/departures",
        params={"from": f"{READY}T00:00:00+08:00"},
        headers=forwarder,
    )
    naive = await client.get(
        "/v1/services/TRAIN/departures", params={"from": f"{READY}T00:00"}, headers=forwarder
    )
    assert by_date.json()["items"] == same.json()["items"] == naive.json()["items"]
    assert by_date.json()["items"]
    assert all(offset(item["departure"]) == "+08:00" for item in by_date.json()["items"])
    bad = await client.get(
        "/v1/services/TRAIN/departures", params={"from": "next monday"}, headers=forwarder
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.from"
