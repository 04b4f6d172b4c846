"""Time stepping: periods that cover a range exactly, labels as people read them, the date rule, clear refusals."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest

from geo import frame, timeline
from geo.timeline import Period, TimelineError
from tests.helpers import make_record


def events(*dates: tuple[str, str, str]):
    """A frame of events dated (date_start, date_end, date_precision), with their day_min/day_max columns."""
    return frame.to_frame([make_record(id=f"e{i}", date_start=start, date_end=end, date_precision=precision)
                           for i, (start, end, precision) in enumerate(dates)])  # fmt: skip


def labels(first: date, last: date, step: str) -> list[str]:
    return [p.label for p in timeline.periods(first, last, step)]


# --- periods and their labels


def test_whole_calendar_periods_are_named_as_people_name_them():
    assert labels(date(2026, 1, 5), date(2026, 1, 5), "day") == ["5 January 2026"]
    assert labels(date(2026, 1, 5), date(2026, 1, 18), "week") == ["week of 5 January 2026", "week of 12 January 2026"]
    assert labels(date(2026, 1, 1), date(2026, 2, 28), "month") == ["1–31 January 2026", "1–28 February 2026"]
    assert labels(date(2026, 1, 1), date(2026, 6, 30), "quarter") == ["Q1 2026", "Q2 2026"]
    assert labels(date(2025, 1, 1), date(2026, 12, 31), "year") == ["2025", "2026"]


def test_periods_cut_by_the_range_are_labelled_by_their_days():
    assert labels(date(2025, 12, 15), date(2026, 3, 10), "month") == [
        "15–31 December 2025", "1–31 January 2026", "1–28 February 2026", "1–10 March 2026"]  # fmt: skip
    assert labels(date(2026, 2, 15), date(2026, 12, 31), "year") == ["15 February – 31 December 2026"]
    assert labels(date(2026, 1, 7), date(2026, 1, 20), "week") == ["7–11 January 2026", "week of 12 January 2026", "19–20 January 2026"]
    assert labels(date(2026, 2, 1), date(2026, 8, 15), "quarter") == ["1 February – 31 March 2026", "Q2 2026", "1 July – 15 August 2026"]


def test_a_week_across_new_year_and_a_single_day_in_every_step():
    assert labels(date(2025, 12, 29), date(2026, 1, 4), "week") == ["week of 29 December 2025"]
    assert labels(date(2025, 12, 31), date(2026, 1, 1), "week") == ["31 December 2025 – 1 January 2026"]
    for step in timeline.STEPS:
        (period,) = timeline.periods(date(2026, 3, 1), date(2026, 3, 1), step)
        assert (period.start, period.end, period.label) == (date(2026, 3, 1), date(2026, 3, 1), "1 March 2026")


def test_month_ends_and_leap_years():
    assert labels(date(2024, 2, 1), date(2024, 3, 31), "month") == ["1–29 February 2024", "1–31 March 2024"]
    assert labels(date(2100, 2, 1), date(2100, 2, 28), "month") == ["1–28 February 2100"]  # 2100 is not a leap year
    days = timeline.periods(date(2024, 2, 27), date(2024, 3, 2), "day")
    assert [p.label for p in days] == ["27 February 2024", "28 February 2024", "29 February 2024", "1 March 2024", "2 March 2024"]
    assert [p.end for p in timeline.periods(date(2025, 1, 30), date(2025, 3, 2), "month")] == [
        date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 2)]  # fmt: skip


def test_periods_cover_the_range_exactly_and_are_counted_in_advance():
    rng = random.Random(11)
    for _ in range(300):
        first = date(2000, 1, 1) + timedelta(days=rng.randrange(12000))
        last = first + timedelta(days=rng.randrange(1500))
        for step in timeline.STEPS:
            count = timeline.count_periods(first, last, step)
            if count > timeline.MAX_PERIODS:
                continue
            periods = timeline.periods(first, last, step)
            assert len(periods) == count
            assert periods[0].start == first and periods[-1].end == last
            assert all(b.start == a.end + timedelta(days=1) for a, b in zip(periods, periods[1:], strict=False))
            assert all(p.start <= p.end for p in periods)


# --- default step and refusals


@pytest.mark.parametrize(
    ("first", "last", "step"),
    [
        (date(2026, 1, 1), date(2026, 1, 20), "day"),
        (date(2026, 1, 1), date(2026, 5, 31), "week"),
        (date(2024, 1, 1), date(2025, 12, 31), "month"),
        (date(2018, 1, 1), date(2025, 12, 31), "quarter"),
        (date(2008, 1, 1), date(2026, 1, 31), "year"),
        (date(1900, 1, 1), date(2026, 1, 31), "year"),
    ],
)
def test_the_default_step_keeps_the_frames_few(first, last, step):
    assert timeline.default_step(first, last) == step
    assert timeline.count_periods(first, last, step) <= max(timeline.DEFAULT_MOST_PERIODS, timeline.count_periods(first, last, "year"))


def test_too_many_periods_is_refused_with_the_count_and_a_longer_step():
    with pytest.raises(TimelineError, match=r"step: day from 1 January 2008 to 31 January 2026 gives 6,606 frames; "
                                            r"at most 300 \(use a step of month, quarter or year\)"):  # fmt: skip
        timeline.periods(date(2008, 1, 1), date(2026, 1, 31), "day")
    with pytest.raises(TimelineError, match=r"gives 527 frames; at most 300$"):
        timeline.periods(date(1500, 1, 1), date(2026, 1, 1), "year")


@pytest.mark.parametrize("step", ["fortnight", "", "Month"])
def test_an_unknown_step_or_mode_is_a_clear_error(step):
    with pytest.raises(TimelineError, match=f"step: {step!r} is not one of day, week, month, quarter, year"):
        timeline.periods(date(2026, 1, 1), date(2026, 2, 1), step)
    with pytest.raises(TimelineError, match="mode: 'sliding' is not one of cumulative, window"):
        timeline.shown([], [], Period(date(2026, 1, 1), date(2026, 1, 31), "month"), "sliding")


# --- which events a period shows


@pytest.fixture(scope="module")
def dated():
    return events(
        ("2026-01-10", "", "day"),  # 0: one day
        ("2026-01", "", "month"),  # 1: sometime in January
        ("2025", "", "year"),  # 2: sometime in 2025
        ("2026-01-28", "2026-02-05", "approximate"),  # 3: a window across a month boundary
        ("", "", "unknown"),  # 4: undated
    )


def shown_rows(events_, period: Period, mode: str) -> list[int]:
    return np.flatnonzero(timeline.shown(events_["day_min"], events_["day_max"], period, mode)).tolist()


def test_window_mode_shows_an_imprecise_event_in_every_period_it_may_fall_in(dated):
    weeks = timeline.periods(date(2025, 12, 29), date(2026, 2, 8), "week")
    assert [shown_rows(dated, w, "window") for w in weeks] == [[1, 2], [0, 1], [1], [1], [1, 3], [3]]  # 29-31 December is in 2025
    months = timeline.periods(date(2025, 11, 1), date(2026, 2, 28), "month")
    assert [shown_rows(dated, m, "window") for m in months] == [[2], [2], [0, 1, 3], [3]]


def test_cumulative_mode_shows_an_event_from_the_first_period_it_may_fall_in(dated):
    weeks = timeline.periods(date(2025, 12, 29), date(2026, 2, 8), "week")
    assert [shown_rows(dated, w, "cumulative") for w in weeks] == [[1, 2], [0, 1, 2], [0, 1, 2], [0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3]]


def test_undated_events_never_show_and_an_empty_period_shows_nothing(dated):
    for mode in timeline.MODES:
        for period in timeline.periods(date(2000, 1, 1), date(2030, 12, 31), "year"):
            assert 4 not in shown_rows(dated, period, mode)
    quiet = Period(date(2026, 6, 1), date(2026, 6, 30), "month")
    assert shown_rows(dated, quiet, "window") == []
    assert shown_rows(dated, Period(date(2020, 1, 1), date(2020, 12, 31), "year"), "cumulative") == []


def test_the_range_is_the_filters_else_the_events_own(dated):
    assert timeline.date_range(dated["day_min"], dated["day_max"]) == (date(2025, 1, 1), date(2026, 2, 5))
    assert timeline.date_range(dated["day_min"], dated["day_max"], date(2026, 1, 1)) == (date(2026, 1, 1), date(2026, 2, 5))
    assert timeline.date_range(dated["day_min"], dated["day_max"], None, date(2025, 6, 30)) == (date(2025, 1, 1), date(2025, 6, 30))


def test_nothing_to_step_through_is_a_clear_error(dated):
    with pytest.raises(TimelineError, match="no dated event falls in 1 January – 31 December 2030"):
        timeline.date_range(dated["day_min"], dated["day_max"], date(2030, 1, 1), date(2030, 12, 31))
    undated = events(("", "", "unknown"))
    with pytest.raises(TimelineError, match="no event in the selection has a known date"):
        timeline.date_range(undated["day_min"], undated["day_max"])
    none = dated.iloc[:0]
    with pytest.raises(TimelineError, match="no events match the filter"):
        timeline.date_range(none["day_min"], none["day_max"], date(2026, 1, 1), date(2026, 1, 31))
    with pytest.raises(TimelineError, match="31 December 2025 is before 1 January 2026"):
        timeline.date_range(dated["day_min"], dated["day_max"], date(2026, 1, 1), date(2025, 12, 31))


# --- captions


def test_captions_say_the_period_and_the_counts_with_their_plurals():
    january = Period(date(2026, 1, 1), date(2026, 1, 31), "month")
    assert timeline.caption(january, "window", 3, 15) == "1–31 January 2026: 3 of 15 events"
    assert timeline.caption(january, "cumulative", 9, 15, undated=2) == "1–31 January 2026 and before: 9 of 15 events; 2 undated left out"
    assert timeline.caption(Period(date(2026, 1, 1), date(2026, 12, 31), "year"), "window", 1, 1) == "2026: 1 of 1 event"
    assert timeline.caption(january, "window", 2, 3, unmapped=1) == "1–31 January 2026: 2 of 3 events; 1 unmapped"
    for mode in timeline.MODES:
        assert "undated events are never shown" in timeline.rule(mode)
