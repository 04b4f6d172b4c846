"""The PostGIS event store: a team's events in PostgreSQL, each change audited with the role that made it.

The backend of ``geo.stores`` for ``postgresql://`` URLs (see ``geo.stores.base``
for the calls).  Its tables, in the schema the connection uses (``public``
unless the URL says otherwise; a database of its own is simplest):

- ``events``: ``fid`` (the order events were added), ``id``, ``geom`` (a
  PostGIS ``Point``, EPSG:4326, NULL for unmapped events), one column per
  schema field (``actors``, ``sources``, ``tags`` as ``json``, which keeps
  them as written), ``revision``, and what filters run on: ``day_min`` and
  ``day_max`` (the days the event may have happened on, B-tree indexed),
  ``actor_keys`` (casefolded actor names, GIN indexed); GiST indexes on the
  geometry and on its geography.
- ``audit``: ``changed_at``, ``event_id``, ``action``, ``revision``,
  ``old_json``/``new_json``, ``origin``, and ``changed_by``, which defaults to
  the role writing (``current_user``); editors may not set it, nor the time.
- ``store_meta``: one row, the schema version, a change counter (the
  store's ``revision()``) and the number of events (counting a large table
  would read all of it), both kept by every write.

The role that first opens an empty database creates the tables (it needs
CREATE on the schema: the owner); later releases upgrade them through
``_MIGRATIONS`` when the owner opens the store.  What other roles may do is
granted in SQL (the README gives it): SELECT to read and export; INSERT,
UPDATE, DELETE on ``events``, INSERT on ``audit`` and UPDATE of the counters
to change events.  A role that lacks one is told which, before anything is
written.

Every write is one transaction at READ COMMITTED: stored events are locked
(``FOR UPDATE``) before they are compared, so two writers of the same event
take turns and the second sees the first's change (and its revision); new
events go in with ``COPY``, in the order given; a clash with a concurrent
writer (two adding the same new id, a deadlock) retries the whole transaction.  A process killed
mid-write leaves nothing: the server rolls the transaction back.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import geopandas as gpd
import psycopg
from psycopg import errors, sql

from geo import frame
from geo.schema import LIST_FIELDS, REVISION, event_interval
from geo.stores.base import (
    Change,
    ChangeSummary,
    Condition,
    Conflict,
    RevisionConflict,
    Store,
    StoreError,
    delete_conflicts,
    plan_upsert,
    record_of,
    table_of,
)

SCHEMES = ("postgresql", "postgres")
SCHEMA_VERSION = 1
TABLE, AUDIT, META = "events", "audit", "store_meta"
LOCK_TIMEOUT = "120s"
"""How long a write waits for another writer's lock on the same events."""
FILTER_WORK_MEM_KB = 65536
"""Memory a filtered read may use for its index bitmaps (at least): with PostgreSQL's default 4 MB, a filter over a
million events makes them lossy, and the database reads most of the table to recheck them."""
RETRIES = 8
"""Attempts at a write that clashes with a concurrent one (the same new id, a deadlock)."""
_SCHEMA_LOCK = 0x696D6170  # an advisory lock key ("imap"): one process creates or upgrades the tables

_COLUMNS = frame.COLUMNS  # the schema fields stored as columns; lat/lon live in the geometry
_TYPES = {"title": "text NOT NULL", "context": "boolean NOT NULL", "fatalities": "integer",
          **{name: "json NOT NULL" for name in LIST_FIELDS}}
_MIGRATIONS = {
    1: f"""
CREATE TABLE {META} (one boolean PRIMARY KEY DEFAULT true CHECK (one), schema_version integer NOT NULL,
                     changes bigint NOT NULL DEFAULT 0, events bigint NOT NULL DEFAULT 0);
INSERT INTO {META} (schema_version) VALUES (0);
CREATE TABLE {TABLE} (
  fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE, geom geometry(Point, 4326),
  {", ".join(f"{name} {_TYPES.get(name, 'text')}" for name in _COLUMNS if name != "id")},
  revision integer NOT NULL DEFAULT 1, day_min date, day_max date, actor_keys text[] NOT NULL DEFAULT '{{}}');
CREATE INDEX {TABLE}_geom ON {TABLE} USING gist (geom);
CREATE INDEX {TABLE}_geography ON {TABLE} USING gist ((geom::geography));
CREATE INDEX {TABLE}_day_min ON {TABLE} (day_min);
CREATE INDEX {TABLE}_day_max ON {TABLE} (day_max);
CREATE INDEX {TABLE}_country ON {TABLE} (country);
CREATE INDEX {TABLE}_event_type ON {TABLE} (event_type);
CREATE INDEX {TABLE}_actor_keys ON {TABLE} USING gin (actor_keys);
CREATE TABLE {AUDIT} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, changed_at timestamptz NOT NULL DEFAULT now(), event_id text NOT NULL,
  action text NOT NULL CHECK (action IN ('add', 'update', 'delete')), revision integer NOT NULL, old_json json, new_json json,
  origin text NOT NULL, changed_by text NOT NULL DEFAULT current_user);
CREATE INDEX {AUDIT}_event_id ON {AUDIT} (event_id, id);
COMMENT ON TABLE {TABLE} IS 'Reported incidents (incident-map); actors, sources and tags are JSON';
COMMENT ON TABLE {AUDIT} IS 'Every change to the events: when, who, what, old and new values, origin';
""",
}
"""Schema version -> the SQL that brings a store from the version before to it."""

_STORED = (*_COLUMNS, "revision", "day_min", "day_max", "actor_keys")
_SELECT = f"SELECT ST_X(geom), ST_Y(geom), {', '.join(f'{n}::text' if n in LIST_FIELDS else n for n in _COLUMNS)}, revision FROM {TABLE}"
_UPDATE = (f"UPDATE {TABLE} SET geom = %s::geometry, "
           + ", ".join(f"{n} = %s::json" if n in LIST_FIELDS else f"{n} = %s" for n in _STORED) + " WHERE id = %s")
_AUDIT_COLUMNS = ("event_id", "action", "revision", "old_json", "new_json", "origin")
_HISTORY = (f"SELECT to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), event_id, action, revision, "
            f"old_json::text, new_json::text, origin, changed_by FROM {AUDIT}")
_WRITE_PRIVILEGES = (
    (TABLE, (), "INSERT"), (TABLE, (), "UPDATE"), (TABLE, (), "DELETE"), (AUDIT, ("origin",), "INSERT"),
    (META, ("changes", "events"), "UPDATE"),
)
"""(table, the columns (none: the whole table), privilege) a role needs to change events."""


def is_url(location: str) -> bool:
    """True for a ``postgresql://`` or ``postgres://`` URL."""
    return location.split("://", 1)[0].lower() in SCHEMES and "://" in location


def public_location(url: str) -> str:
    """The URL without its password, for messages and the audit's eyes."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def open_postgis(url: str, *, create: bool = True) -> PostGISStore:
    """The store in the database at ``url``; its tables are created when the database has none (unless not ``create``)
    and upgraded when older.

    Raises StoreError, creating nothing, when the server cannot be reached or the database does not exist.
    """
    store = PostGISStore(url)
    store.created = store.prepare(create)
    return store


class PostGISStore(Store):
    """Events in a PostgreSQL + PostGIS database; every call opens its own short connection, so it can be shared."""

    runs_sql = True

    def __init__(self, url: str):
        self.url = url
        self.location = public_location(url)
        self.by = ""

    # --- connections -------------------------------------------------------------------

    def _connect(self, autocommit: bool = False) -> psycopg.Connection:
        try:
            return psycopg.connect(self.url, autocommit=autocommit, connect_timeout=10, application_name="incident-map")
        except psycopg.Error as error:
            raise StoreError(f"{self.location}: cannot connect to the store ({_first_line(error)})") from None

    @contextmanager
    def _reading(self) -> Iterator[psycopg.Cursor]:
        try:
            with self._connect(autocommit=True) as db, db.cursor() as cursor:
                yield cursor
        except errors.UndefinedTable:
            raise StoreError(f"{self.location}: not an incident-map event store (no {TABLE!r} table)") from None
        except errors.InsufficientPrivilege as error:
            raise StoreError(f"{self.location}: {self.by or 'this role'} may not read the store ({_first_line(error)})") from None
        except psycopg.Error as error:
            raise StoreError(f"{self.location}: cannot read the store ({_first_line(error)})") from None

    def _write(self, work: Callable[[psycopg.Cursor], tuple[object, int | None]]) -> object:
        """Run ``work(cursor) -> (result, events added less deleted, or None when nothing changed)`` in one transaction,
        counting the change; again after a clash."""
        for attempt in range(RETRIES):
            try:
                with self._connect() as db, db.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                    result, grown = work(cursor)
                    if grown is not None:
                        cursor.execute(f"UPDATE {META} SET changes = changes + 1, events = events + %s", (grown,))
                return result
            except (errors.UniqueViolation, errors.DeadlockDetected, errors.SerializationFailure):
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
            except errors.InsufficientPrivilege as error:
                raise StoreError(f"{self.location}: {self.by} may not change events here ({_first_line(error)}); "
                                 "nothing was changed") from None
            except errors.LockNotAvailable:
                raise StoreError(f"{self.location}: nothing was written (another writer held the events for over "
                                 f"{LOCK_TIMEOUT})") from None
            except psycopg.Error as error:
                raise StoreError(f"{self.location}: nothing was written ({_first_line(error)})") from None
        raise StoreError(f"{self.location}: nothing was written (other writers kept getting in the way; try again)")

    def prepare(self, create: bool = True) -> bool:
        """Create the tables in an empty database (if ``create``), or upgrade older ones; True when created."""
        with self._reading() as cursor:
            self.by = cursor.execute("SELECT current_user").fetchone()[0]
            version = _version(cursor)
        if version == SCHEMA_VERSION:
            return False
        if version < 0 and not create:
            raise StoreError(f"{self.location}: no event store in this database")
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.location}: made by a newer release (schema version {version}; this one knows "
                             f"{SCHEMA_VERSION}): upgrade incident-map")
        try:
            with self._connect() as db:
                db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                for number in range(max(_version(db), 0) + 1, SCHEMA_VERSION + 1):  # another process may have done it meanwhile
                    db.execute(_MIGRATIONS[number])
                db.execute(f"UPDATE {META} SET schema_version = %s", (SCHEMA_VERSION,))
        except errors.InsufficientPrivilege as error:
            what = "has no incident-map tables" if version < 0 else f"is at schema version {version}, this release needs {SCHEMA_VERSION}"
            raise StoreError(f"{self.location}: the database {what}, and {self.by} may not create them ({_first_line(error)}); "
                             "open it once as the role that owns the store") from None
        except errors.UndefinedObject as error:
            raise StoreError(f"{self.location}: cannot create the store ({_first_line(error)}; "
                             "run CREATE EXTENSION postgis in the database first)") from None
        except psycopg.Error as error:
            raise StoreError(f"{self.location}: cannot create the store ({_first_line(error)})") from None
        return version < 0

    # --- reading -------------------------------------------------------------------------

    @frame.paused_gc
    def load(self, where: Condition | None = None) -> gpd.GeoDataFrame:
        """The events matching ``where`` (all without it) as a frame with their revisions, in the order they were added."""
        rows = self._rows(where)
        columns = dict(zip(("lon", "lat", *_COLUMNS, "revision"), zip(*rows, strict=True), strict=True)) if rows else {}
        points = [None if x is None else (x, y) for x, y in zip(columns.pop("lon", ()), columns.pop("lat", ()), strict=True)]
        events = frame.table_to_frame(table_of(columns, points))
        events[REVISION] = list(columns.get("revision", ()))
        return events

    def _rows(self, where: Condition | None = None) -> list[tuple]:
        query, params = (f"{_SELECT} WHERE {where.sql}", where.params) if where else (_SELECT, ())
        with self._reading() as cursor:
            if where:
                _enough_work_mem(cursor)
            return cursor.execute(f"{query} ORDER BY fid", params).fetchall()

    def count(self, where: Condition | None = None) -> int:
        """How many events match ``where`` (all without it: the count every write keeps)."""
        query, params = (f"SELECT count(*) FROM {TABLE} WHERE {where.sql}", where.params) if where else (f"SELECT events FROM {META}", ())
        with self._reading() as cursor:
            if where:
                _enough_work_mem(cursor)
            return cursor.execute(query, params).fetchone()[0]

    def records(self) -> list[dict]:
        """Every event as a plain schema record, in the order they were added."""
        return [_record(row) for row in self._rows()]

    def get(self, event_id: str) -> dict | None:
        """One event as a plain schema record, or None."""
        with self._reading() as cursor:
            row = cursor.execute(f"{_SELECT} WHERE id = %s", (event_id,)).fetchone()
        return _record(row) if row else None

    def revisions(self, ids: Iterable[str] | None = None) -> dict[str, int]:
        """Event id -> revision number, for these ids (those stored) or every event."""
        with self._reading() as cursor:
            if ids is None:
                return dict(cursor.execute(f"SELECT id, revision FROM {TABLE} ORDER BY fid").fetchall())
            return dict(cursor.execute(f"SELECT id, revision FROM {TABLE} WHERE id = ANY(%s)", (list(ids),)).fetchall())

    def history(self, event_id: str | None = None, limit: int | None = None) -> list[dict]:
        """Audit entries, newest first: dicts of when, event_id, action, revision, old, new (dicts or None), origin, by."""
        query, params = (f"{_HISTORY} WHERE event_id = %s", (event_id,)) if event_id is not None else (_HISTORY, ())
        query += " ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit is not None else "")
        with self._reading() as cursor:
            entries = cursor.execute(query, params).fetchall()
        return [
            {"when": when, "event_id": eid, "action": action, "revision": revision, "old": _loads(old), "new": _loads(new),
             "origin": origin, "by": by}
            for when, eid, action, revision, old, new, origin, by in entries
        ]

    def revision(self) -> str:
        """The store's change counter: a cache key for ``load``."""
        with self._reading() as cursor:
            return str(cursor.execute(f"SELECT changes FROM {META}").fetchone()[0])

    def info(self) -> dict[str, object]:
        """Backend, location, schema version, events, audit entries, the role, what it lacks to write."""
        with self._reading() as cursor:
            version, events, audited, postgis = cursor.execute(
                f"SELECT schema_version, events, (SELECT count(*) FROM {AUDIT}), postgis_lib_version() "
                f"FROM {META}").fetchone()
        return {"backend": f"PostgreSQL + PostGIS {postgis}", "location": self.location, "schema version": version, "events": events,
                "audit entries": audited, "user": self.by, "missing permissions": self.missing_permissions()}

    # --- writing -------------------------------------------------------------------------

    def missing_permissions(self) -> list[str]:
        """The privileges this role lacks to change events, e.g. "INSERT on table events"."""
        column = sql.SQL("has_column_privilege({}, {}, {})")
        checks = [sql.SQL(" AND ").join([column.format(table, name, privilege) for name in columns]) if columns
                  else sql.SQL("has_table_privilege({}, {})").format(table, privilege)
                  for table, columns, privilege in _WRITE_PRIVILEGES]
        with self._reading() as cursor:
            granted = cursor.execute(sql.SQL("SELECT ") + sql.SQL(", ").join(checks)).fetchone()
        return [f"{privilege}{' (' + ', '.join(columns) + ')' if columns else ''} on table {table}"
                for (table, columns, privilege), ok in zip(_WRITE_PRIVILEGES, granted, strict=True) if not ok]

    def upsert(self, records: Iterable[Mapping], origin: str, expected: Mapping[str, int] | None = None) -> ChangeSummary:
        """Add validated records, or replace the stored events with the same ids, in one transaction (``geo.stores.base``)."""
        records = list(records)
        self.check_writable()

        def work(cursor: psycopg.Cursor) -> tuple[ChangeSummary, bool]:
            ids = sorted({r["id"] for r in records})
            stored = _locked(cursor, ids)
            plan = plan_upsert(records, stored, _past(cursor, [i for i in ids if i not in stored]), expected)
            if plan.conflicts:
                raise self._conflict(cursor, plan.conflicts)
            columns = sql.SQL(", ").join(map(sql.Identifier, ("geom", *_STORED)))
            with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(TABLE), columns)) as copy:
                for record, revision in plan.inserts:  # in the order given: the order events were added
                    copy.write_row(_row(record, revision))
            cursor.executemany(_UPDATE, [(*_row(record, revision), record["id"]) for record, revision in plan.updates])
            _audit(cursor, [(event_id, action, revision, _dumps(old), _dumps(new), origin)
                            for event_id, action, revision, old, new in plan.audit])
            return plan.summary, len(plan.inserts) if plan.audit else None

        return self._write(work)

    def delete(self, ids: Iterable[str], origin: str, expected: Mapping[str, int] | None = None) -> ChangeSummary:
        """Delete the events with these ids (unknown ids are ignored), recording each in the audit trail."""
        ids = list(dict.fromkeys(ids))
        self.check_writable()

        def work(cursor: psycopg.Cursor) -> tuple[ChangeSummary, bool]:
            stored = _locked(cursor, sorted(ids))
            conflicts = delete_conflicts(ids, {i: r for i, (_, r) in stored.items()}, _past(cursor, ids), expected)
            if conflicts:
                raise self._conflict(cursor, conflicts)
            gone = [event_id for event_id in ids if event_id in stored]
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = ANY(%s)", (gone,))
            _audit(cursor, [(i, "delete", stored[i][1] + 1, _dumps(stored[i][0]), None, origin) for i in gone])
            return ChangeSummary(deleted=tuple(gone)), -len(gone) if gone else None

        return self._write(work)

    def restore(self, records: Iterable[Mapping], revisions: Mapping[str, int], history: Iterable[Mapping]) -> int:
        """Fill this empty store with events, their revisions and their audit trail as it was (``history`` newest first).

        Writing the audit's times and authors as they were takes the owner's rights: editors may not.
        """
        records, history = list(records), list(history)
        self.check_writable()

        def work(cursor: psycopg.Cursor) -> tuple[int, bool]:
            if cursor.execute(f"SELECT EXISTS (SELECT FROM {TABLE}) OR EXISTS (SELECT FROM {AUDIT})").fetchone()[0]:
                raise StoreError(f"{self.location}: not empty; a store is copied only into a new or empty one")
            columns = sql.SQL(", ").join(map(sql.Identifier, ("geom", *_STORED)))
            with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(TABLE), columns)) as copy:
                for record in records:
                    copy.write_row(_row(record, revisions.get(record["id"], 1)))
            names = sql.SQL(", ").join(map(sql.Identifier, (*_AUDIT_COLUMNS, "changed_at", "changed_by")))
            with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(AUDIT), names)) as copy:
                for h in reversed(history):
                    copy.write_row((h["event_id"], h["action"], h["revision"] or 0, _dumps(h["old"]), _dumps(h["new"]), h["origin"],
                                    h["when"], h["by"] or "unknown"))
            return len(history), len(records)

        return self._write(work)

    def _conflict(self, cursor: psycopg.Cursor, conflicts: Mapping[str, int]) -> RevisionConflict:
        """The refusal naming the last change to each event in ``conflicts`` (id -> the revision loaded)."""
        rows = cursor.execute(
            f"SELECT DISTINCT ON (event_id) event_id, action, revision, changed_by, "
            f"to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), origin FROM {AUDIT} "
            f"WHERE event_id = ANY(%s) ORDER BY event_id, id DESC", (list(conflicts),)).fetchall()
        changes = {row[0]: Change(*row) for row in rows}
        return RevisionConflict(self.location, [Conflict(loaded, changes[i]) for i, loaded in conflicts.items()])


# --- records <-> rows ----------------------------------------------------------------------


def _row(record: Mapping, revision: int) -> tuple:
    """The ``geom`` (EWKT) and ``_STORED`` values of a validated record at ``revision``."""
    geom = f"SRID=4326;POINT({record['lon']!r} {record['lat']!r})" if record["lat"] is not None else None
    values = [_dumps(record[name]) if name in LIST_FIELDS else record[name] for name in _COLUMNS]
    days = event_interval(record)
    keys = sorted({actor["name"].casefold() for actor in record["actors"]})
    return (geom, *values, revision, days[0] if days else None, days[1] if days else None, keys)


def _record(row: tuple) -> dict:
    """A schema record from a ``_SELECT`` row."""
    return record_of(dict(zip(_COLUMNS, row[2:-1], strict=True)), None if row[0] is None else (row[0], row[1]))


def _locked(cursor: psycopg.Cursor, ids: list[str]) -> dict[str, tuple[dict, int]]:
    """Id -> (record, revision) of the stored events with these ids, locked until the transaction ends."""
    rows = cursor.execute(f"{_SELECT} WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (ids,)).fetchall()
    return {row[2]: (_record(row), row[-1]) for row in rows}


def _past(cursor: psycopg.Cursor, ids: list[str]) -> dict[str, int]:
    """Id -> the last revision in the audit trail, for events with these ids that are no longer stored."""
    if not ids:
        return {}
    return dict(cursor.execute(f"SELECT event_id, max(revision) FROM {AUDIT} WHERE event_id = ANY(%s) GROUP BY event_id",
                               (ids,)).fetchall())


def _audit(cursor: psycopg.Cursor, entries: list[tuple]) -> None:
    """Append audit entries (``_AUDIT_COLUMNS``); the time and the role are the database's."""
    names = sql.SQL(", ").join(map(sql.Identifier, _AUDIT_COLUMNS))
    with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(AUDIT), names)) as copy:
        for entry in entries:
            copy.write_row(entry)


def _enough_work_mem(cursor: psycopg.Cursor) -> None:
    """Raise this session's ``work_mem`` to ``FILTER_WORK_MEM_KB`` if it is lower, so a filter's index bitmaps stay exact."""
    cursor.execute("SELECT set_config('work_mem', %s, false) FROM pg_settings WHERE name = 'work_mem' AND setting::bigint < %s",
                   (f"{FILTER_WORK_MEM_KB}kB", FILTER_WORK_MEM_KB))


def _version(db: psycopg.Connection | psycopg.Cursor) -> int:
    """The store's schema version: -1 for a database without the tables."""
    if db.execute("SELECT to_regclass(%s)", (META,)).fetchone()[0] is None:
        return -1
    return db.execute(f"SELECT schema_version FROM {META}").fetchone()[0]


def _dumps(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _loads(text: str | None):
    return None if text is None else json.loads(text)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
