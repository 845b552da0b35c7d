"""Change rule on VMs and managed disks: data that a replace or delete would take (AZDR-CHG-009).

Wire paths: `azure-native:compute:VirtualMachine` `storageProfile.osDisk.{name,deleteOption}` and
`storageProfile.dataDisks[].{name,managedDisk.id,deleteOption}`; `azure-native:compute:Disk` `diskName`
(installed SDK `compute/_inputs.py` `OSDiskArgs`, `DataDiskArgs`, `DiskDeleteOptionTypes` Delete/Detach).
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from ..framework import ConfigKey, Rule, RuleConfig
from ..props import DISK, VIRTUAL_MACHINE
from .model import Change, ChangeFinding, ChangeSet, State, disk_name, lookup, text

# https://learn.microsoft.com/azure/virtual-machines/delete (deleteOption: Delete removes the disk with the
# VM; Detach, the API default, keeps it)
LEARN_VM_DELETE = "https://learn.microsoft.com/azure/virtual-machines/delete"
# https://learn.microsoft.com/azure/virtual-machines/managed-disks-overview
LEARN_DISKS = "https://learn.microsoft.com/azure/virtual-machines/managed-disks-overview"
# https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources (tags change in place)
LEARN_TAGS = "https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources"


def vm_disks(vm: State) -> tuple[list[str], list[str]]:
    """(disks deleted with the VM, disks detached and kept) by their deleteOption (not set: Detach)."""
    deleted, kept = [], []
    os_name = lookup(vm.inputs, "storageProfile.osDisk.name")
    os_name = os_name if isinstance(os_name, str) else f"{vm.name} OS disk"
    (deleted if text(lookup(vm.inputs, "storageProfile.osDisk.deleteOption")) == "delete" else kept).append(os_name)
    disks = lookup(vm.inputs, "storageProfile.dataDisks")
    for d in disks if isinstance(disks, list) else []:
        name = lookup(d, "name")
        if not isinstance(name, str):
            ref = lookup(d, "managedDisk.id")
            name = ref.rstrip("/").rsplit("/", 1)[-1] if isinstance(ref, str) else f"LUN {lookup(d, 'lun')}"
        (deleted if text(lookup(d, "deleteOption")) == "delete" else kept).append(name)
    return deleted, kept


def _why(c: Change) -> str:
    return f" (because of {', '.join(c.diff)})" if c.op == "replace" and c.diff else ""


def check_compute_data_lost(cs: ChangeSet, cfg: RuleConfig) -> Iterable[ChangeFinding]:
    for c in [*cs.of_type(VIRTUAL_MACHINE), *cs.of_type(DISK)]:
        if c.old is None or c.old.retain_on_delete:
            continue
        verb = "deleted from the stack" if c.op == "delete" else "replaced"
        if c.removes_old:
            if c.type == DISK:
                yield ChangeFinding(
                    f"managed disk '{disk_name(c.old)}' would be {verb}{_why(c)}: the data on it is gone (only "
                    "backups or snapshots keep it); restore-test first, or keep the disk with retainOnDelete", c)
            else:
                deleted, kept = vm_disks(c.old)
                if not deleted and not cfg["reportWithoutDataLoss"]:
                    continue
                lost = f"disks deleted with it: {', '.join(deleted)}" if deleted else "no disk is deleted with it"
                rest = f"; detached and kept: {', '.join(kept)}" if kept else ""
                yield ChangeFinding(
                    f"VM '{c.name}' would be {verb}{_why(c)}: {lost}{rest}; the VM's backups stay in the vault", c)
        elif c.provider_decides():
            changed = ", ".join(k for k in c.diff if k != "tags")
            yield ChangeFinding(
                f"{'managed disk' if c.type == DISK else 'VM'} '{c.name}' changes {changed}: offline, only the "
                "provider knows whether this forces a replace (deleting its data); run `pulumi preview --json` "
                "and `posture check --preview-json`", c, unknown=True)


COMPUTE_DATA_LOST = Rule(
    id="AZDR-CHG-009",
    name="change-vm-or-disk-replaced-or-deleted",
    title="A change that replaces or deletes a VM or a managed disk names the disks whose data would go.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(VIRTUAL_MACHINE, DISK),
    seed_section="Azure IaaS resiliency",
    rationale=(
        "A replace-forcing change (a disk's zone or creation data, a VM's name or image) or a workload dropped "
        "from config deletes disks: the OS disk with the VM when its deleteOption is Delete, a managed disk "
        "resource when it is replaced. The reviewer must see which disks lose their data before `pulumi up`."
    ),
    remediation=(
        "Avoid the replace-forcing change, or take and verify a backup or snapshot first and record an "
        "exemption for the resource; keep disks that must survive with retainOnDelete."
    ),
    snippet="""
compute.Disk("data-0", ..., opts=pulumi.ResourceOptions(retain_on_delete=True))
""",
    links=(LEARN_VM_DELETE, LEARN_DISKS, LEARN_TAGS),
    unknown="advisory",
    unknown_note=(
        "Offline (`--baseline`) an update of anything but tags may or may not force a replace: only the provider "
        "knows, so the finding is advisory. Tags always change in place."
    ),
    missing="A disk without deleteOption is detached (kept) when its VM is deleted: the API default.",
    check=check_compute_data_lost,
    config=(
        ConfigKey("reportWithoutDataLoss", "boolean", True,
                  "Also report a VM replaced or deleted when none of its disks is deleted with it (all detached)."),
    ),
    tags=("change", "compute", "disks"),
)

RULES = [COMPUTE_DATA_LOST]
