"""Time steps: the periods a timeline or a playback walks through, what each shows, and their names.

For the app's and the HTML map's timeline and Play, and the animated briefing: ``periods(first,
last, step)`` cuts a span of days into days, weeks (Monday to Sunday), months, quarters or years,
each with its name as people read it ("1–31 January 2026"); ``default_step`` picks one from the
span; ``shows(events, period, mode)`` says which events a period shows.  The date rule of
``geo.filters`` holds: an event known only to a month or a year, or approximately, may have
happened on any day from ``day_min`` to ``day_max``, so a period shows it whenever the two overlap
(window mode), or once it may have happened (cumulative mode: everything up to the step); an
undated event is never shown.  Pure functions; this module never draws.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import wording

STEPS = ("day", "week", "month", "quarter", "year")
MODES = ("cumulative", "window")
MAX_PERIODS = 1500
"""The most periods one timeline may have: a day step over decades is refused, with the steps that fit."""


class TimelineError(ValueError):
    """A step, mode or span that cannot make a timeline; the message says what would."""


@dataclass(frozen=True)
class Period:
    """One step of a timeline: its first and last day and its name."""

    first: date
    last: date
    label: str


def span(events: gpd.GeoDataFrame) -> tuple[date, date] | None:
    """The days the dated events may have happened on, from the first to the last; None when none is dated.

    Context (background) events do not stretch the span when other events are dated: a timeline fits what is reported.
    """
    dated = events["day_min"].notna().to_numpy()
    reported = dated & ~events["context"].to_numpy(dtype=bool)
    keep = reported if reported.any() else dated
    if not keep.any():
        return None
    return events["day_min"][keep].min().date(), events["day_max"][keep].max().date()


def default_step(first: date, last: date) -> str:
    """The step that cuts ``first``..``last`` into a readable number of periods (about 5 to 60)."""
    days = (last - first).days + 1
    if days <= 62:
        return "day"
    if days <= 366:
        return "week"
    if days <= 5 * 366:
        return "month"
    if days <= 15 * 366:
        return "quarter"
    return "year"


def periods(first: date, last: date, step: str) -> list[Period]:
    """The periods of ``step`` that cover ``first``..``last``, whole periods from the one holding ``first``."""
    if step not in STEPS:
        raise TimelineError(f"step: {step!r} is not one of {', '.join(STEPS)}")
    if last < first:
        raise TimelineError(f"the period ends ({last}) before it starts ({first})")
    out: list[Period] = []
    start = _period_start(first, step)
    while start <= last:
        end = _period_end(start, step)
        out.append(Period(start, end, period_label(start, end, step)))
        if len(out) > MAX_PERIODS:
            fitting = [s for s in STEPS if _count(first, last, s) <= MAX_PERIODS]
            raise TimelineError(f"step: {step!r} makes more than {MAX_PERIODS:,} periods from {first} to {last}; "
                                f"use {' or '.join(fitting) or 'a shorter period'}")
        start = end + timedelta(days=1)
    return out


def period_label(first: date, last: date, step: str) -> str:
    """A period's name: "29 November 2025", "24–30 November 2025", "1–31 January 2026", "Q1 2026", "2026"."""
    if step == "year":
        return str(first.year)
    if step == "quarter":
        return f"Q{(first.month - 1) // 3 + 1} {first.year}"
    return wording.day_range(first, last)


def shows(events: gpd.GeoDataFrame, period: Period, mode: str) -> np.ndarray:
    """Which events ``period`` shows in ``mode`` (see the module docstring), as a boolean array."""
    if mode not in MODES:
        raise TimelineError(f"mode: {mode!r} is not one of {', '.join(MODES)}")
    day_min, day_max = events["day_min"], events["day_max"]
    dated = day_min.notna().to_numpy()
    started = (day_min <= pd.Timestamp(period.last)).to_numpy()
    if mode == "cumulative":
        return dated & started
    return dated & started & (day_max >= pd.Timestamp(period.first)).to_numpy()


def _period_start(day: date, step: str) -> date:
    if step == "week":
        return day - timedelta(days=day.weekday())
    if step == "month":
        return day.replace(day=1)
    if step == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if step == "year":
        return date(day.year, 1, 1)
    return day


def _period_end(start: date, step: str) -> date:
    if step == "week":
        return start + timedelta(days=6)
    if step in ("month", "quarter"):
        month = start.month + (2 if step == "quarter" else 0)
        return date(start.year, month, calendar.monthrange(start.year, month)[1])
    if step == "year":
        return date(start.year, 12, 31)
    return start


def _count(first: date, last: date, step: str) -> int:
    """How many periods of ``step`` cover ``first``..``last`` (without making them)."""
    if step == "day":
        return (last - first).days + 1
    if step == "week":
        return ((last - _period_start(first, "week")).days // 7) + 1
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return {"month": months, "quarter": (last.year - first.year) * 4 + (last.month - 1) // 3 - (first.month - 1) // 3 + 1,
            "year": last.year - first.year + 1}[step]
