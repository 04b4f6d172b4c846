"""The offline basemap: country polygons, disputed boundary lines, first-level areas, rivers,
lakes and vendored web assets.

For: the map layers every view draws, the country check behind validation ("do these
coordinates lie in or near the named country?"), naming the first-level area a point lies in
and finding areas by a user's words, and the JS/CSS the web map inlines.
It must not touch the network or import Streamlit, and it never presents a disputed
line as a settled border: those come separately, with neutral labels, to be drawn dashed.
Disputed first-level areas carry neutral display names (``names.ADMIN1_NAMES``).

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

Natural Earth layers (``admin1``, ``claim_lines``, ``rivers``, ``lakes``, and ``layers(bbox)`` for a
view): ``data/basemap/naturalearth.json``, built by ``data/basemap/make_layers.py``; its README
says from what. Natural Earth's own "disputed areas" lines are claim limits, not lines of control,
so they complement the derived lines above (``claim_lines``) rather than replace them.

Country check (``countries_near``): de facto polygons, plus ``_ALSO_MATCHES``: areas
where a second code is as legitimate a name for the place (and is what datasets such
as ACLED use): Siachen Glacier matches IN and PK, Crimea UA as well as RU, and the
Moroccan-administered part of Western Sahara EH as well as MA.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, mapping
from shapely.ops import linemerge, substring

from geo import DATA_DIR, diskcache, names
from geo.geodesy import KM_PER_DEGREE, distance_km

BASEMAP_DIR = DATA_DIR / "basemap"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"
CRS = "EPSG:4326"
Scale = Literal["50m", "110m"]

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
    return shapely.make_valid(_assemble(arcs, geometry), method="structure")


def _valid(geometries: Sequence[shapely.Geometry]) -> np.ndarray:
    """Geometries made valid, testing them all at once and repairing only those that need it."""
    geometries = np.asarray(geometries, dtype=object)
    bad = ~shapely.is_valid(geometries)
    geometries[bad] = shapely.make_valid(geometries[bad], method="structure")
    return geometries


def _assemble(arcs: list[np.ndarray], geometry: dict) -> shapely.Geometry:
    """A TopoJSON Polygon or MultiPolygon as a shapely geometry, not yet checked for validity."""
    if geometry["type"] == "Polygon":
        polygons = [_polygon(arcs, geometry["arcs"])]
    elif geometry["type"] == "MultiPolygon":
        polygons = [_polygon(arcs, rings) for rings in geometry["arcs"]]
    else:
        raise ValueError(f"unsupported TopoJSON geometry type {geometry['type']!r}")
    parts = shapely.get_parts(polygons)
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(list(parts))


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
def _topology() -> tuple[dict, list[np.ndarray]]:
    """The 1:50m countries topology and its decoded arcs (only built tables need them: see ``_Kept``)."""
    topology = json.loads(topojson_text())
    return topology, _decode_arcs(topology)


# --- the built tables, kept on disk -------------------------------------------------


class _Kept:
    """A table ``build`` makes, kept on disk per version of the data (``geo.diskcache``): decoding the topologies and
    repairing the polygons costs seconds that every export and app start would pay.

    Calling it gives the whole table, read once per process.  ``meeting`` and ``rows`` read only the rows whose
    bounding boxes (kept beside the shapes) meet a view: a map of a few events parses a few shapes, not thousands.
    """

    def __init__(self, build: Callable[[], gpd.GeoDataFrame]):
        functools.update_wrapper(self, build)
        self._build, self._kind = build, "basemap_" + build.__name__.strip("_")

    @functools.cached_property
    def _arrays(self) -> diskcache.Arrays:
        return diskcache.load_or_build(self._kind, _version_key(), lambda: _to_arrays(self._build()))

    @functools.cached_property
    def _table(self) -> gpd.GeoDataFrame:
        return _from_arrays(self._arrays)

    def __call__(self) -> gpd.GeoDataFrame:
        return self._table

    @functools.cached_property
    def columns(self) -> pd.DataFrame:
        """The table without its shapes (no shape is parsed)."""
        return _columns_from_arrays(self._arrays)

    @functools.cached_property
    def bounds(self) -> np.ndarray:
        """Each row's bounding box, (lon_min, lat_min, lon_max, lat_max); NaN for a missing shape."""
        return self._arrays["bounds"]

    def meeting(self, boxes: np.ndarray | Sequence[Bbox]) -> np.ndarray:
        """The positions, in table order, of the rows whose bounding box meets (touching counts) any of ``boxes``."""
        boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
        x0, y0, x1, y1 = (self.bounds[:, k, None] for k in range(4))
        meets = (x0 <= boxes[:, 2]) & (x1 >= boxes[:, 0]) & (y0 <= boxes[:, 3]) & (y1 >= boxes[:, 1])
        return np.flatnonzero(meets.any(axis=1))

    def rows(self, positions: np.ndarray) -> gpd.GeoDataFrame:
        """The rows at ``positions`` (their positions as the index), as ``self().iloc[positions]`` gives them."""
        if "_table" in self.__dict__:
            return self._table.iloc[positions]
        return gpd.GeoDataFrame(self.columns.iloc[positions], geometry=_shapes_from_arrays(self._arrays, positions), crs=CRS)



@functools.cache
def _version_key() -> str:
    """A digest of the basemap data, this module and ``geo.names`` (neutral names), with the GEOS version that repaired
    the polygons."""
    sources = [BASEMAP_DIR / f"countries-{scale}.json" for scale in ("50m", "110m")]
    sources += [BASEMAP_DIR / _NE_FILE, Path(__file__), Path(names.__file__)]
    return f"{diskcache.digest(*sources)}-geos{shapely.geos_version_string}"


def _to_arrays(table: gpd.GeoDataFrame) -> diskcache.Arrays:
    """A table as arrays: geometries as WKB in one buffer with offsets, and their bounding boxes; the other columns
    (with their types) as JSON."""
    wkb = [b or b"" for b in shapely.to_wkb(table.geometry.values)]
    geometry = table.geometry.name
    columns = {name: [str(table[name].dtype), table[name].tolist()] for name in table.columns if name != geometry}
    return {
        "wkb": np.frombuffer(b"".join(wkb), dtype=np.uint8),
        "offsets": np.cumsum([0, *map(len, wkb)]),
        "bounds": shapely.bounds(table.geometry.values),
        "columns": np.frombuffer(json.dumps(columns).encode(), dtype=np.uint8),
    }


def _columns_from_arrays(arrays: diskcache.Arrays) -> pd.DataFrame:
    """The columns ``_to_arrays`` stored but the geometry (tuples, which JSON keeps as lists, restored)."""
    index = pd.RangeIndex(len(arrays["offsets"]) - 1)
    return pd.DataFrame({
        name: pd.Series([tuple(v) if isinstance(v, list) else v for v in values], index=index, dtype=dtype)
        for name, (dtype, values) in json.loads(arrays["columns"].tobytes()).items()
    }, index=index)  # fmt: skip


def _shapes_from_arrays(arrays: diskcache.Arrays, positions: np.ndarray | None = None) -> np.ndarray:
    """The geometries ``_to_arrays`` stored, all or those at ``positions`` (an empty WKB is a missing geometry)."""
    offsets = arrays["offsets"]
    if positions is None:
        blob = arrays["wkb"].tobytes()
        wkb = [blob[start:stop] or None for start, stop in zip(offsets[:-1], offsets[1:], strict=True)]
    else:
        wkb = [arrays["wkb"][offsets[k]:offsets[k + 1]].tobytes() or None for k in positions]
    return shapely.from_wkb(wkb)


def _from_arrays(arrays: diskcache.Arrays) -> gpd.GeoDataFrame:
    """The table ``_to_arrays`` stored."""
    return gpd.GeoDataFrame(_columns_from_arrays(arrays), geometry=_shapes_from_arrays(arrays), crs=CRS)


# --- countries -----------------------------------------------------------------------


@_Kept
def _countries() -> gpd.GeoDataFrame:
    topology, arcs = _topology()
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


@_Kept
def _disputed() -> gpd.GeoDataFrame:
    topology, arcs = _topology()
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
            "properties": {"label": label, "short": names.SHORT_LINE_NAMES.get(label, label)},
            "geometry": mapping(shapely.set_precision(geometry, 1e-5)),
        }
        for label, geometry in zip(_disputed()["label"], _disputed().geometry, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


@functools.cache
def topojson_text(scale: Scale = "50m") -> str:
    """The raw world-atlas TopoJSON (objects ``countries`` and ``land``) for the browser."""
    return (BASEMAP_DIR / f"countries-{scale}.json").read_text(encoding="utf-8")


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


def _search_reach(lats: np.ndarray, tolerance_km: float) -> tuple[float, np.ndarray]:
    """How far, in degrees of latitude and of longitude, the search areas around points at ``lats`` reach."""
    dlat = max(tolerance_km, 0.0) / KM_PER_DEGREE
    return dlat, dlat / np.maximum(np.cos(np.radians(lats)), 0.01)


def _search_areas(lats: np.ndarray, lons: np.ndarray, tolerance_km: float) -> np.ndarray:
    """Points, or ellipses in degrees approximating circles of tolerance_km around them."""
    if tolerance_km <= 0:
        return shapely.points(lons, lats)
    angles = np.linspace(0, 2 * np.pi, 25)
    dlat, dlon = _search_reach(lats, tolerance_km)
    ring_lons = lons[:, None] + dlon[:, None] * np.cos(angles)
    ring_lats = lats[:, None] + dlat * np.sin(angles)
    return shapely.polygons(np.stack([ring_lons, ring_lats], axis=-1))


def _search_boxes(lats: np.ndarray, lons: np.ndarray, tolerance_km: float) -> np.ndarray:
    """The bounding boxes of ``_search_areas``, (lon_min, lat_min, lon_max, lat_max) per point."""
    dlat, dlon = _search_reach(lats, tolerance_km)
    return np.column_stack([lons - dlon, lats - dlat, lons + dlon, lats + dlat])


def countries_near_many(
    lats: Sequence[float] | np.ndarray,
    lons: Sequence[float] | np.ndarray,
    tolerance_km: float = 25.0,
) -> list[set[str]]:
    """For each point, the ISO alpha-2 codes of countries containing it or within tolerance_km.

    Raises ValueError for a coordinate that is not finite or out of range.
    """
    lats, lons = _check_points(lats, lons)
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


# --- Natural Earth layers: first-level areas, claim lines, rivers, lakes ----------------------------

_NE_FILE = "naturalearth.json"
ADMIN1_TOLERANCE_KM = 10.0  # how far outside every area a point may lie (coasts are generalised) and still get a name
_VIEW_PIXELS = 1000  # layers() simplifies to about 1/1000 of the view's span (a pixel) unless told otherwise
_LABEL_FRACTION = 50  # layers() labels only areas at least 1/50 of the view's span across
ADMIN1_MAX_SPAN = 40.0  # degrees: layers() leaves first-level areas out of views larger than this

Bbox = tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max


@functools.cache
def _ne_topology() -> tuple[dict, list[np.ndarray]]:
    topology = json.loads((BASEMAP_DIR / _NE_FILE).read_text(encoding="utf-8"))
    return topology, _decode_arcs(topology)


def _lines(arcs: list[np.ndarray], geometry: dict) -> shapely.Geometry:
    return shapely.MultiLineString([_ring(arcs, part) for part in geometry["arcs"]])


def _display_names(table: gpd.GeoDataFrame) -> tuple[list[str], list[tuple[str, ...]]]:
    """Neutral display name and aliases per row. A name that two countries share gets the country
    ("Punjab (Pakistan)"); the bare name stays an alias."""
    displays, aliases = [], []
    for code, adm0, name, gn_name in table[["iso_a2", "adm0_a3", "name", "gn_name"]].itertuples(index=False):
        if not isinstance(name, str):  # a few islands and Antarctica have no first-level name
            name = names.country_name(code) if isinstance(code, str) else adm0
        display, others = names.ADMIN1_NAMES.get((adm0, name), (name, (name,)))
        displays.append(display)
        others = [*others, *(n for n in (gn_name,) if isinstance(n, str))]
        aliases.append(tuple(dict.fromkeys(a for a in others if a != display)))
    countries_by_name: dict[str, set[str]] = {}
    for display, code in zip(displays, table["iso_a2"], strict=True):
        countries_by_name.setdefault(display, set()).add(code)
    for i, (display, code) in enumerate(zip(displays, table["iso_a2"], strict=True)):
        if len(countries_by_name[display]) > 1 and isinstance(code, str):
            displays[i] = f"{display} ({names.country_name(code)})"
            aliases[i] = (display, *aliases[i])
    return displays, aliases


@_Kept
def _admin1() -> gpd.GeoDataFrame:
    topology, arcs = _ne_topology()
    features = topology["objects"]["admin1"]["geometries"]
    table = gpd.GeoDataFrame(
        [f["properties"] for f in features],
        geometry=_valid([_assemble(arcs, f) for f in features]),
        crs=CRS,
    )
    area_names, aliases = _display_names(table)
    label_lon, label_lat = zip(*table["label"], strict=True)
    return gpd.GeoDataFrame(
        {
            "iso_a2": table["iso_a2"].astype(object).where(table["iso_a2"].notna(), None),
            "name": area_names,
            "aliases": aliases,
            "source_name": table["name"],
            "label_lon": np.asarray(label_lon, dtype=float),
            "label_lat": np.asarray(label_lat, dtype=float),
        },
        geometry=table.geometry.values,
        crs=CRS,
    )


def admin1() -> gpd.GeoDataFrame:
    """First-level areas (states, provinces, ...), Natural Earth 1:10m, de facto: columns iso_a2,
    name (neutral display name), aliases (other accepted names, a tuple), source_name (Natural
    Earth's), label_lon/label_lat (where a label fits), geometry (valid (Multi)Polygons, EPSG:4326).

    A display name may occur on several rows (an area in several pieces, or a city and the district
    around it) and then means their union. ``iso_a2`` is that of the country polygon the area lies
    in (None for the Siachen Glacier, the Spratly Islands and Clipperton Island).
    """
    return _admin1().copy()


def admin1_attributes() -> pd.DataFrame:
    """The columns of ``admin1()`` but the geometry, read without parsing a shape."""
    return _admin1.columns.copy()


def admin1_named(area_names: Sequence[str]) -> gpd.GeoDataFrame:
    """The rows of ``admin1()`` with these display names, in its order; only their shapes are parsed."""
    return _admin1.rows(np.flatnonzero(_admin1.columns["name"].isin(list(area_names)).to_numpy())).copy()


FEW_POINTS = 1000
"""``admin1_at_many`` looks up at most this many points among only the areas whose bounding boxes are near them."""


@functools.cache
def _admin1_index() -> tuple[shapely.STRtree, np.ndarray, np.ndarray]:
    """The index (``_part_index``) of every first-level area."""
    return _part_index(_admin1())


def _part_index(table: gpd.GeoDataFrame) -> tuple[shapely.STRtree, np.ndarray, np.ndarray]:
    """Polygon parts (prepared) in table order, the display name of each, and an STRtree over them."""
    parts, index = shapely.get_parts(table.geometry.values, return_index=True)
    shapely.prepare(parts)
    return shapely.STRtree(parts), parts, table["name"].to_numpy()[index]


def _check_points(lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lats, lons = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
    if lats.shape != lons.shape or lats.ndim != 1:
        raise ValueError("lats and lons must be sequences of the same length")
    bad = ~(np.isfinite(lats) & np.isfinite(lons) & (np.abs(lats) <= 90) & (np.abs(lons) <= 180))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"coordinate {i} is out of range: lat={lats[i]}, lon={lons[i]}")
    return lats, lons


def admin1_union(area_names: Sequence[str]) -> shapely.Geometry:
    """The first-level areas with these display names, as one (multi)polygon (empty when none has them)."""
    return shapely.union_all(admin1_named(area_names).geometry.to_numpy())


def admin1_at_many(
    lats: Sequence[float] | np.ndarray,
    lons: Sequence[float] | np.ndarray,
    tolerance_km: float = ADMIN1_TOLERANCE_KM,
) -> list[str | None]:
    """For each point, the display name of the first-level area containing it; for a point outside
    every area (a coast drawn coarser than reality, a jetty, a ship in port) the nearest area within
    tolerance_km; else None. Raises ValueError for a coordinate that is not finite or out of range.
    """
    lats, lons = _check_points(lats, lons)
    if len(lats) > FEW_POINTS:
        tree, parts, area_names = _admin1_index()
    else:  # the same answers from the few areas near the points: parts keep their order, so ties go the same way
        tree, parts, area_names = _part_index(_admin1.rows(_admin1.meeting(_search_boxes(lats, lons, tolerance_km))))
    point_idx, part_idx = tree.query(shapely.points(lons, lats), predicate="intersects")
    first = np.full(len(lats), len(area_names))
    np.minimum.at(first, point_idx, part_idx)  # the lowest part wins a shared edge
    found: list[str | None] = np.array([*area_names, None], dtype=object)[first].tolist()
    missing = np.flatnonzero(first == len(area_names))
    if tolerance_km <= 0 or not len(missing):
        return found
    areas = _search_areas(lats[missing], lons[missing], tolerance_km)
    area_idx, part_idx = tree.query(areas, predicate="intersects")
    if not len(area_idx):
        return found
    order = np.lexsort((part_idx, area_idx))  # of parts at the same distance, the lowest wins, whatever the tree's order
    area_idx, part_idx = area_idx[order], part_idx[order]
    points = shapely.points(lons[missing[area_idx]], lats[missing[area_idx]])
    nearest = shapely.get_coordinates(shapely.shortest_line(points, parts[part_idx]))[1::2]
    km = distance_km(lats[missing[area_idx]], lons[missing[area_idx]], nearest[:, 1], nearest[:, 0])
    best: dict[int, tuple[float, str]] = {}
    for k, j, d in zip(area_idx, part_idx, km, strict=True):
        if d <= tolerance_km and (k not in best or d < best[k][0]):
            best[k] = (d, area_names[j])
    for k, (_, name) in best.items():
        found[missing[k]] = name
    return found


def admin1_at(lat: float, lon: float, tolerance_km: float = ADMIN1_TOLERANCE_KM) -> str | None:
    """The display name of the first-level area at (or within tolerance_km of) a point, or None."""
    return admin1_at_many([lat], [lon], tolerance_km)[0]


def _fold_name(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of an area name; "&" reads as "and"."""
    return names.fold(text.replace("&", " and "))


@functools.cache
def _name_index() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Folded display names -> display names, and folded aliases -> display names (first seen first)."""
    by_name: dict[str, list[str]] = {}
    by_alias: dict[str, list[str]] = {}
    table = _admin1()
    for name, aliases in zip(table["name"], table["aliases"], strict=True):
        for key, index in [(_fold_name(name), by_name), *((_fold_name(a), by_alias) for a in aliases)]:
            if key and name not in index.setdefault(key, []):
                index[key].append(name)
    return by_name, by_alias


def find_admin1(query: str) -> list[str]:
    """Display names of the first-level areas a user's text names, best first; [] when none does.

    Matching ignores case, accents and punctuation ("&" reads as "and") and accepts the common names
    each side uses ("AJK", "PoK", "Jammu & Kashmir"). An exact name or alias wins; failing that, areas
    whose name or an alias contains every word of the query ("kashmir"). ``suggest_admin1`` offers
    close names for a misspelling.
    """
    folded = _fold_name(query)
    if not folded:
        return []
    by_name, by_alias = _name_index()
    exact = by_name.get(folded, []) + by_alias.get(folded, [])
    if exact:
        return list(dict.fromkeys(exact))
    words = set(folded.split())
    found: list[str] = []
    for index in (by_name, by_alias):
        for key, matched in index.items():
            if words <= set(key.split()):
                found.extend(matched)
    return sorted(dict.fromkeys(found))


def suggest_admin1(query: str, limit: int = 5) -> list[str]:
    """Display names whose name or alias is spelt closest to ``query`` (difflib), for "did you mean"."""
    by_name, by_alias = _name_index()
    keys = {**by_alias, **by_name}
    close = difflib.get_close_matches(_fold_name(query), list(keys), n=limit * 3, cutoff=0.75)
    return list(dict.fromkeys(name for key in close for name in keys[key]))[:limit]


@_Kept
def _claims() -> gpd.GeoDataFrame:
    topology, arcs = _ne_topology()
    rows = []
    for feature in topology["objects"]["claim_lines"]["geometries"]:
        name, admin = feature["properties"]["name"], feature["properties"]["admin"]
        if not feature["arcs"]:
            continue
        label = names.CLAIM_LABELS.get(name) or f"Limit of the area claimed by {names.CLAIMANTS[name]} (held by {admin})"
        rows.append((label, name, linemerge(_lines(arcs, feature))))
    return gpd.GeoDataFrame(rows, columns=["label", "source_name", "geometry"], crs=CRS)


def claim_lines() -> gpd.GeoDataFrame:
    """Natural Earth's disputed-area boundary lines: columns label (neutral wording), source_name, geometry.

    They mark how far a claim reaches beyond the ground its claimant holds (India's claim over
    Gilgit-Baltistan and Aksai Chin, Pakistan's over Jammu and Kashmir and Ladakh, ...); they are not
    lines of control, which ``disputed_boundaries`` gives. Draw them fainter than those.
    """
    return _claims().copy()


@_Kept
def _rivers() -> gpd.GeoDataFrame:
    topology, arcs = _ne_topology()
    return gpd.GeoDataFrame(geometry=[_lines(arcs, f) for f in topology["objects"]["rivers"]["geometries"]], crs=CRS)


def rivers() -> gpd.GeoDataFrame:
    """Natural Earth 1:50m rivers and lake centre-lines (no names in the source): geometry only."""
    return _rivers().copy()


@_Kept
def _lakes() -> gpd.GeoDataFrame:
    topology, arcs = _ne_topology()
    return gpd.GeoDataFrame(geometry=_valid([_assemble(arcs, f) for f in topology["objects"]["lakes"]["geometries"]]), crs=CRS)


def lakes() -> gpd.GeoDataFrame:
    """Natural Earth 1:10m lakes and reservoirs (no names in the source): geometry only."""
    return _lakes().copy()


@_Kept
def _admin1_boundaries() -> gpd.GeoDataFrame:
    """Boundaries between two first-level areas of the same country, each arc once: what a map draws
    inside a country (borders between countries come from the country layer)."""
    topology, arcs = _ne_topology()
    users: dict[int, list[str]] = {}
    for feature in topology["objects"]["admin1"]["geometries"]:
        for arc in _arc_ids(feature):
            users.setdefault(arc, []).append(feature["properties"]["adm0_a3"])
    by_country: dict[str, list[shapely.LineString]] = {}
    for arc, owners in users.items():
        if len(owners) == 2 and owners[0] == owners[1]:
            by_country.setdefault(owners[0], []).append(shapely.LineString(arcs[arc]))
    merged = [shapely.line_merge(shapely.MultiLineString(lines)) for _, lines in sorted(by_country.items())]
    return gpd.GeoDataFrame(geometry=merged, crs=CRS)  # one feature per country: far lighter as GeoJSON


LAYER_NAMES = ("admin1", "admin1_boundaries", "admin1_labels", "claim_lines", "rivers", "lakes")
GEOJSON_LAYERS = LAYER_NAMES[1:]


def _clipped_layer(name: str) -> functools.cached_property:
    """A ``Layers`` attribute: the layer ``name`` clipped to the view, made when first asked for."""
    return functools.cached_property(lambda layers: layers._clipped(name))


class Layers:
    """The basemap layers that meet a view, clipped to it (GeoDataFrames in EPSG:4326), made by ``layers``; each is
    read and clipped when first asked for (a web map draws the areas' boundaries, not their polygons).

    ``admin1``: areas (iso_a2, name, geometry); ``admin1_boundaries``: lines between areas of one
    country (a row per country); ``admin1_labels``: a point per area large enough to label whose
    label point is in view (iso_a2, name);
    ``claim_lines`` (label); ``rivers``; ``lakes``.
    """

    def __init__(self, bbox: Bbox, tolerance: float | None, admin1_max_span: float | None):
        self.bbox: Bbox = tuple(map(float, bbox))
        self._boxes = _view_boxes(bbox)
        self._span = max(sum(box[2] - box[0] for box, _ in self._boxes), self._boxes[0][0][3] - self._boxes[0][0][1])
        self._tolerance = self._span / _VIEW_PIXELS if tolerance is None else tolerance
        self._admin1_left_out = admin1_max_span is not None and self._span > admin1_max_span

    def _clipped(self, name: str) -> gpd.GeoDataFrame:
        if self._admin1_left_out and name.startswith("admin1"):
            return _layer_rows(name, None)
        return _clip(functools.partial(_layer_rows, name), self._boxes, 0 if name == "admin1_labels" else self._tolerance)

    admin1 = _clipped_layer("admin1")
    admin1_boundaries = _clipped_layer("admin1_boundaries")
    claim_lines = _clipped_layer("claim_lines")
    rivers = _clipped_layer("rivers")
    lakes = _clipped_layer("lakes")

    @functools.cached_property
    def admin1_labels(self) -> gpd.GeoDataFrame:
        labels = self._clipped("admin1_labels")
        return labels[labels["size"] >= self._span / _LABEL_FRACTION].drop(columns="size").reset_index(drop=True)

    def to_geojson(self, precision: int = 3, include: Sequence[str] = GEOJSON_LAYERS) -> dict[str, dict]:
        """The layers named in ``include`` as GeoJSON FeatureCollections (plain JSON types),
        coordinates rounded to ``precision`` decimals (3: about 100 m, finer than the data),
        properties reduced to what a map shows. By default every layer but the area polygons
        ("admin1", the heaviest: each boundary twice): a map draws the boundaries and the labels."""
        keep = {"admin1": ["iso_a2", "name"], "admin1_labels": ["iso_a2", "name"], "claim_lines": ["label"]}
        unknown = set(include) - set(LAYER_NAMES)
        if unknown:
            raise ValueError(f"unknown layers {sorted(unknown)}; choose from {LAYER_NAMES}")
        return {layer: _feature_collection(getattr(self, layer), keep.get(layer, []), precision) for layer in include}


def _feature_collection(table: gpd.GeoDataFrame, columns: list[str], precision: int) -> dict:
    geometries = shapely.set_precision(table.geometry.values, 10.0**-precision, mode="pointwise")
    features = []
    for geometry, *values in zip(geometries, *(table[c] for c in columns), strict=True):
        if geometry is None or geometry.is_empty:
            continue
        features.append({"type": "Feature", "properties": dict(zip(columns, values, strict=True)), "geometry": mapping(geometry)})
    return {"type": "FeatureCollection", "features": features}


def _view_boxes(bbox: Bbox) -> list[tuple[Bbox, float]]:
    """The view as boxes inside [-180, 180] and the longitude shift that puts each back in the view.
    A view across 180° (lon_min > lon_max, or lon_max > 180) becomes two boxes; the western one is
    shifted by +360° so that the output runs on continuously from lon_min eastwards."""
    lon_min, lat_min, lon_max, lat_max = map(float, bbox)
    if not (-90 <= lat_min <= lat_max <= 90) or not all(np.isfinite((lon_min, lon_max))):
        raise ValueError(f"bad bounding box {bbox!r}: expected (lon_min, lat_min, lon_max, lat_max)")
    if lon_max > 180:
        lon_max -= 360
    if lon_min < -180:
        lon_min += 360
    if not (-180 <= lon_min <= 180 and -180 <= lon_max <= 180):
        raise ValueError(f"bad bounding box {bbox!r}: longitudes must lie within [-180, 540)")
    if lon_min <= lon_max:
        return [((lon_min, lat_min, lon_max, lat_max), 0.0)]
    return [((lon_min, lat_min, 180.0, lat_max), 0.0), ((-180.0, lat_min, lon_max, lat_max), 360.0)]


def _clip(rows_meeting: Callable[[Bbox], gpd.GeoDataFrame], boxes: list[tuple[Bbox, float]], tolerance: float) -> gpd.GeoDataFrame:
    """Rows meeting the boxes (from candidates ``rows_meeting`` gives per box, in table order), geometries clipped (and
    shifted, and simplified by ``tolerance``)."""
    pieces = []
    for box, shift in boxes:
        candidates = rows_meeting(box)
        hits = candidates[shapely.intersects(candidates.geometry.values, shapely.box(*box))]
        geometry = shapely.clip_by_rect(hits.geometry.values, *box)
        if tolerance > 0:
            geometry = shapely.simplify(geometry, tolerance, preserve_topology=True)
        if shift:
            geometry = shapely.transform(geometry, lambda xy, s=shift: xy + (s, 0))
        part = hits.set_geometry(geometry)
        pieces.append(part[~part.geometry.is_empty])
    return gpd.GeoDataFrame(pd.concat(pieces, ignore_index=True), crs=CRS) if len(pieces) > 1 else pieces[0].reset_index(drop=True)


@functools.cache
def _admin1_labels() -> gpd.GeoDataFrame:
    """A label point per first-level area's display name (its first row's), with the size of that row's shape (the larger
    side of its bounding box); made from the stored columns and boxes, no shape parsed."""
    table, first = _admin1.columns, ~_admin1.columns["name"].duplicated().to_numpy()
    labels, bounds = table[first], _admin1.bounds[first]
    return gpd.GeoDataFrame(
        {"iso_a2": labels["iso_a2"], "name": labels["name"], "size": np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])},
        geometry=shapely.points(labels["label_lon"], labels["label_lat"]),
        crs=CRS,
    )


_LAYER_TABLES: dict[str, tuple[_Kept, list[str]]] = {
    "admin1": (_admin1, ["iso_a2", "name"]),
    "admin1_boundaries": (_admin1_boundaries, []),
    "claim_lines": (_claims, ["label"]),
    "rivers": (_rivers, []),
    "lakes": (_lakes, []),
}
"""The kept table of each layer but the labels, and the columns ``Layers`` carries besides the geometry."""


def _layer_rows(name: str, box: Bbox | None) -> gpd.GeoDataFrame:
    """The rows of layer ``name`` whose bounding boxes meet ``box`` (none for None), with only the columns ``Layers`` carries."""
    if name == "admin1_labels":
        labels = _admin1_labels()
        return labels if box is not None else labels.iloc[:0]
    kept, columns = _LAYER_TABLES[name]
    return kept.rows(kept.meeting([box]) if box is not None else np.arange(0))[[*columns, "geometry"]]


def layers(bbox: Bbox, *, tolerance: float | None = None, admin1_max_span: float | None = ADMIN1_MAX_SPAN) -> Layers:
    """The basemap layers inside ``bbox`` = (lon_min, lat_min, lon_max, lat_max), for a map of that view.

    Only features meeting the box are returned, clipped to it, so a map or an export carries only
    what its view needs: pass the events' extent plus a margin. ``tolerance`` (degrees) simplifies
    the clipped lines and areas; by default about 1/1000 of the view's larger span (a pixel of a
    typical map), which leaves a district-sized view at full detail and keeps a continent light.
    Only areas at least 1/50 of the view across get a label point. The first-level layers (areas,
    their boundaries and labels) are left empty for a view wider or taller than
    ``admin1_max_span`` degrees, where they would be unreadable and heavy (the whole world's are
    ~3 MB of GeoJSON); None keeps them at any size. A box across 180° is handled (see
    ``_view_boxes``). For the web map, call ``.to_geojson()`` on the result; the briefing draws the
    GeoDataFrames.
    """
    return Layers(bbox, tolerance, admin1_max_span)


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
