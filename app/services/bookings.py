"""Bookings: one through waybill per booked option, with capacity reserved on every departure.

A booking is one transaction: the booking row and its holds in the capacity ledger
(:mod:`app.db.ledger`). An idempotency key is unique per organisation; a concurrent duplicate
fails on it and the first booking is returned.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import new_id
from app.db import ledger
from app.db.base import utc
from app.db.engine import writing
from app.db.models import Booking, Quote
from app.errors import ServiceError, invalid
from app.mapping import local_time, option_data
from app.problem_types import ProblemType
from app.schemas.bookings import BookingIn
from app.services import idempotency, webhooks
from graph import Network
from solvers import codec
from solvers.itinerary import ItineraryLeg
from solvers.validate import still_valid

#: Crockford base32 without I, L, O, U: waybill numbers are read aloud and typed by hand.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def waybill_number(now: datetime) -> str:
    """A through waybill number: ``CMT`` + issue date + 8 random base32 characters + check.

    Random rather than sequential, so that API processes need no shared counter; the
    check character (mod 32 of the weighted sum) catches a mistyped character.
    """
    body = now.strftime("%y%m%d") + "".join(secrets.choice(_ALPHABET) for _ in range(8))
    check = sum((i + 1) * _ALPHABET.index(c) for i, c in enumerate(body)) % 32
    return f"CMT{body}{_ALPHABET[check]}"


def reservations(
    network: Network, legs: Sequence[ItineraryLeg], teu: float
) -> list[ledger.Reservation]:
    """The departures of ``legs`` that carry capacity, with the TEU to hold on each.

    Trucks (continuous legs) leave on demand and legs without a capacity in the data hold
    nothing. Raises :class:`~app.errors.ServiceError` (``stale-quote``) when a leg is one the
    loaded network no longer has.
    """
    held: dict[str, ledger.Reservation] = {}
    for planned in legs:
        leg = network.legs.get(planned.leg_id)
        if leg is None:
            raise ServiceError(
                ProblemType.STALE_QUOTE,
                "The quote refers to another network version",
                f"leg {planned.leg_id} is not in network {network.version}; quote again",
            )
        if not leg.holds_capacity or teu <= 0:
            continue
        assert leg.capacity_teu is not None  # it holds capacity
        key = planned.departure_key
        held[key] = ledger.Reservation(
            key, leg.id, planned.departure.astimezone(UTC), float(leg.capacity_teu), teu
        )
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
        raise ServiceError(ProblemType.NOT_FOUND, "Quote not found", f"no quote {body.quote_id}")
    if utc(quote.expires_at) <= now:
        raise ServiceError(
            ProblemType.QUOTE_EXPIRED,
            "The quote has expired",
            f"quote {quote.id} expired at {utc(quote.expires_at).isoformat()}; quote again",
        )
    quoted = codec.decode_quote(quote.result)
    option = quoted.option(body.option_id)
    if option is None:
        invalid(
            "body.option_id",
            "not an option of the quote",
            f"quote {quote.id} has no option {body.option_id}",
        )
    if "scenario" in quote.request or "scenario_id" in quote.request:
        raise ServiceError(
            ProblemType.SCENARIO_QUOTE,
            "A quote under a scenario cannot be booked",
            f"quote {quote.id} was made on a what-if network; quote without a scenario to book",
        )
    changed = (
        still_valid(network, option.itinerary) if quote.network_version != network.version else []
    )
    if changed:
        raise ServiceError(
            ProblemType.STALE_QUOTE,
            "The network changed under the quote",
            f"quote {quote.id} was made on network {quote.network_version}, the service runs "
            f"{network.version}: {'; '.join(changed[:3])}; quote again",
        )
    first = option.itinerary.legs[0]
    if first.cutoff <= now:
        cutoff = local_time(first.cutoff, first.origin, network)
        raise ServiceError(
            ProblemType.DEPARTURE_PASSED,
            "The first departure's cut-off has passed",
            f"cut-off for {first.departure_key} was {cutoff}; quote again",
        )
    teu = float(quoted.teu)
    held = reservations(network, option.itinerary.legs, teu)
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
        option=codec.encode_plan(codec.Plan(option, quote.network_version)),
        idempotency_key=idempotency_key,
        request_sha256=fingerprint,
        created_at=now,
    )
    db.add(booking)
    db.flush()
    hold(db, booking.id, held)
    webhooks.enqueue(db, organisation_id, "booking.confirmed", booking_summary(booking))
    return booking


def hold(db: Session, booking_id: str, held: Sequence[ledger.Reservation]) -> None:
    """Hold ``held`` for the booking in the ledger, or raise 409 capacity-exhausted."""
    try:
        ledger.hold(db, booking_id, held)
    except ledger.CapacityExhausted as full:
        raise ServiceError(
            ProblemType.CAPACITY_EXHAUSTED,
            "No room on a departure",
            f"{full.departure_key} has {full.free_teu:g} TEU free, "
            f"the booking needs {full.needed_teu:g}; quote again for another departure",
        ) from None


def cancel(db: Session, booking_id: str, now: datetime) -> Booking:
    """Cancel a confirmed booking and release its capacity (a cancelled one stays as it is)."""
    with writing(db):
        current = db.get(Booking, booking_id, with_for_update=True, populate_existing=True)
        assert current is not None
        if current.status == "cancelled":
            return current
        ledger.release(db, current.id)
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


CARRIER = "Corridor multimodal transport operator (MTO) — one bill for the whole journey"


def waybill_document(row: Booking, quote: Quote, network: Network) -> dict[str, Any]:
    """The booking's through waybill (多式联运运单); places are named as well as coded."""
    option = option_data(codec.decode_plan(row.option).option, network)
    legs = [feature["properties"] for feature in option["legs"]["features"]]
    return {
        "waybill_number": row.waybill_number,
        "booking_id": row.id,
        "status": row.status,
        "issued_at": utc(row.created_at).replace(microsecond=0),
        "carrier": CARRIER,
        "shipper": row.shipper,
        "consignee": row.consignee,
        "references": row.references,
        "place_of_receipt": legs[0]["from"],
        "place_of_delivery": legs[-1]["to"],
        "place_names": {
            place: _place_name(place, network)
            for place in dict.fromkeys(p for leg in legs for p in (leg["from"], leg["to"]))
        },
        "cargo": {**quote.request.get("cargo", {}), "teu": row.teu},
        "legs": legs,
        "eta": option["arrival"],
        "vehicle_arrival": option["vehicle_arrival"],
        "charges": option["price"]["items"],
        "total_cny": option["price"]["total_cny"],
        "total_usd": option["price"]["total_usd"],
        "co2e_kg": option["co2e_kg"],
        "network_version": quote.network_version,
    }


def _place_name(place: str, network: Network) -> str:
    """``Qinzhou Port (CNQZH)``, or the code alone for a door point or a place since removed."""
    found = network.find_location(place)
    return f"{found.name} ({place})" if found is not None else place
