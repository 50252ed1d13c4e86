"""Typed reading of one record (a feature's properties, a catalogue item, a patch operation).

Every reader method returns the value or ``None`` and, when the value is wrong, appends a
:class:`~graph.errors.Problem` naming the record and the field, so that one pass over a file
collects every problem instead of stopping at the first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from functools import partial
from types import MappingProxyType
from typing import Any, TypeVar

from graph.errors import Problem

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def is_missing(value: object) -> bool:
    """True for an absent value: ``None`` or the NaN that data frames use for a gap."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def as_list(value: object) -> list[Any] | None:
    """A list from a JSON array, a numpy array or a tuple; ``None`` for anything else."""
    if isinstance(value, list | tuple):
        return list(value)
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and not isinstance(value, str | bytes):
        converted = tolist()
        return converted if isinstance(converted, list) else None
    return None


class Interner:
    """One object for each distinct value read: what many records repeat is held once.

    Thousands of legs cite the same sources, tariff codes, timetables and estimate derivations;
    read one record at a time, each would hold its own copy. A :class:`Reader` given an
    interner returns the first equal string, tuple or parsed value instead, and a caller may
    share its tables (:meth:`mapping`). Only values read without a problem are kept. One
    interner serves the records checked against one set of catalogues.
    """

    __slots__ = (
        "_mappings", "_parsed", "_parsers", "_sets", "_strings", "_tuples", "remembered", "string",
    )  # fmt: skip

    def __init__(self) -> None:
        self._strings = _FirstStrings()
        self._tuples: dict[Hashable, tuple[Any, ...]] = {}
        self._sets: dict[Hashable, frozenset[Any]] = {}
        self._parsed: dict[Hashable, Any] = {}
        self._mappings: dict[tuple[Any, ...], tuple[Mapping[Any, Any], ...]] = {}
        self._parsers: dict[Callable[[Any], Any], Callable[[Any], Any]] = {}
        # the two look-ups made for nearly every value read: bound dict methods, no Python call
        #: The first string equal to a string.
        self.string: Callable[[str], str] = self._strings.__getitem__
        #: What :meth:`remember` kept under a key, or ``None``.
        self.remembered: Callable[[Hashable], Any] = self._parsed.get

    def strings(self, items: tuple[str, ...]) -> tuple[str, ...]:
        """The first tuple equal to ``items``, its strings interned."""
        found = self._tuples.get(items)
        if found is None:
            found = tuple(map(self.string, items))
            self._tuples[items] = found
        return found

    def frozenset(self, items: tuple[Any, ...]) -> frozenset[Any]:
        """One frozenset of ``items`` for every equal tuple of items."""
        found = self._sets.get(items)
        if found is None:
            found = frozenset(items)
            self._sets[items] = found
        return found

    def remember(self, key: Hashable, value: T) -> T:
        """Keep ``value`` under ``key`` (the first one kept, if there is one)."""
        found: T = self._parsed.setdefault(key, value)
        return found

    def parsed(self, parse: Callable[[Any], T], value: Any) -> T:
        """``parse(value)``, parsed once for equal strings or lists of strings."""
        key = _key(value)
        if key is None:
            return parse(value)
        key = (parse, key)
        found: T | None = self._parsed.get(key)
        if found is None:
            found = self._parsed.setdefault(key, parse(value))
        return found

    def parser(self, parse: Callable[[Any], T]) -> Callable[[Any], T]:
        """``parse`` through :meth:`parsed`."""
        found = self._parsers.get(parse)
        if found is None:
            found = self._parsers[parse] = partial(self.parsed, parse)
        return found

    def reading(
        self,
        read: Reader,
        name: str,
        parse: Callable[..., T],
        *args: Any,
        key: Hashable = None,
    ) -> T:
        """``parse(read, *args)``, which reads field ``name`` of ``read`` only.

        Its result is kept for a value equal to one read before without a problem; ``key``
        names what else the result depends on (``args`` must be the same for every call).
        """
        value = frozen(read.data.get(name))
        if value is None:
            return parse(read, *args)
        memo = (parse, name, key, value)
        found = self._parsed.get(memo, _ABSENT)
        if found is not _ABSENT:
            return found  # type: ignore[no-any-return]
        before = len(read.problems)
        result = parse(read, *args)
        if len(read.problems) == before:
            self._parsed[memo] = result
        return result

    def mapping(self, table: Mapping[Any, Any]) -> Mapping[Any, Any]:
        """A read-only view of ``table``, one for every table with the same items in order.

        The values must be objects this interner hands out (they are told apart by identity).
        """
        key = (*table, *map(id, table.values()))  # the names, then what each names
        found = self._mappings.get(key)
        if found is None:
            # the view keeps its values alive, so their ids in the key stay theirs
            found = (MappingProxyType(dict(table)),)
            self._mappings[key] = found
        return found[0]


_ABSENT = object()


class _FirstStrings(dict[str, str]):
    """Strings by themselves: looking a string up gives the first equal one seen."""

    __slots__ = ()

    def __missing__(self, text: str) -> str:
        self[text] = text
        return text


def frozen(value: object) -> Hashable | None:
    """A JSON value as a key equal only to the key of a value that reads exactly the same.

    ``None`` for a value of another type. Types are kept apart (``1``, ``1.0`` and ``true``
    are equal in Python, not here), and so are ``0.0`` and ``-0.0``.
    """
    kind = type(value)
    if kind is str:
        return value
    if kind is dict:
        items = []
        for name, item in value.items():  # type: ignore[attr-defined]
            key = frozen(item)
            if key is None:
                return None
            items.append((name, key))
        return (dict, *items)
    if kind is list:
        keys = []
        for item in value:  # type: ignore[attr-defined]
            key = frozen(item)
            if key is None:
                return None
            keys.append(key)
        return (list, *keys)
    if kind is float:
        return (float, value if value else repr(value))
    if value is None or kind is bool or kind is int:
        return (kind, value)
    return None


def _key(value: object) -> Hashable | None:
    """A hashable key that equals another only for a value that reads the same; or ``None``."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        items = tuple(value)
        if set(map(type, items)) <= _STRINGS:  # (a str subclass is parsed each time)
            return items
    return None


_STRINGS = frozenset({str})


class Reader:
    """Read and check the fields of one record, collecting problems.

    Parameters
    ----------
    where
        The collection the record belongs to, e.g. ``"network"`` or ``"tariffs"``.
    item
        The record's id, used in every problem.
    data
        The record's fields.
    problems
        The list the problems are appended to.
    prefix
        Put before every field name in problems: a nested record's path, e.g. ``"city."``.
    reuse
        Hands out one object for equal strings and lists read (see :class:`Interner`).
    """

    __slots__ = ("data", "item", "prefix", "problems", "reuse", "where")

    def __init__(
        self,
        where: str,
        item: str,
        data: Mapping[str, Any],
        problems: list[Problem],
        prefix: str = "",
        reuse: Interner | None = None,
    ) -> None:
        self.where = where
        self.item = item
        self.data = data
        self.problems = problems
        self.prefix = prefix
        self.reuse = reuse

    def problem(self, name: str, message: str) -> None:
        """Record a problem with field ``name``."""
        self.problems.append(Problem(self.where, self.item, self.prefix + name, message))

    def raw(self, name: str) -> Any:
        """The value as stored, ``None`` when absent."""
        value = self.data.get(name)
        if isinstance(value, float) and math.isnan(value):
            return None
        return value

    def present(self, name: str, *, required: bool) -> Any:
        """The value, or ``None`` when absent (a problem if it is ``required``)."""
        value = self.data.get(name)
        if isinstance(value, float) and math.isnan(value):
            value = None
        if value is None and required:
            self.problem(name, "missing")
        return value

    def has(self, name: str) -> bool:
        """True when the field is present and not null."""
        value = self.data.get(name)
        return value is not None and not (isinstance(value, float) and math.isnan(value))

    def text(self, name: str, *, required: bool = True) -> str | None:
        """A non-empty string."""
        value = self.data.get(name)
        if type(value) is str:  # the common case, without the checks below
            text = value.strip()
            if text:
                return text if self.reuse is None else self.reuse.string(text)
        value = self.present(name, required=required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(name, f"expected a non-empty string, got {value!r}")
            return None
        text = value.strip()
        return text if self.reuse is None else self.reuse.string(text)

    def number(
        self,
        name: str,
        *,
        required: bool = True,
        minimum: float | None = None,
        positive: bool = False,
        maximum: float | None = None,
    ) -> float | None:
        """A finite number, optionally ``> 0`` (``positive``), ``>= minimum``, ``<= maximum``."""
        value = self.data.get(name)
        kind = type(value)
        if kind is float or kind is int:  # the common case, without the messages below
            given = float(value)  # type: ignore[arg-type]
            if (
                math.isfinite(given)
                and (not positive or given > 0)
                and (minimum is None or given >= minimum)
                and (maximum is None or given <= maximum)
            ):
                return given
        value = self.present(name, required=required)
        if value is None:
            return None
        number = _to_number(value)
        if number is None:
            self.problem(name, f"expected a number, got {value!r}")
            return None
        if positive and number <= 0:
            self.problem(name, f"must be positive, got {_show(number)}")
            return None
        if minimum is not None and number < minimum:
            self.problem(name, f"must be at least {_show(minimum)}, got {_show(number)}")
            return None
        if maximum is not None and number > maximum:
            self.problem(name, f"must be at most {_show(maximum)}, got {_show(number)}")
            return None
        return number

    def integer(
        self, name: str, *, required: bool = True, minimum: int | None = None
    ) -> int | None:
        """A whole number, optionally ``>= minimum``."""
        value = self.data.get(name)
        if (
            type(value) is int
            and -_EXACT <= value <= _EXACT
            and (minimum is None or value >= minimum)
        ):
            return value  # the common case (exactly a float too, as below)
        value = self.present(name, required=required)
        if value is None:
            return None
        number = _to_number(value)
        if number is None or not float(number).is_integer():
            self.problem(name, f"expected a whole number, got {value!r}")
            return None
        whole = int(number)
        if minimum is not None and whole < minimum:
            self.problem(name, f"must be at least {minimum}, got {whole}")
            return None
        return whole

    def boolean(self, name: str, *, default: bool) -> bool:
        """A true/false flag; ``default`` when absent.

        GDAL reads a boolean GeoJSON property that some features lack as a number column, so
        exactly 0 and 1 stand for false and true too.
        """
        value = self.data.get(name)
        if value is True or value is False:
            return value
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        self.problem(name, f"expected true or false, got {value!r}")
        return default

    def choice(self, name: str, enum: type[E], *, required: bool = True) -> E | None:
        """One member of ``enum``, given by its value."""
        value = self.data.get(name)
        if type(value) is str:
            member = _members(enum).get(value)
            if member is not None:
                return member
        value = self.present(name, required=required)
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.problem(name, f"unknown value {value!r} (expected one of {allowed})")
            return None

    def choices(self, name: str, enum: type[E], *, required: bool = True) -> frozenset[E] | None:
        """A list of members of ``enum``."""
        items = self.strings(name, required=required)
        if items is None:
            return None
        if self.reuse is not None:
            found: frozenset[E] | None = self.reuse.remembered((enum, items))
            if found is not None:
                return found
        members: set[E] = set()
        allowed = ", ".join(member.value for member in enum)
        for item in items:
            try:
                members.add(enum(item))
            except ValueError:
                self.problem(name, f"unknown value {item!r} (expected one of {allowed})")
                return None
        if self.reuse is not None:
            return self.reuse.remember((enum, items), frozenset(members))
        return frozenset(members)

    def strings(self, name: str, *, required: bool = True) -> tuple[str, ...] | None:
        """A list of non-empty strings."""
        value = self.data.get(name)
        if type(value) is not list:  # a list is what present() would give back, unchanged
            value = self.present(name, required=required)
            if value is None:
                return None
        reuse = self.reuse
        key: tuple[Any, ...] | None = None
        if reuse is not None and isinstance(value, list):
            key = (tuple, *value)
            try:
                found: tuple[str, ...] | None = reuse.remembered(key)
            except TypeError:  # an unhashable item: a problem below
                found = key = None
            if found is not None:
                return found
        items = as_list(value)
        if items is None or not all(isinstance(i, str) and i.strip() for i in items):
            self.problem(name, f"expected a list of non-empty strings, got {value!r}")
            return None
        result = tuple(i.strip() for i in items)
        if reuse is not None and key is not None:
            return reuse.remember(key, reuse.strings(result))
        return result

    def mapping(self, name: str, *, required: bool = True) -> Mapping[str, Any] | None:
        """A JSON object."""
        value = self.data.get(name)
        if type(value) is dict:  # the common case, without the checks below
            return value
        value = self.present(name, required=required)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.problem(name, f"expected an object, got {value!r}")
            return None
        return value

    def day(self, name: str, *, required: bool = False) -> date | None:
        """An ISO 8601 calendar date (``YYYY-MM-DD``)."""
        value = self.present(name, required=required)
        if value is None:
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.problem(name, f"expected a date YYYY-MM-DD, got {value!r}")
            return None

    def instant(self, name: str, *, required: bool = True) -> datetime | None:
        """An ISO 8601 date-time with a UTC offset."""
        value = self.present(name, required=required)
        if value is None:
            return None
        try:
            parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            self.problem(name, f"expected an ISO 8601 date-time, got {value!r}")
            return None
        if parsed.tzinfo is None:
            self.problem(name, f"{value!r} has no UTC offset")
            return None
        return parsed

    def parsed(self, name: str, parse: Callable[[Any], T], *, required: bool = True) -> T | None:
        """A value read by ``parse``, whose ``ValueError`` message becomes the problem."""
        value = self.present(name, required=required)
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as err:
            self.problem(name, str(err))
            return None

    def unknown_fields(self, allowed: Iterable[str]) -> None:
        """Report fields that are not part of the record's schema (typos, stale names)."""
        if isinstance(allowed, frozenset) and allowed.issuperset(self.data):
            return  # the common case, without a set of the extra names
        extra = self.data.keys() - (allowed if isinstance(allowed, frozenset) else set(allowed))
        for name in sorted(extra):
            if not is_missing(self.data[name]):
                self.problem(name, "unknown field")


#: Whole numbers up to this size are exactly floats too (2**53).
_EXACT = 1 << 53
_MEMBERS: dict[type[StrEnum], dict[str, Any]] = {}


def _members(enum: type[E]) -> dict[str, E]:
    """The members of ``enum`` by value (what ``enum(value)`` finds for a string)."""
    found = _MEMBERS.get(enum)
    if found is None:
        found = _MEMBERS[enum] = {member.value: member for member in enum}
    return found


def _to_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"
