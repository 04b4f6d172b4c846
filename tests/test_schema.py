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
