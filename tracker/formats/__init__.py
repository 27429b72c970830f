"""Output formats behind one small interface: ``render(result, color) -> str``.

Every ``--format`` choice (the ``Format`` enum) maps to exactly one module ``<choice>_format`` found by
``renderer``; a test renders every choice.
"""

from __future__ import annotations

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


def renderer(fmt: Format) -> Callable[[Result, bool], str]:
    module = import_module(f"tracker.formats.{fmt.value}_format")
    render: Callable[[Result, bool], str] = module.render
    return render


def cell(value: Any) -> str:
    """Text form of an item value for table, csv and markdown."""
    if value is None:
        return ""
    return str(value)
