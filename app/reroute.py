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
The bill keeps what was travelled (see :func:`travelled_items`); everything from the
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

from app import tracking, webhooks
from app.auth import new_id
from app.bookings import booking_summary, hold, reservations
from app.db import ledger
from app.db.base import utc
from app.db.engine import writing
from app.db.models import (
    Booking,
    BookingEvent,
    Quote,
    RerouteProposal,
)
from app.problems import ApiProblem, reject
from app.quotes import price_item, quote_request, result_data
from app.schemas import QuoteIn
from graph import Mode, Network
from graph.network import TAG_PREFIX
from solvers.cargo import Cargo
from solvers.errors import InvalidRequest
from solvers.model import pricer_for
from solvers.pricing import ride_label
from solvers.quote import QuoteSettings, quote
from solvers.tracking import Classifier, EventCode

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


def plan_sha256(option: dict[str, Any]) -> str:
    """A digest of the booking's plan: its departures in order."""
    keys = [f["properties"]["departure_key"] for f in option["legs"]["features"]]
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
    options = result_data(result, network)["options"]
    if late:
        options.sort(key=lambda o: (datetime.fromisoformat(o["arrival"]), o["price"]["total_cny"]))
    basis = {
        "location": where.location,
        "ready": where.ready.isoformat(),
        "from_seq": where.from_seq,
        "reason": where.reason,
        "deadline": deadline.isoformat() if deadline else None,
        "planned_arrival": booking.option["arrival"],
        "current_total_cny": booking.option["price"]["total_cny"],
    }
    digest = plan_sha256(booking.option)
    travelled = travelled_items(network, requested.cargo, booking.option, where.from_seq)
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
            option=merged(booking.option, where.from_seq, option, booking.teu, travelled),
        )
        for rank, option in enumerate(options[:MAX_PROPOSALS], start=1)
    ]
    return Proposals(tuple(rows))


def travelled_items(
    network: Network, cargo: Cargo, current: dict[str, Any], from_seq: int
) -> list[dict[str, Any]]:
    """The bill of the journey up to the re-routing point (the legs before ``from_seq``).

    Charges at the places the cargo left stay as booked, and so does the freight of every ride
    it finished. A ride it leaves part-way (the re-routing point is a call, not where it was to
    alight) is priced for the part travelled, from the network's catalogue. The cargo is
    discharged at the re-routing point whatever the plan did there, so that charge is priced
    anew: the booked charges there mixed discharge with loading onto the next leg.
    """
    features = [f["properties"] for f in current["legs"]["features"]]
    kept = [leg for leg in features if leg["seq"] < from_seq]
    if not kept:
        return []
    rides: list[list[dict[str, Any]]] = []
    for leg in kept:
        if rides and _same_ride(rides[-1][-1], leg):
            rides[-1].append(leg)
        else:
            rides.append([leg])
    following = next((leg for leg in features if leg["seq"] == from_seq), None)
    cut_short = following is not None and _same_ride(kept[-1], following)
    finished = rides[:-1] if cut_short else rides
    labels = {ride_label([leg["leg"] for leg in ride]) for ride in finished}
    left_from = {leg["from"] for leg in kept}
    items = [
        item
        for item in current["price"]["items"]
        if item["applies_to"] in labels or item["applies_to"] in left_from
    ]
    pricer = pricer_for(network, cargo)
    if cut_short:
        part = tuple(network.get_leg(leg["leg"]) for leg in rides[-1])
        items += [
            price_item(line) for line in pricer.ride(part, part[0].origin, part[-1].destination)
        ]
    stop = network.find_location(kept[-1]["to"])
    if stop is not None:
        items += [price_item(line) for line in pricer.handling(stop, Mode(kept[-1]["mode"]))]
    return items


def _same_ride(leg: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether ``after`` continues ``leg`` aboard the same service."""
    return bool(leg["service"] == after["service"] and leg["to"] == after["from"])


def merged(
    current: dict[str, Any],
    from_seq: int,
    remainder: dict[str, Any],
    teu: float,
    travelled: list[dict[str, Any]],
) -> dict[str, Any]:
    """The whole journey after re-routing: legs before ``from_seq``, then ``remainder``.

    ``travelled`` is the bill up to the re-routing point (:func:`travelled_items`).
    """
    kept = [f for f in current["legs"]["features"] if f["properties"]["seq"] < from_seq]
    new = [
        {**f, "properties": {**f["properties"], "seq": from_seq + i}}
        for i, f in enumerate(remainder["legs"]["features"])
    ]
    left_from = {f["properties"]["from"] for f in kept}
    items = travelled + remainder["price"]["items"]
    total_cny = round(sum(item["amount_cny"] for item in items), 2)
    rate = remainder["price"]["usd_rate"]
    wtt = sum(f["properties"].get("wtt_kg", 0.0) for f in kept) + remainder["emissions"]["wtt_kg"]
    ttw = sum(f["properties"].get("ttw_kg", 0.0) for f in kept) + remainder["emissions"]["ttw_kg"]
    kept_hubs = [h for h in current["hubs"] if h["location"] in left_from]
    hubs_kg = sum(h["co2e_kg"] for h in kept_hubs) + remainder["emissions"]["hubs_kg"]
    co2e = wtt + ttw + hubs_kg
    km = sum(f["properties"]["distance_km"] for f in kept + new)
    per_teu_km = co2e * 1000 / (teu * km) if teu > 0 and km > 0 else 0.0
    old = current["emissions"]
    per_tonne_km = (
        old["g_per_tonne_km"] * per_teu_km / old["g_per_teu_km"] if old["g_per_teu_km"] else 0.0
    )
    first = (kept or new)[0]["properties"]
    departure = current["departure"] if kept else remainder["departure"]
    transit = datetime.fromisoformat(remainder["arrival"]) - datetime.fromisoformat(departure)
    return {
        "id": "",
        "labels": remainder["labels"],
        "explanation": remainder["explanation"],
        "summary": " ~ ".join(
            [first["from"]]
            + [f"{f['properties']['mode'].upper()} ~ {f['properties']['to']}" for f in kept + new]
        ),
        "departure": departure,
        "arrival": remainder["arrival"],
        "transit_hours": round(transit.total_seconds() / 3600, 2),
        "transfers": max(0, len({f["properties"]["service"] for f in kept + new}) - 1),
        "price": {
            **remainder["price"],
            "total_cny": total_cny,
            "total_usd": round(total_cny / rate, 2) if rate else remainder["price"]["total_usd"],
            "items": items,
        },
        "co2e_kg": round(co2e, 2),
        "emissions": {
            "wtt_kg": round(wtt, 2),
            "ttw_kg": round(ttw, 2),
            "hubs_kg": round(hubs_kg, 2),
            "g_per_tonne_km": round(per_tonne_km, 2),
            "g_per_teu_km": round(per_teu_km, 2),
        },
        "legs": {"type": "FeatureCollection", "features": kept + new},
        "hubs": kept_hubs + remainder["hubs"],
        "remainder_price_cny": remainder["price"]["total_cny"],
    }


def reusable(
    db: Session, booking: Booking, disruption_id: str | None, network: Network, now: datetime
) -> list[RerouteProposal]:
    """Open proposals still good for the booking as it is now (same plan, network, in time)."""
    digest = plan_sha256(booking.option)
    return [
        row
        for row in db.scalars(
            select(RerouteProposal)
            .where(RerouteProposal.booking_id == booking.id, RerouteProposal.status == "open")
            .order_by(RerouteProposal.rank)
        )
        if row.disruption_id == disruption_id
        and row.plan_sha256 == digest
        and row.network_version == network.version
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
        reject("body.proposal_id", f"not a proposal for booking {booking.id}")
    if proposal.status == "accepted" and booking.option.get("id") == proposal.id:
        return booking, False
    if booking.status != "confirmed":
        raise ApiProblem(
            409, "booking-cancelled", "The booking is cancelled", f"booking {booking.id}"
        )
    if proposal.status != "open" or proposal.plan_sha256 != plan_sha256(booking.option):
        raise ApiProblem(
            409,
            "stale-proposal",
            "The proposal no longer applies",
            f"proposal {proposal.id} was made for an earlier plan of booking {booking.id}; "
            "ask for proposals again",
        )
    if utc(proposal.expires_at) <= now or proposal.network_version != network.version:
        raise ApiProblem(
            409,
            "stale-proposal",
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
        raise ApiProblem(
            409,
            "stale-proposal",
            "The cargo has moved on since the proposal",
            f"an actual event on a leg the proposal replaces was reported after proposal "
            f"{proposal.id}; ask for proposals again",
        )
    new_legs = [
        f
        for f in proposal.option["legs"]["features"]
        if f["properties"]["seq"] >= proposal.from_seq
    ]
    first = new_legs[0]["properties"]
    if datetime.fromisoformat(first["cutoff"]) <= now:
        raise ApiProblem(
            409,
            "departure-passed",
            "The first new departure's cut-off has passed",
            f"cut-off for {first['departure_key']} was {first['cutoff']}; ask for proposals again",
        )
    dropped = {
        f["properties"]["departure_key"]
        for f in booking.option["legs"]["features"]
        if f["properties"]["seq"] >= proposal.from_seq
    }
    held = reservations(network, {"legs": {"features": new_legs}}, booking.teu)
    ledger.forget(db, booking.id, dropped)
    hold(db, booking.id, held)
    replans = [
        *booking.option.get("replans", []),
        {"from_seq": proposal.from_seq, "at": now.isoformat(), "proposal_id": proposal.id},
    ]
    booking.option = {
        **proposal.option,
        "id": proposal.id,
        "network_version": network.version,
        "replans": replans,
    }
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
            "arrival": proposal.option["arrival"],
            "price_total_cny": proposal.option["price"]["total_cny"],
        },
    )
    return booking, True


def proposal_out(row: RerouteProposal) -> dict[str, Any]:
    """The API form of a proposal."""
    option, basis = row.option, row.basis
    arrival = datetime.fromisoformat(option["arrival"])
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
        "planned_arrival": basis["planned_arrival"],
        "delay_minutes": round((arrival - planned).total_seconds() / 60),
        "deadline": basis.get("deadline"),
        "meets_deadline": None if late is None else late == 0,
        "late_minutes": late,
        "price_total_cny": option["price"]["total_cny"],
        "remainder_price_cny": option["remainder_price_cny"],
        "price_change_cny": round(option["price"]["total_cny"] - basis["current_total_cny"], 2),
        "co2e_kg": option["co2e_kg"],
        "legs": option["legs"],
    }
