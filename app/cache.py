"""Where the service and the command line keep built networks (:mod:`graph.kept`).

``CORRIDOR_CACHE_DIR`` names the folder; unset, it is ``$XDG_CACHE_HOME/corridor`` or
``~/.cache/corridor``; empty or ``off`` keeps nothing. The folder must be the user's own:
kept networks are pickles. Nothing is written in the repository unless it is named here.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Values of ``CORRIDOR_CACHE_DIR`` that turn keeping off.
OFF = frozenset({"", "0", "off", "false", "no", "none"})


def cache_dir(setting: str | None) -> Path | None:
    """The folder for kept networks given ``CORRIDOR_CACHE_DIR`` (``None``: unset)."""
    if setting is not None:
        return None if setting.strip().lower() in OFF else Path(setting).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "corridor"
