"""Webhook payloads: plain JSON (documented in the README), a Slack message and a Teams Adaptive Card.

Split from ``tracker.alerts.webhook`` (delivery and the ledger); the public names are re-exported there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from tracker import __version__
from tracker import vocabulary as vocab
from tracker.alerts.due import CycleKey, DueItem, upgrade_to
from tracker.config import Route
from tracker.dataset import is_http_url
from tracker.status import status_of
from tracker.vocabulary import milestone_label

KINDS = ("slack", "teams", "json")
SCHEMA_VERSION = 1
SLACK_MAX_ITEMS = 23
"""Slack accepts at most 50 blocks: a header, two blocks per item and a closing note."""
TEAMS_MAX_ITEMS = 50


def report_link(report_url: str | None, as_of: date) -> str | None:
    """The day's report under ``report.url`` (``lifecycle-YYYY-MM-DD.html``), or None."""
    if not report_url:
        return None
    return report_url.rstrip("/") + f"/lifecycle-{as_of.isoformat()}.html"


def item_data(
    item: DueItem,
    as_of: date,
    host_counts: Mapping[CycleKey, int] | None = None,
    extra: Mapping[CycleKey, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """One due item as the JSON payload (and the chat payloads) describe it."""
    r = item.record
    data: dict[str, Any] = {
        "vendor": r.vendor,
        "product": r.product,
        "cycle": r.cycle,
        "milestone": item.milestone,
        "milestone_label": milestone_label(r.vendor, item.milestone),
        "date": item.when.text,
        "days_left": item.days_left,
        "threshold": item.threshold,
        "status": str(status_of(r, as_of)),
        "moved_from": item.moved_from,
        "sources": list(r.sources),
        "confidence": r.confidence,
    }
    if host_counts is not None:
        data["hosts"] = host_counts.get(r.key, 0)
    if extra and r.key in extra:  # planning: target, start_by
        data.update({k: v for k, v in extra[r.key].items() if v is not None})
    if item.start is not None:  # a start_by item (tracker.plan): its hosts and the release to move to
        data["hosts"] = item.start.hosts
        target, _ = upgrade_to(item.start.target, r.name)  # as the extra of planned cycles
        if target:
            data["target"] = target
    return data


def title_for(items: Sequence[DueItem]) -> str:
    n = len(items)
    first = min(items, key=lambda i: i.sort_key)
    return (
        f"{vocab.plural(n, 'lifecycle alert')}: {first.record.name} "
        f"{milestone_label(first.record.vendor, first.milestone)} {first.when.text}"
    )


def _sorted(items: Sequence[DueItem]) -> list[DueItem]:
    return sorted(items, key=lambda i: i.sort_key)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def _slack_escape(text: str) -> str:
    """Slack mrkdwn reserves ``&``, ``<`` and ``>`` (links and mentions): escape them."""
    return one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(url: str) -> str:
    host = urlsplit(url).hostname or url
    safe = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe}|{_slack_escape(host)}>"


def _item_lines(data: Mapping[str, Any]) -> list[str]:
    """The facts of one item in words, shared by the Slack and Teams cards."""
    lines = [f"{data['milestone_label']}: {data['date']}, {vocab.days_left(data['days_left'])}"]
    if data.get("moved_from"):
        lines.append(f"date moved from {data['moved_from']} to {data['date']}")
    if "hosts" in data:
        lines.append(f"{vocab.hosts(data['hosts'])} affected")
    if data.get("target"):
        lines.append(f"upgrade to {data['target']}")
    if data.get("start_by") and data["milestone"] != "start_by":  # else the first line says it
        lines.append(f"start by {data['start_by']}")
    return lines


def slack_payload(data: Mapping[str, Any], title: str) -> dict[str, Any]:
    """A Slack incoming-webhook message made from the JSON payload's ``data``: ``text``
    (notifications) and ``blocks`` (header, one section and one context of source links per item,
    a closing context)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(title, 150), "emoji": False}}
    ]
    shown = data["items"][:SLACK_MAX_ITEMS]
    for it in shown:
        urgent = ":red_circle: " if it["days_left"] <= 30 else ""
        text = (
            f"{urgent}*{_slack_escape(it['product'] + ' ' + it['cycle'])}* ({_slack_escape(it['vendor'])})\n"
        )
        text += "\n".join(_slack_escape(line) for line in _item_lines(it))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, 3000)}})
        links = [_slack_link(s) if is_http_url(s) else _slack_escape(s) for s in it["sources"]][:9]
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "Source: " + " · ".join(links)}],
            }
        )
    footer = f"As of {data['as_of']} · route {_slack_escape(data['route'])} · tracker {__version__}"
    if len(data["items"]) > len(shown):
        footer = f"…and {len(data['items']) - len(shown)} more (see the report) · " + footer
    link = data["report_url"]
    if link:
        footer += f" · <{link.replace('>', '%3E').replace('|', '%7C')}|the day's report>"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    # ``text`` is the notification fallback, read as mrkdwn like the sections.
    return {"text": f"[tracker] {_slack_escape(title)}", "blocks": blocks}


def teams_payload(data: Mapping[str, Any], title: str) -> dict[str, Any]:
    """A ``message`` with one Adaptive Card 1.4 attachment made from the JSON payload's ``data``, as
    Teams workflows ("Post to a channel when a webhook request is received") expect."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
        {
            "type": "TextBlock",
            "text": f"As of {data['as_of']}, route {one_line(data['route'])}",
            "isSubtle": True,
            "spacing": "None",
            "wrap": True,
        },
    ]
    for it in data["items"][:TEAMS_MAX_ITEMS]:
        facts = [
            {"title": "Milestone", "value": it["milestone_label"]},
            {"title": "Date", "value": it["date"]},
            {"title": "Days left", "value": vocab.days_left(it["days_left"])},
        ]
        if it.get("moved_from"):
            facts.append({"title": "Moved from", "value": it["moved_from"]})
        if "hosts" in it:
            facts.append({"title": "Hosts", "value": str(it["hosts"])})
        if it.get("target"):
            facts.append({"title": "Upgrade to", "value": str(it["target"])})
        if it.get("start_by") and it["milestone"] != "start_by":
            facts.append({"title": "Start by", "value": str(it["start_by"])})
        links = [f"[{urlsplit(s).hostname}]({s})" for s in it["sources"] if is_http_url(s)]
        container: list[dict[str, Any]] = [
            {
                "type": "TextBlock",
                "text": one_line(f"{it['product']} {it['cycle']} ({it['vendor']})"),
                "weight": "Bolder",
                "wrap": True,
                "color": "Attention" if it["days_left"] <= 30 else "Default",
            },
            {"type": "FactSet", "facts": facts},
        ]
        if links:
            container.append(
                {"type": "TextBlock", "text": "Source: " + " · ".join(links), "size": "Small", "wrap": True}
            )
        body.append({"type": "Container", "separator": True, "items": container})
    if len(data["items"]) > TEAMS_MAX_ITEMS:
        body.append(
            {
                "type": "TextBlock",
                "text": f"…and {len(data['items']) - TEAMS_MAX_ITEMS} more (see the report)",
                "wrap": True,
            }
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if data["report_url"]:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open the day's report", "url": data["report_url"]}
        ]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


BUILDERS = {"slack": slack_payload, "teams": teams_payload}


def build_payload(
    kind: str,
    items: Sequence[DueItem],
    route: Route,
    as_of: date,
    now: datetime,
    host_counts: Mapping[CycleKey, int] | None = None,
    report_url: str | None = None,
    extra: Mapping[CycleKey, Mapping[str, Any]] | None = None,
    delivery_id: str | None = None,
) -> bytes:
    """The request body (UTF-8 JSON) for a webhook of ``kind``.

    For ``json``: ``{"schema_version": 1, "as_of", "route", "items": [...]}``, documented in the
    README; ``delivery_id`` stays the same when an uncertain delivery is sent again, so that a
    receiver can drop a copy it already has. Slack and Teams get a message built from that data."""
    payload: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "delivery_id": delivery_id,
        "generated_at": now.isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "route": route.match,
        "report_url": report_link(report_url, as_of),
        "items": [item_data(i, as_of, host_counts, extra) for i in _sorted(items)],
    }
    if kind != "json":
        payload = BUILDERS[kind](payload, title_for(items))
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
