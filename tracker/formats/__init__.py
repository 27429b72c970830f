"""Output formats behind one small interface: ``render(result, color) -> str``.

Every ``--format`` choice (the ``Format`` enum) maps to exactly one module ``<choice>_format`` found by
``renderer``; a test renders every choice.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import import_module
from typing import Any


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    numeric: bool = False


@dataclass
class Result:
    """What a query command produced: machine items plus how people should see them."""

    items: list[dict[str, Any]]
    """JSON-ready items (dates as dataset strings, None when blank)."""
    columns: list[Column]
    """Columns for table and markdown output (csv writes every item key)."""
    as_of: str
    generated_at: str
    title: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    empty: str = "(no matching release cycles)"
    """What the table says when there are no items."""
    fields: tuple[str, ...] = ()
    """Every item's keys, in order: the csv header even when there are no items (else the columns)."""


def renderer(fmt: Format) -> Callable[[Result, bool], str]:
    module = import_module(f"tracker.formats.{fmt.value}_format")
    render: Callable[[Result, bool], str] = module.render
    return render


def cell(value: Any) -> str:
    """Text form of an item value for table, csv and markdown."""
    if value is None:
        return ""
    return str(value)


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)


def csv_cell(text: str) -> str:
    """``text`` made inert for spreadsheets: a leading ``'`` when it starts like a formula.

    A plain number (``days_to_eol`` ``-44``, ``+3``, ``-1.5``) is left alone: spreadsheets read it as
    a number, never as a formula, and scripts reading the CSV keep getting a number.
    """
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def markdown_cell(text: str) -> str:
    """``text`` safe in a Markdown table cell: HTML special characters escaped (so ``<script>`` is
    shown, not run, where Markdown is rendered), ``|`` and ``\\`` escaped, line breaks as spaces."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", " ").replace("\n", " ")
    return html.escape(text.replace("\r", " "), quote=False)
