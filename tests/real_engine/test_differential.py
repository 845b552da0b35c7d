"""The real engine is the judge of the offline one: same resources (URN, type, parent, inputs) and the same
(policyName, URN) violations, for the dev stack and the stack fixtures the offline engine is tested on."""

import pytest

from tests.projects import LOCALLY_REDUNDANT_VAULT
from tests.real_engine.differential import differences, sorted_config_copy
from tests.real_engine.harness import MINI, MINI_PACK, PACK, ROOT, offline_preview

# mini's Pulumi.dev.yaml holds a placeholder ciphertext (the offline engine lists it as unavailable); the
# real CLI would fail to decrypt it, so the run directory gets a value encrypted with the local passphrase.
MINI_SECRET = ("mini:apiToken", "t0ken")

CASES = {
    "dev": (ROOT, "dev", PACK, None),
    "dev-lrs-vault": (ROOT, "dev", PACK, LOCALLY_REDUNDANT_VAULT),
    "mini-dev": (MINI, "dev", MINI_PACK, None),
    "mini-big": (MINI, "big", MINI_PACK, None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_offline_and_real_engine_agree(engine, case, tmp_path):
    project, stack, pack, config = CASES[case]
    run = engine.stack(project, stack, config, name=f"diff-{case}")
    if project == MINI and stack == "dev":
        p = engine.run("config", "set", "--secret", *MINI_SECRET, cwd=run)
        assert p.returncode == 0, p.stderr
    real = engine.preview(run, stack, pack=pack)
    offline = offline_preview(sorted_config_copy(run, stack, tmp_path), stack, pack)
    assert real.resources, real.stderr
    assert differences(offline, real) == []
    assert real.code == (1 if offline["summary"]["mandatory"] else 0), real.stderr


def test_object_config_reaches_a_real_program_with_sorted_keys_offline_in_file_order(engine):
    """Known gap, pinned: the CLI hands object config to the program with its keys sorted (Go's
    encoding/json); the offline engine keeps Pulumi.<stack>.yaml's order. In this project it shows in the
    order of the vault's `dr-workload` tag (and of the runbook's workloads)."""
    vault = ("urn:pulumi:dev::azure-iaas-dr::azure-iaas-dr:recovery_vault:RecoveryVault$"
             "azure-native:recoveryservices:Vault::vault-westeurope-vault")
    run = engine.stack(ROOT, "dev", name="config-order")
    real = engine.preview(run, "dev")
    offline = {r["urn"]: r for r in offline_preview(run, "dev", PACK)["resources"]}
    assert real.resources[vault]["inputs"]["tags"]["dr-workload"] == "app,database,reporting"
    assert offline[vault]["inputs"]["tags"]["dr-workload"] == "database,app,reporting"


# Issue 12: the program fixtures (tests/fixtures/programs, judged offline by tests/posture/test_program_fixtures.py)
# under the real CLI too. vm-template's Pulumi.dev.yaml holds a placeholder ciphertext: as for mini, the run
# directory gets a value encrypted with the local passphrase (both engines then see a secret).
PROGRAM_SECRETS = {"vm-template": ("fx-vm-template:adminPassword", "Adm1n-Passw0rd!")}
PROGRAMS = ROOT / "tests" / "fixtures" / "programs"
JUDGED_PROGRAMS = sorted(p.name for p in PROGRAMS.iterdir() if p.is_dir() and p.name != "duplicate-urns")
# Known gap, pinned (docs/real-engine.md): an input fed from another resource's name output (`rg.name`,
# `vault.name`, `vnet.name`, ...) is unknown in the offline preview and the name the program gave for real
# (the stand-in answers a preview Create with the mocks' outputs, `name` included). Violations agree anyway.
# The resources whose inputs differ only that way, per fixture (fixtures not listed: none):
NAME_GAP = {
    "inherited-location": {"ProtectedItem::app-vm-backup", "ProtectionPolicy::backup-policy"},
    "inline-subnet-nsg": {"Subnet::db-subnet", "ProtectedItem::db-vm-backup", "ProtectedItem::web-vm-backup",
                          "ProtectionPolicy::backup-policy"},
    "load-balancer": {"AvailabilitySet::avset", "VirtualMachine::web-1", "VirtualMachine::web-2",
                      "LoadBalancer::lb", "NetworkInterface::nic-1", "NetworkInterface::nic-2",
                      "PublicIPAddress::pip", "VirtualNetwork::vnet"},
    "standalone-vm": {"VirtualMachine::vm", "NetworkInterface::nic", "VirtualNetwork::vnet"},
    "storage-accounts": {"StorageAccount::appdata", "StorageAccount::images"},
    "unjudged-vms": {"VirtualMachineScaleSet::web-flex", "VirtualMachineScaleSet::web-uniform"},
}


def _short(urn: str) -> str:
    """`Type::name` of a URN (`...::azure-native:storage:StorageAccount::images` -> `StorageAccount::images`)."""
    return urn.split("::")[2].rsplit(":", 1)[1] + "::" + urn.rsplit("::", 1)[1]


@pytest.mark.parametrize("name", JUDGED_PROGRAMS)
def test_offline_and_real_engine_agree_on_program_fixture(engine, name, tmp_path):
    run = engine.stack(PROGRAMS / name, "dev", name=f"diff-program-{name}")
    if name in PROGRAM_SECRETS:
        p = engine.run("config", "set", "--secret", *PROGRAM_SECRETS[name], cwd=run)
        assert p.returncode == 0, p.stderr
    real = engine.preview(run, "dev")
    offline = offline_preview(sorted_config_copy(run, "dev", tmp_path), "dev", PACK)
    assert real.resources, real.stderr[-3000:]
    strict = differences(offline, real)
    assert {_short(d.split(": inputs offline", 1)[0]) for d in strict} == NAME_GAP.get(name, set()), strict
    assert all(": inputs offline " in d for d in strict)
    assert differences(offline, real, name_gap=True) == []
    assert real.code == (1 if offline["summary"]["mandatory"] else 0), real.stderr[-3000:]


def test_duplicate_urns_program_is_rejected_by_both_engines(engine):
    run = engine.stack(PROGRAMS / "duplicate-urns", "dev", name="diff-program-duplicate-urns")
    real = engine.preview(run, "dev")
    diags = " ".join(e["diagnosticEvent"]["message"] for e in real.events if "diagnosticEvent" in e)
    assert real.code != 0 and "Duplicate resource URN" in diags, (real.code, diags[-2000:])
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-m", "posture", "preview", "--project-dir", str(run), "--stack", "dev",
                        "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert p.returncode == 2, p.stderr
