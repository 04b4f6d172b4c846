"""Validated events as a GeoDataFrame, and back.

``load_file`` is the one way data enters the project from a file: read (an
importer) -> validate (the schema, with the basemap's country check) -> frame.
The frame has the schema's fields (coordinates as point geometry, EPSG:4326)
plus the derived columns in ``DERIVED`` that filtering and rendering use.
This module never draws, filters or writes files.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import basemap
from geo.importers import read_records
from geo.schema import FIELDS, validate_records

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SEED_FILE = DATA_DIR / "events.geojson"
COLUMNS = tuple(f for f in FIELDS if f not in ("lat", "lon"))
DERIVED = ("day_min", "day_max", "actor_names", "search_text")
"""Derived columns: the event's possible days, its actor names, lowercased searchable text."""

CRS = "EPSG:4326"


def paused_gc(func):
    """Run ``func`` with Python's cyclic garbage collector paused.

    Loading 100,000 events builds millions of small dicts and lists; the
    collector would otherwise sweep them again and again, which costs more than
    the loading itself.  Nothing loading makes needs collecting meanwhile.
    """

    @functools.wraps(func)
    def paused(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


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


@paused_gc
def load_file(path: Path | str = SEED_FILE, fmt: str | None = None) -> gpd.GeoDataFrame:
    """Read, validate and frame an event file; raises ValidationError listing every problem."""
    return to_frame(validate(read_records(path, fmt), str(path)))


def to_frame(records: Iterable[dict]) -> gpd.GeoDataFrame:
    """A GeoDataFrame of validated records, with the derived columns."""
    return table_to_frame(pd.DataFrame.from_records(list(records), columns=list(FIELDS)))


def table_to_frame(table: pd.DataFrame) -> gpd.GeoDataFrame:
    """A GeoDataFrame from a table of validated fields (``actors``, ``sources``, ``tags`` as lists), with the derived columns.

    The table is taken over, not copied.
    """
    lat = pd.to_numeric(table.pop("lat"), errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(table.pop("lon"), errors="coerce").to_numpy(dtype=float)
    geometry = gpd.points_from_xy(lon, lat, crs=CRS)
    geometry[np.isnan(lat) | np.isnan(lon)] = None
    table["fatalities"] = table["fatalities"].astype("Int64")
    table["context"] = table["context"].astype(bool)
    dated = table["date_precision"].ne("unknown") & table["date_start"].ne("")
    start = table["date_start"].where(dated, "")
    end = table["date_end"].where(table["date_end"].ne("") & dated, start)
    table["day_min"] = _period_start(start)
    table["day_max"] = _period_end(end)
    table["actor_names"] = [tuple(a["name"] for a in actors) for actors in table["actors"]]
    table["search_text"] = _search_text(table)
    return gpd.GeoDataFrame(table, geometry=geometry, crs=CRS).set_index(pd.RangeIndex(len(table)))


def _period_start(values: pd.Series) -> pd.Series:
    """First day of each ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` value (NaT for "")."""
    length = values.str.len()
    days = values.where(length != 4, values + "-01-01").where(length != 7, values + "-01")
    return pd.to_datetime(days.where(length > 0), format="%Y-%m-%d").astype("datetime64[ns]")


def _period_end(values: pd.Series) -> pd.Series:
    """Last day of each ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` value (NaT for "")."""
    first = _period_start(values)
    length = values.str.len().to_numpy()
    last = first.copy()
    last[length == 7] = first[length == 7] + pd.offsets.MonthEnd(0)
    last[length == 4] = first[length == 4] + pd.offsets.YearEnd(0)
    return last


def _search_text(table: pd.DataFrame) -> list[str]:
    """What a free-text filter searches, casefolded: the texts, the actors, the sources and the tags."""
    texts = zip(*(table[c].tolist() for c in _SEARCHED), table["actors"], table["sources"], table["tags"], strict=True)
    return [
        " ".join(
            [*row[:-3]]
            + [f"{a['name']} {a['role']}" for a in row[-3]]
            + [f"{s['publisher']} {s['author']} {s['title']} {s['excerpt']}" for s in row[-2]]
            + row[-1]
        ).casefold()
        for row in texts
    ]


_SEARCHED = ("title", "description", "place_reported", "place_name", "admin1", "event_type")


def to_records(events: gpd.GeoDataFrame) -> list[dict]:
    """The events as plain schema records (coordinates as lat/lon, None when unmapped)."""
    columns = [c for c in COLUMNS if c in events.columns]
    frame = events[columns]
    mapped = is_mapped(events)
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
