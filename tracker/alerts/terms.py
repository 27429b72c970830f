"""Milestone names in each vendor's own words, kept as data in one place.

Teams recognise "end of extended support" (Microsoft) or "end of general support" (VMware) faster
than tracker's column names; ``eol`` is also called plainly "end of life" in subjects.
"""

from __future__ import annotations

from tracker.vocabulary import MILESTONE_NAMES

DEFAULT_TERMS = {m: MILESTONE_NAMES[m] for m in ("support_end", "eol", "extended_end", "start_by")}
"""tracker's own words (``tracker.vocabulary``), used for every vendor without its own terms."""

VENDOR_TERMS: tuple[tuple[str, dict[str, str]], ...] = (
    # (case-insensitive substring of the vendor, terms)
    (
        "microsoft",
        {
            "support_end": "end of mainstream support",
            "eol": "end of extended support",
            "extended_end": "end of Extended Security Updates",
        },
    ),
    (
        "vmware",
        {
            "support_end": "end of general support",
            "eol": "end of general support",
            "extended_end": "end of technical guidance",
        },
    ),
)


def milestone_term(vendor: str, milestone: str) -> str:
    """The vendor's name for ``milestone`` ("end of extended support" for Microsoft's eol)."""
    folded = vendor.casefold()
    for needle, terms in VENDOR_TERMS:
        if needle in folded and milestone in terms:
            return terms[milestone]
    return DEFAULT_TERMS.get(milestone, MILESTONE_NAMES.get(milestone, milestone))


def milestone_label(vendor: str, milestone: str) -> str:
    """Vendor term, plus "(end of life)" for eol when the vendor calls it something else."""
    term = milestone_term(vendor, milestone)
    if milestone == "eol" and term != DEFAULT_TERMS["eol"]:
        return f"{term} (end of life)"
    return term


def subject_term(vendor: str, milestone: str) -> str:
    """Short form for subjects: eol is always "end of life", the term everyone searches for."""
    return DEFAULT_TERMS["eol"] if milestone == "eol" else milestone_term(vendor, milestone)
