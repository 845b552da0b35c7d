"""Compute rules (AZDR-CMP-*): VM disks and availability sets (azure-native:compute, API 2024-11-01).

Started by the framework author; the second engineer owns the rest of this family (standalone
VMs, availability-set membership stack rule, disk redundancy per tier)."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, Severity
from pulumi_policy.proxy import UnknownValueError

from pulumi_policy import StackValidationArgs

from ..facts import UNMANAGED_DISK_RETIREMENT
from ..framework import ConfigKey, Finding, Rule, RuleConfig
from ..joins import UNKNOWN, Graph, at, items
from ..props import AVAILABILITY_SET, DISK, MISSING, VIRTUAL_MACHINE, as_int, as_list, as_str, get, has_key, \
    same_text, show

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
            f"retired on {UNMANAGED_DISK_RETIREMENT} (such VMs cannot start); use managedDisk instead of vhd/image"
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
        f"{UNMANAGED_DISK_RETIREMENT}: VMs on them can no longer start and their backup is deprecated. High "
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


# ================================================================================================
# Placement, membership and disk redundancy (AZDR-CMP-003..006), by the second engineer.
# ================================================================================================

LEARN_AVAILABILITY = "https://learn.microsoft.com/azure/virtual-machines/availability"
LEARN_SLA = "https://www.microsoft.com/licensing/docs/view/Service-Level-Agreements-SLA-for-Online-Services"
LEARN_ZRS = "https://learn.microsoft.com/azure/virtual-machines/disks-redundancy"

HA_TAG = "dr-high-availability"
TIER_TAG = "dr-tier"


def _disks(props) -> list[tuple[str, object]]:
    """(label, disk) for the OS disk and every data disk. Unknown values raise UnknownValueError."""
    out: list[tuple[str, object]] = []
    os_disk = get(props, "storageProfile.osDisk")
    if os_disk is not MISSING:
        out.append(("osDisk", os_disk))
    for i, disk in enumerate(as_list(get(props, "storageProfile.dataDisks"))):
        lun = as_int(get(disk, "lun"))
        out.append((f"dataDisks[{i}]" + (f" (lun {lun})" if lun is not None else ""), disk))
    return out


def wants_ha(props) -> bool | None:
    """True/False from the dr-high-availability tag; None when the tag is absent (strictest: HA)."""
    value = get(props, f"tags.{HA_TAG}")
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return None


def _placed(props) -> bool:
    """In zones, an availability set or a scale set (an unknown reference counts as set)."""
    zones = at(props, "zones")
    if zones is UNKNOWN or items(zones):
        return True
    return any(at(props, p) is not MISSING for p in ("availabilitySet.id", "virtualMachineScaleSet.id"))


# ---- AZDR-CMP-003 / 004 ------------------------------------------------------------------------

PREMIUM_SKUS = {"premium_lrs", "premium_zrs", "premiumv2_lrs", "ultrassd_lrs"}


def _all_premium(props) -> bool:
    disks = _disks(props)
    if not disks:
        return False
    for _label, disk in disks:
        sku = get(disk, "managedDisk.storageAccountType")
        if not (isinstance(sku, str) and sku.lower() in PREMIUM_SKUS):
            return False
    return True


UNTAGGED_KEY = ConfigKey(
    "untaggedMeansHa", "boolean", False,
    f"Judge VMs without a {HA_TAG} tag as high-availability workloads (AZDR-CMP-003, mandatory) instead of "
    f"reporting them with the standalone advisory (AZDR-CMP-004). Set it on both rules.")


def _judged_as_ha(props, cfg: RuleConfig) -> bool | None:
    """True/False as CMP-003 judges the VM; an untagged VM follows `untaggedMeansHa`."""
    ha = wants_ha(props)
    return bool(cfg["untaggedMeansHa"]) if ha is None else ha


def check_ha_placement(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]:
    ha = wants_ha(args.props)
    if not _judged_as_ha(args.props, cfg) or _placed(args.props):
        return
    why = ("its workload asks for high availability" if ha else
           f"it has no {HA_TAG} tag (untaggedMeansHa: judged as high availability)")
    yield (
        f"VM '{args.name}' is standalone (no zones, availability set or scale set) but {why}: a host or rack fault "
        f"takes it down; put it in an availability set of at least 2 VMs or in an availability zone"
    )


HA_PLACEMENT = Rule(
    id="AZDR-CMP-003",
    name="vm-high-availability-placement",
    title="VMs of high-availability workloads must be in an availability set or an availability zone.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(VIRTUAL_MACHINE,),
    seed_section="Azure IaaS resiliency",
    rationale=(
        "The seed's 'Azure IaaS resiliency' says a single VM is restarted on another host after a hardware "
        "failure, with downtime, and that availability sets (fault domains) protect against rack and host "
        "faults. A workload that asks for high availability (tag dr-high-availability 'true', or no tag) must not "
        "run standalone; a zonal VM is fine."
    ),
    remediation="Place the VM in an Aligned availability set (with another VM) or in an availability zone.",
    snippet="""
import pulumi_azure_native.compute as compute

compute.VirtualMachine("db-1", resource_group_name=rg.name,
    availability_set=compute.SubResourceArgs(id=avset.id),   # or zones=["1"]
    hardware_profile=compute.HardwareProfileArgs(vm_size="Standard_E4s_v5"),
    storage_profile=storage_profile, network_profile=network_profile, os_profile=os_profile)
""",
    links=(LEARN_AVAILABILITY, LEARN_AVSET),
    unknown="skip",
    unknown_note=(
        "An unknown availability set or scale set id still counts as placed (the reference is there); unknown "
        "zones count as zonal. An unknown dr-high-availability tag skips the rule."
    ),
    missing=(
        "No zones, availabilitySet or virtualMachineScaleSet means standalone (Azure default). A VM without a "
        "dr-high-availability tag is left to the AZDR-CMP-004 advisory (nothing says the workload needs HA); an "
        "estate that wants untagged VMs judged as HA sets untaggedMeansHa on both rules."
    ),
    check=check_ha_placement,
    config=(UNTAGGED_KEY,),
    tags=("compute", "availability"),
)


def check_standalone(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]:
    if _judged_as_ha(args.props, cfg) is not False or _placed(args.props):
        return  # HA workloads (and untagged ones with untaggedMeansHa): AZDR-CMP-003
    if wants_ha(args.props) is None:
        yield (
            f"VM '{args.name}' is standalone and has no {HA_TAG} tag: if its workload needs high availability, a "
            f"host or rack fault takes it down; tag it {HA_TAG}='true' and place it in an availability zone or an "
            f"availability set, or tag it 'false' to accept the risk"
        )
    elif _all_premium(args.props):
        yield (
            f"VM '{args.name}' is standalone: with all disks on Premium SSD it has the single-instance SLA but no "
            f"protection from a host or rack fault; use an availability zone or an availability set if the "
            f"workload cannot wait for a restart on another host"
        )
    else:
        yield (
            f"VM '{args.name}' is standalone and not all its disks are Premium SSD or Ultra Disk: it has a lower "
            f"single-instance SLA and no protection from a host or rack fault; use Premium SSD disks and an "
            f"availability zone or an availability set"
        )


STANDALONE = Rule(
    id="AZDR-CMP-004",
    name="vm-standalone-advisory",
    title="Standalone VMs have no protection from a host or rack fault.",
    severity=Severity.LOW,
    enforcement=EnforcementLevel.ADVISORY,
    kind="resource",
    resource_types=(VIRTUAL_MACHINE,),
    seed_section="Azure IaaS resiliency",
    rationale=(
        "The seed's 'Azure IaaS resiliency' explains that a single VM whose disks are all Premium SSD gets the "
        "single-instance SLA, yet a host failure still means a reboot on another server. For workloads that do "
        "not ask for high availability this is advisory: the risk may be accepted."
    ),
    remediation="Prefer an availability zone (or an availability set) and Premium SSD disks for every VM.",
    snippet="""
import pulumi_azure_native.compute as compute

compute.VirtualMachine("report-1", resource_group_name=rg.name, zones=["1"],
    hardware_profile=compute.HardwareProfileArgs(vm_size="Standard_D2s_v5"),
    storage_profile=storage_profile, network_profile=network_profile, os_profile=os_profile)
""",
    links=(LEARN_SLA, LEARN_AVAILABILITY),
    unknown="skip",
    unknown_note=(
        "Unknown placement references count as placed; an unknown tag or disk SKU skips the rule (it is advisory "
        "and cannot tell which message applies)."
    ),
    missing=(
        "Applies to VMs tagged dr-high-availability 'false' and to untagged VMs (unless untaggedMeansHa, then "
        "AZDR-CMP-003 judges them). A disk without storageAccountType (Azure picks one by VM size) or attached by "
        "id counts as not Premium SSD."
    ),
    check=check_standalone,
    config=(UNTAGGED_KEY,),
    tags=("compute", "availability"),
)


# ---- AZDR-CMP-005 (stack) ----------------------------------------------------------------------


def check_availability_set_members(args: StackValidationArgs, cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    sets = graph.of(AVAILABILITY_SET)
    if not sets:
        return
    members: dict[str, int] = {s.urn: 0 for s in sets}
    unjoined = 0
    for vm in graph.of(VIRTUAL_MACHINE):
        ref = graph.ref(vm, "availabilitySet", "availabilitySet.id", (AVAILABILITY_SET,))
        if ref.target is not None:
            members[ref.target.urn] += 1
        elif ref.status == "unknown":
            unjoined += 1
    minimum = cfg["minimumMembers"]
    for s in sets:
        n = members[s.urn]
        if n >= minimum:
            continue
        note = (f" ({unjoined} VM(s) reference an availability set whose id is unknown during preview, without a "
                f"dependency, and could not be counted)") if unjoined else ""
        yield Finding(
            f"availability set '{s.name}' has {n} member VM(s), fewer than {minimum}{note}: a set of one VM has no "
            f"fault-domain redundancy and no availability-set SLA; place at least {minimum} VMs in it", s)


AVAILABILITY_SET_MEMBERS = Rule(
    id="AZDR-CMP-005",
    name="availability-set-member-count",
    title="Every availability set must hold at least 2 VMs.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(AVAILABILITY_SET, VIRTUAL_MACHINE),
    seed_section="Azure IaaS resiliency",
    rationale=(
        "The seed's 'Azure IaaS resiliency' gets availability from redundancy: two or more VMs in an availability "
        "set, spread over fault domains, so one fault leaves a running instance (and the 99.95% SLA). A set with "
        "a single VM only looks redundant."
    ),
    remediation="Place at least two VMs in each availability set (availability_set=SubResourceArgs(id=avset.id)).",
    snippet="""
import pulumi_azure_native.compute as compute

vms = [compute.VirtualMachine(f"db-{i}", resource_group_name=rg.name,
    availability_set=compute.SubResourceArgs(id=avset.id), **vm_args) for i in (1, 2)]
""",
    links=(LEARN_AVSET,),
    unknown="fail",
    unknown_note=(
        "VMs join their set through the `availabilitySet` property dependency, then by id. A VM whose set id is "
        "unknown and without a dependency cannot be counted: the set is reported (fail closed) and the message "
        "says how many VMs could not be joined."
    ),
    missing="A VM without availabilitySet is not a member. An availability set with no VM fails.",
    check=check_availability_set_members,
    config=(
        ConfigKey("minimumMembers", "integer", 2, "Fewest VMs an availability set must hold.", minimum=1, maximum=200),
    ),
    tags=("compute", "availability"),
)


# ---- AZDR-CMP-006 ------------------------------------------------------------------------------

DEFAULT_ZRS_TIERS = "database,cluster,app-server"


def _requires_zrs(props, cfg: RuleConfig) -> tuple[bool, str]:
    tier = get(props, f"tags.{TIER_TAG}")
    tiers = {t.strip().lower() for t in cfg["zoneRedundantTiers"].split(",") if t.strip()}
    if not as_str(tier):
        return True, f"it has no {TIER_TAG} tag (judged by the strictest default)"
    return tier.lower() in tiers, f"tier '{tier}' asks for zone-redundant disks"


def _is_zrs(sku) -> bool:
    return isinstance(sku, str) and sku.lower().endswith("_zrs")


def check_disk_redundancy(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]:
    required, why = _requires_zrs(args.props, cfg)
    if not required:
        return
    if as_list(get(args.props, "zones")):
        return
    fix = "use a ZRS SKU (Premium_ZRS or StandardSSD_ZRS) or a zonal placement"
    if args.resource_type == DISK:
        sku = get(args.props, "sku.name")
        if not _is_zrs(sku):
            shown = "not set (Standard_LRS)" if sku is MISSING else show(sku)
            yield f"disk '{args.name}' is {shown} and not zonal but {why}: {fix}"
        return
    if get(args.props, "storageProfile.osDisk") is MISSING:
        # No osDisk block: Azure creates the OS disk from the image with a type it picks by VM size (an LRS type).
        # https://learn.microsoft.com/azure/virtual-machines/disks-redundancy
        yield (f"VM '{args.name}' storageProfile.osDisk is not set (Azure creates the OS disk with an LRS type) on a "
               f"non-zonal VM but {why}: {fix}")
    for label, disk in _disks(args.props):
        if get(disk, "vhd") is not MISSING:
            continue  # an unmanaged (VHD) disk has no disk SKU: AZDR-CMP-001 reports it
        sku = get(disk, "managedDisk.storageAccountType")
        if sku is MISSING and at(disk, "managedDisk.id") is not MISSING:
            continue  # an attached Disk resource: judged on its own
        if not _is_zrs(sku):
            what = ("has no managedDisk.storageAccountType (Azure picks an LRS type)" if sku is MISSING
                    else f"is {show(sku)}")
            yield f"VM '{args.name}' storageProfile.{label} {what} on a non-zonal VM but {why}: {fix}"


DISK_REDUNDANCY = Rule(
    id="AZDR-CMP-006",
    name="disk-redundancy-per-tier",
    title="Disks of tiers that ask for high availability must be zone-redundant (ZRS) or zonal.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.ADVISORY,
    kind="resource",
    resource_types=(VIRTUAL_MACHINE, DISK),
    seed_section="Appendix: Understanding the impact of data redundancy",
    rationale=(
        "The seed's 'Appendix: Understanding the impact of data redundancy' explains that locally redundant "
        "storage keeps all three copies in one datacenter. For tiers whose workload asks for high availability "
        "(by default database, cluster and app-server; configurable) a datacenter-level fault must not take the "
        "disks: they should be ZRS, or pinned to a zone with the VM spread across zones."
    ),
    remediation=(
        "Use Premium_ZRS / StandardSSD_ZRS disks, or zonal VMs and disks, for the tiers listed in "
        "`zoneRedundantTiers`."
    ),
    snippet="""
import pulumi_azure_native.compute as compute

compute.DataDiskArgs(lun=0, create_option=compute.DiskCreateOptionTypes.EMPTY, disk_size_gb=256,
    managed_disk=compute.ManagedDiskParametersArgs(
        storage_account_type=compute.StorageAccountTypes.PREMIUM_ZRS))
""",
    links=(LEARN_ZRS,),
    unknown="advisory",
    unknown_note="An unknown tier, zone list or disk SKU cannot be judged before deploy: the SDK reports an advisory.",
    missing=(
        "No dr-tier tag: judged as a tier that requires ZRS (strictest default). A VM disk without "
        "storageAccountType fails (Azure picks an LRS type by VM size) unless it attaches a Disk by id (judged on "
        "the Disk); a VM without an osDisk block fails the same way; unmanaged (vhd) disks are left to "
        "AZDR-CMP-001. A Disk without sku is Standard_LRS (fails)."
    ),
    check=check_disk_redundancy,
    config=(
        ConfigKey("zoneRedundantTiers", "string", DEFAULT_ZRS_TIERS,
                  "Comma-separated dr-tier values whose disks must be ZRS or zonal ('' for none)."),
    ),
    tags=("compute", "disks", "redundancy"),
)


RULES += [HA_PLACEMENT, STANDALONE, AVAILABILITY_SET_MEMBERS, DISK_REDUNDANCY]
