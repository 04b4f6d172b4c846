"""What goes where on the page: the header on top, the notes at the foot, the map with its legend and the key between.

On a landscape page the map takes the left part and the key the right; on a
portrait page the map sits above the key.  This module only divides the page;
each region is drawn by its own module.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from geo.briefing import furniture, notes
from geo.briefing.content import Content
from geo.briefing.key import draw_key
from geo.briefing.mapview import draw_map
from geo.briefing.sheet import Page, Sheet


def draw(content: Content, pg: Page) -> Figure:
    """The whole briefing page for ``content`` as a Figure."""
    sheet = Sheet(pg)
    W, H, m, s = pg.width, pg.height, sheet.margin, sheet.s
    header_bottom = notes.header(sheet, content, H - m)
    footer_top = notes.footer(sheet, content, m, W - 2 * m)
    x, y, w, h = m, footer_top + 0.16 * s, W - 2 * m, header_bottom - footer_top - 0.32 * s
    gap = 0.25 * s
    if pg.landscape:
        map_w = w * 0.58
        legend_h = furniture.legend(sheet, content, x, map_w, y, dry_run=True)
        furniture.legend(sheet, content, x, map_w, y + legend_h)
        listed = draw_key(sheet, content, x + map_w + gap, y, w - map_w - gap, h)
        draw_map(sheet, content, (x, y + legend_h + 0.1 * s, map_w, h - legend_h - 0.1 * s), listed)
    else:
        map_h = h * 0.58
        legend_h = furniture.legend(sheet, content, x, w, y + h - map_h, dry_run=True)
        furniture.legend(sheet, content, x, w, y + h - map_h - 0.1 * s)
        listed = draw_key(sheet, content, x, y, w, h - map_h - legend_h - 0.1 * s - gap)
        draw_map(sheet, content, (x, y + h - map_h, w, map_h), listed)
    return sheet.fig
