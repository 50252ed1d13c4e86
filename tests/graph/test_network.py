from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
import pytest

from graph import (
    Mode,
    Network,
    UnknownLocation,
    UnknownService,
    UnknownServiceLeg,
    apply_scenario,
    load_network,
    parse_scenario,
    to_csv,
    to_geojson,
)
from tests.conftest import CATALOGUES, TINY

WEEK = (datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 12, tzinfo=UTC))  # Mon..Mon, UTC


def test_lookups(tiny_network: Network) -> None:
    assert tiny_network.get_location("PA").name == "Port Alpha"
    assert tiny_network.find_location("NOPE") is None
    with pytest.raises(UnknownLocation, match="NOPE"):
        tiny_network.get_location("NOPE")
    with pytest.raises(UnknownServiceLeg):
        tiny_network.get_leg("NOPE-1")
    with pytest.raises(UnknownService):
        tiny_network.service_legs("NOPE")
    assert [leg.id for leg in tiny_network.service_legs("TRAIN")] == ["TRAIN-1", "TRAIN-2"]
    assert [loc.id for loc in tiny_network.list_locations()] == sorted(tiny_network.locations)


def test_stay_aboard_and_outgoing(tiny_network: Network) -> None:
    first = tiny_network.get_leg("TRAIN-1")
    second = tiny_network.next_leg(first)
    assert second is not None
    assert second.id == "TRAIN-2"
    assert tiny_network.next_leg(second) is None
    assert {leg.id for leg in tiny_network.legs_from("PA")} == {"SHIP-1", "ROAD-PA-BX-1"}
    assert [leg.id for leg in tiny_network.legs_tagged("canal_x")] == ["CANAL-1"]


def test_distance_is_published_or_geodesic(tiny_network: Network) -> None:
    assert tiny_network.get_leg("TRAIN-1").distance_km == 900
    ship = tiny_network.get_leg("SHIP-1")
    assert 2200 < ship.distance_km < 2500  # Qinzhou-ish to Singapore-ish, straight line
    assert ship.provenance["distance_km"].estimate


def test_departures_in_local_time_of_the_origin(tiny_network: Network) -> None:
    departures = tiny_network.departures("TRAIN-1", *WEEK)
    # Mon and Thu 20:00 in Shanghai = 12:00 UTC.
    assert [d.departure for d in departures] == [
        datetime(2026, 1, 5, 12, tzinfo=UTC),
        datetime(2026, 1, 8, 12, tzinfo=UTC),
    ]
    first = departures[0]
    assert first.arrival == first.departure + timedelta(hours=30)
    assert first.cutoff == first.departure - timedelta(hours=24)
    assert first.capacity_teu == 100
    assert first.key == "TRAIN-1@2026-01-05T12:00Z"


def test_a_box_staying_aboard_finds_the_next_leg(tiny_network: Network) -> None:
    arrival = tiny_network.departures("TRAIN-1", *WEEK)[0].arrival
    onward = tiny_network.departures("TRAIN-2", arrival, arrival + timedelta(days=2))
    assert onward[0].departure == arrival + timedelta(hours=6)


def test_planned_suspended_and_continuous(tiny_network: Network) -> None:
    assert tiny_network.departures("CANAL-1", *WEEK) == []
    assert tiny_network.departures("OLD-1", *WEEK) == []
    start = datetime(2026, 1, 5, 3, 17, tzinfo=UTC)
    road = tiny_network.departures("ROAD-DP-RT-1", start, start + timedelta(days=7))
    assert len(road) == 1
    assert road[0].on_demand
    assert road[0].departure == start
    assert road[0].capacity_teu is None


def test_naive_window_is_refused(tiny_network: Network) -> None:
    with pytest.raises(ValueError, match="naive"):
        tiny_network.departures("TRAIN-1", datetime(2026, 1, 5), datetime(2026, 1, 12, tzinfo=UTC))
    with pytest.raises(ValueError, match="aware"):
        tiny_network.departures("ROAD-DP-RT-1", datetime(2026, 1, 5), datetime(2026, 1, 6))


def test_validity_window_after_opening(tiny_network: Network) -> None:
    opened = apply_scenario(
        tiny_network, parse_scenario("open", [{"op": "enable", "tags": ["canal_x"]}])
    )
    august = opened.departures(
        "CANAL-1", datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC)
    )
    september = opened.departures(
        "CANAL-1", datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
    )
    assert august == []
    assert len(september) == 4  # Mondays in September 2026: 7, 14, 21, 28


def test_closures_cancel_departures_and_arrivals(tiny_network: Network) -> None:
    closed = apply_scenario(
        tiny_network,
        parse_scenario(
            "typhoon",
            [
                {
                    "op": "close",
                    "target": "PA",
                    "start": "2026-01-07T00:00:00+08:00",
                    "end": "2026-01-09T00:00:00+08:00",
                    "reason": "typhoon",
                },
            ],
        ),
    )
    # TRAIN-2 arrives at PA on Wed 12:00 local (cancelled) and Sat 12:00 (kept).
    assert len(tiny_network.departures("TRAIN-2", *WEEK)) == 2
    kept = closed.departures("TRAIN-2", *WEEK)
    assert [d.departure.astimezone(UTC).day for d in kept] == [10]
    assert closed.location_closed("PA", datetime(2026, 1, 8, tzinfo=UTC))
    assert not closed.location_closed("PA", datetime(2026, 1, 9, tzinfo=UTC))


def test_network_is_immutable(tiny_network: Network) -> None:
    with pytest.raises(AttributeError, match="immutable"):
        tiny_network.tariffs = tiny_network.tariffs
    with pytest.raises(TypeError):
        tiny_network.locations["X"] = tiny_network.get_location("PA")  # type: ignore[index]


def test_graph_view_is_frozen(tiny_network: Network) -> None:
    graph = tiny_network.graph
    assert graph.number_of_nodes() == len(tiny_network.locations)
    assert graph.number_of_edges() == len(tiny_network.legs)
    assert graph.edges["DP", "RT", "TRAIN-1"]["mode"] == Mode.RAIL.value
    with pytest.raises(nx.NetworkXError, match=r"[Ff]rozen"):
        graph.add_node("X")


def test_version_is_stable_and_content_based(tiny_network: Network) -> None:
    again = load_network(TINY / "network.geojson")
    assert again == tiny_network
    assert again.version == tiny_network.version
    assert len(tiny_network.version) == 16
    changed = apply_scenario(
        tiny_network,
        parse_scenario("x", [{"op": "adjust_capacity", "ids": ["BARGE"], "factor": 2}]),
    )
    assert changed.version != tiny_network.version


def _plain_version(network: Network) -> str:
    """The version by its definition: SHA-256 of the whole of ``to_data()`` as canonical JSON."""
    text = json.dumps(network.to_data(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_streamed_version_is_the_hash_of_the_whole_document(tiny_network: Network) -> None:
    """The version, hashed feature by feature, is the hash of ``to_data()`` in one piece."""
    patched = apply_scenario(
        tiny_network,
        parse_scenario(
            "x",
            [
                {"op": "adjust_transit", "ids": ["BARGE"], "factor": 1.5},
                {"op": "disable", "ids": ["SHIP"]},
                {
                    "op": "close",
                    "target": "BX",
                    "start": "2026-01-01T00:00:00Z",
                    "end": "2026-01-02T00:00:00Z",
                    "reason": "typhoon \u53f0\u98ce",
                },
                {
                    "op": "add_dwell",
                    "target": "BX",
                    "hours": 10,
                    "start": "2027-01-04T00:00:00Z",
                    "end": "2027-01-05T00:00:00Z",
                },
                {
                    "op": "add_service",
                    "features": [
                        {
                            "id": "NEW-1",
                            "service": "NEW",
                            "seq": 1,
                            "mode": "rail",
                            "operator": 'Planner "quoted" \u00e9',
                            "origin": "DP",
                            "destination": "PA",
                            "departures": ["TUE 10:00", "FRI 23:59"],
                            "transit_hours": 40,
                            "capacity_teu": 80,
                            "cargo_classes": ["dry", "reefer"],
                            "status": "active",
                            "emission_class": "rail",
                            "tariff": ["RAIL-BOX"],
                            "tags": ["b", "a"],
                            "valid_from": "2026-03-01",
                            "notes": "line\nbreak",
                        }
                    ],
                },
            ],
        ),
    )
    leg = next(iter(tiny_network.legs.values()))
    odd = Network(
        locations=tiny_network.locations,
        legs={
            **tiny_network.legs,
            leg.id: dataclasses.replace(
                leg, max_dwt=50_000, cabotage=True, distance_km=1e-7, transit_hours=12.0
            ),
        },
        tariffs=tiny_network.tariffs,
        emission_factors=tiny_network.emission_factors,
        sources=tiny_network.sources,
    )
    for network in (tiny_network, patched, odd):
        assert network.version == _plain_version(network)
    assert len({tiny_network.version, patched.version, odd.version}) == 3


def test_geojson_export_round_trips(tiny_network: Network, tmp_path: Path) -> None:
    (tmp_path / "network.geojson").write_text(
        json.dumps(to_geojson(tiny_network)), encoding="utf-8"
    )
    for name in CATALOGUES:
        (tmp_path / name).write_bytes((TINY / name).read_bytes())
    reloaded = load_network(tmp_path / "network.geojson")
    assert reloaded == tiny_network


def test_csv_export(tiny_network: Network) -> None:
    legs = to_csv(tiny_network, "legs").splitlines()
    locations = to_csv(tiny_network, "locations").splitlines()
    assert len(legs) == len(tiny_network.legs) + 1
    assert len(locations) == len(tiny_network.locations) + 1
    assert legs[0].startswith("feature_type,id,service")
    assert "LINESTRING (" in legs[1]
    with pytest.raises(ValueError, match="unknown layer"):
        to_csv(tiny_network, "services")
