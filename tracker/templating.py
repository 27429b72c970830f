"""The one Jinja2 setup shared by the HTML report and the e-mail digest.

Jinja2 is imported only when an environment is made, so importing this module stays cheap (the query
commands must not import Jinja2). Templates are escaped whatever their file name, and an undefined
name is an error rather than an empty string.
"""

from __future__ import annotations

import re
from typing import Any

from tracker import vocabulary as vocab

ISO_DAY = re.compile(r"\b(\d{4}-\d{2}(?:-\d{2})?)\b")
"""An ISO date or month in running text (``2027-01-12``, ``2026-08``)."""


def dates_whole(text: str) -> Any:
    """Escape ``text`` and wrap each ISO date in ``<time>`` (``white-space:nowrap`` in both
    stylesheets), so a line never breaks a date into "2027-01-" and "12"."""
    import markupsafe

    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(ISO_DAY.sub(r'<time datetime="\1">\1</time>', escaped))


def environment(package: str, *, keep_trailing_newline: bool = False) -> Any:
    """A Jinja2 environment over ``package``'s ``templates/`` with ``urgency_css`` as a global
    and the vocabulary's ``plural`` as a filter."""
    import jinja2
    import markupsafe

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
    )
    env.globals["urgency_css"] = markupsafe.Markup(vocab.urgency_css())
    env.filters["plural"] = vocab.plural  # {{ n|plural("host") }}: "1 host", "2 hosts"
    env.filters["dates_whole"] = dates_whole
    return env
