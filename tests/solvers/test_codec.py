"""Stored documents: what the codec writes reads back as the same domain objects."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic_core import to_json

from graph import CargoClass, Network
from solvers import codec
from solvers.cargo import Cargo
from solvers.quoting import QuoteResult, quote
from solvers.quoting.explain import Reason
from solvers.reroute import spliced, travelled_lines
from solvers.types import Endpoint, QuoteRequest, SolveStatus

READY = datetime(2026, 1, 5, 8, tzinfo=UTC)  # a Monday
BOX = Cargo(CargoClass.DRY, "42G1", 2)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def solve(network: Network, origin: str, destination: str, **changes: Any) -> QuoteResult:
    asked = QuoteRequest(
        origin=Endpoint.at(origin), destination=Endpoint.at(destination), ready=READY, cargo=BOX
    )
    return quote(network, dataclasses.replace(asked, **changes))


def stored(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` as a JSON column gives it back."""
    loaded: dict[str, Any] = json.loads(json.dumps(doc))
    return loaded


def record_of(result: QuoteResult) -> codec.QuoteRecord:
    return codec.QuoteRecord(
        status=result.status,
        solver=result.solver,
        network_version=result.network_version,
        elapsed_ms=round(result.elapsed_s * 1000, 1),
        options=result.options,
        reasons=result.reasons,
        teu=BOX.teu,
        ready=READY.astimezone(SHANGHAI),
        notices=("ready 2026-01-01T00:00:00+08:00 is in the past",),
    )


def test_a_quote_reads_back_as_it_was_written(tiny_network: Network) -> None:
    result = solve(tiny_network, "DP", "PC")
    assert len(result.options) >= 2  # train + ship and the truck variants
    record = record_of(result)
    back = codec.decode_quote(stored(codec.encode_quote(record)))
    assert back == record
    assert back.ready is not None
    assert back.ready.utcoffset() == timedelta(hours=8)
    first = result.options[0]
    assert back.option(first.id) == first
    assert back.option("nope") is None


def test_reasons_read_back_with_every_figure() -> None:
    values: dict[str, Any] = {
        "earliest_arrival": READY,
        "cheapest_cny": 1234.5,
        "least_co2e_kg": 99.25,
        "fewest_transfers": 2,
        "most_boxes": 7,
    }
    fields = {f.name for f in dataclasses.fields(Reason)} - {"code", "message"}
    assert fields == set(values)  # a new figure must be stored too
    reason = Reason("deadline-too-early", "the deadline is before any arrival", **values)
    record = codec.QuoteRecord(
        SolveStatus.INFEASIBLE,
        "search",
        "v1",
        1.0,
        (),
        (reason,),
        2.0,
    )
    assert codec.decode_quote(stored(codec.encode_quote(record))) == record


def test_other_departures_read_back_and_are_found_by_id(tiny_network: Network) -> None:
    first, second, *_ = solve(tiny_network, "DP", "PC").options
    grouped = dataclasses.replace(first, departures=(second,))
    record = dataclasses.replace(record_of(solve(tiny_network, "DP", "PC")), options=(grouped,))
    back = codec.decode_quote(stored(codec.encode_quote(record)))
    assert back == record
    assert back.option(second.id) == second


def test_a_document_is_written_as_the_same_text_as_its_stored_form(tiny_network: Network) -> None:
    # the codec leaves the record's tuples as they are: written as the arrays a document read
    # back from its column holds, by the service's encoder (pydantic-core) as by json
    first, second, *_ = solve(tiny_network, "DP", "PC").options
    grouped = dataclasses.replace(first, departures=(second,))
    record = dataclasses.replace(record_of(solve(tiny_network, "DP", "PC")), options=(grouped,))
    doc = codec.encode_quote(record)
    assert to_json(doc) == to_json(stored(doc))
    assert json.dumps(doc) == json.dumps(stored(doc))


def test_a_plan_and_a_proposal_read_back(tiny_network: Network) -> None:
    option = solve(tiny_network, "DP", "PC").options[0]
    replan = codec.Replan(3, READY + timedelta(days=2), "rp_1")
    plan = codec.Plan(option, "v1", (replan,))
    assert codec.decode_plan(stored(codec.encode_plan(plan))) == plan
    proposal = codec.Proposal(option, 1234.56)
    assert codec.decode_proposal(stored(codec.encode_proposal(proposal))) == proposal


@pytest.mark.parametrize("doc", [{}, {"codec": 0, "options": []}, {"status": "optimal"}])
def test_a_document_of_another_version_is_refused_with_the_remedy(doc: dict[str, Any]) -> None:
    with pytest.raises(codec.DocumentError, match="run the database migrations"):
        codec.decode_quote(doc)


def test_a_spliced_journey_keeps_the_travelled_legs_and_adds_up(tiny_network: Network) -> None:
    booked = next(
        o.itinerary
        for o in solve(tiny_network, "DP", "PC").options
        if [leg.leg_id for leg in o.itinerary.legs][:2] == ["TRAIN-1", "TRAIN-2"]
    )
    from_seq = 3  # re-routed at PA, after the train
    remainder = solve(tiny_network, "PA", "PC", ready=booked.legs[1].arrival).options[0].itinerary
    travelled = travelled_lines(tiny_network, BOX, booked, from_seq)
    whole = spliced(booked, from_seq, remainder, travelled)

    assert whole.legs[:2] == booked.legs[:2]
    assert [leg.leg_id for leg in whole.legs[2:]] == [leg.leg_id for leg in remainder.legs]
    assert [leg.ride for leg in whole.legs] == sorted(leg.ride for leg in whole.legs)
    assert whole.rides == 1 + remainder.rides
    assert whole.transfers == whole.rides - 1
    assert whole.departure == booked.departure
    assert whole.arrival == remainder.arrival
    assert whole.price.lines == (*travelled, *remainder.price.lines)
    assert whole.price.total_cny == pytest.approx(
        sum(line.amount_cny for line in whole.price.lines)
    )
    legs_kg = sum(leg.wtt_kg + leg.ttw_kg for leg in whole.legs)
    assert whole.emissions.wtt_kg + whole.emissions.ttw_kg == pytest.approx(legs_kg)
    km = sum(leg.distance_km for leg in whole.legs)
    assert whole.emissions.teu_km == pytest.approx(BOX.teu * km)
    # re-routed before anything was travelled, the journey is the remainder
    assert spliced(booked, 1, remainder, ()).legs == remainder.legs
