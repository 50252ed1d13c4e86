"""Quote rows: a quote is kept, with its request and the codec's document, until it expires."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from app.auth import new_id
from app.db.direct import Direct
from app.db.models import Quote
from solvers import codec
from solvers.codec import QuoteRecord

_INSERT = Direct(insert(Quote))


def store(
    engine: Engine,
    organisation_id: str,
    request: Mapping[str, Any],
    found: QuoteRecord,
    now: datetime,
    validity: timedelta,
) -> Quote:
    """Keep a quote until it expires: ``request`` as sent (JSON-ready), ``found`` as a document.

    The row is inserted as it is, in a transaction of its own on the pool's connection
    (``app.db.direct``), not tracked by the session: nothing changes it afterwards.
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
    _INSERT.write(engine, values)
    return Quote(**values)
