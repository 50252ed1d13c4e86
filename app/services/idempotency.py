"""Idempotent writes: a retry with the same ``Idempotency-Key`` and body gets the same row.

The key is unique within a scope (an organisation's bookings, a booking's events); the row keeps
a SHA-256 fingerprint of the request, so the same key with another body is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.db.engine import writing
from app.errors import ServiceError
from app.problem_types import ProblemType


class Keyed(Protocol):
    """A row written under an idempotency key."""

    id: Any
    request_sha256: Any


RowT = TypeVar("RowT", bound=Keyed)


def fingerprint(body: BaseModel) -> str:
    """What a retry must repeat exactly."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(
    db: Session,
    model: type[RowT],
    scope: tuple[InstrumentedAttribute[str], str],
    key_column: InstrumentedAttribute[str | None],
    idempotency_key: str,
    request_sha256: str,
    what: str,
) -> RowT | None:
    """The row an earlier request with this key made, or None; 422 if its body differed."""
    column, value = scope
    earlier: RowT | None = db.scalar(
        select(model).where(column == value, key_column == idempotency_key)
    )
    if earlier is not None and earlier.request_sha256 != request_sha256:
        raise ServiceError(
            ProblemType.IDEMPOTENCY_KEY_REUSED,
            "Idempotency-Key already used for another request",
            f"{what} {earlier.id} was made with this key and a different body",
        )
    return earlier


def write_once(
    db: Session,
    idempotency_key: str | None,
    find: Callable[[], RowT | None],
    write: Callable[[], RowT],
) -> tuple[RowT, bool]:
    """Write once per key: the earlier request's row (``find``), else what ``write`` makes.

    Returns the row and whether it is new; ``write`` runs in a write transaction. Two first
    requests with one key race to the unique constraint: the loser answers as a replay of the
    winner's row.
    """
    if idempotency_key is not None:
        earlier = find()
        if earlier is not None:
            db.rollback()
            return earlier, False
    db.rollback()  # end the reads' transaction: the write takes its own
    try:
        with writing(db):
            row = write()
    except IntegrityError:
        if idempotency_key is None:
            raise
        db.rollback()
        earlier = find()
        db.rollback()
        if earlier is None:
            raise
        return earlier, False
    return row, True
