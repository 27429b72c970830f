"""The two planning files beside the dataset (README "Planning upgrades"), read and checked like the dataset.

``upgrades.csv`` lists supported hops; ``stack.csv`` lists what a release cycle depends on. Both name
products and cycles of the lifecycle dataset, so both are validated *against* it: every problem is
reported as ``FILE:LINE: column: message``, all at once. A third, optional file (``plan.hardware``)
maps hardware models to their end of service.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypedDict, TypeVar

from tracker import vocabulary as vocab
from tracker.csvtext import Problem, line_problems, read_header, row_values
from tracker.dataset import (
    LifecycleRecord,
    confidence_known,
    is_http_url,
    required_present,
    single_line_values,
)
from tracker.dates import parse_milestone
from tracker.errors import DatasetError

UPGRADE_COLUMNS = (
    "vendor",
    "product",
    "from_cycle",
    "to_product",
    "to_cycle",
    "kind",
    "source",
    "confidence",
    "notes",
)
STACK_COLUMNS = (
    "vendor",
    "product",
    "cycle",
    "relation",
    "requires_product",
    "requires_cycle",
    "optional",
    "source",
    "confidence",
    "notes",
)
HARDWARE_COLUMNS = ("hardware_model", "hardware_end", "source", "notes")
KINDS = ("in-place", "migrate", "reinstall")
RELATIONS = ("managed-by", "runs-on", "bundled-with")
OPTIONAL = ("", "yes", "no")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Hop:
    """One supported upgrade hop (a row of ``upgrades.csv``)."""

    vendor: str
    product: str
    from_cycle: str
    to_product: str
    to_cycle: str
    kind: str
    """``in-place``, ``migrate`` (to other hardware or another product) or ``reinstall``."""
    source: str = ""
    confidence: str = ""
    notes: str = ""
    line: int = 0


@dataclass(frozen=True)
class Requirement:
    """What one cycle needs (a row of ``stack.csv``).

    Several rows for the same cycle, relation and required product are alternatives; for
    ``managed-by`` the required cycle is the oldest allowed ("vCenter Server 8.0 or later")."""

    vendor: str
    product: str
    cycle: str
    relation: str
    """``managed-by``, ``runs-on`` or ``bundled-with``."""
    requires_product: str
    requires_cycle: str
    optional: bool = False
    """The layer counts only when the host names it (a host may run without it: SCVMM)."""
    source: str = ""
    confidence: str = ""
    notes: str = ""
    line: int = 0


def upgrades_path_for(dataset_path: Path) -> Path:
    """``upgrades.csv`` beside the dataset."""
    return Path(dataset_path).with_name("upgrades.csv")


def stack_path_for(dataset_path: Path) -> Path:
    """``stack.csv`` beside the dataset."""
    return Path(dataset_path).with_name("stack.csv")


def _rows(
    raw: bytes,
    name: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    problems: list[str],
    problem: Problem,
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, values)`` per non-blank row; header and row-shape problems go to ``problems``."""
    read = read_header(raw, name, problems)
    if read is None:
        return
    header, rows = read
    bad = False
    for h in header:
        if h not in columns:
            problem(1, h or "(blank)", "unknown column")
            bad = True
    for col in required:
        if col not in header:
            problem(1, col, "required column is missing")
            bad = True
    if len(set(header)) != len(header):
        problem(1, "(header)", "a column appears twice in the header")
        bad = True
    if bad:
        return
    for line, values in row_values(header, rows, problem):
        single_line_values(values, line, problem)
        yield line, values


def _first_seen(seen: dict[K, int], key: K, line: int, column: str, problem: Problem) -> bool:
    """Remember that ``line`` holds ``key``; False, with a problem, when an earlier line did."""
    if key in seen:
        problem(line, column, f"duplicate of line {seen[key]}")
        return False
    seen[key] = line
    return True


def _check_sourced(values: dict[str, str], line: int, required: tuple[str, ...], problem: Problem) -> bool:
    ok = required_present(values, line, required, problem)
    for part in values.get("source", "").split(";") if values.get("source") else ():
        part = part.strip()
        if not is_http_url(part):
            problem(line, "source", f"not an http(s):// URL: {part!r}")
            ok = False
    return confidence_known(values, line, problem) and ok


class _Provenance(TypedDict):
    source: str
    confidence: str
    notes: str
    line: int


def _provenance(values: dict[str, str], line: int) -> _Provenance:
    """Where a row's facts come from, as the fields of a Hop or a Requirement."""
    return {
        "source": values["source"],
        "confidence": values["confidence"],
        "notes": values.get("notes", ""),
        "line": line,
    }


def _new_row(
    record: LifecycleRecord,
    values: dict[str, str],
    line: int,
    seen: dict[K, int],
    key: K,
    column: str,
    problem: Problem,
) -> bool:
    """The row's vendor is ``record``'s and no earlier line had ``key`` (a duplicate is blamed on
    ``column``); else False, with a problem."""
    if record.vendor != values["vendor"]:
        problem(line, "vendor", f"{record.name} belongs to {record.vendor!r} in the dataset")
        return False
    return _first_seen(seen, key, line, column, problem)


class _Cycles:
    """Dataset lookup by (product, cycle), case-insensitive, for validation messages."""

    def __init__(self, records: Iterable[LifecycleRecord]) -> None:
        self.by_key: dict[tuple[str, str], LifecycleRecord] = {}
        self.products: dict[str, str] = {}
        for r in records:
            self.by_key.setdefault((r.product.casefold(), r.cycle.casefold()), r)
            self.products.setdefault(r.product.casefold(), r.product)

    def find(
        self, product: str, cycle: str, line: int, pcol: str, ccol: str, problem: Problem
    ) -> LifecycleRecord | None:
        if product.casefold() not in self.products:
            problem(line, pcol, f"product {product!r} is not in the dataset")
            return None
        record = self.by_key.get((product.casefold(), cycle.casefold()))
        if record is None:
            problem(line, ccol, f"{product} {cycle} is not a release cycle of the dataset")
        return record


def parse_upgrades(raw: bytes, name: str, records: Iterable[LifecycleRecord]) -> tuple[list[Hop], list[str]]:
    """Hops of an ``upgrades.csv``, checked against the dataset ``records``."""
    problems, problem = line_problems(name)
    cycles = _Cycles(records)
    required = ("vendor", "product", "from_cycle", "to_product", "to_cycle", "kind", "source", "confidence")
    hops: list[Hop] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, v in _rows(raw, name, UPGRADE_COLUMNS, required, problems, problem):
        ok = _check_sourced(v, line, required, problem)
        if v["kind"] and v["kind"] not in KINDS:
            problem(line, "kind", f"must be one of {', '.join(KINDS)}, not {v['kind']!r}")
            ok = False
        if not ok:
            continue
        source = cycles.find(v["product"], v["from_cycle"], line, "product", "from_cycle", problem)
        target = cycles.find(v["to_product"], v["to_cycle"], line, "to_product", "to_cycle", problem)
        if source is None or target is None:
            continue
        if source.key == target.key:
            problem(line, "to_cycle", f"a hop from {source.name} to itself")
            continue
        if target.release.last_day < source.release.first_day:
            problem(
                line,
                "to_cycle",
                f"hop backwards in time: {target.name} (released {target.release.text}) is older "
                f"than {source.name} (released {source.release.text})",
            )
            continue
        key = (source.product, source.cycle, target.product, target.cycle)
        if not _new_row(source, v, line, seen, key, "to_cycle", problem):
            continue
        hops.append(
            Hop(
                vendor=source.vendor,
                product=source.product,
                from_cycle=source.cycle,
                to_product=target.product,
                to_cycle=target.cycle,
                kind=v["kind"],
                **_provenance(v, line),
            )
        )
    return hops, problems


def parse_stack(
    raw: bytes, name: str, records: Iterable[LifecycleRecord]
) -> tuple[list[Requirement], list[str]]:
    """Requirements of a ``stack.csv``, checked against the dataset ``records``."""
    problems, problem = line_problems(name)
    cycles = _Cycles(records)
    required = (
        "vendor",
        "product",
        "cycle",
        "relation",
        "requires_product",
        "requires_cycle",
        "source",
        "confidence",
    )
    reqs: list[Requirement] = []
    seen: dict[tuple[str, str, str, str, str], int] = {}
    for line, v in _rows(raw, name, STACK_COLUMNS, required, problems, problem):
        ok = _check_sourced(v, line, required, problem)
        if v["relation"] and v["relation"] not in RELATIONS:
            problem(line, "relation", f"must be one of {', '.join(RELATIONS)}, not {v['relation']!r}")
            ok = False
        if v.get("optional", "") not in OPTIONAL:
            problem(line, "optional", f"must be yes, no or blank, not {v['optional']!r}")
            ok = False
        if not ok:
            continue
        own = cycles.find(v["product"], v["cycle"], line, "product", "cycle", problem)
        needed = cycles.find(
            v["requires_product"], v["requires_cycle"], line, "requires_product", "requires_cycle", problem
        )
        if own is None or needed is None:
            continue
        if own.product == needed.product:
            problem(
                line,
                "requires_product",
                f"{own.name} cannot require its own product ({needed.name}): a cycle requiring itself",
            )
            continue
        key = (own.product, own.cycle, v["relation"], needed.product, needed.cycle)
        if not _new_row(own, v, line, seen, key, "requires_cycle", problem):
            continue
        reqs.append(
            Requirement(
                vendor=own.vendor,
                product=own.product,
                cycle=own.cycle,
                relation=v["relation"],
                requires_product=needed.product,
                requires_cycle=needed.cycle,
                optional=v.get("optional", "") == "yes",
                **_provenance(v, line),
            )
        )
    problems += _cycle_problems(reqs, name)
    return reqs, problems


def _cycle_problems(reqs: list[Requirement], name: str) -> list[str]:
    """A product that, through its requirements, ends up requiring itself (A -> B -> A)."""
    edges: dict[str, set[str]] = {}
    first_line: dict[tuple[str, str], int] = {}
    for r in reqs:
        edges.setdefault(r.product, set()).add(r.requires_product)
        first_line.setdefault((r.product, r.requires_product), r.line)
    problems = []
    for start in sorted(edges):
        stack, seen = list(edges[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                via = sorted(edges[start])[0]
                problems.append(
                    f"{name}:{first_line[(start, via)]}: requires_product: {start} ends up requiring "
                    "itself through the stack (a cycle of requirements)"
                )
                break
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
    return problems


def _load(path: Path, what: str) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None


def load_plan_data(dataset_path: Path, records: list[LifecycleRecord]) -> tuple[list[Hop], list[Requirement]]:
    """The hops and requirements beside ``dataset_path`` (none when a file is absent);
    DatasetError with every problem of both files."""
    hops: list[Hop] = []
    reqs: list[Requirement] = []
    problems: list[str] = []
    up = upgrades_path_for(dataset_path)
    raw = _load(up, "upgrade paths")
    if raw is not None:
        hops, found = parse_upgrades(raw, str(up), records)
        problems += found
    st = stack_path_for(dataset_path)
    raw = _load(st, "stack")
    if raw is not None:
        reqs, found = parse_stack(raw, str(st), records)
        problems += found
    if problems:
        raise DatasetError(*problems)
    return hops, reqs


def load_hardware(path: Path) -> dict[str, date]:
    """``hardware_model -> end of service`` from the ``plan.hardware`` CSV (casefolded models)."""
    raw = _load(path, "hardware list")
    if raw is None:
        raise DatasetError(f"{path}: cannot read hardware list (plan.hardware): no such file")
    name = str(path)
    problems, problem = line_problems(name)
    ends: dict[str, date] = {}
    lines: dict[str, int] = {}
    for line, v in _rows(raw, name, HARDWARE_COLUMNS, ("hardware_model", "hardware_end"), problems, problem):
        model, text = v["hardware_model"], v["hardware_end"]
        if not model:
            problem(line, "hardware_model", "required value is empty")
            continue
        try:
            end = parse_milestone(text).first_day
        except ValueError as exc:
            problem(line, "hardware_end", str(exc))
            continue
        key = model.casefold()
        if _first_seen(lines, key, line, "hardware_model", problem):
            ends[key] = end
    if problems:
        raise DatasetError(*problems)
    return ends


PLAN_FILES = ("upgrades.csv", "stack.csv")


def missing_plan_files(dataset_path: Path) -> list[str]:
    """A sentence per planning file absent beside ``dataset_path`` (a dataset of your own, say):
    without them every target is ``none known`` and no layer counts, which should not be silent."""
    out = []
    up, st = upgrades_path_for(dataset_path), stack_path_for(dataset_path)
    if not up.exists():
        out.append(f"no {up} beside the dataset: no upgrade path is known (datasets/README-plan.md)")
    if not st.exists():
        out.append(f"no {st} beside the dataset: no management or base layer is counted")
    return out


def check_plan_data(dataset_path: Path, records: list[LifecycleRecord]) -> tuple[list[str], list[str]]:
    """For ``tracker validate``: (summary lines, problems) of the planning files beside a valid
    dataset; files that are absent are skipped."""
    lines: list[str] = []
    problems: list[str] = []
    for path, parse, what in (
        (upgrades_path_for(dataset_path), parse_upgrades, "upgrade hop"),
        (stack_path_for(dataset_path), parse_stack, "requirement"),
    ):
        try:
            raw = _load(path, what + "s")
        except DatasetError as exc:
            problems += exc.messages
            continue
        if raw is None:
            continue
        found, errors = parse(raw, str(path), records)
        problems += errors
        if not errors:
            lines.append(f"{path}: valid, {vocab.plural(len(found), what)}")
    return lines, problems
