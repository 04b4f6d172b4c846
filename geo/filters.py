"""The event filter: what it holds, how it applies, and its URL query string.

Date rule: an event matches a date range when any day it may have happened on
lies in the range.  An event known only to the month (say "2026-01") matches
any range that overlaps January 2026; one known to the year matches any range
that overlaps that year; an approximate date matches when its window overlaps.
An event with no known date is left out by any date filter, and the result
counts how many were left out that way.

Place rule: ``near`` keeps the events whose map point lies within KM km
(great-circle) of a point, ``within`` those whose point lies in a polygon
(EPSG:4326), ``admin1`` those whose point lies in one of the named first-level
areas (their Natural Earth polygons; a point just off a generalised coast
counts for the nearest area within 10 km, as wherever areas are named).  A
point on the circle or on the polygon's edge (to within a centimetre) is
inside.  An event with no map point is left out by any place filter, and the
result counts how many were left out that way (an event that is both undated
and unmapped is counted once, as undated).

Query keys, shared by the app and the CLI: ``from``, ``to`` (YYYY-MM-DD),
``actor``, ``type``, ``country`` (repeatable), ``near`` (``LAT,LON,KM``),
``within`` (a polygon, see ``encode_polygon``; repeatable, the polygons
united), ``admin1`` (a first-level area's name or alias, repeatable), ``q``
(free text), ``precision`` (coarsest location precision kept) and ``context``
(``0`` hides background events).  Actors, types, countries and precisions match
without regard to case; a country may also be named ("Pakistan").  A chosen
value that leaves nothing is reported by ``empty_choices``, with the closest
values the events do have.  ``match`` finds the events a filter keeps (a mask,
the frame not copied), ``apply`` filters a frame in pandas with it;
``to_sql`` turns a filter into SQL a store that ``runs_sql`` (PostGIS) narrows
its reading by, and ``select`` puts the two together so a filtered view of a
large store reads only what it shows, with the same result as filtering in
memory.  This module never knows how the result is shown.
"""

from __future__ import annotations

import difflib
import math
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import chain
from typing import NamedTuple
from urllib.parse import parse_qs, urlencode

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo import basemap, wording
from geo.areas import admin1_at_points
from geo.frame import as_lists, is_mapped, search_text
from geo.geodesy import KM_PER_DEGREE, distance_km
from geo.names import country_code
from geo.schema import LOCATION_PRECISIONS
from geo.stores.base import Condition, Store
from geo.wording import plural

EDGE_TOLERANCE_KM = 1e-5
"""A point this close to the circle of ``near`` or the edge of ``within`` (1 cm) counts as inside."""
_EDGE_TOLERANCE_DEG = EDGE_TOLERANCE_KM / KM_PER_DEGREE
POLYLINE_PRECISION = 5
"""Decimal places of the URL form of a polygon (1e-5 degrees: about a metre)."""


class FilterError(ValueError):
    """A filter value that cannot be understood; the message names the key."""


class Near(NamedTuple):
    """A circle on the Earth: its centre in degrees and its radius in km (great-circle)."""

    lat: float
    lon: float
    km: float


@dataclass(frozen=True)
class Filter:
    """What to show: every field empty means everything."""

    date_from: date | None = None
    date_to: date | None = None
    actors: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    text: str = ""
    precision: str = ""
    include_context: bool = True
    near: Near | None = None
    """A circle: the events whose map point lies in it (a plain tuple is taken too)."""
    within: shapely.Polygon | shapely.MultiPolygon | None = None
    """An area in EPSG:4326 (from a file, ``geo.areas.read_area_file``, or drawn, via the URL); made valid if it is not."""
    admin1: tuple[str, ...] = ()
    """First-level area display names (``geo.basemap``); names and aliases given are resolved to these."""

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise FilterError(f"to: {self.date_to} is before from: {self.date_from}")
        if self.precision and self.precision not in LOCATION_PRECISIONS:
            raise FilterError(f"precision: {self.precision!r} is not one of {', '.join(LOCATION_PRECISIONS)}")
        if self.near is not None:
            object.__setattr__(self, "near", _checked_near(self.near))
        if self.within is not None:
            object.__setattr__(self, "within", _checked_area(self.within))
        if self.admin1:
            object.__setattr__(self, "admin1", resolve_admin1(self.admin1))

    @property
    def has_dates(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    @property
    def has_place(self) -> bool:
        """True when a place filter (near, within, admin1) is set: it leaves out events with no map point."""
        return self.near is not None or self.within is not None or bool(self.admin1)

    def describe(self) -> str:
        """A one-line human description, e.g. for an export's caption."""
        parts = []
        if self.has_dates:
            span = f"{self.date_from or '…'} to {self.date_to or '…'}"
            parts.append(f"dates {span} (events known only to the month or year count when that period overlaps)")
        for label, values in (("actor", self.actors), ("type", self.types), ("country", self.countries)):
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        if self.near is not None:
            parts.append(f"within {_number(self.near.km)} km of {_number(self.near.lat)}, {_number(self.near.lon)}")
        if self.within is not None:
            parts.append(f"inside a given area ({_area_text(self.within)})")
        if self.admin1:
            parts.append(f"first-level area: {', '.join(self.admin1)}")
        if self.has_place:
            parts.append("events with no map point left out")
        if self.text:
            parts.append(f"text contains “{self.text}”")
        if self.precision:
            parts.append(f"location at least {self.precision}-precise")
        if not self.include_context:
            parts.append("context events hidden")
        return "Filter: " + "; ".join(parts) if parts else "Filter: none (all events)"


@dataclass(frozen=True)
class FilterResult:
    """The matching events, how many were left out for having no date, and how many a place filter left out for having no map point."""

    events: gpd.GeoDataFrame
    undated_excluded: int
    unmapped_excluded: int = 0


@dataclass(frozen=True, eq=False)
class Match:
    """Which events a filter keeps, as a mask over the frame it was matched on (in its order), without copying it."""

    keep: np.ndarray
    """One bool per event: True where the filter keeps it."""
    undated_excluded: int
    unmapped_excluded: int = 0
    any_date: np.ndarray | None = None
    """One bool per event: True where every key but the dates keeps it (asked for with ``match(..., any_date=True)``:
    the app's map applies the dates itself, to count the undated events they leave out)."""

    @property
    def count(self) -> int:
        """How many events the filter keeps."""
        return int(np.count_nonzero(self.keep))

    def result(self, events: gpd.GeoDataFrame) -> FilterResult:
        """The kept rows of ``events`` (the frame matched on) with the counts left out; when every event is kept, a
        shallow copy (its columns shared, copied only if written to), since taking rows copies the Arrow columns' texts."""
        kept = events.copy(deep=False) if self.keep.all() else events[self.keep]
        return FilterResult(kept, self.undated_excluded, self.unmapped_excluded)


def match(events: gpd.GeoDataFrame, flt: Filter, *, any_date: bool = False) -> Match:
    """Which of ``events`` match ``flt`` (a pure function; ``events`` is neither changed nor copied); ``any_date`` also
    gives the mask of every key but the dates (``Match.any_date``)."""
    keep = _value_keys(events, flt)
    in_dates, undated = None, 0
    if flt.has_dates:
        day_min, day_max = events["day_min"], events["day_max"]
        dated = day_min.notna().to_numpy()
        undated = int(np.count_nonzero(keep & ~dated))
        in_dates = dated
        if flt.date_to is not None:
            in_dates = in_dates & (day_min <= pd.Timestamp(flt.date_to)).to_numpy()
        if flt.date_from is not None:
            in_dates = in_dates & (day_max >= pd.Timestamp(flt.date_from)).to_numpy()
    unmapped = 0
    if flt.has_place:
        mapped = is_mapped(events).to_numpy()
        counted = keep if in_dates is None else keep & in_dates
        unmapped = int(np.count_nonzero(counted & ~mapped))
        keep = (keep if any_date else counted) & mapped  # where the place is looked at: only the dated ones, unless asked
        candidates = np.flatnonzero(keep)
        keep[candidates] = _in_place(np.asarray(events.geometry.values)[candidates], flt)
    wide = keep.copy() if any_date else None
    if in_dates is not None:
        keep &= in_dates
    return Match(keep, undated, unmapped, wide)


def apply(events: gpd.GeoDataFrame, flt: Filter) -> FilterResult:
    """The events that match ``flt`` (a pure function; ``events`` is not changed): ``match(events, flt).result(events)``."""
    return match(events, flt).result(events)


def _value_keys(events: gpd.GeoDataFrame, flt: Filter) -> np.ndarray:
    """Where the keys of values (actors, types, countries, text, precision, context) keep the events: a new mask."""
    keep = np.ones(len(events), dtype=bool)
    if flt.actors:
        keep &= _holds_folded(events["actor_names"], flt.actors)
    if flt.types:
        keep &= _isin_folded(events["event_type"], flt.types)
    if flt.countries:
        keep &= _isin_folded(events["country"], flt.countries)
    if flt.text:
        keep &= _contains(search_text(events), flt.text.casefold())
    if flt.precision:
        allowed = LOCATION_PRECISIONS[: LOCATION_PRECISIONS.index(flt.precision) + 1]
        keep &= events["location_precision"].isin(allowed).to_numpy()
    if not flt.include_context:
        keep &= ~events["context"].to_numpy(dtype=bool)
    return keep


def _in_place(points: np.ndarray, flt: Filter) -> np.ndarray:
    """For each point (shapely Points in EPSG:4326), whether it passes the filter's place keys."""
    lons, lats = shapely.get_x(points), shapely.get_y(points)
    inside = np.ones(len(points), dtype=bool)
    if flt.near is not None:
        inside &= distance_km(flt.near.lat, flt.near.lon, lats, lons) <= flt.near.km + EDGE_TOLERANCE_KM
    if flt.within is not None:
        inside &= _in_area(flt.within, points, lons, lats)
    if flt.admin1:
        inside &= _in_admin1(flt.admin1, lats, lons)
    return inside


def _in_area(area: shapely.Geometry, points: np.ndarray, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Points in or on the area, or within the edge tolerance of it (checked only near its bounding box, for speed)."""
    shapely.prepare(area)
    inside = shapely.intersects(area, points)
    x0, y0, x1, y1 = area.bounds
    tol = _EDGE_TOLERANCE_DEG
    near_edge = ~inside & (lons >= x0 - tol) & (lons <= x1 + tol) & (lats >= y0 - tol) & (lats <= y1 + tol)
    inside[near_edge] = shapely.dwithin(area, points[near_edge], tol)
    return inside


def _in_admin1(names: Sequence[str], lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Points named as lying in one of the areas (``areas.admin1_at_points``), looked up only near those areas."""
    x0, y0, x1, y1 = basemap.admin1_named(names).total_bounds
    dlat = basemap.ADMIN1_TOLERANCE_KM / KM_PER_DEGREE
    widest = min(max(abs(y0), abs(y1)) + dlat, 89.0)
    dlon = dlat / math.cos(math.radians(widest))
    nearby = np.flatnonzero((lats >= y0 - dlat) & (lats <= y1 + dlat) & (lons >= x0 - dlon) & (lons <= x1 + dlon))
    inside = np.zeros(len(lats), dtype=bool)
    wanted = set(names)
    inside[nearby] = [name in wanted for name in admin1_at_points(lats[nearby], lons[nearby])]
    return inside


def _checked_near(near: Sequence[float]) -> Near:
    try:
        lat, lon, km = (float(v) for v in near)
    except (TypeError, ValueError):
        raise FilterError(f"near: {near!r} must be three numbers: LAT,LON,KM") from None
    if not (math.isfinite(lat) and -90 <= lat <= 90 and math.isfinite(lon) and -180 <= lon <= 180):
        raise FilterError(f"near: {_number(lat)},{_number(lon)} is not a point (latitude -90 to 90, then longitude -180 to 180)")
    if not (math.isfinite(km) and km > 0):
        raise FilterError(f"near: the distance {_number(km)} km must be a positive number of kilometres")
    return Near(lat, lon, km)


def _checked_area(geometry: shapely.Geometry) -> shapely.Polygon | shapely.MultiPolygon:
    """The polygons of ``geometry`` (made valid if they are not), or FilterError."""
    if not isinstance(geometry, shapely.Geometry):
        raise FilterError(f"within: {type(geometry).__name__} is not a shape")
    if geometry.geom_type in ("Polygon", "MultiPolygon") and not geometry.is_empty and geometry.is_valid:
        area = geometry
    else:  # each part made valid on its own, then united: overlapping parts are one area, not a hole
        parts = shapely.get_parts(shapely.make_valid(shapely.get_parts(shapely.get_parts(geometry))))
        polygons = [p for p in shapely.get_parts(parts) if p.geom_type == "Polygon" and not p.is_empty]
        if not polygons:
            raise FilterError("within: the area has no polygon (a point or a line encloses nothing)")
        area = shapely.union_all(polygons)
    x0, y0, x1, y1 = area.bounds
    if x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90:
        raise FilterError(f"within: the area reaches {_number(x0)}..{_number(x1)} longitude, {_number(y0)}..{_number(y1)} latitude, "
                          "beyond the Earth (longitude -180 to 180, latitude -90 to 90)")
    return area


def resolve_admin1(queries: Sequence[str]) -> tuple[str, ...]:
    """The first-level area display names that ``queries`` name (each a name or alias, any case); FilterError with suggestions
    for one that names none."""
    found: list[str] = []
    for query in queries:
        matches = basemap.find_admin1(query)
        if not matches:
            close = basemap.suggest_admin1(query)
            hint = f"did you mean: {'; '.join(close)}?" if close else "names are Natural Earth's, e.g. Sindh, California, Ontario"
            raise FilterError(f"admin1: no first-level area is called {query!r} ({hint})")
        found += matches
    return tuple(dict.fromkeys(found))


def _number(value: float) -> str:
    """A number as short as it reads back exactly: 25 (not 25.0), 33.31222."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _area_text(area: shapely.Geometry) -> str:
    x0, y0, x1, y1 = area.bounds
    count = len(shapely.get_parts(area))
    return f"{plural(count, 'polygon')} within latitude {y0:.2f} to {y1:.2f}, longitude {x0:.2f} to {x1:.2f}"


def encode_polygon(area: shapely.Polygon | shapely.MultiPolygon) -> list[str]:
    """The URL form of an area: one value per polygon, its rings (outer first, then holes) in Google's encoded polyline
    format (latitude first, ``POLYLINE_PRECISION`` decimals, the closing point left out) joined by ``,``."""
    return [",".join(_encode_ring(ring) for ring in (polygon.exterior, *polygon.interiors))
            for polygon in shapely.get_parts(area)]


def decode_polygon(values: Sequence[str]) -> shapely.Polygon | shapely.MultiPolygon:
    """The area an ``encode_polygon`` list stands for (several polygons are one area); FilterError for a broken value.

    The result may be invalid (a ring that crosses itself): ``Filter`` makes it valid."""
    polygons = []
    for value in values:
        rings = [_decode_ring(text) for text in value.split(",")]
        polygons.append(shapely.Polygon(rings[0], rings[1:]))
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _encode_ring(ring: shapely.LinearRing) -> str:
    scaled = np.round(shapely.get_coordinates(ring)[:-1, ::-1] * 10**POLYLINE_PRECISION).astype(np.int64)
    chars = []
    for delta in np.diff(scaled, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel().tolist():
        value = ~(delta << 1) if delta < 0 else delta << 1
        while value >= 0x20:
            chars.append(chr((0x20 | (value & 0x1F)) + 63))
            value >>= 5
        chars.append(chr(value + 63))
    return "".join(chars)


def _decode_ring(text: str) -> np.ndarray:
    """A ring's lon/lat coordinates (closed) from its encoded polyline."""
    numbers, value, shift = [], 0, 0
    for char in text:
        bits = ord(char) - 63
        if not 0 <= bits < 64 or shift > 30:
            raise FilterError(f"within: {text[:40]!r} is not an encoded polygon (character {char!r} out of place)")
        value |= (bits & 0x1F) << shift
        shift += 5
        if bits < 0x20:
            numbers.append(~(value >> 1) if value & 1 else value >> 1)
            value, shift = 0, 0
    if shift or len(numbers) % 2 or len(numbers) < 6:
        raise FilterError(f"within: {text[:40]!r} is not an encoded polygon (a ring needs at least 3 whole points)")
    lat_lon = np.cumsum(np.array(numbers, dtype=np.int64).reshape(-1, 2), axis=0) / 10**POLYLINE_PRECISION
    lon_lat = lat_lon[:, ::-1]
    if len(np.unique(lon_lat, axis=0)) < 3:
        raise FilterError(f"within: {text[:40]!r} is not an encoded polygon (a ring needs at least 3 different points)")
    return np.vstack([lon_lat, lon_lat[:1]])


def _parse_near(value: str) -> Near:
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) != 3:
        raise FilterError(f"near: {value!r} must be LAT,LON,KM (three numbers, e.g. 33.31,73.70,25)")
    return _checked_near(numbers)


def _contains(column: pd.Series, text: str) -> np.ndarray:
    """Where ``column`` contains ``text`` as written (no value: no): in Arrow, as an RE2 pattern with every punctuation
    character escaped, since RE2 finds a literal several times faster than Arrow's plain substring search
    (100,000 events' texts: 0.04 s, not 0.2 s)."""
    pattern = "".join("\\" + char if char in string.punctuation else char for char in text)
    found = pc.match_substring_regex(pa.array(column, from_pandas=True), pattern)
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def _isin_folded(column: pd.Series, wanted: Iterable[str]) -> np.ndarray:
    """Where ``column`` holds one of ``wanted``, case ignored (folding only the column's distinct values)."""
    folded = {w.casefold() for w in wanted}
    return column.isin([v for v in column.unique() if str(v).casefold() in folded]).to_numpy()


def _holds_folded(lists: pd.Series, wanted: Iterable[str]) -> np.ndarray:
    """Where a column of lists of texts (an Arrow list column of dictionary-held texts, as ``actor_names``) holds one of
    ``wanted``, case ignored: each distinct text folded once, in Arrow, so that no Python list is made per event."""
    values = pa.array(lists.array, from_pandas=True)
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    items = pc.list_flatten(values)
    folded = {w.casefold() for w in wanted}
    held = np.array([text.casefold() in folded for text in items.dictionary.to_pylist()], dtype=bool)
    found = held[items.indices.to_numpy(zero_copy_only=False)]
    keep = np.zeros(len(lists), dtype=bool)
    keep[pc.list_parent_indices(values).to_numpy()[found]] = True
    return keep


@dataclass(frozen=True)
class SqlFilter:
    """A filter as SQL conditions over a store's events (``geo.stores.base.Condition`` names the columns)."""

    where: Condition | None
    """What the events to read must meet; None reads every event."""
    undated: Condition | None
    """The events a date filter leaves out only for having no date, to count; None when ``where`` keeps them to count."""
    unmapped: Condition | None = None
    """The dated events a place filter leaves out only for having no map point, to count; None when there is none or
    ``where`` keeps them to count."""


SQL_PLACE_MARGIN = 0.01
"""How much wider (a share of the distance, and degrees around an area) the database's place condition is than the
filter: PostGIS measures on the spheroid and areas may be simplified differently, so it reads a little more and ``apply``
keeps exactly what the filter says."""


def to_sql(flt: Filter) -> SqlFilter:
    """``flt`` as SQL (a pure function): every key but free text, which ``apply`` runs on what comes back.

    Date rule as in the module docstring: an event matches when its first possible day (``day_min``) is on or
    before ``to`` and its last (``day_max``) on or after ``from``.  A place key reads the events near the circle
    or the areas (``ST_DWithin`` on the geography, ``ST_Intersects``: both indexed), a little wider than the
    filter (``SQL_PLACE_MARGIN``), and ``apply`` keeps the exact ones.  Undated events, and dated events with no
    map point under a place key, are counted with their own conditions, except with free text, which SQL does not
    run: then ``where`` keeps them for ``apply`` to count.
    """
    parts: list[tuple[str, tuple]] = []
    if flt.actors:
        parts.append(("actor_keys && %s::text[]", (sorted({a.casefold() for a in flt.actors}),)))
    if flt.types:
        parts.append(("event_type = ANY(%s)", (list(flt.types),)))
    if flt.countries:
        parts.append(("country = ANY(%s)", ([c.upper() for c in flt.countries],)))
    if flt.precision:
        parts.append(("location_precision = ANY(%s)", (list(LOCATION_PRECISIONS[: LOCATION_PRECISIONS.index(flt.precision) + 1]),)))
    if not flt.include_context:
        parts.append(("NOT context", ()))
    dates = [("day_min <= %s", (flt.date_to,))] if flt.date_to else []
    dates += [("day_max >= %s", (flt.date_from,))] if flt.date_from else []
    place = _place_sql(flt)
    if flt.text:  # free text runs in pandas: undated and unmapped events come back for apply to count
        kept = [(f"(day_min IS NULL OR ({_joined(dates).sql}))", _joined(dates).params)] if dates else []
        kept += [(f"(geom IS NULL OR ({_joined(place).sql}))", _joined(place).params)] if place else []
        return SqlFilter(_joined(parts + kept), None)
    undated = _joined([*parts, ("day_min IS NULL", ())]) if dates else None
    unmapped = _joined([*parts, *dates, ("geom IS NULL", ())]) if place else None
    return SqlFilter(_joined(parts + dates + place), undated, unmapped)


def _place_sql(flt: Filter) -> list[tuple[str, tuple]]:
    """The place keys as SQL, each a little wider than the filter (``SQL_PLACE_MARGIN``)."""
    parts = []
    if flt.near:
        metres = flt.near.km * 1000 * (1 + SQL_PLACE_MARGIN) + 1
        parts.append(("ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s)",
                      (flt.near.lon, flt.near.lat, metres)))
    areas = [flt.within] if flt.within is not None else []
    if flt.admin1:
        areas.append(basemap.admin1_union(flt.admin1).buffer(basemap.ADMIN1_TOLERANCE_KM / KM_PER_DEGREE))
    for area in areas:
        parts.append(("ST_Intersects(geom, ST_GeomFromText(%s, 4326))", (area.buffer(SQL_PLACE_MARGIN).wkt,)))
    return parts


def _joined(parts: list[tuple[str, tuple]]) -> Condition | None:
    if not parts:
        return None
    return Condition(" AND ".join(sql for sql, _ in parts), tuple(param for _, params in parts for param in params))


def select(store: Store, flt: Filter) -> tuple[FilterResult, int]:
    """The events of ``store`` that match ``flt``, and how many events the store holds.

    A store that ``runs_sql`` reads only the events ``to_sql`` lets through and counts the undated ones; ``apply``
    then runs on what comes back, so the result is the same as loading everything and filtering in memory.
    """
    if not store.runs_sql:
        events = store.load()
        return apply(events, flt), len(events)
    query = to_sql(flt)
    result = apply(store.load(query.where), flt)
    undated = store.count(query.undated) if query.undated else result.undated_excluded
    unmapped = store.count(query.unmapped) if query.unmapped else result.unmapped_excluded
    return FilterResult(result.events, undated, unmapped), store.count()


def _parse_date(key: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FilterError(f"{key}: {value!r} is not a date (use YYYY-MM-DD)") from None


def from_query(query: str | Mapping[str, str | list[str]]) -> Filter:
    """A Filter from a URL query string or a mapping of key to value(s).

    Raises FilterError naming the key for a bad value or an unknown key.
    """
    params = parse_qs(query.lstrip("?"), keep_blank_values=False) if isinstance(query, str) else query
    values: dict[str, list[str]] = {k: ([v] if isinstance(v, str) else list(v)) for k, v in params.items()}
    unknown = sorted(set(values) - set(QUERY_KEYS))
    if unknown:
        raise FilterError(f"{unknown[0]}: unknown filter key (use {', '.join(QUERY_KEYS)})")

    def one(key: str) -> str:
        given = [v for v in values.get(key, []) if v.strip()]
        if len(given) > 1:
            raise FilterError(f"{key}: given {len(given)} times, expected once")
        return given[0].strip() if given else ""

    def many(key: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.strip() for v in values.get(key, []) if v.strip()))

    context = one("context")
    if context not in ("", "0", "1"):
        raise FilterError(f"context: {context!r} must be 0 or 1")
    return Filter(
        date_from=_parse_date("from", one("from")) if one("from") else None,
        date_to=_parse_date("to", one("to")) if one("to") else None,
        actors=many("actor"),
        types=tuple(dict.fromkeys(t.lower() for t in many("type"))),
        countries=tuple(dict.fromkeys(country_code(c) or c.upper() for c in many("country"))),
        near=_parse_near(one("near")) if one("near") else None,
        within=decode_polygon(many("within")) if many("within") else None,
        admin1=many("admin1"),
        text=one("q"),
        precision=one("precision").lower(),
        include_context=context != "0",
    )


QUERY_KEYS = ("from", "to", "actor", "type", "country", "near", "within", "admin1", "q", "precision", "context")


def to_params(flt: Filter) -> list[tuple[str, str]]:
    """The filter as ordered (key, value) pairs; defaults are left out."""
    pairs: list[tuple[str, str]] = []
    if flt.date_from:
        pairs.append(("from", flt.date_from.isoformat()))
    if flt.date_to:
        pairs.append(("to", flt.date_to.isoformat()))
    pairs += [("actor", a) for a in flt.actors]
    pairs += [("type", t) for t in flt.types]
    pairs += [("country", c) for c in flt.countries]
    if flt.near is not None:
        pairs.append(("near", ",".join(_number(v) for v in flt.near)))
    if flt.within is not None:
        pairs += [("within", value) for value in encode_polygon(flt.within)]
    pairs += [("admin1", name) for name in flt.admin1]
    if flt.text:
        pairs.append(("q", flt.text))
    if flt.precision:
        pairs.append(("precision", flt.precision))
    if not flt.include_context:
        pairs.append(("context", "0"))
    return pairs


def to_query(flt: Filter) -> str:
    """The filter as a URL query string (without the leading ``?``)."""
    return urlencode(to_params(flt))


# ---------------------------------------------------------------- chosen values that leave nothing

CHOICE_KEYS = (("actors", "actor"), ("types", "type"), ("countries", "country"))
"""The filter's fields of chosen values, with the query key that names each."""

SUGGESTIONS = 3
"""Most close values named for a chosen value no event has."""


@dataclass(frozen=True)
class EmptyChoice:
    """A chosen actor, type or country that leaves no event.

    ``known`` is True when some event has the value but none under the rest of
    the filter; otherwise no event has it at all, and ``suggestions`` holds the
    closest values the events do have (every one, when there are few and none is close).
    """

    key: str
    value: str
    known: bool
    suggestions: tuple[str, ...] = ()
    known_count: int = 0
    """How many distinct values of this key the events have."""

    def __str__(self) -> str:
        if self.known:
            return wording.no_choice_with_others(self.key, self.value)
        return wording.no_such_choice(self.key, self.value, self.suggestions, self.known_count)


def known_values(events: gpd.GeoDataFrame, key: str) -> list[str]:
    """Every distinct value of ``key`` (``actor``, ``type`` or ``country``) among ``events``, sorted."""
    if key == "actor":
        values = set(chain.from_iterable(as_lists(events["actor_names"])))
    else:
        values = set(events["event_type" if key == "type" else "country"].unique())
    return sorted((v for v in values if v), key=str.casefold)


def closest(value: str, known: Iterable[str], most: int = SUGGESTIONS, all_below: int = 8) -> tuple[str, ...]:
    """The known values closest to ``value``, case ignored: those that contain it (or, four letters or more, are
    contained in it) first, then those difflib finds similar; all of them (when fewer than ``all_below``) if none is close."""
    known = list(known)
    folded = {k.casefold(): k for k in known}
    wanted = value.casefold()
    containing = [k for f, k in folded.items() if wanted and (wanted in f or len(f) >= 4 and f in wanted)]
    similar = [folded[f] for f in difflib.get_close_matches(wanted, list(folded), n=most, cutoff=0.6)]
    found = list(dict.fromkeys(containing + similar))[:most]
    if not found and len(known) < all_below:
        found = known
    return tuple(found)


def spelled_as_known(flt: Filter, events: gpd.GeoDataFrame) -> Filter:
    """``flt`` with each chosen actor, type and country spelled as the events spell it (values match without regard
    to case, so "naji zaheer" picks the same events as "Naji Zaheer"; the filter then reads as the data does)."""
    changes = {}
    for field, key in CHOICE_KEYS:
        chosen = getattr(flt, field)
        if chosen:
            spelling = {k.casefold(): k for k in known_values(events, key)}
            changes[field] = tuple(dict.fromkeys(spelling.get(v.casefold(), v) for v in chosen))
    return replace(flt, **changes) if changes else flt


def empty_choices(events: gpd.GeoDataFrame, flt: Filter) -> list[EmptyChoice]:
    """Each chosen actor, type or country that leaves no event: unknown to every event (with the closest
    known values), or, among several values chosen for one key, known but without events under the rest
    of the filter.  (A single known value that leaves nothing is the filter as a whole: the caller says so.)"""
    found = []
    for field, key in CHOICE_KEYS:
        chosen = getattr(flt, field)
        if not chosen:
            continue
        known = known_values(events, key)
        folded = {k.casefold() for k in known}
        for value in chosen:
            if value.casefold() not in folded:
                found.append(EmptyChoice(key, value, False, closest(value, known), len(known)))
            elif len(chosen) > 1 and apply(events, replace(flt, **{field: (value,)})).events.empty:
                found.append(EmptyChoice(key, value, True))
    return found
