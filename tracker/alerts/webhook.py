"""Chat and JSON webhooks: their delivery over HTTP(S) with the standard library's client (the
payloads for Slack, Microsoft Teams and plain JSON are in ``tracker.alerts.webhook_payloads``).

A webhook is one more recipient of a route's digest: the same due items, recorded in the same ledger
under ``tracker.alerts.ledger.webhook_key`` (a hash of the URL). Delivery is bounded: a timeout per
attempt, retries only where trying again can help (5xx, 429 and connection errors, waiting as
``Retry-After`` asks when it asks for no more than ``max_wait`` seconds), none on other 4xx or
redirects. An attempt that timed out or lost
the connection after the request was sent is *uncertain* (the chat may have posted it): like an
uncertain e-mail digest it is not repeated within the run, only on the next one.

Webhook URLs are secrets (the path is the credential): they are never logged; messages name the
webhook by ``Webhook.label`` (``slack webhook ($TEAM_HOOK)``) or ``scheme://host/…``.
"""

from __future__ import annotations

import http.client
import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tracker import __version__
from tracker import vocabulary as vocab
from tracker.alerts.due import CycleKey, DueItem, StartBy
from tracker.alerts.webhook_payloads import (
    BUILDERS,
    KINDS,
    SCHEMA_VERSION,
    SLACK_MAX_ITEMS,
    TEAMS_MAX_ITEMS,
    build_payload,
    item_data,
    one_line,
    report_link,
    slack_payload,
    teams_payload,
    title_for,
)
from tracker.config import Route, Webhook, webhook_url_problem
from tracker.dataset import LifecycleRecord
from tracker.errors import TrackerError
from tracker.vocabulary import milestone_label

if TYPE_CHECKING:
    from tracker.alerts.ledger import Ledger
    from tracker.config import Settings

__all__ = [
    "BUILDERS",
    "KINDS",
    "SCHEMA_VERSION",
    "SLACK_MAX_ITEMS",
    "TEAMS_MAX_ITEMS",
    "WebhookDigest",
    "WebhookResult",
    "WebhookRunResult",
    "build_payload",
    "deliver_webhook",
    "item_data",
    "plan_webhooks",
    "preview_webhook",
    "report_link",
    "retry_after_seconds",
    "send_webhooks",
    "slack_payload",
    "teams_payload",
    "title_for",
]

USER_AGENT = f"tracker/{__version__} (webhook)"
ERROR_BODY_CHARS = 200


# --- delivery -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookResult:
    """The outcome of delivering one payload to one webhook (after any retries)."""

    ok: bool
    """The receiver answered 2xx: record the delivery."""
    status: int | None = None
    """The last HTTP status received, None when no answer came."""
    error: str | None = None
    """Why it failed, for the log; never contains the URL."""
    retryable: bool = False
    """Trying again (next run) may help: 5xx, 429, connection errors, uncertain deliveries."""
    uncertain: bool = False
    """The request was sent but no answer came: it may have been posted; not retried in this run."""
    attempts: int = 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is misconfigured; following it could re-send the body elsewhere."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


def _opener(context: ssl.SSLContext) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect())


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110 10.2.3); None if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = now or datetime.now(when.tzinfo)
    return max(0.0, (when - current).total_seconds())


def _scrub(text: str, url: str) -> str:
    """Remove the URL (and its secret path) from a message that might echo it."""
    parts = urlsplit(url)
    path = parts.path
    secrets = [url, parts.query, path]
    secrets += [path[i:] for i, ch in enumerate(path) if ch == "/"]  # every tail of the path
    secrets += [segment for segment in path.split("/") if len(segment) >= 8]
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) > 1:
            text = text.replace(secret, "…")
    return one_line(text)


def deliver_webhook(
    webhook: Webhook,
    payload: bytes,
    timeout: float = 10.0,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] | None = None,
    backoff: float = 1.0,
    max_wait: float = 60.0,
    context: ssl.SSLContext | None = None,
) -> WebhookResult:
    """POST ``payload`` (JSON) to the webhook, with up to ``retries`` more attempts where that can
    help. Waits ``backoff`` seconds, doubling, or what ``Retry-After`` asks when that is at most
    ``max_wait`` (a longer wait ends the attempts: the next run tries again). Never raises for a
    delivery problem; an unreadable URL setting is a failure too (not retryable)."""
    label = webhook.label
    try:
        url = webhook.resolve_url()
    except TrackerError as exc:
        return WebhookResult(ok=False, error=" ".join(exc.messages), retryable=False)
    problem = webhook_url_problem(url)  # checked at load for literal URLs; again here for any source
    if problem:
        return WebhookResult(ok=False, error=f"{label}: {problem}", retryable=False)
    opener = _opener(context or ssl.create_default_context())
    request = urllib.request.Request(
        url,
        data=payload,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
    )
    attempt = 0
    while True:
        attempt += 1
        result, wait = _attempt(opener, request, url, timeout, attempt)
        if result.ok or not result.retryable or result.uncertain or attempt > retries:
            if not result.ok and result.retryable and attempt > 1 and not result.uncertain:
                result = _with_error(result, f"{result.error} (gave up after {attempt} attempts)")
            return result
        if wait is None:
            wait = backoff * (2 ** (attempt - 1))
        elif wait > max_wait:
            return _with_error(
                result,
                f"{result.error}; Retry-After asks for {wait:g} s (more than {max_wait:g} s): next run",
            )
        if log is not None:
            log(
                f"tracker: alert: {label}: {result.error}; retrying in {wait:g} s "
                f"(attempt {attempt + 1} of {retries + 1})"
            )
        sleep(wait)


def _with_error(result: WebhookResult, error: str) -> WebhookResult:
    return WebhookResult(
        ok=result.ok,
        status=result.status,
        error=error,
        retryable=result.retryable,
        uncertain=result.uncertain,
        attempts=result.attempts,
    )


def _attempt(
    opener: urllib.request.OpenerDirector,
    request: urllib.request.Request,
    url: str,
    timeout: float,
    attempt: int,
) -> tuple[WebhookResult, float | None]:
    """One POST: (result, seconds the server asked to wait or None)."""
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(65536)
            return WebhookResult(ok=True, status=response.status, attempts=attempt), None
    except urllib.error.HTTPError as exc:
        status = exc.code
        try:
            body = exc.read(ERROR_BODY_CHARS * 4).decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            body = ""
        detail = _scrub(f"HTTP {status} {exc.reason}" + (f": {body[:ERROR_BODY_CHARS]}" if body else ""), url)
        if 300 <= status < 400:
            detail += " (the webhook redirects: configure the final URL)"
        retryable = status == 429 or status >= 500
        wait = retry_after_seconds(exc.headers.get("Retry-After")) if retryable else None
        return WebhookResult(
            ok=False, status=status, error=detail, retryable=retryable, attempts=attempt
        ), wait
    except urllib.error.URLError as exc:
        # Raised while connecting or sending: the receiver did not get a whole request.
        reason = exc.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            error = f"TLS certificate not trusted: {reason.verify_message or reason}"
            return WebhookResult(ok=False, error=_scrub(error, url), attempts=attempt), None
        if isinstance(reason, ssl.SSLError):
            return WebhookResult(ok=False, error=_scrub(f"TLS failed: {reason}", url), attempts=attempt), None
        text = getattr(reason, "strerror", None) or str(reason)
        return (
            WebhookResult(
                ok=False, error=_scrub(f"cannot connect: {text}", url), retryable=True, attempts=attempt
            ),
            None,
        )
    except (OSError, http.client.HTTPException) as exc:
        # The request went out; the answer did not come back (timeout, dropped connection).
        what = "no answer within the timeout" if isinstance(exc, TimeoutError) else f"connection lost: {exc}"
        error = _scrub(f"uncertain: {what} after the request was sent; not repeated in this run", url)
        return WebhookResult(ok=False, error=error, retryable=True, uncertain=True, attempts=attempt), None


# --- webhooks as recipients of the alert ledger ---------------------------------------------------

DELIVERY_RETRIES = 3
MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class WebhookDigest:
    """What one webhook of one route gets this run: the items due *for it* (its own ledger rows)."""

    route: Route
    webhook: Webhook
    key: str | None
    """Ledger recipient key (``webhook:<sha256>``); None when the URL cannot be read."""
    items: list[DueItem]
    retry_of: str | None = None
    """Delivery id of an uncertain earlier post of these items: posted again with it."""
    problem: str | None = None
    """Why the webhook cannot be used (URL variable unset, file unreadable)."""


def plan_webhooks(
    records: Sequence[LifecycleRecord],
    settings: Settings,
    ledger: Ledger,
    as_of: date,
    start_by: Mapping[tuple[str, str, str], StartBy] | None = None,
) -> list[WebhookDigest]:
    """Per route and webhook, what is due given what the ledger says reached that webhook.

    Only the webhook's own rows count (not route-wide ones written for the outbox): a webhook that
    failed while the outbox got the digest is still due.
    """
    from tracker.alerts.due import due_alerts
    from tracker.alerts.ledger import item_key, webhook_key

    routes = settings.effective_routes()
    if not any(route.webhooks for route in routes):
        return []
    silences = ledger.silences()
    unconfirmed = ledger.unconfirmed()
    plans: dict[str, list[DueItem]] = {}
    out: list[WebhookDigest] = []
    for route in routes:
        seen: set[str] = set()
        for hook in route.webhooks:
            try:
                key = webhook_key(hook.resolve_url())
            except TrackerError as exc:
                out.append(WebhookDigest(route, hook, None, [], problem=" ".join(exc.messages)))
                continue
            if key in seen:
                continue
            seen.add(key)
            if key not in plans:
                past = ledger.past_deliveries(key, route_wide=False)  # its own rows only
                plans[key] = due_alerts(records, settings.alerts, routes, past, silences, as_of, start_by).due
            items = [i for i in plans[key] if i.route == route]
            if not items:
                continue
            retry_of = next(
                (m for i in items if (m := unconfirmed.get((route.match, key, item_key(i)))) is not None),
                None,
            )
            ordered = sorted(items, key=lambda i: i.sort_key)
            out.append(WebhookDigest(route, hook, key, ordered, retry_of))
    return out


def preview_webhook(digest: WebhookDigest, as_of: date) -> str:
    """What `tracker alert --dry-run` prints for one webhook."""
    where = f"{digest.webhook.label} (route {digest.route.match})"
    if digest.problem:
        return f"Would post to {where}: cannot: {digest.problem}"
    lines = [f"Would post to {where}: {vocab.plural(len(digest.items), 'item')}"]
    for item in digest.items:
        r = item.record
        lines.append(
            f"- {r.name} ({r.vendor}): {milestone_label(r.vendor, item.milestone)} {item.when.text}, "
            f"{vocab.days_left(item.days_left)}"
        )
    return "\n".join(lines) + "\n"


@dataclass
class WebhookRunResult:
    posted: int = 0
    items: int = 0
    failed: list[str] = field(default_factory=list)
    """``route 'match': label`` of each webhook not confirmed (due again next run)."""
    uncertain: list[str] = field(default_factory=list)
    permanent: list[str] = field(default_factory=list)
    """The entries of ``failed`` that waiting will not fix (a bad URL, a 4xx): fix, then run again."""


def send_webhooks(
    digests: Sequence[WebhookDigest],
    settings: Settings,
    ledger: Ledger,
    as_of: date,
    now: datetime,
    log: Callable[[str], None],
    host_counts: Mapping[CycleKey, int] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    extra: Mapping[CycleKey, Mapping[str, Any]] | None = None,
) -> WebhookRunResult:
    """Post each digest and record the outcome for that webhook alone:
    a pending row before posting, ``sent`` on 2xx, ``uncertain`` when no answer came, nothing when
    it failed (due again next run). Ledger problems raise LedgerError; delivery problems do not."""
    result = WebhookRunResult()
    for digest in digests:
        label = f"route {digest.route.match!r}: {digest.webhook.label}"
        if digest.problem is not None or digest.key is None:
            log(f"tracker: alert: {label}: not posted: {digest.problem}; the items stay due")
            result.failed.append(label)
            result.permanent.append(label)
            continue
        route, items, keys = digest.route, digest.items, (digest.key,)
        delivery_id = digest.retry_of or f"<{uuid.uuid4().hex}@tracker.webhook>"
        payload = build_payload(
            digest.webhook.kind,
            items,
            route,
            as_of,
            now,
            host_counts,
            settings.report.url,
            extra=extra,
            delivery_id=delivery_id,
        )
        ledger.record("pending", items, route, keys, delivery_id, as_of, now)
        if digest.retry_of:
            log(f"tracker: alert: {label}: posting again the uncertain delivery {delivery_id}")
        outcome = deliver_webhook(
            digest.webhook,
            payload,
            timeout=digest.webhook.timeout,
            retries=DELIVERY_RETRIES,
            sleep=sleep,
            log=log,
            max_wait=MAX_RETRY_AFTER,
        )
        n = len(items)
        if outcome.ok:
            ledger.record("sent", items, route, keys, delivery_id, as_of, now)
            result.posted += 1
            result.items += n
            log(f"tracker: alert: {label}: posted {vocab.plural(n, 'item')} (HTTP {outcome.status})")
        elif outcome.uncertain:
            ledger.record_uncertain(items, route, keys, delivery_id)
            result.failed.append(label)
            result.uncertain.append(label)
            log(f"tracker: alert: {label}: {outcome.error}; the next run posts it again")
        else:
            if digest.retry_of:
                ledger.record_uncertain(items, route, keys, delivery_id)
            else:
                ledger.forget_attempt(items, route, keys, delivery_id)
            result.failed.append(label)
            if not outcome.retryable:
                result.permanent.append(label)
            then = (
                "tried again on the next run"
                if outcome.retryable
                else "fix the webhook, then run `tracker alert`"
            )
            log(f"tracker: alert: {label}: not delivered: {outcome.error}; the items stay due: {then}")
    return result
