"""The offline basemap: country polygons, disputed boundary lines and vendored web assets.

For: the map layers every view draws, the country check behind validation ("do these
coordinates lie in or near the named country?"), and the JS/CSS the web map inlines.
It must not touch the network or import Streamlit, and it never presents a disputed
line as a settled border: those come separately, with neutral labels, to be drawn dashed.

Data: ``data/basemap/countries-50m.json`` (and ``-110m``), world-atlas 2.0.2, i.e.
Natural Earth 4.1.0 Admin 0 countries as TopoJSON. Natural Earth draws de facto
control, so the India–Pakistan polygons meet on the Line of Control in Kashmir and
India–China on the Line of Actual Control; Siachen Glacier is a polygon of its own.

Disputed-boundary rule (``disputed_boundaries``): a line is the run of TopoJSON arcs
shared by the two features of a rule in ``_DISPUTED``, optionally cut to a box or to
the stretch between two anchor points (each snapped to the nearest point of the line).
The India–Pakistan shared line is one arc from the Arabian Sea to the Siachen
Glacier junction (NJ 9842). Going north it is the undisputed international border
as far as the Ravi (the Punjab–Jammu and Kashmir tri-junction, ~32.3°N 75.3°E),
then the Jammu–Sialkot stretch that Pakistan calls the Working Boundary and India
the International Border, to the Chhamb sector (~32.8°N 74.3°E) where Pakistan's
Punjab, Pakistan-administered Kashmir and Indian-administered Jammu and Kashmir
meet; from there to NJ 9842 it is the Line of Control. Every India–China shared arc
is the Line of Actual Control.

Country check (``countries_near``): de facto polygons, plus ``_ALSO_MATCHES``: areas
where a second code is as legitimate a name for the place (and is what datasets such
as ACLED use): Siachen Glacier matches IN and PK, Crimea UA as well as RU, and the
Moroccan-administered part of Western Sahara EH as well as MA.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point, mapping
from shapely.ops import linemerge, substring

from geo import DATA_DIR, names

BASEMAP_DIR = DATA_DIR / "basemap"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"
CRS = "EPSG:4326"
Scale = Literal["50m", "110m"]

_KM_PER_DEGREE = 111.195  # great-circle km per degree of latitude (mean Earth radius)

# Features that world-atlas leaves without an ISO 3166-1 numeric id.
_ISO_BY_NAME: dict[str, str | None] = {
    "Kosovo": "XK",  # user-assigned code in common use
    "Somaliland": "SO",  # ISO 3166 counts it as part of Somalia
    "N. Cyprus": "CY",  # ISO 3166 counts it as part of Cyprus
    "Indian Ocean Ter.": None,  # split per island into CX / CC below
    "Siachen Glacier": None,  # disputed; see _ALSO_MATCHES
}
# Christmas Island lies east of 100°E, the Cocos (Keeling) Islands west of it.
_INDIAN_OCEAN_TER = ("Indian Ocean Ter.", 100.0, "CX", "CC")

_Box = tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max
_CRIMEA: _Box = (32.4, 44.3, 36.6, 46.3)  # holds Russia's Crimea polygon, not Taman
_WESTERN_SAHARA: _Box = (-17.5, 20.5, -8.6, 27.6667)  # south of Morocco's 1958 border
_ALSO_MATCHES: tuple[tuple[str, _Box | None, tuple[str, ...]], ...] = (
    ("Siachen Glacier", None, ("IN", "PK")),
    ("Russia", _CRIMEA, ("UA",)),
    ("Morocco", _WESTERN_SAHARA, ("EH",)),
)

_NJ9842 = (77.05, 35.11)  # India–Pakistan–Siachen Glacier junction in the data
_CHHAMB = (74.31, 32.81)  # Punjab (PK) – Pakistan-administered Kashmir – Indian-administered J&K
_RAVI = (75.33, 32.28)  # Punjab (IN) – Jammu and Kashmir – Punjab (PK), on the Ravi

_Where = tuple[tuple[float, float], tuple[float, float]] | _Box | None
_DISPUTED: tuple[tuple[str, str, _Where, str], ...] = (
    ("India", "Pakistan", (_NJ9842, _CHHAMB), "Line of Control (de facto boundary)"),
    ("India", "Pakistan", (_CHHAMB, _RAVI), "Working Boundary / International Border (Jammu–Sialkot; designation disputed)"),
    ("India", "China", None, "Line of Actual Control (de facto boundary)"),
    ("Pakistan", "Siachen Glacier", None, "Actual Ground Position Line (de facto boundary, Siachen Glacier)"),
    ("China", "Siachen Glacier", None, "De facto boundary (Siachen Glacier – Shaksgam Valley)"),
    ("China", "Pakistan", None, "China–Pakistan boundary (1963 provisional agreement; disputed by India)"),
    ("Russia", "Ukraine", _CRIMEA, "Crimea – mainland Ukraine line (de facto boundary; status disputed)"),
    ("Israel", "Syria", None, "Golan Heights ceasefire line (de facto boundary)"),
    ("Israel", "Palestine", None, "1949 Armistice Line (Green Line)"),
    ("Cyprus", "N. Cyprus", None, "Green Line (UN buffer zone, de facto boundary)"),
    ("Serbia", "Kosovo", None, "Kosovo–Serbia boundary (status disputed)"),
    ("Somalia", "Somaliland", None, "Somaliland–Somalia boundary (de facto)"),
    ("Morocco", "W. Sahara", None, "Berm (de facto line of control, Western Sahara)"),
)

# --- TopoJSON decoding -------------------------------------------------------------


def _decode_arcs(topology: dict) -> list[np.ndarray]:
    """Each arc as an (n, 2) array of lon/lat, undoing quantization and delta encoding."""
    transform = topology.get("transform")
    if transform is None:
        return [np.asarray(arc, dtype=float)[:, :2] for arc in topology["arcs"]]
    scale = np.asarray(transform["scale"], dtype=float)
    translate = np.asarray(transform["translate"], dtype=float)
    return [np.cumsum(np.asarray(arc, dtype=float)[:, :2], axis=0) * scale + translate for arc in topology["arcs"]]


def _ring(arcs: list[np.ndarray], indices: Sequence[int]) -> np.ndarray:
    """Join arcs into one ring; a negative index ~i means arc i reversed."""
    parts = []
    for index in indices:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(points if not parts else points[1:])  # arcs share their end points
    return np.concatenate(parts)


def _planar(ring: np.ndarray) -> shapely.Geometry:
    """A ring as a planar area: longitudes made continuous across ±180° (starting inside
    [-180, 180)), and a ring that circles a pole closed through the pole."""
    lon = np.unwrap(ring[:, 0], period=360)
    lon -= 360 * np.floor((lon.min() + 180) / 360)
    ring = np.column_stack([lon, ring[:, 1]])
    if abs(lon[-1] - lon[0]) > 180:
        pole = -90.0 if ring[:, 1].mean() < 0 else 90.0
        ring = np.vstack([ring, [[lon[-1], pole], [lon[0], pole]], ring[:1]])
    return shapely.make_valid(shapely.Polygon(ring), method="structure")


def _fold(geometry: shapely.Geometry) -> shapely.Geometry:
    """Cut a geometry reaching past ±180° into pieces moved back inside [-180, 180]."""
    pieces = [
        shapely.transform(geometry & shapely.box(-180 - shift, -90, 180 - shift, 90), lambda xy, s=shift: xy + (s, 0))
        for shift in (-360, 0, 360)
    ]
    return shapely.union_all([p for p in pieces if not p.is_empty])


def _polygon(arcs: list[np.ndarray], rings: list) -> shapely.Geometry:
    """A polygon from arc rings. World-atlas joins the halves of a polygon cut by the
    antimeridian (for spherical renderers); such a polygon is cut again here."""
    exterior, *holes = (_ring(arcs, r) for r in rings)
    if all(np.abs(np.diff(r[:, 0])).max() <= 180 for r in (exterior, *holes)):
        return shapely.Polygon(exterior, holes)
    # The area inside an odd number of rings; this also rebuilds Antarctica, whose rings
    # (one just off the South Pole, one along the coast) both circle the pole.
    return _fold(functools.reduce(shapely.symmetric_difference, map(_planar, (exterior, *holes))))


def _geometry(arcs: list[np.ndarray], geometry: dict) -> shapely.Geometry:
    """A TopoJSON Polygon or MultiPolygon as a valid shapely geometry."""
    if geometry["type"] == "Polygon":
        polygons = [_polygon(arcs, geometry["arcs"])]
    elif geometry["type"] == "MultiPolygon":
        polygons = [_polygon(arcs, rings) for rings in geometry["arcs"]]
    else:
        raise ValueError(f"unsupported TopoJSON geometry type {geometry['type']!r}")
    parts = shapely.get_parts(polygons)
    merged = parts[0] if len(parts) == 1 else shapely.MultiPolygon(list(parts))
    return shapely.make_valid(merged, method="structure")


def _arc_ids(geometry: dict) -> set[int]:
    """The arcs a feature's rings use, as non-negative indices."""
    found: set[int] = set()

    def walk(node: list | int) -> None:
        if isinstance(node, int):
            found.add(node if node >= 0 else ~node)
        else:
            for child in node:
                walk(child)

    walk(geometry["arcs"])
    return found


@functools.cache
def _topology(scale: Scale = "50m") -> tuple[str, dict, list[np.ndarray]]:
    text = (BASEMAP_DIR / f"countries-{scale}.json").read_text(encoding="utf-8")
    topology = json.loads(text)
    return text, topology, _decode_arcs(topology)


# --- countries -----------------------------------------------------------------------


@functools.cache
def _countries() -> gpd.GeoDataFrame:
    _, topology, arcs = _topology()
    rows = []
    for feature in topology["objects"]["countries"]["geometries"]:
        name = feature["properties"]["name"]
        geometry = _geometry(arcs, feature)
        if name == _INDIAN_OCEAN_TER[0]:
            _, split_lon, east, west = _INDIAN_OCEAN_TER
            for part in shapely.get_parts(geometry):
                code = east if part.centroid.x > split_lon else west
                rows.append((code, name, part))
            continue
        code = names.country_code(feature["id"]) if "id" in feature else _ISO_BY_NAME[name]
        rows.append((code, name, geometry))
    return gpd.GeoDataFrame(rows, columns=["iso_a2", "name", "geometry"], crs=CRS)


def countries() -> gpd.GeoDataFrame:
    """Natural Earth 1:50m country polygons: columns iso_a2, name, geometry (EPSG:4326).

    ``iso_a2`` is missing (NA) for Siachen Glacier, which Natural Earth assigns to no country.
    """
    return _countries().copy()


# --- disputed boundaries -----------------------------------------------------------


def _shared_line(topology: dict, arcs: list[np.ndarray], a: str, b: str) -> shapely.Geometry:
    by_name = {g["properties"]["name"]: g for g in topology["objects"]["countries"]["geometries"]}
    shared = _arc_ids(by_name[a]) & _arc_ids(by_name[b])
    if not shared:
        raise ValueError(f"{a} and {b} share no boundary in the basemap")
    return linemerge([shapely.LineString(arcs[i]) for i in sorted(shared)])


def _section(line: shapely.Geometry, where: _Where) -> shapely.Geometry:
    """The part of ``line`` inside a box, or between the points nearest to two anchors."""
    if where is None:
        return line
    if len(where) == 4:
        return shapely.clip_by_rect(line, *where)
    if not isinstance(line, shapely.LineString):
        raise ValueError("an anchored section needs one continuous shared line")
    start, end = sorted(line.project(Point(anchor)) for anchor in where)
    return substring(line, start, end)


@functools.cache
def _disputed() -> gpd.GeoDataFrame:
    _, topology, arcs = _topology()
    rows = []
    for a, b, where, label in _DISPUTED:
        section = _section(_shared_line(topology, arcs, a, b), where)
        rows.extend((label, part) for part in shapely.get_parts(section))
    return gpd.GeoDataFrame(rows, columns=["label", "geometry"], crs=CRS)


def disputed_boundaries() -> gpd.GeoDataFrame:
    """De facto and disputed boundary lines: columns label (neutral wording), geometry.

    One LineString per row; draw them dashed, distinct from settled borders.
    """
    return _disputed().copy()


def disputed_geojson() -> dict:
    """``disputed_boundaries()`` as a GeoJSON FeatureCollection (coordinates to 5 decimals)."""
    features = [
        {
            "type": "Feature",
            "properties": {"label": label},
            "geometry": mapping(shapely.set_precision(geometry, 1e-5)),
        }
        for label, geometry in zip(_disputed()["label"], _disputed().geometry, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def topojson_text(scale: Scale = "50m") -> str:
    """The raw world-atlas TopoJSON (objects ``countries`` and ``land``) for the browser."""
    return _topology(scale)[0]


# --- country check -----------------------------------------------------------------


@functools.cache
def _near_index() -> tuple[shapely.STRtree, np.ndarray, np.ndarray]:
    """Polygon parts (prepared), the ISO code each matches, and an STRtree over them."""
    table = _countries()
    areas = [(code, geometry) for code, geometry in zip(table["iso_a2"], table.geometry, strict=True) if isinstance(code, str)]
    for name, box, codes in _ALSO_MATCHES:
        geometry = table.geometry[table["name"] == name].iloc[0]
        area = geometry if box is None else shapely.clip_by_rect(geometry, *box)
        areas.extend((code, area) for code in codes)
    parts, part_codes = [], []
    for code, geometry in areas:
        for part in shapely.get_parts(geometry):
            parts.append(part)
            part_codes.append(code)
    geometries = np.array(parts, dtype=object)
    shapely.prepare(geometries)
    return shapely.STRtree(geometries), geometries, np.array(part_codes, dtype=object)


def _search_areas(lats: np.ndarray, lons: np.ndarray, tolerance_km: float) -> np.ndarray:
    """Points, or ellipses in degrees approximating circles of tolerance_km around them."""
    if tolerance_km <= 0:
        return shapely.points(lons, lats)
    angles = np.linspace(0, 2 * np.pi, 25)
    dlat = tolerance_km / _KM_PER_DEGREE
    dlon = dlat / np.maximum(np.cos(np.radians(lats)), 0.01)
    ring_lons = lons[:, None] + dlon[:, None] * np.cos(angles)
    ring_lats = lats[:, None] + dlat * np.sin(angles)
    return shapely.polygons(np.stack([ring_lons, ring_lats], axis=-1))


def countries_near_many(
    lats: Sequence[float] | np.ndarray,
    lons: Sequence[float] | np.ndarray,
    tolerance_km: float = 25.0,
) -> list[set[str]]:
    """For each point, the ISO alpha-2 codes of countries containing it or within tolerance_km.

    Raises ValueError for a coordinate that is not finite or out of range.
    """
    lats = np.asarray(lats, dtype=float)
    lons = np.asarray(lons, dtype=float)
    if lats.shape != lons.shape or lats.ndim != 1:
        raise ValueError("lats and lons must be sequences of the same length")
    bad = ~(np.isfinite(lats) & np.isfinite(lons) & (np.abs(lats) <= 90) & (np.abs(lons) <= 180))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"coordinate {i} is out of range: lat={lats[i]}, lon={lons[i]}")
    tree, geometries, codes = _near_index()
    areas = _search_areas(lats, lons, tolerance_km)
    point_idx, part_idx = tree.query(areas)
    hit = shapely.intersects(geometries[part_idx], areas[point_idx])
    found: list[set[str]] = [set() for _ in range(len(lats))]
    for i, code in zip(point_idx[hit], codes[part_idx[hit]], strict=True):
        found[i].add(code)
    return found


def countries_near(lat: float, lon: float, tolerance_km: float = 25.0) -> set[str]:
    """ISO alpha-2 codes of countries containing (lat, lon) or within tolerance_km of it."""
    return countries_near_many([lat], [lon], tolerance_km)[0]


# --- vendored assets ---------------------------------------------------------------


def _asset_path(relpath: str) -> Path:
    path = (ASSETS_DIR / relpath).resolve()
    if not path.is_relative_to(ASSETS_DIR) or not path.is_file():
        raise FileNotFoundError(f"no asset {relpath!r} in {ASSETS_DIR}")
    return path


def asset_bytes(relpath: str) -> bytes:
    """A vendored file under geo/assets, e.g. ``leaflet/images/marker-icon.png``."""
    return _asset_path(relpath).read_bytes()


def asset_text(relpath: str) -> str:
    """A vendored text file under geo/assets, e.g. ``leaflet/leaflet.js``."""
    return _asset_path(relpath).read_text(encoding="utf-8")
