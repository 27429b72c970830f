"""The one resolver (SPEC section 4, "Asking the way people talk"): each phrase and its answer,
suggestions, the query filters, and a property: every product and cycle resolves from its own name."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.dataset import LifecycleRecord, bundled_dataset_path, load_dataset
from tracker.inventory.aliases import Aliases, load_aliases
from tracker.resolve import NoMatchError, QueryFilters, Resolver, resolve_terms, select

RECORDS = load_dataset(bundled_dataset_path())
ALIASES = load_aliases()
RESOLVER = Resolver(RECORDS, ALIASES)


def names(records: list[LifecycleRecord]) -> set[str]:
    return {r.name for r in records}


def cycles_of(product: str) -> set[str]:
    return {r.name for r in RECORDS if r.product == product}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("nutanix", {r.name for r in RECORDS if r.vendor == "Nutanix"}, id="vendor"),
        pytest.param("ahv", cycles_of("AOS"), id="ahv-ships-with-aos"),
        pytest.param("windows server 2019", {"Windows Server 2019"}, id="product-and-cycle"),
        pytest.param("esxi 7", {"VMware ESXi 7.0"}, id="major-means-every-7.x"),
        pytest.param("esxi 6", {"VMware ESXi 6.0", "VMware ESXi 6.5", "VMware ESXi 6.7"}, id="esxi-6"),
        pytest.param("esxi 7.0 u3", {"VMware ESXi 7.0"}, id="update-name"),
        pytest.param("pve 8.2", {"Proxmox VE 8"}, id="pve-minor-to-major-cycle"),
        pytest.param("hyper-v 2016", {"Hyper-V Server 2016"}, id="hyper-v"),
        pytest.param("hyper-v 2022", {"Windows Server 2022"}, id="hyper-v-role-of-windows-server"),
        pytest.param("esx*", cycles_of("VMware ESXi"), id="glob-at-word-boundary"),
        pytest.param(
            "*server",
            cycles_of("Windows Server")
            | cycles_of("Hyper-V Server")
            | cycles_of("VMware vCenter Server")
            | cycles_of("PowerVM Virtual I/O Server")
            | cycles_of("XenServer"),
            id="glob-suffix",
        ),
        pytest.param("esxi 8*", {"VMware ESXi 8.0"}, id="glob-on-product-cycle"),
        pytest.param("ESXI", cycles_of("VMware ESXi"), id="case-insensitive"),
        pytest.param("  windows   server   2019 ", {"Windows Server 2019"}, id="spaces-collapsed"),
        pytest.param("windows server 2012", {"Windows Server 2012"}, id="exact-cycle-not-r2"),
        pytest.param("windows server 2012 r2", {"Windows Server 2012 R2"}, id="r2"),
        pytest.param("microsoft", {r.name for r in RECORDS if r.vendor == "Microsoft"}, id="vendor-all"),
        pytest.param("vmware 8", {"VMware ESXi 8.0", "VMware vCenter Server 8.0"}, id="vendor-and-version"),
        pytest.param(
            "windows 11 23h2",
            {"Windows 11 Home and Pro 23H2", "Windows 11 Enterprise and Education 23H2"},
            id="family-and-feature-update",
        ),
        pytest.param("windows 11 pro 23h2", {"Windows 11 Home and Pro 23H2"}, id="edition"),
        pytest.param(
            "Windows 10 Enterprise 22H2", {"Windows 10 Enterprise and Education 22H2"}, id="w10-enterprise"
        ),
        pytest.param("Windows 10 Enterprise LTSC 2021", {"Windows 10 Enterprise LTSC 2021"}, id="ltsc-2021"),
        pytest.param(
            "Windows 10 Enterprise 2016 LTSB", {"Windows 10 Enterprise LTSC 2016 LTSB"}, id="ltsb-2016"
        ),
        pytest.param("Citrix Hypervisor 8.2 CU1", {"Citrix Hypervisor 8.2 LTSR"}, id="citrix-cu"),
        pytest.param("xenserver 7.1", {"Citrix Hypervisor 7.1 LTSR"}, id="xenserver-old-is-citrix"),
        pytest.param(
            "xenserver", cycles_of("Citrix Hypervisor") | cycles_of("XenServer"), id="xenserver-both-lines"
        ),
        pytest.param("IBM VIOS 3.1.4.30", {"PowerVM Virtual I/O Server 3.1.4"}, id="vios-ioslevel"),
        pytest.param("powervm", cycles_of("PowerVM Virtual I/O Server"), id="powervm"),
        pytest.param("VMware Fusion 13.6", {"VMware Fusion Pro 13"}, id="fusion"),
        pytest.param("vSphere ESXi 8.0.2", {"VMware ESXi 8.0"}, id="vsphere-esxi"),
        pytest.param("ESXi-8.0U3-24022510-standard", {"VMware ESXi 8.0"}, id="image-profile"),
        pytest.param("pve-manager/8.2.4/faa83925c9641325", {"Proxmox VE 8"}, id="pveversion"),
        pytest.param("hyperv", cycles_of("Hyper-V Server"), id="hyperv-not-citrix-hypervisor"),
        pytest.param("hyper", cycles_of("Hyper-V Server"), id="word-before-inside-a-word"),
        pytest.param("hypervisor", cycles_of("Citrix Hypervisor"), id="citrix-hypervisor-word"),
        pytest.param("vmw", {r.name for r in RECORDS if r.vendor == "Broadcom (VMware)"}, id="inside"),
        pytest.param("esxi7", {"VMware ESXi 7.0"}, id="run-together"),
        pytest.param("rhel8", {"Red Hat Enterprise Linux 8"}, id="run-together-alias"),
        pytest.param("pve8.2", {"Proxmox VE 8"}, id="run-together-minor"),
        pytest.param(
            "microsoft 2019",
            {r.name for r in RECORDS if r.vendor == "Microsoft" and r.cycle == "2019"},
            id="vendor-and-year",
        ),
    ],
)
def test_phrases_resolve_to_what_a_person_means(term: str, expected: set[str]) -> None:
    assert names(RESOLVER.resolve_term(term)) == expected


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("hyper\u2011v 2016", {"Hyper-V Server 2016"}, id="non-breaking-hyphen"),
        pytest.param("Hyper\u2010V\u00a02016", {"Hyper-V Server 2016"}, id="unicode-hyphen-and-nbsp"),
        pytest.param("hyper\u2013v 2016", {"Hyper-V Server 2016"}, id="en-dash"),
        pytest.param("'esxi 7.0 u3'", {"VMware ESXi 7.0"}, id="single-quotes-kept-by-a-script"),
        pytest.param('"pve 8.2"', {"Proxmox VE 8"}, id="double-quotes"),
        pytest.param("\u201cwindows server 2019\u201d", {"Windows Server 2019"}, id="smart-quotes"),
        pytest.param(" \u2018esxi 7\u2019 ", {"VMware ESXi 7.0"}, id="smart-single-quotes-and-spaces"),
    ],
)
def test_terms_pasted_from_documents_and_chats(term: str, expected: set[str]) -> None:
    """A term copied from a wiki, a ticket or a chat carries typographic dashes, no-break spaces and
    quotes around it: it means what the plain text means, and suggestions see the plain text too."""
    assert names(RESOLVER.resolve_term(term)) == expected
    assert RESOLVER.suggest("\u201cvmwre\u201d") == RESOLVER.suggest("vmwre")


def test_an_empty_vendor_is_an_error_not_every_vendor(tracker) -> None:  # type: ignore[no-untyped-def]
    """``--vendor "$VENDOR"`` with the variable unset must not widen a check to every vendor."""
    r = tracker("--as-of", "2026-11-26", "check", "--vendor", " ")
    assert r.returncode == 3 and r.stdout.startswith("TRACKER UNKNOWN - --vendor is empty; vendors: Broadcom")
    r = tracker("--as-of", "2026-11-26", "status", "--vendor", "\u201cProxmox\u201d", "--format", "csv")
    assert r.returncode == 0 and {line.split(",")[0] for line in r.stdout.splitlines()[1:]} == {"Proxmox"}


def test_a_quote_inside_a_term_is_kept(tracker) -> None:  # type: ignore[no-untyped-def]
    assert RESOLVER.resolve_term("'esxi 7") == [] and RESOLVER.resolve_term("'") == []
    r = tracker("--as-of", "2026-11-26", "check", "--product", "Hyper\u2011V 2016")
    assert r.returncode == 2 and r.stdout.startswith("TRACKER CRITICAL") and "Hyper-V Server 2016" in r.stdout


@pytest.mark.parametrize(
    "term",
    ["vmwre", "nothingmatches", "esxi 3", "windows server 1999", "", "   ", "zz*", "ahv 20230302", "x86"],
)
def test_terms_that_match_nothing(term: str) -> None:
    assert RESOLVER.resolve_term(term) == []


def test_terms_are_or_ed_and_unmatched_terms_reported() -> None:
    found = resolve_terms(["esxi 7", "hyper-v 2016", "vmwre"], RECORDS, ALIASES)
    assert names(found.records) == {"VMware ESXi 7.0", "Hyper-V Server 2016"}
    assert found.unmatched == ("vmwre",)
    assert [r.name for r in found.records] == [r.name for r in RECORDS if r.name in names(found.records)]
    assert names(found.by_term["esxi 7"]) == {"VMware ESXi 7.0"}


@pytest.mark.parametrize(
    ("term", "first"),
    [
        pytest.param("vmwre", ["VMware ESXi"], id="typo-of-vendor-word"),
        pytest.param("proxmoks", ["Proxmox"], id="typo-of-vendor-and-product"),
        pytest.param("micrsoft", ["Microsoft"], id="typo-of-vendor-suggests-the-vendor"),
        pytest.param("hyprv", ["Hyper-V Server"], id="typo-of-alias-word"),
        pytest.param("esxi 3", ["VMware ESXi"], id="known-product-unknown-cycle"),
    ],
)
def test_suggestions(term: str, first: list[str]) -> None:
    suggestions = RESOLVER.suggest(term)
    assert 1 <= len(suggestions) <= 3
    assert suggestions[0].startswith(first[0])


@pytest.mark.parametrize(
    ("term", "suggestions"),
    [
        pytest.param("windws server 2019", ["Windows Server 2019"], id="typo-keeps-the-version"),
        pytest.param("esxy 7", ["VMware ESXi 7.0"], id="typo-with-major"),
        pytest.param("esxy 8.0.3", ["VMware ESXi 8.0"], id="typo-with-patch-level"),
        pytest.param("proxmos 8", ["Proxmox", "Proxmox VE 8"], id="vendor-then-product-cycle"),
        pytest.param("vsfere", ["VMware ESXi"], id="not-every-server"),
        pytest.param("xenservr", ["Citrix Hypervisor", "XenServer"], id="both-xenserver-lines"),
        pytest.param("hyprv", ["Hyper-V Server"], id="not-citrix-hypervisor"),
        pytest.param("vmwre esxi", ["VMware ESXi"], id="every-word-counts"),
    ],
)
def test_suggestions_exactly(term: str, suggestions: list[str]) -> None:
    """Only products close to every word of the term, with its version when that resolves."""
    assert RESOLVER.suggest(term) == suggestions


def test_suggestion_message_text() -> None:
    message = RESOLVER.no_match_message("vmwre")
    assert message.startswith("tracker: no release cycle matches 'vmwre' (did you mean: VMware ESXi, VMware ")
    assert message.endswith("?)") and message.count(", ") == 2
    assert RESOLVER.no_match_message("qqqqqq") == (
        "tracker: no release cycle matches 'qqqqqq'; `tracker status` lists every product"
    )


def test_select_raises_for_unknown_terms_and_vendors_with_every_line() -> None:
    with pytest.raises(NoMatchError) as info:
        select(RECORDS, ALIASES, terms=["vmwre", "esxi"], vendors=["micrsoft"])
    assert info.value.exit_code == 1
    assert [m.split(" (")[0] for m in info.value.messages] == [
        "tracker: no release cycle matches 'vmwre'",
        "tracker: no vendor matches 'micrsoft'",
    ]
    assert "Microsoft" in info.value.messages[1]


def test_valid_but_empty_combination_says_so() -> None:
    selection = select(RECORDS, ALIASES, vendors=["Proxmox"], type=2)
    assert selection.records == []
    assert (
        selection.empty_message == "tracker: no release cycle matches --vendor Proxmox and --type 2 together"
    )
    assert select(RECORDS, ALIASES).empty_message is None
    assert select(RECORDS, ALIASES).filtered is False


def test_query_filters_apply_like_select() -> None:
    filters = QueryFilters(terms=("esxi 7",), vendors=("broadcom",))
    assert names(filters.apply(RECORDS)) == {"VMware ESXi 7.0"}
    assert QueryFilters().apply(RECORDS) == RECORDS
    with pytest.raises(NoMatchError):
        QueryFilters(terms=("nothingmatches",)).apply(RECORDS)


def test_without_aliases_names_still_resolve() -> None:
    resolver = Resolver(RECORDS, Aliases())
    assert names(resolver.resolve_term("windows server 2019")) == {"Windows Server 2019"}
    assert resolver.resolve_term("pve") == []


# -- property: every product and cycle resolves from its own name ------------------------------


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(RECORDS), st.sampled_from(["{p} {c}", "{P} {C}", "{v} {p} {c}", "  {p}   {c} "]))
def test_every_cycle_resolves_from_its_own_name(record: LifecycleRecord, shape: str) -> None:
    text = shape.format(
        p=record.product,
        c=record.cycle,
        P=record.product.upper(),
        C=record.cycle.lower(),
        v=record.vendor if record.vendor.casefold() not in record.product.casefold() else "",
    )
    found = RESOLVER.resolve_term(text)
    assert record in found, text
    assert {r.product for r in found} <= {record.product}, text


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted({r.product for r in RECORDS})))
def test_every_product_resolves_from_its_own_name(product: str) -> None:
    assert {r.name for r in RESOLVER.resolve_term(product)} >= cycles_of(product)


SHAPES = ("{p} {c}", "{P} {C}", "{v} {p} {c}", "  {p}   {c} ")


def test_every_cycle_of_the_dataset_resolves_from_its_own_name_exhaustively() -> None:
    """The property above over every record and shape (hypothesis samples; this misses none)."""
    wrong = []
    for record in RECORDS:
        vendor = record.vendor if record.vendor.casefold() not in record.product.casefold() else ""
        for shape in SHAPES:
            text = shape.format(
                p=record.product, c=record.cycle, P=record.product.upper(), C=record.cycle.lower(), v=vendor
            )
            found = RESOLVER.resolve_term(text)
            if found != [record]:  # that cycle and no other
                wrong.append((text, sorted(r.name for r in found)))
    assert wrong == []
    assert len(RECORDS) * len(SHAPES) >= 900  # the whole dataset was tried
