"""Calendar durations: `expiring --within` and the plan lead times share one parser."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("within", "message"),
    [
        pytest.param("99999y", "'99999y' is too long (at most 100 years)", id="too-long"),
        pytest.param("6 months", "expected a number and a unit d, w, m or y", id="words"),
        pytest.param("-1m", "expected a number and a unit d, w, m or y", id="negative"),
    ],
)
def test_within_out_of_range_is_a_usage_error(within: str, message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "expiring", f"--within={within}", "--as-of", "2026-11-26"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert message in proc.stderr and "internal error" not in proc.stderr
    assert proc.stdout == ""
