"""Write filtered events to files: GeoJSON, spreadsheet-safe CSV, the HTML map and the briefing image.

Each writer takes a GeoDataFrame of events and a path and writes atomically.
``WRITERS`` maps a format name to its writer so the CLI and the app offer the
same set.  GeoJSON and CSV of events loaded from a store carry each event's
``revision`` after the schema's fields, so that importing the file back can
refuse events changed in the store since.  The map and the image are drawn by
``geo.webmap`` and ``geo.briefing``; this module holds no filtering.
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
from geo.schema import FIELDS, LIST_FIELDS, REVISION


def geojson_text(events: gpd.GeoDataFrame) -> str:
    """The events as a GeoJSON FeatureCollection; unmapped events have ``"geometry": null``."""
    features = []
    for record, revision in zip(to_records(events), _revisions(events), strict=True):
        lat, lon = record.pop("lat"), record.pop("lon")
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None
        properties = record if revision is None else {**record, REVISION: revision}
        features.append({"type": "Feature", "id": record["id"], "geometry": geometry, "properties": properties})
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
    revisions = _revisions(events)
    with_revisions = REVISION in events.columns
    writer.writerow((*FIELDS, REVISION) if with_revisions else FIELDS)
    for record, revision in zip(to_records(events), revisions, strict=True):
        writer.writerow([_cell(name, record[name]) for name in FIELDS] + ([revision] if with_revisions else []))
    return out.getvalue()


def _revisions(events: gpd.GeoDataFrame) -> list[int | None]:
    """Each event's revision in its store, or None (events read from a file have none)."""
    if REVISION not in events.columns:
        return [None] * len(events)
    return [int(r) for r in events[REVISION]]


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


WRITERS = {
    "geojson": write_geojson,
    "csv": write_csv,
    "html": write_html,
    **{fmt: functools.partial(write_briefing, fmt=fmt) for fmt in ("png", "pdf", "svg")},
}
"""Format name -> writer(events, path, **options)."""
