"""Azure Site Recovery rules (AZDR-ASR-*): Azure-to-Azure replication is where Azure puts it and can fail over.

Scope: only what Site Recovery protects. A rule judges `recoveryservices:Replication*` resources, the VMs those
replicate (joined by `properties.providerSpecificDetails.fabricObjectId`), VMs tagged `dr-site-recovery` (the
program tags every VM whose workload asks for Site Recovery with the target region), and the cache storage
accounts the protected items stage through. A stack without Site Recovery (Backup only) gets no finding.

Wire shapes (azure-native 3.29.0, API 2024-10-01; `resourceName` is the vault name):
`ReplicationProtectedItem.properties` = `{policyId, providerSpecificDetails: {instanceType: "A2A", fabricObjectId,
recoveryContainerId, recoveryResourceGroupId, recoveryAzureNetworkId, recoverySubnetName,
recoveryAvailabilityZone | recoveryAvailabilitySetId, multiVmGroupName, vmManagedDisks: [{diskId,
primaryStagingAzureStorageAccountId, recoveryResourceGroupId, recoveryReplicaDiskAccountType,
recoveryTargetDiskAccountType}]}}`; `ReplicationPolicy.properties.providerSpecificInput` = `{instanceType: "A2A",
multiVmSyncStatus, recoveryPointHistory, appConsistentFrequencyInMinutes, crashConsistentFrequencyInMinutes}`
(minutes); `ReplicationProtectionContainerMapping.properties.providerSpecificInput` = `{instanceType: "A2A",
agentAutoUpdateStatus, automationAccountAuthenticationType}`; `ReplicationNetworkMapping` `networkName` (source
VNet name) and `properties.fabricSpecificDetails.primaryNetworkId`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from ..facts import ASR_MAX_MULTI_VM_GROUP, ASR_MAX_RETENTION_HOURS, ASR_MIN_APP_CONSISTENT_MINUTES
from ..framework import Finding, Rule, RuleConfig
from ..joins import UNKNOWN, Graph, Ref, at, attached, items, location, norm_id, read
from ..props import (
    DISK,
    MISSING,
    NETWORK_INTERFACE,
    NETWORK_SECURITY_GROUP,
    SECURITY_RULE,
    STORAGE_ACCOUNT,
    SUBNET,
    VAULT,
    VIRTUAL_MACHINE,
    as_int,
    as_str,
    get,
    same_text,
    show,
)

REPLICATED_ITEM = "azure-native:recoveryservices:ReplicationProtectedItem"
REPLICATION_POLICY = "azure-native:recoveryservices:ReplicationPolicy"
CONTAINER_MAPPING = "azure-native:recoveryservices:ReplicationProtectionContainerMapping"
NETWORK_MAPPING = "azure-native:recoveryservices:ReplicationNetworkMapping"
VIRTUAL_NETWORK = "azure-native:network:VirtualNetwork"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"

ASR_TAG = "dr-site-recovery"
"""VM tag the program sets (value: target region) when the workload asks for Site Recovery."""
CACHE_PURPOSE = "site-recovery-cache"
"""`dr-purpose` tag of the program's cache storage accounts."""

LEARN_TUTORIAL = "https://learn.microsoft.com/azure/site-recovery/azure-to-azure-tutorial-enable-replication"
LEARN_RELIABILITY = "https://learn.microsoft.com/azure/reliability/reliability-site-recovery"
LEARN_FAQ = "https://learn.microsoft.com/azure/site-recovery/azure-to-azure-common-questions"
LEARN_MATRIX = "https://learn.microsoft.com/azure/site-recovery/azure-to-azure-support-matrix"
LEARN_NETWORKING = "https://learn.microsoft.com/azure/site-recovery/azure-to-azure-about-networking"
LEARN_NETWORK_MAPPING = "https://learn.microsoft.com/azure/site-recovery/azure-to-azure-network-mapping"
LEARN_AUTOUPDATE = "https://learn.microsoft.com/azure/site-recovery/azure-to-azure-autoupdate"

A2A = "A2A"
MAX_RETENTION_MINUTES = ASR_MAX_RETENTION_HOURS * 60  # the facts module (generated from components/facts.py)
MIN_APP_CONSISTENT_MINUTES = ASR_MIN_APP_CONSISTENT_MINUTES
MAX_MULTI_VM_GROUP = ASR_MAX_MULTI_VM_GROUP
GEO_SKUS = ("Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS")
SERVICE_TAGS = ("AzureSiteRecovery", "Storage", "EventHub", "AzureActiveDirectory")
WIDE_DESTINATIONS = ("*", "internet", "0.0.0.0/0", "azurecloud")
DEFAULT_OUTBOUND = (  # Azure's default outbound rules, always last
    {"name": "AllowVnetOutBound", "priority": 65000, "access": "Allow", "dest": ["VirtualNetwork"]},
    {"name": "AllowInternetOutBound", "priority": 65001, "access": "Allow", "dest": ["Internet"]},
    {"name": "DenyAllOutBound", "priority": 65500, "access": "Deny", "dest": ["*"]},
)
DETAILS = "properties.providerSpecificDetails"


def is_site_recovery_cache(props: Any) -> bool:
    """A storage account the program declared as a Site Recovery cache (tag `dr-purpose`)."""
    return same_text(get(props, "tags.dr-purpose"), CACHE_PURPOSE)


def _asr_tagged(vm: PolicyResource) -> bool:
    value = read(vm, f"tags.{ASR_TAG}")
    return value is UNKNOWN or as_str(value) is not None


def _is_a2a(value: Any) -> bool:
    return value is UNKNOWN or same_text(value, A2A)


@dataclass(frozen=True)
class Replica:
    item: PolicyResource
    vm: Ref


def replicas(graph: Graph) -> list[Replica]:
    """A2A protected items and their VMs (dependency of `properties`, then `fabricObjectId`)."""
    out = []
    for item in graph.of(REPLICATED_ITEM):
        if not _is_a2a(read(item, f"{DETAILS}.instanceType")):
            continue
        vm = graph.ref(item, "properties", f"{DETAILS}.fabricObjectId", (VIRTUAL_MACHINE,))
        out.append(Replica(item, vm))
    return out


def _by_vm(graph: Graph) -> dict[str, list[Replica]]:
    out: dict[str, list[Replica]] = {}
    for r in replicas(graph):
        if r.vm.target is not None:
            out.setdefault(r.vm.target.urn, []).append(r)
    return out


def _vault_of(graph: Graph, res: PolicyResource) -> Ref:
    return graph.ref(res, "resourceName", "resourceName", (VAULT,), by_name=True)


def _in_scope_vms(graph: Graph) -> list[PolicyResource]:
    """VMs Site Recovery protects or should: tagged, or the VM of a protected item."""
    replicated = _by_vm(graph)
    return [vm for vm in graph.of(VIRTUAL_MACHINE) if _asr_tagged(vm) or vm.urn in replicated]


# ---- AZDR-ASR-001 (stack): a VM whose workload asks for ASR is replicated ------------------------------------


def check_vm_replicated(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    replicated = _by_vm(graph)
    unjoined = sum(1 for r in replicas(graph) if r.vm.target is None and r.vm.status == "unknown")
    for vm in graph.of(VIRTUAL_MACHINE):
        tag = read(vm, f"tags.{ASR_TAG}")
        if tag is UNKNOWN:
            yield Finding(f"VM '{vm.name}' has an unknown {ASR_TAG} tag during preview: whether it must be "
                          f"replicated cannot be verified", vm)
            continue
        if as_str(tag) is None or vm.urn in replicated:
            continue
        note = (f" ({unjoined} replication-protected item(s) have an unknown fabricObjectId and no dependency on a "
                f"VM)") if unjoined else ""
        yield Finding(
            f"VM '{vm.name}' asks for Site Recovery to {show(tag)} (tag {ASR_TAG}) but no "
            f"recoveryservices.ReplicationProtectedItem replicates it{note}: declare one with "
            f"provider_specific_details=A2AEnableProtectionInputArgs(fabric_object_id=<vm>.id, ...)", vm)


VM_REPLICATED = Rule(
    id="AZDR-ASR-001",
    name="site-recovery-vm-replicated",
    title="A VM whose workload asks for Site Recovery must have a replication-protected item.",
    severity=Severity.CRITICAL,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(VIRTUAL_MACHINE, REPLICATED_ITEM),
    seed_section="Backup and disaster recovery",
    rationale=(
        "The seed's 'Backup and disaster recovery' asks for recovery from a regional disaster within the workload's "
        "recovery point objective. Azure Backup's cross-region copy is about 36 hours old; a workload that asked for "
        "Site Recovery relies on a recovery point every 5 minutes in the target region, which exists only when the VM "
        "has a replication-protected item."
    ),
    remediation="Declare a recoveryservices.ReplicationProtectedItem (A2A) for the VM, or remove siteRecovery.",
    snippet="""
import pulumi_azure_native.recoveryservices as rs

rs.ReplicationProtectedItem("db-0-asr", resource_group_name=asr_rg, resource_name_=asr_vault.name,
    fabric_name="asr-a2a-westeurope", protection_container_name="asr-a2a-westeurope-container",
    replicated_protected_item_name="db-0",
    properties=rs.EnableProtectionInputPropertiesArgs(policy_id=policy.id,
        provider_specific_details=rs.A2AEnableProtectionInputArgs(instance_type="A2A",
            fabric_object_id=vm.id, recovery_container_id=target_container_id)))
""",
    links=(LEARN_TUTORIAL, LEARN_FAQ),
    unknown="fail",
    unknown_note=("An unknown dr-site-recovery tag is reported (fail closed); an item whose fabricObjectId is unknown "
                  "joins by its property dependency on the VM."),
    missing="A VM without the dr-site-recovery tag is not judged (Backup-only VMs stay quiet).",
    check=check_vm_replicated,
    tags=("site-recovery", "coverage"),
)


# ---- AZDR-ASR-002 / 003 (stack): vault placement ----------------------------------------------------------


def _vault_placement(graph: Graph):
    """(replica, vault, vm location, vault location) for every replica whose VM and vault resolve."""
    for r in replicas(graph):
        vault = _vault_of(graph, r.item)
        if r.vm.target is None or vault.target is None:
            continue
        yield r, vault.target, location(r.vm.target), location(vault.target)


def check_vault_not_in_source(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    for r, vault, vm_loc, v_loc in _vault_placement(graph):
        vm = r.vm.target
        assert vm is not None
        if UNKNOWN in (vm_loc, v_loc):
            yield Finding(f"VM '{vm.name}' is replicated by '{r.item.name}' into vault '{vault.name}' but a location "
                          f"is unknown during preview: the vault's region cannot be verified", vm)
        elif vm_loc is not MISSING and vm_loc == v_loc:
            yield Finding(
                f"VM '{vm.name}' in {vm_loc} is replicated by '{r.item.name}' into vault '{vault.name}' in the same "
                f"region: Azure Site Recovery needs the vault outside the source region; create it in the target "
                f"region", vm)


VAULT_NOT_IN_SOURCE = Rule(
    id="AZDR-ASR-002",
    name="site-recovery-vault-not-in-source-region",
    title="The Site Recovery vault must not be in the replicated VM's region.",
    severity=Severity.CRITICAL,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(REPLICATED_ITEM, VIRTUAL_MACHINE, VAULT),
    seed_section="Backup and disaster recovery",
    rationale=(
        "The seed's 'Backup and disaster recovery' plans for the loss of a whole region. Azure requires the Site "
        "Recovery vault in any region except the source region; a vault in the source region dies with it, and "
        "Azure refuses to enable replication into it. The Backup vault stays in the source region, so such a "
        "workload has two vaults."
    ),
    remediation="Declare a second Recovery Services vault in the target region and replicate into it.",
    snippet="""
import pulumi_azure_native.recoveryservices as rs

rs.Vault("asr-vault", resource_group_name=asr_rg.name, location="northeurope", vault_name="rsv-dr-asr-northeurope",
    sku=rs.SkuArgs(name=rs.SkuName.RS0, tier="Standard"), properties=rs.VaultPropertiesArgs())
""",
    links=(LEARN_TUTORIAL, LEARN_RELIABILITY),
    unknown="fail",
    unknown_note="An unknown VM or vault location is reported as not verifiable (fail closed).",
    missing=("A vault or VM not declared in this stack (no dependency, id or name match) is not judged; a location "
             "not set is not judged."),
    check=check_vault_not_in_source,
    tags=("site-recovery", "vault"),
)


def _target_region(graph: Graph, item: PolicyResource) -> Any:
    """Location of the item's recovery network (dependency, then recoveryAzureNetworkId), MISSING or UNKNOWN."""
    ref = graph.ref(item, "properties", f"{DETAILS}.recoveryAzureNetworkId", (VIRTUAL_NETWORK,))
    if ref.target is None:
        return UNKNOWN if ref.status == "unknown" else MISSING
    return location(ref.target)


def check_vault_in_target(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    for r, vault, _vm_loc, v_loc in _vault_placement(graph):
        target = _target_region(graph, r.item)
        if target is UNKNOWN or v_loc is UNKNOWN:
            yield Finding(f"replication-protected item '{r.item.name}': the target region or the location of vault "
                          f"'{vault.name}' is unknown during preview", r.item)
        elif target is not MISSING and v_loc is not MISSING and target != v_loc:
            yield Finding(
                f"replication-protected item '{r.item.name}' fails over to {target} but vault '{vault.name}' is in "
                f"{v_loc}: while {v_loc} is down you cannot fail over or fail back; put the vault in the target "
                f"region {target}", r.item)


VAULT_IN_TARGET = Rule(
    id="AZDR-ASR-003",
    name="site-recovery-vault-in-target-region",
    title="The Site Recovery vault should be in the target region.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.ADVISORY,
    kind="stack",
    resource_types=(REPLICATED_ITEM, VAULT, VIRTUAL_NETWORK),
    seed_section="Backup and disaster recovery",
    rationale=(
        "The seed's 'Backup and disaster recovery' asks that recovery work when a region is lost. A Site Recovery "
        "vault in a third region keeps replicating during that region's outage but blocks failover and failback; "
        "the reliability guide recommends the target region."
    ),
    remediation="Create the Site Recovery vault in the region the VMs fail over to.",
    snippet="""
import pulumi_azure_native.recoveryservices as rs

rs.Vault("asr-vault", resource_group_name=asr_rg.name, location=target_region, vault_name="rsv-dr-asr-target",
    sku=rs.SkuArgs(name=rs.SkuName.RS0, tier="Standard"), properties=rs.VaultPropertiesArgs())
""",
    links=(LEARN_RELIABILITY,),
    unknown="fail",
    unknown_note="An unknown target network or vault location is reported (at the rule's advisory level).",
    missing="An item without a resolvable recovery network (recoveryAzureNetworkId) is not judged.",
    check=check_vault_in_target,
    tags=("site-recovery", "vault"),
)


# ---- AZDR-ASR-004 (resource): A2A policy timings ---------------------------------------------------------


def check_policy_timings(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    psi = get(args.props, "properties.providerSpecificInput")
    if not same_text(get(psi, "instanceType"), A2A):
        return
    retention = get(psi, "recoveryPointHistory")
    app = get(psi, "appConsistentFrequencyInMinutes")
    ret_n, app_n = as_int(retention), as_int(app)
    if retention is MISSING:
        yield (f"replication policy '{args.name}' does not set recoveryPointHistory: set the retention of recovery "
               f"points explicitly (minutes, at most {MAX_RETENTION_MINUTES} = 15 days for managed disks)")
    elif ret_n is None or ret_n < 0 or ret_n > MAX_RETENTION_MINUTES:
        yield (f"replication policy '{args.name}' keeps recovery points {show(retention)} minutes: Azure allows at "
               f"most {MAX_RETENTION_MINUTES} (15 days) for managed disks")
    if app is MISSING or app_n == 0:
        return  # app-consistent points off
    if app_n is None or app_n < MIN_APP_CONSISTENT_MINUTES:
        yield (f"replication policy '{args.name}' takes app-consistent points every {show(app)} minutes: Azure's "
               f"minimum is {MIN_APP_CONSISTENT_MINUTES}; use 60 or more, or 0 for crash-consistent points only")
    elif ret_n is not None and app_n > ret_n:
        yield (f"replication policy '{args.name}' takes app-consistent points every {app_n} minutes but keeps points "
               f"only {ret_n} minutes: the frequency must not exceed the retention")


POLICY_TIMINGS = Rule(
    id="AZDR-ASR-004",
    name="site-recovery-policy-timings",
    title="A2A replication policies must keep Azure's retention and app-consistent bounds.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(REPLICATION_POLICY,),
    seed_section="Backup and DR scenarios",
    rationale=(
        "The seed's 'Backup and DR scenarios' ties each workload to a recovery point objective and retention. "
        "Azure rejects an A2A policy that keeps managed-disk points longer than 15 days, takes app-consistent "
        "points more often than hourly, or takes them less often than it keeps points."
    ),
    remediation="Set recoveryPointHistory <= 21600 minutes and appConsistentFrequencyInMinutes 0 or 60..retention.",
    snippet="""
import pulumi_azure_native.recoveryservices as rs

rs.CreatePolicyInputPropertiesArgs(provider_specific_input=rs.A2APolicyCreationInputArgs(instance_type="A2A",
    multi_vm_sync_status=rs.SetMultiVmSyncStatus.DISABLE, recovery_point_history=1440,
    crash_consistent_frequency_in_minutes=5, app_consistent_frequency_in_minutes=240))
""",
    links=(LEARN_FAQ,),
    unknown="advisory",
    unknown_note="Policy timings are literal config values; an unknown one yields the SDK advisory.",
    missing=("recoveryPointHistory not set fails (the retention must be chosen); appConsistentFrequencyInMinutes not "
             "set or 0 means crash-consistent points only and passes. Non-A2A policies are not judged."),
    check=check_policy_timings,
    tags=("site-recovery", "policy"),
)


# ---- AZDR-ASR-005 (stack): cache storage account -----------------------------------------------------------


def _caches(graph: Graph) -> dict[str, tuple[PolicyResource, set[Any]]]:
    """Cache account URN -> (account, source locations of the VMs staging through it)."""
    out: dict[str, tuple[PolicyResource, set[Any]]] = {}
    for r in replicas(graph):
        vm_loc = location(r.vm.target) if r.vm.target is not None else MISSING
        deps = Graph.deps(r.item, "properties", (STORAGE_ACCOUNT,))
        accounts = list(deps)
        if not accounts:
            for disk in items(read(r.item, f"{DETAILS}.vmManagedDisks")):
                ref = graph.by_ref_id(at(disk, "primaryStagingAzureStorageAccountId"), (STORAGE_ACCOUNT,))
                if ref.target is not None:
                    accounts.append(ref.target)
        for a in accounts:
            out.setdefault(a.urn, (a, set()))[1].add(vm_loc)
    for a in graph.of(STORAGE_ACCOUNT):
        if same_text(read(a, "tags.dr-purpose"), CACHE_PURPOSE):
            out.setdefault(a.urn, (a, set()))
    return out


def check_cache_account(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    services = attached(graph, BLOB_SERVICE, "accountName", "accountName", (STORAGE_ACCOUNT,), by_name=True)
    for account, sources in _caches(graph).values():
        name = account.name
        kind, sku, loc = read(account, "kind"), read(account, "sku.name"), location(account)
        if UNKNOWN in (kind, sku, loc) or UNKNOWN in sources:
            yield Finding(f"cache storage account '{name}': kind, sku or a location is unknown during preview: it "
                          f"cannot be verified", account)
            continue
        for src in sorted(s for s in sources if s is not MISSING):
            if loc is not MISSING and loc != src:
                yield Finding(f"cache storage account '{name}' is in {loc} but stages replication of VMs in {src}: "
                              f"Site Recovery needs the cache in the source region", account)
        premium_block = same_text(kind, "BlockBlobStorage") and isinstance(sku, str) and sku.startswith("Premium_")
        if not (same_text(kind, "StorageV2") or premium_block):
            yield Finding(f"cache storage account '{name}' is kind {show(kind)}: use StorageV2 (Standard "
                          f"general-purpose v2), or BlockBlobStorage Premium for high churn", account)
        if any(same_text(sku, g) for g in GEO_SKUS):
            yield Finding(f"cache storage account '{name}' is {show(sku)}: a cache is never geo-redundant; use "
                          f"Standard_ZRS (Standard_LRS where the region has no zones)", account)
        elif not (isinstance(sku, str) and (sku.startswith("Standard_") or premium_block)):
            yield Finding(f"cache storage account '{name}' is {show(sku)}: use a Standard sku (Standard_ZRS or "
                          f"Standard_LRS)", account)
        for svc in services.get(account.urn, []):
            enabled = read(svc, "deleteRetentionPolicy.enabled")
            if enabled is UNKNOWN:
                yield Finding(f"cache storage account '{name}': blob soft delete on '{svc.name}' is unknown during "
                              f"preview", account)
            elif enabled is True:
                yield Finding(f"cache storage account '{name}' enables blob soft delete on '{svc.name}': Site "
                              f"Recovery does not support soft delete on the cache; set "
                              f"deleteRetentionPolicy.enabled to false", account)


CACHE_ACCOUNT = Rule(
    id="AZDR-ASR-005",
    name="site-recovery-cache-storage",
    title="Site Recovery cache accounts: source region, general-purpose v2, not geo-redundant, no soft delete.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(STORAGE_ACCOUNT, BLOB_SERVICE, REPLICATED_ITEM),
    seed_section="Appendix: Understanding the impact of data redundancy",
    rationale=(
        "The seed's 'Appendix: Understanding the impact of data redundancy' weighs redundancy against cost. The "
        "cache holds changes in transit only: Azure requires it in the source region, as Standard general-purpose "
        "v2 (Premium block blob for high churn), without blob soft delete, and recommends ZRS, never GRS."
    ),
    remediation="Use a StorageV2 Standard_ZRS (or Standard_LRS) account in the source region, soft delete off.",
    snippet="""
import pulumi_azure_native.storage as storage

storage.StorageAccount("asr-cache", resource_group_name=rg.name, location="westeurope",
    kind=storage.Kind.STORAGE_V2, sku=storage.SkuArgs(name=storage.SkuName.STANDARD_ZRS))
""",
    links=(LEARN_MATRIX, LEARN_RELIABILITY),
    unknown="fail",
    unknown_note="An unknown kind, sku, location or soft-delete setting is reported (fail closed).",
    missing=("Judged: accounts a protected item stages through (dependency or primaryStagingAzureStorageAccountId) and "
             "accounts tagged dr-purpose site-recovery-cache. No BlobServiceProperties means soft delete off (the ARM "
             "default) and passes."),
    check=check_cache_account,
    tags=("site-recovery", "storage"),
)


# ---- AZDR-ASR-006 (resource): availability set or zone, not both ---------------------------------------------


def check_target_placement(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    details = get(args.props, DETAILS)
    if not same_text(get(details, "instanceType"), A2A):
        return
    avset, zone = get(details, "recoveryAvailabilitySetId"), get(details, "recoveryAvailabilityZone")
    if as_str(avset) and as_str(zone):
        yield (f"replication-protected item '{args.name}' sets both recoveryAvailabilitySetId and "
               f"recoveryAvailabilityZone {show(zone)}: the failed-over VM goes in an availability set or a zone, not "
               f"both; keep one")


TARGET_PLACEMENT = Rule(
    id="AZDR-ASR-006",
    name="site-recovery-target-placement",
    title="A replicated VM's target must be an availability set or a zone, not both.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(REPLICATED_ITEM,),
    seed_section="Azure IaaS resiliency",
    rationale=(
        "The seed's 'Azure IaaS resiliency' uses availability sets and zones to survive in-region failures; the "
        "failed-over VM keeps that resiliency only if its target placement is valid. Azure accepts an availability "
        "set or an availability zone for the target VM, never both."
    ),
    remediation="Set recovery_availability_zone or recovery_availability_set_id, not both.",
    snippet="""
import pulumi_azure_native.recoveryservices as rs

rs.A2AEnableProtectionInputArgs(instance_type="A2A", fabric_object_id=vm.id, recovery_availability_zone="1")
""",
    links=(LEARN_MATRIX, LEARN_FAQ),
    unknown="advisory",
    unknown_note="Placement inputs are literal config values; an unknown one yields the SDK advisory.",
    missing="Neither set means a regional target VM and passes. Non-A2A items are not judged.",
    check=check_target_placement,
    tags=("site-recovery", "placement"),
)


# ---- AZDR-ASR-007 (stack): disks ASR cannot replicate ------------------------------------------------------


def _disk_problems(vm: PolicyResource, graph: Graph) -> Iterable[str]:
    profile = read(vm, "storageProfile")
    if profile is UNKNOWN:
        yield "its storage profile is unknown during preview"
        return
    if same_text(at(profile, "diskControllerType"), "NVMe"):
        yield "uses the NVMe disk controller (storageProfile.diskControllerType), which Site Recovery cannot replicate"
    os_disk = at(profile, "osDisk")
    if at(os_disk, "diffDiskSettings.option") is UNKNOWN:
        yield "its OS disk's diffDiskSettings are unknown during preview"
    elif same_text(at(os_disk, "diffDiskSettings.option"), "Local"):
        yield "has an ephemeral OS disk (osDisk.diffDiskSettings.option Local), which Site Recovery cannot replicate"
    if at(os_disk, "writeAcceleratorEnabled") is True:
        yield "has Write Accelerator on its OS disk, which Site Recovery cannot replicate"
    for d in items(at(profile, "dataDisks")):
        lun = show(at(d, "lun"))
        if at(d, "writeAcceleratorEnabled") is True:
            yield f"has Write Accelerator on data disk LUN {lun}, which Site Recovery cannot replicate"
        if same_text(at(d, "managedDisk.storageAccountType"), "UltraSSD_LRS"):
            yield f"has an Ultra disk at LUN {lun}, which Site Recovery cannot replicate"
    for disk in Graph.deps(vm, "storageProfile", (DISK,)):
        sku = read(disk, "sku.name")
        if sku is UNKNOWN:
            yield f"the sku of disk '{disk.name}' is unknown during preview"
        elif same_text(sku, "UltraSSD_LRS"):
            yield f"attaches Ultra disk '{disk.name}', which Site Recovery cannot replicate"


def check_replicable_disks(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    for vm in _in_scope_vms(graph):
        for problem in dict.fromkeys(_disk_problems(vm, graph)):
            yield Finding(f"VM '{vm.name}' is replicated (or asks for Site Recovery) but {problem}; use Premium or "
                          f"Standard SSD managed disks without these features, or protect it another way", vm)


REPLICABLE_DISKS = Rule(
    id="AZDR-ASR-007",
    name="site-recovery-replicable-disks",
    title="VMs under Site Recovery must not use Ultra, NVMe, write-accelerated or ephemeral OS disks.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(VIRTUAL_MACHINE, DISK, REPLICATED_ITEM),
    seed_section="Backup and DR scenarios",
    rationale=(
        "The seed's 'Backup and DR scenarios' expects each scenario's disks to be recoverable. Site Recovery's "
        "support matrix excludes Ultra disks, NVMe-controller VMs, Write Accelerator disks and ephemeral OS disks: "
        "such a VM either cannot be enabled or fails over without its data."
    ),
    remediation="Move the disks to Premium SSD / Standard SSD without Write Accelerator, or drop siteRecovery.",
    snippet="""
import pulumi_azure_native.compute as compute

compute.DataDiskArgs(lun=0, create_option=compute.DiskCreateOptionTypes.ATTACH,
    managed_disk=compute.ManagedDiskParametersArgs(id=disk.id), write_accelerator_enabled=False)
""",
    links=(LEARN_MATRIX,),
    unknown="fail",
    unknown_note="An unknown storage profile, OS disk setting or attached-disk sku is reported (fail closed).",
    missing=("Not set means the Azure defaults (SCSI controller, managed OS disk, no Write Accelerator) and passes. "
             "Only VMs tagged dr-site-recovery or replicated by a protected item are judged."),
    check=check_replicable_disks,
    tags=("site-recovery", "disks"),
)


# ---- AZDR-ASR-008 (stack): a network mapping for every source VNet -----------------------------------------


def _vm_vnets(graph: Graph, vm: PolicyResource) -> tuple[list[PolicyResource], list[str]]:
    """The declared VNets of the VM's NIC subnets, and reasons some could not be resolved."""
    vnets: dict[str, PolicyResource] = {}
    problems: list[str] = []
    nics = Graph.deps(vm, "networkProfile", (NETWORK_INTERFACE,))
    if not nics:
        nics = [r.target for r in (graph.by_ref_id(i, (NETWORK_INTERFACE,))
                                   for i in (at(n, "id") for n in items(read(vm, "networkProfile.networkInterfaces"))))
                if r.target is not None]
    for nic in nics:
        subnets = Graph.deps(nic, "ipConfigurations", (SUBNET,))
        if not subnets:
            subnets = [r.target for r in (graph.by_ref_id(at(c, "subnet.id"), (SUBNET,))
                                          for c in items(read(nic, "ipConfigurations"))) if r.target is not None]
        for subnet in subnets:
            ref = graph.ref(subnet, "virtualNetworkName", "virtualNetworkName", (VIRTUAL_NETWORK,), by_name=True)
            if ref.target is not None:
                vnets.setdefault(ref.target.urn, ref.target)
            elif ref.status == "unknown":
                problems.append(f"the virtual network of subnet '{subnet.name}' is unknown during preview")
    return list(vnets.values()), problems


def _mapped_networks(graph: Graph) -> tuple[set[str], set[str], set[str], int]:
    """Source VNets that have a network mapping: URNs (dependency of `networkName`), ids (primaryNetworkId) and
    names (a literal networkName); and how many mappings name their source by an unknown value only."""
    urns: set[str] = set()
    ids: set[str] = set()
    by_name: set[str] = set()
    unjoined = 0
    for m in graph.of(NETWORK_MAPPING):
        deps = Graph.deps(m, "networkName", (VIRTUAL_NETWORK,))
        urns.update(d.urn for d in deps)
        primary, name = read(m, "properties.fabricSpecificDetails.primaryNetworkId"), read(m, "networkName")
        if as_str(primary):
            ids.add(norm_id(primary))
        if as_str(name):
            by_name.add(name.lower())
        if not deps and not as_str(primary) and not as_str(name):
            unjoined += 1
    return urns, ids, by_name, unjoined


def check_network_mapping(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    by_vm = _by_vm(graph)
    if not by_vm:
        return
    mapped_urns, mapped_ids, mapped_names, unjoined = _mapped_networks(graph)
    for vm in graph.of(VIRTUAL_MACHINE):
        if vm.urn not in by_vm:
            continue
        vnets, problems = _vm_vnets(graph, vm)
        for problem in problems:
            yield Finding(f"VM '{vm.name}' is replicated but its network mapping cannot be verified: {problem}", vm)
        for vnet in vnets:
            vid, vname = as_str(read(vnet, "id")), as_str(read(vnet, "name"))
            if vnet.urn in mapped_urns or (vid and norm_id(vid) in mapped_ids) or \
                    (vname and vname.lower() in mapped_names):
                continue
            note = f" ({unjoined} network mapping(s) could not be joined)" if unjoined else ""
            yield Finding(
                f"VM '{vm.name}' is replicated but its virtual network '{vnet.name}' has no "
                f"recoveryservices.ReplicationNetworkMapping{note}: enabling replication fails without a target "
                f"network; map it to a virtual network in the target region", vm)


NETWORK_MAPPING_RULE = Rule(
    id="AZDR-ASR-008",
    name="site-recovery-network-mapping",
    title="Every source virtual network of a replicated VM must have a Site Recovery network mapping.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(REPLICATED_ITEM, VIRTUAL_MACHINE, NETWORK_INTERFACE, SUBNET, VIRTUAL_NETWORK, NETWORK_MAPPING),
    seed_section="Steps for recovery",
    rationale=(
        "The seed's 'Steps for recovery' brings the VM back where it can serve. Site Recovery places a failed-over "
        "VM in the target network its source network is mapped to; without a mapping, enabling replication fails "
        "('Target network settings are not configured')."
    ),
    remediation="Declare a ReplicationNetworkMapping from each source VNet to a VNet in the target region.",
    snippet="""
import pulumi_azure_native.recoveryservices as rs

rs.ReplicationNetworkMapping("db-net", resource_group_name=asr_rg, resource_name_=asr_vault.name,
    fabric_name="asr-a2a-westeurope", network_name="db-vnet",
    properties=rs.CreateNetworkMappingInputPropertiesArgs(recovery_network_id=target_vnet.id,
        recovery_fabric_name="asr-a2a-northeurope",
        fabric_specific_details=rs.AzureToAzureCreateNetworkMappingInputArgs(instance_type="AzureToAzure",
            primary_network_id=source_vnet.id)))
""",
    links=(LEARN_NETWORK_MAPPING,),
    unknown="fail",
    unknown_note=("VNets join to mappings by property dependency, primaryNetworkId or networkName; a VNet of a subnet "
                  "that is unknown is reported (fail closed)."),
    missing="A NIC, subnet or VNet not declared in this stack is not judged. Only replicated VMs are judged.",
    check=check_network_mapping,
    tags=("site-recovery", "network"),
)


# ---- AZDR-ASR-009: outbound access to Site Recovery's service tags is AZDR-PRQ-002 -------------------------------
# (rules/prerequisites.py, retargeted to the VMs Site Recovery replicates: one rule, no double report).


# ---- AZDR-ASR-010 (stack): multi-VM consistency groups of at most 16 VMs -------------------------------------


def check_multi_vm_groups(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    groups: dict[tuple[str, str], list[PolicyResource]] = {}
    for r in replicas(graph):
        group = read(r.item, f"{DETAILS}.multiVmGroupName")
        if group is UNKNOWN:
            yield Finding(f"replication-protected item '{r.item.name}' has an unknown multiVmGroupName during preview: "
                          f"the group size cannot be verified", r.item)
            continue
        if not as_str(group):
            continue
        vault = _vault_of(graph, r.item)
        key = vault.target.urn if vault.target is not None else str(read(r.item, "resourceName"))
        groups.setdefault((key, group.lower()), []).append(r.item)
    for (_vault, group), members in groups.items():
        if len(members) > MAX_MULTI_VM_GROUP:
            yield Finding(
                f"multi-VM consistency group {show(group)} has {len(members)} VMs ("
                f"{', '.join(m.name for m in members)}): Azure allows at most {MAX_MULTI_VM_GROUP}; split the group",
                members[0])


MULTI_VM_GROUPS = Rule(
    id="AZDR-ASR-010",
    name="site-recovery-multi-vm-group-size",
    title="A Site Recovery multi-VM consistency group must hold at most 16 VMs.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(REPLICATED_ITEM,),
    seed_section="Backup and DR scenarios",
    rationale=(
        "The seed's 'Backup and DR scenarios' includes multi-VM database and cluster workloads that must recover to "
        "one consistent point. Site Recovery's multi-VM consistency groups give that, for at most 16 VMs per group; "
        "Azure refuses a larger group."
    ),
    remediation="Split the VMs into groups of 16 or fewer (multi_vm_group_name).",
    snippet="""
import pulumi_azure_native.recoveryservices as rs

rs.A2AEnableProtectionInputArgs(instance_type="A2A", fabric_object_id=vm.id, multi_vm_group_name="db-group-1")
""",
    links=(LEARN_FAQ,),
    unknown="fail",
    unknown_note="An unknown multiVmGroupName is reported (fail closed).",
    missing="No multiVmGroupName means the VM is not in a group and passes.",
    check=check_multi_vm_groups,
    tags=("site-recovery", "consistency"),
)


# ---- AZDR-ASR-011 (resource): agent auto-update with a managed identity -------------------------------------


def check_auto_update(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    psi = get(args.props, "properties.providerSpecificInput")
    if not same_text(get(psi, "instanceType"), A2A):
        return
    status = get(psi, "agentAutoUpdateStatus")
    auth = get(psi, "automationAccountAuthenticationType")
    if not same_text(status, "Enabled"):
        yield (f"container mapping '{args.name}' has Mobility agent auto-update {show(status)}: an agent more than "
               f"four versions behind stops replication; set agentAutoUpdateStatus to Enabled")
    elif not same_text(auth, "SystemAssignedIdentity"):
        yield (f"container mapping '{args.name}' updates the agent with automationAccountAuthenticationType "
               f"{show(auth)}: Run As accounts are retired; set it to SystemAssignedIdentity")


AUTO_UPDATE = Rule(
    id="AZDR-ASR-011",
    name="site-recovery-agent-auto-update",
    title="A2A container mappings must auto-update the Mobility agent with a managed identity.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(CONTAINER_MAPPING,),
    seed_section="Other considerations",
    rationale=(
        "The seed's 'Other considerations' covers keeping the protection working over time. Site Recovery turns "
        "replication off when the Mobility agent falls more than four versions behind; auto-update prevents that, "
        "and must authenticate with the vault's managed identity because Run As accounts are retired (the SDK "
        "injects RunAsAccount when the field is omitted)."
    ),
    remediation="Set agent_auto_update_status=Enabled and automation_account_authentication_type=SystemAssignedIdentity.",
    snippet="""
import pulumi_azure_native.recoveryservices as rs

rs.A2AContainerMappingInputArgs(instance_type="A2A", agent_auto_update_status=rs.AgentAutoUpdateStatus.ENABLED,
    automation_account_authentication_type=rs.AutomationAccountAuthenticationType.SYSTEM_ASSIGNED_IDENTITY)
""",
    links=(LEARN_AUTOUPDATE, LEARN_RELIABILITY),
    unknown="advisory",
    unknown_note="The mapping inputs are literal; an unknown one yields the SDK advisory.",
    missing=("agentAutoUpdateStatus not set means Disabled and fails; automationAccountAuthenticationType not set "
             "means RunAsAccount and fails when auto-update is on. Non-A2A mappings are not judged."),
    check=check_auto_update,
    tags=("site-recovery", "agent"),
)


RULES = [VM_REPLICATED, VAULT_NOT_IN_SOURCE, VAULT_IN_TARGET, POLICY_TIMINGS, CACHE_ACCOUNT, TARGET_PLACEMENT,
         REPLICABLE_DISKS, NETWORK_MAPPING_RULE, MULTI_VM_GROUPS, AUTO_UPDATE]
