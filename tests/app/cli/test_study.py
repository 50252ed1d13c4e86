"""corridor study run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from tests.conftest import TINY

runner = CliRunner()


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


def test_study_run_writes_the_report_in_chinese_with_lang_zh(tmp_path: Path) -> None:
    from tests.app.test_studies import TINY_DEMAND

    demand = tmp_path / "demand.csv"
    demand.write_text(TINY_DEMAND, encoding="utf-8")
    reports = {}
    for lang in ("zh", "en"):
        reports[lang] = tmp_path / f"report-{lang}.html"
        result = runner.invoke(
            app,
            [
                "study", "run", "--path", str(TINY / "network.geojson"), "--scenario", "base",
                "--demand", str(demand), "--value-of-time", "5", "--start", "2027-01-04",
                "--report", str(reports[lang]), "--lang", lang, "--no-capacity",
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    chinese = reports["zh"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in chinese
    assert "运输" in chinese
    assert '<html lang="en">' in reports["en"].read_text(encoding="utf-8")
    wrong = runner.invoke(
        app, ["study", "run", "--path", str(TINY / "network.geojson"), "--lang", "fr"]
    )
    assert wrong.exit_code == 2
    assert "fr" in wrong.output


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
    assert "base-year calibration (value of time 1 CNY/TEU-h)" in result.output
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
