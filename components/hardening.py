"""``RecoveryLocks`` and ``VaultPrivateEndpoint``: hardening of the DR copies and of the vault's network path.

* ``RecoveryLocks`` (``azure-iaas-dr:hardening:RecoveryLocks``), unless ``security.deleteLocks`` is false:
  ``CanNotDelete`` management locks (``azure-native:authorization:ManagementLockByScope``) on the DR region's
  recovery resource group(s) ``rg-<namePrefix>-recovery-<dr-region>`` (restore point and snapshot copies; child
  ``<name>-<dr-region>``) and on the configuration-backup storage account (child ``<name>-config-backup``).
  Never on the resource groups Azure Backup creates for instant-restore snapshots
  (``rg-<namePrefix>-<tier>-irp-<N>``): "Backups fail when there's a cannot-delete lock on the resource group
  created by Azure Backup Service"
  (https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources). The pack's
  ``no-lock-on-instant-restore-group`` rule refuses such a lock.

  A lock is inherited by everything in its scope: while the recovery group is locked, retiring a restore point
  or snapshot set (removing its label) fails until the lock is removed
  (``az lock delete --name dr-do-not-delete-copies --resource-group rg-<namePrefix>-recovery-<dr-region>``).
* ``VaultPrivateEndpoint`` (``azure-iaas-dr:hardening:VaultPrivateEndpoint``), from
  ``security.privateEndpoint.subnetIds``: child ``<name>-endpoint``, an ``azure-native:network:PrivateEndpoint``
  ``pe-<vault>`` in the vault's resource group and region, group id ``AzureBackup``. Azure creates a backup
  private endpoint only while the vault has no protected items, so ``__main__`` makes the backup policies (and
  through them the protected items) wait for it (https://learn.microsoft.com/azure/backup/private-endpoints-overview).
  The private DNS zones (``privatelink.<geo>.backup.windowsazure.com`` and the blob/queue zones) are not
  declared here: link the endpoint to your DNS zones (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.network as network

COPIES_LOCK_NAME = "dr-do-not-delete-copies"
CONFIG_LOCK_NAME = "dr-do-not-delete-config"
#: Private-link group (sub-resource) of a Recovery Services vault for Azure Backup.
BACKUP_GROUP_ID = "AzureBackup"


@dataclass(frozen=True)
class RecoveryLocksArgs:
    """Inputs of :class:`RecoveryLocks`."""

    #: DR region -> ARM id of its recovery resource group.
    recovery_group_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    #: ARM id of the configuration-backup storage account (None: no account).
    config_backup_account_id: Optional[pulumi.Input[str]] = None
    #: Resources the recovery-group locks wait for (what creates the groups).
    depends_on: Sequence[pulumi.Resource] = ()


class RecoveryLocks(pulumi.ComponentResource):
    """``CanNotDelete`` locks on the recovery resource groups and the configuration-backup account."""

    def __init__(self, name: str, args: RecoveryLocksArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:hardening:RecoveryLocks", name, None, opts)
        self.locks: dict[str, authorization.ManagementLockByScope] = {}
        for region, group_id in args.recovery_group_ids.items():
            self.locks[region] = authorization.ManagementLockByScope(
                f"{name}-{region}",
                scope=group_id,
                level=authorization.LockLevel.CAN_NOT_DELETE,
                lock_name=COPIES_LOCK_NAME,
                notes="DR copies: remove this lock deliberately before retiring restore points or snapshots.",
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on) or None),
            )
        if args.config_backup_account_id is not None:
            self.locks["config-backup"] = authorization.ManagementLockByScope(
                f"{name}-config-backup",
                scope=args.config_backup_account_id,
                level=authorization.LockLevel.CAN_NOT_DELETE,
                lock_name=CONFIG_LOCK_NAME,
                notes="Configuration backup (templates, stack state): remove this lock deliberately first.",
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"locks": sorted(self.locks)})


@dataclass(frozen=True)
class VaultPrivateEndpointArgs:
    """Inputs of :class:`VaultPrivateEndpoint`."""

    resource_group_name: pulumi.Input[str]
    location: str
    vault_name: str
    vault_id: pulumi.Input[str]
    subnet_id: str
    tags: Mapping[str, str] = field(default_factory=dict)


class VaultPrivateEndpoint(pulumi.ComponentResource):
    """A private endpoint (group ``AzureBackup``) for a vault (child ``<name>-endpoint``)."""

    endpoint_id: pulumi.Output[str]

    def __init__(self, name: str, args: VaultPrivateEndpointArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:hardening:VaultPrivateEndpoint", name, None, opts)
        endpoint = network.PrivateEndpoint(
            f"{name}-endpoint",
            resource_group_name=args.resource_group_name,
            private_endpoint_name=f"pe-{args.vault_name}",
            location=args.location,
            subnet=network.SubnetArgs(id=args.subnet_id),
            private_link_service_connections=[network.PrivateLinkServiceConnectionArgs(
                name=f"{args.vault_name}-backup", private_link_service_id=args.vault_id,
                group_ids=[BACKUP_GROUP_ID])],
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.endpoint = endpoint
        self.endpoint_id = endpoint.id
        self.register_outputs({"endpointId": self.endpoint_id})


def recovery_group_id(subscription_id: pulumi.Input[str], name: str) -> pulumi.Output[str]:
    """The ARM id of resource group ``name`` in ``subscription_id``."""
    return pulumi.Output.concat("/subscriptions/", subscription_id, "/resourceGroups/", name)


def declare_private_endpoints(cfg, vaults: Mapping[str, object]) -> dict[str, VaultPrivateEndpoint]:
    """A :class:`VaultPrivateEndpoint` for each vault region named in ``security.privateEndpoint.subnetIds``
    (``cfg``: :class:`components.config.StackConfig`; ``vaults``: region -> ``RecoveryVault``)."""
    pe = cfg.security.private_endpoint
    if pe is None:
        return {}
    return {
        region: VaultPrivateEndpoint(f"endpoint-{region}", VaultPrivateEndpointArgs(
            resource_group_name=vault.resource_group_name, location=region, vault_name=cfg.vault_name(region),
            vault_id=vault.vault_id, subnet_id=pe.subnet_ids[region], tags=cfg.tags))
        for region, vault in vaults.items() if region in pe.subnet_ids
    }


def declare_recovery_locks(cfg, snapshots: Mapping[str, pulumi.Resource], config_backup_account_id=None,
                           subscription_id: Optional[pulumi.Input[str]] = None) -> Optional[RecoveryLocks]:
    """The :class:`RecoveryLocks` of the stack (None with ``security.deleteLocks: false`` or nothing to lock).
    ``snapshots``: workload -> its ``ConsistentSnapshots`` (the recovery groups exist once they do);
    ``subscription_id`` defaults to the client config's."""
    from .restore_points import dr_regions_needing_copies, recovery_resource_group_name

    if not cfg.security.delete_locks:
        return None
    regions = dr_regions_needing_copies(cfg)
    if not regions and config_backup_account_id is None:
        return None
    if regions and subscription_id is None:
        subscription_id = authorization.get_client_config_output().subscription_id
    deps = [snapshots[w.name] for w in cfg.workloads.values() if w.name in snapshots]
    return RecoveryLocks("locks", RecoveryLocksArgs(
        recovery_group_ids={r: recovery_group_id(subscription_id, recovery_resource_group_name(cfg.name_prefix, r))
                            for r in regions},
        config_backup_account_id=config_backup_account_id, depends_on=deps))
