"""Make the pictures the README shows, from the shipped events: ``.venv/bin/python -m docs.pictures``.

The web map at its first view and zoomed on Kashmir (taken in headless Chromium with every request
off the machine blocked), and the default briefing.  Run it again when the map or the briefing changes.
"""

from datetime import date
from pathlib import Path

from geo import briefing, webmap
from geo.ingest import load_file
from tests.browser import chromium_session, offline_page

HERE = Path(__file__).parent
MADE_ON = date(2026, 2, 1)
KASHMIR = (33.8, 74.6, 7)
"""Latitude, longitude and zoom of the close view."""


def main() -> None:
    events = load_file()
    page = HERE / "web-map.html"
    page.write_text(webmap.render_html(events, made_on=MADE_ON), encoding="utf-8")
    try:
        with chromium_session() as browser, offline_page(browser, width=1280, height=800) as session:
            session.page.goto(page.as_uri())
            session.page.wait_for_function("() => window.incidentMap && window.incidentMap.drawn")
            session.page.screenshot(path=HERE / "web-map.png")
            lat, lon, zoom = KASHMIR
            session.page.evaluate(f"() => window.incidentMap.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
            session.page.wait_for_timeout(500)
            session.page.screenshot(path=HERE / "web-map-kashmir.png")
            if session.problems:
                raise SystemExit(f"the page reported problems: {session.problems}")
    finally:
        page.unlink()
    (HERE / "briefing.png").write_bytes(briefing.render(events, fmt="png", made_on=MADE_ON))


if __name__ == "__main__":
    main()
