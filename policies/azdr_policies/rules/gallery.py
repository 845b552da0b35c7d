"""Gallery images (AZDR-IMG-*): the seed's appendix on data redundancy (images replicated to the DR
region).

Wire shapes (azure-native v3): `compute:GalleryImageVersion` (2024-03-03) `location`,
`publishingProfile.targetRegions[].name|regionalReplicaCount|storageAccountType`,
`publishingProfile.replicaCount|storageAccountType`. The region-pair table is the pack's own copy
(`azdr_policies.regions`).
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, Severity

from ..framework import ConfigKey, Rule, RuleConfig
from ..props import GALLERY_IMAGE_VERSION, MISSING, as_int, as_list, as_str, get, same_text, show
from ..regions import capabilities, normalize_region, paired_region

LEARN_PAIRS = "https://learn.microsoft.com/azure/reliability/regions-paired"
LEARN_GALLERY = "https://learn.microsoft.com/azure/virtual-machines/azure-compute-gallery#best-practices"


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


RULES = [GALLERY_REPLICATION]
