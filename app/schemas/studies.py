"""Planning studies: the request and the study with its result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.schemas.common import ID_PATTERN, JSONObject, Strict
from app.schemas.scenarios import ScenarioIn


class StudyIn(Strict):
    """A planning study: scenarios compared on one demand matrix."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Pinglu Canal opening",
                    "scenarios": [
                        "base",
                        {"name": "canal open", "ops": [{"op": "enable", "tags": ["pinglu_canal"]}]},
                    ],
                    "demand": "default",
                    "value_of_time_cny_per_teu_hour": 5,
                    "capacity": True,
                }
            ]
        },
    )

    name: str = Field(default="study", min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    scenarios: list[Annotated[str, Field(pattern=ID_PATTERN)] | ScenarioIn] = Field(
        min_length=1,
        max_length=8,
        description='"base", the id of a stored scenario (its current version), or an inline '
        '{"name", "ops"}; the first is the reference the others are compared with.',
    )
    demand: Annotated[str, Field(pattern=ID_PATTERN)] = Field(
        default="default",
        description='"default" (the bundled matrix, data/demand/) or the id of an uploaded '
        "demand matrix.",
    )
    value_of_time_cny_per_teu_hour: float | None = Field(
        default=None,
        ge=0,
        le=100_000,
        description="What an hour of transit costs per TEU, in CNY: the weight of time in the "
        "generalized cost. Default: the value the base year was calibrated with (its "
        "calibration table is in the result), so that the base reproduces the published "
        "volumes; quotes default to the catalogue's, about 95, the cost of a day in transit "
        "for average-value cargo.",
    )
    co2_price_cny_per_t: float = Field(
        default=0, ge=0, le=100_000, description="Carbon price; 0 reports CO2e without pricing."
    )
    start: date | None = Field(
        default=None, description="First day of the study year (default: today, UTC)."
    )
    days: StrictInt = Field(default=365, ge=7, le=366)
    capacity: bool = Field(
        default=True,
        description="Solve the capacitated assignment (and the all-or-nothing one beside it); "
        "false: all-or-nothing only.",
    )
    sensitivity: bool = Field(
        default=False,
        description="Also run every scenario at half and twice the value of time; each "
        "comparison then says which of its conclusions keep their sign (robust).",
    )
    published_capacity: bool = Field(
        default=True,
        description="Give the services the capacity they carried in the base year, from "
        "published train counts and throughputs (data/base_year.toml), instead of the "
        "timetable's representative departures alone.",
    )


class StudyOut(BaseModel):
    """A study: its job's status and progress, and the comparison once it has succeeded."""

    id: str
    name: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float
    message: str | None
    error: str | None
    scenarios: list[JSONObject]
    demand: JSONObject
    created_at: datetime
    finished_at: datetime | None
    result: JSONObject | None
    links: dict[str, str]
