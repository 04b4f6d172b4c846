"""The importers: ACLED's export mapped to the schema, and every malformed file rejected with its FILE:ROW:FIELD message."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random

import pytest

from geo import export as exporters
from geo import frame, ingest
from geo.importers import acled, detect_format, events_csv, read
from geo.schema import ValidationError
from tests.helpers import ROOT

DATA = ROOT / "tests" / "data"
SAMPLE = DATA / "acled_sample.csv"
MALFORMED = DATA / "malformed"


@pytest.fixture(scope="module")
def sample() -> dict[str, dict]:
    """The realistic ACLED sample, mapped and validated, by ACLED event id."""
    records = frame.to_records(ingest.load_file(SAMPLE, "acled"))
    return {r["id"].removeprefix("acled:"): r for r in records}


# --- ACLED mapping -------------------------------------------------------------------------


def test_every_sample_row_becomes_a_valid_event_with_a_stable_id(sample):
    assert sorted(sample) == sorted(
        ["PAK900101", "PAK900102", "PAK900103", "PAK900104", "PAK900105", "IND900201", "IND900202", "BGD900301", "AFG900401"]
    )
    assert all(r["id"] == f"acled:{key}" for key, r in sample.items())


def test_time_precision_1_is_the_day(sample):
    event = sample["PAK900101"]
    assert (event["date_start"], event["date_end"], event["date_precision"]) == ("2025-04-22", "", "day")


def test_time_precision_2_is_a_window_of_three_days_either_side_and_says_so(sample):
    event = sample["PAK900102"]  # 25 April 2025, time_precision 2
    assert (event["date_start"], event["date_end"], event["date_precision"]) == ("2025-04-22", "2025-04-28", "approximate")
    assert "time_precision 2" in event["date_note"] and "2025-04-25" in event["date_note"] and "±3 days" in event["date_note"]


def test_time_precision_3_is_the_month_not_a_week(sample):
    event = sample["PAK900103"]  # 15 March 2025, time_precision 3
    assert (event["date_start"], event["date_end"], event["date_precision"]) == ("2025-03", "", "month")
    assert "only the month is known" in event["date_note"] and "2025-03-15" in event["date_note"]
    assert "week" not in event["date_note"]


def test_iso_dates_are_read_as_well_as_acled_day_month_year(sample):
    assert sample["IND900201"]["date_start"] == "2025-05-05"  # written 2025-05-05 in the file


def test_geo_precision_maps_to_town_or_region_with_a_note(sample):
    town, near, region = sample["PAK900101"], sample["PAK900102"], sample["PAK900103"]
    assert town["location_precision"] == "town" and "geo_precision 1" in town["location_note"]
    assert near["location_precision"] == "region"
    assert "geo_precision 2" in near["location_note"] and "near Bannu" in near["location_note"]
    assert region["location_precision"] == "region" and "geo_precision 3" in region["location_note"]
    assert (town["lat"], town["lon"]) == (31.558, 74.3507)


def test_iso_numeric_codes_become_alpha_2(sample):
    assert {key: r["country"] for key, r in sample.items() if key[:3] != "PAK"} == {
        "IND900201": "IN", "IND900202": "IN", "BGD900301": "BD", "AFG900401": "AF",
    }  # fmt: skip


def test_disputed_regions_get_neutral_names_and_acled_names_stay_in_place_reported(sample):
    ajk, jk = sample["PAK900103"], sample["IND900201"]
    assert ajk["admin1"] == "Pakistan-administered Kashmir (Azad Jammu and Kashmir)"
    assert "Azad Kashmir" in ajk["place_reported"]
    assert jk["admin1"] == "Indian-administered Jammu and Kashmir"
    assert sample["PAK900101"]["admin1"] == "Punjab"


def test_actors_get_roles_from_inter_codes_and_associated_actors_are_split(sample):
    assert sample["PAK900101"]["actors"] == [
        {"name": "Protesters (Pakistan)", "role": "actor 1 (Protesters)"},  # numeric inter1 6
        {"name": "Traders (Pakistan)", "role": "associated with actor 1"},
        {"name": "Labour Group (Pakistan)", "role": "associated with actor 1"},
    ]
    assert sample["PAK900102"]["actors"] == [  # newer exports spell the type out
        {"name": "Military Forces of Pakistan (2024-)", "role": "actor 1 (State forces)"},
        {"name": "TTP: Tehreek-i-Taliban Pakistan", "role": "actor 2 (Rebel group)"},
    ]
    assert {"name": "Journalists (Bangladesh)", "role": "associated with actor 2"} in sample["BGD900301"]["actors"]


def test_each_named_source_is_cited_by_acled_which_holds_the_notes_as_excerpt(sample):
    event = sample["PAK900101"]
    acled_source, *reports = event["sources"]
    assert acled_source["publisher"] == "ACLED" and acled_source["title"] == "ACLED event PAK900101"
    assert acled_source["excerpt"] == event["description"]
    assert acled_source["date"] == "2025-04-29"  # the row's timestamp 1745900000
    assert [s["publisher"] for s in reports] == ["Daily Example", "Sample News Agency"]
    for source in reports:
        assert source["cited_by"] == acled_source["id"]
        assert source["excerpt"] == ""
        assert "known only through ACLED's notes" in source["kind"]
        assert source["url"] == "" and source["date"] == ""  # nothing invented
    assert event["claim"] == "Reported by Daily Example; Sample News Agency, as coded by ACLED"
    assert event["verification"] == "reported"


def test_event_types_fatalities_and_tags(sample):
    assert {key: r["event_type"] for key, r in sample.items()} == {
        "PAK900101": "protest", "PAK900102": "battle", "PAK900103": "strategic development", "PAK900104": "protest",
        "PAK900105": "protest", "IND900201": "riot", "IND900202": "explosion", "BGD900301": "violence against civilians",
        "AFG900401": "strategic development",
    }  # fmt: skip
    assert sample["PAK900102"]["fatalities"] == 3 and sample["PAK900102"]["fatalities_qualifier"] == ""
    assert sample["AFG900401"]["fatalities"] is None  # empty in the file: not known, not zero
    assert sample["PAK900101"]["tags"] == ["Peaceful protest", "Demonstrations", "crowd size=no report", "source scale: National"]
    assert "civilian targeting" in sample["BGD900301"]["tags"]


def test_multi_line_notes_with_quotes_survive(sample):
    assert sample["AFG900401"]["description"].startswith("On 10 June 2025, officials signed a trade agreement in Kabul.\n")
    assert '"reports said"' in sample["AFG900401"]["description"]


def test_a_row_without_coordinates_is_placed_only_on_a_clear_gazetteer_match(sample):
    placed = sample["PAK900104"]  # Dadyal, Azad Kashmir: one town of that name there
    assert (placed["lat"], placed["lon"], placed["location_precision"]) == (33.31222, 73.70346, "town")
    assert "ACLED gives no coordinates" in placed["location_note"] and "GeoNames" in placed["location_note"]
    unknown = sample["PAK900105"]  # no such town
    assert (unknown["lat"], unknown["lon"], unknown["location_precision"]) == (None, None, "unknown")
    assert "not mapped" in unknown["location_note"]


def test_an_unmapped_row_is_kept_with_a_warning():
    parsed = acled.read(SAMPLE)
    assert [str(w) for w in parsed.warnings] == [
        f"{SAMPLE}:9:location: no coordinates and the offline gazetteer has no town named 'Nowhere Kalan' in PK; kept unmapped"
    ]


def test_an_ambiguous_place_name_is_not_guessed():
    candidate, why = acled.geocode("Rampur", "IN")
    assert candidate is None and "towns named 'Rampur' in IN" in why


def test_utf16_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "acled_utf16.csv"
    path.write_bytes(SAMPLE.read_text(encoding="utf-8").encode("utf-16"))
    assert [r for _, r in read(path, "acled").rows] == [r for _, r in read(SAMPLE, "acled").rows]


def test_columns_acled_added_later_are_ignored(tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "acled_extra.csv"
    path.write_text(lines[0].rstrip("\n") + ",population_best\n" + lines[1].rstrip("\n") + ",12000\n", encoding="utf-8")
    assert [r["id"] for _, r in read(path, "acled").rows] == ["acled:PAK900101"]


def test_an_acled_export_is_recognised_by_its_header():
    assert detect_format(SAMPLE) == "acled"
    assert [r["id"] for _, r in read(SAMPLE).rows][:1] == ["acled:PAK900101"]


def test_own_schema_csv_points_acled_files_to_the_acled_format():
    with pytest.raises(ValidationError) as caught:
        read(SAMPLE, "csv")
    assert str(caught.value) == (
        f"{SAMPLE}:1:-: missing columns id, title; the header must name the schema fields "
        "(this looks like an ACLED export: use --format acled)"
    )


# --- every format into the store ------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    """A store the test names, with the shipped events in it."""
    store = ingest.open_store(tmp_path / "events.gpkg")
    ingest.add_shipped_events(store)
    return store


def test_own_schema_geojson_and_csv_import_into_the_store(tmp_path, store, seed_events):
    extra = frame.to_records(seed_events)[:3]
    for record in extra:
        record["id"] = f"copy-{record['id']}"
    geojson = exporters.WRITERS["geojson"](frame.to_frame(extra), tmp_path / "copy.geojson")
    csv_file = exporters.WRITERS["csv"](frame.to_frame([{**r, "id": f"csv-{r['id']}"} for r in extra]), tmp_path / "copy.csv")
    assert ingest.import_file(store, geojson).summary.added == tuple(r["id"] for r in extra)
    assert len(ingest.import_file(store, csv_file).summary.added) == 3
    assert ingest.import_file(store, ingest.SEED_FILE).summary.unchanged == tuple(seed_events["id"])
    stored = {r["id"]: r for r in frame.to_records(store.load())}
    assert {k: v for k, v in stored[extra[0]["id"]].items() if k != "id"} == {k: v for k, v in extra[0].items() if k != "id"}
    assert len(stored) == len(seed_events) + 6


def test_acled_rows_map_the_same_whatever_the_chunk_size(monkeypatch):
    """Rows are mapped a chunk at a time, remembering what each distinct value mapped to: chunks change nothing."""
    whole = acled.read(SAMPLE)
    monkeypatch.setattr(acled, "CHUNK_ROWS", 2)
    assert acled.read(SAMPLE) == whole


VARIED = DATA / "acled_varied.csv"
"""Synthetic ACLED rows with every kind of value and problem the reader and validation meet (bad codes and dates, a cell
too long, unmapped rows placed or not, a disputed region, a duplicate id, a point in another country, unicode)."""


def _outcome(path) -> str:
    """What the ACLED reader and ``ingest.check_file`` make of a file, as JSON text in the order they give it, the
    file's path as FILE."""
    found = acled.read(path)
    checked = ingest.check_file(path, "acled", skip_invalid=True)
    with pytest.raises(ValidationError) as refused:
        ingest.check_file(path, "acled")
    outcome = {"read": {"rows": found.rows, "problems": [str(p) for p in found.problems], "warnings": [str(p) for p in found.warnings]},
               "checked": {"records": checked.records, "skipped": [str(p) for p in checked.skipped],
                           "warnings": [str(p) for p in checked.warnings]}, "refused": str(refused.value)}
    return json.dumps(outcome, ensure_ascii=False, indent=0).replace(json.dumps(str(path))[1:-1], "FILE") + "\n"


@pytest.mark.parametrize("parser", ["pyarrow", "csv module"])
def test_a_varied_acled_export_gives_exactly_what_the_record_by_record_reader_and_validation_gave(monkeypatch, parser):
    """``acled_varied.expected.json`` was written by the reader and validation before they went column by column: the
    same records (fields in the same order), problems, warnings and messages, whichever parser read the cells."""
    if parser == "csv module":
        monkeypatch.setattr(events_csv, "plain_cells", lambda *args: None)
    assert _outcome(VARIED.resolve()) == (DATA / "acled_varied.expected.json").read_text(encoding="utf-8")


def _varied_acled(path, delimiter: str = ",", newline: str = "\n", blank_line: bool = False):
    """The sample's rows with multi-line quoted notes (\\n, \\r\\n and \\r), unicode, empty cells and two bad rows."""
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0] = {**rows[0], "notes": "First line;\nsecond, \"quoted\" line\r\nthird\rfourth", "admin2": ""}
    rows[1] = {**rows[1], "location": "Muzaffarābād ", "actor1": " Jammu ✓ Front (Pakistan)", "assoc_actor_1": "", "tags": ""}
    rows[2] = {**rows[2], "event_date": "31 February 2025", "notes": "two\n\nparagraphs"}
    rows[4] = {**rows[4], "fatalities": "many"}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=newline)
        writer.writerow(list(rows[0]))
        for number, row in enumerate(rows):
            writer.writerow(row.values())
            if blank_line and number == 1:
                handle.write(newline)
    return path


@pytest.mark.parametrize(("delimiter", "newline", "blank_line"), [(",", "\n", False), (";", "\r\n", False), (",", "\r\n", True)])
def test_acled_cells_parsed_by_pyarrow_are_the_csv_modules_with_the_same_line_numbers(tmp_path, monkeypatch, delimiter,
                                                                                     newline, blank_line):
    """pyarrow parses a plain export; the csv module one it would read otherwise (an empty line it would skip, not
    count): records, problems and their FILE:ROW:FIELD are the same either way, quoted line breaks counted."""
    path = _varied_acled(tmp_path / "varied.csv", delimiter, newline, blank_line)
    fast = acled.read(path)
    monkeypatch.setattr(events_csv, "plain_cells", lambda *args: None)
    assert acled.read(path) == fast
    shift = 1 if blank_line else 0
    assert [str(p) for p in fast.problems] == [
        f"{path}:{7 + shift}:event_date: not a date: '31 February 2025' (use e.g. 22 April 2025 or 2025-04-22)",
        f"{path}:{11 + shift}:fatalities: must be a whole number of 0 or more, not 'many'",
    ]
    assert [row for row, _ in fast.rows][:3] == [2, 6, 10 + shift]  # the first row's notes take lines 2-5
    assert fast.rows[1][1]["place_name"] == "Muzaffarābād" and fast.rows[1][1]["actors"][0]["name"] == "Jammu ✓ Front (Pakistan)"


def test_pyarrow_leaves_a_file_it_would_read_otherwise_to_the_csv_module():
    """A trailing empty line (pyarrow skips it), a short row, a quote left open: the csv module reads those."""
    text = SAMPLE.read_text(encoding="utf-8")
    header = next(csv.reader([text.split("\n", 1)[0]]))
    for tail, plain in (("", True), ("\n", False), ("x,y,z\n", False), ('x,"open\n', False)):
        assert (events_csv.plain_cells(text + tail, header, ",", [(0, "event_id_cnty")], 100) is not None) == plain, tail


def test_an_acled_row_with_several_problems_lists_them_in_column_order_after_good_rows(tmp_path):
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    bad = {**rows[0], "event_id_cnty": "", "timestamp": "soon", "event_type": "Parades", "geo_precision": "7", "actor1": "",
           "fatalities": "x"}
    path = tmp_path / "acled.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(rows[0]))
        for row in rows[:3]:
            writer.writerow(row.values())
        writer.writerow([*bad.values(), "extra"])
        writer.writerow(list(rows[3].values())[:-1])  # one cell short: the last column (timestamp) is empty
    found = acled.read(path)
    assert [str(p) for p in found.problems] == [f"{path}:5:{line}" for line in (
        "-: 1 more cell than header columns",
        "event_id_cnty: missing",
        "timestamp: not a Unix time in seconds: 'soon'",
        "event_type: 'Parades' is not an ACLED event type (battles, explosions/remote violence, protests, riots, "
        "strategic developments, violence against civilians)",
        "geo_precision: '7' is not an ACLED geo precision (1, 2 or 3)",
        "actor1: missing",
        "fatalities: must be a whole number of 0 or more, not 'x'",
    )]
    assert [row for row, _ in found.rows] == [2, 3, 4, 6]
    assert found.rows[-1][1]["sources"][0]["date"] == ""


# --- malformed files ----------------------------------------------------------------------------

MALFORMED_CASES = {
    "empty.csv": ["0:-: the file is empty"],
    "acled_header_only.csv": ["0:-: no events in the file"],
    "acled_missing_columns.csv": ["1:latitude, longitude: missing ACLED columns; is this an ACLED export?"],
    "acled_bad_dates.csv": [
        "2:event_date: not a date: '31 February 2025' (use e.g. 22 April 2025 or 2025-04-22)",
        "3:event_date: not a date: '04/22/2025' (use e.g. 22 April 2025 or 2025-04-22)",
        "4:year: 2024 does not match event_date '22 April 2025'",
        "5:event_date: missing",
    ],
    "acled_bad_coordinates.csv": [
        "2:latitude: not a number: '31,558'",
        "3:latitude: latitude 95.0 is out of range (-90 to 90)",
        "4:country: coordinates 31.558, 74.3507 lie in IN, PK, not BD",
        "5:longitude: missing (the other coordinate is given)",
    ],
    "acled_bad_codes.csv": [
        "2:time_precision: '4' is not an ACLED time precision (1, 2 or 3)",
        "3:geo_precision: '0' is not an ACLED geo precision (1, 2 or 3)",
        "4:event_type: 'Demonstrations' is not an ACLED event type "
        "(battles, explosions/remote violence, protests, riots, strategic developments, violence against civilians)",
        "5:iso: '999' is not an ISO 3166-1 numeric country code",
        "6:fatalities: must be a whole number of 0 or more, not 'about 3'",
    ],
    "acled_duplicate_ids.csv": ["4:event_id_cnty: duplicate id 'acled:PAK999001' (first at row 2)"],
    "events_bad_rows.csv": [
        "3:title: missing",
        "4:date_start: not a valid date: '2025-13-05' (use YYYY-MM-DD, YYYY-MM or YYYY)",
        "4:sources: must be a list (in CSV, a JSON list)",
    ],
    "invalid_json.geojson": ["2:-: not valid JSON: Expecting property name enclosed in double quotes (line 2, column 66)"],
    "not_a_feature_collection.geojson": ["0:-: not a GeoJSON FeatureCollection"],
    "polygon.geojson": ["1:geometry: only Point geometries (or null) are supported, not Polygon"],
}


def _generated(tmp_path, name: str):
    """Malformed files too big or too binary to keep in the repository."""
    text = SAMPLE.read_text(encoding="utf-8")
    path = tmp_path / name
    if name == "acled_latin1.csv":
        path.write_bytes(text.replace("Lahore City", "Lahore Cité").encode("latin-1"))
    elif name == "binary_junk.csv":
        path.write_bytes(random.Random(5).randbytes(4096))
    elif name == "acled_10mb_field.csv":
        first = next(csv.DictReader(io.StringIO(text)))
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(first))
            writer.writeheader()
            writer.writerow({**first, "notes": "x" * 10_000_000})
    return path


GENERATED_CASES = {
    "acled_latin1.csv": ["2:-: is not UTF-8 text (bad byte 0xe9; it may be Latin-1 or Windows-1252); save it as UTF-8"],
    "binary_junk.csv": ["0:-: looks like a binary file (it contains NUL bytes), not text"],
    "acled_10mb_field.csv": ["2:notes: 10000000 characters; the longest accepted is 20000"],
}


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(MALFORMED_CASES) + sorted(GENERATED_CASES))
def test_a_malformed_file_is_rejected_with_its_messages_and_the_store_is_untouched(tmp_path, store, name):
    path = MALFORMED / name if name in MALFORMED_CASES else _generated(tmp_path, name)
    expected = MALFORMED_CASES.get(name) or GENERATED_CASES[name]
    before, revision = _digest(store.path), store.revision()
    with pytest.raises(ValidationError) as caught:
        ingest.import_file(store, path, "acled" if name.startswith("acled") else None)
    assert str(caught.value).splitlines() == [f"{path}:{line}" for line in expected]
    assert _digest(store.path) == before and store.revision() == revision


def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(store):
    report = ingest.import_file(store, MALFORMED / "acled_bad_codes.csv", "acled", skip_invalid=True)
    assert report.summary.added == ("acled:PAK999006",)
    assert report.skipped_rows == [2, 3, 4, 5, 6]
    assert store.get("acled:PAK999006") is not None and store.get("acled:PAK999001") is None


def test_skip_invalid_still_rejects_a_file_that_cannot_be_read(store):
    before = _digest(store.path)
    with pytest.raises(ValidationError, match="not a GeoJSON FeatureCollection"):
        ingest.import_file(store, MALFORMED / "not_a_feature_collection.geojson", skip_invalid=True)
    assert _digest(store.path) == before


def test_the_sample_validates_through_the_cli_as_well(tmp_path):
    from tests.helpers import run_cli

    result = run_cli("validate", str(SAMPLE), "--format", "acled")
    assert result.returncode == 0, result.stderr
    assert "9 events valid (8 mapped, 1 unmapped)" in result.stdout


def test_a_stored_acled_event_keeps_every_mapped_field(store, sample):
    ingest.import_file(store, SAMPLE, "acled")
    assert json.dumps(store.get("acled:PAK900102"), sort_keys=True) == json.dumps(sample["PAK900102"], sort_keys=True)


def test_a_semicolon_spreadsheet_with_spaced_headers_reads_like_the_comma_one(tmp_path, seed_events):
    import csv
    import io

    from geo.export import csv_text

    rows = list(csv.reader(io.StringIO(csv_text(seed_events))))
    rows[0] = [f" {name} " for name in rows[0]]
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    path = tmp_path / "excel.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert [r for _, r in read(path).rows] == [r for _, r in read(_comma_copy(tmp_path, seed_events)).rows]


def _comma_copy(tmp_path, seed_events):
    from geo.export import write_csv

    return write_csv(seed_events, tmp_path / "comma.csv")


def test_geojson_lists_flattened_to_json_text_are_read_back(tmp_path):
    from geo.ingest import SEED_FILE

    doc = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    for feature in doc["features"]:
        for name in ("actors", "sources", "tags"):
            feature["properties"][name] = json.dumps(feature["properties"][name])
    path = tmp_path / "flattened.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert [r for _, r in read(path).rows] == [r for _, r in read(SEED_FILE).rows]
