"""Whole-pack tests: the unchanged pack (`policies/__main__.py`) as its own process, driven over
the Analyzer gRPC protocol by `posture.analyzer.PolicyPackProcess` (info, Configure with the
engine's reconciliation, Analyze per resource, AnalyzeStack once)."""

from pathlib import Path

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from posture.analyzer import PolicyPackProcess
from posture.capture import Registration
from posture.errors import PostureError

from .factories import lock_by_scope_props, mutate, vault_id, vault_props
from .harness import urn_of

PACK = Path(__file__).resolve().parents[2] / "policies"
VAULT_T = "azure-native:recoveryservices:Vault"
LOCK_T = "azure-native:authorization:ManagementLockByScope"
RED = "properties.redundancySettings.standardTierStorageRedundancy"
VURN = urn_of(VAULT_T, "rsv")
LOCK_URN = urn_of(LOCK_T, "rsv-lock")
GRS_DESC = "Recovery Services vaults must store backups geo-redundantly (GeoRedundant)."
LRS_MSG = ("[AZDR-RSV-001] vault 'rsv' stores backups 'LocallyRedundant': a regional disaster would take the only "
           "copy; set properties.redundancySettings.standardTierStorageRedundancy to 'GeoRedundant'")


@pytest.fixture(scope="module")
def pack():
    mp = pytest.MonkeyPatch()
    mp.setenv("AZDR_POLICY_TODAY", "2026-06-15")  # the pack process inherits it: pinned expiry date
    with PolicyPackProcess(PACK) as p:
        yield p
    mp.undo()


def _vault(props, name="rsv"):
    outputs = {**props, "name": "rsv-dr-weu", "id": vault_id()}
    return Registration(urn=urn_of(VAULT_T, name), type=VAULT_T, name=name, custom=True, inputs=props,
                        outputs=outputs, id=vault_id())


def _lock():
    props = lock_by_scope_props(vault_id())
    return Registration(urn=LOCK_URN, type=LOCK_T, name="rsv-lock", custom=True, inputs=props, outputs=props,
                        dependencies=[VURN], property_dependencies={"scope": [VURN]})


#: Issue 15's stack rules report a lone vault (no proxy, no alert route, no diagnostics); the tests here are about
#: other rules, so these are off unless a test's config names them.
ISSUE15_OFF = {"vault-multi-user-authorization": "disabled", "backup-alerts-routed": "disabled",
               "backup-reports-diagnostics": "disabled"}


def _run(pack, resources, config=None):
    pack.configure({**ISSUE15_OFF, **(config or {})})
    return [(v.policyName, v.enforcementLevel, v.resourceUrn, v.message) for v in pack.analyze(resources)]


def test_info_carries_the_rule_metadata(pack):
    info = pack.info()
    assert info.name == "azure-iaas-dr-posture"
    by_name = {p.name: p for p in info.policies}
    grs = by_name["vault-storage-geo-redundant"]
    assert (grs.enforcement_level, grs.severity, grs.policy_type) == ("mandatory", "critical", "resource")
    assert grs.url.startswith("https://learn.microsoft.com/") and "AZDR-RSV-001" in grs.tags
    assert "```python" in grs.remediation_steps
    assert set(grs.config_schema["properties"]) == {"allowZoneRedundant", "exemptions"}
    assert [p.name for p in info.policies][-2:] == ["rule-evaluation-failed", "stack-rule-evaluation-failed"]
    assert by_name["rule-evaluation-failed"].enforcement_level == "mandatory"


def test_compliant_vault_with_lock_has_no_violations(pack):
    assert _run(pack, [_vault(vault_props()), _lock()]) == []


def test_lrs_vault_is_a_mandatory_violation_on_its_urn(pack):
    got = _run(pack, [_vault(mutate(vault_props(), RED, "LocallyRedundant")), _lock()])
    assert ("vault-storage-geo-redundant", "mandatory", VURN, f"{GRS_DESC}\n{LRS_MSG}") in got
    assert {g[0] for g in got} == {"vault-storage-geo-redundant", "vault-cross-region-restore"}


def test_missing_lock_is_reported_by_the_stack_rule_on_the_vault(pack):
    got = _run(pack, [_vault(vault_props())])
    assert [(g[0], g[1], g[2]) for g in got] == [("vault-delete-lock", "advisory", VURN)]


def test_config_reconciliation_levels_and_thresholds(pack):
    zrs = [_vault(mutate(vault_props(), RED, "ZoneRedundant")), _lock()]
    names = lambda got: sorted({g[0] for g in got})  # noqa: E731
    assert names(_run(pack, zrs)) == ["vault-cross-region-restore", "vault-storage-geo-redundant"]
    assert names(_run(pack, zrs, {"vault-storage-geo-redundant": {"allowZoneRedundant": True}})) == [
        "vault-cross-region-restore"]
    got = _run(pack, zrs, {"vault-storage-geo-redundant": "advisory", "vault-cross-region-restore": "disabled"})
    assert [(g[0], g[1]) for g in got] == [("vault-storage-geo-redundant", "advisory")]
    got = _run(pack, zrs, {"all": "disabled"})
    assert got == []


def test_bad_config_value_is_rejected_by_the_schema(pack):
    with pytest.raises(PostureError) as info:
        pack.configure({"vault-soft-delete": {"minimumSoftDeleteRetentionDays": 7}})
    assert "vault-soft-delete: minimumSoftDeleteRetentionDays: 7 is less than the minimum of 14" in str(info.value)


def test_exemption_and_expiry_over_grpc(pack):
    lrs = [_vault(mutate(vault_props(), RED, "LocallyRedundant")), _lock()]
    only = {"vault-cross-region-restore": "disabled"}

    def ex(expires):
        return {**only, "vault-storage-geo-redundant": {"exemptions": [
            {"resource": "rsv", "reason": "moving to GRS vault in Q3", "expires": expires}]}}

    # an active exemption suppresses the mandatory finding, and AZDR-SYS-003 still shows it, as advisory (issue 13)
    assert _run(pack, lrs, ex("2026-06-15")) == [
        ("exempted-findings", "advisory", VURN,
         "Every finding an active exemption suppresses is reported, with its exemption.\n[AZDR-SYS-003] "
         f"{LRS_MSG} (suppressed by the exemption for 'rsv' until 2026-06-15: moving to GRS vault in Q3)")]
    got = _run(pack, lrs, ex("2026-06-14"))
    assert got == [("vault-storage-geo-redundant", "mandatory", VURN,
                    f"{GRS_DESC}\n{LRS_MSG} (exemption for 'rsv' expired on 2026-06-14: moving to GRS vault in Q3)")]


def test_a_raising_rule_fails_closed_as_mandatory(pack):
    # Passes the JSON schema (pattern) but is no calendar date: the rule raises while reading config.
    config = {"vault-public-network-access-disabled": {"exemptions": [
        {"resource": "rsv", "reason": "r", "expires": "2026-02-30"}]}}
    got = _run(pack, [_vault(vault_props()), _lock()], config)
    assert got == [("rule-evaluation-failed", "mandatory", VURN,
                    "Every resource rule of the pack must evaluate; a rule that raised fails closed.\n"
                    "[AZDR-SYS-001] rule AZDR-RSV-005 (vault-public-network-access-disabled) failed to evaluate: "
                    "invalid policy pack config vault-public-network-access-disabled.exemptions[0].expires: "
                    "'2026-02-30' is not a YYYY-MM-DD date")]


def test_a_raising_stack_rule_fails_closed_as_mandatory(pack):
    config = {"vault-delete-lock": {"exemptions": [{"resource": "rsv", "reason": "r", "expires": "2026-02-30"}]}}
    got = _run(pack, [_vault(vault_props()), _lock()], config)
    assert got == [("stack-rule-evaluation-failed", "mandatory", "",
                    "Every stack rule of the pack must evaluate; a rule that raised fails closed.\n"
                    "[AZDR-SYS-002] rule AZDR-RSV-006 (vault-delete-lock) failed to evaluate: invalid policy pack "
                    "config vault-delete-lock.exemptions[0].expires: '2026-02-30' is not a YYYY-MM-DD date")]


def test_fail_closed_survives_an_advisory_enforcement_of_the_failing_rule(pack):
    """The failing rule is advisory by config: the guard still reports the failure as mandatory."""
    config = {"vault-public-network-access-disabled": {"enforcementLevel": "advisory", "exemptions": [
        {"resource": "rsv", "reason": "r", "expires": "2026-13-01"}]}}
    got = _run(pack, [_vault(vault_props()), _lock()], config)
    assert [(g[0], g[1], g[2]) for g in got] == [("rule-evaluation-failed", "mandatory", VURN)]
    assert got[0][3].endswith("rule AZDR-RSV-005 (vault-public-network-access-disabled) failed to evaluate: "
                              "invalid policy pack config vault-public-network-access-disabled.exemptions[0].expires: "
                              "'2026-13-01' is not a YYYY-MM-DD date")


def test_unknown_redundancy_in_preview_is_an_advisory(pack):
    got = _run(pack, [_vault(mutate(vault_props(), RED, UNKNOWN_STRING_VALUE)), _lock()])
    assert ("vault-storage-geo-redundant", "advisory", VURN,
            "can't run policy 'vault-storage-geo-redundant' from policy pack 'azure-iaas-dr-posture@v0.0.1' "
            "during preview: string value at .properties.redundancySettings.standardTierStorageRedundancy can't "
            "be known during preview") in got


def test_multi_user_authorization_is_advisory_by_default_and_mandatory_by_pack_config(pack):
    resources = [_vault(vault_props()), _lock()]
    message = ("Every vault has a resource guard proxy to a guard outside the vault's resource group.\n"
               "[AZDR-MUA-001] vault 'rsv' has no resource guard proxy: one administrator can disable soft delete, "
               "stop protection with delete, reduce retention or disable immutability alone; add "
               "recoveryservices.ResourceGuardProxy(resource_guard_proxy_name='VaultProxy', properties="
               "ResourceGuardProxyBaseArgs(resource_guard_resource_id=<a guard outside the vault's resource group>))")
    on = {"vault-multi-user-authorization": "advisory"}
    assert _run(pack, resources, on) == [("vault-multi-user-authorization", "advisory", VURN, message)]
    on = {"vault-multi-user-authorization": "mandatory"}
    assert _run(pack, resources, on) == [("vault-multi-user-authorization", "mandatory", VURN, message)]
