"""Database fixtures: a migrated SQLite file, and a throwaway PostgreSQL database when
``CORRIDOR_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.auth import create_key
from app.db.engine import make_engine, upgrade, writing
from app.main import create_app
from app.roles import Role
from app.settings import Settings
from tests.conftest import TINY

POSTGRES_URL = os.environ.get("CORRIDOR_TEST_POSTGRES_URL")


def _postgres_database() -> Iterator[str]:
    assert POSTGRES_URL is not None
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"corridor_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each supported kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'corridor.db'}"
        return
    if POSTGRES_URL is None:
        pytest.skip("CORRIDOR_TEST_POSTGRES_URL is not set")
    yield from _postgres_database()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    """The service on the tiny network over a migrated database of each kind."""
    upgrade(database_url)
    # no rate limit: a test client drives one key far past any production rate (the limit has
    # tests of its own, test_ratelimit.py)
    settings = Settings(
        database_url=database_url, network_path=TINY / "network.geojson", rate_limit_per_s=0
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def make_key(database_url: str, organisation: str, role: Role) -> dict[str, str]:
    """Authorization headers of a new key."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, writing(session):
            key = create_key(session, organisation, role)
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def forwarder(app: FastAPI, database_url: str) -> dict[str, str]:
    """Headers of a forwarder key of organisation A."""
    return make_key(database_url, "Org A", Role.FORWARDER)
