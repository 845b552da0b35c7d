"""``SiteRecoveryReplication``: one workload's Azure-to-Azure replication: its replication policy, the container
mappings that apply it (source -> target, and target -> source for re-protection after a failover), one
replication-protected item per VM with every managed disk mapped, and the workload's recovery plan.

Azure's A2A rules applied here (https://learn.microsoft.com/azure/site-recovery/azure-to-azure-common-questions,
https://learn.microsoft.com/azure/site-recovery/azure-to-azure-support-matrix):

* the policy takes crash-consistent points every 5 minutes (fixed), app-consistent points at the configured
  frequency (>= 60 minutes, <= retention; 0 = off) and keeps points for ``recoveryPointHistory`` minutes (<= 15
  days for managed disks); multi-VM consistency only when the workload names a group;
* the container mapping turns Mobility-agent auto-update on with the vault's system-assigned managed identity
  (``automationAccountAuthenticationType: SystemAssignedIdentity``): the SDK would otherwise inject the retired
  ``RunAsAccount`` (https://learn.microsoft.com/azure/site-recovery/azure-to-azure-autoupdate);
* each protected item maps every managed disk (OS and data) to a replica and a target disk of the source's
  redundancy family (ZRS stays ZRS where the target region has zones; else the LRS of the same tier), stages
  through the source region's cache account, and sets an availability zone OR an availability set, never both.

Destroy never disables replication by surprise: every child is ``retainOnDelete`` (stack ``retainOnDelete``,
default true). HTTP DELETE on a protected item is ASR's *purge*; the clean path is the runbook's "disable
replication" step (``az site-recovery protected-item remove``), then ``pulumi state delete``.

Children of ``<name>``: ``<name>-policy`` (``a2a-<w>``), ``<name>-mapping`` and ``<name>-mapping-back``,
``<name>-vm-<i>`` per VM (``replicatedProtectedItemName`` = the VM name), ``<name>-plan`` (``rp-<w>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_azure_native.recoveryservices as rs

from .. import facts
from ..config import SiteRecovery
from ..workload_compute import ComputeDisk, ComputeVm
from . import names
from .network import SiteRecoveryNetwork
from .vault import SiteRecoveryVault

TOKEN = "azure-iaas-dr:site_recovery:SiteRecoveryReplication"

_LRS_OF = {"Premium_ZRS": "Premium_LRS", "StandardSSD_ZRS": "StandardSSD_LRS"}


def target_disk_sku(source_sku: str, target_region: str) -> str:
    """The target (and replica) disk SKU for a source disk: the same SKU, but a zone-redundant one becomes the
    locally redundant SKU of its tier where the target region has no availability zones."""
    if source_sku in _LRS_OF and not facts.has_zones(target_region):
        return _LRS_OF[source_sku]
    return source_sku


@dataclass(frozen=True)
class SiteRecoveryReplicationArgs:
    """Inputs of :class:`SiteRecoveryReplication`."""

    workload: str
    source_region: str
    settings: SiteRecovery
    vms: Sequence[ComputeVm]
    cache_account_id: pulumi.Input[str]
    retain_on_delete: bool = True


class SiteRecoveryReplication(pulumi.ComponentResource):
    """A workload's replication policy, mappings, protected items and recovery plan. See the module docstring."""

    policy_id: pulumi.Output[str]
    protected_item_ids: list[pulumi.Output[str]]
    recovery_plan_id: pulumi.Output[str]

    def __init__(self, name: str, args: SiteRecoveryReplicationArgs, vault: SiteRecoveryVault,
                 net: SiteRecoveryNetwork, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(TOKEN, name, None, opts)
        s, w = args.settings, args.workload
        keep = pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete)
        source, target = vault.fabrics[args.source_region], vault.fabrics[s.target_region]
        common = dict(resource_group_name=vault.resource_group_name, resource_name_=vault.vault_name)

        policy = rs.ReplicationPolicy(
            f"{name}-policy",
            policy_name=names.policy_name(w),
            properties=rs.CreatePolicyInputPropertiesArgs(provider_specific_input=rs.A2APolicyCreationInputArgs(
                instance_type="A2A",
                multi_vm_sync_status=(rs.SetMultiVmSyncStatus.ENABLE if s.multi_vm_group
                                      else rs.SetMultiVmSyncStatus.DISABLE),
                recovery_point_history=s.recovery_point_retention_minutes,
                crash_consistent_frequency_in_minutes=s.crash_consistent_frequency_minutes,
                app_consistent_frequency_in_minutes=s.app_consistent_frequency_minutes,
            )),
            opts=keep,
            **common,
        )
        mappings = {}
        for role, src, dst in (("mapping", source, target), ("mapping-back", target, source)):
            mappings[role] = rs.ReplicationProtectionContainerMapping(
                f"{name}-{role}",
                fabric_name=src.fabric_name,
                protection_container_name=src.container_name,
                mapping_name=names.container_mapping_name(w, src.region, dst.region),
                properties=rs.CreateProtectionContainerMappingInputPropertiesArgs(
                    policy_id=policy.id,
                    target_protection_container_id=dst.container_id,
                    provider_specific_input=rs.A2AContainerMappingInputArgs(
                        instance_type="A2A",
                        agent_auto_update_status=rs.AgentAutoUpdateStatus.ENABLED,
                        automation_account_authentication_type=(
                            rs.AutomationAccountAuthenticationType.SYSTEM_ASSIGNED_IDENTITY),
                    ),
                ),
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete,
                                            depends_on=[src.container, dst.container]),
                **common,
            )

        items = []
        for vm in args.vms:
            items.append(rs.ReplicationProtectedItem(
                f"{name}-vm-{vm.index}",
                fabric_name=source.fabric_name,
                protection_container_name=source.container_name,
                replicated_protected_item_name=vm.vm_name,
                properties=rs.EnableProtectionInputPropertiesArgs(
                    policy_id=policy.id,
                    provider_specific_details=rs.A2AEnableProtectionInputArgs(
                        instance_type="A2A",
                        fabric_object_id=vm.vm_id,
                        recovery_container_id=target.container_id,
                        recovery_resource_group_id=net.resource_group_id,
                        recovery_azure_network_id=net.network_id,
                        recovery_subnet_name=net.subnet_name,
                        recovery_availability_zone=s.target_availability_zone,
                        recovery_availability_set_id=s.target_availability_set_id,
                        multi_vm_group_name=s.multi_vm_group,
                        vm_managed_disks=[self._disk(d, args, net) for d in (vm.os_disk, *vm.data_disks)],
                    ),
                ),
                # replication needs the mapping (policy on the container pair) and the network mapping first
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete,
                                            depends_on=[mappings["mapping"], net.mapping]),
                **common,
            ))

        plan = rs.ReplicationRecoveryPlan(
            f"{name}-plan",
            recovery_plan_name=names.recovery_plan_name(w),
            properties=rs.CreateRecoveryPlanInputPropertiesArgs(
                primary_fabric_id=source.fabric_id,
                recovery_fabric_id=target.fabric_id,
                failover_deployment_model=rs.FailoverDeploymentModel.RESOURCE_MANAGER,
                groups=[
                    rs.RecoveryPlanGroupArgs(group_type=rs.RecoveryPlanGroupType.SHUTDOWN),
                    rs.RecoveryPlanGroupArgs(group_type=rs.RecoveryPlanGroupType.FAILOVER),
                    rs.RecoveryPlanGroupArgs(
                        group_type=rs.RecoveryPlanGroupType.BOOT,
                        replication_protected_items=[
                            rs.RecoveryPlanProtectedItemArgs(id=item.id, virtual_machine_id=vm.vm_id)
                            for item, vm in zip(items, args.vms)
                        ],
                    ),
                ],
            ),
            opts=keep,
            **common,
        )
        self.policy = policy
        self.mappings = mappings
        self.items = items
        self.policy_id = policy.id
        self.protected_item_ids = [i.id for i in items]
        self.recovery_plan_id = plan.id
        self.register_outputs({
            "policyId": self.policy_id,
            "protectedItemIds": self.protected_item_ids,
            "recoveryPlanId": self.recovery_plan_id,
        })

    @staticmethod
    def _disk(d: ComputeDisk, args: SiteRecoveryReplicationArgs,
              net: SiteRecoveryNetwork) -> rs.A2AVmManagedDiskInputDetailsArgs:
        sku = target_disk_sku(d.sku, args.settings.target_region)
        return rs.A2AVmManagedDiskInputDetailsArgs(
            disk_id=d.disk_id,
            primary_staging_azure_storage_account_id=args.cache_account_id,
            recovery_resource_group_id=net.resource_group_id,
            recovery_replica_disk_account_type=sku,
            recovery_target_disk_account_type=sku,
        )
