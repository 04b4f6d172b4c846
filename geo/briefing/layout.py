"""What goes where on the page: the header on top, the notes at the foot, the map with its legend and the key between.

On a landscape page the map takes the left part and the key a column on the
right, as narrow as lets every entry show in full (so a short key leaves the
map more room, and the locator goes under it); on a portrait page the map sits
above the key and takes the height the key leaves.  The header, legend and notes
take the height their text needs.  This module only divides the page; each
region is drawn by its own module.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.text import Text

from geo.briefing import furniture, key, notes
from geo.briefing.content import Content
from geo.briefing.mapview import Box, Drawn, draw_map
from geo.briefing.sheet import Page, Sheet

KEY_SHARES = (0.3, 0.34, 0.38, 0.42)
"""Widths to try for the key's column on a landscape page, as shares of the page's inner width."""
LOCATOR_ASPECT = 0.7
"""Height to width of a locator under the key."""
LOCATOR_LEAST_IN, LOCATOR_MOST_IN = 1.2, 2.4
"""The least and most height of a locator under the key, in inches on a 1920x1080 slide."""
MAP_LEAST_SHARE = 0.45
"""The least of the height between header and notes the map takes on a portrait page (it takes all the key leaves)."""


@dataclass
class Drawing:
    """The drawn page, with handles an animation needs: the caption line, and what each event drew on the map and in the key."""

    fig: Figure
    caption: Text | None
    map: Drawn
    key: dict[int, list]


def draw(content: Content, pg: Page, note: str | None = None) -> Drawing:
    """The whole briefing page for ``content``; ``note`` (for an animation) adds a caption line and a sentence to the subtitle."""
    sheet = Sheet(pg)
    W, H, m, s = pg.width, pg.height, sheet.margin, sheet.s
    header_bottom, caption = notes.header(sheet, content, H - m, note)
    footer_top = notes.footer(sheet, content, m, W - 2 * m)
    x, y, w, h = m, footer_top + 0.16 * s, W - 2 * m, header_bottom - footer_top - 0.32 * s
    gap = 0.25 * s
    if pg.landscape:
        side = next((share * w for share in KEY_SHARES if key.fits_in_full(sheet, content, share * w - gap, h)), KEY_SHARES[-1] * w)
        map_w, key_x, key_w = w - side, x + w - side + gap, side - gap
        legend_h = furniture.legend(sheet, content, x, map_w, y, dry_run=True)
        furniture.legend(sheet, content, x, map_w, y + legend_h)
        fitted = key.fit(sheet, content, key_w, h)
        listed = key.draw_key(sheet, content, key_x, y + h, key_w, fitted)
        locator = _locator_under_key(sheet, (key_x, y, key_w, h - fitted.height))
        drawn = draw_map(sheet, content, (x, y + legend_h + 0.1 * s, map_w, h - legend_h - 0.1 * s), len(listed), locator)
    else:
        legend_h = furniture.legend(sheet, content, x, w, y, dry_run=True)
        above_key = legend_h + 0.1 * s + gap
        fitted = key.fit(sheet, content, w, h - MAP_LEAST_SHARE * h - above_key)
        map_h = h - fitted.height - above_key
        furniture.legend(sheet, content, x, w, y + h - map_h - 0.1 * s)
        listed = key.draw_key(sheet, content, x, y + h - map_h - above_key, w, fitted)
        drawn = draw_map(sheet, content, (x, y + h - map_h, w, map_h), len(listed))
    return Drawing(sheet.fig, caption, drawn, listed)


def _locator_under_key(sheet: Sheet, free: Box) -> Box | None:
    """A box for the locator at the foot of the ``free`` part of the key's column, when it is tall enough; else None."""
    x, y, w, h = free
    height = min(h - 0.2 * sheet.s, w * LOCATOR_ASPECT, LOCATOR_MOST_IN * sheet.s)
    if height < LOCATOR_LEAST_IN * sheet.s:
        return None
    return x, y, height / LOCATOR_ASPECT, height
