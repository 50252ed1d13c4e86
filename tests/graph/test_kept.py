"""Kept networks (graph.kept): read back only for the same files and code, never half, never bad."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph import CargoClass, Network, NetworkValidationError, kept, load_network
from graph import io as graph_io
from graph.io import DataFiles
from solvers.cargo import Cargo
from solvers.quoting import quote
from solvers.types import Endpoint, QuoteRequest

READY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The network files validated and built from the files (not read from a kept network)."""
    built: list[Path] = []
    build = graph_io._built

    def counted(files: DataFiles) -> Network:
        built.append(files.network)
        return build(files)

    monkeypatch.setattr(graph_io, "_built", counted)
    return built


def kept_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("network-*.pickle"))


def file_key(network_file: Path) -> str:
    files = DataFiles.beside(network_file)
    found = kept.key((files.network, files.sources, files.tariffs, files.emission_factors))
    assert found is not None
    return found


def test_a_second_load_of_the_same_files_reads_the_kept_network(
    tiny_copy: Path, tmp_path: Path, builds: list[Path]
) -> None:
    folder = tmp_path / "kept"
    first = load_network(tiny_copy, keep_in=folder)
    assert len(kept_files(folder)) == 1
    again = load_network(tiny_copy, keep_in=folder)
    assert builds == [tiny_copy]
    assert again == first
    assert again is not first
    assert again.version == first.version
    assert again.to_data() == first.to_data()
    # a network read back works as the one built: indexes, views and quotes
    assert again.services.keys() == first.services.keys()
    assert again.place("Port Alpha") == first.place("Port Alpha")
    asked = QuoteRequest(
        origin=Endpoint.at("DP"),
        destination=Endpoint.at("PB"),
        ready=READY,
        cargo=Cargo(CargoClass.DRY, "22G1", 1),
    )
    answers = [quote(network, asked) for network in (first, again)]
    assert answers[0].pareto
    assert answers[0].pareto == answers[1].pareto


def test_the_real_network_reads_back_equal_to_the_one_built(
    data_copy: Path, tmp_path: Path, builds: list[Path]
) -> None:
    folder = tmp_path / "kept"
    built = load_network(data_copy, keep_in=folder)
    again = load_network(data_copy, keep_in=folder)
    assert builds == [data_copy]
    assert again.version == built.version
    assert again.to_data() == built.to_data()
    place = again.place("Chongqing")
    assert place is not None
    assert place == built.place("Chongqing")


def test_views_built_on_first_use_are_not_kept(tiny_copy: Path, tmp_path: Path) -> None:
    network = load_network(tiny_copy)
    assert network.departure_index is not None
    assert network.cities
    assert network.place("PA") is not None
    assert {"departure_index", "cities", "_places"} <= set(vars(network))
    kept.keep(tmp_path, "a" * 64, network)
    again = kept.kept(tmp_path, "a" * 64)
    assert again == network
    assert not {"departure_index", "cities", "_places"} & set(vars(again))
    assert again.place("PA") == network.place("PA")


def test_without_a_folder_nothing_is_kept(tiny_copy: Path, builds: list[Path]) -> None:
    load_network(tiny_copy)
    load_network(tiny_copy)
    assert builds == [tiny_copy, tiny_copy]
    assert not list(tiny_copy.parent.glob("*.pickle"))


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("network.geojson", lambda text: text + "\n"),
        ("sources.toml", lambda text: text + "\n# edited\n"),
        ("tariffs.toml", lambda text: text + "\n# edited\n"),
        ("emission_factors.toml", lambda text: text + "\n# edited\n"),
    ],
)
def test_any_change_to_any_file_is_a_miss(
    tiny_copy: Path,
    tmp_path: Path,
    builds: list[Path],
    name: str,
    edit: Callable[[str], str],
) -> None:
    folder = tmp_path / "kept"
    load_network(tiny_copy, keep_in=folder)
    edited = tiny_copy.parent / name
    edited.write_text(edit(edited.read_text(encoding="utf-8")), encoding="utf-8")
    load_network(tiny_copy, keep_in=folder)
    assert builds == [tiny_copy, tiny_copy]
    assert len(kept_files(folder)) == 2


def test_a_change_to_the_code_is_a_miss(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, builds: list[Path]
) -> None:
    folder = tmp_path / "kept"
    load_network(tiny_copy, keep_in=folder)
    code = tmp_path / "graph"
    shutil.copytree(Path(kept.__file__).parent, code, ignore=shutil.ignore_patterns("__pycache__"))
    before = file_key(tiny_copy)
    with (code / "network.py").open("a", encoding="utf-8") as source:
        source.write("\n# a change to how networks are built\n")
    monkeypatch.setattr(kept, "_CODE", code)
    kept._code_fingerprint.cache_clear()
    try:
        assert file_key(tiny_copy) != before
        load_network(tiny_copy, keep_in=folder)
    finally:
        kept._code_fingerprint.cache_clear()
    assert builds == [tiny_copy, tiny_copy]


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flipped(data: bytes) -> bytes:
    return data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:]


@pytest.mark.parametrize(
    "damage",
    [_truncated, _flipped, lambda data: b"", lambda data: b"not a kept network\n" * 10],
    ids=["truncated", "a flipped byte", "empty", "another file"],
)
def test_a_damaged_kept_network_is_ignored_and_replaced(
    tiny_copy: Path, tmp_path: Path, builds: list[Path], damage: Callable[[bytes], bytes]
) -> None:
    folder = tmp_path / "kept"
    first = load_network(tiny_copy, keep_in=folder)
    (path,) = kept_files(folder)
    path.write_bytes(damage(path.read_bytes()))
    assert load_network(tiny_copy, keep_in=folder) == first
    assert builds == [tiny_copy, tiny_copy]
    assert kept.kept(folder, file_key(tiny_copy)) == first  # rewritten whole


def test_a_network_kept_for_other_files_is_not_read(tiny_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    load_network(tiny_copy, keep_in=folder)
    (path,) = kept_files(folder)
    other = "0" * 64
    shutil.copy(path, folder / f"network-{other}.pickle")
    assert kept.kept(folder, other) is None


def test_a_kept_network_that_others_may_write_is_not_read(tiny_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    first = load_network(tiny_copy, keep_in=folder)
    (path,) = kept_files(folder)
    assert kept.kept(folder, file_key(tiny_copy)) == first
    path.chmod(0o666)
    assert kept.kept(folder, file_key(tiny_copy)) is None


def test_invalid_files_are_never_kept(tiny_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    text = tiny_copy.read_text(encoding="utf-8").replace(
        '"transit_hours": 144', '"transit_hours": -1'
    )
    assert text != tiny_copy.read_text(encoding="utf-8")
    tiny_copy.write_text(text, encoding="utf-8")
    for _ in range(2):
        with pytest.raises(NetworkValidationError) as raised:
            load_network(tiny_copy, keep_in=folder)
        assert any("transit_hours" in str(problem) for problem in raised.value.problems)
    assert not kept_files(folder)


def test_reuse_false_validates_and_keeps_again(
    tiny_copy: Path, tmp_path: Path, builds: list[Path]
) -> None:
    folder = tmp_path / "kept"
    load_network(tiny_copy, keep_in=folder)
    load_network(tiny_copy, keep_in=folder, reuse=False)
    assert builds == [tiny_copy, tiny_copy]
    assert len(kept_files(folder)) == 1


def test_an_unwritable_folder_only_means_nothing_is_kept(tiny_copy: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    assert load_network(tiny_copy, keep_in=blocker / "kept") == load_network(tiny_copy)


def test_old_kept_networks_are_pruned(tiny_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    for edit in range(kept._KEPT_FILES + 2):
        with tiny_copy.open("a", encoding="utf-8") as network_file:
            network_file.write("\n" * (edit + 1))
        load_network(tiny_copy, keep_in=folder)
    assert len(kept_files(folder)) == kept._KEPT_FILES
    assert kept.kept(folder, file_key(tiny_copy)) is not None  # the newest stays


_WRITER = """
import sys
from pathlib import Path
from graph import load_network
for _ in range(8):
    network = load_network(Path(sys.argv[1]), keep_in=Path(sys.argv[2]), reuse=False)
    again = load_network(Path(sys.argv[1]), keep_in=Path(sys.argv[2]))
    assert again == network, "a kept network read back differs"
print(network.version)
"""


def test_processes_writing_at_once_never_leave_half_a_file(tiny_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "kept"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(tiny_copy), str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [writer.communicate(timeout=300) for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], results
    expected = load_network(tiny_copy).version
    assert [out.strip() for out, _ in results] == [expected, expected]
    assert len(kept_files(folder)) == 1
    assert not list(folder.glob(".network-*"))  # no temporary file left behind
    found = kept.kept(folder, file_key(tiny_copy))
    assert found is not None
    assert found.version == expected
