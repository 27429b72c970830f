"""The mistakes an on-call engineer makes in tracker.toml and its secrets, and what tracker says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alerts_support import (
    ESXI_80,
    HYPERV_2016,
    Handler,
    alert,
    smtp_server,
    write_config,
    write_dataset,
)
from conftest import clean_env, run_in_process, run_tracker

from tracker.alerts.routing import route_warnings
from tracker.config import Route, SmtpSettings, load_settings
from tracker.dataset import load_dataset
from tracker.errors import ConfigError


def config_errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "tracker.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return [m.replace(str(path), "tracker.toml") for m in info.value.messages]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            'datset = "x.csv"\n', "tracker.toml: datset: unknown key (did you mean 'dataset'?", id="top"
        ),
        pytest.param(
            '[reprot]\nout_dir = "r"\n',
            "tracker.toml: reprot: unknown key (did you mean 'report'?",
            id="section",
        ),
        pytest.param(
            '[[route]]\nmatch = "*"\n',
            "tracker.toml: route: unknown key (did you mean 'routes'?",
            id="routes",
        ),
        pytest.param(
            "[report]\nkeepdays = 3\n",
            "tracker.toml: report.keepdays: unknown key (did you mean 'keep_days'? known: keep_days,",
            id="nested",
        ),
        pytest.param(
            '[[routes]]\nmatch = "*"\ntoo = ["a@example.org"]\n',
            "tracker.toml: routes[0].too: unknown key (did you mean 'to'? known: match, to, webhooks)",
            id="route-key",
        ),
        pytest.param(
            '[smtp]\nhots = "x"\n[[routes]]\nmatch = "*"\nto = ["a@example.org"]\n',
            "tracker.toml: smtp.hots: unknown key (did you mean 'host'?",
            id="smtp-key",
        ),
        pytest.param(
            "colour = 1\n",
            "tracker.toml: colour: unknown key (known: alerts, data, dataset,",
            id="no-close-key",
        ),
    ],
)
def test_an_unknown_key_names_the_closest_known_one(tmp_path: Path, text: str, expected: str) -> None:
    assert any(e.startswith(expected) for e in config_errors(tmp_path, text)), config_errors(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param('[report]\nout_dir = "r"\nstate_dir = "s"\n', "report.state_dir", id="report"),
        pytest.param('[[routes]]\nmatch = "*"\ntimezone = "UTC"\n', "routes[0].timezone", id="routes"),
    ],
)
def test_a_top_level_key_below_a_section_is_told_to_move_up(tmp_path: Path, text: str, key: str) -> None:
    name = key.rsplit(".", 1)[1]
    assert config_errors(tmp_path, text) == [
        f"tracker.toml: {key}: unknown key: {name} is a top-level key, and TOML reads every key below a "
        "[section] header as part of that section: move it above the first [section]"
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("s3cret\n", "s3cret", id="newline"),
        pytest.param("s3cret\r\n", "s3cret", id="crlf"),
        pytest.param(" pass phrase with spaces \n", " pass phrase with spaces ", id="spaces-kept"),
    ],
)
def test_password_file_drops_only_the_line_ending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, expected: str
) -> None:
    (tmp_path / "pw").write_bytes(content.encode())
    monkeypatch.delenv("TRACKER_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("TRACKER_SMTP_PASSWORD_FILE", str(tmp_path / "pw"))
    assert SmtpSettings(host="h").password() == expected
    monkeypatch.delenv("TRACKER_SMTP_PASSWORD_FILE")
    monkeypatch.setenv("TRACKER_SMTP_PASSWORD", content)  # a Kubernetes secret keeps the file's newline
    assert SmtpSettings(host="h").password() == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            None, "TRACKER_SMTP_PASSWORD_FILE: cannot read {pw}: No such file or directory", id="missing"
        ),
        pytest.param("\n", "TRACKER_SMTP_PASSWORD_FILE: {pw} is empty", id="empty"),
    ],
)
def test_a_bad_password_file_fails_config_and_alert_before_anything_is_recorded(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    pw = tmp_path / "pw"
    if content is not None:
        pw.write_text(content, encoding="utf-8")
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, smtp_extra='username = "tracker"')
        env = clean_env(tmp_path, TRACKER_SMTP_PASSWORD_FILE=str(pw))
        shown = run_in_process("--config", str(config), "config", cwd=tmp_path, env=env)
        sent = alert(tmp_path, config, env=env)
    message = expected.format(pw=pw)
    assert (shown.returncode, shown.stdout, shown.stderr.strip()) == (1, "", message)
    assert (sent.returncode, sent.stderr.strip()) == (1, message)
    assert handler.received == [] and not (tmp_path / "state" / "tracker.db").exists()


def test_password_file_with_a_trailing_newline_logs_in(tmp_path: Path) -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    seen: list[bytes] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        seen.append(auth_data.password)
        return AuthResult(success=auth_data.password == b"s3cret pw", handled=False)

    (tmp_path / "pw").write_text("s3cret pw\n", encoding="utf-8")
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with (
        pytest.warns(UserWarning, match="Requiring AUTH while not requiring TLS"),
        smtp_server(handler, authenticator=authenticator, auth_require_tls=False, auth_required=True) as port,
    ):
        config = write_config(tmp_path, dataset, port, smtp_extra='username = "tracker"')
        result = alert(
            tmp_path, config, env=clean_env(tmp_path, TRACKER_SMTP_PASSWORD_FILE=str(tmp_path / "pw"))
        )
    assert result.returncode == 0, result.stderr
    assert seen == [b"s3cret pw"] and len(handler.received) == 1


def test_route_warnings_name_a_glob_that_matches_nothing_and_a_shadowed_route(tmp_path: Path) -> None:
    records = load_dataset(write_dataset(tmp_path / "d.csv", HYPERV_2016, ESXI_80))
    routes = [
        Route("Microsfot/*", ("a@example.org",)),
        Route("VMware/*", ("v@example.org",)),
        Route("*", ("infra@example.org",)),
        Route("microsoft/hyper-v*", ("w@example.org",)),
    ]
    assert route_warnings(records, routes) == [
        "routes[0] match 'Microsfot/*' matches no vendor/product in the dataset, so it never gets an "
        "alert (globs see the dataset's names; `tracker status` lists them)",
        "routes[1] match 'VMware/*' matches no vendor/product in the dataset, so it never gets an alert "
        "(globs see the dataset's names, e.g. 'Broadcom (VMware)/VMware ESXi'; `tracker status` lists them)",
        "routes[3] match 'microsoft/hyper-v*' never gets an alert: every product it matches goes to "
        "routes[2] '*' first (the first matching route wins)",
    ]
    good = [Route("Microsoft/*", ("w@example.org",)), Route("*/VMware ESXi", ("v@example.org",)), routes[2]]
    assert route_warnings(records, good) == []


def test_config_alert_and_dry_run_warn_about_a_route_that_never_gets_an_alert(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, ESXI_80)
    config = write_config(
        tmp_path, dataset, None, routes=(("VMware/*", ("v@example.org",)), ("*", ("infra@example.org",)))
    )
    warning = "routes[0] match 'VMware/*' matches no vendor/product in the dataset"
    shown = run_in_process("--config", str(config), "config", cwd=tmp_path, env=clean_env(tmp_path))
    assert shown.returncode == 0 and f"{config}: warning: {warning}" in shown.stderr
    for args in (("--dry-run",), ()):
        result = alert(tmp_path, config, *args, as_of="2026-11-26")
        assert result.returncode == 0, result.stderr
        assert f"tracker: alert: warning: {warning}" in result.stderr
    quiet = write_config(tmp_path, dataset, None, name="ok.toml")
    assert "warning" not in run_in_process("--config", str(quiet), "config", cwd=tmp_path).stderr


def test_config_names_a_webhook_url_it_cannot_read(tmp_path: Path) -> None:
    """`tracker config` resolves each webhook URL as the nightly run will, without printing it."""
    (tmp_path / "empty.url").write_text("\n", encoding="utf-8")
    (tmp_path / "tracker.toml").write_text(
        'state_dir = "state"\n[[routes]]\nmatch = "*"\nwebhooks = [\n'
        '  { kind = "slack", url_env = "TRACKER_TEST_SLACK" },\n'
        '  { kind = "teams", url_file = "empty.url" },\n'
        '  { kind = "json", url_env = "TRACKER_TEST_JSON" },\n]\n',
        encoding="utf-8",
    )
    env = clean_env(tmp_path, TRACKER_TEST_JSON="https://hooks.example.org/s3cret-token")
    result = run_in_process("config", cwd=tmp_path, env=env)
    assert result.returncode == 1 and result.stdout == ""
    where = "tracker.toml: routes[0].webhooks"
    assert result.stderr.splitlines() == [
        f"{where}[0]: environment variable TRACKER_TEST_SLACK is not set or empty",
        f"{where}[1]: teams webhook ({tmp_path / 'empty.url'}): expected an https:// URL",
    ]
    env["TRACKER_TEST_SLACK"] = "https://hooks.slack.example/T0/B0/xyz"
    (tmp_path / "empty.url").write_text("https://teams.example.org/workflow\n", encoding="utf-8")
    fixed = run_in_process("config", cwd=tmp_path, env=env)
    assert fixed.returncode == 0, fixed.stderr
    assert "s3cret-token" not in fixed.stdout and "xyz" not in fixed.stdout


def test_silencing_a_milestone_alerts_do_not_watch_says_it_mutes_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path, write_dataset(tmp_path / "d.csv", HYPERV_2016), None)
    args = ("silence", "Hyper-V Server", "2016", "--until", "2027-02-01", "--reason", "r")
    unwatched = alert(tmp_path, config, *args, "--milestone", "support_end")
    watched = alert(tmp_path, config, *args, "--milestone", "eol")
    assert unwatched.returncode == 0 and unwatched.stdout.startswith("silence 1: ")
    assert unwatched.stderr == (
        "tracker: alert silence: warning: alerts.milestones (eol, extended_end) does not include "
        "support_end, so this silence mutes nothing until it does\n"
    )
    assert watched.returncode == 0 and watched.stderr == ""


def test_from_with_a_display_name_is_the_header_and_its_address_the_envelope(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port)
        text = config.read_text().replace(
            'from = "tracker@example.org"', 'from = "Équipe Infra (tracker) <tracker@example.org>"'
        )
        config.write_text(text, encoding="utf-8")
        result = alert(tmp_path, config)
    assert result.returncode == 0, result.stderr
    [received] = handler.received
    assert received.mail_from == "tracker@example.org"
    assert received.message["From"].addresses[0].display_name == "Équipe Infra (tracker)"
    assert received.message["From"].addresses[0].addr_spec == "tracker@example.org"
    assert "@example.org" in received.message["Message-ID"]


@pytest.mark.parametrize(
    ("smtp", "expected"),
    [
        pytest.param(
            'from = "Tracker <not-an-address>"', "smtp.from: not an email address: 'Tracker <not-an-address>'"
        ),
        pytest.param(
            'from = "Tracker <t@example.org> x"',
            "smtp.from: not an email address: 'Tracker <t@example.org> x'",
        ),
        pytest.param(
            'from = "tracker at example.org"', "smtp.from: not an email address: 'tracker at example.org'"
        ),
        pytest.param("port = 70000", "smtp.port: must be between 1 and 65535"),
    ],
)
def test_smtp_mistakes_name_the_key(tmp_path: Path, smtp: str, expected: str) -> None:
    text = f'[smtp]\nhost = "mail.example.org"\n{smtp}\n[[routes]]\nmatch = "*"\nto = ["a@example.org"]\n'
    assert config_errors(tmp_path, text) == [f"tracker.toml: {expected}"]


def test_an_empty_smtp_host_is_an_error(tmp_path: Path) -> None:
    text = '[smtp]\nhost = " "\n[[routes]]\nmatch = "*"\nto = ["a@example.org"]\n'
    assert config_errors(tmp_path, text) == ["tracker.toml: smtp.host: must not be empty"]


def test_config_names_the_zone_it_uses_when_none_is_set(tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text('state_dir = "state"\n', encoding="utf-8")
    system = run_tracker("config", cwd=tmp_path, env=clean_env(tmp_path, TZ="America/New_York"))
    assert system.returncode == 0, system.stderr
    assert json.loads(system.stdout)["timezone"] is None
    assert json.loads(system.stdout)["effective_timezone"] == "America/New_York"
    (tmp_path / "tracker.toml").write_text('timezone = "Asia/Tokyo"\n', encoding="utf-8")
    configured = run_in_process("config", cwd=tmp_path, env=clean_env(tmp_path, TZ="America/New_York"))
    assert json.loads(configured.stdout)["effective_timezone"] == "Asia/Tokyo"


def test_a_username_without_a_password_sends_nothing_and_says_so_once(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, ESXI_80)
    handler = Handler()
    message = (
        "smtp.username is set but neither TRACKER_SMTP_PASSWORD nor TRACKER_SMTP_PASSWORD_FILE is: "
        "set one (or remove smtp.username for a server without AUTH)"
    )
    with smtp_server(handler) as port:
        config = write_config(
            tmp_path,
            dataset,
            port,
            routes=(("Microsoft/*", ("w@example.org",)), ("*", ("infra@example.org",))),
            smtp_extra='username = "tracker"',
        )
        sent = alert(tmp_path, config)
        preview = alert(tmp_path, config, "--dry-run")
        shown = run_in_process("--config", str(config), "config", cwd=tmp_path, env=clean_env(tmp_path))
    assert (sent.returncode, sent.stderr) == (1, message + "\n")  # one line, not one per route
    assert handler.received == [] and not (tmp_path / "state" / "tracker.db").exists()
    assert preview.returncode == 0 and "Subject:" in preview.stdout
    assert f"tracker: alert: warning: {message}; a real run would send nothing" in preview.stderr
    assert shown.returncode == 0 and '"password": "<not set>"' in shown.stdout
    assert "tracker: config: warning: smtp.username is set but neither" in shown.stderr


def test_config_names_a_file_it_names_that_is_not_there(tmp_path: Path) -> None:
    """`tracker config` as a preflight check: the files the nightly run would fail to read."""
    (tmp_path / "hw").mkdir()
    (tmp_path / "state").write_text("", encoding="utf-8")
    (tmp_path / "tracker.toml").write_text(
        'dataset = "data/hv.csv"\ninventory = "~/hosts.csv"\nstate_dir = "state"\n'
        '[report]\nmetrics_file = "hw"\n[plan]\nhardware = "hw"\n',
        encoding="utf-8",
    )
    env = clean_env(tmp_path, HOME=str(tmp_path / "home"))
    result = run_in_process("config", cwd=tmp_path, env=env)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"tracker.toml: dataset: {tmp_path / 'data' / 'hv.csv'} does not exist",
        f"tracker.toml: inventory: {tmp_path / 'home' / 'hosts.csv'} does not exist",
        f"tracker.toml: plan.hardware: {tmp_path / 'hw'} is a directory, not a file",
        f"tracker.toml: report.metrics_file: {tmp_path / 'hw'} is a directory",
        f"tracker.toml: state_dir: {tmp_path / 'state'} is a file, not a directory",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "# nightly\nstate_dir = /var/lib/tracker\n",
            'tracker.toml:2: column 13: not valid TOML: Invalid value (a string needs quotes: state_dir = "/var/lib/tracker")',
            id="bare-string",
        ),
        pytest.param(
            '[report]\nkeep_days = 30\n[report]\nurl = "https://x.example.org/"\n',
            "tracker.toml:3: column 8: not valid TOML: Cannot declare ('report',) twice "
            "([report] appears twice: put its keys in one [report] section)",
            id="section-twice",
        ),
        pytest.param(
            "[alerts]\nthresholds_days = [90 30]\n",
            "tracker.toml:2: column 23: not valid TOML: Unclosed array",
            id="no-hint",
        ),
        pytest.param(
            "[alerts]\nthresholds_days = -\n",
            "tracker.toml:2: column 19: not valid TOML: Invalid value",
            id="number",
        ),
    ],
)
def test_toml_syntax_errors_say_file_line_and_column(tmp_path: Path, text: str, expected: str) -> None:
    assert config_errors(tmp_path, text) == [expected]


@pytest.mark.parametrize(
    ("before", "action"),
    [
        pytest.param(
            ["--dry-run"],
            ["silence", "Hyper-V Server", "2016", "--until", "2027-02-01", "--reason", "r"],
            id="silence",
        ),
        pytest.param(["--dry-run"], ["unsilence", "1"], id="unsilence"),
        pytest.param(["--accept-new-ledger"], ["list"], id="list"),
    ],
)
def test_sending_options_before_an_action_are_refused_not_ignored(
    tmp_path: Path, before: list[str], action: list[str]
) -> None:
    """`tracker alert --dry-run silence ...` used to record the silence: a dry run changed the ledger."""
    config = write_config(tmp_path, write_dataset(tmp_path / "d.csv", HYPERV_2016), None)
    result = alert(tmp_path, config, *before, *action)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"tracker alert {action[0]}: {before[0]}: for sending alerts only (`tracker alert {before[0]}`), "
        f"not for `{action[0]}`; nothing was done\n"
    )
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize(
    ("security", "username", "expected"),
    [
        pytest.param(
            "ssl",
            None,
            "connect (TLS): TLS failed (WRONG_VERSION_NUMBER); port {port} speaks plain SMTP first: "
            'security = "ssl" is for implicit-TLS ports such as 465, use security = "starttls" here',
            id="ssl-on-a-plain-port",
        ),
        pytest.param(
            "starttls",
            None,
            "STARTTLS: the server does not offer it (STARTTLS extension not supported by server.); this port "
            'offers no TLS: use the server\'s submission port (587, or 465 with security = "ssl"), or '
            'security = "none" on a trusted network only',
            id="starttls-not-offered",
        ),
        pytest.param(
            "none",
            "tracker",
            "AUTH: the server does not offer it (SMTP AUTH extension not supported by server.); many servers "
            'offer AUTH only after STARTTLS: set security = "starttls"',
            id="auth-before-tls",
        ),
    ],
)
def test_a_security_mode_that_does_not_fit_the_server_says_which_fits(
    tmp_path: Path, security: str, username: str | None, expected: str
) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with smtp_server(handler) as port:  # plain SMTP, AUTH only after TLS (aiosmtpd's default)
        config = write_config(tmp_path, dataset, port)
        text = config.read_text().replace('security = "none"', f'security = "{security}"')
        if username:
            text = text.replace("[smtp]", f'[smtp]\nusername = "{username}"')
        config.write_text(text, encoding="utf-8")
        result = alert(tmp_path, config, env=clean_env(tmp_path, TRACKER_SMTP_PASSWORD="pw"))
    assert result.returncode == 1 and handler.received == []
    assert f"tracker: alert: route '*': not delivered: {expected.format(port=port)};" in result.stderr


def test_plain_smtp_against_port_465_that_never_answers_says_it_is_implicit_tls() -> None:
    from tracker.alerts.delivery import classify

    error = classify(TimeoutError(), "connect", SmtpSettings(host="mail.example.org", port=465, timeout=5))
    assert str(error) == (
        'connect: no answer from mail.example.org:465 within 5 s; port 465 is implicit TLS: set security = "ssl"'
    )
    assert error.temporary
    plain = classify(TimeoutError(), "connect", SmtpSettings(host="mail.example.org", port=587, timeout=5))
    assert str(plain) == "connect: no answer from mail.example.org:587 within 5 s"


def test_an_empty_milestones_list_is_refused_like_an_empty_thresholds_list(tmp_path: Path) -> None:
    assert config_errors(tmp_path, "[alerts]\nmilestones = []\nthresholds_days = []\n") == [
        "tracker.toml: alerts.milestones: must not be empty (known: support_end, eol, extended_end, start_by)",
        "tracker.toml: alerts.thresholds_days: must not be empty",
    ]
