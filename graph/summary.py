"""Counts that describe a network at a glance: what the CLI and the service report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from graph.model import Provenance
from graph.network import Network
from graph.validate import LEG_TRACKED, LOCATION_TRACKED

SEA_RAIL_TAG = "sea_rail"


@dataclass(frozen=True, slots=True)
class ProvenanceShare:
    """How many quantitative values are published and how many are estimates.

    ``estimated_from_sources`` counts the estimates whose derivation rests on cited sources
    (a sum of published line lengths, a proxy price); the rest are computed from geometry or are
    modelling assumptions.
    """

    sourced: int
    estimated: int
    estimated_from_sources: int = 0

    @property
    def sourced_share(self) -> float:
        """Fraction of values that are published (0 when there are none)."""
        total = self.sourced + self.estimated
        return self.sourced / total if total else 0.0


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    """Counts by kind, mode and status, service counts and the provenance share."""

    version: str
    locations: int
    locations_by_kind: dict[str, int]
    locations_by_country: dict[str, int]
    legs: int
    legs_by_mode: dict[str, int]
    legs_by_status: dict[str, int]
    services: int
    services_by_mode: dict[str, int]
    sea_rail_services: int
    tariff_items: int
    emission_factors: int
    sources: int
    values: ProvenanceShare
    values_by_field: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "version": self.version,
            "locations": self.locations,
            "locations_by_kind": self.locations_by_kind,
            "locations_by_country": self.locations_by_country,
            "service_legs": self.legs,
            "legs_by_mode": self.legs_by_mode,
            "legs_by_status": self.legs_by_status,
            "services": self.services,
            "services_by_mode": self.services_by_mode,
            "sea_rail_services": self.sea_rail_services,
            "tariff_items": self.tariff_items,
            "emission_factors": self.emission_factors,
            "sources": self.sources,
            "values": {
                "sourced": self.values.sourced,
                "estimated": self.values.estimated,
                "estimated_from_sources": self.values.estimated_from_sources,
                "sourced_share": round(self.values.sourced_share, 4),
            },
            "values_by_field": self.values_by_field,
        }


def summarize(network: Network) -> NetworkSummary:
    """Count what the network holds."""
    legs = list(network.legs.values())
    services_by_mode: Counter[str] = Counter()
    for service_legs in network.services.values():
        modes = {leg.mode.value for leg in service_legs}
        services_by_mode["+".join(sorted(modes))] += 1
    sea_rail = sum(
        1
        for service_legs in network.services.values()
        if any(SEA_RAIL_TAG in leg.tags for leg in service_legs)
    )
    by_field: dict[str, Counter[str]] = {}

    def count(name: str, provenance: Provenance) -> None:
        counter = by_field.setdefault(name, Counter())
        if not provenance.estimate:
            counter["sourced"] += 1
        else:
            counter["estimated"] += 1
            counter["estimated_from_sources"] += bool(provenance.sources)

    for location in network.locations.values():
        for name in LOCATION_TRACKED:
            if name in location.provenance:
                count(f"location.{name}", location.provenance[name])
    for leg in legs:
        for name in LEG_TRACKED:
            if name in leg.provenance:
                count(f"leg.{name}", leg.provenance[name])
    for item in network.tariffs.items.values():
        count("tariff.amount", item.provenance)
    for factor in network.emission_factors.legs.values():
        count("emission_factor", factor.provenance)
    sourced = sum(c["sourced"] for c in by_field.values())
    estimated = sum(c["estimated"] for c in by_field.values())
    from_sources = sum(c["estimated_from_sources"] for c in by_field.values())
    return NetworkSummary(
        version=network.version,
        locations=len(network.locations),
        locations_by_kind=_sorted(Counter(loc.kind.value for loc in network.locations.values())),
        locations_by_country=_sorted(Counter(loc.country for loc in network.locations.values())),
        legs=len(legs),
        legs_by_mode=_sorted(Counter(leg.mode.value for leg in legs)),
        legs_by_status=_sorted(Counter(leg.status.value for leg in legs)),
        services=len(network.services),
        services_by_mode=_sorted(services_by_mode),
        sea_rail_services=sea_rail,
        tariff_items=len(network.tariffs.items),
        emission_factors=len(network.emission_factors.legs),
        sources=len(network.sources),
        values=ProvenanceShare(sourced, estimated, from_sources),
        values_by_field={
            name: {
                "sourced": c["sourced"],
                "estimated": c["estimated"],
                "estimated_from_sources": c["estimated_from_sources"],
            }
            for name, c in sorted(by_field.items())
        },
    )


def _sorted(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items()))
