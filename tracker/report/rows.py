"""The two per-cycle parts of the page (the full table's rows, the timeline's rows) as HTML strings.

Everything else is laid out by the Jinja2 templates. These two run once per cycle (10,000 cycles in
the benchmark), where a template costs several escape calls and attribute lookups per cell; built
here they cost one ``escape`` per dataset string. Every dataset string goes through ``escape``;
numbers are formatted by Python; only http(s) URLs become links (``Link.href``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape as _html_escape

from markupsafe import Markup

from tracker.report.actions import ActionItem
from tracker.report.model import CycleRow, DateCell, ProductGroup
from tracker.report.timeline import Timeline
from tracker.templating import ISO_DAY
from tracker.vocabulary import MILESTONE_NAMES

_SPECIAL = re.compile("[&<>\"']")


def escape(text: str) -> str:
    """``html.escape`` with quotes: a plain ``str`` (no Markup object per call, ~3x cheaper); text
    without a special character (most names and every date) is returned as it is."""
    return _html_escape(text, quote=True) if _SPECIAL.search(text) else text


def escape_note(text: str) -> str:
    """A note, escaped, its ISO dates in ``<time>`` (nowrap) so a line never ends in "2025-04-"."""
    escaped = _html_escape(text, quote=True)
    return ISO_DAY.sub(r"<time>\1</time>", escaped) if "-" in escaped else escaped


_NA = '<td class="d"><span class="na" title="not announced">—</span></td>'


def chip(cls: str, word: str) -> Markup:
    """An urgency or status chip: the word always, the colour from the urgency class."""
    return Markup(f'<span class="u {escape(cls)}">{escape(word)}</span>')


def when_cell(item: ActionItem) -> Markup:
    """``EOL in 47 days`` over the milestone and its date (linked to the source)."""
    d = item.date
    day = f'{"≈&nbsp;" if d.estimated else ""}<time datetime="{escape(d.text)}">{escape(d.text)}</time>'
    if d.month_only:
        day += '<sup class="mo" title="month precision">m</sup>'
    if d.href:
        day = f'<a href="{escape(d.href)}">{day}</a>'
    return Markup(
        f'<span class="phrase">{escape(item.phrase)}</span>'
        f'<span class="why">{escape(item.milestone_label)} {day}</span>'
    )


def _date(cell: DateCell | None, href: str, name: str, heading: str) -> str:
    """One date cell, linked to the row's source (``href`` already escaped). The link's accessible
    name says what the date is, so a screen reader's list of links is not a list of bare dates."""
    if cell is None:
        return _NA
    day = escape(cell.text)
    text = f"{'≈&nbsp;' if cell.estimated else ''}<time>{day}</time>"
    if cell.month_only:
        text += '<sup class="mo">m</sup>'
    if href:
        text = f'<a href="{href}" aria-label="{name} {heading} {day}: source">{text}</a>'
    return f'<td class="d">{text}</td>'


def _row(row: CycleRow, shared: Sequence[str]) -> str:
    r, c = row.record, row.dates
    found = next((d.href for d in c.values() if d is not None and d.href), None)
    href = escape(found) if found else ""
    name = escape(r.name)
    return (
        f'<tr class="cycle {row.status}"><th scope="row">{escape(r.cycle)}</th>'
        f'<td class="stc"><span class="u {row.urgency}">{row.status_label}</span>'  # tracker's words
        f'<span class="ut">{row.urgency_text}</span></td>'
        f"{_date(c['eol'], href, name, MILESTONE_NAMES['eol'])}"
        f"{_date(c['support_end'], href, name, MILESTONE_NAMES['support_end'])}"
        f"{_date(c['extended_end'], href, name, MILESTONE_NAMES['extended_end'])}"
        f"{_date(c['release'], href, name, MILESTONE_NAMES['release'])}"
        f"<td>{r.type}</td><td>{escape(r.confidence)}</td>"
        f'<td class="notes">{"" if not row.note or row.note in shared else escape_note(row.note)}</td></tr>\n'
    )


def table_body(groups: Sequence[ProductGroup], columns: int) -> Markup:
    """One ``<tbody>`` per product: heading row (name, shared notes, sources), then its cycles."""
    out: list[str] = []
    for g in groups:
        notes = "".join(f'<span class="gnote">{escape_note(n)}</span>' for n in g.notes)
        sources = "".join(
            f'<span class="src"><a href="{escape(s.href)}">{escape(s.label)}</a></span>'
            if s.href
            else f'<span class="src">{escape(s.label)}</span>'
            for s in g.sources
        )
        out.append(
            f'<tbody id="{escape(g.anchor)}">\n<tr class="grp"><th scope="rowgroup" colspan="{columns}">'
            f'<span class="gname">{escape(g.vendor)} · {escape(g.product)}</span>{notes}'
            f'<span class="srcs">{sources}</span></th></tr>\n'
        )
        out.extend(_row(row, g.notes) for row in g.rows)
        out.append("</tbody>\n")
    return Markup("".join(out))


def timeline_labels(tl: Timeline) -> Markup:
    """The sticky label column: product headings and cycle names."""
    out: list[str] = []
    w, gh, rh = tl.label_w, tl.group_h, tl.row_h
    for row in tl.rows:
        if row.kind == "group":
            out.append(
                f'<rect class="gb" y="{row.y:g}" width="{w}" height="{gh}"/>'
                f'<text class="gl" x="6" y="{row.y + 16:g}">{escape(row.label)}</text>\n'
            )
        else:
            out.append(
                f'<rect class="{"z" if row.zebra else "lb"}" y="{row.y:g}" width="{w}" height="{rh}"/>'
                f'<text x="{w - 6}" y="{row.y + 13:g}" text-anchor="end">{escape(row.label)}</text>\n'
            )
    return Markup("".join(out))


def timeline_bands(tl: Timeline) -> Markup:
    """Row backgrounds of the plot: product bands and zebra stripes."""
    out: list[str] = []
    for row in tl.rows:
        if row.kind == "group":
            out.append(f'<rect class="gb" y="{row.y:g}" width="{tl.plot_w}" height="{tl.group_h}"/>')
        elif row.zebra:
            out.append(f'<rect class="z" y="{row.y:g}" width="{tl.plot_w}" height="{tl.row_h}"/>')
    return Markup("\n".join(out))


def timeline_cycles(tl: Timeline) -> Markup:
    """One ``<g class="cy">`` per cycle: its tooltip and the end date written after the bar."""
    out: list[str] = []
    for row in tl.rows:
        if row.kind != "cycle":
            continue
        end = (
            f'<text class="end" x="{row.end_x + 3:g}" y="{row.y + 13:g}">{escape(row.end_text)}</text>'
            if row.end_text
            else ""
        )
        out.append(f'<g class="cy"><title>{escape(row.title)}</title>{end}</g>\n')
    return Markup("".join(out))
