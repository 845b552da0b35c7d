"""enroll_vm under mocks with a fake stack reference: the happy path (exact protected item) and each error."""

import pulumi
import pytest

from components.arm_mocks import ArmMocks
from components.enroll import EnrollError, enroll_vm, resolve_target
from posture.capture import run_in_mocks

VAULT_ID = "/subscriptions/s/resourceGroups/rg-dr-backup-westeurope/providers/Microsoft.RecoveryServices/vaults/rsv-dr-westeurope"
POLICY_ID = f"{VAULT_ID}/backupPolicies/vm-app-server-v2-4h-abcdef"
OUTPUTS = {
    "schemaVersion": "1",
    "vaults": {"westeurope": {"id": VAULT_ID, "name": "rsv-dr-westeurope",
                              "resourceGroupName": "rg-dr-backup-westeurope"}},
    "policyIds": {"westeurope": {"app-server": POLICY_ID, "database": f"{VAULT_ID}/backupPolicies/db"}},
}


class StackRefMocks(ArmMocks):
    """ArmMocks plus a fake ``pulumi:pulumi:StackReference`` answering ``outputs``."""

    def __init__(self, outputs):
        super().__init__()
        self.outputs = outputs
        self.stack_refs = []

    def new_resource(self, args):
        if args.typ == "pulumi:pulumi:StackReference":
            self.stack_refs.append(args.inputs["name"])
            return args.inputs["name"], {"name": args.inputs["name"], "outputs": self.outputs}
        return super().new_resource(args)


def run(outputs=OUTPUTS, stack="org/azure-iaas-dr/prod", **kw):
    mocks = StackRefMocks(outputs)
    args = dict(vm_id="/subscriptions/s/resourceGroups/rg-orders/providers/Microsoft.Compute/virtualMachines/orders-1",
                vm_name="orders-1", vm_resource_group_name="rg-orders", region="westeurope", tier="app-server")
    args.update(kw)

    def program():
        ref = pulumi.StackReference("org/azure-iaas-dr/prod") if stack is None else stack
        enroll_vm("orders-1-backup", stack=ref, **args)
    return run_in_mocks(program, project="orders", stack="prod", preview=False, mocks=mocks), mocks


def test_happy_path_declares_the_item_in_the_regions_vault_with_the_tiers_policy():
    cap, mocks = run(backup_scope="selectedDataDisks", data_disk_luns=[0])
    assert mocks.stack_refs == ["org/azure-iaas-dr/prod"]
    [item] = cap.find("azure-native:recoveryservices:ProtectedItem")
    assert item.inputs == {
        "resourceGroupName": "rg-dr-backup-westeurope",
        "vaultName": "rsv-dr-westeurope",
        "fabricName": "Azure",
        "containerName": "IaasVMContainer;iaasvmcontainerv2;rg-orders;orders-1",
        "protectedItemName": "VM;iaasvmcontainerv2;rg-orders;orders-1",
        "properties": {
            "protectedItemType": "Microsoft.Compute/virtualMachines",
            "sourceResourceId": "/subscriptions/s/resourceGroups/rg-orders/providers/Microsoft.Compute/"
                                "virtualMachines/orders-1",
            "policyId": POLICY_ID,
            "extendedProperties": {"diskExclusionProperties": {"diskLunList": [0.0], "isInclusionList": True}},
        },
    }
    assert item.options["retainOnDelete"] is True
    [comp] = cap.find("azure-iaas-dr:vm_protection:VmProtection")
    assert (comp.name, item.parent) == ("orders-1-backup", comp.urn)


def test_an_existing_stack_reference_is_used_as_is():
    cap, mocks = run(stack=None, tier="database")
    assert mocks.stack_refs == ["org/azure-iaas-dr/prod"]
    [item] = cap.find("azure-native:recoveryservices:ProtectedItem")
    assert item.inputs["properties"]["policyId"] == f"{VAULT_ID}/backupPolicies/db"


@pytest.mark.parametrize("outputs,kw,message", [
    ({**OUTPUTS, "schemaVersion": "2"}, {},
     "stack org/azure-iaas-dr/prod: schemaVersion '2': this helper reads schema version '1' (is it the"
     " azure-iaas-dr stack, and is the helper up to date?)"),
    ({"vaults": {}}, {},
     "stack org/azure-iaas-dr/prod: schemaVersion missing: this helper reads schema version '1' (is it the"
     " azure-iaas-dr stack, and is the helper up to date?)"),
    (OUTPUTS, {"region": "northeurope"},
     "stack org/azure-iaas-dr/prod: no Recovery Services vault in region 'northeurope' (regions with a vault:"
     " westeurope); Azure Backup needs the vault in the VM's region: add a workload in northeurope to the DR stack"),
    (OUTPUTS, {"tier": "reporting"},
     "stack org/azure-iaas-dr/prod: no 'reporting' backup policy in region 'westeurope' (tiers with a policy"
     " there: app-server, database); add a reporting workload in westeurope to the DR stack"),
], ids=["schema-version", "not-a-dr-stack", "no-vault-in-region", "no-policy-for-tier"])
def test_outputs_errors_are_one_line(outputs, kw, message):
    with pytest.raises(EnrollError) as exc:
        run(outputs=outputs, **kw)
    assert str(exc.value) == message
    assert isinstance(exc.value, pulumi.RunError)


@pytest.mark.parametrize("kw,message", [
    ({"tier": "gold"}, "enroll_vm orders-1-backup: tier 'gold': one of database, cluster, app-server, reporting,"
                       " critical-data"),
    ({"region": ""}, "enroll_vm orders-1-backup: region '': the VM's Azure region, e.g. 'westeurope'"),
    ({"backup_scope": "osDiskOnly", "data_disk_luns": [1]},
     "enroll_vm orders-1-backup: data_disk_luns [1]: only with backup_scope 'selectedDataDisks'"),
    ({"stack": ""}, "enroll_vm orders-1-backup: stack '': a pulumi.StackReference or a stack name"
                    " ('org/project/stack')"),
], ids=["tier", "region", "disks", "stack"])
def test_argument_errors_are_raised_before_anything_is_declared(kw, message):
    with pytest.raises(EnrollError) as exc:
        run(**kw)
    assert str(exc.value) == message


def test_resolve_target_is_pure():
    t = resolve_target(OUTPUTS, "westeurope", "app-server")
    assert (t.vault_name, t.vault_resource_group_name, t.vault_id, t.policy_id) == (
        "rsv-dr-westeurope", "rg-dr-backup-westeurope", VAULT_ID, POLICY_ID)
