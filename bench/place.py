"""How fast the place filters, the counts per area and the GIS exports are, against the usual geopandas way, same run.

Filters (``geo.filters.apply``) against the way a GIS user would write them with geopandas:
``near`` against projecting to an azimuthal equidistant CRS around the centre and measuring planar distance;
``within`` against ``GeoSeries.within`` (note: it leaves out points on the edge, ours keeps them);
``admin1`` and the counts per area against ``geopandas.sjoin`` with the Natural Earth areas.
Exports (kml, gpkg, parquet) against ``GeoDataFrame.to_file`` / ``to_parquet`` of the same table: ours includes
building that table from the events (lists to JSON) and, in the KML, a full source card per placemark; the peer
writes the ready table, and GDAL's KML has no cards.  The Natural Earth areas are loaded before timing (the app and
the CLI load them once).

Run: ``.venv/bin/python -m bench.place [--events N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import shapely

from bench.synthetic import synthetic_records
from geo import areas, basemap, export, filters, frame

CENTRE = (33.3122, 73.7035, 150.0)  # Dadyal, 150 km
AREA = shapely.Polygon([(70.5, 29.5), (75.5, 29.5), (75.5, 35.5), (73.0, 33.0), (70.5, 35.5)])  # a notched box over Punjab and AJK
ADMIN1 = ("Punjab (Pakistan)", "Pakistan-administered Kashmir (Azad Jammu and Kashmir)")


def seconds(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peer_near(events: gpd.GeoDataFrame):
    lat, lon, km = CENTRE
    mapped = events[frame.is_mapped(events)]
    projected = mapped.to_crs(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    return mapped[projected.distance(shapely.Point(0, 0)) <= km * 1000]


def peer_admin1(events: gpd.GeoDataFrame, names=ADMIN1):
    shapes = basemap.admin1()
    joined = gpd.sjoin(events[frame.is_mapped(events)], shapes[shapes["name"].isin(names)], predicate="intersects")
    return events.loc[joined.index.unique()]


def peer_counts(events: gpd.GeoDataFrame):
    joined = gpd.sjoin(events[frame.is_mapped(events)], basemap.admin1(), predicate="intersects")
    return joined["name"].value_counts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    events = frame.to_frame(synthetic_records(args.events, seed=0))
    basemap.admin1_at(33.3, 73.7)  # load the areas once, as the app does
    print(f"{len(events):,} synthetic events ({int(frame.is_mapped(events).sum()):,} mapped); median of {args.repeat} runs")
    cases = [
        ("near 150 km", lambda: filters.apply(events, filters.Filter(near=filters.Near(*CENTRE))), lambda: peer_near(events)),
        ("within a polygon", lambda: filters.apply(events, filters.Filter(within=AREA)), lambda: events[events.within(AREA)]),
        ("admin1: two areas", lambda: filters.apply(events, filters.Filter(admin1=ADMIN1)), lambda: peer_admin1(events)),
        ("counts per admin1", lambda: areas.area_counts(events, "admin1"), lambda: peer_counts(events)),
    ]
    print(f"{'step':24} {'ours':>9} {'peer':>9} {'peer/ours':>10} {'rows ours':>10} {'rows peer':>10}")
    for name, ours, peer in cases:
        mine, theirs = seconds(ours, args.repeat), seconds(peer, args.repeat)
        rows = ours()
        count = len(rows.events) if isinstance(rows, filters.FilterResult) else int(rows["events"].sum())
        print(f"{name:24} {mine:>8.3f}s {theirs:>8.3f}s {theirs / mine:>9.1f}x {count:>10,} {len(peer()):>10,}")
    table = export.gis_table(events)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for fmt, peer in (("kml", lambda: table.to_file(out / "peer.kml", driver="KML")),
                          ("gpkg", lambda: table.to_file(out / "peer.gpkg", driver="GPKG")),
                          ("parquet", lambda: table.to_parquet(out / "peer.parquet"))):
            mine = seconds(lambda f=fmt: export.WRITERS[f](events, out / f"ours.{f}"), 1)
            theirs = seconds(peer, 1)
            size = (out / f"ours.{fmt}").stat().st_size / 1e6
            print(f"{'export ' + fmt:24} {mine:>8.3f}s {theirs:>8.3f}s {theirs / mine:>9.1f}x {size:>9.1f}MB")


if __name__ == "__main__":
    main()
