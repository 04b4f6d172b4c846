"""The web map's timeline at scale: a period chosen on the timeline to the map redrawn, and one Play step.

``python -m bench.timeline [--events 100000] [--seed 0]`` writes our HTML export of N synthetic events
(``bench.synthetic``), opens it in headless Chromium with every request off the machine blocked, and
times, from the call to the map painted (two animation frames after it):

- a period selected on the timeline (``timeline.selectDays``, what a drag across the histogram ends in),
  for a week, a month, a quarter and a year, each five times;
- one Play step (``position`` += 1, ``apply``, ``draw``: what each tick of Play does) for every month of
  the events' span, cumulative and in a moving window, against Play's fastest interval (200 ms at 4×).

In the app the same selection sets the page's dates, a filter change measured by ``bench.app_browser``.
Timings live here, never in tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.synthetic import synthetic_records
from geo import frame, webmap
from tests.browser import chromium_session, offline_page

PAINTED = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"
FASTEST_STEP_MS = 200
"""Play's interval at its fastest speed (4×), in milliseconds: a step must draw within it."""
SPANS = {"week": 7, "month": 30, "quarter": 91, "year": 365}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    events = frame.to_frame(synthetic_records(args.events, seed=args.seed))
    with tempfile.TemporaryDirectory(prefix="incident-map-timeline-bench-") as tmp:
        path = Path(tmp) / "map.html"
        path.write_text(webmap.render_html(events), encoding="utf-8")
        selections, steps = measure(path, events)
    mapped = int(frame.is_mapped(events).sum())
    print(f"The web map's timeline, {args.events:,} events ({mapped:,} mapped), headless Chromium, {os.cpu_count()} CPUs; "
          "no request left the machine.\n")
    print("| period selected on the timeline | median ms | max ms | events shown (median) |\n|---|---|---|---|")
    for name, (times, shown) in selections.items():
        print(f"| {name} | {statistics.median(times):.0f} | {max(times):.0f} | {statistics.median(shown):,.0f} |")
    print(f"\n| Play, one step a month | steps | median ms | max ms | within {FASTEST_STEP_MS} ms (4×) |\n|---|---|---|---|---|")
    for mode, times in steps.items():
        within = sum(t <= FASTEST_STEP_MS for t in times)
        print(f"| {mode} | {len(times)} | {statistics.median(times):.0f} | {max(times):.0f} | {within} of {len(times)} |")


def measure(path: Path, events) -> tuple[dict[str, tuple[list[float], list[int]]], dict[str, list[float]]]:
    """Times (ms) of periods selected (with the events each shows) and of Play steps, on the page at ``path``."""
    days = (pd.to_datetime(events["day_min"]).dropna() - pd.Timestamp("1970-01-01")).dt.days
    first, last = int(days.min()), int(days.max())
    with chromium_session() as browser, offline_page(browser, width=1400, height=900) as log:
        page = log.page
        started = time.monotonic()
        page.goto(path.as_uri())
        page.wait_for_function("() => window.incidentMap && window.incidentMap.ready", timeout=600_000)
        print(f"page ready after {time.monotonic() - started:.1f} s", file=sys.stderr)
        selections = {}
        for name, span in SPANS.items():
            times, shown = [], []
            for k in range(5):
                start = first + (last - first - span) * k // 4
                ms = page.evaluate(f"""async () => {{
                    const t0 = performance.now();
                    window.incidentMap.timeline.selectDays({start}, {start + span - 1}, "bench");
                    return (await {PAINTED}) - t0;
                }}""")
                times.append(ms)
                shown.append(page.evaluate("() => window.incidentMap.eventCount"))
            selections[name] = (times, shown)
        page.evaluate("() => window.incidentMap.timeline.selectDays(null, null)")
        steps = {}
        for mode in ("cumulative", "window"):
            page.select_option(".im-time-field select >> nth=0", "month")
            page.select_option(".im-time-field select >> nth=1", mode)
            steps[mode] = page.evaluate(f"""async () => {{
                const t = window.incidentMap.timeline, out = [];
                for (let k = 0; k < t.periods().length; k++) {{
                    const t0 = performance.now();
                    t.position = k; t.apply(); t.draw();
                    out.push((await {PAINTED}) - t0);
                }}
                return out;
            }}""")
        if log.problems:
            raise SystemExit(f"the page reported problems: {log.problems}")
    return selections, steps


if __name__ == "__main__":
    main()
