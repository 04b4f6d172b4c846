"""The map panels: the main map, and an enlarged inset for each cluster of events too close to number on it.

``plan`` decides what goes where on the main map: its extent, the insets (each
beside the area it enlarges, away from the events), the locator, scale bar and
north arrow, none of them over an event.  It prefers large insets and the full
locator, then smaller ones, then a wider view; failing all that it drops the
insets and the locator.  ``draw_map`` then draws, in this order: the basemap,
the furniture (each piece takes its box), the insets (each a panel of its own,
with its frame, scale bar, badges and names, and a lettered frame on the main
map where it comes from), the events (badges on their points, or moved with a
leader where crowded; small dots for events in an inset), and last the names of
event places, lines, countries and towns in whatever room is left.

This module never draws outside its panels (the key, legend and notes are ``layout``'s).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from matplotlib.patches import Rectangle

from geo import wording
from geo.briefing import background, clusters, furniture
from geo.briefing.content import Content, KeyEntry, badge_text
from geo.briefing.extent import Extent, around, fit
from geo.briefing.placement import Boxes, place_badges, place_text
from geo.briefing.sheet import INK, SEA, Sheet
from geo.briefing.text import shorten, width_pt, wrap
from geo.wording import NO_EVENTS

Box = tuple[float, float, float, float]
"""(x, y, width, height) in inches from a panel's lower left."""

CORNERS = ("lower right", "upper left", "lower left", "upper right")
"""Where the locator may go, in order of preference."""
ZOOMS = (1.0, 1.15, 1.35, 1.6, 2.0, 2.6)
"""How much wider than the events the main map may be drawn to make room for its furniture."""
INSET_HEIGHTS = (0.5, 0.42, 0.34)
"""Inset heights to try, as shares of the main map's height (width 1.3 times the height)."""
LOCATOR_SCALES = (1.0, 0.75)
BADGE_PT = 7.5
"""Font size of the numbers on the map's badges (scaled with the page)."""
PLACE_NAMES_UP_TO = 6
"""A panel names the places of its numbered events when it shows at most this many."""
INSET_TOWN_POPULATION = 5_000
"""Smallest town an inset names (the main map names towns of 20,000 or more)."""


@dataclass(frozen=True)
class Plan:
    """Where the main map's parts go: boxes in inches from the map's lower left."""

    extent: Extent
    insets: tuple[tuple[clusters.Cluster, Box], ...]
    locator: Box | None
    scale: Box
    north: Box


@dataclass
class Drawn:
    """What the map drew for each event, so an animation can show or hide it per frame.

    ``artists``: entry number -> the badge, number, leader, place name and inset dot drawn for it.
    ``dots``: (line of markers, entries) for events drawn as unnumbered dots, one marker per entry.
    """

    artists: dict[int, list] = field(default_factory=dict)
    dots: list[tuple[object, list[KeyEntry]]] = field(default_factory=list)

    def add(self, number: int, *artists) -> None:
        self.artists.setdefault(number, []).extend(a for a in artists if a is not None)


def badge_diameter(sheet: Sheet, number: int) -> float:
    """The width of the badge for ``number`` on the map, in points."""
    size = sheet.pt(BADGE_PT)
    return max(size * 1.65, width_pt(str(number), size, True) + size * 0.6)


# --- planning ------------------------------------------------------------------------------------


class _Room:
    """Boxes (inches) on a w x h map that stay clear of points, of other boxes, and of each other."""

    def __init__(self, sheet: Sheet, w: float, h: float, points: np.ndarray, blocked: Sequence[Box] = ()):
        self.w, self.h, self.points = w, h, points
        self.margin = 0.2 * sheet.s  # a badge on a point must not touch a box
        self.pad = 0.1 * sheet.s
        self.blocked = list(blocked)
        self.taken: list[Box] = []

    def slot(self, where: str, bw: float, bh: float) -> Box:
        """A bw x bh box at ``where``: "lower left", "upper centre", "middle right", ..."""
        xs = {"left": self.pad, "centre": (self.w - bw) / 2, "right": self.w - self.pad - bw}
        ys = {"lower": self.pad, "middle": (self.h - bh) / 2, "upper": self.h - self.pad - bh}
        row, column = where.split()
        return xs[column], ys[row], bw, bh

    def clear(self, box: Box) -> bool:
        x, y, bw, bh = box
        m = self.margin
        px, py = self.points[:, 0], self.points[:, 1]
        if ((px > x - m) & (px < x + bw + m) & (py > y - m) & (py < y + bh + m)).any():
            return False
        return not any(_overlap(box, other, m) for other in self.blocked) and not any(_overlap(box, t, self.pad) for t in self.taken)

    def take_first(self, boxes: Sequence[Box]) -> Box | None:
        """The first of ``boxes`` that is clear, now taken; None if none is."""
        box = next((b for b in boxes if self.clear(b)), None)
        if box is not None:
            self.taken.append(box)
        return box


def _overlap(a: Box, b: Box, gap: float) -> bool:
    return a[0] < b[0] + b[2] + gap and b[0] < a[0] + a[2] + gap and a[1] < b[1] + b[3] + gap and b[1] < a[1] + a[3] + gap


def _to_inches(extent: Extent, w: float, h: float, lons, lats) -> np.ndarray:
    x0, y0, x1, y1 = extent
    return np.column_stack([(np.asarray(lons, float) - x0) / (x1 - x0) * w, (np.asarray(lats, float) - y0) / (y1 - y0) * h])


def _frame_box(extent: Extent, inner: Extent, w: float, h: float) -> Box:
    """Where ``inner`` lies on a w x h map of ``extent``, in inches."""
    (ax, ay), (bx, by) = _to_inches(extent, w, h, [inner[0], inner[2]], [inner[1], inner[3]])
    return ax, ay, bx - ax, by - ay


_SLOTS = [f"{row} {column}" for row in ("lower", "middle", "upper") for column in ("left", "centre", "right")
          if (row, column) != ("middle", "centre")]  # fmt: skip


def _arrange(sheet: Sheet, content: Content, extent: Extent, w: float, h: float, found: Sequence[clusters.Cluster],
             inset_size: tuple[float, float] | None, locator_scale: float | None) -> Plan | None:  # fmt: skip
    """The boxes for insets, locator, scale bar and north arrow on a w x h map of ``extent``, or None if they do not all fit."""
    frames = [_frame_box(extent, c.extent, w, h) for c in found]
    points = _to_inches(extent, w, h, content.lons, content.lats)
    outside = np.ones(len(points), dtype=bool)
    for fx, fy, fw, fh in frames:
        outside &= ~((points[:, 0] >= fx) & (points[:, 0] <= fx + fw) & (points[:, 1] >= fy) & (points[:, 1] <= fy + fh))
    room = _Room(sheet, w, h, points[outside], frames)
    insets = []
    for cluster, (fx, fy, fw, fh) in zip(found, frames, strict=True):
        slots = [room.slot(where, *inset_size) for where in _SLOTS]
        slots.sort(key=lambda b: np.hypot(b[0] + b[2] / 2 - fx - fw / 2, b[1] + b[3] / 2 - fy - fh / 2))
        box = room.take_first(slots)
        if box is None:
            return None
        insets.append((cluster, box))
    locator = None
    if locator_scale:
        side = min(2.3 * sheet.s, w * 0.3) * locator_scale
        locator = room.take_first([room.slot(where, side, side * 0.7) for where in (*CORNERS, *_SLOTS)])
        if locator is None:
            return None
    scale = room.take_first([room.slot(c, *furniture.scale_size(sheet, extent, w)) for c in ("lower left", "lower right")])
    north = room.take_first([room.slot(c, *furniture.north_size(sheet)) for c in ("upper right", "upper left")])
    if scale is None or north is None:
        return None
    return Plan(extent, tuple(insets), locator, scale, north)


def plan(sheet: Sheet, content: Content, listed: int, w: float, h: float, with_locator: bool = True) -> Plan:
    """Where the parts of a w x h inch main map go, for ``content`` with its first ``listed`` entries numbered.

    ``with_locator`` False: the locator is drawn elsewhere, so the map keeps no room for it.
    """
    locator_scales = (*LOCATOR_SCALES, None) if with_locator else (None,)
    lons, lats = content.lons, content.lats
    numbered = content.entries[:listed]
    badge = max((badge_diameter(sheet, e.number) for e in numbered), default=0.0) / 72

    def attempts() -> Iterator[tuple[Extent, list[clusters.Cluster], tuple[float, float] | None, float | None]]:
        for zoom_out in ZOOMS:
            extent = fit(around(lons, lats), w, h, zoom_out)
            for share in INSET_HEIGHTS:
                size = (min(share * h * 1.3, 0.45 * w), share * h)
                found = clusters.find([e.lon for e in numbered], [e.lat for e in numbered], extent, (w, h), badge, size)
                for locator_scale in locator_scales if found else ():
                    yield extent, [_with_entries(c, numbered) for c in found], size, locator_scale
        for locator_scale in locator_scales:
            for zoom_out in ZOOMS:
                yield fit(around(lons, lats), w, h, zoom_out), [], None, locator_scale

    for extent, found, size, locator_scale in attempts():
        arranged = _arrange(sheet, content, extent, w, h, found, size, locator_scale)
        if arranged:
            return arranged
    extent = fit(around(lons, lats), w, h)
    room = _Room(sheet, w, h, np.empty((0, 2)))
    scale = room.slot("lower left", *furniture.scale_size(sheet, extent, w))
    return Plan(extent, (), None, scale, room.slot("upper right", *furniture.north_size(sheet)))


def _with_entries(cluster: clusters.Cluster, numbered: Sequence[KeyEntry]) -> clusters.Cluster:
    """The cluster with members as entry numbers instead of indices."""
    return clusters.Cluster(tuple(numbered[i].number for i in cluster.members), cluster.extent)


# --- drawing -------------------------------------------------------------------------------------


class Panel:
    """One map on the page: axes showing ``extent`` in ``rect`` (inches), and the boxes already taken on it."""

    def __init__(self, sheet: Sheet, content: Content, rect: Box, extent: Extent, *, zorder: float = 0, edge: str = "#888888",
                 edge_width: float = 0.8):  # fmt: skip
        self.sheet, self.content, self.rect, self.extent = sheet, content, rect, extent
        x0, y0, x1, y1 = extent
        ax = self.ax = sheet.axes(*rect)
        ax.set_zorder(zorder)
        ax.set_facecolor(SEA)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_autoscale_on(False)
        for spine in ax.spines.values():
            spine.set_edgecolor(edge)
            spine.set_linewidth(edge_width)
        self.view = shapely.box(x0, y0, x1, y1)
        edge_px = sheet.px(2)
        (left, bottom), (right, top) = ax.transAxes.transform([(0, 0), (1, 1)])
        self.boxes = Boxes((left + edge_px, bottom + edge_px, right - edge_px, top - edge_px))
        self.place_names: set[str] = set()

    def display_box(self, box: Box, pad: float = 0.0) -> np.ndarray:
        """A box in inches from the panel's lower left as a display box, grown by ``pad`` inches."""
        x, y, bw, bh = box
        w, h = self.rect[2], self.rect[3]
        corners = [((x - pad) / w, (y - pad) / h), ((x + bw + pad) / w, (y + bh + pad) / h)]
        return np.concatenate(self.ax.transAxes.transform(corners))

    def ground(self) -> None:
        background.draw_ground(self.ax, self.sheet, self.view)
        counts = self.content.area_counts
        if counts is not None and len(counts):
            background.draw_shaded_areas(self.ax, self.sheet, self.view, counts, [self.content.shade(n) for n in counts["events"]])

    def dots(self, entries: Sequence[KeyEntry], drawn: Drawn) -> None:
        """Small unnumbered dots for ``entries``: one line of markers per colour (fast to draw, even by the hundred thousand)."""
        by_colour: dict[tuple[float, float, float], list[KeyEntry]] = {}
        for entry in entries:
            by_colour.setdefault(self.content.colour(entry), []).append(entry)
        for colour, group in by_colour.items():
            line, = self.ax.plot([e.lon for e in group], [e.lat for e in group], ls="", marker="o", ms=self.sheet.pt(2.4), mfc=colour,
                                 mec="white", mew=0.3, zorder=5)  # fmt: skip
            drawn.dots.append((line, group))

    def badges(self, entries: Sequence[KeyEntry], drawn: Drawn) -> list[tuple[KeyEntry, np.ndarray, float]]:
        """Numbered badges for ``entries``, each at the nearest free spot; returns (entry, display centre, diameter)."""
        if not entries:
            return []
        ax, sheet = self.ax, self.sheet
        to_data = ax.transData.inverted().transform
        points = ax.transData.transform([(e.lon, e.lat) for e in entries])
        size = sheet.pt(BADGE_PT)
        diameters = [sheet.px(badge_diameter(sheet, e.number)) for e in entries]
        chosen = place_badges(self.boxes, points, diameters, sheet.px(sheet.pt(2.4)), sheet.px(sheet.pt(3)))
        placed = []
        for index, (entry, diameter) in enumerate(zip(entries, diameters, strict=True)):
            colour = self.content.colour(entry)
            moved = tuple(points[index]) != chosen[index]
            (cx, cy), = to_data([chosen[index]])
            if moved:
                leader = ax.plot([entry.lon, cx], [entry.lat, cy], color="#333333", lw=sheet.pt(0.7), zorder=6, solid_capstyle="round")
                point = ax.plot(entry.lon, entry.lat, "o", ms=sheet.pt(4), mfc=colour, mec="#333333", mew=sheet.pt(0.6), zorder=7)
                drawn.add(entry.number, *leader, *point)
            badge = ax.plot(cx, cy, "o", ms=diameter * 72 / sheet.page.dpi, mfc=colour, mec="white", mew=sheet.pt(0.9), zorder=8)
            number = ax.text(cx, cy, str(entry.number), zorder=9, parse_math=False, **badge_text(entry, size))
            drawn.add(entry.number, *badge, number)
            placed.append((entry, np.asarray(chosen[index]), diameter))
        return placed

    def name_places(self, placed: list[tuple[KeyEntry, np.ndarray, float]], drawn: Drawn) -> None:
        """Each numbered event's place name beside its badge, where there is room (only on a panel with few badges)."""
        if len(placed) > PLACE_NAMES_UP_TO:
            return
        sheet, to_data = self.sheet, self.ax.transData.inverted().transform
        size = sheet.pt(7.5)
        for entry, (cx, cy), diameter in placed:
            if not entry.place or entry.place.casefold() in self.place_names:
                continue  # events in one place: named once
            name = shorten(entry.place, 40)
            gap = diameter / 2 + sheet.px(sheet.pt(2))
            spots = [(cx + gap, cy, "left", "center"), (cx - gap, cy, "right", "center"), (cx, cy + gap, "center", "bottom"),
                     (cx, cy - gap, "center", "top")]  # fmt: skip
            anchors = [(*to_data([(x, y)])[0], name, ha, va) for x, y, ha, va in spots]
            text = place_text(self.ax, sheet, self.boxes, anchors, size, color=INK, zorder=9,
                              bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.7})  # fmt: skip
            if text is not None:
                self.place_names.add(entry.place.casefold())
                drawn.add(entry.number, text)

    def names(self, min_population: int) -> None:
        """Names of lines, countries and towns where there is room left."""
        background.boundary_labels(self.ax, self.sheet, self.view, self.boxes)
        background.country_labels(self.ax, self.sheet, self.view, self.boxes)
        background.towns(self.ax, self.sheet, self.boxes, min_population=min_population, skip=frozenset(self.place_names))


def draw_map(sheet: Sheet, content: Content, rect: Box, listed: int, locator: Box | None = None) -> Drawn:
    """The main map in ``rect`` (inches) with its furniture and insets; the first ``listed`` entries get numbered badges.

    The locator goes in the page box ``locator`` when one is given, else on the map where there is room.
    """
    x, y, w, h = rect
    laid = plan(sheet, content, listed, w, h, with_locator=locator is None)
    main = Panel(sheet, content, rect, laid.extent)
    main.ground()
    pad = 0.06 * sheet.s
    if locator:
        furniture.locator(sheet, locator, laid.extent)
    elif laid.locator:
        lx, ly, lw, lh = laid.locator
        furniture.locator(sheet, (x + lx, y + ly, lw, lh), laid.extent)
        main.boxes.add(main.display_box(laid.locator, pad))
    drawn = Drawn()
    numbered = content.entries[:listed]
    enlarged: set[int] = set()
    for letter, (cluster, box) in zip("ABCDEFGH", laid.insets, strict=False):
        main.boxes.add(main.display_box(box, pad))
        _frame(main, cluster.extent, letter)
        _draw_inset(sheet, content, (x + box[0], y + box[1], box[2], box[3]), cluster, letter, listed, drawn)
        enlarged.update(cluster.members)
    main.boxes.add(furniture.scale_bar(main.ax, sheet, laid.scale, w, h))
    main.boxes.add(furniture.north_arrow(main.ax, sheet, laid.north, w, h))
    if not content.entries:
        main.boxes.add(_message(main.ax, sheet, content, w))
    for entry in (e for e in numbered if e.number in enlarged):
        colour = content.colour(entry)
        drawn.add(entry.number, *main.ax.plot(entry.lon, entry.lat, "o", ms=sheet.pt(4), mfc=colour, mec="white", mew=sheet.pt(0.5),
                                              zorder=7))  # fmt: skip
    main.dots(content.entries[listed:], drawn)
    placed = main.badges([e for e in numbered if e.number not in enlarged], drawn)
    main.name_places(placed, drawn)
    main.names(min_population=20_000)
    return drawn


def _frame(panel: Panel, extent: Extent, letter: str) -> None:
    """The area an inset enlarges, outlined on the main map and lettered; its box is taken."""
    x0, y0, x1, y1 = extent
    sheet, ax = panel.sheet, panel.ax
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fc="none", ec=INK, lw=sheet.pt(1.1), zorder=6.5))
    (left, bottom), (right, top) = ax.transData.transform([(x0, y0), (x1, y1)])
    panel.boxes.add((left, bottom, right, top))
    size = sheet.pt(9)
    anchors = [(x0, y1, letter, "right", "bottom"), (x1, y1, letter, "left", "bottom"), (x0, y0, letter, "right", "top"),
               (x1, y0, letter, "left", "top")]  # fmt: skip
    style = {"color": INK, "fontweight": "bold", "zorder": 9, "bbox": {"boxstyle": "round,pad=0.15", "fc": "white", "ec": INK, "lw": 0.6}}
    if place_text(ax, sheet, panel.boxes, anchors, size, pad=2, **style) is None:
        ax.text(x0, y1, letter, fontsize=size, ha="left", va="bottom", parse_math=False, **style)


def numbers_label(numbers: Sequence[int]) -> str:
    """ "event 3", "events 3–7", "events 2, 5–7"; a count ("12 events") when the list would be long."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    if len(runs) > 4:
        return wording.plural(len(numbers), "event")
    text = ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)
    return f"{'event' if len(numbers) == 1 else 'events'} {text}"


def _draw_inset(sheet: Sheet, content: Content, rect: Box, cluster: clusters.Cluster, letter: str, listed: int, drawn: Drawn) -> None:
    """A cluster enlarged: its own frame, heading, scale bar, badges numbered as the key, and names."""
    panel = Panel(sheet, content, rect, cluster.extent, zorder=2.5, edge=INK, edge_width=1.2)
    panel.ground()
    ax, (w, h) = panel.ax, rect[2:]
    size = sheet.pt(7.5)
    heading = f"{letter}: detail of {numbers_label(cluster.members)}"
    ax.text(0.02, 0.98, heading, transform=ax.transAxes, ha="left", va="top", fontsize=size, fontweight="bold", color=INK, zorder=10,
            parse_math=False, bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none", "alpha": 0.9})  # fmt: skip
    heading_w, heading_h = (width_pt(heading, size, True) + size) / 72, size * 1.9 / 72
    heading_box = (0.0, h - heading_h - 0.02 * h, heading_w + 0.02 * w, heading_h + 0.02 * h)
    panel.boxes.add(panel.display_box(heading_box))
    x0, y0, x1, y1 = cluster.extent
    inside = [e for e in content.entries if x0 <= e.lon <= x1 and y0 <= e.lat <= y1]
    members = [e for e in inside if e.number in cluster.members]
    room = _Room(sheet, w, h, _to_inches(cluster.extent, w, h, [e.lon for e in inside], [e.lat for e in inside]), [heading_box])
    scale_size = furniture.scale_size(sheet, cluster.extent, w)
    spots = [room.slot(where, *scale_size) for where in ("lower left", "lower right", "lower centre", "upper right", "upper centre")]
    scale = room.take_first(spots) or spots[0]  # an inset always has its scale, over a point if it must
    panel.boxes.add(furniture.scale_bar(ax, sheet, scale, w, h))
    panel.dots([e for e in inside if e.number > listed], drawn)
    placed = panel.badges(members, drawn)
    panel.name_places(placed, drawn)
    panel.names(min_population=INSET_TOWN_POPULATION)


def _message(ax, sheet: Sheet, content: Content, w: float) -> np.ndarray:
    """The notice on a map without events, centred; returns its display box."""
    message = wording.none_mapped(len(content.events)) if len(content.events) else NO_EVENTS
    size = sheet.pt(14)
    lines = wrap(message, w * 72 * 0.6, size, bold=True)
    ax.text(0.5, 0.5, "\n".join(lines), transform=ax.transAxes, ha="center", va="center", fontsize=size, fontweight="bold",
            color=INK, zorder=20, parse_math=False, multialignment="center", linespacing=1.2,
            bbox={"boxstyle": "round,pad=0.6", "fc": "white", "ec": "#888888", "alpha": 0.95})  # fmt: skip
    half_w = sheet.px(max(width_pt(line, size, True) for line in lines) / 2 + size * 0.8)
    half_h = sheet.px(len(lines) * size * 1.2 / 2 + size * 0.8)
    (cx, cy), = ax.transAxes.transform([(0.5, 0.5)])
    return np.array([cx - half_w, cy - half_h, cx + half_w, cy + half_h])
