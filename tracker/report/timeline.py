"""Geometry of the timeline chart: one bar per cycle, phases as segments, grouped by product.

Only numbers and plain text leave this module; the template draws the SVG with autoescaping on.

By default the chart shows the cycles that matter now: every cycle not yet past its last phase, and
those whose last phase ended in the last ``RECENT_YEARS`` years. Its time axis starts a little over
two years before ``as_of``, so today sits near the left edge and is in view on a 375 px phone without
any script (bars that began earlier are cut at the edge). ``full=True`` lays out every cycle from the
first release on (the separate full-timeline page).

The chart is four SVGs in a grid inside one scrolling box: the corner, the year axis (sticky at the
top), the cycle labels (sticky at the left) and the plot, so the labels and years stay put while the
bars scroll. Each bar ends with its last date written out (ISO), so no date needs a hover.
All segments of one kind are drawn as one ``<path>`` (10,000 cycles would otherwise need 25,000
``<rect>`` elements).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from tracker.dates import MilestoneDate
from tracker.report.model import CycleRow, ProductGroup
from tracker.status import Status
from tracker.vocabulary import MILESTONE_HEADINGS

LABEL_W = 118
"""Width of the sticky label column."""
NAME_LABEL_W = 216
"""Label column when rows carry the product name too (the printed brief, 12 px text)."""
MAX_NAME_LABEL = 27
"""Characters of a product-and-cycle label: 27 wide glyphs of 12 px fit ``NAME_LABEL_W``."""
END_LABEL_W = 74
"""Room after the last bar for its end date."""
AXIS_H = 34
ROW_H = 18
GROUP_H = 24
BAR_Y = 4
BAR_H = 10
MAX_LABEL = 16
TARGET_PLOT_W = 900
MIN_PX_PER_YEAR = 36.0
MAX_PX_PER_YEAR = 80.0
RECENT_YEARS = 2
"""Cycles whose last phase ended within this many years are in the default chart."""
LEAD_DAYS = 2 * 365 + 45
"""The default axis starts this many days before ``as_of`` (then back to the month's start)."""
AHEAD_YEARS = 12
"""The default axis ends at most this many years after ``as_of``; open phases run to the edge."""


@dataclass(slots=True)  # not frozen: built ~10,000 times per report (frozen costs 3x)
class Bar:
    cls: str
    x: float
    w: float


@dataclass(slots=True)
class Row:
    kind: str
    """``group`` (product heading) or ``cycle``."""
    y: float
    label: str
    title: str = ""
    end_x: float = 0.0
    end_text: str = ""
    """The last dated milestone, written after the bar (``2027-01-12``); empty when open-ended."""
    bars: list[Bar] = field(default_factory=list)
    estimated: bool = False
    zebra: bool = False


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Timeline:
    plot_w: int
    height: int
    """Height of the chart body (rows)."""
    label_w: int
    today_x: float
    today_label: str
    ticks: list[Tick]
    grid_path: str
    rows: list[Row]
    cycles: int
    hidden: int
    """Cycles left out of this chart (ended before the window)."""
    paths: list[tuple[str, str]]
    """(CSS classes, SVG path data) for every kind of segment."""
    start_year: int
    axis_h: int = AXIS_H
    group_h: int = GROUP_H
    row_h: int = ROW_H


def _dates(row: CycleRow) -> list[MilestoneDate]:
    r = row.record
    return [d for d in (r.release, r.support_end, r.eol, r.extended_end) if d is not None]


def _last_end(row: CycleRow) -> MilestoneDate | None:
    r = row.record
    return r.extended_end or r.eol


def _title(row: CycleRow) -> str:
    r = row.record
    parts = [f"{r.vendor} {r.name}: {row.status_label.lower()}"]
    for key in ("release", "support_end", "eol", "extended_end"):
        label = MILESTONE_HEADINGS[key].lower()
        cell = row.dates[key]
        if cell is not None:
            parts.append(f"{label} {'≈ ' if cell.estimated else ''}{cell.text}")
    return "; ".join(parts)


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(row: CycleRow, as_of: date) -> bool:
    """In the default chart: not ended, or ended within ``RECENT_YEARS`` years of ``as_of``."""
    if row.status is not Status.END_OF_LIFE:
        return True
    end = _last_end(row)
    return end is not None and (as_of - end.first_day).days <= RECENT_YEARS * 365


@dataclass(frozen=True, slots=True)
class _Scale:
    """Days to x: the axis from ``start`` to ``last_year``; bars are clipped to ``[0, bars_w]``."""

    start: date
    last_year: int
    px_year: float
    bars_w: float
    start_ord: int = 0
    px_day: float = 0.0

    def x(self, day: date) -> float:
        x = (day.toordinal() - self.start_ord) * self.px_day
        return 0.0 if x < 0 else self.bars_w if x > self.bars_w else round(x, 1)


def _scale(picked: list[tuple[ProductGroup, list[CycleRow]]], as_of: date, full: bool) -> _Scale:
    """The full chart spans every date; the default one starts ~2 years before today."""
    days = [d.first_day for _, rows in picked for row in rows for d in _dates(row)]
    if full:
        start = date(min([*(d.year for d in days), as_of.year - 1]), 1, 1)
        last_year = max([*(d.year for d in days), as_of.year + 2]) + 1
    else:
        lead = as_of - timedelta(days=LEAD_DAYS)
        start = date(lead.year, lead.month, 1)
        ends = [d.year for d in days if d >= as_of]
        last_year = min(max([*ends, as_of.year + 2]) + 1, as_of.year + AHEAD_YEARS)
    years = (date(last_year, 1, 1) - start).days / 365.2425
    px_year = min(MAX_PX_PER_YEAR, max(MIN_PX_PER_YEAR, TARGET_PLOT_W / years))
    return _Scale(
        start, last_year, px_year, float(round(px_year * years)), start.toordinal(), px_year / 365.2425
    )


def _bars(row: CycleRow, scale: _Scale) -> list[Bar]:
    """The phases of one cycle: supported, security fixes only, paid; ``open`` without an end."""
    r = row.record
    bars: list[Bar] = []

    def add(cls: str, a: MilestoneDate, b: MilestoneDate | None) -> None:
        x1 = scale.x(a.first_day)
        x2 = scale.x(b.first_day) if b is not None else scale.bars_w
        if b is None:
            cls += " open"
        if x2 - x1 >= 0.5 or (b is None and x2 > x1):
            bars.append(Bar(cls, x1, round(max(x2 - x1, 2.0), 1)))

    if r.support_end is not None:
        add("ph-sup", r.release, r.support_end)
        add("ph-sec", r.support_end, r.eol)
    else:
        add("ph-sup", r.release, r.eol)
    if r.eol is not None and r.extended_end is not None:
        add("ph-ext", r.eol, r.extended_end)
    return bars


def _end_text(row: CycleRow, bars: list[Bar]) -> str:
    """The last date, written after the bar; ``ended 2023-11-15`` when the bar ended before the axis."""
    last = _last_end(row)
    if last is None or any("open" in b.cls for b in bars):
        return ""
    text = ("≈" if row.record.confidence == "estimated" else "") + last.text
    return text if bars else f"ended {text}"


def _cycle(row: CycleRow, y: float, bars: list[Bar], zebra: bool, labels: str) -> Row:
    r = row.record
    estimated = r.confidence == "estimated"
    return Row(
        "cycle",
        y,
        _short(r.cycle) if labels == "cycle" else _short(r.name, MAX_NAME_LABEL),
        _title(row),
        end_x=max((b.x + b.w for b in bars), default=0.0),
        end_text=_end_text(row, bars),
        bars=bars,
        estimated=estimated,
        zebra=zebra,
    )


def build_timeline(
    groups: Sequence[ProductGroup],
    as_of: date,
    today_label: str,
    full: bool = False,
    labels: str = "cycle",
    keep_all: bool = False,
    keep: frozenset[tuple[str, str, str]] = frozenset(),
) -> Timeline:
    """Lay out the cycles of ``groups`` (all of them with ``full``) on one shared time axis.

    ``labels="name"`` writes product and cycle on each row (the printed brief's flat list).
    ``keep_all`` keeps every cycle given on the default axis: the brief charts the cycles of the
    action lists, and a host past end of life for years is the first of them. ``keep``: cycles shown
    however long ago they ended (those on your hosts).
    """
    picked = [
        (g, [row for row in g.rows if full or keep_all or shown(row, as_of) or row.record.key in keep])
        for g in groups
    ]
    picked = [(g, rows) for g, rows in picked if rows]
    scale = _scale(picked, as_of, full)
    rows: list[Row] = []
    segments: dict[str, list[str]] = {}
    y = 0.0
    for group, members in picked:
        rows.append(Row("group", y, " · ".join(part for part in (group.vendor, group.product) if part)))
        y += GROUP_H
        for i, member in enumerate(members):
            row = _cycle(member, y, _bars(member, scale), i % 2 == 1, labels)
            for bar in row.bars:
                cls = bar.cls + (" est" if row.estimated else "")
                segments.setdefault(cls, []).append(f"M{bar.x} {y + BAR_Y:g}h{bar.w}v{BAR_H}H{bar.x}z")
            rows.append(row)
            y += ROW_H
    height = int(y) + 4
    step = 1 if scale.px_year >= 44 else 2
    start = scale.start
    ticks = [
        Tick(scale.x(date(year, 1, 1)), str(year))
        for year in range(start.year + (start.month > 1), scale.last_year + 1)
        if (year - start.year) % step == 0
    ]
    cycles = sum(len(members) for _, members in picked)
    return Timeline(
        plot_w=int(scale.bars_w) + END_LABEL_W,
        height=height,
        label_w=LABEL_W if labels == "cycle" else NAME_LABEL_W,
        today_x=scale.x(as_of),
        today_label=today_label,
        ticks=ticks,
        grid_path=" ".join(f"M{t.x} 0V{height}" for t in ticks),
        rows=rows,
        cycles=cycles,
        hidden=sum(len(g.rows) for g in groups) - cycles,
        paths=[(cls, "".join(d)) for cls, d in sorted(segments.items())],
        start_year=start.year,
    )
