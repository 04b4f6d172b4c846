"""Map extents in degrees: the box the events need, grown to the shape of a box on the page.

Longitude is drawn 1/cos(mid-latitude) times shorter than latitude, so a kilometre
east looks as long as one north in the middle of the map.  Pure functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Extent = tuple[float, float, float, float]
"""(min_lon, min_lat, max_lon, max_lat)"""

DEFAULT_EXTENT: Extent = (66.0, 23.5, 80.0, 37.5)
"""Shown when no event has a map point: Pakistan, Kashmir, north India."""
MIN_SPAN_DEG = 1.5
"""The smallest extent, in degrees of latitude, so that one event alone still shows its surroundings."""


def around(lons: Sequence[float], lats: Sequence[float], min_span: float = MIN_SPAN_DEG) -> Extent:
    """The points' bounding box with a margin, at least ``min_span`` degrees each way; the default region if empty."""
    if not len(lons):
        return DEFAULT_EXTENT
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    half_h = max(lats.max() - lats.min(), min_span) / 2 * 1.25
    half_w = max(lons.max() - lons.min(), min_span) / 2 * 1.2
    cx, cy = (lons.min() + lons.max()) / 2, (lats.min() + lats.max()) / 2
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def fit(extent: Sequence[float], box_w: float, box_h: float, zoom_out: float = 1.0) -> Extent:
    """``extent`` grown (about its centre, by ``zoom_out`` too) to the shape of a box_w x box_h page box."""
    x0, y0, x1, y1 = extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ratio = aspect(y0, y1)
    dx, dy = (x1 - x0) * zoom_out, (y1 - y0) * zoom_out
    if ratio * dy / dx < box_h / box_w:
        dy = dx * box_h / (box_w * ratio)
    else:
        dx = ratio * dy * box_w / box_h
    dy = min(dy, 170.0)
    cy = min(max(cy, -85 + dy / 2), 85 - dy / 2)
    return (cx - dx / 2, cy - dy / 2, cx + dx / 2, cy + dy / 2)


def aspect(min_lat: float, max_lat: float) -> float:
    """Data aspect for lon/lat axes so that a kilometre east looks as long as one north at mid-latitude."""
    return 1 / math.cos(math.radians(float(np.clip((min_lat + max_lat) / 2, -70, 70))))
