from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import app
from tests.conftest import DATA, TINY
from tests.graph.editing import edit

runner = CliRunner()
#: A ready day ahead of the clock: a ready time in the past is searched from now.
READY_DAY = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()


def test_validate_the_real_file() -> None:
    result = runner.invoke(app, ["network", "validate", str(DATA / "network.geojson")])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output


def test_validate_lists_every_problem_and_exits_1(data_copy: Path) -> None:
    edit(data_copy, "CNQZH", tz="Asia/Qinzhou")
    edit(data_copy, "YCX-2", transit_hours=-1)
    edit(data_copy, "SR-CD-QZH-1", destination="CNXXX")
    result = runner.invoke(app, ["network", "validate", str(data_copy)])
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "3 problem(s)" in output
    assert "CNQZH/tz" in output
    assert "YCX-2/transit_hours" in output
    assert "SR-CD-QZH-1/destination: dangling endpoint" in output


def test_summary_json() -> None:
    result = runner.invoke(
        app, ["network", "summary", "--path", str(DATA / "network.geojson"), "--json"]
    )
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["locations"] >= 60
    assert summary["service_legs"] >= 150
    assert summary["sea_rail_services"] >= 14
    assert set(summary["legs_by_mode"]) >= {"sea", "rail", "river", "canal", "road"}
    assert len(summary["version"]) == 16


def test_summary_tables() -> None:
    result = runner.invoke(app, ["network", "summary", "--path", str(TINY / "network.geojson")])
    assert result.exit_code == 0
    assert "Locations by kind" in result.output
    assert "Provenance of values" in result.output


def test_export_geojson_and_csv(tmp_path: Path) -> None:
    target = tmp_path / "out.geojson"
    result = runner.invoke(
        app,
        [
            "network",
            "export",
            "--format",
            "geojson",
            "--path",
            str(TINY / "network.geojson"),
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0
    assert len(json.loads(target.read_text())["features"]) == 19
    result = runner.invoke(
        app,
        [
            "network",
            "export",
            "--format",
            "csv",
            "--layer",
            "locations",
            "--path",
            str(TINY / "network.geojson"),
        ],
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("feature_type,id,name")
    assert len(result.stdout.splitlines()) == 9


def test_db_upgrade(tmp_path: Path, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    from app.settings import get_settings

    monkeypatch.setenv("CORRIDOR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0
    assert (tmp_path / "cli.db").exists()


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


def test_study_run_prints_a_summary_and_writes_the_report_and_tables(tmp_path: Path) -> None:
    from tests.app.test_studies import CANAL, TINY_DEMAND

    demand = tmp_path / "demand.csv"
    demand.write_text(TINY_DEMAND, encoding="utf-8")
    canal = tmp_path / "canal.json"
    canal.write_text(json.dumps(CANAL), encoding="utf-8")
    report = tmp_path / "report.html"
    tables = tmp_path / "tables"
    result = runner.invoke(
        app,
        [
            "study", "run", "--path", str(TINY / "network.geojson"),
            "--scenario", "base", "--scenario", str(canal), "--demand", str(demand),
            "--value-of-time", "5", "--start", "2027-01-04",
            "--report", str(report), "--tables", str(tables),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "served TEU" in result.output
    assert "canal open" in result.output
    assert "<svg" in report.read_text(encoding="utf-8")
    pairs = (tables / "pairs.csv").read_text(encoding="utf-8").splitlines()
    assert len(pairs) == 1 + 2 * 2 * 4
    flows = json.loads((tables / "flows.geojson").read_text(encoding="utf-8"))
    assert any(f["properties"]["leg"] == "CANAL-1" for f in flows["features"])


def test_study_run_with_a_bad_demand_file_lists_the_rows_and_exits_2(tmp_path: Path) -> None:
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,cargo_class,teu_per_year\nDP,XX,dry,1\nDP,PB,dry,-1\n")
    result = runner.invoke(
        app,
        [
            "study", "run", "--path", str(TINY / "network.geojson"), "--scenario", "base",
            "--demand", str(demand), "--value-of-time", "5",
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "row 2" in output
    assert "row 3" in output


def test_study_run_from_another_folder_uses_the_calibrated_base_year(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --value-of-time a study on the bundled data runs at the base year's calibrated
    value, with the published capacities, and prints the calibration table and what the base
    leaves unserved; the bundled files are found from any folder."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["study", "run", "--scenario", "base", "--start", "2027-01-04"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "base-year calibration (value of time 2.39 CNY/TEU-h)" in result.output
    assert "Wuzhou port container throughput" in result.output
    assert "unserved in base:" in result.output
    assert (tmp_path / "study-report.html").exists()


def test_a_study_is_the_same_under_any_hash_seed(tmp_path: Path) -> None:
    """Two processes with other hash seeds give the same tables to the last digit.

    Several flows can share the optimal cost; the LP must not pick among them by the order of
    a set, or CO2e and modal split change from one run to the next.
    """
    canal = tmp_path / "canal.json"
    canal.write_text(
        json.dumps({"name": "canal", "ops": [{"op": "enable", "tags": ["pinglu_canal"]}]})
    )
    runs = []
    for seed in ("1", "2"):
        tables = tmp_path / f"seed-{seed}"
        command = [
            sys.executable, "-m", "app.cli", "study", "run", "--scenario", str(canal),
            "--demand", "default", "--value-of-time", "5",
            "--tables", str(tables),
        ]  # fmt: skip
        env = os.environ | {"PYTHONHASHSEED": seed, "CORRIDOR_DATABASE_URL": "sqlite://"}
        # run from elsewhere: the bundled demand is found, and nothing is written into the checkout
        folder = tmp_path / f"cwd-{seed}"
        folder.mkdir()
        popen = subprocess.Popen(command, env=env, cwd=folder, stderr=subprocess.PIPE)
        runs.append((tables, popen))
    for tables, process in runs:
        _, err = process.communicate(timeout=600)  # a bound for hangs, not a timing
        assert process.returncode == 0, err.decode()
        assert (tables / "totals.csv").exists()
    (first, _), (second, _) = runs
    for table in sorted(first.glob("*.csv")):
        assert table.read_bytes() == (second / table.name).read_bytes(), table.name
    assert (tmp_path / "cwd-1" / "study-report.html").exists()


def test_a_quote_loads_neither_the_web_stack_nor_the_database_nor_or_tools() -> None:
    """The command line starts fast: ``quote`` imports what it needs, not what ``serve`` does."""
    script = (
        "import atexit, sys\n"
        "heavy = ('fastapi', 'starlette', 'sqlalchemy', 'ortools', 'geopandas')\n"
        "atexit.register(lambda: print('LOADED', [m for m in heavy if m in sys.modules]))\n"
        "from app.cli import main\n"
        "sys.argv = ['corridor', 'quote', 'CNQZH', 'SGSIN', '--ready', '2026-12-14', '--json']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("LOADED []"), done.stdout[-300:]
