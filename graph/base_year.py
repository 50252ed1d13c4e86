"""The planning base year: capacity from published volumes, and the figures a study must reproduce.

The timetable in ``network.geojson`` holds services a forwarder can book, each with its
per-departure capacity. For most corridors it models representative departures (three trains a
week on a route that ran daily), which is right for a quote and wrong for a year's flows: a study
of the year's traffic on it leaves most boxes behind. ``base_year.toml`` beside the network gives
planning studies two things, each value with its source:

- **published capacity** (``[[capacity]]``): the TEU a group of services carried in the base
  year, by direction, from published train counts, voyages and throughputs. A study raises the
  yearly capacity of those services to it (never lowers it), in proportion to each one's timetable
  capacity, and their frequency with it (so the mean wait shrinks too). Quotes and bookings keep
  the timetable.
- **calibration targets** (``[[target]]``): published volumes the base study is checked against
  (TEU boarded on a group of services, or lifted at a port), each marked ``fit`` (used to fit the
  study's parameters) or ``check`` (held out), with the tolerance its own uncertainty allows.

``[calibration]`` records the fitted parameters and how they were fitted.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from graph.errors import NetworkValidationError, Problem
from graph.fields import Reader
from graph.model import Mode, Provenance
from graph.network import Network
from graph.tariffs import parse_provenance

WHERE = "base_year"
#: The file's name beside a network file.
FILE_NAME = "base_year.toml"


class Measure(StrEnum):
    """What a calibration target counts in a study's flows."""

    #: TEU boarding any of the target's services (a box on a passage boards both ships).
    BOARDED = "boarded"
    #: TEU lifted at the target's location: boxes loaded on or discharged from a vessel of the
    #: target's modes there, a transshipment counting twice (a port's throughput).
    PORT = "port"


class Role(StrEnum):
    """Whether a target is used to fit the parameters or held out to check them."""

    FIT = "fit"
    CHECK = "check"


@dataclass(frozen=True, slots=True)
class PublishedCapacity:
    """What a group of services (one direction) runs in the base year.

    Either its departures (a published train or voyage count: each keeps its timetable
    capacity) or the TEU it can carry (a published throughput); exactly one is set.
    """

    id: str
    name: str
    services: tuple[str, ...]
    provenance: Provenance
    departures_per_year: float | None = None
    teu_per_year: float | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """A published volume a base-year study should reproduce."""

    id: str
    name: str
    measure: Measure
    teu: float
    role: Role
    tolerance: float  # the accepted relative difference, e.g. 0.2 for ±20 %
    provenance: Provenance
    services: tuple[str, ...] = ()
    location: str | None = None
    modes: frozenset[Mode] = frozenset()
    #: why the base study is known to miss this target (the model's gap, in words); a study
    #: report shows it beside the difference
    gap: str | None = None


@dataclass(frozen=True, slots=True)
class Calibration:
    """The parameters fitted on the ``fit`` targets, and how."""

    value_of_time: float  # CNY per TEU-hour
    method: str


@dataclass(frozen=True, slots=True)
class BaseYear:
    """Published capacities and calibration targets of the base year."""

    year: int
    capacities: tuple[PublishedCapacity, ...]
    targets: tuple[Target, ...]
    calibration: Calibration | None

    @classmethod
    def empty(cls) -> BaseYear:
        """No base-year data: studies use the timetable's capacity."""
        return cls(year=0, capacities=(), targets=(), calibration=None)


def base_year_beside(network_path: Path | str) -> Path:
    """Where a network file's base year is: ``base_year.toml`` in its folder."""
    return Path(network_path).parent / FILE_NAME


def load_base_year(path: Path | str, network: Network) -> BaseYear:
    """Read and check ``path`` against ``network``; a missing file is an empty base year.

    Raises
    ------
    NetworkValidationError
        Listing every problem in the file, each naming the entry and field.
    """
    return read_base_year(path, network)[1]


def read_base_year(path: Path | str, network: Network) -> tuple[dict[str, Any] | None, BaseYear]:
    """Like :func:`load_base_year`, with the file's content (``None`` when there is no file).

    A study keeps the content, so that it can be run again as it was.
    """
    file = Path(path)
    if not file.exists():
        return None, BaseYear.empty()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise NetworkValidationError(
            [Problem(WHERE, "", "", f"cannot read {file}: {error}")]
        ) from error
    return data, check_base_year(data, network)


def check_base_year(data: Mapping[str, Any], network: Network) -> BaseYear:
    """The base year in ``data``, or NetworkValidationError listing every problem in it."""
    base_year, problems = parse_base_year(data, network)
    if problems or base_year is None:
        raise NetworkValidationError(problems)
    return base_year


def parse_base_year(
    data: Mapping[str, Any], network: Network
) -> tuple[BaseYear | None, list[Problem]]:
    """The base year in ``data`` and every problem found in it."""
    problems: list[Problem] = []
    top = Reader(WHERE, "", data, problems)
    top.unknown_fields(("year", "calibration", "capacity", "target"))
    year = top.integer("year", minimum=2000)
    sources = frozenset(network.sources)
    capacities = [
        capacity
        for index, raw in enumerate(_entries(top, "capacity"))
        if (capacity := _capacity(raw, index, network, sources, problems)) is not None
    ]
    targets = [
        target
        for index, raw in enumerate(_entries(top, "target"))
        if (target := _target(raw, index, network, sources, problems)) is not None
    ]
    for kind in ("capacity", "target"):
        ids = [str(raw["id"]) for raw in _entries(top, kind) if raw.get("id")]
        for repeated in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(Problem(WHERE, repeated, "id", f"two {kind} entries have this id"))
    claimed: dict[str, str] = {}
    for capacity in capacities:
        for service in capacity.services:
            if service in claimed:
                problems.append(
                    Problem(
                        WHERE,
                        capacity.id,
                        "services",
                        f"{service} already has a published capacity ({claimed[service]})",
                    )
                )
            claimed.setdefault(service, capacity.id)
    calibration = _calibration(top, problems)
    if problems or year is None:
        return None, problems
    return BaseYear(year, tuple(capacities), tuple(targets), calibration), problems


def _entries(top: Reader, name: str) -> list[Mapping[str, Any]]:
    value = top.raw(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        top.problem(name, f"expected [[{name}]] tables")
        return []
    return value


def _common(
    raw: Mapping[str, Any], kind: str, index: int, sources: frozenset[str], problems: list[Problem]
) -> tuple[Reader, str | None, str | None, Provenance | None]:
    label = str(raw.get("id") or f"{kind} {index + 1}")
    read = Reader(WHERE, label, raw, problems)
    identifier = read.text("id")
    name = read.text("name")
    provenance = parse_provenance(read, sources)
    return read, identifier, name, provenance


def _services(read: Reader, network: Network, *, required: bool) -> tuple[str, ...] | None:
    services = read.strings("services", required=required)
    if services is None:
        return None
    unknown = [s for s in services if s not in network.services]
    if unknown:
        read.problem("services", f"no service {', '.join(unknown)} in the network")
        return None
    if len(set(services)) != len(services):
        read.problem("services", "a service is listed twice")
        return None
    return services


def _capacity(
    raw: Mapping[str, Any],
    index: int,
    network: Network,
    sources: frozenset[str],
    problems: list[Problem],
) -> PublishedCapacity | None:
    read, identifier, name, provenance = _common(raw, "capacity", index, sources, problems)
    read.unknown_fields(
        (
            "id", "name", "services", "departures_per_year", "teu_per_year", "source",
            "estimate", "derivation",
        )
    )  # fmt: skip
    services = _services(read, network, required=True)
    departures = read.number("departures_per_year", required=False, positive=True, maximum=1e6)
    teu = read.number("teu_per_year", required=False, positive=True, maximum=1e9)
    if read.has("departures_per_year") == read.has("teu_per_year"):
        read.problem("teu_per_year", "give either departures_per_year or teu_per_year")
        return None
    if identifier is None or name is None or services is None or provenance is None:
        return None
    if departures is None and teu is None:
        return None
    return PublishedCapacity(identifier, name, services, provenance, departures, teu)


def _target(
    raw: Mapping[str, Any],
    index: int,
    network: Network,
    sources: frozenset[str],
    problems: list[Problem],
) -> Target | None:
    read, identifier, name, provenance = _common(raw, "target", index, sources, problems)
    read.unknown_fields(
        (
            "id", "name", "measure", "teu", "role", "tolerance", "services", "location", "modes",
            "gap", "source", "estimate", "derivation",
        )
    )  # fmt: skip
    measure = read.choice("measure", Measure)
    role = read.choice("role", Role)
    teu = read.number("teu", positive=True, maximum=1e9)
    tolerance = read.number("tolerance", positive=True, maximum=1.0)
    gap = read.text("gap", required=False)
    services: tuple[str, ...] | None = ()
    location = None
    modes: frozenset[Mode] | None = frozenset()
    if measure is Measure.BOARDED:
        services = _services(read, network, required=True)
        for extra in ("location", "modes"):
            if read.has(extra):
                read.problem(extra, "only a port target names a location and modes")
    elif measure is Measure.PORT:
        location = read.text("location")
        if location is not None and location not in network.locations:
            read.problem("location", f"no location {location} in the network")
            location = None
        modes = read.choices("modes", Mode)
        if read.has("services"):
            read.problem("services", "only a boarded target names services")
    if (
        identifier is None
        or name is None
        or measure is None
        or role is None
        or teu is None
        or tolerance is None
        or services is None
        or modes is None
        or provenance is None
        or (measure is Measure.PORT and location is None)
    ):
        return None
    return Target(
        id=identifier,
        name=name,
        measure=measure,
        teu=teu,
        role=role,
        tolerance=tolerance,
        provenance=provenance,
        services=services,
        location=location,
        modes=modes,
        gap=gap,
    )


def _calibration(top: Reader, problems: list[Problem]) -> Calibration | None:
    raw = top.mapping("calibration", required=False)
    if raw is None:
        return None
    read = Reader(WHERE, "calibration", raw, problems)
    read.unknown_fields(("value_of_time", "method"))
    value = read.number("value_of_time", minimum=0, maximum=100_000)
    method = read.text("method")
    if value is None or method is None:
        return None
    return Calibration(value_of_time=value, method=method)
