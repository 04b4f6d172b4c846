"""Validated events as a GeoDataFrame, and back.

``load_file`` is the one way data enters the project from a file: read (an
importer) -> validate (the schema, with the basemap's country check) -> frame.
The frame has the schema's fields (coordinates as point geometry, EPSG:4326)
plus the derived columns in ``DERIVED`` that filtering and rendering use.
This module never draws, filters or writes files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import basemap
from geo.importers import read_records
from geo.schema import FIELDS, event_interval, validate_records

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SEED_FILE = DATA_DIR / "events.geojson"
COLUMNS = tuple(f for f in FIELDS if f not in ("lat", "lon"))
DERIVED = ("day_min", "day_max", "actor_names", "search_text")
"""Derived columns: the event's possible days, its actor names, lowercased searchable text."""

CRS = "EPSG:4326"


COUNTRY_TOLERANCE_KM = 25
"""How far a point may lie outside its named country's polygon (coastal towns, border towns, a coarse basemap)."""


def country_check(lat: float, lon: float) -> set[str]:
    """Countries at or within COUNTRY_TOLERANCE_KM of a point, from the shipped basemap."""
    return basemap.countries_near(lat, lon, tolerance_km=COUNTRY_TOLERANCE_KM)


def validate(rows: Iterable[tuple[int, Mapping]], file: str) -> list[dict]:
    """``validate_records`` with the basemap country check, asked for every distinct point at once."""
    rows = list(rows)
    points = list(dict.fromkeys(p for p in (_point(raw) for _, raw in rows) if p is not None))
    found = basemap.countries_near_many([p[0] for p in points], [p[1] for p in points], COUNTRY_TOLERANCE_KM) if points else []
    known = dict(zip(points, found, strict=True))

    def check(lat: float, lon: float) -> set[str]:
        return known[(lat, lon)] if (lat, lon) in known else country_check(lat, lon)

    return validate_records(rows, file, check)


def _point(raw) -> tuple[float, float] | None:
    """A raw record's (lat, lon) as floats, if both are numbers in range."""
    if not isinstance(raw, Mapping):
        return None
    try:
        lat, lon = float(raw.get("lat")), float(raw.get("lon"))
    except (TypeError, ValueError):
        return None
    return (lat, lon) if abs(lat) <= 90 and abs(lon) <= 180 else None


def load_file(path: Path | str = SEED_FILE, fmt: str | None = None) -> gpd.GeoDataFrame:
    """Read, validate and frame an event file; raises ValidationError listing every problem."""
    return to_frame(validate(read_records(path, fmt), str(path)))


def to_frame(records: Iterable[dict]) -> gpd.GeoDataFrame:
    """A GeoDataFrame of validated records, with the derived columns."""
    records = list(records)
    frame = pd.DataFrame.from_records(records, columns=list(FIELDS))
    lat = pd.to_numeric(frame.pop("lat"), errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(frame.pop("lon"), errors="coerce").to_numpy(dtype=float)
    geometry = gpd.points_from_xy(lon, lat, crs=CRS)
    geometry[np.isnan(lat) | np.isnan(lon)] = None
    frame["fatalities"] = frame["fatalities"].astype("Int64")
    frame["context"] = frame["context"].astype(bool)
    intervals = [event_interval(r) for r in records]
    frame["day_min"] = pd.to_datetime([i[0] if i else None for i in intervals]).astype("datetime64[ns]")
    frame["day_max"] = pd.to_datetime([i[1] if i else None for i in intervals]).astype("datetime64[ns]")
    frame["actor_names"] = [tuple(a["name"] for a in actors) for actors in frame["actors"]]
    frame["search_text"] = [_search_text(r) for r in records]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS).set_index(pd.RangeIndex(len(frame)))


def _search_text(record: dict) -> str:
    parts = [record["title"], record["description"], record["place_reported"], record["place_name"], record["admin1"], record["event_type"]]
    parts += [f"{a['name']} {a['role']}" for a in record["actors"]]
    parts += [f"{s['publisher']} {s['author']} {s['title']} {s['excerpt']}" for s in record["sources"]]
    parts += record["tags"]
    return " ".join(p for p in parts if p).casefold()


def to_records(events: gpd.GeoDataFrame) -> list[dict]:
    """The events as plain schema records (coordinates as lat/lon, None when unmapped)."""
    columns = [c for c in COLUMNS if c in events.columns]
    frame = events[columns]
    mapped = ~(events.geometry.isna() | events.geometry.is_empty)
    lat = np.where(mapped, events.geometry.y.where(mapped), np.nan)
    lon = np.where(mapped, events.geometry.x.where(mapped), np.nan)
    records = []
    for values, y, x in zip(frame.itertuples(index=False, name=None), lat, lon, strict=True):
        record = dict(zip(columns, values, strict=True))
        record["lat"] = None if np.isnan(y) else float(y)
        record["lon"] = None if np.isnan(x) else float(x)
        fatalities = record.get("fatalities")
        record["fatalities"] = None if fatalities is None or pd.isna(fatalities) else int(fatalities)
        records.append({name: record[name] for name in FIELDS if name in record})
    return records


def is_mapped(events: gpd.GeoDataFrame) -> pd.Series:
    """True for events with a point on the map."""
    return ~(events.geometry.isna() | events.geometry.is_empty)
