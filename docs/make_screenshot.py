"""Regenerate docs/report.png and docs/report-mobile.png from the bundled dataset as of 2026-11-26.

Run: python docs/make_screenshot.py   (needs Chromium at /usr/bin/chromium or CHROMIUM)
"""

from __future__ import annotations

import os
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


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "tracker",
                "--as-of",
                AS_OF,
                "--dataset",
                "datasets/hypervisors.csv",
                "report",
                "--out",
                tmp,
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout.strip()
        url = Path(out).resolve().as_uri()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, width, height in (("report.png", 1280, 1600), ("report-mobile.png", 375, 1200)):
                page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
                page.goto(url)
                page.screenshot(path=str(DOCS / name))
                page.close()
                print(DOCS / name)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
