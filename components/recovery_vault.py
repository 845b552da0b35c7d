"""``RecoveryVault``: a Recovery Services vault with the safe DR posture, and its delete lock.

Azure Backup needs the vault in the region of the VMs it protects, so the program builds one per region
that holds workloads. Posture (from :class:`components.config.Vault`): GeoRedundant storage with
cross-region restore (in a region without an Azure pair, which has no GRS, ZoneRedundant, or
LocallyRedundant where it has no zones, said in the preview), soft delete (14-180 days; AlwaysON only by explicit choice), immutability Unlocked
(Locked only by explicit choice), public network access Disabled, Azure Monitor alerts for job
failures, a ``CanNotDelete`` management lock, Pulumi ``protect`` and ``retainOnDelete``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.recoveryservices as rs

from . import facts
from .config import SecurityInput, StackConfig, Vault, vault_fallback_note

LOCK_NAME = "dr-do-not-delete-backups"


@dataclass(frozen=True)
class RecoveryVaultArgs:
    """Inputs of :class:`RecoveryVault`."""

    resource_group_name: pulumi.Input[str]
    location: str
    vault_name: str
    settings: Vault
    tags: Mapping[str, str] = field(default_factory=dict)
    #: Pulumi ``protect`` on the vault (``false`` lets a dev stack be destroyed).
    protect: bool = True
    #: Pulumi ``retainOnDelete`` on the vault: ``pulumi destroy`` leaves it (and its backups) in Azure.
    retain_on_delete: bool = True
    #: Security-review settings (cross-subscription restore, customer-managed key); None = Azure's defaults.
    security: Optional[SecurityInput] = None
    #: Said in the preview (a warning on the component): why the posture differs from the configured one.
    notes: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, cfg: StackConfig, region: str, resource_group_name: pulumi.Input[str]) -> RecoveryVaultArgs:
        """Args for the vault of ``region`` from the stack config (an unpaired region's vault falls back from
        GeoRedundant: :func:`components.config.vault_posture`)."""
        notes = [n for n in (vault_fallback_note(cfg.vault, region),) if n]
        vms = sum(w.vm_count for w in cfg.workloads_in(region))
        if vms > facts.MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY:
            # https://learn.microsoft.com/azure/backup/backup-support-matrix: 250 VM registrations per vault a day
            notes.append(f"{vms} VMs are protected in {region}: Azure registers at most"
                         f" {facts.MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY} VMs per vault per day, so a first `pulumi"
                         " up` that protects them all fails past that; add the workloads over several days")
        return cls(
            resource_group_name=resource_group_name,
            location=region,
            vault_name=cfg.vault_name(region),
            settings=cfg.vault_for(region),
            tags=cfg.vault_tags(region),
            protect=cfg.protect,
            retain_on_delete=cfg.retain_on_delete,
            security=cfg.security,
            notes=tuple(notes),
        )


def _enabled(flag: bool) -> str:
    return "Enabled" if flag else "Disabled"


def vault_properties(v: Vault, security: Optional[SecurityInput] = None) -> rs.VaultPropertiesArgs:
    """The vault's ``properties`` for posture ``v`` and, when given, the security-review settings (issue 15):
    cross-subscription restore set explicitly, and customer-managed-key encryption."""
    soft_delete = rs.SoftDeleteSettingsArgs(
        soft_delete_state=rs.SoftDeleteState(v.soft_delete),
        enhanced_security_state=rs.EnhancedSecurityState(v.enhanced_security),
        soft_delete_retention_period_in_days=v.soft_delete_retention_days,
    )
    return rs.VaultPropertiesArgs(
        public_network_access=rs.PublicNetworkAccess(v.public_network_access),
        redundancy_settings=rs.VaultPropertiesRedundancySettingsArgs(
            standard_tier_storage_redundancy=rs.StandardTierStorageRedundancy(v.storage_redundancy),
            cross_region_restore=rs.CrossRegionRestore(_enabled(v.cross_region_restore)),
        ),
        security_settings=rs.SecuritySettingsArgs(
            soft_delete_settings=soft_delete,
            immutability_settings=rs.ImmutabilitySettingsArgs(state=rs.ImmutabilityState(v.immutability)),
        ),
        monitoring_settings=rs.MonitoringSettingsArgs(
            azure_monitor_alert_settings=rs.AzureMonitorAlertSettingsArgs(
                alerts_for_all_job_failures=rs.AlertsState(_enabled(v.job_failure_alerts)),
            ),
            # Azure Monitor alerts replace the classic ones; Microsoft recommends turning classic off.
            classic_alert_settings=rs.ClassicAlertSettingsArgs(alerts_for_critical_operations=rs.AlertsState.DISABLED),
        ),
        # https://learn.microsoft.com/azure/backup/backup-azure-arm-restore-vms#cross-subscription-restore
        restore_settings=None if security is None else rs.RestoreSettingsArgs(
            cross_subscription_restore_settings=rs.CrossSubscriptionRestoreSettingsArgs(
                cross_subscription_restore_state=rs.CrossSubscriptionRestoreState(
                    security.cross_subscription_restore))),
        encryption=_encryption(security),
    )


def _encryption(security: Optional[SecurityInput]) -> Optional[rs.VaultPropertiesEncryptionArgs]:
    """CMK encryption: Azure accepts it only before the first item is protected, and a vault never goes back to
    platform-managed keys; at vault creation it needs a user-assigned identity
    (https://learn.microsoft.com/azure/backup/encryption-at-rest-with-cmk)."""
    cmk = security.customer_managed_key if security is not None else None
    if cmk is None:
        return None
    return rs.VaultPropertiesEncryptionArgs(
        key_vault_properties=rs.CmkKeyVaultPropertiesArgs(key_uri=cmk.key_uri),
        kek_identity=rs.CmkKekIdentityArgs(use_system_assigned_identity=False,
                                           user_assigned_identity=cmk.user_assigned_identity_id),
        infrastructure_encryption=rs.InfrastructureEncryptionState(_enabled(cmk.infrastructure_encryption)),
    )


def vault_identity(security: Optional[SecurityInput]) -> Optional[rs.IdentityDataArgs]:
    """The vault identity CMK needs (the user-assigned identity of the key), else none."""
    cmk = security.customer_managed_key if security is not None else None
    if cmk is None:
        return None
    return rs.IdentityDataArgs(type=rs.ResourceIdentityType.USER_ASSIGNED,
                               user_assigned_identities=[cmk.user_assigned_identity_id])


class RecoveryVault(pulumi.ComponentResource):
    """A Recovery Services vault (child ``<name>-vault``) and, unless disabled, a ``CanNotDelete`` lock on it
    (child ``<name>-lock``, ``authorization:ManagementLockByScope`` scoped to the vault id)."""

    #: ARM id of the vault.
    vault_id: pulumi.Output[str]
    #: Vault name.
    vault_name: pulumi.Output[str]
    #: Resource group of the vault.
    resource_group_name: pulumi.Output[str]
    #: Region of the vault.
    location: pulumi.Output[str]

    def __init__(self, name: str, args: RecoveryVaultArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:recovery_vault:RecoveryVault", name, None, opts)
        for note in args.notes:
            pulumi.log.warn(note, resource=self)
        vault = rs.Vault(
            f"{name}-vault",
            resource_group_name=args.resource_group_name,
            location=args.location,
            vault_name=args.vault_name,
            sku=rs.SkuArgs(name=rs.SkuName.RS0, tier="Standard"),
            properties=vault_properties(args.settings, args.security),
            identity=vault_identity(args.security),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.retain_on_delete),
        )
        self.lock: Optional[authorization.ManagementLockByScope] = None
        if args.settings.delete_lock:
            self.lock = authorization.ManagementLockByScope(
                f"{name}-lock",
                scope=vault.id,
                level=authorization.LockLevel.CAN_NOT_DELETE,
                lock_name=LOCK_NAME,
                notes="Backups outlive mistakes: remove this lock deliberately before deleting the vault.",
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.vault = vault
        self.vault_id = vault.id
        self.vault_name = vault.name
        self.resource_group_name = pulumi.Output.from_input(args.resource_group_name)
        self.location = pulumi.Output.from_input(args.location)
        self.register_outputs({
            "vaultId": self.vault_id,
            "vaultName": self.vault_name,
            "resourceGroupName": self.resource_group_name,
            "location": self.location,
        })
