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
- ``strings``: the texts as UTF-8 bytes back to back (``text``) and where each
  starts (``offsets``, one more than the strings), so the page decodes only
  the texts it shows.  Repeated texts (types, labels, publishers) are written
  once; each event's own texts (``_OWN_TEXTS``, links, excerpts) as they are.
  The page inflates this blob a slice at a time, only the slices that hold
  the texts it shows (``Encoded.string_slices``).

The encoding runs column by column (pandas, pyarrow), never event by event,
the lists of actors, sources and tags included (their Arrow columns flattened).
Each blob is gzip-compressed (in slices side by side, ``gzip_parts``), one after another, its columns let go
before the next blob's are made; columns start at
multiples of 8 bytes, so the page views them as typed arrays without copying.  ``decode`` reverses
``encode`` (for tests and tools).  This module never escapes or shows text: the
page shows every string with ``textContent``.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo import style, wording
from geo.frame import OWN_ITEM_TEXTS, as_lists, is_mapped, list_items, release_memory

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
_OWN_TEXTS = ("id", "title", "description")
"""Page columns whose texts are each event's own: written as they are, not looked up among the distinct texts."""
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass
class Encoded:
    """The three gzip blobs and what the page needs to read them."""

    points: bytes
    cards: bytes
    strings: bytes
    layout: dict = field(default_factory=dict)
    """Blob name (``points``, ``cards``, ``strings``) -> list of ``[column, dtype, byte offset, length]``."""
    categories: list = field(default_factory=list)
    """``[label, colour, events on the map]`` per legend row."""
    legend_title: str = ""
    places: list[str] = field(default_factory=list)
    """Distinct place names of the mapped events ("" first), for the labels beside the points."""
    string_slices: list = field(default_factory=list)
    """How ``strings`` is sliced: ``[slice bytes, [deflate length of each slice], bytes in all]`` (``sliced_gzip``)."""


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
        "category": _smallest(pd.Categorical(labels, categories=list(index)).codes.astype(np.int64)),
        "flags": events["context"].to_numpy(dtype=bool).astype(np.uint8) * CONTEXT,
    }
    place_codes, places = _place_names(events, mapped)
    points["place"] = place_codes
    if area is not None:
        points["area"] = _smallest(np.asarray(area, dtype=np.int64))
    blobs, layout = {}, {}
    blobs["points"], layout["points"] = _compressed(points)
    del points, labels  # each blob's columns are let go once it is compressed, before the next blob's are made
    offsets, text, cards = _cards(events)
    release_memory()  # what making the cards took (at 1,000,000 events about 0.2 GB), before they are compressed
    blobs["cards"], layout["cards"] = _compressed(cards)
    del cards
    parts, layout["strings"] = _pack({"offsets": offsets, "text": text})
    blobs["strings"], slices = sliced_gzip(parts, STRING_SLICE)
    return Encoded(blobs["points"], blobs["cards"], blobs["strings"], layout, categories, legend_title, places, slices)


def _compressed(columns: dict[str, np.ndarray | list]) -> tuple[bytes, list[list]]:
    """Columns packed (``_pack``) into one gzip blob (``gzip_parts``), and their layout."""
    parts, layout = _pack(columns)
    return gzip_parts({"blob": parts})["blob"], layout


def decode(encoded: Encoded) -> dict:
    """The columns back as numpy arrays (``points`` and ``cards``) and the string table as a list (``strings``)."""
    out = {}
    for blob in ("points", "cards", "strings"):
        raw = gzip.decompress(getattr(encoded, blob))
        out[blob] = {name: np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"), count=length, offset=offset)
                     for name, dtype, offset, length in encoded.layout[blob]}
    offsets, text = out["strings"]["offsets"], out["strings"]["text"].tobytes()
    out["strings"] = [text[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]
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
    return values.astype(dtype, copy=False)


def _categories(events: gpd.GeoDataFrame, color_by: str, mapped: np.ndarray) -> tuple[Sequence[str], list[list], str]:
    """Each event's legend label, the legend rows ``[label, colour, events on the map]``, the legend title."""
    if color_by == "type":
        labels = events["event_type"].array
        colours = style.category_colours(sorted(labels.unique()))
        title = "Event type"
    else:
        casts = as_lists(events["actor_names"])
        frequency = Counter(name for cast in casts for name in dict.fromkeys(cast))
        top = [name for name, _ in frequency.most_common(TOP_ACTORS)]
        rest = "other or no actor"
        labels = [next((name for name in cast if name in top), rest) for cast in casts]
        present = set(labels)
        colours = {**style.category_colours(top, known=()), rest: style.OTHER_COLOUR}
        colours = {name: colour for name, colour in colours.items() if name in present}
        title = f"Actor (first listed of the {TOP_ACTORS} most frequent)"
    on_map = pd.Series(labels)[mapped].value_counts()
    return labels, [[label, colour, int(on_map.get(label, 0))] for label, colour in colours.items()], title


class _Strings:
    """Text columns gathered first, then encoded at once into one string table ("" is string 0).

    Columns of repeated texts (types, labels, publishers) are written once per distinct text; columns of texts that
    are each event's own (titles, descriptions, excerpts) are written as they are, so no time goes into hashing them,
    and their bytes are not copied into one buffer: ``encode`` gives the table's bytes as parts, to compress in turn.
    """

    def __init__(self) -> None:
        self._repeated: list[pa.ChunkedArray] = []
        self._own: list[pa.ChunkedArray] = []
        self._handles: list[tuple[bool, int]] = []

    def add(self, values, repeated: bool = True) -> int:
        """Add a column of texts (None or NaN read as ""); returns its handle for the codes ``encode`` gives."""
        parts = self._repeated if repeated else self._own
        parts.append(_texts(values))
        self._handles.append((repeated, len(parts) - 1))
        return len(self._handles) - 1

    def encode(self) -> tuple[np.ndarray, list, list[np.ndarray]]:
        """The table as UTF-8 byte offsets (``uint32``, one more than the strings) and its bytes (a list of parts, back
        to back), and each column's codes."""
        repeated_codes, dictionary = self._distinct_texts()
        own_bounds = len(dictionary) + np.cumsum([0, *map(len, self._own)])
        table = np.zeros(own_bounds[-1] + 1, dtype=np.uint32)
        data, size, at = [], 0, 0
        for array in (dictionary, *(chunk for column in self._own for chunk in column.chunks)):
            width = np.dtype(np.int64 if pa.types.is_large_string(array.type) else np.int32)
            offsets = np.frombuffer(array.buffers()[1], dtype=width, count=len(array) + 1, offset=array.offset * width.itemsize)
            if size + int(offsets[-1] - offsets[0]) >= 1 << 32:
                raise ValueError("the events' texts exceed 4 GB, more than a page can hold")
            table[at + 1:at + 1 + len(array)] = offsets[1:] - offsets[0] + size
            if offsets[-1] > offsets[0]:
                data.append(array.buffers()[2][int(offsets[0]):int(offsets[-1])])
            size, at = size + int(offsets[-1] - offsets[0]), at + len(array)
        column_codes = [repeated_codes[k] if repeated else np.arange(own_bounds[k], own_bounds[k + 1], dtype=np.uint32)
                        for repeated, k in self._handles]
        return table, data, column_codes

    def _distinct_texts(self) -> tuple[list[np.ndarray], pa.Array]:
        """Each repeated column's codes into the distinct texts of them all ("" first, then in the order first seen,
        column after column), and those texts: each column's own distinct texts found first, so that no column is
        copied into one array with the others."""
        found = [_distinct(column) for column in self._repeated]
        dictionaries = [pa.array([""], pa.large_string()), *(dictionary.cast(pa.large_string()) for _, dictionary in found)]
        codes, dictionary = _distinct(pa.chunked_array(dictionaries, pa.large_string()))
        bounds, codes = np.cumsum([0, *map(len, dictionaries)]), _smallest(codes)  # a few hundred texts: 1 or 2 bytes a code
        columns = []
        for k in range(len(found)):  # each column's codes into its own texts let go once they are made codes into them all
            local, _ = found[k]
            found[k] = None
            columns.append(codes[bounds[k + 1]:bounds[k + 2]][local])
        return columns, dictionary


def _distinct(values: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Each value's index into the distinct values, in the order first seen (NULL: 0), and those values (of a dictionary
    column, those its values use: a frame's rows taken leave the others in its dictionary)."""
    if pa.types.is_dictionary(values.type) and values.num_chunks:
        values = values.unify_dictionaries()
        codes, used = _distinct(pa.chunked_array([chunk.indices for chunk in values.chunks], values.type.index_type))
        return codes, values.chunk(0).dictionary.take(used)
    found = pc.dictionary_encode(values)
    if found.num_chunks == 0:
        return np.zeros(0, dtype=np.int64), pa.array([], values.type)
    return np.concatenate([c.indices.fill_null(0).to_numpy(zero_copy_only=False) for c in found.chunks]), found.chunk(0).dictionary


def _texts(values) -> pa.ChunkedArray:
    """A column of texts as Arrow ``string``, ``large_string`` or a dictionary of texts, NULL as "" (a column read from
    a store in several batches stays in them); copied only where it has NULLs or another type."""
    if not isinstance(values, pa.Array | pa.ChunkedArray):
        values = pa.array(values, type=pa.large_string(), from_pandas=True)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type) or pa.types.is_dictionary(values.type)):
        values = values.cast(pa.large_string())
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    return pa.chunked_array([chunk.fill_null("") if chunk.null_count else chunk for chunk in chunks], values.type)


def _cards(events: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The string table (offsets, bytes) and the card columns, column by column."""
    table = _Strings()
    handles = {name: table.add(events[source].array, repeated=name not in _OWN_TEXTS) for name, source in _TEXT_COLUMNS}
    for name, label, fields in (("date", wording.date_label, ("date_start", "date_end", "date_precision")),
                                ("place", wording.place_label, ("place_name", "admin1", "country", "location_precision")),
                                ("fatalities", wording.fatalities_label, ("fatalities", "fatalities_qualifier"))):
        texts, which = _labelled(label, events[list(fields)])
        handles[name] = (table.add(texts), which)
    actors = list_items(events, "actors", ("name", "role"))
    tags = list_items(events, "tags")
    sources = list_items(events, "sources", ("id", "publisher", "author", "title", "url", "date", "kind", "excerpt", "cited_by"))
    handles["actors"] = [table.add(actors[f]) for f in ("name", "role")]
    handles["tags"] = table.add(tags["items"])
    handles["sources"] = [table.add(column, repeated=f not in OWN_ITEM_TEXTS)
                          for f, column in zip(SOURCE_FIELDS, _source_columns(sources), strict=True)]
    release_memory()  # what finding the sources' labels took (at 1,000,000 events about 0.1 GB), before the table is made
    offsets, text, codes = table.encode()
    cards = {}
    for name, handle in handles.items():
        if isinstance(handle, tuple):  # labels: each event's index into its distinct labels
            cards[name] = _smallest(codes[handle[0]][handle[1]])
        elif isinstance(handle, list):  # runs of several fields per item, item by item
            cards[name] = _smallest(np.column_stack([codes[h] for h in handle]).ravel())
        else:
            cards[name] = _smallest(codes[handle])
    cards["actorCount"] = _smallest(actors["count"])
    cards["tagCount"] = _smallest(tags["count"])
    cards["sourceCount"] = _smallest(sources["count"])
    return offsets, text, cards


def _labelled(label, table: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """``label(record)`` for each distinct combination of the columns of ``table``, and each row's combination."""
    which = table.groupby(list(table.columns), dropna=False, sort=False).ngroup().to_numpy()
    distinct = table.drop_duplicates()
    fields = list(table.columns)
    values = [distinct[f].astype(object).where(distinct[f].notna(), None).tolist() for f in fields]
    texts = [label(dict(zip(fields, row, strict=True))) for row in zip(*values, strict=True)]
    return texts, which


def _combinations(columns: list) -> np.ndarray:
    """Each row's index into the distinct combinations of the text ``columns``' values (NULL as ""), in the order first
    seen: the columns' codes combined one by one, never their texts."""
    which = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, distinct = _distinct(_texts(column))
        which, _ = pd.factorize(which * max(len(distinct), 1) + codes)
    return which


def _source_columns(sources: dict) -> list:
    """``SOURCE_FIELDS`` of every source, flat; "cited by" names the citing source by its label when the event has it."""
    fields = ("publisher", "author", "title", "kind")
    which = _combinations([sources[f] for f in fields])
    first = np.flatnonzero(np.diff(np.maximum.accumulate(which), prepend=-1))  # codes come in the order first seen
    picked = [sources[f].take(first).cast(pa.large_string()).to_pylist() for f in fields]
    texts = np.array([wording.source_label(dict(zip(fields, values, strict=True))) for values in zip(*picked, strict=True)] or [""],
                     dtype=object)
    labels = pa.DictionaryArray.from_arrays(pa.array(which, pa.int32()), pa.array(texts.tolist(), pa.large_string()))
    cited_by = sources["cited_by"].cast(pa.large_string()).combine_chunks()
    citing = np.flatnonzero(pc.fill_null(pc.not_equal(cited_by, ""), False).to_numpy(zero_copy_only=False))
    if len(citing):  # look for the cited source among the sources of the same event; name it by its label
        ends = np.cumsum(sources["count"])
        event = np.searchsorted(ends, citing, side="right")
        start, stop = ends[event] - sources["count"][event], ends[event]
        ids, wanted, found = sources["id"], cited_by.take(citing), np.full(len(citing), -1)
        for step in range(int(sources["count"].max())):
            at = start + step
            same = pc.fill_null(pc.equal(ids.take(np.minimum(at, len(which) - 1)), wanted), False).to_numpy(zero_copy_only=False)
            hit = (found < 0) & (at < stop) & same
            found[hit] = at[hit]
        named = np.zeros(len(cited_by), dtype=bool)
        named[citing[found >= 0]] = True
        cited_by = pc.replace_with_mask(cited_by, pa.array(named), pa.array(texts[which[found[found >= 0]]].tolist(), pa.large_string()))
    columns = {"label": labels, "url": sources["url"], "date": sources["date"], "kind": sources["kind"],
               "excerpt": sources["excerpt"], "cited_by": cited_by}
    return [columns[f] for f in SOURCE_FIELDS]


# --- packing ------------------------------------------------------------------------


def _pack(columns: dict[str, np.ndarray | list]) -> tuple[list, list[list]]:
    """Little-endian columns back to back, each starting at a multiple of 8 bytes, as the parts to write in turn (a
    column of bytes may come as a list of parts); and their layout."""
    parts, layout, offset = [], [], 0
    for name, values in columns.items():
        if isinstance(values, list):
            pieces, dtype = values, "uint8"
            size = count = sum(len(piece) for piece in pieces)
        else:
            pieces, dtype = [np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("<"))], values.dtype.name
            size, count = pieces[0].nbytes, len(values)
        layout.append([name, dtype, offset, count])
        padding = -size % 8
        parts += [*pieces, b"\0" * padding]
        offset += size + padding
    return parts, layout


def gzip_parts(blobs: dict[str, list]) -> dict[str, bytes]:
    """Each blob's parts, back to back, as one gzip member (level 1, mtime 0), made without joining the parts.

    The data is deflated in slices of ``_SLICE`` bytes side by side (zlib lets go of the GIL, so every core works),
    each slice on its own and ended on a byte boundary by a sync flush, the last one finished: as pigz does, the
    pieces joined are one deflate stream, which any gzip reader (``DecompressionStream``, ``gzip.decompress``) reads.
    """
    return {name: b"".join([_GZIP_HEADER, *bodies, check]) for name, (bodies, check) in _deflated(blobs, _SLICE).items()}


def sliced_gzip(parts: list, slice_bytes: int) -> tuple[bytes, list]:
    """The parts as one gzip member made as ``gzip_parts`` makes it, in slices of ``slice_bytes``, and how:
    ``[slice_bytes, lengths, size]``, the length of each slice's deflate data and the bytes of the data in all.  Slice
    k starts ``10 + sum(lengths[:k])`` bytes in, and inflates on its own (ended by a sync flush, or finished if it is
    the last) to bytes ``k * slice_bytes`` on of the data."""
    bodies, check = _deflated({"blob": parts}, slice_bytes)["blob"]
    size = sum(memoryview(part).nbytes for part in parts)
    return b"".join([_GZIP_HEADER, *bodies, check]), [slice_bytes, [len(body) for body in bodies], size]


def _deflated(blobs: dict[str, list], slice_bytes: int) -> dict[str, tuple[list[bytes], bytes]]:
    """Each blob's slices deflated side by side (``_deflate``), and its gzip trailer."""
    slices = {name: _slices(parts, slice_bytes) for name, parts in blobs.items()}
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        checks = {name: pool.submit(_crc32, parts) for name, parts in slices.items()}
        bodies = {name: [pool.submit(_deflate, piece, k == len(pieces) - 1) for k, piece in enumerate(pieces)]
                  for name, pieces in slices.items()}
        return {name: ([body.result() for body in bodies[name]], checks[name].result()) for name in blobs}


_SLICE = 4 << 20
"""Bytes deflated at a time by one thread (``gzip_parts``)."""
STRING_SLICE = 256 << 10
"""Bytes of the string table in one slice the page inflates on its own: a card's texts take a few slices (a few
milliseconds), not the whole table (72 MB at 100,000 events)."""
_GZIP_HEADER = bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 4, 3])
"""A gzip member's header: deflate, no name or comment, mtime 0, fastest compression, Unix (as ``gzip.compress`` writes it)."""


def _slices(parts: list, slice_bytes: int) -> list[list[memoryview]]:
    """The parts' bytes, back to back, cut into pieces of ``slice_bytes`` (the last one shorter), without copying."""
    slices: list[list[memoryview]] = [[]]
    room = slice_bytes
    for part in parts:
        data = memoryview(part).cast("B")
        while len(data):
            if not room:
                slices.append([])
                room = slice_bytes
            slices[-1].append(data[:room])
            room -= len(slices[-1][-1])
            data = data[len(slices[-1][-1]):]
    return slices


def _deflate(piece: list[memoryview], last: bool) -> bytes:
    """A slice's raw deflate data, ended by a sync flush, or finished when ``last``."""
    packer = zlib.compressobj(level=1, wbits=-zlib.MAX_WBITS)
    return b"".join([*(packer.compress(data) for data in piece), packer.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)])


def _crc32(slices: list[list[memoryview]]) -> bytes:
    """A gzip member's trailer: the CRC-32 and the length (mod 2**32) of the data."""
    crc = size = 0
    for data in (data for piece in slices for data in piece):
        crc, size = zlib.crc32(data, crc), size + len(data)
    return struct.pack("<II", crc, size & 0xFFFFFFFF)
