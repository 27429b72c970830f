"""`tracker alert`: send due alerts; `list`, `silence` and `unsilence` manage them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tracker.errors import TrackerError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from tracker.context import Context
    from tracker.dataset import LifecycleRecord
    from tracker.plan.inventory import CycleStart


MILESTONE_CHOICES = ("support_end", "eol", "extended_end", "start_by")


def add_arguments(p: argparse.ArgumentParser) -> None:
    from tracker.commands._globals import add_global_options

    p.add_argument(
        "--dry-run", action="store_true", help="print the digests that would be sent; change nothing"
    )
    add_ledger_options(p)
    sub = p.add_subparsers(dest="alert_action", metavar="ACTION")
    ls = sub.add_parser(
        "list",
        help="alerts due now, silenced, unrouted, and delivered before",
        description="Alerts due now, silences, unrouted items and the ledger.",
    )
    si = sub.add_parser(
        "silence",
        help="mute a release cycle's alerts until a date",
        description="Mute alerts for PRODUCT CYCLE (all watched milestones, or "
        "--milestone) until DATE; alerts resume on DATE. Silenced alerts are not "
        "marked delivered: once the silence ends, the most urgent one is sent.",
    )
    si.add_argument(
        "product",
        metavar="PRODUCT",
        help="product name as in the dataset, e.g. 'Hyper-V Server' (case-insensitive)",
    )
    si.add_argument("cycle", metavar="CYCLE", help="release cycle, e.g. 2016")
    si.add_argument("--milestone", choices=MILESTONE_CHOICES, help="only this milestone (default: all)")
    si.add_argument(
        "--until", required=True, metavar="DATE", help="YYYY-MM-DD: first day alerts are sent again"
    )
    si.add_argument("--reason", required=True, metavar="TEXT", help="why (shown by `alert list`)")
    un = sub.add_parser(
        "unsilence",
        help="remove a silence by its ID (see `alert list`)",
        description="Remove a silence; its alerts are due again on the next run.",
    )
    un.add_argument("silence_id", metavar="ID", type=int)
    for sp in (ls, si, un):
        add_global_options(sp, suppress=True)


def add_ledger_options(p: argparse.ArgumentParser) -> None:
    """Shared with `tracker run`."""
    p.add_argument(
        "--accept-new-ledger",
        action="store_true",
        help="start a new alert ledger although an earlier one had recorded deliveries (every alert "
        "still due is sent again); without it tracker refuses, so a lost ledger cannot mass re-send",
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    action = getattr(args, "alert_action", None)
    if action is not None:  # `alert --dry-run silence ...` must not record a silence
        given = [
            o
            for o, on in (("--dry-run", args.dry_run), ("--accept-new-ledger", args.accept_new_ledger))
            if on
        ]
        if given:
            raise UsageError(
                f"tracker alert {action}: {' and '.join(given)}: for sending alerts only "
                f"(`tracker alert {given[0]}`), not for `{action}`; nothing was done"
            )
    if action == "list":
        return _list(ctx)
    if action == "silence":
        return _silence(args, ctx)
    if action == "unsilence":
        return _unsilence(args, ctx)
    return _send(args, ctx)


def _send(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.alerts import run_alerts

    records = ctx.records()

    def log(message: str) -> None:
        print(message, file=ctx.stderr, flush=True)

    estate = None
    if ctx.settings.inventory is not None:  # digests name the hosts each item affects
        from tracker.inventory import configured_estate

        estate = configured_estate(ctx.settings, records, ctx.as_of)
    cycles = _planned(ctx, records, log)  # what to do, and from when, per cycle of your hosts
    start_by = None
    if cycles is not None:
        from tracker.plan.inventory import start_by_alerts

        start_by = start_by_alerts(ctx.settings, cycles)
    result = run_alerts(
        records,
        ctx.settings,
        ctx.as_of,
        ctx.now(),
        dry_run=args.dry_run,
        log=log,
        estate=estate,
        accept_new_ledger=args.accept_new_ledger,
        start_by=start_by,
        plan_by_cycle=cycles,
    )
    if args.dry_run:
        if result.previews:
            ctx.stdout.write("\n\n".join(result.previews))
        else:
            ctx.stdout.write(f"Nothing due as of {ctx.as_of.isoformat()}.\n")
        ctx.stdout.flush()
        return 0
    if result.ok:
        return 0
    parts = result.failure_parts()
    ctx.warn("alert: failed: " + "; ".join(parts))
    return 1


def _planned(
    ctx: Context, records: list[LifecycleRecord], log: Callable[[str], None]
) -> dict[tuple[str, str, str], CycleStart] | None:
    """Target and start-by per cycle of the configured inventory, for the digests and the
    ``start_by`` alerts (README "Planning upgrades"). A planning problem (a bad upgrades.csv) fails
    the command when ``start_by`` is watched; otherwise the digests go out without their plan lines."""
    if ctx.settings.inventory is None:
        return None
    from tracker.plan.inventory import configured_plan_by_cycle

    try:
        return configured_plan_by_cycle(ctx.settings, records, ctx.dataset_path, ctx.as_of)
    except TrackerError as exc:
        if "start_by" in ctx.settings.alerts.milestones:
            raise
        log(f"tracker: alert: warning: digests sent without upgrade plans: {exc.messages[0]}")
        return None


def _list(ctx: Context) -> int:
    from tracker import vocabulary
    from tracker.alerts import plan_digests
    from tracker.alerts.ledger import Ledger, item_key
    from tracker.vocabulary import milestone_label

    records = ctx.records()
    settings = ctx.settings
    start_by = None
    if "start_by" in settings.alerts.milestones:  # planned only when the plan is watched
        from tracker.plan.inventory import configured_plan_by_cycle, start_by_alerts

        cycles = configured_plan_by_cycle(settings, records, ctx.dataset_path, ctx.as_of)
        start_by = start_by_alerts(settings, cycles)
    with Ledger.open_read_only(settings.state_dir) as ledger:
        notice = ledger.replaced_warning(settings.state_dir)
        if notice:  # a lost ledger: "Due" below is what --accept-new-ledger would send again
            ctx.warn(f"alert list: {notice}")
        silences = ledger.silences()
        plan, digests = plan_digests(records, settings, ledger, ctx.as_of, start_by)
        delivered = ledger.deliveries()

    def item_line(item) -> str:
        r = item.record
        days = item.days_left
        left = vocabulary.days_left(days)
        text = (
            f"{r.name} ({r.vendor}): {milestone_label(r.vendor, item.milestone)} "
            f"{item.when.text}, {left}, threshold {item.threshold}"
        )
        if item.moved_from:
            text += f", date moved from {item.moved_from}"
        return text

    out: list[str] = [f"Alerts as of {ctx.as_of.isoformat()} (ledger: {settings.state_dir})", ""]
    out.append(f"Due ({len(plan.due)}):")
    # Who still needs an item, when that is not the whole route (e.g. one refused recipient).
    due_to: dict[tuple[str, object], list[str]] = {}
    for digest in digests:
        for item in digest.items:
            due_to.setdefault((digest.route.match, item_key(item)), []).extend(digest.recipients)

    def route_text(item: Any) -> str:
        if item.route is None:
            return "?"
        to = due_to.get((item.route.match, item_key(item)), [])
        partial = to and sorted(to) != sorted(item.route.to)
        return item.route.match + (f" (to {', '.join(to)})" if partial else "")

    out.extend(f"  {item_line(i)} -> route {route_text(i)}" for i in plan.due)
    out.append(f"Silenced ({len(plan.silenced)}):")
    out.extend(f"  {item_line(i)} -> silence {s.id}" for i, s in plan.silenced)
    out.append(f"Unrouted ({len(plan.unrouted)}):")
    out.extend(f"  {item_line(i)} (matches no [[routes]] entry)" for i in plan.unrouted)
    out.append(f"Silences ({len(silences)}):")
    for s in silences:
        state = "active" if s.active(ctx.as_of) else "expired"
        what = s.milestone or "all milestones"
        out.append(
            f"  {s.id}: {s.product} {s.cycle} ({what}) until {s.until.isoformat()} [{state}]: {s.reason}"
        )
    out.append(f"Delivered ({len(delivered)}):")
    for d in delivered:
        out.append(
            f"  {d['delivered_at']} {d['product']} {d['cycle']} ({d['vendor']}) "
            f"{d['milestone']} {d['milestone_date']} threshold {d['threshold']} "
            f"{d['status']} -> route {d['route']}" + (f" ({d['recipient']})" if d["recipient"] != "*" else "")
        )
    ctx.write_output("\n".join(out) + "\n", None)
    return 0


def _silence(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.alerts.digest import one_line
    from tracker.alerts.ledger import Ledger
    from tracker.dates import parse_day

    try:
        until = parse_day(args.until)
    except ValueError as exc:
        raise UsageError(f"tracker alert silence: --until: {exc}") from None
    if until <= ctx.as_of:
        raise UsageError(
            f"tracker alert silence: --until: {until.isoformat()} is not after "
            f"{ctx.as_of.isoformat()}; the silence would already be over"
        )
    reason = one_line(args.reason)
    if not reason:
        raise UsageError("tracker alert silence: --reason: must not be empty")
    want = (args.product.casefold(), args.cycle.casefold())
    matches = [r for r in ctx.records() if (r.product.casefold(), r.cycle.casefold()) == want]
    if not matches:
        raise TrackerError(
            f"tracker alert silence: no release cycle {args.product!r} "
            f"{args.cycle!r} in {ctx.dataset_path} (`tracker status` lists them)"
        )
    record = matches[0]
    with Ledger.open(ctx.settings.state_dir, guard=False) as ledger:
        sid = ledger.add_silence(record.product, record.cycle, args.milestone, until, reason, ctx.now())
    what = args.milestone or "all milestones"
    watched = ctx.settings.alerts.milestones
    if args.milestone and args.milestone not in watched:  # recorded all the same: the config may change
        ctx.warn(
            f"alert silence: warning: alerts.milestones ({', '.join(watched)}) does not include "
            f"{args.milestone}, so this silence mutes nothing until it does"
        )
    ctx.write_output(f"silence {sid}: {record.name} ({what}) until {until.isoformat()}: {reason}\n", None)
    return 0


def _unsilence(args: argparse.Namespace, ctx: Context) -> int:
    from tracker.alerts.ledger import Ledger

    with Ledger.open(ctx.settings.state_dir, guard=False) as ledger:
        removed = ledger.remove_silence(args.silence_id)
    if not removed:
        raise TrackerError(
            f"tracker alert unsilence: no silence with ID {args.silence_id} (`tracker alert list` shows them)"
        )
    ctx.write_output(f"silence {args.silence_id} removed\n", None)
    return 0
