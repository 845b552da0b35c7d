"""Stack outputs (schema version 1): the document of the dev program, the JSON schema, and its failure cases."""

from pathlib import Path

import jsonschema
import pytest

from components.arm_mocks import SUBSCRIPTION_ID
from components.outputs import OUTPUT_JSON_SCHEMA, SCHEMA_VERSION, StackOutputs, export_stack_outputs, required_keys
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


def test_every_policy_id_exported_is_a_declared_policy(dev):
    declared = {r.id for r in dev.find("azure-native:recoveryservices:ProtectionPolicy")}
    exported = {p["id"] for p in dev.stack_outputs["policies"]["westeurope"]}
    assert exported == declared and len(declared) == 3


@pytest.mark.parametrize("mutate,fragment", [
    (lambda d: d.update(schemaVersion="2"), "'1' was expected"),
    (lambda d: d.pop("vaults"), "'vaults' is a required property"),
    (lambda d: d["policyIds"]["westeurope"].update(gold="/p"), "'gold' is not one of"),
    (lambda d: d["workloads"]["reporting"].pop("vmCount"), "'vmCount' is a required property"),
], ids=["version", "no-vaults", "unknown-tier", "no-vm-count"])
def test_schema_rejects_broken_documents(dev, mutate, fragment):
    import copy
    doc = copy.deepcopy({k: dev.stack_outputs[k] for k in required_keys()})
    mutate(doc)
    with pytest.raises(jsonschema.ValidationError, match=fragment):
        jsonschema.validate(doc, OUTPUT_JSON_SCHEMA)


def test_schema_keys_match_the_typed_dict():
    assert SCHEMA_VERSION == "1"
    assert OUTPUT_JSON_SCHEMA["required"] == list(StackOutputs.__annotations__) == [
        "schemaVersion", "primaryRegion", "drRegion", "vaults", "policyIds", "policies", "availabilitySets",
        "workloads"]


def test_export_refuses_an_incomplete_document():
    def program():
        export_stack_outputs({"schemaVersion": "1", "primaryRegion": "westeurope"})
    with pytest.raises(ValueError, match=r"^stack outputs lack drRegion, vaults, policyIds, policies, "
                                         r"availabilitySets, workloads \(schema version 1\)$"):
        run_in_mocks(program, project="azure-iaas-dr", stack="test")
