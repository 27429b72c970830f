"""Regenerate the README's pictures from the bundled dataset and examples/hosts.csv as of 2026-11-26.

- docs/report.png         the report at 1280 x 1000 (the first screen of a desktop browser)
- docs/report-mobile.png  the report at 375 x 812 (the first screen of a phone)
- docs/report-print.png   the first page of the report printed to an A4 PDF (pdftoppm, 96 dpi)
- docs/digest-mobile.png  the day's digest email opened at 375 px

Run: python docs/make_screenshot.py   (needs Chromium at /usr/bin/chromium or CHROMIUM)
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
AS_OF = "2026-11-26"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CONFIG = """state_dir = "state"
dataset = "{root}/datasets/hypervisors.csv"
inventory = "{root}/examples/hosts.csv"

[report]
out_dir = "reports"
url = "https://intranet.example.org/tracker/"
"""


def tracker(tmp: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    done = subprocess.run(
        [sys.executable, "-m", "tracker", "--as-of", AS_OF, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp,
        env=env,
    )
    return done.stdout.strip()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "tracker.toml").write_text(CONFIG.format(root=ROOT), encoding="utf-8")
        tracker(tmp, "run")
        report = tmp / "reports" / f"lifecycle-{AS_OF}.html"
        [eml] = (tmp / "state" / "outbox").glob("*.eml")
        msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        body = msg.get_body(("html",))
        assert body is not None
        digest = tmp / "digest.html"
        digest.write_text(body.get_content(), encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            shots = (
                ("report.png", report, 1280, 1000, "screen"),
                ("report-mobile.png", report, 375, 812, "screen"),
                ("digest-mobile.png", digest, 375, 812, "screen"),
            )
            for name, page_path, width, height, media in shots:
                page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
                page.emulate_media(media=media)  # type: ignore[arg-type]
                page.goto(page_path.resolve().as_uri())
                page.screenshot(path=str(DOCS / name))
                page.close()
                print(DOCS / name)
            print_first_page(browser, report, tmp)
            browser.close()
    return 0


def print_first_page(browser: object, report: Path, tmp: Path) -> None:
    """Page 1 of the real A4 PDF (margins, page breaks); without pdftoppm, the print stylesheet
    on an A4-sized screen instead."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
    page.emulate_media(media="print")
    page.goto(report.resolve().as_uri())
    out = DOCS / "report-print.png"
    if shutil.which("pdftoppm"):
        pdf = tmp / "report.pdf"
        pdf.write_bytes(page.pdf(format="A4", print_background=True))
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "96",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(out.with_suffix("")),
            ],
            check=True,
        )
    else:
        page.set_viewport_size({"width": 794, "height": 1123})
        page.screenshot(path=str(out))
    page.close()
    print(out)


if __name__ == "__main__":
    sys.exit(main())
