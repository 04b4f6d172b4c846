"""The filter: the date-precision rule, undated counting, each criterion and the URL round-trip."""

from __future__ import annotations

import base64
import math
import re
from dataclasses import replace
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import basemap
from geo.areas import admin1_at_points
from geo.filters import (
    EDGE_TOLERANCE_KM,
    Filter,
    FilterError,
    Near,
    apply,
    closest,
    decode_polygon,
    empty_choices,
    encode_polygon,
    from_query,
    match,
    spelled_as_known,
    to_query,
)
from geo.frame import search_text, to_frame, to_records
from geo.geodesy import EARTH_RADIUS_KM, KM_PER_DEGREE
from geo.schema import LOCATION_PRECISIONS, validate_records
from geo.webmap.component import mask_bits
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


ODD_TEXTS = (".*+?[](){}|\\^$", "a.c", "(x)", "[abc]", "50%", "Ünïcødé Straße", "ΣΊΣΥΦΟΣ", "İstanbul", "日本語", "back\\slash", "$1")
"""Titles, as written; a text search finds each as a literal, case ignored."""


@pytest.fixture(scope="module")
def varied():
    """Events with every kind of value a filter looks at: odd texts, cases, empty fields, no date, no map point."""
    records = []
    places = [(33.31, 73.70), (33.9, 73.4), (31.5, 74.3), (24.86, 67.0), (34.0, 71.5), (None, None)]
    dates = [("2026-01-20", "", "day"), ("2026-01", "", "month"), ("2025", "", "year"),
             ("2025-12-28", "2026-01-03", "approximate"), ("", "", "unknown")]
    names = ["Naji Zaheer", "naji zaheer", "ÉLAN Group", "Group A", "(x) Front"]
    for k in range(60):
        lat, lon = places[k % len(places)]
        start, end, precision = dates[k % len(dates)]
        text = ODD_TEXTS[k % len(ODD_TEXTS)]
        records.append(make_record(
            id=f"e{k}", title=text.upper() if k % 3 == 0 else text, description="" if k % 4 else f"about {text.lower()}",
            event_type=["rally", "protest", "meeting", "attack"][k % 4], country=["PK", "IN", "pk"][k % 3].upper(),
            context=k % 7 == 0, lat=lat, lon=lon, location_precision="unknown" if lat is None else ["exact", "town", "region"][k % 3],
            date_start=start, date_end=end, date_precision=precision,
            actors=[{"name": names[k % len(names)], "role": "x"}] + ([{"name": names[(k + 2) % len(names)], "role": "y"}] if k % 2 else []),
            tags=[] if k % 5 else ["Tag.*"]))
    return frame(*records)


def matched_in_python(events, flt: Filter) -> tuple[list[bool], list[bool], int, int]:
    """What ``flt`` keeps (with the dates, and without them), row by row in plain Python, and the undated and unmapped
    events it leaves out: the rule of the module docstring, written out."""
    lats, lons = events.geometry.y.tolist(), events.geometry.x.tolist()
    admin1 = {k: admin1_at_points(np.array([lat]), np.array([lon]))[0]
              for k, (lat, lon) in enumerate(zip(lats, lons, strict=True)) if flt.admin1 and not math.isnan(lat)}
    keep, any_date, undated, unmapped = [], [], 0, 0
    texts = search_text(events).tolist()
    for k, row in enumerate(events.itertuples()):
        values = (
            (not flt.actors or any(n.casefold() == a.casefold() for n in row.actor_names for a in flt.actors))
            and (not flt.types or row.event_type.casefold() in [t.casefold() for t in flt.types])
            and (not flt.countries or row.country.casefold() in [c.casefold() for c in flt.countries])
            and (not flt.text or flt.text.casefold() in texts[k])
            and (not flt.precision or LOCATION_PRECISIONS.index(row.location_precision) <= LOCATION_PRECISIONS.index(flt.precision))
            and (flt.include_context or not row.context)
        )
        dated = not pd.isna(row.day_min)
        in_dates = not flt.has_dates or dated and (flt.date_to is None or row.day_min.date() <= flt.date_to) \
            and (flt.date_from is None or row.day_max.date() >= flt.date_from)
        mapped = row.geometry is not None and not row.geometry.is_empty
        inside = not flt.has_place or mapped and (
            (flt.near is None or haversine_km(flt.near.lat, flt.near.lon, lats[k], lons[k]) <= flt.near.km + 1e-5)
            and (flt.within is None or flt.within.distance(row.geometry) <= EDGE_TOLERANCE_KM / KM_PER_DEGREE)
            and (not flt.admin1 or admin1.get(k) in flt.admin1))
        undated += values and flt.has_dates and not dated
        unmapped += values and in_dates and flt.has_place and not mapped
        keep.append(values and in_dates and inside)
        any_date.append(values and inside)
    return keep, any_date, undated, unmapped


def random_filter(rng: np.random.Generator) -> Filter:
    """A filter of some keys, each with a value some events have or none has."""
    keys = {
        "actors": lambda: tuple(rng.choice(["NAJI ZAHEER", "élan group", "(x) front", "Nobody"], rng.integers(1, 3))),
        "types": lambda: tuple(rng.choice(["rally", "PROTEST", "attack", "funeral"], rng.integers(1, 3))),
        "countries": lambda: (str(rng.choice(["pk", "IN", "AF"])),),
        "text": lambda: str(rng.choice([*ODD_TEXTS, "ünïcødé", "STRASSE", "σίσυφος", "tag.*", "about", "a.", "zzz"])),
        "precision": lambda: str(rng.choice(LOCATION_PRECISIONS[:-1])),
        "include_context": lambda: False,
        "date_from": lambda: date(2025, int(rng.integers(1, 13)), 1),
        "date_to": lambda: date(2026, int(rng.integers(1, 13)), 1),
        "near": lambda: Near(33.5, 73.5, float(rng.choice([20, 60, 200]))),
        "within": lambda: shapely.box(72.0, 31.0, 74.0, 34.0),
        "admin1": lambda: ("Punjab",),
    }
    chosen = rng.choice(list(keys), rng.integers(1, 4), replace=False)
    return Filter(**{key: keys[key]() for key in chosen})


def test_match_keeps_what_plain_python_keeps_for_every_key(varied):
    rng = np.random.default_rng(15)
    filters = [Filter(**{key: value}) for key, value in (
        ("actors", ("naji zaheer",)), ("types", ("Rally",)), ("countries", ("in",)), ("precision", "town"),
        ("include_context", False), ("date_from", date(2026, 1, 1)), ("date_to", date(2025, 12, 31)),
        ("near", Near(33.3, 73.7, 50)), ("within", shapely.box(73, 33, 74, 34)), ("admin1", ("Punjab", "Sindh")))]
    filters += [Filter(text=text) for text in (*ODD_TEXTS, "ünïcødé", "STRASSE", "σίσυφος", "TAG.*", "İ")]
    filters += [random_filter(rng) for _ in range(60)]
    for flt in filters:
        found = match(varied, flt, any_date=True)
        keep, any_date, undated, unmapped = matched_in_python(varied, flt)
        assert found.keep.tolist() == keep, flt
        assert found.any_date.tolist() == any_date, flt
        assert (found.undated_excluded, found.unmapped_excluded) == (undated, unmapped), flt
        assert match(varied, flt).keep.tolist() == keep and match(varied, flt).any_date is None
        result = apply(varied, flt)
        assert result.events["id"].tolist() == varied["id"][keep].tolist() and found.count == sum(keep)


def test_a_text_with_regex_characters_is_found_as_written(varied):
    for text in ODD_TEXTS:
        titled = sorted(varied["id"][varied["title"].str.casefold() == text.casefold()])
        assert titled and set(titled) <= set(ids(apply(varied, Filter(text=text.swapcase())))), text
    assert ids(apply(varied, Filter(text="a.c"))) == sorted(varied["id"][varied["title"].str.casefold() == "a.c"])


def test_a_text_search_passes_over_missing_texts(varied):
    gaps = varied.assign(search_text=search_text(varied).where(varied.index % 2 == 0, None))
    found = match(gaps, Filter(text="a"))
    assert not found.keep[1::2].any()
    assert found.keep[::2].tolist() == ["a" in text for text in search_text(varied)[::2]]


def test_match_does_not_copy_or_change_the_frame(varied):
    before = varied.copy()
    found = match(varied, Filter(text="a", date_from=date(2025, 1, 1), near=Near(33.3, 73.7, 500)), any_date=True)
    assert found.keep.dtype == bool and found.keep.shape == (len(varied),)
    assert varied.equals(before)


@pytest.mark.parametrize("count", [0, 1, 7, 8, 9, 60, 1001])
def test_the_mask_bits_decode_to_exactly_the_kept_rows(count):
    keep = np.random.default_rng(count).random(count) < 0.4
    packed = np.frombuffer(base64.b64decode(mask_bits(keep)), dtype=np.uint8)
    assert len(packed) == (count + 7) // 8
    decoded = [bool(packed[i >> 3] >> (i & 7) & 1) for i in range(len(packed) * 8)]  # as the page reads them (IM.bitSet)
    assert decoded[:count] == keep.tolist() and not any(decoded[count:])


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


# --- place: near, within, admin1 -------------------------------------------------------------

CENTRE = (33.31222, 73.70346)  # Dadyal


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The test's own great-circle distance, on the mean Earth radius the filter documents."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def scattered(points: list[tuple[float, float]], *extra) -> gpd.GeoDataFrame:
    """Events at the given (lat, lon) points, ids p0, p1, ..., plus ``extra`` records."""
    records = [make_record(id=f"p{i}", lat=lat, lon=lon, country="", admin1="") for i, (lat, lon) in enumerate(points)]
    return to_frame(records + list(extra))


@pytest.fixture(scope="module")
def cloud() -> list[tuple[float, float]]:
    rng = np.random.default_rng(7)
    return list(zip(CENTRE[0] + rng.uniform(-1, 1, 400), CENTRE[1] + rng.uniform(-1, 1, 400), strict=True))


UNMAPPED = make_record(id="nowhere", lat=None, lon=None, location_precision="unknown", place_name="", admin1="")


def test_near_keeps_exactly_the_events_within_the_distance(cloud):
    events = scattered(cloud, UNMAPPED)
    distances = [haversine_km(*CENTRE, lat, lon) for lat, lon in cloud]
    km = distances[17]  # p17 lies exactly on the circle: it is inside
    result = apply(events, Filter(near=Near(*CENTRE, km)))
    expected = {f"p{i}" for i, d in enumerate(distances) if d <= km}
    assert set(result.events["id"]) == expected and "p17" in expected
    assert 0 < len(expected) < len(cloud)
    assert result.unmapped_excluded == 1
    assert "p17" not in set(apply(events, Filter(near=Near(*CENTRE, km * (1 - 1e-6)))).events["id"])


def test_within_keeps_exactly_the_events_in_the_polygon_and_on_its_edge(cloud):
    area = shapely.Polygon(
        [(73.2, 32.9), (74.1, 32.9), (74.1, 33.7), (73.7, 33.3), (73.2, 33.7)],  # a notch cut into the top
        holes=[[(73.8, 33.0), (74.0, 33.0), (74.0, 33.2), (73.8, 33.2)]],
    )
    on_edge = [(32.9, 73.6), (33.3, 73.7), (33.1, 73.8), (33.7, 73.2)]  # bottom edge, the notch's tip, the hole's edge, a corner
    outside = [(33.4, 73.7), (33.1, 73.9)]  # in the notch, in the hole
    events = scattered(cloud + on_edge + outside, UNMAPPED)
    result = apply(events, Filter(within=area))
    points = cloud + on_edge + outside
    expected = {f"p{i}" for i, (lat, lon) in enumerate(points) if area.covers(shapely.Point(lon, lat))}
    assert set(result.events["id"]) == expected
    n = len(cloud)
    assert {f"p{n + i}" for i in range(4)} <= expected and not {f"p{n + 4}", f"p{n + 5}"} & expected
    assert result.unmapped_excluded == 1


def test_admin1_matches_the_point_not_the_admin1_text():
    events = to_frame([
        make_record(id="dadyal", admin1="Sindh"),  # the text is wrong; the point is in Pakistan-administered Kashmir
        make_record(id="karachi-offshore", lat=24.80, lon=66.93, country="PK", admin1=""),  # off the coast, within 10 km
        make_record(id="rajasthan", lat=26.0, lon=71.3, country="IN", admin1="Sindh"),  # across the border from Sindh
        make_record(id="hyderabad", lat=25.3960, lon=68.3578, country="PK", admin1=""),
        UNMAPPED | {"admin1": "Sindh"},
    ])
    sindh = apply(events, Filter(admin1=("sindh",)))
    assert ids(sindh) == ["hyderabad", "karachi-offshore"] and sindh.unmapped_excluded == 1
    ajk = apply(events, Filter(admin1=("AJK",)))
    assert ids(ajk) == ["dadyal"]
    areas = basemap.admin1()
    polygon = areas[areas["name"] == "Pakistan-administered Kashmir (Azad Jammu and Kashmir)"].union_all()
    assert polygon.covers(shapely.Point(73.70346, 33.31222))
    assert ids(apply(events, Filter(admin1=("Sind", "Jammu & Kashmir")))) == ["hyderabad", "karachi-offshore"]


def test_admin1_names_and_aliases_resolve_to_the_neutral_names():
    assert Filter(admin1=("AJK",)).admin1 == ("Pakistan-administered Kashmir (Azad Jammu and Kashmir)",)
    assert Filter(admin1=("azad kashmir", "Pakistan-administered Kashmir (Azad Jammu and Kashmir)")).admin1 == (
        "Pakistan-administered Kashmir (Azad Jammu and Kashmir)",)
    assert set(Filter(admin1=("PUNJAB",)).admin1) == {"Punjab (India)", "Punjab (Pakistan)"}
    with pytest.raises(FilterError, match=r"admin1: no first-level area is called 'Balochistann' \(did you mean: Balochistan"):
        Filter(admin1=("Balochistann",))


def test_place_filters_combine_with_dates_and_count_unmapped_once(events):
    near = Filter(near=Near(*CENTRE, 50))
    result = apply(events, near)
    assert result.unmapped_excluded == 1 and result.undated_excluded == 0  # "unmapped" is left out, and said so
    assert "unmapped" not in ids(result) and "undated" in ids(result)
    both = frame(make_record(id="lost", lat=None, lon=None, location_precision="unknown", date_start="", date_precision="unknown"),
                 make_record(id="here"))
    dated_near = apply(both, replace(near, date_from=date(2000, 1, 1)))
    assert ids(dated_near) == ["here"] and (dated_near.undated_excluded, dated_near.unmapped_excluded) == (1, 0)
    assert apply(events, Filter()).unmapped_excluded == 0


def test_the_place_keys_round_trip_through_the_url():
    area = shapely.MultiPolygon([
        shapely.Polygon([(73.1, 33.0), (73.9, 33.05), (73.5, 33.8)], holes=[[(73.4, 33.2), (73.6, 33.2), (73.5, 33.3)]]),
        shapely.Polygon([(-75.5, -10.25), (-75.0, -10.25), (-75.0, -9.75)]),
    ])
    flt = Filter(near=Near(33.31222, 73.70346, 12.5), within=area, admin1=("sindh", "AJK"), types=("rally",))
    query = to_query(flt)
    assert "near=33.31222%2C73.70346%2C12.5" in query and query.count("within=") == 2 and query.count("admin1=") == 2
    again = from_query(query)
    assert again == flt and again.within.equals_exact(area, 0) and to_query(again) == query
    drawn = Filter(within=shapely.Polygon([(73.123456789, 33.0), (73.9, 33.0), (73.5, 33.876543219)]))
    snapped = from_query(to_query(drawn))  # a drawn polygon's URL form keeps 5 decimals (about a metre)
    assert snapped.within.equals_exact(drawn.within, 1e-5) and from_query(to_query(snapped)) == snapped


def test_the_polygon_encoding_is_googles_polyline_format():
    # The worked example of Google's "Encoded Polyline Algorithm Format" page, read as a ring.
    ring = decode_polygon(["_p~iF~ps|U_ulLnnqC_mqNvxq`@"]).exterior
    assert list(ring.coords) == [(-120.2, 38.5), (-120.95, 40.7), (-126.453, 43.252), (-120.2, 38.5)]
    assert encode_polygon(shapely.Polygon(ring)) == ["_p~iF~ps|U_ulLnnqC_mqNvxq`@"]


def test_a_self_crossing_polygon_is_made_valid_and_a_line_is_no_area():
    bow_tie = from_query({"within": encode_polygon(shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)]))})
    assert bow_tie.within.is_valid and math.isclose(bow_tie.within.area, 2.0)
    with pytest.raises(FilterError, match="within: the area has no polygon"):
        Filter(within=shapely.LineString([(0, 0), (1, 1)]))
    with pytest.raises(FilterError, match="within: the area reaches .* beyond the Earth"):
        Filter(within=shapely.box(8_000_000, 3_000_000, 8_100_000, 3_100_000))  # metres, not degrees


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("near=33.3,73.7", "near: '33.3,73.7' must be LAT,LON,KM"),
        ("near=a,b,c", "near: 'a,b,c' must be LAT,LON,KM"),
        ("near=95,73.7,10", "near: 95,73.7 is not a point"),
        ("near=33.3,73.7,0", "near: the distance 0 km must be a positive number"),
        ("near=33.3,73.7,nan", "near: the distance nan km must be a positive number"),
        ("within=hello", "within: 'hello' is not an encoded polygon"),
        ("within=_p~iF", "within: '_p~iF' is not an encoded polygon"),
        ("within=%20%20%21", "within: '!' is not an encoded polygon"),
        ("admin1=Atlantis", "admin1: no first-level area is called 'Atlantis'"),
    ],
)
def test_bad_place_values_name_the_key(query, message):
    with pytest.raises(FilterError, match=re.escape(message)):
        from_query(query)


def test_describe_says_where():
    text = Filter(near=Near(33.3, 73.7, 25), within=shapely.box(73, 33, 74, 34), admin1=("AJK",)).describe()
    assert "within 25 km of 33.3, 73.7" in text
    assert "inside a given area (1 polygon within latitude 33.00 to 34.00, longitude 73.00 to 74.00)" in text
    assert "first-level area: Pakistan-administered Kashmir (Azad Jammu and Kashmir)" in text
    assert "events with no map point left out" in text


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


def test_place_keys_run_in_the_database_and_give_what_filtering_in_memory_gives(postgis_server):
    from bench.synthetic import synthetic_records
    from geo import filters, stores
    from tests import postgis

    records = synthetic_records(1500, seed=9)
    store = stores.open_store(postgis_server.url(postgis_server.new_database(), postgis.EDITOR))
    store.upsert(records, origin="test")
    everything = store.load()
    lahore = (31.558, 74.3507)
    area = shapely.box(72.0, 30.0, 75.5, 34.5)
    for flt in (Filter(near=Near(*lahore, 300)), Filter(within=area, date_from=date(2023, 1, 1)), Filter(admin1=("Punjab (Pakistan)",)),
                Filter(near=Near(*lahore, 300), text="synthetic", types=("rally", "protest"))):
        in_memory = apply(everything, flt)
        in_database, _ = filters.select(store, flt)
        assert list(in_database.events["id"]) == list(in_memory.events["id"]), flt
        assert (in_database.undated_excluded, in_database.unmapped_excluded) == (in_memory.undated_excluded, in_memory.unmapped_excluded)
        assert 0 < len(in_memory.events) < len(records) and in_memory.unmapped_excluded > 0
        read = store.load(filters.to_sql(flt).where)
        assert len(read) < len(records) / 2  # the database sent about what the view shows


def test_a_text_search_folds_case_as_python_does_and_looks_across_an_events_texts_as_one():
    events = frame(make_record(id="e1", title="Straße closed", description="İstanbul ΣΊΣΥΦΟΣ"),
                   make_record(id="e2", title="Plain", tags=["road block"]))
    assert search_text(events).tolist() == [" ".join(texts).casefold() for texts in (
        [r["title"], r["description"], r["place_reported"], r["place_name"], r["admin1"], r["event_type"],
         *(f"{a['name']} {a['role']}" for a in r["actors"]),
         *(f"{s['publisher']} {s['author']} {s['title']} {s['excerpt']}" for s in r["sources"]), *r["tags"]]
        for r in to_records(events))]
    assert ids(apply(events, Filter(text="STRASSE"))) == ["e1"] and ids(apply(events, Filter(text="σίσυφοσ"))) == ["e1"]
    assert ids(apply(events, Filter(text="block"))) == ["e2"]
