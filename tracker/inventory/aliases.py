"""Product aliases and version-to-cycle rules: data (``datasets/aliases.csv``), compiled once.

Inventories name products the way their source tool does (``ESXi``, ``Microsoft Hyper-V Server
2019``, ``pve-manager/8.2.4``, Windows build ``10.0.17763``); the dataset names release cycles the
way vendors do. The rules that bridge the two live in a CSV file so that adding a product or a
build number is a data change; ``datasets/README-aliases.md`` documents the format.
This module is pure Python (no pandas): it matches one (product, version) pair at a time, and the
inventory join calls it once per *distinct* pair.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tracker.csvtext import CsvTextError, decode_csv_text
from tracker.dataset import LifecycleRecord, bundled_dataset_path
from tracker.errors import DatasetError

ALIAS_COLUMNS = ("kind", "syntax", "pattern", "applies_to", "product", "cycle", "note")
REQUIRED_ALIAS_COLUMNS = ("kind", "syntax", "pattern", "product", "cycle")
KINDS = ("product", "version")
SYNTAXES = ("exact", "glob", "regex")
GROUPS = {"cycle", "version"}
_LEADING_V = re.compile(r"v(?=\d)", re.IGNORECASE)


def bundled_aliases_path() -> Path:
    """``aliases.csv`` next to the bundled dataset (in the wheel or the source tree)."""
    return bundled_dataset_path().with_name("aliases.csv")


@dataclass(frozen=True)
class Rule:
    """One row of the aliases file, with its pattern compiled."""

    kind: str
    """``product``: names a dataset product; ``version``: maps a version text to a cycle."""
    regex: re.Pattern[str]
    """The pattern as a case-insensitive whole-text regex (exact and glob are translated)."""
    applies_to: tuple[str, ...]
    """Version rules only: casefolded products the rule is for; empty = any product."""
    product: str
    """Product rules: the dataset product. Version rules: switch to this product ('' = keep)."""
    cycle: str
    """A literal cycle ('' = from the ``cycle`` group, else the version)."""
    line: int


@dataclass(frozen=True)
class Match:
    """What a host's (product, version) pair resolved to."""

    product: str | None
    """The dataset product, or None when the product is not recognised."""
    cycle: str | None
    """The dataset cycle, or None when the version could not be placed."""


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


def _compile(syntax: str, pattern: str) -> re.Pattern[str]:
    if syntax == "exact":
        text = re.escape(pattern.strip())
    elif syntax == "glob":
        text = fnmatch.translate(pattern.strip())
    else:
        text = pattern
    return re.compile(text, re.IGNORECASE)


def parse_aliases(raw: bytes, name: str) -> Aliases:
    """Parse and validate an aliases CSV; raise DatasetError with every ``FILE:LINE:`` problem."""
    problems: list[str] = []

    def problem(line: int, column: str, message: str) -> None:
        problems.append(f"{name}:{line}: {column}: {message}")

    try:
        text = decode_csv_text(raw, name)
    except CsvTextError as exc:
        raise DatasetError(str(exc)) from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise DatasetError(f"{name}:1: (file): not valid CSV: {exc}") from None
    for col in REQUIRED_ALIAS_COLUMNS:
        if col not in header:
            problem(1, col, "required column is missing")
    for h in header:
        if h not in ALIAS_COLUMNS:
            problem(1, h or "(blank)", "unknown column")
    if problems:
        raise DatasetError(*problems)
    reader.fieldnames = header
    rules: list[Rule] = []
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                problem(line, "(row)", "more fields than the header has columns")
                continue
            values = {k: (v or "").strip() for k, v in row.items()}
            if not any(values.values()):
                continue
            rule = _rule(values, line, problem)
            if rule is not None:
                rules.append(rule)
    except csv.Error as exc:
        problem(line + 1, "(row)", f"not valid CSV: {exc}")
    if problems:
        raise DatasetError(*problems)
    return Aliases(rules=rules, source=name)


def _rule(values: dict[str, str], line: int, problem) -> Rule | None:
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
    if not ok:
        return None
    try:
        regex = _compile(syntax, pattern)
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
        regex=regex,
        applies_to=applies,
        product=values["product"],
        cycle=values["cycle"],
        line=line,
    )


def load_aliases(path: str | Path | None = None) -> Aliases:
    """Read ``path`` (default: the bundled ``aliases.csv``); raise DatasetError when invalid."""
    path = Path(path) if path is not None else bundled_aliases_path()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read aliases: {exc.strerror or exc}") from None
    return parse_aliases(raw, str(path))


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
        self._product_rules = aliases.product_rules
        self._version_rules = aliases.version_rules

    def match(self, product: str, version: str) -> Match:
        product, version = product.strip(), version.strip()
        found = self._product(product)
        if found is None:
            return Match(None, None)
        name, literal_cycle, cycle_hint, version_hint = found
        for cand_product, cand_cycle in self._candidates(
            name, literal_cycle, cycle_hint, version_hint, version
        ):
            cycle = self.cycles.get(cand_product, {}).get(cand_cycle.casefold())
            if cycle is not None:
                return Match(cand_product, cycle)
        return Match(name if name in self.cycles else None, None)

    def _product(self, text: str) -> tuple[str, str, str, str] | None:
        """(dataset product, literal cycle, cycle group, version group) for a product text."""
        folded = text.casefold()
        if folded in self.products:
            return self.products[folded], "", "", ""
        for rule in self._product_rules:
            m = rule.regex.fullmatch(text)
            if m is not None:
                groups = m.groupdict()
                return (
                    self.products.get(rule.product.casefold(), rule.product),
                    rule.cycle,
                    groups.get("cycle") or "",
                    groups.get("version") or "",
                )
        for name in self._by_length:
            if folded.startswith(name) and folded[len(name) : len(name) + 1] == " ":
                return self.products[name], "", "", text[len(name) :].strip()
        return None

    def _candidates(
        self, product: str, literal_cycle: str, cycle_hint: str, version_hint: str, version: str
    ) -> Iterator[tuple[str, str]]:
        """Candidate (product, cycle) pairs, best first; the first one in the dataset wins."""
        for cycle in (literal_cycle, cycle_hint):
            if cycle:
                yield product, cycle.strip()
        for text in (version_hint, version):
            if text:
                yield from self._from_version(product, text.strip())

    def _from_version(self, product: str, text: str) -> Iterator[tuple[str, str]]:
        folded = product.casefold()
        for rule in self._version_rules:
            if rule.applies_to and folded not in rule.applies_to:
                continue
            m = rule.regex.fullmatch(text)
            if m is None:
                continue
            target = self.products.get(rule.product.casefold(), rule.product) if rule.product else product
            groups = m.groupdict()
            if rule.cycle or groups.get("cycle"):
                yield target, (rule.cycle or groups.get("cycle") or "").strip()
            if groups.get("version"):
                yield from self._default(target, groups["version"].strip())
        yield from self._default(product, text)

    def _default(self, product: str, text: str) -> Iterator[tuple[str, str]]:
        """The cycle the version starts with: ``7.0.3`` -> ``7.0``, never ``5.10`` -> ``5.1``."""
        folded = _LEADING_V.sub("", text.casefold(), count=1)
        best = ""
        for cycle in self.cycles.get(product, {}):
            if folded == cycle:
                yield product, cycle
                return
            if len(cycle) > len(best) and folded.startswith(cycle) and not folded[len(cycle)].isdigit():
                best = cycle
        if best:
            yield product, best
