"""API keys, organisations, and who a key belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import Strict

RoleName = Literal["forwarder", "dispatcher", "planner", "admin", "network_operator"]
#: Roles an organisation's admin may issue: the network operator's is granted on the server.
IssuableRole = Literal["forwarder", "dispatcher", "planner", "admin"]


class KeyIn(Strict):
    """A new API key of the caller's organisation."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"role": "dispatcher", "label": "TMS integration"}]},
    )

    role: IssuableRole
    label: str | None = Field(
        default=None, max_length=200, description="A note to recognise the key by."
    )


class KeyOut(BaseModel):
    """An API key (never its secret)."""

    id: str
    role: RoleName
    label: str | None
    active: bool
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    """A new key with its token, shown only in this answer."""

    token: str = Field(description="Send as `Authorization: Bearer <token>`; not shown again.")


class OrganisationOut(BaseModel):
    """An organisation."""

    id: str
    name: str


class CallerOut(BaseModel):
    """Who the key belongs to and what it may do."""

    organisation: OrganisationOut
    key: KeyOut
    permissions: list[str]
