"""The source registry: every figure in ``data/`` cites entries of ``data/sources.toml``.

Each entry names the publisher, the date, the address it was read from and a quality grade:
A (original page of a major outlet or government site, or the official dataset), B (a copy or
mirror of such a story, Wikipedia, or a transcription in a public repository), C (weak: forum,
blog, undated or unattributed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.errors import Problem

GRADES = ("A", "B", "C")


@dataclass(frozen=True, slots=True)
class Source:
    """One cited document."""

    id: str
    publisher: str
    title: str
    date: str
    url: str
    grade: str

    def to_data(self) -> dict[str, str]:
        """The file form (without the id, which is the table key)."""
        return {
            "publisher": self.publisher,
            "title": self.title,
            "date": self.date,
            "url": self.url,
            "grade": self.grade,
        }


def parse_sources(data: Mapping[str, Any]) -> tuple[dict[str, Source], list[Problem]]:
    """Read the registry table; return the sources and every problem found."""
    sources: dict[str, Source] = {}
    problems: list[Problem] = []
    for source_id, entry in data.items():
        if not isinstance(entry, Mapping):
            problems.append(Problem("sources", source_id, "", "expected a table of fields"))
            continue
        values: dict[str, str] = {}
        for name in ("publisher", "title", "date", "url"):
            value = entry.get(name)
            if not isinstance(value, str) or not value.strip():
                problems.append(Problem("sources", source_id, name, "missing or empty"))
            else:
                values[name] = value.strip()
        grade = entry.get("grade")
        if grade not in GRADES:
            problems.append(
                Problem("sources", source_id, "grade", f"{grade!r} is not one of A, B, C")
            )
        url = values.get("url", "")
        if url and not url.startswith(("http://", "https://")):
            problems.append(Problem("sources", source_id, "url", f"{url!r} is not an address"))
        if len(values) == 4 and grade in GRADES:
            sources[source_id] = Source(id=source_id, grade=str(grade), **values)
    return sources, problems
