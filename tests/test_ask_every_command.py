"""Every command that takes product terms (status, expiring, calendar, plan, inventory --product,
check) answers the issue's phrases through the one resolver, turns a typo into an error with
suggestions (check: UNKNOWN), and says on stderr when valid filters select nothing (exit 0)."""

from __future__ import annotations

import json

import pytest
from conftest import AS_OF, ROOT

HOSTS = str(ROOT / "examples" / "hosts.csv")
PHRASES = {
    "nutanix": {"AOS", "Prism Central"},
    "ahv": {"AOS"},
    "windows server 2019": {"Windows Server 2019"},
    "esxi 7": {"VMware ESXi 7.0"},
    "pve 8.2": {"Proxmox VE 8"},
    "hyper-v 2016": {"Hyper-V Server 2016"},
    "esx*": {"VMware ESXi"},
}
"""Each phrase and what it means: a product (every cycle of it) or a 'product cycle'."""

COMMANDS = {
    "status": ["status", "{term}", "--format", "json"],
    "expiring": ["expiring", "--from", "2000-01-01", "--to", "2040-12-31", "{term}", "--format", "json"],
    "calendar": ["calendar", "{term}"],
    "plan": ["plan", HOSTS, "--product", "{term}", "--format", "json"],
    "inventory": ["inventory", HOSTS, "--product", "{term}", "--format", "json"],
    "check": ["check", "--no-inventory", "--product", "{term}"],
}


def argv(command: str, term: str) -> list[str]:
    return [a.replace("{term}", term) for a in COMMANDS[command]]


def answered(command: str, stdout: str) -> set[str]:
    """The 'product cycle' names an answer is about (hosts: the matched ones)."""
    if command == "calendar":
        return {line.split(":")[1] for line in stdout.splitlines() if line.startswith("SUMMARY:")}
    items = json.loads(stdout)["items"]
    product = "matched_product" if command == "inventory" else "product"
    return {f"{i[product]} {i['cycle']}" for i in items if i.get("cycle")}


def means(found: set[str], expected: set[str]) -> bool:
    return all(any(f == e or f.startswith(e + " ") for e in expected) for f in found)


@pytest.mark.parametrize("term", sorted(PHRASES))
@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"check"}))
def test_every_command_answers_what_a_person_means(tracker, command: str, term: str) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, *argv(command, term))
    assert result.returncode == 0, result.stderr
    found = answered(command, result.stdout)
    assert means(found, PHRASES[term]), found
    if command in ("status", "expiring", "calendar"):  # the dataset: every phrase has cycles
        assert found, result.stderr
    if command != "status":  # never more than the cycles `status` answers for the same phrase
        status = tracker("--as-of", AS_OF, *argv("status", term))
        assert found <= answered("status", status.stdout)


@pytest.mark.parametrize("term", sorted(PHRASES))
def test_check_takes_the_same_phrases(tracker, term: str) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, *argv("check", term))
    assert result.returncode in (0, 1, 2), result.stdout
    assert result.stdout.startswith("TRACKER ") and "UNKNOWN" not in result.stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_typo_suggests_and_fails_in_every_command(tracker, command: str) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, *argv(command, "vmwre"))
    message = "no release cycle matches 'vmwre' (did you mean: VMware ESXi, VMware Fusion Pro, VMware "
    assert "Traceback" not in result.stderr
    if command == "check":
        assert result.returncode == 3
        assert result.stdout.startswith("TRACKER UNKNOWN - " + message), result.stdout
    else:
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr.startswith("tracker: " + message), result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_nothing_close_is_still_an_error(tracker, command: str) -> None:  # type: ignore[no-untyped-def]
    result = tracker("--as-of", AS_OF, *argv(command, "nothingmatches"))
    message = "no release cycle matches 'nothingmatches'; `tracker status` lists every product"
    if command == "check":
        assert (result.returncode, result.stdout) == (3, f"TRACKER UNKNOWN - {message}\n")
    else:
        assert result.returncode == 1
        assert result.stderr == f"tracker: {message}\n"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_valid_but_empty_filters_say_so_and_exit_0(tracker, command: str) -> None:  # type: ignore[no-untyped-def]
    args = [a for a in argv(command, "") if a not in ("", "--product")]
    result = tracker("--as-of", AS_OF, *args, "--type", "2", "--vendor", "Proxmox")
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "tracker: no release cycle matches --vendor Proxmox and --type 2 together\n" in result.stderr


def test_inventory_says_when_no_host_runs_what_the_filters_select(tracker) -> None:  # type: ignore[no-untyped-def]
    """Nutanix is in the dataset but on none of these hosts: the unmatched host stays listed."""
    for fmt in ("json", "csv"):
        result = tracker("--as-of", AS_OF, *argv("inventory", "nutanix")[:-1], fmt)
        assert result.returncode == 0, result.stderr
        assert "tracker: no host runs a release cycle the filters select" in result.stderr
        assert "kvm-01.lab.example" in result.stdout
    esxi = tracker("--as-of", AS_OF, *argv("inventory", "esxi"))
    assert "no host runs" not in esxi.stderr
