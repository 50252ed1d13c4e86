"""Benchmark figures against their targets: one line where measured, one table at the end.

Each benchmark calls :func:`check` for a figure that has a target; it prints the line and, when
``CORRIDOR_BENCH_SUMMARY`` names a file, appends the figure to it (one JSON object a line).
``make bench`` empties that file first and ends with

    .venv/bin/python bench/targets.py FILE

which prints every figure of the run against its target and exits non-zero if a benchmark
recorded nothing (it did not run to the end).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

BENCHMARKS = ("load_network", "quotes", "study", "dispatch", "http_load")


def check(benchmark: str, figure: str, value: float, op: str, limit: float, unit: str = "") -> bool:
    """Print ``figure`` against its target (``op`` is ``<=`` or ``>=``) and record it."""
    met = value <= limit if op == "<=" else value >= limit
    verdict = "met" if met else "NOT MET"
    print(f"  {figure:<44} {value:10.2f} {unit:<6} target {op} {limit:g}   {verdict}")
    summary = os.environ.get("CORRIDOR_BENCH_SUMMARY")
    if summary:
        row = {"benchmark": benchmark, "figure": figure, "value": value, "unit": unit}
        row |= {"op": op, "limit": limit, "met": met}
        with Path(summary).open("a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")
    return met


def main() -> int:
    rows = [json.loads(line) for line in Path(sys.argv[1]).read_text().splitlines() if line]
    print("=" * 96)
    print(f"{'benchmark':<13} {'figure':<44} {'value':>10} {'unit':<6} {'target':<12} verdict")
    for row in rows:
        target = f"{row['op']} {row['limit']:g}"
        verdict = "met" if row["met"] else "NOT MET"
        print(
            f"{row['benchmark']:<13} {row['figure']:<44} {row['value']:>10.2f} {row['unit']:<6} "
            f"{target:<12} {verdict}"
        )
    missed = sum(not row["met"] for row in rows)
    silent = [name for name in BENCHMARKS if not any(r["benchmark"] == name for r in rows)]
    print(f"{len(rows)} figures, {len(rows) - missed} met, {missed} not met")
    if silent:
        print(f"no figures from: {', '.join(silent)} (did not run to the end)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
