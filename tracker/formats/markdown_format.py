from __future__ import annotations

from tracker.formats import Result, cell


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(result: Result, color: bool = False) -> str:
    headers = [c.header for c in result.columns]
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---:" if c.numeric else "---" for c in result.columns) + " |",
    ]
    for item in result.items:
        lines.append("| " + " | ".join(_escape(cell(item.get(c.key))) or "-" for c in result.columns) + " |")
    return "\n".join(lines) + "\n"
