"""The contract every event store keeps, whatever holds the events.

A store keeps validated events between sessions and records every change.  It
is handed records that ``geo.ingest`` has validated; it never reads event
files, validates, filters by itself or draws.  Two backends keep it:
``geo.stores.gpkg`` (one GeoPackage file, the default) and, for teams,
``geo.stores.postgis``.  The calls::

    events = store.load()                # GeoDataFrame as geo.frame makes it
    record = store.get("acled:PAK1234")  # a plain schema record, or None
    summary = store.upsert([record], origin="app")   # ChangeSummary(added, updated, unchanged)
    store.delete(["app-some-event-1a2b3c4d"], origin="app")  # ChangeSummary(deleted=...)
    store.history("acled:PAK1234")       # audit entries, newest first
    store.revision()                     # changes whenever the events change: a cache key

An upsert replaces the whole event with that id; records equal to the stored
ones are counted as unchanged and not written.  ``origin`` says where a change
came from ("app", an imported file's path) and is kept in the audit trail.
Every write is one transaction: all of it lands, or none of it.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd


class StoreError(RuntimeError):
    """The store cannot be opened or written (not a store, locked too long, disk full...)."""


@dataclass(frozen=True)
class ChangeSummary:
    """The ids a write added, updated, left unchanged or deleted."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()

    def __str__(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.unchanged)} unchanged"]
        return ", ".join(parts + ([f"{len(self.deleted)} deleted"] if self.deleted else []))


class Store(abc.ABC):
    """Validated events and their audit trail (see the module docstring for the calls)."""

    location: str
    """Where the store is: a file path or a database URL (without its password)."""
    created: bool = False
    """True when opening the store created it."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    @abc.abstractmethod
    def load(self) -> gpd.GeoDataFrame:
        """Every event as a frame (``geo.frame``), in the order they were added."""

    @abc.abstractmethod
    def records(self) -> list[dict]:
        """Every event as a plain schema record, in the order they were added (for re-validation and copying)."""

    @abc.abstractmethod
    def get(self, event_id: str) -> dict | None:
        """One event as a plain schema record, or None."""

    @abc.abstractmethod
    def upsert(self, records: Iterable[Mapping], origin: str) -> ChangeSummary:
        """Add validated records, or replace the stored events with the same ids, in one transaction."""

    @abc.abstractmethod
    def delete(self, ids: Iterable[str], origin: str) -> ChangeSummary:
        """Delete the events with these ids (unknown ids are ignored), recording each in the audit trail."""

    @abc.abstractmethod
    def history(self, event_id: str | None = None, limit: int | None = None) -> list[dict]:
        """Audit entries, newest first: dicts of when, event_id, action, old, new (dicts or None), origin."""

    @abc.abstractmethod
    def revision(self) -> str:
        """A token that changes whenever the events change: a cache key for ``load``."""
