"""The in-process job runner: progress, results, failures, and jobs a stopped process left."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from app.auth import Role, authenticate
from app.db.engine import make_engine, upgrade, writing
from app.db.models import Job
from app.jobs import MAX_ATTEMPTS, JobContext, Progress, create_job, kind
from app.main import create_app
from app.settings import Settings
from tests.app.conftest import make_key
from tests.conftest import TINY

pytestmark = pytest.mark.anyio

released = threading.Event()


@kind("test-sum")
def summing(context: JobContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    total = 0
    for step, value in enumerate(params["values"], start=1):
        if params.get("wait"):
            released.wait(timeout=30)
        total += value
        progress(step / len(params["values"]), f"added {step} of {len(params['values'])}")
    return {"total": total, "locations": len(context.resources["network"].locations)}


@kind("test-broken")
def broken(context: JobContext, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    progress(0.5, "halfway")
    raise ValueError("the demand matrix has no rows")


async def finished(client: httpx.AsyncClient, headers: dict[str, str], job_id: str) -> Any:
    for _ in range(400):
        job = (await client.get(f"/v1/jobs/{job_id}", headers=headers)).json()
        if job["status"] in {"succeeded", "failed"}:
            return job
        await asyncio.sleep(0.05)
    pytest.fail(f"job {job_id} did not finish: {job}")


def organisation_of(database_url: str, headers: dict[str, str]) -> str:
    engine = make_engine(database_url)
    with Session(engine) as db:
        principal = authenticate(db, headers["Authorization"].removeprefix("Bearer "))
    engine.dispose()
    assert principal is not None
    return principal.organisation_id


async def test_a_job_reports_progress_and_keeps_its_result(
    app: FastAPI, client: httpx.AsyncClient, database_url: str
) -> None:
    planner = make_key(database_url, "Org A", Role.PLANNER)
    engine = app.state.engine
    with Session(engine) as db:
        job = create_job(
            db,
            organisation_of(database_url, planner),
            "test-sum",
            {"values": [1, 2, 3], "wait": True},
        )
    app.state.jobs.submit(job)
    for _ in range(200):
        seen = (await client.get(f"/v1/jobs/{job}", headers=planner)).json()
        if seen["status"] == "running":
            break
        await asyncio.sleep(0.02)
    assert seen["status"] == "running"
    assert seen["attempts"] == 1
    released.set()
    done = await finished(client, planner, job)
    released.clear()
    assert done["status"] == "succeeded"
    assert done["progress"] == 1
    assert done["result"] == {"total": 6, "locations": 8}
    assert done["message"] == "added 3 of 3"
    other = make_key(database_url, "Org B", Role.ADMIN)
    assert (await client.get(f"/v1/jobs/{job}", headers=other)).status_code == 404


async def test_a_failing_job_says_why(
    app: FastAPI, client: httpx.AsyncClient, database_url: str
) -> None:
    planner = make_key(database_url, "Org A", Role.PLANNER)
    organisation = organisation_of(database_url, planner)
    with Session(app.state.engine) as db:
        failing = create_job(db, organisation, "test-broken", {})
        unknown = create_job(db, organisation, "no-such-kind", {})
    app.state.jobs.submit(failing)
    app.state.jobs.submit(unknown)
    failed = await finished(client, planner, failing)
    assert failed["status"] == "failed"
    assert "ValueError: the demand matrix has no rows" in failed["error"]
    assert failed["progress"] == 0.5
    missing = await finished(client, planner, unknown)
    assert missing["error"] == "no job kind 'no-such-kind' in this service"


async def test_jobs_a_stopped_process_left_run_again(tmp_path: Any, database_url: str) -> None:
    upgrade(database_url)
    planner = make_key(database_url, "Org A", Role.PLANNER)
    organisation = organisation_of(database_url, planner)
    engine = make_engine(database_url)
    with Session(engine) as db:
        interrupted = create_job(db, organisation, "test-sum", {"values": [4, 5]})
        exhausted = create_job(db, organisation, "test-sum", {"values": [1]})
        with writing(db):  # as a process that died mid-job leaves them
            for job_id, attempts in ((interrupted, 1), (exhausted, MAX_ATTEMPTS)):
                row = db.get(Job, job_id)
                assert row is not None
                row.status, row.attempts = "running", attempts
                row.started_at = datetime.now(UTC)
    engine.dispose()
    settings = Settings(database_url=database_url, network_path=TINY / "network.geojson")
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            again = await finished(client, planner, interrupted)
            assert again["status"] == "succeeded"
            assert again["result"]["total"] == 9
            assert again["attempts"] == 2
            given_up = await finished(client, planner, exhausted)
            assert given_up["status"] == "failed"
            assert given_up["error"] == f"gave up after {MAX_ATTEMPTS} attempts"
