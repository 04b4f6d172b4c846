"""The exported web map in headless Chromium, with every request off this machine blocked and recorded.

The seed map is written once through ``python -m geo export html``; other pages
are rendered in-process.  Each test opens a fresh page and checks what a reader
sees: the drawn basemap and markers (on the canvas, not only through the
``window.incidentMap`` hook), the source card a click opens, the list of
unmapped events, the page inside an iframe, and that hostile text runs nothing.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bench.synthetic import synthetic_records
from geo import frame, webmap
from geo.filters import Filter
from tests.helpers import run_cli
from tests.payloads import BAD_URL, PAYLOADS, SAFE_URL, TEMPLATE_PROBE, payload_records

GUJRANWALA = "mahjar-barducci-gujranwala-pmml-event"
READY = "() => Boolean(window.incidentMap && window.incidentMap.ready)"


@pytest.fixture(scope="module")
def seed_map(tmp_path_factory, seed_events) -> Path:
    out = tmp_path_factory.mktemp("map") / "seed map.html"
    done = run_cli("export", "html", "--out", str(out), "--made", "2026-01-31")
    assert done.returncode == 0, done.stderr
    return out


def open_map(page_log, path: Path):
    page = page_log.page
    page.goto(path.as_uri())
    page.wait_for_function(READY, timeout=30_000)
    return page


def write_map(tmp_path: Path, events, name: str = "map.html", **options) -> Path:
    path = tmp_path / name
    path.write_text(webmap.render_html(events, **options), encoding="utf-8")
    return path


def click_event(page, event_id: str, frame=None) -> None:
    """Click where the event's marker is drawn, as a reader would."""
    target = frame or page
    x, y = target.evaluate(f"() => window.incidentMap.pointOf({event_id!r})")
    box = target.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


LAND = "#f4f1ea"
"""The basemap's land colour."""


def canvas_colours(page, pane: str) -> list[tuple[int, int, int]]:
    """The distinct colours painted (nearly opaque) on a pane's canvas."""
    found = page.evaluate(
        """(pane) => {
        const canvas = document.querySelector(`.leaflet-${pane}-pane canvas`);
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        const found = new Set();
        for (let k = 0; k < pixels.length; k += 4) if (pixels[k + 3] > 200) found.add(pixels.slice(k, k + 3).join(","));
        return [...found];
    }""",
        pane,
    )
    return [tuple(int(c) for c in colour.split(",")) for colour in found]


def painted(colours: list[tuple[int, int, int]], hex_colour: str, tolerance: int = 8) -> bool:
    """True if a colour within ``tolerance`` of ``hex_colour`` was painted."""
    want = [int(hex_colour[k : k + 2], 16) for k in (1, 3, 5)]
    return any(all(abs(a - b) <= tolerance for a, b in zip(colour, want, strict=True)) for colour in colours)


def test_seed_map_draws_offline(offline_page, seed_map, seed_events):
    page = open_map(offline_page, seed_map)
    mapped = frame.is_mapped(seed_events)
    assert page.evaluate("() => window.incidentMap.countryCount") > 200
    assert painted(canvas_colours(page, "im-basemap"), "#f4f1ea")  # land is painted
    assert page.evaluate("() => window.incidentMap.markerCount()") == int(mapped.sum()) == 8
    points = canvas_colours(page, "im-points")
    assert painted(points, "#1f77b4") and painted(points, "#d62728")  # rally and conference markers
    assert page.locator("#im-title").text_content() == "Reported incidents"
    assert page.locator("#im-counts").text_content() == "15 events: 8 mapped, 7 unmapped"
    assert "made on 31 January 2026" in page.locator("#im-attribution").text_content()
    legend = page.locator(".im-legend").text_content()
    assert "rally (1)" in legend and "conference (2)" in legend and "de facto or disputed boundary" in legend
    assert page.locator(".im-disputed").count() > 0  # the Line of Control and others, dashed
    assert page.locator(".im-town-label").count() > 10
    page.evaluate("() => window.incidentMap.map.setView([33.8, 74.2], 7, {animate: false})")
    assert page.locator(".im-line-name", has_text="Line of Control (de facto)").is_visible()
    assert offline_page.problems == []


LAND_AT = """(ll) => {
    const canvas = document.querySelector('.leaflet-im-basemap-pane canvas'), box = canvas.getBoundingClientRect();
    const map = window.incidentMap.map, frame = map.getContainer().getBoundingClientRect(), p = map.latLngToContainerPoint(ll);
    const ratio = canvas.width / box.width;
    const x = Math.round((p.x + frame.left - box.left) * ratio), y = Math.round((p.y + frame.top - box.top) * ratio);
    return Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3));
}"""


@pytest.mark.parametrize("zoom", [3, 5, 7, 9], ids=lambda z: f"zoom {z}")
def test_the_basemap_paints_land_where_it_is_at_every_zoom_and_after_moving_away(offline_page, seed_map, zoom):
    """Land (and only land) is painted, wherever the map is moved: up to zoom 6 the world's shapes are made once per
    zoom and shifted to the view, closer in they are made for the view; both put the coast where it is."""
    page = open_map(offline_page, seed_map)
    land, sea = [int(LAND[k : k + 2], 16) for k in (1, 3, 5)], None
    for land_point, sea_point in (((48.0, 67.0), (20.0, 64.0)), ((46.5, 2.5), (45.0, -10.0)), ((-25.0, 134.0), (-36.0, 160.0))):
        page.evaluate(f"() => window.incidentMap.map.setView({list(land_point)}, {zoom}, {{animate: false}})")
        assert page.evaluate(LAND_AT, list(land_point)) == land
        page.evaluate(f"() => window.incidentMap.map.setView({list(sea_point)}, {zoom}, {{animate: false}})")
        sea = page.evaluate(LAND_AT, list(sea_point))
        assert all(abs(a - b) > 8 for a, b in zip(sea, land, strict=True)), sea
    assert offline_page.problems == []


def test_clicking_a_marker_opens_its_source_card(offline_page, seed_map, seed_events):
    page = open_map(offline_page, seed_map)
    record = next(r for r in frame.to_records(seed_events) if r["id"] == GUJRANWALA)
    click_event(page, GUJRANWALA)
    card = page.locator(".leaflet-popup-content .im-card")
    card.wait_for()
    text = card.text_content()
    assert record["title"] in text
    assert "January 2026 (month)" in text
    assert "Gujranwala, Punjab, Pakistan (town)" in text
    assert f"“{record['sources'][0]['excerpt']}”" in text
    assert "Naji Zaheer" in text and record["claim"] in text and "reported" in text
    assert "cited by Anna Mahjar-Barducci" in text
    assert card.locator("a").count() == 0  # the seed's sources have no URL: no link is made up
    assert offline_page.problems == []


@pytest.mark.parametrize("edge", ["top", "left", "right", "bottom"])
def test_a_card_opened_at_the_map_edge_is_moved_whole_into_view_at_once(offline_page, seed_map, edge):
    """A point clicked near an edge of the map: the map moves, without an animation, so that the whole card is inside
    it, and the card does not move after it has opened (a reader can reach for it at once)."""
    page = open_map(offline_page, seed_map)
    size = page.evaluate("() => { const s = window.incidentMap.map.getSize(); return [s.x, s.y]; }")
    x, y = page.evaluate(f"() => window.incidentMap.pointOf({GUJRANWALA!r})")
    near = {"top": (size[0] / 2, 12), "left": (12, size[1] / 2), "right": (size[0] - 12, size[1] / 2),
            "bottom": (size[0] / 2, size[1] - 12)}[edge]
    page.evaluate(f"() => window.incidentMap.map.panBy([{x - near[0]}, {y - near[1]}], {{animate: false}})")
    click_event(page, GUJRANWALA)
    card = page.locator(".leaflet-popup-content .im-card")
    card.wait_for()
    first = card.bounding_box()
    page.wait_for_timeout(400)  # longer than Leaflet's pan animation
    assert card.bounding_box() == first
    inside = page.evaluate("""() => {
        const popup = document.querySelector('.im-popup').getBoundingClientRect();
        const map = document.querySelector('.folium-map').getBoundingClientRect();
        return popup.top >= map.top && popup.left >= map.left && popup.bottom <= map.bottom && popup.right <= map.right;
    }""")
    assert inside
    assert offline_page.problems == []


def test_hover_shows_title_and_date(offline_page, seed_map):
    page = open_map(offline_page, seed_map)
    x, y = page.evaluate(f"() => window.incidentMap.pointOf({GUJRANWALA!r})")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    tip = page.locator(".im-tooltip")
    tip.wait_for()
    assert "PMML event in Gujranwala" in tip.text_content() and "January 2026 (month)" in tip.text_content()


def test_unmapped_panel_lists_the_unmapped_events(offline_page, seed_map, seed_events):
    page = open_map(offline_page, seed_map)
    unmapped = [r for r in frame.to_records(seed_events) if r["lat"] is None]
    items = page.locator("#im-unmapped details")
    assert items.count() == len(unmapped) == 7
    assert page.locator("#im-unmapped h2").text_content() == "Not on the map (7)"
    titles = [items.nth(k).locator(".im-item-title").text_content() for k in range(items.count())]
    assert titles == [r["title"] for r in unmapped]
    items.first.locator("summary").click()
    card = items.first.locator(".im-card")
    assert f"“{unmapped[0]['sources'][0]['excerpt']}”" in card.text_content()
    assert offline_page.problems == []


def test_map_works_inside_an_iframe(offline_page, seed_map):
    host = seed_map.parent / "host.html"
    host.write_text(f'<!DOCTYPE html><h1>Report</h1><iframe src="{seed_map.name}" width="900" height="600"></iframe>', encoding="utf-8")
    page = offline_page.page
    page.goto(host.as_uri())
    frame = page.frame_locator("iframe")
    frame.locator("html[data-map-ready=true]").wait_for()
    inner = next(f for f in page.frames if f.url.endswith(seed_map.name.replace(" ", "%20")))
    assert inner.evaluate("() => window.incidentMap.markerCount()") == 8
    click_event(page, GUJRANWALA, frame=inner)
    assert "PMML event in Gujranwala" in frame.locator(".leaflet-popup-content .im-card").text_content()
    assert offline_page.problems == []


def test_hostile_text_runs_nothing_and_reads_as_text(offline_page, tmp_path):
    events = frame.to_frame(payload_records())
    path = write_map(tmp_path, events, title=PAYLOADS[1], flt=Filter(text=PAYLOADS[3]))
    page = open_map(offline_page, path)
    assert page.locator("#im-title").text_content() == PAYLOADS[1]
    assert PAYLOADS[3] in page.locator("#im-filter").text_content()
    # All mapped payload events share one spot: the click lists them, each opens its card.
    x, y = page.evaluate("() => window.incidentMap.pointOf('payload-5')")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    assert "#0" in page.locator(".im-tooltip").text_content()  # the tooltip, built from the same text
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.locator(".im-list").wait_for()
    assert page.locator(".im-list button").count() == len(PAYLOADS)
    page.locator(".im-list button", has_text=TEMPLATE_PROBE).click()
    card = page.locator(".leaflet-popup-content .im-card")
    page.wait_for_timeout(1000)  # the popup pans into view; the click that opened the card must not close it
    text = card.text_content()
    assert f"{TEMPLATE_PROBE} #5" in text and "A49B" not in text
    assert card.locator("a").count() == 1 and card.locator("a").get_attribute("href") == SAFE_URL.replace("<", "%3C").replace(">", "%3E")
    # Every card, in the popup and in the panel, and the tooltip.
    for k in range(len(PAYLOADS)):
        page.evaluate(f"() => window.incidentMap.openEvent('payload-{k}')")
        page.evaluate(f"() => window.incidentMap.openEvent('payload-{len(PAYLOADS) + k}')")
    body = page.locator("body").text_content()
    for payload in PAYLOADS:
        assert payload in body
    assert page.locator(f'a[href^="{BAD_URL[:11]}"], a[href^="javascript"]').count() == 0
    assert page.locator("body img, body svg image").count() == 0
    written = len(re.findall(r'<script(?: data-asset="[^"]*")?>', path.read_text(encoding="utf-8")))  # the page's own code
    assert page.locator("script:not([type]):not([src])").count() == written  # no script was injected
    assert page.evaluate("() => window.__pwned") is None
    assert offline_page.dialogs == [] and offline_page.page_errors == []
    assert offline_page.problems == []


def test_thousands_of_events_compressed_texts(offline_page, tmp_path):
    records = synthetic_records(2500, seed=2)
    events = frame.to_frame(records)
    path = write_map(tmp_path, events)
    assert 'data-encoding="gzip-base64"' in path.read_text(encoding="utf-8")
    page = open_map(offline_page, path)
    assert page.evaluate("() => window.incidentMap.markerCount()") == sum(r["lat"] is not None for r in records)
    record = next(r for r in records if r["lat"] is not None)
    page.evaluate(f"() => window.incidentMap.openEvent({record['id']!r})")
    popup = page.locator(".leaflet-popup-content .im-card").text_content()
    assert record["title"] in popup and record["sources"][0]["excerpt"] in popup
    unmapped = sum(r["lat"] is None for r in records)
    assert page.locator("#im-unmapped h2").text_content() == f"Not on the map ({unmapped})"
    assert offline_page.problems == []


def test_view_is_kept_across_renders_when_asked(offline_page, tmp_path, seed_events):
    path = write_map(tmp_path, seed_events, persist_view_key="test-view")
    page = open_map(offline_page, path)
    page.evaluate("() => window.incidentMap.map.setView([33.3, 73.7], 11, {animate: false})")
    page.reload()
    page.wait_for_function(READY)
    assert page.evaluate("() => window.incidentMap.map.getZoom()") == 11
    centre = page.evaluate("() => window.incidentMap.map.getCenter()")
    assert centre["lat"] == pytest.approx(33.3, abs=0.01) and centre["lng"] == pytest.approx(73.7, abs=0.01)
    path.write_text(webmap.render_html(seed_events), encoding="utf-8")  # no key: fits the data again
    page.reload()
    page.wait_for_function(READY)
    assert page.evaluate("() => window.incidentMap.map.getZoom()") < 11


def test_view_is_kept_in_the_address_where_storage_is_off(offline_page, tmp_path, seed_events):
    """Where the page may not use sessionStorage (a frame from another site in a private window), the view kept across
    a reload is in the page's address."""
    path = write_map(tmp_path, seed_events, persist_view_key="test-view")
    offline_page.page.add_init_script(STORAGE_OFF)
    page = open_map(offline_page, path)
    page.evaluate("() => window.incidentMap.map.setView([33.3, 73.7], 11, {animate: false})")
    assert "test-view=" in page.url
    page.reload()
    page.wait_for_function(READY)
    assert page.evaluate("() => window.incidentMap.map.getZoom()") == 11
    assert offline_page.problems == []


STORAGE_OFF = """Object.defineProperty(window, "sessionStorage", {
  get() { throw new DOMException("Access is denied for this document.", "SecurityError"); },
});"""


def test_canvas_layers_held_while_a_map_is_set_up_draw_once_at_its_first_view(offline_page, tmp_path, seed_events):
    """While a page sets its map up (layers added, the map resized, then moved to its first view), canvas layers are
    held (``IM.holdCanvases``): each draws once, at that view, when released, and after that at every move again."""
    page = open_map(offline_page, write_map(tmp_path, seed_events))
    held, scales, moved = page.evaluate("""() => {
        const box = document.createElement("div");
        box.style.cssText = "width: 400px; height: 300px";
        document.body.appendChild(box);
        const m = L.map(box).setView([25, 45], 2), scales = [];
        const release = IncidentMap.holdCanvases();
        new IncidentMap.CanvasLayer("im-test", (ctx, view) => scales.push(view.scale)).addTo(m);
        m.invalidateSize();
        m.setView([33.3, 73.7], 9, {animate: false});
        const held = scales.length;
        release();
        const first = scales.slice();
        m.setView([33.3, 73.7], 5, {animate: false});
        return [held, first, scales.slice(first.length)];
    }""")
    assert (held, scales, moved) == (0, [256 * 2**9], [256 * 2**5])


def test_one_event_and_no_mapped_events(offline_page, tmp_path, seed_events):
    mapped = frame.is_mapped(seed_events)
    page = open_map(offline_page, write_map(tmp_path, seed_events[mapped].iloc[:1], made_on=date(2026, 1, 1)))
    assert page.evaluate("() => window.incidentMap.map.getZoom()") == 9
    assert page.evaluate("() => window.incidentMap.markerCount()") == 1
    page = open_map(offline_page, write_map(tmp_path, seed_events[~mapped], name="none.html"))
    assert page.evaluate("() => window.incidentMap.markerCount()") == 0
    assert "None of the 7 events shown has a map point" in page.locator(".im-message").text_content()
    assert page.locator("#im-unmapped details").count() == 7
    assert offline_page.problems == []
