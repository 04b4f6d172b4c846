"""Label placement on a map panel: which boxes are taken, and where a badge or a name goes next.

Everything here works in display pixels (x0, y0, x1, y1 boxes) on one matplotlib
axes: a badge tries its own point, then rings of spots around it; a name tries
its anchors in turn; a line's name runs along a straight stretch of the line or
sits beside it on a leader.  Nothing is placed over what is already taken.
This module never decides what is shown (that is the map panel's job).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.ops import substring

from geo.briefing.sheet import Sheet
from geo.briefing.text import width_pt


class Boxes:
    """Axis-aligned boxes in display space (x0, y0, x1, y1) already taken on a map, and lines names keep off."""

    def __init__(self, bounds: tuple[float, float, float, float]):
        self.bounds = bounds
        self.taken = np.empty((0, 4))
        self.lines = shapely.MultiLineString()

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


def ring_candidates(px: float, py: float, diameter: float, clearance: float) -> np.ndarray:
    """Badge centres to try around a point, nearest first: on it, then rings of growing radius."""
    centres = [(px, py)]
    for ring in range(1, 9):
        radius = ring * diameter * 1.08 + clearance
        count = 8 * ring
        angles = math.pi / 4 + np.arange(count) * 2 * math.pi / count
        centres += [(px + radius * math.cos(a), py + radius * math.sin(a)) for a in angles]
    return np.asarray(centres)


def place_badges(boxes: Boxes, points: np.ndarray, diameters: Sequence[float], dot: float, clearance: float) -> list[tuple[float, float]]:
    """A centre for each badge (display): on its own point where free, else the nearest free spot around it.

    Every point's dot (``dot`` pixels each side) is taken first; badges with room on their
    own point are placed before the crowded ones, ``clearance`` pixels off a point they
    leave.  A badge with no free spot at all goes on its point.
    """
    first_dot = len(boxes.taken)
    for px, py in points:
        boxes.add((px - dot, py - dot, px + dot, py + dot))
    chosen: dict[int, tuple[float, float]] = {}
    for only_on_point in (True, False):
        for index, ((px, py), diameter) in enumerate(zip(points, diameters, strict=True)):
            if index in chosen:
                continue
            centres = ring_candidates(px, py, diameter, clearance)[: 1 if only_on_point else None]
            r = diameter / 2
            cand = np.column_stack([centres[:, 0] - r, centres[:, 1] - r, centres[:, 0] + r, centres[:, 1] + r])
            free = np.flatnonzero(boxes.free(cand, ignore=first_dot + index))
            if len(free) or not only_on_point:
                choice = int(free[0]) if len(free) else 0
                boxes.add(cand[choice])
                chosen[index] = tuple(centres[choice])
    return [chosen[index] for index in range(len(points))]


def place_text(ax, sheet: Sheet, boxes: Boxes, anchors: Iterable[tuple[float, float, str, str, str]], size: float, pad: float = 1.5,
               **kwargs):  # fmt: skip
    """Put a text at the first (x, y, text, ha, va) anchor in data space with ``pad`` points free around it.

    Returns the Text drawn, or None when no anchor had room.
    """
    for x, y, text, ha, va in anchors:
        w = sheet.px(width_pt(text, size, kwargs.get("fontweight") == "bold"))
        h = sheet.px(size * 1.15)
        (px, py), = ax.transData.transform([(x, y)])
        left = {"left": px, "center": px - w / 2, "right": px - w}[ha]
        bottom = {"bottom": py, "center": py - h / 2, "top": py - h}[va]
        room = sheet.px(sheet.pt(pad))
        box = np.array([[left - room, bottom - room, left + w + room, bottom + h + room]])
        if boxes.free(box)[0] and not boxes.lines.intersects(shapely.box(*box[0])):
            boxes.add(box[0])
            return ax.text(x, y, text, fontsize=size, ha=ha, va=va, parse_math=False, **kwargs)
    return None


def label_along(ax, sheet: Sheet, boxes: Boxes, line, label: str, size: float, **kwargs) -> bool:
    """Rotated text beside a fairly straight stretch of ``line`` (display coordinates), if one is free."""
    width = sheet.px(width_pt(label, size))
    if line.length < width * 1.05:
        return False
    height = sheet.px(size * 1.2)
    to_data = ax.transData.inverted().transform
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
            shift = side * normal * (height * 0.6 + sheet.px(1))
            band = shapely.LineString([a + shift, b + shift]).buffer(height / 2, cap_style="flat")
            box = np.array([band.bounds])
            if not boxes.free(box)[0]:
                continue
            boxes.add(box[0])
            (x, y), = to_data([(a + b) / 2 + shift])
            ax.text(x, y, label, fontsize=size, rotation=angle, rotation_mode="anchor", ha="center", va="center", parse_math=False,
                    **kwargs)  # fmt: skip
            return True
    return False


def callout(ax, sheet: Sheet, boxes: Boxes, line, label: str, size: float, leader: dict, **kwargs) -> None:
    """Horizontal text near ``line`` (display) with a thin ``leader`` line, at the first free spot.

    Preferred, in turn: a spot whose leader ends clear of events and crosses no label,
    and whose text lies on no line names keep off; then one of these conditions is let go after another.
    """
    width = sheet.px(width_pt(label, size))
    height = sheet.px(size * 1.25)
    clearance = sheet.px(sheet.pt(8))
    to_data = ax.transData.inverted().transform
    anchors = [line.interpolate(t, normalized=True).coords[0] for t in sorted(np.linspace(0.05, 0.95, 19), key=lambda v: abs(v - 0.5))]
    for level in range(4):
        for px, py in anchors:
            if level < 2 and not boxes.free(np.array([[px - clearance, py - clearance, px + clearance, py + clearance]]))[0]:
                continue  # the leader must not seem to point at an event
            for step in (1, 2, 3, 4, 6, 8):
                for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)):
                    cx = px + dx * (width / 2 + sheet.px(6) * step)
                    cy = py + dy * height * (0.5 + step)
                    box = np.array([[cx - width / 2 - 2, cy - height / 2 - 2, cx + width / 2 + 2, cy + height / 2 + 2]])
                    end = (cx - dx * width / 2, cy) if dx else (cx, cy - dy * height / 2)
                    if not boxes.free(box)[0]:
                        continue
                    if level < 3 and boxes.lines.intersects(shapely.box(*box[0])):
                        continue
                    if level < 1 and boxes.crosses((px, py), end):
                        continue
                    boxes.add(box[0])
                    (x, y), (lx, ly), (ex, ey) = to_data([(cx, cy), (px, py), end])
                    ax.text(x, y, label, fontsize=size, ha="center", va="center", parse_math=False, **kwargs)
                    ax.plot([lx, ex], [ly, ey], **leader)
                    return
