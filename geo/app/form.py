"""Turn what a person types into the add/edit form into an event record, and back.

The form keeps plain values (text, a chosen gazetteer candidate, a list of
source fields); ``build_record`` makes a schema record of them, which
``geo.ingest.check_record`` validates with the same rules as any import, so a
record saved from the app is no different from an imported one.  This module
never validates, and never talks to the store or to Streamlit.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping

from geo.schema import FIELDS

TEXT_INPUTS = ("title", "event_type", "date_start", "date_end", "date_precision", "date_note", "place_reported",
               "location_note", "description", "fatalities_qualifier", "claim", "verification")
"""The schema's text fields the form asks for as they are."""
SOURCE_INPUTS = ("publisher", "author", "title", "url", "date", "kind", "excerpt")
"""The source fields the form asks for; ``id`` and ``cited_by`` are kept from the event being edited."""


def parse_actors(text: str) -> list[dict]:
    """Actors from lines of "Name | role" (the role is optional)."""
    actors = []
    for line in text.splitlines():
        name, _, role = line.partition("|")
        if name.strip():
            actors.append({"name": name.strip(), "role": role.strip()})
    return actors


def actors_text(actors: list[Mapping]) -> str:
    """The inverse of ``parse_actors``."""
    return "\n".join(f"{a['name']} | {a['role']}" if a.get("role") else a["name"] for a in actors)


def parse_tags(text: str) -> list[str]:
    """Tags from comma-separated text."""
    return [t.strip() for t in text.split(",") if t.strip()]


def new_id(title: str) -> str:
    """A new, unique event id: "app-" and a slug of the title and a random suffix."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:48].strip("-")
    return f"app-{slug + '-' if slug else ''}{uuid.uuid4().hex[:8]}"


def place_fields(candidate: Mapping | None, precision: str = "town") -> dict:
    """The place fields of a record from a gazetteer candidate (``Candidate.to_dict()``); no candidate means unmapped."""
    if candidate is None:
        return {"place_name": "", "admin1": "", "country": "", "lat": None, "lon": None, "location_precision": "unknown"}
    return {
        "place_name": candidate["name"],
        "admin1": candidate.get("admin1", ""),
        "country": candidate["country"],
        "lat": float(candidate["lat"]),
        "lon": float(candidate["lon"]),
        "location_precision": precision,
    }


def build_record(values: Mapping, original: Mapping | None = None) -> dict:
    """A schema record from form values; fields the form does not show are kept from ``original``.

    ``values`` holds the text fields of the schema under their own names, plus
    ``actors_text``, ``tags_text``, ``candidate`` (a gazetteer candidate dict,
    or None for an unmapped event, which then keeps ``place_name``, ``admin1``
    and ``country`` as typed), ``location_precision`` and ``sources`` (a list of dicts with
    ``SOURCE_INPUTS``).  An empty ``fatalities`` means none reported.
    """
    record = {name: (original or {}).get(name) for name in FIELDS}
    for name in TEXT_INPUTS:
        record[name] = str(values.get(name) or "").strip()
    record["id"] = (original or {}).get("id") or new_id(record["title"])
    record["context"] = bool(values.get("context"))
    if record["date_precision"] == "unknown":
        record["date_start"] = record["date_end"] = ""
    record.update(place_fields(values.get("candidate"), values.get("location_precision") or "town"))
    if values.get("candidate") is None:
        record.update({name: str(values.get(name) or "").strip() for name in ("place_name", "admin1", "country")})
    record["actors"] = parse_actors(values.get("actors_text") or "")
    record["tags"] = parse_tags(values.get("tags_text") or "")
    fatalities = str(values.get("fatalities") or "").strip()
    record["fatalities"] = fatalities or None
    old_sources = list((original or {}).get("sources") or [])
    record["sources"] = []
    for index, given in enumerate(values.get("sources") or [], 1):
        old = old_sources[index - 1] if index <= len(old_sources) else {}
        source = {name: str(given.get(name) or "").strip() for name in SOURCE_INPUTS}
        record["sources"].append({**source, "id": old.get("id") or f"s{index}", "cited_by": old.get("cited_by", "")})
    return record


def form_values(record: Mapping) -> dict:
    """The form values that show ``record`` for editing (the inverse of ``build_record``)."""
    values = {name: record.get(name) or "" for name in TEXT_INPUTS}
    values["context"] = bool(record.get("context"))
    values["actors_text"] = actors_text(record.get("actors") or [])
    values["tags_text"] = ", ".join(record.get("tags") or [])
    values["fatalities"] = "" if record.get("fatalities") is None else str(record["fatalities"])
    values["location_precision"] = record.get("location_precision") or "unknown"
    values.update({name: record.get(name) or "" for name in ("place_name", "admin1", "country")})
    values["candidate"] = None if record.get("lat") is None else {
        "name": record.get("place_name") or "", "admin1": record.get("admin1") or "", "country": record.get("country") or "",
        "lat": record["lat"], "lon": record["lon"]}
    values["sources"] = [{name: s.get(name) or "" for name in SOURCE_INPUTS} for s in record.get("sources") or []]
    return values
