"""Re-route proposals for a booking and accepting one."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import ID_PATTERN, Strict
from app.schemas.quotes import LegsOut


class RerouteFromOut(BaseModel):
    """Where a re-route starts: the cargo's place, when it is ready there, why."""

    location: str
    ready: str
    from_seq: int = Field(description="The first leg replaced; earlier legs are kept.")
    reason: str


class RerouteProposalOut(BaseModel):
    """A new itinerary for a booking from where its cargo is; accept it to move the booking."""

    id: str
    booking_id: str
    disruption_id: str | None
    status: Literal["open", "accepted", "superseded"]
    rank: int
    created_at: datetime
    expires_at: datetime
    network_version: str
    from_: RerouteFromOut = Field(alias="from")
    summary: str
    labels: list[str]
    arrival: str = Field(description="When the box would be available at the destination.")
    vehicle_arrival: str = Field(description="When the last vehicle would reach the destination.")
    planned_arrival: str = Field(description="The booking's arrival as it stands.")
    delay_minutes: int = Field(description="Arrival against the booking's planned arrival.")
    deadline: str | None
    meets_deadline: bool | None = Field(description="None when the booking has no deadline.")
    late_minutes: int | None
    price_total_cny: float = Field(description="The through price after re-routing.")
    remainder_price_cny: float = Field(description="The new itinerary's price from the cargo.")
    price_change_cny: float = Field(description="Through price after minus before.")
    co2e_kg: float
    legs: LegsOut = Field(description="The whole journey: kept legs, then the new ones.")


class ProposalList(BaseModel):
    """A booking's open proposals (best first), or why there are none."""

    items: list[RerouteProposalOut]
    note: str | None = None


class RerouteIn(Strict):
    """Accept a re-route proposal."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"proposal_id": "rp_0123456789abcdef"}]}
    )

    proposal_id: str = Field(pattern=ID_PATTERN)
