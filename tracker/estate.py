"""``EstateSummary``: "your estate" in numbers, a plain dataclass without pandas.

The inventory join (``tracker.inventory``, pandas) builds it; the report, the digests, ``tracker check``
and the nightly job read it. Keeping the type here lets those readers name it without importing pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CycleKey = tuple[str, str, str]
"""(vendor, product, cycle) as in ``LifecycleRecord.key``."""

HOST_NAMES_KEPT = 5
"""Host names kept per cycle: enough to name the first few, the rest are counted."""


@dataclass(frozen=True)
class EstateSummary:
    """ "Your estate" in numbers, for the report, the alert digests and ``tracker check``."""

    hosts_by_status: dict[str, int]
    """Hosts per status (lifecycle order, then ``unmatched``)."""
    at_risk: list[tuple[str, int]]
    """Groups (by ``at_risk_by``) with the most hosts past eol or approaching it, most first."""
    host_counts: dict[CycleKey, int]
    """Matched hosts per (vendor, product, cycle)."""
    at_risk_by: str | None = None
    """The column ``at_risk`` groups by: ``cluster``, else ``owner``; None when neither exists."""
    total: int = 0
    unmatched: int = 0
    cycles: dict[CycleKey, int | None] = field(default_factory=dict)
    """days_to_eol per (vendor, product, cycle) present in the estate."""
    host_names: dict[CycleKey, tuple[str, ...]] = field(default_factory=dict)
    """The first ``HOST_NAMES_KEPT`` host names per cycle, in inventory order."""
