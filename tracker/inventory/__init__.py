"""Host inventory -> matched release cycles (README: "Your hosts: `tracker inventory`").

Library API::

    aliases = load_aliases()                      # datasets/aliases.csv, compiled once
    hosts = load_inventory("hosts.csv")           # validating; InventoryError with FILE:LINE lines
    matched = match_inventory(hosts, records, as_of, aliases)
    estate = estate_summary(matched, records, as_of, warning_days=365)
"""

from tracker.inventory.aliases import Aliases, Match, Matcher, load_aliases, parse_aliases
from tracker.inventory.hosts import (
    OUTPUT,
    UNMATCHED,
    EstateSummary,
    InventoryError,
    configured_estate,
    estate_summary,
    inventory_problems,
    load_inventory,
    match_inventory,
    status_counts,
)

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
    "inventory_problems",
    "load_aliases",
    "load_inventory",
    "match_inventory",
    "parse_aliases",
    "status_counts",
]
