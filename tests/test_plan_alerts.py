"""start_by alerts in the pure due computation: same thresholds, same ledger rules, no clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tracker.alerts.digest import render_text, start_sentence, subject_for
from tracker.alerts.due import PastDelivery, Silence, StartBy, due_alerts
from tracker.config import AlertSettings, Route
from tracker.dataset import LifecycleRecord
from tracker.dates import parse_milestone
from tracker.vocabulary import subject_term

ALL = Route("*", ("infra@example.org",))
WATCH = AlertSettings(milestones=("eol", "start_by"))
KEY = ("Microsoft", "Hyper-V Server", "2016")
START = {KEY: StartBy(date(2026, 7, 12), 2, "Windows Server 2025")}


def hyperv() -> LifecycleRecord:
    return LifecycleRecord(
        vendor="Microsoft",
        product="Hyper-V Server",
        cycle="2016",
        type=1,
        release=parse_milestone("2016-10-15"),
        support_end=parse_milestone("2022-01-11"),
        eol=parse_milestone("2027-01-12"),
        extended_end=None,
        source="https://example.org/x",
        confidence="vendor",
    )


def past(threshold: int, day: str = "2026-07-12") -> PastDelivery:
    return PastDelivery(KEY, "start_by", day, threshold, "*", "2026-05-01T06:00:00+00:00")


def test_start_by_is_due_at_the_thresholds_only_when_watched() -> None:
    plan = due_alerts([hyperv()], WATCH, [ALL], [], [], date(2026, 5, 1), START)
    [item] = [i for i in plan.due if i.milestone == "start_by"]
    assert (item.when.text, item.days_left, item.threshold, item.covered) == (
        "2026-07-12",
        72,
        90,
        (365, 180),
    )
    assert item.start is not None and item.start.hosts == 2
    assert not any(
        i.milestone == "start_by"
        for i in due_alerts([hyperv()], AlertSettings(), [ALL], [], [], date(2026, 5, 1), START).due
    )
    assert not any(
        i.milestone == "start_by" for i in due_alerts([hyperv()], WATCH, [ALL], [], [], date(2026, 5, 1)).due
    )


def test_the_ledger_deduplicates_and_a_moved_start_date_rearms() -> None:
    as_of = date(2026, 5, 1)
    assert not [
        i
        for i in due_alerts([hyperv()], WATCH, [ALL], [past(90)], [], as_of, START).due
        if i.milestone == "start_by"
    ]
    moved = {KEY: replace(START[KEY], day=date(2026, 6, 12))}
    [item] = [
        i
        for i in due_alerts([hyperv()], WATCH, [ALL], [past(90)], [], as_of, moved).due
        if i.milestone == "start_by"
    ]
    assert (item.when.text, item.moved_from, item.threshold) == ("2026-06-12", "2026-07-12", 90)


def test_silence_by_milestone_and_unrouted() -> None:
    as_of = date(2026, 5, 1)
    silence = Silence(1, "hyper-v server", "2016", "start_by", date(2026, 8, 1), "booked")
    plan = due_alerts([hyperv()], WATCH, [ALL], [], [silence], as_of, START)
    assert [i.milestone for i, _ in plan.silenced] == ["start_by"]
    plan = due_alerts([hyperv()], WATCH, [Route("vmware/*", ())], [], [], as_of, START)
    assert [i.milestone for i in plan.unrouted] == ["start_by", "eol"]  # soonest first
    assert plan.unrouted[0].start == START[KEY]


def test_digest_words() -> None:
    plan = due_alerts([hyperv()], WATCH, [ALL], [], [], date(2026, 5, 1), START)
    [item] = [i for i in plan.due if i.milestone == "start_by"]
    assert start_sentence(item) == (
        "start the upgrade of Hyper-V Server 2016 (2 hosts) by 2026-07-12 — target Windows Server 2025"
    )
    term = subject_term("Microsoft", "start_by")  # the words live in tracker.vocabulary
    subject = subject_for([item])
    assert subject.startswith("Hyper-V Server 2016") and term in subject and "72 days" in subject
    no_path = replace(item, start=StartBy(date(2026, 7, 12), 1, ""))
    assert start_sentence(no_path).endswith("(1 host) by 2026-07-12 — no known upgrade path")
    text = render_text([item], ALL, date(2026, 5, 1))
    assert f"- {start_sentence(item)} (Microsoft)" in text
    assert "  upgrade to Windows Server 2025" in text


def test_webhook_items_carry_the_hosts_and_target() -> None:
    from tracker.alerts.webhook_payloads import item_data

    plan = due_alerts([hyperv()], WATCH, [ALL], [], [], date(2026, 5, 1), START)
    [item] = [i for i in plan.due if i.milestone == "start_by"]
    data = item_data(item, date(2026, 5, 1))
    assert (data["milestone"], data["date"], data["hosts"], data["target"]) == (
        "start_by",
        "2026-07-12",
        2,
        "Windows Server 2025",
    )


def test_alert_list_plans_the_inventory_only_when_start_by_is_watched(tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`alert list` shows the start_by items `alert` would send; a bad upgrades.csv fails it only
    when start_by is watched (otherwise the inventory is not planned at all)."""
    from conftest import ROOT

    data = tmp_path / "data"
    data.mkdir()
    (data / "hypervisors.csv").write_bytes((ROOT / "datasets" / "hypervisors.csv").read_bytes())
    config = f'dataset = "{data / "hypervisors.csv"}"\nstate_dir = "state"\n'
    config += f'inventory = "{ROOT / "examples" / "hosts.csv"}"\n'
    (tmp_path / "tracker.toml").write_text(config + '[alerts]\nmilestones = ["start_by"]\n', encoding="utf-8")
    r = tracker("--as-of", "2026-05-01", "alert", "list")
    assert r.returncode == 0, r.stderr
    assert (
        "  Hyper-V Server 2016 (Microsoft): start the upgrade 2026-07-12, 72 days left, threshold 90 "
        "-> route *\n"
    ) in r.stdout
    (data / "upgrades.csv").write_text(
        "vendor,product,from_cycle,to_product,to_cycle,kind,source,confidence,notes\n"
        "Microsoft,Windows Server,2016,Windows Server,2031,in-place,https://example.org/,vendor,\n",
        encoding="utf-8",
    )
    r = tracker("--as-of", "2026-05-01", "alert", "list")
    assert r.returncode == 1 and "upgrades.csv:2: to_cycle:" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""
    (tmp_path / "tracker.toml").write_text(config + '[alerts]\nmilestones = ["eol"]\n', encoding="utf-8")
    r = tracker("--as-of", "2026-05-01", "alert", "list")
    assert r.returncode == 0, r.stderr
    assert "start the upgrade" not in r.stdout and r.stderr == ""


def test_a_cycle_on_its_newest_release_has_no_target_in_any_surface() -> None:
    """The plan gives a cycle already on its line's newest release itself as target; the digest, the
    start-by sentence and the webhook payload all read that as "nothing to move to" (one rule,
    ``tracker.alerts.due.upgrade_to``)."""
    from tracker.alerts.due import upgrade_to
    from tracker.alerts.webhook_payloads import item_data

    assert upgrade_to("Windows Server 2025", "Hyper-V Server 2016") == ("Windows Server 2025", False)
    assert upgrade_to("Hyper-V Server 2016", "Hyper-V Server 2016") == ("", True)
    assert upgrade_to("", "Hyper-V Server 2016") == ("", False)
    own = {KEY: StartBy(date(2026, 7, 12), 2, "Hyper-V Server 2016")}
    [item] = [
        i
        for i in due_alerts([hyperv()], WATCH, [ALL], [], [], date(2026, 5, 1), own).due
        if i.start is not None
    ]
    assert start_sentence(item).endswith("— already the newest release: plan its replacement")
    data = item_data(item, date(2026, 5, 1))
    assert data["hosts"] == 2 and "target" not in data
    [moving] = [
        i
        for i in due_alerts([hyperv()], WATCH, [ALL], [], [], date(2026, 5, 1), START).due
        if i.start is not None
    ]
    assert item_data(moving, date(2026, 5, 1))["target"] == "Windows Server 2025"
