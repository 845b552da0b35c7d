"""``VmProtection``: Azure Backup protection of one VM (an ``AzureIaaSComputeVMProtectedItem``).

The protected item lives in the vault of the VM's region (Azure Backup requires it) under fabric ``Azure``,
container ``IaasVMContainer;iaasvmcontainerv2;<vm-rg>;<vm-name>`` and item
``VM;iaasvmcontainerv2;<vm-rg>;<vm-name>`` (the VM's own resource group and name, not the vault's), with
``sourceResourceId`` the VM id and ``policyId`` its tier's policy. Since the names and the source id are built
from the VM's outputs, the item depends on the VM (Pulumi records the property dependencies).

Disk selection (``backup_scope``): ``allDisks`` (no exclusion settings), ``osDiskOnly`` (an empty inclusion
list: only the OS disk, what ``az backup protection enable-for-vm --exclude-all-data-disks`` sends) or
``selectedDataDisks`` (an inclusion list of data-disk LUNs; the OS disk is always backed up).

Backups outlive mistakes: ``retain_on_delete`` defaults to ``True``, so ``pulumi destroy`` leaves the item (and
its recovery points) in Azure. Stopping protection is a deliberate step in the portal/CLI (see docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Optional

import pulumi
import pulumi_azure_native.recoveryservices as rs

from .backup_policy import BackupArgsError
from .facts import DATA_ONLY_DISK_SKUS

BackupScope = Literal["allDisks", "osDiskOnly", "selectedDataDisks"]
BACKUP_SCOPES = ("allDisks", "osDiskOnly", "selectedDataDisks")
FABRIC_NAME = "Azure"
PROTECTED_ITEM_TYPE = "Microsoft.Compute/virtualMachines"


def container_name(vm_resource_group_name: pulumi.Input[str], vm_name: pulumi.Input[str]) -> pulumi.Output[str]:
    """``IaasVMContainer;iaasvmcontainerv2;<vm-rg>;<vm-name>``."""
    return pulumi.Output.concat("IaasVMContainer;iaasvmcontainerv2;", vm_resource_group_name, ";", vm_name)


def protected_item_name(vm_resource_group_name: pulumi.Input[str], vm_name: pulumi.Input[str]) -> pulumi.Output[str]:
    """``VM;iaasvmcontainerv2;<vm-rg>;<vm-name>``."""
    return pulumi.Output.concat("VM;iaasvmcontainerv2;", vm_resource_group_name, ";", vm_name)


def disk_selection_problems(backup_scope: str, data_disk_luns: Sequence[int]) -> list[str]:
    """Why ``(backup_scope, data_disk_luns)`` is not a valid disk selection (``[]`` when it is)."""
    if backup_scope not in BACKUP_SCOPES:
        return [f"backup_scope {backup_scope!r}: one of " + ", ".join(BACKUP_SCOPES)]
    luns = list(data_disk_luns)
    if backup_scope != "selectedDataDisks":
        return [f"data_disk_luns {luns}: only with backup_scope 'selectedDataDisks'"] if luns else []
    if not luns:
        return ["data_disk_luns []: a non-empty list of data-disk LUNs with backup_scope 'selectedDataDisks'"]
    out = []
    if any(isinstance(x, bool) or not isinstance(x, int) or not 0 <= x <= 63 for x in luns):
        out.append(f"data_disk_luns {luns}: integers from 0 to 63")
    if len(set(luns)) != len(luns):
        out.append(f"data_disk_luns {luns}: each LUN once")
    return out


def disk_exclusion(backup_scope: str, data_disk_luns: Sequence[int] = ()) -> Optional[rs.ExtendedPropertiesArgs]:
    """The protected item's ``extendedProperties`` for a disk selection (``None`` = all disks)."""
    if backup_scope == "allDisks":
        return None
    luns = sorted(data_disk_luns) if backup_scope == "selectedDataDisks" else []
    return rs.ExtendedPropertiesArgs(
        disk_exclusion_properties=rs.DiskExclusionPropertiesArgs(disk_lun_list=luns, is_inclusion_list=True))


@dataclass(frozen=True)
class VmProtectionArgs:
    """Inputs of :class:`VmProtection`."""

    #: ARM id of the VM (``sourceResourceId``).
    vm_id: pulumi.Input[str]
    #: The VM's name.
    vm_name: pulumi.Input[str]
    #: The VM's own resource group (names the container and item).
    vm_resource_group_name: pulumi.Input[str]
    #: Name of the vault of the VM's region.
    vault_name: pulumi.Input[str]
    #: Resource group of that vault.
    vault_resource_group_name: pulumi.Input[str]
    #: ARM id of the backup policy of the VM's tier.
    policy_id: pulumi.Input[str]
    #: Which disks are backed up: ``allDisks``, ``osDiskOnly`` or ``selectedDataDisks``.
    backup_scope: BackupScope = "allDisks"
    #: Data-disk LUNs backed up with ``selectedDataDisks``.
    data_disk_luns: Sequence[int] = ()
    #: Pulumi ``retainOnDelete``: ``pulumi destroy`` leaves the item (and its backups) in Azure.
    retain_on_delete: bool = True

    def __post_init__(self) -> None:
        problems = disk_selection_problems(self.backup_scope, self.data_disk_luns)
        if problems:
            raise BackupArgsError("VM protection: " + "; ".join(problems))


class VmProtection(pulumi.ComponentResource):
    """Backup protection of one VM: child ``<name>-item`` (``azure-native:recoveryservices:ProtectedItem``)."""

    #: ARM id of the protected item.
    protected_item_id: pulumi.Output[str]
    #: Protected item name (``VM;iaasvmcontainerv2;<vm-rg>;<vm-name>``).
    protected_item_name: pulumi.Output[str]
    #: The policy the VM is protected with.
    policy_id: pulumi.Output[str]

    def __init__(self, name: str, args: VmProtectionArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:vm_protection:VmProtection", name, None, opts)
        item = rs.ProtectedItem(
            f"{name}-item",
            resource_group_name=args.vault_resource_group_name,
            vault_name=args.vault_name,
            fabric_name=FABRIC_NAME,
            container_name=container_name(args.vm_resource_group_name, args.vm_name),
            protected_item_name=protected_item_name(args.vm_resource_group_name, args.vm_name),
            properties=rs.AzureIaaSComputeVMProtectedItemArgs(
                protected_item_type=PROTECTED_ITEM_TYPE,
                source_resource_id=args.vm_id,
                policy_id=args.policy_id,
                extended_properties=disk_exclusion(args.backup_scope, args.data_disk_luns),
            ),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete),
        )
        self.item = item
        self.protected_item_id = item.id
        self.protected_item_name = item.name
        self.policy_id = pulumi.Output.from_input(args.policy_id)
        self.register_outputs({
            "protectedItemId": self.protected_item_id,
            "protectedItemName": self.protected_item_name,
            "policyId": self.policy_id,
        })


def protect_workload_vms(workload: Any, vms: Sequence[Any], *, vault: Any, policies: Any, retain_on_delete: bool = True,
                         opts: Optional[pulumi.ResourceOptions] = None) -> list[VmProtection]:
    """One :class:`VmProtection` per VM of a workload, named ``backup-<workload>-<index>``.

    ``workload``: :class:`components.config.Workload`; ``vms``: objects with ``index``, ``vm_id``, ``vm_name``,
    ``resource_group_name`` and optionally ``security_type``/``disk_skus`` (``components.workload_compute.ComputeVm``);
    ``vault``: the region's :class:`components.recovery_vault.RecoveryVault`; ``policies``: the region's
    :class:`components.backup_policy.RegionPolicies`. A Trusted Launch or Premium SSD v2 / Ultra VM on a
    Standard (V1) policy is refused (Azure needs Enhanced).
    """
    out = []
    for vm in vms:
        policy = policies.policy_for(workload.name, vm.index)
        needs_v2 = getattr(vm, "security_type", "") == "TrustedLaunch" or bool(
            set(getattr(vm, "disk_skus", ())) & set(DATA_ONLY_DISK_SKUS))
        if needs_v2 and policy.plan.policy_type != "V2":
            raise BackupArgsError(f"VM {vm.index} of workload {workload.name}: Trusted Launch and Premium SSD v2 /"
                                  " Ultra VMs need an Enhanced (V2) backup policy, got V1")
        out.append(VmProtection(f"backup-{workload.name}-{vm.index}", VmProtectionArgs(
            vm_id=vm.vm_id, vm_name=vm.vm_name, vm_resource_group_name=vm.resource_group_name,
            vault_name=vault.vault_name, vault_resource_group_name=vault.resource_group_name,
            policy_id=policy.policy_id, backup_scope=workload.backup_scope,
            data_disk_luns=tuple(workload.backup_data_disk_luns), retain_on_delete=retain_on_delete,
        ), opts))
    return out
