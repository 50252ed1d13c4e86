"""Helpers that plant problems in a copy of a network's data files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graph import NetworkValidationError, Problem, load_network

DELETE = object()


def load_features(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def save_features(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def edit(path: Path, feature_id: str, **changes: Any) -> None:
    """Change (or with DELETE remove) properties of one feature."""
    data = load_features(path)
    for feature in data["features"]:
        if feature["properties"].get("id") == feature_id:
            for key, value in changes.items():
                if value is DELETE:
                    feature["properties"].pop(key, None)
                else:
                    feature["properties"][key] = value
            break
    else:
        raise KeyError(feature_id)
    save_features(path, data)


def edit_geometry(path: Path, feature_id: str, geometry: dict[str, Any]) -> None:
    data = load_features(path)
    for feature in data["features"]:
        if feature["properties"].get("id") == feature_id:
            feature["geometry"] = geometry
    save_features(path, data)


def replace_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(path: Path) -> list[Problem]:
    try:
        load_network(path)
    except NetworkValidationError as error:
        return list(error.problems)
    return []


def has_problem(problems: list[Problem], item: str, field: str, fragment: str) -> bool:
    return any(
        (p.item == item or (item.endswith(".geojson") and p.item.endswith(item)))
        and p.field == field
        and fragment in p.message
        for p in problems
    )
