"""Demand matrices: the bundled default and the organisation's uploads (CSV)."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from app.api.deps import DB, LoadedNetwork, RowId, require
from app.auth import Principal, owned
from app.db import listing
from app.db.base import utc
from app.db.models import DemandMatrix
from app.errors import ServiceError, invalid
from app.problem_types import ProblemType
from app.render import report
from app.roles import Permission
from app.schemas.common import Page
from app.schemas.demand import DemandMatrixOut
from app.schemas.problems import problem_responses
from app.services import studies
from app.state import running
from graph import Demand, DemandError, parse_demand_csv

router = APIRouter(
    prefix="/v1/demand-matrices",
    tags=["studies"],
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)

#: Uploads larger than this are refused before parsing (20,000 rows of long ids fit well).
MAX_UPLOAD_BYTES = 4_000_000

Reader = Annotated[Principal, Depends(require(Permission.READ_SCENARIOS))]


def matrix_out(row: DemandMatrix) -> dict[str, Any]:
    """The API form of an uploaded matrix."""
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "pairs": row.pairs,
        "total_teu": row.total_teu,
        "origins": row.origins,
        "destinations": row.destinations,
        "created_at": utc(row.created_at),
    }


def default_out(demand: Demand) -> dict[str, Any]:
    """The API form of the bundled matrix."""
    return {
        "id": studies.DEFAULT,
        "name": demand.name,
        "description": demand.description or "Bundled with the network: data/demand/",
        "pairs": demand.pairs,
        "total_teu": round(demand.total_teu, 3),
        "origins": len(demand.origins),
        "destinations": len(demand.destinations),
        "created_at": None,
    }


@router.post(
    "",
    status_code=201,
    response_model=DemandMatrixOut,
    responses=problem_responses(413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "origin,destination,cargo_class,teu_per_year\n"
                    "CNCQI-TJC,SGSIN,dry,1200\nCNNIG,THLCH,reefer,80\n",
                }
            },
        }
    },
)
async def upload_matrix(
    request: Request,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.EDIT_SCENARIOS))],
    name: Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[^\x00]*$")],
    description: Annotated[str | None, Query(max_length=2000, pattern=r"^[^\x00]*$")] = None,
) -> dict[str, Any]:
    """Upload a demand matrix as CSV.

    Columns ``origin,destination,cargo_class,teu_per_year`` (TEU a year), optionally ``source``
    and ``derivation``; origins and destinations are location ids or UN/LOCODEs. Every row is
    checked: a 422 lists each problem with its row number (the header is row 1) and column, and
    nothing is stored.
    """
    body = await request.body()
    if len(body) > MAX_UPLOAD_BYTES:
        raise ServiceError(
            ProblemType.TOO_LARGE, "Upload too large", f"at most {MAX_UPLOAD_BYTES:,} bytes"
        )
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        invalid("body", "the CSV is not UTF-8 text; save it as CSV UTF-8")
    try:
        demand = parse_demand_csv(
            text, network, name, known_sources=network.sources.keys(), description=description
        )
    except DemandError as error:
        raise ServiceError(
            ProblemType.INVALID_DEMAND,
            "The demand matrix has problems",
            f"{len(error.problems)} problem(s); nothing was stored",
            errors=[
                {"field": "body", "item": p.item, "message": f"{p.field}: {p.message}".lstrip(": ")}
                for p in error.problems
            ],
        ) from error
    return matrix_out(studies.store_matrix(db, caller.organisation_id, demand))


@router.get("", response_model=Page[DemandMatrixOut])
def list_matrices(
    request: Request,
    db: DB,
    caller: Reader,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The bundled matrix (first page only, when it fits the network), then uploads."""
    rows, next_cursor = listing.demand_matrices(db, caller.organisation_id, cursor, limit)
    items = [matrix_out(row) for row in rows]
    if cursor is None:
        # left out on a network the bundled matrix does not fit (tests, other regions)
        with contextlib.suppress(DemandError):
            items.insert(0, default_out(running(request).default_demand.get()))
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{matrix_id}", response_model=DemandMatrixOut)
def get_matrix(matrix_id: RowId, request: Request, db: DB, caller: Reader) -> dict[str, Any]:
    """One matrix's summary (``default`` is the bundled one)."""
    if matrix_id == studies.DEFAULT:
        return default_out(_default(request))
    return matrix_out(owned(db, DemandMatrix, matrix_id, caller.organisation_id, "demand matrix"))


@router.get(
    "/{matrix_id}/rows.csv",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def matrix_rows(matrix_id: RowId, request: Request, db: DB, caller: Reader) -> PlainTextResponse:
    """The matrix's rows as CSV (the bundled one with its sources and derivations)."""
    if matrix_id == studies.DEFAULT:
        rows = [
            {
                "origin": r.origin,
                "destination": r.destination,
                "cargo_class": r.cargo_class.value,
                "teu_per_year": r.teu_per_year,
                "source": ";".join(r.sources),
                "derivation": r.derivation or "",
            }
            for r in _default(request).rows
        ]
    else:
        row = owned(db, DemandMatrix, matrix_id, caller.organisation_id, "demand matrix")
        rows = [
            {"origin": o, "destination": d, "cargo_class": g, "teu_per_year": t}
            for o, d, g, t in row.rows
        ]
    return PlainTextResponse(report.to_csv(rows), media_type="text/csv; charset=utf-8")


def _default(request: Request) -> Demand:
    defaults: studies.DefaultDemand = running(request).default_demand
    return defaults.usable()
