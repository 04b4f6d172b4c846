"""The text around the map: the title and what the page shows above, the filter, unmapped events and credits below.

This module never draws the map or the key.
"""

from __future__ import annotations

from matplotlib.lines import Line2D
from matplotlib.text import Text

from geo import wording
from geo.briefing.content import Content, attribution
from geo.briefing.sheet import INK, MUTED, Sheet
from geo.briefing.text import clip_lines, listing, wrap
from geo.names import GEONAMES_CREDIT, NATURAL_EARTH_CREDIT

BASEMAP_CREDIT = f"Basemap: {NATURAL_EARTH_CREDIT}"
BOUNDARY_NOTE = "boundaries show de facto control and imply no position on disputed claims"
CAVEAT = "Events and claims are as reported by the sources named: attributed, not verified here."
CAPTION_PT = 12.5
"""Font size of an animation frame's caption line (its period and counts)."""


def header(sheet: Sheet, content: Content, top: float, note: str | None = None) -> tuple[float, Text | None]:
    """Title, an animation's caption line (when ``note`` is given, added to the subtitle) and the subtitle, from ``top`` down.

    Returns the header's bottom (inches) and the caption's (empty) Text, for the frames to fill.
    """
    m, width_pt = sheet.margin, (sheet.page.width - 2 * sheet.margin) * 72
    for size in (sheet.pt(18), sheet.pt(15), sheet.pt(13)):
        lines = wrap(content.title, width_pt, size, bold=True)
        if len(lines) <= 2:
            break
    lines = clip_lines(lines, 2, width_pt, size)
    sheet.text(m, top, "\n".join(lines), fontsize=size, fontweight="bold", color=INK, va="top", linespacing=1.15)
    y = top - len(lines) * size * 1.22 / 72 - 0.06 * sheet.s
    caption = None
    if note is not None:
        size = sheet.pt(CAPTION_PT)
        caption = sheet.text(m, y, "", fontsize=size, fontweight="bold", color=INK, va="top")
        y -= size * 1.4 / 72
    mapped, total = len(content.entries), len(content.events)
    if total:
        unmapped = f"; {total - mapped:,} with no known place listed under the map" if total > mapped else ""
        counts = f"{wording.shown_of_total(mapped, total)} on the map, numbered in date order{unmapped}. "
    else:
        counts = f"{wording.NO_EVENTS}. "
    sub = counts + (f"{note} " if note else "") + CAVEAT
    size = sheet.pt(8.5)
    lines = wrap(sub, width_pt, size)
    sheet.text(m, y, "\n".join(lines), fontsize=size, color=MUTED, va="top", linespacing=1.25)
    return y - len(lines) * size * 1.3 / 72, caption


def footer(sheet: Sheet, content: Content, bottom: float, width_in: float) -> float:
    """Filter line, unmapped events, attribution and date from ``bottom`` (inches) up; returns the footer's top."""
    size, width_pt = sheet.pt(7.5), width_in * 72
    describe = content.flt.describe()
    if content.undated_excluded:
        describe += f"; {wording.undated_left_out(content.undated_excluded)}"
    if content.unmapped:
        prefix = f"Not on the map (no known place), {wording.plural(len(content.unmapped), 'event')}: "
        unmapped = listing(prefix, content.unmapped, width_pt, size, 3)
    elif len(content.events):
        unmapped = ["Not on the map: none (every matching event has a map point)."]
    else:
        unmapped = ["Not on the map: none."]
    credits = attribution(content.events)
    if credits:
        sources = listing("Sources: ", credits, width_pt * 0.8, size, 1)[0]
    else:
        sources = "Sources: as named in the key" if len(content.events) else "Sources: none (no events)"
    made = f"Made on {wording.made_on_label(content.made_on)}.".replace(" ", "\u00a0")
    blocks = [
        (wrap(describe, width_pt, size), INK),
        (unmapped, INK),
        (wrap(f"{sources}. {BASEMAP_CREDIT}; {GEONAMES_CREDIT}; {BOUNDARY_NOTE}. {made}", width_pt, size), MUTED),
    ]
    lines = [(line, colour) for block, colour in blocks for line in block]
    step = size * 1.32 / 72
    for i, (line, colour) in enumerate(reversed(lines)):
        sheet.text(sheet.margin, bottom + i * step, line, fontsize=size, color=colour, va="bottom")
    rule_y = bottom + len(lines) * step + 0.05 * sheet.s
    rule = Line2D([sheet.margin, sheet.margin + width_in], [rule_y, rule_y], transform=sheet.fig.dpi_scale_trans, color="#bbbbbb", lw=0.6)
    sheet.fig.add_artist(rule)
    return rule_y
