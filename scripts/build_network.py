"""Build data/network.geojson from the authoring sources in data/src/.

    uv run --group data python scripts/build_network.py [--check]

Reads ``data/src/locations.toml``, ``data/src/services.toml`` and the corridor files
``data/src/corridors/*.toml`` (each may hold cities, customs profiles, waypoints, locations,
services and roads of one corridor) and writes one GeoJSON feature per location and per service
leg, each value with its provenance. Every location names its ``city`` (a ``[city.CODE]`` table:
the city's UN/LOCODE, names, other official codes). Sea-leg geometry comes from the
``searoute`` package (Eurostat MARNET); land and water legs are schematic straight segments
through the listed ``via`` points. Timetables are expanded from a weekly pattern at one call into
each leg's departures in the local time of its origin. The output is deterministic: running the
build twice gives the same bytes, and ``--check`` fails when the committed file is stale.

This script runs offline at data-editing time only; the service never imports it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import searoute

from graph.geo import geodesic_km
from graph.model import DOMESTIC_BY_DEFAULT, Mode
from graph.timetable import Timetable, WeeklyTime, zone

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "src"
SOURCE_REGISTRY = ROOT / "data" / "sources.toml"
OUTPUT = ROOT / "data" / "network.geojson"
REFERENCE_MONDAY = date(2026, 1, 5)  # a week with no daylight-saving change anywhere used
KM_PER_NMI = 1.852
AUTO = "auto"
CARGO_BY_ROAD = ["dangerous", "dry", "reefer"]
ROAD_OPERATOR = "container trucking"  # the operator of every [[road]] drayage link
SPEED_KEY = {"sea": "sea", "rail": "rail", "river": "water", "canal": "water", "road": "road"}


@dataclass
class Context:
    """What every service is built against."""

    locations: dict[str, dict[str, Any]]
    waypoints: dict[str, dict[str, Any]]
    defaults: dict[str, Any]
    snippets: dict[str, Any]
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    operators_zh: dict[str, str] = field(default_factory=dict)
    searoute_cache: dict[tuple[str, str], list[list[float]]] = field(default_factory=dict)

    def point(self, name: str) -> tuple[float, float]:
        """Lon/lat of a location id or a named waypoint."""
        if name in self.locations:
            location = self.locations[name]
            return (float(location["lon"]), float(location["lat"]))
        waypoint = self.waypoints[name]
        return (float(waypoint["lon"]), float(waypoint["lat"]))


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with ``--check`` verify) data/network.geojson."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run scripts/build_network.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    collection = json.loads(text)
    print(f"wrote {args.output}: {len(collection['features'])} features")
    return 0


#: Tables a corridor file may add to (names must not repeat), and its lists of records.
_MERGED_TABLES = ("city", "customs", "profile", "waypoint", "snippet")
_MERGED_LISTS = ("location", "service", "road")


def read_sources(folder: Path = SOURCES) -> dict[str, Any]:
    """The authoring sources merged: locations.toml, services.toml, then corridors/*.toml."""
    merged: dict[str, Any] = {}
    files = [folder / "locations.toml", folder / "services.toml"]
    files += sorted((folder / "corridors").glob("*.toml"))
    for path in files:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        for key, value in data.items():
            if key in _MERGED_LISTS:
                merged.setdefault(key, []).extend(value)
            elif key in _MERGED_TABLES:
                table = merged.setdefault(key, {})
                clash = sorted(set(table) & set(value))
                if clash:
                    msg = f"{path.name}: [{key}] {', '.join(clash)} defined twice"
                    raise SystemExit(msg)
                table.update(value)
            elif key in merged:
                msg = f"{path.name}: [{key}] is defined in another source file"
                raise SystemExit(msg)
            else:
                merged[key] = value
    return merged


def read_operator_names(
    path: Path = SOURCES / "operators.toml", registry: Path = SOURCE_REGISTRY
) -> dict[str, str]:
    """Each operator's Chinese name by its English one, every entry checked.

    An entry cites known sources, or is an estimate that derives its name (``derivation``: a
    key of ``[derivation]`` or its own words), or both; every problem of the file is listed at
    once.
    """
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    with registry.open("rb") as handle:
        known_sources = set(tomllib.load(handle))
    problems: list[str] = []
    names: dict[str, str] = {}
    for number, entry in enumerate(data.get("operator", []), start=1):
        name, name_zh = entry.get("name"), entry.get("name_zh")
        where = f"operator #{number} ({name!r})"
        unknown = sorted(
            set(entry) - {"name", "name_zh", "source", "estimate", "derivation", "note"}
        )
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}: name missing")
            continue
        if name in names:
            problems.append(f"{where}: named twice")
        if not isinstance(name_zh, str) or not name_zh.strip():
            problems.append(f"{where}: name_zh missing")
            continue
        cited = entry.get("source", [])
        missing = sorted(set(cited) - known_sources)
        if missing:
            problems.append(f"{where}: unknown source id(s) {', '.join(missing)}")
        if not cited and not entry.get("derivation"):
            problems.append(f"{where}: neither a source nor a derivation")
        if bool(entry.get("estimate")) != bool(entry.get("derivation")):
            problems.append(f"{where}: an estimate, and only an estimate, says its derivation")
        names[name] = name_zh.strip()
    if problems:
        raise SystemExit(f"{path.name}:\n  " + "\n  ".join(problems))
    return names


def build() -> dict[str, Any]:
    """The network as a GeoJSON FeatureCollection."""
    source = read_sources()
    locations = {entry["id"]: entry for entry in source["location"]}
    context = Context(
        locations=locations,
        waypoints=source.get("waypoint", {}),
        defaults=source["defaults"],
        snippets=source.get("snippet", {}),
        profiles=source["profile"],
        operators_zh=read_operator_names(),
    )
    operators = {service["operator"] for service in source["service"]} | {ROAD_OPERATOR}
    unnamed = sorted(operators - set(context.operators_zh))
    unused = sorted(set(context.operators_zh) - operators)
    if unnamed or unused:
        raise SystemExit(
            "operators.toml: "
            + "; ".join(
                [f"no Chinese name for {name!r}" for name in unnamed]
                + [f"{name!r} runs no service" for name in unused]
            )
        )
    features = [_location_feature(entry, source) for entry in locations.values()]
    for service in source["service"]:
        features += _service_features(service, context)
        if "reverse" in service:
            features += _service_features(_reversed_service(service), context)
    for road in source.get("road", []):
        for origin, destination in ((road["from"], road["to"]), (road["to"], road["from"])):
            features += _service_features(
                _road_service(road, origin, destination, context), context
            )
    return {"type": "FeatureCollection", "name": "corridor-network", "features": features}


def render(collection: Mapping[str, Any]) -> str:
    """Stable text: one feature per line, keys sorted."""
    lines = [
        json.dumps(feature, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        for feature in collection["features"]
    ]
    head = '{"type":"FeatureCollection","name":"corridor-network","features":[\n'
    return head + ",\n".join(lines) + "\n]}\n"


# ---------------------------------------------------------------------------- locations
def _location_feature(entry: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    """A location with its handling and customs profiles resolved."""
    profile = source["profile"][entry["profile"]]
    provenance: dict[str, Any] = {"coordinates": entry["coordinates"]}
    properties: dict[str, Any] = {
        "feature_type": "location",
        "id": entry["id"],
        "name": entry["name"],
        "kind": entry["kind"],
        "country": entry["country"],
        "tz": entry["tz"],
        "tags": sorted(entry.get("tags", [])),
    }
    for key in ("unlocode", "name_zh", "notes"):
        if key in entry:
            properties[key] = entry[key]
    if "city" in entry:
        city = source["city"][entry["city"]]
        properties["city"] = {
            "code": entry["city"],
            "name": city["name"],
            "name_zh": city.get("name_zh"),
            "aliases": city.get("aliases", []),
        }
        provenance["city"] = {"source": city["source"]}
    properties["handling_hours"] = profile["handling_hours"]
    provenance["handling_hours"] = profile["provenance"]
    if "fees" in profile:
        properties["fees"] = profile["fees"]
    customs = entry.get("customs")
    if isinstance(customs, str):
        customs = dict(source["customs"][customs])
    if customs is not None:
        customs = dict(customs)
        provenance["customs"] = customs.pop("provenance")
        properties["customs"] = customs
    properties["provenance"] = provenance
    properties["source"] = _cited(provenance.values())
    properties["estimate"] = any(p.get("estimate") for p in provenance.values())
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [entry["lon"], entry["lat"]]},
        "properties": properties,
    }


# ---------------------------------------------------------------------------- services
def _reversed_service(service: Mapping[str, Any]) -> dict[str, Any]:
    """The return service: the same calls backwards, with the overrides in ``reverse``."""
    result = {key: value for key, value in service.items() if key != "reverse"}
    legs = len(service["calls"]) - 1
    result["calls"] = list(reversed(service["calls"]))
    result["anchor"] = 0
    for key in ("transit_hours", "distance_km", "leg_tags", "leg_emission_class", "leg_tariff"):
        if key in service:
            result[key] = list(reversed(service[key]))
    if "via" in service:
        result["via"] = [list(reversed(points)) for points in reversed(service["via"])]
    if "dwell_hours" in service:
        result["dwell_hours"] = list(reversed(service["dwell_hours"]))
    provenance = {}
    for key, value in service.get("provenance", {}).items():
        provenance[key] = list(reversed(value)) if isinstance(value, list) else value
    overrides = service["reverse"]
    provenance.update(overrides.get("provenance", {}))
    result["provenance"] = provenance
    result.update({key: value for key, value in overrides.items() if key != "provenance"})
    assert len(result["calls"]) - 1 == legs
    return result


def _road_service(
    road: Mapping[str, Any], origin: str, destination: str, context: Context
) -> dict[str, Any]:
    """A continuous truck link; with no road distance given, the geodesic x the detour factor."""
    distance = road.get("distance_km", AUTO)
    provenance = {"distance_km": road["provenance"]} if "provenance" in road else {}
    if distance == AUTO:
        detour = context.defaults["road_detour"]
        geodesic = geodesic_km([context.point(origin), context.point(destination)])
        distance = round(geodesic * detour["factor"], 1)
        provenance = {
            "distance_km": {
                "source": detour["provenance"]["source"],
                "estimate": True,
                "derivation": f"geodesic {geodesic:.1f} km x {detour['factor']}: "
                + detour["provenance"]["derivation"],
            }
        }
    return {
        "id": f"ROAD-{origin}-{destination}",
        "name": f"Road drayage {origin} – {destination}",
        "mode": "road",
        "operator": ROAD_OPERATOR,
        "calls": [origin, destination],
        "departures": "continuous",
        "transit_hours": [AUTO],
        "distance_km": [distance],
        "cargo_classes": CARGO_BY_ROAD,
        "tags": sorted(["drayage", *road.get("tags", [])]),
        "tariff": road.get("tariff", "road_tariff"),
        **({"surcharges": road["surcharges"]} if "surcharges" in road else {}),
        "emission_class": "road.truck.articulated",
        "provenance": provenance,
    }


def _cutoff(mode: str, origin: str, context: Context) -> tuple[float, Any]:
    """The cut-off before a departure of ``mode`` from ``origin``, and where it comes from.

    The port's own (its handling profile's ``cutoff_hours``), else the mode's default.
    """
    profile = context.profiles[context.locations[origin]["profile"]]
    if mode in profile.get("cutoff_hours", {}):
        return float(profile["cutoff_hours"][mode]), profile["cutoff_provenance"]
    return context.defaults["cutoff"][mode], context.defaults["cutoff"]["provenance"][mode]


def _service_features(service: Mapping[str, Any], context: Context) -> list[dict[str, Any]]:
    """One feature per leg of ``service``."""
    mode = service["mode"]
    calls = service["calls"]
    legs = len(calls) - 1
    provenance = {
        key: _expand(value, context) for key, value in service.get("provenance", {}).items()
    }
    geometries = [_leg_geometry(service, index, context) for index in range(legs)]
    distances = _per_leg(service.get("distance_km", [AUTO] * legs), legs)
    transits: list[float] = []
    transit_provenance: list[dict[str, Any]] = []
    given_transit = _per_leg(service.get("transit_hours", [AUTO] * legs), legs)
    speeds = context.defaults["speed"]
    speed_key = SPEED_KEY[mode]
    for index in range(legs):
        distance = distances[index]
        km = geodesic_km(geometries[index]) if distance == AUTO else float(distance)
        if given_transit[index] == AUTO:
            speed = (
                speeds[f"{speed_key}_kn"] * KM_PER_NMI
                if mode == "sea"
                else speeds[f"{speed_key}_kmh"]
            )
            transits.append(round(km / speed, 1))
            basis = speeds["provenance"][speed_key]
            transit_provenance.append(
                {
                    "estimate": True,
                    "derivation": basis["derivation"],
                    "source": basis.get("source", []),
                }
            )
        else:
            transits.append(float(given_transit[index]))
            transit_provenance.append(_pick(provenance.get("transit_hours"), index))
    dwell_default = context.defaults["dwell"][mode]
    dwells = [float(d) for d in service.get("dwell_hours", [dwell_default] * max(legs - 1, 0))]
    departures = _leg_departures(service, transits, dwells, context)
    features = []
    for index in range(legs):
        origin, destination = calls[index], calls[index + 1]
        leg_provenance: dict[str, Any] = {
            "geometry": _geometry_provenance(service, index, context),
            "transit_hours": _clean(transit_provenance[index]),
        }
        properties: dict[str, Any] = {
            "feature_type": "service_leg",
            "id": f"{service['id']}-{index + 1}",
            "service": service["id"],
            "service_name": service["name"],
            "seq": index + 1,
            "mode": _leg_value(service, "leg_mode", index, mode),
            "operator": service["operator"],
            "operator_zh": context.operators_zh[service["operator"]],
            "origin": origin,
            "destination": destination,
            "departures": departures[index],
            "transit_hours": transits[index],
            "cargo_classes": sorted(service["cargo_classes"]),
            "status": service.get("status", "active"),
            "tags": sorted({*service.get("tags", []), *_leg_value(service, "leg_tags", index, [])}),
            "tariff": _resolve(
                _leg_value(service, "leg_tariff", index, service.get("tariff", [])), context
            )
            + service.get(
                "surcharges",
                context.defaults.get("surcharges", {}).get(
                    _leg_value(service, "leg_mode", index, mode), []
                ),
            ),
            "emission_class": _leg_value(
                service, "leg_emission_class", index, service["emission_class"]
            ),
        }
        if distances[index] != AUTO:
            properties["distance_km"] = float(distances[index])
            leg_provenance["distance_km"] = _clean(_pick(provenance.get("distance_km"), index))
        if departures[index] != "continuous":
            cutoff, cutoff_provenance = _cutoff(properties["mode"], origin, context)
            properties["cutoff_hours"] = cutoff
            leg_provenance["cutoff_hours"] = cutoff_provenance
            leg_provenance["departures"] = _departure_provenance(
                service, index, provenance, context
            )
            properties["capacity_teu"] = service["capacity_teu"]
            leg_provenance["capacity_teu"] = _clean(_pick(provenance.get("capacity_teu"), index))
        for key in ("valid_from", "valid_to", "max_dwt", "notes"):
            if key in service:
                properties[key] = service[key]
        properties["cabotage"] = service.get("cabotage", Mode(mode) in DOMESTIC_BY_DEFAULT)
        if "sanctions" in service:
            sanction = service["sanctions"]
            properties["sanction"] = {"list": sanction["list"], "date": str(sanction["date"])}
            leg_provenance["sanction"] = {"source": sanction["source"]}
        if "valid_from" in service:
            leg_provenance["valid_from"] = _clean(_pick(provenance.get("valid_from"), index))
        properties["provenance"] = leg_provenance
        properties["source"] = _cited(leg_provenance.values())
        properties["estimate"] = any(p.get("estimate") for p in leg_provenance.values())
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": geometries[index]},
                "properties": properties,
            }
        )
    return features


def _leg_departures(
    service: Mapping[str, Any], transits: Sequence[float], dwells: Sequence[float], context: Context
) -> list[Any]:
    """Each leg's weekly departures (local time at its origin), chained from the anchor call."""
    legs = len(transits)
    if service["departures"] == "continuous":
        return ["continuous"] * legs
    calls = service["calls"]
    anchor = int(service.get("anchor", 0))
    offsets = [0.0]
    for index in range(1, legs):
        offsets.append(offsets[-1] + transits[index - 1] + dwells[index - 1])
    timetable = Timetable.parse(service["departures"])
    anchor_zone = zone(context.locations[calls[anchor]]["tz"])
    starts = [
        _reference_instant(weekly, anchor_zone) - timedelta(hours=offsets[anchor])
        for weekly in timetable.weekly
    ]
    result: list[Any] = []
    for index in range(legs):
        tz = zone(context.locations[calls[index]]["tz"])
        weekly = sorted({_weekly(start + timedelta(hours=offsets[index]), tz) for start in starts})
        result.append([str(w) for w in weekly])
    return result


def _leg_geometry(service: Mapping[str, Any], index: int, context: Context) -> list[list[float]]:
    origin, destination = service["calls"][index], service["calls"][index + 1]
    start, end = context.point(origin), context.point(destination)
    if service["mode"] == "sea":
        key = (origin, destination)
        if key not in context.searoute_cache:
            route = searoute.searoute(list(start), list(end), units="naut", append_orig_dest=True)
            coords = [
                [_wrap(lon), round(lat, 5)] for lon, lat, *_ in route["geometry"]["coordinates"]
            ]
            coords[0], coords[-1] = [start[0], start[1]], [end[0], end[1]]
            context.searoute_cache[key] = _dedupe(coords)
        return context.searoute_cache[key]
    via = service.get("via", [[] for _ in service["calls"][1:]])[index]
    points = [start, *(context.point(name) for name in via), end]
    return [[round(lon, 5), round(lat, 5)] for lon, lat in points]


def _geometry_provenance(
    service: Mapping[str, Any], index: int, context: Context
) -> dict[str, Any]:
    if service["mode"] == "sea":
        return {
            "estimate": True,
            "derivation": "searoute 1.6.0 shortest sea path (Eurostat MARNET) between the two "
            "ports; ignores traffic separation schemes and approach channels",
        }
    via = service.get("via", [[] for _ in service["calls"][1:]])[index]
    sources = sorted(
        {s for name in via if name in context.waypoints for s in context.waypoints[name]["source"]}
    )
    names = ", ".join(via) if via else "none"
    entry: dict[str, Any] = {
        "estimate": True,
        "derivation": f"schematic straight segments between the calls through {names}; "
        "the real alignment was not available",
    }
    if sources:
        entry["source"] = sources
    return entry


def _departure_provenance(
    service: Mapping[str, Any], index: int, provenance: Mapping[str, Any], context: Context
) -> dict[str, Any]:
    base = dict(_pick(provenance.get("departures"), index))
    anchor = int(service.get("anchor", 0))
    if index == anchor:
        return _clean(base)
    basis = (
        provenance.get("dwell_hours") or context.defaults["dwell"]["provenance"][service["mode"]]
    )
    dwell = _pick(basis, index)
    note = (
        f"; this leg's departures follow from the departures at {service['calls'][anchor]} "
        f"plus the transit times and dwell at intermediate calls ({dwell['derivation']})"
    )
    base["estimate"] = True
    base["derivation"] = (base.get("derivation") or "published departures") + note
    base["source"] = sorted({*base.get("source", []), *dwell.get("source", [])})
    return _clean(base)


# ---------------------------------------------------------------------------- helpers
def _expand(value: Any, context: Context) -> Any:
    """Resolve snippet names used as provenance values."""
    if isinstance(value, str):
        return context.snippets[value]
    return value


def _resolve(value: Any, context: Context) -> list[str]:
    return list(context.snippets[value]) if isinstance(value, str) else list(value)


def _per_leg(values: Any, legs: int) -> list[Any]:
    items = list(values)
    if len(items) != legs:
        msg = f"expected {legs} per-leg values, got {items}"
        raise ValueError(msg)
    return items


def _pick(value: Any, index: int) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(value[index] if isinstance(value, list) else value)


def _leg_value(service: Mapping[str, Any], key: str, index: int, default: Any) -> Any:
    return service[key][index] if key in service else default


def _clean(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A provenance entry in file form: ``source`` sorted, ``estimate`` set with a derivation."""
    result: dict[str, Any] = {}
    sources = sorted(set(entry.get("source", [])))
    if sources:
        result["source"] = sources
    derivation = entry.get("derivation")
    if derivation:
        result["estimate"] = True
        result["derivation"] = derivation
    return result


def _cited(entries: Any) -> list[str]:
    return sorted({source for entry in entries for source in entry.get("source", [])})


def _reference_instant(weekly: WeeklyTime, tz: Any) -> datetime:
    day = REFERENCE_MONDAY + timedelta(days=weekly.day)
    local = datetime.combine(day, time(weekly.minute // 60, weekly.minute % 60), tzinfo=tz)
    return local.astimezone(UTC)


def _weekly(instant: datetime, tz: Any) -> WeeklyTime:
    local = (instant + timedelta(seconds=30)).astimezone(tz)
    return WeeklyTime(local.weekday(), local.hour * 60 + local.minute)


def _wrap(lon: float) -> float:
    return round(((lon + 180.0) % 360.0) - 180.0, 5)


def _dedupe(coords: list[list[float]]) -> list[list[float]]:
    result = [coords[0]]
    for point in coords[1:]:
        if point != result[-1]:
            result.append(point)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
