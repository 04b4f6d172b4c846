"""Measuring and wrapping the briefing's text, in points, as DejaVu Sans draws it.

Pure functions over strings and font sizes: they never draw anything.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from matplotlib.font_manager import FontProperties, fontManager, get_font
from matplotlib.ft2font import LoadFlags

FONT = "DejaVu Sans"

_WORDS = re.compile(r"[^ \t\n\r]+")  # a no-break space (U+00A0) keeps words together


@functools.lru_cache(maxsize=16384)
def width_pt(text: str, size: float, bold: bool = False) -> float:
    """The width of one line of text in points: the sum of its characters' advances.

    Kerning only ever narrows a line, so text measured this way never runs over;
    measuring by character is what keeps measuring fast for thousands of lines.
    """
    return size * sum(_advance(ch, bold) for ch in text)


@functools.cache
def _advance(ch: str, bold: bool) -> float:
    """How far one character moves the pen, in points per point of font size."""
    font = _font(bold)
    return font.load_char(ord(ch), flags=LoadFlags.NO_HINTING).linearHoriAdvance / 65536 / _REFERENCE_PT


_REFERENCE_PT = 100


@functools.cache
def _font(bold: bool):
    font = get_font(fontManager.findfont(FontProperties(family=FONT, weight="bold" if bold else "normal")))
    font.set_size(_REFERENCE_PT, 72)
    return font


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to ``width`` points (less a little for hinting); a word longer than a line is cut.

    Words are split at spaces, tabs and line breaks only, so a no-break space keeps its words on one line.
    """
    width *= 0.97
    lines: list[str] = []
    line = ""
    for word in _WORDS.findall(text):
        candidate = f"{line} {word}" if line else word
        if width_pt(candidate, size, bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while width_pt(word, size, bold) > width and len(word) > 1:
            cut = max(1, int(len(word) * width / width_pt(word, size, bold)) - 1)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines or [""]


def clip_lines(lines: list[str], max_lines: int, width: float, size: float) -> list[str]:
    """At most ``max_lines`` lines, the last ending in an ellipsis when text was cut."""
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and width_pt(last + " …", size) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    return [*lines[: max_lines - 1], last + " …"]


def listing(prefix: str, items: Sequence[str], width: float, size: float, max_lines: int) -> list[str]:
    """``prefix`` and as many of ``items`` (joined by "; ") as fit in ``max_lines``, then "… and N more"."""

    def text(shown: int) -> str:
        rest = len(items) - shown
        more = (f"; … and {rest} more" if shown else f"{rest} (too many to list)") if rest else ""
        return prefix + "; ".join(shorten(i, 90) for i in items[:shown]) + more

    shown = 0
    while shown < len(items) and len(wrap(text(shown + 1), width, size)) <= max_lines:
        shown += 1
    return wrap(text(shown), width, size)[:max_lines]


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word to at most ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
