"""Product aliases and version-to-cycle rules: data (``datasets/aliases.csv``), compiled once.

Inventories name products the way their source tool does (``ESXi``, ``Microsoft Hyper-V Server
2019``, ``pve-manager/8.2.4``, Windows build ``10.0.17763``); the dataset names release cycles the
way vendors do. The rules that bridge the two live in a CSV file so that adding a product or a
build number is a data change; ``datasets/README-aliases.md`` documents the format.
This module is pure Python (no pandas): it matches one (product, version) pair at a time, and the
inventory join calls it once per *distinct* pair.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tracker.csvtext import CsvTextError, csv_rows, decode_csv_text, is_blank, line_problems
from tracker.dataset import LifecycleRecord, bundled_dataset_path
from tracker.errors import DatasetError
from tracker.terms import typed_text

ALIAS_COLUMNS = ("kind", "syntax", "pattern", "applies_to", "product", "cycle", "note", "cycle_column")
REQUIRED_ALIAS_COLUMNS = ("kind", "syntax", "pattern", "product", "cycle")
KINDS = ("product", "version")
SYNTAXES = ("exact", "glob", "regex")
GROUPS = {"cycle", "version"}
_LEADING_V = re.compile(r"v(?=\d)", re.IGNORECASE)
_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED_COLUMNS = ("hostname", "product", "version")


def bundled_aliases_path() -> Path:
    """``aliases.csv`` next to the bundled dataset (in the wheel or the source tree)."""
    return bundled_dataset_path().with_name("aliases.csv")


@dataclass(frozen=True)
class Rule:
    """One row of the aliases file; its pattern is compiled on first use (start-up time)."""

    kind: str
    """``product``: names a dataset product; ``version``: maps a version text to a cycle."""
    expression: str
    """The pattern as a regular expression (exact and glob are translated)."""
    applies_to: tuple[str, ...]
    """Version rules only: casefolded products the rule is for; empty = any product."""
    product: str
    """Product rules: the dataset product. Version rules: switch to this product ('' = keep)."""
    cycle: str
    """A literal cycle ('' = from the ``cycle`` group, else the version)."""
    line: int
    source: str = "aliases.csv"
    """The file the rule comes from, for ``--explain``."""
    syntax: str = "regex"
    pattern: str = ""
    """The pattern as written in the file."""
    note: str = ""
    """The row's ``note``: ``--explain`` shows it when the rule named a product but no cycle."""
    cycle_column: str = ""
    """Product rules: the inventory column that names the cycle when the version names none
    (the AHV rows: ``aos``, the cluster's AOS version); '' = none."""

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """Case-insensitive, matched against the whole text (``fullmatch``)."""
        try:
            return re.compile(self.expression, re.IGNORECASE)
        except re.error as exc:  # only an unvalidated file (the bundled one, edited in place)
            raise DatasetError(
                f"{self.source}:{self.line}: pattern: invalid regular expression: {exc}"
            ) from None

    @property
    def products(self) -> tuple[str, ...]:
        """The ``product`` column's alternatives (``AHV ; AOS``): the first the dataset has wins."""
        return tuple(p.strip() for p in self.product.split(";") if p.strip())

    @property
    def where(self) -> str:
        """``aliases.csv:12``: where a person reads (and overrides) the rule."""
        return f"{Path(self.source).name}:{self.line}"


@dataclass(frozen=True)
class Match:
    """What a host's (product, version) pair resolved to."""

    product: str | None
    """The dataset product, or None when the product is not recognised."""
    cycle: str | None
    """The dataset cycle, or None when the version could not be placed."""
    product_rule: str = ""
    """How the product was recognised (or why not), for ``tracker inventory --explain``."""
    cycle_rule: str = ""
    """How the cycle was chosen (or why none was), for ``tracker inventory --explain``."""
    cycle_column: str = ""
    """The inventory column the product's alias takes the cycle from when the version names
    none (``aos`` for AHV hosts); '' = none."""


@dataclass
class Aliases:
    """The compiled rules; ``match`` resolves pairs against a given dataset."""

    rules: list[Rule] = field(default_factory=list)
    source: str = "(none)"

    @property
    def product_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.kind == "product"]

    @property
    def version_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.kind == "version"]

    @property
    def cycle_columns(self) -> tuple[str, ...]:
        """The inventory columns some product rule takes a cycle from (``aos``)."""
        return tuple(sorted({r.cycle_column for r in self.rules if r.cycle_column}))


def _expression(syntax: str, pattern: str) -> str:
    if syntax == "exact":
        return re.escape(pattern.strip())
    if syntax == "glob":
        return fnmatch.translate(pattern.strip())
    return pattern


def parse_aliases(raw: bytes, name: str, compile_now: bool = True) -> Aliases:
    """Parse and validate an aliases CSV; raise DatasetError with every ``FILE:LINE:`` problem.

    ``compile_now=False`` leaves the regular expressions to first use (the bundled file, which its
    tests compile): a query compiles only the rules it tries."""
    problems, problem = line_problems(name)
    try:
        text = decode_csv_text(raw, name)
    except CsvTextError as exc:
        raise DatasetError(str(exc)) from None
    errors: list[str] = []
    rows = csv_rows(text, name, errors)
    first = next(rows, None)
    header = [h.strip() for h in first[1]] if first is not None else []
    if errors:
        raise DatasetError(*errors)
    for col in REQUIRED_ALIAS_COLUMNS:
        if col not in header:
            problem(1, col, "required column is missing")
    for h in header:
        if h not in ALIAS_COLUMNS:
            problem(1, h or "(blank)", "unknown column")
    if problems:
        raise DatasetError(*problems)
    rules: list[Rule] = []
    for line, row in rows:
        if is_blank(row):
            continue
        if len(row) > len(header):
            problem(line, "(row)", "more fields than the header has columns")
            continue
        values = dict.fromkeys(header, "")
        values.update({h: cell.strip() for h, cell in zip(header, row, strict=False)})
        rule = _rule(values, line, name, problem, compile_now)
        if rule is not None:
            rules.append(rule)
    problems += errors
    if problems:
        raise DatasetError(*problems)
    return Aliases(rules=rules, source=name)


def _rule(
    values: dict[str, str],
    line: int,
    name: str,
    problem: Callable[[int, str, str], None],
    compile_now: bool = True,
) -> Rule | None:
    kind, syntax, pattern = values["kind"], values["syntax"], values["pattern"]
    ok = True
    if kind not in KINDS:
        problem(line, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
        ok = False
    if syntax not in SYNTAXES:
        problem(line, "syntax", f"{syntax!r} is not one of {', '.join(SYNTAXES)}")
        ok = False
    if not pattern:
        problem(line, "pattern", "empty pattern")
        ok = False
    if kind == "product" and not values["product"]:
        problem(line, "product", "a product rule must name the dataset product")
        ok = False
    if kind == "product" and values.get("applies_to"):
        problem(line, "applies_to", "only version rules have applies_to")
        ok = False
    ok = _cycle_column_ok(kind, values.get("cycle_column", ""), line, problem) and ok
    if not ok:
        return None
    expression = _expression(syntax, pattern)
    if compile_now:
        try:
            regex = re.compile(expression, re.IGNORECASE)
        except re.error as exc:
            problem(line, "pattern", f"invalid regular expression: {exc}")
            return None
        unknown = set(regex.groupindex) - GROUPS
        if unknown:
            problem(
                line, "pattern", f"unknown named group(s) {', '.join(sorted(unknown))} (use cycle or version)"
            )
            return None
    applies = tuple(p.strip().casefold() for p in values.get("applies_to", "").split(";") if p.strip())
    return Rule(
        kind=kind,
        expression=expression,
        applies_to=applies,
        product=values["product"],
        cycle=values["cycle"],
        line=line,
        source=name,
        syntax=syntax,
        pattern=pattern,
        note=values.get("note", "").strip(),
        cycle_column=values.get("cycle_column", "").strip(),
    )


def _cycle_column_ok(kind: str, column: str, line: int, problem: Callable[[int, str, str], None]) -> bool:
    if not column:
        return True
    if kind != "product":
        problem(line, "cycle_column", "only product rules have cycle_column")
    elif column in RESERVED_COLUMNS:
        problem(line, "cycle_column", f"{column!r} cannot name the cycle: the version column already does")
    elif not _COLUMN_NAME.fullmatch(column):
        problem(line, "cycle_column", f"{column!r} is not a column name (letters, digits, _)")
    else:
        return True
    return False


def load_aliases(path: str | Path | None = None) -> Aliases:
    """The bundled ``aliases.csv``, after the rows of ``path`` when given (a user's own rules come
    first, so they win over the bundled ones); raise DatasetError when a file is invalid."""
    bundled = _read_aliases(bundled_aliases_path(), compile_now=False)
    if path is None or Path(path).resolve() == bundled_aliases_path().resolve():
        return bundled
    own = _read_aliases(Path(path))
    return Aliases(rules=own.rules + bundled.rules, source=f"{own.source} + {bundled.source}")


def _read_aliases(path: Path, compile_now: bool = True) -> Aliases:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read aliases: {exc.strerror or exc}") from None
    return parse_aliases(raw, str(path), compile_now)


@dataclass(frozen=True)
class _Candidate:
    product: str
    cycle: str
    why: str


class Matcher:
    """Resolves host (product, version) pairs to dataset (product, cycle); see README-aliases.md."""

    def __init__(self, records: Iterable[LifecycleRecord], aliases: Aliases) -> None:
        self.products: dict[str, str] = {}
        """casefolded product name -> dataset product name."""
        self.cycles: dict[str, dict[str, str]] = {}
        """dataset product -> casefolded cycle -> cycle."""
        for r in records:
            self.products.setdefault(r.product.casefold(), r.product)
            self.cycles.setdefault(r.product, {}).setdefault(r.cycle.casefold(), r.cycle)
        # Longest names first, so "Windows Server 2019" is not read as a shorter product.
        self._by_length = sorted(self.products, key=len, reverse=True)
        self.product_rules = aliases.product_rules
        self.version_rules = aliases.version_rules

    def target(self, rule: Rule) -> str | None:
        """The first of the rule's products that the dataset has (None: none of them)."""
        for name in rule.products:
            found = self.products.get(name.casefold())
            if found is not None:
                return found
        return None

    def match(self, product: str, version: str, columns: Mapping[str, str] | None = None) -> Match:
        """The (product, cycle) of one host; ``product_rule`` / ``cycle_rule`` say why. ``columns``:
        the host's other columns, read when its alias has a ``cycle_column`` (None: not read)."""
        product, version = typed_text(product), typed_text(version)  # "VMware\u00a0ESXi", "Hyper\u2011V"
        found = self.product_of(product)
        if found is None:
            return Match(None, None, "no dataset product, alias or product-name prefix matches", "")
        name, hints, why, note, column = found
        hit = self._first(self.candidates(name, hints, version))
        said = ""
        if column and name in self.cycles:
            hit, said = self._from_column(name, hit, column, columns.get(column) if columns else None)
        if hit is not None:
            return Match(hit.product, hit.cycle, why, hit.why, column)
        texts = [t for t in (*hints, version) if t]
        known = ", ".join(self.cycles.get(name, {}).values())
        reason = (
            f"no cycle of {name} for {' / '.join(repr(t) for t in texts)} (cycles: {known})"
            if texts
            else "no version given"
        )
        if said:
            reason += f"; {said}"
        if note:  # the alias's own word on why its versions name no cycle (AHV builds)
            reason += f"; {why.removeprefix('alias ')}: {note}"
        return Match(name if name in self.cycles else None, None, why, reason, column)

    def _first(self, tried: list[_Candidate]) -> _Candidate | None:
        """The first candidate the dataset has, with the dataset's spelling of its cycle."""
        for c in tried:
            cycle = self.cycles.get(c.product, {}).get(c.cycle.casefold())
            if cycle is not None:
                return _Candidate(c.product, cycle, c.why)
        return None

    def _from_column(
        self, name: str, hit: _Candidate | None, column: str, value: str | None
    ) -> tuple[_Candidate | None, str]:
        """The cycle the host's ``column`` names when the version names none (the version column
        wins when both do), else why the column did not help."""
        if value is None:
            return hit, "" if hit else f"no {column} column in the inventory to take the cycle from"
        value = value.strip()
        m = self.match(value, "") if value else Match(None, None)
        if value and (m.product != name or m.cycle is None):
            m = self.match(name, value)
        if m.cycle is None or m.product != name:
            said = f"the {column} column's {value!r} names no cycle of {name} either" if value else ""
            return hit, "" if hit else said or f"the {column} column is empty"
        if hit is None:
            return _Candidate(name, m.cycle, f"cycle from the {column} column: {m.cycle_rule}"), ""
        if hit.cycle != m.cycle:
            wins = f"{hit.why}; the version column wins over the {column} column's {value!r} ({m.cycle})"
            return _Candidate(hit.product, hit.cycle, wins), ""
        return hit, ""

    def product_of(self, text: str) -> tuple[str, tuple[str, str, str], str, str, str] | None:
        """(dataset product, (literal cycle, cycle group, version group), why, the alias's note,
        the alias's cycle column) for a product text."""
        folded = text.casefold()
        if folded in self.products:
            return self.products[folded], ("", "", ""), "dataset product name", "", ""
        for rule in self.product_rules:
            m = rule.regex.fullmatch(text)
            if m is None:
                continue
            target = self.target(rule)
            if target is None:
                continue
            groups = m.groupdict()
            hints = (rule.cycle, groups.get("cycle") or "", groups.get("version") or "")
            return target, hints, f"alias {rule.where}", rule.note, rule.cycle_column
        for name in self._by_length:
            if folded.startswith(name) and folded[len(name) : len(name) + 1] == " ":
                rest, found = text[len(name) :].strip(), self.products[name]
                return found, ("", "", rest), f"product name {found!r} + version", "", ""
        return None

    def candidates(self, product: str, hints: tuple[str, str, str], version: str) -> list[_Candidate]:
        """Candidate (product, cycle) pairs, best first; the first one in the dataset wins."""
        literal, cycle_group, version_group = hints
        out: list[_Candidate] = []
        if literal:
            out.append(_Candidate(product, literal.strip(), "literal cycle of the alias"))
        if cycle_group:
            out.append(_Candidate(product, cycle_group.strip(), "cycle captured by the alias"))
        for text in (version_group, version):
            if text:
                out += self._from_version(product, text.strip())
        return out

    def _from_version(self, product: str, text: str) -> list[_Candidate]:
        folded = product.casefold()
        out: list[_Candidate] = []
        for rule in self.version_rules:
            if rule.applies_to and folded not in rule.applies_to:
                continue
            m = rule.regex.fullmatch(text)
            if m is None:
                continue
            target = (self.target(rule) or rule.product) if rule.product else product
            groups = m.groupdict()
            if rule.cycle or groups.get("cycle"):
                cycle = (rule.cycle or groups.get("cycle") or "").strip()
                out.append(_Candidate(target, cycle, f"version rule {rule.where} on {text!r}"))
            if groups.get("version"):
                after = f" after {rule.where}"
                if target != product:  # the rule moved the version to another product: its rules
                    out += [
                        _Candidate(c.product, c.cycle, c.why + after)
                        for c in self._from_version(target, groups["version"].strip())
                    ]
                else:
                    out += self._default(target, groups["version"].strip(), after)
        out += self._default(product, text, "")
        return out

    def _default(self, product: str, text: str, after: str) -> list[_Candidate]:
        """The cycle the version starts with: ``7.0.3`` -> ``7.0``, never ``5.10`` -> ``5.1``."""
        folded = _LEADING_V.sub("", text.casefold(), count=1)
        best = ""
        for cycle in self.cycles.get(product, {}):
            if folded == cycle:
                return [_Candidate(product, cycle, f"version {text!r} is the cycle{after}")]
            if len(cycle) > len(best) and folded.startswith(cycle) and not folded[len(cycle)].isdigit():
                best = cycle
        if best:
            return [_Candidate(product, best, f"version {text!r} starts with the cycle{after}")]
        # "ESXi 7" as spreadsheets shorten 7.0: the one cycle of that line (never one of several)
        line = [
            c for c in self.cycles.get(product, {}) if folded and c.startswith((folded + ".", folded + " "))
        ]
        if len(line) == 1:
            return [_Candidate(product, line[0], f"version {text!r} names one cycle only{after}")]
        return []
