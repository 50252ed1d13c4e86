"""The package's public face: every name it offers, and nothing heavy loaded to offer them."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module

import solvers


def test_importing_solvers_loads_no_solver_graph_or_or_tools() -> None:
    script = (
        "import sys, solvers\n"
        "roots = {'solvers', 'graph', 'ortools', 'numpy', 'pandas', 'geopandas', 'pyproj'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in roots))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "['solvers']"


def test_every_public_name_is_its_owners_object() -> None:
    for name in solvers.__all__:
        owner = import_module(solvers._OWNERS[name])
        assert getattr(solvers, name) is getattr(owner, name), name
    assert set(solvers.__all__) == set(solvers._OWNERS)
    assert set(solvers.__all__) <= set(dir(solvers))
