"""Start the app (``streamlit run app.py``, the same settings and options) with its first page's work begun early.

While the server starts, a thread imports what a run of ``app.py`` needs (geopandas, folium, the web map), loads the
store's events, writes the map's payload for them and makes the sidebar's choices (``geo.app.cached``, where the app's
runs find them, or wait for them), which also fills the process-wide tables a map reads (the component's page, the
basemap layers, the first-level areas, the shipped topology).  A store with no events warms with the shipped ones
instead, then drops them.  Arrow allocates from the C library's heap (``geo.ARROW_POOL``).  Run from the
project's folder (``./dev run`` does): ``python -m geo.app.serve [streamlit run options]``.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import geo

APP = Path(__file__).resolve().parents[2] / "app.py"


def warm() -> None:
    """Load the store's events and write their map payload, as the app's first run would (the shipped events' payload
    when the store has none), then the sidebar's choices (``cached.choices``), which the page builds once the map has
    drawn; then, for a store of at most ``SEARCH_AHEAD_MOST`` events, make the text a search looks in
    (``geo.frame.search_text``), so that the first text search does not wait for it."""
    from geo import frame, ingest
    from geo.app import cached
    from geo.webmap import component

    cached.map_folder()
    stamp = cached.stamp()
    events = cached.load_events(*stamp)
    if events.empty:
        component.payload(ingest.load_file())
        return
    cached.map_payload(*stamp)
    cached.choices(*stamp)
    if len(events) <= SEARCH_AHEAD_MOST:
        frame.search_text(events)


SEARCH_AHEAD_MOST = 250_000
"""The largest store whose search text the launcher makes ahead: about 0.15 GB and 0.3-1 s at 100,000 events; at
1,000,000 events it would hold 0.8 GB that a session without a text search never needs."""


WARM_UP_THREAD = "incident-map-warm-up"


def _not_from_the_warm_up(record: logging.LogRecord) -> bool:
    return record.threadName != WARM_UP_THREAD


def _warm_quietly() -> None:
    # Streamlit warns of each cached call made outside a page's run, as every call of the warm-up is.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_not_from_the_warm_up)
    try:
        warm()
    except Exception as error:  # noqa: BLE001  (the first run does the same work and reports what fails)
        print(f"incident-map: warming up failed, the first page will do it: {error}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    """``streamlit run app.py`` with ``argv`` (default: this command's own arguments), warming up beside it."""
    geo.use_arrow_pool()
    threading.Thread(target=_warm_quietly, name=WARM_UP_THREAD, daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
