"""Offline-first incident mapping."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
DATA_DIR = _PACKAGE / "data" if (_PACKAGE / "data").is_dir() else _PACKAGE.parent / "data"
"""The shipped data (the seed events, the basemap): ``data/`` beside the package in a checkout, ``geo/data/`` once installed."""
