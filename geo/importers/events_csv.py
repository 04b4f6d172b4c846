"""Read events from a CSV file in the project's schema, and say what its columns hold.

Columns are the schema's field names, in any case (``latitude``/``longitude``
are read as ``lat``/``lon``); ``actors``, ``sources`` and ``tags`` hold JSON
lists; ``context`` is true/false; a ``revision`` column (as exports from a
store have) is passed on for ``geo.ingest``.  Messages name a column as the file spells it.  A leading apostrophe that a CSV
export put before ``= + - @`` to defuse a formula is taken off again.  Rows
are the file's line numbers, so they match what a spreadsheet shows.
``columns_markdown`` and ``columns_text`` describe the columns from ``geo.schema``
(for the README and ``import --help``), so the documentation cannot drift from what is read.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from geo.importers import Read, file_error, json_list, read_text
from geo.schema import ACTOR_FIELDS, FIELD_HELP, FIELDS, LIST_FIELDS, REQUIRED, REVISION, SOURCE_FIELDS, Problem, ValidationError
from geo.wording import noun

if TYPE_CHECKING:
    import pyarrow as pa

DELIMITERS = ",;\t"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0", "")

_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
"""A line with its ending: \\n, \\r\\n or \\r, as the csv module expects them."""

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def undefuse(cell: str) -> str:
    """Undo the apostrophe a safe CSV export puts before a formula-like cell."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS and cell[1:2] else cell


def csv_lines(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """A CSV file's header and ``(line_number, cells)`` for each data row, empty rows left out.

    The delimiter is whichever of comma, semicolon or tab the header line uses
    most (spreadsheets in many locales save with semicolons); column names are
    trimmed.  The line number is where the row starts.  A repeated column name
    or unreadable CSV raises ``ValidationError``.  Lines are cut from the text
    as they are read (as ``io.StringIO(text, newline="")`` would cut them, but
    without its copy of the text at four bytes a character).
    """
    header, reader, _ = _header(path, read_text(path))
    return header, _lines(path, reader)


def _header(path: Path, text: str) -> tuple[list[str], Iterator[list[str]], str]:
    """The header (checked as ``csv_lines`` says), the csv reader past it, and the delimiter."""
    delimiter = max(DELIMITERS, key=text.split("\n", 1)[0].count)
    reader = csv.reader((match.group() for match in _LINE.finditer(text)), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as error:
        raise file_error(path, f"not readable as CSV: {error}", row=1) from None
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ValidationError([Problem(str(path), 1, name, "column named more than once") for name in repeated])
    return header, reader, delimiter


def _lines(path: Path, reader) -> Iterator[tuple[int, list[str]]]:
    line = reader.line_num
    try:
        for cells in reader:
            row, line = line + 1, reader.line_num
            if cells:
                yield row, cells
    except csv.Error as error:
        raise file_error(path, f"not readable as CSV: {error}", row=line + 1) from None


@dataclass
class Cells:
    """Data rows of a CSV file, column by column."""

    lines: list[int]
    """The line each row starts on."""
    columns: dict[str, list[str]]
    """Column name -> its cells, "" where a row is short."""
    extra: list[int]
    """Cells beyond the header's columns, per row."""


def csv_cells(path: Path, names: Iterable[str], size: int) -> tuple[list[str], Iterator[Cells]]:
    """``csv_lines`` in chunks of at most ``size`` rows, with the cells of the columns in ``names`` (those the header has).

    Parsed by pyarrow when it reads the file as the csv module does (``plain_cells``), else by the csv module:
    the rows, cells and line numbers are the same either way.
    """
    text = read_text(path)
    header, reader, delimiter = _header(path, text)
    names = set(names)
    wanted = [(position, name) for position, name in enumerate(header) if name in names]
    plain = plain_cells(text, header, delimiter, wanted, size)
    return header, plain if plain is not None else _chunked(_lines(path, reader), len(header), wanted, size)


def _chunked(rows: Iterator[tuple[int, list[str]]], width: int, wanted: list[tuple[int, str]], size: int) -> Iterator[Cells]:
    while chunk := list(itertools.islice(rows, size)):
        cells = [row if len(row) == width else (row + [""] * width)[:width] for _, row in chunk]
        by_position = list(zip(*cells, strict=True))
        yield Cells([line for line, _ in chunk], {name: list(by_position[position]) for position, name in wanted},
                    [max(0, len(row) - width) for _, row in chunk])


def plain_cells(text: str, header: list[str], delimiter: str, wanted: list[tuple[int, str]], size: int) -> Iterator[Cells] | None:
    """The data rows parsed by pyarrow (in C), or None where it would not read them as the csv module does.

    pyarrow rejects a row of another width and some quoting the csv module takes, and skips empty lines,
    which the csv module counts: the file's lines must add up to its rows' lines (each row's line breaks,
    in quoted cells too, counted as ``_LINE`` counts them: \\n, \\r\\n or \\r), else None.  pyarrow and numpy are
    imported here, not with the module: ``import --help`` reads this module's column texts.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    names = [f"f{position}" for position in range(len(header))]
    try:
        table = pacsv.read_csv(pa.py_buffer(text.encode()), read_options=pacsv.ReadOptions(column_names=names),
                               parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                               convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows < 2 or [table.column(p)[0].as_py().strip() for p in range(len(header))] != header:
        return None
    marks = (("\n", 1), ("\r", 1), ("\r\n", -1)) if "\r" in text else (("\n", 1),)
    lines = sum(text.count(mark) * sign for mark, sign in marks) + (not text.endswith(("\n", "\r")))
    if lines == table.num_rows:  # a line a row: no empty line, no line break in a cell
        return _slices(table, list(range(1, lines + 1)), wanted, size)
    breaks = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        breaks += sum(pc.count_substring(column, mark).to_numpy() * sign for mark, sign in marks)
    spans = breaks + 1
    starts = np.cumsum(spans) - spans + 1
    if starts[-1] + breaks[-1] != lines:
        return None
    return _slices(table, starts.tolist(), wanted, size)


def _slices(table: pa.Table, starts: list[int], wanted: list[tuple[int, str]], size: int) -> Iterator[Cells]:
    for start in range(1, table.num_rows, size):
        count = min(size, table.num_rows - start)
        columns = {name: table.column(position).slice(start, count).to_pylist() for position, name in wanted}
        yield Cells(starts[start : start + count], columns, [0] * count)


def csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """``csv_lines`` with each row's cells by column name, as ``csv.DictReader`` gives them: extra cells under the
    key ``None``, missing ones None."""
    header, lines = csv_lines(path)

    def rows() -> Iterator[tuple[int, dict]]:
        for row, cells in lines:
            raw = dict(zip(header, cells, strict=False))
            if len(cells) > len(header):
                raw[None] = cells[len(header):]
            elif len(cells) < len(header):
                raw.update(dict.fromkeys(header[len(cells):]))
            yield row, raw

    return header, rows()


COLUMN_ALIASES = {"latitude": "lat", "longitude": "lon", "lng": "lon", "long": "lon", "type": "event_type"}
"""Other names a column may have, casefolded, for files from spreadsheets and GIS tools."""


def read(path: Path) -> Read:
    """Every data row as ``(line_number, record)``; the header names the schema fields (see the module docstring)."""
    header, rows = csv_rows(path)
    fields = {name: _field(name) for name in header}
    spellings: dict[str | None, list[str]] = {}
    for name, field in fields.items():
        spellings.setdefault(field, []).append(name)
    missing = [name for name in ("id", "title") if name not in spellings]
    if missing:
        hint = " (this looks like an ACLED export: use --format acled)" if "event_id_cnty" in header else ""
        raise file_error(path, f"missing {noun(len(missing), 'column')} {', '.join(missing)}; the header must name the schema fields{hint}",
                         row=1)
    unknown = [name for name, field in fields.items() if field is None]
    if unknown:
        raise ValidationError([Problem(str(path), 1, name, f"unknown column (the columns are: {', '.join(FIELDS)})") for name in unknown])
    twice = {field: names for field, names in spellings.items() if field and len(names) > 1}
    if twice:
        raise ValidationError([Problem(str(path), 1, " and ".join(names), f"both name the field {field!r}")
                               for field, names in twice.items()])
    records = [(row, _record(path, row, {fields.get(name): cell for name, cell in raw.items()})) for row, raw in rows]
    return Read(rows=records, columns={field: name for name, field in fields.items() if name != field})


def _field(column: str) -> str | None:
    """The schema field a column names (or ``revision``, which exports add after the fields), or None."""
    folded = column.casefold()
    return folded if folded in FIELDS or folded == REVISION else COLUMN_ALIASES.get(folded)


def _record(path: Path, row: int, raw: dict) -> dict:
    """One row as a raw record; a cell that does not parse is kept as text for validation to report."""
    if None in raw:
        raise file_error(path, "more cells than header columns", row=row)
    record: dict = {}
    for name, cell in raw.items():
        cell = undefuse(cell or "")
        if name in LIST_FIELDS:
            record[name] = json_list(cell)
        elif name == "context":
            lowered = cell.strip().lower()
            record[name] = lowered in _TRUE if lowered in _TRUE + _FALSE else cell
        else:
            record[name] = cell
    return record


LIST_CELLS = {
    "actors": json.dumps([dict.fromkeys(ACTOR_FIELDS, "…")], ensure_ascii=False),
    "sources": json.dumps([dict.fromkeys(SOURCE_FIELDS, "…")], ensure_ascii=False),
    "tags": json.dumps(["…", "…"], ensure_ascii=False),
}
"""How each list cell is written: JSON text, as a CSV export writes it (keys may be left out when empty)."""


def column_rows() -> list[tuple[str, bool, str, str]]:
    """(column, required, what it holds, how a list cell is written or "") for every column of the CSV form, in export order."""
    return [(name, name in REQUIRED, FIELD_HELP[name], LIST_CELLS.get(name, "")) for name in FIELDS]


def columns_markdown() -> str:
    """The columns as a Markdown table (the README's)."""
    lines = ["| column | required | what it holds |", "|---|---|---|"]
    for name, required, text, cell in column_rows():
        lines.append(f"| `{name}` | {'yes' if required else ''} | {text}{f'; written `{cell}`' if cell else ''} |")
    return "\n".join(lines)


def columns_text() -> str:
    """The columns as plain lines (``import --help``): "column (required): what it holds"."""
    return "\n".join(f"{name}{' (required)' if required else ''}: {text}{f'; written {cell}' if cell else ''}"
                     for name, required, text, cell in column_rows())
