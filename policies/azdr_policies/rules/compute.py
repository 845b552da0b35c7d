"""Compute rules (AZDR-CMP-*): VM disks and availability sets (azure-native:compute, API 2024-11-01).

Started by the framework author; the second engineer owns the rest of this family (standalone
VMs, availability-set membership stack rule, disk redundancy per tier)."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, Severity
from pulumi_policy.proxy import UnknownValueError

from ..framework import Rule, RuleConfig
from ..props import AVAILABILITY_SET, VIRTUAL_MACHINE, as_int, as_list, get, has_key, same_text, show

UNMANAGED_RETIREMENT = "31 March 2026"
LEARN_UNMANAGED = "https://learn.microsoft.com/azure/virtual-machines/unmanaged-disks-deprecation"
LEARN_AVSET = "https://learn.microsoft.com/azure/virtual-machines/availability-set-overview"


# ---- AZDR-CMP-001 ------------------------------------------------------------------------------


def check_managed_disks(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    unmanaged = []
    os_disk = get(args.props, "storageProfile.osDisk")
    for key in ("vhd", "image"):
        if has_key(os_disk, key):
            unmanaged.append(f"storageProfile.osDisk.{key}")
    try:
        data_disks = as_list(get(args.props, "storageProfile.dataDisks"))
    except UnknownValueError:
        data_disks = []  # a computed disk list: judge the OS disk alone
    for i, disk in enumerate(data_disks):
        for key in ("vhd", "image"):
            if has_key(disk, key):
                unmanaged.append(f"storageProfile.dataDisks[{i}].{key}")
    if unmanaged:
        yield (
            f"VM '{args.name}' uses unmanaged (VHD blob) disks at {', '.join(unmanaged)}: unmanaged disks were "
            f"retired on {UNMANAGED_RETIREMENT} (such VMs cannot start); use managedDisk instead of vhd/image"
        )


CMP_MANAGED_DISKS = Rule(
    id="AZDR-CMP-001",
    name="vm-managed-disks-only",
    title="VMs must use managed disks only (unmanaged disks are retired).",
    severity=Severity.CRITICAL,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(VIRTUAL_MACHINE,),
    seed_section="Disaster recovery solution: Azure Backup",
    rationale=(
        "'Disaster recovery solution: Azure Backup' covers managed and unmanaged disks, and the seed's appendix "
        "discusses VHD blobs in storage accounts. Since then Azure retired unmanaged disks on "
        f"{UNMANAGED_RETIREMENT}: VMs on them can no longer start and their backup is deprecated. High "
        "availability 'is best met by using managed disks in an availability set along with Azure Backup'."
    ),
    remediation="Declare every OS and data disk with managedDisk (no vhd/image blob URIs).",
    snippet="""
import pulumi_azure_native.compute as compute

compute.OSDiskArgs(create_option=compute.DiskCreateOptionTypes.FROM_IMAGE,
    managed_disk=compute.ManagedDiskParametersArgs(storage_account_type="Premium_ZRS"))
""",
    links=(LEARN_UNMANAGED,),
    unknown="skip",
    unknown_note=(
        "Only the presence of vhd/image keys is judged, so an unknown blob URI still counts as unmanaged; an "
        "unknown storage profile, OS disk or disk list cannot be judged and is skipped."
    ),
    missing="No vhd/image key means managed disks (the default for VMs created from images): the rule passes.",
    check=check_managed_disks,
    tags=("compute", "disks"),
)


# ---- AZDR-CMP-002 ------------------------------------------------------------------------------

FAULT_DOMAINS = "platformFaultDomainCount"


def check_availability_set(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    sku = get(args.props, "sku.name")
    if not same_text(sku, "Aligned"):
        yield (
            f"availability set '{args.name}' has sku {show(sku)} (not set means Classic): VMs with managed disks "
            f"need sku.name 'Aligned' so disks follow the VMs' fault domains"
        )
    raw = get(args.props, FAULT_DOMAINS)
    count = as_int(raw)
    if count is None or count < 2:
        yield (
            f"availability set '{args.name}' has {FAULT_DOMAINS} {show(raw)}: set it explicitly to 2 or 3 "
            f"(it cannot be changed after creation); one fault domain gives no protection from a rack failure"
        )


CMP_AVAILABILITY_SET = Rule(
    id="AZDR-CMP-002",
    name="availability-set-aligned-fault-domains",
    title="Availability sets must use the Aligned sku and at least 2 fault domains.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(AVAILABILITY_SET,),
    seed_section="Azure IaaS resiliency",
    rationale=(
        "'Azure IaaS resiliency' explains that two or more VMs in an availability set are placed in separate "
        "fault domains with different power, network and server components. With managed disks this holds "
        "only on an Aligned availability set (disks follow the VM's fault domain); with one fault domain all "
        "VMs share a rack. Both settings are fixed at creation."
    ),
    remediation="Create the availability set with sku Aligned and platformFaultDomainCount 2 (or 3 where offered).",
    snippet="""
compute.AvailabilitySet("as-db", resource_group_name=rg.name, sku=compute.SkuArgs(name="Aligned"),
    platform_fault_domain_count=2, platform_update_domain_count=5)
""",
    links=(LEARN_AVSET,),
    unknown="advisory",
    unknown_note="An unknown sku or fault-domain count cannot be judged; the SDK reports an advisory.",
    missing=(
        "sku not set means Classic (SDK default): fails. platformFaultDomainCount not set leaves the count to "
        "Azure and it can never be changed: fails, asking for an explicit value."
    ),
    check=check_availability_set,
    tags=("compute", "availability-set"),
)


RULES = [CMP_MANAGED_DISKS, CMP_AVAILABILITY_SET]
