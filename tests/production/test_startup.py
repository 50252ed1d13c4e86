"""Replicas that start at the same instant on a fresh database all come up and serve.

Each round spawns several ``corridor serve`` processes that import everything, then wait on a
shared start signal, so that their start-ups (migrations, the network-version record, the demo
key) run into each other as replicas of a deployment do, on a loaded machine or not.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.db.models import ApiKey, NetworkVersion, Organisation
from scripts.topology import free_port, serving
from tests.conftest import ROOT, TINY
from tests.production.conftest import POSTGRES_URL

REPLICAS = 3
ROUNDS = 3

#: Imports first, then wait for the start signal, then the real command.
LAUNCH = """
import sys, time
from pathlib import Path
import app.cli.main
go, ready = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
while not go.exists():
    time.sleep(0.001)
app.cli.main.app(sys.argv[3:])
"""


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A database of its own on the test PostgreSQL, dropped at the end."""
    assert POSTGRES_URL is not None
    name = f"corridor_startup_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def start_together(database_url: str, folder: Path) -> list[str]:
    """Start the replicas at one instant; the base URL of each once all serve."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CORRIDOR_")}
    env |= {
        "CORRIDOR_DATABASE_URL": database_url,
        "CORRIDOR_NETWORK_PATH": str(TINY / "network.geojson"),
        "CORRIDOR_LOG_LEVEL": "warning",
    }
    go = folder / "go"
    processes: list[tuple[subprocess.Popen[bytes], Path, str]] = []
    try:
        for n in range(REPLICAS):
            port = free_port()
            log = folder / f"api-{n}.log"
            with log.open("wb") as output:
                popen = subprocess.Popen(
                    [
                        *(sys.executable, "-c", LAUNCH, str(go), str(folder / f"ready-{n}")),
                        *("serve", "--host", "127.0.0.1", "--port", str(port)),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            processes.append((popen, log, f"http://127.0.0.1:{port}"))
        deadline = time.monotonic() + 180
        while not all((folder / f"ready-{n}").exists() for n in range(REPLICAS)):
            assert time.monotonic() < deadline, "the replicas did not finish importing"
            time.sleep(0.05)
        go.touch()
        for popen, log, url in processes:
            if not serving(url, popen, deadline):
                pytest.fail(f"a replica did not start:\n{log.read_text(errors='replace')}")
        return [url for _, _, url in processes]
    finally:
        for popen, _, _ in processes:
            popen.terminate()
        for popen, _, _ in processes:
            try:
                popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                popen.kill()


def started_once(database_url: str) -> None:
    """What the replicas' start-ups wrote, written once: one version row, one demo key."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(NetworkVersion)) == 1
            assert session.scalars(select(Organisation.name)).all() == ["demo"]
            assert session.scalar(select(func.count()).select_from(ApiKey)) == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_replicas_starting_together_on_fresh_sqlite_all_serve(round_: int, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'corridor.db'}"
    assert len(start_together(url, tmp_path)) == REPLICAS
    started_once(url)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_replicas_starting_together_on_fresh_postgres_all_serve(
    round_: int, tmp_path: Path
) -> None:
    if POSTGRES_URL is None:
        pytest.skip("CORRIDOR_TEST_POSTGRES_URL is not set; .ci/run sets it")
    with fresh_postgres() as url:
        assert len(start_together(url, tmp_path)) == REPLICAS
        started_once(url)
