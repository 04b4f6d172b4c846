"""The web map's page and data, without a browser: compact encoding, escaping, options, the html export."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest

from bench.synthetic import synthetic_records
from geo import export, frame, style, webmap, wording
from geo.filters import Filter
from tests.helpers import make_record, run_cli
from tests.payloads import BAD_URL, PAYLOADS, TEMPLATE_PROBE, payload_records


class _Scripts(HTMLParser):
    """Every <script> element of a page: its attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict, str]] = []
        self._inside: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._inside = dict(attrs)
            self.scripts.append((self._inside, ""))

    def handle_data(self, data):
        if self._inside is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._inside = None


def scripts_of(page: str) -> list[tuple[dict, str]]:
    parser = _Scripts()
    parser.feed(page)
    return parser.scripts


def page_blocks(page: str) -> dict:
    """The data a page carries, decoded as the browser would: data, basemap and the joined texts."""
    scripts = scripts_of(page)
    data = json.loads(next(text for attrs, text in scripts if attrs.get("id") == "im-data"))
    chunks = [(attrs, text) for attrs, text in scripts if attrs.get("class") == "im-text"]
    joined = "".join(text for _, text in chunks)
    encoding = chunks[0][0].get("data-encoding")
    texts = webmap.decode_texts(joined) if encoding == "gzip-base64" else json.loads(joined)
    return {"data": data, "texts": texts, "encoding": encoding, "scripts": scripts}


def text_of(texts: dict, column: str, i: int) -> str:
    return texts["strings"][texts["events"][column][i]]


@pytest.fixture(scope="module")
def seed_page(seed_events) -> str:
    return webmap.render_html(seed_events, made_on=date(2026, 1, 31))


def test_json_for_a_script_element_cannot_end_it():
    value = {"a": "</script><script>alert(1)</script>", "b": "x\u2028y\u2029z & <!-- >"}
    text = webmap.script_json(value)
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == value


def test_seed_page_carries_every_event_compactly(seed_events, seed_page):
    blocks = page_blocks(seed_page)
    data, texts = blocks["data"], blocks["texts"]
    records = frame.to_records(seed_events)
    assert blocks["encoding"] == ""  # small: plain JSON
    strings = texts["strings"]
    assert len(strings) == len(set(strings)) and strings[0] == ""
    for i, record in enumerate(records):
        assert text_of(texts, "id", i) == record["id"]
        assert text_of(texts, "title", i) == record["title"]
        assert text_of(texts, "date", i) == wording.date_label(record)
        assert text_of(texts, "place", i) == wording.place_label(record)
        if record["lat"] is None:
            assert data["points"]["lat"][i] is None and data["points"]["lon"][i] is None
        else:
            assert data["points"]["lat"][i] == round(record["lat"], 5)
            assert data["points"]["lon"][i] == round(record["lon"], 5)
    # Flat nested columns: per-event counts, actors as (name, role) pairs, sources as fixed-width rows.
    e = texts["events"]
    assert e["actorCount"] == [len(r["actors"]) for r in records]
    assert len(e["actors"]) == 2 * sum(e["actorCount"])
    assert len(e["sources"]) == len(webmap.SOURCE_FIELDS) * sum(e["sourceCount"])
    first_excerpt = e["sources"][webmap.SOURCE_FIELDS.index("excerpt")]
    assert strings[first_excerpt] == records[0]["sources"][0]["excerpt"]
    # The author of the article is cited by every seed event, and written once.
    assert strings.count("Anna Mahjar-Barducci") == 1
    # Legend rows count the events on the map; every event has a category.
    assert sum(count for _, _, count in data["categories"]) == 8
    assert len(data["points"]["category"]) == len(records)


def test_seed_page_header_and_cited_by(seed_page):
    blocks = page_blocks(seed_page)
    meta = blocks["data"]["meta"]
    assert meta["counts"] == "15 events: 8 mapped, 7 unmapped"
    assert meta["filter"] == "Filter: none (all events)"
    assert meta["attribution"].startswith("Events: Anna Mahjar-Barducci")
    assert "basemap: Natural Earth via world-atlas; made on 31 January 2026" in meta["attribution"]
    texts = blocks["texts"]
    width = len(webmap.SOURCE_FIELDS)
    rows = [texts["events"]["sources"][k : k + width] for k in range(0, len(texts["events"]["sources"]), width)]
    cited_by = {texts["strings"][row[webmap.SOURCE_FIELDS.index("cited_by")]] for row in rows}
    assert "Anna Mahjar-Barducci" in cited_by  # "cited by" names the citing source, not its id


def test_page_inlines_everything_and_asks_for_nothing(seed_page):
    markup = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", seed_page, flags=re.S)
    assert not re.search(r"\b(src|href)\s*=", markup)  # no external script, stylesheet or link in the markup
    assert "url(images/" not in seed_page  # Leaflet's CSS images are inlined as data: URIs
    inline = [text for attrs, text in scripts_of(seed_page) if not attrs]
    assert any("Leaflet" in text for text in inline) and any("incidentMap" in text for text in inline)


def test_assets_can_be_linked_instead(seed_events):
    page = webmap.render_html(seed_events, asset_base_url="/app/static/")
    assert '<script src="/app/static/leaflet/leaflet.js"></script>' in page
    assert '<link rel="stylesheet" href="/app/static/webmap/incidentmap.css">' in page
    assert "L.Layer.extend" not in page  # not inlined as well
    assert page_blocks(page)["texts"]["events"]["id"]  # the data still is


def test_payloads_stay_inside_the_data_blocks():
    events = frame.to_frame(payload_records())
    page = webmap.render_html(events, title=PAYLOADS[0], flt=Filter(text=PAYLOADS[3]))
    scripts = scripts_of(page)
    assert len(scripts) == 6  # basemap, data, three assets, one text block: no injected <script>
    assert {attrs.get("type") for attrs, _ in scripts} == {"application/json", None}
    outside = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)
    for fragment in ("__pwned", "{{", "{%", "${", BAD_URL, "onerror", "<svg", "<img"):
        assert fragment not in outside
    for attrs, text in scripts:
        if attrs.get("type") == "application/json":
            assert "<" not in text and ">" not in text  # escaped as \u003c, \u003e
    blocks = page_blocks(page)
    assert blocks["data"]["meta"]["title"] == PAYLOADS[0]
    assert PAYLOADS[3] in blocks["data"]["meta"]["filter"]
    strings = blocks["texts"]["strings"]
    assert f"{TEMPLATE_PROBE} #5" in strings and not any("A49B" in s for s in strings)
    assert BAD_URL in strings  # kept as data; the page decides it is not a link


def test_large_texts_are_compressed_chunked_and_round_trip(monkeypatch):
    monkeypatch.setattr(webmap, "TEXT_CHUNK", 4096)
    records = synthetic_records(2500, seed=1)
    events = frame.to_frame(records)
    page = webmap.render_html(events)
    blocks = page_blocks(page)
    assert blocks["encoding"] == "gzip-base64"
    chunks = [text for attrs, text in blocks["scripts"] if attrs.get("class") == "im-text"]
    assert len(chunks) > 2 and {len(chunk) for chunk in chunks[:-1]} == {4096}
    assert blocks["texts"] == webmap.map_data(events)["texts"]
    assert text_of(blocks["texts"], "title", 2499) == records[2499]["title"]


def test_colour_by_actor_greys_the_rest():
    cast = [[{"name": f"Group {k}", "role": "organiser"}] for k in range(12)]
    events = frame.to_frame([make_record(id=f"e{k}", actors=cast[k] * (1 + (k < 3))) for k in range(12)] + [
        make_record(id="nobody", actors=[])])  # fmt: skip
    data = webmap.map_data(events, color_by="actor")
    labels = [row[0] for row in data["categories"]]
    assert len(labels) == webmap.TOP_ACTORS + 1 and labels[-1] == "other or no actor"
    assert data["categories"][-1][1] == style.OTHER_COLOUR
    other = labels.index("other or no actor")
    assert data["points"]["category"][-1] == other  # no actor at all
    assert sum(c == other for c in data["points"]["category"]) == 3  # two groups outside the top ten, and "nobody"


def test_online_tiles_are_an_option_with_attribution(seed_events):
    data = webmap.map_data(seed_events, tiles="osm")
    assert "OpenStreetMap" in data["meta"]["tiles"]["attribution"]
    assert "OpenStreetMap contributors" in data["meta"]["attribution"]
    assert data["towns"] == [] and data["disputed"]["features"] == []
    offline = webmap.map_data(seed_events)
    assert offline["meta"]["tiles"] is None
    assert any("Line of Control" in f["properties"]["label"] for f in offline["disputed"]["features"])
    assert offline["towns"] and all(len(town) == 3 for town in offline["towns"])
    with pytest.raises(ValueError, match="tiles"):
        webmap.map_data(seed_events, tiles="google")
    with pytest.raises(ValueError, match="color_by"):
        webmap.map_data(seed_events, color_by="mood")


def test_counts_line_mentions_undated_left_out():
    assert webmap.counts_label(1, 1) == "1 event: 1 mapped, 0 unmapped"
    expected = "12,000 events: 10,000 mapped, 2,000 unmapped; 3 undated left out by the date filter"
    assert webmap.counts_label(12000, 10000, 3, True) == expected
    assert webmap.counts_label(5, 2, 0, True).endswith("; 0 undated left out by the date filter")


def test_no_events_still_makes_a_page(seed_events):
    data = webmap.map_data(seed_events.iloc[0:0])
    assert data["meta"]["counts"] == "0 events: 0 mapped, 0 unmapped"
    assert data["points"]["lat"] == [] and data["towns"] == []
    assert data["meta"]["attribution"].startswith("Events: none;")


def test_html_export_through_the_cli(tmp_path):
    out = tmp_path / "map.html"
    done = run_cli("export", "html", "--out", str(out), "--type", "rally", "--title", "Rallies <b>only</b>", "--made", "2026-02-01")
    assert done.returncode == 0, done.stderr
    meta = page_blocks(out.read_text(encoding="utf-8"))["data"]["meta"]
    assert meta["title"] == "Rallies <b>only</b>"
    assert meta["filter"] == "Filter: type: rally"
    assert meta["counts"].startswith("2 events:")
    assert "made on 1 February 2026" in meta["attribution"]
    assert "html" in export.WRITERS


def test_the_app_component_page_is_the_export_page_without_data():
    page = webmap.component_page()
    assert (webmap.COMPONENT_DIR / "index.html").read_text(encoding="utf-8") == page, \
        "regenerate geo/assets/index.html from webmap.component_page()"
    assert 'id="im-data"' not in page and '<script src="webmap/streamlit.js"></script>' in page
    for relpath in ("leaflet/leaflet.js", "webmap/incidentmap.js", "webmap/streamlit.js", "webmap/incidentmap.css"):
        assert f'"{relpath}"' in page and (webmap.COMPONENT_DIR / relpath).is_file()


def test_the_shown_mask_has_one_bit_per_event_in_order(seed_events):
    shown = seed_events.iloc[[0, 3, 9, 14]]
    mask = webmap.shown_mask(seed_events, shown)
    assert len(mask) == 2
    bits = [(mask[i >> 3] >> (i & 7)) & 1 for i in range(len(seed_events))]
    assert [i for i, bit in enumerate(bits) if bit] == [0, 3, 9, 14]
