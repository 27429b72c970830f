"""tracker.toml: defaults, the example file, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, SMALL
from tracker.config import Settings, load_settings, redacted
from tracker.errors import ConfigError


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "tracker.toml"
    path.write_text(text)
    return load_settings(path)


def errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    return [m.replace(str(tmp_path / "tracker.toml"), "tracker.toml") for m in info.value.messages]


def test_defaults_without_a_file() -> None:
    s = load_settings(None)
    assert s.alerts.thresholds_days == (365, 180, 90, 30, 7, 0)
    assert s.alerts.milestones == ("eol", "extended_end")
    assert s.schedule.cron == "0 6 * * *"
    assert s.smtp is None
    assert s.effective_routes()[0].match == "*" and s.effective_routes()[0].to == ()


def test_example_file_is_valid_and_documents_every_key(tmp_path: Path) -> None:
    text = (ROOT / "tracker.example.toml").read_text()
    s = load_settings(ROOT / "tracker.example.toml")
    assert s.report.keep_days == 90
    uncommented = "\n".join(line.lstrip("# ") for line in text.splitlines())
    for key in (
        "dataset",
        "inventory",
        "timezone",
        "state_dir",
        "out_dir",
        "keep_days",
        "cron",
        "misfire_grace_hours",
        "lock_timeout_seconds",
        "thresholds_days",
        "warning_days",
        "milestones",
        "stale_days",
        "host",
        "port",
        "security",
        "username",
        "from",
        "timeout",
        "retries",
        "retry_backoff_seconds",
        "match",
        "to",
        "url",
        "metrics_file",
        "data_timeout",
        "ca_file",
        "stale_after_days",
        "lead",
        "per_hop",
        "count_extended",
        "hardware",
        "webhooks",
    ):
        assert f"{key} = " in uncommented, key
    # The commented-out parts are valid too once uncommented.
    full = "\n".join(
        line[2:] if (line.startswith("# ") and " = " in line) or line.startswith("# [") else line
        for line in text.splitlines()
        if not line.startswith("# ca_file")  # names a file this machine does not have
    )
    s = load(tmp_path, full)
    assert s.smtp is not None and s.smtp.from_addr == "tracker@example.org"
    assert [r.match for r in s.routes] == ["Microsoft/*", "*"]
    assert s.timezone == "Europe/Paris"
    assert s.plan.leads[0].lead == "9m" and s.routes[1].webhooks[0].url_env == "TRACKER_SLACK_WEBHOOK"


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    s = load(tmp_path, 'dataset = "data/x.csv"\nstate_dir = "state"\n[report]\nout_dir = "out"\n')
    assert s.dataset == tmp_path / "data" / "x.csv"
    assert s.state_dir == tmp_path / "state"
    assert s.report.out_dir == tmp_path / "out"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("colour = 1\n", "tracker.toml: colour: unknown key", id="unknown-top"),
        pytest.param(
            "[alerts]\nthresholds_days = 30\n",
            "tracker.toml: alerts.thresholds_days: expected a list, got int 30",
            id="not-list",
        ),
        pytest.param(
            '[alerts]\nthresholds_days = [30, "7"]\n',
            "tracker.toml: alerts.thresholds_days: expected a list of integers",
            id="list-type",
        ),
        pytest.param(
            "[alerts]\nthresholds_days = [30, -1]\n",
            "tracker.toml: alerts.thresholds_days: thresholds must be >= 0",
            id="negative",
        ),
        pytest.param(
            '[alerts]\nmilestones = ["eol", "death"]\n',
            "tracker.toml: alerts.milestones: unknown milestone(s) 'death'",
            id="milestone",
        ),
        pytest.param(
            "[alerts]\nwarn_days = 3\n", "tracker.toml: alerts.warn_days: unknown key", id="unknown-nested"
        ),
        pytest.param(
            '[report]\nkeep_days = "90"\n',
            "tracker.toml: report.keep_days: expected an integer, got str '90'",
            id="type",
        ),
        pytest.param(
            "[report]\nkeep_days = true\n",
            "tracker.toml: report.keep_days: expected an integer, got a boolean",
            id="bool",
        ),
        pytest.param(
            'timezone = "Mars/Olympus"\n', "tracker.toml: timezone: unknown time zone", id="timezone"
        ),
        pytest.param(
            '[schedule]\ncron = "0 6 * *"\n',
            "tracker.toml: schedule.cron: expected 5 fields",
            id="cron-fields",
        ),
        pytest.param(
            '[smtp]\nhost = "mail"\n',
            "tracker.toml: routes: [smtp] is set but there are no",
            id="smtp-without-routes",
        ),
        pytest.param(
            '[smtp]\nhost = "mail"\nsecurity = "tls"\n[[routes]]\nmatch = "*"\nto = ["a@b.c"]\n',
            "tracker.toml: smtp.security: must be one of starttls, ssl, none",
            id="security",
        ),
        pytest.param(
            '[smtp]\nhost = "mail"\npassword = "hunter2"\n[[routes]]\nmatch = "*"\nto = ["a@b"]\n',
            "tracker.toml: smtp.password: unknown key",
            id="no-password-in-file",
        ),
        pytest.param(
            '[[routes]]\nmatch = "*"\nto = ["not an address"]\n',
            "tracker.toml: routes[0].to: not an email address: 'not an address'",
            id="address",
        ),
        pytest.param(
            '[[routes]]\nto = ["a@b.c"]\n', "tracker.toml: routes[0].match: required", id="route-match"
        ),
        pytest.param("[report\n", "tracker.toml:1: column 8: not valid TOML: Expected", id="toml-syntax"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    found = errors(tmp_path, text)
    assert any(m.startswith(expected) for m in found), found


def test_all_config_errors_at_once(tmp_path: Path) -> None:
    found = errors(tmp_path, "colour = 1\n[report]\nkeep_days = 'x'\n")
    assert len(found) == 2


def test_cli_reports_config_errors_with_exit_1(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tracker.toml").write_text("[alerts]\nthresholds_days = 30\n")
    result = tracker("--dataset", str(SMALL), "status")
    assert result.returncode == 1
    assert result.stderr.startswith("tracker.toml: alerts.thresholds_days: expected a list")
    assert "Traceback" not in result.stderr


def test_cli_config_option_and_missing_file(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--config", str(tmp_path / "nope.toml"), "status")
    assert result.returncode == 1
    assert "configuration file not found" in result.stderr


def test_configured_dataset_is_used(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tracker.toml").write_text(f'dataset = "{SMALL}"\n')
    result = tracker("--as-of", "2026-11-26", "status", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1 + 10


def test_user_config_dir_is_the_fallback(tracker, tmp_path: Path, env) -> None:  # type: ignore[no-untyped-def]
    user = Path(env["XDG_CONFIG_HOME"]) / "tracker"
    user.mkdir(parents=True)
    (user / "tracker.toml").write_text(f'dataset = "{SMALL}"\n')
    result = tracker("status", "--format", "csv")
    assert len(result.stdout.splitlines()) == 1 + 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '[schedule]\ncron = "61 25 * * *"\n', "schedule.cron: minute: 61 is out of range", id="cron-range"
        ),
        pytest.param(
            '[schedule]\ncron = "0 6 * * funday"\n', "schedule.cron: day-of-week: 'funday'", id="cron-name"
        ),
        pytest.param(
            '[plan]\nlead = "6 months"\n', "plan.lead: expected a number and a unit", id="lead-words"
        ),
        pytest.param('[plan]\nlead = "-1m"\n', "plan.lead: expected a number and a unit", id="lead-negative"),
        pytest.param('[plan]\nlead = "0"\n', "plan.lead: expected a number and a unit", id="lead-no-unit"),
        pytest.param('[plan]\nper_hop = "999y"\n', "plan.per_hop: '999y' is too long", id="per-hop-long"),
        pytest.param('[[plan.leads]]\nmatch = "*"\n', "plan.leads[0].lead: required", id="lead-rule"),
        pytest.param(
            "[data]\nstale_after_days = 0\n", "data.stale_after_days: must be at least 1", id="stale"
        ),
        pytest.param(
            '[report]\nurl = "intranet/tracker"\n',
            "report.url: expected an http:// or https:// URL",
            id="url",
        ),
        pytest.param(
            '[smtp]\nhost = "h"\nca_file = "nope.pem"\n[[routes]]\nmatch = "*"\nto = ["a@b.c"]\n',
            "smtp.ca_file: no such file",
            id="ca-file",
        ),
        pytest.param(
            '[[routes]]\nmatch = "*"\nwebhooks = [{ kind = "slack", url = "http://chat.example.org/x" }]\n',
            "routes[0].webhooks[0].url: https is required",
            id="webhook-http",
        ),
        pytest.param(
            '[[routes]]\nmatch = "*"\nwebhooks = [{ kind = "irc", url = "https://chat.example.org/x" }]\n',
            "routes[0].webhooks[0].kind: must be one of slack, teams, json",
            id="webhook-kind",
        ),
        pytest.param(
            '[[routes]]\nmatch = "*"\nwebhooks = [{ kind = "json" }]\n',
            "routes[0].webhooks[0]: give exactly one of url, url_env, url_file",
            id="webhook-no-url",
        ),
        pytest.param(
            '[[routes]]\nmatch = "*"\nwebhooks = [{ kind = "json", url_env = "H", timeout = 0 }]\n',
            "routes[0].webhooks[0].timeout: must be positive",
            id="webhook-timeout-zero",
        ),
        pytest.param(
            '[[routes]]\nmatch = "*"\nwebhooks = [{ kind = "json", url_env = "H", timeout = 900 }]\n',
            "routes[0].webhooks[0].timeout: at most 300 seconds",
            id="webhook-timeout-long",
        ),
        pytest.param(
            '[[routes]]\nmatch = "*"\nwebhooks = [{ kind = "json", url_env = "H", timeout = "10s" }]\n',
            "routes[0].webhooks[0].timeout: expected",
            id="webhook-timeout-text",
        ),
    ],
)
def test_new_keys_are_checked(tmp_path: Path, text: str, expected: str) -> None:
    assert any(expected in m for m in errors(tmp_path, text)), errors(tmp_path, text)


def test_new_keys_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    s = load(
        tmp_path,
        '[report]\nurl = "https://intra.example.org/t/"\nmetrics_file = "m/tracker.prom"\n'
        '[data]\nstale_after_days = 90\n[plan]\nlead = "9m"\nhardware = "hw.csv"\ncount_extended = true\n'
        '[[plan.leads]]\nmatch = "Broadcom*/*"\nlead = "1y"\n'
        '[smtp]\nhost = "mx"\nca_file = "ca.pem"\n'
        '[[routes]]\nmatch = "*"\nwebhooks = [{ kind = "json", url_env = "HOOK" }, '
        '{ kind = "slack", url = "http://127.0.0.1:9/hook", timeout = 2.5 }]\n',
    )
    assert (
        s.report.url == "https://intra.example.org/t/"
        and s.report.metrics_file == tmp_path / "m" / "tracker.prom"
    )
    assert s.data.stale_after_days == 90 and s.plan.count_extended and s.plan.hardware == tmp_path / "hw.csv"
    assert s.plan.lead_for("Broadcom (VMware)", "VMware ESXi") == "1y"
    assert s.plan.lead_for("Microsoft", "Windows Server") == "9m"
    assert s.smtp is not None and s.smtp.ca_file == tmp_path / "ca.pem" and s.smtp.data_timeout == 600
    hook, local = s.routes[0].webhooks
    assert hook.timeout == 10.0 and local.timeout == 2.5
    with pytest.raises(ConfigError, match="HOOK is not set"):
        hook.resolve_url()
    monkeypatch.setenv("HOOK", "https://hooks.example.org/services/SECRET")
    assert hook.resolve_url().endswith("SECRET")
    assert local.resolve_url() == "http://127.0.0.1:9/hook"
    assert "SECRET" not in str(redacted(s)) and "9/hook" not in str(redacted(s))


def test_a_wrong_lead_in_a_rule_is_one_error_not_two(tmp_path: Path) -> None:
    found = errors(tmp_path, '[[plan.leads]]\nmatch = "*"\nlead = "6 months"\n')
    assert len(found) == 1 and found[0].startswith("tracker.toml: plan.leads[0].lead: expected a number")


def test_non_utf8_config_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tracker.toml"
    path.write_bytes(b'timezone = "Europe/Z\xfcrich"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(path)


@pytest.mark.parametrize(
    ("text", "months"),
    [("2w", 0), ("6m", 6), ("1y", 12), (" 90D ", 0)],
)
def test_parse_duration_is_calendar_arithmetic(text: str, months: int) -> None:
    from datetime import date

    from tracker.dates import parse_duration

    d = parse_duration(text)
    assert d.months + 12 * d.years == months
    assert date(2027, 3, 31) - parse_duration("1m") == date(2027, 2, 28)
    assert date(2028, 3, 31) - parse_duration("1m") == date(2028, 2, 29)


def test_webhook_url_from_a_file_is_read_and_checked(tmp_path: Path) -> None:
    s = load(tmp_path, '[[routes]]\nmatch = "*"\nwebhooks = [{ kind = "teams", url_file = "hook.txt" }]\n')
    hook = s.routes[0].webhooks[0]
    with pytest.raises(ConfigError, match=r"hook\.txt: cannot read webhook URL"):
        hook.resolve_url()
    (tmp_path / "hook.txt").write_text("http://chat.example.org/hook\n")
    with pytest.raises(ConfigError, match="https is required"):
        hook.resolve_url()
    (tmp_path / "hook.txt").write_text("https://chat.example.org/hook/SECRET\n")
    assert hook.resolve_url() == "https://chat.example.org/hook/SECRET"
    assert hook.label == f"teams webhook ({tmp_path / 'hook.txt'})"


def test_reading_a_config_imports_no_error_only_module(tmp_path: Path) -> None:
    """Every command reads tracker.toml: email.utils (for ``Name <addr>``) and difflib (for "did you
    mean") are imported only when a value needs them, so a plain config costs neither."""
    import subprocess
    import sys

    (tmp_path / "tracker.toml").write_text(
        '[smtp]\nhost = "mail.example.com"\nfrom = "tracker@example.com"\n\n'
        '[[routes]]\nmatch = "*"\nto = ["ops@example.com"]\n',
        encoding="utf-8",
    )
    code = (
        "import sys\nfrom pathlib import Path\nfrom tracker.config import load_settings\n"
        f"settings = load_settings(Path({str(tmp_path / 'tracker.toml')!r}))\n"
        "assert settings.smtp is not None and settings.smtp.from_addr == 'tracker@example.com'\n"
        "print(sorted(m for m in ('email.utils', 'difflib') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
    display = load(
        tmp_path,
        '[smtp]\nhost = "h"\nfrom = "Tracker <t@example.com>"\n[[routes]]\nmatch = "*"\nto = ["o@example.com"]\n',
    )
    assert display.smtp is not None and display.smtp.from_addr == "Tracker <t@example.com>"
