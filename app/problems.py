"""RFC 9457 problem details: the one place that maps errors to HTTP status codes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from graph.errors import (
    NetworkError,
    NetworkValidationError,
    UnknownLocation,
    UnknownService,
    UnknownServiceLeg,
    UnknownTariff,
)

MEDIA_TYPE = "application/problem+json"

#: Domain errors: (status, type slug, title).
PROBLEMS: dict[type[Exception], tuple[int, str, str]] = {
    UnknownLocation: (404, "unknown-location", "Unknown location"),
    UnknownServiceLeg: (404, "unknown-service-leg", "Unknown service leg"),
    UnknownService: (404, "unknown-service", "Unknown service"),
    UnknownTariff: (404, "unknown-tariff", "Unknown tariff code"),
    NetworkValidationError: (422, "invalid-network-data", "Network data does not validate"),
}


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
    if isinstance(exc, NetworkValidationError):
        extra["errors"] = [
            {"where": p.where, "item": p.item, "field": p.field, "message": p.message}
            for p in exc.problems
        ]
    detail = str(exc) if status < 500 else "unexpected error"
    return problem(status, slug, title, detail, request.url.path, **extra)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "message": error.get("msg", "invalid"),
        }
        for error in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "validation", "Invalid request", detail, request.url.path, errors=errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    return problem(exc.status_code, slug, str(exc.detail), str(exc.detail), request.url.path)


def add_problem_handlers(app: FastAPI) -> None:
    """Render every error as problem+json."""
    app.add_exception_handler(NetworkError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
