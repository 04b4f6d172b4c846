"""The Streamlit app: filter reported incidents, see them on a map, a timeline and a table, check every source.

A thin layer: it reads the view from the URL, calls ``geo`` for everything
else (loading, filtering, counts, rows, source cards, maps, exports) and
draws.  User text is shown only through escaped markdown (``views.md``),
``st.text`` or tables; no HTML is built here.  Run with ``./dev run``.

The map comes first: a run reads the filter from the session's state, matches it
(a mask over the events, cached per store revision and view) and draws the map
(its events go to the browser once per store revision: the events and their map
payload are cached in ``geo.app.cached``, which the launcher fills while the server
starts, and what is derived from them here; a filter change sends only the mask),
and only then the counts above it, the sidebar's choices, the table, the counts
per area, the downloads and the form.  A session's first page holds only the map
and its counts until the map reports it has drawn its events (or ``MAP_WAIT_SECONDS``
have passed): the browser then draws the map before it loads and lays out the
sidebar's widgets and the table, not after them.  The map reports it a moment after
it has drawn, or as soon as the reader opens a card (``webmap/streamlit.js``), so a
reader's first click on it does not wait behind the rest of the page.
What only a download, the form or its place search needs (matplotlib, folium's
export page, the gazetteer) is imported when it is used; the form and the lists
below the table are made only while their expanders are open.
"""

from __future__ import annotations

import time
from datetime import date
from urllib.parse import urlsplit

import streamlit as st
from streamlit.components.v1 import declare_component

from geo import areas, filters, frame, ingest, stores, wording
from geo.app import cached, views
from geo.app import form as entry
from geo.app.cached import TITLE, area_names, choices, load_events, map_folder, map_payload, open_store
from geo.names import GEONAMES_CREDIT
from geo.schema import DATE_PRECISIONS, EVENT_TYPES, FATALITY_QUALIFIERS, LOCATION_PRECISIONS, VERIFICATION_STATUSES
from geo.webmap import component

SCREENSHOT_CSS = "<style>header, [data-testid='stToolbar'] {display: none !important} .block-container {padding: 0.5rem 1rem}</style>"
DATE_RANGE = {"min_value": date(1900, 1, 1), "max_value": date(2100, 12, 31), "format": "YYYY-MM-DD"}
MAP_WAIT_SECONDS = 8
"""The longest a session's first page waits for the map to draw before it builds the rest (the filters, the table)."""
LATE_MAP_NOTE = "The map has not drawn its events yet; the filters and the table are shown without it."

state = st.session_state


# ---------------------------------------------------------------- URL <-> filter widgets


def read_url_once(events) -> None:
    """Set the filter widgets from the URL when the session starts (values spelled as the events spell them);
    keep the problems to show."""
    if "url_problems" in state:
        return
    flt, problems, view = views.parse_view({key: st.query_params.get_all(key) for key in st.query_params})
    flt = filters.spelled_as_known(flt, events)
    state.url_problems = problems
    state.v_screenshot = view.get("mode") == "screenshot"
    state.update(f_from=flt.date_from, f_to=flt.date_to, f_actors=list(flt.actors), f_types=list(flt.types),
                 f_countries=list(flt.countries), f_admin1=list(flt.admin1), f_q=flt.text, f_precision=flt.precision,
                 f_context=flt.include_context, f_near=flt.near, f_within=flt.within)


def write_url(flt: filters.Filter) -> None:
    """Put the current view in the URL, so it can be bookmarked and shared."""
    want = views.url_params(flt, {"mode": "screenshot" if state.v_screenshot else ""})
    if want != {key: st.query_params.get_all(key) for key in st.query_params}:
        st.query_params.from_dict(want)


def counted(pairs: list[tuple[str, int]], chosen: list[str]) -> tuple[list[str], dict[str, int]]:
    """Options for a multiselect: every known value plus chosen ones no event has (count 0)."""
    counts = dict(pairs)
    return [name for name, _ in pairs] + [c for c in chosen if c not in counts], counts


def current_filter() -> filters.Filter:
    """The filter the widgets describe, read from the session's state (the widgets keep their values there, so the map
    can be drawn before them); an end date before the start is ignored, and the sidebar says so."""
    values = dict(date_from=state.f_from, date_to=state.f_to, actors=tuple(state.f_actors), types=tuple(state.f_types),
                  countries=tuple(state.f_countries), admin1=tuple(state.f_admin1), text=state.f_q.strip(),
                  precision=state.f_precision, include_context=state.f_context, near=state.get("f_near"),
                  within=state.get("f_within"))
    try:
        return filters.Filter(**values)
    except filters.FilterError as error:
        st.sidebar.error(views.md(f"{error}: the end date is ignored."))
        return filters.Filter(**{**values, "date_to": None})


def sidebar_filter(stamp: tuple[str, str]) -> None:
    """The filter widgets, with every choice's count of events."""
    side = st.sidebar
    side.header("Filter")
    side.date_input("From", key="f_from", **DATE_RANGE)
    side.date_input("To", key="f_to", **DATE_RANGE)
    options = choices(*stamp)
    for key, label, pairs, name in (("f_actors", "Actors", options["actors"], str),
                                    ("f_types", "Event types", options["types"], str),
                                    ("f_countries", "Countries", options["countries"], views.country_label),
                                    ("f_admin1", "Provinces, states (by map point)", options["admin1"], str)):
        values, counts = counted(pairs, state[key])
        side.multiselect(label, values, key=key, format_func=lambda v, c=counts, n=name: f"{n(v)} ({c.get(v, 0):,})")
    area = views.drawn_area_text(state.get("f_near"), state.get("f_within"))
    if area:
        side.caption(views.md(area))
        side.button("Clear the area drawn on the map", key="b_clear_area", on_click=clear_area)
    else:
        side.caption("Draw a circle, rectangle or polygon on the map to keep only the events inside it.")
    side.text_input("Text search", key="f_q", help="Found in titles, descriptions, places, actors and sources.")
    side.selectbox("Location at least as precise as", ["", *LOCATION_PRECISIONS[:-1]], key="f_precision",
                   format_func=lambda p: p or "any (including unmapped)")
    side.toggle("Show context (background) events", key="f_context")
    side.toggle("Screenshot mode (map and legend only)", key="v_screenshot")


def clear_area() -> None:
    """Forget the area drawn on the map (the map is told to remove its outline)."""
    state.f_near = state.f_within = None


# ---------------------------------------------------------------- views


@st.cache_resource
def map_component_beside():
    """The map's Streamlit component, served from ``map_folder()`` beside the app."""
    return declare_component("incident_map", path=str(map_folder()))


@st.cache_resource
def map_component_at(url: str):
    """The map's Streamlit component as the page at ``url`` (``component.page_url_apart``)."""
    return declare_component(f"incident_map_via_{urlsplit(url).hostname.replace('.', '_')}", url=url)


def map_component():
    """The map's component for this session: its page under this machine's other name when the browser came at one of
    them, so that it draws in a process of its own (``component.page_url_apart``), else beside the app."""
    beside = map_component_beside()
    url = component.page_url_apart(st.context.url, beside.name, st.get_option("server.address") or "")
    return beside if url is None else map_component_at(url)


@st.cache_resource(max_entries=8)
def matched(path: str, revision: str, query: str, _flt: filters.Filter) -> filters.Match:
    """Which events the view ``query`` (``filters.to_query``) keeps in one store revision, with every key but the dates
    for the map (``filters.match``): once per view, not again on a rerun that changes no filter."""
    return filters.match(load_events(path, revision), _flt, any_date=True)


def event_map(stamp, flt: filters.Filter, found: filters.Match, height: int, screenshot: bool = False) -> None:
    """The offline web map (the export's folium page) as a component: it gets all events once per store revision,
    then only which of them to show and the dates, so a filter change redraws the points without reloading the map."""
    revision = "|".join(stamp)
    send = state.get("map_sent") != revision  # once per revision; the page asks again if it lost it (a reload)
    state.map_sent = revision
    map_component()(revision=revision, payload=map_payload(*stamp) if send else None,
                    **component.filter_args(found, flt), screenshot=screenshot, height=height, key="map",
                    on_change=map_changed, default=None)


def map_changed() -> None:
    """The map asked for its events again, or the reader opened an event's card on the map (show it below, in place
    of the table's selection), selected a period on its timeline (it becomes the date filter) or drew an area."""
    value = state.get("map") or {}
    if value.get("drawn"):
        state.map_drawn = True
        state.pop("map_late", None)
    if value.get("asks", 0) != state.get("map_asks", 0):  # the page has not got this revision's events: send them
        state.map_asks = value.get("asks", 0)
        state.pop("map_sent", None)
    if value.get("picks", 0) != state.get("map_picks", 0):
        state.map_picks = value.get("picks", 0)
        state.card_id = value.get("pick")
    if value.get("ranges", 0) != state.get("map_ranges", 0):
        state.map_ranges = value.get("ranges", 0)
        state.f_from, state.f_to = views.range_dates(value.get("range"))
    if value.get("areas", 0) != state.get("map_areas", 0):
        state.map_areas = value.get("areas", 0)
        state.f_near, state.f_within = views.drawn_area(value.get("area"))


def table_picked() -> None:
    state.pop("card_id", None)


TABLE_COLUMNS = {
    "Date": st.column_config.TextColumn(width=170),
    "Title": st.column_config.TextColumn(width=320),
    "Type": st.column_config.TextColumn(width=110),
    "Place": st.column_config.TextColumn(width=250),
    "Actors": st.column_config.TextColumn(width=260),
    "Sources": st.column_config.TextColumn(width=200),
    "Verification": st.column_config.TextColumn(width=110),
}
"""The table's column widths (pixels): date, title, type and place fit side by side on a laptop screen."""


@st.cache_resource(max_entries=8)
def table_rows(path: str, revision: str, query: str, _head):
    """The table's rows of the first events (``_head``) of the view ``query`` (``filters.to_query``) shows in one store
    revision: made once per view, not again on each rerun that changes no filter (a card opened, a form field typed)."""
    return views.table_rows(_head)


def table_and_card(stamp, flt: filters.Filter, shown, may_write: bool) -> None:
    """The table of events (as many rows high as it has rows, up to ten), and below it the selected event's source card
    (with edit and delete buttons for a user who may write)."""
    head = views.ordered(shown, views.TABLE_LIMIT)
    rows = table_rows(*stamp, filters.to_query(flt), head)
    if len(shown) > len(rows):
        st.caption(f"Showing the first {len(rows):,} of {len(shown):,} events (earliest first); download CSV for all of them.")
    picked = st.dataframe(rows, key="table", on_select=table_picked, selection_mode="single-row", hide_index=True,
                          column_config=TABLE_COLUMNS)
    selected = [i for i in picked.selection.rows if i < len(rows)]
    on_map = shown[shown["id"] == state.get("card_id")] if state.get("card_id") else shown.iloc[:0]
    if on_map.empty and not selected:
        st.info("Select a row, or click a point on the map, to see the event's sources, excerpts and verification.")
        return
    row = on_map.iloc[:1] if not on_map.empty else head.iloc[selected[:1]]
    record, revision = frame.to_records(row)[0], int(row["revision"].iloc[0])
    with st.container(border=True):
        st.markdown(views.source_card(record))
        if may_write:
            edit, delete, _ = st.columns([1, 1, 3])
            edit.button("Edit this event", key="b_edit", on_click=start_edit, args=(record, revision))
            delete.button("Delete this event", key="b_delete", on_click=state.update,
                          kwargs={"pending_delete": record, "pending_delete_revision": revision})


def counts_per_area(stamp, shown) -> None:
    """The counts per first-level area (by map point) and per country (by the events' own country) of the view."""
    by_area = areas.area_counts(shown, "admin1", admin1=area_names(*stamp)[shown.index])
    left, right = st.columns(2)
    left.dataframe(views.area_table(by_area), hide_index=True)
    right.dataframe(views.area_table(areas.area_counts(shown, "country")), hide_index=True)
    st.download_button("Counts per province or state (CSV)", lambda: exported("counts_csv", by_area), "incidents-per-area.csv",
                       "text/csv")


GIS_DOWNLOADS = (("kmz", "Google Earth (KMZ)", "application/vnd.google-earth.kmz"),
                 ("kml", "Google Earth (KML)", "application/vnd.google-earth.kml+xml"),
                 ("gpkg", "GeoPackage (QGIS, GDAL)", "application/geopackage+sqlite3"),
                 ("parquet", "GeoParquet", "application/vnd.apache.parquet"))


def exported(name: str, *args, **kwargs):
    """``geo.export``'s ``name`` called when a download button is pressed (the module is imported then, not before)."""
    from geo import export

    return getattr(export, name)(*args, **kwargs)


def downloads(shown, flt: filters.Filter, result: filters.FilterResult) -> None:
    """The download buttons; each file is made when its button is pressed."""
    st.subheader("Download this view")
    made_on = date.today()
    stem = f"incidents-{made_on.isoformat()}"
    options = {"title": TITLE, "flt": flt, "made_on": made_on, "undated_excluded": result.undated_excluded}
    left, middle, right, last = st.columns(4)
    left.download_button("Map (HTML, works offline)", lambda: exported("file_bytes", "html", shown, **options,
                         unmapped_excluded=result.unmapped_excluded), f"{stem}.html", "text/html")
    middle.download_button("GeoJSON", lambda: exported("geojson_text", shown), f"{stem}.geojson", "application/geo+json")
    right.download_button("CSV (spreadsheet-safe)", lambda: exported("csv_text", shown), f"{stem}.csv", "text/csv")
    last.download_button("Briefing image (PNG)", lambda: exported("file_bytes", "png", shown, **options), f"{stem}.png", "image/png")
    for column, (fmt, label, mime) in zip(st.columns(4), GIS_DOWNLOADS, strict=True):
        column.download_button(label, lambda f=fmt: exported("file_bytes", f, shown, **options, unmapped_excluded=result.unmapped_excluded),
                               f"{stem}.{fmt}", mime)
    left_out = wording.undated_left_out(result.undated_excluded) if result.undated_excluded else ""
    st.caption(views.md(flt.describe() + (f" — {left_out}." if left_out else "")))


# ---------------------------------------------------------------- add, edit, delete

FORM_FIELDS = (*entry.TEXT_INPUTS, "actors_text", "tags_text", "fatalities", "location_precision", "place_name", "admin1", "country")
NO_POINT = "No map point (unmapped)"


def start_edit(record: dict, revision: int) -> None:
    """Put ``record``, as loaded at ``revision``, into the form for editing."""
    clear_form()
    values = entry.form_values(record)
    for name in FORM_FIELDS:
        state[f"e_{name}"] = values[name]
    state.e_context = values["context"]
    state.e_nsources = max(1, len(values["sources"]))
    for index, source in enumerate(values["sources"]):
        for name, value in source.items():
            state[f"e_s{index}_{name}"] = value
    state.edit_original = record
    state.edit_revision = revision
    state.x_form = True
    state.e_current = values["candidate"]


def clear_form() -> None:
    for key in [k for k in state if k.startswith("e_")] + ["edit_original", "edit_revision", "form_problems"]:
        state.pop(key, None)


def form_input() -> dict:
    """The form's values as ``entry.build_record`` takes them."""
    values = {name: state.get(f"e_{name}", "") for name in FORM_FIELDS}
    values["context"] = state.get("e_context", False)
    values["candidate"] = state.get("e_options", {}).get(state.get("e_pick"))
    values["sources"] = [{name: state.get(f"e_s{index}_{name}", "") for name in entry.SOURCE_INPUTS}
                         for index in range(state.get("e_nsources", 1))]
    return values


def save_form(events) -> None:
    """Validate the form, stop at a likely duplicate unless confirmed, and save through the store."""
    original = state.get("edit_original")
    state.pop("form_problems", None)
    record, problems = ingest.check_record(entry.build_record(form_input(), original))
    if problems:
        state.form_problems = problems
        return
    from geo import duplicates

    if not duplicates.likely_duplicates(record, events).empty and not state.get("e_dup_ok"):
        state.form_problems = ["This looks like an event already recorded (see above): tick “save anyway” if it is a different one."]
        return
    expected = {record["id"]: state.edit_revision} if original else None
    try:
        summary = open_store().upsert([record], origin="app: form", expected=expected)
    except stores.RevisionConflict as error:
        state.form_problems = [f"Not saved: {conflict}. Your edit is still in the form: open the event again to see that change, "
                               "then make yours." for conflict in error.conflicts]
        return
    except stores.StoreError as error:
        state.form_problems = [f"Not saved: {error}"]
        return
    state.form_done = f"Saved “{record['title']}” ({summary})."
    clear_form()


def delete_confirmed() -> None:
    record, revision = state.pop("pending_delete"), state.pop("pending_delete_revision", None)
    state.pop("form_failed", None)
    try:
        open_store().delete([record["id"]], origin="app: delete", expected={record["id"]: revision} if revision else None)
    except stores.StoreError as error:
        conflicts = getattr(error, "conflicts", ())
        state.form_failed = f"Not deleted: {conflicts[0]}." if conflicts else f"Not deleted: {error}"
        return
    state.form_done = f"Deleted “{record['title']}”; the deletion is in the audit history."
    state.pop("table", None)


def event_form(events) -> None:
    """The add/edit form: place search, date with precision, actors with roles, sources with excerpts, claim and verification."""
    original = state.get("edit_original")
    st.subheader(f"Edit: {views.md(original['title'])}" if original else "Add an event")
    if original:
        st.button("Stop editing (clear the form)", on_click=clear_form)
    st.text_input("Title", key="e_title")
    left, right = st.columns(2)
    types = list(EVENT_TYPES) + ([state.e_event_type] if state.get("e_event_type") not in (None, "", *EVENT_TYPES) else [])
    left.selectbox("Event type", types, key="e_event_type")
    right.checkbox("Context (background) event, not a reported incident", key="e_context")
    left, middle, right = st.columns(3)
    precision = left.selectbox("Date precision", DATE_PRECISIONS, key="e_date_precision")
    shape = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY", "approximate": "YYYY-MM-DD"}.get(precision, "")
    middle.text_input("Date (start)", key="e_date_start", placeholder=shape, disabled=precision == "unknown")
    right.text_input("Date (end, optional)", key="e_date_end", placeholder=shape, disabled=precision == "unknown")
    st.text_input("Date note (how the date is known)", key="e_date_note")
    place_picker()
    st.text_area("Actors, one per line: Name | role", key="e_actors_text", height=100)
    st.text_area("Description", key="e_description", height=100)
    left, middle, right = st.columns(3)
    left.text_input("Fatalities (as reported; empty if none given)", key="e_fatalities")
    middle.selectbox("Fatalities qualifier", FATALITY_QUALIFIERS, key="e_fatalities_qualifier", format_func=lambda q: q or "—")
    right.text_input("Tags (comma-separated)", key="e_tags_text")
    sources_inputs()
    left, right = st.columns([3, 1])
    left.text_input("Claim (who says so, e.g. “Reported by …”)", key="e_claim")
    right.selectbox("Verification", VERIFICATION_STATUSES, key="e_verification")
    if state.get("e_title"):
        from geo import duplicates

        record = entry.build_record(form_input(), original)
        found = duplicates.likely_duplicates(record, events)
        if not found.empty:
            listed = "; ".join(f"“{r['title']}” ({r['date_start']}, {r['id']})" for r in frame.to_records(found))
            st.warning(views.md(f"Likely duplicate (within a day, within 5 km, a shared actor): {listed}"))
            st.checkbox("It is a different event: save anyway", key="e_dup_ok")
    st.button("Save event", key="b_save", type="primary", on_click=save_form, args=(events,))
    for problem in state.get("form_problems", []):  # until the next save: a rerun (another user's change) keeps them
        st.error(views.md(problem))


def place_picker() -> None:
    """Place search in the gazetteer, with the candidates to pick from."""
    st.text_input("Place as reported (verbatim)", key="e_place_reported")
    left, right = st.columns([2, 1])
    query = left.text_input("Search the gazetteer for the place", key="e_place_query")
    hint = right.text_input("Country or region hint (optional)", key="e_place_hint")
    st.caption(views.md(f"Offline gazetteer. {GEONAMES_CREDIT}."))
    options: dict[str, dict | None] = {}
    if state.get("e_current"):
        current = state.e_current
        options[f"Keep the current point: {current['name']} ({current['lat']:.4f}, {current['lon']:.4f})"] = current
    if query.strip():
        from geo import gazetteer

        try:
            found = gazetteer.search(query, near=hint or None, limit=8)
        except ValueError as error:
            st.error(views.md(str(error)))
            found = []
        if not found:
            st.caption(views.md(f"No place called “{query}” in the gazetteer: pick a point by another name, or keep it unmapped."))
        for candidate in found:
            label = f"{candidate.name}, {candidate.admin1 or '—'}, {candidate.country} ({candidate.lat:.4f}, {candidate.lon:.4f}; " \
                    f"population {candidate.population:,}; {candidate.match})"
            options[label] = candidate.to_dict()
    options[NO_POINT] = None
    state.e_options = options
    if state.get("e_pick") not in options:
        state.e_pick = next(iter(options))
    st.radio("Place", list(options), key="e_pick")
    if options[state.e_pick] is not None:
        if state.get("e_location_precision") not in LOCATION_PRECISIONS[:-1]:
            state.e_location_precision = "town"
        st.selectbox("Location precision", LOCATION_PRECISIONS[:-1], key="e_location_precision")
    else:
        left, right = st.columns(2)
        left.text_input("Region (optional, for an unmapped event)", key="e_admin1")
        right.text_input("Country code (optional, e.g. PK)", key="e_country")
    st.text_input("Location note (how the place is known)", key="e_location_note")


def sources_inputs() -> None:
    """At least one source, each with the excerpt that supports the event."""
    count = st.number_input("Number of sources", min_value=1, max_value=10, key="e_nsources")
    for index in range(int(count)):
        st.markdown(f"**Source {index + 1}**")
        left, middle, right = st.columns(3)
        left.text_input("Publisher", key=f"e_s{index}_publisher")
        middle.text_input("Author", key=f"e_s{index}_author")
        right.text_input("Title", key=f"e_s{index}_title")
        left.text_input("URL (http or https only)", key=f"e_s{index}_url")
        middle.text_input("Date (YYYY-MM-DD, YYYY-MM or YYYY)", key=f"e_s{index}_date")
        right.text_input("Kind (news report, press release, …)", key=f"e_s{index}_kind")
        st.text_area("Excerpt (verbatim, required)", key=f"e_s{index}_excerpt", height=80)


def delete_prompt() -> None:
    record = state.get("pending_delete")
    if not record:
        return
    st.warning(views.md(f"Delete “{record['title']}” ({record['id']})? The deletion is recorded in the audit history."))
    yes, no = st.columns(2)
    yes.button("Yes, delete it", key="b_delete_yes", type="primary", on_click=delete_confirmed)
    no.button("Cancel", key="b_delete_no", on_click=state.pop, args=("pending_delete", None))


# ---------------------------------------------------------------- page


def main() -> None:
    st.set_page_config(page_title=TITLE, layout="wide",
                       initial_sidebar_state="collapsed" if st.query_params.get("mode") == "screenshot" else "expanded")
    stamp = cached.stamp()
    events = load_events(*stamp)
    if events.empty:
        empty_store(events)
        return
    read_url_once(events)
    flt = current_filter()
    write_url(flt)
    found = matched(*stamp, filters.to_query(flt), flt)
    if state.v_screenshot:
        st.html(SCREENSHOT_CSS)
        event_map(stamp, flt, found, height=860, screenshot=True)
        sidebar_filter(stamp)
        return

    st.title(TITLE)
    header = st.container()  # one block whatever it holds, so the map below keeps its place and is never rebuilt
    event_map(stamp, flt, found, height=720)  # first: the rest of the page is filled while the map redraws
    st.caption(views.md(views.MAP_CREDITS))
    if state.get("map_late"):
        st.caption(LATE_MAP_NOTE)
    result = found.result(events)
    shown = result.events
    with header:
        for problem in state.url_problems:
            st.error(views.md(f"Ignored a bad URL parameter: {problem}"))
        st.markdown(f"**{views.md(views.counts_text(len(events), shown, result.undated_excluded, result.unmapped_excluded))}**")
        note = views.date_note(shown, flt, result.undated_excluded)
        if note:
            st.caption(views.md(note))
        for problem in views.problem_notes(events, shown, flt):
            st.warning(views.md(problem))
    if not state.get("map_drawn"):
        rest_once_the_map_is_drawn()
        return
    sidebar_filter(stamp)
    if not shown.empty:
        st.subheader("Events")
        table_and_card(stamp, flt, shown, may_write=not open_store().missing_permissions())
        unmapped = int((~frame.is_mapped(shown)).sum())
        box = opened_on_demand(f"Events without a map point in this view ({unmapped:,})", "x_unmapped")
        if box and unmapped:
            box.dataframe(views.unmapped_rows(shown), hide_index=True)
        elif box:
            box.caption("Every event in this view has a map point.")
        box = opened_on_demand("Events per province or state, and per country", "x_areas")
        if box:
            with box:
                counts_per_area(stamp, shown)
        downloads(shown, flt, result)
    st.divider()
    form_section(events)


def rest_once_the_map_is_drawn() -> None:
    """The sidebar's place on a session's first page (so the map keeps its width when the filters come), and the run of
    the whole page that adds the filters and the table ``MAP_WAIT_SECONDS`` from now if the map has not reported by then
    that it has drawn (``map_changed``)."""
    st.sidebar.header("Filter")
    st.sidebar.caption("The filters follow once the map has drawn its events.")
    state.setdefault("map_wait_since", time.monotonic())
    whole_page_after_the_wait()


@st.fragment(run_every=1)
def whole_page_after_the_wait() -> None:
    if time.monotonic() - state.map_wait_since >= MAP_WAIT_SECONDS:
        state.map_drawn = state.map_late = True
        st.rerun()


def empty_store(events) -> None:
    """A store with no events: say how to fill it, and offer the form."""
    st.title(TITLE)
    st.info(views.empty_store_note(open_store().location, stores.named_location() is not None))
    form_section(events, expanded=True)


def form_section(events, expanded: bool = False) -> None:
    """The add/edit form, or, for a user who may not write, what they may do."""
    missing = open_store().missing_permissions()
    if "form_done" in state:
        st.success(views.md(state.pop("form_done")))
    if "form_failed" in state:
        st.error(views.md(state.form_failed))
    if missing:
        st.info(views.md(f"You are signed in to this store as {open_store().by}, who may view and export events but not add, "
                         f"edit or delete them (missing: {', '.join(missing)})."))
        return
    delete_prompt()
    if expanded:
        state.setdefault("x_form", True)
    box = opened_on_demand("Add or edit an event", "x_form")
    if box:
        with box:
            event_form(events)


def opened_on_demand(label: str, key: str):
    """An expander whose contents are made only while it is open (opening it reruns the page): the expander, or None
    while it is closed. Closed, it costs the page one element, not the tables or the form's thirty widgets."""
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


main()
