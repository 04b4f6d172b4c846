"""The HTML web map at 100,000 and 1,000,000 events, against the goals of issue 15 ("Speed at every size").

``python -m bench.page [--quick]`` prints one line per goal; ``goals(quick)`` returns them as
``{"goal", "figure", "met"}`` dicts (``bench.goals`` gathers them).  In the same run, at each size the synthetic
events (``bench.synthetic``) are written to a GeoJSON file and imported into a store (not timed), then exported by
``python -m geo export html`` from the store (the goals: what a user does once the events are imported, validated
then) and from the file (``--input FILE``: read and validated on every export; a figure beside the goal).  The goals'
exports, ours from the store and explore's, are each run ``RUNS`` times and the fastest counts, given with its CPU
time, user and kernel (the kernel's share, page faults on this virtual machine, varies by seconds from run to run):

- at 100,000 events, against ``gdf.explore(popup=True)`` reading the file (``bench.peers``): the whole process, the
  file's size, and the time from opening the page in headless Chromium to a click on one event showing its card;
- at 1,000,000 events, ours alone: the whole process (split in-process into loading, and encoding, rendering and
  writing the page), the file's size, opening to a click's card, and the redraw of a pan and a zoom.

The clicked event is one whose map point is far from every other's, the map is set to zoom 16 around it and the
click lands on its point; when the click lists several events, the event's title in the list is clicked, as a reader
would.  Every request that would leave the machine is blocked; the peer gets Leaflet and jQuery from local copies
(``bench.run.peer_copies``).  ``--quick`` measures at a tenth of the sizes; ``--stores DIR`` keeps the stores there
(shared with ``bench.app_open``) and uses them again.  Timings live here, never in tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import shapely

from bench import synthetic
from bench.run import ROOT, Export, peer_copies, run_export

RUNS = 3
"""Runs of each goal's export, ours from the store and explore's; the fastest counts (the machine's noise only adds)."""
FULL = (100_000, 1_000_000)
QUICK = (10_000, 100_000)
PAINTED = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"
_LEAFLET_MAP = "Object.values(window).find(v => v instanceof L.Map)"


def goals(quick: bool = False, timeout_s: float = 600, stores: Path | None = None) -> list[dict]:
    """Measure the web map's goals; one ``{"goal", "figure", "met"}`` per goal (``stores``: see the module docstring)."""
    small, large = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="incident-map-page-bench-") as tmp:
        folder = Path(tmp)
        ours, explore, clicks = _round(small, folder / "small", stores, peer=True, timeout_s=timeout_s)
        big, _, big_clicks = _round(large, folder / "large", stores, peer=False, timeout_s=timeout_s)
        pans = big_clicks.pop("pan"), big_clicks.pop("zoom")  # the files are read below, before the folder goes
        return [
            _goal(f"{small:,} events, export html from the store: whole process at least 10x faster than gdf.explore(popup=True)",
                  f"ours {ours['store'].seconds:.1f} s, explore {explore.seconds:.1f} s ({explore.seconds / ours['store'].seconds:.1f}x; "
                  f"ours {ours['store'].cpu_text}, explore {explore.cpu_text}; in-process, ours {_split(ours['store'])}, "
                  f"explore {_split(explore)}; ours from the GeoJSON file {_from_file(ours)})",
                  explore.seconds >= 10 * ours["store"].seconds),
            _goal(f"{small:,} events, export html: the file at most 40% of explore's",
                  f"ours {ours['store'].megabytes:.1f} MB, explore {explore.megabytes:.1f} MB "
                  f"({ours['store'].megabytes / explore.megabytes:.0%})", ours["store"].megabytes <= 0.4 * explore.megabytes),
            _goal(f"{small:,} events, headless Chromium: a click opens the event's card at least 8x sooner than explore's",
                  f"ours {_seconds(clicks['ours'])}, explore {_seconds(clicks['explore'])} from opening the file"
                  + (f" ({clicks['explore'] / clicks['ours']:.1f}x)" if clicks["ours"] and clicks["explore"] else ""),
                  bool(clicks["ours"] and clicks["explore"] and clicks["explore"] >= 8 * clicks["ours"])),
            _goal(f"{large:,} events, export html from the store: whole process at most 30 s",
                  f"{big['store'].seconds:.1f} s ({big['store'].cpu_text}; {_split(big['store'])} in-process; "
                  f"from the GeoJSON file {_from_file(big)})",
                  big["store"].seconds <= 30),
            _goal(f"{large:,} events, export html: the file at most 250 MB", f"{big['store'].megabytes:.0f} MB",
                  big["store"].megabytes <= 250),
            _goal(f"{large:,} events, headless Chromium (no GPU): a click opens the event's card within 10 s of opening the file",
                  f"{_seconds(big_clicks['ours'])} from opening the file", bool(big_clicks["ours"] and big_clicks["ours"] <= 10)),
            _goal(f"{large:,} events, headless Chromium: a pan redraws in under 100 ms",
                  f"pan: median {statistics.median(pans[0]):.0f} ms, max {max(pans[0]):.0f} ms (to the painted frame); "
                  f"zoom in: median {statistics.median(pans[1]):.0f} ms", statistics.median(pans[0]) < 100),
        ]


def _goal(goal: str, figure: str, met: bool) -> dict:
    return {"goal": goal, "figure": figure, "met": met}


def _split(export: Export) -> str:
    return f"load {export.stages['load']:.1f} s + render and write {export.stages['render']:.1f} s" if export.stages else "not split"


def _from_file(ours: dict[str, Export]) -> str:
    return f"{ours['file'].seconds:.1f} s: {_split(ours['file'])}"


def _seconds(value: float | None) -> str:
    return f"{value:.2f} s" if value else "no card"


def _round(n: int, folder: Path, stores: Path | None, peer: bool, timeout_s: float) -> tuple[dict[str, Export], Export | None, dict]:
    """Write ``n`` synthetic events to a file and a store, export them from each (ours; explore from the file when
    ``peer``), and time the pages of ours from the store and explore's in Chromium."""
    folder.mkdir(parents=True)
    records = synthetic.synthetic_records(n)
    target = isolated_event(records)
    source = folder / "events.geojson"
    source.write_text(synthetic.geojson_text(records), encoding="utf-8")
    del records
    store = synthetic.synthetic_store(n, stores or folder)
    os.sync()  # the file just written (1.8 GB at 1,000,000 events) goes to disk now, not during the exports timed next
    print(f"{n:,} events written ({source.stat().st_size / 1e6:.0f} MB) and in {store}; exporting…", file=sys.stderr)
    python = sys.executable
    ours = {}
    for where, option, origin in (("store", "--store", store), ("file", "--input", source)):
        out = folder / f"ours-{where}.html"
        ours[where] = run_export("ours", "ours", [python, "-m", "geo", "export", "html", option, str(origin), "--out", str(out)], out,
                                 runs=RUNS if where == "store" else 1)
        ours[where].stages = run_export("ours", "", [python, "-m", "bench.peers", "stages", str(origin), str(folder / "stages.html")],
                                        folder / "stages.html").stages
    explore = None
    if peer:
        explore = run_export("explore", "explore", [python, "-m", "bench.peers", "explore", str(source), str(folder / "explore.html")],
                             folder / "explore.html", runs=RUNS)
    print("timing the pages in Chromium…", file=sys.stderr)
    return ours, explore, measure_pages(ours["store"].path, explore.path if explore else None, target, timeout_s)


def isolated_event(records: list[dict], candidates: int = 300) -> dict:
    """Of the first ``candidates`` exactly placed events, the one whose map point is farthest from any other event's."""
    mapped = [r for r in records if r["lat"] is not None]
    points = shapely.points([r["lon"] for r in mapped], [r["lat"] for r in mapped])
    tree = shapely.STRtree(points)
    chosen = [k for k, r in enumerate(mapped) if r["location_precision"] == "exact"][:candidates]
    (_, _), distances = tree.query_nearest(points[chosen], exclusive=True, return_distance=True, all_matches=False)
    record = mapped[chosen[int(np.argmax(distances))]]
    return {"id": record["id"], "title": record["title"], "lat": record["lat"], "lon": record["lon"]}


def measure_pages(ours: Path, explore: Path | None, target: dict, timeout_s: float) -> dict:
    """Seconds from opening each page to the target's card (``ours``, ``explore``), and ours' pan and zoom redraws (ms)."""
    sys.path.insert(0, str(ROOT))
    from tests.browser import chromium_session, offline_page

    copies = peer_copies() if explore else {}
    out: dict = {"ours": None, "explore": None}
    with chromium_session() as browser:
        with offline_page(browser) as log:
            out["ours"] = _click_to_card(log.page, ours, target, "window.incidentMap && window.incidentMap.drawn",
                                         "window.incidentMap.map", timeout_s)
            out["pan"], out["zoom"] = _redraws(log.page)
        if explore and copies:
            with offline_page(browser) as log:
                log.page.route(lambda url: url in copies, lambda route: route.fulfill(
                    body=copies[route.request.url], content_type="text/css" if route.request.url.endswith(".css") else "text/javascript"))
                drawn = "document.querySelectorAll('path.leaflet-interactive').length > 0"
                out["explore"] = _click_to_card(log.page, explore, target, drawn, _LEAFLET_MAP, timeout_s)
    return out


def _click_to_card(page, path: Path, target: dict, drawn: str, leaflet_map: str, timeout_s: float) -> float | None:
    """Open ``path``, zoom to the target, click its point; seconds from opening the file until its title shows in a popup."""
    timeout = timeout_s * 1000
    page.goto(path.as_uri(), wait_until="commit", timeout=timeout)
    page.wait_for_function(drawn, polling=100, timeout=timeout)
    latlng = [target["lat"], target["lon"]]
    x, y = page.evaluate(f"""(ll) => {{ const m = {leaflet_map}; window.benchFirstView = [m.getCenter(), m.getZoom()];
                                        m.setView(ll, 16, {{animate: false}});
                                        const p = m.latLngToContainerPoint(ll); return [p.x, p.y]; }}""", latlng)
    page.evaluate(PAINTED)
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    popup = page.locator(".leaflet-popup-content")
    popup.get_by_text(target["title"], exact=True).or_(popup.locator(".im-list")).first.wait_for(timeout=timeout)
    if popup.locator(".im-list").count():  # several events at the spot: pick the target's title in the list
        popup.locator(".im-list button", has_text=target["title"]).first.click()
    popup.locator(".im-card .im-title, :scope").get_by_text(target["title"], exact=True).first.wait_for(timeout=timeout)
    return page.evaluate("performance.now()") / 1000


def _redraws(page, times: int = 7) -> tuple[list[float], list[float]]:
    """Milliseconds from a pan (and a zoom in) to the painted frame, on the first view of the page."""
    page.evaluate("() => window.incidentMap.map.closePopup()")
    page.evaluate("() => window.incidentMap.map.setView(...window.benchFirstView, {animate: false})")
    page.evaluate(PAINTED)
    pans = [page.evaluate(f"""async () => {{ const t0 = performance.now();
        window.incidentMap.map.panBy([{150 if k % 2 else -150}, {60 if k % 3 else -60}], {{animate: false}});
        return (await {PAINTED}) - t0; }}""") for k in range(times)]
    zooms = [page.evaluate(f"""async () => {{ const m = window.incidentMap.map, t0 = performance.now();
        m.setZoom(m.getZoom() + {1 if k % 2 == 0 else -1}, {{animate: false}});
        return (await {PAINTED}) - t0; }}""") for k in range(times)]
    return pans, zooms[::2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.page", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"measure at {QUICK[0]:,} and {QUICK[1]:,} events instead")
    parser.add_argument("--stores", type=Path, help="folder to keep the synthetic stores in, and use again (default: made afresh)")
    args = parser.parse_args(argv)
    for row in goals(quick=args.quick, stores=args.stores):
        print(f"- [{'x' if row['met'] else ' '}] {row['goal']}: {row['figure']}")


if __name__ == "__main__":
    main()
