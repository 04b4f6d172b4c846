"""Write filtered events to files: GeoJSON, spreadsheet-safe CSV, the HTML map, the briefing image and its animation.

Each writer takes a GeoDataFrame of events and a path and writes atomically.
``WRITERS`` maps a format name to its writer so the CLI and the app offer the
same set.  The map, the image and the animation are drawn by ``geo.webmap`` and ``geo.briefing``; this module holds
no filtering.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from datetime import date
from pathlib import Path

import geopandas as gpd

from geo.atomic import write_atomic
from geo.frame import to_records
from geo.importers.events_csv import FORMULA_STARTS
from geo.schema import FIELDS, LIST_FIELDS


def geojson_text(events: gpd.GeoDataFrame) -> str:
    """The events as a GeoJSON FeatureCollection; unmapped events have ``"geometry": null``."""
    features = []
    for record in to_records(events):
        lat, lon = record.pop("lat"), record.pop("lon")
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None
        features.append({"type": "Feature", "id": record["id"], "geometry": geometry, "properties": record})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1) + "\n"


def defuse(cell: str) -> str:
    """Prefix an apostrophe to a text cell a spreadsheet would run as a formula."""
    return "'" + cell if cell[:1] in FORMULA_STARTS and cell[:1] else cell


def csv_text(events: gpd.GeoDataFrame) -> str:
    """The events as CSV in the project's schema, safe to open in a spreadsheet.

    List fields are JSON; text cells starting with ``= + - @`` (or tab/CR) get a
    leading apostrophe; numbers are written as numbers.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for record in to_records(events):
        writer.writerow([_cell(name, record[name]) for name in FIELDS])
    return out.getvalue()


def _cell(name: str, value) -> str:
    if name in LIST_FIELDS:
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return defuse(value)


def write_geojson(events: gpd.GeoDataFrame, path: Path, **_options) -> Path:
    return write_atomic(path, geojson_text(events))


def write_csv(events: gpd.GeoDataFrame, path: Path, **_options) -> Path:
    return write_atomic(path, csv_text(events))


def write_html(events: gpd.GeoDataFrame, path: Path, **options) -> Path:
    """The self-contained web map; options as ``geo.webmap.render_html`` (title, flt, tiles, color_by, ...)."""
    from geo.webmap import render_html

    names = ("title", "flt", "tiles", "color_by", "undated_excluded", "made_on")
    return write_atomic(path, render_html(events, **{name: options[name] for name in names if name in options}))


def write_briefing(events: gpd.GeoDataFrame, path: Path, *, fmt: str, **options) -> Path:
    """The briefing map as ``fmt`` (png, pdf or svg); options as ``geo.briefing.render`` (title, flt, size, dpi, made_on, ...).

    A bad size or dpi raises ValueError before anything is written.
    """
    from geo import briefing

    names = ("title", "flt", "size", "dpi", "made_on", "undated_excluded")
    kwargs = {name: options[name] for name in names if name in options}
    kwargs.setdefault("made_on", date.today())
    return write_atomic(path, briefing.render(events, fmt=fmt, **kwargs))


def write_animation(events: gpd.GeoDataFrame, path: Path, *, fmt: str, **options) -> Path:
    """The animated briefing as ``fmt`` (gif or mp4); options as ``geo.briefing.animation.Animation`` (title, flt, step,
    mode, size, dpi, made_on, ...) and ``frame_seconds``.

    A bad step, mode, size or frame duration, or a period with no dated event, raises ValueError before anything is written.
    """
    from geo.briefing import animation

    names = ("title", "flt", "size", "dpi", "made_on", "undated_excluded", "step", "mode", "frame_seconds")
    kwargs = {name: options[name] for name in names if options.get(name) is not None}
    kwargs.setdefault("made_on", date.today())
    return write_atomic(path, animation.render_animation(events, fmt=fmt, **kwargs))


WRITERS = {
    "geojson": write_geojson,
    "csv": write_csv,
    "html": write_html,
    **{fmt: functools.partial(write_briefing, fmt=fmt) for fmt in ("png", "pdf", "svg")},
    **{fmt: functools.partial(write_animation, fmt=fmt) for fmt in ("gif", "mp4")},
}
"""Format name -> writer(events, path, **options)."""
