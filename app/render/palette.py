"""The one palette of transport modes, shared by the console and the study report.

The console reads it as CSS variables (``--sea``, ``--rail``...) from ``/palette.css``, which
:func:`palette_css` writes from :data:`MODE_COLOURS`; the report draws its charts and flow maps
with the same values. Each colour carries white 10 px text at WCAG AA (at least 4.5:1) and
stands out at 3:1 or more against the basemap's land (#e8e4d8).
"""

from __future__ import annotations

from graph import Mode

MODE_COLOURS: dict[str, str] = {
    Mode.SEA: "#1f5fa8",
    Mode.RAIL: "#c0392b",
    Mode.RIVER: "#0f7a65",
    Mode.CANAL: "#8e44ad",
    Mode.ROAD: "#5d6d7e",
    Mode.AIR: "#9a6300",
}


def palette_css() -> str:
    """The palette as CSS custom properties on ``:root``, one per mode."""
    lines = [f"  --{mode}: {colour};" for mode, colour in MODE_COLOURS.items()]
    return ":root {\n" + "\n".join(lines) + "\n}\n"
