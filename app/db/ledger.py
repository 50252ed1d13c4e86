"""The capacity ledger: TEU booked on each departure and what each booking holds.

The one writer of ``departure_capacity`` and ``booking_departures``. A departure's row is created
on first use from the leg's capacity in the data, then taken with a conditional update
(``booked + teu <= capacity``) in a fixed order (by departure key), so that concurrent bookings
neither oversell nor deadlock: PostgreSQL re-checks the condition under the row lock; SQLite runs
the transaction under its write lock (BEGIN IMMEDIATE). Every function runs inside the caller's
write transaction; a refused hold leaves it to the caller to roll back.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db.direct import Direct
from app.db.models import BookingDeparture, DepartureCapacity


@dataclass(frozen=True, slots=True)
class Reservation:
    """TEU to hold on one departure."""

    departure_key: str
    leg_id: str
    departure_at: datetime
    capacity_teu: float
    teu: float


class CapacityExhausted(Exception):
    """A departure has less room than a hold needs."""

    def __init__(self, departure_key: str, free_teu: float, needed_teu: float) -> None:
        super().__init__(f"{departure_key} has {free_teu:g} TEU free, {needed_teu:g} needed")
        self.departure_key = departure_key
        self.free_teu = free_teu
        self.needed_teu = needed_teu


def hold(db: Session, booking_id: str, held: Sequence[Reservation]) -> None:
    """Take ``held`` for the booking, or raise :class:`CapacityExhausted`."""
    held = sorted(held, key=lambda r: r.departure_key)
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
            raise CapacityExhausted(reservation.departure_key, float(free or 0), reservation.teu)
    db.add_all(
        BookingDeparture(booking_id=booking_id, departure_key=r.departure_key, teu=r.teu)
        for r in held
    )
    db.flush()


def release(db: Session, booking_id: str) -> None:
    """Give back all the booking holds (a cancellation); what it held stays on record."""
    _give_back(db, booking_id, None)


def forget(db: Session, booking_id: str, keys: Collection[str]) -> None:
    """Give back what the booking holds on ``keys`` and drop them from its record (re-routing)."""
    _give_back(db, booking_id, keys)
    db.execute(
        delete(BookingDeparture)
        .where(
            BookingDeparture.booking_id == booking_id,
            BookingDeparture.departure_key.in_(list(keys)),
        )
        .execution_options(synchronize_session=False)
    )
    db.flush()


def _give_back(db: Session, booking_id: str, keys: Collection[str] | None) -> None:
    """Return what the booking holds (on ``keys``, or everywhere), in key order."""
    query = select(BookingDeparture).where(BookingDeparture.booking_id == booking_id)
    if keys is not None:
        query = query.where(BookingDeparture.departure_key.in_(list(keys)))
    for row in db.scalars(query.order_by(BookingDeparture.departure_key)):
        db.execute(
            update(DepartureCapacity)
            .where(DepartureCapacity.departure_key == row.departure_key)
            .values(booked_teu=DepartureCapacity.booked_teu - row.teu)
            .execution_options(synchronize_session=False)
        )


#: Every quote reads the free capacity of its window: the statement is made once, not per read.
_FREE_BETWEEN = select(
    DepartureCapacity.departure_key,
    DepartureCapacity.capacity_teu - DepartureCapacity.booked_teu,
).where(
    DepartureCapacity.departure_at >= bindparam("start"),
    DepartureCapacity.departure_at < bindparam("end"),
)


def free(db: Session, start: datetime, end: datetime) -> dict[str, float]:
    """TEU still free on departures booked between ``start`` and ``end`` (others are untouched).

    Read on the session's connection: plain rows, no ORM entities to load.
    """
    rows = db.connection().execute(_FREE_BETWEEN, {"start": start, "end": end})
    return {key: float(room) for key, room in rows}


_FREE_BETWEEN_NOW = Direct(_FREE_BETWEEN)


def free_now(engine: Engine, start: datetime, end: datetime) -> dict[str, float]:
    """:func:`free`, read on its own: one statement, so one snapshot, in no open transaction.

    For a quote, which holds no transaction while it searches: bookings re-check every hold
    under the row lock (:func:`hold`), so a snapshot that went stale meanwhile oversells nothing.
    """
    rows = _FREE_BETWEEN_NOW.rows(engine, {"start": start, "end": end})
    return {key: float(room) for key, room in rows}


def booked(db: Session, keys: Sequence[str]) -> dict[str, float]:
    """TEU booked on each of the departures named (absent: none)."""
    if not keys:
        return {}
    rows = db.execute(
        select(DepartureCapacity.departure_key, DepartureCapacity.booked_teu).where(
            DepartureCapacity.departure_key.in_(list(keys))
        )
    )
    return {key: float(teu) for key, teu in rows}


def held_by(db: Session, booking_ids: Collection[str]) -> dict[str, list[BookingDeparture]]:
    """The departures each booking holds (or held, when cancelled)."""
    found: dict[str, list[BookingDeparture]] = {}
    for row in db.scalars(
        select(BookingDeparture)
        .where(BookingDeparture.booking_id.in_(list(booking_ids)))
        .order_by(BookingDeparture.departure_key)
    ):
        found.setdefault(row.booking_id, []).append(row)
    return found
