"""The web map: ``incident_map(events) -> folium.Map``, one engine for the HTML export, the app and notebooks.

``incident_map`` builds a ``folium.Map`` that works with the network cut (``offline.make_offline``:
Leaflet and every plugin inlined from ``geo/assets``), draws the shipped basemap unless online tiles
are asked for, adds the events as one ``EventLayer`` (``layer.py``: binary columns, one canvas for
every point, source cards built in the browser from escaped fields), and the plugins analysts expect:
full screen, a minimap, a distance and area measure, and a density layer.  The result is an ordinary
folium map: add any folium element or vendored plugin to it, ``save()`` it, show it in a notebook.
``render_html`` is the export's page.  The app shows the same map through ``component.py``.

It never reads event files or a store.
"""

from __future__ import annotations

from datetime import date

import folium
import geopandas as gpd

from geo.filters import Filter
from geo.webmap.controls import fullscreen_control, measure_control
from geo.webmap.layer import EventLayer
from geo.webmap.offline import make_offline

TILES: dict[str, dict | None] = {
    "offline": None,
    "osm": {"tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "max_zoom": 19,
            "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'},
    "carto-light": {"tiles": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png", "max_zoom": 20, "subdomains": "abcd",
                    "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
                            '&copy; <a href="https://carto.com/attributions">CARTO</a>'},
}  # fmt: skip
"""Basemaps: ``offline`` (the shipped Natural Earth layers, the default, needing no network) or an online tile layer."""

__all__ = ["TILES", "EventLayer", "incident_map", "make_offline", "render_html"]


def incident_map(
    events: gpd.GeoDataFrame,
    *,
    title: str = "Reported incidents",
    flt: Filter | None = None,
    undated_excluded: int = 0,
    unmapped_excluded: int = 0,
    color_by: str = "type",
    tiles: str = "offline",
    made_on: date | None = None,
    plugins: bool = True,
    header: bool = True,
    panel: bool = True,
    timeline: bool = True,
    persist_view_key: str | None = None,
    width: str | int = "100%",
    height: str | int = "100%",
) -> folium.Map:
    """A folium map of ``events`` (a GeoDataFrame as ``geo.frame`` makes it) that works offline.

    - ``title``: the heading; ``flt``: the filter that made the set, described under it;
      ``undated_excluded``, ``unmapped_excluded``: how many undated events, and events with no map point, that filter
      left out (said in the counts line).
    - ``color_by``: ``"type"`` (event type) or ``"actor"`` (the first of each event's actors among the
      ten most frequent; the rest grey).
    - ``tiles``: a key of ``TILES``; ``"offline"`` (default) draws the shipped basemap, the others
      load tiles from the network when the map is opened.
    - ``made_on``: the date in the attribution line (default today).
    - ``plugins``: full screen, minimap, measure and density layer (on by default).
    - ``header``, ``panel``, ``timeline``: the title/counts/attribution around the map, the list of
      events with no map point beside it, the timeline with Play under it.
    - ``persist_view_key``: keep the centre and zoom in ``sessionStorage`` under this key.
    - ``width``, ``height``: as folium's.

    Raises ValueError for an unknown ``tiles`` or ``color_by``.
    """
    if tiles not in TILES:
        raise ValueError(f"tiles: {tiles!r} is not one of {', '.join(TILES)}")
    online = TILES[tiles]
    m = folium.Map(location=[25, 45], zoom_start=2, min_zoom=1, max_zoom=online["max_zoom"] if online else 16, tiles=None,
                   zoom_control=True, width=width, height=height, control_scale=False)
    if online:
        folium.TileLayer(**online, name=tiles, control=False).add_to(m)
    make_offline(m)
    EventLayer(events, title=title, flt=flt, undated_excluded=undated_excluded, unmapped_excluded=unmapped_excluded,
               color_by=color_by, made_on=made_on,
               header=header, panel=panel, timeline=timeline, heat=plugins, minimap=plugins, basemap=not online,
               persist_view_key=persist_view_key).add_to(m)
    if plugins:
        fullscreen_control().add_to(m)
        measure_control().add_to(m)
    return m


def render_html(events: gpd.GeoDataFrame, **options) -> str:
    """The self-contained page of ``incident_map(events, **options)``: opens from disk, offline, and inside an ``<iframe>``."""
    return incident_map(events, **options).get_root().render()
