"""Host inventory -> matched release cycles (README: "Your hosts: `tracker inventory`").

Library API::

    aliases = load_aliases()                      # datasets/aliases.csv, compiled once
    hosts = load_inventory("hosts.csv")           # validating; InventoryError with FILE:LINE lines
    matched = match_inventory(hosts, records, as_of, aliases)
    estate = estate_summary(matched, records, as_of, warning_days=365)

The names are imported on first use: ``tracker.inventory.aliases`` (pure Python) serves the query
commands' resolver, which must not pay for pandas (``tracker.inventory.hosts``);
``tracker.inventory.table`` is the Arrow join the CLI uses for csv output (no pandas either).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.inventory.aliases import Aliases, Match, Matcher, load_aliases, parse_aliases
    from tracker.inventory.hosts import (
        EstateSummary,
        configured_estate,
        estate_summary,
        explain_inventory,
        load_inventory,
        match_inventory,
        status_counts,
    )
    from tracker.inventory.table import OUTPUT, UNMATCHED, InventoryError, inventory_problems

_ALIASES = ("Aliases", "Match", "Matcher", "load_aliases", "parse_aliases")
_TABLE = ("OUTPUT", "UNMATCHED", "InventoryError", "inventory_problems")
__all__ = [
    "OUTPUT",
    "UNMATCHED",
    "Aliases",
    "EstateSummary",
    "InventoryError",
    "Match",
    "Matcher",
    "configured_estate",
    "estate_summary",
    "explain_inventory",
    "inventory_problems",
    "load_aliases",
    "load_inventory",
    "match_inventory",
    "parse_aliases",
    "status_counts",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'tracker.inventory' has no attribute {name!r}")
    if name in _ALIASES:
        module = import_module("tracker.inventory.aliases")
    elif name in _TABLE:
        module = import_module("tracker.inventory.table")
    else:
        module = import_module("tracker.inventory.hosts")
    return getattr(module, name)
