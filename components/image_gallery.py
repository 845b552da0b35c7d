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
DR-region gallery (audit W8): "The Azure Compute Gallery service isn't a global resource. For disaster recovery
scenarios, the best practice is to have at least two galleries in separate regions"
(https://learn.microsoft.com/azure/virtual-machines/azure-compute-gallery, ``facts.GALLERY_URL``). The primary
gallery, its image definitions and version metadata live in the primary region; a replica in the DR region holds
the bits only. So per DR region of custom-image workloads :func:`declare_galleries` also declares a
:class:`DrImageGallery` ``images-dr-<dr-region>``: a resource group ``rg-<namePrefix>-images-<dr-region>`` in the DR
region (a resource group's metadata lives in its region), a ``compute.Gallery`` ``gal_<prefix>_<dr-region>_dr``
there, and per workload an image definition with the same identifier, features and generation and a version of
the same number copied from the primary version (``storageProfile.source.id`` = the primary version's id, which
is replicated to the DR region), published to the same regions as the primary version (the workload's region and the DR region, so the
second gallery is a full copy, judged like the first by AZDR-IMG-001). A DR stack (or the runbook) builds VMs from
:attr:`DrImageGallery.image_version_ids` when the primary region is down.
A version's replica count and target regions can be changed later; its
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


def dr_gallery_name(prefix: str, dr_region: str) -> str:
    """The DR-region gallery's name: ``gal_<prefix>_<dr-region>_dr`` (distinct from a primary gallery there)."""
    return gallery_name(prefix, dr_region)[:77] + "_dr"


def dr_resource_group_name(prefix: str, dr_region: str) -> str:
    """The resource group of the DR-region gallery (in the DR region)."""
    return f"rg-{prefix}-images-{dr_region}"


def uses_custom_images(cfg: StackConfig, region: str) -> bool:
    """Whether ``region`` needs a gallery."""
    return any(w.custom_image is not None for w in cfg.workloads_in(region))


def replica_storage(configured: str, region: str) -> compute.StorageAccountType:
    """The replica storage of ``region``: the configured type, but Standard_LRS for Standard_ZRS where the region
    has no availability zones (ZRS replicas need zones)."""
    if configured == "Standard_ZRS" and not facts.has_zones(region):
        return compute.StorageAccountType.STANDARD_LRS
    return compute.StorageAccountType(configured)


def _gallery(name: str, parent: pulumi.Resource, resource_group_name: pulumi.Input[str], gallery_name: str,
             location: str, description: str, tags: Mapping[str, str]) -> compute.Gallery:
    """The gallery child ``<name>-gallery`` of a gallery component."""
    return compute.Gallery(
        f"{name}-gallery",
        resource_group_name=resource_group_name,
        gallery_name=gallery_name,
        location=location,
        description=description,
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _image_definition(name: str, parent: pulumi.Resource, resource_group_name: pulumi.Input[str],
                      gallery: compute.Gallery, location: str, spec: GalleryImageSpec) -> compute.GalleryImage:
    """The image definition ``<name>-<workload>-image`` of ``spec`` in ``gallery`` (same in every region)."""
    img = spec.image
    features = ([compute.GalleryImageFeatureArgs(name="SecurityType", value="TrustedLaunchSupported")]
                if spec.trusted_launch else None)
    return compute.GalleryImage(
        f"{name}-{spec.workload}-image",
        resource_group_name=resource_group_name,
        gallery_name=gallery.name,
        gallery_image_name=spec.workload,
        location=location,
        identifier=compute.GalleryImageIdentifierArgs(publisher=img.publisher, offer=img.offer, sku=img.sku),
        os_state=compute.OperatingSystemStateTypes.GENERALIZED,
        os_type=compute.OperatingSystemTypes(img.os_type),
        hyper_v_generation=compute.HyperVGeneration(img.hyper_v_generation),
        features=features,
        tags=dict(spec.tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _image_version(name: str, parent: pulumi.Resource, resource_group_name: pulumi.Input[str],
                   gallery: compute.Gallery, definition: compute.GalleryImage, location: str, spec: GalleryImageSpec,
                   source: compute.GalleryArtifactVersionFullSourceArgs, storage_type: compute.StorageAccountType,
                   regions: Sequence[str]) -> compute.GalleryImageVersion:
    """The version ``<name>-<workload>-version`` of ``spec`` built from ``source``, replicated to ``regions``
    (each replica's storage per :func:`replica_storage`)."""
    img = spec.image
    return compute.GalleryImageVersion(
        f"{name}-{spec.workload}-version",
        resource_group_name=resource_group_name,
        gallery_name=gallery.name,
        gallery_image_name=definition.name,
        gallery_image_version_name=img.version,
        location=location,
        storage_profile=compute.GalleryImageVersionStorageProfileArgs(source=source),
        publishing_profile=compute.GalleryImageVersionPublishingProfileArgs(
            replica_count=img.replica_count,
            storage_account_type=storage_type,
            target_regions=[
                compute.TargetRegionArgs(name=region, regional_replica_count=img.replica_count,
                                         storage_account_type=replica_storage(img.storage_account_type, region))
                for region in regions
            ],
        ),
        tags=dict(spec.tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )


class ImageGallery(pulumi.ComponentResource):
    """A compute gallery (child ``<name>-gallery``) with one image definition and version per workload."""

    #: ARM id of the gallery.
    gallery_id: pulumi.Output[str]
    #: Workload name -> ARM id of its image version (what VMs are built from).
    image_version_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ImageGalleryArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:image_gallery:ImageGallery", name, None, opts)
        gallery = _gallery(name, self, args.resource_group_name, args.gallery_name, args.location,
                           "Custom images replicated to the DR region (azure-iaas-dr).", args.tags)
        self.image_version_ids = {}
        for spec in args.images:
            img = spec.image
            definition = _image_definition(name, self, args.resource_group_name, gallery, args.location, spec)
            if "/virtualMachines/" in img.source_id:
                source = compute.GalleryArtifactVersionFullSourceArgs(virtual_machine_id=img.source_id)
            else:
                source = compute.GalleryArtifactVersionFullSourceArgs(id=img.source_id)
            version = _image_version(name, self, args.resource_group_name, gallery, definition, args.location, spec,
                                     source, compute.StorageAccountType(img.storage_account_type),
                                     spec.target_regions)
            self.image_version_ids[spec.workload] = version.id
        self.gallery = gallery
        self.gallery_id = gallery.id
        self.register_outputs({"galleryId": self.gallery_id, "imageVersionIds": self.image_version_ids})


@dataclass(frozen=True)
class DrImageGalleryArgs:
    """Inputs of :class:`DrImageGallery`: the DR region's gallery for ``images`` (specs of the primary galleries)
    and the primary image version ids to copy (workload -> id)."""

    resource_group_name: pulumi.Input[str]
    #: The DR region (the gallery's and its versions' only region).
    location: str
    gallery_name: str
    images: Sequence[GalleryImageSpec]
    source_version_ids: Mapping[str, pulumi.Input[str]]
    tags: Mapping[str, str] = field(default_factory=dict)


class DrImageGallery(pulumi.ComponentResource):
    """A compute gallery in the DR region (child ``<name>-gallery``) with, per workload, an image definition and a
    version copied from the primary gallery's version (see the module docstring)."""

    gallery_id: pulumi.Output[str]
    image_version_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: DrImageGalleryArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:image_gallery:DrImageGallery", name, None, opts)
        gallery = _gallery(name, self, args.resource_group_name, args.gallery_name, args.location,
                           "DR-region copy of the custom images (azure-iaas-dr): usable when the primary region is"
                           " down.", args.tags)
        self.image_version_ids = {}
        for spec in args.images:
            definition = _image_definition(name, self, args.resource_group_name, gallery, args.location, spec)
            regions = [*spec.target_regions, *([] if args.location in spec.target_regions else [args.location])]
            version = _image_version(
                name, self, args.resource_group_name, gallery, definition, args.location, spec,
                compute.GalleryArtifactVersionFullSourceArgs(id=args.source_version_ids[spec.workload]),
                replica_storage(spec.image.storage_account_type, args.location), regions)
            self.image_version_ids[spec.workload] = version.id
        self.gallery = gallery
        self.gallery_id = gallery.id
        self.register_outputs({"galleryId": self.gallery_id, "imageVersionIds": self.image_version_ids})


def dr_gallery_specs(cfg: StackConfig) -> dict[str, list[GalleryImageSpec]]:
    """DR region -> the custom-image specs whose workloads fail over there, in config order."""
    out: dict[str, list[GalleryImageSpec]] = {}
    for w in cfg.workloads.values():
        if w.custom_image is not None:
            out.setdefault(w.dr_region, []).append(GalleryImageSpec.from_workload(w))
    return out


def declare_galleries(cfg: StackConfig, resource_group_name: pulumi.Input[str]) -> dict[str, pulumi.Output[str]]:
    """One :class:`ImageGallery` per region with custom-image workloads, and one :class:`DrImageGallery` (with its
    resource group) per DR region of those workloads; returns workload -> primary image version id (what
    ``WorkloadComputeArgs.from_config(..., image_id=...)`` takes)."""
    from .resource_group import ResourceGroup, ResourceGroupArgs

    ids: dict[str, pulumi.Output[str]] = {}
    for region in cfg.regions:
        if uses_custom_images(cfg, region):
            gallery = ImageGallery(f"images-{region}", ImageGalleryArgs.from_config(cfg, region, resource_group_name))
            ids.update(gallery.image_version_ids)
    tags = {**cfg.tags, "dr-purpose": "configuration-backup"}
    for dr, specs in dr_gallery_specs(cfg).items():
        rg = ResourceGroup(f"images-dr-{dr}", ResourceGroupArgs(
            resource_group_name=dr_resource_group_name(cfg.name_prefix, dr), location=dr, tags=tags))
        DrImageGallery(f"images-dr-{dr}", DrImageGalleryArgs(
            resource_group_name=rg.name, location=dr, gallery_name=dr_gallery_name(cfg.name_prefix, dr),
            images=specs, source_version_ids={s.workload: ids[s.workload] for s in specs}, tags=tags))
    return ids
