"""The quote's request and result types: plain, typed and immutable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from graph import Mode, Status
from solvers.cargo import Cargo
from solvers.errors import InvalidRequest

DEFAULT_HORIZON = timedelta(weeks=8)
#: The longest a quote may look ahead for departures (solvers share what they find within it).
MAX_HORIZON = timedelta(weeks=26)


class Preference(StrEnum):
    """Which option the quote recommends."""

    CHEAPEST = "cheapest"
    FASTEST = "fastest"
    GREENEST = "greenest"
    BALANCED = "balanced"


class HubRule(StrEnum):
    """Whether an itinerary must visit all required hubs or any one of them."""

    ALL = "all"
    ANY = "any"


class SolveStatus(StrEnum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a shipment starts or ends.

    A location id (one terminal), a city code (any of the city's terminals: the search starts
    from all of them, or ends at whichever is best), or a point with trucking up to ``max_km``.
    """

    location: str | None = None
    lat: float | None = None
    lon: float | None = None
    max_km: float = 0.0
    city: str | None = None

    def __post_init__(self) -> None:
        by_point = self.lat is not None or self.lon is not None
        if (self.location is not None) + (self.city is not None) + by_point != 1:
            raise InvalidRequest(
                [("endpoint", "give one of a location id, a city code, or lat and lon")]
            )
        if by_point:
            if self.lat is None or self.lon is None:
                raise InvalidRequest([("endpoint", "give both lat and lon")])
            if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
                raise InvalidRequest([("endpoint", f"({self.lat}, {self.lon}) is not lat/lon")])
            if self.max_km <= 0:
                raise InvalidRequest([("max_km", "a point needs a positive trucking radius")])

    @classmethod
    def at(cls, location: str) -> Endpoint:
        """An endpoint at a network location."""
        return cls(location=location)

    @classmethod
    def in_city(cls, city: str) -> Endpoint:
        """An endpoint at any terminal of a city."""
        return cls(city=city)

    def __str__(self) -> str:
        if self.location is not None:
            return self.location
        if self.city is not None:
            return self.city
        return f"({self.lat:.4f}, {self.lon:.4f}) ≤{self.max_km:g} km"


@dataclass(frozen=True, slots=True)
class Filters:
    """Routescanner-style restrictions on the itineraries.

    Hubs count as visited when a ride calls there, aboard or not. Required operators bind every
    mode but road (drayage is booked by the forwarder, whoever runs the trucks). Only active
    services are offered unless ``include_statuses`` asks for unconfirmed or sanctioned ones too.
    """

    modes: frozenset[Mode] = frozenset(Mode)
    max_transfers: int | None = None
    required_hubs: tuple[str, ...] = ()
    hub_rule: HubRule = HubRule.ALL
    excluded_hubs: frozenset[str] = frozenset()
    required_operators: frozenset[str] = frozenset()
    excluded_operators: frozenset[str] = frozenset()
    include_statuses: frozenset[Status] = frozenset()


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    """Everything a quote needs besides the network.

    ``capacity`` maps departure keys (``LEG@YYYY-MM-DDTHH:MMZ``) to the TEU still free on them;
    a departure not in the map has its leg's full capacity. ``value_of_time_cny_per_teu_hour``
    weighs time against price for the balanced recommendation.
    """

    origin: Endpoint
    destination: Endpoint
    ready: datetime
    cargo: Cargo
    deadline: datetime | None = None
    filters: Filters = field(default_factory=Filters)
    max_price_cny: float | None = None
    max_co2e_kg: float | None = None
    preference: Preference = Preference.BALANCED
    value_of_time_cny_per_teu_hour: float | None = None
    horizon: timedelta = DEFAULT_HORIZON
    capacity: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        problems = []
        if self.ready.tzinfo is None:
            problems.append(("ready", "give a time zone or UTC offset"))
        if self.deadline is not None:
            if self.deadline.tzinfo is None:
                problems.append(("deadline", "give a time zone or UTC offset"))
            elif self.ready.tzinfo is not None and self.deadline <= self.ready:
                problems.append(("deadline", "the deadline must be after the ready time"))
        if self.max_price_cny is not None and self.max_price_cny < 0:
            problems.append(("max_price_cny", "must not be negative"))
        if self.max_co2e_kg is not None and self.max_co2e_kg < 0:
            problems.append(("max_co2e_kg", "must not be negative"))
        if (
            self.value_of_time_cny_per_teu_hour is not None
            and self.value_of_time_cny_per_teu_hour < 0
        ):
            problems.append(("value_of_time_cny_per_teu_hour", "must not be negative"))
        if self.filters.max_transfers is not None and self.filters.max_transfers < 0:
            problems.append(("max_transfers", "must not be negative"))
        if not self.filters.modes:
            problems.append(("modes", "allow at least one mode"))
        if not timedelta(hours=1) <= self.horizon <= MAX_HORIZON:
            problems.append(("horizon", "between 1 hour and 26 weeks"))
        if self.origin == self.destination:
            problems.append(("destination", "origin and destination are the same"))
        if problems:
            raise InvalidRequest(problems)

    @property
    def limited(self) -> bool:
        """Whether a deadline, budget, CO2e cap or transfer cap is set."""
        return (
            self.deadline is not None
            or self.max_price_cny is not None
            or self.max_co2e_kg is not None
            or self.filters.max_transfers is not None
        )

    def without_limits(self) -> QuoteRequest:
        """The same request without deadline, budget, CO2e cap or transfer cap."""
        return replace(
            self,
            deadline=None,
            max_price_cny=None,
            max_co2e_kg=None,
            filters=replace(self.filters, max_transfers=None),
        )
