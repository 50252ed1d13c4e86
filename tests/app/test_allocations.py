"""Batch allocation over HTTP on the tiny network (trains of 100 TEU)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpx
import pytest

from app.roles import Role
from tests.app.conftest import make_key

pytestmark = pytest.mark.anyio

READY = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()


def shipment(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"box-{i}",
        "origin": "DP",
        "destination": "PA",
        "ready": READY,
        "cargo": {"box": "42G1", "count": 1},
        **extra,
    }


async def test_sixty_boxes_fill_the_trains_without_overfilling(
    client: httpx.AsyncClient, database_url: str
) -> None:
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    body = {"shipments": [shipment(i) for i in range(60)], "late_cny_per_teu_hour": 20}
    answer = await client.post("/v1/allocations", json=body, headers=dispatcher)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["status"] == "optimal"
    assert result["placed"] + len(result["unplaced"]) == 60
    loads = Counter(
        key for a in result["assignments"] for key in a["departures"] if not key.startswith("ROAD")
    )
    assert max(loads.values()) * 2 <= 100  # 2 TEU a box, 100 TEU a departure
    assert len({a["departures"][0] for a in result["assignments"]}) > 1  # spread over departures
    assert result["objective_cny"] <= result["greedy"]["objective_cny"]
    assert len(result["greedy"]["assignments"]) == result["greedy"]["placed"]
    assert all(u["reason"] for u in result["unplaced"])


async def test_allocation_input_is_checked(client: httpx.AsyncClient, database_url: str) -> None:
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    planner = make_key(database_url, "Org A", Role.PLANNER)
    good = {"shipments": [shipment(0)], "late_cny_per_teu_hour": 20}
    assert (await client.post("/v1/allocations", json=good, headers=planner)).status_code == 403
    twice = {"shipments": [shipment(0), shipment(0)], "late_cny_per_teu_hour": 20}
    answer = await client.post("/v1/allocations", json=twice, headers=dispatcher)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body.shipments.1.id"
    nowhere = {"shipments": [shipment(0, origin="XX")], "late_cny_per_teu_hour": 20}
    answer = await client.post("/v1/allocations", json=nowhere, headers=dispatcher)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body.shipments.0.origin"
    stranded = {
        "shipments": [shipment(0, origin="PB", destination="DP")],
        "late_cny_per_teu_hour": 20,
    }
    answer = await client.post("/v1/allocations", json=stranded, headers=dispatcher)
    assert answer.status_code == 200
    assert answer.json()["unplaced"][0]["reason"].startswith("no itinerary")


async def test_a_large_batch_runs_as_a_job(client: httpx.AsyncClient, database_url: str) -> None:
    dispatcher = make_key(database_url, "Org A", Role.DISPATCHER)
    boxes = [shipment(i) for i in range(250)]
    body = {"shipments": boxes, "late_cny_per_teu_hour": 20}
    bad = {**body, "shipments": [*boxes[:-1], shipment(249, destination="XX")]}
    refused = await client.post("/v1/allocations", json=bad, headers=dispatcher)
    assert refused.status_code == 422  # checked before any job is made
    assert refused.json()["errors"][0]["field"] == "body.shipments.249.destination"
    answer = await client.post("/v1/allocations", json=body, headers=dispatcher)
    assert answer.status_code == 202, answer.text
    assert answer.json()["kind"] == "allocation"
    location = answer.headers["location"]
    assert location == f"/v1/jobs/{answer.json()['id']}"
    for _ in range(600):
        job = (await client.get(location, headers=dispatcher)).json()
        if job["status"] in ("succeeded", "failed"):
            break
        await anyio.sleep(0.05)
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["placed"] + len(result["unplaced"]) == 250
    loads = Counter(
        key for a in result["assignments"] for key in a["departures"] if not key.startswith("ROAD")
    )
    assert max(loads.values()) * 2 <= 100
    assert result["objective_cny"] <= result["greedy"]["objective_cny"]
