"""Reading the exported map in headless Chromium (network blocked): plugins, labels, stacks, the first view, time.

The seed map is exported once through the CLI; other pages are rendered in-process.  Each check is
what a reader would see or do: a label that can be found with Ctrl+F, two towns that are separate
markers when zoomed in, Play that steps through time.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import folium.plugins
import numpy as np
import pytest

from bench.synthetic import synthetic_records
from geo import filters, frame, webmap
from geo.duplicates import distance_km
from tests.helpers import make_record, run_cli

READY = "() => Boolean(window.incidentMap && window.incidentMap.ready)"
KASHMIR = ([33.6, 74.2], 9)
DADYAL, MIRPUR = "mahjar-barducci-dadyal-jem-rally", "mahjar-barducci-mirpur-conference"
RAWALAKOT, PAHALGAM = (33.8578, 73.7604), (34.0159, 75.318)

LABEL_BOXES = """() => Array.from(document.querySelectorAll('.im-label-layer > div'), node => {
    const r = node.getBoundingClientRect();
    return [node.className, node.textContent, r.left, r.top, r.right, r.bottom];
})"""
MAP_BOX = "() => { const r = document.querySelector('.folium-map').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


@pytest.fixture(scope="module")
def seed_map(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reading") / "seed.html"
    done = run_cli("export", "html", "--out", str(out), "--made", "2026-01-31")
    assert done.returncode == 0, done.stderr
    return out


def open_map(offline_page, path: Path, view=None):
    page = offline_page.page
    page.goto(path.as_uri())
    page.wait_for_function(READY, timeout=60_000)
    if view:
        page.evaluate(f"() => window.incidentMap.map.setView({view[0]}, {view[1]}, {{animate: false}})")
        page.wait_for_timeout(150)
    return page


def write_map(tmp_path: Path, events, name: str = "map.html", **options) -> Path:
    path = tmp_path / name
    path.write_text(webmap.render_html(events, **options), encoding="utf-8")
    return path


def page_point(page, latlng) -> tuple[float, float]:
    x, y = page.evaluate("(ll) => { const p = window.incidentMap.map.latLngToContainerPoint(ll); return [p.x, p.y]; }", list(latlng))
    box = page.locator(".folium-map").bounding_box()
    return box["x"] + x, box["y"] + y


def overlapping(boxes) -> list:
    return [(a[1], b[1]) for k, a in enumerate(boxes) for b in boxes[k + 1 :]
            if a[2] < b[4] - 0.5 and b[2] < a[4] - 0.5 and a[3] < b[5] - 0.5 and b[3] < a[5] - 0.5]


# --- the plugins ------------------------------------------------------------------------


def test_full_screen_minimap_and_measure_work_offline(offline_page, seed_map):
    page = open_map(offline_page, seed_map)
    page.click(".leaflet-control-zoom-fullscreen")
    page.wait_for_function("() => document.fullscreenElement !== null")
    page.click(".leaflet-control-zoom-fullscreen")
    page.wait_for_function("() => document.fullscreenElement === null")
    painted = page.evaluate("""() => {
        const canvas = document.querySelector('.leaflet-control-minimap canvas');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0; for (let k = 3; k < data.length; k += 4) n += data[k] > 0; return n;
    }""")
    assert painted > 100  # the overview map draws the shipped land, with no tiles
    page.evaluate(f"() => window.incidentMap.map.setView({list(RAWALAKOT)}, 8, {{animate: false}})")
    page.hover(".leaflet-control-measure-toggle", force=True)
    page.click(".leaflet-control-measure .js-start")
    for latlng in (RAWALAKOT, PAHALGAM):
        x, y = page_point(page, latlng)
        page.mouse.move(x, y)
        page.mouse.click(x, y)
    shown = page.inner_text(".leaflet-control-measure .js-results")
    measured = float(re.search(r"Path distance\s+([\d,.]+) Kilometers", shown).group(1).replace(",", ""))
    expected = float(distance_km(RAWALAKOT[0], RAWALAKOT[1], np.array([PAHALGAM[0]]), np.array([PAHALGAM[1]]))[0])
    assert measured == pytest.approx(expected, rel=0.01)
    assert offline_page.problems == []


def test_the_overview_map_follows_the_reader_and_a_drag_on_it_moves_the_map(offline_page, seed_map):
    page = open_map(offline_page, seed_map, KASHMIR)  # a setView right after the first fit: the race that undid it
    page.wait_for_timeout(600)
    centre = page.evaluate("() => { const c = window.incidentMap.map.getCenter(); return [c.lat, c.lng]; }")
    assert centre == pytest.approx(KASHMIR[0], abs=0.05)
    shadows = page.evaluate("""() => [...document.querySelectorAll('.leaflet-control-minimap path')]
        .filter(p => p.getAttribute('stroke') === '#000000' && p.getAttribute('stroke-opacity') !== '0').length""")
    assert shadows == 0  # no drag shadow left drawn on the overview
    box = page.locator(".leaflet-control-minimap").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 30, y, steps=5)
    page.mouse.up()
    page.wait_for_function(f"() => window.incidentMap.map.getCenter().lng > {KASHMIR[0][1] + 0.2}")
    assert offline_page.problems == []


def test_the_density_layer_draws_the_events_shown(offline_page, seed_map):
    page = open_map(offline_page, seed_map, KASHMIR)
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 0  # off at first
    page.get_by_label("Density of events (heat)").check()
    page.locator("canvas.leaflet-heatmap-layer").wait_for()
    alpha = """(ll) => {
        const canvas = document.querySelector('canvas.leaflet-heatmap-layer'), box = canvas.getBoundingClientRect();
        const map = window.incidentMap.map, frame = map.getContainer().getBoundingClientRect(), p = map.latLngToContainerPoint(ll);
        const x = Math.round(p.x + frame.left - box.left), y = Math.round(p.y + frame.top - box.top);
        return canvas.getContext('2d').getImageData(x, y, 1, 1).data[3];
    }"""
    assert page.evaluate(alpha, list(RAWALAKOT)) > 0
    assert page.evaluate(alpha, [35.4, 76.5]) == 0  # far from every event
    assert offline_page.problems == []


# --- labels and stacks ------------------------------------------------------------------


@pytest.mark.parametrize("view", [None, KASHMIR], ids=["first view", "zoomed on Kashmir"])
def test_labels_never_overlap_and_are_never_cut(offline_page, seed_map, view):
    page = open_map(offline_page, seed_map, view)
    boxes = page.evaluate(LABEL_BOXES)
    left, top, right, bottom = page.evaluate(MAP_BOX)
    assert boxes, "no labels"
    assert [b[1] for b in boxes if b[2] < left or b[3] < top or b[4] > right or b[5] > bottom] == []
    assert overlapping(boxes) == []
    points = page.evaluate("""() => {
        const st = window.incidentMap.points.stacks, map = window.incidentMap.map, origin = map.getPixelBounds().min;
        const frame = map.getContainer().getBoundingClientRect();
        return st.x.map((x, k) => [frame.left + x + st.view.ox - origin.x, frame.top + st.y[k] + st.view.oy - origin.y, st.r[k]]);
    }""")
    hidden = [(b[1], p) for b in boxes for p in points
              if b[2] < p[0] + p[2] - 1 and p[0] - p[2] + 1 < b[4] and b[3] < p[1] + p[2] - 1 and p[1] - p[2] + 1 < b[5]]
    assert hidden == []  # no label over a point


def test_zoomed_in_on_kashmir_the_places_are_named_in_the_page(offline_page, seed_map):
    page = open_map(offline_page, seed_map, KASHMIR)
    events = {b[1] for b in page.evaluate(LABEL_BOXES) if "im-event-label" in b[0]}
    assert {"Rawalakot", "Dadyal", "Mirpur", "Pahalgam"} <= events
    towns = [b[1] for b in page.evaluate(LABEL_BOXES) if "im-town-label" in b[0]]
    assert len(towns) >= 12 and "Srinagar" in towns
    assert page.get_by_text("Rawalakot", exact=True).count() >= 1  # text in the page: Ctrl+F finds it
    areas = [b[1] for b in page.evaluate(LABEL_BOXES) if "im-area-label" in b[0]]
    assert any("Jammu and Kashmir" in a for a in areas)
    assert page.locator(".im-line-name", has_text="Line of Control (de facto)").count() == 1


def test_dadyal_and_mirpur_are_separate_markers_when_zoomed_in(offline_page, seed_map):
    page = open_map(offline_page, seed_map, KASHMIR)
    for event_id in (DADYAL, MIRPUR):
        x, y = page.evaluate(f"() => window.incidentMap.pointOf({event_id!r})")
        assert page.evaluate(f"() => window.incidentMap.eventIdsAt({x}, {y})") == [event_id]
    page.evaluate("() => window.incidentMap.map.setZoom(4, {animate: false})")
    page.wait_for_timeout(150)
    x, y = page.evaluate(f"() => window.incidentMap.pointOf({DADYAL!r})")
    assert set(page.evaluate(f"() => window.incidentMap.eventIdsAt({x}, {y})")) >= {DADYAL, MIRPUR}  # they touch at zoom 4


def test_the_first_view_frames_the_reported_events_not_the_background(offline_page, tmp_path):
    reported = [make_record(id=f"r{k}", lat=33.3 + k * 0.1, lon=73.7) for k in range(3)]
    background = make_record(id="far", context=True, lat=-15.8, lon=-47.9, country="BR", place_name="Brasília")
    page = open_map(offline_page, write_map(tmp_path, frame.to_frame([*reported, background])))
    bounds = page.evaluate("() => { const b = window.incidentMap.map.getBounds(); "
                           "return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }")
    assert bounds[0] < 33.3 and bounds[2] > 33.5 and bounds[1] > -40  # Kashmir fills the view; Brazil is outside it
    assert page.evaluate("() => window.incidentMap.mappedCount") == 4  # the context event is still drawn


# --- time ---------------------------------------------------------------------------------


def test_play_steps_through_the_periods_and_pause_stops(offline_page, seed_map):
    page = open_map(offline_page, seed_map)
    play = page.get_by_role("button", name="Play")
    page.select_option(".im-time-field select >> nth=2", "200")  # 4x
    # Every text the status shows is recorded as it is set, so a slow poll cannot skip a step.
    page.evaluate("""() => { const status = document.querySelector('.im-time-status');
        window.shownStatuses = [];
        new MutationObserver(() => window.shownStatuses.push(status.textContent))
            .observe(status, {childList: true, characterData: true, subtree: true}); }""")
    play.click()
    assert page.get_by_role("button", name="Pause").count() == 1
    page.wait_for_function("() => new Set(window.shownStatuses).size >= 4")
    page.get_by_role("button", name="Pause").click()
    frozen = page.inner_text(".im-time-status")
    page.wait_for_timeout(600)
    assert page.inner_text(".im-time-status") == frozen and page.get_by_role("button", name="Play").count() == 1
    statuses = list(dict.fromkeys(page.evaluate("() => window.shownStatuses")))
    assert len(statuses) >= 4
    assert statuses[0].startswith("1–31 August 2024 and before: ") and statuses[0].endswith("; 5 undated events left out")
    assert offline_page.problems == []


def test_a_window_step_shows_imprecise_events_for_their_whole_period(offline_page, seed_map, seed_events):
    page = open_map(offline_page, seed_map)
    page.select_option(".im-time-field select >> nth=1", "window")
    shown = page.evaluate("""() => {
        const t = window.incidentMap.timeline, periods = t.periods(), at = periods.findIndex(p => p[2] === '1–31 January 2026');
        t.position = at; t.apply();
        return [document.querySelector('.im-time-status').textContent, window.incidentMap.eventCount];
    }""")
    expected = filters.apply(seed_events, filters.Filter(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31)))
    assert shown[1] == len(expected.events)
    assert shown[0] == f"1–31 January 2026: {len(expected.events)} of 15 events; {expected.undated_excluded} undated events left out"
    assert "mahjar-barducci-gujranwala-pmml-event" in set(expected.events["id"])  # known only to January 2026


def test_a_period_selected_on_the_page_equals_the_filter_in_python(offline_page, tmp_path):
    events = frame.to_frame(synthetic_records(3000, seed=5))
    page = open_map(offline_page, write_map(tmp_path, events, name="synthetic.html"))
    first, last = date(2025, 3, 10), date(2025, 7, 2)
    epoch = date(1970, 1, 1)
    ids = page.evaluate(f"""() => {{
        window.incidentMap.timeline.selectDays({(first - epoch).days}, {(last - epoch).days}, "test");
        const T = window.incidentMap.points, out = [];
        for (let i = 0; i < T.N; i++) if (T.shown[i]) out.push(i);
        return out;
    }}""")
    expected = filters.apply(events, filters.Filter(date_from=first, date_to=last)).events
    assert ids == expected.index.tolist() and len(ids) > 100


def test_brushing_the_timeline_selects_a_period(offline_page, seed_map):
    page = open_map(offline_page, seed_map)
    box = page.locator(".im-histogram").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.9, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 2, y, steps=4)
    page.mouse.up()
    status = page.inner_text(".im-time-status")
    assert "2026" in status and " of 15 events" in status
    assert page.evaluate("() => window.incidentMap.eventCount") < 15
    page.dblclick(".im-histogram")
    assert page.inner_text(".im-time-status") == "" and page.evaluate("() => window.incidentMap.eventCount") == 15


def test_the_shaded_areas_count_the_events_shown_and_say_so(offline_page, seed_map):
    page = open_map(offline_page, seed_map, KASHMIR)
    page.get_by_label("Events per province or state (shaded)").check()
    legend = page.locator(".im-legend").inner_text()
    assert "Shade: events per first-level area (province, state), by map point; 8 events counted" in legend
    fill = """(name) => {
        let found = null;
        window.incidentMap.map.eachLayer(l => { if (l.feature && l.feature.properties && l.feature.properties.name === name) found = l; });
        return [found.options.fillOpacity, found.options.fillColor];
    }"""
    kashmir = "Pakistan-administered Kashmir (Azad Jammu and Kashmir)"
    opacity, colour = page.evaluate(fill, kashmir)
    assert opacity > 0 and colour != "#ffffff"  # Rawalakot, Dadyal and Mirpur lie in it
    epoch = date(1970, 1, 1)
    first, last = (date(2025, 11, 1) - epoch).days, (date(2025, 11, 30) - epoch).days
    page.evaluate(f"() => window.incidentMap.timeline.selectDays({first}, {last}, 'November 2025')")
    assert "1 event counted" in page.locator(".im-legend").inner_text()  # only the Dadyal rally falls in November 2025
    assert page.evaluate(fill, "Punjab (Pakistan)")[0] == 0  # Gujranwala's event is outside the period
    assert offline_page.problems == []


def test_a_folium_minimap_added_by_a_user_works_offline(offline_page, seed_events, tmp_path):
    m = webmap.incident_map(seed_events, plugins=False)
    folium.plugins.MiniMap(position="topright").add_to(m)  # folium's default: OpenStreetMap tiles
    path = tmp_path / "user-minimap.html"
    m.save(str(path))
    page = open_map(offline_page, path, KASHMIR)
    page.wait_for_timeout(600)
    centre = page.evaluate("() => { const c = window.incidentMap.map.getCenter(); return [c.lat, c.lng]; }")
    assert centre == pytest.approx(KASHMIR[0], abs=0.05)  # the overview did not undo the reader's move
    painted = page.evaluate("""() => {
        const canvas = document.querySelector('.leaflet-control-minimap canvas');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0; for (let k = 3; k < data.length; k += 4) n += data[k] > 0; return n;
    }""")
    assert painted > 100  # the shipped land, not tiles
    assert offline_page.problems == []  # no tile was asked for
