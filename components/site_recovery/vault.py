"""``SiteRecoveryVault``: the Recovery Services vault Azure Site Recovery replicates into, in the TARGET region,
with one replication fabric and protection container per region it replicates between.

Azure: "Create a Recovery Services vault in any region, except in the source region"
(https://learn.microsoft.com/azure/site-recovery/azure-to-azure-tutorial-enable-replication); the reliability
guide recommends the target region, because a vault in a third region blocks failover while that region is down
(https://learn.microsoft.com/azure/reliability/reliability-site-recovery). A workload with Site Recovery
therefore has two vaults: the Backup vault in its own region and this one.

Protection containers: pulumi-azure-native 3.29.0 has no ``ReplicationProtectionContainer`` resource (the ASR
API removes a container with ``POST .../remove``, not ``DELETE``, so the provider's discovery skips it). Each
container is created by an ARM deployment (``resources:Deployment``, Incremental mode) whose template holds the
one container; deleting the deployment deletes the deployment record only, never the container (see
docs/DESIGN.md, "Site Recovery protection containers").

Children of ``<name>``: ``ResourceGroup`` ``<name>`` (``rg-<prefix>-asr-<target>``), ``RecoveryVault`` ``<name>``
(vault ``rsv-<prefix>-asr-<target>`` and its lock), per region ``<name>-fabric-<region>``
(``recoveryservices:ReplicationFabric``) and ``<name>-container-<region>`` (``resources:Deployment``).
Every child is ``retainOnDelete`` (from config): ``pulumi destroy`` never purges replication.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_azure_native.recoveryservices as rs
import pulumi_azure_native.resources as resources

from ..config import StackConfig, Vault
from ..recovery_vault import RecoveryVault, RecoveryVaultArgs
from ..resource_group import ResourceGroup, ResourceGroupArgs
from . import names

TOKEN = "azure-iaas-dr:site_recovery:SiteRecoveryVault"
CONTAINER_TYPE = "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers"
#: API version of the container in the deployment template (the SDK's default for the ASR resources).
CONTAINER_API_VERSION = "2024-10-01"


def container_template(vault_name: str, fabric: str, container: str) -> dict[str, Any]:
    """The ARM template that creates one A2A protection container (``CreateProtectionContainerInput``)."""
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{
            "type": CONTAINER_TYPE,
            "apiVersion": CONTAINER_API_VERSION,
            "name": f"{vault_name}/{fabric}/{container}",
            "properties": {"providerSpecificInput": [{"instanceType": "A2A"}]},
        }],
    }


@dataclass(frozen=True)
class SiteRecoveryVaultArgs:
    """Inputs of :class:`SiteRecoveryVault`."""

    target_region: str
    #: Every region the vault holds a fabric for: the sources replicating into it, and the target itself.
    regions: Sequence[str]
    resource_group_name: str
    vault_name: str
    settings: Vault
    tags: Mapping[str, str] = field(default_factory=dict)
    protect: bool = True
    retain_on_delete: bool = True

    @classmethod
    def from_config(cls, cfg: StackConfig, target_region: str) -> SiteRecoveryVaultArgs:
        """Args for the ASR vault of ``target_region``: the vault posture of ``vault`` (a Recovery Services
        vault is judged by the same rules whatever it holds), tags naming the replicated workloads."""
        ws = [w for w in cfg.workloads.values() if w.site_recovery and w.site_recovery.target_region == target_region]
        sources = sorted({w.region for w in ws})
        return cls(
            target_region=target_region, regions=[*sources, target_region],
            resource_group_name=cfg.site_recovery_resource_group_name(target_region),
            vault_name=cfg.site_recovery_vault_name(target_region), settings=cfg.vault,
            tags={**cfg.tags, "dr-workload": ",".join(w.name for w in ws),
                  "dr-tier": ",".join(sorted({w.tier for w in ws})),
                  "dr-high-availability": str(any(w.high_availability for w in ws)).lower(),
                  "dr-rpo-hours": str(min(w.rpo_hours for w in ws)) if ws else "",
                  "dr-purpose": "site-recovery"},
            protect=cfg.protect, retain_on_delete=cfg.retain_on_delete)


@dataclass(frozen=True)
class FabricHandle:
    """A region's fabric and container in the vault: what mappings and protected items need."""

    region: str
    fabric_name: str
    container_name: str
    fabric_id: pulumi.Output[str]
    container_id: pulumi.Output[str]
    #: The container's deployment: resources that use the container depend on it.
    container: resources.Deployment


class SiteRecoveryVault(pulumi.ComponentResource):
    """The ASR vault of a target region, its fabrics and protection containers. See the module docstring."""

    vault_id: pulumi.Output[str]
    vault_name: pulumi.Output[str]
    resource_group_name: pulumi.Output[str]
    #: region -> fabric/container handles.
    fabrics: dict[str, FabricHandle]

    def __init__(self, name: str, args: SiteRecoveryVaultArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        keep = pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete)
        rg = ResourceGroup(name, ResourceGroupArgs(resource_group_name=args.resource_group_name,
                                                   location=args.target_region, tags=dict(args.tags)), opts=child)
        self.vault = RecoveryVault(name, RecoveryVaultArgs(
            resource_group_name=rg.name, location=args.target_region, vault_name=args.vault_name,
            settings=args.settings, tags=args.tags, protect=args.protect, retain_on_delete=args.retain_on_delete),
            opts=child)
        self.vault_id = self.vault.vault_id
        self.vault_name = self.vault.vault_name
        self.resource_group_name = rg.name
        self.fabrics = {}
        for region in args.regions:
            fabric_name, container_name = names.fabric_name(region), names.container_name(region)
            fabric = rs.ReplicationFabric(
                f"{name}-fabric-{region}",
                resource_group_name=rg.name,
                resource_name_=self.vault_name,
                fabric_name=fabric_name,
                properties=rs.FabricCreationInputPropertiesArgs(
                    custom_details=rs.AzureFabricCreationInputArgs(instance_type="Azure", location=region)),
                opts=keep,
            )
            container = resources.Deployment(
                f"{name}-container-{region}",
                resource_group_name=rg.name,
                deployment_name=names.container_deployment_name(args.vault_name, region),
                properties=resources.DeploymentPropertiesArgs(
                    mode=resources.DeploymentMode.INCREMENTAL,
                    template=container_template(args.vault_name, fabric_name, container_name),
                ),
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete,
                                            depends_on=[fabric]),
            )
            self.fabrics[region] = FabricHandle(
                region=region, fabric_name=fabric_name, container_name=container_name, fabric_id=fabric.id,
                container_id=pulumi.Output.all(fabric.id, container.id).apply(
                    lambda v, c=container_name: f"{v[0]}/replicationProtectionContainers/{c}"),
                container=container)
        self.register_outputs({
            "vaultId": self.vault_id,
            "vaultName": self.vault_name,
            "resourceGroupName": self.resource_group_name,
            "fabrics": {r: f.fabric_id for r, f in self.fabrics.items()},
            "containers": {r: f.container_id for r, f in self.fabrics.items()},
        })
