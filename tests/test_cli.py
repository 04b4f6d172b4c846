"""The command line, run as a subprocess the way users run it."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from geo.export import csv_text
from geo.ingest import SEED_FILE
from tests.helpers import ROOT, run_cli


@pytest.fixture(scope="module")
def seed_doc() -> dict:
    return json.loads(SEED_FILE.read_text(encoding="utf-8"))


def write_geojson(path, doc) -> str:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("validate", "geocode", "export"):
        assert command in result.stdout


@pytest.mark.parametrize("args", [("--help",), ("export", "--help"), ("import", "--help"), ("template", "--help")])
def test_help_imports_no_data_map_or_image_library(args):
    """--help starts at once: it is made from the options and texts alone (`python -X importtime` lists every import)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "geo", *args], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    heavy = {"numpy", "pandas", "geopandas", "shapely", "matplotlib", "folium", "pyogrio", "streamlit"}
    assert imported & heavy == set()


def test_validate_passes_on_the_shipped_data():
    result = run_cli("validate")
    assert result.returncode == 0, result.stderr
    assert "15 events valid (8 mapped, 7 unmapped)" in result.stdout


def test_validate_names_file_row_and_field_in_a_broken_copy(tmp_path, seed_doc):
    broken = json.loads(json.dumps(seed_doc))
    features = broken["features"]
    features[0]["properties"]["date_start"] = "2026-13"
    features[1]["properties"]["date_end"] = "2024-07"
    features[2]["geometry"]["coordinates"] = [75.3, 95.0]
    features[3]["properties"]["sources"] = []
    features[4]["properties"]["id"] = features[5]["properties"]["id"]
    features[6]["properties"]["mood"] = "grim"
    del features[7]["properties"]["claim"]
    features[8]["properties"]["country"] = "IN"
    features[8]["geometry"] = {"type": "Point", "coordinates": [51.53, 25.29]}
    features[8]["properties"]["location_precision"] = "town"
    path = write_geojson(tmp_path / "broken.geojson", broken)
    result = run_cli("validate", path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    for expected in (
        f"{path}:1:date_start: not a valid date: '2026-13' (use YYYY-MM-DD, YYYY-MM or YYYY)",
        f"{path}:2:date_end: 2024-07 is before date_start 2024-08",
        f"{path}:3:geometry: latitude 95.0 is out of range (-90 to 90)",
        f"{path}:4:sources: missing",
        f"{path}:6:id: duplicate id 'mahjar-barducci-rawalakot-conference' (first at row 5)",
        f"{path}:7:mood: unknown field",
        f"{path}:8:claim: missing",
        f"{path}:9:country: coordinates 25.29, 51.53 lie in QA, not IN",
    ):
        assert expected in lines, (expected, lines)
    assert lines[-1] == "8 problems found."


def test_validate_reports_unreadable_files_without_a_traceback(tmp_path):
    (tmp_path / "junk.geojson").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "bad.geojson").write_text('{"type": "FeatureCollection", "features": [')
    (tmp_path / "deep.geojson").write_text("[" * 100_000 + "]" * 100_000)
    for name, message in (
        ("deep.geojson", ":0:-: not usable JSON: nested too deeply"),
        ("junk.geojson", ":0:-: looks like a binary file"),
        ("empty.csv", ":0:-: the file is empty"),
        ("bad.geojson", ":1:-: not valid JSON"),
        ("missing.geojson", ":0:-: no such file"),
    ):
        result = run_cli("validate", str(tmp_path / name))
        assert result.returncode == 1
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_a_features_own_id_stands_in_for_a_missing_id_property(tmp_path, seed_doc):
    doc = json.loads(json.dumps(seed_doc))
    feature = doc["features"][0]
    feature["id"] = feature["properties"].pop("id")
    path = write_geojson(tmp_path / "ids.geojson", doc)
    result = run_cli("validate", path)
    assert result.returncode == 0, result.stderr


def test_validate_checks_a_csv_by_line(tmp_path, seed_events):
    text = csv_text(seed_events).splitlines()
    rows = list(csv.reader(io.StringIO("\n".join(text))))
    header = rows[0]
    rows[3][header.index("verification")] = "rumour"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "events.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    assert f"{path}:4:verification: 'rumour' is not one of reported, corroborated, disputed, unverified" in result.stderr


def test_geocode_prints_ranked_candidates_as_json():
    result = run_cli("geocode", "Mirpur", "--near", "Azad Kashmir")
    assert result.returncode == 0, result.stderr
    candidates = json.loads(result.stdout)
    best = candidates[0]
    assert {"name", "lat", "lon", "country", "admin1", "population", "match"} <= set(best)
    assert best["country"] == "PK" and abs(best["lat"] - 33.15) < 0.05 and abs(best["lon"] - 73.75) < 0.05
    assert len({(c["country"], c["admin1"]) for c in candidates}) >= 2
    sindh = json.loads(run_cli("geocode", "Mirpur", "--near", "Sindh").stdout)[0]
    assert sindh["admin1"] == "Sindh"
    misspelt = json.loads(run_cli("geocode", "Gujranwalla", "--country", "PK").stdout)[0]
    assert abs(misspelt["lat"] - 32.16) < 0.05
    assert json.loads(run_cli("geocode", "Xqzzyville").stdout) == []


def test_export_geojson_keeps_unmapped_events_with_null_geometry(tmp_path):
    out = tmp_path / "all.geojson"
    result = run_cli("export", "geojson", "--out", str(out))
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["features"]) == 15
    funeral = next(f for f in doc["features"] if f["id"] == "mahjar-barducci-rauf-funeral-prayers")
    assert funeral["geometry"] is None
    assert funeral["properties"]["sources"][0]["excerpt"].startswith("Shortly after India’s Operation Sindoor")
    assert "lat" not in funeral["properties"]
    revalidated = run_cli("validate", str(out))
    assert revalidated.returncode == 0, revalidated.stderr


def test_export_applies_the_filter_and_counts_undated(tmp_path):
    out = tmp_path / "dadyal.geojson"
    result = run_cli("export", "geojson", "--out", str(out), "--from", "2025-11-01", "--to", "2025-12-31")
    assert result.returncode == 0, result.stderr
    assert [f["id"] for f in json.loads(out.read_text())["features"]] == ["mahjar-barducci-dadyal-jem-rally"]
    assert "; 5 undated events left out by the date filter." in result.stdout
    by_actor = tmp_path / "zaheer.geojson"
    run_cli("export", "geojson", "--out", str(by_actor), "--actor", "Naji Zaheer", "--type", "meeting", "--q", "doha")
    assert [f["id"] for f in json.loads(by_actor.read_text())["features"]] == ["mahjar-barducci-doha-meeting"]


def test_export_csv_round_trips_and_is_spreadsheet_safe(tmp_path):
    out = tmp_path / "all.csv"
    assert run_cli("export", "csv", "--out", str(out)).returncode == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 15
    assert all(not row[name].startswith(("=", "+", "-", "@")) for row in rows for name in row if name not in ("lat", "lon"))
    assert run_cli("validate", str(out)).returncode == 0


def test_a_bad_filter_is_a_usage_error_and_writes_nothing(tmp_path):
    out = tmp_path / "never.geojson"
    result = run_cli("export", "geojson", "--out", str(out), "--from", "notadate")
    assert result.returncode == 2
    assert "from: 'notadate' is not a date (use YYYY-MM-DD)" in result.stderr
    assert not out.exists()


def test_geocode_rejects_a_bad_hint_as_a_usage_error():
    result = run_cli("geocode", "Mirpur", "--country", "Atlantis")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "Atlantis" in result.stderr


def test_an_option_the_format_cannot_use_is_a_usage_error(tmp_path):
    out = tmp_path / "map.png"
    result = run_cli("export", "png", "--size", "banana", "--out", str(out))
    assert result.returncode == 2
    assert "size: 'banana'" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_type_matches_without_regard_to_case(tmp_path):
    out = tmp_path / "rally.geojson"
    result = run_cli("export", "geojson", "--out", str(out), "--type", "Rally", "--precision", "Town", "--country", "pakistan")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Wrote 1 of 15 events to {out}.\n" and result.stderr == ""
    assert [f["id"] for f in json.loads(out.read_text())["features"]] == ["mahjar-barducci-dadyal-jem-rally"]


def test_a_filter_that_matches_nothing_says_so_and_names_the_closest_values(tmp_path):
    out = tmp_path / "none.geojson"
    result = run_cli("export", "geojson", "--out", str(out), "--actor", "Zaheer")
    assert result.returncode == 0
    assert "warning: No event has actor “Zaheer”; the closest known: “Naji Zaheer”." in result.stderr
    assert f"warning: no events match this filter, so {out} shows none." in result.stderr
    assert result.stdout == f"Wrote 0 of 15 events to {out}.\n"
    assert json.loads(out.read_text())["features"] == []  # an empty view is still written
    nobody = run_cli("export", "geojson", "--out", str(out), "--actor", "Nobody", "--type", "ralley")
    assert "No event has actor “Nobody”, and none of the 26 actors the events have is close." in nobody.stderr
    assert "No event has type “ralley”; the closest known: “rally”." in nobody.stderr


def test_a_view_emptied_by_two_good_values_is_one_warning(tmp_path):
    out = tmp_path / "none.geojson"
    result = run_cli("export", "geojson", "--out", str(out), "--actor", "naji zaheer", "--type", "attack")
    assert result.stderr.splitlines() == [
        f"warning: no events match this filter, so {out} shows none. Filter: actor: Naji Zaheer; type: attack"]


def test_one_event_and_one_problem_read_in_the_singular(tmp_path, seed_doc):
    out = tmp_path / "one.geojson"
    result = run_cli("export", "geojson", "--out", str(out), "--from", "2025-11-29", "--to", "2025-11-29", "--no-context")
    assert result.stdout == f"Wrote 1 of 15 events to {out}; 2 undated events left out by the date filter.\n"
    result = run_cli("export", "geojson", "--out", str(out), "--from", "2025-11-29", "--type", "funeral")
    assert result.stdout == f"Wrote 0 of 15 events to {out}; 1 undated event left out by the date filter.\n"
    broken = json.loads(json.dumps(seed_doc))
    broken["features"][0]["properties"]["verification"] = "rumour"
    result = run_cli("validate", write_geojson(tmp_path / "one-bad.geojson", broken))
    assert result.stderr.splitlines()[-1] == "1 problem found."
