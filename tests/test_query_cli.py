"""The query commands through the real entry point: golden output per format, filters, errors."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import AS_OF, ROOT, SMALL, run_tracker
from tracker.formats import Format

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def normalise(text: str) -> str:
    return re.sub(r'"generated_at": "[^"]+"', '"generated_at": "<now>"', text)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(normalise(text), encoding="utf-8")
    assert normalise(text) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", [f.value for f in Format])
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["status"], id="status"),
        pytest.param(["expiring", "--year", "2027"], id="expiring-2027"),
    ],
)
def test_golden_every_format(tracker, command: list[str], fmt: str) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--dataset", str(SMALL), "--as-of", AS_OF, *command, "--format", fmt)
    assert result.returncode == 0, result.stderr
    check_golden(f"{command[0]}.{fmt}", result.stdout)


def test_issue_example_expiring_2027_json(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, "expiring", "--year", "2027", "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1 and doc["as_of"] == AS_OF
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", doc["generated_at"])
    eol = {
        (i["product"], i["cycle"])
        for i in doc["items"]
        if i["milestone"] == "eol" and i["date"] == "2027-01-12"
    }
    assert {("Hyper-V Server", "2016"), ("Windows Server", "2016")} <= eol
    assert [i["date"] for i in doc["items"]] == sorted(i["date"] for i in doc["items"])
    assert set(doc["items"][0]) == {"vendor", "product", "cycle", "milestone", "date", "days_left", "status"}


def test_issue_example_hyper_v_status_json(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, "status", "Hyper-V Server", "--format", "json")
    assert result.returncode == 0, result.stderr
    items = {i["cycle"]: i for i in json.loads(result.stdout)["items"]}
    assert items["2019"]["eol"] == "2029-01-09"
    assert items["2019"]["status"] == "security-only"
    assert items["2019"]["type"] == 1
    assert all(i["product"] == "Hyper-V Server" for i in items.values())
    assert list(items["2019"]) == [
        "vendor",
        "product",
        "cycle",
        "type",
        "release",
        "support_end",
        "eol",
        "extended_end",
        "status",
        "days_to_eol",
        "source",
        "confidence",
    ]


def test_expiring_defaults_to_calendar_year_of_as_of(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--dataset", str(SMALL), "--as-of", "2027-05-05", "expiring", "--format", "json")
    doc = json.loads(result.stdout)
    assert (doc["from"], doc["to"]) == ("2027-01-01", "2027-12-31")
    assert all(i["date"].startswith("2027") for i in doc["items"])


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        pytest.param(["--within", "90d"], ["2027-01-12", "2027-01-12"], id="90d"),
        pytest.param(["--within", "6m"], ["2027-01-12", "2027-01-12", "2027-04-02"], id="6m"),
        pytest.param(
            ["--within", "1y"],
            ["2027-01-12", "2027-01-12", "2027-04-02", "2027-06-30", "2027-10-11", "2027-10-11"],
            id="1y",
        ),
        pytest.param(["--from", "2026-01-01", "--to", "2026-12-31"], ["2026-08", "2026-10-13"], id="from-to"),
        pytest.param(["--from", "2026-08", "--to", "2026-08"], ["2026-08"], id="a-month-is-all-its-days"),
        pytest.param(
            ["--from", "2026-08-02", "--to", "2026-10"], ["2026-10-13"], id="month-counts-as-its-first-day"
        ),
        pytest.param(["--from", "2026-07", "--to", "2026-07-31"], [], id="month-before-the-month"),
        pytest.param(["--year", "2027", "--milestone", "support_end"], ["2027-10-11"], id="milestone"),
    ],
)
def test_expiring_windows(tracker, window: list[str], expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "expiring", *window, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [i["date"] for i in json.loads(result.stdout)["items"]] == expected


def test_a_month_window_runs_to_its_last_day(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker(
        "--dataset", str(SMALL), "--as-of", AS_OF, "expiring", "--from", "2028-02", "--to", "2028-02"
    )
    assert result.stdout.splitlines()[0] == "Milestones from 2028-02-01 to 2028-02-29 (as of 2026-11-26)"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["expiring", "--within", "soon"], id="bad-within"),
        pytest.param(["expiring", "--year", "2027", "--within", "90d"], id="two-windows"),
        pytest.param(["expiring", "--from", "2027-01-01"], id="from-without-to"),
        pytest.param(["expiring", "--from", "2027-13-01", "--to", "2027-12-31"], id="bad-from"),
        pytest.param(["expiring", "--from", "2027-13", "--to", "2027-12-31"], id="bad-month"),
        pytest.param(["expiring", "--from", "2027", "--to", "2027-12-31"], id="a-year-is-not-a-date"),
        pytest.param(["status", "--format", "yaml"], id="bad-format"),
        pytest.param(["status", "--type", "3"], id="bad-type"),
        pytest.param(["--as-of", "26/11/2026", "status"], id="bad-as-of"),
        pytest.param(["frobnicate"], id="unknown-command"),
    ],
)
def test_usage_errors_exit_2_without_traceback(tracker, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--dataset", str(SMALL), *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "error:" in result.stderr  # argparse or our own usage error, one line saying what is wrong
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_filters_and_positional_products(tracker) -> None:  # type: ignore[no-untyped-def]
    def products(*args: str) -> list[str]:
        out = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "status", *args, "--format", "csv").stdout
        return [line.split(",")[1] for line in out.splitlines()[1:]]

    assert set(products("--vendor", "microsoft")) == {"Hyper-V Server", "Windows Server"}
    assert set(products("--type", "2")) == {"VirtualBox"}
    assert set(products("esxi", "proxmox*")) == {"VMware ESXi", "Proxmox VE"}
    assert set(products("--product", "*server", "--vendor", "micro")) == {"Hyper-V Server", "Windows Server"}
    # terms after an option are terms too (argparse alone takes only the first run of words)
    assert set(products("esxi", "--vendor", "o", "proxmox*")) == {"VMware ESXi", "Proxmox VE"}
    mixed = tracker(
        "--dataset", str(SMALL), "--as-of", AS_OF, "check", "hyper-v", "-w", "400", "esxi 8", "-c", "5"
    )
    assert mixed.returncode == 1 and "approaching=2 " in mixed.stdout, mixed.stdout  # Hyper-V 2016, ESXi 8.0
    bogus = tracker("--dataset", str(SMALL), "status", "esxi", "--bogus", "pve")
    assert bogus.returncode == 2 and bogus.stderr.startswith("usage: tracker status ")  # the command's usage
    assert bogus.stderr.endswith("\ntracker status: error: unrecognized arguments: --bogus pve\n")
    missing = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "status", "nothing-matches")
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.startswith("tracker: no release cycle matches 'nothing-matches'")


def test_global_options_work_after_the_command_and_from_env(tracker, env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = tracker("status", "--dataset", str(SMALL), "--as-of", AS_OF, "--format", "json").stdout
    env2 = dict(env, TRACKER_DATASET=str(SMALL), TRACKER_AS_OF=AS_OF, TRACKER_FORMAT="json")
    b = tracker("status", env=env2).stdout
    assert normalise(a) == normalise(b)
    assert json.loads(a)["as_of"] == AS_OF


def test_output_file_is_written_and_stdout_stays_empty(tracker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "sub" / "status.csv"
    result = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "status", "--format", "csv", "-o", str(out))
    assert result.returncode == 0 and result.stdout == ""
    assert out.read_text().splitlines()[0].startswith("vendor,product,cycle,type,release")
    assert not [p for p in out.parent.iterdir() if p.name != "status.csv"]


@pytest.mark.parametrize(
    ("command", "name", "first"),
    [
        (["status"], "out.csv", "vendor,product,cycle,"),
        (["expiring"], "out.JSON", "{"),
        (["status", "--format", "table"], "out.csv", "Vendor "),  # --format wins
        (["status"], "out.md", "| Vendor | Product |"),
        (["status"], "out.txt", "Vendor "),
        (["inventory", "hosts.csv"], "matched.csv", "hostname,product,version,matched_product"),
        (["plan", "hosts.csv"], "plan.json", "{"),
        (["diff", str(SMALL), str(SMALL)], "changes.csv", "kind,vendor,product"),
    ],
)
def test_output_suffix_chooses_the_format(
    tracker, tmp_path, command: list[str], name: str, first: str
) -> None:  # type: ignore[no-untyped-def]
    """``-o matched.csv`` without --format writes CSV, not an aligned table named .csv; --format
    still wins, and a suffix that names no format keeps TRACKER_FORMAT or the table."""
    (tmp_path / "hosts.csv").write_text("hostname,product,version\nh1,ESXi,8.0\n")
    result = tracker("--dataset", str(SMALL), "--as-of", AS_OF, *command, "-o", name)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / name).read_text().startswith(first)


def test_colour_on_a_terminal_and_never_with_no_color(tmp_path, env) -> None:  # type: ignore[no-untyped-def]
    import pty
    import subprocess
    import sys

    def run_on_tty(extra_env: dict[str, str]) -> str:
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--dataset", str(SMALL), "--as-of", AS_OF, "status"],
            stdout=slave,
            stderr=subprocess.PIPE,
            env=dict(env, **extra_env),
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=30)
        os.close(master)
        return b"".join(chunks).decode()

    coloured = run_on_tty({"TERM": "xterm-256color"})
    assert "\x1b[31mend-of-life" in coloured
    assert "\x1b[" not in run_on_tty({"NO_COLOR": "1"})
    assert "\x1b[" not in run_on_tty({"TERM": "dumb"})  # a terminal that shows escapes as text
    piped = subprocess.run(
        [sys.executable, "-m", "tracker", "--dataset", str(SMALL), "--as-of", AS_OF, "status"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert "\x1b[" not in piped.stdout


def test_every_format_choice_has_a_renderer() -> None:
    from tracker.formats import Result, renderer

    for fmt in Format:
        assert callable(renderer(fmt))
        assert isinstance(renderer(fmt)(Result([], [], "2026-11-26", "now"), False), str)


@pytest.mark.parametrize(
    ("argv", "first_line", "config"),
    [
        pytest.param(["expiring", "--year", "2027"], "golden:expiring.table", "", id="expiring"),
        pytest.param(["status"], "golden:status.table", "", id="status"),
        pytest.param(["check", "--no-inventory"], "TRACKER CRITICAL - ", "", id="check"),
        pytest.param(["calendar"], "BEGIN:VCALENDAR", "", id="calendar"),
        pytest.param(
            ["status"],
            "golden:status.table",
            '[schedule]\ncron = "30 2 * * mon-fri"\n',
            id="status-with-config",  # the config's cron is validated without APScheduler
        ),
    ],
)
def test_query_path_imports_no_heavy_library(
    tmp_path, env, argv: list[str], first_line: str, config: str
) -> None:  # type: ignore[no-untyped-def]
    """Query commands start fast: pandas, Jinja2, APScheduler and SQLAlchemy stay unimported, and the
    command really ran (exit status and output are checked, so a crash cannot pass as "light")."""
    import subprocess
    import sys

    if config:
        (tmp_path / "tracker.toml").write_text(config, encoding="utf-8")  # found in the working directory
    out_file = tmp_path / "o.txt"
    output = [] if argv[0] == "check" else ["-o", str(out_file)]
    tracker_argv = ["tracker", "--dataset", str(SMALL), "--as-of", "2026-11-26", *argv, *output]
    code = (
        "import json, runpy, sys\n"
        f"sys.argv = {tracker_argv!r}\n"
        "try:\n    runpy.run_module('tracker', run_name='__main__')\n"
        "except SystemExit as exc:\n    status = exc.code\n"
        "else:\n    status = 'no SystemExit'\n"
        "heavy = [m for m in ('pandas', 'jinja2', 'apscheduler', 'sqlalchemy', 'numpy') if m in sys.modules]\n"
        "print(json.dumps({'status': status, 'heavy': heavy}), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    expected_status = 2 if argv[0] == "check" else 0  # small.csv has cycles within 90 days: CRITICAL
    assert report == {"status": expected_status, "heavy": []}, proc.stderr
    produced = proc.stdout if argv[0] == "check" else out_file.read_text()
    if first_line.startswith("golden:"):
        assert produced == (GOLDEN / first_line.removeprefix("golden:")).read_text(encoding="utf-8")
    else:
        assert produced.startswith(first_line), produced[:200]


def test_python_dash_m_and_console_script_agree(tracker, env) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess

    script = shutil.which("tracker", path=os.path.dirname(os.sys.executable))  # type: ignore[attr-defined]
    assert script, "console script 'tracker' is installed next to the interpreter"
    a = subprocess.run(
        [script, "--dataset", str(SMALL), "--as-of", AS_OF, "status"], capture_output=True, text=True, env=env
    )
    b = run_tracker("--dataset", str(SMALL), "--as-of", AS_OF, "status", env=env)
    c = tracker("--dataset", str(SMALL), "--as-of", AS_OF, "status")
    assert a.returncode == b.returncode == c.returncode == 0
    assert a.stdout == b.stdout == c.stdout == (GOLDEN / "status.table").read_text(encoding="utf-8")


def test_help_and_version(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--help")
    assert result.returncode == 0
    for command in (
        "status",
        "expiring",
        "validate",
        "report",
        "alert",
        "run",
        "schedule",
        "inventory",
        "calendar",
        "check",
        "import",
    ):
        assert command in result.stdout
    assert tracker("--version").stdout.startswith("tracker ")


# -- asking the way people talk (SPEC section 4) -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["status", "nutanix"], {"Nutanix"}, id="vendor"),
        pytest.param(["status", "windows server 2019"], {"Windows Server 2019"}, id="product-cycle"),
        pytest.param(
            ["status", "esxi 7", "hyper-v 2016"], {"VMware ESXi 7.0", "Hyper-V Server 2016"}, id="or"
        ),
        pytest.param(["status", "--product", "pve 8.2"], {"Proxmox VE 8"}, id="product-option"),
        pytest.param(["expiring", "--year", "2029", "esxi 8"], {"VMware ESXi 8.0"}, id="expiring"),
    ],
)
def test_terms_answer_what_a_person_means(tracker, args: list[str], expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)["items"]
    got = {f"{i['product']} {i['cycle']}" for i in items}
    if expected == {"Nutanix"}:
        assert items and {i["vendor"] for i in items} == {"Nutanix"}
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["status", "vmwre"], 1, id="status"),
        pytest.param(["expiring", "--product", "vmwre"], 1, id="expiring"),
        pytest.param(["calendar", "vmwre"], 1, id="calendar"),
        pytest.param(["check", "--product", "vmwre"], 3, id="check-unknown"),
    ],
)
def test_a_typo_is_an_error_with_suggestions_never_an_empty_answer(
    tracker, args: list[str], code: int
) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, *args)
    assert result.returncode == code, (result.stdout, result.stderr)
    message = "no release cycle matches 'vmwre' (did you mean: VMware ESXi, "
    if code == 3:
        assert result.stdout.startswith("TRACKER UNKNOWN - ") and message in result.stdout
    else:
        assert result.stdout == ""
        assert result.stderr.startswith("tracker: " + message)
    assert "Traceback" not in result.stderr


def test_check_product_nothingmatches_is_unknown_not_ok(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, "check", "--product", "nothingmatches")
    assert result.returncode == 3
    assert result.stdout.startswith("TRACKER UNKNOWN - ")


def test_unknown_vendor_is_an_error_naming_the_vendors(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, "status", "--vendor", "micrsoft")
    assert result.returncode == 1
    assert result.stderr.startswith("tracker: no vendor matches 'micrsoft' (did you mean: Microsoft")


def test_valid_but_empty_combination_says_so_and_exits_0(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, "status", "--type", "2", "--vendor", "Proxmox", "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["items"] == []
    assert result.stderr == "tracker: no release cycle matches --vendor Proxmox and --type 2 together\n"


def test_own_aliases_file_is_tried_before_the_bundled_one(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    own = tmp_path / "my-aliases.csv"
    own.write_text(
        "kind,syntax,pattern,product,cycle\nproduct,exact,bigiron,VMware ESXi,\n", encoding="utf-8"
    )
    result = tracker(
        "--as-of", AS_OF, "status", "bigiron 8", "pve 8", "--aliases", str(own), "--format", "csv"
    )
    assert result.returncode == 0, result.stderr
    assert [line.split(",")[1:3] for line in result.stdout.splitlines()[1:]] == [
        ["VMware ESXi", "8.0"],
        ["Proxmox VE", "8"],
    ]


@pytest.mark.parametrize(
    ("args", "heavy_allowed"),
    [
        pytest.param(["status", "esxi 7", "--format", "json"], False, id="resolver-path"),
        pytest.param(["expiring", "--year", "2027", "vmware 8"], False, id="expiring-terms"),
        pytest.param(
            ["inventory", str(ROOT / "examples" / "hosts.csv"), "--format", "csv"], True, id="inventory-csv"
        ),
    ],
)
def test_resolver_and_arrow_paths_never_import_pandas(
    tmp_path, env, args: list[str], heavy_allowed: bool
) -> None:  # type: ignore[no-untyped-def]
    """The resolver is pure Python; the inventory's csv path is Arrow only (pyarrow is allowed there)."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom tracker.cli import main\n"
        f"rc = main(['--as-of', '2026-11-26', *{args!r}, '-o', {str(tmp_path / 'out')!r}])\n"
        "heavy = [m for m in ('pandas', 'jinja2', 'apscheduler', 'sqlalchemy') if m in sys.modules]\n"
        "print(rc, heavy, 'pyarrow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.split() == ["0", "[]", "True" if heavy_allowed else "False"], (out.stdout, out.stderr)
    assert (tmp_path / "out").stat().st_size > 0


def test_inventory_product_typo_is_an_error(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker(
        "--as-of", AS_OF, "inventory", str(ROOT / "examples" / "hosts.csv"), "--product", "vmwre"
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("tracker: no release cycle matches 'vmwre' (did you mean: VMware ESXi")


def test_expiring_says_why_a_matched_term_has_no_milestone_in_the_window(tracker) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, "expiring", "esxi 7", "--format", "json")
    assert result.returncode == 0 and json.loads(result.stdout)["items"] == []
    assert result.stderr == (
        "tracker: no milestone of VMware ESXi 7.0 from 2026-01-01 to 2026-12-31; "
        "next: VMware ESXi 7.0 extended_end 2027-04-02\n"
    )
    assert tracker("--as-of", AS_OF, "expiring", "--year", "2027", "esxi 7").stderr == ""
    table = tracker("--as-of", AS_OF, "expiring", "esxi 7").stdout
    assert table.endswith("\n(no milestone in this window)\n")  # the cycle matched; the window is empty
    assert tracker("--as-of", AS_OF, "status", "--type", "2", "--vendor", "Proxmox").stdout.endswith(
        "\n(no matching release cycles)\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--version"], id="version"),
        pytest.param(["--dataset", str(SMALL), "frobnicate"], id="usage-error"),
        pytest.param(["--dataset", str(SMALL), "--as-of", AS_OF, "status", "--format", "csv"], id="csv"),
        pytest.param(["--dataset", "missing.csv", "status"], id="data-error"),
        pytest.param(["--dataset", str(SMALL), "--as-of", AS_OF, "check", "-w", "-1"], id="check-unknown"),
        pytest.param(
            ["--as-of", AS_OF, "inventory", str(ROOT / "examples" / "hosts.csv"), "--format", "csv"],
            id="inventory-bytes-to-stdout",
        ),
    ],
)
def test_in_process_runner_matches_the_real_entry_point(tracker, env, tmp_path, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    """The `tracker` fixture runs main() in-process for speed: it must see what a process sees."""
    real = run_tracker(*args, cwd=tmp_path, env=env)
    here = tracker(*args)
    assert (here.returncode, here.stdout, here.stderr) == (real.returncode, real.stdout, real.stderr)
    assert real.stdout or real.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '=HYPERLINK("https://evil.example","x")', '\'=HYPERLINK("https://evil.example","x")', id="equals"
        ),
        pytest.param("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0", id="plus-text"),
        pytest.param("-2+3", "'-2+3", id="minus-formula"),
        pytest.param("@SUM(A1:A9)", "'@SUM(A1:A9)", id="at"),
        pytest.param("\t=1", "'\t=1", id="tab"),
        pytest.param("\r=1", "'\r=1", id="carriage-return"),
        pytest.param("-44", "-44", id="negative-days-stay-a-number"),
        pytest.param("+3", "+3", id="signed-number"),
        pytest.param("-1.5", "-1.5", id="negative-decimal"),
        pytest.param("a=b", "a=b", id="equals-inside"),
        pytest.param("", "", id="blank"),
    ],
)
def test_csv_cell_neutralises_formulas_only(text: str, expected: str) -> None:
    from tracker.formats import csv_cell

    assert csv_cell(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", id="script"),
        pytest.param("AT&T", "AT&amp;T", id="ampersand"),
        pytest.param("a|b", "a\\|b", id="pipe"),
        pytest.param("back\\slash", "back\\\\slash", id="backslash"),
        pytest.param("two\nlines\r\nhere", "two lines here", id="line-breaks"),
        pytest.param("Broadcom (VMware)", "Broadcom (VMware)", id="plain"),
    ],
)
def test_markdown_cell_escapes_html_pipes_and_breaks(text: str, expected: str) -> None:
    from tracker.formats import markdown_cell

    assert markdown_cell(text) == expected


def test_hostile_dataset_is_inert_in_markdown_and_csv(tracker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import csv

    data = tmp_path / "hostile.csv"
    data.write_text(
        "vendor,product,cycle,type,release,support_end,eol,extended_end,source,confidence,notes\n"
        '@Evil <Corp>,"=HYPERLINK(""https://evil.example"",""x"")",1.0,1,2020-01-01,,2026-10-13,,'
        "https://example.org,vendor,\n",
        encoding="utf-8",
    )
    args = ("--dataset", str(data), "--as-of", AS_OF, "status", "--format")
    md = tracker(*args, "markdown")
    assert md.returncode == 0, md.stderr
    assert '| @Evil &lt;Corp&gt; | =HYPERLINK("https://evil.example","x") |' in md.stdout
    assert "<" not in md.stdout
    rows = list(csv.DictReader(tracker(*args, "csv").stdout.splitlines()))
    assert rows[0]["vendor"] == "'@Evil <Corp>"
    assert rows[0]["product"] == '\'=HYPERLINK("https://evil.example","x")'
    assert rows[0]["days_to_eol"] == "-44"  # a plain negative number stays a number
    assert (
        json.loads(tracker(*args, "json").stdout)["items"][0]["vendor"] == "@Evil <Corp>"
    )  # json: data as is


@pytest.mark.parametrize(
    ("command", "empty"),
    [
        (["status", "--format", "csv"], ["status", "--format", "csv", "--type", "2", "--vendor", "Proxmox"]),
        (["expiring", "--format", "csv"], ["expiring", "--format", "csv", "--year", "1990"]),
    ],
    ids=["status", "expiring"],
)
def test_csv_header_is_the_same_with_and_without_rows(tracker, command: list[str], empty: list[str]) -> None:  # type: ignore[no-untyped-def]
    # An empty answer used to drop `source` (status) and reorder the columns (expiring): scripts that
    # read by position broke exactly when nothing matched.
    full = tracker("--as-of", AS_OF, *command)
    none = tracker("--as-of", AS_OF, *empty)
    assert full.returncode == 0 and none.returncode == 0, none.stderr
    header = full.stdout.splitlines()[0]
    assert none.stdout == header + "\n"
    assert len(full.stdout.splitlines()) > 1
