"""The HTML report: structure, escaping, atomic writes, pruning and the index (no browser here)."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import AS_OF, FIXTURES, SMALL, PlanHint
from tracker import vocabulary as vocab
from tracker.config import ReportSettings, Settings
from tracker.dataset import load_dataset
from tracker.dates import parse_milestone
from tracker.estate import EstateSummary
from tracker.report import write_report
from tracker.report.actions import RECENT_EOL_DAYS, needs_action
from tracker.report.model import cycle_row, group_rows
from tracker.report.snapshot import CHANGES_SHOWN
from tracker.report.timeline import MIN_PX_PER_YEAR, ROW_H, build_timeline

HOSTILE = FIXTURES / "hostile.csv"
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
DAY = date.fromisoformat(AS_OF)


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.content: list[Node | str] = []
        """Text and child elements in document order."""

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.content)

    def iter(self):  # type: ignore[no-untyped-def]
        yield self
        for c in self.children:
            yield from c.iter()

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if n.tag == tag and (cls is None or cls in n.classes)]

    def find(self, tag: str, cls: str | None = None) -> Node:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag} class={cls}>"
        return found[0]

    def by_id(self, ident: str) -> Node:
        for n in self.iter():
            if n.attrs.get("id") == ident:
                return n
        raise AssertionError(f"no element with id {ident!r}")


VOID = {"meta", "br", "img", "input", "link", "hr", "col", "source", "wbr"}


class TreeBuilder(HTMLParser):
    """A small DOM from the stdlib parser: enough to count rows and read cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        self.current.content.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):  # type: ignore[no-untyped-def]
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        self.current.content.append(node)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.current.content.append(data)


def parse(path: Path) -> Node:
    builder = TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    assert builder.current is builder.root, f"unclosed <{builder.current.tag}>"
    return builder.root


@pytest.fixture
def small_report(tracker, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    result = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "report", "--out", "out")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "out" / "lifecycle-2026-11-26.html"
    assert result.stdout.strip() == str(Path("out") / path.name)
    return path


def cycle_rows(doc: Node) -> list[Node]:
    return doc.find("table", "cycles").find_all("tr", "cycle")


def test_header_shows_as_of_dataset_rows_and_hash(small_report: Path) -> None:
    doc = parse(small_report)
    meta = doc.find("dl", "meta").text()
    assert "2026-11-26" in meta
    assert str(SMALL) in meta
    assert doc.by_id("row-count").text() == "10"
    assert doc.by_id("dataset-sha256").text() == hashlib.sha256(SMALL.read_bytes()).hexdigest()
    generated = [t for t in doc.find_all("time") if "T" in t.attrs.get("datetime", "")]
    assert generated, "generation time missing"


def test_headline_names_the_soonest_end_of_life_and_counts_by_urgency(small_report: Path) -> None:
    doc = parse(small_report)
    assert doc.by_id("headline").text() == "Hyper-V Server 2016 reaches end of life in 47 days (2027-01-12)."
    assert doc.by_id("summary").text().startswith("4 cycles reach end of life within 365 days")
    strip = [li.text() for li in doc.find("ul", "strip").find_all("li")]
    assert strip == ["Cycles that need action:", "Past EOL 3", "≤ 90 days 2", "≤ 1 year 2"]


def test_needs_action_lists_coming_soonest_first_then_recently_ended(small_report: Path) -> None:
    doc = parse(small_report)
    rows = doc.by_id("needs-action").find("table", "actions").find("tbody").find_all("tr")
    keys = [r.attrs["data-key"] for r in rows]
    assert keys == [
        "Microsoft/Hyper-V Server/2016",  # 47 days
        "Microsoft/Windows Server/2016",  # 47 days
        "Oracle/VirtualBox/7.1",  # 216 days
        "Broadcom (VMware)/VMware ESXi/8.0",  # 319 days
        "Broadcom (VMware)/VMware ESXi/7.0",  # past EOL, paid support until 2027-04-02
        "Microsoft/Windows Server/2012 R2",  # ESU ended 2026-10-13
        "Proxmox/Proxmox VE/8",  # eol Aug 2026
    ]
    phrases = [r.find("span", "phrase").text() for r in rows]
    assert phrases == [
        "EOL in 47 days",
        "EOL in 47 days",
        "EOL in 7 months",
        "EOL in 10 months",
        "past EOL 13 months ago; paid support ends in 4 months",
        "past EOL 3 years ago",
        "past EOL 3 months ago",
    ]
    words = [r.find("td", "urg").text() for r in rows]
    assert words == ["≤ 90 days"] * 2 + ["≤ 1 year"] * 2 + ["Past EOL"] * 3
    assert "2026-08" in rows[-1].find("td", "when").text()


def test_table_has_every_row_grouped_by_vendor_and_product(small_report: Path) -> None:
    doc = parse(small_report)
    table = doc.find("table", "cycles")
    assert table.find("caption").text().startswith("10 release cycles")
    assert len(cycle_rows(doc)) == 10
    groups = [span.text() for span in table.find_all("span", "gname")]
    assert groups == [
        "Broadcom (VMware) · VMware ESXi",
        "Example · Future Hypervisor",
        "Microsoft · Hyper-V Server",
        "Microsoft · Windows Server",
        "Oracle · VirtualBox",
        "Proxmox · Proxmox VE",
    ]
    for th in table.find("thead").find_all("th"):
        assert th.attrs.get("scope") == "col"
    for row in cycle_rows(doc):
        assert row.children[0].tag == "th" and row.children[0].attrs["scope"] == "row"
        status = row.find("td", "stc")
        assert status.find("span", "u").text().strip(), "status must be text, not only colour"


def row_for(doc: Node, cycle: str, group: str) -> Node:
    for tbody in doc.find("table", "cycles").find_all("tbody"):
        if tbody.find("span", "gname").text() == group:
            for row in tbody.find_all("tr", "cycle"):
                if row.children[0].text() == cycle:
                    return row
    raise AssertionError(f"no row {group} {cycle}")


def test_dates_link_to_source_with_month_and_estimate_marks(small_report: Path) -> None:
    doc = parse(small_report)
    esxi = row_for(doc, "7.0", "Broadcom (VMware) · VMware ESXi")
    links = [a for td in esxi.find_all("td", "d") for a in td.find_all("a")]
    assert len(links) == 4  # release, support end, eol, extended end
    assert {a.attrs["href"] for a in links} == {
        "https://knowledge.broadcom.com/external/article?legacyId=2145103"
    }
    # Each link says what it is: not a bare date for a screen reader's list of links.
    assert links[0].attrs["aria-label"] == "VMware ESXi 7.0 end of life 2025-10-02: source"
    pve = row_for(doc, "8", "Proxmox · Proxmox VE")
    eol_cell = pve.find_all("td", "d")[0]  # end of life first: the date people compare
    assert eol_cell.text() == "2026-08m"
    assert eol_cell.find("sup", "mo")
    assert pve.find_all("td", "d")[1].text() == "—"  # support_end not announced
    vbox = row_for(doc, "7.1", "Oracle · VirtualBox")
    assert vbox.find_all("td", "d")[0].text().startswith("≈")
    assert not row_for(doc, "2016", "Microsoft · Hyper-V Server").find_all("span", "est")


def test_self_contained_no_script_and_only_safe_links(small_report: Path) -> None:
    doc = parse(small_report)
    assert not doc.find_all("script")
    for node in doc.iter():
        assert "src" not in node.attrs
        assert not any(k.startswith("on") for k in node.attrs)
        if node.tag == "link":
            raise AssertionError("external stylesheet")
    for a in doc.find_all("a"):
        href = a.attrs["href"]
        assert href.startswith(("https://", "http://", "#")) or href == "index.html", href


def test_timeline_is_accessible_svg_with_one_bar_group_per_cycle(small_report: Path) -> None:
    doc = parse(small_report)
    screen = doc.by_id("timeline").find("div", "screen-only")
    svg = [s for s in screen.find_all("svg") if s.attrs.get("role") == "img"]
    assert len(svg) == 1
    assert svg[0].find("title").text().startswith("Timeline of 10 release cycles")
    cycles = [g for g in svg[0].find_all("g") if "cy" in g.classes]
    assert len(cycles) == 10
    labels = [t.text() for t in screen.find("svg", "tl-labels").find_all("text")]
    assert labels[:3] == ["Broadcom (VMware) · VMware ESXi", "8.0", "7.0"]  # newest first
    # End dates are written at the bar ends, not only in tooltips.
    ends = [t.text() for t in svg[0].find_all("text", "end")]
    assert "2029-10-11" in ends and "2026-08" in ends  # ESXi 8.0 (paid support), Proxmox VE 8
    paths = {" ".join(p.classes[1:]): p for p in svg[0].find_all("path", "bar")}
    # The axis starts in 2024-10: 6 supported phases reach into it, Proxmox VE 9's open-ended;
    # 3 paid phases (ESXi 7.0 and 8.0, Windows Server 2012 R2 ESU).
    supported = sum(p.attrs["d"].count("M") for cls, p in paths.items() if "ph-sup" in cls)
    assert supported == 6
    assert "ph-sup open" in paths and paths["ph-sup open"].attrs["d"].count("M") == 1
    assert paths["ph-ext"].attrs["d"].count("M") == 3
    # Security-only is a pattern, not a colour alone.
    sec = [p for cls, p in paths.items() if "ph-sec" in cls]
    assert sec and all(p.attrs["fill"] == "url(#tl-sec)" for p in sec)
    assert screen.find("pattern").attrs["id"] == "tl-sec"
    assert any(cls.endswith(" est") for cls in paths)  # VirtualBox 7.1, Future Hypervisor
    assert screen.find("line", "today")
    keys = doc.by_id("timeline").find("ul", "keys").text()
    assert "Security fixes only (striped)" in keys and "Paid extended support (dotted)" in keys


def test_default_timeline_leaves_out_long_ended_cycles_and_links_the_full_one(tmp_path: Path) -> None:
    records = load_dataset(SMALL)
    later = date(2029, 6, 1)
    path = write_report(records, Settings(), later, tmp_path, SMALL, NOW)
    doc = parse(path)
    link = doc.by_id("full-timeline-link")
    assert link.attrs["href"] == "lifecycle-2029-06-01-timeline.html#today"  # opens on today
    full = parse(tmp_path / link.attrs["href"].split("#")[0])
    assert full.by_id("today").tag == "span"
    shown = doc.by_id("timeline").find("div", "screen-only").find_all("g", "cy")
    assert len(full.find_all("g", "cy")) == 10 > len(shown)
    # Today is near the left edge of the default chart: in view on a phone without scrolling.
    timeline = build_timeline(group_rows([cycle_row(r, later) for r in records]), later, "Today")
    assert timeline.label_w + timeline.today_x < 340


def test_hostile_text_is_escaped_everywhere(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--dataset", str(HOSTILE), "--as-of", AS_OF, "report", "--out", "out")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "out" / "lifecycle-2026-11-26.html"
    raw = path.read_text(encoding="utf-8")
    doc = parse(path)
    assert not doc.find_all("script")
    assert not doc.find_all("img")
    assert not doc.find_all("b")
    assert not any(k.startswith("on") for n in doc.iter() for k in n.attrs)
    assert "&lt;script&gt;alert(&#39;product&#39;)&lt;/script&gt;" in raw
    # Jinja2 writes &#34;, the per-cycle rows (html.escape) &quot;: both are escaped quotes.
    assert "&gt;&lt;img src=x onerror=alert(1)&gt;" in raw
    assert '"><img src=x onerror=alert(1)>' not in raw
    text = doc.text()
    assert "<script>alert('notes')</script>" in text  # shown to the reader as text
    assert '"><img src=x onerror=alert(2)>' in text
    hrefs = {a.attrs["href"] for a in doc.find_all("a") if a.attrs["href"].startswith("http")}
    assert hrefs == {"https://example.org/a?x=1&y=<2>", "https://example.org/b"}


def test_javascript_source_is_rejected_and_nothing_written(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        SMALL.read_text(encoding="utf-8").replace(
            "https://pve.proxmox.com/wiki/FAQ,vendor,month precision",
            "javascript:alert(document.cookie),vendor,month precision",
        ),
        encoding="utf-8",
    )
    result = tracker("validate", str(bad))
    assert result.returncode == 1
    assert f"{bad}:8: source: not an http(s):// URL: 'javascript:alert(document.cookie)'" in result.stderr
    result = tracker("--dataset", str(bad), "--as-of", AS_OF, "report", "--out", "out")
    assert result.returncode == 1
    assert "bad.csv:8: source:" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()


def test_non_http_source_never_becomes_a_link(tmp_path: Path) -> None:
    """Defence in depth when records come from elsewhere than the validating loader."""
    records = load_dataset(SMALL)
    records[0] = replace(records[0], source="javascript:alert(1) ; https://ok.example/x")
    out = write_report(records, Settings(), DAY, tmp_path, SMALL, NOW)
    doc = parse(out)
    hrefs = [a.attrs["href"] for a in doc.find_all("a")]
    assert not [h for h in hrefs if "javascript" in h.lower()]
    row = row_for(doc, "2016", "Microsoft · Hyper-V Server")
    assert {a.attrs["href"] for a in row.find_all("a")} == {"https://ok.example/x"}
    group = row.parent
    assert group is not None and "javascript:alert(1)" in group.find("tr", "grp").text()


@pytest.mark.parametrize(
    "where",
    [
        pytest.param("render", id="template-render-raises"),
        pytest.param("replace", id="rename-fails"),
    ],
)
def test_crash_mid_run_keeps_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    records = load_dataset(SMALL)
    first = write_report(records, Settings(), DAY, tmp_path, SMALL, NOW)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(before) == {"lifecycle-2026-11-26.html", "index.html", "snapshot.json"}
    if where == "render":
        import jinja2

        def boom(self, *a, **kw):  # type: ignore[no-untyped-def]
            raise RuntimeError("crash while rendering")

        monkeypatch.setattr(jinja2.Template, "render", boom)
    else:

        def boom_replace(src, dst):  # type: ignore[no-untyped-def]
            raise OSError("disk gone")

        monkeypatch.setattr(os, "replace", boom_replace)
    with pytest.raises((RuntimeError, OSError)):
        write_report(records[:3], Settings(), DAY, tmp_path, SMALL, datetime(2026, 11, 26, 7, 0, tzinfo=UTC))
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # same files, same bytes, no temp files left behind
    assert first.read_bytes() == before[first.name]


def write_dated(out: Path, *days: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for day in days:
        (out / f"lifecycle-{day}.html").write_text(f"old report {day}", encoding="utf-8")


def test_keep_days_prunes_by_file_name_date_and_index_lists_history(
    tracker,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    (tmp_path / "tracker.toml").write_text('[report]\nout_dir = "site"\nkeep_days = 30\n', encoding="utf-8")
    site = tmp_path / "site"
    write_dated(site, "2026-10-27", "2026-10-26", "2026-11-25", "2025-01-01", "2026-12-01")
    (site / "notes.txt").write_text("keep me", encoding="utf-8")
    (site / "lifecycle-latest.html").write_text("not dated", encoding="utf-8")
    result = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "report")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(site / "lifecycle-2026-11-26.html")
    names = sorted(p.name for p in site.iterdir())
    assert names == [
        "index.html",
        "lifecycle-2026-10-27.html",
        "lifecycle-2026-11-25.html",
        "lifecycle-2026-11-26.html",
        "lifecycle-2026-12-01.html",
        "lifecycle-latest.html",
        "notes.txt",
        "snapshot.json",
    ]  # 2026-10-26 is 31 days old
    index = parse(site / "index.html")
    history = [a.attrs["href"] for a in index.find("ol", "history").find_all("a")]
    assert history == [
        "lifecycle-2026-12-01.html",
        "lifecycle-2026-11-26.html",
        "lifecycle-2026-11-25.html",
        "lifecycle-2026-10-27.html",
    ]
    assert index.by_id("latest").find("a").attrs["href"] == "lifecycle-2026-12-01.html"
    first = index.find("ol", "history").find("li").text()
    assert first == "Report as of 2026-12-01"  # each date once, ISO
    assert "Kept for 30 days".lower() in index.text().lower()


def test_default_out_dir_is_reports_in_cwd(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "report")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "reports/lifecycle-2026-11-26.html\n"
    assert (tmp_path / "reports" / "index.html").is_file()


def test_calendar_link_only_when_feed_exists(tmp_path: Path) -> None:
    records = load_dataset(SMALL)
    doc = parse(write_report(records, Settings(), DAY, tmp_path, SMALL, NOW))
    assert not [a for a in doc.find_all("a") if a.attrs["href"] == "tracker.ics"]
    (tmp_path / "tracker.ics").write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    doc = parse(write_report(records, Settings(), DAY, tmp_path, SMALL, NOW))
    assert doc.by_id("calendar-link").attrs["href"] == "tracker.ics"
    assert doc.by_id("calendar-link").text() == "Calendar feed"
    assert parse(tmp_path / "index.html").by_id("calendar-link").attrs["href"] == "tracker.ics"


def test_report_calendar_option_writes_the_feed_beside_and_links_it(
    tracker,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    small_report: Path,
) -> None:
    feed = small_report.parent / "tracker.ics"
    assert not feed.exists()  # plain `tracker report` leaves the calendar state alone
    result = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "report", "--out", "out", "--calendar")
    assert result.returncode == 0, result.stderr
    assert feed.read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
    assert parse(small_report).by_id("calendar-link").attrs["href"] == "tracker.ics"


def test_estate_first_with_host_counts_names_and_folded_rest(tmp_path: Path) -> None:
    records = load_dataset(SMALL)
    doc = parse(write_report(records, Settings(), DAY, tmp_path, SMALL, NOW))
    assert not [n for n in doc.iter() if n.attrs.get("id") in ("estate", "on-hosts")]
    esxi7 = ("Broadcom (VMware)", "VMware ESXi", "7.0")
    hv16 = ("Microsoft", "Hyper-V Server", "2016")
    esxi8 = ("Broadcom (VMware)", "VMware ESXi", "8.0")
    estate = EstateSummary(
        hosts_by_status={"unmatched": 2, "end-of-life": 3, "supported": 40, "security-only": 2},
        at_risk=[("prod <lab>", 5), ("dmz", 1)],
        host_counts={esxi7: 5, hv16: 2, esxi8: 38},
        at_risk_by="cluster",
        total=47,
        unmatched=2,
        host_names={esxi7: ("e1", "e2", "e3", "e4", "e5"), hv16: ("h1", "h2"), esxi8: ("x1",)},
    )
    doc = parse(write_report(records, Settings(), DAY, tmp_path, SMALL, NOW, estate=estate))
    assert doc.by_id("headline").text() == (
        "2 hosts on Hyper-V Server 2016 reach end of life in 47 days (2027-01-12); "
        "5 hosts run VMware ESXi 7.0, past EOL 13 months ago."
    )
    rows = doc.by_id("on-hosts").find("tbody").find_all("tr")
    assert [r.attrs["data-key"] for r in rows] == [
        "Broadcom (VMware)/VMware ESXi/7.0",
        "Microsoft/Hyper-V Server/2016",
        "Broadcom (VMware)/VMware ESXi/8.0",
    ]
    assert rows[0].find("td", "hosts").text() == "5 hosts: e1, e2, e3 +2 more"
    assert rows[1].find("td", "hosts").text() == "2 hosts: h1, h2"
    # Not on a host: listed after, under its own heading.
    assert doc.by_id("needs-action-h").text() == "Needs action on none of your hosts"
    elsewhere = [r.attrs["data-key"] for r in doc.by_id("needs-action").find("tbody").find_all("tr")]
    assert elsewhere[0] == "Microsoft/Windows Server/2016"
    assert esxi7[2] not in [k.rsplit("/", 1)[1] for k in elsewhere if "ESXi" in k]
    text = doc.by_id("estate").text()
    assert "47 hosts in the inventory" in text
    assert "40 supported, 2 security fixes only, 3 end of life, 2 unmatched" in text
    assert "by cluster: prod <lab> 5, dmz 1" in " ".join(text.split())
    assert "Upgrade to" not in doc.by_id("on-hosts").text()  # no planning data: no column


def test_plan_columns_appear_only_with_plan_data(tmp_path: Path) -> None:
    records = load_dataset(SMALL)
    hv16 = ("Microsoft", "Hyper-V Server", "2016")
    estate = EstateSummary(hosts_by_status={"security-only": 2}, at_risk=[], host_counts={hv16: 2}, total=2)
    plan = {hv16: PlanHint("Windows Server 2025", date(2026, 7, 12))}
    path = write_report(records, Settings(), DAY, tmp_path, SMALL, NOW, estate=estate, plan_by_cycle=plan)
    row = parse(path).by_id("on-hosts").find("tbody").find("tr")
    assert "Windows Server 2025" in row.text() and "2026-07-12" in row.text()
    late = row.find("td", "by").find("span", "late")  # the start-by date is already behind
    assert late.text() == "4 months overdue"


def test_old_end_of_life_is_counted_not_listed() -> None:
    records = load_dataset(SMALL)
    rows = [cycle_row(r, date(2028, 1, 1)) for r in records]
    actions = needs_action(rows, date(2028, 1, 1))
    items, older = actions.elsewhere, actions.older_eol
    assert older == 2  # Proxmox VE 8 and Windows Server 2012 R2 ended more than a year before
    assert all(-i.days_left <= RECENT_EOL_DAYS for i in items)
    assert "Microsoft/Windows Server/2012 R2" not in {"/".join(i.row.record.key) for i in items}


def test_timeline_scrolls_instead_of_squashing_many_cycles() -> None:
    base = load_dataset(SMALL)[0]
    records = [replace(base, cycle=str(n)) for n in range(200)]
    rows = [cycle_row(r, DAY) for r in records]
    timeline = build_timeline(group_rows(rows), DAY, "Today", full=True)
    cycle_ys = [r.y for r in timeline.rows if r.kind == "cycle"]
    assert len(cycle_ys) == 200
    assert {b - a for a, b in itertools.pairwise(cycle_ys)} == {ROW_H}
    assert timeline.height >= 200 * ROW_H
    years = {t.label for t in timeline.ticks}
    assert timeline.plot_w >= MIN_PX_PER_YEAR * (len(years) - 1)


def test_report_settings_keep_days_zero_window_keeps_todays_report(tmp_path: Path) -> None:
    settings = Settings(report=ReportSettings(out_dir=tmp_path, keep_days=1))
    write_dated(tmp_path, "2026-11-25", "2026-11-24")
    path = write_report(load_dataset(SMALL), settings, DAY, tmp_path, SMALL, NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.html",
        "lifecycle-2026-11-25.html",
        path.name,
        "snapshot.json",
    ]


def _luminance(hex_colour: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("level", list(vocab.Urgency), ids=lambda u: u.value)
def test_every_urgency_colour_pair_is_readable(level: vocab.Urgency) -> None:
    style = vocab.URGENCY_STYLES[level]
    assert contrast(style.fg, style.bg) >= 4.5, style
    assert style.word  # the colour never stands alone


def test_timeline_bars_have_at_least_3_to_1_contrast_with_the_chart() -> None:
    templates = Path(vocab.__file__).parent / "report" / "templates"
    css = (templates / "_style.html").read_text()
    chart = (templates / "_timeline.html").read_text()
    supported = re.search(r"\.tl \.ph-sup\{fill:(#[0-9a-f]{6})\}", css)
    security = re.search(r'-sec".*?fill="(#[0-9a-f]{6})"', chart)
    paid = re.search(r'-ext".*?fill="(#[0-9a-f]{6})"', chart)
    assert supported and security and paid
    for colour in (supported[1], security[1], paid[1]):
        assert contrast(colour, "#ffffff") >= 3, colour  # bar against the background
        assert contrast(colour, "#f8fafc") >= 3, colour  # ... and against a zebra row


def test_changes_since_the_previous_report_moved_added_and_passed(tmp_path: Path) -> None:
    records = load_dataset(SMALL)
    first = parse(write_report(records, Settings(), date(2026, 11, 20), tmp_path, SMALL, NOW))
    assert not [n for n in first.iter() if n.attrs.get("id") == "changes"]  # nothing to compare with
    assert (tmp_path / "snapshot.json").stat().st_size < 5_000
    hv = next(r for r in records if r.product == "Hyper-V Server" and r.cycle == "2016")
    moved = replace(hv, eol=parse_milestone("2027-02-12"))
    added = replace(hv, cycle="2031", release=parse_milestone("2026-11-01"), eol=None, support_end=None)
    newer = [moved if r is hv else r for r in records] + [added]
    doc = parse(write_report(newer, Settings(), DAY, tmp_path, SMALL, NOW))
    section = doc.by_id("changes")
    assert doc.by_id("changes-h").text() == "Changes since the previous report (2026-11-20)"
    lines = [li.text() for li in section.find_all("li")]
    assert lines[0] == "Hyper-V Server 2016: end of life moved from 2027-01-12 to 2027-02-12"
    assert "Hyper-V Server 2031 (Microsoft) added" in lines
    # A re-run on the same day still compares with 2026-11-20, not with itself.
    again = parse(write_report(newer, Settings(), DAY, tmp_path, SMALL, NOW))
    assert [li.text() for li in again.by_id("changes").find_all("li")] == lines
    # The next day compares with today: nothing moved; no milestone of SMALL ends on 2026-11-26.
    later = parse(write_report(newer, Settings(), date(2026, 11, 27), tmp_path, SMALL, NOW))
    assert later.by_id("changes").find_all("li") == []
    assert "No date moved" in later.by_id("changes").text()


def test_changes_are_ordered_by_kind_and_those_beyond_the_shown_number_counted(tmp_path: Path) -> None:
    records = load_dataset(SMALL)
    write_report(records, Settings(), date(2026, 11, 20), tmp_path, SMALL, NOW)
    hv = next(r for r in records if r.product == "Hyper-V Server" and r.cycle == "2016")
    moved = replace(hv, eol=parse_milestone("2027-02-12"))
    extra = CHANGES_SHOWN + 5
    added = [replace(hv, cycle=f"30{i:02d}", support_end=None, eol=None) for i in range(extra)]
    # The added cycles come first in the data: the section still lists the moved date first.
    doc = parse(
        write_report(
            added + [moved if r is hv else r for r in records], Settings(), DAY, tmp_path, SMALL, NOW
        )
    )
    section = doc.by_id("changes")
    lines = [li.text() for li in section.find_all("li")]
    assert len(lines) == CHANGES_SHOWN
    assert lines[0] == "Hyper-V Server 2016: end of life moved from 2027-01-12 to 2027-02-12"
    assert lines[1] == "Hyper-V Server 3000 (Microsoft) added"
    assert "6 more changes not listed." in section.text()


def test_milestones_passed_between_reports_are_listed(tmp_path: Path) -> None:
    records = load_dataset(SMALL)
    write_report(records, Settings(), date(2027, 1, 5), tmp_path, SMALL, NOW)
    doc = parse(write_report(records, Settings(), date(2027, 1, 20), tmp_path, SMALL, NOW))
    lines = [li.text() for li in doc.by_id("changes").find_all("li")]
    assert "Hyper-V Server 2016: end of life passed (2027-01-12)" in lines


def test_notes_shared_by_a_product_are_shown_once(tmp_path: Path) -> None:
    records = load_dataset(SMALL)
    shared = "Same caveat on every cycle <b>"
    records = [replace(r, notes=shared) if r.product == "VMware ESXi" else r for r in records]
    doc = parse(write_report(records, Settings(), DAY, tmp_path, SMALL, NOW))
    tbody = next(t for t in doc.find("table", "cycles").find_all("tbody") if "ESXi" in t.text())
    assert [n.text() for n in tbody.find_all("span", "gnote")] == [shared]
    assert all(td.text() == "" for td in tbody.find_all("td", "notes"))
    assert doc.find("table", "cycles").text().count(shared) == 1


@pytest.mark.parametrize("content", ["not json", '{"as_of": "2026-11-20", "rows": [["x"]]}', "[]"])
def test_damaged_snapshot_means_no_changes_section_not_an_error(tmp_path: Path, content: str) -> None:
    (tmp_path / "snapshot.json").write_text(content, encoding="utf-8")
    doc = parse(write_report(load_dataset(SMALL), Settings(), DAY, tmp_path, SMALL, NOW))
    assert not [n for n in doc.iter() if n.attrs.get("id") == "changes"]
    assert '"as_of":"2026-11-26"' in (tmp_path / "snapshot.json").read_text(encoding="utf-8")


def test_an_earlier_day_keeps_the_snapshot_and_it_is_read_once(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    records = load_dataset(SMALL)
    write_report(records, Settings(), DAY, tmp_path, SMALL, NOW)
    kept = (tmp_path / "snapshot.json").read_text(encoding="utf-8")
    reads: list[Path] = []
    read_text = Path.read_text

    def counting(self: Path, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        if self.name == "snapshot.json":
            reads.append(self)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting)
    write_report(records, Settings(), date(2026, 11, 20), tmp_path, SMALL, NOW)
    assert len(reads) == 1  # read once for both "changes since" and the new snapshot
    monkeypatch.undo()
    # A report for an earlier day does not move the baseline back.
    assert (tmp_path / "snapshot.json").read_text(encoding="utf-8") == kept


def test_pruning_a_report_removes_its_full_timeline_too(tmp_path: Path) -> None:
    settings = Settings(report=ReportSettings(out_dir=tmp_path, keep_days=30))
    old = date(2029, 6, 1)  # SMALL has cycles ended over two years before: a full timeline is written
    write_report(load_dataset(SMALL), settings, old, tmp_path, SMALL, NOW)
    assert (tmp_path / "lifecycle-2029-06-01-timeline.html").is_file()
    write_report(load_dataset(SMALL), settings, date(2029, 8, 1), tmp_path, SMALL, NOW)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "lifecycle-2029-06-01.html" not in names
    assert "lifecycle-2029-06-01-timeline.html" not in names
    assert "lifecycle-2029-08-01-timeline.html" in names


def test_headline_dates_never_break_and_text_stays_escaped(tmp_path: Path) -> None:
    from tracker.templating import dates_whole

    assert str(dates_whole("<b> ends 2027-01-12; 2026-08")) == (
        '&lt;b&gt; ends <time datetime="2027-01-12">2027-01-12</time>; <time datetime="2026-08">2026-08</time>'
    )
    page = write_report(load_dataset(SMALL), Settings(), DAY, tmp_path, SMALL, NOW).read_text()
    headline = page[page.index('<h1 id="headline">') : page.index("</h1>")]
    assert re.search(r'<time datetime="(\d{4}-\d{2}-\d{2})">\1</time>', headline), headline


def test_old_end_of_life_count_links_the_full_table(tmp_path: Path) -> None:
    later = date(2028, 1, 1)
    doc = parse(write_report(load_dataset(SMALL), Settings(), later, tmp_path, SMALL, NOW))
    older = doc.by_id("older-eol")
    assert older.text().startswith("2 more cycles ended over 365 days ago")
    assert older.find("a").attrs["href"] == "#cycles"


def test_product_sources_on_one_host_are_told_apart() -> None:
    base = load_dataset(SMALL)[0]
    records = [
        replace(base, cycle="1", source="https://learn.example.org/lifecycle/products/p-1"),
        replace(
            base,
            cycle="2",
            source="https://learn.example.org/lifecycle/products/p-2/ ; https://other.example/x",
        ),
    ]
    [group] = group_rows([cycle_row(r, DAY) for r in records])
    assert [s.label for s in group.sources] == [  # newest cycle's sources first
        "learn.example.org/…/p-2",
        "other.example",
        "learn.example.org/…/p-1",
    ]
    assert group.sources[0].href == "https://learn.example.org/lifecycle/products/p-2/"


def test_notes_keep_their_dates_whole_and_stay_escaped() -> None:
    from tracker.report.rows import escape_note

    assert escape_note('<b>"x"</b> ended 2025-04-02). Month 2026-08') == (
        "&lt;b&gt;&quot;x&quot;&lt;/b&gt; ended <time>2025-04-02</time>). Month <time>2026-08</time>"
    )
    assert escape_note("no dates & no hyphens") == "no dates &amp; no hyphens"
