"""The production topology for the tests: two ``corridor serve`` processes, a ``corridor worker``,
one PostgreSQL database made for the run and a Redis queue (``scripts/topology.py``).

One topology serves the whole package, on the tiny network (quick to load; the answers are
known). The tests skip, saying why, when ``CORRIDOR_TEST_POSTGRES_URL`` is unset or Redis does
not answer; ``.ci/run`` sets both up.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.db.models import Booking, BookingDeparture, DepartureCapacity
from app.roles import Role
from scripts.topology import Topology
from tests.app.jobs.test_celery import REDIS_URL, _redis_problem
from tests.conftest import TINY

POSTGRES_URL = os.environ.get("CORRIDOR_TEST_POSTGRES_URL")


def missing() -> str | None:
    """Why the topology cannot run here, or None."""
    if POSTGRES_URL is None:
        return "CORRIDOR_TEST_POSTGRES_URL is not set; .ci/run sets it"
    return _redis_problem()


def start(
    logs: Path, postgres: str | None = None, apis: int = 2, workers: int = 1, **env: str
) -> Topology:
    """A topology over the test PostgreSQL (or ``postgres``) and Redis, not yet started.

    Its network is a copy of the tiny one in ``logs/network``, which a test may break and mend.
    """
    assert POSTGRES_URL is not None
    shutil.copytree(TINY, logs / "network", dirs_exist_ok=True)
    return Topology(
        logs=logs,
        apis=apis,
        workers=workers,
        network_path=logs / "network" / "network.geojson",
        postgres=postgres or POSTGRES_URL,
        redis_url=REDIS_URL,
        # the load below drives few keys hard; the limit itself is tested in test_ratelimit.py
        extra_env={"CORRIDOR_RATE_LIMIT_PER_S": "5000", "CORRIDOR_RATE_LIMIT_BURST": "5000"} | env,
    )


@pytest.fixture(scope="package")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    """The topology shared by the package's tests (a test that kills a process restarts it)."""
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    with start(tmp_path_factory.mktemp("topology")) as running:
        yield running


@pytest.fixture(scope="package")
def forwarder(topology: Topology) -> dict[str, str]:
    """A forwarder key on the topology's database."""
    return topology.key("Beibu Forwarding", Role.FORWARDER)


def ready(days: int = 3) -> str:
    """A ready date ``days`` from now: tests that fill departures take weeks of their own
    (scale-out 3 days, kill 10 and 17, reload 24; the load from 42 on)."""
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def quote_body(count: int = 1, days: int = 3, **extra: Any) -> dict[str, Any]:
    """A quote Dry Port -> Port Bravo on the tiny network (TRAIN then SHIP, 100 TEU each)."""
    return {
        "origin": "DP",
        "destination": "PB",
        "ready": ready(days),
        "cargo": {"box": "22G1", "count": count},
        **extra,
    }


def booking_body(quote: dict[str, Any], option: int = 0, **extra: Any) -> dict[str, Any]:
    """A booking of ``quote``'s option ``option``."""
    return {
        "quote_id": quote["id"],
        "option_id": quote["options"][option]["id"],
        "shipper": {"name": "Chongqing Machinery Export Co."},
        "consignee": {"name": "Bravo Trading Pte Ltd"},
        **extra,
    }


def make_quote(base: str, headers: dict[str, str], count: int = 1, days: int = 3) -> dict[str, Any]:
    """A stored quote, made through ``base``."""
    body = quote_body(count, days)
    answer = httpx.post(f"{base}/v1/quotes", json=body, headers=headers, timeout=60)
    assert answer.status_code == 201, answer.text
    quote: dict[str, Any] = answer.json()
    return quote


def legs(option: dict[str, Any]) -> list[dict[str, Any]]:
    """The legs of a quote option."""
    return [feature["properties"] for feature in option["legs"]["features"]]


def ledger(topology: Topology, keys: set[str]) -> dict[str, tuple[float, float]]:
    """Per departure: (booked TEU on the capacity row, TEU held by confirmed bookings)."""
    engine = make_engine(topology.database_url)
    try:
        with Session(engine) as db:
            booked = dict(
                db.execute(
                    select(DepartureCapacity.departure_key, DepartureCapacity.booked_teu).where(
                        DepartureCapacity.departure_key.in_(keys)
                    )
                ).all()
            )
            held = dict(
                db.execute(
                    select(BookingDeparture.departure_key, func.sum(BookingDeparture.teu))
                    .join(Booking, Booking.id == BookingDeparture.booking_id)
                    .where(Booking.status == "confirmed", BookingDeparture.departure_key.in_(keys))
                    .group_by(BookingDeparture.departure_key)
                ).all()
            )
    finally:
        engine.dispose()
    return {key: (float(booked.get(key, 0)), float(held.get(key, 0))) for key in keys}
