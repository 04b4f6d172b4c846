"""Where incident-map keeps files of its own on the user's machine (never inside the package)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$INCIDENT_MAP_CACHE_DIR``, else ``$XDG_CACHE_HOME/incident-map``, else ``~/.cache/incident-map``: files that can be made again."""
    folder = os.environ.get("INCIDENT_MAP_CACHE_DIR")
    if folder:
        return Path(folder)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return Path(xdg if os.path.isabs(xdg) else Path.home() / ".cache") / "incident-map"
