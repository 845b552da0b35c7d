"""Issue 14 item 5: the real engine deploys and destroys the dev stack's Azure Site Recovery resources with the
stand-in provider. Reuses the session's one `pulumi up` / destroy of the dev stack (conftest.py): the stand-in
log records every Create with the inputs it was given, so these tests assert what a real `pulumi up` would have
asked Azure to create, and that `pulumi destroy` never asks Azure to delete what Site Recovery needs."""

from __future__ import annotations

import json

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
VAULT_ID = f"{SUB}/resourceGroups/rg-dr-asr-northeurope/providers/Microsoft.RecoveryServices/vaults/rsv-dr-asr-northeurope"
FABRIC = {r: f"{VAULT_ID}/replicationFabrics/asr-a2a-{r}" for r in ("westeurope", "northeurope")}
CONTAINER = {r: f"{FABRIC[r]}/replicationProtectionContainers/asr-a2a-{r}-container" for r in FABRIC}
POLICY_ID = f"{VAULT_ID}/replicationPolicies/a2a-database"
TARGET_RG_ID = f"{SUB}/resourceGroups/rg-dr-database-asr-northeurope"
TARGET_VNET_ID = f"{TARGET_RG_ID}/providers/Microsoft.Network/virtualNetworks/database-asr-vnet"
SOURCE_VNET_ID = f"{SUB}/resourceGroups/rg-dr-database/providers/Microsoft.Network/virtualNetworks/database-vnet"
CACHE = "drasr7cb643f210"  # default_account_name("dr", "westeurope", <mock subscription>, project, "dev")
CACHE_ID = f"{SUB}/resourceGroups/rg-dr-asr-cache-westeurope/providers/Microsoft.Storage/storageAccounts/{CACHE}"
VAULT_INPUTS = {"resourceName": "rsv-dr-asr-northeurope", "resourceGroupName": "rg-dr-asr-northeurope"}

#: Pulumi name -> type of every Site Recovery resource the dev stack declares (components/site_recovery/)
ASR = {
    "asr-northeurope-rg": "azure-native:resources:ResourceGroup",
    "asr-northeurope-vault": "azure-native:recoveryservices:Vault",
    "asr-northeurope-lock": "azure-native:authorization:ManagementLockByScope",
    "asr-northeurope-fabric-westeurope": "azure-native:recoveryservices:ReplicationFabric",
    "asr-northeurope-fabric-northeurope": "azure-native:recoveryservices:ReplicationFabric",
    "asr-northeurope-container-westeurope": "azure-native:resources:Deployment",
    "asr-northeurope-container-northeurope": "azure-native:resources:Deployment",
    "asr-cache-westeurope-rg": "azure-native:resources:ResourceGroup",
    "asr-cache-westeurope-account": "azure-native:storage:StorageAccount",
    "asr-cache-westeurope-blob-service": "azure-native:storage:BlobServiceProperties",
    "asr-database-network-rg": "azure-native:resources:ResourceGroup",
    "asr-database-network-vnet": "azure-native:network:VirtualNetwork",
    "asr-database-network-subnet": "azure-native:network:Subnet",
    "asr-database-network-test-vnet": "azure-native:network:VirtualNetwork",
    "asr-database-network-test-subnet": "azure-native:network:Subnet",
    "asr-database-network-mapping": "azure-native:recoveryservices:ReplicationNetworkMapping",
    "asr-database-network-mapping-back": "azure-native:recoveryservices:ReplicationNetworkMapping",
    "asr-database-policy": "azure-native:recoveryservices:ReplicationPolicy",
    "asr-database-mapping": "azure-native:recoveryservices:ReplicationProtectionContainerMapping",
    "asr-database-mapping-back": "azure-native:recoveryservices:ReplicationProtectionContainerMapping",
    "asr-database-vm-0": "azure-native:recoveryservices:ReplicationProtectedItem",
    "asr-database-vm-1": "azure-native:recoveryservices:ReplicationProtectedItem",
    "asr-database-plan": "azure-native:recoveryservices:ReplicationRecoveryPlan",
}
#: retainOnDelete (and the vault protect, while it is on): destroy never asks Azure to delete these
RETAINED = {n for n in ASR if not n.endswith(("-rg", "-lock", "vnet", "subnet"))}


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[1]


def _asr(urn: str) -> bool:
    return "azure-iaas-dr:site_recovery:" in urn


def _creates(dev_up) -> dict[str, dict]:
    """Pulumi name -> the Create log entry of every Site Recovery resource (each created exactly once)."""
    creates = [e for e in dev_up["log"] if e["op"] == "create" and _asr(e["urn"])]
    assert len(creates) == len({e["urn"] for e in creates})
    return {_name(e["urn"]): e for e in creates}


def test_up_creates_every_site_recovery_resource_once_with_its_type(dev_up):
    got = {n: e["type"] for n, e in _creates(dev_up).items()}
    assert got == ASR
    export = json.loads(dev_up["export"].read_text())
    kept = {_name(r["urn"]) for r in export["deployment"]["resources"]
            if _asr(r["urn"]) and r.get("custom") and r.get("retainOnDelete")}
    assert kept == RETAINED


def test_vault_fabrics_and_containers_are_created_in_the_target_region(dev_up):
    c = _creates(dev_up)
    vault = c["asr-northeurope-vault"]
    assert vault["id"] == VAULT_ID
    assert vault["inputs"]["location"] == "northeurope"
    assert vault["inputs"]["vaultName"] == "rsv-dr-asr-northeurope"
    assert vault["inputs"]["tags"]["dr-purpose"] == "site-recovery"
    assert vault["inputs"]["properties"]["redundancySettings"] == {
        "standardTierStorageRedundancy": "GeoRedundant", "crossRegionRestore": "Enabled"}
    assert c["asr-northeurope-rg"]["inputs"]["location"] == "northeurope"
    for region in FABRIC:
        fabric = c[f"asr-northeurope-fabric-{region}"]
        assert fabric["id"] == FABRIC[region]
        assert {k: fabric["inputs"][k] for k in ("resourceName", "resourceGroupName", "fabricName", "properties")} == {
            **VAULT_INPUTS, "fabricName": f"asr-a2a-{region}",
            "properties": {"customDetails": {"instanceType": "Azure", "location": region}}}
        dep = c[f"asr-northeurope-container-{region}"]["inputs"]
        assert dep["resourceGroupName"] == "rg-dr-asr-northeurope"
        assert dep["deploymentName"] == f"rsv-dr-asr-northeurope-{region}-container"
        assert dep["properties"]["mode"] == "Incremental"
        assert dep["properties"]["template"]["resources"] == [{
            "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers",
            "apiVersion": "2024-10-01",
            "name": f"rsv-dr-asr-northeurope/asr-a2a-{region}/asr-a2a-{region}-container",
            "properties": {"providerSpecificInput": [{"instanceType": "A2A"}]}}]


def test_cache_account_is_zrs_general_purpose_v2_in_the_source_region_without_soft_delete(dev_up):
    c = _creates(dev_up)
    account = c["asr-cache-westeurope-account"]
    assert account["id"] == CACHE_ID
    a = account["inputs"]
    assert (a["location"], a["kind"], a["sku"], a["accountName"], a["allowSharedKeyAccess"]) == (
        "westeurope", "StorageV2", {"name": "Standard_ZRS"}, CACHE, True)
    assert a["tags"]["dr-purpose"] == "site-recovery-cache"
    blob = c["asr-cache-westeurope-blob-service"]["inputs"]
    assert (blob["accountName"], blob["deleteRetentionPolicy"], blob["containerDeleteRetentionPolicy"]) == (
        CACHE, {"enabled": False}, {"enabled": False})


def test_network_mappings_map_the_source_vnet_onto_the_target_vnet_both_ways(dev_up):
    c = _creates(dev_up)
    assert c["asr-database-network-vnet"]["inputs"]["location"] == "northeurope"
    assert c["asr-database-network-vnet"]["id"] == TARGET_VNET_ID
    there, back = c["asr-database-network-mapping"]["inputs"], c["asr-database-network-mapping-back"]["inputs"]
    assert {k: there[k] for k in ("fabricName", "networkName", "networkMappingName", "properties")} == {
        "fabricName": "asr-a2a-westeurope", "networkName": "database-vnet",
        "networkMappingName": "database-vnet-to-database-asr-vnet",
        "properties": {"recoveryNetworkId": TARGET_VNET_ID, "recoveryFabricName": "asr-a2a-northeurope",
                       "fabricSpecificDetails": {"instanceType": "AzureToAzure", "primaryNetworkId": SOURCE_VNET_ID}}}
    assert {k: back[k] for k in ("fabricName", "networkName", "networkMappingName", "properties")} == {
        "fabricName": "asr-a2a-northeurope", "networkName": "database-asr-vnet",
        "networkMappingName": "database-asr-vnet-to-database-vnet",
        "properties": {"recoveryNetworkId": SOURCE_VNET_ID, "recoveryFabricName": "asr-a2a-westeurope",
                       "fabricSpecificDetails": {"instanceType": "AzureToAzure", "primaryNetworkId": TARGET_VNET_ID}}}
    assert {k: there[k] for k in VAULT_INPUTS} == {k: back[k] for k in VAULT_INPUTS} == VAULT_INPUTS


def test_policy_and_container_mappings_have_the_configured_timings_and_managed_identity_auto_update(dev_up):
    c = _creates(dev_up)
    policy = c["asr-database-policy"]
    assert policy["id"] == POLICY_ID
    assert policy["inputs"]["properties"] == {"providerSpecificInput": {
        "instanceType": "A2A", "multiVmSyncStatus": "Enable", "crashConsistentFrequencyInMinutes": 5,
        "appConsistentFrequencyInMinutes": 240, "recoveryPointHistory": 1440}}
    for role, src, dst in (("mapping", "westeurope", "northeurope"), ("mapping-back", "northeurope", "westeurope")):
        m = c[f"asr-database-{role}"]["inputs"]
        assert {k: m[k] for k in ("fabricName", "protectionContainerName", "mappingName", "properties")} == {
            "fabricName": f"asr-a2a-{src}", "protectionContainerName": f"asr-a2a-{src}-container",
            "mappingName": f"database-{src}-to-{dst}",
            "properties": {"policyId": POLICY_ID, "targetProtectionContainerId": CONTAINER[dst],
                           "providerSpecificInput": {"instanceType": "A2A", "agentAutoUpdateStatus": "Enabled",
                                                     "automationAccountAuthenticationType": "SystemAssignedIdentity"}}}


def test_protected_items_map_every_managed_disk_and_the_plan_boots_both_vms(dev_up):
    c = _creates(dev_up)
    for i in (0, 1):
        vm = f"{SUB}/resourceGroups/rg-dr-database/providers/Microsoft.Compute/virtualMachines/database-vm-{i}"
        item = c[f"asr-database-vm-{i}"]
        assert item["id"] == f"{CONTAINER['westeurope']}/replicationProtectedItems/database-vm-{i}"
        a = item["inputs"]
        assert (a["fabricName"], a["protectionContainerName"], a["replicatedProtectedItemName"]) == (
            "asr-a2a-westeurope", "asr-a2a-westeurope-container", f"database-vm-{i}")
        assert a["properties"]["policyId"] == POLICY_ID
        d = a["properties"]["providerSpecificDetails"]
        assert {k: v for k, v in d.items() if k != "vmManagedDisks"} == {
            "instanceType": "A2A", "fabricObjectId": vm, "recoveryContainerId": CONTAINER["northeurope"],
            "recoveryResourceGroupId": TARGET_RG_ID, "recoveryAzureNetworkId": TARGET_VNET_ID,
            "recoverySubnetName": "database-asr-subnet", "recoveryAvailabilityZone": "1",
            "multiVmGroupName": "database"}
        disks = [f"{SUB}/resourceGroups/rg-dr-database/providers/Microsoft.Compute/disks/database-vm-{i}-{d}"
                 for d in ("os", "data-0", "data-1")]
        assert d["vmManagedDisks"] == [{
            "diskId": disk, "primaryStagingAzureStorageAccountId": CACHE_ID, "recoveryResourceGroupId": TARGET_RG_ID,
            "recoveryReplicaDiskAccountType": "Premium_ZRS", "recoveryTargetDiskAccountType": "Premium_ZRS"}
            for disk in disks]
    plan = c["asr-database-plan"]["inputs"]
    assert plan["recoveryPlanName"] == "rp-database"
    p = plan["properties"]
    assert (p["primaryFabricId"], p["recoveryFabricId"], p["failoverDeploymentModel"]) == (
        FABRIC["westeurope"], FABRIC["northeurope"], "ResourceManager")
    assert [g["groupType"] for g in p["groups"]] == ["Shutdown", "Failover", "Boot"]
    assert [x["id"] for x in p["groups"][2]["replicationProtectedItems"]] == [
        c[f"asr-database-vm-{i}"]["id"] for i in (0, 1)]


def test_destroy_deletes_no_retained_site_recovery_resource_and_each_other_one_once(dev_destroyed):
    """Both destroys (protect on, then off): the retainOnDelete ones (vault, fabrics, container deployments, cache
    account and blob service, mappings, policy, protected items, plan) get no Delete in the stand-in log; the
    resource groups, the vault's lock and the target/test networks get exactly one, in the second destroy (the
    first keeps the protected vault's group and deletes the lock, which the `pulumi up` in between re-creates)."""
    deletes = {phase: [_name(e["urn"]) for e in dev_destroyed[phase] if e["op"] == "delete" and _asr(e["urn"])]
               for phase in ("first", "second")}
    assert not (set(deletes["first"]) | set(deletes["second"])) & RETAINED
    assert sorted(deletes["second"]) == sorted(set(ASR) - RETAINED)
    assert "asr-northeurope-rg" not in deletes["first"] and "asr-northeurope-lock" in deletes["first"]
    # the retained items and the protected vault were never forgotten by Azure: no Create for them in between
    recreated = {_name(e["urn"]) for e in dev_destroyed["update"] if e["op"] == "create" and _asr(e["urn"])}
    assert "asr-northeurope-vault" not in recreated
