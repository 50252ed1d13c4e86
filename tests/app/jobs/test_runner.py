"""The in-process job runner: progress, results, failures, parted jobs, and jobs a stopped
process left."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import authenticate
from app.db.engine import make_engine, upgrade, writing
from app.db.models import Job, JobPart
from app.jobs.registry import JobContext, Progress, kind, parted_kind
from app.jobs.state import MAX_ATTEMPTS, create_job
from app.main import create_app
from app.roles import Role
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


steps = threading.Semaphore(0)


def plan_squares(context: JobContext, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"n": n} for n in params["numbers"]]


def add_squares(
    context: JobContext, params: dict[str, Any], results: list[dict[str, Any]], progress: Progress
) -> dict[str, Any]:
    progress(1.0, "adding up")
    return {"sum": sum(r["square"] for r in results), "squares": [r["square"] for r in results]}


@parted_kind("test-squares", plan=plan_squares, combine=add_squares)
def square(
    context: JobContext, params: dict[str, Any], part: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    if params.get("stepwise"):
        steps.acquire(timeout=30)
    if part["n"] == params.get("fail_on"):
        raise ValueError(f"no square for {part['n']}")
    progress(0.5, f"squaring {part['n']}")
    return {"square": part["n"] ** 2}


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
    engine = app.state.running.engine
    with Session(engine) as db:
        job = create_job(
            db,
            organisation_of(database_url, planner),
            "test-sum",
            {"values": [1, 2, 3], "wait": True},
        )
    app.state.running.jobs.submit(job)
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
    with Session(app.state.running.engine) as db:
        failing = create_job(db, organisation, "test-broken", {})
        unknown = create_job(db, organisation, "no-such-kind", {})
    app.state.running.jobs.submit(failing)
    app.state.running.jobs.submit(unknown)
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


async def test_a_parted_job_reports_parts_done_and_combines(
    app: FastAPI, client: httpx.AsyncClient, database_url: str
) -> None:
    planner = make_key(database_url, "Org A", Role.PLANNER)
    organisation = organisation_of(database_url, planner)
    with Session(app.state.running.engine) as db:
        job = create_job(db, organisation, "test-squares", {"numbers": [1, 2, 3, 4], "stepwise": 1})
    app.state.running.jobs.submit(job)
    seen: list[float] = []
    for step in range(4):
        steps.release()
        for _ in range(400):
            now = (await client.get(f"/v1/jobs/{job}", headers=planner)).json()
            if now["progress"] >= (step + 1) / 4 or now["status"] == "failed":
                break
            await asyncio.sleep(0.01)
        seen.append(now["progress"])
    done = await finished(client, planner, job)
    assert seen[:3] == [0.25, 0.5, 0.75]
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1
    assert done["result"] == {"sum": 30, "squares": [1, 4, 9, 16]}
    assert done["message"] == "adding up"
    with Session(app.state.running.engine) as db:
        parts = list(db.scalars(select(JobPart).where(JobPart.job_id == job)))
    assert [(p.index, p.status, p.attempts) for p in parts] == [
        (0, "done", 1),
        (1, "done", 1),
        (2, "done", 1),
        (3, "done", 1),
    ]


async def test_a_failing_part_fails_the_job_with_its_error(
    app: FastAPI, client: httpx.AsyncClient, database_url: str
) -> None:
    planner = make_key(database_url, "Org A", Role.PLANNER)
    with Session(app.state.running.engine) as db:
        job = create_job(
            db,
            organisation_of(database_url, planner),
            "test-squares",
            {"numbers": [1, 2, 3], "fail_on": 2},
        )
    app.state.running.jobs.submit(job)
    failed = await finished(client, planner, job)
    assert failed["status"] == "failed"
    assert failed["error"].startswith("part 2 of 3: ValueError: no square for 2 (at ")
    assert failed["progress"] == pytest.approx(1 / 3)  # part 1 of 3 done
    assert failed["result"] is None


async def test_a_resumed_job_keeps_its_finished_parts(database_url: str) -> None:
    upgrade(database_url)
    planner = make_key(database_url, "Org A", Role.PLANNER)
    organisation = organisation_of(database_url, planner)
    engine = make_engine(database_url)
    with Session(engine) as db:
        job = create_job(db, organisation, "test-squares", {"numbers": [10, 2, 3]})
        with writing(db):  # as a process that died in the middle of part 2 leaves it
            row = db.get(Job, job)
            assert row is not None
            row.status, row.attempts, row.parts = "running", 1, 3
            for index, (n, status, attempts) in enumerate(
                [(10, "done", 1), (2, "running", 1), (3, "queued", 0)]
            ):
                db.add(
                    JobPart(
                        job_id=job,
                        index=index,
                        status=status,
                        params={"n": n},
                        # not 100: a part that is done is not run again
                        result={"square": -1} if status == "done" else None,
                        attempts=attempts,
                        claimed_by="a process that died" if attempts else None,
                    )
                )
    settings = Settings(database_url=database_url, network_path=TINY / "network.geojson")
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            done = await finished(client, planner, job)
    assert done["status"] == "succeeded", done
    assert done["result"] == {"sum": -1 + 4 + 9, "squares": [-1, 4, 9]}
    assert done["attempts"] == 2
    with Session(engine) as db:
        tries = list(
            db.scalars(
                select(JobPart.attempts).where(JobPart.job_id == job).order_by(JobPart.index)
            )
        )
    engine.dispose()
    assert tries == [1, 2, 1]
