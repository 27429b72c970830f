"""Render a matched inventory in every ``--format`` without per-host Python on large estates.

csv goes through pyarrow's writer (``table.write_csv_file`` into a file, ``csv_chunks`` to
stdout) and json through pandas' encoder (a million hosts in well under a second each); table
and markdown use the shared renderers for ordinary inventories and a vectorized layout of the
same shape beyond ``LARGE`` hosts, where colour is dropped. pandas is only named in annotations:
``write_chunks`` and ``write_csv_table`` serve the Arrow path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

import pyarrow as pa

from tracker.atomic import atomic_write_chunks, atomic_write_with, output_file
from tracker.formats import Column, Format, Result, markdown_cell, renderer
from tracker.inventory.table import CHUNK, write_csv_file
from tracker.inventory.table import csv_chunks as table_csv_chunks

if TYPE_CHECKING:
    import pandas as pd

LARGE = 50_000
COLUMNS = [
    Column("hostname", "Hostname"),
    Column("product", "Product"),
    Column("version", "Version"),
    Column("matched_product", "Matched product"),
    Column("cycle", "Cycle"),
    Column("status", "Status"),
    Column("days_to_eol", "Days to EOL", numeric=True),
]


def columns_of(matched: pd.DataFrame, base: list[Column] = COLUMNS) -> list[Column]:
    """``base`` (the command's own columns), then every other column of ``matched``."""
    known = {c.key for c in base}
    return base + [Column(str(c), str(c)) for c in matched.columns if c not in known]


def render_bytes(
    matched: pd.DataFrame, fmt: Format, as_of: str, generated_at: str, color: bool = False
) -> bytes:
    """The whole output document as UTF-8 bytes."""
    return b"".join(render_chunks(matched, fmt, as_of, generated_at, color))


def render_chunks(
    matched: pd.DataFrame,
    fmt: Format,
    as_of: str,
    generated_at: str,
    color: bool = False,
    base: list[Column] = COLUMNS,
) -> Iterator[bytes]:
    """The output document in pieces of at most ``CHUNK`` hosts, so that peak memory stays
    bounded by the input and not by the (larger) rendered text."""
    if fmt is Format.CSV:
        yield from csv_chunks(matched)
    elif fmt is Format.JSON:
        yield from json_chunks(matched, as_of, generated_at)
    elif len(matched) <= LARGE:
        result = Result(
            items=items_of(matched),
            columns=columns_of(matched, base),
            as_of=as_of,
            generated_at=generated_at,
            empty="(no hosts)",
        )
        yield renderer(fmt)(result, color).encode("utf-8")
    else:
        yield from _large_text_chunks(matched, fmt, base)


def write_chunks(chunks: Iterable[bytes], output: str | None, stdout: IO[str]) -> None:
    """Stream to stdout, or to ``output`` through the one atomic writer (temp file, then rename)."""
    if output and output != "-":
        atomic_write_chunks(output_file(output), chunks)
        return
    buffer = getattr(stdout, "buffer", None)
    stdout.flush()
    for chunk in chunks:
        if buffer is not None:
            buffer.write(chunk)
        else:
            stdout.write(chunk.decode("utf-8"))
    (buffer or stdout).flush()


def write_csv_table(table: pa.Table, output: str | None, stdout: IO[str]) -> None:
    """The Arrow csv path: into ``output`` pyarrow writes straight into the atomic writer's temp
    file (no bytes through Python); to stdout it streams ``csv_chunks``. Same bytes either way."""
    if output and output != "-":
        atomic_write_with(output_file(output), lambda _fh, tmp: write_csv_file(table, tmp))
        return
    write_chunks(table_csv_chunks(table), output, stdout)


def items_of(matched: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready dicts (None for missing); fine for ordinary sizes, too slow for millions."""
    obj = matched.astype(object).where(matched.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in obj.to_dict("records")]


def csv_chunks(matched: pd.DataFrame) -> Iterator[bytes]:
    return table_csv_chunks(pa.Table.from_pandas(matched, preserve_index=False), CHUNK)


def json_chunks(matched: pd.DataFrame, as_of: str, generated_at: str) -> Iterator[bytes]:
    """``{"schema_version": 1, "generated_at", "as_of", "items": [...]}``, items encoded by pandas."""
    head = json.dumps({"schema_version": 1, "generated_at": generated_at, "as_of": as_of}, ensure_ascii=False)
    yield (head[:-1] + ', "items": [').encode("utf-8")
    for start in range(0, len(matched), CHUNK):
        items = matched.iloc[start : start + CHUNK].to_json(orient="records", force_ascii=False)
        # pandas escapes "/" as "\/" (valid JSON, but noisy); a data backslash is always "\\",
        # so every remaining "\/" pair is such an escape.
        text = (items or "[]")[1:-1].replace("\\/", "/")
        yield (("," if start else "") + text).encode("utf-8")
    yield b"]}\n"


def _large_text_chunks(matched: pd.DataFrame, fmt: Format, base: list[Column] = COLUMNS) -> Iterator[bytes]:
    cols = columns_of(matched, base)
    widths = [max(len(c.header), int(_cells(matched[c.key]).str.len().max())) for c in cols]
    text = _large_text(matched.iloc[:0], fmt, widths, base=base)
    yield text.encode("utf-8")
    for start in range(0, len(matched), CHUNK):
        part = matched.iloc[start : start + CHUNK]
        yield _large_text(part, fmt, widths, head=False, base=base).encode("utf-8")


def _cells(s: pd.Series) -> pd.Series:
    return s.astype("str").fillna("").replace("", "-")


def _large_text(
    matched: pd.DataFrame,
    fmt: Format,
    widths: list[int] | None = None,
    head: bool = True,
    base: list[Column] = COLUMNS,
) -> str:
    """Table or markdown text of ``matched`` laid out like the shared renderers, vectorized."""
    cols = columns_of(matched, base)
    cells = [_cells(matched[c.key]) for c in cols]
    lines: list[str] = []
    if fmt is Format.MARKDOWN:
        cells = [_markdown_cells(s) for s in cells]
        if head:
            lines += [
                "| " + " | ".join(markdown_cell(c.header) for c in cols) + " |",
                "| " + " | ".join("---:" if c.numeric else "---" for c in cols) + " |",
            ]
        if len(matched):
            line = "| " + cells[0]
            for s in cells[1:]:
                line = line + " | " + s
            lines += (line + " |").tolist()
        return "".join(x + "\n" for x in lines)
    if widths is None:
        widths = [max([len(c.header), *s.str.len().tolist()]) for c, s in zip(cols, cells, strict=True)]
    if head:
        lines += [
            "  ".join(
                c.header.rjust(w) if c.numeric else c.header.ljust(w)
                for c, w in zip(cols, widths, strict=True)
            ).rstrip(),
            "  ".join("-" * w for w in widths),
        ]
    if len(matched):
        padded = [
            s.str.rjust(w) if c.numeric else s.str.ljust(w)
            for c, s, w in zip(cols, cells, widths, strict=True)
        ]
        line = padded[0]
        for s in padded[1:]:
            line = line + "  " + s
        lines += line.str.rstrip().tolist()
    return "".join(x + "\n" for x in lines)


def _markdown_cells(s: pd.Series) -> pd.Series:
    """``markdown_cell`` vectorized (same replacements, same order)."""
    for old, new in (("\\", "\\\\"), ("|", "\\|"), ("\r\n", " "), ("\n", " "), ("\r", " ")):
        s = s.str.replace(old, new, regex=False)
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        s = s.str.replace(old, new, regex=False)
    return s
