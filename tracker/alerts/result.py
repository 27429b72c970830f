"""What one alert run did, and the words for what it failed to do (one owner: `tracker alert` and
`tracker run` print the same sentences).

A failure is worded by what it needs: a temporary one (4xx, a dropped connection) is tried again
by the next run on its own; a permanent one (5xx, a bad certificate, an outbox that cannot be
written) is also left due, but waiting will not fix it, so the sentence says to fix the cause and
never promises a retry that will only fail again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class AlertRunResult:
    digests_sent: int = 0
    """Digests accepted by the SMTP server (for at least one recipient) or written to the outbox."""
    items_sent: int = 0
    failed_routes: list[str] = field(default_factory=list)
    """``match`` of each route with a digest not confirmed for every recipient (due again next run)."""
    refused: list[str] = field(default_factory=list)
    """Recipients refused at RCPT, as ``address on route 'match'``; the next run sends to them alone."""
    uncertain: list[str] = field(default_factory=list)
    """Digests sent without a reply, as ``route 'match', Message-ID <id>``; re-sent next run, same ID."""
    unrouted: list[str] = field(default_factory=list)
    """Items due that no route matches, as ``Product cycle milestone``."""
    webhooks_posted: int = 0
    """Posts a webhook answered with 2xx (README "Chat webhooks"); their failures are in ``failed_routes``."""
    previews: list[str] = field(default_factory=list)
    """With dry_run: the text of each digest that would be sent."""
    notices: list[str] = field(default_factory=list)
    """With dry_run: warnings about the ledger (e.g. a missing one)."""
    undelivered: list[tuple[str, bool]] = field(default_factory=list)
    """Digests and posts that failed outright (neither refused per recipient nor uncertain), as
    (``route 'match'`` or ``route 'match': webhook label``, permanent)."""
    permanent: list[str] = field(default_factory=list)
    """The entries of ``refused`` that the server refused with a 5xx (permanent) code."""

    @property
    def ok(self) -> bool:
        """True when every digest was confirmed for every recipient."""
        return not self.failed_routes and not self.refused and not self.uncertain

    def failure_parts(self) -> list[str]:
        """What failed and what happens next, one part per kind; empty when ``ok``."""
        parts = []
        for_good = [r for r in self.refused if r in self.permanent]
        for_now = [r for r in self.refused if r not in self.permanent]
        if for_good:
            parts.append(
                f"refused: {'; '.join(for_good)} (permanent: fix the address or its mailbox; "
                "nothing was recorded for it, so the next run tries it alone again)"
            )
        if for_now:
            parts.append(f"refused for now: {'; '.join(for_now)} (temporary: sent to alone on the next run)")
        if self.uncertain:
            parts.append(
                f"uncertain: {'; '.join(self.uncertain)} (sent again on the next run, same Message-ID)"
            )
        stuck = _unique(what for what, permanent in self.undelivered if permanent)
        passing = _unique(what for what, permanent in self.undelivered if not permanent)
        if stuck:
            parts.append(
                f"not delivered: {'; '.join(stuck)} (permanent: fix the cause shown above, then "
                "run `tracker alert`; nothing was recorded, so it stays due)"
            )
        if passing:
            parts.append(
                f"not delivered: {'; '.join(passing)} (nothing was recorded, so it is due again on the "
                "next run)"
            )
        if not parts and self.failed_routes:  # not expected: every failure above says what it was
            routes = ", ".join(repr(r) for r in sorted(set(self.failed_routes)))
            parts.append(f"not delivered: route(s) {routes} (due again on the next run)")
        return parts


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
