"""Email alerts (SPEC section 7): what is due, one digest per route, a ledger so nothing doubles.

``run_alerts`` is the one entry point the CLI (`tracker alert`) and the nightly job call. The pieces:
``due`` (pure computation), ``routing``, ``digest`` (EmailMessage), ``delivery`` (SMTP, outbox),
``ledger`` (SQLite) and ``lock`` (one sender at a time).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from email.message import EmailMessage

    from tracker.alerts.due import AlertPlan
    from tracker.config import Route, Settings
    from tracker.dataset import LifecycleRecord
    from tracker.estate import EstateSummary

__all__ = ["AlertRunResult", "plan_alerts", "run_alerts"]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class AlertRunResult:
    digests_sent: int = 0
    """Digests accepted by the SMTP server or written to the outbox."""
    items_sent: int = 0
    failed_routes: list[str] = field(default_factory=list)
    """``match`` of each route whose digest was not delivered (it is due again next run)."""
    unrouted: list[str] = field(default_factory=list)
    """Items due that no route matches, as ``Product cycle milestone``."""
    previews: list[str] = field(default_factory=list)
    """With dry_run: the text of each digest that would be sent."""

    @property
    def ok(self) -> bool:
        """True when no route failed."""
        return not self.failed_routes


def plan_alerts(
    records: list[LifecycleRecord], settings: Settings, as_of: date, read_only: bool = True
) -> AlertPlan:
    """What is due now given the ledger on disk (read-only: for previews and `alert list`)."""
    from tracker.alerts.due import due_alerts
    from tracker.alerts.ledger import Ledger

    opener = Ledger.open_read_only if read_only else Ledger.open
    with opener(settings.state_dir) as ledger:
        return due_alerts(
            records,
            settings.alerts,
            settings.effective_routes(),
            ledger.past_deliveries(),
            ledger.silences(),
            as_of,
        )


def run_alerts(
    records: list[LifecycleRecord],
    settings: Settings,
    as_of: date,
    now: datetime,
    dry_run: bool = False,
    log: Callable[[str], None] = _stderr,
    host_counts: Mapping[tuple[str, str, str], int] | None = None,
    estate: EstateSummary | None = None,
) -> AlertRunResult:
    """Send every due digest (one per route) and record what was accepted; see SPEC section 7.

    Delivery failures do not raise: they are logged and named in ``failed_routes``. Ledger or
    lock problems raise TrackerError (nothing was sent in that case).
    """
    from tracker.alerts.digest import DEFAULT_FROM, build_digest, digest_context, render_text
    from tracker.alerts.due import due_alerts
    from tracker.alerts.ledger import Ledger
    from tracker.alerts.lock import send_lock

    result = AlertRunResult()
    config_file = settings.path.resolve() if settings.path is not None else None
    context = digest_context(settings, as_of, estate, config_file)
    from_addr = settings.smtp.from_addr if settings.smtp else DEFAULT_FROM

    def report_unrouted(plan: AlertPlan) -> None:
        result.unrouted = [
            f"{i.record.vendor}/{i.record.product} {i.record.cycle} {i.milestone}" for i in plan.unrouted
        ]
        if result.unrouted:
            log(
                f"tracker: alert: warning: {len(result.unrouted)} due item(s) match no "
                f"[[routes]] entry and were not sent: {'; '.join(result.unrouted)}"
            )

    if dry_run:
        plan = plan_alerts(records, settings, as_of)
        report_unrouted(plan)
        for route, items in plan.by_route(settings.effective_routes()):
            msg = build_digest(items, route, as_of, now, from_addr, host_counts, context=context)
            where = (
                ", ".join(route.to)
                if settings.smtp
                else f"{settings.state_dir / 'outbox'}/"
                + (f" (To: {', '.join(route.to)})" if route.to else "")
            )
            result.previews.append(
                f"Would send to {where}\nSubject: {msg['Subject']}\n\n"
                + render_text(items, route, as_of, host_counts, context=context)
            )
        return result

    with (
        send_lock(settings.state_dir, settings.schedule.lock_timeout_seconds),
        Ledger.open(settings.state_dir) as ledger,
    ):
        # Recomputed under the lock: another process may have just delivered some of these.
        plan = due_alerts(
            records,
            settings.alerts,
            settings.effective_routes(),
            ledger.past_deliveries(),
            ledger.silences(),
            as_of,
        )
        report_unrouted(plan)
        server_down = False
        for route, items in plan.by_route(settings.effective_routes()):
            msg = build_digest(items, route, as_of, now, from_addr, host_counts, context=context)
            # Once the server has failed a route after all retries, later routes get one try:
            # waiting out the backoff again for each route would only delay the report.
            delivered, temporary = _deliver(msg, route, settings, now, log, server_down)
            server_down = server_down or temporary
            if delivered:
                ledger.record_delivery(items, route, str(msg["Message-ID"]), as_of, now)
                result.digests_sent += 1
                result.items_sent += len(items)
            else:
                result.failed_routes.append(route.match)
    if not plan.due and not plan.unrouted:
        log(f"tracker: alert: nothing due as of {as_of.isoformat()}")
    return result


def _deliver(
    msg: EmailMessage,
    route: Route,
    settings: Settings,
    now: datetime,
    log: Callable[[str], None],
    no_retry: bool,
) -> tuple[bool, bool]:
    """(accepted or in the outbox, failed temporarily); failures are logged."""
    from tracker.alerts.delivery import DeliveryError, send_smtp, write_outbox

    label = f"route {route.match!r}"
    try:
        if settings.smtp is None:
            path = write_outbox(msg, settings.state_dir, route.match, now)
            log(f"tracker: alert: {label}: digest written to {path}")
            return True, False
        refused = send_smtp(msg, settings.smtp, route.to, log, retries=0 if no_retry else None)
    except DeliveryError as exc:
        log(f"tracker: alert: {label}: not delivered, will retry next run: {exc}")
        return False, exc.temporary
    for rcpt, (code, text) in refused.items():
        log(
            f"tracker: alert: {label}: warning: {rcpt} refused ({code} "
            f"{text.decode('utf-8', 'replace')}); the others accepted the digest"
        )
    log(f"tracker: alert: {label}: digest sent to {', '.join(route.to)}")
    return True, False
