"""corridor quote: options, the bill, bad input, and what it imports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli.main import app

runner = CliRunner()
#: A ready day ahead of the clock: a ready time in the past is searched from now.
READY_DAY = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()


def _quote(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["quote", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_quote_json_has_the_documented_shape() -> None:
    data = _quote("CNNIN-IRP", "VNYEV", "--ready", READY_DAY, "--box", "45G1", "--count", "2")
    assert data["status"] == "optimal"
    options = data["options"]
    assert len(options) >= 2
    assert {label for option in options for label in option["labels"]} >= {
        "recommended", "cheapest", "fastest", "greenest"
    }  # fmt: skip
    for option in options:
        assert set(option) >= {
            "labels", "departure", "arrival", "transit_hours", "price", "co2e_kg", "legs"
        }  # fmt: skip
        # local time with offset: Nanning is UTC+8, Hanoi UTC+7
        assert option["departure"].endswith("+08:00")
        assert option["arrival"].endswith("+07:00")
        price = option["price"]
        assert price["total_cny"] == pytest.approx(
            sum(item["amount_cny"] for item in price["items"]), abs=0.01
        )
        assert all(item["source"] for item in price["items"])
        for leg in legs(option):
            assert set(leg) >= {
                "from",
                "to",
                "mode",
                "service",
                "departure",
                "arrival",
                "distance_km",
            }
        assert legs(option)[0]["from"] == "CNNIN-IRP"
        assert legs(option)[-1]["to"] == "VNYEV"
        assert option["co2e_kg"] > 0


def legs(option: dict[str, Any]) -> list[dict[str, Any]]:
    """The legs' properties from an option's GeoJSON FeatureCollection."""
    assert option["legs"]["type"] == "FeatureCollection"
    return [feature["properties"] for feature in option["legs"]["features"]]


def test_quote_filters_and_scenario(tmp_path: Path) -> None:
    rail = _quote("CNNIN-IRP", "VNYEV", "--ready", READY_DAY, "--modes", "rail")
    assert {leg["mode"] for o in rail["options"] for leg in legs(o)} == {"rail"}
    scenario = tmp_path / "canal.json"
    scenario.write_text(
        json.dumps({"name": "canal", "ops": [{"op": "enable", "tags": ["pinglu_canal"]}]})
    )
    canal = _quote("CNNIG", "SGSIN", "--ready", READY_DAY, "--scenario", str(scenario))
    assert "canal" in {leg["mode"] for o in canal["options"] for leg in legs(o)}
    avoid = _quote("CNNIN-IRP", "SGSIN", "--ready", READY_DAY, "--exclude-hub", "CNQZH")
    assert "CNQZH" not in {leg["to"] for o in avoid["options"] for leg in legs(o)}


def test_quote_table_prints_options_and_the_itemized_bill() -> None:
    result = runner.invoke(
        app, ["quote", "CNNIN-IRP", "VNYEV", "--ready", READY_DAY, "--box", "22G1"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert re.search(r"\d options \(pareto-search", result.output)
    assert "Itemized bill of the recommended option" in result.output
    assert "total" in result.output


def test_quote_without_option_explains_and_exits_1() -> None:
    window = ["--ready", f"{READY_DAY}T08:00", "--deadline", f"{READY_DAY}T10:00"]
    result = runner.invoke(app, ["quote", "CNNIN-IRP", "VNYEV", *window])
    assert result.exit_code == 1
    assert "deadline-too-early" in result.output
    assert "the earliest possible arrival is" in result.output


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["CNNIN-IRP", "VNYEV", "--ready", "1 December"], "ready"),
        (["CNNIN-IRP", "VNYEV", "--ready", READY_DAY, "--box", "99X9"], "cargo.box"),
        (["CNNIN-IRP", "VNYEV", "--ready", READY_DAY, "--modes", "ship"], "modes"),
        (["CNNIN-IRP", "XXNOPE", "--ready", READY_DAY], "destination"),
        (["Atlantis", "SGSIN", "--ready", READY_DAY], "no place 'Atlantis'"),
        (
            ["CNNIN-IRP", "VNYEV", "--ready", READY_DAY, "--scenario", "/nonexistent.json"],
            "scenario",
        ),
        (["CNNIN-IRP", "VNYEV", "--ready", READY_DAY, "--class", "frozen"], "cargo_class"),
    ],
)
def test_quote_bad_input_names_the_field_and_exits_2(args: list[str], field: str) -> None:
    result = runner.invoke(app, ["quote", *args])
    assert result.exit_code == 2, result.output
    assert field in result.output


def test_a_quote_loads_neither_the_web_stack_nor_the_database_nor_or_tools(
    tmp_path: Path,
) -> None:
    """The command line starts fast: ``quote`` imports what it needs, not what ``serve`` does.

    Nor the service's settings (no ``.env`` here), geodesy, demand matrices or scenarios.
    """
    script = (
        "import atexit, sys\n"
        "heavy = ('fastapi', 'starlette', 'sqlalchemy', 'ortools', 'geopandas', 'pandas',\n"
        "         'pydantic_settings', 'pyproj', 'networkx', 'graph.demand', 'graph.scenario')\n"
        "atexit.register(lambda: print('LOADED', [m for m in heavy if m in sys.modules]))\n"
        "from app.cli.main import main\n"
        "sys.argv = ['corridor', 'quote', 'CNQZH', 'SGSIN', '--ready', '2026-12-14', '--json']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,  # no .env file there
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("LOADED []"), done.stdout[-300:]
