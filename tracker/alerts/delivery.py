"""Getting a digest out: SMTP (starttls / ssl / none, verified certificates) or the outbox.

One SMTP transaction is driven stage by stage (connect, STARTTLS, AUTH, MAIL, RCPT, DATA) so that every
failure says where it happened and whether the message may have gone out:

- a recipient refused at RCPT (550, 452...) is returned in ``SendResult.refused`` while the others
  get the message; a 421 at RCPT means the server is closing, not that the recipient was refused;
- once the message data and its final "." are sent, a timeout or a dropped connection is
  **uncertain** (the server may have accepted it): ``DeliveryError.uncertain``, never retried at once,
  because resending would double the mail. The reply to the end of DATA is awaited for
  ``DATA_REPLY_TIMEOUT`` (RFC 5321 section 4.5.3.2.6 suggests 10 minutes: the server may be scanning
  the message); ``smtp.data_timeout`` changes it; every other step uses ``smtp.timeout``.

Failures before the data went out that may pass (refused or dropped connection, timeouts, 4xx) are
retried with exponential backoff; permanent ones (5xx, certificates, authentication) are not, because
retrying only delays the report that someone has to fix something.
"""

from __future__ import annotations

import re
import secrets
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.generator import BytesGenerator
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path

from tracker.atomic import atomic_write_bytes
from tracker.config import SmtpSettings
from tracker.errors import ConfigError

OUTBOX_NAME = "outbox"
DATA_REPLY_TIMEOUT = 600.0
"""Seconds to wait for the reply to the end of DATA (RFC 5321: 10 minutes); ``smtp.data_timeout``."""

PERMANENT_HINT = "permanent: the server will refuse it again until the cause is fixed"
TEMPORARY_HINT = "temporary"


class DeliveryError(Exception):
    """A digest was not accepted; ``temporary``: trying again may help; ``uncertain``: the message
    data went out and no reply came, so it may have been delivered."""

    def __init__(self, message: str, temporary: bool, uncertain: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.uncertain = uncertain


@dataclass
class SendResult:
    accepted: list[str] = field(default_factory=list)
    """Recipients the message was delivered to."""
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Recipient → (code, server text) for those refused at RCPT; the others got the message."""


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {_text(text)}".strip()


def _kind(code: int) -> str:
    return TEMPORARY_HINT if 400 <= code < 500 else PERMANENT_HINT


def refusal_text(code: int, text: str) -> str:
    """Why a recipient was refused, and whether waiting can help."""
    return f"{code} {text} ({_kind(code)})"


def _fail(stage: str, code: int, text: bytes | str, advice: str = "") -> DeliveryError:
    extra = f"; {advice}" if advice and code >= 500 else ""
    return DeliveryError(
        f"{stage}: the server replied {_reply(code, text)} ({_kind(code)}{extra})", 400 <= code < 500
    )


def classify(exc: BaseException, stage: str, smtp: SmtpSettings) -> DeliveryError:
    """Map smtplib / ssl / socket errors at ``stage`` to a sentence for people."""
    if isinstance(exc, DeliveryError):
        return exc
    where = f"{smtp.host}:{smtp.port}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryError(
            f"{stage}: the TLS certificate of {where} is not trusted ({exc.verify_message or exc}); "
            "for a private CA set smtp.ca_file",
            False,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(f"{stage}: the server does not offer it ({exc}){_mode_hint(stage, smtp)}", False)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _fail(stage, exc.smtp_code, exc.smtp_error, "check smtp.username and the password")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _fail(stage, exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError(f"{stage}: the server closed the connection ({exc or 'no reason given'})", True)
    if isinstance(exc, ssl.SSLError):
        hint = ""
        if exc.reason == "WRONG_VERSION_NUMBER" and smtp.security == "ssl":  # a plain-SMTP port
            hint = (
                f'; port {smtp.port} speaks plain SMTP first: security = "ssl" is for implicit-TLS '
                'ports such as 465, use security = "starttls" here'
            )
        return DeliveryError(f"{stage}: TLS failed ({exc.reason or exc}){hint}", False)
    if isinstance(exc, TimeoutError):
        hint = _mode_hint(stage, smtp) if stage.startswith("connect") else ""
        return DeliveryError(f"{stage}: no answer from {where} within {smtp.timeout:g} s{hint}", True)
    if isinstance(exc, OSError):  # refused, unreachable, reset, name resolution
        return DeliveryError(f"{stage}: cannot connect to {where} ({exc.strerror or exc})", True)
    if isinstance(exc, smtplib.SMTPException):
        return DeliveryError(f"{stage}: {exc}", False)
    raise exc


def _mode_hint(stage: str, smtp: SmtpSettings) -> str:
    """The usual cause when smtp.security does not fit the server: plain SMTP against an
    implicit-TLS port (465), or STARTTLS / AUTH a server does not offer."""
    if smtp.security != "ssl" and smtp.port == 465:
        return '; port 465 is implicit TLS: set security = "ssl"'
    if stage == "STARTTLS":
        return (
            "; this port offers no TLS: use the server's submission port "
            '(587, or 465 with security = "ssl"), or security = "none" on a trusted network only'
        )
    if stage == "AUTH" and smtp.security == "none":
        return '; many servers offer AUTH only after STARTTLS: set security = "starttls"'
    return ""


def tls_context(smtp: SmtpSettings) -> ssl.SSLContext:
    """Verified TLS; ``smtp.ca_file`` adds a private CA (the system CAs stay trusted)."""
    context = ssl.create_default_context()
    ca_file = smtp.ca_file
    if ca_file:
        try:
            context.load_verify_locations(cafile=str(ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"smtp.ca_file: cannot load {ca_file}: {exc}", False) from None
    return context


def _flatten(msg: EmailMessage) -> tuple[bytes, list[str]]:
    """The message as sent on the wire (CRLF, no Bcc), and the MAIL FROM options it needs."""
    # SMTPUTF8 only for a non-ASCII address: a display name (smtp.from) goes as an RFC 2047 word,
    # which every server takes.
    international = any(
        not a.addr_spec.isascii() for k, v in msg.items() if k.lower() in ("from", "to") for a in v.addresses
    )
    policy = msg.policy.clone(utf8=True) if international else msg.policy  # type: ignore[call-arg]
    buffer = BytesIO()
    BytesGenerator(buffer, policy=policy).flatten(msg, linesep="\r\n")
    options = ["SMTPUTF8", "BODY=8BITMIME"] if international else []
    return buffer.getvalue(), options


def send_once(
    msg: EmailMessage,
    smtp: SmtpSettings,
    recipients: Sequence[str],
    password: str | None,
    data_timeout: float = DATA_REPLY_TIMEOUT,
) -> SendResult:
    """One SMTP transaction. Raises DeliveryError when no recipient got the message."""
    stage = "connect"
    client: smtplib.SMTP | None = None
    result = SendResult()
    try:
        context = tls_context(smtp) if smtp.security != "none" else None
        if smtp.security == "ssl":
            stage = "connect (TLS)"
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        stage = "EHLO"
        client.ehlo_or_helo_if_needed()
        if smtp.security == "starttls":
            stage = "STARTTLS"
            client.starttls(context=context)
            client.ehlo()
        if smtp.username:
            stage = "AUTH"
            client.login(smtp.username, password or "")
        stage = f"MAIL FROM <{smtp.envelope_from}>"
        data, options = _flatten(msg)
        code, text = client.mail(smtp.envelope_from, options)
        if code != 250:
            raise _fail(stage, code, text, "check smtp.from")
        for rcpt in recipients:
            stage = f"RCPT TO <{rcpt}>"
            code, text = client.rcpt(rcpt)
            if code in (250, 251):
                result.accepted.append(rcpt)
            elif code == 421:
                raise DeliveryError(
                    f"{stage}: the server is closing the connection ({_reply(code, text)}; temporary)", True
                )
            else:
                result.refused[rcpt] = (code, _text(text))
        if not result.accepted:
            client.rset()
            return result
        stage = "DATA"
        code, text = client.docmd("DATA")
        if code != 354:
            raise _fail(stage, code, text)
        body = re.sub(rb"(?m)^\.", b"..", data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        client.send(body + b".\r\n")
        stage = "end of DATA"
        code, text = _end_of_data_reply(client, max(data_timeout, smtp.timeout))
        if code != 250:
            raise _fail(stage, code, text)
    except BaseException as exc:
        if client is not None:
            client.close()  # no QUIT: after a failure it could raise and hide the real error
        if isinstance(exc, Exception):
            raise classify(exc, stage, smtp) from exc
        raise
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()  # the message was accepted already; a failed goodbye changes nothing
    return result


def _end_of_data_reply(client: smtplib.SMTP, waited: float) -> tuple[int, bytes]:
    """The reply to the end of DATA; none within ``waited`` seconds (or a closed connection) means
    the message is *uncertain*: it may have been delivered."""
    try:
        assert client.sock is not None
        client.sock.settimeout(waited)
        return client.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        timed_out = isinstance(exc.__context__, TimeoutError) or isinstance(exc, TimeoutError)
        what = (
            f"no reply to the end of DATA within {waited:g} s"
            if timed_out
            else "the connection closed before the reply to the end of DATA"
        )
        raise DeliveryError(
            f"uncertain: the message was sent but {what}, so it may or may not have been delivered",
            True,
            uncertain=True,
        ) from exc


def send_smtp(
    msg: EmailMessage,
    smtp: SmtpSettings,
    recipients: Sequence[str],
    log: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    retries: int | None = None,
    data_timeout: float | None = None,
) -> SendResult:
    """Deliver with bounded retries (``smtp.retries`` unless given) of failures that happened before
    the data went out; raise DeliveryError when nobody got the message or it is uncertain."""
    retries = smtp.retries if retries is None else retries
    if data_timeout is None:
        data_timeout = smtp.data_timeout
    if not recipients:
        raise DeliveryError("route has no recipients (only the outbox can serve it)", False)
    try:
        password = smtp.login_password()
    except ConfigError as exc:
        raise DeliveryError(exc.messages[0], False) from None
    attempt = 0
    while True:
        try:
            return send_once(msg, smtp, recipients, password, data_timeout)
        except DeliveryError as error:
            if error.uncertain or not error.temporary:
                raise
            if attempt >= retries:
                n = attempt + 1
                raise DeliveryError(f"{error} (gave up after {n} attempt{'s' * (n > 1)})", True) from error
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
