"""Reading the network file a feature at a time gives what reading it whole gives."""

from __future__ import annotations

import codecs
import hashlib
import json
from pathlib import Path

import pytest

import graph.io
from graph import Network, NetworkValidationError, load_network
from graph.io import read_features
from tests.graph.editing import load_features, save_features


def _write(path: Path, data: object, **dump: object) -> None:
    path.write_text(json.dumps(data, **dump), encoding="utf-8")  # type: ignore[arg-type]


def _problems(path: Path) -> list[str]:
    with pytest.raises(NetworkValidationError) as error:
        load_network(path)
    return [str(problem) for problem in error.value.problems]


@pytest.mark.parametrize("order", ["legs first", "reversed", "pretty"])
def test_the_order_and_layout_of_features_do_not_matter(
    tiny_copy: Path, tiny_network: Network, order: str
) -> None:
    data = load_features(tiny_copy)
    features = data["features"]
    if order == "legs first":
        features.sort(key=lambda f: f["properties"]["feature_type"] != "service_leg")
    elif order == "reversed":
        features.reverse()
    _write(tiny_copy, data, indent=2 if order == "pretty" else None)
    assert load_network(tiny_copy).version == tiny_network.version


def test_features_longer_than_a_read_are_read_whole(
    tiny_copy: Path, tiny_network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graph.io, "_PIECE", 7)  # every value cut off somewhere
    assert load_network(tiny_copy).version == tiny_network.version


@pytest.mark.parametrize(
    ("name", "mutate", "expected"),
    [
        ("truncated", lambda text: text[:-40], "cannot read the file"),
        ("extra data", lambda text: text + " []", "cannot read the file"),
        ("repeated features", lambda text: text.rstrip()[:-1] + ', "features": []}', None),
        (
            "crs after the features",
            lambda text: text.rstrip()[:-1] + ', "crs": {"properties": {"name": "EPSG:3857"}}}',
            "expected EPSG:4326",
        ),
    ],
)
def test_a_file_the_stream_cannot_read_is_read_whole(
    tiny_copy: Path, name: str, mutate: object, expected: str | None
) -> None:
    """The stream gives up; reading the whole file reports what it always reported."""
    text = tiny_copy.read_text(encoding="utf-8")
    tiny_copy.write_text(mutate(text), encoding="utf-8")  # type: ignore[operator]
    if expected is None:  # the last "features" counts: an empty network, missing everything
        assert read_features(tiny_copy, []) == []
        return
    problems = _problems(tiny_copy)
    assert len(problems) == 1, name
    assert expected in problems[0]


def test_a_byte_order_mark_is_read_as_before(tiny_copy: Path, tiny_network: Network) -> None:
    tiny_copy.write_bytes(codecs.BOM_UTF8 + tiny_copy.read_bytes())
    assert load_network(tiny_copy).version == tiny_network.version


def test_null_and_nan_properties_are_absent(tiny_copy: Path, tiny_network: Network) -> None:
    data = load_features(tiny_copy)
    for feature in data["features"]:
        feature["properties"].setdefault("not_a_field", None)
        feature["properties"].setdefault("max_dwt", float("nan"))  # as a data frame writes a gap
    save_features(tiny_copy, data)
    assert load_network(tiny_copy).version == tiny_network.version


def test_legs_on_one_line_keep_the_sign_of_a_zero(tiny_copy: Path) -> None:
    """Equal lines are shared, but 0.0 and -0.0 (equal numbers) are written apart."""
    data = load_features(tiny_copy)
    leg = next(f for f in data["features"] if f["properties"]["feature_type"] == "service_leg")
    twin = json.loads(json.dumps(leg))
    twin["properties"] |= {"id": "TWIN-1", "service": "TWIN", "seq": 1}
    for feature, zero in ((leg, 0.0), (twin, -0.0)):
        line = feature["geometry"]["coordinates"]
        line.insert(1, [line[0][0], zero])
    data["features"].append(twin)
    save_features(tiny_copy, data)
    network = load_network(tiny_copy)
    zeros = [repr(network.legs[f["properties"]["id"]].geometry[1][1]) for f in (leg, twin)]
    assert zeros == ["0.0", "-0.0"]
    text = json.dumps(network.to_data(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert network.version == hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.mark.parametrize("piece", [7, 1 << 20])
@pytest.mark.parametrize("odd", [1, -1])
def test_items_read_in_runs_are_the_items_read_one_at_a_time(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch, piece: int, odd: int
) -> None:
    """A ``},{`` inside an item, a NaN and a lone surrogate read as ``json`` reads them."""
    monkeypatch.setattr(graph.io, "_PIECE", piece)
    data = load_features(tiny_copy)
    features = data["features"]
    features[0]["properties"]["extra"] = [{"a": 1}, {"b": [{"c": "},{"}]}]
    features[odd]["properties"] |= {"max_dwt": float("nan"), "notes": "\ud800"}
    _write(tiny_copy, data)
    whole = list(graph.io._features(json.loads(tiny_copy.read_bytes())["features"], []))
    streamed = list(graph.io.iter_features(tiny_copy, []))  # raises if the stream gives up
    assert [f.properties for f in streamed] == [f.properties for f in whole]
    assert "max_dwt" not in streamed[odd].properties
    assert [(f.index, f.coordinates) for f in streamed] == [(f.index, f.coordinates) for f in whole]
