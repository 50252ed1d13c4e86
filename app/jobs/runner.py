"""How jobs are run: the runner interface, and the in-process runner (the embedded default).

:class:`InProcessRunner` runs the phases of :mod:`app.jobs.state` on a small thread pool of the
service process, the parts of a job one by one; the other runner is
:class:`app.jobs.celery.CeleryRunner`.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Protocol

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.db.models import Job
from app.jobs.registry import JobContext
from app.jobs.state import combine_job, run_part, start_job

log = logging.getLogger("corridor.jobs")


class Runner(Protocol):
    """Runs queued jobs: in this process, or on Celery workers."""

    def submit(self, job_id: str) -> None:
        """Run the (committed, queued) job soon."""

    def recover(self) -> int:
        """Hand on the jobs a stopped process left; returns how many."""

    def shutdown(self) -> None:
        """Stop taking jobs."""


#: Seconds a stopping service waits for a job part that is running.
SHUTDOWN_GRACE_S = 5.0


class InProcessRunner:
    """Runs jobs on a thread pool of the service process, the parts of a job one by one."""

    def __init__(self, engine: Engine, context: JobContext, workers: int = 1) -> None:
        self.engine = engine
        self.context = context
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="corridor-job")
        self._running: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, job_id: str) -> None:
        """Run the job soon."""
        future = self._pool.submit(self._run, job_id)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._running.discard(future)

    def recover(self) -> int:
        """Queue again the jobs a stopped process left unfinished; returns how many."""
        with Session(self.engine) as db:
            left = list(db.scalars(select(Job.id).where(Job.status.in_(("queued", "running")))))
        for job_id in left:
            self.submit(job_id)
        return len(left)

    def shutdown(self, grace_s: float = SHUTDOWN_GRACE_S) -> None:
        """Stop taking jobs; running ones finish or are run again by the next runner.

        A part that is running gets ``grace_s`` to finish, so that it gives its database
        connection back before the engine is disposed; one that takes longer is left to the next
        runner (what it has done so far is in the database).
        """
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            running = list(self._running)
        wait(running, timeout=grace_s)

    def _run(self, job_id: str) -> None:
        delivery = f"in-process-{uuid.uuid4().hex}"
        try:
            pending = start_job(self.engine, self.context, job_id, delivery, resume_running=True)
            for index in pending:
                run_part(self.engine, self.context, job_id, index, delivery, takeover=True)
            combine_job(self.engine, self.context, job_id, delivery, takeover=True)
        except Exception:
            # the phases catch the jobs' own errors: this is the database failing under them
            log.exception("job %s: runner failed; it runs again when a runner starts", job_id)
