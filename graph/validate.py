"""Validate the network's features and turn them into domain objects, reporting every problem.

Each rule appends a :class:`~graph.errors.Problem` naming the feature id and the field; nothing
stops at the first problem, so a broken file is fixed in one round. The rules:

- ``feature_type`` is ``location`` or ``service_leg``; ids are present, well-formed and unique;
- locations: kind, ISO 3166 country, IANA ``tz``, Point geometry in range, handling hours per
  mode pair (non-negative, known modes), fee codes and customs hours (the fees are each
  country's, in the fee catalogue);
- service legs: mode, endpoints that exist (no dangling ends), a LineString that starts and ends
  at them, a weekly timetable or ``continuous``, positive transit and distance, non-negative
  cut-off, positive capacity (scheduled legs), cargo classes, status and validity dates, tariff
  codes and the emission class; which location kinds a mode may call at;
- services: legs numbered 1..n that chain end to start, and a timetable on which a box staying
  aboard finds the next leg's departure within :data:`MAX_STAY_ABOARD_HOURS`;
- customs: the fee catalogue has the customs fees of every country where a box may clear (of each
  location with customs, and across each border crossing);
- provenance: every feature cites known sources, and every quantitative value present is either
  published (``source``) or an estimate with its ``derivation``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from graph.emissions import EmissionFactors
from graph.errors import Problem
from graph.fields import Interner, Reader, as_list, is_missing
from graph.geo import geodesic_km
from graph.model import (
    ANY_MODE,
    CargoClass,
    City,
    Customs,
    Location,
    LocationKind,
    Mode,
    Provenance,
    Sanction,
    ServiceLeg,
    Status,
)
from graph.tariffs import TariffCatalogue
from graph.timetable import Timetable, zone

WHERE = "network"
MAX_STAY_ABOARD_HOURS = 72.0
ENDPOINT_TOLERANCE_KM = 1.0

#: Location kinds each mode may call at.
CALLS: Mapping[Mode, frozenset[LocationKind]] = MappingProxyType(
    {
        Mode.SEA: frozenset({LocationKind.SEAPORT}),
        Mode.RIVER: frozenset({LocationKind.RIVER_PORT, LocationKind.SEAPORT}),
        Mode.CANAL: frozenset({LocationKind.RIVER_PORT, LocationKind.SEAPORT}),
        Mode.RAIL: frozenset(
            {
                LocationKind.RAIL_TERMINAL,
                LocationKind.DRY_PORT,
                LocationKind.BORDER_CROSSING,
                LocationKind.SEAPORT,
                LocationKind.RIVER_PORT,
            }
        ),
        Mode.ROAD: frozenset(LocationKind),
        Mode.AIR: frozenset({LocationKind.AIRPORT}),
    }
)

#: Fields whose values need a provenance entry when present.
LOCATION_TRACKED = ("coordinates", "city", "handling_hours", "customs")
LEG_TRACKED = (
    "geometry", "distance_km", "transit_hours", "departures", "cutoff_hours", "capacity_teu",
    "valid_from", "sanction",
)  # fmt: skip

#: Two points this close in latitude and in longitude (degrees) lie less than
#: ENDPOINT_TOLERANCE_KM apart: at most 0.004 x (111.7 km per degree of latitude + 111.4 km per
#: degree of longitude) = 0.89 km, anywhere on the ellipsoid.
_NEAR_DEGREES = 0.004
#: Heads of the keys under which a reader's interner remembers lists checked against catalogues,
#: the lines of legs and their geodesic lengths.
_CITED, _TARIFFED, _LINE, _LENGTH = object(), object(), object(), object()
#: The provenance of a distance the data does not give.
GEODESIC = Provenance(derivation="geodesic length of the leg's geometry on the WGS84 ellipsoid")

_ID = re.compile(r"^[A-Z0-9][A-Z0-9_.\-]*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_UNLOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
_COMMON = ("feature_type", "id", "tags", "enabled", "source", "estimate", "provenance", "notes")
_LOCATION_FIELDS = frozenset((
    *_COMMON, "name", "name_zh", "kind", "country", "tz", "unlocode", "city", "handling_hours",
    "fees", "customs",
))  # fmt: skip
_LEG_FIELDS = frozenset((
    *_COMMON, "service", "service_name", "seq", "mode", "operator", "operator_zh", "origin",
    "destination", "departures", "transit_hours", "cutoff_hours", "distance_km", "capacity_teu",
    "cargo_classes", "status", "valid_from", "valid_to", "tariff", "emission_class", "max_dwt",
    "cabotage", "sanction",
))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Catalogues:
    """What features are checked against: sources, fee catalogue, emission factors.

    ``customs_countries``: the countries the fee catalogue file gives customs fees for (``None``:
    not checked), known even when the catalogue has problems of its own.
    """

    sources: frozenset[str]
    tariffs: TariffCatalogue | None
    emission_factors: EmissionFactors | None
    customs_countries: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class RawFeature:
    """One feature as read: its properties and its geometry as a type and coordinates."""

    index: int
    properties: Mapping[str, Any]
    geometry_type: str | None
    coordinates: tuple[tuple[float, float], ...]


def validate_features(
    features: Iterable[RawFeature], catalogues: Catalogues
) -> tuple[dict[str, Location], dict[str, ServiceLeg], list[Problem]]:
    """Check every feature and build the domain objects of the valid ones.

    ``features`` may be a stream: each feature is turned into a domain object as it comes, so
    the raw features need not all be held at once. A leg is checked against the locations read
    before it; one that names a location not (yet) read waits for the end of the stream. The
    result, and the problems in their order, are the same as for the features checked in two
    passes (all locations, then all legs).

    Returns
    -------
    locations, legs, problems
        The network is valid exactly when ``problems`` is empty.
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    location_ids: set[str] = set()
    locations: dict[str, Location] = {}
    location_problems: list[Problem] = []
    #: per leg in file order: the feature (until checked), the leg and its problems
    leg_rows: list[_LegRow] = []
    waiting: list[_LegRow] = []
    reuse = Interner()
    for feature in features:
        feature_id = _feature_id(feature, problems)
        if feature_id is None:
            continue
        if feature_id in seen:
            problems.append(
                Problem(WHERE, feature_id, "id", f"duplicate id (also feature #{seen[feature_id]})")
            )
            continue
        seen[feature_id] = feature.index
        kind = feature.properties.get("feature_type")
        if kind == "location":
            location_ids.add(feature_id)
            location = parse_location(feature, catalogues, location_problems, reuse=reuse)
            if location is not None:
                locations[location.id] = location
        elif kind == "service_leg":
            row = _LegRow(feature)
            leg_rows.append(row)
            if _ends_known(feature, location_ids):
                row.check(catalogues, location_ids, locations, reuse)
            else:
                waiting.append(row)
        else:
            problems.append(
                Problem(
                    WHERE,
                    feature_id,
                    "feature_type",
                    f"unknown feature_type {kind!r} (expected location or service_leg)",
                )
            )
    for row in waiting:
        row.check(catalogues, location_ids, locations, reuse)
    problems.extend(location_problems)

    legs: dict[str, ServiceLeg] = {}
    broken_services: set[str | None] = set()
    for row in leg_rows:
        problems.extend(row.problems)
        if row.leg is not None:
            legs[row.leg.id] = row.leg
        else:
            broken_services.add(row.service)

    # A service with an invalid leg is already reported; checking its sequence would only echo it.
    whole = [leg for leg in legs.values() if leg.service not in broken_services]
    problems.extend(check_cities(locations.values()))
    problems.extend(check_services(whole, locations))
    if catalogues.tariffs is not None and location_ids:
        problems.extend(check_tariff_lanes(catalogues.tariffs, location_ids))
    if catalogues.customs_countries is not None:
        problems.extend(
            check_customs_countries(catalogues.customs_countries, locations, legs.values())
        )
    return locations, legs, problems


class _LegRow:
    """A service-leg feature in the stream: checked when its ends are known."""

    __slots__ = ("feature", "leg", "problems", "service")

    def __init__(self, feature: RawFeature) -> None:
        self.feature: RawFeature | None = feature
        service = feature.properties.get("service")
        # not text: the leg reports it; its service cannot be named
        self.service: str | None = service if isinstance(service, str) else None
        self.leg: ServiceLeg | None = None
        self.problems: list[Problem] = []

    def check(
        self,
        catalogues: Catalogues,
        location_ids: Collection[str],
        locations: Mapping[str, Location],
        reuse: Interner,
    ) -> None:
        assert self.feature is not None
        self.leg = parse_leg(
            self.feature, catalogues, location_ids, locations, self.problems, reuse=reuse
        )
        self.feature = None  # the raw properties are no longer needed


def _ends_known(feature: RawFeature, location_ids: Collection[str]) -> bool:
    """Whether both ends of a leg are ids of locations already read (so it can be checked now).

    Locations are only ever added, so a leg whose ends are known now is checked as it would be
    at the end of the stream.
    """
    props = feature.properties
    for name in ("origin", "destination"):
        end = props.get(name)
        if not isinstance(end, str) or end.strip() not in location_ids:
            return False
    return True


def check_tariff_lanes(tariffs: TariffCatalogue, location_ids: Iterable[str]) -> list[Problem]:
    """Every location a catalogue lane or gap names must exist in the network."""
    known = set(location_ids)
    problems = [
        Problem("tariffs", f"gap #{index}", "when.locations", f"unknown location(s) {missing}")
        for index, gap in enumerate(tariffs.gaps, start=1)
        if (missing := ", ".join(sorted(gap.locations - known)))
    ]
    for item in tariffs.items.values():
        named = {
            location
            for lane in item.applies_to.lanes
            for location in (*lane.origins, *lane.destinations)
        }
        unknown = sorted(named - known)
        if unknown:
            problems.append(
                Problem(
                    "tariffs",
                    item.code,
                    "applies_to.lanes",
                    f"unknown location(s) {', '.join(unknown)}",
                )
            )
    return problems


def check_customs_countries(
    countries: Collection[str], locations: Mapping[str, Location], legs: Iterable[ServiceLeg]
) -> list[Problem]:
    """Every country whose fees a clearance may charge has customs fees in the catalogue.

    That is the country of each location that clears customs and, at a border crossing, the
    country across the border: of each call a leg from or to the crossing makes abroad.
    """
    needed: dict[str, set[str]] = defaultdict(set)  # country -> the locations that need it
    for location in locations.values():
        if location.customs is not None:
            needed[location.country].add(location.id)
    for leg in legs:
        ends = (locations.get(leg.origin), locations.get(leg.destination))
        for here, there in (ends, ends[::-1]):
            if (
                here is not None
                and there is not None
                and here.kind is LocationKind.BORDER_CROSSING
                and here.customs is not None
                and there.country != here.country
            ):
                needed[there.country].add(here.id)
    return [
        Problem(
            WHERE,
            min(needed[country]),
            "customs",
            f"no customs fees for country {country} in the fee catalogue "
            f"(needed at {', '.join(sorted(needed[country]))})",
        )
        for country in sorted(set(needed) - set(countries))
    ]


def parse_location(
    feature: RawFeature,
    catalogues: Catalogues,
    problems: list[Problem],
    *,
    reuse: Interner | None = None,
) -> Location | None:
    """Check one location feature; ``None`` when it has problems (appended to ``problems``).

    ``reuse`` shares the strings, lists and tables equal to ones read before.
    """
    before = len(problems)
    props = feature.properties
    read = Reader(WHERE, str(props.get("id")).strip(), props, problems, reuse=reuse)
    read.unknown_fields(_LOCATION_FIELDS)
    name = read.text("name")
    name_zh = read.text("name_zh", required=False)
    kind = read.choice("kind", LocationKind)
    country = read.text("country")
    if country is not None and not _COUNTRY.match(country):
        read.problem("country", f"{country!r} is not an ISO 3166-1 alpha-2 code")
    tz = read.parsed("tz", zone if reuse is None else reuse.parser(zone))
    unlocode = read.text("unlocode", required=False)
    if unlocode is not None and not _UNLOCODE.match(unlocode):
        read.problem("unlocode", f"{unlocode!r} is not a UN/LOCODE (2 letters + 3 characters)")
    if unlocode and country and not unlocode.startswith(country):
        read.problem("unlocode", f"{unlocode} does not belong to country {country}")
    if reuse is None:
        city = _city(read, country)
        point = _point(feature, read)
        handling = _handling_hours(read)
        fees = _fees(read, catalogues)
        customs = _customs(read, catalogues)
    else:  # the same tables, read once for all locations that repeat them
        city = reuse.reading(read, "city", _city, country, key=country)
        point = _point(feature, read)
        handling = reuse.reading(read, "handling_hours", _handling_hours)
        fees = reuse.reading(read, "fees", _fees, catalogues)
        customs = reuse.reading(read, "customs", _customs, catalogues)
    tags = read.strings("tags", required=False) or ()
    enabled = read.boolean("enabled", default=True)
    present = {
        "coordinates": point is not None,
        "city": city is not None,
        "handling_hours": bool(handling),
        "customs": customs is not None,
    }
    provenance, source = _provenance(read, catalogues, LOCATION_TRACKED, present)
    if (
        len(problems) > before
        or name is None
        or kind is None
        or country is None
        or tz is None
        or point is None
        or provenance is None
    ):
        return None
    return Location(
        id=read.item,
        name=name,
        name_zh=name_zh,
        kind=kind,
        country=country,
        tz=tz.key,
        lon=point[0],
        lat=point[1],
        unlocode=unlocode,
        city=city,
        handling_hours=MappingProxyType(handling or {}),
        fees=MappingProxyType(fees or {}),
        customs=customs,
        tags=_frozen(tags, reuse),
        enabled=enabled,
        source=source,
        provenance=MappingProxyType(provenance) if reuse is None else reuse.mapping(provenance),
        notes=read.text("notes", required=False),
    )


def parse_leg(
    feature: RawFeature,
    catalogues: Catalogues,
    location_ids: Collection[str],
    locations: Mapping[str, Location],
    problems: list[Problem],
    *,
    require_source: bool = True,
    reuse: Interner | None = None,
) -> ServiceLeg | None:
    """Check one service-leg feature against the locations; ``None`` when it has problems.

    ``require_source=False`` accepts a leg without cited sources, as a scenario adds them: its
    values are then all estimates given by the scenario. ``reuse`` shares the strings, lists,
    timetables and tables equal to ones read before.
    """
    before = len(problems)
    props = feature.properties
    read = Reader(WHERE, str(props.get("id")).strip(), props, problems, reuse=reuse)
    read.unknown_fields(_LEG_FIELDS)
    known = location_ids
    service = read.text("service")
    seq = read.integer("seq", minimum=1)
    mode = read.choice("mode", Mode)
    operator = read.text("operator")
    # the network names every operator in Chinese too; a scenario's added service may not
    operator_zh = read.text("operator_zh", required=require_source)
    origin, destination = read.text("origin"), read.text("destination")
    for name, end in (("origin", origin), ("destination", destination)):
        if end is not None and end not in known:
            read.problem(name, f"dangling endpoint: no location {end!r}")
    if origin is not None and origin == destination:
        read.problem("destination", "a leg cannot end where it starts")
    timetable = read.parsed(
        "departures",
        Timetable.parse if reuse is None else reuse.parser(Timetable.parse),
    )
    transit = read.number("transit_hours", positive=True)
    cutoff = read.number("cutoff_hours", minimum=0) if read.has("cutoff_hours") else 0.0
    given_distance = read.number("distance_km", required=False, positive=True)
    capacity = read.integer("capacity_teu", required=False, minimum=1)
    if timetable is not None and not timetable.continuous and not read.has("capacity_teu"):
        read.problem("capacity_teu", "missing: a scheduled leg needs a capacity per departure")
    classes = read.choices("cargo_classes", CargoClass)
    if classes is not None and not classes:
        read.problem("cargo_classes", "a leg must accept at least one cargo class")
    status = read.choice("status", Status)
    valid_from, valid_to = read.day("valid_from"), read.day("valid_to")
    if valid_from and valid_to and valid_from > valid_to:
        read.problem("valid_to", f"{valid_to} is before valid_from {valid_from}")
    tariff = read.strings("tariff", required=False) or ()
    if catalogues.tariffs is not None and (
        reuse is None or not reuse.remembered((_TARIFFED, tariff))
    ):
        unknown = [code for code in tariff if code not in catalogues.tariffs]
        if unknown:
            read.problem("tariff", f"unknown tariff code(s) {', '.join(unknown)}")
        elif reuse is not None:
            reuse.remember((_TARIFFED, tariff), True)
    emission_class = read.text("emission_class")
    factors = catalogues.emission_factors
    if emission_class and factors is not None:
        if emission_class not in factors.legs:
            read.problem("emission_class", f"unknown emission class {emission_class!r}")
        elif mode is not None and factors.legs[emission_class].mode is not mode:
            read.problem(
                "emission_class",
                f"{emission_class!r} is a {factors.legs[emission_class].mode} factor, not {mode}",
            )
    max_dwt = read.integer("max_dwt", required=False, minimum=1)
    cabotage = read.boolean("cabotage", default=False) if read.has("cabotage") else None
    sanction = _sanction(read) if reuse is None else reuse.reading(read, "sanction", _sanction)
    if status is Status.SANCTIONED and sanction is None and not read.has("sanction"):
        read.problem("sanction", "missing: a sanctioned service names its list and date")
    if sanction is not None and status is not Status.SANCTIONED:
        read.problem("sanction", f"given, but the status is {status}, not sanctioned")
    geometry = _line(feature, read, locations.get(origin or ""), locations.get(destination or ""))
    if geometry is not None and reuse is not None and all(x and y for x, y in geometry):
        # services that share a track share one line, encoded and measured once (not a line
        # with a zero: 0.0 == -0.0, and the two are written apart)
        geometry = reuse.remember((_LINE, geometry), geometry)
    if mode is not None:
        for name, end in (("origin", origin), ("destination", destination)):
            location = locations.get(end or "")
            if location is not None and location.kind not in CALLS[mode]:
                read.problem(name, f"{mode} legs cannot call at {end} (a {location.kind})")
    present = {
        "geometry": geometry is not None,
        "distance_km": given_distance is not None,
        "transit_hours": transit is not None,
        "departures": timetable is not None and not timetable.continuous,
        "cutoff_hours": read.has("cutoff_hours"),
        "capacity_teu": capacity is not None,
        "valid_from": valid_from is not None,
        "sanction": sanction is not None,
    }
    provenance, source = _provenance(
        read, catalogues, LEG_TRACKED, present, require_source=require_source
    )
    if (
        len(problems) > before
        or service is None
        or seq is None
        or mode is None
        or operator is None
        or origin is None
        or destination is None
        or timetable is None
        or transit is None
        or classes is None
        or status is None
        or emission_class is None
        or geometry is None
        or provenance is None
        or cutoff is None
    ):
        return None
    if given_distance is None:
        distance = _length_km(geometry, reuse)
        provenance["distance_km"] = GEODESIC
    else:
        distance = given_distance
    return ServiceLeg(
        id=read.item,
        service=service,
        seq=seq,
        mode=mode,
        operator=operator,
        operator_zh=operator_zh,
        origin=origin,
        destination=destination,
        timetable=timetable,
        transit_hours=transit,
        cutoff_hours=cutoff,
        distance_km=distance,
        capacity_teu=capacity,
        cargo_classes=classes,
        status=status,
        geometry=geometry,
        emission_class=emission_class,
        tariff=tariff,
        service_name=read.text("service_name", required=False),
        valid_from=valid_from,
        valid_to=valid_to,
        tags=_frozen(read.strings("tags", required=False) or (), reuse),
        max_dwt=max_dwt,
        cabotage=cabotage,
        sanction=sanction,
        enabled=read.boolean("enabled", default=True),
        source=source,
        provenance=MappingProxyType(provenance) if reuse is None else reuse.mapping(provenance),
        notes=read.text("notes", required=False),
    )


def _length_km(geometry: tuple[tuple[float, float], ...], reuse: Interner | None) -> float:
    """The geodesic length of a leg's line, measured once for every leg sharing the line."""
    if reuse is None:
        return geodesic_km(geometry)
    length: float | None = reuse.remembered((_LENGTH, id(geometry)))
    if length is None:  # the line is kept by the interner: its id stays its own
        length = reuse.remember((_LENGTH, id(geometry)), geodesic_km(geometry))
    return length


def _frozen(items: tuple[str, ...], reuse: Interner | None) -> frozenset[str]:
    return frozenset(items) if reuse is None else reuse.frozenset(items)


def check_cities(locations: Iterable[Location]) -> list[Problem]:
    """Check that the locations of one city describe it alike, and that codes name one place.

    A city's code or alias may not be another city's code or alias, nor the id of a location
    in another city: a forwarder's code must mean one place.
    """
    problems: list[Problem] = []
    cities: dict[str, tuple[City, str]] = {}
    codes: dict[str, str] = {}
    ordered = sorted(locations, key=lambda location: location.id)
    for location in ordered:
        city = location.city
        if city is None:
            continue
        first = cities.setdefault(city.code, (city, location.id))
        if first[0] != city:
            problems.append(
                Problem(WHERE, location.id, "city", f"differs from city {city.code} of {first[1]}")
            )
            continue
        if first[1] != location.id:
            continue
        for code in (city.code, *city.aliases):
            other = codes.setdefault(code, city.code)
            if other != city.code:
                problems.append(
                    Problem(WHERE, location.id, "city", f"{code} already names city {other}")
                )
    for location in ordered:
        owner = codes.get(location.id)
        if owner is not None and owner != location.city_code:
            problems.append(
                Problem(WHERE, location.id, "id", f"{location.id} is a code of city {owner}")
            )
    return problems


def check_services(legs: Iterable[ServiceLeg], locations: Mapping[str, Location]) -> list[Problem]:
    """Check that the legs of each service are numbered 1..n, chain, and connect in time."""
    problems: list[Problem] = []
    by_service: dict[str, list[ServiceLeg]] = defaultdict(list)
    for leg in legs:
        by_service[leg.service].append(leg)
    stranded: dict[tuple[object, ...], datetime | None] = {}
    for service, members in sorted(by_service.items()):
        ordered = sorted(members, key=lambda leg: leg.seq)
        numbers = [leg.seq for leg in ordered]
        if numbers != list(range(1, len(ordered) + 1)):
            problems.append(
                Problem(
                    WHERE,
                    ordered[0].id,
                    "seq",
                    f"legs of service {service} are numbered {numbers}, expected 1..{len(ordered)}",
                )
            )
            continue
        for before, after in pairwise(ordered):
            if before.destination != after.origin:
                problems.append(
                    Problem(
                        WHERE,
                        after.id,
                        "origin",
                        f"service {service} is broken: leg {before.id} ends at "
                        f"{before.destination} but the next leg starts at {after.origin}",
                    )
                )
            else:
                problems.extend(_continuity(before, after, locations, stranded))
    return problems


def _continuity(
    before: ServiceLeg,
    after: ServiceLeg,
    locations: Mapping[str, Location],
    stranded: dict[tuple[object, ...], datetime | None],
) -> list[Problem]:
    """A box that stays aboard must find the next leg leaving within the maximum stay.

    ``stranded`` remembers the answer for pairs of timetables, transit time and zones seen
    before (the timetables are told apart by identity: they live as long as the legs).
    """
    if before.timetable.continuous or after.timetable.continuous:
        return []
    start_location = locations.get(before.origin)
    next_location = locations.get(after.origin)
    if start_location is None or next_location is None:
        return []
    key = (
        id(before.timetable),
        before.transit_hours,
        id(after.timetable),
        start_location.tz,
        next_location.tz,
    )
    if key in stranded:
        arrival = stranded[key]
    else:
        arrival = stranded[key] = _stranded_arrival(
            before.timetable,
            before.transit_hours,
            after.timetable,
            zone(start_location.tz),
            zone(next_location.tz),
        )
    if arrival is None:
        return []
    local = arrival.astimezone(zone(next_location.tz))
    return [
        Problem(
            WHERE,
            after.id,
            "departures",
            f"a box staying aboard from {before.id} arrives {local:%a %H:%M} local and "
            f"finds no departure of {after.id} within {MAX_STAY_ABOARD_HOURS:g} h",
        )
    ]


def _stranded_arrival(
    timetable: Timetable, transit_hours: float, onward: Timetable, tz: ZoneInfo, next_tz: ZoneInfo
) -> datetime | None:
    """The first arrival over two weeks that finds no onward departure in the stay; or none."""
    reference = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday outside daylight-saving time
    stay = timedelta(hours=MAX_STAY_ABOARD_HOURS)
    window_end = reference + timedelta(days=14)
    horizon = window_end + timedelta(hours=transit_hours) + stay
    leaving = list(onward.instants(next_tz, reference, horizon))
    for departure in timetable.instants(tz, reference, window_end):
        arrival = departure + timedelta(hours=transit_hours)
        if not any(arrival <= leaves < arrival + stay for leaves in leaving):
            return arrival
    return None


def _feature_id(feature: RawFeature, problems: list[Problem]) -> str | None:
    raw = feature.properties.get("id")
    label = f"feature #{feature.index}"
    if is_missing(raw) or not isinstance(raw, str) or not raw.strip():
        problems.append(Problem(WHERE, label, "id", "missing id"))
        return None
    feature_id = raw.strip()
    if not _ID.match(feature_id):
        problems.append(
            Problem(WHERE, feature_id, "id", "ids are upper-case letters, digits, '-', '_', '.'")
        )
        return None
    return feature_id


def _city(read: Reader, country: str | None) -> City | None:
    """The city a location serves: its UN/LOCODE, names and other official codes."""
    data = read.mapping("city", required=False)
    if data is None:
        return None
    before = len(read.problems)
    city = Reader(read.where, read.item, data, read.problems, prefix="city.")
    city.unknown_fields(("code", "name", "name_zh", "aliases"))
    code, name = city.text("code"), city.text("name")
    aliases = city.strings("aliases", required=False) or ()
    for which, value in (("code", code), *(("aliases", alias) for alias in aliases)):
        if value is not None and not _UNLOCODE.match(value):
            city.problem(which, f"{value!r} is not a UN/LOCODE (2 letters + 3 characters)")
        elif value is not None and country and not value.startswith(country):
            city.problem(which, f"{value} does not belong to country {country}")
    if len(read.problems) > before or code is None or name is None:
        return None
    return City(code, name, city.text("name_zh", required=False), tuple(aliases))


def _sanction(read: Reader) -> Sanction | None:
    """The sanctions list and date of a sanctioned service."""
    data = read.mapping("sanction", required=False)
    if data is None:
        return None
    before = len(read.problems)
    entry = Reader(read.where, read.item, data, read.problems, prefix="sanction.")
    entry.unknown_fields(("list", "date"))
    name, day = entry.text("list"), entry.day("date", required=True)
    if len(read.problems) > before or name is None or day is None:
        return None
    return Sanction(name, day)


def _point(feature: RawFeature, read: Reader) -> tuple[float, float] | None:
    if feature.geometry_type != "Point" or len(feature.coordinates) != 1:
        read.problem("geometry", f"a location needs a Point, got {feature.geometry_type}")
        return None
    lon, lat = feature.coordinates[0]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        read.problem("geometry", f"coordinates ({lon}, {lat}) are outside lon/lat range")
        return None
    return lon, lat


def _line(
    feature: RawFeature, read: Reader, origin: Location | None, destination: Location | None
) -> tuple[tuple[float, float], ...] | None:
    if feature.geometry_type != "LineString" or len(feature.coordinates) < 2:
        read.problem("geometry", f"a service leg needs a LineString, got {feature.geometry_type}")
        return None
    coords = feature.coordinates
    for name, end, point in (
        ("origin", origin, coords[0]),
        ("destination", destination, coords[-1]),
    ):
        if end is None or (
            abs(point[0] - end.lon) <= _NEAR_DEGREES and abs(point[1] - end.lat) <= _NEAR_DEGREES
        ):
            continue  # closer than the tolerance (or no end to measure from)
        gap = geodesic_km([point, (end.lon, end.lat)])
        if gap > ENDPOINT_TOLERANCE_KM:
            read.problem(
                "geometry",
                f"the line's {'first' if name == 'origin' else 'last'} point lies {gap:.1f} km "
                f"from its {name} {end.id}",
            )
    return coords


def _handling_hours(read: Reader) -> dict[str, float] | None:
    table = read.mapping("handling_hours", required=False)
    if table is None:
        return None
    modes = {mode.value for mode in Mode} | {ANY_MODE}
    hours: dict[str, float] = {}
    for key in table:
        arriving, _, leaving = str(key).partition(">")
        if arriving not in modes or leaving not in modes:
            read.problem(
                "handling_hours", f"{key!r} is not a mode pair like 'rail>sea' (modes or '*')"
            )
            continue
        value = Reader(read.where, read.item, table, read.problems).number(key, minimum=0)
        if value is not None:
            hours[key] = value
    return hours


def _fees(read: Reader, catalogues: Catalogues) -> dict[str, tuple[str, ...]] | None:
    table = read.mapping("fees", required=False)
    if table is None:
        return None
    fees: dict[str, tuple[str, ...]] = {}
    for mode, codes in table.items():
        if mode not in {m.value for m in Mode}:
            read.problem("fees", f"{mode!r} is not a mode")
            continue
        listed = as_list(codes)
        if listed is None or not all(isinstance(code, str) for code in listed):
            read.problem(f"fees.{mode}", "expected a list of tariff codes")
            continue
        _check_codes(read, f"fees.{mode}", listed, catalogues)
        fees[mode] = tuple(listed)
    return fees


def _customs(read: Reader, catalogues: Catalogues) -> Customs | None:
    table = read.mapping("customs", required=False)
    if table is None:
        return None
    sub = Reader(read.where, read.item, table, read.problems)
    # the fees are each country's, in the fee catalogue (graph.tariffs.CountryCustoms)
    sub.unknown_fields(("export_hours", "import_hours"))
    export_hours = sub.number("export_hours", required=False, minimum=0)
    import_hours = sub.number("import_hours", required=False, minimum=0)
    if export_hours is None and import_hours is None:
        read.problem("customs", "customs must clear exports, imports or both (give their hours)")
        return None
    return Customs(export_hours, import_hours)


def _check_codes(read: Reader, name: str, codes: Iterable[str], catalogues: Catalogues) -> None:
    if catalogues.tariffs is None:
        return
    unknown = [code for code in codes if code not in catalogues.tariffs]
    if unknown:
        read.problem(name, f"unknown tariff code(s) {', '.join(unknown)}")


def _provenance(
    read: Reader,
    catalogues: Catalogues,
    tracked: Sequence[str],
    present: Mapping[str, bool],
    *,
    require_source: bool = True,
) -> tuple[dict[str, Provenance] | None, tuple[str, ...]]:
    """Read ``source`` and per-field ``provenance``; every present tracked field needs one."""
    before = len(read.problems)
    source = read.strings("source", required=require_source) or ()
    if require_source and read.has("source") and not source:
        read.problem("source", "missing sources")
    reuse = read.reuse
    if reuse is None or not reuse.remembered((_CITED, source)):
        unknown = sorted({s for s in source if s not in catalogues.sources})
        if unknown:
            read.problem("source", f"unknown source id(s) {', '.join(unknown)}")
        elif reuse is not None:
            reuse.remember((_CITED, source), True)
    table = read.mapping("provenance") or {}
    provenance = _provenance_table(read, table, catalogues, tracked)
    for name in tracked:
        if present.get(name) and name not in table:
            read.problem(name, "no source or estimate derivation for this value")
    flagged = read.raw("estimate")
    estimated = any(p.estimate for p in provenance.values())
    if flagged is not None and bool(flagged) != estimated:
        read.problem(
            "estimate",
            f"estimate is {flagged!r} but {'some' if estimated else 'no'} values are estimates",
        )
    if len(read.problems) > before:
        return None, source
    return provenance, source


def _provenance_table(
    read: Reader, table: Mapping[str, Any], catalogues: Catalogues, tracked: Sequence[str]
) -> dict[str, Provenance]:
    """The provenance entries of tracked fields in ``table`` (problems go to ``read``)."""
    reuse = read.reuse
    provenance: dict[str, Provenance] = {}
    for name, entry in table.items():
        if name not in tracked:
            read.problem(f"provenance.{name}", f"not a tracked field (one of {', '.join(tracked)})")
            continue
        if type(entry) is not dict and not isinstance(entry, Mapping):
            read.problem(f"provenance.{name}", "expected {source: [...]} or {estimate, derivation}")
            continue
        key = None
        if reuse is not None:
            # an entry equal to one read without a problem reads the same, without a problem
            cited = entry.get("source")
            key = (
                Provenance,
                tuple(cited) if type(cited) is list else cited,
                entry.get("estimate"),
                entry.get("derivation"),
            )
            try:
                known: Provenance | None = reuse.remembered(key)
            except TypeError:  # an unhashable value: read as usual
                known = key = None
            if known is not None:
                provenance[name] = known
                continue
        checked = len(read.problems)
        sub = Reader(read.where, read.item, entry, read.problems, reuse=read.reuse)
        cited = sub.strings("source", required=False) or ()
        missing = sorted({s for s in cited if s not in catalogues.sources})
        if missing:
            read.problem(f"provenance.{name}.source", f"unknown source id(s) {', '.join(missing)}")
        estimate = sub.boolean("estimate", default=False)
        derivation = sub.text("derivation", required=False)
        if estimate and derivation is None:
            read.problem(f"provenance.{name}", "an estimate must give its derivation")
        elif not estimate and not cited:
            read.problem(f"provenance.{name}", "neither a source nor an estimate")
        elif derivation is not None and not estimate:
            read.problem(f"provenance.{name}", "a derivation needs estimate: true")
        else:
            entry_provenance = Provenance(sources=cited, derivation=derivation)
            if reuse is not None and key is not None and len(read.problems) == checked:
                entry_provenance = reuse.remember(key, entry_provenance)
            provenance[name] = entry_provenance
    return provenance
