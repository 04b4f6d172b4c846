"""How soon the app opens, in units of Streamlit's floor measured in the same run, and what it holds in memory.

The floor is a trivial Streamlit app with one custom component that shows a
line of text: from navigation until that text is visible in headless Chromium.
Ours is timed from navigation until the first source card is open on the
embedded map, after a click on a point as soon as the points are drawn (when
the point stands for several events, the click lists them and a second click
on the first opens its card).  Each is timed cold (the first session after the
server starts) and in a new session (the median of ``NEW_SESSIONS`` more browser
contexts on the same server).  Also: filter changes at 100,000 events (``filter_changes``: text
searches and the context toggle, each from pressing Enter or the click until
the map has redrawn for the new set; the median counts) and the resident memory of the
Streamlit process holding 1,000,000 events once the map is shown.

Stores are synthetic (``bench.synthetic``), imported once per size into a
temporary folder (not timed); every request that would leave the machine is
blocked.  Run: ``.venv/bin/python -m bench.app_open [--quick] [--only-filter]`` (quick:
no 1,000,000 events; only-filter: the filter changes alone).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.app_browser import map_frame
from bench.synthetic import synthetic_store
from tests.app_server import running_app, running_script
from tests.browser import chromium_session, offline_page, scrolled_to

ROOT = Path(__file__).resolve().parent.parent
URL_FILTER = "?type=rally"
FLOOR_TEXT = "The floor component is here."
FLOOR_SCRIPT = """import streamlit as st
from streamlit.components.v1 import declare_component

st.title("Floor")
declare_component("floor", path={folder!r})(key="floor", default=None)
"""
FLOOR_PAGE = """<!doctype html><html><body><p id="text"></p><script>
function send(type, fields) {{ window.parent.postMessage(Object.assign({{isStreamlitMessage: true, type: type}}, fields), "*"); }}
window.addEventListener("message", function (event) {{
  if (event.data && event.data.type === "streamlit:render") {{
    document.getElementById("text").textContent = {text!r};
    send("streamlit:setFrameHeight", {{height: 60}});
  }}
}});
send("streamlit:componentReady", {{apiVersion: 1}});
</script></body></html>
"""
CARD_OPEN = """() => {
  const hook = window.incidentMap, points = hook.points, st = points.stacks;
  let best = -1;
  for (let s = 0; s < st.x.length; s++) if (st.nonContext[s] && (best < 0 || st.count[s] > st.count[best])) best = s;
  const p = hook.map.latLngToContainerPoint(points.latLng(st.first[best]));
  const box = document.querySelector(".folium-map").getBoundingClientRect();
  return [box.left + p.x, box.top + p.y];
}"""
GIB = 1024**3


def floor_app(folder: Path) -> Path:
    """The floor: a Streamlit script with one custom component that shows ``FLOOR_TEXT``; returns the script."""
    component = folder / "floor_component"
    component.mkdir(parents=True, exist_ok=True)
    (component / "index.html").write_text(FLOOR_PAGE.format(text=FLOOR_TEXT), encoding="utf-8")
    script = folder / "floor.py"
    script.write_text(FLOOR_SCRIPT.format(folder=str(component)), encoding="utf-8")
    return script


@contextmanager
def served(script: str | Path, folder: Path, store: Path | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run script``, or with a ``store`` the app as ``./dev run`` starts it, until the block ends; yields
    its URL and process."""
    log = folder / "streamlit.log"
    with running_app(store, log, seconds=120) if store else running_script(script, log, seconds=120) as (port, process):
        yield f"http://127.0.0.1:{port}", process


def floor_seconds(browser, url: str) -> float:
    """From navigation until the floor component's text is visible, in a new browser context."""
    with offline_page(browser) as log:
        start = time.monotonic()
        log.page.goto(url, wait_until="commit")
        log.page.frame_locator("iframe").get_by_text(FLOOR_TEXT).wait_for(timeout=120_000)
        return time.monotonic() - start


def card_seconds(browser, url: str, tries: int = 3) -> float:
    """From navigation until a source card is open on the map after a click on its largest point, in a new context
    (clicked again, the time still running, if no card opened within 30 s)."""
    with offline_page(browser, width=1400, height=1000) as log:
        page = log.page
        start = time.monotonic()
        page.goto(url, wait_until="commit")
        frame = map_frame(page, "drawn")
        for attempt in range(tries):
            if _open_a_card(page, frame):
                break
            print(f"no card after click {attempt + 1}: clicking again", file=sys.stderr)
        else:
            raise RuntimeError(f"no source card opened after {tries} clicks")
        seconds = time.monotonic() - start
        if log.blocked:
            raise RuntimeError(f"requests tried to leave the machine: {log.blocked}")
        return seconds


def _open_a_card(page, frame, seconds: float = 30) -> bool:
    """Click the map's largest point (and, when it lists several events, the first of them); whether a card opened."""
    scrolled_to(page, frame.frame_element())
    x, y = frame.evaluate(CARD_OPEN)
    box = frame.frame_element().bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    card, listed = frame.locator(".im-popup .im-card").first, frame.locator(".im-popup .im-list button").first
    try:
        card.or_(listed).wait_for(timeout=seconds * 1000)
        if not card.is_visible():
            listed.click(timeout=seconds * 1000)
        card.wait_for(timeout=seconds * 1000)
    except PlaywrightTimeout:
        return False
    return True


FILTER_CHANGES = (("text", "rally"), ("text", "Dadyal"), ("text", ""), ("context", "hide"), ("context", "show"))
"""One round of filter changes: text searches (each pressed Enter on) and the context toggle, each showing another set."""


def filter_changes(browser, url: str, rounds: int = 3) -> list[float]:
    """Seconds from each filter change in the open app (``FILTER_CHANGES``, ``rounds`` times) until the map has redrawn
    for it (its count of events shown has changed)."""
    seconds = []
    with offline_page(browser, width=1400, height=1000) as log:
        page = log.page
        page.goto(url, wait_until="commit")
        frame = map_frame(page)
        search = page.get_by_label("Text search", exact=True)
        context = page.get_by_text("Show context (background) events")
        for _ in range(rounds):
            for kind, value in FILTER_CHANGES:
                before = frame.evaluate("() => window.incidentMap.eventCount")
                if kind == "text":
                    search.fill(value)
                start = time.monotonic()
                if kind == "text":
                    search.press("Enter")
                else:
                    context.click()
                frame.wait_for_function(f"() => window.incidentMap.eventCount !== {before}", timeout=120_000, polling="raf")
                seconds.append(time.monotonic() - start)
                page.wait_for_timeout(300)  # the rerun's table and counts settle before the next change
        if log.blocked:
            raise RuntimeError(f"requests tried to leave the machine: {log.blocked}")
    return seconds


def resident_bytes(process: subprocess.Popen) -> int:
    """The resident memory of ``process`` now (VmRSS)."""
    status = Path(f"/proc/{process.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) * 1024


def memory_goal(browser, store: Path, folder: Path, most: int = 2 * GIB, seconds: float = 1800) -> dict:
    """The app's resident memory on ``store`` once its map is drawn; the goal is missed, and the app stopped, as soon as
    it holds more than ``most`` (so that a machine shared with other work is not run out of memory)."""
    goal = f"memory of the app holding {int(store.stem.split('-')[-1]):,} events, the map shown"
    with served("app.py", folder, store) as (url, process), offline_page(browser, width=1400, height=1000) as log:
        log.page.goto(url, wait_until="commit")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            rss = resident_bytes(process)
            if rss > most:
                return {"goal": goal, "figure": f"over {most / GIB:.1f} GB ({rss / GIB:.2f} GB resident before the map was drawn; "
                        "stopped there)", "met": False}
            if any(_drawn(frame) for frame in log.page.frames):
                return {"goal": goal, "figure": f"{rss / GIB:.2f} GB resident (under {most / GIB:.1f} GB)", "met": True}
            log.page.wait_for_timeout(500)
    raise RuntimeError(f"the map did not draw within {seconds:.0f} s")


def _drawn(frame) -> bool:
    try:
        return frame.evaluate("() => Boolean(window.incidentMap && window.incidentMap.drawn)")
    except PlaywrightError:  # a frame still loading
        return False


NEW_SESSIONS = 3
"""New sessions timed after the cold one; their median is the new-session figure (one session varies by a second)."""


def _opened(browser, script, folder: Path, timer, url_tail: str = "", store: Path | None = None) -> tuple[float, float]:
    """(cold, median of ``NEW_SESSIONS`` new sessions) seconds of ``timer`` on a server started for them."""
    with served(script, folder, store) as (url, _):
        cold = timer(browser, url + "/" + url_tail)
        return cold, statistics.median(timer(browser, url + "/" + url_tail) for _ in range(NEW_SESSIONS))


def _ratio_goal(goal: str, seconds: float, floor: float, most: float) -> dict:
    ratio = seconds / floor
    return {"goal": goal, "figure": f"{ratio:.2f}x the floor ({seconds:.2f} s / {floor:.2f} s; at most {most}x)", "met": ratio <= most}


def _change_goal(seconds: float) -> dict:
    return {"goal": "a filter change at 100,000 events, redrawn (median)", "figure": f"{seconds:.2f} s (at most 0.3 s)",
            "met": seconds <= 0.3}


def filter_goal(stores: Path | None = None, rounds: int = 3) -> list[dict]:
    """The filter-change goal alone, with every change's time (``filter_changes`` at 100,000 events)."""
    with tempfile.TemporaryDirectory(prefix="incident-map-app-open-") as tmp, chromium_session() as browser:
        folder = Path(tmp)
        large = synthetic_store(100_000, stores or folder)
        with served("app.py", folder, large) as (url, _):
            times = filter_changes(browser, url, rounds)
    figures = ", ".join(f"{t:.2f}" for t in times)
    return [_change_goal(statistics.median(times)),
            {"goal": "each change (s)", "figure": f"{figures}; slowest {max(times):.2f}", "met": max(times) <= 0.3}]


def goals(quick: bool = False, stores: Path | None = None) -> list[dict]:
    """One dict per goal of the app's opening: ``{"goal", "figure", "met"}`` (quick: without the 1,000,000 events);
    the synthetic stores are made in ``stores`` if given, and those made there before are used again."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="incident-map-app-open-") as tmp, chromium_session() as browser:
        folder = Path(tmp)
        kept = stores or folder
        floor_cold, floor_new = _opened(browser, floor_app(folder), folder, floor_seconds)
        rows.append({"goal": f"the floor: a trivial Streamlit app with one custom component (cold, median of {NEW_SESSIONS} new sessions)",
                     "figure": f"{floor_cold:.2f} s, {floor_new:.2f} s", "met": True})
        small = synthetic_store(200, kept)
        cold, new = _opened(browser, "app.py", folder, card_seconds, store=small)
        rows.append(_ratio_goal("first source card, 200 events, cold", cold, floor_cold, 1.6))
        rows.append(_ratio_goal("first source card, 200 events, new session", new, floor_new, 1.6))
        large = synthetic_store(100_000, kept)
        cold, new = _opened(browser, "app.py", folder, card_seconds, URL_FILTER, store=large)
        with served("app.py", folder, large) as (url, _):
            change = statistics.median(filter_changes(browser, url))
        rows.append(_ratio_goal(f"first source card, 100,000 events, {URL_FILTER}, cold", cold, floor_cold, 2.5))
        rows.append(_ratio_goal(f"first source card, 100,000 events, {URL_FILTER}, new session", new, floor_new, 1.6))
        rows.append(_change_goal(change))
        if not quick:
            huge = synthetic_store(1_000_000, kept)
            rows.append(memory_goal(browser, huge, folder))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.app_open", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="leave out the 1,000,000 events")
    parser.add_argument("--stores", type=Path, help="folder to keep the synthetic stores in, and use again (default: made afresh)")
    parser.add_argument("--only-filter", action="store_true", help="time only filter changes at 100,000 events")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of filter changes (with --only-filter; default 3)")
    args = parser.parse_args(argv)
    rows = filter_goal(args.stores, args.rounds) if args.only_filter else goals(quick=args.quick, stores=args.stores)
    for row in rows:
        print(f"{'met ' if row['met'] else 'MISS'}  {row['goal']}: {row['figure']}")


if __name__ == "__main__":
    main()
