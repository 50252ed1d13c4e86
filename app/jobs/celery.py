"""Jobs on Celery workers over Redis: the tasks, the Celery app, and the API's runner.

With ``CORRIDOR_BROKER_URL`` set, the API queues each job as a task ``corridor.jobs.start`` and
``corridor worker`` processes, on any number of machines, run it:

- ``corridor.jobs.start(job_id)`` plans the job (:func:`app.jobs.state.start_job`: the parts
  become ``job_parts`` rows) and sends one ``corridor.jobs.part(job_id, index)`` task per part;
- ``corridor.jobs.part(job_id, index)`` runs the part and stores its result in its row
  (:func:`app.jobs.state.run_part`), then tries :func:`app.jobs.state.combine_job`, which
  combines only when every part is done, and only in the one delivery that claims it.

Why no Celery chord. A chord counts its header's results in the result backend and fires the
body when the count is reached; a header task delivered again after its worker died is run
twice, and the count and the body then depend on the backend's bookkeeping of both runs, with
every part's result carried through the backend too. The database already knows which parts
are done, so each part, having stored its result, asks it: the first delivery that finds every
part done claims the combine step with a conditional update of the job row (under its lock) and
runs it there and then. There is no message to lose between the claim and the combine: if that
worker dies, the broker delivers the same part task again, its part is done, and the same
delivery (same task id) combines again. See :mod:`app.jobs.state` for the claims and the
attempts.

Reliability. Tasks are acknowledged late (after they return) and rejected back to the queue
when the pool process running them dies (``task_reject_on_worker_lost``); each worker process
reserves one task at a time. On Redis a task taken by a worker that died altogether (machine
lost, ``kill -9``) is delivered again once ``CORRIDOR_BROKER_VISIBILITY_TIMEOUT_S`` has passed
since its delivery: that timeout must exceed the longest part, or a slow part is run twice
(and counts an attempt each time). Parts delivered :data:`app.jobs.state.MAX_ATTEMPTS` times
fail the job with "gave up after N attempts". Part results never go through a result backend
(there is none): the job row and ``job_parts`` are the only state.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import cache
from typing import Any

from celery import Celery, signals
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.db.models import Job
from app.jobs.registry import JobContext
from app.jobs.state import combine_job, run_part, start_job
from app.resources import shared_resources
from app.settings import Settings, get_settings
from graph import Network

log = logging.getLogger("corridor.worker")

START = "corridor.jobs.start"
PART = "corridor.jobs.part"


class WorkerResources:
    """What the tasks of a worker use: the job context, loaded once, and a database engine.

    The context is the API's (:func:`app.resources.shared_resources`); it is loaded in the worker's
    main process before the pool forks, so every pool process shares it. Each process makes its
    own engine (connections do not survive a fork).
    """

    def __init__(self, settings: Settings, network: Network | None = None) -> None:
        self.settings = settings
        self._network = network
        self._context: JobContext | None = None
        self._engine: tuple[int, Engine] | None = None
        self._lock = threading.Lock()

    def context(self) -> JobContext:
        """The loaded network and the scenario networks, as the API has them."""
        with self._lock:
            if self._context is None:
                self._context = shared_resources(self.settings, self._network)
            return self._context

    def engine(self) -> Engine:
        """The engine of the calling process on ``CORRIDOR_DATABASE_URL``."""
        with self._lock:
            if self._engine is None or self._engine[0] != os.getpid():
                self._engine = (os.getpid(), make_engine(self.settings.database_url))
            return self._engine[1]


def celery_app(settings: Settings, resources: WorkerResources | None = None) -> Any:
    """A Celery app on ``settings.broker_url`` with the job tasks.

    ``resources`` are what the tasks use when this app runs a worker (made from ``settings``
    when not given); an app that only sends tasks, as the API's, never loads them.
    """
    if not settings.broker_url:
        message = "CORRIDOR_BROKER_URL is not set: jobs run in the service process"
        raise ValueError(message)
    visibility = settings.broker_visibility_timeout_s
    celery = Celery("corridor", broker=settings.broker_url, set_as_current=False)
    celery.conf.update(
        task_default_queue=settings.broker_queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        # a worker that lost the broker has its unacknowledged tasks delivered again elsewhere:
        # stop running them here rather than run them twice
        worker_cancel_long_running_tasks_on_connection_loss=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility,
            # look for tasks of dead workers often enough for the timeout to mean what it says
            "unacked_restore_interval": max(1.0, min(10.0, visibility / 4)),
            "unacked_restore_throttle": 1,
            "unacked_mutex_expire": 60,
        },
    )
    held = resources or WorkerResources(settings)

    def start(task: Any, job_id: str) -> None:
        delivery: str = task.request.id
        engine, context = held.engine(), held.context()
        for index in start_job(engine, context, job_id, delivery, resume_running=False):
            celery.send_task(PART, args=(job_id, index))
        combine_job(engine, context, job_id, delivery)  # a job planned into no parts

    def part(task: Any, job_id: str, index: int) -> None:
        delivery: str = task.request.id
        engine, context = held.engine(), held.context()
        run_part(engine, context, job_id, index, delivery)
        combine_job(engine, context, job_id, delivery)

    options = {
        "bind": True,
        "acks_late": True,
        "reject_on_worker_lost": True,
        # the database or the broker away for a moment: the same task (same id, so its claims
        # hold) runs again later rather than leave the job waiting
        "autoretry_for": (OperationalError, BrokerError),
        "retry_backoff": True,
        "max_retries": 8,
    }
    celery.task(name=START, **options)(start)
    celery.task(name=PART, **options)(part)

    def preload(sender: Any = None, **_: Any) -> None:
        if getattr(sender, "app", None) is celery:
            held.context()

    signals.worker_init.connect(preload, weak=False)
    return celery


@cache
def _default_app() -> Any:
    return celery_app(get_settings())


def __getattr__(name: str) -> Any:
    """``app``: the Celery app of the environment's settings.

    For Celery's own command line: ``celery -A app.jobs.celery worker``.
    """
    if name == "app":
        return _default_app()
    raise AttributeError(name)


def run_worker(
    settings: Settings,
    network: Network | None = None,
    *,
    concurrency: int | None = None,
    loglevel: str = "info",
    extra: list[str] | None = None,
) -> None:
    """Run a Celery worker for the jobs (``corridor worker``); returns when it stops."""
    resources = WorkerResources(settings, network)
    resources.context()  # load before the pool forks
    argv = [
        "worker",
        f"--loglevel={loglevel.upper()}",
        f"--queues={settings.broker_queue}",
        "--without-gossip",
        "--without-mingle",
    ]
    if concurrency is not None:
        argv.append(f"--concurrency={concurrency}")
    celery_app(settings, resources).worker_main([*argv, *(extra or [])])


class CeleryRunner:
    """Sends jobs to ``corridor worker`` processes through the broker."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.engine = engine
        self._celery = celery_app(settings)

    def submit(self, job_id: str) -> None:
        """Queue the job's start task."""
        self._celery.send_task(START, args=(job_id,))

    def recover(self) -> int:
        """Send again the start of jobs still queued; returns how many.

        A stopped process may have queued a job without sending its start; a second start of a
        job is harmless (planning is claimed once). Started jobs need nothing: their tasks are
        with the broker, which delivers those of a worker that died again.
        """
        with Session(self.engine) as db:
            queued = list(db.scalars(select(Job.id).where(Job.status == "queued")))
        for job_id in queued:
            self.submit(job_id)
        return len(queued)

    def shutdown(self) -> None:
        """Close the broker connections."""
        self._celery.close()
