"""Readers that turn event files into raw schema records: one contract for every format.

Each format's module has ``read(path) -> Read``: the raw records with the row a
message cites, the problems the reader found in the file's own terms (an ACLED
row whose date cannot be read), warnings, and the name each schema field goes
by in that file, so that validation can name the user's own column.  ``read``
here picks the reader by format or file extension.  Problems with the file as a
whole (missing, empty, not the format) raise ``ValidationError``.  Readers never
validate schema fields and never write to a store.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from geo.schema import Problem, ValidationError

FORMATS = ("geojson", "csv", "acled")


@dataclass
class Read:
    """What a reader found in one file."""

    rows: list[tuple[int, dict]] = field(default_factory=list)
    """Raw records with the row (feature number, line number) that messages cite."""
    problems: list[Problem] = field(default_factory=list)
    """Rows the reader could not turn into records, in the file's own terms; those rows are not in ``rows``."""
    warnings: list[Problem] = field(default_factory=list)
    columns: Mapping[str, str] = field(default_factory=dict)
    """Schema field -> the name it goes by in the file, where the two differ (``lat`` -> ``latitude``)."""

    def column(self, field_path: str) -> str:
        """A problem's field (``lat``, ``sources[2].url``) as the file names it."""
        base, sep, rest = field_path.partition("[") if "[" in field_path else field_path.partition(".")
        name = self.columns.get(base)
        return field_path if name is None else name if not rest else f"{name}{sep}{rest}"


def file_error(path: Path | str, message: str, row: int = 0, field: str = "-") -> ValidationError:
    """A ValidationError for a problem with the file as a whole."""
    return ValidationError([Problem(str(path), row, field, message)])


def json_list(text: str):
    """A list written as JSON text (as in a CSV cell, or a GeoJSON property a GIS tool flattened to a string).

    Empty text is an empty list; text that does not parse is returned as it is, for validation to report.
    """
    if not text.strip():
        return []
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return text


def detect_format(path: Path) -> str:
    """The format implied by a file's extension, and for CSV by its header (ACLED's names ``event_id_cnty``)."""
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix in (".csv", ".txt"):
        return "acled" if _first_line(path).count("event_id_cnty") else "csv"
    raise file_error(path, f"cannot tell the format from the extension {suffix!r}; name it with --format ({', '.join(FORMATS)})")


def _first_line(path: Path) -> str:
    """The start of a file's first line, lowercased ("" when it cannot be read: the reader will say why)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return ""
    encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    return head.decode(encoding, errors="ignore").split("\n", 1)[0].lower()


def read_text(path: Path, max_bytes: int = 2_000_000_000) -> str:
    """A file's text: UTF-8 (a BOM is dropped) or UTF-16 with a BOM; clear errors for other encodings, binary or missing files."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise file_error(path, "no such file") from None
    except IsADirectoryError:
        raise file_error(path, "is a directory, not a file") from None
    except OSError as error:
        raise file_error(path, f"cannot be read: {error.strerror}") from None
    if not data.strip():
        raise file_error(path, "the file is empty")
    if len(data) > max_bytes:
        raise file_error(path, f"the file is larger than {max_bytes} bytes")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_utf16(path, data)
    if b"\x00" in data[:65536]:
        raise file_error(path, "looks like a binary file (it contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise file_error(
            path,
            f"is not UTF-8 text (bad byte 0x{data[error.start]:02x}; it may be Latin-1 or Windows-1252); save it as UTF-8",
            row=line,
        ) from None


def _decode_utf16(path: Path, data: bytes) -> str:
    """UTF-16 text with a byte-order mark, as spreadsheets save "Unicode text"."""
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError as error:
        raise file_error(path, f"is not valid UTF-16 text although it starts with a UTF-16 byte-order mark ({error.reason})") from None
    if not text.strip():
        raise file_error(path, "the file is empty")
    if "\x00" in text:
        raise file_error(path, "looks like a binary file (it contains NUL characters), not text")
    return text


def read(path: Path | str, fmt: str | None = None) -> Read:
    """Raw records from an event file in the project's GeoJSON or CSV form, or ACLED's CSV."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt == "geojson":
        from geo.importers.events_geojson import read as reader
    elif fmt == "csv":
        from geo.importers.events_csv import read as reader
    elif fmt == "acled":
        from geo.importers.acled import read as reader
    else:
        raise file_error(path, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return reader(path)
