"""Distances on the Earth: the one great-circle formula every module uses.

The Earth is taken as a sphere of the mean radius (IUGG), which is within
0.5% of the ellipsoid everywhere: plenty for "within 5 km" or "within 25 km
of a town".  This module never reads files or knows about events.
"""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), the sphere every distance here is measured on."""

KM_PER_DEGREE = math.radians(EARTH_RADIUS_KM)
"""Great-circle km per degree of latitude (about 111.2)."""


def distance_km(lat, lon, lats, lons) -> np.ndarray:
    """Great-circle distances in km (haversine) between points given as degrees; arrays broadcast (one to many, or pairwise)."""
    phi1, phi2 = np.radians(lat), np.radians(lats)
    dphi, dlmb = phi2 - phi1, np.radians(np.asarray(lons, dtype=float) - lon)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
