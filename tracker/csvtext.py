"""Bytes of a CSV file -> text, with the one wording of encoding problems all our CSV readers share
(dataset, inventory, aliases)."""

from __future__ import annotations


class CsvTextError(ValueError):
    """The file is not UTF-8 text; ``str(exc)`` is a ``FILE:LINE: (file): message`` line."""


def decode_csv_text(raw: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped); CsvTextError for other encodings and binary files."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CsvTextError(
            f"{name}:{line}: (file): not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise CsvTextError(f"{name}:{line}: (file): NUL byte: this is not a CSV text file")
    return text
