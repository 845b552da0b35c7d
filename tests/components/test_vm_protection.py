"""VmProtection under the mock runtime: exact protected-item inputs, disk selection, dependencies on the VM,
retainOnDelete, unknown VM ids in a preview, bad Args, ARM-schema validity."""

import pulumi
import pulumi_azure_native.compute as compute
import pytest

from components.arm_mocks import SUBSCRIPTION_ID, ArmMocks
from components.backup_policy import BackupArgsError
from components.vm_protection import VmProtection, VmProtectionArgs, disk_exclusion
from tests.armschema.validate import validate_capture
from tests.components.helpers import run

ITEM = "azure-native:recoveryservices:ProtectedItem"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
VM_ID = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/app-1"
POLICY_ID = ("/subscriptions/s/resourceGroups/rg-dr-backup-westeurope/providers/Microsoft.RecoveryServices/vaults/"
             "rsv-dr-westeurope/backupPolicies/vm-app-server-v2-4h-abcdef")


class PreviewMocks(ArmMocks):
    """A VM whose id is unknown, as in a real preview of a new VM."""

    def new_resource(self, args):
        rid, outs = super().new_resource(args)
        return ("" if args.typ == "azure-native:compute:VirtualMachine" else rid), outs


def program(**kw):
    def fn():
        vm = compute.VirtualMachine("vm", resource_group_name="rg-app", vm_name="app-1", location="westeurope")
        VmProtection("app-1-backup", VmProtectionArgs(
            vm_id=vm.id, vm_name=vm.name, vm_resource_group_name="rg-app", vault_name="rsv-dr-westeurope",
            vault_resource_group_name="rg-dr-backup-westeurope", policy_id=POLICY_ID, **kw))
    return fn


def test_protected_item_records_exactly_and_depends_on_the_vm():
    cap = run(program(backup_scope="selectedDataDisks", data_disk_luns=[2, 0]))
    [vm] = cap.find("azure-native:compute:VirtualMachine")
    [item] = cap.find(ITEM)
    assert item.inputs == {
        "resourceGroupName": "rg-dr-backup-westeurope",
        "vaultName": "rsv-dr-westeurope",
        "fabricName": "Azure",
        "containerName": "IaasVMContainer;iaasvmcontainerv2;rg-app;app-1",
        "protectedItemName": "VM;iaasvmcontainerv2;rg-app;app-1",
        "properties": {
            "protectedItemType": "Microsoft.Compute/virtualMachines",
            "sourceResourceId": VM_ID,
            "policyId": POLICY_ID,
            "extendedProperties": {"diskExclusionProperties": {"diskLunList": [0.0, 2.0], "isInclusionList": True}},
        },
    }
    for key in ("properties", "containerName", "protectedItemName"):
        assert item.property_dependencies[key] == [vm.urn]
    assert vm.urn in item.dependencies
    assert item.options["retainOnDelete"] is True
    assert item.id == (f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-dr-backup-westeurope/providers/"
                       "Microsoft.RecoveryServices/vaults/rsv-dr-westeurope/backupFabrics/Azure/protectionContainers/"
                       "IaasVMContainer;iaasvmcontainerv2;rg-app;app-1/protectedItems/VM;iaasvmcontainerv2;rg-app;app-1")


def test_component_parents_the_item_and_registers_outputs():
    cap = run(program())
    [comp] = cap.find("azure-iaas-dr:vm_protection:VmProtection")
    [item] = cap.find(ITEM)
    assert (item.name, item.parent) == ("app-1-backup-item", comp.urn)
    assert comp.outputs == {"protectedItemId": item.id, "protectedItemName": "VM;iaasvmcontainerv2;rg-app;app-1",
                            "policyId": POLICY_ID}


@pytest.mark.parametrize("kw,expected", [
    ({}, None),
    ({"backup_scope": "osDiskOnly"}, {"diskExclusionProperties": {"diskLunList": [], "isInclusionList": True}}),
    ({"backup_scope": "selectedDataDisks", "data_disk_luns": [5]},
     {"diskExclusionProperties": {"diskLunList": [5.0], "isInclusionList": True}}),
], ids=["all-disks", "os-disk-only", "selected-luns"])
def test_disk_selection(kw, expected):
    [item] = run(program(**kw)).find(ITEM)
    assert item.inputs["properties"].get("extendedProperties") == expected
    assert (disk_exclusion(kw.get("backup_scope", "allDisks"), kw.get("data_disk_luns", ())) is None) == (
        expected is None)


def test_retain_on_delete_can_be_turned_off():
    [item] = run(program(retain_on_delete=False)).find(ITEM)
    assert item.options["retainOnDelete"] is False


def test_unknown_vm_id_in_preview_is_recorded_as_unknown():
    cap = run(program(), preview=True, mocks=PreviewMocks())
    [item] = cap.find(ITEM)
    assert item.inputs["properties"]["sourceResourceId"] == UNKNOWN
    assert item.inputs["containerName"] == "IaasVMContainer;iaasvmcontainerv2;rg-app;app-1"
    assert validate_capture(cap.resources)[item.urn] == []


def test_protected_item_is_valid_arm():
    cap = run(program(backup_scope="osDiskOnly"))
    [item] = cap.find(ITEM)
    assert validate_capture(cap.resources)[item.urn] == []


@pytest.mark.parametrize("kw,message", [
    ({"backup_scope": "someDisks"}, "VM protection: backup_scope 'someDisks': one of allDisks, osDiskOnly,"
                                    " selectedDataDisks"),
    ({"backup_scope": "selectedDataDisks"}, "VM protection: data_disk_luns []: a non-empty list of data-disk LUNs"
                                            " with backup_scope 'selectedDataDisks'"),
    ({"backup_scope": "osDiskOnly", "data_disk_luns": [1]}, "VM protection: data_disk_luns [1]: only with"
                                                            " backup_scope 'selectedDataDisks'"),
    ({"backup_scope": "selectedDataDisks", "data_disk_luns": [64, 1, 1]},
     "VM protection: data_disk_luns [64, 1, 1]: integers from 0 to 63; data_disk_luns [64, 1, 1]: each LUN once"),
], ids=["scope", "empty-luns", "luns-without-selection", "bad-luns"])
def test_bad_disk_selection_is_a_one_line_run_error(kw, message):
    with pytest.raises(BackupArgsError) as exc:
        VmProtectionArgs("id", "n", "rg", "v", "vrg", "p", **kw)
    assert str(exc.value) == message
    assert isinstance(exc.value, pulumi.RunError)
