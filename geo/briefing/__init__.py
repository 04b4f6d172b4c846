"""The static briefing map: a PNG, PDF or SVG that stands on its own in a slide or a note.

``render`` draws filtered events on the offline basemap (``geo.basemap``) with
numbered markers in the web map's colours, a key listing each number's date,
title, actors and sources, a legend, scale bar, north arrow, locator inset,
the filter, the events that have no map point, the attribution and the date it
was made.  Labels are placed, not printed: each number tries positions around
its event and takes the nearest free one, with a leader line when it moved.

It uses matplotlib's object API (no pyplot state), so it is safe to call from
the app.  It never imports Streamlit, never reads event files and never uses
the network.  The same input gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle
from matplotlib.textpath import TextToPath
from shapely.ops import substring

from geo import basemap, gazetteer, style, wording
from geo.filters import Filter
from geo.frame import is_mapped

FORMATS = ("png", "pdf", "svg")
A4_LANDSCAPE_IN = (297 / 25.4, 210 / 25.4)
SLIDE_PX = (1920, 1080)
DEFAULT_EXTENT = (66.0, 23.5, 80.0, 37.5)
"""(min_lon, min_lat, max_lon, max_lat) shown when no event has a map point: Pakistan, Kashmir, north India."""
MIN_SPAN_DEG = 1.5
"""The smallest extent, in degrees of latitude, so that one event alone still shows its surroundings."""
BASEMAP_CREDIT = "Basemap: Natural Earth (public domain) via world-atlas"
BOUNDARY_NOTE = "boundaries show de facto control and imply no position on disputed claims"
NO_EVENTS = "No events match this filter"

_FONT = "DejaVu Sans"
_REFERENCE_IN = (12.8, 7.2)  # 1920x1080 at 150 dpi: font sizes below are for this page and scale with its area
_RC = {
    "font.family": _FONT,
    "pdf.fonttype": 42,  # TrueType: the PDF's text layer holds every word
    "svg.fonttype": "none",  # text stays text in SVG
    "svg.hashsalt": "geo-briefing",  # stable element ids
    "text.parse_math": False,  # "$" in a title is a dollar sign, not TeX
    "path.simplify": True,
}
_LOCK = threading.RLock()  # rcParams are global: one page is drawn and saved at a time
_SAVE_METADATA = {"png": {"Software": None}, "pdf": {"CreationDate": None, "ModDate": None}, "svg": {"Date": None}}

_SEA, _LAND, _BORDER, _DISPUTED = "#dce9f2", "#f5f3ee", "#9a9a9a", "#4d4d4d"
_INK, _MUTED, _TOWN = "#1a1a1a", "#555555", "#6b6b6b"


# --- page size ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """The page in inches and its resolution; ``scale`` sizes fonts relative to a 1920x1080 slide."""

    width: float
    height: float
    dpi: int

    @property
    def scale(self) -> float:
        return math.sqrt(self.width * self.height / (_REFERENCE_IN[0] * _REFERENCE_IN[1]))

    @property
    def landscape(self) -> bool:
        return self.width >= 1.2 * self.height


def page(size: str = "slide", dpi: int = 150) -> Page:
    """The page for ``size`` ("a4" landscape, "slide" = 1920x1080 px, or "WIDTHxHEIGHT" px) at ``dpi``.

    Raises ValueError with a message fit for the user for anything else.
    """
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 50 <= dpi <= 600:
        raise ValueError(f"dpi: {dpi!r} must be a whole number from 50 to 600")
    text = str(size).strip().lower()
    if text == "a4":
        return Page(*(round(side * dpi) / dpi for side in A4_LANDSCAPE_IN), dpi)  # whole pixels: 1754x1240 at 150 dpi
    if text == "slide":
        pixels = SLIDE_PX
    else:
        match = re.fullmatch(r"(\d{1,5})\s*[x×]\s*(\d{1,5})", text)
        if not match:
            raise ValueError(f"size: {size!r} is not a4, slide or WIDTHxHEIGHT in pixels (e.g. 1920x1080)")
        pixels = (int(match[1]), int(match[2]))
        if not all(600 <= p <= 12000 for p in pixels):
            raise ValueError(f"size: {size!r} must be 600 to 12000 pixels on each side")
        if not 0.5 <= pixels[0] / pixels[1] <= 3:
            raise ValueError(f"size: {size!r} is too narrow or too wide (width/height must be 0.5 to 3)")
    return Page(pixels[0] / dpi, pixels[1] / dpi, dpi)


# --- the key ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyEntry:
    """One numbered event on the map, as the key lists it."""

    number: int
    id: str
    title: str
    date: str
    actors: tuple[str, ...]
    sources: tuple[str, ...]
    event_type: str
    context: bool
    lon: float
    lat: float


def in_date_order(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The events sorted by start date (undated last), then title, then id, as ``wording.date_sort_key`` orders them."""
    start = events["date_start"].fillna("").astype(str)
    keys = pd.DataFrame({"start": start.where(start != "", "9999"), "title": events["title"], "id": events["id"]})
    return events.iloc[np.lexsort([keys[c].to_numpy(dtype=str) for c in ("id", "title", "start")])]


def key_entries(events: gpd.GeoDataFrame) -> list[KeyEntry]:
    """The mapped events numbered 1..N in date order (undated last; ties by title, then id)."""
    mapped = in_date_order(events[is_mapped(events)])
    columns = ("id", "title", "date_start", "date_end", "date_precision", "actors", "sources", "event_type", "context")
    rows = zip(*(mapped[c] for c in columns), mapped.geometry.x, mapped.geometry.y, strict=True)
    return [
        KeyEntry(
            number=number,
            id=id_,
            title=title,
            date=wording.date_label({"date_start": start, "date_end": end, "date_precision": precision}),
            actors=tuple(a["name"] for a in actors),
            sources=tuple(dict.fromkeys(wording.source_label(source) for source in sources)),
            event_type=event_type,
            context=bool(context),
            lon=float(lon),
            lat=float(lat),
        )
        for number, (id_, title, start, end, precision, actors, sources, event_type, context, lon, lat) in enumerate(rows, start=1)
    ]


def attribution(events: gpd.GeoDataFrame) -> list[str]:
    """Publishers and authors named by the events' sources, each once, in the order first seen."""
    names: dict[str, None] = {}
    for sources in events["sources"]:
        for source in sources:
            for name in (source.get("publisher"), source.get("author")):
                if name:
                    names[name.strip()] = None
    return list(names)


# --- public entry points ------------------------------------------------------------------------


def figure(
    events: gpd.GeoDataFrame,
    *,
    title: str = "Reported incidents",
    flt: Filter | None = None,
    size: str = "slide",
    dpi: int = 150,
    made_on: date,
    undated_excluded: int = 0,
) -> Figure:
    """The briefing map of ``events`` (already filtered) as a matplotlib Figure; see ``render``.

    Save it through ``render``, which sets the font embedding and the fixed metadata.
    """
    with _LOCK, matplotlib.rc_context(_RC):
        return _Briefing(events, title, flt or Filter(), page(size, dpi), made_on, undated_excluded).draw()


def render(
    events: gpd.GeoDataFrame,
    *,
    fmt: str = "png",
    title: str = "Reported incidents",
    flt: Filter | None = None,
    size: str = "slide",
    dpi: int = 150,
    made_on: date,
    undated_excluded: int = 0,
) -> bytes:
    """The briefing map of ``events`` (already filtered by ``flt``) as PNG, PDF or SVG bytes.

    ``title`` heads the page; ``flt`` is described under the map; ``size`` is "a4"
    (landscape), "slide" (1920x1080 px, the default) or "WIDTHxHEIGHT" in pixels, each
    at ``dpi``; ``made_on`` is printed as the date it was made; ``undated_excluded``
    counts undated events the date filter left out.  Mapped events are numbered in
    date order (see ``key_entries``); unmapped ones are listed by title under the map.
    Raises ValueError for an unknown format, a bad size or dpi.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    out = io.BytesIO()
    with _LOCK, matplotlib.rc_context(_RC):
        fig = figure(events, title=title, flt=flt, size=size, dpi=dpi, made_on=made_on, undated_excluded=undated_excluded)
        fig.savefig(out, format=fmt, dpi=dpi, metadata=_SAVE_METADATA[fmt])
    return out.getvalue()


# --- text measuring and wrapping ----------------------------------------------------------------

_TEXT_TO_PATH = TextToPath()


@functools.lru_cache(maxsize=16384)
def _width_pt(text: str, size: float, bold: bool = False) -> float:
    """The width of one line of text in points, as DejaVu Sans draws it."""
    prop = FontProperties(family=_FONT, size=size, weight="bold" if bold else "normal")
    return _TEXT_TO_PATH.get_text_width_height_descent(text, prop, ismath=False)[0]


def _wrap(text: str, width_pt: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to ``width_pt`` (less a little for hinting); a word longer than a line is cut."""
    width_pt *= 0.97
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width_pt(candidate, size, bold) <= width_pt:
            line = candidate
            continue
        if line:
            lines.append(line)
        while _width_pt(word, size, bold) > width_pt and len(word) > 1:
            cut = max(1, int(len(word) * width_pt / _width_pt(word, size, bold)) - 1)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines or [""]


def _clip_lines(lines: list[str], max_lines: int, width_pt: float, size: float) -> list[str]:
    """At most ``max_lines`` lines, the last ending in an ellipsis when text was cut."""
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and _width_pt(last + " …", size) > width_pt:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    return [*lines[: max_lines - 1], last + " …"]


def _listing(prefix: str, items: Sequence[str], width_pt: float, size: float, max_lines: int) -> list[str]:
    """``prefix`` and as many of ``items`` (joined by "; ") as fit in ``max_lines``, then "… and N more"."""

    def text(shown: int) -> str:
        rest = len(items) - shown
        more = (f"; … and {rest} more" if shown else f"{rest} (too many to list)") if rest else ""
        return prefix + "; ".join(_shorten(i, 90) for i in items[:shown]) + more

    shown = 0
    while shown < len(items) and len(_wrap(text(shown + 1), width_pt, size)) <= max_lines:
        shown += 1
    return _wrap(text(shown), width_pt, size)[:max_lines]


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# --- geometry helpers ---------------------------------------------------------------------------


def _extent(entries: Sequence[KeyEntry]) -> tuple[float, float, float, float]:
    """The events' bounding box with a margin, at least MIN_SPAN_DEG tall; the default region if empty."""
    if not entries:
        return DEFAULT_EXTENT
    lons = np.array([e.lon for e in entries])
    lats = np.array([e.lat for e in entries])
    half_h = max(lats.max() - lats.min(), MIN_SPAN_DEG) / 2 * 1.25
    half_w = max(lons.max() - lons.min(), MIN_SPAN_DEG) / 2 * 1.2
    cx, cy = (lons.min() + lons.max()) / 2, (lats.min() + lats.max()) / 2
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def _fit(extent: Sequence[float], box_w: float, box_h: float, zoom_out: float = 1.0) -> tuple[float, float, float, float]:
    """``extent`` grown (about its centre, by ``zoom_out`` too) to the shape of a box_w x box_h page box.

    Longitude is drawn 1/cos(mid-latitude) times shorter than latitude, so distances
    east and north look alike in the middle of the map.
    """
    x0, y0, x1, y1 = extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    aspect = _aspect(y0, y1)
    dx, dy = (x1 - x0) * zoom_out, (y1 - y0) * zoom_out
    if aspect * dy / dx < box_h / box_w:
        dy = dx * box_h / (box_w * aspect)
    else:
        dx = aspect * dy * box_w / box_h
    dy = min(dy, 170.0)
    cy = min(max(cy, -85 + dy / 2), 85 - dy / 2)
    return (cx - dx / 2, cy - dy / 2, cx + dx / 2, cy + dy / 2)


def _aspect(min_lat: float, max_lat: float) -> float:
    """Data aspect for lon/lat axes so that a kilometre east looks as long as one north at mid-latitude."""
    return 1 / math.cos(math.radians(float(np.clip((min_lat + max_lat) / 2, -70, 70))))


def _nice_length(target_km: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above ``target_km``."""
    power = 10 ** math.floor(math.log10(target_km))
    return max(m * power for m in (1, 2, 5) if m * power <= target_km)


def _blend(colour: str, alpha: float) -> tuple[float, float, float]:
    """``colour`` at ``alpha`` over white, as an opaque colour (faint but crisp in every format)."""
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    return tuple(float(v) for v in rgb * alpha + (1 - alpha))


class _Boxes:
    """Axis-aligned boxes in display space (x0, y0, x1, y1) already taken on the map."""

    def __init__(self, bounds: tuple[float, float, float, float]):
        self.bounds = bounds
        self.taken = np.empty((0, 4))

    def add(self, box: Sequence[float]) -> None:
        self.taken = np.vstack([self.taken, np.asarray(box, dtype=float)[None, :]])

    def free(self, boxes: np.ndarray, ignore: int | None = None) -> np.ndarray:
        """Which of ``boxes`` (n, 4) lie inside the bounds and overlap nothing taken (but row ``ignore``)."""
        x0, y0, x1, y1 = self.bounds
        inside = (boxes[:, 0] >= x0) & (boxes[:, 1] >= y0) & (boxes[:, 2] <= x1) & (boxes[:, 3] <= y1)
        t = self.taken if ignore is None else np.delete(self.taken, ignore, axis=0)
        if not len(t):
            return inside
        overlap = (
            (boxes[:, None, 0] < t[None, :, 2])
            & (boxes[:, None, 2] > t[None, :, 0])
            & (boxes[:, None, 1] < t[None, :, 3])
            & (boxes[:, None, 3] > t[None, :, 1])
        )
        return inside & ~overlap.any(axis=1)

    def crosses(self, start: Sequence[float], end: Sequence[float]) -> bool:
        """Whether the segment start-end (display) passes through a taken box."""
        steps = max(2, int(math.dist(start, end) / 2))
        xy = np.linspace(start, end, steps)
        t = self.taken
        x, y = xy[:, None, 0], xy[:, None, 1]
        return bool(((x > t[None, :, 0]) & (x < t[None, :, 2]) & (y > t[None, :, 1]) & (y < t[None, :, 3])).any())


# --- drawing ------------------------------------------------------------------------------------

_CORNERS = ("lower right", "upper left", "lower left", "upper right")
"""Where the locator inset may go, in order of preference (the first corner with no event under it)."""


class _Briefing:
    """One briefing page being drawn; ``draw`` returns the finished Figure.

    Positions on the page are in inches from the lower left; label placement on the
    map works in display pixels.
    """

    def __init__(self, events: gpd.GeoDataFrame, title: str, flt: Filter, pg: Page, made_on: date, undated_excluded: int):
        self.events = events
        self.title = " ".join(str(title).split()) or "Reported incidents"
        self.flt = flt
        self.page = pg
        self.made_on = made_on
        self.undated_excluded = undated_excluded
        self.s = pg.scale
        self.entries = key_entries(events)
        self.colours = style.category_colours(sorted(set(events["event_type"])))
        self.unmapped = list(in_date_order(events[~is_mapped(events)])["title"])
        self.fig = Figure(figsize=(pg.width, pg.height), dpi=pg.dpi, facecolor="white")
        self.margin = 0.3 * self.s
        self.lines_px = shapely.MultiLineString()  # de facto lines on the map, in display pixels: names keep off them

    def pt(self, size: float) -> float:
        """A font size or line width in points, scaled with the page."""
        return size * self.s

    def px(self, points: float) -> float:
        """Points as display pixels."""
        return points * self.page.dpi / 72

    def colour(self, entry: KeyEntry) -> tuple[float, float, float]:
        base = self.colours.get(entry.event_type, style.OTHER_COLOUR)
        return _blend(base, style.CONTEXT_OPACITY) if entry.context else matplotlib.colors.to_rgb(base)

    def text(self, x_in: float, y_in: float, text: str, **kwargs):
        """Page text at (x, y) inches."""
        return self.fig.text(x_in, y_in, text, transform=self.fig.dpi_scale_trans, parse_math=False, **kwargs)

    def axes(self, x: float, y: float, w: float, h: float):
        W, H = self.page.width, self.page.height
        ax = self.fig.add_axes((x / W, y / H, w / W, h / H))
        ax.set_xticks([])
        ax.set_yticks([])
        return ax

    def draw(self) -> Figure:
        W, H, m = self.page.width, self.page.height, self.margin
        header_bottom = self._header(H - m)
        footer_top = self._footer(m, W - 2 * m)
        x, y, w, h = m, footer_top + 0.16 * self.s, W - 2 * m, header_bottom - footer_top - 0.32 * self.s
        gap = 0.25 * self.s
        if self.page.landscape:
            map_w = w * 0.58
            legend_h = self._legend(x, map_w, y, dry_run=True)
            self._legend(x, map_w, y + legend_h)
            listed = self._key(x + map_w + gap, y, w - map_w - gap, h)
            self._map((x, y + legend_h + 0.1 * self.s, map_w, h - legend_h - 0.1 * self.s), listed)
        else:
            map_h = h * 0.58
            legend_h = self._legend(x, w, y + h - map_h, dry_run=True)
            self._legend(x, w, y + h - map_h - 0.1 * self.s)
            listed = self._key(x, y, w, h - map_h - legend_h - 0.1 * self.s - gap)
            self._map((x, y + h - map_h, w, map_h), listed)
        return self.fig

    # --- header, footer, legend

    def _header(self, top: float) -> float:
        """Title and subtitle; returns the header's bottom."""
        m, width_pt = self.margin, (self.page.width - 2 * self.margin) * 72
        for size in (self.pt(18), self.pt(15), self.pt(13)):
            lines = _wrap(self.title, width_pt, size, bold=True)
            if len(lines) <= 2:
                break
        lines = _clip_lines(lines, 2, width_pt, size)
        self.text(m, top, "\n".join(lines), fontsize=size, fontweight="bold", color=_INK, va="top", linespacing=1.15)
        y = top - len(lines) * size * 1.22 / 72 - 0.06 * self.s
        mapped, total = len(self.entries), len(self.events)
        unmapped = f"; {total - mapped} without a known place are listed under the map" if total > mapped else ""
        counts = f"{mapped} of {total} matching events on the map, numbered in date order{unmapped}. " if total else f"{NO_EVENTS}. "
        sub = counts + "Events and claims are as reported by the sources named: attributed, not verified here."
        size = self.pt(8.5)
        lines = _wrap(sub, width_pt, size)
        self.text(m, y, "\n".join(lines), fontsize=size, color=_MUTED, va="top", linespacing=1.25)
        return y - len(lines) * size * 1.3 / 72

    def _footer(self, bottom: float, width_in: float) -> float:
        """Filter line, unmapped events, attribution and date; returns the footer's top."""
        size, width_pt = self.pt(7.5), width_in * 72
        describe = self.flt.describe()
        if self.undated_excluded:
            describe += f"; {self.undated_excluded} undated event(s) left out by the date filter"
        if self.unmapped:
            prefix = f"Not on the map (no known place), {len(self.unmapped)} events: "
            unmapped = _listing(prefix, self.unmapped, width_pt, size, 3)
        elif len(self.events):
            unmapped = ["Not on the map: none (every matching event has a map point)."]
        else:
            unmapped = ["Not on the map: none."]
        credits = attribution(self.events)
        if credits:
            sources = _listing("Sources: ", credits, width_pt * 0.8, size, 1)[0]
        else:
            sources = "Sources: as named in the key" if len(self.events) else "Sources: none (no events)"
        made = f"Made on {wording.made_on_label(self.made_on)}."
        blocks = [
            (_wrap(describe, width_pt, size), _INK),
            (unmapped, _INK),
            (_wrap(f"{sources}. {BASEMAP_CREDIT}; {BOUNDARY_NOTE}. {made}", width_pt, size), _MUTED),
        ]
        lines = [(line, colour) for block, colour in blocks for line in block]
        step = size * 1.32 / 72
        for i, (line, colour) in enumerate(reversed(lines)):
            self.text(self.margin, bottom + i * step, line, fontsize=size, color=colour, va="bottom")
        rule_y = bottom + len(lines) * step + 0.05 * self.s
        rule = Line2D([self.margin, self.margin + width_in], [rule_y, rule_y], transform=self.fig.dpi_scale_trans, color="#bbbbbb", lw=0.6)
        self.fig.add_artist(rule)
        return rule_y

    def _legend_items(self) -> list[tuple[str, dict]]:
        """(label, symbol) pairs: event types on the map, context, boundaries and towns."""
        items = []
        types = set(e.event_type for e in self.entries)
        for name in (t for t in self.colours if t in types):
            items.append((name, {"marker": "o", "mfc": self.colours[name]}))
        if any(e.context for e in self.entries):
            items.append(("paler: background (context) event", {"marker": "o", "mfc": _blend(style.OTHER_COLOUR, style.CONTEXT_OPACITY)}))
        items += [
            ("international boundary", {"color": _BORDER, "lw": 0.9}),
            ("de facto or disputed boundary", {"color": _DISPUTED, "lw": 1.1, "ls": (0, (4, 2.5))}),
            ("town", {"marker": "o", "mfc": _TOWN, "ms_scale": 0.45}),
        ]
        return items

    def _legend(self, x: float, width: float, top: float, dry_run: bool = False) -> float:
        """The legend as rows of symbol + label from ``top`` down; returns its height."""
        size = self.pt(7.5)
        row_h = size * 1.7 / 72
        symbol_w = size * 2.2 / 72
        spacing = size * 1.6 / 72
        head = "Legend:"
        cx, row = x + _width_pt(head, size, True) / 72 + spacing * 0.6, 0
        placed = []
        for label, symbol in self._legend_items():
            item_w = symbol_w + _width_pt(label, size) / 72
            if cx + item_w > x + width and cx > x + symbol_w:
                row, cx = row + 1, x
            placed.append((cx, row, label, symbol))
            cx += item_w + spacing
        height = (row + 1) * row_h
        if dry_run:
            return height
        self.text(x, top - row_h / 2, head, fontsize=size, fontweight="bold", color=_INK, va="center")
        for cx, row, label, symbol in placed:
            cy = top - (row + 0.5) * row_h
            symbol = dict(symbol)
            ms = self.pt(7) * symbol.pop("ms_scale", 1)
            if "marker" in symbol:
                line = Line2D([cx + symbol_w * 0.4], [cy], ls="", ms=ms, mec="white", **symbol)
            else:
                line = Line2D([cx, cx + symbol_w * 0.8], [cy, cy], **symbol)
            line.set_transform(self.fig.dpi_scale_trans)
            self.fig.add_artist(line)
            self.text(cx + symbol_w, cy, label, fontsize=size, color=_INK, va="center")
        return height

    # --- the key

    def _entry_lines(self, entry: KeyEntry, width_pt: float, size: float, compact: bool) -> list[tuple[str, bool, str]]:
        """(line, bold, colour) for one key entry: title, date and actors, sources."""
        if compact:
            text = _clip_lines(_wrap(f"{entry.title} ({entry.date})", width_pt, size), 1, width_pt, size)[0]
            return [(text, False, _INK)]
        lines = [(line, True, _INK) for line in _wrap(entry.title, width_pt, size, bold=True)]
        names = ", ".join(entry.actors[:4]) + (f" and {len(entry.actors) - 4} more" if len(entry.actors) > 4 else "")
        when = f"{entry.date}" + (f"; actors: {names}" if names else "")
        lines += [(line, False, _INK) for line in _clip_lines(_wrap(when, width_pt, size), 2, width_pt, size)]
        sources = "; ".join(_shorten(s, 140) for s in entry.sources)
        lines += [(line, False, _MUTED) for line in _wrap(f"Source: {sources}", width_pt, size)]
        return lines

    def _fit_key(self, w: float, avail: float, size: float, compact: bool) -> list[list[tuple[str, bool, str]]]:
        """The line blocks of as many entries as fit in ``avail`` inches at ``size``."""
        badge = size * 1.75 / 72
        width_pt = (w - badge - 0.08 * self.s) * 72
        step, gap = size * 1.27 / 72, (0.25 if compact else 0.6) * size / 72
        used, blocks = 0.0, []
        for entry in self.entries:
            lines = self._entry_lines(entry, width_pt, size, compact)
            used += max(len(lines) * step, badge) + gap
            if used > avail:
                break
            blocks.append(lines)
        return blocks

    def _key(self, x: float, y: float, w: float, h: float) -> int:
        """Draw the key in the box; returns how many entries it lists (the rest get unnumbered dots)."""
        head = self.pt(10)
        self.text(x, y + h, "Key: events on the map, in date order", fontsize=head, fontweight="bold", color=_INK, va="top")
        top = y + h - head * 1.7 / 72
        if not self.entries:
            empty = "No event in this selection has a map point." if len(self.events) else f"{NO_EVENTS}."
            self.text(x, top, empty, fontsize=self.pt(8), color=_MUTED, va="top")
            return 0
        note_size = self.pt(7)
        for compact, size in ((False, 8.0), (False, 7.5), (False, 7.0), (False, 6.5), (True, 7.0), (True, 6.5), (True, 6.0)):
            size = self.pt(size)
            blocks = self._fit_key(w, top - y, size, compact)
            if len(blocks) == len(self.entries):
                break
        else:
            blocks = self._fit_key(w, top - y - 3 * note_size / 72, size, compact)
        badge = size * 1.75 / 72
        step, gap = size * 1.27 / 72, (0.25 if compact else 0.6) * size / 72
        cursor = top
        for entry, lines in zip(self.entries, blocks, strict=False):
            cx, cy = x + badge / 2, cursor - badge / 2
            self.fig.add_artist(Circle((cx, cy), badge / 2, transform=self.fig.dpi_scale_trans, fc=self.colour(entry), ec="none"))
            self.text(cx, cy, str(entry.number), **self._badge_text(entry, size * (0.85 if entry.number < 100 else 0.62)))
            for i, (line, bold, colour) in enumerate(lines):
                weight = "bold" if bold else "normal"
                self.text(x + badge + 0.08 * self.s, cursor - i * step, line, fontsize=size, fontweight=weight, color=colour, va="top")
            cursor -= max(len(lines) * step, badge) + gap
        if len(blocks) < len(self.entries):
            rest = len(self.entries) - len(blocks)
            note = f"… and {rest} more events on the map, drawn as small dots without numbers (too many to list here)."
            self.text(x, cursor, "\n".join(_wrap(note, w * 72, note_size)), fontsize=note_size, color=_MUTED, va="top")
        return len(blocks)

    def _badge_text(self, entry: KeyEntry, size: float) -> dict:
        colour = _INK if entry.context else "white"
        return {"fontsize": size, "fontweight": "bold", "ha": "center", "va": "center_baseline", "color": colour}

    # --- the map

    def _map(self, rect: tuple[float, float, float, float], listed: int) -> None:
        """The map: basemap, inset, scale bar, north arrow, events, then names where there is room."""
        x, y, w, h = rect
        self.inset_size = (min(2.3 * self.s, w * 0.3), min(2.3 * self.s, w * 0.3) * 0.7)
        for zoom_out in (1.0, 1.15, 1.35, 1.6, 2.0, 2.6):
            extent = _fit(_extent(self.entries), w, h, zoom_out)
            corners = self._corners(extent, w, h)
            if corners:
                break
        corners = corners or {"inset": "lower right", "scale": "lower left", "north": "upper right"}
        x0, y0, x1, y1 = self.extent = extent
        ax = self.axes(*rect)
        ax.set_facecolor(_SEA)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_autoscale_on(False)
        for spine in ax.spines.values():
            spine.set_edgecolor("#888888")
            spine.set_linewidth(0.8)
        view = shapely.box(x0, y0, x1, y1)
        self._basemap(ax, view)

        ix, iy, iw, ih = self._corner_box(corners["inset"], *self.inset_size, w, h)
        self._inset((x + ix, y + iy, iw, ih))
        edge = self.px(2)
        (left, bottom), (right, top) = ax.transAxes.transform([(0, 0), (1, 1)])
        boxes = _Boxes((left + edge, bottom + edge, right - edge, top - edge))
        pad = 0.06 * self.s
        boxes.add(np.concatenate(ax.transAxes.transform([((ix - pad) / w, (iy - pad) / h), ((ix + iw + pad) / w, (iy + ih + pad) / h)])))
        boxes.add(self._scale_bar(ax, self._corner_box(corners["scale"], *self._scale_size(extent, w), w, h), w, h))
        boxes.add(self._north_arrow(ax, self._corner_box(corners["north"], *self._north_size(), w, h), w, h))
        if not self.entries:
            boxes.add(self._message(ax, w))
        self._markers(ax, boxes, listed)
        self._boundary_labels(ax, view, boxes)
        self._country_labels(ax, view, boxes)
        self._towns(ax, boxes)

    def _message(self, ax, w: float) -> np.ndarray:
        """The notice on a map without events, centred; returns its display box."""
        if len(self.events):
            message = f"None of the {len(self.events)} matching events has a known place to map; they are listed under the map"
        else:
            message = NO_EVENTS
        size = self.pt(14)
        lines = _wrap(message, w * 72 * 0.6, size, bold=True)
        ax.text(0.5, 0.5, "\n".join(lines), transform=ax.transAxes, ha="center", va="center", fontsize=size, fontweight="bold",
                color=_INK, zorder=20, parse_math=False, multialignment="center", linespacing=1.2,
                bbox={"boxstyle": "round,pad=0.6", "fc": "white", "ec": "#888888", "alpha": 0.95})  # fmt: skip
        half_w = self.px(max(_width_pt(line, size, True) for line in lines) / 2 + size * 0.8)
        half_h = self.px(len(lines) * size * 1.2 / 2 + size * 0.8)
        (cx, cy), = ax.transAxes.transform([(0.5, 0.5)])
        return np.array([cx - half_w, cy - half_h, cx + half_w, cy + half_h])

    def _corner_box(self, corner: str, bw: float, bh: float, w: float, h: float) -> tuple[float, float, float, float]:
        """A bw x bh box (inches) in ``corner`` of a w x h map: (x, y, w, h) from the map's lower left."""
        pad = 0.1 * self.s
        return (w - pad - bw if "right" in corner else pad), (h - pad - bh if "upper" in corner else pad), bw, bh

    def _scale_size(self, extent: Sequence[float], w: float) -> tuple[float, float]:
        return self._scale_length(extent)[1] * w + 0.55 * self.s, 0.5 * self.s

    def _north_size(self) -> tuple[float, float]:
        return 0.3 * self.s, 0.62 * self.s

    @staticmethod
    def _scale_length(extent: Sequence[float]) -> tuple[float, float]:
        """A round scale-bar length in km, about a fifth of the map's width, and its share of that width."""
        x0, y0, x1, y1 = extent
        width_km = (x1 - x0) * 111.32 * math.cos(math.radians((y0 + y1) / 2))
        length = _nice_length(width_km * 0.2)
        return length, length / width_km

    def _corners(self, extent: Sequence[float], w: float, h: float) -> dict[str, str] | None:
        """Corners for the inset, scale bar and north arrow with no event under them, or None."""
        x0, y0, x1, y1 = extent
        fx = (np.array([e.lon for e in self.entries]) - x0) / (x1 - x0) * w
        fy = (np.array([e.lat for e in self.entries]) - y0) / (y1 - y0) * h
        margin = 0.2 * self.s  # a badge on the point must not touch the box

        def clear(corner: str, size: tuple[float, float]) -> bool:
            bx, by, bw, bh = self._corner_box(corner, *size, w, h)
            inside = (fx > bx - margin) & (fx < bx + bw + margin) & (fy > by - margin) & (fy < by + bh + margin)
            return not inside.any()

        for inset in _CORNERS:
            if not clear(inset, self.inset_size):
                continue
            scale = next((c for c in ("lower left", "lower right") if c != inset and clear(c, self._scale_size(extent, w))), None)
            north = next((c for c in ("upper right", "upper left") if c != inset and clear(c, self._north_size())), None)
            if scale and north:
                return {"inset": inset, "scale": scale, "north": north}
        return None

    def _basemap(self, ax, view) -> None:
        countries = basemap.countries().clip(view.buffer(0.5))
        countries.plot(ax=ax, aspect=None, color=_LAND, edgecolor=_BORDER, linewidth=self.pt(0.6), zorder=1)
        disputed = basemap.disputed_boundaries().clip(view.buffer(0.5))
        if len(disputed):
            # cover the settled-border stroke the polygons draw there, then dash the de facto line
            disputed.plot(ax=ax, aspect=None, color=_LAND, linewidth=self.pt(1.8), zorder=2)
            disputed.plot(ax=ax, aspect=None, color=_DISPUTED, linewidth=self.pt(1.1), linestyle=(0, (4, 2.5)), zorder=3)
        ax.set_xlabel("")
        ax.set_ylabel("")

    def _markers(self, ax, boxes: _Boxes, listed: int) -> None:
        """Numbered badges for listed events, each at the nearest free spot; small dots for the rest."""
        numbered, rest = self.entries[:listed], self.entries[listed:]
        if rest:
            colours = np.array([self.colour(e) for e in rest])
            ax.scatter([e.lon for e in rest], [e.lat for e in rest], s=self.pt(2.4) ** 2, c=colours, edgecolors="white", linewidths=0.3,
                       zorder=5)  # fmt: skip
        if not numbered:
            return
        to_data = ax.transData.inverted().transform
        points = ax.transData.transform([(e.lon, e.lat) for e in numbered])
        dot = self.px(self.pt(2.4))
        first_dot = len(boxes.taken)
        for px, py in points:
            boxes.add((px - dot, py - dot, px + dot, py + dot))
        size = self.pt(7.5)
        diameters = [self.px(max(size * 1.65, _width_pt(str(e.number), size, True) + size * 0.6)) for e in numbered]
        chosen: dict[int, tuple[float, float]] = {}
        for only_on_point in (True, False):  # events with room on their own point first, then the crowded ones
            for index, ((px, py), diameter) in enumerate(zip(points, diameters, strict=True)):
                if index in chosen:
                    continue
                centres = self._candidates(px, py, diameter, self.px(self.pt(3)))[: 1 if only_on_point else None]
                r = diameter / 2
                cand = np.column_stack([centres[:, 0] - r, centres[:, 1] - r, centres[:, 0] + r, centres[:, 1] + r])
                free = np.flatnonzero(boxes.free(cand, ignore=first_dot + index))
                if len(free) or not only_on_point:
                    choice = int(free[0]) if len(free) else 0
                    boxes.add(cand[choice])
                    chosen[index] = tuple(centres[choice])
        for index, (entry, diameter) in enumerate(zip(numbered, diameters, strict=True)):
            colour = self.colour(entry)
            moved = tuple(points[index]) != chosen[index]
            (cx, cy), = to_data([chosen[index]])
            if moved:
                ax.plot([entry.lon, cx], [entry.lat, cy], color="#333333", lw=self.pt(0.7), zorder=6, solid_capstyle="round")
                ax.plot(entry.lon, entry.lat, "o", ms=self.pt(4), mfc=colour, mec="#333333", mew=self.pt(0.6), zorder=7)
            ax.plot(cx, cy, "o", ms=diameter * 72 / self.page.dpi, mfc=colour, mec="white", mew=self.pt(0.9), zorder=8)
            ax.text(cx, cy, str(entry.number), zorder=9, parse_math=False, **self._badge_text(entry, size))

    @staticmethod
    def _candidates(px: float, py: float, diameter: float, clearance: float) -> np.ndarray:
        """Badge centres to try around a point, nearest first: on it, then rings of growing radius."""
        centres = [(px, py)]
        for ring in range(1, 9):
            radius = ring * diameter * 1.08 + clearance
            count = 8 * ring
            angles = math.pi / 4 + np.arange(count) * 2 * math.pi / count
            centres += [(px + radius * math.cos(a), py + radius * math.sin(a)) for a in angles]
        return np.asarray(centres)

    def _scale_bar(self, ax, box: tuple[float, float, float, float], w: float, h: float) -> np.ndarray:
        """A scale bar true at the map's middle latitude in ``box`` (map inches); returns its display box."""
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        mid_lat = (y0 + y1) / 2
        length, frac = self._scale_length((x0, y0, x1, y1))
        bx, by, bw, bh = box[0] / w, box[1] / h, box[2] / w, box[3] / h
        fx, fy = 1 / w, 1 / h  # axes fraction per inch
        size = self.pt(6.8)
        tr = ax.transAxes
        ax.add_patch(FancyBboxPatch((bx, by), bw, bh, boxstyle="round,pad=0", transform=tr, fc="white", ec="#999999", lw=0.5,
                                    alpha=0.88, zorder=4.6))  # fmt: skip
        left, base, bar_h = bx + 0.2 * self.s * fx, by + 0.2 * self.s * fy, 0.055 * self.s * fy
        for i in range(2):
            ax.add_patch(Rectangle((left + i * frac / 2, base), frac / 2, bar_h, transform=tr, fc=("#222222", "white")[i],
                                   ec="#222222", lw=0.6, zorder=4.7))  # fmt: skip
        half_pt = frac / 2 * w * 72
        labels = [(0, 0), (length / 2, frac / 2), (length, frac)]
        if half_pt < (_width_pt(f"{length / 2:,g}", size) + _width_pt(f"{length:,g} km", size)) / 2 + size:
            del labels[1]
        for value, offset in labels:
            label = f"{value:,g}" + (" km" if offset == frac else "")
            ax.text(left + offset, base + bar_h + 0.03 * self.s * fy, label, transform=tr, fontsize=size, ha="center", va="bottom",
                    color=_INK, zorder=4.8)  # fmt: skip
        hemisphere = "N" if mid_lat >= 0 else "S"
        ax.text(left, base - 0.03 * self.s * fy, f"scale true at {abs(mid_lat):.0f}°{hemisphere}", transform=tr, fontsize=size * 0.85,
                ha="left", va="top", color=_MUTED, zorder=4.8)  # fmt: skip
        return np.concatenate(tr.transform([(bx, by), (bx + bw, by + bh)]))

    def _north_arrow(self, ax, box: tuple[float, float, float, float], w: float, h: float) -> np.ndarray:
        """A north arrow in ``box`` (map inches); returns its display box."""
        bx, by, bw, bh = box[0] / w, box[1] / h, box[2] / w, box[3] / h
        x = bx + bw / 2
        tr = ax.transAxes
        ax.annotate("", xy=(x, by + bh), xytext=(x, by + 0.2 * self.s / h), xycoords=tr, textcoords=tr, zorder=4.8,
                    arrowprops={"arrowstyle": "-|>,head_length=0.7,head_width=0.35", "color": _INK, "lw": self.pt(1.4)})  # fmt: skip
        ax.text(x, by, "N", transform=tr, ha="center", va="bottom", fontsize=self.pt(10), fontweight="bold", color=_INK, zorder=4.8,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75})  # fmt: skip
        return np.concatenate(tr.transform([(bx, by), (bx + bw, by + bh)]))

    def _place_text(self, ax, boxes: _Boxes, anchors: Iterable[tuple[float, float, str, str, str]], size: float, pad: float = 1.5,
                    **kwargs) -> bool:  # fmt: skip
        """Put a text at the first (x, y, text, ha, va) anchor in data space with ``pad`` points free around it."""
        for x, y, text, ha, va in anchors:
            w = self.px(_width_pt(text, size, kwargs.get("fontweight") == "bold"))
            h = self.px(size * 1.15)
            (px, py), = ax.transData.transform([(x, y)])
            left = {"left": px, "center": px - w / 2, "right": px - w}[ha]
            bottom = {"bottom": py, "center": py - h / 2, "top": py - h}[va]
            room = self.px(self.pt(pad))
            box = np.array([[left - room, bottom - room, left + w + room, bottom + h + room]])
            if boxes.free(box)[0] and not self.lines_px.intersects(shapely.box(*box[0])):
                boxes.add(box[0])
                ax.text(x, y, text, fontsize=size, ha=ha, va=va, parse_math=False, **kwargs)
                return True
        return False

    def _boundary_labels(self, ax, view, boxes: _Boxes) -> None:
        """Name each de facto or disputed line in view along a straight stretch; the Line of Control beside it when need be."""
        lines = basemap.disputed_boundaries()
        clipped = shapely.intersection(lines.geometry.to_numpy(), view)
        size = self.pt(6.8)
        to_data = ax.transData.inverted().transform
        by_label: dict[str, list] = {}
        for label, geometry in zip(lines["label"], clipped, strict=True):
            by_label.setdefault(label, []).extend(p for p in shapely.get_parts(geometry) if p.geom_type == "LineString" and not p.is_empty)
        shown = [shapely.LineString(ax.transData.transform(np.asarray(p.coords))) for parts in by_label.values() for p in parts]
        self.lines_px = shapely.MultiLineString(shown)
        longest = {label: max(parts, key=lambda g: g.length) for label, parts in by_label.items() if parts}
        for label in sorted(longest, key=lambda k: (not k.startswith("Line of Control"), -longest[k].length, k)):
            line = shapely.LineString(ax.transData.transform(np.asarray(longest[label].coords)))
            width = self.px(_width_pt(label, size))
            if self._label_along(ax, boxes, line, label, width, size, to_data) or line.length < self.px(self.pt(30)):
                continue
            if label.startswith("Line of Control"):
                self._callout(ax, boxes, line, label, width, size, to_data)

    def _label_along(self, ax, boxes: _Boxes, line, label: str, width: float, size: float, to_data) -> bool:
        """Rotated text beside a fairly straight stretch of ``line`` (display coordinates)."""
        if line.length < width * 1.05:
            return False
        height = self.px(size * 1.2)
        for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9):
            start, end = line.length * t - width / 2, line.length * t + width / 2
            if start < 0 or end > line.length:
                continue
            a, b = np.array(line.interpolate(start).coords[0]), np.array(line.interpolate(end).coords[0])
            chord = shapely.LineString([a, b])
            if chord.length < width * 0.9 or substring(line, start, end).hausdorff_distance(chord) > height * 0.8:
                continue
            if b[0] < a[0]:
                a, b = b, a
            angle = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
            normal = np.array([-(b[1] - a[1]), b[0] - a[0]]) / chord.length
            for side in (1, -1):
                shift = side * normal * (height * 0.6 + self.px(1))
                band = shapely.LineString([a + shift, b + shift]).buffer(height / 2, cap_style="flat")
                box = np.array([band.bounds])
                if not boxes.free(box)[0]:
                    continue
                boxes.add(box[0])
                (x, y), = to_data([(a + b) / 2 + shift])
                ax.text(x, y, label, fontsize=size, rotation=angle, rotation_mode="anchor", ha="center", va="center",
                        color=_DISPUTED, style="italic", zorder=4, parse_math=False)  # fmt: skip
                return True
        return False

    def _callout(self, ax, boxes: _Boxes, line, label: str, width: float, size: float, to_data) -> None:
        """Horizontal text near ``line`` (display) with a thin leader, at the first free spot.

        Preferred, in turn: a spot whose leader ends clear of events and crosses no label,
        and whose text lies on no dashed line; then one of these conditions is let go after another.
        """
        height = self.px(size * 1.25)
        clearance = self.px(self.pt(8))
        anchors = [line.interpolate(t, normalized=True).coords[0] for t in sorted(np.linspace(0.05, 0.95, 19), key=lambda v: abs(v - 0.5))]
        for level in range(4):
            for px, py in anchors:
                if level < 2 and not boxes.free(np.array([[px - clearance, py - clearance, px + clearance, py + clearance]]))[0]:
                    continue  # the leader must not seem to point at an event
                for step in (1, 2, 3, 4, 6, 8):
                    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)):
                        cx = px + dx * (width / 2 + self.px(6) * step)
                        cy = py + dy * height * (0.5 + step)
                        box = np.array([[cx - width / 2 - 2, cy - height / 2 - 2, cx + width / 2 + 2, cy + height / 2 + 2]])
                        end = (cx - dx * width / 2, cy) if dx else (cx, cy - dy * height / 2)
                        if not boxes.free(box)[0]:
                            continue
                        if level < 3 and self.lines_px.intersects(shapely.box(*box[0])):
                            continue
                        if level < 1 and boxes.crosses((px, py), end):
                            continue
                        boxes.add(box[0])
                        (x, y), (lx, ly), (ex, ey) = to_data([(cx, cy), (px, py), end])
                        ax.text(x, y, label, fontsize=size, ha="center", va="center", color=_DISPUTED, style="italic", zorder=4,
                                parse_math=False, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
                        ax.plot([lx, ex], [ly, ey], color=_DISPUTED, lw=self.pt(0.5), zorder=4)
                        return

    def _country_labels(self, ax, view, boxes: _Boxes) -> None:
        """Country names in light capitals where a country shows a fair area and there is room."""
        countries = basemap.countries()
        parts = shapely.intersection(countries.geometry.to_numpy(), view)
        share = shapely.area(parts) / view.area
        size = self.pt(8.5)
        dy = (view.bounds[3] - view.bounds[1]) * 0.035
        for name, geometry in zip(countries["name"][share > 0.02], parts[share > 0.02], strict=True):
            point = max(shapely.get_parts(geometry), key=lambda g: g.area).representative_point()
            anchors = [(point.x, point.y + k * dy, name.upper(), "center", "center") for k in (0, 1, -1, 2, -2)]
            self._place_text(ax, boxes, anchors, size, pad=6, color="#a8a8a8", fontweight="bold", zorder=3.5)

    def _towns(self, ax, boxes: _Boxes) -> None:
        """A few of the largest towns in view, each named where its label fits."""
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        bbox = (max(x0, -180.0), max(y0, -90.0), min(x1, 180.0), min(y1, 90.0))
        size = self.pt(6.8)
        dot = self.px(self.pt(1.6))
        box = ax.get_window_extent()
        gap_px = dot + self.px(self.pt(2.5))
        gap_x, gap_y = gap_px * (x1 - x0) / box.width, gap_px * (y1 - y0) / box.height
        placed = 0
        for town in gazetteer.towns_in(bbox, min_population=20_000, limit=80):
            if placed >= 12:
                break
            (px, py), = ax.transData.transform([(town.lon, town.lat)])
            dot_box = np.array([[px - dot, py - dot, px + dot, py + dot]])
            room = self.px(self.pt(6))  # keep towns apart from each other and from events
            if not boxes.free(dot_box + [-room, -room, room, room])[0]:
                continue
            boxes.add(dot_box[0])
            anchors = [
                (town.lon + gap_x, town.lat, town.name, "left", "center"),
                (town.lon - gap_x, town.lat, town.name, "right", "center"),
                (town.lon, town.lat + gap_y, town.name, "center", "bottom"),
                (town.lon, town.lat - gap_y, town.name, "center", "top"),
            ]
            if self._place_text(ax, boxes, anchors, size, color=_TOWN, zorder=4):
                ax.plot(town.lon, town.lat, "o", ms=self.pt(2.6), mfc=_TOWN, mec="white", mew=0.4, zorder=4)
                placed += 1
            else:
                boxes.taken = boxes.taken[:-1]

    # --- the locator inset

    def _inset(self, rect: tuple[float, float, float, float]) -> None:
        """The wider region with the map's extent as a red box."""
        x0, y0, x1, y1 = self.extent
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half_w, half_h = min(max((x1 - x0) * 2.5, 28.0), 360.0) / 2, min(max((y1 - y0) * 2.5, 20.0), 150.0) / 2
        ix0, iy0, ix1, iy1 = _fit((cx - half_w, cy - half_h, cx + half_w, cy + half_h), rect[2], rect[3])
        ax = self.axes(*rect)
        ax.set_zorder(5)
        ax.set_xlim(ix0, ix1)
        ax.set_ylim(iy0, iy1)
        ax.set_autoscale_on(False)
        ax.set_facecolor(_SEA)
        view = shapely.box(ix0, iy0, ix1, iy1)
        world = _simplified_countries().clip(view.buffer(1))
        world.plot(ax=ax, aspect=None, color="#d9d6cc", edgecolor="white", linewidth=self.pt(0.4), zorder=1)
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fc="#d62728", alpha=0.12, ec="none", zorder=2))
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fc="none", ec="#d62728", lw=self.pt(1.3), zorder=3))
        ax.set_xlabel("")
        ax.set_ylabel("")
        for spine in ax.spines.values():
            spine.set_edgecolor("#666666")
            spine.set_linewidth(0.8)
        ax.text(0.03, 0.04, "Locator: map area in red", transform=ax.transAxes, fontsize=self.pt(6.3), color=_INK, zorder=4,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})  # fmt: skip


@functools.cache
def _simplified_countries() -> gpd.GeoDataFrame:
    """Country polygons simplified for the small locator map."""
    world = basemap.countries()
    world["geometry"] = world.geometry.simplify(0.08)
    return world[~world.geometry.is_empty]
