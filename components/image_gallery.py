"""``ImageGallery``: custom images in an Azure Compute Gallery, replicated to the DR region (the seed: "If you
use custom images for creating your VMs, you must also make sure that your images are protected").

One gallery per region that holds workloads with ``customImage`` (an image version's source must be in the
gallery's region). Per such workload (children named from the instance name):

* ``<name>-<workload>-image``: ``compute.GalleryImage`` named after the workload, identifier
  publisher/offer/sku from config, ``osState`` Generalized, ``customImage.hyperVGeneration`` (default V2), and the
  ``SecurityType=TrustedLaunchSupported`` feature when the workload uses Trusted Launch;
* ``<name>-<workload>-version``: ``compute.GalleryImageVersion`` ``customImage.version`` made from
  ``customImage.sourceId`` (a managed image id, or a generalized VM id), published to the workload's region
  **and its DR region**, each with ``customImage.replicaCount`` replicas on ``customImage.storageAccountType``
  (default ``Standard_ZRS``: a replica survives the loss of a zone, and the DR-region replicas survive the loss
  of the primary region). ZRS replicas exist only "for regions that have availability zones"
  (https://learn.microsoft.com/azure/virtual-machines/azure-compute-gallery): in a region without zones (westus,
  ukwest, canadaeast, ... per ``components/facts.py``) that region's replicas are ``Standard_LRS``.

The compute component builds the workload's VMs from :attr:`ImageGallery.image_version_ids` (the version id).
Caveat (audit W8): the gallery, its image definition and version metadata live in the primary region; "for
disaster recovery scenarios, the best practice is to have at least two galleries in separate regions"
(same page). The DR-region replica holds the image's bits, but a gallery in the DR region (not declared here
yet) is what keeps the image usable when the primary region's gallery service is down. A version's replica count and target regions can be changed later; its
storage account type cannot (replace the version).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_azure_native.compute as compute

from . import facts
from .config import CustomImageInput, StackConfig, Workload


def gallery_name(prefix: str, region: str) -> str:
    """Gallery names allow letters, digits, and '_'/'.' in the middle (no '-'): ``gal_<prefix>_<region>``."""
    return re.sub(r"[^A-Za-z0-9_.]", "_", f"gal_{prefix}_{region}")[:80]


@dataclass(frozen=True)
class GalleryImageSpec:
    """One workload's custom image."""

    workload: str
    image: CustomImageInput
    #: Regions the version is replicated to: the workload's region first, then its DR region.
    target_regions: Sequence[str]
    trusted_launch: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_workload(cls, w: Workload) -> GalleryImageSpec:
        assert w.custom_image is not None
        return cls(workload=w.name, image=w.custom_image, target_regions=[w.region, w.dr_region],
                   trusted_launch=w.trusted_launch, tags=w.tags)


@dataclass(frozen=True)
class ImageGalleryArgs:
    """Inputs of :class:`ImageGallery`."""

    resource_group_name: pulumi.Input[str]
    #: Region of the gallery (and of the image sources).
    location: str
    gallery_name: str
    images: Sequence[GalleryImageSpec]
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: StackConfig, region: str, resource_group_name: pulumi.Input[str]) -> ImageGalleryArgs:
        """The gallery of ``region``: every workload there that has a ``customImage``."""
        specs = [GalleryImageSpec.from_workload(w) for w in cfg.workloads_in(region) if w.custom_image is not None]
        return cls(resource_group_name=resource_group_name, location=region,
                   gallery_name=gallery_name(cfg.name_prefix, region), images=specs,
                   tags={**cfg.tags, "dr-purpose": "configuration-backup"})


def uses_custom_images(cfg: StackConfig, region: str) -> bool:
    """Whether ``region`` needs a gallery."""
    return any(w.custom_image is not None for w in cfg.workloads_in(region))


def replica_storage(configured: str, region: str) -> compute.StorageAccountType:
    """The replica storage of ``region``: the configured type, but Standard_LRS for Standard_ZRS where the region
    has no availability zones (ZRS replicas need zones)."""
    if configured == "Standard_ZRS" and not facts.has_zones(region):
        return compute.StorageAccountType.STANDARD_LRS
    return compute.StorageAccountType(configured)


class ImageGallery(pulumi.ComponentResource):
    """A compute gallery (child ``<name>-gallery``) with one image definition and version per workload."""

    #: ARM id of the gallery.
    gallery_id: pulumi.Output[str]
    #: Workload name -> ARM id of its image version (what VMs are built from).
    image_version_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ImageGalleryArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:image_gallery:ImageGallery", name, None, opts)
        gallery = compute.Gallery(
            f"{name}-gallery",
            resource_group_name=args.resource_group_name,
            gallery_name=args.gallery_name,
            location=args.location,
            description="Custom images replicated to the DR region (azure-iaas-dr).",
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.image_version_ids = {}
        for spec in args.images:
            img = spec.image
            features = ([compute.GalleryImageFeatureArgs(name="SecurityType", value="TrustedLaunchSupported")]
                        if spec.trusted_launch else None)
            definition = compute.GalleryImage(
                f"{name}-{spec.workload}-image",
                resource_group_name=args.resource_group_name,
                gallery_name=gallery.name,
                gallery_image_name=spec.workload,
                location=args.location,
                identifier=compute.GalleryImageIdentifierArgs(publisher=img.publisher, offer=img.offer, sku=img.sku),
                os_state=compute.OperatingSystemStateTypes.GENERALIZED,
                os_type=compute.OperatingSystemTypes(img.os_type),
                hyper_v_generation=compute.HyperVGeneration(img.hyper_v_generation),
                features=features,
                tags=dict(spec.tags),
                opts=pulumi.ResourceOptions(parent=self),
            )
            if "/virtualMachines/" in img.source_id:
                source = compute.GalleryArtifactVersionFullSourceArgs(virtual_machine_id=img.source_id)
            else:
                source = compute.GalleryArtifactVersionFullSourceArgs(id=img.source_id)
            storage_type = compute.StorageAccountType(img.storage_account_type)
            version = compute.GalleryImageVersion(
                f"{name}-{spec.workload}-version",
                resource_group_name=args.resource_group_name,
                gallery_name=gallery.name,
                gallery_image_name=definition.name,
                gallery_image_version_name=img.version,
                location=args.location,
                storage_profile=compute.GalleryImageVersionStorageProfileArgs(source=source),
                publishing_profile=compute.GalleryImageVersionPublishingProfileArgs(
                    replica_count=img.replica_count,
                    storage_account_type=storage_type,
                    target_regions=[
                        compute.TargetRegionArgs(name=region, regional_replica_count=img.replica_count,
                                                 storage_account_type=replica_storage(img.storage_account_type,
                                                                                      region))
                        for region in spec.target_regions
                    ],
                ),
                tags=dict(spec.tags),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.image_version_ids[spec.workload] = version.id
        self.gallery = gallery
        self.gallery_id = gallery.id
        self.register_outputs({"galleryId": self.gallery_id, "imageVersionIds": self.image_version_ids})


def declare_galleries(cfg: StackConfig, resource_group_name: pulumi.Input[str]) -> dict[str, pulumi.Output[str]]:
    """One :class:`ImageGallery` per region with custom-image workloads; returns workload -> image version id
    (what ``WorkloadComputeArgs.from_config(..., image_id=...)`` takes)."""
    ids: dict[str, pulumi.Output[str]] = {}
    for region in cfg.regions:
        if uses_custom_images(cfg, region):
            gallery = ImageGallery(f"images-{region}", ImageGalleryArgs.from_config(cfg, region, resource_group_name))
            ids.update(gallery.image_version_ids)
    return ids
