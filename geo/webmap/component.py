"""The web map in the Streamlit app: the same folium page and renderer, fed by a two-way component.

Why not ``st_folium``: it sends the whole map's HTML on every rerun, so a filter change at
100,000 events would ship the events again and lose the reader's zoom and pan.  The component
page here (``component_dir()``, built once per release from ``incident_map``'s own pieces) gets the
events once per store revision (``payload``: the binary columns of ``geo.webmap.columns``, written
beside the page in pieces by ``publish`` and fetched by it, since Streamlit's front end is slow with
large binary arguments) and,
per filter, only which of them to show (``mask_bits``: one bit each) and the date range, so a
filter change redraws the points in place.  It reports back the event whose card the reader
opened, a period selected on its timeline and an area drawn (``webmap/streamlit.js``).

It never reads the store, and like the export it shows every text with ``textContent``.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gzip
import hashlib
import json
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import shapely.geometry
from branca.element import Figure, MacroElement

from geo import basemap, diskcache, filters, wording
from geo.atomic import write_atomic
from geo.filters import Filter
from geo.frame import release_memory
from geo.paths import cache_dir
from geo.webmap.controls import fullscreen_control, measure_control
from geo.webmap.inline import inline_text
from geo.webmap.layer import PageOptions, RawHtml, assets, page_data
from geo.webmap.offline import make_offline

_BRIDGE = "webmap/streamlit.js"
_OPTIONS = PageOptions(header=False, panel=True, timeline=True, heat=True, minimap=True)


class _Bridge(MacroElement):
    """What the component page adds to its folium map: our assets, and the Streamlit side that feeds the renderer."""

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        for relpath in [*assets(_OPTIONS), _BRIDGE]:
            tag = "style" if relpath.endswith(".css") else "script"
            figure.header.add_child(RawHtml(f"<{tag}>{inline_text(relpath)}</{tag}>"), name=f"im-asset:{relpath}")
        drawn = next(child for child in self._parent._children.values() if isinstance(child, folium.FeatureGroup))
        start = f"window.IncidentMapComponent.attach({self._parent.get_name()}, {drawn.get_name()});"
        figure.script.add_child(RawHtml(start), name="im-component")


def component_page() -> str:
    """The component's ``index.html``: a folium map with the plugins and our renderer, and no events in it."""
    m = folium.Map(location=[25, 45], zoom_start=2, min_zoom=1, max_zoom=16, tiles=None, control_scale=False)
    m._id = "incident"  # stable names: the page is the same bytes for the same release
    make_offline(m)
    fullscreen, measure = fullscreen_control(), measure_control()
    drawn = folium.FeatureGroup(name="Area drawn", control=False)
    draw = folium.plugins.Draw(feature_group=drawn, show_geometry_on_click=False, position="topleft",
                               draw_options={"polyline": False, "marker": False, "circlemarker": False,
                                             "polygon": {"showArea": False}, "rectangle": {"showArea": False}},
                               edit_options={"edit": False})
    bridge = _Bridge()
    for number, element in enumerate((fullscreen, measure, drawn, draw, bridge)):
        element._id = f"im{number}"
        element.add_to(m)
    figure = m.get_root()
    assert isinstance(figure, Figure)
    return figure.render()


def component_dir() -> Path:
    """A folder holding the current ``component_page()`` as ``index.html``, made once per release in the cache folder;
    the folders of other releases go once unused for ``diskcache.UNUSED_DAYS``."""
    page = component_page()
    digest = hashlib.sha256(page.encode("utf-8")).hexdigest()[:16]
    folder = cache_dir() / f"component-{digest}"
    index = folder / "index.html"
    if index.exists():
        with contextlib.suppress(OSError):  # a read-only cache folder
            index.touch()
    else:
        write_atomic(index, page)
        diskcache.remove_unused(folder.parent.glob("component-*"), keep=folder)
    return folder


LOOPBACK_TWINS = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}
"""This machine's two names for itself: a server listening on 127.0.0.1 answers at both."""


def page_url_apart(app_url: str | None, name: str, server_address: str) -> str | None:
    """The URL of the component ``name``'s page under this machine's other name, when the browser shows the app at
    ``app_url`` (``st.context.url``) under one of them and the server (listening on ``server_address``) answers at both;
    else None, and the page is served beside the app.

    To a browser ``localhost`` and ``127.0.0.1`` are two sites, and a frame from another site runs in a process of its
    own (site isolation, in Chromium and Firefox): the map then fetches, decodes and draws its events while Streamlit's
    page builds the sidebar and the table, not after them.
    """
    parts = urlsplit(app_url or "")
    twin = LOOPBACK_TWINS.get(parts.hostname or "")
    if twin is None or server_address not in ("", "localhost", "127.0.0.1", "0.0.0.0"):
        return None
    host = twin if parts.port is None else f"{twin}:{parts.port}"
    folder = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, host, f"{folder}component/{quote(name)}/index.html", "", ""))


PAYLOAD_PARTS = ("meta", "points", "cards", "strings", "topology")


def payload(events: gpd.GeoDataFrame, *, title: str = "Reported incidents", made_on: date | None = None,
            persist_view_key: str | None = None) -> bytes:
    """All of ``events`` for the component, once per store revision, as one blob of gzip-compressed parts.

    The parts (``PAYLOAD_PARTS``): ``meta`` (JSON: the page's texts, legend, places, layout, timeline periods,
    basemap layers), ``points``, ``cards``, ``strings`` (``geo.webmap.columns``) and ``topology`` (the shipped
    countries).  The blob is the byte length of each part (little-endian uint32, in that order), then the parts.
    """
    options = PageOptions(**{**_OPTIONS.__dict__, "title": title, "made_on": made_on, "persist_view_key": persist_view_key})
    encoded, meta = page_data(events, options)
    release_memory()  # what encoding took (at 1,000,000 events 0.2-0.4 GB), before the blob is joined
    parts = [_gzip(json.dumps(meta, separators=(",", ":"), allow_nan=False)), encoded.points, encoded.cards, encoded.strings,
             _topology()]
    return np.array([len(part) for part in parts], dtype="<u4").tobytes() + b"".join(parts)


PUBLISHED_KEPT = 4
"""How many payloads ``publish`` keeps beside the page (the newest): a page fetches its files once, when it loads."""
PUBLISHED_PIECE = 16 << 20
"""The most bytes of a payload in one file (``publish``)."""
PUBLISHED_SUFFIX = ".bin.gz"


def publish(blob: bytes, folder: Path) -> list[str]:
    """Write a ``payload`` blob into the component's ``folder`` (``component_dir()``), where Streamlit serves it to the
    page, as files of at most ``PUBLISHED_PIECE`` bytes, and return their names, in order, which name its content; the
    files of payloads beyond the newest ``PUBLISHED_KEPT`` go.

    Streamlit's server reads a whole file into memory to send it: the page fetches the pieces one after another, so
    that it holds a piece at a time, not the whole blob (at 1,000,000 events 125 MB).  The names end in ``.gz``
    (``PUBLISHED_SUFFIX``), which Streamlit serves as ``application/gzip``, a type its server does not compress: the
    blob's parts are compressed already, and compressing them again (at level 9, for each page) held them twice more
    and took seconds.
    """
    digest = hashlib.sha256(blob).hexdigest()[:_DIGEST]
    names = []
    for number, start in enumerate(range(0, max(len(blob), 1), PUBLISHED_PIECE)):
        names.append(f"{_PUBLISHED}{digest}-{number}{PUBLISHED_SUFFIX}")
        path = folder / names[-1]
        if not path.exists():
            write_atomic(path, blob[start : start + PUBLISHED_PIECE])
        path.touch()
    newest: dict[str, float] = {}
    for path in folder.glob(f"{_PUBLISHED}*"):
        key = _published_digest(path)
        newest[key] = max(newest.get(key, 0.0), path.stat().st_mtime)
    older = set(sorted(newest, key=newest.__getitem__, reverse=True)[PUBLISHED_KEPT:])
    for path in folder.glob(f"{_PUBLISHED}*"):
        if _published_digest(path) in older:
            path.unlink(missing_ok=True)
    return names


_PUBLISHED, _DIGEST = "events-", 24


def _published_digest(path: Path) -> str:
    """The digest of the payload a published file holds (or a piece of)."""
    return path.name[len(_PUBLISHED) : len(_PUBLISHED) + _DIGEST]


def unpack(blob: bytes) -> dict[str, bytes]:
    """The parts of a ``payload`` blob (for tests and tools), as the page splits them."""
    lengths = np.frombuffer(blob, dtype="<u4", count=len(PAYLOAD_PARTS)).tolist()
    out, offset = {}, 4 * len(PAYLOAD_PARTS)
    for name, length in zip(PAYLOAD_PARTS, lengths, strict=True):
        out[name] = blob[offset : offset + length]
        offset += length
    return out


def filter_args(found: filters.Match, flt: Filter) -> dict:
    """What the component gets for the filter ``flt``, matched as ``found`` (``filters.match(events, flt, any_date=True)``
    on the events of its payload): ``mask`` (the events every key but the dates keeps: ``mask_bits``, text, since
    Streamlit sends a component again only when its JSON arguments change), ``dates`` (``date_range``), which the page's
    timeline applies with the date rule, and ``area`` (``drawn_area``)."""
    if found.any_date is None:
        raise ValueError("filter_args needs the mask of every key but the dates: filters.match(events, flt, any_date=True)")
    return {"mask": mask_bits(found.any_date), "dates": date_range(flt), "area": drawn_area(flt)}


def mask_bits(keep: np.ndarray) -> str:
    """A mask over the events (bools, in their order) as the page reads it: one bit each, little-endian in each byte,
    as base64 text (100,000 events: 16.7 kB)."""
    return base64.b64encode(np.packbits(keep, bitorder="little")).decode("ascii")


def drawn_area(flt: Filter) -> dict | None:
    """The filter's circle or polygon for the map to outline (``{"near": [lat, lon, km]}`` or ``{"within": GeoJSON}``),
    so a view opened from a link shows its area; None without one."""
    if flt.near is not None:
        return {"near": [flt.near.lat, flt.near.lon, flt.near.km]}
    if flt.within is not None:
        return {"within": shapely.geometry.mapping(flt.within)}
    return None


def date_range(flt: Filter) -> list | None:
    """The filter's dates for the component's timeline, which applies them: ``[first, last, label]``, days counted
    from 1970-01-01 (None where open); None without dates."""
    if not flt.has_dates:
        return None
    first, last = flt.date_from, flt.date_to
    if first and last:
        label = wording.day_span_label(first, last)
    else:
        label = f"from {wording.day_label(first)}" if first else f"until {wording.day_label(last)}"
    return [None if day is None else (day - date(1970, 1, 1)).days for day in (first, last)] + [label]


@functools.cache
def _topology() -> bytes:
    return _gzip(basemap.topojson_text())


def _gzip(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), compresslevel=1, mtime=0)
