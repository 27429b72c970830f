"""Value converters for tracker.toml keys (``tracker.config_readers``): each returns the value or
raises ``Bad`` with a message for people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Bad(Exception):
    """A value that does not fit its key; the message says why."""


KIND_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    list: "a list",
    bool: "a boolean",
    dict: "a table",
}


def expect(value: Any, *kinds: type) -> Any:
    if isinstance(value, bool) and bool not in kinds:
        raise Bad(f"expected {' or '.join(KIND_NAMES[k] for k in kinds)}, got a boolean")
    if not isinstance(value, kinds):
        names = " or ".join(KIND_NAMES[k] for k in kinds)
        raise Bad(f"expected {names}, got {type(value).__name__} {value!r}")
    return value


def string(value: Any) -> str:
    return str(expect(value, str))


def integer(minimum: int | None = None) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        number = int(expect(value, int))
        if minimum is not None and number < minimum:
            raise Bad(f"must be at least {minimum}")
        return number

    return convert


def number(minimum: float = 0.0, positive: bool = False) -> Callable[[Any], float]:
    def convert(value: Any) -> float:
        number = float(expect(value, int, float))
        if positive and number <= 0:
            raise Bad("must be positive")
        if number < minimum:
            raise Bad("must not be negative")
        return number

    return convert


def boolean(value: Any) -> bool:
    return bool(expect(value, bool))


def choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = string(value)
        if text not in options:
            raise Bad(f"must be one of {', '.join(options)}, not {text!r}")
        return text

    return convert


def strings(value: Any) -> list[str]:
    items = expect(value, list)
    if not all(isinstance(v, str) for v in items):
        raise Bad(f"expected a list of strings, got {value!r}")
    return list(items)


def email(value: Any) -> str:
    addr = string(value)
    local, at, domain = addr.partition("@")
    if any(c in addr for c in '\r\n\t ,;<>"') or not at or "@" in domain or not local or not domain:
        raise Bad(f"not an email address: {addr!r}")
    return addr


def mailbox(value: Any) -> str:
    """``addr`` or ``Display Name <addr>`` (as mail clients write a From), kept as written."""
    text = string(value)
    if "<" not in text:
        return email(text)
    from email.utils import parseaddr  # 7 ms of imports: only for the ``Name <addr>`` form

    name, spec = parseaddr(text)
    try:
        email(spec)
    except Bad:
        raise Bad(f"not an email address: {text!r}") from None
    if not text.rstrip().endswith(">") or any(c in name for c in "\r\n<>"):
        raise Bad(f"not an email address: {text!r}")
    return text


def nonempty(value: Any) -> str:
    text = string(value).strip()
    if not text:
        raise Bad("must not be empty")
    return text
