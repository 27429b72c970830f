"""Geometry of the timeline chart: one bar per cycle, phases as segments, grouped by product.

Only numbers and plain text leave this module; the template draws the SVG with autoescaping on.
The scale has a floor (pixels per year) so that 150+ cycles or 30 years scroll instead of squashing.
All segments of one kind (phase, open-ended, estimated) are drawn as one ``<path>``: 10,000 cycles
would otherwise need 25,000 ``<rect>`` elements. Each cycle keeps its own ``<g>`` with a label and a
``<title>`` (the tooltip) over a full-width row rectangle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker.dates import MilestoneDate
from tracker.report.model import CycleRow, ProductGroup

LABEL_W = 132
"""Left column for cycle labels."""
PAD_R = 18
AXIS_H = 34
"""Height of the sticky axis (year labels and the today label)."""
BOTTOM_H = 24
ROW_H = 18
GROUP_H = 26
BAR_Y = 4
BAR_H = 10
MAX_LABEL = 18
TARGET_PLOT_W = 1000
MIN_PX_PER_YEAR = 36.0
MAX_PX_PER_YEAR = 120.0


@dataclass(frozen=True)
class Bar:
    cls: str
    """``ph-sup`` supported, ``ph-sec`` security fixes only, ``ph-ext`` extended; ``open`` when
    the phase has no announced end (drawn to the chart's edge)."""
    x: float
    w: float


@dataclass
class Row:
    kind: str
    """``group`` (product heading) or ``cycle``."""
    y: float
    label: str
    title: str = ""
    bars: list[Bar] = field(default_factory=list)
    """Segments in chart coordinates (also drawn via ``Timeline.paths``)."""
    estimated: bool = False
    zebra: bool = False


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Timeline:
    width: int
    height: int
    """Height of the chart body (rows plus the bottom axis)."""
    plot_bottom: int
    label_w: int
    today_x: float
    today_label: str
    ticks: list[Tick]
    grid_path: str
    axis_grid_path: str
    rows: list[Row]
    cycles: int
    paths: list[tuple[str, str]]
    """(CSS classes, SVG path data) for every kind of segment."""
    axis_h: int = AXIS_H
    group_h: int = GROUP_H


def _year_start(year: int) -> date:
    return date(year, 1, 1)


def _dates(row: CycleRow) -> list[MilestoneDate]:
    r = row.record
    return [d for d in (r.release, r.support_end, r.eol, r.extended_end) if d is not None]


def _title(row: CycleRow) -> str:
    r = row.record
    parts = [f"{r.vendor} {r.name}: {row.status_label.lower()}"]
    for key, label in (
        ("release", "release"),
        ("support_end", "support end"),
        ("eol", "end of life"),
        ("extended_end", "extended end"),
    ):
        cell = row.dates[key]
        if cell is not None:
            parts.append(f"{label} {'≈ ' if cell.estimated else ''}{cell.friendly}")
    return "; ".join(parts)


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def build_timeline(groups: Sequence[ProductGroup], as_of: date, today_label: str) -> Timeline:
    """Lay out every cycle of ``groups`` on one shared time axis that includes ``as_of``."""
    all_days = [d.first_day for g in groups for row in g.rows for d in _dates(row)]
    first_year = min([*(d.year for d in all_days), as_of.year - 1])
    last_year = max([*(d.year for d in all_days), as_of.year + 2]) + 1
    start = _year_start(first_year)
    years = last_year - first_year
    px_year = min(MAX_PX_PER_YEAR, max(MIN_PX_PER_YEAR, TARGET_PLOT_W / years))
    px_day = px_year / 365.2425
    plot_w = round(px_year * years)
    width = LABEL_W + plot_w + PAD_R
    x_end = float(LABEL_W + plot_w)

    def x_of(day: date) -> float:
        return round(LABEL_W + (day - start).days * px_day, 1)

    rows: list[Row] = []
    segments: dict[str, list[str]] = {}
    y = 0.0
    cycles = 0
    for group in groups:
        rows.append(Row("group", y, f"{group.vendor} · {group.product}"))
        y += GROUP_H
        for i, row in enumerate(group.rows):
            r = row.record
            bars: list[Bar] = []

            def add(cls: str, a: MilestoneDate, b: MilestoneDate | None, bars: list[Bar] = bars) -> None:
                x1 = x_of(a.first_day)
                x2 = x_of(b.first_day) if b is not None else x_end
                if b is None:
                    cls += " open"
                if x2 - x1 >= 0.5 or b is None:
                    bars.append(Bar(cls, x1, round(max(x2 - x1, 2.0), 1)))

            if r.support_end is not None:
                add("ph-sup", r.release, r.support_end)
                add("ph-sec", r.support_end, r.eol)
            else:
                add("ph-sup", r.release, r.eol)
            if r.eol is not None and r.extended_end is not None:
                add("ph-ext", r.eol, r.extended_end)
            estimated = r.confidence == "estimated"
            for bar in bars:
                cls = bar.cls + (" est" if estimated else "")
                segments.setdefault(cls, []).append(f"M{bar.x} {y + BAR_Y:g}h{bar.w}v{BAR_H}H{bar.x}z")
            rows.append(
                Row("cycle", y, _short(r.cycle), _title(row), bars, estimated=estimated, zebra=i % 2 == 1)
            )
            y += ROW_H
            cycles += 1
    plot_bottom = int(y) + 4
    height = plot_bottom + BOTTOM_H
    step = 1 if px_year >= 44 else 2
    ticks = [
        Tick(x_of(_year_start(year)), str(year))
        for year in range(first_year, last_year + 1)
        if (year - first_year) % step == 0
    ]
    grid = " ".join(f"M{t.x} 0V{plot_bottom}" for t in ticks)
    axis_grid = " ".join(f"M{t.x} 18V{AXIS_H}" for t in ticks)
    return Timeline(
        width=width,
        height=height,
        plot_bottom=plot_bottom,
        label_w=LABEL_W,
        today_x=x_of(as_of),
        today_label=today_label,
        ticks=ticks,
        grid_path=grid,
        axis_grid_path=axis_grid,
        rows=rows,
        cycles=cycles,
        paths=[(cls, "".join(d)) for cls, d in sorted(segments.items())],
    )
