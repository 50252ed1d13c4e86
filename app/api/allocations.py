"""Batch allocation: a batch of shipments onto departures that have room."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from app.api.deps import DB, LoadedNetwork, require
from app.api.jobs import job_out
from app.auth import Principal, owned
from app.db.models import Job
from app.jobs.state import create_job
from app.roles import Permission
from app.schemas.allocations import AllocationIn, AllocationOut
from app.schemas.jobs import JobOut
from app.schemas.problems import problem_responses
from app.services import allocations
from app.state import running

router = APIRouter(
    prefix="/v1/allocations",
    tags=["dispatch"],
    responses=problem_responses(400, 401, 403, 422),
)


@router.post(
    "",
    response_model=AllocationOut,
    responses={
        202: {"model": JobOut, "description": "A batch over 200 shipments, running as a job"}
    },
)
def allocate_batch(
    body: AllocationIn,
    request: Request,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.BOOK))],
) -> Any:
    """Place a batch of shipments on departures with free capacity.

    An OR-Tools CP-SAT model picks one itinerary per shipment among its candidates (the quote
    engine's options at a few departure waves) so that no departure is overfilled, minimising
    price + lateness past each deadline; shipments that cannot be placed are listed with the
    reason. The first-come greedy allocation is given beside it. Nothing is booked: book the
    chosen itineraries with quotes and bookings.

    Up to 200 shipments are answered at once (200). A larger batch is checked now (422 naming
    each bad shipment) and then runs as a job: 202 with the job, its ``Location`` to poll
    (``GET /v1/jobs/{id}``); the job's result has the same form as the immediate answer.
    """
    settings = running(request).settings
    if len(body.shipments) <= allocations.SYNC_LIMIT:
        with running(request).solving:
            return allocations.run(db, network, body, settings.max_horizon_days)
    requests = allocations.read(network, body, settings.max_horizon_days)
    params = {
        "body": body.model_dump(mode="json"),
        "free_teu": allocations.free_for(db, requests),
        "disruption_ops": running(request).live.ops,
        "max_horizon_days": settings.max_horizon_days,
    }
    db.rollback()  # end the reads' transaction: create_job writes in its own
    job_id = create_job(db, caller.organisation_id, allocations.KIND, params)
    running(request).jobs.submit(job_id)
    job = owned(db, Job, job_id, caller.organisation_id, "job")
    return JSONResponse(
        JobOut.model_validate(job_out(job)).model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"/v1/jobs/{job_id}"},
    )
