"""Figures the production tests measure (throughput, latencies, memory, counts).

They are never asserted against a clock: each is written out as it is measured (seen with
``pytest -s``) and repeated at the end of the run in a "Corridor figures" summary, so that CI
logs carry them too.
"""

from __future__ import annotations

import sys

FIGURES: list[str] = []


def report(line: str) -> None:
    """Record a figure and show it now."""
    FIGURES.append(line)
    sys.stdout.write(f"\n{line}\n")
    sys.stdout.flush()
