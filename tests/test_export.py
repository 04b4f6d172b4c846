"""Exports: GeoJSON and CSV keep every field and defuse formulas; KML/KMZ open in GDAL with cards and time spans;
GeoPackage and GeoParquet round-trip every field; counts per area add up; every write is atomic."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from datetime import date
from xml.etree import ElementTree as ET

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
from PIL import Image

from geo import areas, atomic, export, frame, style
from geo.export import csv_text, defuse, geojson_text, write_csv
from geo.frame import is_mapped, to_frame, to_records
from geo.ingest import load_file
from geo.schema import FIELDS, LIST_FIELDS, validate_records
from tests.helpers import make_record
from tests.payloads import BAD_URL, PAYLOADS, SAFE_URL, payload_records

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


# --- KML / KMZ, GeoPackage, GeoParquet, counts per area -------------------------------------------------------

KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def dated_events(seed_events):
    """The seed events plus a month-, a year- and an approximately dated event, all mapped."""
    extra = [
        make_record(id="month", title="Month event", date_start="2026-02", date_precision="month"),
        make_record(id="year", title="Year event", date_start="2024", date_precision="year", context=True),
        make_record(id="window", title="Window event", date_start="2025-12-28", date_end="2026-01-03", date_precision="approximate"),
    ]
    return pd.concat([seed_events, to_frame(validate_records(enumerate(extra, 1), "extra"))], ignore_index=True)


def test_kml_opens_in_gdal_with_a_placemark_per_mapped_event_and_its_time_span(tmp_path, dated_events):
    path = export.write_kml(dated_events, tmp_path / "events.kml", title="Test & <map>", made_on=date(2026, 2, 1))
    read = pyogrio.read_dataframe(path)
    mapped = dated_events[is_mapped(dated_events)]
    assert pyogrio.read_info(path)["driver"] in ("LIBKML", "KML")
    assert len(read) == len(mapped) == 11
    assert sorted(read["Name"]) == sorted(mapped["title"])
    spans = {row.event_id: (row.begin, row.end) for row in read.itertuples()}
    assert spans["month"] == (pd.Timestamp("2026-02-01"), pd.Timestamp("2026-02-28"))
    assert spans["year"] == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    assert spans["window"] == (pd.Timestamp("2025-12-28"), pd.Timestamp("2026-01-03"))
    assert spans["mahjar-barducci-dadyal-jem-rally"] == (pd.Timestamp("2025-11-29"), pd.Timestamp("2025-11-29"))
    assert pd.isna(spans["mahjar-barducci-haniyeh-killing"][0])  # mapped but undated: no span
    dadyal = read[read["event_id"] == "mahjar-barducci-dadyal-jem-rally"].iloc[0]
    assert (dadyal.geometry.x, dadyal.geometry.y) == (73.70346, 33.31222)
    assert "“On November 29, 2025, JeM organised a rally in Dadyal" in dadyal["description"]
    document = ET.parse(path).getroot().find(f"{KML}Document")
    assert document.findtext(f"{KML}name") == "Test & <map>"
    about = document.findtext(f"{KML}description")
    for record in to_records(dated_events[~is_mapped(dated_events)]):
        assert html.escape(record["title"], quote=True) in about
    assert "Not on the map (7)" in about and "18 events: 11 mapped, 7 unmapped" in about


def test_kml_styles_follow_the_type_colours(tmp_path, dated_events):
    document = ET.parse(export.write_kml(dated_events, tmp_path / "e.kml")).getroot().find(f"{KML}Document")
    styles = {s.get("id"): s.findtext(f"{KML}IconStyle/{KML}color") for s in document.iter(f"{KML}Style")}
    colours = style.category_colours(sorted(set(dated_events["event_type"])))
    for placemark in document.iter(f"{KML}Placemark"):
        data = {d.get("name"): d.findtext(f"{KML}value") for d in placemark.iter(f"{KML}Data")}
        hex_colour = colours[data["event_type"]]
        alpha = "ff" if data["context"] == "false" else f"{round(style.CONTEXT_OPACITY * 255):02x}"
        assert styles[placemark.findtext(f"{KML}styleUrl")[1:]] == alpha + hex_colour[5:7] + hex_colour[3:5] + hex_colour[1:3]


def test_kmz_is_the_kml_zipped_with_its_icon(tmp_path, dated_events):
    path = export.write_kmz(dated_events, tmp_path / "events.kmz", made_on=date(2026, 2, 1))
    with zipfile.ZipFile(path) as kmz:
        assert kmz.namelist() == ["doc.kml", export.KMZ_ICON]
        doc = kmz.read("doc.kml").decode("utf-8")
        assert Image.open(io.BytesIO(kmz.read(export.KMZ_ICON))).size == (32, 32)
    assert doc == export.kml_text(dated_events, made_on=date(2026, 2, 1), icon=export.KMZ_ICON)
    assert f"<href>{export.KMZ_ICON}</href>" in doc
    assert len(pyogrio.read_dataframe(path)) == 11


def test_kml_escapes_hostile_text_for_xml_and_for_the_html_google_earth_shows(tmp_path):
    records = payload_records() + [make_record(id="ctl", title="bell\x07 and \x0bvertical tab", description="x\x00y")]
    events = to_frame(records)
    path = export.write_kml(events, tmp_path / "hostile.kml", title="<script>alert(1)</script>")
    root = ET.parse(path).getroot()  # well-formed XML, control characters and all
    texts = [node.text or "" for node in root.iter()]
    descriptions = [node.text for node in root.iter(f"{KML}description")]
    for payload in PAYLOADS:  # in the HTML every < > " ' & $ is an entity
        escaped = html.escape(payload, quote=True).replace("$", "&#36;")
        assert any(escaped in text for text in descriptions)
        assert payload == escaped or not any(payload in text for text in descriptions)
    assert not any(re.search(r"<(script|img|svg)", text, re.I) for text in descriptions)
    assert BAD_URL not in "".join(texts)
    assert f'href="{html.escape(SAFE_URL, quote=True)}"' in "".join(descriptions)
    names = [node.text for node in root.iter(f"{KML}name")]
    assert "<script>alert(1)</script>" in names and "bell and vertical tab" in names  # names are plain text
    read = pyogrio.read_dataframe(path)
    assert len(read) == len(PAYLOADS) + 1


def gis_records(table: gpd.GeoDataFrame) -> list[dict]:
    """A GIS table read back as schema records: list fields decoded, the point as lat/lon."""
    records = []
    for row in table.to_dict("records"):
        point = row.pop("geometry")
        row.update(lat=point.y if point is not None else None, lon=point.x if point is not None else None)
        row.update({name: json.loads(row[name]) for name in LIST_FIELDS})
        row["fatalities"] = None if pd.isna(row["fatalities"]) else int(row["fatalities"])
        row["context"] = bool(row["context"])
        records.append({name: row[name] for name in FIELDS})
    return records


@pytest.mark.parametrize("fmt", ["gpkg", "parquet"])
def test_gis_formats_round_trip_every_field(tmp_path, fmt, dated_events, hostile_events):
    events = pd.concat([dated_events, hostile_events], ignore_index=True)
    path = export.WRITERS[fmt](events, tmp_path / f"events.{fmt}")
    table = pyogrio.read_dataframe(path) if fmt == "gpkg" else gpd.read_parquet(path)
    assert table.crs == "EPSG:4326" and list(table.columns) == [*frame.COLUMNS, "geometry"]
    assert gis_records(table) == to_records(events)
    assert table.geometry.notna().sum() == is_mapped(events).sum()
    if fmt == "gpkg":
        assert pyogrio.list_layers(path)[0][0] == "events"
    else:
        meta = json.loads(pq.read_schema(path).metadata[b"geo"])
        assert meta["primary_column"] == "geometry" and meta["columns"]["geometry"]["encoding"] == "WKB"


@pytest.mark.parametrize("fmt", ["gpkg", "parquet", "kml", "kmz"])
def test_every_new_format_writes_atomically(tmp_path, monkeypatch, fmt, seed_events):
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        export.WRITERS[fmt](seed_events, path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_atomic_path_cleans_up_what_a_failed_writer_left(tmp_path):
    path = tmp_path / "out.gpkg"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic.atomic_path(path) as temp:
        temp.write_text("half")
        temp.with_name(temp.name + "-journal").write_text("journal")
        raise RuntimeError("GDAL failed")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]
    with atomic.atomic_path(path) as temp:
        temp.write_text("new")
    assert path.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]


def test_counts_per_area_as_csv_add_up_and_are_spreadsheet_safe(tmp_path, seed_events, hostile_events):
    events = pd.concat([seed_events, hostile_events], ignore_index=True)
    rows = list(csv.DictReader(io.StringIO(export.counts_csv_text(events, "admin1"))))
    assert sum(int(r["events"]) for r in rows) == len(events)
    by_area = {r["admin1"]: int(r["events"]) for r in rows}
    assert by_area["Pakistan-administered Kashmir (Azad Jammu and Kashmir)"] == 3 + len(HOSTILE) - 1
    assert by_area[areas.NO_POINT] == 7 and by_area[areas.OUTSIDE_AREAS] == 1  # the hostile event at -73.7 lies at sea
    countries = list(csv.DictReader(io.StringIO(export.counts_csv_text(events, "country"))))
    assert [r["country"] for r in countries][-1] == "" and sum(int(r["events"]) for r in countries) == len(events)
    path = export.write_csv(events, tmp_path / "by.csv", by="country")
    assert path.read_text(encoding="utf-8") == export.counts_csv_text(events, "country")
