"""Planning studies: start one, follow it, read its results, report, flows and tables."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from app.api.deps import DB, RowId, require
from app.auth import Principal, owned
from app.db import listing
from app.db.base import utc
from app.db.models import Job
from app.errors import ServiceError, invalid
from app.jobs.state import create_job
from app.problem_types import ProblemType
from app.render import report
from app.render.report_words import Language
from app.roles import Permission
from app.schemas.common import Page
from app.schemas.problems import problem_responses
from app.schemas.studies import StudyIn, StudyOut
from app.services import studies
from app.services.scenarios import ScenarioNetworks
from app.state import running
from graph import Network

router = APIRouter(
    prefix="/v1/studies",
    tags=["studies"],
    responses=problem_responses(400, 401, 403, 404, 422),
)

Reader = Annotated[Principal, Depends(require(Permission.READ_SCENARIOS))]


def study_out(job: Job) -> dict[str, Any]:
    """The API form of a study job."""
    params = job.params
    base = f"/v1/studies/{job.id}"
    links = {"self": base}
    if job.status == "succeeded":
        links |= {
            "report": f"{base}/report",
            "flows": f"{base}/flows.geojson",
            **{f"csv_{table}": f"{base}/tables/{table}.csv" for table in report.Table},
        }
    return {
        "id": job.id,
        "name": params["name"],
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "scenarios": [
            {k: s[k] for k in ("label", "scenario_id", "version")} | {"ops": s["ops"]}
            for s in params["scenarios"]
        ],
        "demand": {k: v for k, v in params["demand"].items() if k != "rows"},
        "created_at": utc(job.created_at),
        "finished_at": utc(job.finished_at) if job.finished_at else None,
        "result": job.result,
        "links": links,
    }


@router.post(
    "",
    status_code=202,
    response_model=StudyOut,
    responses=problem_responses(409, conflicts=("default-demand-unusable",)),
)
def start_study(
    body: StudyIn,
    request: Request,
    response: Response,
    db: DB,
    caller: Annotated[Principal, Depends(require(Permission.EDIT_SCENARIOS))],
) -> dict[str, Any]:
    """Start a study; poll ``GET /v1/studies/{id}`` until it has succeeded or failed.

    Scenarios and the demand matrix are resolved now and kept with the study, so later edits to
    a stored scenario do not change it. Unknown scenarios or demand matrices answer 404; an
    inline scenario that does not apply answers 422 naming its operation.
    """
    if body.start is not None and not date(2000, 1, 1) <= body.start <= date(2099, 1, 1):
        invalid("body.start", "must lie between 2000-01-01 and 2099-01-01")
    networks: ScenarioNetworks = running(request).scenario_networks
    given = [item if isinstance(item, str) else item.model_dump() for item in body.scenarios]
    resolved = studies.resolve_scenarios(db, networks, caller.organisation_id, given)
    base_year_data, base_year = running(request).base_year.usable()
    value_of_time = studies.study_value_of_time(
        body.value_of_time_cny_per_teu_hour, base_year, "value_of_time_cny_per_teu_hour"
    )
    demand = studies.find_demand(
        running(request).default_demand, db, caller.organisation_id, body.demand
    )
    params = {
        "name": body.name,
        "scenarios": resolved,
        "demand": demand,
        "base_year": base_year_data,
        "published_capacity": body.published_capacity,
        "sensitivity": list(studies.SENSITIVITY_FACTORS) if body.sensitivity else [],
        "value_of_time": value_of_time,
        "co2_price": body.co2_price_cny_per_t,
        "start": (body.start or datetime.now(UTC).date()).isoformat(),
        "days": body.days,
        "capacitated": body.capacity,
        "base_network_version": networks.base.version,
    }
    db.rollback()  # end the reads' transaction: create_job writes in its own
    job_id = create_job(db, caller.organisation_id, studies.KIND, params)
    running(request).jobs.submit(job_id)
    response.headers["Location"] = f"/v1/studies/{job_id}"
    return study_out(owned(db, Job, job_id, caller.organisation_id, "study"))


@router.get("", response_model=Page[StudyOut])
def list_studies(
    db: DB,
    caller: Reader,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The organisation's studies, newest first (results left out: follow each one's link)."""
    rows, next_cursor = listing.jobs(db, caller.organisation_id, studies.KIND, cursor, limit)
    return {
        "items": [study_out(row) | {"result": None} for row in rows],
        "next_cursor": next_cursor,
    }


@router.get("/{study_id}", response_model=StudyOut)
def get_study(study_id: RowId, db: DB, caller: Reader) -> dict[str, Any]:
    """A study: status and progress, then every scenario's results compared with the first."""
    return study_out(_study(db, caller, study_id))


@router.get(
    "/{study_id}/flows.geojson",
    responses={
        200: {"content": {"application/geo+json": {}}, "description": "Flow per leg."},
        **problem_responses(409, conflicts=("study-not-finished",)),
    },
)
def study_flows(
    study_id: RowId,
    request: Request,
    db: DB,
    caller: Reader,
    scenario: Annotated[str | None, Query(max_length=200)] = None,
    assignment: Annotated[str | None, Query(pattern="^(capacitated|all_or_nothing)$")] = None,
) -> JSONResponse:
    """Flow per leg, per scenario and assignment, as GeoJSON LineStrings.

    Filter with ``scenario`` (a label) and ``assignment``.
    """
    job = _finished(db, caller, study_id)
    assert job.result is not None
    if scenario is not None and scenario not in (p["label"] for p in job.result["scenarios"]):
        invalid("query.scenario", f"the study has no scenario {scenario!r}")
    collection = report.flows_geojson(job.result, _network_for(request, job), scenario, assignment)
    return JSONResponse(collection, media_type="application/geo+json")


@router.get(
    "/{study_id}/report",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}},
        **problem_responses(409, conflicts=("study-not-finished",)),
    },
)
def study_report(
    study_id: RowId,
    request: Request,
    db: DB,
    caller: Reader,
    language: Annotated[
        Language,
        Query(alias="lang", description="The report's language: en (English) or zh (中文)."),
    ] = "en",
) -> HTMLResponse:
    """The study as one self-contained HTML page: charts, flow maps and comparison tables."""
    job = _finished(db, caller, study_id)
    assert job.result is not None
    return HTMLResponse(report.render_report(job.result, _network_for(request, job), language))


@router.get(
    "/{study_id}/tables/{table}.csv",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/csv": {}}},
        **problem_responses(409, conflicts=("study-not-finished",)),
    },
)
def study_table(
    study_id: RowId,
    table: report.Table,
    db: DB,
    caller: Reader,
) -> PlainTextResponse:
    """One result table as CSV: every scenario and assignment, one row per item."""
    job = _finished(db, caller, study_id)
    assert job.result is not None
    return PlainTextResponse(
        report.to_csv(report.table_rows(job.result, table)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{study_id}-{table}.csv"'},
    )


def _study(db: DB, caller: Principal, study_id: str) -> Job:
    job = owned(db, Job, study_id, caller.organisation_id, "study")
    if job.kind != studies.KIND:
        raise ServiceError(ProblemType.NOT_FOUND, "Not found", f"no study {study_id}")
    return job


def _finished(db: DB, caller: Principal, study_id: str) -> Job:
    job = _study(db, caller, study_id)
    if job.status != "succeeded":
        raise ServiceError(
            ProblemType.STUDY_NOT_FINISHED,
            "The study has no results",
            f"study {study_id} is {job.status}" + (f": {job.error}" if job.error else ""),
        )
    return job


def _network_for(request: Request, job: Job) -> Callable[[Mapping[str, Any]], Network]:
    return studies.network_for(running(request).scenario_networks, job.params)
