"""The app's layers hold: routes parse, call a service and answer; they run no SQL."""

from __future__ import annotations

import ast
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "app" / "api"
#: The session's query and write methods: a route that calls one runs SQL itself.
SQL_CALLS = {"execute", "scalars", "scalar", "get", "add", "add_all", "delete", "flush", "query"}
#: The session's provider and the problem handlers may name SQLAlchemy; no route does.
ALLOWED = {"deps.py", "problems.py"}


def test_routes_run_no_sql() -> None:
    found = []
    for path in sorted(API.glob("*.py")):
        if path.name in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                found.append(f"{path.name}:{node.lineno} imports {node.module}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "db"
                and node.func.attr in SQL_CALLS
            ):
                found.append(f"{path.name}:{node.lineno} db.{node.func.attr}")
    assert found == []
