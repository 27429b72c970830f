"""Helpers for the alert tests: a real aiosmtpd server on 127.0.0.1, configs, datasets, the ledger."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from conftest import AS_OF, clean_env, free_port, run_in_process, state_rows

HEADER = "vendor,product,cycle,type,release,support_end,eol,extended_end,source,confidence,notes"
HYPERV_2016 = (
    "Microsoft,Hyper-V Server,2016,1,2016-10-15,2022-01-11,2027-01-12,,"
    "https://learn.microsoft.com/lifecycle/products/hyper-v-server-2016,vendor,"
)
ESXI_80 = (
    "Broadcom (VMware),VMware ESXi,8.0,1,2022-10-11,2027-10-11,2027-10-11,2029-10-11,"
    "https://knowledge.broadcom.com/external/article?legacyId=2145103,vendor,"
)
OLD_ESXI = (
    "Broadcom (VMware),VMware ESXi,6.5,1,2016-11-15,2022-10-15,2022-10-15,2023-11-15,"
    "https://endoflife.date/esxi,secondary,"
)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Handler:
    """Records accepted messages. ``plan`` scripts DATA replies: "ok", "drop", "slow:SECONDS" or an
    SMTP reply such as "451 4.3.0 try later"; once the plan is used up every message is accepted."""

    plan: list[str] = field(default_factory=list)
    reject_rcpt: str | None = None
    """RCPT TO addresses containing this get 550."""
    refuse: dict[str, str] = field(default_factory=dict)
    """RCPT TO addresses containing a key get its reply (e.g. "452 4.2.2 mailbox full")."""
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    message_ids: list[str] = field(default_factory=list)
    """Message-ID of every message whose data arrived (accepted or not)."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.reject_rcpt and self.reject_rcpt in address:
            return "550 5.1.1 mailbox unavailable"
        for part, reply in self.refuse.items():
            if part in address:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        self.message_ids.append(
            str(message_from_bytes(envelope.content, policy=policy.default)["Message-ID"]).strip()
        )
        step = self.plan.pop(0) if self.plan else "ok"
        if self.delay:
            await asyncio.sleep(self.delay)
        if step.startswith("slow:"):  # accept, but only after this many seconds
            await asyncio.sleep(float(step.removeprefix("slow:")))
            step = "ok"
        if step == "drop":
            server.transport.close()
            return "421 closing"
        if step != "ok":
            return step
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"


@contextmanager
def smtp_server(handler: Any, port: int | None = None, **kwargs: Any) -> Iterator[int]:
    """Run aiosmtpd with ``handler`` (a Handler, or any aiosmtpd handler) on 127.0.0.1 (a free port unless
    given); yields the port."""
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def write_dataset(path: Path, *rows: str) -> Path:
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


def write_config(
    tmp_path: Path,
    dataset: Path | None,
    port: int | None,
    routes: Sequence[tuple[str, Sequence[str]]] = (("*", ("infra@example.org",)),),
    smtp_extra: str = "",
    name: str = "tracker.toml",
    state: str = "state",
    lock_timeout: float | None = None,
) -> Path:
    """tracker.toml in tmp_path; port None = no [smtp] section (outbox delivery)."""
    lines = [f'state_dir = "{tmp_path / state}"']
    if dataset is not None:
        lines.append(f'dataset = "{dataset}"')
    if lock_timeout is not None:
        lines += ["[schedule]", f"lock_timeout_seconds = {lock_timeout}"]
    if port is not None:
        lines += [
            "[smtp]",
            'host = "127.0.0.1"',
            f"port = {port}",
            'security = "none"',
            'from = "tracker@example.org"',
            "timeout = 5",
            "retries = 2",
            "retry_backoff_seconds = 0.01",
            smtp_extra,
        ]
    for match, to in routes:
        lines += ["[[routes]]", f'match = "{match}"', "to = [" + ", ".join(f'"{a}"' for a in to) + "]"]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def alert(
    tmp_path: Path, config: Path, *args: str, as_of: str = AS_OF, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`tracker --config CONFIG --as-of AS_OF alert ARGS` (in-process) in a clean environment."""
    return run_in_process(
        "--config",
        str(config),
        "--as-of",
        as_of,
        "alert",
        *args,
        cwd=tmp_path,
        env=env or clean_env(tmp_path),
    )


def ledger_rows(state_dir: Path) -> list[dict[str, Any]]:
    """Ledger rows as dicts (empty when the ledger does not exist yet)."""
    return state_rows(state_dir, "alert_deliveries")


def sent_rows(state_dir: Path) -> list[tuple[str, str, str, int]]:
    return [
        (r["product"], r["cycle"], r["milestone"], r["threshold"])
        for r in ledger_rows(state_dir)
        if r["status"] == "sent"
    ]


def text_part(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_part(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def csv_line(*cells: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="", quoting=csv.QUOTE_ALL).writerow(cells)
    return buf.getvalue()


def make_shared_dir() -> Iterator[Path]:
    """A directory an unprivileged user can enter (pytest's tmp_path is root-only); for a fixture."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run tracker as an unprivileged user")
    path = Path(tempfile.mkdtemp(prefix="tracker-ro-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def as_nobody(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            sys.executable,
            "-m",
            "tracker",
            *args,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
