"""Planning scenarios: stored ones with their versions, and inline operations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.schemas.common import JSONObject, Strict


class ScenarioIn(Strict):
    """Patch operations applied to the network for this quote only (see data/README.md)."""

    name: str = Field(default="ad hoc", max_length=200)
    ops: list[JSONObject] = Field(max_length=200)


class ScenarioCreate(Strict):
    """A named scenario: patch operations over the base network (see data/README.md)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Pinglu Canal open",
                    "description": "The canal and its barge services from 2026-12-01",
                    "ops": [{"op": "enable", "tags": ["pinglu_canal"]}],
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    description: str | None = Field(default=None, max_length=2000, pattern=r"^[^\x00]*$")
    ops: list[JSONObject] = Field(max_length=200)


class ScenarioPatch(Strict):
    """Changes to a scenario; new operations make a new version."""

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    description: str | None = Field(default=None, max_length=2000, pattern=r"^[^\x00]*$")
    ops: list[JSONObject] | None = Field(default=None, max_length=200)

    @field_validator("name")
    @classmethod
    def _keeps_a_name(cls, name: str | None) -> str:
        # run only for a name given: null would leave the scenario nameless
        if name is None:
            msg = "a scenario keeps a name: give one, or leave the field out"
            raise ValueError(msg)
        return name


class ScenarioVersionOut(BaseModel):
    """One version of a scenario."""

    version: int
    created_at: datetime
    base_network_version: str
    network_version: str = Field(description="The version of the network the ops make.")


class ScenarioOut(BaseModel):
    """A stored scenario at its current version, with its history."""

    id: str
    name: str
    description: str | None
    version: int
    ops: list[JSONObject]
    network_version: str
    created_at: datetime
    updated_at: datetime
    versions: list[ScenarioVersionOut]
