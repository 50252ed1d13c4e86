from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import Network, ScenarioError, Status, apply_scenario, parse_scenario
from graph.validate import check_services


def apply(network: Network, *ops: dict[str, Any]) -> Network:
    return apply_scenario(network, parse_scenario("test", list(ops)))


def messages(error: pytest.ExceptionInfo[ScenarioError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


def test_disable_then_enable_restores_the_network(tiny_network: Network) -> None:
    off = apply(tiny_network, {"op": "disable", "ids": ["SHIP", "RT"]})
    assert not off.get_leg("SHIP-1").enabled
    assert not off.get_location("RT").enabled
    assert not off.is_operating(off.get_leg("TRAIN-1"))  # RT is an endpoint
    assert off.version != tiny_network.version
    on = apply(off, {"op": "enable", "ids": ["SHIP", "RT"]})
    assert on == tiny_network


def test_enable_opens_planned_legs_with_dates(tiny_network: Network) -> None:
    opened = apply(tiny_network, {"op": "enable", "tags": ["canal_x"], "valid_from": "2026-12-01"})
    canal = opened.get_leg("CANAL-1")
    assert canal.status is Status.ACTIVE
    assert canal.valid_from is not None
    assert canal.valid_from.isoformat() == "2026-12-01"
    assert tiny_network.get_leg("CANAL-1").status is Status.PLANNED  # base untouched


def test_adjust_transit_shifts_later_legs(tiny_network: Network) -> None:
    slower = apply(tiny_network, {"op": "adjust_transit", "ids": ["TRAIN-1"], "hours": 40})
    assert slower.get_leg("TRAIN-1").transit_hours == 40
    assert slower.get_leg("TRAIN-2").timetable.to_data() == ["WED 18:00", "SAT 18:00"]
    assert check_services(slower.legs.values(), slower.locations) == []
    faster = apply(tiny_network, {"op": "adjust_transit", "ids": ["TRAIN"], "factor": 0.5})
    assert faster.get_leg("TRAIN-1").transit_hours == 15
    assert faster.get_leg("TRAIN-2").transit_hours == 2
    assert faster.get_leg("TRAIN-1").provenance["transit_hours"].estimate


def test_adjust_frequency_keeps_offsets(tiny_network: Network) -> None:
    daily = apply(
        tiny_network, {"op": "adjust_frequency", "service": "TRAIN", "departures": ["DAILY 20:00"]}
    )
    assert daily.get_leg("TRAIN-1").timetable.per_week == 7
    assert daily.get_leg("TRAIN-2").timetable.to_data() == [
        f"{d} 08:00" for d in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
    ]
    assert check_services(daily.legs.values(), daily.locations) == []


def test_adjust_capacity(tiny_network: Network) -> None:
    bigger = apply(
        tiny_network,
        {"op": "adjust_capacity", "tags": ["canal_x"], "capacity_teu": 250},
        {"op": "adjust_capacity", "ids": ["SHIP-1"], "factor": 1.5},
    )
    assert bigger.get_leg("CANAL-1").capacity_teu == 250
    assert bigger.get_leg("SHIP-1").capacity_teu == 150
    roads = apply(tiny_network, {"op": "adjust_capacity", "tags": ["drayage"], "factor": 2})
    assert roads.get_leg("ROAD-DP-RT-1").capacity_teu is None


def test_set_tariff(tiny_network: Network) -> None:
    cheaper = apply(tiny_network, {"op": "set_tariff", "code": "RAIL-BOX", "factor": 0.8})
    assert cheaper.tariffs.get("RAIL-BOX").amount == pytest.approx(400)
    assert (
        cheaper.tariffs.get("RAIL-BOX").provenance.derivation
        == "scenario set_tariff: 500 -> 400 CNY"
    )
    added = apply(
        tiny_network,
        {
            "op": "set_tariff",
            "code": "CANAL-DUES",
            "item": {
                "name": "Canal dues",
                "category": "dues",
                "unit": "teu",
                "amount": 50,
                "currency": "CNY",
                "estimate": True,
                "derivation": "planning assumption",
            },
        },
    )
    assert added.tariffs.get("CANAL-DUES").amount == 50
    assert "CANAL-DUES" not in tiny_network.tariffs


def test_add_service(tiny_network: Network) -> None:
    added = apply(
        tiny_network,
        {
            "op": "add_service",
            "features": [
                {
                    "id": "NEW-1",
                    "service": "NEW",
                    "seq": 1,
                    "mode": "rail",
                    "operator": "Planner",
                    "origin": "DP",
                    "destination": "PA",
                    "departures": ["TUE 10:00"],
                    "transit_hours": 40,
                    "capacity_teu": 80,
                    "cargo_classes": ["dry"],
                    "status": "active",
                    "emission_class": "rail",
                    "tariff": ["RAIL-BOX"],
                }
            ],
        },
    )
    leg = added.get_leg("NEW-1")
    assert leg.geometry[0] == (106.55, 29.58)
    assert leg.geometry[-1] == (108.6, 21.7)
    assert leg.provenance["transit_hours"].estimate
    assert leg.distance_km > 0
    assert "NEW-1" not in tiny_network.legs


@pytest.mark.parametrize(
    ("ops", "fragment"),
    [
        ([{"op": "disable", "ids": ["NOPE"]}], "op #1/ids: unknown id 'NOPE'"),
        (
            [{"op": "enable", "tags": ["no_such_tag"]}],
            "no leg or location carries tag 'no_such_tag'",
        ),
        (
            [{"op": "adjust_transit", "ids": ["PA"], "hours": 5}],
            "unknown id 'PA' (no leg or service",
        ),
        (
            [{"op": "adjust_frequency", "service": "NOPE", "departures": ["MON 10:00"]}],
            "unknown service 'NOPE'",
        ),
        (
            [{"op": "adjust_frequency", "service": "ROAD-DP-RT", "departures": ["MON 10:00"]}],
            "runs continuously",
        ),
        ([{"op": "set_tariff", "code": "NOPE", "amount": 3}], "unknown tariff code 'NOPE'"),
        (
            [
                {
                    "op": "set_tariff",
                    "code": "X",
                    "item": {
                        "name": "x",
                        "category": "freight",
                        "unit": "box",
                        "amount": 1,
                        "currency": "EUR",
                        "source": ["FIX"],
                    },
                }
            ],
            "no reference rate for EUR",
        ),
        (
            [
                {
                    "op": "close",
                    "target": "NOWHERE",
                    "start": "2026-01-01T00:00:00Z",
                    "end": "2026-01-02T00:00:00Z",
                }
            ],
            "unknown target 'NOWHERE'",
        ),
        (
            [
                {
                    "op": "close",
                    "target": "tag:nothing",
                    "start": "2026-01-01T00:00:00Z",
                    "end": "2026-01-02T00:00:00Z",
                }
            ],
            "no leg or location carries tag 'nothing'",
        ),
        (
            [{"op": "add_service", "features": [{"id": "SHIP-1", "service": "S2"}]}],
            "id 'SHIP-1' is already used",
        ),
        (
            [
                {
                    "op": "add_service",
                    "features": [
                        {
                            "id": "Z-1",
                            "service": "Z",
                            "seq": 1,
                            "mode": "road",
                            "operator": "x",
                            "origin": "PA",
                            "destination": "MARS",
                            "departures": "continuous",
                            "transit_hours": 3,
                            "cargo_classes": ["dry"],
                            "status": "active",
                            "emission_class": "road",
                        }
                    ],
                }
            ],
            "dangling endpoint: no location 'MARS'",
        ),
        ([{"op": "disable", "ids": ["SHIP"]}, {"op": "enable", "ids": ["NOPE"]}], "op #2/ids"),
    ],
)
def test_invalid_patches_name_the_operation(
    tiny_network: Network, ops: list[dict[str, Any]], fragment: str
) -> None:
    with pytest.raises(ScenarioError) as error:
        apply(tiny_network, *ops)
    assert any(fragment in message for message in messages(error)), messages(error)


@pytest.mark.parametrize(
    ("op", "fragment"),
    [
        ({"op": "teleport"}, "unknown operation 'teleport'"),
        ({"op": "disable"}, "select something"),
        ({"op": "adjust_transit", "ids": ["SHIP-1"], "hours": -5}, "hours: must be positive"),
        (
            {"op": "adjust_transit", "ids": ["SHIP-1"], "hours": 5, "factor": 2},
            "exactly one of hours or factor",
        ),
        ({"op": "adjust_capacity", "ids": ["SHIP-1"], "capacity_teu": 10.5}, "whole number"),
        ({"op": "adjust_capacity", "ids": ["SHIP-1"], "factor": 0}, "factor: must be positive"),
        ({"op": "set_tariff", "code": "THC", "amount": -1}, "amount: must be at least 0"),
        (
            {
                "op": "close",
                "target": "PA",
                "start": "2026-01-02T00:00:00Z",
                "end": "2026-01-01T00:00:00Z",
            },
            "end after it starts",
        ),
        (
            {
                "op": "close",
                "target": "PA",
                "start": "2026-01-01T00:00:00",
                "end": "2026-01-02T00:00:00Z",
            },
            "has no UTC offset",
        ),
        (
            {
                "op": "add_dwell",
                "target": "BX",
                "hours": 0,
                "start": "2026-01-01T00:00:00Z",
                "end": "2026-01-02T00:00:00Z",
            },
            "hours: must be positive",
        ),
        (
            {"op": "add_dwell", "target": "BX", "hours": 5, "start": "2026-01-01T00:00:00Z"},
            "end: missing",
        ),
        ({"op": "adjust_frequency", "service": "TRAIN", "departures": ["someday"]}, "someday"),
        ({"op": "disable", "ids": ["SHIP"], "colour": "red"}, "colour: unknown field"),
        ("disable", "expected an object"),
    ],
)
def test_malformed_operations_are_rejected_when_parsed(op: object, fragment: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_scenario("bad", [op])  # type: ignore[list-item]
    assert any(fragment in message for message in messages(error)), messages(error)


# ---------------------------------------------------------------------------- properties
ACTIVE_LEGS = [
    "TRAIN-1",
    "TRAIN-2",
    "SHIP-1",
    "SHIP-2",
    "BARGE-1",
    "ROAD-DP-RT-1",
    "ROAD-RT-DP-1",
    "ROAD-PA-BX-1",
    "ROAD-BX-VD-1",
]
SERVICES = ["TRAIN", "SHIP", "BARGE"]

op_strategy = st.one_of(
    st.builds(
        lambda ids: {"op": "disable", "ids": ids},
        st.lists(st.sampled_from(ACTIVE_LEGS), min_size=1, unique=True),
    ),
    st.builds(
        lambda ids: {"op": "enable", "ids": ids},
        st.lists(st.sampled_from(ACTIVE_LEGS), min_size=1, unique=True),
    ),
    st.builds(
        lambda ids, f: {"op": "adjust_transit", "ids": ids, "factor": f},
        st.lists(st.sampled_from(SERVICES), min_size=1, unique=True),
        st.floats(0.5, 2.0),
    ),
    st.builds(
        lambda ids, f: {"op": "adjust_capacity", "ids": ids, "factor": f},
        st.lists(st.sampled_from(SERVICES), min_size=1, unique=True),
        st.floats(0.5, 3.0),
    ),
    st.builds(
        lambda code, f: {"op": "set_tariff", "code": code, "factor": f},
        st.sampled_from(["RAIL-BOX", "SEA-AB", "THC", "TRUCK"]),
        st.floats(0.1, 3.0),
    ),
    st.builds(
        lambda target, day, hours: {
            "op": "close",
            "target": target,
            "start": f"2026-02-{day:02d}T00:00:00Z",
            "end": f"2026-02-{day:02d}T{hours:02d}:00:00Z",
        },
        st.sampled_from(["PA", "SHIP", "TRAIN-2", "tag:canal_x"]),
        st.integers(1, 27),
        st.integers(1, 23),
    ),
    st.builds(
        lambda target, day, hours: {
            "op": "add_dwell",
            "target": target,
            "hours": hours,
            "start": f"2026-02-{day:02d}T00:00:00Z",
            "end": f"2026-02-{day + 1:02d}T00:00:00Z",
        },
        st.sampled_from(["PA", "BX"]),
        st.integers(1, 27),
        st.integers(1, 48),
    ),
    st.builds(
        lambda service, times: {"op": "adjust_frequency", "service": service, "departures": times},
        st.sampled_from(SERVICES),
        st.lists(
            st.sampled_from(["MON 06:00", "TUE 12:00", "FRI 22:00", "DAILY 03:00"]),
            min_size=1,
            unique=True,
        ),
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(op_strategy, min_size=1, max_size=6))
def test_patches_never_mutate_the_base(tiny_network: Network, ops: list[dict[str, Any]]) -> None:
    before = copy.deepcopy(tiny_network.to_data())
    version = tiny_network.version
    apply_scenario(tiny_network, parse_scenario("random", ops))
    assert tiny_network.to_data() == before
    assert tiny_network.version == version


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(op=op_strategy.filter(lambda op: op["op"] not in ("enable", "adjust_frequency")))
def test_an_effective_patch_changes_the_version(tiny_network: Network, op: dict[str, Any]) -> None:
    patched = apply_scenario(tiny_network, parse_scenario("one", [op]))
    if patched.to_data() != tiny_network.to_data():
        assert patched.version != tiny_network.version
    else:  # a patch that changes nothing (capacity rounding back to itself) keeps the version
        assert patched.version == tiny_network.version
    if op["op"] in ("disable", "close", "add_dwell"):
        assert patched.version != tiny_network.version


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ids=st.lists(
        st.sampled_from(ACTIVE_LEGS + SERVICES + ["PA", "RT", "BX"]), min_size=1, unique=True
    )
)
def test_disable_then_enable_is_a_round_trip(tiny_network: Network, ids: list[str]) -> None:
    off = apply_scenario(tiny_network, parse_scenario("off", [{"op": "disable", "ids": ids}]))
    assert off != tiny_network
    on = apply_scenario(off, parse_scenario("on", [{"op": "enable", "ids": ids}]))
    assert on == tiny_network
    assert on.to_data() == tiny_network.to_data()


BX_QUEUE = {
    "op": "add_dwell",
    "target": "BX",
    "hours": 10,
    "start": "2027-01-04T00:00:00Z",
    "end": "2027-01-05T00:00:00Z",
}


def test_congestion_holds_boxes_but_not_past_its_end(tiny_network: Network) -> None:
    congested = apply(tiny_network, BX_QUEUE)
    hour = timedelta(hours=1)
    start = datetime(2027, 1, 4, tzinfo=UTC)
    assert congested.added_dwell_hours("BX", start - hour) == 0
    assert congested.added_dwell_hours("BX", start) == 10
    assert congested.added_dwell_hours("BX", start + 20 * hour) == 4  # the queue ends at 24:00
    assert congested.added_dwell_hours("BX", start + 24 * hour) == 0
    assert congested.added_dwell_hours("PA", start) == 0
    assert tiny_network.added_dwell_hours("BX", start) == 0
    # leaving time never goes backwards as the arrival moves on
    leaving = [
        start + k * hour / 4 + congested.added_dwell_hours("BX", start + k * hour / 4) * hour
        for k in range(-8, 110)
    ]
    assert leaving == sorted(leaving)
    with pytest.raises(ScenarioError, match="unknown location 'SHIP'"):
        apply(tiny_network, {**BX_QUEUE, "target": "SHIP"})
