"""Spot likely duplicates of an event before it is saved.

An existing event is a likely duplicate of a new one when all three hold:
their dates may fall within a day of each other, their map points lie within
5 km, and they share an actor (names compared without regard to case).
Undated or unmapped events are never flagged: there is nothing to compare.
This module only points duplicates out; it never merges or drops events.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.frame import as_lists, is_mapped
from geo.geodesy import distance_km
from geo.schema import event_interval


def likely_duplicates(record: Mapping, events: gpd.GeoDataFrame, *, days: int = 1, km: float = 5.0) -> gpd.GeoDataFrame:
    """The events (other than ``record`` itself, by id) that are likely the same as ``record``."""
    interval = event_interval(record)
    names = {a["name"].casefold() for a in record.get("actors", []) if a.get("name")}
    lat, lon = record.get("lat"), record.get("lon")
    if interval is None or not names or lat is None or lon is None:
        return events.iloc[:0]
    first, last = (pd.Timestamp(day) for day in (interval[0] - timedelta(days=days), interval[1] + timedelta(days=days)))
    keep = (events["id"] != record.get("id")).to_numpy() & is_mapped(events).to_numpy()
    keep &= ((events["day_min"] <= last) & (events["day_max"] >= first)).to_numpy()
    candidates = events[keep]
    near = distance_km(lat, lon, candidates.geometry.y.to_numpy(), candidates.geometry.x.to_numpy()) <= km
    candidates = candidates[near]
    shared = [any(n.casefold() in names for n in actor_names) for actor_names in as_lists(candidates["actor_names"])]
    return candidates[np.asarray(shared, dtype=bool)]

