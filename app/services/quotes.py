"""Quotes: a request solved and kept, and read back.

:func:`create` is the whole of ``POST /v1/quotes``: the network the request is answered on, the
request read against it, the free capacity read, the solve under the process's solving slot,
its metrics, and the quote kept. Reading requests and showing quotes is ``app.mapping``'s.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.auth import owned
from app.db import ledger, listing
from app.db.base import utc
from app.db.models import Quote
from app.db.quotes import store
from app.mapping import in_request_terms, quote_data, quote_request, reason_data, record
from app.schemas.quotes import QuoteIn
from app.services import scenarios
from graph import Network
from solvers import codec
from solvers.codec import QuoteRecord
from solvers.errors import InvalidRequest
from solvers.quoting import QuoteSettings, quote

if TYPE_CHECKING:
    from app.state import Running


def create(service: Running, organisation_id: str, body: QuoteIn) -> dict[str, Any]:
    """Solve ``body`` for the organisation and keep the quote: the quote as the API shows it.

    The capacity read is one statement in no transaction, so no connection or snapshot is held
    while the search runs; the row is written in a transaction of its own.

    Raises
    ------
    InvalidRequest
        Naming each field of ``body`` that cannot be read or solved (``cargo.box``, ...).
    ServiceError
        An unknown scenario (404), or scenario and scenario_id both given (422).
    """
    settings = service.settings
    with Session(service.engine, expire_on_commit=False) as db:  # a stored scenario's read
        network = scenarios.request_network(
            db,
            service.scenario_networks,
            service.live.get(),
            organisation_id,
            body.scenario_id,
            body.scenario,
        )
    request = quote_request(network, body, settings.max_horizon_days)
    window_end = request.ready + request.horizon + timedelta(days=1)
    free = ledger.free_now(service.engine, request.ready - timedelta(days=1), window_end)
    request = dataclasses.replace(request, capacity=free)
    validity = timedelta(hours=settings.quote_validity_hours)
    with service.solving:
        cpu_started = time.thread_time()
        try:
            result = quote(network, request, QuoteSettings(validity=validity))
        except InvalidRequest as error:
            raise in_request_terms(error) from None
        cpu_s = time.thread_time() - cpu_started
    service.metrics.quote_solve.labels(result.status.value).observe(result.elapsed_s)
    service.metrics.quote_solve_cpu.labels(result.status.value).observe(cpu_s)
    found = record(result, network, body, request)
    asked = body.model_dump(mode="json", exclude_none=True)
    row = store(service.engine, organisation_id, asked, found, datetime.now(UTC), validity)
    return quote_view(row, network, found)


def find(db: Session, organisation_id: str, quote_id: str, network: Network) -> dict[str, Any]:
    """One of the organisation's quotes as the API shows it (another's answers 404)."""
    return quote_view(owned(db, Quote, quote_id, organisation_id, "quote"), network)


def page(
    db: Session, organisation_id: str, cursor: str | None, limit: int, network: Network
) -> dict[str, Any]:
    """A page of the organisation's quotes, newest first, and the cursor of the next."""
    rows, next_cursor = listing.quotes(db, organisation_id, cursor, limit)
    return {"items": [quote_view(row, network) for row in rows], "next_cursor": next_cursor}


def quote_view(row: Quote, network: Network, found: QuoteRecord | None = None) -> dict[str, Any]:
    """The API form of a stored quote (``found``: its record, if already at hand)."""
    kept = found or codec.decode_quote(row.result)
    data = quote_data(kept, network)
    # QuoteOut's fields in its order, each reason with all its fields: the answer to
    # POST /v1/quotes is written from this as it is (app.schemas.quotes.quote_out_json)
    return {
        "id": row.id,
        "created_at": utc(row.created_at),
        "expires_at": utc(row.expires_at),
        "network_version": row.network_version,
        "status": data["status"],
        "solver": data["solver"],
        "elapsed_ms": data["elapsed_ms"],
        "request": row.request,
        "ready": data["ready"],
        "notices": data["notices"],
        "options": data["options"],
        "reasons": [reason_data(reason) for reason in kept.reasons],
    }
