"""Hostile event text for the escaping tests of the web map (and anything else that shows events).

``PAYLOADS`` are strings that run script, inject markup or get evaluated by a
template engine if any layer treats text as code.  ``payload_records()`` builds
records whose every text field carries them, at one shared spot (so the map
lists them) plus one unmapped event; their first source's URL is
``javascript:alert(1)``.  The records skip validation on purpose: the page must
be safe even for data that never went through the schema.
"""

from __future__ import annotations

from tests.helpers import make_record

PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "\"'><svg onload=window.__pwned=1>",
    "</script><script>window.__pwned=1</script>",
    '{{constructor.constructor("window.__pwned=1")()}}',
    "A{{ 7*7 }}B",
    "{% if %}",
    "${window.__pwned=1}",
)
TEMPLATE_PROBE = "A{{ 7*7 }}B"
"""Shown literally when no template engine touched it; "A49B" if one did."""
BAD_URL = "javascript:alert(1)"
SAFE_URL = "https://example.org/report?a=1&b=<2>"


def payload_record(number: int, payload: str, mapped: bool = True) -> dict:
    """A record with ``payload`` in every text field (and ``BAD_URL`` as its first source's URL)."""
    text = f"{payload} #{number}"
    place = {"lat": 33.31222, "lon": 73.70346, "location_precision": "town"} if mapped else {
        "lat": None, "lon": None, "location_precision": "unknown"}  # fmt: skip
    return make_record(
        id=f"payload-{number}",
        title=text,
        event_type="rally" if number % 2 else payload.lower(),
        date_note=text,
        place_reported=text,
        place_name=text if mapped else "",
        admin1=text if mapped else "",
        location_note=text,
        actors=[{"name": text, "role": text}],
        description=text,
        tags=[text],
        claim=text,
        sources=[
            {"id": "s1", "publisher": text, "author": text, "title": text, "url": BAD_URL, "date": "", "excerpt": text,
             "cited_by": "", "kind": text},
            {"id": "s2", "publisher": "Safe Wire", "author": "", "title": "", "url": SAFE_URL, "date": "2026-01",
             "excerpt": f"safe excerpt {number}", "cited_by": "s1", "kind": "news report"},
        ],
        **place,
    )  # fmt: skip


def payload_records() -> list[dict]:
    """One mapped record per payload (all at one spot) and one unmapped record per payload."""
    mapped = [payload_record(n, p) for n, p in enumerate(PAYLOADS)]
    unmapped = [payload_record(len(PAYLOADS) + n, p, mapped=False) for n, p in enumerate(PAYLOADS)]
    return mapped + unmapped
