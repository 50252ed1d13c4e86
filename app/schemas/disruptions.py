"""Disruptions of the network and the bookings they stop."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.schemas.common import ID_PATTERN, Strict
from app.schemas.reroute import RerouteProposalOut


class DisruptionIn(Strict):
    """A part of the network closed for a window."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "target_type": "location",
                    "target": "CNQZH",
                    "kind": "port_closure",
                    "reason": "Typhoon signal No. 8",
                    "start": "2026-12-08T00:00:00+08:00",
                    "end": "2026-12-10T00:00:00+08:00",
                },
                {
                    "target_type": "location",
                    "target": "CNYYG",
                    "kind": "border_congestion",
                    "reason": "Fruit season queue at Youyiguan",
                    "start": "2026-12-08T00:00:00+08:00",
                    "end": "2026-12-12T00:00:00+08:00",
                    "added_dwell_hours": 18,
                },
            ]
        },
    )

    target_type: Literal["location", "service", "tag"]
    target: str = Field(pattern=ID_PATTERN)
    kind: Literal[
        "port_closure",
        "rail_interruption",
        "lock_outage",
        "road_closure",
        "border_congestion",
        "port_congestion",
        "other",
    ] = Field(
        description="Congestion kinds keep the place open and need added_dwell_hours; "
        "the others close what they target."
    )
    reason: str = Field(min_length=1, max_length=500, pattern=r"^[^\x00]*$")
    start: AwareDatetime
    end: AwareDatetime
    added_dwell_hours: float | None = Field(
        default=None,
        gt=0,
        le=720,
        description="Congestion: hours a box arriving in the window waits longer (not past "
        "the window's end).",
    )


class AffectedBookingOut(BaseModel):
    """A booking with legs a disruption stops, and proposals from where its cargo is."""

    booking_id: str
    waybill_number: str
    legs: list[int] = Field(description="Seqs of the legs the disruption stops.")
    proposals: list[RerouteProposalOut]
    note: str | None = Field(description="Why there is no proposal, when there is none.")


class DisruptionOut(BaseModel):
    """A disruption; ``affected_bookings`` lists the caller's bookings it stops."""

    id: str
    scope: Literal["network", "organisation"] = Field(
        description="network: declared by the network operator, every quote avoids it; "
        "organisation: declared by a customer's dispatcher for its own bookings only."
    )
    target_type: str
    target: str
    kind: str
    reason: str
    added_dwell_hours: float | None
    start: datetime
    end: datetime
    status: Literal["active", "closed"]
    created_at: datetime
    closed_at: datetime | None
    affected_bookings: list[AffectedBookingOut] | None
    affected_next_cursor: str | None = Field(
        description="More affected bookings: GET /v1/disruptions/{id}/affected-bookings?cursor="
    )
