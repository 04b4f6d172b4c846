"""The basemap under a briefing's events: land and sea, borders, de facto lines, and the names of lines, countries and towns.

Every layer the briefing takes from ``geo.basemap`` and ``geo.gazetteer`` is drawn
here, so new layers (first-level areas, rivers, lakes) slot in beside the others.
Names are placed through ``placement`` and never cover what is already taken.
This module never draws events or map furniture.
"""

from __future__ import annotations

import functools

import geopandas as gpd
import numpy as np
import shapely

from geo import basemap, gazetteer
from geo.briefing.placement import Boxes, callout, label_along, place_text
from geo.briefing.sheet import BORDER, DISPUTED, LAND, TOWN, Sheet


def draw_ground(ax, sheet: Sheet, view: shapely.Geometry) -> None:
    """Countries in ``view`` with settled borders solid and de facto or disputed lines dashed."""
    countries = basemap.countries().clip(view.buffer(0.5))
    countries.plot(ax=ax, aspect=None, color=LAND, edgecolor=BORDER, linewidth=sheet.pt(0.6), zorder=1)
    disputed = basemap.disputed_boundaries().clip(view.buffer(0.5))
    if len(disputed):
        # cover the settled-border stroke the polygons draw there, then dash the de facto line
        disputed.plot(ax=ax, aspect=None, color=LAND, linewidth=sheet.pt(1.8), zorder=2)
        disputed.plot(ax=ax, aspect=None, color=DISPUTED, linewidth=sheet.pt(1.1), linestyle=(0, (4, 2.5)), zorder=3)
    ax.set_xlabel("")
    ax.set_ylabel("")


def draw_shaded_areas(ax, sheet: Sheet, view: shapely.Geometry, shaded: gpd.GeoDataFrame, colours: list[str]) -> None:
    """First-level areas filled with ``colours`` (one per row of ``shaded``), over the land and under the borders."""
    inside = shaded.clip(view.buffer(0.5))
    if len(inside):
        fill = [colours[k] for k in inside.index]
        inside.plot(ax=ax, aspect=None, color=fill, edgecolor="#a8a29e", linewidth=sheet.pt(0.4), zorder=1.5)
        ax.set_xlabel("")
        ax.set_ylabel("")


def draw_locator_ground(ax, sheet: Sheet, view: shapely.Geometry) -> None:
    """Simplified countries for a small locator map of ``view``."""
    world = _simplified_countries().clip(view.buffer(1))
    world.plot(ax=ax, aspect=None, color="#d9d6cc", edgecolor="white", linewidth=sheet.pt(0.4), zorder=1)
    ax.set_xlabel("")
    ax.set_ylabel("")


@functools.cache
def _simplified_countries() -> gpd.GeoDataFrame:
    """Country polygons simplified for the small locator map."""
    world = basemap.countries()
    world["geometry"] = world.geometry.simplify(0.08)
    return world[~world.geometry.is_empty]


def boundary_labels(ax, sheet: Sheet, view: shapely.Geometry, boxes: Boxes) -> None:
    """Name each de facto or disputed line in view along a straight stretch; the Line of Control beside it when need be.

    The lines, in display pixels, become ``boxes.lines``: names placed later keep off them.
    """
    lines = basemap.disputed_boundaries()
    clipped = shapely.intersection(lines.geometry.to_numpy(), view)
    size = sheet.pt(6.8)
    by_label: dict[str, list] = {}
    for label, geometry in zip(lines["label"], clipped, strict=True):
        by_label.setdefault(label, []).extend(p for p in shapely.get_parts(geometry) if p.geom_type == "LineString" and not p.is_empty)
    shown = [shapely.LineString(ax.transData.transform(np.asarray(p.coords))) for parts in by_label.values() for p in parts]
    boxes.lines = shapely.MultiLineString(shown)
    longest = {label: max(parts, key=lambda g: g.length) for label, parts in by_label.items() if parts}
    look = {"color": DISPUTED, "style": "italic", "zorder": 4}
    for label in sorted(longest, key=lambda k: (not k.startswith("Line of Control"), -longest[k].length, k)):
        line = shapely.LineString(ax.transData.transform(np.asarray(longest[label].coords)))
        if label_along(ax, sheet, boxes, line, label, size, **look) or line.length < sheet.px(sheet.pt(30)):
            continue
        if label.startswith("Line of Control"):
            leader = {"color": DISPUTED, "lw": sheet.pt(0.5), "zorder": 4}
            callout(ax, sheet, boxes, line, label, size, leader, **look,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})  # fmt: skip


def country_labels(ax, sheet: Sheet, view: shapely.Geometry, boxes: Boxes) -> None:
    """Country names in light capitals where a country shows a fair area and there is room."""
    countries = basemap.countries()
    parts = shapely.intersection(countries.geometry.to_numpy(), view)
    share = shapely.area(parts) / view.area
    size = sheet.pt(8.5)
    dy = (view.bounds[3] - view.bounds[1]) * 0.035
    for name, geometry in zip(countries["name"][share > 0.02], parts[share > 0.02], strict=True):
        point = max(shapely.get_parts(geometry), key=lambda g: g.area).representative_point()
        anchors = [(point.x, point.y + k * dy, name.upper(), "center", "center") for k in (0, 1, -1, 2, -2)]
        place_text(ax, sheet, boxes, anchors, size, pad=6, color="#a8a8a8", fontweight="bold", zorder=3.5)


def towns(ax, sheet: Sheet, boxes: Boxes, min_population: int = 20_000, skip: frozenset[str] = frozenset()) -> int:
    """A few of the largest towns in view, each named where its label fits; returns how many were named.

    Towns named in ``skip`` (casefolded; say, places already named beside their events) are left out.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bbox = (max(x0, -180.0), max(y0, -90.0), min(x1, 180.0), min(y1, 90.0))
    size = sheet.pt(6.8)
    dot = sheet.px(sheet.pt(1.6))
    box = ax.get_window_extent()
    gap_px = dot + sheet.px(sheet.pt(2.5))
    gap_x, gap_y = gap_px * (x1 - x0) / box.width, gap_px * (y1 - y0) / box.height
    placed = 0
    for town in gazetteer.towns_in(bbox, min_population=min_population, limit=80):
        if placed >= 12:
            break
        if town.name.casefold() in skip:
            continue
        (px, py), = ax.transData.transform([(town.lon, town.lat)])
        dot_box = np.array([[px - dot, py - dot, px + dot, py + dot]])
        room = sheet.px(sheet.pt(6))  # keep towns apart from each other and from events
        if not boxes.free(dot_box + [-room, -room, room, room])[0]:
            continue
        boxes.add(dot_box[0])
        anchors = [
            (town.lon + gap_x, town.lat, town.name, "left", "center"),
            (town.lon - gap_x, town.lat, town.name, "right", "center"),
            (town.lon, town.lat + gap_y, town.name, "center", "bottom"),
            (town.lon, town.lat - gap_y, town.name, "center", "top"),
        ]
        if place_text(ax, sheet, boxes, anchors, size, color=TOWN, zorder=4) is not None:
            ax.plot(town.lon, town.lat, "o", ms=sheet.pt(2.6), mfc=TOWN, mec="white", mew=0.4, zorder=4)
            placed += 1
        else:
            boxes.taken = boxes.taken[:-1]
    return placed
