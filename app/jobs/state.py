"""A job's state in the database, and the three phases every runner calls.

Everything a job has done lives in the database, not in a runner: the job row (status,
progress = parts done / parts, result or a clear error) and one ``job_parts`` row per part (its
parameters, status, result, attempts). So a runner is only a way to call the three functions
below:

- :func:`start_job` claims the job and plans it (once), and says which parts are left;
- :func:`run_part` runs one part unless it is done, or held by another live delivery;
- :func:`combine_job` combines once every part is done, claimed by one delivery.

The in-process runner (:mod:`app.jobs.runner`) runs again the jobs a stopped process left
queued or running when it starts (finished parts are kept), at most :data:`MAX_ATTEMPTS` times
in all, then fails them with the reason; the Celery runner (:mod:`app.jobs.celery`) sends one
task per part to ``corridor worker`` processes, so a study spreads over machines.

Deliveries and idempotency. A broker delivers a task at least once: a worker that dies without
acknowledging it has it delivered again, with the same task id. Each claim is taken in a write
transaction that locks the job row (``SELECT ... FOR UPDATE`` on PostgreSQL, the write lock on
SQLite), and is recorded with the id of the delivery (``claimed_by``):

- a part may be run by a delivery when it is queued, or already claimed by that same delivery
  (the broker gave back the message of a worker that died); each such run counts one attempt,
  and a part that has had :data:`MAX_ATTEMPTS` fails the job with "gave up after N attempts";
  a copy with another id (a duplicate send) leaves it to the delivery that holds it, whose
  message comes back if its worker dies; a done part is never run again;
- planning is claimed by the start task's delivery (``claimed_by`` of the job), so copies of a
  start sent twice plan once; it is released when the parts are stored;
- the combine step is claimed by the first delivery that sees every part done (``claimed_by``
  again, under the job row's lock); when that delivery's worker dies, the same message comes
  back, its part is done, and it combines again (counted as an attempt of its part). The job's
  result is written only while the job is still running, so it is written once.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.auth import new_id
from app.db.engine import writing
from app.db.models import Job, JobPart
from app.jobs.registry import KINDS, JobContext, Params

log = logging.getLogger("corridor.jobs")

MAX_ATTEMPTS = 3


class ProgressRecorder:
    """Reports progress to the job row, at most every ``interval_s`` (and at the end).

    A part reports its own fraction; the job's progress is ``(done + fraction) / total``, where
    ``done`` parts of ``total`` were finished when the part began. Progress never goes back.
    """

    def __init__(
        self,
        engine: Engine,
        job_id: str,
        interval_s: float = 0.5,
        *,
        done: int = 0,
        total: int = 1,
    ) -> None:
        self.engine = engine
        self.job_id = job_id
        self.interval_s = interval_s
        self.done = done
        self.total = max(1, total)
        self._last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        """Record that ``fraction`` (0 to 1) of this part's work is done."""
        now = time.monotonic()
        if now - self._last < self.interval_s and fraction < 1.0:
            return
        self._last = now
        # parts running side by side each counted the others' finished parts at their start
        overall = min(1.0, (self.done + min(1.0, max(0.0, fraction))) / self.total)
        try:
            with Session(self.engine) as db, writing(db):
                _raise_progress(db, self.job_id, overall, message)
        except SQLAlchemyError:  # progress is a courtesy: a busy database must not fail the job
            log.warning("job %s: progress not recorded", self.job_id, exc_info=True)


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


def start_job(
    engine: Engine, context: JobContext, job_id: str, delivery: str, *, resume_running: bool
) -> list[int]:
    """Claim the job and plan it unless planned; the indices of the parts still to send.

    Planning is claimed by ``delivery`` (a task id): a queued job, or one this same delivery
    was planning (its worker died), counts an attempt and is planned; a copy of the start with
    another id leaves the planning to the delivery that holds it. With ``resume_running`` (the
    in-process runner: the process that ran the job is gone) the job is claimed whoever held it
    and every part not done is named. Otherwise, once planned, only the parts never claimed are
    named (to be sent again): a part a delivery holds comes back with its message if its worker
    dies.
    """
    with Session(engine) as db, writing(db):
        job = db.get(Job, job_id, with_for_update=True)
        if job is None or job.status not in ("queued", "running"):
            return []
        claims = resume_running or (
            job.parts is None and (job.status == "queued" or job.claimed_by == delivery)
        )
        if claims:
            if job.attempts >= MAX_ATTEMPTS:
                _finish(job, "failed", error=f"gave up after {job.attempts} attempts")
                return []
            job.status, job.attempts = "running", job.attempts + 1
            job.started_at = datetime.now(UTC)
            if job.parts is None:
                job.claimed_by = delivery
        elif job.parts is None:
            return []  # another delivery is planning it
        job_kind = KINDS.get(job.kind)
        if job_kind is None:
            _finish(job, "failed", error=f"no job kind {job.kind!r} in this service")
            return []
        planned = job.parts is not None
        params = dict(job.params)
    if not planned:
        try:
            plans = [
                _json_object(plan, "a part's parameters")
                for plan in _a_list(job_kind.plan(context, params))
            ]
        except Exception as error:
            log.exception("job %s: plan failed", job_id)
            _fail(engine, job_id, _error_text(error))
            return []
        with Session(engine) as db, writing(db):
            job = db.get(Job, job_id, with_for_update=True)
            if job is None or job.status != "running" or job.parts is not None:
                return []
            job.parts, job.claimed_by = len(plans), None
            for index, part_params in enumerate(plans):
                db.add(
                    JobPart(
                        job_id=job_id, index=index, status="queued", params=part_params, attempts=0
                    )
                )
    statuses = ("queued", "running") if resume_running else ("queued",)
    with Session(engine) as db:
        return list(
            db.scalars(
                select(JobPart.index)
                .where(JobPart.job_id == job_id, JobPart.status.in_(statuses))
                .order_by(JobPart.index)
            )
        )


def run_part(
    engine: Engine,
    context: JobContext,
    job_id: str,
    index: int,
    delivery: str,
    *,
    takeover: bool = False,
) -> None:
    """Run part ``index`` for ``delivery`` (a task id) unless it is done or held by another.

    ``takeover`` runs it whoever held it (the in-process runner, after its claim of the job).
    A part that raises fails the job with its error; the part's result is stored with the part.
    """
    with Session(engine) as db, writing(db):
        job = db.get(Job, job_id, with_for_update=True)
        if job is None or job.status != "running" or job.parts is None:
            return
        part = db.get(JobPart, (job_id, index), with_for_update=True)
        if part is None or part.status == "failed":
            return
        own = part.claimed_by in (None, delivery)
        if part.status == "done":
            if own and not takeover:
                # this delivery's message came back after the part was done: its worker died
                # before it finished; combine_job goes on where it stopped
                if part.attempts >= MAX_ATTEMPTS:
                    _give_up(job, part)
                else:
                    part.attempts += 1
            return
        if part.status == "running" and not (own or takeover):
            return  # a copy of a delivery that holds it: that delivery finishes it
        if part.attempts >= MAX_ATTEMPTS:
            _give_up(job, part)
            return
        part.status, part.claimed_by, part.attempts = "running", delivery, part.attempts + 1
        total = job.parts
        done = _parts_done(db, job_id)
        job_kind = KINDS.get(job.kind)
        params, part_params = dict(job.params), dict(part.params)
        if job_kind is None:
            _finish(job, "failed", error=f"no job kind {job.kind!r} in this service")
            return
    try:
        progress = ProgressRecorder(engine, job_id, done=done, total=total)
        result = _json_object(
            job_kind.part(context, params, part_params, progress), "a part's result"
        )
    except Exception as error:
        log.exception("job %s: part %d of %d failed", job_id, index + 1, total)
        message = _error_text(error)
        if total > 1:
            message = f"part {index + 1} of {total}: {message}"
        with Session(engine) as db, writing(db):
            job = db.get(Job, job_id, with_for_update=True)
            part = db.get(JobPart, (job_id, index), with_for_update=True)
            assert job is not None
            assert part is not None
            if part.status == "running":
                part.status, part.error = "failed", message[:4000]
                part.finished_at = datetime.now(UTC)
            if job.status == "running":
                _finish(job, "failed", error=message[:4000])
        return
    with Session(engine) as db, writing(db):
        job = db.get(Job, job_id, with_for_update=True)
        part = db.get(JobPart, (job_id, index), with_for_update=True)
        assert job is not None
        assert part is not None
        if part.status != "done":  # a result stored by a copy running alongside is kept
            part.status, part.result, part.error = "done", result, None
            part.finished_at = datetime.now(UTC)
        db.flush()
        if job.status == "running":
            job.progress = max(job.progress, _parts_done(db, job_id) / max(1, total))


def combine_job(
    engine: Engine, context: JobContext, job_id: str, delivery: str, *, takeover: bool = False
) -> None:
    """Combine the parts' results into the job's, when every part is done.

    The first delivery that finds every part done claims the step (``claimed_by`` of the job, a
    conditional update under the row lock); others leave it, but the claiming delivery may run
    it again (its worker died while combining).
    ``takeover`` claims it whoever held it (the in-process runner).
    """
    with Session(engine) as db, writing(db):
        job = db.get(Job, job_id, with_for_update=True)
        if job is None or job.status != "running" or job.parts is None:
            return
        if _parts_done(db, job_id) < job.parts:
            return
        if not takeover and job.claimed_by not in (None, delivery):
            return
        job.claimed_by = delivery
        results = list(
            db.scalars(
                select(JobPart.result).where(JobPart.job_id == job_id).order_by(JobPart.index)
            )
        )
        job_kind = KINDS.get(job.kind)
        params, total = dict(job.params), job.parts
        if job_kind is None:
            _finish(job, "failed", error=f"no job kind {job.kind!r} in this service")
            return
    try:
        progress = ProgressRecorder(engine, job_id, done=total, total=total)
        parts = [dict(result or {}) for result in results]
        result = _json_object(job_kind.combine(context, params, parts, progress), "the result")
    except Exception as error:
        log.exception("job %s: combine failed", job_id)
        _fail(engine, job_id, _error_text(error))
        return
    with Session(engine) as db, writing(db):
        job = db.get(Job, job_id, with_for_update=True)
        if job is not None and job.status == "running" and job.claimed_by == delivery:
            job.progress = 1.0
            _finish(job, "succeeded", result=result)


def _raise_progress(db: Session, job_id: str, overall: float, message: str | None) -> None:
    """Set a running job's progress to ``overall`` unless it is already further."""
    running = (Job.id == job_id, Job.status == "running")
    if message is not None:
        db.execute(update(Job).where(*running).values(message=message[:500]))
    db.execute(update(Job).where(*running, Job.progress < overall).values(progress=overall))


def _parts_done(db: Session, job_id: str) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(JobPart)
            .where(JobPart.job_id == job_id, JobPart.status == "done")
        )
        or 0
    )


def _give_up(job: Job, part: JobPart) -> None:
    message = f"gave up after {part.attempts} attempts"
    if (job.parts or 0) > 1:
        message = f"part {part.index + 1} of {job.parts}: {message}"
    part.status, part.error, part.finished_at = "failed", message, datetime.now(UTC)
    _finish(job, "failed", error=message)


def _fail(engine: Engine, job_id: str, message: str) -> None:
    with Session(engine) as db, writing(db):
        job = db.get(Job, job_id, with_for_update=True)
        if job is not None and job.status == "running":
            _finish(job, "failed", error=message[:4000])


def _error_text(error: BaseException) -> str:
    where = traceback.extract_tb(error.__traceback__)[-1]
    return f"{type(error).__name__}: {error} (at {where.filename}:{where.lineno})"


def _a_list(value: object) -> list[Any]:
    if not isinstance(value, list):
        message = f"plan returned {type(value).__name__}, not a list"
        raise TypeError(message)
    return value


def _json_object(value: object, what: str) -> Params:
    """``value`` as it will be read back from the database if it is a JSON object."""
    if not isinstance(value, dict):
        message = f"{what} must be a JSON object, not {type(value).__name__}"
        raise TypeError(message)
    try:
        decoded: Params = json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as error:
        message = f"{what} is not JSON: {error}"
        raise TypeError(message) from error
    return decoded


def _finish(
    job: Job, status: str, *, result: dict[str, Any] | None = None, error: str | None = None
) -> None:
    job.status = status
    job.result = result
    job.error = error
    job.finished_at = datetime.now(UTC)
