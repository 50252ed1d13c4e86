"""Stored scenarios for the planning office."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from app.api.deps import DB, RowId, require
from app.auth import Principal
from app.db import listing
from app.db.base import utc
from app.db.engine import writing
from app.db.models import StoredScenario
from app.errors import ops_named_as
from app.roles import Permission
from app.schemas.common import Page
from app.schemas.problems import problem_responses
from app.schemas.scenarios import ScenarioCreate, ScenarioOut, ScenarioPatch
from app.services import scenarios
from app.state import running

router = APIRouter(
    prefix="/v1/scenarios",
    tags=["scenarios"],
    responses=problem_responses(400, 401, 403, 404, 409, 422, conflicts=("scenario-name-taken",)),
)


def scenario_out(db: DB, row: StoredScenario) -> dict[str, Any]:
    """The API form of a scenario at its current version."""
    history = scenarios.versions(db, row.id)
    current = history[-1]
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "version": row.version,
        "ops": current.ops,
        "network_version": current.network_version,
        "created_at": utc(row.created_at),
        "updated_at": utc(row.updated_at),
        "versions": [
            {
                "version": v.version,
                "created_at": utc(v.created_at),
                "base_network_version": v.base_network_version,
                "network_version": v.network_version,
            }
            for v in history
        ],
    }


@router.post("", status_code=201, response_model=ScenarioOut)
def create_scenario(
    body: ScenarioCreate,
    request: Request,
    db: DB,
    caller: Annotated[Principal, Depends(require(Permission.EDIT_SCENARIOS))],
) -> dict[str, Any]:
    """Store a scenario.

    Its operations are checked against the base network: 422 names each one that does not apply.
    """
    networks: scenarios.ScenarioNetworks = running(request).scenario_networks
    with ops_named_as("body.ops"), writing(db):
        row = scenarios.create(
            db,
            networks,
            caller.organisation_id,
            body.name,
            body.description,
            body.ops,
            datetime.now(UTC),
        )
    return scenario_out(db, row)


@router.get("", response_model=Page[ScenarioOut])
def list_scenarios(
    db: DB,
    caller: Annotated[Principal, Depends(require(Permission.READ_SCENARIOS))],
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The organisation's scenarios, newest first."""
    rows, next_cursor = listing.scenarios(db, caller.organisation_id, cursor, limit)
    return {"items": [scenario_out(db, row) for row in rows], "next_cursor": next_cursor}


@router.get("/{scenario_id}", response_model=ScenarioOut)
def get_scenario(
    scenario_id: RowId,
    db: DB,
    caller: Annotated[Principal, Depends(require(Permission.READ_SCENARIOS))],
) -> dict[str, Any]:
    """One scenario with its history (another organisation's id answers 404)."""
    return scenario_out(db, scenarios.find(db, caller.organisation_id, scenario_id))


@router.patch("/{scenario_id}", response_model=ScenarioOut)
def patch_scenario(
    scenario_id: RowId,
    body: ScenarioPatch,
    request: Request,
    db: DB,
    caller: Annotated[Principal, Depends(require(Permission.EDIT_SCENARIOS))],
) -> dict[str, Any]:
    """Rename, describe, or give new operations (a new version; earlier ones are kept)."""
    networks: scenarios.ScenarioNetworks = running(request).scenario_networks
    with ops_named_as("body.ops"), writing(db):
        row = scenarios.find(db, caller.organisation_id, scenario_id)
        scenarios.update(db, networks, row, body.model_dump(exclude_unset=True), datetime.now(UTC))
    return scenario_out(db, row)
