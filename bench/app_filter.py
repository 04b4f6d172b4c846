"""How fast the app answers a filter change with 100,000 events: the pure path it runs on every change.

For each filter a user might set, times what ``app.py`` computes after a
widget changes, in its order: match the filter (a mask) and the map component's
per-change arguments (the mask as bits, the dates: all that runs before the map
is sent; the events themselves go to the map once per store revision:
"payload"), then the filtered frame, its order, the counts and notes, the table
rows and the unmapped list.  The whole change, to the map redrawn in a browser,
is ``python -m bench.app_open --only-filter``.  For comparison, the
self-contained HTML page the app used to send on every change ("map html").
Loading is cached in the app (once per version of the store), so it is timed
once and separately.  The target is under one second per change.

Peer, in the same run: the map an app would get from ``st_folium(gdf.explore())``
(geopandas' explore, rendered to HTML; it also needs Leaflet from a CDN, which
is not counted), for filters that leave at most ``--peer-max`` events.

Run: ``.venv/bin/python -m bench.app_filter [--events N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from bench.synthetic import synthetic_records
from geo import filters, frame, webmap
from geo.app import views
from geo.webmap import component

TARGET_SECONDS = 1.0
SCENARIOS = (
    ("no filter", ""),
    ("one month", "from=2025-03-01&to=2025-03-31"),
    ("a type", "type=rally"),
    ("an actor", None),  # filled in with the most frequent actor
    ("free text", "q=courier"),
    ("type, country, context hidden", "type=protest&country=PK&context=0"),
)


def answer(events, flt: filters.Filter) -> dict[str, float]:
    """Time each step of one filter change, in the app's order; returns seconds per step ("to the map": what runs
    before the map's arguments are sent)."""
    times: dict[str, float] = {}

    def step(name, func, *args, **kwargs):
        start = time.perf_counter()
        value = func(*args, **kwargs)
        times[name] = time.perf_counter() - start
        return value

    found = step("match", filters.match, events, flt, any_date=True)
    step("map args", component.filter_args, found, flt)
    times["to the map"] = times["match"] + times["map args"]
    result = step("frame", found.result, events)
    shown = result.events
    head = step("order", views.ordered, shown, views.TABLE_LIMIT)
    step("counts+notes", lambda: (views.counts_text(len(events), shown, result.undated_excluded),
                                  views.date_note(shown, flt, result.undated_excluded), views.problem_notes(events, shown, flt)))
    step("table rows", views.table_rows, head)
    step("unmapped", views.unmapped_rows, shown)
    times["total"] = times["to the map"] + sum(times[s] for s in ("frame", "order", "counts+notes", "table rows", "unmapped"))
    step("map html", webmap.render_html, shown, title="Reported incidents", flt=flt, undated_excluded=result.undated_excluded,
         made_on=date.today(), persist_view_key="bench")
    times["with html map"] = times["total"] - times["map args"] + times["map html"]
    return times


def explore_seconds(shown) -> float:
    """Seconds to make the peer's map HTML: ``explore()`` of the mapped events, coloured by type."""
    start = time.perf_counter()
    mapped = shown[frame.is_mapped(shown)][["title", "event_type", "date_start", "geometry"]]
    mapped.explore(column="event_type").get_root().render()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer-max", type=int, default=20_000, help="Largest filtered set the explore() peer is timed on.")
    args = parser.parse_args()

    start = time.perf_counter()
    events = frame.to_frame(synthetic_records(args.events, seed=0))
    print(f"load (cached in the app): {time.perf_counter() - start:.2f} s for {len(events):,} events")
    top_actor = views.actor_counts(events)[0][0]
    explore_seconds(events.iloc[:100])  # warm up folium's templates, so the first peer timing is fair
    worst = worst_html = 0.0
    start = time.perf_counter()
    payload = component.payload(events)
    print(f"map component payload (once per store revision): {time.perf_counter() - start:.2f} s, {len(payload) / 1e6:.1f} MB gzip")
    steps = ("match", "map args", "to the map", "frame", "order", "counts+notes", "table rows", "unmapped", "total", "map html",
             "with html map")
    print(f"{'scenario (median seconds)':32} {'shown':>8} " + " ".join(f"{s:>12}" for s in steps) + f" {'explore map':>12} {'ratio':>6}")
    for name, query in SCENARIOS:
        flt = filters.from_query(query if query is not None else {"actor": top_actor})
        runs = [answer(events, flt) for _ in range(args.repeat)]
        median = {s: statistics.median(r[s] for r in runs) for s in steps}
        shown = filters.apply(events, flt).events
        worst = max(worst, median["total"])
        worst_html = max(worst_html, median["with html map"])
        peer = f"{'skipped':>12} {'':>6}"
        if len(shown) <= args.peer_max:
            seconds = explore_seconds(shown)
            peer = f"{seconds:>11.3f}s {seconds / median['map html']:>5.1f}x"
        print(f"{name:32} {len(shown):>8,} " + " ".join(f"{median[s]:>11.3f}s" for s in steps) + f" {peer}")
    for label, seconds in (("slowest filter change (map component)", worst), ("slowest with the old HTML map", worst_html)):
        verdict = "within" if seconds < TARGET_SECONDS else "OVER"
        print(f"{label}: {seconds:.3f} s ({verdict} the {TARGET_SECONDS:.0f} s target; {seconds / TARGET_SECONDS:.2f}x of it)")


if __name__ == "__main__":
    main()
