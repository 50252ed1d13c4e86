"""ORM tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class NetworkVersion(Base):
    """A network version the service has loaded: what every quote and study will refer to."""

    __tablename__ = "network_versions"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    path: Mapped[str] = mapped_column(String(1024))
    locations: Mapped[int] = mapped_column(Integer)
    service_legs: Mapped[int] = mapped_column(Integer)
    first_loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
