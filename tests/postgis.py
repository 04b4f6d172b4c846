"""A throwaway PostgreSQL 15 + PostGIS server for the tests: started in a temporary folder, on a unix socket only, stopped after.

``server()`` runs ``initdb`` and ``pg_ctl`` as the ``postgres`` user (the
server refuses to run as root; as another user it runs as that user), with
``listen_addresses=''`` so nothing listens on the network, and deletes the
folder when it stops.  It creates the roles and grants the README gives
(``incident_owner``, ``incident_editor``, ``incident_reader`` and their members
``anna`` and ``ben``), run from the README itself, so what users are told is
what is tested.  ``Server.new_database()`` makes a database with PostGIS owned
by ``incident_owner``, for one test; ``Server.url(database, role)`` the URL to
reach it.  The tests never touch a server they did not start.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg

from tests.helpers import ROOT

SUPERUSER = "postgres"
OWNER, EDITOR, READER = "incident_owner", "anna", "ben"
"""The README's owner role, and one member each of its editor and reader roles."""
TEMPLATE = "incident_template"


def bindir() -> Path | None:
    """PostgreSQL 15's programs (Debian's postgresql-15), or another installed version's."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: (not p.startswith("/usr/lib/postgresql/15/"), p))
    return Path(found[0]).parent if found else None


def readme_sql(part: str) -> str:
    """The SQL block of the README marked ``<!-- roles: PART -->`` (``setup`` or ``grants``)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- roles: {part} -->\s*```sql\n(.*?)```", text, re.S)
    if not match:
        raise AssertionError(f"README.md has no SQL block marked <!-- roles: {part} -->")
    return match.group(1)


@dataclass
class Server:
    """A running throwaway server: its socket folder and the databases made for tests."""

    folder: Path
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str, role: str = OWNER) -> str:
        return f"postgresql://{role}@/{database}?host={quote(str(self.folder), safe='')}"

    def execute(self, database: str, statements: str, role: str = SUPERUSER) -> list[tuple]:
        """Run SQL as ``role`` (the superuser by default); the rows of the last statement, if any."""
        with psycopg.connect(self.url(database, role), autocommit=True) as db, db.cursor() as cursor:
            cursor.execute(statements)
            return cursor.fetchall() if cursor.description else []

    def new_database(self, with_store: bool = True) -> str:
        """A fresh database with PostGIS (and, ``with_store``, the store's tables and the README's grants); its name."""
        name = f"test_{next(self._numbers)}"
        template = TEMPLATE if with_store else "template_postgis"
        self.execute("postgres", f"CREATE DATABASE {name} TEMPLATE {template} OWNER {OWNER}")
        return name


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", SUPERUSER, "--", *command] if os.geteuid() == 0 else command


@contextmanager
def server() -> Iterator[Server]:
    """Start a server in a new temporary folder; stop it and delete the folder afterwards."""
    from geo.stores import open_store

    programs = bindir()
    if programs is None:
        raise RuntimeError("PostgreSQL is not installed: ./dev test installs postgresql-15 and postgresql-15-postgis-3")
    folder = Path(tempfile.mkdtemp(prefix="incident-map-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        account = pwd.getpwnam(SUPERUSER)
        os.chown(folder, account.pw_uid, account.pw_gid)
    run = {"check": True, "capture_output": True, "text": True}
    started = False
    try:
        subprocess.run(_as_postgres([str(programs / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "--no-sync",
                                     "-E", "UTF8", "--locale", "C"]), **run)
        options = f"-k {folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(_as_postgres([str(programs / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start"]),
                       **run)
        started = True
        instance = Server(folder)
        instance.execute("postgres", "CREATE DATABASE template_postgis")
        instance.execute("template_postgis", "CREATE EXTENSION postgis")
        instance.execute("postgres", f"CREATE DATABASE {TEMPLATE} TEMPLATE template_postgis")
        instance.execute(TEMPLATE, readme_sql("setup"))
        open_store(instance.url(TEMPLATE, OWNER))  # the owner opens the store once: it creates the tables
        instance.execute(TEMPLATE, readme_sql("grants"))
        yield instance
    except subprocess.CalledProcessError as error:
        log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
        raise RuntimeError(f"the test PostgreSQL server did not start: {error.stderr}\n{log}") from None
    finally:
        if started:
            subprocess.run(_as_postgres([str(programs / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)
