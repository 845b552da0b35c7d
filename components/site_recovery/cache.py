"""``SiteRecoveryCache``: the cache storage account Site Recovery stages a source region's disk changes in.

Azure's requirements (https://learn.microsoft.com/azure/site-recovery/azure-to-azure-support-matrix, "Cache
storage"; https://learn.microsoft.com/azure/reliability/reliability-site-recovery): in the SOURCE region and
subscription; Standard general-purpose v2; blob soft delete not supported; shared-key (SAS) access must stay on
(managed-identity access is not supported); zone-redundant where the region has zones, never geo-redundant
(it holds transient data only, and GRS would just cost and lag).

Children of ``<name>``: ``ResourceGroup`` ``<name>`` (``rg-<prefix>-asr-cache-<region>``), ``<name>-account`` (``storage:StorageAccount``) and ``<name>-blob-service``
(``storage:BlobServiceProperties`` with blob and container soft delete explicitly off). Tag
``dr-purpose: site-recovery-cache`` marks the account for the pack (its Site Recovery rules judge it; the
image/template storage rules leave it alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.storage as storage

from ..config import StackConfig
from ..resource_group import ResourceGroup, ResourceGroupArgs
from ..storage_account import hashed_account_name, secure_storage_account

TOKEN = "azure-iaas-dr:site_recovery:SiteRecoveryCache"
PURPOSE = "site-recovery-cache"


def default_account_name(prefix: str, region: str, subscription_id: str, project: str, stack: str) -> str:
    """``<prefix>asr`` + 10 hex characters of a hash of subscription, project, stack and region (stable across
    ``pulumi up``, unlikely to collide in the global storage-account namespace)."""
    return hashed_account_name(prefix, "asr", subscription_id, project, stack, region)


@dataclass(frozen=True)
class SiteRecoveryCacheArgs:
    """Inputs of :class:`SiteRecoveryCache`."""

    resource_group_name: str
    #: The SOURCE region (the VMs' region).
    location: str
    account_name: pulumi.Input[str]
    #: ``Standard_ZRS`` or ``Standard_LRS``.
    sku: str
    tags: Mapping[str, str] = field(default_factory=dict)
    retain_on_delete: bool = True

    @classmethod
    def from_config(cls, cfg: StackConfig, region: str, stack: str, subscription_id: Optional[pulumi.Input[str]] = None) -> SiteRecoveryCacheArgs:
        """Args for the cache account of source ``region``: the first replicated workload's ``cacheStorage``
        (name, SKU) in config order, else the defaults."""
        ws = [w for w in cfg.workloads_in(region) if w.site_recovery is not None]
        if not ws:
            raise ValueError(f"SiteRecoveryCacheArgs.from_config: no workload in {region} has siteRecovery")
        sr = ws[0].site_recovery
        assert sr is not None
        if sr.cache_account_name is not None:
            name: pulumi.Input[str] = sr.cache_account_name
        else:
            sub = subscription_id if subscription_id is not None else \
                authorization.get_client_config_output().subscription_id
            name = pulumi.Output.from_input(sub).apply(
                lambda sid: default_account_name(cfg.name_prefix, region, sid or "", cfg.project, stack))
        return cls(resource_group_name=f"rg-{cfg.name_prefix}-asr-cache-{region}", location=region,
                   account_name=name, sku=sr.cache_sku,
                   tags={**cfg.tags, "dr-workload": ",".join(w.name for w in ws), "dr-purpose": PURPOSE},
                   retain_on_delete=cfg.retain_on_delete)


class SiteRecoveryCache(pulumi.ComponentResource):
    """A source region's ASR cache storage account. See the module docstring."""

    account_id: pulumi.Output[str]
    account_name: pulumi.Output[str]

    def __init__(self, name: str, args: SiteRecoveryCacheArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(TOKEN, name, None, opts)
        keep = pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete)
        rg = ResourceGroup(name, ResourceGroupArgs(resource_group_name=args.resource_group_name,
                                                   location=args.location, tags=dict(args.tags)),
                           opts=pulumi.ResourceOptions(parent=self))
        account = secure_storage_account(
            f"{name}-account", resource_group_name=rg.name, account_name=args.account_name, location=args.location,
            sku=args.sku, tags=args.tags, opts=keep,
            # ASR writes to the cache with shared-key/SAS access; managed-identity-only access is not supported
            allow_shared_key_access=True)
        storage.BlobServiceProperties(
            f"{name}-blob-service",
            resource_group_name=rg.name,
            account_name=account.name,
            blob_services_name="default",
            # soft delete is not supported on a Site Recovery cache account
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=False),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=False),
            opts=keep,
        )
        self.account_id = account.id
        self.account_name = account.name
        self.register_outputs({"accountId": self.account_id, "accountName": self.account_name})
