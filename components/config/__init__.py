"""Stack configuration: the one place config is read, validated and resolved.

Config reference (namespace ``azure-iaas-dr``; keys are camelCase; structured values are YAML objects)
======================================================================================================

``azure-native:location`` (required) is the primary region. Keys of the ``azure-iaas-dr`` namespace:

* ``workloads`` (required): map of workload name (``^[a-z][a-z0-9-]{0,23}$``) to a workload (below).
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

The tier presets (``tiers.tier_table()``) and the reference of every key (from the input models) are
generated into the docs by ``python -m tools.gendocs``.

A workload's *effective* backup schedule follows from its RPO: under 24 h it is an Enhanced (V2) hourly
policy at the largest interval in {4, 6, 8, 12} hours that is at most the RPO; 24 h or more is a daily
policy. The policy is Enhanced (V2) when the schedule is hourly, the VMs use Trusted Launch, or a disk is
Premium SSD v2 / Ultra; otherwise Standard (V1). An RPO under 4 hours is rejected: Azure Backup for
VMs cannot back up more often than every 4 hours.

Errors
------

Every problem is reported, one per line, as ``azure-iaas-dr:<key path>: <bad value>: <what is allowed>``
in a :class:`ConfigError` raised before any resource is declared.

Modules: tiers (presets), inputs (YAML models), resolved (resolved models), errors (ConfigError, key
paths), backup_plan (schedules, shared with components/backup_policy.py), resolve (resolution steps),
checks (what Azure refuses at `up`), load (runtime and stack-file loading).
"""

from __future__ import annotations

from .tiers import (  # noqa: F401
    TIERS,
    TierPreset,
    tier_table,
)
from .inputs import (  # noqa: F401
    ASR_CRASH_CONSISTENT_MINUTES,
    ASR_MAX_APP_CONSISTENT_HOURS,
    ASR_MAX_MULTI_VM_GROUP,
    ASR_MAX_RETENTION_HOURS,
    AlertsInput,
    ArchiveTierInput,
    AsrCacheSku,
    AvailabilitySetInput,
    BackupReportsInput,
    ConfigBackupInput,
    ConfigBackupSku,
    ConsistentSnapshotsInput,
    CrossSubscriptionRestore,
    CustomImageInput,
    CustomerManagedKeyInput,
    DataDiskInput,
    DiskSku,
    EmailReceiverInput,
    GUARD_OPTIONAL_OPERATIONS,
    GalleryStorage,
    GuardOperation,
    ImageInput,
    ImmutabilityMode,
    InstantRestoreResourceGroupInput,
    LOCATION_KEY,
    MAX_BACKED_UP_DATA_DISKS,
    MAX_DAILY,
    MAX_MONTHLY,
    MAX_WEEKLY,
    MAX_YEARLY,
    MIN_DAILY,
    MonitoringInput,
    NAMESPACE,
    NetworkAccess,
    NetworkInput,
    OS_DISK_SKUS,
    PrivateEndpointInput,
    ProgramConfig,
    ResourceGroupInput,
    ResourceGuardInput,
    RetentionInput,
    SecurityInput,
    SiteRecoveryCacheInput,
    SiteRecoveryInput,
    SiteRecoveryNetworkInput,
    SoftDeleteMode,
    StorageRedundancy,
    TierName,
    VaultInput,
    WebhookReceiverInput,
    WorkloadInput,
)
from .resolved import (  # noqa: F401
    BackupPlan,
    DataDisk,
    Retention,
    SiteRecovery,
    StackConfig,
    Vault,
    Workload,
    vault_fallback_note,
    vault_posture,
)
from .errors import (  # noqa: F401
    ConfigError,
    _show,
)
from .backup_plan import (  # noqa: F401
    MIN_RPO_HOURS,
    Schedule,
    ScheduleProblem,
    choose_schedule,
    instant_restore_cap,
    plan_problems,
    schedule_problems,
)
from .resolve import (  # noqa: F401
    parse_stack_config,
    _has_site_recovery,
)
from .load import (  # noqa: F401
    load_stack_config,
    load_stack_file,
)

# Azure facts the flat module used to expose under its own name (components/facts.py is their home).
from .. import facts  # noqa: E402, F401
from ..facts import (  # noqa: E402, F401
    DATA_ONLY_DISK_SKUS,
    HOURLY_INTERVALS,
    MAX_DISK_GB,
    MAX_V2_DISK_GB,
    UNMANAGED_DISK_RETIREMENT,
    V1_INSTANT_RESTORE_MAX,
    V2_INSTANT_RESTORE_MAX,
    V2_INSTANT_RESTORE_MAX_BY_INTERVAL,
)
