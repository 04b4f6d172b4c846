"""The event schema: every validation rule, with FILE:ROW:FIELD messages."""

from __future__ import annotations

from datetime import date

import pytest

from geo.schema import FIELDS, Problem, ValidationError, event_interval, period_bounds, validate_records
from tests.helpers import make_record


def problems_of(*records, country_check=None) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate_records(enumerate(records, 1), "events.geojson", country_check)
    return [str(p) for p in caught.value.problems]


def test_a_valid_record_passes_and_is_cleaned():
    [clean] = validate_records([(1, make_record(title="  Spaced  ", country="pk"))], "f")
    assert clean["title"] == "Spaced"
    assert clean["country"] == "PK"
    assert list(clean) == list(FIELDS)


def test_clean_records_given_away_are_returned_as_they_are_and_the_others_copied():
    """A reader's records (``given``) that the checks keep as they are come back themselves, not copied; a caller's
    records are always copied, and a given one the checks change (a title to strip, an int latitude) is too."""
    first, second = make_record(id="a"), make_record(id="b")
    first, second = ({name: record[name] for name in FIELDS} for record in (first, second))  # the fields in order
    assert all(a is b for a, b in zip(validate_records([(1, first), (2, second)], "f", given=True), (first, second), strict=True))
    kept = validate_records([(1, first)], "f")[0]
    assert kept == first and kept is not first
    for change in ({"title": " padded "}, {"lat": int(first["lat"])}):
        changed = {**first, **change}
        [clean] = validate_records([(1, changed)], "f", given=True)
        assert clean is not changed and list(clean) == list(FIELDS)
        assert clean["title"] == changed["title"].strip() and type(clean["lat"]) is float
    reordered = dict(reversed(first.items()))
    [clean] = validate_records([(1, reordered)], "f", given=True)
    assert clean is not reordered and list(clean) == list(FIELDS)


def test_problem_prints_file_row_field():
    assert str(Problem("a.csv", 7, "lat", "out of range")) == "a.csv:7:lat: out of range"


@pytest.mark.parametrize("field", ["id", "title", "event_type", "claim", "verification", "date_precision", "location_precision"])
def test_missing_required_field(field):
    assert f"events.geojson:1:{field}: missing" in problems_of(make_record(**{field: ""}))


def test_unknown_field():
    assert "events.geojson:1:colour: unknown field" in problems_of(make_record(colour="red"))


def test_bad_dates():
    assert problems_of(make_record(date_start="2025-02-30")) == [
        "events.geojson:1:date_start: not a valid date: '2025-02-30' (use YYYY-MM-DD, YYYY-MM or YYYY)"
    ]
    assert "does not match precision 'day'" in problems_of(make_record(date_start="2025-02"))[0]
    assert "does not match precision 'month'" in problems_of(make_record(date_start="29 Nov 2025", date_precision="month"))[0]
    assert problems_of(make_record(date_start="", date_precision="day"))[0].startswith("events.geojson:1:date_start: missing")
    assert "'unknown'" in problems_of(make_record(date_precision="unknown"))[0]


def test_end_before_start():
    assert problems_of(make_record(date_end="2025-11-01")) == [
        "events.geojson:1:date_end: 2025-11-01 is before date_start 2025-11-29"
    ]


def test_month_end_may_share_the_start_month():
    [clean] = validate_records([(1, make_record(date_start="2025-11", date_end="2025-11", date_precision="month"))], "f")
    assert clean["date_end"] == "2025-11"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"lat": 91}, "events.geojson:1:lat: latitude 91.0 is out of range (-90 to 90)"),
        ({"lon": -181}, "events.geojson:1:lon: longitude -181.0 is out of range (-180 to 180)"),
        ({"lat": "north"}, "events.geojson:1:lat: latitude is not a number: 'north'"),
        ({"lat": None}, "events.geojson:1:lat: latitude missing (the other coordinate is given)"),
        ({"lat": float("nan")}, "events.geojson:1:lat: latitude is not a number: nan"),
    ],
)
def test_bad_coordinates(changes, expected):
    assert expected in problems_of(make_record(**changes))


def test_coordinates_must_match_the_named_country():
    found = problems_of(make_record(country="IN"), country_check=lambda lat, lon: {"PK"})
    assert found == ["events.geojson:1:country: coordinates 33.31222, 73.70346 lie in PK, not IN"]


def test_coordinates_need_a_precision_and_unmapped_events_say_unknown():
    assert "'unknown' but coordinates are given" in problems_of(make_record(location_precision="unknown"))[0]
    unmapped = make_record(lat=None, lon=None)
    assert "there are no coordinates" in problems_of(unmapped)[0]
    [clean] = validate_records([(1, make_record(lat=None, lon=None, location_precision="unknown"))], "f")
    assert clean["lat"] is None and clean["lon"] is None


def test_duplicate_ids_name_the_first_row():
    found = problems_of(make_record(), make_record())
    assert found == ["events.geojson:2:id: duplicate id 'test-1' (first at row 1)"]


def test_an_event_needs_a_source_with_an_excerpt():
    assert "events.geojson:1:sources: missing" in problems_of(make_record(sources=[]))
    source = dict(make_record()["sources"][0], excerpt="")
    assert problems_of(make_record(sources=[source]))[0].startswith("events.geojson:1:sources[1].excerpt: missing")
    cited = dict(source, id="s2", publisher="Wire", cited_by="s1")
    [clean] = validate_records([(1, make_record(sources=[make_record()["sources"][0], cited]))], "f")
    assert clean["sources"][1]["excerpt"] == ""


def test_sources_only_link_http_and_cite_known_sources():
    source = dict(make_record()["sources"][0], url="javascript:alert(1)")
    assert "only http(s) URLs are allowed" in problems_of(make_record(sources=[source]))[0]
    cited = dict(make_record()["sources"][0], id="s2", cited_by="nope")
    assert "events.geojson:1:sources[1].cited_by: no source with id 'nope' in this event" in problems_of(make_record(sources=[cited]))


def test_vocabularies_and_types():
    assert "'maybe' is not one of" in problems_of(make_record(verification="maybe"))[0]
    assert "must be lowercase" in problems_of(make_record(event_type="Rally"))[0]
    assert "must be text, not int" in problems_of(make_record(title=5))[0]
    assert "must be a list" in problems_of(make_record(actors="Group A"))[0]
    assert "events.geojson:1:actors[1].name: missing" in problems_of(make_record(actors=[{"role": "x"}]))
    assert "must be a whole number" in problems_of(make_record(fatalities=-1))[0]
    assert "given without a fatalities figure" in problems_of(make_record(fatalities_qualifier="around"))[0]


def test_every_problem_is_reported_not_just_the_first():
    found = problems_of(make_record(lat=100, verification="x"), make_record(id="test-2", title=""))
    assert sorted(p.split(":")[1:3] for p in found) == [["1", "lat"], ["1", "verification"], ["2", "title"]]


def test_periods_and_intervals():
    assert period_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert period_bounds("2008") == (date(2008, 1, 1), date(2008, 12, 31))
    with pytest.raises(ValueError):
        period_bounds("2024-13")
    assert event_interval({"date_start": "2026-01", "date_precision": "month"}) == (date(2026, 1, 1), date(2026, 1, 31))
    assert event_interval({"date_start": "", "date_precision": "unknown"}) is None
    assert event_interval({"date_start": "2025-01-01", "date_end": "2025-02", "date_precision": "approximate"}) == (
        date(2025, 1, 1),
        date(2025, 2, 28),
    )


# --- column-wise validation: the same problems and the same clean records as record by record -----------------------

def _near(lat: float, lon: float) -> set[str]:
    """A country check for the tests: Pakistan north of 30°N, India south of it."""
    return {"PK"} if lat >= 30 else {"IN"}


_SOURCE = make_record()["sources"][0]
_BAD = {
    "title not text": {"title": 5},
    "title too long": {"title": "x" * 20_001},
    "NUL in a note": {"date_note": "a\x00b"},
    "id": {"id": "bad id!"},
    "event type case": {"event_type": "Rally"},
    "vocabulary": {"verification": "confirmed"},
    "impossible date": {"date_start": "2025-02-30"},
    "date against precision": {"date_precision": "month"},
    "end before start": {"date_end": "2025-11-01"},
    "date with unknown precision": {"date_precision": "unknown"},
    "country code": {"country": "PAK"},
    "point in another country": {"lat": 20.0},
    "latitude text": {"lat": "north"},
    "latitude true": {"lat": True},
    "latitude out of range": {"lat": 95},
    "one coordinate": {"lon": None},
    "precision without point": {"lat": None, "lon": None},
    "fatalities negative": {"fatalities": -1},
    "fatalities fraction": {"fatalities": 2.5},
    "fatalities true": {"fatalities": True},
    "qualifier alone": {"fatalities_qualifier": "around"},
    "actors not a list": {"actors": "Group A"},
    "actor without name": {"actors": [{"role": "organiser"}]},
    "actor unknown key": {"actors": [{"name": "A", "rank": "1"}]},
    "actor not an object": {"actors": [5]},
    "actor name padded": {"actors": [{"name": " A ", "role": 7}]},
    "no sources": {"sources": []},
    "source without excerpt": {"sources": [{**_SOURCE, "excerpt": ""}]},
    "source url": {"sources": [{**_SOURCE, "url": "javascript:alert(1)"}]},
    "source date": {"sources": [{**_SOURCE, "date": "2025-13"}]},
    "source cited by nobody": {"sources": [{**_SOURCE, "cited_by": "s9"}]},
    "source ids twice": {"sources": [_SOURCE, _SOURCE]},
    "tags": {"tags": [1]},
    "context": {"context": "yes"},
    "unknown field": {"colour": "red"},
}


@pytest.mark.parametrize("change", list(_BAD.values()), ids=list(_BAD))
def test_a_bad_row_among_good_ones_gets_the_problems_it_gets_alone(change):
    """The column checks must flag the bad row (else it would pass unreported); its problems are worded as alone."""
    from geo.schema import _validate_record

    bad = make_record(id="bad-1", **change) if "id" not in change else make_record(**change)
    alone = [str(p) for p in _validate_record(bad, "events.csv", 3, _near)[1]]
    assert alone, "the change must be invalid"
    rows = [(2, make_record(id="good-1")), (3, bad), (4, make_record(id="good-2"))]
    with pytest.raises(ValidationError) as caught:
        validate_records(rows, "events.csv", _near)
    assert [str(p) for p in caught.value.problems] == alone


def test_problems_in_several_rows_and_columns_come_in_row_order_with_duplicates():
    rows = [(2, make_record(id="a")), (5, make_record(id="b", lat="x")), (6, make_record(id="a")),
            (9, make_record(id="c", event_type="Riot", fatalities="many"))]
    with pytest.raises(ValidationError) as caught:
        validate_records(rows, "f.csv", _near)
    assert [str(p) for p in caught.value.problems] == [
        "f.csv:5:lat: latitude is not a number: 'x'",
        "f.csv:6:id: duplicate id 'a' (first at row 2)",
        "f.csv:9:event_type: must be lowercase: 'Riot'",
        "f.csv:9:fatalities: must be a whole number of 0 or more, not 'many'",
    ]


def test_valid_records_come_out_as_record_by_record_cleaning_makes_them():
    """Whitespace, case, numbers as text, -0.0, whole-number floats, None for lists: the same clean record either way."""
    from geo.schema import _validate_record

    shared_actors = [{"name": "Group A", "role": "organiser"}]
    raws = [
        make_record(id="r1", title="  Padded  ", country="pk", lat="33.5", lon="73.25", fatalities="3", actors=shared_actors),
        make_record(id="r2", lat=33.0, lon=-0.0, country="PK", fatalities=4.0, fatalities_qualifier="around", actors=shared_actors),
        make_record(id="r3", lat=None, lon="", location_precision="unknown", tags=None, actors=None, context=None,
                    date_start="", date_precision="unknown", country=""),
        make_record(id="r4", lat=33, lon=73, actors=[{"name": " Group B ", "role": None}], tags=[" a ", "", "b"],
                    sources=[{k: v for k, v in _SOURCE.items() if k != "author"}]),
        make_record(id="r5", date_start="2025-11", date_end="2025-12", date_precision="month", place_name=None),
    ]
    clean = validate_records(list(enumerate(raws, 1)), "f", _near)
    expected = [_validate_record(raw, "f", row, _near)[0] for row, raw in enumerate(raws, 1)]
    assert clean == expected
    assert [list(record) for record in clean] == [list(FIELDS)] * len(raws)
    assert [type(record["fatalities"]) for record in clean] == [int, int, type(None), type(None), type(None)]
    assert str(clean[1]["lon"]) == "-0.0"
    assert clean[3]["actors"] == [{"name": "Group B", "role": ""}]
