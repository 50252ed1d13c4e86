from __future__ import annotations

from copy import deepcopy
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.db.base import Base
from app.db.engine import downgrade, make_engine, upgrade
from app.db.models import Booking, Organisation, Quote, RerouteProposal
from app.mapping import quote_data
from graph import CargoClass, Network
from solvers import codec
from solvers.cargo import Cargo
from solvers.quoting import quote
from solvers.types import Endpoint, QuoteRequest


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


def test_json_columns_read_back_what_was_written(database_url: str) -> None:
    """The engine's JSON text keeps names in Chinese, floats to the last digit and nesting."""
    document = {
        "name": "钦州港 Qinzhou",
        "floats": [0.1, 1 / 3, 1e-9, 12345678.901234567, 1e16],
        "nested": {"empty": [], "none": None, "flag": True, "count": 2**40},
    }
    upgrade(database_url)
    engine = make_engine(database_url)
    now = datetime(2026, 1, 5, 8, tzinfo=UTC)
    try:
        with Session(engine) as db, db.begin():
            db.add(Organisation(id="org_json", name="Json", created_at=now))
            db.flush()
            db.add(
                Quote(
                    id="q_json",
                    organisation_id="org_json",
                    created_at=now,
                    expires_at=now,
                    network_version="v",
                    status="optimal",
                    request=document,
                    result=document,
                )
            )
        with Session(engine) as db:
            row = db.get(Quote, "q_json")
            assert row is not None
            assert row.request == document
            assert row.result == document
    finally:
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


def test_stored_documents_written_before_the_codec_are_converted(
    database_url: str, tiny_network: Network
) -> None:
    """Quotes, bookings and proposals kept as API JSON read back as the same journeys."""
    ready = datetime(2026, 1, 5, 8, tzinfo=UTC)
    cargo = Cargo(CargoClass.DRY, "42G1", 2)
    asked = QuoteRequest(Endpoint.at("DP"), Endpoint.at("PC"), ready, cargo=cargo)
    result = quote(tiny_network, asked)
    record = codec.QuoteRecord(
        result.status, result.solver, result.network_version, 1.5, result.options, (), cargo.teu
    )
    # what the service stored before: the API's form of the quote and of the option booked
    legacy = quote_data(record, tiny_network) | {"teu": cargo.teu}
    for shown in legacy["options"]:  # leg emission factors came later
        for feature in shown["legs"]["features"]:
            del feature["properties"]["emission_factor"]
    option = legacy["options"][0]
    replans = [{"from_seq": 2, "at": ready.isoformat(), "proposal_id": "rp_1"}]
    upgrade(database_url, "0010")
    engine = make_engine(database_url)
    try:
        with Session(engine) as db, db.begin():
            db.add(Organisation(id="org", name="Org", created_at=ready))
            db.flush()
            db.add(
                Quote(
                    id="q",
                    organisation_id="org",
                    created_at=ready,
                    expires_at=ready,
                    network_version="v",
                    status="optimal",
                    request={},
                    result=legacy,
                )
            )
            db.flush()
            db.add(
                Booking(
                    id="b",
                    organisation_id="org",
                    quote_id="q",
                    option_id=option["id"],
                    waybill_number="CMT1",
                    status="confirmed",
                    teu=cargo.teu,
                    shipper={},
                    consignee={},
                    references={},
                    request_sha256="-",
                    created_at=ready,
                    option={**option, "network_version": "v", "replans": replans},
                )
            )
            db.flush()
            db.add(
                RerouteProposal(
                    id="rp",
                    booking_id="b",
                    status="open",
                    rank=1,
                    created_at=ready,
                    expires_at=ready,
                    network_version="v",
                    plan_sha256="-",
                    from_seq=2,
                    basis={},
                    option={**option, "remainder_price_cny": 10.0},
                )
            )
        upgrade(database_url)
        with Session(engine) as db:
            quote_row, booking, proposal = (
                db.get(Quote, "q"),
                db.get(Booking, "b"),
                db.get(RerouteProposal, "rp"),
            )
            assert quote_row is not None
            assert booking is not None
            assert proposal is not None
            converted = codec.decode_quote(quote_row.result)
            plan = codec.decode_plan(booking.option)
            proposed = codec.decode_proposal(proposal.option)
        # the same journey, shown the same way (emissions up to their rounding)
        shown = quote_data(converted, tiny_network)
        for before, after in zip(deepcopy(legacy["options"]), shown["options"], strict=True):
            assert after.pop("emissions") == pytest.approx(before.pop("emissions"), abs=0.02)
            for old, new in zip(before["legs"]["features"], after["legs"]["features"], strict=True):
                assert new["properties"].pop("emission_factor") is None  # not known then
                kg = new["properties"].pop("co2e_kg")
                assert kg == pytest.approx(old["properties"].pop("co2e_kg"), abs=0.011)
            assert after == before
        assert converted.teu == cargo.teu
        first = result.options[0].itinerary
        assert plan.option.itinerary.rides == first.rides
        assert [leg.ride for leg in plan.option.itinerary.legs] == [leg.ride for leg in first.legs]
        assert plan.replans == (codec.Replan(2, ready, "rp_1"),)
        assert plan.network_version == "v"
        assert proposed.remainder_price_cny == 10.0
        assert proposed.option.itinerary.price.total_cny == first.price.total_cny
        downgrade(database_url, "0010")
        with Session(engine) as db:
            back = db.get(Booking, "b")
            assert back is not None
            keys = ("leg", "departure", "arrival", "cutoff", "departure_key")
            assert [
                {k: f["properties"][k] for k in keys} for f in back.option["legs"]["features"]
            ] == [{k: f["properties"][k] for k in keys} for f in option["legs"]["features"]]
            assert back.option["replans"] == replans
    finally:
        engine.dispose()
