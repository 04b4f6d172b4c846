"""How fast the running app answers a filter change with 100,000 events, seen in a real browser.

Imports N synthetic events into a fresh store (not timed), starts ``streamlit
run app.py`` on a free localhost port, opens it in headless Chromium with every
request that would leave the machine blocked, and times:

1. the first load: from navigation until the map has drawn every event
   (the app sends the events to the map once per store revision);
2. each filter change: from pressing Enter in the text search until the map
   shows the new set (the app sends only which events are visible).

The target for a filter change is under one second.  Timings live here, never
in tests.  Run: ``.venv/bin/python -m bench.app_browser [--events N]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.synthetic import synthetic_store
from tests.app_server import running_app
from tests.browser import chromium_session, offline_page

QUERIES = ("zzz-matches-nothing", "rally", "Naji", "Dadyal")


def map_frame(page, condition: str = "ready", seconds: float = 600):
    """The map's frame once ``window.incidentMap[condition]`` holds: "drawn" (every point) or "ready" (the texts read too)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate(f"() => Boolean(window.incidentMap && window.incidentMap.{condition})"):
                    return frame
            except Exception:  # a frame still loading
                pass
        page.wait_for_timeout(20)
    raise RuntimeError("the map did not draw")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.app_browser", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="synthetic events in the store (default 100000)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="incident-map-app-bench-") as tmp:
        store = synthetic_store(args.events, Path(tmp))
        with running_app(store, Path(tmp) / "streamlit.log", seconds=120) as (port, _):
            rows = _measure(f"http://127.0.0.1:{port}")
    print(f"App in headless Chromium, {args.events:,} events in the store, {os.cpu_count()} CPUs; no request left the machine.\n")
    print("| step | seconds | events on the map |\n|---|---|---|")
    for step, seconds, count in rows:
        print(f"| {step} | {seconds:.2f} | {count:,} |")


def _measure(url: str) -> list[tuple[str, float, int]]:
    rows = []
    with chromium_session() as browser, offline_page(browser, width=1400, height=1000) as log:
        page = log.page
        start = time.monotonic()
        page.goto(url, wait_until="domcontentloaded")
        frame = map_frame(page)
        count = frame.evaluate("() => window.incidentMap.eventCount")
        rows.append(("first load (data sent once per store revision)", time.monotonic() - start, count))
        search = page.get_by_label("Text search", exact=True)
        for query in QUERIES:
            before = frame.evaluate("() => window.incidentMap.eventCount")
            start = time.monotonic()
            search.fill(query)
            search.press("Enter")
            frame.wait_for_function(f"() => window.incidentMap.eventCount !== {before}", timeout=120_000)
            rows.append((f"filter change: text “{query}”", time.monotonic() - start, frame.evaluate("() => window.incidentMap.eventCount")))
        if log.blocked:
            raise RuntimeError(f"requests tried to leave the machine: {log.blocked}")
    return rows


if __name__ == "__main__":
    main()
