"""Cursor pagination, newest first: the cursor is the last row's (created_at, id)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.db.base import utc
from app.errors import invalid

T = TypeVar("T", bound=Any)


def page(
    db: Session,
    query: Select[T],
    cursor: str | None,
    limit: int,
    created: InstrumentedAttribute[datetime],
    ident: InstrumentedAttribute[str],
) -> tuple[list[T], str | None]:
    """Up to ``limit`` rows of ``query`` after ``cursor``, and the cursor of the next page."""
    rows = list(db.scalars(after(query, cursor, created, ident).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode(utc(getattr(last, created.key)), getattr(last, ident.key))


def encode(created_at: datetime, row_id: str) -> str:
    """An opaque cursor after the row."""
    raw = json.dumps([created_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after(
    query: Select[T],
    cursor: str | None,
    created: InstrumentedAttribute[datetime],
    ident: InstrumentedAttribute[str],
) -> Select[T]:
    """``query`` ordered newest first, starting after ``cursor``.

    Raises
    ------
    ServiceError
        422 naming ``cursor`` when it was not made by :func:`encode`.
    """
    query = query.order_by(created.desc(), ident.desc())
    if cursor is None:
        return query
    moment, row_id = decode(cursor)
    return query.where(or_(created < moment, and_(created == moment, ident < row_id)))


def decode(cursor: str) -> tuple[datetime, str]:
    """The row a cursor points after.

    Raises
    ------
    ServiceError
        422 naming ``cursor`` when it was not made by :func:`encode`.
    """
    try:
        text, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.fromisoformat(text)
        if not isinstance(row_id, str) or "\x00" in row_id:
            raise TypeError(row_id)
    except (ValueError, TypeError):
        invalid("query.cursor", "not a cursor from a previous page")
    return moment, row_id
