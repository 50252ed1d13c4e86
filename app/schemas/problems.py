"""The RFC 9457 problem component and the OpenAPI answers that refer to it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.problem_types import PROBLEM_TYPES


class ProblemOut(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(
        description="/problems/<slug>, stable for clients to switch on: "
        + ", ".join(f"`{slug}` ({status})" for slug, (status, _) in PROBLEM_TYPES.items())
        + "."
    )
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Each invalid field (validation problems)."
    )


#: Where the problem schema is in the OpenAPI document (one component, not a copy per answer).
PROBLEM_REF = {"$ref": "#/components/schemas/ProblemOut"}


def problem_responses(
    *statuses: int, conflicts: tuple[str, ...] = ()
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problems an operation can answer, with their types.

    ``conflicts`` are the 409 types the operation answers (given with 409).
    """
    unknown = [slug for slug in conflicts if PROBLEM_TYPES.get(slug, (0, ""))[0] != 409]
    if unknown or bool(conflicts) != (409 in statuses):
        msg = f"give 409 with its conflict types, each a 409 type (not: {unknown})"
        raise ValueError(msg)
    words = {
        400: "The body cannot be read (not UTF-8, or not valid JSON)",
        401: "No or an invalid API key",
        403: "The key's role does not allow this",
        404: "Not found (or another organisation's)",
        409: "Conflicts with the current state",
        413: "The upload is too large",
        415: "The body is not application/json",
        422: "Invalid input; each field is named in errors[].field",
        429: "The key's rate limit is spent; retry after Retry-After seconds",
        503: "The database cannot be reached; retry after Retry-After seconds",
    }
    return {
        status: problem_response(words[status], status, conflicts if status == 409 else None)
        for status in statuses
    }


def problem_response(
    summary: str, status: int, slugs: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """One problem answer: what it means and the types it may carry (all of its status's)."""
    types = "; ".join(
        f"`/problems/{slug}`: {meaning}"
        for slug, (code, meaning) in PROBLEM_TYPES.items()
        if code == status and (slugs is None or slug in slugs)
    )
    return {
        "description": f"{summary}. {types}." if types else summary,
        "content": {"application/problem+json": {"schema": PROBLEM_REF}},
    }
