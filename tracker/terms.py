"""What a person typed, as the plain text the resolver reads (terms pasted from a wiki, a ticket
or a chat carry typographic dashes, no-break spaces and quotes)."""

from __future__ import annotations

_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"))
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u201e": "\u201c", "\u00ab": "\u00bb"}


def typed_text(term: str) -> str:
    """A term as a person meant it: spaces collapsed (no-break spaces too), typographic dashes as
    ``-`` (``Hyper\u2011V``), and one pair of quotes around the whole term dropped (``'esxi 7'``)."""
    text = " ".join(term.translate(_DASHES).split())
    if len(text) > 1 and _QUOTES.get(text[0]) == text[-1]:
        text = " ".join(text[1:-1].split())
    return text
