"""Shared labels and colours read the same in every view."""

from __future__ import annotations

from geo import style, wording
from geo.schema import EVENT_TYPES


def test_known_types_keep_their_colour_whatever_else_is_shown():
    alone = style.category_colours(["rally"])
    mixed = style.category_colours(["rally", "meeting", "killing", "zzz"])
    assert alone["rally"] == mixed["rally"]


def test_no_two_categories_share_a_colour():
    colours = style.category_colours([*EVENT_TYPES, "killing", "abduction", "arrest"])
    assert len(set(colours.values())) == len(colours)
    actors = style.category_colours([f"group {i}" for i in range(20)], known=())
    assert len(set(actors.values())) == 20


def test_date_labels_carry_their_precision():
    assert wording.date_label({"date_start": "2026-01", "date_precision": "month"}) == "January 2026 (month)"
    assert wording.date_label({"date_start": "2025-04-22", "date_precision": "day"}) == "22 April 2025 (day)"
    assert wording.date_label({"date_start": "2008", "date_precision": "year"}) == "2008 (year)"
    window = {"date_start": "2025-04-19", "date_end": "2025-04-25", "date_precision": "approximate"}
    assert wording.date_label(window) == "around 19 April 2025 – 25 April 2025 (approximate)"
    assert wording.date_label({"date_start": "", "date_precision": "unknown"}) == "date unknown"


def test_place_labels_carry_their_precision():
    record = {"place_name": "Dadyal", "admin1": "Pakistan-administered Kashmir (Azad Jammu and Kashmir)", "country": "PK",
              "location_precision": "town"}
    assert wording.place_label(record) == "Dadyal, Pakistan-administered Kashmir (Azad Jammu and Kashmir), Pakistan (town)"
    assert wording.place_label({"location_precision": "unknown"}) == "place unknown (not mapped)"
    assert wording.fatalities_label({"fatalities": 30, "fatalities_qualifier": "around"}) == "around 30 (as reported)"
    assert wording.fatalities_label({"fatalities": None}) == ""


def test_counts_read_as_english_in_the_singular_and_the_plural():
    assert wording.plural(1, "problem") == "1 problem" and wording.plural(2, "problem") == "2 problems"
    assert wording.plural(1, "country", "countries") == "1 country" and wording.plural(1_500, "event") == "1,500 events"
    assert wording.shown_of_total(1, 1) == "1 of 1 event" and wording.shown_of_total(0, 15) == "0 of 15 events"
    assert wording.undated_left_out(1) == "1 undated event left out by the date filter"
    assert wording.undated_note(1) == "1 event has no known date; a date range leaves it out"
    assert wording.undated_note(3) == "3 events have no known date; a date range leaves them out"
    assert wording.coarse_dates_note({"month": 1}) == "1 event dated only to the month: a date range keeps an event when its " \
                                                      "period overlaps the range"
    assert wording.coarse_dates_note({"day": 4, "unknown": 2}) == ""


def test_counts_say_what_each_filter_left_out():
    assert wording.shown_of_total(3, 15, unmapped_excluded=7) == "3 of 15 events; 7 with no map point left out"
    assert wording.shown_of_total(3, 15, undated_excluded=1, unmapped_excluded=2) == (
        "3 of 15 events; 1 undated left out, 2 with no map point left out")
    assert wording.phrase("unmapped_left_out", 1) == "1 event with no map point left out by the place filter"
    assert wording.phrase("unmapped_left_out", 1200) == "1,200 events with no map point left out by the place filter"
