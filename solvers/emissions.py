"""ISO 14083 / GLEC emissions of a shipment: legs (WTT and TTW apart) and hub operations.

Grams are the integer unit for searches and models; kilograms are reported. A leg emits
distance x activity x intensity with the activity in gross tonnes or TEU as the factor says; a hub
emits its factor per TEU handled, once per location where the box is handled (origin, each
transfer, destination).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph import EmissionFactors, LegEmissions, Location, ServiceLeg
from solvers.cargo import Cargo


@dataclass(frozen=True, slots=True)
class Emissions:
    """An itinerary's emissions in kg CO2e."""

    wtt_kg: float
    ttw_kg: float
    hubs_kg: float
    tonne_km: float
    teu_km: float

    @property
    def total_kg(self) -> float:
        """Well-to-wheel legs plus hubs."""
        return self.wtt_kg + self.ttw_kg + self.hubs_kg

    @property
    def g_per_tonne_km(self) -> float:
        """Intensity per gross tonne-km (0 for a shipment that does not move)."""
        return 1000 * self.total_kg / self.tonne_km if self.tonne_km else 0.0

    @property
    def g_per_teu_km(self) -> float:
        """Intensity per TEU-km (0 for bulk)."""
        return 1000 * self.total_kg / self.teu_km if self.teu_km else 0.0


class Emitter:
    """Emissions for one cargo against one set of factors, memoised."""

    def __init__(self, factors: EmissionFactors, cargo: Cargo) -> None:
        self.factors = factors
        self.teu = cargo.teu
        self.tonnes = cargo.tonnes(factors.payload_t_per_teu)
        self.reefer = cargo.cargo_class.value == "reefer"
        self._legs: dict[tuple[str, float], int] = {}
        self._hubs: dict[str, int] = {}

    def leg(self, leg: ServiceLeg) -> LegEmissions:
        """WTT and TTW of carrying the shipment over ``leg``."""
        factor = self.factors.leg_factor(leg.emission_class)
        return factor.for_leg(leg.distance_km, tonnes=self.tonnes, teu=self.teu)

    def leg_g(self, leg: ServiceLeg) -> int:
        """Well-to-wheel grams of one leg."""
        key = (leg.id, leg.distance_km)
        grams = self._legs.get(key)
        if grams is None:
            grams = round(self.leg(leg).wtw_kg * 1000)
            self._legs[key] = grams
        return grams

    def hub_g(self, location: Location) -> int:
        """Grams for handling the shipment once at ``location``."""
        grams = self._hubs.get(location.id)
        if grams is None:
            factor = self.factors.hub_factor(location.kind, reefer=self.reefer)
            grams = round(factor.kg_per_teu * self.teu * 1000) if factor else 0
            self._hubs[location.id] = grams
        return grams

    def hub_kg(self, location: Location) -> float:
        """Kilograms for handling the shipment once at ``location``."""
        return self.hub_g(location) / 1000
