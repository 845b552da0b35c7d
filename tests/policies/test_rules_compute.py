"""AZDR-CMP-001/002: managed disks only; availability set sku and fault domains."""

import pytest
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_OBJECT_VALUE, \
    UNKNOWN_STRING_VALUE, UnknownValueError

from azdr_policies import RULES_BY_ID

from .cases import Case, advisory, params
from .factories import DELETE, availability_set_props, mutate, vm_props
from .harness import run_resource

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
