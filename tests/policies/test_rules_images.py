"""AZDR-SNP-*, AZDR-IMG-001, AZDR-STG-*: snapshots, cross-region copies, gallery replication,
storage accounts (the region tables: tests/test_facts.py)."""

import pytest
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE as UNK, \
    UnknownValueError

from azdr_policies import RULES_BY_ID

from .cases import Case, params
from .factories import DELETE, mutate
from .factories_dr import arm_id, blob_service_props, gallery_image_version_props, snapshot_props, \
    storage_account_props
from .harness import run_resource, stack_resource, urn_of

SNAP_T = "azure-native:compute:Snapshot"
DISK_T = "azure-native:compute:Disk"
SNAP = snapshot_props()


def _not_incremental(shown):
    return (f"[AZDR-SNP-001] snapshot 'snap' has incremental {shown}: full snapshots cannot be copied across regions "
            f"with CopyStart and cost the whole disk each time; set incremental to true")


CASES = [
    Case("AZDR-SNP-001", "pass-incremental", SNAP, name="snap"),
    Case("AZDR-SNP-001", "fail-full", mutate(SNAP, "incremental", False), [_not_incremental("False")], name="snap"),
    Case("AZDR-SNP-001", "fail-missing-means-full", mutate(SNAP, "incremental", DELETE),
         [_not_incremental("not set (false)")], name="snap"),
    Case("AZDR-SNP-001", "fail-string-true", mutate(SNAP, "incremental", "true"), [_not_incremental("'true'")],
         name="snap"),
]


def test_incremental_unknown_is_advisory():
    with pytest.raises(UnknownValueError):
        run_resource(RULES_BY_ID["AZDR-SNP-001"], mutate(SNAP, "incremental", UNKNOWN_BOOLEAN_VALUE), name="snap")


# ---- AZDR-SNP-002 / 003 (stack) -----------------------------------------------------------------

SRC_ID = arm_id("Microsoft.Compute/snapshots", "src")


def copy(name, target_loc, option="CopyStart", *, src_loc="westeurope", dep=True, source_id=SRC_ID):
    def build():
        src = stack_resource(SNAP_T, "src", {**snapshot_props(src_loc), "id": SRC_ID, "name": "src"})
        dr = stack_resource(SNAP_T, name, {**snapshot_props(target_loc, option, source_id), "name": name},
                            property_dependencies={"creationData": [src]} if dep else None)
        return [src, dr]
    return build


def _same_region(name, loc="westeurope"):
    return (f"[AZDR-SNP-002] snapshot '{name}' uses CopyStart but stays in {loc} with its source 'src': a copy in the "
            f"same region does not survive a regional disaster; set location to the DR region", urn_of(SNAP_T, name))


CASES += [
    Case("AZDR-SNP-002", "pass-copy-start-to-pair", copy("pass-dr", "northeurope")),
    Case("AZDR-SNP-002", "pass-copy-start-by-id", copy("pass-dr", "northeurope", dep=False)),
    Case("AZDR-SNP-002", "pass-same-region-copy-is-not-a-dr-copy", copy("pass-local", "westeurope", "Copy")),
    Case("AZDR-SNP-002", "pass-external-source-not-judged", copy("pass-ext", "westeurope", dep=False,
                                                                 source_id="/ext/snap")),
    Case("AZDR-SNP-002", "fail-copy-start-same-region", copy("fail-dr", "westeurope"), [_same_region("fail-dr")]),
    Case("AZDR-SNP-002", "fail-copy-start-same-region-display-name", copy("fail-dr", "West Europe"),
         [_same_region("fail-dr")]),
    Case("AZDR-SNP-002", "fail-cross-region-without-copy-start", copy("fail-dr", "northeurope", "Copy"),
         [("[AZDR-SNP-002] snapshot 'fail-dr' in northeurope copies 'src' from westeurope with createOption 'Copy': "
           "cross-region copies of incremental snapshots need createOption 'CopyStart'", urn_of(SNAP_T, "fail-dr"))]),
    Case("AZDR-SNP-002", "fail-unknown-source-without-dependency", copy("fail-dr", "northeurope", dep=False,
                                                                        source_id=UNK),
         [("[AZDR-SNP-002] snapshot 'fail-dr' copies with CopyStart from a source that is unknown during preview and "
           "has no dependency: the target region cannot be verified", urn_of(SNAP_T, "fail-dr"))]),
    Case("AZDR-SNP-002", "fail-unknown-target-location", copy("fail-dr", UNK),
         [("[AZDR-SNP-002] snapshot 'fail-dr' copies 'src' but a location or createOption is unknown during preview: "
           "the cross-region copy cannot be verified", urn_of(SNAP_T, "fail-dr"))]),
    Case("AZDR-SNP-003", "pass-to-pair", copy("pass-dr", "northeurope")),
    Case("AZDR-SNP-003", "pass-unpaired-source-any-target", copy("pass-dr", "germanywestcentral",
                                                                 src_loc="polandcentral")),
    Case("AZDR-SNP-003", "pass-same-region-left-to-snp-002", copy("pass-dr", "westeurope")),
    Case("AZDR-SNP-003", "fail-not-the-pair", copy("fail-dr", "eastus"),
         [("[AZDR-SNP-003] snapshot 'fail-dr' copies 'src' from westeurope to eastus, not to its paired region "
           "northeurope: paired regions get sequential platform updates and priority recovery; prefer northeurope "
           "unless eastus is a deliberate DR choice", urn_of(SNAP_T, "fail-dr"))]),
    Case("AZDR-SNP-003", "fail-one-way-pair-followed", copy("fail-dr", "northcentralus", src_loc="brazilsouth"),
         [("[AZDR-SNP-003] snapshot 'fail-dr' copies 'src' from brazilsouth to northcentralus, not to its paired "
           "region southcentralus: paired regions get sequential platform updates and priority recovery; prefer "
           "southcentralus unless northcentralus is a deliberate DR choice", urn_of(SNAP_T, "fail-dr"))]),
]

# ---- AZDR-IMG-001 --------------------------------------------------------------------------------

GIV_T = "azure-native:compute:GalleryImageVersion"
GIV = gallery_image_version_props()
TR = "publishingProfile.targetRegions"


def _img_no_dr(want="the DR region northeurope"):
    return (f"[AZDR-IMG-001] image version 'img' does not replicate to {want}: a regional disaster leaves no image "
            f"to rebuild VMs from; add it to publishingProfile.targetRegions")


def _img_type(shown, region="northeurope"):
    return (f"[AZDR-IMG-001] image version 'img' replicates to {region} as {shown}: use 'Standard_ZRS' so one zone "
            f"failure in the DR region does not lose the image")


def _img_count(n, minimum=2, region="northeurope"):
    return (f"[AZDR-IMG-001] image version 'img' keeps {n} replica(s) in {region}, fewer than {minimum}: set "
            f"regionalReplicaCount to at least {minimum}")


def _img(case_id, props, expected=(), config=None):
    return Case("AZDR-IMG-001", case_id, props, list(expected), config=config, name="img", type_=GIV_T)


CASES += [
    _img("pass-pair-zrs-2", GIV),
    _img("pass-profile-defaults-inherited", mutate(mutate(mutate(mutate(GIV, f"{TR}[1].regionalReplicaCount", DELETE),
                                                                 f"{TR}[1].storageAccountType", DELETE),
                                                          "publishingProfile.replicaCount", 3),
                                                   "publishingProfile.storageAccountType", "Standard_ZRS")),
    _img("pass-configured-dr-region", mutate(GIV, f"{TR}[1].name", "swedencentral"),
         config={"drRegion": "Sweden Central"}),
    _img("pass-configured-minimum-1", mutate(GIV, f"{TR}[1].regionalReplicaCount", 1), config={"minimumReplicas": 1}),
    _img("fail-no-dr-region", mutate(GIV, TR, [GIV["publishingProfile"]["targetRegions"][0]]), [_img_no_dr()]),
    _img("fail-target-regions-missing", mutate(GIV, TR, DELETE), [_img_no_dr()]),
    _img("fail-other-region-not-pair", mutate(GIV, f"{TR}[1].name", "eastus"), [_img_no_dr()]),
    _img("fail-unpaired-source-only", mutate(mutate(GIV, "location", "polandcentral"), TR,
                                             [{"name": "polandcentral", "regionalReplicaCount": 2,
                                               "storageAccountType": "Standard_ZRS"}]),
         [_img_no_dr("a region other than the source")]),
    _img("fail-lrs", mutate(GIV, f"{TR}[1].storageAccountType", "Standard_LRS"), [_img_type("'Standard_LRS'")]),
    # audit W9: eastus -> westus, whose DR region has no zones: no ZRS replicas exist there, so LRS passes
    _img("pass-zoneless-dr-region-lrs", mutate(mutate(mutate(GIV, "location", "eastus"), f"{TR}[0].name", "eastus"),
                                               TR + "[1]", {"name": "westus", "regionalReplicaCount": 2,
                                                            "storageAccountType": "Standard_LRS"})),
    _img("fail-type-missing-everywhere", mutate(GIV, f"{TR}[1].storageAccountType", DELETE),
         [_img_type("not set (Standard_LRS)")]),
    _img("fail-one-replica", mutate(GIV, f"{TR}[1].regionalReplicaCount", 1), [_img_count(1)]),
    _img("fail-count-missing-defaults-to-1", mutate(GIV, f"{TR}[1].regionalReplicaCount", DELETE), [_img_count(1)]),
    _img("fail-below-configured-minimum", GIV, [_img_count(2, 3)], config={"minimumReplicas": 3}),
    _img("fail-fractional-count", mutate(GIV, f"{TR}[1].regionalReplicaCount", 1.5), [_img_count("1.5")]),
]


@pytest.mark.parametrize("path,sentinel", [(f"{TR}[1].regionalReplicaCount", UNKNOWN_NUMBER_VALUE),
                                           (f"{TR}[1].name", UNK), ("location", UNK)])
def test_gallery_unknown_is_advisory(path, sentinel):
    with pytest.raises(UnknownValueError):
        run_resource(RULES_BY_ID["AZDR-IMG-001"], mutate(GIV, path, sentinel), name="img", type_=GIV_T)


# ---- AZDR-STG-001 / 002 --------------------------------------------------------------------------

ST_T = "azure-native:storage:StorageAccount"
BLOB_T = "azure-native:storage:BlobServiceProperties"
ST_URN = urn_of(ST_T, "st")
GEO = ("Standard_GRS, Standard_RAGRS, Standard_GZRS, Standard_RAGZRS, StandardV2_GRS, StandardV2_GZRS")


def _st(shown):
    return (f"[AZDR-STG-001] storage account 'st' is {shown}: images and templates in it die with the region; use a "
            f"geo-redundant sku ({GEO})")


CASES += [Case("AZDR-STG-001", f"pass-{s}", storage_account_props(s), name="st") for s in GEO.split(", ")]
CASES += [
    Case("AZDR-STG-001", "fail-lrs", storage_account_props("Standard_LRS"), [_st("'Standard_LRS'")], name="st"),
    Case("AZDR-STG-001", "fail-zrs", storage_account_props("Standard_ZRS"), [_st("'Standard_ZRS'")], name="st"),
    Case("AZDR-STG-001", "fail-sku-missing", mutate(storage_account_props(), "sku", DELETE),
         [_st("not set").replace("is not set", "has no sku (sku.name is required)")], name="st"),
    # scope (issue 12): only accounts tagged as holding DR images, templates or configuration backups
    Case("AZDR-STG-001", "pass-application-account-out-of-scope", storage_account_props("Standard_LRS", purpose=None),
         name="st"),
    Case("AZDR-STG-001", "pass-other-purpose-out-of-scope", storage_account_props("Standard_LRS", purpose="app-logs"),
         name="st"),
    Case("AZDR-STG-001", "fail-images-purpose", storage_account_props("Standard_LRS", purpose="images"),
         [_st("'Standard_LRS'")], name="st"),
    Case("AZDR-STG-001", "pass-configured-purposes", storage_account_props("Standard_LRS", purpose="images"),
         name="st", config={"drPurposes": "configuration-backup"}),
]


def blob(svc=None, *, dep=True, account_name="stdrimages", purpose="configuration-backup"):
    def build():
        st = stack_resource(ST_T, "st", {**storage_account_props(purpose=purpose), "name": "stdrimages"})
        out = [st]
        if svc is not None:
            out.append(stack_resource(BLOB_T, "st-blob", {**svc, "accountName": account_name},
                                      property_dependencies={"accountName": [st]} if dep else None))
        return out
    return build


def _sd(tail):
    return (f"[AZDR-STG-002] storage account 'st' {tail}", ST_URN)


FIX_SD = "set deleteRetentionPolicy.enabled to true with days >= 7"
CASES += [
    Case("AZDR-STG-002", "pass-enabled-14-by-dependency", blob(blob_service_props())),
    Case("AZDR-STG-002", "pass-enabled-by-name", blob(blob_service_props(), dep=False)),
    Case("AZDR-STG-002", "pass-days-missing-default-7", blob(blob_service_props(days=None))),
    Case("AZDR-STG-002", "pass-at-configured-minimum", blob(blob_service_props(days=30)),
         config={"minimumRetentionDays": 30}),
    Case("AZDR-STG-002", "fail-no-blob-service", blob(None),
         [_sd("has no storage.BlobServiceProperties with deleteRetentionPolicy: blob soft delete is off by default, "
              "so a deleted image or template is gone at once; declare BlobServiceProperties(account_name=<account>."
              "name, delete_retention_policy=enabled, days>=7)")]),
    Case("AZDR-STG-002", "fail-unknown-account-without-dependency", blob(blob_service_props(), dep=False,
                                                                         account_name=UNK),
         [_sd("has no storage.BlobServiceProperties with deleteRetentionPolicy (1 blob service(s) have an unknown "
              "accountName without a dependency and could not be joined): blob soft delete is off by default, so a "
              "deleted image or template is gone at once; declare BlobServiceProperties(account_name=<account>.name, "
              "delete_retention_policy=enabled, days>=7)")]),
    Case("AZDR-STG-002", "fail-disabled", blob(blob_service_props(enabled=False)),
         [_sd(f"has blob soft delete False on 'st-blob': {FIX_SD}")]),
    Case("AZDR-STG-002", "fail-enabled-missing", blob({**blob_service_props(), "deleteRetentionPolicy": {"days": 7}}),
         [_sd(f"has blob soft delete not set (disabled) on 'st-blob': {FIX_SD}")]),
    Case("AZDR-STG-002", "fail-below-configured-minimum", blob(blob_service_props(days=29)),
         [_sd("keeps deleted blobs 29 days on 'st-blob', fewer than 30: set deleteRetentionPolicy.days to 30-365")],
         config={"minimumRetentionDays": 30}),
    Case("AZDR-STG-002", "fail-days-missing-below-configured-minimum", blob(blob_service_props(days=None)),
         [_sd("keeps deleted blobs 7 days (days not set) on 'st-blob', fewer than 8: set deleteRetentionPolicy.days "
              "to 8-365")], config={"minimumRetentionDays": 8}),
    Case("AZDR-STG-002", "pass-application-account-out-of-scope", blob(None, purpose=None)),
    Case("AZDR-STG-002", "fail-unknown-purpose", blob(None, purpose=UNK),
         [_sd("has a dr-purpose tag that is unknown during preview: whether it holds DR images or templates cannot "
              "be verified")]),
    Case("AZDR-STG-002", "fail-unknown-enabled", blob(blob_service_props(enabled=UNKNOWN_BOOLEAN_VALUE)),
         [_sd("blob soft delete on 'st-blob' is unknown during preview: it cannot be verified")]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()


def test_storage_sku_unknown_is_advisory():
    with pytest.raises(UnknownValueError):
        run_resource(RULES_BY_ID["AZDR-STG-001"], mutate(storage_account_props(), "sku.name", UNK), name="st")
