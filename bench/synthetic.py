"""Synthetic events for benchmarks: valid schema records, reproducible from a seed.

``synthetic_records(n, seed=0)`` always gives the same records for the same
arguments, so benchmarks of the map, the app and the importers measure the same
data.  The events look like real ones where it matters for speed and size:
real towns (so the country check passes), a few hundred actors and sources that
repeat, day/month/year/unknown dates, one in ten events unmapped, long
descriptions and excerpts.  Every text says it is synthetic and every URL is
under example.org (a domain reserved for examples); none of it is a claim.
This module never writes files or touches the network.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TOWNS = (
    ("Lahore", "PK", 31.558, 74.3507), ("Karachi", "PK", 24.8608, 67.0104), ("Peshawar", "PK", 34.008, 71.5785),
    ("Faisalabad", "PK", 31.4155, 73.0897), ("Rawalpindi", "PK", 33.5973, 73.0479), ("Gujranwala", "PK", 32.1557, 74.187),
    ("Multan", "PK", 30.1968, 71.4782), ("Quetta", "PK", 30.1841, 67.0014), ("Bannu", "PK", 32.9853, 70.604),
    ("Sialkot", "PK", 32.4927, 74.5313), ("Muzaffarabad", "PK", 34.37, 73.4711), ("Mirpur", "PK", 33.1478, 73.7519),
    ("Rawalakot", "PK", 33.8578, 73.7604), ("Dadyal", "PK", 33.3122, 73.7035), ("Mumbai", "IN", 19.0728, 72.8826),
    ("Delhi", "IN", 28.6519, 77.2315), ("Bengaluru", "IN", 12.9719, 77.5937), ("Hyderabad", "IN", 17.384, 78.4564),
    ("Ahmedabad", "IN", 23.0258, 72.5873), ("Chennai", "IN", 13.0878, 80.2785), ("Kolkata", "IN", 22.5626, 88.363),
    ("Jaipur", "IN", 26.9196, 75.7878), ("Srinagar", "IN", 34.0837, 74.7973), ("Jammu", "IN", 32.7357, 74.8691),
    ("Pahalgam", "IN", 34.0159, 75.319), ("Dhaka", "BD", 23.7104, 90.4074), ("Chattogram", "BD", 22.3384, 91.8317),
    ("Khulna", "BD", 22.8098, 89.5644), ("Kabul", "AF", 34.5281, 69.1723), ("Herat", "AF", 34.3482, 62.1997),
    ("Kandahar", "AF", 31.6133, 65.7101), ("Mazar-e Sharif", "AF", 36.709, 67.1109), ("Tehran", "IR", 35.6944, 51.4215),
    ("Mashhad", "IR", 36.2981, 59.6057), ("Isfahan", "IR", 32.6525, 51.6746), ("Kathmandu", "NP", 27.7017, 85.3206),
    ("Colombo", "LK", 6.9355, 79.8487), ("Doha", "QA", 25.2855, 51.531), ("Dubai", "AE", 25.0772, 55.3093),
    ("Abu Dhabi", "AE", 24.4512, 54.397), ("Baghdad", "IQ", 33.3406, 44.4009), ("Mosul", "IQ", 36.335, 43.1189),
    ("Damascus", "SY", 33.5102, 36.2913), ("Aleppo", "SY", 36.2012, 37.1612), ("Beirut", "LB", 33.8933, 35.5016),
    ("Amman", "JO", 31.9552, 35.945), ("Cairo", "EG", 30.0626, 31.2497), ("Istanbul", "TR", 41.0138, 28.9497),
    ("Ankara", "TR", 39.9199, 32.8543),
)  # fmt: skip
"""(name, ISO country, lat, lon) of real towns the synthetic events happen in."""

EVENT_TYPES = ("rally", "protest", "meeting", "conference", "attack", "funeral", "riot", "explosion", "political development")
ROLES = ("organiser", "speaker", "participant", "guest of honour", "alleged perpetrator", "target", "host", "mediator")
KINDS = ("news report", "press release", "opinion article", "social media post", "government statement", "NGO report")
VERIFICATIONS = ("reported", "corroborated", "disputed", "unverified")
_WORDS = (
    "Northern", "Southern", "Eastern", "Western", "United", "Popular", "National", "Democratic", "Workers'", "Students'",
    "Farmers'", "Traders'", "Youth", "Women's", "Civic", "Federal", "Free", "Green", "Justice", "Unity",
)  # fmt: skip
_BODIES = ("Front", "Movement", "League", "Alliance", "Council", "Party", "Union", "Association", "Committee", "Forum")
_OUTLETS = ("Courier", "Herald", "Tribune", "Observer", "Gazette", "Monitor", "Dispatch", "Post", "Chronicle", "Journal")


def _actors(rng: random.Random, count: int) -> list[str]:
    names = sorted({f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {rng.choice(_BODIES)}" for _ in range(count * 2)})
    return rng.sample(names, count)


def _sources(rng: random.Random, count: int) -> list[dict]:
    sources = []
    for number in range(count):
        town = rng.choice(TOWNS)[0]
        outlet = f"{town} {rng.choice(_OUTLETS)}"
        sources.append({
            "publisher": f"{outlet} (synthetic)",
            "author": rng.choice(("", "", f"Staff reporter {number % 17 + 1}")),
            "kind": rng.choice(KINDS),
            "slug": outlet.lower().replace(" ", "-"),
        })  # fmt: skip
    return sources


def _date(rng: random.Random) -> tuple[str, str, str]:
    """(date_start, date_end, date_precision)."""
    year, month, day = rng.randint(2020, 2026), rng.randint(1, 12), rng.randint(1, 28)
    roll = rng.random()
    if roll < 0.70:
        return f"{year}-{month:02d}-{day:02d}", "", "day"
    if roll < 0.85:
        return f"{year}-{month:02d}", "", "month"
    if roll < 0.90:
        return str(year), "", "year"
    if roll < 0.95:
        return f"{year}-{month:02d}-{day:02d}", f"{year}-{month:02d}-{min(day + 6, 28):02d}", "approximate"
    return "", "", "unknown"


def synthetic_records(n: int, seed: int = 0) -> list[dict]:
    """``n`` valid event records (schema fields, lat/lon or None), the same for the same ``seed``."""
    rng = random.Random(seed)
    actors = _actors(rng, 300)
    popular = actors[:30]
    sources = _sources(rng, 400)
    records = []
    for number in range(n):
        name, country, lat, lon = rng.choice(TOWNS)
        event_type = rng.choice(EVENT_TYPES)
        start, end, date_precision = _date(rng)
        mapped = rng.random() >= 0.1
        exact = mapped and rng.random() < 0.3
        cast = [rng.choice(popular if rng.random() < 0.6 else actors) for _ in range(rng.randint(1, 4))]
        cast = list(dict.fromkeys(cast))
        chosen = rng.sample(sources, rng.randint(1, 3))
        event_sources = []
        for index, source in enumerate(chosen, 1):
            event_sources.append({
                "id": f"s{index}",
                "publisher": source["publisher"],
                "author": source["author"],
                "title": f"{event_type.capitalize()} reported in {name}" if index == 1 else "",
                "url": f"https://example.org/{source['slug']}/{number}-{index}" if rng.random() < 0.7 else "",
                "date": start[:7] if start else "",
                "excerpt": f"Synthetic excerpt {number}.{index}: witnesses quoted by the outlet said a {event_type} took place in "
                           f"{name} with {cast[0]} present; the figures could not be checked independently.",
                "cited_by": "s1" if index > 1 and rng.random() < 0.3 else "",
                "kind": source["kind"],
            })  # fmt: skip
        fatalities = rng.choice((None, None, None, 0, 1, 2, 5, 12)) if event_type in ("attack", "explosion", "riot") else None
        records.append({
            "id": f"syn-{number:07d}",
            "title": f"Synthetic {event_type} {number} in {name}",
            "event_type": event_type,
            "context": rng.random() < 0.05,
            "date_start": start,
            "date_end": end,
            "date_precision": date_precision,
            "date_note": "",
            "place_reported": name if mapped else f"somewhere near {name} (district not named)",
            "place_name": name if mapped else "",
            "admin1": "",
            "country": country,
            "lat": round(lat + rng.uniform(-0.05, 0.05), 5) if exact else (lat if mapped else None),
            "lon": round(lon + rng.uniform(-0.05, 0.05), 5) if exact else (lon if mapped else None),
            "location_precision": ("exact" if exact else "town") if mapped else "unknown",
            "location_note": "",
            "actors": [{"name": actor, "role": rng.choice(ROLES)} for actor in cast],
            "description": f"Synthetic description of event {number}: a {event_type} in {name} involving "
                           f"{', '.join(cast)}, as described by {len(chosen)} source(s). Not a real event.",
            "fatalities": fatalities,
            "fatalities_qualifier": "around" if fatalities else "",
            "tags": rng.sample(("synthetic", "benchmark", "election", "border", "labour", "students"), 2),
            "sources": event_sources,
            "claim": f"Reported by {chosen[0]['publisher']}",
            "verification": rng.choice(VERIFICATIONS),
        })  # fmt: skip
    return records


def geojson_text(records: list[dict]) -> str:
    """Records as a GeoJSON FeatureCollection in the project's event file form."""
    features = []
    for record in records:
        properties = {k: v for k, v in record.items() if k not in ("lat", "lon")}
        point = {"type": "Point", "coordinates": [record["lon"], record["lat"]]} if record["lat"] is not None else None
        features.append({"type": "Feature", "id": record["id"], "geometry": point, "properties": properties})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def write_geojson(n: int, path: Path, seed: int = 0) -> Path:
    """Write ``synthetic_records(n, seed)`` to ``path`` as a GeoJSON event file."""
    path.write_text(geojson_text(synthetic_records(n, seed)), encoding="utf-8")
    return path


def synthetic_store(count: int, folder: Path) -> Path:
    """A GeoPackage store of ``count`` synthetic events in ``folder``, imported as a user would (not timed); one
    made before in ``folder`` is used again."""
    store = folder / f"events-{count}.gpkg"
    if not store.exists():
        source = write_geojson(count, folder / f"events-{count}.geojson")
        print(f"importing {count:,} synthetic events (not timed)…", file=sys.stderr)
        importing = [sys.executable, "-m", "geo", "import", str(source), "--store", str(store)]
        subprocess.run(importing, cwd=ROOT, check=True, capture_output=True)
        source.unlink()
    return store
