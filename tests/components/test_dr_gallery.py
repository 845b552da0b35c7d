"""The DR-region gallery (audit W8): a custom image gets a gallery in the DR region too, not only a replica of
the primary gallery. Exact inputs of every resource it declares."""

from __future__ import annotations

from components import facts
from components.arm_mocks import ArmMocks
from components.config import parse_stack_config
from components.image_gallery import declare_galleries, dr_gallery_name, dr_gallery_specs
from posture.capture import run_in_mocks
from posture.preview_mocks import PreviewMocks

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"
IMAGE = {"sourceId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/golden",
         "publisher": "contoso", "offer": "orders", "sku": "base", "version": "1.2.3", "replicaCount": 2}


def cfg(location="westeurope", **workload):
    return parse_stack_config({"workloads": {"r": {"tier": "reporting", "sshPublicKey": KEY, **workload}},
                               "namePrefix": "dr"}, location=location)


def capture(c, preview=False, mocks=None):
    return run_in_mocks(lambda: declare_galleries(c, "rg-config"), project="azure-iaas-dr", stack="test",
                        preview=preview, mocks=mocks or ArmMocks())


def by_name(cap, type_):
    return {r.name: r for r in cap.find(type_)}


def test_a_custom_image_gets_a_gallery_in_the_dr_region():
    cap = capture(cfg(customImage=IMAGE))
    galleries = by_name(cap, "azure-native:compute:Gallery")
    assert sorted(galleries) == ["images-dr-northeurope-gallery", "images-westeurope-gallery"]
    dr = galleries["images-dr-northeurope-gallery"].inputs
    assert (dr["galleryName"], dr["location"], dr["resourceGroupName"]) == (
        "gal_dr_northeurope_dr", "northeurope", "rg-dr-images-northeurope")
    [rg] = [r for r in cap.find("azure-native:resources:ResourceGroup")]
    assert (rg.name, rg.inputs["resourceGroupName"], rg.inputs["location"]) == (
        "images-dr-northeurope-rg", "rg-dr-images-northeurope", "northeurope")
    assert rg.inputs["tags"]["dr-purpose"] == "configuration-backup"


def test_dr_image_definition_and_version_exact_inputs():
    cap = capture(cfg(customImage=IMAGE))
    images = by_name(cap, "azure-native:compute:GalleryImage")
    primary, dr = images["images-westeurope-r-image"].inputs, images["images-dr-northeurope-r-image"].inputs
    for k in ("identifier", "osState", "osType", "hyperVGeneration", "features", "galleryImageName"):
        assert dr[k] == primary[k], k
    assert (dr["location"], dr["galleryName"], dr["resourceGroupName"]) == (
        "northeurope", "gal_dr_northeurope_dr", "rg-dr-images-northeurope")
    versions = by_name(cap, "azure-native:compute:GalleryImageVersion")
    v = versions["images-dr-northeurope-r-version"]
    source_id = versions["images-westeurope-r-version"].id
    assert source_id
    assert {k: v.inputs[k] for k in ("location", "galleryName", "galleryImageName", "galleryImageVersionName",
                                     "storageProfile", "publishingProfile", "resourceGroupName")} == {
        "location": "northeurope", "galleryName": "gal_dr_northeurope_dr", "galleryImageName": "r",
        "galleryImageVersionName": "1.2.3", "resourceGroupName": "rg-dr-images-northeurope",
        "storageProfile": {"source": {"id": source_id}},
        "publishingProfile": {"replicaCount": 2, "storageAccountType": "Standard_ZRS", "targetRegions": [
            {"name": "westeurope", "regionalReplicaCount": 2, "storageAccountType": "Standard_ZRS"},
            {"name": "northeurope", "regionalReplicaCount": 2, "storageAccountType": "Standard_ZRS"}]},
    }
    # the copy waits for the primary version (its source)
    assert versions["images-westeurope-r-version"].urn in v.property_dependencies["storageProfile"]


def test_the_source_id_is_unknown_in_preview():
    cap = capture(cfg(customImage=IMAGE), preview=True, mocks=PreviewMocks())  # the engine's preview semantics
    v = by_name(cap, "azure-native:compute:GalleryImageVersion")["images-dr-northeurope-r-version"]
    assert v.inputs["storageProfile"]["source"]["id"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def test_dr_region_without_zones_gets_lrs_replicas_there():
    c = cfg(location="eastus", customImage=IMAGE)  # eastus -> westus (no zones)
    assert [w.dr_region for w in c.workloads.values()] == ["westus"] and not facts.has_zones("westus")
    v = by_name(capture(c), "azure-native:compute:GalleryImageVersion")["images-dr-westus-r-version"]
    assert v.inputs["publishingProfile"] == {"replicaCount": 2, "storageAccountType": "Standard_LRS", "targetRegions": [
        {"name": "eastus", "regionalReplicaCount": 2, "storageAccountType": "Standard_ZRS"},
        {"name": "westus", "regionalReplicaCount": 2, "storageAccountType": "Standard_LRS"}]}


def test_no_custom_image_no_gallery():
    c = cfg()
    assert dr_gallery_specs(c) == {}
    cap = capture(c)
    assert cap.find("azure-native:compute:Gallery") == [] and cap.find("azure-native:resources:ResourceGroup") == []


def test_names():
    assert dr_gallery_name("dr", "northeurope") == "gal_dr_northeurope_dr"
    assert len(dr_gallery_name("x" * 90, "northeurope")) == 80
    assert facts.GALLERY_URL == "https://learn.microsoft.com/azure/virtual-machines/azure-compute-gallery"
