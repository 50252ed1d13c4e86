"""Bookings and their through waybills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse

from app.api.deps import DB, LoadedNetwork, RowId, require
from app.auth import Principal, owned
from app.db import listing
from app.db.base import utc
from app.db.engine import writing
from app.db.ledger import held_by
from app.db.models import Booking, BookingDeparture, Quote
from app.errors import ServiceError
from app.mapping import option_data
from app.problem_types import ProblemType
from app.render import waybill
from app.roles import Permission
from app.schemas.bookings import BookingIn, BookingOut, WaybillOut
from app.schemas.common import Page
from app.schemas.problems import problem_responses
from app.schemas.reroute import ProposalList, RerouteIn
from app.schemas.tracking import EventIn, EventRecorded, EventStream
from app.services import reroute, tracking
from app.services.bookings import book, cancel, waybill_document
from app.state import running
from graph import Network
from solvers import codec

router = APIRouter(
    prefix="/v1/bookings",
    tags=["bookings"],
    responses=problem_responses(
        401,
        403,
        404,
        409,
        422,
        conflicts=(
            "booking-cancelled",
            "capacity-exhausted",
            "departure-passed",
            "quote-expired",
            "scenario-quote",
            "stale-quote",
        ),
    ),
)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retries with the same key and body return the same booking.",
    ),
]
EventKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retries with the same key and body return the same event.",
    ),
]


def booking_out(row: Booking, held: list[BookingDeparture], network: Network) -> dict[str, Any]:
    """The API form of a booking."""
    plan = codec.decode_plan(row.option)
    legs = {leg.departure_key: leg.leg_id for leg in plan.option.itinerary.legs}
    return {
        "id": row.id,
        "quote_id": row.quote_id,
        "option_id": row.option_id,
        "waybill_number": row.waybill_number,
        "status": row.status,
        "teu": row.teu,
        "shipper": row.shipper,
        "consignee": row.consignee,
        "references": row.references,
        "created_at": utc(row.created_at),
        "cancelled_at": utc(row.cancelled_at) if row.cancelled_at else None,
        "network_version": plan.network_version,
        "reservations": [
            {"departure_key": h.departure_key, "leg": legs.get(h.departure_key, ""), "teu": h.teu}
            for h in held
        ],
        "option": option_data(plan.option, network),
    }


@router.post(
    "",
    status_code=201,
    response_model=BookingOut,
    responses={
        201: {
            "description": "Booked",
            "headers": {"Location": {"schema": {"type": "string"}, "description": "The booking"}},
        },
        200: {
            "model": BookingOut,
            "description": "A retry with the same Idempotency-Key and body: the same booking",
            "headers": {
                "Location": {"schema": {"type": "string"}, "description": "The booking"},
                "Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}},
            },
        },
        **problem_responses(400),
    },
)
def create_booking(
    body: BookingIn,
    request: Request,
    response: Response,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.BOOK))],
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Book an option of a quote.

    One through waybill number, and capacity reserved on every departure of the itinerary in
    one transaction. An expired quote, a departure whose cut-off
    has passed or a full departure answers 409 with the reason; nothing is reserved then.
    """
    metrics = running(request).metrics
    try:
        booking, created = book(
            db, network, caller.organisation_id, body, idempotency_key, datetime.now(UTC)
        )
    except ServiceError:
        metrics.bookings.labels("rejected").inc()
        raise
    metrics.bookings.labels("created" if created else "replayed").inc()
    if created:
        running(request).webhooks.wake()
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/bookings/{booking.id}"
    return booking_out(booking, held_by(db, [booking.id]).get(booking.id, []), network)


@router.get("", response_model=Page[BookingOut])
def list_bookings(
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.READ_BOOKINGS))],
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    status: Annotated[str | None, Query(pattern="^(confirmed|cancelled)$")] = None,
) -> dict[str, Any]:
    """The organisation's bookings, newest first; follow ``next_cursor`` for more."""
    rows, next_cursor = listing.bookings(db, caller.organisation_id, status, cursor, limit)
    held = held_by(db, [row.id for row in rows])
    return {
        "items": [booking_out(row, held.get(row.id, []), network) for row in rows],
        "next_cursor": next_cursor,
    }


@router.get("/{booking_id}", response_model=BookingOut)
def get_booking(
    booking_id: RowId,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.READ_BOOKINGS))],
) -> dict[str, Any]:
    """One of the organisation's bookings (another organisation's id answers 404)."""
    row = owned(db, Booking, booking_id, caller.organisation_id, "booking")
    return booking_out(row, held_by(db, [row.id]).get(row.id, []), network)


@router.post("/{booking_id}/cancel", response_model=BookingOut)
def cancel_booking(
    booking_id: RowId,
    request: Request,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.BOOK))],
) -> dict[str, Any]:
    """Cancel a booking and release the capacity it held; cancelling again changes nothing."""
    found = owned(db, Booking, booking_id, caller.organisation_id, "booking")
    ident, was = found.id, found.status
    db.rollback()
    row = cancel(db, ident, datetime.now(UTC))
    if was != "cancelled":
        running(request).metrics.bookings.labels("cancelled").inc()
        running(request).webhooks.wake()
    return booking_out(row, held_by(db, [row.id]).get(row.id, []), network)


@router.get(
    "/{booking_id}/waybill",
    response_model=WaybillOut,
    responses={200: {"content": {"text/html": {}}, "description": "JSON, or HTML to print"}},
)
def get_waybill(
    booking_id: RowId,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.READ_BOOKINGS))],
    format: Annotated[
        str | None, Query(pattern="^(json|html)$", description="Or send Accept: text/html.")
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """The through document (多式联运运单).

    Waybill number, parties, every leg, itemized charges and totals, CO2e and the network
    version — as JSON, or as printable HTML.
    """
    row = owned(db, Booking, booking_id, caller.organisation_id, "booking")
    quote = owned(db, Quote, row.quote_id, caller.organisation_id, "quote")
    document = waybill_document(row, quote, network)
    wants_html = format == "html" or (format is None and "text/html" in (accept or ""))
    if wants_html:
        return HTMLResponse(waybill.html(document))
    return document


@router.post(
    "/{booking_id}/events",
    status_code=201,
    response_model=EventRecorded,
    responses={
        200: {
            "model": EventRecorded,
            "description": "A retry with the same Idempotency-Key and body: the same event",
            "headers": {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}}},
        },
        **problem_responses(400, 409, conflicts=("booking-cancelled",)),
    },
)
def report_event(
    booking_id: RowId,
    body: EventIn,
    request: Request,
    response: Response,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.BOOK))],
    idempotency_key: EventKey = None,
) -> dict[str, Any]:
    """Report what happened (ACT) or is expected (EST, PLN) on a leg of the booking.

    Answers the event and the booking's estimate after it: an actual delay moves the later
    legs, and a transfer the box can no longer make is flagged with the next departure it can.
    """
    booking = owned(db, Booking, booking_id, caller.organisation_id, "booking")
    row, created = tracking.record(db, network, booking, body, idempotency_key, datetime.now(UTC))
    if created:
        running(request).webhooks.wake()
    else:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    estimate = tracking.estimate(network, booking, tracking.events_of(db, booking_id))
    return {
        "event": tracking.event_out(row, network, booking),
        "tracking": tracking.tracking_out(booking, estimate, network),
    }


@router.get("/{booking_id}/events", response_model=EventStream)
def list_events(
    booking_id: RowId,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.READ_BOOKINGS))],
) -> dict[str, Any]:
    """The booking's events in time order, and its estimate (ETA, delays, missed connections)."""
    booking = owned(db, Booking, booking_id, caller.organisation_id, "booking")
    events = tracking.events_of(db, booking_id)
    return {
        "events": [tracking.event_out(row, network, booking) for row in events],
        "tracking": tracking.tracking_out(
            booking, tracking.estimate(network, booking, events), network
        ),
    }


@router.get("/{booking_id}/reroute-proposals", response_model=ProposalList)
def list_proposals(
    booking_id: RowId,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.READ_BOOKINGS))],
) -> dict[str, Any]:
    """The booking's open re-route proposals still good to accept, best first."""
    booking = owned(db, Booking, booking_id, caller.organisation_id, "booking")
    rows = listing.open_proposals(db, booking.id)
    digest = reroute.plan_sha256(booking)
    now = datetime.now(UTC)
    return {
        "items": [
            reroute.proposal_out(row, network)
            for row in rows
            if row.plan_sha256 == digest
            and reroute.holds(network, row)
            and utc(row.expires_at) > now
        ]
    }


@router.post("/{booking_id}/reroute-proposals", status_code=201, response_model=ProposalList)
def make_proposals(
    booking_id: RowId,
    request: Request,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.BOOK))],
) -> dict[str, Any]:
    """Search new itineraries from where the cargo is now (a delay, a missed connection).

    The search runs on the live network (active disruptions applied) from the cargo's last
    actual event, keeping the booking's deadline where any itinerary can; these proposals
    replace the booking's open ones.
    """
    booking = owned(db, Booking, booking_id, caller.organisation_id, "booking")
    if booking.status != "confirmed":
        raise ServiceError(
            ProblemType.BOOKING_CANCELLED, "The booking is cancelled", f"booking {booking.id}"
        )
    settings = running(request).settings
    now = datetime.now(UTC)
    with running(request).solving:
        found = reroute.propose(
            db,
            network,
            booking,
            None,
            now,
            timedelta(hours=settings.quote_validity_hours),
            settings.max_horizon_days,
        )
    db.rollback()
    if found.proposals:
        with writing(db):
            reroute.store(db, booking_id, found.proposals)
    return {
        "items": [reroute.proposal_out(row, network) for row in found.proposals],
        "note": found.note,
    }


@router.post(
    "/{booking_id}/reroute",
    response_model=BookingOut,
    responses={
        **problem_responses(
            400,
            409,
            conflicts=(
                "stale-proposal",
                "capacity-exhausted",
                "departure-passed",
                "booking-cancelled",
            ),
        ),
    },
)
def accept_reroute(
    booking_id: RowId,
    body: RerouteIn,
    request: Request,
    db: DB,
    network: LoadedNetwork,
    caller: Annotated[Principal, Depends(require(Permission.BOOK))],
) -> dict[str, Any]:
    """Move the booking onto a proposal: same booking and waybill, capacity moved atomically.

    The legs already travelled stay; the rest give back their TEU and the proposal's legs take
    theirs in one transaction (409 capacity-exhausted if one filled meanwhile, nothing moved).
    Accepting the same proposal again returns the booking unchanged.
    """
    owned(db, Booking, booking_id, caller.organisation_id, "booking")
    db.rollback()
    with writing(db):
        row, moved = reroute.accept(db, network, booking_id, body.proposal_id, datetime.now(UTC))
    if moved:
        running(request).webhooks.wake()
    return booking_out(row, held_by(db, [row.id]).get(row.id, []), network)
