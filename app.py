"""The Streamlit app: filter reported incidents, see them on a map, a timeline and a table, check every source.

A thin layer: it reads the view from the URL, calls ``geo`` for everything
else (loading, filtering, counts, rows, source cards, maps, exports) and
draws.  User text is shown only through escaped markdown (``views.md``),
``st.text`` or tables; no HTML is built here.  Run with ``./dev run``.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import streamlit as st

from geo import events as event_data
from geo import export, filters, views
from geo.schema import LOCATION_PRECISIONS
from geo.style import category_colours

DATE_RANGE = {"min_value": date(1900, 1, 1), "max_value": date(2100, 12, 31), "format": "YYYY-MM-DD"}
FILTER_KEYS = ("f_from", "f_to", "f_actors", "f_types", "f_countries", "f_q", "f_precision", "f_context")

state = st.session_state


# ---------------------------------------------------------------- data


@st.cache_resource(max_entries=2, show_spinner="Loading events…")
def load_events(stamp: object):
    """All events, loaded once per version of the data (``stamp``); never mutated by the app."""
    return event_data.load_file()


@st.cache_resource(max_entries=2)
def choices(stamp: object) -> dict[str, list[tuple[str, int]]]:
    """The filter choices with their event counts, once per version of the data."""
    events = load_events(stamp)
    return {"actors": views.actor_counts(events), "types": views.value_counts(events, "event_type"),
            "countries": views.value_counts(events, "country")}


def data_stamp() -> object:
    return event_data.SEED_FILE.stat().st_mtime_ns


# ---------------------------------------------------------------- URL <-> filter widgets


def read_url_once() -> None:
    """Set the filter widgets from the URL when the session starts; keep the problems to show."""
    if "url_problems" in state:
        return
    flt, problems, view = views.parse_view({key: st.query_params.get_all(key) for key in st.query_params})
    state.url_problems = problems
    state.v_screenshot = view.get("mode") == "screenshot"
    state.update(f_from=flt.date_from, f_to=flt.date_to, f_actors=list(flt.actors), f_types=list(flt.types),
                 f_countries=list(flt.countries), f_q=flt.text, f_precision=flt.precision, f_context=flt.include_context)


def write_url(flt: filters.Filter) -> None:
    """Put the current view in the URL, so it can be bookmarked and shared."""
    want = views.url_params(flt, {"mode": "screenshot" if state.v_screenshot else ""})
    if want != {key: st.query_params.get_all(key) for key in st.query_params}:
        st.query_params.from_dict(want)


def counted(pairs: list[tuple[str, int]], chosen: list[str]) -> tuple[list[str], dict[str, int]]:
    """Options for a multiselect: every known value plus chosen ones no event has (count 0)."""
    counts = dict(pairs)
    return [name for name, _ in pairs] + [c for c in chosen if c not in counts], counts


def sidebar_filter(stamp: object) -> filters.Filter:
    """The filter widgets; returns the filter they describe."""
    side = st.sidebar
    side.header("Filter")
    left, right = side.columns(2)
    left.date_input("From", key="f_from", **DATE_RANGE)
    right.date_input("To", key="f_to", **DATE_RANGE)
    options = choices(stamp)
    for key, label, pairs, name in (("f_actors", "Actors", options["actors"], str),
                                    ("f_types", "Event types", options["types"], str),
                                    ("f_countries", "Countries", options["countries"], views.country_label)):
        values, counts = counted(pairs, state[key])
        side.multiselect(label, values, key=key, format_func=lambda v, c=counts, n=name: f"{n(v)} ({c.get(v, 0):,})")
    side.text_input("Text search", key="f_q", help="Found in titles, descriptions, places, actors and sources.")
    side.selectbox("Location at least as precise as", ["", *LOCATION_PRECISIONS[:-1]], key="f_precision",
                   format_func=lambda p: p or "any (including unmapped)")
    side.toggle("Show context (background) events", key="f_context")
    side.toggle("Screenshot mode (map and legend only)", key="v_screenshot")
    values = dict(date_from=state.f_from, date_to=state.f_to, actors=tuple(state.f_actors), types=tuple(state.f_types),
                  countries=tuple(state.f_countries), text=state.f_q.strip(), precision=state.f_precision,
                  include_context=state.f_context)
    try:
        return filters.Filter(**values)
    except filters.FilterError as error:
        side.error(views.md(f"{error}: the end date is ignored."))
        return filters.Filter(**{**values, "date_to": None})


# ---------------------------------------------------------------- views


def timeline(shown) -> None:
    data, aggregated = views.timeline_data(shown)
    if data.empty:
        st.caption("No dated events in this view.")
        return
    colours = category_colours(sorted(data["type"].unique()))
    colour = alt.Color("type:N", title="Type", scale=alt.Scale(domain=list(colours), range=list(colours.values())))
    if aggregated:
        chart = alt.Chart(data).mark_bar().encode(
            x=alt.X("month:T", title="Month"), y=alt.Y("count:Q", title="Events"), color=colour,
            tooltip=[alt.Tooltip("month:T", format="%B %Y"), "type:N", "count:Q"])
        st.caption("Events per month (an event known only to a month or year counts in its first month).")
    else:
        base = alt.Chart(data).encode(y=alt.Y("type:N", title=None), color=colour,
                                      tooltip=["title:N", "date:N", "type:N", "precision:N"])
        spans = base.transform_filter("datum.span").mark_bar(opacity=0.35, height=12).encode(
            x=alt.X("start:T", title="Date"), x2="end:T")
        days = base.transform_filter("!datum.span").mark_circle(size=90, opacity=0.9).encode(x="start:T")
        chart = spans + days
        st.caption("Dots: events known to the day. Bars: events known only to the month, year or approximately (the whole period).")
    st.altair_chart(chart, width="stretch")


def table_and_card(shown) -> None:
    """The table of events; the selected row's source card beside it."""
    rows = views.table_rows(shown)
    if len(shown) > len(rows):
        st.caption(f"Showing the first {len(rows):,} of {len(shown):,} events (earliest first); download CSV for all of them.")
    table, card = st.columns([3, 2])
    with table:
        picked = st.dataframe(rows, key="table", on_select="rerun", selection_mode="single-row", hide_index=True, height=420)
    selected = [i for i in picked.selection.rows if i < len(rows)]
    with card:
        if not selected:
            st.info("Select a row to see the event's sources, excerpts and verification.")
            return
        st.markdown(views.source_card(event_data.to_records(shown.iloc[selected[:1]])[0]))


def downloads(shown, flt: filters.Filter, undated_excluded: int) -> None:
    st.subheader("Download this view")
    made_on = date.today()
    stem = f"incidents-{made_on.isoformat()}"
    left, right = st.columns(2)
    left.download_button("GeoJSON", lambda: export.geojson_text(shown), f"{stem}.geojson", "application/geo+json")
    right.download_button("CSV (spreadsheet-safe)", lambda: export.csv_text(shown), f"{stem}.csv", "text/csv")
    st.caption(views.md(flt.describe()) + (f" — {undated_excluded} undated event(s) left out." if undated_excluded else ""))


# ---------------------------------------------------------------- page


def main() -> None:
    mode_screenshot = st.query_params.get("mode") == "screenshot"
    st.set_page_config(page_title="Reported incidents", layout="wide",
                       initial_sidebar_state="collapsed" if mode_screenshot else "expanded")
    stamp = data_stamp()
    events = load_events(stamp)
    read_url_once()
    flt = sidebar_filter(stamp)
    write_url(flt)
    result = filters.apply(events, flt)
    shown = views.ordered(result.events)

    st.title("Reported incidents")
    for problem in state.url_problems:
        st.error(views.md(f"Ignored a bad URL parameter: {problem}"))
    st.markdown(f"**{views.md(views.counts_text(len(events), shown, result.undated_excluded))}**")
    note = views.date_note(shown, flt, result.undated_excluded)
    if note:
        st.caption(views.md(note))
    for empty in views.empty_choice_notes(events, flt):
        st.warning(views.md(empty))
    if shown.empty:
        st.warning(views.md(f"No events match this filter. {flt.describe()}"))

    st.subheader("Timeline")
    timeline(shown)
    st.subheader("Events")
    table_and_card(shown)
    with st.expander(f"Unmapped events in this view ({int((~event_data.is_mapped(shown)).sum()):,})"):
        st.dataframe(views.unmapped_rows(shown), hide_index=True)
    downloads(shown, flt, result.undated_excluded)


main()
