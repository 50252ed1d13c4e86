"""Batch allocation: a batch of shipments onto departures that have room."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from app import allocations
from app.api.deps import DB, LoadedNetwork, require
from app.auth import Permission, Principal
from app.schemas import AllocationIn, AllocationOut, problem_responses

router = APIRouter(
    prefix="/v1/allocations",
    tags=["dispatch"],
    responses=problem_responses(400, 401, 403, 422),
)


@router.post("", response_model=AllocationOut)
def allocate_batch(
    body: AllocationIn,
    request: Request,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.BOOK))],
) -> dict[str, Any]:
    """Place a batch of shipments (up to 200) on departures with free capacity.

    An OR-Tools CP-SAT model picks one itinerary per shipment among its candidates (the quote
    engine's options at a few departure waves) so that no departure is overfilled, minimising
    price + lateness past each deadline; shipments that cannot be placed are listed with the
    reason. The first-come greedy allocation is given beside it. Nothing is booked: book the
    chosen itineraries with quotes and bookings.
    """
    with request.app.state.solving:
        return allocations.run(db, network, body, request.app.state.settings.max_horizon_days)
