"""RecoveryVault and ResourceGroup components under the mock runtime: exact recorded inputs, naming,
parenting, options; ArmMocks ids; the program end to end."""

from pathlib import Path

import pytest

from components.arm_mocks import SUBSCRIPTION_ID, ArmMocks
from components.config import parse_stack_config
from components.recovery_vault import LOCK_NAME, RecoveryVault, RecoveryVaultArgs
from components.resource_group import ResourceGroup, ResourceGroupArgs
from posture.capture import capture_program
from tests.components.helpers import run

ROOT = Path(__file__).resolve().parents[2]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
STACK_URN = "urn:pulumi:test::azure-iaas-dr::pulumi:pulumi:Stack::azure-iaas-dr-test"


def cfg(**top):
    return parse_stack_config({"workloads": {"db": {"tier": "database", "sshPublicKey": KEY}}, **top},
                              location="westeurope")


def build_vault(c, region="westeurope", rg="rg-dr-backup-westeurope"):
    def program():
        RecoveryVault("vault-" + region, RecoveryVaultArgs.from_config(c, region, rg))
    return program


SAFE_PROPERTIES = {
    "monitoringSettings": {
        "azureMonitorAlertSettings": {"alertsForAllJobFailures": "Enabled"},
        "classicAlertSettings": {"alertsForCriticalOperations": "Disabled"},
    },
    "publicNetworkAccess": "Disabled",
    "redundancySettings": {"crossRegionRestore": "Enabled", "standardTierStorageRedundancy": "GeoRedundant"},
    "securitySettings": {
        "immutabilitySettings": {"state": "Unlocked"},
        "softDeleteSettings": {"enhancedSecurityState": "Enabled", "softDeletePeriodInDays": None,
                               "softDeleteRetentionPeriodInDays": 14.0, "softDeleteState": "Enabled"},
    },
}
SAFE_PROPERTIES["securitySettings"]["softDeleteSettings"].pop("softDeletePeriodInDays")
# issue 15: cross-subscription restore is always sent, Disabled by default (security.crossSubscriptionRestore)
SAFE_PROPERTIES["restoreSettings"] = {"crossSubscriptionRestoreSettings": {"crossSubscriptionRestoreState": "Disabled"}}
#: The dev stack adds customer-managed-key encryption (placeholder key and identity, Pulumi.dev.yaml).
DEV_CMK_IDENTITY = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr-security/providers/"
                    "Microsoft.ManagedIdentity/userAssignedIdentities/id-dr-backup-cmk")
DEV_PROPERTIES = {**SAFE_PROPERTIES, "encryption": {
    "infrastructureEncryption": "Disabled",
    "kekIdentity": {"useSystemAssignedIdentity": False, "userAssignedIdentity": DEV_CMK_IDENTITY},
    "keyVaultProperties": {"keyUri": "https://kv-dr-dev-keys.vault.azure.net/keys/rsv-dr-cmk"}}}


def test_vault_records_the_safe_posture_exactly():
    cap = run(build_vault(cfg()))
    [vault] = cap.find("azure-native:recoveryservices:Vault")
    assert vault.name == "vault-westeurope-vault"
    assert vault.inputs == {
        "location": "westeurope",
        "properties": SAFE_PROPERTIES,
        "resourceGroupName": "rg-dr-backup-westeurope",
        "sku": {"name": "RS0", "tier": "Standard"},
        "tags": {"dr-high-availability": "true", "dr-rpo-hours": "4", "dr-tier": "database", "dr-workload": "db"},
        "vaultName": "rsv-dr-westeurope",
    }
    assert vault.id == (f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-dr-backup-westeurope/providers/"
                        "Microsoft.RecoveryServices/vaults/rsv-dr-westeurope")
    assert vault.outputs["name"] == "rsv-dr-westeurope"
    assert (vault.options["protect"], vault.options["retainOnDelete"]) == (True, True)


def test_vault_children_are_named_from_the_instance_and_parented_to_it():
    cap = run(build_vault(cfg()))
    [comp] = cap.find("azure-iaas-dr:recovery_vault:RecoveryVault")
    assert comp.urn == "urn:pulumi:test::azure-iaas-dr::azure-iaas-dr:recovery_vault:RecoveryVault::vault-westeurope"
    assert comp.parent == STACK_URN
    children = [(r.type, r.name) for r in cap.resources if r.parent == comp.urn]
    assert children == [("azure-native:recoveryservices:Vault", "vault-westeurope-vault"),
                        ("azure-native:authorization:ManagementLockByScope", "vault-westeurope-lock")]
    [vault] = cap.find("azure-native:recoveryservices:Vault")
    assert vault.urn == ("urn:pulumi:test::azure-iaas-dr::azure-iaas-dr:recovery_vault:RecoveryVault$"
                         "azure-native:recoveryservices:Vault::vault-westeurope-vault")
    assert comp.outputs == {"vaultId": vault.id, "vaultName": "rsv-dr-westeurope",
                            "resourceGroupName": "rg-dr-backup-westeurope", "location": "westeurope"}


def test_delete_lock_is_scoped_to_the_vault_id():
    cap = run(build_vault(cfg()))
    [vault] = cap.find("azure-native:recoveryservices:Vault")
    [lock] = cap.find("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs == {"level": "CanNotDelete", "lockName": LOCK_NAME, "scope": vault.id,
                           "notes": "Backups outlive mistakes: remove this lock deliberately before deleting the vault."}
    assert lock.property_dependencies["scope"] == [vault.urn]
    assert lock.id == f"{vault.id}/providers/Microsoft.Authorization/locks/{LOCK_NAME}"


def test_lock_can_be_turned_off_and_protect_is_configurable():
    cap = run(build_vault(cfg(protect=False, retainOnDelete=False, vault={"deleteLock": False})))
    assert cap.find("azure-native:authorization:ManagementLockByScope") == []
    [vault] = cap.find("azure-native:recoveryservices:Vault")
    assert (vault.options["protect"], vault.options["retainOnDelete"]) == (False, False)


def test_weakened_and_hardened_vaults_record_their_choices():
    c = cfg(vault={"storageRedundancy": "LocallyRedundant", "immutability": "Disabled",
                   "publicNetworkAccess": "Enabled", "jobFailureAlerts": False, "allowWeakerPosture": True})
    [vault] = run(build_vault(c)).find("azure-native:recoveryservices:Vault")
    p = vault.inputs["properties"]
    assert p["redundancySettings"] == {"crossRegionRestore": "Disabled",
                                       "standardTierStorageRedundancy": "LocallyRedundant"}
    assert p["securitySettings"] == {"immutabilitySettings": {"state": "Disabled"},
                                     "softDeleteSettings": {"enhancedSecurityState": "Enabled",
                                                            "softDeleteRetentionPeriodInDays": 14.0,
                                                            "softDeleteState": "Enabled"}}
    assert p["publicNetworkAccess"] == "Enabled"
    assert p["monitoringSettings"]["azureMonitorAlertSettings"] == {"alertsForAllJobFailures": "Disabled"}
    c = cfg(vault={"softDelete": "AlwaysON", "softDeleteRetentionDays": 30, "immutability": "Locked"})
    [vault] = run(build_vault(c)).find("azure-native:recoveryservices:Vault")
    assert vault.inputs["properties"]["securitySettings"] == {
        "immutabilitySettings": {"state": "Locked"},
        "softDeleteSettings": {"enhancedSecurityState": "AlwaysON", "softDeleteRetentionPeriodInDays": 30.0,
                               "softDeleteState": "AlwaysON"}}


def test_resource_group_created_or_existing():
    def program():
        created = ResourceGroup("backup-westeurope", ResourceGroupArgs("rg-dr-backup-westeurope", "westeurope",
                                                                        tags={"owner": "t"}))
        existing = ResourceGroup("shared", ResourceGroupArgs("rg-shared", "westeurope", existing=True))
        RecoveryVault("v", RecoveryVaultArgs.from_config(cfg(), "westeurope", existing.name))
        assert created and existing
    cap = run(program)
    [rg] = cap.find("azure-native:resources:ResourceGroup")
    assert (rg.name, rg.inputs, rg.id) == (
        "backup-westeurope-rg",
        {"location": "westeurope", "resourceGroupName": "rg-dr-backup-westeurope", "tags": {"owner": "t"}},
        f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-dr-backup-westeurope")
    assert rg.parent == "urn:pulumi:test::azure-iaas-dr::azure-iaas-dr:resource_group:ResourceGroup::backup-westeurope"
    shared = cap.find("azure-iaas-dr:resource_group:ResourceGroup", "shared")[0]
    assert [r for r in cap.resources if r.parent == shared.urn] == []
    assert shared.outputs == {"name": "rg-shared", "id": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-shared",
                              "location": "westeurope"}
    [vault] = cap.find("azure-native:recoveryservices:Vault")
    assert vault.inputs["resourceGroupName"] == "rg-shared"


def test_preview_keeps_unknown_resource_group_names_unknown():
    def program():
        rg = ResourceGroup("backup-westeurope", ResourceGroupArgs("rg-x", "westeurope"))
        RecoveryVault("v", RecoveryVaultArgs.from_config(cfg(), "westeurope", rg.name))
    cap = run(program, preview=True)
    [vault] = cap.find("azure-native:recoveryservices:Vault")
    # the mocks answer outputs in a preview too (offline-engine gap: a real preview may leave them unknown)
    assert vault.inputs["resourceGroupName"] == "rg-x"
    assert vault.inputs["properties"] == SAFE_PROPERTIES
    rg_urn = cap.find("azure-native:resources:ResourceGroup")[0].urn
    assert vault.property_dependencies["resourceGroupName"] == [rg_urn]


@pytest.mark.parametrize("typ,inputs,expected", [
    ("azure-native:recoveryservices:ProtectionPolicy", {"resourceGroupName": "g", "vaultName": "v", "policyName": "p"},
     "/resourceGroups/g/providers/Microsoft.RecoveryServices/vaults/v/backupPolicies/p"),
    ("azure-native:recoveryservices:ProtectedItem",
     {"resourceGroupName": "g", "vaultName": "v", "fabricName": "Azure",
      "containerName": "IaasVMContainer;iaasvmcontainerv2;rg;vm1", "protectedItemName": "VM;iaasvmcontainerv2;rg;vm1"},
     "/resourceGroups/g/providers/Microsoft.RecoveryServices/vaults/v/backupFabrics/Azure/protectionContainers/"
     "IaasVMContainer;iaasvmcontainerv2;rg;vm1/protectedItems/VM;iaasvmcontainerv2;rg;vm1"),
    ("azure-native:network:Subnet", {"resourceGroupName": "g", "virtualNetworkName": "n", "subnetName": "s"},
     "/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/n/subnets/s"),
    ("azure-native:compute:VirtualMachine", {"resourceGroupName": "g", "vmName": "vm1"},
     "/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm1"),
    ("azure-native:compute:AvailabilitySet", {"resourceGroupName": "g"},
     "/resourceGroups/g/providers/Microsoft.Compute/availabilitySets/pulumi-name"),
    ("azure-native:containerservice:ManagedCluster", {"resourceGroupName": "g", "managedClusterName": "k"},
     "/resourceGroups/g/providers/Microsoft.Containerservice/managedClusters/k"),
])
def test_arm_mocks_ids_nest_children(typ, inputs, expected):
    rid, own = ArmMocks().resource_id(typ, "pulumi-name", inputs)
    assert rid == f"/subscriptions/{SUBSCRIPTION_ID}{expected}"
    assert own == expected.rsplit("/", 1)[1]


def test_arm_mocks_answers_get_client_config():
    import pulumi_azure_native.authorization as authorization
    got = {}

    def program():
        got["cfg"] = authorization.get_client_config()
    run(program)
    assert (got["cfg"].subscription_id, got["cfg"].tenant_id) == (SUBSCRIPTION_ID, "11111111-1111-1111-1111-111111111111")


def test_dev_program_declares_a_resource_group_and_vault_per_region():
    cap = capture_program(ROOT, "dev", preview=False)
    assert (cap.resources[0].type, cap.resources[0].name) == ("pulumi:pulumi:Stack", "azure-iaas-dr-dev")
    # The vault region's part of the graph (workloads, policies and protection are tested on their own).
    assert [(r.type, r.name) for r in cap.resources if r.name.startswith(("backup-westeurope", "vault-westeurope"))] == [
        ("azure-iaas-dr:resource_group:ResourceGroup", "backup-westeurope"),
        ("azure-native:resources:ResourceGroup", "backup-westeurope-rg"),
        ("azure-iaas-dr:recovery_vault:RecoveryVault", "vault-westeurope"),
        ("azure-native:recoveryservices:Vault", "vault-westeurope-vault"),
        ("azure-native:authorization:ManagementLockByScope", "vault-westeurope-lock"),
    ]
    [vault] = cap.find("azure-native:recoveryservices:Vault", "vault-westeurope-vault")  # not the ASR vault
    assert vault.options["protect"] is False and vault.options["retainOnDelete"] is True
    assert vault.inputs["properties"] == DEV_PROPERTIES
    assert vault.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [DEV_CMK_IDENTITY]}
    assert cap.stack_outputs["drRegion"] == "northeurope"
    assert cap.stack_outputs["vaults"]["westeurope"]["name"] == "rsv-dr-westeurope"


def test_bad_config_stops_the_program_before_any_resource():
    from posture.errors import PostureError
    with pytest.raises(PostureError) as exc:
        capture_program(ROOT, "dev", preview=True, config_override={"azure-iaas-dr:vault": {"storageRedundancy": "X"}})
    assert str(exc.value) == (
        "invalid stack configuration:\n"
        '  azure-iaas-dr:vault.storageRedundancy: "X": one of "GeoRedundant", "ZoneRedundant" or "LocallyRedundant"')


def test_unpaired_region_vault_is_zone_redundant_and_the_preview_says_so():
    """Audit W3: polandcentral has no pair, so no GRS: the vault falls back to ZoneRedundant, CRR off."""
    c = parse_stack_config({"workloads": {"db": {"tier": "database", "sshPublicKey": KEY, "region": "polandcentral",
                                                 "drRegion": "germanywestcentral",
                                                 "consistentSnapshots": {"pointsInTime": ["20260101t0000z"]}}}},
                           location="westeurope")
    cap = run(build_vault(c, "polandcentral", "rg-dr-backup-polandcentral"))
    [vault] = cap.find("azure-native:recoveryservices:Vault")
    assert vault.inputs["properties"]["redundancySettings"] == {"crossRegionRestore": "Disabled",
                                                                "standardTierStorageRedundancy": "ZoneRedundant"}
    assert [(d.severity, d.message) for d in cap.diagnostics if "paired" in d.message] == [(
        "warning", "polandcentral has no Azure paired region, so its vault cannot be GeoRedundant (no GRS, no"
        " cross-region restore): it is ZoneRedundant; the workloads there reach their DR region through Site Recovery"
        " or consistent snapshots copied to their drRegion")]


def test_more_than_250_vms_in_a_vault_are_announced_in_the_preview():
    ws = {f"w{i}": {"tier": "reporting", "sshPublicKey": KEY, "vmCount": 100} for i in range(3)}
    c = parse_stack_config({"workloads": ws}, location="westeurope")
    args = RecoveryVaultArgs.from_config(c, "westeurope", "rg")
    assert args.notes == ("300 VMs are protected in westeurope: Azure registers at most 250 VMs per vault per day,"
                          " so a first `pulumi up` that protects them all fails past that; add the workloads over"
                          " several days",)
    assert RecoveryVaultArgs.from_config(cfg(), "westeurope", "rg").notes == ()
