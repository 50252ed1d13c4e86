"""Faults under load: an API process killed with ``kill -9`` in the middle of a booking load,
and a network reload from a broken file. (A PostgreSQL restart: test_postgres_restart.py.)"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.db.models import Booking, BookingDeparture, NetworkVersion
from app.roles import Role
from scripts.topology import Topology
from tests.figures import report
from tests.production.conftest import booking_body, ledger, legs, make_quote

BOOKINGS = 120
KILL_AFTER = 40


def test_kill_9_of_an_api_process_loses_no_acknowledged_booking(topology: Topology) -> None:
    forwarder = topology.key("Killed Mid-Load Forwarding", Role.FORWARDER)
    first, second = topology.urls
    victim = topology.api[0]
    # two weeks of departures (100 TEU each) hold the 120 one-TEU bookings
    quotes = [make_quote(second, forwarder, count=1, days=d) for d in (10, 17)]
    answered = 0
    lock = threading.Lock()
    killed = threading.Event()

    def book(n: int) -> dict[str, Any]:
        nonlocal answered
        quote = quotes[n % 2]
        body = booking_body(quote, references={"n": str(n)})
        headers = forwarder | {"Idempotency-Key": f"kill-{n}"}
        outcome: dict[str, Any] = {"n": n, "first": None, "retried": None}
        base = (first, second)[n % 2]
        try:
            answer = httpx.post(f"{base}/v1/bookings", json=body, headers=headers, timeout=60)
            outcome["first"] = answer.status_code
        except httpx.TransportError as error:  # the process died under this request
            outcome["first"] = type(error).__name__
            answer = None
        if answer is None:
            # the client never heard: it tries the other process with the same key
            answer = httpx.post(f"{second}/v1/bookings", json=body, headers=headers, timeout=60)
            outcome["retried"] = answer.status_code
            outcome["replayed"] = answer.headers.get("idempotent-replayed") == "true"
        outcome["status"] = answer.status_code
        outcome["id"] = answer.json().get("id") if answer.status_code < 300 else None
        with lock:
            answered += 1
            if answered == KILL_AFTER and not killed.is_set():
                killed.set()
                topology.kill(victim)
        return outcome

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(book, range(BOOKINGS)))
    elapsed = time.perf_counter() - started
    assert killed.is_set()
    statuses = [o["status"] for o in outcomes]
    lost = [o for o in outcomes if o["retried"] is not None]
    assert all(s in {200, 201, 409} for s in statuses), statuses  # 409: a week filled up
    acknowledged = {o["id"] for o in outcomes if o["status"] < 300}
    assert len(acknowledged) == sum(1 for s in statuses if s < 300)  # one booking per key

    engine = make_engine(topology.database_url)
    try:
        with Session(engine) as db:
            rows = db.execute(
                select(Booking.id, Booking.idempotency_key, Booking.status)
                .join(BookingDeparture, BookingDeparture.booking_id == Booking.id, isouter=True)
                .where(Booking.idempotency_key.like("kill-%"))
                .distinct()
            ).all()
            stored = {row.id for row in rows}
            keys = [row.idempotency_key for row in rows]
    finally:
        engine.dispose()
    assert acknowledged <= stored, acknowledged - stored  # every 2xx is in the database
    assert len(keys) == len(set(keys))  # never twice for one key
    held = {leg["departure_key"] for q in quotes for o in q["options"] for leg in legs(o)}
    capacity = ledger(topology, held)
    for key, (booked, confirmed) in capacity.items():
        assert booked == confirmed, (key, booked, confirmed)
    departures = sum(1 for booked, _ in capacity.values() if booked)
    kinds = Counter(o["first"] for o in lost)  # ConnectError: refused; others: cut in flight
    new_on_retry = sum(1 for o in lost if o["retried"] == 201)
    replayed = sum(1 for o in lost if o.get("replayed"))
    report(
        f"kill -9 of API process {victim.pid} after {KILL_AFTER} of {BOOKINGS} bookings "
        f"(8 clients, {elapsed:.1f} s): {sum(1 for s in statuses if s < 300)} booked, "
        f"{statuses.count(409)} x 409 (departure full), {len(lost)} answers lost and retried on "
        f"the other process ({dict(kinds)}; {new_on_retry} booked then, {replayed} replayed), "
        f"{len(stored)} bookings stored, every 2xx among them; capacity = confirmed TEU on "
        f"{departures} departures"
    )
    restarted = topology.restart(victim)
    assert httpx.get(f"{restarted.url}/readyz", timeout=10).status_code == 200


def break_network(path: Path) -> None:
    """Write a network with a dangling endpoint, a negative time and an unknown mode."""
    data = json.loads(path.read_text())
    legs_ = [f for f in data["features"] if f["properties"].get("feature_type") == "service_leg"]
    legs_[0]["properties"]["transit_hours"] = -5
    legs_[1]["properties"]["mode"] = "teleport"
    legs_[2]["properties"]["destination"] = "NOWHERE"
    path.write_text(json.dumps(data))


def test_a_broken_network_reload_keeps_the_old_version_serving(topology: Topology) -> None:
    admin = topology.key("Corridor Operations", Role.NETWORK_OPERATOR)
    forwarder = topology.key("Reload Forwarding", Role.FORWARDER)
    base = topology.urls[0]
    path = topology.network_path
    original = path.read_text()
    before = httpx.get(f"{base}/readyz", timeout=10).json()["network_version"]
    try:
        denied = httpx.post(f"{base}/v1/network/reload", headers=forwarder, timeout=60)
        assert denied.status_code == 403
        break_network(path)
        refused = httpx.post(f"{base}/v1/network/reload", headers=admin, timeout=60)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["type"] == "/problems/invalid-network-data"
        fields = {(e["item"], e["field"]) for e in problem["errors"]}
        assert len(problem["errors"]) >= 3, problem
        assert any(field == "transit_hours" for _, field in fields), fields
        assert any(field == "mode" for _, field in fields), fields
        assert any(field == "destination" for _, field in fields), fields
        assert before in problem["detail"]  # still serving, and says which
        # the old version keeps serving: readiness, quotes
        assert httpx.get(f"{base}/readyz", timeout=10).json()["network_version"] == before
        quoted = make_quote(base, forwarder, days=24)
        assert quoted["network_version"] == before
        log = topology.api[0].log.read_text(errors="replace")
        assert "network reload refused" in log  # the operator sees it in the log too

        # a valid change is taken, recorded, and served by this process
        data = json.loads(original)
        leg = next(f for f in data["features"] if f["properties"].get("id") == "TRAIN-1")
        leg["properties"]["capacity_teu"] = 120
        path.write_text(json.dumps(data))
        taken = httpx.post(f"{base}/v1/network/reload", headers=admin, timeout=60)
        assert taken.status_code == 200, taken.text
        after = taken.json()
        assert after["previous_version"] == before
        assert after["changed"]
        assert after["network_version"] != before
        assert make_quote(base, forwarder, days=24)["network_version"] == after["network_version"]
        # the other API process reads the same file: it follows
        followed_in = serving(topology.urls[1], after["network_version"])
        engine = make_engine(topology.database_url)
        try:
            with Session(engine) as db:
                assert db.get(NetworkVersion, after["network_version"]) is not None
        finally:
            engine.dispose()
    finally:
        path.write_text(original)
        back = httpx.post(f"{base}/v1/network/reload", headers=admin, timeout=60)
    assert back.status_code == 200, back.text
    assert back.json()["network_version"] == before
    serving(topology.urls[1], before)  # the tests after this one count on both serving it
    report(
        f"reload: broken file -> 422 with {len(problem['errors'])} problems listed, "
        f"{before} kept serving; valid change -> {after['network_version']}, followed by the "
        f"other API process in {followed_in:.1f} s; restored -> {before}"
    )


def serving(base: str, version: str) -> float:
    """Wait until ``base`` serves network ``version``; the seconds it took."""
    started = time.monotonic()
    while True:
        now = httpx.get(f"{base}/readyz", timeout=10).json()["network_version"]
        if now == version:
            return time.monotonic() - started
        assert time.monotonic() - started < 60, f"{base} still serves {now}"  # a hang bound
        time.sleep(0.2)
