"""The DR posture of a declared stack, read from its registrations (the one place in ``posture/``, with
:mod:`posture.runbook`, that knows Azure resource types; docs/DESIGN.md).

:func:`build` groups the azure-native registrations by the ``dr-workload`` tag (docs/DESIGN.md) and joins
them: VMs -> availability set, protected items (``sourceResourceId``) -> backup policy (``policyId``) and
vault (``vaultName``), restore point collections (``source.id``) and their DR copies, incremental snapshot
sets (``dr-point-in-time`` tag) and their ``CopyStart`` copies, gallery image versions. :func:`render_markdown`
/ :func:`to_json` turn that into the posture report: target and achieved RPO, retention, where the copies
live, high availability, gaps, and a Mermaid diagram of the primary and DR regions.

Values the engine does not know yet (preview) are shown as ``<name known after pulumi up>``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from .capture import UNKNOWN, Registration

AFTER_UP = "<{} known after pulumi up>"
#: Azure's stated lag of a geo-redundant vault's secondary-region recovery points (cross-region restore).
CRR_SECONDARY_LAG = "Azure states up to 36 h of lag for the secondary region's recovery points"

T_VM = "azure-native:compute:VirtualMachine"
T_DISK = "azure-native:compute:Disk"
T_AVSET = "azure-native:compute:AvailabilitySet"
T_VAULT = "azure-native:recoveryservices:Vault"
T_POLICY = "azure-native:recoveryservices:ProtectionPolicy"
T_ITEM = "azure-native:recoveryservices:ProtectedItem"
T_RPC = "azure-native:compute:RestorePointCollection"
T_RP = "azure-native:compute:RestorePoint"
T_SNAPSHOT = "azure-native:compute:Snapshot"
T_IMAGE_VERSION = "azure-native:compute:GalleryImageVersion"
T_STORAGE = "azure-native:storage:StorageAccount"
T_CONTAINER = "azure-native:storage:BlobContainer"
T_NIC = "azure-native:network:NetworkInterface"
T_SUBNET = "azure-native:network:Subnet"


def known(value: Any) -> bool:
    return value is not None and value != UNKNOWN and "<pulumi.output.Unknown" not in str(value)


def show(value: Any, what: str = "name") -> str:
    """A value for display: unknown (preview) values become ``<name known after pulumi up>``."""
    if not known(value):
        return AFTER_UP.format(what)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


def _num(v: Any) -> Optional[int]:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


# --- model ------------------------------------------------------------------------------------------------


@dataclass
class Policy:
    name: Any
    policy_type: Optional[str]
    frequency: Optional[str]
    interval_hours: Optional[int]
    daily_days: Optional[int]
    weekly_weeks: Optional[int]
    monthly_months: Optional[int]
    yearly_years: Optional[int]
    instant_restore_days: Optional[int]


@dataclass
class Vault:
    name: Any
    resource_group: Any
    location: Any
    redundancy: Optional[str]
    cross_region_restore: Optional[str]


@dataclass
class Protection:
    vault: Optional[Vault]
    vault_name: Any
    vault_resource_group: Any
    container_name: Any
    item_name: Any
    policy: Optional[Policy]
    excluded_luns: list[int] = field(default_factory=list)
    included_luns: Optional[list[int]] = None
    os_disk_only: bool = False


@dataclass
class DiskInfo:
    key: str  # "os" or "lun<N>"
    name: Any
    sku: Optional[str]
    id: Any


@dataclass
class SnapshotSet:
    """One point in time of a VM: a restore point (and its DR copy) or incremental snapshots (and copies)."""

    point: str
    method: str  # "restorePoints" | "incrementalSnapshots"
    region: Any
    resource_group: Any
    names: list[Any]
    collection: Any = None
    dr_region: Any = None
    dr_resource_group: Any = None
    dr_names: list[Any] = field(default_factory=list)
    dr_collection: Any = None
    consistency: str = "ApplicationConsistent"


@dataclass
class Subnet:
    resource_group: Any
    vnet: Any
    name: Any
    id: Any


_SUBNET_ID = re.compile(r"/resourceGroups/([^/]+)/providers/Microsoft\.Network/virtualNetworks/([^/]+)/subnets/([^/]+)$",
                        re.IGNORECASE)


def _subnet_of(vm: Registration, nics: list[Registration], subnets: list[Registration],
               refers: Any) -> Optional[Subnet]:
    """The subnet of the VM's primary NIC: parsed from its ARM id when known (an existing subnet too), else from
    the declared ``Subnet`` the NIC depends on (preview)."""
    refs = _get(vm.inputs, "networkProfile", "networkInterfaces") or []
    ref = next((n for n in refs if n.get("primary")), refs[0] if refs else None)
    if ref is None:
        return None
    nic = next((n for n in nics if refers(vm, ref.get("id"), n)), None)
    if nic is None:
        return None
    ipcs = nic.inputs.get("ipConfigurations") or []
    ipc = next((c for c in ipcs if c.get("primary")), ipcs[0] if ipcs else {})
    sid = _get(ipc, "subnet", "id")
    m = _SUBNET_ID.search(sid) if known(sid) and isinstance(sid, str) else None
    if m:
        return Subnet(m.group(1), m.group(2), m.group(3), sid)
    sn = next((s for s in subnets if refers(nic, sid, s)), None)
    if sn is None:
        return Subnet(None, None, None, sid)
    return Subnet(sn.inputs.get("resourceGroupName"), sn.inputs.get("virtualNetworkName"),
                  sn.inputs.get("subnetName"), sid)


@dataclass
class Vm:
    name: Any
    resource_group: Any
    location: Any
    size: Any
    id: Any
    availability_set_id: Any
    security_type: Optional[str]
    os_disk: DiskInfo
    data_disks: list[DiskInfo]
    #: The primary NIC's subnet: (resource group, virtual network, subnet) names, each possibly unknown.
    subnet: Optional[Subnet] = None
    #: ``linux`` or ``windows`` (from the OS profile), as ``az vm create --os-type`` spells it.
    os_type: str = "linux"
    zones: list[str] = field(default_factory=list)
    admin_username: Any = None
    protection: Optional[Protection] = None
    snapshot_sets: list[SnapshotSet] = field(default_factory=list)


@dataclass
class AvailabilitySet:
    name: Any
    fault_domains: Optional[int]
    update_domains: Optional[int]
    members: int


@dataclass
class Image:
    gallery: Any
    resource_group: Any
    definition: Any
    version: Any
    id: Any
    target_regions: list[tuple[Any, Optional[int], Any]]


@dataclass
class Workload:
    name: str
    tier: str
    high_availability: bool
    target_rpo_hours: Optional[int]
    vms: list[Vm] = field(default_factory=list)
    availability_set: Optional[AvailabilitySet] = None
    image: Optional[Image] = None

    @property
    def region(self) -> Any:
        return self.vms[0].location if self.vms else None


@dataclass
class ConfigStore:
    account: Any
    sku: Any
    location: Any
    containers: list[Any]


@dataclass
class Model:
    stack: str
    workloads: list[Workload]
    vaults: list[Vault]
    config_store: Optional[ConfigStore]
    pairs: dict[str, str]

    def dr_region_of(self, region: Any) -> Any:
        return self.pairs.get(str(region))


def _policy(r: Registration) -> Policy:
    p = r.inputs.get("properties") or {}
    sched = p.get("schedulePolicy") or {}
    freq = sched.get("scheduleRunFrequency")
    interval = None
    if freq == "Hourly":
        interval = _num(_get(sched, "hourlySchedule", "interval")) or _num(_get(sched, "scheduleRunTimes"))
    elif freq == "Daily":
        interval = 24
    elif freq == "Weekly":
        interval = 168
    ret = p.get("retentionPolicy") or {}

    def count(k):
        return _num(_get(ret, k, "retentionDuration", "count"))

    daily = count("dailySchedule")
    if daily is None and ret.get("retentionPolicyType") == "SimpleRetentionPolicy":
        daily = _num(_get(ret, "retentionDuration", "count"))
    return Policy(name=r.inputs.get("policyName"), policy_type=p.get("policyType"), frequency=freq,
                  interval_hours=interval, daily_days=daily, weekly_weeks=count("weeklySchedule"),
                  monthly_months=count("monthlySchedule"), yearly_years=count("yearlySchedule"),
                  instant_restore_days=_num(p.get("instantRpRetentionRangeInDays")))


def _vault(r: Registration) -> Vault:
    rs = _get(r.inputs, "properties", "redundancySettings") or {}
    return Vault(name=r.inputs.get("vaultName"), resource_group=r.inputs.get("resourceGroupName"),
                 location=r.inputs.get("location"), redundancy=rs.get("standardTierStorageRedundancy"),
                 cross_region_restore=rs.get("crossRegionRestore"))


def build(resources: list[Registration], stack: str = "", pairs: Optional[dict[str, str]] = None) -> Model:
    """The DR model of the declared resources (see the module docstring)."""
    by_type: dict[str, list[Registration]] = {}
    for r in resources:
        if r.custom:
            by_type.setdefault(r.type, []).append(r)
    by_id = {r.id: r for r in resources if r.id}

    vaults = [_vault(r) for r in by_type.get(T_VAULT, [])]
    vault_by_name = {str(v.name): v for v in vaults}
    policy_by_id = {r.id: _policy(r) for r in by_type.get(T_POLICY, []) if r.id}
    items = by_type.get(T_ITEM, [])

    def refers(r: Registration, value: Any, target: Registration) -> bool:
        """``r`` points at ``target``: by ARM id when known, else by dependency (preview: ids unknown)."""
        if known(value) and target.id and known(target.id):
            return value == target.id
        return target.urn in r.dependencies
    disks_by_id = {r.id: r for r in by_type.get(T_DISK, []) if r.id}

    rpcs = by_type.get(T_RPC, [])
    rps = by_type.get(T_RP, [])
    snapshots = by_type.get(T_SNAPSHOT, [])

    workloads: dict[str, Workload] = {}
    for r in by_type.get(T_VM, []):
        tags = r.inputs.get("tags") or {}
        wname = tags.get("dr-workload", "(untagged)")
        w = workloads.get(wname)
        if w is None:
            rpo = tags.get("dr-rpo-hours")
            w = workloads[wname] = Workload(
                name=wname, tier=tags.get("dr-tier", "(untagged)"),
                high_availability=tags.get("dr-high-availability") == "true",
                target_rpo_hours=int(rpo) if isinstance(rpo, str) and rpo.isdigit() else None)
        sp = r.inputs.get("storageProfile") or {}
        os_disk = sp.get("osDisk") or {}
        vm_id = r.id
        vm = Vm(
            name=r.inputs.get("vmName"), resource_group=r.inputs.get("resourceGroupName"),
            location=r.inputs.get("location"), size=_get(r.inputs, "hardwareProfile", "vmSize"), id=vm_id,
            availability_set_id=_get(r.inputs, "availabilitySet", "id"),
            security_type=_get(r.inputs, "securityProfile", "securityType"),
            os_disk=DiskInfo("os", os_disk.get("name"), _get(os_disk, "managedDisk", "storageAccountType"), None),
            data_disks=[],
            subnet=_subnet_of(r, by_type.get(T_NIC, []), by_type.get(T_SUBNET, []), refers),
            os_type="windows" if _get(r.inputs, "osProfile", "windowsConfiguration") is not None else "linux",
            zones=[str(z) for z in r.inputs.get("zones") or []],
            admin_username=_get(r.inputs, "osProfile", "adminUsername"),
        )
        for dd in sp.get("dataDisks") or []:
            lun = _num(dd.get("lun"))
            did = _get(dd, "managedDisk", "id")
            dreg = disks_by_id.get(did)
            vm.data_disks.append(DiskInfo(f"lun{lun}", dreg.inputs.get("diskName") if dreg else None,
                                          _get(dreg.inputs, "sku", "name") if dreg else None, did))
        item = next((it for it in items
                     if refers(it, _get(it.inputs, "properties", "sourceResourceId"), r)), None)
        if item is not None:
            props = item.inputs.get("properties") or {}
            excl = _get(props, "extendedProperties", "diskExclusionProperties") or {}
            luns = [int(x) for x in excl.get("diskLunList") or [] if isinstance(x, (int, float))]
            inclusion = excl.get("isInclusionList")
            vm.protection = Protection(
                vault=vault_by_name.get(str(item.inputs.get("vaultName"))), vault_name=item.inputs.get("vaultName"),
                vault_resource_group=item.inputs.get("resourceGroupName"),
                container_name=item.inputs.get("containerName"), item_name=item.inputs.get("protectedItemName"),
                policy=policy_by_id.get(props.get("policyId")),
                excluded_luns=luns if inclusion is False else [],
                included_luns=luns if inclusion is True else None,
                os_disk_only=inclusion is True and not luns,
            )
        # restore points: collection sourced from the VM, its DR copy sourced from the collection
        for rpc in rpcs:
            if not refers(rpc, _get(rpc.inputs, "source", "id"), r):
                continue
            copy = next((c for c in rpcs if c is not rpc and refers(c, _get(c.inputs, "source", "id"), rpc)), None)
            for rp in rps:
                if not refers(rp, rp.inputs.get("restorePointCollectionName"), rpc) and not (
                        known(rp.inputs.get("restorePointCollectionName"))
                        and rp.inputs.get("restorePointCollectionName") == rpc.inputs.get("restorePointCollectionName")
                        and rp.inputs.get("resourceGroupName") == rpc.inputs.get("resourceGroupName")):
                    continue
                if _get(rp.inputs, "sourceRestorePoint", "id") is not None:
                    continue  # a copy: listed with its source
                rp_name = rp.inputs.get("restorePointName")
                point = str(rp_name).removeprefix("rp-")
                s = SnapshotSet(point=point, method="restorePoints", region=rpc.inputs.get("location"),
                                resource_group=rpc.inputs.get("resourceGroupName"), names=[rp_name],
                                collection=rpc.inputs.get("restorePointCollectionName"),
                                consistency=rp.inputs.get("consistencyMode") or "ApplicationConsistent")
                if copy is not None:
                    dr_rp = next((x for x in rps if _get(x.inputs, "sourceRestorePoint") is not None
                                  and refers(x, _get(x.inputs, "sourceRestorePoint", "id"), rp)), None)
                    if dr_rp is not None:
                        s.dr_region = copy.inputs.get("location")
                        s.dr_resource_group = copy.inputs.get("resourceGroupName")
                        s.dr_collection = copy.inputs.get("restorePointCollectionName")
                        s.dr_names = [dr_rp.inputs.get("restorePointName")]
                vm.snapshot_sets.append(s)
        # incremental snapshots of this VM's disks, grouped by point in time
        disk_ids = {d.id for d in vm.data_disks if d.id}
        sets: dict[str, SnapshotSet] = {}
        for sn in snapshots:
            cd = sn.inputs.get("creationData") or {}
            if cd.get("createOption") != "Copy":
                continue
            src = cd.get("sourceResourceId")
            is_os = isinstance(src, str) and isinstance(vm.os_disk.name, str) and src.endswith(f"/disks/{vm.os_disk.name}")
            if src not in disk_ids and not is_os:
                continue
            point = (sn.inputs.get("tags") or {}).get("dr-point-in-time", "?")
            s = sets.setdefault(point, SnapshotSet(point=point, method="incrementalSnapshots",
                                                   region=sn.inputs.get("location"),
                                                   resource_group=sn.inputs.get("resourceGroupName"), names=[],
                                                   consistency="CrashConsistent"))
            s.names.append(sn.inputs.get("snapshotName"))
            copy = next((c for c in snapshots if _get(c.inputs, "creationData", "createOption") == "CopyStart"
                         and refers(c, _get(c.inputs, "creationData", "sourceResourceId"), sn)), None)
            if copy is not None:
                s.dr_region = copy.inputs.get("location")
                s.dr_resource_group = copy.inputs.get("resourceGroupName")
                s.dr_names.append(copy.inputs.get("snapshotName"))
        vm.snapshot_sets.extend(sets[p] for p in sorted(sets))
        w.vms.append(vm)

    for avr in by_type.get(T_AVSET, []):
        members = [vm for w in workloads.values() for vm in w.vms if vm.availability_set_id == avr.id and avr.id]
        if not members:
            continue
        wname = (avr.inputs.get("tags") or {}).get("dr-workload")
        owner = workloads.get(wname) or next(w for w in workloads.values() if members[0] in w.vms)
        owner.availability_set = AvailabilitySet(
            name=avr.inputs.get("availabilitySetName"), fault_domains=_num(avr.inputs.get("platformFaultDomainCount")),
            update_domains=_num(avr.inputs.get("platformUpdateDomainCount")), members=len(members))

    for iv in by_type.get(T_IMAGE_VERSION, []):
        wname = (iv.inputs.get("tags") or {}).get("dr-workload")
        if wname in workloads:
            targets = [(t.get("name"), _num(t.get("regionalReplicaCount")), t.get("storageAccountType"))
                       for t in _get(iv.inputs, "publishingProfile", "targetRegions") or []]
            workloads[wname].image = Image(
                gallery=iv.inputs.get("galleryName"), resource_group=iv.inputs.get("resourceGroupName"),
                definition=iv.inputs.get("galleryImageName"), version=iv.inputs.get("galleryImageVersionName"),
                id=iv.id, target_regions=targets)

    config_store = None
    for sa in by_type.get(T_STORAGE, []):
        if (sa.inputs.get("tags") or {}).get("dr-purpose") == "configuration-backup":
            containers = [c.inputs.get("containerName") for c in by_type.get(T_CONTAINER, [])
                          if c.inputs.get("accountName") == sa.inputs.get("accountName")]
            config_store = ConfigStore(account=sa.inputs.get("accountName"), sku=_get(sa.inputs, "sku", "name"),
                                       location=sa.inputs.get("location"), containers=containers)
    if pairs is None:
        pairs = _pairs()
    return Model(stack=stack, workloads=list(workloads.values()), vaults=vaults, config_store=config_store,
                 pairs=pairs)


def _pairs() -> dict[str, str]:
    try:  # the project's own region table, when the program's modules are importable
        from components.regions import REGION_PAIRS  # type: ignore[import-not-found]

        return dict(REGION_PAIRS)
    except Exception:  # noqa: BLE001 - the report works without it (DR region from the declared copies)
        return {}


# --- report -----------------------------------------------------------------------------------------------


def _label_time(point: str) -> Optional[datetime]:
    try:
        return datetime.strptime(point, "%Y%m%dt%H%Mz")
    except ValueError:
        return None


def snapshot_interval_hours(w: Workload) -> Optional[float]:
    """Smallest gap between consecutive declared sets of a VM (hours), or None with fewer than two."""
    points = sorted({s.point for vm in w.vms for s in vm.snapshot_sets})
    times = [t for t in (_label_time(p) for p in points) if t is not None]
    gaps = [(b - a).total_seconds() / 3600 for a, b in zip(times, times[1:])]
    return min(gaps) if gaps else None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _hours(h: Optional[float]) -> str:
    if h is None:
        return "-"
    return f"{int(h)} h" if float(h).is_integer() else f"{h:g} h"


def workload_summary(m: Model, w: Workload) -> dict[str, Any]:
    """The numbers and gaps of one workload (the JSON report's element; the Markdown renders the same)."""
    policies = [vm.protection.policy for vm in w.vms if vm.protection and vm.protection.policy]
    policy = policies[0] if policies else None
    vaults = [vm.protection.vault for vm in w.vms if vm.protection and vm.protection.vault]
    vault = vaults[0] if vaults else None
    region = show(w.region, "region")
    sets = [s for vm in w.vms for s in vm.snapshot_sets]
    dr_regions = sorted({show(s.dr_region, "region") for s in sets if s.dr_region is not None})
    copies: list[str] = []
    if vault is not None:
        copies.append(f"vault {show(vault.name)} in {show(vault.location, 'region')} ({vault.redundancy or '?'})")
        if vault.redundancy == "GeoRedundant":
            pair = m.dr_region_of(vault.location)
            crr = "cross-region restore enabled" if vault.cross_region_restore == "Enabled" else \
                "cross-region restore disabled"
            copies.append(f"vault secondary in {pair or 'the paired region'} ({crr})")
    if sets:
        methods = sorted({s.method for s in sets})
        copies.append(f"{'/'.join(methods)} in {region}")
        for r in dr_regions:
            copies.append(f"{'/'.join(methods)} copies in {r}")
    if w.image is not None:
        copies.append("image replicas in " + ", ".join(
            f"{show(n, 'region')} ({c}x {show(t, 'type')})" for n, c, t in w.image.target_regions))
    snap_interval = snapshot_interval_hours(w)
    achieved = policy.interval_hours if policy else None
    gaps: list[str] = []
    unprotected = [show(vm.name) for vm in w.vms if vm.protection is None]
    if unprotected:
        gaps.append("no Azure Backup protected item for " + ", ".join(unprotected))
    if w.target_rpo_hours is not None and achieved is not None and achieved > w.target_rpo_hours:
        gaps.append(f"backups every {achieved} h miss the {w.target_rpo_hours} h RPO")
    if vault is not None and vault.redundancy != "GeoRedundant":
        gaps.append(f"vault {show(vault.name)} is {vault.redundancy}: backups do not leave {show(vault.location, 'region')}")
    elif vault is not None and vault.cross_region_restore != "Enabled":
        gaps.append("cross-region restore is disabled: the geo copy is restorable only after a Microsoft failover")
    elif vault is not None:
        gaps.append(f"DR-region restores use the vault's secondary copy ({CRR_SECONDARY_LAG})")
    if any(vm.protection and vm.protection.os_disk_only for vm in w.vms):
        gaps.append("only OS disks are backed up (backupScope osDiskOnly): data disks must be rebuilt")
    if w.high_availability:
        avs = w.availability_set
        if avs is None:
            gaps.append("asks for high availability but has no availability set")
        elif avs.members < 2:
            gaps.append(f"availability set {show(avs.name)} holds {avs.members} VM (needs 2 or more)")
        elif avs.fault_domains is not None and avs.fault_domains < 2:
            gaps.append(f"availability set {show(avs.name)} has {avs.fault_domains} fault domain: its VMs share one"
                        " rack and fail together (needs 2 or more)")
    else:
        zones = sorted({z for vm in w.vms for z in vm.zones})
        gaps.append(f"not highly available: {_count(len(w.vms), 'VM')}, no availability set"
                    + (f" (zonal: zone {', '.join(zones)})" if zones else ""))
    if sets and not dr_regions:
        gaps.append("restore points / snapshots stay in the primary region (copyToDrRegion off)")
    if sets and snap_interval is None:
        gaps.append("one consistent set only: add points in time from a scheduled pipeline for a snapshot RPO")
    if sets and any(s.method == "incrementalSnapshots" for s in sets):
        gaps.append("incremental snapshot sets are crash-consistent unless the VM is frozen or stopped")
    if sets and any(s.method == "restorePoints" and s.consistency == "CrashConsistent" for s in sets):
        gaps.append("restore points are crash-consistent (consistency CrashConsistent): applications recover as"
                    " after a power loss")
    avs = w.availability_set
    return {
        "workload": w.name,
        "tier": w.tier,
        "region": region,
        "vmCount": len(w.vms),
        "targetRpoHours": w.target_rpo_hours,
        "achievedRpoHours": achieved,
        "backupFrequency": policy.frequency if policy else None,
        "policyType": policy.policy_type if policy else None,
        "snapshotIntervalHours": snap_interval,
        "snapshotSets": len({s.point for s in sets}),
        "retention": None if policy is None else {
            "dailyDays": policy.daily_days, "weeklyWeeks": policy.weekly_weeks,
            "monthlyMonths": policy.monthly_months, "yearlyYears": policy.yearly_years,
            "instantRestoreDays": policy.instant_restore_days,
        },
        "copies": copies,
        "highAvailability": {
            "requested": w.high_availability,
            "availabilitySet": show(avs.name) if avs else None,
            "faultDomains": avs.fault_domains if avs else None,
            "updateDomains": avs.update_domains if avs else None,
            "members": avs.members if avs else 0,
        },
        "gaps": gaps,
    }


def to_json(m: Model) -> dict[str, Any]:
    return {
        "stack": m.stack,
        "workloads": [workload_summary(m, w) for w in m.workloads],
        "configurationBackup": None if m.config_store is None else {
            "account": show(m.config_store.account), "sku": m.config_store.sku,
            "region": show(m.config_store.location, "region"), "containers": [show(c) for c in m.config_store.containers],
        },
    }


def render_json(m: Model) -> str:
    return json.dumps(to_json(m), indent=2) + "\n"


def _retention_text(r: Optional[dict]) -> str:
    if r is None:
        return "-"
    parts = [f"{r['dailyDays']} d" if r["dailyDays"] else None,
             f"{r['weeklyWeeks']} w" if r["weeklyWeeks"] else None,
             f"{r['monthlyMonths']} m" if r["monthlyMonths"] else None,
             f"{r['yearlyYears']} y" if r["yearlyYears"] else None]
    text = " / ".join(p for p in parts if p) or "-"
    if r["instantRestoreDays"]:
        text += f"; snapshots {r['instantRestoreDays']} d"
    return text


def _ha_text(h: dict) -> str:
    if h["availabilitySet"] is None:
        return "no" + (" (requested)" if h["requested"] else "")
    return f"yes: {h['members']} VMs, {h['faultDomains']} fault / {h['updateDomains']} update domains"


def _mid(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _label(text: str) -> str:
    """Text for a quoted Mermaid label: ``"``, ``<`` and ``>`` as Mermaid entity codes (an unknown value's
    ``<name known after pulumi up>`` would otherwise be read as an HTML tag and vanish); ``<br/>`` kept."""
    parts = str(text).split("<br/>")
    return "<br/>".join(p.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
                        for p in parts)


def mermaid(m: Model) -> str:
    """A flowchart of the primary and DR regions: workloads, vaults and their copies."""
    lines = ["```mermaid", "flowchart LR"]
    regions: dict[str, list[str]] = {}
    edges: list[str] = []

    dr_targets: set[str] = set()  # regions that receive a copy (a same-region vault is not "DR")

    def node(region: str, nid: str, label: str, dr: bool = False) -> None:
        regions.setdefault(region, [])
        if dr:
            dr_targets.add(region)
        entry = f'    {nid}["{_label(label)}"]'
        if entry not in regions[region]:
            regions[region].append(entry)

    for v in m.vaults:
        vr = show(v.location, "region")
        node(vr, f"vault_{_mid(str(v.name))}", f"vault {show(v.name)}<br/>{v.redundancy or '?'}")
        pair = m.dr_region_of(v.location)
        if v.redundancy == "GeoRedundant" and pair:
            node(pair, f"vault2_{_mid(str(v.name))}", f"{show(v.name)} secondary copy<br/>CRR {v.cross_region_restore}", dr=True)
            edges.append(f"  vault_{_mid(str(v.name))} -. geo-replication .-> vault2_{_mid(str(v.name))}")
    for w in m.workloads:
        s = workload_summary(m, w)
        wid = f"w_{_mid(w.name)}"
        ha = f"avset {s['highAvailability']['faultDomains']} FD" if s["highAvailability"]["availabilitySet"] else "single"
        node(s["region"], wid, f"{w.name} ({w.tier})<br/>{_count(s['vmCount'], 'VM')}, {ha}")
        vaults = {vm.protection.vault.name for vm in w.vms if vm.protection and vm.protection.vault}
        for vname in sorted(map(str, vaults)):
            label = f"backup every {_hours(s['achievedRpoHours'])}" if s["achievedRpoHours"] else "backup"
            edges.append(f'  {wid} -- "{_label(label)}" --> vault_{_mid(vname)}')
        dr_regions = sorted({show(x.dr_region, "region") for vm in w.vms for x in vm.snapshot_sets if x.dr_region})
        for r in dr_regions:
            cid = f"copies_{_mid(w.name)}" + (f"_{_mid(r)}" if len(dr_regions) > 1 else "")
            node(r, cid, f"{w.name} restore point / snapshot copies", dr=True)
            edges.append(f'  {wid} -- "consistent sets" --> {cid}')
        if w.image is not None:
            others = [(n, c) for n, c, _ in w.image.target_regions if show(n, "region") != s["region"]]
            for name, count in others:
                iid = f"img_{_mid(w.name)}" + (f"_{_mid(show(name, 'region'))}" if len(others) > 1 else "")
                node(show(name, "region"), iid, f"{w.name} image replicas x{count}", dr=True)
                edges.append(f"  {wid} -. image .-> {iid}")
    if m.config_store is not None:
        r = show(m.config_store.location, "region")
        node(r, "cfg", f"config backup {show(m.config_store.account)}<br/>{m.config_store.sku}")
        pair = m.dr_region_of(m.config_store.location)
        if pair:
            node(pair, "cfg2", "config backup secondary (read access)", dr=True)
            edges.append("  cfg -. geo-replication .-> cfg2")
    primary = {show(w.region, "region") for w in m.workloads}
    for i, (region, nodes) in enumerate(sorted(regions.items(), key=lambda kv: (kv[0] not in primary, kv[0]))):
        role = " (primary)" if region in primary else " (DR)" if region in dr_targets else ""
        lines.append(f'  subgraph r{i}["{_label(region)}{role}"]')
        lines.extend("  " + n for n in nodes)
        lines.append("  end")
    lines.extend(edges)
    lines.append("```")
    return "\n".join(lines)


def render_markdown(m: Model, heading: str = "##") -> str:
    out = [f"{heading} DR posture" + (f" of stack `{m.stack}`" if m.stack else ""), ""]
    if not m.workloads:
        out += ["No VMs tagged with `dr-workload` are declared.", ""]
        return "\n".join(out)
    out += ["| workload | tier | target RPO | achieved RPO (backup) | snapshot sets | retention | copies |"
            " highly available |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    summaries = [workload_summary(m, w) for w in m.workloads]
    for s in summaries:
        achieved = f"{_hours(s['achievedRpoHours'])} ({s['backupFrequency']}, {s['policyType']})" \
            if s["achievedRpoHours"] else "none"
        sets = "-" if not s["snapshotSets"] else (
            f"{s['snapshotSets']}, every {_hours(s['snapshotIntervalHours'])}" if s["snapshotIntervalHours"]
            else f"{s['snapshotSets']} (taken at pulumi up)")
        out.append(f"| `{s['workload']}` | {s['tier']} | {_hours(s['targetRpoHours'])} | {achieved} | {sets} | "
                   f"{_retention_text(s['retention'])} | {'; '.join(s['copies']) or '-'} | "
                   f"{_ha_text(s['highAvailability'])} |")
    out.append("")
    out.append(f"{heading}# Gaps")
    out.append("")
    for s in summaries:
        for g in s["gaps"]:
            out.append(f"- `{s['workload']}`: {g}")
    if m.config_store is not None:
        c = m.config_store
        out += ["", f"Configuration backup: storage account `{show(c.account)}` ({c.sku}) in "
                f"{show(c.location, 'region')}, containers " + ", ".join(f"`{show(x)}`" for x in c.containers) + "."]
    out += ["", mermaid(m), ""]
    return "\n".join(out)
