"""corridor network: validate, summary, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from graph import kept, load_network
from graph.io import DataFiles
from tests.conftest import DATA, TINY
from tests.graph.editing import edit

runner = CliRunner()


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


def test_validate_checks_the_files_where_summary_reads_the_kept_network(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kept network stands in for its files everywhere but in ``network validate``.

    Another network is planted under the files' key: ``summary`` shows it, ``validate`` the files.
    """
    folder = tmp_path / "kept"
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(folder))
    files = DataFiles.beside(tiny_copy)
    key = kept.key((files.network, files.sources, files.tariffs, files.emission_factors))
    assert key is not None
    real = load_network(DATA / "network.geojson")
    kept.keep(folder, key, real)

    summary = runner.invoke(app, ["network", "summary", "--path", str(tiny_copy), "--json"])
    assert summary.exit_code == 0, summary.output
    assert json.loads(summary.stdout)["version"] == real.version

    tiny = load_network(tiny_copy)
    result = runner.invoke(app, ["network", "validate", str(tiny_copy)])
    assert result.exit_code == 0, result.output
    assert f"version {tiny.version}" in " ".join(result.output.split())
    assert kept.kept(folder, key) == tiny  # what it validated is kept


def test_cache_dir_off_keeps_nothing(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    result = runner.invoke(app, ["network", "summary", "--path", str(tiny_copy)])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "xdg").exists()
    monkeypatch.delenv("CORRIDOR_CACHE_DIR")
    result = runner.invoke(app, ["network", "summary", "--path", str(tiny_copy)])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "xdg" / "corridor").glob("network-*.pickle"))) == 1


def test_a_dot_env_file_names_the_network_and_the_cache_folder(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the service does, the command line reads a ``.env`` file (through the settings)."""
    from app.settings import get_settings

    work = tmp_path / "work"
    work.mkdir()
    folder = tmp_path / "kept-by-env"
    (work / ".env").write_text(
        f"CORRIDOR_NETWORK_PATH={tiny_copy}\nCORRIDOR_CACHE_DIR={folder}\n", encoding="utf-8"
    )
    monkeypatch.chdir(work)
    monkeypatch.delenv("CORRIDOR_CACHE_DIR")
    monkeypatch.delenv("CORRIDOR_NETWORK_PATH", raising=False)
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["network", "summary", "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["version"] == load_network(tiny_copy).version
    assert len(list(folder.glob("network-*.pickle"))) == 1
