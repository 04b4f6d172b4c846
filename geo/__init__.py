"""Offline-first incident mapping."""

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
DATA_DIR = _PACKAGE / "data" if (_PACKAGE / "data").is_dir() else _PACKAGE.parent / "data"
"""The shipped data (the seed events, the basemap): ``data/`` beside the package in a checkout, ``geo/data/`` once installed."""

ARROW_POOL = "system"
"""The Arrow allocator the app and the command line use unless ``$ARROW_DEFAULT_MEMORY_POOL`` names another: the C
library's.  Arrow's default (mimalloc) hands freed pages back and faults them in again: exporting 1,000,000 events
took 18-22 s of kernel time with it and 9 s with the C library's, and the app holding them peaks about 0.07 GB lower."""


def use_arrow_pool() -> None:
    """Make Arrow allocate from ``ARROW_POOL`` (unless the environment names another); Arrow reads this as it is
    imported, so call it first."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", ARROW_POOL)
