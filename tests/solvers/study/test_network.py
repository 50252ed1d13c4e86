"""Planning studies: the static network of rides for the study year."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from graph import CargoClass, Mode, Network, Provenance
from graph.base_year import PublishedCapacity
from graph.scenario import apply_scenario, parse_scenario
from solvers.cargo import Cargo
from solvers.errors import InvalidRequest
from solvers.pricing import Pricer
from solvers.quoting import quote
from solvers.study.assign import run_scenario
from solvers.study.network import StudyParameters, build_study_network
from solvers.types import Endpoint, QuoteRequest
from tests.solvers.quoting.test_passages import add_feeder

YEAR = StudyParameters(start=date(2027, 1, 4), value_of_time=5.0)


def test_a_rides_price_is_the_quotes_price_for_the_same_legs(tiny_network: Network) -> None:
    """DP to PA is domestic (no customs): the train's through quote and the study ride charge
    the same catalogue lines."""
    study = build_study_network(tiny_network, YEAR, ["dry"])
    ride = study.rides["TRAIN-1..TRAIN-2|dry"]
    asked = QuoteRequest(
        origin=Endpoint.at("DP"),
        destination=Endpoint.at("PA"),
        ready=datetime(2027, 1, 4, 8, tzinfo=ZoneInfo("Asia/Shanghai")),
        cargo=Cargo(CargoClass.DRY, "22G1"),
    )
    by_train = [
        itinerary
        for itinerary in quote(tiny_network, asked).pareto
        if [leg.service for leg in itinerary.legs] == ["TRAIN", "TRAIN"]
    ]
    assert by_train
    assert ride.money == pytest.approx(by_train[0].price.total_cny)
    assert ride.legs == ("TRAIN-1", "TRAIN-2")
    assert ride.arc.resources == ("TRAIN-1", "TRAIN-2")


def test_a_sea_passage_is_one_ride_with_one_freight_and_the_ports_lifts(
    tiny_network: Network,
) -> None:
    network = add_feeder(tiny_network)
    study = build_study_network(network, YEAR, ["dry"])
    passage = study.rides["FEEDER-1..SHIP-2|dry"]
    feeder, ship = study.rides["FEEDER-1..FEEDER-1|dry"], study.rides["SHIP-2..SHIP-2|dry"]
    assert (passage.board, passage.via, passage.alight) == ("PA", "PB", "PC")
    assert passage.services == ("FEEDER", "SHIP")
    assert passage.arc.resources == feeder.arc.resources + ship.arc.resources
    # the through rate once, terminal handling at PA and PC only: what a quote bills
    pricer = Pricer(network.tariffs, Cargo(CargoClass.DRY, "22G1"), 10.0)
    legs = (network.get_leg("FEEDER-1"), network.get_leg("SHIP-2"))
    lines = [
        *pricer.handling(network.get_location("PA"), Mode.SEA),
        *pricer.ride(legs, "PA", "PC"),
        *pricer.handling(network.get_location("PC"), Mode.SEA),
    ]
    assert [line.code for line in lines if line.category == "freight"] == ["SEA-AB"]
    assert passage.money == pytest.approx(sum(line.amount_cny for line in lines))
    assert passage.hours == pytest.approx(feeder.hours + ship.hours)
    # flows take it (the through ship is not sailing), and its lifts count at Port Bravo
    no_through = apply_scenario(
        network, parse_scenario("x", [{"op": "disable", "ids": ["SHIP-1"]}])
    )
    study = build_study_network(no_through, YEAR, ["dry"])
    (outcome,) = run_scenario(study, {("PA", "PC", "dry"): 100.0}, capacitated=False).values()
    (pair,) = outcome.pairs
    assert pair["route"] == "PA -[FEEDER]-> PB -[SHIP]-> PC"
    assert pair["services"] == ["FEEDER", "SHIP"]
    bravo = next(port for port in outcome.ports if port["location"] == "PB")
    assert (bravo["loaded_teu"], bravo["discharged_teu"]) == (100.0, 100.0)


def test_capacity_is_teu_per_departure_times_departures_in_the_year(
    tiny_network: Network,
) -> None:
    study = build_study_network(tiny_network, YEAR, ["dry"])
    assert study.departures["TRAIN-1"] in (104, 105)  # twice a week for 365 days
    assert study.capacities["TRAIN-1"] == 100 * study.departures["TRAIN-1"]
    assert "ROAD-DP-RT-1" not in study.capacities  # road: continuous and unlimited
    assert not any("CANAL" in key or "OLD" in key for key in study.rides)  # not operating
    opened = build_study_network(
        apply_scenario(tiny_network, parse_scenario("c", [{"op": "enable", "ids": ["CANAL"]}])),
        YEAR,
        ["dry"],
    )
    assert "CANAL-1..CANAL-1|dry" in opened.rides


def _published(**figure: float) -> PublishedCapacity:
    provenance = Provenance(sources=("FIX",))
    return PublishedCapacity("group", "group", ("TRAIN", "SHIP"), provenance, **figure)


def test_a_published_departure_count_scales_capacity_and_frequency(
    tiny_network: Network,
) -> None:
    """Five times the timetable's departures: five times each leg's capacity, a fifth of the
    mean wait, the same time aboard; the study says which entry the capacity comes from."""
    plain = build_study_network(tiny_network, YEAR, ["dry"])
    runs = plain.departures["TRAIN-1"] + plain.departures["SHIP-1"]
    scaled = build_study_network(
        tiny_network, YEAR, ["dry"], [_published(departures_per_year=5 * runs)]
    )
    for leg_id in ("TRAIN-1", "TRAIN-2", "SHIP-1", "SHIP-2"):
        assert scaled.capacities[leg_id] == pytest.approx(5 * plain.capacities[leg_id])
    assert scaled.frequency == {"TRAIN": pytest.approx(5), "SHIP": pytest.approx(5)}
    assert scaled.published == {"TRAIN": "group", "SHIP": "group"}
    headway = 0.5 * 365 * 24 / plain.departures["SHIP-1"]
    before, after = plain.rides["SHIP-1..SHIP-1|dry"], scaled.rides["SHIP-1..SHIP-1|dry"]
    assert before.hours - after.hours == pytest.approx(headway - headway / 5, abs=0.01)
    (outcome,) = run_scenario(scaled, {("PA", "PB", "dry"): 1.0}, capacitated=False).values()
    assert {r["published_capacity"] for r in outcome.legs if r["service"] == "SHIP"} == {"group"}


def test_a_published_teu_figure_is_shared_by_timetable_capacity_and_never_lowers_it(
    tiny_network: Network,
) -> None:
    plain = build_study_network(tiny_network, YEAR, ["dry"])
    offered = plain.capacities["TRAIN-1"] + plain.capacities["SHIP-1"]
    scaled = build_study_network(
        tiny_network, YEAR, ["dry"], [_published(teu_per_year=3 * offered)]
    )
    assert scaled.capacities["TRAIN-1"] == pytest.approx(3 * plain.capacities["TRAIN-1"])
    assert scaled.capacities["SHIP-2"] == pytest.approx(3 * plain.capacities["SHIP-2"])
    # a group whose timetable offers more than its published figure keeps the timetable
    kept = build_study_network(tiny_network, YEAR, ["dry"], [_published(teu_per_year=offered / 2)])
    assert kept.capacities == plain.capacities
    assert kept.frequency == {}
    assert kept.published == {}
    # a group's services that do not run in the study year are left out of the share
    without_ship = apply_scenario(
        tiny_network, parse_scenario("x", [{"op": "disable", "ids": ["SHIP"]}])
    )
    alone = build_study_network(without_ship, YEAR, ["dry"], [_published(teu_per_year=offered)])
    assert alone.capacities["TRAIN-1"] == pytest.approx(offered)


def test_a_revalued_study_recosts_every_ride_and_keeps_the_rest(tiny_network: Network) -> None:
    study = build_study_network(tiny_network, YEAR, ["dry"])
    dearer = study.revalued(50.0)
    assert dearer.parameters.value_of_time == 50.0
    assert dearer.capacities == study.capacities
    for key, ride in study.rides.items():
        again = dearer.rides[key]
        assert again.arc.cost == pytest.approx(ride.money + 50.0 * ride.hours, abs=1e-3)
        assert (again.money, again.hours, again.legs) == (ride.money, ride.hours, ride.legs)
    rebuilt = build_study_network(tiny_network, replace(YEAR, value_of_time=50.0), ["dry"])
    assert {k: r.arc for k, r in rebuilt.rides.items()} == {
        k: r.arc for k, r in dearer.rides.items()
    }


def test_a_ride_waits_half_the_headway_and_rides_the_timetable(tiny_network: Network) -> None:
    study = build_study_network(tiny_network, YEAR, ["dry"])
    ship = study.rides["SHIP-1..SHIP-1|dry"]
    # weekly: 84 h mean wait, the 18 h sea handling before the cut-off, the cut-off, 144 h at sea
    leg = tiny_network.legs["SHIP-1"]
    assert ship.hours == pytest.approx(
        0.5 * 365 * 24 / study.departures["SHIP-1"] + 18 + leg.cutoff_hours + 144, abs=0.01
    )
    through = study.rides["SHIP-1..SHIP-2|dry"]
    # staying aboard at PB: the second leg leaves the Saturday after arriving (PB local time)
    assert through.hours > ship.hours + 600


def test_a_period_shorter_than_a_voyage_leaves_out_the_rides_it_cannot_finish(
    tiny_network: Network,
) -> None:
    """A week from Monday: the ship leaves PA on Saturday and reaches PB after the week ends,
    when no later PB departure is in the period; staying aboard to PC is no ride at all (it
    had an infinite cost, and the flow LP ended abnormally)."""
    week = StudyParameters(start=date(2027, 1, 4), value_of_time=5.0, days=7)
    study = build_study_network(tiny_network, week, ["dry"])
    assert "SHIP-1..SHIP-1|dry" in study.rides
    assert "SHIP-1..SHIP-2|dry" not in study.rides
    assert all(ride.arc.cost < float("inf") for ride in study.rides.values())
    # the static model changes ships at PB (two rides, each with its mean wait): the LP solves
    outcome = run_scenario(study, {("PA", "PB", "dry"): 10.0, ("PA", "PC", "dry"): 5.0})
    capacitated = outcome["capacitated"]
    assert capacitated.totals["served_teu"] == pytest.approx(15.0)
    (to_pc,) = [p for p in capacitated.pairs if p["destination"] == "PC"]
    assert to_pc["services"] == ["SHIP", "SHIP"]


def test_parameters_are_checked() -> None:
    with pytest.raises(InvalidRequest) as caught:
        StudyParameters(start=date(2027, 1, 1), value_of_time=-1, co2_price=-2, days=3)
    assert {field for field, _ in caught.value.problems} == {"value_of_time", "co2_price", "days"}
