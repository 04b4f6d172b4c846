"""The GeoPackage event store: one file that QGIS and GDAL open as it is, with an audit trail.

The default backend of ``geo.stores`` (see ``geo.stores.base`` for the calls).

The file (GeoPackage 1.2, written with sqlite3 following the OGC spec):
``gpkg_spatial_ref_sys``, ``gpkg_contents``, ``gpkg_geometry_columns``; the
feature table ``events`` (``fid``, a GeoPackage-binary ``POINT`` in EPSG:4326,
NULL for unmapped events, then one column per schema field; ``actors``,
``sources`` and ``tags`` hold JSON text; last ``revision``, the event's
revision number); the attribute table ``audit`` (``changed_at`` UTC ISO time,
``event_id``, ``action`` add/update/delete, ``old_json``/``new_json`` — the
whole record before a delete, only the changed fields for update, and for an
add no JSON at all: the added record is the row itself, and ``history`` rebuilds
it from the row and the event's later entries —, ``origin``,
then ``revision``, the event's revision after the change, and ``changed_by``,
``login@host`` of whoever made it).  A store made before revisions existed
(schema version 1) is upgraded when a release with them opens it for writing.

Writes are single ``BEGIN IMMEDIATE`` transactions in WAL mode: a second
writer waits (busy timeout) instead of failing, readers never block, and a
process killed mid-write leaves the old content, which GDAL opens read-only
(it replays the WAL).  Work that can fail (reading, validating) happens before
the transaction.  After each write the WAL is checkpointed into the .gpkg, and
SQLite removes it when the last connection closes, so a closed store is one file.
A bulk write (``BULK_LEAST`` events or more) into a store no other connection
has open is made with a rollback journal instead: the pages it adds are written
once, where WAL writes them twice (to the WAL, then into the file at the
checkpoint; at 1,000,000 events 1.8 GB more, about 20 s).  It is as atomic (a
process killed mid-write leaves a journal the next writer or reader rolls back),
but readers wait for it once it spills to the file, and a read-only opener
(GDAL without update) cannot roll such a journal back itself.  The store is put
back in WAL mode as the write ends, or by the next write if the process died.
A new store is built in a temporary file and linked into place, so two
processes creating it at once end up with one store.
"""

from __future__ import annotations

import getpass
import itertools
import json
import os
import socket
import sqlite3
import struct
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo import frame
from geo.schema import FIELDS, LIST_FIELDS, REVISION
from geo.stores.base import (
    Change,
    ChangeSummary,
    Condition,
    Conflict,
    Plan,
    RevisionConflict,
    Store,
    StoreError,
    delete_conflicts,
    json_list_arrays,
    plan_upsert,
    record_of,
)
from geo.wording import noun

SCHEMA_VERSION = 2
"""1: events and audit; 2: a revision per event, and the revision and author of each audit entry."""
TABLE = "events"
AUDIT = "audit"
BUSY_TIMEOUT_S = 120.0
"""How long a write waits for another process's write to finish."""

APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_VERSION = 10200  # GeoPackage 1.2
SRS_ID = 4326
PAGE_SIZE = 32768
"""Bytes per page of a new store: events and audit rows of 1-3 kB pack into 32 kB pages with less slack than into 8 kB
(a 1,000,000-event store takes 1.79 GB, not 1.93), and a large import writes (to the WAL, then into the file at the
checkpoint) a quarter as many pages.  Stores made before keep the page size they were made with."""
_WGS84 = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],'
    'AUTHORITY["EPSG","4326"]]'
)
_COLUMN_TYPES = {"title": "TEXT NOT NULL", "context": "BOOLEAN NOT NULL", "fatalities": "INTEGER"}
_COLUMNS = frame.COLUMNS  # the schema fields stored as columns; lat/lon live in the geometry
_SCHEMA = f"""
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
  ('WGS 84 geodetic', {SRS_ID}, 'EPSG', 4326, '{_WGS84}',
   'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
CREATE TABLE {TABLE} (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT, id TEXT NOT NULL UNIQUE,
  {", ".join(f"{name} {_COLUMN_TYPES.get(name, 'TEXT')}" for name in _COLUMNS if name != "id")},
  revision INTEGER NOT NULL DEFAULT 1);
CREATE TABLE {AUDIT} (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, changed_at DATETIME NOT NULL, event_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('add', 'update', 'delete')), old_json TEXT, new_json TEXT, origin TEXT NOT NULL,
  revision INTEGER, changed_by TEXT);
CREATE INDEX {AUDIT}_event_id ON {AUDIT} (event_id);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
  ('{TABLE}', 'features', '{TABLE}', 'Reported incidents (incident-map); actors, sources and tags are JSON', {SRS_ID}),
  ('{AUDIT}', 'attributes', '{AUDIT}', 'Every change to the events: when, what, old and new values, origin', NULL);
INSERT INTO gpkg_geometry_columns VALUES ('{TABLE}', 'geom', 'POINT', {SRS_ID}, 0, 0);
"""
_UPGRADES = {
    2: f"""ALTER TABLE {TABLE} ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE {AUDIT} ADD COLUMN revision INTEGER;
ALTER TABLE {AUDIT} ADD COLUMN changed_by TEXT;
UPDATE {AUDIT} SET revision = (SELECT COUNT(*) FROM {AUDIT} AS earlier WHERE earlier.event_id = {AUDIT}.event_id
                               AND earlier.fid <= {AUDIT}.fid);
UPDATE {TABLE} SET revision = MAX(1, (SELECT COUNT(*) FROM {AUDIT} WHERE {AUDIT}.event_id = {TABLE}.id));""",
}
"""Schema version -> the SQL that brings a store from the version before to it."""
_SELECT = f"SELECT geom, {', '.join(_COLUMNS)}, revision FROM {TABLE}"
_INSERT = f"INSERT INTO {TABLE} (geom, {', '.join(_COLUMNS)}, revision) VALUES ({', '.join('?' * (len(_COLUMNS) + 2))})"
_UPDATE = f"UPDATE {TABLE} SET geom = ?, {', '.join(f'{name} = ?' for name in _COLUMNS)}, revision = ? WHERE id = ?"
_AUDIT_COLUMNS = "changed_at, event_id, action, revision, old_json, new_json, origin, changed_by"
_AUDIT_INSERT = f"INSERT INTO {AUDIT} ({_AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_LAT = FIELDS.index("lat")
assert FIELDS[_LAT + 1] == "lon" and _COLUMNS == FIELDS[:_LAT] + FIELDS[_LAT + 2 :]
_VALUES = itemgetter(*_COLUMNS)
_LIST_INDEXES = tuple(_COLUMNS.index(name) for name in LIST_FIELDS)
_CONTEXT = _COLUMNS.index("context")
_ID = 1 + _COLUMNS.index("id")  # in a _SELECT row, after geom
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
_BATCH = 10_000
"""Changes written at a time: the JSON texts of one batch are let go before the next."""
_CHUNK = 500  # ids per "IN (...)" query
BULK_LEAST = 20_000
"""Events from which a write is made with a rollback journal when no one else has the store open (see the docstring)."""
WRITE_CACHE_KB_NEG = -262_144
"""SQLite's page cache for a write (negative: in KiB, so 256 MiB): a large import updates the id indexes without
spilling pages to the WAL again and again."""


def open_gpkg(path: Path | str, *, create_folder: bool = False, create: bool = True) -> GeoPackageStore:
    """The store in the GeoPackage file at ``path``, created empty if it does not exist, upgraded if it is older.

    The folder must exist unless ``create_folder``; nothing is created when the store cannot be opened, or when the
    file does not exist and not ``create``.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a store file")
    if not path.parent.is_dir():
        if not create_folder:
            raise StoreError(f"{path}: cannot create a store there: the folder {path.parent} does not exist")
        path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    if created and not create:
        raise StoreError(f"{path}: no such store")
    if created:
        _create(path)
    store = GeoPackageStore(path)
    store.check_file()
    store.upgrade()
    store.created = created
    return store


def _login() -> str:
    """``login@host`` of whoever runs this process: who a change to a file store is recorded as."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


class GeoPackageStore(Store):
    """Events in one GeoPackage file; every method opens its own short connection, so it can be shared."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.location = str(self.path)
        self.by = _login()

    # --- reading ---------------------------------------------------------------------

    @frame.paused_gc
    def load(self, where: Condition | None = None) -> gpd.GeoDataFrame:
        """Every event as a frame (``geo.frame``) with its revision, in the order they were added (``where`` is not run here).

        The layer is read as columns (GDAL's Arrow stream, through pyogrio; a small store straight from SQLite, see
        ``_ROWS_MOST``): no record is made one by one, and nothing is validated again.
        """
        fields, revisions = self._columns()
        events = frame.table_to_frame(fields)
        events[REVISION] = revisions
        frame.release_memory()  # what reading and making the derived columns took (at 1,000,000 events 0.15 GB)
        return events

    def _columns(self) -> tuple[pd.DataFrame, np.ndarray]:
        """The schema fields (``_fields``) and revisions of every event, read as Arrow columns (``_read``; in passes above
        ``_ONE_PASS_MOST`` events), read again if the store changed meanwhile."""
        count = self.count()
        passes = _PASSES if count > _ONE_PASS_MOST else (tuple(name for names in _PASSES for name in names),)
        read = self._read if count > _ROWS_MOST else self._read_rows
        for _ in range(_READ_TRIES):
            before = self.revision()
            columns = {name: values for names in passes for name, values in read(names).items()}
            if self.revision() == before and len({len(values) for values in columns.values()}) <= 1:
                break
        else:
            raise StoreError(f"{self.path}: the events changed while they were read, {_READ_TRIES} times; try again")
        if not len(columns.get(REVISION, ())):
            return pd.DataFrame(columns=list(FIELDS)), np.zeros(0, dtype=np.int64)
        revisions = columns.pop(REVISION)
        return pd.DataFrame(columns)[list(FIELDS)], revisions

    def _read(self, names: tuple[str, ...]) -> dict[str, object]:
        """The columns ``names`` (``geom`` for lat and lon) of every event, each in one piece of memory of its own.

        GDAL's Arrow stream is read ``_READ_BATCH`` events at a time and each column joined at the end: one column in one
        piece, so that taking rows from it never joins pieces (Arrow's ``take`` on a column in several pieces copies it
        whole first); a few columns a pass (``_PASSES``), each column's pieces let go once it is joined, so that little
        more than one pass's columns is ever held twice."""
        import pyogrio  # a small store is read without it (``_read_rows``)

        parts: dict[str, list] = {}
        try:
            with pyogrio.open_arrow(self.path, layer=TABLE, columns=[n for n in names if n != "geom"],
                                    read_geometry="geom" in names, batch_size=_READ_BATCH, use_pyarrow=True) as (_, batches):
                for batch in batches:
                    for name, values in _fields(batch, names).items():
                        parts.setdefault(name, []).append(values)
        except pyogrio.errors.DataSourceError as error:
            raise StoreError(f"{self.path}: cannot read the store ({error})") from None
        joined = {}
        for name in names if parts else ():  # each column's pieces let go once it is joined, before the next is
            for part in ("lat", "lon") if name == "geom" else (name,):
                joined[part] = _joined(part, parts.pop(part))
        pa.default_memory_pool().release_unused()  # Arrow's allocator keeps what the pieces took until told
        return joined

    def _read_rows(self, names: tuple[str, ...]) -> dict[str, object]:
        """What ``_read`` gives, read with SQLite alone: the rows as GDAL's stream would give them, then the same steps.
        Values GDAL would convert (a file edited elsewhere, with a number where text belongs) are read through it."""
        with self._reading() as db:
            rows = db.execute(f"SELECT {', '.join(names)} FROM {TABLE} ORDER BY fid").fetchall()
        values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        try:
            batch = pa.RecordBatch.from_arrays([_gdal_column(name, column) for name, column in zip(names, values, strict=True)],
                                               names=list(names))  # fmt: skip
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            return self._read(names)
        fields = _fields(batch, names)
        return {part: _joined(part, [fields[part]]) for name in names for part in (("lat", "lon") if name == "geom" else (name,))}

    def count(self, where: Condition | None = None) -> int:
        """How many events there are (``where`` is not run here)."""
        with self._reading() as db:
            return db.execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()[0]

    def records(self) -> list[dict]:
        """Every event as a plain schema record, in the order they were added."""
        return [_record(row) for row in self._rows()]

    def revisions(self, ids: Iterable[str] | None = None) -> dict[str, int]:
        """Event id -> revision number, for these ids (those stored) or every event."""
        with self._reading() as db:
            if ids is None:
                return dict(db.execute(f"SELECT id, revision FROM {TABLE} ORDER BY fid"))
            return {i: revision for i, (_, revision) in _existing(db, list(dict.fromkeys(ids))).items()}

    def _rows(self) -> list[tuple]:
        with self._reading() as db:
            return db.execute(f"{_SELECT} ORDER BY fid").fetchall()

    def get(self, event_id: str) -> dict | None:
        """One event as a plain schema record, or None."""
        with self._reading() as db:
            row = db.execute(f"{_SELECT} WHERE id = ?", (event_id,)).fetchone()
        return _record(row) if row else None

    def history(self, event_id: str | None = None, limit: int | None = None) -> list[dict]:
        """Audit entries, newest first: dicts of when, event_id, action, revision, old, new (dicts or None), origin, by.

        An add entry's ``new`` is rebuilt by ``_as_added`` (the store keeps no JSON for it).
        """
        query = f"SELECT fid, {_AUDIT_COLUMNS} FROM {AUDIT}"
        args: tuple = ()
        if event_id is not None:
            query, args = f"{query} WHERE event_id = ?", (event_id,)
        query += " ORDER BY fid DESC" + (f" LIMIT {int(limit)}" if limit is not None else "")
        with self._reading() as db:
            entries = db.execute(query, args).fetchall()
            added = {entry[0] for entry in entries if entry[3] == "add" and entry[6] is None}
            rebuilt = _as_added(db, sorted({entry[2] for entry in entries if entry[0] in added}),
                                entries if limit is None else None) if added else {}
        return [
            {"when": when, "event_id": eid, "action": action, "revision": revision, "old": _loads(old),
             "new": rebuilt.get(fid) if fid in added else _loads(new), "origin": origin, "by": by or ""}
            for fid, when, eid, action, revision, old, new, origin, by in entries
        ]

    def revision(self) -> str:
        """A token that changes whenever the events change through this module: a cache key for ``load``."""
        with self._reading() as db:
            last_audit, last_change = db.execute(
                f"SELECT (SELECT COALESCE(MAX(fid), 0) FROM {AUDIT}), "
                f"(SELECT last_change FROM gpkg_contents WHERE table_name = '{TABLE}')"
            ).fetchone()
        return f"{last_audit}@{last_change}"

    def info(self) -> dict[str, object]:
        """Backend, location, schema version, events, audit entries, who writes, what they lack to write."""
        with self._reading() as db:
            audited = db.execute(f"SELECT COUNT(*) FROM {AUDIT}").fetchone()[0]
        return {"backend": "GeoPackage", "location": self.location, "schema version": SCHEMA_VERSION, "events": self.count(),
                "audit entries": audited, "user": self.by, "missing permissions": self.missing_permissions()}

    def check_file(self) -> None:
        """Raise StoreError unless the file is a GeoPackage with this project's events and audit tables."""
        with self._reading() as db:
            application_id = db.execute("PRAGMA application_id").fetchone()[0]
            columns = {row[1] for row in db.execute(f"PRAGMA table_info({TABLE})")}
            has_audit = db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (AUDIT,)).fetchone()
        if application_id != APPLICATION_ID:
            raise StoreError(f"{self.path}: not a GeoPackage (application_id is {application_id:#x}, not 'GPKG')")
        missing = [name for name in ("geom", *_COLUMNS) if name not in columns]
        if missing or not has_audit:
            what = f"no {noun(len(missing), 'column')} {', '.join(missing)} in table {TABLE!r}" if missing else f"no {AUDIT!r} table"
            raise StoreError(f"{self.path}: a GeoPackage, but not an incident-map event store ({what})")

    def upgrade(self) -> None:
        """Bring a store made by an older release to ``SCHEMA_VERSION``, in one transaction (a no-op when it is there)."""
        if self._version() == SCHEMA_VERSION:
            return
        if self.missing_permissions():
            raise StoreError(f"{self.path}: made by an older release; open it once with write access to upgrade it")
        with self._transaction() as db:
            for version in range(_version_of(db) + 1, SCHEMA_VERSION + 1):
                for statement in _UPGRADES[version].split(";\n"):
                    db.execute(statement)

    def _version(self) -> int:
        with self._reading() as db:
            return _version_of(db)

    # --- writing ---------------------------------------------------------------------

    def missing_permissions(self) -> list[str]:
        """What this login lacks to write: write access to the file, and to its folder (for SQLite's journal)."""
        missing = []
        if not os.access(self.path, os.W_OK):
            missing.append(f"write access to the file {self.path}")
        if not os.access(self.path.parent, os.W_OK):
            missing.append(f"write access to its folder {self.path.parent} (for the journal)")
        return missing

    def upsert(self, records: Iterable[Mapping], origin: str, expected: Mapping[str, int] | None = None) -> ChangeSummary:
        """Add validated records, or replace the stored events with the same ids, in one transaction: insert new ids,
        update changed ones, audit both; refuse it all if an event in ``expected`` moved on since (``geo.stores.base``)."""
        records = list(records)
        self.check_writable()
        with self._transaction(bulk=len(records) >= BULK_LEAST) as db:
            now = _now()
            ids = [r["id"] for r in records]
            stored = _stored(db, records)
            plan = plan_upsert(records, stored, _past(db, [i for i in ids if i not in stored]), expected)
            if plan.conflicts:
                raise self._conflict(db, plan.conflicts)
            _write(db, plan, now, origin, self.by)
            if plan.audit:
                _touch(db, now, [(r["lon"], r["lat"]) for r, _ in plan.inserts + plan.updates if r["lat"] is not None])
        return plan.summary

    def delete(self, ids: Iterable[str], origin: str, expected: Mapping[str, int] | None = None) -> ChangeSummary:
        """Delete the events with these ids (unknown ids are ignored), recording each in the audit table."""
        ids = list(dict.fromkeys(ids))
        self.check_writable()
        with self._transaction() as db:
            now = _now()
            existing = _existing(db, ids)
            conflicts = delete_conflicts(ids, {i: r for i, (_, r) in existing.items()}, _past(db, ids), expected)
            if conflicts:
                raise self._conflict(db, conflicts)
            gone = [event_id for event_id in ids if event_id in existing]
            db.executemany(f"DELETE FROM {TABLE} WHERE id = ?", [(event_id,) for event_id in gone])
            db.executemany(_AUDIT_INSERT, [(now, i, "delete", existing[i][1] + 1, _dumps(existing[i][0]), None, origin, self.by)
                                           for i in gone])
            if gone:
                _touch(db, now, [])
        return ChangeSummary(deleted=tuple(gone))

    def restore(self, records: Iterable[Mapping], revisions: Mapping[str, int], history: Iterable[Mapping]) -> int:
        """Fill this empty store with events, their revisions and their audit trail as it was (``history`` newest first)."""
        records, history = list(records), list(history)
        self.check_writable()
        with self._transaction(bulk=len(records) >= BULK_LEAST) as db:
            held = db.execute(f"SELECT (SELECT COUNT(*) FROM {TABLE}) + (SELECT COUNT(*) FROM {AUDIT})").fetchone()[0]
            if held:
                raise StoreError(f"{self.path}: not empty; a store is copied only into a new or empty one")
            db.executemany(_INSERT, _rows(records, [revisions.get(record["id"], 1) for record in records]))
            db.executemany(_AUDIT_INSERT, [(h["when"], h["event_id"], h["action"], h["revision"], _dumps(h["old"]), _dumps(h["new"]),
                                            h["origin"], h["by"]) for h in reversed(history)])
            _touch(db, _now(), [(r["lon"], r["lat"]) for r in records if r["lat"] is not None])
        return len(history)

    def _conflict(self, db: sqlite3.Connection, conflicts: Mapping[str, int]) -> RevisionConflict:
        """The refusal naming the last change to each event in ``conflicts`` (id -> the revision loaded)."""
        ids = list(conflicts)
        rows = db.execute(f"SELECT event_id, action, revision, changed_by, changed_at, origin FROM {AUDIT} WHERE fid IN "
                          f"(SELECT MAX(fid) FROM {AUDIT} WHERE event_id IN ({', '.join('?' * len(ids))}) GROUP BY event_id)", ids)
        changes = {row[0]: Change(row[0], row[1], row[2] or 0, row[3] or "", row[4], row[5]) for row in rows}
        return RevisionConflict(self.location, [Conflict(conflicts[i], changes[i]) for i in ids])

    # --- connections -----------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            return sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as error:
            raise StoreError(f"{self.path}: cannot open the store ({error})") from None

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(self._connect()) as db:
                yield db
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: cannot read the store ({error})") from None

    @contextmanager
    def _transaction(self, *, bulk: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE (waiting for other writers), COMMIT, then a WAL checkpoint; a ``bulk``
        one with a rollback journal when no other connection has the store open (``_left_wal``)."""
        try:
            with closing(self._connect()) as db:
                db.execute(f"PRAGMA cache_size = {WRITE_CACHE_KB_NEG}")
                journaled = bulk and _left_wal(db)
                if not journaled:
                    db.execute("PRAGMA journal_mode = WAL")  # a no-op, unless a bulk write died before putting it back
                try:
                    db.execute("BEGIN IMMEDIATE")
                    try:
                        yield db
                    except BaseException:
                        if db.in_transaction:
                            db.execute("ROLLBACK")
                        raise
                    db.execute("COMMIT")
                finally:
                    if journaled:
                        db.execute("PRAGMA journal_mode = WAL")
                if not journaled:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.OperationalError as error:
            hint = f"; another process may have been writing for over {BUSY_TIMEOUT_S:.0f} s" if "locked" in str(error) else ""
            raise StoreError(f"{self.path}: nothing was written ({error}{hint})") from None
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: nothing was written ({error})") from None


def _left_wal(db: sqlite3.Connection) -> bool:
    """Whether the store could be switched from WAL to a rollback journal: only when no other connection has it open,
    which SQLite checks at once (no busy wait)."""
    db.execute("PRAGMA busy_timeout = 0")
    try:
        return db.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    except sqlite3.OperationalError:  # "database is locked": someone else has the store open
        return False
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")


# --- records <-> rows ----------------------------------------------------------------


def _write(db: sqlite3.Connection, plan: Plan, now: str, origin: str, by: str) -> None:
    """Insert, update and audit what ``plan`` says, a batch of changes at a time, in the plan's order.

    The audit entry of an added event has no ``new_json``: the record as added is the row itself, or what later
    entries of that event say it was before they changed it (``_as_added``), so it is not written twice.
    """
    inserts, updates = iter(plan.inserts), iter(plan.updates)
    for start in range(0, len(plan.audit), _BATCH):
        entries = plan.audit[start : start + _BATCH]
        added = [next(inserts) for _, action, *_ in entries if action == "add"]
        changed = [next(updates) for _, action, *_ in entries if action != "add"]
        db.executemany(_INSERT, _rows([record for record, _ in added], [revision for _, revision in added]))
        db.executemany(_UPDATE, _rows([record for record, _ in changed], [revision for _, revision in changed],
                                      [record["id"] for record, _ in changed]))
        db.executemany(_AUDIT_INSERT, [(now, event_id, action, revision, None, None, origin, by) if action == "add" else
                                       (now, event_id, action, revision, _dumps(old), _dumps(new), origin, by)
                                       for event_id, action, revision, old, new in entries])


def _rows(records: list[Mapping], *after: list) -> list[tuple]:
    """The ``geom`` and column values of validated records, then the columns ``after``, made column by column: list
    fields as JSON text (``_json_texts``)."""
    if not records:
        return []
    columns = list(zip(*map(_VALUES, records), strict=True))
    texts: dict[int, str] = {}
    for index in _LIST_INDEXES:
        columns[index] = _json_texts(columns[index], texts)
    columns[_CONTEXT] = list(map(int, map(bool, columns[_CONTEXT])))
    geoms = [None if record["lat"] is None else _point_blob(record["lon"], record["lat"]) for record in records]
    return list(zip(geoms, *columns, *after, strict=True))


def _json_texts(lists: Sequence[list], items: dict[int, str]) -> list[str]:
    """Each list's JSON text as ``_ENCODE`` writes it, each distinct list and each item of a list (both told apart by
    identity; ``items`` remembers the items' texts) encoded once: importers share lists between records, and items
    between lists (the reports an ACLED row cites, next to its own source).  Lists and items are compared by identity
    only while the records that hold them are alive, so the texts are let go with them.  The items of all the lists
    are looked up in one flat run, so that a list costs one join."""
    distinct = dict(zip(map(id, lists), lists, strict=True))
    flat = list(itertools.chain.from_iterable(distinct.values()))
    keys = list(map(id, flat))
    unseen = {key: item for key, item in zip(keys, flat, strict=True) if key not in items}
    items.update(zip(unseen, map(_ENCODE, unseen.values()), strict=True))
    texts = list(map(items.__getitem__, keys))
    ends = itertools.accumulate(map(len, distinct.values()))
    done = {key: f"[{','.join(texts[end - len(values) : end])}]" for (key, values), end in zip(distinct.items(), ends, strict=True)}
    return list(map(done.__getitem__, map(id, lists)))


def _record(row: tuple) -> dict:
    """A schema record from a ``_SELECT`` row."""
    return record_of(dict(zip(_COLUMNS, row[1:-1], strict=True)), _blob_point(row[0]))


_ROWS_MOST = 2_000
"""Stores of at most this many events are read straight from SQLite (``_read_rows``): GDAL's start (importing pyogrio,
registering its drivers, opening the file) takes 0.1-0.15 s, more than reading that many rows."""
_READ_BATCH = 16_384
"""Events read from GDAL at a time."""
_PASSES = (("sources",), ("actors", "tags", "description"),
           tuple(name for name in _COLUMNS if name not in (*LIST_FIELDS, "description", "context", "fatalities")),
           ("geom", "context", "fatalities", REVISION))
"""The columns read together, largest first (see ``_read``): at 1,000,000 events the sources take 0.64 GB of the
frame's 1.23 GB of Arrow memory, the actors, tags and descriptions 0.32 GB, the other texts 0.27 GB."""
_ONE_PASS_MOST = 250_000
"""Stores of at most this many events are read in one pass: each pass reads the whole table again (at 100,000 events
one pass saves 0.15-0.2 s, and holding every column twice for a moment costs about 0.3 GB at this size)."""
_READ_TRIES = 3


def _fields(batch: pa.RecordBatch, names: tuple[str, ...]) -> dict[str, object]:
    """The columns ``names`` of a batch of the events layer: text NULL as "", list fields parsed from their JSON
    (``json_list_arrays``), lat and lon (NaN when unmapped) from the points of ``geom``."""
    fields: dict[str, object] = {}
    if "geom" in names:
        points = shapely.from_wkb(batch.column("geom").to_numpy(zero_copy_only=False))
        fields.update(lat=shapely.get_y(points), lon=shapely.get_x(points))
    fields.update(json_list_arrays({name: batch.column(name) for name in names if name in LIST_FIELDS}))
    for name in names:
        if name in ("context", "fatalities", REVISION):
            fields[name] = batch.column(name).to_numpy(zero_copy_only=False)
        elif name not in (*LIST_FIELDS, "geom"):  # copied out of GDAL's memory, which is let go batch by batch
            fields[name] = pa.concat_arrays([pc.fill_null(batch.column(name), "").cast(pa.large_string())])
    return fields


def _gdal_column(name: str, values: Sequence) -> pa.Array:
    """A column's SQLite values as GDAL's Arrow stream gives them: text as strings, ``context`` (0 or 1) as booleans,
    integers as int64, the geometry as WKB."""
    if name == "geom":
        return pa.array(list(map(_blob_wkb, values)), pa.binary())
    if name == "context":
        return pa.array(values, pa.int64()).cast(pa.bool_())
    return pa.array(values, pa.int64() if name in ("fatalities", REVISION) else pa.string())


def _joined(name: str, parts: list) -> object:
    """One column's batches as one column of memory of its own: numbers as a numpy array, texts and lists as a pandas
    column over one Arrow array."""
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts)
    values = pa.concat_arrays(parts)
    return pd.array(values, dtype="str") if name not in LIST_FIELDS else pd.arrays.ArrowExtensionArray(values)


def _stored(db: sqlite3.Connection, records: list[Mapping]) -> dict[str, tuple[Mapping, int]]:
    """Id -> (record, revision) of the stored events with the ids of ``records``, for ``plan_upsert``.

    A stored row equal to the row the new record would be written as holds that very record, which stands for it
    (nothing decoded); only the other rows are read back into records.  Compared a batch at a time, so that the
    rows and JSON texts of one batch are let go before the next.
    """
    found = {}
    for start in range(0, len(records), _BATCH):
        batch = records[start : start + _BATCH]
        stored = _existing_rows(db, [record["id"] for record in batch])
        mine = [record for record in batch if record["id"] in stored]
        for record, row in zip(mine, _rows(mine), strict=True):
            row_stored = stored[record["id"]]
            found[record["id"]] = (record if row == row_stored[:-1] else _record(row_stored), row_stored[-1])
    return found


def _existing_rows(db: sqlite3.Connection, ids: list[str]) -> dict[str, tuple]:
    """Id -> ``_SELECT`` row of the stored events with these ids."""
    found = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update((row[_ID], row) for row in db.execute(f"{_SELECT} WHERE id IN ({', '.join('?' * len(chunk))})", chunk))
    return found


def _existing(db: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[dict, int]]:
    """Id -> (record, revision) of the stored events with these ids."""
    return {event_id: (_record(row), row[-1]) for event_id, row in _existing_rows(db, ids).items()}


def _as_added(db: sqlite3.Connection, ids: list[str], entries: list[tuple] | None) -> dict[int, dict | None]:
    """Audit fid -> the record as added, for the add entries of these events that keep no JSON.

    Each event's trail is walked back from its row (or from the record a delete kept): an update's ``old``
    puts back the fields it changed, a delete's ``old`` is the whole record before it, and what stands
    at an add is the record as added.  ``entries`` (``history``'s rows, newest first) is used when it
    holds every entry of these events; else their entries are read.
    """
    if entries is None:
        entries = []
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            entries += db.execute(f"SELECT fid, {_AUDIT_COLUMNS} FROM {AUDIT} WHERE event_id IN ({', '.join('?' * len(chunk))})",
                                  chunk).fetchall()
        entries.sort(reverse=True)
    wanted = set(ids)
    state: dict[str, dict | None] = {event_id: record for event_id, (record, _) in _existing(db, ids).items()}
    found = {}
    for fid, _, event_id, action, _, old, new, _, _ in entries:
        if event_id not in wanted:
            continue
        before = state.get(event_id)
        if action == "update":
            state[event_id] = {**before, **json.loads(old)} if before is not None else None
        elif action == "delete":
            state[event_id] = _loads(old)
        else:
            if new is None:
                found[fid] = before
            state[event_id] = None
    return found


def _past(db: sqlite3.Connection, ids: list[str]) -> dict[str, int]:
    """Id -> the last revision in the audit trail, for events with these ids that are no longer stored."""
    found = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = f"SELECT event_id, MAX(revision) FROM {AUDIT} WHERE event_id IN ({', '.join('?' * len(chunk))}) GROUP BY event_id"
        found.update((event_id, revision) for event_id, revision in db.execute(query, chunk) if revision)
    return found


def _version_of(db: sqlite3.Connection) -> int:
    """The schema version of a store: 2 once events have a revision column."""
    return SCHEMA_VERSION if any(row[1] == "revision" for row in db.execute(f"PRAGMA table_info({TABLE})")) else 1


def _point_blob(lon: float, lat: float) -> bytes:
    """A GeoPackage binary POINT: header (magic, version 0, little-endian, no envelope, SRS id) + WKB."""
    return struct.pack("<2sBBi", b"GP", 0, 1, SRS_ID) + struct.pack("<BIdd", 1, 1, lon, lat)


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _blob_wkb(blob: bytes | None) -> bytes | None:
    """The WKB of a GeoPackage binary geometry (also one written by GDAL, with an envelope), None if NULL or empty."""
    if blob is None:
        return None
    if blob[:2] != b"GP":
        raise StoreError("a geometry in the store is not GeoPackage binary")
    flags = blob[3]
    return None if flags & 0b10000 else blob[8 + _ENVELOPE_BYTES[(flags >> 1) & 0b111] :]


def _blob_point(blob: bytes | None) -> tuple[float, float] | None:
    """(lon, lat) of a GeoPackage binary point, None if NULL or empty."""
    wkb = _blob_wkb(blob)
    if wkb is None:
        return None
    order = "<" if wkb[0] == 1 else ">"
    kind, lon, lat = struct.unpack_from(f"{order}Idd", wkb, 1)
    if kind % 1000 != 1:
        raise StoreError(f"a geometry in the store is not a point (WKB type {kind})")
    return lon, lat


def _dumps(value: Mapping | None) -> str | None:
    return None if value is None else _ENCODE(value)


def _loads(text: str | None) -> dict | None:
    return None if text is None else json.loads(text)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _touch(db: sqlite3.Connection, now: str, points: list[tuple[float, float]]) -> None:
    """Record the change time in gpkg_contents and widen its bounds to the new points."""
    bounds = db.execute(f"SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = '{TABLE}'").fetchone()
    xs = [x for x, _ in points] + [b for b in bounds[::2] if b is not None]
    ys = [y for _, y in points] + [b for b in bounds[1::2] if b is not None]
    box = (min(xs), min(ys), max(xs), max(ys)) if xs else (None, None, None, None)
    db.execute(
        "UPDATE gpkg_contents SET last_change = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?",
        (now, *box, TABLE),
    )
    db.execute(f"UPDATE gpkg_contents SET last_change = ? WHERE table_name = '{AUDIT}'", (now,))


# --- creating a store ------------------------------------------------------------------


def _create(path: Path) -> None:
    """Build an empty store in a temporary file and link it into place unless another process got there first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with closing(sqlite3.connect(temp, isolation_level=None)) as db:
            db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before anything is written
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {GPKG_VERSION}")
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(f"BEGIN; {_SCHEMA} COMMIT;")
        try:
            os.link(temp, path)
        except FileExistsError:
            pass  # another process created the store meanwhile: use theirs
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
