"""Demand matrices."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class DemandMatrixOut(BaseModel):
    """A demand matrix: TEU per year by origin, destination and cargo class."""

    id: str
    name: str
    description: str | None
    pairs: int
    total_teu: float
    origins: int
    destinations: int
    created_at: datetime | None
