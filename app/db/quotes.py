"""Quote rows: a quote is kept, with its request and the codec's document, until it expires."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.auth import new_id
from app.db.engine import writing
from app.db.models import Quote
from app.schemas.quotes import QuoteIn
from solvers import codec
from solvers.codec import QuoteRecord


def store(
    db: Session,
    organisation_id: str,
    body: QuoteIn,
    found: QuoteRecord,
    now: datetime,
    validity: timedelta,
) -> Quote:
    """Keep a quote (its request and its record, in the codec's document) until it expires.

    The row is inserted as it is, not tracked by the session: nothing changes it afterwards, and
    the session's unit of work would add a third to the cost of the write.
    """
    values = {
        "id": new_id("q"),
        "organisation_id": organisation_id,
        "created_at": now,
        "expires_at": now + validity,
        "network_version": found.network_version,
        "status": found.status.value,
        "request": body.model_dump(mode="json", exclude_none=True),
        "result": codec.encode_quote(found),
    }
    with writing(db):
        db.connection().execute(insert(Quote), [values])
    return Quote(**values)
