"""Digest building and the library entry point ``run_alerts`` (outbox delivery, in-process)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from alerts_support import html_part, text_part

from tests.conftest import PlanHint
from tracker.alerts import AlertRunResult, run_alerts
from tracker.alerts.digest import DigestContext, build_digest, digest_context
from tracker.alerts.due import DueItem
from tracker.config import ReportSettings, Route, Settings
from tracker.dataset import LifecycleRecord
from tracker.dates import parse_milestone
from tracker.estate import EstateSummary
from tracker.vocabulary import milestone_label

AS_OF = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
ROUTE = Route("*", ("infra@example.org",))


def record(
    product: str = "Hyper-V Server", cycle: str = "2016", eol: str = "2027-01-12", vendor: str = "Microsoft"
) -> LifecycleRecord:
    return LifecycleRecord(
        vendor=vendor,
        product=product,
        cycle=cycle,
        type=1,
        release=parse_milestone("2016-10-15"),
        support_end=None,
        eol=parse_milestone(eol),
        extended_end=None,
        source="https://example.org/a?x=1&y=2 ; https://example.org/b",
        confidence="vendor",
    )


def item(rec: LifecycleRecord, threshold: int = 90, moved_from: str | None = None) -> DueItem:
    assert rec.eol is not None
    return DueItem(rec, "eol", rec.eol, (rec.eol.first_day - AS_OF).days, threshold, (), ROUTE, moved_from)


@pytest.mark.parametrize(
    ("vendor", "milestone", "label"),
    [
        pytest.param("Microsoft", "support_end", "end of mainstream support", id="ms-support"),
        pytest.param("Microsoft", "eol", "end of extended support (end of life)", id="ms-eol"),
        pytest.param("Microsoft", "extended_end", "end of Extended Security Updates", id="ms-esu"),
        pytest.param("Broadcom (VMware)", "eol", "end of general support (end of life)", id="vmware-eol"),
        pytest.param("Broadcom (VMware)", "extended_end", "end of technical guidance", id="vmware-tg"),
        pytest.param("Proxmox", "support_end", "end of full support", id="other-support"),
        pytest.param("Proxmox", "eol", "end of life", id="other-eol"),
        pytest.param("Proxmox", "extended_end", "end of paid extended support", id="other-extended"),
    ],
)
def test_vendor_terms(vendor: str, milestone: str, label: str) -> None:
    assert milestone_label(vendor, milestone) == label


def test_digest_escapes_html_and_sorts_by_date() -> None:
    evil = record(product="<script>alert(1)</script>", cycle="9", eol="2027-06-30", vendor="Ev&l")
    msg = build_digest([item(evil, 365), item(record())], ROUTE, AS_OF, NOW)
    html, text = html_part(msg), text_part(msg)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; 9" in html
    assert "Ev&amp;l" in html
    assert '<a href="https://example.org/a?x=1&amp;y=2">' in html
    assert "- <script>alert(1)</script> 9 (Ev&l)" in text
    assert text.index("Hyper-V Server 2016") < text.index("<script>")
    assert msg["Subject"] == "Hyper-V Server 2016: end of life in 47 days (+1 more)"
    assert msg["Date"] == "Thu, 26 Nov 2026 06:00:00 +0000"


def test_crlf_in_names_cannot_inject_headers() -> None:
    """Records built by library callers bypass the validator: headers stay single-line anyway."""
    evil = record(product="Evil\r\nBcc: victim@example.org\r\nX-Injected: yes")
    msg = build_digest([item(evil)], ROUTE, AS_OF, NOW)
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Injected"] is None
    assert "\r" not in parsed["Subject"] and "\n" not in parsed["Subject"]
    assert parsed["Subject"].strip().startswith("Evil Bcc: victim@example.org X-Injected: yes 2016: end of")


@pytest.mark.parametrize(
    ("days", "phrase"),
    [
        pytest.param(0, "end of life today", id="today"),
        pytest.param(1, "end of life tomorrow", id="tomorrow"),
        pytest.param(-12, "end of life 12 days ago", id="past"),
    ],
)
def test_subject_phrases(days: int, phrase: str) -> None:
    eol = date.fromordinal(AS_OF.toordinal() + days).isoformat()
    msg = build_digest([item(record(eol=eol), 0)], ROUTE, AS_OF, NOW)
    assert phrase in msg["Subject"]


def test_run_alerts_outbox_host_counts_and_result(tmp_path: Path) -> None:
    records = [
        record(),
        record(product="Windows Server"),
        record(vendor="Proxmox", product="Proxmox VE", cycle="8", eol="2026-12-20"),
    ]
    settings = Settings(state_dir=tmp_path / "state", routes=(Route("microsoft/*", ("w@example.org",)),))
    logged: list[str] = []
    counts = {("Microsoft", "Hyper-V Server", "2016"): 3}
    result = run_alerts(records, settings, AS_OF, NOW, log=logged.append, host_counts=counts)
    assert result == AlertRunResult(
        digests_sent=1, items_sent=2, failed_routes=[], unrouted=["Proxmox/Proxmox VE 8 eol"]
    )
    assert result.ok
    assert any("match no [[routes]] entry" in line for line in logged)
    [eml] = (tmp_path / "state" / "outbox").glob("*.eml")
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["To"] == "w@example.org"
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "On your hosts:\n\n- Hyper-V Server 2016 (Microsoft)" in text
    assert "On none of your hosts:\n\n- Windows Server 2016 (Microsoft)" in text
    assert "  3 hosts\n" in text and "0 hosts" not in text
    assert msg["Subject"] == "Hyper-V Server 2016 on 3 hosts: end of life in 47 days (+1 more)"
    again = run_alerts(records, settings, AS_OF, NOW, log=logged.append, host_counts=counts)
    assert (again.digests_sent, again.items_sent, again.ok) == (0, 0, True)


def test_run_alerts_dry_run_previews_without_writing(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path / "state")
    result = run_alerts([record()], settings, AS_OF, NOW, dry_run=True, log=lambda _: None)
    assert result.digests_sent == 0 and len(result.previews) == 1
    assert "Hyper-V Server 2016" in result.previews[0]
    assert not (tmp_path / "state").exists()


def _estate_context(tmp_path: Path) -> DigestContext:
    hv = ("Microsoft", "Hyper-V Server", "2016")
    estate = EstateSummary(
        hosts_by_status={"security-only": 5},
        at_risk=[],
        host_counts={hv: 5},
        total=5,
        host_names={hv: ("hv-01", "hv-02", "hv-03", "hv-04", "hv-05")},
    )
    settings = Settings(report=ReportSettings(url="https://intranet.example.org/tracker"))
    ctx = digest_context(settings, AS_OF, estate, config_path=tmp_path / "my config.toml")
    assert ctx.report_url == "https://intranet.example.org/tracker/lifecycle-2026-11-26.html"
    assert ctx.calendar_url == "https://intranet.example.org/tracker/tracker.ics"
    return ctx


def test_digest_puts_your_hosts_first_names_them_and_links_the_report(tmp_path: Path) -> None:
    ctx = _estate_context(tmp_path)
    soon = record(vendor="Nutanix", product="AOS", cycle="6.10", eol="2026-12-10")
    msg = build_digest([item(soon, 30), item(record())], ROUTE, AS_OF, NOW, context=ctx)
    assert msg["Subject"] == "Hyper-V Server 2016 on 5 hosts: end of life in 47 days (+1 more)"
    text, html = text_part(msg), html_part(msg)
    assert text.index("Hyper-V Server 2016") < text.index("AOS 6.10")
    assert "  5 hosts: hv-01, hv-02, hv-03 +2 more\n" in text
    assert "Report: https://intranet.example.org/tracker/lifecycle-2026-11-26.html" in text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'href="https://intranet.example.org/tracker/lifecycle-2026-11-26.html"' in html
    assert 'href="https://intranet.example.org/tracker/tracker.ics"' in html
    assert "<table" not in html  # cards, never a table wider than the phone
    assert '<h1>Hyper-V Server 2016 on 5 hosts: end of life in 47 days (<time datetime="2027-01-12">' in html
    assert html.index("Hyper-V Server 2016") < html.index("AOS 6.10")
    assert "EOL in 47 days" in html and "Microsoft calls it end of extended support" in html
    assert '<a href="https://example.org/a?x=1&amp;y=2">example.org</a>' in html
    # The silence commands name the config file of the run, quoted for the shell.
    silence = f"tracker --config '{tmp_path / 'my config.toml'}' alert silence 'Hyper-V Server' 2016"
    assert silence in text
    words = re.findall(r'<span class="w">([^<]*)</span>', html)
    assert " ".join(words[:7]).replace("&#39;", "'") == silence  # one word never split across lines
    assert "<details>" in html and "<summary>Silence an alert</summary>" in html


def test_digest_urgency_words_match_the_report_scale() -> None:
    msg = build_digest([item(record(eol="2026-12-01"), 7), item(record(cycle="2019"))], ROUTE, AS_OF, NOW)
    html = html_part(msg)
    assert '<span class="u u-30">≤ 30 days</span>' in html
    assert '<span class="u u-90">≤ 90 days</span>' in html


def test_digest_names_target_and_start_by_from_the_plan(tmp_path: Path) -> None:
    hv = ("Microsoft", "Hyper-V Server", "2016")
    esx = ("Broadcom (VMware)", "VMware ESXi", "8.0")
    estate = EstateSummary(
        hosts_by_status={"security-only": 3},
        at_risk=[],
        host_counts={hv: 2, esx: 1},
        total=3,
        host_names={hv: ("hv-01", "hv-02"), esx: ("esx-01",)},
    )
    plan = {
        hv: PlanHint("Windows Server 2025", date(2026, 7, 12)),  # already behind as_of
        esx: PlanHint("", date(2027, 4, 11)),
    }
    ctx = digest_context(Settings(), AS_OF, estate, plan=plan)
    vmware = record(vendor="Broadcom (VMware)", product="VMware ESXi", cycle="8.0", eol="2027-10-11")
    msg = build_digest([item(record()), item(vmware, 365)], ROUTE, AS_OF, NOW, context=ctx)
    text, html = text_part(msg), html_part(msg)
    assert "  upgrade to Windows Server 2025, start by 2026-07-12 (4 months overdue)\n" in text
    assert "  no known upgrade path, start by 2027-04-11\n" in text
    assert (
        'Upgrade to <strong>Windows Server 2025</strong> · start by <time datetime="2026-07-12">2026-07-12</time>'
        " (4 months overdue)" in html
    )
    assert 'No known upgrade path · start by <time datetime="2027-04-11">2027-04-11</time>' in html


def test_a_cycle_already_on_the_newest_release_is_told_to_plan_its_replacement() -> None:
    ws = ("Microsoft", "Windows Server", "2025")
    estate = EstateSummary(
        hosts_by_status={"supported": 1},
        at_risk=[],
        host_counts={ws: 1},
        total=1,
        host_names={ws: ("hv-04",)},
    )
    plan = {ws: PlanHint("Windows Server 2025", date(2034, 5, 14))}  # its own cycle: no newer release
    ctx = digest_context(Settings(), AS_OF, estate, plan=plan)
    newest = record(product="Windows Server", cycle="2025", eol="2034-11-14")
    msg = build_digest([item(newest, 365)], ROUTE, AS_OF, NOW, context=ctx)
    text, html = text_part(msg), html_part(msg)
    assert "  already the newest release: plan its replacement, start by 2034-05-14\n" in text
    assert "upgrade to Windows Server 2025" not in text and "no known upgrade path" not in text
    assert "Already the newest release: plan its replacement · start by" in html


def test_paid_support_item_of_a_cycle_past_eol_says_so() -> None:
    esx = LifecycleRecord(
        vendor="Broadcom (VMware)",
        product="VMware ESXi",
        cycle="7.0",
        type=1,
        release=parse_milestone("2020-04-02"),
        support_end=parse_milestone("2025-10-02"),
        eol=parse_milestone("2025-10-02"),
        extended_end=parse_milestone("2027-04-02"),
        source="https://example.org/esxi",
        confidence="secondary",
    )
    assert esx.extended_end is not None
    due = DueItem(esx, "extended_end", esx.extended_end, 127, 180, (), ROUTE, None)
    msg = build_digest([due], ROUTE, AS_OF, NOW)
    assert "  already past EOL 13 months ago (2025-10-02)\n" in text_part(msg)
    assert (
        'Already <strong>past EOL 13 months ago (<time datetime="2025-10-02">2025-10-02</time>)</strong>'
        in html_part(msg)
    )
    assert "already past" not in text_part(build_digest([item(record())], ROUTE, AS_OF, NOW))
