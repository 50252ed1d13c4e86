"""``corridor serve``: validate the network, apply migrations and serve the API."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from typing import Annotated

import typer

from app.cli.common import err, network_or_exit
from app.roles import Role

#: How long a worker of ``serve --workers N`` may take to answer its supervisor (it loads the
#: network first).
WORKER_START_S = 60


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
) -> None:
    """Validate the network, apply migrations and serve the API.

    On a database without keys, a demo organisation and a forwarder key are created and the key
    is printed with an example call (not with CORRIDOR_ENVIRONMENT=production).
    """
    import uvicorn

    from app.db.engine import upgrade
    from app.main import create_app  # the web stack, for this command only
    from app.observability import metrics_folder
    from app.settings import get_settings

    settings = get_settings()
    network = network_or_exit(settings.network_path)
    upgrade(settings.database_url)
    bind_host, bind_port = host or settings.host, port or settings.port
    base = f"http://{bind_host}:{bind_port}"
    # production keys are made on purpose (`corridor keys create`), never handed out at start
    demo = None if settings.environment == "production" else _demo_key(settings.database_url)
    err.print(
        f"Corridor {network.version} on {base} (docs at /docs, database {settings.database_url})"
    )
    err.print(f"Console at {base}/ (paste an API key)")
    if demo is not None:
        # plain write: the command must stay on one line to be copied
        example = {
            "origin": "CNCQI-TJC",
            "destination": "SGSIN",
            "ready": str(date.today() + timedelta(days=7)),
        }
        sys.stderr.write(
            "No API keys yet: created organisation 'demo' with a forwarder key. Try:\n"
            f"  curl -s -X POST {base}/v1/quotes -H 'Authorization: Bearer {demo}' "
            f"-H 'Content-Type: application/json' -d '{json.dumps(example)}'\n"
        )
    if workers > 1:
        # the workers write their metrics to files in one folder and /metrics adds them up, so
        # a scrape sees the whole service whichever worker answers it (app.observability)
        with metrics_folder():
            # each worker process loads and validates the network itself, and may not answer
            # the supervisor's pings meanwhile: on a busy machine that took longer than
            # uvicorn's 5 s, and the supervisor killed and started workers in a loop
            uvicorn.run(
                "app.main:create_app",
                factory=True,
                host=bind_host,
                port=bind_port,
                workers=workers,
                log_level=settings.log_level,
                access_log=False,
                timeout_worker_healthcheck=WORKER_START_S,
            )
        return
    uvicorn.run(
        create_app(settings, network),
        host=bind_host,
        port=bind_port,
        log_level=settings.log_level,
        access_log=False,  # the service logs each request itself, as JSON with its request id
    )


def _demo_key(url: str) -> str | None:
    from sqlalchemy.orm import Session

    from app.auth import create_key, has_keys
    from app.db.engine import make_engine, startup_lock, writing

    engine = make_engine(url)
    try:
        # replicas starting together on an empty database: one of them makes the key
        with startup_lock(url), Session(engine) as session, writing(session):
            if has_keys(session):
                return None
            return create_key(session, "demo", Role.FORWARDER, "created by serve on first start")
    finally:
        engine.dispose()
