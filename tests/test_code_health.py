"""What the code keeps to (issue "Code health"): no function over 80 lines, no module over 450, and
plurals and day counts worded by ``tracker.vocabulary`` alone."""

from __future__ import annotations

import ast
import re
from importlib import import_module
from pathlib import Path

import pytest

from tracker.cli import COMMANDS

TRACKER = Path(__file__).resolve().parents[1] / "tracker"
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 450


def oversized(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(root.parent)
        if (lines := len(text.splitlines())) > MAX_MODULE_LINES:
            found.append(f"{name}: module of {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                if (length := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES:
                    found.append(f"{name}:{node.lineno}: {node.name} has {length} lines")
    return found


def test_no_function_over_80_lines_and_no_module_over_450() -> None:
    assert oversized(TRACKER) == []


def test_the_size_check_finds_what_it_should(tmp_path: Path) -> None:
    pkg = tmp_path / "tracker"
    pkg.mkdir()
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    (pkg / "long.py").write_text(f"def long():\n{body}\n\ndef short():\n    return 1\n", encoding="utf-8")
    (pkg / "big.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    assert oversized(pkg) == [
        "tracker/big.py: module of 451 lines",
        "tracker/long.py:1: long has 81 lines",
    ]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_is_listed_once_and_has_the_interface(name: str) -> None:
    """cli.COMMANDS is the one list of names and help texts; the modules only parse and run."""
    module = import_module(f"tracker.commands.{COMMANDS[name][0]}")
    assert callable(module.add_arguments) and callable(module.run)
    assert not hasattr(module, "NAME") and not hasattr(module, "HELP")


HAND_PLURAL = re.compile(
    r"""["']s["'] if|["']y["'] if|["']ies["']|\}\s*(?:day|host|item|row)s? (?:left|ago)\b"""
)
"""``item{'s' if n != 1 else ''}``, ``{{ "s" if n != 1 }}``, ``f"{n} days left"``: what
tracker.vocabulary (``plural``, ``days``, ``days_left``; the ``plural`` template filter) says once for
every surface."""


def hand_built_plurals(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".py", ".html", ".txt") or path.name == "vocabulary.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0] if path.suffix == ".py" else line
            if HAND_PLURAL.search(code) and '"""' not in code and not code.lstrip().startswith(("``", '"')):
                found.append(f"{path.relative_to(root.parent)}:{number}: {line.strip()}")
    return found


def test_plurals_and_day_counts_come_from_the_vocabulary() -> None:
    """No surface words its own plurals ("1 days left" was the bug): they all ask tracker.vocabulary."""
    assert hand_built_plurals(TRACKER) == []


def test_the_plural_check_finds_what_it_should(tmp_path: Path) -> None:
    pkg = tmp_path / "tracker"
    (pkg / "templates").mkdir(parents=True)
    (pkg / "a.py").write_text(
        "x = f\"{n} item{'s' if n != 1 else ''}\"\ny = vocab.plural(n, 'item')\nz = f'{n} days left'\n",
        encoding="utf-8",
    )
    (pkg / "templates" / "t.html").write_text('{{ n }} host{{ "s" if n != 1 }}\n', encoding="utf-8")
    (pkg / "vocabulary.py").write_text("z = f\"{n} day{'s' if n != 1 else ''}\"\n", encoding="utf-8")
    assert hand_built_plurals(pkg) == [
        "tracker/a.py:1: x = f\"{n} item{'s' if n != 1 else ''}\"",
        "tracker/a.py:3: z = f'{n} days left'",
        'tracker/templates/t.html:1: {{ n }} host{{ "s" if n != 1 }}',
    ]


def test_no_docstring_cites_a_spec_the_repository_does_not_have() -> None:
    """The product contract is not in the repository: code points at the README's sections instead."""
    cited = [
        f"{path.relative_to(TRACKER.parent)}:{number}"
        for path in sorted(TRACKER.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bSPEC\b", line)
    ]
    assert cited == []
