from __future__ import annotations

import csv
import io

from tracker.formats import Result, cell, csv_cell


def render(result: Result, color: bool = False) -> str:
    """RFC 4180 CSV, every item key a column; cells that would run as spreadsheet formulas get ``'``."""
    buf = io.StringIO()
    # Without rows, the header a row would have had: scripts reading by position never shift.
    keys = list(result.items[0]) if result.items else list(result.fields) or [c.key for c in result.columns]
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([csv_cell(k) for k in keys])
    for item in result.items:
        writer.writerow([csv_cell(cell(item.get(k))) for k in keys])
    return buf.getvalue()
