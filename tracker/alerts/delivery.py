"""Getting a digest out: SMTP (starttls / ssl / none, verified certificates) or the outbox.

Temporary failures (refused connection, dropped connection, timeouts, 4xx replies) are retried with
exponential backoff; permanent ones (5xx, certificate or authentication failures) are not, because
retrying them only delays the report that someone has to fix the configuration.
"""

from __future__ import annotations

import re
import secrets
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from tracker.atomic import atomic_write_bytes
from tracker.config import SmtpSettings

OUTBOX_NAME = "outbox"


class DeliveryError(Exception):
    """A digest was not accepted; ``temporary`` says whether trying again may help."""

    def __init__(self, message: str, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


def classify(exc: BaseException) -> DeliveryError:
    """Map smtplib / socket errors to temporary or permanent, with a message for people."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryError(f"TLS certificate not trusted: {exc.verify_message or exc}", False)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items())
        return DeliveryError(f"all recipients refused ({detail})", all(400 <= c < 500 for c in codes))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(f"server does not support it: {exc}", False)
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryError(
            f"server replied {exc.smtp_code} {_text(exc.smtp_error)}", 400 <= exc.smtp_code < 500
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError(f"connection dropped: {exc or 'server disconnected'}", True)
    if isinstance(exc, ssl.SSLError):
        return DeliveryError(f"TLS failed: {exc}", False)
    if isinstance(exc, OSError):  # refused, unreachable, timeout, reset
        return DeliveryError(f"cannot connect: {exc.strerror or exc}", True)
    if isinstance(exc, smtplib.SMTPException):
        return DeliveryError(f"SMTP error: {exc}", False)
    raise exc


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def send_once(
    msg: EmailMessage, smtp: SmtpSettings, recipients: Sequence[str], password: str | None
) -> dict[str, tuple[int, bytes]]:
    """One delivery attempt; returns the recipients the server refused (others accepted)."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        client.ehlo()
        if smtp.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if smtp.username:
            client.login(smtp.username, password or "")
        refused = client.send_message(msg, from_addr=smtp.from_addr, to_addrs=list(recipients))
    except BaseException:
        client.close()  # no QUIT: after a failure it could raise and hide the real error
        raise
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()  # the message was accepted already; a failed goodbye changes nothing
    return refused


def send_smtp(
    msg: EmailMessage,
    smtp: SmtpSettings,
    recipients: Sequence[str],
    log: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    retries: int | None = None,
) -> dict[str, tuple[int, bytes]]:
    """Deliver with bounded retries (``smtp.retries`` unless given); raise DeliveryError when
    the digest was not accepted."""
    retries = smtp.retries if retries is None else retries
    if not recipients:
        raise DeliveryError("route has no recipients (only the outbox can serve it)", False)
    password = smtp.password() if smtp.username else None
    if smtp.username and password is None:
        raise DeliveryError(
            "smtp.username is set but neither TRACKER_SMTP_PASSWORD nor TRACKER_SMTP_PASSWORD_FILE is", False
        )
    attempt = 0
    while True:
        try:
            return send_once(msg, smtp, recipients, password)
        except Exception as exc:
            error = classify(exc)
            if not error.temporary or attempt >= retries:
                if error.temporary:
                    n = attempt + 1
                    raise DeliveryError(f"{error} (gave up after {n} attempt{'s' * (n > 1)})", True) from exc
                raise error from exc
            wait = smtp.retry_backoff_seconds * (2**attempt)
            attempt += 1
            log(
                f"tracker: alert: {smtp.host}:{smtp.port}: {error}; retrying in {wait:g} s "
                f"(attempt {attempt + 1} of {retries + 1})"
            )
            sleep(wait)


def write_outbox(msg: EmailMessage, state_dir: Path, route_match: str, now: datetime) -> Path:
    """Write the digest atomically as ``<state_dir>/outbox/<time>-<route>-<random>.eml``."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", route_match).strip("-").lower() or "all"
    name = f"{now.strftime('%Y%m%dT%H%M%S')}-{slug[:40]}-{secrets.token_hex(4)}.eml"
    path = state_dir / OUTBOX_NAME / name
    try:
        atomic_write_bytes(path, msg.as_bytes())
    except OSError as exc:
        raise DeliveryError(f"cannot write {path}: {exc.strerror or exc}", False) from exc
    return path
