from __future__ import annotations

import pytest

from graph import LocationKind, Network


def test_leg_emissions_per_tonne_km_and_per_teu_km(tiny_network: Network) -> None:
    factors = tiny_network.emission_factors
    ship = factors.leg_factor("sea").for_leg(1000, tonnes=20, teu=2)
    assert ship.wtt_kg == pytest.approx(3.0 * 1000 * 20 / 1000)
    assert ship.ttw_kg == pytest.approx(13.0 * 1000 * 20 / 1000)
    assert ship.wtw_kg == pytest.approx(ship.wtt_kg + ship.ttw_kg)
    canal = factors.leg_factor("canal").for_leg(100, tonnes=20, teu=2)
    assert canal.wtw_kg == pytest.approx((50 + 200) * 100 * 2 / 1000)


def test_hub_factor_by_kind_with_reefer_fallback(tiny_network: Network) -> None:
    factors = tiny_network.emission_factors
    hub = factors.hub_factor(LocationKind.SEAPORT)
    assert hub is not None
    assert hub.kg_per_teu == 10.0
    assert factors.hub_factor(LocationKind.SEAPORT, reefer=True) == hub
    assert factors.hub_factor(LocationKind.BORDER_CROSSING) is None
    assert factors.payload_t_per_teu == 10.0
