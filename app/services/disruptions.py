"""Disruptions: closures of the live network for a window, and the bookings they touch.

A disruption (a port closed for a typhoon, a rail interruption, a lock outage) is a row. The
network operator's are network-wide: the network that quotes and bookings use is the loaded one
with every active network-wide disruption applied as a scenario ``close`` operation. A
customer's dispatcher declares one for its own organisation's bookings only: it changes nobody's
quotes, and its re-route proposals are searched on the live network with it applied.

Each process rebuilds the live network when the set of active disruptions changes — at once
for its own writes, and from a background thread within :data:`REFRESH_S` for other
processes' — so requests only read a reference and never wait on the database for it; networks
are immutable, so requests in flight keep the one they started with.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.orm import Session

from app.auth import new_id
from app.db.base import utc
from app.db.engine import database_unavailable, writing
from app.db.models import Booking, Disruption
from app.errors import ServiceError, invalid
from app.mapping import local_time
from app.observability import Sparse
from app.problem_types import ProblemType
from app.schemas.disruptions import DisruptionIn
from app.services import webhooks
from app.services.reroute import Proposals, proposal_out
from app.services.tracking import plan_of
from graph import Network, apply_scenario, parse_scenario
from graph.network import TAG_PREFIX

log = logging.getLogger("corridor.disruptions")

#: How stale another process's disruption may be here, at most.
REFRESH_S = 1.0
#: While the database is away, the refresh failure is logged at most this often.
TARGET_TYPES = ("location", "service", "tag")
#: Kinds that keep the place open and hold boxes longer (they need ``added_dwell_hours``).
CONGESTION_KINDS = ("border_congestion", "port_congestion")


def check_kind(kind: str, target_type: str, added_dwell_hours: float | None) -> None:
    """422 unless congestion comes with dwell hours on a place and nothing else does."""
    if kind in CONGESTION_KINDS:
        if added_dwell_hours is None:
            invalid("body.added_dwell_hours", f"{kind} needs the hours a box waits longer")
        if target_type == "service":
            invalid("body.target_type", "congestion holds boxes at a location or tag")
    elif added_dwell_hours is not None:
        invalid("body.added_dwell_hours", f"only {' and '.join(CONGESTION_KINDS)} add dwell")


def closure_target(network: Network, target_type: str, target: str) -> str:
    """The scenario target for a disruption, or a 422 naming ``body.target``."""
    if target_type == "location" and target in network.locations:
        return target
    if target_type == "service" and target in network.services:
        return target
    if target_type == "tag" and (
        any(target in leg.tags for leg in network.legs.values())
        or any(target in loc.tags for loc in network.locations.values())
    ):
        return TAG_PREFIX + target
    invalid("body.target", f"no {target_type} {target!r} in the network")


class LiveNetwork:
    """The loaded network with the active disruptions closed."""

    def __init__(self, base: Network, engine: Engine) -> None:
        self.base = base
        self.engine = engine
        self._lock = threading.Lock()
        self._key = ""
        self._network = base
        self.ops: list[dict[str, Any]] = []  # the scenario operations applied to ``base``
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="corridor-live", daemon=True)

    def start(self) -> None:
        """Read the active disruptions now, then follow other processes' changes."""
        self.refresh()
        self._thread.start()

    def stop(self) -> None:
        """Stop following."""
        self._stop.set()
        self._thread.join(timeout=10)

    def rebase(self, base: Network) -> Network:
        """Serve ``base`` (a reloaded network) with the active disruptions applied to it."""
        with self._lock:
            self.base = base
            self._key = ""  # rebuild on the new base even when the disruptions are the same
        return self.refresh()

    def get(self) -> Network:
        """The live network."""
        return self._network

    def _follow(self) -> None:
        outage = Sparse()
        while not self._stop.wait(REFRESH_S):
            try:
                self.refresh()
            except Exception as error:  # the database may be away a while: keep the last network
                if not database_unavailable(error):
                    log.exception("could not read the disruptions; trying again")
                elif outage.due():
                    log.warning("database unavailable, disruptions not refreshed: %s", error)

    def refresh(self) -> Network:
        """Read the active disruptions now and rebuild if they changed."""
        with Session(self.engine) as db:
            rows = list(
                db.scalars(
                    select(Disruption)
                    .where(Disruption.status == "active", Disruption.scope == "network")
                    .order_by(Disruption.id)
                )
            )
        ops = [op for row in rows if (op := operation(self.base, row)) is not None]
        key = hashlib.sha256(repr(ops).encode()).hexdigest()
        with self._lock:
            if key != self._key:
                self._network = (
                    apply_scenario(self.base, parse_scenario("disruptions", ops))
                    if ops
                    else self.base
                )
                self._key = key
                self.ops = ops
            return self._network


def operation(network: Network, row: Disruption) -> dict[str, Any] | None:
    """The scenario operation that applies ``row`` to ``network`` (None: its target is gone)."""
    try:
        target = closure_target(network, row.target_type, row.target)
    except ServiceError:  # a network without it any more: nothing there to close
        log.warning("disruption %s: %s is not in the network", row.id, row.target)
        return None
    op: dict[str, Any] = {
        "op": "close",
        "target": target,
        "start": utc(row.start).isoformat(),
        "end": utc(row.end).isoformat(),
        "reason": f"{row.kind}: {row.reason}",
    }
    if row.added_dwell_hours is not None:
        op |= {"op": "add_dwell", "hours": row.added_dwell_hours}
    return op


def network_for(live: Network, row: Disruption) -> Network:
    """The network a disruption's re-route proposals are searched on.

    The live network, which holds every active network-wide disruption; an organisation's own
    disruption is applied to it for its proposals only.
    """
    if row.scope == "network" or row.status != "active":
        return live
    op = operation(live, row)
    return apply_scenario(live, parse_scenario(f"disruption {row.id}", [op])) if op else live


def affected(
    db: Session,
    network: Network,
    disruption: Disruption,
    organisation_id: str | None,
    after: tuple[datetime, str] | None = None,
    limit: int | None = None,
) -> list[tuple[Booking, list[int]]]:
    """Confirmed bookings with a leg the disruption stops, and those legs, oldest first.

    Only the organisation's when ``organisation_id`` is given; after the booking ``after``
    (created, id) and at most ``limit`` of them when given (the scan stops there).
    """
    start, end = utc(disruption.start), utc(disruption.end)
    query = select(Booking).where(Booking.status == "confirmed")
    if organisation_id is not None:
        query = query.where(Booking.organisation_id == organisation_id)
    if after is not None:
        moment, booking_id = after
        query = query.where(
            or_(
                Booking.created_at > moment,
                and_(Booking.created_at == moment, Booking.id > booking_id),
            )
        )
    found = []
    # in batches (a server-side cursor on PostgreSQL), closed when a page is full
    with db.scalars(
        query.order_by(Booking.created_at, Booking.id).execution_options(yield_per=500)
    ) as bookings:
        for booking in bookings:
            hit = [
                leg.seq
                for leg in plan_of(booking)
                if _stops(network, disruption, leg.leg_id, leg.origin, leg.destination,
                          leg.departure, leg.arrival, start, end)
            ]  # fmt: skip
            if hit:
                found.append((booking, hit))
                if limit is not None and len(found) == limit:
                    break
    return found


def declare(
    db: Session, network: Network, organisation_id: str, body: DisruptionIn, network_wide: bool
) -> Disruption:
    """Keep a disruption and queue the webhooks of the bookings it touches, in one transaction.

    Network-wide when the network operator declares it, else the organisation's own.
    """
    row = Disruption(
        id=new_id("ds"),
        organisation_id=organisation_id,
        scope="network" if network_wide else "organisation",
        target_type=body.target_type,
        target=body.target,
        kind=body.kind,
        reason=body.reason,
        added_dwell_hours=body.added_dwell_hours,
        start=body.start.astimezone(UTC),
        end=body.end.astimezone(UTC),
        status="active",
        created_at=datetime.now(UTC),
    )
    with writing(db):
        db.add(row)
        db.flush()
        notify(db, network, row)
    return row


def visible(db: Session, disruption_id: str, organisation_id: str) -> Disruption:
    """The disruption if the organisation may see it (another organisation's own is not found)."""
    row = db.get(Disruption, disruption_id)
    if row is None or (row.scope == "organisation" and row.organisation_id != organisation_id):
        raise ServiceError(
            ProblemType.NOT_FOUND, "Disruption not found", f"no disruption {disruption_id}"
        )
    return row


def close(
    db: Session, disruption_id: str, organisation_id: str, operates_network: bool, now: datetime
) -> Disruption:
    """End a disruption before its window does (closing twice changes nothing).

    A network-wide disruption is closed by the network operator only (403 for anyone else); an
    organisation's own by that organisation.
    """
    with writing(db):
        row = visible(db, disruption_id, organisation_id)
        if row.scope == "network" and not operates_network:
            raise ServiceError(
                ProblemType.FORBIDDEN,
                "Only the network operator closes a network-wide disruption",
                f"disruption {row.id} was declared by the network operator",
            )
        if row.status == "active":
            row.status, row.closed_at = "closed", now
    return row


def notify(db: Session, network: Network, disruption: Disruption) -> int:
    """Queue ``booking.disrupted`` to every organisation with a booking the disruption stops.

    An organisation's own disruption notifies that organisation only. Call inside the write
    transaction that stores the disruption. Returns the bookings found.
    """
    own = disruption.organisation_id if disruption.scope == "organisation" else None
    hits = affected(db, network, disruption, own)
    about = disruption_out(disruption, network, None)
    del about["affected_bookings"], about["affected_next_cursor"]
    for booking, legs in hits:
        webhooks.enqueue(
            db,
            booking.organisation_id,
            "booking.disrupted",
            {
                "booking_id": booking.id,
                "waybill_number": booking.waybill_number,
                "legs": legs,
                "disruption": about,
                "proposals": f"/v1/bookings/{booking.id}/reroute-proposals",
            },
        )
    return len(hits)


def _stops(
    network: Network,
    disruption: Disruption,
    leg_id: str,
    origin: str,
    destination: str,
    departure: datetime,
    arrival: datetime,
    start: datetime,
    end: datetime,
) -> bool:
    """True when the leg meets the disruption inside its window.

    It leaves or reaches a disrupted place, or runs a disrupted service or tag; under
    congestion, it reaches the congested place.
    """
    leg = network.legs.get(leg_id)
    if disruption.added_dwell_hours is not None:
        place = network.locations.get(destination)
        reached = destination == disruption.target or (
            disruption.target_type == "tag"
            and place is not None
            and disruption.target in place.tags
        )
        return reached and start <= arrival < end
    if disruption.target_type == "location":
        return (origin == disruption.target and start <= departure < end) or (
            destination == disruption.target and start <= arrival < end
        )
    if leg is None:
        return False
    if disruption.target_type == "service":
        hits = leg.service == disruption.target
    else:
        hits = disruption.target in leg.tags or any(
            disruption.target in network.locations[end_].tags
            for end_ in (origin, destination)
            if end_ in network.locations
        )
    return hits and (start <= departure < end or start <= arrival < end)


def affected_out(
    hits: Sequence[tuple[Booking, Sequence[int]]], offers: Sequence[Proposals], network: Network
) -> list[dict[str, Any]]:
    """The API form of affected bookings with their proposals."""
    return [
        {
            "booking_id": booking.id,
            "waybill_number": booking.waybill_number,
            "legs": list(legs),
            "proposals": [proposal_out(row, network) for row in offer.proposals],
            "note": offer.note,
        }
        for (booking, legs), offer in zip(hits, offers, strict=True)
    ]


def disruption_out(
    row: Disruption,
    network: Network,
    bookings: Sequence[dict[str, Any]] | None,
    next_cursor: str | None = None,
) -> dict[str, Any]:
    """The API form of a disruption (with a page of the caller's affected bookings if given).

    Its window is local time at the place it closes: a location, a service's first place; a
    tag has no one place and keeps UTC.
    """
    place = row.target
    if row.target_type == "service" and row.target in network.services:
        place = network.service_legs(row.target)[0].origin
    return {
        "id": row.id,
        "scope": row.scope,
        "target_type": row.target_type,
        "target": row.target,
        "kind": row.kind,
        "reason": row.reason,
        "added_dwell_hours": row.added_dwell_hours,
        "start": local_time(utc(row.start), place, network),
        "end": local_time(utc(row.end), place, network),
        "status": row.status,
        "created_at": utc(row.created_at),
        "closed_at": utc(row.closed_at) if row.closed_at else None,
        "affected_bookings": list(bookings) if bookings is not None else None,
        "affected_next_cursor": next_cursor,
    }
