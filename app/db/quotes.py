"""Quote rows: a quote is kept, with its request and the codec's document, until it expires."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.auth import new_id
from app.db.engine import writing
from app.db.models import Quote
from solvers import codec
from solvers.codec import QuoteRecord

_INSERT = insert(Quote)


def store(
    db: Session,
    organisation_id: str,
    request: Mapping[str, Any],
    found: QuoteRecord,
    now: datetime,
    validity: timedelta,
) -> Quote:
    """Keep a quote until it expires: ``request`` as sent (JSON-ready), ``found`` as a document.

    The row is inserted as it is, not tracked by the session: nothing changes it afterwards, and
    the session's unit of work would add a third to the cost of the write. One row is one
    parameter set: a list of one would take SQLAlchemy's many-rows path.
    """
    values = {
        "id": new_id("q"),
        "organisation_id": organisation_id,
        "created_at": now,
        "expires_at": now + validity,
        "network_version": found.network_version,
        "status": found.status.value,
        "request": request,
        "result": codec.encode_quote(found),
    }
    with writing(db):
        db.connection().execute(_INSERT, values)
    return Quote(**values)
