"""Engine construction and migrations."""

from __future__ import annotations

import fcntl
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy import exc as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "alembic"


#: Execution option of a transaction that will write: on SQLite it takes the write lock at BEGIN,
#: so that a read-then-write transaction waits for other writers instead of failing when its
#: snapshot went stale (PostgreSQL needs nothing: its row locks and constraints serialise).
_WRITES = {"corridor_writes": True}

#: One lock per SQLite engine: writers of this process queue on it in order, instead of polling
#: SQLite's busy handler, whose growing sleeps let an unlucky writer wait seconds under load.
_SQLITE_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def sqlite_writers(engine: Engine) -> threading.Lock | None:
    """The lock this process's writers to ``engine`` queue on (SQLite), or None."""
    return _SQLITE_WRITERS.get(engine)


@contextmanager
def writing(session: Session) -> Iterator[None]:
    """A write transaction on ``session`` (committed at the end, rolled back on error)."""
    lock = sqlite_writers(session.get_bind().engine)
    with lock or nullcontext(), session.begin():
        session.connection(execution_options=_WRITES)
        yield


def json_text(value: Any) -> str:
    """The text of a JSON column.

    pydantic-core's encoder: several times faster than the standard library's on a quote's
    document; non-finite floats are written as the standard library writes them.
    """
    return to_json(value, inf_nan_mode="constants").decode()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files run in WAL mode with foreign keys on."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=json_text,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            # the driver's own transaction handling is off; BEGIN is emitted below
            connection.isolation_level = None
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # in WAL mode NORMAL cannot corrupt the file; a power cut may lose the last commits
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            writes = connection.get_execution_options().get("corridor_writes", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

        _SQLITE_WRITERS[engine] = threading.Lock()
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=30, json_serializer=json_text
    )


def alembic_config(url: str) -> Config:
    """Alembic configuration for ``url`` that works from any working directory."""
    from alembic.config import Config  # Alembic loads only when the schema is migrated

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


#: The PostgreSQL advisory lock that serialises start-up writes ("corridor" in hex).
STARTUP_LOCK = 0x636F72726964


@contextmanager
def startup_lock(url: str) -> Iterator[None]:
    """Hold the database's start-up lock: replicas starting together take turns under it.

    PostgreSQL: a session advisory lock. A SQLite file: an exclusive ``flock`` on a file beside
    it (SQLite's own lock cannot cover DDL run by Alembic outside one transaction). An in-memory
    SQLite database belongs to one process and needs none.
    """
    if url.startswith("postgresql"):
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
                try:
                    yield
                finally:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK}
                    )
        finally:
            engine.dispose()
        return
    database = make_url(url).database
    if not url.startswith("sqlite") or not database or database == ":memory:":
        yield
        return
    with Path(f"{database}.startup-lock").open("a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``, under the start-up lock.

    Replicas that start together migrate one after the other, and the later ones find nothing
    left to do, instead of racing on the same DDL.
    """
    from alembic import command

    with startup_lock(url):
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to ``revision``."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


#: SQLite's own contention messages: another writer holds the file, which its busy timeout
#: already waited on; the database is there, so these are not "unavailable".
_SQLITE_CONTENTION = ("database is locked", "database table is locked", "database is busy")
#: Seconds a client should wait before trying again while the database is away.
DATABASE_RETRY_AFTER_S = 2


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached (refused, cut, restarting).

    A lost or refused connection (``OperationalError``/``InterfaceError``, or any DBAPI error that
    invalidated its connection) and a pool with no connection to give within its timeout are;
    errors of the statement itself (integrity, data) and SQLite lock contention are not.
    """
    if isinstance(error, sa.TimeoutError):
        return True
    if not isinstance(error, sa.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa.OperationalError | sa.InterfaceError):
        return False
    return not any(text in str(error.orig).lower() for text in _SQLITE_CONTENTION)
