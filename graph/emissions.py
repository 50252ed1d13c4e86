"""Emission factors for the ISO 14083 / GLEC method.

A leg emits ``distance x activity x intensity``, where the activity is gross tonnes (``t_km``
factors) or TEU (``teu_km`` factors) and well-to-tank (WTT) and tank-to-wheel (TTW) intensities
are kept apart. A hub emits a fixed amount per TEU handled, chosen by the location's kind and
whether the box is temperature-controlled. ``payload_t_per_teu`` converts between the two
activity bases when a caller has only one of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from graph.errors import Problem
from graph.fields import Reader, as_list
from graph.model import LocationKind, Mode, Provenance
from graph.tariffs import parse_provenance


class Basis(StrEnum):
    """The activity unit an intensity is per kilometre of."""

    T_KM = "t_km"
    TEU_KM = "teu_km"


@dataclass(frozen=True, slots=True)
class LegEmissions:
    """Emissions of one leg in kg CO2e, WTT and TTW apart."""

    wtt_kg: float
    ttw_kg: float

    @property
    def wtw_kg(self) -> float:
        """Well-to-wheel: the sum of WTT and TTW."""
        return self.wtt_kg + self.ttw_kg


@dataclass(frozen=True, slots=True)
class EmissionFactor:
    """Intensity of one mode and vehicle class, in g CO2e per basis unit and kilometre."""

    id: str
    mode: Mode
    name: str
    basis: Basis
    wtt_g: float
    ttw_g: float
    provenance: Provenance

    def for_leg(self, distance_km: float, *, tonnes: float, teu: float) -> LegEmissions:
        """Emissions of carrying ``tonnes`` gross in ``teu`` over ``distance_km``."""
        activity = tonnes if self.basis is Basis.T_KM else teu
        scale = distance_km * activity / 1000.0
        return LegEmissions(wtt_kg=self.wtt_g * scale, ttw_kg=self.ttw_g * scale)

    def to_data(self) -> dict[str, Any]:
        """The file form."""
        return {
            "id": self.id,
            "mode": self.mode.value,
            "name": self.name,
            "basis": self.basis.value,
            "wtt_g": self.wtt_g,
            "ttw_g": self.ttw_g,
            **self.provenance.to_data(),
        }


@dataclass(frozen=True, slots=True)
class HubFactor:
    """Emissions per TEU handled at a hub (total; GLEC gives no WTT/TTW split for hubs)."""

    id: str
    name: str
    kg_per_teu: float
    provenance: Provenance

    def to_data(self) -> dict[str, Any]:
        """The file form."""
        return {
            "id": self.id,
            "name": self.name,
            "kg_per_teu": self.kg_per_teu,
            **self.provenance.to_data(),
        }


@dataclass(frozen=True, slots=True)
class EmissionFactors:
    """Every factor, the hub factor per location kind, and the payload convention."""

    legs: Mapping[str, EmissionFactor]
    hubs: Mapping[str, HubFactor]
    hub_by_kind: Mapping[tuple[LocationKind, bool], str]
    payload_t_per_teu: float
    payload_provenance: Provenance

    def leg_factor(self, factor_id: str) -> EmissionFactor:
        """The leg factor with ``factor_id`` (``KeyError`` when unknown)."""
        return self.legs[factor_id]

    def hub_factor(self, kind: LocationKind, *, reefer: bool = False) -> HubFactor | None:
        """The hub factor for a location kind, ``None`` when handling there emits nothing."""
        factor_id = self.hub_by_kind.get((kind, reefer)) or self.hub_by_kind.get((kind, False))
        return self.hubs[factor_id] if factor_id else None

    def to_data(self) -> dict[str, Any]:
        """The file form (also the content that the network version hashes)."""
        by_kind: dict[str, dict[str, str]] = {}
        for (kind, reefer), factor_id in sorted(self.hub_by_kind.items()):
            by_kind.setdefault(kind.value, {})["reefer" if reefer else "ambient"] = factor_id
        return {
            "payload": {"t_per_teu": self.payload_t_per_teu, **self.payload_provenance.to_data()},
            "factor": [self.legs[key].to_data() for key in sorted(self.legs)],
            "hub": [self.hubs[key].to_data() for key in sorted(self.hubs)],
            "hub_by_kind": by_kind,
        }


def parse_emission_factors(
    data: Mapping[str, Any], known_sources: Iterable[str]
) -> tuple[EmissionFactors | None, list[Problem]]:
    """Read ``data/emission_factors.toml`` (already parsed); return the factors and problems."""
    sources = frozenset(known_sources)
    problems: list[Problem] = []
    where = "emission_factors"

    payload_raw = data.get("payload")
    payload = payload_provenance = None
    if isinstance(payload_raw, Mapping):
        read = Reader(where, "payload", payload_raw, problems)
        payload = read.number("t_per_teu", positive=True)
        payload_provenance = parse_provenance(read, sources)
    else:
        problems.append(Problem(where, "payload", "", "missing [payload] table"))

    legs: dict[str, EmissionFactor] = {}
    for index, raw in enumerate(as_list(data.get("factor")) or []):
        factor = _parse_leg_factor(raw, index, sources, problems)
        if factor is not None:
            if factor.id in legs:
                problems.append(Problem(where, factor.id, "id", "duplicate factor id"))
            legs[factor.id] = factor

    hubs: dict[str, HubFactor] = {}
    for index, raw in enumerate(as_list(data.get("hub")) or []):
        label = f"hub #{index + 1}"
        if not isinstance(raw, Mapping):
            problems.append(Problem(where, label, "", "expected a table of fields"))
            continue
        read = Reader(where, str(raw.get("id") or label), raw, problems)
        before = len(problems)
        read.unknown_fields(("id", "name", "kg_per_teu", "source", "estimate", "derivation"))
        hub_id, name = read.text("id"), read.text("name")
        kg = read.number("kg_per_teu", minimum=0)
        provenance = parse_provenance(read, sources)
        if len(problems) == before and hub_id and name and kg is not None and provenance:
            hubs[hub_id] = HubFactor(hub_id, name, kg, provenance)

    hub_by_kind: dict[tuple[LocationKind, bool], str] = {}
    kinds_raw = data.get("hub_by_kind")
    for kind_name, entry in kinds_raw.items() if isinstance(kinds_raw, Mapping) else []:
        try:
            kind = LocationKind(kind_name)
        except ValueError:
            problems.append(Problem(where, "hub_by_kind", kind_name, "unknown location kind"))
            continue
        if not isinstance(entry, Mapping):
            problems.append(Problem(where, "hub_by_kind", kind_name, "expected {ambient, reefer}"))
            continue
        for variant, hub_id in entry.items():
            if variant not in ("ambient", "reefer") or hub_id not in hubs:
                problems.append(
                    Problem(where, "hub_by_kind", f"{kind_name}.{variant}", f"unknown {hub_id!r}")
                )
                continue
            hub_by_kind[(kind, variant == "reefer")] = hub_id

    if not legs:
        problems.append(Problem(where, "", "factor", "no leg factors"))
    if problems or payload is None or payload_provenance is None:
        return None, problems
    return EmissionFactors(
        legs=MappingProxyType(legs),
        hubs=MappingProxyType(hubs),
        hub_by_kind=MappingProxyType(hub_by_kind),
        payload_t_per_teu=payload,
        payload_provenance=payload_provenance,
    ), problems


def _parse_leg_factor(
    raw: object, index: int, sources: frozenset[str], problems: list[Problem]
) -> EmissionFactor | None:
    where = "emission_factors"
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, f"factor #{index + 1}", "", "expected a table of fields"))
        return None
    read = Reader(where, str(raw.get("id") or f"factor #{index + 1}"), raw, problems)
    before = len(problems)
    read.unknown_fields(
        ("id", "mode", "name", "basis", "wtt_g", "ttw_g", "source", "estimate", "derivation")
    )
    factor_id, name = read.text("id"), read.text("name")
    mode, basis = read.choice("mode", Mode), read.choice("basis", Basis)
    wtt, ttw = read.number("wtt_g", minimum=0), read.number("ttw_g", minimum=0)
    provenance = parse_provenance(read, sources)
    if (
        len(problems) > before
        or factor_id is None
        or name is None
        or mode is None
        or basis is None
        or wtt is None
        or ttw is None
        or provenance is None
    ):
        return None
    return EmissionFactor(factor_id, mode, name, basis, wtt, ttw, provenance)
