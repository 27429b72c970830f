"""The words every surface uses for phases, milestones and urgency: report, digest, calendar, CLI.

One owner for the vocabulary, so that the report, a digest and ``tracker alert list`` can never call
the same thing by two names ("Security fixes only" here, "end of extended support" there) or count
days differently ("1 days left"). Dates that people compare are ISO 8601 everywhere (``iso``).

Urgency is one scale of days to end of life: past, within 30, within 90, within 365, later. Each step
has a word *and* a colour (foreground and background, contrast at least 4.5:1 between them, checked
by a test), so the colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# --- phases (the statuses of tracker.status) and milestones -------------------------------------

PHASES: dict[str, str] = {
    "unreleased": "Unreleased",
    "supported": "Supported",
    "security-only": "Security fixes only",
    "extended": "Paid extended support",
    "end-of-life": "End of life",
}
"""Status value -> the phase's name, as a label (capitalised)."""

MILESTONE_NAMES: dict[str, str] = {
    "release": "release",
    "support_end": "end of full support",
    "eol": "end of life",
    "extended_end": "end of paid extended support",
    "start_by": "start the upgrade",
}
"""Milestone column -> its name in running text (lower case)."""

MILESTONE_HEADINGS: dict[str, str] = {
    "release": "Release",
    "support_end": "Full support ends",
    "eol": "End of life",
    "extended_end": "Paid support ends",
    "start_by": "Start by",
}
"""Milestone column -> a short column heading."""

MILESTONE_MEANINGS: dict[str, str] = {
    "support_end": "Last day of full support (all fixes); security fixes only from the next day",
    "eol": "Last day of security fixes from the vendor: the end of life",
    "extended_end": "Last day of the later paid or limited phase (ESU, technical guidance)",
}

SHORT_MILESTONES: dict[str, str] = {
    "support_end": "end of full support",
    "eol": "EOL",
    "extended_end": "end of paid support",
    "start_by": "start-by date",
}
"""Milestone column -> the short form used in urgency phrases ("EOL in 4 days")."""


def phase(status: str) -> str:
    """``security-only`` -> ``Security fixes only``; an unknown key is shown capitalised."""
    return PHASES.get(str(status), str(status).replace("-", " ").capitalize())


def milestone_name(milestone: str) -> str:
    return MILESTONE_NAMES.get(milestone, milestone.replace("_", " "))


# --- milestones in each vendor's own words ------------------------------------------------------
# Teams recognise "end of extended support" (Microsoft) or "end of general support" (VMware) faster
# than tracker's column names; ``eol`` is also called plainly "end of life" in subjects.

DEFAULT_TERMS = {m: MILESTONE_NAMES[m] for m in ("support_end", "eol", "extended_end", "start_by")}
"""tracker's own words, used for every vendor without its own terms."""

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
    return DEFAULT_TERMS.get(milestone, milestone_name(milestone))


def milestone_label(vendor: str, milestone: str) -> str:
    """Vendor term, plus "(end of life)" for eol when the vendor calls it something else."""
    term = milestone_term(vendor, milestone)
    if milestone == "eol" and term != DEFAULT_TERMS["eol"]:
        return f"{term} (end of life)"
    return term


def subject_term(vendor: str, milestone: str) -> str:
    """Short form for subjects: eol is always "end of life", the term everyone searches for."""
    return DEFAULT_TERMS["eol"] if milestone == "eol" else milestone_term(vendor, milestone)


# --- numbers and days ---------------------------------------------------------------------------


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 host``, ``2 hosts``, ``0 hosts`` (``many`` for irregular plurals)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def days(count: int) -> str:
    """A duration in days, always positive: ``1 day``, ``44 days``."""
    return plural(abs(count), "day")


def span(count: int) -> str:
    """A duration people grasp at a glance: days up to 99, then months up to two years, then years.

    ``4 days``, ``99 days``, ``5 months``, ``23 months``, ``4 years`` (months of 30.44 days, rounded
    down: never later than the truth in a warning).
    """
    n = abs(count)
    if n < 100:
        return days(n)
    months = int(n / 30.436875)
    if months < 24:
        return plural(months, "month")
    return plural(int(n / 365.2425), "year")


def hosts(count: int) -> str:
    return plural(count, "host")


def iso(day: date) -> str:
    """The one form of a date that people compare: ``2026-11-26``."""
    return day.isoformat()


def until(days_left: int | None, milestone: str = "eol") -> str:
    """``EOL in 4 days``, ``EOL today``, ``past EOL 44 days ago``, ``no EOL announced``."""
    short = SHORT_MILESTONES.get(milestone, milestone_name(milestone))
    if days_left is None:
        return f"no {short} announced"
    if days_left == 0:
        return f"{short} today"
    if days_left > 0:
        return f"{short} in {span(days_left)}"
    return f"past {short} {span(days_left)} ago"


def overdue(days_late: int) -> str:
    """A start-by date already behind: ``1 day overdue``, ``4 months overdue``."""
    return f"{span(days_late)} overdue"


def start_by(day: date, as_of: date) -> str:
    """``start by 2027-04-11``; ``start by 2026-07-12 (4 months overdue)`` once the day has passed."""
    late = (as_of - day).days
    text = f"start by {iso(day)}"
    return f"{text} ({overdue(late)})" if late > 0 else text


def days_left(count: int) -> str:
    """Days to a milestone as a table cell: ``4 days left``, ``1 day left``, ``today``, ``3 days ago``."""
    if count == 0:
        return "today"
    if count > 0:
        return f"{days(count)} left"
    return f"{days(count)} ago"


def when(count: int) -> str:
    """Relative form for sentences: ``in 4 days``, ``tomorrow``, ``today``, ``yesterday``, ``3 days ago``."""
    if count == 0:
        return "today"
    if count == 1:
        return "tomorrow"
    if count == -1:
        return "yesterday"
    return f"in {span(count)}" if count > 0 else f"{span(count)} ago"


# --- urgency ------------------------------------------------------------------------------------


class Urgency(StrEnum):
    """One scale of days to end of life; the value is also the CSS class."""

    PAST = "u-past"
    D30 = "u-30"
    D90 = "u-90"
    D365 = "u-365"
    LATER = "u-later"
    NONE = "u-none"


URGENCY_LIMITS = (30, 90, 365)
"""Upper bounds (inclusive) of the three "coming" steps, in days."""


@dataclass(frozen=True)
class UrgencyStyle:
    word: str
    """Short text that carries the meaning without colour."""
    fg: str
    bg: str
    border: str


URGENCY_STYLES: dict[Urgency, UrgencyStyle] = {
    Urgency.PAST: UrgencyStyle("Past EOL", "#ffffff", "#b91c1c", "#7f1d1d"),
    Urgency.D30: UrgencyStyle("≤ 30 days", "#ffffff", "#c2410c", "#7c2d12"),
    Urgency.D90: UrgencyStyle("≤ 90 days", "#78350f", "#fde68a", "#d97706"),
    Urgency.D365: UrgencyStyle("≤ 1 year", "#1e3a8a", "#dbeafe", "#93c5fd"),
    Urgency.LATER: UrgencyStyle("> 1 year", "#14532d", "#dcfce7", "#86efac"),
    Urgency.NONE: UrgencyStyle("No EOL date", "#374151", "#f3f4f6", "#d1d5db"),
}


def urgency(days_to_eol: int | None) -> Urgency:
    """Where ``days_to_eol`` falls on the scale (None: no end of life announced)."""
    if days_to_eol is None:
        return Urgency.NONE
    if days_to_eol < 0:
        return Urgency.PAST
    if days_to_eol <= URGENCY_LIMITS[0]:
        return Urgency.D30
    if days_to_eol <= URGENCY_LIMITS[1]:
        return Urgency.D90
    if days_to_eol <= URGENCY_LIMITS[2]:
        return Urgency.D365
    return Urgency.LATER


def urgency_css() -> str:
    """CSS rules ``.u-past{color:..;background:..}`` for the report and the digest alike."""
    return "".join(
        f".{u.value}{{color:{s.fg};background:{s.bg};border-color:{s.border}}}"
        for u, s in URGENCY_STYLES.items()
    )
