"""Import release cycles from the endoflife.date API v1 into dataset rows, or merge them in.

endoflife.date is a community source citing vendors, so every imported row has confidence
``secondary``. Mapping (the API v1 format is described in the endoflife.date OpenAPI file):

- ``releaseDate`` -> ``release``, ``eoasFrom`` -> ``support_end``, ``eolFrom`` -> ``eol``,
- ``eoesFrom`` -> ``extended_end``, except for products with the custom ``technicalGuidance`` field
  (VMware ESXi, vCenter): then that date is ``extended_end`` (End of Technical Guidance).
- ``source`` = the product page (``links.html``) plus ``links.releasePolicy`` when present.

Only the ``*From`` dates are read; the ``is*`` flags are as old as the last site build.
Stdlib only (urllib): no dependency for one GET per product.
Merging the rows into a dataset is ``tracker.sources.endoflife_merge`` (re-exported here).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker import __version__
from tracker.dataset import MILESTONES, LifecycleRecord, is_http_url
from tracker.errors import TrackerError
from tracker.sources.endoflife_merge import (
    merge_rows,
    row_problems,
    rows_csv,
    validated_records,
)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_TIMEOUT",
    "KNOWN_PRODUCTS",
    "ProductData",
    "ProductMapping",
    "fetch_product",
    "mapping_for",
    "merge_rows",
    "month_of_last_day",
    "product_rows",
    "read_product_file",
    "row_problems",
    "rows_csv",
    "shrunk_cycles",
    "validated_records",
]

DEFAULT_API_URL = "https://endoflife.date/api/v1"
DEFAULT_TIMEOUT = 10.0
USER_AGENT = f"tracker/{__version__} (hypervisor lifecycle tracker; python-urllib)"


@dataclass(frozen=True)
class ProductMapping:
    """How one endoflife.date product becomes dataset rows."""

    vendor: str
    product: str
    type: int = 1
    cycle_names: dict[str, str] = field(default_factory=dict)
    """endoflife.date release name -> the dataset's cycle, where a rule is not enough."""
    windows_cycles: bool = False
    """``2012-r2`` -> ``2012 R2``, ``20h2-sac`` -> ``20H2`` (Microsoft's own spelling)."""
    month_ends: bool = False
    """The vendor publishes end dates as months and the API writes them as the month's last day:
    such an end date is written back as ``YYYY-MM`` (counted from the month's first day)."""

    def cycle(self, name: str) -> str:
        if name in self.cycle_names:
            return self.cycle_names[name]
        if self.windows_cycles:
            name = re.sub(r"-(sac|ac|ltsc)$", "", name)
            return " ".join(part.upper() for part in name.split("-"))
        return name


KNOWN_PRODUCTS: dict[str, ProductMapping] = {
    "windows-server": ProductMapping(
        "Microsoft",
        "Windows Server",
        windows_cycles=True,
        # endoflife.date tracks the service-pack releases; the dataset the original cycles.
        cycle_names={"2008-sp2": "2008", "2008-r2-sp1": "2008 R2"},
    ),
    "esxi": ProductMapping("Broadcom (VMware)", "VMware ESXi"),
    "vcenter": ProductMapping("Broadcom (VMware)", "VMware vCenter Server"),
    "vmware-cloud-foundation": ProductMapping("Broadcom (VMware)", "VMware Cloud Foundation"),
    "proxmox-ve": ProductMapping("Proxmox", "Proxmox VE", month_ends=True),
    "virtualbox": ProductMapping("Oracle", "VirtualBox", type=2, month_ends=True),
    "xcp-ng": ProductMapping("Vates", "XCP-ng"),
    "nutanix-aos": ProductMapping("Nutanix", "AOS"),
    "rhel": ProductMapping("Red Hat", "Red Hat Enterprise Linux"),
    "ovirt": ProductMapping("oVirt", "oVirt"),
}
"""endoflife.date product name -> vendor and product as datasets/hypervisors.csv spells them."""


@dataclass(frozen=True)
class ProductData:
    """One ``/products/{name}`` response, checked for the fields the importer reads."""

    requested: str
    where: str
    """The URL or file it came from, for messages."""
    name: str
    label: str
    aliases: tuple[str, ...]
    links: dict[str, Any]
    labels: dict[str, Any]
    releases: list[dict[str, Any]]
    generated_at: str
    last_modified: str = ""
    """When endoflife.date last changed the product's data (API ``last_modified``)."""

    @property
    def stamp(self) -> str:
        """``last_modified 2026-08-22T08:52:34+00:00`` (else generated_at): recorded with the rows."""
        if self.last_modified:
            return f"last_modified {self.last_modified}"
        return f"generated_at {self.generated_at}" if self.generated_at else ""


# --- fetching ----------------------------------------------------------------------------------


def product_url(api_url: str, name: str) -> str:
    from urllib.parse import quote

    return f"{api_url.rstrip('/')}/products/{quote(name, safe='')}"


def fetch_product(name: str, api_url: str = DEFAULT_API_URL, timeout: float = DEFAULT_TIMEOUT) -> ProductData:
    """GET ``/products/{name}`` (redirects followed: renamed products and aliases answer 301)."""
    url = product_url(api_url, name)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    timed_out = f"endoflife.date: timed out after {timeout:g} s fetching {url}"  # connecting or reading
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 404:
            raise TrackerError(
                f"endoflife.date: product {name!r} not found at {url} (HTTP 404)",
                f"  product names are listed at {api_url.rstrip('/')}/products",
            ) from None
        detail = f"HTTP {exc.code} {exc.reason}"
        if exc.code == 429:
            after = exc.headers.get("Retry-After") if exc.headers else None
            detail += f" (rate limited; retry after {after} s)" if after else " (rate limited)"
        raise TrackerError(f"endoflife.date: {detail} fetching {url}") from None
    except TimeoutError:
        raise TrackerError(timed_out) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise TrackerError(timed_out) from None
        if isinstance(reason, ConnectionRefusedError):
            raise TrackerError(f"endoflife.date: connection refused fetching {url}") from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise TrackerError(f"endoflife.date: cannot fetch {url}: {text}") from None
    except OSError as exc:  # reset by peer, remote end closed during the read, ...
        raise TrackerError(f"endoflife.date: cannot fetch {url}: {exc.strerror or exc}") from None
    return parse_product(body, name, url)


def read_product_file(path: Path, name: str | None = None) -> ProductData:
    """A saved ``/products/{name}`` response (``curl -L .../products/esxi > esxi.json``)."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise TrackerError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_product(body, name, str(path), prefix=f"{path}")


def parse_product(
    body: bytes, requested: str | None, where: str, prefix: str = "endoflife.date"
) -> ProductData:
    """Check the envelope; raise TrackerError naming ``where`` when it is not API v1."""

    def bad(message: str) -> TrackerError:
        return TrackerError(f"{prefix}: {where}: {message}" if prefix != where else f"{where}: {message}")

    try:
        payload = json.loads(body)
    except UnicodeDecodeError:
        raise bad("not valid JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise bad(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            "expected an endoflife.date API v1 response"
        ) from None
    result = payload.get("result") if isinstance(payload, dict) else None
    if not isinstance(result, dict):
        raise bad("unexpected response: no 'result' object (expected the API v1 /products/{name} format)")
    releases = result.get("releases")
    if not isinstance(releases, list) or not all(isinstance(r, dict) for r in releases):
        raise bad("unexpected response: 'result.releases' is missing or not a list of objects")
    name = result.get("name")
    if not isinstance(name, str) or not name:
        raise bad("unexpected response: 'result.name' is missing")
    aliases = result.get("aliases") or []
    links = result.get("links") if isinstance(result.get("links"), dict) else {}
    labels = result.get("labels") if isinstance(result.get("labels"), dict) else {}
    return ProductData(
        requested=requested or name,
        where=where,
        name=name,
        label=str(result.get("label") or name),
        aliases=tuple(a for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else (),
        links=links or {},
        labels=labels or {},
        releases=releases,
        generated_at=str(payload.get("generated_at") or ""),
        last_modified=str(payload.get("last_modified") or ""),
    )


# --- mapping -----------------------------------------------------------------------------------


def known_mapping(data: ProductData) -> ProductMapping | None:
    for candidate in (data.name, data.requested, *data.aliases):
        if candidate in KNOWN_PRODUCTS:
            return KNOWN_PRODUCTS[candidate]
    return None


def mapping_for(
    data: ProductData, vendor: str | None = None, product: str | None = None, type_: int | None = None
) -> ProductMapping | None:
    """The built-in mapping with the command-line overrides; None when unknown and no vendor."""
    base = known_mapping(data)
    if base is None:
        if not vendor:
            return None
        base = ProductMapping(vendor, product or data.label, type_ or 1)
    return ProductMapping(
        vendor or base.vendor,
        product or base.product,
        type_ or base.type,
        base.cycle_names,
        base.windows_cycles,
        base.month_ends,
    )


def _date(value: Any) -> str:
    return value if isinstance(value, str) else ""


def month_of_last_day(text: str) -> str:
    """``2026-08-31`` -> ``2026-08``; any other text unchanged (the API's way of writing a month)."""
    import calendar

    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        year, month, day = int(m[1]), int(m[2]), int(m[3])
        if 1 <= month <= 12 and day == calendar.monthrange(year, month)[1]:
            return f"{m[1]}-{m[2]}"
    return text


def _sources(data: ProductData) -> str:
    html = data.links.get("html")
    urls = [html if isinstance(html, str) and is_http_url(html) else f"https://endoflife.date/{data.name}"]
    policy = data.links.get("releasePolicy")
    if isinstance(policy, str) and is_http_url(policy) and policy not in urls:
        urls.append(policy)
    return " ; ".join(urls)


def product_rows(
    data: ProductData, mapping: ProductMapping, warn: Callable[[str], None]
) -> list[dict[str, str]]:
    """Dataset rows (COLUMNS order) for every usable release; the others are skipped with a warning.

    A row is usable when it passes the dataset validator on its own: a release date, ISO dates,
    release <= support_end <= eol <= extended_end.
    """
    if not data.releases:
        raise TrackerError(
            f"endoflife.date: {data.where}: the response lists no releases for {data.name!r}; "
            "refusing an empty import (try again later, or report it to endoflife.date)"
        )
    source = _sources(data)
    eol_label = data.labels.get("eol")
    rows = []
    for release in data.releases:
        name = release.get("name")
        if not isinstance(name, str) or not name:
            warn(f"endoflife.date {data.name}: skipped a release without a name")
            continue
        cycle = mapping.cycle(name)
        label = f"{mapping.product} {cycle}"
        custom = release.get("custom") if isinstance(release.get("custom"), dict) else {}
        guidance = _date((custom or {}).get("technicalGuidance"))
        notes = [
            f"Imported from endoflife.date {data.name} {name}"
            + (f" (API {data.stamp})." if data.stamp else ".")
        ]
        if isinstance(eol_label, str) and eol_label:
            notes.append(f"eol = end of {eol_label}.")
        if guidance:
            notes.append("extended_end = End of Technical Guidance.")
        if mapping.month_ends:
            notes.append("End dates as months (the vendor publishes months; the API writes the last day).")
        row = {
            "vendor": mapping.vendor,
            "product": mapping.product,
            "cycle": cycle,
            "type": str(mapping.type),
            "release": _date(release.get("releaseDate")),
            "support_end": _date(release.get("eoasFrom")),
            "eol": _date(release.get("eolFrom")),
            "extended_end": guidance or _date(release.get("eoesFrom")),
            "source": source,
            "confidence": "secondary",
            "notes": " ".join(notes),
        }
        if mapping.month_ends:
            for column in MILESTONES:
                row[column] = month_of_last_day(row[column])
        if not row["release"]:
            warn(f"endoflife.date {data.name}: skipped {label}: no release date")
            continue
        problems = row_problems(row)
        if problems:
            warn(f"endoflife.date {data.name}: skipped {label}: {'; '.join(problems)}")
            continue
        if not row["eol"] and release.get("isEol") is True:
            warn(f"endoflife.date {data.name}: {label} is marked end of life without a date; eol left blank")
        rows.append(row)
    return rows


def shrunk_cycles(
    data: ProductData,
    mapping: ProductMapping,
    imported: Sequence[dict[str, str]],
    existing: Sequence[LifecycleRecord],
) -> list[str]:
    """Cycles the dataset took from this endoflife.date product (it cites the product's page) that the
    response no longer lists: a shrinking response is a failure, not a reason to forget cycles."""
    page = f"endoflife.date/{data.name}"
    listed = {r["cycle"].casefold() for r in imported}
    listed |= {str(r.get("name", "")).casefold() for r in data.releases}
    return [
        r.name
        for r in existing
        if (r.vendor.casefold(), r.product.casefold())
        == (mapping.vendor.casefold(), mapping.product.casefold())
        and any(page in s for s in r.sources)
        and r.cycle.casefold() not in listed
    ]
