"""The contract every event store keeps, whatever holds the events.

A store keeps validated events between sessions and records every change.  It
is handed records that ``geo.ingest`` has validated; it never reads event
files, validates, builds filters or draws.  Two backends keep it:
``geo.stores.gpkg`` (one GeoPackage file, the default) and, for teams,
``geo.stores.postgis``.  The calls::

    events = store.load()                # GeoDataFrame as geo.frame makes it, plus each event's "revision"
    record = store.get("acled:PAK1234")  # a plain schema record, or None
    store.revisions(["acled:PAK1234"])   # {"acled:PAK1234": 3}: each event's revision number
    summary = store.upsert([record], origin="app")   # ChangeSummary(added, updated, unchanged)
    store.upsert([record], origin="app", expected={"acled:PAK1234": 3})  # RevisionConflict if it moved on since
    store.delete(["app-some-event-1a2b3c4d"], origin="app")  # ChangeSummary(deleted=...)
    store.history("acled:PAK1234")       # audit entries, newest first
    store.revision()                     # changes whenever the events change: a cache key
    store.missing_permissions()          # [] when this user may write, else what they lack

An upsert replaces the whole event with that id; records equal to the stored
ones are counted as unchanged and not written.  ``origin`` says where a change
came from ("app: form", an imported file's path) and ``by`` who made it (the
database role, or the login on this machine for a file); both are kept in the
audit trail.  Every write is one transaction: all of it lands, or none of it.

Revisions: an event is at revision 1 when added, and every update or deletion
adds one (an id deleted and added again carries on from there).  A writer that
passes ``expected`` (id -> the revision it loaded) is refused with
``RevisionConflict``, nothing written, when someone changed or deleted one of
those events since; the refusal names who, when and from where.  An event the
store has never held is new whatever revision was expected.

A store that ``runs_sql`` narrows ``load`` and ``count`` by a ``Condition``
(SQL over the columns named in ``Condition``'s docstring); the others read
everything, and the caller filters what comes back in any case.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json

from geo.frame import LIST_TYPES, TEXT_LIST_TYPES, held_lists
from geo.schema import FIELDS, LIST_FIELDS


class StoreError(RuntimeError):
    """The store cannot be opened or written (not a store, no permission, locked too long, disk full...)."""


@dataclass(frozen=True)
class Condition:
    """A boolean SQL expression (PostgreSQL, ``%s`` placeholders) over a store's ``events`` table, with its parameters.

    The columns a condition may use: ``id``, ``event_type``, ``country``,
    ``location_precision``, ``context`` (boolean), ``day_min`` and ``day_max``
    (the first and last day the event may have happened on, NULL when its date
    is unknown), ``actor_keys`` (its actors' names, casefolded, as ``text[]``)
    and ``geom`` (a PostGIS ``Point`` in EPSG:4326, NULL when unmapped).
    """

    sql: str
    params: tuple = ()


@dataclass(frozen=True)
class Change:
    """The last change to one event, as the audit trail has it."""

    event_id: str
    action: str
    revision: int
    by: str
    when: str
    origin: str


@dataclass(frozen=True)
class Conflict:
    """An event changed since a writer loaded it: the revision it loaded and the change that came after."""

    loaded: int
    change: Change

    def __str__(self) -> str:
        change = self.change
        what = "deleted" if change.action == "delete" else "changed"
        when = change.when[:19].replace("T", " ") + " UTC" if change.when else "an unknown time"
        return (f"{change.event_id}: {what} by {change.by or 'an unknown user'} ({change.origin}) at {when}, "
                f"revision {change.revision}; you loaded revision {self.loaded}")


class RevisionConflict(StoreError):
    """A write refused because events changed since the writer loaded them; nothing was written."""

    def __init__(self, location: str, conflicts: Iterable[Conflict]):
        self.conflicts = tuple(conflicts)
        lines = [str(conflict) for conflict in self.conflicts]
        super().__init__(f"{location}: nothing was written: {len(lines)} event(s) changed by someone else since they were loaded:\n"
                         + "\n".join(f"  {line}" for line in lines))


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


@dataclass
class Plan:
    """What an upsert writes, worked out from the stored events before anything is written."""

    inserts: list[tuple[dict, int]] = field(default_factory=list)
    """New events and their revisions."""
    updates: list[tuple[dict, int]] = field(default_factory=list)
    """Changed events and their new revisions."""
    audit: list[tuple[str, str, int, dict | None, dict | None]] = field(default_factory=list)
    """(event_id, action, revision, old, new) per change."""
    conflicts: dict[str, int] = field(default_factory=dict)
    """Event id -> the revision the writer loaded, for events that moved on since."""
    summary: ChangeSummary = ChangeSummary()


def plan_upsert(records: list[Mapping], stored: Mapping[str, tuple[dict, int]], past: Mapping[str, int],
                expected: Mapping[str, int] | None) -> Plan:
    """The inserts, updates and audit entries of an upsert, or its conflicts (a pure function both backends share).

    ``stored``: id -> (record, revision) of the stored events among ``records``;
    ``past``: id -> the last revision of events deleted since (from the audit trail);
    ``expected``: id -> the revision the writer loaded.
    """
    plan, added, updated, unchanged = Plan(), [], [], []
    for record in records:
        event_id = record["id"]
        old, revision = stored.get(event_id, (None, past.get(event_id, 0)))
        if old == record:
            unchanged.append(event_id)
            continue
        loaded = (expected or {}).get(event_id)
        if loaded is not None and revision and loaded != revision:
            plan.conflicts[event_id] = loaded
            continue
        if old is None:
            added.append(event_id)
            plan.inserts.append((record, revision + 1))
            plan.audit.append((event_id, "add", revision + 1, None, record))
        else:
            updated.append(event_id)
            plan.updates.append((record, revision + 1))
            changed = [name for name in FIELDS if old.get(name) != record.get(name)]
            plan.audit.append((event_id, "update", revision + 1, {n: old.get(n) for n in changed}, {n: record.get(n) for n in changed}))
    plan.summary = ChangeSummary(tuple(added), tuple(updated), tuple(unchanged))
    return plan


def delete_conflicts(ids: list[str], revisions: Mapping[str, int], past: Mapping[str, int],
                     expected: Mapping[str, int] | None) -> dict[str, int]:
    """Event id -> the revision the writer loaded, for the events to delete that moved on since."""
    current = {**past, **revisions}
    return {i: (expected or {})[i] for i in ids if i in (expected or {}) and current.get(i) and current[i] != expected[i]}


def record_of(values: dict, point: tuple[float, float] | None) -> dict:
    """A schema record from a stored row's column values (list fields as JSON text, NULL text as None) and its (lon, lat)."""
    for name in LIST_FIELDS:
        values[name] = json.loads(values[name]) if values[name] else []
    values["context"] = bool(values["context"])
    values["lon"], values["lat"] = point if point else (None, None)
    for name in FIELDS:
        if values[name] is None and name not in ("lat", "lon", "fatalities"):
            values[name] = ""
    return {name: values[name] for name in FIELDS}


def table_of(columns: Mapping[str, Sequence], points: Sequence[tuple[float, float] | None]) -> pd.DataFrame:
    """Stored columns (as ``record_of`` takes them) and each row's (lon, lat) or None as a table of schema fields,
    each JSON column parsed in one pass (what makes loading fast)."""
    table = {"lat": [p[1] if p else None for p in points], "lon": [p[0] if p else None for p in points]}
    for name in FIELDS:
        if name in ("lat", "lon"):
            continue
        values = columns.get(name, ())
        if name in LIST_FIELDS:
            table[name] = json_lists(values)
        elif name == "context":
            table[name] = [bool(v) for v in values]
        elif name == "fatalities":
            table[name] = list(values)
        else:
            table[name] = ["" if v is None else v for v in values]
    return pd.DataFrame({name: table[name] for name in FIELDS})


def json_lists(texts: Iterable[str | None]) -> list[list]:
    """A stored list column (JSON text, NULL or "" for an empty list) parsed in one pass: what makes loading fast."""
    return json.loads("[" + ",".join(text or "[]" for text in texts) + "]")


def json_list_arrays(columns: Mapping[str, pa.Array]) -> dict[str, pa.Array]:
    """Stored list columns (JSON text, NULL or "" for an empty list; a name of ``LIST_FIELDS`` each) parsed by Arrow's
    JSON reader into arrays of ``geo.frame.LIST_TYPES`` (``held_lists``), no Python object made per item; raises
    StoreError for a value that is not a list of items of those fields in text."""
    keys = list(columns)
    if not keys:
        return {}
    pieces: list = []
    for number, name in enumerate(keys):
        texts = pc.fill_null(columns[name], "").cast(pa.large_string())
        pieces += [_text(("{" if number == 0 else ",") + f'"{name}":'), pc.if_else(pc.equal(texts, ""), _text("[]"), texts)]
    lines = pc.binary_join_element_wise(*pieces, _text("}\n"), _text(""))  # one JSON object a line, back to back
    if len(lines) == 0:
        return {name: pa.array([], LIST_TYPES[name]) for name in keys}
    start, end = np.frombuffer(lines.buffers()[1], dtype=np.int64)[[lines.offset, lines.offset + len(lines)]]
    schema = pa.schema([(name, TEXT_LIST_TYPES[name]) for name in keys])
    try:
        table = pyarrow.json.read_json(pa.BufferReader(lines.buffers()[2].slice(int(start), int(end - start))),
                                       parse_options=pyarrow.json.ParseOptions(explicit_schema=schema, newlines_in_values=True))
    except pa.ArrowInvalid as error:
        raise StoreError(f"a stored actors, sources or tags value is not a list of the schema's items ({error})") from None
    return {name: held_lists(table.column(name).combine_chunks(), name) for name in keys}


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


class Store(abc.ABC):
    """Validated events and their audit trail (see the module docstring for the calls)."""

    location: str
    """Where the store is: a file path or a database URL (without its password)."""
    created: bool = False
    """True when opening the store created it."""
    runs_sql: bool = False
    """True when ``load`` and ``count`` narrow by a ``Condition`` in the database."""
    by: str
    """Who changes are recorded as: the database role, or ``login@host`` for a file."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    # --- reading -------------------------------------------------------------------------

    @abc.abstractmethod
    def load(self, where: Condition | None = None) -> gpd.GeoDataFrame:
        """The events (those matching ``where`` when the store ``runs_sql``, else all) as a frame (``geo.frame``)
        with a ``revision`` column, in the order they were added."""

    @abc.abstractmethod
    def count(self, where: Condition | None = None) -> int:
        """How many events there are (that match ``where``, when the store ``runs_sql``)."""

    @abc.abstractmethod
    def records(self) -> list[dict]:
        """Every event as a plain schema record, in the order they were added (for re-validation and copying)."""

    @abc.abstractmethod
    def get(self, event_id: str) -> dict | None:
        """One event as a plain schema record, or None."""

    @abc.abstractmethod
    def revisions(self, ids: Iterable[str] | None = None) -> dict[str, int]:
        """Event id -> revision number, for these ids (those stored) or every event."""

    @abc.abstractmethod
    def history(self, event_id: str | None = None, limit: int | None = None) -> list[dict]:
        """Audit entries, newest first: dicts of when, event_id, action, revision, old, new (dicts or None), origin, by."""

    @abc.abstractmethod
    def revision(self) -> str:
        """A token that changes whenever the events change: a cache key for ``load``."""

    @abc.abstractmethod
    def info(self) -> dict[str, object]:
        """What the store is, for people: backend, location, schema version, events, audit entries, user, may write."""

    # --- writing -------------------------------------------------------------------------

    @abc.abstractmethod
    def missing_permissions(self) -> list[str]:
        """What this user lacks to write to the store (e.g. "INSERT on table events"); empty when they may write."""

    def check_writable(self) -> None:
        """Raise StoreError naming the missing permissions unless this user may write to the store."""
        missing = self.missing_permissions()
        if missing:
            raise StoreError(f"{self.location}: {self.by} may view and export but not change events here "
                             f"(missing: {', '.join(missing)}); nothing was changed")

    @abc.abstractmethod
    def upsert(self, records: Iterable[Mapping], origin: str, expected: Mapping[str, int] | None = None) -> ChangeSummary:
        """Add validated records, or replace the stored events with the same ids, in one transaction.

        With ``expected`` (id -> revision loaded), raise RevisionConflict, writing nothing, when any of
        those events changed since.
        """

    @abc.abstractmethod
    def delete(self, ids: Iterable[str], origin: str, expected: Mapping[str, int] | None = None) -> ChangeSummary:
        """Delete the events with these ids (unknown ids are ignored), recording each in the audit trail; ``expected`` as
        for ``upsert``."""

    @abc.abstractmethod
    def restore(self, records: Iterable[Mapping], revisions: Mapping[str, int], history: Iterable[Mapping]) -> int:
        """Fill an empty store with events, their revisions and an audit trail as ``history`` gives it (newest first),
        kept as it was; returns the audit entries written.  Raises StoreError if the store holds anything."""
