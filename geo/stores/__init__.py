"""Event stores: where events live between sessions, behind one interface (``geo.stores.base.Store``).

``open_store(location)`` picks the backend from the location: a
``postgresql://`` (or ``postgres://``) URL opens a PostGIS store, a file path
a GeoPackage.  Without a location, ``$INCIDENT_MAP_STORE`` is used, else the
user's data directory (``default_path()``).  Opening a location that does not
hold a store yet creates an empty one; a location that cannot hold one (another
URL scheme, a folder that does not exist, a database that cannot be reached)
is a StoreError, and nothing is created.  ``copy(source, target)`` moves every
event and its audit trail from one store to another of either kind.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from geo.stores.base import ChangeSummary, Condition, Conflict, RevisionConflict, Store, StoreError

ENV_VAR = "INCIDENT_MAP_STORE"
FILE_NAME = "events.gpkg"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

__all__ = ["ENV_VAR", "ChangeSummary", "Condition", "Conflict", "RevisionConflict", "Store", "StoreError", "copy", "default_path",
           "named_location", "open_store"]


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


def open_store(location: str | Path | None = None, *, create: bool = True) -> Store:
    """The store at ``location`` (see the module docstring), created empty if there is none yet (unless not ``create``:
    then StoreError)."""
    named = named_location(location)
    if named is None:
        from geo.stores.gpkg import open_gpkg

        return open_gpkg(default_path(), create_folder=True, create=create)
    if _URL.match(named):
        from geo.stores import postgis

        if not postgis.is_url(named):
            scheme = named.split("://", 1)[0]
            raise StoreError(f"{scheme}://…: not a store location this release opens (use a GeoPackage file path, "
                             f"or postgresql://USER@HOST/DATABASE for PostGIS)")
        return postgis.open_postgis(named, create=create)
    from geo.stores.gpkg import open_gpkg

    return open_gpkg(named, create=create)


def copy(source: Store, target: Store) -> tuple[int, int]:
    """Copy every event of ``source``, with its revision, and the whole audit trail into the empty ``target``
    in one transaction; returns (events, audit entries) copied."""
    records = source.records()
    written = target.restore(records, source.revisions(), source.history())
    return len(records), written
