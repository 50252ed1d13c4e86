"""Quotes: solve, persist, read back, list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import DB, LoadedNetwork, RowId, require
from app.auth import Principal
from app.roles import Permission
from app.schemas.common import Page
from app.schemas.problems import problem_responses
from app.schemas.quotes import QuoteIn, QuoteLimitsOut, QuoteOut, quote_out_json
from app.services import quotes
from app.state import running

router = APIRouter(
    prefix="/v1/quotes", tags=["quotes"], responses=problem_responses(401, 403, 404, 422)
)


@router.post("", status_code=201, response_model=QuoteOut, responses=problem_responses(400))
async def create_quote(
    body: QuoteIn,
    request: Request,
    caller: Annotated[Principal, Depends(require(Permission.QUOTE))],
) -> Response:
    """Quote a shipment and keep the quote.

    Options on the Pareto front of price, arrival and
    CO2e, each with its legs as a GeoJSON FeatureCollection, local times with offsets, an
    itemized through price, CO2e, labels and an explanation. Departures already booked full
    are left out. Book an option with ``POST /v1/bookings`` before ``expires_at``.
    """
    # async, with the service's work on the thread pool: one hop for the request, where a sync
    # route takes another for checking its answer against the response model; the answer is
    # written as QuoteOut would write it, without that check (see quote_out_json). The service
    # opens its session there, not a dependency on the event loop
    view = await run_in_threadpool(quotes.create, running(request), caller.organisation_id, body)
    return Response(quote_out_json(view), status_code=201, media_type="application/json")


@router.get("", response_model=Page[QuoteOut])
def list_quotes(
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.READ_QUOTES))],
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The organisation's quotes, newest first; follow ``next_cursor`` for more."""
    return quotes.page(db, caller.organisation_id, cursor, limit, network)


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
    return quotes.find(db, caller.organisation_id, quote_id, network)
