"""The frame holds repeated texts once and shares points, and nothing that reads it can tell."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from geo import export, filters, frame
from geo.app import views
from geo.webmap import component
from tests.helpers import make_record


def _records() -> list[dict]:
    """Events that repeat publishers, actors, roles and tags, some at the same coordinates, one unmapped."""
    records = []
    for number in range(12):
        source = {"id": "s1", "publisher": f"Wire {number % 3}", "author": "", "title": "", "url": f"https://example.org/{number}",
                  "date": "", "excerpt": f"Excerpt {number}.", "cited_by": "", "kind": "news report"}
        records.append(make_record(id=f"e{number}", title=f"Event {number}", lat=33.0 + number % 2, lon=73.5,
                                   actors=[{"name": f"Group {'AB'[number % 2]}", "role": "organiser"},
                                           {"name": "Group C", "role": "speaker"}],
                                   tags=["test", f"tag {number % 4}"], sources=[source, {**source, "id": "s2", "cited_by": "s1"}]))
    records[5].update(lat=None, lon=None, place_name="", admin1="", location_precision="unknown")
    return records


def test_the_repeated_texts_of_list_items_are_held_once_and_give_back_the_records():
    records = _records()
    events = frame.to_frame(records)
    for name, arrow_type in frame.LIST_TYPES.items():
        assert events[name].dtype == pd.ArrowDtype(arrow_type)
    publishers = events["sources"].array.__arrow_array__().combine_chunks().values.field("publisher")
    assert len(publishers) == 24 and publishers.dictionary.to_pylist() == ["Wire 0", "Wire 1", "Wire 2"]
    assert frame.to_records(events) == records
    assert events["actor_names"].tolist() == [[a["name"] for a in r["actors"]] for r in records]
    assert views.actor_counts(events) == [("Group C", 12), ("Group A", 6), ("Group B", 6)]
    assert filters.match(events, filters.Filter(actors=("group b",))).result(events).events["id"].tolist() == [
        f"e{n}" for n in range(1, 12, 2)]


def test_rows_taken_from_a_frame_give_what_a_frame_of_their_own_records_gives():
    """Taken rows keep their column's whole dictionary; the map's payload and the exports must not show the rest."""
    events = frame.to_frame(_records())
    taken = events.iloc[[7, 2, 9]]
    own = frame.to_frame(frame.to_records(taken))
    made_on = date(2026, 1, 2)
    assert component.payload(taken, made_on=made_on) == component.payload(own, made_on=made_on)
    assert export.geojson_text(taken) == export.geojson_text(own)
    assert export.csv_text(taken) == export.csv_text(own)
    assert views.actor_counts(taken) == views.actor_counts(own) == [("Group C", 3), ("Group B", 2), ("Group A", 1)]


def test_events_at_the_same_coordinates_share_one_point_and_no_others_do():
    records = _records()[:5]
    records[3].update(lat=-0.0, lon=10.0)
    records[4].update(lat=0.0, lon=10.0)
    records.append(make_record(id="unmapped", lat=None, lon=None, location_precision="unknown"))
    points = frame.to_frame(records).geometry.to_numpy()
    assert points[0] is points[2] and points[1] is not points[0]
    assert (points[0].y, points[0].x, points[1].y) == (33.0, 73.5, 34.0)
    assert points[3] is not points[4] and math.copysign(1, points[3].y) == -1 and math.copysign(1, points[4].y) == 1
    assert points[5] is None
