"""Jobs: the progress and results of long work such as planning studies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.api.deps import DB, RowId, require
from app.auth import Principal, owned
from app.db.base import utc
from app.db.models import Job
from app.roles import Permission
from app.schemas.jobs import JobOut
from app.schemas.problems import problem_responses

router = APIRouter(
    prefix="/v1/jobs", tags=["jobs"], responses=problem_responses(401, 403, 404, 422)
)


def job_out(job: Job) -> dict[str, Any]:
    """The API form of a job."""
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "attempts": job.attempts,
        "result": job.result,
        "error": job.error,
        "created_at": utc(job.created_at),
        "started_at": utc(job.started_at) if job.started_at else None,
        "finished_at": utc(job.finished_at) if job.finished_at else None,
    }


@router.get("/{job_id}", response_model=JobOut)
def get_job(
    job_id: RowId,
    db: DB,
    caller: Annotated[Principal, Depends(require(Permission.READ_NETWORK))],
) -> dict[str, Any]:
    """One of the organisation's jobs; poll it until ``status`` is succeeded or failed."""
    return job_out(owned(db, Job, job_id, caller.organisation_id, "job"))
