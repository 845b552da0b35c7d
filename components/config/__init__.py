"""Stack configuration: the one place config is read, validated and resolved.

Config reference (namespace ``azure-iaas-dr``; keys are camelCase; structured values are YAML objects)
======================================================================================================

``azure-native:location`` (required) is the primary region. Keys of the ``azure-iaas-dr`` namespace:

* ``workloads`` (required): map of workload name (``^[a-z][a-z0-9-]{{0,23}}$``) to a workload (below).
* ``drRegion``: DR region for workloads in the primary region (default: the Azure paired region).
* ``namePrefix`` (default ``dr``): prefix of the names of shared resources (vault resource groups, vaults).
* ``protect`` (default ``true``): Pulumi ``protect`` on the vaults (set ``false`` so a dev stack can be
  destroyed).
* ``retainOnDelete`` (default ``true``): Pulumi ``retainOnDelete`` on vaults and protected items, so
  backups outlive ``pulumi destroy``.
* ``tags``: tags added to every resource.
* ``vault``: the Recovery Services vault posture (one vault per region that holds workloads).
* ``configBackup``: the geo-redundant storage account for templates and exported stack state.
* ``security``: what a security review checks (multi-user authorization, cross-subscription restore, customer-
  managed key, private endpoint, archive tier, delete locks; issue 15).
* ``monitoring``: alerts that reach a person (action group + alert processing rule) and Backup reports
  (diagnostic settings to Log Analytics).
* ``adminPassword``: VM admin password for workloads with ``authentication: password``; must be set
  with ``pulumi config set --secret adminPassword``.

Workload tiers (presets mapped from the seed's scenarios; every value can be overridden per workload)
------------------------------------------------------------------------------------------------------

{TIER_TABLE}

A workload's *effective* backup schedule follows from its RPO: under 24 h it is an Enhanced (V2) hourly
policy at the largest interval in {{4, 6, 8, 12}} hours that is at most the RPO; 24 h or more is a daily
policy. The policy is Enhanced (V2) when the schedule is hourly, the VMs use Trusted Launch, or a disk is
Premium SSD v2 / Ultra; otherwise Standard (V1). An RPO under 4 hours is rejected: Azure Backup for
VMs cannot back up more often than every 4 hours.

Workload keys
-------------

{WORKLOAD_KEYS}

Vault keys (``vault``)
----------------------

{VAULT_KEYS}

Configuration backup keys (``configBackup``)
--------------------------------------------

{CONFIG_BACKUP_KEYS}

Errors
------

Every problem is reported, one per line, as ``azure-iaas-dr:<key path>: <bad value>: <what is allowed>``
in a :class:`ConfigError` raised before any resource is declared.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
import types
import typing
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import pulumi
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic.alias_generators import to_camel

from .. import facts
from ..facts import (
    DATA_ONLY_DISK_SKUS,
    HOURLY_INTERVALS,
    MAX_DISK_GB,
    MAX_V2_DISK_GB,
    UNMANAGED_DISK_RETIREMENT,
    V1_INSTANT_RESTORE_MAX,
    V2_INSTANT_RESTORE_MAX,
    V2_INSTANT_RESTORE_MAX_BY_INTERVAL,
)

NAMESPACE = "azure-iaas-dr"
LOCATION_KEY = "azure-native:location"

# --- Azure values (checked against pulumi_azure_native 3.29.0 enums; a test compares them) ---------------

#: ``compute.DiskStorageAccountTypes`` wire values.
DiskSku = Literal[
    "Standard_LRS",
    "Premium_LRS",
    "StandardSSD_LRS",
    "UltraSSD_LRS",
    "Premium_ZRS",
    "StandardSSD_ZRS",
    "PremiumV2_LRS",
]
OS_DISK_SKUS = tuple(s for s in typing.get_args(DiskSku) if s not in DATA_ONLY_DISK_SKUS)

#: ``recoveryservices.StandardTierStorageRedundancy`` wire values (``Invalid`` excluded).
StorageRedundancy = Literal["GeoRedundant", "ZoneRedundant", "LocallyRedundant"]
#: ``recoveryservices.SoftDeleteState`` wire values (``Invalid`` excluded).
SoftDeleteMode = Literal["Enabled", "AlwaysON", "Disabled"]
#: ``recoveryservices.ImmutabilityState`` wire values.
ImmutabilityMode = Literal["Unlocked", "Locked", "Disabled"]
#: ``recoveryservices.PublicNetworkAccess`` wire values.
NetworkAccess = Literal["Disabled", "Enabled"]
#: ``storage.SkuName`` read-access geo-redundant values (the seed: RA-GRS for configuration backups).
ConfigBackupSku = Literal["Standard_RAGRS", "Standard_RAGZRS"]
#: ``compute.StorageAccountType`` (galleries) values offered for image replicas.
GalleryStorage = Literal["Standard_ZRS", "Standard_LRS", "Premium_LRS"]

TierName = Literal["database", "cluster", "app-server", "reporting", "critical-data"]
#: Retention limits, under the names the config and components/backup_policy.py use (facts: components/facts.py).
MAX_DAILY, MAX_WEEKLY = facts.MAX_DAILY_RETENTION, facts.MAX_WEEKLY_RETENTION
MAX_MONTHLY, MAX_YEARLY = facts.MAX_MONTHLY_RETENTION, facts.MAX_YEARLY_RETENTION
MIN_DAILY = facts.MIN_DAILY_RETENTION_DAYS
#: The OS disk counts toward Azure Backup's disks per VM.
MAX_BACKED_UP_DATA_DISKS = facts.MAX_BACKED_UP_DISKS_PER_VM - 1

# --- Azure Site Recovery (Azure-to-Azure) bounds, under the names the config uses (facts: components/facts.py)
ASR_CRASH_CONSISTENT_MINUTES = facts.ASR_CRASH_CONSISTENT_MINUTES
ASR_MAX_RETENTION_HOURS = facts.ASR_MAX_RETENTION_HOURS
ASR_MAX_APP_CONSISTENT_HOURS = facts.ASR_MAX_APP_CONSISTENT_HOURS
ASR_MAX_MULTI_VM_GROUP = facts.ASR_MAX_MULTI_VM_GROUP
#: https://learn.microsoft.com/azure/site-recovery/azure-to-azure-support-matrix (cache storage account:
#: Standard general-purpose v2; never geo-redundant per the reliability guide).
AsrCacheSku = Literal["Standard_ZRS", "Standard_LRS"]


class ConfigError(pulumi.RunError):
    """Invalid stack config. ``problems`` holds one line per problem; ``str()`` joins them."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("invalid stack configuration:\n  " + "\n  ".join(self.problems))


# --- tier presets --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierPreset:
    """Defaults a workload of this tier gets; each can be overridden by the workload's own key."""

    name: str
    seed_scenario: str
    rpo_hours: int
    high_availability: bool
    vm_count: int
    vm_size: str
    disk_sku: str
    daily_days: int
    weekly_weeks: int
    monthly_months: int
    yearly_years: int
    instant_restore_days: int
    cost: str
    #: Cross-region (regional-disaster) RPO target: what Azure Backup reaches, the vault tier's daily point plus
    #: geo-replication lag (components/facts.py CROSS_REGION_RPO_HOURS). Tighter needs Site Recovery or snapshots.
    cross_region_rpo_hours: int = facts.CROSS_REGION_RPO_HOURS


TIERS: dict[str, TierPreset] = {
    t.name: t
    for t in (
        TierPreset(
            "database", "1: major database solutions (SQL Server / Oracle with HA)",
            rpo_hours=4, high_availability=True, vm_count=2, vm_size="Standard_E4s_v5",
            disk_sku="Premium_ZRS", daily_days=30, weekly_weeks=12, monthly_months=0, yearly_years=0,
            instant_restore_days=7,
            cost="highest: 6 Enhanced backups a day (in-region snapshots; the day's last reaches the vault and"
                 " the paired region), 30 days + 12 weeks kept, 7 days of snapshots, 2 VMs",
        ),
        TierPreset(
            "cluster", "2: a cluster of redundant VMs (e.g. Cassandra)",
            rpo_hours=24, high_availability=True, vm_count=3, vm_size="Standard_D4s_v5",
            disk_sku="Premium_ZRS", daily_days=14, weekly_weeks=0, monthly_months=0, yearly_years=0,
            instant_restore_days=2,
            cost="medium: the cluster is the in-region redundancy; one daily copy per node, 14 days",
        ),
        TierPreset(
            "app-server", "3: IaaS application whose data changes hourly",
            rpo_hours=4, high_availability=True, vm_count=2, vm_size="Standard_D2s_v5",
            disk_sku="StandardSSD_ZRS", daily_days=14, weekly_weeks=0, monthly_months=0, yearly_years=0,
            instant_restore_days=5,
            cost="medium-high: 6 Enhanced backups a day in-region (Azure's floor is 4 h, not the seed's hourly);"
                 " cross-region only the day's last",
        ),
        TierPreset(
            "reporting", "3: reporting server whose output can be regenerated",
            rpo_hours=24, high_availability=False, vm_count=1, vm_size="Standard_D2s_v5",
            disk_sku="StandardSSD_LRS", daily_days=7, weekly_weeks=0, monthly_months=0, yearly_years=0,
            instant_restore_days=1,
            cost="lowest: one daily backup kept 7 days, 1 day of snapshots, a single VM",
        ),
        TierPreset(
            "critical-data", "4: recovery from application data corruption (e.g. pricing data)",
            rpo_hours=24, high_availability=False, vm_count=1, vm_size="Standard_D2s_v5",
            disk_sku="Premium_LRS", daily_days=30, weekly_weeks=12, monthly_months=60, yearly_years=10,
            instant_restore_days=5,
            cost="storage-heavy: daily backups with weekly, monthly (5 y) and yearly (10 y) points to roll back to",
        ),
    )
}


def tier_table() -> str:
    """The tier presets as a Markdown table (README and the module docstring reuse it)."""
    rows = [
        "| tier | seed scenario | RPO in-region (h) | RPO cross-region (h) | HA (VMs) | retention"
        " daily/weekly/monthly/yearly | instant restore (d) | disk SKU | cost trade-off |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in TIERS.values():
        ha = f"yes ({t.vm_count})" if t.high_availability else f"no ({t.vm_count})"
        ret = f"{t.daily_days}d / {t.weekly_weeks}w / {t.monthly_months}m / {t.yearly_years}y"
        rows.append(
            f"| `{t.name}` | {t.seed_scenario} | {t.rpo_hours} | {t.cross_region_rpo_hours} | {ha} | {ret}"
            f" | {t.instant_restore_days}"
            f" | {t.disk_sku} | {t.cost} |"
        )
    return "\n".join(rows)


# --- input models (the shape of the YAML) ----------------------------------------------------------------


def _f(description: str, default: Any = ..., *, allowed: str | None = None, **kw: Any) -> Any:
    extra = {"allowed": allowed} if allowed else None
    return Field(default, description=description, json_schema_extra=extra, **kw)


class _Input(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        strict=True,
        frozen=True,
    )


class RetentionInput(_Input):
    """How long recovery points are kept, per granularity (0 = not kept at that granularity)."""

    daily_days: int | None = _f("Days each daily recovery point is kept (tier default).", None, ge=MIN_DAILY,
                                le=MAX_DAILY, allowed=f"an integer from {MIN_DAILY} to {MAX_DAILY}")
    weekly_weeks: int | None = _f("Weeks the Sunday recovery point is kept; 0 = none.", None, ge=0,
                                  le=MAX_WEEKLY, allowed=f"an integer from 0 to {MAX_WEEKLY} (Azure's maximum)")
    monthly_months: int | None = _f("Months the first-Sunday-of-month point is kept; 0 = none.", None, ge=0,
                                    le=MAX_MONTHLY, allowed=f"an integer from 0 to {MAX_MONTHLY} (Azure's maximum)")
    yearly_years: int | None = _f("Years the first-Sunday-of-January point is kept; 0 = none.", None, ge=0,
                                  le=MAX_YEARLY, allowed=f"an integer from 0 to {MAX_YEARLY} (Azure's maximum)")


class ImageInput(_Input):
    """A marketplace image."""

    publisher: str = _f("Image publisher.", "Canonical")
    offer: str = _f("Image offer.", "0001-com-ubuntu-server-jammy")
    sku: str = _f("Image SKU.", "22_04-lts-gen2")
    version: str = _f("Image version.", "latest")


class CustomImageInput(_Input):
    """A custom image, published to an Azure Compute Gallery replicated to the DR region (seed: back up
    the configuration, including custom images)."""

    source_id: str = _f("ARM id of the managed image or generalized VM the image version is made from.",
                        pattern=r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/"
                        r"(images|virtualMachines)/[^/]+$",
                        allowed="an ARM id of a Microsoft.Compute/images or /virtualMachines resource")
    publisher: str = _f("Gallery image definition publisher.", pattern=r"^[A-Za-z0-9._-]{1,128}$",
                        allowed="1-128 letters, digits, '.', '_' or '-'")
    offer: str = _f("Gallery image definition offer.", pattern=r"^[A-Za-z0-9._-]{1,64}$",
                    allowed="1-64 letters, digits, '.', '_' or '-'")
    sku: str = _f("Gallery image definition SKU.", pattern=r"^[A-Za-z0-9._-]{1,64}$",
                  allowed="1-64 letters, digits, '.', '_' or '-'")
    version: str = _f("Image version (MAJOR.MINOR.PATCH).", "1.0.0", pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$",
                      allowed='a version "MAJOR.MINOR.PATCH", e.g. "1.0.0"')
    os_type: Literal["Linux", "Windows"] = _f("Operating system of the image.", "Linux")
    hyper_v_generation: Literal["V1", "V2"] = _f(
        "Hyper-V generation of the image (compute.HyperVGeneration); Trusted Launch needs V2.", "V2")
    replica_count: int = _f("Replicas of the image version in each target region (primary and DR).", 1,
                            ge=1, le=100, allowed="an integer from 1 to 100")
    storage_account_type: GalleryStorage = _f("Storage of the replicas (Standard_ZRS survives a zone loss).",
                                              "Standard_ZRS")


class DataDiskInput(_Input):
    """A managed data disk attached to every VM of the workload."""

    lun: int = _f("Logical unit number, unique per VM.", ge=0, le=63, allowed="an integer from 0 to 63")
    size_gb: int = _f("Size in GiB.", ge=4, le=MAX_V2_DISK_GB, allowed=f"an integer from 4 to {MAX_V2_DISK_GB}")
    sku: DiskSku | None = _f("Disk SKU (default: the workload's diskSku).", None)


class NetworkInput(_Input):
    """Where the VMs' NICs go: a new virtual network, or an existing subnet."""

    existing_subnet_id: str | None = _f(
        "ARM id of an existing subnet; when set, no network is created.", None,
        pattern=r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/"
        r"[^/]+/subnets/[^/]+$",
        allowed="an ARM id of a Microsoft.Network/virtualNetworks/subnets resource")
    address_space: str | None = _f("Address space (CIDR) of the new virtual network.", None)
    subnet_prefix: str | None = _f("Address prefix (CIDR) of the new subnet, inside addressSpace.", None)


class AvailabilitySetInput(_Input):
    """Availability set of a high-availability workload (sku Aligned, managed disks)."""

    fault_domains: int | None = _f(
        "Platform fault domains (default: the region's maximum, 2 or 3; see components/facts.py).", None,
        ge=2, le=3, allowed="2 or 3 (Azure regions offer 2 or 3 managed-disk fault domains)")
    update_domains: int = _f("Platform update domains.", 5, ge=1, le=20, allowed="an integer from 1 to 20")


class ResourceGroupInput(_Input):
    """The workload's resource group: created by the program, or an existing one by name."""

    name: str | None = _f("Resource group name (default rg-<namePrefix>-<workload>).", None,
                          pattern=r"^[-\w._()]{0,89}[-\w_()]$",
                          allowed="1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'")
    existing: bool = _f("Use an existing resource group of that name instead of creating one.", False)


class InstantRestoreResourceGroupInput(_Input):
    """Resource group Azure Backup creates for instant-restore snapshots: <prefix><N><suffix>."""

    prefix: str | None = _f("Name prefix (default rg-<namePrefix>-<tier>-irp-: one per tier, so workloads of a tier share a"
                            " backup policy).", None,
                            pattern=r"^[-\w._()]{1,80}$", allowed="1-80 resource-group name characters")
    suffix: str = _f("Name suffix.", "", pattern=r"^[-\w._()]{0,8}$",
                     allowed="0-8 resource-group name characters")


class ConsistentSnapshotsInput(_Input):
    """Coordinated point-in-time copies of all of a VM's disks, copied to the DR region (issue 5)."""

    method: Literal["restorePoints", "incrementalSnapshots"] = _f(
        "restorePoints: a restore point collection per VM; incrementalSnapshots: one incremental snapshot"
        " per disk taken as a set.", "restorePoints")
    consistency: Literal["ApplicationConsistent", "CrashConsistent"] = _f(
        "Restore-point consistency (ApplicationConsistent = Azure's default when no mode is sent).",
        "ApplicationConsistent")
    copy_to_dr_region: bool = _f("Copy each set to the workload's DR region.", True)
    points_in_time: list[Annotated[str, Field(pattern=r"^[0-9]{8}t[0-9]{4}z$")]] = _f(
        "Labels of the sets to keep, e.g. 20260101t0000z; add one to take a new set at the next"
        " `pulumi up`, remove one to retire it.", min_length=1,
        allowed='a non-empty list of labels "YYYYMMDDtHHMMz"')


class SiteRecoveryNetworkInput(_Input):
    """A virtual network the program declares in the target region (failover or isolated test failover)."""

    address_space: str | None = _f("Address space (CIDR); default: the source network's.", None)
    subnet_prefix: str | None = _f("Subnet prefix (CIDR) inside addressSpace; default: the source subnet's.", None)


class SiteRecoveryCacheInput(_Input):
    """The cache storage account ASR stages changes in, in the SOURCE region (one per source region)."""

    account_name: str | None = _f("Storage account name (default <namePrefix>asr + a hash of the stack).", None,
                                  pattern=r"^[a-z0-9]{3,24}$", allowed="3-24 lower-case letters and digits")
    sku: AsrCacheSku | None = _f("Standard_ZRS where the source region has availability zones (default there),"
                                 " else Standard_LRS; never geo-redundant.", None)


class SiteRecoveryInput(_Input):
    """Azure Site Recovery (Azure-to-Azure) replication of the workload's VMs to the target region: a
    cross-region recovery point every 5 minutes (crash-consistent), app-consistent at the chosen frequency."""

    target_region: str | None = _f("Region the VMs fail over to (default: the workload's DR region).", None)
    recovery_point_retention_hours: int = _f(
        "Hours recovery points are kept (recoveryPointHistory).", 24, ge=1, le=ASR_MAX_RETENTION_HOURS,
        allowed=f"an integer from 1 to {ASR_MAX_RETENTION_HOURS} (15 days, Azure's maximum for managed disks)")
    app_consistent_frequency_hours: int = _f(
        "Hours between app-consistent points; 0 = crash-consistent points only.", 4, ge=0,
        le=ASR_MAX_APP_CONSISTENT_HOURS,
        allowed=f"an integer from 0 to {ASR_MAX_APP_CONSISTENT_HOURS} (Azure: at least 1 hour when on)")
    multi_vm_group: str | None = _f(
        "Multi-VM consistency group name: the workload's VMs fail over to one shared recovery point (at most"
        f" {ASR_MAX_MULTI_VM_GROUP} VMs per group).", None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$",
        allowed="1-63 letters, digits, '_' or '-', starting with a letter or digit")
    target_resource_group: str | None = _f(
        "Resource group of the failed-over VMs in the target region (default rg-<namePrefix>-<workload>-asr-<target>).",
        None, pattern=r"^[-\w._()]{0,89}[-\w_()]$", allowed="1-90 resource-group name characters, not ending in '.'")
    target_network: SiteRecoveryNetworkInput = _f("Failover network declared in the target region.",
                                                  SiteRecoveryNetworkInput())
    test_network: SiteRecoveryNetworkInput = _f("Isolated network (no peering, no mapping) for test failovers.",
                                                SiteRecoveryNetworkInput())
    target_availability_zone: int | None = _f("Zone of the failed-over VMs (not with targetAvailabilitySetId).",
                                              None, ge=1, le=3, allowed="1, 2 or 3")
    target_availability_set_id: str | None = _f(
        "ARM id of an existing availability set in the target region (not with targetAvailabilityZone).", None,
        pattern=r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/availabilitySets/[^/]+$",
        allowed="an ARM id of a Microsoft.Compute/availabilitySets resource")
    cache_storage: SiteRecoveryCacheInput = _f("Cache storage account in the source region.",
                                               SiteRecoveryCacheInput())


class WorkloadInput(_Input):
    """A group of identical VMs with one DR posture."""

    tier: TierName = _f("Preset whose defaults the workload starts from.")
    description: str | None = _f("Free text.", None)
    region: str | None = _f("Azure region of the VMs (default azure-native:location).", None)
    dr_region: str | None = _f("DR region (default: stack drRegion for the primary region, else the pair).",
                               None)
    vm_count: int | None = _f("Number of VMs (tier default).", None, ge=1, le=100,
                              allowed="an integer from 1 to 100")
    high_availability: bool | None = _f("Put the VMs in an availability set (tier default).", None)
    vm_size: str | None = _f("VM size (tier default).", None, pattern=r"^(Standard|Basic)_[A-Za-z0-9_]+$",
                             allowed='an Azure VM size such as "Standard_D2s_v5"')
    image: ImageInput | None = _f("Marketplace image (default Ubuntu 22.04 LTS gen2).", None)
    custom_image: CustomImageInput | None = _f("Custom image via a replicated compute gallery.", None)
    managed_disks: bool = _f("Must stay true: unmanaged (VHD) disks are not supported.", True)
    disk_sku: DiskSku | None = _f("Default SKU of data disks (tier default).", None)
    os_disk_sku: DiskSku | None = _f("OS disk SKU (default diskSku, or Premium_LRS when diskSku is"
                                     " data-disk only).", None)
    os_disk_size_gb: int | None = _f("OS disk size in GiB (default: the image's).", None, ge=30, le=4095,
                                     allowed="an integer from 30 to 4095")
    data_disks: list[DataDiskInput] = _f("Managed data disks per VM.", [])
    trusted_launch: bool = _f("Trusted Launch (secure boot + vTPM); gets an Enhanced policy (the Standard policy"
                              " takes Trusted Launch only from Recovery Services API 2025-01-01; azure-native"
                              " 3.29.0 sends 2024-10-01).", True)
    authentication: Literal["ssh", "password"] = _f("Admin login: ssh key, or password from secret config.",
                                                    "ssh")
    admin_username: str = _f("Admin user name.", "azureuser", pattern=r"^[a-z_][a-z0-9_-]{0,31}$",
                             allowed="1-32 lower-case letters, digits, '_' or '-', not starting with a digit")
    ssh_public_key: str | None = _f("OpenSSH public key for the admin user (required for ssh).", None,
                                    pattern=r"^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$",
                                    allowed='an OpenSSH public key ("ssh-ed25519 AAAA…" or "ssh-rsa AAAA…")')
    public_ip: bool = _f("Give each VM a public IP (off by default).", False)
    zone: int | None = _f("Availability zone of the VMs and their disks (not with highAvailability; default"
                          " 1 when a disk is PremiumV2_LRS/UltraSSD_LRS, which attach only to zonal VMs).", None,
                          ge=1, le=3, allowed="1, 2 or 3")
    network: NetworkInput = _f("Network placement.", NetworkInput())
    availability_set: AvailabilitySetInput = _f("Availability set settings (HA workloads).",
                                                AvailabilitySetInput())
    resource_group: ResourceGroupInput = _f("The workload's resource group.", ResourceGroupInput())
    rpo_hours: int | None = _f("In-region recovery point objective in hours (tier default): restores in the"
                               " primary region, from the policy's snapshots.", None, le=8760,
                               allowed="an integer from 4 to 8760")
    cross_region_rpo_hours: int | None = _f(
        "Cross-region recovery point objective in hours (tier default 36): restores after a regional disaster."
        " Azure Backup reaches 36 (only the day's last backup goes to the vault, plus up to 12 h of"
        " geo-replication); tighter needs Azure Site Recovery or consistent snapshots copied to the DR region.",
        None, ge=1, le=8760, allowed="an integer from 1 to 8760")
    retention: RetentionInput = _f("Retention overrides (tier defaults).", RetentionInput())
    instant_restore_days: int | None = _f("Days instant-restore snapshots are kept (tier default).", None,
                                          ge=1, le=V2_INSTANT_RESTORE_MAX, allowed="an integer from 1 to 30")
    backup_start_time_utc: str | None = _f(
        'Backup time (daily) or window start (hourly), "HH:MM" UTC on :00 or :30 (default 22:00 daily,'
        ' 04:00 hourly).', None, pattern=r"^([01][0-9]|2[0-3]):(00|30)$",
        allowed='"HH:MM" (UTC) on a :00 or :30 boundary')
    backup_window_hours: int | None = _f("Hourly backup window length in hours (default 20).", None,
                                         ge=4, le=23, allowed="an integer from 4 to 23")
    backup_scope: Literal["allDisks", "osDiskOnly", "selectedDataDisks"] = _f(
        "Which disks Azure Backup protects.", "allDisks")
    backup_data_disk_luns: list[int] = _f("Data-disk LUNs backed up with backupScope selectedDataDisks.", [])
    instant_restore_resource_group: InstantRestoreResourceGroupInput = _f(
        "Where Azure Backup keeps instant-restore snapshots.", InstantRestoreResourceGroupInput())
    consistent_snapshots: ConsistentSnapshotsInput | None = _f(
        "Consistent multi-disk restore points copied to the DR region (off by default).", None)
    site_recovery: SiteRecoveryInput | None = _f(
        "Azure Site Recovery replication to the target region: a cross-region RPO of minutes (off by default).",
        None)
    tags: dict[str, str] = _f("Extra tags on the workload's resources.", {})


class VaultInput(_Input):
    """Recovery Services vault posture, applied to the vault of every region that holds workloads."""

    storage_redundancy: StorageRedundancy = _f(
        "Backup storage redundancy; anything but GeoRedundant needs allowWeakerPosture.", "GeoRedundant")
    cross_region_restore: bool | None = _f(
        "Cross-region restore into the paired region (default: on for GeoRedundant).", None)
    soft_delete: SoftDeleteMode = _f(
        "Soft delete; AlwaysON is irreversible. Disabled is refused: secure by default, Azure no longer allows"
        " turning soft delete off.", "Enabled")
    soft_delete_retention_days: int = _f("Days soft-deleted backups are kept (beyond 14 are billed).", 14,
                                         ge=14, le=180, allowed="an integer from 14 to 180")
    immutability: ImmutabilityMode = _f(
        "Immutable vault; Locked is irreversible, Disabled needs allowWeakerPosture.", "Unlocked")
    public_network_access: NetworkAccess = _f(
        "Public network access; Enabled needs allowWeakerPosture.", "Disabled")
    job_failure_alerts: bool = _f("Azure Monitor alerts for all job failures; false needs allowWeakerPosture.",
                                  True)
    delete_lock: bool = _f("A CanNotDelete management lock on the vault.", True)
    allow_weaker_posture: bool = _f(
        "Explicitly accept a weaker vault (non-geo-redundant storage, cross-region restore off, immutability"
        " disabled, public access, no job-failure alerts).", False)
    existing_resource_groups: dict[str, str] = _f(
        "Region -> name of an existing resource group for that region's vault (default: one is created,"
        " rg-<namePrefix>-backup-<region>).", {})


class ConfigBackupInput(_Input):
    """Storage account for templates, custom-image sources and exported stack state (seed: back up the
    configuration). Blob versioning is always on."""

    enabled: bool = _f("Create the configuration-backup storage account.", True)
    sku: ConfigBackupSku = _f("Read-access geo-redundant SKU.", "Standard_RAGRS")
    account_name: str | None = _f("Storage account name (default <namePrefix>cfg + random suffix).", None,
                                  pattern=r"^[a-z0-9]{3,24}$", allowed="3-24 lower-case letters and digits")
    blob_soft_delete_days: int = _f("Days deleted blobs are kept.", 30, ge=1, le=365,
                                    allowed="an integer from 1 to 365")
    container_soft_delete_days: int = _f("Days deleted containers are kept.", 30, ge=1, le=365,
                                         allowed="an integer from 1 to 365")


# --- security and monitoring (issue 15) -------------------------------------------------------------------

#: Critical operations a Resource Guard can leave unprotected (``vaultCriticalOperationExclusionList``), by
#: the friendly names Azure PowerShell's ``Update-AzDataProtectionResourceGuard`` uses. Disabling soft delete
#: and removing MUA are mandatory and cannot be excluded.
#: https://learn.microsoft.com/azure/backup/multi-user-authorization-concept
GUARD_OPTIONAL_OPERATIONS: dict[str, str] = {
    "DeleteProtection": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/delete",
    "UpdateProtection": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/write",
    "UpdatePolicy": "Microsoft.RecoveryServices/vaults/backupPolicies/write",
    "GetSecurityPin": "Microsoft.RecoveryServices/vaults/backupSecurityPIN/action",
    "DisableImmutability": "Microsoft.RecoveryServices/vaults/write#reduceImmutabilityState",
    "ModifyEncryptionSettings": "Microsoft.RecoveryServices/vaults/write#modifyEncryptionSettings",
}
GuardOperation = Literal["DeleteProtection", "UpdateProtection", "UpdatePolicy", "GetSecurityPin",
                         "DisableImmutability", "ModifyEncryptionSettings"]
#: ``recoveryservices.CrossSubscriptionRestoreState`` wire values.
CrossSubscriptionRestore = Literal["Enabled", "Disabled", "PermanentlyDisabled"]
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_RG_NAME = r"^[-\w._()]{0,89}[-\w_()]$"
_RG_ALLOWED = "1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'"


class ResourceGuardInput(_Input):
    """Multi-user authorization: a Resource Guard per vault region and each vault's ``VaultProxy`` to it.
    The guard must live where the vault's administrators have no Contributor rights: another resource group,
    better another subscription (https://learn.microsoft.com/azure/backup/multi-user-authorization-concept)."""

    resource_group_name: str | None = _f(
        "Existing resource group (owned by a security administrator) the program declares the guard in; never"
        " the vault's resource group.", None, pattern=_RG_NAME, allowed=_RG_ALLOWED)
    subscription_id: str | None = _f(
        "Subscription of that resource group (default: the stack's); the guard is then declared through an"
        " explicit azure-native provider for it.", None, pattern=f"^{_UUID}$", allowed="a subscription id (GUID)")
    existing_ids: dict[str, str] = _f(
        "Region -> ARM id of a Resource Guard a security administrator created (no guard is declared for that"
        " region; the vault's proxy points at it).", {})
    excluded_operations: list[GuardOperation] = _f(
        "Optional critical operations the guard leaves unprotected (default: none; disabling soft delete and"
        " removing MUA are always protected).", [])


class CustomerManagedKeyInput(_Input):
    """Vault encryption with a customer-managed key. Azure accepts it only before the first item is protected,
    and it cannot be turned back to platform-managed keys
    (https://learn.microsoft.com/azure/backup/encryption-at-rest-with-cmk)."""

    key_uri: str = _f("Key Vault key URI (https://<vault>.vault.azure.net/keys/<key>[/<version>]).",
                      pattern=r"^https://[a-z0-9-]{3,24}\.vault\.azure\.net/keys/[A-Za-z0-9-]{1,127}(/[0-9a-fA-F]{32})?$",
                      allowed="a Key Vault key URI https://<vault>.vault.azure.net/keys/<key>[/<version>]")
    user_assigned_identity_id: str = _f(
        "ARM id of the user-assigned identity with wrap/unwrap rights on the key (CMK at vault creation needs a"
        " user-assigned identity).",
        pattern=r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ManagedIdentity/"
        r"userAssignedIdentities/[^/]+$",
        allowed="an ARM id of a Microsoft.ManagedIdentity/userAssignedIdentities resource")
    infrastructure_encryption: bool = _f("Double encryption (infrastructure encryption); fixed at creation.", False)


class PrivateEndpointInput(_Input):
    """A private endpoint (group ``AzureBackup``) per vault. Azure creates it only while the vault has no
    protected items (https://learn.microsoft.com/azure/backup/private-endpoints-overview)."""

    subnet_ids: dict[str, str] = _f("Region -> ARM id of the existing subnet of that region's vault endpoint.",
                                    min_length=1, allowed="a map of region -> subnet id, at least one")


class ArchiveTierInput(_Input):
    """Archive tier for the monthly and yearly points of policies that keep them
    (https://learn.microsoft.com/azure/backup/archive-tier-support). Archived points cannot be restored
    cross-region."""

    mode: Literal["TierAfter", "TierRecommended"] = _f(
        "TierAfter: move eligible points after afterMonths; TierRecommended: move the points Azure recommends.",
        "TierAfter")
    after_months: int = _f("Months after which monthly/yearly points move to the archive (TierAfter).", 3,
                           ge=3, le=1188, allowed="an integer from 3 to 1188 (Azure archives points at least 3"
                           " months old)")


class SecurityInput(_Input):
    """What a security review of the vaults checks (issue 15)."""

    resource_guard: ResourceGuardInput | None = _f("Multi-user authorization (off unless set).", None)
    cross_subscription_restore: CrossSubscriptionRestore = _f(
        "Restores into other subscriptions. Default Disabled: this program restores into the DR region of the"
        " same subscription, and hardening baselines (CIS, Azure Policy f19b0c83-716f-4b81-85e3-2dbf057c35d6)"
        " want it off; set Enabled for a recovery-subscription pattern (PermanentlyDisabled is irreversible).",
        "Disabled")
    customer_managed_key: CustomerManagedKeyInput | None = _f(
        "Customer-managed-key encryption of the vaults (irreversible; only before the first item is protected).",
        None)
    private_endpoint: PrivateEndpointInput | None = _f(
        "Private endpoints for the vaults (only before the first item is protected).", None)
    archive_tier: ArchiveTierInput | None = _f("Archive tier for monthly/yearly points (off unless set).", None)
    delete_locks: bool = _f(
        "CanNotDelete locks on the DR region's recovery resource groups and the configuration-backup account"
        " (never on Azure Backup's instant-restore resource groups).", True)


class EmailReceiverInput(_Input):
    """An email receiver of the backup action group."""

    name: str = _f("Receiver name (unique in the group).", pattern=r"^[A-Za-z0-9 _.-]{1,128}$",
                   allowed="1-128 letters, digits, spaces, '_', '.' or '-'")
    address: str = _f("Email address.", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", allowed="an email address")


class WebhookReceiverInput(_Input):
    """A webhook receiver of the backup action group."""

    name: str = _f("Receiver name (unique in the group).", pattern=r"^[A-Za-z0-9 _.-]{1,128}$",
                   allowed="1-128 letters, digits, spaces, '_', '.' or '-'")
    service_uri: str = _f("HTTPS URI the alert is posted to.", pattern=r"^https://\S+$", allowed="an https:// URI")


class AlertsInput(_Input):
    """Routes the vaults' built-in Azure Monitor backup alerts to people: an action group and an alert
    processing rule scoped to the vaults (https://learn.microsoft.com/azure/backup/backup-azure-monitoring-alerts)."""

    short_name: str = _f("Action group short name (shown in SMS/email).", "drbackup", pattern=r"^[A-Za-z0-9-]{1,12}$",
                         allowed="1-12 letters, digits or '-'")
    email_receivers: list[EmailReceiverInput] = _f("Email receivers.", [])
    webhook_receivers: list[WebhookReceiverInput] = _f("Webhook receivers.", [])


class BackupReportsInput(_Input):
    """A diagnostic setting per vault to a Log Analytics workspace (resource-specific tables) for Backup
    reports (https://learn.microsoft.com/azure/backup/configure-reports)."""

    workspace_id: str | None = _f(
        "ARM id of an existing Log Analytics workspace (default: one is declared in the primary region).", None,
        pattern=r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.OperationalInsights/"
        r"workspaces/[^/]+$", allowed="an ARM id of a Microsoft.OperationalInsights/workspaces resource")
    retention_days: int = _f("Retention of a declared workspace, in days.", 30, ge=30, le=730,
                             allowed="an integer from 30 to 730")


class MonitoringInput(_Input):
    """Alerts that reach a person and Backup reports (issue 15)."""

    alerts: AlertsInput | None = _f("Action group + alert processing rule (off unless set).", None)
    backup_reports: BackupReportsInput | None = _f("Diagnostic settings to Log Analytics (off unless set).", None)


class ProgramConfig(_Input):
    """The whole ``azure-iaas-dr`` namespace as written in ``Pulumi.<stack>.yaml``."""

    workloads: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,23}$")], WorkloadInput] = _f(
        "Workloads by name.", min_length=1, allowed="a map of at least one workload")
    dr_region: str | None = _f("DR region of workloads in the primary region (default: the Azure pair).",
                               None)
    name_prefix: str = _f("Prefix of shared resource names.", "dr", pattern=r"^[a-z][a-z0-9]{0,9}$",
                          allowed="1-10 lower-case letters and digits, starting with a letter")
    protect: bool = _f("Pulumi protect on vaults.", True)
    retain_on_delete: bool = _f("Pulumi retainOnDelete on vaults and protected items.", True)
    tags: dict[str, str] = _f("Tags on every resource.", {})
    vault: VaultInput = _f("Recovery Services vault posture.", VaultInput())
    config_backup: ConfigBackupInput = _f("Configuration-backup storage account.", ConfigBackupInput())
    admin_password: SecretStr | None = _f("Admin password (secret) for password-authenticated workloads.",
                                          None)
    security: SecurityInput = _f("Security-review settings of the vaults (MUA, CMK, ...).", SecurityInput())
    monitoring: MonitoringInput = _f("Alert routing and Backup reports.", MonitoringInput())


# --- resolved models (what components consume) ----------------------------------------------------------


class _Resolved(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Retention(_Resolved):
    """Resolved retention counts (0 = not kept at that granularity)."""

    daily_days: int = Field(description="Days a daily recovery point is kept.")
    weekly_weeks: int = Field(description="Weeks a weekly (Sunday) point is kept; 0 = none.")
    monthly_months: int = Field(description="Months a monthly (first Sunday) point is kept; 0 = none.")
    yearly_years: int = Field(description="Years a yearly (first Sunday of January) point is kept; 0 = none.")


class BackupPlan(_Resolved):
    """The Azure Backup policy a workload needs, derived from its RPO, disks and security type."""

    frequency: Literal["Hourly", "Daily"] = Field(description="ScheduleRunType wire value.")
    interval_hours: int = Field(description="Hours between backups: 4, 6, 8, 12, or 24 for daily.")
    policy_type: Literal["V1", "V2"] = Field(description="IAASVMPolicyType: V2 = Enhanced.")
    effective_rpo_hours: int = Field(description="In-region RPO the schedule achieves (= interval_hours).")
    instant_restore_days: int = Field(description="instantRpRetentionRangeInDays.")
    retention: Retention = Field(description="Retention counts.")
    start_time_utc: str = Field(description='"HH:MM" UTC: daily run time or hourly window start.')
    window_hours: int | None = Field(description="Hourly window length (None for daily).")
    time_zone: str = Field(description="Policy time zone.")
    instant_restore_rg_prefix: str = Field(description="azureBackupRgNamePrefix.")
    instant_restore_rg_suffix: str = Field(description="azureBackupRgNameSuffix.")


class DataDisk(_Resolved):
    """A resolved data disk."""

    lun: int = Field(description="LUN.")
    size_gb: int = Field(description="Size in GiB.")
    sku: str = Field(description="DiskStorageAccountTypes wire value.")


class SiteRecovery(_Resolved):
    """Resolved Azure Site Recovery (A2A) settings of a workload."""

    target_region: str = Field(description="Region the VMs fail over to.")
    recovery_point_retention_minutes: int = Field(description="A2A policy recoveryPointHistory (minutes).")
    app_consistent_frequency_minutes: int = Field(description="appConsistentFrequencyInMinutes (0 = off).")
    crash_consistent_frequency_minutes: int = Field(description="crashConsistentFrequencyInMinutes (5, fixed).")
    multi_vm_group: str | None = Field(description="multiVmGroupName, or None (no multi-VM consistency).")
    target_resource_group_name: str = Field(description="Resource group of the failed-over VMs.")
    target_address_space: str = Field(description="CIDR of the failover network.")
    target_subnet_prefix: str = Field(description="CIDR of the failover subnet.")
    test_address_space: str = Field(description="CIDR of the isolated test-failover network.")
    test_subnet_prefix: str = Field(description="CIDR of the isolated test-failover subnet.")
    target_availability_zone: str | None = Field(description="recoveryAvailabilityZone, or None.")
    target_availability_set_id: str | None = Field(description="recoveryAvailabilitySetId, or None.")
    cache_sku: AsrCacheSku = Field(description="SKU of the source region's cache storage account.")
    cache_account_name: str | None = Field(description="Cache account name, or None (derived).")

    @property
    def achieved_rpo_minutes(self) -> int:
        """Cross-region RPO ASR achieves in steady state: a crash-consistent point every 5 minutes (Azure
        publishes no RPO SLA; replication lag under churn can make it longer)."""
        return self.crash_consistent_frequency_minutes


class Workload(_Resolved):
    """A workload with every value resolved (tier defaults applied, regions chosen)."""

    name: str = Field(description="Workload name (config key).")
    tier: TierName = Field(description="Tier preset name.")
    description: str | None = Field(description="Free text.")
    region: str = Field(description="Region of the VMs.")
    dr_region: str = Field(description="DR region.")
    dr_region_is_pair: bool = Field(description="True when dr_region is the Azure paired region of region.")
    vm_count: int = Field(description="Number of VMs.")
    high_availability: bool = Field(description="VMs go in an availability set.")
    vm_size: str = Field(description="VM size.")
    image: ImageInput | None = Field(description="Marketplace image (None when custom_image is set).")
    custom_image: CustomImageInput | None = Field(description="Custom image through a gallery.")
    os_disk_sku: str = Field(description="OS disk SKU.")
    os_disk_size_gb: int | None = Field(description="OS disk size (None = the image's).")
    data_disks: list[DataDisk] = Field(description="Data disks per VM.")
    trusted_launch: bool = Field(description="Trusted Launch security type.")
    authentication: Literal["ssh", "password"] = Field(description="Admin login method.")
    admin_username: str = Field(description="Admin user name.")
    ssh_public_key: str | None = Field(description="SSH public key (ssh authentication).")
    public_ip: bool = Field(description="VMs get a public IP.")
    zone: str | None = Field(default=None, description='Availability zone ("1"-"3") of the VMs, or None (regional).')
    existing_subnet_id: str | None = Field(description="Existing subnet id, or None to create a network.")
    address_space: str = Field(description="CIDR of the created virtual network.")
    subnet_prefix: str = Field(description="CIDR of the created subnet.")
    fault_domains: int = Field(description="Availability set fault domains.")
    update_domains: int = Field(description="Availability set update domains.")
    resource_group_name: str = Field(description="The workload's resource group name.")
    resource_group_existing: bool = Field(description="The resource group exists already.")
    rpo_hours: int = Field(description="Target in-region RPO in hours.")
    cross_region_rpo_hours: int = Field(default=facts.CROSS_REGION_RPO_HOURS,
                                        description="Target cross-region RPO in hours.")
    cross_region_achieved_rpo_hours: int | None = Field(
        default=None, description="Cross-region RPO Azure Backup achieves (None: no cross-region backup copy).")
    backup: BackupPlan = Field(description="Resolved backup policy.")
    backup_scope: Literal["allDisks", "osDiskOnly", "selectedDataDisks"] = Field(description="Backed-up disks.")
    backup_data_disk_luns: list[int] = Field(description="LUNs backed up with selectedDataDisks.")
    consistent_snapshots: ConsistentSnapshotsInput | None = Field(description="Restore-point sets.")
    site_recovery: SiteRecovery | None = Field(default=None, description="Azure Site Recovery replication, or None.")
    tags: dict[str, str] = Field(description="All tags: stack, workload, then the DR tags of docs/DESIGN.md.")


class Vault(_Resolved):
    """Resolved vault posture (same for every region)."""

    storage_redundancy: StorageRedundancy = Field(description="StandardTierStorageRedundancy.")
    cross_region_restore: bool = Field(description="CrossRegionRestore Enabled.")
    soft_delete: SoftDeleteMode = Field(description="SoftDeleteState.")
    enhanced_security: Literal["Enabled", "AlwaysON", "Disabled"] = Field(description="EnhancedSecurityState.")
    soft_delete_retention_days: int = Field(description="Soft delete retention.")
    immutability: ImmutabilityMode = Field(description="ImmutabilityState.")
    public_network_access: NetworkAccess = Field(description="PublicNetworkAccess.")
    job_failure_alerts: bool = Field(description="alertsForAllJobFailures Enabled.")
    delete_lock: bool = Field(description="CanNotDelete lock.")
    allow_weaker_posture: bool = Field(description="Weakening accepted explicitly.")
    existing_resource_groups: dict[str, str] = Field(description="Region -> existing resource group.")


class StackConfig(_Resolved):
    """The validated, resolved stack config. Build it with :func:`parse_stack_config` or
    :func:`load_stack_config`."""

    project: str = Field(description="Pulumi project name.")
    location: str = Field(description="Primary region (azure-native:location).")
    dr_region: str = Field(description="DR region of the primary region.")
    name_prefix: str = Field(description="Prefix of shared resource names.")
    protect: bool = Field(description="Pulumi protect on vaults.")
    retain_on_delete: bool = Field(description="Pulumi retainOnDelete on vaults and protected items.")
    tags: dict[str, str] = Field(description="Stack-wide tags.")
    vault: Vault = Field(description="Vault posture.")
    config_backup: ConfigBackupInput = Field(description="Configuration-backup storage account.")
    admin_password: SecretStr | None = Field(description="Admin password (secret) or None.")
    workloads: dict[str, Workload] = Field(description="Workloads by name, resolved.")
    security: SecurityInput = Field(default=SecurityInput(), description="Security-review settings (validated).")
    monitoring: MonitoringInput = Field(default=MonitoringInput(), description="Alert routing, Backup reports.")

    @property
    def regions(self) -> list[str]:
        """Regions that hold workloads (each gets a vault), primary region first, then sorted."""
        found = {w.region for w in self.workloads.values()}
        return sorted(found, key=lambda r: (r != self.location, r))

    def workloads_in(self, region: str) -> list[Workload]:
        """Workloads whose VMs live in ``region``, in config order."""
        return [w for w in self.workloads.values() if w.region == region]

    def vault_for(self, region: str) -> Vault:
        """The vault posture of ``region`` (see :func:`vault_posture`)."""
        return vault_posture(self.vault, region)

    def vault_resource_group_name(self, region: str) -> str:
        """Name of the resource group holding the vault of ``region``."""
        return self.vault.existing_resource_groups.get(region, f"rg-{self.name_prefix}-backup-{region}")

    def vault_name(self, region: str) -> str:
        """Name of the Recovery Services vault of ``region`` (2-50 chars, letters, digits, '-')."""
        return f"rsv-{self.name_prefix}-{region}"

    def vault_tags(self, region: str) -> dict[str, str]:
        """Tags of the vault of ``region``: stack tags plus the DR tags summarising its workloads."""
        ws = self.workloads_in(region)
        return {
            **self.tags,
            "dr-workload": ",".join(w.name for w in ws),
            "dr-tier": ",".join(sorted({w.tier for w in ws})),
            "dr-high-availability": str(any(w.high_availability for w in ws)).lower(),
            "dr-rpo-hours": str(min(w.rpo_hours for w in ws)) if ws else "",
        }

    def site_recovery_targets(self) -> list[str]:
        """Target regions of the workloads' Site Recovery replication (each gets an ASR vault), sorted."""
        return sorted({w.site_recovery.target_region for w in self.workloads.values() if w.site_recovery})

    def site_recovery_vault_name(self, target_region: str) -> str:
        """Name of the ASR Recovery Services vault in ``target_region`` (Azure: never the source region)."""
        return f"rsv-{self.name_prefix}-asr-{target_region}"

    def site_recovery_resource_group_name(self, target_region: str) -> str:
        """Resource group of the ASR vault of ``target_region``."""
        return f"rg-{self.name_prefix}-asr-{target_region}"


# --- parsing ---------------------------------------------------------------------------------------------

class _Shown(str):
    """A description shown in place of a value (never quoted)."""


_MISSING = _Shown("<missing>")


def _show(value: Any) -> str:
    if isinstance(value, _Shown):
        return str(value)
    if isinstance(value, SecretStr):
        return "[secret]"
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _problem(path: str, value: Any, allowed: str) -> str:
    prefix = path if ":" in path.split(".")[0] else f"{NAMESPACE}:{path}"
    return f"{prefix}: {_show(value)}: {allowed}"


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated from a field annotation."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _walk(loc: tuple) -> tuple[type[BaseModel] | None, Any]:
    """The model class holding the last element of ``loc`` and that element's FieldInfo (or None)."""
    current: Any = ProgramConfig
    parent: type[BaseModel] | None = None
    field_info = None
    skip_key = False
    for part in loc:
        if skip_key:
            skip_key = False
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            parent = current
            field_info = next((f for n, f in current.model_fields.items() if (f.alias or n) == part), None)
            if field_info is None:
                return parent, None
            current = _unwrap(field_info.annotation)
        else:
            return parent, field_info
        origin = typing.get_origin(current)
        if origin in (dict, list):
            skip_key = True
            current = _unwrap(typing.get_args(current)[-1])
    return parent, field_info


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_from(err: dict, field_info: Any, parent: type[BaseModel] | None) -> str:
    kind = err["type"]
    extra = (field_info.json_schema_extra or {}) if field_info is not None else {}
    if kind == "extra_forbidden":
        keys = sorted((f.alias or n) for n, f in parent.model_fields.items()) if parent else []
        return "unknown key; allowed keys: " + ", ".join(keys)
    if kind == "missing":
        desc = field_info.description if field_info is not None else ""
        return f"required ({desc.rstrip('.')})" if desc else "required"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return "one of " + expected.replace("'", '"')
    if isinstance(extra, dict) and extra.get("allowed") and kind not in ("dict_type", "model_type", "list_type"):
        return str(extra["allowed"])
    if kind in ("bool_type", "bool_parsing"):
        return "true or false"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "an integer"
    if kind in ("string_type",):
        return "a string"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "a mapping of keys to values"
    if kind == "list_type":
        return "a list"
    if kind == "string_pattern_mismatch":
        return "a string matching " + err.get("ctx", {}).get("pattern", "")
    return err["msg"]


def _pydantic_problems(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        parent, field_info = _walk(loc)
        value = _MISSING if err["type"] == "missing" else err.get("input")
        if loc and loc[0] == "adminPassword":
            value = _Shown("[secret]") if value is not _MISSING else value
        elif value is not _MISSING and _masked(loc, err["type"]):
            value = _Shown("[value hidden]")
        # dict keys that fail their pattern are reported on the key itself
        if err["type"] == "string_pattern_mismatch" and loc and loc[-1] == "[key]":
            loc = loc[:-1]
            problems.append(_problem(_path(loc), value, "a workload name: 1-24 lower-case letters, digits"
                                     " or '-', starting with a letter"))
            continue
        problems.append(_problem(_path(loc), value, _allowed_from(err, field_info, parent)))
    return problems


def _region_problem(path: str, value: str) -> str:
    hint = difflib.get_close_matches(value, sorted(facts.KNOWN_REGIONS), n=1)
    allowed = 'an Azure region\'s programmatic name, e.g. "westeurope" (see components/facts.py)'
    if hint:
        allowed += f'; did you mean "{hint[0]}"?'
    return _problem(path, value, allowed)


def _resolve_dr(path: str, region: str, explicit: str | None, problems: list[str]) -> str | None:
    if explicit is not None:
        if not facts.is_known_region(explicit):
            problems.append(_region_problem(path, explicit))
            return None
        if explicit == region:
            problems.append(_problem(path, explicit, f'a region other than the primary region "{region}"'))
            return None
        return explicit
    pair = facts.paired_region(region)
    if pair is None:
        problems.append(_problem(
            path, _MISSING,
            f'required: region "{region}" has no Azure paired region (unpaired regions: '
            + ", ".join(sorted(facts.UNPAIRED_REGIONS)) + "); name a DR region explicitly"))
    return pair


class Schedule(typing.NamedTuple):
    """What :func:`choose_schedule` picks."""

    frequency: Literal["Hourly", "Daily"]
    interval_hours: int
    policy_type: Literal["V1", "V2"]


def instant_restore_cap(policy_type: str, interval_hours: int) -> int:
    """Most days Azure keeps a policy's instant-restore snapshots: V1 5; V2 30, but 17 at 4-hourly and 22 at
    6-hourly (a daily schedule has ``interval_hours`` 24)."""
    if policy_type == "V1":
        return V1_INSTANT_RESTORE_MAX
    return V2_INSTANT_RESTORE_MAX_BY_INTERVAL.get(interval_hours, V2_INSTANT_RESTORE_MAX)


def choose_schedule(rpo_hours: int, *, trusted_launch: bool = False, disk_skus: Collection[str] = ()) -> Schedule:
    """The Azure Backup schedule for a recovery point objective (the one place this mapping lives).

    Under 24 h: Hourly at the largest interval in {4, 6, 8, 12} that is at most ``rpo_hours``; 24 h or
    more: Daily (interval 24). Enhanced (V2) when hourly, Trusted Launch, or a Premium SSD v2 / Ultra disk
    SKU is among ``disk_skus``; else Standard (V1). Raises ``ValueError`` for an RPO under 4 hours.
    """
    if rpo_hours < HOURLY_INTERVALS[0]:
        raise ValueError(f"rpo_hours {rpo_hours}: at least {HOURLY_INTERVALS[0]} (Azure Backup for VMs backs up"
                         f" at most every {HOURLY_INTERVALS[0]} hours)")
    if rpo_hours >= 24:
        frequency, interval = "Daily", 24
    else:
        frequency, interval = "Hourly", max(i for i in HOURLY_INTERVALS if i <= rpo_hours)
    v2 = frequency == "Hourly" or trusted_launch or bool(set(disk_skus) & set(DATA_ONLY_DISK_SKUS))
    return Schedule(frequency, interval, "V2" if v2 else "V1")


def _backup_plan(name: str, w: WorkloadInput, t: TierPreset, stack_prefix: str, rpo: int,
                 disk_skus: set[str], problems: list[str]) -> BackupPlan | None:
    p = f"workloads.{name}"
    frequency, interval, policy_type = choose_schedule(rpo, trusted_launch=w.trusted_launch, disk_skus=disk_skus)
    ret_in = w.retention
    retention = Retention(
        daily_days=ret_in.daily_days if ret_in.daily_days is not None else t.daily_days,
        weekly_weeks=ret_in.weekly_weeks if ret_in.weekly_weeks is not None else t.weekly_weeks,
        monthly_months=ret_in.monthly_months if ret_in.monthly_months is not None else t.monthly_months,
        yearly_years=ret_in.yearly_years if ret_in.yearly_years is not None else t.yearly_years,
    )
    instant = w.instant_restore_days if w.instant_restore_days is not None else t.instant_restore_days
    ok = True
    cap = instant_restore_cap(policy_type, interval)
    if policy_type == "V1" and instant > cap:
        problems.append(_problem(
            f"{p}.instantRestoreDays", instant,
            f"1 to {cap} days with a Standard (V1) policy (this workload gets V1: daily"
            " backups, no Trusted Launch, no Premium SSD v2/Ultra disks)"))
        ok = False
    elif instant > cap:  # V2: the field already caps at 30, so only the 4- and 6-hourly caps bite here
        problems.append(_problem(
            f"{p}.instantRestoreDays", instant,
            f"1 to {cap} days with an Enhanced (V2) policy backing up every {interval} hours"))
        ok = False
    elif instant > retention.daily_days:
        problems.append(_problem(f"{p}.instantRestoreDays", instant,
                                 f"at most the daily retention ({retention.daily_days} days)"))
        ok = False
    start = w.backup_start_time_utc or ("04:00" if frequency == "Hourly" else "22:00")
    window = None
    if frequency == "Hourly":
        window = w.backup_window_hours if w.backup_window_hours is not None else 20
        if start > "19:30":
            problems.append(_problem(f"{p}.backupStartTimeUtc", start,
                                     'an hourly window start from "00:00" to "19:30" (UTC)'))
            ok = False
        if window < interval:
            problems.append(_problem(f"{p}.backupWindowHours", window,
                                     f"at least the backup interval ({interval} hours) up to 23"))
            ok = False
    elif w.backup_window_hours is not None:
        problems.append(_problem(f"{p}.backupWindowHours", w.backup_window_hours,
                                 "only for hourly schedules (rpoHours under 24); remove it"))
        ok = False
    if not ok:
        return None
    irg = w.instant_restore_resource_group
    return BackupPlan(
        frequency=frequency, interval_hours=interval, policy_type=policy_type, effective_rpo_hours=interval,
        instant_restore_days=instant, retention=retention, start_time_utc=start, window_hours=window,
        time_zone="UTC",
        instant_restore_rg_prefix=irg.prefix or f"rg-{stack_prefix}-{w.tier}-irp-",
        instant_restore_rg_suffix=irg.suffix,
    )


def _resolve_workload(name: str, w: WorkloadInput, cfg: ProgramConfig, location: str, stack_dr: str | None,
                      problems: list[str]) -> Workload | None:
    p = f"workloads.{name}"
    start = len(problems)
    t = TIERS[w.tier]
    region = w.region if w.region is not None else location
    dr_region = None
    if w.region is not None and not facts.is_known_region(w.region):
        problems.append(_region_problem(f"{p}.region", w.region))
    else:
        if w.dr_region is not None:
            dr_region = _resolve_dr(f"{p}.drRegion", region, w.dr_region, problems)
        elif region == location:
            dr_region = stack_dr  # None: already reported on drRegion
        else:
            dr_region = _resolve_dr(f"{p}.drRegion", region, None, problems)
    ha = w.high_availability if w.high_availability is not None else t.high_availability
    vm_count = w.vm_count if w.vm_count is not None else t.vm_count
    if ha and vm_count < 2:
        problems.append(_problem(
            f"{p}.vmCount", vm_count,
            "a high-availability workload needs at least 2 VMs in its availability set"
            " (set vmCount to 2 or more, or highAvailability: false)"))
    if not w.managed_disks:
        problems.append(_problem(
            f"{p}.managedDisks", False,
            f"true: unmanaged (VHD) disks are retired on {UNMANAGED_DISK_RETIREMENT} (VMs using them cannot"
            " start afterwards) and their backup is deprecated; use managed disks"))
    disk_sku = w.disk_sku or t.disk_sku
    if not facts.has_zones(region) and disk_sku in facts.ZONE_REDUNDANT_DISK_SKUS:
        if w.disk_sku is None:  # the tier's ZRS default: the same disk type, locally redundant
            disk_sku = disk_sku.replace("_ZRS", "_LRS")
        else:
            problems.append(_problem(f"{p}.diskSku", disk_sku,
                                     f"a locally redundant SKU: {region} has no availability zones, so no ZRS disks"
                                     " (https://learn.microsoft.com/azure/reliability/regions-list)"))
    if w.os_disk_sku is not None:
        os_sku = w.os_disk_sku
        if os_sku in DATA_ONLY_DISK_SKUS:
            problems.append(_problem(
                f"{p}.osDiskSku", os_sku,
                "one of " + ", ".join(f'"{s}"' for s in OS_DISK_SKUS)
                + ": Premium SSD v2 and Ultra disks can only be data disks"))
    else:
        os_sku = "Premium_LRS" if disk_sku in DATA_ONLY_DISK_SKUS else disk_sku
    data_disks = []
    seen_luns: set[int] = set()
    for i, d in enumerate(w.data_disks):
        sku = d.sku or disk_sku
        if d.lun in seen_luns:
            problems.append(_problem(f"{p}.dataDisks[{i}].lun", d.lun, "a LUN not used by another data disk"))
        seen_luns.add(d.lun)
        if sku not in DATA_ONLY_DISK_SKUS and d.size_gb > MAX_DISK_GB:
            problems.append(_problem(f"{p}.dataDisks[{i}].sizeGb", d.size_gb,
                                     f"at most {MAX_DISK_GB} GiB for {sku} (up to {MAX_V2_DISK_GB} only for"
                                     " PremiumV2_LRS and UltraSSD_LRS)"))
        if ha and sku in DATA_ONLY_DISK_SKUS:
            problems.append(_problem(
                f"{p}.dataDisks[{i}].sku" if d.sku else f"{p}.diskSku", sku,
                "a SKU other than PremiumV2_LRS/UltraSSD_LRS for a high-availability workload: Premium SSD"
                " v2 and Ultra disks need zonal VMs, which cannot join an availability set (Premium SSD v2 with"
                " availability sets exists only in " + ", ".join(sorted(facts.PREMIUM_V2_AVAILABILITY_SET_REGIONS))
                + " after registering the PV2WithAVSetRegionWithoutZone feature, which the program does not assume)"))
        data_disks.append(DataDisk(lun=d.lun, size_gb=d.size_gb, sku=sku))
    if len(w.data_disks) > MAX_BACKED_UP_DATA_DISKS and w.backup_scope != "osDiskOnly":
        problems.append(_problem(
            f"{p}.dataDisks", _Shown(f"{len(w.data_disks)} disks"),
            f"at most {MAX_BACKED_UP_DATA_DISKS} data disks (Azure Backup supports up to 32 disks per VM,"
            " OS disk included)"))
    if w.backup_scope == "selectedDataDisks":
        if not w.backup_data_disk_luns:
            problems.append(_problem(f"{p}.backupDataDiskLuns", [],
                                     "a non-empty list of data-disk LUNs when backupScope is selectedDataDisks"))
        for lun in w.backup_data_disk_luns:
            if lun not in seen_luns:
                problems.append(_problem(f"{p}.backupDataDiskLuns", lun,
                                         "a LUN of one of the workload's dataDisks: "
                                         + (", ".join(str(x) for x in sorted(seen_luns)) or "none defined")))
    elif w.backup_data_disk_luns:
        problems.append(_problem(f"{p}.backupDataDiskLuns", w.backup_data_disk_luns,
                                 'only with backupScope "selectedDataDisks"'))
    if w.image is not None and w.custom_image is not None:
        problems.append(_problem(f"{p}.customImage", _Shown("set together with image"),
                                 "either image or customImage, not both"))
    if w.authentication == "ssh" and not w.ssh_public_key:
        problems.append(_problem(f"{p}.sshPublicKey", _MISSING,
                                 'an OpenSSH public key, required when authentication is "ssh"'))
    if w.authentication == "password" and w.ssh_public_key:
        problems.append(_problem(f"{p}.sshPublicKey", _Shown("set"), 'only with authentication "ssh"'))
    if w.custom_image is not None and w.custom_image.hyper_v_generation == "V1" and w.trusted_launch:
        problems.append(_problem(f"{p}.customImage.hyperVGeneration", "V1",
                                 '"V2" when trustedLaunch is true (Trusted Launch boots only Generation 2 images);'
                                 " or set trustedLaunch: false for a Generation 1 image"))
    if w.custom_image is not None and w.custom_image.os_type == "Windows" and w.authentication == "ssh":
        problems.append(_problem(f"{p}.authentication", "ssh",
                                 '"password" for a Windows image (Azure sets up SSH keys only on Linux)'))
    max_fd = facts.max_fault_domains(region)
    fault_domains = w.availability_set.fault_domains or max_fd
    if fault_domains > max_fd:
        problems.append(_problem(f"{p}.availabilitySet.faultDomains", fault_domains,
                                 f"at most {max_fd}: managed availability sets in {region} have {max_fd} fault"
                                 " domains"))
    if w.zone is not None and ha:
        problems.append(_problem(f"{p}.zone", w.zone, "unset for a high-availability workload: zonal VMs cannot"
                                 " join an availability set"))
    zone = w.zone
    if zone is None and not ha and any(d.sku in DATA_ONLY_DISK_SKUS for d in data_disks):
        zone = 1  # PremiumV2_LRS / UltraSSD_LRS disks attach only to zonal VMs
    net = w.network
    address_space, subnet_prefix = net.address_space or "10.10.0.0/16", net.subnet_prefix or "10.10.1.0/24"
    if net.existing_subnet_id is not None and (net.address_space or net.subnet_prefix):
        problems.append(_problem(f"{p}.network.existingSubnetId", net.existing_subnet_id,
                                 "either existingSubnetId or addressSpace/subnetPrefix, not both"))
    else:
        space = _cidr(f"{p}.network.addressSpace", address_space, problems)
        subnet = _cidr(f"{p}.network.subnetPrefix", subnet_prefix, problems)
        if space is not None and subnet is not None and not subnet.subnet_of(space):
            problems.append(_problem(f"{p}.network.subnetPrefix", subnet_prefix,
                                     f"a CIDR inside addressSpace {address_space}"))
    rpo = w.rpo_hours if w.rpo_hours is not None else t.rpo_hours
    if rpo < 4:
        problems.append(_problem(
            f"{p}.rpoHours", rpo,
            "at least 4: Azure Backup for VMs backs up at most every 4 hours; for a tighter RPO use"
            " application replication (e.g. SQL Server Always On) and consistent snapshots"
            f" (workloads.{name}.consistentSnapshots), then set rpoHours to 4 or more"))
        return None
    disk_skus = {os_sku, *(d.sku for d in data_disks)}
    plan = _backup_plan(name, w, t, cfg.name_prefix, rpo, disk_skus, problems)
    site_recovery = _resolve_site_recovery(name, w, cfg, region, dr_region, data_disks, address_space,
                                           subnet_prefix, problems)
    if len(problems) > start or plan is None or dr_region is None:
        return None
    tags = {
        **cfg.tags,
        **w.tags,
        "dr-workload": name,
        "dr-tier": w.tier,
        "dr-high-availability": str(ha).lower(),
        "dr-rpo-hours": str(rpo),
        **({"dr-site-recovery": site_recovery.target_region} if site_recovery is not None else {}),
    }
    return Workload(
        name=name, tier=w.tier, description=w.description, region=region, dr_region=dr_region,
        dr_region_is_pair=facts.paired_region(region) == dr_region,
        vm_count=vm_count, high_availability=ha, vm_size=w.vm_size or t.vm_size,
        image=None if w.custom_image is not None else (w.image or ImageInput()), custom_image=w.custom_image,
        os_disk_sku=os_sku, os_disk_size_gb=w.os_disk_size_gb, data_disks=data_disks,
        trusted_launch=w.trusted_launch, authentication=w.authentication, admin_username=w.admin_username,
        ssh_public_key=w.ssh_public_key, public_ip=w.public_ip,
        zone=str(zone) if zone is not None else None, existing_subnet_id=net.existing_subnet_id,
        address_space=address_space, subnet_prefix=subnet_prefix,
        fault_domains=fault_domains, update_domains=w.availability_set.update_domains,
        resource_group_name=w.resource_group.name or f"rg-{cfg.name_prefix}-{name}",
        resource_group_existing=w.resource_group.existing, rpo_hours=rpo, backup=plan,
        backup_scope=w.backup_scope, backup_data_disk_luns=list(w.backup_data_disk_luns),
        consistent_snapshots=w.consistent_snapshots, site_recovery=site_recovery, tags=tags,
    )


def _resolve_site_recovery(name: str, w: WorkloadInput, cfg: ProgramConfig, region: str, dr_region: str | None,
                           data_disks: list[DataDisk], address_space: str, subnet_prefix: str,
                           problems: list[str]) -> SiteRecovery | None:
    """The workload's ``siteRecovery`` resolved, problems appended (Azure's A2A limits, see the constants)."""
    sr = w.site_recovery
    if sr is None:
        return None
    p = f"workloads.{name}.siteRecovery"
    start = len(problems)
    target = sr.target_region if sr.target_region is not None else dr_region
    if sr.target_region is not None and not facts.is_known_region(sr.target_region):
        problems.append(_region_problem(f"{p}.targetRegion", sr.target_region))
    elif target == region:
        # https://learn.microsoft.com/azure/site-recovery/azure-to-azure-tutorial-enable-replication
        problems.append(_problem(f"{p}.targetRegion", target, f'a region other than the source region "{region}":'
                                 " Site Recovery replicates to another region (and its vault must not be in the"
                                 " source region)"))
    if sr.app_consistent_frequency_hours > 0 and sr.app_consistent_frequency_hours > sr.recovery_point_retention_hours:
        problems.append(_problem(f"{p}.appConsistentFrequencyHours", sr.app_consistent_frequency_hours,
                                 f"at most recoveryPointRetentionHours ({sr.recovery_point_retention_hours}):"
                                 " an app-consistent point must fit in the retention window"))
    if sr.multi_vm_group is not None:
        members = [n for n, other in cfg.workloads.items()
                   if other.site_recovery is not None and other.site_recovery.multi_vm_group == sr.multi_vm_group]
        total = sum((o.vm_count if o.vm_count is not None else TIERS[o.tier].vm_count)
                    for o in (cfg.workloads[n] for n in members))
        if total > ASR_MAX_MULTI_VM_GROUP:
            problems.append(_problem(f"{p}.multiVmGroup", sr.multi_vm_group,
                                     f"a group of at most {ASR_MAX_MULTI_VM_GROUP} VMs (multi-VM consistency); this"
                                     f" one has {total} ({', '.join(members)})"))
    if sr.target_availability_zone is not None and sr.target_availability_set_id is not None:
        problems.append(_problem(f"{p}.targetAvailabilityZone", sr.target_availability_zone,
                                 "either targetAvailabilityZone or targetAvailabilitySetId, not both"))
    for i, d in enumerate(data_disks):
        if d.sku == "UltraSSD_LRS":
            # https://learn.microsoft.com/azure/site-recovery/azure-to-azure-support-matrix (Ultra disks: not supported)
            problems.append(_problem(f"{p}", _Shown(f"dataDisks[{i}] UltraSSD_LRS"),
                                     "no Ultra disks: Site Recovery cannot replicate them; use Premium SSD or"
                                     " remove siteRecovery"))
    net_space = sr.target_network.address_space or address_space
    net_subnet = sr.target_network.subnet_prefix or (subnet_prefix if sr.target_network.address_space is None
                                                      else None)
    test_space = sr.test_network.address_space or net_space
    test_subnet = sr.test_network.subnet_prefix or (net_subnet if sr.test_network.address_space is None else None)
    for key, space, subnet in (("targetNetwork", net_space, net_subnet), ("testNetwork", test_space, test_subnet)):
        if subnet is None:
            problems.append(_problem(f"{p}.{key}.subnetPrefix", _MISSING,
                                     "a subnet prefix inside the addressSpace set here"))
            continue
        a = _cidr(f"{p}.{key}.addressSpace", space, problems)
        b = _cidr(f"{p}.{key}.subnetPrefix", subnet, problems)
        if a is not None and b is not None and not b.subnet_of(a):
            problems.append(_problem(f"{p}.{key}.subnetPrefix", subnet, f"a CIDR inside addressSpace {space}"))
    if len(problems) > start or target is None:
        return None
    cache_sku = sr.cache_storage.sku or ("Standard_ZRS" if facts.has_zones(region)
                                         else "Standard_LRS")
    return SiteRecovery(
        target_region=target,
        recovery_point_retention_minutes=sr.recovery_point_retention_hours * 60,
        app_consistent_frequency_minutes=sr.app_consistent_frequency_hours * 60,
        crash_consistent_frequency_minutes=ASR_CRASH_CONSISTENT_MINUTES,
        multi_vm_group=sr.multi_vm_group,
        target_resource_group_name=sr.target_resource_group or f"rg-{cfg.name_prefix}-{name}-asr-{target}",
        target_address_space=net_space, target_subnet_prefix=str(net_subnet),
        test_address_space=test_space, test_subnet_prefix=str(test_subnet),
        target_availability_zone=(str(sr.target_availability_zone) if sr.target_availability_zone is not None
                                  else None),
        target_availability_set_id=sr.target_availability_set_id,
        cache_sku=cache_sku, cache_account_name=sr.cache_storage.account_name,
    )


def _cidr(path: str, value: str, problems: list[str]):
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError:
        problems.append(_problem(path, value, 'an IPv4 CIDR block such as "10.10.0.0/16" (host bits zero)'))
        return None


def _resolve_vault(v: VaultInput, problems: list[str]) -> Vault:
    grs = v.storage_redundancy == "GeoRedundant"
    crr = v.cross_region_restore if v.cross_region_restore is not None else grs
    weaker_hint = "or set vault.allowWeakerPosture: true to accept it explicitly"
    if crr and not grs:
        problems.append(_problem("vault.crossRegionRestore", True,
                                 'false unless storageRedundancy is "GeoRedundant" (cross-region restore'
                                 " needs a geo-redundant vault)"))
    if not v.allow_weaker_posture:
        if not grs:
            problems.append(_problem("vault.storageRedundancy", v.storage_redundancy,
                                     f'"GeoRedundant" (backups must leave the region), {weaker_hint}'))
        elif not crr:
            problems.append(_problem("vault.crossRegionRestore", False,
                                     f"true (restore into the paired region), {weaker_hint}"))
        if v.immutability == "Disabled":
            problems.append(_problem("vault.immutability", v.immutability,
                                     f'"Unlocked" or "Locked", {weaker_hint}'))
        if v.public_network_access == "Enabled":
            problems.append(_problem("vault.publicNetworkAccess", v.public_network_access,
                                     f'"Disabled", {weaker_hint}'))
        if not v.job_failure_alerts:
            problems.append(_problem("vault.jobFailureAlerts", False, f"true, {weaker_hint}"))
    if v.soft_delete == "Disabled":
        problems.append(_problem(
            "vault.softDelete", v.soft_delete,
            f'"Enabled" or "AlwaysON": soft delete cannot be disabled (secure by default from Recovery Services API'
            f" {facts.SECURE_BY_DEFAULT_API}; azure-native sends {facts.RECOVERY_SERVICES_API}), and deleting a"
            " protected item always soft-deletes it (https://learn.microsoft.com/azure/backup/secure-by-default)"))
    for region, rg in v.existing_resource_groups.items():
        if not facts.is_known_region(region):
            problems.append(_region_problem(f"vault.existingResourceGroups.{region}", region))
        if not re.fullmatch(r"[-\w._()]{0,89}[-\w_()]", rg):
            problems.append(_problem(f"vault.existingResourceGroups.{region}", rg,
                                     "a resource group name (1-90 characters, not ending in '.')"))
    return Vault(
        storage_redundancy=v.storage_redundancy, cross_region_restore=bool(crr), soft_delete=v.soft_delete,
        enhanced_security="AlwaysON" if v.soft_delete == "AlwaysON" else
        ("Disabled" if v.soft_delete == "Disabled" else "Enabled"),
        soft_delete_retention_days=v.soft_delete_retention_days, immutability=v.immutability,
        public_network_access=v.public_network_access, job_failure_alerts=v.job_failure_alerts,
        delete_lock=v.delete_lock, allow_weaker_posture=v.allow_weaker_posture,
        existing_resource_groups=dict(v.existing_resource_groups),
    )


_GUARD_ID = re.compile(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.DataProtection/"
                       r"resourceGuards/[^/]+$", re.IGNORECASE)
_SUBNET_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/"
                        r"[^/]+/subnets/[^/]+$", re.IGNORECASE)


def _check_security(cfg: ProgramConfig, location: str, problems: list[str]) -> None:
    """Cross-key checks of ``security`` and ``monitoring`` (issue 15)."""
    vault_regions = sorted({w.region or location for w in cfg.workloads.values()})
    vault_rgs = {r: cfg.vault.existing_resource_groups.get(r, f"rg-{cfg.name_prefix}-backup-{r}") for r in vault_regions}
    g = cfg.security.resource_guard
    if g is not None:
        p = "security.resourceGuard"
        if g.resource_group_name is None and not g.existing_ids:
            problems.append(_problem(f"{p}.resourceGroupName", _MISSING,
                                     "the resource group to declare the guard in, or existingIds (region -> guard id)"))
        same = sorted(r for r, rg in vault_rgs.items() if g.resource_group_name is not None
                      and g.subscription_id is None and rg.lower() == g.resource_group_name.lower()
                      and r not in g.existing_ids)
        if same:
            problems.append(_problem(
                f"{p}.resourceGroupName", g.resource_group_name,
                f"a resource group other than the vault's ({', '.join(same)}): a guard beside the vault is"
                " administered by the vault's own administrators, which defeats multi-user authorization"))
        for region, gid in g.existing_ids.items():
            m = _GUARD_ID.match(gid)
            if not facts.is_known_region(region):
                problems.append(_region_problem(f"{p}.existingIds.{region}", region))
            elif m is None:
                problems.append(_problem(f"{p}.existingIds.{region}", gid,
                                         "an ARM id of a Microsoft.DataProtection/resourceGuards resource"))
            elif region in vault_rgs and m.group(2).lower() == vault_rgs[region].lower():
                problems.append(_problem(f"{p}.existingIds.{region}", gid,
                                         f"a guard outside the vault's resource group {vault_rgs[region]}"))
    pe = cfg.security.private_endpoint
    if pe is not None:
        for region, sid in pe.subnet_ids.items():
            if region not in vault_rgs:
                problems.append(_problem(f"security.privateEndpoint.subnetIds.{region}", region,
                                         "a region that holds workloads (has a vault): " + ", ".join(vault_regions)))
            elif not _SUBNET_ID.match(sid):
                problems.append(_problem(f"security.privateEndpoint.subnetIds.{region}", sid,
                                         "an ARM id of a Microsoft.Network/virtualNetworks/subnets resource"))
    if cfg.security.archive_tier is not None and cfg.vault.storage_redundancy == "ZoneRedundant":
        # https://learn.microsoft.com/azure/backup/archive-tier-support ("not supported ... ZRS")
        problems.append(_problem("security.archiveTier", _Shown("set"),
                                 'unset with vault.storageRedundancy "ZoneRedundant": Azure Backup has no archive'
                                 " tier for zone-redundant vaults"))
    a = cfg.monitoring.alerts
    if a is not None and not a.email_receivers and not a.webhook_receivers:
        problems.append(_problem("monitoring.alerts", _Shown("no receivers"),
                                 "at least one of emailReceivers or webhookReceivers"))
    if a is not None:
        names = [r.name for r in [*a.email_receivers, *a.webhook_receivers]]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            problems.append(_problem("monitoring.alerts", dupes, "receiver names unique in the action group"))
def vault_posture(v: Vault, region: str) -> Vault:
    """The vault posture for ``region``. A region without an Azure pair has no geo-redundant storage and no
    cross-region restore ("Regions without a pair will not have geo-redundant storage (GRS)",
    https://learn.microsoft.com/azure/reliability/cross-region-replication-azure): a GeoRedundant posture falls
    back to ZoneRedundant there, or LocallyRedundant where the region has no zones."""
    if v.storage_redundancy != "GeoRedundant" or facts.REGION_CAPABILITIES.get(region, {}).get("grs", True):
        return v
    fallback = "ZoneRedundant" if facts.has_zones(region) else "LocallyRedundant"
    return v.model_copy(update={"storage_redundancy": fallback, "cross_region_restore": False})


def vault_fallback_note(v: Vault, region: str) -> str | None:
    """What :func:`vault_posture` changed for ``region``, said in the preview; None when nothing."""
    got = vault_posture(v, region)
    if got is v:
        return None
    return (f"{region} has no Azure paired region, so its vault cannot be GeoRedundant (no GRS, no cross-region"
            f" restore): it is {got.storage_redundancy}; the workloads there reach their DR region through Site"
            " Recovery or consistent snapshots copied to their drRegion")


def _has_site_recovery(w: WorkloadInput) -> bool:
    """The workload is replicated by Azure Site Recovery (the ``siteRecovery`` key, when the config has it)."""
    sr = getattr(w, "site_recovery", None)
    return bool(sr) and getattr(sr, "enabled", True) is not False


def _resolve_cross_region(name: str, w: WorkloadInput, wl: Workload, vault: Vault,
                          problems: list[str]) -> Workload:
    """The cross-region RPO (target and what Azure Backup achieves) and the checks only the resolved workload
    and its region's vault can make: a cross-region target Azure Backup cannot reach, an unpaired region without
    a cross-region path, crash-consistent restore points on Premium SSD v2 / Ultra disks."""
    p = f"workloads.{name}"
    t = TIERS[w.tier]
    target = w.cross_region_rpo_hours if w.cross_region_rpo_hours is not None else t.cross_region_rpo_hours
    v = vault_posture(vault, wl.region)
    achieved = facts.CROSS_REGION_RPO_HOURS if v.storage_redundancy == "GeoRedundant" and v.cross_region_restore \
        else None
    cs = wl.consistent_snapshots
    copies = cs is not None and cs.copy_to_dr_region
    asr = _has_site_recovery(w)
    paths = (f"Azure Site Recovery (workloads.{name}.siteRecovery), or consistent snapshots copied to the DR"
             f" region on a schedule (workloads.{name}.consistentSnapshots with copyToDrRegion: true)")
    if target < facts.CROSS_REGION_RPO_HOURS and not (asr or copies):
        problems.append(_problem(
            f"{p}.crossRegionRpoHours", target,
            f"at least {facts.CROSS_REGION_RPO_HOURS} with Azure Backup alone (only the day's last backup reaches"
            f" the vault, then up to {facts.GRS_REPLICATION_LAG_HOURS} h of geo-replication); what reaches"
            f" {target} h: {paths}"))
    if not facts.REGION_CAPABILITIES.get(wl.region, {}).get("grs", True) and not (asr or copies):
        problems.append(_problem(
            f"{p}.region", wl.region,
            f"a cross-region path: {wl.region} has no Azure paired region, so Azure Backup keeps no copy outside it"
            f" (its vault is {v.storage_redundancy}); add {paths}"))
    if cs is not None and cs.method == "restorePoints" and cs.consistency == "CrashConsistent":
        bad = sorted({d.sku for d in wl.data_disks} & set(facts.CRASH_CONSISTENT_UNSUPPORTED_SKUS))
        if bad:
            problems.append(_problem(
                f"{p}.consistentSnapshots.consistency", "CrashConsistent",
                f'"ApplicationConsistent": crash-consistent restore points are not supported on {", ".join(bad)}'
                " disks (https://learn.microsoft.com/azure/virtual-machines/concepts-restore-points)"))
    # (a Site Recovery workload's VMs carry dr-site-recovery: <target region>, set in _resolve_workload)
    tags = {**wl.tags, "dr-cross-region-rpo-hours": str(target)}
    return wl.model_copy(update={"cross_region_rpo_hours": target, "cross_region_achieved_rpo_hours": achieved,
                                 "tags": tags})


def _scale_problems(workloads: Mapping[str, Workload]) -> list[str]:
    """Azure's per-vault limit: at most 1,000 VMs in one vault (one vault per region here)."""
    out = []
    for region in sorted({w.region for w in workloads.values()}):
        ws = [w for w in workloads.values() if w.region == region]
        count = sum(w.vm_count for w in ws)
        if count > facts.MAX_VMS_PER_VAULT:
            out.append(_problem(
                "workloads", _Shown(f"{count} VMs in {region}"),
                f"at most {facts.MAX_VMS_PER_VAULT} VMs per region: Azure Backup protects up to"
                f" {facts.MAX_VMS_PER_VAULT} VMs in one vault (https://learn.microsoft.com/azure/backup/backup-support-matrix);"
                " move workloads to another region or stack"))
    return out


_STRING_KEYS = {"drRegion", "namePrefix", "adminPassword"}


def _decode(key: str, value: Any) -> Any:
    """Config values arrive as the engine hands them over: strings, structured ones JSON-encoded."""
    if not isinstance(value, str) or key in _STRING_KEYS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def parse_stack_config(raw: Mapping[str, Any], *, location: str | None, project: str = NAMESPACE,
                       secret_keys: Collection[str] = ()) -> StackConfig:
    """Validate the ``azure-iaas-dr`` namespace (keys without the namespace) and resolve it.

    ``raw`` values may be decoded (YAML) or as the engine passes them (JSON strings). ``secret_keys``
    are the keys (without namespace) whose values came from secure config. Raises :class:`ConfigError`.
    """
    problems: list[str] = []
    data = {k: _decode(k, v) for k, v in raw.items()}
    for key in ("drRegion", "adminPassword"):
        if data.get(key) == "":
            data.pop(key)  # Pulumi.yaml declares "" as their default: unset
    if "adminPassword" in data and "adminPassword" not in secret_keys:
        problems.append(_problem("adminPassword", _Shown("[not secret]"),
                                 "a secret: set it with `pulumi config set --secret adminPassword`"))
    if location is None or location == "":
        problems.append(_problem(LOCATION_KEY, _MISSING,
                                 "the primary region, e.g. `pulumi config set azure-native:location westeurope`"))
    elif not facts.is_known_region(location):
        problems.append(_region_problem(LOCATION_KEY, location))
    try:
        cfg = ProgramConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems + _pydantic_problems(exc)) from None
    if problems:
        raise ConfigError(problems)
    assert location is not None
    stack_dr = _resolve_dr("drRegion", location, cfg.dr_region, problems)
    vault = _resolve_vault(cfg.vault, problems)
    _check_security(cfg, location, problems)
    workloads: dict[str, Workload] = {}
    for name, w in cfg.workloads.items():
        resolved = _resolve_workload(name, w, cfg, location, stack_dr, problems)
        if resolved is not None:
            workloads[name] = _resolve_cross_region(name, w, resolved, vault, problems)
    problems += _scale_problems(workloads)
    if any(w.authentication == "password" for w in workloads.values()) and cfg.admin_password is None:
        names = ", ".join(n for n, w in workloads.items() if w.authentication == "password")
        problems.append(_problem("adminPassword", _MISSING,
                                 f"a secret password, required by password authentication ({names}):"
                                 " `pulumi config set --secret adminPassword`"))
    problems.extend(_up_problems(cfg, vault, workloads))
    if problems:
        raise ConfigError(problems)
    assert stack_dr is not None
    return StackConfig(
        project=project, location=location, dr_region=stack_dr, name_prefix=cfg.name_prefix,
        protect=cfg.protect, retain_on_delete=cfg.retain_on_delete, tags=dict(cfg.tags), vault=vault,
        config_backup=cfg.config_backup, admin_password=cfg.admin_password, workloads=workloads,
        security=cfg.security, monitoring=cfg.monitoring,
    )


def _up_problems(cfg: ProgramConfig, vault: Vault, workloads: dict[str, Workload]) -> list[str]:
    """What Azure or Pulumi would refuse at `up` (components/config/checks.py, issue 13)."""
    from .checks import Described, stack_problems

    vault_groups = [(r, vault.existing_resource_groups.get(r, f"rg-{cfg.name_prefix}-backup-{r}"))
                    for r in sorted({w.region for w in workloads.values()})]
    return [_problem(path, _Shown(value) if isinstance(value, Described) else value, allowed)
            for path, value, allowed in stack_problems(cfg.tags, workloads, vault_groups)]


_SECRET_LOOKING = re.compile(r"pass(word)?|pwd|secret|token|credential|private|apikey|key$", re.I)


def _masked(loc: tuple, err_type: str) -> bool:
    """Whether a config error must not echo the value: an unknown key (a misspelt adminPassword is still a
    password) or a secret-looking one."""
    return err_type == "extra_forbidden" or any(isinstance(p, str) and _SECRET_LOOKING.search(p) for p in loc)


def _runtime_config() -> tuple[dict[str, Any], set[str]]:
    """All config the program was given (``PULUMI_CONFIG`` under the engine, ``set_all_config`` under
    mocks) and which of its keys are secret, through the SDK's public ``pulumi.runtime`` config API
    (``PULUMI_CONFIG_SECRET_KEYS`` under the engine, ``is_config_secret`` for keys set under mocks)."""
    from pulumi import runtime as rt
    from pulumi.runtime import config as rc

    merged = dict(rt.get_config_env())
    merged.update(rc.CONFIG.get())
    secret = set(rt.get_config_secret_keys_env()) | {k for k in merged if rt.is_config_secret(k)}
    return merged, secret


def load_stack_config(project: str | None = None) -> StackConfig:
    """Read and validate the program config from the Pulumi runtime. Raises :class:`ConfigError`."""
    project = project or pulumi.get_project() or NAMESPACE
    merged, secret = _runtime_config()
    prefix = f"{project}:"
    raw = {k[len(prefix):]: v for k, v in merged.items() if k.startswith(prefix)}
    secret_keys = {k[len(prefix):] for k in secret if k.startswith(prefix)}
    location = merged.get(LOCATION_KEY)
    return parse_stack_config(raw, location=location, project=project, secret_keys=secret_keys)


def load_stack_file(path: str | os.PathLike[str], project: str = NAMESPACE) -> StackConfig:
    """Validate a ``Pulumi.<stack>.yaml`` file directly (tests, tooling). ``{secure: ...}`` values count as
    present secrets. Raises :class:`ConfigError` naming the file on unreadable YAML."""
    import yaml

    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text()) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError([f"{p}: cannot read stack config: {e}"]) from None
    config = doc.get("config") or {} if isinstance(doc, dict) else {}
    raw: dict[str, Any] = {}
    secret: set[str] = set()
    for key, value in config.items():
        ns, _, name = key.partition(":")
        if ns != project:
            continue
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret.add(name)
            value = "[secure value]"
        raw[name] = value
    return parse_stack_config(raw, location=config.get(LOCATION_KEY), project=project, secret_keys=secret)


def _keys_table(model: type[BaseModel]) -> str:
    lines = []
    for name, f in model.model_fields.items():
        default = "required" if f.is_required() else f"default `{json.dumps(f.get_default(call_default_factory=True), default=lambda o: o.model_dump(by_alias=True) if isinstance(o, BaseModel) else str(o))}`"
        lines.append(f"* ``{f.alias or name}`` ({default}): {f.description}")
    return "\n".join(lines)


__doc__ = (__doc__ or "").format(
    TIER_TABLE=tier_table(),
    WORKLOAD_KEYS=_keys_table(WorkloadInput),
    VAULT_KEYS=_keys_table(VaultInput),
    CONFIG_BACKUP_KEYS=_keys_table(ConfigBackupInput),
)
