"""The seed dataset: every event the article reports, placed, dated and sourced as it says.

Tests that compare the data with the article's text take the ``article_text`` fixture: they
are skipped unless ``$INCIDENT_MAP_ARTICLE`` names the article's file (see README.md,
"The first dataset").  Every other test here runs on the shipped data alone.
"""

from __future__ import annotations

import itertools
import math
import re

import pytest

from geo.frame import is_mapped, to_records

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
        texts = [(field, record[field]) for field in ("title", "description", "date_note", "location_note", "claim")]
        texts += [(f"role of {actor['name']}", actor["role"]) for actor in record["actors"]]
        for field, text in texts:
            for quoted in re.findall(r"“([^”]+)”", text):
                assert quoted.rstrip(",.") in article_text, (record["id"], field, quoted)


def test_a_cited_outlet_is_its_own_source(seed):
    sources = seed["mahjar-barducci-rawalakot-conference"]["sources"]
    news18 = next(s for s in sources if s["publisher"] == "News18")
    assert news18["cited_by"] == "article"
    assert "News18" in seed["mahjar-barducci-rawalakot-conference"]["claim"]


# --- Actors: named as the article names them, one spelling each, titles in the role --------------

TITLES = ("Dr", "Sheikh", "Shaikh", "Mufti", "Maulana", "Mullah", "Imam", "Mr", "Mrs", "Ms", "Prof", "Professor", "Sir")
"""Honorifics and titles that belong in an actor's role, never in the name.

"Hafiz" is not among them: the article names "Hafiz Saeed" and "Hafiz Abdul Rauf" that way
throughout, and without it "Abdul Rauf" would no longer say which man is meant.
"""

KEPT_WHOLE = {
    "Mufti Azam": "the article's only name for this person; the two words together can also be a title (grand mufti), "
                  "so dropping one would invent a name",
}
"""Names that start with a title word but are kept as the article gives them, with the reason."""

ALIASES = {
    # The article gives these full names once (or twice) and then the surname alone.
    "Naji Zaheer": ("Zaheer",),
    "Saifullah Khalid Kasuri": ("Kasuri",),
    "Hafiz Abdul Rauf": ("Rauf",),
    "United States": ("US",),  # "a US-designated global terrorist"
    "Pakistani government": ("Pakistani military and government",),
}
"""Other words by which an excerpt of the same event names an actor.

An organisation named "Full name (ABBR)" may be named by either part, e.g. "LeT" for
"Lashkar-e-Taiba (LeT)"; that needs no entry here.
"""

ATTRIBUTIONS = ("according to", "the article", "reportedly", "cited by", "per the article")
"""Words that say who tells us something: every description sentence and every role has one."""


def _title_pattern() -> str:
    return "|".join(re.escape(t) for t in TITLES)


def names_of(actor_name: str) -> list[str]:
    """The forms in which an excerpt may name this actor."""
    forms = [actor_name, *ALIASES.get(actor_name, ())]
    plain = re.sub(r"\s*\([^)]*\)", "", actor_name).strip()
    forms += [plain, *re.findall(r"\(([^)]+)\)", actor_name)]
    return [f for f in forms if f]


def named_in(form: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text) is not None


def words(name: str) -> frozenset[str]:
    """The name's words, casefolded, without punctuation or a parenthesised abbreviation."""
    plain = re.sub(r"\([^)]*\)", " ", name)
    return frozenset(re.sub(r"[^\w]+", " ", plain.casefold().replace("’", "").replace("'", "")).split())


def leading(name: str, count: int) -> tuple[str, ...] | None:
    """The name's first ``count`` words, casefolded (None for a shorter name)."""
    found = re.sub(r"[^\w]+", " ", re.sub(r"\([^)]*\)", " ", name).casefold()).split()
    return tuple(found[:count]) if len(found) >= count else None


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+(?=[A-Z“])", text) if s]


def test_every_actor_is_named_in_an_excerpt_of_its_own_event(seed):
    for record in seed.values():
        excerpts = [s["excerpt"] for s in record["sources"]]
        for actor in record["actors"]:
            forms = names_of(actor["name"])
            assert any(named_in(form, excerpt) for form in forms for excerpt in excerpts), (record["id"], actor["name"])


def test_the_name_check_fails_for_an_actor_no_excerpt_names():
    assert not any(named_in(f, "Kasuri met Hamas leader Khaled Mashal in Doha.") for f in names_of("Naji Zaheer"))
    assert not named_in("US", "USA and thus")
    assert any(named_in(f, "senior LeT commanders") for f in names_of("Lashkar-e-Taiba (LeT)"))


def test_actor_names_carry_no_title_and_the_title_goes_in_the_role(seed):
    title = re.compile(rf"^(?:{_title_pattern()})\.?\s", re.IGNORECASE)
    for record in seed.values():
        excerpts = " ".join(s["excerpt"] for s in record["sources"])
        for actor in record["actors"]:
            if actor["name"] not in KEPT_WHOLE:
                assert not title.match(actor["name"]), (record["id"], actor["name"])
            for found in re.finditer(rf"\b({_title_pattern()})\.?\s+{re.escape(actor['name'])}\b", excerpts):
                assert f"“{found.group(1)}”" in actor["role"], (record["id"], actor["name"], found.group(0))


def test_one_spelling_per_actor(seed):
    names = sorted({actor["name"] for record in seed.values() for actor in record["actors"]})
    for a, b in itertools.combinations(names, 2):
        assert words(a) != words(b), f"{a!r} and {b!r} are one name spelt two ways"
        assert not (words(a) < words(b) or words(b) < words(a)), f"{a!r} and {b!r}: one is a variant of the other"
        assert leading(a, 2) is None or leading(a, 2) != leading(b, 2), f"{a!r} and {b!r} start alike: one actor, two names?"
        short = {x.casefold() for x in names_of(a)} & {x.casefold() for x in names_of(b)}
        assert not short, f"{a!r} and {b!r} share the form {short}"


def test_the_spelling_check_catches_variants():
    assert words("Pakistani military") < words("Pakistani military personnel")
    assert words("Dr Naji Zaheer") > words("Naji Zaheer")
    assert words("Lashkar-e-Taiba (LeT)") == words("Lashkar e Taiba")
    assert leading("Pakistani military personnel", 2) == leading("Pakistani military and government", 2)
    assert leading("Pakistani military", 2) != leading("Pakistani government", 2)


def test_every_role_and_every_description_sentence_says_who_tells_it(seed):
    for record in seed.values():
        for actor in record["actors"]:
            assert any(a in actor["role"].casefold() for a in ATTRIBUTIONS), (record["id"], actor["name"], actor["role"])
        for sentence in sentences(record["description"]):
            assert any(a in sentence.casefold() for a in ATTRIBUTIONS), (record["id"], sentence)
        if not record["context"]:
            assert record["description"].startswith("According to"), record["id"]


# --- What the user found: each case kept fixed ------------------------------------------------

GUJRANWALA = "mahjar-barducci-gujranwala-pmml-event"


def test_the_gujranwala_event_is_told_with_the_articles_hedges(seed):
    record = seed[GUJRANWALA]
    text = record["description"]
    assert "reportedly" in text and "available information" in text
    stage = [s for s in sentences(text) if "stage" in s]
    assert stage, "the stage-sharing the article reports is described"
    for sentence in stage:
        assert "video" in sentence and "Rauf" not in sentence, sentence
    assert not re.search(r"shared a stage with[^.]*Rauf", text)
    roles = {a["name"]: a["role"] for a in record["actors"]}
    assert "according to available information" in roles["Naji Zaheer"]
    assert "according to available information" in roles["Rashid Ali Sandhu"]
    assert "recent reports" in roles["Pakistan Markazi Muslim League (PMML)"]


@pytest.mark.parametrize(
    ("event_id", "start"),
    [
        (GUJRANWALA, "According to available information, Zaheer attended the PMML event as guest of honour"),
        (GUJRANWALA, "Further evidence of convergence emerged when Hafiz Abdul Rauf"),
        ("mahjar-barducci-rawalakot-conference", "Participants included Hamas representatives Dr Khaled Qaddoumi"),
        ("mahjar-barducci-dadyal-jem-rally", "Senior JeM commander Masood Ilyas Kashmiri appeared on stage"),
        ("mahjar-barducci-rauf-funeral-prayers", "Pakistan’s military and official spokespersons initially attempted"),
    ],
)
def test_who_was_there_is_backed_by_an_excerpt_of_the_same_event(seed, event_id, start):
    assert any(s["excerpt"].startswith(start) for s in seed[event_id]["sources"])


def test_the_funeral_claim_keeps_the_attempt_and_who_made_it(seed):
    claim = seed["mahjar-barducci-rauf-funeral-prayers"]["claim"]
    assert "attempted" in claim and "military" in claim and "official spokespersons" in claim
    assert "played down" not in claim


def test_kashmir_solidarity_day_events_are_typed_as_the_article_allows_and_not_counted_twice(seed):
    record = seed["mahjar-barducci-kashmir-solidarity-day-events"]
    assert record["event_type"] == "other"  # the article says only "multiple events"
    assert "Rawalakot" in record["description"] and "recorded separately" in record["description"]
    assert "mahjar-barducci-rawalakot-conference" in record["description"]
    assert record["lat"] is None and record["location_precision"] == "unknown"
