"""Reloading the network file while serving (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from app import reload
from app.api.deps import require
from app.auth import Principal
from app.roles import Permission
from app.schemas.network import NetworkReloadOut
from app.schemas.problems import problem_responses
from app.state import running

router = APIRouter(
    prefix="/v1/network",
    tags=["network"],
    responses=problem_responses(
        401, 403, 409, 422, conflicts=("reload-in-progress", "network-version-mismatch")
    ),
)


@router.post("/reload", response_model=NetworkReloadOut)
def reload_network(
    request: Request,
    caller: Annotated[Principal, Depends(require(Permission.RELOAD_NETWORK))],
) -> dict[str, Any]:
    """Load and validate the configured network file again and serve it from this process.

    Any problem answers 422 listing every one, and the network served so far stays in service.
    """
    old, new = reload.reload(running(request), running(request).settings)
    return {
        "network_version": new.version,
        "previous_version": old.version,
        "changed": new.version != old.version,
        "locations": len(new.locations),
        "service_legs": len(new.legs),
    }
