"""Planning studies: both assignments, and the canal study."""

from __future__ import annotations

from datetime import date

import pytest

from graph import DEFAULT_DEMAND_PATH, Network, load_demand
from graph.base_year import base_year_beside, load_base_year
from graph.scenario import apply_scenario, parse_scenario
from solvers.study.assign import all_or_nothing, run_scenario
from solvers.study.compare import compare, route_changes
from solvers.study.flow import min_cost_flow
from solvers.study.network import StudyParameters, build_study_network, water_distance_to_sea
from tests.conftest import DATA
from tests.solvers.study.test_network import YEAR

CANAL = parse_scenario("canal open", [{"op": "enable", "tags": ["pinglu_canal"]}])


def test_capacity_binds_unserved_and_shadow_prices_match_re_solving(
    tiny_network: Network,
) -> None:
    study = build_study_network(tiny_network, YEAR, ["dry", "reefer"])
    train = study.capacities["TRAIN-1"]
    demand = {
        ("DP", "PA", "dry"): train * 0.8,
        ("DP", "PA", "reefer"): train * 0.5,
        ("RT", "PB", "dry"): 500.0,
    }
    outcome = run_scenario(study, demand)
    capacitated, free = outcome["capacitated"], outcome["all_or_nothing"]
    for row in capacitated.legs:
        if row["capacity_teu"] is not None:
            assert row["teu"] <= row["capacity_teu"] + 1e-6
    # every box to PA or beyond rides TRAIN-2: it fills, and what does not fit is unserved
    train_2 = next(r for r in capacitated.legs if r["leg"] == "TRAIN-2")
    assert train_2["utilisation"] == pytest.approx(1.0)
    assert train_2["shadow_price_cny_per_teu"] > 0
    over = train * 1.3 + 500 - study.capacities["TRAIN-2"]
    assert capacitated.totals["unserved_teu"] == pytest.approx(over, abs=1e-3)
    free_train = next(r for r in free.legs if r["leg"] == "TRAIN-1")
    assert free_train["teu"] == pytest.approx(train * 1.3)  # all-or-nothing overloads it
    # every reported shadow price against re-solving with one more TEU of that capacity
    arcs = study.arcs
    penalty = 1e6
    base = min_cost_flow(arcs, study.capacities, demand, penalty)
    for leg_id, price in base.shadow_prices.items():
        more = min_cost_flow(
            arcs, {**study.capacities, leg_id: study.capacities[leg_id] + 1}, demand, penalty
        )
        assert base.cost - more.cost == pytest.approx(price, abs=1e-4), leg_id


def test_all_or_nothing_equals_the_uncapacitated_lp(real_network: Network) -> None:
    study = build_study_network(real_network, YEAR, ["dry", "reefer"])
    demand = {
        ("CNCQI-TJC", "SGSIN", "dry"): 1000.0,
        ("CNCQI-TJC", "SGSIN", "reefer"): 100.0,
        ("CNNIG", "THLCH", "dry"): 400.0,
        ("CNGUG", "VNHPH", "dry"): 200.0,
    }
    demand = {
        k: v
        for k, v in demand.items()
        if k[0] in real_network.locations and k[1] in real_network.locations
    }
    assert len(demand) >= 3
    free = all_or_nothing(study.arcs, demand)
    lp = min_cost_flow(study.arcs, study.capacities, demand, 1e7, capacitated=False)
    assert not free.unserved
    assert free.cost == pytest.approx(lp.cost, rel=1e-9)


def test_the_canal_carries_xijiang_boxes_to_qinzhou(real_network: Network) -> None:
    canal = apply_scenario(real_network, CANAL)
    base_water = water_distance_to_sea(real_network, "CNNIG")
    canal_water = water_distance_to_sea(canal, "CNNIG")
    assert base_water is not None
    assert canal_water is not None
    assert base_water["to"] != "CNQZH"
    assert canal_water["to"] == "CNQZH"
    assert canal_water["km"] < base_water["km"] - 500  # "saves more than 560 km" (S01)
    demand = {("CNNIG", "SGSIN", "dry"): 5000.0, ("CNGUG", "SGSIN", "dry"): 5000.0}
    before = run_scenario(build_study_network(real_network, YEAR, ["dry"]), demand)
    after = run_scenario(build_study_network(canal, YEAR, ["dry"]), demand)
    canal_teu = sum(r["teu"] for r in after["capacitated"].legs if "pinglu_canal" in r["tags"])
    assert canal_teu > 0
    assert not any(r["teu"] for r in before["capacitated"].legs if "pinglu_canal" in r["tags"])
    changes = route_changes(before["capacitated"], after["capacitated"])
    assert any(c["gateway_after"] == "CNQZH" for c in changes)


def test_opening_the_canal_serves_no_less_of_the_bundled_demand(real_network: Network) -> None:
    """The canal only adds capacity, so the base-year study with it open serves at least the
    TEU the base serves. (Left to the penalties, Nanning -> Yen Vien gave 3,198 TEU way on the
    full China-Vietnam train to Wuzhou -> Haiphong, sent via Nanning by the canal's barge room.)"""
    base_year = load_base_year(base_year_beside(DATA / "network.geojson"), real_network)
    demand = load_demand(DEFAULT_DEMAND_PATH, real_network).by_key()
    assert base_year.calibration is not None
    parameters = StudyParameters(
        start=date(2027, 1, 4), value_of_time=base_year.calibration.value_of_time
    )
    groups = {group for _, _, group in demand}
    base, opened = (
        run_scenario(build_study_network(network, parameters, groups, base_year.capacities), demand)
        for network in (real_network, apply_scenario(real_network, CANAL))
    )
    compared = compare(base["capacitated"], opened["capacitated"])
    served = compared["totals"]["served_teu"]
    assert served["scenario"] >= served["reference"] - 1e-3
    assert not [c for c in compared["unserved_changes"] if c["change_teu"] > 0]
    assert not any(line.startswith("Unserved up") for line in compared["explanation"])
