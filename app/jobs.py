"""Jobs: long work (planning studies) run outside the request, with progress and results kept.

The in-process runner is the embedded default: a small thread pool in the service process. A
job is a row first (queued), so it survives the client going away; the runner marks it running,
reports progress to the row as it goes, and stores the result or a clear error. Jobs a stopped
process left queued or running are run again when a runner starts, at most
:data:`MAX_ATTEMPTS` times in all, then failed with the reason — a job never hangs unseen.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.auth import new_id
from app.db.engine import writing
from app.db.models import Job

log = logging.getLogger("corridor.jobs")

MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a job may use besides its parameters (the loaded network, scenario networks)."""

    resources: dict[str, Any]


class Progress:
    """Reports a job's progress to its row, at most every ``interval_s`` (and at the end)."""

    def __init__(self, engine: Engine, job_id: str, interval_s: float = 0.5) -> None:
        self.engine = engine
        self.job_id = job_id
        self.interval_s = interval_s
        self._last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        """Record that ``fraction`` (0 to 1) of the work is done."""
        now = time.monotonic()
        if now - self._last < self.interval_s and fraction < 1.0:
            return
        self._last = now
        with Session(self.engine) as db, writing(db):
            job = db.get(Job, self.job_id)
            if job is not None:
                job.progress = min(1.0, max(0.0, fraction))
                job.message = message[:500]


JobFunction = Callable[[JobContext, dict[str, Any], Progress], dict[str, Any]]

#: Job kinds by name; a module that defines a kind registers it with :func:`kind`.
KINDS: dict[str, JobFunction] = {}


def kind(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under ``name``."""

    def register(function: JobFunction) -> JobFunction:
        KINDS[name] = function
        return function

    return register


def create_job(db: Session, organisation_id: str, job_kind: str, params: dict[str, Any]) -> str:
    """Queue a job (committed) and return its id, to hand to a runner."""
    job_id = new_id("job")
    job = Job(
        id=job_id,
        organisation_id=organisation_id,
        kind=job_kind,
        status="queued",
        progress=0.0,
        params=params,
        attempts=0,
        created_at=datetime.now(UTC),
    )
    with writing(db):
        db.add(job)
    return job_id


class InProcessRunner:
    """Runs jobs on a thread pool of the service process."""

    def __init__(self, engine: Engine, context: JobContext, workers: int = 1) -> None:
        self.engine = engine
        self.context = context
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="corridor-job")

    def submit(self, job_id: str) -> None:
        """Run the job soon."""
        self._pool.submit(self._run, job_id)

    def recover(self) -> int:
        """Queue again the jobs a stopped process left unfinished; returns how many."""
        with Session(self.engine) as db:
            left = list(db.scalars(select(Job.id).where(Job.status.in_(("queued", "running")))))
        for job_id in left:
            self.submit(job_id)
        return len(left)

    def shutdown(self) -> None:
        """Stop taking jobs; running ones finish or are run again by the next runner."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job_id: str) -> None:
        with Session(self.engine) as db, writing(db):
            job = db.get(Job, job_id)
            if job is None or job.status not in ("queued", "running"):
                return
            if job.attempts >= MAX_ATTEMPTS:
                _finish(job, "failed", error=f"gave up after {job.attempts} attempts")
                return
            job.status, job.attempts = "running", job.attempts + 1
            job.started_at = datetime.now(UTC)
            function = KINDS.get(job.kind)
            params = dict(job.params)
            if function is None:
                _finish(job, "failed", error=f"no job kind {job.kind!r} in this service")
                return
        try:
            result = function(self.context, params, Progress(self.engine, job_id))
        except Exception as error:
            log.exception("job %s failed", job_id)
            where = traceback.extract_tb(error.__traceback__)[-1]
            message = f"{type(error).__name__}: {error} (at {where.filename}:{where.lineno})"
            with Session(self.engine) as db, writing(db):
                failed = db.get(Job, job_id)
                assert failed is not None
                _finish(failed, "failed", error=message[:4000])
            return
        with Session(self.engine) as db, writing(db):
            done = db.get(Job, job_id)
            assert done is not None
            done.progress = 1.0
            _finish(done, "succeeded", result=result)


def _finish(
    job: Job, status: str, *, result: dict[str, Any] | None = None, error: str | None = None
) -> None:
    job.status = status
    job.result = result
    job.error = error
    job.finished_at = datetime.now(UTC)
