"""The web map's binary columns and masks, and a million points in headless Chromium (network blocked).

What the page decodes must be exactly what was exported (unicode, empty and missing texts included); the
events the page shows for a filter (the app's mask and the timeline's period) must be the ones ``geo.filters``
keeps; and on a page of a million points a click on one event's point opens that event's card.
Timings live in bench/page.py, never here.
"""

from __future__ import annotations

import base64
import gzip
import struct
import zlib
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from bench.synthetic import synthetic_records
from geo import filters, frame, webmap, wording
from geo.schema import FIELDS
from geo.webmap import columns, component
from tests.helpers import make_record
from tests.test_webmap import page_data, text_of
from tests.test_webmap_reading import open_map, write_map

ODD_TEXTS = ["", "naïve café — ☕", "日本語の見出し", "emoji 🧭 and a\nnewline", "  spaces  ", "\u2028 line separator", "<b>&amp;</b>"]


def odd_events():
    """Events whose texts are unicode, empty or missing, with sources that cite each other and odd actors."""
    records = []
    for k, text in enumerate(ODD_TEXTS):
        sources = [
            {"id": "a", "publisher": text, "author": "", "title": "", "url": "https://example.org/" + str(k), "date": "",
             "kind": "news report", "excerpt": text * 2, "cited_by": ""},
            {"id": "b", "publisher": "", "author": "", "title": "", "url": "", "date": "2025-01", "kind": "social media post",
             "excerpt": "", "cited_by": "a" if k % 2 else "missing-id"},
        ]  # fmt: skip
        records.append(make_record(id=f"odd-{k}", title=text or "untitled", description=text, claim=text, date_note=text,
                                   actors=[{"name": text or "someone", "role": text}] * (k % 3), tags=[text] if text else [],
                                   sources=sources))
    events = frame.to_frame(records)
    events.loc[1, "claim"] = None  # a missing text reads as ""
    events.loc[2, "fatalities"] = pd.NA
    return events


def test_every_card_field_decodes_to_the_exported_event():
    events = odd_events()
    data = page_data(webmap.render_html(events))
    records = frame.to_records(events)
    cards = data["cards"]
    starts = {name: np.concatenate([[0], np.cumsum(cards[f"{name}Count"], dtype=np.int64)]) for name in ("actor", "tag", "source")}
    width = len(columns.SOURCE_FIELDS)
    for i, record in enumerate(records):
        for page_column, field in columns._TEXT_COLUMNS:
            value = record[field]
            assert text_of(data, page_column, i) == ("" if pd.isna(value) else value), (i, page_column)
        assert text_of(data, "date", i) == wording.date_label(record)
        assert text_of(data, "place", i) == wording.place_label(record)
        assert text_of(data, "fatalities", i) == wording.fatalities_label(record)
        actors = [data["strings"][k] for k in cards["actors"][2 * starts["actor"][i]:2 * starts["actor"][i + 1]]]
        assert actors == [text for a in record["actors"] for text in (a["name"], a["role"])]
        assert [data["strings"][k] for k in cards["tags"][starts["tag"][i]:starts["tag"][i + 1]]] == record["tags"]
        flat = [data["strings"][k] for k in cards["sources"][width * starts["source"][i]:width * starts["source"][i + 1]]]
        rows = [dict(zip(columns.SOURCE_FIELDS, flat[s:s + width], strict=True)) for s in range(0, len(flat), width)]
        labels = [wording.source_label(s) for s in record["sources"]]
        assert [r["label"] for r in rows] == labels
        assert [r["excerpt"] for r in rows] == [s["excerpt"] for s in record["sources"]]
        assert [r["url"] for r in rows] == [s["url"] for s in record["sources"]]
        # "cited by" names the citing source by its label when the event has it, else as written
        assert rows[1]["cited_by"] == (labels[0] if i % 2 else "missing-id")
    assert pd.isna(records[1]["claim"]) and text_of(data, "claim", 1) == ""


def test_text_columns_read_from_a_store_in_several_batches_encode_as_in_one():
    # A store read as Arrow hands over text columns in batches (65,536 rows each from a GeoPackage): chunked columns.
    events = odd_events()
    batched = events.copy()
    for _, field in columns._TEXT_COLUMNS:
        texts = [None if pd.isna(v) else v for v in events[field]]
        batched[field] = pa.chunked_array([texts[:3], texts[3:]], type=pa.string()).to_pandas()
    assert page_data(webmap.render_html(batched))["strings"] == page_data(webmap.render_html(events))["strings"]


def test_the_string_table_is_utf8_bytes_with_offsets():
    encoded = columns.encode(odd_events())
    decoded = columns.decode(encoded)
    assert {"offsets", "text"} == {name for name, *_ in encoded.layout["strings"]}
    assert all(text in decoded["strings"] for text in ODD_TEXTS)
    repeated = decoded["strings"].count("news report")
    assert repeated == 1  # a repeated text is written once


def test_no_events_encode_to_empty_columns_and_a_table_of_the_empty_text():
    decoded = columns.decode(columns.encode(frame.to_frame([])))
    assert decoded["strings"] == [""]
    assert all(len(values) == 0 for values in (*decoded["points"].values(), *decoded["cards"].values()))


def test_blobs_deflated_in_slices_are_one_gzip_member_of_the_parts(monkeypatch):
    parts = [np.arange(1000, dtype="<i4"), b"", pa.py_buffer("ŝ texts €".encode() * 300), b"\0" * 5, np.zeros(3, dtype="<u2")]
    whole = b"".join(memoryview(part).cast("B").tobytes() for part in parts)
    assert columns.gzip_parts({"one": parts})["one"] == gzip.compress(whole, compresslevel=1, mtime=0)  # one slice: as gzip's own
    monkeypatch.setattr(columns, "_SLICE", 777)  # slices across and inside the parts
    blobs = columns.gzip_parts({"sliced": parts, "empty": []})
    assert gzip.decompress(blobs["sliced"]) == whole
    assert gzip.decompress(blobs["empty"]) == b""


def test_each_slice_of_the_string_table_inflates_on_its_own_to_its_bytes():
    parts = [np.arange(5000, dtype="<u4"), pa.py_buffer("ŝ texts € 日本".encode() * 900), b"\0" * 3]
    whole = b"".join(memoryview(part).cast("B").tobytes() for part in parts)
    blob, (size, lengths, total) = columns.sliced_gzip(parts, 1000)
    assert gzip.decompress(blob) == whole and total == len(whole) and len(lengths) == -(-total // size)
    start = 10
    for k, length in enumerate(lengths):
        body = blob[start:start + length] + (b"" if k == len(lengths) - 1 else b"\x03\x00")  # as the page ends a slice
        assert zlib.decompress(body, wbits=-zlib.MAX_WBITS) == whole[k * size:(k + 1) * size], k
        start += length
    assert blob[start:] == struct.pack("<II", zlib.crc32(whole), total)


def test_the_page_reads_every_events_texts_from_a_string_table_in_many_slices(offline_page, tmp_path, monkeypatch):
    """With slices far smaller than the texts (texts across slice boundaries), what the page reads for each event's card,
    inflating only the slices it needs, is exactly what was exported."""
    monkeypatch.setattr(columns, "STRING_SLICE", 997)
    events = pd.concat([odd_events(), frame.to_frame(synthetic_records(120, seed=3))], ignore_index=True)
    html = webmap.render_html(events)
    data = page_data(html)
    assert len(data["meta"]["stringSlices"][1]) > 50
    (tmp_path / "sliced.html").write_text(html, encoding="utf-8")
    page = open_map(offline_page, tmp_path / "sliced.html")
    read = page.evaluate("(ids) => Promise.all(ids.map((id) => window.incidentMap.textsOf(id)))", events["id"].tolist())
    cards, width = data["cards"], len(columns.SOURCE_FIELDS)
    starts = {name: np.concatenate([[0], np.cumsum(cards[f"{name[:-1]}Count"], dtype=np.int64)]) for name in ("actors", "tags", "sources")}
    per_item = {"actors": 2, "tags": 1, "sources": width}
    for i, texts in enumerate(read):
        for column, value in texts.items():
            if column in starts:
                run = cards[column][per_item[column] * starts[column][i]:per_item[column] * starts[column][i + 1]]
                assert value == [data["strings"][k] for k in run], (i, column)
            else:
                assert value == text_of(data, column, i), (i, column)
    assert {"id", "title", "description", "sources"} <= set(read[0])


def damaged_page(tmp_path, monkeypatch, column: str, pick) -> tuple:
    """A page of 120 events whose string table (in 997-byte slices) is damaged in the slice holding the ``column`` text
    of the first event ``pick(events)`` yields that lies past the ids' slices: the page's path, the events, that event."""
    monkeypatch.setattr(columns, "STRING_SLICE", 997)
    events = frame.to_frame(synthetic_records(120, seed=5))
    html = webmap.render_html(events)
    data = page_data(html)
    layout = {name: offset for name, _, offset, _ in data["meta"]["layout"]["strings"]}
    size, lengths, _ = data["meta"]["stringSlices"]
    name = next(key for key in data["blocks"] if key.endswith("-strings"))
    blob = bytearray(base64.b64decode(data["blocks"][name]))
    offsets = np.frombuffer(gzip.decompress(bytes(blob)), dtype="<u4", count=len(data["strings"]) + 1, offset=layout["offsets"])

    def slice_of(code: int) -> int:
        return (layout["text"] + int(offsets[code])) // size

    last_id_slice = slice_of(int(data["cards"]["id"].max()) + 1)
    victim = next(i for i in pick(events) if slice_of(data["cards"][column][i]) > last_id_slice)
    k = slice_of(data["cards"][column][victim])
    start = 10 + sum(lengths[:k])
    blob[start:start + lengths[k]] = b"\xff" * lengths[k]  # not deflate data
    (tmp_path / "damaged.html").write_text(html.replace(data["blocks"][name], base64.b64encode(bytes(blob)).decode()), encoding="utf-8")
    return tmp_path / "damaged.html", events, victim


def test_a_card_whose_slice_of_texts_is_damaged_says_it_cannot_be_read(offline_page, tmp_path, monkeypatch):
    """A page whose string table is damaged in one slice (not the ids') still draws and lists; the card of an event
    whose description lies in that slice says in its popup that it could not be read."""
    path, events, victim = damaged_page(tmp_path, monkeypatch, "description",
                                        lambda events: np.flatnonzero(frame.is_mapped(events).to_numpy())[::-1])
    page = open_map(offline_page, path)
    assert page.evaluate(f"() => window.incidentMap.openEvent({events['id'][victim]!r})")
    page.locator(".im-popup").get_by_text("The source card could not be read:").wait_for()
    assert page.evaluate("() => window.incidentMap.markerCount()") > 0


def test_a_panel_page_whose_texts_are_damaged_says_so_and_the_cards_still_open(offline_page, tmp_path, monkeypatch):
    """When the slice holding an unmapped event's title is damaged, the panel says its cards could not be read, and the
    map still opens the card of an event whose texts are whole."""
    path, events, _ = damaged_page(tmp_path, monkeypatch, "title", lambda events: np.flatnonzero(~frame.is_mapped(events).to_numpy()))
    page = open_map(offline_page, path)
    page.locator("#im-unmapped").get_by_text("The source cards could not be read:").wait_for()
    first = events["id"][np.flatnonzero(frame.is_mapped(events).to_numpy())[0]]
    assert page.evaluate(f"() => window.incidentMap.openEvent({first!r})")
    page.locator(f".im-popup .im-card[data-event-id={first!r}]").wait_for()


def test_the_pages_mask_and_period_show_what_geo_filters_keeps(offline_page, tmp_path):
    events = frame.to_frame(synthetic_records(3000, seed=7))
    page = open_map(offline_page, write_map(tmp_path, events, name="masked.html"))
    flt = filters.Filter(types=("protest", "rally"), text="synthetic", include_context=False,
                         date_from=date(2024, 2, 1), date_to=date(2025, 11, 30))
    args = component.filter_args(filters.match(events, flt, any_date=True), flt)
    first, last, _ = args["dates"]
    ids = page.evaluate(f"""() => {{
        const hook = window.incidentMap;
        hook.showOnly(Uint8Array.fromBase64("{args['mask']}"));
        hook.timeline.selectDays({first}, {last}, "test");
        return hook.shownIds();
    }}""")
    expected = filters.apply(events, flt).events
    assert ids == expected["id"].tolist() and 100 < len(ids) < len(events)
    assert base64.b64decode(args["mask"])  # the mask itself is not empty


def million_events(n: int = 1_000_000) -> tuple[pd.DataFrame, dict]:
    """``n`` events at 400 spots in a 2-degree square in Pakistan (the map stacks them), and one event on its own."""
    spot = np.arange(n) % 400
    lat = 31.0 + (spot // 20) * 0.1
    lon = 72.0 + (spot % 20) * 0.1
    lone = {"id": "lone-event", "title": "The one event on its own", "lat": 34.0, "lon": 71.5}
    table = pd.DataFrame({name: "" for name in FIELDS if name not in ("lat", "lon")}, index=pd.RangeIndex(n))
    table["id"] = pd.Series(np.char.add("e", np.arange(n).astype(str)), dtype="str")
    table["title"] = "A stacked event"
    table["event_type"] = np.where(spot % 3, "protest", "rally")
    table["context"] = False
    table["date_start"] = "2025-03-01"
    table["date_precision"] = "day"
    table["place_name"] = "Somewhere"
    table["country"] = "PK"
    table["location_precision"] = "town"
    table["fatalities"] = None
    empty = [[] for _ in range(n)]
    table["actors"] = table["tags"] = table["sources"] = empty
    table["lat"], table["lon"] = lat, lon
    table.loc[n - 1, ["id", "title", "lat", "lon"]] = [lone["id"], lone["title"], lone["lat"], lone["lon"]]
    return frame.table_to_frame(table), lone


def test_a_click_on_one_point_among_a_million_opens_its_card(offline_page, tmp_path):
    events, lone = million_events()
    path = write_map(tmp_path, events, name="million.html")
    page = offline_page.page
    page.goto(path.as_uri())
    page.wait_for_function("() => window.incidentMap && window.incidentMap.drawn", timeout=120_000)
    assert page.evaluate("() => window.incidentMap.markerCount()") == len(events)
    where = "(ll) => { const p = window.incidentMap.map.latLngToContainerPoint(ll); return [p.x, p.y]; }"
    x, y = page.evaluate(where, [lone["lat"], lone["lon"]])
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    card = page.locator(".leaflet-popup-content .im-card")
    card.wait_for(timeout=120_000)
    assert card.get_attribute("data-event-id") == lone["id"]
    assert card.locator(".im-title").text_content() == lone["title"]
    # a spot of the stacked events lists how many are there
    x, y = page.evaluate(where, [31.0, 72.0])
    assert len(page.evaluate(f"() => window.incidentMap.eventIdsAt({x}, {y})")) >= (len(events) - 1) // 400
    assert offline_page.problems == []
