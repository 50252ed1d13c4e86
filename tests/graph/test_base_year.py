"""The base year's file: published capacities and calibration targets, checked against a network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph import Mode, Network, NetworkValidationError
from graph.base_year import Measure, Role, base_year_beside, load_base_year, parse_base_year
from tests.conftest import DATA


def test_the_bundled_base_year_fits_the_bundled_network(real_network: Network) -> None:
    base_year = load_base_year(base_year_beside(DATA / "network.geojson"), real_network)
    assert base_year.year == 2025
    assert base_year.calibration is not None
    assert base_year.capacities
    assert base_year.targets
    assert {t.role for t in base_year.targets} == {Role.FIT, Role.CHECK}  # a fit and a hold-out
    for capacity in base_year.capacities:
        assert capacity.provenance.sources, capacity.id
    for goal in base_year.targets:
        assert goal.provenance.sources, goal.id


def test_a_missing_file_is_an_empty_base_year(tiny_network: Network, tmp_path: Path) -> None:
    base_year = load_base_year(tmp_path / "base_year.toml", tiny_network)
    assert base_year.capacities == ()
    assert base_year.targets == ()
    assert base_year.calibration is None


def test_a_good_entry_of_each_kind(tiny_network: Network) -> None:
    data: dict[str, Any] = {
        "year": 2025,
        "capacity": [
            {
                "id": "trains", "name": "Trains", "services": ["TRAIN"],
                "departures_per_year": 500, "source": ["FIX"],
            },
            {
                "id": "barges", "name": "Barges", "services": ["BARGE"],
                "teu_per_year": 9000, "estimate": True, "derivation": "a third of 27,000",
            },
        ],
        "target": [
            {
                "id": "port", "name": "Port A", "measure": "port", "location": "PA",
                "modes": ["sea", "river"], "teu": 1000, "role": "fit", "tolerance": 0.2,
                "source": ["FIX"],
            },
        ],
    }  # fmt: skip
    base_year, problems = parse_base_year(data, tiny_network)
    assert problems == []
    assert base_year is not None
    trains, barges = base_year.capacities
    assert (trains.departures_per_year, trains.teu_per_year) == (500, None)
    assert (barges.departures_per_year, barges.teu_per_year) == (None, 9000)
    assert barges.provenance.estimate
    (port,) = base_year.targets
    assert port.measure is Measure.PORT
    assert port.modes == {Mode.SEA, Mode.RIVER}


def test_every_problem_in_the_file_is_listed_at_once(tiny_network: Network, tmp_path: Path) -> None:
    (tmp_path / "base_year.toml").write_text(
        """
year = 2025
colour = "blue"

[[capacity]]
id = "a"
name = "A"
services = ["TRAIN", "NOPE"]
teu_per_year = 10
source = ["FIX"]

[[capacity]]
id = "b"
name = "B"
services = ["SHIP"]
teu_per_year = 10
departures_per_year = 5
source = ["FIX"]

[[capacity]]
id = "c"
name = "C"
services = ["SHIP"]
teu_per_year = -3
source = ["UNKNOWN"]

[[capacity]]
id = "d"
name = "D"
services = ["BARGE"]
teu_per_year = 7
source = ["FIX"]

[[capacity]]
id = "e"
name = "E"
services = ["BARGE"]
teu_per_year = 8
estimate = true

[[target]]
id = "t"
name = "T"
measure = "port"
teu = 5
role = "guess"
tolerance = 0.2
source = ["FIX"]

[[target]]
id = "t"
name = "T again"
measure = "boarded"
services = ["TRAIN"]
location = "PA"
teu = 5
role = "check"
tolerance = 0.2
source = ["FIX"]
""",
        encoding="utf-8",
    )
    with pytest.raises(NetworkValidationError) as caught:
        load_base_year(tmp_path / "base_year.toml", tiny_network)
    found = {(p.item, p.field) for p in caught.value.problems}
    assert found >= {
        ("", "colour"),  # not a field of the file
        ("a", "services"),  # NOPE is no service
        ("b", "teu_per_year"),  # both kinds of figure
        ("c", "teu_per_year"),  # negative
        ("c", "source"),  # unknown source
        ("e", "derivation"),  # an estimate must say how
        ("t", "location"),  # a port target without a location
        ("t", "role"),  # not fit or check
        ("t", "id"),  # two targets with one id
    }
    by_item = {p.item: p for p in caught.value.problems}
    assert "teu_per_year" in str(caught.value)
    assert "NOPE" in str(by_item["a"])


def test_a_service_has_one_published_capacity(tiny_network: Network) -> None:
    entry = {"name": "x", "services": ["TRAIN"], "teu_per_year": 5, "source": ["FIX"]}
    data = {"year": 2025, "capacity": [entry | {"id": "one"}, entry | {"id": "two"}]}
    _, problems = parse_base_year(data, tiny_network)
    assert [(p.item, p.field) for p in problems] == [("two", "services")]
    assert "already has a published capacity (one)" in problems[0].message
