"""The domain types of the corridor network: plain, typed and immutable.

Units live in the names (``transit_hours``, ``distance_km``, ``capacity_teu``). Every
quantitative field of a location or service leg carries its :class:`Provenance`: the sources it
was read from, or the derivation of an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from graph.timetable import Timetable


class Mode(StrEnum):
    """How a service leg moves boxes."""

    SEA = "sea"
    RAIL = "rail"
    RIVER = "river"
    CANAL = "canal"
    ROAD = "road"
    AIR = "air"


class LocationKind(StrEnum):
    """What a location is; terminals within a city have their own location."""

    SEAPORT = "seaport"
    RIVER_PORT = "river_port"
    RAIL_TERMINAL = "rail_terminal"
    DRY_PORT = "dry_port"
    BORDER_CROSSING = "border_crossing"
    AIRPORT = "airport"
    CITY = "city"


class CargoClass(StrEnum):
    """Cargo classes a service accepts."""

    DRY = "dry"
    REEFER = "reefer"
    DANGEROUS = "dangerous"
    BULK = "bulk"


class Status(StrEnum):
    """Whether a service leg runs, and whether quotes offer it unasked.

    ``active``, ``unconfirmed`` (announced or reported, with no evidence that it runs regularly)
    and ``sanctioned`` (its operator is on a sanctions list) legs have departures; quotes offer
    only ``active`` ones unless asked for the others. ``planned`` and ``suspended`` legs do not
    run.
    """

    ACTIVE = "active"
    PLANNED = "planned"
    SUSPENDED = "suspended"
    UNCONFIRMED = "unconfirmed"
    SANCTIONED = "sanctioned"

    @property
    def runs(self) -> bool:
        """Whether legs of this status have departures."""
        return self in _RUNNING


_RUNNING = frozenset({Status.ACTIVE, Status.UNCONFIRMED, Status.SANCTIONED})

#: Modes whose carriers may carry a box between two places of one country unless the data says
#: otherwise; sea carriers may not (cabotage is reserved to national-flag ships).
DOMESTIC_BY_DEFAULT = frozenset({Mode.RAIL, Mode.RIVER, Mode.CANAL, Mode.ROAD, Mode.AIR})


ANY_MODE = "*"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where one value comes from.

    A published value names its ``sources``; an estimate carries its ``derivation`` and may
    name the sources it was derived from.
    """

    sources: tuple[str, ...] = ()
    derivation: str | None = None

    @property
    def estimate(self) -> bool:
        """True when the value was derived rather than published."""
        return self.derivation is not None

    def to_data(self) -> dict[str, Any]:
        """The file form."""
        data: dict[str, Any] = {}
        if self.sources:
            data["source"] = list(self.sources)
        if self.derivation is not None:
            data["estimate"] = True
            data["derivation"] = self.derivation
        return data


Provenances = Mapping[str, Provenance]


@dataclass(frozen=True, slots=True)
class Customs:
    """Customs capability of a location: clearance hours per direction.

    ``None`` hours mean the direction is not cleared here. At a border crossing both countries'
    agencies work at the crossing, so its hours cover leaving one country and entering the other.
    The fees are the countries' (:class:`graph.tariffs.CountryCustoms`), not the location's.
    """

    export_hours: float | None
    import_hours: float | None

    def to_data(self) -> dict[str, Any]:
        """The file form."""
        return {"export_hours": self.export_hours, "import_hours": self.import_hours}


@dataclass(frozen=True, slots=True)
class City:
    """The city a location serves, named as a forwarder names it.

    ``code`` is the city's UN/LOCODE; ``aliases`` are other official codes of the same place
    (a port's or an airport's entry, say), by which a forwarder may know it too.
    """

    code: str
    name: str
    name_zh: str | None = None
    aliases: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        """The file form."""
        return {
            "code": self.code,
            "name": self.name,
            "name_zh": self.name_zh,
            "aliases": list(self.aliases),
        }


@dataclass(frozen=True, slots=True)
class Sanction:
    """The sanctions list naming a service's operator, and the list's date read."""

    list: str
    date: date

    def to_data(self) -> dict[str, str]:
        """The file form."""
        return {"list": self.list, "date": self.date.isoformat()}

    def __str__(self) -> str:
        return f"{self.list} ({self.date.isoformat()})"


@dataclass(frozen=True, slots=True)
class Location:
    """A port, terminal, dry port, border crossing or city where boxes change hands.

    ``handling_hours`` maps ``"<mode in>><mode out>"`` (either side may be ``*``) to the
    minimum hours between arriving on one mode and the cut-off of the next; ``fees`` maps a mode
    to the catalogue codes charged for each box loaded onto or discharged from that mode here.
    """

    id: str
    name: str
    name_zh: str | None
    kind: LocationKind
    country: str
    tz: str
    lon: float
    lat: float
    unlocode: str | None = None
    city: City | None = None
    handling_hours: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    fees: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    customs: Customs | None = None
    tags: frozenset[str] = frozenset()
    enabled: bool = True
    source: tuple[str, ...] = ()
    provenance: Provenances = field(default_factory=lambda: MappingProxyType({}))
    notes: str | None = None

    @property
    def city_code(self) -> str:
        """The code of the city this location serves (its own id when no city is given)."""
        return self.city.code if self.city is not None else self.id

    def handling_hours_between(self, arriving: Mode | None, leaving: Mode | None) -> float:
        """Minimum hours between arrival on ``arriving`` and the cut-off of ``leaving``.

        ``None`` stands for the start or end of the journey; the most specific entry wins
        (exact pair, then ``in>*``, ``*>out``, ``*>*``), and no entry means no handling time.
        """
        into = arriving.value if arriving else ANY_MODE
        out = leaving.value if leaving else ANY_MODE
        for key in (f"{into}>{out}", f"{into}>{ANY_MODE}", f"{ANY_MODE}>{out}", "*>*"):
            if key in self.handling_hours:
                return self.handling_hours[key]
        return 0.0

    def fees_for(self, mode: Mode) -> tuple[str, ...]:
        """Catalogue codes charged per box loaded onto or discharged from ``mode`` here."""
        return self.fees.get(mode.value, ())

    def to_data(self) -> dict[str, Any]:
        """The GeoJSON ``properties`` of this location (geometry excluded)."""
        return {
            "feature_type": "location",
            "id": self.id,
            "name": self.name,
            "name_zh": self.name_zh,
            "kind": self.kind.value,
            "country": self.country,
            "tz": self.tz,
            "unlocode": self.unlocode,
            "city": self.city.to_data() if self.city else None,
            "handling_hours": dict(self.handling_hours),
            "fees": {mode: list(codes) for mode, codes in self.fees.items()},
            "customs": self.customs.to_data() if self.customs else None,
            "tags": sorted(self.tags),
            "enabled": self.enabled,
            "source": list(self.source),
            "estimate": any(p.estimate for p in self.provenance.values()),
            "provenance": {name: p.to_data() for name, p in self.provenance.items()},
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class ServiceLeg:
    """One leg of a service between two consecutive calls.

    Legs of one ``service`` (a line, train or barge rotation) share its id and are ordered by
    ``seq``; a box that stays aboard from one leg to the next is not handled in between.
    """

    id: str
    service: str
    seq: int
    mode: Mode
    operator: str
    origin: str
    destination: str
    timetable: Timetable
    transit_hours: float
    cutoff_hours: float
    distance_km: float
    capacity_teu: int | None
    cargo_classes: frozenset[CargoClass]
    status: Status
    geometry: tuple[tuple[float, float], ...]
    emission_class: str
    tariff: tuple[str, ...] = ()
    service_name: str | None = None
    operator_zh: str | None = None  # the operator's Chinese name (data/src/operators.toml)
    valid_from: date | None = None
    valid_to: date | None = None
    tags: frozenset[str] = frozenset()
    max_dwt: int | None = None
    cabotage: bool | None = None
    sanction: Sanction | None = None
    enabled: bool = True
    source: tuple[str, ...] = ()
    provenance: Provenances = field(default_factory=lambda: MappingProxyType({}))
    notes: str | None = None

    @property
    def operating(self) -> bool:
        """True when the leg runs at all (it may still be outside its validity dates)."""
        return self.enabled and self.status.runs

    @property
    def holds_capacity(self) -> bool:
        """Whether bookings take room on its departures.

        Not on trucks (continuous legs leave on demand) nor on legs with no capacity in the data.
        """
        return self.capacity_teu is not None and not self.timetable.continuous

    @property
    def carries_domestic(self) -> bool:
        """Whether the leg's service may carry a box between two places of one country.

        As the data says, else by mode: sea carriers may not (cabotage), the others may.
        """
        return self.cabotage if self.cabotage is not None else self.mode in DOMESTIC_BY_DEFAULT

    def valid_on(self, day: date) -> bool:
        """True when ``day`` (local at the origin) lies in the leg's validity window."""
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )

    def to_data(self) -> dict[str, Any]:
        """The GeoJSON ``properties`` of this leg (geometry excluded)."""
        return {
            "feature_type": "service_leg",
            "id": self.id,
            "service": self.service,
            "service_name": self.service_name,
            "seq": self.seq,
            "mode": self.mode.value,
            "operator": self.operator,
            "operator_zh": self.operator_zh,
            "origin": self.origin,
            "destination": self.destination,
            "departures": self.timetable.to_data(),
            "transit_hours": self.transit_hours,
            # a continuous (road) leg leaves whenever the box is ready: it has no cut-off
            "cutoff_hours": None if self.timetable.continuous else self.cutoff_hours,
            "distance_km": self.distance_km,
            "capacity_teu": self.capacity_teu,
            "cargo_classes": sorted(c.value for c in self.cargo_classes),
            "status": self.status.value,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "tags": sorted(self.tags),
            "tariff": list(self.tariff),
            "emission_class": self.emission_class,
            "max_dwt": self.max_dwt,
            "cabotage": self.cabotage,
            "sanction": self.sanction.to_data() if self.sanction else None,
            "enabled": self.enabled,
            "source": list(self.source),
            "estimate": any(p.estimate for p in self.provenance.values()),
            "provenance": {name: p.to_data() for name, p in self.provenance.items()},
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True, order=True)
class Closure:
    """A location, service, leg or tag (``tag:<name>``) closed over ``[start, end)`` (UTC)."""

    target: str
    start: datetime
    end: datetime
    reason: str = ""

    def covers(self, instant: datetime) -> bool:
        """True when ``instant`` lies in the closed window."""
        return self.start <= instant < self.end

    def to_data(self) -> dict[str, str]:
        """The serialised form."""
        return {
            "target": self.target,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "reason": self.reason,
        }


@dataclass(frozen=True, order=True, slots=True)
class Congestion:
    """Extra dwell at a location (or ``tag:<name>``) for boxes passing it in ``[start, end)``.

    The place stays open (a border queue, a crowded yard): a box arriving there in the window
    needs ``hours`` more before it can leave or be delivered, though not past ``end``.
    """

    target: str
    start: datetime
    end: datetime
    hours: float
    reason: str = ""

    def covers(self, instant: datetime) -> bool:
        """True when ``instant`` lies in the window."""
        return self.start <= instant < self.end

    def to_data(self) -> dict[str, Any]:
        """The serialised form."""
        return {
            "target": self.target,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "hours": self.hours,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Departure:
    """One departure of a service leg: the unit that carries capacity.

    ``on_demand`` marks a continuous (road) leg, which leaves whenever the box is ready.
    """

    leg_id: str
    service: str
    departure: datetime
    arrival: datetime
    cutoff: datetime
    capacity_teu: int | None
    on_demand: bool = False

    @property
    def key(self) -> str:
        """A stable identifier of this departure: leg id and UTC departure instant."""
        return departure_key(self.leg_id, self.departure)


def departure_key(leg_id: str, departure: datetime) -> str:
    """How a departure is named in capacity maps and bookings: ``LEG@YYYY-MM-DDTHH:MMZ`` (UTC)."""
    return _departure_key(leg_id, departure, departure.fold)


@lru_cache(maxsize=16_384)
def _departure_key(leg_id: str, departure: datetime, _fold: int) -> str:
    # every answer names its legs' departures, the same timetabled ones again and again, and
    # formatting one costs several times a lookup; the fold is in the key because two instants
    # an hour apart at a clock change compare equal in one zone
    return f"{leg_id}@{departure.astimezone(UTC):%Y-%m-%dT%H:%MZ}"
