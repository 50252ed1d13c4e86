from __future__ import annotations

import pytest

from graph import CargoClass, Network, UnknownTariff


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
    assert tariffs.gaps == ("barge freight",)


def test_estimates_carry_their_derivation(tiny_network: Network) -> None:
    item = tiny_network.tariffs.get("THC")
    assert item.provenance.estimate
    assert item.provenance.derivation == "made up for the fixture"
    assert not tiny_network.tariffs.get("TRUCK").provenance.estimate
