"""Typed reading of one record (a feature's properties, a catalogue item, a patch operation).

Every reader method returns the value or ``None`` and, when the value is wrong, appends a
:class:`~graph.errors.Problem` naming the record and the field, so that one pass over a file
collects every problem instead of stopping at the first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
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
    """

    def __init__(
        self,
        where: str,
        item: str,
        data: Mapping[str, Any],
        problems: list[Problem],
        prefix: str = "",
    ) -> None:
        self.where = where
        self.item = item
        self.data = data
        self.problems = problems
        self.prefix = prefix

    def problem(self, name: str, message: str) -> None:
        """Record a problem with field ``name``."""
        self.problems.append(Problem(self.where, self.item, self.prefix + name, message))

    def raw(self, name: str) -> Any:
        """The value as stored, ``None`` when absent."""
        value = self.data.get(name)
        return None if is_missing(value) else value

    def present(self, name: str, *, required: bool) -> Any:
        """The value, or ``None`` when absent (a problem if it is ``required``)."""
        value = self.raw(name)
        if value is None and required:
            self.problem(name, "missing")
        return value

    def has(self, name: str) -> bool:
        """True when the field is present and not null."""
        return self.raw(name) is not None

    def text(self, name: str, *, required: bool = True) -> str | None:
        """A non-empty string."""
        value = self.present(name, required=required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(name, f"expected a non-empty string, got {value!r}")
            return None
        return value.strip()

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
        members: set[E] = set()
        allowed = ", ".join(member.value for member in enum)
        for item in items:
            try:
                members.add(enum(item))
            except ValueError:
                self.problem(name, f"unknown value {item!r} (expected one of {allowed})")
                return None
        return frozenset(members)

    def strings(self, name: str, *, required: bool = True) -> tuple[str, ...] | None:
        """A list of non-empty strings."""
        value = self.present(name, required=required)
        if value is None:
            return None
        items = as_list(value)
        if items is None or not all(isinstance(i, str) and i.strip() for i in items):
            self.problem(name, f"expected a list of non-empty strings, got {value!r}")
            return None
        return tuple(i.strip() for i in items)

    def mapping(self, name: str, *, required: bool = True) -> Mapping[str, Any] | None:
        """A JSON object."""
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
        for name in sorted(set(self.data) - set(allowed)):
            if not is_missing(self.data[name]):
                self.problem(name, "unknown field")


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
