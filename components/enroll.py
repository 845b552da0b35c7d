"""Enroll an application repo's VM into the DR stack's backup: the right vault, the right policy.

The infrastructure stack (this project) exports the versioned document of :mod:`components.outputs`. An
application repo that builds its own VM copies or vendors this package and calls :func:`enroll_vm` with a
``pulumi.StackReference`` to that stack (or its name): the helper checks ``schemaVersion``, finds the vault
of the VM's region and the policy of the tier, and declares a :class:`components.vm_protection.VmProtection`
(one ``AzureIaaSComputeVMProtectedItem``, kept by Azure on ``pulumi destroy`` by default).

Worked example (an application repo's ``__main__.py``)::

    import pulumi
    import pulumi_azure_native.compute as compute
    from components.enroll import enroll_vm

    vm = compute.VirtualMachine("orders-1", resource_group_name="rg-orders", location="westeurope", ...)

    enroll_vm(
        "orders-1-backup",
        stack="my-org/azure-iaas-dr/prod",      # or an existing pulumi.StackReference
        vm_id=vm.id,
        vm_name=vm.name,
        vm_resource_group_name="rg-orders",     # the VM's own resource group
        region="westeurope",                    # the VM's region: its vault must be there
        tier="app-server",                      # database | cluster | app-server | reporting | critical-data
        backup_scope="selectedDataDisks",       # optional: allDisks (default) | osDiskOnly | selectedDataDisks
        data_disk_luns=[0],
    )

Errors are one line, raised before anything is enrolled (an :class:`EnrollError`, a ``pulumi.RunError``):
an unknown tier or a bad disk selection at the call; an unsupported ``schemaVersion``, a region without a
vault, or a tier without a policy in that region once the stack reference's outputs are read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

import pulumi

from .backup_policy import BackupArgsError
from .config import TIERS
from .outputs import SCHEMA_VERSION
from .vm_protection import BackupScope, VmProtection, VmProtectionArgs, disk_selection_problems


class EnrollError(BackupArgsError):
    """The VM cannot be enrolled: the message says why and what is allowed."""


@dataclass(frozen=True)
class EnrollTarget:
    """Where a VM goes: the vault of its region and the policy of its tier."""

    vault_name: str
    vault_resource_group_name: str
    vault_id: str
    policy_id: str


def _sorted(keys: Any) -> str:
    return ", ".join(sorted(keys)) or "none"


def resolve_target(outputs: Mapping[str, Any], region: str, tier: str, stack: str = "the DR stack") -> EnrollTarget:
    """Find the vault and policy for a VM of ``tier`` in ``region`` in the DR stack's ``outputs``.
    Raises :class:`EnrollError` naming the stack and what it offers."""
    version = outputs.get("schemaVersion") if isinstance(outputs, Mapping) else None
    if version != SCHEMA_VERSION:
        shown = "missing" if version is None else repr(version)
        raise EnrollError(f"stack {stack}: schemaVersion {shown}: this helper reads schema version"
                          f" {SCHEMA_VERSION!r} (is it the azure-iaas-dr stack, and is the helper up to date?)")
    vaults = outputs.get("vaults") or {}
    vault = vaults.get(region)
    if not vault:
        raise EnrollError(f"stack {stack}: no Recovery Services vault in region {region!r} (regions with a vault:"
                          f" {_sorted(vaults)}); Azure Backup needs the vault in the VM's region: add a workload"
                          f" in {region} to the DR stack")
    policy_id = ((outputs.get("policyIds") or {}).get(region) or {}).get(tier)
    if not policy_id:
        tiers = ((outputs.get("policyIds") or {}).get(region) or {}).keys()
        raise EnrollError(f"stack {stack}: no {tier!r} backup policy in region {region!r} (tiers with a policy"
                          f" there: {_sorted(tiers)}); add a {tier} workload in {region} to the DR stack")
    return EnrollTarget(vault_name=vault["name"], vault_resource_group_name=vault["resourceGroupName"],
                        vault_id=vault["id"], policy_id=policy_id)


def enroll_vm(name: str, *, stack: Union[pulumi.StackReference, str], vm_id: pulumi.Input[str],
              vm_name: pulumi.Input[str], vm_resource_group_name: pulumi.Input[str], region: str, tier: str,
              backup_scope: BackupScope = "allDisks", data_disk_luns: Sequence[int] = (),
              retain_on_delete: bool = True, opts: Optional[pulumi.ResourceOptions] = None) -> VmProtection:
    """Protect one VM with the DR stack's vault of ``region`` and policy of ``tier`` (see the module docs).

    ``stack`` is a ``pulumi.StackReference`` or a stack name (``org/project/stack``); for a name, a
    ``StackReference`` named ``<name>-stack`` is declared. Returns the :class:`VmProtection` component
    (named ``name``)."""
    if tier not in TIERS:
        raise EnrollError(f"enroll_vm {name}: tier {tier!r}: one of {', '.join(TIERS)}")
    if not isinstance(region, str) or not region:
        raise EnrollError(f"enroll_vm {name}: region {region!r}: the VM's Azure region, e.g. 'westeurope'")
    problems = disk_selection_problems(backup_scope, data_disk_luns)
    if problems:
        raise EnrollError(f"enroll_vm {name}: " + "; ".join(problems))
    if isinstance(stack, pulumi.StackReference):
        ref, label = stack, stack._name  # noqa: SLF001 - the resource name is the stack name by convention
    elif isinstance(stack, str) and stack:
        ref, label = pulumi.StackReference(f"{name}-stack", stack_name=stack, opts=opts), stack
    else:
        raise EnrollError(f"enroll_vm {name}: stack {stack!r}: a pulumi.StackReference or a stack name"
                          " ('org/project/stack')")
    target = ref.outputs.apply(lambda outs: resolve_target(outs or {}, region, tier, label))
    return VmProtection(name, VmProtectionArgs(
        vm_id=vm_id, vm_name=vm_name, vm_resource_group_name=vm_resource_group_name,
        vault_name=target.apply(lambda t: t.vault_name),
        vault_resource_group_name=target.apply(lambda t: t.vault_resource_group_name),
        policy_id=target.apply(lambda t: t.policy_id),
        backup_scope=backup_scope, data_disk_luns=tuple(data_disk_luns), retain_on_delete=retain_on_delete,
    ), opts)
