"""A booking's event stream: recording events (idempotently) and estimating from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import new_id
from app.db.base import utc
from app.db.models import Booking, BookingEvent
from app.errors import ServiceError, invalid
from app.mapping import local_time, places
from app.problem_types import ProblemType
from app.schemas.tracking import EventIn
from app.services import idempotency, webhooks
from graph import Network
from solvers import codec
from solvers.tracking import (
    Classifier,
    Event,
    EventCode,
    PlannedLeg,
    Tracking,
    planned_legs,
    track,
)

#: An actual event may be reported this far ahead of the server's clock (clock skew), no more.
ACTUAL_SKEW = timedelta(minutes=15)


def plan_of(booking: Booking) -> list[PlannedLeg]:
    """The booked itinerary's legs as planned, with the customs time quoted before each ride."""
    return planned_legs(codec.decode_plan(booking.option).option.itinerary)


def events_of(db: Session, booking_id: str) -> list[BookingEvent]:
    """A booking's events in time order (then as recorded)."""
    return list(
        db.scalars(
            select(BookingEvent)
            .where(BookingEvent.booking_id == booking_id)
            .order_by(BookingEvent.event_time, BookingEvent.recorded_at, BookingEvent.id)
        )
    )


def record(
    db: Session,
    network: Network,
    booking: Booking,
    body: EventIn,
    idempotency_key: str | None,
    now: datetime,
) -> tuple[BookingEvent, bool]:
    """Check and store an event; returns it and whether it is new (False: a replay)."""
    fingerprint = idempotency.fingerprint(body)
    return idempotency.write_once(
        db,
        idempotency_key,
        lambda: idempotency.replay(
            db,
            BookingEvent,
            (BookingEvent.booking_id, booking.id),
            BookingEvent.idempotency_key,
            idempotency_key or "",
            fingerprint,
            "event",
        ),
        lambda: _checked_and_stored(db, network, booking, body, idempotency_key, fingerprint, now),
    )


def _checked_and_stored(
    db: Session,
    network: Network,
    booking: Booking,
    body: EventIn,
    idempotency_key: str | None,
    fingerprint: str,
    now: datetime,
) -> BookingEvent:
    if booking.status != "confirmed":
        raise ServiceError(
            ProblemType.BOOKING_CANCELLED, "The booking is cancelled", f"booking {booking.id}"
        )
    plan = plan_of(booking)
    if body.leg_seq > len(plan):
        invalid("body.leg_seq", f"the itinerary has {len(plan)} legs")
    leg = plan[body.leg_seq - 1]
    code = EventCode(body.code)
    expected = leg.origin if code.at_origin else leg.destination
    if body.location is not None and body.location != expected:
        invalid("body.location", f"{code.value} on leg {leg.seq} happens at {expected}")
    when = body.event_time.astimezone(UTC)
    if not datetime(2000, 1, 1, tzinfo=UTC) <= when < datetime(2100, 1, 1, tzinfo=UTC):
        invalid("body.event_time", "must lie in 2000-2099")
    if body.classifier == Classifier.ACTUAL.value and when > now + ACTUAL_SKEW:
        invalid("body.event_time", "an actual (ACT) event cannot be in the future")
    row = BookingEvent(
        id=new_id("ev"),
        booking_id=booking.id,
        classifier=body.classifier,
        code=code.value,
        leg_seq=body.leg_seq,
        location=expected,
        event_time=when,
        description=body.description,
        idempotency_key=idempotency_key,
        request_sha256=fingerprint,
        recorded_at=now,
    )
    db.add(row)
    db.flush()
    webhooks.enqueue(
        db,
        booking.organisation_id,
        "booking.event",
        {
            "booking_id": booking.id,
            "waybill_number": booking.waybill_number,
            "event": event_out(row, network, booking),
        },
    )
    return row


def current_events(booking: Booking, events: list[BookingEvent]) -> list[BookingEvent]:
    """``events`` that still describe the booking's plan.

    A re-route replaces the legs from some seq on: what was reported about those seqs before
    it was about legs the booking no longer has.
    """
    replans = codec.decode_plan(booking.option).replans
    return [
        e
        for e in events
        if not any(e.leg_seq >= r.from_seq and utc(e.recorded_at) < r.at for r in replans)
    ]


def estimate(network: Network, booking: Booking, events: list[BookingEvent]) -> Tracking:
    """The booking's estimate from its plan and those of ``events`` that still apply to it."""
    itinerary = codec.decode_plan(booking.option).option.itinerary
    return track(
        network,
        planned_legs(itinerary),
        [
            Event(
                Classifier(e.classifier),
                EventCode(e.code),
                e.leg_seq,
                utc(e.event_time),
                utc(e.recorded_at),
            )
            for e in current_events(booking, events)
        ],
        itinerary.arrival - itinerary.vehicle_arrival,
    )


def event_out(row: BookingEvent, network: Network, booking: Booking) -> dict[str, Any]:
    """The API form of an event: its time local at its place."""
    points = places(codec.decode_plan(booking.option).option.itinerary)
    place = row.location or ""
    return {
        "id": row.id,
        "classifier": row.classifier,
        "code": row.code,
        "leg_seq": row.leg_seq,
        "location": row.location,
        "event_time": local_time(utc(row.event_time), place, network, points.get(place)),
        "description": row.description,
        "recorded_at": utc(row.recorded_at),
    }


def tracking_out(booking: Booking, tracking: Tracking, network: Network) -> dict[str, Any]:
    """The API form of an estimate, each instant local at its place."""
    itinerary = codec.decode_plan(booking.option).option.itinerary
    plan = planned_legs(itinerary)
    last = itinerary.legs[-1]

    def at_end(moment: datetime) -> str:
        return local_time(moment, last.destination, network, last.geometry[-1])

    def at(moment: datetime | None, seq: int, end: int) -> str | None:
        if moment is None:
            return None
        leg = itinerary.legs[seq - 1]
        place = leg.destination if end else leg.origin
        return local_time(moment, place, network, leg.geometry[end])

    return {
        "eta": at_end(tracking.eta),
        "vehicle_eta": at_end(tracking.vehicle_eta),
        "planned_arrival": at_end(itinerary.arrival),
        "planned_vehicle_arrival": at_end(itinerary.vehicle_arrival),
        "delay_minutes": tracking.delay_minutes,
        "missed_connections": list(tracking.missed_connections),
        "legs": [
            {
                "seq": leg.seq,
                "leg": planned.leg_id,
                "departure": at(leg.departure, leg.seq, 0),
                "arrival": at(leg.arrival, leg.seq, -1),
                "departure_basis": leg.departure_basis.value,
                "arrival_basis": leg.arrival_basis.value,
                "delay_minutes": leg.delay_minutes,
                "missed_connection": leg.missed_connection,
                "rebooked_departure": at(leg.rebooked_departure, leg.seq, 0),
            }
            for leg, planned in zip(tracking.legs, plan, strict=True)
        ],
    }
