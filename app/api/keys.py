"""API keys: who is calling, and an organisation's admins issuing and revoking keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.deps import DB, RowId, require
from app.auth import Principal, owned
from app.db import listing
from app.db.base import utc
from app.db.models import ApiKey
from app.roles import PERMISSIONS, Permission, Role
from app.schemas.common import Page
from app.schemas.keys import CallerOut, KeyCreated, KeyIn, KeyOut
from app.schemas.problems import problem_responses
from app.services import keys
from app.state import running

router = APIRouter(prefix="/v1", tags=["keys"], responses=problem_responses(401, 403, 404))

Caller = Annotated[Principal, Depends(require(None))]
Admin = Annotated[Principal, Depends(require(Permission.KEYS))]


def key_out(row: ApiKey) -> dict[str, Any]:
    """The API form of a key."""
    return {
        "id": row.id,
        "role": row.role,
        "label": row.label,
        "active": row.revoked_at is None,
        "created_at": utc(row.created_at),
        "revoked_at": utc(row.revoked_at) if row.revoked_at else None,
    }


@router.get("/me", response_model=CallerOut)
def whoami(db: DB, caller: Caller) -> dict[str, Any]:
    """The calling key: its organisation, role and permissions (any key may ask)."""
    row = owned(db, ApiKey, caller.key_id, caller.organisation_id, "key")
    return {
        "organisation": {"id": caller.organisation_id, "name": caller.organisation_name},
        "key": key_out(row),
        "permissions": sorted(p.value for p in PERMISSIONS[caller.role]),
    }


@router.post(
    "/keys", status_code=201, response_model=KeyCreated, responses=problem_responses(400, 422)
)
def create_key(body: KeyIn, response: Response, db: DB, caller: Admin) -> dict[str, Any]:
    """Issue a key of the organisation; its token is in this answer only (a hash is stored)."""
    row, token = keys.issue(db, caller.organisation_id, Role(body.role), body.label)
    response.headers["Location"] = f"/v1/keys/{row.id}"
    return {**key_out(row), "token": token}


@router.get("/keys", response_model=Page[KeyOut], responses=problem_responses(422))
def list_keys(
    db: DB,
    caller: Admin,
    active: Annotated[bool | None, Query(description="Only active (or only revoked) keys.")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The organisation's keys, newest first."""
    rows, next_cursor = listing.keys(db, caller.organisation_id, active, cursor, limit)
    return {"items": [key_out(r) for r in rows], "next_cursor": next_cursor}


@router.get("/keys/{key_id}", response_model=KeyOut)
def get_key(key_id: RowId, db: DB, caller: Admin) -> dict[str, Any]:
    """One of the organisation's keys."""
    return key_out(owned(db, ApiKey, key_id, caller.organisation_id, "key"))


@router.delete(
    "/keys/{key_id}",
    status_code=204,
    responses=problem_responses(409, conflicts=("last-admin-key",)),
)
def revoke(key_id: RowId, request: Request, db: DB, caller: Admin) -> Response:
    """Revoke a key: refused at once here, within 30 s by other API processes.

    Revoking a revoked key changes nothing. The organisation's last active admin key cannot be
    revoked (409): create another first.
    """
    keys.revoke(db, key_id, caller.organisation_id, datetime.now(UTC))
    running(request).keys.forget(key_id)
    return Response(status_code=204)
