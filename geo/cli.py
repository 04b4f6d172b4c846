"""The command line, ``python -m geo``: a thin layer over the library.

Every command reads, validates, filters and writes through ``geo``'s modules;
nothing here is needed by the app.  Problems in data are printed as
``FILE:ROW:FIELD: message`` on stderr with exit status 1; a bad option exits 2.
"""

from __future__ import annotations

import functools
import json
import sys
from datetime import date
from pathlib import Path

import click

from geo import export as exporters
from geo import filters, frame, ingest, stores, timeline, wording
from geo.schema import ValidationError

LISTED_IDS = 50
"""Most event ids ``import`` lists per kind of change."""


def _fail_on_problems(func):
    """Print a ValidationError's lines to stderr and exit 1 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationError as error:
            for problem in error.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{len(error.problems)} problem(s) found.", err=True)
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
        click.option("--actor", "actors", multiple=True, metavar="NAME", help="Events with this actor (repeatable; any matches)."),
        click.option("--type", "types", multiple=True, metavar="TYPE", help="Events of this type, e.g. rally (repeatable)."),
        click.option("--country", "countries", multiple=True, metavar="CC", help="Events in this ISO country code (repeatable)."),
        click.option("--q", "text", metavar="TEXT", help="Free text found in title, description, place, actors or sources."),
        click.option("--precision", type=click.Choice(["exact", "town", "region", "unknown"]), help="Coarsest location precision to keep."),
        click.option("--no-context", is_flag=True, help="Leave out background (context) events."),
    ]

    @functools.wraps(func)
    def wrapper(*args, date_from, date_to, actors, types, countries, text, precision, no_context, **kwargs):
        params = {"actor": list(actors), "type": list(types), "country": list(countries)}
        for key, value in (("from", date_from), ("to", date_to), ("q", text), ("precision", precision)):
            if value:
                params[key] = [value]
        if no_context:
            params["context"] = ["0"]
        try:
            flt = filters.from_query(params)
        except filters.FilterError as error:
            raise click.BadParameter(str(error)) from None
        return func(*args, flt=flt, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Event store (GeoPackage) to use [default: $INCIDENT_MAP_STORE, else ~/.local/share/incident-map/events.gpkg; "
    "created from the shipped events on first use].",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Map reported incidents offline: validate event data, geocode places, export maps and tables.

    Every claim keeps its source, excerpt and verification status; nothing
    needs the network.
    """


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["geojson", "csv", "acled"]), help="File format (default: from the extension).")
@store_option
@_fail_on_problems
def validate(file: Path | None, fmt: str | None, store_path: Path | None) -> None:
    """Check FILE (default: every event in the store) against the event schema.

    Prints every problem as FILE:ROW:FIELD: message and exits 1 if there is
    any; exits 0 and prints a summary when the file is clean.  ROW is the
    feature number in GeoJSON, the line number in CSV and the event's
    position in the store.
    """
    if file is None:
        store = ingest.open_store(store_path)
        path, events = store.location, ingest.check_stored(store)
    else:
        path, events = file, ingest.load_file(file, fmt)
    mapped = int(frame.is_mapped(events).sum())
    click.echo(f"{path}: {len(events)} events valid ({mapped} mapped, {len(events) - mapped} unmapped).")


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
@click.option("--frame-seconds", type=click.FloatRange(0.1, 60), default=1.0, show_default=True, help="gif/mp4: how long each frame shows.")
@click.option("--made", type=click.DateTime(["%Y-%m-%d"]), help="Date printed as 'made on' (default: today), for reproducible files.")
@filter_options
@_fail_on_problems
@frame.paused_gc
def export(fmt: str, out: Path, source: Path | None, store_path: Path | None, flt: filters.Filter, made, **options) -> None:
    """Write the events that match the filter to OUT as FORMAT.

    FORMAT is geojson (every field; unmapped events have null geometry), csv
    (spreadsheet-safe), html (one self-contained offline web map with a
    source card per event), or png, pdf or svg (a briefing map with a
    numbered key), or gif or mp4 (that map animated over the filter's
    period, or the events' own, one frame per step; events dated only to
    a month or year, or approximately, show for the whole of that span;
    undated ones never show and each frame counts them).  The file is
    written atomically; on any error no file is left behind.
    """
    events = ingest.load_file(source) if source else ingest.open_store(store_path).load()
    result = filters.apply(events, flt)
    made_on = made.date() if made else date.today()
    try:
        exporters.WRITERS[fmt](result.events, out, flt=flt, made_on=made_on, undated_excluded=result.undated_excluded, **options)
    except ValueError as error:  # an option the format cannot use, e.g. --size banana
        raise click.UsageError(str(error)) from None
    note = f"; {wording.undated_left_out(result.undated_excluded)}" if result.undated_excluded else ""
    click.echo(f"Wrote {len(result.events)} of {len(events)} events to {out}{note}.")


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["geojson", "csv", "acled"]), help="File format (default: from the extension).")
@store_option
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and report the others, instead of rejecting the file.")
@_fail_on_problems
def import_(file: Path, fmt: str | None, store_path: Path | None, skip_invalid: bool) -> None:
    """Add the events in FILE to the store, or update the stored events with the same ids.

    FILE is GeoJSON or CSV in the project's schema, or an ACLED export
    (recognised by its header, or --format acled; ids are acled:EVENT_ID_CNTY, so importing a newer export
    updates the events ACLED corrected).  Any invalid row rejects the whole
    file with FILE:ROW:FIELD: message lines and exit status 1, and the store
    is left as it was.  Prints how many events were added, updated and
    unchanged, and which; every change is recorded in the store's audit table.
    """
    store = ingest.open_store(store_path)
    report = ingest.import_file(store, file, fmt, skip_invalid=skip_invalid)
    for problem in report.warnings:
        click.echo(f"{problem.file}:{problem.row}:{problem.field}: warning: {problem.message}", err=True)
    for problem in report.skipped:
        click.echo(str(problem), err=True)
    if report.skipped:
        click.echo(f"Skipped {len(report.skipped_rows)} invalid row(s).", err=True)
    click.echo(f"Imported {file} into {store.location}: {report.summary}.")
    for label, ids in (("added", report.summary.added), ("updated", report.summary.updated)):
        if ids:
            more = f" ... and {len(ids) - LISTED_IDS} more" if len(ids) > LISTED_IDS else ""
            click.echo(f"{label}: {', '.join(ids[:LISTED_IDS])}{more}")
