"""Expected operating conditions read as one sentence naming the path, never "internal error".

Runs the real entry point. Unprivileged cases run tracker as ``nobody`` (setpriv) when the tests run
as root; a full disk is a 16 KiB tmpfs mounted in a private mount namespace (unshare).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alerts_support import (
    HYPERV_2016,
    Handler,
    as_nobody,
    make_shared_dir,
    smtp_server,
    write_config,
    write_dataset,
)
from conftest import AS_OF, SMALL, clean_env, run_tracker


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    yield from make_shared_dir()


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_output_naming_a_directory(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "out").mkdir()
    result = tracker("--dataset", str(SMALL), "status", "-o", "out")
    assert result.returncode == 1
    assert one_line(result) == "tracker: out: Is a directory (name a file, not a directory)"


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["expiring"],
        ["calendar"],
        ["metrics"],
        ["inventory", "hosts.csv"],
        ["inventory", "hosts.csv", "--format", "csv"],
        ["plan", "hosts.csv", "--format", "json"],
    ],
)
def test_output_ending_in_a_slash_names_a_directory(tracker, tmp_path: Path, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    """``-o out/`` means a directory: refused, never written as a file called ``out``."""
    (tmp_path / "hosts.csv").write_text("hostname,product,version\nh1,ESXi,8.0\n")
    result = tracker("--dataset", str(SMALL), *command, "-o", "out/")
    assert result.returncode == 1
    assert one_line(result) == "tracker: out/: Is a directory (name a file, not a directory)"
    assert not (tmp_path / "out").exists()


def test_report_directory_under_a_file(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "reports").write_text("a file, not a directory\n")
    result = tracker("--dataset", str(SMALL), "report", "--out", "reports/2026")
    assert result.returncode == 1
    assert one_line(result) == (
        "tracker: reports/2026: Not a directory (a part of this path is a file, not a directory)"
    )


def test_unwritable_report_directory_as_unprivileged_user(shared_dir: Path) -> None:
    (shared_dir / "reports").mkdir(mode=0o755)  # owned by root
    env = clean_env(shared_dir, HOME=str(shared_dir))
    result = as_nobody("--dataset", str(SMALL), "report", "--out", "reports", cwd=shared_dir, env=env)
    assert result.returncode == 1
    assert one_line(result).startswith("tracker: reports/")
    assert one_line(result).endswith(
        ": Permission denied (the user running tracker may not write or read it: check its owner and mode)"
    )


def test_unwritable_state_dir_run_still_writes_the_report_and_sends_nothing(shared_dir: Path) -> None:
    state = shared_dir / "state"
    state.mkdir(mode=0o755)  # owned by root: nobody cannot create run.lock or tracker.db there
    reports = shared_dir / "reports"
    reports.mkdir()
    reports.chmod(0o777)
    dataset = write_dataset(shared_dir / "d.csv", HYPERV_2016)
    handler = Handler()
    env = clean_env(shared_dir, HOME=str(shared_dir))
    with smtp_server(handler) as port:
        config = write_config(shared_dir, dataset, port)
        config.write_text(config.read_text() + '[report]\nout_dir = "reports"\n')
        result = as_nobody("--config", str(config), "--as-of", AS_OF, "run", cwd=shared_dir, env=env)
    assert result.returncode == 1
    assert result.stdout == (
        f"tracker run: failed — report reports/lifecycle-{AS_OF}.html, no alert sent and the run not "
        f"recorded: state_dir {state} is not writable (Permission denied) (+2 more problems in the log)\n"
    )
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert (
        f" tracker:   {state / 'run.lock'}: cannot create the lock file: Permission denied; "
        "state_dir must be a directory the user running tracker can write\n"
    ) in result.stderr
    assert (reports / f"lifecycle-{AS_OF}.html").is_file()
    assert (reports / "tracker.ics").is_file() and (reports / "tracker.atom").is_file()
    assert handler.attempts == 0
    assert list(state.iterdir()) == []


@pytest.mark.parametrize(
    ("state_dir", "why"),
    [
        pytest.param("blocker/state", "is not writable (Not a directory)", id="under-a-file"),
        pytest.param("blocker", "is a file, not a directory", id="a-file"),
    ],
)
def test_state_dir_in_a_files_way_run_still_writes_the_report(
    tmp_path: Path, state_dir: str, why: str
) -> None:
    (tmp_path / "blocker").write_text("a file where a directory should be\n")
    (tmp_path / "tracker.toml").write_text(f'state_dir = "{state_dir}"\n[report]\nout_dir = "reports"\n')
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    result = run_tracker(
        "--dataset", str(dataset), "--as-of", AS_OF, "run", cwd=tmp_path, env=clean_env(tmp_path)
    )
    assert result.returncode == 1
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == (
        f"tracker run: failed — report reports/lifecycle-{AS_OF}.html, no alert sent and the run not "
        f"recorded: state_dir {tmp_path / state_dir} {why} (+2 more problems in the log)\n"
    )
    assert "(a file is in the way where a directory is needed)" in result.stderr
    assert (tmp_path / "reports" / f"lifecycle-{AS_OF}.html").is_file()


def test_config_naming_a_directory(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "conf").mkdir()
    result = tracker("--config", "conf", "--dataset", str(SMALL), "status")
    assert result.returncode == 1
    assert one_line(result) == "conf: is a directory; name the configuration file (tracker.toml) itself"


def test_run_with_report_dir_blocked_still_sends_alerts(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where the report directory should be\n")
    (tmp_path / "tracker.toml").write_text('state_dir = "state"\n[report]\nout_dir = "blocker/reports"\n')
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)
    result = run_tracker(
        "--dataset", str(dataset), "--as-of", AS_OF, "run", cwd=tmp_path, env=clean_env(tmp_path)
    )
    assert result.returncode == 1
    assert "internal error" not in result.stderr
    assert " tracker: report failed\n" in result.stderr
    assert f"tracker:   {tmp_path / 'blocker' / 'reports'}: Not a directory" in result.stderr
    assert result.stdout.startswith(
        "tracker run: failed — no report, 1 digest (1 item) written to the outbox"
    )
    assert len(list((tmp_path / "state" / "outbox").glob("*.eml"))) == 1


def on_a_small_disk(
    tmp_path: Path, size: str, filler: str, tracker_args: str
) -> subprocess.CompletedProcess[str]:
    """``tracker TRACKER_ARGS`` after ``FILLER > small/filler``, with ``tmp_path/small`` a tmpfs of
    ``size`` mounted in a private mount namespace (skips where that cannot be done)."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare not installed")
    mnt = tmp_path / "small"
    mnt.mkdir()
    script = (
        f'mount -t tmpfs -o size={size} tmpfs "{mnt}" || exit 77; {filler} > "{mnt}/filler"; '
        f'exec "{sys.executable}" -m tracker {tracker_args}'
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode == 77 or "unshare failed" in result.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    return result


def test_full_disk_names_the_file(tmp_path: Path) -> None:
    mnt = tmp_path / "small"
    result = on_a_small_disk(
        tmp_path, "16k", "head -c 12000 /dev/zero", f'--as-of {AS_OF} calendar -o "{mnt}/feed.ics"'
    )
    assert result.returncode == 1
    assert one_line(result) == (
        f"tracker: {mnt}/feed.ics: No space left on device (the disk is full: free some space, then run again)"
    )
    assert [p.name for p in mnt.iterdir()] == []  # the mount is gone with the namespace


def test_window_out_of_range_is_a_usage_error(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--dataset", str(SMALL), "expiring", "--within", "99999y")
    assert result.returncode == 2
    assert "99999y" in one_line(result)


@pytest.mark.parametrize("command", [["report"], ["run"], ["status"], ["expiring"]])
def test_as_of_out_of_range_is_a_usage_error(tracker, tmp_path: Path, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    # 9999-12-31 used to end `report` in "internal error: ValueError: year 10002 is out of range".
    result = tracker("--dataset", str(SMALL), "--as-of", "9999-12-31", *command)
    assert result.returncode == 2
    assert one_line(result) == (
        "tracker: error: --as-of / TRACKER_AS_OF: '9999-12-31' is out of range (1900-01-01 to 2999-12-31)"
    )
    assert not (tmp_path / "reports").exists()


def test_as_of_at_the_ends_of_its_range_works(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for day in ("1900-01-01", "2999-12-31"):
        result = tracker("--dataset", str(SMALL), "--as-of", day, "report")
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "reports" / f"lifecycle-{day}.html").is_file()


@pytest.mark.parametrize(
    "filler",
    [
        # SQLite says "disk I/O error" (SQLITE_IOERR_SHMSIZE) when a little space is left, and the pid
        # written into alerts.lock failed with an OSError naming no file.
        pytest.param("head -c 50000 /dev/zero", id="almost-full"),
        pytest.param("head -c 1M /dev/zero 2>/dev/null", id="full"),
    ],
)
def test_full_disk_during_run_names_each_file_and_never_says_restore(tmp_path: Path, filler: str) -> None:
    mnt = tmp_path / "small"
    (tmp_path / "tracker.toml").write_text('state_dir = "small/state"\n[report]\nout_dir = "small/reports"\n')
    result = on_a_small_disk(tmp_path, "64k", filler, f'--dataset "{SMALL}" --as-of {AS_OF} run')
    assert result.returncode == 1
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "restore" not in result.stdout + result.stderr  # a full disk is freed, not restored
    assert result.stdout.startswith(
        f"tracker run: failed — no report, no alert sent: {mnt}/state/tracker.db: the disk is full ("
    )
    details = [
        line.split(" tracker:   ", 1)[1] for line in result.stderr.splitlines() if " tracker:   " in line
    ]
    assert len(details) == 4 and all(d.startswith(f"{mnt}/") for d in details), result.stderr


@pytest.mark.parametrize(
    ("writable", "summary"),
    [
        pytest.param(
            (),
            "no alert sent and the run not recorded: the run lock {state}/run.lock is not writable "
            "(Permission denied)",
            id="lock-file-owned-by-root",
        ),
        pytest.param(
            ("run.lock", "alerts.lock"),
            "no alert sent: {state}/tracker.db: the alert ledger is not writable (",
            id="ledger-owned-by-root",
        ),
    ],
)
def test_state_left_by_a_root_run_still_gives_the_report(
    shared_dir: Path, writable: tuple[str, ...], summary: str
) -> None:
    """`sudo tracker run` once, then the service user's run: the files in state_dir belong to root."""
    state = shared_dir / "state"
    state.mkdir()
    state.chmod(0o777)  # the directory is the user's; the files in it are not
    (shared_dir / "reports").mkdir()
    (shared_dir / "reports").chmod(0o777)
    dataset = write_dataset(shared_dir / "d.csv", HYPERV_2016)
    handler = Handler()
    env = clean_env(shared_dir, HOME=str(shared_dir))
    with smtp_server(handler) as port:
        config = write_config(shared_dir, dataset, port)
        config.write_text(config.read_text() + '[report]\nout_dir = "reports"\n')
        by_root = run_tracker(
            "--config", str(config), "--as-of", "2026-01-01", "run", cwd=shared_dir, env=env
        )
        assert by_root.returncode == 0, by_root.stderr  # nothing due yet
        for name in writable:
            (state / name).chmod(0o666)
        result = as_nobody("--config", str(config), "--as-of", AS_OF, "run", cwd=shared_dir, env=env)
    assert result.returncode == 1
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert result.stdout.startswith(
        f"tracker run: failed — report reports/lifecycle-{AS_OF}.html, " + summary.format(state=state)
    ), result.stdout
    assert (shared_dir / "reports" / f"lifecycle-{AS_OF}.html").is_file()
    assert handler.attempts == 0


def test_a_read_only_output_file_is_refused_not_renamed_over(shared_dir: Path) -> None:
    """``-o FILE`` is written atomically (a rename), which the directory's permissions alone would
    allow: a file of one's own made read-only is refused as the shell's ``>`` refuses it, untouched
    (another user's file is replaced: ``test_state_left_by_a_root_run_still_gives_the_report``)."""
    import os
    import pwd

    nobody = pwd.getpwnam("nobody")
    shared_dir.chmod(0o777)
    target = shared_dir / "status.csv"
    target.write_text("kept\n")
    target.chmod(0o444)
    os.chown(target, nobody.pw_uid, nobody.pw_gid)  # nobody's own file, made read-only
    env = clean_env(shared_dir, HOME=str(shared_dir))
    result = as_nobody("--dataset", str(SMALL), "status", "-o", "status.csv", cwd=shared_dir, env=env)
    assert result.returncode == 1
    assert one_line(result) == (
        "tracker: status.csv: Permission denied (the user running tracker may not write or read it: "
        "check its owner and mode)"
    )
    assert target.read_text() == "kept\n" and sorted(p.name for p in shared_dir.iterdir()) == ["status.csv"]
