"""``SiteRecoveryNetwork``: where a workload's VMs land in the target region, and the network mappings that
tell Site Recovery so.

Without a network mapping for the source virtual network, enabling replication fails ("Target network settings
are not configured"); see https://learn.microsoft.com/azure/site-recovery/azure-to-azure-network-mapping. The
mapping is declared in both directions, so a re-protected (failed-over) workload fails back onto its source
network. The test network is isolated (no peering, no mapping): test failovers go there and never reach
production (https://learn.microsoft.com/azure/site-recovery/azure-to-azure-tutorial-dr-drill).

Children of ``<name>``: ``ResourceGroup`` ``<name>`` (the target resource group, which also receives the
failed-over VMs and disks), ``<name>-vnet``/``<name>-subnet`` (``<w>-asr-vnet``/``<w>-asr-subnet``),
``<name>-test-vnet``/``<name>-test-subnet`` (``<w>-asr-test-vnet``/``<w>-asr-test-subnet``),
``<name>-mapping`` (source -> target) and ``<name>-mapping-back`` (target -> source),
``recoveryservices:ReplicationNetworkMapping``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_azure_native.network as network
import pulumi_azure_native.recoveryservices as rs

from ..resource_group import ResourceGroup, ResourceGroupArgs
from . import names
from .vault import SiteRecoveryVault

TOKEN = "azure-iaas-dr:site_recovery:SiteRecoveryNetwork"


@dataclass(frozen=True)
class SiteRecoveryNetworkArgs:
    """Inputs of :class:`SiteRecoveryNetwork`."""

    workload: str
    source_region: str
    target_region: str
    #: ARM id and Azure name of the source virtual network.
    source_network_id: pulumi.Input[str]
    source_network_name: pulumi.Input[str]
    target_resource_group_name: str
    target_address_space: str
    target_subnet_prefix: str
    test_address_space: str
    test_subnet_prefix: str
    tags: Mapping[str, str] = field(default_factory=dict)
    retain_on_delete: bool = True


class SiteRecoveryNetwork(pulumi.ComponentResource):
    """A workload's target and test networks and its network mappings. See the module docstring."""

    resource_group_name: pulumi.Output[str]
    resource_group_id: pulumi.Output[str]
    network_id: pulumi.Output[str]
    subnet_name: pulumi.Output[str]
    test_network_id: pulumi.Output[str]

    def __init__(self, name: str, args: SiteRecoveryNetworkArgs, vault: SiteRecoveryVault,
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        w, tags = args.workload, dict(args.tags)
        rg = ResourceGroup(name, ResourceGroupArgs(resource_group_name=args.target_resource_group_name,
                                                   location=args.target_region, tags=tags), opts=child)
        nets = {}
        for role, space, prefix in (("", args.target_address_space, args.target_subnet_prefix),
                                    ("test-", args.test_address_space, args.test_subnet_prefix)):
            vnet = network.VirtualNetwork(
                f"{name}-{role}vnet",
                virtual_network_name=f"{w}-asr-{role}vnet",
                resource_group_name=rg.name,
                location=args.target_region,
                address_space=network.AddressSpaceArgs(address_prefixes=[space]),
                tags=tags,
                opts=child,
            )
            subnet = network.Subnet(
                f"{name}-{role}subnet",
                subnet_name=f"{w}-asr-{role}subnet",
                resource_group_name=rg.name,
                virtual_network_name=vnet.name,
                address_prefix=prefix,
                opts=child,
            )
            nets[role] = (vnet, subnet)
        vnet, subnet = nets[""]
        source_fabric = vault.fabrics[args.source_region]
        target_fabric = vault.fabrics[args.target_region]
        target_vnet_name = f"{w}-asr-vnet"
        self.mapping = rs.ReplicationNetworkMapping(
            f"{name}-mapping",
            resource_group_name=vault.resource_group_name,
            resource_name_=vault.vault_name,
            fabric_name=source_fabric.fabric_name,
            network_name=args.source_network_name,
            network_mapping_name=pulumi.Output.from_input(args.source_network_name).apply(
                lambda n: names.network_mapping_name(n, target_vnet_name)),
            properties=rs.CreateNetworkMappingInputPropertiesArgs(
                recovery_network_id=vnet.id,
                recovery_fabric_name=target_fabric.fabric_name,
                fabric_specific_details=rs.AzureToAzureCreateNetworkMappingInputArgs(
                    instance_type="AzureToAzure", primary_network_id=args.source_network_id),
            ),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete,
                                        depends_on=[source_fabric.container, target_fabric.container]),
        )
        self.mapping_back = rs.ReplicationNetworkMapping(
            f"{name}-mapping-back",
            resource_group_name=vault.resource_group_name,
            resource_name_=vault.vault_name,
            fabric_name=target_fabric.fabric_name,
            network_name=vnet.name,
            network_mapping_name=pulumi.Output.from_input(args.source_network_name).apply(
                lambda n: names.network_mapping_name(target_vnet_name, n)),
            properties=rs.CreateNetworkMappingInputPropertiesArgs(
                recovery_network_id=args.source_network_id,
                recovery_fabric_name=source_fabric.fabric_name,
                fabric_specific_details=rs.AzureToAzureCreateNetworkMappingInputArgs(
                    instance_type="AzureToAzure", primary_network_id=vnet.id),
            ),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete,
                                        depends_on=[source_fabric.container, target_fabric.container]),
        )
        self.resource_group_name = rg.name
        self.resource_group_id = rg.id_
        self.network_id = vnet.id
        self.subnet_name = subnet.name
        self.test_network_id = nets["test-"][0].id
        self.register_outputs({
            "resourceGroupName": self.resource_group_name,
            "networkId": self.network_id,
            "subnetName": self.subnet_name,
            "testNetworkId": self.test_network_id,
        })
