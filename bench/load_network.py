"""How loading grows: read, validate and build the real network and copies 10x and 100x larger.

    make bench            (or: .venv/bin/python bench/load_network.py [--repeat N])

For each size the script times, in this process, the three stages of a load from the files (cold:
the first load after a data change, and what ``corridor network validate`` always does) —
reading the GeoJSON, validating every feature into domain objects, and building the immutable
Network (indexes and content hash) — as the best of ``--repeat`` runs, then measures the peak of
Python allocations (tracemalloc) in a separate run. The real file is the baseline the larger
sizes are compared against (time per feature relative to it).

Then, what a restart with unchanged data pays: ``load_network`` in a fresh process that finds
the network kept for the same files (graph.kept: hashing the four files, reading and unpickling
the kept form), best of ``--repeat`` processes (wall time of the call, imports excluded; its CPU
time beside it), and its peak allocations in one more. The 2 s target applies to it; the cold
load has its own line, with the same target.

The larger networks are the real one copied k times with renamed ids (locations, legs, services
and the references between them), so every copy has the real file's mix of features.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
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
    kept_s: float
    kept_cpu_s: float
    kept_peak_mb: float

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
    catalogues = Catalogues(
        frozenset(network.sources),
        network.tariffs,
        network.emission_factors,
        frozenset(network.tariffs.customs),
    )
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


#: A restart: load the network in a fresh process, with the folder of kept networks given.
_RESTART = """
import sys, time, tracemalloc
from pathlib import Path
from graph.io import load_network
path, folder, traced = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
if traced:
    tracemalloc.start()
wall, cpu = time.perf_counter(), time.process_time()
network = load_network(path, keep_in=folder)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else 0.0
print(wall, cpu, peak, network.version)
"""


def restart(path: Path, folder: Path, version: str, *, traced: bool) -> tuple[float, float, float]:
    """Wall and CPU seconds of ``load_network`` in a new process, and its peak MB if ``traced``."""
    done = subprocess.run(
        [sys.executable, "-c", _RESTART, str(path), str(folder), "1" if traced else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu, peak, loaded = done.stdout.split()
    assert loaded == version, (loaded, version)
    return float(wall), float(cpu), float(peak)


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
            folder = Path(tmp) / f"kept-{label}"
            version = load_files(DataFiles.beside(path), keep_in=folder).version
            assert list(folder.glob("network-*.pickle")), "nothing was kept"
            restarts = [restart(path, folder, version, traced=False) for _ in range(args.repeat)]
            kept_peak = restart(path, folder, version, traced=True)[2]
            kept_s = min(wall for wall, _, _ in restarts)
            kept_cpu = min(cpu for _, cpu, _ in restarts)
            rows.append(
                Row(label, runs[0][3], read, validate, build, memory, kept_s, kept_cpu, kept_peak)
            )
    base = rows[0]
    print("cold: from the GeoJSON and catalogues (the first load after a data change)")
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
    print("kept: a restart with unchanged data (fresh process, the kept network read back)")
    print(
        f"{'network':>8} {'features':>9} {'wall s':>8} {'cpu s':>8} {'vs cold':>8} {'peak MB':>8}"
    )
    for row in rows:
        print(
            f"{row.label:>8} {row.features:>9} {row.kept_s:>8.3f} {row.kept_cpu_s:>8.3f} "
            f"{row.total_s / row.kept_s:>7.1f}x {row.kept_peak_mb:>8.1f}"
        )
    for row in rows:
        if row.label == "100x":
            check(
                "load_network", "100x network load (restart, kept form)", row.kept_s, "<=", 2.0, "s"
            )
            check(
                "load_network",
                "100x network peak allocations (kept)",
                row.kept_peak_mb,
                "<=",
                250.0,
                "MB",
            )
            check(
                "load_network", "100x network load cold (from GeoJSON)", row.total_s, "<=", 2.0, "s"
            )
            check(
                "load_network",
                "100x network peak allocations (cold)",
                row.peak_mb,
                "<=",
                250.0,
                "MB",
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"process max RSS: {rss:.0f} MB (best of {args.repeat} runs per size; "
        "peak MB = Python allocations while loading, tracemalloc)"
    )


if __name__ == "__main__":
    main()
