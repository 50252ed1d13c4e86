"""Read the data files, validate them together and build a :class:`~graph.network.Network`.

The network file is GeoJSON (RFC 7946, read as JSON: no dataframe round trip, and no GDAL to
import for a command that only quotes); the source registry, fee catalogue and emission factors
are TOML files next to it. Everything is validated before anything is
built, and every problem is reported at once in one
:class:`~graph.errors.NetworkValidationError`.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.emissions import EmissionFactors, parse_emission_factors
from graph.errors import NetworkValidationError, Problem
from graph.fields import is_missing
from graph.network import Network
from graph.sources import Source, parse_sources
from graph.tariffs import TariffCatalogue, parse_catalogue
from graph.validate import Catalogues, RawFeature, validate_features

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


def load_network(path: Path | str = DEFAULT_NETWORK_PATH) -> Network:
    """Load, validate and build the network in ``path`` and the catalogues beside it.

    Raises
    ------
    NetworkValidationError
        Listing every problem in every file, each naming the item and field.
    """
    return load_files(DataFiles.beside(path))


def load_files(files: DataFiles) -> Network:
    """Like :func:`load_network`, with each file's path given."""
    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    sources_data = _read_toml(files.sources, "sources", problems)
    if sources_data is not None:
        sources, found = parse_sources(sources_data)
        problems.extend(found)

    tariffs: TariffCatalogue | None = None
    tariff_data = _read_toml(files.tariffs, "tariffs", problems)
    if tariff_data is not None:
        tariffs, found = parse_catalogue(tariff_data, sources)
        problems.extend(found)

    factors: EmissionFactors | None = None
    factor_data = _read_toml(files.emission_factors, "emission_factors", problems)
    if factor_data is not None:
        factors, found = parse_emission_factors(factor_data, sources)
        problems.extend(found)

    with bulk_allocation():
        features = read_features(files.network, problems)
        catalogues = Catalogues(frozenset(sources), tariffs, factors)
        locations, legs, found = validate_features(features, catalogues)
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
    collection = _read_collection(path, problems)
    if collection is None:
        return []
    features = []
    for index, feature in enumerate(collection, start=1):
        if not isinstance(feature, dict):
            problems.append(Problem("network", f"feature {index}", "", "not a GeoJSON feature"))
            continue
        properties = feature.get("properties") or {}
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        vertices = _vertices(geometry.get("coordinates")) if isinstance(geometry, dict) else []
        features.append(
            RawFeature(
                index=index,
                properties={k: v for k, v in properties.items() if not is_missing(v)},
                geometry_type=kind if isinstance(kind, str) else None,
                coordinates=tuple(vertices),
            )
        )
    return features


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


def _read_toml(path: Path, where: str, problems: list[Problem]) -> Mapping[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.append(Problem(where, str(path), "", "file not found"))
    except tomllib.TOMLDecodeError as err:
        problems.append(Problem(where, str(path), "", f"not valid TOML: {err}"))
    return None
