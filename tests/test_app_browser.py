"""The app in a real browser: `streamlit run app.py` on localhost, headless Chromium, no request may leave the machine.

One Streamlit server (with its own store, seeded from the shipped events)
serves the whole module, and the session's one Chromium (``chromium`` in
conftest.py) loads it.  Each test opens a fresh offline page
(``tests.browser.offline_page``), finds the embedded web map's frame and
talks to it through the ``window.incidentMap`` hooks the map page exposes.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from geo import ingest
from tests.app_server import running_app
from tests.browser import offline_page, scrolled_to

DADYAL_ID = "mahjar-barducci-dadyal-jem-rally"
MAPPED_SEED_EVENTS = 8


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The app, started as a user would, on a free localhost port; stopped after the module."""
    folder = tmp_path_factory.mktemp("app")
    ingest.add_shipped_events(ingest.open_store(folder / "events.gpkg"))
    with running_app(folder / "events.gpkg", folder / "streamlit.log") as (port, _):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def postgis_reader_url(tmp_path_factory, postgis_server):
    """The app on a PostGIS store (the shipped events), signed in as the README's read-only role."""
    from geo import stores
    from tests import postgis

    database = postgis_server.new_database()
    ingest.add_shipped_events(stores.open_store(postgis_server.url(database, postgis.EDITOR)))
    log = tmp_path_factory.mktemp("app-postgis") / "streamlit.log"
    with running_app(postgis_server.url(database, postgis.READER), log) as (port, _):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def app_page(chromium):
    """A page (the shared session browser of conftest.py) large enough for the map and the sidebar side by side."""
    with offline_page(chromium, width=1400, height=1000) as log:
        yield log
        assert log.blocked == [], f"requests tried to leave the machine: {log.blocked}"


def map_frame(page, condition: str = "true", timeout: float = 60):
    """The frame of the embedded web map, once its points are drawn and ``condition`` (JS) holds there."""
    deadline = time.monotonic() + timeout
    check = f"() => Boolean(window.incidentMap && window.incidentMap.ready && ({condition}))"
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate(check):
                    return frame
            except Exception:  # a frame still loading or navigating
                pass
        page.wait_for_timeout(200)
    raise AssertionError("the embedded map did not become ready")


def click_marker(page, frame, event_id: str) -> None:
    """Click the map point of ``event_id`` with the mouse, as a user would."""
    scrolled_to(page, frame.frame_element())
    x, y = frame.evaluate(f"""() => {{
        const point = window.incidentMap.pointOf({event_id!r});
        const map = document.querySelector(".folium-map").getBoundingClientRect();
        return [map.left + point[0], map.top + point[1]];
    }}""")
    box = frame.frame_element().bounding_box()
    assert 0 <= box["y"] + y <= page.viewport_size["height"], "the marker is not in the window"
    page.mouse.click(box["x"] + x, box["y"] + y)


def open_app(log, url: str):
    log.page.goto(url, wait_until="domcontentloaded")
    log.page.get_by_text("Reported incidents").first.wait_for(timeout=60_000)
    return map_frame(log.page)


def test_the_map_shows_one_marker_per_mapped_event(app_page, app_url):
    frame = open_app(app_page, app_url)
    assert frame.evaluate("() => window.incidentMap.markerCount()") == MAPPED_SEED_EVENTS
    app_page.page.get_by_text("15 of 15 events; 7 unmapped, 7 context").wait_for()
    assert app_page.page_errors == []


def test_the_filters_and_the_table_come_once_the_map_reports_it_has_drawn(app_page, app_url):
    """The first page holds the map; the map's report that it has drawn brings the filters and the table (were it lost,
    they would come only after the app's wait, with a note that the map has not drawn, which stays until it reports)."""
    page = app_page.page
    open_app(app_page, app_url)
    page.get_by_label("Text search", exact=True).wait_for()
    page.get_by_text("Select a row, or click a point on the map").wait_for()
    late = page.get_by_text("The map has not drawn its events yet")
    late.wait_for(state="detached", timeout=30_000)
    assert late.count() == 0 and page.get_by_label("Text search", exact=True).is_visible()


def test_a_card_opened_on_the_first_page_brings_the_rest_of_the_page_with_that_card(app_page, app_url):
    """A reader who clicks a point before the filters and the table have come sees its card on the map at once, and
    the rest of the page comes with the same card below the table."""
    page = app_page.page
    frame = open_app(app_page, f"{app_url}/?type=rally")
    click_marker(page, frame, DADYAL_ID)
    frame.locator(".im-popup").get_by_text("JeM rally in Dadyal honouring Hamas members and Palestinians").wait_for()
    page.get_by_role("button", name="Edit this event").wait_for()
    assert page.get_by_label("Text search", exact=True).is_visible()
    assert page.get_by_text("Select a row, or click a point on the map").count() == 0
    assert app_page.page_errors == []


def test_a_date_range_in_the_url_shows_only_the_dadyal_rally(app_page, app_url):
    frame = open_app(app_page, f"{app_url}/?from=2025-11-01&to=2025-12-31")
    app_page.page.get_by_text("1 of 15 events; 5 undated left out").wait_for()
    app_page.page.get_by_text("5 undated events left out by the date filter.", exact=True).wait_for()
    assert frame.evaluate("() => window.incidentMap.markerCount()") == 1
    assert frame.evaluate(f"() => window.incidentMap.pointOf({DADYAL_ID!r}) !== null")
    assert "from=2025-11-01" in app_page.page.url and "to=2025-12-31" in app_page.page.url


def test_clicking_a_marker_shows_its_source_card(app_page, app_url):
    frame = open_app(app_page, f"{app_url}/?type=rally")
    click_marker(app_page.page, frame, DADYAL_ID)
    card = frame.locator(".im-popup")
    card.get_by_text("JeM rally in Dadyal honouring Hamas members and Palestinians").wait_for()
    text = card.inner_text()
    for part in ("29 November 2025", "Dadyal", "Masood Ilyas Kashmiri", "On November 29, 2025, JeM organised a rally in Dadyal"):
        assert part in text


def test_a_filter_change_keeps_the_zoom_and_updates_the_url(app_page, app_url):
    page = app_page.page
    frame = open_app(app_page, app_url)
    scrolled_to(page, frame.frame_element())
    start = frame.evaluate("() => window.incidentMap.map.getZoom()")
    frame.locator(".leaflet-control-zoom-in").click()
    frame.wait_for_function(f"() => window.incidentMap.map.getZoom() === {start + 1}")
    page.get_by_label("Text search", exact=True).fill("Dadyal")
    page.get_by_label("Text search", exact=True).press("Enter")
    page.get_by_text("1 of 15 events").wait_for()
    frame.wait_for_function("() => window.incidentMap.eventCount === 1")
    assert frame.evaluate("() => window.incidentMap.map.getZoom()") == start + 1
    page.wait_for_url("**q=Dadyal**")


def test_the_map_runs_apart_under_the_other_name_and_keeps_its_view_across_a_reload(app_page, app_url, chromium):
    """Opened at 127.0.0.1, the app serves its map's page under localhost, another site to the browser, which runs it
    in a process of its own (a frame target of its own); reloaded (as a new store revision reloads it), the map keeps
    the reader's view, though a private window keeps no storage for a frame from another site."""
    page = app_page.page
    frame = open_app(app_page, app_url)
    assert urlsplit(page.url).hostname == "127.0.0.1" and urlsplit(frame.url).hostname == "localhost"
    targets = chromium.new_browser_cdp_session().send("Target.getTargets")["targetInfos"]
    assert [t["url"] for t in targets if t["type"] == "iframe"] == [frame.url]
    frame.evaluate("() => window.incidentMap.map.setView([33.3, 73.7], 11, {animate: false})")
    frame.evaluate("() => { window.beforeReload = true; window.location.reload(); }")
    frame = map_frame(page, "!window.beforeReload")
    assert frame.evaluate("() => window.incidentMap.map.getZoom()") == 11
    centre = frame.evaluate("() => window.incidentMap.map.getCenter()")
    assert centre["lat"] == pytest.approx(33.3, abs=0.01) and centre["lng"] == pytest.approx(73.7, abs=0.01)


def test_a_filter_change_updates_the_map_in_place(app_page, app_url):
    page = app_page.page
    frame = open_app(app_page, app_url)
    frame.evaluate("() => { window.loadsSeen = (window.loadsSeen || 0) + 1; }")  # gone if the frame reloads
    assert frame.evaluate("() => document.getElementById('im-unmapped').querySelectorAll('li').length") == 7
    page.get_by_label("Text search", exact=True).fill("Dadyal")
    page.get_by_label("Text search", exact=True).press("Enter")
    page.get_by_text("1 of 15 events").wait_for()
    frame.wait_for_function("() => window.incidentMap.eventCount === 1")
    assert frame.evaluate("() => window.loadsSeen") == 1
    assert frame.evaluate("() => window.incidentMap.markerCount()") == 1
    assert frame.evaluate(f"() => window.incidentMap.pointOf({DADYAL_ID!r}) !== null")
    assert frame.evaluate("() => document.getElementById('im-unmapped').querySelectorAll('li').length") == 0
    assert "(1)" in frame.locator(".im-legend").inner_text()
    assert [f for f in page.frames if "incident_map" in f.url] == [frame]


def test_clicking_a_marker_shows_its_source_card_in_the_app(app_page, app_url):
    page = app_page.page
    frame = open_app(app_page, f"{app_url}/?type=rally")
    page.get_by_text("Select a row, or click a point on the map").wait_for()
    click_marker(page, frame, DADYAL_ID)
    quote = page.get_by_text("On November 29, 2025, JeM organised a rally in Dadyal")
    quote.first.wait_for()
    page.get_by_role("button", name="Edit this event").wait_for()  # the card below the table, drawn in the same run
    assert page.get_by_text("Select a row, or click a point on the map").count() == 0


def test_the_date_boxes_show_the_whole_date_and_a_one_row_table_has_no_empty_rows(app_page, app_url):
    page = app_page.page
    open_app(app_page, f"{app_url}/?from=2025-11-01&to=2025-12-31&type=rally")
    page.get_by_text("1 of 15 events").wait_for()
    for label, day in (("From", "2025-11-01"), ("To", "2025-12-31")):
        field = page.get_by_role("group", name=label, exact=True)
        assert "".join(field.inner_text().split()) == day
        scroller = page.locator("[data-testid='stDateInputFieldsScroller']").filter(has=field)
        assert scroller.evaluate("box => box.scrollWidth <= box.clientWidth"), f"the {label} box cuts its date"
    table = page.locator("[data-testid='stDataFrame']").first  # the events; the counts per area follow, folded away
    table.wait_for()
    assert table.bounding_box()["height"] < 100  # a header and one row, not ten


def test_the_app_on_postgis_shows_the_events_and_no_form_to_a_read_only_role(app_page, postgis_reader_url):
    page = app_page.page
    frame = open_app(app_page, f"{postgis_reader_url}/?type=rally")
    page.get_by_text("1 of 15 events").wait_for()
    click_marker(page, frame, DADYAL_ID)
    page.get_by_text("On November 29, 2025, JeM organised a rally in Dadyal").first.wait_for()
    page.get_by_text("You are signed in to this store as ben, who may view and export events").wait_for()
    assert page.get_by_role("button", name="Edit this event").count() == 0
    assert page.get_by_text("Add or edit an event").count() == 0
    assert app_page.page_errors == []


def test_the_form_and_the_lists_below_the_table_are_made_when_opened(app_page, app_url):
    """Closed, "Add or edit an event" and the two lists below the table are one line each; opening one reruns the page,
    which fills it (and the map stays as it was)."""
    page = app_page.page
    frame = open_app(app_page, f"{app_url}/?type=rally")
    assert page.get_by_label("Title", exact=True).count() == 0
    for expander in ("Add or edit an event", "Events without a map point in this view (0)"):
        scrolled_to(page, page.get_by_text(expander))
        page.get_by_text(expander).click()
        if expander.startswith("Add"):
            page.get_by_label("Title", exact=True).first.wait_for()  # the event's title (its first source has one too)
    page.get_by_text("Every event in this view has a map point.").wait_for()
    assert frame.evaluate("() => window.incidentMap.markerCount()") == 1
    assert app_page.page_errors == []


def page_point(page, frame, latlng) -> tuple[float, float]:
    """Where ``latlng`` is in the window, in the embedded map."""
    x, y = frame.evaluate("""(ll) => {
        const p = window.incidentMap.map.latLngToContainerPoint(ll), map = document.querySelector(".folium-map").getBoundingClientRect();
        return [map.left + p.x, map.top + p.y];
    }""", latlng)
    box = frame.frame_element().bounding_box()
    return box["x"] + x, box["y"] + y


def test_drawing_a_circle_on_the_map_filters_the_map_and_the_table(app_page, app_url):
    page = app_page.page
    frame = open_app(app_page, app_url)
    scrolled_to(page, frame.frame_element())
    frame.evaluate("() => window.incidentMap.map.setView([33.3, 73.75], 9, {animate: false})")
    frame.locator("a.leaflet-draw-draw-circle").click()
    centre = page_point(page, frame, [33.3122, 73.7035])  # Dadyal
    edge = page_point(page, frame, [33.3122 + 0.12, 73.7035])  # about 13 km north: Mirpur is 20 km away
    page.mouse.move(*centre)
    page.mouse.down()
    page.mouse.move(*edge, steps=5)
    page.mouse.up()
    page.get_by_text("1 of 15 events").wait_for()
    page.wait_for_url("**near=**")
    frame.wait_for_function("() => window.incidentMap.eventCount === 1")
    assert frame.evaluate(f"() => window.incidentMap.pointOf({DADYAL_ID!r}) !== null")
    assert page.get_by_text("Area drawn on the map: within").count() == 1
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for()
    page.get_by_role("button", name="Clear the area drawn on the map").click()
    page.get_by_text("15 of 15 events").wait_for()
    frame.wait_for_function("() => window.incidentMap.eventCount === 15")
    assert "near=" not in page.url
    assert app_page.page_errors == []


def test_a_period_selected_on_the_map_timeline_sets_the_dates_of_the_whole_page(app_page, app_url):
    page = app_page.page
    frame = open_app(app_page, app_url)
    scrolled_to(page, frame.locator(".im-histogram"))
    box = frame.locator(".im-histogram").bounding_box()  # in the window's pixels, as the mouse moves
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.97, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 2, y, steps=3)
    page.mouse.up()  # the last period on the timeline: January 2026
    page.wait_for_url("**from=2026-01-01**")
    assert "to=2026-01-31" in page.url
    page.get_by_text("3 of 15 events").wait_for()  # the Gujranwala event, known only to January 2026, and two context events
    frame.wait_for_function("() => window.incidentMap.eventCount === 3")
    assert frame.locator(".im-time-status").inner_text().startswith("1–31 January 2026: 3 of 15 events")


def test_play_in_the_app_steps_the_map_through_time_and_pause_stops_it(app_page, app_url):
    page = app_page.page
    frame = open_app(app_page, app_url)
    scrolled_to(page, frame.locator(".im-play"))
    frame.select_option(".im-time-field select >> nth=2", "200")
    frame.get_by_role("button", name="Play").click()
    seen = set()
    for _ in range(3):
        frame.wait_for_function("(seen) => !seen.includes(document.querySelector('.im-time-status').textContent)", arg=sorted(seen))
        seen.add(frame.locator(".im-time-status").inner_text())
    frame.get_by_role("button", name="Pause").click()
    frozen = frame.locator(".im-time-status").inner_text()
    page.wait_for_timeout(600)
    assert frame.locator(".im-time-status").inner_text() == frozen and len(seen) == 3
    assert all(" and before: " in status for status in seen)
    assert "from=" not in page.url  # playing does not change the page's filter
