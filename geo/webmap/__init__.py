"""The web map: one self-contained Leaflet page for a GeoDataFrame of events.

For: the HTML export and the app's map.  ``render_html`` inlines the vendored
Leaflet, topojson-client and our own map code (``geo/assets/webmap``), the
offline basemap and the events as compact JSON.  The page holds two blocks of
event data: the map points (coordinates, legend category, context flag), read
first so the map draws at once, and the texts, placed after the scripts: each
distinct string once in a table, the events as columns of indices into it, so
repeated actors, types and sources cost a number each.  Large texts are gzip
compressed.  The browser builds a source card only when one is opened.

The app shows the same page as a Streamlit component (``component_page``,
served from ``COMPONENT_DIR``): it gets the whole store's data once per
revision (``component_payload``) and then, per filter, only which events to
show (``shown_mask``) and the header texts (``header_texts``).

It never reads event files or the store, and user text never goes through a
template: it travels in ``<script type="application/json">`` blocks (``< > &``
and U+2028/U+2029 escaped) or gzip+base64, and the page shows it with
``textContent``; a source is a link only when its URL is http(s).
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
from collections import Counter
from datetime import date

import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from geo import basemap, gazetteer, style, wording
from geo.filters import Filter
from geo.frame import COLUMNS, is_mapped
from geo.webmap.inline import inline_text

TILES: dict[str, dict | None] = {
    "offline": None,
    "osm": {
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "credit": "© OpenStreetMap contributors (online tiles)",
        "subdomains": "abc",
        "maxZoom": 19,
    },
    "carto-light": {
        "url": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
        "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
        "credit": "© OpenStreetMap contributors © CARTO (online tiles)",
        "subdomains": "abcd",
        "maxZoom": 20,
    },
}
"""Basemaps: ``offline`` (the shipped Natural Earth countries, the default) or an online tile layer."""

COLOR_BY = ("type", "actor")
TOP_ACTORS = 10
"""With ``color_by="actor"``, the most frequent actors that get a colour of their own."""

SOURCE_FIELDS = ("label", "url", "date", "kind", "excerpt", "cited_by")
"""What the page gets for each source of an event, in this order."""

COMPRESS_ABOVE = 1_000_000
"""Texts longer than this (characters of JSON) are written gzip-compressed and base64-encoded."""
TEXT_CHUNK = 1 << 20
"""The texts are split into ``<script>`` blocks of this many characters, so the browser can paint the
map between them instead of parsing one huge block first."""

_TEXT_COLUMNS = (
    ("id", "id"), ("title", "title"), ("type", "event_type"), ("dateNote", "date_note"), ("placeReported", "place_reported"),
    ("placeNote", "location_note"), ("description", "description"), ("claim", "claim"), ("verification", "verification"),
)  # fmt: skip
"""Page column -> event field, for the texts shown as they are."""

_WEBMAP_DIR = basemap.ASSETS_DIR / "webmap"
_STYLES = ("leaflet/leaflet.css", "webmap/incidentmap.css")
_SCRIPTS = ("leaflet/leaflet.js", "topojson-client/topojson-client.min.js", "webmap/incidentmap.js")
COMPONENT_DIR = basemap.ASSETS_DIR
"""The folder the app's map component is served from: ``index.html`` (``component_page``) and the assets it links."""
_COMPONENT_SCRIPT = "webmap/streamlit.js"
_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def render_html(
    events: gpd.GeoDataFrame,
    *,
    title: str = "Reported incidents",
    flt: Filter | None = None,
    tiles: str = "offline",
    color_by: str = "type",
    undated_excluded: int = 0,
    made_on: date | None = None,
    persist_view_key: str | None = None,
    asset_base_url: str | None = None,
) -> str:
    """One HTML page showing ``events``: works opened from disk, offline, and inside an ``<iframe>``.

    - ``title``: the heading; ``flt``: the filter that made the set, described under it;
      ``undated_excluded``: how many undated events that filter left out (said in the counts line).
    - ``tiles``: a key of ``TILES``; ``"offline"`` draws the shipped basemap and needs no network.
    - ``color_by``: ``"type"`` (event type) or ``"actor"`` (the first of the event's actors among the
      ``TOP_ACTORS`` most frequent; the rest grey).
    - ``made_on``: the date in the attribution line (default today).
    - ``persist_view_key``: when set, the page keeps its centre and zoom in ``sessionStorage`` under
      this key and starts from them next time (so an app keeps the view when a filter changes).
    - ``asset_base_url``: when set, the JS/CSS under ``geo/assets`` are linked from this URL
      instead of inlined (the event data and the basemap are always inlined).

    Raises ValueError for an unknown ``tiles`` or ``color_by``.
    """
    data = map_data(
        events,
        title=title,
        flt=flt,
        tiles=tiles,
        color_by=color_by,
        undated_excluded=undated_excluded,
        made_on=made_on,
        persist_view_key=persist_view_key,
    )
    texts = _dumps(data.pop("texts"))
    compressed = len(texts) > COMPRESS_ABOVE
    return _template().render(
        styles=[_asset(path, asset_base_url) for path in _STYLES],
        scripts=[_asset(path, asset_base_url) for path in _SCRIPTS],
        data=Markup(script_json(data)),
        basemap=Markup(escape_script_json(basemap.topojson_text() if tiles == "offline" else "null")),
        texts=[Markup(chunk) for chunk in _chunks(_gzip_base64(texts) if compressed else escape_script_json(texts))],
        texts_encoding="gzip-base64" if compressed else "",
    )


def map_data(
    events: gpd.GeoDataFrame,
    *,
    title: str = "Reported incidents",
    flt: Filter | None = None,
    tiles: str = "offline",
    color_by: str = "type",
    undated_excluded: int = 0,
    made_on: date | None = None,
    persist_view_key: str | None = None,
) -> dict:
    """Everything the page shows, as JSON-ready compact data (see ``render_html`` for the options).

    ``points`` has ``lat``/``lon`` rounded to 5 decimals (``None`` when unmapped),
    ``category`` (index into ``categories``: ``[label, colour, events on the map]``) and
    ``context`` (0/1) per event.  ``texts`` has ``strings`` (each distinct text once) and
    ``events``: per event an index into ``strings`` for each text column, and the flat
    columns ``actors`` (name, role, ...), ``tags`` and ``sources`` (``SOURCE_FIELDS`` per
    source) with their per-event counts ``actorCount``, ``tagCount`` and ``sourceCount``.
    """
    if tiles not in TILES:
        raise ValueError(f"tiles: {tiles!r} is not one of {', '.join(TILES)}")
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by: {color_by!r} is not one of {', '.join(COLOR_BY)}")
    column = {name: events[name].tolist() for name in COLUMNS}
    lat, lon = _coordinates(events)
    mapped = [y is not None for y in lat]
    labels, categories, legend_title = _categories(column, color_by, mapped)
    category_index = {label: i for i, (label, _, _) in enumerate(categories)}
    return {
        "meta": {
            **_header(title, flt, len(events), sum(mapped), undated_excluded, column["sources"], tiles, made_on),
            "legendTitle": legend_title,
            "hasContext": any(column["context"]),
            "contextOpacity": style.CONTEXT_OPACITY,
            "tiles": _tile_options(tiles),
            "persistKey": persist_view_key,
        },
        "categories": categories,
        "points": {
            "lat": lat,
            "lon": lon,
            "category": [category_index[label] for label in labels],
            "context": [int(bool(c)) for c in column["context"]],
        },
        "towns": _towns(lat, lon) if tiles == "offline" else [],
        "disputed": basemap.disputed_geojson() if tiles == "offline" else {"type": "FeatureCollection", "features": []},
        "texts": _texts(column),
    }


def header_texts(
    events: gpd.GeoDataFrame, *, title: str = "Reported incidents", flt: Filter | None = None,
    undated_excluded: int = 0, made_on: date | None = None,
) -> dict[str, str]:
    """The page's header and footer for ``events`` (offline basemap): ``title``, ``filter``, ``counts``, ``attribution``."""
    mapped = int(is_mapped(events).sum())
    return _header(title, flt, len(events), mapped, undated_excluded, events["sources"].tolist(), "offline", made_on)


def _header(title: str, flt: Filter | None, count: int, mapped: int, undated_excluded: int, sources: list, tiles: str,
            made_on: date | None) -> dict[str, str]:
    return {
        "title": title,
        "filter": (flt or Filter()).describe(),
        "counts": counts_label(count, mapped, undated_excluded, bool(flt and flt.has_dates)),
        "attribution": attribution_label(sources, tiles, made_on or date.today()),
    }


def component_page() -> str:
    """The app component's ``index.html``: the export's page with its assets linked and no data in it.

    ``webmap/streamlit.js`` on it talks to Streamlit and hands the data it gets to ``incidentmap.js``.
    """
    return _template().render(
        styles=[{"url": path} for path in _STYLES],
        scripts=[{"url": path} for path in (*_SCRIPTS, _COMPONENT_SCRIPT)],
        data=None,
        texts=[],
    )


def component_payload(events: gpd.GeoDataFrame, *, title: str = "Reported incidents", made_on: date | None = None,
                      persist_view_key: str | None = None) -> bytes:
    """All of ``events`` for the app component, once per store revision: gzip-compressed JSON
    ``{"data": map_data without texts, "topology": the offline basemap, "texts": map_data's texts}``."""
    data = map_data(events, title=title, made_on=made_on, persist_view_key=persist_view_key)
    texts = data.pop("texts")
    text = f'{{"data":{_dumps(data)},"topology":{basemap.topojson_text()},"texts":{_dumps(texts)}}}'
    return gzip.compress(text.encode("utf-8"), compresslevel=1, mtime=0)


def shown_mask(events: gpd.GeoDataFrame, shown: gpd.GeoDataFrame) -> bytes:
    """Which of ``events`` (in their order) are in ``shown`` (a subset by index): one bit each, little-endian in each byte."""
    keep = np.zeros(len(events), dtype=bool)
    keep[events.index.get_indexer(shown.index)] = True
    return np.packbits(keep, bitorder="little").tobytes()


def counts_label(count: int, mapped: int, undated_excluded: int = 0, dated_filter: bool = False) -> str:
    """ "15 events: 8 mapped, 7 unmapped", plus the undated events a date filter left out."""
    text = f"{count:,} event{'s' if count != 1 else ''}: {mapped:,} mapped, {count - mapped:,} unmapped"
    if undated_excluded or dated_filter:
        text += f"; {undated_excluded:,} undated left out by the date filter"
    return text


def attribution_label(sources_per_event: list[list[dict]], tiles: str, made_on: date, most: int = 5) -> str:
    """ "Events: <publishers or authors, most often cited first>; basemap: ...; made on <date>"."""
    cited = Counter(s["publisher"] or s["author"] for sources in sources_per_event for s in sources)
    cited.pop("", None)
    names = [name for name, _ in cited.most_common(most)]
    if len(cited) > most:
        names.append(f"and {len(cited) - most:,} more")
    if names:
        events = ", ".join(names) + " (as cited on each event)"
    else:
        events = "unnamed sources (see each event)" if sources_per_event else "none"
    credit = TILES[tiles]["credit"] if TILES[tiles] else "Natural Earth via world-atlas"
    return f"Events: {events}; basemap: {credit}; made on {wording.made_on_label(made_on)}"


def script_json(value) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element."""
    return escape_script_json(_dumps(value))


def escape_script_json(text: str) -> str:
    """JSON text with ``< > &`` and U+2028/U+2029 escaped, so no text in it can end or open a tag."""
    for raw, escaped in _SCRIPT_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def decode_texts(encoded: str) -> dict:
    """A page's gzip+base64 texts (its ``im-text`` blocks joined) as data, for tests and tools."""
    return json.loads(gzip.decompress(base64.b64decode(encoded)))


# --- the data ------------------------------------------------------------------------


def _coordinates(events: gpd.GeoDataFrame) -> tuple[list, list]:
    geometry = events.geometry
    missing = ~is_mapped(events).to_numpy()
    xs = np.where(missing, np.nan, geometry.x.to_numpy(dtype=float, na_value=np.nan))
    ys = np.where(missing, np.nan, geometry.y.to_numpy(dtype=float, na_value=np.nan))
    return _rounded(ys), _rounded(xs)


def _rounded(values: np.ndarray) -> list:
    return [None if v != v else v for v in np.round(values, 5).tolist()]  # NaN -> None


def _categories(column: dict, color_by: str, mapped: list[bool]) -> tuple[list[str], list[list], str]:
    """Each event's legend label, the legend rows ``[label, colour, events on the map]``, the legend title."""
    if color_by == "type":
        labels = column["event_type"]
        colours = style.category_colours(sorted(set(labels)))
        title = "Event type"
    else:
        casts = column["actors"]
        frequency = Counter(name for cast in casts for name in dict.fromkeys(a["name"] for a in cast))
        top = [name for name, _ in frequency.most_common(TOP_ACTORS)]
        rest = "other or no actor"
        labels = [next((a["name"] for a in cast if a["name"] in top), rest) for cast in casts]
        present = set(labels)
        colours = {**style.category_colours(top, known=()), rest: style.OTHER_COLOUR}
        colours = {name: colour for name, colour in colours.items() if name in present}
        title = f"Actor (first listed of the {TOP_ACTORS} most frequent)"
    on_map = Counter(label for label, is_mapped in zip(labels, mapped, strict=True) if is_mapped)
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

    def encode(self) -> tuple[list[str], dict[str, list[int]]]:
        codes, strings = pd.factorize(np.array(self._values, dtype=object), sort=False)
        codes[codes < 0] = 0  # a missing value (None, NaN) reads as ""
        return strings.tolist(), {name: codes[a:b].tolist() for name, (a, b) in self._spans.items()}


def _texts(column: dict) -> dict:
    columns = _TextColumns()
    for name, field in _TEXT_COLUMNS:
        columns.add(name, column[field])
    columns.add("date", _labelled(wording.date_label, column, ("date_start", "date_end", "date_precision")))
    columns.add("place", _labelled(wording.place_label, column, ("place_name", "admin1", "country", "location_precision")))
    columns.add("fatalities", _labelled(wording.fatalities_label, column, ("fatalities", "fatalities_qualifier")))
    columns.add("actors", [text for cast in column["actors"] for a in cast for text in (a["name"], a["role"])])
    columns.add("tags", [tag for tags in column["tags"] for tag in tags])
    columns.add("sources", _source_rows(column["sources"]))
    strings, encoded = columns.encode()
    encoded["actorCount"] = [len(cast) for cast in column["actors"]]
    encoded["tagCount"] = [len(tags) for tags in column["tags"]]
    encoded["sourceCount"] = [len(sources) for sources in column["sources"]]
    return {"strings": strings, "sourceWidth": len(SOURCE_FIELDS), "events": encoded}


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


def _towns(lat: list, lon: list, limit: int = 150) -> list[list]:
    """The largest towns around the mapped events, ``[name, lat, lon]``, for basemap labels."""
    ys = [y for y in lat if y is not None]
    xs = [x for x in lon if x is not None]
    if not ys:
        return []
    margin_y = max((max(ys) - min(ys)) * 0.25, 1.0)
    margin_x = max((max(xs) - min(xs)) * 0.25, 1.0)
    bbox = (max(min(xs) - margin_x, -180), max(min(ys) - margin_y, -90), min(max(xs) + margin_x, 180), min(max(ys) + margin_y, 90))
    return [[t.name, round(t.lat, 4), round(t.lon, 4)] for t in gazetteer.towns_in(bbox, min_population=1000, limit=limit)]


def _tile_options(tiles: str) -> dict | None:
    options = TILES[tiles]
    return {k: options[k] for k in ("url", "attribution", "subdomains", "maxZoom")} if options else None


# --- the page ------------------------------------------------------------------------


def _dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)  # ASCII: faster, and U+2028/9 escaped too


def _chunks(text: str) -> list[str]:
    """``text`` cut into pieces of ``TEXT_CHUNK`` characters."""
    return [text[start : start + TEXT_CHUNK] for start in range(0, len(text), TEXT_CHUNK)] or [""]


def _gzip_base64(text: str) -> str:
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=1, mtime=0)).decode("ascii")


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(_WEBMAP_DIR), autoescape=True, keep_trailing_newline=True)
    return environment.get_template("page.html")


def _asset(relpath: str, base_url: str | None) -> dict:
    if base_url is not None:
        return {"url": f"{base_url.rstrip('/')}/{relpath}"}
    return {"text": Markup(inline_text(relpath))}
