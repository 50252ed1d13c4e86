"""A bill's lines as the API shows them: named from the fee catalogue in English and Chinese."""

from __future__ import annotations

from app.mapping import price_item
from graph import Network
from solvers.pricing import PriceLine


def line(code: str) -> PriceLine:
    return PriceLine(
        code=code,
        description="as priced",
        category="freight",
        quantity=1.0,
        unit="box",
        unit_price=100.0,
        currency="CNY",
        amount=100.0,
        amount_fen=10_000,
        applies_to="CNQZH",
        sources=(),
        estimate=False,
    )


def test_every_fee_of_the_catalogue_has_a_chinese_name(real_network: Network) -> None:
    unnamed = sorted(code for code, item in real_network.tariffs.items.items() if not item.name_zh)
    assert unnamed == []
    shown = price_item(line("SEA-SEASIA-40"), real_network)
    assert shown["description"] == "as priced"
    assert shown["description_zh"] == "东南亚航线海运费 40/45英尺"


def test_a_fee_the_catalogue_no_longer_has_shows_no_chinese_name(real_network: Network) -> None:
    assert price_item(line("GONE-1"), real_network)["description_zh"] is None
