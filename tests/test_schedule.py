"""`tracker schedule`: crontab translation, fire times across DST, and a real scheduler process."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import AS_OF, SMALL, clean_env, run_in_process, run_tracker
from tests.nightly_support import Proc, runs, smtp_sink, wait_for, write_config
from tracker.schedule import (
    CronError,
    build_trigger,
    catch_up_due,
    next_fire_times,
    parse_cron,
    previous_fire_time,
)

PARIS = ZoneInfo("Europe/Paris")
REF = datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)  # a Thursday


def fires(expression: str, count: int = 5, after: datetime = REF) -> list[str]:
    trigger = build_trigger(parse_cron(expression), PARIS)
    return [f.strftime("%a %m-%d %H:%M:%S") for f in next_fire_times(trigger, after, count)]


@pytest.mark.parametrize(
    "expression, expected",
    [
        pytest.param(
            "0 2 * * 0", ["Sun 11-29 02:00:00", "Sun 12-06 02:00:00", "Sun 12-13 02:00:00"], id="0-is-sunday"
        ),
        pytest.param(
            "0 6 * * 7", ["Sun 11-29 06:00:00", "Sun 12-06 06:00:00", "Sun 12-13 06:00:00"], id="7-is-sunday"
        ),
        pytest.param(
            "0 6 * * 1", ["Mon 11-30 06:00:00", "Mon 12-07 06:00:00", "Mon 12-14 06:00:00"], id="1-is-monday"
        ),
        pytest.param(
            "0 6 * * mon-fri",
            ["Fri 11-27 06:00:00", "Mon 11-30 06:00:00", "Tue 12-01 06:00:00"],
            id="names-mon-fri",
        ),
        pytest.param(
            "0 6 * * 1-5",
            ["Fri 11-27 06:00:00", "Mon 11-30 06:00:00", "Tue 12-01 06:00:00"],
            id="numbers-1-5",
        ),
        pytest.param(
            "0 6 * * 5-7",
            ["Fri 11-27 06:00:00", "Sat 11-28 06:00:00", "Sun 11-29 06:00:00", "Fri 12-04 06:00:00"],
            id="range-to-7",
        ),
        pytest.param(
            "0 6 * * fri-sun",
            ["Fri 11-27 06:00:00", "Sat 11-28 06:00:00", "Sun 11-29 06:00:00", "Fri 12-04 06:00:00"],
            id="name-range-to-sun",
        ),
        pytest.param(
            "0 6 * * */2",
            ["Sat 11-28 06:00:00", "Sun 11-29 06:00:00", "Tue 12-01 06:00:00", "Thu 12-03 06:00:00"],
            id="step-counts-from-sunday",
        ),
        pytest.param(
            "0 6 * * SAT,sun",
            ["Sat 11-28 06:00:00", "Sun 11-29 06:00:00", "Sat 12-05 06:00:00"],
            id="list-of-names",
        ),
        pytest.param(
            "0 6 1 * 1",
            ["Mon 11-30 06:00:00", "Tue 12-01 06:00:00", "Mon 12-07 06:00:00"],
            id="day-or-weekday-either-matches",
        ),
        pytest.param(
            "0 6 */10 * 1", ["Mon 12-21 06:00:00", "Mon 01-11 06:00:00"], id="star-step-day-means-and"
        ),
        pytest.param(
            "30 4 * jan-mar/2 *", ["Fri 01-01 04:30:00", "Sat 01-02 04:30:00"], id="month-names-with-step"
        ),
        pytest.param(
            "*/20 * * * * *",
            ["Thu 11-26 12:00:20", "Thu 11-26 12:00:40", "Thu 11-26 12:01:00"],
            id="six-fields-seconds-first",
        ),
    ],
)
def test_crontab_meaning(expression: str, expected: list[str]) -> None:
    assert fires(expression, len(expected)) == expected


@pytest.mark.parametrize(
    "expression, message",
    [
        pytest.param("0 6 * * 8", "day-of-week: 8 is out of range 0-7", id="weekday-8"),
        pytest.param("60 6 * * *", "minute: 60 is out of range 0-59", id="minute-60"),
        pytest.param(
            "0 6 * * funday", "day-of-week: 'funday' is not a number (names: sun, mon", id="bad-name"
        ),
        pytest.param("0 6 5-1 * *", "day-of-month: range '5-1' goes backwards", id="backwards"),
        pytest.param("0 6 * * */0", "day-of-week: step must be a positive number", id="step-0"),
        pytest.param("0 6 * *", "expected 5 fields", id="four-fields"),
        pytest.param("0 6 1,,2 * *", "day-of-month: empty list item", id="empty-item"),
    ],
)
def test_bad_cron_expressions_are_rejected_clearly(expression: str, message: str) -> None:
    with pytest.raises(CronError) as caught:
        parse_cron(expression)
    assert message in caught.value.messages[0]


@pytest.mark.parametrize(
    "expression, now, expected",
    [
        pytest.param(
            "0 6 * * *",
            datetime(2026, 11, 26, 5, 0, tzinfo=PARIS),
            datetime(2026, 11, 25, 6, 0, tzinfo=PARIS),
            id="before-today-6am",
        ),
        pytest.param(
            "0 6 * * *",
            datetime(2026, 11, 26, 6, 0, tzinfo=PARIS),
            datetime(2026, 11, 26, 6, 0, tzinfo=PARIS),
            id="exactly-at-fire-time",
        ),
        pytest.param(
            "0 6 * * *",
            datetime(2026, 11, 26, 23, 59, tzinfo=PARIS),
            datetime(2026, 11, 26, 6, 0, tzinfo=PARIS),
            id="late-evening",
        ),
        pytest.param(
            "0 6 29 2 *",
            datetime(2026, 11, 26, 12, 0, tzinfo=PARIS),
            datetime(2024, 2, 29, 6, 0, tzinfo=PARIS),
            id="leap-day-years-back",
        ),
        pytest.param(
            "*/3 * * * * *",
            datetime(2026, 11, 26, 12, 0, 7, 500, tzinfo=PARIS),
            datetime(2026, 11, 26, 12, 0, 6, tzinfo=PARIS),
            id="seconds",
        ),
    ],
)
def test_previous_fire_time(expression: str, now: datetime, expected: datetime) -> None:
    trigger = build_trigger(parse_cron(expression), PARIS)
    assert previous_fire_time(trigger, now) == expected


T0 = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "last_ok, first_start, last_fire, due",
    [
        pytest.param(None, T0, T0 - timedelta(hours=1), False, id="fresh-install-no-catch-up"),
        pytest.param(None, T0 - timedelta(days=2), T0, True, id="never-succeeded-since-first-start"),
        pytest.param(T0 - timedelta(days=1), T0 - timedelta(days=9), T0, True, id="missed-a-night"),
        pytest.param(T0 + timedelta(seconds=1), T0 - timedelta(days=9), T0, False, id="up-to-date"),
        pytest.param(T0 - timedelta(days=1), T0 - timedelta(days=9), None, False, id="never-fires"),
    ],
)
def test_catch_up_decision(
    last_ok: datetime | None, first_start: datetime, last_fire: datetime | None, due: bool
) -> None:
    assert catch_up_due(last_ok, first_start, last_fire) is due


@pytest.mark.parametrize(
    "now, expected",
    [
        pytest.param(
            "2027-03-26T12:00",
            [
                "2027-03-27 06:00 CET (+01:00)",
                "2027-03-28 06:00 CEST (+02:00)",
                "2027-03-29 06:00 CEST (+02:00)",
            ],
            id="spring-forward",
        ),
        pytest.param(
            "2027-10-29T12:00+02:00",
            [
                "2027-10-30 06:00 CEST (+02:00)",
                "2027-10-31 06:00 CET (+01:00)",
                "2027-11-01 06:00 CET (+01:00)",
            ],
            id="fall-back",
        ),
    ],
)
def test_next_across_the_paris_dst_change(tmp_path: Path, now: str, expected: list[str]) -> None:
    write_config(tmp_path)
    result = run_in_process("schedule", "--next", "3", "--now", now, cwd=tmp_path, env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected


def test_next_with_cron_override_and_nonexistent_local_time(tmp_path: Path) -> None:
    write_config(tmp_path)
    result = run_in_process(
        "schedule",
        "--cron",
        "30 2 * * sun",
        "--next",
        "2",
        "--now",
        "2027-03-20T12:00",
        cwd=tmp_path,
        env=clean_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    # 02:30 does not exist on 2027-03-28 in Paris: it runs at the same instant, 03:30 CEST.
    assert result.stdout.splitlines() == ["2027-03-21 02:30 CET (+01:00)", "2027-03-28 03:30 CEST (+02:00)"]


@pytest.mark.parametrize(
    "args, config_cron, code, message",
    [
        pytest.param(
            ["--cron", "0 6 * * 8"],
            "0 6 * * *",
            2,
            "--cron: day-of-week: 8 is out of range",
            id="bad-cron-option-is-usage-error",
        ),
        pytest.param(
            ["--now", "tomorrow"],
            "0 6 * * *",
            2,
            "tracker schedule: --now: not an ISO 8601 date-time: 'tomorrow'",
            id="bad-now-names-the-command",
        ),
        pytest.param(
            [],
            "0 6 31 2 *",
            1,
            "tracker.toml: schedule.cron: '0 6 31 2 *' never fires",
            id="config-never-fires",
        ),
    ],
)
def test_schedule_rejects_bad_expressions(
    tmp_path: Path, args: list[str], config_cron: str, code: int, message: str
) -> None:
    write_config(tmp_path, cron=config_cron)
    result = run_in_process("schedule", "--next", "1", *args, cwd=tmp_path, env=clean_env(tmp_path))
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def scheduler(tmp_path: Path, name: str, *extra: str, **env: str) -> Proc:
    args = ["--dataset", str(SMALL), "--as-of", AS_OF, "schedule", *extra]
    return Proc(args, tmp_path, clean_env(tmp_path, **env), name)


def test_scheduler_fires_writes_report_and_delivers_digest(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with smtp_sink() as (sink, port):
        # Six fields = seconds first: fires every 2 seconds.
        write_config(tmp_path, smtp_port=port, cron="*/2 * * * * *")
        proc = scheduler(tmp_path, "sched")
        try:
            wait_for("a successful scheduled run", lambda: any(r["outcome"] == "ok" for r in runs(state)))
            proc.signal(signal.SIGTERM)
            assert proc.wait() == 0, proc.stderr()
        finally:
            proc.kill()
    assert (tmp_path / "reports" / f"lifecycle-{AS_OF}.html").is_file()
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == ["infra@example.org", "windows@example.org"]
    rows = runs(state)
    assert rows[0]["trigger"] == "schedule" and rows[0]["digests_sent"] == 2
    assert all(r["digests_sent"] == 0 for r in rows[1:])  # later runs: nothing due
    assert (state / "jobs.sqlite").is_file()
    log = proc.stderr()
    assert "scheduler started" in log and "no catch-up needed" in log
    assert "SIGTERM received" in log and log.rstrip().endswith("tracker: scheduler stopped")


def test_stopped_over_a_fire_time_then_exactly_one_catch_up(tmp_path: Path) -> None:
    state = tmp_path / "state"
    write_config(tmp_path)
    seed = run_in_process(
        "--dataset", str(SMALL), "--as-of", AS_OF, "run", cwd=tmp_path, env=clean_env(tmp_path)
    )
    assert seed.returncode == 0, seed.stderr
    last_ok = datetime.fromisoformat(runs(state)[0]["started_at"])
    # A fire time (once a minute, at second S) that passes while no scheduler runs.
    fire = (last_ok + timedelta(seconds=2)).replace(microsecond=0)
    while datetime.now(UTC) < fire + timedelta(seconds=0.3):
        time.sleep(0.05)
    cron = f"{fire.second} * * * * *"

    restarted = scheduler(tmp_path, "restarted", "--cron", cron)
    try:
        restarted.wait_stderr("catch-up: last successful run")
        wait_for("the catch-up run", lambda: len([r for r in runs(state) if r["outcome"] == "ok"]) == 2)
        restarted.wait_stderr("next run:")  # logged after the catch-up run finished
        restarted.signal(signal.SIGINT)
        assert restarted.wait() == 0, restarted.stderr()
    finally:
        restarted.kill()
    assert restarted.stderr().count("catch-up:") == 1

    again = scheduler(tmp_path, "again", "--cron", cron)
    try:
        again.wait_stderr("scheduler started")
        again.signal(signal.SIGTERM)
        assert again.wait() == 0, again.stderr()
    finally:
        again.kill()
    assert "no catch-up needed" in again.stderr() and "catch-up:" not in again.stderr()
    rows = runs(state)
    assert [(r["trigger"], r["outcome"]) for r in rows] == [("cli", "ok"), ("schedule", "ok")]


def test_sigterm_during_a_run_lets_it_finish_then_exits_0(tmp_path: Path) -> None:
    state = tmp_path / "state"
    write_config(tmp_path, cron="* * * * * *")  # every second
    proc = scheduler(tmp_path, "sched", TRACKER_TEST_JOB_DELAY="3")
    try:
        proc.wait_stderr("(test hook)")
        assert [r["outcome"] for r in runs(state)] == ["running"]
        proc.signal(signal.SIGTERM)
        assert proc.wait() == 0, proc.stderr()
    finally:
        proc.kill()
    rows = runs(state)
    assert [r["outcome"] for r in rows] == ["ok"]  # finished, and no run started after SIGTERM
    assert rows[0]["ended_at"] is not None
    assert (tmp_path / "reports" / f"lifecycle-{AS_OF}.html").is_file()
    assert len(list((state / "outbox").glob("*.eml"))) == 1
    log = proc.stderr()
    assert log.index("SIGTERM received") < log.index("run 1 finished: ok")
    assert "Error" not in log  # nothing submitted to the closed executor after shutdown


def test_second_scheduler_on_the_same_state_dir_is_refused(tmp_path: Path) -> None:
    write_config(tmp_path)
    first = scheduler(tmp_path, "first")
    try:
        first.wait_stderr("scheduler started")
        second = run_tracker("schedule", cwd=tmp_path, env=clean_env(tmp_path), timeout=20)
        assert second.returncode == 1
        assert second.stderr.strip() == (
            f"tracker schedule: another scheduler is already running on {tmp_path / 'state'} "
            f"(pid {first.pid}, lock {tmp_path / 'state' / 'scheduler.lock'}); refusing to "
            "start a second one"
        )
        assert first.popen.poll() is None  # the first one is unaffected
        first.signal(signal.SIGTERM)
        assert first.wait() == 0
    finally:
        first.kill()


def test_a_config_broken_while_the_scheduler_runs_fails_that_run_in_one_line(tmp_path: Path) -> None:
    """Someone edits tracker.toml into an error under a running scheduler: each job re-reads it, so
    that run fails with the config's own sentence (no traceback, no APScheduler repr), the next
    fire time is still logged, and the scheduler keeps going until SIGTERM."""
    config = write_config(tmp_path, cron="* * * * * *")
    proc = scheduler(tmp_path, "sched")
    try:
        proc.wait_stderr("scheduler started")
        config.write_text(config.read_text() + "[alerts]\nwarn_days = 3\n", encoding="utf-8")
        proc.wait_stderr("nightly job failed: ")
        wait_for("a next run after the failure", lambda: "next run:" in proc.stderr().split("job failed")[-1])
        proc.signal(signal.SIGTERM)
        assert proc.wait() == 0, proc.stderr()
    finally:
        proc.kill()
    log = proc.stderr()
    assert (
        f"nightly job failed: {config.resolve()}: alerts.warn_days: unknown key (did you mean 'warning_days'?"
        in log
    )
    assert "raised an exception" not in log and "Traceback" not in log and "ConfigError" not in log
    assert log.rstrip().endswith("tracker: scheduler stopped")
