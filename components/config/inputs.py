"""The YAML input models: the shape of the ``azure-iaas-dr`` config, with the Azure wire values it accepts."""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic.alias_generators import to_camel

from .. import facts
from ..facts import DATA_ONLY_DISK_SKUS, MAX_V2_DISK_GB, V2_INSTANT_RESTORE_MAX


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
#: The tightest RPO Azure Backup for VMs reaches: its shortest hourly interval (rpoHours; backup_plan).
MIN_RPO_HOURS = facts.HOURLY_INTERVALS[0]
#: Azure's range of each retention count: the RetentionInput fields' constraints and backup_plan's plan check.
RETENTION_RANGES: dict[str, tuple[int, int]] = {
    "daily_days": (MIN_DAILY, MAX_DAILY), "weekly_weeks": (0, MAX_WEEKLY),
    "monthly_months": (0, MAX_MONTHLY), "yearly_years": (0, MAX_YEARLY),
}
#: Storage account names (configuration backup, Site Recovery cache): 3-24 lower-case letters and digits.
#: Source: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftstorage
_STORAGE_ACCOUNT_NAME = {"pattern": r"^[a-z0-9]{3,24}$", "allowed": "3-24 lower-case letters and digits"}
#: Workload names (config keys; they go into resource names), and what the error says when one does not match.
WORKLOAD_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,23}$"
WORKLOAD_NAME_ALLOWED = "a workload name: 1-24 lower-case letters, digits or '-', starting with a letter"
#: A backup time or hourly window start: "HH:MM" UTC on a :00 or :30 boundary (the workload field's
#: pattern and backup_plan's plan check).
START_TIME_PATTERN = r"^([01][0-9]|2[0-3]):(00|30)$"
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


def _int(description: str, default: Any, lo: int, hi: int, note: str = "") -> Any:
    """An integer field from ``lo`` to ``hi``, its error saying so (then ``note``)."""
    return _f(description, default, ge=lo, le=hi, allowed=f"an integer from {lo} to {hi}{note}")


def _retention_field(description: str, name: str, note: str = " (Azure's maximum)") -> Any:
    return _int(description, None, *RETENTION_RANGES[name], note)


class RetentionInput(_Input):
    """How long recovery points are kept, per granularity (0 = not kept at that granularity)."""

    daily_days: int | None = _retention_field("Days each daily recovery point is kept (tier default).",
                                              "daily_days", "")
    weekly_weeks: int | None = _retention_field("Weeks the Sunday recovery point is kept; 0 = none.",
                                                "weekly_weeks")
    monthly_months: int | None = _retention_field("Months the first-Sunday-of-month point is kept; 0 = none.",
                                                  "monthly_months")
    yearly_years: int | None = _retention_field("Years the first-Sunday-of-January point is kept; 0 = none.",
                                                "yearly_years")


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
    replica_count: int = _int("Replicas of the image version in each target region (primary and DR).", 1,
                              1, 100)
    storage_account_type: GalleryStorage = _f("Storage of the replicas (Standard_ZRS survives a zone loss).",
                                              "Standard_ZRS")


class DataDiskInput(_Input):
    """A managed data disk attached to every VM of the workload."""

    lun: int = _int("Logical unit number, unique per VM.", ..., 0, 63)
    size_gb: int = _int("Size in GiB.", ..., 4, MAX_V2_DISK_GB)
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
    update_domains: int = _int("Platform update domains.", 5, 1, 20)


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
                                  **_STORAGE_ACCOUNT_NAME)
    sku: AsrCacheSku | None = _f("Standard_ZRS where the source region has availability zones (default there),"
                                 " else Standard_LRS; never geo-redundant.", None)


class SiteRecoveryInput(_Input):
    """Azure Site Recovery (Azure-to-Azure) replication of the workload's VMs to the target region: a
    cross-region recovery point every 5 minutes (crash-consistent), app-consistent at the chosen frequency."""

    target_region: str | None = _f("Region the VMs fail over to (default: the workload's DR region).", None)
    recovery_point_retention_hours: int = _int(
        "Hours recovery points are kept (recoveryPointHistory).", 24, 1, ASR_MAX_RETENTION_HOURS,
        " (15 days, Azure's maximum for managed disks)")
    app_consistent_frequency_hours: int = _int(
        "Hours between app-consistent points; 0 = crash-consistent points only.", 4, 0,
        ASR_MAX_APP_CONSISTENT_HOURS, " (Azure: at least 1 hour when on)")
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
    vm_count: int | None = _int("Number of VMs (tier default).", None, 1, 100)
    high_availability: bool | None = _f("Put the VMs in an availability set (tier default).", None)
    vm_size: str | None = _f("VM size (tier default).", None, pattern=r"^(Standard|Basic)_[A-Za-z0-9_]+$",
                             allowed='an Azure VM size such as "Standard_D2s_v5"')
    image: ImageInput | None = _f("Marketplace image (default Ubuntu 22.04 LTS gen2).", None)
    custom_image: CustomImageInput | None = _f("Custom image via a replicated compute gallery.", None)
    managed_disks: bool = _f("Must stay true: unmanaged (VHD) disks are not supported.", True)
    disk_sku: DiskSku | None = _f("Default SKU of data disks (tier default).", None)
    os_disk_sku: DiskSku | None = _f("OS disk SKU (default diskSku, or Premium_LRS when diskSku is"
                                     " data-disk only).", None)
    os_disk_size_gb: int | None = _int("OS disk size in GiB (default: the image's).", None, 30, 4095)
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
                               allowed=f"an integer from {MIN_RPO_HOURS} to 8760")  # the minimum: resolve._rpo
    cross_region_rpo_hours: int | None = _int(
        "Cross-region recovery point objective in hours (tier default 36): restores after a regional disaster."
        " Azure Backup reaches 36 (only the day's last backup goes to the vault, plus up to 12 h of"
        " geo-replication); tighter needs Azure Site Recovery or consistent snapshots copied to the DR region.",
        None, 1, 8760)
    retention: RetentionInput = _f("Retention overrides (tier defaults).", RetentionInput())
    instant_restore_days: int | None = _int("Days instant-restore snapshots are kept (tier default).", None,
                                            1, V2_INSTANT_RESTORE_MAX)
    backup_start_time_utc: str | None = _f(
        'Backup time (daily) or window start (hourly), "HH:MM" UTC on :00 or :30 (default 22:00 daily,'
        ' 04:00 hourly).', None, pattern=START_TIME_PATTERN,
        allowed='"HH:MM" (UTC) on a :00 or :30 boundary')
    backup_window_hours: int | None = _int("Hourly backup window length in hours (default 20).", None,
                                           facts.HOURLY_WINDOW_MIN_HOURS, facts.HOURLY_WINDOW_MAX_HOURS)
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
    soft_delete_retention_days: int = _int("Days soft-deleted backups are kept (beyond 14 are billed).", 14,
                                           14, 180)
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
                                  **_STORAGE_ACCOUNT_NAME)
    blob_soft_delete_days: int = _int("Days deleted blobs are kept.", 30, 1, 365)
    container_soft_delete_days: int = _int("Days deleted containers are kept.", 30, 1, 365)


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
    after_months: int = _int("Months after which monthly/yearly points move to the archive (TierAfter).", 3,
                             3, 1188, " (Azure archives points at least 3 months old)")


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
    retention_days: int = _int("Retention of a declared workspace, in days.", 30, 30, 730)


class MonitoringInput(_Input):
    """Alerts that reach a person and Backup reports (issue 15)."""

    alerts: AlertsInput | None = _f("Action group + alert processing rule (off unless set).", None)
    backup_reports: BackupReportsInput | None = _f("Diagnostic settings to Log Analytics (off unless set).", None)


class ProgramConfig(_Input):
    """The whole ``azure-iaas-dr`` namespace as written in ``Pulumi.<stack>.yaml``."""

    workloads: dict[Annotated[str, Field(pattern=WORKLOAD_NAME_PATTERN)], WorkloadInput] = _f(
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
