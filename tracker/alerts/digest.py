"""One digest email per route: text and HTML parts built from the same ordered items.

Order and words follow the report (README "Nightly HTML report"); with an inventory, the items on your
hosts come first (past end of life, then days left) with host counts and names; the subject names the
most urgent one ("Hyper-V Server 2016 on 2 hosts: end of life in 47 days (+18 more)"). The HTML part is
a Jinja2 template: one 600 px column of cards that reflows to a 375 px phone. The silence commands name
the ``--config`` file the run used, so they mute the ledger that sends the mail.

Every header value that comes from the dataset goes through ``one_line`` (no CR/LF, so no header
injection); addresses are ``email.headerregistry.Address`` objects, never strings glued together.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from tracker import __version__, templating
from tracker import vocabulary as vocab
from tracker.alerts.due import START_BY, CycleKey, DueItem, upgrade_to
from tracker.config import Route, Settings
from tracker.dataset import is_http_url
from tracker.estate import EstateSummary
from tracker.status import days_to_eol
from tracker.vocabulary import milestone_term, subject_term

if TYPE_CHECKING:
    from tracker.report.model import PlanLike

DEFAULT_FROM = "tracker@localhost"
HOST_NAMES_SHOWN = 3
NO_PATH = "no known upgrade path"
NEWEST = "already the newest release: plan its replacement"


@dataclass(frozen=True)
class DigestContext:
    """What a digest can say beyond its items: links, hosts, plan, and the config the run used."""

    report_url: str | None = None
    """The day's report (``report.url`` + the report's file name)."""
    calendar_url: str | None = None
    config_path: Path | None = None
    """Written into the silence commands as ``tracker --config PATH ...``."""
    estate: EstateSummary | None = None
    """Host counts and names per cycle; overrides ``host_counts``."""
    plan: Mapping[CycleKey, PlanLike] | None = None
    """Target release and start-by date per cycle of your estate (``tracker plan``), when known."""


def digest_context(
    settings: Settings,
    as_of: date,
    estate: EstateSummary | None = None,
    config_path: Path | None = None,
    plan: Mapping[CycleKey, PlanLike] | None = None,
) -> DigestContext:
    """Links from ``settings.report.url`` (when set): the day's report and the calendar feed."""
    from tracker.report.history import CALENDAR_NAME, report_name

    base = settings.report.url
    if base:
        base = base if base.endswith("/") else base + "/"
    return DigestContext(
        report_url=urljoin(base, report_name(as_of)) if base else None,
        calendar_url=urljoin(base, CALENDAR_NAME) if base else None,
        config_path=config_path,
        estate=estate,
        plan=plan,
    )


def one_line(text: str) -> str:
    """Collapse every run of whitespace (CR, LF, tabs) into one space."""
    return " ".join(text.split())


SILENCE_AT_LEAST_DAYS = 30


def silence_command(item: DueItem, as_of: date, config_path: Path | None = None) -> str:
    """The exact command that mutes this item until its milestone has passed (30 days at least)."""
    until = max(item.when.last_day + timedelta(days=1), as_of + timedelta(days=SILENCE_AT_LEAST_DAYS))
    config = ["--config", str(config_path)] if config_path is not None else []
    return shlex.join(
        [
            "tracker",
            *config,
            "alert",
            "silence",
            item.record.product,
            item.record.cycle,
            "--milestone",
            item.milestone,
            "--until",
            until.isoformat(),
            "--reason",
            "REASON",
        ]
    )


def _counts(
    host_counts: Mapping[CycleKey, int] | None, context: DigestContext | None
) -> Mapping[CycleKey, int] | None:
    if context is not None and context.estate is not None:
        return context.estate.host_counts
    return host_counts


def ordered(items: Sequence[DueItem], counts: Mapping[CycleKey, int] | None) -> list[DueItem]:
    """Items on your hosts first (past end of life, then soonest), then the others by date."""
    hosts = counts or {}

    def key(item: DueItem) -> tuple[bool, bool, int, tuple[date, str, str, str, int]]:
        if hosts.get(item.record.key, 0) > 0:  # past end of life first, then soonest
            return (False, item.days_left >= 0, item.days_left, item.sort_key)
        # Elsewhere, as in the report: what is coming, soonest first; then what just passed.
        return (True, item.days_left < 0, abs(item.days_left), item.sort_key)

    return sorted(items, key=key)


def _what(item: DueItem, counts: Mapping[CycleKey, int] | None) -> str:
    n = (counts or {}).get(item.record.key, 0)
    where = f" on {vocab.hosts(n)}" if n else ""
    term = subject_term(item.record.vendor, item.milestone)
    return f"{item.record.name}{where}: {term} {vocab.when(item.days_left)}"


def subject_for(
    items: Sequence[DueItem],
    host_counts: Mapping[CycleKey, int] | None = None,
    context: DigestContext | None = None,
) -> str:
    """Name the most urgent item (on your hosts first) and count the rest."""
    counts = _counts(host_counts, context)
    first = ordered(items, counts)[0]
    more = f" (+{len(items) - 1} more)" if len(items) > 1 else ""
    return one_line(f"{_what(first, counts)}{more}")


def _headline(items: Sequence[DueItem], counts: Mapping[CycleKey, int] | None) -> str:
    first = items[0]
    return one_line(f"{_what(first, counts)} ({first.when.text})")


def _urgency(item: DueItem) -> vocab.Urgency:
    return vocab.urgency(item.days_left)


def _border(level: vocab.Urgency) -> str:
    """The card's left edge: the chip's strong colour (its background when dark, else its border)."""
    style = vocab.URGENCY_STYLES[level]
    return style.bg if level in (vocab.Urgency.PAST, vocab.Urgency.D30) else style.border


def _vendor_term(item: DueItem) -> str:
    """The vendor's own name for the milestone when it differs from ours ("Microsoft: ...")."""
    term = milestone_term(item.record.vendor, item.milestone)
    if term == vocab.milestone_name(item.milestone):
        return ""
    return f"{item.record.vendor} calls it {term}"


def _plan(item: DueItem, context: DigestContext | None, as_of: date) -> tuple[str, str, bool]:
    """(target, ``start by 2026-07-12 (4 months overdue)``, newest) from the plan; empty when
    unknown. ``newest``: the cycle is already its line's newest release (plan its replacement)."""
    if item.milestone == START_BY:  # the item itself is the start-by date: name the target only
        target, newest = upgrade_to(item.start.target if item.start is not None else "", item.record.name)
        return (target, "", newest)
    cycle = context.plan.get(item.record.key) if context is not None and context.plan else None
    if cycle is None:
        return ("", "", False)
    start = vocab.start_by(cycle.start_by, as_of) if cycle.start_by is not None else ""
    target, newest = upgrade_to(cycle.target, item.record.name)
    return (target, start, newest)


def _past_eol(item: DueItem, as_of: date) -> str:
    """``past EOL 13 months ago (2025-10-02)`` for a paid-support item of a cycle already past EOL."""
    eol, days = item.record.eol, days_to_eol(item.record, as_of)
    if item.milestone != "extended_end" or eol is None or days is None or days >= 0:
        return ""
    return f"{vocab.until(days)} ({eol.text})"


def _card(
    item: DueItem, context: DigestContext | None, counts: Mapping[CycleKey, int] | None, as_of: date
) -> dict[str, Any]:
    r = item.record
    level = _urgency(item)
    n = (counts or {}).get(r.key, 0)
    names: tuple[str, ...] = ()
    if context is not None and context.estate is not None:
        names = context.estate.host_names.get(r.key, ())[:HOST_NAMES_SHOWN]
    sources: list[dict[str, str | None]] = []
    for src in r.sources:
        if is_http_url(src):
            sources.append({"href": src, "label": urlsplit(src).hostname or src})
        else:
            sources.append({"href": None, "label": src})
    target, start, newest = _plan(item, context, as_of)
    return {
        "name": r.name,
        "vendor": r.vendor,
        "urgency": str(level),
        "urgency_word": vocab.URGENCY_STYLES[level].word,
        "border": _border(level),
        "phrase": vocab.until(item.days_left, item.milestone),
        "milestone": vocab.MILESTONE_HEADINGS.get(item.milestone, item.milestone),
        "vendor_term": _vendor_term(item),
        "date": item.when.text,
        "hosts": n,
        "hosts_text": vocab.hosts(n),
        "host_names": names,
        "more_hosts": max(0, n - len(names)) if names else 0,
        "target": target,
        "start": start,
        "newest": newest,
        "moved_from": item.moved_from,
        "past_eol": _past_eol(item, as_of),
        "sources": sources,
        "threshold": item.threshold,
    }


def _sections(
    items: Sequence[DueItem], counts: Mapping[CycleKey, int] | None
) -> list[tuple[str, list[DueItem]]]:
    if counts is None:
        return [("", list(items))]
    on = [i for i in items if counts.get(i.record.key, 0) > 0]
    off = [i for i in items if counts.get(i.record.key, 0) == 0]
    return [(title, part) for title, part in (("On your hosts", on), ("On none of your hosts", off)) if part]


def _intro(items: Sequence[DueItem], counts: Mapping[CycleKey, int] | None) -> str:
    n = len(items)
    text = f"{vocab.plural(n, 'milestone')} reached an alert threshold"
    if counts is not None:
        on = sum(1 for i in items if counts.get(i.record.key, 0) > 0)
        text += f", {on} on your hosts"
    return text + "."


def start_sentence(item: DueItem) -> str:
    """``start the upgrade of Hyper-V Server 2016 (2 hosts) by 2026-07-12 — target Windows Server 2025``."""
    start = item.start
    hosts = f" ({vocab.hosts(start.hosts)})" if start else ""
    to, newest = upgrade_to(start.target if start else "", item.record.name)
    target = f" — {NEWEST}" if newest else f" — target {to}" if to else f" — {NO_PATH}"
    return one_line(f"start the upgrade of {item.record.name}{hosts} by {item.when.text}{target}")


def _item_lines(
    item: DueItem, counts: Mapping[CycleKey, int] | None, context: DigestContext | None, as_of: date
) -> list[str]:
    c = _card(item, context, counts, as_of)
    lines = [
        f"- {start_sentence(item) if item.milestone == START_BY else c['name']} ({c['vendor']})",
        f"  {c['phrase']} ({c['milestone'].lower()}: {c['date']}"
        + (f"; {c['vendor_term']})" if c["vendor_term"] else ")"),
    ]
    if c["past_eol"]:
        lines.append(f"  already {c['past_eol']}")
    if c["hosts"]:
        names = ", ".join(c["host_names"])
        more = f" +{c['more_hosts']} more" if c["more_hosts"] else ""
        lines.append(f"  {c['hosts_text']}" + (f": {names}{more}" if names else ""))
    if c["target"] or c["start"]:
        upgrade = f"upgrade to {c['target']}" if c["target"] else NEWEST if c["newest"] else NO_PATH
        lines.append(f"  {upgrade}" + (f", {c['start']}" if c["start"] else ""))
    if item.moved_from:
        lines.append(f"  date moved from {item.moved_from} to {item.when.text}")
    lines.append(f"  alert threshold: {item.threshold} days")
    for src in item.record.sources:
        lines.append(f"  source: {src}")
    return lines


@dataclass(frozen=True)
class _Digest:
    """What both parts of one digest are made from: the items in mail order and their host counts."""

    items: list[DueItem]
    counts: Mapping[CycleKey, int] | None
    route: Route
    as_of: date
    context: DigestContext | None

    @property
    def config(self) -> Path | None:
        return self.context.config_path if self.context is not None else None


def _digest(
    items: Sequence[DueItem],
    route: Route,
    as_of: date,
    host_counts: Mapping[CycleKey, int] | None,
    context: DigestContext | None,
) -> _Digest:
    counts = _counts(host_counts, context)
    return _Digest(ordered(items, counts), counts, route, as_of, context)


def render_text(
    items: Sequence[DueItem],
    route: Route,
    as_of: date,
    host_counts: Mapping[CycleKey, int] | None = None,
    *,
    context: DigestContext | None = None,
) -> str:
    return _text(_digest(items, route, as_of, host_counts, context))


def _text(d: _Digest) -> str:
    items, counts, context, as_of = d.items, d.counts, d.context, d.as_of
    out = [
        f"Hypervisor lifecycle alerts as of {vocab.iso(as_of)} (route {d.route.match}).",
        "",
        _headline(items, counts) + ".",
        _intro(items, counts),
    ]
    if context is not None and context.report_url:
        out.append(f"Report: {context.report_url}")
    if context is not None and context.calendar_url:
        out.append(f"Calendar feed: {context.calendar_url}")
    for title, part in _sections(items, counts):
        out.append("")
        if title:
            out.extend([f"{title}:", ""])
        for item in part:
            out.extend(_item_lines(item, counts, context, as_of))
            out.append("")
    out.append("-- ")
    out.append("To silence an alert, run on the tracker host (replace REASON):")
    out.extend(f"  {silence_command(item, as_of, d.config)}" for item in items)
    out.append(f"Sent by tracker {__version__}; each threshold is mailed once per route.")
    return "\n".join(out) + "\n"


def _html(d: _Digest) -> str:
    items, counts, context = d.items, d.counts, d.context
    sections = [
        {"title": title, "cards": [_card(i, context, counts, d.as_of) for i in part]}
        for title, part in _sections(items, counts)
    ]
    page = {
        "subject": subject_for(items, counts),
        "as_of": vocab.iso(d.as_of),
        "headline": _headline(items, counts),
        "intro": _intro(items, counts),
        "report_url": context.report_url if context is not None else None,
        "calendar_url": context.calendar_url if context is not None else None,
        "sections": sections,
        # Words of each command, quoted for the shell: the HTML keeps each one whole on a line.
        "silence": [
            [shlex.quote(word) for word in shlex.split(silence_command(i, d.as_of, d.config))] for i in items
        ],
        "route": d.route.match,
        "version": __version__,
    }
    return templating.environment("tracker.alerts").get_template("digest.html").render(page)


def address(addr: str) -> Address:
    """``addr`` or ``Display Name <addr>`` (smtp.from) as a header address."""
    name, spec = parseaddr(one_line(addr)) if "<" in addr else ("", one_line(addr))
    return Address(display_name=name, addr_spec=spec)


def build_digest(
    items: Sequence[DueItem],
    route: Route,
    as_of: date,
    now: datetime,
    from_addr: str = DEFAULT_FROM,
    host_counts: Mapping[CycleKey, int] | None = None,
    *,
    context: DigestContext | None = None,
) -> EmailMessage:
    """The digest for one route; To: is the route's recipients (none for an outbox-only route)."""
    digest = _digest(items, route, as_of, host_counts, context)
    items = digest.items
    sender = address(from_addr)
    msg = EmailMessage()
    msg["Subject"] = subject_for(items, host_counts, context)
    msg["From"] = sender
    if route.to:
        msg["To"] = [address(a) for a in route.to]
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(idstring="tracker-alert", domain=sender.domain or "localhost")
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Tracker-Route"] = one_line(route.match)
    msg.set_content(_text(digest))
    msg.add_alternative(_html(digest), subtype="html")
    return msg
