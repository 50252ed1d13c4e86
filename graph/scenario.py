"""Scenarios: ordered patch operations applied to a base network, in the spirit of R5.

Applying a scenario returns a new :class:`~graph.network.Network` (with its own version) and
leaves the base untouched; unchanged locations and legs are shared, since they are immutable.
Operations select what they change by ``ids`` (leg, service or location ids) and ``tags``:

``enable`` / ``disable``
    Switch legs and locations on or off. ``enable`` also opens ``planned`` legs (the Pinglu
    Canal) and may set their ``valid_from``/``valid_to``. Disabling then enabling active legs
    restores an equal network.
``add_service``
    New service legs in the network file's format, validated against the network.
``adjust_frequency``
    A new weekly timetable for a service's first leg; later legs keep their offset from it.
``adjust_transit``
    New transit hours (``hours`` or ``factor``); later legs of the same service shift so that
    a box staying aboard still connects.
``adjust_capacity``
    New capacity per departure (``capacity_teu`` or ``factor``).
``set_tariff``
    Change a catalogue item's amount (``amount`` or ``factor``) or add/replace a whole ``item``.
    With ``valid_from`` the change applies to rides departing from that day on: the item ends
    the day before and a successor (code ``<code>.<yyyymmdd>``) is charged wherever it was.
``close``
    Close a location, service, leg or ``tag:<name>`` over ``[start, end)``: departures and
    arrivals in the window are cancelled (also how disruptions are expressed).
``add_dwell``
    Keep boxes arriving at a location (or ``tag:<name>``) in ``[start, end)`` ``hours`` longer
    there: a border queue or a crowded yard, open but slow.

An operation that names an unknown id, matches nothing or carries a negative value is an error
(:class:`~graph.errors.ScenarioError`) naming the operation and the field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from types import MappingProxyType
from typing import Any, Literal

from graph.errors import Problem, ScenarioError
from graph.fields import Reader, as_list
from graph.model import Closure, Congestion, Location, Provenance, ServiceLeg, Status
from graph.network import TAG_PREFIX, Network
from graph.tariffs import TariffItem, parse_item
from graph.timetable import Timetable, WeeklyTime, zone
from graph.validate import Catalogues, RawFeature, check_services, parse_leg

WHERE = "scenario"
_REFERENCE_MONDAY = date(2026, 1, 5)  # a week without daylight-saving changes


@dataclass(frozen=True, slots=True)
class Targets:
    """What an operation selects: ids (leg, service or location) and tags."""

    ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Enable:
    """Switch legs/locations on; open planned legs, optionally within new validity dates."""

    targets: Targets
    valid_from: date | None = None
    valid_to: date | None = None
    op: Literal["enable"] = "enable"


@dataclass(frozen=True, slots=True)
class Disable:
    """Switch legs/locations off."""

    targets: Targets
    op: Literal["disable"] = "disable"


@dataclass(frozen=True, slots=True)
class AddService:
    """Add the legs of a new service (features in the network file's format)."""

    features: tuple[Mapping[str, Any], ...]
    op: Literal["add_service"] = "add_service"


@dataclass(frozen=True, slots=True)
class AdjustFrequency:
    """Replace a service's weekly departures (at its first call)."""

    service: str
    departures: Timetable
    op: Literal["adjust_frequency"] = "adjust_frequency"


@dataclass(frozen=True, slots=True)
class AdjustTransit:
    """Set (``hours``) or scale (``factor``) the transit time of the selected legs."""

    targets: Targets
    hours: float | None = None
    factor: float | None = None
    op: Literal["adjust_transit"] = "adjust_transit"


@dataclass(frozen=True, slots=True)
class AdjustCapacity:
    """Set (``capacity_teu``) or scale (``factor``) the capacity per departure."""

    targets: Targets
    capacity_teu: int | None = None
    factor: float | None = None
    op: Literal["adjust_capacity"] = "adjust_capacity"


@dataclass(frozen=True, slots=True)
class SetTariff:
    """Change an item's amount (``amount`` or ``factor``) or add/replace a whole ``item``."""

    code: str
    amount: float | None = None
    factor: float | None = None
    item: Mapping[str, Any] | None = None
    valid_from: date | None = None
    op: Literal["set_tariff"] = "set_tariff"


@dataclass(frozen=True, slots=True)
class Close:
    """Close a location, service, leg or ``tag:<name>`` over ``[start, end)``."""

    target: str
    start: datetime
    end: datetime
    reason: str = ""
    op: Literal["close"] = "close"


@dataclass(frozen=True, slots=True)
class AddDwell:
    """Keep boxes arriving at a location or ``tag:<name>`` in ``[start, end)`` longer there."""

    target: str
    hours: float
    start: datetime
    end: datetime
    reason: str = ""
    op: Literal["add_dwell"] = "add_dwell"


PatchOp = (
    Enable | Disable | AddService | AdjustFrequency | AdjustTransit | AdjustCapacity | SetTariff
    | Close | AddDwell
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named, ordered list of patch operations."""

    name: str
    ops: tuple[PatchOp, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------- parsing
def parse_scenario(name: str, ops: Sequence[Mapping[str, Any]]) -> Scenario:
    """Read patch operations from plain data (JSON), e.g. ``{"op": "disable", "tags": [...]}``.

    Raises
    ------
    ScenarioError
        Listing every malformed operation and field.
    """
    problems: list[Problem] = []
    parsed = [_parse_op(index, raw, problems) for index, raw in enumerate(ops)]
    if problems:
        raise ScenarioError(problems)
    return Scenario(name, tuple(op for op in parsed if op is not None))


def _parse_op(index: int, raw: object, problems: list[Problem]) -> PatchOp | None:
    label = f"op #{index + 1}"
    if not isinstance(raw, Mapping):
        problems.append(Problem(WHERE, label, "", "expected an object with an 'op' field"))
        return None
    read = Reader(WHERE, label, raw, problems)
    before = len(problems)
    kind = read.text("op")
    result: PatchOp | None = None
    match kind:
        case "enable":
            read.unknown_fields(("op", "ids", "tags", "valid_from", "valid_to"))
            result = Enable(_targets(read), read.day("valid_from"), read.day("valid_to"))
        case "disable":
            read.unknown_fields(("op", "ids", "tags"))
            result = Disable(_targets(read))
        case "add_service":
            read.unknown_fields(("op", "features"))
            features = as_list(read.raw("features"))
            if not features or not all(isinstance(f, Mapping) for f in features):
                read.problem("features", "expected a non-empty list of service-leg features")
            else:
                result = AddService(tuple(features))
        case "adjust_frequency":
            read.unknown_fields(("op", "service", "departures"))
            service = read.text("service")
            departures = read.parsed("departures", Timetable.parse)
            if departures is not None and departures.continuous:
                read.problem("departures", "give weekly departures, not continuous")
            elif service and departures:
                result = AdjustFrequency(service, departures)
        case "adjust_transit":
            read.unknown_fields(("op", "ids", "tags", "hours", "factor"))
            hours, factor = _value_or_factor(read, "hours")
            result = AdjustTransit(_targets(read), hours, factor)
        case "adjust_capacity":
            read.unknown_fields(("op", "ids", "tags", "capacity_teu", "factor"))
            capacity, factor = _value_or_factor(read, "capacity_teu")
            if capacity is not None and not float(capacity).is_integer():
                read.problem("capacity_teu", f"expected a whole number of TEU, got {capacity}")
            result = AdjustCapacity(
                _targets(read), None if capacity is None else int(capacity), factor
            )
        case "set_tariff":
            read.unknown_fields(("op", "code", "amount", "factor", "item", "valid_from"))
            code = read.text("code")
            item = read.mapping("item", required=False)
            amount = read.number("amount", required=False, minimum=0, maximum=1e9)
            factor = read.number("factor", required=False, minimum=0, maximum=LIMITS["factor"])
            valid_from = read.day("valid_from")
            if sum(x is not None for x in (item, amount, factor)) != 1:
                read.problem("amount", "give exactly one of amount, factor or item")
            elif item is not None and valid_from is not None:
                read.problem("valid_from", "give the item its own valid_from, or use amount/factor")
            elif code:
                result = SetTariff(code, amount, factor, item, valid_from)
        case "close":
            read.unknown_fields(("op", "target", "start", "end", "reason"))
            target = read.text("target")
            start, end = read.instant("start"), read.instant("end")
            if start and end and end <= start:
                read.problem("end", "the window must end after it starts")
            elif target and start and end:
                reason = read.text("reason", required=False) or ""
                result = Close(target, start.astimezone(UTC), end.astimezone(UTC), reason)
        case "add_dwell":
            read.unknown_fields(("op", "target", "hours", "start", "end", "reason"))
            target = read.text("target")
            hours = read.number("hours", positive=True, maximum=LIMITS["dwell_hours"])
            start, end = read.instant("start"), read.instant("end")
            if start and end and end <= start:
                read.problem("end", "the window must end after it starts")
            elif target and hours is not None and start and end:
                reason = read.text("reason", required=False) or ""
                result = AddDwell(target, hours, start.astimezone(UTC), end.astimezone(UTC), reason)
        case None:
            pass
        case _:
            read.problem(
                "op",
                f"unknown operation {kind!r} (enable, disable, add_service, adjust_frequency, "
                "adjust_transit, adjust_capacity, set_tariff, close, add_dwell)",
            )
    return result if len(problems) == before else None


def _targets(read: Reader) -> Targets:
    ids = read.strings("ids", required=False) or ()
    tags = read.strings("tags", required=False) or ()
    if not ids and not tags:
        read.problem("ids", "select something: give ids, tags or both")
    return Targets(ids, tags)


#: Bounds that keep what-if values physical (and arithmetic on them finite).
LIMITS = {
    "hours": 24 * 365.0,
    "capacity_teu": 1_000_000.0,
    "factor": 100.0,
    "dwell_hours": 24 * 30.0,
}


def _value_or_factor(read: Reader, name: str) -> tuple[float | None, float | None]:
    value = read.number(name, required=False, positive=True, maximum=LIMITS[name])
    factor = read.number("factor", required=False, positive=True, maximum=LIMITS["factor"])
    if (read.has(name)) == (read.has("factor")):
        read.problem(name, f"give exactly one of {name} or factor")
    return value, factor


# ---------------------------------------------------------------------------- applying
def apply_scenario(base: Network, scenario: Scenario | Iterable[PatchOp]) -> Network:
    """Apply the operations in order to a copy of ``base``.

    Raises
    ------
    ScenarioError
        Naming every operation that does not apply (unknown ids, nothing matched, bad values).
    """
    ops = scenario.ops if isinstance(scenario, Scenario) else tuple(scenario)
    state = _State(base)
    for index, op in enumerate(ops):
        state.apply(index, op)
    if state.problems:
        raise ScenarioError(state.problems)
    return Network(
        locations=state.locations,
        legs=state.legs,
        tariffs=state.tariffs,
        emission_factors=base.emission_factors,
        sources=base.sources,
        closures=state.closures,
        congestion=state.congestion,
    )


class _State:
    """The network being patched: plain dicts of immutable objects."""

    def __init__(self, base: Network) -> None:
        self.base = base
        self.locations: dict[str, Location] = dict(base.locations)
        self.legs: dict[str, ServiceLeg] = dict(base.legs)
        self.tariffs = base.tariffs
        self.closures: list[Closure] = list(base.closures)
        self.congestion: list[Congestion] = list(base.congestion)
        self.problems: list[Problem] = []

    def problem(self, index: int, name: str, message: str) -> None:
        self.problems.append(Problem(WHERE, f"op #{index + 1}", name, message))

    def apply(self, index: int, op: PatchOp) -> None:
        match op:
            case Enable() | Disable():
                self._switch(index, op)
            case AddService():
                self._add_service(index, op)
            case AdjustFrequency():
                self._adjust_frequency(index, op)
            case AdjustTransit():
                self._adjust_transit(index, op)
            case AdjustCapacity():
                self._adjust_capacity(index, op)
            case SetTariff():
                self._set_tariff(index, op)
            case Close():
                self._close(index, op)
            case AddDwell():
                self._add_dwell(index, op)

    # -- selection
    def _select(
        self, index: int, targets: Targets, *, locations: bool
    ) -> tuple[list[str], list[str]]:
        """Leg ids and (if ``locations``) location ids selected by ``targets``."""
        services: dict[str, list[str]] = {}
        for leg in self.legs.values():
            services.setdefault(leg.service, []).append(leg.id)
        legs: set[str] = set()
        places: set[str] = set()
        for target in targets.ids:
            if target in self.legs:
                legs.add(target)
            elif target in services:
                legs.update(services[target])
            elif locations and target in self.locations:
                places.add(target)
            else:
                kinds = "leg, service or location" if locations else "leg or service"
                self.problem(index, "ids", f"unknown id {target!r} (no {kinds} has it)")
        for tag in targets.tags:
            matched_legs = {leg.id for leg in self.legs.values() if tag in leg.tags}
            matched_places = (
                {loc.id for loc in self.locations.values() if tag in loc.tags}
                if locations
                else set()
            )
            if not matched_legs and not matched_places:
                self.problem(
                    index,
                    "tags",
                    f"no leg{' or location' if locations else ''} carries tag {tag!r}",
                )
            legs |= matched_legs
            places |= matched_places
        return sorted(legs), sorted(places)

    # -- operations
    def _switch(self, index: int, op: Enable | Disable) -> None:
        leg_ids, location_ids = self._select(index, op.targets, locations=True)
        enable = isinstance(op, Enable)
        for leg_id in leg_ids:
            leg = self.legs[leg_id]
            changes: dict[str, Any] = {"enabled": enable}
            if isinstance(op, Enable):
                if leg.status is Status.PLANNED:
                    changes["status"] = Status.ACTIVE
                if op.valid_from is not None:
                    changes["valid_from"] = op.valid_from
                if op.valid_to is not None:
                    changes["valid_to"] = op.valid_to
            self.legs[leg_id] = dataclasses.replace(leg, **changes)
        for location_id in location_ids:
            self.locations[location_id] = dataclasses.replace(
                self.locations[location_id], enabled=enable
            )

    def _add_service(self, index: int, op: AddService) -> None:
        catalogues = Catalogues(
            frozenset(self.base.sources), self.tariffs, self.base.emission_factors
        )
        found: list[Problem] = []
        added: dict[str, ServiceLeg] = {}
        for number, feature in enumerate(op.features, start=1):
            raw = _scenario_feature(number, feature, self.locations, index)
            leg_id = raw.properties.get("id")
            if isinstance(leg_id, str) and (leg_id in self.legs or leg_id in added):
                found.append(
                    Problem(
                        WHERE,
                        f"op #{index + 1}",
                        f"features[{number}].id",
                        f"id {leg_id!r} is already used",
                    )
                )
                continue
            leg = parse_leg(
                raw, catalogues, self.locations, self.locations, found, require_source=False
            )
            if leg is not None:
                added[leg.id] = leg
        services = {leg.service for leg in added.values()}
        clash = services & {leg.service for leg in self.legs.values()}
        for service in sorted(clash):
            found.append(
                Problem(
                    WHERE,
                    f"op #{index + 1}",
                    "service",
                    f"service {service!r} already exists; add_service adds new ones",
                )
            )
        if not found:
            found.extend(check_services(added.values(), self.locations))
        for problem in found:
            self.problem(index, f"{problem.item}.{problem.field}".strip("."), problem.message)
        if not found:
            self.legs.update(added)

    def _adjust_frequency(self, index: int, op: AdjustFrequency) -> None:
        legs = sorted(
            (leg for leg in self.legs.values() if leg.service == op.service),
            key=lambda leg: leg.seq,
        )
        if not legs:
            self.problem(index, "service", f"unknown service {op.service!r}")
            return
        if legs[0].timetable.continuous:
            self.problem(index, "service", f"service {op.service!r} runs continuously")
            return
        offsets = self._run_offsets(legs)
        first_tz = zone(self.locations[legs[0].origin].tz)
        starts = [_reference_instant(w, first_tz) for w in op.departures.weekly]
        for leg, offset in zip(legs, offsets, strict=True):
            if leg.timetable.continuous:
                continue
            tz = zone(self.locations[leg.origin].tz)
            weekly = tuple(sorted({_weekly_time(s + offset, tz) for s in starts}))
            self.legs[leg.id] = dataclasses.replace(
                leg,
                timetable=Timetable(weekly=weekly),
                provenance=_changed(leg.provenance, "departures", "adjust_frequency"),
            )

    def _run_offsets(self, legs: Sequence[ServiceLeg]) -> list[timedelta]:
        """How long after the first leg's departure each leg departs, on the first run."""
        first = legs[0]
        tz = zone(self.locations[first.origin].tz)
        start = _reference_instant(first.timetable.weekly[0], tz)
        offsets = [timedelta(0)]
        clock = start
        for before, leg in pairwise(legs):
            arrival = clock + timedelta(hours=before.transit_hours)
            if leg.timetable.continuous:
                clock = arrival
            else:
                leg_tz = zone(self.locations[leg.origin].tz)
                clock = next(leg.timetable.instants(leg_tz, arrival, arrival + timedelta(days=8)))
            offsets.append(clock - start)
        return offsets

    def _adjust_transit(self, index: int, op: AdjustTransit) -> None:
        leg_ids, _ = self._select(index, op.targets, locations=False)
        chosen = set(leg_ids)
        services = {self.legs[leg_id].service for leg_id in leg_ids}
        for service in sorted(services):
            shift = 0.0
            legs = sorted(
                (leg for leg in self.legs.values() if leg.service == service),
                key=lambda leg: leg.seq,
            )
            for leg in legs:
                changes: dict[str, Any] = {}
                if shift:
                    changes["timetable"] = leg.timetable.shifted(shift)
                if leg.id in chosen:
                    hours = (
                        op.hours if op.hours is not None else leg.transit_hours * (op.factor or 1)
                    )
                    shift += hours - leg.transit_hours
                    changes["transit_hours"] = hours
                    changes["provenance"] = _changed(
                        leg.provenance, "transit_hours", "adjust_transit"
                    )
                if changes:
                    self.legs[leg.id] = dataclasses.replace(leg, **changes)

    def _adjust_capacity(self, index: int, op: AdjustCapacity) -> None:
        leg_ids, _ = self._select(index, op.targets, locations=False)
        for leg_id in leg_ids:
            leg = self.legs[leg_id]
            if op.capacity_teu is not None:
                capacity: int | None = op.capacity_teu
            elif leg.capacity_teu is None:
                continue  # continuous road legs are not capacity-constrained
            else:
                capacity = max(1, round(leg.capacity_teu * (op.factor or 1)))
            self.legs[leg_id] = dataclasses.replace(
                leg,
                capacity_teu=capacity,
                provenance=_changed(leg.provenance, "capacity_teu", "adjust_capacity"),
            )

    def _set_tariff(self, index: int, op: SetTariff) -> None:
        if op.item is not None:
            found: list[Problem] = []
            item = parse_item(
                {"code": op.code, **op.item}, op.code, frozenset(self.base.sources), found
            )
            for problem in found:
                self.problem(index, f"item.{problem.field}".strip("."), problem.message)
            if item is not None and item.currency not in self.tariffs.rates.cny_per_unit:
                self.problem(index, "item.currency", f"no reference rate for {item.currency}")
            elif item is not None:
                self.tariffs = self.tariffs.with_item(item)
            return
        if op.code not in self.tariffs:
            self.problem(index, "code", f"unknown tariff code {op.code!r}")
            return
        current = self.tariffs.get(op.code)
        amount = op.amount if op.amount is not None else current.amount * (op.factor or 1)
        if op.valid_from is None:
            self.tariffs = self.tariffs.with_item(_retariffed(current, amount))
            return
        self._change_from(index, current, amount, op.valid_from)

    def _change_from(self, index: int, current: TariffItem, amount: float, day: date) -> None:
        """End ``current`` the day before ``day`` and charge a successor wherever it was."""
        if not current.valid_on(day):
            self.problem(index, "valid_from", f"{current.code} is not valid on {day}")
            return
        if current.valid_from == day:
            self.problem(index, "valid_from", f"{current.code} already starts on {day}")
            return
        code = f"{current.code}.{day:%Y%m%d}"
        if code in self.tariffs:
            self.problem(index, "valid_from", f"{current.code} already changes on {day}")
            return
        successor = dataclasses.replace(_retariffed(current, amount), code=code, valid_from=day)
        self.tariffs = self.tariffs.with_item(
            dataclasses.replace(current, valid_to=day - timedelta(days=1))
        ).with_item(successor)

        def also(codes: tuple[str, ...]) -> tuple[str, ...]:
            return (*codes, code) if current.code in codes else codes

        for leg_id, leg in self.legs.items():
            if current.code in leg.tariff:
                self.legs[leg_id] = dataclasses.replace(leg, tariff=also(leg.tariff))
        for location_id, location in self.locations.items():
            fees = {mode: also(codes) for mode, codes in location.fees.items()}
            if fees != dict(location.fees):
                self.locations[location_id] = dataclasses.replace(
                    location, fees=MappingProxyType(fees)
                )
        self.tariffs = dataclasses.replace(
            self.tariffs,
            customs=MappingProxyType(
                {
                    country: dataclasses.replace(
                        customs,
                        export_fees=also(customs.export_fees),
                        import_fees=also(customs.import_fees),
                    )
                    for country, customs in self.tariffs.customs.items()
                }
            ),
        )

    def _close(self, index: int, op: Close) -> None:
        target = op.target
        if target.startswith(TAG_PREFIX):
            tag = target.removeprefix(TAG_PREFIX)
            if not any(tag in leg.tags for leg in self.legs.values()) and not any(
                tag in loc.tags for loc in self.locations.values()
            ):
                self.problem(index, "target", f"no leg or location carries tag {tag!r}")
                return
        elif (
            target not in self.locations
            and target not in self.legs
            and not any(leg.service == target for leg in self.legs.values())
        ):
            self.problem(
                index, "target", f"unknown target {target!r} (location, service, leg or tag:<name>)"
            )
            return
        self.closures.append(Closure(target, op.start, op.end, op.reason))

    def _add_dwell(self, index: int, op: AddDwell) -> None:
        target = op.target
        if target.startswith(TAG_PREFIX):
            tag = target.removeprefix(TAG_PREFIX)
            if not any(tag in place.tags for place in self.locations.values()):
                self.problem(index, "target", f"no location carries tag {tag!r}")
                return
        elif target not in self.locations:
            self.problem(index, "target", f"unknown location {target!r} (location or tag:<name>)")
            return
        self.congestion.append(Congestion(target, op.start, op.end, op.hours, op.reason))


def _scenario_feature(
    number: int, feature: Mapping[str, Any], locations: Mapping[str, Location], index: int
) -> RawFeature:
    """A feature of ``add_service`` as the validator reads it; gaps filled as scenario inputs.

    Missing geometry becomes a straight line between the endpoints; values without provenance
    are marked as estimates given by the scenario.
    """
    properties = dict(feature.get("properties", feature))
    properties.pop("type", None)
    properties.pop("geometry", None)
    properties.setdefault("feature_type", "service_leg")
    geometry = feature.get("geometry") if "properties" in feature else None
    coordinates: tuple[tuple[float, float], ...] = ()
    geometry_type: str | None = None
    if isinstance(geometry, Mapping):
        geometry_type = str(geometry.get("type"))
        raw_coords = as_list(geometry.get("coordinates")) or []
        try:
            coordinates = tuple((float(p[0]), float(p[1])) for p in raw_coords)
        except (TypeError, ValueError, IndexError):
            coordinates = ()
    else:
        ends = [locations.get(str(properties.get(key))) for key in ("origin", "destination")]
        if all(end is not None for end in ends):
            geometry_type = "LineString"
            coordinates = tuple((end.lon, end.lat) for end in ends if end is not None)
    note = f"scenario input (op #{index + 1}, feature {number})"
    provenance = dict(properties.get("provenance") or {})
    for name in (
        "geometry",
        "transit_hours",
        "departures",
        "cutoff_hours",
        "capacity_teu",
        "distance_km",
        "valid_from",
    ):
        present = name == "geometry" or properties.get(name) is not None
        if present and name not in provenance:
            provenance[name] = {"estimate": True, "derivation": note}
    properties["provenance"] = provenance
    properties.setdefault("source", [])
    properties.pop("estimate", None)
    return RawFeature(number, properties, geometry_type, coordinates)


def _changed(
    provenance: Mapping[str, Provenance], name: str, operation: str
) -> Mapping[str, Provenance]:
    """Provenance after a scenario changed ``name``: an estimate resting on the old sources."""
    old = provenance.get(name, Provenance())
    return {**provenance, name: Provenance(old.sources, f"scenario {operation}")}


def _retariffed(item: TariffItem, amount: float) -> TariffItem:
    derivation = f"scenario set_tariff: {item.amount:g} -> {amount:g} {item.currency}"
    return dataclasses.replace(
        item, amount=amount, provenance=Provenance(item.provenance.sources, derivation)
    )


def _reference_instant(weekly: WeeklyTime, tz: Any) -> datetime:
    day = _REFERENCE_MONDAY + timedelta(days=weekly.day)
    local = datetime.combine(day, time(weekly.minute // 60, weekly.minute % 60), tzinfo=tz)
    return local.astimezone(UTC)


def _weekly_time(instant: datetime, tz: Any) -> WeeklyTime:
    local = instant.astimezone(tz)
    return WeeklyTime(local.weekday(), local.hour * 60 + local.minute)
