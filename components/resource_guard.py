"""``ResourceGuard`` and ``VaultGuardProxy``: multi-user authorization (MUA) for the Recovery Services vaults.

With MUA, a critical operation on a vault (disable soft delete, remove MUA, stop protection with delete, reduce
retention in a policy or on an item, disable immutability, change encryption, get the security PIN) needs a
permission on the vault's Resource Guard too. The guard is only a control if the vault's administrators hold no
Contributor (or Backup MUA Admin/Operator) role on it: it lives in a resource group a security administrator owns,
better in another subscription, and must be in the same region as the vault
(https://learn.microsoft.com/azure/backup/multi-user-authorization-concept,
https://learn.microsoft.com/azure/backup/multi-user-authorization).

* ``ResourceGuard`` (``azure-iaas-dr:resource_guard:ResourceGuard``): child ``<name>-guard``, an
  ``azure-native:dataprotection:ResourceGuard`` named ``guard-<namePrefix>-<region>`` in
  ``security.resourceGuard.resourceGroupName`` (through an explicit ``azure-native`` provider ``<name>-provider``
  when ``subscriptionId`` is set). Its ``vaultCriticalOperationExclusionList`` holds only the operations
  ``excludedOperations`` names (default: none, every critical operation is protected).
* ``VaultGuardProxy`` (``azure-iaas-dr:resource_guard:VaultGuardProxy``): child ``<name>-proxy``, the vault's
  ``azure-native:recoveryservices:ResourceGuardProxy``. Azure names the one proxy of a vault ``VaultProxy``
  (Azure CLI ``az backup vault resource-guard-mapping``).

The program refuses a guard in a vault's own resource group (``components.config``); the pack's
``vault-multi-user-authorization`` rule reports a vault without a proxy to a guard outside its resource group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_azure_native as azure_native
import pulumi_azure_native.dataprotection as dataprotection
import pulumi_azure_native.recoveryservices as rs

from .config import GUARD_OPTIONAL_OPERATIONS, ResourceGuardInput, StackConfig

#: The name Azure gives the (single) resource guard proxy of a Recovery Services vault.
PROXY_NAME = "VaultProxy"


def guard_name(prefix: str, region: str) -> str:
    """``guard-<namePrefix>-<region>``: one guard per vault region (the guard must be in the vault's region)."""
    return f"guard-{prefix}-{region}"


@dataclass(frozen=True)
class ResourceGuardArgs:
    """Inputs of :class:`ResourceGuard`."""

    resource_group_name: str
    location: str
    guard_name: str
    #: ``vaultCriticalOperationExclusionList`` entries (full operation names).
    excluded_operations: Sequence[str] = ()
    #: Subscription of the guard's resource group (None: the stack's default provider).
    subscription_id: Optional[str] = None
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: StackConfig, region: str) -> ResourceGuardArgs:
        g = cfg.security.resource_guard
        if g is None or g.resource_group_name is None:
            raise ValueError(f"ResourceGuardArgs.from_config({region!r}): security.resourceGuard.resourceGroupName"
                             " is not set")
        return cls(resource_group_name=g.resource_group_name, location=region,
                   guard_name=guard_name(cfg.name_prefix, region),
                   excluded_operations=tuple(GUARD_OPTIONAL_OPERATIONS[o] for o in g.excluded_operations),
                   subscription_id=g.subscription_id, tags={**cfg.tags, "dr-purpose": "multi-user-authorization"})


class ResourceGuard(pulumi.ComponentResource):
    """A Resource Guard (child ``<name>-guard``), optionally through a provider for another subscription
    (child ``<name>-provider``)."""

    #: ARM id of the guard.
    guard_id: pulumi.Output[str]

    def __init__(self, name: str, args: ResourceGuardArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:resource_guard:ResourceGuard", name, None, opts)
        provider = None
        if args.subscription_id is not None:
            provider = azure_native.Provider(f"{name}-provider", subscription_id=args.subscription_id,
                                             opts=pulumi.ResourceOptions(parent=self))
        guard = dataprotection.ResourceGuard(
            f"{name}-guard",
            resource_group_name=args.resource_group_name,
            resource_guards_name=args.guard_name,
            location=args.location,
            properties=dataprotection.ResourceGuardArgs(
                vault_critical_operation_exclusion_list=list(args.excluded_operations)),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
        self.guard = guard
        self.guard_id = guard.id
        self.register_outputs({"guardId": self.guard_id})


@dataclass(frozen=True)
class VaultGuardProxyArgs:
    """Inputs of :class:`VaultGuardProxy`."""

    resource_group_name: pulumi.Input[str]
    vault_name: pulumi.Input[str]
    guard_id: pulumi.Input[str]


class VaultGuardProxy(pulumi.ComponentResource):
    """The vault's ``ResourceGuardProxy`` ``VaultProxy`` (child ``<name>-proxy``)."""

    proxy_id: pulumi.Output[str]

    def __init__(self, name: str, args: VaultGuardProxyArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:resource_guard:VaultGuardProxy", name, None, opts)
        proxy = rs.ResourceGuardProxy(
            f"{name}-proxy",
            resource_group_name=args.resource_group_name,
            vault_name=args.vault_name,
            resource_guard_proxy_name=PROXY_NAME,
            properties=rs.ResourceGuardProxyBaseArgs(resource_guard_resource_id=args.guard_id),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.proxy = proxy
        self.proxy_id = proxy.id
        self.register_outputs({"proxyId": self.proxy_id})


def declare_multi_user_authorization(cfg: StackConfig, vaults: Mapping[str, object]) -> dict[str, VaultGuardProxy]:
    """A guard per vault region (unless ``existingIds`` names one) and each vault's proxy to it. ``vaults``:
    region -> object with ``resource_group_name`` and ``vault_name`` (:class:`components.recovery_vault.RecoveryVault`).
    Nothing without ``security.resourceGuard``."""
    g: Optional[ResourceGuardInput] = cfg.security.resource_guard
    if g is None:
        return {}
    out = {}
    for region, vault in vaults.items():
        if region in g.existing_ids:
            guard_id: pulumi.Input[str] = g.existing_ids[region]
        else:
            guard_id = ResourceGuard(f"guard-{region}", ResourceGuardArgs.from_config(cfg, region)).guard_id
        out[region] = VaultGuardProxy(f"mua-{region}", VaultGuardProxyArgs(
            resource_group_name=vault.resource_group_name, vault_name=vault.vault_name, guard_id=guard_id))
    return out
