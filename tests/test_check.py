"""`tracker check` as Icinga runs it: one line on stdout, exit 0 / 1 / 2 / 3, never 2 for usage."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AS_OF, SMALL

from tracker.commands import check

# tests/fixtures/small.csv as of 2026-11-26: Hyper-V Server 2016 and Windows Server 2016 reach eol
# in 47 days, VirtualBox 7.1 in 216, ESXi 8.0 in 319, Hyper-V Server 2019 in 775; Windows Server
# 2012 R2, ESXi 7.0 and Proxmox VE 8 are past eol; Proxmox VE 9 has no eol announced.


def run_check(tracker, *args: str, **kw):  # type: ignore[no-untyped-def]
    r = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "check", *args, **kw)
    assert len(r.stdout.splitlines()) == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    return r


@pytest.mark.parametrize(
    ("args", "code", "line"),
    [
        pytest.param(
            ("--product", "proxmox"),
            0,
            "TRACKER OK - 0 approaching end of life, 1 past | approaching=0 critical=0 past=1",
            id="ok",
        ),
        pytest.param(
            ("--product", "hyper-v", "--critical", "30"),
            1,
            "TRACKER WARNING - 1 approaching end of life (Hyper-V Server 2016 in 47 days), "
            "0 past | approaching=1 critical=0 past=0",
            id="warning",
        ),
        pytest.param(
            (),
            2,
            "TRACKER CRITICAL - 2 within 90 days of end of life (Hyper-V Server 2016 in 47 "
            "days), 4 approaching, 3 past | approaching=4 critical=2 past=3",
            id="critical",
        ),
        pytest.param(
            ("--warning", "30", "--critical", "10"),
            0,
            "TRACKER OK - 0 approaching end of life, 3 past | approaching=0 critical=0 past=3",
            id="narrow-windows-ok",
        ),
        pytest.param(
            ("-w", "47", "-c", "46", "--vendor", "microsoft"),
            1,
            "TRACKER WARNING - 2 approaching end of life (Hyper-V Server 2016 in 47 days), "
            "1 past | approaching=2 critical=0 past=1",
            id="window-edge-inclusive",
        ),
        pytest.param(
            ("--type", "2"),
            1,
            "TRACKER WARNING - 1 approaching end of life (VirtualBox 7.1 in 216 days), "
            "0 past | approaching=1 critical=0 past=0",
            id="type-filter",
        ),
    ],
)
def test_cycle_states(tracker, args: tuple[str, ...], code: int, line: str) -> None:  # type: ignore[no-untyped-def]
    r = run_check(tracker, *args)
    assert (r.returncode, r.stdout.rstrip("\n")) == (code, line)


def test_warning_default_comes_from_config(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tracker.toml").write_text("[alerts]\nwarning_days = 30\n", encoding="utf-8")
    r = run_check(tracker, "--critical", "10")
    assert r.returncode == 0
    assert r.stdout.startswith("TRACKER OK - 0 approaching end of life, 3 past")
    r = run_check(tracker, "--critical", "10", "--warning", "60")
    assert r.returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ("--warning", "abc"), "argument --warning/-w: invalid int value: 'abc'", id="not-a-number"
        ),
        pytest.param(("--critical", "-5"), "--critical: must be 0 or more days, not -5", id="negative"),
        pytest.param(("--bogus",), "unrecognized arguments: --bogus", id="unknown-option"),
        pytest.param(
            ("--type", "3"), "argument --type: invalid choice: 3 (choose from 1, 2)", id="bad-choice"
        ),
    ],
)
def test_usage_errors_are_unknown_not_2(tracker, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    r = run_check(tracker, *args)
    assert r.returncode == 3
    assert r.stdout.startswith("TRACKER UNKNOWN - ") and message in r.stdout


def test_bad_as_of_is_unknown(tracker) -> None:  # type: ignore[no-untyped-def]
    r = tracker("--as-of", "2026-13-01", "check")
    assert r.returncode == 3 and r.stdout.startswith("TRACKER UNKNOWN - ")


def test_bad_dataset_is_unknown_with_file_and_line(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text(SMALL.read_text(encoding="utf-8").replace("2027-01-12", "2027-02-30", 1), encoding="utf-8")
    r = tracker("--dataset", str(bad), "--as-of", AS_OF, "check")
    assert r.returncode == 3
    assert r.stdout.startswith(f"TRACKER UNKNOWN - {bad}:2: eol: ")
    assert len(r.stdout.splitlines()) == 1


def test_bad_config_is_unknown(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tracker.toml").write_text("[alerts]\nwarning_days = 'soon'\n", encoding="utf-8")
    r = tracker("--as-of", AS_OF, "check")
    assert r.returncode == 3
    assert r.stdout.startswith("TRACKER UNKNOWN - ") and "warning_days" in r.stdout


def test_internal_error_is_unknown(capsys) -> None:  # type: ignore[no-untyped-def]
    assert check.handle_internal_error(RuntimeError("boom | pipe")) == 3
    assert capsys.readouterr().out == "TRACKER UNKNOWN - internal error: RuntimeError: boom / pipe\n"


HOSTS = {
    "past": "hostname,product,version,cluster\nesx1,ESXi,7.0.3,a\nesx2,ESXi,7.0.2,a\n"
    "hv1,Hyper-V Server,10.0.17763,b\nkvm1,Ubuntu KVM,22.04,c\n",
    "soon": "hostname,product,version\nhv1,Hyper-V Server,10.0.14393\nhv2,Hyper-V Server,"
    "10.0.14393\nhv3,Microsoft Hyper-V Server 2019,\n",
    "fine": "hostname,product,version\nhv3,Microsoft Hyper-V Server 2019,\npve,Proxmox VE,"
    "pve-manager/9.0.3\n",
}


@pytest.mark.parametrize(
    ("hosts", "args", "code", "line"),
    [
        pytest.param(
            "past",
            (),
            2,
            "TRACKER CRITICAL - 2 of 4 hosts past end of life (VMware ESXi 7.0 on 2 hosts), "
            "0 approaching, 1 unmatched | hosts=4 past=2 critical=0 approaching=0 "
            "unmatched=1",
            id="host-past-eol-is-critical",
        ),
        pytest.param(
            "soon",
            ("--critical", "30"),
            1,
            "TRACKER WARNING - 0 of 3 hosts past end of life, 2 approaching (Hyper-V Server "
            "2016 in 47 days on 2 hosts), 0 unmatched | hosts=3 past=0 critical=0 "
            "approaching=2 unmatched=0",
            id="hosts-approaching-warning",
        ),
        pytest.param(
            "soon",
            (),
            2,
            "TRACKER CRITICAL - 0 of 3 hosts past end of life, 2 within 90 days (Hyper-V "
            "Server 2016 in 47 days on 2 hosts), 2 approaching, 0 unmatched | hosts=3 past=0 "
            "critical=2 approaching=2 unmatched=0",
            id="hosts-within-critical",
        ),
        pytest.param(
            "fine",
            (),
            0,
            "TRACKER OK - 0 of 2 hosts past end of life, 0 approaching, 0 unmatched | "
            "hosts=2 past=0 critical=0 approaching=0 unmatched=0",
            id="hosts-ok",
        ),
        pytest.param(
            "past",
            ("--product", "hyper-v"),
            0,
            "TRACKER OK - 0 of 2 hosts past end of life, 0 approaching, 1 unmatched | "
            "hosts=2 past=0 critical=0 approaching=0 unmatched=1",
            id="hosts-filtered",
        ),
    ],
)
def test_with_inventory_option(
    tracker,
    tmp_path: Path,
    hosts: str,
    args: tuple[str, ...],  # type: ignore[no-untyped-def]
    code: int,
    line: str,
) -> None:
    path = tmp_path / "hosts.csv"
    path.write_text(HOSTS[hosts], encoding="utf-8")
    r = run_check(tracker, "--inventory", str(path), *args)
    assert (r.returncode, r.stdout.rstrip("\n")) == (code, line)


def test_inventory_from_config_and_no_inventory(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "hosts.csv").write_text(HOSTS["fine"], encoding="utf-8")
    (conf / "tracker.toml").write_text('inventory = "hosts.csv"\n', encoding="utf-8")
    r = run_check(tracker, "--config", str(conf / "tracker.toml"))
    assert r.returncode == 0 and "hosts=2" in r.stdout
    r = run_check(tracker, "--config", str(conf / "tracker.toml"), "--no-inventory")
    assert r.returncode == 2 and "hosts=" not in r.stdout


def test_bad_inventory_is_unknown(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hosts.csv"
    path.write_text("hostname,product\nh,ESXi\n", encoding="utf-8")
    r = run_check(tracker, "--inventory", str(path))
    assert r.returncode == 3
    assert r.stdout.rstrip("\n") == f"TRACKER UNKNOWN - {path}:1: version: required column is missing"


@pytest.mark.parametrize("plan", [(), ("--plan",)], ids=["hosts", "plan"])
@pytest.mark.parametrize(
    "content", ["hostname,product,version\n", "\ufeffhostname,product,version\r\n\r\n\r\n"]
)
def test_an_inventory_without_hosts_is_unknown_not_ok(
    tracker, tmp_path: Path, plan: tuple[str, ...], content: str
) -> None:  # type: ignore[no-untyped-def]
    """An export that failed and left only its header must not turn the check green; filters that
    select none of the hosts of a real inventory are a valid, empty answer."""
    path = tmp_path / "hosts.csv"
    path.write_text(content, encoding="utf-8")
    r = run_check(tracker, "--inventory", str(path), *plan)
    assert (r.returncode, r.stdout) == (
        3,
        f"TRACKER UNKNOWN - {path}: the inventory lists no host (a header only): nothing to check\n",
    )
    r = run_check(tracker, "--inventory", str(path), *plan, "--product", "esxi")
    assert r.returncode == 3
    path.write_text(HOSTS["soon"], encoding="utf-8")
    r = run_check(tracker, "--inventory", str(path), *plan, "--product", "esxi")
    assert r.returncode == 0 and r.stdout.startswith("TRACKER OK - 0 of 0 hosts past"), r.stdout


def test_verdicts_come_from_the_library_without_the_cli() -> None:
    from datetime import date

    from tracker.checks import CRITICAL, OK, check_cycles
    from tracker.dataset import load_dataset

    records = load_dataset(SMALL)
    as_of = date.fromisoformat(AS_OF)
    verdict = check_cycles(records, as_of, warning=365, critical=90)
    assert verdict.state == CRITICAL
    assert verdict.line().startswith("TRACKER CRITICAL - 2 within 90 days of end of life")
    assert check_cycles([], as_of, 365, 90).line() == (
        "TRACKER OK - 0 approaching end of life, 0 past | approaching=0 critical=0 past=0"
    )
    assert check_cycles([], as_of, 365, 90).state == OK
