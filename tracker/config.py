"""``tracker.toml`` -> a frozen Settings object; every check of a setting happens here.

Every key is optional. Unknown keys and wrong types are errors naming the key. Secrets never live in
the file: the SMTP password comes from TRACKER_SMTP_PASSWORD or the file named by
TRACKER_SMTP_PASSWORD_FILE. Relative paths are relative to the config file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError
from tracker.paths import default_state_dir, find_config, user_config_path

__all__ = ["Settings", "default_state_dir", "find_config", "load_settings", "user_config_path"]

MILESTONE_NAMES = ("support_end", "eol", "extended_end")
SECURITY_MODES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class ReportSettings:
    out_dir: Path = Path("reports")
    """Where dated reports and index.html go."""
    keep_days: int = 90
    """Dated reports older than this are removed."""


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
    stale_days: int = 30
    """Milestones passed longer ago than this are never mailed."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    from_addr: str = "tracker@localhost"
    timeout: float = 30.0
    retries: int = 3
    """Attempts after the first for temporary failures (4xx, refused, dropped)."""
    retry_backoff_seconds: float = 2.0
    """First wait between attempts; doubles each time."""

    def password(self) -> str | None:
        """The SMTP password from the environment; never from the file."""
        value = os.environ.get("TRACKER_SMTP_PASSWORD")
        if value:
            return value
        path = os.environ.get("TRACKER_SMTP_PASSWORD_FILE")
        if path:
            try:
                return Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"TRACKER_SMTP_PASSWORD_FILE: cannot read {path}: {exc}") from None
        return None


@dataclass(frozen=True)
class Route:
    match: str
    """Glob on ``vendor/product``, case-insensitive."""
    to: tuple[str, ...] = ()


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

    def effective_routes(self) -> tuple[Route, ...]:
        """Configured routes, or one catch-all route with no recipients (outbox only)."""
        return self.routes or (Route(match="*", to=()),)

    def tzinfo(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone) if self.timezone else None


def _check_type(errors: list[str], where: str, key: str, value: Any, kind: type | tuple) -> bool:
    if (
        isinstance(value, bool)
        and kind is not bool
        and bool not in (kind if isinstance(kind, tuple) else (kind,))
    ):
        errors.append(f"{where}: {key}: expected {_kind_name(kind)}, got a boolean")
        return False
    if not isinstance(value, kind):
        errors.append(f"{where}: {key}: expected {_kind_name(kind)}, got {type(value).__name__} {value!r}")
        return False
    return True


def _kind_name(kind: type | tuple) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        list: "a list",
        bool: "a boolean",
        dict: "a table",
    }
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _email_ok(addr: str) -> bool:
    if any(c in addr for c in '\r\n\t ,;<>"') or addr.count("@") != 1:
        return False
    local, _, domain = addr.partition("@")
    return bool(local) and bool(domain)


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
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    return settings_from_dict(data, path)


def settings_from_dict(data: dict[str, Any], path: Path) -> Settings:
    where = str(path)
    base = path.resolve().parent
    errors: list[str] = []

    def rel(value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else base / p

    top_keys = {
        "dataset",
        "inventory",
        "timezone",
        "state_dir",
        "report",
        "schedule",
        "alerts",
        "smtp",
        "routes",
    }
    for key in data:
        if key not in top_keys:
            errors.append(f"{where}: {key}: unknown key (known: {', '.join(sorted(top_keys))})")
    kwargs: dict[str, Any] = {"path": path}
    for key in ("dataset", "inventory", "state_dir"):
        if key in data and _check_type(errors, where, key, data[key], str):
            kwargs[key] = rel(data[key])
    if "timezone" in data and _check_type(errors, where, "timezone", data["timezone"], str):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(data["timezone"])
            kwargs["timezone"] = data["timezone"]
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(
                f"{where}: timezone: unknown time zone {data['timezone']!r} "
                "(use an IANA name such as 'Europe/Paris')"
            )

    def section(name: str, cls: type, renames: dict[str, str] | None = None) -> Any:
        renames = renames or {}
        raw = data.get(name)
        if raw is None:
            return None
        if not _check_type(errors, where, name, raw, dict):
            return None
        names = {renames.get(f.name, f.name): f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            f = names.get(key)
            full = f"{name}.{key}"
            if f is None:
                errors.append(f"{where}: {full}: unknown key (known: {', '.join(sorted(names))})")
                continue
            checked = _convert(errors, where, full, f.type, value, rel)
            if checked is not _INVALID:
                values[f.name] = checked
        return values

    report = section("report", ReportSettings)
    if report is not None:
        if report.get("keep_days", 1) < 1:
            errors.append(f"{where}: report.keep_days: must be at least 1")
        kwargs["report"] = ReportSettings(**report)
    schedule = section("schedule", ScheduleSettings)
    if schedule is not None:
        if "cron" in schedule:
            n = len(schedule["cron"].split())
            if n not in (5, 6):
                errors.append(
                    f"{where}: schedule.cron: expected 5 fields (or 6 with seconds "
                    f"first), got {n}: {schedule['cron']!r}"
                )
        for key in ("misfire_grace_hours", "lock_timeout_seconds"):
            if schedule.get(key, 1) < 0:
                errors.append(f"{where}: schedule.{key}: must not be negative")
        kwargs["schedule"] = ScheduleSettings(**schedule)
    alerts = section("alerts", AlertSettings)
    if alerts is not None:
        th = alerts.get("thresholds_days")
        if th is not None:
            if not th:
                errors.append(f"{where}: alerts.thresholds_days: must not be empty")
            if any(t < 0 for t in th):
                errors.append(f"{where}: alerts.thresholds_days: thresholds must be >= 0")
            alerts["thresholds_days"] = tuple(sorted(set(th), reverse=True))
        ms = alerts.get("milestones")
        if ms is not None:
            bad = [m for m in ms if m not in MILESTONE_NAMES]
            if bad:
                errors.append(
                    f"{where}: alerts.milestones: unknown milestone(s) "
                    f"{', '.join(map(repr, bad))} (known: {', '.join(MILESTONE_NAMES)})"
                )
            alerts["milestones"] = tuple(dict.fromkeys(ms))
        for key in ("warning_days", "stale_days"):
            if alerts.get(key, 0) < 0:
                errors.append(f"{where}: alerts.{key}: must be >= 0")
        kwargs["alerts"] = AlertSettings(**alerts)
    smtp = section("smtp", SmtpSettings, {"from_addr": "from"})
    if smtp is not None:
        if "security" in smtp and smtp["security"] not in SECURITY_MODES:
            errors.append(
                f"{where}: smtp.security: must be one of {', '.join(SECURITY_MODES)}, "
                f"not {smtp['security']!r}"
            )
        if "port" in smtp and not 0 < smtp["port"] < 65536:
            errors.append(f"{where}: smtp.port: must be between 1 and 65535")
        if "from_addr" in smtp and not _email_ok(smtp["from_addr"]):
            errors.append(f"{where}: smtp.from: not an email address: {smtp['from_addr']!r}")
        if smtp.get("timeout", 1) <= 0:
            errors.append(f"{where}: smtp.timeout: must be positive")
        if smtp.get("retries", 0) < 0:
            errors.append(f"{where}: smtp.retries: must be >= 0")
        if "security" in smtp and "port" not in smtp:
            smtp["port"] = {"ssl": 465, "none": 25}.get(smtp["security"], 587)
        if "host" not in data["smtp"]:
            errors.append(f"{where}: smtp.host: required when [smtp] is present")
        kwargs["smtp"] = SmtpSettings(**smtp)
    routes_raw = data.get("routes")
    if routes_raw is not None and _check_type(errors, where, "routes", routes_raw, list):
        routes = []
        for i, raw in enumerate(routes_raw):
            label = f"routes[{i}]"
            if not _check_type(errors, where, label, raw, dict):
                continue
            for key in raw:
                if key not in ("match", "to"):
                    errors.append(f"{where}: {label}.{key}: unknown key (known: match, to)")
            match = raw.get("match")
            to = raw.get("to", [])
            if match is None:
                errors.append(f"{where}: {label}.match: required")
            elif not _check_type(errors, where, f"{label}.match", match, str):
                match = None
            if isinstance(to, str):
                to = [to]
            if not isinstance(to, list) or not all(isinstance(a, str) for a in to):
                errors.append(f"{where}: {label}.to: expected a list of email addresses")
                to = []
            for addr in to:
                if not _email_ok(addr):
                    errors.append(f"{where}: {label}.to: not an email address: {addr!r}")
            if match is not None:
                routes.append(Route(match=match, to=tuple(to)))
        kwargs["routes"] = tuple(routes)
        if kwargs.get("smtp") and any(not r.to for r in routes):
            errors.append(f"{where}: routes: with [smtp], every route needs at least one 'to' address")
    if "smtp" in data and not data.get("routes"):
        errors.append(
            f"{where}: routes: [smtp] is set but there are no [[routes]]: add at least "
            'one route with recipients (e.g. match = "*")'
        )
    if errors:
        raise ConfigError(*errors)
    return Settings(**kwargs)


_INVALID = object()


def _convert(errors: list[str], where: str, key: str, annotation: Any, value: Any, rel) -> Any:
    ann = str(annotation)
    if ann == "Path":
        return rel(value) if _check_type(errors, where, key, value, str) else _INVALID
    if ann in ("str", "str | None"):
        return value if _check_type(errors, where, key, value, str) else _INVALID
    if ann == "int":
        return value if _check_type(errors, where, key, value, int) else _INVALID
    if ann == "float":
        return float(value) if _check_type(errors, where, key, value, (int, float)) else _INVALID
    if ann == "tuple[int, ...]":
        if _check_type(errors, where, key, value, list):
            if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                return list(value)
            errors.append(f"{where}: {key}: expected a list of integers, got {value!r}")
        return _INVALID
    if ann == "tuple[str, ...]":
        if _check_type(errors, where, key, value, list):
            if all(isinstance(v, str) for v in value):
                return list(value)
            errors.append(f"{where}: {key}: expected a list of strings, got {value!r}")
        return _INVALID
    raise AssertionError(f"no converter for {ann}")  # pragma: no cover


def redacted(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, for `tracker config` (no secret is ever in it)."""

    def plain(obj: Any) -> Any:
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
        have = bool(os.environ.get("TRACKER_SMTP_PASSWORD") or os.environ.get("TRACKER_SMTP_PASSWORD_FILE"))
        out["smtp"]["password"] = "<redacted, from environment>" if have else "<not set>"
    return out
