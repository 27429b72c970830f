"""``tracker.toml`` -> a frozen Settings object; every check of a setting happens here.

Every key is optional. Unknown keys and wrong types are errors naming the key. Secrets never live in
the file: the SMTP password comes from TRACKER_SMTP_PASSWORD or the file named by
TRACKER_SMTP_PASSWORD_FILE, and a webhook URL may come from an environment variable (``url_env``) or
a file (``url_file``). Relative paths are relative to the config file.

Each section has one reader (``_read_report``, ``_read_smtp`` ... in ``tracker.config_readers``) built
from an explicit table of key -> converter (``tracker.config_values``); a converter either returns the
value or raises ``Bad`` with a message for people.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tracker.dataset import MILESTONES
from tracker.errors import ConfigError
from tracker.paths import default_state_dir, find_config, user_config_path

__all__ = [
    "PlanLead",
    "Route",
    "Settings",
    "Webhook",
    "default_state_dir",
    "find_config",
    "load_settings",
    "user_config_path",
]

ALERT_MILESTONES = (*MILESTONES, "start_by")
SECURITY_MODES = ("starttls", "ssl", "none")
WEBHOOK_KINDS = ("slack", "teams", "json")


@dataclass(frozen=True)
class ReportSettings:
    out_dir: Path = Path("reports")
    """Where dated reports and index.html go."""
    keep_days: int = 90
    """Dated reports older than this are removed."""
    url: str | None = None
    """Where out_dir is served (http or https); digests link the day's report."""
    metrics_file: Path | None = None
    """Prometheus textfile written by `tracker run` (node_exporter's textfile collector)."""


@dataclass(frozen=True)
class ScheduleSettings:
    cron: str = "0 6 * * *"
    """Crontab expression (five fields; six = seconds first)."""
    misfire_grace_hours: float = 6.0
    """A run late by up to this long (machine asleep, process busy) still happens."""
    lock_timeout_seconds: float = 60.0
    """How long `tracker run` waits for another run to finish before giving up."""


@dataclass(frozen=True)
class AlertSettings:
    thresholds_days: tuple[int, ...] = (365, 180, 90, 30, 7, 0)
    warning_days: int = 365
    """The "approaching" window for status, report and check."""
    milestones: tuple[str, ...] = ("eol", "extended_end")
    """Milestones alerts watch; ``start_by`` (from planning) is accepted too."""
    stale_days: int = 30
    """Milestones passed longer ago than this are never mailed."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    from_addr: str = "tracker@localhost"
    """``addr`` or ``Display Name <addr>``: the From header; MAIL FROM gets the address."""
    timeout: float = 30.0
    """Seconds per SMTP operation (connect, each command)."""
    data_timeout: float = 600.0
    """Seconds to wait for the reply to the end of DATA (RFC 5321 section 4.5.3.2.6: 10 minutes)."""
    retries: int = 3
    """Attempts after the first for temporary failures (4xx, refused, dropped)."""
    retry_backoff_seconds: float = 2.0
    """First wait between attempts; doubles each time."""
    ca_file: Path | None = None
    """PEM file of CA certificates to trust for STARTTLS/SSL (a private CA)."""

    @property
    def envelope_from(self) -> str:
        """The address of ``from`` (which may be ``Name <addr>``), for MAIL FROM."""
        from email.utils import parseaddr

        return parseaddr(self.from_addr)[1] or self.from_addr

    def login_password(self) -> str | None:
        """The password AUTH needs (None without ``username``); ConfigError when there is none."""
        if not self.username:
            return None
        password = self.password()
        if password is None:
            raise ConfigError(
                "smtp.username is set but neither TRACKER_SMTP_PASSWORD nor TRACKER_SMTP_PASSWORD_FILE "
                "is: set one (or remove smtp.username for a server without AUTH)"
            )
        return password

    def password(self) -> str | None:
        """The SMTP password from the environment; never from the file. Only the line ending is
        dropped (a secret file or a Kubernetes secret usually ends with one): spaces are kept."""
        value = os.environ.get("TRACKER_SMTP_PASSWORD", "").rstrip("\r\n")
        if value:
            return value
        path = os.environ.get("TRACKER_SMTP_PASSWORD_FILE")
        if not path:
            return None
        try:
            value = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigError(f"TRACKER_SMTP_PASSWORD_FILE: cannot read {path}: {why}") from None
        if not value:
            raise ConfigError(f"TRACKER_SMTP_PASSWORD_FILE: {path} is empty")
        return value


@dataclass(frozen=True)
class DataSettings:
    stale_after_days: int = 180
    """Rows whose ``verified_on`` is older than this are flagged."""


@dataclass(frozen=True)
class PlanLead:
    match: str
    """Glob on ``vendor/product``, case-insensitive."""
    lead: str
    """Calendar duration (``90d``, ``6m``, ``1y``)."""


@dataclass(frozen=True)
class PlanSettings:
    lead: str = "6m"
    """Default lead time before a host's effective end."""
    per_hop: str = "1m"
    """Extra lead for each upgrade hop beyond the first."""
    hardware: Path | None = None
    """CSV ``hardware_model,hardware_end`` for hosts that name a model."""
    count_extended: bool = False
    """Plan against ``extended_end`` (paid extended support) instead of ``eol``."""
    leads: tuple[PlanLead, ...] = ()
    """Per-product lead times; the first matching glob wins."""

    def lead_for(self, vendor: str, product: str) -> str:
        """The lead time for ``vendor/product``: the first matching ``[[plan.leads]]``, else ``lead``."""
        from fnmatch import fnmatchcase

        key = f"{vendor}/{product}".lower()
        for rule in self.leads:
            if fnmatchcase(key, rule.match.lower()):
                return rule.lead
        return self.lead


@dataclass(frozen=True)
class Webhook:
    kind: str
    """``slack``, ``teams`` or ``json``."""
    url: str | None = None
    """The URL itself (a secret: prefer url_env or url_file)."""
    url_env: str | None = None
    """Name of an environment variable holding the URL."""
    url_file: Path | None = None
    """File holding the URL."""
    timeout: float = 10.0
    """Seconds per attempt (connect, send, answer)."""

    @property
    def label(self) -> str:
        """How logs and `tracker config` name this webhook without revealing the URL."""
        if self.url_env:
            return f"{self.kind} webhook (${self.url_env})"
        if self.url_file:
            return f"{self.kind} webhook ({self.url_file})"
        return f"{self.kind} webhook ({redact_url(self.url or '')})"

    def resolve_url(self) -> str:
        """The URL, read from the environment or the file when configured so."""
        if self.url:
            return self.url
        if self.url_env:
            value = os.environ.get(self.url_env, "").strip()
            if not value:
                raise ConfigError(f"webhook: environment variable {self.url_env} is not set or empty")
        else:
            assert self.url_file is not None
            try:
                value = self.url_file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{self.url_file}: cannot read webhook URL: {exc}") from None
        problem = webhook_url_problem(value)
        if problem:
            raise ConfigError(f"{self.label}: {problem}")
        return value


@dataclass(frozen=True)
class Route:
    match: str
    """Glob on ``vendor/product``, case-insensitive."""
    to: tuple[str, ...] = ()
    webhooks: tuple[Webhook, ...] = ()


@dataclass(frozen=True)
class Settings:
    path: Path | None = None
    """The config file read, or None when running on defaults."""
    dataset: Path | None = None
    inventory: Path | None = None
    timezone: str | None = None
    """IANA zone name; None = the system zone."""
    state_dir: Path = field(default_factory=default_state_dir)
    report: ReportSettings = field(default_factory=ReportSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    smtp: SmtpSettings | None = None
    """None: digests go to ``<state_dir>/outbox/``."""
    routes: tuple[Route, ...] = ()
    data: DataSettings = field(default_factory=DataSettings)
    plan: PlanSettings = field(default_factory=PlanSettings)

    def effective_routes(self) -> tuple[Route, ...]:
        """Configured routes, or one catch-all route with no recipients (outbox only)."""
        return self.routes or (Route(match="*", to=()),)

    def tzinfo(self) -> Any:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone) if self.timezone else None


# --- URLs ------------------------------------------------------------------------------------------


def redact_url(url: str) -> str:
    """``scheme://host/…``: enough to recognise a webhook, never its secret path or query."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    return f"{parts.scheme}://{parts.hostname or ''}/…" if parts.scheme else "<not a URL>"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a webhook target (https required except on loopback), or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("http", "https") or not host:
        return "expected an https:// URL"
    if parts.scheme == "http" and not is_loopback(host):
        return "https is required (plain http only for loopback addresses such as 127.0.0.1)"
    return None


def load_settings(path: Path | None) -> Settings:
    """Read ``path`` (None: defaults) into Settings, reporting every problem at once."""
    if path is None:
        return Settings()
    import tomllib

    where = str(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read configuration: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: not UTF-8 text (byte {exc.start}): save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(toml_error(where, str(exc), path)) from None
    from tracker.config_readers import settings_from_dict

    return settings_from_dict(data, path)


def toml_error(where: str, message: str, path: Path) -> str:
    """``FILE:LINE: column: message`` from tomllib's "... (at line 3, column 8)", with a hint for
    the two mistakes people make most: a bare string value, and a [section] written twice."""
    m = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message)
    if m is None:
        return f"{where}: not valid TOML: {message}"
    text, line = m[1], int(m[2])
    hint = ""
    twice = re.fullmatch(r"Cannot declare \((.*)\) twice", text)
    if twice:
        name = ".".join(part.strip().strip("'\"") for part in twice[1].split(",") if part.strip())
        hint = f" ([{name}] appears twice: put its keys in one [{name}] section)"
    elif text == "Invalid value":
        try:
            source = path.read_text(encoding="utf-8").splitlines()[line - 1]
        except (OSError, UnicodeDecodeError, IndexError):
            source = ""
        key, eq, value = source.partition("=")
        if (
            eq
            and value.strip()[:1] not in ('"', "'", "[", "{", "")
            and not re.match(r"[\d+-]", value.strip())
        ):
            hint = f' (a string needs quotes: {key.strip()} = "{value.strip()}")'
    return f"{where}:{line}: column {m[3]}: not valid TOML: {text}{hint}"


def redacted(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, for `tracker config` (no secret is ever in it)."""

    def plain(obj: Any) -> Any:
        if isinstance(obj, Webhook):
            return {"kind": obj.kind, "url": obj.label, "timeout": obj.timeout}
        if is_dataclass(obj) and not isinstance(obj, type):
            return {
                ("from" if f.name == "from_addr" else f.name): plain(getattr(obj, f.name))
                for f in fields(obj)
            }
        if isinstance(obj, tuple | list):
            return [plain(v) for v in obj]
        if isinstance(obj, Path):
            return str(obj)
        return obj

    out = plain(settings)
    if settings.smtp is not None:
        have = settings.smtp.password() is not None  # an unreadable or empty file raises ConfigError
        out["smtp"]["password"] = "<redacted, from environment>" if have else "<not set>"
    return out
