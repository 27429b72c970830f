"""The Atom feed of changes (SPEC section 10): `tracker run` keeps DIR/tracker.atom, one entry per
change, stable ids, newest first, bounded; parsed with feedparser and checked element by element
against RFC 4287 with the standard library."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import pytest

from tests.conftest import SMALL
from tracker import atom
from tracker.changes import Change
from tracker.config import Settings
from tracker.dataset import load_dataset
from tracker.errors import TrackerError

NS = {"a": "http://www.w3.org/2005/Atom"}


def check_rfc4287(path: Path) -> ET.Element:
    """The elements RFC 4287 requires (4.1.1, 4.1.2), each exactly once, with valid timestamps."""
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for tag in ("id", "title", "updated"):
        assert len(root.findall(f"a:{tag}", NS)) == 1, tag
    datetime.fromisoformat(root.findtext("a:updated", namespaces=NS).replace("Z", "+00:00"))  # type: ignore[union-attr]
    # Entries without their own author need one on the feed.
    assert root.find("a:author/a:name", NS) is not None
    for entry in root.findall("a:entry", NS):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"a:{tag}", NS)) == 1, tag
        assert entry.findtext("a:id", namespaces=NS).startswith("urn:uuid:")  # type: ignore[union-attr]
        stamp = entry.findtext("a:updated", namespaces=NS)
        assert stamp and datetime.fromisoformat(stamp.replace("Z", "+00:00")).tzinfo is not None
        content = entry.find("a:content", NS)
        assert content is not None and content.get("type") == "text" and content.text
    ids = [e.findtext("a:id", namespaces=NS) for e in root.findall("a:entry", NS)]
    assert len(ids) == len(set(ids))
    return root


def configure(tmp_path: Path, extra: str = "") -> Path:
    data = tmp_path / "hypervisors.csv"
    data.write_text(SMALL.read_text())
    (tmp_path / "tracker.toml").write_text(
        f'dataset = "{data}"\nstate_dir = "state"\n[report]\nout_dir = "reports"\n{extra}'
    )
    return data


def entries(tmp_path: Path) -> list[feedparser.FeedParserDict]:
    parsed = feedparser.parse((tmp_path / "reports" / "tracker.atom").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return list(parsed.entries)


def test_a_moved_date_adds_exactly_one_entry(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = configure(tmp_path, 'url = "https://intranet.example.org/tracker/"\n')
    first = tracker("--as-of", "2026-11-26", "run")
    assert first.returncode == 0, first.stderr
    feed = tmp_path / "reports" / "tracker.atom"
    check_rfc4287(feed)
    assert entries(tmp_path) == []  # the first run takes the snapshot; nothing has changed yet

    data.write_text(
        data.read_text().replace(
            "2022-01-11,2027-01-12,,https://learn.microsoft.com/lifecycle/products/hyper-v",
            "2022-01-11,2027-04-13,,https://learn.microsoft.com/lifecycle/products/hyper-v",
            1,
        )
    )
    second = tracker("--as-of", "2026-11-26", "run")
    assert second.returncode == 0, second.stderr
    assert "change feed: 1 new entry\n" in second.stderr
    root = check_rfc4287(feed)
    [entry] = entries(tmp_path)
    assert entry.title == (
        "Hyper-V Server 2016: end of extended support (end of life) moved from 2027-01-12 to 2027-04-13"
    )
    assert "Days to end of life: 138" in entry.content[0].value
    assert entry.tags[0].term == "moved"
    assert [link.href for link in entry.links if link.rel == "related"] == [
        "https://learn.microsoft.com/lifecycle/products/hyper-v-server-2016"
    ]
    assert (
        root.find("a:link[@rel='self']", NS).get("href")
        == "https://intranet.example.org/tracker/tracker.atom"
    )  # type: ignore[union-attr]
    assert root.findtext("a:updated", namespaces=NS) == entry.updated

    third = tracker("--as-of", "2026-11-26", "run")  # nothing changed since: nothing added
    assert third.returncode == 0
    assert [e.id for e in entries(tmp_path)] == [entry.id]


def test_passed_milestones_and_added_cycles_newest_first(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = configure(tmp_path)
    assert tracker("--as-of", "2026-11-26", "run").returncode == 0
    # Seven weeks later: Hyper-V Server 2016 and Windows Server 2016 passed end of life on 2027-01-12.
    assert tracker("--as-of", "2027-01-14", "run").returncode == 0
    titles = [e.title for e in entries(tmp_path)]
    assert titles == [
        "Hyper-V Server 2016: end of extended support (end of life) passed (2027-01-12 was the last day)",
        "Windows Server 2016: end of extended support (end of life) passed (2027-01-12 was the last day)",
    ]
    data.write_text(
        data.read_text() + "Proxmox,Proxmox VE,10,1,2027-01-01,,,,https://pve.proxmox.com/wiki/FAQ,vendor,\n"
    )
    assert tracker("--as-of", "2027-01-14", "run").returncode == 0
    found = entries(tmp_path)
    assert found[0].title == "Proxmox VE 10: new release cycle"
    assert len(found) == 3
    stamps = [e.updated for e in found]
    assert stamps == sorted(stamps, reverse=True)
    # Going back in time does not replay milestones, and forward again finds none twice.
    assert tracker("--as-of", "2026-12-01", "run").returncode == 0
    assert tracker("--as-of", "2027-01-14", "run").returncode == 0
    assert len(entries(tmp_path)) == 3


def test_damaged_state_is_named_and_the_report_still_written(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    configure(tmp_path)
    state = tmp_path / "state" / "changes.json"
    state.parent.mkdir()
    state.write_text("{not json")
    result = tracker("--as-of", "2026-11-26", "run")
    assert result.returncode == 1
    assert f"{state}: damaged change feed state" in result.stderr
    assert "remove the file" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "reports" / "lifecycle-2026-11-26.html").is_file()
    assert "report written" in result.stderr


def settings_for(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state")


def test_ids_are_stable_and_derived_from_the_change() -> None:
    moved = Change("moved", "Proxmox", "Proxmox VE", "8", "eol", "2026-08", "2026-09")
    day = date(2026, 11, 26)
    assert atom.entry_id(moved, day) == atom.entry_id(moved, day)
    assert atom.entry_id(moved, day) != atom.entry_id(moved, date(2026, 11, 27))
    again = Change("moved", "proxmox", "PROXMOX VE", "8", "eol", "2026-08", "2026-09")
    assert atom.entry_id(again, day) == atom.entry_id(moved, day)  # names compare case-blind
    passed = Change("passed", "Proxmox", "Proxmox VE", "8", "eol", "2026-08", "2026-08")
    assert atom.entry_id(passed, day) == atom.entry_id(passed, date(2027, 1, 1))  # passes once


def test_feed_is_bounded_and_regenerated_identically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atom, "MAX_ENTRIES", 5)
    settings = settings_for(tmp_path)
    out = tmp_path / "reports"
    records = load_dataset(SMALL)
    now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    atom.write_changes_feed(out, records[:2], settings, now, date(2026, 11, 26))
    added = atom.write_changes_feed(out, records, settings, now, date(2026, 11, 26))
    assert len(added) == len(records) - 2  # every cycle but two is new
    root = check_rfc4287(out / atom.FEED_NAME)
    assert len(root.findall("a:entry", NS)) == 5
    before = (out / atom.FEED_NAME).read_text()
    assert atom.write_changes_feed(out, records, settings, now, date(2026, 11, 26)) == []
    assert (out / atom.FEED_NAME).read_text() == before
    assert sorted(p.name for p in out.iterdir()) == ["tracker.atom"]  # no temp file left


def test_dataset_text_is_escaped_in_the_xml(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    out = tmp_path / "reports"
    records = load_dataset(SMALL)
    now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    atom.write_changes_feed(out, records[:1], settings, now, date(2026, 11, 26))
    from dataclasses import replace

    hostile = replace(records[1], product='<script>alert("x")</script> & Co')
    atom.write_changes_feed(out, [records[0], hostile], settings, now, date(2026, 11, 26))
    text = (out / atom.FEED_NAME).read_text()
    assert "<script>" not in text
    root = check_rfc4287(out / atom.FEED_NAME)
    assert (
        root.findtext("a:entry/a:title", namespaces=NS)
        == '<script>alert("x")</script> & Co 2019: new release cycle'
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "Not a directory"), (b"\xff\xfe{", "not UTF-8 text")],
    ids=["under-a-file", "not-utf8"],
)
def test_unreadable_state_is_one_sentence_naming_the_file(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    if content is None:
        (tmp_path / "state").write_text("a file where the state directory should be")
        path = tmp_path / "state" / "changes.json"
    else:
        path = tmp_path / "changes.json"
        path.write_bytes(content)
    with pytest.raises(TrackerError) as caught:
        atom.load_state(path)
    [message] = caught.value.messages
    assert message.startswith(f"{path}: cannot read the change feed state: {reason}")
    assert "Errno" not in message
