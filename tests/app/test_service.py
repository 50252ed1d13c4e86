from __future__ import annotations

import ast
import gc
import json
import re
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.problems import PROBLEMS
from app.db.engine import make_engine, upgrade
from app.db.models import NetworkVersion
from app.main import create_app
from app.observability import Sparse
from app.problem_types import PROBLEM_TYPES, ProblemType
from app.resources import YOUNG_OBJECTS
from app.roles import Role
from app.settings import Settings
from graph import Network
from tests.app.conftest import make_key
from tests.conftest import TINY, copy_data

pytestmark = pytest.mark.anyio


async def test_health_and_readiness(client: httpx.AsyncClient, tiny_network: Network) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = (await client.get("/readyz")).json()
    assert ready == {"status": "ready", "network_version": tiny_network.version}


async def test_the_collector_leaves_a_requests_garbage_to_reference_counting(
    client: httpx.AsyncClient,
) -> None:
    """A running service collects its young generation only past a quote's peak of objects."""
    assert (await client.get("/healthz")).status_code == 200
    assert gc.get_threshold()[0] == YOUNG_OBJECTS
    assert gc.get_freeze_count() > 0  # the loaded network is out of the collector's passes


async def test_network_summary(
    client: httpx.AsyncClient, forwarder: dict[str, str], tiny_network: Network
) -> None:
    assert (await client.get("/v1/network/summary")).status_code == 401
    summary = (await client.get("/v1/network/summary", headers=forwarder)).json()
    assert summary["version"] == tiny_network.version
    assert summary["locations"] == 8
    assert summary["service_legs"] == 11
    assert summary["legs_by_status"] == {"active": 9, "planned": 1, "suspended": 1}


async def test_errors_are_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert body["type"] == "/problems/not-found"
    assert body["instance"] == "/v1/nothing-here"


async def test_loaded_versions_are_recorded(
    app: FastAPI, database_url: str, tiny_network: Network
) -> None:
    engine = make_engine(database_url)
    with Session(engine) as session:
        rows = session.scalars(select(NetworkVersion)).all()
    engine.dispose()
    assert [(row.version, row.locations, row.service_legs) for row in rows] == [
        (tiny_network.version, 8, 11)
    ]


async def test_invalid_network_stops_start_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    broken = tmp_path / "network.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    application = create_app(Settings(database_url=url, network_path=broken))
    with pytest.raises(Exception, match="problem"):
        async with application.router.lifespan_context(application):
            pass


async def test_a_configured_usd_rate_replaces_the_reference_rate(
    tmp_path: Path, tiny_network: Network
) -> None:
    url = f"sqlite:///{tmp_path / 'rate.db'}"
    upgrade(url)
    settings = Settings(database_url=url, network_path=TINY / "network.geojson", usd_cny_rate=7.5)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        network = application.state.running.network
        assert network.version != tiny_network.version
        assert network.tariffs.rates.cny_per_unit["USD"] == 7.5
        others = dict(network.tariffs.rates.cny_per_unit)
        del others["USD"]
        assert others == {
            currency: rate
            for currency, rate in tiny_network.tariffs.rates.cny_per_unit.items()
            if currency != "USD"
        }


def _capacity_changed(path: Path, teu: int) -> None:
    data = json.loads(path.read_text())
    leg = next(f for f in data["features"] if f["properties"].get("id") == "TRAIN-1")
    leg["properties"]["capacity_teu"] = teu
    path.write_text(json.dumps(data))


async def test_other_processes_follow_a_reload_their_file_gives(
    database_url: str, tmp_path: Path
) -> None:
    shared = copy_data(TINY, tmp_path / "shared")
    own = copy_data(TINY, tmp_path / "own")  # a replica with a file of its own
    upgrade(database_url)
    apps = [
        create_app(Settings(database_url=database_url, network_path=path))
        for path in (shared, shared, own)
    ]
    async with AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
            app.state.running.follower.stop()  # checked by hand below, not on a timer
        first, second, third = apps
        before = first.state.running.network.version
        admin = make_key(database_url, "Operations", Role.NETWORK_OPERATOR)
        _capacity_changed(shared, 120)
        transport = httpx.ASGITransport(app=first)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            taken = await http.post("/v1/network/reload", headers=admin)
        assert taken.status_code == 200, taken.text
        after = taken.json()["network_version"]
        assert after != before
        assert second.state.running.follower.check() == after
        assert second.state.running.network.version == after
        assert second.state.running.live.get().version == after  # quotes see it too
        assert second.state.running.follower.check() is None  # nothing newer now
        # the replica whose own file gives the old version keeps it, and does not try again
        assert third.state.running.follower.check() is None
        assert third.state.running.network.version == before
        assert third.state.running.follower.check() is None


def test_an_outage_is_reported_once_a_minute_not_every_try() -> None:
    minute = Sparse(60.0)
    assert [minute.due() for _ in range(5)] == [True, False, False, False, False]
    always = Sparse(0.0)
    assert [always.due() for _ in range(3)] == [True, True, True]


async def test_operations_are_named_for_client_generators(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operations = [op for ops in spec["paths"].values() for op in ops.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", i) for i in ids), ids
    assert {
        "searchLocations", "createQuote", "createBooking", "cancelBooking",
        "reportBookingEvent", "declareDisruption", "getMe",
    } <= set(ids)  # fmt: skip
    summaries = {op["summary"] for op in operations}
    assert not summaries & {"Declare", "Close Early", "Whoami", "Revoke"}


async def test_every_problem_answer_refers_to_one_schema_listing_its_types(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    assert "ProblemOut" in schemas
    assert not {"HTTPValidationError", "ValidationError"} & set(schemas)  # never answered
    answers = [
        (path, method, status, answer)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        for status, answer in operation["responses"].items()
        if status[0] in "45"
    ]
    assert answers
    for path, _, status, answer in answers:
        content = answer["content"]["application/problem+json"]
        assert content["schema"] == {"$ref": "#/components/schemas/ProblemOut"}, (path, status)
    # each operation's 409 names the conflicts it answers, and only 409 types
    booking = spec["paths"]["/v1/bookings"]["post"]["responses"]["409"]["description"]
    for slug in ("capacity-exhausted", "quote-expired", "stale-quote", "departure-passed"):
        assert f"/problems/{slug}" in booking
    assert "last-admin-key" not in booking
    reroute = spec["paths"]["/v1/bookings/{booking_id}/reroute"]["post"]["responses"]["409"]
    assert "/problems/stale-proposal" in reroute["description"]
    assert "`stale-quote` (409)" in schemas["ProblemOut"]["properties"]["type"]["description"]


async def test_list_pages_are_components_named_for_their_items(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    assert not [key for key, schema in schemas.items() if schema.get("title", key) != key]
    pages = {
        "/v1/quotes": "Quote",
        "/v1/bookings": "Booking",
        "/v1/scenarios": "Scenario",
        "/v1/studies": "Study",
        "/v1/demand-matrices": "DemandMatrix",
        "/v1/webhooks": "Webhook",
        "/v1/webhooks/{webhook_id}/deliveries": "Delivery",
        "/v1/disruptions": "Disruption",
        "/v1/keys": "Key",
        "/v1/disruptions/{disruption_id}/affected-bookings": "AffectedBooking",
    }
    for path, item in pages.items():
        answer = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert answer["schema"] == {"$ref": f"#/components/schemas/{item}Page"}, path
        page = schemas[f"{item}Page"]
        assert page["properties"]["items"]["items"] == {"$ref": f"#/components/schemas/{item}Out"}
        assert set(page["required"]) == {"items", "next_cursor"}
        assert "next_cursor" in page["description"]


def test_every_problem_raised_is_a_listed_type_with_its_status() -> None:
    """Services raise problem types by name; only the API's own module answers with a status."""
    assert {kind.value for kind in ProblemType} == set(PROBLEM_TYPES)
    raised: dict[str, set[int]] = {}
    app_dir = Path(__file__).resolve().parents[2] / "app"
    for path in app_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name == "ServiceError":
                named = node.args[0]
                assert isinstance(named, ast.Attribute), (path, node.lineno)
                listed = ProblemType[named.attr].value
                raised.setdefault(listed, set()).add(PROBLEM_TYPES[listed][0])
            elif name == "problem" and len(node.args) >= 2:
                status, slug = (getattr(arg, "value", None) for arg in node.args[:2])
                if isinstance(slug, str):  # else the handlers' mapping, checked through PROBLEMS
                    assert isinstance(status, int), (path, node.lineno)
                    # an HTTP answer is made only where the API renders one
                    assert path.parent.name == "api" or path.name in ("main.py", "ratelimit.py")
                    raised.setdefault(slug, set()).add(status)
    raised |= {slug: {status} for status, slug, _ in PROBLEMS.values()}
    assert len(raised) > 25
    for listed, statuses in raised.items():
        assert statuses == {PROBLEM_TYPES[listed][0]}, listed
    # and no type is listed that nothing answers (but the router's own 404 and 405)
    assert set(PROBLEM_TYPES) - set(raised) <= {"not-found", "method-not-allowed"}


async def test_the_api_page_needs_no_network(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?['"]([^'"]+)['"]""", page.text)
    urls = [url for pair in assets for url in pair if url]
    assert len(urls) >= 3  # the script, the style sheet, the document
    assert not [url for url in urls if "://" in url or url.startswith("//")], urls
    for url in urls:
        assert (await client.get(url)).status_code == 200, url
