"""Map furniture: the scale bar, the north arrow, the legend and the locator inset.

Each piece is drawn into a box it is given and reports the box it took, so the
map panel can keep labels off it.  Sizes are in inches of the page.  This module
never decides where a piece goes (that is the map panel's job).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Rectangle

from geo import style, wording
from geo.briefing import background
from geo.briefing.content import Content, blend
from geo.briefing.extent import fit
from geo.briefing.sheet import BORDER, DISPUTED, INK, MUTED, SEA, TOWN, Sheet
from geo.briefing.text import width_pt

SCALE_PT = 6.8
"""Font size of the scale bar's labels."""


def nice_length(target_km: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above ``target_km``."""
    power = 10 ** math.floor(math.log10(target_km))
    return max(m * power for m in (1, 2, 5) if m * power <= target_km)


def _next_nice(length: float) -> float:
    """The 1, 2 or 5 x 10^k after ``length`` (itself one of them)."""
    power = 10 ** math.floor(math.log10(length) + 1e-9)
    return {1: 2, 2: 5, 5: 10}[round(length / power)] * power


def scale_length(sheet: Sheet, extent: Sequence[float], w: float) -> tuple[float, float]:
    """A round scale-bar length in km, about a fifth of the width of a ``w``-inch map of ``extent``, and its share of that width.

    The bar is made longer when its end labels would not fit along it.
    """
    x0, y0, x1, y1 = extent
    width_km = (x1 - x0) * 111.32 * math.cos(math.radians((y0 + y1) / 2))
    size = sheet.pt(SCALE_PT)
    length = nice_length(width_km * 0.2)
    while length / width_km * w * 72 < (width_pt("0", size) + width_pt(f"{length:,g} km", size)) / 2 + size and length < width_km / 2:
        length = _next_nice(length)
    return length, length / width_km


def scale_size(sheet: Sheet, extent: Sequence[float], w: float) -> tuple[float, float]:
    """The scale bar's box (inches) on a map ``w`` inches wide showing ``extent``."""
    return scale_length(sheet, extent, w)[1] * w + 0.55 * sheet.s, 0.5 * sheet.s


def north_size(sheet: Sheet) -> tuple[float, float]:
    """The north arrow's box (inches)."""
    return 0.3 * sheet.s, 0.62 * sheet.s


def scale_bar(ax, sheet: Sheet, box: tuple[float, float, float, float], w: float, h: float) -> np.ndarray:
    """A scale bar true at the map's middle latitude in ``box`` (inches on a w x h map); returns its display box."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    mid_lat = (y0 + y1) / 2
    length, frac = scale_length(sheet, (x0, y0, x1, y1), w)
    bx, by, bw, bh = box[0] / w, box[1] / h, box[2] / w, box[3] / h
    fx, fy = 1 / w, 1 / h  # axes fraction per inch
    size = sheet.pt(SCALE_PT)
    s = sheet.s
    tr = ax.transAxes
    ax.add_patch(FancyBboxPatch((bx, by), bw, bh, boxstyle="round,pad=0", transform=tr, fc="white", ec="#999999", lw=0.5,
                                alpha=0.88, zorder=4.6))  # fmt: skip
    left, base, bar_h = bx + 0.2 * s * fx, by + 0.2 * s * fy, 0.055 * s * fy
    for i in range(2):
        ax.add_patch(Rectangle((left + i * frac / 2, base), frac / 2, bar_h, transform=tr, fc=("#222222", "white")[i],
                               ec="#222222", lw=0.6, zorder=4.7))  # fmt: skip
    half_pt = frac / 2 * w * 72
    labels = [(0, 0), (length / 2, frac / 2), (length, frac)]
    if half_pt < (width_pt(f"{length / 2:,g}", size) + width_pt(f"{length:,g} km", size)) / 2 + size:
        del labels[1]
    for value, offset in labels:
        label = f"{value:,g}" + (" km" if offset == frac else "")
        ax.text(left + offset, base + bar_h + 0.03 * s * fy, label, transform=tr, fontsize=size, ha="center", va="bottom",
                color=INK, zorder=4.8)  # fmt: skip
    hemisphere = "N" if mid_lat >= 0 else "S"
    ax.text(left, base - 0.03 * s * fy, f"scale true at {abs(mid_lat):.0f}°{hemisphere}", transform=tr, fontsize=size * 0.85,
            ha="left", va="top", color=MUTED, zorder=4.8)  # fmt: skip
    return np.concatenate(tr.transform([(bx, by), (bx + bw, by + bh)]))


def north_arrow(ax, sheet: Sheet, box: tuple[float, float, float, float], w: float, h: float) -> np.ndarray:
    """A north arrow in ``box`` (inches on a w x h map); returns its display box."""
    bx, by, bw, bh = box[0] / w, box[1] / h, box[2] / w, box[3] / h
    x = bx + bw / 2
    tr = ax.transAxes
    ax.annotate("", xy=(x, by + bh), xytext=(x, by + 0.2 * sheet.s / h), xycoords=tr, textcoords=tr, zorder=4.8,
                arrowprops={"arrowstyle": "-|>,head_length=0.7,head_width=0.35", "color": INK, "lw": sheet.pt(1.4)})  # fmt: skip
    ax.text(x, by, "N", transform=tr, ha="center", va="bottom", fontsize=sheet.pt(10), fontweight="bold", color=INK, zorder=4.8,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75})  # fmt: skip
    return np.concatenate(tr.transform([(bx, by), (bx + bw, by + bh)]))


def locator(sheet: Sheet, rect: tuple[float, float, float, float], extent: Sequence[float]) -> None:
    """The wider region around ``extent`` in the page box ``rect`` (inches), with the map's area as a red box."""
    x0, y0, x1, y1 = extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = min(max((x1 - x0) * 2.5, 28.0), 360.0) / 2, min(max((y1 - y0) * 2.5, 20.0), 150.0) / 2
    ix0, iy0, ix1, iy1 = fit((cx - half_w, cy - half_h, cx + half_w, cy + half_h), rect[2], rect[3])
    ax = sheet.axes(*rect)
    ax.set_zorder(5)
    ax.set_xlim(ix0, ix1)
    ax.set_ylim(iy0, iy1)
    ax.set_autoscale_on(False)
    ax.set_facecolor(SEA)
    background.draw_locator_ground(ax, sheet, shapely.box(ix0, iy0, ix1, iy1))
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fc="#d62728", alpha=0.12, ec="none", zorder=2))
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fc="none", ec="#d62728", lw=sheet.pt(1.3), zorder=3))
    for spine in ax.spines.values():
        spine.set_edgecolor("#666666")
        spine.set_linewidth(0.8)
    ax.text(0.03, 0.04, "Locator: map area in red", transform=ax.transAxes, fontsize=sheet.pt(6.3), color=INK, zorder=4,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})  # fmt: skip


def legend_items(content: Content) -> list[tuple[str, dict]]:
    """(label, symbol) pairs: event types on the map, context, boundaries and towns."""
    items = []
    types = set(e.event_type for e in content.entries)
    for name in (t for t in content.colours if t in types):
        items.append((name, {"marker": "o", "mfc": content.colours[name]}))
    if any(e.context for e in content.entries):
        items.append(("paler: background (context) event", {"marker": "o", "mfc": blend(style.OTHER_COLOUR, style.CONTEXT_OPACITY)}))
    if content.classes:
        counted = int(content.area_counts["events"].sum())
        items.append((wording.phrase("area_shades", counted) + ":", {}))
        items += [(f"{low:,}" if low == high else f"{low:,}\u2013{high:,}", {"marker": "s", "mfc": style.SHADES[k]})
                  for k, (low, high) in enumerate(content.classes)]
    items += [
        ("international boundary", {"color": BORDER, "lw": 0.9}),
        ("de facto or disputed boundary", {"color": DISPUTED, "lw": 1.1, "ls": (0, (4, 2.5))}),
        ("town", {"marker": "o", "mfc": TOWN, "ms_scale": 0.45}),
    ]
    return items


def legend(sheet: Sheet, content: Content, x: float, width: float, top: float, dry_run: bool = False) -> float:
    """The legend as rows of symbol + label from ``top`` down (inches); returns its height."""
    size = sheet.pt(7.5)
    row_h = size * 1.7 / 72
    symbol_w = size * 2.2 / 72
    spacing = size * 1.6 / 72
    head = "Legend:"
    cx, row = x + width_pt(head, size, True) / 72 + spacing * 0.6, 0
    placed = []
    for label, symbol in legend_items(content):
        item_w = (symbol_w if symbol else 0) + width_pt(label, size) / 72
        if cx + item_w > x + width and cx > x + symbol_w:
            row, cx = row + 1, x
        placed.append((cx, row, label, symbol))
        cx += item_w + spacing
    height = (row + 1) * row_h
    if dry_run:
        return height
    sheet.text(x, top - row_h / 2, head, fontsize=size, fontweight="bold", color=INK, va="center")
    for cx, row, label, symbol in placed:
        cy = top - (row + 0.5) * row_h
        symbol = dict(symbol)
        ms = sheet.pt(7) * symbol.pop("ms_scale", 1)
        if symbol:
            if "marker" in symbol:
                line = Line2D([cx + symbol_w * 0.4], [cy], ls="", ms=ms, mec="white", **symbol)
            else:
                line = Line2D([cx, cx + symbol_w * 0.8], [cy, cy], **symbol)
            line.set_transform(sheet.fig.dpi_scale_trans)
            sheet.fig.add_artist(line)
        sheet.text(cx + (symbol_w if symbol else 0), cy, label, fontsize=size, color=INK, va="center")
    return height
