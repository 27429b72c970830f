"""With `inventory` in tracker.toml, the report gains "Your estate" and digests count hosts."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from tests.conftest import AS_OF, ROOT

HOSTS = ROOT / "examples" / "hosts.csv"


def configure(tmp_path: Path, inventory: bool) -> None:
    text = 'state_dir = "state"\n'
    if inventory:
        text += f'inventory = "{HOSTS}"\n'
    (tmp_path / "tracker.toml").write_text(text)


def test_report_has_your_estate_only_with_an_inventory(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    configure(tmp_path, inventory=False)
    assert tracker("--as-of", AS_OF, "report").returncode == 0
    page = (tmp_path / "reports" / "lifecycle-2026-11-26.html").read_text()
    assert 'id="estate"' not in page
    configure(tmp_path, inventory=True)
    result = tracker("--as-of", AS_OF, "report")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "reports" / "lifecycle-2026-11-26.html").read_text()
    assert 'id="estate"' in page
    assert "21 hosts in the inventory" in page
    assert "Hosts past end of life or within a year of it" in page


def test_digest_items_say_how_many_hosts_they_affect(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    configure(tmp_path, inventory=True)
    result = tracker("--as-of", AS_OF, "alert")
    assert result.returncode == 0, result.stderr
    [eml] = (tmp_path / "state" / "outbox").glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    block = text[text.index("- Hyper-V Server 2016") :]
    block = block[: block.index("\n\n")] if "\n\n" in block else block
    assert "2 hosts: hv-legacy-01.corp.example, hv-legacy-02.corp.example" in block
    assert msg["Subject"].startswith("Hyper-V Server 2016 on 2 hosts: end of life in 47 days (+")


def test_bad_inventory_fails_the_report_cleanly(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "hosts.csv"
    bad.write_text("hostname,product\nh1,ESXi\n")
    (tmp_path / "tracker.toml").write_text(f'state_dir = "state"\ninventory = "{bad}"\n')
    result = tracker("--as-of", AS_OF, "report")
    assert result.returncode == 1
    assert f"{bad}:1: version:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "reports" / "lifecycle-2026-11-26.html").exists()


def test_digest_of_alert_and_run_names_target_and_start_by(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`tracker alert` plans the estate for its digest; `tracker run` reuses the report's plan."""
    for command in ("alert", "run"):
        text = f'state_dir = "state-{command}"\ninventory = "{HOSTS}"\n'
        (tmp_path / "tracker.toml").write_text(text)
        result = tracker("--as-of", AS_OF, command)
        assert result.returncode == 0, result.stderr
        [eml] = (tmp_path / f"state-{command}" / "outbox").glob("*.eml")
        msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        block = body[body.index("- Hyper-V Server 2016") :]
        block = block[: block.index("\n\n")]
        assert "  upgrade to Windows Server 2025, start by 2026-07-12 (4 months overdue)\n" in block, command
