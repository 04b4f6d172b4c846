"""The events as the browser gets them: binary columns, not records.

``encode(events, ...)`` turns a frame into three blobs and a small description:

- ``points`` (read at once, so the map draws first): per event its latitude and
  longitude in micro-degrees (``int32``; ``MISSING`` when unmapped), the legend
  category, flags (``CONTEXT``), the first and last day it may have happened
  on (days since 1970-01-01, ``int32``; ``MISSING`` when undated), so the page
  can filter by time without a round trip, its place name as an index into
  ``Encoded.places`` (for the labels beside the points) and, when asked, its
  first-level area (for the shaded map of counts per area).
- ``cards`` (read on demand): per event an index into the string table for each
  text of its source card, and the flat runs of actors, tags and sources with
  their per-event counts; each column in the smallest unsigned type that holds it.
- ``strings``: every distinct text once, as a JSON array.

Each blob is gzip-compressed; columns start at multiples of 8 bytes, so the
page views them as typed arrays without copying.  ``decode`` reverses
``encode`` (for tests and tools).  This module never escapes or shows text: the
page shows every string with ``textContent``.
"""

from __future__ import annotations

import functools
import gzip
import json
from collections import Counter
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import style, wording
from geo.frame import is_mapped

MISSING = np.iinfo(np.int32).min
"""The int32 that stands for "no value" (an unmapped event's coordinates, an undated event's days)."""
CONTEXT = 1
"""Flag bit: a context (background) event."""
COLOR_BY = ("type", "actor")
TOP_ACTORS = 10
"""With ``color_by="actor"``, the most frequent actors that get a colour of their own."""
SOURCE_FIELDS = ("label", "url", "date", "kind", "excerpt", "cited_by")
"""What the page gets for each source of an event, in this order."""

_TEXT_COLUMNS = (
    ("id", "id"), ("title", "title"), ("type", "event_type"), ("dateNote", "date_note"), ("placeReported", "place_reported"),
    ("placeName", "place_name"), ("placeNote", "location_note"), ("description", "description"), ("claim", "claim"),
    ("verification", "verification"),
)  # fmt: skip
"""Page column -> event field, for the texts shown as they are."""
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass
class Encoded:
    """The three gzip blobs and what the page needs to read them."""

    points: bytes
    cards: bytes
    strings: bytes
    layout: dict = field(default_factory=dict)
    """Blob name -> list of ``[column, dtype, byte offset, length]``."""
    categories: list = field(default_factory=list)
    """``[label, colour, events on the map]`` per legend row."""
    legend_title: str = ""
    places: list[str] = field(default_factory=list)
    """Distinct place names of the mapped events ("" first), for the labels beside the points."""


def encode(events: gpd.GeoDataFrame, color_by: str = "type", area: np.ndarray | None = None) -> Encoded:
    """The events as binary columns (see the module docstring); raises ValueError for an unknown ``color_by``.

    ``area``: each event's first-level area as an index into the page's list of areas (0: none), when the page shades them.
    """
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by: {color_by!r} is not one of {', '.join(COLOR_BY)}")
    mapped = is_mapped(events).to_numpy()
    labels, categories, legend_title = _categories(events, color_by, mapped)
    index = {label: i for i, (label, _, _) in enumerate(categories)}
    points = {
        "lat": _micro_degrees(events.geometry.y, mapped),
        "lon": _micro_degrees(events.geometry.x, mapped),
        "dayMin": _days(events["day_min"]),
        "dayMax": _days(events["day_max"]),
        "category": _smallest(np.fromiter((index[label] for label in labels), dtype=np.int64, count=len(labels))),
        "flags": events["context"].to_numpy(dtype=bool).astype(np.uint8) * CONTEXT,
    }
    place_codes, places = _place_names(events, mapped)
    points["place"] = place_codes
    if area is not None:
        points["area"] = _smallest(np.asarray(area, dtype=np.int64))
    strings, cards = _cards(events)
    layout = {}
    points_blob, layout["points"] = _pack(points)
    cards_blob, layout["cards"] = _pack(cards)
    text = json.dumps(strings, ensure_ascii=False, separators=(",", ":"))
    return Encoded(points_blob, cards_blob, _gzip(text.encode("utf-8")), layout, categories, legend_title, places)


def decode(encoded: Encoded) -> dict:
    """The columns back as numpy arrays (``points`` and ``cards``) and the string table (``strings``)."""
    out = {"strings": json.loads(gzip.decompress(encoded.strings))}
    for blob in ("points", "cards"):
        raw = gzip.decompress(getattr(encoded, blob))
        out[blob] = {name: np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"), count=length, offset=offset)
                     for name, dtype, offset, length in encoded.layout[blob]}
    return out


# --- the columns --------------------------------------------------------------------


def _micro_degrees(values: pd.Series, mapped: np.ndarray) -> np.ndarray:
    degrees = np.where(mapped, values.to_numpy(dtype=float, na_value=np.nan), 0.0)
    return np.where(mapped, np.round(degrees * 1e6), MISSING).astype(np.int32)


def _days(values: pd.Series) -> np.ndarray:
    days = values.to_numpy(dtype="datetime64[D]")
    out = np.full(len(days), MISSING, dtype=np.int32)
    known = ~np.isnat(days)
    out[known] = (days[known] - _EPOCH).astype(np.int64)
    return out


def _place_names(events: gpd.GeoDataFrame, mapped: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Each event's place name (its resolved name, else the place as reported) as an index into the distinct names."""
    names = events["place_name"].where(events["place_name"] != "", events["place_reported"]).where(mapped, "")
    codes, uniques = pd.factorize(pd.concat([pd.Series([""]), names.fillna("")], ignore_index=True), sort=False)
    return _smallest(codes[1:]), uniques.tolist()


def _smallest(values: np.ndarray) -> np.ndarray:
    """Non-negative integers in the smallest unsigned type that holds them."""
    top = int(values.max()) if len(values) else 0
    dtype = np.uint8 if top < 1 << 8 else np.uint16 if top < 1 << 16 else np.uint32
    return values.astype(dtype)


def _categories(events: gpd.GeoDataFrame, color_by: str, mapped: np.ndarray) -> tuple[list[str], list[list], str]:
    """Each event's legend label, the legend rows ``[label, colour, events on the map]``, the legend title."""
    if color_by == "type":
        labels = events["event_type"].tolist()
        colours = style.category_colours(sorted(set(labels)))
        title = "Event type"
    else:
        casts = events["actor_names"].tolist()
        frequency = Counter(name for cast in casts for name in dict.fromkeys(cast))
        top = [name for name, _ in frequency.most_common(TOP_ACTORS)]
        rest = "other or no actor"
        labels = [next((name for name in cast if name in top), rest) for cast in casts]
        present = set(labels)
        colours = {**style.category_colours(top, known=()), rest: style.OTHER_COLOUR}
        colours = {name: colour for name, colour in colours.items() if name in present}
        title = f"Actor (first listed of the {TOP_ACTORS} most frequent)"
    on_map = Counter(label for label, here in zip(labels, mapped, strict=True) if here)
    return labels, [[label, colour, on_map[label]] for label, colour in colours.items()], title


class _TextColumns:
    """Text columns gathered first, then encoded at once against one table of distinct strings."""

    def __init__(self) -> None:
        self._values: list[str] = [""]  # so that "" is string 0
        self._spans: dict[str, tuple[int, int]] = {}

    def add(self, name: str, values: list) -> None:
        start = len(self._values)
        self._values += values
        self._spans[name] = (start, len(self._values))

    def encode(self) -> tuple[list[str], dict[str, np.ndarray]]:
        codes, strings = pd.factorize(np.array(self._values, dtype=object), sort=False)
        codes[codes < 0] = 0  # a missing value (None, NaN) reads as ""
        return strings.tolist(), {name: _smallest(codes[a:b]) for name, (a, b) in self._spans.items()}


def _cards(events: gpd.GeoDataFrame) -> tuple[list[str], dict[str, np.ndarray]]:
    column = {field: events[field].tolist() for field in (*{f for _, f in _TEXT_COLUMNS}, "date_start", "date_end",
                                                          "date_precision", "admin1", "country", "location_precision",
                                                          "fatalities", "fatalities_qualifier", "actors", "tags", "sources")}
    columns = _TextColumns()
    for name, source in _TEXT_COLUMNS:
        columns.add(name, column[source])
    columns.add("date", _labelled(wording.date_label, column, ("date_start", "date_end", "date_precision")))
    columns.add("place", _labelled(wording.place_label, column, ("place_name", "admin1", "country", "location_precision")))
    columns.add("fatalities", _labelled(wording.fatalities_label, column, ("fatalities", "fatalities_qualifier")))
    columns.add("actors", [text for cast in column["actors"] for a in cast for text in (a["name"], a["role"])])
    columns.add("tags", [tag for tags in column["tags"] for tag in tags])
    columns.add("sources", _source_rows(column["sources"]))
    strings, encoded = columns.encode()
    for name, values in (("actorCount", column["actors"]), ("tagCount", column["tags"]), ("sourceCount", column["sources"])):
        encoded[name] = _smallest(np.fromiter(map(len, values), dtype=np.int64, count=len(values)))
    return strings, encoded


def _labelled(label, column: dict, fields: tuple[str, ...]) -> list[str]:
    """``label(record)`` for each event, computed once per distinct combination of ``fields``."""
    cache: dict[tuple, str] = {}
    out = []
    for values in zip(*(column[f] for f in fields), strict=True):
        text = cache.get(values)
        if text is None:
            record = {f: (None if pd.isna(v) else v) for f, v in zip(fields, values, strict=True)}
            text = cache[values] = label(record)
        out.append(text)
    return out


@functools.lru_cache(maxsize=65536)
def _source_label(publisher: str, author: str, title: str, kind: str) -> str:
    return wording.source_label({"publisher": publisher, "author": author, "title": title, "kind": kind})


def _source_rows(sources_per_event: list[list[dict]]) -> list[str]:
    """``SOURCE_FIELDS`` of every source of every event, flat; "cited by" names the citing source."""
    flat: list[str] = []
    for sources in sources_per_event:
        labels = [_source_label(s["publisher"], s["author"], s["title"], s["kind"]) for s in sources]
        for source, label in zip(sources, labels, strict=True):
            cited_by = source["cited_by"]
            if cited_by:
                cited_by = next((text for s, text in zip(sources, labels, strict=True) if s["id"] == cited_by), cited_by)
            flat += (label, source["url"], source["date"], source["kind"], source["excerpt"], cited_by)
    return flat


# --- packing ------------------------------------------------------------------------


def _pack(columns: dict[str, np.ndarray]) -> tuple[bytes, list[list]]:
    """Little-endian columns back to back, each starting at a multiple of 8 bytes, gzip-compressed; and their layout."""
    parts, layout, offset = [], [], 0
    for name, values in columns.items():
        data = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("<")).tobytes()
        layout.append([name, values.dtype.name, offset, len(values)])
        padding = -len(data) % 8
        parts += [data, b"\0" * padding]
        offset += len(data) + padding
    return _gzip(b"".join(parts)), layout


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1, mtime=0)
