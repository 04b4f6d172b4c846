"""The seed dataset: every event the article reports, placed, dated and sourced as it says.

Tests that compare the data with the article's text take the ``article_text`` fixture: they
are skipped unless ``$INCIDENT_MAP_ARTICLE`` names the article's file (see README.md,
"The first dataset").  Every other test here runs on the shipped data alone.
"""

from __future__ import annotations

import math
import re

import pytest

from geo.events import is_mapped, to_records

# Town centres from public references, independent of the gazetteer the seed was built with.
TOWNS = {
    "mahjar-barducci-gujranwala-pmml-event": (32.16, 74.19),
    "mahjar-barducci-rawalakot-conference": (33.86, 73.76),
    "mahjar-barducci-mirpur-conference": (33.15, 73.75),
    "mahjar-barducci-dadyal-jem-rally": (33.31, 73.70),
    "mahjar-barducci-pahalgam-attack": (34.02, 75.32),
    "mahjar-barducci-doha-meeting": (25.29, 51.53),
}
AJK = "Pakistan-administered Kashmir (Azad Jammu and Kashmir)"


def km_between(a, b) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def seed(seed_events):
    return {r["id"]: r for r in to_records(seed_events)}


def test_the_seed_validates_and_holds_every_reported_event(seed_events, seed):
    assert len(seed) == 15
    assert set(TOWNS) <= set(seed)
    assert {"mahjar-barducci-rauf-funeral-prayers", "mahjar-barducci-kashmir-solidarity-day-events"} <= set(seed)
    assert int(is_mapped(seed_events).sum()) == 8


@pytest.mark.parametrize("event_id", sorted(TOWNS))
def test_places_land_within_a_few_km_of_the_real_towns(seed, event_id):
    record = seed[event_id]
    assert km_between((record["lat"], record["lon"]), TOWNS[event_id]) < 5
    assert record["location_precision"] == "town"


def test_kashmir_places_use_neutral_names(seed):
    for event_id in ("mahjar-barducci-rawalakot-conference", "mahjar-barducci-dadyal-jem-rally", "mahjar-barducci-mirpur-conference"):
        assert seed[event_id]["admin1"] == AJK
    assert seed["mahjar-barducci-pahalgam-attack"]["admin1"] == "Indian-administered Jammu and Kashmir"


def test_the_funeral_is_unmapped_and_undated(seed):
    funeral = seed["mahjar-barducci-rauf-funeral-prayers"]
    assert funeral["lat"] is None and funeral["location_precision"] == "unknown"
    assert funeral["date_start"] == "" and funeral["date_precision"] == "unknown"
    assert "Operation Sindoor" in funeral["date_note"]


def test_dates_are_as_precise_as_the_article(seed):
    gujranwala = seed["mahjar-barducci-gujranwala-pmml-event"]
    assert (gujranwala["date_start"], gujranwala["date_precision"]) == ("2026-01", "month")
    assert "undated" in gujranwala["date_note"] and "January 2026 Gujranwala event" in gujranwala["date_note"]
    doha = seed["mahjar-barducci-doha-meeting"]
    assert (doha["date_start"], doha["date_precision"]) == ("2024-08", "month")
    assert seed["mahjar-barducci-pahalgam-attack"]["date_start"] == "2025-04-22"
    assert seed["mahjar-barducci-dadyal-jem-rally"]["date_start"] == "2025-11-29"
    assert seed["mahjar-barducci-rawalakot-conference"]["date_start"] == "2025-02-05"
    mirpur = seed["mahjar-barducci-mirpur-conference"]
    assert mirpur["date_start"] == "" and mirpur["date_precision"] == "unknown"


def test_fatalities_are_as_reported(seed):
    pahalgam = seed["mahjar-barducci-pahalgam-attack"]
    assert (pahalgam["fatalities"], pahalgam["fatalities_qualifier"]) == (30, "around")
    assert "Indian authorities" in pahalgam["claim"]
    assert [r["id"] for r in seed.values() if r["fatalities"] is not None] == [
        "mahjar-barducci-pahalgam-attack",
        "mahjar-barducci-mumbai-attacks-2008",
    ]


def test_background_events_are_context_and_carry_only_what_the_article_states(seed):
    context = {r["id"] for r in seed.values() if r["context"]}
    assert context >= {
        "mahjar-barducci-board-of-peace-launch",
        "mahjar-barducci-board-of-peace-invitation",
        "mahjar-barducci-mumbai-attacks-2008",
        "mahjar-barducci-haniyeh-killing",
        "mahjar-barducci-operation-sindoor",
    }
    for event_id in ("mahjar-barducci-operation-sindoor", "mahjar-barducci-haniyeh-killing"):
        assert seed[event_id]["date_start"] == ""
    for event_id in ("mahjar-barducci-operation-sindoor", "mahjar-barducci-board-of-peace-launch"):
        assert seed[event_id]["lat"] is None
    assert not any(seed[i]["context"] for i in TOWNS)


def test_no_url_headline_or_date_is_invented(seed):
    for record in seed.values():
        assert record["sources"], record["id"]
        for source in record["sources"]:
            assert source["excerpt"], (record["id"], source["id"])
            assert source["url"] == "" and source["title"] == "" and source["date"] == ""
        assert record["sources"][0]["author"] == "Anna Mahjar-Barducci"
        assert record["claim"].startswith("Reported by")


def test_every_source_excerpt_is_verbatim(seed, article_text):
    for record in seed.values():
        for source in record["sources"]:
            assert source["excerpt"] in article_text, (record["id"], source["excerpt"])


def test_words_in_quotes_are_the_articles_own(seed, article_text):
    for record in seed.values():
        for field in ("title", "description", "date_note", "location_note", "claim"):
            for quoted in re.findall(r"“([^”]+)”", record[field]):
                assert quoted.rstrip(",.") in article_text, (record["id"], field, quoted)


def test_a_cited_outlet_is_its_own_source(seed):
    sources = seed["mahjar-barducci-rawalakot-conference"]["sources"]
    news18 = next(s for s in sources if s["publisher"] == "News18")
    assert news18["cited_by"] == "article"
    assert "News18" in seed["mahjar-barducci-rawalakot-conference"]["claim"]
