"""`tracker import endoflife` against a local server speaking the endoflife.date API v1 format."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.conftest import FIXTURES, free_port
from tracker.dataset import COLUMNS, load_dataset
from tracker.sources.endoflife import KNOWN_PRODUCTS

EOL_FIXTURES = FIXTURES / "endoflife"
HEADER = ",".join(c for c in COLUMNS if c != "verified_on") + "\n"
NOT_FOUND_PAGE = (
    b"<!DOCTYPE html><html><head><title>Page not found</title></head><body>"
    b"<h1>Page not found</h1><p>Looks like you followed a broken link.</p></body>"
    b"</html>"
)


def fixture(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((EOL_FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def bad_rows_payload() -> dict:  # type: ignore[type-arg]
    """esxi with one release lacking a release date and one whose eol precedes its release."""
    doc = fixture("esxi")
    releases = doc["result"]["releases"]
    releases[0]["releaseDate"] = None
    releases[1]["eolFrom"] = "2020-01-01"
    return doc


def unknown_payload() -> dict:  # type: ignore[type-arg]
    doc = fixture("proxmox-ve")
    doc["result"].update(
        name="harvester",
        label="Harvester",
        aliases=[],
        links={"icon": None, "html": "https://endoflife.date/harvester", "releasePolicy": None},
    )
    doc["result"]["releases"] = doc["result"]["releases"][:2]
    return doc


def empty_payload() -> dict:  # type: ignore[type-arg]
    doc = fixture("proxmox-ve")
    doc["result"]["releases"] = []
    return doc


def shrunk_payload() -> dict:  # type: ignore[type-arg]
    """proxmox-ve answering with its three newest cycles only (a broken build upstream)."""
    doc = fixture("proxmox-ve")
    doc["result"]["releases"] = doc["result"]["releases"][:3]
    return doc


class Api(BaseHTTPRequestHandler):
    """Serves /api/v1/products/<name> like endoflife.date (Netlify): JSON, 301s, HTML 404s."""

    requests: ClassVar[list[tuple[str, str]]] = []
    sleep_seconds = 3.0

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass

    def send(self, code: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Api.requests.append((self.path, self.headers.get("User-Agent", "")))
        name = self.path.removeprefix("/api/v1/products/").rstrip("/")
        if not self.path.startswith("/api/v1/products/"):
            name = ""
        payloads = {
            "bad-rows": bad_rows_payload,
            "harvester": unknown_payload,
            "empty": empty_payload,
            "pve-shrunk": shrunk_payload,
        }
        if (EOL_FIXTURES / f"{name}.json").is_file():
            self.send(200, (EOL_FIXTURES / f"{name}.json").read_bytes(), "application/json")
        elif name in payloads:
            self.send(200, json.dumps(payloads[name]()).encode(), "application/json")
        elif name == "vmware-esxi":
            self.send(
                301, b"Redirecting to /api/v1/products/esxi", "text/plain", Location="/api/v1/products/esxi"
            )
        elif name == "slow":
            time.sleep(Api.sleep_seconds)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
                self.send(200, (EOL_FIXTURES / "esxi.json").read_bytes(), "application/json")
        elif name == "malformed":
            self.send(
                200,
                b'{"schema_version": "1.2.1", "result": {"name": "esxi", "releases": [',
                "application/json",
            )
        elif name == "no-releases":
            doc = fixture("esxi")
            del doc["result"]["releases"]
            self.send(200, json.dumps(doc).encode(), "application/json")
        elif name == "busy":
            self.send(429, b"Too Many Requests", "text/plain", Retry_After="30")
        else:
            self.send(404, NOT_FOUND_PAGE, "text/html; charset=UTF-8")


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Api)
    server.daemon_threads = True  # the "slow" handler must not hold up shutdown
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    server.shutdown()
    server.server_close()


def rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def by_cycle(items: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["cycle"]: r for r in items}


def test_esxi_rows(tracker, api, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = tracker("import", "endoflife", "esxi", "--api-url", api)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    found = by_cycle(rows(result.stdout))
    assert list(found) == ["9.1", "9.0", "8.0", "7.0", "6.7", "6.5", "6.0", "5.5", "5.1", "5.0"]
    esxi8 = found["8.0"]
    assert (esxi8["vendor"], esxi8["product"], esxi8["type"]) == ("Broadcom (VMware)", "VMware ESXi", "1")
    assert (esxi8["release"], esxi8["support_end"], esxi8["eol"], esxi8["extended_end"]) == (
        "2022-10-11",
        "",
        "2027-10-11",
        "2029-10-11",
    )  # extended_end = technicalGuidance
    assert esxi8["confidence"] == "secondary"
    assert esxi8["source"] == (
        "https://endoflife.date/esxi ; https://support.broadcom.com/group/ecx/productlifecycle"
    )
    assert "Technical Guidance" in esxi8["notes"]
    # The output is a valid dataset as it stands.
    out = tmp_path / "esxi.csv"
    out.write_text(result.stdout, encoding="utf-8")
    assert len(load_dataset(out)) == 10
    assert any(
        path == "/api/v1/products/esxi" and agent.startswith("tracker/") for path, agent in Api.requests
    )


def test_windows_server_rows_and_cycle_names(tracker, api) -> None:  # type: ignore[no-untyped-def]
    result = tracker("import", "endoflife", "windows-server", "--api-url", api)
    assert result.returncode == 0, result.stderr
    found = by_cycle(rows(result.stdout))
    assert {"2012 R2", "20H2", "23H2", "2008 R2", "2008", "2003 SP2"} <= set(found)
    ws2016 = found["2016"]
    assert (ws2016["release"], ws2016["support_end"], ws2016["eol"], ws2016["extended_end"]) == (
        "2016-10-15",
        "2022-01-11",
        "2027-01-12",
        "2030-01-12",
    )  # eoes -> extended_end
    assert found["2022"]["extended_end"] == ""
    assert ws2016["source"].startswith("https://endoflife.date/windows-server ; https://learn.")


@pytest.mark.parametrize(
    ("name", "cycle"),
    [
        pytest.param("2016", "2016", id="plain"),
        pytest.param("2012-r2", "2012 R2", id="r2"),
        pytest.param("20h2-sac", "20H2", id="semi-annual"),
        pytest.param("23h2-ac", "23H2", id="annual"),
        pytest.param("2003-sp2", "2003 SP2", id="service-pack"),
        pytest.param("2008-r2-sp1", "2008 R2", id="dataset-original-cycle"),
    ],
)
def test_windows_cycle_names(name: str, cycle: str) -> None:
    assert KNOWN_PRODUCTS["windows-server"].cycle(name) == cycle


def test_redirect_is_followed(tracker, api) -> None:  # type: ignore[no-untyped-def]
    direct = tracker("import", "endoflife", "esxi", "--api-url", api)
    redirected = tracker("import", "endoflife", "vmware-esxi", "--api-url", api)
    assert redirected.returncode == 0, redirected.stderr
    assert redirected.stdout == direct.stdout
    assert "'vmware-esxi' is now 'esxi'" in redirected.stderr
    paths = [p for p, _ in Api.requests]
    assert paths.index("/api/v1/products/vmware-esxi") < len(paths) - 1
    assert paths[paths.index("/api/v1/products/vmware-esxi") + 1] == "/api/v1/products/esxi"


def test_product_names_as_people_type_them_are_endoflife_ids(tracker, api) -> None:  # type: ignore[no-untyped-def]
    """endoflife.date ids are lower case with dashes: ``ESXi``, ``Proxmox VE`` and ``proxmox\u2011ve``
    (a non-breaking hyphen pasted from a page) ask for ``esxi`` and ``proxmox-ve``."""
    expected = tracker("import", "endoflife", "esxi", "proxmox-ve", "--api-url", api).stdout
    Api.requests.clear()
    typed = tracker("import", "endoflife", "ESXi", "Proxmox VE", "--api-url", api)
    assert (typed.returncode, typed.stdout, typed.stderr) == (0, expected, "")
    assert [p for p, _ in Api.requests] == ["/api/v1/products/esxi", "/api/v1/products/proxmox-ve"]
    pasted = tracker("import", "endoflife", "proxmox\u2011ve", "--api-url", api)
    assert pasted.returncode == 0 and "Proxmox VE,9," in pasted.stdout, pasted.stderr


def test_several_products_in_one_run(tracker, api) -> None:  # type: ignore[no-untyped-def]
    result = tracker("import", "endoflife", "esxi", "proxmox-ve", "--api-url", api)
    assert result.returncode == 0, result.stderr
    found = rows(result.stdout)
    assert {r["product"] for r in found} == {"VMware ESXi", "Proxmox VE"}
    pve9 = next(r for r in found if r["product"] == "Proxmox VE" and r["cycle"] == "9")
    assert pve9["eol"] == ""  # endoflife.date has eol: false (not announced)


@pytest.mark.parametrize(
    ("product", "extra", "message"),
    [
        pytest.param(
            "nosuch",
            (),
            "endoflife.date: product 'nosuch' not found at {api}/products/nosuch (HTTP 404)",
            id="404-html-page",
        ),
        pytest.param(
            "slow",
            ("--timeout", "0.5"),
            "endoflife.date: timed out after 0.5 s fetching {api}/products/slow",
            id="timeout",
        ),
        pytest.param(
            "malformed", (), "endoflife.date: {api}/products/malformed: not valid JSON", id="malformed-json"
        ),
        pytest.param("no-releases", (), "'result.releases' is missing", id="no-releases"),
        pytest.param(
            "busy",
            (),
            "endoflife.date: HTTP 429 Too Many Requests (rate limited; retry "
            "after 30 s) fetching {api}/products/busy",
            id="rate-limited",
        ),
    ],
)
def test_fetch_errors(tracker, api, product, extra, message) -> None:  # type: ignore[no-untyped-def]
    result = tracker("import", "endoflife", product, "--api-url", api, *extra)
    assert result.returncode == 1
    assert message.format(api=api) in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_connection_refused(tracker) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    result = tracker("import", "endoflife", "esxi", "--api-url", url)
    assert result.returncode == 1
    assert f"endoflife.date: connection refused fetching {url}/products/esxi" in result.stderr
    assert "Traceback" not in result.stderr


def test_unusable_releases_are_skipped_with_a_warning(tracker, api) -> None:  # type: ignore[no-untyped-def]
    result = tracker(
        "import",
        "endoflife",
        "bad-rows",
        "--api-url",
        api,
        "--vendor",
        "Broadcom (VMware)",
        "--product-name",
        "VMware ESXi",
    )
    assert result.returncode == 0, result.stderr
    assert "skipped VMware ESXi 9.1: no release date" in result.stderr
    assert "skipped VMware ESXi 9.0: eol: 2020-01-01 is before release 2025-06-17" in result.stderr
    assert [r["cycle"] for r in rows(result.stdout)][:2] == ["8.0", "7.0"]


def test_unknown_product_needs_a_vendor(tracker, api) -> None:  # type: ignore[no-untyped-def]
    result = tracker("import", "endoflife", "harvester", "--api-url", api)
    assert result.returncode == 2
    assert "'harvester' has no built-in vendor/product mapping: give --vendor" in result.stderr
    named = tracker("import", "endoflife", "harvester", "--api-url", api, "--vendor", "SUSE", "--type", "2")
    assert named.returncode == 0, named.stderr
    found = rows(named.stdout)
    assert {(r["vendor"], r["product"], r["type"]) for r in found} == {("SUSE", "Harvester", "2")}
    assert found[0]["source"] == "https://endoflife.date/harvester"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((), id="no-product"),
        pytest.param(("esxi", "--force"), id="force-without-merge"),
        pytest.param(("esxi", "--api-url", "ftp://example.org"), id="bad-api-url"),
        pytest.param(("esxi", "vcenter", "--product-name", "X"), id="product-name-for-two"),
        pytest.param(("esxi", "--timeout", "0"), id="zero-timeout"),
    ],
)
def test_usage_errors(tracker, args) -> None:  # type: ignore[no-untyped-def]
    result = tracker("import", "endoflife", *args)
    assert result.returncode == 2
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr


def test_from_file_matches_the_api(tracker, api) -> None:  # type: ignore[no-untyped-def]
    fetched = tracker("import", "endoflife", "esxi", "--api-url", api)
    saved = tracker("import", "endoflife", "--from", str(EOL_FIXTURES / "esxi.json"))
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout == fetched.stdout
    named = tracker("import", "endoflife", "--from", str(EOL_FIXTURES / "esxi.json"), "ESXi")  # after --from
    assert (named.returncode, named.stdout) == (0, fetched.stdout), named.stderr
    other = tracker("import", "endoflife", "--from", str(EOL_FIXTURES / "proxmox-ve.json"), "esxi")
    assert other.returncode == 2 and other.stdout == ""
    assert other.stderr == (
        f"tracker import: {EOL_FIXTURES / 'proxmox-ve.json'} is the endoflife.date product 'proxmox-ve', "
        "not 'esxi': name the product the file holds, or leave PRODUCT out\n"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "cannot read", id="missing"),
        pytest.param(b"<html>not json</html>", "not valid JSON", id="html"),
        pytest.param(
            b'{"schema_version": "1.2.1", "total": 0, "result": []}', "no 'result' object", id="list-endpoint"
        ),
    ],
)
def test_from_file_errors(tracker, tmp_path, content, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "saved.json"
    if content is not None:
        path.write_bytes(content)
    result = tracker("import", "endoflife", "--from", str(path))
    assert result.returncode == 1
    assert f"{path}" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


MERGE_BASE = HEADER + (
    "Broadcom (VMware),VMware ESXi,7.0,1,2020-04-02,2025-04-02,2025-04-02,,"
    'https://knowledge.broadcom.com/external/article?legacyId=2145103,vendor,"kept, vendor"\n'
    "Broadcom (VMware),VMware ESXi,8.0,1,2022-10-11,2027-10-10,2027-10-10,,"
    "https://www.vmware.com/support/policies/enterprise-infrastructure.html,estimated,keep me\n"
    "Proxmox,Proxmox VE,8,1,2023-06,,2026-08,,https://pve.proxmox.com/wiki/FAQ,vendor,\n"
)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "hypervisors.csv"
    path.write_text(MERGE_BASE, encoding="utf-8")
    return path


def test_merge_updates_adds_and_protects_vendor_rows(tracker, dataset) -> None:  # type: ignore[no-untyped-def]
    result = tracker(
        "import", "endoflife", "--from", str(EOL_FIXTURES / "esxi.json"), "--merge", str(dataset)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    err = result.stderr
    assert "VMware ESXi 8.0: eol 2027-10-10 -> 2027-10-11" in err
    assert "VMware ESXi 8.0: extended_end (blank) -> 2029-10-11" in err
    assert "VMware ESXi 8.0: confidence estimated -> secondary" in err
    assert "VMware ESXi 9.1: added (release 2026-05-12, eol 2028-08-12, extended_end 2029-08-12)" in err
    assert (
        "VMware ESXi 7.0: kept eol 2025-04-02 (confidence vendor; --force to take it): "
        "endoflife.date says 2025-10-02 (differs)"
    ) in err
    assert err.splitlines()[-1] == (
        f"tracker: {dataset}: 2 moved, 0 refined, 8 added, 2 kept (vendor), 0 skipped, 0 unchanged "
        "(endoflife.date esxi last_modified 2026-08-22T08:52:34+00:00)"
    )
    records = {r.cycle: r for r in load_dataset(dataset)}
    assert str(records["7.0"].eol) == "2025-04-02"  # vendor row untouched
    assert records["7.0"].notes == "kept, vendor"
    esxi8 = records["8.0"]
    assert (str(esxi8.eol), str(esxi8.extended_end), esxi8.confidence, esxi8.notes) == (
        "2027-10-11",
        "2029-10-11",
        "secondary",
        "keep me",
    )
    assert list(esxi8.sources) == [
        "https://www.vmware.com/support/policies/enterprise-infrastructure.html",
        "https://endoflife.date/esxi",
    ]
    # New cycles sit with their product, before the next product's rows.
    order = [(r.product, r.cycle) for r in load_dataset(dataset)]
    assert order[:2] == [("VMware ESXi", "7.0"), ("VMware ESXi", "8.0")]
    assert order[-1] == ("Proxmox VE", "8")
    assert len(order) == 11
    # A second merge finds nothing to do and leaves the file alone.
    before = dataset.read_bytes()
    again = tracker("import", "endoflife", "--from", str(EOL_FIXTURES / "esxi.json"), "--merge", str(dataset))
    assert again.returncode == 0, again.stderr
    assert "0 moved, 0 refined, 0 added, 2 kept (vendor), 0 skipped, 9 unchanged" in again.stderr
    assert dataset.read_bytes() == before


def test_merge_force_overwrites_vendor_rows(tracker, dataset, api) -> None:  # type: ignore[no-untyped-def]
    result = tracker(
        "import", "endoflife", "esxi", "proxmox-ve", "--api-url", api, "--merge", str(dataset), "--force"
    )
    assert result.returncode == 0, result.stderr
    assert "VMware ESXi 7.0: eol 2025-04-02 -> 2025-10-02" in result.stderr
    assert "VMware ESXi 7.0: confidence vendor -> secondary" in result.stderr
    # Month precision: the API's 2026-08-31 is the dataset's 2026-08; its day of release refines 2023-06.
    assert "Proxmox VE 8: eol" not in result.stderr
    assert "Proxmox VE 8: release 2023-06 -> 2023-06-22 (refined)" in result.stderr
    records = {(r.product, r.cycle): r for r in load_dataset(dataset)}
    esxi7 = records[("VMware ESXi", "7.0")]
    assert (str(esxi7.eol), esxi7.confidence, esxi7.notes) == ("2025-10-02", "secondary", "kept, vendor")
    pve8 = records[("Proxmox VE", "8")]
    assert (str(pve8.release), str(pve8.eol)) == ("2023-06-22", "2026-08")


def test_merge_dry_run_writes_nothing(tracker, dataset) -> None:  # type: ignore[no-untyped-def]
    result = tracker(
        "import", "endoflife", "--from", str(EOL_FIXTURES / "esxi.json"), "--merge", str(dataset), "--dry-run"
    )
    assert result.returncode == 0, result.stderr
    assert "VMware ESXi 8.0: eol 2027-10-10 -> 2027-10-11" in result.stderr
    assert "dry run: nothing written" in result.stderr
    assert dataset.read_text(encoding="utf-8") == MERGE_BASE


def test_merge_into_invalid_dataset_fails_untouched(tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    text = HEADER + "Broadcom (VMware),VMware ESXi,8.0,3,2022-10-11,,,,https://x.org,vendor,\n"
    path.write_text(text, encoding="utf-8")
    result = tracker("import", "endoflife", "--from", str(EOL_FIXTURES / "esxi.json"), "--merge", str(path))
    assert result.returncode == 1
    assert f"{path}:2: type: must be 1" in result.stderr
    assert path.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_merge_skips_rows_the_merge_would_break(tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The import has no support_end for ESXi and never clears one, so a kept support_end later
    # than the imported eol would break the order: that row is skipped, the rest merged.
    path = tmp_path / "order.csv"
    path.write_text(
        HEADER + "Broadcom (VMware),VMware ESXi,8.0,1,2022-10-11,2028-01-01,,,"
        "https://example.org/esxi,secondary,\n",
        encoding="utf-8",
    )
    result = tracker("import", "endoflife", "--from", str(EOL_FIXTURES / "esxi.json"), "--merge", str(path))
    assert result.returncode == 0, result.stderr
    assert "VMware ESXi 8.0: skipped, the merged row would be invalid" in result.stderr
    records = {r.cycle: r for r in load_dataset(path)}
    assert records["8.0"].eol is None and "9.1" in records


# --- precise refreshes (issue 14) ------------------------------------------------------------------


def test_proxmox_against_the_bundled_dataset_reports_no_moves(tracker, api, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The API writes Proxmox's month-only dates as the month's last day: equal, not moved."""
    from tracker.dataset import bundled_dataset_path

    data = tmp_path / "hypervisors.csv"
    data.write_bytes(bundled_dataset_path().read_bytes())
    for extra in ((), ("--force",)):
        # With --force, vendor rows take the API's dates; still no end date moves (only the
        # release days of Proxmox VE 1 and 2, where the API gives a later point release).
        result = tracker(
            "--as-of",
            "2026-11-26",
            "import",
            "endoflife",
            "proxmox-ve",
            "--api-url",
            api,
            "--merge",
            str(data),
            "--dry-run",
            *extra,
        )
        assert result.returncode == 0, result.stderr
        moved = [line for line in result.stderr.splitlines() if line.endswith("(moved)")]
        assert not any(": eol " in line or ": support_end " in line for line in moved), moved
        summary = result.stderr.splitlines()[-1]
        if not extra:
            assert moved == []
            assert summary.startswith(f"tracker: {data}: 0 moved, "), summary
        assert "endoflife.date proxmox-ve last_modified 2026-08-22T08:52:34+00:00" in summary
    assert data.read_bytes() == bundled_dataset_path().read_bytes()


def test_refinement_is_reported_as_such_and_applied(tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "d.csv"
    path.write_text(
        HEADER
        + "Proxmox,Proxmox VE,8,1,2023-06,,2026-08,,https://endoflife.date/proxmox-ve,secondary,\n"
        + "Proxmox,Proxmox VE,7,1,2021-07,,2024-07,,https://pve.proxmox.com/wiki/FAQ,vendor,\n",
        encoding="utf-8",
    )
    result = tracker(
        "--as-of",
        "2026-11-26",
        "import",
        "endoflife",
        "--from",
        str(EOL_FIXTURES / "proxmox-ve.json"),
        "--merge",
        str(path),
    )
    assert result.returncode == 0, result.stderr
    err = result.stderr.splitlines()
    assert "Proxmox VE 8: release 2023-06 -> 2023-06-22 (refined)" in err
    assert (
        "Proxmox VE 7: kept release 2021-07 (confidence vendor; --force to take it): "
        "endoflife.date says 2021-07-06 (more precise)"
    ) in err
    assert err[-1].startswith(f"tracker: {path}: 0 moved, 1 refined, 7 added, 1 kept (vendor), 0 skipped")
    records = {r.cycle: r for r in load_dataset(path)}
    assert (str(records["8"].release), str(records["8"].eol)) == ("2023-06-22", "2026-08")
    assert str(records["8"].verified_on) == "2026-11-26"  # rows the merge writes are stamped
    assert records["7"].verified_on is None and str(records["7"].release) == "2021-07"
    assert "(API last_modified 2026-08-22T08:52:34+00:00)" in records["6"].notes
    assert str(records["6"].verified_on) == "2026-11-26"


def test_empty_response_is_a_failure(tracker, api, dataset) -> None:  # type: ignore[no-untyped-def]
    before = dataset.read_bytes()
    for extra in ((), ("--merge", str(dataset))):
        result = tracker(
            "import",
            "endoflife",
            "empty",
            "--api-url",
            api,
            "--product-name",
            "Proxmox VE",
            "--vendor",
            "Proxmox",
            *extra,
        )
        assert result.returncode == 1
        assert "lists no releases for 'proxmox-ve'" in result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
    assert dataset.read_bytes() == before


def test_shrinking_response_is_a_failure(tracker, api, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "d.csv"
    text = HEADER + "".join(
        f"Proxmox,Proxmox VE,{n},1,{n + 2010}-01-01,,,,https://endoflife.date/proxmox-ve,secondary,\n"
        for n in (9, 8, 7, 6)
    )
    path.write_text(text, encoding="utf-8")
    result = tracker("import", "endoflife", "pve-shrunk", "--api-url", api, "--merge", str(path))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"endoflife.date: {api}/products/pve-shrunk: the response for 'proxmox-ve' lacks 1 "
        f"cycle(s) {path} took from it (Proxmox VE 6); refusing to merge a shrinking response; "
        "nothing written"
    )
    assert path.read_text(encoding="utf-8") == text


def test_month_publishing_vendors_get_months_back(tracker, api) -> None:  # type: ignore[no-untyped-def]
    """Proxmox publishes end months; the API's 2026-08-31 is written back as 2026-08."""
    result = tracker("import", "endoflife", "proxmox-ve", "--api-url", api)
    assert result.returncode == 0, result.stderr
    found = by_cycle(rows(result.stdout))
    assert [(c, found[c]["eol"]) for c in ("9", "8", "7", "1")] == [
        ("9", ""),
        ("8", "2026-08"),
        ("7", "2024-07"),
        ("1", "2013-01"),
    ]
    assert found["8"]["release"] == "2023-06-22"  # a release day is a day, not a month's end
    assert "End dates as months" in found["8"]["notes"]
    assert KNOWN_PRODUCTS["virtualbox"].month_ends and not KNOWN_PRODUCTS["esxi"].month_ends


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-08-31", "2026-08"),
        ("2028-02-29", "2028-02"),
        ("2026-02-28", "2026-02"),
        ("2026-08-30", "2026-08-30"),
        ("2026-08", "2026-08"),
        ("", ""),
    ],
)
def test_month_of_last_day(text: str, expected: str) -> None:
    from tracker.sources.endoflife import month_of_last_day

    assert month_of_last_day(text) == expected
