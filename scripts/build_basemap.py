"""Build app/static/land.geojson, the console's offline basemap, from Natural Earth land.

    uv run python scripts/build_basemap.py [--atlas DIR]

The source is the npm package ``world-atlas@2.0.2`` (Natural Earth 4.1.0 as TopoJSON, public
domain; ``NE-WORLD-ATLAS`` in ``data/sources.toml``). ``--atlas`` names the unpacked package;
without it the script runs ``npm pack world-atlas@2.0.2`` in a temporary folder.

The file holds two features drawn one over the other, filled without outline: the world at
1:110m, and the region the network covers (China, ASEAN, the Bay of Bengal) at 1:50m clipped to a
box, so the coast the planners look at is detailed while the file stays near 120 KB. Antarctica
is left out; rings that run across the antimeridian (Chukotka, Fiji) are cut there;
the 1:50m rings are simplified (Douglas-Peucker, 0.02 degree) and
coordinates rounded to 0.01 degree (about 1 km) and repeated points dropped. The output is
deterministic; the built file is committed, the script is for rebuilding.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "app" / "static" / "land.geojson"
PACKAGE = "world-atlas@2.0.2"
# lon_min, lat_min, lon_max, lat_max of the detailed region
REGION = (68.0, -12.0, 150.0, 56.0)
SOUTH_LIMIT = -60.0  # Antarctica: nothing of the network is there
DIGITS = 2
TOLERANCE = 0.02  # degrees: Douglas-Peucker on the 1:50m rings, well under a pixel at zoom 5

Ring = list[tuple[float, float]]


def decode(topology: dict[str, Any], name: str) -> list[list[Ring]]:
    """The polygons (rings of lon, lat) of a quantized TopoJSON object."""
    (kx, ky), (dx, dy) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        x = y = 0
        points: Ring = []
        for qx, qy in arc:  # delta-encoded integer positions
            x, y = x + qx, y + qy
            points.append((x * kx + dx, y * ky + dy))
        arcs.append(points)

    def ring(indices: list[int]) -> Ring:
        points: Ring = []
        for index in indices:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc if not points else arc[1:])
        return points

    polygons: list[list[Ring]] = []
    for geometry in topology["objects"][name]["geometries"]:
        shapes = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        polygons.extend([ring(r) for r in shape] for shape in shapes)
    return polygons


def clip(ring: Ring, box: tuple[float, float, float, float]) -> Ring:
    """Sutherland-Hodgman: the part of ``ring`` inside ``box`` (edges along the box where cut)."""
    x0, y0, x1, y1 = box
    # (axis, bound, whether inside is above the bound)
    edges = ((0, x0, True), (0, x1, False), (1, y0, True), (1, y1, False))
    points = ring
    for axis, bound, above in edges:
        if not points:
            break

        def inside(
            p: tuple[float, float], axis: int = axis, bound: float = bound, above: bool = above
        ) -> bool:
            return p[axis] >= bound if above else p[axis] <= bound

        kept: Ring = []
        previous = points[-1]
        for point in points:
            if inside(point):
                if not inside(previous):
                    kept.append(_crossing(previous, point, axis, bound))
                kept.append(point)
            elif inside(previous):
                kept.append(_crossing(previous, point, axis, bound))
            previous = point
        points = kept
    return points


def _crossing(
    a: tuple[float, float], b: tuple[float, float], axis: int, bound: float
) -> tuple[float, float]:
    """Where the segment ``a``-``b`` meets the line ``axis == bound``."""
    share = (bound - a[axis]) / (b[axis] - a[axis])
    other = 1 - axis
    value = a[other] + (b[other] - a[other]) * share
    return (bound, value) if axis == 0 else (value, bound)


def simplified(ring: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker: the points of ``ring`` that stray more than ``tolerance`` from a chord."""
    if len(ring) < 4 or tolerance <= 0:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = ring[first], ring[last]
        length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
        farthest, distance = first, 0.0
        for index in range(first + 1, last):
            px, py = ring[index]
            if length == 0:
                away = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                away = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            if away > distance:
                farthest, distance = index, away
        if distance > tolerance:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(ring, keep, strict=True) if kept]


def rounded(ring: Ring) -> list[list[float]]:
    """``ring`` at ``DIGITS`` decimals without repeated points, closed; empty if degenerate."""
    points: list[list[float]] = []
    for lon, lat in ring:
        point = [round(lon, DIGITS), round(lat, DIGITS)]
        if not points or point != points[-1]:
            points.append(point)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3:
        return []
    return [*points, points[0]]


def cut_at_antimeridian(ring: Ring) -> list[Ring]:
    """``ring`` as pieces that stay within -180..180 (a ring that jumps across ±180 is cut)."""
    unwrapped: Ring = [ring[0]]
    for lon, lat in ring[1:]:
        previous = unwrapped[-1][0]
        lon += 360 * round((previous - lon) / 360)  # continue on the side the ring was
        unwrapped.append((lon, lat))
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        box = (-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        piece = clip(unwrapped, box)
        if piece:
            pieces.append([(lon + shift, lat) for lon, lat in piece])
    return pieces


def multipolygon(polygons: Iterator[list[Ring]]) -> list[list[list[list[float]]]]:
    """Rounded polygons, those whose outer ring vanished left out."""
    kept = []
    for polygon in polygons:
        outer, *holes = polygon
        if not outer:
            continue
        # a ring cut at the antimeridian makes one polygon per side; holes stay with the first
        pieces = [rounded(piece) for piece in cut_at_antimeridian(outer)]
        pieces = [piece for piece in pieces if piece]
        for index, piece in enumerate(pieces):
            rings = [piece]
            if index == 0:
                rings.extend(r for r in (rounded(h) for h in holes if h) if r)
            kept.append(rings)
    return kept


def build(atlas: Path) -> dict[str, Any]:
    """The basemap FeatureCollection from the unpacked world-atlas package in ``atlas``."""
    world = decode(json.loads((atlas / "land-110m.json").read_text()), "land")
    region = decode(json.loads((atlas / "land-50m.json").read_text()), "land")

    def north_of_antarctica(polygon: list[Ring]) -> bool:
        return max(lat for _, lat in polygon[0]) > SOUTH_LIMIT

    features = [
        {
            "type": "Feature",
            "properties": {"scale": "1:110m"},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": multipolygon(p for p in world if north_of_antarctica(p)),
            },
        },
        {
            "type": "Feature",
            "properties": {"scale": "1:50m", "bbox": list(REGION)},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": multipolygon(
                    [simplified(clip(r, REGION), TOLERANCE) for r in p] for p in region
                ),
            },
        },
    ]
    return {
        "type": "FeatureCollection",
        "properties": {
            "source": "Natural Earth 4.1.0 land via npm world-atlas@2.0.2 (public domain)",
            "built_by": "scripts/build_basemap.py",
        },
        "features": features,
    }


def unpacked(folder: Path) -> Path:
    """Fetch and unpack ``PACKAGE`` with npm into ``folder``; the package directory."""
    subprocess.run(["npm", "pack", PACKAGE], cwd=folder, check=True, capture_output=True)
    (tarball,) = folder.glob("world-atlas-*.tgz")
    with tarfile.open(tarball) as archive:
        archive.extractall(folder, filter="data")
    return folder / "package"


def main(argv: list[str] | None = None) -> int:
    """Write ``OUTPUT``; print its size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--atlas", type=Path, help="the unpacked world-atlas package")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temp:
        atlas = args.atlas or unpacked(Path(temp))
        collection = build(atlas)
    text = json.dumps(collection, separators=(",", ":")) + "\n"
    OUTPUT.write_text(text)
    sys.stdout.write(f"{OUTPUT.relative_to(ROOT)}: {len(text.encode()) / 1024:.0f} KB\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
