"""Change rules: metadata like the pack's rules, never CrossGuard policies, in the generated catalog."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_change_rules_metadata():
    from azdr_policies import POLICIES, RULES
    from azdr_policies.changes import CHANGE_RULES, rule_info
    from azdr_policies.framework import SEED_SECTIONS

    ids = [r.id for r in CHANGE_RULES]
    assert ids == [f"AZDR-CHG-{n:03d}" for n in range(1, 15)]
    names = [r.name for r in CHANGE_RULES]
    assert len(set(names)) == 14 and not set(names) & {r.name for r in RULES}
    assert all(re.fullmatch(r"change-[a-z0-9]+(-[a-z0-9]+)*", n) for n in names)
    assert not set(names) & {p.name for p in POLICIES}  # never a CrossGuard policy
    for r in CHANGE_RULES:
        assert (r.kind, r.policy) == ("change", None)
        assert r.seed_section in SEED_SECTIONS
        assert any(u.startswith("https://learn.microsoft.com/") for u in r.links), r.id
        assert r.rationale and r.remediation and r.snippet.strip() and r.missing and r.unknown_note
        assert r.exemptible
    info = {i["name"]: i for i in rule_info()}
    assert info["change-vm-or-disk-replaced-or-deleted"]["configSchema"]["properties"]["reportWithoutDataLoss"] == {
        "type": "boolean", "default": True,
        "description": "Also report a VM replaced or deleted when none of its disks is deleted with it (all detached)."}
    # the registration limit is the pack's generated fact (components/facts.py -> policies/azdr_policies/facts.py)
    from azdr_policies.facts import MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY

    assert MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY == 250
    schema = info["change-vm-registrations-per-vault"]["configSchema"]["properties"]["maximumNewRegistrationsPerVault"]
    assert (schema["type"], schema["default"], schema["minimum"], schema["maximum"]) == ("integer", 250, 1, 250)
    assert info["change-snapshot-copies-overlap"]["url"] == (
        "https://learn.microsoft.com/azure/virtual-machines/disks-copy-incremental-snapshot-across-regions")
    assert info["change-vm-registrations-per-vault"]["url"] == "https://learn.microsoft.com/azure/backup/backup-support-matrix"


def test_every_change_rule_has_cases():
    from azdr_policies.changes import CHANGE_RULES

    text = (Path(__file__).with_name("test_change_rules.py")).read_text()
    parametrized = re.search(r"def test_irreversible_vault_settings\(rule, key, frozen, other", text)
    for r in CHANGE_RULES:
        n = r.id[-3:]
        assert f'"{r.id}"' in text, r.id
        # one test per case, or the parametrized test that runs fire, safe, unknown and missing in turn
        assert re.search(rf"def test_chg{n}_fires", text) or (parametrized and f'("{r.id}", ' in text), r.id


def test_catalog_lists_change_rules_and_is_current():
    text = (ROOT / "policies" / "CATALOG.md").read_text()
    from azdr_policies.changes import CHANGE_RULES

    assert "\n## Change rules\n" in text
    for r in CHANGE_RULES:
        assert f"\n## {r.id} `{r.name}`\n" in text
        assert f"| {r.id} | `{r.name}` |" in text
    proc = subprocess.run([sys.executable, "-m", "policies.catalog", "--check"], cwd=ROOT, capture_output=True,
                          text=True)
    assert (proc.returncode, proc.stderr) == (0, "")
