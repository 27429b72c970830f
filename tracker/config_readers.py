"""The readers behind ``tracker.config.load_settings``: one per section, each an explicit table of
TOML key -> converter. A converter returns the value or raises ``Bad`` with a message for people; the
reader collects every problem as ``FILE: key: message`` so that all are reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tracker.config import (
    ALERT_MILESTONES,
    SECURITY_MODES,
    WEBHOOK_KINDS,
    AlertSettings,
    DataSettings,
    PlanLead,
    PlanSettings,
    ReportSettings,
    Route,
    ScheduleSettings,
    Settings,
    SmtpSettings,
    Webhook,
    webhook_url_problem,
)
from tracker.config_values import (
    Bad,
    boolean,
    choice,
    email,
    expect,
    integer,
    mailbox,
    nonempty,
    number,
    string,
    strings,
)
from tracker.errors import ConfigError

# --- converters ------------------------------------------------------------------------------------


class _Reader:
    """Collects every problem, each as ``FILE: key: message``."""

    def __init__(self, path: Path) -> None:
        self.where = str(path)
        self.base = path.resolve().parent
        self.errors: list[str] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append(f"{self.where}: {key}: {message}")

    def path(self, value: Any) -> Path:
        p = Path(expect(value, str)).expanduser()
        return p if p.is_absolute() else self.base / p

    def table(
        self, key: str, raw: Any, spec: dict[str, Callable[[Any], Any]], renames: dict[str, str] | None = None
    ) -> dict[str, Any] | None:
        """Convert a TOML table by ``spec`` (TOML key -> converter); None when it is not a table."""
        try:
            expect(raw, dict)
        except Bad as exc:
            self.error(key, str(exc))
            return None
        renames = renames or {}
        values: dict[str, Any] = {}
        for name, value in raw.items():
            convert = spec.get(name)
            full = f"{key}.{name}" if key else name
            if convert is None:
                self.error(full, unknown_key(name, spec, inside=key))
                continue
            try:
                values[renames.get(name, name)] = convert(value)
            except Bad as exc:
                self.error(full, str(exc))
        return values


def unknown_key(name: str, known: Iterable[str], inside: str = "") -> str:
    """Name the closest known key; a top-level key written below a ``[section]`` header (TOML puts
    it in that section) is told to move up."""
    if inside and name in _TOP_KEYS:
        return (
            f"unknown key: {name} is a top-level key, and TOML reads every key below a [section] "
            "header as part of that section: move it above the first [section]"
        )
    import difflib  # only when a key is wrong: not on every command's start-up

    close = difflib.get_close_matches(name.lower(), list(known), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key ({hint}known: {', '.join(sorted(known))})"


def _parsed(
    value: Any,
    parse: Callable[[str], object],
    errors: type[Exception] | tuple[type[Exception], ...],
    message: Callable[[Exception, str], str],
) -> str:
    """A string that ``parse`` accepts, kept as written; ``message(exc, text)`` says why not."""
    text = string(value)
    try:
        parse(text)
    except errors as exc:
        raise Bad(message(exc, text)) from None
    return text


def _duration(value: Any) -> str:
    from tracker.dates import parse_duration

    return _parsed(value, parse_duration, ValueError, lambda exc, _: str(exc))


def _cron(value: Any) -> str:
    from tracker.schedule import CronError, parse_cron

    return _parsed(value, parse_cron, CronError, lambda exc, text: f"{exc} in {text!r}")


def _http_url(value: Any) -> str:
    text = string(value)
    if not re.match(r"https?://[^\s/]+", text):
        raise Bad(f"expected an http:// or https:// URL, got {text!r}")
    return text


def _timezone(value: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    return _parsed(
        value,
        ZoneInfo,
        (ZoneInfoNotFoundError, ValueError),
        lambda _, name: f"unknown time zone {name!r} (use an IANA name such as 'Europe/Paris')",
    )


# --- sections --------------------------------------------------------------------------------------


def _read_report(r: _Reader, raw: Any) -> ReportSettings | None:
    spec = {"out_dir": r.path, "keep_days": integer(1), "url": _http_url, "metrics_file": r.path}
    values = r.table("report", raw, spec)
    return None if values is None else ReportSettings(**values)


def _read_schedule(r: _Reader, raw: Any) -> ScheduleSettings | None:
    spec = {
        "cron": _cron,
        "misfire_grace_hours": number(),
        "lock_timeout_seconds": number(),
    }
    values = r.table("schedule", raw, spec)
    return None if values is None else ScheduleSettings(**values)


def _thresholds(value: Any) -> tuple[int, ...]:
    items = expect(value, list)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        raise Bad(f"expected a list of integers, got {value!r}")
    if not items:
        raise Bad("must not be empty")
    if any(t < 0 for t in items):
        raise Bad("thresholds must be >= 0")
    return tuple(sorted(set(items), reverse=True))


def _milestones(value: Any) -> tuple[str, ...]:
    items = strings(value)
    if not items:  # would silently never alert again; thresholds_days = [] is refused the same way
        raise Bad(f"must not be empty (known: {', '.join(ALERT_MILESTONES)})")
    bad = [m for m in items if m not in ALERT_MILESTONES]
    if bad:
        raise Bad(f"unknown milestone(s) {', '.join(map(repr, bad))} (known: {', '.join(ALERT_MILESTONES)})")
    return tuple(dict.fromkeys(items))


def _read_alerts(r: _Reader, raw: Any) -> AlertSettings | None:
    spec = {
        "thresholds_days": _thresholds,
        "warning_days": integer(0),
        "milestones": _milestones,
        "stale_days": integer(0),
    }
    values = r.table("alerts", raw, spec)
    return None if values is None else AlertSettings(**values)


def _ca_file(r: _Reader) -> Callable[[Any], Path]:
    def convert(value: Any) -> Path:
        path = r.path(value)
        if not path.is_file():
            raise Bad(f"no such file: {path}")
        return path

    return convert


def _read_smtp(r: _Reader, raw: Any) -> SmtpSettings | None:
    spec = {
        "host": nonempty,
        "port": integer(1),
        "security": choice(SECURITY_MODES),
        "username": string,
        "from": mailbox,
        "timeout": number(positive=True),
        "data_timeout": number(positive=True),
        "retries": integer(0),
        "retry_backoff_seconds": number(),
        "ca_file": _ca_file(r),
    }
    values = r.table("smtp", raw, spec, {"from": "from_addr"})
    if values is None:
        return None
    if values.get("port", 1) > 65535:
        r.error("smtp.port", "must be between 1 and 65535")
    if "security" in values and "port" not in values:
        values["port"] = {"ssl": 465, "none": 25}.get(values["security"], 587)
    if "host" not in raw:
        r.error("smtp.host", "required when [smtp] is present")
    return SmtpSettings(**values)


def _read_data(r: _Reader, raw: Any) -> DataSettings | None:
    values = r.table("data", raw, {"stale_after_days": integer(1)})
    return None if values is None else DataSettings(**values)


def _read_plan(r: _Reader, raw: Any) -> PlanSettings | None:
    spec = {
        "lead": _duration,
        "per_hop": _duration,
        "hardware": r.path,
        "count_extended": boolean,
        "leads": lambda value: expect(value, list),
    }
    values = r.table("plan", raw, spec)
    if values is None:
        return None
    leads = []
    for i, item in enumerate(values.get("leads", [])):
        rule = r.table(f"plan.leads[{i}]", item, {"match": string, "lead": _duration})
        if rule is None:
            continue
        for key in ("match", "lead"):
            if key not in item:  # a key that is there but wrong is reported by its converter
                r.error(f"plan.leads[{i}].{key}", "required")
        if "match" in rule and "lead" in rule:
            leads.append(PlanLead(**rule))
    values["leads"] = tuple(leads)
    return PlanSettings(**values)


def _read_webhook(r: _Reader, label: str, raw: Any) -> Webhook | None:
    def url(value: Any) -> str:
        problem = webhook_url_problem(string(value))
        if problem:
            raise Bad(problem)
        return str(value)

    def env_name(value: Any) -> str:
        name = string(value)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise Bad(f"not an environment variable name: {name!r}")
        return name

    def timeout(value: Any) -> float:
        seconds = number(positive=True)(value)
        if seconds > 300:
            raise Bad("at most 300 seconds")
        return seconds

    spec = {
        "kind": choice(WEBHOOK_KINDS),
        "url": url,
        "url_env": env_name,
        "url_file": r.path,
        "timeout": timeout,
    }
    values = r.table(label, raw, spec)
    if values is None:
        return None
    sources = [k for k in ("url", "url_env", "url_file") if k in raw]
    if len(sources) != 1:
        r.error(label, "give exactly one of url, url_env, url_file")
        return None
    if "kind" not in raw:
        r.error(f"{label}.kind", f"required ({', '.join(WEBHOOK_KINDS)})")
        return None
    if "kind" not in values or sources[0] not in values:
        return None  # the conversion error is reported already
    return Webhook(**values)


def _read_routes(r: _Reader, raw: Any, with_smtp: bool) -> tuple[Route, ...]:
    try:
        items = expect(raw, list)
    except Bad as exc:
        r.error("routes", str(exc))
        return ()
    routes = []
    for i, item in enumerate(items):
        label = f"routes[{i}]"

        def addresses(value: Any) -> tuple[str, ...]:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(a, str) for a in values):
                raise Bad("expected a list of email addresses")
            return tuple(email(a) for a in values)

        spec = {"match": string, "to": addresses, "webhooks": lambda value: expect(value, list)}
        values = r.table(label, item, spec)
        if values is None:
            continue
        hooks = [
            _read_webhook(r, f"{label}.webhooks[{j}]", h) for j, h in enumerate(values.get("webhooks", []))
        ]
        values["webhooks"] = tuple(h for h in hooks if h is not None)
        if "match" not in item:
            r.error(f"{label}.match", "required")
            continue
        if "match" not in values:
            continue
        route = Route(**values)
        if with_smtp and not route.to and not route.webhooks:
            r.error(label, "with [smtp], every route needs at least one 'to' address or webhook")
        routes.append(route)
    return tuple(routes)


_SECTIONS: dict[str, Callable[[_Reader, Any], Any]] = {
    "report": _read_report,
    "schedule": _read_schedule,
    "alerts": _read_alerts,
    "smtp": _read_smtp,
    "data": _read_data,
    "plan": _read_plan,
}
_TOP_KEYS = ("dataset", "inventory", "timezone", "state_dir", "routes", *_SECTIONS)


def settings_from_dict(data: dict[str, Any], path: Path) -> Settings:
    r = _Reader(path)
    kwargs: dict[str, Any] = {"path": path}
    for key in data:
        if key not in _TOP_KEYS:
            r.error(key, unknown_key(key, _TOP_KEYS))
    top = r.table(
        "",
        {k: v for k, v in data.items() if k in ("dataset", "inventory", "state_dir", "timezone")},
        {"dataset": r.path, "inventory": r.path, "state_dir": r.path, "timezone": _timezone},
    )
    kwargs.update(top or {})
    for name, reader in _SECTIONS.items():
        if name in data:
            section = reader(r, data[name])
            if section is not None:
                kwargs[name] = section
    if "routes" in data:
        kwargs["routes"] = _read_routes(r, data["routes"], with_smtp="smtp" in data)
    if "smtp" in data and not data.get("routes"):
        r.error(
            "routes",
            "[smtp] is set but there are no [[routes]]: add at least one route with recipients "
            '(e.g. match = "*")',
        )
    if r.errors:
        raise ConfigError(*r.errors)
    return Settings(**kwargs)
