"""The one CSV reading front end of the dataset, the planning files, the inventory and the aliases
file: bytes -> text with one wording of encoding problems, and text -> rows numbered as an editor
numbers lines."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

csv.field_size_limit((1 << 31) - 1)  # a long cell (a notes blob of a CMDB export) is still a cell

Problem = Callable[[int, str, str], None]
"""Adds one problem of a file: ``problem(line, column, message)``."""


class CsvTextError(ValueError):
    """The file is not UTF-8 text or not CSV; ``str(exc)`` is a ``FILE:LINE: (col): message`` line."""


def decode_csv_text(raw: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped); CsvTextError for other encodings and binary files."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CsvTextError(
            f"{name}:{line}: (file): not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise CsvTextError(f"{name}:{line}: (file): NUL byte: this is not a CSV text file")
    return text


def csv_rows(
    text: str, name: str, errors: list[str] | None = None, delimiter: str = ","
) -> Iterator[tuple[int, list[str]]]:
    """``(line, fields)`` for every record, the header first, blank lines included as ``[]``.

    ``line`` is the editor line where the record *starts* (the header is line 1), also for records
    whose quoted fields span several lines. Malformed CSV raises CsvTextError naming the line of the
    record that could not be read (``FILE:LINE: (row): not valid CSV: ...``; line 1: ``(file)``),
    or, when ``errors`` is given, appends that message to it and stops.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous_end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = previous_end + 1
            column = "(file)" if line == 1 else "(row)"
            message = f"{name}:{line}: {column}: not valid CSV: {exc}"
            if errors is None:
                raise CsvTextError(message) from None
            errors.append(message)
            return
        yield previous_end + 1, row
        previous_end = reader.line_num


def is_blank(row: list[str]) -> bool:
    """A record with no text at all (an empty line, or only separators and spaces)."""
    return all(not cell.strip() for cell in row)


def line_problems(name: str) -> tuple[list[str], Problem]:
    """A list of problems and the function that adds one as ``FILE:LINE: column: message``."""
    problems: list[str] = []

    def problem(line: int, column: str, message: str) -> None:
        problems.append(f"{name}:{line}: {column}: {message}")

    return problems, problem


def read_header(
    raw: bytes, name: str, problems: list[str]
) -> tuple[list[str], Iterator[tuple[int, list[str]]]] | None:
    """The header (cells stripped) and the records after it, ``csv_rows`` numbered; or None, with
    the reason appended to ``problems``: not UTF-8 text, not CSV, or an empty file. Malformed CSV
    further down is appended to ``problems`` when the records are read, in line order."""
    try:
        text = decode_csv_text(raw, name)
    except CsvTextError as exc:
        problems.append(str(exc))
        return None
    before = len(problems)
    rows = csv_rows(text, name, problems)
    first = next(rows, None)
    if first is None:
        if len(problems) == before:
            problems.append(f"{name}:1: (file): empty file: expected a CSV header row")
        return None
    return [h.strip() for h in first[1]], rows


def row_values(
    header: list[str], rows: Iterable[tuple[int, list[str]]], problem: Problem
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, {column: stripped cell})`` per record that is not blank; a record with another
    number of fields than the header has columns is a problem and is skipped."""
    for line, row in rows:
        if is_blank(row):
            continue
        if len(row) != len(header):
            problem(line, "(row)", f"expected {len(header)} fields, found {len(row)}")
            continue
        yield line, {h: cell.strip() for h, cell in zip(header, row, strict=True)}
