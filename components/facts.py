"""Every Azure fact the program and the policy pack rely on, once, each with the page it comes from.

The pack cannot import ``components/`` (the Pulumi CLI loads it alone), so ``tools/genfacts.py`` writes its
copy, ``policies/azdr_policies/facts.py``, from the constants of this module (``make facts``; ``--check``
fails when the copy is stale, and ``tests/test_facts.py`` runs that check). Edit facts here only.

Rules for this file: every public constant is UPPER_CASE plain data (``bool``, ``int``, ``str``, ``None``,
``tuple``, ``frozenset``, ``dict``) so the generator can write it out, and the comment block right above it
names the Microsoft Learn page (or the Azure SDK/CLI source) it comes from. The authority where older notes
disagree is ``../shared/reference/azure-facts-audit.md``. Helper functions below the data are the program's;
the pack has its own over the generated copy (``policies/azdr_policies/regions.py``).
"""

from __future__ import annotations

# --- regions ---------------------------------------------------------------------------------------------

_REGIONS_LIST = "https://learn.microsoft.com/azure/reliability/regions-list"


def _row(pair: str | None, zones: bool, restricted: bool = False, source: str = _REGIONS_LIST) -> dict:
    """One region's capabilities. GRS exists only where the region has a pair: "Regions without a pair
    will not have geo-redundant storage (GRS)" (https://learn.microsoft.com/azure/reliability/cross-region-replication-azure)."""
    return {"pair": pair, "zones": zones, "grs": pair is not None, "restricted": restricted, "source": source}


#: Region -> capabilities: ``pair`` (the Azure paired region, following one-way pairs; None = unpaired),
#: ``zones`` (availability zones), ``grs`` (geo-redundant storage / cross-region restore possible),
#: ``restricted`` (access on request only), ``source`` (the page the row comes from).
#: Source: https://learn.microsoft.com/azure/reliability/regions-list (2025-09-23), pairs also
#: https://learn.microsoft.com/azure/reliability/regions-paired; GRS:
#: https://learn.microsoft.com/azure/reliability/cross-region-replication-azure
REGION_CAPABILITIES: dict[str, dict] = {
    "australiacentral": _row("australiacentral2", zones=False),
    "australiacentral2": _row("australiacentral", zones=False, restricted=True),
    "australiaeast": _row("australiasoutheast", zones=True),
    "australiasoutheast": _row("australiaeast", zones=False),
    "austriaeast": _row(None, zones=True),
    "belgiumcentral": _row(None, zones=True),
    "brazilsouth": _row("southcentralus", zones=True),  # one-way: southcentralus pairs with northcentralus
    "brazilsoutheast": _row("brazilsouth", zones=False, restricted=True),  # one-way: brazilsouth pairs elsewhere
    "canadacentral": _row("canadaeast", zones=True),
    "canadaeast": _row("canadacentral", zones=False),
    "centralindia": _row("southindia", zones=True),
    "centralus": _row("eastus2", zones=True),
    "chilecentral": _row(None, zones=True),
    "denmarkeast": _row(None, zones=True),  # "coming soon" in the source
    "eastasia": _row("southeastasia", zones=True),
    "eastus": _row("westus", zones=True),
    "eastus2": _row("centralus", zones=True),
    "francecentral": _row("francesouth", zones=True),
    "francesouth": _row("francecentral", zones=False, restricted=True),
    "germanynorth": _row("germanywestcentral", zones=False, restricted=True),
    "germanywestcentral": _row("germanynorth", zones=True),
    "indonesiacentral": _row(None, zones=True),
    "israelcentral": _row(None, zones=True),
    "italynorth": _row(None, zones=True),
    "japaneast": _row("japanwest", zones=True),
    "japanwest": _row("japaneast", zones=True),
    "koreacentral": _row("koreasouth", zones=True),
    "koreasouth": _row("koreacentral", zones=False),
    "malaysiawest": _row(None, zones=True),
    "mexicocentral": _row(None, zones=True),
    "newzealandnorth": _row(None, zones=True),
    "northcentralus": _row("southcentralus", zones=False),
    "northeurope": _row("westeurope", zones=True),
    "norwayeast": _row("norwaywest", zones=True),
    "norwaywest": _row("norwayeast", zones=False, restricted=True),
    "polandcentral": _row(None, zones=True),
    "qatarcentral": _row(None, zones=True),
    "southafricanorth": _row("southafricawest", zones=True),
    "southafricawest": _row("southafricanorth", zones=False, restricted=True),
    "southcentralus": _row("northcentralus", zones=True),
    "southeastasia": _row("eastasia", zones=True),
    "southindia": _row("centralindia", zones=False),
    "spaincentral": _row(None, zones=True),
    "swedencentral": _row("swedensouth", zones=True),
    # swedensouth has no row of its own in regions-list (only as Sweden Central's restricted pair): its
    # zones are not documented there, so the safe side, no zones, is assumed.
    "swedensouth": _row("swedencentral", zones=False, restricted=True,
                        source="https://learn.microsoft.com/azure/reliability/regions-paired"),
    "switzerlandnorth": _row("switzerlandwest", zones=True),
    "switzerlandwest": _row("switzerlandnorth", zones=False, restricted=True),
    "uaecentral": _row("uaenorth", zones=False, restricted=True),
    "uaenorth": _row("uaecentral", zones=True),
    "uksouth": _row("ukwest", zones=True),
    "ukwest": _row("uksouth", zones=False),
    "westcentralus": _row("westus2", zones=False),
    "westeurope": _row("northeurope", zones=True),
    "westindia": _row("southindia", zones=False),  # one-way
    "westus": _row("eastus", zones=False),
    "westus2": _row("westcentralus", zones=True),
    "westus3": _row("eastus", zones=True),  # one-way
}

#: Region -> Azure paired region (derived from REGION_CAPABILITIES).
#: Source: https://learn.microsoft.com/azure/reliability/regions-paired
REGION_PAIRS: dict[str, str] = {r: c["pair"] for r, c in REGION_CAPABILITIES.items() if c["pair"]}
#: Regions without an Azure pair: no GRS, no cross-region restore.
#: Source: https://learn.microsoft.com/azure/reliability/cross-region-replication-azure
UNPAIRED_REGIONS: frozenset[str] = frozenset(r for r, c in REGION_CAPABILITIES.items() if not c["pair"])
#: Regions with availability zones (ZRS disks, ZRS gallery replicas, ZRS vaults only there).
#: Source: https://learn.microsoft.com/azure/reliability/regions-list
ZONAL_REGIONS: frozenset[str] = frozenset(r for r, c in REGION_CAPABILITIES.items() if c["zones"])
#: Regions Azure opens only on request (Australia Central 2, not Australia Central).
#: Source: https://learn.microsoft.com/azure/reliability/regions-list
RESTRICTED_REGIONS: frozenset[str] = frozenset(r for r, c in REGION_CAPABILITIES.items() if c["restricted"])
#: Every public-cloud region name the program accepts (sovereign clouds are not in the source).
#: Source: https://learn.microsoft.com/azure/reliability/regions-list
KNOWN_REGIONS: frozenset[str] = frozenset(REGION_CAPABILITIES)

# --- availability sets and disks -------------------------------------------------------------------------

#: Most platform fault domains of a managed (``Aligned``) availability set, per region. Microsoft says the
#: count varies by region and is to be read with ``az vm list-skus --resource-type availabilitySets``
#: (https://learn.microsoft.com/azure/virtual-machines/availability-set-overview). Values: Azure/sap-automation
#: deploy/configs/max_fault_domain_count.json (a capture of that command). Caveat: the MicrosoftDocs table
#: https://github.com/MicrosoftDocs/azure-docs/blob/main/includes/managed-disks-common-fault-domain-region-list.md
#: disagrees for westus2, japaneast, centralindia and brazilsouth (2 there); those take the safe side, 2.
MANAGED_FAULT_DOMAINS: dict[str, int] = {
    "australiacentral": 2, "australiacentral2": 2, "australiaeast": 2, "australiasoutheast": 2,
    "brazilsouth": 2, "brazilsoutheast": 2, "canadacentral": 3, "canadaeast": 2, "centralindia": 2,
    "centralus": 3, "eastasia": 2, "eastus": 3, "eastus2": 3, "francecentral": 3, "francesouth": 2,
    "germanynorth": 2, "germanywestcentral": 2, "japaneast": 2, "japanwest": 2, "koreacentral": 2,
    "koreasouth": 2, "northcentralus": 3, "northeurope": 3, "norwayeast": 2, "norwaywest": 2,
    "southafricanorth": 2, "southafricawest": 2, "southcentralus": 3, "southeastasia": 2, "southindia": 2,
    "swedencentral": 3, "swedensouth": 2, "switzerlandnorth": 2, "switzerlandwest": 2, "uaecentral": 2,
    "uaenorth": 2, "uksouth": 2, "ukwest": 2, "westcentralus": 2, "westeurope": 3, "westindia": 2,
    "westus": 3, "westus2": 2, "westus3": 3,
}
#: Fault domains of a region the capture does not list (2 is valid everywhere).
#: Source: https://learn.microsoft.com/azure/virtual-machines/availability-set-overview
DEFAULT_FAULT_DOMAINS = 2
#: Availability sets: at most 3 fault domains and 20 update domains.
#: Source: https://learn.microsoft.com/azure/virtual-machines/availability-set-overview
MAX_FAULT_DOMAINS, MAX_UPDATE_DOMAINS = 3, 20

#: Disk SKUs that can only be data disks, need an Enhanced backup policy, and (in most regions) a zonal VM.
#: Source: https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy
DATA_ONLY_DISK_SKUS: tuple[str, ...] = ("PremiumV2_LRS", "UltraSSD_LRS")
#: Zone-redundant managed-disk SKUs (only in regions with availability zones).
#: Source: https://learn.microsoft.com/azure/virtual-machines/disks-redundancy
ZONE_REDUNDANT_DISK_SKUS: tuple[str, ...] = ("Premium_ZRS", "StandardSSD_ZRS")
#: Largest managed disk other than Premium SSD v2 / Ultra, and of those two, in GiB.
#: Source: https://learn.microsoft.com/azure/virtual-machines/disks-types
MAX_DISK_GB, MAX_V2_DISK_GB = 32767, 65536
#: Regions where Premium SSD v2 disks may join VMs in an availability set (after registering the feature
#: ``PV2WithAVSetRegionWithoutZone``; elsewhere they need zonal VMs).
#: Source: https://learn.microsoft.com/azure/virtual-machines/use-premium-ssd-v2-with-availability-set
PREMIUM_V2_AVAILABILITY_SET_REGIONS: frozenset[str] = frozenset(
    {"australiasoutheast", "canadaeast", "northcentralus", "ukwest", "westcentralus", "westus"})
#: Unmanaged (VHD) disks retire on this date: VMs using them cannot start, running ones are deallocated.
#: Source: https://learn.microsoft.com/azure/virtual-machines/unmanaged-disks-deprecation
UNMANAGED_DISK_RETIREMENT = "31 March 2026"

# --- Azure Backup: schedules ------------------------------------------------------------------------------

#: Hourly (Enhanced) backup intervals; 24 h is a daily schedule (one backup a day).
#: Source: https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy
HOURLY_INTERVALS: tuple[int, ...] = (4, 6, 8, 12)
DAILY_INTERVAL_HOURS = 24
#: Latest hourly window start (UTC, on :00/:30) and the window length range in hours (>= the interval).
#: Source: https://github.com/Azure/azure-powershell/blob/main/src/RecoveryServices/RecoveryServices.Backup.Models/CommonModels/PolicyScheduleObjects.cs
HOURLY_WINDOW_LATEST_START = "19:30"
HOURLY_WINDOW_MIN_HOURS, HOURLY_WINDOW_MAX_HOURS = 4, 23

# --- Azure Backup: instant restore -----------------------------------------------------------------------

#: Instant-restore snapshot retention (days): Standard (V1) 1-5, Enhanced (V2) 1-30.
#: Source: https://learn.microsoft.com/azure/backup/backup-instant-restore-capability
V1_INSTANT_RESTORE_MAX, V2_INSTANT_RESTORE_MAX = 5, 30
#: Enhanced caps by hourly interval: 4 h -> 17, 6 h -> 22, 12 h -> 30. The 8 h cap is undocumented ("depends
#: on the number of snapshots you take per day"): the safe side, 22 (the 6-hourly cap), is used.
#: Source: https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy
V2_INSTANT_RESTORE_MAX_BY_INTERVAL: dict[int, int] = {4: 17, 6: 22, 8: 22}
#: Weekly schedules: Standard (V1) is fixed at 5 days; Enhanced (V2) takes 5-20 days.
#: Source: https://learn.microsoft.com/azure/backup/backup-instant-restore-capability
V1_WEEKLY_INSTANT_RESTORE_DAYS = 5
V2_WEEKLY_INSTANT_RESTORE_MIN, V2_WEEKLY_INSTANT_RESTORE_MAX = 5, 20

# --- Azure Backup: retention -----------------------------------------------------------------------------

#: VM policies keep daily points 7-9999 days (PowerShell MinDurationCountInDays = 7 for VMs).
#: Source: https://github.com/Azure/azure-powershell/blob/main/src/RecoveryServices/RecoveryServices.Backup.Models/CommonModels/PolicyRetentionObjects.cs
#: and https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/backup_policy_vm
MIN_DAILY_RETENTION_DAYS = 7
#: Retention count maxima per granularity (PowerShell PolicyConstants).
#: Source: https://github.com/Azure/azure-powershell/blob/main/src/RecoveryServices/RecoveryServices.Backup.Models/CommonModels/PolicyRetentionObjects.cs
MAX_DAILY_RETENTION, MAX_WEEKLY_RETENTION, MAX_MONTHLY_RETENTION, MAX_YEARLY_RETENTION = 9999, 5163, 1188, 99

# --- Azure Backup: RPO across regions ---------------------------------------------------------------------

#: With hourly schedules only the day's last backup goes to the vault tier; the other points are snapshots in
#: the primary region. Hours between vault-tier points, whatever the schedule.
#: Source: https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy
VAULT_TIER_INTERVAL_HOURS = 24
#: Lag of the secondary (paired) region's copy: up to 12 h (the page states a 36 h secondary RPO = 24 h of
#: vault-tier interval + 12 h), and up to 48 h before items appear once cross-region restore is enabled.
#: Source: https://learn.microsoft.com/azure/backup/backup-create-recovery-services-vault
GRS_REPLICATION_LAG_HOURS = 12
CROSS_REGION_RPO_HOURS = VAULT_TIER_INTERVAL_HOURS + GRS_REPLICATION_LAG_HOURS
CRR_FIRST_AVAILABLE_HOURS = 48

# --- Azure Backup: vault security -------------------------------------------------------------------------

#: Soft-delete retention range and default (days beyond 14 are billed); AlwaysON is irreversible.
#: Source: https://learn.microsoft.com/azure/backup/backup-azure-security-feature-cloud
SOFT_DELETE_MIN_DAYS, SOFT_DELETE_MAX_DAYS, SOFT_DELETE_DEFAULT_DAYS = 14, 180, 14
#: Secure by default: from REST API 2024-09-30-preview soft delete cannot be disabled and deleting a protected
#: item always soft-deletes it. azure-native 3.29.0 sends this API version for recoveryservices.
#: Source: https://learn.microsoft.com/azure/backup/secure-by-default
SECURE_BY_DEFAULT_API = "2024-09-30-preview"
RECOVERY_SERVICES_API = "2024-10-01"
#: Immutability: ``Unlocked`` is the API value of *enabled* immutability; it already blocks deleting data
#: before expiry, reducing a policy's retention and moving an item to a policy with lower retention.
#: ``Locked`` makes that irreversible. Source: https://learn.microsoft.com/azure/backup/backup-azure-immutable-vault-concept
IMMUTABILITY_ENABLED_STATES: tuple[str, ...] = ("Unlocked", "Locked")
#: A CanNotDelete lock on a vault is inherited by its policies and protected items.
#: Source: https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources
LOCK_INHERITED_BY_CHILDREN = True

# --- Azure Backup: scale limits ---------------------------------------------------------------------------

#: Up to 100 VMs protected by one policy; 1,000 VMs per vault; 250 VM registrations per vault per day.
#: Source: https://learn.microsoft.com/azure/backup/backup-support-matrix
MAX_VMS_PER_POLICY = 100
MAX_VMS_PER_VAULT = 1000
MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY = 250
#: "Per day" does not say which day: counted over a rolling 24 hours, the stricter reading (the safe side;
#: components/prior_state.py). Source: https://learn.microsoft.com/azure/backup/backup-support-matrix
VM_REGISTRATION_WINDOW_HOURS = 24
#: Azure Backup supports up to 32 disks per VM, the OS disk included.
#: Source: https://learn.microsoft.com/azure/backup/backup-support-matrix-iaas
MAX_BACKED_UP_DISKS_PER_VM = 32

# --- Azure Site Recovery (Azure-to-Azure) ------------------------------------------------------------------
#: Crash-consistent points every 5 minutes (fixed); app-consistent points at least an hour apart, at most every
#: 12 hours here; recovery points kept at most 15 days for managed disks; up to 16 VMs per multi-VM group.
#: Source: https://learn.microsoft.com/azure/site-recovery/azure-to-azure-common-questions
ASR_CRASH_CONSISTENT_MINUTES = 5
ASR_MIN_APP_CONSISTENT_MINUTES = 60
ASR_MAX_APP_CONSISTENT_HOURS = 12
ASR_MAX_RETENTION_HOURS = 15 * 24
ASR_MAX_MULTI_VM_GROUP = 16

# --- networking ------------------------------------------------------------------------------------------

#: Azure VM backup needs no explicit outbound rule ("Explicit outbound connectivity isn't required to allow
#: backup of Azure VMs"). The AzureBackup/Storage/AzureActiveDirectory triad is the MARS agent's need.
#: Source: https://learn.microsoft.com/azure/backup/backup-azure-arm-vms-prepare
VM_BACKUP_NEEDS_OUTBOUND = False
MARS_AGENT_SERVICE_TAGS: tuple[str, ...] = ("AzureBackup", "Storage", "AzureActiveDirectory")
#: Outbound service tags Azure Site Recovery's mobility service needs; ``{region}`` is the source region.
#: Source: https://learn.microsoft.com/azure/site-recovery/azure-to-azure-architecture
SITE_RECOVERY_SERVICE_TAGS: tuple[str, ...] = (
    "AzureSiteRecovery", "Storage.{region}", "EventHub.{region}", "AzureActiveDirectory")

# --- snapshots, restore points, galleries ----------------------------------------------------------------

#: Only one incremental snapshot of a disk copies across regions at a time, in creation order; CopyStart
#: returns when the copy starts. 100 parallel copies per subscription per region.
#: Source: https://learn.microsoft.com/azure/virtual-machines/disks-copy-incremental-snapshot-across-regions
SNAPSHOT_COPIES_PER_DISK_AT_ONCE = 1
MAX_PARALLEL_SNAPSHOT_COPIES = 100
#: 500 incremental snapshots per disk.
#: Source: https://learn.microsoft.com/azure/virtual-machines/disks-incremental-snapshots
MAX_INCREMENTAL_SNAPSHOTS_PER_DISK = 500
#: Cross-region copy of VM restore points is a public preview (REST only, no private links).
#: Source: https://learn.microsoft.com/azure/virtual-machines/virtual-machines-restore-points-copy
RESTORE_POINT_COPY_PREVIEW = True
#: Crash-consistent restore points are not supported on these disk SKUs; minimum hours between points;
#: 500 restore points per VM. Source: https://learn.microsoft.com/azure/virtual-machines/concepts-restore-points
CRASH_CONSISTENT_UNSUPPORTED_SKUS: tuple[str, ...] = ("PremiumV2_LRS", "UltraSSD_LRS")
RESTORE_POINT_MIN_HOURS: dict[str, int] = {"ApplicationConsistent": 3, "CrashConsistent": 1}
MAX_RESTORE_POINTS_PER_VM = 500
#: A gallery is a regional resource: for DR keep a gallery in the DR region too, not only a replica.
#: ZRS replicas exist only in regions with availability zones.
#: Source: https://learn.microsoft.com/azure/virtual-machines/azure-compute-gallery
GALLERY_IS_REGIONAL = True

# --- VM sizes: data disks (program only: config validation reads them, no pack rule does; tools/genfacts.py
# leaves them out of the pack copy, see PROGRAM_ONLY there) ------------------------------------------

#: VM size -> maximum data disks attached to one VM ("Max data disks" in each family's size table). Only
#: sizes listed here are checked (an unlisted size is left to Azure at `up`); ARM names are case-insensitive.
#: Source: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/dsv5-series ("Max data disks")
DSV5_MAX_DATA_DISKS: dict[str, int] = {
    "Standard_D2s_v5": 4,
    "Standard_D4s_v5": 8,
    "Standard_D8s_v5": 16,
    "Standard_D16s_v5": 32,
    "Standard_D32s_v5": 32,
    "Standard_D48s_v5": 32,
    "Standard_D64s_v5": 32,
    "Standard_D96s_v5": 32,
}
#: Source: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/memory-optimized/esv5-series ("Max data disks")
ESV5_MAX_DATA_DISKS: dict[str, int] = {
    "Standard_E2s_v5": 4,
    "Standard_E4s_v5": 8,
    "Standard_E8s_v5": 16,
    "Standard_E16s_v5": 32,
    "Standard_E20s_v5": 32,
    "Standard_E32s_v5": 32,
    "Standard_E48s_v5": 32,
    "Standard_E64s_v5": 32,
}
#: Source: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/dsv3-series ("Max data disks")
DSV3_MAX_DATA_DISKS: dict[str, int] = {
    "Standard_D2s_v3": 4,
    "Standard_D4s_v3": 8,
    "Standard_D8s_v3": 16,
    "Standard_D16s_v3": 32,
    "Standard_D32s_v3": 32,
    "Standard_D48s_v3": 32,
    "Standard_D64s_v3": 32,
}
#: Source: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/bv1-series ("Max data disks")
BS_MAX_DATA_DISKS: dict[str, int] = {
    "Standard_B1s": 2,
    "Standard_B1ms": 2,
    "Standard_B2s": 4,
    "Standard_B2ms": 4,
    "Standard_B4ms": 8,
    "Standard_B8ms": 16,
    "Standard_B12ms": 16,
    "Standard_B16ms": 32,
    "Standard_B20ms": 32,
}

#: All families above, one table. Source: the four pages above, e.g.
#: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/dsv5-series
MAX_DATA_DISKS: dict[str, int] = {**DSV5_MAX_DATA_DISKS, **ESV5_MAX_DATA_DISKS, **DSV3_MAX_DATA_DISKS,
                                  **BS_MAX_DATA_DISKS}

# --- resource limits the config checks apply (program only: tools/genfacts.py leaves them out of the pack) ---

# https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/tag-resources#limitations
MAX_TAGS = 50
MAX_TAG_NAME = 512
MAX_TAG_VALUE = 256
TAG_NAME_FORBIDDEN = "<>%&\\?/"

# https://learn.microsoft.com/en-us/azure/virtual-machines/linux/faq#what-are-the-username-requirements-when-creating-a-vm-
# (and the ARM error "The Admin Username specified is not allowed"): names Azure refuses for the admin user.
# Checked against the installed SDK: pulumi_azure_native.compute OSProfileArgs.admin_username, "Disallowed values"
# (the same list, from the Compute REST API spec).
RESERVED_ADMIN_USERNAMES = frozenset(
    {
        "administrator",
        "admin",
        "user",
        "user1",
        "test",
        "user2",
        "test1",
        "user3",
        "admin1",
        "1",
        "123",
        "a",
        "actuser",
        "adm",
        "admin2",
        "aspnet",
        "backup",
        "console",
        "david",
        "guest",
        "john",
        "owner",
        "root",
        "server",
        "sql",
        "support",
        "support_388945a0",
        "sys",
        "test2",
        "test3",
        "user4",
        "user5",
    }
)

# https://learn.microsoft.com/en-us/azure/virtual-machines/linux/mac-create-ssh-keys#supported-ssh-key-formats
# (RSA at least 2048 bits, ED25519; the key blob starts with its own length-prefixed type name, RFC 4253 §6.6)
MIN_RSA_BITS = 2048

# https://learn.microsoft.com/en-us/azure/virtual-machines/shared-image-galleries#image-versions
# ("MajorVersion.MinorVersion.Patch ... each a 32-bit integer")
MAX_VERSION_PART = 2**31 - 1

# https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-faq#how-small-and-how-large-can-virtual-networks-and-subnets-be
# (smallest IPv4 subnet /29, largest /2); IPv6-only virtual networks are not supported: an address space needs
# IPv4 (https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/ipv6-overview#limitations)
SMALLEST_SUBNET_PREFIX = 29

# --- policy types ----------------------------------------------------------------------------------------

#: Trusted Launch with the Standard (V1) policy needs REST API 2025-01-01+; azure-native 3.29.0 sends
#: 2024-10-01, so Trusted Launch VMs need the Enhanced policy here. A VM on Enhanced can never go back to
#: Standard. Source: https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy
TRUSTED_LAUNCH_STANDARD_POLICY_API = "2025-01-01"
#: Agentless multi-disk crash-consistent backup (Enhanced policy, snapshotConsistencyType
#: OnlyCrashConsistent) needs no VM agent; app- and file-consistent points do.
#: Source: https://learn.microsoft.com/azure/backup/backup-support-matrix-iaas
AGENTLESS_CONSISTENCY_TYPE = "OnlyCrashConsistent"
#: Classic Azure Backup alerts retire; Azure Monitor alerts replace them.
#: Source: https://learn.microsoft.com/azure/backup/backup-azure-monitoring-alerts
CLASSIC_ALERTS_RETIREMENT = "31 March 2026"


# --- helpers (the program's; the pack has its own in policies/azdr_policies/regions.py) -------------------


def is_known_region(name: str) -> bool:
    """True when ``name`` is a programmatic Azure public-cloud region name from the source table."""
    return name in KNOWN_REGIONS


def paired_region(name: str) -> str | None:
    """The Azure paired region of ``name`` (following one-way pairs), or ``None`` if it has no pair."""
    return REGION_PAIRS.get(name)


def is_one_way_pair(name: str) -> bool:
    """True when ``name`` pairs with a region that does not pair back with it."""
    pair = REGION_PAIRS.get(name)
    return pair is not None and REGION_PAIRS.get(pair) != name


def has_zones(region: str) -> bool:
    """True when ``region`` has availability zones (unknown regions: False, the safe side)."""
    return region in ZONAL_REGIONS


def max_fault_domains(region: str) -> int:
    """Most fault domains a managed availability set can use in ``region`` (2 where unknown)."""
    return MANAGED_FAULT_DOMAINS.get(region, DEFAULT_FAULT_DOMAINS)


def max_data_disks(vm_size: str) -> int | None:
    """The size's data-disk limit, or None when the size is not in MAX_DATA_DISKS (ARM names are case-insensitive)."""
    lowered = {k.lower(): v for k, v in MAX_DATA_DISKS.items()}
    return lowered.get(vm_size.lower())


# --- guards that read the previous deployment (components/prior_state.py, issue 11) ------------------------

#: "Backup doesn't allow changing the policy type to Standard after you enable a VM backup with the Enhanced
#: policy." Source: https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy
ENHANCED_TO_STANDARD_ALLOWED = False
ENHANCED_POLICY_URL = "https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy"
#: The pages behind IMMUTABILITY_ENABLED_STATES, SNAPSHOT_COPIES_PER_DISK_AT_ONCE and the per-vault limits, for
#: messages. Sources: https://learn.microsoft.com/azure/backup/backup-azure-immutable-vault-concept,
#: https://learn.microsoft.com/azure/virtual-machines/disks-copy-incremental-snapshot-across-regions,
#: https://learn.microsoft.com/azure/backup/backup-support-matrix
IMMUTABILITY_URL = "https://learn.microsoft.com/azure/backup/backup-azure-immutable-vault-concept"
SNAPSHOT_COPY_URL = "https://learn.microsoft.com/azure/virtual-machines/disks-copy-incremental-snapshot-across-regions"
BACKUP_LIMITS_URL = "https://learn.microsoft.com/azure/backup/backup-support-matrix"
#: "For disaster recovery scenarios, the best practice is to have at least two galleries in separate regions":
#: the program declares a second gallery in the DR region (components/image_gallery.py).
#: Source: https://learn.microsoft.com/azure/virtual-machines/azure-compute-gallery
GALLERY_URL = "https://learn.microsoft.com/azure/virtual-machines/azure-compute-gallery"
