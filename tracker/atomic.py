"""Atomic file output: write a temp file in the same directory, then os.replace it into place.

The one writer of every file tracker produces (reports, feeds, datasets, query and inventory
output); new files get mode 0644 whatever the umask of the temp file, a replaced file keeps its
mode (a 0600 output stays private), and a file of this user's that they made read-only is refused,
as the shell's ``>`` refuses it, rather than renamed over. (Another user's file in a directory this
user may write is still replaced: a report a root run left behind must not stop the nightly one.)"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO


def atomic_write_chunks(path: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` one after the other (memory stays bounded by one chunk), then rename.

    Raises OSError whose ``filename`` is ``path`` (never the temp file, never none: a full disk
    while writing names the file it was writing)."""
    atomic_write_with(path, lambda fh, _tmp: _write_all(fh, chunks))


def _write_all(fh: BinaryIO, chunks: Iterable[bytes]) -> None:
    for chunk in chunks:
        fh.write(chunk)


def atomic_write_with(path: Path, write: Callable[[BinaryIO, Path], None]) -> None:
    """Let ``write`` fill the temp file, then fsync it and rename it into place.

    ``write`` gets the open (empty) binary temp file and its path; a native writer (pyarrow's
    ``write_csv``) may open the path itself instead and write there, as long as it closes it
    before returning. Errors are named like ``atomic_write_chunks``'."""
    try:
        _write(path, write)
    except OSError as exc:
        named = exc.filename is not None and not Path(exc.filename).name.startswith(f".{path.name}.")
        if named:  # e.g. the directory that could not be created
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc


def _write(path: Path, write: Callable[[BinaryIO, Path], None]) -> None:
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    mode = _mode_to_keep(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "r+b") as fh:
            write(fh, Path(tmp))
            fh.flush()
            os.fsync(fh.fileno())  # the inode's data, whichever descriptor wrote it
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _mode_to_keep(path: Path) -> int:
    """The mode the written file gets: the existing file's, else 0644. PermissionError when the
    existing file is this user's and read-only (root may write it, as with ``>``)."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return 0o644
    if st.st_uid == os.geteuid() and not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    return stat.S_IMODE(st.st_mode)


def output_file(name: str) -> Path:
    """The file ``-o NAME`` names. A name ending in ``/`` means a directory, so it is refused
    (IsADirectoryError) rather than written as a file called like the directory."""
    if name.endswith(("/", os.sep)):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
    return Path(name)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write_chunks(path, (data,))


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
