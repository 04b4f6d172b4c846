"""The filter: the date-precision rule, undated counting, each criterion and the URL round-trip."""

from __future__ import annotations

from datetime import date

import pytest

from geo.filters import Filter, FilterError, apply, closest, empty_choices, from_query, spelled_as_known, to_query
from geo.frame import to_frame
from geo.schema import validate_records
from tests.helpers import make_record


def frame(*records):
    return to_frame(validate_records(enumerate(records, 1), "test"))


@pytest.fixture(scope="module")
def events():
    return frame(
        make_record(id="day", date_start="2026-01-20", actors=[{"name": "Naji Zaheer", "role": "x"}]),
        make_record(id="month", date_start="2026-01", date_precision="month", event_type="meeting"),
        make_record(id="year", date_start="2025", date_precision="year", country="PK", context=True),
        make_record(id="window", date_start="2025-12-28", date_end="2026-01-03", date_precision="approximate"),
        make_record(id="undated", date_start="", date_precision="unknown", title="Funeral prayers"),
        make_record(id="unmapped", lat=None, lon=None, location_precision="unknown", date_start="2024-08", date_precision="month"),
    )


def ids(result) -> list[str]:
    return sorted(result.events["id"])


def test_no_filter_keeps_everything(events):
    result = apply(events, Filter())
    assert len(result.events) == len(events) and result.undated_excluded == 0


def test_a_month_matches_a_range_that_overlaps_it(events):
    assert "month" in ids(apply(events, Filter(date_from=date(2026, 1, 31), date_to=date(2026, 2, 15))))
    assert "month" in ids(apply(events, Filter(date_from=date(2025, 12, 1), date_to=date(2026, 1, 1))))
    assert "month" not in ids(apply(events, Filter(date_from=date(2026, 2, 1))))
    assert "month" not in ids(apply(events, Filter(date_to=date(2025, 12, 31))))


def test_a_year_and_an_approximate_window_match_by_overlap(events):
    result = apply(events, Filter(date_from=date(2025, 12, 30), date_to=date(2025, 12, 31)))
    assert ids(result) == ["window", "year"]
    assert ids(apply(events, Filter(date_from=date(2026, 1, 2), date_to=date(2026, 1, 2)))) == ["month", "window"]


def test_undated_events_are_left_out_by_a_date_filter_and_counted(events):
    result = apply(events, Filter(date_from=date(2000, 1, 1)))
    assert "undated" not in ids(result)
    assert result.undated_excluded == 1
    only_dated_types = apply(events, Filter(date_from=date(2000, 1, 1), types=("meeting",)))
    assert only_dated_types.undated_excluded == 0


def test_actor_type_country_text_precision_and_context(events):
    assert ids(apply(events, Filter(actors=("naji zaheer",)))) == ["day"]
    assert ids(apply(events, Filter(types=("meeting",)))) == ["month"]
    assert "unmapped" not in ids(apply(events, Filter(precision="town")))
    assert ids(apply(events, Filter(text="FUNERAL"))) == ["undated"]
    assert "year" not in ids(apply(events, Filter(include_context=False)))
    assert len(apply(events, Filter(countries=("pk",))).events) == len(events)
    assert len(apply(events, Filter(countries=("IN",))).events) == 0


def test_the_filter_round_trips_through_the_url():
    flt = Filter(
        date_from=date(2025, 11, 1),
        date_to=date(2025, 12, 31),
        actors=("Naji Zaheer", "JeM & LeT"),
        types=("rally", "conference"),
        countries=("PK",),
        text="Al-Aqsa “Flood”",
        precision="town",
        include_context=False,
    )
    query = to_query(flt)
    assert query.startswith("from=2025-11-01&to=2025-12-31&actor=Naji+Zaheer&actor=JeM+%26+LeT&type=rally")
    assert from_query(query) == flt
    assert from_query("?" + query) == flt
    assert to_query(Filter()) == ""
    assert from_query("") == Filter()


def test_query_keys_repeat_and_accept_mappings():
    flt = from_query({"actor": ["A", "B", "A"], "type": "rally", "from": "2025-01-01"})
    assert flt.actors == ("A", "B") and flt.types == ("rally",) and flt.date_from == date(2025, 1, 1)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=notadate", "from: 'notadate' is not a date (use YYYY-MM-DD)"),
        ("to=2025-02-30", "to: '2025-02-30' is not a date"),
        ("from=2025-02-01&to=2025-01-01", "to: 2025-01-01 is before from: 2025-02-01"),
        ("from=2025-01-01&from=2025-02-01", "from: given 2 times"),
        ("precision=street", "precision: 'street' is not one of"),
        ("colour=red", "colour: unknown filter key"),
        ("context=maybe", "context: 'maybe' must be 0 or 1"),
    ],
)
def test_bad_query_values_name_the_key(query, message):
    with pytest.raises(FilterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_query(query)


def test_describe_says_what_made_the_view():
    assert Filter().describe() == "Filter: none (all events)"
    text = from_query("from=2025-11-01&actor=Naji+Zaheer&context=0").describe()
    assert "2025-11-01" in text and "actor: Naji Zaheer" in text and "context events hidden" in text


def test_types_countries_and_precisions_match_without_regard_to_case(events):
    assert ids(apply(events, from_query("type=MEETING"))) == ["month"]
    assert ids(apply(events, Filter(types=("Meeting",)))) == ["month"]
    assert from_query("type=Rally&country=pk&precision=Town") == Filter(types=("rally",), countries=("PK",), precision="town")
    assert from_query("country=Pakistan&country=pak&country=586").countries == ("PK",)  # a name or a code, once
    assert ids(apply(events, from_query("actor=NAJI ZAHEER"))) == ["day"]


def test_a_value_no_event_has_is_reported_with_the_closest_known_ones(events):
    found = empty_choices(events, from_query("actor=Naji Zahir&type=meting&country=XX"))
    assert [(c.key, c.value, c.known) for c in found] == [("actor", "Naji Zahir", False), ("type", "meting", False),
                                                         ("country", "XX", False)]
    actor, kind, country = found
    assert actor.suggestions == ("Naji Zaheer",) and kind.suggestions == ("meeting",)
    assert country.suggestions == ("PK",)  # nothing close among few values: all of them
    assert str(actor) == "No event has actor “Naji Zahir”; the closest known: “Naji Zaheer”."
    assert empty_choices(events, from_query("actor=naji zaheer&type=RALLY")) == []


def test_a_known_value_that_adds_nothing_among_several_is_reported(events):
    flt = from_query("actor=Naji Zaheer&type=rally&type=meeting")  # Naji Zaheer's one event is a rally
    assert [str(c) for c in empty_choices(events, flt)] == ["No events for type “meeting” with the other filters."]
    assert empty_choices(events, from_query("actor=Naji Zaheer&type=meeting")) == []  # the empty view as a whole: the caller's


def test_closest_prefers_names_containing_the_value():
    known = ["Naji Zaheer", "Hafiz Abdul Rauf", "Jaish-e-Muhammad (JeM)", *(f"Group {i}" for i in range(10))]
    assert closest("zaheer", known) == ("Naji Zaheer",)
    assert closest("JeM", known) == ("Jaish-e-Muhammad (JeM)",)
    assert closest("Nobody", known) == ()
    assert closest("Nobody", ["A", "B"]) == ("A", "B")


def test_chosen_values_take_the_spelling_of_the_events(events):
    flt = spelled_as_known(from_query("actor=naji zaheer&actor=Nobody&type=MEETING"), events)
    assert flt.actors == ("Naji Zaheer", "Nobody") and flt.types == ("meeting",)
