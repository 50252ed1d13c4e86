"""The FastAPI application factory.

The network is loaded and validated once, in the lifespan, before the first request; invalid data
stops start-up with every problem listed. This issue's service is deliberately small (health and
the network summary); quotes, bookings and the rest build on it.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.db.models import NetworkVersion
from app.problems import add_problem_handlers, problem
from app.settings import Settings, get_settings
from graph import Network, load_network, summarize

log = logging.getLogger("corridor")


def create_app(settings: Settings | None = None, network: Network | None = None) -> FastAPI:
    """Build the app; ``network`` overrides loading from ``settings.network_path`` (tests)."""
    config = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = network if network is not None else load_network(config.network_path)
        # the network lives as long as the process: keep the collector's full passes off it,
        # they would land in the middle of quotes (bench/quotes.py)
        gc.collect()
        gc.freeze()
        engine = make_engine(config.database_url)
        record_network_version(engine, loaded, str(config.network_path))
        app.state.network = loaded
        app.state.engine = engine
        log.info(
            "network %s loaded: %d locations, %d service legs",
            loaded.version,
            len(loaded.locations),
            len(loaded.legs),
        )
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Corridor",
        version="0.1.0",
        summary="Multimodal freight routing for the Beibu Gulf gateway and the "
        "New International Land-Sea Trade Corridor.",
        lifespan=lifespan,
    )
    add_problem_handlers(app)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], response_model=None)
    async def readyz(request: Request) -> Any:
        """Readiness: the network is loaded and the database answers."""
        engine: Engine = request.app.state.engine
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as err:
            return problem(503, "not-ready", "Database unavailable", str(err), "/readyz")
        return {"status": "ready", "network_version": request.app.state.network.version}

    @app.get("/v1/network/summary", tags=["network"])
    async def network_summary(request: Request) -> dict[str, Any]:
        """Counts by location kind, mode and status, service counts, sourced/estimated values."""
        summary: dict[str, Any] = summarize(request.app.state.network).to_data()
        return summary

    return app


def record_network_version(engine: Engine, network: Network, path: str) -> None:
    """Remember which network versions this database has served."""
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        row = session.get(NetworkVersion, network.version)
        if row is None:
            session.add(
                NetworkVersion(
                    version=network.version,
                    path=path,
                    locations=len(network.locations),
                    service_legs=len(network.legs),
                    first_loaded_at=now,
                    last_loaded_at=now,
                )
            )
        else:
            row.last_loaded_at = now
