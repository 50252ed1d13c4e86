"""Webhooks: register receivers, read the delivery log, replay a delivery."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.deps import DB, RowId, require
from app.auth import Principal, owned
from app.db import listing
from app.db.base import utc
from app.db.engine import writing
from app.db.models import Webhook, WebhookDelivery
from app.errors import invalid
from app.roles import Permission
from app.schemas.common import Page
from app.schemas.problems import problem_responses
from app.schemas.webhooks import DeliveryOut, WebhookIn, WebhookOut
from app.services import webhooks
from app.state import running

router = APIRouter(
    prefix="/v1/webhooks",
    tags=["webhooks"],
    responses=problem_responses(400, 401, 403, 404, 422),
)

Manager = Annotated[Principal, Depends(require(Permission.WEBHOOKS))]


def webhook_out(row: Webhook) -> dict[str, Any]:
    """The API form of a webhook (without its secret)."""
    return {
        "id": row.id,
        "url": row.url,
        "events": row.events,
        "active": row.active,
        "created_at": utc(row.created_at),
    }


def delivery_out(row: WebhookDelivery) -> dict[str, Any]:
    """The API form of a delivery."""
    return {
        "id": row.id,
        "event_type": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": utc(row.next_attempt_at) if row.status == "pending" else None,
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "created_at": utc(row.created_at),
        "delivered_at": utc(row.delivered_at) if row.delivered_at else None,
        "payload": row.payload,
    }


@router.post("", status_code=201, response_model=WebhookOut)
def create_webhook(
    body: WebhookIn, request: Request, response: Response, db: DB, caller: Manager
) -> dict[str, Any]:
    """Register a receiver for the organisation's events.

    Deliveries are signed: ``Corridor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
    "<t>.<raw body>" with the secret>``; check it and that ``t`` is recent. Failures (no 2xx)
    are retried with exponential backoff.
    """
    settings = running(request).settings
    if not settings.webhooks_reach_private_hosts:
        address = webhooks.private_host(str(body.url))
        if address is not None:
            invalid(
                "body.url",
                "not a public address",
                f"{body.url} reaches {address}, a loopback, private or link-local address",
            )
    row = webhooks.register(db, caller.organisation_id, str(body.url), body.events, body.secret)
    response.headers["Location"] = f"/v1/webhooks/{row.id}"
    return webhook_out(row)


@router.get("", response_model=Page[WebhookOut])
def list_webhooks(
    db: DB,
    caller: Manager,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The organisation's webhooks, newest first."""
    rows, next_cursor = listing.webhooks(db, caller.organisation_id, cursor, limit)
    return {"items": [webhook_out(r) for r in rows], "next_cursor": next_cursor}


@router.delete("/{webhook_id}", status_code=204)
def deactivate_webhook(webhook_id: RowId, db: DB, caller: Manager) -> Response:
    """Stop sending to this webhook (its delivery log is kept; pending ones are not sent)."""
    with writing(db):
        row = owned(db, Webhook, webhook_id, caller.organisation_id, "webhook")
        row.active = False
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=Page[DeliveryOut])
def list_deliveries(
    webhook_id: RowId,
    db: DB,
    caller: Manager,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The delivery log: every event sent (or being retried) to this webhook, newest first."""
    owned(db, Webhook, webhook_id, caller.organisation_id, "webhook")
    rows, next_cursor = listing.deliveries(db, webhook_id, cursor, limit)
    return {"items": [delivery_out(r) for r in rows], "next_cursor": next_cursor}


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/replay",
    response_model=DeliveryOut,
    responses=problem_responses(409, conflicts=("webhook-inactive",)),
)
def replay_delivery(
    webhook_id: RowId, delivery_id: RowId, request: Request, db: DB, caller: Manager
) -> dict[str, Any]:
    """Send a delivery again, with the same id and payload (receivers deduplicate by id)."""
    with writing(db):
        hook = owned(db, Webhook, webhook_id, caller.organisation_id, "webhook")
        row = webhooks.replay(db, hook, delivery_id)
    running(request).webhooks.wake()
    return delivery_out(row)
