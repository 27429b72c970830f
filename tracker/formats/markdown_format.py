from __future__ import annotations

from tracker.formats import Result, cell, markdown_cell


def render(result: Result, color: bool = False) -> str:
    """A GitHub-flavoured Markdown table; every cell escaped (``markdown_cell``), blanks as ``-``."""
    headers = [markdown_cell(c.header) for c in result.columns]
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---:" if c.numeric else "---" for c in result.columns) + " |",
    ]
    for item in result.items:
        lines.append(
            "| " + " | ".join(markdown_cell(cell(item.get(c.key))) or "-" for c in result.columns) + " |"
        )
    return "\n".join(lines) + "\n"
