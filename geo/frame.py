"""Validated event records as a GeoDataFrame, and back.

The frame has the schema's fields (coordinates as point geometry, EPSG:4326)
plus the derived columns in ``DERIVED`` that filtering and rendering use.
The list fields (``actors``, ``sources``, ``tags``) and ``actor_names`` are Arrow
list columns (``LIST_TYPES``), not Python lists of dicts: a million events' sources
take less memory than their JSON text, not four times that, their repeated texts
(publishers, roles, tags) held once each as dictionaries; ``.tolist()`` gives the
records' lists, and the web map reads them column by column.  Events at the same
coordinates share one point.
Records come in already validated (``geo.ingest``, or a store that holds only
validated events).  This module never reads files, validates, draws, filters
or writes.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import sys
import threading
import weakref
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from geopandas.array import GeometryArray, from_shapely

from geo.schema import ACTOR_FIELDS, FIELDS, LIST_FIELDS, SOURCE_FIELDS

COLUMNS = tuple(f for f in FIELDS if f not in ("lat", "lon"))
DERIVED = ("day_min", "day_max", "actor_names")
"""Derived columns: the event's possible days, its actor names.  The text a search looks in is made only when a frame
is first searched (``search_text``)."""

CRS = "EPSG:4326"
OWN_ITEM_TEXTS = ("url", "excerpt")
"""The texts of list items that each item has its own of (a source's link and excerpt); the others repeat (a few hundred
publishers, roles, kinds and tags among millions of items) and are held once each, as Arrow dictionaries."""
_REPEATED = pa.dictionary(pa.int32(), pa.string())


def _item_type(fields: tuple[str, ...] | None, repeated: pa.DataType) -> pa.DataType:
    """The Arrow type of a list of text items: of structs of ``fields``, or (None) of bare texts."""
    if fields is None:
        return pa.list_(repeated)
    return pa.list_(pa.struct([(name, pa.string() if name in OWN_ITEM_TEXTS else repeated) for name in fields]))


_ITEM_FIELDS = {"actors": ACTOR_FIELDS, "sources": SOURCE_FIELDS, "tags": None}
LIST_TYPES = {name: _item_type(fields, _REPEATED) for name, fields in _ITEM_FIELDS.items()}
"""The Arrow type of each list field: validated items hold exactly these keys, in this order, all text; the repeated
texts as dictionaries (``OWN_ITEM_TEXTS``: at 1,000,000 events this holds the sources in 0.50 GB, not 0.64)."""
TEXT_LIST_TYPES = {name: _item_type(fields, pa.string()) for name, fields in _ITEM_FIELDS.items()}
"""``LIST_TYPES`` with every text plain: what Arrow's JSON reader makes (it makes no dictionaries); ``held_lists``
casts them to ``LIST_TYPES``."""
_ACTOR_NAMES_TYPE = pa.list_(_REPEATED)
_TEXT_TYPES = {**{LIST_TYPES[name]: TEXT_LIST_TYPES[name] for name in LIST_TYPES}, _ACTOR_NAMES_TYPE: pa.list_(pa.string())}
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


def release_memory() -> None:
    """Give back to the system the memory let go since: Arrow's allocator keeps what it freed until told, and so does
    the C library's (glibc's ``malloc_trim``; elsewhere only Arrow's is given back)."""
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim if sys.platform.startswith("linux") else None
    except (OSError, AttributeError):  # not glibc
        return None


_MALLOC_TRIM = _malloc_trim()


def to_frame(records: Iterable[dict]) -> gpd.GeoDataFrame:
    """A GeoDataFrame of validated records, with the derived columns."""
    return table_to_frame(pd.DataFrame.from_records(list(records), columns=list(FIELDS)))


def table_to_frame(table: pd.DataFrame) -> gpd.GeoDataFrame:
    """A GeoDataFrame from a table of validated fields (``actors``, ``sources``, ``tags`` as Python lists, or already as
    Arrow arrays of ``LIST_TYPES``), with the derived columns.

    The table is taken over, not copied.
    """
    if table.empty:  # pandas gives empty columns no type; give them the types a filled table has
        table = table.astype({name: "str" for name in _TEXT_AND_LISTS if name not in LIST_FIELDS})
    for name in LIST_FIELDS:
        table[name] = list_column(table[name], name)
    lat = pd.to_numeric(table.pop("lat"), errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(table.pop("lon"), errors="coerce").to_numpy(dtype=float)
    geometry = _points(lon, lat)
    table["fatalities"] = table["fatalities"].astype("Int64")
    table["context"] = table["context"].astype(bool)
    dated = table["date_precision"].ne("unknown") & table["date_start"].ne("")
    start = table["date_start"].where(dated, "")
    end = table["date_end"].where(table["date_end"].ne("") & dated, start)
    table["day_min"] = _period_start(start)
    table["day_max"] = _period_end(end)
    table["actor_names"] = _actor_names(table["actors"])
    return gpd.GeoDataFrame(table, geometry=geometry, crs=CRS).set_index(pd.RangeIndex(len(table)))


def _points(lon: np.ndarray, lat: np.ndarray) -> GeometryArray:
    """A point per (lon, lat), None where either is NaN; events at the same coordinates share one point.

    Shapely's points never change and each takes about 200 bytes: 1,000,000 events with points of their own would hold
    0.2 GB in them, while events gather at far fewer places (a town, a district's centre).
    """
    lon_codes = pd.factorize(lon.view(np.int64))[0]  # the bits, so that 0.0 and -0.0 stay apart
    lat_codes, lats = pd.factorize(lat.view(np.int64))
    place, places = pd.factorize(lon_codes * len(lats) + lat_codes)
    first = np.empty(len(places), dtype=np.int64)
    first[place] = np.arange(len(place))  # an event at each place (any: they are at the same coordinates)
    points = shapely.points(lon[first], lat[first])[place]
    points[np.isnan(lat) | np.isnan(lon)] = None
    return from_shapely(points, crs=CRS)


def list_column(values: pd.Series, name: str) -> pd.Series:
    """A list field (``name`` in ``LIST_TYPES``) as an Arrow list column: from Python lists, or kept if it is one."""
    if isinstance(values.dtype, pd.ArrowDtype) and values.dtype.pyarrow_dtype == LIST_TYPES[name]:
        return values
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(values.tolist(), type=LIST_TYPES[name])), index=values.index)


def as_lists(column: pd.Series) -> list[list]:
    """A list column (a list field, or ``actor_names``) as Python lists, as ``.tolist()`` gives them but several times
    faster: the dictionaries are decoded in Arrow first (Arrow makes the Python text of a dictionary value one by one)."""
    values = _arrow(column)
    return values.cast(_TEXT_TYPES.get(values.type, values.type)).to_pylist()


def held_lists(values: pa.Array, name: str) -> pa.Array:
    """A list field's Arrow array of ``TEXT_LIST_TYPES`` as ``LIST_TYPES`` (its own texts kept, not copied)."""
    return values.cast(LIST_TYPES[name])


def list_items(events: pd.DataFrame, name: str, fields: tuple[str, ...] = ()) -> dict[str, pa.ChunkedArray | np.ndarray]:
    """The list field ``name`` of ``events`` flat: ``fields`` of every item of every event (or, without fields, the
    ``items``), in order, as Arrow arrays, and ``count``: each event's number of items."""
    lists = _arrow(list_column(events[name], name))
    items = pc.list_flatten(lists)
    out: dict[str, pa.ChunkedArray | np.ndarray] = {f: pc.struct_field(items, f) for f in fields} if fields else {"items": items}
    out["count"] = pc.list_value_length(lists).to_numpy().astype(np.int64)
    return out


def _actor_names(actors: pd.Series) -> pd.Series:
    """Each event's actor names, in order (an Arrow list per event of the actors' names, which it shares)."""
    chunks = [pa.ListArray.from_arrays(chunk.offsets, chunk.values.field("name")) for chunk in _arrow(actors).chunks]
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array(chunks, _ACTOR_NAMES_TYPE)), index=actors.index)


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


def search_text(events: pd.DataFrame) -> pd.Series:
    """What a free-text filter searches in each event: the frame's ``search_text`` column if it has one, else made
    (``_search_text``) the first time the frame is searched and kept while the frame lives.

    Not a column of every frame: at 1,000,000 events it takes 0.8 GB, which a view without a text search never needs.
    """
    if "search_text" in events.columns:
        return events["search_text"]
    with _SEARCH_TEXTS_LOCK:
        kept = _SEARCH_TEXTS.get(id(events))
        if kept is None or kept[0]() is not events:
            forget = functools.partial(_SEARCH_TEXTS.pop, id(events), None)
            kept = _SEARCH_TEXTS[id(events)] = (weakref.ref(events, lambda _: forget()), _search_text(events))
        return kept[1]


_SEARCH_TEXTS: dict[int, tuple[weakref.ref, pd.Series]] = {}
"""id of a frame -> (the frame, weakly; its search text)."""
_SEARCH_TEXTS_LOCK = threading.Lock()


def _search_text(table: pd.DataFrame) -> pd.Series:
    """What a free-text filter searches, casefolded: the texts, the actors, the sources and the tags, each joined by a
    space (an event's ``" ".join`` of them), made in Arrow a slice of events at a time."""
    columns = [_arrow(table[name]) for name in (*_SEARCHED, *LIST_FIELDS)]
    slices = [[column.slice(start, _SLICE).combine_chunks() for column in columns] for start in range(0, len(table), _SLICE)]
    chunks = [_casefolded(_joined(*texts)) for texts in slices]
    return pd.Series(pd.array(pa.chunked_array(chunks, pa.large_string()), dtype="str"), index=table.index)


_SEARCHED = ("title", "description", "place_reported", "place_name", "admin1", "event_type")
_SLICE = 1 << 16
"""Events joined at a time into search text: the Python strings of a slice are let go before the next."""
_EMPTY, _SPACE = pa.scalar("", pa.large_string()), pa.scalar(" ", pa.large_string())
_SEARCHED_ITEMS = {"actors": ("name", "role"), "sources": ("publisher", "author", "title", "excerpt")}


def _joined(*columns: pa.Array) -> pa.Array:
    """``" ".join`` of each event's six texts (``_SEARCHED``), then of its actors, sources and tags (``_SEARCHED_ITEMS``)."""
    *texts, actors, sources, tags = columns
    parts = [pc.binary_join_element_wise(*(text.cast(pa.large_string()) for text in texts), _SPACE)]
    for items, fields in ((actors, _SEARCHED_ITEMS["actors"]), (sources, _SEARCHED_ITEMS["sources"]), (tags, None)):
        values = items.flatten()
        each = [values] if fields is None else [values.field(name) for name in fields]
        spaced = pc.binary_join_element_wise(_EMPTY, *(v.cast(pa.large_string()) for v in each), _SPACE)  # " a b" per item
        parts.append(pc.binary_join(pa.LargeListArray.from_arrays(_offsets(items), spaced), _EMPTY))
    return pc.binary_join_element_wise(*parts, _EMPTY)


def _offsets(items: pa.ListArray) -> pa.Array:
    """The list offsets of ``items`` counted from its first value (what ``flatten`` gives), as int64."""
    offsets = items.offsets.cast(pa.int64())
    return pc.subtract(offsets, offsets[0])


def _casefolded(texts: pa.Array) -> pa.Array:
    """``str.casefold`` of each text: ASCII ones folded in Arrow (for ASCII it is lowering), the others by Python."""
    ascii_only = pc.string_is_ascii(texts)
    folded = pc.ascii_lower(texts)
    if pc.all(ascii_only).as_py() is not False:
        return folded
    others = pc.invert(ascii_only)
    return pc.replace_with_mask(folded, others, pa.array([t.casefold() for t in texts.filter(others).to_pylist()],
                                                         pa.large_string()))


def _arrow(column: pd.Series) -> pa.ChunkedArray:
    values = pa.array(column.array, from_pandas=True)
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


def to_records(events: gpd.GeoDataFrame) -> list[dict]:
    """The events as plain schema records (coordinates as lat/lon, None when unmapped)."""
    columns = [c for c in COLUMNS if c in events.columns]
    mapped = is_mapped(events)
    lat = np.where(mapped, events.geometry.y.where(mapped), np.nan)
    lon = np.where(mapped, events.geometry.x.where(mapped), np.nan)
    records = []
    values_of = [as_lists(events[c]) if c in LIST_FIELDS else events[c].tolist() for c in columns]
    for values, y, x in zip(zip(*values_of, strict=True), lat, lon, strict=True):
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
