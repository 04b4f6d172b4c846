"""The command line, ``python -m geo``: a thin layer over the library.

Every command reads, validates, filters and writes through ``geo``'s modules;
nothing here is needed by the app.  Problems in data are printed as
``FILE:ROW:FIELD: message`` on stderr with exit status 1; a bad option exits 2.
Each command imports what it uses when it runs, so that ``--help`` and the
commands that need no pandas, maps or images start at once: the modules
imported here are only those the options and help texts are made from.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

import geo
from geo import export as exporters
from geo import timeline, wording
from geo.importers import events_csv
from geo.schema import LOCATION_PRECISIONS, ValidationError

if TYPE_CHECKING:
    from geo import filters, ingest, stores

LISTED_IDS = 50
"""Most event ids ``import`` lists per kind of change."""


def _fail_on_problems(func):
    """Print a ValidationError's lines to stderr and exit 1 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from geo import stores

        try:
            return func(*args, **kwargs)
        except ValidationError as error:
            for problem in error.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{wording.plural(len(error.problems), 'problem')} found.", err=True)
            sys.exit(1)
        except stores.StoreError as error:
            click.echo(str(error), err=True)
            sys.exit(1)

    return wrapper


def filter_options(func):
    """Add the filter options, named like the app's URL query keys, and pass ``flt``."""
    options = [
        click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Events that may have happened on or after this day."),
        click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Events that may have happened on or before this day."),
        click.option("--actor", "actors", multiple=True, metavar="NAME",
                     help="Events with this actor (repeatable; any matches; case ignored)."),
        click.option("--type", "types", multiple=True, metavar="TYPE", help="Events of this type, e.g. rally (repeatable; case ignored)."),
        click.option("--country", "countries", multiple=True, metavar="CC",
                     help="Events in this country: ISO code such as PK, or a name (repeatable)."),
        click.option("--near", metavar="LAT,LON,KM", help="Events whose map point lies within KM km (great-circle) of LAT,LON."),
        click.option("--within", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                     help="Events whose map point lies inside the polygons of FILE (GeoJSON, GeoPackage, KML; any CRS)."),
        click.option("--admin1", multiple=True, metavar="NAME",
                     help='Events whose map point lies in this province or state, e.g. "Sindh", "AJK" (repeatable; any matches).'),
        click.option("--q", "text", metavar="TEXT", help="Free text found in title, description, place, actors or sources."),
        click.option("--precision", type=click.Choice(LOCATION_PRECISIONS, case_sensitive=False),
                     help="Coarsest location precision to keep."),
        click.option("--no-context", is_flag=True, help="Leave out background (context) events."),
    ]

    @functools.wraps(func)
    def wrapper(*args, date_from, date_to, actors, types, countries, near, within, admin1, text, precision, no_context, **kwargs):
        from geo import areas, filters

        params = {"actor": list(actors), "type": list(types), "country": list(countries), "admin1": list(admin1)}
        for key, value in (("from", date_from), ("to", date_to), ("near", near), ("q", text), ("precision", precision)):
            if value:
                params[key] = [value]
        if no_context:
            params["context"] = ["0"]
        try:
            flt = filters.from_query(params)
            if within:
                flt = dataclasses.replace(flt, within=areas.read_area_file(within))
        except areas.AreaFileError as error:
            raise click.BadParameter(str(error), param_hint="--within") from None
        except filters.FilterError as error:
            raise click.BadParameter(str(error)) from None
        return func(*args, flt=flt, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


store_option = click.option(
    "--store",
    "store_path",
    metavar="PATH|URL",
    help="Event store to use: a GeoPackage file, or postgresql://USER@HOST/DATABASE for a team's PostGIS store "
    "[default: $INCIDENT_MAP_STORE, else ~/.local/share/incident-map/events.gpkg, which starts with the shipped events; "
    "a store you name starts empty].",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Map reported incidents offline: validate event data, geocode places, export maps and tables.

    Every claim keeps its source, excerpt and verification status; nothing
    needs the network.
    """
    geo.use_arrow_pool()  # before a command imports pyarrow


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["geojson", "csv", "acled"]), help="File format (default: from the extension).")
@store_option
@_fail_on_problems
def validate(file: Path | None, fmt: str | None, store_path: str | None) -> None:
    """Check FILE (default: every event in the store) against the event schema.

    Prints every problem as FILE:ROW:FIELD: message and exits 1 if there is
    any; exits 0 and prints a summary when the file is clean.  ROW is the
    feature number in GeoJSON, the line number in CSV and the event's
    position in the store.
    """
    from geo import frame, ingest

    if file is None:
        store = ingest.open_store(store_path)
        path, events = store.location, ingest.check_stored(store)
    else:
        path, events = file, ingest.load_file(file, fmt)
    mapped = int(frame.is_mapped(events).sum())
    click.echo(f"{path}: {wording.plural(len(events), 'event')} valid ({mapped:,} mapped, {len(events) - mapped:,} unmapped).")


@main.command()
@click.argument("name")
@click.option("--country", help="Prefer places in this country (ISO code such as PK, or a name).")
@click.option("--near", help='Prefer places in this region, e.g. "Azad Kashmir" or "Sindh".')
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100), help="Most candidates to print.")
def geocode(name: str, country: str | None, near: str | None, limit: int) -> None:
    """Look NAME up in the offline gazetteer and print candidates as JSON, best first.

    Each candidate has name, lat, lon, country, admin1, population and the
    reason it matched.  Alternate names and common misspellings match; an
    ambiguous name lists every real candidate.  No network is used.
    """
    from geo import gazetteer

    try:
        candidates = gazetteer.search(name, country=country, near=near, limit=limit)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(json.dumps([c.to_dict() for c in candidates], ensure_ascii=False, indent=2))


@main.command()
@click.argument("fmt", metavar="FORMAT", type=click.Choice(sorted(exporters.WRITERS)))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.option("--input", "source", type=click.Path(path_type=Path), help="Event file to read instead of the store.")
@store_option
@click.option("--title", default="Reported incidents", show_default=True, help="Title shown on maps and images.")
@click.option("--tiles", default="offline", show_default=True, help="html: basemap, 'offline' (shipped) or an online tile layer.")
@click.option("--color-by", type=click.Choice(["type", "actor"]), default="type", show_default=True, help="html: colour markers by.")
@click.option("--size", default="slide", show_default=True,
              help="png/pdf/svg/gif/mp4: a4, slide (1920x1080), small (1280x720, e.g. for messaging apps) or WIDTHxHEIGHT in pixels.")
@click.option("--dpi", default=150, show_default=True, type=click.IntRange(50, 600), help="png/pdf/svg/gif/mp4: resolution.")
@click.option("--step", type=click.Choice(timeline.STEPS),
              help="gif/mp4: one frame per day, week, month, quarter or year [default: from the span of the period].")
@click.option("--mode", type=click.Choice(timeline.MODES), default="cumulative", show_default=True,
              help="gif/mp4: each frame shows the events up to the end of its period (cumulative) or during it (window).")
@click.option("--shade-areas", is_flag=True,
              help="png/pdf/svg: shade each province or state by the events whose map point lies in it, with a legend.")
@click.option("--frame-seconds", type=click.FloatRange(0.1, 60), default=1.0, show_default=True, help="gif/mp4: how long each frame shows.")
@click.option("--made", type=click.DateTime(["%Y-%m-%d"]), help="Date printed as 'made on' (default: today), for reproducible files.")
@click.option("--by", type=click.Choice(["admin1", "country"]),
              help="csv: instead of the events, their counts per first-level area (by map point) or per country.")
@filter_options
@_fail_on_problems
def export(fmt: str, out: Path, source: Path | None, store_path: str | None, flt: filters.Filter, made, by, **options) -> None:
    """Write the events that match the filter to OUT as FORMAT.

    FORMAT is geojson (every field; unmapped events have null geometry), csv
    (spreadsheet-safe; with --by, counts per area instead), html (one
    self-contained offline web map with a source card per event), png, pdf
    or svg (a briefing map with a numbered key), gif or mp4 (that map
    animated over the filter's period, or the events' own, one frame per
    step; events dated only to a month or year, or approximately, show for
    the whole of that span; undated ones never show and each frame counts
    them), kml or kmz (Google Earth: a placemark per mapped event with its
    source card and time span; unmapped events listed in the document),
    gpkg (GeoPackage) or parquet (GeoParquet), both with every field.  The
    file is written atomically; on any error no file is left behind.
    GeoJSON and CSV from the store carry each event's revision, so that
    importing the file back refuses events someone changed since.  On a
    PostGIS store the filter runs in the database.
    """
    if by and fmt != "csv":
        raise click.UsageError(f"--by gives counts per area as csv; it does not apply to {fmt}")
    from geo import frame

    frame.paused_gc(_export)(fmt, out, source, store_path, flt, made, by, **options)


def _export(fmt: str, out: Path, source: Path | None, store_path: str | None, flt: filters.Filter, made, by, **options) -> None:
    from geo import filters, ingest

    store = None if source else ingest.open_store(store_path)
    if store is not None and store.runs_sql:  # the filter runs in the database; what it read tells which values matched nothing
        result, total = filters.select(store, flt)
        known = result.events
    else:
        known = ingest.load_file(source) if source else store.load()
        flt = filters.spelled_as_known(flt, known)
        result, total = filters.apply(known, flt), len(known)
    made_on = made.date() if made else date.today()
    try:
        exporters.WRITERS[fmt](result.events, out, flt=flt, made_on=made_on, undated_excluded=result.undated_excluded,
                               unmapped_excluded=result.unmapped_excluded, by=by, **options)
    except ValueError as error:  # an option the format cannot use, e.g. --size banana
        raise click.UsageError(str(error)) from None
    for choice in filters.empty_choices(known, flt):
        click.echo(f"warning: {choice}", err=True)
    if result.events.empty:
        click.echo(f"warning: no events match this filter, so {out} shows none. {flt.describe()}", err=True)
    note = f"; {wording.undated_left_out(result.undated_excluded)}" if result.undated_excluded else ""
    if result.unmapped_excluded:
        note += "; " + wording.phrase("unmapped_left_out", result.unmapped_excluded)
    click.echo(f"Wrote {wording.shown_of_total(len(result.events), total)} to {out}{note}.")


IMPORT_HELP = f"""Add the events in FILE to the store, or update the stored events with the same ids.

FILE is GeoJSON or CSV in the project's schema, or an ACLED export
(recognised by its header, or --format acled; ids are acled:EVENT_ID_CNTY, so
importing a newer export updates the events ACLED corrected).  Any invalid row
rejects the whole file with FILE:ROW:FIELD: message lines and exit status 1,
and the store is left as it was.  Prints how many events were added, updated
and unchanged, and which; every change is recorded in the store's audit table.

With --geocode, a row with a place name (place_name, else place_reported) and
no coordinates is placed from the offline gazetteer, using its country and
admin1 as hints, only when exactly one town clearly has that name; an unknown
or ambiguous name is an error that lists the candidates.

--shipped-events adds the events shipped with the project (the first
dataset) to the store; the default store has them from its first use, a store
you name starts empty.

A file exported from a store carries each event's revision: if someone changed
one of those events in the store since, the import is refused, nothing written,
naming who and when (--ignore-revisions overrides).

`incident-map template csv --out FILE` writes a CSV with these columns and one
example row to fill in.  CSV columns (any case; latitude and longitude are read
as lat and lon; actors, sources and tags hold JSON lists):

\b
{events_csv.columns_text()}
"""


@main.command("import", help=IMPORT_HELP)
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["geojson", "csv", "acled"]), help="File format (default: from the extension).")
@store_option
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and report the others, instead of rejecting the file.")
@click.option("--geocode", is_flag=True, help="Place rows that have a place name but no coordinates with the offline gazetteer.")
@click.option("--shipped-events", is_flag=True, help="Also add the events shipped with the project (FILE is then optional).")
@click.option("--ignore-revisions", is_flag=True,
              help="Import events changed in the store since FILE was exported too, overwriting those changes (the audit keeps them).")
@_fail_on_problems
def import_(file: Path | None, fmt: str | None, store_path: str | None, skip_invalid: bool, geocode: bool,
            shipped_events: bool, ignore_revisions: bool) -> None:
    if file is None and not shipped_events:
        raise click.UsageError("name a FILE to import, or --shipped-events")
    from geo import ingest, stores

    store = ingest.open_store(store_path)
    if shipped_events:
        _report(ingest.add_shipped_events(store), store)
    if file is None:
        return
    try:
        report = ingest.import_file(store, file, fmt, skip_invalid=skip_invalid, geocode=geocode, ignore_revisions=ignore_revisions)
    except stores.RevisionConflict as error:
        click.echo(str(error), err=True)
        click.echo("Export the store again and redo your changes there, or import with --ignore-revisions to overwrite theirs.",
                   err=True)
        sys.exit(1)
    _report(report, store)


def _report(report: ingest.ImportReport, store: stores.Store) -> None:
    """What an import did: warnings and skipped rows on stderr, the changes on stdout."""
    for problem in report.warnings:
        click.echo(f"{problem.file}:{problem.row}:{problem.field}: warning: {problem.message}", err=True)
    for problem in report.skipped:
        click.echo(str(problem), err=True)
    if report.skipped:
        click.echo(f"Skipped {wording.plural(len(report.skipped_rows), 'invalid row')}.", err=True)
    click.echo(f"Imported {report.file} into {store.location}: {report.summary}.")
    for label, ids in (("added", report.summary.added), ("updated", report.summary.updated)):
        if ids:
            more = f" ... and {len(ids) - LISTED_IDS} more" if len(ids) > LISTED_IDS else ""
            click.echo(f"{label}: {', '.join(ids[:LISTED_IDS])}{more}")


@main.command()
@click.argument("fmt", metavar="FORMAT", type=click.Choice(["csv", "geojson"]))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write (never overwritten).")
def template(fmt: str, out: Path) -> None:
    """Write a ready-to-fill event file in FORMAT (csv or geojson) with one example row.

    The row is plainly an example (no real event, place, person or outlet) and
    valid as it is: replace it with your events (one per row; `import --help`
    says what every column holds), then `incident-map import OUT`.  The CSV is
    spreadsheet-safe.  An existing file is never overwritten.
    """
    if out.exists():
        raise click.UsageError(f"{out} exists already; name a new file")
    exporters.WRITERS[fmt](exporters.template_events(), out)
    click.echo(f"Wrote a {fmt} template with one example event to {out}: replace the example with your events, "
               f"then import it with `incident-map import {out}`.")


@main.group()
def store() -> None:
    """Look at an event store, or copy one into another (GeoPackage <-> PostGIS)."""


@store.command("info")
@store_option
@_fail_on_problems
def store_info(store_path: str | None) -> None:
    """Print what the store is: backend, location, schema version, events, audit entries, and whether you may change it."""
    from geo import ingest

    info = ingest.open_store(store_path).info()
    missing = info.pop("missing permissions")
    for key, value in info.items():
        click.echo(f"{key}: {value}")
    click.echo(f"may change events: {'no (missing: ' + ', '.join(missing) + ')' if missing else 'yes'}")


@store.command("copy")
@click.argument("source", metavar="SRC")
@click.argument("target", metavar="DST")
@_fail_on_problems
def store_copy(source: str, target: str) -> None:
    """Copy every event of the store SRC, with its revision and the whole audit trail, into DST.

    SRC and DST are GeoPackage paths or postgresql:// URLs, either way round. DST is created if it does
    not exist and must hold nothing yet; the copy is one transaction.  Copying into PostGIS writes the
    audit's authors and times as they were, which takes the store owner's role.
    """
    from geo import stores

    src = stores.open_store(source, create=False)
    dst = stores.open_store(target)
    events, entries = stores.copy(src, dst)
    click.echo(f"Copied {events} events and {entries} audit entries from {src.location} to {dst.location}.")
