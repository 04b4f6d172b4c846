"""Read ACLED's CSV export as event records in the project's schema.

ACLED (the Armed Conflict Location & Event Data project) publishes one row per
event with the columns in ``COLUMNS``.  Each row becomes one record:

- ``id`` is ``acled:`` + ``event_id_cnty``, so importing a newer export updates
  the same events instead of adding copies.
- ``event_type`` maps ACLED's six types to the project's labels
  (``EVENT_TYPES``); ``sub_event_type``, ``disorder_type``, civilian targeting,
  ACLED's own ``tags`` and the source scale become tags.
- Dates (``22 April 2025`` or ``2025-04-22``) follow ``time_precision`` as the
  ACLED codebook defines it: 1 = the day is known (precision ``day``); 2 = the
  source gives a span such as a week or a weekend (``approximate``: a window of
  ``APPROXIMATE_DAYS`` either side of ACLED's date); 3 = only the month is known
  and the date stands for it (``month``).  One R package documents 3 as "middle
  of a week"; that is not the codebook and is not followed here.
- ``geo_precision`` 1 = the town itself (``town``); 2 = near a town or in part
  of a region, coded to the town (``region``: the point is not where the event
  happened, only near it, so ``town`` would claim more than ACLED does; the note
  says which town); 3 = a larger region coded to a capital or natural feature
  (``region``).  ``location_note`` always says which code it was.
- Actors: ``actor1``/``actor2`` with their ``inter`` type in the role ("actor 1
  (State forces)"); ``assoc_actor_*`` (split on ``;``) as "associated with actor 1".
- Sources: ACLED itself (excerpt: the notes, which summarise the reports; date:
  the row's ``timestamp``), and one source per ``;``-separated name in
  ``source``, cited by ACLED and without an excerpt of its own: the export does
  not hold the reports' words, and the notes are ACLED's, not theirs.  The claim is
  "Reported by ..., as coded by ACLED"; verification is ``reported``.
- ``notes`` is the description; ``fatalities`` is ACLED's coded figure.
- ``iso`` (ISO 3166-1 numeric) gives the country code, or ``country`` when
  ``iso`` is 0 or empty.  Disputed first-level regions get the neutral names of
  ``geo.names.DISPUTED_ADMIN1``; ``place_reported`` keeps ACLED's names.
- Rows without coordinates are placed with the offline gazetteer when exactly
  one town of that name matches in the country (and region); otherwise they stay
  unmapped with a warning.

Problems that belong to ACLED's columns (an unreadable date, an unknown
precision code, a missing column) are reported under ACLED's column names;
everything else is left to ``geo.schema`` validation.  This module never
validates the schema fields and never writes to the store.
"""

from __future__ import annotations

import functools
import itertools
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from geo import gazetteer, names
from geo.importers import Read
from geo.importers.events_csv import Cells, csv_cells
from geo.schema import MAX_TEXT, Problem, ValidationError
from geo.wording import noun, plural

ID_PREFIX = "acled:"
COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
"""ACLED's published export columns; other columns (ACLED adds some over time) are ignored."""

REQUIRED = (
    "event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1", "country",
    "location", "latitude", "longitude", "geo_precision", "source", "notes", "fatalities",
)  # fmt: skip

EVENT_TYPES = {
    "protests": "protest",
    "riots": "riot",
    "battles": "battle",
    "explosions/remote violence": "explosion",
    "violence against civilians": "violence against civilians",
    "strategic developments": "strategic development",
}
"""ACLED event type (casefolded) -> the project's event type."""

INTER_TYPES = {
    "1": "State forces", "2": "Rebel group", "3": "Political militia", "4": "Identity militia",
    "5": "Rioters", "6": "Protesters", "7": "Civilians", "8": "External/Other forces",
}  # fmt: skip
"""ACLED's numeric actor-type codes (exports before 2024); newer exports give the text itself."""

APPROXIMATE_DAYS = 3
"""Days either side of ACLED's date for time_precision 2 (a week or similar span)."""

DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%B-%Y", "%d-%b-%Y")

_DATE_NOTES = {
    "2": "ACLED time_precision 2: the source gives a span such as a week or a weekend, not the day; "
    "ACLED coded {day}, taken here as {start} to {end} (±{days} days).",
    "3": "ACLED time_precision 3: only the month is known; ACLED's date {day} stands for the month.",
}
_PLACE_NOTES = {
    "1": "ACLED geo_precision 1: the event happened in {place} itself; the point is {place}'s.",
    "2": "ACLED geo_precision 2: the event happened near {place} or in part of the surrounding region; "
    "the point is {place}'s, not the event's.",
    "3": "ACLED geo_precision 3: only a larger region is known; the point ({place}) is a capital or natural feature standing for it.",
}
_LOCATION_PRECISIONS = {"1": "town", "2": "region", "3": "region"}
_SOURCE_KIND = "report cited by ACLED; its words are known only through ACLED's notes"


SCHEMA_COLUMNS = {
    "id": "event_id_cnty", "title": "sub_event_type", "date_start": "event_date", "date_end": "event_date",
    "date_precision": "time_precision", "date_note": "time_precision", "place_reported": "location", "place_name": "location",
    "lat": "latitude", "lon": "longitude", "location_precision": "geo_precision", "location_note": "geo_precision",
    "actors": "actor1", "description": "notes", "sources": "source", "claim": "source",
}  # fmt: skip
"""Schema field -> the ACLED column it is made from, so that a problem names the user's column."""


CHUNK_ROWS = 50_000
"""Rows mapped at a time: the cells of one chunk are let go before the next is read."""


def read(path: Path) -> Read:
    """Map every row of an ACLED export; rows that cannot be mapped are problems in ACLED's terms.

    File-level problems (unreadable, empty, missing columns) raise ``ValidationError``.
    The cells are taken column by column; everything made of them is worked out once per
    distinct value (a date, a country code, a pair of actors), so a record is mostly lookups.
    """
    path = Path(path)
    header, chunks = csv_cells(path, COLUMNS, CHUNK_ROWS)
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValidationError([Problem(str(path), 1, ", ".join(missing),
                                       f"missing ACLED {noun(len(missing), 'column')}; is this an ACLED export?")])
    found = Read(columns=SCHEMA_COLUMNS)
    mapper = _Mapper(str(path))
    for chunk in chunks:
        mapper.map(chunk, found)
    return found


class _Mapper:
    """Maps chunks of ACLED rows to records, remembering what each distinct value mapped to."""

    def __init__(self, file: str):
        self.file = file
        self.event_type = functools.cache(_event_type)
        self.dates = functools.cache(_dates)
        self.place = functools.cache(_place)
        self.actor = functools.cache(_actor)
        self.associates = functools.cache(_associates)
        self.actors = functools.cache(self._actors)
        self.fatalities = functools.cache(_fatalities)
        self.tags = functools.cache(_tags)
        self.reports = functools.cache(_reports)
        self.timestamp = functools.cache(_timestamp_date)
        self.title = functools.cache(_title)
        self.place_reported = functools.cache(_place_reported)

    def columns(self, chunk: Cells) -> tuple[dict[str, list[str]], list[list[tuple[str, str]]]]:
        """The chunk's cells by ACLED column, stripped ("" where a column is missing or a cell too long), and each row's
        problems with its cells (more cells than columns; a cell longer than MAX_TEXT, in the file's column order)."""
        early = [[("-", f"{plural(extra, 'more cell')} than header columns")] if extra else [] for extra in chunk.extra]
        columns = {name: [""] * len(chunk.lines) for name in COLUMNS}
        for name, cells in chunk.columns.items():
            values = list(map(str.strip, cells))
            if max(map(len, values), default=0) > MAX_TEXT:
                for index, value in enumerate(values):
                    if len(value) > MAX_TEXT:
                        early[index].append((name, f"{len(value)} characters; the longest accepted is {MAX_TEXT}"))
                        values[index] = ""
            columns[name] = values
        return columns, early

    def map(self, chunk: Cells, found: Read) -> None:
        """Add the chunk's records, problems and warnings to ``found``.

        Each field is made for the whole column at once, from what each distinct value (or combination) mapped to;
        a row with a problem gets its problems in column order and no record."""
        get, early = self.columns(chunk)
        ids, notes, locations = get["event_id_cnty"], get["notes"], get["location"]
        stamps = list(map(self.timestamp, get["timestamp"]))
        types = list(map(self.event_type, get["event_type"]))
        dates = list(map(self.dates, get["event_date"], get["time_precision"], get["year"]))
        places = list(map(self.place, get["iso"], get["country"], get["admin1"], get["geo_precision"], locations,
                          get["latitude"], get["longitude"]))
        fatalities = list(map(self.fatalities, get["fatalities"]))
        problems = list(map(_problems, early, ids, stamps, types, dates, places, get["actor1"], fatalities))
        good = [not found_here for found_here in problems]
        found.problems.extend(Problem(self.file, line, column, message)
                              for line, found_here in zip(chunk.lines, problems, strict=True) for column, message in found_here)
        found.warnings.extend(Problem(self.file, line, column, message)
                              for line, place in zip(chunk.lines, places, strict=True) for column, message in place[2])
        if not any(good):
            return
        titles = map(self.title, [s or t for s, t in zip(get["sub_event_type"], get["event_type"], strict=True)],
                     [loc or a or c for loc, a, c in zip(locations, get["admin1"], get["country"], strict=True)])
        reported = map(self.place_reported, locations, get["admin3"], get["admin2"], get["admin1"], get["country"])
        actors = map(self.actors, get["actor1"], get["inter1"], get["assoc_actor_1"], get["actor2"], get["inter2"],
                     get["assoc_actor_2"])
        tags = map(self.tags, *(get[name] for name in _TAG_COLUMNS))
        reports = map(self.reports, get["source"])
        excerpts = [note or (f"ACLED event {i}: {t} ({s}) at {loc} on {d}; ACLED gives no notes.") for note, i, t, s, loc, d
                    in zip(notes, ids, get["event_type"], get["sub_event_type"], locations, get["event_date"], strict=True)]
        found.rows.extend(
            (line, {
                "id": ID_PREFIX + event_id, "title": title, "event_type": event_type[0], "context": False,
                "date_start": day[0][0], "date_end": day[0][1], "date_precision": day[0][2], "date_note": day[0][3],
                "place_reported": where, "place_name": location, "admin1": place[0][0], "country": place[0][1],
                "lat": place[0][2], "lon": place[0][3], "location_precision": place[0][4], "location_note": place[0][5],
                "actors": people, "description": note, "fatalities": dead[0], "fatalities_qualifier": "", "tags": labels,
                "sources": [{"id": "acled", "publisher": "ACLED", "author": "", "title": f"ACLED event {event_id}", "url": "",
                             "date": stamp[0], "excerpt": excerpt, "cited_by": "", "kind": _ACLED_KIND}, *cited[0]],
                "claim": cited[1], "verification": "reported",
            })
            for line, event_id, title, event_type, day, where, location, place, people, note, dead, labels, stamp, excerpt,
            cited in zip(*(itertools.compress(column, good) for column in (
                chunk.lines, ids, titles, types, dates, reported, locations, places, actors, notes, fatalities, tags, stamps,
                excerpts, reports)), strict=True)
        )  # fmt: skip

    def _actors(self, actor1: str, inter1: str, assoc1: str, actor2: str, inter2: str, assoc2: str) -> list[dict]:
        """A row's actors: one list per distinct combination, shared by the records that have it (so a store encodes it once)."""
        return [*self.actor("1", actor1, inter1), *self.associates("1", assoc1),
                *self.actor("2", actor2, inter2), *self.associates("2", assoc2)]


def _problems(early: Found, event_id: str, stamp: tuple, event_type: tuple, dates: tuple, place: tuple, actor1: str,
              fatalities: tuple) -> Found:
    """A row's problems in the file's column order, from what its cells mapped to (each a value and its problems)."""
    if event_id and actor1 and not (early or stamp[1] or event_type[1] or dates[1] or place[1] or fatalities[1]):
        return []  # most rows: no list to build
    return [*early, *([("event_id_cnty", "missing")] if not event_id else []), *stamp[1], *event_type[1], *dates[1],
            *place[1], *([("actor1", "missing")] if not actor1 else []), *fatalities[1]]


_TAG_COLUMNS = ("sub_event_type", "disorder_type", "civilian_targeting", "tags", "source_scale")
_ACLED_KIND = "ACLED event record, coded from the reports it cites"

Found = list[tuple[str, str]]
"""Problems (or warnings) as (ACLED column, message)."""


def _title(what: str, where: str) -> str:
    return f"{what} in {where}"


def _place_reported(location: str, admin3: str, admin2: str, admin1: str, country: str) -> str:
    return ", ".join(dict.fromkeys(p for p in (location, admin3, admin2, admin1, country) if p))


def _event_type(acled_type: str) -> tuple[str, Found]:
    if not acled_type:
        return "", [("event_type", "missing")]
    mapped = EVENT_TYPES.get(acled_type.casefold())
    if mapped is None:
        return "", [("event_type", f"{acled_type!r} is not an ACLED event type ({', '.join(sorted(EVENT_TYPES))})")]
    return mapped, []


def _dates(event_date: str, precision: str, year: str) -> tuple[tuple[str, str, str, str] | None, Found]:
    """(date_start, date_end, date_precision, date_note) of an ACLED date and time_precision (None with a problem)."""
    day = _parse_date(event_date)
    if day is None:
        return None, [("event_date", f"not a date: {event_date!r} (use e.g. 22 April 2025 or 2025-04-22)" if event_date else "missing")]
    problems = [("year", f"{year} does not match event_date {event_date!r}")] if year and year != str(day.year) else []
    if precision == "1":
        return (day.isoformat(), "", "day", ""), problems
    if precision == "2":
        start, end = day - timedelta(days=APPROXIMATE_DAYS), day + timedelta(days=APPROXIMATE_DAYS)
        note = _DATE_NOTES["2"].format(day=day.isoformat(), start=start.isoformat(), end=end.isoformat(), days=APPROXIMATE_DAYS)
        return (start.isoformat(), end.isoformat(), "approximate", note), problems
    if precision == "3":
        return (f"{day:%Y-%m}", "", "month", _DATE_NOTES["3"].format(day=day.isoformat())), problems
    problems.append(("time_precision", f"{precision!r} is not an ACLED time precision (1, 2 or 3)" if precision else "missing"))
    return None, problems


def _place(iso: str, country_name: str, raw_admin1: str, code: str, location: str, latitude: str,
           longitude: str) -> tuple[tuple | None, Found, Found]:
    """(admin1, country, lat, lon, location_precision, location_note) (None with a problem), problems and warnings."""
    country, problems = _country(iso, country_name)
    admin1 = neutral_admin1(country, raw_admin1)
    if code not in _LOCATION_PRECISIONS:
        problems.append(("geo_precision", f"{code!r} is not an ACLED geo precision (1, 2 or 3)" if code else "missing"))
        return None, problems, []
    note = _PLACE_NOTES[code].format(place=location or "the place")
    lat, lon = _coordinate("latitude", latitude, problems), _coordinate("longitude", longitude, problems)
    if lat is not None and lon is not None:
        point = lat, lon
    elif latitude or longitude:
        if not (latitude and longitude):
            problems.append(("latitude" if not latitude else "longitude", "missing (the other coordinate is given)"))
        return None, problems, []
    else:
        candidate, why = geocode(location, country, raw_admin1)
        if candidate is None:
            return ((admin1, country, None, None, "unknown", f"ACLED gives no coordinates, and {why}; not mapped."), problems,
                    [("location", f"no coordinates and {why}; kept unmapped")])
        point = candidate.lat, candidate.lon
        note = (f"ACLED gives no coordinates; placed at GeoNames {candidate.name} ({candidate.geonameid}), "
                f"the one town of that name in the offline gazetteer ({why}). {note}")
    return (admin1, country, *point, _LOCATION_PRECISIONS[code], note), problems, []


def _coordinate(column: str, text: str, problems: Found) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        problems.append((column, f"not a number: {text!r}"))
        return None


def _country(iso: str, name: str) -> tuple[str, Found]:
    """The ISO alpha-2 code of ACLED's ``iso`` (numeric), or of ``country`` when ``iso`` is 0 or empty."""
    if iso and iso != "0":
        code = names.country_code(iso) if iso.isdigit() else None
        return code or "", [] if code is not None else [("iso", f"{iso!r} is not an ISO 3166-1 numeric country code")]
    code = names.country_code(name) if name else None
    return code or "", [] if code is not None else [("country", f"unknown country {name!r}" if name else "missing (and no iso code)")]


def _actor(n: str, name: str, inter: str) -> list[dict]:
    """ACLED's actor ``n`` (1 or 2) with its ``inter`` type in the role, or nobody."""
    if not name:
        return []
    kind = INTER_TYPES.get(inter, inter)
    return [{"name": name, "role": f"actor {n} ({kind})" if kind and kind != "0" else f"actor {n}"}]


def _associates(n: str, names: str) -> list[dict]:
    """The actors ACLED names (split on ``;``) as associated with actor ``n``."""
    return [{"name": a, "role": f"associated with actor {n}"} for a in _split(names)]


def _fatalities(text: str) -> tuple[int | None, Found]:
    if not text:
        return None, []
    if not text.isdigit():
        return None, [("fatalities", f"must be a whole number of 0 or more, not {text!r}")]
    return int(text), []


def _tags(sub_event_type: str, disorder_type: str, civilian_targeting: str, tags: str, source_scale: str) -> list[str]:
    found = [sub_event_type, *_split(disorder_type)]
    if civilian_targeting:
        found.append(civilian_targeting.lower())
    found += _split(tags)
    if source_scale:
        found.append(f"source scale: {source_scale}")
    return list(dict.fromkeys(t for t in found if t))


def _reports(source: str) -> tuple[list[dict], str]:
    """One source per name in ACLED's ``source`` (cited by ACLED, no excerpt of their own), and the claim naming them."""
    names = list(dict.fromkeys(_split(source)))
    reports = [{"id": f"s{i}", "publisher": name, "author": "", "title": "", "url": "", "date": "", "excerpt": "",
                "cited_by": "acled", "kind": _SOURCE_KIND} for i, name in enumerate(names, 1)]
    return reports, f"Reported by {'; '.join(names)}, as coded by ACLED" if names else "Coded by ACLED (no source named)"


def _timestamp_date(text: str) -> tuple[str, Found]:
    if not text:
        return "", []
    if text.isdigit() and len(text) <= 11:
        return datetime.fromtimestamp(int(text), UTC).date().isoformat(), []
    return "", [("timestamp", f"not a Unix time in seconds: {text!r}")]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


@functools.lru_cache(maxsize=8192)
def _parse_date(text: str) -> date | None:
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


@functools.cache
def _neutral_names() -> dict[tuple[str, str], str]:
    """(country, casefolded name or unambiguous alias) -> neutral region name."""
    found: dict[tuple[str, str], set[str]] = {}
    for (country, _), (neutral, aliases) in names.DISPUTED_ADMIN1.items():
        for alias in (neutral, *aliases):
            found.setdefault((country, alias.casefold()), set()).add(neutral)
    return {key: next(iter(neutral)) for key, neutral in found.items() if len(neutral) == 1}


def neutral_admin1(country: str, admin1: str) -> str:
    """ACLED's first-level region name, with the neutral name for a disputed region."""
    return _neutral_names().get((country, admin1.casefold()), admin1)


def geocode(location: str, country: str, admin1: str = "") -> tuple[gazetteer.Candidate | None, str]:
    """The one gazetteer town that clearly is ``location`` in ``country`` (``gazetteer.resolve``), or None and the reason."""
    if not location or not country:
        return None, "no place name or country to look up"
    resolved = gazetteer.resolve(location, country, neutral_admin1(country, admin1))
    return resolved.town, resolved.reason
