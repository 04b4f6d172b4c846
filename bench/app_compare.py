"""A new session's first source card in checkouts of the app side by side, in units of Streamlit's floor.

One new session varies by 0.5-1 s on a 2-core machine, so a change of a few tenths of a second cannot be seen by
comparing two runs of ``bench.app_open``.  Here every checkout's app (started by its own launcher, on the same
synthetic store) and the floor run at once, and their sessions alternate, so that whatever else the machine does
weighs on each alike.  Timed as ``bench.app_open`` times it.  Run:
``.venv/bin/python -m bench.app_compare CHECKOUT [CHECKOUT ...] [--events 200] [--rounds 6]``; a checkout is a folder
holding the project, e.g. ``git worktree add /tmp/before <commit>``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
from pathlib import Path

from bench.app_open import URL_FILTER, card_seconds, floor_app, floor_seconds, served
from bench.synthetic import synthetic_store
from tests.app_server import running_app
from tests.browser import chromium_session


def compare(checkouts: list[Path], events: int, rounds: int) -> dict[str, list[float]]:
    """Seconds to the first card in a new session, ``rounds`` per checkout (and to the floor's text), alternated."""
    tail = URL_FILTER if events > 1000 else ""
    with tempfile.TemporaryDirectory(prefix="incident-map-compare-") as tmp, chromium_session() as browser, \
            contextlib.ExitStack() as running:
        folder = Path(tmp)
        store = synthetic_store(events, folder)
        timers = {"floor": (running.enter_context(served(floor_app(folder), folder))[0], floor_seconds)}
        for number, checkout in enumerate(checkouts):
            log = folder / f"app-{number}.log"
            port, _ = running.enter_context(running_app(store, log, root=checkout.resolve(), seconds=120))
            timers[str(checkout)] = (f"http://127.0.0.1:{port}/{tail}", card_seconds)
        for url, timer in timers.values():  # the cold sessions, not counted
            timer(browser, url)
        times = {name: [] for name in timers}
        for _ in range(rounds):
            for name, (url, timer) in timers.items():
                times[name].append(timer(browser, url))
        return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.app_compare", description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", type=Path, help="folders holding the project")
    parser.add_argument("--events", type=int, default=200, help="synthetic events in the store (default 200)")
    parser.add_argument("--rounds", type=int, default=6, help="new sessions per checkout (default 6)")
    args = parser.parse_args(argv)
    times = compare(args.checkouts, args.events, args.rounds)
    floor = statistics.median(times["floor"])
    print(f"A new session's first card, {args.events:,} events, median of {args.rounds} alternated sessions:\n")
    print("| | median | x the floor | each |\n|---|---|---|---|")
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"| {name} | {median:.2f} s | {median / floor:.2f} | {', '.join(f'{s:.2f}' for s in seconds)} |")


if __name__ == "__main__":
    main()
