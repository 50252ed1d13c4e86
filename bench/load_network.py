"""How loading grows: read, validate and build the real network and copies 10x and 100x larger.

    make bench            (or: .venv/bin/python bench/load_network.py [--repeat N])

For each size the script times, in this process, the three stages of ``load_network`` — reading
the GeoJSON (json module), validating every feature into domain objects, and building the
immutable Network (indexes and content hash) — as the best of ``--repeat`` runs, then measures the
peak of Python allocations (tracemalloc) in a separate run. The real file is the baseline the
larger sizes are compared against (time per feature relative to it).

The larger networks are the real one copied k times with renamed ids (locations, legs, services
and the references between them), so every copy has the real file's mix of features.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from targets import check

from graph.io import DataFiles, bulk_allocation, load_files, read_features
from graph.network import Network
from graph.validate import Catalogues, validate_features

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass
class Row:
    """Figures for one network size."""

    label: str
    features: int
    read_s: float
    validate_s: float
    build_s: float
    peak_mb: float

    @property
    def total_s(self) -> float:
        return self.read_s + self.validate_s + self.build_s


def copy_id(identifier: str, copy: int) -> str:
    """The id of a location, leg or service in copy ``copy`` of the network (0: the real one)."""
    return identifier if copy == 0 else f"{identifier}-X{copy:03d}"


def replicate(source: Path, copies: int, target: Path) -> Path:
    """Write the network ``copies`` times over, ids suffixed, next to the real catalogues."""
    data = json.loads(source.read_text(encoding="utf-8"))
    features: list[dict[str, Any]] = []
    for copy in range(copies):
        for feature in data["features"]:
            properties = dict(feature["properties"])
            properties["id"] = copy_id(properties["id"], copy)
            for key in ("service", "origin", "destination"):
                if key in properties:
                    properties[key] = copy_id(properties[key], copy)
            features.append({**feature, "properties": properties})
    target.mkdir(parents=True, exist_ok=True)
    for name in ("sources.toml", "tariffs.toml", "emission_factors.toml"):
        (target / name).write_bytes((DATA / name).read_bytes())
    path = target / "network.geojson"
    path.write_text(json.dumps({**data, "features": features}), encoding="utf-8")
    return path


def stages(path: Path) -> tuple[float, float, float, int]:
    """Seconds to read, validate and build ``path``; and its feature count."""
    files = DataFiles.beside(path)
    network = load_files(files)  # catalogues, parsed once: they do not grow with the network
    catalogues = Catalogues(frozenset(network.sources), network.tariffs, network.emission_factors)
    problems: list[Any] = []
    with bulk_allocation():  # as load_files does
        start = time.perf_counter()
        features = read_features(path, problems)
        read = time.perf_counter() - start
        start = time.perf_counter()
        locations, legs, found = validate_features(features, catalogues)
        validate = time.perf_counter() - start
        assert not problems, problems[:5]
        assert not found, found[:5]
        start = time.perf_counter()
        Network(
            locations=locations,
            legs=legs,
            tariffs=network.tariffs,
            emission_factors=network.emission_factors,
            sources=network.sources,
        )
        build = time.perf_counter() - start
    return read, validate, build, len(features)


def peak_mb(action: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size (best kept)")
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        sizes = [("real", DATA / "network.geojson")]
        for copies in (10, 100):
            sizes.append(
                (
                    f"{copies}x",
                    replicate(DATA / "network.geojson", copies, Path(tmp) / f"x{copies}"),
                )
            )
        for label, path in sizes:
            runs = [stages(path) for _ in range(args.repeat)]
            read, validate, build = (min(run[i] for run in runs) for i in range(3))
            memory = peak_mb(partial(load_files, DataFiles.beside(path)))
            rows.append(Row(label, runs[0][3], read, validate, build, memory))
    base = rows[0]
    print(
        f"{'network':>8} {'features':>9} {'read s':>8} {'validate s':>11} {'build s':>8} "
        f"{'total s':>8} {'us/feature':>11} {'vs real':>8} {'peak MB':>8}"
    )
    for row in rows:
        per_feature = row.total_s / row.features * 1e6
        ratio = per_feature / (base.total_s / base.features * 1e6)
        print(
            f"{row.label:>8} {row.features:>9} {row.read_s:>8.3f} {row.validate_s:>11.3f} "
            f"{row.build_s:>8.3f} {row.total_s:>8.3f} {per_feature:>11.1f} {ratio:>7.2f}x "
            f"{row.peak_mb:>8.1f}"
        )
    for row in rows:
        if row.label == "100x":
            check("load_network", "100x network load", row.total_s, "<=", 2.0, "s")
            check("load_network", "100x network peak allocations", row.peak_mb, "<=", 250.0, "MB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"process max RSS: {rss:.0f} MB (best of {args.repeat} runs per size; "
        "peak MB = Python allocations while loading, tracemalloc)"
    )


if __name__ == "__main__":
    main()
