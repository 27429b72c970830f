"""Prometheus metrics in the text exposition format, for node_exporter's textfile
collector: ``tracker metrics [-o FILE]`` and ``report.metrics_file`` after each ``tracker run``.

Written by hand (the format is small and stable) so that ``tracker metrics`` needs no dependency and
stays light: pandas is imported only when an inventory is configured. The file is replaced
atomically (temp file + rename in the same directory): the collector never reads half a file.

Every series is a gauge. Values are computed for an explicit ``as_of``; the last run's outcome comes
from the nightly job's ``runs`` table (``<state_dir>/tracker.db``), read-only, when it exists.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.atomic import atomic_write_text
from tracker.dataset import STALE_AFTER_DAYS, LifecycleRecord, is_stale
from tracker.errors import TrackerError, describe_os_error
from tracker.paths import state_db_file
from tracker.status import STATUS_ORDER, days_to_eol, status_of

if TYPE_CHECKING:
    from tracker.config import Settings
    from tracker.estate import EstateSummary

HOST_STATUSES = (*(str(s) for s in STATUS_ORDER), "unmatched")
"""``tracker_hosts`` always has one series per status (0 when no host has it): series that
disappear when the last host leaves a status make alert rules flap."""


@dataclass(frozen=True)
class LastRun:
    """The most recent finished nightly run, as recorded in the ``runs`` table."""

    ended_at: datetime
    success: bool


@dataclass
class Metric:
    """One metric family: its HELP, and samples as (labels, value)."""

    name: str
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> None:
        self.samples.append((labels, value))


def escape_label_value(value: str) -> str:
    """Label values escape backslash, double quote and line feed (exposition format)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def render(metrics: Iterable[Metric]) -> str:
    """The text exposition format: ``# HELP`` / ``# TYPE`` then the samples of each family."""
    out: list[str] = []
    for metric in metrics:
        out.append(f"# HELP {metric.name} {_escape_help(metric.help)}")
        out.append(f"# TYPE {metric.name} gauge")
        for labels, value in metric.samples:
            if labels:
                inner = ",".join(f'{k}="{escape_label_value(v)}"' for k, v in labels.items())
                out.append(f"{metric.name}{{{inner}}} {_number(value)}")
            else:
                out.append(f"{metric.name} {_number(value)}")
    return "\n".join(out) + "\n"


def stale_rows(records: Iterable[LifecycleRecord], as_of: date, stale_after_days: int) -> int:
    """Rows never verified, or verified more than ``stale_after_days`` before ``as_of`` (the rule
    `tracker validate` and `tracker check --data` use)."""
    return sum(1 for record in records if is_stale(record, as_of, stale_after_days))


def last_run(state_dir: Path) -> LastRun | None:
    """The last finished run in ``<state_dir>/tracker.db`` (read-only), or None when none is recorded.

    Runs still going and attempts that did not get the lock (another run was working) are skipped.
    """
    path = state_db_file(state_dir)
    if not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)) as conn:
            row = conn.execute(
                "SELECT ended_at, outcome FROM runs WHERE ended_at IS NOT NULL "
                "AND outcome NOT IN ('running', 'locked') ORDER BY ended_at DESC, id DESC LIMIT 1"
            ).fetchone()
    except sqlite3.Error as exc:
        if "no such table" in str(exc):
            return None
        raise TrackerError(f"{path}: cannot read the run records: {exc}") from None
    if row is None:
        return None
    ended = datetime.fromisoformat(row[0])
    if ended.tzinfo is None:
        ended = ended.replace(tzinfo=UTC)
    return LastRun(ended_at=ended, success=row[1] == "ok")


def collect(
    records: Sequence[LifecycleRecord] | None,
    as_of: date,
    stale_after: int = STALE_AFTER_DAYS,
    hosts_by_status: Mapping[str, int] | None = None,
    host_counts: Mapping[tuple[str, str, str], int] | None = None,
    run: LastRun | None = None,
) -> list[Metric]:
    """Every metric family for ``as_of``. ``records`` None (an invalid dataset) leaves out the
    dataset's series; ``hosts_by_status`` None (no inventory) leaves out the host series."""
    families: list[Metric] = []
    if records is not None:
        days = Metric(
            "tracker_days_to_eol",
            "Days from as_of to the cycle's end of life (eol); negative once past. "
            "Cycles without an announced eol have no series.",
        )
        status = Metric(
            "tracker_cycle_status",
            "1 for each release cycle, labelled with its status as of the run "
            "(unreleased, supported, security-only, extended, end-of-life).",
        )
        for record in records:
            labels = {
                "vendor": record.vendor,
                "product": record.product,
                "cycle": record.cycle,
                "status": str(status_of(record, as_of)),
            }
            left = days_to_eol(record, as_of)
            if left is not None:
                days.add(left, **labels)
            status.add(1, **labels)
        families += [days, status]
    if hosts_by_status is not None:
        hosts = Metric(
            "tracker_hosts", "Hosts of the inventory per status of their release cycle (or unmatched)."
        )
        for name in HOST_STATUSES:
            hosts.add(hosts_by_status.get(name, 0), status=name)
        families.append(hosts)
        by_cycle = Metric(
            "tracker_hosts_by_cycle", "Hosts of the inventory per matched release cycle, with its status."
        )
        index = {r.key: r for r in records or ()}
        # Summed per label set: two vendors with the same product and cycle names must not yield
        # duplicate series (node_exporter rejects the whole file then).
        per_cycle: dict[tuple[str, str, str], int] = {}
        for key, count in (host_counts or {}).items():
            host_record = index.get(key)
            if host_record is not None:
                label_set = (host_record.product, host_record.cycle, str(status_of(host_record, as_of)))
                per_cycle[label_set] = per_cycle.get(label_set, 0) + count
        for (product, cycle, cycle_status), count in per_cycle.items():
            by_cycle.add(count, product=product, cycle=cycle, status=cycle_status)
        families.append(by_cycle)
    if records is not None:
        rows = Metric("tracker_dataset_rows", "Release cycles (rows) in the dataset.")
        rows.add(len(records))
        stale = Metric(
            "tracker_dataset_stale_rows",
            f"Rows never verified, or whose verified_on is more than data.stale_after_days "
            f"({stale_after}) before as_of.",
        )
        stale.add(stale_rows(records, as_of, stale_after))
        families += [rows, stale]
    if run is not None:
        when = Metric(
            "tracker_last_run_timestamp_seconds", "When the last nightly run (tracker run) ended, Unix time."
        )
        when.add(run.ended_at.timestamp())
        ok = Metric(
            "tracker_last_run_success", "1 when the last nightly run wrote the report and sent the alerts."
        )
        ok.add(1 if run.success else 0)
        families += [when, ok]
    return families


def metrics_text(
    records: Sequence[LifecycleRecord] | None,
    settings: Settings,
    as_of: date,
    estate: EstateSummary | None = None,
) -> str:
    """The exposition text for ``settings``; ``estate`` (the inventory) adds the host series."""
    return render(
        collect(
            records,
            as_of,
            stale_after=settings.data.stale_after_days,
            hosts_by_status=estate.hosts_by_status if estate is not None else None,
            host_counts=estate.host_counts if estate is not None else None,
            run=last_run(settings.state_dir),
        )
    )


def write_metrics(path: Path, text: str) -> None:
    """Replace ``path`` atomically; a failure is a sentence naming the file."""
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        # A parent that is in the way is named by describe_os_error, with what to do.
        reason = exc.strerror or str(exc)
        if exc.filename is not None and Path(exc.filename) != Path(path):
            reason = describe_os_error(exc)
        raise TrackerError(f"{path}: cannot write metrics: {reason}") from None


def write_metrics_after_run(
    settings: Settings,
    records: Sequence[LifecycleRecord] | None,
    as_of: date,
    estate: EstateSummary | None,
    log: Callable[[str], None],
) -> None:
    """The nightly job's hook: refresh ``report.metrics_file`` (when set) once the run is recorded.

    Never raises for an expected failure: the run has already been recorded; the problem is logged.
    """
    path = settings.report.metrics_file
    if path is None:
        return
    try:
        write_metrics(Path(path), metrics_text(records, settings, as_of, estate))
    except TrackerError as exc:
        for line in exc.messages:
            log(f"metrics: {line}")
        return
    except Exception as exc:  # a bug must not re-open a run that is already recorded
        log(f"metrics: internal error: {type(exc).__name__}: {exc}")
        return
    log(f"metrics written: {path}")
