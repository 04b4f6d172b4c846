"""Write filtered events to files: GeoJSON, spreadsheet-safe CSV (or counts per area), the HTML map, the briefing
image and its animation, KML/KMZ for Google Earth, GeoPackage and GeoParquet.

Each writer takes a GeoDataFrame of events and a path and writes atomically.
``WRITERS`` maps a format name to its writer so the CLI and the app offer the
same set.  GeoJSON and CSV of events loaded from a store carry each event's
``revision`` after the schema's fields, so that importing the file back can
refuse events changed in the store since.  The map, the image and the animation
are drawn by ``geo.webmap`` and ``geo.briefing``; this module holds no filtering.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import re
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from geo import style, wording
from geo.atomic import atomic_path, write_atomic
from geo.importers.events_csv import FORMULA_STARTS
from geo.schema import EXAMPLE_RECORD, FIELDS, LIST_FIELDS, REVISION, validate_records

if TYPE_CHECKING:  # the writers get a GeoDataFrame; the command line's --help needs no pandas (see geo/cli.py)
    import geopandas as gpd
    import pandas as pd


def geojson_text(events: gpd.GeoDataFrame) -> str:
    """The events as a GeoJSON FeatureCollection; unmapped events have ``"geometry": null``."""
    from geo.frame import to_records

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
    from geo.frame import to_records

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


def template_events() -> gpd.GeoDataFrame:
    """The one example event of a template file (``geo.schema.EXAMPLE_RECORD``), validated like any import."""
    from geo.frame import to_frame

    return to_frame(validate_records([(1, EXAMPLE_RECORD)], "template"))


def write_geojson(events: gpd.GeoDataFrame, path: Path, **_options) -> Path:
    return write_atomic(path, geojson_text(events))


def counts_csv_text(events: gpd.GeoDataFrame, by: str) -> str:
    """Event counts per first-level area or per country (``geo.areas.area_counts``) as spreadsheet-safe CSV."""
    from geo import areas

    return counts_csv(areas.area_counts(events, by))


def counts_csv(table: pd.DataFrame) -> str:
    """A table of counts (``geo.areas.area_counts``) as spreadsheet-safe CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.to_dict("records"):
        writer.writerow([str(value) if isinstance(value, int) else defuse(value) for value in row.values()])
    return out.getvalue()


def write_csv(events: gpd.GeoDataFrame, path: Path, *, by: str | None = None, **_options) -> Path:
    """Every event as CSV, or with ``by`` ("admin1" or "country") the counts per area."""
    return write_atomic(path, counts_csv_text(events, by) if by else csv_text(events))


def write_html(events: gpd.GeoDataFrame, path: Path, **options) -> Path:
    """The self-contained web map; options as ``geo.webmap.render_html`` (title, flt, tiles, color_by, ...)."""
    from geo.webmap import render_html

    names = ("title", "flt", "tiles", "color_by", "undated_excluded", "unmapped_excluded", "made_on")
    return write_atomic(path, render_html(events, **{name: options[name] for name in names if name in options}))


def write_briefing(events: gpd.GeoDataFrame, path: Path, *, fmt: str, **options) -> Path:
    """The briefing map as ``fmt`` (png, pdf or svg); options as ``geo.briefing.render`` (title, flt, size, dpi, made_on, ...).

    A bad size or dpi raises ValueError before anything is written.
    """
    from geo import briefing

    names = ("title", "flt", "size", "dpi", "made_on", "undated_excluded", "shade_areas")
    kwargs = {name: options[name] for name in names if name in options}
    kwargs.setdefault("made_on", date.today())
    return write_atomic(path, briefing.render(events, fmt=fmt, **kwargs))


# --- GIS formats: GeoPackage and GeoParquet ----------------------------------------------------------------


def gis_table(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every schema field of every event, as GIS formats store them: the point as geometry (empty for unmapped events),
    ``actors``, ``sources`` and ``tags`` as JSON text, ``fatalities`` as a nullable integer, ``context`` as a boolean."""
    import geopandas as gpd
    import pandas as pd

    from geo.frame import COLUMNS, as_lists

    table = pd.DataFrame({name: events[name].to_numpy() for name in COLUMNS if name not in LIST_FIELDS})
    for name in LIST_FIELDS:
        table[name] = [json.dumps(list(value), ensure_ascii=False) for value in as_lists(events[name])]
    table = table[list(COLUMNS)].astype({"fatalities": "Int64", "context": bool})
    return gpd.GeoDataFrame(table, geometry=events.geometry.to_numpy(), crs=events.crs)


def write_gpkg(events: gpd.GeoDataFrame, path: Path, **_options) -> Path:
    """A GeoPackage with one layer, ``events``: every field (``gis_table``)."""
    import pyogrio

    with atomic_path(path) as temp:
        pyogrio.write_dataframe(gis_table(events), temp, layer="events", driver="GPKG")
    return Path(path)


def write_parquet(events: gpd.GeoDataFrame, path: Path, **_options) -> Path:
    """GeoParquet (geometry as WKB, EPSG:4326 in the ``geo`` metadata): every field (``gis_table``)."""
    with atomic_path(path) as temp:
        gis_table(events).to_parquet(temp, index=False)
    return Path(path)


# --- KML and KMZ for Google Earth ------------------------------------------------------------------------------

KML_NAMESPACE = "http://www.opengis.net/kml/2.2"
KMZ_ICON = "files/dot.png"
"""The marker a KMZ carries, white so Google Earth tints it with the type's colour."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_DATA_FIELDS = ("event_id", "event_type", "context", "date_start", "date_end", "date_precision", "place_name", "admin1",
                "country", "location_precision", "verification")
"""Fields every placemark carries as ExtendedData (``event_id`` is the event's ``id``)."""


def kml_text(events: gpd.GeoDataFrame, *, title: str = "Reported incidents", flt=None, made_on: date | None = None,
             undated_excluded: int = 0, unmapped_excluded: int = 0, icon: str = "") -> str:
    """The events as a KML document: a placemark per mapped event, styled by type, with its source card as the
    description and a TimeSpan over the days it may have happened on (a month-precision event spans its month).

    The document's description says what the filter was, the counts, the type colours, and lists every event with
    no map point.  Every text is escaped for XML (``_xml``), and the descriptions, which Google Earth reads as HTML,
    for HTML first (``_html``).  ``icon`` is the marker image's href (a KMZ's own file); without it Google Earth
    tints its default pin.
    """
    from geo.frame import is_mapped, to_records

    records = to_records(events)
    mapped = is_mapped(events)
    colours = style.category_colours(sorted({r["event_type"] for r in records}))
    placed = [r for r, on_map in zip(records, mapped, strict=True) if on_map]
    unmapped = [r for r, on_map in zip(records, mapped, strict=True) if not on_map]
    timeless = int((mapped & events["day_min"].isna()).sum())
    about = _document_html(placed, unmapped, timeless, colours, flt, made_on, undated_excluded, unmapped_excluded)
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="{KML_NAMESPACE}">\n<Document>\n<name>{_xml(title)}</name>'
             f"<open>1</open>\n<description>{_xml(about)}</description>\n"]
    style_ids = {}
    for index, (event_type, colour) in enumerate(colours.items()):
        for context in (False, True):
            style_ids[event_type, context] = f"type-{index}" + ("-context" if context else "")
            parts.append(_kml_style(style_ids[event_type, context], colour, context, icon))
    days = zip(events["day_min"].dt.strftime("%Y-%m-%d"), events["day_max"].dt.strftime("%Y-%m-%d"), strict=True)
    for record, (first, last), on_map in zip(records, days, mapped, strict=True):
        if on_map:
            parts.append(_placemark(record, first, last, style_ids[record["event_type"], bool(record["context"])]))
    parts.append("</Document>\n</kml>\n")
    return "".join(parts)


def _xml(text: str) -> str:
    """Text escaped for an XML element or a double-quoted attribute, with the characters XML 1.0 cannot carry dropped."""
    return html.escape(_NOT_XML.sub("", text), quote=False).replace('"', "&quot;")  # & < > and ", as xml.sax.saxutils would


def _kml_colour(hex_colour: str, opacity: float = 1.0) -> str:
    """ "#1f77b4" as KML's aabbggrr."""
    red, green, blue = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"{round(opacity * 255):02x}{blue}{green}{red}"


def _kml_style(style_id: str, colour: str, context: bool, icon: str) -> str:
    """A type's style: its colour on the marker (paler and smaller for context events) and the label; the balloon shows
    the card only, so no raw name is put into Google Earth's HTML."""
    icon_colour = _kml_colour(colour, style.CONTEXT_OPACITY if context else 1.0)
    href = f"<Icon><href>{_xml(icon)}</href></Icon>" if icon else ""
    return (f'<Style id="{style_id}"><IconStyle><color>{icon_colour}</color><scale>{"0.8" if context else "1"}</scale>{href}'
            f"</IconStyle><LabelStyle><color>{_kml_colour(colour)}</color><scale>0.8</scale></LabelStyle>"
            "<BalloonStyle><text>$[description]</text></BalloonStyle></Style>\n")


def _placemark(record: dict, first: str | float, last: str | float, style_id: str) -> str:
    """One mapped event; ``first`` and ``last`` are its possible days (YYYY-MM-DD), NaN when it is undated."""
    span = f"<TimeSpan><begin>{first}</begin><end>{last}</end></TimeSpan>" if isinstance(first, str) else ""
    values = {**record, "event_id": record["id"], "context": "true" if record["context"] else "false"}
    data = "".join(f'<Data name="{name}"><value>{_xml(str(values[name]))}</value></Data>' for name in _DATA_FIELDS)
    return (f"<Placemark><name>{_xml(record['title'])}</name><Snippet maxLines=\"1\">{_xml(wording.date_label(record))}</Snippet>"
            f"<description>{_xml(card_html(record))}</description>{span}<styleUrl>#{style_id}</styleUrl>"
            f"<ExtendedData>{data}</ExtendedData><Point><coordinates>{record['lon']!r},{record['lat']!r}</coordinates></Point>"
            "</Placemark>\n")


def card_html(record: dict) -> str:
    """The event's source card (``wording.source_card``) as escaped HTML; links only for http(s) URLs."""
    card = wording.source_card(record)
    parts = [f"<h3>{_html(card.title)}</h3>"] + ([f"<p><i>{_html(card.notice)}</i></p>"] if card.notice else [])
    for label, value in card.fields:
        if isinstance(value, tuple):
            parts.append(f"<p><b>{_html(label)}:</b></p><ul>" + "".join(f"<li>{_html(item)}</li>" for item in value) + "</ul>")
        else:
            parts.append(f"<p><b>{_html(label)}:</b> {_html(value)}</p>")
    parts.append(f"<p><b>{_html(card.sources_heading)}:</b></p><ul>")
    for source in card.sources:
        link = f' — <a href="{_html(source.url)}">link</a>' if source.url else ""
        excerpt = f"<br><i>“{_html(source.excerpt)}”</i>" if source.excerpt else ""
        parts.append(f"<li>{_html(source.head)}{link}{excerpt}</li>")
    return "".join(parts) + "</ul>"


def _html(text: str) -> str:
    """Text for Google Earth's HTML: markup characters as entities, ``$`` too (``$[name]`` is Google Earth's own
    substitution syntax), line breaks kept."""
    return html.escape(text, quote=True).replace("$", "&#36;").replace("\n", "<br>")


def _document_html(placed: list[dict], unmapped: list[dict], timeless: int, colours: dict[str, str], flt, made_on: date | None,
                   undated_excluded: int, unmapped_excluded: int) -> str:
    """What the document says about itself: the counts, the filter, the colours, and every event with no map point."""
    counts = wording.map_counts(len(placed) + len(unmapped), len(placed), undated_excluded, bool(flt and flt.has_dates),
                                unmapped_excluded)
    parts = [f"<p>{_html(counts)}</p>"] + ([f"<p>{_html(flt.describe())}</p>"] if flt is not None else [])
    shown_types = {r["event_type"] for r in placed}
    legend = [f'<font color="{colour}">●</font> {_html(name)}' for name, colour in colours.items() if name in shown_types]
    if any(r["context"] for r in placed):
        legend.append(_html("paler, smaller: context (background) event"))
    parts.append("<p>" + "<br>".join(legend) + "</p>")
    if timeless:
        parts.append(f"<p>{_html(f'{timeless:,} on the map with no known date: no time span, so the time slider always shows them.')}</p>")
    if unmapped:
        parts.append(f"<p><b>{_html(wording.phrase('not_on_map', len(unmapped)))}</b></p><ul>")
        for record in sorted(unmapped, key=wording.date_sort_key):
            sources = "; ".join(wording.source_label(s) for s in record["sources"])
            line = " — ".join(p for p in (wording.date_label(record), record["place_reported"], f"sources: {sources}") if p)
            parts.append(f"<li><b>{_html(record['title'])}</b> — {_html(line)}</li>")
        parts.append("</ul>")
    if made_on:
        parts.append(f"<p>Made on {_html(wording.made_on_label(made_on))}</p>")
    return "".join(parts)


_KML_OPTIONS = ("title", "flt", "made_on", "undated_excluded", "unmapped_excluded")


def write_kml(events: gpd.GeoDataFrame, path: Path, **options) -> Path:
    """KML for Google Earth (``kml_text``); options title, flt, made_on, undated_excluded, unmapped_excluded."""
    return write_atomic(path, kml_text(events, **{name: options[name] for name in _KML_OPTIONS if name in options}))


def write_kmz(events: gpd.GeoDataFrame, path: Path, **options) -> Path:
    """KMZ: the KML as ``doc.kml`` zipped with its own marker icon, so type colours show exactly; options as ``write_kml``."""
    text = kml_text(events, icon=KMZ_ICON, **{name: options[name] for name in _KML_OPTIONS if name in options})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as kmz:
        kmz.writestr(zipfile.ZipInfo("doc.kml", (1980, 1, 1, 0, 0, 0)), text, zipfile.ZIP_DEFLATED)
        kmz.writestr(zipfile.ZipInfo(KMZ_ICON, (1980, 1, 1, 0, 0, 0)), _dot_png())
    return write_atomic(path, out.getvalue())


@functools.cache
def _dot_png(size: int = 32) -> bytes:
    """A white disc with a dark rim, drawn large and scaled down for smooth edges."""
    from PIL import Image, ImageDraw

    big = size * 4
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((6, 6, big - 6, big - 6), fill=(255, 255, 255, 255), outline=(60, 60, 60, 255), width=10)
    out = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(out, "PNG")
    return out.getvalue()


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
    "kml": write_kml,
    "kmz": write_kmz,
    "gpkg": write_gpkg,
    "parquet": write_parquet,
    **{fmt: functools.partial(write_animation, fmt=fmt) for fmt in ("gif", "mp4")},
}
"""Format name -> writer(events, path, **options)."""


def file_bytes(fmt: str, events: gpd.GeoDataFrame, **options) -> bytes:
    """The file ``WRITERS[fmt]`` writes, as bytes (for a download), through a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="incident-map-") as folder:
        path = Path(folder) / f"export.{fmt}"
        WRITERS[fmt](events, path, **options)
        return path.read_bytes()
