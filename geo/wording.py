"""What every output says: counts with their plurals, dates, places, actors, sources, credits.

The web map, the briefing image, the app and the command line all take their
phrases from here, so an event and a count read the same in each ("1 of 15
events; 5 undated left out").  Everything is plain text: escaping is the job of
whatever shows it.  This module never draws or prints anything itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from geo.schema import is_http_url

NO_EVENTS = "No events match this filter"
"""Said wherever a filter leaves nothing to show."""

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 event", "2 events", "1,500 events"; ``plural_form`` for irregular words ("1 country", "2 countries")."""
    return f"{count:,} {noun(count, singular, plural_form)}"


def noun(count: int, singular: str, plural_form: str | None = None) -> str:
    """The word alone, as ``count`` wants it: "column" for 1, "columns" otherwise (for "missing columns id, title")."""
    return singular if count == 1 else plural_form or f"{singular}s"


def shown_of_total(shown: int, total: int, *, unmapped: int = 0, context: int = 0, undated_excluded: int = 0,
                   unmapped_excluded: int = 0) -> str:
    """ "12 of 240 events; 2 unmapped, 1 context, 1 undated left out, 3 with no map point left out" (the parts after ";"
    only when not zero)."""
    parts = [f"{unmapped:,} unmapped" if unmapped else "", f"{context:,} context" if context else "",
             f"{undated_excluded:,} undated left out" if undated_excluded else "",
             f"{unmapped_excluded:,} with no map point left out" if unmapped_excluded else ""]
    detail = ", ".join(p for p in parts if p)
    return f"{shown:,} of {plural(total, 'event')}" + (f"; {detail}" if detail else "")


PHRASES: dict[str, tuple[str, str]] = {
    "counts": ("{n} event: {mapped} mapped, {unmapped} unmapped", "{n} events: {mapped} mapped, {unmapped} unmapped"),
    "undated_left_out": ("{n} undated event left out by the date filter", "{n} undated events left out by the date filter"),
    "unmapped_left_out": ("{n} event with no map point left out by the place filter",
                          "{n} events with no map point left out by the place filter"),
    "area_shades": ("Shade: events per first-level area (province, state), by map point; {n} event counted",
                    "Shade: events per first-level area (province, state), by map point; {n} events counted"),
    "at_spot": ("{n} event at this spot", "{n} events at this spot"),
    "events_here": ("{n} event", "{n} events"),
    "back_to_spot": ("\u2190 the event here", "\u2190 all {n} events here"),
    "unreadable": ("The source card could not be read:", "The source cards could not be read:"),
    "more_at_spot": ("and {n} more here: click to list them", "and {n} more here: click to list them"),
    "more_than_listed": ("and {n} more here: zoom in, or narrow the filter (dates, type, actor) to list it.",
                         "and {n} more here: zoom in, or narrow the filter (dates, type, actor) to list them."),
    "not_on_map": ("Not on the map ({n})", "Not on the map ({n})"),
    "unmapped_note": ("This event has no place precise enough for a map point. Open it for its sources.",
                      "These events have no place precise enough for a map point. Open one for its sources."),
    "all_mapped": ("The event shown has a map point.", "Every event shown has a map point."),
    "none_mapped": ("The event shown has no map point: see the list of events not on the map.",
                    "None of the {n} events shown has a map point: see the list of events not on the map."),
    "no_events": ("No events match this filter.", "No events match this filter."),
    "show_more": ("show {n} more", "show {n} more"),
    "sources": ("Source", "Sources ({n})"),
    "excerpts": ("{n} excerpt", "{n} excerpts"),
    "legend_context": ("faded, dashed: context event", "faded, dashed: context event"),
    "legend_stack": ("number: events at one spot", "number: events at one spot"),
    "legend_disputed": ("dashed: de facto or disputed boundary", "dashed: de facto or disputed boundary"),
    "context_badge": ("context event (background)", "context event (background)"),
    "period_counts": ("{period}: {shown} of {n} event", "{period}: {shown} of {n} events"),
    "and_before": ("{period} and before", "{period} and before"),
    "undated_in_time": ("{n} undated event left out", "{n} undated events left out"),
}
"""Phrases the web page composes itself (it counts what it shows), as (one, many) with ``{n}`` for the number.

The page gets this table, so Python and the browser say the same thing from one copy."""


def phrase(key: str, n: int, **values: object) -> str:
    """``PHRASES[key]`` for ``n`` things, with ``{n}`` and other numbers written with thousands separators."""
    one, many = PHRASES[key]
    numbers = {name: f"{value:,}" if isinstance(value, int) else value for name, value in values.items()}
    return (one if n == 1 else many).format(n=f"{n:,}", **numbers)


def map_counts(count: int, mapped: int, undated_excluded: int = 0, dated_filter: bool = False, unmapped_excluded: int = 0) -> str:
    """ "15 events: 8 mapped, 7 unmapped", plus the undated events a date filter left out and the events with no map
    point a place filter left out."""
    text = phrase("counts", count, mapped=mapped, unmapped=count - mapped)
    if undated_excluded or dated_filter:
        text += "; " + undated_left_out(undated_excluded)
    if unmapped_excluded:
        text += "; " + phrase("unmapped_left_out", unmapped_excluded)
    return text


def attribution(cited: Mapping[str, int], events: int, basemap_credits: list[str], made_on: date, most: int = 5) -> str:
    """ "Events: <publishers or authors, most often cited first>; basemap: <credits>; made on <date>", for ``events``
    events whose sources cite these names (name -> sources, in the order first cited)."""
    cited = Counter(cited)
    names = [name for name, _ in cited.most_common(most)]
    if len(cited) > most:
        names.append(f"and {len(cited) - most:,} more")
    if names:
        named = ", ".join(names) + " (as cited on each event)"
    else:
        named = "unnamed sources (see each event)" if events else "none"
    return f"Events: {named}; basemap: {'; '.join(basemap_credits)}; made on {made_on_label(made_on)}"


def undated_left_out(count: int) -> str:
    """ "1 undated event left out by the date filter", "5 undated events left out by the date filter"."""
    return phrase("undated_left_out", count)


def undated_note(count: int) -> str:
    """For a view without a date filter: "1 event has no known date; a date range leaves it out"."""
    has, it = ("has", "it") if count == 1 else ("have", "them")
    return f"{plural(count, 'event')} {has} no known date; a date range leaves {it} out"


COARSE_DATES = {"month": "dated only to the month", "year": "dated only to the year", "approximate": "dated approximately"}
"""How an event whose date is not known to the day is described, by date precision."""


def coarse_dates_note(counts: Mapping[str, int]) -> str:
    """ "2 events dated only to the month, 1 dated only to the year: a date range keeps an event when its period overlaps it"
    (``counts``: date precision -> number of events; "" when none is coarse)."""
    parts = [(counts[p], words) for p, words in COARSE_DATES.items() if counts.get(p)]
    if not parts:
        return ""
    first = f"{plural(parts[0][0], 'event')} {parts[0][1]}"
    rest = [f"{count:,} {words}" for count, words in parts[1:]]
    return ", ".join([first, *rest]) + ": a date range keeps an event when its period overlaps the range"


def no_such_choice(key: str, value: str, suggestions: tuple[str, ...] = (), known: int = 0) -> str:
    """A chosen actor, type or country no event has: "No event has actor “Nobdy”; the closest known: “Nobody”"
    (``known``: how many values of ``key`` the events have, named when none is close)."""
    if suggestions:
        return f"No event has {key} “{value}”; the closest known: " + ", ".join(f"“{s}”" for s in suggestions) + "."
    if known:
        kinds = plural(known, key, "countries" if key == "country" else None)
        return f"No event has {key} “{value}”, and none of the {kinds} the events have is close."
    return f"No event has {key} “{value}”: there are no events."


def no_choice_with_others(key: str, value: str) -> str:
    """A chosen value some events have, but none under the rest of the filter."""
    return f"No events for {key} “{value}” with the other filters."


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


CONTEXT_NOTICE = "Context event (background, not a reported incident of this map)"


@dataclass(frozen=True)
class CardSource:
    """One source on a card: who and when (``head``), its link (http(s) only, else ""), its verbatim excerpt."""

    head: str
    url: str
    excerpt: str


@dataclass(frozen=True)
class Card:
    """An event's full provenance as plain text, for any view to escape and lay out.

    ``fields`` are (label, value) in reading order; a tuple value is a list (the actors).
    """

    title: str
    notice: str
    fields: tuple[tuple[str, str | tuple[str, ...]], ...]
    sources_heading: str
    sources: tuple[CardSource, ...]


def source_card(record: Mapping) -> Card:
    """What an event's source card says: what, when, where, who, the claim and every source with its excerpt."""
    date_text = date_label(record) + (f" — {record['date_note']}" if record.get("date_note") else "")
    place = place_label(record)
    if record.get("place_reported"):
        place += f"; reported as “{record['place_reported']}”"
    if record.get("location_note"):
        place += f" — {record['location_note']}"
    fields: list[tuple[str, str | tuple[str, ...]]] = [("Type", record["event_type"]), ("Date", date_text), ("Place", place)]
    if record.get("actors"):
        fields.append(("Actors", tuple(actor_label(a) for a in record["actors"])))
    if record.get("description"):
        fields.append(("Description", record["description"]))
    if fatalities_label(record):
        fields.append(("Fatalities", fatalities_label(record)))
    fields += [("Claim", record["claim"]), ("Verification", record["verification"])]
    sources = record.get("sources") or []
    labels = {s["id"]: source_label(s) for s in sources if s.get("id")}
    return Card(
        title=record["title"],
        notice=CONTEXT_NOTICE if record.get("context") else "",
        fields=tuple(fields),
        sources_heading=phrase("sources", len(sources)),
        sources=tuple(_card_source(s, labels) for s in sources),
    )


def _card_source(source: Mapping, labels: Mapping[str, str]) -> CardSource:
    head = source_label(source)
    if source.get("date"):
        head += f" ({source['date']})"
    if source.get("cited_by"):
        head += f", as cited by {labels.get(source['cited_by'], source['cited_by'])}"
    url = source.get("url") or ""
    return CardSource(head=head, url=url if is_http_url(url) else "", excerpt=source.get("excerpt") or "")


def day_span_label(first: date, last: date) -> str:
    """A run of days, saying each month and year once: "1–31 January 2026", "29 December 2025 – 4 January 2026"."""
    if first == last:
        return day_label(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{day_label(last)}"
    if first.year == last.year:
        return f"{first.day} {_MONTHS[first.month - 1]} – {day_label(last)}"
    return f"{day_label(first)} – {day_label(last)}"


def none_mapped(count: int) -> str:
    """What a map says when none of ``count`` (at least 1) matching events has a place to draw."""
    if count == 1:
        return "The only matching event has no known place to map; it is listed under the map"
    return f"None of the {count:,} matching events has a known place to map; they are listed under the map"
