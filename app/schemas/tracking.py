"""Events on a booking and the estimate they give."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

from app.schemas.common import ID_PATTERN, Strict


class EventIn(Strict):
    """A DCSA-style event on one leg of a booking's itinerary."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "classifier": "ACT",
                    "code": "DEPA",
                    "leg_seq": 1,
                    "event_time": "2026-12-07T22:10:00+08:00",
                }
            ]
        },
    )

    classifier: Literal["PLN", "EST", "ACT"] = Field(
        description="PLN planned, EST estimated, ACT actual."
    )
    code: Literal["DEPA", "ARRI", "GTIN", "LOAD", "DISC", "GTOT"] = Field(
        description="Transport DEPA/ARRI; equipment GTIN and LOAD at the leg's origin, DISC and "
        "GTOT at its destination."
    )
    leg_seq: StrictInt = Field(
        ge=1, le=50, description="The leg of the itinerary, 1 for the first."
    )
    location: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="Where it happened: the leg's origin or destination (default: that one).",
    )
    event_time: AwareDatetime
    description: str | None = Field(default=None, max_length=500, pattern=r"^[^\x00]*$")


class EventOut(BaseModel):
    """A recorded event."""

    id: str
    classifier: str
    code: str
    leg_seq: int
    location: str
    event_time: datetime
    description: str | None
    recorded_at: datetime


class LegEstimateOut(BaseModel):
    """A leg's estimated times and what they rest on (PLN, EST or ACT)."""

    seq: int
    leg: str
    departure: datetime
    arrival: datetime
    departure_basis: str
    arrival_basis: str
    delay_minutes: int
    missed_connection: bool
    rebooked_departure: datetime | None


class TrackingOut(BaseModel):
    """The booking's estimate from its plan and events."""

    eta: datetime = Field(
        description="When the box is estimated to be available at the destination."
    )
    vehicle_eta: datetime = Field(
        description="When the last vehicle is estimated to reach the destination terminal."
    )
    planned_arrival: datetime = Field(description="The booked option's arrival.")
    planned_vehicle_arrival: datetime = Field(description="The booked option's vehicle_arrival.")
    delay_minutes: int
    missed_connections: list[int]
    legs: list[LegEstimateOut]


class EventRecorded(BaseModel):
    """An event and the booking's estimate after it."""

    event: EventOut
    tracking: TrackingOut


class EventStream(BaseModel):
    """A booking's events in time order, and its estimate."""

    events: list[EventOut]
    tracking: TrackingOut
