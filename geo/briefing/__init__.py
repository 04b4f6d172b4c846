"""The static briefing map: a PNG, PDF or SVG that stands on its own in a slide or a note.

``render`` draws filtered events on the offline basemap (``geo.basemap``) with
numbered markers in the web map's colours, a key listing each number's date,
title, actors and sources, a legend, scale bar, north arrow, locator inset,
the filter, the events that have no map point, the attribution and the date it
was made.  Labels are placed, not printed: each number tries positions around
its event and takes the nearest free one, with a leader line when it moved.

Where events cluster too tightly to number one by one, the cluster is enlarged
in an inset with its own frame, scale bar and names, numbered as the key.
``animation`` steps the same page through time as a GIF or MP4.

The parts, one job each: ``sheet`` (page size, units, drawing settings), ``text``
(measuring and wrapping), ``content`` (what the page says), ``layout`` (what goes
where), ``mapview`` (the map panels), ``clusters`` (which events get an inset),
``extent`` (map extents), ``background`` (the basemap layers), ``furniture``
(scale bar, north arrow, legend, locator), ``placement`` (free boxes, labels),
``key`` and ``notes`` (the text blocks), ``animation`` (frames, GIF, MP4).

It uses matplotlib's object API (no pyplot state), so it is safe to call from
the app.  It never imports Streamlit, never reads event files and never uses
the network.  The same input gives the same bytes.
"""

from __future__ import annotations

import io
from datetime import date

import geopandas as gpd
from matplotlib.figure import Figure

from geo.briefing import layout
from geo.briefing.content import Content, KeyEntry, attribution, in_date_order, key_entries
from geo.briefing.sheet import Page, drawing, page
from geo.filters import Filter
from geo.wording import NO_EVENTS

__all__ = ["FORMATS", "NO_EVENTS", "KeyEntry", "Page", "attribution", "figure", "in_date_order", "key_entries", "page", "render"]

FORMATS = ("png", "pdf", "svg")

_SAVE_OPTIONS = {
    "png": {"metadata": {"Software": None}, "pil_kwargs": {"compress_level": 3}},
    "pdf": {"metadata": {"CreationDate": None, "ModDate": None}},
    "svg": {"metadata": {"Date": None}},
}
"""How each format is saved: fixed metadata (the same input gives the same bytes); PNG at zlib level 3, which on these
pages is a quarter faster than Pillow's default 6 and a tenth smaller (the fast deflate suits large flat areas)."""


def figure(
    events: gpd.GeoDataFrame,
    *,
    title: str = "Reported incidents",
    flt: Filter | None = None,
    size: str = "slide",
    dpi: int = 150,
    made_on: date,
    undated_excluded: int = 0,
    shade_areas: bool = False,
) -> Figure:
    """The briefing map of ``events`` (already filtered by ``flt``) as a matplotlib Figure.

    ``title`` heads the page; ``flt`` is described under the map; ``size`` is "a4"
    (landscape), "slide" (1920x1080 px, the default), "small" (1280x720) or "WIDTHxHEIGHT" in pixels, each
    at ``dpi``; ``made_on`` is printed as the date it was made; ``undated_excluded``
    counts undated events the date filter left out; ``shade_areas`` shades each first-level area by the events whose
    map point lies in it, with a legend of the shades.  Mapped events are numbered in
    date order (see ``key_entries``); unmapped ones are listed by title under the map.
    Raises ValueError for a bad size or dpi.  Save it through ``render``, which sets the font embedding and the
    fixed metadata.
    """
    pg = page(size, dpi)
    with drawing():
        return layout.draw(Content(events, title, flt or Filter(), made_on, undated_excluded, shade_areas), pg).fig


def render(events: gpd.GeoDataFrame, *, fmt: str = "png", dpi: int = 150, **options) -> bytes:
    """The briefing map of ``events`` as PNG, PDF or SVG bytes; ``options`` as for ``figure``.

    Raises ValueError for an unknown format, a bad size or dpi.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    out = io.BytesIO()
    with drawing():
        fig = figure(events, dpi=dpi, **options)
        fig.savefig(out, format=fmt, dpi=dpi, **_SAVE_OPTIONS[fmt])
    return out.getvalue()
