"""Declarative base with a constraint naming convention, set before the first migration."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every ORM table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utc(moment: datetime) -> datetime:
    """A stored instant as an aware UTC datetime (SQLite hands back naive ones, stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
