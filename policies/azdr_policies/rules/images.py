"""Snapshots, images and their storage (AZDR-SNP-*, AZDR-IMG-*, AZDR-STG-*): the seed's
"Alternative solution: Consistent snapshots", "Copy the snapshots to another region" and the appendix
on data redundancy.

Wire shapes (azure-native v3): `compute:Snapshot` (API 2024-03-02) `incremental`, `location`,
`creationData.createOption|sourceResourceId`; `compute:GalleryImageVersion` (2024-03-03)
`location`, `publishingProfile.targetRegions[].name|regionalReplicaCount|storageAccountType`,
`publishingProfile.replicaCount|storageAccountType`; `storage:StorageAccount` (2024-01-01)
`sku.name`; `storage:BlobServiceProperties` `accountName`, `deleteRetentionPolicy.enabled|days`.
The region-pair table is the pack's own copy (`azdr_policies.regions`).
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from ..framework import ConfigKey, Finding, Rule, RuleConfig
from ..joins import UNKNOWN, Graph, known, location, read
from ..props import (
    DISK,
    GALLERY_IMAGE_VERSION,
    MISSING,
    SNAPSHOT,
    STORAGE_ACCOUNT,
    as_int,
    as_list,
    as_str,
    get,
    same_text,
    show,
)
from ..regions import capabilities, normalize_region, paired_region

BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"

LEARN_INCREMENTAL = "https://learn.microsoft.com/azure/virtual-machines/disks-incremental-snapshots"
LEARN_COPY = "https://learn.microsoft.com/azure/virtual-machines/disks-copy-incremental-snapshot-across-regions"
LEARN_PAIRS = "https://learn.microsoft.com/azure/reliability/regions-paired"
LEARN_GALLERY = "https://learn.microsoft.com/azure/virtual-machines/azure-compute-gallery#best-practices"
LEARN_REDUNDANCY = "https://learn.microsoft.com/azure/storage/common/storage-redundancy"
LEARN_SOFT_DELETE = "https://learn.microsoft.com/azure/storage/blobs/soft-delete-blob-overview"

COPY_START = "CopyStart"


# ---- AZDR-SNP-001 ------------------------------------------------------------------------------


def check_incremental(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    value = get(args.props, "incremental")
    if value is True:
        return
    yield (
        f"snapshot '{args.name}' has incremental {show(value) if value is not MISSING else 'not set (false)'}: full "
        f"snapshots cannot be copied across regions with CopyStart and cost the whole disk each time; set "
        f"incremental to true"
    )


SNAPSHOT_INCREMENTAL = Rule(
    id="AZDR-SNP-001",
    name="snapshot-incremental",
    title="Snapshots used for DR must be incremental.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(SNAPSHOT,),
    seed_section="Alternative solution: Consistent snapshots",
    rationale=(
        "The seed's 'Alternative solution: Consistent snapshots' takes regular disk snapshots and copies them to "
        "another region. Only incremental snapshots can be copied across regions (CopyStart) and they store only "
        "the changes since the last snapshot, so frequent DR snapshots stay affordable."
    ),
    remediation="Declare every snapshot with incremental=True.",
    snippet="""
import pulumi_azure_native.compute as compute

compute.Snapshot("db-1-data0-snap", resource_group_name=rg.name, incremental=True,
    creation_data=compute.CreationDataArgs(create_option=compute.DiskCreateOption.COPY,
        source_resource_id=disk.id))
""",
    links=(LEARN_INCREMENTAL,),
    unknown="advisory",
    unknown_note="`incremental` is normally literal; an unknown value yields the SDK advisory.",
    missing="incremental not set means false (Azure default: a full snapshot): fails. Every snapshot is judged.",
    check=check_incremental,
    tags=("snapshots",),
)


# ---- AZDR-SNP-002 / 003 (stack) ----------------------------------------------------------------


def _copies(graph: Graph):
    """(snapshot, its location, source resource, source location, createOption) for every snapshot whose
    source resolves (dependency of creationData, then creationData.sourceResourceId)."""
    for snap in graph.of(SNAPSHOT):
        ref = graph.ref(snap, "creationData", "creationData.sourceResourceId", (SNAPSHOT, DISK))
        option = read(snap, "creationData.createOption")
        yield snap, location(snap), ref, option


def check_cross_region_copy(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph(args.resources)
    for snap, loc, ref, option in _copies(graph):
        is_copy_start = same_text(option, COPY_START)
        if ref.target is None:
            if is_copy_start and ref.status == "unknown":
                yield Finding(f"snapshot '{snap.name}' copies with CopyStart from a source that is unknown during "
                              f"preview and has no dependency: the target region cannot be verified", snap)
            continue  # a source outside this stack: its region is not known to the pack
        src_loc = location(ref.target)
        if UNKNOWN in (loc, src_loc) or (option is UNKNOWN):
            if is_copy_start or option is UNKNOWN:
                yield Finding(f"snapshot '{snap.name}' copies '{ref.target.name}' but a location or createOption is "
                              f"unknown during preview: the cross-region copy cannot be verified", snap)
            continue
        if MISSING in (loc, src_loc):
            continue  # a location left to the resource group default is not compared
        if is_copy_start and loc == src_loc:
            yield Finding(
                f"snapshot '{snap.name}' uses CopyStart but stays in {loc} with its source '{ref.target.name}': a copy "
                f"in the same region does not survive a regional disaster; set location to the DR region", snap)
        elif not is_copy_start and loc != src_loc:
            yield Finding(
                f"snapshot '{snap.name}' in {loc} copies '{ref.target.name}' from {src_loc} with createOption "
                f"{show(option)}: cross-region copies of incremental snapshots need createOption 'CopyStart'", snap)


CROSS_REGION_COPY = Rule(
    id="AZDR-SNP-002",
    name="snapshot-cross-region-copy-start",
    title="Cross-region snapshot copies must use CopyStart into another region.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(SNAPSHOT, DISK),
    seed_section="Copy the snapshots to another region",
    rationale=(
        "The seed's 'Copy the snapshots to another region' protects against a regional disaster by copying the "
        "snapshots out of the primary region. Azure copies incremental snapshots between regions only with "
        "createOption CopyStart, and a CopyStart into the source's own region protects nothing."
    ),
    remediation="Create the DR copy with createOption CopyStart, the source snapshot's id, and the DR region.",
    snippet="""
import pulumi_azure_native.compute as compute

compute.Snapshot("db-1-data0-snap-dr", resource_group_name=dr_rg.name, location="northeurope",
    incremental=True, creation_data=compute.CreationDataArgs(
        create_option=compute.DiskCreateOption.COPY_START, source_resource_id=snapshot.id))
""",
    links=(LEARN_COPY,),
    unknown="fail",
    unknown_note=(
        "The source joins by the creationData dependency, then by id. A CopyStart whose source is unknown without "
        "a dependency, or an unknown location/createOption, is reported as 'cannot be verified'."
    ),
    missing=(
        "A snapshot whose source is not in this stack, or whose location (or its source's) is not set, is not "
        "compared (the pack cannot know the region)."
    ),
    check=check_cross_region_copy,
    tags=("snapshots", "cross-region"),
)


def check_paired_copy(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph(args.resources)
    for snap, loc, ref, option in _copies(graph):
        if ref.target is None or not same_text(option, COPY_START):
            continue
        src_loc = location(ref.target)
        if not (isinstance(loc, str) and isinstance(src_loc, str)) or loc == src_loc:
            continue  # unknown/missing/same region: AZDR-SNP-002
        pair = paired_region(src_loc)
        if pair is not None and pair != loc:
            yield Finding(
                f"snapshot '{snap.name}' copies '{ref.target.name}' from {src_loc} to {loc}, not to its paired region "
                f"{pair}: paired regions get sequential platform updates and priority recovery; prefer {pair} unless "
                f"{loc} is a deliberate DR choice", snap)


PAIRED_COPY = Rule(
    id="AZDR-SNP-003",
    name="snapshot-copy-to-paired-region",
    title="Cross-region snapshot copies should go to the source region's Azure pair.",
    severity=Severity.LOW,
    enforcement=EnforcementLevel.ADVISORY,
    kind="stack",
    resource_types=(SNAPSHOT, DISK),
    seed_section="Copy the snapshots to another region",
    rationale=(
        "The seed's 'Copy the snapshots to another region' copies to a paired region (West US to East US, its "
        "geo-redundant example). Azure recovers one region of each pair first and never updates both at once; "
        "another region can be a valid DR target, so this is advisory."
    ),
    remediation="Copy to the paired region of the source (see the Azure region-pair table), or exempt deliberately.",
    snippet="""
compute.Snapshot("db-1-snap-dr", resource_group_name=dr_rg.name, location="northeurope",  # pair of westeurope
    incremental=True, creation_data=compute.CreationDataArgs(create_option="CopyStart",
        source_resource_id=snapshot.id))
""",
    links=(LEARN_PAIRS, LEARN_COPY),
    unknown="skip",
    unknown_note="Copies whose regions are unknown are judged by AZDR-SNP-002 (fail closed) and skipped here.",
    missing="A source region without a pair (e.g. polandcentral) or not in the table accepts any target region.",
    check=check_paired_copy,
    tags=("snapshots", "cross-region"),
)


# ---- AZDR-IMG-001 ------------------------------------------------------------------------------


def check_gallery_replication(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]:
    raw_loc = as_str(get(args.props, "location"))
    dr = cfg["drRegion"].strip()
    dr_region = normalize_region(dr) if dr else (paired_region(raw_loc) if raw_loc else None)
    source = normalize_region(raw_loc) if raw_loc else None
    profile = get(args.props, "publishingProfile")
    default_count = as_int(get(profile, "replicaCount"))
    default_type = get(profile, "storageAccountType")
    minimum = cfg["minimumReplicas"]
    targets = as_list(get(profile, "targetRegions"))
    target = None
    for t in targets:
        name = as_str(get(t, "name"))
        if not name:
            continue
        region = normalize_region(name)
        if (dr_region and region == dr_region) or (not dr_region and region != source):
            target = t
            break
    if target is None:
        want = f"the DR region {dr_region}" if dr_region else "a region other than the source"
        yield (
            f"image version '{args.name}' does not replicate to {want}: a regional disaster leaves no image to rebuild "
            f"VMs from; add it to publishingProfile.targetRegions"
        )
        return
    tname = get(target, "name")
    count_raw = get(target, "regionalReplicaCount")
    count = as_int(count_raw) if count_raw is not MISSING else (default_count if default_count is not None else 1)
    stype = get(target, "storageAccountType")
    if stype is MISSING:
        stype = default_type
    row = capabilities(as_str(tname) or "")
    zoneless = row is not None and not row["zones"]  # ZRS replicas exist only where the region has zones
    if not same_text(stype, "Standard_ZRS") and not zoneless:
        shown = "not set (Standard_LRS)" if stype is MISSING else show(stype)
        yield (f"image version '{args.name}' replicates to {tname} as {shown}: use 'Standard_ZRS' so one zone "
               f"failure in the DR region does not lose the image")
    if count is None or count < minimum:
        yield (f"image version '{args.name}' keeps {count if count is not None else show(count_raw)} replica(s) in "
               f"{tname}, fewer than {minimum}: set regionalReplicaCount to at least {minimum}")


GALLERY_REPLICATION = Rule(
    id="AZDR-IMG-001",
    name="gallery-image-dr-replication",
    title="Gallery image versions must replicate to the DR region on ZRS with enough replicas.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(GALLERY_IMAGE_VERSION,),
    seed_section="Recovery from snapshots",
    rationale=(
        "The seed's 'Recovery from snapshots' rebuilds VMs in the DR region from copied disks and the VM template; "
        "VMs built from a custom image also need that image there. An image version that is not replicated to the "
        "DR region, or kept on one locally redundant replica, blocks or throttles the rebuild. ZRS replicas exist "
        "only in regions with availability zones, so a DR region without zones (westus, ukwest, canadaeast, ...) "
        "passes with LRS replicas. A gallery is a regional resource: Microsoft's DR best practice is a second "
        "gallery in the DR region, not only a replica (a replica alone is judged here)."
    ),
    remediation=(
        "List the DR region in publishingProfile.targetRegions with storageAccountType Standard_ZRS and "
        "regionalReplicaCount of at least `minimumReplicas`."
    ),
    snippet="""
import pulumi_azure_native.compute as compute

compute.GalleryImageVersionPublishingProfileArgs(target_regions=[
    compute.TargetRegionArgs(name="westeurope", regional_replica_count=2, storage_account_type="Standard_ZRS"),
    compute.TargetRegionArgs(name="northeurope", regional_replica_count=2, storage_account_type="Standard_ZRS")])
""",
    links=(LEARN_GALLERY, LEARN_PAIRS),
    unknown="advisory",
    unknown_note="Target regions and counts are normally literal; unknown values yield the SDK advisory.",
    missing=(
        "targetRegions not set means the source region only (fails). regionalReplicaCount not set falls back to "
        "publishingProfile.replicaCount, then 1; storageAccountType falls back to the profile's, then Standard_LRS "
        "(fails, except in a DR region without availability zones, where ZRS does not exist). Without drRegion and "
        "with an unpaired or unset location, any region other than the source counts."
    ),
    check=check_gallery_replication,
    config=(
        ConfigKey("minimumReplicas", "integer", 2, "Fewest replicas in the DR region.", minimum=1, maximum=100),
        ConfigKey("drRegion", "string", "",
                  "DR region the images must reach ('' = the Azure pair of the image version's location)."),
    ),
    tags=("images", "cross-region"),
)


# ---- AZDR-STG-001 ------------------------------------------------------------------------------

GEO_SKUS = ("Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS", "StandardV2_GRS", "StandardV2_GZRS")


PURPOSE_TAG = "dr-purpose"
DEFAULT_DR_PURPOSES = "configuration-backup,images,templates"


def holds_dr_data(props, cfg: RuleConfig) -> bool:
    """Whether a storage account holds DR images, templates or configuration backups: its `dr-purpose` tag (set by
    this project, e.g. on the configuration-backup account) is one of `drPurposes`. An ordinary application
    account is out of scope (issue 12). Unknown tags raise (the rule's unknown mode applies)."""
    purpose = get(props, f"tags.{PURPOSE_TAG}")
    wanted = {p.strip().lower() for p in str(cfg["drPurposes"]).split(",") if p.strip()}
    return isinstance(purpose, str) and purpose.strip().lower() in wanted


PURPOSES_KEY = ConfigKey("drPurposes", "string", DEFAULT_DR_PURPOSES,
                         "Comma-separated dr-purpose tag values of storage accounts that hold DR images, templates or "
                         "configuration backups (only those are judged).")


def check_storage_geo(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]:
    if not holds_dr_data(args.props, cfg):
        return
    sku = get(args.props, "sku.name")
    if any(same_text(sku, s) for s in GEO_SKUS):
        return
    shown = "has no sku (sku.name is required)" if sku is MISSING else f"is {show(sku)}"
    yield (
        f"storage account '{args.name}' {shown}: images and templates in it die with the region; use a "
        f"geo-redundant sku ({', '.join(GEO_SKUS)})"
    )


STORAGE_GEO = Rule(
    id="AZDR-STG-001",
    name="storage-account-geo-redundant",
    title="Storage accounts holding images or templates must be geo-redundant.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(STORAGE_ACCOUNT,),
    seed_section="Appendix: Understanding the impact of data redundancy",
    rationale=(
        "The seed's 'Appendix: Understanding the impact of data redundancy' explains that locally redundant "
        "storage keeps every copy in one datacenter, while geo-redundant (and read-access geo-redundant) storage "
        "keeps three more copies in the paired region. VM images, templates and configuration backups are what a "
        "DR rebuild starts from, so they must survive the region."
    ),
    remediation="Use a GRS/RA-GRS/GZRS/RA-GZRS sku (RA-GRS lets you read the secondary at any time).",
    snippet="""
import pulumi_azure_native.storage as storage

storage.StorageAccount("stdrimages", resource_group_name=rg.name, kind=storage.Kind.STORAGE_V2,
    sku=storage.SkuArgs(name=storage.SkuName.STANDARD_RAGRS))
""",
    links=(LEARN_REDUNDANCY,),
    unknown="advisory",
    unknown_note="The sku is normally literal; an unknown value yields the SDK advisory.",
    missing=(
        "sku is required by Azure; not set fails. Only accounts whose dr-purpose tag is one of drPurposes (this "
        "program tags its configuration-backup account) are judged; other accounts are out of scope. "
        "A Site Recovery cache (tag dr-purpose: site-recovery-cache) is out of scope here: AZDR-ASR-005 judges it."
    ),
    check=check_storage_geo,
    config=(PURPOSES_KEY,),
    tags=("storage", "redundancy"),
)


# ---- AZDR-STG-002 (stack) ----------------------------------------------------------------------


def check_blob_soft_delete(args: StackValidationArgs, cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph(args.resources)
    by_account: dict[str, list[PolicyResource]] = {}
    unjoined = 0
    for svc in graph.of(BLOB_SERVICE):
        ref = graph.ref(svc, "accountName", "accountName", (STORAGE_ACCOUNT,), by_name=True)
        if ref.target is not None:
            by_account.setdefault(ref.target.urn, []).append(svc)
        elif ref.status == "unknown":
            unjoined += 1
    minimum = cfg["minimumRetentionDays"]
    for account in graph.of(STORAGE_ACCOUNT):
        in_scope = known(lambda a=account: holds_dr_data(a.props, cfg))
        if in_scope is UNKNOWN:
            yield Finding(f"storage account '{account.name}' has a {PURPOSE_TAG} tag that is unknown during preview: "
                          f"whether it holds DR images or templates cannot be verified", account)
            continue
        if not in_scope:
            continue  # not an account of DR images, templates or configuration backups
        services = by_account.get(account.urn, [])
        if not services:
            note = (f" ({unjoined} blob service(s) have an unknown accountName without a dependency and could not be "
                    f"joined)") if unjoined else ""
            yield Finding(
                f"storage account '{account.name}' has no storage.BlobServiceProperties with deleteRetentionPolicy"
                f"{note}: blob soft delete is off by default, so a deleted image or template is gone at once; declare "
                f"BlobServiceProperties(account_name=<account>.name, delete_retention_policy=enabled, days>={minimum})",
                account)
            continue
        for svc in services:
            enabled = read(svc, "deleteRetentionPolicy.enabled")
            days = read(svc, "deleteRetentionPolicy.days")
            if UNKNOWN in (enabled, days):
                yield Finding(f"storage account '{account.name}' blob soft delete on '{svc.name}' is unknown during "
                              f"preview: it cannot be verified", account)
            elif enabled is not True:
                shown = "not set (disabled)" if enabled is MISSING else show(enabled)
                yield Finding(
                    f"storage account '{account.name}' has blob soft delete {shown} on '{svc.name}': set "
                    f"deleteRetentionPolicy.enabled to true with days >= {minimum}", account)
            else:
                n = as_int(days)
                if days is not MISSING and (n is None or n < minimum):
                    yield Finding(
                        f"storage account '{account.name}' keeps deleted blobs {show(days)} days on '{svc.name}', fewer "
                        f"than {minimum}: set deleteRetentionPolicy.days to {minimum}-365", account)
                elif days is MISSING and minimum > 7:
                    yield Finding(
                        f"storage account '{account.name}' keeps deleted blobs 7 days (days not set) on '{svc.name}', "
                        f"fewer than {minimum}: set deleteRetentionPolicy.days to {minimum}-365", account)


BLOB_SOFT_DELETE = Rule(
    id="AZDR-STG-002",
    name="storage-account-blob-soft-delete",
    title="Storage accounts holding images or templates must enable blob soft delete.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(STORAGE_ACCOUNT, BLOB_SERVICE),
    seed_section="Backup and DR scenarios",
    rationale=(
        "The seed's 'Backup and DR scenarios' counts accidental deletion and corruption among the failures to "
        "recover from. Geo-redundancy replicates a delete to the secondary at once; blob soft delete keeps deleted "
        "images and templates recoverable for the retention period."
    ),
    remediation="Declare BlobServiceProperties for the account with deleteRetentionPolicy enabled (>= the minimum days).",
    snippet="""
import pulumi_azure_native.storage as storage

storage.BlobServiceProperties("stdrimages-blob", resource_group_name=rg.name, account_name=account.name,
    blob_services_name="default",
    delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=14))
""",
    links=(LEARN_SOFT_DELETE,),
    unknown="fail",
    unknown_note=(
        "Blob services join their account by the accountName dependency, then by name. An unknown accountName "
        "without a dependency, or an unknown retention setting, is reported (fail closed)."
    ),
    missing=(
        "No BlobServiceProperties, or deleteRetentionPolicy.enabled not set, means soft delete is off (the ARM "
        "default): fails. days not set means 7 (Azure default). Only accounts whose dr-purpose tag is one of "
        "drPurposes are judged. A Site Recovery cache (tag dr-purpose: site-recovery-cache) is out of scope here: AZDR-ASR-005 judges it."
    ),
    check=check_blob_soft_delete,
    config=(
        PURPOSES_KEY,
        ConfigKey("minimumRetentionDays", "integer", 7, "Fewest days deleted blobs are kept (Azure allows 1-365).",
                  minimum=1, maximum=365),
    ),
    tags=("storage", "soft-delete"),
)


RULES = [SNAPSHOT_INCREMENTAL, CROSS_REGION_COPY, PAIRED_COPY, GALLERY_REPLICATION, STORAGE_GEO, BLOB_SOFT_DELETE]
