"""How events look everywhere: the colours of categories and of context events.

The web map, the briefing image and the app all use these, so an event looks
the same in each (what they say is ``geo.wording``).  This module never draws
anything itself.
"""

from __future__ import annotations

import math

from geo.schema import EVENT_TYPES

PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
    "#17becf", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd",
)  # fmt: skip
"""Colour-blind-aware categorical colours (Tableau 10 order, then darker tones)."""

EXTRA_COLOURS = ("#aec7e8", "#ff9896", "#98df8a", "#c5b0d5", "#ffbb78", "#c49c94", "#f7b6d2", "#9edae5", "#dbdb8d", "#6b6ecf")
"""Lighter tones for categories outside the known list."""

OTHER_COLOUR = "#7f7f7f"
CONTEXT_OPACITY = 0.45
"""Context (background) events are drawn fainter than reported incidents."""



def category_colours(categories: list[str], known: tuple[str, ...] = EVENT_TYPES) -> dict[str, str]:
    """A colour for each category: known ones keep their own slot, others take the free colours in sorted order.

    No two categories share a colour until more than ``len(PALETTE) + len(EXTRA_COLOURS)`` are shown.
    """
    present = set(categories)
    colours = {c: OTHER_COLOUR if c == "other" else PALETTE[known.index(c) % len(PALETTE)] for c in known if c in present}
    free = [*PALETTE[len(known):], *EXTRA_COLOURS]
    for index, category in enumerate(sorted(present - set(known))):
        colours[category] = free[index % len(free)]
    return colours


SHADES = ("#fde9d9", "#f9bfa0", "#f08a68", "#d9533e", "#a9231f")
"""Sequential shades for counts per area (the web map's and the briefing's shaded areas), lightest first."""


def count_classes(top: int) -> list[tuple[int, int]]:
    """At most ``len(SHADES)`` classes ``(low, high)`` covering the counts 1..``top``, with round bounds (1–10, 11–20…)."""
    if top <= len(SHADES):
        return [(k, k) for k in range(1, top + 1)]
    step = 10 ** math.floor(math.log10(top / len(SHADES)))
    size = next(s * step for s in (1, 2, 5, 10) if top / (s * step) <= len(SHADES))
    return [(low, min(top, size if low == 1 else low + size - 1)) for low in range(1, top + 1, size)]
