"""Change rules on real documents (issue 16 item 4): the real `pulumi preview --json` of a deployed stack, changed
once per rule, through `posture check --preview-json`, and the same change offline through `posture preview
--baseline <pulumi stack export>`, with the exact findings (rule id, enforcement level, resource).

Two deployed stacks, each `pulumi up` once (module fixtures), then a few previews that batch independent changes
(each finding names its own resource, so they stay attributable):

* the dev stack with its own config (one snapshot point per disk, a Locked vault with always-on soft delete, no
  customer-managed key or private endpoint yet, protect on). Its `deploymentRecord` output is removed from the
  state after the `up` (as a stack deployed before the record existed has it), so the program's own prior-state
  guards (components/prior_state.py) let the changes they would refuse reach the preview, where the change rules
  must catch them;
* tests/changes/programs/scale-limits, a minimal program, for what the dev program never declares: two new copies
  of one disk's incremental snapshots (AZDR-CHG-013) and 251 new VM registrations in one vault (AZDR-CHG-014).

Where the two documents differ, the difference is pinned (OFFLINE_ONLY / REAL_ONLY below): the stand-in provider
answers every Diff "unknown" (tools/realengine/standin.py), so the real engine turns no update into a replace and
says nothing the offline model reports as "only the provider knows"; offline, outputs of deployed resources that
feed other inputs are unknown (the offline engine's mocks do not read the baseline), so those inputs differ.
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from tests.real_engine.harness import PACK, ROOT, offline_preview, ok, posture_check
from tools.realengine import env as E

STACK = "dev"
CHANGES = "azure-iaas-dr-changes"
FX = ROOT / "tests" / "changes" / "programs" / "scale-limits"
DEV = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]


def dev_config(workloads=None, security=None, **extra):
    """The dev stack's config for these tests: its workloads with one snapshot point per disk, its security
    without customer-managed key and private endpoint (added later: AZDR-CHG-011/012), protect on."""
    w = copy.deepcopy(DEV["azure-iaas-dr:workloads"])
    w["app"]["consistentSnapshots"]["pointsInTime"] = ["20260101t0000z"]
    s = copy.deepcopy(DEV["azure-iaas-dr:security"])
    s.pop("customerManagedKey")
    s.pop("privateEndpoint")
    if workloads:
        workloads(w)
    if security:
        security(s)
    return {"azure-iaas-dr:protect": True, "azure-iaas-dr:workloads": w, "azure-iaas-dr:security": s,
            "azure-iaas-dr:vault": {"immutability": "Locked", "softDelete": "AlwaysON"}, **extra}


def findings(doc):
    """(rule id, enforcement level, resource name) of the change findings in a posture JSON document."""
    out = []
    for v in doc["violations"]:
        if v["policyPackName"] == CHANGES:
            rule_id = v["message"].split("\n", 1)[1].split("]", 1)[0].lstrip("[")
            out.append((rule_id, v["enforcementLevel"], v["resourceUrn"].rsplit("::", 1)[-1]))
    return sorted(out)


def messages(doc):
    return {(v["message"].split("\n", 1)[1].split("]", 1)[0].lstrip("["), v["resourceUrn"].rsplit("::", 1)[-1]):
            v["message"].split("\n", 1)[1] for v in doc["violations"] if v["policyPackName"] == CHANGES}


class Deployed:
    def __init__(self, engine, project, config, name, tmp):
        self.engine, self.project, self.config, self.tmp = engine, project, config, tmp
        self.run = engine.stack(project, STACK, config, name=name)
        ok(engine.run("up", "--yes", "--skip-preview", "--stack", STACK, cwd=self.run))
        state = json.loads(ok(engine.run("stack", "export", "--stack", STACK, cwd=self.run)).stdout)
        for r in state["deployment"]["resources"]:
            if r["type"] == "pulumi:pulumi:Stack":
                (r.get("outputs") or {}).pop("deploymentRecord", None)
        (tmp / "stripped.json").write_text(json.dumps(state))
        ok(engine.run("stack", "import", "--stack", STACK, "--file", tmp / "stripped.json", cwd=self.run))
        self.export = tmp / "export.json"
        ok(engine.run("stack", "export", "--stack", STACK, "--file", self.export, cwd=self.run))

    def judge(self, config, name, show_sames=True):
        """(real: `posture check --preview-json` of `pulumi preview --json --show-sames`, offline: `posture
        preview --baseline`) JSON documents of the stack changed to `config` (then set back). Without
        `show_sames`: the real document only, written with pulumi's default flags (offline: None)."""
        E.work_copy(self.project, STACK, self.run, config)
        try:
            flags = ["--show-sames"] if show_sames else []
            p = self.engine.run("preview", "--stack", STACK, "--json", *flags, cwd=self.run)
            assert p.returncode == 0, (p.stdout[-3000:], p.stderr[-3000:])
            doc = self.tmp / f"{name}.json"
            doc.write_text(p.stdout)
            c = posture_check("--preview-json", doc, "--policy-pack", PACK)
            assert c.returncode in (0, 1), c.stderr
            real = json.loads(c.stdout)
            if not show_sames:
                return real, None
            offline = offline_preview(self.run, STACK, PACK, "--baseline", str(self.export))
        finally:
            E.work_copy(self.project, STACK, self.run, self.config)
        assert real["changes"]["source"] == "preview-json" and offline["changes"]["source"] == "baseline"
        assert real["changes"]["complete"] is True
        return real, offline


@pytest.fixture(scope="module")
def dev(engine, tmp_path_factory):
    return Deployed(engine, ROOT, dev_config(), "change-documents-dev", tmp_path_factory.mktemp("chg-dev"))


@pytest.fixture(scope="module")
def fx(engine, tmp_path_factory):
    return Deployed(engine, FX, {}, "change-documents-fx", tmp_path_factory.mktemp("chg-fx"))


VAULT, ASR_VAULT = "vault-westeurope-vault", "asr-northeurope-vault"


def vault_change():
    """One preview for the rules on vaults and on what leaves the stack: redundancy and cross-region restore
    (001, 002: the West Europe Backup vault; the Site Recovery vault holds no backups), Locked immutability and
    always-on soft delete (003, 004) and protect (008) on both vaults, a customer-managed key and a private
    endpoint on a vault with items (011, 012), and the reporting workload dropped (007 on its policy, which its
    retained item still names; 009 on its VM, whose OS disk is deleted with it)."""
    cfg = dev_config(workloads=lambda w: w.pop("reporting"),
                     security=lambda s: (s.pop("archiveTier"),  # no archive tier for zone-redundant vaults
                                         s.update(customerManagedKey=DEV["azure-iaas-dr:security"]["customerManagedKey"],
                                                  privateEndpoint=DEV["azure-iaas-dr:security"]["privateEndpoint"])))
    cfg["azure-iaas-dr:protect"] = False
    cfg["azure-iaas-dr:vault"] = {"storageRedundancy": "ZoneRedundant", "crossRegionRestore": False,
                                  "immutability": "Unlocked", "softDelete": "Enabled", "allowWeakerPosture": True}
    return cfg


VAULT_FINDINGS = sorted([
    ("AZDR-CHG-001", "mandatory", VAULT),
    ("AZDR-CHG-002", "mandatory", VAULT),
    ("AZDR-CHG-003", "mandatory", VAULT), ("AZDR-CHG-003", "mandatory", ASR_VAULT),
    ("AZDR-CHG-004", "mandatory", VAULT), ("AZDR-CHG-004", "mandatory", ASR_VAULT),
    ("AZDR-CHG-007", "mandatory", "policy-westeurope-vm-reporting-v2-daily-aa6ba5-policy"),
    ("AZDR-CHG-008", "mandatory", VAULT), ("AZDR-CHG-008", "mandatory", ASR_VAULT),
    ("AZDR-CHG-009", "mandatory", "workload-reporting-vm-0"),
    ("AZDR-CHG-011", "mandatory", VAULT),
    ("AZDR-CHG-012", "mandatory", "endpoint-westeurope-endpoint"),
])
ITEMS = ("5 protected item(s) (backup-app-0-item, backup-app-1-item, backup-database-0-item, backup-database-1-item, "
         "backup-reporting-0-item)")


def test_vault_changes_and_removals_real_and_offline_alike(dev):
    real, offline = dev.judge(vault_change(), "vault")
    assert findings(real) == findings(offline) == VAULT_FINDINGS
    assert messages(real) == messages(offline)
    got = messages(real)
    assert got[("AZDR-CHG-001", VAULT)] == (
        f"[AZDR-CHG-001] vault 'rsv-dr-westeurope' changes storage redundancy 'GeoRedundant' -> 'ZoneRedundant' "
        f"while it holds {ITEMS}: Azure refuses to change the redundancy of a vault with backup items, so `pulumi "
        "up` would fail halfway; keep properties.redundancySettings.standardTierStorageRedundancy as deployed, or "
        "back up into a new vault")
    assert got[("AZDR-CHG-003", ASR_VAULT)].startswith(
        "[AZDR-CHG-003] vault 'rsv-dr-asr-northeurope' changes immutability Locked -> 'Unlocked'")
    assert got[("AZDR-CHG-007", "policy-westeurope-vm-reporting-v2-daily-aa6ba5-policy")].endswith(
        "while it still protects 1 item(s) (backup-reporting-0-item): Azure refuses to delete a policy with "
        "associated items, so `pulumi up` would fail halfway; move the items to another policy first")
    assert got[("AZDR-CHG-009", "workload-reporting-vm-0")] == (
        "[AZDR-CHG-009] VM 'workload-reporting-vm-0' would be deleted from the stack: disks deleted with it: "
        "reporting-vm-0-os; the VM's backups stay in the vault")
    assert got[("AZDR-CHG-012", "endpoint-westeurope-endpoint")].startswith(
        f"[AZDR-CHG-012] private endpoint 'endpoint-westeurope-endpoint' is added to vault 'rsv-dr-westeurope' which "
        f"holds {ITEMS}")
    # a mandatory change finding fails the check, in both paths
    assert real["summary"]["mandatory"] >= len(VAULT_FINDINGS) and offline["summary"]["mandatory"] >= len(VAULT_FINDINGS)


def test_without_show_sames_what_needs_the_vaults_items_is_advisory(dev):
    """pulumi's default `preview --json` leaves unchanged resources (the vault's protected items) out: the rules
    that depend on whether a vault holds items cannot tell and say so, advisory; the others are unchanged."""
    cfg = {**vault_change(), "azure-iaas-dr:workloads": dev_config()["azure-iaas-dr:workloads"]}  # reporting stays
    real, _ = dev.judge(cfg, "vault-no-sames", show_sames=False)
    assert real["changes"]["complete"] is False
    needs_items = {"AZDR-CHG-001", "AZDR-CHG-002", "AZDR-CHG-011", "AZDR-CHG-012"}
    assert findings(real) == sorted((r, "advisory" if r in needs_items else level, n) for r, level, n in VAULT_FINDINGS
                                    if r not in ("AZDR-CHG-007", "AZDR-CHG-009"))
    assert messages(real)[("AZDR-CHG-002", VAULT)] == (
        "[AZDR-CHG-002] vault 'rsv-dr-westeurope' cross-region restore is Enabled and this document does not show "
        "whether the vault holds items (run `pulumi preview --json --show-sames`): Azure cannot turn cross-region "
        "restore off once protection has started")
    assert real["summary"]["gaps"][-1].startswith("the preview document has no unchanged resources")


def backup_change(w):
    """Moves of protected VMs the program would refuse with its prior-state record (removed here): app to a
    Standard policy (rpoHours 24 without Trusted Launch: 006), database to a policy with 10 daily points under
    the Locked vault (005), reporting to the North Europe vault (010)."""
    w["app"].update(rpoHours=24, trustedLaunch=False)
    w["database"].setdefault("retention", {})["dailyDays"] = 10
    w["reporting"]["region"] = "northeurope"


BACKUP_FINDINGS = [
    ("AZDR-CHG-005", "mandatory", "backup-database-0-item"), ("AZDR-CHG-005", "mandatory", "backup-database-1-item"),
    ("AZDR-CHG-006", "mandatory", "backup-app-0-item"), ("AZDR-CHG-006", "mandatory", "backup-app-1-item"),
    ("AZDR-CHG-010", "mandatory", "backup-reporting-0-item"),
]
#: Offline only: the VMs' updates (securityProfile; reporting's location and storageProfile) may force a replace,
#: which only the provider knows. The real preview's engine decided them as updates: the stand-in provider
#: answers every Diff "unknown" (azure-native would replace the moved VM: the real preview would then report
#: AZDR-CHG-009 mandatory for it).
BACKUP_OFFLINE_ONLY = [
    ("AZDR-CHG-009", "advisory", "workload-app-vm-0"), ("AZDR-CHG-009", "advisory", "workload-app-vm-1"),
    ("AZDR-CHG-009", "advisory", "workload-reporting-vm-0"),
]


def test_policy_moves_real_and_offline(dev):
    real, offline = dev.judge(dev_config(workloads=backup_change), "backup")
    assert findings(real) == BACKUP_FINDINGS
    assert findings(offline) == sorted(BACKUP_FINDINGS + BACKUP_OFFLINE_ONLY)
    both = {k: v for k, v in messages(offline).items() if k[0] != "AZDR-CHG-009"}
    assert messages(real) == both
    got = messages(real)
    # the real preview's new policyId is unknown: the item's property dependency names the new policy
    assert got[("AZDR-CHG-006", "backup-app-0-item")] == (
        "[AZDR-CHG-006] VM 'app-vm-0' moves from Enhanced policy 'policy-westeurope-vm-app-server-v2-4h-98de3b-"
        "policy' to Standard policy 'policy-westeurope-vm-app-server-v1-daily-ee0169-policy': Azure does not allow "
        "changing a VM's backup to Standard once it has used an Enhanced policy, so `pulumi up` would fail halfway; "
        "keep the workload on an Enhanced (V2) plan")
    assert got[("AZDR-CHG-005", "backup-database-1-item")] == (
        "[AZDR-CHG-005] VM 'database-vm-1' moves from policy 'policy-westeurope-vm-database-v2-4h-fb63dd-policy' to "
        "policy 'policy-westeurope-vm-database-v2-4h-1acb25-policy' with lower retention (dailySchedule 30 -> 10) in "
        "an immutable vault: Azure refuses to switch an item to a policy with lower retention under immutability, "
        "so `pulumi up` would fail halfway")
    assert got[("AZDR-CHG-010", "backup-reporting-0-item")].startswith(
        "[AZDR-CHG-010] VM 'reporting-vm-0' moves from vault 'rsv-dr-westeurope' (westeurope) to 'rsv-dr-northeurope' "
        "(northeurope)")
    assert offline["changes"]["summary"]["update"] > 0 and real["changes"]["summary"]["replace"] == 0


def test_safe_changes_yield_no_finding(dev):
    """A tag, one more VM (its disks' first snapshot copies: one per disk), a longer retention."""
    def edit(w):
        w["app"]["vmCount"] = 3
        w["database"].setdefault("retention", {})["dailyDays"] = 60
    tags = {"azure-iaas-dr:tags": {**DEV["azure-iaas-dr:tags"], "cost-center": "cc-1"}}
    real, offline = dev.judge(dev_config(workloads=edit, **tags), "safe")
    assert findings(real) == findings(offline) == []
    for doc in (real, offline):
        s = doc["changes"]["summary"]
        assert s["create"] > 0 and s["update"] > 0 and s["delete"] > 0  # the change is real
        assert s["replace"] == 0


SCALE = {"fx:points": ["20260101t0000z", "20260201t0000z", "20260301t0000z"], "fx:vms": 252}
#: Offline only: the program feeds the resource group's and vault's names (outputs) into other inputs; the offline
#: engine's preview knows no output of a deployed resource, so those inputs read as changed (unknown), and whether
#: that replaces the vault or the disk only the provider knows. The real engine reads them from the state.
SCALE_OFFLINE_ONLY = [("AZDR-CHG-007", "advisory", "vault"), ("AZDR-CHG-009", "advisory", "data")]


def test_snapshot_copies_and_registrations_over_azures_limits(fx):
    """Two new points (one deployed): two new copies of disk fx-data's snapshots (013); 251 new VM items in one
    vault (014). The dev program refuses both before any resource (components/prior_state.py)."""
    real, offline = fx.judge({**fx.config, **SCALE}, "scale")
    expected = [("AZDR-CHG-013", "mandatory", "snap-20260301t0000z-dr"), ("AZDR-CHG-014", "mandatory", "vault")]
    assert findings(real) == expected
    assert findings(offline) == sorted(expected + SCALE_OFFLINE_ONLY)
    for doc in (real, offline):
        got = messages(doc)
        assert got[("AZDR-CHG-013", "snap-20260301t0000z-dr")] == (
            "[AZDR-CHG-013] 2 new cross-region copies of incremental snapshots of disk 'fx-data' in one update "
            "(snap-20260201t0000z-dr, snap-20260301t0000z-dr): Azure copies at most 1 incremental snapshot of a disk "
            "at a time, in creation order, and a CopyStart returns when the copy starts (dependsOn on the previous "
            "copy does not wait for it to complete), so the later copies fail; add one point in time per `pulumi up` "
            "and let its copies complete first")
        assert got[("AZDR-CHG-014", "vault")] == (
            "[AZDR-CHG-014] 251 new VM protected items in vault 'rsv-fx' in one update (more than 250): Azure Backup "
            "registers at most 250 VMs per vault per day, so `pulumi up` would fail halfway through the "
            "registrations; add the VMs over several days (at most 250 new per vault per update)")
        assert doc["changes"]["summary"]["create"] == 2 * 2 + 251


def test_one_new_copy_per_disk_and_fewer_registrations_are_safe(fx):
    real, offline = fx.judge({**fx.config, "fx:points": ["20260101t0000z", "20260201t0000z"], "fx:vms": 3},
                             "scale-safe")
    assert findings(real) == []
    assert findings(offline) == SCALE_OFFLINE_ONLY
