"""The event schema: its fields, their vocabularies, and record validation.

One event is a flat mapping of the fields in ``FIELDS``; ``actors``, ``sources``
and ``tags`` are lists.  Every other module imports the field names and the
vocabularies from here.  Validation turns raw records (from any importer) into
clean records, or raises ``ValidationError`` listing every problem as
``FILE:ROW:FIELD: message``.

This module never imports anything else of the project: checks that need data
(such as "do these coordinates lie in the named country?") are passed in.
"""

from __future__ import annotations

import calendar
import functools
import itertools
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

DATE_PRECISIONS = ("day", "month", "year", "approximate", "unknown")
"""How precisely the date is known, finest first.

``approximate`` means the event lies somewhere in ``date_start``..``date_end``
(or around ``date_start`` when there is no end); ``unknown`` means no date.
"""

LOCATION_PRECISIONS = ("exact", "town", "region", "unknown")
"""How precisely the place is known, finest first; ``unknown`` is unmapped."""

VERIFICATION_STATUSES = ("reported", "corroborated", "disputed", "unverified")

EVENT_TYPES = (
    "rally",
    "conference",
    "meeting",
    "attack",
    "funeral",
    "protest",
    "riot",
    "battle",
    "explosion",
    "violence against civilians",
    "military operation",
    "strategic development",
    "political development",
    "other",
)
"""Known event types, in legend order.  Other lowercase labels are accepted."""

FATALITY_QUALIFIERS = ("", "exactly", "around", "at least", "at most")

ACTOR_FIELDS = ("name", "role")
SOURCE_FIELDS = ("id", "publisher", "author", "title", "url", "date", "excerpt", "cited_by", "kind")

FIELDS = (
    "id",
    "title",
    "event_type",
    "context",
    "date_start",
    "date_end",
    "date_precision",
    "date_note",
    "place_reported",
    "place_name",
    "admin1",
    "country",
    "lat",
    "lon",
    "location_precision",
    "location_note",
    "actors",
    "description",
    "fatalities",
    "fatalities_qualifier",
    "tags",
    "sources",
    "claim",
    "verification",
)
"""Every field of an event, in export order."""

REQUIRED = ("id", "title", "event_type", "date_precision", "location_precision", "sources", "claim", "verification")
LIST_FIELDS = ("actors", "sources", "tags")

FIELD_HELP = {
    "id": "unique id: 1-128 letters, digits or . _ : - (importing an id again updates that event)",
    "title": "short title of the event",
    "event_type": f"one of {', '.join(EVENT_TYPES)}, or another lowercase label",
    "context": "true for a background event (not a reported incident of the map); false or empty otherwise",
    "date_start": "the date as date_precision says: YYYY-MM-DD (day, approximate), YYYY-MM (month), YYYY (year); "
                  "empty when the date is unknown",
    "date_end": "the last possible day, month or year of a span (optional)",
    "date_precision": f"how precisely the date is known: {', '.join(DATE_PRECISIONS)}",
    "date_note": "how the date is known (optional)",
    "place_reported": "the place as the source names it, word for word",
    "place_name": "the place it was resolved to, e.g. a town",
    "admin1": "first-level region (province, state)",
    "country": "ISO 3166-1 alpha-2 code such as PK; must agree with the coordinates",
    "lat": "latitude in decimal degrees (the column may be named latitude); empty for an event with no map point",
    "lon": "longitude in decimal degrees (the column may be named longitude); empty for an event with no map point",
    "location_precision": f"how precisely the place is known: {', '.join(LOCATION_PRECISIONS)} "
                          "(unknown: no map point; the others need lat and lon)",
    "location_note": "how the place is known (optional)",
    "actors": "who took part, a JSON list of objects with name (required) and role",
    "description": "what the source says happened (optional)",
    "fatalities": "a whole number, as reported (optional)",
    "fatalities_qualifier": f"{', '.join(q for q in FATALITY_QUALIFIERS if q)} (optional, only with fatalities)",
    "tags": "labels, a JSON list of text (optional)",
    "sources": "at least one, a JSON list of objects with id, publisher, author, title, url (http or https), date, "
               "excerpt (the source's own words; required), cited_by (the id of the source quoting this one) and kind",
    "claim": "who reports or alleges the event, e.g. “Reported by …”",
    "verification": f"{', '.join(VERIFICATION_STATUSES)}",
}
"""What each field holds, for the documentation of the file formats (``import --help``, the README)."""

EXAMPLE_RECORD = {
    "id": "example-1",
    "title": "EXAMPLE ROW: replace it with an event you track, or delete it",
    "event_type": "rally",
    "context": False,
    "date_start": "2025-01-15",
    "date_end": "",
    "date_precision": "day",
    "date_note": "Example: the day the source gives.",
    "place_reported": "Example: the place as the source names it",
    "place_name": "",
    "admin1": "",
    "country": "",
    "lat": None,
    "lon": None,
    "location_precision": "unknown",
    "location_note": "Example: give lat, lon, country and location_precision town to put the event on the map "
                     "(or place_name and country, then import with --geocode); unknown keeps it unmapped.",
    "actors": [{"name": "Example Group", "role": "organiser, as the source says"}],
    "description": "Example: what the source says happened, in your words or its own.",
    "fatalities": None,
    "fatalities_qualifier": "",
    "tags": ["example"],
    "sources": [{"id": "s1", "publisher": "Example Publisher", "author": "", "title": "", "url": "", "date": "2025-01-16",
                 "excerpt": "Example: the sentence of the source that reports the event, word for word.", "cited_by": "",
                 "kind": "news report"}],
    "claim": "Example: reported by Example Publisher",
    "verification": "unverified",
}
"""A valid record that is plainly an example (no real event, place, person or outlet): the row of a template file."""

REVISION = "revision"
"""Not a schema field: the revision an exported event had in its store (a column or property after the fields).

Importing the file back refuses an event changed in the store since (``geo.ingest``); validation never sees it.
"""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_DATE_FORMS = {
    "day": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "year": re.compile(r"^\d{4}$"),
}
_FIELD_SET = frozenset(FIELDS)
_TEXT_FIELDS = tuple(f for f in FIELDS if f not in (*LIST_FIELDS, "lat", "lon", "fatalities", "context"))
_HTTP_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
MAX_TEXT = 20_000
"""Longest accepted text field, in characters."""


@dataclass(frozen=True)
class Problem:
    """One validation problem, located by file, row and field."""

    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.field}: {self.message}"


class ValidationError(ValueError):
    """Raised with every problem found; ``str()`` gives one line per problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


CountryCheck = Callable[[float, float], set[str]]
"""Returns the ISO codes of the countries at or near a point."""


@functools.lru_cache(maxsize=65536)
def period_bounds(value: str) -> tuple[date, date]:
    """First and last day of a ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` value.

    Raises ``ValueError`` for anything else, including impossible dates.
    """
    parts = value.split("-")
    if not all(p.isdigit() for p in parts) or len(parts[0]) != 4 or len(parts) > 3:
        raise ValueError(f"not a date: {value!r}")
    year = int(parts[0])
    if len(parts) == 1:
        return date(year, 1, 1), date(year, 12, 31)
    month = int(parts[1])
    if len(parts) == 2:
        if not 1 <= month <= 12:
            raise ValueError(f"no month {month} in {value!r}")
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    day = date(year, month, int(parts[2]))
    return day, day


def event_interval(record: Mapping) -> tuple[date, date] | None:
    """The days an event may have happened on, or None when its date is unknown.

    The interval runs from the first day of ``date_start``'s period to the last
    day of ``date_end``'s (or ``date_start``'s) period: "2026-01" at month
    precision spans 1 to 31 January 2026.
    """
    start = record.get("date_start") or ""
    if not start or record.get("date_precision") == "unknown":
        return None
    first, last = period_bounds(start)
    if record.get("date_end"):
        last = period_bounds(record["date_end"])[1]
    return first, last


def is_http_url(url: str) -> bool:
    """True for an http(s) URL: the only kind a source may link to."""
    return bool(_HTTP_URL.match(url or ""))


def validate_records(
    rows: Iterable[tuple[int, Mapping]],
    file: str,
    country_check: CountryCheck | None = None,
    *,
    given: bool = False,
) -> list[dict]:
    """Check raw records and return them cleaned, in order.

    ``rows`` yields ``(row_number, record)``; the row number is what problems
    cite.  Raises ``ValidationError`` with every problem when any is found.
    With ``given`` (the raw records are the caller's to give away, as a
    reader's are), records that are clean already are returned as they are,
    not copied: when every record is a dict of the fields in order whose
    values the checks keep.

    The checks run column by column over all records at once, each distinct
    value (a date, a point, a vocabulary word) checked once; only the records a
    column check flags go through the record-by-record checks, which word the
    problems, so the messages are the same whichever way a record went.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    clean = _clean_columns([raw for _, raw in rows], country_check, given)
    flagged = [index for index, record in enumerate(clean) if record is None]
    problems: dict[int, list[Problem]] = {}
    for index in flagged:
        row, raw = rows[index]
        clean[index], problems[index] = _validate_record(raw, file, row, country_check)
    ids = [record.get("id") for record in clean]
    if not any(problems.values()) and len(set(ids)) == len(ids):
        return clean
    found: list[Problem] = []
    first_row_of: dict[str, int] = {}
    for index, ((row, _), event_id) in enumerate(zip(rows, ids, strict=True)):
        found.extend(problems.get(index, ()))
        if event_id:
            if event_id in first_row_of:
                found.append(Problem(file, row, "id", f"duplicate id {event_id!r} (first at row {first_row_of[event_id]})"))
            else:
                first_row_of[event_id] = row
    if found:
        raise ValidationError(found)
    return clean


def _validate_record(
    raw: Mapping, file: str, row: int, country_check: CountryCheck | None
) -> tuple[dict, list[Problem]]:
    problems: list[Problem] = []

    def problem(field: str, message: str) -> None:
        problems.append(Problem(file, row, field, message))

    if not isinstance(raw, Mapping):
        problem("-", "a record must be an object of fields")
        return {}, problems
    for name in sorted(raw.keys() - _FIELD_SET, key=str):
        problem(str(name), "unknown field")
    record = {name: raw.get(name) for name in FIELDS}
    for name in _TEXT_FIELDS:
        value = record[name]
        text = _plain_text(value)
        record[name] = text if text is not None else _text(value, name, problem)
    for name in LIST_FIELDS:
        if record[name] is None:
            record[name] = []
    if record["context"] is None:
        record["context"] = False
    for name in REQUIRED:
        if record[name] in ("", [], None):
            problem(name, "missing")

    _check_vocabularies(record, problem)
    _check_dates(record, problem)
    _check_place(record, problem, country_check)
    _check_fatalities(record, problem)
    record["actors"] = _check_items(record["actors"], "actors", ACTOR_FIELDS, ("name",), problem)
    record["sources"] = _check_items(record["sources"], "sources", SOURCE_FIELDS, (), problem)
    _check_sources(record["sources"], problem)
    record["tags"] = _check_tags(record["tags"], problem)
    if not isinstance(record["context"], bool):
        problem("context", "must be true or false")
    return record, problems


def _plain_text(value) -> str | None:
    """``value`` stripped if it is acceptable text, else None; the fast path, run dozens of times per record."""
    if value.__class__ is str and len(value) <= MAX_TEXT and "\x00" not in value:
        return value.strip()
    return None


def _text(value, name: str, problem) -> str:
    """``value`` as stripped text, reporting what is wrong with it under ``name``."""
    text = _plain_text(value)
    if text is not None:
        return text
    if value is None:
        return ""
    if not isinstance(value, str):
        problem(name, f"must be text, not {type(value).__name__}")
        return ""
    if len(value) > MAX_TEXT:
        problem(name, f"longer than {MAX_TEXT} characters")
    if "\x00" in value:
        problem(name, "contains a NUL character")
    return value.strip()


def _check_vocabularies(record: dict, problem) -> None:
    if record["id"] and not _ID.match(record["id"]):
        problem("id", "must be 1-128 letters, digits or . _ : - and start with a letter or digit")
    event_type = record["event_type"]
    if event_type and event_type != event_type.lower():
        problem("event_type", f"must be lowercase: {event_type!r}")
    for name, allowed in (
        ("date_precision", DATE_PRECISIONS),
        ("location_precision", LOCATION_PRECISIONS),
        ("verification", VERIFICATION_STATUSES),
        ("fatalities_qualifier", FATALITY_QUALIFIERS),
    ):
        if record[name] and record[name] not in allowed:
            problem(name, f"{record[name]!r} is not one of {', '.join(a for a in allowed if a)}")


def _check_dates(record: dict, problem) -> None:
    precision, start, end = record["date_precision"], record["date_start"], record["date_end"]
    if precision == "unknown" or not precision:
        if start or end:
            problem("date_start", "a date is given but date_precision is 'unknown'")
        return
    if not start:
        problem("date_start", f"missing (date_precision is {precision!r}; use 'unknown' when there is no date)")
        return
    form = _DATE_FORMS.get(precision)
    if form and not form.match(start):
        shape = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY"}[precision]
        problem("date_start", f"{start!r} does not match precision {precision!r} ({shape})")
        return
    bounds = {}
    for name, value in (("date_start", start), ("date_end", end)):
        if value:
            try:
                bounds[name] = period_bounds(value)
            except ValueError:
                problem(name, f"not a valid date: {value!r} (use YYYY-MM-DD, YYYY-MM or YYYY)")
    if "date_start" in bounds and "date_end" in bounds and bounds["date_end"][1] < bounds["date_start"][0]:
        problem("date_end", f"{end} is before date_start {start}")


def _check_place(record: dict, problem, country_check: CountryCheck | None) -> None:
    lat, lon = record["lat"], record["lon"]
    precision = record["location_precision"]
    country = record["country"]
    if country:
        record["country"] = country = country.upper()
        if not _COUNTRY.match(country):
            problem("country", f"{country!r} is not an ISO 3166-1 alpha-2 code")
            country = ""
    if lat in ("", None) and lon in ("", None):
        record["lat"] = record["lon"] = None
        if precision and precision != "unknown":
            problem("location_precision", f"{precision!r} but there are no coordinates (use 'unknown' for unmapped events)")
        return
    coords = {}
    for name, word, value, limit in (("lat", "latitude", lat, 90), ("lon", "longitude", lon, 180)):
        number = _number(value)
        if number is None:
            given = value not in ("", None)
            problem(name, f"{word} is not a number: {value!r}" if given else f"{word} missing (the other coordinate is given)")
        elif not -limit <= number <= limit:
            problem(name, f"{word} {number} is out of range (-{limit} to {limit})")
        else:
            coords[name] = number
        record[name] = number
    if precision == "unknown":
        problem("location_precision", "'unknown' but coordinates are given")
    if len(coords) == 2 and country and country_check is not None:
        near = country_check(coords["lat"], coords["lon"])
        if country not in near:
            where = ", ".join(sorted(near)) or "no country"
            problem("country", f"coordinates {coords['lat']}, {coords['lon']} lie in {where}, not {country}")


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _check_fatalities(record: dict, problem) -> None:
    value = record["fatalities"]
    if value in ("", None):
        record["fatalities"] = None
        if record["fatalities_qualifier"]:
            problem("fatalities_qualifier", "given without a fatalities figure")
        return
    number = _number(value)
    if number is None or number < 0 or number != int(number):
        problem("fatalities", f"must be a whole number of 0 or more, not {value!r}")
        record["fatalities"] = None
    else:
        record["fatalities"] = int(number)


def _check_items(items, field: str, allowed: tuple, required: tuple, problem) -> list[dict]:
    if not isinstance(items, list):
        problem(field, "must be a list (in CSV, a JSON list)")
        return []
    clean = []
    for index, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            problem(f"{field}[{index}]", "must be an object")
            continue
        entry = {}
        for key in sorted(item.keys() - set(allowed), key=str):
            problem(f"{field}[{index}].{key}", "unknown field")
        for key in allowed:
            value = item.get(key)
            text = _plain_text(value)
            entry[key] = text if text is not None else _text(value, f"{field}[{index}].{key}", problem)
        for key in required:
            if not entry[key]:
                problem(f"{field}[{index}].{key}", "missing")
        clean.append(entry)
    return clean


def _check_sources(sources: list[dict], problem) -> None:
    ids = [s["id"] for s in sources if s["id"]]
    for index, source in enumerate(sources, 1):
        where = f"sources[{index}]"
        if not (source["publisher"] or source["author"] or source["title"] or source["kind"]):
            problem(f"{where}.publisher", "a source needs a publisher, author, title or kind")
        url = source["url"]
        if url and not is_http_url(url):
            problem(f"{where}.url", f"only http(s) URLs are allowed: {url[:80]!r}")
        if source["date"]:
            try:
                period_bounds(source["date"])
            except ValueError:
                problem(f"{where}.date", f"not a valid date: {source['date']!r}")
        if source["cited_by"] and source["cited_by"] not in ids:
            problem(f"{where}.cited_by", f"no source with id {source['cited_by']!r} in this event")
        if not source["excerpt"] and not source["cited_by"]:
            problem(f"{where}.excerpt", "missing (only a source known through another source's excerpt may go without)")
    if len(ids) != len(set(ids)):
        problem("sources", "source ids must be unique within an event")


def _check_tags(tags, problem) -> list[str]:
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problem("tags", "must be a list of text labels")
        return []
    return [t.strip() for t in tags if t.strip()]


# --- the same checks, column by column ------------------------------------------------------------

_NONE = type(None)
_FIELD_VALUES = operator.itemgetter(*FIELDS)
_BLOCK = 4096
"""Texts joined at a time to look for NUL characters."""
_ROWS = 32_768
"""Rows whose lists are looked at together: what is made of them stays small enough to be quick to reach."""


def _clean_columns(raws: list, country_check: CountryCheck | None, given: bool = False) -> list[dict | None]:
    """Each raw record cleaned as ``_validate_record`` cleans it, or None where a column check finds (or may find) a problem.

    Every check is the record-by-record one, run once per distinct value of the fields it reads; nested
    lists already in clean form (as an importer builds them) are kept as they are, shared where the raw
    records share them.  With ``given``, the raw records themselves when the checks keep them all as they are
    (``_kept``).
    """
    flagged = bytearray(len(raws))
    dicts = raws
    if not (set(map(type, raws)) <= {dict} and all(map(_FIELD_SET.issuperset, raws))):
        _flag(flagged, [i for i, raw in enumerate(raws) if raw.__class__ is not dict or not raw.keys() <= _FIELD_SET])
        dicts = [raw if raw.__class__ is dict else {} for raw in raws]
    try:
        columns = _columns_of(dicts)
    except KeyError:  # some records leave fields out
        columns = {name: [raw.get(name) for raw in dicts] for name in FIELDS}
    raw_columns = dict(columns)
    for name in _TEXT_FIELDS:
        columns[name] = _text_column(columns[name], flagged)
    for name in LIST_FIELDS:
        if None in columns[name]:
            columns[name] = [[] if value is None else value for value in columns[name]]
    context = columns["context"]
    if not set(map(type, context)) <= {bool}:
        _flag(flagged, [i for i, value in enumerate(context) if value is not None and value.__class__ is not bool])
        columns["context"] = [value is True for value in context]
    for name in REQUIRED:
        values = columns[name]
        if "" in values or [] in values or None in values:
            _flag(flagged, [i for i, value in enumerate(values) if value in ("", [], None)])

    if not all(map(_ID.match, filter(None, columns["id"]))):
        _flag(flagged, [i for i, value in enumerate(columns["id"]) if value and not _ID.match(value)])
    _flag_distinct(flagged, columns["event_type"], lambda value: value != value.lower())
    for name, allowed in (("date_precision", DATE_PRECISIONS), ("location_precision", LOCATION_PRECISIONS),
                          ("verification", VERIFICATION_STATUSES), ("fatalities_qualifier", FATALITY_QUALIFIERS)):
        _flag_distinct(flagged, columns[name], lambda value, allowed=allowed: bool(value) and value not in allowed)
    _by_distinct(flagged, columns, ("date_precision", "date_start", "date_end"), _check_dates, ())
    _by_distinct(flagged, columns, ("country", "lat", "lon", "location_precision"),
                 lambda record, problem: _check_place(record, problem, country_check), ("country", "lat", "lon"))
    _by_distinct(flagged, columns, ("fatalities", "fatalities_qualifier"), _check_fatalities, ("fatalities",))
    columns["actors"] = _item_lists(columns["actors"], flagged, "actors", ACTOR_FIELDS, ("name",))
    columns["sources"] = _item_lists(columns["sources"], flagged, "sources", SOURCE_FIELDS, ())
    _flag_sources(flagged, columns["sources"])
    columns["tags"] = _tag_lists(columns["tags"], flagged)
    if given and not any(flagged) and _kept(raws, raw_columns, columns):
        return list(raws)
    records = list(map(dict, map(functools.partial(zip, FIELDS), zip(*(columns[name] for name in FIELDS), strict=True))))
    if any(flagged):
        for index in (index for index, flag in enumerate(flagged) if flag):
            records[index] = None
    return records


def _columns_of(records: list[dict]) -> dict[str, list]:
    """Each field's values, of records that have every field, ``_ROWS`` records turned into columns at a time."""
    columns: dict[str, list] = {name: [] for name in FIELDS}
    for start in range(0, len(records), _ROWS):
        for name, values in zip(FIELDS, zip(*map(_FIELD_VALUES, records[start : start + _ROWS]), strict=True), strict=True):
            columns[name].extend(values)
    return columns


def _kept(raws: list, raw_columns: dict[str, list], columns: dict[str, list]) -> bool:
    """True when every raw record is a dict of exactly the fields, in order, and the checks kept every value: equal,
    and of the same type where a check may make an equal number of another type (a float latitude of an int)."""
    return (all(map(FIELDS.__eq__, map(tuple, raws)))
            and all(raw_columns[name] == columns[name] for name in FIELDS)
            and all(all(map(operator.is_, map(type, raw_columns[name]), map(type, columns[name])))
                    for name in ("lat", "lon", "fatalities")))


def _finds_problems(check, *args) -> tuple[bool, object]:
    """Whether ``check(*args, problem)`` reports any problem, and what it returns."""
    problems: list[str] = []
    result = check(*args, lambda field, message: problems.append(field))
    return bool(problems), result


def _flag(flagged: bytearray, indices: Iterable[int]) -> None:
    for index in indices:
        flagged[index] = 1


def _text_column(values: list, flagged: bytearray) -> list[str]:
    """A text column stripped, None as ""; values that are not acceptable text are flagged."""
    if set(map(type, values)) <= {str, _NONE}:
        texts = [value or "" for value in values]
        if max(map(len, texts), default=0) <= MAX_TEXT and not _any_nul(texts):
            return list(map(str.strip, texts))
    _flag(flagged, [i for i, value in enumerate(values) if value is not None and _plain_text(value) is None])
    return [value.strip() if value.__class__ is str else "" for value in values]


def _flag_distinct(flagged: bytearray, values: list, bad: Callable[[object], bool]) -> None:
    """Flag the rows holding a value for which ``bad`` is true, asking once per distinct value."""
    wrong = {value for value in set(values) if bad(value)}
    if wrong:
        _flag(flagged, [i for i, value in enumerate(values) if value in wrong])


def _by_distinct(flagged: bytearray, columns: dict, fields: tuple[str, ...], check, cleaned: tuple[str, ...]) -> None:
    """Run a record check (``check(record, problem)``) once per distinct combination of ``fields``; flag the rows whose
    combination has a problem, and set the ``cleaned`` fields to what the check made of them.

    Values are told apart by type as well (``True`` is not ``1``); a float the check keeps as a float stays the row's
    own (so that -0.0 stays -0.0).
    """
    values = [columns[name] for name in fields]
    keys = list(zip(*values, *(map(type, column) for column in values), strict=True))  # the values, then their types
    outcome: dict[tuple, tuple | None] = {}
    for key in set(keys):
        record = dict(zip(fields, key[: len(fields)], strict=True))
        outcome[key] = None if _finds_problems(check, record)[0] else tuple(record[name] for name in cleaned)
    results = list(map(outcome.__getitem__, keys))
    _flag(flagged, [i for i, result in enumerate(results) if result is None])
    for position, name in enumerate(cleaned):
        made = [result[position] if result else None for result in results]
        columns[name] = [own if own.__class__ is float and value.__class__ is float else value
                         for own, value in zip(columns[name], made, strict=True)]


def _any_nul(texts: list[str]) -> bool:
    """Whether any of the texts holds a NUL character (looked for in texts joined ``_BLOCK`` at a time)."""
    return any("\x00" in "".join(texts[start : start + _BLOCK]) for start in range(0, len(texts), _BLOCK))


def _lists_once(values: list, flagged: bytearray, clean: Callable[[object], list | None]) -> list:
    """A column of lists, each distinct list object (told apart by identity) cleaned once by ``clean`` (None: it has a
    problem); rows with a problem are flagged."""
    done = {key: clean(value) for key, value in dict(zip(map(id, values), values, strict=True)).items()}
    out = list(map(done.__getitem__, map(id, values)))
    if any(value is None for value in done.values()):
        _flag(flagged, [index for index, value in enumerate(out) if value is None])
    return out


def _item_lists(values: list, flagged: bytearray, field: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> list:
    """A column of actor or source lists, each checked once (lists and items are told apart by identity): a list already
    clean is kept, another cleaned as ``_check_items`` cleans it; rows with a problem are flagged.  When every item of
    every list is clean (``_clean_lists``, column by column), every list is kept without looking at each."""
    if all(_clean_lists(values[start : start + _ROWS], allowed, required) for start in range(0, len(values), _ROWS)):
        return values
    normal: dict[int, bool] = {}
    return _lists_once(values, flagged, lambda items: _clean_items(items, field, allowed, required, normal))


def _clean_items(items, field: str, allowed: tuple[str, ...], required: tuple[str, ...], normal: dict[int, bool]) -> list | None:
    if items.__class__ is list:
        for item in items:
            key = id(item)
            if key not in normal:
                normal[key] = _is_clean_item(item, allowed, required)
            if not normal[key]:
                break
        else:
            return items
    found, clean = _finds_problems(_check_items, items, field, allowed, required)
    return None if found else clean


def _clean_lists(values: list, allowed: tuple[str, ...], required: tuple[str, ...]) -> bool:
    """True when every value is a list whose items ``_is_clean_item`` holds for, checked column by column over the
    distinct items: each a dict of exactly ``allowed`` in that order, each key's values clean text (``_clean_texts``),
    the required ones given."""
    lists = list(dict(zip(map(id, values), values, strict=True)).values())
    if not set(map(type, lists)) <= {list}:
        return False
    items = list(itertools.chain.from_iterable(lists))
    items = list(dict(zip(map(id, items), items, strict=True)).values())
    if not (set(map(type, items)) <= {dict} and all(map(allowed.__eq__, map(tuple, items)))):
        return False
    columns = {key: list(map(operator.itemgetter(key), items)) for key in allowed}
    return all(map(_clean_texts, columns.values())) and all(all(columns[key]) for key in required)


def _clean_texts(values: list) -> bool:
    """True when every value is text ``_plain_text`` keeps as it is: stripped, not too long, without NUL."""
    return (set(map(type, values)) <= {str} and all(map(str.__eq__, map(str.strip, values), values))
            and max(map(len, values), default=0) <= MAX_TEXT and not _any_nul(values))


def _is_clean_item(item, allowed: tuple[str, ...], required: tuple[str, ...]) -> bool:
    """True for an item ``_check_items`` would return unchanged: a dict of exactly ``allowed`` in that order, every
    value stripped text of acceptable length without NUL, the required ones given."""
    return (item.__class__ is dict and tuple(item) == allowed and _clean_texts(list(item.values()))
            and all(item[key] for key in required))


def _flag_sources(flagged: bytearray, column: list) -> None:
    """Flag the rows whose clean sources ``_check_sources`` finds a problem with."""
    for index, sources in enumerate(column):
        if not flagged[index]:
            flagged[index] = _finds_problems(_check_sources, sources)[0]


def _tag_lists(values: list, flagged: bytearray) -> list:
    """A column of tag lists, each distinct list object checked once by ``_check_tags``; rows with a problem are flagged."""
    return _lists_once(values, flagged, _clean_tags)


def _clean_tags(tags) -> list | None:
    """The tags as ``_check_tags`` cleans them (the list itself when it is clean already), or None when it finds a problem."""
    found, clean = _finds_problems(_check_tags, tags)
    return None if found else tags if clean == tags else clean
