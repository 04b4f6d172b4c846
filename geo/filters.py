"""The event filter: what it holds, how it applies, and its URL query string.

Date rule: an event matches a date range when any day it may have happened on
lies in the range.  An event known only to the month (say "2026-01") matches
any range that overlaps January 2026; one known to the year matches any range
that overlaps that year; an approximate date matches when its window overlaps.
An event with no known date is left out by any date filter, and the result
counts how many were left out that way.

Query keys, shared by the app and the CLI: ``from``, ``to`` (YYYY-MM-DD),
``actor``, ``type``, ``country`` (repeatable), ``q`` (free text),
``precision`` (coarsest location precision kept) and ``context`` (``0`` hides
background events).  ``apply`` filters a frame in pandas; ``to_sql`` turns a
filter into SQL a store that ``runs_sql`` (PostGIS) narrows its reading by, and
``select`` puts the two together so a filtered view of a large store reads
only what it shows, with the same result as filtering in memory.  This module
never knows how the result is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urlencode

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.schema import LOCATION_PRECISIONS
from geo.stores.base import Condition, Store


class FilterError(ValueError):
    """A filter value that cannot be understood; the message names the key."""


@dataclass(frozen=True)
class Filter:
    """What to show: every field empty means everything."""

    date_from: date | None = None
    date_to: date | None = None
    actors: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    text: str = ""
    precision: str = ""
    include_context: bool = True

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise FilterError(f"to: {self.date_to} is before from: {self.date_from}")
        if self.precision and self.precision not in LOCATION_PRECISIONS:
            raise FilterError(f"precision: {self.precision!r} is not one of {', '.join(LOCATION_PRECISIONS)}")

    @property
    def has_dates(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    def describe(self) -> str:
        """A one-line human description, e.g. for an export's caption."""
        parts = []
        if self.has_dates:
            span = f"{self.date_from or '…'} to {self.date_to or '…'}"
            parts.append(f"dates {span} (events known only to the month or year count when that period overlaps)")
        for label, values in (("actor", self.actors), ("type", self.types), ("country", self.countries)):
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        if self.text:
            parts.append(f"text contains “{self.text}”")
        if self.precision:
            parts.append(f"location at least {self.precision}-precise")
        if not self.include_context:
            parts.append("context events hidden")
        return "Filter: " + "; ".join(parts) if parts else "Filter: none (all events)"


@dataclass(frozen=True)
class FilterResult:
    """The matching events and how many were left out for having no date."""

    events: gpd.GeoDataFrame
    undated_excluded: int


def apply(events: gpd.GeoDataFrame, flt: Filter) -> FilterResult:
    """The events that match ``flt`` (a pure function; ``events`` is not changed)."""
    keep = np.ones(len(events), dtype=bool)
    if flt.actors:
        wanted = {a.casefold() for a in flt.actors}
        keep &= np.fromiter((any(n.casefold() in wanted for n in names) for names in events["actor_names"]), bool, len(events))
    if flt.types:
        keep &= events["event_type"].isin(flt.types).to_numpy()
    if flt.countries:
        keep &= events["country"].isin([c.upper() for c in flt.countries]).to_numpy()
    if flt.text:
        keep &= events["search_text"].str.contains(flt.text.casefold(), regex=False).to_numpy()
    if flt.precision:
        allowed = LOCATION_PRECISIONS[: LOCATION_PRECISIONS.index(flt.precision) + 1]
        keep &= events["location_precision"].isin(allowed).to_numpy()
    if not flt.include_context:
        keep &= ~events["context"].to_numpy(dtype=bool)
    undated = 0
    if flt.has_dates:
        day_min, day_max = events["day_min"], events["day_max"]
        dated = day_min.notna().to_numpy()
        undated = int((keep & ~dated).sum())
        keep &= dated
        if flt.date_to is not None:
            keep &= (day_min <= pd.Timestamp(flt.date_to)).to_numpy()
        if flt.date_from is not None:
            keep &= (day_max >= pd.Timestamp(flt.date_from)).to_numpy()
    return FilterResult(events[keep], undated)


@dataclass(frozen=True)
class SqlFilter:
    """A filter as SQL conditions over a store's events (``geo.stores.base.Condition`` names the columns)."""

    where: Condition | None
    """What the events to read must meet; None reads every event."""
    undated: Condition | None
    """The events a date filter leaves out only for having no date, to count; None when ``where`` keeps them to count."""


def to_sql(flt: Filter) -> SqlFilter:
    """``flt`` as SQL (a pure function): every key but free text, which ``apply`` runs on what comes back.

    Date rule as in the module docstring: an event matches when its first possible day (``day_min``) is on or
    before ``to`` and its last (``day_max``) on or after ``from``.  Undated events are counted with a second
    condition, except with free text, which SQL does not run: then ``where`` keeps them for ``apply`` to count.
    A spatial key adds one more part, e.g. ``ST_DWithin(geom::geography, ST_MakePoint(%s, %s)::geography, %s)``
    or ``ST_Intersects(geom, ST_GeomFromText(%s, 4326))``; the indexes for both exist.
    """
    parts: list[tuple[str, tuple]] = []
    if flt.actors:
        parts.append(("actor_keys && %s::text[]", (sorted({a.casefold() for a in flt.actors}),)))
    if flt.types:
        parts.append(("event_type = ANY(%s)", (list(flt.types),)))
    if flt.countries:
        parts.append(("country = ANY(%s)", ([c.upper() for c in flt.countries],)))
    if flt.precision:
        parts.append(("location_precision = ANY(%s)", (list(LOCATION_PRECISIONS[: LOCATION_PRECISIONS.index(flt.precision) + 1]),)))
    if not flt.include_context:
        parts.append(("NOT context", ()))
    if not flt.has_dates:
        return SqlFilter(_joined(parts), None)
    dates = [("day_min <= %s", (flt.date_to,))] if flt.date_to else []
    dates += [("day_max >= %s", (flt.date_from,))] if flt.date_from else []
    if flt.text:
        dated = _joined(dates)
        return SqlFilter(_joined([*parts, (f"(day_min IS NULL OR ({dated.sql}))", dated.params)]), None)
    return SqlFilter(_joined(parts + dates), _joined([*parts, ("day_min IS NULL", ())]))


def _joined(parts: list[tuple[str, tuple]]) -> Condition | None:
    if not parts:
        return None
    return Condition(" AND ".join(sql for sql, _ in parts), tuple(param for _, params in parts for param in params))


def select(store: Store, flt: Filter) -> tuple[FilterResult, int]:
    """The events of ``store`` that match ``flt``, and how many events the store holds.

    A store that ``runs_sql`` reads only the events ``to_sql`` lets through and counts the undated ones; ``apply``
    then runs on what comes back, so the result is the same as loading everything and filtering in memory.
    """
    if not store.runs_sql:
        events = store.load()
        return apply(events, flt), len(events)
    query = to_sql(flt)
    result = apply(store.load(query.where), flt)
    undated = store.count(query.undated) if query.undated else result.undated_excluded
    return FilterResult(result.events, undated), store.count()


def _parse_date(key: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FilterError(f"{key}: {value!r} is not a date (use YYYY-MM-DD)") from None


def from_query(query: str | Mapping[str, str | list[str]]) -> Filter:
    """A Filter from a URL query string or a mapping of key to value(s).

    Raises FilterError naming the key for a bad value or an unknown key.
    """
    params = parse_qs(query.lstrip("?"), keep_blank_values=False) if isinstance(query, str) else query
    values: dict[str, list[str]] = {k: ([v] if isinstance(v, str) else list(v)) for k, v in params.items()}
    unknown = sorted(set(values) - set(QUERY_KEYS))
    if unknown:
        raise FilterError(f"{unknown[0]}: unknown filter key (use {', '.join(QUERY_KEYS)})")

    def one(key: str) -> str:
        given = [v for v in values.get(key, []) if v.strip()]
        if len(given) > 1:
            raise FilterError(f"{key}: given {len(given)} times, expected once")
        return given[0].strip() if given else ""

    def many(key: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.strip() for v in values.get(key, []) if v.strip()))

    context = one("context")
    if context not in ("", "0", "1"):
        raise FilterError(f"context: {context!r} must be 0 or 1")
    return Filter(
        date_from=_parse_date("from", one("from")) if one("from") else None,
        date_to=_parse_date("to", one("to")) if one("to") else None,
        actors=many("actor"),
        types=many("type"),
        countries=tuple(c.upper() for c in many("country")),
        text=one("q"),
        precision=one("precision"),
        include_context=context != "0",
    )


QUERY_KEYS = ("from", "to", "actor", "type", "country", "q", "precision", "context")


def to_params(flt: Filter) -> list[tuple[str, str]]:
    """The filter as ordered (key, value) pairs; defaults are left out."""
    pairs: list[tuple[str, str]] = []
    if flt.date_from:
        pairs.append(("from", flt.date_from.isoformat()))
    if flt.date_to:
        pairs.append(("to", flt.date_to.isoformat()))
    pairs += [("actor", a) for a in flt.actors]
    pairs += [("type", t) for t in flt.types]
    pairs += [("country", c) for c in flt.countries]
    if flt.text:
        pairs.append(("q", flt.text))
    if flt.precision:
        pairs.append(("precision", flt.precision))
    if not flt.include_context:
        pairs.append(("context", "0"))
    return pairs


def to_query(flt: Filter) -> str:
    """The filter as a URL query string (without the leading ``?``)."""
    return urlencode(to_params(flt))
