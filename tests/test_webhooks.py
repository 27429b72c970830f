"""Webhooks (SPEC section 10) against a real HTTP receiver on 127.0.0.1: the Slack, Teams and JSON
payloads, retries on 5xx / 429 / connection errors with Retry-After, none on other 4xx, and URLs that
never reach a log line."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SMALL, free_port
from tracker.alerts.due import due_alerts
from tracker.alerts.ledger import webhook_key
from tracker.alerts.webhook import (
    build_payload,
    deliver_webhook,
    retry_after_seconds,
)
from tracker.config import AlertSettings, Route, Webhook
from tracker.dataset import load_dataset

AS_OF = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
SECRET = "T000/B000/s3cr3t-t0ken"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (longer than the client's timeout: no answer)."""


@dataclass
class Receiver:
    """A webhook receiver: records each request, answers from a script (then 200 ok)."""

    url: str
    requests: list[dict[str, Any]]
    script: list[Reply]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="", requests=[], script=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            reply = state.script.pop(0) if state.script else Reply()
            if reply.delay:
                time.sleep(reply.delay)
            # A client that gave up (timeout) has closed the socket: a traceback from this thread
            # would land in whatever test captures stderr next.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/{SECRET}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def due_items() -> tuple[Route, list[Any]]:
    route = Route(match="*", to=())
    plan = due_alerts(load_dataset(SMALL), AlertSettings(), (route,), (), (), AS_OF)
    [(route, items)] = plan.by_route((route,))
    return route, items


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def deliver(receiver: Receiver, kind: str = "json", **kw: Any) -> tuple[Any, list[str], Sleeps]:
    route, items = due_items()
    payload = build_payload(kind, items, route, AS_OF, NOW)
    logs: list[str] = []
    sleeps = Sleeps()
    kw.setdefault("timeout", 5)
    result = deliver_webhook(
        Webhook(kind=kind, url=receiver.url), payload, sleep=sleeps, log=logs.append, **kw
    )
    return result, logs, sleeps


def test_json_payload_shape(receiver: Receiver) -> None:
    route, items = due_items()
    hosts = {items[0].record.key: 2}
    extra = {items[0].record.key: {"target": "Windows Server 2025", "start_by": "2026-07-12"}}
    body = build_payload(
        "json", items, route, AS_OF, NOW, hosts, "https://intranet.example.org/tracker/", extra
    )
    result = deliver_webhook(Webhook(kind="json", url=receiver.url), body, sleep=Sleeps())
    assert result.ok and result.status == 200 and result.attempts == 1
    [request] = receiver.requests
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert request["path"] == f"/hooks/{SECRET}"
    data = json.loads(request["body"])
    assert data["schema_version"] == 1
    assert data["as_of"] == "2026-11-26"
    assert data["route"] == "*"
    assert data["report_url"] == "https://intranet.example.org/tracker/lifecycle-2026-11-26.html"
    first = data["items"][0]
    assert first == {
        "vendor": "Microsoft",
        "product": "Hyper-V Server",
        "cycle": "2016",
        "milestone": "eol",
        "milestone_label": "end of extended support (end of life)",
        "date": "2027-01-12",
        "days_left": 47,
        "threshold": 90,
        "status": "security-only",
        "moved_from": None,
        "sources": ["https://learn.microsoft.com/lifecycle/products/hyper-v-server-2016"],
        "confidence": "vendor",
        "hosts": 2,
        "target": "Windows Server 2025",
        "start_by": "2026-07-12",
    }
    assert [i["date"] for i in data["items"]] == sorted(i["date"] for i in data["items"])
    assert all(
        i["hosts"] == 0 for i in data["items"][1:] if i["product"] != "Hyper-V Server" or i["cycle"] != "2016"
    )
    # No inventory, no plan: no host counts and no target keys at all.
    plain = json.loads(build_payload("json", items, route, AS_OF, NOW))
    assert "hosts" not in plain["items"][0] and "target" not in plain["items"][0]
    assert plain["report_url"] is None


def test_slack_payload_shape(receiver: Receiver) -> None:
    result, _, _ = deliver(receiver, "slack")
    assert result.ok
    data = json.loads(receiver.requests[0]["body"])
    _, items = due_items()
    assert data["text"].startswith(f"[tracker] {len(items)} lifecycle alerts: Hyper-V Server 2016")
    blocks = data["blocks"]
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["type"] == "plain_text"
    assert len(blocks[0]["text"]["text"]) <= 150
    body = blocks[1:-1]
    assert [b["type"] for b in body] == ["section", "context"] * len(items)
    first = body[0]["text"]
    assert first["type"] == "mrkdwn"
    assert first["text"].startswith("*Hyper-V Server 2016* (Microsoft)\n")
    assert "end of extended support (end of life): 2027-01-12, 47 days left" in first["text"]
    source = body[1]["elements"][0]["text"]
    assert (
        source
        == "Source: <https://learn.microsoft.com/lifecycle/products/hyper-v-server-2016|learn.microsoft.com>"
    )
    assert blocks[-1]["type"] == "context" and "As of 2026-11-26" in blocks[-1]["elements"][0]["text"]
    assert len(blocks) <= 50


def test_chat_payloads_show_hosts_target_and_start_by_when_planned() -> None:
    route, items = due_items()
    key = items[0].record.key
    args = (
        items,
        route,
        AS_OF,
        NOW,
        {key: 2},
        None,
        {key: {"target": "Windows Server 2025", "start_by": "2026-07-12"}},
    )
    slack = json.loads(build_payload("slack", *args))
    assert slack["blocks"][1]["text"]["text"].endswith(
        "47 days left\n2 hosts affected\nupgrade to Windows Server 2025\nstart by 2026-07-12"
    )
    card = json.loads(build_payload("teams", *args))["attachments"][0]["content"]
    facts = next(b for b in card["body"] if b["type"] == "Container")["items"][1]["facts"]
    assert facts[-3:] == [
        {"title": "Hosts", "value": "2"},
        {"title": "Upgrade to", "value": "Windows Server 2025"},
        {"title": "Start by", "value": "2026-07-12"},
    ]


def test_slack_escapes_dataset_text_and_caps_blocks() -> None:
    route = Route(match="*")
    _, items = due_items()
    from dataclasses import replace

    hostile = replace(items[0], record=replace(items[0].record, product="<!channel> & <http://evil|x>"))
    many = [hostile] + [replace(items[0], record=replace(items[0].record, cycle=str(n))) for n in range(60)]
    data = json.loads(build_payload("slack", many, route, AS_OF, NOW))
    # Everything Slack reads as mrkdwn is escaped (the header is plain_text: shown as typed).
    mrkdwn = [data["text"], *(b["text"]["text"] for b in data["blocks"] if b["type"] == "section")]
    assert not any("<!channel>" in t for t in mrkdwn)
    assert "&lt;!channel&gt; &amp; &lt;http://evil|x&gt;" in data["text"]
    assert data["blocks"][1]["text"]["text"].startswith("*&lt;!channel&gt; &amp; &lt;http://evil|x&gt; 2016*")
    assert len(data["blocks"]) <= 50
    assert "…and 38 more (see the report)" in data["blocks"][-1]["elements"][0]["text"]


def test_teams_payload_is_an_adaptive_card_in_a_message(receiver: Receiver) -> None:
    route, items = due_items()
    body = build_payload(
        "teams", items, route, AS_OF, NOW, {items[0].record.key: 2}, "https://r.example.org/t"
    )
    assert deliver_webhook(Webhook(kind="teams", url=receiver.url), body, sleep=Sleeps()).ok
    data = json.loads(receiver.requests[0]["body"])
    assert data["type"] == "message"
    [attachment] = data["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    containers = [b for b in card["body"] if b["type"] == "Container"]
    assert len(containers) == len(items)
    head, facts, links = containers[0]["items"]
    assert head["text"] == "Hyper-V Server 2016 (Microsoft)"
    assert {f["title"]: f["value"] for f in facts["facts"]} == {
        "Milestone": "end of extended support (end of life)",
        "Date": "2027-01-12",
        "Days left": "47 days left",
        "Hosts": "2",
    }
    assert "(https://learn.microsoft.com/lifecycle/products/hyper-v-server-2016)" in links["text"]
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open the day's report",
            "url": "https://r.example.org/t/lifecycle-2026-11-26.html",
        }
    ]


def test_5xx_is_retried_with_backoff_then_delivered(receiver: Receiver) -> None:
    receiver.script = [Reply(503, b"busy"), Reply(500, b"oops")]
    result, logs, sleeps = deliver(receiver)
    assert result.ok and result.attempts == 3
    assert len(receiver.requests) == 3
    assert sleeps == [1.0, 2.0]
    assert len({r["body"] for r in receiver.requests}) == 1  # the same payload each time
    assert "HTTP 503" in logs[0] and "attempt 2 of 4" in logs[0]


def test_429_waits_as_retry_after_says(receiver: Receiver) -> None:
    receiver.script = [Reply(429, b"slow down", {"Retry-After": "7"})]
    result, _, sleeps = deliver(receiver)
    assert result.ok and sleeps == [7.0]


def test_503_with_retry_after_waits_as_asked(receiver: Receiver) -> None:
    receiver.script = [Reply(503, b"deploying", {"Retry-After": "3"})]
    result, logs, sleeps = deliver(receiver)
    assert result.ok and result.attempts == 2 and sleeps == [3.0]
    assert "retrying in 3 s" in logs[0]


def test_retry_after_longer_than_the_bound_ends_this_run(receiver: Receiver) -> None:
    receiver.script = [Reply(503, b"maintenance", {"Retry-After": "3600"})]
    result, _, sleeps = deliver(receiver, max_wait=60)
    assert not result.ok and result.retryable and result.status == 503
    assert sleeps == [] and len(receiver.requests) == 1
    assert "Retry-After asks for 3600 s" in (result.error or "")


def test_retry_after_http_date() -> None:
    now = datetime(2026, 11, 26, 6, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Thu, 26 Nov 2026 06:00:30 GMT", now) == 30
    assert retry_after_seconds("Thu, 26 Nov 2026 05:00:00 GMT", now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None) is None


def test_retries_are_bounded(receiver: Receiver) -> None:
    receiver.script = [Reply(502)] * 10
    result, _, sleeps = deliver(receiver, retries=2)
    assert not result.ok and result.retryable and result.attempts == 3
    assert len(receiver.requests) == 3 and sleeps == [1.0, 2.0]
    assert "gave up after 3 attempts" in (result.error or "")


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_other_4xx_is_not_retried(receiver: Receiver, status: int) -> None:
    receiver.script = [Reply(status, b"invalid_payload")]
    result, _, sleeps = deliver(receiver)
    assert not result.ok and not result.retryable and result.status == status
    assert len(receiver.requests) == 1 and sleeps == []
    assert f"HTTP {status}" in (result.error or "") and "invalid_payload" in (result.error or "")


def test_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.script = [Reply(302, b"", {"Location": "http://127.0.0.1:9/elsewhere"})]
    result, _, _ = deliver(receiver)
    assert not result.ok and not result.retryable and result.status == 302
    assert len(receiver.requests) == 1
    assert "redirects" in (result.error or "")


def test_connection_refused_is_retried() -> None:
    url = f"http://127.0.0.1:{free_port()}/hooks/{SECRET}"
    route, items = due_items()
    logs: list[str] = []
    sleeps = Sleeps()
    hook = Webhook(kind="json", url=url)
    result = deliver_webhook(hook, build_payload("json", items, route, AS_OF, NOW), 2, 2, sleeps, logs.append)
    assert not result.ok and result.retryable and not result.uncertain
    assert result.attempts == 3 and sleeps == [1.0, 2.0]
    assert "cannot connect" in (result.error or "")
    assert not any(SECRET in line or "/hooks/" in line for line in [*logs, result.error or ""])


def test_no_answer_after_sending_is_uncertain_and_not_repeated(receiver: Receiver) -> None:
    receiver.script = [Reply(200, b"ok", delay=1.5)]
    result, _, sleeps = deliver(receiver, timeout=0.5)
    assert not result.ok and result.uncertain and result.retryable
    assert len(receiver.requests) == 1 and sleeps == []  # may have been posted: never twice in a run
    assert "uncertain" in (result.error or "")


def test_secrets_never_reach_logs_or_errors(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAM_HOOK", receiver.url)
    receiver.script = [Reply(500, f"no such hook {receiver.url}".encode()), Reply(404, SECRET.encode())]
    route, items = due_items()
    logs: list[str] = []
    hook = Webhook(kind="slack", url_env="TEAM_HOOK")
    result = deliver_webhook(
        hook, build_payload("slack", items, route, AS_OF, NOW), 5, 3, Sleeps(), logs.append
    )
    assert not result.ok and result.status == 404
    text = "\n".join([*logs, result.error or ""])
    assert logs and "slack webhook ($TEAM_HOOK)" in logs[0]
    assert SECRET not in text and "/hooks/" not in text


def test_https_is_required_except_on_loopback() -> None:
    payload = b"{}"
    result = deliver_webhook(
        Webhook(kind="json", url="http://chat.example.org/hooks/x"), payload, sleep=Sleeps()
    )
    assert not result.ok and not result.retryable and result.attempts == 0
    assert "https is required" in (result.error or "")
    assert "/hooks/x" not in (result.error or "")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.1.2.3"])
def test_loopback_addresses_may_use_plain_http(host: str, tmp_path: Path) -> None:
    from tracker.config import webhook_url_problem

    assert webhook_url_problem(f"http://{host}:8080/hook") is None


def test_url_from_a_file(receiver: Receiver, tmp_path: Path) -> None:
    secret_file = tmp_path / "hook.url"
    secret_file.write_text(receiver.url + "\n")
    result = deliver_webhook(Webhook(kind="json", url_file=secret_file), b"{}", sleep=Sleeps())
    assert result.ok and receiver.requests[0]["path"] == f"/hooks/{SECRET}"


def test_recipient_key_hides_the_url() -> None:
    key = webhook_key("https://hooks.slack.com/services/T000/B000/XYZ")
    assert key.startswith("webhook:") and len(key) > len("webhook:") + 16
    assert "XYZ" not in key
    assert key == webhook_key("https://hooks.slack.com/services/T000/B000/XYZ")
    assert key != webhook_key("https://hooks.slack.com/services/T000/B000/XYW")


# --- through `tracker alert` and `tracker run`: a webhook is a recipient in the ledger -----------


def hook_config(tmp_path: Path, extra: str = "", kind: str = "slack", timeout: float = 10) -> None:
    (tmp_path / "tracker.toml").write_text(
        f'dataset = "{SMALL}"\nstate_dir = "state"\n{extra}[[routes]]\nmatch = "*"\n'
        f'webhooks = [{{ url_env = "TEAM_HOOK", kind = "{kind}", timeout = {timeout} }}]\n'
    )


def posted_items(receiver: Receiver) -> list[list[str]]:
    """Per request, the ``product cycle`` of each item (JSON payloads)."""
    return [
        [f"{i['product']} {i['cycle']}" for i in json.loads(r["body"])["items"]] for r in receiver.requests
    ]


def test_slack_route_gets_one_message_per_due_threshold_and_none_on_the_next_run(
    tracker, tmp_path: Path, env: dict[str, str], receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    hook_config(tmp_path)
    env["TEAM_HOOK"] = receiver.url
    first = tracker("--as-of", "2026-11-26", "alert", env=env)
    assert first.returncode == 0, first.stderr
    [request] = receiver.requests
    blocks = json.loads(request["body"])["blocks"]
    assert blocks[1]["text"]["text"].startswith("*Hyper-V Server 2016* (Microsoft)")
    assert "posted 5 items (HTTP 200)" in first.stderr
    assert SECRET not in first.stderr + first.stdout and "/hooks/" not in first.stderr
    again = tracker("--as-of", "2026-11-26", "alert", env=env)
    assert again.returncode == 0 and len(receiver.requests) == 1  # delivered once: nothing due now
    # 18 days later Hyper-V Server 2016 and Windows Server 2016 cross the 30-day threshold: one message.
    later = tracker("--as-of", "2026-12-14", "alert", env=env)
    assert later.returncode == 0, later.stderr
    assert len(receiver.requests) == 2
    text = json.dumps(json.loads(receiver.requests[1]["body"]))
    assert "Hyper-V Server 2016" in text and "Windows Server 2016" in text and "VirtualBox" not in text


def test_failed_webhook_is_retried_next_run_alone(
    tracker, tmp_path: Path, env: dict[str, str], receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    hook_config(tmp_path, kind="json")
    env["TEAM_HOOK"] = receiver.url
    receiver.script = [Reply(404, b"no_service")]
    failed = tracker("--as-of", "2026-11-26", "alert", env=env)
    assert failed.returncode == 1
    assert "HTTP 404" in failed.stderr and "the items stay due" in failed.stderr
    assert len(receiver.requests) == 1  # a 404 is not retried
    outbox = sorted((tmp_path / "state" / "outbox").glob("*.eml"))
    assert len(outbox) == 1  # the outbox, another recipient of the route, got its digest
    ok = tracker("--as-of", "2026-11-26", "alert", env=env)
    assert ok.returncode == 0, ok.stderr
    assert posted_items(receiver)[1] == posted_items(receiver)[0]  # the same items, to the webhook
    assert len(sorted((tmp_path / "state" / "outbox").glob("*.eml"))) == 1  # not re-sent elsewhere
    body = json.loads(receiver.requests[1]["body"])
    assert body["schema_version"] == 1 and body["route"] == "*" and body["delivery_id"]
    assert tracker("--as-of", "2026-11-26", "alert", env=env).returncode == 0
    assert len(receiver.requests) == 2


def test_uncertain_post_is_sent_again_next_run_with_the_same_delivery_id(
    tracker, tmp_path: Path, env: dict[str, str], receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    hook_config(tmp_path, kind="json", timeout=0.5)
    env["TEAM_HOOK"] = receiver.url
    receiver.script = [Reply(200, b"ok", delay=2)]  # longer than the configured timeout
    first = tracker("--as-of", "2026-11-26", "alert", env=env)
    assert first.returncode == 1
    assert "uncertain" in first.stderr and len(receiver.requests) == 1
    second = tracker("--as-of", "2026-11-26", "alert", env=env)
    assert second.returncode == 0, second.stderr
    ids = [json.loads(r["body"])["delivery_id"] for r in receiver.requests]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_webhook_only_route_with_smtp_sends_no_mail(
    tracker, tmp_path: Path, env: dict[str, str], receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    # The SMTP server does not exist: a webhook-only route must not try it.
    hook_config(tmp_path, extra=f'[smtp]\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\n')
    env["TEAM_HOOK"] = receiver.url
    result = tracker("--as-of", "2026-11-26", "alert", env=env)
    assert result.returncode == 0, result.stderr
    assert len(receiver.requests) == 1
    assert not (tmp_path / "state" / "outbox").exists()


def test_dry_run_names_the_webhook_and_posts_nothing(
    tracker, tmp_path: Path, env: dict[str, str], receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    hook_config(tmp_path)
    env["TEAM_HOOK"] = receiver.url
    result = tracker("--as-of", "2026-11-26", "alert", "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert "Would post to slack webhook ($TEAM_HOOK) (route *): 5 items" in result.stdout
    assert receiver.requests == []
    assert SECRET not in result.stdout + result.stderr


def test_unset_url_variable_fails_the_route_with_a_sentence(
    tracker, tmp_path: Path, env: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    hook_config(tmp_path)
    env.pop("TEAM_HOOK", None)
    result = tracker("--as-of", "2026-11-26", "run", env=env)
    assert result.returncode == 1
    assert "environment variable TEAM_HOOK is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "reports" / "lifecycle-2026-11-26.html").is_file()


def test_alert_list_shows_items_due_only_for_a_webhook(
    tracker, tmp_path: Path, env: dict[str, str], receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    hook_config(tmp_path, extra=f'[smtp]\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\n')
    env["TEAM_HOOK"] = receiver.url
    listed = tracker("--as-of", "2026-11-26", "alert", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "Hyper-V Server" in listed.stdout and "2016" in listed.stdout
    assert tracker("--as-of", "2026-11-26", "alert", env=env).returncode == 0
    assert len(receiver.requests) == 1
    after = tracker("--as-of", "2026-11-26", "alert", "list", env=env)
    assert after.returncode == 0
    assert SECRET not in listed.stdout + after.stdout


def test_with_an_inventory_and_planning_items_carry_hosts_target_and_start_by(
    tracker, tmp_path: Path, env: dict[str, str], receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    """The JSON payload of a real `tracker alert`: host counts from the configured inventory, and
    ``target`` / ``start_by`` for every item of a planned cycle when the alerts watch ``start_by``."""
    from tests.conftest import ROOT

    (tmp_path / "tracker.toml").write_text(
        f'state_dir = "state"\ninventory = "{ROOT / "examples" / "hosts.csv"}"\n'
        '[alerts]\nmilestones = ["eol", "start_by"]\n'
        '[[routes]]\nmatch = "*"\nwebhooks = [{ url_env = "TEAM_HOOK", kind = "json" }]\n'
    )
    env["TEAM_HOOK"] = receiver.url
    result = tracker("--as-of", "2026-11-26", "alert", env=env)
    assert result.returncode == 0, result.stderr
    [request] = receiver.requests
    items = json.loads(request["body"])["items"]
    by_cycle = {(i["product"], i["cycle"], i["milestone"]): i for i in items}
    eol = by_cycle["Hyper-V Server", "2016", "eol"]
    assert eol["hosts"] == 2 and eol["days_left"] == 47
    assert eol["target"] and eol["start_by"] < eol["date"]
    starts = [i for i in items if i["milestone"] == "start_by"]
    assert starts, [k for k in by_cycle]
    for start in starts:  # a start_by item: its own date is the start-by date
        assert start["start_by"] == start["date"] and start["hosts"] > 0
    assert all("hosts" in i for i in items)  # an inventory: every item says how many hosts (0 too)
    assert any(i["hosts"] == 0 and "target" not in i for i in items)  # not on the hosts: no plan


def test_tracker_config_and_run_never_print_or_store_the_url(
    tracker, tmp_path: Path, env: dict[str, str], receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    """Webhook URLs are secrets wherever they come from (the file itself, the environment, a file):
    `tracker config`, the log of `tracker run` and the state directory show only their labels."""
    (tmp_path / "hook.url").write_text(receiver.url + "?token=qu3ryS3cret\n")
    (tmp_path / "tracker.toml").write_text(
        f'dataset = "{SMALL}"\nstate_dir = "state"\n[[routes]]\nmatch = "*"\nwebhooks = [\n'
        f'  {{ url = "{receiver.url}?token=qu3ryS3cret", kind = "slack" }},\n'
        '  { url_env = "TEAM_HOOK", kind = "teams", timeout = 5 },\n'
        '  { url_file = "hook.url", kind = "json" },\n]\n'
    )
    env["TEAM_HOOK"] = receiver.url.replace("/hooks/", "/teams/")
    shown = tracker("config", env=env)
    assert shown.returncode == 0, shown.stderr
    hooks = json.loads(shown.stdout)["routes"][0]["webhooks"]
    assert hooks == [
        {"kind": "slack", "url": "slack webhook (http://127.0.0.1/…)", "timeout": 10.0},
        {"kind": "teams", "url": "teams webhook ($TEAM_HOOK)", "timeout": 5.0},
        {"kind": "json", "url": f"json webhook ({tmp_path / 'hook.url'})", "timeout": 10.0},
    ]
    run = tracker("--as-of", "2026-11-26", "run", env=env)
    assert run.returncode == 0, run.stderr
    # The file holds the URL the config spells out: one recipient, one post (the first, slack).
    assert sorted(r["path"].split("/")[1] for r in receiver.requests) == ["hooks", "teams"]
    printed = shown.stdout + shown.stderr + run.stdout + run.stderr
    stored = b"".join(p.read_bytes() for p in (tmp_path / "state").rglob("*") if p.is_file())
    for secret in (SECRET, "qu3ryS3cret", "/hooks/", "/teams/"):
        assert secret not in printed and secret.encode() not in stored, secret


def test_alert_and_dry_run_plan_the_webhooks_once(
    tracker, tmp_path: Path, env: dict[str, str], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The webhook posts come from the plan that also lists them (one read of each URL to plan them)."""
    import tracker.alerts.webhook as webhook

    calls: list[int] = []
    real = webhook.plan_webhooks

    def counted(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(webhook, "plan_webhooks", counted)
    hook_config(tmp_path)
    env["TEAM_HOOK"] = receiver.url
    preview = tracker("--as-of", "2026-11-26", "alert", "--dry-run", env=env)
    assert preview.returncode == 0 and receiver.requests == [] and len(calls) == 1
    sent = tracker("--as-of", "2026-11-26", "alert", env=env)
    assert sent.returncode == 0, sent.stderr
    assert len(receiver.requests) == 1 and len(calls) == 2
