"""`--as-of` moved backwards and forwards, as an engineer replaying or testing does: every threshold
reaches the mailbox once, none twice, none lost."""

from __future__ import annotations

from pathlib import Path

from alerts_support import (
    ESXI_80,
    HYPERV_2016,
    Handler,
    alert,
    smtp_server,
    text_part,
    write_config,
    write_dataset,
)


def test_as_of_backwards_then_forwards_sends_each_threshold_once(tmp_path: Path) -> None:
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016)  # eol 2027-01-12
    handler = Handler()
    days = [
        ("2026-11-26", 90),  # 47 days left
        ("2026-08-01", None),  # back in time: 180 is covered by the 90 already sent
        ("2026-12-20", 30),
        ("2026-12-20", None),
        ("2027-01-06", 7),
        ("2026-12-25", None),  # back again: 30 was sent
        ("2027-01-12", 0),
        ("2027-01-13", None),
    ]
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port)
        for day, threshold in days:
            result = alert(tmp_path, config, as_of=day)
            assert result.returncode == 0, (day, result.stderr)
            assert ("nothing due" in result.stderr) == (threshold is None), (day, result.stderr)
    thresholds = [
        int(line.rsplit(" ", 2)[1])
        for r in handler.received
        for line in text_part(r.message).splitlines()
        if "alert threshold:" in line
    ]
    assert thresholds == [t for _, t in days if t is not None]


def test_an_address_on_two_routes_gets_each_routes_digest(tmp_path: Path) -> None:
    """README "E-mail alerts": a digest is complete for its route, so one address on two routes
    gets two digests, each once."""
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, ESXI_80)
    handler = Handler()
    routes = (("Microsoft/*", ("ops@example.org",)), ("*", ("ops@example.org", "infra@example.org")))
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, routes=routes)
        first = alert(tmp_path, config, as_of="2026-11-26")
        again = alert(tmp_path, config, as_of="2026-11-26")
    assert first.returncode == 0 and again.returncode == 0 and "nothing due" in again.stderr
    got = sorted((r.rcpt_tos, r.message["X-Tracker-Route"]) for r in handler.received)
    assert got == [(["ops@example.org"], "Microsoft/*"), (["ops@example.org", "infra@example.org"], "*")]
