"""The two store backends as the contract tests see them: where a new store goes, and a look at it from outside.

``GeoPackageBackend`` makes stores in a test's temporary folder and looks
with GDAL (pyogrio) and sqlite3; ``PostGISBackend`` makes a database per store
on the session's throwaway server (``tests.postgis``), reached as the README's
editor role, and looks as the superuser.  Each has ``new_location()``,
``stored_ids()``, ``fingerprint()`` (equal when nothing changed), ``execute()``
(SQL as another tool would run it) and ``kill_while_writing()`` (SIGKILL a
process inside its write transaction).
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import psycopg
import pyogrio

from tests import postgis


class GeoPackageBackend:
    name = "gpkg"

    def __init__(self, folder: Path):
        self.folder = folder
        self._count = 0

    def new_location(self, existing: bool = True) -> str:
        """A path where no store is yet (a named store starts empty when first opened)."""
        self._count += 1
        return str(self.folder / f"events-{self._count}.gpkg")

    def stored_ids(self, location: str) -> set[str]:
        """The ids as GDAL reads them, read-only."""
        return set(pyogrio.read_dataframe(location, layer="events", columns=["id"], read_geometry=False)["id"])

    def fingerprint(self, location: str) -> str:
        return hashlib.sha256(Path(location).read_bytes()).hexdigest()

    def execute(self, location: str, statement: str) -> None:
        with sqlite3.connect(location) as db:
            db.execute(statement)

    def kill_while_writing(self, location: str, process: subprocess.Popen) -> None:
        """Poll until the process holds the write lock (it is inside its transaction), then SIGKILL it."""
        while not _holds_write_lock(location):
            assert process.poll() is None, f"the import ended before it was caught writing: {process.communicate()}"
            time.sleep(0.002)
        os.kill(process.pid, signal.SIGKILL)


def _holds_write_lock(path: str) -> bool:
    """True while another connection is inside a write transaction on the store."""
    db = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return True
    finally:
        db.close()


class PostGISBackend:
    name = "postgis"

    def __init__(self, server: postgis.Server):
        self.server = server

    def new_location(self, existing: bool = True) -> str:
        """A new database: with the store's empty tables and the README's grants, reached as the editor; without
        (``existing=False``), as the owner, who creates the tables on first use."""
        database = self.server.new_database(with_store=existing)
        return self.server.url(database, postgis.EDITOR if existing else postgis.OWNER)

    def _database(self, location: str) -> str:
        return psycopg.conninfo.conninfo_to_dict(location)["dbname"]

    def stored_ids(self, location: str) -> set[str]:
        return {row[0] for row in self.server.execute(self._database(location), "SELECT id FROM events")}

    def fingerprint(self, location: str) -> tuple:
        return tuple(self.server.execute(self._database(location), """
            SELECT (SELECT md5(coalesce(string_agg(e::text, '|' ORDER BY fid), '')) FROM events e),
                   (SELECT md5(coalesce(string_agg(a::text, '|' ORDER BY id), '')) FROM audit a),
                   (SELECT changes FROM store_meta)""")[0])

    def execute(self, location: str, statement: str) -> None:
        self.server.execute(self._database(location), statement)

    def kill_while_writing(self, location: str, process: subprocess.Popen) -> None:
        """Hold the store's change counter, so the process's transaction stops at its very end with everything written
        but not committed; SIGKILL it there, then let go."""
        url = self.server.url(self._database(location), postgis.SUPERUSER)
        with psycopg.connect(url) as holder:
            holder.execute("SELECT changes FROM store_meta FOR UPDATE")
            with psycopg.connect(url, autocommit=True) as watcher:
                waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'incident-map' AND wait_event_type = 'Lock'"
                while watcher.execute(waiting).fetchone()[0] == 0:
                    assert process.poll() is None, f"the import ended before it was caught writing: {process.communicate()}"
                    time.sleep(0.01)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            holder.rollback()
