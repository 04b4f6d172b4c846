"""What every output says: counts with their plurals, dates, places, actors, sources, credits.

The web map, the briefing image, the app and the command line all take their
phrases from here, so an event and a count read the same in each ("1 of 15
events; 5 undated left out").  Everything is plain text: escaping is the job of
whatever shows it.  This module never draws or prints anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

NO_EVENTS = "No events match this filter"
"""Said wherever a filter leaves nothing to show."""

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 event", "2 events", "1,500 events"; ``plural_form`` for irregular words ("1 country", "2 countries")."""
    word = singular if count == 1 else plural_form or f"{singular}s"
    return f"{count:,} {word}"


def shown_of_total(shown: int, total: int, *, unmapped: int = 0, context: int = 0, undated_excluded: int = 0) -> str:
    """ "12 of 240 events; 2 unmapped, 1 context, 1 undated left out" (the parts after ";" only when not zero)."""
    parts = [f"{unmapped:,} unmapped" if unmapped else "", f"{context:,} context" if context else "",
             f"{undated_excluded:,} undated left out" if undated_excluded else ""]
    detail = ", ".join(p for p in parts if p)
    return f"{shown:,} of {plural(total, 'event')}" + (f"; {detail}" if detail else "")


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
    return day_label(day)


def day_label(day: date) -> str:
    """One day as people read it: "5 January 2026"."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def day_span_label(first: date, last: date) -> str:
    """A run of days, saying each month and year once: "1–31 January 2026", "29 December 2025 – 4 January 2026"."""
    if first == last:
        return day_label(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{day_label(last)}"
    if first.year == last.year:
        return f"{first.day} {_MONTHS[first.month - 1]} – {day_label(last)}"
    return f"{day_label(first)} – {day_label(last)}"


def undated_left_out(count: int) -> str:
    """ "2 undated events left out by the date filter"."""
    return f"{plural(count, 'undated event')} left out by the date filter"


def none_mapped(count: int) -> str:
    """What a map says when none of ``count`` (at least 1) matching events has a place to draw."""
    if count == 1:
        return "The only matching event has no known place to map; it is listed under the map"
    return f"None of the {count:,} matching events has a known place to map; they are listed under the map"
