"""Disruptions of the live network: declare, list, read with affected bookings, close early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.deps import DB, RowId, require
from app.auth import Principal
from app.db import listing
from app.db.base import utc
from app.db.models import Disruption
from app.errors import invalid
from app.roles import PERMISSIONS, Permission
from app.schemas.common import Page
from app.schemas.disruptions import AffectedBookingOut, DisruptionIn, DisruptionOut
from app.schemas.problems import problem_responses
from app.services import disruptions, reroute
from app.state import running
from graph import Network

router = APIRouter(
    prefix="/v1/disruptions",
    tags=["dispatch"],
    responses=problem_responses(400, 401, 403, 404, 422),
)

Reader = Annotated[Principal, Depends(require(Permission.READ_NETWORK))]
Writer = Annotated[Principal, Depends(require(Permission.DISRUPT))]

#: Affected bookings per page; the first page comes with the disruption.
AFFECTED_PAGE = 20


@router.post("", status_code=201, response_model=DisruptionOut)
def declare(
    body: DisruptionIn, request: Request, response: Response, db: DB, caller: Writer
) -> dict[str, Any]:
    """Close a location, a service or everything with a tag for a window, or congest a place.

    Congestion (``border_congestion``, ``port_congestion``) keeps the place open: a box
    arriving there in the window waits ``added_dwell_hours`` longer (not past the window's end).

    Declared by the network operator it is network-wide: from now on quotes avoid or allow for
    it, and bookings of earlier quotes whose legs it touches answer 409 stale-quote. Declared by
    a customer's dispatcher it concerns that organisation's bookings only and changes nobody's
    quotes. The answer lists the caller's bookings with a leg it stops or delays, each with
    re-route proposals from where its cargo is.
    """
    live: disruptions.LiveNetwork = running(request).live
    if body.end <= body.start:
        invalid("body.end", "the window must end after it starts")
    disruptions.check_kind(body.kind, body.target_type, body.added_dwell_hours)
    disruptions.closure_target(live.base, body.target_type, body.target)
    network_wide = Permission.OPERATE_NETWORK in PERMISSIONS[caller.role]
    row = disruptions.declare(db, live.base, caller.organisation_id, body, network_wide)
    running(request).webhooks.wake()
    network = live.refresh() if network_wide else disruptions.network_for(live.get(), row)
    response.headers["Location"] = f"/v1/disruptions/{row.id}"
    return _with_proposals(request, db, network, caller, row)


@router.get("", response_model=Page[DisruptionOut])
def list_disruptions(
    request: Request,
    db: DB,
    caller: Reader,
    status: Annotated[str | None, Query(pattern="^(active|closed)$")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The network-wide disruptions and the caller's organisation's own, newest first."""
    rows, next_cursor = listing.disruptions(db, caller.organisation_id, status, cursor, limit)
    network = running(request).live.get()
    return {
        "items": [disruptions.disruption_out(r, network, None) for r in rows],
        "next_cursor": next_cursor,
    }


@router.get("/{disruption_id}", response_model=DisruptionOut)
def get_disruption(
    disruption_id: RowId, request: Request, db: DB, caller: Reader
) -> dict[str, Any]:
    """A disruption and the first page of the caller's bookings it stops."""
    row = _find(db, disruption_id, caller)
    network = disruptions.network_for(running(request).live.get(), row)
    return _with_proposals(request, db, network, caller, row)


@router.get("/{disruption_id}/affected-bookings", response_model=Page[AffectedBookingOut])
def affected_bookings(
    disruption_id: RowId,
    request: Request,
    db: DB,
    caller: Reader,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = AFFECTED_PAGE,
) -> dict[str, Any]:
    """The caller's bookings the disruption stops, oldest first, with re-route proposals.

    Proposals are searched for the bookings of the page asked (kept ones are reused), so a
    disruption that stops many bookings is read page by page.
    """
    row = _find(db, disruption_id, caller)
    network = disruptions.network_for(running(request).live.get(), row)
    items, next_cursor = _affected_page(request, db, network, caller, row, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


def _with_proposals(
    request: Request, db: DB, network: Network, caller: Principal, row: Disruption
) -> dict[str, Any]:
    """The disruption with the first page of the caller's affected bookings."""
    items, next_cursor = _affected_page(request, db, network, caller, row, None, AFFECTED_PAGE)
    return disruptions.disruption_out(row, network, items, next_cursor)


def _affected_page(
    request: Request,
    db: DB,
    network: Network,
    caller: Principal,
    row: Disruption,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the caller's affected bookings with re-route proposals for each."""
    after = listing.decode(cursor) if cursor is not None else None
    hits = disruptions.affected(db, network, row, caller.organisation_id, after, limit + 1)
    more = len(hits) > limit
    hits = hits[:limit]
    next_cursor = listing.encode(utc(hits[-1][0].created_at), hits[-1][0].id) if more else None
    if row.status != "active":
        offers = [reroute.Proposals((), "the disruption is closed") for _ in hits]
    else:
        settings = running(request).settings
        with running(request).solving:
            offers = reroute.offer(
                db,
                network,
                hits,
                row.id,
                datetime.now(UTC),
                timedelta(hours=settings.quote_validity_hours),
                settings.max_horizon_days,
            )
    return disruptions.affected_out(hits, offers, network), next_cursor


@router.post("/{disruption_id}/close", response_model=DisruptionOut)
def close_early(disruption_id: RowId, request: Request, db: DB, caller: Writer) -> dict[str, Any]:
    """End a disruption before its window does: the network reopens (closing twice is a no-op).

    A network-wide disruption is closed by the network operator only; an organisation's own by
    that organisation.
    """
    operates = Permission.OPERATE_NETWORK in PERMISSIONS[caller.role]
    row = disruptions.close(db, disruption_id, caller.organisation_id, operates, datetime.now(UTC))
    running(request).live.refresh()
    return disruptions.disruption_out(row, running(request).live.get(), None)


def _find(db: DB, disruption_id: str, caller: Principal) -> Disruption:
    """The disruption if the caller may see it (another organisation's own answers 404)."""
    return disruptions.visible(db, disruption_id, caller.organisation_id)
