"""The filter: the date-precision rule, undated counting, each criterion and the URL round-trip."""

from __future__ import annotations

from datetime import date

import pytest

from geo.filters import Filter, FilterError, apply, from_query, to_query
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


# --- in the database ----------------------------------------------------------------------------------


def test_to_sql_turns_each_key_into_a_condition_and_counts_the_undated_apart():
    from geo.filters import to_sql

    assert to_sql(Filter()).where is None and to_sql(Filter()).undated is None
    query = to_sql(Filter(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31), actors=("Naji ZAHEER",), countries=("pk",),
                          types=("rally",), precision="town", include_context=False))
    assert query.where.sql == ("actor_keys && %s::text[] AND event_type = ANY(%s) AND country = ANY(%s) AND location_precision = ANY(%s) "
                               "AND NOT context AND day_min <= %s AND day_max >= %s")
    assert query.where.params == (["naji zaheer"], ["rally"], ["PK"], ["exact", "town"], date(2026, 1, 31), date(2026, 1, 1))
    assert query.undated.sql.endswith("AND NOT context AND day_min IS NULL") and query.undated.params == query.where.params[:4]
    text = to_sql(Filter(date_from=date(2026, 1, 1), text="rally"))  # free text runs in pandas: the undated come back to be counted
    assert text.where.sql == "(day_min IS NULL OR (day_max >= %s))" and text.undated is None


def _random_filter(rng, records) -> Filter:
    actors = sorted({a["name"] for r in records for a in r["actors"]})
    pick = lambda values, most: tuple(rng.sample(values, rng.randint(1, most))) if rng.random() < 0.4 else ()  # noqa: E731
    start = date(2020, 1, 1).toordinal()
    days = sorted(date.fromordinal(start + rng.randrange(7 * 366)) for _ in range(2))
    return Filter(
        date_from=days[0] if rng.random() < 0.6 else None,
        date_to=days[1] if rng.random() < 0.6 else None,
        actors=tuple(a.upper() if rng.random() < 0.3 else a for a in pick(actors, 3)),
        types=pick(["rally", "protest", "meeting", "attack", "riot", "funeral"], 3),
        countries=tuple(c.lower() if rng.random() < 0.3 else c for c in pick(["PK", "IN", "BD", "AF", "IR", "QA"], 3)),
        text=rng.choice(["", "", "", "lahore", "synthetic rally", "Herald"]),
        precision=rng.choice(["", "", "exact", "town", "region"]),
        include_context=rng.random() < 0.7,
    )


def test_filtering_in_the_database_gives_what_filtering_in_memory_gives(postgis_server):
    import random

    from bench.synthetic import synthetic_records
    from geo import filters, stores
    from tests import postgis

    records = synthetic_records(1500, seed=7)
    store = stores.open_store(postgis_server.url(postgis_server.new_database(), postgis.EDITOR))
    store.upsert(records, origin="test")
    everything = store.load()
    rng, narrowing = random.Random(11), 0
    for _ in range(80):
        flt = _random_filter(rng, records)
        in_memory = apply(everything, flt)
        (in_database, total) = filters.select(store, flt)
        assert total == len(records)
        assert list(in_database.events["id"]) == list(in_memory.events["id"]), flt
        assert in_database.undated_excluded == in_memory.undated_excluded, flt
        assert in_database.events["revision"].tolist() == in_memory.events["revision"].tolist()
        narrowing += 0 < len(in_memory.events) < len(records) and in_memory.undated_excluded > 0
    assert narrowing > 15  # many of the filters keep some events, leave some out and count undated ones
    some = Filter(date_from=date(2023, 1, 1), date_to=date(2023, 3, 31), countries=("PK",))
    narrowed = store.load(filters.to_sql(some).where)  # the database sent only what the view shows
    assert 0 < len(narrowed) == len(apply(everything, some).events) < len(everything) / 10
