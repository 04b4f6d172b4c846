"""Start the app (``streamlit run app.py``, the same settings and options) with its first page's work begun early.

While the server starts, a thread imports what a run of ``app.py`` needs (geopandas, folium, the web map) and fills
the process-wide tables a first map reads (the component's page, the basemap layers, the first-level areas, the
shipped topology) by making the map payload of the shipped events once.  A reader's first page then waits for none
of it; the events of the store are still loaded by the first run, once per store revision.  Run from the project's
folder (``./dev run`` does): ``python -m geo.app.serve [streamlit run options]``.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def warm() -> None:
    """Import what the app's first run needs and make one map payload (of the shipped events), then drop it."""
    from geo import ingest
    from geo.webmap import component

    component.component_dir()
    component.payload(ingest.load_file())


def _warm_quietly() -> None:
    try:
        warm()
    except Exception as error:  # noqa: BLE001  (the first run does the same work and reports what fails)
        print(f"incident-map: warming up failed, the first page will do it: {error}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    """``streamlit run app.py`` with ``argv`` (default: this command's own arguments), warming up beside it."""
    threading.Thread(target=_warm_quietly, name="incident-map-warm-up", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
