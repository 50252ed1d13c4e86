"""Customs fees at a land border: the exited country's export and the entered one's import fees.

A border crossing belongs to one of its two countries but clears for both; the fees are those of
the countries cleared out of and into (data/tariffs.toml ``[customs.*]``), never the crossing's
own country's for both. Real network: Nanning or Pingxiang to Hanoi (Yên Viên) and back, by the
through train, by truck via Youyiguan (CNYYG) and by rail from Pingxiang (CNPIN). Tiny network:
the crossing BX.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from graph import Network
from graph.scenario import apply_scenario, parse_scenario
from solvers.itinerary import Itinerary
from solvers.quoting import QuoteSettings, quote
from solvers.quoting.assemble import build_itinerary
from solvers.quoting.customs import HOME
from solvers.quoting.exact import SolverLimits, solve_exact
from solvers.quoting.model import QuoteModel
from solvers.quoting.search import pareto_search
from solvers.types import Filters, SolveStatus
from solvers.validate import violations
from tests.solvers.quoting.test_features import READY, request

CN_EXPORT = ["CUSTOMS-EXP-CN", "DOC-CN"]
CN_IMPORT = ["CUSTOMS-IMP-CN"]
VN_IMPORT = ["IMP-DOC-VN"]
NO_VN_EXPORT = "export customs fees, Vietnam: no published figure"


def customs_lines(network: Network, itinerary: Itinerary) -> list[tuple[str, str]]:
    """(location, code) of the bill's clearance fees, sorted."""
    codes = {
        code
        for country in network.tariffs.customs.values()
        for code in (*country.export_fees, *country.import_fees)
    }
    return sorted(
        (line.applies_to, line.code) for line in itinerary.price.lines if line.code in codes
    )


def via(network: Network, origin: str, destination: str, crossing: str) -> list[Itinerary]:
    """The Pareto itineraries that clear customs at ``crossing``, each checked by the validator."""
    ends = (origin, destination)
    asked = request(*ends, filters=Filters(required_hubs=() if crossing in ends else (crossing,)))
    result = quote(network, asked)
    for itinerary in result.pareto:
        assert violations(network, asked, itinerary) == [], str(itinerary)
    found = [
        itinerary
        for itinerary in result.pareto
        if any(hub.location == crossing and hub.customs for hub in itinerary.hubs)
    ]
    assert found, [str(itinerary) for itinerary in result.pareto]
    return found


@pytest.mark.parametrize(("origin", "crossing"), [("CNNIN-IRP", "CNYYG"), ("CNPIN", "CNPIN")])
def test_to_hanoi_pays_vietnams_import_fee_at_the_crossing(
    real_network: Network, origin: str, crossing: str
) -> None:
    for itinerary in via(real_network, origin, "VNYEV", crossing):
        hub = next(hub for hub in itinerary.hubs if hub.customs)
        assert (hub.location, hub.customs) == (crossing, ("export", "import")), str(itinerary)
        assert customs_lines(real_network, itinerary) == sorted(
            (crossing, code) for code in CN_EXPORT + VN_IMPORT
        ), str(itinerary)
        assert NO_VN_EXPORT not in itinerary.price.excluded


def test_nanning_to_hanoi_changing_trains_at_pingxiang_clears_both_ways_there(
    real_network: Network,
) -> None:
    """Leaving the Nanning train at Pingxiang to board one for Hanoi (no longer a Pareto option:
    it pays what the through train pays, later): China's export and Vietnam's import fees, the
    crossing's own hours."""
    model = QuoteModel(real_network, request("CNNIN-IRP", "VNYEV"))
    places = real_network.locations
    outcome = model.customs.ride(places["CNPIN"], [places["VN-DONGDANG"], places["VNYEV"]], HOME)
    assert outcome is not None
    clearance, (after, _) = outcome
    assert clearance is not None
    assert after is None
    assert (clearance.location, clearance.exits, clearance.enters) == ("CNPIN", "CN", "VN")
    assert sorted(clearance.codes) == sorted(CN_EXPORT + VN_IMPORT)
    hours = places["CNPIN"].customs
    assert hours is not None
    assert hours.export_hours is not None
    assert hours.import_hours is not None
    assert clearance.minutes == round((hours.export_hours + hours.import_hours) * 60)


@pytest.mark.parametrize(
    ("destination", "crossing"),
    [("CNNIN-IRP", "CNYYG"), ("CNNIN-IRP", "CNPIN"), ("CNPIN", "CNPIN")],
)
def test_from_hanoi_pays_chinas_import_fee_and_no_chinese_export_fee(
    real_network: Network, destination: str, crossing: str
) -> None:
    for itinerary in via(real_network, "VNYEV", destination, crossing):
        hub = next(hub for hub in itinerary.hubs if hub.customs)
        assert (hub.location, hub.customs) == (crossing, ("export", "import")), str(itinerary)
        assert customs_lines(real_network, itinerary) == [(crossing, *CN_IMPORT)]
        # Vietnam publishes no export fee: the bill says so rather than charging China's
        assert NO_VN_EXPORT in itinerary.price.excluded


@pytest.mark.parametrize(
    ("origin", "destination", "by_rail_from_pingxiang", "codes", "notes"),
    [
        ("CNNIN-IRP", "VNYEV", ("CNPIN", "VNYEV"), sorted(CN_EXPORT + VN_IMPORT), set()),
        ("VNYEV", "CNNIN-IRP", ("VNYEV", "CNPIN"), CN_IMPORT, {NO_VN_EXPORT}),
    ],
)
def test_the_through_train_and_the_crossings_charge_the_same_customs_items(
    real_network: Network,
    origin: str,
    destination: str,
    by_rail_from_pingxiang: tuple[str, str],
    codes: list[str],
    notes: set[str],
) -> None:
    """The through train clears at its ends, the truck at Youyiguan, a train boarded or left
    at Pingxiang there: the same items and the same unpriced fees for one direction."""
    result = quote(real_network, request(origin, destination))
    train = next(
        itinerary
        for itinerary in result.pareto
        if {leg.service for leg in itinerary.legs} <= {"CNVN-NN-YEV", "CNVN-YEV-NN"}
    )
    routes = [
        train,
        *via(real_network, origin, destination, "CNYYG"),
        *via(real_network, *by_rail_from_pingxiang, "CNPIN"),
    ]
    for itinerary in routes:
        billed = sorted(code for _, code in customs_lines(real_network, itinerary))
        assert billed == codes, str(itinerary)
        unpriced = {note for note in itinerary.price.excluded if "customs fees" in note}
        assert unpriced == notes, str(itinerary)


@pytest.mark.parametrize(
    ("origin", "destination", "crossing"),
    [
        ("CNNIN-IRP", "VNYEV", "CNYYG"),
        ("CNPIN", "VNYEV", "CNPIN"),
        ("VNYEV", "CNNIN-IRP", "CNYYG"),
        ("VNYEV", "CNPIN", "CNPIN"),
    ],
)
def test_the_cp_sat_model_agrees_with_the_search_across_a_crossing(
    real_network: Network, origin: str, destination: str, crossing: str
) -> None:
    required = () if crossing in (origin, destination) else (crossing,)
    asked = request(
        origin,
        destination,
        deadline=READY + timedelta(days=4),
        filters=Filters(required_hubs=required),
    )
    model = QuoteModel(real_network, asked)
    arrivals = pareto_search(model).arrivals
    assert arrivals
    cheapest = solve_exact(model, "price", SolverLimits(time_limit_s=60))
    assert cheapest.status is SolveStatus.OPTIMAL
    assert cheapest.price_fen == min(arrival.price for arrival in arrivals)
    assert cheapest.finish_time is not None
    itinerary = build_itinerary(model, cheapest.rides, cheapest.finish_time, timedelta(days=7))
    assert violations(real_network, asked, itinerary) == []
    assert round(itinerary.price.total_cny * 100) == cheapest.price_fen
    cleared = [(hub.location, hub.customs) for hub in itinerary.hubs if hub.customs]
    assert cleared == [(crossing, ("export", "import"))], str(itinerary)
    codes = CN_IMPORT if origin == "VNYEV" else sorted(CN_EXPORT + VN_IMPORT)
    assert customs_lines(real_network, itinerary) == sorted((crossing, c) for c in codes)


def test_the_tiny_crossing_charges_each_countrys_fees_in_both_solvers(
    tiny_network: Network,
) -> None:
    """Port Alpha (China) to VD (Vietnam) by truck through the crossing BX: China's export fee
    and Vietnam's import fee at BX, priced alike by the search and by CP-SAT."""
    asked = request("PA", "VD")
    searched = quote(tiny_network, asked)
    exact = quote(tiny_network, asked, QuoteSettings(exact=True))
    assert exact.status is SolveStatus.OPTIMAL
    for result in (searched, exact):
        itinerary = result.options[0].itinerary
        assert [(hub.location, hub.customs) for hub in itinerary.hubs if hub.customs] == [
            ("BX", ("export", "import"))
        ]
        assert customs_lines(tiny_network, itinerary) == [("BX", "CUSTOMS"), ("BX", "IMP-VN")]
    assert {o.itinerary.price.total_cny for o in exact.options} == {
        o.itinerary.price.total_cny for o in searched.options
    }


def test_a_dated_change_of_a_countrys_fee_is_charged_at_the_crossing(
    tiny_network: Network,
) -> None:
    """Vietnam's import fee changes on the ready day: the crossing charges its successor."""
    day = READY.date().isoformat()
    changed = apply_scenario(
        tiny_network,
        parse_scenario(
            "VN import fee",
            [{"op": "set_tariff", "code": "IMP-VN", "amount": 40, "valid_from": day}],
        ),
    )
    assert changed.tariffs.customs["VN"].import_fees == ("IMP-VN", f"IMP-VN.{READY:%Y%m%d}")
    itinerary = quote(changed, request("PA", "VD")).options[0].itinerary
    assert customs_lines(changed, itinerary) == [
        ("BX", "CUSTOMS"),
        ("BX", f"IMP-VN.{READY:%Y%m%d}"),
    ]
