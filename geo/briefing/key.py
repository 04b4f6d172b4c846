"""The key: each numbered event's title, date, actors and sources, in date order, fitted to its column.

The key tries full entries at falling font sizes, then one-line entries; what still
does not fit is counted in a note (those events get unnumbered dots on the map).
This module never draws the map.
"""

from __future__ import annotations

from matplotlib.patches import Circle

from geo.briefing.content import Content, KeyEntry, badge_text
from geo.briefing.sheet import INK, MUTED, Sheet
from geo.briefing.text import clip_lines, shorten, wrap
from geo.wording import NO_EVENTS

HEADING = "Key: events on the map, in date order"


def _entry_lines(entry: KeyEntry, width_pt: float, size: float, compact: bool) -> list[tuple[str, bool, str]]:
    """(line, bold, colour) for one key entry: title, date and actors, sources."""
    if compact:
        text = clip_lines(wrap(f"{entry.title} ({entry.date})", width_pt, size), 1, width_pt, size)[0]
        return [(text, False, INK)]
    lines = [(line, True, INK) for line in wrap(entry.title, width_pt, size, bold=True)]
    names = ", ".join(entry.actors[:4]) + (f" and {len(entry.actors) - 4} more" if len(entry.actors) > 4 else "")
    when = f"{entry.date}" + (f"; actors: {names}" if names else "")
    lines += [(line, False, INK) for line in clip_lines(wrap(when, width_pt, size), 2, width_pt, size)]
    sources = "; ".join(shorten(s, 140) for s in entry.sources)
    lines += [(line, False, MUTED) for line in wrap(f"Source: {sources}", width_pt, size)]
    return lines


def _fit(sheet: Sheet, content: Content, w: float, avail: float, size: float, compact: bool) -> list[list[tuple[str, bool, str]]]:
    """The line blocks of as many entries as fit in ``avail`` inches at ``size``."""
    badge = size * 1.75 / 72
    width_pt = (w - badge - 0.08 * sheet.s) * 72
    step, gap = size * 1.27 / 72, (0.25 if compact else 0.6) * size / 72
    used, blocks = 0.0, []
    for entry in content.entries:
        lines = _entry_lines(entry, width_pt, size, compact)
        used += max(len(lines) * step, badge) + gap
        if used > avail:
            break
        blocks.append(lines)
    return blocks


def draw_key(sheet: Sheet, content: Content, x: float, y: float, w: float, h: float) -> int:
    """Draw the key in the box (inches); returns how many entries it lists (the rest get unnumbered dots)."""
    head = sheet.pt(10)
    sheet.text(x, y + h, HEADING, fontsize=head, fontweight="bold", color=INK, va="top")
    top = y + h - head * 1.7 / 72
    entries = content.entries
    if not entries:
        empty = "No event in this selection has a map point." if len(content.events) else f"{NO_EVENTS}."
        sheet.text(x, top, empty, fontsize=sheet.pt(8), color=MUTED, va="top")
        return 0
    note_size = sheet.pt(7)
    for compact, size in ((False, 8.0), (False, 7.5), (False, 7.0), (False, 6.5), (True, 7.0), (True, 6.5), (True, 6.0)):
        size = sheet.pt(size)
        blocks = _fit(sheet, content, w, top - y, size, compact)
        if len(blocks) == len(entries):
            break
    else:
        blocks = _fit(sheet, content, w, top - y - 3 * note_size / 72, size, compact)
    badge = size * 1.75 / 72
    step, gap = size * 1.27 / 72, (0.25 if compact else 0.6) * size / 72
    cursor = top
    for entry, lines in zip(entries, blocks, strict=False):
        cx, cy = x + badge / 2, cursor - badge / 2
        sheet.fig.add_artist(Circle((cx, cy), badge / 2, transform=sheet.fig.dpi_scale_trans, fc=content.colour(entry), ec="none"))
        sheet.text(cx, cy, str(entry.number), **badge_text(entry, size * (0.85 if entry.number < 100 else 0.62)))
        for i, (line, bold, colour) in enumerate(lines):
            weight = "bold" if bold else "normal"
            sheet.text(x + badge + 0.08 * sheet.s, cursor - i * step, line, fontsize=size, fontweight=weight, color=colour, va="top")
        cursor -= max(len(lines) * step, badge) + gap
    if len(blocks) < len(entries):
        rest = len(entries) - len(blocks)
        note = f"… and {rest} more events on the map, drawn as small dots without numbers (too many to list here)."
        sheet.text(x, cursor, "\n".join(wrap(note, w * 72, note_size)), fontsize=note_size, color=MUTED, va="top")
    return len(blocks)
