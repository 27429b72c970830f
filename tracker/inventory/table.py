"""The inventory join in Arrow: read, match each distinct (product, version) once, write — no pandas
and no per-host Python, so a million hosts cost about what reading the file costs.

The hosts file is read by pyarrow's multi-threaded CSV reader, every column as text. ``product``
and ``version`` are dictionary-encoded; each *distinct* pair (a few hundred in a million hosts) is
resolved once in Python (``keys.resolve_pairs``: the ``Matcher`` and the status engine), and the results
become dictionary columns whose indices are the hosts' pair numbers, so the output is built
without copying a string per host. Only when the fast reader refuses a file does a stdlib pass
(``inventory_problems``) run, to name each problem as ``FILE:LINE: column: message``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tracker.arrowutil import dense_codes, encode_column, int32_indices, small_array
from tracker.csvtext import CsvTextError, csv_rows, decode_csv_text, is_blank, line_problems
from tracker.dataset import LifecycleRecord
from tracker.errors import TrackerError
from tracker.formats import FORMULA_START, PLAIN_NUMBER, csv_cell
from tracker.inventory.aliases import Aliases
from tracker.inventory.keys import UNMATCHED, ColumnCodes, RecordFilter, resolve_hosts
from tracker.status import STATUS_ORDER

__all__ = ["UNMATCHED", "InventoryError", "match_table"]

REQUIRED = ("hostname", "product", "version")
KNOWN_COLUMNS = (
    *REQUIRED,
    "aos",
    "vcenter",
    "scvmm",
    "os",
    "hardware_end",
    "hardware_model",
    "cluster",
    "owner",
)
"""Columns tracker reads: their names are matched whatever their case (``Hostname``, ``VERSION``)."""
DELIMITERS = (",", ";", "\t")
"""Field separators of a hosts file: the first one whose header names the required columns wins
(Excel writes ``;`` where the decimal separator is a comma; a ``\t`` file is a TSV export)."""
MATCHED = ("matched_product", "cycle", "status", "days_to_eol")
OUTPUT = (*REQUIRED, *MATCHED)
"""Output columns, in order; passed-through input columns follow them."""
STATUSES = (*(str(s) for s in STATUS_ORDER), UNMATCHED)
MAX_PROBLEMS = 50
CHUNK = 100_000


class InventoryError(TrackerError):
    """A host inventory that cannot be read; each message is ``FILE:LINE: column: message``."""


# -- reading ------------------------------------------------------------------------------------


def read_hosts_table(path: str | Path) -> pa.Table:
    """Read and validate a hosts CSV: every column as text, blanks as ``""``, input order kept.
    ``-`` reads standard input (``cmdb-export | tracker inventory -``), named ``<stdin>``; a pipe
    (``<(cmdb-export)``, ``/dev/stdin``) is read too."""
    path, name = readable_copy(str(path))
    try:
        found = _header(path)
    except OSError as exc:
        raise InventoryError(f"{name}: cannot read inventory: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error):
        found = None
    if found is None or header_problems(found[0], name, found[2]):
        raise InventoryError(*_problems_or(path, name, "unreadable header"))
    header, delimiter, skip = found
    try:
        with open(path, "rb") as f:
            if b"\x00" in f.read(1 << 16):  # pyarrow would take it as text; it means a binary file
                raise InventoryError(*_problems_or(path, name, "NUL byte"))
        try:
            table = _read_csv(path, header, delimiter, skip, newlines_in_values=False)
        except (ValueError, pa.ArrowInvalid) as exc:
            problems = inventory_problems(path.read_bytes(), name)
            if problems:
                raise InventoryError(*problems) from None
            try:  # valid CSV with a line break inside quotes: the slower, exact parse
                table = _read_csv(path, header, delimiter, skip, newlines_in_values=True)
            except (ValueError, pa.ArrowInvalid):
                raise InventoryError(f"{name}:1: (file): cannot read as CSV: {exc}") from None
    except OSError as exc:
        raise InventoryError(f"{name}: cannot read inventory: {exc.strerror or exc}") from None
    hostname = table.column("hostname")
    if len(hostname) and (
        pc.min(pc.binary_length(hostname)).as_py() == 0 or pc.any(pc.utf8_is_space(hostname)).as_py()
    ):
        raise InventoryError(*_problems_or(path, name, "empty hostname"))
    return table


def _read_csv(path: Path, header: list[str], delimiter: str, skip: int, newlines_in_values: bool) -> pa.Table:
    # The exact pass also takes a record longer than pyarrow's 1 MiB block (a long notes cell):
    # one block of the whole file, read only when the fast pass refused it.
    block = min(max(path.stat().st_size + 1, 1 << 20), (1 << 31) - 1) if newlines_in_values else None
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=skip, block_size=block),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines_in_values),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
        ),
    )


_SEP_LINE = re.compile(r"sep=(.)\r?\n?")
"""Excel's first-line hint ``sep=;``: the separator, and the header on line 2."""


def _header(path: Path) -> tuple[list[str], str, int] | None:
    """The header, the separator and the header's line (2 after a ``sep=`` line)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        first = f.readline()
        sep = _SEP_LINE.fullmatch(first)
        found = sniff_header(f.readline(), (sep[1],)) if sep else sniff_header(first)
    return None if found is None else (*found, 2 if sep else 1)


def sniff_header(line: str, delimiters: tuple[str, ...] = DELIMITERS) -> tuple[list[str], str] | None:
    """The header of a hosts file (names stripped, tracker's own columns in lower case) and its
    field separator, from its first line; None for an empty file. Raises csv.Error."""
    if not line.strip("\r\n"):
        return None if not line else ([], ",")
    first: tuple[list[str], str] | None = None
    for delimiter in delimiters:
        row = next(csv.reader([line], delimiter=delimiter, strict=True), [])
        header = [_KNOWN.get(h.strip().casefold(), h.strip()) for h in row]
        if all(c in header for c in REQUIRED):
            return header, delimiter
        first = first or (header, delimiter)
    return first


_KNOWN = {c.casefold(): c for c in KNOWN_COLUMNS}


def header_problems(header: list[str], name: str, line: int = 1) -> list[str]:
    if not any(header):
        return [f"{name}:{line}: (file): empty line where the header belongs (hostname, product, version)"]
    problems = [f"{name}:{line}: {col}: required column is missing" for col in REQUIRED if col not in header]
    seen: set[str] = set()
    for h in header:
        if not h:
            problems.append(f"{name}:{line}: (blank): empty column name in the header")
        elif h in seen:
            problems.append(f"{name}:{line}: {h}: column appears twice in the header")
        seen.add(h)
    return problems


def _problems_or(path: Path, name: str, fallback: str) -> list[str]:
    """The precise problems of a file the fast reader refused (never empty)."""
    problems = inventory_problems(path.read_bytes(), name)
    return problems or [f"{name}:1: (file): cannot read as CSV: {fallback}"]


STDIN = "-"
_copies: dict[object, Path] = {}


def readable_copy(name: str) -> tuple[Path, str]:
    """The file to read and the name to show for ``name``. The reader needs a file it can read more
    than once (header, fast parse, the exact pass on problems): standard input (``-``) and pipes
    (``<(cmd)``) are copied once per process into a temporary file, removed at exit."""
    if name == STDIN:
        key: object = sys.stdin  # by identity: tests swap sys.stdin
    else:
        try:
            if not stat.S_ISFIFO(os.stat(name).st_mode) and not stat.S_ISCHR(os.stat(name).st_mode):
                return Path(name), name
        except OSError:
            return Path(name), name  # the reader names the problem
        key = name
    if key not in _copies:
        import atexit
        import shutil
        import tempfile

        fd, tmp = tempfile.mkstemp(prefix="tracker-stdin-", suffix=".csv")
        with os.fdopen(fd, "wb") as f:
            if name != STDIN:
                with open(name, "rb") as source:
                    shutil.copyfileobj(source, f)
            elif (buffer := getattr(sys.stdin, "buffer", None)) is not None:
                shutil.copyfileobj(buffer, f)
            else:
                f.write(sys.stdin.read().encode("utf-8"))
        atexit.register(Path(tmp).unlink, missing_ok=True)
        _copies[key] = Path(tmp)
    return _copies[key], "<stdin>" if name == STDIN else name


def inventory_problems(raw: bytes, name: str) -> list[str]:
    """Every problem of an inventory file, ``FILE:LINE: column: message`` (capped at 50)."""
    problems, problem = line_problems(name)
    try:
        text = decode_csv_text(raw, name)
    except CsvTextError as exc:
        return [str(exc)]
    errors: list[str] = []
    first_line, _, rest = text.partition("\n")
    sep = _SEP_LINE.fullmatch(first_line)
    try:
        found = sniff_header(rest.partition("\n")[0], (sep[1],)) if sep else sniff_header(first_line)
    except csv.Error:
        found = None
    rows = csv_rows(text, name, errors, delimiter=found[1] if found else ",")
    first = next(rows, None)
    if sep and first is not None:  # the hint line: the header follows it
        first = next(rows, None)
    if first is None:
        if not errors:
            problem(1, "(file)", "empty file: expected a header with hostname, product, version")
        return errors or problems
    header = [_KNOWN.get(h.strip().casefold(), h.strip()) for h in first[1]]
    problems += header_problems(header, name, first[0])
    if problems:
        return problems
    host_col = header.index("hostname")
    extra = 0
    for line, row in rows:
        if len(row) <= 1 and is_blank(row):  # an empty line; ",," is a host without a name
            continue
        if len(problems) >= MAX_PROBLEMS:
            extra += 1
            continue
        if len(row) != len(header):
            problem(line, "(row)", f"{len(row)} fields, but the header has {len(header)} columns")
        elif not row[host_col].strip():
            problem(line, "hostname", "empty: every host needs a name")
    problems += errors
    if extra:
        problems.append(f"{name}: ... and more problems not shown (first {MAX_PROBLEMS} listed)")
    return problems


# -- matching -----------------------------------------------------------------------------------


def match_table(
    table: pa.Table,
    records: Iterable[LifecycleRecord],
    as_of: date,
    aliases: Aliases,
    filters: RecordFilter | None = None,
) -> pa.Table:
    """``match_inventory`` in Arrow: the same columns, in the same order, for every host."""
    resolved = resolve_hosts(*arrow_pairs(table), arrow_columns(table), records, as_of, aliases, filters)
    results = resolved.results
    # From the buffer, not pa.array(codes): pyarrow imports pandas to inspect a numpy argument.
    indices = int32_indices(resolved.codes)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {c: table.column(c) for c in REQUIRED}
    for name, values, kind in (
        ("matched_product", results.matched, pa.string()),
        ("cycle", results.cycles, pa.string()),
        ("status", results.statuses, pa.string()),
        ("days_to_eol", results.days, pa.int64()),
    ):
        columns[name] = pa.DictionaryArray.from_arrays(indices, small_array(values, kind))
    for c in table.column_names:
        if c not in REQUIRED:
            columns[f"input_{c}" if c in MATCHED else c] = table.column(c)
    out = pa.Table.from_arrays(list(columns.values()), names=list(columns))
    if not all(results.keep):
        keep = small_array([1 if k else 0 for k in results.keep], pa.int8())
        out = out.filter(pc.equal(pc.take(keep, indices), 1))
    return out


def arrow_pairs(table: pa.Table) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Each host's (product, version) pair number (int64) and the distinct pairs, stripped."""
    p_codes, p_values = encode_column(table.column("product"))
    v_codes, v_values = encode_column(table.column("version"))
    width = max(len(v_values), 1)
    key = p_codes * width + v_codes
    codes, count = dense_codes(key, max(len(p_values), 1) * width)
    first = np.zeros(count, dtype=np.int64)
    first[codes] = key  # any host of the pair: the same key
    return codes, [(p_values[k // width], v_values[k % width]) for k in first.tolist()]


def arrow_columns(table: pa.Table) -> ColumnCodes:
    """A table's columns as ``resolve_hosts`` reads them (the cycle column: ``aos``)."""
    return lambda name: encode_column(table.column(name)) if name in table.column_names else None


def status_counts_table(matched: pa.Table) -> dict[str, int]:
    """Hosts per status, in lifecycle order, then ``unmatched``; only statuses that occur."""
    counts: dict[str, int] = {}
    for row in pc.value_counts(matched.column("status")).to_pylist():  # per dictionary entry
        counts[str(row["values"])] = counts.get(str(row["values"]), 0) + int(row["counts"])
    return {s: counts[s] for s in STATUSES if counts.get(s)}


# -- writing ------------------------------------------------------------------------------------


def _spreadsheet_safe(table: pa.Table) -> pa.Table:
    """``csv_cell`` on every text column, in Arrow (no Python per cell, and no ``pa.array`` of Python
    values, which would import pandas)."""
    for i, field in enumerate(table.schema):
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        col = table.column(i)
        if not any(_may_start_risky(arr) for arr in col.chunks):  # the usual case, ~5x cheaper
            continue
        # first character in the formula set: a slice and a set lookup, 2-3x faster than a regex
        starts = small_array(list(FORMULA_START), pa.string()).cast(field.type)
        risky = pc.is_in(pc.utf8_slice_codeunits(col, 0, 1), value_set=starts)
        if not pc.any(risky).as_py():
            continue
        risky = pc.and_(risky, pc.invert(pc.match_substring_regex(col, f"^{PLAIN_NUMBER}$")))
        quoted = pc.binary_join_element_wise(pa.scalar("'", field.type), col, pa.scalar("", field.type))
        table = table.set_column(i, field, pc.if_else(risky, quoted, col))
    return table


_RISKY_FIRST_BYTE = np.zeros(256, dtype=bool)
_RISKY_FIRST_BYTE[[ord(c) for c in FORMULA_START]] = True  # all ASCII: a first byte is a first character


def _value_bounds(arr: pa.Array) -> np.ndarray:
    """The ``len(arr) + 1`` offsets of a (possibly sliced) string array, as numpy (no copy)."""
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    skip = arr.offset * np.dtype(width).itemsize
    return np.frombuffer(arr.buffers()[1], dtype=width, count=len(arr) + 1, offset=skip)


def _may_start_risky(arr: pa.Array) -> bool:
    """False only when no value's first byte is in ``FORMULA_START`` (null slots' bytes count too,
    so a true answer only means "look closer")."""
    data = arr.buffers()[2]
    if data is None or len(arr) == 0:
        return False
    bounds = _value_bounds(arr)
    starts = bounds[:-1][bounds[1:] > bounds[:-1]]
    return bool(_RISKY_FIRST_BYTE[np.frombuffer(data, dtype=np.uint8)[starts]].any())


_QUOTE_BYTES = (b",", b'"', b"\r", b"\n")  # what pyarrow's quoting_style="none" refuses


def _text_bytes(arr: pa.Array) -> bytes:
    """The UTF-8 bytes of a (possibly sliced) string array's values, in one piece."""
    offsets, data = arr.buffers()[1], arr.buffers()[2]
    if data is None or len(arr) == 0:
        return b""
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    ends = np.frombuffer(
        offsets, dtype=width, count=len(arr) + 1, offset=arr.offset * np.dtype(width).itemsize
    )
    return data.slice(int(ends[0]), int(ends[-1] - ends[0])).to_pybytes()


def _may_need_quotes(data: pa.Table | pa.ChunkedArray | pa.Array) -> bool:
    """False only when no value can make ``quoting_style="none"`` fail (no comma, quote, CR or LF
    in any text); True when one might (also for null slots' bytes and for unknown types, so a
    true answer only means "try, and fall back", never a different output)."""
    if isinstance(data, pa.Table):
        return any(_may_need_quotes(col) for col in data.columns)
    if isinstance(data, pa.ChunkedArray):
        return any(_may_need_quotes(arr) for arr in data.chunks)
    kind = data.type
    if pa.types.is_dictionary(kind):
        return _may_need_quotes(data.dictionary)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = _text_bytes(data)
        return any(b in text for b in _QUOTE_BYTES)
    plain = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_null)
    return not any(check(kind) for check in plain)


def _header_bytes(table: pa.Table) -> bytes:
    """The header, quoted like Python's csv module (and escaped like every cell)."""
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow([csv_cell(str(c)) for c in table.column_names])
    return head.getvalue().encode("utf-8")


def _chunk_bytes(part: pa.Table) -> bytes:
    """One chunk: minimal quoting when pyarrow can write it unquoted, else its "needed" style."""
    body = io.BytesIO()
    try:
        pacsv.write_csv(part, body, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    except pa.ArrowInvalid:
        body = io.BytesIO()
        pacsv.write_csv(part, body, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return body.getvalue()


def csv_chunks(table: pa.Table, chunk: int = CHUNK) -> Iterator[bytes]:
    """The table as CSV: a header quoted like Python's csv module, then pyarrow's writer per
    ``chunk`` rows (minimal quoting, like the other commands' csv, when no value needs quotes)."""
    yield _header_bytes(table)
    table = _spreadsheet_safe(table)
    for start in range(0, len(table), chunk):
        yield _chunk_bytes(table.slice(start, chunk))


def write_csv_file(table: pa.Table, path: Path, chunk: int = CHUNK) -> None:
    """Exactly the bytes of ``csv_chunks`` into ``path`` (created or truncated), with pyarrow
    writing straight into the file: no chunk goes through Python unless it may need quotes."""
    table = _spreadsheet_safe(table)
    # batches of 32k rows, not pyarrow's 1024: ~20% faster, a few MB of buffer; same bytes
    unquoted = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=32_768)
    with pa.OSFile(str(path), "wb") as sink:
        sink.write(_header_bytes(table))
        if not _may_need_quotes(table):  # the usual case: one write, no check per chunk
            pacsv.write_csv(table, sink, unquoted)
            return
        for start in range(0, len(table), chunk):
            part = table.slice(start, chunk)
            if _may_need_quotes(part):
                sink.write(_chunk_bytes(part))
            else:
                pacsv.write_csv(part, sink, unquoted)
