from __future__ import annotations

import unicodedata

from tracker.formats import Result, cell

# Status colours (SGR). Colour is never the only signal: the status is always written out.
COLOURS = {
    "unreleased": "36",  # cyan
    "supported": "32",  # green
    "security-only": "33",  # yellow
    "extended": "35",  # magenta
    "end-of-life": "31",  # red
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render(result: Result, color: bool = False) -> str:
    cols = result.columns
    rows = [[cell(item.get(c.key)) or "-" for c in cols] for item in result.items]
    widths = [max([_width(c.header)] + [_width(r[i]) for r in rows]) for i, c in enumerate(cols)]

    def fmt(values: list[str], status: str | None = None) -> str:
        parts = []
        for i, (c, v) in enumerate(zip(cols, values, strict=True)):
            pad = " " * (widths[i] - _width(v))
            text = pad + v if c.numeric else v + pad
            if color and status and c.key == "status" and status in COLOURS:
                text = f"\x1b[{COLOURS[status]}m{text}\x1b[0m"
            parts.append(text)
        return "  ".join(parts).rstrip()

    lines = [result.title] if result.title else []
    lines += [fmt([c.header for c in cols]), "  ".join("-" * w for w in widths)]
    for item, r in zip(result.items, rows, strict=True):
        lines.append(fmt(r, item.get("status")))
    if not rows:
        lines.append(result.empty)
    return "\n".join(lines) + "\n"
