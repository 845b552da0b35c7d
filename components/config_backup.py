"""``ConfigBackup``: a geo-redundant storage account for the configuration (the seed: "back up the
configuration (templates and custom images)"), usable as the Pulumi state backend.

What it declares (children of the component, named from the instance name):

* ``<name>-account``: ``storage.StorageAccount``, StorageV2, SKU ``Standard_RAGRS`` (or ``Standard_RAGZRS``):
  three copies in the primary region, three more in the paired region, and the secondary readable at any
  time (``https://<account>-secondary.blob.core.windows.net``) — the seed's appendix explains why read access
  matters when the primary region is down. HTTPS only, TLS 1.2 minimum, no public blob access, no
  cross-tenant replication.
* ``<name>-blob-service``: ``storage.BlobServiceProperties`` (``default``) with blob soft delete, container
  soft delete (both ``configBackup.*SoftDeleteDays``, default 30) and blob versioning on, so an overwritten
  or deleted state checkpoint can be brought back.
* ``<name>-state``: container ``pulumi-state`` (private) for the Pulumi state backend;
  ``<name>-templates``: container ``templates`` (private) for exported stack state
  (``pulumi stack export``), ARM templates and other configuration you want off-site.

The account and the containers are Pulumi ``protect``/``retainOnDelete`` like the vaults (config keys
``protect`` and ``retainOnDelete``): the configuration backup must outlive ``pulumi destroy``.

Using it as the Pulumi state backend (docs/operations.md)
---------------------------------------------

After the first ``pulumi up`` (with any backend), read the account name from the stack output
``configBackup.accountName`` and move the stack's state into the account::

    pulumi stack export --file dev.state.json                # from the current backend
    export AZURE_STORAGE_ACCOUNT=<account>                  # the stack output configBackup.accountName
    az login                                                # or AZURE_STORAGE_KEY / AZURE_STORAGE_SAS_TOKEN
    pulumi login 'azblob://pulumi-state?storage_account=<account>'
    pulumi stack init dev --secrets-provider passphrase     # or azurekeyvault://...
    pulumi stack import --file dev.state.json

From then on every ``pulumi up`` writes its checkpoint to ``pulumi-state`` in a read-access geo-redundant,
versioned, soft-delete-protected account. Keep a copy of exported state and templates too::

    pulumi stack export --file "dev-$(date -u +%Y%m%dT%H%MZ).json"
    az storage blob upload --auth-mode login --account-name <account> --container-name templates \\
        --file "dev-<timestamp>.json" --name "stacks/dev/dev-<timestamp>.json"

If the primary region is down, the secondary endpoint is read-only: download the latest checkpoint or export
from ``https://<account>-secondary.blob.core.windows.net/templates/...`` (``az storage blob download
--blob-endpoint https://<account>-secondary.blob.core.windows.net ...``) and import it into a backend in the
DR region; writes resume on the primary after Microsoft's failover or yours
(``az storage account failover``). A deleted or overwritten blob is recovered with
``az storage blob undelete`` (soft delete) or by promoting an earlier version.

Chicken and egg: the state of the stack that declares this account lives, after the move, in the account
itself. That is fine for day-to-day use (the account is protected, versioned and soft-delete-protected); keep
an exported copy elsewhere before any change to the account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.storage as storage

from .config import ConfigBackupInput, StackConfig
from .storage_account import hashed_account_name, secure_storage_account

STATE_CONTAINER = "pulumi-state"
TEMPLATES_CONTAINER = "templates"


def default_account_name(prefix: str, subscription_id: str, project: str, stack: str) -> str:
    """``<prefix>cfg`` + 10 hex characters of a hash of subscription, project and stack: deterministic (no
    random provider needed, stable across ``pulumi up``) and unlikely to collide in the global namespace of
    storage account names (3-24 lower-case letters and digits)."""
    return hashed_account_name(prefix, "cfg", subscription_id, project, stack)


@dataclass(frozen=True)
class ConfigBackupArgs:
    """Inputs of :class:`ConfigBackup`."""

    resource_group_name: pulumi.Input[str]
    #: Primary region of the account (the secondary is Azure's pair of it).
    location: str
    #: Storage account name (3-24 lower-case letters and digits, globally unique).
    account_name: pulumi.Input[str]
    settings: ConfigBackupInput
    tags: Mapping[str, str] = field(default_factory=dict)
    protect: bool = True
    retain_on_delete: bool = True

    @classmethod
    def from_config(cls, cfg: StackConfig, resource_group_name: pulumi.Input[str], stack: str,
                    subscription_id: Optional[pulumi.Input[str]] = None) -> ConfigBackupArgs:
        """Args from the stack config; the default account name hashes the subscription id (looked up with
        ``getClientConfig`` unless given), the project and the stack."""
        s = cfg.config_backup
        if s.account_name is not None:
            name: pulumi.Input[str] = s.account_name
        else:
            sub = subscription_id if subscription_id is not None else \
                authorization.get_client_config_output().subscription_id
            name = pulumi.Output.from_input(sub).apply(
                lambda sid: default_account_name(cfg.name_prefix, sid or "", cfg.project, stack))
        return cls(resource_group_name=resource_group_name, location=cfg.location, account_name=name,
                   settings=s, tags={**cfg.tags, "dr-purpose": "configuration-backup"}, protect=cfg.protect,
                   retain_on_delete=cfg.retain_on_delete)


class ConfigBackup(pulumi.ComponentResource):
    """The configuration-backup storage account, its blob service settings and two private containers."""

    #: Storage account name.
    account_name: pulumi.Output[str]
    #: ARM id of the storage account.
    account_id: pulumi.Output[str]
    #: Container for the Pulumi state backend.
    state_container: pulumi.Output[str]
    #: Container for exported stack state and templates.
    templates_container: pulumi.Output[str]
    #: ``pulumi login`` URL of the state backend.
    backend_url: pulumi.Output[str]

    def __init__(self, name: str, args: ConfigBackupArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:config_backup:ConfigBackup", name, None, opts)
        s = args.settings
        keep = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.retain_on_delete)
        account = secure_storage_account(
            f"{name}-account", resource_group_name=args.resource_group_name, account_name=args.account_name,
            location=args.location, sku=s.sku, tags=args.tags, opts=keep, allow_cross_tenant_replication=False)
        blob_service = storage.BlobServiceProperties(
            f"{name}-blob-service",
            resource_group_name=args.resource_group_name,
            account_name=account.name,
            blob_services_name="default",
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=s.blob_soft_delete_days),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=True, days=s.container_soft_delete_days),
            is_versioning_enabled=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        containers = {}
        for suffix, container in (("state", STATE_CONTAINER), ("templates", TEMPLATES_CONTAINER)):
            containers[suffix] = storage.BlobContainer(
                f"{name}-{suffix}",
                resource_group_name=args.resource_group_name,
                account_name=account.name,
                container_name=container,
                public_access=storage.PublicAccess.NONE,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect,
                                            retain_on_delete=args.retain_on_delete, depends_on=[blob_service]),
            )
        self.account = account
        self.blob_service = blob_service
        self.account_name = account.name
        self.account_id = account.id
        self.state_container = containers["state"].name
        self.templates_container = containers["templates"].name
        self.backend_url = pulumi.Output.concat("azblob://", self.state_container, "?storage_account=",
                                                self.account_name)
        self.register_outputs({
            "accountName": self.account_name,
            "accountId": self.account_id,
            "stateContainer": self.state_container,
            "templatesContainer": self.templates_container,
            "backendUrl": self.backend_url,
        })


def config_resource_group_name(prefix: str, region: str) -> str:
    """The resource group of the configuration backup (account and image galleries), in the primary region."""
    return f"rg-{prefix}-config-{region}"
