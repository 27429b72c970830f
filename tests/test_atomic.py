"""tracker/atomic.py: the temp file + fsync + rename writer, with a callback for native writers."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tracker.atomic import atomic_write_chunks, atomic_write_text, atomic_write_with


def test_a_callback_may_write_the_temp_path_itself(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "out.csv"
    out.parent.mkdir()
    out.write_bytes(b"old contents, longer than the new ones\n")
    seen: list[Path] = []

    def write(fh, tmp: Path) -> None:  # type: ignore[no-untyped-def]
        seen.append(tmp)
        assert tmp.parent == out.parent and tmp.name.startswith(".out.csv.")
        assert out.read_bytes().startswith(b"old")  # nothing replaced before the writer is done
        with open(tmp, "wb") as own:  # what pyarrow.OSFile(path, "wb") does
            own.write(b"new\n")

    old = os.umask(0o077)
    try:
        atomic_write_with(out, write)
    finally:
        os.umask(old)
    assert out.read_bytes() == b"new\n"
    assert out.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in out.parent.iterdir()] == ["out.csv"]
    assert not seen[0].exists()


def test_a_callback_may_write_the_open_file(tmp_path: Path) -> None:
    out = tmp_path / "out.bin"
    atomic_write_with(out, lambda fh, _tmp: fh.write(b"abc"))
    assert out.read_bytes() == b"abc"


def test_a_failing_callback_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_bytes(b"old\n")

    def write(fh, tmp: Path) -> None:  # type: ignore[no-untyped-def]
        tmp.write_bytes(b"half")
        raise ValueError("writer broke")

    with pytest.raises(ValueError, match="writer broke"):
        atomic_write_with(out, write)
    assert out.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_an_os_error_in_the_callback_names_the_output_not_the_temp_file(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"

    def write(fh, tmp: Path) -> None:  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

    with pytest.raises(OSError) as info:
        atomic_write_with(out, write)
    assert info.value.filename == str(out)
    assert info.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_an_arrow_io_error_without_a_filename_is_named_too(tmp_path: Path) -> None:
    import pyarrow as pa

    out = tmp_path / "out.csv"

    def write(fh, tmp: Path) -> None:  # type: ignore[no-untyped-def]
        raise pa.ArrowIOError("disk full")

    with pytest.raises(OSError) as info:
        atomic_write_with(out, write)
    assert info.value.filename == str(out)


def test_a_directory_in_the_way_is_named(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        atomic_write_chunks(tmp_path / "out", [b"x"])
    assert info.value.filename == str(tmp_path / "out")


def test_a_replaced_file_keeps_its_mode_and_a_new_one_gets_0644(tmp_path: Path) -> None:
    private = tmp_path / "private.csv"
    private.write_text("old\n")
    private.chmod(0o600)  # someone made the output private: replacing it must not widen that
    atomic_write_text(private, "new\n")
    assert private.read_text() == "new\n" and oct(private.stat().st_mode & 0o777) == "0o600"
    fresh = tmp_path / "fresh.csv"
    atomic_write_text(fresh, "x\n")
    assert oct(fresh.stat().st_mode & 0o777) == "0o644"
