"""Every change rule: a firing case, a safe case, an unknown case and a missing-property case.

Changes are real config changes of the dev stack (baseline = the offline engine's capture written as a
stack export; new = the offline capture with the changed config), or, for what the config cannot
express (a CMK, a private endpoint, unknown values), one edit of that change model. Assertions are on
the exact findings: (rule id, level, resource name, message).
"""

from __future__ import annotations

import copy

import pytest

from tests.changes import documents as docs
from tests.changes.documents import V, security, workloads

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
VAULT = "vault-westeurope-vault"
VAULT_NAME = "rsv-dr-westeurope"
ASR_VAULT = "asr-northeurope-vault"
ASR_VAULT_NAME = "rsv-dr-asr-northeurope"
ITEMS = ("backup-app-0-item, backup-app-1-item, backup-database-0-item, backup-database-1-item, "
         "backup-reporting-0-item")


def evaluate(model, config=None):
    from azdr_policies.changes import evaluate as run

    return [(f["ruleId"], f["enforcementLevel"], f["urn"].rsplit("::", 1)[-1], f["message"]) for f in run(model, config)]


def ids(findings):
    return sorted((rid, level, name) for rid, level, name, _ in findings)


def change(model, name):
    (c,) = [c for c in model["changes"] if c["urn"].endswith("::" + name)]
    return c


def put(state, path, value):
    """Set `a.b.c` in a state's inputs (value None: delete the key)."""
    cur = state["inputs"]
    *parents, last = path.split(".")
    for p in parents:
        cur = cur.setdefault(p, {})
    if value is None:
        cur.pop(last, None)
    else:
        cur[last] = value


def as_update(model, name):
    c = change(model, name)
    c["op"], c["diff"] = "update", sorted(set(c["diff"]) | {"properties"})
    return c


def without_items(model):
    """The model as a preview --json without --show-sames has it: unchanged items absent."""
    m = copy.deepcopy(model)
    m["changes"] = [c for c in m["changes"] if not c["urn"].endswith("-item")]
    m["complete"] = False
    return m


@pytest.fixture(scope="module")
def unchanged():
    return docs.model()


def test_no_change_no_finding(unchanged):
    assert {c["op"] for c in unchanged["changes"]} == {"same"}
    assert evaluate(unchanged) == []


# ---- safe changes: none --------------------------------------------------------------------------


def _one_point(w):
    """One snapshot point per disk (a new VM's disks get one new copy each, see AZDR-CHG-013)."""
    w["app"]["consistentSnapshots"]["pointsInTime"] = ["20260101t0000z"]
    return w


def _safe(edit):
    return workloads(lambda w: edit(_one_point(w)))


@pytest.mark.parametrize("config", [
    pytest.param({"azure-iaas-dr:tags": {"environment": "dev", "owner": "platform-team", "cost-center": "cc-1"},
                  **_safe(lambda w: w)}, id="a-tag"),
    pytest.param(_safe(lambda w: w["app"].update(vmCount=3)), id="one-more-vm"),
    pytest.param(_safe(lambda w: w["database"].setdefault("retention", {}).update(dailyDays=60)),
                 id="longer-retention"),
])
def test_safe_changes_yield_no_finding(config):
    m = docs.model(config, _safe(lambda w: w))
    assert any(c["op"] != "same" for c in m["changes"])  # the change is real
    assert evaluate(m) == []


# ---- AZDR-CHG-001 vault redundancy --------------------------------------------------------------


def test_chg001_fires_on_redundancy_change_with_items():
    # Azure Backup has no archive tier for zone-redundant vaults: the dev stack's archiveTier goes too.
    m = docs.model({"azure-iaas-dr:vault": {"storageRedundancy": "ZoneRedundant", "crossRegionRestore": False, **V},
                    **security(lambda s: s.pop("archiveTier"))})
    assert evaluate(m) == [
        ("AZDR-CHG-001", "mandatory", VAULT,
         f"[AZDR-CHG-001] vault '{VAULT_NAME}' changes storage redundancy 'GeoRedundant' -> 'ZoneRedundant' while "
         f"it holds 5 protected item(s) ({ITEMS}): Azure refuses to change the redundancy of a vault with backup "
         "items, so `pulumi up` would fail halfway; keep properties.redundancySettings.standardTierStorageRedundancy "
         "as deployed, or back up into a new vault"),
        ("AZDR-CHG-002", "mandatory", VAULT,
         f"[AZDR-CHG-002] vault '{VAULT_NAME}' turns cross-region restore Enabled -> 'Disabled': Azure cannot turn "
         "it off once protection has started, so `pulumi up` would fail on the vault; keep "
         "properties.redundancySettings.crossRegionRestore 'Enabled'"),
    ]


def test_chg001_safe_without_items(unchanged):
    m = without_items(unchanged)
    m["complete"] = True  # a vault that really holds no item
    put(as_update(m, VAULT)["new"], "properties.redundancySettings.standardTierStorageRedundancy", "ZoneRedundant")
    assert [f[0] for f in evaluate(m)] == []


def test_chg001_unknown_new_value_and_unknown_items_are_advisory(unchanged):
    m = copy.deepcopy(unchanged)
    put(as_update(m, VAULT)["new"], "properties.redundancySettings.standardTierStorageRedundancy", UNKNOWN)
    assert evaluate(m) == [(
        "AZDR-CHG-001", "advisory", VAULT,
        f"[AZDR-CHG-001] vault '{VAULT_NAME}' may change storage redundancy from 'GeoRedundant': the new redundancy "
        "is known only after `pulumi up`; Azure refuses the change once the vault holds backup items")]
    m = without_items(unchanged)
    put(as_update(m, VAULT)["new"], "properties.redundancySettings.standardTierStorageRedundancy", "LocallyRedundant")
    assert ids(evaluate(m)) == [("AZDR-CHG-001", "advisory", VAULT)]
    assert "--show-sames" in evaluate(m)[0][3]


def test_chg001_missing_prior_value_is_geo_redundant(unchanged):
    m = copy.deepcopy(unchanged)
    c = as_update(m, VAULT)
    put(c["old"], "properties.redundancySettings.standardTierStorageRedundancy", None)  # not set: GeoRedundant
    assert evaluate(m) == []
    put(c["new"], "properties.redundancySettings.standardTierStorageRedundancy", "ZoneRedundant")
    assert [f[3].split(" while")[0] for f in evaluate(m)] == [
        f"[AZDR-CHG-001] vault '{VAULT_NAME}' changes storage redundancy GeoRedundant (not set) -> 'ZoneRedundant'"]


# ---- AZDR-CHG-002 cross-region restore -----------------------------------------------------------


def test_chg002_fires_enabled_to_disabled():
    m = docs.model({"azure-iaas-dr:vault": {"crossRegionRestore": False, **V}})
    assert ids(evaluate(m)) == [("AZDR-CHG-002", "mandatory", VAULT)]


def test_chg002_safe_disabled_to_enabled_and_before_the_first_backup(unchanged):
    m = docs.model(None, {"azure-iaas-dr:vault": {"crossRegionRestore": False, **V}})
    assert evaluate(m) == []
    m = without_items(unchanged)
    m["complete"] = True  # no item yet: Azure still allows it
    put(as_update(m, VAULT)["new"], "properties.redundancySettings.crossRegionRestore", "Disabled")
    assert evaluate(m) == []
    m["complete"] = False  # cannot tell
    assert ids(evaluate(m)) == [("AZDR-CHG-002", "advisory", VAULT)]


def test_chg002_unknown_and_missing(unchanged):
    m = copy.deepcopy(unchanged)
    c = as_update(m, VAULT)
    put(c["new"], "properties.redundancySettings.crossRegionRestore", UNKNOWN)
    assert ids(evaluate(m)) == [("AZDR-CHG-002", "advisory", VAULT)]
    put(c["new"], "properties.redundancySettings.crossRegionRestore", None)
    assert [f[3] for f in evaluate(m)] == [
        f"[AZDR-CHG-002] vault '{VAULT_NAME}' turns cross-region restore Enabled -> not set (Disabled): Azure cannot "
        "turn it off once protection has started, so `pulumi up` would fail on the vault; keep "
        "properties.redundancySettings.crossRegionRestore 'Enabled'"]


# ---- AZDR-CHG-003 / 004 immutability Locked, soft delete AlwaysON --------------------------------


@pytest.mark.parametrize("rule, key, frozen, other, path, message", [
    ("AZDR-CHG-003", "immutability", "Locked", "Unlocked", "properties.securitySettings.immutabilitySettings.state",
     "changes immutability Locked -> 'Unlocked': Azure refuses to change a Locked immutable vault (Locked is "
     "irreversible), so `pulumi up` would fail halfway; keep properties.securitySettings.immutabilitySettings.state "
     "'Locked'"),
    ("AZDR-CHG-004", "softDelete", "AlwaysON", "Enabled", "properties.securitySettings.softDeleteSettings.softDeleteState",
     "changes soft delete AlwaysON -> 'Enabled': Azure refuses to turn always-on soft delete off (AlwaysON is "
     "irreversible), so `pulumi up` would fail halfway; keep "
     "properties.securitySettings.softDeleteSettings.softDeleteState 'AlwaysON'"),
])
def test_irreversible_vault_settings(rule, key, frozen, other, path, message):
    fired = docs.model({"azure-iaas-dr:vault": {key: other}}, {"azure-iaas-dr:vault": {key: frozen}})
    # vault config applies to the Backup vault and to the Site Recovery vault in North Europe alike (issue 14)
    assert sorted(evaluate(fired)) == sorted([
        (rule, "mandatory", VAULT, f"[{rule}] vault '{VAULT_NAME}' {message}"),
        (rule, "mandatory", ASR_VAULT, f"[{rule}] vault '{ASR_VAULT_NAME}' {message}")])
    safe = docs.model({"azure-iaas-dr:vault": {key: frozen}}, {"azure-iaas-dr:vault": {key: other}})
    assert evaluate(safe) == []  # turning it ON is fine
    unknown = copy.deepcopy(docs.model({"azure-iaas-dr:vault": {key: frozen}}, {"azure-iaas-dr:vault": {key: frozen}}))
    c = as_update(unknown, VAULT)
    put(c["new"], path, UNKNOWN)
    assert ids(evaluate(unknown)) == [(rule, "advisory", VAULT)]
    put(c["new"], path, None)  # missing: a change away from the frozen value
    assert ids(evaluate(unknown)) == [(rule, "mandatory", VAULT)]
    assert evaluate(unknown)[0][3].endswith(f"{frozen} -> not set: " + message.split(": ", 1)[1])


# ---- AZDR-CHG-005 retention under immutability ---------------------------------------------------


LOWER = workloads(lambda w: w["database"].setdefault("retention", {}).update(dailyDays=10))
OLD_DB_POLICY = "policy-westeurope-vm-database-v2-4h-fb63dd-policy"


def test_chg005_fires_on_a_move_to_lower_retention():
    found = evaluate(docs.model(LOWER))
    assert ids(found) == [("AZDR-CHG-005", "mandatory", "backup-database-0-item"),
                          ("AZDR-CHG-005", "mandatory", "backup-database-1-item")]
    assert found[0][3] == (
        f"[AZDR-CHG-005] VM 'database-vm-0' moves from policy '{OLD_DB_POLICY}' to policy "
        "'policy-westeurope-vm-database-v2-4h-1acb25-policy' with lower retention (dailySchedule 30 -> 10) in an "
        "immutable vault: Azure refuses to switch an item to a policy with lower retention under immutability, so "
        "`pulumi up` would fail halfway")


def test_chg005_fires_on_an_in_place_policy_update(unchanged):
    m = copy.deepcopy(unchanged)
    put(as_update(m, OLD_DB_POLICY)["new"], "properties.retentionPolicy.weeklySchedule.retentionDuration.count", 4)
    assert evaluate(m) == [(
        "AZDR-CHG-005", "mandatory", OLD_DB_POLICY,
        f"[AZDR-CHG-005] backup policy '{OLD_DB_POLICY}' lowers retention (weeklySchedule 12 -> 4) in an immutable "
        "vault: Azure refuses to reduce retention under immutability (Unlocked or Locked), so `pulumi up` would "
        "fail halfway")]


def test_chg005_safe_when_the_vault_is_not_immutable():
    off = {"azure-iaas-dr:vault": {"immutability": "Disabled", **V}}
    assert evaluate(docs.model({**LOWER, **off}, off)) == []


def test_chg005_unknown_new_policy_is_advisory():
    m = copy.deepcopy(docs.model(LOWER))
    for name in ("backup-database-0-item", "backup-database-1-item"):
        c = change(m, name)
        put(c["new"], "properties.policyId", UNKNOWN)
        c["new"]["propertyDependencies"] = {}
        c["new"]["dependencies"] = []
    assert ids(evaluate(m)) == [("AZDR-CHG-005", "advisory", "backup-database-0-item"),
                                ("AZDR-CHG-005", "advisory", "backup-database-1-item"),
                                ("AZDR-CHG-006", "advisory", "backup-database-0-item"),
                                ("AZDR-CHG-006", "advisory", "backup-database-1-item"),
                                ("AZDR-CHG-007", "advisory", OLD_DB_POLICY)]


def test_chg005_missing_schedule_counts_as_lowered():
    m = docs.model(workloads(lambda w: w["database"].setdefault("retention", {}).update(weeklyWeeks=0)))
    found = evaluate(m)
    assert ids(found) == [("AZDR-CHG-005", "mandatory", "backup-database-0-item"),
                          ("AZDR-CHG-005", "mandatory", "backup-database-1-item")]
    assert "(weeklySchedule 12 -> dropped)" in found[0][3]


# ---- AZDR-CHG-006 Enhanced -> Standard -----------------------------------------------------------


V1_APP = workloads(lambda w: w["app"].update(rpoHours=24, trustedLaunch=False))


def test_chg006_fires_on_a_move_to_a_standard_policy():
    found = [f for f in evaluate(docs.model(V1_APP)) if f[0] == "AZDR-CHG-006"]
    assert found == [
        ("AZDR-CHG-006", "mandatory", f"backup-app-{i}-item",
         f"[AZDR-CHG-006] VM 'app-vm-{i}' moves from Enhanced policy 'policy-westeurope-vm-app-server-v2-4h-98de3b-"
         "policy' to Standard policy 'policy-westeurope-vm-app-server-v1-daily-ee0169-policy': Azure does not allow "
         "changing a VM's backup to Standard once it has used an Enhanced policy, so `pulumi up` would fail halfway; "
         "keep the workload on an Enhanced (V2) plan") for i in (0, 1)]


def test_chg006_the_rest_of_that_change_is_the_secure_boot_replace_question():
    others = [f for f in evaluate(docs.model(V1_APP)) if f[0] != "AZDR-CHG-006"]
    assert ids(others) == [("AZDR-CHG-009", "advisory", "workload-app-vm-0"),
                           ("AZDR-CHG-009", "advisory", "workload-app-vm-1")]
    assert others[0][3] == (
        "[AZDR-CHG-009] VM 'workload-app-vm-0' changes securityProfile: offline, only the provider knows whether "
        "this forces a replace (deleting its data); run `pulumi preview --json` and `posture check --preview-json`")


def test_chg006_safe_enhanced_to_enhanced():
    m = docs.model(workloads(lambda w: w["app"].setdefault("retention", {}).update(dailyDays=60)))
    assert any(c["op"] == "create" and c["type"].endswith(":ProtectionPolicy") for c in m["changes"])
    assert evaluate(m) == []


def test_chg006_missing_policy_type_is_standard():
    m = copy.deepcopy(docs.model(workloads(lambda w: w["app"].setdefault("retention", {}).update(dailyDays=60))))
    (new_policy,) = [c for c in m["changes"] if c["op"] == "create" and c["type"].endswith(":ProtectionPolicy")]
    put(new_policy["new"], "properties.policyType", None)
    assert ids(evaluate(m)) == [("AZDR-CHG-006", "mandatory", "backup-app-0-item"),
                                ("AZDR-CHG-006", "mandatory", "backup-app-1-item")]


# ---- AZDR-CHG-007 backup resources removed -------------------------------------------------------


DROP_REPORTING = workloads(lambda w: w.pop("reporting"))
REPORTING_POLICY = "policy-westeurope-vm-reporting-v2-daily-aa6ba5-policy"


def test_chg007_fires_on_a_policy_whose_retained_item_stays_bound():
    found = evaluate(docs.model(DROP_REPORTING))
    assert found == [
        ("AZDR-CHG-007", "mandatory", REPORTING_POLICY,
         f"[AZDR-CHG-007] backup policy '{REPORTING_POLICY}' is deleted from the stack while it still protects 1 "
         "item(s) (backup-reporting-0-item): Azure refuses to delete a policy with associated items, so `pulumi up` "
         "would fail halfway; move the items to another policy first"),
        ("AZDR-CHG-009", "mandatory", "workload-reporting-vm-0",
         "[AZDR-CHG-009] VM 'workload-reporting-vm-0' would be deleted from the stack: disks deleted with it: "
         "reporting-vm-0-os; the VM's backups stay in the vault"),
    ]


def test_chg007_fires_on_an_item_deleted_without_retain():
    off = {"azure-iaas-dr:retainOnDelete": False}
    found = [f for f in evaluate(docs.model({**DROP_REPORTING, **off}, off)) if f[0] == "AZDR-CHG-007"]
    assert found == [("AZDR-CHG-007", "mandatory", "backup-reporting-0-item",
                      "[AZDR-CHG-007] protected item 'backup-reporting-0-item' (VM 'reporting-vm-0') is deleted from "
                      "the stack without retainOnDelete: Pulumi deletes the item, which stops protection and deletes "
                      "its backup data (soft delete keeps it only for its retention days); set config "
                      "`retainOnDelete: true` first")]


def test_chg007_fires_on_a_vault_deleted_without_retain(unchanged):
    m = copy.deepcopy(unchanged)
    c = change(m, VAULT)
    c["op"], c["new"] = "delete", None
    c["old"]["retainOnDelete"] = False
    assert evaluate(m) == [(
        "AZDR-CHG-007", "mandatory", VAULT,
        f"[AZDR-CHG-007] vault '{VAULT}' with 5 protected item(s) is deleted from the stack without retainOnDelete: "
        "the vault and every recovery point in it would be deleted (Azure refuses while items remain, failing the "
        "`up`); keep config `retainOnDelete: true`")]
    c["old"]["retainOnDelete"] = True  # retained: left in Azure
    assert evaluate(m) == []


def test_chg007_safe_when_items_move_off_the_deleted_policy():
    m = docs.model(workloads(lambda w: w["database"].setdefault("retention", {}).update(dailyDays=60)))
    assert change(m, OLD_DB_POLICY)["op"] == "delete"
    assert evaluate(m) == []


def test_chg007_unknown_offline_item_identity_change():
    off = {"azure-iaas-dr:retainOnDelete": False}
    m = docs.model({**workloads(lambda w: w["reporting"].update(region="northeurope")), **off}, off)
    found = [f for f in evaluate(m) if f[0] == "AZDR-CHG-007"]
    assert found == [("AZDR-CHG-007", "advisory", "backup-reporting-0-item",
                      "[AZDR-CHG-007] protected item 'backup-reporting-0-item' changes resourceGroupName, vaultName "
                      "(offline: only the provider knows whether this replaces the item, deleting its backup data)")]


def test_chg007_missing_retain_on_delete_means_false(unchanged):
    m = copy.deepcopy(unchanged)
    c = change(m, "backup-app-0-item")
    c["op"], c["new"] = "delete", None
    c["old"].pop("retainOnDelete")
    assert ids(evaluate(m)) == [("AZDR-CHG-007", "mandatory", "backup-app-0-item")]


# ---- AZDR-CHG-008 retainOnDelete / protect off ---------------------------------------------------


def test_chg008_fires_when_retain_on_delete_is_turned_off():
    m = docs.model({"azure-iaas-dr:retainOnDelete": False})
    assert [c["op"] for c in m["changes"] if c["urn"].endswith("::" + VAULT)] == ["same"]  # an option, no diff
    # the Backup vault and the Site Recovery vault (issue 14) both take the stack's retainOnDelete
    assert sorted(evaluate(m)) == sorted((
        "AZDR-CHG-008", "mandatory", v,
        f"[AZDR-CHG-008] vault '{name}' turns off Pulumi retainOnDelete: a later `pulumi destroy` or a removal "
        "from the program would delete the vault and its backups instead of leaving them in Azure; keep config "
        "`protect` / `retainOnDelete` true") for v, name in ((VAULT, VAULT_NAME), (ASR_VAULT, ASR_VAULT_NAME)))


def test_chg008_protect_off_and_safe_turning_on():
    fired = docs.model(None, {"azure-iaas-dr:protect": True})
    assert sorted(f[3].split(":")[0] for f in evaluate(fired)) == [
        f"[AZDR-CHG-008] vault '{ASR_VAULT_NAME}' turns off Pulumi protect",
        f"[AZDR-CHG-008] vault '{VAULT_NAME}' turns off Pulumi protect"]
    assert evaluate(docs.model({"azure-iaas-dr:protect": True, "azure-iaas-dr:retainOnDelete": True},
                               {"azure-iaas-dr:retainOnDelete": False})) == []


def test_chg008_missing_options_are_false(unchanged):
    m = copy.deepcopy(unchanged)
    c = change(m, VAULT)
    c["old"].pop("retainOnDelete")
    c["new"].pop("retainOnDelete")
    assert evaluate(m) == []


# ---- AZDR-CHG-009 VM / disk replaced or deleted ----------------------------------------------------


def test_chg009_unknown_offline_disk_update():
    m = docs.model(workloads(lambda w: w["app"]["dataDisks"][0].update(sizeGb=256)))
    assert evaluate(m) == [
        ("AZDR-CHG-009", "advisory", f"workload-app-vm-{i}-data-0",
         f"[AZDR-CHG-009] managed disk 'workload-app-vm-{i}-data-0' changes diskSizeGB: offline, only the provider "
         "knows whether this forces a replace (deleting its data); run `pulumi preview --json` and `posture check "
         "--preview-json`") for i in (0, 1)]


def test_chg009_disk_replace_and_delete_name_the_disk(unchanged):
    m = copy.deepcopy(unchanged)
    c = change(m, "workload-database-vm-0-data-1")
    c["op"], c["diff"], c["replaceKnown"] = "replace", ["creationData"], True
    assert evaluate(m) == [(
        "AZDR-CHG-009", "mandatory", "workload-database-vm-0-data-1",
        "[AZDR-CHG-009] managed disk 'database-vm-0-data-1' would be replaced (because of creationData): the data on "
        "it is gone (only backups or snapshots keep it); restore-test first, or keep the disk with retainOnDelete")]
    c["old"]["retainOnDelete"] = True
    assert evaluate(m) == []


def test_chg009_missing_delete_option_keeps_the_disk(unchanged):
    m = copy.deepcopy(unchanged)
    c = change(m, "workload-database-vm-0")
    c["op"], c["new"] = "delete", None
    put(c["old"], "storageProfile.osDisk.deleteOption", None)
    assert evaluate(m) == [(
        "AZDR-CHG-009", "mandatory", "workload-database-vm-0",
        "[AZDR-CHG-009] VM 'workload-database-vm-0' would be deleted from the stack: no disk is deleted with it; "
        "detached and kept: database-vm-0-os, database-vm-0-data-0, database-vm-0-data-1; the VM's backups stay in "
        "the vault")]
    cfg = {"change-vm-or-disk-replaced-or-deleted": {"properties": {"reportWithoutDataLoss": False}}}
    assert evaluate(m, cfg) == []


# ---- AZDR-CHG-010 VM moved to another region's vault ----------------------------------------------


MOVE = workloads(lambda w: w["reporting"].update(region="northeurope"))


def test_chg010_fires_on_a_move_to_another_regions_vault():
    found = [f for f in evaluate(docs.model(MOVE)) if f[0] == "AZDR-CHG-010"]
    assert found == [(
        "AZDR-CHG-010", "mandatory", "backup-reporting-0-item",
        "[AZDR-CHG-010] VM 'reporting-vm-0' moves from vault 'rsv-dr-westeurope' (westeurope) to 'rsv-dr-northeurope' "
        "(northeurope): Azure protects a VM only in a vault of its own region and in one vault at a time, so the `up` "
        "fails (or, after stopping protection, the old recovery points stay behind in the old vault); keep the VM's "
        "backup in its region's vault")]


def test_chg010_unknown_when_the_new_vault_is_not_in_the_document():
    m = copy.deepcopy(docs.model(MOVE))
    m["changes"] = [c for c in m["changes"] if not c["urn"].endswith("::vault-northeurope-vault")]
    m["complete"] = False
    assert [f[:3] for f in evaluate(m) if f[0] == "AZDR-CHG-010"] == [
        ("AZDR-CHG-010", "advisory", "backup-reporting-0-item")]


def test_chg010_missing_location_input_reads_outputs():
    m = copy.deepcopy(docs.model(MOVE))
    c = change(m, "vault-northeurope-vault")
    c["new"]["outputs"]["location"] = c["new"]["inputs"].pop("location")
    assert [f[:3] for f in evaluate(m) if f[0] == "AZDR-CHG-010"] == [
        ("AZDR-CHG-010", "mandatory", "backup-reporting-0-item")]


def test_chg010_safe_without_a_move(unchanged):
    assert [f for f in evaluate(docs.model(DROP_REPORTING)) if f[0] == "AZDR-CHG-010"] == []


# ---- AZDR-CHG-011 CMK / AZDR-CHG-012 private endpoint ---------------------------------------------


KEY = "properties.encryption.keyVaultProperties.keyUri"


def test_chg011_cmk_added_to_a_vault_with_items(unchanged):
    m = copy.deepcopy(unchanged)
    c = as_update(m, VAULT)
    put(c["old"], KEY, None)  # the dev stack declares a CMK (issue 15): the prior state here has none
    put(c["new"], KEY, "https://kv-dr.vault.azure.net/keys/rsv/1")
    assert evaluate(m) == [(
        "AZDR-CHG-011", "mandatory", VAULT,
        f"[AZDR-CHG-011] vault '{VAULT_NAME}' gets a customer-managed key while it holds 5 protected item(s) "
        f"({ITEMS}): Azure sets vault encryption with a CMK only before any item is protected, so `pulumi up` would "
        "fail halfway; encrypt a new vault and protect the VMs there")]


def test_chg011_safe_unknown_missing(unchanged):
    safe = without_items(unchanged)
    safe["complete"] = True
    c = as_update(safe, VAULT)
    put(c["old"], KEY, None)
    put(c["new"], KEY, "https://kv-dr.vault.azure.net/keys/rsv/1")
    assert evaluate(safe) == []
    unknown = without_items(unchanged)
    c = as_update(unknown, VAULT)
    put(c["old"], KEY, None)
    put(c["new"], KEY, UNKNOWN)
    assert ids(evaluate(unknown)) == [("AZDR-CHG-011", "advisory", VAULT)]
    already = copy.deepcopy(unchanged)  # the prior state already has a key: not an addition
    c = as_update(already, VAULT)
    put(c["old"], KEY, "https://kv-dr.vault.azure.net/keys/rsv/1")
    put(c["new"], KEY, "https://kv-dr.vault.azure.net/keys/rsv/2")
    assert evaluate(already) == []


def _endpoint(model, target_id=None, depends_on_vault=False):
    m = copy.deepcopy(model)
    vault = change(m, VAULT)
    urn = "urn:pulumi:dev::azure-iaas-dr::azure-native:network:PrivateEndpoint::rsv-pe"
    inputs = {"resourceGroupName": "rg-dr-backup-westeurope", "privateLinkServiceConnections": [
        {"name": "rsv", "groupIds": ["AzureBackup"], "privateLinkServiceId": target_id or vault["old"]["id"]}]}
    new = {"urn": urn, "type": "azure-native:network:PrivateEndpoint", "id": None, "inputs": inputs, "outputs": {},
           "protect": False, "retainOnDelete": False, "parent": "", "dependencies": [],
           "propertyDependencies": {"privateLinkServiceConnections": [vault["urn"]]} if depends_on_vault else {}}
    m["changes"].append({"op": "create", "urn": urn, "oldUrn": None, "type": new["type"], "replaceKnown": True,
                         "diff": [], "old": None, "new": new})
    return m


def test_chg012_private_endpoint_added_to_a_vault_with_items(unchanged):
    expected = [(
        "AZDR-CHG-012", "mandatory", "rsv-pe",
        f"[AZDR-CHG-012] private endpoint 'rsv-pe' is added to vault '{VAULT_NAME}' which holds 5 protected item(s) "
        f"({ITEMS}): Azure creates Backup private endpoints only on vaults without registered items, so `pulumi up` "
        "would fail; put the endpoint on a new vault before protecting VMs")]
    assert evaluate(_endpoint(unchanged)) == expected  # by privateLinkServiceId
    assert evaluate(_endpoint(unchanged, "unknown-target", depends_on_vault=True)) == expected  # by dependency


def test_chg012_safe_unknown_missing(unchanged):
    other = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa"
    assert evaluate(_endpoint(unchanged, other)) == []  # not a vault
    assert ids(evaluate(without_items(_endpoint(unchanged)))) == [("AZDR-CHG-012", "advisory", "rsv-pe")]
    m = _endpoint(unchanged)
    change(m, "rsv-pe")["new"]["inputs"].pop("privateLinkServiceConnections")  # names no vault: not judged
    assert evaluate(m) == []


# ---- AZDR-CHG-005 / 006: Microsoft's rules (issue 11 item 5) ---------------------------------------


def test_chg005_immutability_turned_on_in_the_same_update_counts():
    # deployed without immutability; the update enables it (Unlocked is enabled immutability) and lowers the
    # database's retention: the vault is updated before the items that depend on it, so the move is refused
    off = {"azure-iaas-dr:vault": {"immutability": "Disabled", **V}}
    found = evaluate(docs.model(LOWER, off))
    assert ids(found) == [("AZDR-CHG-005", "mandatory", "backup-database-0-item"),
                          ("AZDR-CHG-005", "mandatory", "backup-database-1-item")]


def test_chg005_reads_the_vaults_prior_state_when_the_vault_is_unchanged():
    # the vault's immutability does not change (only its tags do): it comes from its prior state, Unlocked
    m = copy.deepcopy(docs.model(LOWER))
    assert change(m, VAULT)["diff"] == ["tags"]
    c = change(m, VAULT)
    c["op"], c["diff"], c["new"] = "same", [], copy.deepcopy(c["old"])
    assert c["old"]["inputs"]["properties"]["securitySettings"]["immutabilitySettings"] == {"state": "Unlocked"}
    assert ids(evaluate(m)) == [("AZDR-CHG-005", "mandatory", "backup-database-0-item"),
                                ("AZDR-CHG-005", "mandatory", "backup-database-1-item")]
    # a document without unchanged resources (no --show-sames) lacks that vault: advisory, never silent
    m["changes"] = [c for c in m["changes"] if c["op"] != "same"]
    m["complete"] = False
    assert ids(evaluate(m)) == [("AZDR-CHG-005", "advisory", "backup-database-0-item"),
                                ("AZDR-CHG-005", "advisory", "backup-database-1-item")]


def test_chg006_a_renamed_item_is_the_same_vms_protection():
    # the item of app-vm-0 leaves the stack (retained) and a new one, another URN, protects the same VM with
    # the Standard policy: Azure sees one VM's protection changed from Enhanced to Standard
    m = copy.deepcopy(docs.model(V1_APP))
    c = change(m, "backup-app-0-item")
    renamed = copy.deepcopy(c)
    renamed["urn"] = renamed["new"]["urn"] = c["urn"].replace("backup-app-0-item", "backup-app-0-item-v1")
    renamed.update(op="create", oldUrn=None, old=None)
    c.update(op="delete", new=None)
    m["changes"].append(renamed)
    found = sorted(f for f in evaluate(m) if f[0] == "AZDR-CHG-006")
    assert [f[:3] for f in found] == [("AZDR-CHG-006", "mandatory", "backup-app-0-item-v1"),
                                      ("AZDR-CHG-006", "mandatory", "backup-app-1-item")]
    assert found[0][3].startswith("[AZDR-CHG-006] VM 'app-vm-0' moves from Enhanced policy "
                                  "'policy-westeurope-vm-app-server-v2-4h-98de3b-policy' to Standard policy")


def test_chg006_in_place_policy_type_change(unchanged):
    m = copy.deepcopy(unchanged)
    policy = "policy-westeurope-vm-app-server-v2-4h-98de3b-policy"
    put(as_update(m, policy)["new"], "properties.policyType", "V1")
    assert evaluate(m) == [(
        "AZDR-CHG-006", "mandatory", policy,
        f"[AZDR-CHG-006] backup policy '{policy}' changes from Enhanced (V2) to Standard: Azure cannot turn an "
        "Enhanced VM policy Standard; keep policyType 'V2'")]


# ---- AZDR-CHG-013 overlapping snapshot copies -----------------------------------------------------


def points(*labels):
    return workloads(lambda w: w["app"]["consistentSnapshots"].update(pointsInTime=list(labels)))


ONE_POINT = points("20260101t0000z")
COPY_MESSAGE = (
    "[AZDR-CHG-013] 2 new cross-region copies of incremental snapshots of disk '{disk}' in one update "
    "(snapshots-app-app-vm-{i}-{d}-20260201t0000z-dr, snapshots-app-app-vm-{i}-{d}-20260301t0000z-dr): Azure copies "
    "at most 1 incremental snapshot of a disk at a time, in creation order, and a CopyStart returns when the copy "
    "starts (dependsOn on the previous copy does not wait for it to complete), so the later copies fail; add one "
    "point in time per `pulumi up` and let its copies complete first")


def test_chg013_fires_on_two_new_copies_of_one_disk():
    found = evaluate(docs.model(points("20260101t0000z", "20260201t0000z", "20260301t0000z"), ONE_POINT))
    assert found == [
        ("AZDR-CHG-013", "mandatory", f"snapshots-app-app-vm-{i}-{d}-20260301t0000z-dr",
         COPY_MESSAGE.format(i=i, d=d, disk=f"app-vm-{i}-{'os' if d == 'os' else 'data-0'}"))
        for i in (0, 1) for d in ("os", "lun0")]


def test_chg013_safe_with_one_new_point_and_when_retiring():
    assert evaluate(docs.model(points("20260101t0000z", "20260201t0000z"), ONE_POINT)) == []
    assert evaluate(docs.model(ONE_POINT, points("20260101t0000z", "20260201t0000z", "20260301t0000z"))) == []


def test_chg013_unknown_source_disk_is_advisory():
    # a first deployment as a real preview has it: the disks' ids are known only after `up`, and the OS disk's
    # snapshot depends on its VM (not on a managed-disk resource): which disk it reads is unknown
    m = copy.deepcopy(docs.model(points("20260101t0000z", "20260201t0000z", "20260301t0000z"), ONE_POINT))
    for c in m["changes"]:
        if c["type"] == "azure-native:compute:Snapshot" and c["op"] == "create":
            put(c["new"], "creationData.sourceResourceId", UNKNOWN)
    # (a data disk is a compute.Disk resource: the dependency names it, the finding stays mandatory)
    found = evaluate(m)
    assert [f[:3] for f in found] == [
        ("AZDR-CHG-013", "advisory" if d == "os" else "mandatory", f"snapshots-app-app-vm-{i}-{d}-20260301t0000z-dr")
        for i in (0, 1) for d in ("os", "lun0")]
    assert found[0][3].endswith("(which disk each source snapshot reads is known only after `pulumi up`)")
    assert "of the disk of workload-app-vm-0 (known after `pulumi up`)" in found[0][3]
    assert "of disk 'app-vm-0-data-0' in one update" in found[1][3]


def test_chg013_missing_create_option_is_not_a_copy():
    m = copy.deepcopy(docs.model(points("20260101t0000z", "20260201t0000z", "20260301t0000z"), ONE_POINT))
    for c in m["changes"]:
        if c["urn"].endswith("-dr") and c["op"] == "create":
            put(c["new"], "creationData.createOption", None)
    assert evaluate(m) == []


# ---- AZDR-CHG-014 VM registrations per vault ------------------------------------------------------


def _more_items(model, n):
    """`n` more VM protected items created in the West Europe vault (the program refuses a config that
    registers more than 250 VMs in one vault: the change model is edited instead)."""
    m = copy.deepcopy(model)
    template = change(m, "backup-app-0-item")
    for i in range(n):
        c = copy.deepcopy(template)
        name = f"bulk-{i:03d}-item"
        c["urn"] = c["new"]["urn"] = template["urn"].replace("backup-app-0-item", name)
        put(c["new"], "properties.sourceResourceId",
            f"/subscriptions/0/resourceGroups/rg-bulk/providers/Microsoft.Compute/virtualMachines/bulk-{i:03d}")
        c.update(op="create", oldUrn=None, old=None, diff=[])
        m["changes"].append(c)
    return m


def test_chg014_fires_on_more_than_250_new_registrations_in_one_vault(unchanged):
    assert evaluate(_more_items(unchanged, 250)) == []
    assert evaluate(_more_items(unchanged, 251)) == [(
        "AZDR-CHG-014", "mandatory", VAULT,
        f"[AZDR-CHG-014] 251 new VM protected items in vault '{VAULT_NAME}' in one update (more than 250): Azure "
        "Backup registers at most 250 VMs per vault per day, so `pulumi up` would fail halfway through the "
        "registrations; add the VMs over several days (at most 250 new per vault per update)")]


def test_chg014_threshold_counts_creates_and_moves_not_unchanged_items():
    cfg = {"change-vm-registrations-per-vault": {"properties": {"maximumNewRegistrationsPerVault": 2}}}
    more = docs.model(workloads(lambda w: w["reporting"].update(vmCount=3)))  # 2 new reporting VMs: safe
    assert evaluate(more, cfg) == []
    more = docs.model(workloads(lambda w: w["reporting"].update(vmCount=4)))  # 3 new
    assert ids(evaluate(more, cfg)) == [("AZDR-CHG-014", "mandatory", VAULT)]
    # VMs that move into the North Europe vault register there
    moved = docs.model(workloads(lambda w: w["reporting"].update(region="northeurope", vmCount=3)))
    assert [f[:3] for f in evaluate(moved, cfg) if f[0] == "AZDR-CHG-014"] == [
        ("AZDR-CHG-014", "mandatory", "vault-northeurope-vault")]


def test_chg014_unknown_and_missing_item_type(unchanged):
    cfg = {"change-vm-registrations-per-vault": {"properties": {"maximumNewRegistrationsPerVault": 1}}}
    m = _more_items(unchanged, 2)
    for c in m["changes"][-2:]:
        put(c["new"], "properties.protectedItemType", UNKNOWN)  # may be a VM: counted
    assert ids(evaluate(m, cfg)) == [("AZDR-CHG-014", "mandatory", VAULT)]
    vault_urn = change(m, VAULT)["urn"]
    for c in m["changes"][-2:]:  # the vault's name known only after `up`: the dependency names the vault
        put(c["new"], "vaultName", UNKNOWN)
        c["new"]["propertyDependencies"] = {"vaultName": [vault_urn]}
    assert [f[:3] for f in evaluate(m, cfg)] == [("AZDR-CHG-014", "mandatory", VAULT)]
    for c in m["changes"][-2:]:  # neither name nor dependency: not counted
        c["new"]["propertyDependencies"] = {}
    assert evaluate(m, cfg) == []
    for c in m["changes"][-2:]:
        put(c["new"], "vaultName", VAULT_NAME)
        put(c["new"], "properties.protectedItemType", None)  # not a VM item
    assert evaluate(m, cfg) == []
    bad = {"change-vm-registrations-per-vault": {"properties": {"maximumNewRegistrationsPerVault": 251}}}
    assert evaluate(m, bad) == [(
        "AZDR-CHG-014", "mandatory", "",
        "[AZDR-CHG-014] rule AZDR-CHG-014 (change-vm-registrations-per-vault) failed to evaluate: invalid policy "
        "pack config change-vm-registrations-per-vault.maximumNewRegistrationsPerVault: 251 is not allowed; "
        "expected an integer >= 1 and <= 250")]
