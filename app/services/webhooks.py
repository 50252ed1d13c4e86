"""Webhooks: signed event deliveries, retried with exponential backoff, logged and replayable.

Events are written to an outbox (``webhook_deliveries``) in the same transaction as the change
that causes them (a booking confirmed or cancelled, an event recorded), so a delivery is never
sent for a change that was rolled back, and never lost for one that was committed. A dispatcher
thread in each service process sends what is due (woken by the request that queued it, else
every ``poll_s``); it claims a delivery by moving its next attempt forward with a conditional
update, so several processes never send the same attempt.

Each request carries ``Corridor-Delivery-Id``, ``Corridor-Event``, ``Corridor-Timestamp`` (Unix
seconds) and ``Corridor-Signature: t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>"
with the webhook's secret>``. A 2xx answer is delivered; anything else is retried after
``retry_base_s × 2^(attempts-1)`` until ``max_attempts``, then the delivery is failed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from app.auth import new_id
from app.db.engine import database_unavailable, writing
from app.db.models import Webhook, WebhookDelivery
from app.errors import ServiceError
from app.observability import Sparse
from app.problem_types import ProblemType

log = logging.getLogger("corridor.webhooks")

#: How long a claimed attempt is held before another dispatcher may take it.
CLAIM = timedelta(minutes=2)


def enqueue(db: Session, organisation_id: str, event_type: str, data: dict[str, Any]) -> int:
    """Add a delivery for every active webhook of the organisation that wants ``event_type``.

    Call inside the caller's write transaction. Returns how many deliveries were queued.
    """
    now = datetime.now(UTC)
    data = json.loads(json.dumps(data, default=_iso))
    hooks = db.scalars(
        select(Webhook).where(Webhook.organisation_id == organisation_id, Webhook.active)
    )
    queued = 0
    for hook in hooks:
        if event_type not in hook.events:
            continue
        delivery_id = new_id("dl")
        payload = {
            "id": delivery_id,
            "type": event_type,
            "created_at": now.isoformat(),
            "data": data,
        }
        db.add(
            WebhookDelivery(
                id=delivery_id,
                webhook_id=hook.id,
                event_type=event_type,
                payload=payload,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        queued += 1
    return queued


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    message = f"{type(value).__name__} is not JSON"
    raise TypeError(message)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Corridor-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, tolerance_s: int = 300) -> bool:
    """What a receiver does: check the signature and that the timestamp is recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


class Dispatcher:
    """Sends due deliveries from a background thread of the service process."""

    def __init__(
        self,
        engine: Engine,
        retry_base_s: float,
        max_attempts: int,
        timeout_s: float,
        poll_s: float = 0.5,
        reach_private: bool = False,
    ) -> None:
        self.engine = engine
        self.reach_private = reach_private
        self.retry_base_s = retry_base_s
        self.max_attempts = max_attempts
        self.poll_s = poll_s
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="corridor-webhooks", daemon=True)

    def start(self) -> None:
        """Begin sending."""
        self._thread.start()

    def wake(self) -> None:
        """Look for due deliveries now (after a commit that queued some)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop after the delivery in hand."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self._client.close()

    def _loop(self) -> None:
        outage = Sparse()
        while not self._stop.is_set():
            try:
                while self._send_one():
                    if self._stop.is_set():
                        return
            except Exception as error:  # the database may be away for a while: keep trying
                if not database_unavailable(error):
                    log.exception("webhook dispatch failed; trying again")
                elif outage.due():
                    log.warning("database unavailable, webhooks wait: %s", error)
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _send_one(self) -> bool:
        """Claim and send one due delivery; False when none is due."""
        now = datetime.now(UTC)
        with Session(self.engine) as db:
            due = db.scalars(
                select(WebhookDelivery.id)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(1)
            ).first()
        if due is None:
            return False
        with Session(self.engine) as db, writing(db):
            claim = db.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == due,
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + CLAIM, attempts=WebhookDelivery.attempts + 1)
                .execution_options(synchronize_session=False)
            )
        if claim.rowcount == 0:  # type: ignore[attr-defined]
            return True  # another dispatcher took it
        with Session(self.engine) as db:
            delivery = db.get(WebhookDelivery, due)
            assert delivery is not None
            hook = db.get(Webhook, delivery.webhook_id)
            assert hook is not None
            if not hook.active:
                self._finish_inactive(due)
                return True
            body = json.dumps(delivery.payload, separators=(",", ":")).encode()
            url, secret, attempts = hook.url, hook.secret, delivery.attempts
            event_type = delivery.event_type
        status_code, error = self._post(url, secret, due, event_type, body)
        finished = datetime.now(UTC)
        with Session(self.engine) as db, writing(db):
            row = db.get(WebhookDelivery, due)
            assert row is not None
            row.last_status_code, row.last_error = status_code, error
            if status_code is not None and 200 <= status_code < 300:
                row.status, row.delivered_at = "delivered", finished
            elif attempts >= self.max_attempts:
                row.status = "failed"
            else:
                delay = self.retry_base_s * 2 ** (attempts - 1)
                row.next_attempt_at = finished + timedelta(seconds=delay)
        return True

    def _finish_inactive(self, delivery_id: str) -> None:
        with Session(self.engine) as db, writing(db):
            row = db.get(WebhookDelivery, delivery_id)
            assert row is not None
            row.status, row.last_error = "failed", "the webhook was deactivated"

    def _post(
        self, url: str, secret: str, delivery_id: str, event_type: str, body: bytes
    ) -> tuple[int | None, str | None]:
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Corridor-Webhooks/1",
            "Corridor-Delivery-Id": delivery_id,
            "Corridor-Event": event_type,
            "Corridor-Timestamp": str(timestamp),
            "Corridor-Signature": signature(secret, timestamp, body),
        }
        try:
            if self.reach_private:
                answer = self._client.post(url, content=body, headers=headers)
            else:
                target, host = public_target(url)
                headers["Host"] = httpx.URL(url).netloc.decode()
                answer = self._client.post(
                    target, content=body, headers=headers, extensions={"sni_hostname": host}
                )
        except (httpx.HTTPError, NotPublic, OSError) as error:
            return None, f"{type(error).__name__}: {error}"[:1000]
        if 200 <= answer.status_code < 300:
            return answer.status_code, None
        return answer.status_code, f"HTTP {answer.status_code}: {answer.text[:200]}"


def register(
    db: Session, organisation_id: str, url: str, events: Sequence[str], secret: str
) -> Webhook:
    """Keep an organisation's webhook: ``events`` go to ``url``, signed with ``secret``."""
    row = Webhook(
        id=new_id("wh"),
        organisation_id=organisation_id,
        url=url,
        events=sorted(set(events)),
        secret=secret,
        active=True,
        created_at=datetime.now(UTC),
    )
    with writing(db):
        db.add(row)
    return row


def replay(db: Session, hook: Webhook, delivery_id: str) -> WebhookDelivery:
    """Send a delivery of an active webhook again: pending, due now, attempts from zero.

    Whatever became of it before (delivered, failed, being retried).
    """
    if not hook.active:
        raise ServiceError(ProblemType.WEBHOOK_INACTIVE, "The webhook is inactive", hook.id)
    delivery = db.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != hook.id:
        raise ServiceError(
            ProblemType.NOT_FOUND, "Delivery not found", f"no delivery {delivery_id}"
        )
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = datetime.now(UTC)
    delivery.delivered_at = None
    return delivery


def private_host(url: str) -> str | None:
    """The address of ``url``'s host if it is loopback, private, link-local or reserved.

    A name is resolved now; ``None`` for a public host (or a name that does not resolve, which
    deliveries will report).
    """
    try:
        addresses = _addresses(urlsplit(url).hostname or "")
    except OSError:
        return None
    return next((str(address) for address in addresses if not _public(address)), None)


class NotPublic(Exception):
    """A webhook's host is, or resolves to, an address the service must not call."""


def public_target(url: str) -> tuple[httpx.URL, str]:
    """``url`` with its host replaced by the public address it resolves to now, and the host.

    Checked when the delivery is sent, not only when the webhook was registered (a name may
    resolve elsewhere since), and the address checked is the one connected to: the name is not
    resolved again by the HTTP client.

    Raises
    ------
    NotPublic
        If an address of the host is loopback, private, link-local, reserved or multicast.
    OSError
        If the name does not resolve.
    """
    target = httpx.URL(url)
    addresses = _addresses(target.host)
    refused = next((address for address in addresses if not _public(address)), None)
    if refused is not None:
        msg = f"{target.host} resolves to {refused}, not a public address: not sent"
        raise NotPublic(msg)
    return target.copy_with(host=str(addresses[0])), target.host


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        return sorted({ipaddress.ip_address(info[4][0]) for info in found}, key=str)


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast
