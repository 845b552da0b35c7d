"""The offline ARM-schema judge: real SDK serialisations pass; each kind of mistake is reported exactly."""

from __future__ import annotations

import copy
import json

import pytest

from . import sdk_cases
from .validate import (
    RESOURCE_TYPES,
    UNKNOWN,
    UnsupportedType,
    path_parameters,
    sdk_input_names,
    to_arm_body,
    validate_capture,
    validate_inputs,
)

DEL = object()
VAULT = "azure-native:recoveryservices:Vault"


@pytest.fixture(scope="module")
def cases():
    return sdk_cases.recorded_inputs()


def mutate(inputs: dict, path: list, value) -> dict:
    out = copy.deepcopy(inputs)
    cur = out
    for part in path[:-1]:
        cur = cur[part]
    if value is DEL:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return out


def judge(cases, case: str, inputs=None) -> list[str]:
    pulumi_type, name, recorded = cases[case]
    return validate_inputs(pulumi_type, recorded if inputs is None else inputs, resource_name=name)


CASES = ["rg", "vault", "policy", "protected", "avset", "vm", "disk", "snapshot", "gallery", "image",
         "imageversion", "rpc", "storage", "blob", "vnet", "subnet", "nic", "nsg", "lock"]


@pytest.mark.parametrize("case", CASES)
def test_sdk_serialisation_passes(cases, case):
    assert judge(cases, case) == []


def test_every_declared_case_is_covered(cases):
    assert sorted(cases) == sorted(CASES)
    assert {cases[c][0] for c in CASES} <= set(RESOURCE_TYPES)


P = "properties"
# (case, path in the recorded inputs, new value or DEL, exact problems)
MUTATIONS = [
    ("vault", [P, "redundancySettings", "standardTierStorageRedundancy"], "GeoRedundnt",
     "properties.redundancySettings.standardTierStorageRedundancy: 'GeoRedundnt' is not one of "
     "['Invalid', 'LocallyRedundant', 'GeoRedundant', 'ZoneRedundant']"),
    ("vault", [P, "securitySettings", "softDeleteSettings", "softDeleteRetentionPeriodInDays"], "14",
     "properties.securitySettings.softDeleteSettings.softDeleteRetentionPeriodInDays: '14' is not of type 'integer'"),
    ("vault", ["sku", "name"], DEL, "sku: 'name' is a required property"),
    ("vault", [P, "redundancySettings", "crossRegionRestores"], "Enabled",
     "properties.redundancySettings: Additional properties are not allowed ('crossRegionRestores' was unexpected)"),
    ("policy", [P, "schedulePolicy", "scheduleRunFrequency"], "Hourley",
     "properties.schedulePolicy.scheduleRunFrequency: 'Hourley' is not one of ['Invalid', 'Daily', 'Weekly', 'Hourly']"),
    ("policy", [P, "retentionPolicy", "retentionPolicyType"], "LongTerm",
     "properties.retentionPolicy.retentionPolicyType: 'LongTerm' is not one of "
     "['LongTermRetentionPolicy', 'SimpleRetentionPolicy']"),
    ("policy", [P, "retentionPolicy", "dailySchedule", "retentionDuration", "count"], "30",
     "properties.retentionPolicy.dailySchedule.retentionDuration.count: '30' is not of type 'integer'"),
    ("policy", [P, "backupManagementType"], DEL, "properties: 'backupManagementType' is a required property"),
    ("policy", [P, "schedulePolicy", "hourlySchedule", "intervalHours"], 4.0,
     "properties.schedulePolicy.hourlySchedule: Additional properties are not allowed ('intervalHours' was unexpected)"),
    ("protected", [P, "protectedItemType"], "Microsoft.Compute/virtualMachine",
     "properties.protectedItemType: 'Microsoft.Compute/virtualMachine' is not one of ['AzureFileShareProtectedItem', "
     "'AzureVmWorkloadSAPAseDatabase', 'AzureVmWorkloadSAPHanaDBInstance', 'AzureVmWorkloadSAPHanaDatabase', "
     "'AzureVmWorkloadSQLDatabase', 'DPMProtectedItem', 'GenericProtectedItem', 'MabFileFolderProtectedItem', "
     "'Microsoft.ClassicCompute/virtualMachines', 'Microsoft.Compute/virtualMachines', 'Microsoft.Sql/servers/databases']"),
    ("protected", [P, "sourceResourceId"], 42.0, "properties.sourceResourceId: 42 is not of type 'string'"),
    ("protected", [P, "protectedItemType"], DEL, "properties: 'protectedItemType' is a required property"),
    ("protected", [P, "isScheduledForDeferredDeletion"], True,
     "properties: Additional properties are not allowed ('isScheduledForDeferredDeletion' was unexpected)"),
    ("avset", ["platformFaultDomainCount"], 2.5, "properties.platformFaultDomainCount: 2.5 is not of type 'integer'"),
    ("avset", ["tags", "owner"], 1.0, "tags.owner: 1 is not of type 'string'"),
    ("avset", ["proximityPlacementGroupId"], "x",
     "properties: Additional properties are not allowed ('proximityPlacementGroupId' was unexpected)"),
    ("vm", ["securityProfile", "securityType"], "Trustedlaunch",
     "properties.securityProfile.securityType: 'Trustedlaunch' is not one of ['TrustedLaunch', 'ConfidentialVM']"),
    ("vm", ["osProfile", "linuxConfiguration", "disablePasswordAuthentication"], "true",
     "properties.osProfile.linuxConfiguration.disablePasswordAuthentication: 'true' is not of type 'boolean'"),
    ("vm", ["storageProfile", "osDisk", "createOption"], DEL,
     "properties.storageProfile.osDisk: 'createOption' is a required property"),
    ("vm", ["storageProfile", "osDisk", "managedDisk", "zrs"], True,
     "properties.storageProfile.osDisk.managedDisk: Additional properties are not allowed ('zrs' was unexpected)"),
    ("disk", ["sku", "name"], "Premium_GRS",
     "sku.name: 'Premium_GRS' is not one of ['Standard_LRS', 'Premium_LRS', 'StandardSSD_LRS', 'UltraSSD_LRS', "
     "'Premium_ZRS', 'StandardSSD_ZRS', 'PremiumV2_LRS']"),
    ("disk", ["diskSizeGB"], "128", "properties.diskSizeGB: '128' is not of type 'integer'"),
    ("disk", ["creationData", "createOption"], DEL, "properties.creationData: 'createOption' is a required property"),
    ("disk", ["burstingEnabledd"], True,
     "properties: Additional properties are not allowed ('burstingEnabledd' was unexpected)"),
    ("snapshot", ["creationData", "createOption"], "Copystart",
     "properties.creationData.createOption: 'Copystart' is not one of ['Empty', 'Attach', 'FromImage', 'Import', "
     "'Copy', 'Restore', 'Upload', 'CopyStart', 'ImportSecure', 'UploadPreparedSecure', 'CopyFromSanSnapshot']"),
    ("snapshot", ["incremental"], "yes", "properties.incremental: 'yes' is not of type 'boolean'"),
    ("snapshot", ["creationData"], DEL, "properties: 'creationData' is a required property"),
    ("snapshot", ["creationData", "sourceUri2"], "x",
     "properties.creationData: Additional properties are not allowed ('sourceUri2' was unexpected)"),
    ("nsg", ["securityRules", 0, "access"], "Permit",
     "properties.securityRules[0].properties.access: 'Permit' is not one of ['Allow', 'Deny']"),
    ("nsg", ["securityRules", 0, "priority"], "100",
     "properties.securityRules[0].properties.priority: '100' is not of type 'integer'"),
    ("nsg", ["securityRules", 0, "protocol"], DEL,
     "properties.securityRules[0].properties: 'protocol' is a required property"),
    ("nsg", ["securityRules", 0, "sourcePort"], "*",
     "properties.securityRules[0].properties: Additional properties are not allowed ('sourcePort' was unexpected)"),
    ("storage", ["sku", "name"], "Standard_GRZS",
     "sku.name: 'Standard_GRZS' is not one of ['Standard_LRS', 'Standard_GRS', 'Standard_RAGRS', 'Standard_ZRS', "
     "'Premium_LRS', 'Premium_ZRS', 'Standard_GZRS', 'Standard_RAGZRS', 'StandardV2_LRS', 'StandardV2_GRS', "
     "'StandardV2_ZRS', 'StandardV2_GZRS', 'PremiumV2_LRS', 'PremiumV2_ZRS']"),
    ("storage", ["enableHttpsTrafficOnly"], "true",
     "properties.supportsHttpsTrafficOnly: 'true' is not of type 'boolean'"),
    ("storage", ["sku", "name"], DEL, "sku: 'name' is a required property"),
    ("storage", ["allowBlobPublicAcess"], False,
     "properties: Additional properties are not allowed ('allowBlobPublicAcess' was unexpected)"),
    ("imageversion", ["publishingProfile", "targetRegions", 0, "storageAccountType"], "Standard_GRS",
     "properties.publishingProfile.targetRegions[0].storageAccountType: 'Standard_GRS' is not one of "
     "['Standard_LRS', 'Standard_ZRS', 'Premium_LRS', 'PremiumV2_LRS']"),
    ("imageversion", ["publishingProfile", "replicaCount"], "1",
     "properties.publishingProfile.replicaCount: '1' is not of type 'integer'"),
    ("imageversion", ["publishingProfile", "targetRegions", 0, "name"], DEL,
     "properties.publishingProfile.targetRegions[0]: 'name' is a required property"),
    ("imageversion", ["storageProfile", "source", "vmId"], "x",
     "properties.storageProfile.source: Additional properties are not allowed ('vmId' was unexpected)"),
]


@pytest.mark.parametrize(
    "case,path,value,expected", MUTATIONS,
    ids=[f"{c}-{'.'.join(map(str, p))}-{'missing' if v is DEL else 'bad'}" for c, p, v, _ in MUTATIONS],
)
def test_mutation_is_reported_exactly(cases, case, path, value, expected):
    pulumi_type = cases[case][0]
    assert judge(cases, case, mutate(cases[case][2], path, value)) == [f"{pulumi_type} {expected}"]


def test_several_problems_are_all_reported_sorted(cases):
    inputs = mutate(cases["vault"][2], [P, "publicNetworkAccess"], "Off")
    inputs = mutate(inputs, ["sku", "tier"], 3.0)
    assert judge(cases, "vault", inputs) == [
        f"{VAULT} properties.publicNetworkAccess: 'Off' is not one of ['Enabled', 'Disabled']",
        f"{VAULT} sku.tier: 3 is not of type 'string'",
    ]


def test_vault_body_keeps_properties_and_drops_path_parameters(cases):
    pulumi_type, name, inputs = cases["vault"]
    body = to_arm_body(pulumi_type, inputs, resource_name=name)
    assert body == {
        "name": "rsv-dr", "type": "Microsoft.RecoveryServices/vaults", "apiVersion": "2024-10-01",
        "location": "westeurope", "sku": {"name": "RS0", "tier": "Standard"}, "tags": {"dr-tier": "database"},
        "properties": inputs["properties"] | {"securitySettings": {
            "softDeleteSettings": {"softDeleteState": "AlwaysON", "softDeleteRetentionPeriodInDays": 14},
            "immutabilitySettings": {"state": "Unlocked"}}},
    }
    assert type(body["properties"]["securitySettings"]["softDeleteSettings"]["softDeleteRetentionPeriodInDays"]) is int


def test_storage_body_unflattens_and_maps_renamed_inputs(cases):
    pulumi_type, name, inputs = cases["storage"]
    assert to_arm_body(pulumi_type, inputs, resource_name=name) == {
        "name": "stdrdiag01", "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2024-01-01",
        "sku": {"name": "Standard_GZRS"}, "kind": "StorageV2", "location": "westeurope",
        "properties": {
            "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices",
                            "ipRules": [{"value": "203.0.113.0/24", "action": "Allow"}]},
            "minimumTlsVersion": "TLS1_2", "supportsHttpsTrafficOnly": True, "allowBlobPublicAccess": False,
        },
    }


def test_nested_flattened_objects_get_their_properties_back(cases):
    pulumi_type, name, inputs = cases["nsg"]
    body = to_arm_body(pulumi_type, inputs, resource_name=name)
    assert body["properties"]["securityRules"] == [{
        "name": "allow-ssh-from-bastion",
        "properties": {"sourcePortRange": "*", "direction": "Inbound", "sourceAddressPrefix": "10.10.250.0/26",
                       "access": "Allow", "destinationAddressPrefix": "*", "destinationPortRange": "22",
                       "protocol": "Tcp", "priority": 100},
    }]


def test_child_resource_names_have_one_segment_per_type_level(cases):
    bodies = {c: to_arm_body(cases[c][0], cases[c][2], resource_name=c) for c in ("blob", "policy", "protected")}
    assert bodies["blob"]["name"] == "stdrdiag01/default"
    assert bodies["policy"]["name"] == "rsv-dr/vm-hourly"
    assert bodies["protected"]["name"] == (
        "rsv-dr/Azure/iaasvmcontainer;iaasvmcontainerv2;rg-dr;app-1/vm;iaasvmcontainerv2;rg-dr;app-1")
    wrong = mutate(cases["blob"][2], ["blobServicesName"], "other")
    assert judge(cases, "blob", wrong) == [
        "azure-native:storage:BlobServiceProperties name: 'stdrdiag01/other' does not match '^.*/default$'"]


def test_gallery_name_pattern_is_a_dotnet_regex_and_still_checked(cases):
    assert judge(cases, "gallery", mutate(cases["gallery"][2], ["galleryName"], "-bad")) == [
        r"azure-native:compute:Gallery name: '-bad' does not match '^[^_\\W][\\w\\-._]{0,79}(?<![-.])$'"]


def test_resource_group_always_sends_properties(cases):
    pulumi_type, name, inputs = cases["rg"]
    assert to_arm_body(pulumi_type, inputs, resource_name=name)["properties"] == {}


def test_autonamed_resource_uses_the_logical_name(cases):
    pulumi_type, _, inputs = cases["disk"]
    inputs = {k: v for k, v in inputs.items() if k != "diskName"}
    assert to_arm_body(pulumi_type, inputs, resource_name="disk-logical")["name"] == "disk-logical"


def test_preview_unknowns_are_skipped():
    previewed = sdk_cases.recorded_inputs(preview=True)
    assert all(validate_inputs(t, i, resource_name=n) == [] for t, n, i in previewed.values())


@pytest.mark.parametrize("placeholder", [UNKNOWN, "[secret]",
                                         {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                                          "ciphertext": "v1:abc"}])
def test_unknown_and_secret_leaves_could_be_anything_valid(cases, placeholder):
    inputs = mutate(cases["vault"][2], [P, "redundancySettings", "standardTierStorageRedundancy"], placeholder)
    inputs = mutate(inputs, ["sku"], placeholder)
    assert judge(cases, "vault", inputs) == []
    assert judge(cases, "vault", mutate(inputs, ["vaultName"], placeholder)) == []


def test_unknown_leaf_does_not_hide_a_sibling_mistake(cases):
    inputs = mutate(cases["vault"][2], [P, "redundancySettings", "standardTierStorageRedundancy"], UNKNOWN)
    inputs = mutate(inputs, [P, "redundancySettings", "crossRegionRestore"], "On")
    assert judge(cases, "vault", inputs) == [
        f"{VAULT} properties.redundancySettings.crossRegionRestore: 'On' is not one of ['Enabled', 'Disabled']"]


def test_template_expressions_are_accepted_only_in_brackets(cases):
    path = [P, "redundancySettings", "standardTierStorageRedundancy"]
    assert judge(cases, "vault", mutate(cases["vault"][2], path, "[parameters('redundancy')]")) == []
    assert judge(cases, "vault", mutate(cases["vault"][2], path, "[parameters('redundancy')")) == [
        f"{VAULT} properties.redundancySettings.standardTierStorageRedundancy: \"[parameters('redundancy')\" "
        "is not one of ['Invalid', 'LocallyRedundant', 'GeoRedundant', 'ZoneRedundant']"]


def test_integral_floats_are_integers_but_fractions_are_not(cases):
    assert judge(cases, "disk", mutate(cases["disk"][2], ["diskSizeGB"], 256.0)) == []
    assert judge(cases, "disk", mutate(cases["disk"][2], ["diskSizeGB"], 256.5)) == [
        "azure-native:compute:Disk properties.diskSizeGB: 256.5 is not of type 'integer'"]


@pytest.mark.parametrize("pulumi_type", sorted(RESOURCE_TYPES))
def test_name_params_are_sdk_path_parameters(pulumi_type):
    params = path_parameters(pulumi_type)
    assert set(RESOURCE_TYPES[pulumi_type].name_params) <= params
    assert params <= set(sdk_input_names(pulumi_type))


def test_path_parameters_are_derived_not_listed():
    assert path_parameters("azure-native:recoveryservices:ProtectedItem") == {
        "resourceGroupName", "vaultName", "fabricName", "containerName", "protectedItemName"}
    # renamed ARM properties (supportsHttpsTrafficOnly, isNfsV3Enabled, networkAcls) are not path parameters
    assert path_parameters("azure-native:storage:StorageAccount") == {"resourceGroupName", "accountName"}


def test_unsupported_type_is_a_clear_error():
    with pytest.raises(UnsupportedType, match=r"^azure-native:compute:VirtualMachineScaleSet: no ARM resource "
                                              r"definition in tests/armschema \(known: "):
        validate_inputs("azure-native:compute:VirtualMachineScaleSet", {})


def test_validate_capture_judges_known_types_by_urn(cases):
    capture = sdk_cases._capture(False)
    result = validate_capture(capture.resources)
    custom = [r for r in capture.resources if r.custom]
    assert sorted(result) == sorted(r.urn for r in custom)
    assert all(problems == [] for problems in result.values())
    vault = next(r for r in custom if r.name == "vault")
    broken = [{"urn": vault.urn, "type": vault.type, "name": vault.name,
               "inputs": mutate(vault.inputs, ["sku", "name"], DEL)},
              {"urn": "urn:pulumi:test::armschema::pulumi:pulumi:Stack::armschema-test",
               "type": "pulumi:pulumi:Stack", "name": "armschema-test", "inputs": {}}]
    assert validate_capture(broken) == {vault.urn: [f"{VAULT} sku: 'name' is a required property"]}


def test_schema_copies_match_their_recorded_provenance():
    import hashlib
    from pathlib import Path

    base = Path(__file__).resolve().parent.parent / "data" / "arm-schemas"
    rows = [line.split("|") for line in (base / "SOURCES.md").read_text().splitlines()
            if line.startswith("| ") and line.count("|") == 7 and ".json" in line]
    assert len(rows) == 11
    for row in rows:
        rel, sha = row[1].strip(), row[6].strip()
        data = (base / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha, rel
        json.loads(data)
