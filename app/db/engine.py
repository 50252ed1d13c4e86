"""Engine construction and migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "alembic"


#: Execution option of a transaction that will write: on SQLite it takes the write lock at BEGIN,
#: so that a read-then-write transaction waits for other writers instead of failing when its
#: snapshot went stale (PostgreSQL needs nothing: its row locks and constraints serialise).
WRITES = {"corridor_writes": True}


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files run in WAL mode with foreign keys on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            # the driver's own transaction handling is off; BEGIN is emitted below
            connection.isolation_level = None
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            writes = connection.get_execution_options().get("corridor_writes", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=30)


def alembic_config(url: str) -> Config:
    """Alembic configuration for ``url`` that works from any working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to ``revision``."""
    command.downgrade(alembic_config(url), revision)
