"""One bill of lading for a sea passage with a transshipment, checked on the tiny network.

A feeder from Port Alpha reaches Port Bravo on Thursday, in time for the Saturday ship to Port
Charlie; the through ship from Alpha sails only on Saturday, a week later than that connection.
The catalogue's freight PA → PC (SEA-AB) covers the whole passage, so the feeder and the ship
are one ride billed once, with no terminal handling at the transshipment port.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph import CargoClass, Network, apply_scenario, parse_scenario
from solvers.cargo import Cargo
from solvers.quoting import DEFAULT_VALIDITY, quote
from solvers.quoting.assemble import build_itinerary
from solvers.quoting.exact import SolverLimits, solve_exact
from solvers.quoting.model import QuoteModel
from solvers.quoting.search import pareto_search
from solvers.types import Endpoint, QuoteRequest, SolveStatus
from solvers.validate import violations
from tests.solvers.quoting.test_properties import brute_force

READY = datetime(2026, 1, 3, tzinfo=UTC)  # a Saturday, after that day's through ship closed
BOX = Cargo(CargoClass.DRY, "22G1", 1)


@pytest.fixture(scope="module")
def with_feeder(tiny_network: Network) -> Network:
    return add_feeder(tiny_network)


def add_feeder(tiny_network: Network) -> Network:
    """The tiny network with a Monday feeder PA → PB under the through lane PA → PC."""
    ship = tiny_network.get_leg("SHIP-1")
    feeder = {
        "id": "FEEDER-1",
        "service": "FEEDER",
        "seq": 1,
        "mode": "sea",
        "operator": "Feeder Lines",
        "origin": "PA",
        "destination": "PB",
        "departures": ["MON 08:00"],
        "transit_hours": 72,
        "cutoff_hours": 24,
        "distance_km": ship.distance_km,
        "capacity_teu": 50,
        "cargo_classes": ["dry"],
        "status": "active",
        "emission_class": "sea",
        "tariff": ["SEA-AB"],
    }
    return apply_scenario(
        tiny_network, parse_scenario("feeder", [{"op": "add_service", "features": [feeder]}])
    )


def asked(origin: str = "PA") -> QuoteRequest:
    return QuoteRequest(
        origin=Endpoint.at(origin), destination=Endpoint.at("PC"), ready=READY, cargo=BOX
    )


def test_the_passage_is_one_ride_billed_once(with_feeder: Network) -> None:
    result = quote(with_feeder, asked())
    fastest = min(result.pareto, key=lambda i: i.arrival)
    assert [leg.leg_id for leg in fastest.legs] == ["FEEDER-1", "SHIP-2"]
    assert fastest.rides == 1
    assert [line.code for line in fastest.price.lines if line.category == "freight"] == ["SEA-AB"]
    assert not any(line.applies_to == "PB" for line in fastest.price.lines)  # no THC at PB
    assert [hub.location for hub in fastest.hubs] == ["PA", "PC"]
    assert fastest.corridor == (("PA", "PB", "sea"), ("PB", "PC", "sea"))
    # it connects: the second ship's cut-off is after the feeder arrives and the box is moved
    feeder, ship = fastest.legs
    assert ship.cutoff >= feeder.arrival
    assert all(violations(with_feeder, asked(), i) == [] for i in result.pareto)


def test_the_search_the_brute_force_and_cp_sat_agree_on_passages(with_feeder: Network) -> None:
    for origin in ("PA", "DP"):
        model = QuoteModel(with_feeder, asked(origin))
        found = {arrival.criteria for arrival in pareto_search(model).arrivals}
        assert found == set(brute_force(QuoteModel(with_feeder, asked(origin))))
        passages = [r.template.joined for a in pareto_search(model).arrivals for r in a.rides]
        assert any(passages) or origin != "PA"
        exact_model = QuoteModel(with_feeder, asked(origin))
        cheapest = solve_exact(exact_model, "price", SolverLimits(time_limit_s=20))
        assert cheapest.status is SolveStatus.OPTIMAL
        assert cheapest.price_fen == min(price for _, price, _ in found)
        earliest = solve_exact(exact_model, "arrival", SolverLimits(time_limit_s=20))
        assert earliest.finish_time == min(time for time, _, _ in found)
        assert earliest.finish_time is not None
        itinerary = build_itinerary(
            exact_model, earliest.rides, earliest.finish_time, DEFAULT_VALIDITY
        )
        assert violations(with_feeder, asked(origin), itinerary) == []
        assert any(leg.leg_id == "FEEDER-1" for leg in itinerary.legs) or origin != "PA"


@pytest.mark.parametrize(
    "applies_to",
    [
        {"lanes": [{"from": ["PA"], "to": ["PB"]}]},
        {},  # a surcharge every ship charges (a reefer's) is not a through rate
    ],
)
def test_without_a_through_freight_the_ships_are_two_bills(
    with_feeder: Network, applies_to: dict[str, object]
) -> None:
    # Port Bravo to Port Charlie has no lane of its own: a box from PB is not a passage, and a
    # catalogue without the PA → PC lane leaves the feeder and the ship as two rides
    only_to_bravo = apply_scenario(
        with_feeder,
        parse_scenario(
            "no through lane",
            [
                {
                    "op": "set_tariff",
                    "code": "SEA-AB",
                    "item": {
                        "name": "Sea freight Alpha to Bravo",
                        "category": "freight",
                        "unit": "box",
                        "amount": 400,
                        "currency": "USD",
                        "applies_to": applies_to,
                        "source": ["FIX"],
                    },
                }
            ],
        ),
    )
    pareto = quote(only_to_bravo, asked()).pareto
    assert pareto
    for itinerary in pareto:
        assert itinerary.rides == len({leg.service for leg in itinerary.legs})
