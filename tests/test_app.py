"""The Streamlit app through streamlit.testing.v1.AppTest: it starts, filters, keeps the view in the URL, shows sources."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import ROOT

DADYAL_TITLE = "JeM rally in Dadyal honouring Hamas members and Palestinians"


def start(**params) -> AppTest:
    """The app, run once with these URL query parameters (lists for repeated keys)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def titles(at: AppTest) -> list[str]:
    return list(at.dataframe(key="table").value["Title"])


def counts(at: AppTest) -> str:
    return at.markdown[0].value


def test_starts_with_every_event_like_the_unfiltered_export(seed_events):
    at = start()
    assert not at.error
    assert len(titles(at)) == len(seed_events) == 15
    assert counts(at) == "**15 of 15 events; 7 unmapped, 7 context**"
    assert sum(t.endswith("(context)") for t in titles(at)) == 7
    assert dict(at.query_params) == {}


@pytest.mark.parametrize(
    ("key", "value", "expected", "param"),
    [
        ("f_from", date(2025, 11, 1), 4, ("from", "2025-11-01")),
        ("f_to", date(2024, 12, 31), 3, ("to", "2024-12-31")),
        ("f_actors", ["Naji Zaheer"], 3, ("actor", "Naji Zaheer")),
        ("f_types", ["rally"], 2, ("type", "rally")),
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
    assert "5 event(s) with no known date are left out by the date range" in at.caption[0].value.replace("\\", "")
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
    assert len(titles(at)) == 2  # the good parameter still applies
    assert at.query_params == {"type": "rally"}
    at = start(colour="red", to="2025-01-01", **{"from": "2025-12-01"})
    assert [e.value.split("\\:")[1] for e in at.error] == [" colour", " to"]
    assert len(titles(at)) == 3  # from=2025-12-01 still applies


def test_a_choice_with_no_results_says_so():
    at = start(actor="Naji Zaheer", type=["attack", "meeting"])
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert "No events for type “attack” with the other filters." in warnings
    at = start(q="no such words anywhere")
    assert any("No events match this filter" in w.value.replace("\\", "") for w in at.warning)


def test_selecting_a_row_shows_the_source_card():
    at = start(**{"from": "2025-11-01", "to": "2025-12-31"})
    at.session_state["table"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    card = next(m.value for m in at.markdown if m.value.startswith("#### "))
    text = card.replace("\\", "")
    for part in (DADYAL_TITLE, "29 November 2025 (day)", "Dadyal", "Masood Ilyas Kashmiri", "organiser", "Verification:** reported",
                 "“On November 29, 2025, JeM organised a rally in Dadyal"):
        assert part in text


def test_unmapped_events_are_listed():
    at = start(context="0")
    unmapped = at.dataframe[1].value
    assert sorted(unmapped["Title"]) == ["Funeral prayers led by Hafiz Abdul Rauf shortly after Operation Sindoor",
                                         "Kashmir Solidarity Day events across Pakistan-administered Kashmir"]
