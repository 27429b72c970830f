"""The alert fault matrix (issue 13): real aiosmtpd server, real SQLite ledger, real subprocesses.

Each case checks the one line a person reads, the exit status, what the server received and what the
ledger holds: no recipient loses an item, no run sends a digest twice.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from alerts_support import (
    ESXI_80,
    HYPERV_2016,
    Handler,
    alert,
    as_nobody,
    ledger_rows,
    make_shared_dir,
    sent_rows,
    smtp_server,
    text_part,
    write_config,
    write_dataset,
)
from conftest import AS_OF, SMALL, clean_env, run_tracker

TWO = ("ok@example.org", "bob@example.org")


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    yield from make_shared_dir()


HYPERV_DONE = {
    ("Hyper-V Server", 90, "sent"),
    ("Hyper-V Server", 180, "covered"),
    ("Hyper-V Server", 365, "covered"),
}


def rows_by_recipient(state: Path) -> dict[str, set[tuple[str, int, str]]]:
    out: dict[str, set[tuple[str, int, str]]] = {}
    for r in ledger_rows(state):
        out.setdefault(r["recipient"], set()).add((r["product"], r["threshold"], r["status"]))
    return out


SUMMARY = {  # a 5xx promises no retry that would only fail again; a 4xx is simply tried again
    "permanent": "refused: bob@example.org on route '*' (permanent: fix the address or its mailbox; "
    "nothing was recorded for it, so the next run tries it alone again)",
    "temporary": "refused for now: bob@example.org on route '*' (temporary: sent to alone on the next run)",
}


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        pytest.param("550 5.1.1 no such mailbox", "permanent", id="550"),
        pytest.param("452 4.2.2 mailbox full", "temporary", id="452"),
    ],
)
def test_refused_recipient_not_recorded_exit_1_and_sent_alone_next_run(
    tmp_path: Path, reply: str, kind: str
) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler(refuse={"bob": reply})
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, routes=(("*", TWO),))
        first = alert(tmp_path, config)
        assert first.returncode == 1, first.stderr
        code = reply.split()[0]
        assert (
            f"route '*': not delivered to bob@example.org: RCPT TO refused with {code} "
            f"{reply.split(' ', 1)[1]} ({kind}" in first.stderr
        )
        assert "the other recipients got the digest" in first.stderr
        assert first.stderr.splitlines()[-1] == "tracker: alert: failed: " + SUMMARY[kind]
        assert "digest sent to bob" not in first.stderr
        assert [r.rcpt_tos for r in handler.received] == [["ok@example.org"]]
        assert rows_by_recipient(tmp_path / "state") == {"ok@example.org": HYPERV_DONE}

        listed = alert(tmp_path, config, "list")
        assert "threshold 90 -> route * (to bob@example.org)" in listed.stdout
        handler.refuse.clear()  # the mailbox is fixed: only bob gets the digest now
        second = alert(tmp_path, config)
        assert second.returncode == 0, second.stderr
        assert [r.rcpt_tos for r in handler.received] == [["ok@example.org"], ["bob@example.org"]]
        third = alert(tmp_path, config)
        assert third.returncode == 0 and "nothing due" in third.stderr
    assert len(handler.received) == 2
    assert rows_by_recipient(tmp_path / "state") == {
        "ok@example.org": HYPERV_DONE,
        "bob@example.org": HYPERV_DONE,
    }


def test_summary_names_every_failure_a_refused_recipient_and_a_rejected_route(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, ESXI_80)
    routes = (("Microsoft/*", TWO), ("*", ("infra@example.org",)))
    handler = Handler(refuse={"bob": "550 5.1.1 no such mailbox"}, plan=["ok", "554 5.7.1 rejected"])
    with smtp_server(handler) as port:
        result = alert(tmp_path, write_config(tmp_path, dataset, port, routes))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "tracker: alert: failed: refused: bob@example.org on route 'Microsoft/*' (permanent: fix the "
        "address or its mailbox; nothing was recorded for it, so the next run tries it alone again); "
        "not delivered: route '*' (permanent: fix the cause shown above, then run `tracker alert`; "
        "nothing was recorded, so it stays due)"
    )
    assert [r.rcpt_tos for r in handler.received] == [["ok@example.org"]]


def test_421_at_rcpt_is_the_server_closing_not_a_refusal(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler(refuse={"ok": "421 4.3.2 service shutting down"})
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, routes=(("*", TWO),))
        result = alert(tmp_path, config)
    assert result.returncode == 1
    assert (
        "RCPT TO <ok@example.org>: the server is closing the connection "
        "(421 4.3.2 service shutting down; temporary) (gave up after 3 attempts)"
    ) in result.stderr
    assert "all recipients refused" not in result.stderr and "refused with" not in result.stderr
    assert handler.received == [] and ledger_rows(tmp_path / "state") == []


def test_reply_to_data_slower_than_smtp_timeout_is_waited_for_once(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler(delay=2.5)  # smtp.timeout is 1 s; the end of DATA waits data_timeout (600 s)
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port)
        config.write_text(config.read_text().replace("timeout = 5", "timeout = 1"))
        result = alert(tmp_path, config)
    assert result.returncode == 0, result.stderr
    assert handler.attempts == 1 and len(handler.received) == 1
    assert sent_rows(tmp_path / "state") == [("Hyper-V Server", "2016", "eol", 90)]


@pytest.mark.parametrize(
    ("step", "extra", "phrase", "copies"),
    [
        pytest.param("drop", "", "the connection closed before the reply", 1, id="drop-after-final-dot"),
        # aiosmtpd abandons a message whose client hung up before the reply (a server that kept
        # it would hold two copies with one Message-ID, which receivers de-duplicate).
        pytest.param(
            "slow:2.5", "data_timeout = 0.5", "no reply to the end of DATA within 1 s", 1, id="no-reply"
        ),
    ],
)
def test_no_reply_after_data_is_uncertain_then_resent_once_with_same_message_id(
    tmp_path: Path, step: str, extra: str, phrase: str, copies: int
) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, ESXI_80)
    routes = (("Microsoft/*", TWO), ("*", ("infra@example.org",)))
    handler = Handler(plan=[step])
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, routes, smtp_extra=extra)
        config.write_text(config.read_text().replace("timeout = 5", "timeout = 1"))
        first = alert(tmp_path, config)
        assert first.returncode == 1, first.stderr
        assert f"route 'Microsoft/*': uncertain: the message was sent but {phrase}" in first.stderr
        assert "not sent again in this run" in first.stderr and "retrying" not in first.stderr
        assert "dropped" not in first.stderr
        assert handler.attempts == 2  # the uncertain digest once, then the next route's
        assert [r["status"] for r in ledger_rows(tmp_path / "state") if r["route"] == "Microsoft/*"] == [
            "uncertain",
            "uncertain",
        ]
        second = alert(tmp_path, config)
        assert second.returncode == 0, second.stderr
        assert "sending again the uncertain digest" in second.stderr
        third = alert(tmp_path, config)
        assert third.returncode == 0 and "nothing due" in third.stderr
    assert handler.attempts == 3
    assert handler.message_ids[2] == handler.message_ids[0]  # the same Message-ID: receivers de-duplicate
    team = [r for r in handler.received if r.rcpt_tos == list(TWO)]
    assert len(team) == copies and {str(r.message["Message-ID"]).strip() for r in team} == {
        handler.message_ids[0]
    }
    assert [r.rcpt_tos for r in handler.received if r not in team] == [["infra@example.org"]]
    assert {r["status"] for r in ledger_rows(tmp_path / "state")} == {"sent", "covered"}


def test_locked_ledger_sends_nothing_and_names_the_file(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, lock_timeout=1)
        made = alert(
            tmp_path, config, "silence", "Hyper-V Server", "2016", "--until", "2026-11-27", "--reason", "r"
        )
        assert made.returncode == 0, made.stderr
        db = tmp_path / "state" / "tracker.db"
        holder = sqlite3.connect(db, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            result = alert(tmp_path, config, as_of="2026-11-28")
        finally:
            holder.close()
        assert handler.attempts == 0
        after = alert(tmp_path, config, as_of="2026-11-28")
    assert result.returncode == 1
    assert result.stderr == (
        f"{db}: the alert ledger is locked by another process (waited 1 s); nothing sent. Stop "
        "whatever holds it open (a stuck tracker, an sqlite3 shell), then run again\n"
    )
    assert after.returncode == 0 and len(handler.received) == 1


def test_locked_ledger_during_run_writes_the_report_and_the_one_line_names_the_file(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, lock_timeout=1)
        config.write_text(config.read_text() + '[report]\nout_dir = "reports"\n')
        env = clean_env(tmp_path)
        first = run_tracker("--config", str(config), "--as-of", "2026-01-01", "run", cwd=tmp_path, env=env)
        assert first.returncode == 0, first.stderr  # nothing due yet; the state database exists
        args = ("--config", str(config), "--as-of", AS_OF, "run")
        db = tmp_path / "state" / "tracker.db"
        holder = sqlite3.connect(db, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            result = run_tracker(*args, cwd=tmp_path, env=env)
        finally:
            holder.close()
    assert result.returncode == 1
    assert handler.attempts == 0
    assert (tmp_path / "reports" / f"lifecycle-{AS_OF}.html").is_file()
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert result.stdout.startswith(
        f"tracker run: failed — report reports/lifecycle-{AS_OF}.html, no alert sent: {db}: the alert "
        "ledger is locked by another process (waited 1 s); nothing sent."
    )
    assert "restore" not in result.stdout + result.stderr  # a lock is waited out, not restored from backup


def test_read_only_ledger_sends_nothing_and_names_the_file(shared_dir: Path) -> None:
    dataset = write_dataset(shared_dir / "d.csv", HYPERV_2016)
    handler = Handler()
    env = clean_env(shared_dir)
    with smtp_server(handler) as port:
        config = write_config(shared_dir, dataset, port)
        made = alert(
            shared_dir, config, "silence", "Windows", "2016", "--until", "2027-01-01", "--reason", "r"
        )
        assert made.returncode == 1  # no such cycle, but the ledger now exists (root-owned, 0644)
        run_tracker("--config", str(config), "alert", "unsilence", "99", cwd=shared_dir, env=env)
        state = shared_dir / "state"
        db = state / "tracker.db"
        assert db.is_file()
        state.chmod(0o777)  # the lock file can be created: only the ledger itself is read-only
        for p in state.iterdir():
            p.chmod(0o644)
        result = as_nobody("--config", str(config), "--as-of", AS_OF, "alert", cwd=shared_dir, env=env)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"{db}: the alert ledger is not writable (")
    assert "nothing sent. Give the user running tracker write access" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert handler.attempts == 0


def test_damaged_ledger_sends_nothing_and_names_the_file(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port)
        (tmp_path / "state").mkdir()
        db = tmp_path / "state" / "tracker.db"
        db.write_bytes(b"SQLite format 3\x00" + b"\x07" * 3000)
        result = alert(tmp_path, config)
        views = [alert(tmp_path, config, "list"), alert(tmp_path, config, "--dry-run")]
    assert result.returncode == 1
    assert result.stderr.startswith(f"{db}: the alert ledger is damaged (")
    assert "nothing sent. Restore it from a backup" in result.stderr
    assert handler.attempts == 0
    for view in views:  # the read-only views say the same: what is wrong and what to do
        assert view.returncode == 1
        assert view.stderr.startswith(f"{db}: the alert ledger is damaged (")
        assert "). Restore it from a backup" in view.stderr and len(view.stderr.splitlines()) == 1


def test_lost_ledger_does_not_mass_resend_without_accept_new_ledger(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, ESXI_80)
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port)
        assert alert(tmp_path, config).returncode == 0
        marker = tmp_path / "state" / "alert-ledger.id"
        since = marker.read_text().split()[1]
        for p in (tmp_path / "state").glob("tracker.db*"):
            p.unlink()
        refused = alert(tmp_path, config)
        preview = alert(tmp_path, config, "--dry-run")
        listed = alert(tmp_path, config, "list")
        assert len(handler.received) == 1
        accepted = alert(tmp_path, config, "--accept-new-ledger")
        again = alert(tmp_path, config)
    assert refused.returncode == 1
    assert refused.stderr == (
        f"{tmp_path / 'state' / 'tracker.db'}: this alert ledger is new, but {marker} shows that a "
        f"ledger here recorded deliveries since {since}; nothing sent, because a "
        "new ledger would send every alert still due again. Restore the ledger from a backup, or run "
        "with --accept-new-ledger\n"
    )
    assert "warning:" in preview.stderr and "--accept-new-ledger" in preview.stderr
    # `alert list` says so too: its "Due" is what --accept-new-ledger would send again.
    assert listed.returncode == 0 and listed.stderr.startswith("tracker: alert list: warning: ")
    assert "--accept-new-ledger" in listed.stderr and "Due (2):" in listed.stdout
    assert accepted.returncode == 0, accepted.stderr
    assert again.returncode == 0 and "nothing due" in again.stderr
    assert len(handler.received) == 2


RELEASE_1_STATE = Path(__file__).parent / "fixtures" / "ledger-schema-1.db"
"""A state database written by the release before per-recipient delivery (commit 063606e), not by
hand: `tracker --dataset tests/fixtures/small.csv --as-of 2026-11-26 run` with one route to
infra@ and ops@example.org over SMTP, then `alert silence "Hyper-V Server" 2016 --until 2027-06-01`."""


def test_schema_1_ledger_is_migrated_in_place_and_nothing_is_re_sent(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, ESXI_80)
    (tmp_path / "state").mkdir()
    db = tmp_path / "state" / "tracker.db"
    db.write_bytes(RELEASE_1_STATE.read_bytes())  # the first release's tables, with rows of our own
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM alert_deliveries")
        conn.execute("DELETE FROM alert_silences")
        conn.execute(
            "INSERT INTO alert_deliveries (vendor, product, cycle, milestone, milestone_date, threshold, "
            "route, status, message_id, as_of, delivered_at) VALUES ('Microsoft', 'Hyper-V Server', '2016', "
            "'eol', '2027-01-12', 90, '*', 'sent', '<old@example.org>', '2026-11-20', '2026-11-20T06:00:00')"
        )
        conn.execute(
            "INSERT INTO alert_silences (product, cycle, milestone, until, reason, created_at) "
            "VALUES ('VMware ESXi', '8.0', NULL, '2026-12-01', 'booked', '2026-11-20T06:00:00')"
        )
    conn.close()
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, routes=(("*", TWO),))
        listed = alert(tmp_path, config, "list")  # read-only: shows schema 1 without changing it
        with sqlite3.connect(db) as check:
            assert not check.execute("SELECT 1 FROM sqlite_master WHERE name = 'alert_meta'").fetchone()
        check.close()
        result = alert(tmp_path, config)
        assert handler.received == []
        after_silence = alert(tmp_path, config, as_of="2026-12-01")
    assert "Due (0):" in listed.stdout and "Silenced (1):" in listed.stdout
    assert result.returncode == 0, result.stderr
    assert f"{db}: ledger migrated from schema 1 to per-recipient delivery records" in result.stderr
    assert "nothing due" in result.stderr
    assert after_silence.returncode == 0
    assert [r.rcpt_tos for r in handler.received] == [list(TWO)]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM alert_meta WHERE key = 'schema_version'").fetchone() == ("2",)
        assert conn.execute("SELECT count(*) FROM alert_silences").fetchone() == (1,)
    conn.close()
    rows = rows_by_recipient(tmp_path / "state")
    assert rows["*"] == {("Hyper-V Server", 90, "sent")}
    assert rows["ok@example.org"] == rows["bob@example.org"] == {("VMware ESXi", 365, "sent")}


def test_state_database_written_by_the_previous_release_is_migrated_and_nothing_is_re_sent(
    tmp_path: Path,
) -> None:
    (tmp_path / "state").mkdir()
    db = tmp_path / "state" / "tracker.db"
    db.write_bytes(RELEASE_1_STATE.read_bytes())
    handler = Handler()
    with smtp_server(handler) as port:
        config = write_config(
            tmp_path, SMALL, port, routes=(("*", ("infra@example.org", "ops@example.org")),)
        )
        first = alert(tmp_path, config)
        listed = alert(tmp_path, config, "list")
        later = alert(tmp_path, config, as_of="2026-12-14")
        again = alert(tmp_path, config, as_of="2026-12-14")
    assert first.returncode == 0, first.stderr
    assert first.stderr == (
        f"tracker: alert: {db}: ledger migrated from schema 1 to per-recipient delivery records\n"
        f"tracker: alert: nothing due as of {AS_OF}\n"
    )
    assert (
        "  1: Hyper-V Server 2016 (all milestones) until 2027-06-01 [active]: replaced in Q1" in listed.stdout
    )
    assert later.returncode == 0 and again.returncode == 0 and "nothing due" in again.stderr
    [digest] = handler.received  # the 30-day threshold, to both recipients, once
    assert digest.rcpt_tos == ["infra@example.org", "ops@example.org"]
    body = text_part(digest.message)
    assert "Windows Server 2016" in body and "Hyper-V Server 2016" not in body  # still silenced
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM alert_meta WHERE key = 'schema_version'").fetchone() == ("2",)
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (1,)  # the old run is kept
        recipients = {r[0] for r in conn.execute("SELECT DISTINCT recipient FROM alert_deliveries")}
    assert recipients == {"*", "infra@example.org", "ops@example.org"}


def test_truncated_state_database_during_run_still_writes_the_report(tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text('state_dir = "state"\n[report]\nout_dir = "reports"\n')
    env = clean_env(tmp_path)
    args = ("--dataset", str(SMALL), "--as-of", AS_OF, "run")
    assert run_tracker(*args, cwd=tmp_path, env=env).returncode == 0
    db = tmp_path / "state" / "tracker.db"
    report = tmp_path / "reports" / f"lifecycle-{AS_OF}.html"
    report.unlink()
    for p in (tmp_path / "state").glob("tracker.db-*"):
        p.unlink()
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        fh.truncate(size // 2)
    result = run_tracker(*args, cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert report.is_file()
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert " tracker: alerts failed\n" in result.stderr
    assert f"{db}: the alert ledger is damaged" in result.stderr
    assert f"state database unusable: {db}:" in result.stderr
    assert result.stdout.startswith(
        f"tracker run: failed — report reports/lifecycle-{AS_OF}.html, no alert sent: {db}: the alert "
        "ledger is damaged ("
    )
    assert not list((tmp_path / "state").glob("outbox/*.eml"))[1:]  # only the first run's digest


def test_unwritable_state_dir_is_a_sentence_not_an_internal_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where state_dir should be a directory\n")
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    config = tmp_path / "tracker.toml"
    config.write_text(f'state_dir = "{blocker / "state"}"\ndataset = "{dataset}"\n')
    result = alert(tmp_path, config)
    assert result.returncode == 1
    assert result.stderr == (
        f"{blocker / 'state'}: cannot create the lock file: Not a directory (a file is in the way where "
        "a directory is needed); state_dir must be a "
        "directory the user running tracker can write\n"
    )
    stat.S_ISREG(blocker.stat().st_mode)


class LockingHandler(Handler):
    """Accepts the message, then takes the ledger (BEGIN EXCLUSIVE) before replying."""

    db: Path | None = None
    holder: sqlite3.Connection | None = None

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        reply = await super().handle_DATA(server, session, envelope)
        if self.db is not None and self.holder is None:
            self.holder = sqlite3.connect(self.db, isolation_level=None, check_same_thread=False)
            self.holder.execute("BEGIN EXCLUSIVE")
        return reply


def test_outcome_not_recordable_after_sending_is_resent_once_with_same_message_id(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = LockingHandler()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, lock_timeout=1)
        made = alert(
            tmp_path, config, "silence", "Hyper-V Server", "2016", "--until", "2026-11-27", "--reason", "r"
        )
        assert made.returncode == 0
        handler.db = tmp_path / "state" / "tracker.db"
        first = alert(tmp_path, config, as_of="2026-11-28")
        assert handler.holder is not None
        handler.holder.close()
        handler.db = None
        second = alert(tmp_path, config, as_of="2026-11-28")
        third = alert(tmp_path, config, as_of="2026-11-28")
    assert first.returncode == 1
    assert first.stderr.startswith(
        f"{tmp_path / 'state' / 'tracker.db'}: after sending the digest for route '*' (Message-ID "
    )
    assert "it stays pending and is sent again with the same Message-ID" in first.stderr
    assert second.returncode == 0 and "sending again the uncertain digest" in second.stderr
    assert third.returncode == 0 and "nothing due" in third.stderr
    assert len(handler.received) == 2
    assert len({str(r.message["Message-ID"]).strip() for r in handler.received}) == 1


class RejectingSender(Handler):
    async def handle_MAIL(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        return "550 5.7.1 sender rejected"


def test_mail_from_refused_names_the_stage_and_the_setting(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    handler = RejectingSender()
    with smtp_server(handler) as port:
        result = alert(tmp_path, write_config(tmp_path, dataset, port))
    assert result.returncode == 1
    assert (
        "tracker: alert: route '*': not delivered: MAIL FROM <tracker@example.org>: the server replied 550 "
        "5.7.1 sender rejected (permanent: the server will refuse it again until the cause is fixed; check "
        "smtp.from); the digest stays due: fix the cause, then run `tracker alert`"
    ) in result.stderr
    assert "retrying" not in result.stderr and handler.attempts == 0


def test_outbox_that_cannot_be_written_records_nothing_and_the_digest_stays_due(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    config = write_config(tmp_path, dataset, None)  # no [smtp]: the outbox
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "outbox").write_text("a file where the outbox directory goes\n")
    failed = alert(tmp_path, config)
    assert failed.returncode == 1
    first, summary = failed.stderr.splitlines()
    assert first.startswith(
        f"tracker: alert: route '*': not written: cannot write {tmp_path / 'state'}/outbox/"
    )
    assert first.endswith("; the digest stays due")
    assert summary == (
        "tracker: alert: failed: not delivered: route '*' (permanent: fix the cause shown above, then run "
        "`tracker alert`; nothing was recorded, so it stays due)"
    )
    assert ledger_rows(tmp_path / "state") == []  # the pending rows are forgotten
    (tmp_path / "state" / "outbox").unlink()
    again = alert(tmp_path, config)
    assert again.returncode == 0 and "digest written to" in again.stderr
    assert {
        (r["product"], r["threshold"], r["status"]) for r in ledger_rows(tmp_path / "state")
    } == HYPERV_DONE


def test_unreadable_ledger_marker_sends_nothing_and_names_the_file(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    config = write_config(tmp_path, dataset, None)
    marker = tmp_path / "state" / "alert-ledger.id"
    marker.mkdir(parents=True)  # a directory where the marker file goes
    result = alert(tmp_path, config)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{marker}: cannot read the ledger marker: ")
    assert result.stderr.endswith("; nothing sent\n") and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "state" / "outbox").exists() and ledger_rows(tmp_path / "state") == []
