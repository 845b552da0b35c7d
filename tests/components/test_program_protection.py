"""The program's VM protection wiring (issue 3 item 4): one protected item per VM, in the vault of the VM's own
region, with its tier's policy and its workload's disk selection, kept on destroy by default; and the
protect_workload_vms guard that refuses a V1 policy for Trusted Launch / Premium SSD v2 / Ultra VMs."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from components.arm_mocks import ArmMocks
from components.backup_policy import BackupArgsError, declare_backup_policies
from components.config import parse_stack_config
from components.recovery_vault import RecoveryVault, RecoveryVaultArgs
from components.vm_protection import protect_workload_vms
from posture.capture import capture_program, run_in_mocks

ROOT = Path(__file__).resolve().parents[2]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"
ITEM = "azure-native:recoveryservices:ProtectedItem"
VM = "azure-native:compute:VirtualMachine"
POLICY = "azure-native:recoveryservices:ProtectionPolicy"


def items_by_vm(cap):
    return {i.inputs["properties"]["sourceResourceId"]: i for i in cap.find(ITEM)}


def test_dev_program_protects_every_vm_once_with_its_tiers_policy():
    cap = capture_program(ROOT, "dev", preview=False)
    vms, items = cap.find(VM), items_by_vm(cap)
    assert len(vms) == 5 and sorted(items) == sorted(vm.id for vm in vms)
    policy_tier = {p.id: p.inputs["policyName"].split("-v")[0] for p in cap.find(POLICY)}
    got = {}
    for vm in vms:
        item = items[vm.id]
        rg, name = vm.inputs["resourceGroupName"], vm.inputs["vmName"]
        assert (item.inputs["vaultName"], item.inputs["resourceGroupName"], item.inputs["fabricName"]) == (
            "rsv-dr-westeurope", "rg-dr-backup-westeurope", "Azure")
        assert item.inputs["containerName"] == f"IaasVMContainer;iaasvmcontainerv2;{rg};{name}"
        assert item.inputs["protectedItemName"] == f"VM;iaasvmcontainerv2;{rg};{name}"
        assert item.options["retainOnDelete"] is True and item.options["protect"] is False
        got[name] = (policy_tier[item.inputs["properties"]["policyId"]], item.inputs["properties"].get(
            "extendedProperties"))
    os_only = {"diskExclusionProperties": {"diskLunList": [], "isInclusionList": True}}
    assert got == {"database-vm-0": ("vm-database", None), "database-vm-1": ("vm-database", None),
                   "app-vm-0": ("vm-app-server", None), "app-vm-1": ("vm-app-server", None),
                   "reporting-vm-0": ("vm-reporting", os_only)}
    assert sorted(r.name for r in cap.find("azure-iaas-dr:vm_protection:VmProtection")) == [
        "backup-app-0", "backup-app-1", "backup-database-0", "backup-database-1", "backup-reporting-0"]


def test_a_workload_in_another_region_is_protected_by_that_regions_vault():
    workloads = {
        "db": {"tier": "database", "sshPublicKey": KEY},
        "uk": {"tier": "reporting", "region": "uksouth", "sshPublicKey": KEY, "backupScope": "selectedDataDisks",
               "dataDisks": [{"lun": 0, "sizeGb": 8}, {"lun": 3, "sizeGb": 8}], "backupDataDiskLuns": [3]},
    }
    cap = capture_program(ROOT, "dev", preview=False, config_override={
        "azure-iaas-dr:workloads": workloads, "azure-iaas-dr:retainOnDelete": False,
        "azure-iaas-dr:configBackup": {"enabled": False}})
    assert sorted(v.inputs["vaultName"] for v in cap.find("azure-native:recoveryservices:Vault")) == [
        "rsv-dr-uksouth", "rsv-dr-westeurope"]
    [uk_vm] = [vm for vm in cap.find(VM) if vm.inputs["vmName"] == "uk-vm-0"]
    item = items_by_vm(cap)[uk_vm.id]
    assert (item.inputs["vaultName"], item.inputs["resourceGroupName"]) == ("rsv-dr-uksouth", "rg-dr-backup-uksouth")
    assert item.inputs["properties"]["policyId"].startswith(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr-backup-uksouth/providers/"
        "Microsoft.RecoveryServices/vaults/rsv-dr-uksouth/backupPolicies/vm-reporting-v2-daily-")
    assert item.inputs["properties"]["extendedProperties"] == {
        "diskExclusionProperties": {"diskLunList": [3.0], "isInclusionList": True}}
    assert {i.options["retainOnDelete"] for i in cap.find(ITEM)} == {False}
    assert cap.stack_outputs["policyIds"]["uksouth"] == {"reporting": item.inputs["properties"]["policyId"]}


@pytest.mark.parametrize("vm,ok", [
    (dict(security_type="Standard", disk_skus=frozenset({"Premium_LRS"})), True),
    (dict(security_type="TrustedLaunch", disk_skus=frozenset({"Premium_LRS"})), False),
    (dict(security_type="Standard", disk_skus=frozenset({"Premium_LRS", "PremiumV2_LRS"})), False),
    (dict(security_type="Standard", disk_skus=frozenset({"Premium_LRS", "UltraSSD_LRS"})), False),
], ids=["standard-on-v1", "trusted-launch-on-v1", "premium-v2-on-v1", "ultra-on-v1"])
def test_protect_workload_vms_refuses_a_v1_policy_for_vms_that_need_enhanced(vm, ok):
    cfg = parse_stack_config({"workloads": {"r": {"tier": "reporting", "trustedLaunch": False, "sshPublicKey": KEY}}},
                             location="westeurope")
    w = cfg.workloads["r"]
    assert w.backup.policy_type == "V1"
    fake_vm = SimpleNamespace(index=0, vm_id="/subscriptions/s/resourceGroups/rg-dr-r/providers/Microsoft.Compute/"
                              "virtualMachines/r-vm-0", vm_name="r-vm-0", resource_group_name="rg-dr-r", **vm)

    def program():
        vault = RecoveryVault("vault-westeurope", RecoveryVaultArgs.from_config(cfg, "westeurope", "rg-dr-backup"))
        policies = declare_backup_policies("westeurope", [w], resource_group_name=vault.resource_group_name,
                                           vault_name=vault.vault_name)
        protect_workload_vms(w, [fake_vm], vault=vault, policies=policies)

    run = lambda: run_in_mocks(program, project="azure-iaas-dr", stack="test", preview=False, mocks=ArmMocks())  # noqa: E731
    if ok:
        [item] = run().find(ITEM)
        assert item.inputs["properties"]["sourceResourceId"] == fake_vm.vm_id
    else:
        with pytest.raises(BackupArgsError) as exc:
            run()
        assert str(exc.value) == ("VM 0 of workload r: Trusted Launch and Premium SSD v2 / Ultra VMs need an Enhanced"
                                  " (V2) backup policy, got V1")
