"""ConfigBackup, ImageGallery and ConsistentSnapshots under the mock runtime: the exact recorded inputs
(locations, createOption, incremental, target regions, storage SKUs, soft delete / versioning), naming,
parenting, ordering, and preview unknowns."""

from __future__ import annotations

import pytest

from components.arm_mocks import SUBSCRIPTION_ID
from components.config import parse_stack_config
from components.config_backup import ConfigBackup, ConfigBackupArgs, default_account_name
from components.image_gallery import ImageGallery, ImageGalleryArgs, gallery_name, uses_custom_images
from components.restore_points import (
    ConsistentSnapshots,
    ConsistentSnapshotsArgs,
    DiskSource,
    VmSource,
    dr_regions_needing_copies,
    points_in_time,
)
from posture.capture import UNKNOWN
from tests.components.helpers import run

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"
SUB = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups"
IMAGE_ID = "/subscriptions/s/resourceGroups/rg-img/providers/Microsoft.Compute/images/golden"
DB_TAGS = {"dr-high-availability": "true", "dr-rpo-hours": "4", "dr-tier": "database", "dr-workload": "db",
           "dr-cross-region-rpo-hours": "36"}


def cfg(workload_extra=None, **top):
    w = {"tier": "database", "sshPublicKey": KEY, **(workload_extra or {})}
    return parse_stack_config({"workloads": {"db": w}, **top}, location="westeurope")


# --- configuration backup ----------------------------------------------------------------------------------


def test_config_backup_account_is_ra_grs_https_tls12_private():
    c = cfg()
    cap = run(lambda: ConfigBackup("cfg", ConfigBackupArgs.from_config(c, "rg-dr-config", "dev")))
    [account] = cap.find("azure-native:storage:StorageAccount")
    name = default_account_name("dr", SUBSCRIPTION_ID, "azure-iaas-dr", "dev")
    assert name == "drcfg" + __import__("hashlib").sha256(
        f"{SUBSCRIPTION_ID}/azure-iaas-dr/dev".encode()).hexdigest()[:10]
    assert account.name == "cfg-account"
    assert account.inputs == {
        "accountName": name, "accessTier": "Hot", "allowBlobPublicAccess": False,
        "allowCrossTenantReplication": False, "enableHttpsTrafficOnly": True, "kind": "StorageV2",
        "location": "westeurope", "minimumTlsVersion": "TLS1_2", "resourceGroupName": "rg-dr-config",
        "sku": {"name": "Standard_RAGRS"}, "tags": {"dr-purpose": "configuration-backup"},
    }
    assert (account.options["protect"], account.options["retainOnDelete"]) == (True, True)


def test_config_backup_blob_service_soft_delete_and_versioning():
    c = cfg(configBackup={"sku": "Standard_RAGZRS", "accountName": "contosodrcfg", "blobSoftDeleteDays": 90,
                          "containerSoftDeleteDays": 14}, protect=False, retainOnDelete=False)
    cap = run(lambda: ConfigBackup("cfg", ConfigBackupArgs.from_config(c, "rg-dr-config", "dev")))
    [account] = cap.find("azure-native:storage:StorageAccount")
    assert account.inputs["sku"] == {"name": "Standard_RAGZRS"}
    assert account.inputs["accountName"] == "contosodrcfg"
    assert (account.options["protect"], account.options["retainOnDelete"]) == (False, False)
    [svc] = cap.find("azure-native:storage:BlobServiceProperties")
    assert svc.inputs == {
        "accountName": "contosodrcfg", "blobServicesName": "default", "isVersioningEnabled": True,
        "deleteRetentionPolicy": {"enabled": True, "days": 90.0},
        "containerDeleteRetentionPolicy": {"enabled": True, "days": 14.0},
        "resourceGroupName": "rg-dr-config",
    }
    assert svc.property_dependencies["accountName"] == [account.urn]


def test_config_backup_containers_private_and_outputs():
    c = cfg(configBackup={"accountName": "contosodrcfg"})
    cap = run(lambda: ConfigBackup("cfg", ConfigBackupArgs.from_config(c, "rg-dr-config", "dev")))
    containers = cap.find("azure-native:storage:BlobContainer")
    assert [(r.name, r.inputs) for r in containers] == [
        ("cfg-state", {"accountName": "contosodrcfg", "containerName": "pulumi-state", "publicAccess": "None",
                       "resourceGroupName": "rg-dr-config"}),
        ("cfg-templates", {"accountName": "contosodrcfg", "containerName": "templates", "publicAccess": "None",
                           "resourceGroupName": "rg-dr-config"}),
    ]
    [svc] = cap.find("azure-native:storage:BlobServiceProperties")
    assert all(svc.urn in r.dependencies for r in containers)
    [comp] = cap.find("azure-iaas-dr:config_backup:ConfigBackup")
    assert comp.outputs == {
        "accountName": "contosodrcfg",
        "accountId": f"{SUB}/rg-dr-config/providers/Microsoft.Storage/storageAccounts/contosodrcfg",
        "stateContainer": "pulumi-state", "templatesContainer": "templates",
        "backendUrl": "azblob://pulumi-state?storage_account=contosodrcfg",
    }
    assert {r.parent for r in cap.resources if r.type.startswith("azure-native:storage")} == {comp.urn}


def test_config_backup_sku_other_than_read_access_geo_is_a_config_error():
    from components.config import ConfigError

    with pytest.raises(ConfigError) as e:
        cfg(configBackup={"sku": "Standard_LRS"})
    assert e.value.problems == ['azure-iaas-dr:configBackup.sku: "Standard_LRS": one of "Standard_RAGRS" or'
                                ' "Standard_RAGZRS"']


# --- image gallery -----------------------------------------------------------------------------------------

CUSTOM = {"customImage": {"sourceId": IMAGE_ID, "publisher": "contoso", "offer": "db", "sku": "gen2",
                          "replicaCount": 2}}


def test_gallery_replicates_image_version_to_primary_and_dr_with_zrs():
    c = cfg(CUSTOM)
    assert uses_custom_images(c, "westeurope") and not uses_custom_images(c, "northeurope")
    cap = run(lambda: ImageGallery("img-westeurope", ImageGalleryArgs.from_config(c, "westeurope", "rg-dr-config")))
    [gallery] = cap.find("azure-native:compute:Gallery")
    assert gallery.inputs == {"galleryName": "gal_dr_westeurope", "location": "westeurope",
                              "resourceGroupName": "rg-dr-config",
                              "description": "Custom images replicated to the DR region (azure-iaas-dr).",
                              "tags": {"dr-purpose": "configuration-backup"}}
    [image] = cap.find("azure-native:compute:GalleryImage")
    assert image.name == "img-westeurope-db-image"
    assert image.inputs == {
        "galleryImageName": "db", "galleryName": "gal_dr_westeurope", "location": "westeurope",
        "resourceGroupName": "rg-dr-config", "hyperVGeneration": "V2", "osState": "Generalized", "osType": "Linux",
        "identifier": {"publisher": "contoso", "offer": "db", "sku": "gen2"},
        "features": [{"name": "SecurityType", "value": "TrustedLaunchSupported"}], "tags": DB_TAGS,
    }
    [version] = cap.find("azure-native:compute:GalleryImageVersion")
    assert version.inputs == {
        "galleryImageName": "db", "galleryImageVersionName": "1.0.0", "galleryName": "gal_dr_westeurope",
        "location": "westeurope", "resourceGroupName": "rg-dr-config", "tags": DB_TAGS,
        "storageProfile": {"source": {"id": IMAGE_ID}},
        "publishingProfile": {
            "replicaCount": 2.0, "storageAccountType": "Standard_ZRS",
            "targetRegions": [
                {"name": "westeurope", "regionalReplicaCount": 2.0, "storageAccountType": "Standard_ZRS"},
                {"name": "northeurope", "regionalReplicaCount": 2.0, "storageAccountType": "Standard_ZRS"},
            ],
        },
    }
    [comp] = cap.find("azure-iaas-dr:image_gallery:ImageGallery")
    assert comp.outputs["imageVersionIds"] == {"db": version.id}
    assert version.id == (f"{SUB}/rg-dr-config/providers/Microsoft.Compute/galleries/gal_dr_westeurope/images/db/"
                          "versions/1.0.0")


def test_gallery_vm_source_no_trusted_launch_and_explicit_dr_region():
    vm_source = "/subscriptions/s/resourceGroups/rg-img/providers/Microsoft.Compute/virtualMachines/builder"
    c = cfg({"customImage": {**CUSTOM["customImage"], "sourceId": vm_source, "version": "2.1.0",
                             "storageAccountType": "Standard_LRS", "replicaCount": 1},
             "trustedLaunch": False, "drRegion": "germanywestcentral"})
    cap = run(lambda: ImageGallery("img", ImageGalleryArgs.from_config(c, "westeurope", "rg")))
    [image] = cap.find("azure-native:compute:GalleryImage")
    assert "features" not in image.inputs
    [version] = cap.find("azure-native:compute:GalleryImageVersion")
    assert version.inputs["storageProfile"] == {"source": {"virtualMachineId": vm_source}}
    assert version.inputs["publishingProfile"]["targetRegions"] == [
        {"name": "westeurope", "regionalReplicaCount": 1.0, "storageAccountType": "Standard_LRS"},
        {"name": "germanywestcentral", "regionalReplicaCount": 1.0, "storageAccountType": "Standard_LRS"},
    ]
    assert version.inputs["galleryImageVersionName"] == "2.1.0"


def test_gallery_name_has_no_hyphens():
    assert gallery_name("dr", "westeurope") == "gal_dr_westeurope"
    assert gallery_name("a1", "us-gov-x") == "gal_a1_us_gov_x"


# --- consistent snapshots ----------------------------------------------------------------------------------

VM_ID = f"{SUB}/rg-dr-db/providers/Microsoft.Compute/virtualMachines/db-vm-0"
OS_ID = f"{SUB}/rg-dr-db/providers/Microsoft.Compute/disks/db-vm-0-os"
L0_ID = f"{SUB}/rg-dr-db/providers/Microsoft.Compute/disks/db-vm-0-data-0"
VM = VmSource("db-vm-0", VM_ID, "rg-dr-db", [DiskSource("os", OS_ID), DiskSource("lun0", L0_ID)])
POINTS = ["20260102t0000z", "20260101t0000z"]


def snapshots_program(c, vms=(VM,), dr_rg="rg-dr-recovery-northeurope"):
    w = c.workloads["db"]
    return lambda: ConsistentSnapshots("cs-db", ConsistentSnapshotsArgs.from_config(w, list(vms), dr_rg))


def test_restore_points_collection_sources_the_vm_and_the_copy_sources_the_collection():
    c = cfg({"consistentSnapshots": {"pointsInTime": POINTS}})
    assert points_in_time(c.workloads["db"].consistent_snapshots) == ["20260101t0000z", "20260102t0000z"]
    assert dr_regions_needing_copies(c) == ["northeurope"]
    cap = run(snapshots_program(c))
    rpcs = cap.find("azure-native:compute:RestorePointCollection")
    assert [(r.name, r.inputs) for r in rpcs] == [
        ("cs-db-db-vm-0-rpc", {"location": "westeurope", "resourceGroupName": "rg-dr-db",
                               "restorePointCollectionName": "rpc-db-vm-0", "source": {"id": VM_ID},
                               "tags": DB_TAGS}),
        ("cs-db-db-vm-0-rpc-dr", {"location": "northeurope", "resourceGroupName": "rg-dr-recovery-northeurope",
                                  "restorePointCollectionName": "rpc-db-vm-0-northeurope",
                                  "source": {"id": rpcs[0].id},
                                  "tags": {**DB_TAGS, "dr-copy-of": "rpc-db-vm-0"}}),
    ]
    rps = cap.find("azure-native:compute:RestorePoint")
    src1 = f"{SUB}/rg-dr-db/providers/Microsoft.Compute/restorePointCollections/rpc-db-vm-0/restorePoints/"
    assert [(r.name, r.inputs) for r in rps] == [
        ("cs-db-db-vm-0-20260101t0000z", {"resourceGroupName": "rg-dr-db",
                                          "restorePointCollectionName": "rpc-db-vm-0",
                                          "restorePointName": "rp-20260101t0000z"}),
        ("cs-db-db-vm-0-20260101t0000z-dr", {"resourceGroupName": "rg-dr-recovery-northeurope",
                                             "restorePointCollectionName": "rpc-db-vm-0-northeurope",
                                             "restorePointName": "rp-20260101t0000z",
                                             "sourceRestorePoint": {"id": src1 + "rp-20260101t0000z"}}),
        ("cs-db-db-vm-0-20260102t0000z", {"resourceGroupName": "rg-dr-db",
                                          "restorePointCollectionName": "rpc-db-vm-0",
                                          "restorePointName": "rp-20260102t0000z"}),
        ("cs-db-db-vm-0-20260102t0000z-dr", {"resourceGroupName": "rg-dr-recovery-northeurope",
                                             "restorePointCollectionName": "rpc-db-vm-0-northeurope",
                                             "restorePointName": "rp-20260102t0000z",
                                             "sourceRestorePoint": {"id": src1 + "rp-20260102t0000z"}}),
    ]
    # one restore point at a time per collection, oldest first
    assert rps[0].urn in rps[2].dependencies and rps[1].urn in rps[3].dependencies
    [comp] = cap.find("azure-iaas-dr:restore_points:ConsistentSnapshots")
    assert comp.outputs["sets"] == {"20260101t0000z": {"db-vm-0": rps[0].id}, "20260102t0000z": {"db-vm-0": rps[2].id}}
    assert comp.outputs["drSets"]["20260102t0000z"] == {"db-vm-0": rps[3].id}
    assert {r.parent for r in rps + rpcs} == {comp.urn}


def test_crash_consistent_mode_is_sent_and_no_copy_without_copy_to_dr():
    c = cfg({"consistentSnapshots": {"pointsInTime": ["20260101t0000z"], "consistency": "CrashConsistent",
                                     "copyToDrRegion": False}})
    assert dr_regions_needing_copies(c) == []
    cap = run(snapshots_program(c, dr_rg=None))
    assert [r.name for r in cap.find("azure-native:compute:RestorePointCollection")] == ["cs-db-db-vm-0-rpc"]
    [rp] = cap.find("azure-native:compute:RestorePoint")
    assert rp.inputs["consistencyMode"] == "CrashConsistent"
    [comp] = cap.find("azure-iaas-dr:restore_points:ConsistentSnapshots")
    assert comp.outputs["drSets"] == {}


def test_incremental_snapshot_sets_copy_start_into_dr_region_in_creation_order():
    c = cfg({"consistentSnapshots": {"method": "incrementalSnapshots", "pointsInTime": POINTS}})
    cap = run(snapshots_program(c))
    snaps = cap.find("azure-native:compute:Snapshot")
    assert [r.inputs["snapshotName"] for r in snaps] == [
        "snap-db-vm-0-os-20260101t0000z", "snap-db-vm-0-os-20260101t0000z-northeurope",
        "snap-db-vm-0-lun0-20260101t0000z", "snap-db-vm-0-lun0-20260101t0000z-northeurope",
        "snap-db-vm-0-os-20260102t0000z", "snap-db-vm-0-os-20260102t0000z-northeurope",
        "snap-db-vm-0-lun0-20260102t0000z", "snap-db-vm-0-lun0-20260102t0000z-northeurope",
    ]
    os1, os1_copy, l01, _, os2, os2_copy, _, _ = snaps
    assert os1.inputs == {
        "creationData": {"createOption": "Copy", "sourceResourceId": OS_ID}, "incremental": True,
        "location": "westeurope", "resourceGroupName": "rg-dr-db", "snapshotName": "snap-db-vm-0-os-20260101t0000z",
        "tags": {**DB_TAGS, "dr-point-in-time": "20260101t0000z"},
    }
    assert l01.inputs["creationData"] == {"createOption": "Copy", "sourceResourceId": L0_ID}
    assert os1_copy.inputs == {
        "creationData": {"createOption": "CopyStart", "sourceResourceId": os1.id}, "incremental": True,
        "location": "northeurope", "resourceGroupName": "rg-dr-recovery-northeurope",
        "snapshotName": "snap-db-vm-0-os-20260101t0000z-northeurope",
        "tags": {**DB_TAGS, "dr-point-in-time": "20260101t0000z", "dr-copy-of": "snap-db-vm-0-os-20260101t0000z"},
    }
    assert os1_copy.property_dependencies["creationData"] == [os1.urn]
    assert os1_copy.urn in os2_copy.dependencies and os1_copy.urn not in snaps[3].dependencies
    assert os2.inputs["creationData"]["createOption"] == "Copy"
    # audit W10: the source snapshots of a disk are created in label order (before, both points in parallel)
    assert os1.urn in os2.dependencies and os1.dependencies == []
    [comp] = cap.find("azure-iaas-dr:restore_points:ConsistentSnapshots")
    assert comp.outputs["sets"]["20260101t0000z"] == {"db-vm-0": {"os": os1.id, "lun0": l01.id}}
    assert comp.outputs["drSets"]["20260102t0000z"]["db-vm-0"]["os"] == os2_copy.id


def test_copy_without_dr_resource_group_is_refused():
    c = cfg({"consistentSnapshots": {"pointsInTime": POINTS}})
    with pytest.raises(ValueError, match="needs dr_resource_group_name to copy to northeurope"):
        run(snapshots_program(c, dr_rg=None))


def test_preview_unknown_vm_id_flows_into_the_collection_source():
    import pulumi_azure_native.resources as resources

    c = cfg({"consistentSnapshots": {"pointsInTime": ["20260101t0000z"]}})
    w = c.workloads["db"]

    def program():
        rg = resources.ResourceGroup("rg", resource_group_name="rg-dr-db", location="westeurope")
        # an output the mocks don't echo (like an id Azure assigns) is unknown during preview
        vm = VmSource("db-vm-0", rg.managed_by, rg.managed_by)
        ConsistentSnapshots("cs-db", ConsistentSnapshotsArgs.from_config(w, [vm], "rg-dr-recovery-northeurope"))

    cap = run(program, preview=True)
    rpc, rpc_dr = cap.find("azure-native:compute:RestorePointCollection")
    assert rpc.inputs["source"] == {"id": UNKNOWN}
    assert rpc.inputs["resourceGroupName"] == UNKNOWN
    assert rpc_dr.inputs["location"] == "northeurope"


# --- ARM validity of every issue-5 variant (the dev stack covers only one of each) ----------------------------


def arm_problems(cap):
    from tests.armschema.validate import RESOURCE_TYPES, validate_capture

    azure = {r.type for r in cap.resources if r.custom and r.type.startswith("azure-native:")}
    assert azure - set(RESOURCE_TYPES) == set()  # every issue-5 type is judged
    return {urn: p for urn, p in validate_capture(cap.resources).items() if p}


@pytest.mark.parametrize("settings", [
    {"pointsInTime": POINTS},
    {"pointsInTime": POINTS, "consistency": "CrashConsistent", "copyToDrRegion": False},
    {"method": "incrementalSnapshots", "pointsInTime": POINTS},
    {"method": "incrementalSnapshots", "pointsInTime": POINTS, "copyToDrRegion": False},
], ids=["restore-points-copied", "crash-consistent-local", "snapshots-copied", "snapshots-local"])
def test_consistent_snapshot_variants_are_valid_arm(settings):
    c = cfg({"consistentSnapshots": settings})
    copy = settings.get("copyToDrRegion", True)
    cap = run(snapshots_program(c, dr_rg="rg-dr-recovery-northeurope" if copy else None))
    types = sorted({r.type for r in cap.resources if r.custom})
    expected = (["azure-native:compute:Snapshot"] if settings.get("method") == "incrementalSnapshots" else
                ["azure-native:compute:RestorePoint", "azure-native:compute:RestorePointCollection"])
    assert types == expected
    assert arm_problems(cap) == {}


@pytest.mark.parametrize("image", [
    CUSTOM,
    {"customImage": {**CUSTOM["customImage"], "storageAccountType": "Standard_LRS", "hyperVGeneration": "V1",
                     "sourceId": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/b"},
     "trustedLaunch": False},
], ids=["managed-image-zrs", "vm-source-lrs-gen1"])
def test_gallery_variants_are_valid_arm(image):
    c = cfg(image)
    cap = run(lambda: ImageGallery("img", ImageGalleryArgs.from_config(c, "westeurope", "rg-dr-config")))
    assert len(cap.find("azure-native:compute:GalleryImageVersion")) == 1
    assert arm_problems(cap) == {}


@pytest.mark.parametrize("sku", ["Standard_RAGRS", "Standard_RAGZRS"])
def test_config_backup_variants_are_valid_arm(sku):
    c = cfg(configBackup={"sku": sku, "accountName": "contosodrcfg", "blobSoftDeleteDays": 365,
                          "containerSoftDeleteDays": 1})
    cap = run(lambda: ConfigBackup("cfg", ConfigBackupArgs.from_config(c, "rg-dr-config", "dev")))
    assert [r.inputs["sku"]["name"] for r in cap.find("azure-native:storage:StorageAccount")] == [sku]
    assert arm_problems(cap) == {}


def test_gallery_replicas_are_lrs_where_the_region_has_no_zones():
    """Audit W9: ZRS gallery replicas exist only in regions with availability zones (westus has none)."""
    from components.image_gallery import replica_storage

    assert (replica_storage("Standard_ZRS", "eastus"), replica_storage("Standard_ZRS", "westus"),
            replica_storage("Premium_LRS", "westus")) == ("Standard_ZRS", "Standard_LRS", "Premium_LRS")
