"""Issue 13, class 3: an exemption never switches a rule off unseen. Suppressed findings are reported (advisory,
AZDR-SYS-003/004) with pattern, reason and expiry; wildcard-only patterns on critical rules and expiries beyond
the horizon are refused (the mandatory guard reports the config error)."""

import datetime as dt

import pytest
from azdr_policies import RULES, RULES_BY_ID
from azdr_policies import framework as fw

from .factories import mutate, vault_props
from .factories import vm_out
from .harness import run_resource, run_stack, stack_resource, urn_of

RSV1 = RULES_BY_ID["AZDR-RSV-001"]
RSV2 = RULES_BY_ID["AZDR-RSV-002"]
COV1 = RULES_BY_ID["AZDR-COV-001"]
LRS = mutate(vault_props(), "properties.redundancySettings.standardTierStorageRedundancy", "LocallyRedundant")
VAULT_T = "azure-native:recoveryservices:Vault"
VM_T = "azure-native:compute:VirtualMachine"
TODAY = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def pinned_today():
    fw.set_today(TODAY)
    yield
    fw.set_today(None)


def _ex(resource, expires="2026-06-30", reason="GRS migration in OPS-12"):
    return {"exemptions": [{"resource": resource, "reason": reason, "expires": expires}]}


def test_suppressed_resource_finding_is_reported_by_sys_003():
    res = run_resource(RSV1, LRS, name="rsv", config=_ex("rs*"))
    assert (res.violations, res.failures) == ([], [])
    shown = run_resource(RULES_BY_ID["AZDR-SYS-003"], LRS, name="rsv", type_=VAULT_T)
    assert len(shown.violations) == 1
    text = shown.violations[0][0]
    assert text.startswith("[AZDR-SYS-003] [AZDR-RSV-001] vault 'rsv' stores backups 'LocallyRedundant'")
    assert text.endswith("(suppressed by the exemption for 'rs*' until 2026-06-30: GRS migration in OPS-12)")
    # taken once: the next resource does not see it again
    assert run_resource(RULES_BY_ID["AZDR-SYS-003"], LRS, name="rsv", type_=VAULT_T).violations == []


def test_suppressed_stack_finding_is_reported_by_sys_004_on_its_resource():
    vm = stack_resource(VM_T, "db-1", vm_out("db-1"))
    res = run_stack(COV1, [vm], config=_ex("db-*"))
    assert (res.violations, res.failures) == ([], [])
    shown = run_stack(RULES_BY_ID["AZDR-SYS-004"], [vm])
    assert [u for _, u in shown.violations] == [urn_of(VM_T, "db-1")]
    assert shown.violations[0][0].startswith(
        "[AZDR-SYS-004] [AZDR-COV-001] VM 'db-1' has no backup protection"
    )
    assert (
        "(suppressed by the exemption for 'db-*' until 2026-06-30: GRS migration in OPS-12)"
        in shown.violations[0][0]
    )


def test_exemption_reports_are_advisory_and_run_before_the_guards():
    ids = [r.id for r in RULES]
    assert ids[-4:] == ["AZDR-SYS-003", "AZDR-SYS-004", "AZDR-SYS-001", "AZDR-SYS-002"]
    for rid in ("AZDR-SYS-003", "AZDR-SYS-004"):
        assert RULES_BY_ID[rid].enforcement.value == "advisory"


@pytest.mark.parametrize("pattern", ["*", "**", "?*", "urn:pulumi:*"])
def test_wildcard_only_pattern_on_a_critical_rule_is_refused(pattern):
    res = run_resource(RSV1, LRS, name="rsv", config=_ex(pattern))
    assert res.violations == []
    assert res.failures == [
        f"rule AZDR-RSV-001 ({RSV1.name}) failed to evaluate: invalid policy pack config {RSV1.name}.exemptions[0]"
        f".resource: {pattern!r} exempts every resource from a critical rule; name the resources (a name, URN or a "
        "pattern with a fixed part such as 'rsv-sandbox-*')"
    ]


def test_wildcard_on_a_non_critical_rule_is_allowed_but_shown():
    crr_off = mutate(vault_props(), "properties.redundancySettings.crossRegionRestore", "Disabled")
    res = run_resource(RSV2, crr_off, name="rsv", config=_ex("*"))
    assert (res.violations, res.failures) == ([], [])
    shown = run_resource(RULES_BY_ID["AZDR-SYS-003"], crr_off, name="rsv", type_=VAULT_T)
    assert len(shown.violations) == 1 and "[AZDR-RSV-002]" in shown.violations[0][0]


@pytest.mark.parametrize(
    ("expires", "ok"), [("2027-03-02", True), ("2027-03-03", False), ("9999-12-31", False)]
)
def test_expiry_beyond_the_horizon_is_refused(expires, ok):
    res = run_resource(RSV1, LRS, name="rsv", config=_ex("rsv", expires=expires))
    if ok:
        assert res.failures == []
        return
    assert res.failures == [
        f"rule AZDR-RSV-001 ({RSV1.name}) failed to evaluate: invalid policy pack config {RSV1.name}.exemptions[0]"
        f".expires: {expires} is more than 366 days away (latest allowed today: 2027-03-02); renew an exemption "
        "instead of making it permanent"
    ]
