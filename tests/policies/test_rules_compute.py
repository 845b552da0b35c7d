"""AZDR-CMP-* (rules/compute.py): managed disks only; availability set sku and fault domains; HA placement,
standalone advisory, availability-set membership (stack), disk redundancy per tier. Pass, fail, unknown and
missing cases."""

import pytest
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UNKNOWN_STRING_VALUE as UNK,
    UnknownValueError,
)

from azdr_policies import RULES_BY_ID

from .cases import Case, advisory, params
from .factories import DELETE, availability_set_props, mutate, vm_props
from .harness import run_resource, stack_resource, urn_of

VM = vm_props()
AS = availability_set_props()
OS = "storageProfile.osDisk"
VHD = {"uri": "https://stdisks.blob.core.windows.net/vhds/db-1-os.vhd"}


def _unmanaged(where):
    return (f"[AZDR-CMP-001] VM 'vm' uses unmanaged (VHD blob) disks at {where}: unmanaged disks were retired on "
            f"31 March 2026 (such VMs cannot start); use managedDisk instead of vhd/image")


def _sku(v):
    return (f"[AZDR-CMP-002] availability set 'as' has sku {v} (not set means Classic): VMs with managed disks need "
            f"sku.name 'Aligned' so disks follow the VMs' fault domains")


def _fd(v):
    return (f"[AZDR-CMP-002] availability set 'as' has platformFaultDomainCount {v}: set it explicitly to 2 or 3 (it "
            f"cannot be changed after creation); one fault domain gives no protection from a rack failure")


CASES = [
    Case("AZDR-CMP-001", "pass-managed", VM, name="vm"),
    Case("AZDR-CMP-001", "pass-no-storage-profile", mutate(VM, "storageProfile", DELETE), name="vm"),
    Case("AZDR-CMP-001", "pass-unknown-disk-list-skipped", mutate(VM, "storageProfile.dataDisks", UNKNOWN_ARRAY_VALUE),
         name="vm"),
    Case("AZDR-CMP-001", "fail-os-vhd", mutate(VM, f"{OS}.vhd", VHD), [_unmanaged("storageProfile.osDisk.vhd")],
         name="vm"),
    Case("AZDR-CMP-001", "fail-os-vhd-with-unknown-data-disks",
         mutate(mutate(VM, f"{OS}.vhd", VHD), "storageProfile.dataDisks", UNKNOWN_ARRAY_VALUE),
         [_unmanaged("storageProfile.osDisk.vhd")], name="vm"),
    Case("AZDR-CMP-001", "fail-os-vhd-uri-unknown", mutate(VM, f"{OS}.vhd", {"uri": UNKNOWN_STRING_VALUE}),
         [_unmanaged("storageProfile.osDisk.vhd")], name="vm"),
    Case("AZDR-CMP-001", "fail-os-vhd-unknown-object", mutate(VM, f"{OS}.vhd", UNKNOWN_OBJECT_VALUE),
         [_unmanaged("storageProfile.osDisk.vhd")], name="vm"),
    Case("AZDR-CMP-001", "fail-data-disk-vhd-and-os-image",
         mutate(mutate(VM, "storageProfile.dataDisks[0].vhd", VHD), f"{OS}.image", VHD),
         [_unmanaged("storageProfile.osDisk.image, storageProfile.dataDisks[0].vhd")], name="vm"),
    Case("AZDR-CMP-002", "pass-aligned-2", AS, name="as"),
    Case("AZDR-CMP-002", "pass-aligned-3", mutate(AS, "platformFaultDomainCount", 3), name="as"),
    Case("AZDR-CMP-002", "pass-case-insensitive", mutate(AS, "sku.name", "aligned"), name="as"),
    Case("AZDR-CMP-002", "fail-classic", mutate(AS, "sku.name", "Classic"), [_sku("'Classic'")], name="as"),
    Case("AZDR-CMP-002", "fail-sku-missing", mutate(AS, "sku", DELETE), [_sku("not set")], name="as"),
    Case("AZDR-CMP-002", "fail-one-fault-domain", mutate(AS, "platformFaultDomainCount", 1), [_fd("1")], name="as"),
    Case("AZDR-CMP-002", "fail-fault-domains-missing", mutate(AS, "platformFaultDomainCount", DELETE),
         [_fd("not set")], name="as"),
    Case("AZDR-CMP-002", "fail-both", mutate(mutate(AS, "sku.name", "Classic"), "platformFaultDomainCount", 1),
         [_sku("'Classic'"), _fd("1")], name="as"),
]


# ---- unknown (preview) and missing: what the rule's docs promise ------------------------------------------

CASES += [
    advisory("AZDR-CMP-002", "fault-domains", AS, "platformFaultDomainCount", UNKNOWN_NUMBER_VALUE, name="as"),
    Case("AZDR-CMP-001", "pass-data-disks-missing", mutate(VM, "storageProfile.dataDisks", DELETE), name="vm"),
]



# ---- AZDR-CMP-003..006: HA placement, standalone advisory, availability-set membership, disk redundancy ----

HA = "tags.dr-high-availability"
STANDALONE = mutate(VM, "availabilitySet", DELETE)
NON_HA = mutate(STANDALONE, HA, "false")
OS_SKU = "storageProfile.osDisk.managedDisk.storageAccountType"


def _ha(why="its workload asks for high availability"):
    return (f"[AZDR-CMP-003] VM 'vm' is standalone (no zones, availability set or scale set) but {why}: a host or "
            f"rack fault takes it down; put it in an availability set of at least 2 VMs or in an availability zone")


PREMIUM_MSG = ("[AZDR-CMP-004] VM 'vm' is standalone: with all disks on Premium SSD it has the single-instance SLA "
               "but no protection from a host or rack fault; use an availability zone or an availability set if the "
               "workload cannot wait for a restart on another host")
OTHER_MSG = ("[AZDR-CMP-004] VM 'vm' is standalone and not all its disks are Premium SSD or Ultra Disk: it has a "
             "lower single-instance SLA and no protection from a host or rack fault; use Premium SSD disks and an "
             "availability zone or an availability set")

CASES += [
    Case("AZDR-CMP-003", "pass-in-availability-set", VM, name="vm"),
    Case("AZDR-CMP-003", "pass-zonal", mutate(STANDALONE, "zones", ["1"]), name="vm"),
    Case("AZDR-CMP-003", "pass-scale-set", mutate(STANDALONE, "virtualMachineScaleSet", {"id": "/vmss/x"}), name="vm"),
    Case("AZDR-CMP-003", "pass-availability-set-id-unknown", mutate(VM, "availabilitySet.id", UNK), name="vm"),
    Case("AZDR-CMP-003", "pass-non-ha-left-to-cmp-004", NON_HA, name="vm"),
    Case("AZDR-CMP-003", "fail-ha-standalone", STANDALONE, [_ha()], name="vm"),
    Case("AZDR-CMP-003", "fail-ha-empty-zones", mutate(STANDALONE, "zones", []), [_ha()], name="vm"),
    # issue 12: nothing says an untagged VM needs HA: CMP-004's advisory, unless the estate sets untaggedMeansHa
    Case("AZDR-CMP-003", "pass-untagged-tags-missing-left-to-cmp-004", mutate(STANDALONE, "tags", DELETE), name="vm"),
    Case("AZDR-CMP-003", "fail-untagged-standalone-untagged-means-ha", mutate(STANDALONE, "tags", DELETE),
         [_ha("it has no dr-high-availability tag (untaggedMeansHa: judged as high availability)")], name="vm",
         config={"untaggedMeansHa": True}),
    Case("AZDR-CMP-004", "pass-non-ha-zonal", mutate(NON_HA, "zones", ["2"]), name="vm"),
    Case("AZDR-CMP-004", "pass-ha-standalone-left-to-cmp-003", STANDALONE, name="vm"),
    Case("AZDR-CMP-004", "fail-non-ha-all-premium", NON_HA, [PREMIUM_MSG], name="vm"),
    Case("AZDR-CMP-004", "fail-non-ha-standard-ssd", mutate(NON_HA, OS_SKU, "StandardSSD_LRS"), [OTHER_MSG], name="vm"),
    Case("AZDR-CMP-004", "fail-non-ha-os-sku-missing", mutate(NON_HA, OS_SKU, DELETE), [OTHER_MSG], name="vm"),
    Case("AZDR-CMP-004", "fail-untagged-standalone-tags-missing", mutate(STANDALONE, "tags", DELETE),
         ["[AZDR-CMP-004] VM 'vm' is standalone and has no dr-high-availability tag: if its workload needs high "
          "availability, a host or rack fault takes it down; tag it dr-high-availability='true' and place it in an "
          "availability zone or an availability set, or tag it 'false' to accept the risk"], name="vm"),
    Case("AZDR-CMP-004", "pass-untagged-left-to-cmp-003-by-config", mutate(STANDALONE, "tags", DELETE), name="vm",
         config={"untaggedMeansHa": True}),
]


def test_standalone_unknown_disk_list_skips():
    res = run_resource(RULES_BY_ID["AZDR-CMP-004"], mutate(NON_HA, "storageProfile.dataDisks", UNKNOWN_ARRAY_VALUE),
                       name="vm")
    assert res.violations == [] and res.failures == []


# ---- AZDR-CMP-005 (stack) ------------------------------------------------------------------------

AS_T = "azure-native:compute:AvailabilitySet"
VM_T = "azure-native:compute:VirtualMachine"
AS_ID = "/subscriptions/0/resourceGroups/rg-dr-weu/providers/Microsoft.Compute/availabilitySets/as-db"


def avset(members, *, dep=True, vm_id=AS_ID, name="as-db"):
    def build():
        s = stack_resource(AS_T, name, {**availability_set_props(), "id": AS_ID, "name": "as-db"})
        out = [s]
        for i in range(members):
            out.append(stack_resource(VM_T, f"{name}-vm-{i}", mutate(VM, "availabilitySet.id", vm_id),
                                      property_dependencies={"availabilitySet": [s]} if dep else None))
        return out
    return build


def _members(n, minimum=2, note="", name="as-db"):
    return (f"[AZDR-CMP-005] availability set '{name}' has {n} member VM(s), fewer than {minimum}{note}: a set of one "
            f"VM has no fault-domain redundancy and no availability-set SLA; place at least {minimum} VMs in it",
            urn_of(AS_T, name))


CASES += [
    Case("AZDR-CMP-005", "pass-two-members-by-dependency", avset(2)),
    Case("AZDR-CMP-005", "pass-two-members-by-id", avset(2, dep=False)),
    Case("AZDR-CMP-005", "pass-two-members-id-unknown-with-dependency", avset(2, vm_id=UNK)),
    Case("AZDR-CMP-005", "pass-configured-minimum-1", avset(1), config={"minimumMembers": 1}),
    Case("AZDR-CMP-005", "fail-one-member", avset(1, name="fail-as"), [_members(1, name="fail-as")]),
    Case("AZDR-CMP-005", "fail-empty", avset(0, name="fail-as"), [_members(0, name="fail-as")]),
    Case("AZDR-CMP-005", "fail-below-configured-minimum-3", avset(2, name="fail-as"),
         [_members(2, 3, name="fail-as")], config={"minimumMembers": 3}),
    Case("AZDR-CMP-005", "fail-unknown-ids-without-dependency-are-not-counted",
         avset(2, dep=False, vm_id=UNK, name="fail-as"),
         [_members(0, note=" (2 VM(s) reference an availability set whose id is unknown during preview, without a "
                           "dependency, and could not be counted)", name="fail-as")]),
]

# ---- AZDR-CMP-006 --------------------------------------------------------------------------------

DISK_T = "azure-native:compute:Disk"
ZRS_VM = mutate(mutate(VM, OS_SKU, "Premium_ZRS"), "storageProfile.dataDisks[0].managedDisk.storageAccountType",
                "Premium_ZRS")
DISK = {"resourceGroupName": "rg-dr-weu", "location": "westeurope", "diskName": "data0",
        "creationData": {"createOption": "Empty"}, "diskSizeGB": 256, "sku": {"name": "Premium_ZRS"},
        "tags": {"dr-tier": "database"}}
FIX = "use a ZRS SKU (Premium_ZRS or StandardSSD_ZRS) or a zonal placement"
TIER = "tier 'database' asks for zone-redundant disks"


def _vm_disk(label, shown, why=TIER):
    return f"[AZDR-CMP-006] VM 'vm' storageProfile.{label} is {shown} on a non-zonal VM but {why}: {FIX}"


def _disk(shown, why=TIER):
    return f"[AZDR-CMP-006] disk 'disk' is {shown} and not zonal but {why}: {FIX}"


CASES += [
    Case("AZDR-CMP-006", "pass-zrs-disks", ZRS_VM, name="vm"),
    Case("AZDR-CMP-006", "pass-zonal-vm-lrs", mutate(VM, "zones", ["1"]), name="vm"),
    Case("AZDR-CMP-006", "pass-tier-not-listed", mutate(VM, "tags.dr-tier", "reporting"), name="vm"),
    Case("AZDR-CMP-006", "pass-tier-removed-by-config", VM, name="vm", config={"zoneRedundantTiers": "critical-data"}),
    Case("AZDR-CMP-006", "pass-attached-disk-by-id-judged-on-disk",
         mutate(ZRS_VM, "storageProfile.dataDisks[0].managedDisk", {"id": "/d/data0"}), name="vm"),
    Case("AZDR-CMP-006", "pass-disk-zrs", DISK, name="disk", type_=DISK_T),
    Case("AZDR-CMP-006", "pass-disk-zonal-lrs", mutate(mutate(DISK, "sku.name", "Premium_LRS"), "zones", ["1"]),
         name="disk", type_=DISK_T),
    Case("AZDR-CMP-006", "fail-database-lrs", VM,
         [_vm_disk("osDisk", "'Premium_LRS'"), _vm_disk("dataDisks[0] (lun 0)", "'Premium_LRS'")], name="vm"),
    Case("AZDR-CMP-006", "fail-os-sku-missing", mutate(ZRS_VM, OS_SKU, DELETE),
         ["[AZDR-CMP-006] VM 'vm' storageProfile.osDisk has no managedDisk.storageAccountType (Azure picks an LRS "
          f"type) on a non-zonal VM but {TIER}: {FIX}"], name="vm"),
    Case("AZDR-CMP-006", "fail-os-disk-block-missing", mutate(ZRS_VM, "storageProfile.osDisk", DELETE),
         ["[AZDR-CMP-006] VM 'vm' storageProfile.osDisk is not set (Azure creates the OS disk with an LRS type) on a "
          f"non-zonal VM but {TIER}: {FIX}"], name="vm"),
    Case("AZDR-CMP-006", "pass-vhd-disks-left-to-cmp-001-sku-missing",
         mutate(mutate(ZRS_VM, "storageProfile.osDisk", {"name": "os", "createOption": "FromImage",
                                                         "vhd": {"uri": "https://st.blob.core.windows.net/vhds/os.vhd"}}),
                "storageProfile.dataDisks", []), name="vm"),
    Case("AZDR-CMP-006", "fail-untagged-strictest", mutate(mutate(ZRS_VM, "tags", DELETE), OS_SKU, "Standard_LRS"),
         [_vm_disk("osDisk", "'Standard_LRS'", "it has no dr-tier tag (judged by the strictest default)")], name="vm"),
    Case("AZDR-CMP-006", "fail-configured-tier", mutate(mutate(ZRS_VM, "tags.dr-tier", "reporting"), OS_SKU,
                                                        "StandardSSD_LRS"),
         [_vm_disk("osDisk", "'StandardSSD_LRS'", "tier 'reporting' asks for zone-redundant disks")], name="vm",
         config={"zoneRedundantTiers": "reporting"}),
    Case("AZDR-CMP-006", "fail-disk-lrs", mutate(DISK, "sku.name", "Premium_LRS"), [_disk("'Premium_LRS'")],
         name="disk", type_=DISK_T),
    Case("AZDR-CMP-006", "fail-disk-sku-missing", mutate(DISK, "sku", DELETE), [_disk("not set (Standard_LRS)")],
         name="disk", type_=DISK_T),
]


# ---- unknown (preview) and missing: what the rule's docs promise ------------------------------------------

CASES += [
    advisory("AZDR-CMP-006", "os-disk-sku", STANDALONE, OS_SKU, UNK, name="vm"),
    # skip rule: an unknown value passes (another rule, or nothing, can judge it)
    Case("AZDR-CMP-004", "pass-unknown-disk-list-skipped", mutate(NON_HA, "storageProfile.dataDisks",
                                                                  UNKNOWN_ARRAY_VALUE), name="vm"),
    Case("AZDR-CMP-004", "pass-unknown-ha-tag-skipped", mutate(NON_HA, HA, UNK), name="vm"),
    Case("AZDR-CMP-004", "pass-ha-tag-missing-judged-by-cmp-003-when-configured",
         mutate(NON_HA, HA, DELETE), name="vm", config={"untaggedMeansHa": True}),
    Case("AZDR-CMP-003", "fail-ha-tag-missing-standalone-when-configured", mutate(STANDALONE, HA, DELETE),
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




@pytest.mark.parametrize("path", ["tags.dr-tier", "zones", OS_SKU])
def test_disk_redundancy_unknown_is_advisory(path):
    with pytest.raises(UnknownValueError):
        run_resource(RULES_BY_ID["AZDR-CMP-006"], mutate(VM, path, UNK), name="vm")


def test_ha_tag_unknown_is_skipped():
    res = run_resource(RULES_BY_ID["AZDR-CMP-003"], mutate(STANDALONE, HA, UNK), name="vm")
    assert res.violations == [] and res.failures == []


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()


def test_unknown_os_disk_is_skipped():
    res = run_resource(RULES_BY_ID["AZDR-CMP-001"], mutate(VM, OS, UNKNOWN_OBJECT_VALUE), name="vm")
    assert res.violations == [] and res.failures == []


@pytest.mark.parametrize("path,sentinel", [("sku.name", UNKNOWN_STRING_VALUE),
                                           ("platformFaultDomainCount", UNKNOWN_NUMBER_VALUE)])
def test_availability_set_unknown_is_advisory(path, sentinel):
    with pytest.raises(UnknownValueError):
        run_resource(RULES_BY_ID["AZDR-CMP-002"], mutate(AS, path, sentinel), name="as")
