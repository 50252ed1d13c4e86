"""Demand matrices: TEU a year by origin, destination and cargo class, read from CSV.

A planning study asks where a year's demand goes on a network. The matrix is a CSV file with a
header row; each data row is one cell of the matrix::

    origin,destination,cargo_class,teu_per_year,source,derivation
    CNCQI-TJC,SGSIN,dry,27237,S88;S136,"1,425,000 TEU x ..."

``origin`` and ``destination`` are location ids of the network or UN/LOCODEs (a LOCODE names a
location when exactly one location carries it); ``cargo_class`` is ``dry``, ``reefer`` or
``dangerous`` (bulk is not carried in boxes, so it has no TEU); ``teu_per_year`` is a positive
number. ``source`` (ids of ``data/sources.toml`` separated by ``;``) and ``derivation`` (how an
estimate was made) are optional: a row with a derivation is an estimate.

Rows are numbered as a spreadsheet shows them: the header is row 1 when it is the first line and
the first data row is row 2; a blank line counts as a row (a spreadsheet shows it) and a quoted
value that spans lines stays one row. :func:`parse_demand_csv` checks every row and raises one
:class:`~graph.errors.DemandError` that lists every problem, each naming its row and column.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from graph.errors import DemandError, Problem
from graph.io import BUNDLED_DATA
from graph.model import CargoClass, Location
from graph.network import Network

#: The bundled matrix, beside the bundled network.
DEFAULT_DEMAND_PATH = BUNDLED_DATA / "demand" / "default.csv"
#: Most data rows a matrix may have.
MAX_ROWS = 20_000
#: Most TEU a year one row may carry: ten times the world's busiest port, so only a typo exceeds it.
MAX_TEU_PER_YEAR = 1e8
#: Columns every matrix has, in the order the writer puts them.
REQUIRED_COLUMNS = ("origin", "destination", "cargo_class", "teu_per_year")
#: Columns a matrix may have.
OPTIONAL_COLUMNS = ("source", "derivation")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
#: Cargo classes carried in containers; ``bulk`` is not.
CONTAINER_CLASSES = (CargoClass.DRY, CargoClass.REEFER, CargoClass.DANGEROUS)
SOURCE_SEPARATOR = ";"
WHERE = "demand"

#: One cell of a matrix: (origin id, destination id, cargo class value), as the solvers key it.
DemandKey = tuple[str, str, str]
#: ``report(column, message)``: records a problem in the row being read.
_Report = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class DemandRow:
    """TEU a year from ``origin`` to ``destination`` (location ids) in one cargo class.

    A row that carries a ``derivation`` is an estimate; ``sources`` name the documents it was
    read or derived from.
    """

    origin: str
    destination: str
    cargo_class: CargoClass
    teu_per_year: float
    sources: tuple[str, ...] = ()
    derivation: str | None = None

    @property
    def key(self) -> DemandKey:
        """(origin, destination, cargo class value): the cell this row fills."""
        return (self.origin, self.destination, self.cargo_class.value)

    @property
    def estimate(self) -> bool:
        """True when the figure was derived rather than published."""
        return self.derivation is not None


@dataclass(frozen=True, slots=True)
class Demand:
    """A named demand matrix: at most one row per (origin, destination, cargo class).

    Raises
    ------
    DemandError
        When two rows fill the same cell.
    """

    name: str
    rows: tuple[DemandRow, ...]
    description: str | None = None

    def __post_init__(self) -> None:
        first: dict[DemandKey, int] = {}
        problems = []
        for index, row in enumerate(self.rows):
            if row.key in first:
                problems.append(
                    Problem(
                        WHERE,
                        f"entry {index + 1}",
                        "",
                        f"{'/'.join(row.key)} is already given by entry {first[row.key] + 1}",
                    )
                )
            first.setdefault(row.key, index)
        if problems:
            raise DemandError(problems)

    @property
    def total_teu(self) -> float:
        """TEU a year over every row."""
        return math.fsum(row.teu_per_year for row in self.rows)

    @property
    def pairs(self) -> int:
        """How many (origin, destination) pairs have demand, whatever the cargo class."""
        return len({(row.origin, row.destination) for row in self.rows})

    @property
    def origins(self) -> tuple[str, ...]:
        """The origin location ids, sorted."""
        return tuple(sorted({row.origin for row in self.rows}))

    @property
    def destinations(self) -> tuple[str, ...]:
        """The destination location ids, sorted."""
        return tuple(sorted({row.destination for row in self.rows}))

    def by_key(self) -> dict[DemandKey, float]:
        """TEU a year by (origin, destination, cargo class value), the solvers' demand mapping."""
        return {row.key: row.teu_per_year for row in self.rows}


# ---------------------------------------------------------------------------- reading
def load_demand(
    path: Path | str, network: Network, known_sources: Collection[str] | None = None
) -> Demand:
    """Read and check the matrix in ``path`` (UTF-8 CSV) against ``network``.

    The matrix is named after the file (``default`` for ``data/demand/default.csv``).

    Raises
    ------
    DemandError
        When the file cannot be read, or listing every problem in it.

    Examples
    --------
    >>> demand = load_demand(DEFAULT_DEMAND_PATH, load_network())  # doctest: +SKIP
    >>> demand.by_key()[("CNCQI-TJC", "SGSIN", "dry")]  # doctest: +SKIP
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise DemandError([Problem(WHERE, str(file), "", "file not found")]) from None
    except OSError as err:
        raise DemandError([Problem(WHERE, str(file), "", f"cannot read: {err}")]) from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        message = f"not UTF-8 text (byte {err.start}); save the file as CSV UTF-8"
        raise DemandError([Problem(WHERE, str(file), "", message)]) from err
    return parse_demand_csv(text, network, file.stem, known_sources=known_sources)


def parse_demand_csv(
    text: str,
    network: Network,
    name: str,
    *,
    known_sources: Collection[str] | None = None,
    description: str | None = None,
) -> Demand:
    r"""Read a demand matrix from CSV text and check every row against ``network``.

    Parameters
    ----------
    text
        The CSV, header first; a byte-order mark, CRLF line ends and blank lines are accepted.
    network
        Whose location ids and UN/LOCODEs the origins and destinations must name.
    name
        The matrix's name.
    known_sources
        When given, every id in a ``source`` cell must be one of these.
    description
        Free text kept with the matrix.

    Returns
    -------
    Demand
        One row per data row, with origins and destinations resolved to location ids.

    Raises
    ------
    DemandError
        Listing every problem at once, each naming the row and column: missing or unknown
        columns, unknown or ambiguous locations, an origin equal to its destination, an unknown
        cargo class, a TEU figure that is not a finite number, not positive or above
        :data:`MAX_TEU_PER_YEAR`, an unknown source id, a repeated (origin, destination, cargo
        class), no data rows, or more than :data:`MAX_ROWS` data rows.

    Examples
    --------
    >>> text = "origin,destination,cargo_class,teu_per_year\nCNCQI-TJC,SGSIN,dry,1200\n"
    >>> parse_demand_csv(text, network, "example").total_teu  # doctest: +SKIP
    1200.0
    """
    problems: list[Problem] = []
    resolver = _Resolver(network.locations)
    known = frozenset(known_sources) if known_sources is not None else None
    rows: list[DemandRow] = []
    first_row: dict[DemandKey, int] = {}
    header: _Header | None = None
    data_rows = 0
    records = _Records(text.removeprefix("\ufeff"), problems)
    for number, cells in records:
        if all(not cell.strip() for cell in cells):
            continue
        if header is None:
            header = _Header.read(number, cells, problems)
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            problems.append(
                Problem(WHERE, f"row {number}", "", f"more than {MAX_ROWS:,} data rows")
            )
            break
        row = _read_row(number, cells, header, resolver, known, problems)
        if row is None:
            continue
        if row.key in first_row:
            problems.append(
                Problem(
                    WHERE,
                    f"row {number}",
                    "",
                    f"repeats row {first_row[row.key]}: one row per origin, destination "
                    "and cargo class",
                )
            )
            continue
        first_row[row.key] = number
        rows.append(row)
    if records.broken:
        pass  # the syntax error says why nothing (more) was read
    elif header is None:
        problems.append(Problem(WHERE, "", "", "the file is empty: expected a header row"))
    elif data_rows == 0:
        problems.append(Problem(WHERE, "", "", "no data rows after the header"))
    if problems:
        raise DemandError(problems)
    return Demand(name=name, rows=tuple(rows), description=description)


class _Records:
    """(row number, cells) for each record; a CSV syntax error ends the file with a problem."""

    def __init__(self, text: str, problems: list[Problem]) -> None:
        self.text = text
        self.problems = problems
        self.broken = False

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(self.text, newline=""), strict=True)
        number = 0
        try:
            for cells in reader:
                number += 1
                yield number, cells
        except csv.Error as err:
            self.broken = True
            self.problems.append(Problem(WHERE, f"row {number + 1}", "", f"not valid CSV: {err}"))


@dataclass(frozen=True, slots=True)
class _Header:
    """Where each known column is (by position) and how many columns the header has."""

    number: int
    positions: Mapping[str, int]
    width: int

    @classmethod
    def read(cls, number: int, cells: Sequence[str], problems: list[Problem]) -> _Header:
        item = f"row {number}"
        positions: dict[str, int] = {}
        for index, cell in enumerate(cells):
            column = cell.strip().lower()
            if not column:
                problems.append(Problem(WHERE, item, f"column {index + 1}", "has no name"))
            elif column in positions:
                problems.append(Problem(WHERE, item, column, "appears twice in the header"))
            elif column not in COLUMNS:
                hint = _hint(column, COLUMNS)
                problems.append(
                    Problem(
                        WHERE,
                        item,
                        column,
                        f"unknown column{hint} (columns: {', '.join(COLUMNS)})",
                    )
                )
            else:
                positions[column] = index
        for column in REQUIRED_COLUMNS:
            if column not in positions:
                problems.append(Problem(WHERE, item, column, "required column missing"))
        return cls(number=number, positions=positions, width=len(cells))


class _Resolver:
    """Location ids and UN/LOCODEs to locations."""

    def __init__(self, locations: Mapping[str, Location]) -> None:
        self.locations = locations
        by_code: dict[str, list[str]] = {}
        for location in locations.values():
            if location.unlocode:
                by_code.setdefault(location.unlocode.upper(), []).append(location.id)
        self.by_code = {code: sorted(ids) for code, ids in by_code.items()}

    def resolve(self, value: str) -> tuple[str | None, str | None]:
        """(location id, None) or (None, what is wrong)."""
        for candidate in (value, value.upper()):
            if candidate in self.locations:
                return candidate, None
        ids = self.by_code.get(value.upper())
        if ids is None:
            hint = _hint(value.upper(), [*self.locations, *self.by_code])
            return None, f"unknown location {value!r}{hint}: not a location id or UN/LOCODE"
        if len(ids) > 1:
            return None, (
                f"UN/LOCODE {value!r} names {len(ids)} locations ({', '.join(ids)}): "
                "give the location id"
            )
        return ids[0], None


def _read_row(
    number: int,
    cells: Sequence[str],
    header: _Header,
    resolver: _Resolver,
    known_sources: frozenset[str] | None,
    problems: list[Problem],
) -> DemandRow | None:
    item = f"row {number}"
    before = len(problems)

    def cell(column: str) -> str:
        index = header.positions.get(column)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def problem(column: str, message: str) -> None:
        problems.append(Problem(WHERE, item, column, message))

    if len(cells) > header.width and any(c.strip() for c in cells[header.width :]):
        problem("", f"{len(cells)} values but the header has {header.width} columns")

    ends: dict[str, str | None] = {}
    for column in ("origin", "destination"):
        ends[column] = None
        if column not in header.positions:
            continue
        value = cell(column)
        if not value:
            problem(column, "missing")
            continue
        location_id, error = resolver.resolve(value)
        if error is not None:
            problem(column, error)
        ends[column] = location_id
    origin, destination = ends["origin"], ends["destination"]
    if origin is not None and origin == destination:
        problem("destination", f"same location as the origin ({origin})")

    cargo_class = _cargo_class(cell("cargo_class"), header, problem)
    teu = _teu(cell("teu_per_year"), header, problem)

    sources = tuple(s.strip() for s in cell("source").split(SOURCE_SEPARATOR) if s.strip())
    if known_sources is not None:
        for source in sources:
            if source not in known_sources:
                problem("source", f"unknown source id {source!r}{_hint(source, known_sources)}")
    derivation = cell("derivation") or None

    if len(problems) > before or origin is None or destination is None:
        return None
    if cargo_class is None or teu is None:
        return None
    return DemandRow(origin, destination, cargo_class, teu, sources, derivation)


def _cargo_class(value: str, header: _Header, problem: _Report) -> CargoClass | None:
    if "cargo_class" not in header.positions:
        return None
    allowed = ", ".join(c.value for c in CONTAINER_CLASSES)
    if not value:
        problem("cargo_class", f"missing (one of {allowed})")
        return None
    lowered = value.lower()
    if lowered == CargoClass.BULK.value:
        problem("cargo_class", f"bulk is not carried in containers: use one of {allowed}")
        return None
    for cargo_class in CONTAINER_CLASSES:
        if lowered == cargo_class.value:
            return cargo_class
    problem("cargo_class", f"unknown cargo class {value!r} (one of {allowed})")
    return None


def _teu(value: str, header: _Header, problem: _Report) -> float | None:
    column = "teu_per_year"
    if column not in header.positions:
        return None
    if not value:
        problem(column, "missing")
        return None
    try:
        teu = float(value)
    except ValueError:
        problem(column, f"not a number: {value!r}")
        return None
    if not math.isfinite(teu):
        problem(column, f"not a finite number: {value!r}")
    elif teu <= 0:
        problem(column, f"must be positive, got {value}")
    elif teu > MAX_TEU_PER_YEAR:
        problem(column, f"{value} TEU a year is implausible (at most {MAX_TEU_PER_YEAR:,.0f})")
    else:
        return teu
    return None


def _hint(value: str, choices: Collection[str]) -> str:
    """`` (did you mean X?)`` for a near miss, else nothing."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.8)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---------------------------------------------------------------------------- writing
def demand_to_csv(demand: Demand) -> str:
    """The matrix as CSV in the format :func:`parse_demand_csv` reads (LF line ends).

    Whole TEU figures are written without a decimal point; sources are joined with ``;``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in demand.rows:
        teu = row.teu_per_year
        writer.writerow(
            [
                row.origin,
                row.destination,
                row.cargo_class.value,
                str(int(teu)) if float(teu).is_integer() else repr(float(teu)),
                SOURCE_SEPARATOR.join(row.sources),
                row.derivation or "",
            ]
        )
    return buffer.getvalue()
