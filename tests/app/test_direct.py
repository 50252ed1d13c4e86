"""Statements on the pool's DBAPI connection (app.db.direct), on each database."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import exc, insert, select
from sqlalchemy.orm import Session

from app.db.direct import Direct
from app.db.engine import database_unavailable, make_engine, upgrade, writing
from app.db.models import Organisation, Quote

NOW = datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=UTC)
INSERT = Direct(insert(Quote))


def quote_values(quote_id: str, organisation_id: str) -> dict[str, object]:
    return {
        "id": quote_id,
        "organisation_id": organisation_id,
        "created_at": NOW,
        "expires_at": NOW + timedelta(days=7),
        "network_version": "v1",
        "status": "optimal",
        "request": {"origin": "CNQZH", "cargo": {"count": 2}},
        "result": {"codec": 1, "options": [{"price": 1.5, "labels": ["cheapest"]}]},
    }


def test_a_row_written_directly_reads_back_as_the_orm_wrote_it(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db, writing(db):
        db.add(Organisation(id="org", name="Org", created_at=NOW))
        db.flush()
        db.add(Quote(**quote_values("q_orm", "org")))
    INSERT.write(engine, quote_values("q_direct", "org"))
    with Session(engine) as db:
        rows = {row.id: row for row in db.scalars(select(Quote))}
        orm, direct = rows["q_orm"], rows["q_direct"]
        for column in Quote.__table__.columns:
            if column.key != "id":
                assert getattr(direct, column.key) == getattr(orm, column.key), column.key
        # and SQL compares the two alike: the instants were stored in the same form
        assert db.scalars(select(Quote.id).where(Quote.created_at == NOW)).all() in (
            ["q_direct", "q_orm"],
            ["q_orm", "q_direct"],
        )
    engine.dispose()


def test_a_refused_write_raises_sqlalchemys_error_and_leaves_the_pool_usable(
    database_url: str,
) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with pytest.raises(exc.IntegrityError):  # no such organisation
        INSERT.write(engine, quote_values("q_orphan", "nobody"))
    with Session(engine) as db, writing(db):
        db.add(Organisation(id="org", name="Org", created_at=NOW))
    INSERT.write(engine, quote_values("q_1", "org"))
    with pytest.raises(exc.IntegrityError):  # the same id again
        INSERT.write(engine, quote_values("q_1", "org"))
    with Session(engine) as db:
        assert db.scalars(select(Quote.id)).all() == ["q_1"]
    engine.dispose()


def test_a_database_that_refuses_the_connection_is_unavailable_not_an_error() -> None:
    """A refused connect comes out as SQLAlchemy's error, which the service answers with 503."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/none")
    for attempt in (lambda: INSERT.write(engine, quote_values("q", "org")),
                    lambda: Direct(select(Quote.id)).rows(engine, {})):  # fmt: skip
        with pytest.raises(exc.OperationalError) as raised:
            attempt()
        assert database_unavailable(raised.value)
    engine.dispose()
