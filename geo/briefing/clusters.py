"""Clusters: groups of events too close together at the map's scale to number one by one, shown enlarged in an inset.

Two events are linked when their points lie closer on the page than ``REACH``
badge widths (a loose reach, and a tight one for where the loose reach links too
much); a cluster is a chain of links holding at least ``MIN_EVENTS`` events.  A
cluster earns an inset only if the inset enlarges it at least ``MIN_ZOOM`` times
and spreads its points over more than a badge or two (events all on one spot
gain nothing from a zoom: their badges fan out around the spot on the map
instead).  The largest clusters are taken first, each only if it shares no event
and no ground with one already taken; the largest ``MAX_INSETS`` are kept.  Pure
functions over coordinates and page sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geo.briefing.extent import Extent, around, fit

MIN_EVENTS = 3
MAX_INSETS = 2
MIN_ZOOM = 2.0
REACH = (2.0, 1.1)
"""Link distances, in badge widths: a loose one, and a tight one that splits chains too long for an inset."""
INSET_MIN_SPAN_DEG = 0.03
"""The smallest inset extent (about 3 km), so that events in one town still show some ground."""


@dataclass(frozen=True)
class Cluster:
    """Events (indices into the points given) shown together in an inset of ``extent``."""

    members: tuple[int, ...]
    extent: Extent


def linked_groups(xy: np.ndarray, reach: float, min_size: int = MIN_EVENTS) -> list[list[int]]:
    """Indices of points joined by chains of steps shorter than ``reach`` (same units as ``xy``), groups of ``min_size`` or more.

    Largest group first, then by the first index.
    """
    n = len(xy)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n:
        distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        for i, j in zip(*np.nonzero(np.triu(distance < reach, k=1)), strict=True):
            parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return sorted((g for g in groups.values() if len(g) >= min_size), key=lambda g: (-len(g), g[0]))


def find(lons: Sequence[float], lats: Sequence[float], extent: Extent, map_size: tuple[float, float], badge: float,
         inset_size: tuple[float, float]) -> list[Cluster]:  # fmt: skip
    """Clusters worth an inset of ``inset_size`` inches among points on a ``map_size`` inch map of ``extent``.

    ``badge`` is a numbered badge's width in inches.  Members are every point inside a
    cluster's inset extent, so an event near a cluster is enlarged with it.
    """
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    x0, y0, x1, y1 = extent
    (w, h), (iw, ih) = map_size, inset_size
    xy = np.column_stack([(lons - x0) / (x1 - x0) * w, (lats - y0) / (y1 - y0) * h])
    candidates = [_cluster(g, lons, lats, iw, ih) for reach in REACH for g in linked_groups(xy, reach * badge)
                  if _worth_an_inset(lons[g], lats[g], extent, w, iw, ih, badge)]  # fmt: skip
    chosen: list[Cluster] = []
    for candidate in sorted(candidates, key=lambda c: (-len(c.members), c.members)):
        if not any(set(candidate.members) & set(c.members) or _overlap(candidate.extent, c.extent) for c in chosen):
            chosen.append(candidate)
    clusters = _merged(chosen, lons, lats, iw, ih)
    return [c for c in clusters if _zoom(extent, w, c.extent, iw) >= MIN_ZOOM][:MAX_INSETS]


def _inset_extent(lons: np.ndarray, lats: np.ndarray, iw: float, ih: float) -> Extent:
    return fit(around(lons, lats, min_span=INSET_MIN_SPAN_DEG), iw, ih)


def _zoom(extent: Extent, w: float, inset: Extent, iw: float) -> float:
    """How many times larger the inset draws the ground than the map does."""
    return ((extent[2] - extent[0]) / w) / ((inset[2] - inset[0]) / iw)


def _worth_an_inset(lons: np.ndarray, lats: np.ndarray, extent: Extent, w: float, iw: float, ih: float, badge: float) -> bool:
    """Whether the inset enlarges the group enough and spreads its points over more than 1.5 badges."""
    inset = _inset_extent(lons, lats, iw, ih)
    spread = max(np.ptp(lons) / (inset[2] - inset[0]) * iw, np.ptp(lats) / (inset[3] - inset[1]) * ih)
    return _zoom(extent, w, inset, iw) >= MIN_ZOOM and spread > 1.5 * badge


def _cluster(group: list[int], lons: np.ndarray, lats: np.ndarray, iw: float, ih: float) -> Cluster:
    """The group and every other point its inset would show, with an extent around them all (so none sits on the edge)."""
    members = sorted(group)
    for _ in range(8):
        inset = _inset_extent(lons[members], lats[members], iw, ih)
        inside = np.flatnonzero((lons >= inset[0]) & (lons <= inset[2]) & (lats >= inset[1]) & (lats <= inset[3])).tolist()
        if inside == members:
            break
        members = sorted(set(members) | set(inside))
    return Cluster(tuple(members), inset)


def _merged(clusters: list[Cluster], lons: np.ndarray, lats: np.ndarray, iw: float, ih: float) -> list[Cluster]:
    """Clusters whose extents overlap or share a point, merged until none do; largest first."""
    clusters = list(clusters)
    merging = True
    while merging:
        merging = False
        for i in range(len(clusters)):
            for j in range(i + 1, len(clusters)):
                a, b = clusters[i], clusters[j]
                if set(a.members) & set(b.members) or _overlap(a.extent, b.extent):
                    clusters[i] = _cluster(sorted(set(a.members) | set(b.members)), lons, lats, iw, ih)
                    del clusters[j]
                    merging = True
                    break
            if merging:
                break
    return sorted(clusters, key=lambda c: (-len(c.members), c.members))


def _overlap(a: Extent, b: Extent) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
