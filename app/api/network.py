"""Locations, the network as GeoJSON, and the departures of a service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from difflib import SequenceMatcher
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from app.api.deps import DB, LoadedNetwork, require
from app.auth import Principal
from app.db import ledger
from app.errors import ServiceError, invalid
from app.mapping import EARLIEST, LATEST, instant, local_time
from app.problem_types import ProblemType
from app.roles import Permission
from app.schemas.common import ID_PATTERN
from app.schemas.network import DeparturePage, LocationOut, LocationPage
from app.schemas.problems import problem_responses
from app.services import scenarios
from app.state import running
from graph import City, Location, LocationKind, Mode, Status, summarize, to_geojson
from solvers.errors import InvalidRequest

reader = require(Permission.READ_NETWORK)
router = APIRouter(
    prefix="/v1",
    dependencies=[Depends(reader)],
    responses=problem_responses(401, 403, 404, 422),
)

MAX_DEPARTURE_WINDOW = timedelta(days=62)


def location_out(location: Location) -> LocationOut:
    """The API form of a location."""
    return LocationOut(
        id=location.id,
        name=location.name,
        name_zh=location.name_zh,
        kind=location.kind.value,
        country=location.country,
        tz=location.tz,
        lat=location.lat,
        lon=location.lon,
        unlocode=location.unlocode,
        city=location.city_code,
        city_name=location.city.name if location.city else location.name,
        city_name_zh=location.city.name_zh if location.city else location.name_zh,
        tags=sorted(location.tags),
    )


def match_score(location: Location, query: str) -> float:
    """How well ``query`` names ``location``: 0 (not at all) to 100 (its id).

    Ids and UN/LOCODEs first, then name prefixes (English or Chinese), then words and
    substrings, then fuzzy matches (a typo in an English name) above a ratio of 0.75.
    """
    q = query.strip().casefold()
    if not q:
        return 0.0
    ident = location.id.casefold()
    codes = {ident, (location.unlocode or "").casefold()} - {""}
    names = [location.name.casefold(), *([location.name_zh] if location.name_zh else [])]
    if q in codes:
        return 100.0
    if any(code.startswith(q) for code in codes):
        return 90.0
    if any(name.startswith(q) for name in names):
        return 80.0
    if any(word.startswith(q) for name in names for word in name.replace("-", " ").split()):
        return 70.0
    if any(q in name for name in names):
        return 60.0
    best = max(
        SequenceMatcher(None, q, part).ratio()
        for name in names
        for part in (name, *name.replace("-", " ").split())
    )
    return 50.0 * best if best >= 0.75 else 0.0


@router.get("/locations", response_model=LocationPage, tags=["network"])
def search_locations(
    network: LoadedNetwork,
    q: Annotated[
        str | None,
        Query(max_length=100, description="UN/LOCODE, id, English or Chinese name (fuzzy)."),
    ] = None,
    kind: Annotated[LocationKind | None, Query(description="Only this kind.")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> LocationPage:
    """Locations by id, UN/LOCODE or name, best match first; all (by id) without ``q``."""
    candidates = [
        location
        for location in network.list_locations()
        if (kind is None or location.kind is kind)
        and (country is None or location.country == country)
    ]
    if q is None:
        chosen = candidates
    else:
        scored = [(match_score(location, q), location) for location in candidates]
        chosen = [loc for score, loc in sorted(scored, key=lambda s: (-s[0], s[1].id)) if score > 0]
    return LocationPage(items=[location_out(location) for location in chosen[:limit]])


@router.get("/locations/{location_id}", response_model=LocationOut, tags=["network"])
def get_location(network: LoadedNetwork, location_id: str) -> LocationOut:
    """One location by id, ignoring case (404 for an unknown id or a city of several terminals)."""
    place = network.place(location_id)
    if isinstance(place, City) and len(network.terminals[place.code]) == 1:
        place = network.locations[network.terminals[place.code][0]]
    if isinstance(place, Location):
        return location_out(place)
    if isinstance(place, City):
        terminals = ", ".join(network.terminals[place.code])
        raise ServiceError(
            ProblemType.NOT_FOUND, "Location not found", f"{place.code} is a city: {terminals}"
        )
    return location_out(network.get_location(location_id))


@router.get("/network/summary", tags=["network"])
def network_summary(network: LoadedNetwork) -> dict[str, Any]:
    """Counts by location kind, mode and status, service counts, sourced/estimated values."""
    summary: dict[str, Any] = summarize(network).to_data()
    return summary


@router.get("/network", tags=["network"])
def network_geojson(
    network: LoadedNetwork,
    request: Request,
    db: DB,
    caller: Annotated[Principal, Depends(reader)],
    mode: Annotated[list[Mode] | None, Query(description="Only legs of these modes.")] = None,
    status: Annotated[
        list[Status] | None, Query(description="Only legs with these statuses.")
    ] = None,
    tag: Annotated[str | None, Query(max_length=64, description="Only legs with this tag.")] = None,
    scenario: Annotated[
        str | None, Query(pattern=ID_PATTERN, description="A stored scenario's network.")
    ] = None,
) -> dict[str, Any]:
    """The network as one GeoJSON FeatureCollection of locations and service legs.

    Locations are Points and legs LineStrings, with all their properties and sources. Legs are
    filtered by mode, status and tag; a location stays when a kept leg touches it (all
    locations stay when no filter is given). ``scenario`` maps a stored scenario's network.
    """
    shown = scenarios.request_network(
        db, running(request).scenario_networks, network, caller.organisation_id, scenario
    )
    data = to_geojson(shown)
    if mode is None and status is None and tag is None:
        return data
    legs = [
        f
        for f in data["features"]
        if f["geometry"]["type"] == "LineString"
        and (mode is None or f["properties"]["mode"] in mode)
        and (status is None or f["properties"]["status"] in status)
        and (tag is None or tag in f["properties"].get("tags", ()))
    ]
    touched = {
        end for f in legs for end in (f["properties"]["origin"], f["properties"]["destination"])
    }
    points = [
        f
        for f in data["features"]
        if f["geometry"]["type"] == "Point" and f["properties"]["id"] in touched
    ]
    return {**data, "features": points + legs}


@router.get("/services/{service_id}/departures", response_model=DeparturePage, tags=["network"])
def service_departures(
    network: LoadedNetwork,
    db: DB,
    service_id: str,
    start: Annotated[
        str | None,
        Query(
            alias="from",
            max_length=40,
            description="Window start, ISO 8601 (default: now). A date, or a time without an "
            "offset, is local time at the service's first place.",
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(
            alias="to",
            max_length=40,
            description="Window end, read as `from` is (default: 14 days on).",
        ),
    ] = None,
) -> DeparturePage:
    """Dated departures of every leg of a service in ``[from, to)`` with booked and free TEU."""
    legs = network.service_legs(service_id)
    tz = network.locations[legs[0].origin].tz
    first = _moment(start, "from", tz) if start else datetime.now(UTC)
    last = _moment(end, "to", tz) if end else first + timedelta(days=14)
    if last <= first or last - first > MAX_DEPARTURE_WINDOW:
        invalid(
            "query.to",
            f"must be after from and at most {MAX_DEPARTURE_WINDOW.days} days later",
        )
    departures = [d for leg in legs for d in network.departures(leg.id, first, last)]
    booked = ledger.booked(db, [d.key for d in departures])
    items = []
    for departure in sorted(departures, key=lambda d: (d.departure, d.leg_id)):
        leg = network.legs[departure.leg_id]
        taken = booked.get(departure.key, 0.0)
        items.append(
            {
                "departure_key": departure.key,
                "leg": leg.id,
                "from": leg.origin,
                "to": leg.destination,
                "departure": local_time(departure.departure, leg.origin, network),
                "arrival": local_time(departure.arrival, leg.destination, network),
                "cutoff": local_time(departure.cutoff, leg.origin, network),
                "capacity_teu": departure.capacity_teu,
                "booked_teu": taken,
                "available_teu": None
                if departure.capacity_teu is None
                else departure.capacity_teu - taken,
                "on_demand": departure.on_demand,
            }
        )
    return DeparturePage.model_validate({"service": service_id, "items": items})


def _moment(text: str, field: str, tz: str) -> datetime:
    try:
        moment = instant(text, field, tz)
    except InvalidRequest as error:
        invalid(f"query.{field}", error.problems[0][1])
    if not EARLIEST <= moment < LATEST:
        invalid(f"query.{field}", f"must be between {EARLIEST.year} and {LATEST.year - 1}")
    return moment
