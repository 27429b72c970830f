"""One digest email per route: text and HTML parts built from the same items.

Every header value that comes from the dataset goes through ``one_line`` (no CR/LF, so no header
injection); addresses are ``email.headerregistry.Address`` objects, never strings glued together.
"""

from __future__ import annotations

import html
import shlex
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from tracker import __version__
from tracker.alerts.due import START_BY, CycleKey, DueItem
from tracker.alerts.terms import milestone_label, subject_term
from tracker.config import Route
from tracker.dataset import is_http_url

DEFAULT_FROM = "tracker@localhost"


def one_line(text: str) -> str:
    """Collapse every run of whitespace (CR, LF, tabs) into one space."""
    return " ".join(text.split())


def when_phrase(days_left: int) -> str:
    if days_left == 0:
        return "today"
    if days_left == 1:
        return "tomorrow"
    if days_left == -1:
        return "yesterday"
    if days_left > 0:
        return f"in {days_left} days"
    return f"{-days_left} days ago"


def days_left_text(days_left: int) -> str:
    if days_left >= 0:
        return f"{days_left} day{'s' if days_left != 1 else ''} left"
    return f"passed {-days_left} day{'s' if days_left != -1 else ''} ago"


def hosts_text(count: int) -> str:
    return f"{count} host{'s' if count != 1 else ''} affected"


SILENCE_AT_LEAST_DAYS = 30


def silence_command(item: DueItem, as_of: date) -> str:
    """The exact command that mutes this item until its milestone has passed (30 days at least)."""
    until = max(item.when.last_day + timedelta(days=1), as_of + timedelta(days=SILENCE_AT_LEAST_DAYS))
    return shlex.join(
        [
            "tracker",
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


def subject_for(items: Sequence[DueItem]) -> str:
    """Count the items and name the most urgent one (the soonest date)."""
    first = min(items, key=lambda i: i.sort_key)
    n = len(items)
    what = (
        f"{first.record.name} {subject_term(first.record.vendor, first.milestone)} "
        f"{when_phrase(first.days_left)} ({first.when.text})"
    )
    return one_line(f"[tracker] {n} lifecycle alert{'s' if n != 1 else ''}: {what}")


def start_sentence(item: DueItem) -> str:
    """``start the upgrade of Hyper-V Server 2016 (2 hosts) by 2026-07-12 — target Windows Server 2025``."""
    start = item.start
    hosts = f" ({start.hosts} host{'s' if start.hosts != 1 else ''})" if start else ""
    target = f" — target {start.target}" if start and start.target else " — no known upgrade path"
    return one_line(f"start the upgrade of {item.record.name}{hosts} by {item.when.text}{target}")


def _item_lines(item: DueItem, host_counts: Mapping[CycleKey, int] | None) -> list[str]:
    r = item.record
    lines = [
        f"- {r.name} ({r.vendor})",
        f"  {milestone_label(r.vendor, item.milestone)}: {item.when.text}, {days_left_text(item.days_left)}",
    ]
    if item.milestone == START_BY:
        lines[0] = f"- {start_sentence(item)} ({r.vendor})"
    if item.moved_from:
        lines.append(f"  date moved from {item.moved_from} to {item.when.text}")
    if host_counts is not None:
        lines.append(f"  {hosts_text(host_counts.get(r.key, 0))}")
    lines.append(f"  alert threshold: {item.threshold} days")
    for src in r.sources:
        lines.append(f"  source: {src}")
    return lines


def render_text(
    items: Sequence[DueItem], route: Route, as_of: date, host_counts: Mapping[CycleKey, int] | None = None
) -> str:
    n = len(items)
    out = [
        f"Hypervisor lifecycle alerts as of {as_of.isoformat()} (route {route.match}).",
        "",
        f"{n} milestone{'s' if n != 1 else ''} reached an alert threshold, soonest first:",
        "",
    ]
    for item in items:
        out.extend(_item_lines(item, host_counts))
        out.append("")
    out.append("-- ")
    out.append("To silence an alert, run on the tracker host (replace REASON):")
    out.extend(f"  {silence_command(item, as_of)}" for item in items)
    out.append(f"Sent by tracker {__version__}; each threshold is mailed once per route.")
    return "\n".join(out) + "\n"


def render_html(
    items: Sequence[DueItem], route: Route, as_of: date, host_counts: Mapping[CycleKey, int] | None = None
) -> str:
    e = html.escape
    rows = []
    for item in items:
        r = item.record
        notes = []
        if item.moved_from:
            notes.append(f"date moved from {e(item.moved_from)} to {e(item.when.text)}")
        if host_counts is not None:
            notes.append(e(hosts_text(host_counts.get(r.key, 0))))
        if item.milestone == START_BY:
            notes.append(e(start_sentence(item)))
        links = ", ".join(
            f'<a href="{e(src)}">{e(src)}</a>' if is_http_url(src) else e(src) for src in r.sources
        )
        urgent = ' style="color:#b00020;font-weight:bold"' if item.days_left <= 30 else ""
        rows.append(
            "<tr>"
            f"<td><strong>{e(r.name)}</strong><br><small>{e(r.vendor)}</small></td>"
            f"<td>{e(milestone_label(r.vendor, item.milestone))}</td>"
            f"<td>{e(item.when.text)}</td>"
            f"<td{urgent}>{e(days_left_text(item.days_left))}</td>"
            f"<td>{'<br>'.join(notes)}</td>"
            f"<td>{links}</td>"
            "</tr>"
        )
    commands = "".join(f"<li><code>{e(silence_command(i, as_of))}</code></li>" for i in items)
    n = len(items)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tracker lifecycle alerts</title></head>
<body style="font-family:sans-serif;line-height:1.4">
<p>Hypervisor lifecycle alerts as of <strong>{e(as_of.isoformat())}</strong>
(route <code>{e(route.match)}</code>).</p>
<p>{n} milestone{"s" if n != 1 else ""} reached an alert threshold, soonest first:</p>
<table cellpadding="6" style="border-collapse:collapse" border="1">
<thead><tr><th>Release</th><th>Milestone</th><th>Date</th><th>Days left</th><th>Notes</th>
<th>Source</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<hr>
<p><small>To silence an alert, run on the tracker host (replace REASON):</small></p>
<ul>{commands}</ul>
<p><small>Sent by tracker {e(__version__)}; each threshold is mailed once per route.</small></p>
</body></html>
"""


def address(addr: str) -> Address:
    return Address(addr_spec=one_line(addr))


def build_digest(
    items: Sequence[DueItem],
    route: Route,
    as_of: date,
    now: datetime,
    from_addr: str = DEFAULT_FROM,
    host_counts: Mapping[CycleKey, int] | None = None,
) -> EmailMessage:
    """The digest for one route; To: is the route's recipients (none for an outbox-only route)."""
    items = sorted(items, key=lambda i: i.sort_key)
    sender = address(from_addr)
    msg = EmailMessage()
    msg["Subject"] = subject_for(items)
    msg["From"] = sender
    if route.to:
        msg["To"] = [address(a) for a in route.to]
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(idstring="tracker-alert", domain=sender.domain or "localhost")
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Tracker-Route"] = one_line(route.match)
    msg.set_content(render_text(items, route, as_of, host_counts))
    msg.add_alternative(render_html(items, route, as_of, host_counts), subtype="html")
    return msg
