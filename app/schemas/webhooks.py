"""Webhooks and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from app.schemas.common import JSONObject, Strict

WebhookEvent = Literal[
    "booking.confirmed",
    "booking.cancelled",
    "booking.event",
    "booking.disrupted",
    "booking.rerouted",
]


class WebhookIn(Strict):
    """A webhook: where to send which events, and the secret that signs them."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://dispatch.example.com/corridor",
                    "events": ["booking.confirmed", "booking.event"],
                    "secret": "whsec-change-me-to-32-random-chars",
                }
            ]
        },
    )

    url: HttpUrl
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(get_args(WebhookEvent)))
    secret: str = Field(
        min_length=16,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Signs every delivery (HMAC-SHA256); never shown again.",
    )


class WebhookOut(BaseModel):
    """A webhook (its secret is not shown)."""

    id: str
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class DeliveryOut(BaseModel):
    """One delivery of an event to a webhook."""

    id: str
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    payload: JSONObject
