"""The offline gazetteer: real GeoNames data, real ranking, the on-disk cache, and no network."""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from geo import gazetteer, names

AJK = "Pakistan-administered Kashmir (Azad Jammu and Kashmir)"
INDIAN_JK = "Indian-administered Jammu and Kashmir"
ROOT = Path(__file__).resolve().parents[1]


def _no_network(*args, **kwargs):
    raise AssertionError(f"the gazetteer tried to use the network: {args!r}")


@pytest.fixture(scope="session")
def gazetteer_cache() -> Path:
    """The index, built (or read) once per test session with sockets forbidden, in the session's cache folder."""
    with pytest.MonkeyPatch.context() as offline:
        offline.setattr(socket.socket, "connect", _no_network)
        offline.setattr(socket, "create_connection", _no_network)
        gazetteer.search("Lahore")
    return gazetteer.cache_path()


@pytest.fixture(autouse=True)
def offline(gazetteer_cache, monkeypatch):
    """Every test here runs on the session's index with sockets forbidden."""
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dlon = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    return 6371 * math.acos(min(1.0, math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dlon)))


@pytest.mark.parametrize(
    ("query", "hints", "lat", "lon", "country", "admin1"),
    [
        ("Gujranwala", {}, 32.16, 74.19, "PK", "Punjab"),
        ("Rawalakot", {}, 33.86, 73.76, "PK", AJK),
        ("Mirpur", {"near": "Azad Kashmir"}, 33.15, 73.75, "PK", AJK),
        ("Dadyal", {}, 33.31, 73.70, "PK", AJK),
        ("Pahalgam", {}, 34.02, 75.32, "IN", INDIAN_JK),
    ],
)
def test_known_towns_land_near_their_real_places(query, hints, lat, lon, country, admin1):
    best = gazetteer.search(query, **hints)[0]
    assert _km(best.lat, best.lon, lat, lon) < 5
    assert (best.country, best.admin1) == (country, admin1)


@pytest.mark.parametrize(
    ("query", "town", "reason"),
    [
        ("Gujranwalla", "Gujranwala", "spelling variant of 'Gujranwala'"),
        ("Gujranvala", "Gujranwala", "alternate name 'Gujranvala'"),
        ("Dadial", "Dayal", "alternate name 'Dadial'"),
        ("Dadyal", "Dayal", "spelling variant of alternate name 'Dadial'"),
        ("Rawlakot", "Rawalakot", "fuzzy (1 edit) of 'Rawalakot'"),
        ("  RAWALAKOT! ", "Rawalakot", "exact name"),
        ("Muzaffarabad", "Muzaffarābād", "exact name"),
    ],
)
def test_misspellings_and_alternate_names_say_how_they_matched(query, town, reason):
    best = gazetteer.search(query)[0]
    assert best.name == town
    assert best.match == reason


def test_mirpur_without_a_hint_shows_the_ambiguity():
    results = gazetteer.search("Mirpur")
    names = {c.name for c in results}
    assert {"New Mirpur City", "Mirpur Khas", "Mirpur Mathelo", "Mirpur Model Thana"} <= names
    assert len({c.country for c in results}) >= 2
    assert len({c.admin1 for c in results}) >= 2
    assert [c.score for c in results] == sorted((c.score for c in results), reverse=True)


@pytest.mark.parametrize(
    ("hints", "name", "country", "admin1", "note"),
    [
        ({"near": "Azad Kashmir"}, "New Mirpur City", "PK", AJK, "in 'Azad Kashmir'"),
        ({"near": "AJK"}, "New Mirpur City", "PK", AJK, "in 'AJK'"),
        ({"near": "Pakistan-administered Kashmir"}, "New Mirpur City", "PK", AJK, "in 'Pakistan-administered Kashmir'"),
        ({"near": "Sindh"}, "Mirpur Mathelo", "PK", "Sindh", "in 'Sindh'"),
        ({"country": "BD"}, "Mirpur Model Thana", "BD", "Dhaka Division", "in country BD"),
        ({"country": "Bangladesh"}, "Mirpur Model Thana", "BD", "Dhaka Division", "in country BD"),
        ({"near": "Dhaka"}, "Mirpur Model Thana", "BD", "Dhaka Division", "in 'Dhaka'"),
    ],
)
def test_hints_put_the_right_mirpur_first(hints, name, country, admin1, note):
    best = gazetteer.search("Mirpur", **hints)[0]
    assert (best.name, best.country, best.admin1) == (name, country, admin1)
    assert best.match.endswith(f"; {note}")


def test_hints_rank_but_do_not_hide_other_candidates():
    results = gazetteer.search("Mirpur", near="Sindh")
    assert results[0].admin1 == "Sindh"
    ajk = [c for c in results if c.admin1 == AJK]
    assert ajk and ajk[0].match.endswith("; not in 'Sindh'")


def test_disputed_regions_are_shown_with_neutral_names():
    assert gazetteer.search("Gilgit")[0].admin1 == "Pakistan-administered Kashmir (Gilgit-Baltistan)"
    assert gazetteer.search("Leh")[0].admin1 == "Indian-administered Ladakh"
    assert gazetteer.search("Srinagar", country="IN")[0].admin1 == INDIAN_JK
    assert gazetteer.search("Pahalgam", near="Jammu and Kashmir")[0].match == "exact name; in 'Jammu and Kashmir'"


def test_doha_is_qatar_first_by_population():
    results = gazetteer.search("Doha")
    assert results[0].country == "QA"
    assert any(c.country == "IN" for c in results)


def test_names_in_other_scripts_match_alternate_names():
    assert gazetteer.search("گوجرانوالہ")[0].name == "Gujranwala"


@pytest.mark.parametrize("nonsense", ["Xqzvbnmrtplk", "qqqqzzzz", "Zzyzzyxxq Blorfton"])
def test_unknown_names_give_no_candidates(nonsense):
    assert gazetteer.search(nonsense) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"name": "!!!"}, "no letters"),
        ({"name": "Mirpur", "country": "Atlantis"}, "unknown country"),
        ({"name": "Mirpur", "near": "Middle Earth"}, "unknown region"),
        ({"name": "Mirpur", "limit": 0}, "limit"),
    ],
)
def test_bad_input_raises_a_clear_error(args, message):
    with pytest.raises(ValueError, match=message):
        gazetteer.search(**args)


def test_limit_and_json_output():
    results = gazetteer.search("Springfield", country="USA", limit=3)
    assert len(results) == 3 and all(c.country == "US" for c in results)
    row = json.loads(json.dumps([c.to_dict() for c in results]))[0]
    assert set(row) == {"name", "lat", "lon", "country", "admin1", "population", "match", "geonameid", "score"}
    assert row["name"] == "Springfield" and isinstance(row["geonameid"], int)


def test_towns_in_lists_the_big_towns_of_a_box_largest_first():
    towns = gazetteer.towns_in((73.0, 31.0, 75.0, 33.0), min_population=300_000, limit=5)
    assert [t.name for t in towns][:3] == ["Lahore", "Faisalabad", "Gujranwala"]
    assert len(towns) == 5
    assert all(73 <= t.lon <= 75 and 31 <= t.lat <= 33 and t.population >= 300_000 for t in towns)
    assert [t.population for t in towns] == sorted((t.population for t in towns), reverse=True)


def test_towns_in_a_box_across_the_antimeridian():
    towns = gazetteer.towns_in((177.0, -19.0, -179.0, -16.0), limit=50)
    assert "Suva" in {t.name for t in towns}
    assert all((t.lon >= 177 or t.lon <= -179) and -19 <= t.lat <= -16 for t in towns)


@pytest.mark.parametrize(("bbox", "min_population", "limit"),
                         [((60.0, 20.0, 80.0, 40.0), 1000, 2500), ((177.0, -19.0, -179.0, -16.0), 0, 50)])
def test_town_points_are_the_names_and_places_of_the_towns_in_a_box(bbox, min_population, limit):
    points = gazetteer.town_points_in(bbox, min_population=min_population, limit=limit)
    assert points == [(t.name, t.lat, t.lon) for t in gazetteer.towns_in(bbox, min_population=min_population, limit=limit)]
    assert len(points) > 10


def test_towns_in_rejects_a_bad_box():
    with pytest.raises(ValueError, match="bbox"):
        gazetteer.towns_in((74.0, 33.0, 73.0, 31.0))


def test_country_names_and_codes():
    assert names.country_name("pk") == "Pakistan"
    assert names.country_code("Pakistan") == "PK"
    assert names.country_code("pak") == "PK"
    assert names.country_code("qa") == "QA"
    assert names.country_code("Côte d'Ivoire") == "CI"
    assert names.country_code("the Netherlands") == names.country_code("Netherlands") == "NL"
    assert names.country_code("UK") == "GB"
    assert names.country_code("Atlantis") is None
    with pytest.raises(ValueError, match="unknown country code"):
        names.country_name("ZZ")


def test_a_fresh_process_reuses_the_cache_files(gazetteer_cache):
    before = gazetteer_cache.stat()
    files_before = sorted(p.name for p in gazetteer_cache.parent.iterdir())
    script = (
        "import json, sys\n"
        "from geo import gazetteer\n"
        "def refuse():\n"
        "    raise SystemExit('index rebuilt instead of read from the cache')\n"
        "gazetteer._build_towns = gazetteer._build_names = refuse\n"
        "print(json.dumps([c.to_dict() for c in gazetteer.search('Rawalakot')]))\n"
    )
    env = {**os.environ, "INCIDENT_MAP_CACHE_DIR": str(gazetteer_cache.parent)}
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)[0]["admin1"] == AJK
    after = gazetteer_cache.stat()
    assert (after.st_ino, after.st_size) == (before.st_ino, before.st_size)  # read, not written again
    assert sorted(p.name for p in gazetteer_cache.parent.iterdir()) == files_before


def test_an_unreadable_cache_is_rebuilt_and_replaced(gazetteer_cache, tmp_path, monkeypatch):
    with np.load(gazetteer_cache) as npz:
        good = {key: npz[key] for key in npz.files}
    names_file = gazetteer_cache.with_name(gazetteer_cache.name.replace("gazetteer-", "gazetteernames-", 1))  # this version's
    builds = []
    monkeypatch.setattr(gazetteer, "_build_towns", lambda: builds.append(1) or good)
    monkeypatch.setenv("INCIDENT_MAP_CACHE_DIR", str(tmp_path))
    shutil.copy(names_file, tmp_path)
    broken = gazetteer.cache_path()
    broken.write_bytes(b"not an index")
    unused, in_use = tmp_path / "gazetteer-0.0-old.npz", tmp_path / "gazetteer-0.1-other-release.npz"
    for other in (unused, in_use):
        other.write_bytes(b"another version")
    month_ago = time.time() - 30 * 86400
    os.utime(unused, (month_ago, month_ago))
    with pytest.warns(UserWarning, match="unreadable"):
        assert gazetteer.search("Dadyal")[0].name == "Dayal"
    assert builds == [1]
    with np.load(broken) as npz:
        assert sorted(npz.files) == sorted(good)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([broken.name, in_use.name, names_file.name])


def test_placing_towns_does_not_read_or_build_the_name_index(tmp_path, gazetteer_cache):
    for cached in gazetteer_cache.parent.glob("gazetteer-*.npz"):
        shutil.copy(cached, tmp_path)
    script = (
        "from geo import gazetteer\n"
        "def refuse():\n"
        "    raise SystemExit('the name index was built to place towns')\n"
        "gazetteer._build_names = refuse\n"
        "print(len(gazetteer.towns_in((73.0, 33.0, 74.5, 34.5), limit=20)))\n"
    )
    env = {**os.environ, "INCIDENT_MAP_CACHE_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) == 20
    assert not list(tmp_path.glob("gazetteernames-*"))
