from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.db.base import Base
from app.db.engine import downgrade, make_engine, upgrade


def test_upgrade_downgrade_round_trip(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) | {"alembic_version"} == tables
        columns = {c["name"] for c in inspect(engine).get_columns("network_versions")}
        assert columns == set(Base.metadata.tables["network_versions"].columns.keys())
        assert (
            inspect(engine).get_pk_constraint("network_versions")["name"] == "pk_network_versions"
        )
        downgrade(database_url, "base")
        assert inspect(engine).get_table_names() == ["alembic_version"]
        upgrade(database_url)
        assert set(inspect(engine).get_table_names()) == tables
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/wal.db"
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_models_and_migrations_agree(database_url: str) -> None:
    """Autogenerate would find nothing to add: the models are what the migrations build."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
