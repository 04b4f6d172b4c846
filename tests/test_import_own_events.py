"""Importing one's own events, as a user does it from the command line: the documented CSV columns, a template
to fill, placing rows by name with --geocode, and the shipped events in a store of one's own."""

from __future__ import annotations

import csv
import json
import re

import pytest

from geo import ingest, schema
from geo.importers import events_csv
from tests.helpers import ROOT, make_record, run_cli


def write_csv(path, records: list[dict], header: list[str] | None = None):
    """Records as a CSV in the project's form (list fields as JSON), with the header given or the schema's."""
    header = header or list(schema.FIELDS)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for record in records:
            cells = [record[f] for f in schema.FIELDS]
            writer.writerow([json.dumps(c) if isinstance(c, list) else "" if c is None else c for c in cells])
    return path


def unplaced(**changes) -> dict:
    """A valid record with a place name and no coordinates."""
    return make_record(**{"lat": None, "lon": None, "admin1": "", **changes})


# ---------------------------------------------------------------- the columns, documented from the schema


def test_the_readme_table_of_csv_columns_is_the_schemas():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = events_csv.columns_markdown()
    assert table in readme, "README.md's CSV column table is out of date; paste the output of " \
        "`.venv/bin/python -c 'from geo.importers.events_csv import columns_markdown; print(columns_markdown())'`"
    rows = [line for line in table.splitlines()[2:]]
    assert [re.match(r"\| `(\w+)`", row).group(1) for row in rows] == list(schema.FIELDS)
    assert [row.split("|")[2].strip() == "yes" for row in rows] == [f in schema.REQUIRED for f in schema.FIELDS]
    for vocabulary in (schema.DATE_PRECISIONS, schema.LOCATION_PRECISIONS, schema.VERIFICATION_STATUSES):
        assert ", ".join(vocabulary) in table
    assert '[{"name": "…", "role": "…"}]' in table and '"excerpt": "…"' in table


def test_import_help_lists_every_column_and_which_are_required():
    result = run_cli("import", "--help")
    assert result.returncode == 0, result.stderr
    help_text = " ".join(result.stdout.split())
    for name in schema.FIELDS:
        assert re.search(rf"\b{name}{' [(]required[)]' if name in schema.REQUIRED else ''}: ", help_text), name
    assert "template csv --out FILE" in help_text and "--geocode" in help_text and "--shipped-events" in help_text


def test_every_field_is_described():
    assert set(schema.FIELD_HELP) == set(schema.FIELDS)


# ---------------------------------------------------------------- the template


def test_a_template_imports_into_a_fresh_store_as_it_is(tmp_path):
    template, store = tmp_path / "my-events.csv", tmp_path / "mine.gpkg"
    result = run_cli("template", "csv", "--out", str(template))
    assert result.returncode == 0, result.stderr
    assert f"incident-map import {template}" in result.stdout
    rows = list(csv.DictReader(template.open(encoding="utf-8")))
    assert len(rows) == 1 and list(rows[0]) == list(schema.FIELDS)
    example = rows[0]
    assert example["title"].startswith("EXAMPLE") and example["tags"] == '["example"]'
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in example.values())  # spreadsheet-safe
    assert json.loads(example["sources"])[0]["url"] == ""  # no invented link
    imported = run_cli("import", str(template), "--store", str(store))
    assert imported.returncode == 0, imported.stderr
    assert "1 added" in imported.stdout
    assert [r["id"] for r in ingest.open_store(store).records()] == ["example-1"]  # the store was empty: only the example
    assert run_cli("validate", "--store", str(store)).stdout == f"{store}: 1 event valid (0 mapped, 1 unmapped).\n"


def test_a_template_in_any_case_and_with_latitude_longitude_columns_is_read(tmp_path):
    record = make_record(id="mine-1")
    header = [{"lat": "Latitude", "lon": "LONGITUDE"}.get(f, f.upper()) for f in schema.FIELDS]
    path = write_csv(tmp_path / "upper.csv", [record], header)
    checked = ingest.check_file(path)
    assert checked.records[0]["lat"] == record["lat"] and checked.records[0]["title"] == record["title"]


def test_a_template_never_overwrites_a_file(tmp_path):
    mine = tmp_path / "events.csv"
    mine.write_text("my own data\n", encoding="utf-8")
    result = run_cli("template", "csv", "--out", str(mine))
    assert result.returncode == 2 and "exists already" in result.stderr
    assert mine.read_text(encoding="utf-8") == "my own data\n"


def test_a_geojson_template_imports_too(tmp_path):
    template = tmp_path / "my-events.geojson"
    assert run_cli("template", "geojson", "--out", str(template)).returncode == 0
    assert [r["id"] for r in ingest.check_file(template).records] == ["example-1"]


# ---------------------------------------------------------------- --geocode


def test_without_geocode_a_named_place_without_coordinates_points_to_the_option(tmp_path):
    path = write_csv(tmp_path / "named.csv", [unplaced(place_name="Dadyal")])
    result = run_cli("import", str(path), "--store", str(tmp_path / "s.gpkg"))
    assert result.returncode == 1
    assert f"{path}:2:location_precision: 'town' but there are no coordinates" in result.stderr
    assert "import with --geocode to place 'Dadyal' from the offline gazetteer" in result.stderr


def test_geocode_places_a_clear_name_and_says_from_which_geonames_entry(tmp_path):
    store = tmp_path / "s.gpkg"
    path = write_csv(tmp_path / "named.csv", [unplaced(id="dadyal", place_reported="Dadyal bazaar", place_name="Dadyal",
                                                       country="PK", location_note="From the article.")])
    result = run_cli("import", str(path), "--geocode", "--store", str(store))
    assert result.returncode == 0, result.stderr
    placed = ingest.open_store(store).get("dadyal")
    assert (placed["lat"], placed["lon"], placed["country"]) == (33.31222, 73.70346, "PK")
    assert placed["admin1"] == "Pakistan-administered Kashmir (Azad Jammu and Kashmir)"
    assert placed["place_reported"] == "Dadyal bazaar" and placed["location_precision"] == "town"
    assert placed["location_note"].startswith("From the article. Geocoded offline from the name 'Dadyal'")
    assert "GeoNames" in placed["location_note"] and "geonameid 7101024" in placed["location_note"]


def test_geocode_uses_admin1_and_keeps_the_stated_precision(tmp_path):
    path = write_csv(tmp_path / "hint.csv", [unplaced(place_name="Mirpur", admin1="Azad Kashmir", country="",
                                                      location_precision="region")])
    [record] = ingest.check_file(path, geocode=True).records
    assert record["country"] == "PK" and record["admin1"].startswith("Pakistan-administered Kashmir")
    assert record["location_precision"] == "region" and abs(record["lat"] - 33.15) < 0.05


def test_geocode_refuses_an_ambiguous_name_and_lists_the_candidates(tmp_path):
    store = tmp_path / "s.gpkg"
    path = write_csv(tmp_path / "rampur.csv", [unplaced(id="rampur", place_name="Rampur", country="IN")])
    result = run_cli("import", str(path), "--geocode", "--store", str(store))
    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if line.startswith(f"{path}:2:place_name:")]
    assert "towns named 'Rampur' in IN and nothing tells them apart" in line
    assert len(re.findall(r"GeoNames \d+", line)) >= 2 and "Uttar Pradesh" in line and "Himachal Pradesh" in line
    assert ingest.open_store(store).records() == []  # nothing placed on a guess, nothing imported


def test_geocode_refuses_an_unknown_name_naming_its_column(tmp_path):
    path = write_csv(tmp_path / "nowhere.csv", [unplaced(place_name="", place_reported="Nowhere Kalan", country="PK")],
                     header=[{"place_reported": "Place_Reported"}.get(f, f) for f in schema.FIELDS])
    with pytest.raises(schema.ValidationError) as caught:
        ingest.check_file(path, geocode=True)
    [problem] = caught.value.problems
    assert (problem.row, problem.field) == (2, "Place_Reported")
    assert "the offline gazetteer has no town named 'Nowhere Kalan' in PK" in problem.message


def test_geocode_leaves_rows_with_coordinates_or_no_place_alone(tmp_path):
    rows = [make_record(id="has-point"), make_record(id="unmapped", lat=None, lon=None, location_precision="unknown",
                                                     place_name="Dadyal")]
    checked = ingest.check_file(write_csv(tmp_path / "mixed.csv", rows), geocode=True)
    assert [(r["id"], r["lat"], r["location_precision"]) for r in checked.records] == [
        ("has-point", 33.31222, "town"), ("unmapped", None, "unknown")]


# ---------------------------------------------------------------- the shipped events in a store of one's own


def test_shipped_events_go_into_a_named_store_only_when_asked(tmp_path):
    store = tmp_path / "mine.gpkg"
    assert run_cli("validate", "--store", str(store)).stdout.startswith(f"{store}: 0 events valid")
    result = run_cli("import", "--shipped-events", "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert "15 added" in result.stdout
    assert "15 events valid" in run_cli("validate", "--store", str(store)).stdout
    assert "15 unchanged" in run_cli("import", "--shipped-events", "--store", str(store)).stdout
    missing = run_cli("import", "--store", str(store))
    assert missing.returncode == 2 and "name a FILE to import, or --shipped-events" in missing.stderr
