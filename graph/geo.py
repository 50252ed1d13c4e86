"""Distances on the WGS84 ellipsoid."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyproj import Geod


def geodesic_km(coordinates: Sequence[Sequence[float]]) -> float:
    """Length of a lon/lat polyline on the WGS84 ellipsoid, in km."""
    lons = [point[0] for point in coordinates]
    lats = [point[1] for point in coordinates]
    return float(_wgs84().line_length(lons, lats)) / 1000.0


@cache
def _wgs84() -> Geod:
    """The ellipsoid, made on first use.

    pyproj takes a tenth of a second to import, and a network whose legs give their distances
    (or a kept one) needs no geodesy.
    """
    from pyproj import Geod

    return Geod(ellps="WGS84")
