"""Long jobs as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.common import JSONObject


class JobOut(BaseModel):
    """A long piece of work: status, progress, and its result or error when it ends."""

    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(description="0 to 1.")
    message: str | None
    attempts: int
    result: JSONObject | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
