"""Re-routing: new itineraries for a booking from where its cargo is, and moving the booking.

Where the cargo is comes from its last actual (ACT) event: not started (at the origin, ready
when the request said or now), gated in at a leg's origin, aboard a leg (ready at its
destination when the vehicle is estimated to arrive there, or when that place reopens if it
is closed then, plus the place's handling time), or discharged/arrived at a leg's
destination. From there the quote engine searches the live network (disruptions applied) to
the booking's destination, with the departures the booking already holds counted as free
for it. Proposals meet the booking's deadline when any itinerary can; otherwise the least
late are offered.

Accepting a proposal is one transaction: the legs not yet travelled give back their TEU, the
new legs take theirs with the same conditional update as a booking (so nothing oversells),
and the booking keeps its id and waybill with the travelled legs followed by the new ones.
The bill keeps what was travelled (see :func:`solvers.reroute.travelled_lines`); everything from the
re-routing point on is charged as the new itinerary prices it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth import new_id
from app.db import ledger
from app.db.base import utc
from app.db.engine import writing
from app.db.models import (
    Booking,
    BookingEvent,
    Quote,
    RerouteProposal,
)
from app.errors import ServiceError, invalid
from app.mapping import local_time, option_data, places, quote_request
from app.problem_types import ProblemType
from app.schemas.quotes import QuoteIn
from app.services import tracking, webhooks
from app.services.bookings import booking_summary, hold, reservations
from graph import Network
from graph.network import TAG_PREFIX
from solvers import codec
from solvers.errors import InvalidRequest
from solvers.itinerary import Itinerary
from solvers.quoting import QuoteSettings, quote
from solvers.reroute import spliced, travelled_lines
from solvers.tracking import Classifier, EventCode
from solvers.validate import still_valid

#: Proposals offered per booking at most.
MAX_PROPOSALS = 3


@dataclass(frozen=True, slots=True)
class Position:
    """Where the cargo can start again: a place, when it is ready there, the first leg replanned."""

    location: str
    ready: datetime
    from_seq: int
    reason: str
    aboard: bool = False  # still on leg from_seq - 1


@dataclass(frozen=True, slots=True)
class Proposals:
    """Proposals for one booking, or why there are none."""

    proposals: tuple[RerouteProposal, ...]
    note: str | None = None


def plan_sha256(booking: Booking) -> str:
    """A digest of the booking's plan: its departures in order."""
    legs = codec.decode_plan(booking.option).option.itinerary.legs
    keys = [leg.departure_key for leg in legs]
    return hashlib.sha256(json.dumps(keys).encode()).hexdigest()


def position(
    network: Network, booking: Booking, request_ready: datetime, now: datetime, db: Session
) -> Position | None:
    """Where the cargo is and when it can leave, from its last actual event (None: delivered)."""
    plan = tracking.plan_of(booking)
    events = tracking.current_events(booking, tracking.events_of(db, booking.id))
    actual = [e for e in events if e.classifier == Classifier.ACTUAL.value]
    if not actual:
        return Position(plan[0].origin, max(now, request_ready), 1, "not started: at the origin")
    last = actual[-1]
    code, seq = EventCode(last.code), last.leg_seq
    leg = plan[seq - 1]
    happened = utc(last.event_time)
    if code is EventCode.GATE_IN:
        return Position(leg.origin, max(now, happened), seq, f"gated in at {leg.origin}")
    if seq == len(plan) and not code.at_origin:
        return None
    if code.at_origin:  # loaded or departed: it rides this leg to its end
        estimate = tracking.estimate(network, booking, events)
        arrival = _reopened(network, leg.destination, estimate.legs[seq - 1].arrival)
        reason = f"aboard {leg.leg_id}, arriving at {leg.destination}"
    else:
        arrival, reason = happened, f"{code.value} at {leg.destination}"
    aboard = code.at_origin
    place = network.find_location(leg.destination)
    handling = place.handling_hours_between(leg.mode, None) if place else 0.0
    handling += network.added_dwell_hours(leg.destination, arrival)
    ready = max(now, arrival + timedelta(hours=handling))
    return Position(leg.destination, ready, seq + 1, reason, aboard)


def _reopened(network: Network, location: str, instant: datetime) -> datetime:
    """``instant``, or the end of the closures of ``location`` covering it (a vehicle waits)."""
    place = network.find_location(location)
    targets = {location, *(TAG_PREFIX + tag for tag in (place.tags if place else ()))}
    moved = True
    while moved:
        moved = False
        for closure in network.closures:
            if closure.target in targets and closure.covers(instant):
                instant, moved = closure.end, True
    return instant


def propose(
    db: Session,
    network: Network,
    booking: Booking,
    disruption_id: str | None,
    now: datetime,
    validity: timedelta,
    max_horizon_days: int,
    stopped: Sequence[int] = (),
) -> Proposals:
    """Compute proposals for ``booking`` (not stored: see :func:`store`).

    ``stopped`` are the seqs of legs a disruption stops: none left ahead of the cargo, no
    proposal.
    """
    if booking.status != "confirmed":
        return Proposals((), "the booking is cancelled")
    original = db.get(Quote, booking.quote_id)
    assert original is not None
    asked = QuoteIn.model_validate(original.request)
    requested = quote_request(network, asked, max_horizon_days)
    where = position(network, booking, requested.ready, now, db)
    if where is None:
        return Proposals((), "the cargo has arrived")
    ahead = [
        seq
        for seq in stopped
        if seq >= where.from_seq or (where.aboard and seq == where.from_seq - 1)
    ]
    if stopped and not ahead:
        return Proposals((), "the cargo is past the legs the disruption stops")
    body = asked.model_copy(
        update={
            "origin": where.location,
            "ready": where.ready.isoformat(),
            "filters": asked.filters.model_copy(
                update={"required_hubs": [], "max_transfers": None}
            ),
            "deadline": None,  # set below: it may already lie before the cargo is ready
            "max_price_cny": None,
            "max_co2e_kg": None,
            "horizon_days": None,
        }
    )
    deadline = requested.deadline
    try:
        solver_request = quote_request(network, body, max_horizon_days)
    except InvalidRequest as error:  # e.g. the cargo waits at a point, not a network place
        return Proposals((), f"cannot search from {where.location}: {error}")
    window_end = solver_request.ready + solver_request.horizon + timedelta(days=1)
    free = ledger.free(db, solver_request.ready - timedelta(days=1), window_end)
    for held in ledger.held_by(db, [booking.id]).get(booking.id, []):
        if held.departure_key in free:
            free[held.departure_key] += held.teu
    solver_request = dataclasses.replace(solver_request, capacity=free)
    settings = QuoteSettings(validity=validity)
    late = deadline is not None and deadline <= solver_request.ready
    if deadline is not None and not late:
        result = quote(network, dataclasses.replace(solver_request, deadline=deadline), settings)
        late = not result.options
    if deadline is None or late:
        result = quote(network, solver_request, settings)
    if not result.options:
        reasons = "; ".join(r.message for r in result.reasons) or "no itinerary"
        return Proposals((), f"no itinerary from {where.location}: {reasons}")
    options = list(result.options)
    if late:
        options.sort(key=lambda o: (o.itinerary.arrival, o.itinerary.price.total_cny))
    current = codec.decode_plan(booking.option).option.itinerary
    basis = {
        "location": where.location,
        "ready": local_time(
            where.ready, where.location, network, places(current).get(where.location)
        ),
        "from_seq": where.from_seq,
        "reason": where.reason,
        "deadline": local_time(
            deadline, current.legs[-1].destination, network, current.legs[-1].geometry[-1]
        )
        if deadline
        else None,
        "planned_arrival": _arrival(current, network),
        "current_total_cny": current.price.total_cny,
    }
    digest = plan_sha256(booking)
    travelled = travelled_lines(network, requested.cargo, current, where.from_seq)
    rows = [
        RerouteProposal(
            id=new_id("rp"),
            booking_id=booking.id,
            disruption_id=disruption_id,
            status="open",
            rank=rank,
            created_at=now,
            expires_at=now + validity,
            network_version=network.version,
            plan_sha256=digest,
            from_seq=where.from_seq,
            basis=basis,
            option=codec.encode_proposal(
                codec.Proposal(
                    dataclasses.replace(
                        option,
                        id="",
                        itinerary=spliced(current, where.from_seq, option.itinerary, travelled),
                    ),
                    remainder_price_cny=option.itinerary.price.total_cny,
                )
            ),
        )
        for rank, option in enumerate(options[:MAX_PROPOSALS], start=1)
    ]
    return Proposals(tuple(rows))


def reusable(
    db: Session, booking: Booking, disruption_id: str | None, network: Network, now: datetime
) -> list[RerouteProposal]:
    """Open proposals still good for the booking as it is now (same plan, network, in time)."""
    digest = plan_sha256(booking)
    return [
        row
        for row in db.scalars(
            select(RerouteProposal)
            .where(RerouteProposal.booking_id == booking.id, RerouteProposal.status == "open")
            .order_by(RerouteProposal.rank)
        )
        if row.disruption_id == disruption_id
        and row.plan_sha256 == digest
        and holds(network, row)
        and utc(row.expires_at) > now
    ]


def offer(
    db: Session,
    network: Network,
    wanted: Sequence[tuple[Booking, Sequence[int]]],
    disruption_id: str | None,
    now: datetime,
    validity: timedelta,
    max_horizon_days: int,
) -> list[Proposals]:
    """Proposals for each booking (with the seqs stopped): the open ones still good, else new.

    New proposals replace the booking's older open ones. Ends the caller's read transaction.
    """
    found: list[Proposals] = []
    for booking, stopped in wanted:
        kept = reusable(db, booking, disruption_id, network, now)
        found.append(
            Proposals(tuple(kept))
            if kept
            else propose(
                db, network, booking, disruption_id, now, validity, max_horizon_days, stopped
            )
        )
    fresh = [
        (booking.id, p.proposals)
        for (booking, _), p in zip(wanted, found, strict=True)
        if p.proposals and p.proposals[0] not in db
    ]
    db.rollback()
    if fresh:
        with writing(db):
            for booking_id, rows in fresh:
                store(db, booking_id, rows)
    return found


def store(db: Session, booking_id: str, rows: Sequence[RerouteProposal]) -> None:
    """Replace the booking's open proposals with ``rows`` (inside a write transaction)."""
    db.execute(
        update(RerouteProposal)
        .where(RerouteProposal.booking_id == booking_id, RerouteProposal.status == "open")
        .values(status="superseded")
        .execution_options(synchronize_session=False)
    )
    db.add_all(rows)
    db.flush()


def accept(
    db: Session, network: Network, booking_id: str, proposal_id: str, now: datetime
) -> tuple[Booking, bool]:
    """Move the booking onto the proposal (inside a write transaction); False: accepted before."""
    booking = db.get(Booking, booking_id, with_for_update=True, populate_existing=True)
    assert booking is not None
    proposal = db.get(RerouteProposal, proposal_id, populate_existing=True)
    if proposal is None or proposal.booking_id != booking.id:
        invalid("body.proposal_id", f"not a proposal for booking {booking.id}")
    plan = codec.decode_plan(booking.option)
    if proposal.status == "accepted" and plan.option.id == proposal.id:
        return booking, False
    if booking.status != "confirmed":
        raise ServiceError(
            ProblemType.BOOKING_CANCELLED, "The booking is cancelled", f"booking {booking.id}"
        )
    if proposal.status != "open" or proposal.plan_sha256 != plan_sha256(booking):
        raise ServiceError(
            ProblemType.STALE_PROPOSAL,
            "The proposal no longer applies",
            f"proposal {proposal.id} was made for an earlier plan of booking {booking.id}; "
            "ask for proposals again",
        )
    if utc(proposal.expires_at) <= now or not holds(network, proposal):
        raise ServiceError(
            ProblemType.STALE_PROPOSAL,
            "The proposal has expired",
            f"proposal {proposal.id} was made on network {proposal.network_version} until "
            f"{utc(proposal.expires_at).isoformat()}; ask for proposals again",
        )
    moved_on = db.scalar(
        select(BookingEvent.id).where(
            BookingEvent.booking_id == booking.id,
            BookingEvent.classifier == Classifier.ACTUAL.value,
            BookingEvent.leg_seq >= proposal.from_seq,
            BookingEvent.recorded_at >= proposal.created_at,
        )
    )
    if moved_on is not None:
        raise ServiceError(
            ProblemType.STALE_PROPOSAL,
            "The cargo has moved on since the proposal",
            f"an actual event on a leg the proposal replaces was reported after proposal "
            f"{proposal.id}; ask for proposals again",
        )
    proposed = codec.decode_proposal(proposal.option)
    new_legs = proposed.option.itinerary.legs[proposal.from_seq - 1 :]
    first = new_legs[0]
    if first.cutoff <= now:
        cutoff = local_time(first.cutoff, first.origin, network)
        raise ServiceError(
            ProblemType.DEPARTURE_PASSED,
            "The first new departure's cut-off has passed",
            f"cut-off for {first.departure_key} was {cutoff}; ask for proposals again",
        )
    dropped = {leg.departure_key for leg in plan.option.itinerary.legs[proposal.from_seq - 1 :]}
    held = reservations(network, new_legs, booking.teu)
    ledger.forget(db, booking.id, dropped)
    hold(db, booking.id, held)
    replan = codec.Replan(proposal.from_seq, now, proposal.id)
    booking.option = codec.encode_plan(
        codec.Plan(
            dataclasses.replace(proposed.option, id=proposal.id),
            network.version,
            (*plan.replans, replan),
        )
    )
    proposal.status, proposal.accepted_at = "accepted", now
    db.execute(
        update(RerouteProposal)
        .where(RerouteProposal.booking_id == booking.id, RerouteProposal.status == "open")
        .values(status="superseded")
        .execution_options(synchronize_session=False)
    )
    db.flush()
    webhooks.enqueue(
        db,
        booking.organisation_id,
        "booking.rerouted",
        {
            **booking_summary(booking),
            "proposal_id": proposal.id,
            "from_seq": proposal.from_seq,
            "arrival": _arrival(proposed.option.itinerary, network),
            "vehicle_arrival": local_time(
                proposed.option.itinerary.vehicle_arrival,
                proposed.option.itinerary.legs[-1].destination,
                network,
            ),
            "price_total_cny": proposed.option.itinerary.price.total_cny,
        },
    )
    return booking, True


def holds(network: Network, row: RerouteProposal) -> bool:
    """Whether the proposal's new legs still run as proposed on ``network``.

    Made on it, or on another version (a reload, a disruption, or the private network of an
    organisation's own disruption) that leaves those legs and the prices alone.
    """
    if row.network_version == network.version:
        return True
    itinerary = codec.decode_proposal(row.option).option.itinerary
    return not still_valid(network, itinerary, row.from_seq)


def _arrival(itinerary: Itinerary, network: Network) -> str:
    return local_time(itinerary.arrival, itinerary.legs[-1].destination, network)


def proposal_out(row: RerouteProposal, network: Network) -> dict[str, Any]:
    """The API form of a proposal."""
    proposed = codec.decode_proposal(row.option)
    option = option_data(proposed.option, network)
    basis = row.basis
    arrival = proposed.option.itinerary.arrival
    planned = datetime.fromisoformat(basis["planned_arrival"])
    deadline = datetime.fromisoformat(basis["deadline"]) if basis.get("deadline") else None
    late = max(0, round((arrival - deadline).total_seconds() / 60)) if deadline else None
    return {
        "id": row.id,
        "booking_id": row.booking_id,
        "disruption_id": row.disruption_id,
        "status": row.status,
        "rank": row.rank,
        "created_at": utc(row.created_at),
        "expires_at": utc(row.expires_at),
        "network_version": row.network_version,
        "from": {k: basis[k] for k in ("location", "ready", "from_seq", "reason")},
        "summary": option["summary"],
        "labels": option["labels"],
        "arrival": option["arrival"],
        "vehicle_arrival": option["vehicle_arrival"],
        "planned_arrival": basis["planned_arrival"],
        "delay_minutes": round((arrival - planned).total_seconds() / 60),
        "deadline": basis.get("deadline"),
        "meets_deadline": None if late is None else late == 0,
        "late_minutes": late,
        "price_total_cny": option["price"]["total_cny"],
        "remainder_price_cny": proposed.remainder_price_cny,
        "price_change_cny": round(option["price"]["total_cny"] - basis["current_total_cny"], 2),
        "co2e_kg": option["co2e_kg"],
        "legs": option["legs"],
    }
