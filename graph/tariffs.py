"""The fee catalogue (收费目录清单): every charge that may appear in a price.

A price is a list of catalogue items and nothing else ("no fee outside the list"). Each item has
a code, a unit, an amount in a currency, an applies-to rule and a source or an estimate
derivation. Locations, service legs and each country's customs (:class:`CountryCustoms`)
reference items by code; the rule then says for which boxes, cargo classes and lanes the item
applies.

Units:

``box``
    per box; on a leg, once per ride (boarding to alighting on one service); at a hub, per
    load or discharge event; for customs, per box declared.
``box_km``, ``teu_km``, ``tonne_km``
    per box, TEU or gross tonne and per kilometre of the ride.
``teu``, ``tonne``
    per TEU (a 40-ft box is 2, a 45-ft box 2.25) or per gross tonne.
``shipment``
    once per shipment (documents, a customs declaration).
``box_day``
    per box and day (reefer plug-in, storage).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from graph.errors import Problem, UnknownTariff
from graph.fields import Reader, as_list
from graph.model import CargoClass, LocationKind, Mode, Provenance

BOX_SIZES = ("20", "40", "45")
TEU_PER_BOX: Mapping[str, float] = MappingProxyType({"20": 1.0, "40": 2.0, "45": 2.25})
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.\-]*$")


class Unit(StrEnum):
    """What a catalogue amount is charged per (see the module docstring)."""

    BOX = "box"
    BOX_KM = "box_km"
    TEU = "teu"
    TEU_KM = "teu_km"
    TONNE = "tonne"
    TONNE_KM = "tonne_km"
    SHIPMENT = "shipment"
    BOX_DAY = "box_day"


class Category(StrEnum):
    """What kind of charge an item is; used to group the lines of a bill."""

    FREIGHT = "freight"
    HANDLING = "handling"
    DUES = "dues"
    DOCUMENT = "document"
    CUSTOMS = "customs"
    BORDER = "border"
    SURCHARGE = "surcharge"


@dataclass(frozen=True, slots=True)
class Lane:
    """A set of origin and destination locations; empty sides match any location."""

    origins: frozenset[str] = frozenset()
    destinations: frozenset[str] = frozenset()

    def matches(self, origin: str, destination: str) -> bool:
        """True when the ride ``origin -> destination`` lies on this lane."""
        return (not self.origins or origin in self.origins) and (
            not self.destinations or destination in self.destinations
        )


@dataclass(frozen=True, slots=True)
class AppliesTo:
    """The rule that says which boxes, cargo and rides an item is charged for.

    An empty set matches everything; ``lanes`` restricts a freight item to origin-destination
    pairs (a sea freight rate is per port pair, not per leg).
    """

    box_sizes: frozenset[str] = frozenset()
    cargo_classes: frozenset[CargoClass] = frozenset()
    lanes: tuple[Lane, ...] = ()

    def matches(
        self,
        *,
        box_size: str | None = None,
        cargo_class: CargoClass | None = None,
        ride: tuple[str, str] | None = None,
    ) -> bool:
        """True when the item applies; a criterion left as ``None`` is not checked."""
        if box_size is not None and self.box_sizes and box_size not in self.box_sizes:
            return False
        if cargo_class is not None and self.cargo_classes and cargo_class not in self.cargo_classes:
            return False
        return ride is None or not self.lanes or any(lane.matches(*ride) for lane in self.lanes)

    def to_data(self) -> dict[str, Any]:
        """The file form."""
        data: dict[str, Any] = {}
        if self.box_sizes:
            data["box_sizes"] = sorted(self.box_sizes)
        if self.cargo_classes:
            data["cargo_classes"] = sorted(c.value for c in self.cargo_classes)
        if self.lanes:
            data["lanes"] = [
                {"from": sorted(lane.origins), "to": sorted(lane.destinations)}
                for lane in self.lanes
            ]
        return data


@dataclass(frozen=True, slots=True)
class TariffItem:
    """One line of the fee catalogue."""

    code: str
    name: str
    category: Category
    unit: Unit
    amount: float
    currency: str
    applies_to: AppliesTo
    provenance: Provenance
    name_zh: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    notes: str | None = None

    def valid_on(self, day: date) -> bool:
        """Whether the item is charged for a ride departing on ``day``."""
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )

    def to_data(self) -> dict[str, Any]:
        """The file form."""
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "category": self.category.value,
            "unit": self.unit.value,
            "amount": self.amount,
            "currency": self.currency,
            "applies_to": self.applies_to.to_data(),
            **self.provenance.to_data(),
        }
        optional = {
            "name_zh": self.name_zh,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "notes": self.notes,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        return data


@dataclass(frozen=True, slots=True)
class ReferenceRates:
    """Reference exchange rates: CNY per one unit of each currency, on a date, with a source."""

    cny_per_unit: Mapping[str, float]
    date: date
    source: tuple[str, ...]

    def to_cny(self, amount: float, currency: str) -> float:
        """``amount`` in ``currency`` converted to CNY.

        Raises
        ------
        KeyError
            If there is no reference rate for ``currency``.
        """
        return amount * self.cny_per_unit[currency]

    def to_data(self) -> dict[str, Any]:
        """The file form."""
        return {
            "date": self.date.isoformat(),
            "source": list(self.source),
            "rates": dict(self.cny_per_unit),
        }


@dataclass(frozen=True, slots=True)
class Gap:
    """A charge a through price may need but the catalogue has no figure for, and when.

    It applies to an itinerary that meets every condition given (each met by any one of its
    values): uses all of ``modes``, calls at one of ``locations`` or at a location of one of
    ``location_kinds``, carries one of ``cargo_classes``, is billed one of ``items``, or is
    handled somewhere outside the countries in ``outside`` (a ride boards or alights there).
    A gap with no condition applies to every itinerary.
    """

    text: str
    modes: frozenset[Mode] = frozenset()
    locations: frozenset[str] = frozenset()
    location_kinds: frozenset[LocationKind] = frozenset()
    cargo_classes: frozenset[CargoClass] = frozenset()
    items: frozenset[str] = frozenset()
    outside: frozenset[str] = frozenset()

    def applies(
        self,
        modes: frozenset[Mode],
        calls: Iterable[tuple[str, LocationKind]],
        handled_in: frozenset[str],
        cargo_class: CargoClass,
        codes: frozenset[str],
    ) -> bool:
        """Whether the gap applies to an itinerary with these facts.

        ``calls``: (location, kind) of every place it calls at; ``handled_in``: the countries
        where a ride boards or alights.
        """
        places = tuple(calls)
        return (
            self.modes <= modes
            and (not self.locations or any(place in self.locations for place, _ in places))
            and (not self.location_kinds or any(k in self.location_kinds for _, k in places))
            and (not self.cargo_classes or cargo_class in self.cargo_classes)
            and (not self.items or bool(self.items & codes))
            and (not self.outside or bool(handled_in - self.outside))
        )

    def to_data(self) -> dict[str, Any]:
        """The file form."""
        when = {
            "modes": sorted(self.modes),
            "locations": sorted(self.locations),
            "location_kinds": sorted(self.location_kinds),
            "cargo_classes": sorted(self.cargo_classes),
            "items": sorted(self.items),
            "outside": sorted(self.outside),
        }
        data: dict[str, Any] = {"text": self.text}
        if any(when.values()):
            data["when"] = {key: value for key, value in when.items() if value}
        return data


@dataclass(frozen=True, slots=True)
class ValueOfTime:
    """What an hour of transit costs the owner of a TEU's cargo.

    The default trade-off between price and time when a quote asks for a *balanced*
    recommendation without its own value.
    """

    amount: float  # per TEU-hour
    currency: str
    source: tuple[str, ...]
    derivation: str

    def to_data(self) -> dict[str, Any]:
        """The file form."""
        return {
            "amount": self.amount,
            "currency": self.currency,
            "source": list(self.source),
            "derivation": self.derivation,
        }


@dataclass(frozen=True, slots=True)
class CountryCustoms:
    """The items charged for clearing a box out of (export) or into (import) one country.

    Wherever the box clears, a seaport, a dry port or a border crossing run by either side's
    agencies, the fees are the country's: every figure found is national. An empty list is a
    fee with no published figure, which a quote lists among what it does not include.
    """

    name: str
    export_fees: tuple[str, ...] = ()
    import_fees: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        """The file form."""
        return {
            "name": self.name,
            "export_fees": list(self.export_fees),
            "import_fees": list(self.import_fees),
        }


@dataclass(frozen=True, slots=True)
class TariffCatalogue:
    """Every item that may appear in a price, by code; exchange rates; the value of time.

    ``customs``: the clearance fees of each country, by ISO 3166 code.
    """

    items: Mapping[str, TariffItem]
    rates: ReferenceRates
    name: str = "Corridor fee catalogue"
    gaps: tuple[Gap, ...] = ()
    value_of_time: ValueOfTime | None = None
    customs: Mapping[str, CountryCustoms] = field(default_factory=lambda: MappingProxyType({}))
    #: The days an item's validity starts or ends on (the day after its ``valid_to``): they cut
    #: time into periods in which every item is charged or not throughout.
    boundaries: tuple[date, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        days = {item.valid_from for item in self.items.values() if item.valid_from} | {
            item.valid_to + timedelta(days=1) for item in self.items.values() if item.valid_to
        }
        object.__setattr__(self, "boundaries", tuple(sorted(days)))

    @property
    def periods(self) -> int:
        """How many validity periods the boundaries make (1: no item carries dates)."""
        return len(self.boundaries) + 1

    def period_of(self, day: date) -> int:
        """The validity period ``day`` falls in."""
        return bisect_right(self.boundaries, day)

    @property
    def value_of_time_cny(self) -> float | None:
        """The default value of time in CNY per TEU-hour, if the catalogue has one."""
        if self.value_of_time is None:
            return None
        return self.rates.to_cny(self.value_of_time.amount, self.value_of_time.currency)

    def get(self, code: str) -> TariffItem:
        """The item with ``code``.

        Raises
        ------
        UnknownTariff
            If no item has that code.
        """
        try:
            return self.items[code]
        except KeyError as err:
            raise UnknownTariff(code) from err

    def __contains__(self, code: object) -> bool:
        return code in self.items

    def applicable(
        self,
        codes: Iterable[str],
        *,
        box_size: str | None = None,
        cargo_class: CargoClass | None = None,
        ride: tuple[str, str] | None = None,
        period: int | None = None,
    ) -> list[TariffItem]:
        """The items among ``codes`` that match the box, cargo and ride.

        With a validity ``period``, only the items valid in it (``None``: whatever their dates).
        """
        day = None
        if period is not None and self.boundaries:
            day = self.boundaries[period - 1] if period else date.min
        return [
            item
            for item in (self.get(code) for code in codes)
            if item.applies_to.matches(box_size=box_size, cargo_class=cargo_class, ride=ride)
            and (day is None or item.valid_on(day))
        ]

    def with_item(self, item: TariffItem) -> TariffCatalogue:
        """A copy with ``item`` added or replacing the item of the same code."""
        return replace(self, items=MappingProxyType({**self.items, item.code: item}))

    def to_data(self) -> dict[str, Any]:
        """The file form (also the content that the network version hashes)."""
        return (
            {
                "name": self.name,
                "gap": [gap.to_data() for gap in self.gaps],
                "fx": self.rates.to_data(),
                "item": [self.items[code].to_data() for code in sorted(self.items)],
            }
            | ({"value_of_time": self.value_of_time.to_data()} if self.value_of_time else {})
            | (
                {
                    "customs": {
                        country: self.customs[country].to_data() for country in sorted(self.customs)
                    }
                }
                if self.customs
                else {}
            )
        )


def parse_catalogue(
    data: Mapping[str, Any], known_sources: Iterable[str]
) -> tuple[TariffCatalogue | None, list[Problem]]:
    """Read ``data/tariffs.toml`` (already parsed); return the catalogue and every problem."""
    problems: list[Problem] = []
    fields = {"name", "gap", "fx", "item", "value_of_time", "customs"}
    for key in sorted(set(data) - fields):
        problems.append(Problem("tariffs", "", key, f"unknown field ({', '.join(sorted(fields))})"))
    sources = frozenset(known_sources)
    rates = _parse_rates(data.get("fx"), sources, problems)
    value_of_time = _parse_value_of_time(data.get("value_of_time"), sources, rates, problems)
    items: dict[str, TariffItem] = {}
    raw_items = as_list(data.get("item")) or []
    if not raw_items:
        problems.append(Problem("tariffs", "", "item", "the catalogue has no items"))
    for index, raw in enumerate(raw_items):
        label = raw.get("code") if isinstance(raw, Mapping) else None
        label = label if isinstance(label, str) and label else f"item #{index + 1}"
        if not isinstance(raw, Mapping):
            problems.append(Problem("tariffs", label, "", "expected a table of fields"))
            continue
        item = parse_item(raw, label, sources, problems)
        if item is None:
            continue
        if item.code in items:
            problems.append(Problem("tariffs", item.code, "code", "duplicate code"))
            continue
        if rates is not None and item.currency not in rates.cny_per_unit:
            problems.append(
                Problem("tariffs", item.code, "currency", f"no reference rate for {item.currency}")
            )
        items[item.code] = item
    # items with problems of their own are still items a gap may name
    codes = frozenset(items) | {
        code
        for raw in raw_items
        if isinstance(raw, Mapping) and isinstance(code := raw.get("code"), str)
    }
    gaps = _parse_gaps(as_list(data.get("gap")) or [], codes, problems)
    customs = _parse_customs(data.get("customs", {}), codes, problems)
    if rates is None or problems:
        return None, problems
    name = data.get("name")
    return TariffCatalogue(
        items=MappingProxyType(items),
        rates=rates,
        name=name if isinstance(name, str) and name else "Corridor fee catalogue",
        gaps=tuple(gaps),
        value_of_time=value_of_time,
        customs=MappingProxyType(customs),
    ), problems


def customs_countries(data: Mapping[str, Any]) -> frozenset[str]:
    """The countries ``data/tariffs.toml`` gives customs fees for, whatever else is wrong in it.

    Read apart from :func:`parse_catalogue` so that a country missing from the table is reported
    along with the catalogue's own problems.
    """
    table = data.get("customs", {})
    return frozenset(table) if isinstance(table, Mapping) else frozenset()


def _parse_customs(
    raw: object, codes: frozenset[str], problems: list[Problem]
) -> dict[str, CountryCustoms]:
    """The ``[customs.<country>]`` tables: a ``name`` and ``export_fees``/``import_fees`` codes."""
    if not isinstance(raw, Mapping):
        problems.append(Problem("tariffs", "customs", "", "expected a table of countries"))
        return {}
    result: dict[str, CountryCustoms] = {}
    for country, entry in raw.items():
        label = f"customs.{country}"
        if not re.fullmatch(r"[A-Z]{2}", country):
            problems.append(Problem("tariffs", label, "", "not an ISO 3166 country code"))
        if not isinstance(entry, Mapping):
            problems.append(Problem("tariffs", label, "", "expected a table of fields"))
            continue
        before = len(problems)
        read = Reader("tariffs", label, entry, problems)
        for key in sorted(set(entry) - {"name", "export_fees", "import_fees"}):
            read.problem(key, "unknown field (name, export_fees, import_fees)")
        name = read.text("name")
        fees = {}
        for direction in ("export_fees", "import_fees"):
            fees[direction] = read.strings(direction, required=False) or ()
            for code in fees[direction]:
                if code not in codes:
                    read.problem(direction, f"no item {code!r}")
        if len(problems) == before and name is not None:
            result[country] = CountryCustoms(name, fees["export_fees"], fees["import_fees"])
    return result


def _parse_value_of_time(
    raw: object, sources: frozenset[str], rates: ReferenceRates | None, problems: list[Problem]
) -> ValueOfTime | None:
    """The optional ``[value_of_time]`` table: amount per TEU-hour, currency, source, derivation."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append(Problem("tariffs", "value_of_time", "", "expected a table"))
        return None
    before = len(problems)
    read = Reader("tariffs", "value_of_time", raw, problems)
    for key in sorted(set(raw) - {"amount", "currency", "source", "derivation"}):
        read.problem(key, "unknown field (amount, currency, source, derivation)")
    amount = read.number("amount", positive=True)
    currency = read.text("currency")
    cited = read.strings("source") or ()
    derivation = read.text("derivation")
    for source_id in cited:
        if source_id not in sources:
            read.problem("source", f"unknown source id {source_id}")
    if rates is not None and currency is not None and currency not in rates.cny_per_unit:
        read.problem("currency", f"no reference rate for {currency}")
    if len(problems) > before or amount is None or currency is None or derivation is None:
        return None
    return ValueOfTime(amount=amount, currency=currency, source=cited, derivation=derivation)


_GAP_CONDITIONS = ("modes", "locations", "location_kinds", "cargo_classes", "items", "outside")


def _parse_gaps(raw: list[Any], codes: frozenset[str], problems: list[Problem]) -> tuple[Gap, ...]:
    """The catalogue's ``[[gap]]`` tables: ``text`` and an optional ``when`` of conditions."""
    gaps = []
    for index, entry in enumerate(raw, start=1):
        label = f"gap #{index}"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("text"), str):
            problems.append(Problem("tariffs", label, "text", "expected a table with a text"))
            continue
        when = entry.get("when", {})
        unknown = sorted(set(entry) - {"text", "when"}) + sorted(
            set(when) - set(_GAP_CONDITIONS) if isinstance(when, Mapping) else ["when"]
        )
        if unknown:
            problems.append(Problem("tariffs", label, "when", f"unknown fields {unknown}"))
            continue
        values = {key: frozenset(as_list(when.get(key)) or []) for key in _GAP_CONDITIONS}
        try:
            gap = Gap(
                text=entry["text"],
                modes=frozenset(Mode(v) for v in values["modes"]),
                locations=values["locations"],
                location_kinds=frozenset(LocationKind(v) for v in values["location_kinds"]),
                cargo_classes=frozenset(CargoClass(v) for v in values["cargo_classes"]),
                items=values["items"],
                outside=values["outside"],
            )
        except ValueError as error:
            problems.append(Problem("tariffs", label, "when", str(error)))
            continue
        for code in sorted(gap.items - codes):
            problems.append(Problem("tariffs", label, "when.items", f"no item {code!r}"))
        gaps.append(gap)
    return tuple(gaps)


_ITEM_FIELDS = (
    "code", "name", "name_zh", "category", "unit", "amount", "currency", "applies_to",
    "source", "estimate", "derivation", "valid_from", "valid_to", "notes",
)  # fmt: skip


def parse_item(
    raw: Mapping[str, Any], label: str, sources: frozenset[str], problems: list[Problem]
) -> TariffItem | None:
    """Read one catalogue item (also used by the ``set_tariff`` scenario operation)."""
    before = len(problems)
    read = Reader("tariffs", label, raw, problems)
    read.unknown_fields(_ITEM_FIELDS)
    code = read.text("code")
    if code is not None and not _CODE.match(code):
        read.problem("code", f"{code!r} must be upper-case letters, digits, '-', '_' or '.'")
    name = read.text("name")
    category = read.choice("category", Category)
    unit = read.choice("unit", Unit)
    amount = read.number("amount", minimum=0)
    currency = read.text("currency")
    if currency is not None and not _CURRENCY.match(currency):
        read.problem("currency", f"{currency!r} is not an ISO 4217 code")
    applies_to = _parse_applies_to(read)
    provenance = parse_provenance(read, sources)
    valid_from, valid_to = read.day("valid_from"), read.day("valid_to")
    if valid_from and valid_to and valid_from > valid_to:
        read.problem("valid_to", f"{valid_to} is before valid_from {valid_from}")
    if (
        len(problems) > before
        or code is None
        or name is None
        or category is None
        or unit is None
        or amount is None
        or currency is None
        or applies_to is None
        or provenance is None
    ):
        return None
    return TariffItem(
        code=code,
        name=name,
        category=category,
        unit=unit,
        amount=amount,
        currency=currency,
        applies_to=applies_to,
        provenance=provenance,
        name_zh=read.text("name_zh", required=False),
        valid_from=valid_from,
        valid_to=valid_to,
        notes=read.text("notes", required=False),
    )


def parse_provenance(read: Reader, sources: frozenset[str]) -> Provenance | None:
    """Read ``source`` / ``estimate`` / ``derivation`` at the top level of a record."""
    cited = read.strings("source", required=False) or ()
    unknown = [s for s in cited if s not in sources]
    if unknown:
        read.problem("source", f"unknown source id(s) {', '.join(unknown)}")
        return None
    estimate = read.boolean("estimate", default=False)
    derivation = read.text("derivation", required=False)
    if estimate and derivation is None:
        read.problem("derivation", "an estimate must say how it was derived")
        return None
    if derivation is not None and not estimate:
        read.problem("estimate", "a value with a derivation must be marked estimate: true")
        return None
    if not cited and not estimate:
        read.problem("source", "no source, and not marked as an estimate")
        return None
    return Provenance(sources=cited, derivation=derivation)


def _parse_applies_to(read: Reader) -> AppliesTo | None:
    rule = read.mapping("applies_to", required=False)
    if rule is None:
        return AppliesTo()
    sub = Reader(read.where, read.item, rule, read.problems)
    before = len(read.problems)
    sub.unknown_fields(("box_sizes", "cargo_classes", "lanes"))
    sizes = sub.strings("box_sizes", required=False) or ()
    for size in sizes:
        if size not in BOX_SIZES:
            read.problem("applies_to.box_sizes", f"unknown box size {size!r} (20, 40 or 45)")
    classes = sub.choices("cargo_classes", CargoClass, required=False) or frozenset()
    lanes: list[Lane] = []
    for index, lane in enumerate(as_list(rule.get("lanes")) or []):
        if not isinstance(lane, Mapping):
            read.problem(f"applies_to.lanes[{index}]", "expected {from: [...], to: [...]}")
            continue
        lane_read = Reader(read.where, read.item, lane, read.problems)
        origins = lane_read.strings("from", required=False) or ()
        destinations = lane_read.strings("to", required=False) or ()
        lanes.append(Lane(frozenset(origins), frozenset(destinations)))
    if len(read.problems) > before:
        return None
    return AppliesTo(frozenset(sizes), classes, tuple(lanes))


def _parse_rates(
    raw: object, sources: frozenset[str], problems: list[Problem]
) -> ReferenceRates | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem("tariffs", "fx", "", "missing [fx] table of reference rates"))
        return None
    read = Reader("tariffs", "fx", raw, problems)
    before = len(problems)
    day = read.day("date", required=True)
    cited = read.strings("source") or ()
    for source_id in cited:
        if source_id not in sources:
            read.problem("source", f"unknown source id {source_id}")
    table = read.mapping("rates") or {}
    rates: dict[str, float] = {"CNY": 1.0}
    for currency in table:
        rate = Reader("tariffs", "fx", table, problems).number(currency, positive=True)
        if not _CURRENCY.match(currency):
            read.problem(f"rates.{currency}", "not an ISO 4217 code")
        elif rate is not None:
            rates[currency] = rate
    if len(problems) > before or day is None:
        return None
    return ReferenceRates(cny_per_unit=MappingProxyType(rates), date=day, source=cited)
