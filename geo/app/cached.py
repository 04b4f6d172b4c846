"""The app's data that outlives a session: the store, its events, the map's payload and the sidebar's choices, made once
per store revision.

Cached with ``st.cache_resource`` for every session of the server, and kept here rather than in ``app.py`` so that
the launcher (``geo.app.serve``) can make them while the server starts, before any page asks: a first page then
finds the events loaded and the map's payload written (or waits for the one load under way, never starts another).
This module never draws anything.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo import areas, ingest, stores
from geo.app import views
from geo.webmap import component

TITLE = "Reported incidents"
MAP_VIEW_KEY = "incident-map-app-view"  # the map keeps centre and zoom here (sessionStorage) across filter changes


def open_store() -> stores.Store:
    """The event store (``$INCIDENT_MAP_STORE``, else the user's own, which starts with the shipped events)."""
    return store_at(stores.named_location())


@st.cache_resource(max_entries=4)
def store_at(location: str | None) -> stores.Store:
    return ingest.open_store(location)


def stamp() -> tuple[str, str]:
    """The store's location and its revision now: the key of everything cached per revision."""
    store = open_store()
    return store.location, store.revision()


@st.cache_resource(max_entries=2, show_spinner="Loading events…")
def load_events(path: str, revision: str):
    """All events, loaded once per store revision; the app never changes the frame."""
    return store_at(path).load()


@st.cache_resource
def map_folder() -> Path:
    """The map component's folder: its page, made once per server (``component.component_dir``), and the events it fetches."""
    return component.component_dir()


@st.cache_resource(max_entries=2, show_spinner="Drawing the map…")
def map_payload(path: str, revision: str) -> list[str]:
    """Every event of one store revision for the map component, made once per revision into files beside the page
    (``component.publish``); the page fetches them by the names returned."""
    blob = component.payload(load_events(path, revision), title=TITLE, persist_view_key=MAP_VIEW_KEY)
    return component.publish(blob, map_folder())


@st.cache_resource(max_entries=2)
def area_names(path: str, revision: str):
    """Each event's first-level area (by its map point), looked up once per store revision."""
    return areas.admin1_names(load_events(path, revision))


@st.cache_resource(max_entries=2)
def choices(path: str, revision: str) -> dict[str, list[tuple[str, int]]]:
    """The sidebar's filter choices with their event counts, once per store revision."""
    events = load_events(path, revision)
    return {"actors": views.actor_counts(events), "types": views.value_counts(events, "event_type"),
            "countries": views.value_counts(events, "country"), "admin1": views.area_counts(area_names(path, revision))}
