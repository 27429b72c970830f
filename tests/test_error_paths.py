"""Error paths that had no test: each one is a sentence for people, with the exit status the SPEC gives
(2 for a usage mistake, 1 for a file or state the command cannot use), and never a traceback."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from alerts_support import HYPERV_2016, Handler, ledger_rows, smtp_server, write_config, write_dataset
from conftest import AS_OF, ROOT

HOSTS = ROOT / "examples" / "hosts.csv"


def failed(result, code: int, message: str) -> None:  # type: ignore[no-untyped-def]
    """``result`` exited ``code`` with exactly ``message`` on stderr and nothing on stdout."""
    assert (result.returncode, result.stdout, result.stderr) == (code, "", message + "\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "2027-01"], "--to needs --from"),
        (["--from", "2027-01"], "--from needs --to"),
        (["--from", "2027-03", "--to", "2027-01"], "--to is before --from"),
        (["--year", "0"], "--year: not a year: 0"),
    ],
)
def test_expiring_window_mistakes_are_usage_errors(tracker, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    failed(tracker("--as-of", AS_OF, "expiring", *args), 2, f"tracker expiring: error: {message}")


def test_a_silence_that_would_already_be_over_is_refused(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ("--as-of", AS_OF, "alert", "silence", "Hyper-V Server", "2016", "--reason", "migrating")
    failed(
        tracker(*args, "--until", AS_OF),
        2,
        f"tracker alert silence: --until: {AS_OF} is not after {AS_OF}; the silence would already be over",
    )
    assert not (tmp_path / "xdg-state").exists()  # refused before the ledger is opened


def test_a_silence_needs_a_reason_that_is_not_blank(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ("--as-of", AS_OF, "alert", "silence", "Hyper-V Server", "2016", "--until", "2027-01-01")
    failed(tracker(*args, "--reason", " \t "), 2, "tracker alert silence: --reason: must not be empty")
    assert not (tmp_path / "xdg-state").exists()


def test_unsilence_of_an_unknown_id_says_where_the_ids_are(tracker) -> None:  # type: ignore[no-untyped-def]
    failed(
        tracker("--as-of", AS_OF, "alert", "unsilence", "42"),
        1,
        "tracker alert unsilence: no silence with ID 42 (`tracker alert list` shows them)",
    )


def test_schedule_now_without_next_is_a_usage_error(tracker) -> None:  # type: ignore[no-untyped-def]
    failed(
        tracker("schedule", "--now", "2026-11-26T05:00"),
        2,
        "tracker schedule: --now only makes sense with --next",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "name at least one endoflife.date PRODUCT (e.g. esxi), or --from FILE"),
        (
            ["--from", "x.json", "esxi", "proxmox-ve"],
            "--from FILE reads one product: give at most one PRODUCT",
        ),
        (["esxi", "proxmox-ve", "--product-name", "X"], "--product-name applies to one PRODUCT only"),
        (["esxi", "--timeout", "0"], "--timeout must be a positive number of seconds"),
        (
            ["esxi", "--api-url", "ftp://example.org/"],
            "--api-url: not an http(s):// URL: 'ftp://example.org/'",
        ),
        (["esxi", "--force"], "--force and --dry-run go with --merge DATASET"),
        (["esxi", "--dry-run"], "--force and --dry-run go with --merge DATASET"),
    ],
)
def test_import_argument_mistakes_are_usage_errors_before_any_fetch(
    tracker,  # type: ignore[no-untyped-def]
    args: list[str],
    message: str,
) -> None:
    # --api-url points nowhere reachable: a fetch would fail with another message.
    url = [] if "--api-url" in args else ["--api-url", "http://127.0.0.1:9/"]
    failed(tracker("import", "endoflife", *url, *args), 2, f"tracker import: {message}")


@pytest.mark.parametrize(("make", "reason"), [(None, "No such file or directory"), ("dir", "Is a directory")])
def test_an_aliases_file_that_cannot_be_read_is_named(tracker, tmp_path: Path, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    aliases = tmp_path / "aliases.csv"
    if make == "dir":
        aliases.mkdir()
    failed(
        tracker("--as-of", AS_OF, "inventory", str(HOSTS), "--aliases", str(aliases)),
        1,
        f"{aliases}: cannot read aliases: {reason}",
    )


def test_a_missing_hardware_list_is_named_with_its_setting(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hardware = tmp_path / "hardware.csv"
    (tmp_path / "tracker.toml").write_text(f'[plan]\nhardware = "{hardware}"\n', encoding="utf-8")
    failed(
        tracker("--as-of", AS_OF, "plan", str(HOSTS)),
        1,
        f"{hardware}: cannot read hardware list (plan.hardware): no such file",
    )


def test_metrics_over_a_damaged_state_database_names_it(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "state").mkdir()
    db = tmp_path / "state" / "tracker.db"
    db.write_bytes(b"not a database " * 10)
    (tmp_path / "tracker.toml").write_text('state_dir = "state"\n', encoding="utf-8")
    failed(
        tracker("--as-of", AS_OF, "metrics"),
        1,
        f"{db}: cannot read the run records: file is not a database",
    )
    assert db.read_bytes() == b"not a database " * 10  # read-only: left as it was


def test_metrics_that_cannot_be_written_names_the_file(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    out = tmp_path / "a-file" / "tracker.prom"
    result = tracker("--as-of", AS_OF, "metrics", "-o", str(out))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"{out}: cannot write metrics: "), result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    # The parent in the way is named, not a bare "File exists" as if tracker.prom existed.
    assert (
        f"{tmp_path / 'a-file'}: File exists (a file is in the way where a directory is needed)"
        in result.stderr
    )


def test_an_smtp_ca_file_that_is_not_a_certificate_fails_the_digest_and_sends_nothing(tmp_path: Path) -> None:
    from alerts_support import alert

    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n", encoding="utf-8")
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, smtp_extra=f'ca_file = "{bad}"')
        config.write_text(config.read_text().replace('security = "none"', 'security = "starttls"'))
        result = alert(tmp_path, config)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"tracker: alert: route '*': not delivered: smtp.ca_file: cannot load {bad}: ")
    assert lines[0].endswith("; the digest stays due: fix the cause, then run `tracker alert`")
    assert lines[-1] == (
        "tracker: alert: failed: not delivered: route '*' (permanent: fix the cause shown above, then run "
        "`tracker alert`; nothing was recorded, so it stays due)"
    )
    assert (handler.attempts, handler.received) == (0, [])
    assert [r for r in ledger_rows(tmp_path / "state") if r["status"] == "sent"] == []


def test_config_names_each_list_of_the_wrong_type(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tracker.toml").write_text(
        '[alerts]\nmilestones = [1]\n[[routes]]\nmatch = "*"\nto = [1]\n'
        'webhooks = [{ url_env = "1BAD", kind = "json" }]\n',
        encoding="utf-8",
    )
    failed(
        tracker("config"),
        1,
        "tracker.toml: alerts.milestones: expected a list of strings, got [1]\n"
        "tracker.toml: routes[0].to: expected a list of email addresses\n"
        "tracker.toml: routes[0].webhooks[0].url_env: not an environment variable name: '1BAD'",
    )


def test_an_import_whose_server_hangs_up_says_it_cannot_fetch(tracker) -> None:  # type: ignore[no-untyped-def]
    """A server that accepts and closes without an answer (not a refusal, not a timeout, not HTTP)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def hang_up() -> None:
            conn, _ = server.accept()
            conn.recv(65536)
            conn.close()

        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        result = tracker("import", "endoflife", "esxi", "--api-url", url, "--timeout", "10")
        thread.join(10)
    failed(
        result,
        1,
        f"endoflife.date: cannot fetch {url}/products/esxi: Remote end closed connection without response",
    )
