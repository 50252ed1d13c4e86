"""The network as the API shows it: locations, dated departures, reloads."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LocationOut(BaseModel):
    """A network location."""

    id: str
    name: str
    name_zh: str | None
    kind: str
    country: str
    tz: str
    lat: float
    lon: float
    unlocode: str | None
    city: str = Field(description="UN/LOCODE of the city the location serves.")
    city_name: str
    city_name_zh: str | None
    tags: list[str]


class LocationPage(BaseModel):
    """Locations matching a search, best first."""

    items: list[LocationOut]


class DepartureOut(BaseModel):
    """One dated departure of a service leg with its room."""

    departure_key: str
    leg: str
    from_: str = Field(alias="from")
    to: str
    departure: str
    arrival: str
    cutoff: str
    capacity_teu: float | None
    booked_teu: float
    available_teu: float | None
    on_demand: bool


class DeparturePage(BaseModel):
    """Departures of a service in a window."""

    service: str
    items: list[DepartureOut]


class NetworkReloadOut(BaseModel):
    """The network this process serves after a reload, and the one it replaced."""

    network_version: str
    previous_version: str
    changed: bool
    locations: int
    service_legs: int
