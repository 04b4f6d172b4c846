"""Helpers shared by the tests: a valid record factory and the CLI runner."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT.parent / "shared" / "seeds" / "000_ffd583650c503103.txt"

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
