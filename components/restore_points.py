"""``ConsistentSnapshots``: coordinated point-in-time copies of all of a VM's disks, copied to the DR region.

This is the seed's "Alternative solution: Consistent snapshots" and its "Copy the snapshots to another region",
and the answer to an RPO Azure Backup for VMs cannot reach (its floor is one backup every 4 hours; the config
error for ``rpoHours`` under 4 points here). A workload asks for it with ``consistentSnapshots``:

``method: restorePoints`` (default)
    Per VM a ``compute.RestorePointCollection`` (``rpc-<vm>``, in the VM's region and resource group,
    ``source.id`` = the VM) and per point in time a ``compute.RestorePoint`` ``rp-<point>``: Azure freezes
    and snapshots **all** the VM's disks together, application-consistent (VSS on Windows, pre/post scripts on
    Linux; Azure's default, so no ``consistencyMode`` is sent) or crash-consistent
    (``consistencyMode: CrashConsistent``). With ``copyToDrRegion`` (default), a second collection
    ``rpc-<vm>-<dr-region>`` in the DR region (``source.id`` = the first collection) receives a copy of each
    restore point (``sourceRestorePoint.id`` = the source restore point): Azure's cross-region restore point
    copy.
``method: incrementalSnapshots``
    Per VM and point in time, one incremental ``compute.Snapshot`` of every disk (``incremental: true``,
    ``createOption: Copy``, source = the disk) named ``snap-<vm>-<disk>-<point>``, declared together as one
    set; with ``copyToDrRegion`` each is copied into the DR region (``incremental: true``,
    ``createOption: CopyStart``, ``location`` = the DR region, source = the snapshot) as
    ``snap-<vm>-<disk>-<point>-<dr-region>``. These are crash-consistent unless the VM is stopped or its
    file systems frozen (``fsfreeze``) while the set is taken (the seed's "freeze, flush, snapshot" steps).

Copies land in a resource group in the DR region (``rg-<namePrefix>-recovery-<dr-region>``), so they stay
manageable when the primary region's control plane is down. A disk's source snapshots are declared in label
order (each depends on the previous point's), so creation order is label order, as Azure's "Snapshots must be
copied in the order they were created" needs. Caveat (audit W10): Azure copies "only one incremental snapshot
of a particular disk at a time", and a ``CopyStart`` returns when the copy *starts*, so ``depends_on`` on the
previous copy does not wait for it to finish: add at most one new point in time per ``pulumi up`` and let its
copies reach ``completionPercent`` 100 first
(https://learn.microsoft.com/azure/virtual-machines/disks-copy-incremental-snapshot-across-regions). The
restore-point copy is a public preview (REST only; no private links; sequential copies;
https://learn.microsoft.com/azure/virtual-machines/virtual-machines-restore-points-copy), and crash-consistent
restore points are not supported on Premium SSD v2 / Ultra disks (the config refuses that combination).

What a Pulumi-declared snapshot is (docs/operations.md)
-------------------------------------------

A restore point or snapshot declared here is taken **when ``pulumi up`` creates it**, not on a schedule:
Pulumi declares *that a set for point ``20260101t0000z`` exists*; the label is a name, not a clock. Later ``up``
runs leave existing sets alone (their inputs don't change), so a set is a true point-in-time copy.

* **Take fresh sets on a schedule:** add a label to ``consistentSnapshots.pointsInTime`` and run
  ``pulumi up`` from a scheduled pipeline, e.g. every hour::

      label=$(date -u +%Y%m%dt%H00z)
      pulumi config set --path "workloads.database.consistentSnapshots.pointsInTime[${n}]" "$label"
      pulumi up --yes --stack prod

  (or keep the list in the pipeline and write it with ``pulumi config set --path``). The RPO you achieve is
  the pipeline's interval, and the report shows it.
* **Retire old sets:** remove the label from the list and run ``pulumi up``: Pulumi deletes that set (the
  DR copies first, they depend on the sources). Delete in order: Azure copies a disk's incremental snapshots
  oldest first, and a ``CopyStart`` target is usable only when its ``completionPercent`` is 100 (check with
  ``az snapshot show --query completionPercent``); don't remove the newest source while its copy is running,
  and keep at least one completed set in the DR region.
* Pulumi does not wait for a cross-region copy to finish: ``up`` returns when the copy has started. The
  generated runbook (``python -m posture runbook``) shows how to check and promote a copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Optional

import pulumi
import pulumi_azure_native.compute as compute

from .config import ConsistentSnapshotsInput, StackConfig, Workload


def recovery_resource_group_name(prefix: str, region: str) -> str:
    """The resource group in ``region`` that holds copies of restore points and snapshots."""
    return f"rg-{prefix}-recovery-{region}"


@dataclass(frozen=True)
class DiskSource:
    """A managed disk to snapshot: ``key`` is ``os`` or ``lun<N>``."""

    key: str
    disk_id: pulumi.Input[str]


@dataclass(frozen=True)
class VmSource:
    """A VM whose disks are copied together."""

    #: Stable name of the VM (its Azure name), used in Pulumi and Azure names.
    vm_name: str
    vm_id: pulumi.Input[str]
    #: The VM's resource group: the primary restore point collection / snapshots go there.
    resource_group_name: pulumi.Input[str]
    disks: Sequence[DiskSource] = ()

    @classmethod
    def from_compute(cls, vm: Any) -> VmSource:
        """From a ``components.workload_compute.ComputeVm`` (duck-typed: ``vm_id``, ``resource_group_name``,
        ``os_disk``/``data_disks`` with ``lun``, ``disk_name``, ``disk_id``)."""
        vm_name = vm.os_disk.disk_name.removesuffix("-os")
        disks = [DiskSource("os", vm.os_disk.disk_id)]
        disks += [DiskSource(f"lun{d.lun}", d.disk_id) for d in vm.data_disks]
        return cls(vm_name=vm_name, vm_id=vm.vm_id, resource_group_name=vm.resource_group_name, disks=disks)


@dataclass(frozen=True)
class ConsistentSnapshotsArgs:
    """Inputs of :class:`ConsistentSnapshots`."""

    workload: str
    region: str
    dr_region: str
    settings: ConsistentSnapshotsInput
    vms: Sequence[VmSource]
    #: Resource group in the DR region for the copies (unused when ``copy_to_dr_region`` is off).
    dr_resource_group_name: Optional[pulumi.Input[str]] = None
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, w: Workload, vms: Sequence[VmSource],
                    dr_resource_group_name: Optional[pulumi.Input[str]]) -> ConsistentSnapshotsArgs:
        assert w.consistent_snapshots is not None
        return cls(workload=w.name, region=w.region, dr_region=w.dr_region, settings=w.consistent_snapshots,
                   vms=list(vms), dr_resource_group_name=dr_resource_group_name, tags=dict(w.tags))


def points_in_time(settings: ConsistentSnapshotsInput) -> list[str]:
    """The configured labels, oldest first, without duplicates (``YYYYMMDDtHHMMz`` sorts chronologically)."""
    return sorted(set(settings.points_in_time))


def dr_regions_needing_copies(cfg: StackConfig) -> list[str]:
    """DR regions that receive restore point / snapshot copies, sorted."""
    return sorted({w.dr_region for w in cfg.workloads.values()
                   if w.consistent_snapshots is not None and w.consistent_snapshots.copy_to_dr_region})


class ConsistentSnapshots(pulumi.ComponentResource):
    """Restore point collections + restore points, or incremental snapshot sets, and their DR-region copies."""

    #: Point label -> VM name -> ARM id of the primary restore point (restorePoints) or snapshot ids by disk.
    sets: dict[str, dict[str, Any]]
    #: Same shape, for the copies in the DR region (empty without ``copy_to_dr_region``).
    dr_sets: dict[str, dict[str, Any]]

    def __init__(self, name: str, args: ConsistentSnapshotsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:restore_points:ConsistentSnapshots", name, None, opts)
        s = args.settings
        if s.copy_to_dr_region and args.dr_resource_group_name is None:
            raise ValueError(f"ConsistentSnapshotsArgs({args.workload!r}) needs dr_resource_group_name to copy"
                             f" to {args.dr_region}")
        self.sets = {p: {} for p in points_in_time(s)}
        self.dr_sets = {p: {} for p in points_in_time(s)} if s.copy_to_dr_region else {}
        for vm in args.vms:
            if s.method == "restorePoints":
                self._restore_points(name, args, vm)
            else:
                self._snapshots(name, args, vm)
        self.register_outputs({"sets": self.sets, "drSets": self.dr_sets})

    def _tags(self, args: ConsistentSnapshotsArgs, **extra: str) -> dict[str, str]:
        return {**args.tags, **extra}

    def _restore_points(self, name: str, args: ConsistentSnapshotsArgs, vm: VmSource) -> None:
        s = args.settings
        rpc = compute.RestorePointCollection(
            f"{name}-{vm.vm_name}-rpc",
            resource_group_name=vm.resource_group_name,
            restore_point_collection_name=f"rpc-{vm.vm_name}",
            location=args.region,
            source=compute.RestorePointCollectionSourcePropertiesArgs(id=vm.vm_id),
            tags=self._tags(args),
            opts=pulumi.ResourceOptions(parent=self),
        )
        dr_rpc = None
        if s.copy_to_dr_region:
            dr_rpc = compute.RestorePointCollection(
                f"{name}-{vm.vm_name}-rpc-dr",
                resource_group_name=args.dr_resource_group_name,
                restore_point_collection_name=f"rpc-{vm.vm_name}-{args.dr_region}",
                location=args.dr_region,
                source=compute.RestorePointCollectionSourcePropertiesArgs(id=rpc.id),
                tags=self._tags(args, **{"dr-copy-of": f"rpc-{vm.vm_name}"}),
                opts=pulumi.ResourceOptions(parent=self),
            )
        previous: Optional[pulumi.Resource] = None
        previous_copy: Optional[pulumi.Resource] = None
        for point in points_in_time(s):
            # one restore point at a time per collection, oldest first
            rp = compute.RestorePoint(
                f"{name}-{vm.vm_name}-{point}",
                resource_group_name=vm.resource_group_name,
                restore_point_collection_name=rpc.name,
                restore_point_name=f"rp-{point}",
                consistency_mode=(compute.ConsistencyModeTypes.CRASH_CONSISTENT
                                  if s.consistency == "CrashConsistent" else None),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[previous] if previous else None),
            )
            previous = rp
            self.sets[point][vm.vm_name] = rp.id
            if dr_rpc is not None:
                copy = compute.RestorePoint(
                    f"{name}-{vm.vm_name}-{point}-dr",
                    resource_group_name=args.dr_resource_group_name,
                    restore_point_collection_name=dr_rpc.name,
                    restore_point_name=f"rp-{point}",
                    source_restore_point=compute.ApiEntityReferenceArgs(id=rp.id),
                    opts=pulumi.ResourceOptions(parent=self,
                                                depends_on=[previous_copy] if previous_copy else None),
                )
                previous_copy = copy
                self.dr_sets[point][vm.vm_name] = copy.id

    def _snapshots(self, name: str, args: ConsistentSnapshotsArgs, vm: VmSource) -> None:
        s = args.settings
        previous_copy: dict[str, pulumi.Resource] = {}
        previous_source: dict[str, pulumi.Resource] = {}
        for point in points_in_time(s):
            self.sets[point][vm.vm_name] = {}
            if s.copy_to_dr_region:
                self.dr_sets[point][vm.vm_name] = {}
            for disk in vm.disks:
                snap_name = f"snap-{vm.vm_name}-{disk.key}-{point}"
                snap = compute.Snapshot(
                    f"{name}-{vm.vm_name}-{disk.key}-{point}",
                    resource_group_name=vm.resource_group_name,
                    snapshot_name=snap_name,
                    location=args.region,
                    incremental=True,
                    creation_data=compute.CreationDataArgs(create_option=compute.DiskCreateOption.COPY,
                                                           source_resource_id=disk.disk_id),
                    tags=self._tags(args, **{"dr-point-in-time": point}),
                    # source snapshots of a disk are created in label order (copies must follow creation order)
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[previous_source[disk.key]]
                                                if disk.key in previous_source else None),
                )
                previous_source[disk.key] = snap
                self.sets[point][vm.vm_name][disk.key] = snap.id
                if not s.copy_to_dr_region:
                    continue
                before = previous_copy.get(disk.key)
                copy = compute.Snapshot(
                    f"{name}-{vm.vm_name}-{disk.key}-{point}-dr",
                    resource_group_name=args.dr_resource_group_name,
                    snapshot_name=f"{snap_name}-{args.dr_region}",
                    location=args.dr_region,
                    incremental=True,
                    creation_data=compute.CreationDataArgs(create_option=compute.DiskCreateOption.COPY_START,
                                                           source_resource_id=snap.id),
                    tags=self._tags(args, **{"dr-point-in-time": point, "dr-copy-of": snap_name}),
                    # a disk's incremental snapshots copy one at a time, in creation order
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[before] if before else None),
                )
                previous_copy[disk.key] = copy
                self.dr_sets[point][vm.vm_name][disk.key] = copy.id


def declare_consistent_snapshots(cfg: StackConfig, vms_by_workload: Mapping[str, Sequence[Any]]
                                 ) -> dict[str, ConsistentSnapshots]:
    """A :class:`ConsistentSnapshots` per workload with ``consistentSnapshots`` (its VMs from
    ``vms_by_workload``: ``ComputeVm``-like objects, see :meth:`VmSource.from_compute`), and the recovery
    resource group of each DR region that receives copies."""
    from .resource_group import ResourceGroup, ResourceGroupArgs

    dr_groups = {
        region: ResourceGroup(f"recovery-{region}", ResourceGroupArgs(
            resource_group_name=recovery_resource_group_name(cfg.name_prefix, region), location=region,
            tags={**cfg.tags, "dr-purpose": "recovery-copies"})).name
        for region in dr_regions_needing_copies(cfg)
    }
    out = {}
    for w in cfg.workloads.values():
        if w.consistent_snapshots is None:
            continue
        vms = [VmSource.from_compute(vm) for vm in vms_by_workload.get(w.name, [])]
        dr_rg = dr_groups.get(w.dr_region) if w.consistent_snapshots.copy_to_dr_region else None
        out[w.name] = ConsistentSnapshots(f"snapshots-{w.name}", ConsistentSnapshotsArgs.from_config(w, vms, dr_rg))
    return out
