"""Newest-first pages of what the API lists: keyset pagination on (created_at, id).

The cursor is the last row's (created_at, id), opaque to clients. One function per listing
holds its query, so that the routes run no SQL.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.db.base import utc
from app.db.models import (
    ApiKey,
    Booking,
    DemandMatrix,
    Disruption,
    Job,
    Quote,
    RerouteProposal,
    StoredScenario,
    Webhook,
    WebhookDelivery,
)
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


Page = tuple[list[T], str | None]


def _newest(
    db: Session, model: type[T], cursor: str | None, limit: int, *where: ColumnElement[bool]
) -> Page[T]:
    return page(db, select(model).where(*where), cursor, limit, model.created_at, model.id)


def quotes(db: Session, organisation_id: str, cursor: str | None, limit: int) -> Page[Quote]:
    """The organisation's quotes."""
    return _newest(db, Quote, cursor, limit, Quote.organisation_id == organisation_id)


def bookings(
    db: Session, organisation_id: str, status: str | None, cursor: str | None, limit: int
) -> Page[Booking]:
    """The organisation's bookings, all or of one ``status``."""
    where = [Booking.organisation_id == organisation_id]
    if status is not None:
        where.append(Booking.status == status)
    return _newest(db, Booking, cursor, limit, *where)


def keys(
    db: Session, organisation_id: str, active: bool | None, cursor: str | None, limit: int
) -> Page[ApiKey]:
    """The organisation's API keys, all or only the active (or only the revoked) ones."""
    where = [ApiKey.organisation_id == organisation_id]
    if active is not None:
        where.append(ApiKey.revoked_at.is_(None) if active else ApiKey.revoked_at.is_not(None))
    return _newest(db, ApiKey, cursor, limit, *where)


def disruptions(
    db: Session, organisation_id: str, status: str | None, cursor: str | None, limit: int
) -> Page[Disruption]:
    """The network-wide disruptions and the organisation's own, all or of one ``status``."""
    where = [or_(Disruption.scope == "network", Disruption.organisation_id == organisation_id)]
    if status is not None:
        where.append(Disruption.status == status)
    return _newest(db, Disruption, cursor, limit, *where)


def jobs(db: Session, organisation_id: str, kind: str, cursor: str | None, limit: int) -> Page[Job]:
    """The organisation's jobs of one kind (its studies, its allocations)."""
    return _newest(db, Job, cursor, limit, Job.organisation_id == organisation_id, Job.kind == kind)


def webhooks(db: Session, organisation_id: str, cursor: str | None, limit: int) -> Page[Webhook]:
    """The organisation's webhooks."""
    return _newest(db, Webhook, cursor, limit, Webhook.organisation_id == organisation_id)


def deliveries(
    db: Session, webhook_id: str, cursor: str | None, limit: int
) -> Page[WebhookDelivery]:
    """A webhook's deliveries."""
    return _newest(db, WebhookDelivery, cursor, limit, WebhookDelivery.webhook_id == webhook_id)


def demand_matrices(
    db: Session, organisation_id: str, cursor: str | None, limit: int
) -> Page[DemandMatrix]:
    """The organisation's uploaded demand matrices."""
    return _newest(db, DemandMatrix, cursor, limit, DemandMatrix.organisation_id == organisation_id)


def scenarios(
    db: Session, organisation_id: str, cursor: str | None, limit: int
) -> Page[StoredScenario]:
    """The organisation's stored scenarios."""
    return _newest(
        db, StoredScenario, cursor, limit, StoredScenario.organisation_id == organisation_id
    )


def open_proposals(db: Session, booking_id: str) -> list[RerouteProposal]:
    """A booking's open re-route proposals, newest first and best first within one offer."""
    return list(
        db.scalars(
            select(RerouteProposal)
            .where(RerouteProposal.booking_id == booking_id, RerouteProposal.status == "open")
            .order_by(RerouteProposal.created_at.desc(), RerouteProposal.rank)
        )
    )
