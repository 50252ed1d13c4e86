"""Shared fixtures.

``tiny_network`` is a hand-drawn network (tests/fixtures/tiny) whose answers are known:

- locations: PA Port Alpha (CN seaport, customs), PB Port Bravo (SG seaport), PC Port Charlie
  (NL seaport, Europe/Amsterdam with daylight saving), DP Dry Port (CN, customs), RT Rail
  Terminal (CN), RV River Port (CN), BX Border Crossing (CN), VD Vietnam Depot (VN);
- TRAIN: DP -> RT (Mon and Thu 20:00, 30 h, 900 km published) -> RT -> PA (6 h dwell, 4 h);
- SHIP: PA -> PB (Sat 18:00, 144 h) -> PB -> PC (Sat 18:00 Singapore, 600 h);
- BARGE: RV -> PA (Wed 08:00, 20 h); CANAL: RV -> PA, planned from 2026-09-01, tag canal_x;
- OLD: PB -> PA, suspended;
- ROAD: DP <-> RT, PA -> BX, BX -> VD, continuous, 3 h.

The real network (data/) is loaded once, for the few tests that check the real file.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from graph import Network, load_network

# Networks built by the commands and the service under test are kept here, not in the user's
# cache (app.cache); the subprocesses the tests start inherit it.
if "CORRIDOR_CACHE_DIR" not in os.environ:
    os.environ["CORRIDOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="corridor-test-cache-")
    atexit.register(shutil.rmtree, os.environ["CORRIDOR_CACHE_DIR"], ignore_errors=True)

# pytest-xdist's workers start with COLUMNS=80, which rich's consoles read once, at import;
# the command-line tests set the width they print at themselves.
os.environ.pop("COLUMNS", None)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
TINY = ROOT / "tests" / "fixtures" / "tiny"
CATALOGUES = ("sources.toml", "tariffs.toml", "emission_factors.toml")


@pytest.fixture(scope="session")
def tiny_network() -> Network:
    return load_network(TINY / "network.geojson")


@pytest.fixture(scope="session")
def real_network() -> Network:
    return load_network(DATA / "network.geojson")


def copy_data(source: Path, target: Path) -> Path:
    """Copy a network and its catalogues into ``target``; return the network file."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("network.geojson", *CATALOGUES):
        shutil.copy(source / name, target / name)
    return target / "network.geojson"


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    return copy_data(TINY, tmp_path / "tiny")


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    return copy_data(DATA, tmp_path / "data")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker, hand the figures it measured to the controller."""
    from tests.figures import FIGURES

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["corridor_figures"] = FIGURES


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """In the pytest-xdist controller, gather the figures a worker measured."""
    from tests.figures import FIGURES

    FIGURES.extend(getattr(node, "workeroutput", {}).get("corridor_figures", ()))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Repeat the figures the tests measured (tests/figures.py) at the end of the run."""
    from tests.figures import FIGURES

    if FIGURES:
        terminalreporter.section("Corridor figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
