"""The capacity ledger: the one writer of booked TEU, on each database."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import ledger
from app.db.engine import make_engine, upgrade, writing
from app.db.models import Booking, BookingDeparture, Organisation, Quote
from tests.conftest import ROOT

LEDGER_TABLES = {"DepartureCapacity", "BookingDeparture"}
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def writes_to_ledger_tables(path: Path) -> list[int]:
    """Lines of ``path`` that build an insert, update or delete of a ledger table, or a row."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if isinstance(node.func, ast.Name):
            name = node.func.id
        if name in LEDGER_TABLES:
            lines.append(node.lineno)  # a new row
        elif name in {"insert", "update", "delete"} and any(
            isinstance(arg, ast.Name) and arg.id in LEDGER_TABLES for arg in node.args
        ):
            lines.append(node.lineno)
    return lines


def test_only_the_ledger_writes_booked_capacity() -> None:
    writers = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "app").rglob("*.py"))
        if (lines := writes_to_ledger_tables(path))
    }
    assert set(writers) == {"app/db/ledger.py"}, writers


def reservation(key: str, capacity: float, teu: float) -> ledger.Reservation:
    return ledger.Reservation(key, key.split("@")[0], NOW, capacity, teu)


def booking(db: Session, booking_id: str) -> str:
    db.add(
        Booking(
            id=booking_id, organisation_id="org", quote_id="q", option_id="o",
            waybill_number=f"CMT{booking_id}", status="confirmed", teu=1.0, shipper={},
            consignee={}, references={}, option={}, request_sha256="-", created_at=NOW,
        )
    )  # fmt: skip
    db.flush()
    return booking_id


def quote_of_org(db: Session) -> None:
    """The organisation "org" and its quote "q", which the bookings below come from."""
    db.add(Organisation(id="org", name="Org", created_at=NOW))
    db.flush()
    db.add(
        Quote(
            id="q", organisation_id="org", created_at=NOW, expires_at=NOW,
            network_version="v", status="optimal", request={}, result={},
        )
    )  # fmt: skip
    db.flush()


def test_hold_release_and_forget(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)

    def booked() -> dict[str, float]:
        with Session(engine) as db:
            return ledger.booked(db, ["TRAIN@1", "SHIP@2", "NONE@3"])

    with Session(engine) as db, writing(db):
        quote_of_org(db)
        first, second = booking(db, "b1"), booking(db, "b2")
    with Session(engine) as db, writing(db):
        ledger.hold(db, first, [reservation("TRAIN@1", 10, 6), reservation("SHIP@2", 50, 6)])
    with pytest.raises(ledger.CapacityExhausted) as full, Session(engine) as db, writing(db):
        ledger.hold(db, second, [reservation("SHIP@2", 50, 6), reservation("TRAIN@1", 10, 6)])
    assert (full.value.departure_key, full.value.free_teu) == ("TRAIN@1", 4.0)
    # the refused hold took nothing, not even on the departure that had room
    assert booked() == {"TRAIN@1": 6, "SHIP@2": 6}
    with Session(engine) as db, writing(db):
        ledger.forget(db, first, ["TRAIN@1"])
        ledger.hold(db, second, [reservation("TRAIN@1", 10, 6)])
    assert booked() == {"TRAIN@1": 6, "SHIP@2": 6}
    with Session(engine) as db:
        assert [r.departure_key for r in ledger.held_by(db, [first])[first]] == ["SHIP@2"]
    with Session(engine) as db, writing(db):
        ledger.release(db, first)
        ledger.release(db, second)
    assert booked() == {"TRAIN@1": 0, "SHIP@2": 0}
    with Session(engine) as db:
        # a cancelled booking's record of what it held stays
        assert {r.booking_id for r in db.scalars(select(BookingDeparture))} == {first, second}
        assert ledger.free(db, NOW, NOW.replace(day=2)) == {"TRAIN@1": 10, "SHIP@2": 50}
    engine.dispose()


def test_free_read_on_its_own_is_the_free_read(database_url: str) -> None:
    # what a quote reads outside any transaction, on the pool's connection (app.db.direct)
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db, writing(db):
        quote_of_org(db)
        first = booking(db, "b1")
    with Session(engine) as db, writing(db):
        ledger.hold(db, first, [reservation("TRAIN@1", 10, 6), reservation("SHIP@2", 50, 2.5)])
    later = NOW.replace(day=3)
    with Session(engine) as db, writing(db):
        ledger.hold(db, first, [ledger.Reservation("SHIP@3", "SHIP", later, 50, 1)])
    for start, end in ((NOW, NOW.replace(day=2)), (NOW.replace(day=2), later), (NOW, later)):
        with Session(engine) as db:
            expected = ledger.free(db, start, end)
        assert ledger.free_now(engine, start, end) == expected
    assert ledger.free_now(engine, NOW, NOW.replace(day=4)) == {
        "TRAIN@1": 4, "SHIP@2": 47.5, "SHIP@3": 49,
    }  # fmt: skip
    engine.dispose()


#: The stored documents: Quote.result, Booking.option and RerouteProposal.option.
DOCUMENTS = {"Quote": "result", "Booking": "option", "RerouteProposal": "option"}


def document_access_outside_the_codec(path: Path) -> list[str]:
    """Where ``path`` builds a stored document other than by the codec, or looks inside one."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            field = DOCUMENTS.get(node.func.id)
            for keyword in node.keywords if field else ():
                value = keyword.value
                encoded = (
                    isinstance(value, ast.Call)
                    and isinstance(value.func, ast.Attribute)
                    and isinstance(value.func.value, ast.Name)
                    and value.func.value.id == "codec"
                    and value.func.attr.startswith("encode_")
                )
                if keyword.arg == field and not encoded:
                    found.append(f"{node.lineno}: {node.func.id}({field}=...) not encoded")
        # row.result["options"], booking.option.get(...): reading the document's shape by hand
        target = node.value if isinstance(node, ast.Subscript) else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value if node.func.attr in {"get", "items", "keys"} else None
        if isinstance(target, ast.Attribute) and target.attr in {"result", "option"}:
            found.append(f"{target.lineno}: .{target.attr} read by hand")
    return found


def test_only_the_codec_writes_and_reads_the_stored_documents() -> None:
    # the jobs' own results (Job.result, JobPart.result) are not itinerary documents
    outside = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "app").rglob("*.py"))
        if path.name not in {"jobs.py", "studies.py"}
        and (lines := document_access_outside_the_codec(path))
    }
    assert outside == {}, outside
