"""A planned inventory as a pandas frame, and what the report, alerts and check read from it.

The join itself is ``tracker.plan.table`` (Arrow, once per distinct key); this module turns its
table into a frame (categorical text, Int64 numbers) for the table/json/markdown formats and
``--group-by``, and sums it up per release cycle (``plan_by_cycle``: target and start-by for the
report's estate section and the ``start_by`` alerts).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd
import pyarrow as pa

from tracker.dataset import LifecycleRecord
from tracker.inventory.table import UNMATCHED
from tracker.plan.inventory import CycleStart


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A planned table as a frame: text columns categorical, ``hops`` and ``days_to_start`` Int64."""
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def plan_by_cycle(
    planned: pd.DataFrame, records: Iterable[LifecycleRecord]
) -> dict[tuple[str, str, str], CycleStart]:
    """Per (vendor, product, cycle) of a planned frame (``to_frame``): host count, target, path,
    earliest start-by date and hosts already past it. Unmatched hosts are left out."""
    index = {(r.product, r.cycle): r for r in records}
    frame = planned.loc[
        planned["status"] != UNMATCHED,
        ["product", "cycle", "start_by", "days_to_start", "target_product", "target_cycle", "path"],
    ]
    out: dict[tuple[str, str, str], CycleStart] = {}
    if frame.empty:
        return out
    text = ["product", "cycle", "start_by", "target_product", "target_cycle", "path"]
    frame = frame.astype(dict.fromkeys(text, "str"))
    late = frame["days_to_start"].fillna(1) < 0
    grouped = frame.assign(late=late).groupby(["product", "cycle"], sort=False, dropna=False)
    summary = grouped.agg(
        hosts=("product", "size"),
        start_by=("start_by", "min"),
        late=("late", "sum"),
        target_product=("target_product", "first"),
        target_cycle=("target_cycle", "first"),
        path=("path", "first"),
    )
    for pair, row in summary.iterrows():
        names: tuple[object, ...] = pair  # type: ignore[assignment]
        record = index.get((str(names[0]), str(names[1])))
        if record is None:
            continue
        start = row["start_by"]
        out[record.key] = CycleStart(
            vendor=record.vendor,
            product=record.product,
            cycle=record.cycle,
            hosts=int(row["hosts"]),
            target_product=None if pd.isna(row["target_product"]) else str(row["target_product"]),
            target_cycle=None if pd.isna(row["target_cycle"]) else str(row["target_cycle"]),
            path=str(row["path"]),
            start_by=None if pd.isna(start) else date.fromisoformat(str(start)),
            hosts_past_start=int(row["late"]),
        )
    return out
