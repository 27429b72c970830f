"""The report in a real browser: headless Debian Chromium driven by Playwright.

Skipped only outside CI when /usr/bin/chromium is missing; with CI set it must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AS_OF, ROOT, SMALL, run_tracker
from tracker.dataset import load_dataset

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
BUNDLED = ROOT / "datasets" / "hypervisors.csv"
HOSTS = ROOT / "examples" / "hosts.csv"

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(
        "Chromium not installed at /usr/bin/chromium (required when CI is set)", allow_module_level=True
    )

# Relative luminance contrast of every visible text element against the first opaque background
# behind it (SVG text: its fill against the chart's background).
CONTRAST_JS = """
() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  const bad = [];
  let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const fg = parse(el instanceof SVGElement ? style.fill : style.color);
    const bg = background(el instanceof SVGElement ? el.closest('div') : el);
    const [a, b] = [lum(fg) + 0.05, lum(bg) + 0.05];
    const ratio = Math.max(a, b) / Math.min(a, b);
    checked++;
    if (ratio < 4.5) bad.push(`${el.tagName}.${el.getAttribute('class')}: ${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 30)}"`);
  }
  return {checked, bad: [...new Set(bad)].slice(0, 20)};
}
"""


# Every ISO date in visible text (2027-01-12, 2026-08) that a line break cuts in two.
BROKEN_DATES_JS = """
() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode()); ) {
    for (const m of n.textContent.matchAll(/\\d{4}-\\d{2}(-\\d{2})?/g)) {
      const range = document.createRange();
      range.setStart(n, m.index);
      range.setEnd(n, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(m[0] + ' in ' + n.parentElement.tagName);
    }
  }
  return broken;
}
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("CI is set but Chromium is missing at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Visit:
    """One page load with every console error and request recorded."""

    def __init__(self, browser: Any, path: Path, width: int, height: int = 800) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.requests, "the page load itself should be recorded"
        assert [u for u in self.requests if not u.startswith("file://")] == []

    def scroll_width(self) -> int:
        return int(self.page.evaluate("document.documentElement.scrollWidth"))


def make_report(tmp_path: Path, dataset: Path, inventory: Path | None = None) -> Path:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    if inventory is not None:
        (tmp_path / "tracker.toml").write_text(f'state_dir = "state"\ninventory = "{inventory}"\n')
    result = run_tracker(
        "--dataset",
        str(dataset),
        "--as-of",
        AS_OF,
        "report",
        "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


@pytest.fixture(scope="module")
def small_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_report(tmp_path_factory.mktemp("small"), SMALL)


@pytest.fixture(scope="module")
def estate_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_report(tmp_path_factory.mktemp("estate"), BUNDLED, HOSTS)


@pytest.fixture(scope="module")
def bundled_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_report(tmp_path_factory.mktemp("bundled"), BUNDLED)


def test_desktop_no_errors_no_network_rows_match(browser: Any, small_report: Path, tmp_path: Path) -> None:
    visit = Visit(browser, small_report, 1280)
    visit.assert_clean()
    assert visit.page.locator("table.cycles tbody tr.cycle").count() == len(load_dataset(SMALL))
    assert visit.page.locator("#needs-action tbody tr").count() == 7
    assert visit.page.locator("#timeline .screen-only svg[role=img] > title").count() == 1
    assert visit.page.evaluate("document.scripts.length") == 0
    visit.page.screenshot(path=str(tmp_path / "report-1280.png"))
    assert (tmp_path / "report-1280.png").stat().st_size > 10_000
    visit.page.close()


def test_phone_width_has_no_page_overflow(browser: Any, small_report: Path, tmp_path: Path) -> None:
    visit = Visit(browser, small_report, 375)
    visit.assert_clean()
    assert visit.scroll_width() <= 375 + 1
    # The chart scrolls inside its own box instead of widening the page; the full table reflows
    # (one cycle a few lines), so no date of it is off-screen.
    inner = visit.page.evaluate("document.querySelector('.screen-only .tl').scrollWidth")
    assert inner > 375
    assert visit.page.evaluate("document.querySelector('#cycles .scroll').scrollWidth") <= 375
    rights = visit.page.evaluate(
        "[...document.querySelectorAll('table.cycles tr.cycle td')].map(e => e.getBoundingClientRect().right)"
    )
    assert rights and max(rights) <= 375
    visit.page.screenshot(path=str(tmp_path / "report-375.png"))
    assert (tmp_path / "report-375.png").stat().st_size > 10_000
    visit.page.close()


def test_text_contrast_at_least_4_5(browser: Any, small_report: Path) -> None:
    visit = Visit(browser, small_report, 1280)
    result = visit.page.evaluate(CONTRAST_JS)
    assert result["checked"] > 100
    assert result["bad"] == []
    visit.page.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_estate_report_text_contrast_at_least_4_5(browser: Any, estate_report: Path, width: int) -> None:
    """Every status and urgency chip, the overdue start-by dates, the phone's labelled cells."""
    visit = Visit(browser, estate_report, width)
    result = visit.page.evaluate(CONTRAST_JS)
    assert result["checked"] > 1000
    assert result["bad"] == []
    visit.page.close()


def test_print_layout_unrolls_scroll_containers(browser: Any, small_report: Path, tmp_path: Path) -> None:
    visit = Visit(browser, small_report, 1280)
    visit.page.emulate_media(media="print")
    styles = visit.page.evaluate(
        "[...document.querySelectorAll('.tl, .scroll')].map(e => getComputedStyle(e).overflowX)"
    )
    assert styles and set(styles) == {"visible"}
    assert visit.page.evaluate("getComputedStyle(document.querySelector('nav.links')).display") == "none"
    pdf = visit.page.pdf(path=str(tmp_path / "report.pdf"), print_background=True)
    assert pdf.startswith(b"%PDF")
    visit.page.close()


def test_bundled_dataset_report_shows_hyper_v_2016_in_needs_action(
    browser: Any, bundled_report: Path, tmp_path: Path
) -> None:
    visit = Visit(browser, bundled_report, 1280)
    visit.assert_clean()
    rows = visit.page.locator("table.cycles tbody tr.cycle").count()
    assert rows == len(load_dataset(BUNDLED))
    needs = visit.page.locator("#needs-action tbody tr[data-key='Microsoft/Hyper-V Server/2016']")
    assert needs.count() == 1
    assert "EOL in 47 days" in needs.inner_text()
    bars = visit.page.locator("#timeline .screen-only svg[role=img] g.cy").count()
    assert 0 < bars < rows  # live cycles and those ended in the last two years
    # Tall chart scrolls inside its box rather than squashing rows.
    box = visit.page.evaluate(
        "(() => { const e = document.querySelector('.tl'); return [e.clientHeight, e.scrollHeight]; })()"
    )
    assert box[1] > box[0]
    visit.page.screenshot(path=str(tmp_path / "bundled-1280.png"))
    visit.page.close()
    phone = Visit(browser, bundled_report, 375)
    phone.assert_clean()
    assert phone.scroll_width() <= 375 + 1
    phone.page.screenshot(path=str(tmp_path / "bundled-375.png"))
    phone.page.close()


def _bottom_of_first_rows(visit: Visit, n: int) -> float:
    """Page y of the bottom of the n-th row of "On your hosts" (the estate's most urgent cycles)."""
    return float(
        visit.page.evaluate(
            f"""(() => {{
              const rows = document.querySelectorAll('#on-hosts tbody tr');
              const r = rows[Math.min({n}, rows.length) - 1].getBoundingClientRect();
              return r.bottom + window.scrollY;
            }})()"""
        )
    )


def test_estate_most_urgent_cycles_are_in_the_first_screen(browser: Any, estate_report: Path) -> None:
    desk = Visit(browser, estate_report, 1280, 1000)
    desk.assert_clean()
    headline = desk.page.locator("#headline").inner_text()
    assert headline.startswith("2 hosts on Hyper-V Server 2016 reach end of life in 47 days")
    first = desk.page.locator("#on-hosts tbody tr").first.inner_text()
    assert "VMware ESXi 6.7" in first and "esx-lab-01.corp.example" in first
    # The five cycles past end of life and the first one coming (Hyper-V Server 2016).
    assert _bottom_of_first_rows(desk, 6) <= 1000
    desk.page.close()
    phone = Visit(browser, estate_report, 375, 812)
    assert phone.scroll_width() <= 375
    assert _bottom_of_first_rows(phone, 6) <= 2 * 812
    phone.page.close()


def test_phone_sees_status_and_today_without_sideways_scrolling(browser: Any, estate_report: Path) -> None:
    phone = Visit(browser, estate_report, 375, 812)
    assert phone.scroll_width() <= 375
    assert phone.page.evaluate(BROKEN_DATES_JS) == []  # no date cut in two by a line break
    # Status is the second column of the full table: visible without scrolling the table.
    right = phone.page.evaluate(
        "document.querySelector('table.cycles tr.cycle td.stc').getBoundingClientRect().right"
    )
    assert right <= 375
    # A cycle close to its end says so in words under its status, not only in colour.
    row = phone.page.locator("#g-ibm-powervm-virtual-i-o-server tr.cycle", has_text="4.1.0")
    assert row.locator(".stc").inner_text().split("\n") == ["Supported", "EOL in 4 days"]
    assert "EOL in" not in phone.page.locator("tr.cycle", has_text="4.1.1").first.inner_text()
    # Per-row notes are on the phone's screen, not in a column far off to the right.
    note = phone.page.locator("table.cycles td.notes:not(:empty)").first
    assert note.is_visible() and note.bounding_box()["width"] <= 375  # type: ignore[index]
    # The timeline opens on today: the today line is inside the chart's visible box.
    box = phone.page.evaluate(
        """(() => {
          const tl = document.querySelector('.screen-only .tl').getBoundingClientRect();
          const line = document.querySelector('.screen-only .tl-plot line.today').getBoundingClientRect();
          return [tl.left, tl.right, line.left];
        })()"""
    )
    assert box[0] < box[2] < box[1]
    # The chart keeps every cycle on your hosts, even one that ended four years ago.
    titles = phone.page.evaluate(
        "[...document.querySelectorAll('.screen-only .tl-plot g.cy title')].map(t => t.textContent)"
    )
    assert [t for t in titles if t.startswith("Broadcom (VMware) VMware ESXi 6.7:")]
    assert not [t for t in titles if t.startswith("Broadcom (VMware) VMware ESXi 6.5:")]
    # Labels stay put when the chart scrolls sideways.
    moved = phone.page.evaluate(
        """(() => {
          const tl = document.querySelector('.screen-only .tl');
          const label = document.querySelector('.screen-only .tl-labels');
          const before = label.getBoundingClientRect().left;
          tl.scrollLeft = 400;
          return [tl.scrollLeft, label.getBoundingClientRect().left - before];
        })()"""
    )
    assert moved[0] > 0 and abs(moved[1]) < 1
    phone.page.close()


def test_full_timeline_opens_on_today_on_a_phone(browser: Any, estate_report: Path) -> None:
    report = Visit(browser, estate_report, 375, 812)
    href = report.page.get_attribute("#full-timeline-link", "href")
    report.page.close()
    assert href is not None and href.endswith("#today")
    name, fragment = href.split("#")
    page = browser.new_page(viewport={"width": 375, "height": 812})
    page.goto((estate_report.parent / name).resolve().as_uri() + "#" + fragment)
    box = page.evaluate(
        """(() => {
          const tl = document.querySelector('.tl');
          const line = document.querySelector('.tl-plot line.today').getBoundingClientRect();
          const r = tl.getBoundingClientRect();
          return [tl.scrollLeft, r.left, r.right, line.left, r.top, r.bottom, window.innerHeight];
        })()"""
    )
    scroll, left, right, today, top, bottom, height = box
    assert scroll > 0  # the chart starts in 2007: it opened scrolled to today
    assert left + 118 < today < right  # right of the sticky labels, inside the box
    assert top < height and bottom > 0  # and the chart is on screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.close()


def _pdf_pages(pdf: bytes) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_printed_brief_of_bundled_dataset_and_example_hosts_fits_eight_a4_pages(
    browser: Any, estate_report: Path
) -> None:
    visit = Visit(browser, estate_report, 1280)
    visit.page.emulate_media(media="print")
    assert visit.page.evaluate("getComputedStyle(document.querySelector('.print-only')).display") == "block"
    assert visit.page.evaluate("getComputedStyle(document.querySelector('#cycles')).breakBefore") == "page"
    src = visit.page.evaluate("getComputedStyle(document.querySelector('.srcs .src a'), '::after').content")
    assert "https://" in src  # URLs printed in full
    pdf = visit.page.pdf(format="A4", print_background=True)
    assert 2 <= _pdf_pages(pdf) <= 8
    visit.page.close()


def _pdf_page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, laid out (poppler's pdftotext; CI installs poppler-utils)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but pdftotext (poppler-utils) is missing")
        pytest.skip("pdftotext (poppler-utils) not installed")
    path = tmp_path / "brief.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return [page for page in done.stdout.split("\f") if page.strip()]


def test_printed_brief_strands_no_heading_and_charts_every_action_whole(
    browser: Any, estate_report: Path, tmp_path: Path
) -> None:
    visit = Visit(browser, estate_report, 1280)
    visit.page.emulate_media(media="print")
    # The brief's chart: every cycle of the action lists, even one past end of life for years,
    # each label whole inside its column (a label wider than the column was cut at its start).
    labels = visit.page.evaluate(
        """[...document.querySelectorAll('.print-only .tl-labels text:not(.gl)')]
             .map(t => [t.textContent, t.getBBox().x])"""
    )
    assert "VMware ESXi 6.7" in [name for name, _ in labels]
    assert [name for name, x in labels if x < 0] == []
    ended = visit.page.evaluate(
        "[...document.querySelectorAll('.print-only .tl-plot text.end')].map(t => t.textContent)"
    )
    assert "ended 2023-11-15" in ended  # its bar ended before the axis: the date is still written
    # In the appendix a cycle within 90 days of end of life says so in words beside its status.
    words = visit.page.evaluate(
        """[...document.querySelectorAll('table.cycles .ut')]
             .filter(e => getComputedStyle(e).display !== 'none').map(e => e.textContent)"""
    )
    assert "EOL in 4 days" in words and "EOL in 47 days" in words
    assert all(w.startswith("EOL in") and w.endswith(" days") for w in words), words
    headings = visit.page.evaluate(
        "[...document.querySelectorAll('h2, caption')].map(e => e.textContent.trim().slice(0, 30))"
    )
    pages = _pdf_page_texts(visit.page.pdf(format="A4", print_background=True), tmp_path)
    assert len(pages) >= 3
    for number, page in enumerate(pages[:-1], 1):
        last = [line.strip() for line in page.splitlines() if line.strip()][-1]
        # No page ends with a heading, a table's caption or its header row alone.
        assert not last.startswith(("Urgency", "Cycle ")), (number, last)
        assert not [h for h in headings if last.startswith(h)], (number, last)
    visit.page.close()


def test_digest_html_reflows_to_a_375_px_phone(browser: Any, tmp_path: Path) -> None:
    """The digest of the bundled dataset with examples/hosts.csv, opened as a mail client would."""
    import email
    import email.policy

    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    (tmp_path / "tracker.toml").write_text(
        f'state_dir = "state"\ninventory = "{HOSTS}"\n[report]\nurl = "https://intranet.example.org/t/"\n'
    )
    result = run_tracker("--as-of", AS_OF, "alert", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    [eml] = (tmp_path / "state" / "outbox").glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["Subject"].startswith("Hyper-V Server 2016 on 2 hosts: end of life in 47 days (+")
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    page = tmp_path / "digest.html"
    page.write_text(html, encoding="utf-8")
    for width in (375, 600, 800):
        visit = Visit(browser, page, width, 812)
        visit.assert_clean()
        assert visit.scroll_width() <= width, width
        wide = visit.page.evaluate(
            f"[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > {width} + 1).length"
        )
        assert wide == 0
        first = visit.page.locator(".card").first.inner_text()
        assert "Hyper-V Server 2016" in first and "hv-legacy-01.corp.example" in first
        assert visit.page.locator("#report-link").get_attribute("href") == (
            "https://intranet.example.org/t/lifecycle-2026-11-26.html"
        )
        result_contrast = visit.page.evaluate(CONTRAST_JS)
        assert result_contrast["bad"] == []
        assert visit.page.evaluate(BROKEN_DATES_JS) == []
        visit.page.close()
