"""The one Jinja2 setup shared by the HTML report and the e-mail digest.

Jinja2 is imported only when an environment is made, so importing this module stays cheap (the query
commands must not import Jinja2). Templates are escaped whatever their file name, and an undefined
name is an error rather than an empty string.
"""

from __future__ import annotations

from typing import Any

from tracker import vocabulary as vocab


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
    return env
