"""Offline folium maps (``geo.webmap.offline``): in-process, then in headless Chromium with the network blocked.

In-process: the rendered page links nothing online, folium's class-level link lists stay as they
were and other maps keep their CDN links, a plugin added after ``make_offline`` is inlined too, and
a link with no vendored file is refused by name.  In the browser: a tile-less map with the five
plugins loads with no blocked request and no error, and each plugin does its job when driven
with the mouse: full screen, the minimap, the heat layer, a measured distance, a drawn rectangle.
"""

from __future__ import annotations

import copy
import html
import math
import re
import subprocess
import sys
from html.parser import HTMLParser

import folium
import pytest
from branca.element import JavascriptLink
from folium import plugins

from geo import basemap
from geo.webmap.inline import inline_text
from geo.webmap.offline import ASSETS, LEFT_OUT, OfflineAssetError, make_offline
from tests.helpers import ROOT

PLUGINS = (plugins.Fullscreen, plugins.MiniMap, plugins.MeasureControl, plugins.HeatMap, plugins.Draw)
JQUERY = "jquery/jquery.min.js"
BLANK_TILE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
"""A 1x1 transparent PNG: the minimap's tiles, so it needs no network."""
CENTRE, ZOOM = [48.0, 10.0], 5
HEAT_POINTS = [[48.0, 5.0], [49.0, 15.0]]
FAR_FROM_HEAT = [44.0, 10.0]
MEASURED = ([46.0, 0.0], [46.0, 20.0])
EARTH_RADIUS_KM = 6371.0088


def add_plugins(m: folium.Map) -> folium.Map:
    """The five plugins, set up so that none needs the network."""
    plugins.Fullscreen().add_to(m)
    plugins.MiniMap(tile_layer=folium.TileLayer(BLANK_TILE, attr="blank")).add_to(m)
    plugins.MeasureControl(primary_length_unit="kilometers").add_to(m)
    plugins.HeatMap(HEAT_POINTS).add_to(m)
    plugins.Draw().add_to(m)
    return m


def offline_map() -> folium.Map:
    """A tile-less map made offline, then given the five plugins."""
    return add_plugins(make_offline(folium.Map(location=CENTRE, zoom_start=ZOOM, tiles=None)))


def render(m: folium.Map) -> str:
    return m.get_root().render()


class _Attributes(HTMLParser):
    """The ``src`` and ``href`` of a page's elements (a script's or a style's text is not parsed as tags)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def online_links(page: str) -> list[str]:
    """Every ``src=``/``href=`` on the page that points off the machine (http, https or protocol-relative)."""
    parser = _Attributes()
    parser.feed(page)
    return [url for url in parser.urls if re.match(r"\s*(https?:)?//", url, re.IGNORECASE)]


def inlined(page: str) -> list[str]:
    """The vendored files written inline on the page, in order."""
    return re.findall(r'<(?:script|style) data-asset="([^"]+)">', page)


def class_links() -> dict:
    """folium's class-level link lists: the list objects and copies of their contents."""
    return {
        cls: (cls.default_js, copy.deepcopy(cls.default_js), cls.default_css, copy.deepcopy(cls.default_css))
        for cls in (folium.Map, *PLUGINS)
    }


# --- in-process ----------------------------------------------------------------------


def test_offline_map_links_nothing_online_and_inlines_each_plugin():
    page = render(offline_map())
    assert online_links(page) == []
    assert sorted(inlined(page)) == sorted(path for path in ASSETS.values() if path != JQUERY)
    for left_out in ("jQuery v3.7.1", "bootstrap.bundle", "bootstrap.min.css", "awesome-markers", "fontawesome"):
        assert left_out not in page


def test_class_level_lists_stay_as_they_were_and_plain_maps_stay_online(tmp_path):
    before = class_links()
    m = offline_map()
    render(m)
    m.save(tmp_path / "map.html")
    after = class_links()
    for cls, (js, js_copy, css, css_copy) in before.items():
        now_js, _, now_css, _ = after[cls]
        assert now_js is js and now_js == js_copy, cls
        assert now_css is css and now_css == css_copy, cls
    assert "default_js" not in vars(m) and "default_css" not in vars(m)

    plain = add_plugins(folium.Map(location=CENTRE, zoom_start=ZOOM, tiles=None))
    page = render(plain)
    assert inlined(page) == []
    links = online_links(page)
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in links
    assert "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js" in links
    assert "https://code.jquery.com/jquery-3.7.1.min.js" in links


def test_a_plugin_added_after_the_call_and_a_render_is_inlined():
    m = make_offline(folium.Map(location=CENTRE, zoom_start=ZOOM, tiles=None))
    assert "leaflet-draw/leaflet.draw.js" not in inlined(render(m))
    plugins.Draw().add_to(m)
    page = render(m)
    assert {"leaflet-draw/leaflet.draw.js", "leaflet-draw/leaflet.draw.css"} <= set(inlined(page))
    assert online_links(page) == []


def test_save_and_the_notebook_view_are_offline(tmp_path):
    m = offline_map()
    m.save(tmp_path / "map.html")
    saved = (tmp_path / "map.html").read_text(encoding="utf-8")
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', m._repr_html_()).group(1))
    for page in (saved, srcdoc):
        assert online_links(page) == []
        assert "leaflet-measure/leaflet-measure.min.js" in inlined(page)


def test_make_offline_returns_the_map_and_twice_is_once():
    m = offline_map()
    header = m.get_root().header
    first = inlined(render(m))
    assert make_offline(m) is m
    assert m.get_root().header is header
    assert inlined(render(m)) == first


def test_an_element_outside_a_figure_is_refused():
    with pytest.raises(TypeError, match="Marker is not in a branca Figure"):
        make_offline(folium.Marker([0, 0]))


def test_a_plugin_with_no_vendored_file_is_refused_by_name_and_url():
    m = offline_map()
    plugins.MarkerCluster().add_to(m)
    url = dict(plugins.MarkerCluster.default_js)["markerclusterjs"]
    with pytest.raises(OfflineAssetError, match=r"folium\.plugins\.marker_cluster\.MarkerCluster needs") as error:
        render(m)
    assert url in str(error.value)


def test_a_bare_link_with_no_vendored_file_is_refused_by_its_name(tmp_path):
    m = offline_map()
    m.get_root().header.add_child(JavascriptLink("https://example.org/tool.js"), name="tool")
    with pytest.raises(OfflineAssetError, match=r"the header link 'tool' needs https://example\.org/tool\.js"):
        m.save(tmp_path / "map.html")


def test_folium_icon_is_refused_since_awesome_markers_are_not_shipped():
    m = offline_map()
    folium.Marker(CENTRE, icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(OfflineAssetError, match=r"folium\.map\.Icon needs .*awesome-markers"):
        render(m)


@pytest.mark.parametrize(
    "add",
    [
        lambda m: folium.Marker(CENTRE, popup="a popup").add_to(m),
        lambda m: m.keep_in_front(folium.CircleMarker(CENTRE).add_to(m)),
    ],
    ids=["popup", "keep_in_front"],
)
def test_jquery_is_inlined_only_when_the_map_uses_it(add):
    m = offline_map()
    assert JQUERY not in inlined(render(m))
    add(m)
    page = render(m)
    assert JQUERY in inlined(page)
    assert online_links(page) == []


def test_every_link_folium_and_the_five_plugins_write_is_vendored_or_left_out():
    for cls in (folium.Map, *PLUGINS):
        for _, url in (*cls.default_js, *cls.default_css):
            assert url in ASSETS or url in LEFT_OUT, (cls.__name__, url)


@pytest.mark.parametrize("relpath", sorted(set(ASSETS.values())))
def test_each_vendored_file_inlines_whole(relpath):
    text = inline_text(relpath)
    assert len(text) > 1000
    assert not re.search(r"url\(\s*['\"]?(?!data:|#)", text)  # every image a stylesheet names is a data: URI


@pytest.mark.parametrize(
    ("relpath", "marker"),
    [
        ("jquery/jquery.min.js", "jQuery v3.7.1"),
        ("leaflet-draw/leaflet.draw.js", "Leaflet.draw 1.0.2"),
        ("leaflet.heat/leaflet_heat.min.js", "Leaflet.heat/pull/78"),
        ("leaflet.fullscreen/Control.FullScreen.js", "leaflet.fullscreen"),
        ("leaflet-minimap/Control.MiniMap.min.js", "L.Control.MiniMap"),
        ("leaflet-measure/leaflet-measure.min.js", "leaflet-control-measure"),
    ],
)
def test_vendored_banners(relpath, marker):
    assert marker in basemap.asset_text(relpath)


def test_each_vendored_package_has_its_licence_and_a_readme_row():
    readme = basemap.asset_text("README.md")
    for folder in sorted({relpath.split("/")[0] for relpath in ASSETS.values()}):
        assert len(basemap.asset_text(f"{folder}/LICENSE")) > 500, folder
        assert f"| `{folder}/` |" in readme, folder


def test_inlined_text_can_never_end_its_element(monkeypatch):
    texts = {"test/early.js": "var a = '</script><script>alert(1)'", "test/comment.js": "<!-- x", "test/remote.css": "a{background:url(https://x.org/a.png)}"}
    monkeypatch.setattr(basemap, "asset_text", texts.__getitem__)
    for relpath in ("test/early.js", "test/comment.js"):
        with pytest.raises(ValueError, match="would end its element early"):
            inline_text(relpath)
    with pytest.raises(ValueError, match="not a vendored image"):
        inline_text("test/remote.css")


# --- in headless Chromium, network blocked ------------------------------------------


@pytest.fixture(scope="module")
def browser_map(tmp_path_factory) -> dict:
    """The offline map with the five plugins and a marker with a popup, saved; and its JS names."""
    m = offline_map()
    folium.Marker([47.0, 10.0], popup="hello popup").add_to(m)
    draw = next(child for child in m._children.values() if isinstance(child, plugins.Draw))
    path = tmp_path_factory.mktemp("offline") / "offline map.html"
    m.save(path)
    return {"path": path, "map": m.get_name(), "drawn": f"drawnItems_{draw.get_name()}"}


def open_map(offline_page, browser_map: dict):
    page = offline_page.page
    page.goto(browser_map["path"].as_uri())
    page.wait_for_function(f"() => window.{browser_map['map']} !== undefined", timeout=30_000)
    return page


def container_point(page, map_name: str, latlng: list[float]) -> tuple[float, float]:
    """Where ``latlng`` is on the page, in CSS pixels."""
    x, y = page.evaluate(f"(ll) => {{ const p = {map_name}.latLngToContainerPoint(ll); return [p.x, p.y]; }}", latlng)
    box = page.locator(f"#{map_name}").bounding_box()
    return box["x"] + x, box["y"] + y


def great_circle_km(a: list[float], b: list[float]) -> float:
    (lat1, lon1), (lat2, lon2) = (map(math.radians, point) for point in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def test_a_plain_folium_map_is_caught_offline(offline_page, tmp_path):
    """The control: the same plugins without ``make_offline`` try the network and fail, so the checks below can fail."""
    path = tmp_path / "plain.html"
    add_plugins(folium.Map(location=CENTRE, zoom_start=ZOOM, tiles=None)).save(path)
    offline_page.page.goto(path.as_uri())
    assert any("cdn.jsdelivr.net" in url for url in offline_page.blocked)
    assert offline_page.page_errors  # "L is not defined"


def test_offline_map_loads_with_nothing_blocked_and_no_error(offline_page, browser_map):
    page = open_map(offline_page, browser_map)
    controls = page.evaluate(
        """() => ['.leaflet-control-zoom-fullscreen', '.leaflet-control-minimap', '.leaflet-control-measure',
                  '.leaflet-draw-toolbar', 'canvas.leaflet-heatmap-layer'].map(s => document.querySelectorAll(s).length > 0)"""
    )
    assert controls == [True] * 5
    assert offline_page.problems == []


def test_css_images_work_inlined(offline_page, browser_map):
    page = open_map(offline_page, browser_map)
    backgrounds = page.evaluate(
        """() => ['.leaflet-control-zoom-fullscreen', 'a.leaflet-draw-draw-rectangle', '.leaflet-control-measure-toggle']
                 .map(s => getComputedStyle(document.querySelector(s)).backgroundImage)"""
    )
    assert all('url("data:image/' in background for background in backgrounds), backgrounds
    icon = page.evaluate(
        "() => { const i = document.querySelector('img.leaflet-marker-icon'); return [i.src.slice(0, 22), i.complete, i.naturalWidth]; }"
    )
    assert icon == ["data:image/png;base64,", True, 25]  # Leaflet's default marker, from an inlined image
    assert offline_page.problems == []


def test_fullscreen_toggles(offline_page, browser_map):
    page = open_map(offline_page, browser_map)
    name = browser_map["map"]
    state = f"""() => [Boolean({name}._isFullscreen), document.fullscreenElement === {name}.getContainer(),
                       document.querySelector('.leaflet-control-zoom-fullscreen').classList.contains('leaflet-fullscreen-on')]"""
    assert page.evaluate(state) == [False, False, False]
    page.click(".leaflet-control-zoom-fullscreen")
    page.wait_for_function("() => document.fullscreenElement !== null")
    assert page.evaluate(state) == [True, True, True]
    page.click(".leaflet-control-zoom-fullscreen")
    page.wait_for_function("() => document.fullscreenElement === null")
    assert page.evaluate(state) == [False, False, False]
    assert offline_page.problems == []


def test_minimap_draws_its_own_map(offline_page, browser_map):
    page = open_map(offline_page, browser_map)
    minimap = page.evaluate(
        f"""() => {{
        const c = document.querySelector('.leaflet-control-minimap'), box = c.getBoundingClientRect();
        return [c !== {browser_map['map']}.getContainer(), c.classList.contains('leaflet-container'),
                c.querySelectorAll('.leaflet-map-pane').length, Math.round(box.width), Math.round(box.height),
                c.querySelectorAll('.leaflet-overlay-pane path').length > 0];
    }}"""
    )
    assert minimap == [True, True, 1, 156, 156, True]  # its own 150 px map and border, with the view's rectangle drawn
    assert offline_page.problems == []


def test_heat_layer_draws_at_its_points(offline_page, browser_map):
    page = open_map(offline_page, browser_map)
    alpha = f"""(ll) => {{
        const canvas = document.querySelector('canvas.leaflet-heatmap-layer'), box = canvas.getBoundingClientRect();
        const map = {browser_map['map']}.getContainer().getBoundingClientRect(), p = {browser_map['map']}.latLngToContainerPoint(ll);
        const x = Math.round(p.x + map.left - box.left), y = Math.round(p.y + map.top - box.top);
        return canvas.getContext('2d').getImageData(x, y, 1, 1).data[3];
    }}"""
    assert [page.evaluate(alpha, point) for point in HEAT_POINTS] == [255, 255]
    assert page.evaluate(alpha, FAR_FROM_HEAT) == 0
    assert offline_page.problems == []


def test_measure_tool_measures_a_known_distance(offline_page, browser_map):
    page = open_map(offline_page, browser_map)
    page.hover(".leaflet-control-measure-toggle", force=True)  # the control opens on hover, covering its toggle
    page.click(".leaflet-control-measure .js-start")
    for latlng in MEASURED:
        x, y = container_point(page, browser_map["map"], latlng)
        page.mouse.move(x, y)
        page.mouse.click(x, y)
    shown = page.inner_text(".leaflet-control-measure .js-results")
    measured = float(re.search(r"Path distance\s+([\d,.]+) Kilometers", shown).group(1).replace(",", ""))
    assert measured == pytest.approx(great_circle_km(*MEASURED), rel=0.01)
    assert offline_page.problems == []


def test_drawing_a_rectangle_by_mouse_creates_a_layer(offline_page, browser_map):
    page = open_map(offline_page, browser_map)
    assert page.locator(".leaflet-draw-toolbar a.leaflet-draw-draw-rectangle").count() == 1
    corners = ([50.0, 0.0], [48.0, 5.0])
    page.click("a.leaflet-draw-draw-rectangle")
    (x1, y1), (x2, y2) = (container_point(page, browser_map["map"], corner) for corner in corners)
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=5)
    page.mouse.up()
    layers = page.evaluate(
        f"""() => {browser_map['drawn']}.getLayers().map(l => {{
            const b = l.getBounds();
            return [l instanceof L.Rectangle, b.getNorth(), b.getWest(), b.getSouth(), b.getEast()];
        }})"""
    )
    assert len(layers) == 1 and layers[0][0] is True
    assert layers[0][1:] == pytest.approx([50.0, 0.0, 48.0, 5.0], abs=0.1)  # a pixel is ~0.05° here
    assert offline_page.problems == []


def test_a_popup_opens_with_the_inlined_jquery(offline_page, browser_map):
    page = open_map(offline_page, browser_map)
    page.click("img.leaflet-marker-icon")
    page.wait_for_selector(".leaflet-popup-content")
    assert page.inner_text(".leaflet-popup-content") == "hello popup"
    assert offline_page.problems == []


def test_the_notebook_view_draws_offline(offline_page):
    m = add_plugins(make_offline(folium.Map(location=CENTRE, zoom_start=ZOOM, tiles=None)))
    page = offline_page.page
    page.set_content(m._repr_html_())
    frame = page.frames[1]
    frame.wait_for_selector(".leaflet-control-minimap .leaflet-map-pane", state="attached")
    assert frame.locator(".leaflet-control-zoom-fullscreen").count() == 1
    assert offline_page.problems == []



def test_the_readme_notebook_example_runs_and_saves_an_offline_map(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"<!-- notebook -->\n```python\n(.*?)```", readme, re.DOTALL).group(1)
    (tmp_path / "data").symlink_to(ROOT / "data")
    done = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert online_links(page) == [] and "L.Control.MiniMap(" in page
