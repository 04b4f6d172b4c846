"""Folium maps that work with the network cut: every script and stylesheet inlined from geo/assets.

For: a ``folium.Map`` (the coming ``incident_map``, or one a notebook user builds) that is saved,
rendered or shown in a notebook.  ``make_offline(m)`` gives the one figure ``m`` is drawn in a
header that, each time the page is rendered, writes the vendored file (``ASSETS``) inline in place
of each CDN link folium and its plugins add, so plugins added after the call are covered too.  It
leaves out what folium's Map links but an offline map does without (``LEFT_OUT``), and refuses a
link it has no file for (``OfflineAssetError``).

It never changes folium's or a plugin's class-level ``default_js``/``default_css`` (every other map
keeps its CDN links), never fetches anything, and leaves tile layers alone: tiles are data, not
assets (``tiles=None`` gives a map that asks for none).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator

import folium
from branca.element import Element, Figure, JavascriptLink, Link

from geo.webmap.inline import data_uri, inline_text

_LEAFLET_JS = "leaflet/leaflet.js"
_JQUERY = "https://code.jquery.com/jquery-3.7.1.min.js"
_ICON_LINKS = (
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css",
)

FULLSCREEN_LINKS = ("https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js",
                    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css")
MEASURE_LINKS = ("https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js",
                 "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css")
"""The links (JS, CSS) folium's Fullscreen and MeasureControl add, which ``geo.webmap.controls`` adds as they do."""

ASSETS: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": _LEAFLET_JS,
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet/leaflet.css",
    _JQUERY: "jquery/jquery.min.js",
    FULLSCREEN_LINKS[0]: "leaflet.fullscreen/Control.FullScreen.js",
    FULLSCREEN_LINKS[1]: "leaflet.fullscreen/Control.FullScreen.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.js": "leaflet-minimap/Control.MiniMap.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.css": "leaflet-minimap/Control.MiniMap.min.css",
    MEASURE_LINKS[0]: "leaflet-measure/leaflet-measure.min.js",
    MEASURE_LINKS[1]: "leaflet-measure/leaflet-measure.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates/leaflet_heat.min.js": "leaflet.heat/leaflet_heat.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js": "leaflet-draw/leaflet.draw.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css": "leaflet-draw/leaflet.draw.css",
}  # fmt: skip
"""Each CDN link folium 0.20.0's Map and its Fullscreen, MiniMap, MeasureControl, HeatMap and Draw
plugins add -> the vendored file (under geo/assets) written inline instead."""

LEFT_OUT: frozenset[str] = frozenset({
    _JQUERY,
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",
    *_ICON_LINKS,
})  # fmt: skip
"""Links folium's Map adds that an offline map leaves out while nothing on it needs them: jQuery (kept,
inlined, for a popup, ``keep_in_front`` or a GeoJson loaded by URL), Bootstrap (nothing of folium's
core uses it), and awesome-markers with its icon fonts (only ``folium.Icon`` uses them: refused, not shipped)."""


class OfflineAssetError(ValueError):
    """A map needs a script or stylesheet that is not vendored, so it could not work offline."""


def make_offline(element: Element) -> Element:
    """Make the page that ``element`` is drawn in (a ``folium.Map``, or anything in a branca ``Figure``) load nothing online.

    Only that figure changes: its header is swapped for one that, whenever the page is rendered
    (``m.save()``, ``m.get_root().render()``, ``m._repr_html_()`` in a notebook), writes each link
    in ``ASSETS`` as an inline ``<script>``/``<style>`` holding the vendored file, drops the links in
    ``LEFT_OUT`` that nothing on the map needs, and points Leaflet's default marker at inlined images.
    Plugins added after this call are covered, since folium adds their links at render time.
    Calling it again does nothing.  Returns ``element``, so ``m = make_offline(folium.Map(...))`` reads well.

    Rendering raises ``OfflineAssetError``, naming the plugin (or link) and the URL, for a link
    with no vendored file, e.g. a plugin not vendored yet or ``folium.Icon``.  An error rather than
    a warning: the saved file would still ask the network for that script, and offline the plugin's
    code would then throw and stop every map script after it, so the map would break on the
    analyst's laptop, far from the person who could fix it; failing at save time tells that person.

    Raises TypeError if ``element`` is not in a ``Figure``.
    """
    figure = element.get_root()
    if not isinstance(figure, Figure):
        raise TypeError(f"{type(element).__name__} is not in a branca Figure (a folium.Map is, from the start)")
    if not isinstance(figure.header, _OfflineHeader):
        figure.header = _OfflineHeader(figure.header)
        figure.header._parent = figure
    return element


class _OfflineHeader(Element):
    """A figure's header that renders script and stylesheet links as the vendored files inline."""

    def __init__(self, header: Element) -> None:
        super().__init__()
        self._name = "OfflineHeader"
        for name, child in header._children.items():
            self.add_child(child, name=name)

    def render(self, **kwargs) -> str:
        needed_by, requested_by = _who_needs_what(self.get_root())
        parts = []
        for name, child in self._children.items():
            if not isinstance(child, Link):
                parts.append(child.render(**kwargs))
            elif child.url in LEFT_OUT and not needed_by.get(child.url):
                continue
            elif child.url in ASSETS:
                parts.append(_inline_tag(child, ASSETS[child.url]))
            else:
                who = needed_by.get(child.url) or requested_by.get(child.url) or [f"the header link {name!r}"]
                raise OfflineAssetError(
                    f"{' and '.join(sorted(set(who)))} needs {child.url}, which has no vendored file, so the map "
                    "would not work offline: remove it, or vendor it under geo/assets and add it to geo.webmap.offline.ASSETS"
                )
        return "\n".join(parts)


def _who_needs_what(figure: Element) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per URL: what on the figure needs it besides folium's Map defaults; and every element that links it."""
    needed_by: dict[str, list[str]] = {}
    requested_by: dict[str, list[str]] = {}
    for element in _elements(figure):
        name = f"{type(element).__module__}.{type(element).__qualname__}"
        for _, url in (*getattr(element, "default_js", ()), *getattr(element, "default_css", ())):
            requested_by.setdefault(url, []).append(name)
            if not isinstance(element, folium.Map):
                needed_by.setdefault(url, []).append(name)
        for url in _map_links_needed(element):
            needed_by.setdefault(url, []).append(name)
    return needed_by, requested_by


def _map_links_needed(element: Element) -> tuple[str, ...]:
    """The links of folium's Map that ``element`` needs, from folium 0.20.0's templates."""
    if isinstance(element, folium.Popup) or (isinstance(element, folium.GeoJson) and not element.embed):
        return (_JQUERY,)  # $(...) builds a popup's content; $.ajax loads a GeoJson by URL
    if isinstance(element, folium.Map) and element.objects_to_stay_in_front:
        return (_JQUERY,)  # $(document).ready
    if isinstance(element, folium.Icon):
        return _ICON_LINKS
    return ()


def _elements(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _elements(child)


def _inline_tag(link: Link, relpath: str) -> str:
    tag = "script" if isinstance(link, JavascriptLink) else "style"
    text = inline_text(relpath) + (_default_icon_script() if relpath == _LEAFLET_JS else "")
    return f'<{tag} data-asset="{relpath}">{text}</{tag}>'


@functools.cache
def _default_icon_script() -> str:
    """Leaflet finds its default marker's images from its stylesheet's URL, which an inlined one lacks: give it data: URIs."""
    images = {"iconUrl": "marker-icon.png", "iconRetinaUrl": "marker-icon-2x.png", "shadowUrl": "marker-shadow.png"}
    options = json.dumps({key: data_uri(f"leaflet/images/{file}") for key, file in images.items()})
    return f'\nL.Icon.Default.imagePath = "";\nL.Icon.Default.mergeOptions({options});\n'
