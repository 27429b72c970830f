"""README.md's console examples are real output: every ```console block is run and compared.

Each line of a ```console block that starts with ``$ `` is a command; the lines after it, up to the next
``$ `` line or the end of the block, are its expected output. ``tracker`` runs in this process
(``run_in_process``) as of 2026-11-26 (``TRACKER_AS_OF``), in a scratch directory where ``datasets/``,
``examples/`` and ``tests/`` of the repository resolve, with a clean ``HOME`` and no ``tracker.toml``.
The blocks of one ``##`` section share that directory, in order, as a reader following along would.

What a terminal shows is compared: stdout and stderr interleaved as written, or, when the command is
piped or its stderr redirected, the filtered stdout followed by stderr. A small shell is understood, in
Python: ``| head -N``, ``| tail -N``, ``| grep [-E] [-c] [-v] PATTERN``, ``2>/dev/null``, ``;``,
``&&``, ``echo $?``, ``cat FILE``, ``grep ... FILE``, ``mkdir [-p] DIR``, ``touch FILE``; anything else
fails the test. An HTML comment on the line before a fenced block drives the test:

- ``<!-- readme-test: skip (REASON) -->`` before a ```console block: not run (counted as skipped);
- ``<!-- readme-test: file PATH -->`` before any other fenced block (a ```toml configuration): its text
  is written to PATH in the scratch directory before the next ```console block runs.

Tables are as wide as their cells, never the terminal (only argparse's help follows ``COLUMNS``, which
is pinned); output is not a tty, so never coloured.

Expected lines are compared with trailing spaces removed, after replacing what changes from run to run
(date-times with a time of day, process ids, the random part of outbox file names), and with the
scratch ``HOME`` written ``~``; a line ``...`` stands for any number of lines.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import AS_OF, ROOT, run_in_process

README = ROOT / "README.md"
LINKED = ("datasets", "examples", "tests")
"""Repository directories the examples name by relative path (linked, never written)."""
MIN_CHECKED = 35
"""A floor, so that marking blocks skipped cannot quietly empty this test."""
MARKER = re.compile(r"<!--\s*readme-test:\s*(?P<kind>skip|file)\b\s*(?P<arg>.*?)\s*-->")
VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[+-]\d\d:\d\d|Z)"), "<date-time>"),
    (re.compile(r"\b\d{8}T\d{6}-([\w.-]+)-[0-9a-f]{8}\.eml\b"), r"<date-time>-\1-<random>.eml"),
    (re.compile(r"\bpid \d+"), "pid <pid>"),
]


@dataclass
class Command:
    line: int
    """README line of the ``$ `` line."""
    text: str
    expected: list[str]


@dataclass
class Block:
    line: int
    section: str
    commands: list[Command]
    skip: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    """Files written before the block runs (``readme-test: file`` blocks just before it)."""


class Unsupported(Exception):
    """A shell construct this test does not understand: run it for real or mark the block skipped."""


def parse_readme(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    section, marker, pending_files = "(top)", None, {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].strip()
        if not line.startswith("```"):
            if marker:
                raise ValueError(f"README.md:{i}: a readme-test marker goes on the line just before a fence")
            marker = MARKER.fullmatch(line.strip())
            if marker is None and line.lstrip().startswith("<!--") and "readme-test" in line:
                raise ValueError(f"README.md:{i + 1}: malformed readme-test marker: {line!r}")
            i += 1
            continue
        lang, start = line[3:].strip(), i + 1
        end = next(j for j in range(start, len(lines)) if lines[j].startswith("```"))
        body = lines[start:end]
        if marker and marker["kind"] == "file":
            pending_files[marker["arg"]] = "\n".join(body) + "\n"
        elif lang == "console":
            skip = _skip_reason(marker, start)
            blocks.append(Block(start, section, _commands(body, start + 1), skip, pending_files))
            pending_files = {}
        elif marker:
            raise ValueError(f"README.md:{start}: a skip marker only applies to a ```console block")
        marker, i = None, end + 1
    return blocks


def _skip_reason(marker: re.Match[str] | None, line: int) -> str | None:
    if marker is None:
        return None
    reason = re.fullmatch(r"\((.+)\)", marker["arg"])
    if reason is None:
        raise ValueError(f"README.md:{line}: write the reason: <!-- readme-test: skip (why) -->")
    return reason[1]


def _commands(body: list[str], first_line: int) -> list[Command]:
    commands: list[Command] = []
    for n, line in enumerate(body, first_line):
        if line.startswith("$ "):
            commands.append(Command(n, line[2:], []))
        elif not commands:
            raise ValueError(f"README.md:{n}: a ```console block starts with a '$ ' command line")
        else:
            commands[-1].expected.append(line)
    return commands


# --- a small shell, in Python ------------------------------------------------------------------------


@dataclass
class Shell:
    cwd: Path
    env: dict[str, str]
    status: int = 0

    @property
    def home(self) -> Path:
        return Path(self.env["HOME"])

    def run(self, command: str) -> str:
        """What a terminal shows for ``command``; ``self.status`` is its exit status."""
        output = ""
        for joiner, segment in _segments(command):
            if joiner == "&&" and self.status != 0:
                continue
            output += self._pipeline(segment)
        return output.replace(str(self.home), "~")

    def _pipeline(self, tokens: list[str]) -> str:
        stages = _split(tokens, "|")
        first, drop_stderr = _redirections(stages[0])
        out, err = self._program(first, merge=len(stages) == 1 and not drop_stderr)
        for stage in stages[1:]:
            out, self.status = _filter(stage, out)
        return out + ("" if drop_stderr else err)

    def _program(self, argv: list[str], merge: bool) -> tuple[str, str]:
        name, args = argv[0], argv[1:]
        if name == "tracker":
            result = run_in_process(*args, cwd=self.cwd, env=self.env, merge_stderr=merge)
            self.status = result.returncode
            return result.stdout, result.stderr
        if argv == ["echo", "$?"]:
            last, self.status = self.status, 0
            return f"{last}\n", ""
        self.status = 0
        if name in ("cat", "grep") and args:
            path = self.cwd / args[-1]
            if not path.is_file():
                self.status = 2 if name == "grep" else 1
                return "", f"{name}: {args[-1]}: No such file or directory\n"
            text = path.read_text(encoding="utf-8")
            if name == "cat" and len(args) == 1:
                return text, ""
            if name == "grep" and len(args) > 1:
                out, self.status = _filter(argv[:-1], text)
                return out, ""
        if name == "mkdir":
            parents = args[:1] == ["-p"]
            for d in args[parents:]:
                (self.cwd / d).mkdir(parents=parents, exist_ok=parents)
            return "", ""
        if name == "touch":
            for f in args:
                (self.cwd / f).touch()
            return "", ""
        raise Unsupported(f"cannot run {shlex.join(argv)!r} here")


def _tokens(command: str) -> list[str]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|;&>")
    lexer.whitespace_split = True
    return list(lexer)


def _segments(command: str) -> Iterator[tuple[str, list[str]]]:
    joiner, current = ";", list[str]()
    for token in _tokens(command):
        if token in (";", "&&"):
            yield joiner, current
            joiner, current = token, []
        else:
            current.append(token)
    if current:
        yield joiner, current


def _split(tokens: list[str], sep: str) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == sep:
            parts.append([])
        else:
            parts[-1].append(token)
    if any(not p for p in parts):
        raise Unsupported(f"empty command in {shlex.join(tokens)!r}")
    return parts


def _redirections(argv: list[str]) -> tuple[list[str], bool]:
    """``2>/dev/null`` at the end of a command: (the command, stderr dropped)."""
    if argv[-3:] == ["2", ">", "/dev/null"]:
        return argv[:-3], True
    if any(t in (">", "&", "&&", ";") for t in argv):
        raise Unsupported(f"cannot redirect like {shlex.join(argv)!r} here")
    return argv, False


def _filter(argv: list[str], text: str) -> tuple[str, int]:
    """``head``, ``tail`` or ``grep`` over ``text``: (output, exit status)."""
    lines = text.splitlines(keepends=True)
    name, args = argv[0], argv[1:]
    if name in ("head", "tail") and len(args) == 1 and re.fullmatch(r"-\d+", args[0]):
        n = int(args[0][1:])
        return "".join(lines[:n] if name == "head" else lines[-n:] if n else []), 0
    if name == "grep" and args:
        return _grep(args, lines)
    raise Unsupported(f"cannot filter through {shlex.join(argv)!r} here")


def _grep(args: list[str], lines: list[str]) -> tuple[str, int]:
    *flags, pattern = args
    if set(flags) - {"-E", "-c", "-v"}:
        raise Unsupported(f"grep {' '.join(flags)}: only -E, -c and -v are understood here")
    regex = re.compile(pattern if "-E" in flags else _basic_regex(pattern))
    picked = [line for line in lines if bool(regex.search(line)) != ("-v" in flags)]
    status = 0 if picked else 1
    return (f"{len(picked)}\n" if "-c" in flags else "".join(picked)), status


def _basic_regex(pattern: str) -> str:
    """grep's basic syntax: ``| + ? ( ) { }`` are plain characters."""
    return re.sub(r"([|+?(){}])", r"\\\1", pattern)


# --- comparing -----------------------------------------------------------------------------------------


def normalise(line: str) -> str:
    for regex, placeholder in VOLATILE:
        line = regex.sub(placeholder, line)
    return line.rstrip()


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line, a ``...`` line standing for any number of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


def sandbox(tmp_path: Path) -> Shell:
    """A working directory like the repository's (read-only links) and a clean environment."""
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    for name in LINKED:
        (work / name).symlink_to(ROOT / name, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "XDG_"))}
    env.pop("NO_COLOR", None)
    # Tables are as wide as their cells, never the terminal; argparse's usage lines follow COLUMNS.
    env.update(HOME=str(home), TRACKER_AS_OF=AS_OF, TZ="UTC", COLUMNS="100", LINES="40")
    return Shell(work, env)


BLOCKS = parse_readme(README.read_text(encoding="utf-8"))
SECTIONS = list(dict.fromkeys(b.section for b in BLOCKS))


def counts(blocks: list[Block]) -> tuple[int, int, dict[str, int]]:
    """(commands checked, commands skipped, skipped commands per reason)."""
    skipped: dict[str, int] = {}
    for b in blocks:
        if b.skip:
            skipped[b.skip] = skipped.get(b.skip, 0) + len(b.commands)
    checked = sum(len(b.commands) for b in blocks if not b.skip)
    return checked, sum(skipped.values()), skipped


def _tally() -> str:
    checked, skipped, _ = counts(BLOCKS)
    return f"README.md: {checked} commands checked, {skipped} skipped"


def run_block(shell: Shell, block: Block) -> Iterator[str]:
    """One failure message per command whose output differs from the README's."""
    for path, text in block.files.items():
        (shell.cwd / path).parent.mkdir(parents=True, exist_ok=True)
        (shell.cwd / path).write_text(text, encoding="utf-8")
    if block.skip:
        return
    for cmd in block.commands:
        try:
            actual = shell.run(cmd.text).splitlines()
        except Unsupported as exc:
            yield f"README.md:{cmd.line}: $ {cmd.text}\n  {exc}: use a supported form or mark the block skipped"
            continue
        want = [normalise(line) for line in cmd.expected]
        got = [normalise(line) for line in actual]
        if not matches(want, got):
            yield _difference(cmd, actual)


def _difference(cmd: Command, actual: list[str]) -> str:
    shown = "\n".join(f"    {line}" for line in actual) or "    (nothing)"
    return (
        f"README.md:{cmd.line}: $ {cmd.text}\n  the README shows:\n"
        + ("\n".join(f"    {line}" for line in cmd.expected) or "    (nothing)")
        + f"\n  it prints now:\n{shown}"
    )


@pytest.mark.parametrize("section", SECTIONS)
def test_readme_section(section: str, tmp_path: Path) -> None:
    blocks = [b for b in BLOCKS if b.section == section]
    live = [b for b in blocks if not b.skip]
    if not live:
        pytest.skip(f"every block skipped: {'; '.join(sorted({b.skip or '' for b in blocks}))}")
    shell = sandbox(tmp_path)
    failures = [message for b in blocks for message in run_block(shell, b)]
    total = sum(len(b.commands) for b in live)
    assert not failures, (
        f"{len(failures)} of {total} commands in '{section}' differ from README.md ({_tally()}); "
        "run them and paste the real output (the README follows the code):\n\n" + "\n\n".join(failures)
    )


def test_readme_examples_are_mostly_checked() -> None:
    checked, _, reasons = counts(BLOCKS)
    detail = "; ".join(f"{n} ({reason})" for reason, n in reasons.items())
    live = [c for b in BLOCKS if not b.skip for c in b.commands if c.text.split()[:1] == ["tracker"]]
    assert checked >= MIN_CHECKED and len(live) > checked / 2, (
        f"{_tally()} ({len(live)} of the checked run tracker): too few checked (at least {MIN_CHECKED}); "
        f"skipped: {detail}"
    )


# --- the checker checks itself -------------------------------------------------------------------------

SAMPLE = """\
## One

<!-- readme-test: file tracker.toml -->
```toml
timezone = "UTC"
```

```console
$ tracker status x | head -2
a
b
$ echo $?
0
```

## Two

<!-- readme-test: skip (needs an SMTP server) -->
```console
$ tracker alert
sent
```
"""


def test_parser_reads_commands_files_and_skips() -> None:
    one, two = parse_readme(SAMPLE)
    assert (one.section, one.skip, one.files) == ("One", None, {"tracker.toml": 'timezone = "UTC"\n'})
    assert [(c.text, c.expected) for c in one.commands] == [
        ("tracker status x | head -2", ["a", "b"]),
        ("echo $?", ["0"]),
    ]
    assert (two.section, two.skip, two.files) == ("Two", "needs an SMTP server", {})
    assert counts([one, two]) == (2, 1, {"needs an SMTP server": 1})


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(
            "<!-- readme-test: skip -->\n```console\n$ tracker alert\n```\n", id="skip-without-reason"
        ),
        pytest.param("<!-- readme-test: skp (x) -->\n", id="misspelt-marker"),
        pytest.param("```console\noutput before any command\n```\n", id="output-first"),
        pytest.param(
            "<!-- readme-test: skip (x) -->\n\n```console\n$ tracker alert\n```\n", id="marker-apart"
        ),
    ],
)
def test_parser_refuses_malformed_blocks(bad: str) -> None:
    with pytest.raises(ValueError, match=r"README\.md:\d+"):
        parse_readme(bad)


def test_matching_and_normalising() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "b"], ["a", "b"])
    assert not matches(["a", "b"], ["a", "b", "c"])
    assert not matches(["a", "...", "d"], ["a", "b"])
    assert normalise('"generated_at": "2026-11-26T04:17:04+00:00",  ') == '"generated_at": "<date-time>",'
    assert (
        normalise("x/20261126T071308-all-7dad1d89.eml (pid 18248)")
        == "x/<date-time>-all-<random>.eml (pid <pid>)"
    )


def test_a_stale_block_fails(tmp_path: Path) -> None:
    stale = Block(1, "x", [Command(2, "tracker status 'hyper-v 2016' --format csv | tail -1", ["old"])])
    current = Block(1, "x", [Command(2, "echo $?", ["0"])])
    assert [m.splitlines()[0] for m in run_block(sandbox(tmp_path), stale)] == [
        "README.md:2: $ tracker status 'hyper-v 2016' --format csv | tail -1"
    ]
    (tmp_path / "again").mkdir()
    assert list(run_block(sandbox(tmp_path / "again"), current)) == []


def test_shell_pipelines(tmp_path: Path) -> None:
    shell = sandbox(tmp_path)
    assert shell.run("tracker status vmwre; echo $?").splitlines()[-1] == "1"
    assert shell.run("tracker status 'hyper-v server' --format csv | grep -c 2016") == "1\n"
    assert shell.run("tracker status 'hyper-v server' --format csv | tail -1").startswith(
        "Microsoft,Hyper-V Server,2019,"
    )
    assert (
        shell.run("tracker status 'hyper-v server' --format csv | grep -E '2008|2012' | head -1").count("\n")
        == 1
    )
    assert shell.run("tracker status nothing 2>/dev/null") == ""
    assert shell.run("tracker status nothing && echo $?") == shell.run("tracker status nothing")
    with pytest.raises(Unsupported):
        shell.run("tracker status > out.txt")
    with pytest.raises(Unsupported):
        shell.run("python3 -c 'print(1)'")
    assert shell.run("grep -c x missing.txt; echo $?") == "grep: missing.txt: No such file or directory\n2\n"
