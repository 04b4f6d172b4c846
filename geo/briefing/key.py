"""The key: each numbered event's title, date, actors and sources, in date order, fitted to its column.

The key tries full entries at falling font sizes, then one-line entries; what still
does not fit is counted in a note (those events get unnumbered dots on the map).
This module never draws the map.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.patches import Circle

from geo.briefing.content import Content, KeyEntry, badge_text
from geo.briefing.sheet import INK, MUTED, Sheet
from geo.briefing.text import clip_lines, shorten, wrap
from geo.wording import NO_EVENTS, plural

HEADING = "Key: events on the map, in date order"
NOTE_PT = 7.0


def _entry_lines(entry: KeyEntry, width_pt: float, size: float, compact: bool) -> list[tuple[str, bool, str]]:
    """(line, bold, colour) for one key entry: title, date and actors, sources."""
    if compact:
        text = clip_lines(wrap(f"{entry.title} ({entry.date})", width_pt, size), 1, width_pt, size)[0]
        return [(text, False, INK)]
    lines = [(line, True, INK) for line in wrap(entry.title, width_pt, size, bold=True)]
    names = ", ".join(entry.actors[:4]) + (f" and {len(entry.actors) - 4} more" if len(entry.actors) > 4 else "")
    when = entry.date + (f", {shorten(entry.place, 60)}" if entry.place else "") + (f"; actors: {names}" if names else "")
    lines += [(line, False, INK) for line in clip_lines(wrap(when, width_pt, size), 2, width_pt, size)]
    sources = "; ".join(shorten(s, 140) for s in entry.sources)
    lines += [(line, False, MUTED) for line in wrap(f"Source: {sources}", width_pt, size)]
    return lines


def _blocks(sheet: Sheet, content: Content, w: float, avail: float, size: float, compact: bool) -> tuple[list, float]:
    """The line blocks of as many entries as fit in ``avail`` inches at ``size``, and the height they take."""
    badge = size * 1.75 / 72
    width_pt = (w - badge - 0.08 * sheet.s) * 72
    step, gap = size * 1.27 / 72, (0.25 if compact else 0.6) * size / 72
    used, blocks = 0.0, []
    for entry in content.entries:
        lines = _entry_lines(entry, width_pt, size, compact)
        height = max(len(lines) * step, badge) + gap
        if used + height > avail:
            break
        used += height
        blocks.append(lines)
    return blocks, used


def _heading_height(sheet: Sheet) -> float:
    return sheet.pt(10) * 1.7 / 72


SIZES = ((False, 8.0), (False, 7.5), (False, 7.0), (False, 6.5), (True, 7.0), (True, 6.5), (True, 6.0))
"""(one line per entry, font size) to try in turn until every entry fits."""


@dataclass(frozen=True)
class Fit:
    """How the key fills its column: font size, one line per entry or full, the entries' lines, and the height it takes."""

    size: float
    compact: bool
    blocks: list
    height: float


def fit(sheet: Sheet, content: Content, w: float, avail: float) -> Fit:
    """The largest key that fits a column ``w`` x ``avail`` inches: every entry in full if it can, else one line each,
    else as many entries as fit and a note counting the rest."""
    head = _heading_height(sheet)
    if not content.entries:
        return Fit(sheet.pt(8), False, [], head + sheet.pt(8) * 1.3 / 72)
    for compact, size in SIZES:
        blocks, used = _blocks(sheet, content, w, avail - head, sheet.pt(size), compact)
        if len(blocks) == len(content.entries):
            return Fit(sheet.pt(size), compact, blocks, head + used)
    note = 3 * sheet.pt(NOTE_PT) / 72
    blocks, used = _blocks(sheet, content, w, avail - head - note, sheet.pt(size), compact)
    return Fit(sheet.pt(size), compact, blocks, head + used + note)


def fits_in_full(sheet: Sheet, content: Content, w: float, h: float) -> bool:
    """Whether every entry fits in full, at the largest size, in a column ``w`` x ``h`` inches."""
    compact, size = SIZES[0]
    blocks, _ = _blocks(sheet, content, w, h - _heading_height(sheet), sheet.pt(size), compact)
    return len(blocks) == len(content.entries)


def draw_key(sheet: Sheet, content: Content, x: float, top: float, w: float, fitted: Fit) -> dict[int, list]:
    """Draw the key ``fitted`` to its column from ``top`` (inches) down; returns the artists of each entry it lists, by number.

    Entries that did not fit are counted in a note (they get unnumbered dots on the map).
    """
    sheet.text(x, top, HEADING, fontsize=sheet.pt(10), fontweight="bold", color=INK, va="top")
    cursor = top - _heading_height(sheet)
    entries = content.entries
    if not entries:
        empty = "No event in this selection has a map point." if len(content.events) else f"{NO_EVENTS}."
        sheet.text(x, cursor, empty, fontsize=sheet.pt(8), color=MUTED, va="top")
        return {}
    size, compact = fitted.size, fitted.compact
    badge = size * 1.75 / 72
    step, gap = size * 1.27 / 72, (0.25 if compact else 0.6) * size / 72
    artists: dict[int, list] = {}
    for entry, lines in zip(entries, fitted.blocks, strict=False):
        cx, cy = x + badge / 2, cursor - badge / 2
        circle = Circle((cx, cy), badge / 2, transform=sheet.fig.dpi_scale_trans, fc=content.colour(entry), ec="none")
        number = sheet.text(cx, cy, str(entry.number), **badge_text(entry, size * (0.85 if entry.number < 100 else 0.62)))
        drawn = [sheet.fig.add_artist(circle), number]
        for i, (line, bold, colour) in enumerate(lines):
            weight = "bold" if bold else "normal"
            text_x, text_y = x + badge + 0.08 * sheet.s, cursor - i * step
            drawn.append(sheet.text(text_x, text_y, line, fontsize=size, fontweight=weight, color=colour, va="top"))
        artists[entry.number] = drawn
        cursor -= max(len(lines) * step, badge) + gap
    if len(fitted.blocks) < len(entries):
        rest = len(entries) - len(fitted.blocks)
        note = f"… and {plural(rest, 'more event')} on the map, drawn as small dots without numbers (too many to list here)."
        note_size = sheet.pt(NOTE_PT)
        sheet.text(x, cursor, "\n".join(wrap(note, w * 72, note_size)), fontsize=note_size, color=MUTED, va="top")
    return artists
