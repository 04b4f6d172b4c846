"""Time stepping for animated maps: steps, the periods covering a date range, which events each period shows, and its caption.

The rules, kept small so the web page can follow them exactly:

- A step is ``day``, ``week`` (Monday to Sunday), ``month``, ``quarter`` or ``year``.
  ``periods(first, last, step)`` lists the calendar periods that cover the days
  ``first`` to ``last``, the first and last cut to that range.  More than
  ``MAX_PERIODS`` periods is an error that suggests a longer step.
- ``default_step`` is the shortest step that covers the range in at most
  ``DEFAULT_MOST_PERIODS`` periods (a year step when none does).
- An event may have happened on any day from its ``day_min`` to its ``day_max``
  (``geo.frame``: a month-precise event spans its month, a year-precise one its
  year, an approximate one its window).  In ``window`` mode a period shows the
  events that may have happened during it; in ``cumulative`` mode it shows the
  events that may have happened by its last day.  An undated event (no
  ``day_min``) is never shown; captions count it as left out.
- A period's label names a whole calendar period as people do ("5 January
  2026", "week of 5 January 2026", "1–31 January 2026", "Q1 2026", "2026"); a
  period cut by the range is labelled by its days ("15–31 January 2026").

Pure functions: this module never draws, reads files or filters by anything but dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from geo import wording

if TYPE_CHECKING:  # imported where used: the command line's --help reads STEPS and MODES (see geo/cli.py)
    import numpy as np

STEPS = ("day", "week", "month", "quarter", "year")
MODES = ("cumulative", "window")
MAX_PERIODS = 300
"""The most periods (animation frames) a range may be cut into: 20 years by month, 5 by week."""
DEFAULT_MOST_PERIODS = 36
"""The default step is the shortest one giving at most this many periods."""


class TimelineError(ValueError):
    """A step, mode or range that cannot be stepped through; the message says what to change."""


@dataclass(frozen=True)
class Period:
    """The days ``start`` to ``end`` (both included) of one step."""

    start: date
    end: date
    step: str

    @property
    def label(self) -> str:
        """The period as people read it, e.g. "1–31 January 2026", "Q1 2026", "week of 5 January 2026"."""
        whole = (_unit_start(self.start, self.step), _unit_end(self.start, self.step)) == (self.start, self.end)
        if not whole or self.step in ("day", "month"):
            return wording.day_span_label(self.start, self.end)
        if self.step == "week":
            return f"week of {wording.day_label(self.start)}"
        if self.step == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return str(self.start.year)


def _check_step(step: str) -> None:
    if step not in STEPS:
        raise TimelineError(f"step: {step!r} is not one of {', '.join(STEPS)}")


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise TimelineError(f"mode: {mode!r} is not one of {', '.join(MODES)}")


def _unit_start(day: date, step: str) -> date:
    """The first day of the calendar ``step`` that holds ``day``."""
    if step == "day":
        return day
    if step == "week":
        return day - timedelta(days=day.weekday())
    if step == "month":
        return day.replace(day=1)
    if step == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def _next_start(start: date, step: str) -> date:
    """The first day of the calendar ``step`` after the one starting on ``start``."""
    if step == "day":
        return start + timedelta(days=1)
    if step == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[step]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _unit_end(day: date, step: str) -> date:
    """The last day of the calendar ``step`` that holds ``day``."""
    return _next_start(_unit_start(day, step), step) - timedelta(days=1)


def count_periods(first: date, last: date, step: str) -> int:
    """How many periods of ``step`` cover ``first`` to ``last``."""
    _check_step(step)
    if last < first:
        return 0
    if step == "day":
        return (last - first).days + 1
    if step == "week":
        return (_unit_start(last, "week") - _unit_start(first, "week")).days // 7 + 1
    months = {"month": 1, "quarter": 3, "year": 12}[step]
    a, b = _unit_start(first, step), _unit_start(last, step)
    return ((b.year - a.year) * 12 + b.month - a.month) // months + 1


def default_step(first: date, last: date) -> str:
    """The shortest step that cuts ``first`` to ``last`` into at most ``DEFAULT_MOST_PERIODS`` periods (else "year")."""
    return next((s for s in STEPS if count_periods(first, last, s) <= DEFAULT_MOST_PERIODS), "year")


def periods(first: date, last: date, step: str, most: int = MAX_PERIODS) -> list[Period]:
    """The periods of ``step`` covering the days ``first`` to ``last``, in order; the first and last cut to the range.

    Raises TimelineError for an unknown step, an empty range, or more than ``most`` periods.
    """
    count = count_periods(first, last, step)
    if last < first:
        raise TimelineError(f"period: {wording.day_label(last)} is before {wording.day_label(first)}")
    if count > most:
        longer = [s for s in STEPS[STEPS.index(step) + 1 :] if count_periods(first, last, s) <= most]
        hint = f" (use a step of {_one_of(longer)})" if longer else ""
        raise TimelineError(
            f"step: {step} from {wording.day_label(first)} to {wording.day_label(last)} gives {count:,} frames; "
            f"at most {most:,}{hint}"
        )
    result = []
    start = _unit_start(first, step)
    while start <= last:
        following = _next_start(start, step)
        result.append(Period(max(start, first), min(following - timedelta(days=1), last), step))
        start = following
    return result


def _one_of(words: list[str]) -> str:
    """ "month", "month or year", "month, quarter or year"."""
    return " or ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


def _days(values) -> np.ndarray:
    """Dates, datetimes or datetime64 values (NaT/None for unknown) as datetime64[D]."""
    import numpy as np

    return np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")


def shown(day_min, day_max, period: Period, mode: str = "cumulative") -> np.ndarray:
    """Which events ``period`` shows, given each event's first and last possible day (NaT when undated).

    ``window``: the event may have happened during the period.  ``cumulative``: it may
    have happened by the period's last day.  Undated events are never shown.
    """
    import numpy as np

    _check_mode(mode)
    first, last = _days(day_min), _days(day_max)
    keep = first <= np.datetime64(period.end, "D")  # False for NaT
    if mode == "window":
        keep &= last >= np.datetime64(period.start, "D")
    return keep


def date_range(day_min, day_max, date_from: date | None = None, date_to: date | None = None) -> tuple[date, date]:
    """The days to step through: ``date_from`` to ``date_to`` where given, else the dated events' first and last possible day.

    Raises TimelineError when there is nothing to step through: no dated event and no
    range given, or a range in which no dated event may have happened.
    """
    import numpy as np

    first, last = _days(day_min), _days(day_max)
    dated = ~np.isnat(first)
    if not dated.any():
        why = "no event in the selection has a known date" if len(first) else "no events match the filter"
        raise TimelineError(f"period: {why}, so there is nothing to step through")
    start = date_from or first[dated].min().item()
    end = date_to or last[dated].max().item()
    if end < start:
        raise TimelineError(f"period: {wording.day_label(end)} is before {wording.day_label(start)}")
    inside = dated & (first <= np.datetime64(end, "D")) & (last >= np.datetime64(start, "D"))
    if not inside.any():
        raise TimelineError(f"period: no dated event falls in {wording.day_span_label(start, end)}, so there is nothing to step through")
    return start, end


def span(events) -> tuple[date, date] | None:
    """The days the dated events of a frame (``geo.frame``) may have happened on, first to last; None when none is dated.

    Context (background) events do not stretch it when other events are dated: a timeline fits what is reported.
    """
    dated = events["day_min"].notna().to_numpy()
    reported = dated & ~events["context"].to_numpy(dtype=bool)
    keep = reported if reported.any() else dated
    if not keep.any():
        return None
    return events["day_min"][keep].min().date(), events["day_max"][keep].max().date()


def rule(mode: str) -> str:
    """The date rule of ``mode`` in a sentence, for the reader of an animation."""
    _check_mode(mode)
    if mode == "window":
        return ("Each frame shows the events that may have happened in its period: one dated only to a month or a year, "
                "or approximately, shows in every period it may fall in; undated events are never shown.")
    return ("Each frame shows the events that may have happened by the end of its period: one dated only to a month or a year, "
            "or approximately, shows from the start of that span; undated events are never shown.")


def caption(period: Period, mode: str, shown_count: int, total: int, *, unmapped: int = 0, undated: int = 0) -> str:
    """ "1–31 January 2026: 3 of 15 events" (window), "1–31 January 2026 and before: 9 of 15 events" (cumulative).

    ``unmapped`` counts shown events with no map point, ``undated`` the events no period can show.
    """
    _check_mode(mode)
    when = period.label if mode == "window" else wording.phrase("and_before", 1, period=period.label)
    return f"{when}: {wording.shown_of_total(shown_count, total, unmapped=unmapped, undated_excluded=undated)}"
