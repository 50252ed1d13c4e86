"""Bookings: one through waybill per booked option, with capacity reserved on every departure.

Reservation is one transaction. Each departure's row is created on first use from the leg's
capacity in the data, then taken with a conditional update (``booked + teu <= capacity``) in a
fixed order (by departure key), so that concurrent bookings neither oversell nor deadlock:
PostgreSQL re-checks the condition under the row lock; SQLite runs the transaction under its
write lock (BEGIN IMMEDIATE). An idempotency key is unique per organisation; a concurrent
duplicate fails on it and the first booking is returned.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import idempotency, webhooks
from app.auth import new_id
from app.db.base import utc
from app.db.engine import writing
from app.db.models import Booking, BookingDeparture, DepartureCapacity, Quote
from app.problems import ApiProblem, reject
from app.schemas import BookingIn
from graph import Network

#: Crockford base32 without I, L, O, U: waybill numbers are read aloud and typed by hand.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True, slots=True)
class Reservation:
    """TEU to hold on one departure."""

    departure_key: str
    leg_id: str
    departure_at: datetime
    capacity_teu: float
    teu: float


def waybill_number(now: datetime) -> str:
    """A through waybill number: ``CMT`` + issue date + 8 random base32 characters + check.

    Random rather than sequential, so that API processes need no shared counter; the
    check character (mod 32 of the weighted sum) catches a mistyped character.
    """
    body = now.strftime("%y%m%d") + "".join(secrets.choice(_ALPHABET) for _ in range(8))
    check = sum((i + 1) * _ALPHABET.index(c) for i, c in enumerate(body)) % 32
    return f"CMT{body}{_ALPHABET[check]}"


def reservations(network: Network, option: Mapping[str, Any], teu: float) -> list[Reservation]:
    """The departures of an option that carry capacity, with the TEU to hold on each.

    Trucks (continuous legs) leave on demand and legs without a capacity in the data hold
    nothing. Raises :class:`ApiProblem` (409) when the option names a leg the loaded network
    no longer has.
    """
    held: dict[str, Reservation] = {}
    for feature in option["legs"]["features"]:
        leg_id = feature["properties"]["leg"]
        leg = network.legs.get(leg_id)
        if leg is None:
            raise ApiProblem(
                409,
                "stale-quote",
                "The quote refers to another network version",
                f"leg {leg_id} is not in network {network.version}; quote again",
            )
        if leg.capacity_teu is None or leg.timetable.continuous or teu <= 0:
            continue
        key = feature["properties"]["departure_key"]
        departure_at = datetime.fromisoformat(feature["properties"]["departure"]).astimezone(UTC)
        held[key] = Reservation(key, leg_id, departure_at, float(leg.capacity_teu), teu)
    return [held[key] for key in sorted(held)]


def book(
    db: Session,
    network: Network,
    organisation_id: str,
    body: BookingIn,
    idempotency_key: str | None,
    now: datetime,
) -> tuple[Booking, bool]:
    """Book ``body``; returns the booking and whether it was created (False: a replay)."""
    fingerprint = idempotency.fingerprint(body)
    return idempotency.write_once(
        db,
        idempotency_key,
        lambda: idempotency.replay(
            db,
            Booking,
            (Booking.organisation_id, organisation_id),
            Booking.idempotency_key,
            idempotency_key or "",
            fingerprint,
            "booking",
        ),
        lambda: _reserve_and_record(
            db, network, organisation_id, body, idempotency_key, fingerprint, now
        ),
    )


def _reserve_and_record(
    db: Session,
    network: Network,
    organisation_id: str,
    body: BookingIn,
    idempotency_key: str | None,
    fingerprint: str,
    now: datetime,
) -> Booking:
    quote = db.scalar(
        select(Quote).where(Quote.id == body.quote_id, Quote.organisation_id == organisation_id)
    )
    if quote is None:
        raise ApiProblem(404, "not-found", "Quote not found", f"no quote {body.quote_id}")
    if utc(quote.expires_at) <= now:
        raise ApiProblem(
            409,
            "quote-expired",
            "The quote has expired",
            f"quote {quote.id} expired at {utc(quote.expires_at).isoformat()}; quote again",
        )
    option = next((o for o in quote.result["options"] if o["id"] == body.option_id), None)
    if option is None:
        reject(
            "body.option_id",
            "not an option of the quote",
            f"quote {quote.id} has no option {body.option_id}",
        )
    if "scenario" in quote.request or "scenario_id" in quote.request:
        raise ApiProblem(
            409,
            "scenario-quote",
            "A quote under a scenario cannot be booked",
            f"quote {quote.id} was made on a what-if network; quote without a scenario to book",
        )
    if quote.network_version != network.version:
        raise ApiProblem(
            409,
            "stale-quote",
            "The quote refers to another network version",
            f"quote {quote.id} was made on network {quote.network_version}, "
            f"the service runs {network.version}; quote again",
        )
    first = option["legs"]["features"][0]["properties"]
    if datetime.fromisoformat(first["cutoff"]) <= now:
        raise ApiProblem(
            409,
            "departure-passed",
            "The first departure's cut-off has passed",
            f"cut-off for {first['departure_key']} was {first['cutoff']}; quote again",
        )
    teu = float(quote.result["teu"])
    held = reservations(network, option, teu)
    take_capacity(db, held)
    booking = Booking(
        id=new_id("bk"),
        organisation_id=organisation_id,
        quote_id=quote.id,
        option_id=body.option_id,
        waybill_number=waybill_number(now),
        status="confirmed",
        teu=teu,
        shipper=body.shipper.model_dump(mode="json"),
        consignee=body.consignee.model_dump(mode="json"),
        references=dict(body.references),
        option={**option, "network_version": quote.network_version},
        idempotency_key=idempotency_key,
        request_sha256=fingerprint,
        created_at=now,
    )
    db.add(booking)
    db.flush()
    db.add_all(
        BookingDeparture(booking_id=booking.id, departure_key=r.departure_key, teu=r.teu)
        for r in held
    )
    db.flush()
    webhooks.enqueue(db, organisation_id, "booking.confirmed", booking_summary(booking))
    return booking


def take_capacity(db: Session, held: Sequence[Reservation]) -> None:
    """Hold ``held`` or raise 409 capacity-exhausted (inside a write transaction)."""
    if not held:
        return
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.execute(
        insert(DepartureCapacity)
        .values(
            [
                {
                    "departure_key": r.departure_key,
                    "leg_id": r.leg_id,
                    "departure_at": r.departure_at,
                    "capacity_teu": r.capacity_teu,
                    "booked_teu": 0.0,
                }
                for r in held
            ]
        )
        .on_conflict_do_nothing(index_elements=["departure_key"])
    )
    for reservation in held:
        taken = db.execute(
            update(DepartureCapacity)
            .where(
                DepartureCapacity.departure_key == reservation.departure_key,
                DepartureCapacity.booked_teu + reservation.teu <= DepartureCapacity.capacity_teu,
            )
            .values(booked_teu=DepartureCapacity.booked_teu + reservation.teu)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 0:  # type: ignore[attr-defined]
            free = db.scalar(
                select(DepartureCapacity.capacity_teu - DepartureCapacity.booked_teu).where(
                    DepartureCapacity.departure_key == reservation.departure_key
                )
            )
            raise ApiProblem(
                409,
                "capacity-exhausted",
                "No room on a departure",
                f"{reservation.departure_key} has {free:g} TEU free, "
                f"the booking needs {reservation.teu:g}; quote again for another departure",
            )


def cancel(db: Session, booking_id: str, now: datetime) -> Booking:
    """Cancel a confirmed booking and release its capacity (a cancelled one stays as it is)."""
    with writing(db):
        current = db.get(Booking, booking_id, with_for_update=True, populate_existing=True)
        assert current is not None
        if current.status == "cancelled":
            return current
        for held in db.scalars(
            select(BookingDeparture)
            .where(BookingDeparture.booking_id == current.id)
            .order_by(BookingDeparture.departure_key)
        ):
            db.execute(
                update(DepartureCapacity)
                .where(DepartureCapacity.departure_key == held.departure_key)
                .values(booked_teu=DepartureCapacity.booked_teu - held.teu)
                .execution_options(synchronize_session=False)
            )
        current.status = "cancelled"
        current.cancelled_at = now
        webhooks.enqueue(db, current.organisation_id, "booking.cancelled", booking_summary(current))
    return current


def booking_summary(booking: Booking) -> dict[str, Any]:
    """What a webhook says about a booking (the full booking is one GET away)."""
    return {
        "booking_id": booking.id,
        "waybill_number": booking.waybill_number,
        "status": booking.status,
        "quote_id": booking.quote_id,
        "option_id": booking.option_id,
        "teu": booking.teu,
    }


def held_by(db: Session, booking_ids: Iterable[str]) -> dict[str, list[BookingDeparture]]:
    """The departures each booking holds."""
    found: dict[str, list[BookingDeparture]] = {}
    for row in db.scalars(
        select(BookingDeparture)
        .where(BookingDeparture.booking_id.in_(list(booking_ids)))
        .order_by(BookingDeparture.departure_key)
    ):
        found.setdefault(row.booking_id, []).append(row)
    return found


def free_capacity(db: Session, start: datetime, end: datetime) -> dict[str, float]:
    """TEU still free on departures booked between ``start`` and ``end`` (others are untouched)."""
    rows = db.execute(
        select(
            DepartureCapacity.departure_key,
            DepartureCapacity.capacity_teu - DepartureCapacity.booked_teu,
        ).where(DepartureCapacity.departure_at >= start, DepartureCapacity.departure_at < end)
    )
    return {key: float(free) for key, free in rows}


def booked_teu(db: Session, keys: Sequence[str]) -> dict[str, float]:
    """TEU booked on each of the departures named (absent: none)."""
    if not keys:
        return {}
    rows = db.execute(
        select(DepartureCapacity.departure_key, DepartureCapacity.booked_teu).where(
            DepartureCapacity.departure_key.in_(list(keys))
        )
    )
    return {key: float(teu) for key, teu in rows}
