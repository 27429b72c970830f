"""`tracker calendar`: the ICS feed parsed back with the icalendar library."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from tests.conftest import AS_OF, SMALL
from tracker.config import AlertSettings, Settings
from tracker.dataset import load_dataset
from tracker.dates import parse_milestone
from tracker.ical import (
    event_uid,
    fold,
    load_state,
    render_calendar,
    write_calendar,
    write_feed_beside,
)
from tracker.status import milestones_of

HEADER = "vendor,product,cycle,type,release,support_end,eol,extended_end,source,confidence,notes\n"


def events_of(text: str) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def by_summary(events: list[icalendar.Event]) -> dict[str, icalendar.Event]:
    return {str(e["SUMMARY"]): e for e in events}


def triggers(event: icalendar.Event) -> list[timedelta]:
    return [a.decoded("TRIGGER") for a in event.walk("VALARM")]


def feed(tracker, *args: str) -> str:  # type: ignore[no-untyped-def]
    result = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "calendar", *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def test_one_all_day_event_per_milestone(tracker) -> None:  # type: ignore[no-untyped-def]
    text = feed(tracker)
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["VERSION"]) == "2.0"
    assert "tracker" in str(cal["PRODID"])
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["X-WR-CALNAME"])
    events = events_of(text)
    expected = [m for r in load_dataset(SMALL) for m in milestones_of(r)]
    assert len(events) == len(expected) == 19
    assert len({str(e["UID"]) for e in events}) == len(events)
    for e in events:
        start, end = e.decoded("DTSTART"), e.decoded("DTEND")
        assert type(start) is date and type(end) is date  # all-day, not a datetime
        assert end - start == timedelta(days=1)
        assert "VALUE=DATE" in e.to_ical().decode()
        assert int(e["SEQUENCE"]) == 0


def test_event_content(tracker) -> None:  # type: ignore[no-untyped-def]
    events = by_summary(events_of(feed(tracker)))
    ws = events["Windows Server 2016: end of life"]
    assert ws.decoded("DTSTART") == date(2027, 1, 12)
    assert str(ws["URL"]) == "https://learn.microsoft.com/lifecycle/products/windows-server-2016"
    description = str(ws["DESCRIPTION"])
    assert "on 2027-01-12" in description
    assert "Status on 2026-11-26: Security fixes only." in description
    assert "Confidence: vendor." in description
    assert "Source: https://learn.microsoft.com/lifecycle/products/windows-server-2016" in description
    esxi = events["VMware ESXi 7.0: end of paid extended support"]
    assert "Notes: general support extended from 2025-04-02" in str(esxi["DESCRIPTION"])


def test_month_precision_uses_first_day_and_says_so(tracker) -> None:  # type: ignore[no-untyped-def]
    events = by_summary(events_of(feed(tracker)))
    pve = events["Proxmox VE 8: end of life (month precision)"]
    assert pve.decoded("DTSTART") == date(2026, 8, 1)
    assert "month precision" in str(pve["DESCRIPTION"])


def test_uids_stable_across_runs_and_state_dirs(tracker, tmp_path, env) -> None:  # type: ignore[no-untyped-def]
    first = events_of(feed(tracker))
    second = events_of(feed(tracker))
    assert [str(e["UID"]) for e in first] == [str(e["UID"]) for e in second]
    assert [int(e["SEQUENCE"]) for e in second] == [0] * len(second)
    other_env = dict(env, XDG_STATE_HOME=str(tmp_path / "other-state"))
    third = events_of(feed(lambda *a: tracker(*a, env=other_env)))
    assert {str(e["UID"]) for e in third} == {str(e["UID"]) for e in first}


def test_changed_date_bumps_sequence_keeps_uid(tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = by_summary(events_of(feed(tracker)))
    moved = tmp_path / "moved.csv"
    old_row = "2022-01-11,2027-01-12,,https://learn.microsoft.com/lifecycle/products/windows-"
    assert SMALL.read_text().count(old_row) == 1
    moved.write_text(SMALL.read_text().replace(old_row, old_row.replace("2027-01-12", "2027-01-13")))
    result = tracker("--dataset", str(moved), "--as-of", AS_OF, "calendar")
    assert result.returncode == 0, result.stderr
    after = by_summary(events_of(result.stdout))
    old, new = before["Windows Server 2016: end of life"], after["Windows Server 2016: end of life"]
    assert new.decoded("DTSTART") == date(2027, 1, 13)
    assert str(new["UID"]) == str(old["UID"])
    assert int(new["SEQUENCE"]) == 1
    untouched = after["Hyper-V Server 2016: end of life"]
    assert int(untouched["SEQUENCE"]) == 0
    # Generating again with the moved date publishes the same sequence, not a new bump.
    again = by_summary(events_of(tracker("--dataset", str(moved), "--as-of", AS_OF, "calendar").stdout))
    assert int(again["Windows Server 2016: end of life"]["SEQUENCE"]) == 1


def test_last_modified_follows_date_changes(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path)
    records = load_dataset(SMALL)
    t1 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    t2 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    text1, state1 = render_calendar(records, settings, t1, {}, date(2026, 11, 1))
    ws = next(r for r in records if r.product == "Windows Server" and r.cycle == "2016")
    moved = [replace(r, eol=parse_milestone("2027-01-13")) if r is ws else r for r in records]
    text2, state2 = render_calendar(moved, settings, t2, state1, date(2026, 11, 26))
    uid = event_uid(ws, "eol")
    e1 = {str(e["UID"]): e for e in events_of(text1)}
    e2 = {str(e["UID"]): e for e in events_of(text2)}
    assert e1[uid].decoded("LAST-MODIFIED") == t1
    assert e2[uid].decoded("LAST-MODIFIED") == t2
    assert int(e2[uid]["SEQUENCE"]) == 1 and state2[uid].sequence == 1
    other = event_uid(ws, "support_end")
    assert e2[other].decoded("LAST-MODIFIED") == t1
    assert e2[other].decoded("DTSTAMP") == t2


def test_alarms_at_thresholds_not_yet_passed(tracker) -> None:  # type: ignore[no-untyped-def]
    events = by_summary(events_of(feed(tracker)))
    # Windows Server 2016 eol is 47 days after 2026-11-26: the 365/180/90-day reminders are past.
    ws = events["Windows Server 2016: end of life"]
    assert triggers(ws) == [timedelta(days=-30), timedelta(days=-7), timedelta(0)]
    alarm = next(iter(ws.walk("VALARM")))
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert "in 30 days" in str(alarm["DESCRIPTION"])
    future = events["Future Hypervisor 1.0: end of life"]
    assert triggers(future) == [timedelta(days=-d) for d in (365, 180, 90, 30, 7, 0)]
    assert triggers(events["Windows Server 2012 R2: end of life"]) == []


def test_alarm_thresholds_come_from_settings(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, alerts=AlertSettings(thresholds_days=(60, 14)))
    records = [r for r in load_dataset(SMALL) if r.product == "Future Hypervisor"]
    text, _ = render_calendar(records, settings, datetime(2026, 11, 26, tzinfo=UTC), {}, date(2026, 11, 26))
    events = events_of(text)
    assert events  # an empty calendar must not pass
    for e in events:
        assert triggers(e) == [timedelta(days=-60), timedelta(days=-14)]


@pytest.mark.parametrize(
    ("args", "products"),
    [
        pytest.param(("--vendor", "microsoft"), {"Hyper-V Server", "Windows Server"}, id="vendor"),
        pytest.param(("--type", "2"), {"VirtualBox"}, id="type"),
        pytest.param(("proxmox",), {"Proxmox VE"}, id="positional-product"),
        pytest.param(("--product", "*ESXi"), {"VMware ESXi"}, id="product-glob"),
    ],
)
def test_filters(tracker, args, products) -> None:  # type: ignore[no-untyped-def]
    events = events_of(feed(tracker, *args))
    expected = {
        event_uid(m.record, m.milestone)
        for r in load_dataset(SMALL)
        if r.product in products
        for m in milestones_of(r)
    }
    assert expected
    assert sorted(str(e["UID"]) for e in events) == sorted(expected)


def test_text_escaping_and_folding(tmp_path, env) -> None:  # type: ignore[no-untyped-def]
    notes = (
        "Long note; with semicolons, commas, a back\\slash and accents: déjà vu, 5 € per host, 日本語 " * 4
    ).strip()
    data = tmp_path / "long.csv"
    data.write_text(
        HEADER + "Example Vendor,Très Long Product Name,1.0,1,2020-01-01,,"
        f"2030-01-01,,https://example.org/a ; https://example.org/b,secondary,"
        f'"{notes}\nsecond line"\n',
        encoding="utf-8",
    )
    # Bytes, not text: text mode would turn CRLF into LF before we could check it.
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "--dataset", str(data), "--as-of", AS_OF, "calendar"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    raw = result.stdout
    assert raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")
    assert b"\n" not in b"".join(lines), "bare LF: every line must end with CRLF"
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "the long description must be folded"
    for line in lines:
        line.decode("utf-8")  # folding never splits a UTF-8 character
    unfolded = raw.replace(b"\r\n ", b"").decode("utf-8")
    assert "Notes: Long note\\; with semicolons\\, commas\\, a back\\\\slash" in unfolded
    assert "\\nsecond line" in unfolded
    (event,) = events_of(raw.decode("utf-8"))
    description = str(event["DESCRIPTION"])
    assert f"Notes: {notes}\nsecond line" in description
    assert "Source: https://example.org/b" in description
    assert str(event["URL"]) == "https://example.org/a"


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("SUMMARY:" + "x" * 200, id="ascii"),
        pytest.param("SUMMARY:" + "é" * 100, id="two-byte"),
        pytest.param("SUMMARY:" + "€" * 70, id="three-byte"),
        pytest.param("SUMMARY:short", id="short"),
    ],
)
def test_fold_limits_octets(line: str) -> None:
    folded = fold(line)
    assert folded.endswith("\r\n")
    parts = folded[:-2].split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line


def test_output_file_is_written_atomically(tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "feeds" / "tracker.ics"
    result = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "calendar", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert len(events_of(out.read_text(encoding="utf-8"))) == 19
    assert sorted(p.name for p in out.parent.iterdir()) == ["tracker.ics"]
    state = json.loads((tmp_path / "xdg-state" / "tracker" / "calendar.json").read_text())
    assert len(state["events"]) == 19


def test_invalid_dataset_writes_nothing(tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "V,P,1,1,2020-13-01,,,,https://example.org,vendor,\n")
    out = tmp_path / "out.ics"
    result = tracker("--dataset", str(bad), "calendar", "-o", str(out))
    assert result.returncode == 1
    assert f"{bad}:2: release:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_damaged_state_is_a_clear_error(tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    state = tmp_path / "xdg-state" / "tracker" / "calendar.json"
    state.parent.mkdir(parents=True)
    state.write_text("{not json")
    result = tracker("--dataset", str(SMALL), "calendar")
    assert result.returncode == 1
    assert f"{state}: damaged calendar state" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_feed_beside_report(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path / "state")
    now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    path = write_feed_beside(tmp_path / "reports", load_dataset(SMALL), settings, now, date(2026, 11, 26))
    assert path == tmp_path / "reports" / "tracker.ics"
    assert len(events_of(path.read_text(encoding="utf-8"))) == 19
    assert len(load_state(tmp_path / "state" / "calendar.json")) == 19
    # The report feed and `tracker calendar` share the state: the same sequence for the same date.
    again = write_calendar(load_dataset(SMALL), settings, now, tmp_path / "other.ics", date(2026, 11, 26))
    assert {int(e["SEQUENCE"]) for e in events_of(again.read_text(encoding="utf-8"))} == {0}
