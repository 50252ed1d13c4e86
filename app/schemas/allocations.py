"""Batch allocation of shipments to departures with room."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.schemas.common import ID_PATTERN, JSONObject, Strict
from app.schemas.quotes import CargoIn


class AllocationShipmentIn(Strict):
    """A shipment of a batch: where from and to, when ready, by when, what."""

    id: str = Field(pattern=ID_PATTERN, description="Your reference, unique in the batch.")
    origin: str = Field(pattern=ID_PATTERN)
    destination: str = Field(pattern=ID_PATTERN)
    ready: str = Field(max_length=40, description="ISO 8601; local time of the origin if bare.")
    deadline: str | None = Field(default=None, max_length=40, description="Wanted arrival.")
    cargo: CargoIn = Field(default_factory=CargoIn)


class AllocationIn(Strict):
    """A batch of shipments to place on departures that have room."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "shipments": [
                        {
                            "id": "PO-1",
                            "origin": "CNCQI-TJC",
                            "destination": "SGSIN",
                            "ready": "2026-12-07",
                            "deadline": "2026-12-20",
                            "cargo": {"box": "42G1", "count": 1},
                        }
                    ],
                    "late_cny_per_teu_hour": 20,
                }
            ]
        },
    )

    shipments: list[AllocationShipmentIn] = Field(
        min_length=1,
        max_length=5000,
        description="Up to 200 are answered at once; a larger batch runs as a job.",
    )
    late_cny_per_teu_hour: float = Field(
        ge=0,
        le=100_000,
        description="What an hour past a shipment's deadline costs per TEU (your policy).",
    )
    waves: StrictInt = Field(
        default=3, ge=1, le=6, description="Departure waves tried per shipment for candidates."
    )


class AllocationOut(BaseModel):
    """The optimal allocation beside the first-come greedy one."""

    status: str
    placed: int
    cost_cny: float
    lateness_cny: float
    objective_cny: float = Field(description="Cost + lateness + a penalty per unplaced shipment.")
    assignments: list[JSONObject]
    unplaced: list[JSONObject]
    greedy: JSONObject
    elapsed_s: float
