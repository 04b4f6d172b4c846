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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from geo import gazetteer, names
from geo.importers import Read
from geo.importers.events_csv import csv_rows
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


def read(path: Path) -> Read:
    """Map every row of an ACLED export; rows that cannot be mapped are problems in ACLED's terms.

    File-level problems (unreadable, empty, missing columns) raise ``ValidationError``.
    """
    path = Path(path)
    header, rows = csv_rows(path)
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValidationError([Problem(str(path), 1, ", ".join(missing),
                                       f"missing ACLED {noun(len(missing), 'column')}; is this an ACLED export?")])
    found = Read(columns=SCHEMA_COLUMNS)
    for line, cells in rows:
        row = _Row(str(path), line, cells)
        record = row.record()
        if row.problems:
            found.problems.extend(row.problems)
        else:
            found.rows.append((line, record))
        found.warnings.extend(row.warnings)
    return found


class _Row:
    """One ACLED row being mapped; problems and warnings accumulate on it."""

    def __init__(self, file: str, line: int, cells: dict):
        self.file, self.line = file, line
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        if None in cells:
            self.problem("-", f"{plural(len(cells[None]), 'more cell')} than header columns")
        self.cells = {name: (value or "").strip() for name, value in cells.items() if name in COLUMNS}
        for name, value in self.cells.items():
            if len(value) > MAX_TEXT:
                self.problem(name, f"{len(value)} characters; the longest accepted is {MAX_TEXT}")
                self.cells[name] = ""

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, column, message))

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def record(self) -> dict:
        event_id = self.get("event_id_cnty")
        if not event_id:
            self.problem("event_id_cnty", "missing")
        location, notes = self.get("location"), self.get("notes")
        sources = self._sources(event_id, notes)
        names = [s["publisher"] for s in sources[1:]]
        record = {
            "id": ID_PREFIX + event_id,
            "title": f"{self.get('sub_event_type') or self.get('event_type')} in {location or self.get('admin1') or self.get('country')}",
            "event_type": self._event_type(),
            "context": False,
            **self._dates(),
            "place_reported": ", ".join(dict.fromkeys(p for p in (location, *(self.get(f"admin{i}") for i in (3, 2, 1)),
                                                                    self.get("country")) if p)),
            "place_name": location,
            **self._place(location),
            "actors": self._actors(),
            "description": notes,
            "fatalities": self._fatalities(),
            "fatalities_qualifier": "",
            "tags": self._tags(),
            "sources": sources,
            "claim": f"Reported by {'; '.join(names)}, as coded by ACLED" if names else "Coded by ACLED (no source named)",
            "verification": "reported",
        }
        return record

    def _event_type(self) -> str:
        acled_type = self.get("event_type")
        if not acled_type:
            self.problem("event_type", "missing")
            return ""
        mapped = EVENT_TYPES.get(acled_type.casefold())
        if mapped is None:
            self.problem("event_type", f"{acled_type!r} is not an ACLED event type ({', '.join(sorted(EVENT_TYPES))})")
        return mapped or ""

    def _dates(self) -> dict:
        day = _parse_date(self.get("event_date"))
        precision = self.get("time_precision")
        if day is None:
            shown = self.get("event_date")
            self.problem("event_date", f"not a date: {shown!r} (use e.g. 22 April 2025 or 2025-04-22)" if shown else "missing")
            return {}
        year = self.get("year")
        if year and year != str(day.year):
            self.problem("year", f"{year} does not match event_date {self.get('event_date')!r}")
        if precision == "1":
            return {"date_start": day.isoformat(), "date_end": "", "date_precision": "day", "date_note": ""}
        if precision == "2":
            start, end = day - timedelta(days=APPROXIMATE_DAYS), day + timedelta(days=APPROXIMATE_DAYS)
            note = _DATE_NOTES["2"].format(day=day.isoformat(), start=start.isoformat(), end=end.isoformat(), days=APPROXIMATE_DAYS)
            return {"date_start": start.isoformat(), "date_end": end.isoformat(), "date_precision": "approximate", "date_note": note}
        if precision == "3":
            return {"date_start": f"{day:%Y-%m}", "date_end": "", "date_precision": "month",
                    "date_note": _DATE_NOTES["3"].format(day=day.isoformat())}
        self.problem("time_precision", f"{precision!r} is not an ACLED time precision (1, 2 or 3)" if precision else "missing")
        return {}

    def _place(self, location: str) -> dict:
        country = self._country()
        admin1 = neutral_admin1(country, self.get("admin1"))
        code = self.get("geo_precision")
        if code not in _LOCATION_PRECISIONS:
            self.problem("geo_precision", f"{code!r} is not an ACLED geo precision (1, 2 or 3)" if code else "missing")
            return {"country": country, "admin1": admin1}
        place = {"country": country, "admin1": admin1, "location_precision": _LOCATION_PRECISIONS[code],
                 "location_note": _PLACE_NOTES[code].format(place=location or "the place")}
        lat, lon = self._coordinate("latitude"), self._coordinate("longitude")
        if lat is not None and lon is not None:
            return {**place, "lat": lat, "lon": lon}
        if self.get("latitude") or self.get("longitude"):
            if not (self.get("latitude") and self.get("longitude")):
                self.problem("latitude" if not self.get("latitude") else "longitude", "missing (the other coordinate is given)")
            return place
        return {**place, **self._geocode(location, country, self.get("admin1"), place)}

    def _coordinate(self, column: str) -> float | None:
        text = self.get(column)
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            self.problem(column, f"not a number: {text!r}")
            return None

    def _geocode(self, location: str, country: str, admin1: str, place: dict) -> dict:
        candidate, why = geocode(location, country, admin1)
        if candidate is None:
            self.warnings.append(Problem(self.file, self.line, "location", f"no coordinates and {why}; kept unmapped"))
            return {"lat": None, "lon": None, "location_precision": "unknown",
                    "location_note": f"ACLED gives no coordinates, and {why}; not mapped."}
        note = (f"ACLED gives no coordinates; placed at GeoNames {candidate.name} ({candidate.geonameid}), "
                f"the one town of that name in the offline gazetteer ({why}). {place['location_note']}")
        return {"lat": candidate.lat, "lon": candidate.lon, "location_note": note}

    def _country(self) -> str:
        iso, name = self.get("iso"), self.get("country")
        if iso and iso != "0":
            code = names.country_code(iso) if iso.isdigit() else None
            if code is None:
                self.problem("iso", f"{iso!r} is not an ISO 3166-1 numeric country code")
            return code or ""
        code = names.country_code(name) if name else None
        if code is None:
            self.problem("country", f"unknown country {name!r}" if name else "missing (and no iso code)")
        return code or ""

    def _actors(self) -> list[dict]:
        actors = []
        for n in ("1", "2"):
            name = self.get(f"actor{n}")
            if name:
                kind = INTER_TYPES.get(self.get(f"inter{n}"), self.get(f"inter{n}"))
                actors.append({"name": name, "role": f"actor {n} ({kind})" if kind and kind != "0" else f"actor {n}"})
            actors += [{"name": a, "role": f"associated with actor {n}"} for a in _split(self.get(f"assoc_actor_{n}"))]
        if not self.get("actor1"):
            self.problem("actor1", "missing")
        return actors

    def _fatalities(self) -> int | None:
        text = self.get("fatalities")
        if not text:
            return None
        if not text.isdigit():
            self.problem("fatalities", f"must be a whole number of 0 or more, not {text!r}")
            return None
        return int(text)

    def _tags(self) -> list[str]:
        tags = [self.get("sub_event_type"), *_split(self.get("disorder_type"))]
        if self.get("civilian_targeting"):
            tags.append(self.get("civilian_targeting").lower())
        tags += _split(self.get("tags"))
        if self.get("source_scale"):
            tags.append(f"source scale: {self.get('source_scale')}")
        return list(dict.fromkeys(t for t in tags if t))

    def _sources(self, event_id: str, notes: str) -> list[dict]:
        excerpt = notes or (f"ACLED event {event_id}: {self.get('event_type')} ({self.get('sub_event_type')}) "
                            f"at {self.get('location')} on {self.get('event_date')}; ACLED gives no notes.")
        acled = {"id": "acled", "publisher": "ACLED", "author": "", "title": f"ACLED event {event_id}", "url": "",
                 "date": self._timestamp_date(), "excerpt": excerpt, "cited_by": "",
                 "kind": "ACLED event record, coded from the reports it cites"}
        reports = [
            {"id": f"s{i}", "publisher": name, "author": "", "title": "", "url": "", "date": "", "excerpt": "",
             "cited_by": "acled", "kind": _SOURCE_KIND}
            for i, name in enumerate(dict.fromkeys(_split(self.get("source"))), 1)
        ]
        return [acled, *reports]

    def _timestamp_date(self) -> str:
        text = self.get("timestamp")
        if not text:
            return ""
        if text.isdigit() and len(text) <= 11:
            return datetime.fromtimestamp(int(text), UTC).date().isoformat()
        self.problem("timestamp", f"not a Unix time in seconds: {text!r}")
        return ""


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
