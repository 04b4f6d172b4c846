"""Place filters and counts per area from the command line, run as a subprocess the way users run it.

The expected events are worked out here, independently: great-circle distances
with the test's own haversine, polygon membership with shapely on the polygon
as the test drew it (before it was written in another coordinate system).
"""

from __future__ import annotations

import csv
import json
import math

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geo import areas, basemap
from geo.export import geojson_text
from geo.frame import to_frame
from geo.geodesy import EARTH_RADIUS_KM
from tests.helpers import make_record, run_cli

AJK = "Pakistan-administered Kashmir (Azad Jammu and Kashmir)"
SQUARE = shapely.Polygon([(73.0, 33.0), (74.0, 33.0), (74.0, 34.0), (73.0, 34.0)])
NOTCH = shapely.Polygon([(73.4, 33.6), (73.6, 33.6), (73.6, 34.2), (73.4, 34.2)])  # cut out of the square's top
AREA = SQUARE.difference(NOTCH)
EDGE_POINTS = [(33.0, 73.5), (33.5, 74.0), (34.0, 73.0), (33.6, 73.5), (33.8, 73.4)]  # edges, a corner, the notch's floor and side
OUTSIDE_POINTS = [(32.999, 73.5), (33.8, 73.5), (33.5, 74.001)]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def points() -> list[tuple[float, float]]:
    """A grid over and around the area, plus points on its edges and just outside."""
    grid = [(32.8 + 0.15 * i, 72.8 + 0.15 * j) for i in range(10) for j in range(10)]
    return grid + EDGE_POINTS + OUTSIDE_POINTS


@pytest.fixture(scope="module")
def events_file(tmp_path_factory, points) -> str:
    """An event file with an event at each point (ids p0, p1, ...) and one unmapped event."""
    records = [make_record(id=f"p{i}", lat=lat, lon=lon, country="", admin1="") for i, (lat, lon) in enumerate(points)]
    records.append(make_record(id="nowhere", lat=None, lon=None, location_precision="unknown", place_name="", admin1=""))
    path = tmp_path_factory.mktemp("spatial") / "events.geojson"
    path.write_text(geojson_text(to_frame(records)), encoding="utf-8")
    return str(path)


def exported_ids(path) -> set[str]:
    return {f["id"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]}


def test_near_keeps_exactly_the_events_within_the_distance(tmp_path, events_file, points):
    centre = (33.4, 73.5)
    distances = [haversine_km(*centre, lat, lon) for lat, lon in points]
    km = distances[55]  # p55 lies on the circle
    out = tmp_path / "near.geojson"
    result = run_cli("export", "geojson", "--input", events_file, "--out", str(out), "--near", f"{centre[0]},{centre[1]},{km!r}")
    assert result.returncode == 0, result.stderr
    expected = {f"p{i}" for i, d in enumerate(distances) if d <= km}
    assert exported_ids(out) == expected and "p55" in expected and 0 < len(expected) < len(points)
    assert "1 event with no map point left out by the place filter" in result.stdout


def write_area_files(folder) -> dict[str, str]:
    """The area (and a stray point, which must be ignored) as GeoJSON and GeoPackage in Web Mercator, and as the KML
    Google Earth saves: a folder, a style, z coordinates."""
    frame = gpd.GeoDataFrame({"name": ["area", "marker"]}, geometry=[AREA, shapely.Point(10, 10)], crs="EPSG:4326")
    mercator = frame.to_crs("EPSG:3857")
    paths = {"geojson": folder / "area.geojson", "gpkg": folder / "area.gpkg", "kml": folder / "area.kml"}
    mercator.to_file(paths["geojson"], driver="GeoJSON")
    mercator.iloc[:1].to_file(paths["gpkg"], layer="area", driver="GPKG")
    mercator.iloc[1:].to_file(paths["gpkg"], layer="markers", driver="GPKG")
    ring = " ".join(f"{x},{y},0" for x, y in AREA.exterior.coords)
    paths["kml"].write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">
<Document><name>area.kml</name>
  <Style id="poly"><LineStyle><color>ff0000ff</color></LineStyle><PolyStyle><color>400000ff</color></PolyStyle></Style>
  <Folder><name>My places</name>
    <Placemark><name>Study area</name><styleUrl>#poly</styleUrl>
      <Polygon><tessellate>1</tessellate><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon>
    </Placemark>
    <Placemark><name>A pin</name><Point><coordinates>10,10,0</coordinates></Point></Placemark>
  </Folder>
</Document></kml>""", encoding="utf-8")
    return {fmt: str(path) for fmt, path in paths.items()}


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml"])
def test_within_keeps_exactly_the_events_inside_the_files_polygon(tmp_path, events_file, points, fmt):
    area_file = write_area_files(tmp_path)[fmt]
    assert fmt == "kml" or "3857" in str(pyogrio.read_info(area_file, layer=0)["crs"])
    out = tmp_path / "within.geojson"
    result = run_cli("export", "geojson", "--input", events_file, "--out", str(out), "--within", area_file)
    assert result.returncode == 0, result.stderr
    expected = {f"p{i}" for i, (lat, lon) in enumerate(points) if AREA.covers(shapely.Point(lon, lat))}
    assert exported_ids(out) == expected
    first_edge = len(points) - len(EDGE_POINTS) - len(OUTSIDE_POINTS)
    assert {f"p{first_edge + i}" for i in range(len(EDGE_POINTS))} <= expected
    assert not {f"p{first_edge + len(EDGE_POINTS) + i}" for i in range(len(OUTSIDE_POINTS))} & expected
    assert "1 event with no map point left out by the place filter" in result.stdout


def test_a_file_without_a_usable_polygon_is_a_clear_error_naming_it(tmp_path, events_file):
    points_only = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(73, 33)], crs="EPSG:4326").to_file(points_only, driver="GeoJSON")
    empty = tmp_path / "empty.gpkg"
    empty.write_bytes(b"")
    no_features = tmp_path / "none.geojson"
    no_features.write_text('{"type": "FeatureCollection", "features": []}')
    junk = tmp_path / "junk.kml"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    out = tmp_path / "never.geojson"
    for path, reason in ((points_only, "no polygon in this file (only 1 point(s) or line(s))"),
                         (empty, "not a file GDAL can read"),
                         (no_features, "no polygon in this file (no features)"),
                         (junk, "not a file GDAL can read"),
                         (tmp_path / "missing.kml", "no such file")):
        result = run_cli("export", "geojson", "--input", events_file, "--out", str(out), "--within", str(path))
        assert result.returncode == 2, (path, result.stderr)
        assert f"{path}: {reason}" in result.stderr and "Traceback" not in result.stderr
        assert not out.exists()


def test_admin1_matches_by_polygon_and_suggests_close_names(tmp_path):
    out = tmp_path / "ajk.geojson"
    result = run_cli("export", "geojson", "--out", str(out), "--admin1", "azad kashmir")
    assert result.returncode == 0, result.stderr
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    polygon = basemap.admin1().query(f"name == '{AJK}'").union_all()
    assert len(features) == 3
    assert all(polygon.covers(shapely.Point(f["geometry"]["coordinates"])) for f in features)
    assert "7 events with no map point left out by the place filter" in result.stdout
    both = run_cli("export", "geojson", "--out", str(out), "--admin1", "AJK", "--admin1", "PUNJAB")
    assert both.returncode == 0 and "Wrote 4 of 15 events" in both.stdout  # Gujranwala lies in Punjab (Pakistan)
    wrong = run_cli("export", "geojson", "--out", str(tmp_path / "never.geojson"), "--admin1", "Balochistann")
    assert wrong.returncode == 2
    assert "admin1: no first-level area is called 'Balochistann' (did you mean: Balochistan" in wrong.stderr
    assert not (tmp_path / "never.geojson").exists()


def test_counts_per_area_and_country_from_the_command_line(tmp_path):
    out = tmp_path / "areas.csv"
    result = run_cli("export", "csv", "--by", "admin1", "--out", str(out), "--near", "33.3,73.7,100")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows == [{"admin1": AJK, "country": "PK", "country_name": "Pakistan", "events": "3"}]
    countries = tmp_path / "countries.csv"
    assert run_cli("export", "csv", "--by", "country", "--out", str(countries)).returncode == 0
    rows = list(csv.DictReader(countries.open(encoding="utf-8")))
    assert sum(int(r["events"]) for r in rows) == 15 and rows[-1]["country_name"] == areas.NO_COUNTRY
    misused = run_cli("export", "kml", "--by", "admin1", "--out", str(tmp_path / "x.kml"))
    assert misused.returncode == 2 and "--by gives counts per area as csv" in misused.stderr


def test_kml_from_the_command_line_opens_in_gdal(tmp_path):
    out = tmp_path / "ajk.kml"
    result = run_cli("export", "kml", "--out", str(out), "--admin1", "AJK", "--title", "AJK events")
    assert result.returncode == 0, result.stderr
    read = pyogrio.read_dataframe(out)
    begins = {row.event_id: row.begin for row in read.itertuples()}
    assert begins.keys() == {f"mahjar-barducci-{name}" for name in ("dadyal-jem-rally", "rawalakot-conference", "mirpur-conference")}
    assert begins["mahjar-barducci-dadyal-jem-rally"] == pd.Timestamp("2025-11-29")
    assert pd.isna(begins["mahjar-barducci-mirpur-conference"])  # undated: no time span
    assert "<h3>JeM rally in Dadyal" in read.set_index("event_id").loc["mahjar-barducci-dadyal-jem-rally", "description"]
