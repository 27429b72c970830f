"""Email alerts (README: "E-mail alerts"): what is due, one digest per route, a ledger so nothing doubles.

``run_alerts`` is the one entry point the CLI (`tracker alert`) and the nightly job call;
``plan_digests`` is what they (and `alert list`, `--dry-run`) see before sending. The pieces: ``due``
(pure computation), ``routing``, ``digest`` (EmailMessage), ``delivery`` (SMTP, outbox), ``ledger``
(SQLite, per recipient) and ``tracker.runlock`` (one sender at a time).

What is due is computed **per recipient** (an address, or the whole route for the outbox), from what
the ledger says reached that recipient; recipients with the same items share one digest, so a route
normally gets one digest per run, and a recipient the server refused yesterday gets its own today.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from tracker.alerts.result import AlertRunResult

if TYPE_CHECKING:
    from email.message import EmailMessage

    from tracker.alerts.digest import DigestContext
    from tracker.alerts.due import AlertPlan, DueItem, StartBy
    from tracker.alerts.ledger import Ledger
    from tracker.alerts.webhook import WebhookDigest
    from tracker.config import Route, Settings
    from tracker.dataset import LifecycleRecord
    from tracker.estate import EstateSummary
    from tracker.report.model import PlanLike

__all__ = ["AlertRunResult", "Digest", "plan_digests", "run_alerts"]

LOCK_NAME = "alerts.lock"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Digest:
    """One message to send this run."""

    route: Route
    items: list[DueItem]
    recipients: tuple[str, ...]
    """Addresses for SMTP; empty for the outbox."""
    keys: tuple[str, ...]
    """Ledger recipient keys, parallel to ``recipients`` (``("*",)`` for the outbox)."""
    retry_of: str | None = None
    """Message-ID of an uncertain earlier attempt at exactly these items: re-sent with it."""


def plan_digests(
    records: list[LifecycleRecord],
    settings: Settings,
    ledger: Ledger,
    as_of: date,
    start_by: Mapping[tuple[str, str, str], StartBy] | None = None,
) -> tuple[AlertPlan, list[Digest], list[WebhookDigest]]:
    """Everything due per recipient (``start_by``: tracker.plan's milestones), grouped into e-mail
    digests and webhook posts; the plan is their union."""
    from tracker.alerts.due import AlertPlan, due_alerts
    from tracker.alerts.ledger import ROUTE_WIDE, item_key, recipient_key
    from tracker.alerts.webhook import plan_webhooks

    routes = settings.effective_routes()
    all_past = ledger.past_deliveries()
    silences = ledger.silences()

    def recipients_of(route: Route) -> list[tuple[str, str | None]]:
        if settings.smtp is not None and not route.to and route.webhooks:
            return []  # webhooks only: no e-mail digest (tracker.alerts.webhook serves them)
        if settings.smtp is None or not route.to:
            return [(ROUTE_WIDE, None)]
        seen: dict[str, str] = {}
        for address in route.to:
            seen.setdefault(recipient_key(address), address)
        return list(seen.items())

    plans: dict[str, AlertPlan] = {}
    for route in routes:
        for key, _ in recipients_of(route):
            if key not in plans:
                past = all_past if key == ROUTE_WIDE else ledger.past_deliveries(key)
                plans[key] = due_alerts(records, settings.alerts, routes, past, silences, as_of, start_by)
    unconfirmed = ledger.unconfirmed()
    groups: dict[tuple[int, str | None, frozenset[object]], tuple[list[DueItem], list[tuple[str, str]]]] = {}
    union = AlertPlan()
    seen_due: set[tuple[str, object]] = set()
    seen_silenced: set[tuple[str, object]] = set()
    for index, route in enumerate(routes):
        for key, address in recipients_of(route):
            plan = plans[key]
            items = [i for i in plan.due if i.route == route]
            by_message: dict[str | None, list[DueItem]] = {}
            for item in items:
                mid = unconfirmed.get((route.match, key, item_key(item)))
                by_message.setdefault(mid, []).append(item)
                if (route.match, item_key(item)) not in seen_due:
                    seen_due.add((route.match, item_key(item)))
                    union.due.append(item)
            for mid, group in by_message.items():
                gk = (index, mid, frozenset(item_key(i) for i in group))
                groups.setdefault(gk, (group, []))[1].append((key, address or ""))
            for item, silence in plan.silenced:
                if item.route == route and (route.match, item_key(item)) not in seen_silenced:
                    seen_silenced.add((route.match, item_key(item)))
                    union.silenced.append((item, silence))
    if plans:
        union.unrouted = next(iter(plans.values())).unrouted
    else:  # every route is webhook-only: still name the items no route matches
        union.unrouted = due_alerts(
            records, settings.alerts, routes, all_past, silences, as_of, start_by
        ).unrouted
    hooks = plan_webhooks(records, settings, ledger, as_of, start_by)
    for hook in hooks:  # due for a webhook only too
        for item in hook.items:
            if (hook.route.match, item_key(item)) not in seen_due:
                seen_due.add((hook.route.match, item_key(item)))
                union.due.append(item)
    union.due.sort(key=lambda i: i.sort_key)
    union.silenced.sort(key=lambda pair: pair[0].sort_key)
    digests = []
    for (index, mid, _), (items, recipients) in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] is None)
    ):
        keys = tuple(k for k, _ in recipients)
        addresses = tuple(a for _, a in recipients if a)
        digests.append(
            Digest(routes[index], sorted(items, key=lambda i: i.sort_key), addresses, keys, retry_of=mid)
        )
    return union, digests, hooks


def run_alerts(
    records: list[LifecycleRecord],
    settings: Settings,
    as_of: date,
    now: datetime,
    dry_run: bool = False,
    log: Callable[[str], None] = _stderr,
    host_counts: Mapping[tuple[str, str, str], int] | None = None,
    accept_new_ledger: bool = False,
    estate: EstateSummary | None = None,
    start_by: Mapping[tuple[str, str, str], StartBy] | None = None,
    plan_by_cycle: Mapping[tuple[str, str, str], PlanLike] | None = None,
) -> AlertRunResult:
    """Send every due digest and record, per recipient, what was accepted.

    ``plan_by_cycle`` (``tracker.plan``): the digests and webhooks name each cycle's target and
    start-by date.

    The ledger is opened for writing (and a write proven) before anything is sent, and each digest
    is recorded as pending before it goes out. Delivery failures do not raise: they are logged and
    named in the result. Ledger or lock problems raise TrackerError (LedgerError) naming the file.
    """
    from tracker.alerts.digest import DEFAULT_FROM, build_digest, digest_context
    from tracker.alerts.ledger import Ledger, LedgerError
    from tracker.alerts.routing import route_warnings
    from tracker.runlock import FileLock

    result = AlertRunResult()
    for warning in route_warnings(records, settings.routes):  # a route that never gets an alert
        log(f"tracker: alert: warning: {warning}")
    config_file = settings.path.resolve() if settings.path is not None else None
    context = digest_context(settings, as_of, estate, config_file, plan_by_cycle)
    from_addr = settings.smtp.from_addr if settings.smtp else DEFAULT_FROM

    if dry_run:
        return _preview(records, settings, as_of, now, from_addr, log, host_counts, result, context, start_by)

    if settings.smtp is not None:
        settings.smtp.login_password()  # no usable password: fail before anything is recorded
    timeout = settings.schedule.lock_timeout_seconds
    lock = FileLock(settings.state_dir / LOCK_NAME)
    lock.acquire(timeout, what="`tracker alert`")
    try:
        with Ledger.open(settings.state_dir, busy_timeout=timeout, accept_new=accept_new_ledger) as ledger:
            if ledger.migrated_from is not None:
                log(
                    f"tracker: alert: {ledger.path}: ledger migrated from schema "
                    f"{ledger.migrated_from} to per-recipient delivery records"
                )
            # Computed under the lock: another process may have just delivered some of these.
            plan, digests, hooks = plan_digests(records, settings, ledger, as_of, start_by)
            _report_unrouted(plan, result, log)
            server_down = False
            sending = _Sending(settings, ledger, as_of, now, log, result)
            for digest in digests:
                msg = build_digest(
                    digest.items, digest.route, as_of, now, from_addr, host_counts, context=context
                )
                if digest.retry_of:  # same Message-ID, so receivers can drop a copy they already have
                    msg.replace_header("Message-ID", digest.retry_of)
                # Once the server has failed a route after all retries, later routes get one try:
                # waiting out the backoff again for each route would only delay the report.
                try:
                    temporary = _deliver(msg, digest, sending, server_down)
                except LedgerError as exc:
                    if result.digests_sent:
                        done = f"{result.digests_sent} digest(s) before it were delivered and recorded"
                        raise LedgerError(*exc.messages, f"({done}; the rest stays due)") from None
                    raise
                server_down = server_down or temporary
            counts = host_counts if host_counts is not None or estate is None else estate.host_counts
            _post_webhooks(hooks, settings, ledger, as_of, now, log, counts, result, plan_by_cycle)
    finally:
        lock.release()
    if not plan.due and not plan.unrouted:
        log(f"tracker: alert: nothing due as of {as_of.isoformat()}")
    return result


def _report_unrouted(plan: AlertPlan, result: AlertRunResult, log: Callable[[str], None]) -> None:
    result.unrouted = [
        f"{i.record.vendor}/{i.record.product} {i.record.cycle} {i.milestone}" for i in plan.unrouted
    ]
    if result.unrouted:
        log(
            f"tracker: alert: warning: {len(result.unrouted)} due item(s) match no "
            f"[[routes]] entry and were not sent: {'; '.join(result.unrouted)}"
        )


def _preview(
    records: list[LifecycleRecord],
    settings: Settings,
    as_of: date,
    now: datetime,
    from_addr: str,
    log: Callable[[str], None],
    host_counts: Mapping[tuple[str, str, str], int] | None,
    result: AlertRunResult,
    context: DigestContext,
    start_by: Mapping[tuple[str, str, str], StartBy] | None = None,
) -> AlertRunResult:
    """``run_alerts(dry_run=True)``: the digests and webhook posts that would go out, from the
    ledger read only; nothing is sent, written or locked."""
    from tracker.alerts.digest import build_digest, render_text
    from tracker.alerts.ledger import Ledger
    from tracker.alerts.webhook import preview_webhook

    if settings.smtp is not None:
        from tracker.errors import ConfigError

        try:
            settings.smtp.login_password()
        except ConfigError as exc:
            log(f"tracker: alert: warning: {exc.messages[0]}; a real run would send nothing")
    with Ledger.open_read_only(settings.state_dir) as ledger:
        notice = ledger.replaced_warning(settings.state_dir)
        plan, digests, hooks = plan_digests(records, settings, ledger, as_of, start_by)
    if notice:
        result.notices.append(notice)
        log(f"tracker: alert: {notice}")
    _report_unrouted(plan, result, log)
    for digest in digests:
        msg = build_digest(digest.items, digest.route, as_of, now, from_addr, host_counts, context=context)
        if settings.smtp:
            where = ", ".join(digest.recipients)
        else:
            to = f" (To: {', '.join(digest.route.to)})" if digest.route.to else ""
            where = f"{settings.state_dir / 'outbox'}/{to}"
        retry = f" (again, uncertain earlier: Message-ID {digest.retry_of})" if digest.retry_of else ""
        result.previews.append(
            f"Would send to {where}{retry}\nSubject: {msg['Subject']}\n\n"
            + render_text(digest.items, digest.route, as_of, host_counts, context=context)
        )
    result.previews += [preview_webhook(hook, as_of) for hook in hooks if hook.items or hook.problem]
    return result


def _post_webhooks(
    hooks: list[WebhookDigest],
    settings: Settings,
    ledger: Ledger,
    as_of: date,
    now: datetime,
    log: Callable[[str], None],
    host_counts: Mapping[tuple[str, str, str], int] | None,
    result: AlertRunResult,
    plan_by_cycle: Mapping[tuple[str, str, str], PlanLike] | None = None,
) -> None:
    """Each route's webhooks: a recipient each, in the same ledger (tracker.alerts.webhook); items
    on your hosts carry ``target`` and ``start_by`` when the inventory is planned."""
    from tracker.alerts.due import upgrade_to
    from tracker.alerts.webhook import send_webhooks

    extra = {  # a cycle already on its line's newest release has no target to move to
        key: {
            "target": upgrade_to(c.target, f"{key[1]} {key[2]}")[0] or None,
            "start_by": c.start_by.isoformat() if c.start_by else None,
        }
        for key, c in (plan_by_cycle or {}).items()
    }
    posted = send_webhooks(hooks, settings, ledger, as_of, now, log, host_counts, extra=extra or None)
    result.webhooks_posted += posted.posted
    by_label = {f"route {h.route.match!r}: {h.webhook.label}": h.route.match for h in hooks}
    result.failed_routes += [by_label[label] for label in posted.failed]
    result.uncertain += posted.uncertain
    result.undelivered += [
        (label, label in posted.permanent) for label in posted.failed if label not in posted.uncertain
    ]


@dataclass(frozen=True)
class _Sending:
    """What every digest of one run is sent and recorded with."""

    settings: Settings
    ledger: Ledger
    as_of: date
    now: datetime
    log: Callable[[str], None]
    result: AlertRunResult


def _deliver(msg: EmailMessage, digest: Digest, sending: _Sending, no_retry: bool) -> bool:
    """Record the attempt, send, record the outcome per recipient; True when the server failed
    temporarily. Delivery failures are logged into ``result``; ledger failures raise LedgerError."""
    from tracker.alerts.ledger import LedgerError

    route, items, ledger = digest.route, digest.items, sending.ledger
    label = f"route {route.match!r}"
    mid = str(msg["Message-ID"])
    ledger.record("pending", items, route, digest.keys, mid, sending.as_of, sending.now)
    try:
        return _send_and_record(msg, digest, sending, no_retry)
    except LedgerError as exc:
        raise LedgerError(
            f"{ledger.path}: after sending the digest for {label} (Message-ID {mid}), the ledger could "
            f"not record the outcome ({exc.reason or exc}); it stays pending and is sent again with the "
            "same Message-ID by the next run that can write the ledger"
        ) from None


def _send_and_record(msg: EmailMessage, digest: Digest, sending: _Sending, no_retry: bool) -> bool:
    from tracker.alerts.delivery import DeliveryError, refusal_text, send_smtp, write_outbox

    settings, ledger, log, result = sending.settings, sending.ledger, sending.log, sending.result
    as_of, now = sending.as_of, sending.now
    route, items = digest.route, digest.items
    label = f"route {route.match!r}"
    mid = str(msg["Message-ID"])
    if digest.retry_of:
        log(f"tracker: alert: {label}: sending again the uncertain digest {mid} (same Message-ID)")

    def not_confirmed(keys: tuple[str, ...]) -> None:
        # A retried uncertain digest keeps its Message-ID for the next try; a fresh one is forgotten.
        if digest.retry_of:
            ledger.record_uncertain(items, route, keys, mid)
        else:
            ledger.forget_attempt(items, route, keys, mid)

    if settings.smtp is None:
        try:
            path = write_outbox(msg, settings.state_dir, route.match, now)
        except DeliveryError as exc:
            not_confirmed(digest.keys)
            log(f"tracker: alert: {label}: not written: {exc}; the digest stays due")
            result.failed_routes.append(route.match)
            result.undelivered.append((label, True))
            return False
        ledger.record("sent", items, route, digest.keys, mid, as_of, now)
        log(f"tracker: alert: {label}: digest written to {path}")
        result.digests_sent += 1
        result.items_sent += len(items)
        return False
    try:
        sent = send_smtp(msg, settings.smtp, digest.recipients, log, retries=0 if no_retry else None)
    except DeliveryError as exc:
        result.failed_routes.append(route.match)
        if exc.uncertain:
            ledger.record_uncertain(items, route, digest.keys, mid)
            result.uncertain.append(f"route {route.match!r}, Message-ID {mid}")
            log(
                f"tracker: alert: {label}: {exc}. Recorded as uncertain: not sent again in this run; "
                f"the next run sends it again with the same Message-ID {mid}"
            )
            return False
        not_confirmed(digest.keys)
        result.undelivered.append((label, not exc.temporary))
        then = (
            "the digest stays due and is tried again on the next run"
            if exc.temporary
            else "the digest stays due: fix the cause, then run `tracker alert`"
        )
        log(f"tracker: alert: {label}: not delivered: {exc}; {then}")
        return exc.temporary
    key_of = dict(zip(digest.recipients, digest.keys, strict=True))
    accepted = tuple(key_of[a] for a in sent.accepted)
    if accepted:
        ledger.record("sent", items, route, accepted, mid, as_of, now)
        result.digests_sent += 1
        result.items_sent += len(items)
        log(f"tracker: alert: {label}: digest sent to {', '.join(sent.accepted)}")
    if sent.refused:
        not_confirmed(tuple(key_of[a] for a in sent.refused))
        result.failed_routes.append(route.match)
        for address, (code, text) in sent.refused.items():
            result.refused.append(f"{address} on route {route.match!r}")
            if code >= 500:
                result.permanent.append(result.refused[-1])
            others = "; the other recipients got the digest" if accepted else ""
            log(
                f"tracker: alert: {label}: not delivered to {address}: RCPT TO refused with "
                f"{refusal_text(code, text)}{others}; nothing recorded for {address}, "
                "so the next run sends it to this address alone"
            )
    return False
