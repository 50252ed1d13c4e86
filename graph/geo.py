"""Distances on the WGS84 ellipsoid."""

from __future__ import annotations

from collections.abc import Sequence

from pyproj import Geod

GEOD = Geod(ellps="WGS84")


def geodesic_km(coordinates: Sequence[Sequence[float]]) -> float:
    """Length of a lon/lat polyline on the WGS84 ellipsoid, in km."""
    lons = [point[0] for point in coordinates]
    lats = [point[1] for point in coordinates]
    return float(GEOD.line_length(lons, lats)) / 1000.0
