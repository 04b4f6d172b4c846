"""The exports we compare against, each run as its own process: ``python -m bench.peers WHAT SRC OUT``.

``explore``: what a GeoPandas user writes, ``gpd.read_file(SRC).explore(popup=True).save(OUT)``;
it prints its load and render + write times as JSON, as ``stages`` does for ours.
``folium``: a plain folium loop, one ``folium.Marker`` per mapped event with an
HTML-escaped popup of the same fields as our source card.
``stages``: our own export split into load (from a store: read; from an event file: read + validate) and render
+ write, printing the two times as JSON, so the whole-process figure can be explained.
"""

from __future__ import annotations

import html
import json
import sys
import time
from pathlib import Path


def explore(source: Path, out: Path) -> None:
    import geopandas as gpd

    start = time.perf_counter()
    frame = gpd.read_file(source)
    middle = time.perf_counter()
    frame.explore(popup=True).save(out)
    _print_stages(start, middle, time.perf_counter())


def folium_loop(source: Path, out: Path) -> None:
    import folium
    import geopandas as gpd

    frame = gpd.read_file(source)
    mapped = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    bounds = mapped.total_bounds
    m = folium.Map(location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2], zoom_start=4)
    for row in mapped.itertuples():
        lines = [row.title, f"{row.date_start} ({row.date_precision})", f"{row.place_name} ({row.location_precision})"]
        lines += [str(row.actors), row.description, row.claim, row.verification, str(row.sources)]
        popup = "<br>".join(html.escape(str(line)) for line in lines)
        folium.Marker([row.geometry.y, row.geometry.x], popup=folium.Popup(popup, max_width=400), tooltip=html.escape(row.title)).add_to(m)
    m.save(out)


def stages(source: Path, out: Path) -> None:
    from geo import export, ingest

    start = time.perf_counter()
    loaded = ingest.open_store(source).load() if source.suffix == ".gpkg" else ingest.load_file(source)
    middle = time.perf_counter()
    export.write_html(loaded, out)
    _print_stages(start, middle, time.perf_counter())


def _print_stages(start: float, middle: float, end: float) -> None:
    """Print the seconds spent loading and rendering + writing, as JSON on stdout."""
    print(json.dumps({"load": middle - start, "render": end - middle}))


PEERS = {"explore": explore, "folium": folium_loop, "stages": stages}

if __name__ == "__main__":
    what, source, out = sys.argv[1:4]
    PEERS[what](Path(source), Path(out))
