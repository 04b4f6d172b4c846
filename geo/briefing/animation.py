"""The animated briefing: the briefing page stepped through time, one frame per period, as a GIF or an MP4.

The page is laid out and drawn once for every event of the selection, so the map,
the numbers and the key stay where they are; each frame then shows the events its
period shows (``geo.timeline``), greys out the others in the key, and says its
period and counts in a caption line under the title.  Frames are drawn by
blitting: the page without events is rendered once, and each frame draws only
the events and the caption over it.  The same input gives the same bytes.

MP4 needs the ffmpeg that the ``imageio-ffmpeg`` wheel carries; nothing is
downloaded at run time.  This module never imports Streamlit or reads files.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.transforms import Bbox
from PIL import Image

from geo import timeline
from geo.briefing import layout
from geo.briefing.content import Content
from geo.briefing.sheet import drawing, page

__all__ = ["FORMATS", "Animation", "Frame", "drawing", "render_animation"]
from geo.filters import Filter
from geo.frame import is_mapped

FORMATS = ("gif", "mp4")
FADED = 0.22
"""Opacity of key entries that a frame does not show."""
LAST_FRAME_HOLD = 3
"""The last frame stays this many frame durations, so the end can be read before the loop restarts."""
KEY_NOTE = "The key greys out the events a frame does not show."
EXACT_COLOURS = 96
"""How many of a page's main colours a GIF's 256-colour palette keeps exactly."""


@dataclass(frozen=True)
class Frame:
    """One frame: its period, its caption and the picture (height x width x 3, RGB)."""

    period: timeline.Period
    caption: str
    image: np.ndarray


class Animation:
    """A briefing of ``events`` (already filtered by ``flt``) stepped through the filter's period, or the events' own.

    Raises TimelineError (a ValueError) for a bad step or mode, or a period with no
    dated event to show, and ValueError for a bad size or dpi, before anything is drawn.
    """

    def __init__(self, events: gpd.GeoDataFrame, *, title: str = "Reported incidents", flt: Filter | None = None,
                 step: str | None = None, mode: str = "cumulative", size: str = "slide", dpi: int = 150, made_on: date,
                 undated_excluded: int = 0):  # fmt: skip
        self.flt = flt or Filter()
        self.page = page(size, dpi)
        timeline.rule(mode)  # checks the mode
        first, last = timeline.date_range(events["day_min"], events["day_max"], self.flt.date_from, self.flt.date_to)
        self.step = step or timeline.default_step(first, last)
        self.periods = timeline.periods(first, last, self.step)
        self.mode = mode
        self.content = Content(events, title, self.flt, made_on, undated_excluded)
        self.undated = int(events["day_min"].isna().sum()) + undated_excluded  # shown by no frame, or left out by the filter
        self.total = len(events)  # as the page's subtitle counts them
        self.mapped = is_mapped(events).to_numpy()

    def frames(self) -> Iterator[Frame]:
        """Every period's frame, in order (drawn while iterated; other drawing in this thread waits)."""
        with drawing():
            yield from self._frames(_Painter(self))

    def _frames(self, painter: _Painter) -> Iterator[Frame]:
        for period in self.periods:
            mask = timeline.shown(self.content.events["day_min"], self.content.events["day_max"], period, self.mode)
            caption = self.caption(period, mask)
            yield Frame(period, caption, painter.paint(mask, caption))

    def caption(self, period: timeline.Period, mask: np.ndarray) -> str:
        """ "1–31 January 2026: 3 of 15 events; 5 undated left out" for the events ``mask`` shows."""
        unmapped = int((mask & ~self.mapped).sum())
        return timeline.caption(period, self.mode, int(mask.sum()), self.total, unmapped=unmapped, undated=self.undated)

    def gif(self, frame_seconds: float = 1.0) -> bytes:
        """The animation as a looping GIF, each frame shown ``frame_seconds`` (the last one longer)."""
        milliseconds = _frame_ms(frame_seconds)
        with drawing():
            painter = _Painter(self)
            palette = painter.palette()
            images = [_indexed(f.image, palette) for f in self._frames(painter)]
        durations = [milliseconds] * (len(images) - 1) + [milliseconds * LAST_FRAME_HOLD]
        out = io.BytesIO()
        images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0, disposal=1)
        return out.getvalue()

    def mp4(self, frame_seconds: float = 1.0) -> bytes:
        """The animation as an H.264 MP4 (yuv420p, plays in slides and browsers), each frame shown ``frame_seconds``."""
        _frame_ms(frame_seconds)
        import imageio_ffmpeg  # the encoder ships inside this package's wheel

        width, height = round(self.page.width * self.page.dpi), round(self.page.height * self.page.dpi)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "animation.mp4"
            # a fixed thread count: x264's output depends on it; bit-exact flags keep version strings and dates out
            command = [
                imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                "-s", f"{width}x{height}", "-framerate", f"{1 / frame_seconds:.6g}", "-i", "-",
                "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white", "-r", "25", "-c:v", "libx264", "-preset", "veryfast",
                "-crf", "18", "-tune", "stillimage", "-pix_fmt", "yuv420p", "-threads", "2", "-map_metadata", "-1",
                "-fflags", "+bitexact", "-flags:v", "+bitexact", "-movflags", "+faststart", str(path),
            ]  # fmt: skip
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                for frame in self.frames():
                    process.stdin.write(frame.image.tobytes())
                for _ in range(LAST_FRAME_HOLD - 1):
                    process.stdin.write(frame.image.tobytes())
            except BrokenPipeError:
                pass  # ffmpeg stopped: its message is read below
            finally:
                process.stdin.close()
                error = process.stderr.read().decode("utf-8", "replace")
                process.wait()
            if process.returncode:
                raise RuntimeError(f"ffmpeg could not write the MP4: {error.strip()}")
            return path.read_bytes()


def _frame_ms(frame_seconds: float) -> int:
    """A frame's duration in whole milliseconds; ValueError outside 0.1 to 60 seconds."""
    if not 0.1 <= frame_seconds <= 60:
        raise ValueError(f"frame-seconds: {frame_seconds!r} must be from 0.1 to 60")
    return round(frame_seconds * 1000)


class _Painter:
    """The page drawn once without events; ``paint`` draws a frame's events and caption over it.

    The key is rendered twice up front, every entry shown and every entry greyed; a
    frame copies each entry's block of pixels from one or the other.
    """

    def __init__(self, animation: Animation):
        note = f"{timeline.rule(animation.mode)} {KEY_NOTE}"
        drawn = layout.draw(animation.content, animation.page, note=note)
        self.fig, self.caption, self.content = drawn.fig, drawn.caption, animation.content
        self.canvas = FigureCanvasAgg(self.fig)
        ids = animation.content.events["id"].tolist()
        self.rows = len(ids)
        row_of_id = {id_: row for row, id_ in enumerate(ids)}
        self.row = {entry.number: row_of_id[entry.id] for entry in animation.content.entries}
        self.on_map = drawn.map.artists
        self.dots = [(line, np.array(line.get_xdata()), np.array(line.get_ydata()), np.array([self.row[e.number] for e in entries]))
                     for line, entries in drawn.map.dots]  # fmt: skip
        dynamic = [self.caption, *(a for group in self.on_map.values() for a in group), *(line for line, *_ in self.dots)]
        for artist in dynamic:
            artist.set_visible(False)
        self.order = sorted(dynamic, key=lambda a: (a.axes.get_zorder() if a.axes else 100, a.get_zorder()))
        self.canvas.draw()
        self.key_shown = self._pixels()
        self.key_blocks = {number: self._block(artists) for number, artists in drawn.key.items()}
        for artist in (a for group in drawn.key.values() for a in group):
            artist.set_alpha(FADED)
        self.canvas.draw()
        self.key_faded = self._pixels()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)

    def _pixels(self) -> np.ndarray:
        return np.asarray(self.canvas.buffer_rgba())[:, :, :3].copy()

    def _block(self, artists: list) -> tuple[slice, slice]:
        """The rows and columns of the image that ``artists`` cover."""
        renderer = self.canvas.get_renderer()
        box = Bbox.union([a.get_window_extent(renderer) for a in artists])
        height = self.canvas.get_width_height()[1]
        return (slice(max(0, int(height - box.y1) - 1), int(np.ceil(height - box.y0)) + 1),
                slice(max(0, int(box.x0) - 1), int(np.ceil(box.x1)) + 1))  # fmt: skip

    def paint(self, mask: np.ndarray, caption: str) -> np.ndarray:
        """The frame showing the events ``mask`` selects (by row of the events), captioned."""
        self.caption.set_text(caption)
        self.caption.set_visible(True)
        for number, row in self.row.items():
            for artist in self.on_map.get(number, ()):
                artist.set_visible(bool(mask[row]))
        for line, xs, ys, rows in self.dots:
            line.set_data(xs[mask[rows]], ys[mask[rows]])
            line.set_visible(True)
        self.canvas.restore_region(self.background)
        for artist in self.order:
            if artist.get_visible():
                self.fig.draw_artist(artist)
        image = self._pixels()
        for number, (rows, columns) in self.key_blocks.items():
            image[rows, columns] = (self.key_shown if mask[self.row[number]] else self.key_faded)[rows, columns]
        return image

    def palette(self) -> np.ndarray:
        """A 256-colour palette (256 x 3) for every frame, from the page with all events shown and with none.

        The event colours, and the colours that cover most of the page (vivid ones
        counting more: white paper, sea, land, ink), are kept exactly; the rest of the
        palette is median-cut from the whole page.
        """
        every, none = np.ones(self.rows, dtype=bool), np.zeros(self.rows, dtype=bool)
        both = Image.fromarray(np.vstack([self.paint(every, ""), self.paint(none, "")]))
        counts = both.getcolors(maxcolors=both.width * both.height)

        def weight(item: tuple[int, tuple[int, int, int]]) -> tuple[float, tuple[int, int, int]]:
            count, colour = item
            return -count * (1 + 8 * (max(colour) - min(colour)) / 255), colour

        symbols = [*self.content.colours.values(), *(self.content.colour(e) for e in self.content.entries)]
        exact = list(dict.fromkeys([*(tuple(round(255 * v) for v in to_rgb(c)) for c in symbols),
                                    *(colour for _, colour in sorted(counts, key=weight))]))[:EXACT_COLOURS]  # fmt: skip
        cut = both.quantize(colors=256 - len(exact), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        rest = np.asarray(cut.getpalette()[: 3 * (256 - len(exact))], dtype=np.uint8).reshape(-1, 3)
        return np.vstack([np.array(exact, dtype=np.uint8).reshape(-1, 3), rest])


def _indexed(image: np.ndarray, palette: np.ndarray) -> Image.Image:
    """``image`` (RGB) with each colour replaced by the nearest of ``palette`` (n x 3), as a palette image.

    Exact nearest colours, found once per distinct colour (Pillow's own mapping rounds, which greys white).
    """
    packed = (image[..., 0].astype(np.uint32) << 16) | (image[..., 1].astype(np.uint32) << 8) | image[..., 2]
    colours, inverse = np.unique(packed.ravel(), return_inverse=True)
    rgb = np.stack([colours >> 16, (colours >> 8) & 255, colours & 255], axis=1).astype(np.int32)
    choices = palette.astype(np.int32)
    nearest = np.concatenate([((rgb[i : i + 4096, None, :] - choices[None]) ** 2).sum(axis=2).argmin(axis=1)
                              for i in range(0, len(rgb), 4096)])  # fmt: skip
    indexed = Image.fromarray(nearest[inverse].reshape(image.shape[:2]).astype(np.uint8), mode="P")
    indexed.putpalette(palette.ravel().tolist())
    return indexed


def render_animation(events: gpd.GeoDataFrame, *, fmt: str = "gif", frame_seconds: float = 1.0, **options) -> bytes:
    """The animated briefing as GIF or MP4 bytes; ``options`` as ``Animation`` (title, flt, step, mode, size, dpi, made_on, ...)."""
    if fmt not in FORMATS:
        raise ValueError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    animation = Animation(events, **options)
    return animation.gif(frame_seconds) if fmt == "gif" else animation.mp4(frame_seconds)
