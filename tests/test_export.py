"""GeoJSON and CSV exports: every field kept, formulas defused, writes atomic."""

from __future__ import annotations

import csv
import io
import json

import pytest

from geo import atomic
from geo.export import csv_text, defuse, geojson_text, write_csv
from geo.frame import to_frame, to_records
from geo.ingest import load_file
from geo.schema import FIELDS, validate_records
from tests.helpers import make_record

HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "<script>alert(1)</script>"]


@pytest.fixture(scope="module")
def hostile_events():
    records = [
        make_record(
            id=f"h{i}",
            title=text,
            description=text,
            claim=text,
            actors=[{"name": text, "role": text}],
            sources=[dict(make_record()["sources"][0], excerpt=text, publisher=text)],
            lon=-73.70346 if i == 0 else 73.70346,
            country="" if i == 0 else "PK",
        )
        for i, text in enumerate(HOSTILE)
    ]
    return to_frame(validate_records(enumerate(records, 1), "hostile"))


def test_defuse_prefixes_formula_cells_only():
    assert [defuse(t) for t in HOSTILE] == ["'" + t for t in HOSTILE[:5]] + [HOSTILE[5]]
    assert defuse("Dadyal") == "Dadyal" and defuse("") == ""


def test_csv_defuses_text_but_keeps_numbers(hostile_events):
    rows = list(csv.DictReader(io.StringIO(csv_text(hostile_events))))
    assert rows[0]["lon"] == "-73.70346"
    for row, text in zip(rows, HOSTILE, strict=True):
        for name in ("title", "description", "claim"):
            assert row[name] == defuse(text.strip())
        assert json.loads(row["actors"])[0]["name"] == text.strip()


def test_csv_export_reads_back_unchanged(tmp_path, hostile_events):
    path = write_csv(hostile_events, tmp_path / "hostile.csv")
    again = load_file(path)
    assert to_records(again) == to_records(hostile_events)


def test_geojson_keeps_every_field(seed_events):
    doc = json.loads(geojson_text(seed_events))
    for feature in doc["features"]:
        assert set(feature["properties"]) == set(FIELDS) - {"lat", "lon"}


def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "out.csv"
    path.write_text("old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_atomic(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_written_files_get_the_usual_permissions(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        path = atomic.write_atomic(tmp_path / "map.html", "<html></html>")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644
