"""Webhooks against real local HTTP receivers: signed deliveries, retries, the log, replay."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.engine import make_engine, upgrade
from app.db.models import Organisation, Webhook
from app.main import create_app
from app.roles import Role
from app.services.webhooks import NotPublic, public_target, verify
from app.settings import Settings
from tests.app.conftest import make_key
from tests.app.test_api import booking_body, make_quote
from tests.conftest import TINY

pytestmark = pytest.mark.anyio

SECRET = "whsec-test-0123456789abcdef"


class Receiver:
    """A local HTTP server that checks signatures; it answers 500 to the first ``fail`` posts."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {
                        "headers": dict(self.headers),
                        "body": json.loads(body),
                        "signed": verify(SECRET, self.headers["Corridor-Signature"], body),
                    }
                )
                failing = receiver.fail > 0
                receiver.fail -= 1
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    async def wait_for(self, count: int) -> list[dict[str, Any]]:
        for _ in range(400):
            if len(self.received) >= count:
                return self.received
            await asyncio.sleep(0.025)
        pytest.fail(f"{self.url} got {len(self.received)} of {count} deliveries")


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    good, flaky = Receiver(), Receiver(fail=2)
    yield good, flaky
    good.close()
    flaky.close()


@pytest.fixture
async def quick_app(database_url: str) -> AsyncIterator[FastAPI]:
    """The service with retries 50 ms apart."""
    upgrade(database_url)
    settings = Settings(
        database_url=database_url,
        network_path=TINY / "network.geojson",
        webhook_retry_base_s=0.05,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@asynccontextmanager
async def service(database_url: str, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the service on the tiny network with ``settings``, running its lifespan."""
    upgrade(database_url)
    application = create_app(
        Settings(database_url=database_url, network_path=TINY / "network.geojson", **settings)
    )
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
async def quick(quick_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=quick_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_signed_deliveries_retries_log_and_replay(
    quick: httpx.AsyncClient, database_url: str, receivers: tuple[Receiver, Receiver]
) -> None:
    good, flaky = receivers
    forwarder = make_key(database_url, "Org A", Role.FORWARDER)
    made = await quick.post(
        "/v1/webhooks",
        json={"url": good.url, "events": ["booking.confirmed", "booking.event"], "secret": SECRET},
        headers=forwarder,
    )
    assert made.status_code == 201, made.text
    assert "secret" not in made.json()
    hook = made.json()["id"]
    flaky_hook = (
        await quick.post(
            "/v1/webhooks",
            json={"url": flaky.url, "events": ["booking.confirmed"], "secret": SECRET},
            headers=forwarder,
        )
    ).json()["id"]

    quote = await make_quote(quick, forwarder)
    booked = await quick.post("/v1/bookings", json=booking_body(quote), headers=forwarder)
    assert booked.status_code == 201
    booking = booked.json()
    first = (await good.wait_for(1))[0]
    assert first["signed"]
    assert first["headers"]["Corridor-Event"] == "booking.confirmed"
    assert first["body"]["type"] == "booking.confirmed"
    assert first["body"]["data"]["waybill_number"] == booking["waybill_number"]
    assert first["headers"]["Corridor-Delivery-Id"] == first["body"]["id"]
    assert not verify("another-secret-0000000", first["headers"]["Corridor-Signature"], b"{}")

    departure = booking["option"]["legs"]["features"][0]["properties"]["departure"]
    reported = await quick.post(
        f"/v1/bookings/{booking['id']}/events",
        json={"classifier": "EST", "code": "DEPA", "leg_seq": 1, "event_time": departure},
        headers=forwarder,
    )
    assert reported.status_code == 201, reported.text
    second = (await good.wait_for(2))[1]
    assert second["signed"]
    assert second["body"]["type"] == "booking.event"
    assert second["body"]["data"]["event"]["code"] == "DEPA"

    # the flaky receiver answers 500 twice: the delivery is retried and lands on the third try
    tries = await flaky.wait_for(3)
    assert len({t["headers"]["Corridor-Delivery-Id"] for t in tries}) == 1
    assert all(t["signed"] for t in tries)
    for _ in range(200):
        log = (await quick.get(f"/v1/webhooks/{flaky_hook}/deliveries", headers=forwarder)).json()
        if log["items"][0]["status"] == "delivered":
            break
        await asyncio.sleep(0.025)
    delivery = log["items"][0]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "delivered",
        3,
        204,
    )

    replayed = await quick.post(
        f"/v1/webhooks/{hook}/deliveries/{first['body']['id']}/replay", headers=forwarder
    )
    assert replayed.status_code == 200, replayed.text
    again = (await good.wait_for(3))[2]
    assert again["body"] == first["body"]
    assert again["signed"]


async def test_a_receiver_that_keeps_failing_ends_failed(
    database_url: str, receivers: tuple[Receiver, Receiver]
) -> None:
    _, flaky = receivers
    flaky.fail = 100
    async with service(database_url, webhook_retry_base_s=0.02, webhook_max_attempts=3) as client:
        forwarder = make_key(database_url, "Org A", Role.FORWARDER)
        hook = (
            await client.post(
                "/v1/webhooks",
                json={"url": flaky.url, "events": ["booking.confirmed"], "secret": SECRET},
                headers=forwarder,
            )
        ).json()["id"]
        quote = await make_quote(client, forwarder)
        await client.post("/v1/bookings", json=booking_body(quote), headers=forwarder)
        await flaky.wait_for(3)
        for _ in range(200):
            log = (await client.get(f"/v1/webhooks/{hook}/deliveries", headers=forwarder)).json()
            if log["items"][0]["status"] == "failed":
                break
            await asyncio.sleep(0.025)
        assert log["items"][0]["status"] == "failed"
        assert log["items"][0]["attempts"] == 3
        assert "HTTP 500" in log["items"][0]["last_error"]
        await asyncio.sleep(0.2)
        assert len(flaky.received) == 3  # no more after the last attempt


async def test_webhook_input_and_access_are_checked(
    quick: httpx.AsyncClient, database_url: str
) -> None:
    forwarder = make_key(database_url, "Org A", Role.FORWARDER)
    cases = [
        ({"url": "ftp://x.example", "events": ["booking.event"], "secret": SECRET}, "body.url"),
        ({"url": "http://x.example", "events": ["nothing"], "secret": SECRET}, "body.events.0"),
        (
            {"url": "http://x.example", "events": ["booking.event"], "secret": "short"},
            "body.secret",
        ),
    ]
    for body, field in cases:
        answer = await quick.post("/v1/webhooks", json=body, headers=forwarder)
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == field
    hook = (
        await quick.post(
            "/v1/webhooks",
            json={"url": "http://127.0.0.1:9/", "events": ["booking.event"], "secret": SECRET},
            headers=forwarder,
        )
    ).json()["id"]
    other = make_key(database_url, "Org B", Role.FORWARDER)
    assert (await quick.get(f"/v1/webhooks/{hook}/deliveries", headers=other)).status_code == 404
    planner = make_key(database_url, "Org A", Role.PLANNER)
    assert (await quick.get("/v1/webhooks", headers=planner)).status_code == 403
    assert (await quick.delete(f"/v1/webhooks/{hook}", headers=forwarder)).status_code == 204
    listed = (await quick.get("/v1/webhooks", headers=forwarder)).json()["items"]
    assert [(h["id"], h["active"]) for h in listed] == [(hook, False)]


@pytest.mark.parametrize("environment", ["production", "development"])
async def test_production_webhooks_must_point_at_public_addresses(
    database_url: str, environment: str
) -> None:
    async with service(database_url, environment=environment, rate_limit_per_s=0) as client:
        forwarder = make_key(database_url, "Org A", Role.FORWARDER)

        async def register(url: str) -> httpx.Response:
            body = {"url": url, "events": ["booking.confirmed"], "secret": SECRET}
            return await client.post("/v1/webhooks", json=body, headers=forwarder)

        inside = ["http://127.0.0.1:9/hook", "http://10.0.0.5/hook", "http://[::1]/hook"]
        inside += ["http://169.254.169.254/latest/meta-data", "http://localhost:8080/"]
        for url in inside:
            response = await register(url)
            if environment == "production":
                assert response.status_code == 422, (url, response.text)
                assert response.json()["errors"][0]["field"] == "body.url"
            else:
                assert response.status_code == 201, (url, response.text)
        assert (await register("https://93.184.216.34/hook")).status_code == 201


async def test_a_name_that_resolves_inside_since_it_was_registered_is_not_called(
    database_url: str, receivers: tuple[Receiver, Receiver]
) -> None:
    # registered while public (inserted as the API would have stored it), it now resolves to
    # loopback: the delivery refuses to send, on every attempt, and says why
    good, _ = receivers
    rebound = good.url.replace("127.0.0.1", "localhost")
    async with service(
        database_url,
        webhook_private_hosts=False,
        webhook_retry_base_s=0.02,
        webhook_max_attempts=2,
        rate_limit_per_s=0,
    ) as client:
        forwarder = make_key(database_url, "Org A", Role.FORWARDER)
        refused = await client.post(
            "/v1/webhooks",
            json={"url": rebound, "events": ["booking.confirmed"], "secret": SECRET},
            headers=forwarder,
        )
        assert refused.status_code == 422  # at registration
        engine = make_engine(database_url)
        with Session(engine) as db, db.begin():
            organisation = db.scalars(select(Organisation.id).where(Organisation.name == "Org A"))
            db.add(
                Webhook(
                    id="wh_rebound",
                    organisation_id=organisation.one(),
                    url=rebound,
                    events=["booking.confirmed"],
                    secret=SECRET,
                    active=True,
                    created_at=datetime.now(UTC),
                )
            )
        engine.dispose()
        quote = await make_quote(client, forwarder)
        booked = await client.post("/v1/bookings", json=booking_body(quote), headers=forwarder)
        assert booked.status_code == 201
        for _ in range(200):
            log = (await client.get("/v1/webhooks/wh_rebound/deliveries", headers=forwarder)).json()
            if log["items"] and log["items"][0]["status"] == "failed":
                break
            await asyncio.sleep(0.025)
        (delivery,) = log["items"]
        assert delivery["status"] == "failed"
        assert delivery["attempts"] == 2
        assert "not a public address" in delivery["last_error"]
        assert delivery["last_status_code"] is None
    assert good.received == []


def test_a_delivery_connects_to_the_address_it_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    # the resolver is the external boundary: a name that answers a public address first and a
    # private one next (DNS rebinding) is connected to by the address checked, never re-resolved
    answers = iter(["93.184.216.34", "10.0.0.5"])

    def resolve(host: str, *_: object, **__: object) -> list[Any]:
        assert host == "hooks.example"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    target, host = public_target("https://hooks.example:8443/in?x=1")
    assert (str(target), host) == ("https://93.184.216.34:8443/in?x=1", "hooks.example")
    with pytest.raises(NotPublic, match=r"10\.0\.0\.5"):
        public_target("https://hooks.example/in")
    for inside in ("http://127.0.0.1/", "http://[::1]:8080/", "http://169.254.169.254/"):
        with pytest.raises(NotPublic):
            public_target(inside)
