"""How fast the briefing image and its animation are made, at 15 (the shipped events), 2,000 and 100,000 events.

For each size: the PNG slide, then the GIF (default step over the events' own
period): how long the page takes to set up before the first frame (layout,
basemap, labels, the two renders of the key), and the rest of the GIF's time
(palette, each frame drawn, mapped to the palette and encoded) per frame.  The
frames reuse that page: only the events, the key's shading and the caption
change.  Gazetteer and basemap caches are warmed first, as they are in a
running app.

Run: ``.venv/bin/python -m bench.briefing [--events 15,2000,100000]``.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from bench.synthetic import synthetic_records
from geo import briefing, frame, ingest
from geo.briefing import animation

MADE = date(2026, 3, 1)


def _seconds(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="15,2000,100000", help="comma-separated event counts (15 = the shipped events)")
    args = parser.parse_args(argv)
    shipped = ingest.load_file()
    briefing.render(shipped, made_on=MADE)  # warm the gazetteer and basemap caches
    print("| events | PNG slide | GIF frames (step) | page set-up | rest, per frame | GIF total | GIF size |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in (int(v) for v in args.events.split(",")):
        events = shipped if n == 15 else frame.to_frame(synthetic_records(n, seed=0))
        png, _ = _seconds(lambda events=events: briefing.render(events, made_on=MADE))
        shown = animation.Animation(events, made_on=MADE)
        with animation.drawing():
            setup, painter = _seconds(lambda shown=shown: animation._Painter(shown))
        total, data = _seconds(shown.gif)
        per_frame = (total - setup) / len(shown.periods)
        print(f"| {len(events):,} | {png:.1f} s | {len(shown.periods)} ({shown.step}) | {setup:.1f} s | {per_frame:.2f} s | {total:.1f} s "
              f"| {len(data) / 1e6:.1f} MB |")


if __name__ == "__main__":
    main()
