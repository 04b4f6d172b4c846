"""Areas: the polygons of a user's file (for ``--within``), and event counts per first-level area and per country.

An event counts in the first-level area its map point lies in (the Natural
Earth polygons of ``geo.basemap``, named neutrally; a point just off a
generalised coast counts for the nearest area within 10 km), and in the
country its own ``country`` field names.  Events with no map point, and points
outside every area, get rows of their own, so the counts always add up to the
events given.  This module never filters, draws or writes files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import basemap
from geo.frame import CRS, is_mapped
from geo.names import country_name

NO_POINT = "(no map point)"
"""The admin1 row of events with no map point."""
OUTSIDE_AREAS = "(outside every first-level area)"
"""The admin1 row of map points more than 10 km from every first-level area (at sea, say)."""
NO_COUNTRY = "(no country given)"
"""The country name of events whose ``country`` is empty."""

AREA_FILE_FORMATS = "GeoJSON, GeoPackage, KML or any other vector format GDAL reads"


class AreaFileError(ValueError):
    """An area file that cannot be used; the message starts with the file's path."""


def read_area_file(path: Path | str) -> shapely.Polygon | shapely.MultiPolygon:
    """Every polygon in the file (all layers, any coordinate system GDAL knows), reprojected to EPSG:4326 and united.

    Points and lines in the file are ignored.  Raises AreaFileError, naming the file, for a file that is missing,
    unreadable or empty, or that holds no polygon.
    """
    import pyogrio  # only the CLI's --within needs it

    path = Path(path)
    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
        frames = [pyogrio.read_dataframe(path, layer=name, columns=[]) for name in layers]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as error:
        reason = "no such file" if not path.exists() else f"not a file GDAL can read ({AREA_FILE_FORMATS}): {error}"
        raise AreaFileError(f"{path}: {reason}") from None
    parts, other = [], 0
    for table in frames:
        if not isinstance(table, gpd.GeoDataFrame) or table.empty:
            continue
        if table.crs is None:
            table = table.set_crs(CRS)
        geometries = shapely.get_parts(shapely.get_parts(shapely.force_2d(table.to_crs(CRS).geometry.dropna().to_numpy())))
        polygonal = np.isin(shapely.get_type_id(geometries), (3, 6))  # Polygon, MultiPolygon
        parts += [g for g in geometries[polygonal] if not g.is_empty]
        other += int((~polygonal).sum())
    if not parts:
        found = f"only {other} point(s) or line(s)" if other else "no features"
        raise AreaFileError(f"{path}: no polygon in this file ({found}); --within needs an area to look inside")
    area = shapely.union_all(shapely.make_valid(np.array(parts, dtype=object)))
    area = shapely.union_all([p for p in shapely.get_parts(area) if p.geom_type == "Polygon"])
    x0, y0, x1, y1 = area.bounds
    if x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90:
        raise AreaFileError(f"{path}: its polygons reach beyond longitude -180..180 or latitude -90..90 after reprojection to "
                            "EPSG:4326: the file's coordinate system is probably missing or wrong")
    return area


def admin1_at_points(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """For each point, the display name of the first-level area it lies in (``basemap.admin1_at_many``), or None.

    Each distinct point is looked up once: events gather at the same towns.
    """
    if not len(lats):
        return np.array([], dtype=object)
    which, distinct = pd.factorize(np.asarray(lats, dtype=float) + 1j * np.asarray(lons, dtype=float))  # a point as one hashable number
    return np.array(basemap.admin1_at_many(distinct.real, distinct.imag), dtype=object)[which]


def admin1_names(events: gpd.GeoDataFrame) -> np.ndarray:
    """For each event, the display name of the first-level area its map point lies in, ``OUTSIDE_AREAS``, or ``NO_POINT``."""
    names = np.full(len(events), NO_POINT, dtype=object)
    mapped = is_mapped(events).to_numpy()
    points = np.asarray(events.geometry.values)[mapped]
    found = admin1_at_points(shapely.get_y(points), shapely.get_x(points))
    names[mapped] = np.where(pd.isna(found), OUTSIDE_AREAS, found)
    return names


def area_counts(events: gpd.GeoDataFrame, by: Literal["admin1", "country"] = "admin1", *, admin1: np.ndarray | None = None) -> pd.DataFrame:
    """Event counts per first-level area or per country, most events first; the rows add up to ``len(events)``.

    ``admin1``: the events' ``admin1_names``, when already known (say, looked up once per store revision and taken
    for the events a filter keeps), so that only the counting is done again.

    ``by="admin1"``: columns admin1 (the area's neutral name, or ``OUTSIDE_AREAS`` / ``NO_POINT`` in the last rows), country
    (the area's ISO code, "" when it has none), country_name, events.
    ``by="country"``: columns country (the events' own ISO code, "" when not given), country_name, events, mapped, unmapped.
    """
    if by == "admin1":
        names = admin1_names(events) if admin1 is None else admin1
        table = pd.DataFrame({"admin1": names}).value_counts().rename("events").reset_index()
        codes = _area_countries()
        table.insert(1, "country", [codes.get(name, "") for name in table["admin1"]])
        key = "admin1"
    elif by == "country":
        table = pd.DataFrame({"country": events["country"].fillna("").to_numpy(), "mapped": is_mapped(events).to_numpy()})
        table = table.groupby("country").agg(events=("mapped", "size"), mapped=("mapped", "sum")).reset_index()
        table["unmapped"] = table["events"] - table["mapped"]
        key = "country"
    else:
        raise ValueError(f"by: {by!r} is not admin1 or country")
    empty = "" if by == "admin1" else NO_COUNTRY
    table.insert(2 if by == "admin1" else 1, "country_name", [_country_name(code) if code else empty for code in table["country"]])
    last = table[key].map({OUTSIDE_AREAS: 1, "": 1, NO_POINT: 2}).fillna(0).to_numpy()  # the rows that are no area go last
    order = np.lexsort((table[key].to_numpy(dtype=str), -table["events"].to_numpy(), last))
    return table.iloc[order].reset_index(drop=True).astype({c: "int64" for c in ("events", "mapped", "unmapped") if c in table})


def admin1_areas(events: gpd.GeoDataFrame, tolerance: float = 0.0) -> gpd.GeoDataFrame:
    """The first-level areas that hold at least one event's map point, for a shaded (choropleth) map, most events first.

    Columns name, country, events, geometry (EPSG:4326; simplified to ``tolerance`` degrees when given, borders kept
    shared).  ``.to_json()`` or ``__geo_interface__`` makes it GeoJSON.
    """
    counts = area_counts(events, "admin1")
    counts = counts[~counts["admin1"].isin([OUTSIDE_AREAS, NO_POINT])]
    shapes = basemap.admin1_named(counts["admin1"]).dissolve(by="name")
    geometry = shapes.geometry.reindex(counts["admin1"]).to_numpy()
    if tolerance:
        geometry = shapely.simplify(geometry, tolerance, preserve_topology=True)
    return gpd.GeoDataFrame(
        {"name": counts["admin1"].to_numpy(), "country": counts["country"].to_numpy(), "events": counts["events"].to_numpy()},
        geometry=geometry,
        crs=CRS,
    )


def _area_countries() -> dict[str, str]:
    table = basemap.admin1_attributes()
    return dict(zip(table["name"], table["iso_a2"].fillna(""), strict=True))


def _country_name(code: str) -> str:
    try:
        return country_name(code)
    except ValueError:
        return code
