"""The animated briefing (GIF, MP4): one frame per step, each titled with its period, stable bytes, clear errors."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date

import numpy as np
import pytest
from PIL import Image, ImageSequence

from geo import filters, timeline, wording
from geo.briefing import animation
from tests.helpers import make_record, run_cli

MADE = date(2026, 3, 1)


def animate(events, query="", **options) -> animation.Animation:
    flt = filters.from_query(query)
    result = filters.apply(events, flt)
    return animation.Animation(result.events, flt=flt, made_on=MADE, undated_excluded=result.undated_excluded, **options)


def gif_frames(data: bytes) -> list[np.ndarray]:
    image = Image.open(io.BytesIO(data))
    return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(image)]


@pytest.fixture(scope="module")
def cli_gif(tmp_path_factory):
    """``export gif`` on the shipped events through the CLI, with a fixed made-on date."""
    path = tmp_path_factory.mktemp("gif") / "events.gif"
    result = run_cli("export", "gif", "--out", str(path), "--made", "2026-03-01", "--title", "Kashmir briefing")
    assert result.returncode == 0, result.stderr
    return path


def test_export_gif_writes_one_frame_per_step_each_with_its_own_period(cli_gif, seed_events):
    first, last = timeline.date_range(seed_events["day_min"], seed_events["day_max"])
    periods = timeline.periods(first, last, timeline.default_step(first, last))
    assert [p.label for p in periods][:2] == ["2008", "2009"] and periods[-1].label == "1–31 January 2026"
    image = Image.open(cli_gif)
    assert image.format == "GIF" and image.size == (1920, 1080)
    assert image.n_frames == len(periods) == 19
    frames = gif_frames(cli_gif.read_bytes())
    caption_band = slice(int(1080 * 0.08), int(1080 * 0.13))  # the line under the title
    for before, after in zip(frames, frames[1:], strict=False):
        assert (before[caption_band] != after[caption_band]).any()  # each frame's period text differs
    captions = [frame.caption for frame in animate(seed_events, size="small").frames()]
    assert len(set(captions)) == len(captions) == 19
    assert captions[0] == "2008 and before: 1 of 15 events; 5 undated left out"
    assert captions[-1] == "1–31 January 2026 and before: 10 of 15 events; 4 unmapped, 5 undated left out"


def test_frames_keep_the_page_and_show_only_their_events(seed_events):
    frames = list(animate(seed_events, query="from=2025-01-01", step="quarter", mode="window", size="small").frames())
    assert [f.period.label for f in frames] == ["Q1 2025", "Q2 2025", "Q3 2025", "Q4 2025", "1–31 January 2026"]
    assert all(f.image.shape == (720, 1280, 3) for f in frames)
    assert [f.caption.split(": ", 1)[1] for f in frames] == [  # of the 7 events since 2025; the date filter left out 5 undated
        "2 of 7 events; 1 unmapped, 5 undated left out",  # Rawalakot conference, Kashmir Solidarity Day (no place)
        "1 of 7 events; 5 undated left out",  # Pahalgam
        "0 of 7 events; 5 undated left out",
        "1 of 7 events; 5 undated left out",  # Dadyal
        "3 of 7 events; 2 unmapped, 5 undated left out",  # Gujranwala (the month), Board of Peace launch and invitation
    ]
    q3, q4 = frames[2].image, frames[3].image
    differs = np.flatnonzero((q3 != q4).any(axis=2).any(axis=0))
    assert differs.size  # Dadyal's badge and its key entry change, the rest of the page stays
    same = (q3 == q4).all(axis=2)
    assert same.mean() > 0.97


def test_undated_events_never_appear(seed_events):
    shown = animate(seed_events, step="year", mode="cumulative", size="small")
    undated = {e.number for e in shown.content.entries if e.date == "date unknown"}
    assert undated == {7, 8}  # Mirpur and Tehran have map points but no date
    with animation.drawing():
        painter = animation._Painter(shown)
        for period in shown.periods:
            mask = timeline.shown(seed_events["day_min"], seed_events["day_max"], period, "cumulative")
            painter.paint(mask, period.label)
            visible = {number for number, artists in painter.on_map.items() if any(a.get_visible() for a in artists)}
            assert visible == {e.number for e in shown.content.entries if mask[painter.row[e.number]]}
            assert not visible & undated
    assert visible == {1, 2, 3, 4, 5, 6}


def test_same_input_gives_the_same_gif_bytes_and_durations(seed_events):
    one = animate(seed_events, query="from=2025-01-01", step="quarter", size="small").gif(frame_seconds=0.5)
    two = animate(seed_events, query="from=2025-01-01", step="quarter", size="small").gif(frame_seconds=0.5)
    assert one == two
    image = Image.open(io.BytesIO(one))
    durations = []
    for frame in ImageSequence.Iterator(image):
        durations.append(frame.info["duration"])
    assert durations == [500, 500, 500, 500, 500 * animation.LAST_FRAME_HOLD]
    assert image.info.get("loop") == 0


def test_mp4_plays_every_frame_and_is_stable(seed_events, tmp_path):
    import imageio_ffmpeg

    one = animate(seed_events, query="from=2025-01-01", step="quarter", size="small").mp4(frame_seconds=0.4)
    assert one[4:8] == b"ftyp"
    assert one == animate(seed_events, query="from=2025-01-01", step="quarter", size="small").mp4(frame_seconds=0.4)
    path = tmp_path / "a.mp4"
    path.write_bytes(one)
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path), "-f", "null", "-"],
                           capture_output=True, text=True)  # fmt: skip
    assert "Video: h264" in probe.stderr and "1280x720" in probe.stderr
    seconds = re.search(r"Duration: 00:00:(\d+\.\d+)", probe.stderr)
    assert seconds and float(seconds[1]) == pytest.approx(0.4 * (5 + animation.LAST_FRAME_HOLD - 1), abs=0.1)


def test_a_few_dated_events_step_by_day_and_the_default_size_is_a_slide():
    from geo import frame

    events = frame.to_frame([
        make_record(id="a", date_start="2026-01-30", date_precision="day"),
        make_record(id="b", date_start="2026-02", date_precision="month", lat=33.9, lon=73.8),
        make_record(id="c", date_start="", date_precision="unknown", lat=34.1, lon=74.8),
    ])  # fmt: skip
    shown = animation.Animation(events, made_on=MADE)
    assert shown.step == "day" and len(shown.periods) == 30  # 30 January to 28 February
    frames = shown.frames()
    first = next(frames)
    frames.close()
    assert first.image.shape == (1080, 1920, 3)
    assert first.caption == "30 January 2026 and before: 1 of 3 events; 1 undated left out"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--step", "fortnight"), "Invalid value for '--step': 'fortnight' is not one of"),
        (("--step", "day"), "step: day from 1 January 2008 to 31 January 2026 gives 6,606 frames; at most 300"),
        (("--from", "2030-01-01"), "period: no events match the filter, so there is nothing to step through"),
        (("--q", "Operation Sindoor"), "period: no event in the selection has a known date"),
        (("--mode", "sliding"), "Invalid value for '--mode'"),
        (("--frame-seconds", "0"), "Invalid value for '--frame-seconds'"),
        (("--size", "banana"), "size: 'banana' is not a4, slide, small or WIDTHxHEIGHT"),
    ],
)
def test_cli_bad_step_or_empty_period_is_a_clear_error_and_no_file(tmp_path, args, message):
    out = tmp_path / "events.gif"
    result = run_cli("export", "gif", "--out", str(out), *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert not list(tmp_path.iterdir())


def test_cli_offers_the_animation_options():
    result = run_cli("export", "--help")
    assert result.returncode == 0
    for text in ("gif", "mp4", "--step", "--mode", "--frame-seconds", "small (1280x720"):
        assert text in result.stdout
    assert wording.undated_left_out(2) == "2 undated events left out by the date filter"
