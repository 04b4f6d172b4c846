"""``EventLayer``: the events as one folium element that draws, labels and explains them in any ``folium.Map``.

Add it to a map like any folium element.  When the map is rendered it adds to
the page: our CSS and JS (``geo/assets/webmap``, inlined), the offline basemap
when the map has no tiles, the events as binary columns (``geo.webmap.columns``)
and the page's texts, and one call that starts our renderer on folium's own
Leaflet map.  The renderer draws every point on one canvas, opens a source card
on a click, lists the unmapped events, and shows a legend, labels and, when
asked, a header, a timeline and a density layer.

User text never goes through a folium or Jinja template, nor a folium popup:
the blocks are added to the page as finished text (``RawHtml``, which branca
never compiles), JSON blocks have ``< > &`` and U+2028/U+2029 escaped, the
binary blocks are base64, and the page shows every string with ``textContent``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
import shapely.geometry
from branca.element import Element, Figure
from folium.map import Layer

from geo import areas, basemap, gazetteer, names, style, timeline, wording
from geo.filters import Filter
from geo.frame import is_mapped, list_items
from geo.webmap import columns
from geo.webmap.inline import inline_text

SCRIPTS = ("core.js", "cards.js", "points.js", "basemap.js", "labels.js", "panels.js", "timeline.js", "page.js")
"""Our renderer, in the order the page runs it (under ``geo/assets/webmap``)."""
STYLES = ("webmap/incidentmap.css",)
PLUGIN_ASSETS = {
    "basemap": ("topojson-client/topojson-client.min.js",),
    "heat": ("leaflet.heat/leaflet_heat.min.js",),
    "minimap": ("leaflet-minimap/Control.MiniMap.min.css", "leaflet-minimap/Control.MiniMap.min.js"),
}
"""Vendored files the page needs for each option that is on."""
PAGE_PERIODS = 1500
"""The most periods a step may have on the page's timeline (a day step over four years)."""
TOWNS = 2500
"""Most towns (largest first) the page may label around its events."""
_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


class RawHtml(Element):
    """Finished HTML that branca adds to the page as it is: never compiled as a template, so ``{{`` in data stays text."""

    def __init__(self, html: str):
        super().__init__()
        self._html = html

    def render(self, **kwargs) -> str:
        return self._html


@dataclass(frozen=True)
class PageOptions:
    """What the page around the events shows (see ``EventLayer``)."""

    title: str = "Reported incidents"
    flt: Filter | None = None
    undated_excluded: int = 0
    unmapped_excluded: int = 0
    color_by: str = "type"
    made_on: date | None = None
    header: bool = True
    panel: bool = True
    timeline: bool = True
    heat: bool = True
    minimap: bool = True
    basemap: bool = True
    areas: bool = True
    persist_view_key: str | None = None


class EventLayer(Layer):
    """The events of a GeoDataFrame (as ``geo.frame`` makes it) on a folium map.

    - ``title``, ``flt``, ``undated_excluded``, ``unmapped_excluded``: the heading, the filter that made the set
      (described under the heading) and how many undated events, and events with no map point, it left out (said in the
      counts line).
    - ``color_by``: ``"type"`` or ``"actor"`` (the first of each event's actors among the most frequent; the rest grey).
    - ``made_on``: the date in the attribution line (default today).
    - ``header``: show the title, filter and counts above the map, and the attribution below it.
    - ``panel``: list the events that have no map point beside the map.
    - ``timeline``: a timeline under the map that filters by time in the page, with Play.
    - ``heat``: a density layer, off at first, in a layer control.
    - ``minimap``: a small overview map in a corner.
    - ``areas``: a layer, off at first, shading each first-level area by the number of events shown in it.
    - ``basemap``: draw the shipped basemap (off when the map has online tiles).
    - ``persist_view_key``: keep the map's centre and zoom in ``sessionStorage`` under this key.

    Raises ValueError for an unknown ``color_by``.
    """

    def __init__(self, events: gpd.GeoDataFrame, name: str = "Events", **options):
        super().__init__(name=name, overlay=True, control=False, show=True)
        self._name = "EventLayer"
        self.options_ = PageOptions(**options)
        self.encoded, self.meta = page_data(events, self.options_)

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("an EventLayer is rendered as part of a folium Map that belongs to a Figure")
        for relpath in assets(self.options_):
            tag = "style" if relpath.endswith(".css") else "script"
            figure.header.add_child(RawHtml(f"<{tag}>{inline_text(relpath)}</{tag}>"), name=f"im-asset:{relpath}")
        name = self.get_name()
        blocks = [_json_block(f"{name}-meta", self.meta)]
        blocks += [_binary_block(f"{name}-{blob}", getattr(self.encoded, blob)) for blob in ("points", "cards", "strings")]
        if self.options_.basemap:
            blocks.append(f'<script type="application/json" id="im-basemap">{escape_script_json(basemap.topojson_text())}</script>')
        figure.html.add_child(RawHtml("\n".join(blocks)), name=name)
        start = f"window.IncidentMapPage.startFromPage({self._parent.get_name()}, {json.dumps(name)});"
        figure.script.add_child(RawHtml(start), name=name)


def assets(options: PageOptions) -> list[str]:
    """The vendored files (under geo/assets) the page inlines for ``options``: plugins first, then our own."""
    wanted = [*(path for key, paths in PLUGIN_ASSETS.items() if getattr(options, key) for path in paths)]
    return [*wanted, *STYLES, *(f"webmap/{name}" for name in SCRIPTS)]


def page_texts(events: gpd.GeoDataFrame, options: PageOptions, basemap_drawn: bool = True) -> dict[str, str]:
    """The header and footer texts for ``events``: ``title``, ``filter``, ``counts``, ``attribution``."""
    count, mapped = len(events), int(is_mapped(events).sum())
    flt = options.flt or Filter()
    credits = [names.NATURAL_EARTH_CREDIT, names.GEONAMES_CREDIT] if basemap_drawn else ["online tiles (see the map's corner)"]
    return {
        "title": options.title,
        "filter": flt.describe(),
        "counts": wording.map_counts(count, mapped, options.undated_excluded, flt.has_dates, options.unmapped_excluded),
        "attribution": wording.attribution(cited(events), count, credits, options.made_on or date.today()),
    }


def cited(events: gpd.GeoDataFrame) -> dict[str, int]:
    """Each name the events' sources are cited by (the publisher, else the author; none for neither) -> how many sources,
    in the order first cited."""
    sources = list_items(events, "sources", ("publisher", "author"))
    names = pc.if_else(pc.equal(sources["publisher"], ""), sources["author"], sources["publisher"])
    counts = pc.value_counts(names).flatten() if len(names) else [pa.array([], pa.string()), pa.array([], pa.int64())]
    return {name: count for name, count in zip(counts[0].to_pylist(), counts[1].to_pylist(), strict=True) if name}


def page_data(events: gpd.GeoDataFrame, options: PageOptions) -> tuple[columns.Encoded, dict]:
    """The events' binary columns and the page's meta block, for ``options``."""
    area_names, area_codes = area_index(events) if options.areas else ([], None)
    encoded = columns.encode(events, options.color_by, area_codes)
    return encoded, page_meta(events, encoded, options, area_names)


def page_meta(events: gpd.GeoDataFrame, encoded: columns.Encoded, options: PageOptions, area_names: list[str] = ()) -> dict:
    """Everything the page needs besides the columns: texts, legend, places, phrases, layout, options, and the
    basemap layers, towns, time periods and shaded areas around these events."""
    bbox = view_box(events)
    layers = basemap.layers(bbox, tolerance=_detail(bbox)).to_geojson() if options.basemap and bbox else {}
    return {
        **page_texts(events, options, options.basemap),
        **time_periods(events),
        "count": len(events),
        "layout": encoded.layout,
        "stringSlices": encoded.string_slices,
        "categories": encoded.categories,
        "legendTitle": encoded.legend_title,
        "places": encoded.places,
        "phrases": wording.PHRASES,
        "sourceWidth": len(columns.SOURCE_FIELDS),
        "missing": int(columns.MISSING),
        "contextOpacity": 0.45,
        "header": options.header,
        "panel": options.panel,
        "timeline": options.timeline,
        "heat": options.heat,
        "minimap": options.minimap,
        "persistKey": options.persist_view_key,
        "basemap": options.basemap,
        "layers": layers,
        "towns": towns(bbox) if options.basemap and bbox else [],
        "disputed": basemap.disputed_geojson() if options.basemap else None,
        "areas": area_shapes(area_names, bbox),
        "shades": list(style.SHADES),
    }


def area_index(events: gpd.GeoDataFrame) -> tuple[list[str], np.ndarray]:
    """The first-level areas the events' map points lie in ("" first, for none) and each event's index into them."""
    found = areas.admin1_names(events)
    named = np.where(np.isin(found, [areas.OUTSIDE_AREAS, areas.NO_POINT]), "", found)
    codes, uniques = pd.factorize(np.concatenate([[""], named]), sort=False)
    return uniques.tolist(), codes[1:]


def area_shapes(area_names: list[str], bbox: tuple[float, float, float, float] | None) -> dict:
    """The areas as GeoJSON (property ``index``: their place in ``area_names``), simplified for the page's view."""
    if len(area_names) < 2 or bbox is None:
        return {"type": "FeatureCollection", "features": []}
    shapes = basemap.admin1_named(area_names[1:]).dissolve(by="name")
    index = {name: k for k, name in enumerate(area_names)}
    geometry = shapely.set_precision(shapely.simplify(shapes.geometry.to_numpy(), _detail(bbox) * 4, preserve_topology=True), 1e-3)
    features = [{"type": "Feature", "properties": {"index": index[name], "name": name}, "geometry": shapely.geometry.mapping(shape)}
                for name, shape in zip(shapes.index, geometry, strict=True) if not shape.is_empty]
    return {"type": "FeatureCollection", "features": features}


def view_box(events: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    """The mapped events' extent with a margin (a quarter of its span, at least a degree): what the basemap layers
    and town labels of the page cover.  None when no event is mapped."""
    mapped = events.geometry[is_mapped(events)]
    if mapped.empty:
        return None
    xs, ys = mapped.x.to_numpy(), mapped.y.to_numpy()
    margin_x = max((xs.max() - xs.min()) * 0.25, 1.0)
    margin_y = max((ys.max() - ys.min()) * 0.25, 1.0)
    return (max(xs.min() - margin_x, -180.0), max(ys.min() - margin_y, -90.0), min(xs.max() + margin_x, 180.0),
            min(ys.max() + margin_y, 90.0))


def _detail(bbox: tuple[float, float, float, float]) -> float:
    """The simplification tolerance (degrees) of the page's basemap layers: a page is zoomed in well past its first view."""
    return max(bbox[2] - bbox[0], bbox[3] - bbox[1]) / 4000


def towns(bbox: tuple[float, float, float, float], limit: int = TOWNS) -> list[list]:
    """The largest GeoNames towns in ``bbox``, ``[name, lat, lon]``, largest first: the labels rank them in that order."""
    return [[name, round(lat, 4), round(lon, 4)] for name, lat, lon in gazetteer.town_points_in(bbox, min_population=1000, limit=limit)]


def time_periods(events: gpd.GeoDataFrame) -> dict:
    """The timeline's periods for each step that fits the events' span, as ``[first day, last day, label]`` with days
    counted from 1970-01-01, and the default step."""
    found = timeline.span(events)
    if found is None:
        return {"periods": None, "defaultStep": None}
    first, last = found
    days = {}
    for step in timeline.STEPS:
        try:
            days[step] = [[_day(p.start), _day(p.end), p.label] for p in timeline.periods(first, last, step, most=PAGE_PERIODS)]
        except timeline.TimelineError:
            continue  # too many periods at this step for this span
    return {"periods": days, "defaultStep": timeline.default_step(first, last)}


def _day(day: date) -> int:
    return int((np.datetime64(day, "D") - np.datetime64("1970-01-01", "D")).astype(int))


# --- writing the blocks ---------------------------------------------------------------


def escape_script_json(text: str) -> str:
    """JSON text with ``< > &`` and U+2028/U+2029 escaped, so no text in it can end or open a tag."""
    for raw, escaped in _SCRIPT_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def _json_block(element_id: str, value) -> str:
    text = escape_script_json(json.dumps(value, separators=(",", ":"), allow_nan=False))
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _binary_block(element_id: str, data: bytes) -> str:
    text = base64.b64encode(data).decode("ascii")
    return f'<script type="application/octet-stream" id="{element_id}" data-encoding="gzip-base64">{text}</script>'
