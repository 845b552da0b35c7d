"""AZDR-RSV-*: Recovery Services vault rules."""

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from azdr_policies import RULES_BY_ID

from .cases import Case, params
from .factories import DELETE, mutate, vault_props
from .harness import run_resource

RED = "properties.redundancySettings.standardTierStorageRedundancy"
CRR = "properties.redundancySettings.crossRegionRestore"

GRS_FIX = f"set {RED} to 'GeoRedundant'"


def _grs_fail(value: str, allowed: str = "'GeoRedundant'") -> str:
    return (f"[AZDR-RSV-001] vault 'rsv' stores backups {value}: a regional disaster would take the only copy; "
            f"set {RED} to {allowed}")


def _crr_off(value: str) -> str:
    return (f"[AZDR-RSV-002] vault 'rsv' is GeoRedundant but cross-region restore is {value} (not set means "
            f"Disabled): backups in the paired region cannot be restored until Microsoft declares a regional "
            f"outage; set {CRR} to 'Enabled'")


def _crr_needs_grs(value: str) -> str:
    return (f"[AZDR-RSV-002] vault 'rsv' enables cross-region restore with {value} storage: Azure accepts "
            f"cross-region restore only on GeoRedundant vaults; {GRS_FIX}")


V = vault_props()
ZRS_OK = "'GeoRedundant' (or 'ZoneRedundant', allowed by config)"

CASES = [
    # AZDR-RSV-001
    Case("AZDR-RSV-001", "pass-geo-redundant", V, name="rsv"),
    Case("AZDR-RSV-001", "pass-missing-defaults-to-grs", mutate(V, "properties.redundancySettings", DELETE), name="rsv"),
    Case("AZDR-RSV-001", "pass-no-properties-at-all", mutate(V, "properties", DELETE), name="rsv"),
    Case("AZDR-RSV-001", "pass-case-insensitive", mutate(V, RED, "georedundant"), name="rsv"),
    Case("AZDR-RSV-001", "pass-zrs-allowed-by-config", mutate(V, RED, "ZoneRedundant"), name="rsv",
         config={"allowZoneRedundant": True}),
    Case("AZDR-RSV-001", "fail-locally-redundant", mutate(V, RED, "LocallyRedundant"),
         [_grs_fail("'LocallyRedundant'")], name="rsv"),
    Case("AZDR-RSV-001", "fail-zone-redundant-by-default", mutate(V, RED, "ZoneRedundant"),
         [_grs_fail("'ZoneRedundant'")], name="rsv"),
    Case("AZDR-RSV-001", "fail-lrs-even-when-zrs-allowed", mutate(V, RED, "LocallyRedundant"),
         [_grs_fail("'LocallyRedundant'", ZRS_OK)], name="rsv", config={"allowZoneRedundant": True}),
    Case("AZDR-RSV-001", "fail-invalid", mutate(V, RED, "Invalid"), [_grs_fail("'Invalid'")], name="rsv"),
    Case("AZDR-RSV-001", "fail-wrong-type", mutate(V, RED, 3), [_grs_fail("3")], name="rsv"),
    # AZDR-RSV-002
    Case("AZDR-RSV-002", "pass-grs-with-crr", V, name="rsv"),
    Case("AZDR-RSV-002", "pass-missing-redundancy-with-crr", mutate(V, RED, DELETE), name="rsv"),
    Case("AZDR-RSV-002", "pass-lrs-without-crr-left-to-rsv-001",
         mutate(mutate(V, RED, "LocallyRedundant"), CRR, "Disabled"), name="rsv"),
    Case("AZDR-RSV-002", "fail-grs-crr-disabled", mutate(V, CRR, "Disabled"), [_crr_off("'Disabled'")], name="rsv"),
    Case("AZDR-RSV-002", "fail-grs-crr-missing", mutate(V, CRR, DELETE), [_crr_off("not set")], name="rsv"),
    Case("AZDR-RSV-002", "fail-no-properties", mutate(V, "properties", DELETE), [_crr_off("not set")], name="rsv"),
    Case("AZDR-RSV-002", "fail-crr-on-lrs", mutate(V, RED, "LocallyRedundant"),
         [_crr_needs_grs("'LocallyRedundant'")], name="rsv"),
    Case("AZDR-RSV-002", "fail-crr-on-zrs", mutate(V, RED, "ZoneRedundant"),
         [_crr_needs_grs("'ZoneRedundant'")], name="rsv"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()


@pytest.mark.parametrize("rule_id,path", [("AZDR-RSV-001", RED), ("AZDR-RSV-002", CRR), ("AZDR-RSV-002", RED)])
def test_unknown_is_advisory(rule_id, path):
    """Unknown during preview: the SDK's UnknownValueError propagates (the servicer reports an advisory)."""
    with pytest.raises(UnknownValueError) as info:
        run_resource(RULES_BY_ID[rule_id], mutate(V, path, UNKNOWN_STRING_VALUE), name="rsv")
    assert info.value.message == f"string value at .{path} can't be known during preview"


def test_other_types_are_ignored():
    res = run_resource(RULES_BY_ID["AZDR-RSV-001"], mutate(V, RED, "LocallyRedundant"),
                       type_="azure-native:recoveryservices:ProtectionPolicy")
    assert res.violations == [] and res.failures == []


def test_ints_arrive_as_floats():
    """The harness mirrors gRPC: an int in the props is a float inside the rule."""
    from .harness import wire

    assert wire({"a": {"b": 14}})["a"]["b"] == 14.0
    assert isinstance(wire({"a": {"b": 14}})["a"]["b"], float)
