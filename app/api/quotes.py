"""Quotes: solve, persist, read back, list."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from app.api.deps import DB, LoadedNetwork, RowId, require
from app.auth import Principal, owned
from app.db import ledger, listing, quotes
from app.db.base import utc
from app.db.models import Quote
from app.errors import invalid
from app.roles import Permission
from app.schemas import QuoteIn, QuoteLimitsOut, QuoteOut, QuotePage, problem_responses
from app.services import scenarios
from app.services.quotes import in_request_terms, quote_data, quote_request, record
from app.state import running
from graph import Network
from solvers import codec
from solvers.codec import QuoteRecord
from solvers.errors import InvalidRequest
from solvers.quote import QuoteSettings, quote

router = APIRouter(
    prefix="/v1/quotes", tags=["quotes"], responses=problem_responses(401, 403, 404, 422)
)


def quote_out(row: Quote, network: Network, found: QuoteRecord | None = None) -> dict[str, Any]:
    """The API form of a stored quote (``found``: its record, if already at hand)."""
    return {
        **quote_data(found or codec.decode_quote(row.result), network),
        "id": row.id,
        "created_at": utc(row.created_at),
        "expires_at": utc(row.expires_at),
        "network_version": row.network_version,
        "request": row.request,
    }


@router.post("", status_code=201, response_model=QuoteOut, responses=problem_responses(400))
def create_quote(
    body: QuoteIn,
    request: Request,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.QUOTE))],
) -> dict[str, Any]:
    """Quote a shipment and keep the quote.

    Options on the Pareto front of price, arrival and
    CO2e, each with its legs as a GeoJSON FeatureCollection, local times with offsets, an
    itemized through price, CO2e, labels and an explanation. Departures already booked full
    are left out. Book an option with ``POST /v1/bookings`` before ``expires_at``.
    """
    settings = running(request).settings
    networks: scenarios.ScenarioNetworks = running(request).scenario_networks
    quoted_on = network
    if body.scenario_id is not None:
        if body.scenario is not None:
            invalid("body.scenario_id", "give scenario or scenario_id, not both")
        stored = scenarios.find(db, caller.organisation_id, body.scenario_id)
        quoted_on = networks.network(stored.name, scenarios.current_ops(db, stored))
    elif body.scenario is not None:
        quoted_on = networks.network(body.scenario.name, body.scenario.ops)
    solver_request = quote_request(quoted_on, body, settings.max_horizon_days)
    window_end = solver_request.ready + solver_request.horizon + timedelta(days=1)
    solver_request = dataclasses.replace(
        solver_request,
        capacity=ledger.free(db, solver_request.ready - timedelta(days=1), window_end),
    )
    db.rollback()
    validity = timedelta(hours=settings.quote_validity_hours)
    with running(request).solving:
        try:
            result = quote(quoted_on, solver_request, QuoteSettings(validity=validity))
        except InvalidRequest as error:
            raise in_request_terms(error) from None
    running(request).metrics.quote_solve.labels(result.status.value).observe(result.elapsed_s)
    found = record(result, quoted_on, body, solver_request)
    row = quotes.store(db, caller.organisation_id, body, found, datetime.now(UTC), validity)
    return quote_out(row, quoted_on, found)


@router.get("", response_model=QuotePage)
def list_quotes(
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.READ_QUOTES))],
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The organisation's quotes, newest first; follow ``next_cursor`` for more."""
    rows, next_cursor = listing.quotes(db, caller.organisation_id, cursor, limit)
    return {"items": [quote_out(row, network) for row in rows], "next_cursor": next_cursor}


@router.get("/limits", response_model=QuoteLimitsOut)
def quote_limits(
    request: Request, caller: Annotated[Principal, Depends(require(Permission.QUOTE))]
) -> QuoteLimitsOut:
    """How far ahead a quote searches and how long it stays bookable (the console's form)."""
    settings = running(request).settings
    return QuoteLimitsOut(
        max_horizon_days=settings.max_horizon_days,
        quote_validity_hours=settings.quote_validity_hours,
    )


@router.get("/{quote_id}", response_model=QuoteOut)
def get_quote(
    quote_id: RowId,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.READ_QUOTES))],
) -> dict[str, Any]:
    """One of the organisation's quotes (another organisation's id answers 404)."""
    return quote_out(owned(db, Quote, quote_id, caller.organisation_id, "quote"), network)
