"""The app's pure helpers: counts, choices, rows, areas, source cards, URL state, form records, duplicates."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import shapely

from geo import duplicates, filters, frame, ingest
from geo.app import form as entry
from geo.app import views
from tests.helpers import make_record

DADYAL = "mahjar-barducci-dadyal-jem-rally"


def _record(seed_events, event_id):
    return next(r for r in frame.to_records(seed_events) if r["id"] == event_id)


def test_counts_text_names_unmapped_context_and_undated(seed_events):
    result = filters.apply(seed_events, filters.from_query("from=2025-11-01&to=2025-12-31"))
    assert views.counts_text(len(seed_events), result.events, result.undated_excluded) == "1 of 15 events; 5 undated left out"
    assert views.counts_text(15, seed_events, 0) == "15 of 15 events; 7 unmapped, 7 context"
    near = filters.apply(seed_events, filters.from_query("near=33.3,73.7,100"))
    assert views.counts_text(15, near.events, near.undated_excluded, near.unmapped_excluded) == (
        "3 of 15 events; 7 with no map point left out")


def test_date_note_explains_coarse_and_undated_dates(seed_events):
    note = views.date_note(seed_events, filters.Filter(), 0)
    assert note == ("2 events dated only to the month, 2 dated only to the year: a date range keeps an event when its period "
                    "overlaps the range. 5 events have no known date; a date range leaves them out.")
    flt = filters.from_query("from=2025-01-01")
    result = filters.apply(seed_events, flt)
    assert views.date_note(result.events, flt, result.undated_excluded).endswith("5 undated events left out by the date filter.")


def test_date_note_counts_in_the_singular(seed_events):
    one_month = seed_events[seed_events["id"] == "mahjar-barducci-doha-meeting"]
    assert views.date_note(one_month, filters.Filter(), 0).startswith("1 event dated only to the month: a date range keeps")
    undated = seed_events[seed_events["id"] == "mahjar-barducci-rauf-funeral-prayers"]
    assert views.date_note(undated, filters.Filter(), 0) == "1 event has no known date; a date range leaves it out."
    assert views.date_note(seed_events.iloc[:0], filters.from_query("from=2025-01-01"), 1) == \
        "1 undated event left out by the date filter."


def test_actor_counts_most_frequent_first(seed_events):
    counts = dict(views.actor_counts(seed_events))
    assert counts["Naji Zaheer"] == 3 and counts["Hafiz Abdul Rauf"] == 3
    assert views.actor_counts(seed_events)[0][1] == 3
    assert dict(views.value_counts(seed_events, "country")) == {"PK": 5, "IN": 2, "IR": 1, "QA": 1}


def test_problem_notes_give_one_note_per_cause(seed_events):
    flt = filters.Filter(actors=("Naji Zaheer",), types=("attack", "meeting"))
    shown = filters.apply(seed_events, flt).events
    assert views.problem_notes(seed_events, shown, flt) == ["No events for type “attack” with the other filters."]
    flt = filters.Filter(actors=("Naji Zaheer",), types=("attack",))  # each value exists; together they leave nothing
    assert views.problem_notes(seed_events, seed_events.iloc[:0], flt) == [
        "No events match this filter. Filter: actor: Naji Zaheer; type: attack"]
    flt = filters.Filter(actors=("Nobody",))
    assert views.problem_notes(seed_events, seed_events.iloc[:0], flt) == [
        "No event has actor “Nobody”, and none of the 26 actors the events have is close."]
    assert views.problem_notes(seed_events, seed_events, filters.Filter()) == []


def test_an_empty_store_says_how_to_fill_it():
    note = views.empty_store_note("/data/my events.gpkg", named=True)
    assert "` .venv/bin/incident-map import --shipped-events --store '/data/my events.gpkg' `" in note
    assert "` .venv/bin/incident-map import FILE --store '/data/my events.gpkg' `" in note
    assert "template csv --out my-events.csv" in note and "form below" in note
    assert "--store" not in views.empty_store_note("/home/me/.local/share/incident-map/events.gpkg", named=False)
    assert views.code("a`b") == "`` a`b ``" and views.code("x\ny") == "` x y `"


def test_ordered_puts_undated_last_and_table_shows_precision(seed_events):
    ordered = views.ordered(seed_events)
    assert list(ordered["date_start"][:2]) == ["2008", "2010"]
    assert ordered["day_min"].iloc[-5:].isna().all()
    rows = views.table_rows(ordered, limit=3)
    assert list(rows["Date"]) == ["2008 (year)", "2010 (year)", "August 2024 (month)"]
    assert rows["Title"][0].endswith("(context)")


def test_the_areas_a_reader_can_choose_and_draw(seed_events):
    from geo import areas

    names = areas.admin1_names(seed_events)
    chosen = views.area_counts(names)
    assert ("Pakistan-administered Kashmir (Azad Jammu and Kashmir)", 3) in chosen
    assert all(name not in (areas.NO_POINT, areas.OUTSIDE_AREAS) for name, _ in chosen)
    assert [count for _, count in chosen] == sorted((count for _, count in chosen), reverse=True)
    near, within = views.drawn_area({"near": [33.3, 73.7, 25]})
    assert near == filters.Near(33.3, 73.7, 25.0) and within is None
    assert views.drawn_area_text(near, None) == "Area drawn on the map: within 25.0 km of 33.3000, 73.7000."
    ring = [[73.0, 33.0], [74.0, 33.0], [74.0, 34.0], [73.0, 33.0]]
    near, within = views.drawn_area({"within": {"type": "Polygon", "coordinates": [ring]}})
    assert near is None and within.contains(shapely.Point(73.8, 33.2))
    assert views.drawn_area(None) == (None, None) and views.drawn_area_text(None, None) == ""

def test_unmapped_rows_list_every_unmapped_event(seed_events):
    rows = views.unmapped_rows(seed_events)
    assert len(rows) == 7 and "October 7 attack (context)" in set(rows["Title"])


def test_source_card_has_everything_and_escapes_markdown(seed_events):
    card = views.source_card(_record(seed_events, DADYAL))
    for text in ("Dadyal", "29 November 2025", "town", "Masood Ilyas Kashmiri", "Verification", "“On November 29, 2025"):
        assert text in card
    hostile = make_record(title="<script>alert(1)</script> **bold** :red[x] $x$",
                          sources=[{"id": "s1", "publisher": "[click](javascript:alert(1))", "author": "", "title": "", "url": "",
                                    "date": "", "excerpt": "<img src=x onerror=alert(1)>", "cited_by": "", "kind": ""}])
    card = views.source_card(hostile)
    assert not re.search(r"(?<!\\)<", card) and "](javascript" not in card
    assert r"\*\*bold\*\*" in card and r"\:red\[x\]" in card and r"\$x\$" in card


def test_a_cited_source_without_its_own_excerpt_has_no_empty_quote():
    sources = [{"id": "s1", "publisher": "Wire", "excerpt": "Wire says X."}, {"id": "s2", "publisher": "Local paper", "cited_by": "s1"}]
    card = views.source_card(make_record(sources=sources))
    assert "Local paper, as cited by Wire" in card.replace("\\", "") and "“”" not in card


def test_links_only_for_http_urls():
    assert views.safe_url("javascript:alert(1)") is None
    assert views.safe_url("https://example.org/a (b)") is None
    assert views.safe_url("https://example.org/a(b)") == "https://example.org/a%28b%29"
    source = {"id": "s1", "publisher": "P", "url": "https://example.org/x", "excerpt": "E"}
    assert "[link](https://example.org/x)" in views.source_card(make_record(sources=[source]))


def test_parse_view_keeps_good_keys_and_reports_bad_ones():
    flt, problems, view = views.parse_view({"from": "notadate", "to": "2025-12-31", "actor": ["A", "B"], "mode": "screenshot"})
    assert problems == ["from: 'notadate' is not a date (use YYYY-MM-DD)"]
    assert flt == filters.Filter(date_to=pd.Timestamp("2025-12-31").date(), actors=("A", "B"))
    assert view == {"mode": "screenshot"}
    flt, problems, _ = views.parse_view({"colour": "red"})
    assert flt == filters.Filter() and problems[0].startswith("colour:")
    flt, problems, _ = views.parse_view({"admin1": ["Sindh", "Atlantis"], "near": "33.3,73.7,5", "within": "not-a-polygon"})
    assert flt == filters.Filter(near=filters.Near(33.3, 73.7, 5.0))
    assert [p.split(":")[0] for p in problems] == ["within", "admin1"]  # each bad key dropped, the good one kept


def test_url_params_round_trip():
    flt = filters.Filter(actors=("A", "B"), text="rally", include_context=False)
    params = views.url_params(flt, {"mode": "screenshot"})
    assert params == {"actor": ["A", "B"], "q": ["rally"], "context": ["0"], "mode": ["screenshot"]}
    assert views.parse_view(params)[0] == flt
    drawn = filters.Filter(near=filters.Near(33.3, 73.7, 5.0), within=shapely.box(73, 33, 74, 34), admin1=("AJK", "Sindh"))
    params = views.url_params(drawn, {})
    assert params["admin1"] == ["Pakistan-administered Kashmir (Azad Jammu and Kashmir)", "Sind"] and len(params["within"]) == 1
    assert views.parse_view(params)[0] == drawn


def test_form_values_round_trip_every_seed_event(seed_events):
    for record in frame.to_records(seed_events):
        clean, problems = ingest.check_record(entry.build_record(entry.form_values(record), record))
        assert problems == [] and clean == record


def test_build_record_from_a_new_form():
    values = {"title": "Rally in Dadyal", "event_type": "rally", "date_precision": "month", "date_start": "2026-01",
              "actors_text": "Group A | organiser\nGroup B", "tags_text": "a, b", "claim": "Reported by X",
              "verification": "reported", "location_precision": "town",
              "candidate": {"name": "Dayal", "admin1": "AJK", "country": "PK", "lat": 33.31222, "lon": 73.70346},
              "sources": [{"publisher": "X", "excerpt": "A rally."}]}
    clean, problems = ingest.check_record(entry.build_record(values))
    assert problems == []
    assert clean["id"].startswith("app-rally-in-dadyal-")
    assert clean["actors"] == [{"name": "Group A", "role": "organiser"}, {"name": "Group B", "role": ""}]
    assert clean["sources"][0]["id"] == "s1" and clean["tags"] == ["a", "b"]


def test_check_requires_a_source_excerpt():
    values = {"title": "T", "event_type": "rally", "date_precision": "unknown", "claim": "c", "verification": "reported",
              "sources": [{"publisher": "X", "excerpt": ""}]}
    _, problems = ingest.check_record(entry.build_record(values))
    assert any(p.startswith("sources[1].excerpt: missing") for p in problems)
    _, problems = ingest.check_record(entry.build_record({**values, "sources": []}))
    assert "sources: missing" in problems


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, True),
        ({"date_start": "2025-11-30"}, True),
        ({"date_start": "2025-12-01"}, False),
        ({"lat": 33.31222 + 0.04}, True),  # about 4.4 km north
        ({"lat": 33.31222 + 0.05}, False),  # about 5.6 km north
        ({"actors": [{"name": "jaish-e-muhammad (jem)", "role": ""}]}, True),
        ({"actors": [{"name": "Someone else", "role": ""}]}, False),
        ({"date_precision": "unknown", "date_start": ""}, False),
        ({"lat": None, "lon": None}, False),
    ],
)
def test_likely_duplicates(seed_events, changes, expected):
    record = make_record(id="new", actors=[{"name": "Jaish-e-Muhammad (JeM)", "role": ""}], lat=33.31222, lon=73.70346)
    found = duplicates.likely_duplicates({**record, **changes}, seed_events)
    assert (DADYAL in set(found["id"])) is expected


def test_an_event_is_not_its_own_duplicate(seed_events):
    assert duplicates.likely_duplicates(_record(seed_events, DADYAL), seed_events).empty
