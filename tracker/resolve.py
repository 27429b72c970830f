"""The one resolver from what a person types to release cycles ("Asking the way
people talk"). Every command that takes product terms uses it: ``status``, ``expiring``, ``check``,
``calendar``, ``inventory --product`` and ``plan``.

Library API (pure Python: no pandas, so the query commands stay fast)::

    resolver = Resolver(records, load_aliases())
    found = resolver.resolve(["esxi 7", "nutanix"])   # Resolution
    found.records        # the matching LifecycleRecords, dataset order, terms OR-ed
    found.unmatched      # the terms that matched nothing (an error for the caller)
    found.by_term        # term -> its records
    resolver.suggest("vmwre")      # ["VMware ESXi", "VMware vCenter Server", ...] (difflib)
    resolver.explain_unmatched(found)   # the error lines: "no release cycle matches 'vmwre' (did you ...)"

    resolve_terms(terms, records, aliases) -> Resolution          # the same in one call
    select(records, aliases, terms=..., vendors=..., type=...)    # Selection: the query filters
    QueryFilters(terms, vendors, type, aliases).apply(records)    # the command line's filters

How one term is read (case-insensitive, spaces collapsed, typographic dashes read as ``-`` and
quotes around the whole term dropped, as a term pasted from a document or a chat has them):

1. **A glob** (``*``, ``?``, ``[``) matches at any word boundary of a vendor, a product or a
   "product cycle" name: ``esx*`` finds VMware ESXi, ``*server`` every "... Server",
   ``esxi 8*`` the 8.x cycles of ESXi.
2. Otherwise the cycles of two readings are united:

   - **the whole term** names products: whole words of a vendor or product name (``nutanix``,
     ``hyper-v``, ``server``) give all of that product's cycles (a substring inside a word, ``vmw``,
     only when no whole word and no alias matches: ``hyperv`` is Hyper-V, not Citrix Hypervisor);
     every product alias of ``aliases.csv`` that matches the whole term (the inventory's table:
     ``ahv``, ``pve``, ``xenserver``, ``ESXi-8.0U3-24022510-standard``) gives all cycles, or when
     the alias captured a version, that version's cycle; a product name and a version
     (``windows server 2019``) gives that version's cycle;
   - **a name and a trailing version**: the term is split before its last word that starts with a
     digit (else the one before...); the name part names products as above, and the version picks
     a cycle of each: ``windows 11 23h2`` (both editions), ``vmware 8``, ``microsoft 2019``.

3. Nothing yet, and the term starts with a vendor's full name: the rest, within that vendor
   (``Broadcom (VMware) VMware ESXi 8.0``); or the name and version run together: ``esxi7``,
   ``rhel8`` are read as ``esxi 7``, ``rhel 8``.

An alias that accepts a version without capturing it (``ahv 20230302``: an AHV build names no AOS
cycle) picks no cycle, rather than every cycle of its product.

A version picks its cycle by the inventory's rules (``Matcher``: version rules of
``aliases.csv``, then the cycle the version starts with: ``7.0 u3`` -> 7.0, ``8.2`` -> 8); when
none fits, a version that is a whole leading part of cycles means all of them: ``esxi 7`` = every
7.x cycle, ``esxi 6`` = 6.0, 6.5 and 6.7.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tracker.dataset import LifecycleRecord
from tracker.errors import TrackerError
from tracker.inventory.aliases import Aliases, Matcher, Rule
from tracker.terms import typed_text

MAX_SUGGESTIONS = 3
_GLOB = re.compile(r"[*?\[]")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]|[A-Za-z]{3,}")
_REGEX_NOISE = re.compile(r"\(\?P<\w+>|\\[a-zA-Z]|\[[^\]]*\]|\{[^}]*\}")
_JOINED = re.compile(r"([A-Za-z][A-Za-z-]*[A-Za-z])(\d[\w.]*)")


def _ratio(a: str, b: str) -> float:
    import difflib  # only when a term matched nothing

    return difflib.SequenceMatcher(None, a, b).ratio()


def _word_in(term: str, name: str) -> bool:
    """Whether ``term`` occurs in ``name`` as whole words (``hyper-v`` in ``hyper-v server``)."""
    return re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", name) is not None


class NoMatchError(TrackerError):
    """A term (or --vendor value) that matches nothing in the dataset: exit 1, UNKNOWN for check."""


@dataclass(frozen=True)
class Resolution:
    """What a list of terms resolved to."""

    records: list[LifecycleRecord]
    """Records matched by any term, in dataset order (terms are OR-ed)."""
    unmatched: tuple[str, ...] = ()
    """Terms that matched nothing at all."""
    by_term: dict[str, list[LifecycleRecord]] = field(default_factory=dict)
    """Each term's own records."""


def is_glob(term: str) -> bool:
    return _GLOB.search(term) is not None


def _suffixes(name: str) -> list[str]:
    """``name`` from each word boundary on: "VMware ESXi 7.0" -> itself, "ESXi 7.0", "7.0"."""
    out = [name]
    for i in range(1, len(name)):
        if name[i].isalnum() and not name[i - 1].isalnum() and name[i - 1] != ".":
            out.append(name[i:])
    return out


class Resolver:
    """Resolves terms against one dataset and one aliases table (build once, resolve many)."""

    def __init__(self, records: Iterable[LifecycleRecord], aliases: Aliases) -> None:
        self.records = list(records)
        self.matcher = Matcher(self.records, aliases)
        self.by_product: dict[str, list[LifecycleRecord]] = {}
        self.vendor_of: dict[str, str] = {}
        for r in self.records:
            self.by_product.setdefault(r.product, []).append(r)
            self.vendor_of.setdefault(r.product, r.vendor)
        self._order = {id(r): i for i, r in enumerate(self.records)}

    # -- resolving -------------------------------------------------------------------------

    def resolve(self, terms: Sequence[str]) -> Resolution:
        """Every term resolved; records of all terms united, in dataset order."""
        by_term: dict[str, list[LifecycleRecord]] = {}
        for term in terms:
            by_term[term] = self.resolve_term(term)
        seen: dict[int, LifecycleRecord] = {}
        for found in by_term.values():
            for r in found:
                seen.setdefault(id(r), r)
        records = sorted(seen.values(), key=lambda r: self._order[id(r)])
        unmatched = tuple(t for t, found in by_term.items() if not found)
        return Resolution(records=records, unmatched=unmatched, by_term=by_term)

    def resolve_term(self, term: str) -> list[LifecycleRecord]:
        """The records one term means (empty: it matches nothing)."""
        text = typed_text(term)
        if not text:
            return []
        if is_glob(text):
            return self._glob(text)
        keys = self._whole(text) | self._split(text)
        joined = _JOINED.fullmatch(text)
        if not keys and joined:  # "esxi7", "rhel8": the name and the version run together
            return self.resolve_term(f"{joined[1]} {joined[2]}")
        if not keys:  # "Broadcom (VMware) VMware ESXi 8.0": the vendor, then a term
            folded = text.casefold()
            for vendor in set(self.vendor_of.values()):
                if folded.startswith(vendor.casefold() + " "):
                    rest = text[len(vendor) :].strip()
                    keys |= {(r.product, r.cycle) for r in self.resolve_term(rest) if r.vendor == vendor}
        return [r for r in self.records if (r.product, r.cycle) in keys]

    def _glob(self, pattern: str) -> list[LifecycleRecord]:
        pat = pattern.casefold()

        def hit(name: str) -> bool:
            return any(fnmatch.fnmatchcase(s, pat) for s in _suffixes(name.casefold()))

        products = {p for p in self.by_product if hit(p) or hit(self.vendor_of[p])}
        return [r for r in self.records if r.product in products or hit(r.name)]

    def _named(self, text: str) -> tuple[dict[str, list[tuple[str, str, str]]], bool]:
        """Products a name text denotes, each with its version hints ((literal, cycle, version)
        triples; an all-empty triple = the whole product); and whether any hint was captured."""
        folded = text.casefold()
        named: dict[str, list[tuple[str, str, str]]] = {}
        inside: list[str] = []  # "hyperv" inside "Citrix Hypervisor": only when nothing better
        for product, vendor in self.vendor_of.items():
            if _word_in(folded, product.casefold()) or _word_in(folded, vendor.casefold()):
                named.setdefault(product, []).append(("", "", ""))
            elif folded in product.casefold() or folded in vendor.casefold():
                inside.append(product)
        for rule in self.matcher.product_rules:
            m = rule.regex.fullmatch(text)
            target = self.matcher.target(rule) if m is not None else None
            if m is None or target is None:
                continue
            groups = m.groupdict()
            hints = (rule.cycle, groups.get("cycle") or "", groups.get("version") or "")
            named.setdefault(target, []).append(hints if any(hints) else self._swallowed(rule, text))
        if not named:
            named = {product: [("", "", "")] for product in inside}
        for name, product in self.matcher.products.items():
            if folded.startswith(name + " "):
                named.setdefault(product, []).append(("", "", text[len(name) :].strip()))
        hinted = any(any(h) for hints in named.values() for h in hints)
        return named, hinted

    @staticmethod
    def _swallowed(rule: Rule, text: str) -> tuple[str, str, str]:
        """A version the alias accepts without capturing it (``ahv 20230302``) still picks cycles
        (here none: an AHV build names no AOS cycle), never every cycle of the product."""
        name, _, last = text.rpartition(" ")
        if name and last[:1].isdigit() and rule.regex.fullmatch(name):
            return ("", "", last)
        return ("", "", "")

    def _whole(self, text: str) -> set[tuple[str, str]]:
        named, _ = self._named(text)
        keys: set[tuple[str, str]] = set()
        for product, hints_list in named.items():
            for hints in hints_list:
                if any(hints):
                    keys |= self._cycles(product, hints)
                else:
                    keys |= {(product, r.cycle) for r in self.by_product.get(product, [])}
        return keys

    def _split(self, text: str) -> set[tuple[str, str]]:
        words = text.split(" ")
        for i in range(len(words) - 1, 0, -1):
            if not (words[i][:1].isdigit() or re.match(r"v\d", words[i], re.IGNORECASE)):
                continue
            name, version = " ".join(words[:i]), " ".join(words[i:])
            named, hinted = self._named(name)
            if not named or hinted:
                continue
            keys: set[tuple[str, str]] = set()
            for product in named:
                keys |= self._cycles(product, ("", "", version))
            if keys:
                return keys
        return set()

    def _cycles(self, product: str, hints: tuple[str, str, str]) -> set[tuple[str, str]]:
        """(product, cycle) keys a version means: the inventory's cycle, else every cycle the
        version is a whole leading part of (``7`` -> ``7.0``; ``2012`` never -> ``2012 R2``, as
        ``2012`` is a cycle itself)."""
        for c in self.matcher.candidates(product, hints, ""):
            cycle = self.matcher.cycles.get(c.product, {}).get(c.cycle.casefold())
            if cycle is not None:
                return {(c.product, cycle)}
        version = (hints[1] or hints[2]).casefold().lstrip("v")
        if not version:
            return set()
        return {
            (product, r.cycle)
            for r in self.by_product.get(product, [])
            if r.cycle.casefold().startswith((version + ".", version + " "))
        }

    # -- suggestions -----------------------------------------------------------------------

    def _keys(self) -> dict[str, set[str]]:
        """Words and names people type -> the products they point to (casefolded keys)."""
        keys: dict[str, set[str]] = {}

        def add(text: str, product: str) -> None:
            keys.setdefault(text.casefold(), set()).add(product)
            for word in _WORD.findall(text):
                if len(word) >= 3:
                    keys.setdefault(word.casefold(), set()).add(product)

        for product, vendor in self.vendor_of.items():
            add(product, product)
            add(vendor, product)
        for rule in self.matcher.product_rules:
            target = self.matcher.target(rule)
            if target is None:
                continue
            if rule.syntax == "exact":
                add(rule.pattern, target)
            else:
                for word in _WORD.findall(_REGEX_NOISE.sub(" ", rule.pattern)):
                    add(word, target)
        return keys

    def suggest(self, term: str) -> list[str]:
        """Up to three product names (or "product cycle" names) close to a term that matched nothing."""
        import difflib

        text = typed_text(term).casefold()
        words = text.split(" ")
        for i in range(len(words) - 1, 0, -1):  # a known name with an unknown version
            named, _ = self._named(" ".join(words[:i]))
            if named:
                names = [r.name for p in named for r in self.by_product.get(p, [])]
                return difflib.get_close_matches(text, names, n=MAX_SUGGESTIONS, cutoff=0) if names else []
        # A product scores by its closest key to the whole text, or to each word on average (a
        # digit-led word is the version): "windws server" is Windows Server, not every "... Server".
        probes = [w for w in words if not w[:1].isdigit()] or words
        version = " ".join(words[len(probes) :]) if words[: len(probes)] == probes else ""
        best: dict[tuple[str, str], float] = {}
        for key, products in self._keys().items():
            for probe in {text, *probes}:
                ratio = _ratio(probe, key)
                for p in products if ratio >= 0.6 else ():
                    best[p, probe] = max(best.get((p, probe), 0.0), ratio)
        scores = {
            p: max(best.get((p, text), 0.0), sum(best.get((p, w), 0.0) for w in probes) / len(probes))
            for p, _ in best
        }
        top = max(scores.values(), default=0.0)
        scores = {p: v for p, v in scores.items() if v >= max(0.6, top - 0.1)}
        # Ties (a typo of "VMware" is as close to every VMware product) go to the products people
        # name in the most ways (alias rows), then to the closest whole name.
        aliases: dict[str, int] = {}
        for rule in self.matcher.product_rules + self.matcher.version_rules:
            targets = {self.matcher.target(rule), *(self.matcher.products.get(a) for a in rule.applies_to)}
            for target in targets - {None}:
                aliases[str(target)] = aliases.get(str(target), 0) + 1
        ranked = sorted(
            scores, key=lambda p: (-scores[p], -aliases.get(p, 0), -_ratio(text, p.casefold()), p)
        )
        vendors = sorted(v for v in set(self.vendor_of.values()) if _ratio(text, v.casefold()) >= 0.75)
        if version:  # "windws server 2019": Windows Server 2019 when that resolves
            ranked = [next((r.name for r in self.resolve_term(f"{p} {version}")), p) for p in ranked]
        return (vendors + ranked)[:MAX_SUGGESTIONS]

    def no_match_message(self, term: str) -> str:
        """``no release cycle matches 'vmwre' (did you mean: VMware ESXi, ...?)``."""
        suggestions = self.suggest(term)
        hint = (
            f" (did you mean: {', '.join(suggestions)}?)"
            if suggestions
            else "; `tracker status` lists every product"
        )
        return f"tracker: no release cycle matches {term!r}{hint}"

    def explain_unmatched(self, resolution: Resolution) -> list[str]:
        return [self.no_match_message(t) for t in resolution.unmatched]


def resolve_terms(terms: Sequence[str], records: Iterable[LifecycleRecord], aliases: Aliases) -> Resolution:
    """Resolve ``terms`` against ``records`` (see the module docstring)."""
    return Resolver(records, aliases).resolve(terms)


# -- the query filters ------------------------------------------------------------------------


def _vendor_hit(vendor: str, pattern: str) -> bool:
    folded, pat = vendor.casefold(), typed_text(pattern).casefold()  # "" ($VENDOR unset): none
    if is_glob(pat):
        return any(fnmatch.fnmatchcase(s, pat) for s in _suffixes(folded))
    return bool(pat) and pat in folded


@dataclass(frozen=True)
class Selection:
    """The records a query's filters select (``--vendor``, ``--type``, terms), and how to say so."""

    records: list[LifecycleRecord]
    keys: frozenset[tuple[str, str]]
    """(product, cycle) of the selected records."""
    filtered: bool
    """Whether any filter was given at all."""
    description: str = ""
    """The filters in words, for the "valid but empty" message."""

    def apply(self, records: Iterable[LifecycleRecord]) -> list[LifecycleRecord]:
        """The selected ``records``: a ``RecordFilter`` for the joins that resolves nothing again."""
        return [r for r in records if not self.filtered or (r.product, r.cycle) in self.keys]

    @property
    def empty_message(self) -> str | None:
        """``tracker: no release cycle matches --type 2 and --vendor Proxmox together`` (or None)."""
        if self.records or not self.filtered:
            return None
        return f"tracker: no release cycle matches {self.description} together"


def select(
    records: Iterable[LifecycleRecord],
    aliases: Aliases | None = None,
    terms: Sequence[str] = (),
    vendors: Sequence[str] = (),
    type: int | None = None,
    resolver: Resolver | None = None,
) -> Selection:
    """Apply the query filters. A term or ``--vendor`` value that matches nothing in the whole
    dataset raises NoMatchError (one line per such value, with suggestions); filters that each
    match but not together give an empty Selection whose ``empty_message`` says so."""
    records = list(records)
    problems: list[str] = []
    chosen = records
    parts: list[str] = []
    if terms:
        if resolver is None:
            resolver = Resolver(records, aliases if aliases is not None else Aliases())
        found = resolver.resolve(terms)
        problems += resolver.explain_unmatched(found)
        keys = {(r.product, r.cycle) for r in found.records}
        chosen = [r for r in chosen if (r.product, r.cycle) in keys]
        parts.append(" or ".join(repr(t) for t in terms))
    if vendors:
        import difflib

        all_vendors = sorted({r.vendor for r in records})
        for v in vendors:
            if not typed_text(v):
                problems.append(f"tracker: --vendor is empty; vendors: {', '.join(all_vendors)}")
            elif not any(_vendor_hit(name, v) for name in all_vendors):
                close = difflib.get_close_matches(v, all_vendors, n=MAX_SUGGESTIONS, cutoff=0.5)
                close += [n for n in all_vendors if v.casefold() in n.casefold() and n not in close]
                hint = f" (did you mean: {', '.join(close)}?)" if close else ""
                problems.append(f"tracker: no vendor matches {v!r}{hint}; vendors: {', '.join(all_vendors)}")
        chosen = [r for r in chosen if any(_vendor_hit(r.vendor, v) for v in vendors)]
        parts.append("--vendor " + " or ".join(vendors))
    if type is not None:
        chosen = [r for r in chosen if r.type == type]
        parts.append(f"--type {type}")
    if problems:
        raise NoMatchError(*problems)
    return Selection(
        records=chosen,
        keys=frozenset((r.product, r.cycle) for r in chosen),
        filtered=bool(parts),
        description=" and ".join(parts),
    )


@dataclass
class QueryFilters:
    """The command line's filters (terms, ``--vendor``, ``--type``, ``--aliases``), resolved
    against a dataset by ``select`` (or ``apply``); ``selection`` is the last result."""

    terms: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    type: int | None = None
    aliases: str | None = None
    """A user's aliases file, tried before the bundled one."""
    selection: Selection | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.terms or self.vendors or self.type is not None)

    def select(self, records: Iterable[LifecycleRecord]) -> Selection:
        """Resolve against ``records`` (NoMatchError for a term that matches nothing)."""
        aliases = None
        if self.terms:
            from tracker.inventory.aliases import load_aliases

            aliases = load_aliases(self.aliases)
        self.selection = select(records, aliases, terms=self.terms, vendors=self.vendors, type=self.type)
        return self.selection

    def apply(self, records: Iterable[LifecycleRecord]) -> list[LifecycleRecord]:
        return self.select(records).records

    @property
    def empty_message(self) -> str | None:
        return self.selection.empty_message if self.selection is not None else None
