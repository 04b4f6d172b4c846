"""The briefing map (PNG, PDF, SVG): files that open, a key that matches the events, clear errors, stable bytes."""

from __future__ import annotations

import io
import os
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pypdf
import pytest
from PIL import Image

from geo import briefing, filters, style, wording
from geo.frame import is_mapped, to_records
from geo.names import GEONAMES_CREDIT
from tests.helpers import make_record, run_cli

MADE = date(2026, 3, 1)
SVG_NS = "{http://www.w3.org/2000/svg}"


def squash(text: str) -> str:
    """Text without any whitespace, so wrapped lines compare with their source."""
    return "".join(text.split())


def svg_texts(data: bytes) -> list[str]:
    """Every text element of an SVG, in drawing order."""
    root = ET.fromstring(data)
    return ["".join(node.itertext()) for node in root.iter(f"{SVG_NS}text")]


def render(events, fmt="svg", query="", **options) -> bytes:
    flt = filters.from_query(query)
    result = filters.apply(events, flt)
    return briefing.render(result.events, fmt=fmt, flt=flt, made_on=MADE, undated_excluded=result.undated_excluded, **options)


def expected_key(events) -> list[str]:
    """Titles of the mapped events in date order: by start date, undated last, then by title."""
    records = [r for r in to_records(events) if r["lat"] is not None]
    return [r["title"] for r in sorted(records, key=lambda r: (r["date_start"] or "9999", r["title"]))]


def key_from_svg(data: bytes) -> list[tuple[int, str]]:
    """(number, first line of title) pairs as the key draws them."""
    texts = svg_texts(data)
    start = texts.index("Key: events on the map, in date order") + 1
    return [(int(text), texts[i + 1]) for i, text in enumerate(texts[start:], start) if text.isdigit()]


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory):
    """The seed data exported through the CLI once per format (PNG twice, under different hash seeds)."""
    folder = tmp_path_factory.mktemp("briefing")
    common = ("--made", "2026-03-01", "--title", "Kashmir briefing: reported events")
    files = {}
    for fmt, extra, env in (
        ("png", (), {"PYTHONHASHSEED": "1"}),
        ("png2", (), {"PYTHONHASHSEED": "2"}),
        ("pdf", ("--from", "2025-01-01"), {}),
        ("svg", (), {}),
    ):
        path = folder / f"map.{fmt}"
        result = run_cli("export", fmt.rstrip("2"), "--out", str(path), *common, *extra, env=env)
        assert result.returncode == 0, result.stderr
        assert "Wrote" in result.stdout
        files[fmt] = path
    return files


def test_png_is_a_full_hd_slide_with_the_event_colours(cli_files, seed_events):
    image = Image.open(cli_files["png"])
    assert image.format == "PNG"
    assert image.size == (1920, 1080)
    pixels = image.convert("RGB")
    colours = {colour for _, colour in pixels.getcolors(maxcolors=1 << 20)}
    assert len(colours) > 50  # not blank
    mapped = seed_events[is_mapped(seed_events) & ~seed_events["context"]]
    for name, hex_colour in style.category_colours(sorted(set(seed_events["event_type"]))).items():
        if name in set(mapped["event_type"]):
            rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
            assert rgb in colours, f"no {name} marker drawn in {hex_colour}"


def test_png_has_no_timestamp_and_is_the_same_from_another_process(cli_files):
    data = cli_files["png"].read_bytes()
    assert data == cli_files["png2"].read_bytes()
    assert b"tIME" not in data and b"Software" not in data


def test_pdf_has_one_page_whose_text_holds_title_filter_and_every_source(cli_files, seed_events):
    reader = pypdf.PdfReader(cli_files["pdf"])
    assert len(reader.pages) == 1
    text = squash(reader.pages[0].extract_text())
    flt = filters.from_query("from=2025-01-01")
    shown = filters.apply(seed_events, flt).events
    assert squash("Kashmir briefing: reported events") in text
    assert squash(flt.describe()) in text
    labels = {wording.source_label(s) for sources in shown[is_mapped(shown)]["sources"] for s in sources}
    assert "News18" in labels
    for label in labels:
        assert squash(label) in text, label
    assert squash("Basemap: Natural Earth (public domain) via world-atlas") in text
    assert squash("Made on 1 March 2026") in text
    for title in shown[~is_mapped(shown)]["title"]:
        assert squash(title) in text  # unmapped events are listed, not dropped


def test_svg_parses_and_keeps_text_as_text(cli_files, seed_events):
    data = cli_files["svg"].read_bytes()
    texts = svg_texts(data)
    assert "Kashmir briefing: reported events" in texts
    assert "Line of Control (de facto boundary)" in texts
    assert "Filter: none (all events)" in texts
    assert any(text.startswith("Not on the map (no known place), 7 events") for text in texts)


def test_the_numbered_key_lists_mapped_events_in_date_order(cli_files, seed_events):
    key = key_from_svg(cli_files["svg"].read_bytes())
    titles = expected_key(seed_events)
    assert [number for number, _ in key] == list(range(1, len(titles) + 1)) == list(range(1, 9))
    for (_, first_line), title in zip(key, titles, strict=True):
        assert title.startswith(first_line), (first_line, title)
    assert titles[0] == "2008 Mumbai attacks" and titles[-1] == "Killing of Hamas leader Ismail Haniyeh in Tehran"
    entries = briefing.key_entries(seed_events)
    assert [e.title for e in entries] == titles
    assert entries[1].date == "August 2024 (month)" and entries[-1].date == "date unknown"


def test_one_event_gets_a_close_zoom(seed_events):
    data = render(seed_events, query="q=Pahalgam")
    assert key_from_svg(data) == [(1, "Attack on tourists in Pahalgam")]
    texts = svg_texts(data)
    scale = [t for t in texts if t.endswith(" km")]
    assert scale and float(scale[0].removesuffix(" km").replace(",", "")) <= 100  # a close-up, not a continent


def test_no_matching_event_gives_a_map_that_says_so(seed_events):
    data = render(seed_events, query="q=no-such-text-anywhere")
    texts = svg_texts(data)
    assert briefing.NO_EVENTS in texts
    assert key_from_svg(data) == []
    assert "Filter: text contains “no-such-text-anywhere”" in texts
    png = Image.open(io.BytesIO(render(seed_events, fmt="png", query="q=no-such-text-anywhere")))
    assert png.size == (1920, 1080) and len(png.convert("RGB").getcolors(maxcolors=1 << 20)) > 20


def test_only_unmapped_events_are_listed_not_drawn(seed_events):
    data = render(seed_events, query="q=Sindoor")
    texts = svg_texts(data)
    assert squash("None of the 2 matching events has a known place to map") in squash(" ".join(texts))
    assert key_from_svg(data) == []
    assert any(t.startswith("Not on the map (no known place), 2 events") for t in texts)


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_same_input_gives_the_same_bytes(seed_events, fmt):
    assert render(seed_events, fmt=fmt, query="from=2025-01-01") == render(seed_events, fmt=fmt, query="from=2025-01-01")


def test_a4_and_custom_sizes(seed_events):
    a4 = Image.open(io.BytesIO(render(seed_events, fmt="png", size="a4", dpi=150)))
    assert a4.size == (1754, 1240)  # 297 x 210 mm landscape at 150 dpi
    portrait = Image.open(io.BytesIO(render(seed_events, fmt="png", size="1200x1700", dpi=100)))
    assert portrait.size == (1200, 1700)


@pytest.mark.parametrize(
    ("size", "dpi", "message"),
    [
        ("banana", 150, "size: 'banana'"),
        ("100x100", 150, "600 to 12000"),
        ("9000x700", 150, "too narrow or too wide"),
        ("slide", 10, "dpi"),
    ],
)
def test_bad_size_or_dpi_is_a_clear_value_error(size, dpi, message):
    with pytest.raises(ValueError, match=message):
        briefing.page(size, dpi)


def test_user_text_is_drawn_literally(seed_events):
    title = "Costs of $5 and $6 <script>alert(1)</script> & more"
    data = briefing.render(seed_events, fmt="svg", title=title, made_on=MADE)
    root = ET.fromstring(data)
    assert not list(root.iter(f"{SVG_NS}script"))
    assert title in svg_texts(data)


def test_cli_bad_size_exits_nonzero_with_a_clear_message_and_no_file(tmp_path):
    out = tmp_path / "map.png"
    result = run_cli("export", "png", "--size", "banana", "--out", str(out))
    assert result.returncode != 0
    assert "size: 'banana' is not a4, slide, small or WIDTHxHEIGHT" in result.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_cli_bad_filter_exits_nonzero_with_a_clear_message_and_no_file(tmp_path):
    out = tmp_path / "map.pdf"
    result = run_cli("export", "pdf", "--from", "notadate", "--out", str(out))
    assert result.returncode == 2
    assert "from: 'notadate' is not a date" in result.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_formats_are_offered_by_the_cli():
    result = run_cli("export", "--help")
    assert result.returncode == 0
    for fmt in ("png", "pdf", "svg"):
        assert fmt in result.stdout
    assert os.environ.get("INCIDENT_MAP_STORE")  # tests never touch the user's store


# --- clusters and insets


def synthetic(points, place="Dadyal") -> object:
    """Events at (lat, lon) points, dated one a month in 2025, numbered in that order."""
    from geo import frame

    return frame.to_frame([make_record(id=f"e{i}", title=f"Event {i}", lat=lat, lon=lon, place_name=place,
                                       date_start=f"2025-{i % 12 + 1:02d}-15") for i, (lat, lon) in enumerate(points)])  # fmt: skip


KASHMIR = [(33.30, 73.70), (33.45, 73.85), (33.15, 73.75), (33.60, 73.60), (33.35, 74.00)]
KARACHI = [(24.86, 67.01), (24.95, 67.15), (24.80, 67.10), (25.05, 66.95)]
SPREAD = [(24.86, 67.01), (28.61, 77.21), (34.53, 69.17), (31.55, 74.35), (33.70, 73.05), (30.20, 71.47)]
LAYOUTS = {
    "one cluster": ([*KASHMIR, (24.86, 67.01), (28.61, 77.21), (34.53, 69.17)], [[0, 1, 2, 3, 4]]),
    "two clusters": ([*KARACHI, (34.08, 74.80), (34.20, 74.70), (33.95, 74.90), (34.10, 75.05), (28.61, 77.21)],
                     [[0, 1, 2, 3], [4, 5, 6, 7]]),  # fmt: skip
    "no cluster": (SPREAD, []),
    "all in one spot": ([(33.30, 73.70)] * 5, []),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_clusters_are_found_where_badges_would_collide(name):
    from geo.briefing import clusters
    from geo.briefing.extent import around, fit

    points, expected = LAYOUTS[name]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    extent = fit(around(lons, lats), 7.0, 4.3)
    found = clusters.find(lons, lats, extent, (7.0, 4.3), 0.17, (2.8, 2.15))
    assert sorted(sorted(c.members) for c in found) == expected
    for cluster in found:
        x0, y0, x1, y1 = cluster.extent
        mx, my = 0.05 * (x1 - x0), 0.05 * (y1 - y0)  # members sit inside the inset, none on its edge
        assert all(x0 + mx <= lons[i] <= x1 - mx and y0 + my <= lats[i] <= y1 - my for i in cluster.members)
        assert (x1 - x0) * clusters.MIN_ZOOM / 2.8 <= (extent[2] - extent[0]) / 7.0  # enlarged at least MIN_ZOOM times


def test_linked_groups_chain_neighbours_and_drop_small_groups():
    from geo.briefing.clusters import linked_groups

    xy = np.array([[0, 0], [1, 0], [2, 0], [10, 10], [10.5, 10], [30, 30], [30, 30.2], [30.1, 30], [30.2, 30.2]])
    assert linked_groups(xy, 1.1) == [[5, 6, 7, 8], [0, 1, 2]]
    assert linked_groups(xy, 1.1, min_size=2) == [[5, 6, 7, 8], [0, 1, 2], [3, 4]]
    assert linked_groups(xy[:0], 1.0) == []


@pytest.mark.parametrize(("name", "headings"), [
    ("one cluster", ["A: detail of events 1–5"]),
    ("two clusters", ["A: detail of events 1–4", "B: detail of events 5–8"]),
    ("no cluster", []),
    ("all in one spot", []),
])  # fmt: skip
def test_each_cluster_gets_an_inset_numbered_as_the_key(name, headings):
    events = synthetic(LAYOUTS[name][0])
    texts = svg_texts(briefing.render(events, fmt="svg", made_on=MADE))
    assert [t for t in texts if ": detail of " in t] == headings
    assert sum(t.endswith(" km") for t in texts) == 1 + len(headings)  # each inset has its own scale bar
    for number in range(1, len(events) + 1):
        assert texts.count(str(number)) == 2, number  # once on the map or in its inset, once in the key


def test_the_shipped_events_get_an_inset_on_kashmir_and_the_pdf_holds_its_labels(seed_events):
    pdf = pypdf.PdfReader(io.BytesIO(render(seed_events, fmt="pdf")))
    text = pdf.pages[0].extract_text()
    assert "A: detail of events 3–7" in text
    lines = set(text.splitlines())
    for place in ("Rawalakot", "Pahalgam", "Dadyal", "Gujranwala", "Mirpur"):
        assert place in lines, place  # named beside its badge in the inset, not only in the key
    assert "0 50 km" in squash(text).replace("050km", "0 50 km") or "50 km" in text
    assert squash(GEONAMES_CREDIT) in squash(text)
    texts = svg_texts(render(seed_events))
    for number in range(1, 9):
        assert texts.count(str(number)) == 2, number  # events 3-7 are numbered in the inset only, not with leaders on the main map


def test_a_briefing_of_one_event_names_its_place_on_the_map(seed_events):
    texts = svg_texts(render(seed_events, query="q=Pahalgam"))
    assert "Pahalgam" in texts  # a label of its own beside the badge
    assert any(t.startswith("22 April 2025 (day), Pahalgam") for t in texts)  # and the key says where


def test_counts_use_singular_and_plural(seed_events):
    texts = " ".join(svg_texts(render(seed_events, query="q=sanctions")))
    assert "0 of 1 event on the map" in texts
    assert "1 with no known place listed under the map" in texts
    assert "Not on the map (no known place), 1 event:" in texts
    assert "The only matching event has no known place to map" in squash(texts) or squash(wording.none_mapped(1)) in squash(texts)
    undated = " ".join(svg_texts(render(seed_events, query="from=2025-01-01")))
    assert wording.undated_left_out(5) in undated


# --- the page is used


def white_rows(data: bytes) -> tuple[int, int, int]:
    """(blank rows above the content, below it, longest blank band inside it) of a PNG."""
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
    blank = (pixels >= 250).all(axis=1)
    inked = np.flatnonzero(~blank)
    longest = run = 0
    for row in blank[inked[0] : inked[-1]]:
        run = run + 1 if row else 0
        longest = max(longest, run)
    return inked[0], len(blank) - 1 - inked[-1], longest


@pytest.mark.parametrize("query", ["", "q=Pahalgam", "q=no-such-text"])
@pytest.mark.parametrize(("size", "dpi"), [("slide", 150), ("a4", 100), ("1200x1700", 100), ("small", 150)])
def test_no_empty_band_and_no_text_off_the_page(seed_events, query, size, dpi):
    data = render(seed_events, fmt="png", query=query, size=size, dpi=dpi)
    page = briefing.page(size, dpi)
    margin_px = 0.3 * page.scale * dpi
    top, bottom, band = white_rows(data)
    assert bottom <= 1.3 * margin_px and top <= 1.3 * margin_px  # the margin, and the space above capitals / below descenders
    assert band < 0.04 * page.height * dpi
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
    assert (pixels[:, -int(margin_px * 0.8) :] >= 250).all()  # wrapped text stays inside the right margin


def test_shaded_areas_count_the_events_by_map_point_and_the_legend_says_so(seed_events):
    pdf = briefing.render(seed_events, fmt="pdf", made_on=date(2026, 1, 31), shade_areas=True)
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Shade: events per first-level area (province, state), by map point; 8 events counted" in text
    assert "Geodetic" not in text  # no axis labels come with the shapes
    plain = briefing.render(seed_events, fmt="png", made_on=date(2026, 1, 31))
    shaded = briefing.render(seed_events, fmt="png", made_on=date(2026, 1, 31), shade_areas=True)
    assert plain != shaded
    assert style.count_classes(3) == [(1, 1), (2, 2), (3, 3)] and style.count_classes(37)[-1] == (31, 37)
