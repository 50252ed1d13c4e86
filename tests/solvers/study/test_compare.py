"""Comparisons: what changed, by how much and why, and which conclusions hold."""

from __future__ import annotations

from typing import Any

import pytest

from solvers.study.compare import compare, robustness
from solvers.study.indicators import ScenarioOutcome


def outcome(
    served: float,
    cost: float,
    hours: float,
    co2e: float,
    gateways: dict[str, float],
    pairs: list[dict[str, Any]] = (),  # type: ignore[assignment]
    binding: tuple[str, ...] = (),
    loaded: tuple[str, ...] = (),
) -> ScenarioOutcome:
    return ScenarioOutcome(
        assignment="capacitated",
        totals={
            "served_teu": served,
            "mean_cost_cny_per_teu": cost,
            "mean_transit_hours": hours,
            "co2e_kg_per_teu": co2e,
        },
        modal_split={},
        ports=[],
        gateways=[{"location": k, "name": f"{k} (a port)", "teu": v} for k, v in gateways.items()],
        corridors=[],
        services=[],
        legs=[
            {"leg": leg, "service": leg.rsplit("-", 1)[0], "shadow_price_cny_per_teu": 3.0}
            for leg in binding
        ]
        + [  # at capacity with no cheaper route through it: no shadow price
            {
                "leg": leg,
                "service": leg.rsplit("-", 1)[0],
                "shadow_price_cny_per_teu": 0.0,
                "utilisation": 1.0,
            }
            for leg in loaded
        ],
        pairs=list(pairs),
    )


def pair(
    origin: str,
    route: str,
    corridor: str,
    cost: float,
    hours: float,
    unserved: float = 0.0,
    destination: str = "SG",
) -> dict[str, Any]:
    return {
        "origin": origin,
        "destination": destination,
        "cargo_class": "dry",
        "teu": 100.0,
        "served_teu": 100.0 - unserved,
        "unserved_teu": unserved,
        "main_route_share": 1.0,
        "services": route.upper().split("-"),
        "route": route,
        "gateway": corridor.split(" → ")[-2],
        "corridor": corridor,
        "cost_cny_per_teu": cost,
        "hours": hours,
    }


def test_a_comparison_says_what_moved_where_and_what_it_saves() -> None:
    river = "river → HK → sea"
    canal = "canal → QZ → sea"
    before = outcome(
        1000, 5000, 300, 600, {"HK": 500, "QZ": 100},
        [pair("A", "a-hk", river, 4000, 400), pair("B", "b-hk", river, 4200, 420),
         pair("C", "c", canal, 3000, 100)],
        binding=("SHUTTLE-1",),
    )  # fmt: skip
    after = outcome(
        1100, 4900, 300.1, 650, {"HK": 300, "QZ": 300},
        [pair("A", "a-qz", canal, 4300, 300), pair("B", "b-qz", canal, 4500, 320),
         pair("C", "c", canal, 3000, 100)],
        binding=("CANAL-1",),
    )  # fmt: skip
    compared = compare(before, after, value_of_time=5.0)
    assert compared["route_changes_teu"] == 200.0
    assert [c["origin"] for c in compared["route_changes"]] == ["A", "B"]
    assert compared["totals"]["served_teu"]["change"] == 100
    lines = compared["explanation"]
    assert lines[0] == "TEU served up 100.0 TEU (+10.0%), to 1,100.0."
    assert lines[1] == "Mean cost down 100.0 CNY per TEU (-2.0%), to 4,900.0."
    assert lines[2] == "Mean transit: no change (300 hours)."  # +0.03 %: below the threshold
    assert lines[3].startswith("CO2e up 50.0 kg per TEU (+8.3%)")
    assert lines[4] == "Gateways: HK -200 TEU (500 → 300); QZ +200 TEU (100 → 300)."
    assert lines[5] == (
        "200 TEU (2 pairs) move from river → HK → sea to canal → QZ → sea: per TEU 300 CNY more "
        "and 100 hours less on average (the hours are worth 500 CNY at 5 CNY per TEU-hour)."
    )
    assert lines[6] == "1 capacity starts binding: CANAL-1."
    assert lines[7] == "1 capacity stops binding: SHUTTLE-1."


def test_a_conclusion_is_robust_when_its_sign_holds_at_every_value_of_time() -> None:
    base = outcome(1000, 5000, 300, 600, {"HK": 500, "QZ": 100})
    calibrated = compare(base, outcome(1100, 4900, 290, 600, {"HK": 300, "QZ": 300}))
    half = compare(base, outcome(1050, 5100, 280, 600, {"HK": 500, "QZ": 100}))
    double = compare(base, outcome(1200, 4800, 270, 600.1, {"HK": 450, "QZ": 150}))
    rows = {r["indicator"]: r for r in robustness(calibrated, {0.5: half, 2.0: double})}
    served = rows["TEU served (TEU)"]
    assert served["changes"] == {"0.5": 50.0, "1": 100.0, "2": 200.0}
    assert served["robust"]
    assert not rows["mean cost (CNY per TEU)"]["robust"]  # up at half the value of time
    assert rows["mean transit (hours)"]["robust"]
    assert rows["CO2e (kg per TEU)"]["robust"]  # no change anywhere (0.02 % is none)
    assert not rows["gateway HK (TEU)"]["robust"]  # no shift at half
    assert list(rows) == [
        "TEU served (TEU)", "mean cost (CNY per TEU)", "mean transit (hours)",
        "CO2e (kg per TEU)", "gateway HK (TEU)", "gateway QZ (TEU)",
    ]  # fmt: skip


@pytest.mark.parametrize("full", ["binding", "loaded"])
def test_a_comparison_says_whose_demand_is_left_behind_on_a_full_service_and_who_took_it(
    full: str,
) -> None:
    """Opening a route can leave a pair behind: another pair now rides its full service.

    Full is a positive shadow price, or a load at capacity without one (served first).
    """
    river = "river → HK → sea"
    train = "rail → NN → rail"
    before = outcome(
        1000, 5000, 300, 600, {"HK": 500},
        [pair("NN", "train", train, 1000, 20, unserved=10, destination="HN"),
         pair("WZ", "barge-hk", river, 4000, 300, destination="HP")],
    )  # fmt: skip
    after = outcome(
        980, 4800, 290, 600, {"HK": 400},
        [pair("NN", "train", train, 1000, 20, unserved=30, destination="HN"),
         pair("WZ", "barge-train", train, 3500, 250, destination="HP")],
        binding=("TRAIN-1",) if full == "binding" else (),
        loaded=("TRAIN-1",) if full == "loaded" else (),
    )  # fmt: skip
    compared = compare(before, after, value_of_time=5.0)
    (change,) = compared["unserved_changes"]
    assert (change["origin"], change["destination"], change["change_teu"]) == ("NN", "HN", 20)
    assert change["full_services"] == ["TRAIN"]
    assert change["newly_routed"] == [
        {"origin": "WZ", "destination": "HP", "cargo_class": "dry", "teu": 100.0}
    ]
    assert (
        "Unserved up 20 TEU for NN → HN (dry; 10 → 30): TRAIN is full, now also carrying "
        "WZ → HP (100 TEU)."
    ) in compared["explanation"]
