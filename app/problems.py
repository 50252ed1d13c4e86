"""RFC 9457 problem details: the one place that maps errors to HTTP status codes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa
from starlette.exceptions import HTTPException

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


class ApiProblem(Exception):
    """An error the service answers as it is: status, type slug, title, detail, field errors."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail
        self.errors = errors
        self.headers = headers


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


def reject(field: str, message: str, detail: str | None = None) -> NoReturn:
    """Answer 422, naming ``field`` (``body.…``, ``query.…``, ``path.…``)."""
    raise ApiProblem(
        422,
        "validation",
        "Invalid request",
        detail or f"{field}: {message}",
        errors=[{"field": field, "message": message}],
    )


@contextmanager
def ops_named_as(field: str) -> Iterator[None]:
    """Scenario problems point at ``field`` of this body."""
    try:
        yield
    except ScenarioError as error:
        raise ApiProblem(
            422,
            "invalid-scenario",
            "The scenario does not apply",
            str(error),
            errors=[
                {"field": field, "item": p.item, "message": f"{p.field}: {p.message}"}
                for p in error.problems
            ],
        ) from error


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


async def _api(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    extra: dict[str, Any] = {"errors": exc.errors} if exc.errors is not None else {}
    response = problem(exc.status, exc.slug, exc.title, exc.detail, request.url.path, **extra)
    response.headers.update(exc.headers or {})
    return response


#: SQLite's own contention messages: another writer holds the file, which its busy timeout
#: already waited on; the database is there, so these are not "unavailable".
_SQLITE_CONTENTION = ("database is locked", "database table is locked", "database is busy")
#: Seconds a client should wait before trying again while the database is away.
DATABASE_RETRY_AFTER_S = 2


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached (refused, cut, restarting).

    A lost or refused connection (``OperationalError``/``InterfaceError``, or any DBAPI error that
    invalidated its connection) and a pool with no connection to give within its timeout are;
    errors of the statement itself (integrity, data) and SQLite lock contention are not.
    """
    if isinstance(error, sa.TimeoutError):
        return True
    if not isinstance(error, sa.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa.OperationalError | sa.InterfaceError):
        return False
    return not any(text in str(error.orig).lower() for text in _SQLITE_CONTENTION)


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
    app.add_exception_handler(ApiProblem, _api)
    app.add_exception_handler(NetworkError, _domain)
    app.add_exception_handler(RoutingError, _domain)
    app.add_exception_handler(sa.SQLAlchemyError, _database)
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
