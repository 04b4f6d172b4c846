"""Validated event records as a GeoDataFrame, and back.

The frame has the schema's fields (coordinates as point geometry, EPSG:4326)
plus the derived columns in ``DERIVED`` that filtering and rendering use.
Records come in already validated (``geo.ingest``, or a store that holds only
validated events).  This module never reads files, validates, draws, filters
or writes.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.schema import FIELDS, LIST_FIELDS

COLUMNS = tuple(f for f in FIELDS if f not in ("lat", "lon"))
DERIVED = ("day_min", "day_max", "actor_names", "search_text")
"""Derived columns: the event's possible days, its actor names, lowercased searchable text."""

CRS = "EPSG:4326"
_TEXT_AND_LISTS = tuple(f for f in FIELDS if f not in ("lat", "lon", "fatalities", "context"))


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


def to_frame(records: Iterable[dict]) -> gpd.GeoDataFrame:
    """A GeoDataFrame of validated records, with the derived columns."""
    return table_to_frame(pd.DataFrame.from_records(list(records), columns=list(FIELDS)))


def table_to_frame(table: pd.DataFrame) -> gpd.GeoDataFrame:
    """A GeoDataFrame from a table of validated fields (``actors``, ``sources``, ``tags`` as lists), with the derived columns.

    The table is taken over, not copied.
    """
    if table.empty:  # pandas gives empty columns no type; give them the types a filled table has
        table = table.astype({name: object if name in LIST_FIELDS else "str" for name in _TEXT_AND_LISTS})
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
    table["actor_names"] = pd.Series([tuple(a["name"] for a in actors) for actors in table["actors"]], index=table.index, dtype=object)
    table["search_text"] = pd.Series(_search_text(table), index=table.index, dtype="str")
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
