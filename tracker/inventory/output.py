"""Render a matched inventory in every ``--format`` without per-host Python on large estates.

csv goes through pyarrow's writer and json through pandas' encoder (a million hosts in well under
a second each); table and markdown use the shared renderers for ordinary inventories and a
vectorized layout of the same shape beyond ``LARGE`` hosts, where colour is dropped.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from tracker.formats import Column, Format, Result, renderer

LARGE = 50_000
COLUMNS = [
    Column("hostname", "Hostname"), Column("product", "Product"), Column("version", "Version"),
    Column("matched_product", "Matched product"), Column("cycle", "Cycle"),
    Column("status", "Status"), Column("days_to_eol", "Days to EOL", numeric=True),
]


def columns_of(matched: pd.DataFrame) -> list[Column]:
    known = {c.key for c in COLUMNS}
    return COLUMNS + [Column(str(c), str(c)) for c in matched.columns if c not in known]


def render_bytes(matched: pd.DataFrame, fmt: Format, as_of: str, generated_at: str,
                 color: bool = False) -> bytes:
    """The whole output document as UTF-8 bytes."""
    if fmt is Format.CSV:
        return to_csv(matched)
    if fmt is Format.JSON:
        return to_json(matched, as_of, generated_at)
    if len(matched) <= LARGE:
        result = Result(items=items_of(matched), columns=columns_of(matched), as_of=as_of,
                        generated_at=generated_at)
        return renderer(fmt)(result, color).encode("utf-8")
    return _large_text(matched, fmt).encode("utf-8")


def items_of(matched: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready dicts (None for missing); fine for ordinary sizes, too slow for millions."""
    obj = matched.astype(object).where(matched.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in obj.to_dict("records")]


def to_csv(matched: pd.DataFrame) -> bytes:
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow([str(c) for c in matched.columns])
    table = pa.Table.from_pandas(matched, preserve_index=False)
    body = io.BytesIO()
    try:  # minimal quoting, like the other commands' csv, when no value needs quotes at all
        pacsv.write_csv(table, body, pacsv.WriteOptions(include_header=False,
                                                        quoting_style="none"))
    except pa.ArrowInvalid:
        body = io.BytesIO()
        pacsv.write_csv(table, body, pacsv.WriteOptions(include_header=False,
                                                        quoting_style="needed"))
    return head.getvalue().encode("utf-8") + body.getvalue()


def to_json(matched: pd.DataFrame, as_of: str, generated_at: str) -> bytes:
    """``{"schema_version": 1, "generated_at", "as_of", "items": [...]}``, items encoded by pandas."""
    head = json.dumps({"schema_version": 1, "generated_at": generated_at, "as_of": as_of},
                      ensure_ascii=False)
    items = matched.to_json(orient="records", force_ascii=False) if len(matched) else "[]"
    # pandas escapes "/" as "\/" (valid JSON, but noisy); a data backslash is always "\\", so
    # every remaining "\/" pair is such an escape.
    items = (items or "[]").replace("\\/", "/")
    return (head[:-1] + ', "items": ' + items + "}\n").encode("utf-8")


def _large_text(matched: pd.DataFrame, fmt: Format) -> str:
    cols = columns_of(matched)
    cells = [matched[c.key].astype("str").fillna("").replace("", "-") for c in cols]
    if fmt is Format.MARKDOWN:
        cells = [s.str.replace("\\", "\\\\").str.replace("|", "\\|").str.replace("\n", " ")
                 for s in cells]
        line = "| " + cells[0]
        for s in cells[1:]:
            line = line + " | " + s
        head = ["| " + " | ".join(c.header for c in cols) + " |",
                "| " + " | ".join("---:" if c.numeric else "---" for c in cols) + " |"]
        return "\n".join([*head, *(line + " |").tolist()]) + "\n"
    widths = [max(len(c.header), int(s.str.len().max())) for c, s in zip(cols, cells, strict=True)]
    padded = [s.str.rjust(w) if c.numeric else s.str.ljust(w)
              for c, s, w in zip(cols, cells, widths, strict=True)]
    line = padded[0]
    for s in padded[1:]:
        line = line + "  " + s
    head = ["  ".join(c.header.rjust(w) if c.numeric else c.header.ljust(w)
                      for c, w in zip(cols, widths, strict=True)).rstrip(),
            "  ".join("-" * w for w in widths)]
    return "\n".join([*head, *line.str.rstrip().tolist()]) + "\n"
