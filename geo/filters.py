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
background events).  Actors, types, countries and precisions match without
regard to case; a country may also be named ("Pakistan").  A chosen value that
leaves nothing is reported by ``empty_choices``, with the closest values the
events do have.  This module never knows how the result is shown.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from itertools import chain
from urllib.parse import parse_qs, urlencode

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import wording
from geo.names import country_code
from geo.schema import LOCATION_PRECISIONS


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
        keep &= _isin_folded(events["event_type"], flt.types)
    if flt.countries:
        keep &= _isin_folded(events["country"], flt.countries)
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


def _isin_folded(column: pd.Series, wanted: Iterable[str]) -> np.ndarray:
    """Where ``column`` holds one of ``wanted``, case ignored (folding only the column's distinct values)."""
    folded = {w.casefold() for w in wanted}
    return column.isin([v for v in column.unique() if str(v).casefold() in folded]).to_numpy()


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
        types=tuple(dict.fromkeys(t.lower() for t in many("type"))),
        countries=tuple(dict.fromkeys(country_code(c) or c.upper() for c in many("country"))),
        text=one("q"),
        precision=one("precision").lower(),
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


# ---------------------------------------------------------------- chosen values that leave nothing

CHOICE_KEYS = (("actors", "actor"), ("types", "type"), ("countries", "country"))
"""The filter's fields of chosen values, with the query key that names each."""

SUGGESTIONS = 3
"""Most close values named for a chosen value no event has."""


@dataclass(frozen=True)
class EmptyChoice:
    """A chosen actor, type or country that leaves no event.

    ``known`` is True when some event has the value but none under the rest of
    the filter; otherwise no event has it at all, and ``suggestions`` holds the
    closest values the events do have (every one, when there are few and none is close).
    """

    key: str
    value: str
    known: bool
    suggestions: tuple[str, ...] = ()
    known_count: int = 0
    """How many distinct values of this key the events have."""

    def __str__(self) -> str:
        if self.known:
            return wording.no_choice_with_others(self.key, self.value)
        return wording.no_such_choice(self.key, self.value, self.suggestions, self.known_count)


def known_values(events: gpd.GeoDataFrame, key: str) -> list[str]:
    """Every distinct value of ``key`` (``actor``, ``type`` or ``country``) among ``events``, sorted."""
    if key == "actor":
        values = set(chain.from_iterable(events["actor_names"]))
    else:
        values = set(events["event_type" if key == "type" else "country"].unique())
    return sorted((v for v in values if v), key=str.casefold)


def closest(value: str, known: Iterable[str], most: int = SUGGESTIONS, all_below: int = 8) -> tuple[str, ...]:
    """The known values closest to ``value``, case ignored: those that contain it (or, four letters or more, are
    contained in it) first, then those difflib finds similar; all of them (when fewer than ``all_below``) if none is close."""
    known = list(known)
    folded = {k.casefold(): k for k in known}
    wanted = value.casefold()
    containing = [k for f, k in folded.items() if wanted and (wanted in f or len(f) >= 4 and f in wanted)]
    similar = [folded[f] for f in difflib.get_close_matches(wanted, list(folded), n=most, cutoff=0.6)]
    found = list(dict.fromkeys(containing + similar))[:most]
    if not found and len(known) < all_below:
        found = known
    return tuple(found)


def spelled_as_known(flt: Filter, events: gpd.GeoDataFrame) -> Filter:
    """``flt`` with each chosen actor, type and country spelled as the events spell it (values match without regard
    to case, so "naji zaheer" picks the same events as "Naji Zaheer"; the filter then reads as the data does)."""
    changes = {}
    for field, key in CHOICE_KEYS:
        chosen = getattr(flt, field)
        if chosen:
            spelling = {k.casefold(): k for k in known_values(events, key)}
            changes[field] = tuple(dict.fromkeys(spelling.get(v.casefold(), v) for v in chosen))
    return replace(flt, **changes) if changes else flt


def empty_choices(events: gpd.GeoDataFrame, flt: Filter) -> list[EmptyChoice]:
    """Each chosen actor, type or country that leaves no event: unknown to every event (with the closest
    known values), or, among several values chosen for one key, known but without events under the rest
    of the filter.  (A single known value that leaves nothing is the filter as a whole: the caller says so.)"""
    found = []
    for field, key in CHOICE_KEYS:
        chosen = getattr(flt, field)
        if not chosen:
            continue
        known = known_values(events, key)
        folded = {k.casefold() for k in known}
        for value in chosen:
            if value.casefold() not in folded:
                found.append(EmptyChoice(key, value, False, closest(value, known), len(known)))
            elif len(chosen) > 1 and apply(events, replace(flt, **{field: (value,)})).events.empty:
                found.append(EmptyChoice(key, value, True))
    return found
