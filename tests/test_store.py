"""The store contract, run unchanged on both backends (GeoPackage and PostGIS): the audit trail, re-imports,
concurrent writers, a SIGKILL mid-import; and what only a GeoPackage has (what GDAL sees, the default store).

Each contract test takes ``backend`` (``tests.backends``): where a new store goes, and a look at it from outside
(its ids, a fingerprint, raw SQL) as another tool would have.
"""

from __future__ import annotations

import csv
import json
import signal
import sqlite3
import struct
import subprocess
import sys
from collections import Counter
from contextlib import closing
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from geo import frame, ingest, stores
from geo.schema import ValidationError
from tests.backends import GeoPackageBackend, PostGISBackend
from tests.helpers import ROOT, make_record, run_cli

SAMPLE = ROOT / "tests" / "data" / "acled_sample.csv"


def acled_copies(path: Path, n: int, prefix: str, change=None) -> Path:
    """``n`` rows cycled from the ACLED sample with ids PREFIX000000...; ``change(i, row)`` may edit a row."""
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for i in range(n):
            row = {**rows[i % len(rows)], "event_id_cnty": f"{prefix}{i:06d}"}
            writer.writerow(change(i, row) if change else row)
    return path


# --- the file ------------------------------------------------------------------------------------


def test_a_new_store_is_seeded_and_the_seeding_is_audited(store, seed_events):
    assert list(store.load()["id"]) == list(seed_events["id"])
    history = store.history()
    assert len(history) == len(seed_events)
    assert {(h["action"], h["origin"], h["old"]) for h in history} == {("add", str(ingest.SEED_FILE), None)}
    assert {h["event_id"] for h in history} == set(seed_events["id"])


def test_gdal_opens_the_store_as_a_geopackage_with_the_same_events(gpkg_store, seed_events):
    store = gpkg_store
    ingest.import_file(store, SAMPLE, "acled")
    layers = {name: kind for name, kind in pyogrio.list_layers(store.path)}
    assert layers == {"events": "Point", "audit": None}
    info = pyogrio.read_info(store.path, layer="events")
    assert (info["driver"], info["crs"], info["geometry_type"], info["features"]) == ("GPKG", "EPSG:4326", "Point", len(seed_events) + 9)
    gdal = pyogrio.read_dataframe(store.path, layer="events")
    ours = store.load()
    assert list(gdal["id"]) == list(ours["id"])
    assert gdal.geometry.isna().sum() == ours.geometry.isna().sum() == 8
    mapped = ours.geometry.notna()
    assert gdal.geometry[mapped].geom_equals_exact(ours.geometry[mapped], tolerance=0).all()
    assert list(gdal["fatalities"].fillna(-1).astype(int)) == list(ours["fatalities"].fillna(-1))
    assert list(gdal["actors"]) == [json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in ours["actors"]]
    assert list(gdal["revision"]) == [1] * len(gdal)
    audit = pyogrio.read_dataframe(store.path, layer="audit")
    assert list(audit.columns) == ["changed_at", "event_id", "action", "old_json", "new_json", "origin", "revision", "changed_by"]
    assert audit[audit["action"] == "add"]["new_json"].isna().all()  # the added record is the row: not written twice
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_the_default_place_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("INCIDENT_MAP_STORE", str(tmp_path / "mine.gpkg"))
    assert stores.named_location() == str(tmp_path / "mine.gpkg")
    assert ingest.open_store().location == str(tmp_path / "mine.gpkg")
    monkeypatch.delenv("INCIDENT_MAP_STORE")
    assert stores.named_location() is None
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert stores.default_path() == tmp_path / "data" / "incident-map" / "events.gpkg"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert stores.default_path() == tmp_path / "home" / ".local" / "share" / "incident-map" / "events.gpkg"


def test_the_default_store_starts_with_the_shipped_events_and_a_named_one_empty(monkeypatch, tmp_path, seed_events):
    monkeypatch.delenv("INCIDENT_MAP_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert set(ingest.open_store().load()["id"]) == set(seed_events["id"])
    named = ingest.open_store(tmp_path / "mine.gpkg")
    assert named.created and named.load().empty
    assert not ingest.open_store(tmp_path / "mine.gpkg").created


def test_a_file_that_is_not_a_store_is_refused_and_left_alone(tmp_path):
    junk = tmp_path / "notes.gpkg"
    junk.write_text("shopping list\n", encoding="utf-8")
    with pytest.raises(stores.StoreError, match="cannot read the store"):
        ingest.open_store(junk)
    result = run_cli("import", str(SAMPLE), "--format", "acled", "--store", str(junk))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{junk}: cannot read the store") and "Traceback" not in result.stderr
    assert junk.read_text(encoding="utf-8") == "shopping list\n"


def test_check_reports_rows_edited_outside_the_app(store, backend):
    backend.execute(store.location, "UPDATE events SET date_precision = 'roughly' WHERE fid = 2")
    with pytest.raises(ValidationError) as caught:
        ingest.check_stored(store)
    assert str(caught.value) == f"{store.location}:2:date_precision: 'roughly' is not one of day, month, year, approximate, unknown"


# --- writes and the audit trail ------------------------------------------------------------------


def test_add_update_delete_are_audited_with_old_and_new_values_and_origin(store):
    revision = store.revision()
    assert store.upsert([make_record(id="app-1")], origin="app") == stores.ChangeSummary(added=("app-1",))
    assert store.revision() != revision
    changed = make_record(id="app-1", fatalities=2, fatalities_qualifier="at least", tags=["test", "edited"])
    assert store.upsert([changed], origin="app").updated == ("app-1",)
    assert store.upsert([changed], origin="app").unchanged == ("app-1",)  # nothing new: nothing written
    assert store.get("app-1") == {name: changed[name] for name in frame.FIELDS}
    assert store.delete(["app-1", "no-such-event"], origin="cleanup") == stores.ChangeSummary(deleted=("app-1",))
    assert store.get("app-1") is None

    deleted, updated, added = store.history("app-1")
    assert (added["action"], added["origin"], added["old"], added["new"]["title"]) == ("add", "app", None, "Test rally")
    assert [h["revision"] for h in (added, updated, deleted)] == [1, 2, 3]
    assert {h["by"] for h in (added, updated, deleted)} == {store.by} and store.by
    assert updated["action"] == "update" and updated["origin"] == "app"
    assert updated["old"] == {"fatalities": None, "fatalities_qualifier": "", "tags": ["test"]}
    assert updated["new"] == {"fatalities": 2, "fatalities_qualifier": "at least", "tags": ["test", "edited"]}
    assert (deleted["action"], deleted["origin"], deleted["new"]) == ("delete", "cleanup", None)
    assert deleted["old"]["fatalities"] == 2 and deleted["old"]["sources"] == changed["sources"]
    assert all(h["when"].endswith("Z") and h["when"] >= added["when"] for h in (updated, deleted))
    assert store.history(limit=1) == [deleted]


def test_each_add_in_the_history_is_the_event_as_added_whatever_came_after(store):
    """An event added, changed twice, deleted, added again and changed: each add entry gives the record as it was
    added, read in full, by event or as the newest entries."""
    first = make_record(id="app-3", tags=["first"])
    ingest.save(store, [first], "app")
    ingest.save(store, [make_record(id="app-3", tags=["second"], lat=33.3, fatalities=4)], "app")
    ingest.save(store, [make_record(id="app-3", tags=["third"], description="gone soon")], "app")
    store.delete(["app-3"], "app")
    again = make_record(id="app-3", title="Back again", lat=None, lon=None, location_precision="unknown")
    ingest.save(store, [again], "app")
    ingest.save(store, [make_record(id="app-3", title="Back again, edited", lat=None, lon=None, location_precision="unknown")], "app")
    as_added = [ingest.validate([(1, record)], "app")[0] for record in (again, first)]
    entries = store.history("app-3")
    assert [h["action"] for h in entries] == ["update", "add", "delete", "update", "update", "add"]
    assert [h["new"] for h in entries if h["action"] == "add"] == as_added
    assert [h["new"] for h in store.history() if h["event_id"] == "app-3" and h["action"] == "add"] == as_added
    assert store.history(limit=2)[1] == entries[1]


def test_an_acled_import_stores_and_audits_exactly_the_checked_records(store, tmp_path):
    """Quoted line breaks, unicode, empty cells: what is stored and what the audit says was added are the records as
    validated; a file with a bad row changes nothing."""
    path = acled_copies(tmp_path / "varied.csv", 30, "VAR", lambda i, row: {
        **row, "notes": f"Line one {i}\nline “two”\r\nthree" if i % 3 == 0 else "", "admin2": "", "location": row["location"] + " "})
    checked = ingest.check_file(path, "acled").records
    ingest.import_file(store, path, "acled")
    mine = [r for r in store.records() if r["id"].startswith("acled:VAR")]
    assert mine == checked
    assert {h["event_id"]: h["new"] for h in store.history() if h["event_id"].startswith("acled:VAR")} == {r["id"]: r for r in checked}
    bad = acled_copies(tmp_path / "bad.csv", 30, "BAD", lambda i, row: {**row, "fatalities": "x" if i == 20 else row["fatalities"],
                                                                        "notes": "a\nb" if i < 20 else row["notes"]})
    revision, count = store.revision(), store.count()
    with pytest.raises(ValidationError, match=rf"^{bad}:{2 + 20 * 2}:fatalities: must be a whole number"):
        ingest.import_file(store, bad, "acled")
    assert store.revision() == revision and store.count() == count


def test_an_invalid_record_is_refused_and_nothing_is_written(store, backend):
    before = backend.fingerprint(store.location)
    with pytest.raises(ValidationError) as caught:
        ingest.save(store, [make_record(id="ok-1"), make_record(id="bad-1", title="", lat=95.0)], origin="app")
    assert str(caught.value).splitlines() == ["app:2:title: missing", "app:2:lat: latitude 95.0 is out of range (-90 to 90)"]
    assert backend.fingerprint(store.location) == before and store.get("ok-1") is None


def test_a_big_file_with_one_bad_row_near_its_end_changes_nothing(store, backend, tmp_path):
    late = 11_990
    big = acled_copies(tmp_path / "big.csv", 12_000, "BIG", lambda i, row: {**row, "event_date": "31 February 2025"} if i == late else row)
    before = backend.fingerprint(store.location)
    with pytest.raises(ValidationError) as caught:
        ingest.import_file(store, big, "acled")
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("event_date", "not a date: '31 February 2025' (use e.g. 22 April 2025 or 2025-04-22)")]
    assert backend.fingerprint(store.location) == before


def test_a_write_failing_after_whole_batches_were_written_leaves_the_store_as_it_was(gpkg_store):
    """An import is written a batch at a time, in one transaction: a failure in SQLite or in making the rows, after
    whole batches were written, takes them all back."""
    from geo.stores.gpkg import _BATCH

    before = (gpkg_store.records(), gpkg_store.history())
    records = [make_record(id=f"many-{i}") for i in range(2 * _BATCH + 10)]
    with pytest.raises(stores.StoreError, match="nothing was written .NOT NULL constraint failed: events.title"):
        gpkg_store.upsert([*records[:-1], {**records[-1], "title": None}], origin="test")  # refused by SQLite
    with pytest.raises(struct.error):
        gpkg_store.upsert([*records[:-1], {**records[-1], "lat": "north"}], origin="test")  # no point to make of it
    assert (gpkg_store.records(), gpkg_store.history()) == before
    assert len(gpkg_store.upsert(records, origin="test").added) == len(records)  # and it still takes writes


def test_a_bulk_write_into_a_store_no_one_else_has_open_writes_its_pages_once_and_leaves_it_in_wal_mode(tmp_path, monkeypatch):
    """From ``BULK_LEAST`` events, a write no other connection watches goes through a rollback journal: the pages it adds
    are written once, where WAL writes them to the WAL and again into the file; one that another connection watches
    is written through WAL as always.  Both give the same store, in WAL mode."""
    from geo.stores import gpkg

    monkeypatch.setattr(gpkg, "BULK_LEAST", 100)
    records = [make_record(id=f"bulk-{i}", description=f"Event {i}: " + "words " * 150) for i in range(3000)]
    alone, watched = (ingest.open_store(tmp_path / name) for name in ("alone.gpkg", "watched.gpkg"))
    written_alone = _bytes_written(lambda: alone.upsert(records, origin="test"))
    with closing(sqlite3.connect(watched.path)) as watcher:
        watcher.execute("SELECT COUNT(*) FROM events").fetchone()  # holds the store open, as QGIS or the app would
        written_watched = _bytes_written(lambda: watched.upsert(records, origin="test"))
    assert written_alone < 0.7 * written_watched
    assert alone.records() == watched.records() == records
    assert [(h["event_id"], h["action"]) for h in alone.history()] == [(h["event_id"], h["action"]) for h in watched.history()]
    for store in (alone, watched):
        assert _journal_mode(store.path) == "wal"


def test_a_bulk_write_that_fails_or_dies_midway_leaves_the_store_as_it_was_and_in_wal_mode(gpkg_store, monkeypatch, tmp_path):
    """A failed bulk write is rolled back and the store put back in WAL mode; one killed after its pages reached the
    file leaves a journal, which the next opener rolls back, and the next write puts WAL back."""
    from geo.stores import gpkg

    monkeypatch.setattr(gpkg, "BULK_LEAST", 100)
    before = (gpkg_store.records(), gpkg_store.history())
    records = [make_record(id=f"bulk-{i}", description="words " * 150) for i in range(3000)]
    with pytest.raises(stores.StoreError, match="nothing was written .NOT NULL constraint failed: events.title"):
        gpkg_store.upsert([*records[:-1], {**records[-1], "title": None}], origin="test")
    assert (gpkg_store.records(), gpkg_store.history(), _journal_mode(gpkg_store.path)) == (*before, "wal")

    size = gpkg_store.path.stat().st_size
    dies = subprocess.run([sys.executable, "-c", _DIES_MIDWAY, str(gpkg_store.path), str(len(records))], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert dies.returncode == 9, dies.stderr
    journal = gpkg_store.path.with_name(gpkg_store.path.name + "-journal")
    assert journal.exists() and gpkg_store.path.stat().st_size > size  # it died with pages in the file, not only in memory
    assert (gpkg_store.records(), gpkg_store.history()) == before  # rolled back by the next reader
    assert not journal.exists()
    assert GeoPackageBackend(tmp_path).stored_ids(str(gpkg_store.path)) == {r["id"] for r in before[0]}  # so does GDAL
    gpkg_store.upsert(records[:1], origin="test")
    assert _journal_mode(gpkg_store.path) == "wal"


_DIES_MIDWAY = """
import os, sys
from geo.stores import gpkg
from tests.helpers import make_record

gpkg.BULK_LEAST, gpkg.WRITE_CACHE_KB_NEG = 100, -1024  # a small page cache: pages reach the file before the commit
write = gpkg._write

def write_then_die(*args):
    write(*args)
    os._exit(9)

gpkg._write = write_then_die
records = [make_record(id=f"bulk-{i}", description="words " * 150) for i in range(int(sys.argv[2]))]
gpkg.open_gpkg(sys.argv[1]).upsert(records, origin="test")
"""


def _bytes_written(write) -> int:
    """How many bytes this process wrote to files while ``write()`` ran (Linux's ``wchar``)."""
    def written() -> int:
        return int(dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())["wchar"])

    start = written()
    write()
    return written() - start


def _journal_mode(path: Path) -> str:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA journal_mode").fetchone()[0]


def test_a_record_whose_point_lies_outside_its_country_is_refused(store):
    with pytest.raises(ValidationError, match=r"app:1:country: coordinates 33.31222, 73.70346 lie in PK, not BD"):
        ingest.save(store, [make_record(id="app-2", country="BD")], origin="app")


# --- importing through the command line -----------------------------------------------------------


def test_importing_the_same_file_twice_adds_nothing(backend):
    path = backend.new_location()
    first = run_cli("import", str(SAMPLE), "--format", "acled", "--store", str(path))
    assert first.returncode == 0, first.stderr
    assert f"Imported {SAMPLE} into {path}: 9 added, 0 updated, 0 unchanged." in first.stdout
    assert f"{SAMPLE}:9:location: warning: no coordinates" in first.stderr
    before = backend.fingerprint(path)
    again = run_cli("import", str(SAMPLE), "--format", "acled", "--store", str(path))
    assert again.returncode == 0, again.stderr
    assert f"Imported {SAMPLE} into {path}: 0 added, 0 updated, 9 unchanged." in again.stdout
    assert backend.fingerprint(path) == before


def test_a_newer_acled_export_updates_what_changed_and_says_which(backend, tmp_path):
    store = ingest.open_store(backend.new_location())
    ingest.import_file(store, SAMPLE, "acled")

    def correct(i, row):
        if row["event_id_cnty"] == "PAK900102":
            row.update(fatalities="5", timestamp="1746900000")
        return row

    newer = tmp_path / "acled_newer.csv"
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = [correct(i, row) for i, row in enumerate(csv.DictReader(handle))]
    rows.append({**rows[0], "event_id_cnty": "PAK900106", "event_date": "2 May 2025"})
    with newer.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    result = run_cli("import", str(newer), "--format", "acled", "--store", store.location)
    assert result.returncode == 0, result.stderr
    assert f"into {store.location}: 1 added, 1 updated, 8 unchanged." in result.stdout
    assert "added: acled:PAK900106\n" in result.stdout and "updated: acled:PAK900102\n" in result.stdout
    update = store.history("acled:PAK900102")[0]
    assert update["origin"] == str(newer.resolve())
    assert update["old"]["fatalities"] == 3 and update["new"]["fatalities"] == 5 and update["revision"] == 2
    assert set(update["new"]) == {"fatalities", "sources"}  # the ACLED source's date follows the timestamp


def test_an_invalid_import_exits_1_names_file_row_field_and_leaves_the_store(backend):
    path = backend.new_location()
    ingest.open_store(path)
    before = backend.fingerprint(path)
    bad = ROOT / "tests" / "data" / "malformed" / "acled_bad_dates.csv"
    result = run_cli("import", str(bad), "--format", "acled", "--store", str(path))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"{bad}:2:event_date: not a date: '31 February 2025' (use e.g. 22 April 2025 or 2025-04-22)"
    assert "4 problems found." in result.stderr and "Traceback" not in result.stderr
    assert backend.fingerprint(path) == before

    skipped = run_cli("import", str(bad), "--format", "acled", "--store", str(path), "--skip-invalid")
    assert skipped.returncode == 1 and f"{bad}:0:-: no valid events to import" in skipped.stderr
    assert backend.fingerprint(path) == before


def test_skip_invalid_through_the_cli_imports_the_rest(backend):
    path = backend.new_location()
    bad = ROOT / "tests" / "data" / "malformed" / "acled_bad_codes.csv"
    result = run_cli("import", str(bad), "--format", "acled", "--store", str(path), "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert "Skipped 5 invalid rows." in result.stderr and f"{bad}:2:time_precision:" in result.stderr
    assert "1 added, 0 updated, 0 unchanged" in result.stdout
    assert "acled:PAK999006" in backend.stored_ids(path)


def test_export_and_validate_read_the_store_by_default(backend, tmp_path):
    path = backend.new_location()
    env = {"INCIDENT_MAP_STORE": str(path)}
    assert run_cli("import", str(SAMPLE), "--format", "acled", env=env).returncode == 0
    validated = run_cli("validate", env=env)
    assert validated.returncode == 0, validated.stderr
    assert f"{path}: 9 events valid (8 mapped, 1 unmapped)." in validated.stdout  # a store the user names starts empty
    out = tmp_path / "bd.geojson"
    exported = run_cli("export", "geojson", "--out", str(out), "--country", "BD", env=env)
    assert exported.returncode == 0, exported.stderr
    assert f"Wrote 1 of 9 events to {out}." in exported.stdout


# --- concurrency and crashes ----------------------------------------------------------------------


def _import_process(file: Path, store_path: Path | str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "geo", "import", str(file), "--format", "acled", "--store", str(store_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_two_processes_importing_at_once_both_land(backend, tmp_path):
    path = backend.new_location(existing=False)  # neither finds a store: both race to create it too
    files = [acled_copies(tmp_path / f"{prefix}.csv", 1500, prefix) for prefix in ("ONE", "TWO")]
    processes = [_import_process(file, path) for file in files]
    outputs = [p.communicate(timeout=240) for p in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert "1500 added, 0 updated, 0 unchanged" in out
    ids = backend.stored_ids(path)
    assert ids == {f"acled:{p}{i:06d}" for p in ("ONE", "TWO") for i in range(1500)}
    origins = Counter(h["origin"] for h in stores.open_store(path).history())
    assert origins == {str(files[0].resolve()): 1500, str(files[1].resolve()): 1500}


def test_sigkill_in_the_middle_of_an_import_leaves_the_old_store(store, backend, seed_events, tmp_path):
    before = backend.stored_ids(store.location)
    big = acled_copies(tmp_path / "big.csv", 6000, "BIG")
    process = _import_process(big, store.location)
    try:
        backend.kill_while_writing(store.location, process)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL

    ids = backend.stored_ids(store.location)  # read-only, as another tool (GDAL for a file), before anything else touches it
    after = before | {f"acled:BIG{i:06d}" for i in range(6000)}
    assert ids in (before, after)  # the old content or the new, never part of it
    assert len(store.history()) == len(seed_events) + (len(ids) - len(before))
    assert ingest.import_file(store, SAMPLE, "acled").summary.added  # and it still takes writes


def test_the_fast_load_equals_the_checked_load(store):
    from geo.frame import to_records

    fast, checked = store.load(), ingest.check_stored(store)
    assert to_records(fast) == to_records(checked)
    assert fast["day_max"].equals(checked["day_max"]) and frame.search_text(fast).equals(frame.search_text(checked))


def test_a_store_read_as_columns_gives_back_every_field_as_written_and_audited(store):
    """Empty text against None, missing fatalities against 0, unmapped events, -0.0, quotes and non-Latin text,
    lists of several actors and sources: the load (read as columns), the records and the audit all give them back."""
    source = make_record()["sources"][0]
    raws = [
        make_record(id="round-1", title='Quotes " and \\ and “curly” — ünïcödé 東京', fatalities=0, fatalities_qualifier="exactly",
                    context=True, tags=[], actors=[{"name": "A", "role": ""}, {"name": "B", "role": "actor 2"}],
                    sources=[source, {**source, "id": "s2", "excerpt": "", "cited_by": "s1", "url": "https://example.org/a?b=1&c"}]),
        make_record(id="round-2", lat=None, lon=None, location_precision="unknown", country="", admin1="", place_name="",
                    fatalities=None, date_start="", date_precision="unknown", description="line one\nline two\ttab"),
        make_record(id="round-3", lat=33.123456789012345, lon=73.0, date_start="2025", date_precision="year", tags=["a", "b"]),
    ]
    records = ingest.validate(list(enumerate(raws, 1)), "written")
    assert ingest.save(store, raws, "test: round trip").added == ("round-1", "round-2", "round-3")
    assert [store.get(r["id"]) for r in records] == records
    loaded = store.load()
    mine = loaded[loaded["id"].str.startswith("round-")]
    assert frame.to_records(mine) == records == [r for r in store.records() if r["id"].startswith("round-")]
    assert list(mine["revision"]) == [1, 1, 1]
    assert mine["fatalities"].isna().tolist() == [False, True, True]
    assert mine.geometry.isna().tolist() == [False, True, False]
    assert mine.iloc[2].geometry.y == records[2]["lat"] == 33.123456789012345
    added = {h["event_id"]: h["new"] for h in store.history() if h["event_id"].startswith("round-")}
    assert [added[r["id"]] for r in records] == records


# --- revisions: nobody overwrites anybody -----------------------------------------------------------


def test_an_edit_of_an_event_changed_since_it_was_loaded_is_refused_naming_who_and_when(store, backend):
    event_id = "mahjar-barducci-dadyal-jem-rally"
    mine = store.get(event_id)
    loaded = store.revisions([event_id])[event_id]
    assert loaded == 1 and store.load().set_index("id").loc[event_id, "revision"] == 1
    theirs = stores.open_store(store.location)  # another session on the same store
    assert theirs.upsert([{**mine, "fatalities": 0}], origin="app: form", expected={event_id: loaded}).updated == (event_id,)
    before = backend.fingerprint(store.location)

    with pytest.raises(stores.RevisionConflict) as caught:
        store.upsert([{**mine, "title": "My edit"}, make_record(id="new-1")], origin="app: form", expected={event_id: loaded})
    [conflict] = caught.value.conflicts
    assert (conflict.loaded, conflict.change.revision, conflict.change.by, conflict.change.origin) == (1, 2, theirs.by, "app: form")
    message = str(caught.value)
    assert message.startswith(f"{store.location}: nothing was written: 1 event(s) changed by someone else since they were loaded:")
    assert f"{event_id}: changed by {theirs.by} (app: form) at 20" in message and "UTC, revision 2; you loaded revision 1" in message
    assert backend.fingerprint(store.location) == before and store.get("new-1") is None

    with pytest.raises(stores.RevisionConflict, match="you loaded revision 1"):
        store.delete([event_id], origin="app: delete", expected={event_id: loaded})
    assert store.delete([event_id], origin="app: delete", expected={event_id: 2}).deleted == (event_id,)
    with pytest.raises(stores.RevisionConflict, match=f"{event_id}: deleted by .* revision 3; you loaded revision 2"):
        store.upsert([mine], origin="app: form", expected={event_id: 2})
    assert store.upsert([mine], origin="import").added == (event_id,)  # added again without a check: it carries on
    assert store.revisions([event_id]) == {event_id: 4}


def test_importing_an_export_refuses_events_changed_in_the_store_since(backend, tmp_path):
    location = backend.new_location()
    assert run_cli("import", str(SAMPLE), "--format", "acled", "--store", location).returncode == 0
    exported = tmp_path / "mine.geojson"
    assert run_cli("export", "geojson", "--out", str(exported), "--store", location).returncode == 0
    doc = json.loads(exported.read_text(encoding="utf-8"))
    assert {f["properties"]["revision"] for f in doc["features"]} == {1}
    again = run_cli("import", str(exported), "--store", location)  # the file as exported: nothing to do
    assert again.returncode == 0 and "0 added, 0 updated, 9 unchanged" in again.stdout

    store = stores.open_store(location)
    record = store.get("acled:PAK900102")
    store.upsert([{**record, "fatalities": 4}], origin="app: form")  # a colleague's edit, after the export
    for feature in doc["features"]:
        if feature["id"] in ("acled:PAK900102", "acled:PAK900103"):
            feature["properties"]["description"] += " (checked)"
    exported.write_text(json.dumps(doc), encoding="utf-8")
    before = backend.fingerprint(location)
    refused = run_cli("import", str(exported), "--store", location)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"acled:PAK900102: changed by {store.by} (app: form) at " in refused.stderr
    assert "revision 2; you loaded revision 1" in refused.stderr and "PAK900103" not in refused.stderr
    assert "--ignore-revisions" in refused.stderr
    assert backend.fingerprint(location) == before

    forced = run_cli("import", str(exported), "--store", location, "--ignore-revisions")
    assert forced.returncode == 0, forced.stderr
    assert "0 added, 2 updated, 7 unchanged" in forced.stdout
    assert store.get("acled:PAK900102")["fatalities"] == 3 and store.revisions(["acled:PAK900102"]) == {"acled:PAK900102": 3}

    as_csv = tmp_path / "mine.csv"
    assert run_cli("export", "csv", "--out", str(as_csv), "--store", location).returncode == 0
    assert as_csv.read_text(encoding="utf-8").splitlines()[0].endswith(",verification,revision")
    bad = as_csv.read_text(encoding="utf-8").replace(",3\n", ",three\n", 1)
    as_csv.write_text(bad, encoding="utf-8")
    rejected = run_cli("import", str(as_csv), "--store", location)
    assert rejected.returncode == 1 and ":revision: 'three' is not a revision number" in rejected.stderr


# --- moving between stores ---------------------------------------------------------------------------


def test_store_copy_moves_events_revisions_and_history_both_ways(postgis_server, tmp_path):
    from tests import postgis

    source = ingest.open_store(tmp_path / "mine.gpkg")
    ingest.add_shipped_events(source)
    ingest.import_file(source, SAMPLE, "acled")
    source.upsert([{**source.get("acled:PAK900102"), "fatalities": 4}], origin="app: form")
    source.delete(["acled:PAK900103"], origin="app: delete")
    team = postgis_server.url(postgis_server.new_database(with_store=False), postgis.OWNER)

    there = run_cli("store", "copy", str(source.path), team)
    assert there.returncode == 0, there.stderr
    assert there.stdout == f"Copied 23 events and 26 audit entries from {source.path} to {team}.\n"
    back = tmp_path / "back.gpkg"
    again = run_cli("store", "copy", team, str(back))
    assert again.returncode == 0, again.stderr
    for copied in (stores.open_store(team), stores.open_store(back)):
        assert copied.records() == source.records()
        assert copied.revisions() == source.revisions() and copied.revisions()["acled:PAK900102"] == 2
        assert copied.history() == source.history()
        assert copied.history("acled:PAK900103")[0]["by"] == source.by

    into_full = run_cli("store", "copy", str(source.path), team)
    assert into_full.returncode == 1 and "not empty; a store is copied only into a new or empty one" in into_full.stderr
    as_editor = postgis_server.url(postgis_server.new_database(), postgis.EDITOR)
    refused = run_cli("store", "copy", str(source.path), as_editor)
    assert refused.returncode == 1 and "anna may not change events here (permission denied for table audit)" in refused.stderr
    assert stores.open_store(as_editor).count() == 0
    missing = run_cli("store", "copy", str(tmp_path / "nothing.gpkg"), str(tmp_path / "new.gpkg"))
    assert missing.returncode == 1 and f"{tmp_path / 'nothing.gpkg'}: no such store" in missing.stderr
    assert not (tmp_path / "nothing.gpkg").exists() and not (tmp_path / "new.gpkg").exists()


# --- what a location can be ---------------------------------------------------------------------------


def test_a_location_that_cannot_hold_a_store_is_refused_and_creates_nothing(tmp_path):
    for location, message in (
        ("mysql://me@db/events", "mysql://…: not a store location this release opens"),
        (f"postgresql://nobody@/nosuchdb?host={tmp_path}", "cannot connect to the store"),
        (str(tmp_path / "no-such-folder" / "events.gpkg"), f"the folder {tmp_path / 'no-such-folder'} does not exist"),
        (str(tmp_path), "is a folder, not a store file"),
    ):
        result = run_cli("import", str(SAMPLE), "--store", location, cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
        assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == []


def test_a_read_only_role_views_and_exports_but_its_writes_are_refused_naming_what_it_lacks(postgis_server, tmp_path):
    from tests import postgis

    database = postgis_server.new_database()
    editor = postgis_server.url(database, postgis.EDITOR)
    ingest.add_shipped_events(stores.open_store(editor))
    reader = postgis_server.url(database, postgis.READER)
    outside = PostGISBackend(postgis_server)
    before = outside.fingerprint(reader)

    result = run_cli("import", str(SAMPLE), "--store", reader)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr == (f"{reader}: ben may view and export but not change events here (missing: INSERT on table events, "
                             "UPDATE on table events, DELETE on table events, INSERT (origin) on table audit, "
                             "UPDATE (changes, events) on table store_meta); nothing was changed\n")
    store = stores.open_store(reader)
    with pytest.raises(stores.StoreError, match="ben may view and export but not change events"):
        store.upsert([make_record(id="app-1")], origin="app: form")
    with pytest.raises(stores.StoreError, match="ben may view and export but not change events"):
        store.delete(["mahjar-barducci-dadyal-jem-rally"], origin="app: delete")
    assert outside.fingerprint(reader) == before

    exported = run_cli("export", "csv", "--out", str(tmp_path / "all.csv"), "--store", reader)
    assert exported.returncode == 0 and "Wrote 15 of 15 events" in exported.stdout
    info = run_cli("store", "info", "--store", reader)
    assert "user: ben\n" in info.stdout and "may change events: no (missing: INSERT on table events" in info.stdout
    assert "may change events: yes" in run_cli("store", "info", "--store", editor).stdout
    with pytest.raises(Exception, match="permission denied for table audit"):  # an editor cannot sign as someone else
        postgis_server.execute(database, "INSERT INTO audit (event_id, action, revision, origin, changed_by) "
                                         "VALUES ('x', 'add', 1, 'forged', 'ben')", role=postgis.EDITOR)


def test_only_the_owner_creates_the_tables_and_a_newer_schema_is_refused(postgis_server):
    from tests import postgis

    empty = postgis_server.new_database(with_store=False)
    with pytest.raises(stores.StoreError, match="has no incident-map tables, and anna may not create them .*as the role that owns"):
        stores.open_store(postgis_server.url(empty, postgis.EDITOR))
    owner = postgis_server.url(empty, postgis.OWNER)
    assert stores.open_store(owner).created and not stores.open_store(owner).created
    assert stores.open_store(owner).info()["schema version"] == 1
    postgis_server.execute(empty, "UPDATE store_meta SET schema_version = 99")
    with pytest.raises(stores.StoreError, match="made by a newer release .schema version 99"):
        stores.open_store(owner)


def test_a_geopackage_from_before_revisions_is_upgraded_and_gdal_still_opens_it(gpkg_store):
    store = gpkg_store
    store.upsert([{**store.get("mahjar-barducci-dadyal-jem-rally"), "fatalities": 0}], origin="app: form")
    with sqlite3.connect(store.path) as db:  # as the release before revisions left it
        for table, column in (("events", "revision"), ("audit", "revision"), ("audit", "changed_by")):
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    upgraded = stores.open_store(store.path)
    assert upgraded.revisions()["mahjar-barducci-dadyal-jem-rally"] == 2 and set(upgraded.revisions().values()) == {1, 2}
    assert [h["revision"] for h in upgraded.history("mahjar-barducci-dadyal-jem-rally")] == [2, 1]
    assert pyogrio.read_dataframe(store.path, layer="events")["revision"].max() == 2


# --- the frame a GeoPackage store loads --------------------------------------------------------


@pytest.mark.parametrize("passes", ["one pass", "a few columns a pass"])
def test_a_load_read_in_many_batches_holds_the_list_fields_as_arrow_columns_that_give_back_the_stored_lists(
        gpkg_store, monkeypatch, passes):
    from geo.stores import gpkg

    monkeypatch.setattr(gpkg, "_ROWS_MOST", -1)  # read through GDAL, as a large store is
    monkeypatch.setattr(gpkg, "_READ_BATCH", 3)  # the shipped events come in many batches
    monkeypatch.setattr(gpkg, "_ONE_PASS_MOST", 10**9 if passes == "one pass" else 0)  # as a large store is read
    loaded, records = gpkg_store.load(), gpkg_store.records()
    assert len(records) > 3 * gpkg._READ_BATCH and frame.to_records(loaded) == records
    for name, arrow_type in frame.LIST_TYPES.items():
        assert loaded[name].dtype == pd.ArrowDtype(arrow_type)
        assert loaded[name].array.__arrow_array__().num_chunks == 1  # one piece: taking rows never joins pieces
        assert loaded[name].tolist() == [r[name] for r in records]
    assert loaded["actor_names"].tolist() == [[a["name"] for a in r["actors"]] for r in records]
    assert loaded.iloc[[4, 1]]["sources"].tolist() == [records[4]["sources"], records[1]["sources"]]


def test_a_small_store_read_from_sqlite_alone_is_the_store_read_through_gdal(gpkg_store, monkeypatch):
    from bench.synthetic import synthetic_records
    from geo.schema import validate_records
    from geo.stores import gpkg

    gpkg_store.upsert(validate_records(enumerate(synthetic_records(400, seed=3), 1), "synthetic"), "test")
    first, second = [r["id"] for r in gpkg_store.records()[:2]]
    with closing(sqlite3.connect(gpkg_store.path)) as db, db:  # as another tool might leave them
        db.execute("UPDATE events SET place_name = NULL, fatalities = NULL WHERE id = ?", (first,))
    small = gpkg_store.load()
    assert 400 < len(small) <= gpkg._ROWS_MOST and not frame.is_mapped(small).all() and small["fatalities"].isna().any()
    monkeypatch.setattr(gpkg, "_ROWS_MOST", -1)
    pd.testing.assert_frame_equal(small, gpkg_store.load(), check_exact=True)
    with closing(sqlite3.connect(gpkg_store.path)) as db, db:
        db.execute("UPDATE events SET place_name = 42 WHERE id = ?", (second,))
    through_gdal = gpkg_store.load()
    monkeypatch.undo()
    pd.testing.assert_frame_equal(gpkg_store.load(), through_gdal, check_exact=True)
    assert through_gdal.set_index("id").loc[second, "place_name"] == "42"


def test_a_list_stored_as_null_or_empty_text_loads_as_no_items_and_one_not_a_list_is_refused(gpkg_store):
    first, second = [r["id"] for r in gpkg_store.records()[:2]]
    with sqlite3.connect(gpkg_store.path) as db:  # as another program might have left them
        db.execute("UPDATE events SET tags = NULL, actors = '' WHERE id = ?", (first,))
    loaded = gpkg_store.load().set_index("id")
    assert list(loaded.loc[first, "tags"]) == [] and list(loaded.loc[first, "actors"]) == []
    with sqlite3.connect(gpkg_store.path) as db:
        db.execute("""UPDATE events SET sources = '{"publisher": "x"}' WHERE id = ?""", (second,))
    with pytest.raises(stores.StoreError, match="not a list of the schema's items"):
        gpkg_store.load()


def test_a_row_another_tool_rewrote_to_equal_values_is_unchanged_and_one_it_changed_is_updated(gpkg_store):
    """An upsert compares rows as stored; rows that differ only in how another tool wrote the same values (JSON
    spacing, a NULL for empty text) are read back and compared as records, as before."""
    records = gpkg_store.records()[:3]
    with sqlite3.connect(gpkg_store.path) as db:
        for record in records[:2]:
            spaced = json.dumps(record["sources"], indent=1, ensure_ascii=True)
            db.execute("UPDATE events SET sources = ?, date_note = NULLIF(date_note, '') WHERE id = ?", (spaced, record["id"]))
        db.execute("UPDATE events SET title = 'edited elsewhere' WHERE id = ?", (records[2]["id"],))
    summary = gpkg_store.upsert(records, origin="test")
    assert summary.unchanged == (records[0]["id"], records[1]["id"]) and summary.updated == (records[2]["id"],)
    assert gpkg_store.history(records[2]["id"])[0]["old"] == {"title": "edited elsewhere"}
