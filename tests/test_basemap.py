"""The offline basemap: TopoJSON decoding, the country check, disputed lines, vendored assets."""

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from geo import basemap

REPO = Path(__file__).resolve().parent.parent
LOC = "Line of Control (de facto boundary)"
LAC = "Line of Actual Control (de facto boundary)"


def by_name(name: str) -> shapely.Geometry:
    table = basemap.countries()
    return table.geometry[table["name"] == name].iloc[0]


# --- decoding ----------------------------------------------------------------------


def test_decoder_undoes_quantization_delta_encoding_and_reversed_arcs():
    # Two unit squares side by side sharing the arc x=1; the right one walks it reversed (~0).
    topology = {
        "transform": {"scale": [0.5, 0.25], "translate": [10, 20]},
        "arcs": [
            [[2, 0], [0, 4]],  # (11,20) -> (11,21): the shared edge
            [[2, 4], [-2, 0], [0, -4], [2, 0]],  # (11,21) -> (10,21) -> (10,20) -> (11,20)
            [[2, 0], [2, 0], [0, 4], [-2, 0]],  # (11,20) -> (12,20) -> (12,21) -> (11,21)
        ],
    }
    arcs = basemap._decode_arcs(topology)
    left = basemap._geometry(arcs, {"type": "Polygon", "arcs": [[0, 1]]})
    right = basemap._geometry(arcs, {"type": "Polygon", "arcs": [[2, ~0]]})
    assert left.equals(shapely.box(10, 20, 11, 21))
    assert right.equals(shapely.box(11, 20, 12, 21))
    ring = basemap._ring(arcs, [2, ~0])  # the shared arc walked backwards, its joint not doubled
    assert ring.tolist() == [[11, 20], [12, 20], [12, 21], [11, 21], [11, 20]]


def test_topojson_text_parses_and_holds_countries_and_land():
    for scale in ("50m", "110m"):
        topology = json.loads(basemap.topojson_text(scale))
        assert topology["type"] == "Topology"
        assert {"countries", "land"} <= set(topology["objects"])
        assert len(topology["objects"]["countries"]["geometries"]) > 170


def test_countries_table_is_valid_and_has_sensible_areas():
    table = basemap.countries()
    assert list(table.columns) == ["iso_a2", "name", "geometry"]
    assert table.crs.to_epsg() == 4326
    assert table.geometry.is_valid.all()
    assert set(table.geom_type) == {"Polygon", "MultiPolygon"}
    codes = table["iso_a2"].dropna()
    assert codes.str.fullmatch(r"[A-Z]{2}").all()
    assert {"IN", "PK", "CN", "QA", "XK", "CX", "CC"} <= set(codes)
    assert table["iso_a2"].isna().sum() == 1  # Siachen Glacier
    km2 = table.to_crs("+proj=moll").set_index("name").area / 1e6
    for name, expected in {"Qatar": 11_600, "France": 640_000, "Australia": 7_700_000, "Russia": 17_100_000}.items():
        assert km2[name] == pytest.approx(expected, rel=0.06), name
    assert km2.sum() == pytest.approx(148_900_000, rel=0.03)


def test_polygons_cut_by_the_antimeridian_are_rebuilt_inside_the_plane():
    for name in ("Russia", "Fiji", "Antarctica"):
        minx, _, maxx, _ = by_name(name).bounds
        assert -180 <= minx and maxx <= 180, name
    # Chukotka lies both sides of 180°; Antarctica covers the pole region.
    assert basemap.countries_near(65.5, -175.0, tolerance_km=0) == {"RU"}
    assert basemap.countries_near(65.0, 179.0, tolerance_km=0) == {"RU"}
    assert basemap.countries_near(-80.0, 0.0, tolerance_km=0) == {"AQ"}
    assert basemap.countries_near(-60.0, 0.0, tolerance_km=0) == set()


def test_countries_returns_a_copy():
    table = basemap.countries()
    table.loc[0, "name"] = "changed"
    assert basemap.countries().loc[0, "name"] != "changed"


# --- country check -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (32.16, 74.19, {"PK"}),  # Gujranwala
        (33.86, 73.76, {"PK"}),  # Rawalakot, Pakistan-administered Kashmir
        (34.02, 75.32, {"IN"}),  # Pahalgam, Indian-administered Jammu and Kashmir
        (48.86, 2.35, {"FR"}),  # Paris
        (0.0, -30.0, set()),  # mid-Atlantic
    ],
)
def test_point_in_polygon(lat, lon, expected):
    assert basemap.countries_near(lat, lon, tolerance_km=0) == expected


def test_tolerance_lets_coastal_points_match():
    assert basemap.countries_near(25.29, 51.53) == {"QA"}  # Doha
    offshore = (25.29, 51.70)  # about 15 km east of Doha's coast
    assert basemap.countries_near(*offshore, tolerance_km=0) == set()
    assert basemap.countries_near(*offshore) == {"QA"}
    assert basemap.countries_near(*offshore, tolerance_km=5) == set()
    assert basemap.countries_near(0.0, -30.0, tolerance_km=100) == set()


def test_tolerance_reaches_across_a_nearby_line():
    assert basemap.countries_near(33.86, 73.76) == {"IN", "PK"}  # Rawalakot is ~20 km from the LoC
    assert basemap.countries_near(34.02, 75.32) == {"IN"}


def test_areas_that_match_two_names():
    assert basemap.countries_near(35.4, 77.0, tolerance_km=0) == {"IN", "PK"}  # Siachen Glacier
    assert basemap.countries_near(44.95, 34.10) == {"RU", "UA"}  # Simferopol
    assert basemap.countries_near(27.15, -13.20) == {"MA", "EH"}  # Laayoune
    assert basemap.countries_near(34.02, -6.84) == {"MA"}  # Rabat
    assert basemap.countries_near(45.04, 38.98) == {"RU"}  # Krasnodar


def test_vectorised_check_agrees_with_single_calls():
    rng = np.random.default_rng(7)
    lats, lons = rng.uniform(-60, 75, 300), rng.uniform(-180, 180, 300)
    many = basemap.countries_near_many(lats, lons, tolerance_km=25)
    assert len(many) == 300
    assert many == [basemap.countries_near(la, lo) for la, lo in zip(lats, lons, strict=True)]
    assert any(many) and not all(many)


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (float("nan"), 0.0)])
def test_bad_coordinates_are_refused(lat, lon):
    with pytest.raises(ValueError, match="coordinate 0 is out of range"):
        basemap.countries_near(lat, lon)


# --- disputed boundaries ------------------------------------------------------------


def test_line_of_control_runs_through_kashmir_between_india_and_pakistan():
    lines = basemap.disputed_boundaries()
    loc = lines[lines["label"] == LOC]
    assert len(loc) == 1 and loc.geom_type.iloc[0] == "LineString"
    minx, miny, maxx, maxy = loc.total_bounds
    assert 32.5 < miny < 33.0 and 35.0 < maxy < 35.5  # from the Chhamb sector to NJ 9842
    assert 73.0 < minx and maxx < 77.2
    line = loc.geometry.iloc[0]
    for name in ("India", "Pakistan"):
        assert by_name(name).boundary.distance(line) < 1e-9
        assert by_name(name).boundary.hausdorff_distance(line) > 1  # not the whole border
    # The undisputed international border further south is not part of it.
    assert line.distance(shapely.Point(74.6, 31.5)) > 0.5


def test_every_disputed_line_lies_on_two_country_edges():
    lines = basemap.disputed_boundaries()
    assert {LOC, LAC} <= set(lines["label"])
    assert set(lines.geom_type) == {"LineString"}
    table = basemap.countries()
    edges = shapely.boundary(table.geometry.values)
    for label, line in zip(lines["label"], lines.geometry, strict=True):
        touching = table["name"][shapely.distance(edges, line.interpolate(0.5, normalized=True)) < 1e-6]
        assert len(touching) == 2, (label, list(touching))


def test_line_of_actual_control_reaches_aksai_chin_and_arunachal():
    lac = basemap.disputed_boundaries().query("label == @LAC")
    assert lac.intersects(shapely.box(78, 34, 80, 36)).any()  # Aksai Chin
    assert lac.intersects(shapely.box(91, 27, 98, 30)).any()  # eastern sector


def test_disputed_geojson_matches_the_table():
    collection = basemap.disputed_geojson()
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [f["properties"]["label"] for f in features] == list(basemap.disputed_boundaries()["label"])
    assert {f["geometry"]["type"] for f in features} == {"LineString"}
    json.dumps(collection)  # plain JSON, no numpy types


# --- vendored assets and licences ---------------------------------------------------


@pytest.mark.parametrize(
    ("relpath", "marker"),
    [
        ("leaflet/leaflet.js", "1.9.4"),
        ("leaflet/leaflet.css", ".leaflet-container"),
        ("leaflet/LICENSE", "Volodymyr Agafonkin"),
        ("topojson-client/topojson-client.min.js", "topojson-client v3.1.0"),
        ("topojson-client/LICENSE", "Michael Bostock"),
        ("README.md", "npm pack"),
    ],
)
def test_vendored_text_assets(relpath, marker):
    assert marker in basemap.asset_text(relpath)


def test_vendored_images_are_pngs():
    for name in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png", "layers.png", "layers-2x.png"):
        assert basemap.asset_bytes(f"leaflet/images/{name}").startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("relpath", ["../basemap.py", "leaflet/missing.js", "leaflet"])
def test_asset_helpers_refuse_paths_outside_the_assets(relpath):
    with pytest.raises(FileNotFoundError):
        basemap.asset_bytes(relpath)


def test_basemap_data_ships_with_its_licence():
    folder = REPO / "data" / "basemap"
    assert "Michael Bostock" in (folder / "LICENSE-world-atlas").read_text()
    assert "public domain" in (folder / "README.md").read_text().lower()
