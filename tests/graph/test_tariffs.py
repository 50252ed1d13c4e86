from __future__ import annotations

import dataclasses

import pytest

from graph import CargoClass, LocationKind, Mode, Network, UnknownTariff
from graph.tariffs import CountryCustoms, Gap, parse_catalogue
from graph.validate import check_tariff_lanes


def test_applicable_filters_by_box_cargo_and_lane(tiny_network: Network) -> None:
    tariffs = tiny_network.tariffs
    codes = ("RAIL-BOX", "RAIL-KM-20", "SEA-AB", "THC")
    assert [i.code for i in tariffs.applicable(codes, box_size="40")] == [
        "RAIL-BOX",
        "SEA-AB",
        "THC",
    ]
    assert [i.code for i in tariffs.applicable(codes, box_size="20")] == list(codes)
    assert "THC" not in [i.code for i in tariffs.applicable(codes, cargo_class=CargoClass.REEFER)]
    assert [i.code for i in tariffs.applicable(["SEA-AB"], ride=("PA", "PC"))] == ["SEA-AB"]
    assert tariffs.applicable(["SEA-AB"], ride=("PB", "PC")) == []


def test_unknown_code_and_conversion(tiny_network: Network) -> None:
    tariffs = tiny_network.tariffs
    with pytest.raises(UnknownTariff, match="NOPE"):
        tariffs.get("NOPE")
    assert "THC" in tariffs
    assert "NOPE" not in tariffs
    assert tariffs.rates.to_cny(400, "USD") == pytest.approx(2800)
    assert tariffs.rates.to_cny(100, "CNY") == 100
    assert [gap.text for gap in tariffs.gaps] == ["barge freight"]


def test_estimates_carry_their_derivation(tiny_network: Network) -> None:
    item = tiny_network.tariffs.get("THC")
    assert item.provenance.estimate
    assert item.provenance.derivation == "made up for the fixture"
    assert not tiny_network.tariffs.get("TRUCK").provenance.estimate


def test_a_gap_applies_to_the_itineraries_it_names(tiny_network: Network) -> None:
    (barge,) = tiny_network.tariffs.gaps
    port = [("PA", LocationKind.SEAPORT)]
    assert barge.applies(
        frozenset({Mode.RIVER, Mode.SEA}), port, frozenset({"CN"}), CargoClass.DRY, frozenset()
    )
    assert not barge.applies(
        frozenset({Mode.SEA}), port, frozenset({"CN"}), CargoClass.DRY, frozenset()
    )
    unconditional = Gap("storage")
    assert unconditional.applies(frozenset(), (), frozenset(), CargoClass.DRY, frozenset())
    abroad = Gap("foreign THC", outside=frozenset({"CN"}))
    assert abroad.applies(frozenset(), (), frozenset({"CN", "SG"}), CargoClass.DRY, frozenset())
    assert not abroad.applies(frozenset(), (), frozenset({"CN"}), CargoClass.DRY, frozenset())


def test_a_broken_gap_is_reported_with_every_problem(tiny_network: Network) -> None:
    data = tiny_network.tariffs.to_data()
    data["gaps"] = ["the old list form"]
    data["gap"] = [
        {"text": "ok", "when": {"modes": ["sea"]}},
        {"text": "bad mode", "when": {"modes": ["teleport"]}},
        {"text": "bad key", "when": {"ports": ["PA"]}},
        {"text": "bad item", "when": {"items": ["NOPE"]}},
        {"when": {}},
    ]
    catalogue, problems = parse_catalogue(data, tiny_network.sources)
    assert catalogue is None
    where = {(p.item, p.field) for p in problems}
    assert ("", "gaps") in where
    assert ("gap #2", "when") in where
    assert ("gap #3", "when") in where
    assert ("gap #4", "when.items") in where
    assert ("gap #5", "text") in where
    assert len(problems) == 5


def test_customs_fees_by_country_read_back_and_every_broken_one_is_reported(
    tiny_network: Network,
) -> None:
    data = tiny_network.tariffs.to_data()
    catalogue, problems = parse_catalogue(data, tiny_network.sources)
    assert problems == []
    assert catalogue is not None
    assert catalogue.customs == tiny_network.tariffs.customs
    assert catalogue.customs["VN"] == CountryCustoms("Vietnam", (), ("IMP-VN",))
    data["customs"] = {
        **data["customs"],
        "XX": {"name": "Nowhere", "import_fees": ["NOPE"]},
        "Laos": {"name": "Lao PDR"},
        "YY": {"export_fees": ["CUSTOMS"], "hours": 3},
    }
    catalogue, problems = parse_catalogue(data, tiny_network.sources)
    assert catalogue is None
    assert sorted((p.item, p.field) for p in problems) == [
        ("customs.Laos", ""),
        ("customs.XX", "import_fees"),
        ("customs.YY", "hours"),
        ("customs.YY", "name"),
    ]


def test_a_gap_naming_an_unknown_place_fails_the_network(tiny_network: Network) -> None:
    catalogue = dataclasses.replace(
        tiny_network.tariffs, gaps=(Gap("lock fees", locations=frozenset({"PA", "MARS"})),)
    )
    problems = check_tariff_lanes(catalogue, tiny_network.locations)
    assert [(p.item, p.field) for p in problems] == [("gap #1", "when.locations")]
    assert "MARS" in problems[0].message


def test_the_value_of_time_is_read_converted_and_checked(tiny_network: Network) -> None:
    data = tiny_network.tariffs.to_data()
    source = next(iter(tiny_network.sources))
    data["value_of_time"] = {
        "amount": 10,
        "currency": "USD",
        "source": [source],
        "derivation": "a tenth of a day's tariff",
    }
    catalogue, problems = parse_catalogue(data, tiny_network.sources)
    assert problems == []
    assert catalogue is not None
    assert catalogue.value_of_time_cny == pytest.approx(70)
    assert catalogue.to_data()["value_of_time"] == data["value_of_time"]
    # a scenario's tariff change keeps the value of time and the gaps
    changed = catalogue.with_item(catalogue.get("THC"))
    assert changed.value_of_time == catalogue.value_of_time
    assert changed.gaps == catalogue.gaps
    data["value_of_time"] = {"amount": -1, "currency": "XYZ", "source": ["NOPE"], "per": "h"}
    catalogue, problems = parse_catalogue(data, tiny_network.sources)
    assert catalogue is None
    assert {p.field for p in problems} == {"amount", "currency", "source", "derivation", "per"}
    assert tiny_network.tariffs.value_of_time_cny is None
