"""Read the data files, validate them together and build a :class:`~graph.network.Network`.

The network file is GeoJSON (RFC 7946, read as JSON: no dataframe round trip, and no GDAL to
import for a command that only quotes); the source registry, fee catalogue and emission factors
are TOML files next to it. Everything is validated before anything is
built, and every problem is reported at once in one
:class:`~graph.errors.NetworkValidationError`.

The network file is read in pieces and each feature validated as it comes
(:func:`iter_features`, :func:`~graph.validate.validate_features`), so loading holds the
network's domain objects and one piece of the file, not the whole parsed document: a network
100 times the real one loads within 80 MB of Python allocations (bench/load_network.py).

Given a folder (``keep_in``), the network built is kept there (:mod:`graph.kept`) and a later load
of the same files by the same code reads it back instead: a restart with unchanged data does not
validate again.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import json
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from json.decoder import WHITESPACE  # type: ignore[attr-defined]
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic_core import from_json

from graph import kept
from graph.emissions import EmissionFactors, parse_emission_factors
from graph.errors import NetworkValidationError, Problem
from graph.fields import is_missing
from graph.model import Location, ServiceLeg
from graph.network import Network
from graph.sources import Source, parse_sources
from graph.tariffs import TariffCatalogue, customs_countries, parse_catalogue

if TYPE_CHECKING:
    # imported where the files are validated: a network read back from graph.kept needs none
    from graph.validate import Catalogues, RawFeature

#: The data bundled beside the packages: found from any working directory.
BUNDLED_DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_NETWORK_PATH = BUNDLED_DATA / "network.geojson"
#: Coordinate reference systems that mean WGS84 longitude/latitude (RFC 7946 GeoJSON's only one).
_WGS84 = ("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326")


@dataclass(frozen=True, slots=True)
class DataFiles:
    """The four files that make a network; the catalogues default to the network's folder."""

    network: Path
    sources: Path
    tariffs: Path
    emission_factors: Path

    @classmethod
    def beside(cls, network: Path | str) -> DataFiles:
        """The standard layout: the three catalogue files in the network file's folder."""
        path = Path(network)
        folder = path.parent
        return cls(
            network=path,
            sources=folder / "sources.toml",
            tariffs=folder / "tariffs.toml",
            emission_factors=folder / "emission_factors.toml",
        )


def load_network(
    path: Path | str = DEFAULT_NETWORK_PATH, *, keep_in: Path | None = None, reuse: bool = True
) -> Network:
    """Load, validate and build the network in ``path`` and the catalogues beside it.

    Parameters
    ----------
    path
        The network file; ``sources.toml``, ``tariffs.toml`` and ``emission_factors.toml`` are
        read from its folder.
    keep_in
        A folder of the user's own where the built network is kept (:mod:`graph.kept`): a later
        load of the same files by the same code reads it instead of validating again. ``None``
        (the default) keeps nothing.
    reuse
        ``False`` validates the files even when a kept network matches them (and keeps the
        result): what a check of the data must do.

    Raises
    ------
    NetworkValidationError
        Listing every problem in every file, each naming the item and field.
    """
    return load_files(DataFiles.beside(path), keep_in=keep_in, reuse=reuse)


def load_files(files: DataFiles, *, keep_in: Path | None = None, reuse: bool = True) -> Network:
    """Like :func:`load_network`, with each file's path given."""
    if keep_in is None:
        return _built(files)
    file_key = kept.key((files.network, files.sources, files.tariffs, files.emission_factors))
    if file_key is None:  # a file cannot be read: validation says which
        return _built(files)
    if reuse:
        with bulk_allocation():
            found = kept.kept(keep_in, file_key)
        if found is not None:
            return found
    network = _built(files)
    kept.keep(keep_in, file_key, network)
    return network


def _built(files: DataFiles) -> Network:
    """The network validated and built from ``files``."""
    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    sources_data = _read_toml(files.sources, "sources", problems)
    if sources_data is not None:
        sources, found = parse_sources(sources_data)
        problems.extend(found)

    tariffs: TariffCatalogue | None = None
    countries: frozenset[str] | None = None
    tariff_data = _read_toml(files.tariffs, "tariffs", problems)
    if tariff_data is not None:
        tariffs, found = parse_catalogue(tariff_data, sources)
        problems.extend(found)
        countries = customs_countries(tariff_data)

    factors: EmissionFactors | None = None
    factor_data = _read_toml(files.emission_factors, "emission_factors", problems)
    if factor_data is not None:
        factors, found = parse_emission_factors(factor_data, sources)
        problems.extend(found)

    with bulk_allocation():
        from graph.validate import Catalogues

        catalogues = Catalogues(frozenset(sources), tariffs, factors, countries)
        locations, legs, found = _validated(files.network, catalogues, problems)
        problems.extend(found)
        if problems or tariffs is None or factors is None:
            raise NetworkValidationError(problems)
        return Network(
            locations=locations,
            legs=legs,
            tariffs=tariffs,
            emission_factors=factors,
            sources=sources,
        )


def read_features(path: Path, problems: list[Problem]) -> list[RawFeature]:
    """The features of the network file, or none (with a problem) if it cannot be read."""
    found: list[Problem] = []
    try:
        features = list(iter_features(path, found))
    except Unstreamable:
        found = []
        features = list(_features(_read_collection(path, found), found))
    problems.extend(found)
    return features


def iter_features(path: Path, problems: list[Problem]) -> Iterator[RawFeature]:
    """The features of the network file one at a time, read from it in pieces.

    Only a plain FeatureCollection in UTF-8 is read this way; whatever else the file holds (or
    how it is broken) raises :class:`Unstreamable` once it shows, possibly after some features:
    :func:`read_features` then reads the whole file, which reports the problem.
    """
    if not path.is_file():
        problems.append(Problem("network", str(path), "", "file not found"))
        return
    try:
        handle = path.open("rb")
    except OSError as err:
        raise Unstreamable from err
    with handle:
        yield from _features(_stream_collection(_Text(handle)), problems)


class Unstreamable(Exception):
    """The network file cannot be read feature by feature: read it whole instead."""


def _validated(
    path: Path, catalogues: Catalogues, problems: list[Problem]
) -> tuple[dict[str, Location], dict[str, ServiceLeg], list[Problem]]:
    """The network file's features validated as they are read (no whole-file copy held)."""
    from graph.validate import validate_features

    found: list[Problem] = []
    try:
        result = validate_features(iter_features(path, found), catalogues)
    except Unstreamable:
        found = []
        result = validate_features(read_features(path, found), catalogues)
    problems.extend(found)
    return result


def _features(
    collection: Iterator[Any] | list[Any] | None, problems: list[Problem]
) -> Iterator[RawFeature]:
    from graph.validate import RawFeature

    if collection is None:
        return
    for index, feature in enumerate(collection, start=1):
        if not isinstance(feature, dict):
            problems.append(Problem("network", f"feature {index}", "", "not a GeoJSON feature"))
            continue
        properties = feature.get("properties") or {}
        for value in properties.values():  # identity, not equality: quicker than `in`
            if value is None or value is _NAN:
                properties = {k: v for k, v in properties.items() if not is_missing(v)}
                break
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        coordinates = (
            _coordinates(geometry.get("coordinates")) if isinstance(geometry, dict) else ()
        )
        yield RawFeature(
            index=index,
            properties=properties,
            geometry_type=kind if isinstance(kind, str) else None,
            coordinates=coordinates,
        )


#: The NaN every ``NaN`` in a JSON document is read as (``json``'s default ``parse_constant``).
_NAN = json.decoder.NaN  # type: ignore[attr-defined]


def _coordinates(nested: object) -> tuple[tuple[float, float], ...]:
    """The vertices of a GeoJSON coordinates array as (x, y) pairs: see :func:`_vertices`.

    A Point, or a LineString of [x, y] pairs of numbers, the usual cases, are read without
    looking at each value in Python.
    """
    if type(nested) is not list or not nested:
        return ()
    if len(nested) == 2 and {type(nested[0]), type(nested[1])} <= _NUMBERS:
        return ((float(nested[0]), float(nested[1])),)
    if set(map(type, nested)) == _LISTS and set(map(len, nested)) == _PAIRS:
        kinds = set(map(type, chain.from_iterable(nested)))
        if kinds == _FLOATS:
            return tuple(map(tuple, nested))
        if kinds <= _NUMBERS:
            flat = list(map(float, chain.from_iterable(nested)))
            return tuple(zip(flat[::2], flat[1::2], strict=True))
    return tuple(_vertices(nested))


_NUMBERS = frozenset({float, int})
_FLOATS, _LISTS, _PAIRS = frozenset({float}), frozenset({list}), frozenset({2})


def _vertices(nested: object) -> list[tuple[float, float]]:
    """Every (x, y) of a GeoJSON coordinates array of any depth, in order; [] if malformed."""
    if not isinstance(nested, list) or not nested:
        return []
    if all(isinstance(value, int | float) and not isinstance(value, bool) for value in nested):
        return [(float(nested[0]), float(nested[1]))] if len(nested) >= 2 else []
    return [vertex for part in nested for vertex in _vertices(part)]


def to_geojson(network: Network) -> dict[str, Any]:
    """The network as a GeoJSON FeatureCollection in the file format :func:`load_network` reads."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [location.lon, location.lat]},
            "properties": location.to_data(),
        }
        for location in network.list_locations()
    ]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(p) for p in leg.geometry]},
            "properties": leg.to_data(),
        }
        for leg in sorted(network.legs.values(), key=lambda leg: (leg.service, leg.seq))
    ]
    return {"type": "FeatureCollection", "name": "corridor-network", "features": features}


def to_csv(network: Network, layer: str) -> str:
    """One layer (``locations`` or ``legs``) as CSV; nested values as JSON, geometry as WKT.

    Raises
    ------
    ValueError
        For an unknown layer.
    """
    rows: list[dict[str, Any]]
    if layer == "locations":
        rows = [
            {**loc.to_data(), "wkt": f"POINT ({loc.lon} {loc.lat})"}
            for loc in network.list_locations()
        ]
    elif layer == "legs":
        rows = [
            {
                **leg.to_data(),
                "wkt": "LINESTRING (" + ", ".join(f"{x} {y}" for x, y in leg.geometry) + ")",
            }
            for leg in sorted(network.legs.values(), key=lambda leg: (leg.service, leg.seq))
        ]
    else:
        msg = f"unknown layer {layer!r} (expected locations or legs)"
        raise ValueError(msg)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["id"])
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_value(value) for key, value in row.items()})
    return buffer.getvalue()


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while many long-lived objects are created.

    Loading allocates hundreds of thousands of small objects that all survive; the collector's
    full passes over them made loading grow faster than the network (bench/load_network.py).
    Nothing allocated here forms cycles that need collecting early.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _csv_value(value: object) -> object:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value


def _read_collection(path: Path, problems: list[Problem]) -> list[Any] | None:
    """The features array of a GeoJSON FeatureCollection in WGS84, or ``None`` with a problem."""
    if not path.is_file():
        problems.append(Problem("network", str(path), "", "file not found"))
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as err:
        problems.append(Problem("network", str(path), "", f"cannot read the file: {err}"))
        return None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        message = "cannot read the file: not a GeoJSON FeatureCollection"
        problems.append(Problem("network", str(path), "", message))
        return None
    crs = data.get("crs")
    if crs is not None:
        name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
        if name not in _WGS84:
            problems.append(
                Problem("network", str(path), "crs", f"expected EPSG:4326 (WGS84), got {name}")
            )
            return None
    features: list[Any] = data["features"]
    return features


#: How much of the network file is read at a time (bytes); a feature longer than this is read
#: with pieces that double until it fits.
_PIECE = 1 << 20


class _Text:
    """A UTF-8 file as a window of text from which JSON values are read one after another."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._decode = codecs.getincrementaldecoder("utf-8")("surrogatepass").decode
        self._decoder = json.JSONDecoder()
        self.buffer = ""
        self.pos = 0
        self.ended = False
        self._runs = True
        head = handle.read(4)
        if json.detect_encoding(head) != "utf-8":  # UTF-16/32, or a byte order mark
            raise Unstreamable
        self._append(head)

    def _append(self, data: bytes) -> None:
        try:
            text = self._decode(data, final=not data)
        except ValueError as err:
            raise Unstreamable from err
        self.ended = not data
        self.buffer = self.buffer[self.pos :] + text
        self.pos = 0

    def _more(self, size: int = _PIECE) -> bool:
        if self.ended:
            return False
        self._append(self._handle.read(size))
        return True

    def peek(self) -> str:
        """The next character after white space, ``""`` at the end of the file."""
        while True:
            self.pos = WHITESPACE.match(self.buffer, self.pos).end()
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def expect(self, char: str) -> None:
        """Step over ``char``, the next character after white space."""
        if self.peek() != char:
            raise Unstreamable
        self.pos += 1

    def values(self) -> list[Any]:
        """The objects of an array that follow one another in the window, read at once.

        The next character is the start of an array item. The run ends at the last ``}`` in
        the window followed by ``,`` and ``{``; it is read with pydantic-core (about twice as
        fast as ``json``) as an array of its own, which succeeds only if that ``}`` closes an
        item of the array: the text from an item's start balances nowhere else. The position
        moves to the item after the run. ``[]`` when there is no such run (an item longer than
        the window, the last item) or it does not read alike with both parsers (``NaN``, a lone
        surrogate, or a ``},{`` inside an item): then the items are read one at a time, and after
        a failed run, for the rest of the file.
        """
        if not self._runs:
            return []
        if len(self.buffer) - self.pos < _PIECE:
            self._more()
        buffer, start = self.buffer, self.pos
        if not buffer.startswith("{", start):
            return []
        end = len(buffer)
        while True:
            end = buffer.rfind("}", start, end)
            if end < 0:
                return []
            comma = WHITESPACE.match(buffer, end + 1).end()
            if buffer.startswith(",", comma):
                following = WHITESPACE.match(buffer, comma + 1).end()
                if buffer.startswith("{", following):
                    break
        try:
            # NaN and Infinity are read by json alone: it reads NaN as the one object _NAN
            run = from_json("[" + buffer[start : end + 1] + "]", allow_inf_nan=False)
        except ValueError:
            self._runs = False
            return []
        self.pos = following
        return run  # type: ignore[no-any-return]

    def value(self) -> Any:
        """The JSON value that starts at the next character."""
        self.peek()
        if len(self.buffer) - self.pos < _PIECE // 4:
            # read on before a value may be cut off: a failed decoding costs a pass over the window
            self._more()
        size = _PIECE
        while True:
            try:
                value, end = self._decoder.raw_decode(self.buffer, self.pos)
            except ValueError:
                if not self._more(size):
                    raise Unstreamable from None
                size *= 2
                continue
            if end < len(self.buffer) or self.ended:
                self.pos = end
                return value
            self._more(size)  # a number at the end of the window may go on: read it again


def _stream_collection(text: _Text) -> Iterator[Any]:
    """The features of a GeoJSON FeatureCollection in WGS84, read as they come.

    Raises
    ------
    Unstreamable
        At the first sign of anything else (which :func:`_read_collection` then reports).
    """
    keys: set[str] = set()
    crs: object = None
    text.expect("{")
    while True:
        if text.peek() != '"':
            raise Unstreamable
        key = text.value()
        if key in keys:  # the last of repeated keys counts: read the whole file
            raise Unstreamable
        keys.add(key)
        text.expect(":")
        if key == "features":
            text.expect("[")
            if text.peek() == "]":
                text.pos += 1
            else:
                while True:
                    run = text.values()
                    if run:
                        yield from run
                        continue
                    yield text.value()
                    if text.peek() == "]":
                        text.pos += 1
                        break
                    text.expect(",")
        else:
            value = text.value()
            if key == "crs":
                crs = value
        if text.peek() == "}":
            text.pos += 1
            break
        text.expect(",")
    if text.peek() != "" or "features" not in keys:
        raise Unstreamable
    if crs is not None:
        name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
        if name not in _WGS84:
            raise Unstreamable


def _read_toml(path: Path, where: str, problems: list[Problem]) -> Mapping[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.append(Problem(where, str(path), "", "file not found"))
    except tomllib.TOMLDecodeError as err:
        problems.append(Problem(where, str(path), "", f"not valid TOML: {err}"))
    return None
