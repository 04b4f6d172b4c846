"""The sheet a briefing is drawn on: the page size, its units, the figure and the briefing's own colours.

Positions on the page are in inches from the lower left; font sizes and line
widths are given for a 1920x1080 slide and scale with the page's area.  This
module never decides what goes where (that is ``layout``).
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure

from geo.briefing.text import FONT

A4_LANDSCAPE_IN = (297 / 25.4, 210 / 25.4)
SLIDE_PX = (1920, 1080)
SMALL_PX = (1280, 720)
"""A smaller 16:9 frame, e.g. for an animation sent through a messaging app."""
_REFERENCE_IN = (12.8, 7.2)  # 1920x1080 at 150 dpi: font sizes are for this page and scale with its area

SEA, LAND, BORDER, DISPUTED = "#dce9f2", "#f5f3ee", "#9a9a9a", "#4d4d4d"
INK, MUTED, TOWN = "#1a1a1a", "#555555", "#6b6b6b"


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
    """The page for ``size`` ("a4" landscape, "slide" = 1920x1080 px, "small" = 1280x720 px, or "WIDTHxHEIGHT" px) at ``dpi``.

    Raises ValueError with a message fit for the user for anything else.
    """
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 50 <= dpi <= 600:
        raise ValueError(f"dpi: {dpi!r} must be a whole number from 50 to 600")
    text = str(size).strip().lower()
    if text == "a4":
        return Page(*(round(side * dpi) / dpi for side in A4_LANDSCAPE_IN), dpi)  # whole pixels: 1754x1240 at 150 dpi
    if text in ("slide", "small"):
        pixels = SLIDE_PX if text == "slide" else SMALL_PX
    else:
        match = re.fullmatch(r"(\d{1,5})\s*[x×]\s*(\d{1,5})", text)
        if not match:
            raise ValueError(f"size: {size!r} is not a4, slide, small or WIDTHxHEIGHT in pixels (e.g. 1920x1080)")
        pixels = (int(match[1]), int(match[2]))
        if not all(600 <= p <= 12000 for p in pixels):
            raise ValueError(f"size: {size!r} must be 600 to 12000 pixels on each side")
        if not 0.5 <= pixels[0] / pixels[1] <= 3:
            raise ValueError(f"size: {size!r} is too narrow or too wide (width/height must be 0.5 to 3)")
    return Page(pixels[0] / dpi, pixels[1] / dpi, dpi)


_RC = {
    "font.family": FONT,
    "pdf.fonttype": 42,  # TrueType: the PDF's text layer holds every word
    "svg.fonttype": "none",  # text stays text in SVG
    "svg.hashsalt": "geo-briefing",  # stable element ids
    "text.parse_math": False,  # "$" in a title is a dollar sign, not TeX
    "path.simplify": True,
    "text.hinting": "no_hinting",  # glyphs as wide as measured, so wrapped text stays inside the page at every size
}
_LOCK = threading.RLock()  # rcParams are global: one page is drawn and saved at a time


@contextlib.contextmanager
def drawing() -> Iterator[None]:
    """Draw and save pages inside this: the briefing's matplotlib settings, one thread at a time."""
    with _LOCK, matplotlib.rc_context(_RC):
        yield


class Sheet:
    """A white figure of the page's size, with the units every part of the briefing draws in."""

    def __init__(self, pg: Page):
        self.page = pg
        self.s = pg.scale
        self.fig = Figure(figsize=(pg.width, pg.height), dpi=pg.dpi, facecolor="white")
        self.margin = 0.3 * self.s

    def pt(self, size: float) -> float:
        """A font size or line width in points, scaled with the page."""
        return size * self.s

    def px(self, points: float) -> float:
        """Points as display pixels."""
        return points * self.page.dpi / 72

    def text(self, x_in: float, y_in: float, text: str, **kwargs):
        """Page text at (x, y) inches."""
        return self.fig.text(x_in, y_in, text, transform=self.fig.dpi_scale_trans, parse_math=False, **kwargs)

    def axes(self, x: float, y: float, w: float, h: float):
        """Axes without ticks in the box (x, y, w, h) inches."""
        W, H = self.page.width, self.page.height
        ax = self.fig.add_axes((x / W, y / H, w / W, h / H))
        ax.set_xticks([])
        ax.set_yticks([])
        return ax
