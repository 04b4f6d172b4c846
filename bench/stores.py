"""The two store backends at a million events: a date-and-area filtered export from PostGIS and from a GeoPackage.

Loads N synthetic events (``bench.synthetic``, 1,000,000 by default) into a
PostGIS store and into a GeoPackage store through ``Store.upsert`` in chunks
(PostGIS takes each chunk with ``COPY``; both write the audit trail), then
times what a user runs, as a subprocess: ``python -m geo export geojson`` of
the events in one country over three months (about 1% of them), from each
store.  PostGIS runs the filter as SQL on its indexes and reads only those
events; the GeoPackage store reads every event and filters in memory.  Both
files must hold the same events.  It prints the load times, the export times
and their ratio.

The PostgreSQL server is a throwaway one (``tests.postgis.server``: a
temporary folder, a unix socket, stopped after) unless ``--url`` names a
database to fill (it must hold no store yet).

Run: ``.venv/bin/python -m bench.stores [--n 1000000] [--runs 3] [--url postgresql://…]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from bench.synthetic import synthetic_records
from geo import stores

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 50_000
FILTER = ("--country", "PK", "--from", "2023-01-01", "--to", "2023-03-31")
"""One country over three months: about 1% of the synthetic events."""


def chunks(n: int) -> Iterator[list[dict]]:
    """``n`` synthetic events in chunks, each chunk from its own seed, ids numbered through."""
    for start in range(0, n, CHUNK):
        records = synthetic_records(min(CHUNK, n - start), seed=start // CHUNK)
        for offset, record in enumerate(records):
            record["id"] = f"syn-{start + offset:07d}"
        yield records


def timed_export(store: str, out: Path) -> tuple[float, str]:
    """Seconds for the filtered ``python -m geo export geojson`` a user runs, and what it printed."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "geo", "export", "geojson", "--out", str(out), "--store", store, *FILTER],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"export from {store} failed:\n{result.stderr[-2000:]}")
    return seconds, result.stdout.strip()


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    """The URL of an empty database with PostGIS: ``url``, or one on a throwaway server."""
    if url:
        yield url
        return
    from tests import postgis

    with postgis.server() as server:
        yield server.url(server.new_database(with_store=False), postgis.OWNER)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stores", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic events (default 1000000)")
    parser.add_argument("--runs", type=int, default=3, help="exports timed from each store; the median is reported (default 3)")
    parser.add_argument("--url", help="an empty PostGIS database to use instead of a throwaway server")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="incident-map-bench-stores-") as tmp, database(args.url) as url:
        folder = Path(tmp)
        team, own = stores.open_store(url), stores.open_store(folder / "events.gpkg")
        loading = {"PostGIS": 0.0, "GeoPackage": 0.0}
        for number, records in enumerate(chunks(args.n), 1):
            for label, store in (("PostGIS", team), ("GeoPackage", own)):
                start = time.perf_counter()
                store.upsert(records, origin="bench")
                loading[label] += time.perf_counter() - start
            print(f"loaded {min(number * CHUNK, args.n):,} events "
                  f"(PostGIS {loading['PostGIS']:.0f} s, GeoPackage {loading['GeoPackage']:.0f} s)", file=sys.stderr)

        times, outputs = {}, {}
        for label, store in (("PostGIS", team.url), ("GeoPackage", str(own.path))):
            runs = [timed_export(store, folder / f"{label}.geojson") for _ in range(args.runs)]
            times[label], outputs[label] = statistics.median(s for s, _ in runs), runs[-1][1]
        ids = {label: [f["id"] for f in json.loads((folder / f"{label}.geojson").read_text(encoding="utf-8"))["features"]]
               for label in times}
        if ids["PostGIS"] != ids["GeoPackage"]:
            raise SystemExit("the two stores exported different events")
        size = (folder / "events.gpkg").stat().st_size / 1e6

    ratio = times["GeoPackage"] / times["PostGIS"]
    print(f"Store benchmark: {args.n:,} synthetic events, {date.today()}, {platform.python_version()}, 2 CPUs; "
          f"filter {' '.join(FILTER)}: {len(ids['PostGIS']):,} events exported by each store.\n")
    print("| store | load (upsert in chunks of 50,000, with the audit trail) | filtered export, whole process (median of "
          f"{args.runs}) |")
    print("|---|---|---|")
    print(f"| PostGIS (filter as SQL on indexes) | {loading['PostGIS']:.0f} s | {times['PostGIS']:.2f} s |")
    print(f"| GeoPackage ({size:,.0f} MB; every event read, filtered in memory) | {loading['GeoPackage']:.0f} s | "
          f"{times['GeoPackage']:.2f} s |")
    print(f"\nGeoPackage / PostGIS: {ratio:.1f}x the time for the filtered export.")
    print(f"PostGIS: {outputs['PostGIS']}\nGeoPackage: {outputs['GeoPackage']}")


if __name__ == "__main__":
    main()
