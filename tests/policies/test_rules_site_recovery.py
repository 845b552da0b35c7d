"""AZDR-ASR-*: Site Recovery rules, each with pass, fail, unknown and missing cases, plus the scoping promise:
a Backup-only stack gets no Site Recovery finding."""

from __future__ import annotations

import copy

import pytest
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE as UNK

from azdr_policies import RULES_BY_ID
from azdr_policies.rules import site_recovery as asr

from .cases import Case, params
from .factories import DELETE, mutate, vm_props
from .factories import SUB, arm_id, backup_egress_rules, nsg_rule
from .harness import run_stack, stack_resource, urn_of

VM_T = "azure-native:compute:VirtualMachine"
DISK_T = "azure-native:compute:Disk"
NIC_T = "azure-native:network:NetworkInterface"
SUBNET_T = "azure-native:network:Subnet"
VNET_T = "azure-native:network:VirtualNetwork"
NSG_T = "azure-native:network:NetworkSecurityGroup"
VAULT_T = "azure-native:recoveryservices:Vault"
ITEM_T = asr.REPLICATED_ITEM
POLICY_T = asr.REPLICATION_POLICY
MAP_T = asr.CONTAINER_MAPPING
NETMAP_T = asr.NETWORK_MAPPING
SA_T = "azure-native:storage:StorageAccount"
BLOB_T = "azure-native:storage:BlobServiceProperties"

ASR_RG = "rg-dr-asr-northeurope"
VAULT_ID = f"{SUB}/resourceGroups/{ASR_RG}/providers/Microsoft.RecoveryServices/vaults/rsv-asr"
SRC_VNET_ID = arm_id("Microsoft.Network/virtualNetworks", "db-vnet")
DST_VNET_ID = f"{SUB}/resourceGroups/rg-db-ne/providers/Microsoft.Network/virtualNetworks/db-asr-vnet"
SUBNET_ID = arm_id("Microsoft.Network/virtualNetworks", "db-vnet/subnets/db-subnet")
NIC_ID = arm_id("Microsoft.Network/networkInterfaces", "db-0-nic")
NSG_ID = arm_id("Microsoft.Network/networkSecurityGroups", "db-nsg")
CACHE_ID = arm_id("Microsoft.Storage/storageAccounts", "drasrcache")
CONTAINER = f"{VAULT_ID}/replicationFabrics/asr-a2a-northeurope/replicationProtectionContainers/c"

ASR_EGRESS = [nsg_rule("allow-asr", 130, "Allow", "AzureSiteRecovery"), nsg_rule("allow-eh", 140, "Allow", "EventHub")]


def vm(name="db-0", tag="northeurope", **extra):
    props = {**vm_props(), "vmName": name, "name": name, "id": arm_id("Microsoft.Compute/virtualMachines", name),
             "networkProfile": {"networkInterfaces": [{"id": NIC_ID}]}, **extra}
    if tag is not None:
        props["tags"] = {**props["tags"], "dr-site-recovery": tag}
    return props


def item_props(vm_name="db-0", **details):
    d = {"instanceType": "A2A", "fabricObjectId": arm_id("Microsoft.Compute/virtualMachines", vm_name),
         "recoveryContainerId": CONTAINER, "recoveryAzureNetworkId": DST_VNET_ID, "recoverySubnetName": "db-asr-subnet",
         "recoveryAvailabilityZone": "1",
         "vmManagedDisks": [{"diskId": arm_id("Microsoft.Compute/disks", f"{vm_name}-os"),
                             "primaryStagingAzureStorageAccountId": CACHE_ID,
                             "recoveryResourceGroupId": f"{SUB}/resourceGroups/rg-db-ne"}]}
    for k, v in details.items():
        if v is DELETE:
            d.pop(k, None)
        else:
            d[k] = v
    return {"resourceGroupName": ASR_RG, "resourceName": "rsv-asr", "fabricName": "asr-a2a-westeurope",
            "protectionContainerName": "asr-a2a-westeurope-container", "replicatedProtectedItemName": vm_name,
            "properties": {"policyId": f"{VAULT_ID}/replicationPolicies/a2a-db", "providerSpecificDetails": d}}


def stack(*, vault_loc="northeurope", vm_extra=None, tag="northeurope", replicated=True, item=None, dep=True,
          nsg_rules=None, mapping=True, mapping_props=None, mapping_dep=True, cache=None, blob=None, vms=("db-0",),
          extra=()):
    """The Site Recovery chain of one workload: ASR vault, source network (VNet, subnet with NSG, NIC), VMs,
    target VNet, network mapping, cache account (+ blob service), a protected item per VM."""
    def build():
        vault = stack_resource(VAULT_T, "asr-vault", {"vaultName": "rsv-asr", "name": "rsv-asr", "id": VAULT_ID,
                                                      "location": vault_loc, "resourceGroupName": ASR_RG})
        src = stack_resource(VNET_T, "db-vnet", {"virtualNetworkName": "db-vnet", "name": "db-vnet", "id": SRC_VNET_ID,
                                                 "location": "westeurope"})
        dst = stack_resource(VNET_T, "db-asr-vnet", {"virtualNetworkName": "db-asr-vnet", "name": "db-asr-vnet",
                                                     "id": DST_VNET_ID, "location": "northeurope"})
        rules = nsg_rules if nsg_rules is not None else [*backup_egress_rules(), *ASR_EGRESS]
        nsg = stack_resource(NSG_T, "db-nsg", {"securityRules": rules, "id": NSG_ID, "name": "db-nsg"})
        subnet = stack_resource(SUBNET_T, "db-subnet", {"subnetName": "db-subnet", "virtualNetworkName": "db-vnet",
                                                        "id": SUBNET_ID, "name": "db-subnet",
                                                        "networkSecurityGroup": {"id": NSG_ID}},
                                property_dependencies={"virtualNetworkName": [src], "networkSecurityGroup": [nsg]})
        nic = stack_resource(NIC_T, "db-0-nic", {"id": NIC_ID, "name": "db-0-nic", "location": "westeurope",
                                                 "ipConfigurations": [{"name": "ip", "subnet": {"id": SUBNET_ID}}]},
                             property_dependencies={"ipConfigurations": [subnet]})
        account = stack_resource(SA_T, "asr-cache", {"accountName": "drasrcache", "name": "drasrcache", "id": CACHE_ID,
                                                     "kind": "StorageV2", "sku": {"name": "Standard_ZRS"},
                                                     "location": "westeurope",
                                                     "tags": {"dr-purpose": "site-recovery-cache"}, **(cache or {})})
        out = [vault, src, dst, nsg, subnet, nic, account]
        if blob is not None:
            out.append(stack_resource(BLOB_T, "asr-cache-blob", {"accountName": "drasrcache", **blob},
                                      property_dependencies={"accountName": [account]}))
        if mapping:
            out.append(stack_resource(NETMAP_T, "db-netmap", {
                "resourceName": "rsv-asr", "fabricName": "asr-a2a-westeurope", "networkName": "db-vnet",
                "properties": {"recoveryNetworkId": DST_VNET_ID, "recoveryFabricName": "asr-a2a-northeurope",
                               "fabricSpecificDetails": {"instanceType": "AzureToAzure",
                                                         "primaryNetworkId": SRC_VNET_ID}}, **(mapping_props or {})},
                property_dependencies=({"networkName": [src], "properties": [src, dst], "resourceName": [vault]}
                                       if mapping_dep else {})))
        for name in vms:
            machine = stack_resource(VM_T, name, vm(name, tag=tag, **(vm_extra or {})),
                                     property_dependencies={"networkProfile": [nic]})
            out.append(machine)
            if replicated:
                props = item if item is not None else item_props(name)
                deps = {"properties": [machine, dst, account], "resourceName": [vault]} if dep else {}
                out.append(stack_resource(ITEM_T, f"{name}-asr", props, property_dependencies=deps))
        out.extend(extra)
        return out
    return build


def f(rule, msg, kind, name):
    return (f"[{rule}] {msg}", urn_of(kind, name))


# ---- ASR-001 ---------------------------------------------------------------------------------------------------

NOT_REPLICATED = ("VM 'db-0' asks for Site Recovery to 'northeurope' (tag dr-site-recovery) but no "
                  "recoveryservices.ReplicationProtectedItem replicates it{note}: declare one with "
                  "provider_specific_details=A2AEnableProtectionInputArgs(fabric_object_id=<vm>.id, ...)")

CASES = [
    Case("AZDR-ASR-001", "pass-replicated", stack()),
    Case("AZDR-ASR-001", "pass-joined-by-fabric-object-id-without-dependency", stack(dep=False)),
    Case("AZDR-ASR-001", "pass-missing-tag-backup-only-vm-not-judged", stack(tag=None, replicated=False)),
    Case("AZDR-ASR-001", "fail-tagged-not-replicated", stack(replicated=False),
         [f("AZDR-ASR-001", NOT_REPLICATED.format(note=""), VM_T, "db-0")]),
    Case("AZDR-ASR-001", "fail-unknown-fabric-object-id-without-dependency",
         stack(item=item_props(fabricObjectId=UNK), dep=False),
         [f("AZDR-ASR-001", NOT_REPLICATED.format(
             note=" (1 replication-protected item(s) have an unknown fabricObjectId and no dependency on a VM)"),
            VM_T, "db-0")]),
    Case("AZDR-ASR-001", "fail-unknown-tag", stack(tag=UNK, replicated=False),
         [f("AZDR-ASR-001", "VM 'db-0' has an unknown dr-site-recovery tag during preview: whether it must be "
                            "replicated cannot be verified", VM_T, "db-0")]),
]

# ---- ASR-002 / 003 -----------------------------------------------------------------------------------------------

CASES += [
    Case("AZDR-ASR-002", "pass-vault-in-target-region", stack()),
    Case("AZDR-ASR-002", "pass-missing-vault-location-not-judged", stack(vault_loc=None)),
    Case("AZDR-ASR-002", "fail-vault-in-source-region", stack(vault_loc="westeurope"),
         [f("AZDR-ASR-002", "VM 'db-0' in westeurope is replicated by 'db-0-asr' into vault 'asr-vault' in the same "
                            "region: Azure Site Recovery needs the vault outside the source region; create it in the "
                            "target region", VM_T, "db-0")]),
    Case("AZDR-ASR-002", "fail-unknown-vault-location", stack(vault_loc=UNK),
         [f("AZDR-ASR-002", "VM 'db-0' is replicated by 'db-0-asr' into vault 'asr-vault' but a location is unknown "
                            "during preview: the vault's region cannot be verified", VM_T, "db-0")]),
    Case("AZDR-ASR-003", "pass-vault-in-target-region", stack()),
    Case("AZDR-ASR-003", "pass-missing-recovery-network-not-judged",
         stack(item=item_props(recoveryAzureNetworkId=DELETE), dep=False)),
    Case("AZDR-ASR-003", "fail-vault-in-third-region", stack(vault_loc="francecentral"),
         [f("AZDR-ASR-003", "replication-protected item 'db-0-asr' fails over to northeurope but vault 'asr-vault' is "
                            "in francecentral: while francecentral is down you cannot fail over or fail back; put the "
                            "vault in the target region northeurope", ITEM_T, "db-0-asr")]),
    Case("AZDR-ASR-003", "fail-unknown-vault-location", stack(vault_loc=UNK),
         [f("AZDR-ASR-003", "replication-protected item 'db-0-asr': the target region or the location of vault "
                            "'asr-vault' is unknown during preview", ITEM_T, "db-0-asr")]),
]

# ---- ASR-004 (resource) ------------------------------------------------------------------------------------------

POLICY = {"resourceGroupName": ASR_RG, "resourceName": "rsv-asr", "policyName": "a2a-db",
          "properties": {"providerSpecificInput": {"instanceType": "A2A", "multiVmSyncStatus": "Enable",
                                                   "recoveryPointHistory": 1440, "crashConsistentFrequencyInMinutes": 5,
                                                   "appConsistentFrequencyInMinutes": 240}}}
PSI = "properties.providerSpecificInput"

CASES += [
    Case("AZDR-ASR-004", "pass-24h-4h", POLICY, name="pol"),
    Case("AZDR-ASR-004", "pass-boundaries-15-days-60-minutes",
         mutate(mutate(POLICY, f"{PSI}.recoveryPointHistory", 21600), f"{PSI}.appConsistentFrequencyInMinutes", 60),
         name="pol"),
    Case("AZDR-ASR-004", "pass-missing-app-consistent-means-off",
         mutate(POLICY, f"{PSI}.appConsistentFrequencyInMinutes", DELETE), name="pol"),
    Case("AZDR-ASR-004", "pass-not-a2a", mutate(POLICY, f"{PSI}.instanceType", "InMageRcm"), name="pol"),
    Case("AZDR-ASR-004", "fail-retention-over-15-days", mutate(POLICY, f"{PSI}.recoveryPointHistory", 21660),
         ["[AZDR-ASR-004] replication policy 'pol' keeps recovery points 21660 minutes: Azure allows at most 21600 "
          "(15 days) for managed disks"], name="pol"),
    Case("AZDR-ASR-004", "fail-app-consistent-under-an-hour",
         mutate(POLICY, f"{PSI}.appConsistentFrequencyInMinutes", 30),
         ["[AZDR-ASR-004] replication policy 'pol' takes app-consistent points every 30 minutes: Azure's minimum is "
          "60; use 60 or more, or 0 for crash-consistent points only"], name="pol"),
    Case("AZDR-ASR-004", "fail-app-consistent-above-retention",
         mutate(POLICY, f"{PSI}.recoveryPointHistory", 120),
         ["[AZDR-ASR-004] replication policy 'pol' takes app-consistent points every 240 minutes but keeps points "
          "only 120 minutes: the frequency must not exceed the retention"], name="pol"),
    Case("AZDR-ASR-004", "fail-missing-retention", mutate(POLICY, f"{PSI}.recoveryPointHistory", DELETE),
         ["[AZDR-ASR-004] replication policy 'pol' does not set recoveryPointHistory: set the retention of recovery "
          "points explicitly (minutes, at most 21600 = 15 days for managed disks)"], name="pol"),
    Case("AZDR-ASR-004", "advisory-unknown-retention",
         mutate(POLICY, f"{PSI}.recoveryPointHistory", UNKNOWN_NUMBER_VALUE),
         [f"number value at .{PSI}.recoveryPointHistory can't be known during preview"], name="pol"),
]

# ---- ASR-005 -----------------------------------------------------------------------------------------------------

def cache_f(msg):
    return f("AZDR-ASR-005", f"cache storage account 'asr-cache' {msg}", SA_T, "asr-cache")


CASES += [
    Case("AZDR-ASR-005", "pass-zrs-gpv2-source-region", stack(blob={"deleteRetentionPolicy": {"enabled": False}})),
    Case("AZDR-ASR-005", "pass-missing-blob-service-means-soft-delete-off", stack()),
    Case("AZDR-ASR-005", "pass-premium-block-blob-for-high-churn",
         stack(cache={"kind": "BlockBlobStorage", "sku": {"name": "Premium_LRS"}})),
    Case("AZDR-ASR-005", "fail-geo-redundant", stack(cache={"sku": {"name": "Standard_GRS"}}),
         [cache_f("is 'Standard_GRS': a cache is never geo-redundant; use Standard_ZRS (Standard_LRS where the region "
                  "has no zones)")]),
    Case("AZDR-ASR-005", "fail-wrong-region-and-kind", stack(cache={"location": "northeurope", "kind": "Storage"}),
         [cache_f("is in northeurope but stages replication of VMs in westeurope: Site Recovery needs the cache in the "
                  "source region"),
          cache_f("is kind 'Storage': use StorageV2 (Standard general-purpose v2), or BlockBlobStorage Premium for "
                  "high churn")]),
    Case("AZDR-ASR-005", "fail-premium-gpv2", stack(cache={"sku": {"name": "Premium_LRS"}}),
         [cache_f("is 'Premium_LRS': use a Standard sku (Standard_ZRS or Standard_LRS)")]),
    Case("AZDR-ASR-005", "fail-soft-delete-on", stack(blob={"deleteRetentionPolicy": {"enabled": True, "days": 7}}),
         [cache_f("enables blob soft delete on 'asr-cache-blob': Site Recovery does not support soft delete on the "
                  "cache; set deleteRetentionPolicy.enabled to false")]),
    Case("AZDR-ASR-005", "fail-unknown-sku", stack(cache={"sku": {"name": UNK}}),
         [f("AZDR-ASR-005", "cache storage account 'asr-cache': kind, sku or a location is unknown during preview: "
                            "it cannot be verified", SA_T, "asr-cache")]),
]

# ---- ASR-006 (resource) ------------------------------------------------------------------------------------------

DET = "properties.providerSpecificDetails"
AVSET = f"{SUB}/resourceGroups/rg-db-ne/providers/Microsoft.Compute/availabilitySets/db-avset"
ITEM = item_props()

CASES += [
    Case("AZDR-ASR-006", "pass-zone", ITEM, name="db-0-asr"),
    Case("AZDR-ASR-006", "pass-availability-set",
         mutate(mutate(ITEM, f"{DET}.recoveryAvailabilityZone", DELETE), f"{DET}.recoveryAvailabilitySetId", AVSET),
         name="db-0-asr"),
    Case("AZDR-ASR-006", "pass-missing-both-regional", mutate(ITEM, f"{DET}.recoveryAvailabilityZone", DELETE),
         name="db-0-asr"),
    Case("AZDR-ASR-006", "fail-both", mutate(ITEM, f"{DET}.recoveryAvailabilitySetId", AVSET),
         ["[AZDR-ASR-006] replication-protected item 'db-0-asr' sets both recoveryAvailabilitySetId and "
          "recoveryAvailabilityZone '1': the failed-over VM goes in an availability set or a zone, not both; keep one"],
         name="db-0-asr"),
    Case("AZDR-ASR-006", "advisory-unknown-zone", mutate(ITEM, f"{DET}.recoveryAvailabilityZone", UNK),
         [f"string value at .{DET}.recoveryAvailabilityZone can't be known during preview"], name="db-0-asr"),
]

# ---- ASR-007 -----------------------------------------------------------------------------------------------------


def disk_f(problem):
    return f("AZDR-ASR-007", f"VM 'db-0' is replicated (or asks for Site Recovery) but {problem}; use Premium or "
                             f"Standard SSD managed disks without these features, or protect it another way",
             VM_T, "db-0")


SP = vm_props()["storageProfile"]


def profile(path, value):
    return {"storageProfile": mutate({"storageProfile": copy.deepcopy(SP)}, f"storageProfile.{path}", value)[
        "storageProfile"]}


CASES += [
    Case("AZDR-ASR-007", "pass-premium-disks", stack()),
    Case("AZDR-ASR-007", "pass-missing-controller-and-diff-settings-defaults", stack()),
    Case("AZDR-ASR-007", "pass-ultra-vm-not-replicated-not-tagged",
         stack(tag=None, replicated=False, vm_extra=profile("dataDisks[0].managedDisk.storageAccountType",
                                                            "UltraSSD_LRS"))),
    Case("AZDR-ASR-007", "fail-ephemeral-os-disk", stack(vm_extra=profile("osDisk.diffDiskSettings",
                                                                          {"option": "Local"})),
         [disk_f("has an ephemeral OS disk (osDisk.diffDiskSettings.option Local), which Site Recovery cannot "
                 "replicate")]),
    Case("AZDR-ASR-007", "fail-nvme-and-write-accelerator",
         stack(vm_extra={"storageProfile": {**copy.deepcopy(SP), "diskControllerType": "NVMe",
                                            "dataDisks": [{**SP["dataDisks"][0], "writeAcceleratorEnabled": True}]}}),
         [disk_f("uses the NVMe disk controller (storageProfile.diskControllerType), which Site Recovery cannot "
                 "replicate"),
          disk_f("has Write Accelerator on data disk LUN 0, which Site Recovery cannot replicate")]),
    Case("AZDR-ASR-007", "fail-ultra-inline-tagged-only",
         stack(replicated=False, vm_extra=profile("dataDisks[0].managedDisk.storageAccountType", "UltraSSD_LRS")),
         [disk_f("has an Ultra disk at LUN 0, which Site Recovery cannot replicate")]),
    Case("AZDR-ASR-007", "fail-unknown-storage-profile", stack(vm_extra={"storageProfile": UNK}),
         [disk_f("its storage profile is unknown during preview")]),
]


def test_ultra_disk_resource_attached_by_dependency_is_refused():
    def build():
        resources = stack()()
        disk = stack_resource(DISK_T, "db-0-data-1", {"diskName": "db-0-data-1", "sku": {"name": "UltraSSD_LRS"}})
        machine = next(r for r in resources if r.resource_type == VM_T)
        nic = next(r for r in resources if r.resource_type == NIC_T)
        replaced = stack_resource(VM_T, "db-0", vm(), property_dependencies={"networkProfile": [nic],
                                                                             "storageProfile": [disk]})
        return [disk, *[replaced if r is machine else r for r in resources]]

    result = run_stack(RULES_BY_ID["AZDR-ASR-007"], build())
    assert result.violations == [disk_f("attaches Ultra disk 'db-0-data-1', which Site Recovery cannot replicate")]


# ---- ASR-008 -----------------------------------------------------------------------------------------------------

UNMAPPED = f("AZDR-ASR-008", "VM 'db-0' is replicated but its virtual network 'db-vnet' has no "
                             "recoveryservices.ReplicationNetworkMapping{note}: enabling replication fails without a "
                             "target network; map it to a virtual network in the target region", VM_T, "db-0")

CASES += [
    Case("AZDR-ASR-008", "pass-mapped-by-dependency", stack()),
    Case("AZDR-ASR-008", "pass-missing-dependency-mapped-by-literal-network-name",
         stack(mapping_props={"properties": {"recoveryNetworkId": DST_VNET_ID}}, mapping_dep=False)),
    Case("AZDR-ASR-008", "pass-mapped-by-primary-network-id", stack(mapping_props={"networkName": UNK},
                                                                    mapping_dep=False)),
    Case("AZDR-ASR-008", "pass-not-replicated-not-judged", stack(replicated=False, mapping=False)),
    Case("AZDR-ASR-008", "fail-no-mapping", stack(mapping=False), [(UNMAPPED[0].format(note=""), UNMAPPED[1])]),
    Case("AZDR-ASR-008", "fail-mapping-of-another-network",
         stack(mapping_props={"networkName": "other-vnet", "properties": {"fabricSpecificDetails": {
             "instanceType": "AzureToAzure", "primaryNetworkId": arm_id("Microsoft.Network/virtualNetworks", "other")}}},
               mapping_dep=False),
         [(UNMAPPED[0].format(note=""), UNMAPPED[1])]),
    Case("AZDR-ASR-008", "fail-unknown-mapping-source-without-dependency",
         stack(mapping_props={"networkName": UNK, "properties": {"fabricSpecificDetails": {
             "instanceType": "AzureToAzure", "primaryNetworkId": UNK}}}, mapping_dep=False),
         [(UNMAPPED[0].format(note=" (1 network mapping(s) could not be joined)"), UNMAPPED[1])]),
]

# ---- ASR-010 -----------------------------------------------------------------------------------------------------

SEVENTEEN = tuple(f"db-{i}" for i in range(17))


def _grouped(n, group):
    def build():
        out = stack(vms=SEVENTEEN[:n])()
        return [stack_resource(ITEM_T, r.name, item_props(r.name[:-4], multiVmGroupName=group),
                               property_dependencies={k: list(v) for k, v in r.property_dependencies.items()})
                if r.resource_type == ITEM_T else r for r in out]
    return build


CASES += [
    Case("AZDR-ASR-010", "pass-16-in-a-group", _grouped(16, "db")),
    Case("AZDR-ASR-010", "pass-missing-group-name-no-group", stack(vms=SEVENTEEN)),
    Case("AZDR-ASR-010", "fail-17-in-a-group", _grouped(17, "db"),
         [f("AZDR-ASR-010", f"multi-VM consistency group 'db' has 17 VMs ({', '.join(v + '-asr' for v in SEVENTEEN)}): "
                            f"Azure allows at most 16; split the group", ITEM_T, "db-0-asr")]),
    Case("AZDR-ASR-010", "fail-unknown-group", _grouped(1, UNK),
         [f("AZDR-ASR-010", "replication-protected item 'db-0-asr' has an unknown multiVmGroupName during preview: "
                            "the group size cannot be verified", ITEM_T, "db-0-asr")]),
]

# ---- ASR-011 (resource) ------------------------------------------------------------------------------------------

MAPPING = {"resourceGroupName": ASR_RG, "resourceName": "rsv-asr", "fabricName": "asr-a2a-westeurope",
           "protectionContainerName": "asr-a2a-westeurope-container", "mappingName": "db-we-to-ne",
           "properties": {"policyId": f"{VAULT_ID}/replicationPolicies/a2a-db", "targetProtectionContainerId": CONTAINER,
                          "providerSpecificInput": {"instanceType": "A2A", "agentAutoUpdateStatus": "Enabled",
                                                    "automationAccountAuthenticationType": "SystemAssignedIdentity"}}}

CASES += [
    Case("AZDR-ASR-011", "pass-managed-identity", MAPPING, name="map"),
    Case("AZDR-ASR-011", "pass-not-a2a", mutate(MAPPING, f"{PSI}.instanceType", "VMwareCbt"), name="map"),
    Case("AZDR-ASR-011", "fail-run-as-account",
         mutate(MAPPING, f"{PSI}.automationAccountAuthenticationType", "RunAsAccount"),
         ["[AZDR-ASR-011] container mapping 'map' updates the agent with automationAccountAuthenticationType "
          "'RunAsAccount': Run As accounts are retired; set it to SystemAssignedIdentity"], name="map"),
    Case("AZDR-ASR-011", "fail-missing-authentication-type",
         mutate(MAPPING, f"{PSI}.automationAccountAuthenticationType", DELETE),
         ["[AZDR-ASR-011] container mapping 'map' updates the agent with automationAccountAuthenticationType not "
          "set: Run As accounts are retired; set it to SystemAssignedIdentity"], name="map"),
    Case("AZDR-ASR-011", "fail-auto-update-disabled", mutate(MAPPING, f"{PSI}.agentAutoUpdateStatus", "Disabled"),
         ["[AZDR-ASR-011] container mapping 'map' has Mobility agent auto-update 'Disabled': an agent more than four "
          "versions behind stops replication; set agentAutoUpdateStatus to Enabled"], name="map"),
    Case("AZDR-ASR-011", "advisory-unknown-status", mutate(MAPPING, f"{PSI}.agentAutoUpdateStatus", UNK),
         [f"string value at .{PSI}.agentAutoUpdateStatus can't be known during preview"], name="map"),
]


# ---- RSV-001/002 leave a Site Recovery-only vault alone -----------------------------------------------------------

from .factories import vault_props  # noqa: E402

ASR_VAULT = mutate(mutate(vault_props(), "tags.dr-purpose", "site-recovery"),
                   "properties.redundancySettings.standardTierStorageRedundancy", "LocallyRedundant")
CASES += [
    Case("AZDR-RSV-001", "pass-site-recovery-vault-not-judged", ASR_VAULT, name="asr-vault"),
    Case("AZDR-RSV-002", "pass-site-recovery-vault-not-judged",
         mutate(mutate(vault_props(), "tags.dr-purpose", "site-recovery"),
                "properties.redundancySettings.crossRegionRestore", "Disabled"), name="asr-vault"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()


def test_backup_only_stack_gets_no_site_recovery_finding():
    """A stack with no Replication* resource and no dr-site-recovery tag: every ASR rule stays quiet, even with an
    NSG that blocks AzureSiteRecovery and an LRS storage account."""
    resources = stack(tag=None, replicated=False, mapping=False, nsg_rules=backup_egress_rules(),
                      cache={"sku": {"name": "Standard_GRS"}, "tags": {"dr-purpose": "configuration-backup"}})()
    for rule in asr.RULES:
        if rule.kind == "stack":
            assert run_stack(rule, resources).violations == [], rule.id


def test_storage_rules_leave_the_cache_to_asr_005():
    from .harness import run_resource

    cache = {"accountName": "drasrcache", "kind": "StorageV2", "sku": {"name": "Standard_ZRS"},
             "tags": {"dr-purpose": "site-recovery-cache"}}
    assert run_resource(RULES_BY_ID["AZDR-STG-001"], cache, name="asr-cache").messages == []
    other = {**cache, "tags": {"dr-purpose": "configuration-backup"}}
    assert run_resource(RULES_BY_ID["AZDR-STG-001"], other, name="cfg").messages != []
    sa = stack_resource(SA_T, "asr-cache", cache)
    assert run_stack(RULES_BY_ID["AZDR-STG-002"], [sa]).violations == []
