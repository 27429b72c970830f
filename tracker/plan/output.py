"""How a plan is shown: the table columns, and the ``--group-by`` summary (one row per group)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tracker.formats import Column, Result
from tracker.plan.engine import NONE_KNOWN
from tracker.plan.table import URGENT_DAYS

TABLE_COLUMNS = [
    Column("hostname", "Hostname"),
    Column("product", "Product"),
    Column("cycle", "Cycle"),
    Column("status", "Status"),
    Column("effective_end", "Effective end"),
    Column("binding", "Binding"),
    Column("target_product", "Target product"),
    Column("target_cycle", "Target"),
    Column("path", "Path"),
    Column("hops", "Hops", numeric=True),
    Column("start_by", "Start by"),
    Column("days_to_start", "Days to start", numeric=True),
]
NO_GROUP = "(none)"


def _value(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    return v.item() if hasattr(v, "item") else v


def grouped_result(planned: pd.DataFrame, column: str, as_of: str, generated_at: str) -> Result:
    """One item per value of ``column`` (blank = ``(none)``), soonest start-by first: host count,
    the earliest start-by date and the host plan that sets it, hosts with no known path, hosts
    that must start within 90 days."""
    group = planned[column].astype("str").fillna("").replace("", NO_GROUP)
    shown = ["start_by", "binding", "product", "cycle", "target_product", "target_cycle", "path"]
    frame = planned.astype(dict.fromkeys(shown, "str")).assign(_group=group)
    by = frame.groupby("_group", sort=False)
    hosts = by.size()
    no_path = frame["path"].eq(NONE_KNOWN).groupby(frame["_group"], sort=False).sum()
    urgent = (
        frame["days_to_start"]
        .le(URGENT_DAYS)
        .fillna(False)
        .astype(bool)
        .groupby(frame["_group"], sort=False)
        .sum()
    )
    first = frame.sort_values("start_by", na_position="last", kind="stable").drop_duplicates("_group")
    items: list[dict[str, Any]] = []
    for _, row in first.iterrows():
        g = row["_group"]
        items.append(
            {
                column: g,
                "hosts": int(hosts[g]),
                "start_by": _value(row["start_by"]),
                "days_to_start": _value(row["days_to_start"]),
                "binding": _value(row["binding"]),
                "product": _value(row["product"]),
                "cycle": _value(row["cycle"]),
                "target_product": _value(row["target_product"]),
                "target_cycle": _value(row["target_cycle"]),
                "must_start": int(urgent[g]),
                "no_path": int(no_path[g]),
            }
        )
    columns = [
        Column(column, column),
        Column("hosts", "Hosts", numeric=True),
        Column("start_by", "Earliest start by"),
        Column("days_to_start", "Days to start", numeric=True),
        Column("binding", "Binding"),
        Column("product", "Product"),
        Column("cycle", "Cycle"),
        Column("target_product", "Target product"),
        Column("target_cycle", "Target"),
        Column("must_start", f"Start within {URGENT_DAYS}d", numeric=True),
        Column("no_path", "No known path", numeric=True),
    ]
    title = f"Upgrade plan by {column} (as of {as_of})"
    return Result(
        items=items, columns=columns, as_of=as_of, generated_at=generated_at, title=title, empty="(no hosts)"
    )
