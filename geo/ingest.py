"""Ingest: read a file, place rows by name if asked, validate every record, and hand the clean records to a store.

The one way events enter the project, and the one caller of validation:
``read`` (``geo.importers``, any format) -> ``place_by_name`` (with
``geocode``: rows with a place name and no coordinates get a point from the
offline gazetteer, only on a clear match) -> ``validate`` (``geo.schema`` with
the basemap's country check) -> a frame (``load_file``) or a store
(``import_file``, ``save``).  Problems are ``FILE:ROW:FIELD: message`` with
the field named as the user's file names it.  A file with any invalid row
changes nothing (unless the caller asks to skip invalid rows).  A file exported
from a store carries each event's ``revision`` (``geo.schema.REVISION``);
importing it refuses, nothing written, events changed in the store since
(``geo.stores.RevisionConflict``) unless the caller says to ignore revisions.
This module never knows which store backend it feeds.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd

from geo import DATA_DIR, basemap, frame, gazetteer, importers, names, stores
from geo.schema import LOCATION_PRECISIONS, REVISION, Problem, ValidationError, validate_records
from geo.stores import ChangeSummary, Store

SEED_FILE = DATA_DIR / "events.geojson"
"""The shipped events: the first dataset, in the default store from its first use."""

COUNTRY_TOLERANCE_KM = 25
"""How far a point may lie outside its named country's polygon (coastal towns, border towns, a coarse basemap)."""


@dataclass(frozen=True)
class Checked:
    """A file's valid records, the problems of the rows left out (only when skipping), warnings, and the revisions it carries."""

    file: Path
    records: list[dict]
    skipped: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    revisions: Mapping[str, int] = field(default_factory=dict)
    """Event id -> the revision the event had in the store the file was exported from."""

    @property
    def skipped_rows(self) -> list[int]:
        return sorted({p.row for p in self.skipped})


@dataclass(frozen=True)
class ImportReport:
    """What ``import_file`` did: the changes, the problems of rows left out, and warnings."""

    file: Path
    summary: ChangeSummary
    skipped: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def skipped_rows(self) -> list[int]:
        """The rows left out (only with ``skip_invalid``)."""
        return sorted({p.row for p in self.skipped})


def country_check(lat: float, lon: float) -> set[str]:
    """Countries at or within COUNTRY_TOLERANCE_KM of a point, from the shipped basemap."""
    return basemap.countries_near(lat, lon, tolerance_km=COUNTRY_TOLERANCE_KM)


def validate(rows: Iterable[tuple[int, Mapping]], file: str, read: importers.Read | None = None) -> list[dict]:
    """``validate_records`` with the basemap country check, asked for every distinct point at once.

    With ``read`` (what a reader found), each problem names the field as that file does, and the reader's records
    are given away: one already clean is returned as it is.
    """
    rows = list(rows)
    points = list(dict.fromkeys(p for p in itertools.starmap(_point, _coordinates([raw for _, raw in rows])) if p is not None))
    found = basemap.countries_near_many([p[0] for p in points], [p[1] for p in points], COUNTRY_TOLERANCE_KM) if points else []
    known = dict(zip(points, found, strict=True))

    def check(lat: float, lon: float) -> set[str]:
        return known[(lat, lon)] if (lat, lon) in known else country_check(lat, lon)

    try:
        return validate_records(rows, file, check, given=read is not None)
    except ValidationError as error:
        if read is None:
            raise
        raise ValidationError([replace(p, field=read.column(p.field)) for p in error.problems]) from None


def _coordinates(raws: list) -> Iterable[tuple]:
    """The distinct (lat, lon) of the raw records (None, None for one that is not a mapping), asked column by column."""
    if not set(map(type, raws)) <= {dict}:
        return [(raw.get("lat"), raw.get("lon")) if isinstance(raw, Mapping) else (None, None) for raw in raws]
    pairs = list(zip(map(dict.get, raws, itertools.repeat("lat")), map(dict.get, raws, itertools.repeat("lon")), strict=True))
    try:
        return dict.fromkeys(pairs)
    except TypeError:  # a value that is not hashable (a list in a GeoJSON property): each pair is tried
        return pairs


def _point(lat, lon) -> tuple[float, float] | None:
    """A raw record's (lat, lon) as floats, if both are numbers in range."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    return (lat, lon) if abs(lat) <= 90 and abs(lon) <= 180 else None


@frame.paused_gc
def check_file(path: Path | str, fmt: str | None = None, *, skip_invalid: bool = False, geocode: bool = False) -> Checked:
    """Read and validate an event file (GeoJSON, CSV or ACLED CSV).

    Any invalid row raises ``ValidationError`` listing every problem as
    ``FILE:ROW:FIELD: message``; with ``skip_invalid`` the valid rows are kept
    and the others reported.  With ``geocode``, rows with a place name and no
    coordinates are placed first (``place_by_name``).  Problems with the file as
    a whole (unreadable, empty, not the format, no events) always raise.
    """
    path = Path(path)
    read = importers.read(path, fmt)
    revisions, problems = _take_revisions(read, str(path))
    rows, place_problems, unplaced = place_by_name(read, str(path), geocode)
    problems += list(read.problems) + place_problems
    if not rows and not problems:
        raise importers.file_error(path, "no events in the file")
    unplaced_rows = {p.row for p in place_problems}
    good = [(row, record) for row, record in rows if row not in unplaced_rows] if unplaced_rows else rows
    try:
        clean = validate(good, str(path), read)
    except ValidationError as error:
        problems = sorted(problems + _hint_geocode(error.problems, unplaced, read), key=lambda p: p.row)
        bad = {p.row for p in problems}
        if not skip_invalid or 0 in bad:
            raise ValidationError(problems) from None
        clean = validate([(row, record) for row, record in good if row not in bad], str(path), read)
    if problems and not skip_invalid:
        raise ValidationError(sorted(problems, key=lambda p: p.row))
    if not clean:
        raise ValidationError([*problems, Problem(str(path), 0, "-", "no valid events to import")])
    kept = {record["id"] for record in clean}
    return Checked(path, clean, tuple(problems), tuple(read.warnings), {i: r for i, r in revisions.items() if i in kept})


def _take_revisions(read: importers.Read, file: str) -> tuple[dict[str, int], list[Problem]]:
    """Take the ``revision`` out of each raw record (validation never sees it): event id -> revision, and the
    problems of rows whose revision is not a whole number from 1 (those rows are dropped from ``read``)."""
    revisions, problems, bad = {}, [], set()
    raws = [raw for _, raw in read.rows]
    if set(map(type, raws)) <= {dict} and not any(map(operator.contains, raws, itertools.repeat(REVISION))):
        return revisions, problems  # no row carries one
    for row, raw in read.rows:
        value = raw.pop(REVISION, None) if isinstance(raw, dict) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        number = _whole_number(value)
        if number is None or number < 1:
            problems.append(Problem(file, row, read.column(REVISION), f"{value!r} is not a revision number (a whole number from 1, "
                                                                      "as exported from a store)"))
            bad.add(row)
        else:
            revisions[str(raw.get("id", "")).strip()] = number
    read.rows = [(row, raw) for row, raw in read.rows if row not in bad]
    return revisions, problems


def _whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


PLACEABLE = LOCATION_PRECISIONS[:-1]
"""The location precisions of a row that has a place, hence needs a point."""


def place_by_name(read: importers.Read, file: str, geocode: bool) -> tuple[list[tuple[int, dict]], list[Problem], dict[int, str]]:
    """Rows with a place name and no coordinates, placed from the offline gazetteer when ``geocode`` is set.

    A row qualifies when it has neither ``lat`` nor ``lon``, a ``place_name``
    (else ``place_reported``), and a location precision other than unknown
    (with ``geocode``, also none: it becomes town).  The row's ``country`` and
    ``admin1`` are hints; only a clear match (``gazetteer.resolve``) places it:
    ``place_name``, ``admin1``, ``country``, ``lat`` and ``lon`` come from the
    GeoNames town, ``place_reported`` stays the row's, and the location note says
    which GeoNames entry it was.  An unknown or ambiguous name is a problem on the
    name's field that lists the candidates.  Returns the rows, the problems, and
    (without ``geocode``) the rows that could have been placed, with their names.
    """
    rows, problems, unplaced = list(read.rows), [], {}
    for index in _without_point(rows):
        row, raw = rows[index]
        field, name = _place_to_find(raw, geocode)
        if not name:
            continue
        if not geocode:
            unplaced[row] = name
            continue
        placed, message = _placed(raw, name)
        if placed is None:
            problems.append(Problem(file, row, read.column(field), message))
        else:
            rows[index] = (row, placed)
    return rows, problems, unplaced


def _without_point(rows: list[tuple[int, object]]) -> list[int]:
    """The positions of the rows that may need placing (``_place_to_find``): no lat and no lon, or not a plain dict."""
    return [index for index, (_, raw) in enumerate(rows)
            if raw.__class__ is not dict or (raw.get("lat") in ("", None) and raw.get("lon") in ("", None))]


def _place_to_find(raw, geocode: bool) -> tuple[str, str]:
    """(field, name) of a row to place by name, or ("", "")."""
    if not isinstance(raw, Mapping) or raw.get("lat") not in ("", None) or raw.get("lon") not in ("", None):
        return "", ""
    precision = raw.get("location_precision")
    if not (precision in PLACEABLE or geocode and precision in ("", None)):
        return "", ""
    for name in ("place_name", "place_reported"):
        value = raw.get(name)
        if isinstance(value, str) and value.strip():
            return name, value.strip()
    return "", ""


def _placed(raw: Mapping, name: str) -> tuple[dict | None, str]:
    """The row with the one town ``name`` clearly is, or None and why not (naming the candidates)."""
    given = str(raw.get("country") or "").strip()
    country = names.country_code(given) if given else ""
    if country is None:
        return None, f"cannot place {name!r}: the country {given!r} is unknown (use an ISO code such as PK)"
    resolved = gazetteer.resolve(name, country, str(raw.get("admin1") or ""))
    town = resolved.town
    if town is None:
        listed = "; ".join(f"{c.name}, {c.admin1 or '—'}, {c.country} (GeoNames {c.geonameid}, population {c.population:,})"
                           for c in resolved.rivals)
        advice = "add admin1 or country to tell them apart, or give lat and lon" if resolved.rivals \
            else "give lat and lon, or location_precision unknown for an unmapped event"
        return None, f"not placed: {resolved.reason}{f': {listed}' if listed else ''}; {advice}"
    note = (f"Geocoded offline from the name {name!r}: GeoNames {town.name} (geonameid {town.geonameid}), "
            f"{resolved.reason}; the point is the town's.")
    own = str(raw.get("location_note") or "").strip()
    return {**raw, "place_name": town.name, "admin1": town.admin1, "country": town.country, "lat": town.lat, "lon": town.lon,
            "location_precision": raw.get("location_precision") or "town",
            "location_note": f"{own} {note}" if own else note}, ""


def _hint_geocode(problems: list[Problem], unplaced: Mapping[int, str], read: importers.Read) -> list[Problem]:
    """Point rows that have a place name but no coordinates to ``--geocode``, in place of the bare "no coordinates"."""
    field = read.column("location_precision")
    return [replace(p, message=f"{p.message}; or import with --geocode to place {unplaced[p.row]!r} from the offline gazetteer")
            if p.row in unplaced and p.field == field else p for p in problems]


def load_file(path: Path | str = SEED_FILE, fmt: str | None = None) -> gpd.GeoDataFrame:
    """Read, validate and frame an event file; raises ValidationError listing every problem."""
    return frame.to_frame(check_file(path, fmt).records)


@frame.paused_gc
def import_file(store: Store, path: Path | str, fmt: str | None = None, *, skip_invalid: bool = False,
                geocode: bool = False, ignore_revisions: bool = False) -> ImportReport:
    """``check_file``, then upsert the valid records in one transaction; the audit origin is the file's absolute path.

    The garbage collector stays paused throughout (``frame.paused_gc``): the upsert compares and encodes millions of
    small dicts and lists, none of which needs collecting meanwhile.

    Nothing is written when the file is rejected, when this user may not write to the store (checked first), or
    when an event the file gives a revision for changed in the store since (unless ``ignore_revisions``).
    """
    store.check_writable()
    checked = check_file(path, fmt, skip_invalid=skip_invalid, geocode=geocode)
    summary = store.upsert(checked.records, str(checked.file.resolve()), None if ignore_revisions else checked.revisions)
    return ImportReport(checked.file, summary, checked.skipped, checked.warnings)


def save(store: Store, records: Iterable[Mapping], origin: str, expected: Mapping[str, int] | None = None) -> ChangeSummary:
    """Validate records that do not come from a file (the app's form, a script) and upsert them.

    Problems cite ``ORIGIN:N:FIELD``, N the record's position from 1; nothing is written if any.  ``expected``
    (id -> the revision loaded) refuses events changed since, as ``Store.upsert`` does.
    """
    return store.upsert(validate(list(enumerate(records, 1)), origin), origin, expected)


def check_record(record: Mapping, origin: str = "form") -> tuple[dict | None, list[str]]:
    """One record validated, or None and its problems as "field: message" lines (for a form)."""
    try:
        return validate([(1, record)], origin)[0], []
    except ValidationError as error:
        return None, [f"{p.field}: {p.message}" for p in error.problems]


def check_stored(store: Store) -> gpd.GeoDataFrame:
    """Every stored event validated again (rows cited by their position), for stores edited by other tools."""
    return frame.to_frame(validate(enumerate(store.records(), 1), store.location))


def open_store(location: str | Path | None = None) -> Store:
    """``geo.stores.open_store``, with the shipped events added to the default store when it is created.

    A store the user names (``location`` or ``$INCIDENT_MAP_STORE``) starts empty: it is theirs.
    """
    store = stores.open_store(location)
    if store.created and stores.named_location(location) is None:
        add_shipped_events(store)
    return store


def add_shipped_events(store: Store) -> ImportReport:
    """Import the shipped events (the first dataset) into ``store``."""
    return import_file(store, SEED_FILE)
