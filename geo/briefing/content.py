"""What a briefing says before anything is drawn: the numbered key entries, the unmapped titles, the credits, the colours.

Pure functions over the filtered events; this module never draws.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import matplotlib.colors
import numpy as np
import pandas as pd

from geo import areas, style, wording
from geo.briefing.sheet import INK
from geo.filters import Filter
from geo.frame import as_lists, is_mapped
from geo.schema import LIST_FIELDS


@dataclass(frozen=True)
class KeyEntry:
    """One numbered event on the map, as the key lists it."""

    number: int
    id: str
    title: str
    date: str
    place: str
    actors: tuple[str, ...]
    sources: tuple[str, ...]
    event_type: str
    context: bool
    lon: float
    lat: float


def in_date_order(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The events sorted by start date (undated last), then title, then id, as ``wording.date_sort_key`` orders them."""
    start = events["date_start"].fillna("").astype(str)
    keys = pd.DataFrame({"start": start.where(start != "", "9999"), "title": events["title"], "id": events["id"]})
    return events.iloc[np.lexsort([keys[c].to_numpy(dtype=str) for c in ("id", "title", "start")])]


def key_entries(events: gpd.GeoDataFrame) -> list[KeyEntry]:
    """The mapped events numbered 1..N in date order (undated last; ties by title, then id)."""
    mapped = in_date_order(events[is_mapped(events)])
    columns = ("id", "title", "date_start", "date_end", "date_precision", "place_name", "actors", "sources", "event_type", "context")
    rows = zip(*(as_lists(mapped[c]) if c in LIST_FIELDS else mapped[c] for c in columns), mapped.geometry.x, mapped.geometry.y,
               strict=True)
    return [
        KeyEntry(
            number=number,
            id=id_,
            title=title,
            date=wording.date_label({"date_start": start, "date_end": end, "date_precision": precision}),
            place=" ".join(str(place or "").split()),
            actors=tuple(a["name"] for a in actors),
            sources=tuple(dict.fromkeys(wording.source_label(source) for source in sources)),
            event_type=event_type,
            context=bool(context),
            lon=float(lon),
            lat=float(lat),
        )
        for number, (id_, title, start, end, precision, place, actors, sources, event_type, context, lon, lat) in enumerate(rows, start=1)
    ]


def attribution(events: gpd.GeoDataFrame) -> list[str]:
    """Publishers and authors named by the events' sources, each once, in the order first seen."""
    names: dict[str, None] = {}
    for sources in as_lists(events["sources"]):
        for source in sources:
            for name in (source.get("publisher"), source.get("author")):
                if name:
                    names[name.strip()] = None
    return list(names)


def blend(colour: str, alpha: float) -> tuple[float, float, float]:
    """``colour`` at ``alpha`` over white, as an opaque colour (faint but crisp in every format)."""
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    return tuple(float(v) for v in rgb * alpha + (1 - alpha))


@dataclass
class Content:
    """The filtered events and what the page says about them."""

    events: gpd.GeoDataFrame
    title: str
    flt: Filter
    made_on: date
    undated_excluded: int
    shade_areas: bool = False
    """Shade each first-level area by the events whose map point lies in it (``area_counts``)."""
    entries: list[KeyEntry] = field(init=False)
    lons: np.ndarray = field(init=False)
    lats: np.ndarray = field(init=False)
    colours: dict[str, str] = field(init=False)
    unmapped: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.title = " ".join(str(self.title).split()) or "Reported incidents"
        self.entries = key_entries(self.events)
        self.lons = np.array([e.lon for e in self.entries], dtype=float)
        self.lats = np.array([e.lat for e in self.entries], dtype=float)
        self.colours = style.category_colours(sorted(set(self.events["event_type"])))
        self.unmapped = list(in_date_order(self.events[~is_mapped(self.events)])["title"])
        self._colour = functools.cache(self._type_colour)
        self.area_counts = areas.admin1_areas(self.events) if self.shade_areas else None
        self.classes = style.count_classes(int(self.area_counts["events"].max())) if self.shade_areas and len(self.area_counts) else []

    def shade(self, count: int) -> str:
        """The shade of an area with ``count`` events (``style.SHADES`` by ``classes``)."""
        return style.SHADES[next(k for k, (_, high) in enumerate(self.classes) if count <= high)]

    def colour(self, entry: KeyEntry) -> tuple[float, float, float]:
        """The entry's category colour, paler for a context event."""
        return self._colour(entry.event_type, entry.context)

    def _type_colour(self, event_type: str, context: bool) -> tuple[float, float, float]:
        base = self.colours.get(event_type, style.OTHER_COLOUR)
        return blend(base, style.CONTEXT_OPACITY) if context else matplotlib.colors.to_rgb(base)


def badge_text(entry: KeyEntry, size: float) -> dict:
    """Text properties of the number on an entry's badge (dark on a pale context badge)."""
    colour = INK if entry.context else "white"
    return {"fontsize": size, "fontweight": "bold", "ha": "center", "va": "center_baseline", "color": colour}
