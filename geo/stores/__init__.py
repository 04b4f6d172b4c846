"""Event stores: where events live between sessions, behind one interface (``geo.stores.base.Store``).

``open_store(location)`` picks the backend from the location: a
``postgresql://`` URL opens a PostGIS store, anything else is a GeoPackage
file path.  Without a location, ``$INCIDENT_MAP_STORE`` is used, else the
user's data directory (``default_path()``).  Opening a location that does not
hold a store yet creates an empty one.
"""

from __future__ import annotations

import os
from pathlib import Path

from geo.stores.base import ChangeSummary, Store, StoreError

ENV_VAR = "INCIDENT_MAP_STORE"
FILE_NAME = "events.gpkg"

__all__ = ["ENV_VAR", "ChangeSummary", "Store", "StoreError", "default_path", "named_location", "open_store"]


def default_path() -> Path:
    """The user's own store: ``$XDG_DATA_HOME/incident-map/events.gpkg``, else ``~/.local/share/incident-map/events.gpkg``."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "incident-map" / FILE_NAME


def named_location(location: str | Path | None = None) -> str | None:
    """The store the user named: ``location``, else ``$INCIDENT_MAP_STORE``; None means the default store."""
    if location:
        return str(location)
    return os.environ.get(ENV_VAR) or None


def open_store(location: str | Path | None = None) -> Store:
    """The store at ``location`` (see the module docstring), created empty if there is none yet."""
    from geo.stores.gpkg import open_gpkg

    named = named_location(location)
    return open_gpkg(Path(named).expanduser() if named else default_path())
