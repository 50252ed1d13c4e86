"""Stored scenarios: validated, versioned, per organisation, usable by quotes and maps."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.roles import Role
from graph import Network
from tests.app.conftest import make_key
from tests.app.test_api import booking_body, quote_body

pytestmark = pytest.mark.anyio

CANAL = {"name": "Canal X open", "ops": [{"op": "enable", "tags": ["canal_x"]}]}


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    return await client.post("/v1/scenarios", json=body, headers=headers)


async def test_planners_store_versioned_scenarios(
    client: httpx.AsyncClient, database_url: str, tiny_network: Network
) -> None:
    planner = make_key(database_url, "Org A", Role.PLANNER)
    made = await create(client, planner, CANAL)
    assert made.status_code == 201, made.text
    scenario = made.json()
    assert scenario["version"] == 1
    assert scenario["ops"] == CANAL["ops"]
    assert scenario["network_version"] != tiny_network.version
    assert scenario["versions"][0]["base_network_version"] == tiny_network.version

    renamed = await client.patch(
        f"/v1/scenarios/{scenario['id']}", json={"name": "Canal X"}, headers=planner
    )
    assert renamed.json()["version"] == 1
    assert renamed.json()["name"] == "Canal X"
    changed = await client.patch(
        f"/v1/scenarios/{scenario['id']}",
        json={"ops": [*CANAL["ops"], {"op": "adjust_capacity", "ids": ["CANAL-1"], "factor": 2}]},
        headers=planner,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    assert [v["version"] for v in changed.json()["versions"]] == [1, 2]
    assert changed.json()["network_version"] != scenario["network_version"]

    listed = (await client.get("/v1/scenarios", headers=planner)).json()
    assert [item["id"] for item in listed["items"]] == [scenario["id"]]


async def test_invalid_operations_are_named_and_nothing_is_stored(
    client: httpx.AsyncClient, database_url: str
) -> None:
    planner = make_key(database_url, "Org A", Role.PLANNER)
    bad = await create(
        client,
        planner,
        {"name": "broken", "ops": [{"op": "enable", "ids": ["NOPE"]}, {"op": "teleport"}]},
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    errors = bad.json()["errors"]
    assert {error["field"] for error in errors} == {"body.ops"}
    assert {error["item"] for error in errors} >= {"op #2"}
    assert (await client.get("/v1/scenarios", headers=planner)).json()["items"] == []
    assert (await create(client, planner, CANAL)).status_code == 201
    assert (await create(client, planner, CANAL)).status_code == 409  # the name is taken
    stored = (await client.get("/v1/scenarios", headers=planner)).json()["items"][0]
    patched = await client.patch(
        f"/v1/scenarios/{stored['id']}", json={"ops": [{"op": "close"}]}, headers=planner
    )
    assert patched.status_code == 422
    nameless = await client.patch(
        f"/v1/scenarios/{stored['id']}", json={"name": None}, headers=planner
    )
    assert nameless.status_code == 422, nameless.text  # was a 500 (NOT NULL)
    assert nameless.json()["errors"][0]["field"] == "body.name"
    again = (await client.get(f"/v1/scenarios/{stored['id']}", headers=planner)).json()
    assert again["version"] == 1
    assert again["name"] == CANAL["name"]


async def test_quotes_and_maps_on_a_stored_scenario(
    client: httpx.AsyncClient, forwarder: dict[str, str], database_url: str
) -> None:
    planner = make_key(database_url, "Org A", Role.PLANNER)
    assert (await create(client, forwarder, CANAL)).status_code == 403  # forwarders only read
    scenario = (await create(client, planner, CANAL)).json()

    quoted = await client.post(
        "/v1/quotes", json=quote_body(scenario_id=scenario["id"]), headers=forwarder
    )
    assert quoted.status_code == 201, quoted.text
    assert quoted.json()["network_version"] == scenario["network_version"]
    booked = await client.post("/v1/bookings", json=booking_body(quoted.json()), headers=forwarder)
    assert booked.status_code == 409
    assert booked.json()["type"] == "/problems/scenario-quote"
    both = quote_body(scenario_id=scenario["id"], scenario=CANAL)
    assert (await client.post("/v1/quotes", json=both, headers=forwarder)).status_code == 422

    def canal(collection: dict[str, Any]) -> dict[str, Any]:
        return next(
            f["properties"] for f in collection["features"] if f["properties"]["id"] == "CANAL-1"
        )

    base = (await client.get("/v1/network", headers=forwarder)).json()
    what_if = await client.get(
        "/v1/network", params={"scenario": scenario["id"]}, headers=forwarder
    )
    assert what_if.status_code == 200
    assert canal(what_if.json()) != canal(base)

    other = make_key(database_url, "Org B", Role.ADMIN)
    assert (await client.get(f"/v1/scenarios/{scenario['id']}", headers=other)).status_code == 404
    patch = await client.patch(
        f"/v1/scenarios/{scenario['id']}", json={"name": "mine"}, headers=other
    )
    assert patch.status_code == 404
    foreign = quote_body(scenario_id=scenario["id"])
    assert (await client.post("/v1/quotes", json=foreign, headers=other)).status_code == 404
    hidden = await client.get("/v1/network", params={"scenario": scenario["id"]}, headers=other)
    assert hidden.status_code == 404
