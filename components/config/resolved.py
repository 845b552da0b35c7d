"""The resolved models the components consume (StackConfig, Workload, Vault, ...) and a region's vault posture."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from .. import facts
from .inputs import AsrCacheSku, ConfigBackupInput, ConsistentSnapshotsInput, CustomImageInput, ImageInput, ImmutabilityMode, MonitoringInput, NetworkAccess, SecurityInput, SoftDeleteMode, StorageRedundancy, TierName


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
        return vault_resource_group_name(self.vault.existing_resource_groups, self.name_prefix, region)

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
def vault_resource_group_name(existing: Mapping[str, str], name_prefix: str, region: str) -> str:
    """The resource group of ``region``'s vault: ``vault.existingResourceGroups`` or ``rg-<prefix>-backup-<region>``
    (the one place the name is made: config checks and :meth:`StackConfig.vault_resource_group_name`)."""
    return existing.get(region, f"rg-{name_prefix}-backup-{region}")


def region_has_grs(region: str) -> bool:
    """Whether ``region`` offers geo-redundant storage: every region with an Azure pair (an unknown region is
    given the benefit of the doubt; config reports it). The one test of it: :func:`vault_posture` and the
    cross-region checks of config resolution."""
    return facts.REGION_CAPABILITIES.get(region, {}).get("grs", True)


def vault_posture(v: Vault, region: str) -> Vault:
    """The vault posture for ``region``. A region without an Azure pair has no geo-redundant storage and no
    cross-region restore ("Regions without a pair will not have geo-redundant storage (GRS)",
    https://learn.microsoft.com/azure/reliability/cross-region-replication-azure): a GeoRedundant posture falls
    back to ZoneRedundant there, or LocallyRedundant where the region has no zones."""
    if v.storage_redundancy != "GeoRedundant" or region_has_grs(region):
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
