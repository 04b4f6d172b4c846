"""Read events from a GeoJSON FeatureCollection in the project's schema.

Each feature's properties are the event's fields (the feature's own ``id``
stands in for a missing ``id`` property; lists that a GIS tool wrote as JSON
text are read back as lists); a Point geometry gives ``lat``/``lon``
and a null geometry marks an unmapped event.  Rows are feature
numbers, counted from 1; a problem with a point's coordinates is reported
under ``geometry``, where the file holds them.
"""

from __future__ import annotations

import json
from pathlib import Path

from geo.importers import Read, file_error, json_list, read_text
from geo.schema import LIST_FIELDS


def read(path: Path) -> Read:
    """Every feature as ``(feature_number, record)``."""
    text = read_text(path)
    try:
        doc = json.loads(text)
    except RecursionError:
        raise file_error(path, "not usable JSON: nested too deeply") from None
    except json.JSONDecodeError as error:
        raise file_error(path, f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})", row=error.lineno) from None
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise file_error(path, "not a GeoJSON FeatureCollection")
    rows = [(row, _record(path, row, feature)) for row, feature in enumerate(doc["features"], 1)]
    return Read(rows=rows, columns={"lat": "geometry", "lon": "geometry"})


def _record(path: Path, row: int, feature) -> dict:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise file_error(path, "not a GeoJSON Feature", row=row)
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise file_error(path, "properties must be an object", row=row, field="properties")
    record = dict(properties)
    for name in LIST_FIELDS:
        if isinstance(record.get(name), str):
            record[name] = json_list(record[name])
    if "id" not in record and isinstance(feature.get("id"), str | int) and not isinstance(feature.get("id"), bool):
        record["id"] = str(feature["id"])
    geometry = feature.get("geometry")
    if geometry is None:
        return record
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        raise file_error(path, f"only Point geometries (or null) are supported, not {kind}", row=row, field="geometry")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        raise file_error(path, "a Point needs [longitude, latitude]", row=row, field="geometry")
    record.setdefault("lon", coordinates[0])
    record.setdefault("lat", coordinates[1])
    return record
