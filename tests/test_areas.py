"""Areas: counts per first-level area and per country, the shapes for a shaded map, and reading a user's area file."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import areas, basemap
from geo.frame import to_frame
from tests.helpers import make_record

AJK = "Pakistan-administered Kashmir (Azad Jammu and Kashmir)"


@pytest.fixture(scope="module")
def spread():
    """Events in three areas of two countries, one at sea, two unmapped (one with a country, one without)."""
    return to_frame([
        make_record(id="dadyal"),
        make_record(id="dadyal-again"),
        make_record(id="mirpur", lat=33.1478, lon=73.7519),
        make_record(id="lahore", lat=31.5497, lon=74.3436, admin1="Punjab"),
        make_record(id="srinagar", lat=34.0837, lon=74.7973, country="IN", admin1="Jammu and Kashmir"),
        make_record(id="at-sea", lat=15.0, lon=65.0, country="", admin1=""),
        make_record(id="somewhere-in-pk", lat=None, lon=None, location_precision="unknown", place_name="", admin1=""),
        make_record(id="nowhere", lat=None, lon=None, location_precision="unknown", place_name="", admin1="", country=""),
    ])


def test_counts_per_admin1_go_by_the_point_and_add_up(spread):
    table = areas.area_counts(spread, "admin1")
    assert list(table.columns) == ["admin1", "country", "country_name", "events"]
    assert table.to_dict("records") == [
        {"admin1": AJK, "country": "PK", "country_name": "Pakistan", "events": 3},
        {"admin1": "Indian-administered Jammu and Kashmir", "country": "IN", "country_name": "India", "events": 1},
        {"admin1": "Punjab (Pakistan)", "country": "PK", "country_name": "Pakistan", "events": 1},
        {"admin1": areas.OUTSIDE_AREAS, "country": "", "country_name": "", "events": 1},
        {"admin1": areas.NO_POINT, "country": "", "country_name": "", "events": 2},
    ]
    assert table["events"].sum() == len(spread)
    known = areas.admin1_names(spread)
    assert areas.area_counts(spread.iloc[2:], admin1=known[2:]).equals(areas.area_counts(spread.iloc[2:]))


def test_counts_per_country_go_by_the_events_own_country(spread):
    table = areas.area_counts(spread, "country")
    assert table.to_dict("records") == [
        {"country": "PK", "country_name": "Pakistan", "events": 5, "mapped": 4, "unmapped": 1},
        {"country": "IN", "country_name": "India", "events": 1, "mapped": 1, "unmapped": 0},
        {"country": "", "country_name": areas.NO_COUNTRY, "events": 2, "mapped": 1, "unmapped": 1},
    ]
    assert areas.area_counts(spread.iloc[:0], "country").empty
    with pytest.raises(ValueError, match="by: 'district'"):
        areas.area_counts(spread, "district")


def test_the_shaded_map_gets_the_areas_with_events_and_their_counts(spread):
    shapes = areas.admin1_areas(spread)
    assert list(shapes["name"]) == [AJK, "Indian-administered Jammu and Kashmir", "Punjab (Pakistan)"]
    assert list(shapes["events"]) == [3, 1, 1] and shapes.crs == "EPSG:4326"
    for name, event_id in ((AJK, "mirpur"), ("Punjab (Pakistan)", "lahore")):
        point = spread.set_index("id").geometry[event_id]
        assert shapes.set_index("name").geometry[name].covers(point)
    simple = areas.admin1_areas(spread, tolerance=0.05)
    assert shapely.get_num_coordinates(simple.geometry).sum() < shapely.get_num_coordinates(shapes.geometry).sum()
    features = json.loads(simple.to_json())["features"]
    assert features[0]["properties"] == {"name": AJK, "country": "PK", "events": 3}


def test_points_are_looked_up_once_each_and_named_as_the_basemap_names_them():
    rng = np.random.default_rng(3)
    lats, lons = rng.uniform(24, 36, 50).round(1), rng.uniform(62, 78, 50).round(1)
    lats, lons = np.concatenate([lats, lats]), np.concatenate([lons, lons])
    assert list(areas.admin1_at_points(lats, lons)) == basemap.admin1_at_many(lats, lons)
    assert len(areas.admin1_at_points(np.array([]), np.array([]))) == 0


def test_an_area_file_is_united_reprojected_and_made_valid(tmp_path):
    west, east = shapely.box(73.0, 33.0, 73.5, 33.5), shapely.box(73.4, 33.0, 74.0, 33.5)  # overlapping
    bow_tie = shapely.Polygon([(70, 30), (71, 31), (71, 30), (70, 31)])  # crosses itself, as hand-drawn files do
    frame = gpd.GeoDataFrame(geometry=[west, east, bow_tie, shapely.LineString([(0, 0), (1, 1)])], crs="EPSG:4326")
    path = tmp_path / "areas.gpkg"
    frame.to_crs("EPSG:32643").to_file(path, driver="GPKG")  # UTM zone 43N
    area = areas.read_area_file(path)
    assert area.is_valid and area.covers(shapely.Point(73.45, 33.25))
    assert area.covers(shapely.Point(70.2, 30.5)) and area.covers(shapely.Point(70.8, 30.5))  # both wings of the bow tie
    assert not area.covers(shapely.Point(70.5, 30.8))  # above its waist
    assert abs(area.area - (shapely.union_all([west, east]).area + 0.5)) < 1e-3


def test_an_area_file_without_a_coordinate_system_in_metres_is_refused(tmp_path):
    path = tmp_path / "metres.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[800000, 3600000], [810000, 3600000], [810000, 3610000], [800000, 3600000]]]}}]}))
    with pytest.raises(areas.AreaFileError, match=r"metres.geojson: its polygons reach beyond longitude"):
        areas.read_area_file(path)
