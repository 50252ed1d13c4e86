"""Jobs on real Celery workers over Redis: fan-out, progress, failures, and a worker killed
mid-job.

The workers are ``corridor worker`` subprocesses (through ``tests/app/jobs/celery_worker.py``,
which imports the test kinds) on Redis database 15 (``CORRIDOR_TEST_REDIS_URL``), with a queue of
their own per run, so that runs side by side do not take each other's tasks. The tests skip,
saying so, only when Redis does not answer; ``.ci/run`` starts it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.engine import make_engine, upgrade
from app.db.models import Job, JobPart
from app.jobs.celery import CeleryRunner
from app.jobs.registry import JobContext
from app.jobs.state import MAX_ATTEMPTS, create_job
from app.main import create_app
from app.roles import Role
from app.settings import Settings
from tests.app.conftest import POSTGRES_URL, _postgres_database, make_key
from tests.app.jobs.test_runner import organisation_of
from tests.conftest import ROOT, TINY

pytestmark = pytest.mark.anyio

REDIS_URL = os.environ.get("CORRIDOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
#: Short, so that the tasks of a killed worker come back within the test.
VISIBILITY_TIMEOUT_S = 3.0


def _redis_problem() -> str | None:
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as error:
        return f"Redis at {REDIS_URL} does not answer ({error}); .ci/run starts it"
    return None


class Cluster:
    """A test database, a queue on Redis, and a ``corridor worker`` process on both."""

    def __init__(self, database_url: str, logs: Path) -> None:
        self.database_url = database_url
        self.queue = f"corridor-test-{uuid.uuid4().hex[:12]}"
        self.logs = logs
        self.worker: subprocess.Popen[bytes] | None = None
        self.log: Path | None = None
        self.started = 0

    def settings(self) -> Settings:
        return Settings(
            database_url=self.database_url,
            network_path=TINY / "network.geojson",
            broker_url=REDIS_URL,
            broker_queue=self.queue,
            broker_visibility_timeout_s=VISIBILITY_TIMEOUT_S,
        )

    def start_worker(self, concurrency: int = 2) -> None:
        """Start a worker and wait until it consumes (30 s at most)."""
        self.started += 1
        self.log = self.logs / f"worker-{self.started}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CORRIDOR_")}
        env.update(
            CORRIDOR_DATABASE_URL=self.database_url,
            CORRIDOR_NETWORK_PATH=str(TINY / "network.geojson"),
            CORRIDOR_BROKER_URL=REDIS_URL,
            CORRIDOR_BROKER_QUEUE=self.queue,
            CORRIDOR_BROKER_VISIBILITY_TIMEOUT_S=str(VISIBILITY_TIMEOUT_S),
        )
        name = f"{self.queue}-{self.started}@%h"
        command = [sys.executable, "-m", "tests.app.jobs.celery_worker"]
        options = ["--concurrency", str(concurrency), "--loglevel", "info", "-n", name]
        with self.log.open("wb") as output:
            # a session of its own: kill_worker() kills the pool processes too, as a lost
            # machine would
            self.worker = subprocess.Popen(
                [*command, *options],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while "ready." not in self.log.read_text(errors="replace"):
            if self.worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker did not start:\n{self.log.read_text(errors='replace')}")
            time.sleep(0.1)

    def kill_worker(self) -> None:
        """``kill -9`` the worker and its pool processes."""
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)
        self.worker = None

    def stop_worker(self) -> None:
        if self.worker is None:
            return
        os.killpg(self.worker.pid, signal.SIGTERM)
        try:
            self.worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(timeout=10)
        self.worker = None

    def worker_log(self) -> str:
        return "" if self.log is None else self.log.read_text(errors="replace")

    def forget_queue(self) -> None:
        client = redis.Redis.from_url(REDIS_URL)
        try:
            for key in client.scan_iter(match=f"*{self.queue}*"):
                client.delete(key)
        finally:
            client.close()


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'corridor.db'}"
        return
    if POSTGRES_URL is None:
        pytest.skip("CORRIDOR_TEST_POSTGRES_URL is not set")
    yield from _postgres_database()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """A worker on a migrated database of each kind, shared by this module's tests."""
    problem = _redis_problem()
    if problem:
        pytest.skip(problem)
    folder = tmp_path_factory.mktemp(f"celery-{request.param}")
    with _database(request.param, folder) as database_url:
        upgrade(database_url)
        running = Cluster(database_url, folder)
        try:
            running.start_worker()
            yield running
        finally:
            running.stop_worker()
            running.forget_queue()


@dataclass
class Api:
    """The service with ``CORRIDOR_BROKER_URL`` set (its jobs go to the workers), and a client."""

    app: FastAPI
    client: httpx.AsyncClient

    def submit(self, organisation: str, kind: str, params: dict[str, Any]) -> str:
        with Session(self.app.state.running.engine) as db:
            job_id = create_job(db, organisation, kind, params)
        self.app.state.running.jobs.submit(job_id)
        return job_id


@asynccontextmanager
async def api(cluster: Cluster) -> AsyncIterator[Api]:
    application = create_app(cluster.settings())
    async with application.router.lifespan_context(application):
        assert isinstance(application.state.running.jobs, CeleryRunner)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(application, client)


async def until_finished(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    job_id: str,
    cluster: Cluster,
    timeout_s: float = 30,
    seen: list[float] | None = None,
) -> Any:
    """The job once it succeeded or failed; fails the test, job and worker log shown, after
    ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        job = (await client.get(f"/v1/jobs/{job_id}", headers=headers)).json()
        if seen is not None:
            seen.append(job["progress"])
        if job["status"] in {"succeeded", "failed"}:
            return job
        if time.monotonic() > deadline:
            pytest.fail(
                f"job {job_id} not finished after {timeout_s} s: {job}\nparts: "
                f"{parts_of(cluster, job_id)}\nworker log:\n{cluster.worker_log()[-6000:]}"
            )
        await asyncio.sleep(0.05)


def parts_of(cluster: Cluster, job_id: str) -> list[tuple[int, str, int, datetime | None]]:
    engine = make_engine(cluster.database_url)
    try:
        with Session(engine) as db:
            rows = db.scalars(
                select(JobPart).where(JobPart.job_id == job_id).order_by(JobPart.index)
            )
            return [(p.index, p.status, p.attempts, p.finished_at) for p in rows]
    finally:
        engine.dispose()


async def test_a_parted_job_fans_out_to_the_workers(cluster: Cluster) -> None:
    planner = make_key(cluster.database_url, f"Org {uuid.uuid4().hex[:6]}", Role.PLANNER)
    organisation = organisation_of(cluster.database_url, planner)
    async with api(cluster) as service:
        numbers = [1, 2, 3, 4, 5, 6]
        squares = service.submit(
            organisation, "test-celery-squares", {"numbers": numbers, "sleep_s": 0.4}
        )
        failing = service.submit(
            organisation, "test-celery-squares", {"numbers": [1, 2, 3], "fail_on": 2}
        )
        unknown = service.submit(organisation, "no-such-kind", {})
        seen: list[float] = []
        done = await until_finished(service.client, planner, squares, cluster, seen=seen)
        failed = await until_finished(service.client, planner, failing, cluster)
        missing = await until_finished(service.client, planner, unknown, cluster)
    assert done["status"] == "succeeded", done
    assert done["result"]["sum"] == sum(n * n for n in numbers)
    assert done["result"]["squares"] == [n * n for n in numbers]
    assert done["result"]["locations"] == 8  # the worker loaded the tiny network
    assert done["progress"] == 1
    assert done["attempts"] == 1
    steps = sorted(set(seen))
    assert any(0 < p < 1 for p in steps), steps  # parts done / parts, as they finish
    assert seen == sorted(seen), seen  # never backwards
    parts = parts_of(cluster, squares)
    assert [(i, status, attempts) for i, status, attempts, _ in parts] == [
        (i, "done", 1) for i in range(len(numbers))
    ]
    assert failed["status"] == "failed"
    assert failed["error"].startswith("part 2 of 3: ValueError: no square for 2"), failed
    assert missing["status"] == "failed"
    assert missing["error"] == "no job kind 'no-such-kind' in this service"


async def test_a_part_that_kills_its_worker_gives_up(cluster: Cluster) -> None:
    """The pool process dies on the part each time: the task is handed back and delivered
    again, at most MAX_ATTEMPTS times, then the job fails saying so (it never hangs)."""
    planner = make_key(cluster.database_url, f"Org {uuid.uuid4().hex[:6]}", Role.PLANNER)
    organisation = organisation_of(cluster.database_url, planner)
    async with api(cluster) as service:
        job = service.submit(organisation, "test-celery-squares", {"numbers": [1, 2], "kill_on": 2})
        failed = await until_finished(service.client, planner, job, cluster)
    assert failed["status"] == "failed", failed
    assert failed["error"] == f"part 2 of 2: gave up after {MAX_ATTEMPTS} attempts"
    parts = parts_of(cluster, job)
    assert [(i, status, attempts) for i, status, attempts, _ in parts] == [
        (0, "done", 1),
        (1, "failed", MAX_ATTEMPTS),
    ]


async def test_a_job_survives_its_worker_being_killed(cluster: Cluster) -> None:
    """kill -9 the worker (every process of it) mid-job, start another: the parts the dead
    worker held are delivered again after the visibility timeout, the finished ones are not
    run again, and the job completes."""
    planner = make_key(cluster.database_url, f"Org {uuid.uuid4().hex[:6]}", Role.PLANNER)
    organisation = organisation_of(cluster.database_url, planner)
    numbers = [1, 2, 3, 4, 5, 6]
    async with api(cluster) as service:
        job = service.submit(
            organisation, "test-celery-squares", {"numbers": numbers, "sleep_s": 1.0}
        )
        deadline = time.monotonic() + 20
        while sum(status == "done" for _, status, _, _ in parts_of(cluster, job)) < 2:
            if time.monotonic() > deadline:
                pytest.fail(f"no two parts done in 20 s: {parts_of(cluster, job)}")
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # the next parts have begun
        cluster.kill_worker()
        at_kill = parts_of(cluster, job)
        held = [i for i, status, _, _ in at_kill if status == "running"]
        assert held, at_kill
        cluster.start_worker()
        done = await until_finished(service.client, planner, job, cluster, timeout_s=40)
    assert done["status"] == "succeeded", done
    assert done["result"]["squares"] == [n * n for n in numbers]
    after = parts_of(cluster, job)
    for (index, status, attempts, finished), (_, then, _, finished_then) in zip(
        after, at_kill, strict=True
    ):
        assert status == "done"
        if then == "done":  # not run again
            assert (attempts, finished) == (1, finished_then), (index, after)
        elif index in held:  # delivered again once the dead worker's visibility timed out
            # (a third time if the new worker, on a busy machine, outlasts the timeout too:
            # delivery is at least once)
            assert attempts >= 2, (index, after)
        else:
            assert attempts == 1, (index, after)
    engine = make_engine(cluster.database_url)
    with Session(engine) as db:
        row = db.get(Job, job)
        assert row is not None
        assert row.claimed_by is not None  # one delivery combined
    engine.dispose()


async def test_a_study_runs_on_the_workers_as_it_runs_in_process(cluster: Cluster) -> None:
    """A study sent through the API runs one part per scenario on the workers; its result is
    the one the in-process path computes from the same parameters."""
    from app.services import studies
    from tests.app.test_studies import CANAL, TINY_DEMAND

    planner = make_key(cluster.database_url, f"Org {uuid.uuid4().hex[:6]}", Role.PLANNER)
    async with api(cluster) as service:
        matrix = await service.client.post(
            "/v1/demand-matrices",
            params={"name": "tiny"},
            content=TINY_DEMAND.encode(),
            headers=planner | {"Content-Type": "text/csv"},
        )
        assert matrix.status_code == 201, matrix.text
        started = await service.client.post(
            "/v1/studies",
            json={
                "scenarios": ["base", CANAL],
                "demand": matrix.json()["id"],
                "value_of_time_cny_per_teu_hour": 5,
                "start": "2027-01-04",
            },
            headers=planner,
        )
        assert started.status_code == 202, started.text
        seen: list[float] = []
        done = await until_finished(
            service.client, planner, started.json()["id"], cluster, seen=seen
        )
        assert done["status"] == "succeeded", done
        assert seen == sorted(seen)
        assert [p[1] for p in parts_of(cluster, done["id"])] == ["done", "done"]
        engine = make_engine(cluster.database_url)
        with Session(engine) as db:
            row = db.get(Job, done["id"])
            assert row is not None
            params = dict(row.params)
        engine.dispose()
        state = service.app.state.running
        context = JobContext(
            {"network": state.network, "scenario_networks": state.scenario_networks}
        )
        here = studies.run_locally(context, params, lambda fraction, message: None)
    assert done["result"] == here
