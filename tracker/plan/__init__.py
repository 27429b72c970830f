"""Upgrade planning (README "Planning upgrades"): what to do, to which release, starting when.

``data`` reads and validates ``upgrades.csv``, ``stack.csv`` and the hardware list; ``engine`` is
the pure rule set (effective end, target, path, start-by); ``table`` applies it to an inventory in
Arrow, once per distinct (pair, layers, hardware end); ``inventory`` reads a file and plans it or
sums it per release cycle; ``hosts`` gives frames; ``output`` the table columns and ``--group-by``.
"""

from tracker.plan.data import Hop, Requirement, load_hardware, load_plan_data, parse_stack, parse_upgrades
from tracker.plan.engine import NONE_KNOWN, CyclePlan, Planner, PlanRules, Target

__all__ = [
    "NONE_KNOWN",
    "CyclePlan",
    "Hop",
    "PlanRules",
    "Planner",
    "Requirement",
    "Target",
    "load_hardware",
    "load_plan_data",
    "parse_stack",
    "parse_upgrades",
]
