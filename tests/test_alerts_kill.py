"""kill -9 at random points of `tracker alert`, against a counting SMTP server: 0 lost, <= 1 duplicate per kill.

Each attempt is a real `python -m tracker alert` process, killed with SIGKILL either after a random
delay (start-up, ledger, planning, sending) or by the server itself at a random SMTP stage (MAIL,
RCPT, while the data arrives, or just after accepting it, before the client reads the reply). With a
threshold every day, each new day has new alerts; after an attempt, the day moves on or not (at
random), so that a later attempt on the same day retries what a killed one left pending. A final clean run finishes the last day. Then:

- every delivery the ledger records really reached that recipient (nothing recorded that was lost),
  nothing is left pending and nothing is due (nothing lost);
- every copy a recipient received twice has the same Message-ID (receivers can drop it), and there
  are no more duplicate messages than kills.

``TRACKER_KILL_SEED`` replays a run; the seed is in every assertion message.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from alerts_support import ESXI_80, HYPERV_2016, ledger_rows, smtp_server, write_config, write_dataset
from conftest import clean_env

WINDOWS_2016 = HYPERV_2016.replace("Hyper-V Server", "Windows Server").replace(
    "hyper-v-server-2016", "windows-server-2016"
)
KILLS = 50
MAX_ATTEMPTS = 90
STAGES = ("timer", "MAIL", "RCPT", "DATA-arrived", "DATA-accepted")
ITEM = re.compile(r"^- (.+) \(.+\)$")
THRESHOLD = re.compile(r"^  alert threshold: (\d+) days$")


@dataclass
class Counting:
    """Accepts everything, remembers every message per recipient, and kills the client on cue."""

    delay: float = 0.02
    messages: list[tuple[tuple[str, ...], str, frozenset[tuple[str, int]]]] = field(default_factory=list)
    victim: int | None = None
    kill_at: str | None = None
    kill_on: int = 1
    seen: Counter[str] = field(default_factory=Counter)
    kills_by_stage: Counter[str] = field(default_factory=Counter)

    def _maybe_kill(self, stage: str) -> bool:
        self.seen[stage] += 1
        if self.victim and self.kill_at == stage and self.seen[stage] == self.kill_on:
            os.kill(self.victim, signal.SIGKILL)
            self.kills_by_stage[stage] += 1
            self.victim = None
            return True
        return False

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self._maybe_kill("MAIL")
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self._maybe_kill("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        if self._maybe_kill("DATA-arrived"):  # the client never hears back; nothing kept
            return "451 client gone"
        await asyncio.sleep(self.delay)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain",))
        assert body is not None
        items, name = set(), ""
        for line in str(body.get_content()).splitlines():
            if m := ITEM.match(line):
                name = m[1]
            elif (m := THRESHOLD.match(line)) and name:
                items.add((name, int(m[1])))
        self.messages.append((tuple(envelope.rcpt_tos), str(msg["Message-ID"]).strip(), frozenset(items)))
        self._maybe_kill("DATA-accepted")  # accepted, but the client dies before the reply
        return "250 OK"


def test_kill_9_at_random_points_loses_nothing_and_doubles_at_most_once_per_kill(tmp_path: Path) -> None:
    seed = int(os.environ.get("TRACKER_KILL_SEED") or time.time_ns() % 1_000_000)
    rng = random.Random(seed)
    dataset = write_dataset(tmp_path / "d.csv", HYPERV_2016, WINDOWS_2016, ESXI_80)
    routes = (("Microsoft/*", ("win1@example.org", "win2@example.org")), ("*", ("infra@example.org",)))
    handler = Counting()
    env = clean_env(tmp_path)
    first_day = date(2026, 11, 26)
    kills = 0
    started = time.monotonic()
    with smtp_server(handler) as port:
        config = write_config(tmp_path, dataset, port, routes)
        config.write_text(
            config.read_text() + "[alerts]\nthresholds_days = [" + ", ".join(map(str, range(700))) + "]\n"
        )

        def attempt(day: date, kill: bool) -> int:
            nonlocal kills
            cmd = [
                sys.executable,
                "-m",
                "tracker",
                "--config",
                str(config),
                "--as-of",
                day.isoformat(),
                "alert",
            ]
            proc = subprocess.Popen(
                cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            stage = rng.choice(STAGES) if kill else None
            handler.seen.clear()
            handler.kill_at, handler.kill_on = stage, rng.randint(1, 2)
            handler.victim = proc.pid if stage and stage != "timer" else None
            if stage == "timer":
                time.sleep(rng.uniform(0.0, 0.6))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    handler.kills_by_stage["timer"] += 1
            proc.communicate(timeout=60)
            handler.victim = None
            if proc.returncode == -signal.SIGKILL:
                kills += 1
            return proc.returncode

        day, attempts = first_day, 0
        while kills < KILLS and attempts < MAX_ATTEMPTS:
            attempt(day, kill=True)
            attempts += 1
            if rng.random() < 0.5:
                day += timedelta(days=1)
        last_day = day
        assert attempt(last_day, kill=False) == 0, f"seed {seed}"
        final = subprocess.run(
            [
                sys.executable,
                "-m",
                "tracker",
                "--config",
                str(config),
                "--as-of",
                last_day.isoformat(),
                "alert",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    elapsed = time.monotonic() - started
    assert final.returncode == 0 and "nothing due" in final.stderr, f"seed {seed}: {final.stderr}"

    rows = ledger_rows(tmp_path / "state")
    assert {r["status"] for r in rows} <= {"sent", "covered"}, f"seed {seed}: left pending or uncertain"
    received = {(rcpt, mid) for rcpts, mid, _ in handler.messages for rcpt in rcpts}
    lost = [r for r in rows if r["status"] == "sent" and (r["recipient"], r["message_id"]) not in received]
    assert lost == [], f"seed {seed}: the ledger records deliveries the server never got: {lost[:3]}"

    per_recipient: Counter[tuple[str, str, int]] = Counter()
    ids_of: dict[tuple[str, str, int], set[str]] = {}
    for rcpts, mid, items in handler.messages:
        for rcpt in rcpts:
            for name, threshold in items:
                per_recipient[(rcpt, name, threshold)] += 1
                ids_of.setdefault((rcpt, name, threshold), set()).add(mid)
    doubled_with_new_id = [k for k, ids in ids_of.items() if len(ids) > 1]
    assert doubled_with_new_id == [], f"seed {seed}: same alert under two Message-IDs"
    duplicate_messages = len(handler.messages) - len({(r, mid) for r, mid, _ in handler.messages})
    assert duplicate_messages <= kills, f"seed {seed}: {duplicate_messages} duplicates for {kills} kills"
    # Only a kill after the server accepted (or a timer kill, which may land there) can double.
    after_accept = handler.kills_by_stage["DATA-accepted"] + handler.kills_by_stage["timer"]
    assert duplicate_messages <= after_accept, f"seed {seed}: a kill before acceptance doubled a digest"
    assert kills >= KILLS, f"seed {seed}: only {kills} of {attempts} attempts were killed"
    print(
        f"\nkill -9 test (seed {seed}): {attempts} attempts, {kills} killed "
        f"({dict(handler.kills_by_stage)}), {len(handler.messages)} messages accepted, "
        f"0 lost, {duplicate_messages} duplicate messages (same Message-ID), {elapsed:.1f} s"
    )
