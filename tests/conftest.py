"""Shared test fixtures: a private store for every test run, each store backend, the seed data and the article."""

from __future__ import annotations

import os

import pytest

from geo import ingest
from tests.helpers import ROOT, article_path


@pytest.fixture(scope="session", autouse=True)
def _private_store(tmp_path_factory):
    """Keep every test, and every process a test starts, away from the user's own event store.

    The session's store is one the tests name, so it starts empty; it gets the shipped events, as the user's own would.
    """
    os.environ["INCIDENT_MAP_STORE"] = str(tmp_path_factory.mktemp("store") / "events.gpkg")
    os.environ.setdefault("INCIDENT_MAP_CACHE_DIR", str(ROOT / ".cache"))
    ingest.add_shipped_events(ingest.open_store())


@pytest.fixture(scope="session")
def postgis_server():
    """A throwaway PostgreSQL + PostGIS server for the session, started on first use (see tests/postgis.py)."""
    from tests import postgis

    with postgis.server() as server:
        yield server


@pytest.fixture(params=["gpkg", "postgis"])
def backend(request, tmp_path):
    """Each store backend in turn, as the contract tests see it (see tests/backends.py)."""
    from tests import backends

    if request.param == "gpkg":
        return backends.GeoPackageBackend(tmp_path)
    return backends.PostGISBackend(request.getfixturevalue("postgis_server"))


@pytest.fixture
def store(backend):
    """A store the test names, on each backend in turn, with the shipped events in it."""
    store = ingest.open_store(backend.new_location())
    ingest.add_shipped_events(store)
    return store


@pytest.fixture
def gpkg_store(tmp_path):
    """A GeoPackage store the test names, with the shipped events in it."""
    store = ingest.open_store(tmp_path / "events.gpkg")
    ingest.add_shipped_events(store)
    return store


@pytest.fixture(scope="session")
def seed_events():
    """The shipped seed events, loaded and validated once."""
    return ingest.load_file()


@pytest.fixture(scope="session")
def article_text() -> str:
    """The article the seed data comes from, read from ``$INCIDENT_MAP_ARTICLE``; the test is skipped without it."""
    path, reason = article_path()
    if path is None:
        pytest.skip(reason)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole session (see tests/browser.py)."""
    from tests import browser

    with browser.chromium_session() as instance:
        yield instance


@pytest.fixture
def offline_page(chromium):
    """A fresh page whose requests off this machine are blocked and recorded (an ``OfflinePage``)."""
    from tests import browser

    with browser.offline_page(chromium) as page:
        yield page
