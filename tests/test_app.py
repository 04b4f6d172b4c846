"""The Streamlit app through streamlit.testing.v1.AppTest: it starts, filters, keeps the view in the URL, shows sources."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import time
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo import ingest
from geo.names import GEONAMES_CREDIT, NATURAL_EARTH_CREDIT
from tests.helpers import ROOT, run_cli

DADYAL_TITLE = "JeM rally in Dadyal honouring Hamas members and Palestinians"


def start(map_drawn: bool = True, **params) -> AppTest:
    """The app, run once with these URL query parameters (lists for repeated keys), as its page is once the map has
    reported that it has drawn its events (AppTest runs no component), or with ``map_drawn=False`` before that."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(params)
    if map_drawn:
        at.session_state["map_drawn"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def opened(at: AppTest, *keys: str) -> AppTest:
    """The app after the reader opens these expanders (``x_form``, ``x_unmapped``, ``x_areas``) and it reruns: their
    contents are made only while they are open."""
    for key in keys:
        at.session_state[key] = True
    return at.run()


def titles(at: AppTest) -> list[str]:
    return list(at.dataframe(key="table").value["Title"])


def counts(at: AppTest) -> str:
    return at.markdown[0].value


def test_starts_with_every_event_like_the_unfiltered_export(seed_events, tmp_path):
    at = start()
    assert not at.error
    assert len(titles(at)) == len(seed_events) == 15
    assert run_cli("export", "csv", "--out", str(tmp_path / "all.csv")).returncode == 0
    exported = pd.read_csv(tmp_path / "all.csv", keep_default_na=False)
    assert sorted(t.removesuffix(" (context)") for t in titles(at)) == sorted(exported["title"])
    assert counts(at) == "**15 of 15 events; 7 unmapped, 7 context**"
    assert sum(t.endswith("(context)") for t in titles(at)) == 7
    assert dict(at.query_params) == {}


@pytest.mark.parametrize(
    ("key", "value", "expected", "param"),
    [
        ("f_from", date(2025, 11, 1), 4, ("from", "2025-11-01")),
        ("f_to", date(2024, 12, 31), 3, ("to", "2024-12-31")),
        ("f_actors", ["Naji Zaheer"], 3, ("actor", "Naji Zaheer")),
        ("f_types", ["rally"], 1, ("type", "rally")),
        ("f_countries", ["IN"], 2, ("country", "IN")),
        ("f_q", "Dadyal", 1, ("q", "Dadyal")),
        ("f_precision", "town", 8, ("precision", "town")),
        ("f_context", False, 8, ("context", "0")),
    ],
)
def test_each_filter_changes_the_table_and_the_url(key, value, expected, param):
    at = start()
    widget = next(w for w in at.sidebar if getattr(w, "key", None) == key)
    widget.set_value(value).run()
    assert not at.exception
    assert len(titles(at)) == expected
    assert at.query_params[param[0]] in (param[1], [param[1]])


def test_url_parameters_set_the_filters():
    at = start(**{"from": "2025-11-01", "to": "2025-12-31"})
    assert titles(at) == [DADYAL_TITLE]
    assert counts(at) == "**1 of 15 events; 5 undated left out**"
    assert at.caption[0].value.replace("\\", "") == "5 undated events left out by the date filter."
    assert at.date_input(key="f_from").value == date(2025, 11, 1)

    at = start(actor=["Naji Zaheer", "Hafiz Abdul Rauf"], type="meeting", q="doha", context="0")
    assert at.multiselect(key="f_actors").value == ["Naji Zaheer", "Hafiz Abdul Rauf"]
    assert at.multiselect(key="f_types").value == ["meeting"]
    assert at.text_input(key="f_q").value == "doha"
    assert at.toggle(key="f_context").value is False
    assert len(titles(at)) == 1 and titles(at)[0].startswith("Meeting in Doha")


def test_bad_parameters_give_a_message_and_the_app_still_works():
    at = start(**{"from": "notadate", "type": "rally"})
    assert [e.value.replace("\\", "") for e in at.error] == ["Ignored a bad URL parameter: from: 'notadate' is not a date (use YYYY-MM-DD)"]
    assert titles(at) == [DADYAL_TITLE]  # the good parameter still applies
    assert at.query_params == {"type": "rally"}
    at = start(colour="red", to="2025-01-01", **{"from": "2025-12-01"})
    assert [e.value.split("\\:")[1] for e in at.error] == [" colour", " to"]
    assert len(titles(at)) == 3  # from=2025-12-01 still applies


def test_a_choice_with_no_results_says_so():
    at = start(actor="Naji Zaheer", type=["attack", "meeting"])
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert warnings == ["No events for type “attack” with the other filters."]
    at = start(q="no such words anywhere")
    assert [w.value.replace("\\", "") for w in at.warning] == [
        "No events match this filter. Filter: text contains “no such words anywhere”"]


def test_a_bad_url_and_no_match_give_one_clear_message_each():
    at = start(actor="Nobody", **{"from": "notadate"})
    assert [e.value.replace("\\", "") for e in at.error] == ["Ignored a bad URL parameter: from: 'notadate' is not a date (use YYYY-MM-DD)"]
    assert [w.value.replace("\\", "") for w in at.warning] == [
        "No event has actor “Nobody”, and none of the 26 actors the events have is close."]
    assert counts(at) == "**0 of 15 events**"
    assert not at.dataframe and not at.expander[:-1]  # no empty table or list
    texts = " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.info])
    assert "map point" not in texts  # nothing here says anything of unmapped events in an empty view


def test_a_near_miss_in_the_url_names_the_closest_known_value():
    at = start(actor="Naji Zahir")
    assert [w.value.replace("\\", "") for w in at.warning] == ["No event has actor “Naji Zahir”; the closest known: “Naji Zaheer”."]


def test_url_values_match_without_regard_to_case_and_take_the_datas_spelling():
    at = start(actor="masood ilyas KASHMIRI", type="RALLY")
    assert at.multiselect(key="f_actors").value == ["Masood Ilyas Kashmiri"] and at.multiselect(key="f_types").value == ["rally"]
    assert titles(at) == [DADYAL_TITLE] and not at.warning
    assert at.query_params == {"actor": "Masood Ilyas Kashmiri", "type": "rally"}


def test_selecting_a_row_shows_the_source_card():
    at = start(**{"from": "2025-11-01", "to": "2025-12-31"})
    at.session_state["table"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    card = next(m.value for m in at.markdown if m.value.startswith("#### "))
    text = card.replace("\\", "")
    for part in (DADYAL_TITLE, "29 November 2025 (day)", "Dadyal", "Masood Ilyas Kashmiri", "organiser", "Verification:** reported",
                 "“On November 29, 2025, JeM organised a rally in Dadyal"):
        assert part in text


def test_a_sessions_first_page_is_the_map_and_its_counts_and_the_rest_follows_once_the_map_has_drawn():
    """Until the map reports that it has drawn its events, the page holds the map, its counts and the sidebar's heading
    (so the map keeps its width): the browser draws the map before it lays out the filters and the table."""
    at = start(map_drawn=False, type="rally")
    assert len(at.get("component_instance")) == 1 and counts(at).startswith("**1 of 15 events")
    assert [h.value for h in at.sidebar.header] == ["Filter"] and not at.sidebar.multiselect and not at.dataframe
    assert "The filters follow once the map has drawn its events." in [c.value for c in at.sidebar.caption]
    at.session_state["map_drawn"] = True  # as map_changed sets it when the page reports {drawn: 1} (AppTest runs no component)
    at.run()
    assert at.multiselect(key="f_types").value == ["rally"] and titles(at) == [DADYAL_TITLE]
    assert not [c for c in at.caption if "has not drawn" in c.value]


def test_the_first_page_builds_the_rest_after_the_wait_when_the_map_never_reports():
    """A map that never reports (its page failed to load) does not keep the filters away: after ``MAP_WAIT_SECONDS`` the
    page builds the rest."""
    at = start(map_drawn=False)
    assert not at.dataframe
    at.session_state["map_wait_since"] = time.monotonic() - 60
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="f_actors") and len(titles(at)) == 15
    assert len([c for c in at.caption if c.value.startswith("The map has not drawn its events yet")]) == 1


def test_screenshot_mode_shows_only_the_map():
    at = start(mode="screenshot", type="rally", **{"from": "notadate"})
    assert len(at.get("component_instance")) == 1
    assert not at.title and not at.dataframe and not at.get("download_button")
    assert not at.main.markdown and not at.main.caption and not at.expander and not at.error and not at.warning  # no counts, lists
    assert at.query_params == {"type": "rally", "mode": "screenshot"}
    at.toggle(key="v_screenshot").set_value(False).run()
    assert at.title and titles(at) == [DADYAL_TITLE] and at.query_params == {"type": "rally"}


def test_the_map_gets_the_filter_and_no_header_the_page_has_it(seed_events):
    at = start(type="rally", **{"from": "2025-11-01"})
    [component] = at.get("component_instance")
    args = json.loads(component.proto.json_args)
    assert "header" not in args
    assert args["dates"] == [(date(2025, 11, 1) - date(1970, 1, 1)).days, None, "from 1 November 2025"]
    mask = base64.b64decode(args["mask"])  # the type filter; the page's timeline applies the dates
    shown = [i for i in range(len(seed_events)) if (mask[i >> 3] >> (i & 7)) & 1]
    assert seed_events.iloc[shown]["event_type"].tolist() == ["rally"]
    assert at.title[0].value == "Reported incidents" and counts(at).startswith("**1 of 15 events")


def test_the_map_fetches_its_events_from_files_beside_its_page_named_by_their_content(seed_events):
    """The events go to the map once per store revision as files the page fetches (Streamlit is slow with large binary
    arguments): the component's argument is the files' names, and the files joined are the whole payload of every event."""
    from geo.webmap import component

    at = start(type="rally")
    [instance] = at.get("component_instance")
    names = json.loads(instance.proto.json_args)["payload"]
    paths = [component.component_dir() / name for name in names]
    assert all(name.startswith("events-") for name in names) and all(path.is_file() for path in paths)
    meta = json.loads(gzip.decompress(component.unpack(b"".join(path.read_bytes() for path in paths))["meta"]))
    assert meta["count"] == len(seed_events)  # every event, not only the filter's: the page applies the mask
    assert at.session_state["map_sent"]  # sent: the next run gives the page no file name, only the mask
    at.run()
    assert json.loads(at.get("component_instance")[0].proto.json_args)["payload"] is None



def test_a_payload_is_published_in_pieces_that_join_into_it_and_only_the_newest_payloads_are_kept(tmp_path, monkeypatch):
    """Streamlit's server holds a file it sends in memory: a payload goes in pieces, which the page fetches in turn."""
    from geo.webmap import component

    monkeypatch.setattr(component, "PUBLISHED_PIECE", 10)
    earlier = tmp_path / "events-0123456789abcdef01234567.bin"  # the one file an earlier release wrote
    earlier.write_bytes(b"old")
    os.utime(earlier, (1, 1))
    blobs = [bytes([number]) * 25 for number in range(component.PUBLISHED_KEPT)]
    published = [component.publish(blob, tmp_path) for blob in blobs]
    assert [len(names) for names in published] == [3] * component.PUBLISHED_KEPT
    assert all(name.endswith(".gz") for names in published for name in names)  # Streamlit serves them uncompressed
    assert [b"".join((tmp_path / name).read_bytes() for name in names) for names in published] == blobs
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(name for names in published for name in names)
    assert component.publish(blobs[0], tmp_path) == published[0]  # the same content: the same files

def test_the_component_folders_of_other_releases_go_once_unused_for_a_week(tmp_path, monkeypatch):
    """Each release writes its component page to a folder of its own; an old release's folder (its page and payload
    files) is removed once nothing has used it for a week, a release still in use keeps its folder."""
    from geo import diskcache
    from geo.webmap import component

    monkeypatch.setenv("INCIDENT_MAP_CACHE_DIR", str(tmp_path))
    old, recent = tmp_path / "component-0ld", tmp_path / "component-rec3nt"
    for folder in (old, recent):
        folder.mkdir()
        for name in ("index.html", "events-1.bin"):
            (folder / name).write_text("another release")
    long_ago = time.time() - (diskcache.UNUSED_DAYS + 1) * 86400
    for used in (old / "index.html", old / "events-1.bin", recent / "index.html"):
        os.utime(used, (long_ago, long_ago))  # recent's payload file was fetched today
    folder = component.component_dir()
    assert (folder / "index.html").read_text() == component.component_page()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([folder.name, recent.name])
    os.utime(folder / "index.html", (long_ago, long_ago))
    assert component.component_dir() == folder and (folder / "index.html").stat().st_mtime > long_ago  # in use again


def test_the_date_boxes_stand_one_above_the_other():
    at = start()
    for key in ("f_from", "f_to"):
        box = at.date_input(key=key)
        assert box.label in ("From", "To") and box in list(at.sidebar.date_input)
    assert not at.sidebar.columns  # full sidebar width each, so "2025-11-01" is not cut


def test_the_table_shows_date_title_type_and_place_side_by_side():
    at = start(type="rally")
    table = at.dataframe(key="table")
    widths = {name: config["width"] for name, config in json.loads(table.proto.columns).items() if "width" in config}
    assert list(table.value.columns[:4]) == ["Date", "Title", "Type", "Place"]
    assert sum(widths[c] for c in ("Date", "Title", "Type", "Place")) <= 900  # the main column at 1400 px, sidebar open
    assert all(isinstance(w, int) and w >= 100 for w in widths.values())
    assert len(table.value) == 1


def test_geonames_is_credited_under_the_map_and_at_the_place_search():
    at = opened(start(), "x_form")
    credits = [c.value.replace("\\", "") for c in at.caption]
    assert f"Basemap: {NATURAL_EARTH_CREDIT}. {GEONAMES_CREDIT}." in credits
    assert f"Offline gazetteer. {GEONAMES_CREDIT}." in credits


def test_download_buttons_for_the_current_view():
    at = start(type="rally")
    closed = [b.proto.label for b in at.get("download_button")]
    labels = [b.proto.label for b in opened(at, "x_areas").get("download_button")]
    assert closed == labels[1:]
    assert labels == ["Counts per province or state (CSV)", "Map (HTML, works offline)", "GeoJSON", "CSV (spreadsheet-safe)",
                      "Briefing image (PNG)", "Google Earth (KMZ)", "Google Earth (KML)", "GeoPackage (QGIS, GDAL)", "GeoParquet"]


def test_provinces_and_states_filter_by_map_point_and_keep_the_url():
    at = start(admin1="AJK")
    assert counts(at).startswith("**3 of 15 events")
    assert at.multiselect(key="f_admin1").value == ["Pakistan-administered Kashmir (Azad Jammu and Kashmir)"]
    assert at.query_params["admin1"] == "Pakistan-administered Kashmir (Azad Jammu and Kashmir)"
    at = start(near="33.3122,73.7035,13")
    assert counts(at).startswith("**1 of 15 events; 7 with no map point left out")
    assert at.query_params["near"] == "33.3122,73.7035,13" and at.button(key="b_clear_area")
    at.button(key="b_clear_area").click().run()
    assert counts(at).startswith("**15 of 15 events") and "near" not in at.query_params


def test_the_form_and_the_lists_below_the_table_are_made_only_while_open():
    at = start()
    assert [e.label for e in at.expander] == ["Events without a map point in this view (7)",
                                              "Events per province or state, and per country", "Add or edit an event"]
    assert len(at.dataframe) == 1 and "e_title" not in [w.key for w in at.text_input]  # only the table; no form
    at = opened(at, "x_unmapped", "x_areas", "x_form")
    assert len(at.dataframe) == 4 and at.text_input(key="e_title")


def test_unmapped_events_are_listed():
    at = opened(start(context="0"), "x_unmapped")
    unmapped = at.dataframe[1].value
    assert sorted(unmapped["Title"]) == ["Funeral prayers led by Hafiz Abdul Rauf shortly after Operation Sindoor",
                                         "Kashmir Solidarity Day events across Pakistan-administered Kashmir"]


# ---------------------------------------------------------------- the add/edit/delete form, through a private store


@pytest.fixture
def own_store(tmp_path, monkeypatch):
    """A fresh store, seeded from the shipped events, for one test."""
    path = tmp_path / "events.gpkg"
    monkeypatch.setenv("INCIDENT_MAP_STORE", str(path))
    ingest.add_shipped_events(ingest.open_store(path))
    return path


def fill_form(at: AppTest, **fields) -> AppTest:
    """Open the form, type into it (keys without the ``e_`` prefix) and run."""
    at.session_state["x_form"] = True
    for name, value in fields.items():
        at.session_state[f"e_{name}"] = value
    return at.run()


NEW_EVENT = {
    "title": "Rally in Dadyal against price rises",
    "event_type": "protest",
    "date_precision": "day",
    "date_start": "2026-02-10",
    "place_reported": "Dadyal bazaar",
    "actors_text": "Traders' Union | organiser",
    "s0_publisher": "Test Wire",
    "s0_excerpt": "Traders marched through Dadyal on 10 February.",
    "claim": "Reported by Test Wire",
    "verification": "reported",
}


def test_the_form_adds_an_event_through_the_store(own_store):
    at = start()
    fill_form(at, place_query="Dadyal")
    picks = at.radio(key="e_pick").options
    assert any(p.startswith("Dayal, Pakistan-administered Kashmir") for p in picks) and picks[-1] == "No map point (unmapped)"
    at.radio(key="e_pick").set_value(next(p for p in picks if p.startswith("Dayal"))).run()
    fill_form(at, **NEW_EVENT)
    assert not at.warning  # not a duplicate: no shared actor
    at.button(key="b_save").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.replace("\\", "").startswith("Saved “Rally in Dadyal against price rises” (1 added")
    assert counts(at).startswith("**16 of 16 events")
    assert "Rally in Dadyal against price rises" in titles(at)
    saved = [r for r in ingest.open_store(own_store).history() if r["action"] == "add" and r["origin"] == "app: form"]
    assert len(saved) == 1 and saved[0]["new"]["lat"] == pytest.approx(33.31222) and saved[0]["new"]["country"] == "PK"
    assert at.text_input(key="e_title").value == ""  # the form is cleared for the next event


def test_the_form_requires_a_source_excerpt_and_saves_nothing_without_it(own_store):
    at = start()
    fill_form(at, **{**NEW_EVENT, "s0_excerpt": ""})
    at.button(key="b_save").click().run()
    assert any(e.value.replace("\\", "").startswith("sources[1].excerpt: missing") for e in at.error)
    assert counts(at).startswith("**15 of 15 events")


def test_a_likely_duplicate_is_pointed_out_before_saving(own_store):
    at = start()
    fill_form(at, place_query="Dadyal")
    at.radio(key="e_pick").set_value(next(p for p in at.radio(key="e_pick").options if p.startswith("Dayal"))).run()
    fill_form(at, **{**NEW_EVENT, "date_start": "2025-11-30", "actors_text": "Jaish-e-Muhammad (JeM) | organiser"})
    warning = at.warning[0].value.replace("\\", "")
    assert warning.startswith("Likely duplicate") and "mahjar-barducci-dadyal-jem-rally" in warning
    at.button(key="b_save").click().run()
    assert any("looks like an event already recorded" in e.value.replace("\\", "") for e in at.error)
    assert counts(at).startswith("**15 of 15 events")
    at.checkbox(key="e_dup_ok").check().run()
    at.button(key="b_save").click().run()
    assert at.success and counts(at).startswith("**16 of 16 events")


def select_row(at: AppTest, title: str) -> AppTest:
    at.session_state["table"] = {"selection": {"rows": [titles(at).index(title)], "columns": []}}
    return at.run()


def test_delete_asks_for_confirmation_and_is_audited(own_store):
    from geo import ingest

    at = select_row(start(), DADYAL_TITLE)
    at.button(key="b_delete").click().run()
    assert DADYAL_TITLE in titles(at)  # nothing deleted yet
    assert at.warning[0].value.replace("\\", "").startswith(f"Delete “{DADYAL_TITLE}”")
    at.button(key="b_delete_no").click().run()
    assert not at.warning and DADYAL_TITLE in titles(at)
    at.button(key="b_delete").click().run()
    at.button(key="b_delete_yes").click().run()
    assert DADYAL_TITLE not in titles(at) and counts(at).startswith("**14 of 14 events")
    [entry] = ingest.open_store(own_store).history("mahjar-barducci-dadyal-jem-rally", limit=1)
    assert entry["action"] == "delete" and entry["origin"] == "app: delete" and entry["old"]["title"] == DADYAL_TITLE


def test_edit_loads_the_event_and_saves_the_change(own_store):
    from geo import ingest

    at = select_row(start(), DADYAL_TITLE)
    at.button(key="b_edit").click().run()
    assert at.text_input(key="e_title").value == DADYAL_TITLE
    assert at.radio(key="e_pick").value.startswith("Keep the current point: Dadyal")
    assert at.text_area(key="e_s0_excerpt").value.startswith("On November 29, 2025, JeM organised a rally")
    fill_form(at, verification="corroborated")
    at.button(key="b_save").click().run()
    assert not at.error and counts(at).startswith("**15 of 15 events")
    assert ingest.open_store(own_store).get("mahjar-barducci-dadyal-jem-rally")["verification"] == "corroborated"
    [entry] = ingest.open_store(own_store).history("mahjar-barducci-dadyal-jem-rally", limit=1)
    assert entry["action"] == "update" and entry["new"] == {"verification": "corroborated"}


def test_an_empty_store_says_how_to_import_or_add_events(tmp_path, monkeypatch):
    store = tmp_path / "empty.gpkg"
    monkeypatch.setenv("INCIDENT_MAP_STORE", str(store))
    at = start()
    [note] = [i.value for i in at.info]
    assert note.startswith("**No events yet** in the store")
    assert f"` .venv/bin/incident-map import --shipped-events --store {store} `" in note
    assert f"` .venv/bin/incident-map import FILE --store {store} `" in note and "template csv" in note
    assert not at.get("component_instance") and not at.dataframe and not at.sidebar.multiselect  # no empty map or table
    assert at.expander[0].label == "Add or edit an event" and at.text_input(key="e_title")
    fill_form(at, **NEW_EVENT)
    at.button(key="b_save").click().run()
    assert not at.exception and not at.error
    assert counts(at).startswith("**1 of 1 event")
    assert titles(at) == ["Rally in Dadyal against price rises"]


def test_an_edit_of_an_event_someone_changed_meanwhile_is_refused_naming_them(own_store):
    from geo import stores

    at = select_row(start(), DADYAL_TITLE)
    at.button(key="b_edit").click().run()
    colleague = stores.open_store(own_store)
    event = colleague.get("mahjar-barducci-dadyal-jem-rally")
    colleague.upsert([{**event, "fatalities": 0}], origin="colleague's form")
    fill_form(at, verification="corroborated")
    at.button(key="b_save").click().run()
    [error] = [e.value.replace("\\", "") for e in at.error]
    assert error.startswith(f"Not saved: mahjar-barducci-dadyal-jem-rally: changed by {colleague.by} (colleague's form) at 20")
    assert "revision 2; you loaded revision 1. Your edit is still in the form" in error
    assert at.selectbox(key="e_verification").value == "corroborated"
    assert colleague.get("mahjar-barducci-dadyal-jem-rally") == {**event, "fatalities": 0}


def test_a_read_only_role_sees_no_form_and_no_edit_buttons(postgis_server, monkeypatch):
    from geo import stores
    from tests import postgis

    database = postgis_server.new_database()
    ingest.add_shipped_events(stores.open_store(postgis_server.url(database, postgis.EDITOR)))
    monkeypatch.setenv("INCIDENT_MAP_STORE", postgis_server.url(database, postgis.READER))
    at = select_row(start(), DADYAL_TITLE)
    assert counts(at) == "**15 of 15 events; 7 unmapped, 7 context**"
    assert "On November 29, 2025, JeM organised a rally" in "".join(m.value for m in at.markdown)  # the source card shows
    assert [b.key for b in at.button] == [] and not [e for e in at.expander if "Add or edit" in e.label]
    [note] = [i.value.replace("\\", "") for i in at.info if "may view and export" in i.value.replace("\\", "")]
    assert note.startswith("You are signed in to this store as ben, who may view and export events but not add, edit or delete them")


def test_the_page_imports_no_image_export_or_place_search_library_until_asked():
    """Opening the app imports neither matplotlib (the briefing image) nor the export writers nor the duplicate check:
    a download or the form imports them when used (a fresh process, so that no other test's imports count)."""
    script = ("import sys; from streamlit.testing.v1 import AppTest; at = AppTest.from_file('app.py', default_timeout=120); "
              "at.session_state['map_drawn'] = True; at.run(); "
              "assert not at.exception, at.exception; print(sorted(m for m in {'matplotlib', 'geo.export', 'geo.briefing', "
              "'geo.duplicates'} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
