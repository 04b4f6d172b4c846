"""Helpers shared by the tests: a valid record factory, the CLI runner, and where the seed's article is."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ARTICLE_ENV = "INCIDENT_MAP_ARTICLE"
"""The one setting that tells the tests where the seed's source article is (a plain-text file).

The article is not shipped with the project, and no test looks for it anywhere else:
tests that need its text are skipped when this is unset or names no file.
"""
ARTICLE_NAME = "000_ffd583650c503103.txt"


def article_path() -> tuple[Path | None, str]:
    """The article's text file from ``$INCIDENT_MAP_ARTICLE``, or None and why not (a skip reason)."""
    how = f"set {ARTICLE_ENV}=/path/to/{ARTICLE_NAME} to check the shipped events against their article"
    value = os.environ.get(ARTICLE_ENV, "")
    if not value:
        return None, f"{ARTICLE_ENV} is not set: {how}"
    path = Path(value).expanduser()
    if not path.is_file():
        return None, f"{ARTICLE_ENV}={value} is not a file: {how}"
    return path, ""

VALID_RECORD = {
    "id": "test-1",
    "title": "Test rally",
    "event_type": "rally",
    "context": False,
    "date_start": "2025-11-29",
    "date_end": "",
    "date_precision": "day",
    "date_note": "",
    "place_reported": "Dadyal",
    "place_name": "Dadyal",
    "admin1": "Pakistan-administered Kashmir (Azad Jammu and Kashmir)",
    "country": "PK",
    "lat": 33.31222,
    "lon": 73.70346,
    "location_precision": "town",
    "location_note": "",
    "actors": [{"name": "Group A", "role": "organiser"}],
    "description": "A test event.",
    "fatalities": None,
    "fatalities_qualifier": "",
    "tags": ["test"],
    "sources": [{"id": "s1", "publisher": "Test Wire", "author": "", "title": "", "url": "", "date": "",
                 "excerpt": "A rally was held.", "cited_by": "", "kind": "news report"}],
    "claim": "Reported by Test Wire",
    "verification": "reported",
}


def make_record(**changes) -> dict:
    """A valid record with some fields changed."""
    record = copy.deepcopy(VALID_RECORD)
    record.update(changes)
    return record


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``python -m geo ARGS`` as a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )
