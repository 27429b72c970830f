"""`tracker run` (the nightly job) and `tracker config`: SQLite, SMTP and locks; real processes where
they matter (concurrent runs, a killed run), the others in-process through main()."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.conftest import AS_OF, ROOT, SMALL, clean_env, free_port, run_in_process, run_tracker
from tests.nightly_support import Proc, Sink, runs, smtp_sink, wait_for, write_config

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d tracker: ", re.M)
REPORT = f"reports/lifecycle-{AS_OF}.html"


def run_args() -> list[str]:
    return ["--dataset", str(SMALL), "--as-of", AS_OF, "run"]


def test_run_outbox_writes_report_and_digest_and_records_the_run(tmp_path: Path) -> None:
    write_config(tmp_path)
    env = clean_env(tmp_path)
    first = run_in_process(*run_args(), cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == (
        f"tracker run: ok — report {REPORT}, 1 digest (5 items) written to the outbox, 0 failed routes\n"
    )
    assert (tmp_path / REPORT).is_file() and (tmp_path / "reports" / "index.html").is_file()
    outbox = list((tmp_path / "state" / "outbox").glob("*.eml"))
    assert len(outbox) == 1
    assert "Hyper-V Server" in outbox[0].read_text(encoding="utf-8")
    lines = first.stderr.splitlines()
    assert lines and all(STAMP.match(line) for line in lines), first.stderr
    assert "+01:00 tracker: " in first.stderr  # timestamps in the configured zone (Paris, winter)

    second = run_in_process(*run_args(), cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    assert "0 digests (0 items)" in second.stdout
    assert len(list((tmp_path / "state" / "outbox").glob("*.eml"))) == 1

    rows = runs(tmp_path / "state")
    assert [(r["outcome"], r["trigger"], r["as_of"], r["digests_sent"], r["items_sent"]) for r in rows] == [
        ("ok", "cli", AS_OF, 1, 5),
        ("ok", "cli", AS_OF, 0, 0),
    ]
    assert all(r["ended_at"] >= r["started_at"] for r in rows)
    assert rows[0]["report_path"] == str(tmp_path / REPORT)
    with sqlite3.connect(tmp_path / "state" / "tracker.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_run_delivers_one_digest_per_route_over_smtp(tmp_path: Path) -> None:
    with smtp_sink() as (sink, port):
        write_config(tmp_path, smtp_port=port)
        result = run_in_process(*run_args(), cwd=tmp_path, env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"tracker run: ok — report {REPORT}, 2 digests (5 items) sent, 0 failed routes"
    )
    assert sorted(tuple(m.rcpt_tos) for m in sink.messages) == [
        ("infra@example.org",),
        ("windows@example.org",),
    ]
    windows = next(m for m in sink.messages if m.rcpt_tos == ["windows@example.org"])
    body = message_from_bytes(windows.content, policy=policy.default)
    assert "Hyper-V Server" in body.get_body(("plain",)).get_content()


def test_run_with_smtp_down_still_writes_report_and_exits_1(tmp_path: Path) -> None:
    write_config(tmp_path, smtp_port=free_port())  # nothing listens there
    env = clean_env(tmp_path)
    result = run_in_process(*run_args(), cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert result.stdout.startswith(
        f"tracker run: failed — report {REPORT}, 0 digests (0 items) sent, 2 failed routes"
    )
    assert (tmp_path / REPORT).is_file()
    [row] = runs(tmp_path / "state")
    assert row["outcome"] == "failed" and "delivery failed" in row["error"]
    assert "not delivered: route " in row["error"] and "due again on the next run" in row["error"]


def test_run_with_inventory_adds_estate_to_report_and_host_counts_to_digest(tmp_path: Path) -> None:
    write_config(tmp_path, extra=f'inventory = "{ROOT / "examples" / "hosts.csv"}"')
    result = run_in_process(*run_args(), cwd=tmp_path, env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert 'id="estate"' in (tmp_path / REPORT).read_text(encoding="utf-8")
    [eml] = (tmp_path / "state" / "outbox").glob("*.eml")
    text = message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    assert "2 hosts: hv-legacy-01.corp.example, hv-legacy-02.corp.example" in text


def test_run_with_bad_inventory_still_sends_alerts_but_exits_1(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts.csv"
    hosts.write_text("hostname,product\nh1,ESXi\n", encoding="utf-8")
    write_config(tmp_path, extra=f'inventory = "{hosts}"')
    result = run_in_process(*run_args(), cwd=tmp_path, env=clean_env(tmp_path))
    assert result.returncode == 1
    assert f"{hosts}:1: version:" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout.startswith("tracker run: failed — no report, 1 digest (5 items)")
    assert not (tmp_path / REPORT).exists()
    assert len(list((tmp_path / "state" / "outbox").glob("*.eml"))) == 1


def test_run_with_invalid_dataset_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(SMALL.read_text(encoding="utf-8").replace("2027-01-12", "2027-13-12", 1), encoding="utf-8")
    write_config(tmp_path)
    result = run_in_process(
        "--dataset", str(bad), "--as-of", AS_OF, "run", cwd=tmp_path, env=clean_env(tmp_path)
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad}:2: eol:" in result.stderr
    assert result.stdout.startswith("tracker run: failed — no report, 0 digests")
    # the one line names the first problem (the log has the rest)
    assert f", 0 failed routes; dataset invalid: no report written, no alert sent: {bad}:2: eol:" in (
        result.stdout
    )
    assert not (tmp_path / "reports").exists()
    assert not list((tmp_path / "state").glob("outbox/*.eml"))
    [row] = runs(tmp_path / "state")
    assert row["outcome"] == "failed" and "dataset invalid" in row["error"]


@pytest.mark.parametrize(
    "lock_timeout",
    [
        pytest.param(60, id="second-waits-then-finds-nothing-due"),
        pytest.param(0.5, id="second-gives-up-after-timeout"),
    ],
)
def test_two_runs_at_once_give_one_report_and_one_set_of_digests(tmp_path: Path, lock_timeout: float) -> None:
    with smtp_sink() as (sink, port):
        write_config(tmp_path, smtp_port=port, lock_timeout=lock_timeout)
        # The first holds the lock far longer than the second's timeout (+ its start-up time).
        slow = clean_env(tmp_path, TRACKER_TEST_JOB_DELAY="2" if lock_timeout > 2 else "5")
        lock = tmp_path / "state" / "run.lock"
        first = Proc(run_args(), tmp_path, slow, "first")
        try:
            # Deterministic order: the second starts only once the first holds the lock.
            wait_for(
                "first run to hold the lock",
                lambda: lock.exists() and lock.read_text().strip() == str(first.pid),
            )
            second = Proc(run_args(), tmp_path, clean_env(tmp_path), "second")
            assert second.wait() == (0 if lock_timeout > 2 else 1), second.stderr()
            assert first.wait() == 0, first.stderr()
        finally:
            first.kill()
    assert len(sink.messages) == 2  # one digest per route, once
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "index.html",
        f"lifecycle-{AS_OF}.html",
        "snapshot.json",
        "tracker.atom",
        "tracker.ics",
    ]
    assert [p for p in (tmp_path / "reports").iterdir() if p.name.startswith(".")] == []
    rows = runs(tmp_path / "state")
    if lock_timeout > 2:
        assert [(r["outcome"], r["digests_sent"]) for r in rows] == [("ok", 2), ("ok", 0)]
        assert "0 digests (0 items) sent" in second.stdout()
    else:
        message = f"another tracker run holds {lock} (pid {first.pid}); gave up after 0.5 s"
        assert message in second.stderr()
        assert second.stdout() == f"tracker run: failed — lock not obtained: {message}\n"
        assert sorted((r["outcome"], r["digests_sent"]) for r in rows) == [("locked", 0), ("ok", 2)]


def test_run_killed_midway_is_marked_interrupted_and_lock_is_freed(tmp_path: Path) -> None:
    write_config(tmp_path, lock_timeout=5)
    victim = Proc(run_args(), tmp_path, clean_env(tmp_path, TRACKER_TEST_JOB_DELAY="30"), "victim")
    try:
        victim.wait_stderr("(test hook)")
        victim.signal(signal.SIGKILL)
        victim.wait()
    finally:
        victim.kill()
    assert [r["outcome"] for r in runs(tmp_path / "state")] == ["running"]
    after = run_tracker(*run_args(), cwd=tmp_path, env=clean_env(tmp_path))
    assert after.returncode == 0, after.stderr
    assert [r["outcome"] for r in runs(tmp_path / "state")] == ["interrupted", "ok"]


def test_file_lock_bounded_wait_names_the_holder(tmp_path: Path) -> None:
    from tracker.runlock import FileLock, LockTimeout

    path = tmp_path / "x.lock"
    with FileLock(path) as holder:
        holder.acquire(0)
        other = FileLock(path)
        assert not other.try_acquire()
        with pytest.raises(LockTimeout) as caught:
            other.acquire(0.2)
        assert caught.value.messages == [
            f"another tracker run holds {path} (pid {os.getpid()}); gave up after 0.2 s"
        ]
    with FileLock(path) as again:
        assert again.try_acquire()


@pytest.mark.parametrize(
    "how",
    [pytest.param("env", id="TRACKER_SMTP_PASSWORD"), pytest.param("file", id="TRACKER_SMTP_PASSWORD_FILE")],
)
def test_config_prints_effective_settings_with_password_redacted(tmp_path: Path, how: str) -> None:
    secret = "s3cret-Hunter2-pw"
    write_config(tmp_path, smtp_port=2525, extra='dataset = "hv.csv"')
    (tmp_path / "hv.csv").write_bytes(SMALL.read_bytes())  # `tracker config` checks that it exists
    if how == "env":
        env = clean_env(tmp_path, TRACKER_SMTP_PASSWORD=secret)
    else:
        (tmp_path / "pw").write_text(secret + "\n", encoding="utf-8")
        env = clean_env(tmp_path, TRACKER_SMTP_PASSWORD_FILE=str(tmp_path / "pw"))
    result = run_in_process("config", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["smtp"]["password"] == "<redacted, from environment>"
    assert data["smtp"]["port"] == 2525 and data["schedule"]["cron"] == "0 6 * * *"
    assert data["timezone"] == "Europe/Paris"
    assert data["state_dir"] == str(tmp_path / "state")
    assert data["effective_dataset"] == str(tmp_path / "hv.csv")


def test_config_reports_every_bad_key_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text(
        '[schedule]\ncron = "0 6 * *"\nlock_timeout_seconds = -1\n', encoding="utf-8"
    )
    result = run_in_process("config", cwd=tmp_path, env=clean_env(tmp_path))
    assert result.returncode == 1
    assert "tracker.toml: schedule.cron: expected 5 fields" in result.stderr
    assert "tracker.toml: schedule.lock_timeout_seconds: must not be negative" in result.stderr
    assert "Traceback" not in result.stderr


class RefusingSink(Sink):
    """Refuses RCPT TO for addresses starting with ``windows``; the others are accepted."""

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address.startswith("windows"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_run_with_refused_recipient_names_it_and_exits_1(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    sink = RefusingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        write_config(tmp_path, smtp_port=port)
        result = run_tracker(*run_args(), cwd=tmp_path, env=clean_env(tmp_path))
    finally:
        controller.stop()
    assert result.returncode == 1
    assert (
        "not delivered to windows@example.org: RCPT TO refused with 550 5.1.1 no such mailbox"
        in result.stderr
    )
    assert "tracker:   refused: windows@example.org on route 'Microsoft/*' (permanent: fix the address" in (
        result.stderr
    )
    assert result.stdout.startswith(f"tracker run: failed — report {REPORT}, 1 digest")
    assert [m.rcpt_tos for m in sink.messages] == [["infra@example.org"]]


def test_run_refuses_a_new_ledger_after_deliveries_until_accepted(tmp_path: Path) -> None:
    write_config(tmp_path)
    env = clean_env(tmp_path)
    assert run_tracker(*run_args(), cwd=tmp_path, env=env).returncode == 0
    for p in (tmp_path / "state").glob("tracker.db*"):
        p.unlink()
    (tmp_path / REPORT).unlink()
    refused = run_tracker(*run_args(), cwd=tmp_path, env=env)
    assert refused.returncode == 1
    assert (tmp_path / REPORT).is_file()  # the report does not depend on the ledger
    assert "this alert ledger is new" in refused.stderr and "--accept-new-ledger" in refused.stderr
    assert len(list((tmp_path / "state" / "outbox").glob("*.eml"))) == 1
    accepted = run_tracker(*run_args(), "--accept-new-ledger", cwd=tmp_path, env=env)
    assert accepted.returncode == 0, accepted.stderr
    assert len(list((tmp_path / "state" / "outbox").glob("*.eml"))) == 2
    assert run_tracker(*run_args(), cwd=tmp_path, env=env).returncode == 0
