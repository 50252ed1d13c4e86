"""RFC 9457 problem details: the one place that maps errors to HTTP answers.

A :class:`~app.errors.ServiceError` is answered with its problem type's status; the domain errors
of ``graph`` and ``solvers`` by the table below; a database that cannot be reached with 503.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa
from starlette.exceptions import HTTPException

from app.db.engine import DATABASE_RETRY_AFTER_S, database_unavailable
from app.errors import ServiceError
from graph.errors import (
    NetworkError,
    NetworkValidationError,
    ScenarioError,
    UnknownLocation,
    UnknownService,
    UnknownServiceLeg,
    UnknownTariff,
)
from solvers.errors import InvalidRequest, RoutingError

MEDIA_TYPE = "application/problem+json"

#: Domain errors: (status, type slug, title).
PROBLEMS: dict[type[Exception], tuple[int, str, str]] = {
    UnknownLocation: (404, "unknown-location", "Unknown location"),
    UnknownServiceLeg: (404, "unknown-service-leg", "Unknown service leg"),
    UnknownService: (404, "unknown-service", "Unknown service"),
    UnknownTariff: (404, "unknown-tariff", "Unknown tariff code"),
    ScenarioError: (422, "invalid-scenario", "The scenario does not apply"),
    NetworkValidationError: (422, "invalid-network-data", "Network data does not validate"),
    InvalidRequest: (422, "validation", "Invalid request"),
}

log = logging.getLogger("corridor")


def problem(
    status: int, slug: str, title: str, detail: str, instance: str, **extra: Any
) -> JSONResponse:
    """A problem+json response."""
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return JSONResponse(status_code=status, content=body, media_type=MEDIA_TYPE)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    status, slug, title = next(
        (PROBLEMS[cls] for cls in type(exc).__mro__ if cls in PROBLEMS),
        (500, "internal", "Internal error"),
    )
    extra: dict[str, Any] = {}
    if isinstance(exc, ScenarioError):
        extra["errors"] = [
            {"field": "body.scenario.ops", "item": p.item, "message": f"{p.field}: {p.message}"}
            for p in exc.problems
        ]
    elif isinstance(exc, NetworkValidationError):
        extra["errors"] = [
            {"where": p.where, "item": p.item, "field": p.field, "message": p.message}
            for p in exc.problems
        ]
    elif isinstance(exc, InvalidRequest):
        extra["errors"] = [
            {"field": f"body.{field}", "message": message} for field, message in exc.problems
        ]
    detail = str(exc) if status < 500 else "unexpected error"
    return problem(status, slug, title, detail, request.url.path, **extra)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = exc.errors()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if (
        kind
        and kind != "application/json"
        and any(e.get("loc", ())[:1] == ("body",) for e in found)
    ):
        return problem(
            415,
            "unsupported-media-type",
            "The body must be JSON",
            f"Content-Type {kind} is not application/json",
            request.url.path,
        )
    broken = next((e for e in found if e.get("type") == "json_invalid"), None)
    if broken is not None:
        at = broken.get("loc", ("body", "?"))[-1]
        reason = broken.get("ctx", {}).get("error", "not JSON")
        return problem(
            400,
            "malformed-json",
            "The body is not valid JSON",
            f"{reason} at character {at}",
            request.url.path,
            errors=[{"field": "body", "message": f"{reason} at character {at}"}],
        )
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "message": error.get("msg", "invalid"),
        }
        for error in found
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "validation", "Invalid request", detail, request.url.path, errors=errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    response = problem(exc.status_code, slug, str(exc.detail), str(exc.detail), request.url.path)
    response.headers.update(exc.headers or {})
    return response


async def _service(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    extra: dict[str, Any] = {"errors": exc.errors} if exc.errors is not None else {}
    return problem(exc.status, exc.slug, exc.title, exc.detail, request.url.path, **extra)


def unavailable_response(instance: str) -> JSONResponse:
    """503 problem+json: the database cannot be reached; retry shortly."""
    response = problem(
        503,
        "database-unavailable",
        "Database unavailable",
        "the database cannot be reached; retry shortly (with the same Idempotency-Key)",
        instance,
    )
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    return response


async def _database(request: Request, exc: Exception) -> JSONResponse:
    if database_unavailable(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return unavailable_response(request.url.path)
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal", "Internal error", "unexpected error", request.url.path)


def add_problem_handlers(app: FastAPI) -> None:
    """Render every error as problem+json."""
    app.add_exception_handler(ServiceError, _service)
    app.add_exception_handler(NetworkError, _domain)
    app.add_exception_handler(RoutingError, _domain)
    app.add_exception_handler(sa.SQLAlchemyError, _database)
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
