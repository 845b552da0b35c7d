"""Stack outputs (schema version 1): the document of the dev program, the JSON schema, and its failure cases."""

from pathlib import Path

import jsonschema
import pytest

from components.arm_mocks import SUBSCRIPTION_ID
from components.outputs import (
    ADDED_KEYS,
    ALL_KEYS,
    OUTPUT_JSON_SCHEMA,
    SCHEMA_VERSION,
    StackOutputs,
    build_stack_outputs,
    export_stack_outputs,
    required_keys,
)
from posture.capture import capture_program, run_in_mocks

ROOT = Path(__file__).resolve().parents[2]
RG = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups"


@pytest.fixture(scope="module")
def dev():
    return capture_program(ROOT, "dev", preview=False)


def test_dev_stack_exports_schema_version_1(dev):
    out = dev.stack_outputs
    doc = {k: out[k] for k in required_keys()}
    jsonschema.validate(doc, OUTPUT_JSON_SCHEMA)
    assert (doc["schemaVersion"], doc["primaryRegion"], doc["drRegion"]) == ("1", "westeurope", "northeurope")
    vault_id = f"{RG}/rg-dr-backup-westeurope/providers/Microsoft.RecoveryServices/vaults/rsv-dr-westeurope"
    assert doc["vaults"] == {"westeurope": {"id": vault_id, "name": "rsv-dr-westeurope",
                                            "resourceGroupName": "rg-dr-backup-westeurope"}}
    policies = {p["name"]: p for p in doc["policies"]["westeurope"]}
    assert sorted(doc["policyIds"]["westeurope"]) == ["app-server", "database", "reporting"]
    for tier, pid in doc["policyIds"]["westeurope"].items():
        name = pid.rsplit("/", 1)[1]
        assert pid == f"{vault_id}/backupPolicies/{name}" and policies[name]["tier"] == tier
    db = next(p for p in policies.values() if p["tier"] == "database")
    assert {k: db[k] for k in ("policyType", "frequency", "intervalHours", "workloads")} == {
        "policyType": "V2", "frequency": "Hourly", "intervalHours": 4, "workloads": ["database"]}
    assert doc["availabilitySets"] == {
        "database": f"{RG}/rg-dr-database/providers/Microsoft.Compute/availabilitySets/database-avset",
        "app": f"{RG}/rg-dr-app/providers/Microsoft.Compute/availabilitySets/app-avset"}
    assert doc["workloads"]["reporting"] == {"tier": "reporting", "region": "westeurope", "drRegion": "northeurope",
                                             "resourceGroupName": "rg-dr-reporting", "vmCount": 1,
                                             "availabilitySetId": None}


def test_dev_stack_exports_every_key_including_those_added_within_version_1(dev):
    out = dev.stack_outputs
    assert sorted(out) == sorted(ALL_KEYS)  # exactly the schema's keys, nothing else
    jsonschema.validate(out, OUTPUT_JSON_SCHEMA)
    [account] = dev.find("azure-native:storage:StorageAccount", "config-backup-account")  # not the ASR cache
    [state, templates] = dev.find("azure-native:storage:BlobContainer")
    assert out["configBackup"] == {
        "accountId": account.id, "accountName": account.inputs["accountName"],
        "resourceGroupName": "rg-dr-config-westeurope", "stateContainer": state.inputs["containerName"],
        "templatesContainer": templates.inputs["containerName"],
        "backendUrl": f"azblob://{state.inputs['containerName']}?storage_account={account.inputs['accountName']}"}
    assert account.id == (f"{RG}/rg-dr-config-westeurope/providers/Microsoft.Storage/storageAccounts/"
                          f"{account.inputs['accountName']}")
    [version] = dev.find("azure-native:compute:GalleryImageVersion", "images-westeurope-reporting-version")
    assert out["imageVersionIds"] == {"reporting": version.id}
    assert version.id.startswith(f"{RG}/rg-dr-config-westeurope/providers/Microsoft.Compute/galleries/")


def test_config_backup_disabled_leaves_the_key_out_and_still_validates():
    cap = capture_program(ROOT, "dev", preview=False, config_override={"azure-iaas-dr:configBackup": {"enabled": False}})
    out = cap.stack_outputs
    assert sorted(out) == sorted(k for k in ALL_KEYS if k != "configBackup")
    assert [a.name for a in cap.find("azure-native:storage:StorageAccount")] == ["asr-cache-westeurope-account"]
    jsonschema.validate(out, OUTPUT_JSON_SCHEMA)


def test_versioning_rule_old_documents_and_newer_keys_both_validate(dev):
    """Additive within version 1: a document written before the added keys still validates, and a reader's
    copy of the schema accepts a top-level key added later; a new field inside an object does not."""
    assert ADDED_KEYS == ("configBackup", "imageVersionIds", "deploymentRecord")
    old = {k: dev.stack_outputs[k] for k in required_keys()}
    jsonschema.validate(old, OUTPUT_JSON_SCHEMA)
    jsonschema.validate({**dev.stack_outputs, "someFutureKey": {"x": 1}}, OUTPUT_JSON_SCHEMA)
    with pytest.raises(jsonschema.ValidationError, match="'extra' was unexpected"):
        jsonschema.validate({**dev.stack_outputs, "configBackup": {**dev.stack_outputs["configBackup"], "extra": "x"}},
                            OUTPUT_JSON_SCHEMA)


def test_deployment_record_registrations_are_optional_and_checked(dev):
    """The record's rule one level down: `registrations` (added within record version 1) may be absent, and is
    validated when present."""
    import copy
    rec = dev.stack_outputs["deploymentRecord"]
    assert rec["registrations"]["westeurope"]["vault"] == "rsv-dr-westeurope"
    older = {k: v for k, v in rec.items() if k != "registrations"}
    jsonschema.validate({**dev.stack_outputs, "deploymentRecord": older}, OUTPUT_JSON_SCHEMA)
    bad = copy.deepcopy(dict(dev.stack_outputs))
    bad["deploymentRecord"]["registrations"]["westeurope"]["recent"] = [{"at": "2026-12-02 08:00", "vms": 1}]
    with pytest.raises(jsonschema.ValidationError, match="does not match"):
        jsonschema.validate(bad, OUTPUT_JSON_SCHEMA)


def test_every_policy_id_exported_is_a_declared_policy(dev):
    declared = {r.id for r in dev.find("azure-native:recoveryservices:ProtectionPolicy")}
    exported = {p["id"] for p in dev.stack_outputs["policies"]["westeurope"]}
    assert exported == declared and len(declared) == 3


@pytest.mark.parametrize("mutate,fragment", [
    (lambda d: d.update(schemaVersion="2"), "'1' was expected"),
    (lambda d: d.pop("vaults"), "'vaults' is a required property"),
    (lambda d: d["policyIds"]["westeurope"].update(gold="/p"), "'gold' is not one of"),
    (lambda d: d["workloads"]["reporting"].pop("vmCount"), "'vmCount' is a required property"),
    (lambda d: d.update(imageVersionIds={"reporting": ""}), "'' should be non-empty"),
    (lambda d: d["configBackup"].pop("backendUrl"), "'backendUrl' is a required property"),
], ids=["version", "no-vaults", "unknown-tier", "no-vm-count", "empty-image-id", "config-backup-incomplete"])
def test_schema_rejects_broken_documents(dev, mutate, fragment):
    import copy
    doc = copy.deepcopy(dict(dev.stack_outputs))
    mutate(doc)
    with pytest.raises(jsonschema.ValidationError, match=fragment):
        jsonschema.validate(doc, OUTPUT_JSON_SCHEMA)


def test_schema_keys_match_the_typed_dict():
    assert SCHEMA_VERSION == "1"
    assert OUTPUT_JSON_SCHEMA["required"] == list(required_keys()) == [
        "schemaVersion", "primaryRegion", "drRegion", "vaults", "policyIds", "policies", "availabilitySets",
        "workloads"]
    assert list(OUTPUT_JSON_SCHEMA["properties"]) == list(StackOutputs.__annotations__) == list(ALL_KEYS) == [
        *required_keys(), "configBackup", "imageVersionIds", "deploymentRecord"]
    assert sorted(StackOutputs.__optional_keys__) == sorted(ADDED_KEYS)


def test_export_refuses_an_incomplete_document():
    def program():
        export_stack_outputs({"schemaVersion": "1", "primaryRegion": "westeurope"})
    with pytest.raises(ValueError, match=r"^stack outputs lack drRegion, vaults, policyIds, policies, "
                                         r"availabilitySets, workloads, configBackup, imageVersionIds, "
                                         r"deploymentRecord \(schema version 1\)$"):
        run_in_mocks(program, project="azure-iaas-dr", stack="test")


def test_export_refuses_a_key_outside_the_schema():
    def program():
        export_stack_outputs({**{k: {} for k in ALL_KEYS}, "vaultIds": {}})
    with pytest.raises(ValueError, match=r"^stack outputs have unknown keys vaultIds: schema version 1 has "
                                         r"schemaVersion, .*, configBackup, imageVersionIds, deploymentRecord \(add a key to the schema"
                                         r" first\)$"):
        run_in_mocks(program, project="azure-iaas-dr", stack="test")


def test_config_backup_needs_its_resource_group():
    with pytest.raises(ValueError, match="^build_stack_outputs: config_backup_resource_group_name is required"):
        build_stack_outputs(None, vaults={}, policies={}, availability_set_ids={}, workload_resource_groups={},
                            config_backup=object())
