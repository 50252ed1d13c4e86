"""Dispatch end to end on the real network and a real server.

Book Chongqing → Singapore through Qinzhou, report the box gated in, close Qinzhou port for
48 hours across the booking's call there, take a proposal, and follow it all through signed
webhooks at real local receivers (one of which fails at first and gets retries).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.test_webhooks import SECRET, Receiver
from tests.e2e.server import create_key, running

QINZHOU = "CNQZH"


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    good, flaky = Receiver(), Receiver(fail=2)
    yield good, flaky
    good.close()
    flaky.close()


def legs(option: dict[str, Any]) -> list[dict[str, Any]]:
    return [feature["properties"] for feature in option["legs"]["features"]]


def at_qinzhou_within(option_legs: list[dict[str, Any]], start: datetime, end: datetime) -> bool:
    return any(
        leg[side] == QINZHOU and start <= datetime.fromisoformat(leg[when]) < end
        for leg in option_legs
        for side, when in (("from", "departure"), ("to", "arrival"))
    )


def wait_for(receiver: Receiver, events: set[str]) -> list[dict[str, Any]]:
    """Deliveries until every event type in ``events`` has been delivered with a 2xx answer."""
    for _ in range(300):
        seen = {r["body"]["type"] for r in receiver.received}
        if events <= seen:
            return receiver.received
        time.sleep(0.1)
    pytest.fail(f"{receiver.url} got {[r['body']['type'] for r in receiver.received]}")


def test_book_track_disrupt_reroute_and_hear_about_it(
    tmp_path: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    good, flaky = receivers
    with running(tmp_path, CORRIDOR_WEBHOOK_RETRY_BASE_S="0.2") as base:
        forwarder = create_key(tmp_path, "Beibu Dispatch", "forwarder")
        dispatcher = create_key(tmp_path, "Beibu Dispatch", "dispatcher")
        events = ["booking.confirmed", "booking.event", "booking.disrupted", "booking.rerouted"]
        with httpx.Client(base_url=base, timeout=120) as http:
            for receiver in (good, flaky):
                hook = http.post(
                    "/v1/webhooks",
                    json={"url": receiver.url, "events": events, "secret": SECRET},
                    headers=dispatcher,
                )
                assert hook.status_code == 201, hook.text
            flaky_hook = hook.json()["id"]
            quote = http.post(
                "/v1/quotes",
                json={
                    "origin": "CNCQI-TJC",
                    "destination": "SGSIN",
                    "ready": datetime.now(UTC).isoformat(),
                    "cargo": {"box": "42G1", "count": 1},
                },
                headers=forwarder,
            ).json()
            # the first box that can reach Qinzhou: no earlier train can dodge the closure
            option = min(
                (o for o in quote["options"] if any(leg["to"] == QINZHOU for leg in legs(o))),
                key=lambda o: next(leg["arrival"] for leg in legs(o) if leg["to"] == QINZHOU),
            )
            booked = http.post(
                "/v1/bookings",
                json={
                    "quote_id": quote["id"],
                    "option_id": option["id"],
                    "shipper": {"name": "Chongqing Machinery Export Co."},
                    "consignee": {"name": "Singapore Distribution Pte Ltd"},
                },
                headers=forwarder | {"Idempotency-Key": "dispatch-e2e"},
            )
            assert booked.status_code == 201, booked.text
            booking = booked.json()
            url = f"/v1/bookings/{booking['id']}"
            gate_in = http.post(
                f"{url}/events",
                json={
                    "classifier": "ACT",
                    "code": "GTIN",
                    "leg_seq": 1,
                    "location": "CNCQI-TJC",
                    "event_time": datetime.now(UTC).isoformat(),
                },
                headers=dispatcher | {"Idempotency-Key": "gtin-1"},
            )
            assert gate_in.status_code == 201, gate_in.text

            at_qinzhou = next(leg for leg in legs(option) if leg["to"] == QINZHOU)
            start = datetime.fromisoformat(at_qinzhou["arrival"]) - timedelta(hours=1)
            end = start + timedelta(hours=48)
            declared = http.post(
                "/v1/disruptions",
                json={
                    "target_type": "location",
                    "target": QINZHOU,
                    "kind": "port_closure",
                    "reason": "Typhoon signal No. 8 at Qinzhou",
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                },
                headers=dispatcher,
            )
            assert declared.status_code == 201, declared.text
            (affected,) = declared.json()["affected_bookings"]
            assert affected["booking_id"] == booking["id"]
            proposals = affected["proposals"]
            assert proposals, affected["note"]
            for proposal in proposals:
                assert proposal["from"]["location"] == "CNCQI-TJC"  # gated in at the origin
                assert not at_qinzhou_within(legs(proposal), start, end)
            # one goes through Fangchenggang, or leaves Qinzhou after it reopens
            assert any(
                any("CNFAN" in (leg["from"], leg["to"]) for leg in legs(p))
                or any(
                    leg["from"] == QINZHOU and datetime.fromisoformat(leg["departure"]) >= end
                    for leg in legs(p)
                )
                for p in proposals
            )
            chosen = proposals[0]
            moved = http.post(
                f"{url}/reroute", json={"proposal_id": chosen["id"]}, headers=dispatcher
            )
            assert moved.status_code == 200, moved.text
            after = moved.json()
            assert after["waybill_number"] == booking["waybill_number"]
            assert legs(after["option"]) == legs(chosen)
            waybill = http.get(f"{url}/waybill", headers=dispatcher).json()
            assert waybill["waybill_number"] == booking["waybill_number"]
            assert waybill["total_cny"] == chosen["price_total_cny"]

            wanted = set(events)
            for receiver in (good, flaky):
                received = wait_for(receiver, wanted)
                assert all(r["signed"] for r in received)  # HMAC-SHA256 over "t.body"
                disrupted = next(r for r in received if r["body"]["type"] == "booking.disrupted")
                assert disrupted["body"]["data"]["booking_id"] == booking["id"]
                assert disrupted["body"]["data"]["disruption"]["target"] == QINZHOU
                rerouted = next(r for r in received if r["body"]["type"] == "booking.rerouted")
                assert rerouted["body"]["data"]["proposal_id"] == chosen["id"]
                assert rerouted["body"]["data"]["waybill_number"] == booking["waybill_number"]
            # the failing receiver's two refusals were retried under the same delivery ids
            for _ in range(100):
                log = http.get(f"/v1/webhooks/{flaky_hook}/deliveries", headers=dispatcher).json()
                if {d["status"] for d in log["items"]} == {"delivered"}:
                    break
                time.sleep(0.1)
            assert {d["status"] for d in log["items"]} == {"delivered"}
            assert sum(d["attempts"] for d in log["items"]) == len(flaky.received)
            retried = [d for d in log["items"] if d["attempts"] > 1]
            assert retried
            ids = [r["headers"]["Corridor-Delivery-Id"] for r in flaky.received]
            assert all(ids.count(d["id"]) == d["attempts"] for d in log["items"])
