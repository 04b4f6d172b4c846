"""How events look and read everywhere: colours, and plain-text labels for dates, places and actors.

The web map, the briefing image and the app all use these, so an event reads
the same in each.  Labels are plain text: escaping is the job of whatever
shows them.  This module never draws anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

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

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


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


def _period_text(value: str) -> str:
    parts = value.split("-")
    if len(parts) == 1:
        return parts[0]
    month = _MONTHS[int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    return f"{int(parts[2])} {month} {parts[0]}"


def date_label(record: Mapping) -> str:
    """The date as people read it, with its precision: "January 2026 (month)", "date unknown"."""
    precision = record.get("date_precision") or "unknown"
    start = record.get("date_start") or ""
    if precision == "unknown" or not start:
        return "date unknown"
    text = _period_text(start)
    if record.get("date_end") and record["date_end"] != start:
        text = f"{text} – {_period_text(record['date_end'])}"
    if precision == "approximate":
        return f"around {text} (approximate)"
    return f"{text} ({precision})"


def date_sort_key(record: Mapping) -> str:
    """A key that sorts events by start date, undated last."""
    return record.get("date_start") or "9999"


def place_label(record: Mapping) -> str:
    """The resolved place with its precision: "Dadyal, Pakistan-administered Kashmir (…), Pakistan (town)"."""
    from geo.names import country_name

    country = record.get("country") or ""
    parts = [record.get("place_name") or "", record.get("admin1") or "", country_name(country) if country else ""]
    text = ", ".join(dict.fromkeys(p for p in parts if p))
    precision = record.get("location_precision") or "unknown"
    if precision == "unknown":
        return f"{text} (no map point)" if text else "place unknown (not mapped)"
    return f"{text} ({precision})"


def actor_label(actor: Mapping) -> str:
    """ "Name (role)" or just the name."""
    return f"{actor['name']} ({actor['role']})" if actor.get("role") else actor["name"]


def fatalities_label(record: Mapping) -> str:
    """Fatalities as reported, e.g. "around 30 (as reported)", or "" when none are given."""
    number = record.get("fatalities")
    if number is None:
        return ""
    qualifier = record.get("fatalities_qualifier") or ""
    return f"{qualifier} {number} (as reported)".strip()


def source_label(source: Mapping) -> str:
    """Publisher, author and title of a source, whichever are known, else its kind."""
    parts = [source.get("publisher"), source.get("author"), source.get("title")]
    return ", ".join(p for p in parts if p) or source.get("kind") or "source"


def made_on_label(day: date) -> str:
    """The "made on" date shown on exports."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
