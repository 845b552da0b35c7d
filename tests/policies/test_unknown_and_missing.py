"""Every rule's declared unknown (preview) mode and missing-property meaning, as cases the catalog
meta-test requires (`unknown` and `missing` in the ids): `advisory-` cases expect the exact SDK
unknown message (the servicer turns it into its advisory), `skip` rules pass, `fail` rules report.
The rule modules' own tests hold the other branches; these fill what each rule's docs promise."""

import pytest
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_STRING_VALUE as UNK,
)

from .cases import Case, advisory, params
from .factories import (
    DELETE,
    availability_set_props,
    lock_at_resource_props,
    mutate,
    v1_daily_policy_props,
    v2_hourly_policy_props,
    vault_props,
    vm_props,
)
from .factories import protected_item_props, vm_out
from .harness import stack_resource, urn_of
from .test_rules_compute_placement import AS_ID, AS_T, VM_T, _members
from .test_rules_coverage import ITEM_T, fleet
from .test_rules_vault import AT_RES, _no_lock, _stack

V = vault_props()
H = v2_hourly_policy_props()
D1 = v1_daily_policy_props()
VM = vm_props()
RSV = "properties.redundancySettings"
SD = "properties.securitySettings.softDeleteSettings"
RET = "properties.retentionPolicy"
DAILY = f"{RET}.dailySchedule.retentionDuration.count"
OS_SKU = "storageProfile.osDisk.managedDisk.storageAccountType"
GIV_T = "azure-native:compute:GalleryImageVersion"

CASES = [
    advisory("AZDR-RSV-001", "redundancy", V, f"{RSV}.standardTierStorageRedundancy", UNK, name="rsv"),
    advisory("AZDR-RSV-002", "cross-region-restore", V, f"{RSV}.crossRegionRestore", UNK, name="rsv"),
    advisory("AZDR-RSV-003", "retention-days", V, f"{SD}.softDeleteRetentionPeriodInDays", UNKNOWN_NUMBER_VALUE,
             name="rsv"),
    advisory("AZDR-RSV-004", "state", V, "properties.securitySettings.immutabilitySettings.state", UNK, name="rsv"),
    advisory("AZDR-RSV-005", "access", V, "properties.publicNetworkAccess", UNK, name="rsv"),
    advisory("AZDR-BKP-001", "policy-type", H, "properties.policyType", UNK, name="pol"),
    advisory("AZDR-BKP-002", "interval", H, "properties.schedulePolicy.hourlySchedule.interval", UNKNOWN_NUMBER_VALUE,
             name="pol"),
    advisory("AZDR-BKP-003", "window", H, "properties.schedulePolicy.hourlySchedule.scheduleWindowDuration",
             UNKNOWN_NUMBER_VALUE, name="pol"),
    advisory("AZDR-BKP-004", "days", H, "properties.instantRpRetentionRangeInDays", UNKNOWN_NUMBER_VALUE, name="pol"),
    advisory("AZDR-BKP-005", "daily-count", H, DAILY, UNKNOWN_NUMBER_VALUE, name="pol"),
    advisory("AZDR-BKP-006", "daily-count", H, DAILY, UNKNOWN_NUMBER_VALUE, name="pol"),
    advisory("AZDR-BKP-005", "management-type", H, "properties.backupManagementType", UNK, name="pol"),
    advisory("AZDR-CMP-002", "fault-domains", availability_set_props(), "platformFaultDomainCount",
             UNKNOWN_NUMBER_VALUE, name="as"),
    advisory("AZDR-CMP-006", "os-disk-sku", mutate(VM, "availabilitySet", DELETE), OS_SKU, UNK, name="vm"),
    advisory("AZDR-PRQ-001", "provision-agent", VM, "osProfile.linuxConfiguration.provisionVMAgent",
             UNKNOWN_BOOLEAN_VALUE, name="vm"),
]

# ---- skip rules: an unknown value passes (another rule, or nothing, can judge it) -----------------------

NON_HA = mutate(mutate(VM, "availabilitySet", DELETE), "tags.dr-high-availability", "false")
CASES += [
    Case("AZDR-CMP-004", "pass-unknown-disk-list-skipped", mutate(NON_HA, "storageProfile.dataDisks",
                                                                  UNKNOWN_ARRAY_VALUE), name="vm"),
    Case("AZDR-CMP-004", "pass-unknown-ha-tag-skipped", mutate(NON_HA, "tags.dr-high-availability", UNK), name="vm"),
    Case("AZDR-CMP-004", "pass-ha-tag-missing-judged-by-cmp-003-when-configured",
         mutate(NON_HA, "tags.dr-high-availability", DELETE), name="vm", config={"untaggedMeansHa": True}),
]

# ---- missing properties ------------------------------------------------------------------------------

CASES += [
    Case("AZDR-RSV-006", "fail-lock-level-missing-at-resource-level",
         _stack(AT_RES, {k: v for k, v in lock_at_resource_props("rsv-dr-weu").items() if k != "level"}),
         [_no_lock(" (locks found: not set)")]),
    Case("AZDR-BKP-006", "pass-weekly-missing-not-judged", mutate(H, f"{RET}.weeklySchedule", DELETE), name="pol"),
    Case("AZDR-BKP-006", "fail-daily-count-missing", mutate(D1, DAILY, DELETE),
         [f"[AZDR-BKP-006] policy 'pol' keeps daily recovery points not set days; Azure allows 7-9999: set {DAILY} "
          f"within that range"], name="pol"),
    Case("AZDR-CMP-001", "pass-data-disks-missing", mutate(VM, "storageProfile.dataDisks", DELETE), name="vm"),
    Case("AZDR-CMP-003", "fail-ha-tag-missing-standalone-when-configured",
         mutate(mutate(VM, "availabilitySet", DELETE), "tags.dr-high-availability", DELETE),
         ["[AZDR-CMP-003] VM 'vm' is standalone (no zones, availability set or scale set) but it has no "
          "dr-high-availability tag (untaggedMeansHa: judged as high availability): a host or rack fault takes it "
          "down; put it in an availability set of at least 2 VMs or in an availability zone"], name="vm",
         config={"untaggedMeansHa": True}),
]


def _set_with_unplaced_vm():
    s = stack_resource(AS_T, "fail-as", {**availability_set_props(), "id": AS_ID, "name": "as-db"})
    member = stack_resource(VM_T, "fail-as-vm-0", mutate(VM, "availabilitySet.id", AS_ID),
                            property_dependencies={"availabilitySet": [s]})
    loose = stack_resource(VM_T, "fail-as-vm-1", mutate(VM, "availabilitySet", DELETE))
    return [s, member, loose]


CASES += [
    Case("AZDR-CMP-005", "fail-vm-availability-set-missing-not-a-member", _set_with_unplaced_vm,
         [_members(1, name="fail-as")]),
]

# ---- AZDR-COV-003: items whose policy is unknown or missing are left to AZDR-COV-001 --------------------

POLICY_T = "azure-native:recoveryservices:ProtectionPolicy"


def _items_without_policy(policy_id):
    """Three VMs whose items depend on their VM only, with `policy_id` (unknown or removed)."""
    def build():
        out = fleet({})()  # the vault and the policy
        for i in range(3):
            vm = stack_resource(VM_T, f"vm-{i}", vm_out(f"vm-{i}"))
            item = mutate(protected_item_props(f"vm-{i}"), "properties.policyId", policy_id)
            out += [vm, stack_resource(ITEM_T, f"vm-{i}-backup", item, property_dependencies={"properties": [vm]})]
        return out
    return build


CASES += [
    Case("AZDR-COV-003", "pass-unknown-policy-id-left-to-cov-001", _items_without_policy(UNK),
         config={"maximumVmsPerPolicy": 2}),
    Case("AZDR-COV-003", "pass-policy-id-missing-not-counted", _items_without_policy(DELETE),
         config={"maximumVmsPerPolicy": 2}),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()


def test_policy_urn_is_what_cov_003_reports():
    """The two pass cases above would report on the policy if the items were counted: prove it by joining them."""
    from azdr_policies import RULES_BY_ID

    from .harness import run_stack

    res = run_stack(RULES_BY_ID["AZDR-COV-003"], fleet({f"vm-{i}": vm_out(f"vm-{i}") for i in range(3)})(),
                    config={"maximumVmsPerPolicy": 2})
    assert [u for _m, u in res.violations] == [urn_of(POLICY_T, "pol")]
