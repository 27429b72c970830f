"""`tracker alert` end to end: real subprocesses, a real aiosmtpd server, a real SQLite ledger."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from alerts_support import (
    ESXI_80,
    HYPERV_2016,
    OLD_ESXI,
    Handler,
    alert,
    csv_line,
    html_part,
    ledger_rows,
    sent_rows,
    smtp_server,
    text_part,
    write_config,
    write_dataset,
)
from conftest import AS_OF, clean_env, free_port

WINDOWS_2016 = HYPERV_2016.replace("Hyper-V Server", "Windows Server").replace(
    "hyper-v-server-2016", "windows-server-2016"
)


def test_done_when_bundled_dataset_one_digest_per_route_once_and_after_an_outage(tmp_path: Path) -> None:
    routes = (("Microsoft/*", ("windows-team@example.org",)), ("*", ("infra@example.org",)))
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, None, port, routes)
        first = alert(tmp_path, config)
        assert first.returncode == 0, first.stderr
        assert len(handler.received) == 2
        by_rcpt = {tuple(r.rcpt_tos): r.message for r in handler.received}
        windows = text_part(by_rcpt[("windows-team@example.org",)])
        assert "- Hyper-V Server 2016 (Microsoft)" in windows
        assert (
            "EOL in 47 days (end of life: 2027-01-12; Microsoft calls it end of extended support)" in windows
        )
        assert "Hyper-V Server 2016" not in text_part(by_rcpt[("infra@example.org",)])
        again = alert(tmp_path, config)
        assert again.returncode == 0, again.stderr
        assert len(handler.received) == 2
        assert "nothing due" in again.stderr

    # A new install whose mail server is down: exit 1, nothing recorded; then delivered once.
    handler2 = Handler()
    config2 = write_config(tmp_path, None, port, routes, name="second.toml", state="state2")
    down = alert(tmp_path, config2)
    assert down.returncode == 1
    assert "cannot connect" in down.stderr
    # The first route waits out the retries; the next one, same server, gets a single try.
    assert down.stderr.index("route 'Microsoft/*': not delivered") < down.stderr.index(
        "route '*': not delivered"
    )
    assert "gave up after 3 attempts" in down.stderr and "gave up after 1 attempt)" in down.stderr
    assert ledger_rows(tmp_path / "state2") == []
    with smtp_server(handler2, port=port):
        back = alert(tmp_path, config2)
        assert back.returncode == 0, back.stderr
        assert alert(tmp_path, config2).returncode == 0
    assert len(handler2.received) == 2

    # The same digests, but for the silence commands, which name each run's own config file.
    def same(text: str) -> str:
        return text.replace("second.toml", "tracker.toml")

    assert sorted(same(text_part(r.message)) for r in handler2.received) == sorted(
        same(text_part(by_rcpt[tuple(r.rcpt_tos)])) for r in handler2.received
    )


def test_digest_content_recipients_subject_parts_and_links(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, ESXI_80, OLD_ESXI)
    routes = (("microsoft/*", ("win1@example.org", "win2@example.org")), ("*", ("infra@example.org",)))
    handler = Handler()
    with smtp_server(handler) as port:
        result = alert(tmp_path, write_config(tmp_path, dataset, port, routes))
    assert result.returncode == 0, result.stderr
    assert len(handler.received) == 2
    ms = next(r for r in handler.received if "win1@example.org" in r.rcpt_tos)
    vm = next(r for r in handler.received if r.rcpt_tos == ["infra@example.org"])
    assert ms.rcpt_tos == ["win1@example.org", "win2@example.org"]
    assert ms.mail_from == "tracker@example.org"
    msg = ms.message
    assert msg["Subject"] == "Hyper-V Server 2016: end of life in 47 days"
    assert msg["To"] == "win1@example.org, win2@example.org"
    assert msg["From"] == "tracker@example.org"
    assert msg["Date"] and msg["Message-ID"].endswith("@example.org>")
    assert msg.get_content_type() == "multipart/alternative"
    text, html = text_part(msg), html_part(msg)
    for part in (text, html):
        assert "2027-01-12" in part and "EOL in 47 days" in part
        assert "Microsoft calls it end of extended support" in part
    assert "source: https://learn.microsoft.com/lifecycle/products/hyper-v-server-2016" in text
    assert '<a href="https://learn.microsoft.com/lifecycle/products/hyper-v-server-2016">' in html
    assert ("alert silence 'Hyper-V Server' 2016 --milestone eol --until 2027-01-13 --reason REASON") in text
    assert "tracker --config " in text  # the ledger of this run, whatever the working directory
    vm_text = text_part(vm.message)
    assert (
        "EOL in 10 months (end of life: 2027-10-11; Broadcom (VMware) calls it end of general support)"
        in (vm_text)
    )
    assert "ESXi 6.5" not in vm_text  # ended in 2022/2023: stale, never mailed
    assert vm.message["Subject"] == "VMware ESXi 8.0: end of life in 10 months"


def test_200_day_gap_sends_only_the_smallest_threshold(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port)
        assert alert(tmp_path, config, as_of="2026-05-10").returncode == 0  # 247 days left
        assert alert(tmp_path, config, as_of="2026-11-26").returncode == 0  # 200 days later
        assert alert(tmp_path, config, as_of="2026-11-27").returncode == 0
    assert len(handler.received) == 2
    assert "alert threshold: 365 days" in text_part(handler.received[0].message)
    assert "alert threshold: 90 days" in text_part(handler.received[1].message)
    rows = {(r["threshold"], r["status"]) for r in ledger_rows(tmp_path / "state")}
    assert rows == {(365, "sent"), (180, "covered"), (90, "sent")}


@pytest.mark.parametrize(
    ("plan", "returncode", "attempts", "delivered"),
    [
        pytest.param(["451 4.3.0 try again later"], 0, 2, True, id="451-then-success"),
        pytest.param(["550 5.7.1 message refused"], 1, 1, False, id="550-permanent-not-retried"),
        pytest.param(["421 4.3.2 shutting down"], 0, 2, True, id="421-at-end-of-data-then-success"),
        pytest.param(["451 a", "451 b", "451 c"], 1, 3, False, id="451-every-time-gives-up"),
    ],
)
def test_smtp_failures(
    tmp_path: Path, plan: list[str], returncode: int, attempts: int, delivered: bool
) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler(plan=list(plan))
    with smtp_server(handler) as port:
        result = alert(tmp_path, write_config(tmp_path, dataset, port))
    assert result.returncode == returncode, result.stderr
    assert handler.attempts == attempts
    assert len(handler.received) == (1 if delivered else 0)
    assert sent_rows(tmp_path / "state") == ([("Hyper-V Server", "2016", "eol", 90)] if delivered else [])
    if not delivered:
        assert "not delivered" in result.stderr and "Traceback" not in result.stderr
    if plan[0].startswith("550"):
        assert "550" in result.stderr and "retrying" not in result.stderr
        assert "permanent" in result.stderr and "will retry" not in result.stderr
        assert "next run" not in result.stderr  # a 5xx promises no retry that would only fail again
        assert result.stderr.splitlines()[-1] == (
            "tracker: alert: failed: not delivered: route '*' (permanent: fix the cause shown "
            "above, then run `tracker alert`; nothing was recorded, so it stays due)"
        )
    if plan[0].startswith("451") and not delivered:
        assert "end of DATA: the server replied 451 c (temporary) (gave up after 3 attempts)" in result.stderr
        assert result.stderr.splitlines()[-1] == (
            "tracker: alert: failed: not delivered: route '*' (nothing was recorded, so it is due again "
            "on the next run)"
        )


def test_two_routes_one_fails_the_other_is_delivered(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, ESXI_80)
    routes = (("Microsoft/*", ("broken@example.org",)), ("*", ("infra@example.org",)))
    handler = Handler(reject_rcpt="broken")
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, routes)
        result = alert(tmp_path, config)
        assert result.returncode == 1
        assert "route 'Microsoft/*'" in result.stderr and "550" in result.stderr
        assert [r.rcpt_tos for r in handler.received] == [["infra@example.org"]]
        assert sent_rows(tmp_path / "state") == [("VMware ESXi", "8.0", "eol", 365)]
        handler.reject_rcpt = None  # the mailbox is fixed: only the failed route is sent now
        assert alert(tmp_path, config).returncode == 0
    assert [r.rcpt_tos for r in handler.received] == [["infra@example.org"], ["broken@example.org"]]


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize(
    ("trusted", "how"),
    [
        pytest.param(False, "", id="self-signed-rejected"),
        pytest.param(True, "env", id="trusted-by-SSL_CERT_FILE"),
        pytest.param(True, "ca_file", id="trusted-by-smtp.ca_file"),
    ],
)
def test_starttls_verifies_certificates(
    tmp_path: Path, self_signed: tuple[Path, Path], trusted: bool, how: str
) -> None:
    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    env = clean_env(tmp_path, **({"SSL_CERT_FILE": str(cert)} if how == "env" else {}))
    handler = Handler()
    extra = f'ca_file = "{cert}"' if how == "ca_file" else ""
    with smtp_server(handler, tls_context=context, require_starttls=True) as port:
        config = (
            write_config(tmp_path, dataset, port, smtp_extra=extra)
            .read_text()
            .replace('security = "none"', 'security = "starttls"')
        )
        (tmp_path / "tracker.toml").write_text(config)
        result = alert(tmp_path, tmp_path / "tracker.toml", env=env)
    if trusted:
        assert result.returncode == 0, result.stderr
        assert len(handler.received) == 1
    else:
        assert result.returncode == 1
        assert "STARTTLS: the TLS certificate of 127.0.0.1:" in result.stderr
        assert "is not trusted" in result.stderr and "smtp.ca_file" in result.stderr
        assert "retrying" not in result.stderr
        assert handler.received == [] and sent_rows(tmp_path / "state") == []


def test_product_name_with_cr_lf_is_refused_and_nothing_is_sent(tmp_path: Path) -> None:
    """The validator refuses line breaks in names (the digest also flattens them: see
    test_alerts_digest.py::test_crlf_in_names_cannot_inject_headers)."""
    evil = csv_line(
        "Microsoft",
        "Evil\r\nBcc: victim@example.org\r\nX-Injected: yes",
        "2016",
        "1",
        "2016-10-15",
        "2022-01-11",
        "2027-01-12",
        "",
        "https://example.org/x",
        "vendor",
        "",
    )
    dataset = write_dataset(tmp_path / "d.csv", evil)
    handler = Handler()
    with smtp_server(handler) as port:
        result = alert(tmp_path, write_config(tmp_path, dataset, port))
    assert result.returncode == 1
    assert f"{dataset}:2: product: line break or control character" in result.stderr
    assert handler.received == []
    assert ledger_rows(tmp_path / "state") == []


def test_moved_date_re_arms_and_says_so(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port)
        assert alert(tmp_path, config).returncode == 0
        write_dataset(dataset, HYPERV_2016.replace("2027-01-12", "2027-04-12"))
        moved = alert(tmp_path, config, as_of="2026-11-27")
        assert moved.returncode == 0, moved.stderr
        assert alert(tmp_path, config, as_of="2026-11-28").returncode == 0
    assert len(handler.received) == 2
    text = text_part(handler.received[1].message)
    assert "date moved from 2027-01-12 to 2027-04-12" in text
    assert "date moved from 2027-01-12 to 2027-04-12" in html_part(handler.received[1].message)
    assert "EOL in 4 months (end of life: 2027-04-12;" in text and "alert threshold: 180 days" in text


def test_silence_holds_until_it_expires(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, WINDOWS_2016)
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port)
        made = alert(
            tmp_path,
            config,
            "silence",
            "hyper-v server",
            "2016",
            "--until",
            "2026-12-10",
            "--reason",
            "upgrade booked",
        )
        assert made.returncode == 0, made.stderr
        assert made.stdout.startswith("silence 1: Hyper-V Server 2016 (all milestones) until 2026-12-10")
        assert alert(tmp_path, config).returncode == 0
        listed = alert(tmp_path, config, "list", as_of="2026-12-09")
        assert alert(tmp_path, config, as_of="2026-12-09").returncode == 0
        assert alert(tmp_path, config, as_of="2026-12-10").returncode == 0
    assert "Silenced (1):\n  Hyper-V Server 2016 (Microsoft)" in listed.stdout
    assert "1: Hyper-V Server 2016 (all milestones) until 2026-12-10 [active]" in listed.stdout
    texts = [text_part(r.message) for r in handler.received]
    assert len(texts) == 2
    assert "Windows Server 2016" in texts[0] and "Hyper-V Server 2016" not in texts[0]
    assert "Hyper-V Server 2016" in texts[1] and "Windows Server 2016" not in texts[1]


def test_unsilence_and_bad_silences(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    config = write_config(tmp_path, dataset, None)
    assert (
        alert(
            tmp_path,
            config,
            "silence",
            "Hyper-V Server",
            "2016",
            "--milestone",
            "eol",
            "--until",
            "2027-02-01",
            "--reason",
            "r",
        ).returncode
        == 0
    )
    assert "Nothing due" in alert(tmp_path, config, "--dry-run").stdout
    assert alert(tmp_path, config, "unsilence", "1").stdout == "silence 1 removed\n"
    assert "Hyper-V Server 2016" in alert(tmp_path, config, "--dry-run").stdout
    missing = alert(tmp_path, config, "unsilence", "1")
    assert missing.returncode == 1 and "no silence with ID 1" in missing.stderr
    unknown = alert(
        tmp_path, config, "silence", "Hyper-V Server", "2099", "--until", "2027-02-01", "--reason", "r"
    )
    assert unknown.returncode == 1 and "no release cycle" in unknown.stderr
    past = alert(
        tmp_path, config, "silence", "Hyper-V Server", "2016", "--until", "2026-11-26", "--reason", "r"
    )
    assert past.returncode == 2 and "not after 2026-11-26" in past.stderr


def test_two_concurrent_processes_deliver_each_alert_once(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, WINDOWS_2016, ESXI_80)
    handler = Handler(delay=0.5)  # a slow server widens the window for a double send
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port)
        cmd = [sys.executable, "-m", "tracker", "--config", str(config), "--as-of", AS_OF, "alert"]
        procs = [
            subprocess.Popen(
                cmd,
                cwd=tmp_path,
                env=clean_env(tmp_path),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert len(handler.received) == 1
    text = text_part(handler.received[0].message)
    for name in ("Hyper-V Server 2016", "Windows Server 2016", "VMware ESXi 8.0"):
        assert text.count(f"- {name} ") == 1
    assert len(sent_rows(tmp_path / "state")) == 3


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with smtp_server(handler) as port:
        result = alert(tmp_path, write_config(tmp_path, dataset, port), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Would send to infra@example.org\nSubject: Hyper-V Server 2016: end")
    assert "EOL in 47 days" in result.stdout
    assert handler.received == [] and handler.attempts == 0
    assert not (tmp_path / "state").exists()


def test_outbox_without_smtp(tmp_path: Path) -> None:
    from email import message_from_bytes, policy

    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    config = write_config(tmp_path, dataset, None, routes=())
    assert alert(tmp_path, config).returncode == 0
    assert alert(tmp_path, config).returncode == 0
    [eml] = (tmp_path / "state" / "outbox").glob("*.eml")
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["To"] is None and "Hyper-V Server 2016" in msg["Subject"]
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert sent_rows(tmp_path / "state") == [("Hyper-V Server", "2016", "eol", 90)]


def test_unrouted_items_warned_and_listed(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, ESXI_80)
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, (("Microsoft/*", ("w@example.org",)),))
        result = alert(tmp_path, config)
        listed = alert(tmp_path, config, "list")
    assert result.returncode == 0
    assert "match no [[routes]] entry" in result.stderr
    assert "Broadcom (VMware)/VMware ESXi 8.0 eol" in result.stderr
    assert "Unrouted (1):\n  VMware ESXi 8.0" in listed.stdout
    assert [r.rcpt_tos for r in handler.received] == [["w@example.org"]]


def test_login_uses_password_from_environment(tmp_path: Path) -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    seen: list[tuple[str, str]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with (
        pytest.warns(UserWarning, match="Requiring AUTH while not requiring TLS"),
        smtp_server(handler, authenticator=authenticator, auth_require_tls=False, auth_required=True) as port,
    ):
        config = write_config(tmp_path, dataset, port, smtp_extra='username = "tracker"')
        secret = tmp_path / "password"
        secret.write_text("wrong\n")
        bad = alert(tmp_path, config, env=clean_env(tmp_path, TRACKER_SMTP_PASSWORD_FILE=str(secret)))
        good = alert(tmp_path, config, env=clean_env(tmp_path, TRACKER_SMTP_PASSWORD="s3cret"))
    assert (
        bad.returncode == 1
        and "AUTH: the server replied 535" in bad.stderr
        and "check smtp.username" in bad.stderr
    )
    assert good.returncode == 0, good.stderr
    assert ("tracker", "wrong") in seen and seen[-1] == ("tracker", "s3cret")
    assert "retrying" not in bad.stderr
    assert len(handler.received) == 1


def test_free_port_unused_means_connection_refused(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    result = alert(tmp_path, write_config(tmp_path, dataset, free_port()))
    assert result.returncode == 1 and "retrying" in result.stderr
    assert "nothing was recorded" in result.stderr
