"""Change rules on VMs, managed disks and snapshots: data that a replace or delete would take (AZDR-CHG-009),
and cross-region copies of one disk's incremental snapshots that would overlap (AZDR-CHG-013).

Wire paths: `azure-native:compute:VirtualMachine` `storageProfile.osDisk.{name,deleteOption}` and
`storageProfile.dataDisks[].{name,managedDisk.id,deleteOption}`; `azure-native:compute:Disk` `diskName`
(installed SDK `compute/_inputs.py` `OSDiskArgs`, `DataDiskArgs`, `DiskDeleteOptionTypes` Delete/Detach);
`azure-native:compute:Snapshot` `incremental`, `creationData.{createOption,sourceResourceId}` (`CreationDataArgs`,
`DiskCreateOption` `Copy` = a snapshot of a disk, `CopyStart` = a cross-region copy of a snapshot).
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from ..facts import SNAPSHOT_COPIES_PER_DISK_AT_ONCE, SNAPSHOT_COPY_URL
from ..framework import ConfigKey, Rule, RuleConfig
from ..props import DISK, SNAPSHOT, VIRTUAL_MACHINE
from .model import UNKNOWN, Change, ChangeFinding, ChangeSet, State, disk_name, lookup, text

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


# ---- AZDR-CHG-013 ------------------------------------------------------------------------------

# https://learn.microsoft.com/azure/virtual-machines/disks-copy-incremental-snapshot-across-regions
# ("Restrictions": you can only copy one incremental snapshot of a particular disk at a time; snapshots must be
# copied in the order they were created; a CopyStart returns when the copy starts, so Pulumi's dependsOn on
# the previous copy does not wait for it to complete). The limit is the pack's generated fact
# SNAPSHOT_COPIES_PER_DISK_AT_ONCE.
LEARN_SNAPSHOT_COPY = SNAPSHOT_COPY_URL
LEARN_INCREMENTAL = "https://learn.microsoft.com/azure/virtual-machines/disks-incremental-snapshots"


def is_snapshot_copy(state: State) -> bool:
    """A cross-region copy of a snapshot: `creationData.createOption` CopyStart (Azure copies incremental
    snapshots that way; `incremental: false` is not a copy of this kind)."""
    return text(state.get("creationData.createOption")) == "copystart" and state.get("incremental") is not False


def _snapshots_by_id(cs: ChangeSet) -> dict[str, State]:
    out: dict[str, State] = {}
    for c in cs.of_type(SNAPSHOT):
        for st in (c.old, c.new):  # the new state wins
            if st is not None and st.arm_id():
                out[st.arm_id()] = st
    return out


def _source(cs: ChangeSet, state: State, by_id: dict[str, State]) -> tuple[State | None, str | None]:
    """(the snapshot of the stack `creationData.sourceResourceId` names, else None; the id when known)."""
    src = state.get("creationData.sourceResourceId")
    if isinstance(src, str) and src:
        return by_id.get(src.rstrip("/").lower()), src
    if src is UNKNOWN:  # known after `up`: the property dependency names the source resource
        urns = state.property_dependencies.get("creationData") or ()
        for urn in sorted(urns):
            c = cs.new_by_urn.get(urn) or cs.old_by_urn.get(urn)
            if c is not None:
                return (c.new or c.old), None
    return None, None


def _copy_source_disk(cs: ChangeSet, copy: State, by_id: dict[str, State]) -> tuple[tuple[str, str] | None, str, bool]:
    """(grouping key, disk label, exact) of the disk whose snapshot `copy` copies. `exact` false: the disk is
    told only by a dependency on a resource that is not a managed disk (a VM whose OS disk it is)."""
    snap, snap_id = _source(cs, copy, by_id)
    if snap is None:
        if snap_id is None:
            return None, "", False
        name = snap_id.rstrip("/").rsplit("/", 1)[-1]
        return ("snapshot", snap_id.rstrip("/").lower()), f"the disk of snapshot '{name}'", True
    disk_id = snap.get("creationData.sourceResourceId")
    if isinstance(disk_id, str) and disk_id:
        return ("disk", disk_id.rstrip("/").lower()), f"disk '{disk_id.rstrip('/').rsplit('/', 1)[-1]}'", True
    urns = sorted(snap.property_dependencies.get("creationData") or ())
    if disk_id is UNKNOWN and urns:
        index = [cs.new_by_urn.get(u) or cs.old_by_urn.get(u) for u in urns]
        disks = [c for c in index if c is not None and c.type == DISK]
        if len(disks) == 1:
            st = disks[0].new or disks[0].old
            return ("urn", st.urn), f"disk '{disk_name(st)}'", True
        names = ", ".join(u.rsplit("::", 1)[-1] for u in urns)
        return ("urn", "|".join(urns)), f"the disk of {names} (known after `pulumi up`)", False
    name = snap.get("snapshotName")
    return ("urn", snap.urn), f"the disk of snapshot {name if isinstance(name, str) else snap.name}", False


def check_snapshot_copies_overlap(cs: ChangeSet, _cfg: RuleConfig) -> Iterable[ChangeFinding]:
    groups: dict[tuple[str, str], list[Change]] = {}
    labels: dict[tuple[str, str], tuple[str, bool]] = {}
    by_id = _snapshots_by_id(cs)
    for c in cs.of_type(SNAPSHOT):
        if c.op not in ("create", "replace") or c.new is None or not is_snapshot_copy(c.new):
            continue
        key, label, exact = _copy_source_disk(cs, c.new, by_id)
        if key is None:
            continue
        groups.setdefault(key, []).append(c)
        label0, exact0 = labels.get(key, (label, True))
        labels[key] = (label0, exact0 and exact)
    limit = SNAPSHOT_COPIES_PER_DISK_AT_ONCE
    for key, copies in groups.items():
        if len(copies) <= limit:
            continue
        label, exact = labels[key]
        names = ", ".join(c.name for c in copies)
        text_ = (
            f"{len(copies)} new cross-region copies of incremental snapshots of {label} in one update ({names}): "
            f"Azure copies at most {limit} incremental snapshot of a disk at a time, in creation order, and a "
            "CopyStart returns when the copy starts (dependsOn on the previous copy does not wait for it to "
            "complete), so the later copies fail; add one point in time per `pulumi up` and let its copies "
            "complete first")
        yield ChangeFinding(text_ if exact else text_ + " (which disk each source snapshot reads is known only "
                            "after `pulumi up`)", copies[limit], unknown=not exact)


SNAPSHOT_COPIES_OVERLAP = Rule(
    id="AZDR-CHG-013",
    name="change-snapshot-copies-overlap",
    title="One update starts at most one cross-region copy of a disk's incremental snapshots.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(SNAPSHOT, DISK),
    seed_section="Copy the snapshots to another region",
    rationale=(
        "The seed copies consistent snapshots to another region. Azure copies only one incremental snapshot of "
        "a particular disk at a time, in the order they were created, and a CopyStart returns as soon as the "
        "copy starts: Pulumi's dependsOn on the previous copy does not wait for it to complete. Two new copies "
        "of one disk's snapshots in one update overlap, and the later ones fail halfway through `pulumi up`."
    ),
    remediation=(
        "Add one point in time per `pulumi up` (the program refuses more) and let its copies reach "
        "completionPercent 100 before the next; retire old points in creation order."
    ),
    snippet="""
import pulumi_azure_native.compute as compute

# one new point in time per `pulumi up`; add the next after this copy's completionPercent reaches 100
compute.Snapshot("snap-data-20260102-dr", resource_group_name=dr_rg.name, location=dr_region, incremental=True,
    creation_data=compute.CreationDataArgs(create_option=compute.DiskCreateOption.COPY_START,
                                           source_resource_id=snap_20260102.id))
""",
    links=(LEARN_SNAPSHOT_COPY, LEARN_INCREMENTAL),
    unknown="advisory",
    unknown_note=(
        "Copies are grouped by the disk their source snapshot reads: by ARM id, else by the property dependency "
        "of a snapshot created in the same update. When that dependency is not a managed disk (a VM's OS disk, "
        "id known only after `up`) the finding is advisory."
    ),
    missing=(
        "Only `createOption: CopyStart` snapshots count (a copy with `incremental: false` does not); a copy "
        "whose source is neither known nor a dependency is not counted."
    ),
    check=check_snapshot_copies_overlap,
    tags=("change", "snapshots", "cross-region-copy"),
)

RULES = [COMPUTE_DATA_LOST, SNAPSHOT_COPIES_OVERLAP]
