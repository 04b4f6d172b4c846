"""The web map without a browser: incident_map() is a folium map, the page's blocks, escaping, options, the html export."""

from __future__ import annotations

import base64
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import folium
import folium.plugins
import numpy as np
import pytest

from bench.synthetic import synthetic_records
from geo import export, frame, names, style, webmap, wording
from geo.filters import Filter
from geo.webmap import columns, controls
from geo.webmap.layer import escape_script_json
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


def page_data(page: str) -> dict:
    """What an exported page carries, decoded as the browser does: the meta block and the binary columns."""
    blocks = {attrs.get("id", ""): text for attrs, text in scripts_of(page) if attrs.get("id")}
    [meta_id] = [key for key in blocks if key.endswith("-meta")]
    name = meta_id.removesuffix("-meta")
    meta = json.loads(blocks[meta_id])
    blobs = {blob: base64.b64decode(blocks[f"{name}-{blob}"]) for blob in ("points", "cards", "strings")}
    decoded = columns.decode(columns.Encoded(**blobs, layout=meta["layout"]))
    return {"meta": meta, **decoded, "blocks": blocks}


def text_of(data: dict, column: str, i: int) -> str:
    return data["strings"][data["cards"][column][i]]


@pytest.fixture(scope="module")
def seed_page(seed_events) -> str:
    return webmap.render_html(seed_events, made_on=date(2026, 1, 31))


def test_incident_map_is_a_folium_map_a_user_can_extend(seed_events):
    m = webmap.incident_map(seed_events)
    assert isinstance(m, folium.Map)
    folium.CircleMarker([33.3, 73.7], radius=4).add_to(m)
    folium.plugins.Draw().add_to(m)  # a vendored plugin added after the map was made
    page = m.get_root().render()
    assert "L.circleMarker" in page and "L.Control.Draw" in page and page_data(page)["meta"]["count"] == len(seed_events)
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page)


def test_our_controls_draw_as_folium_plugins_draws_them():
    def page(*elements) -> str:
        m = folium.Map(tiles=None)
        m._id = "same"
        for number, element in enumerate(elements):
            element._id = f"same{number}"
            element.add_to(m)
        return m.get_root().render()

    ours = page(controls.fullscreen_control(), controls.measure_control())
    theirs = page(folium.plugins.Fullscreen(position="topleft", title="Full screen", title_cancel="Leave full screen"),
                  folium.plugins.MeasureControl(position="topleft", primary_length_unit="kilometers", secondary_length_unit="miles",
                                                primary_area_unit="sqkilometers", secondary_area_unit=None))
    assert ours == theirs
    assert "L.control.fullscreen" in ours and "L.Control.Measure" in ours


def test_the_html_export_does_not_import_every_folium_plugin(tmp_path):
    import subprocess
    import sys

    script = ("import sys\nfrom datetime import date\nfrom geo import frame, webmap\nfrom tests.helpers import make_record\n"
              "webmap.render_html(frame.to_frame([make_record()]), made_on=date(2026, 1, 31))\n"
              "print('folium.plugins' in sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


def test_json_for_a_script_element_cannot_end_it():
    value = {"a": "</script><script>alert(1)</script>", "b": "x\u2028y\u2029z & <!-- >"}
    text = escape_script_json(json.dumps(value))
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == value


def test_binary_columns_decode_to_exactly_the_events_exported(seed_events, seed_page):
    data = page_data(seed_page)
    records = frame.to_records(seed_events)
    strings, points = data["strings"], data["points"]
    assert strings[0] == ""
    for i, record in enumerate(records):
        assert text_of(data, "id", i) == record["id"]
        assert text_of(data, "title", i) == record["title"]
        assert text_of(data, "date", i) == wording.date_label(record)
        assert text_of(data, "place", i) == wording.place_label(record)
        if record["lat"] is None:
            assert points["lat"][i] == points["lon"][i] == columns.MISSING
        else:
            assert points["lat"][i] == round(record["lat"] * 1e6) and points["lon"][i] == round(record["lon"] * 1e6)
        assert bool(points["flags"][i] & columns.CONTEXT) == record["context"]
    days = (seed_events["day_min"].to_numpy(dtype="datetime64[D]") - np.datetime64("1970-01-01")).astype("int64")
    dated = seed_events["day_min"].notna().to_numpy()
    assert (points["dayMin"][dated] == days[dated]).all() and (points["dayMin"][~dated] == columns.MISSING).all()
    cards = data["cards"]
    assert cards["actorCount"].tolist() == [len(r["actors"]) for r in records]
    assert len(cards["actors"]) == 2 * cards["actorCount"].sum()
    assert len(cards["sources"]) == len(columns.SOURCE_FIELDS) * cards["sourceCount"].sum()
    assert strings[cards["sources"][columns.SOURCE_FIELDS.index("excerpt")]] == records[0]["sources"][0]["excerpt"]
    assert strings.count("Anna Mahjar-Barducci") == 1  # cited by every seed event, written once
    meta = data["meta"]
    assert sum(count for _, _, count in meta["categories"]) == 8  # legend rows count the events on the map
    assert [meta["places"][k] for k in points["place"]][:2] == [records[0]["place_name"], records[1]["place_name"]]


def test_seed_page_header_and_cited_by(seed_page):
    data = page_data(seed_page)
    meta = data["meta"]
    assert meta["counts"] == "15 events: 8 mapped, 7 unmapped"
    assert meta["filter"] == "Filter: none (all events)"
    assert meta["attribution"].startswith("Events: Anna Mahjar-Barducci")
    assert names.GEONAMES_CREDIT in meta["attribution"] and "made on 31 January 2026" in meta["attribution"]
    width = len(columns.SOURCE_FIELDS)
    rows = data["cards"]["sources"].reshape(-1, width)
    cited_by = {data["strings"][row[columns.SOURCE_FIELDS.index("cited_by")]] for row in rows}
    assert "Anna Mahjar-Barducci" in cited_by  # "cited by" names the citing source, not its id


def test_page_inlines_everything_and_asks_for_nothing(seed_page):
    markup = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", seed_page, flags=re.S)
    assert not re.search(r"\b(src|href)\s*=", markup)  # no external script, stylesheet or link in the markup
    assert not re.search(r"https?://(cdn|code\.jquery|cdnjs|netdna)", seed_page)
    inline = [text for attrs, text in scripts_of(seed_page) if not attrs]
    assert any("Leaflet" in text for text in inline) and any("IncidentMapPage" in text for text in inline)


def test_the_seed_export_stays_small_and_carries_the_layers_of_its_view(seed_page):
    assert len(seed_page.encode("utf-8")) < 3_000_000
    meta = page_data(seed_page)["meta"]
    assert {"admin1_boundaries", "admin1_labels", "rivers", "lakes", "claim_lines"} <= set(meta["layers"])
    labels = {f["properties"]["name"] for f in meta["layers"]["admin1_labels"]["features"]}
    assert "Pakistan-administered Kashmir (Azad Jammu and Kashmir)" in labels
    assert len(meta["towns"]) > 100 and any(t[0] == "Rawalpindi" for t in meta["towns"])
    assert any(f["properties"]["short"] == "Line of Control (de facto)" for f in meta["disputed"]["features"])


def test_payloads_stay_inside_the_data_blocks():
    events = frame.to_frame(payload_records())
    page = webmap.render_html(events, title=PAYLOADS[0], flt=Filter(text=PAYLOADS[3]))
    outside = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)
    for fragment in ("__pwned", "{{", "{%", "${", BAD_URL, "onerror", "<svg", "<img"):
        assert fragment not in outside
    for attrs, text in scripts_of(page):
        if attrs.get("type") == "application/json":
            assert "<" not in text and ">" not in text  # escaped as \u003c, \u003e
        assert "window.__pwned=1</script>" not in text
    data = page_data(page)
    assert data["meta"]["title"] == PAYLOADS[0]
    assert PAYLOADS[3] in data["meta"]["filter"]
    assert f"{TEMPLATE_PROBE} #5" in data["strings"] and not any("A49B" in s for s in data["strings"])
    assert BAD_URL in data["strings"]  # kept as data; the page decides it is not a link
    assert "A49B" not in page  # no template engine ran over any text


def test_large_sets_round_trip():
    records = synthetic_records(2500, seed=1)
    events = frame.to_frame(records)
    data = page_data(webmap.render_html(events))
    assert text_of(data, "title", 2499) == records[2499]["title"]
    assert data["points"]["category"].dtype == np.uint8


def test_colour_by_actor_greys_the_rest():
    cast = [[{"name": f"Group {k}", "role": "organiser"}] for k in range(12)]
    events = frame.to_frame([make_record(id=f"e{k}", actors=cast[k] * (1 + (k < 3))) for k in range(12)] + [
        make_record(id="nobody", actors=[])])  # fmt: skip
    encoded = columns.encode(events, color_by="actor")
    labels = [row[0] for row in encoded.categories]
    assert len(labels) == columns.TOP_ACTORS + 1 and labels[-1] == "other or no actor"
    assert encoded.categories[-1][1] == style.OTHER_COLOUR
    category = columns.decode(encoded)["points"]["category"].tolist()
    other = labels.index("other or no actor")
    assert category[-1] == other  # no actor at all
    assert sum(c == other for c in category) == 3  # two groups outside the top ten, and "nobody"


def test_online_tiles_are_an_option_with_attribution(seed_events):
    page = webmap.render_html(seed_events, tiles="osm")
    assert "tile.openstreetmap.org" in page and 'id="im-basemap"' not in page
    meta = page_data(page)["meta"]
    assert meta["basemap"] is False and meta["towns"] == [] and meta["layers"] == {}
    offline = page_data(webmap.render_html(seed_events))["meta"]
    assert offline["basemap"] is True and "tile.openstreetmap.org" not in webmap.render_html(seed_events)
    with pytest.raises(ValueError, match="tiles"):
        webmap.incident_map(seed_events, tiles="google")
    with pytest.raises(ValueError, match="color_by"):
        webmap.incident_map(seed_events, color_by="mood")


def test_counts_line_mentions_undated_left_out():
    assert wording.map_counts(1, 1) == "1 event: 1 mapped, 0 unmapped"
    expected = "12,000 events: 10,000 mapped, 2,000 unmapped; 3 undated events left out by the date filter"
    assert wording.map_counts(12000, 10000, 3, True) == expected
    assert wording.map_counts(5, 2, 1, True).endswith("; 1 undated event left out by the date filter")


def test_no_events_still_makes_a_page(seed_events):
    data = page_data(webmap.render_html(seed_events.iloc[0:0]))
    assert data["meta"]["counts"] == "0 events: 0 mapped, 0 unmapped"
    assert len(data["points"]["lat"]) == 0 and data["meta"]["towns"] == [] and data["meta"]["periods"] is None
    assert data["meta"]["attribution"].startswith("Events: none;")


def test_the_timeline_periods_cover_the_events(seed_events):
    meta = page_data(webmap.render_html(seed_events))["meta"]
    months = meta["periods"]["month"]
    assert meta["defaultStep"] == "month"
    assert months[0][2] == "1–31 August 2024" and months[-1][2] == "1–31 January 2026"  # context events do not stretch it
    assert all(b[0] == a[1] + 1 for a, b in zip(months, months[1:], strict=False))  # consecutive, no gaps


def test_html_export_through_the_cli(tmp_path):
    out = tmp_path / "map.html"
    done = run_cli("export", "html", "--out", str(out), "--type", "rally", "--title", "Rallies <b>only</b>", "--made", "2026-02-01")
    assert done.returncode == 0, done.stderr
    meta = page_data(out.read_text(encoding="utf-8"))["meta"]
    assert meta["title"] == "Rallies <b>only</b>"
    assert meta["filter"] == "Filter: type: rally"
    assert meta["counts"].startswith("1 event:")
    assert "made on 1 February 2026" in meta["attribution"]
    assert "html" in export.WRITERS


def test_html_export_says_what_a_place_filter_left_out(tmp_path, seed_events):
    out = tmp_path / "near.html"
    done = run_cli("export", "html", "--out", str(out), "--near", "33.5,73.9,100", "--made", "2026-02-01")
    assert done.returncode == 0, done.stderr
    counts = page_data(out.read_text(encoding="utf-8"))["meta"]["counts"]
    unmapped = int((seed_events.geometry.isna() | seed_events.geometry.is_empty).sum())
    assert unmapped and counts.endswith(f"; {wording.phrase('unmapped_left_out', unmapped)}")
