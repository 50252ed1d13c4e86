"""Instants shown in the local time of their place, however the instant was made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from app.mapping import local_time
from graph import Network


def test_an_instant_shows_its_places_offset_whatever_offset_it_carries(
    tiny_network: Network,
) -> None:
    """Shown instants are remembered by instant and zone: an equal instant made with another
    offset, shown first, must not change what the next one reads."""
    summer = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
    in_shanghai = summer.astimezone(timezone(timedelta(hours=8)))
    assert local_time(in_shanghai, "PC", tiny_network) == "2026-07-01T06:00:00+02:00"
    assert local_time(summer, "PC", tiny_network) == "2026-07-01T06:00:00+02:00"
    assert local_time(summer, "PA", tiny_network) == "2026-07-01T12:00:00+08:00"
    winter = datetime(2026, 1, 1, 4, 0, tzinfo=UTC)
    assert local_time(winter, "PC", tiny_network) == "2026-01-01T05:00:00+01:00"


def test_a_door_point_takes_the_nearest_locations_zone(tiny_network: Network) -> None:
    at = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
    amsterdam = tiny_network.get_location("PC")
    assert local_time(at, "@ORIGIN", tiny_network, (amsterdam.lon, amsterdam.lat)).endswith(
        "+02:00"
    )
    assert local_time(at, "@ORIGIN", tiny_network) == "2026-07-01T04:00:00+00:00"
