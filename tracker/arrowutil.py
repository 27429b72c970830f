"""Small Arrow arrays to and from numpy without importing pandas.

``pa.array`` and ``Array.to_numpy(zero_copy_only=False)`` import pandas (to recognise pandas
objects), which would double the start-up of the csv paths of ``tracker inventory`` and ``tracker
plan``; these helpers go through the buffers instead. Shared by ``tracker.inventory.table`` and
``tracker.plan.table``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def small_array(values: Sequence[str | int | None], kind: pa.DataType) -> pa.Array:
    """A short string or integer array of ``kind`` (None = null), built from buffers."""
    n = len(values)
    bits = bytearray((n + 7) // 8)
    for i, v in enumerate(values):
        if v is not None:
            bits[i >> 3] |= 1 << (i & 7)
    nulls = sum(v is None for v in values)
    validity = pa.py_buffer(bytes(bits)) if nulls else None
    if pa.types.is_string(kind):
        data = [str(v).encode("utf-8") if v is not None else b"" for v in values]
        offsets = np.cumsum([0, *(len(d) for d in data)], dtype=np.int32)
        buffers = [validity, pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(data))]
    else:
        numbers = np.array([int(v) if v is not None else 0 for v in values], dtype=kind.to_pandas_dtype())
        buffers = [validity, pa.py_buffer(numbers.tobytes())]
    return pa.Array.from_buffers(kind, n, buffers, null_count=nulls)


def indices_as_int64(indices: pa.Array) -> np.ndarray:
    """Dictionary indices (never null) as an int64 numpy array, read from the buffer."""
    kind = np.dtype(indices.type.to_pandas_dtype())
    data = np.frombuffer(indices.buffers()[1], dtype=kind, count=len(indices) + indices.offset)
    return data[indices.offset :].astype(np.int64)


def int32_indices(codes: np.ndarray) -> pa.Array:
    """Dictionary indices (no nulls) from a numpy array of codes, through the buffer."""
    data = np.ascontiguousarray(codes, dtype=np.int32)
    return pa.Array.from_buffers(pa.int32(), len(data), [None, pa.py_buffer(data)])


def encode_column(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, list[str]]:
    """Per-row codes (int64) and the distinct values, stripped (a null is a blank)."""
    if column.null_count:
        column = pc.fill_null(column, "")
    if len(column) == 0:
        return np.zeros(0, dtype=np.int64), []
    encoded = pc.dictionary_encode(column)
    # One dictionary for all chunks (pa.Table.from_arrays: pa.table() would import pandas).
    unified = pa.Table.from_arrays([encoded], names=["c"]).unify_dictionaries().combine_chunks()
    one = unified.column(0).chunk(0)
    return indices_as_int64(one.indices), [str(v).strip() for v in one.dictionary.to_pylist()]


def dense_codes(key: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """Renumber ``key`` (values below ``size``) as 0..n-1; returns the codes and n."""
    if len(key) == 0:
        return key, 0
    if size <= 4 * len(key) + 4096:  # a presence table: linear, no sort
        present = np.zeros(size, dtype=bool)
        present[key] = True
        renumber = np.cumsum(present, dtype=np.int64) - 1
        return renumber[key], int(renumber[-1]) + 1
    distinct, codes = np.unique(key, return_inverse=True)
    return codes.astype(np.int64), len(distinct)
