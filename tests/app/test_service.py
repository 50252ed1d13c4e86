from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.engine import make_engine, upgrade
from app.db.models import NetworkVersion
from app.main import create_app
from app.settings import Settings
from graph import Network
from tests.conftest import TINY

pytestmark = pytest.mark.anyio


async def test_health_and_readiness(client: httpx.AsyncClient, tiny_network: Network) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = (await client.get("/readyz")).json()
    assert ready == {"status": "ready", "network_version": tiny_network.version}


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
        network = application.state.network
        assert network.version != tiny_network.version
        assert network.tariffs.rates.cny_per_unit["USD"] == 7.5
        others = dict(network.tariffs.rates.cny_per_unit)
        del others["USD"]
        assert others == {
            currency: rate
            for currency, rate in tiny_network.tariffs.rates.cny_per_unit.items()
            if currency != "USD"
        }
