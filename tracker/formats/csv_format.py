from __future__ import annotations

import csv
import io

from tracker.formats import Result, cell


def render(result: Result, color: bool = False) -> str:
    buf = io.StringIO()
    keys = list(result.items[0]) if result.items else [c.key for c in result.columns]
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(keys)
    for item in result.items:
        writer.writerow([cell(item.get(k)) for k in keys])
    return buf.getvalue()
