"""The map's full-screen button and its distance and area measure, drawn as ``folium.plugins`` draws them.

For: ``incident_map`` and the app's component page, with the options both use (``fullscreen_control``,
``measure_control``).  Why not ``folium.plugins.Fullscreen`` and ``MeasureControl``: importing
``folium.plugins`` compiles the templates of some forty plugins (about 0.1 s), a good part of a small
export's time.  These elements give the same page: folium 0.20.0's templates, element names and CDN
links (named once, in ``offline``, which inlines the vendored files in their place).  Any folium plugin
can still be added to our maps; this module never imports ``folium.plugins``.
"""

from __future__ import annotations

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from folium.utilities import remove_empty

from geo.webmap.offline import FULLSCREEN_LINKS, MEASURE_LINKS


class _Control(JSCSSMixin, MacroElement):
    """A folium plugin's control: its options (``None`` left out) and folium's element name, the class's."""

    def __init__(self, **options):
        super().__init__()
        self._name = type(self).__name__
        self.options = remove_empty(**options)


class Fullscreen(_Control):
    """A full-screen button (leaflet.fullscreen); ``options`` as ``folium.plugins.Fullscreen``'s."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.control.fullscreen(
                {{ this.options|tojavascript }}
            ).addTo({{this._parent.get_name()}});
        {% endmacro %}
        """
    )
    default_js = [("Control.Fullscreen.js", FULLSCREEN_LINKS[0])]
    default_css = [("Control.FullScreen.css", FULLSCREEN_LINKS[1])]


class MeasureControl(_Control):
    """A distance and area measure (leaflet-measure); ``options`` as ``folium.plugins.MeasureControl``'s."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = new L.Control.Measure(
                {{ this.options|tojavascript }});
            {{this._parent.get_name()}}.addControl({{this.get_name()}});

            // Workaround for using this plugin with Leaflet>=1.8.0
            // https://github.com/ljagis/leaflet-measure/issues/171
            L.Control.Measure.include({
                _setCaptureMarkerIcon: function () {
                    // disable autopan
                    this._captureMarker.options.autoPanOnFocus = false;
                    // default function
                    this._captureMarker.setIcon(
                        L.divIcon({
                            iconSize: this._map.getSize().multiplyBy(2)
                        })
                    );
                },
            });

        {% endmacro %}
        """
    )
    default_js = [("leaflet_measure_js", MEASURE_LINKS[0])]
    default_css = [("leaflet_measure_css", MEASURE_LINKS[1])]


def fullscreen_control() -> Fullscreen:
    """The full-screen button, top left."""
    return Fullscreen(position="topleft", title="Full screen", title_cancel="Leave full screen", force_separate_button=False)


def measure_control() -> MeasureControl:
    """The measure, top left, in kilometres (and miles) and square kilometres."""
    return MeasureControl(position="topleft", primary_length_unit="kilometers", secondary_length_unit="miles",
                          primary_area_unit="sqkilometers", secondary_area_unit=None)
