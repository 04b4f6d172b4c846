"""The map panel: the extent, the corners for the furniture, the numbered events, then the names where there is room.

Drawing order matters: the basemap, the furniture (which takes its boxes), the
events (badges on their points, or moved with a leader where crowded), and last
the names of lines, countries and towns in whatever room is left.  This module
never draws outside its panel (the key, legend and notes are ``layout``'s).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from geo.briefing import background, furniture
from geo.briefing.content import Content, badge_text
from geo.briefing.extent import around, fit
from geo.briefing.placement import Boxes, place_badges
from geo.briefing.sheet import INK, SEA, Sheet
from geo.briefing.text import width_pt, wrap
from geo.wording import NO_EVENTS

CORNERS = ("lower right", "upper left", "lower left", "upper right")
"""Where the locator inset may go, in order of preference (the first corner with no event under it)."""


def draw_map(sheet: Sheet, content: Content, rect: tuple[float, float, float, float], listed: int) -> None:
    """The map in ``rect`` (inches): basemap, locator, scale bar, north arrow, events, then names where there is room.

    The first ``listed`` entries get numbered badges; the rest small dots.
    """
    x, y, w, h = rect
    entries = content.entries
    inset_size = (min(2.3 * sheet.s, w * 0.3), min(2.3 * sheet.s, w * 0.3) * 0.7)
    lons, lats = [e.lon for e in entries], [e.lat for e in entries]
    for zoom_out in (1.0, 1.15, 1.35, 1.6, 2.0, 2.6):
        extent = fit(around(lons, lats), w, h, zoom_out)
        corners = _corners(sheet, extent, lons, lats, inset_size, w, h)
        if corners:
            break
    corners = corners or {"inset": "lower right", "scale": "lower left", "north": "upper right"}
    x0, y0, x1, y1 = extent
    ax = sheet.axes(*rect)
    ax.set_facecolor(SEA)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_autoscale_on(False)
    for spine in ax.spines.values():
        spine.set_edgecolor("#888888")
        spine.set_linewidth(0.8)
    view = shapely.box(x0, y0, x1, y1)
    background.draw_ground(ax, sheet, view)

    ix, iy, iw, ih = _corner_box(sheet, corners["inset"], *inset_size, w, h)
    furniture.locator(sheet, (x + ix, y + iy, iw, ih), extent)
    edge = sheet.px(2)
    (left, bottom), (right, top) = ax.transAxes.transform([(0, 0), (1, 1)])
    boxes = Boxes((left + edge, bottom + edge, right - edge, top - edge))
    pad = 0.06 * sheet.s
    boxes.add(np.concatenate(ax.transAxes.transform([((ix - pad) / w, (iy - pad) / h), ((ix + iw + pad) / w, (iy + ih + pad) / h)])))
    boxes.add(furniture.scale_bar(ax, sheet, _corner_box(sheet, corners["scale"], *furniture.scale_size(sheet, extent, w), w, h), w, h))
    boxes.add(furniture.north_arrow(ax, sheet, _corner_box(sheet, corners["north"], *furniture.north_size(sheet), w, h), w, h))
    if not entries:
        boxes.add(_message(ax, sheet, content, w))
    _markers(ax, sheet, content, boxes, listed)
    background.boundary_labels(ax, sheet, view, boxes)
    background.country_labels(ax, sheet, view, boxes)
    background.towns(ax, sheet, boxes)


def _message(ax, sheet: Sheet, content: Content, w: float) -> np.ndarray:
    """The notice on a map without events, centred; returns its display box."""
    if len(content.events):
        message = f"None of the {len(content.events)} matching events has a known place to map; they are listed under the map"
    else:
        message = NO_EVENTS
    size = sheet.pt(14)
    lines = wrap(message, w * 72 * 0.6, size, bold=True)
    ax.text(0.5, 0.5, "\n".join(lines), transform=ax.transAxes, ha="center", va="center", fontsize=size, fontweight="bold",
            color=INK, zorder=20, parse_math=False, multialignment="center", linespacing=1.2,
            bbox={"boxstyle": "round,pad=0.6", "fc": "white", "ec": "#888888", "alpha": 0.95})  # fmt: skip
    half_w = sheet.px(max(width_pt(line, size, True) for line in lines) / 2 + size * 0.8)
    half_h = sheet.px(len(lines) * size * 1.2 / 2 + size * 0.8)
    (cx, cy), = ax.transAxes.transform([(0.5, 0.5)])
    return np.array([cx - half_w, cy - half_h, cx + half_w, cy + half_h])


def _corner_box(sheet: Sheet, corner: str, bw: float, bh: float, w: float, h: float) -> tuple[float, float, float, float]:
    """A bw x bh box (inches) in ``corner`` of a w x h map: (x, y, w, h) from the map's lower left."""
    pad = 0.1 * sheet.s
    return (w - pad - bw if "right" in corner else pad), (h - pad - bh if "upper" in corner else pad), bw, bh


def _corners(sheet: Sheet, extent: Sequence[float], lons, lats, inset_size, w: float, h: float) -> dict[str, str] | None:
    """Corners for the locator, scale bar and north arrow with no event under them, or None."""
    x0, y0, x1, y1 = extent
    fx = (np.array(lons) - x0) / (x1 - x0) * w
    fy = (np.array(lats) - y0) / (y1 - y0) * h
    margin = 0.2 * sheet.s  # a badge on the point must not touch the box

    def clear(corner: str, size: tuple[float, float]) -> bool:
        bx, by, bw, bh = _corner_box(sheet, corner, *size, w, h)
        inside = (fx > bx - margin) & (fx < bx + bw + margin) & (fy > by - margin) & (fy < by + bh + margin)
        return not inside.any()

    scale = furniture.scale_size(sheet, extent, w)
    north = furniture.north_size(sheet)
    for inset in CORNERS:
        if not clear(inset, inset_size):
            continue
        scale_at = next((c for c in ("lower left", "lower right") if c != inset and clear(c, scale)), None)
        north_at = next((c for c in ("upper right", "upper left") if c != inset and clear(c, north)), None)
        if scale_at and north_at:
            return {"inset": inset, "scale": scale_at, "north": north_at}
    return None


def _markers(ax, sheet: Sheet, content: Content, boxes: Boxes, listed: int) -> None:
    """Numbered badges for listed events, each at the nearest free spot; small dots for the rest."""
    numbered, rest = content.entries[:listed], content.entries[listed:]
    if rest:
        colours = np.array([content.colour(e) for e in rest])
        ax.scatter([e.lon for e in rest], [e.lat for e in rest], s=sheet.pt(2.4) ** 2, c=colours, edgecolors="white", linewidths=0.3,
                   zorder=5)  # fmt: skip
    if not numbered:
        return
    to_data = ax.transData.inverted().transform
    points = ax.transData.transform([(e.lon, e.lat) for e in numbered])
    size = sheet.pt(7.5)
    diameters = [sheet.px(max(size * 1.65, width_pt(str(e.number), size, True) + size * 0.6)) for e in numbered]
    chosen = place_badges(boxes, points, diameters, sheet.px(sheet.pt(2.4)), sheet.px(sheet.pt(3)))
    for index, (entry, diameter) in enumerate(zip(numbered, diameters, strict=True)):
        colour = content.colour(entry)
        moved = tuple(points[index]) != chosen[index]
        (cx, cy), = to_data([chosen[index]])
        if moved:
            ax.plot([entry.lon, cx], [entry.lat, cy], color="#333333", lw=sheet.pt(0.7), zorder=6, solid_capstyle="round")
            ax.plot(entry.lon, entry.lat, "o", ms=sheet.pt(4), mfc=colour, mec="#333333", mew=sheet.pt(0.6), zorder=7)
        ax.plot(cx, cy, "o", ms=diameter * 72 / sheet.page.dpi, mfc=colour, mec="white", mew=sheet.pt(0.9), zorder=8)
        ax.text(cx, cy, str(entry.number), zorder=9, parse_math=False, **badge_text(entry, size))

