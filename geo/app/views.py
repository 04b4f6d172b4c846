"""What the app shows, as plain data: counts, notes, choice lists, table rows, counts per area, source cards.

Pure functions over the events GeoDataFrame and the ``Filter``, so the app
stays a thin layer of widgets and everything here is tested without
Streamlit.  Text meant for ``st.markdown`` is escaped here (``md``) and links
are only ever made from http(s) URLs.  This module never imports Streamlit,
reads files or writes anything.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from datetime import date, timedelta
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.compute as pc
import shapely
import shapely.geometry

from geo import areas, filters, wording
from geo.frame import is_mapped, list_items, to_records
from geo.names import GEONAMES_CREDIT, NATURAL_EARTH_CREDIT, country_name
from geo.schema import is_http_url
from geo.wording import (
    actor_label,
    coarse_dates_note,
    date_label,
    place_label,
    shown_of_total,
    source_label,
    undated_left_out,
    undated_note,
)

TABLE_LIMIT = 2_000
"""Most rows the table shows; downloads always hold every matching event."""


VIEW_KEYS = ("mode",)
"""URL keys of the app that are not filter keys."""

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=\"'])")


def md(text: object) -> str:
    """``text`` escaped for ``st.markdown``: every markdown, HTML, maths and emoji-code character is literal."""
    escaped = _MD_SPECIAL.sub(r"\\\1", str(text))
    return "  \n".join(escaped.splitlines()) if "\n" in escaped else escaped


def safe_url(url: str) -> str | None:
    """The URL fit for a markdown link target, or None unless it is http(s)."""
    if not is_http_url(url):
        return None
    return quote(url, safe=":/?#[]@!$&*+,;=%~.-_")


def parse_view(params: Mapping[str, str | list[str]]) -> tuple[filters.Filter, list[str], dict[str, str]]:
    """The filter, the problems found, and the non-filter view keys of a URL's query parameters.

    A bad value never stops the app: the key it names is dropped, its message
    kept, and the rest of the filter still applies.
    """
    values = {k: ([v] if isinstance(v, str) else list(v)) for k, v in params.items()}
    view = {k: values.pop(k)[-1] for k in VIEW_KEYS if k in values}
    problems: list[str] = []
    while True:
        try:
            return filters.from_query(values), problems, view
        except filters.FilterError as error:
            problems.append(str(error))
            key = str(error).split(":", 1)[0]
            if key not in values:
                return filters.Filter(), problems, view
            values.pop(key)


def counts_text(total: int, shown: gpd.GeoDataFrame, undated_excluded: int, unmapped_excluded: int = 0) -> str:
    """ "12 of 240 events; 2 unmapped, 1 undated left out, 3 with no map point left out" for the events a filter shows."""
    unmapped, context = int((~is_mapped(shown)).sum()), int(shown["context"].sum())
    return shown_of_total(len(shown), total, unmapped=unmapped, context=context, undated_excluded=undated_excluded,
                          unmapped_excluded=unmapped_excluded)


def date_note(shown: gpd.GeoDataFrame, flt: filters.Filter, undated_excluded: int) -> str:
    """A note on events whose date is not known to the day, for the date filter."""
    counts = shown["date_precision"].value_counts()
    notes = [coarse_dates_note({str(k): int(v) for k, v in counts.items()})]
    if flt.has_dates and undated_excluded:
        notes.append(undated_left_out(undated_excluded))
    elif not flt.has_dates and counts.get("unknown", 0):
        notes.append(undated_note(int(counts["unknown"])))
    return " ".join(f"{n[0].upper()}{n[1:]}." for n in notes if n)


def problem_notes(events: gpd.GeoDataFrame, shown: gpd.GeoDataFrame, flt: filters.Filter) -> list[str]:
    """Why a view is empty or narrower than asked, one note per cause: each chosen value that leaves nothing
    (``filters.empty_choices``, with the closest known values), else, for an empty view, the filter as a whole."""
    notes = [str(choice) for choice in filters.empty_choices(events, flt)]
    if shown.empty and not notes:
        notes.append(f"No events match this filter. {flt.describe()}")
    return notes


def code(text: str) -> str:
    """``text`` as one markdown code span, whatever backticks it holds (line breaks become spaces)."""
    text = " ".join(str(text).splitlines())
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def empty_store_note(location: str, named: bool) -> str:
    """What to do with a store that holds no events yet (markdown): the commands that import or add events, and the form."""
    store = f" --store {shlex.quote(location)}" if named else ""
    command = ".venv/bin/incident-map"
    return "\n".join([
        f"**No events yet** in the store {md(location)}. To fill it:",
        "",
        f"- add the events shipped with incident-map: {code(f'{command} import --shipped-events{store}')}",
        f"- import your own file (CSV, GeoJSON or an ACLED export): {code(f'{command} import FILE{store}')}",
        f"- start a CSV from a template with one example row: {code(f'{command} template csv --out my-events.csv')}",
        "- or add events one by one with the form below.",
        "",
        "Then reload this page.",
    ])


MAP_CREDITS = f"Basemap: {NATURAL_EARTH_CREDIT}. {GEONAMES_CREDIT}."
"""The credits owed for the app's map (its basemap and the town names drawn on it)."""


def actor_counts(events: gpd.GeoDataFrame) -> list[tuple[str, int]]:
    """Every actor name with its number of events, most frequent first (counted in Arrow: no Python list per event)."""
    counts = pc.value_counts(list_items(events, "actors", ("name",))["name"].combine_chunks())
    pairs = zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)
    return sorted(pairs, key=lambda item: (-item[1], item[0].casefold()))


def value_counts(events: gpd.GeoDataFrame, column: str) -> list[tuple[str, int]]:
    """Every non-empty value of ``column`` with its number of events, most frequent first."""
    counts = events[column][events[column] != ""].value_counts()
    return sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda item: (-item[1], item[0]))


def country_label(code: str) -> str:
    """ "Pakistan (PK)", or the bare code when the gazetteer does not know it."""
    try:
        return f"{country_name(code)} ({code})"
    except ValueError:
        return code


def ordered(events: gpd.GeoDataFrame, limit: int | None = None) -> gpd.GeoDataFrame:
    """The events earliest first (by the first day they may have happened), undated last; the first ``limit`` only if given."""
    first = events["day_min"].to_numpy().view("i8")
    last = events["day_max"].to_numpy().view("i8")
    order = np.lexsort((last, first, events["day_min"].isna().to_numpy()))
    return events.iloc[order[:limit]]


def table_rows(events: gpd.GeoDataFrame, limit: int = TABLE_LIMIT) -> pd.DataFrame:
    """One plain-text row per event (the first ``limit``): date with precision, title, type, place, actors, sources."""
    rows = []
    for record in to_records(events.iloc[:limit]):
        rows.append({
            "Date": date_label(record),
            "Title": record["title"] + (" (context)" if record["context"] else ""),
            "Type": record["event_type"],
            "Place": place_label(record),
            "Actors": "; ".join(actor_label(a) for a in record["actors"]),
            "Sources": "; ".join(source_label(s) for s in record["sources"]),
            "Verification": record["verification"],
        })
    return pd.DataFrame(rows, columns=["Date", "Title", "Type", "Place", "Actors", "Sources", "Verification"])


def _fitted_axis(start: np.ndarray, end: np.ndarray, context: np.ndarray):
    """The axis's (domain, events wholly outside it, label format), fitted to the events that are not context if any."""
    if not len(start):
        return None, 0, "%Y"
    focus = ~context if (~context).any() else np.ones(len(start), dtype=bool)
    first, last = pd.Timestamp(start[focus].min()), pd.Timestamp(end[focus].max())
    pad = max((last - first) * 0.04, pd.Timedelta(days=10))
    domain = (first - pad, last + pad)
    outside = int(((end <= domain[0].to_datetime64()) | (start >= domain[1].to_datetime64())).sum())
    days = (domain[1] - domain[0]).days
    axis_format = "%-d %b %Y" if days <= 120 else "%b %Y" if days <= 3 * 366 else "%Y"
    return domain, outside, axis_format


def unmapped_rows(events: gpd.GeoDataFrame, limit: int = TABLE_LIMIT) -> pd.DataFrame:
    """The events with no map point (the earliest ``limit``): title, date, the place as reported and why it has no point."""
    unmapped = ordered(events[~is_mapped(events)], limit)
    rows = [{
        "Title": r["title"] + (" (context)" if r["context"] else ""),
        "Date": date_label(r),
        "Place as reported": r["place_reported"] or "—",
        "Note": r["location_note"],
    } for r in to_records(unmapped)]
    return pd.DataFrame(rows, columns=["Title", "Date", "Place as reported", "Note"])


def source_card(record: Mapping) -> str:
    """The event's full provenance (``wording.source_card``) as escaped markdown; links only for http(s) URLs."""
    card = wording.source_card(record)
    lines = [f"#### {md(card.title)}"] + ([f"*{md(card.notice)}*"] if card.notice else [])
    block: list[str] = []
    for label, value in card.fields:
        if isinstance(value, tuple):
            lines += ["  \n".join(block)] if block else []
            block = []
            lines.append(f"**{label}:**\n" + "\n".join(f"- {md(item)}" for item in value))
        else:
            block.append(f"**{label}:** {md(value)}")
    lines += ["  \n".join(block)] if block else []
    lines.append(f"**{md(card.sources_heading)}:**")
    lines += [_source_markdown(source) for source in card.sources]
    return "\n\n".join(lines)


def _source_markdown(source: wording.CardSource) -> str:
    head = md(source.head)
    url = safe_url(source.url)
    if url:
        head += f" — [link]({url})"
    if not source.excerpt:
        return f"- {head}"
    quoted = "\n".join(f"> {line}" for line in md(f"“{source.excerpt}”").split("  \n"))
    return f"- {head}\n\n{quoted}"


def area_counts(names) -> list[tuple[str, int]]:
    """Each first-level area the events' map points lie in, with its number of events, most first (for the filter)."""
    counts = pd.Series(names).value_counts()
    counts = counts[~counts.index.isin([areas.OUTSIDE_AREAS, areas.NO_POINT])]
    return sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda item: (-item[1], item[0]))


def area_table(counts: pd.DataFrame) -> pd.DataFrame:
    """``geo.areas.area_counts`` with the column headings a reader reads."""
    names = {"admin1": "Province, state", "country": "Country code", "country_name": "Country", "events": "Events",
             "mapped": "On the map", "unmapped": "Not on the map"}
    return counts.rename(columns=names)


def drawn_area(value: dict | None) -> tuple[filters.Near | None, shapely.Polygon | None]:
    """The area the reader drew on the map (``{"near": [lat, lon, km]}`` or ``{"within": GeoJSON geometry}``, else
    nothing) as the filter's ``near`` and ``within``."""
    if not value:
        return None, None
    if "near" in value:
        return filters.Near(*map(float, value["near"])), None
    return None, shapely.geometry.shape(value["within"])


def drawn_area_text(near: filters.Near | None, within) -> str:
    """What the sidebar says of an area drawn on the map ("" when none)."""
    if near is not None:
        return f"Area drawn on the map: within {near.km:,.1f} km of {near.lat:.4f}, {near.lon:.4f}."
    if within is not None:
        return "Area drawn on the map: inside the shape drawn."
    return ""


def range_dates(days: list[int] | None) -> tuple[date | None, date | None]:
    """A period selected on the map's timeline (first and last day, counted from 1970-01-01) as the filter's dates."""
    if not days:
        return None, None
    return tuple(date(1970, 1, 1) + timedelta(days=int(day)) for day in days[:2])


def url_params(flt: filters.Filter, view: Mapping[str, str]) -> dict[str, list[str]]:
    """The URL query parameters for a filter and the app's view keys (repeatable keys as lists)."""
    params: dict[str, list[str]] = {}
    for key, value in filters.to_params(flt):
        params.setdefault(key, []).append(value)
    params.update({k: [v] for k, v in view.items() if k in VIEW_KEYS and v})
    return params
