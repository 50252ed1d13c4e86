"""Numbered feature tests of the quote on the real network (data/network.geojson).

Each asserts what a forwarder would check by eye; every itinerary returned also passes the
solver-independent validator.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from graph import CargoClass, City, LocationKind, Mode, Network, Status
from graph.scenario import apply_scenario, parse_scenario
from solvers.cargo import Cargo
from solvers.errors import InvalidRequest
from solvers.itinerary import Itinerary
from solvers.pricing import ride_label
from solvers.quoting import QuoteResult, QuoteSettings, quote
from solvers.quoting.exact import SolverLimits, solve_exact
from solvers.quoting.model import QuoteModel
from solvers.quoting.search import pareto_search
from solvers.types import Endpoint, Filters, Preference, QuoteRequest, SolveStatus
from solvers.validate import violations

READY = datetime(2026, 12, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
TWO_FORTIES = Cargo(CargoClass.DRY, "45G1", 2)


def request(origin: str | Endpoint, destination: str, **changes: object) -> QuoteRequest:
    fields: dict[str, object] = {
        "origin": origin if isinstance(origin, Endpoint) else Endpoint.at(origin),
        "destination": Endpoint.at(destination),
        "ready": READY,
        "cargo": TWO_FORTIES,
    }
    fields.update(changes)
    return QuoteRequest(**fields)  # type: ignore[arg-type]


def ask(
    network: Network, asked: QuoteRequest, settings: QuoteSettings | None = None
) -> QuoteResult:
    result = quote(network, asked, settings)
    for itinerary in result.pareto:
        assert violations(network, asked, itinerary) == [], str(itinerary)
    return result


def services(result: QuoteResult) -> list[set[str]]:
    return [{leg.service for leg in option.itinerary.legs} for option in result.options]


def test_f01_chongqing_to_singapore_offers_sea_rail_via_qinzhou_and_yangtze_via_shanghai(
    real_network: Network,
) -> None:
    chongqing = Endpoint(lat=29.56, lon=106.55, max_km=60)
    result = ask(real_network, request(chongqing, "SGSIN"))
    corridors = [option.itinerary.corridor for option in result.options]
    sea_rail = [c for c in corridors if ("CNQZH", "SGSIN", "sea") in c and c[-2][2] == "rail"]
    yangtze = [c for c in corridors if ("CNSHG", "SGSIN", "sea") in c and c[-2][2] == "river"]
    assert sea_rail, corridors
    assert yangtze, corridors
    by_corridor = {option.itinerary.corridor: option for option in result.options}
    rail, barge = by_corridor[sea_rail[0]].itinerary, by_corridor[yangtze[0]].itinerary
    # the barge is the slow, cheap way; the sea-rail train the fast one
    assert barge.price.total_cny < rail.price.total_cny
    assert rail.arrival < barge.arrival
    # the first mile is a truck from the point to a Chongqing terminal
    for option in result.options:
        first = option.itinerary.legs[0]
        assert first.mode is Mode.ROAD
        assert first.destination.startswith("CNCQI-")


def test_f02_nanning_to_hanoi_by_cross_border_train_or_by_road(real_network: Network) -> None:
    result = ask(real_network, request("CNNIN-IRP", "VNYEV"))
    modes = [{leg.mode for leg in option.itinerary.legs} for option in result.options]
    assert {Mode.RAIL} in modes
    assert {Mode.ROAD} in modes
    train = next(o for o, m in zip(result.options, modes, strict=True) if m == {Mode.RAIL})
    truck = next(o for o, m in zip(result.options, modes, strict=True) if m == {Mode.ROAD})
    assert "cheapest" in train.labels
    assert "fastest" in truck.labels
    assert truck.itinerary.arrival < train.itinerary.arrival
    assert train.itinerary.price.total_cny < truck.itinerary.price.total_cny
    # the train clears export at Nanning and import at Yên Viên; the truck both at Youyiguan
    assert [(h.location, h.customs) for h in train.itinerary.hubs if h.customs] == [
        ("CNNIN-IRP", ("export",)),
        ("VNYEV", ("import",)),
    ]
    assert [(h.location, h.customs) for h in truck.itinerary.hubs if h.customs] == [
        ("CNYYG", ("export", "import"))
    ]


def test_f03_a_reefer_only_rides_reefer_services(real_network: Network) -> None:
    reefer = ask(
        real_network, request("CNCQI-GYP", "SGSIN", cargo=Cargo(CargoClass.REEFER, "45R1"))
    )
    dry = ask(real_network, request("CNCQI-GYP", "SGSIN", cargo=Cargo(CargoClass.DRY, "45G1")))
    assert reefer.options
    for option in reefer.options:
        for leg in option.itinerary.legs:
            assert CargoClass.REEFER in real_network.legs[leg.leg_id].cargo_classes, leg.leg_id
    # the test could fail: the dry box does use services that refuse reefers
    dry_legs = {leg.leg_id for itinerary in dry.pareto for leg in itinerary.legs}
    assert any(CargoClass.REEFER not in real_network.legs[i].cargo_classes for i in dry_legs)
    # Liuzhou's only train to the sea takes no reefers: the reason says so
    stuck = ask(real_network, request("CNLZH", "SGSIN", cargo=Cargo(CargoClass.REEFER, "45R1")))
    assert [r.code for r in stuck.reasons] == ["no-service-for-cargo-class"]


def test_f04_the_pinglu_canal_is_used_only_in_a_scenario_that_opens_it(
    real_network: Network,
) -> None:
    asked = request("CNNIG", "SGSIN")
    today = ask(real_network, asked)
    assert today.options
    assert not any(leg.mode is Mode.CANAL for i in today.pareto for leg in i.legs)
    opened = apply_scenario(
        real_network, parse_scenario("canal", [{"op": "enable", "tags": ["pinglu_canal"]}])
    )
    after = ask(opened, asked)
    canal = [o for o in after.options if any(leg.mode is Mode.CANAL for leg in o.itinerary.legs)]
    assert canal
    # the canal makes the Beibu Gulf the cheapest way out of Nanning through Qinzhou; the
    # Xijiang barge via Shekou and Hong Kong stays cheaper still, and a month slower
    # (loaded at Qinzhou: a box transshipped there on its way from Hong Kong is another way)
    via_qinzhou = [
        i
        for i in today.pareto
        if any(
            leg.origin == "CNQZH" and (k == 0 or i.legs[k - 1].ride != leg.ride)
            for k, leg in enumerate(i.legs)
        )
    ]
    assert canal[0].itinerary.price.total_cny < min(i.price.total_cny for i in via_qinzhou)
    # two days slower than the sea-rail way: recommended when time is worth little to the owner
    patient = ask(opened, request("CNNIG", "SGSIN", value_of_time_cny_per_teu_hour=5.0))
    assert patient.recommended is not None
    assert any(leg.mode is Mode.CANAL for leg in patient.recommended.itinerary.legs)


def test_f05_excluding_qinzhou_still_finds_routes_via_fangchenggang_or_beihai(
    real_network: Network,
) -> None:
    asked = request("CNNIN-IRP", "SGSIN", filters=Filters(excluded_hubs=frozenset({"CNQZH"})))
    result = ask(real_network, asked)
    assert result.options
    for itinerary in result.pareto:
        calls = {leg.origin for leg in itinerary.legs} | {leg.destination for leg in itinerary.legs}
        assert "CNQZH" not in calls
    via_beibu = [
        i for i in result.pareto if {leg.destination for leg in i.legs} & {"CNFAN", "CNBIH"}
    ]
    assert via_beibu


def test_f06_a_deadline_before_the_earliest_arrival_names_it(real_network: Network) -> None:
    fastest = ask(real_network, request("CNNIN-IRP", "VNYEV"))
    earliest = min(i.arrival for i in fastest.pareto)
    tight = ask(
        real_network, request("CNNIN-IRP", "VNYEV", deadline=earliest - timedelta(minutes=1))
    )
    assert tight.status is SolveStatus.INFEASIBLE
    assert not tight.options
    reason = next(r for r in tight.reasons if r.code == "deadline-too-early")
    assert reason.earliest_arrival == earliest
    exact = ask(real_network, request("CNNIN-IRP", "VNYEV", deadline=earliest))
    assert [i.arrival for i in exact.pareto] == [earliest]


def test_f07_a_budget_below_the_cheapest_option_names_it(real_network: Network) -> None:
    free = ask(real_network, request("CNNIN-IRP", "SGSIN"))
    cheapest = min(i.price.total_cny for i in free.pareto)
    poor = ask(real_network, request("CNNIN-IRP", "SGSIN", max_price_cny=cheapest - 0.01))
    reason = next(r for r in poor.reasons if r.code == "budget-too-low")
    assert reason.cheapest_cny == pytest.approx(cheapest, abs=0.01)
    enough = ask(real_network, request("CNNIN-IRP", "SGSIN", max_price_cny=cheapest))
    assert [i.price.total_cny for i in enough.pareto] == [cheapest] * len(enough.pareto)


def test_f08_without_chinese_gateway_ports_nanning_ships_in_transit_via_vietnam(
    real_network: Network,
) -> None:
    gateways = frozenset(
        place.id
        for place in real_network.locations.values()
        if place.country == "CN" and place.kind in (LocationKind.SEAPORT, LocationKind.RIVER_PORT)
    )
    result = ask(
        real_network, request("CNNIN-IRP", "SGSIN", filters=Filters(excluded_hubs=gateways))
    )
    assert result.options
    for itinerary in result.pareto:
        calls = {real_network.locations[leg.destination].country for leg in itinerary.legs}
        assert "VN" in calls
        # transit through Vietnam: export in China, import in Singapore, nothing in between
        cleared = [h.customs for h in itinerary.hubs if h.customs]
        assert cleared == [("export",), ("import",)]
        assert [h.location for h in itinerary.hubs if h.customs][-1] == "SGSIN"
    vietnam = gateways | {
        place.id
        for place in real_network.locations.values()
        if place.country in ("VN", "LA", "TH") or place.kind is LocationKind.BORDER_CROSSING
    }
    cut = ask(real_network, request("CNNIN-IRP", "SGSIN", filters=Filters(excluded_hubs=vietnam)))
    assert [r.code for r in cut.reasons] == ["filters-disconnect"]


def test_f09_cargo_nobody_carries_and_a_mode_filter_are_explained(real_network: Network) -> None:
    bulk = ask(
        real_network, request("CNNIN-IRP", "SGSIN", cargo=Cargo(CargoClass.BULK, bulk_tonnes=500))
    )
    assert [r.code for r in bulk.reasons] == ["no-service-for-cargo-class"]
    no_road = ask(
        real_network,
        request("CNNIN-IRP", "VNYEV", filters=Filters(modes=frozenset({Mode.SEA, Mode.ROAD}))),
    )
    assert no_road.options
    assert all(leg.mode is Mode.ROAD for i in no_road.pareto for leg in i.legs)


def test_f10_a_full_departure_is_skipped(real_network: Network) -> None:
    asked = request("CNNIN-IRP", "VNYEV", filters=Filters(modes=frozenset({Mode.RAIL})))
    first = ask(real_network, asked).pareto[0]
    taken = first.legs[0].departure_key
    teu = asked.cargo.teu
    full = ask(real_network, request(
        "CNNIN-IRP", "VNYEV", filters=asked.filters, capacity=MappingProxyType({taken: teu - 1})
    ))  # fmt: skip
    second = full.pareto[0]
    assert second.legs[0].departure_key != taken
    assert second.legs[0].departure > first.legs[0].departure
    roomy = ask(real_network, request(
        "CNNIN-IRP", "VNYEV", filters=asked.filters, capacity=MappingProxyType({taken: teu})
    ))  # fmt: skip
    assert roomy.pareto[0].legs[0].departure_key == taken


def test_f11_required_hub_and_operator_filters_hold(real_network: Network) -> None:
    via = ask(
        real_network, request("CNCQI-TJC", "SGSIN", filters=Filters(required_hubs=("CNSHG",)))
    )
    assert via.options
    for itinerary in via.pareto:
        assert "CNSHG" in {leg.destination for leg in itinerary.legs}
    operators = {leg.operator for i in ask(real_network, request("CNNIN-IRP", "SGSIN")).pareto
                 for leg in i.legs if leg.mode is Mode.SEA}  # fmt: skip
    banned = sorted(operators)[0]
    without = ask(
        real_network,
        request("CNNIN-IRP", "SGSIN", filters=Filters(excluded_operators=frozenset({banned}))),
    )
    assert without.options
    assert all(leg.operator != banned for i in without.pareto for leg in i.legs)


def test_f12_the_preference_picks_the_recommended_option(real_network: Network) -> None:
    for preference, label in [
        (Preference.CHEAPEST, "cheapest"),
        (Preference.FASTEST, "fastest"),
        (Preference.GREENEST, "greenest"),
    ]:
        result = ask(real_network, request("CNNIG", "SGSIN", preference=preference))
        assert result.recommended is not None
        assert label in result.recommended.labels
    slow = ask(real_network, request("CNNIG", "SGSIN", value_of_time_cny_per_teu_hour=0.0))
    hurried = ask(real_network, request("CNNIG", "SGSIN", value_of_time_cny_per_teu_hour=1e4))
    assert slow.recommended is not None
    assert hurried.recommended is not None
    assert "cheapest" in slow.recommended.labels
    assert "fastest" in hurried.recommended.labels


def test_f12b_balanced_values_time_at_the_catalogues_default(real_network: Network) -> None:
    # about 95 CNY per TEU-hour: Chongqing → Singapore leads with the 10-day Qinzhou sea-rail
    # route, not the cheaper and greener 19-day one via Hong Kong
    value = real_network.tariffs.value_of_time_cny
    assert value is not None
    assert 90 < value < 100
    asked = request(city("Chongqing", real_network), "SGSIN")
    result = ask(real_network, asked)
    recommended = result.recommended
    assert recommended is not None
    teu = asked.cargo.teu or 1.0

    def cost(itinerary: Itinerary) -> float:
        hours = (itinerary.arrival - asked.ready).total_seconds() / 3600
        return itinerary.price.total_cny + value * teu * hours

    assert cost(recommended.itinerary) == min(cost(i) for i in result.pareto)
    assert "cheapest" not in recommended.labels
    assert any(leg.destination == "CNQZH" for leg in recommended.itinerary.legs)
    assert f"valued at {value:,.0f} CNY per TEU-hour" in " ".join(recommended.explanation)


def test_f13_the_bill_and_the_emissions_add_up(real_network: Network) -> None:
    result = ask(real_network, request("CNCQI-TJC", "SGSIN"))
    option = result.options[0]
    price = option.itinerary.price
    assert price.total_cny == pytest.approx(sum(line.amount_cny for line in price.lines), abs=0.01)
    assert price.total_usd == pytest.approx(price.total_cny / price.usd_rate, abs=0.01)
    assert all(line.sources for line in price.lines)
    applies_to = {line.applies_to for line in price.lines}
    assert {hub.location for hub in option.itinerary.hubs} & applies_to  # handling at a port
    rides: dict[int, list[str]] = {}
    for leg in option.itinerary.legs:
        rides.setdefault(leg.ride, []).append(leg.leg_id)
    assert {ride_label(legs) for legs in rides.values()} <= applies_to  # freight for each ride
    emissions = option.itinerary.emissions
    assert emissions.total_kg == pytest.approx(
        emissions.wtt_kg + emissions.ttw_kg + emissions.hubs_kg
    )
    assert emissions.wtt_kg > 0
    assert emissions.ttw_kg > 0
    # validity: a week from the ready date unless an item expires sooner
    assert price.valid_until <= READY + timedelta(days=7)


def test_f14_quotes_are_deterministic(real_network: Network) -> None:
    asked = request("CNNIG", "SGSIN")
    first, second = ask(real_network, asked), ask(real_network, asked)
    assert [(o.id, o.labels) for o in first.options] == [(o.id, o.labels) for o in second.options]


@pytest.mark.parametrize(
    ("origin", "destination", "days"), [("CNNIN-IRP", "VNYEV", 3), ("CNKNM-WJY", "VNHPH", 6)]
)
def test_f15_the_cp_sat_model_agrees_on_the_real_network(
    real_network: Network, origin: str, destination: str, days: int
) -> None:
    asked = request(origin, destination, deadline=READY + timedelta(days=days))
    model = QuoteModel(real_network, asked)
    arrivals = pareto_search(model).arrivals
    cheapest = solve_exact(model, "price", SolverLimits(time_limit_s=60))
    assert cheapest.status is SolveStatus.OPTIMAL
    assert cheapest.price_fen == min(a.price for a in arrivals)
    # agreement, not speed: a time limit (wall time) generous enough for a loaded machine
    exact = ask(real_network, asked, QuoteSettings(exact=True, limits=SolverLimits(120)))
    assert exact.solver == "cp-sat"
    assert exact.status is SolveStatus.OPTIMAL
    assert exact.gap == 0
    assert {o.itinerary.price.total_cny for o in exact.options} >= {cheapest.price_fen / 100}


def test_f16_a_point_beyond_trucking_reach_is_a_clear_error(real_network: Network) -> None:
    with pytest.raises(InvalidRequest) as raised:
        QuoteModel(real_network, request(Endpoint(lat=0.0, lon=-30.0, max_km=50), "SGSIN"))
    assert raised.value.problems[0][0] == "origin"
    with pytest.raises(InvalidRequest) as unknown:
        QuoteModel(real_network, request("XXNOPE", "SGSIN"))
    assert "XXNOPE" in unknown.value.problems[0][1]


def test_f17_a_named_option_says_which_limit_keeps_a_better_one_out(real_network: Network) -> None:
    free = ask(real_network, request("CNNIG", "SGSIN"))
    cheapest = min(free.pareto, key=lambda i: i.price.total_cny)
    deadline = cheapest.arrival - timedelta(hours=1)
    rushed = ask(real_network, request("CNNIG", "SGSIN", deadline=deadline))
    option = next(o for o in rushed.options if "cheapest" in o.labels)
    assert option.itinerary.price.total_cny > cheapest.price.total_cny
    assert (
        "the deadline (1 h later) binds: without it the cheapest option would cost "
        f"{cheapest.price.total_cny:,.0f} CNY"
    ) in option.explanation
    assert not any("binds" in line for o in free.options for line in o.explanation)


def test_f18_a_point_origin_needs_road_for_its_first_mile(real_network: Network) -> None:
    chongqing = Endpoint(lat=29.56, lon=106.55, max_km=60)
    no_road = Filters(modes=frozenset({Mode.RAIL, Mode.SEA, Mode.RIVER}))
    result = ask(real_network, request(chongqing, "SGSIN", filters=no_road))
    assert not result.options
    assert [r.code for r in result.reasons] == ["filters-disconnect"]


def city(name: str, network: Network) -> Endpoint:
    """The endpoint a forwarder means by ``name`` (a city, or a terminal id)."""
    place = network.place(name)
    assert place is not None, name
    return Endpoint.in_city(place.code) if isinstance(place, City) else Endpoint.at(place.id)


def test_f19_a_city_is_an_origin_chongqing_offers_sea_rail_and_the_yangtze(
    real_network: Network,
) -> None:
    asked = request(city("Chongqing", real_network), "SGSIN")
    result = ask(real_network, asked)
    corridors = [i.corridor for i in result.pareto]
    assert any(("CNQZH", "SGSIN", "sea") in c and c[0][2] == "rail" for c in corridors)
    assert any(("CNSHG", "SGSIN", "sea") in c and c[0][2] == "river" for c in corridors)
    # each starts at one of the city's terminals, and several terminals are used
    starts = {i.legs[0].origin for i in result.pareto}
    assert starts <= set(real_network.terminals["CNCQI"])
    assert {"CNCQI-TJC", "CNCQI-GYP"} <= starts


def test_f20_codes_and_names_of_a_city_name_the_same_place(real_network: Network) -> None:
    for name in ("CNNIN", "cnnin", "Nanning", "南宁", " nanning "):
        place = real_network.place(name)
        assert isinstance(place, City)
        assert place.code == "CNNIN", name
    for alias in ("CNCKG", "CNCHQ", "Chongqing", "重庆"):
        assert real_network.place(alias) == real_network.cities["CNCQI"], alias
    assert real_network.place("cncqi-tjc") == real_network.locations["CNCQI-TJC"]
    for typed, code in (
        ("Lodz", "PLLOD"),
        ("ŁÓDŹ", "PLLOD"),
        ("xian", "CNXIA"),
        ("Lao Cai", "VNLCA"),
    ):
        place = real_network.place(typed)
        assert isinstance(place, City), typed
        assert place.code == code, typed
    assert ask(real_network, request(city("南宁", real_network), "SGSIN")).options


def test_f21_kunming_to_vientiane_by_the_china_laos_railway(real_network: Network) -> None:
    result = ask(real_network, request(city("Kunming", real_network), "LATHG"))
    assert any(all(leg.mode is Mode.RAIL for leg in i.legs) for i in result.pareto)


def test_f22_kunming_to_haiphong_by_rail_through_hekou_and_lao_cai(real_network: Network) -> None:
    result = ask(real_network, request(city("Kunming", real_network), "VNHPH"))
    by_rail = [i for i in result.pareto if all(leg.mode is Mode.RAIL for leg in i.legs)]
    assert by_rail
    assert all(any(leg.destination == "CNHKM" for leg in i.legs) for i in by_rail)
    assert not any(leg.destination == "CNQZH" for i in by_rail for leg in i.legs)


def test_f23_chongqing_to_duisburg_by_china_europe_train(real_network: Network) -> None:
    result = ask(real_network, request(city("Chongqing", real_network), "DEDUI"))
    assert any(
        len(i.legs) == 1 and i.legs[0].mode is Mode.RAIL and i.legs[0].service.startswith("EU-")
        for i in result.pareto
    )


def test_f23b_xian_to_rotterdam_by_china_europe_train_and_a_european_truck(
    real_network: Network,
) -> None:
    # the train to Duisburg and a truck on to Rotterdam; a month at sea via Qinzhou is offered
    # only as the cheaper, far slower choice
    result = ask(real_network, request(city("Xi'an", real_network), "NLRTM"))
    first = result.pareto[0]
    assert [(leg.mode, leg.destination) for leg in first.legs] == [
        (Mode.RAIL, "DEDUI"),
        (Mode.ROAD, "NLRTM"),
    ]
    truck = {line.code for line in first.price.lines if line.applies_to == first.legs[1].leg_id}
    assert truck == {"ROAD-EU-KM"}, truck
    # the whole China–Europe train is charged: the 1,520-mm section and the Chinese and EU ones
    train = {line.code for line in first.price.lines if line.applies_to == first.legs[0].leg_id}
    assert {"EU-ERAI-40", "EU-CNEU-40"} <= train, train
    by_sea = [i for i in result.pareto if any(leg.mode is Mode.SEA for leg in i.legs)]
    for voyage in by_sea:
        assert voyage.price.total_cny < first.price.total_cny
        assert voyage.arrival - first.departure > 2 * (first.arrival - first.departure)


@pytest.mark.parametrize(
    ("origin", "destination", "headhaul", "backhaul"),
    [
        ("CNSHG", "NLRTM", "SEA-EUROPE-40", "SEA-EUROPE-ASIA-40"),
        ("CNSHG", "USLAX", "SEA-USWC-40", "SEA-USWC-ASIA-40"),
    ],
)
def test_f23c_ocean_freight_back_to_asia_is_the_backhaul_rate(
    real_network: Network, origin: str, destination: str, headhaul: str, backhaul: str
) -> None:
    # a box from Rotterdam or Los Angeles to Asia pays the published backhaul rate, a fraction
    # of the Asia-outbound one (Drewry WCI), not the outbound rate again
    def ocean(result: QuoteResult) -> list[tuple[str, int]]:
        return [
            (line.code, line.amount_fen)
            for i in result.pareto
            for line in i.price.lines
            if line.code in (headhaul, backhaul)
        ]

    out = ocean(ask(real_network, request(origin, destination)))
    back = ocean(ask(real_network, request(destination, origin)))
    assert out, destination
    assert {code for code, _ in out} == {headhaul}, out
    assert back, origin
    assert {code for code, _ in back} == {backhaul}, back
    assert max(amount for _, amount in back) < min(amount for _, amount in out) / 2


def test_f24_wuhan_to_singapore_by_the_yangtze_or_by_rail_via_qinzhou(
    real_network: Network,
) -> None:
    result = ask(real_network, request(city("Wuhan", real_network), "SGSIN"))
    corridors = [i.corridor for i in result.pareto]
    assert any(c[0][2] == "river" and c[0][1] == "CNSHG" for c in corridors), corridors
    assert any(c[0][2] == "rail" and c[0][1] == "CNQZH" for c in corridors), corridors


def test_f25_no_foreign_ship_carries_a_domestic_leg(real_network: Network) -> None:
    asked = request("VNHPH", "VNCLI")
    for itinerary in ask(real_network, asked).pareto:
        for leg in itinerary.legs:
            real = real_network.legs.get(leg.leg_id)
            assert real is None or real.carries_domestic or leg.mode is not Mode.SEA
    for itinerary in ask(real_network, request("CNQZH", "CNSHG")).pareto:
        rides = {(leg.ride, leg.service) for leg in itinerary.legs}
        for ride, service in rides:
            legs = [leg for leg in itinerary.legs if leg.ride == ride]
            board = real_network.locations[legs[0].origin].country
            alight = real_network.locations[legs[-1].destination].country
            if board == alight:
                assert real_network.legs[legs[0].leg_id].carries_domestic, service


def test_f26_sanctioned_and_unconfirmed_services_only_when_asked(real_network: Network) -> None:
    sanctioned = {
        leg.service for leg in real_network.legs.values() if leg.status.value == "sanctioned"
    }
    assert "ME-IRISL" in sanctioned
    default = ask(real_network, request("CNQZH", "AEJEA"))
    assert not any(leg.service in sanctioned for i in default.pareto for leg in i.legs)
    asked = request(
        "CNQZH", "AEJEA", filters=Filters(include_statuses=frozenset({Status.SANCTIONED}))
    )
    included = ask(real_network, asked)
    assert any(leg.service in sanctioned for i in included.pareto for leg in i.legs)


def test_f27_no_option_between_terminals_of_a_city_comes_back_to_it_or_pays_the_sea_twice(
    real_network: Network,
) -> None:
    # every pair of terminals of one city (which once went round by Qinzhou and Chongqing to get
    # from one Wuhan terminal to the other); every pair of cities is checked in
    # tests/solvers/quoting/test_plausibility.py
    pairs = [
        (Endpoint.at(a), Endpoint.at(b))
        for terminals in real_network.terminals.values()
        for a in terminals
        for b in terminals
        if a != b
    ]
    options = 0
    for origin, destination in pairs:
        asked = QuoteRequest(origin=origin, destination=destination, ready=READY, cargo=TWO_FORTIES)
        model = QuoteModel(real_network, asked)
        for arrival in pareto_search(model).arrivals:
            options += 1
            for ride in arrival.rides:
                if ride.mode is Mode.SEA:
                    lines = model.pricer_of(ride).ride(ride.legs, ride.board, ride.alight)
                    assert sum(line.category == "freight" for line in lines) == 1, ride.legs
            been = [real_network.city_of(arrival.rides[0].board)]
            for ride in arrival.rides:
                stops = [real_network.city_of(leg.destination) for leg in ride.legs]
                here, there = been[-1], stops[-1]
                assert there == here or there not in been, (origin, destination, been, there)
                assert there != here or set(stops) == {here}, (origin, destination, stops)
                been.append(there)
    assert len(pairs) >= 14
    assert options > len(pairs) // 2


def test_f28_a_box_at_the_qinzhou_gate_19_hours_before_a_sailing_makes_it(
    real_network: Network,
) -> None:
    # the published export whole-process time (19 h, clearance included), not it plus a cut-off
    first = ask(real_network, request("CNQZH", "SGSIN")).pareto[0]
    sailing = first.legs[0]
    assert sailing.mode is Mode.SEA
    gate = sailing.departure - timedelta(hours=19)
    on_time = ask(real_network, request("CNQZH", "SGSIN", ready=gate))
    assert any(i.legs[0].departure_key == sailing.departure_key for i in on_time.pareto)
    late = ask(real_network, request("CNQZH", "SGSIN", ready=gate + timedelta(minutes=1)))
    assert late.pareto
    assert all(i.legs[0].departure_key != sailing.departure_key for i in late.pareto)


def test_f29_a_shipment_larger_than_every_departure_says_how_many_boxes_go_together(
    real_network: Network,
) -> None:
    chongqing = city("Chongqing", real_network)
    huge = ask(real_network, request(chongqing, "SGSIN", cargo=Cargo(CargoClass.DRY, "42G1", 1000)))
    assert not huge.options
    (reason,) = huge.reasons
    assert reason.code == "shipment-too-large"
    assert reason.most_boxes is not None
    assert reason.earliest_arrival is not None
    most = reason.most_boxes
    fits = ask(real_network, request(chongqing, "SGSIN", cargo=Cargo(CargoClass.DRY, "42G1", most)))
    assert min(i.arrival for i in fits.pareto) == reason.earliest_arrival
    over = Cargo(CargoClass.DRY, "42G1", most + 1)
    assert not ask(real_network, request(chongqing, "SGSIN", cargo=over)).options


def test_f30_a_price_lists_only_the_gaps_of_its_own_itinerary(real_network: Network) -> None:
    def gaps(itinerary: Itinerary) -> str:
        return " | ".join(itinerary.price.excluded)

    by_train = ask(real_network, request(city("Nanning", real_network), "VNYEV")).pareto
    rail_only = [i for i in by_train if {leg.mode for leg in i.legs} == {Mode.RAIL}]
    assert rail_only
    for itinerary in rail_only:
        assert "Pinglu" not in gaps(itinerary)
        assert "Beibu Gulf ports" not in gaps(itinerary)
        assert "rail terminal handling" in gaps(itinerary)
        assert "border crossing fees" in gaps(itinerary)
        assert "reefer" not in gaps(itinerary)
        assert "foreign ports" not in gaps(itinerary)
    sea_rail = next(
        i
        for i in ask(real_network, request("CNCQI-TJC", "SGSIN")).pareto
        if {leg.mode for leg in i.legs} == {Mode.RAIL, Mode.SEA}
    )
    assert "sea-rail through prices" in gaps(sea_rail)
    assert "Beibu Gulf ports" in gaps(sea_rail)
    assert "foreign ports" in gaps(sea_rail)
    assert "Pinglu" not in gaps(sea_rail)
    reefer = ask(
        real_network, request("CNCQI-GYP", "SGSIN", cargo=Cargo(CargoClass.REEFER, "45R1"))
    )
    assert all("reefer plug-in" in gaps(i) for i in reefer.pareto)
    # how much of the total rests on estimates: the rail base rates are published
    price = sea_rail.price
    assert 0 < price.estimated_cny < price.total_cny
    published = sum(line.amount_cny for line in price.lines if not line.estimate)
    assert price.estimated_cny + published == pytest.approx(price.total_cny, abs=0.01)


def test_f31_options_are_different_corridors_with_other_sailings_as_departures(
    real_network: Network,
) -> None:
    result = ask(real_network, request(city("Chongqing", real_network), "SGSIN"))
    corridors = [option.itinerary.corridor for option in result.options]
    assert len(corridors) == len(set(corridors)) > 1
    labels: list[str] = []
    for option in result.options:
        labels += option.labels
        assert len(option.departures) <= 4
        for other in option.departures:
            assert other.itinerary.corridor == option.itinerary.corridor
            assert other.itinerary.departure != option.itinerary.departure or (
                other.itinerary.legs != option.itinerary.legs
            )
            labels += other.labels
    assert sorted(labels) == ["cheapest", "fastest", "greenest", "recommended"]
    # every label says what it means, in numbers that agree with the option's
    everything = [o for option in result.options for o in (option, *option.departures)]
    fastest = next(o for o in everything if "fastest" in o.labels)
    assert fastest.itinerary.arrival == min(i.arrival for i in result.pareto)
    assert "fastest: the earliest arrival of the options found" in fastest.explanation
    recommended = result.recommended
    assert recommended is not None
    if fastest is not recommended:
        hours = (fastest.itinerary.arrival - recommended.itinerary.arrival).total_seconds() / 3600
        assert f"arrives {hours:+,.0f} h" in fastest.explanation[1]
