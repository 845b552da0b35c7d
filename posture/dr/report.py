"""The DR posture report of a declared stack, read from its registrations (with :mod:`posture.dr.runbook` and
:mod:`posture.dr.site_recovery`, the one place in ``posture/`` that knows Azure resource types; docs/DESIGN.md).

:func:`build` groups the azure-native registrations by the ``dr-workload`` tag (docs/DESIGN.md) and joins
them: VMs -> availability set, protected items (``sourceResourceId``) -> backup policy (``policyId``) and
vault (``vaultName``), restore point collections (``source.id``) and their DR copies, incremental snapshot
sets (``dr-point-in-time`` tag) and their ``CopyStart`` copies, gallery image versions. :func:`render_markdown`
/ :func:`to_json` turn that into the posture report: target and achieved RPO in-region and cross-region
(``rpoHours: {inRegion: {target, achieved}, crossRegion: {target, achieved}}``), retention, where the copies
live, high availability, gaps, and a Mermaid diagram of the primary and DR regions.

Values the engine does not know yet (preview) are shown as ``<name known after pulumi up>``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from ..capture import Registration
from . import pack_facts, site_recovery
from .values import get, known, show

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
# issue 15: multi-user authorization, alert routing, Backup reports, private endpoints, locks
T_GUARD = "azure-native:dataprotection:ResourceGuard"
T_PROXY = "azure-native:recoveryservices:ResourceGuardProxy"
T_APR = "azure-native:alertsmanagement:AlertProcessingRuleByName"
T_ACTION_GROUP = "azure-native:monitor:ActionGroup"
T_DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
T_PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
T_LOCK = "azure-native:authorization:ManagementLockByScope"
#: Why the archive tier is a DR gap (https://learn.microsoft.com/azure/backup/archive-tier-support).
ARCHIVE_NO_CRR = "archived points cannot be restored cross-region (cross-region restore reads vault-standard points)"


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
    #: ``tieringPolicy.ArchivedRP`` as text ("after 3 Months", "TierRecommended"), None without archive tier.
    archive: Optional[str] = None


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
    refs = get(vm.inputs, "networkProfile", "networkInterfaces") or []
    ref = next((n for n in refs if n.get("primary")), refs[0] if refs else None)
    if ref is None:
        return None
    nic = next((n for n in nics if refers(vm, ref.get("id"), n)), None)
    if nic is None:
        return None
    ipcs = nic.inputs.get("ipConfigurations") or []
    ipc = next((c for c in ipcs if c.get("primary")), ipcs[0] if ipcs else {})
    sid = get(ipc, "subnet", "id")
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
    #: Cross-region (regional-disaster) RPO target, from the ``dr-cross-region-rpo-hours`` tag.
    target_cross_region_rpo_hours: Optional[int] = None
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
    #: Per vault: multi-user authorization, alert routing, diagnostics, security settings (issue 15).
    security: list[VaultSecurity] = field(default_factory=list)
    #: Management locks other than the vaults' own: (lock name, scope).
    locks: list[tuple[Any, Any]] = field(default_factory=list)
    #: workload -> its Azure Site Recovery replication (posture.dr.site_recovery), when declared.
    site_recovery: dict[str, Any] = field(default_factory=dict)

    def dr_region_of(self, region: Any) -> Any:
        return self.pairs.get(str(region))


def _policy(r: Registration) -> Policy:
    p = r.inputs.get("properties") or {}
    sched = p.get("schedulePolicy") or {}
    freq = sched.get("scheduleRunFrequency")
    interval = None
    if freq == "Hourly":
        interval = _num(get(sched, "hourlySchedule", "interval")) or _num(get(sched, "scheduleRunTimes"))
    elif freq == "Daily":
        interval = 24
    elif freq == "Weekly":
        interval = 168
    ret = p.get("retentionPolicy") or {}

    def count(k):
        return _num(get(ret, k, "retentionDuration", "count"))

    daily = count("dailySchedule")
    if daily is None and ret.get("retentionPolicyType") == "SimpleRetentionPolicy":
        daily = _num(get(ret, "retentionDuration", "count"))
    return Policy(name=r.inputs.get("policyName"), policy_type=p.get("policyType"), frequency=freq,
                  interval_hours=interval, daily_days=daily, weekly_weeks=count("weeklySchedule"),
                  monthly_months=count("monthlySchedule"), yearly_years=count("yearlySchedule"),
                  instant_restore_days=_num(p.get("instantRpRetentionRangeInDays")), archive=_archive(p))


def _archive(p: dict) -> Optional[str]:
    t = get(p, "tieringPolicy", "ArchivedRP")
    if not isinstance(t, dict) or t.get("tieringMode") in (None, "DoNotTier", "Invalid"):
        return None
    if t.get("tieringMode") == "TierAfter":
        return f"after {show(t.get('duration'), 'duration')} {t.get('durationType') or 'Months'}"
    return str(t.get("tieringMode"))


def _vault(r: Registration) -> Vault:
    rs = get(r.inputs, "properties", "redundancySettings") or {}
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

    # Backup vaults; a Site Recovery vault (dr-purpose site-recovery) is drawn with its replication instead.
    vaults = [_vault(r) for r in by_type.get(T_VAULT, [])
              if (r.inputs.get("tags") or {}).get("dr-purpose") != "site-recovery"]
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
            cross = tags.get("dr-cross-region-rpo-hours")
            w = workloads[wname] = Workload(
                name=wname, tier=tags.get("dr-tier", "(untagged)"),
                high_availability=tags.get("dr-high-availability") == "true",
                target_rpo_hours=int(rpo) if isinstance(rpo, str) and rpo.isdigit() else None,
                target_cross_region_rpo_hours=int(cross) if isinstance(cross, str) and cross.isdigit() else None)
        sp = r.inputs.get("storageProfile") or {}
        os_disk = sp.get("osDisk") or {}
        vm_id = r.id
        vm = Vm(
            name=r.inputs.get("vmName"), resource_group=r.inputs.get("resourceGroupName"),
            location=r.inputs.get("location"), size=get(r.inputs, "hardwareProfile", "vmSize"), id=vm_id,
            availability_set_id=get(r.inputs, "availabilitySet", "id"),
            security_type=get(r.inputs, "securityProfile", "securityType"),
            os_disk=DiskInfo("os", os_disk.get("name"), get(os_disk, "managedDisk", "storageAccountType"), None),
            data_disks=[],
            subnet=_subnet_of(r, by_type.get(T_NIC, []), by_type.get(T_SUBNET, []), refers),
            os_type="windows" if get(r.inputs, "osProfile", "windowsConfiguration") is not None else "linux",
            zones=[str(z) for z in r.inputs.get("zones") or []],
            admin_username=get(r.inputs, "osProfile", "adminUsername"),
        )
        for dd in sp.get("dataDisks") or []:
            lun = _num(dd.get("lun"))
            did = get(dd, "managedDisk", "id")
            dreg = disks_by_id.get(did)
            vm.data_disks.append(DiskInfo(f"lun{lun}", dreg.inputs.get("diskName") if dreg else None,
                                          get(dreg.inputs, "sku", "name") if dreg else None, did))
        item = next((it for it in items
                     if refers(it, get(it.inputs, "properties", "sourceResourceId"), r)), None)
        if item is not None:
            props = item.inputs.get("properties") or {}
            excl = get(props, "extendedProperties", "diskExclusionProperties") or {}
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
            if not refers(rpc, get(rpc.inputs, "source", "id"), r):
                continue
            copy = next((c for c in rpcs if c is not rpc and refers(c, get(c.inputs, "source", "id"), rpc)), None)
            for rp in rps:
                if not refers(rp, rp.inputs.get("restorePointCollectionName"), rpc) and not (
                        known(rp.inputs.get("restorePointCollectionName"))
                        and rp.inputs.get("restorePointCollectionName") == rpc.inputs.get("restorePointCollectionName")
                        and rp.inputs.get("resourceGroupName") == rpc.inputs.get("resourceGroupName")):
                    continue
                if get(rp.inputs, "sourceRestorePoint", "id") is not None:
                    continue  # a copy: listed with its source
                rp_name = rp.inputs.get("restorePointName")
                point = str(rp_name).removeprefix("rp-")
                s = SnapshotSet(point=point, method="restorePoints", region=rpc.inputs.get("location"),
                                resource_group=rpc.inputs.get("resourceGroupName"), names=[rp_name],
                                collection=rpc.inputs.get("restorePointCollectionName"),
                                consistency=rp.inputs.get("consistencyMode") or "ApplicationConsistent")
                if copy is not None:
                    dr_rp = next((x for x in rps if get(x.inputs, "sourceRestorePoint") is not None
                                  and refers(x, get(x.inputs, "sourceRestorePoint", "id"), rp)), None)
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
            copy = next((c for c in snapshots if get(c.inputs, "creationData", "createOption") == "CopyStart"
                         and refers(c, get(c.inputs, "creationData", "sourceResourceId"), sn)), None)
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
                       for t in get(iv.inputs, "publishingProfile", "targetRegions") or []]
            workloads[wname].image = Image(
                gallery=iv.inputs.get("galleryName"), resource_group=iv.inputs.get("resourceGroupName"),
                definition=iv.inputs.get("galleryImageName"), version=iv.inputs.get("galleryImageVersionName"),
                id=iv.id, target_regions=targets)

    config_store = None
    for sa in by_type.get(T_STORAGE, []):
        if (sa.inputs.get("tags") or {}).get("dr-purpose") == "configuration-backup":
            containers = [c.inputs.get("containerName") for c in by_type.get(T_CONTAINER, [])
                          if c.inputs.get("accountName") == sa.inputs.get("accountName")]
            config_store = ConfigStore(account=sa.inputs.get("accountName"), sku=get(sa.inputs, "sku", "name"),
                                       location=sa.inputs.get("location"), containers=containers)
    if pairs is None:
        pairs = pack_facts.region_pairs()
    security, locks = _security(by_type, refers)
    return Model(stack=stack, workloads=list(workloads.values()), vaults=vaults, config_store=config_store,
                 pairs=pairs, security=security, locks=locks,
                 site_recovery=site_recovery.extract(resources, known))


@dataclass
class VaultSecurity:
    """What a security review asks of one vault (issue 15)."""

    vault: Any
    resource_group: Any
    guard: Any = None  # the guard's id, or "<name> in <resource group>" for a declared guard; None: no MUA
    action_groups: list[Any] = field(default_factory=list)
    receivers: list[str] = field(default_factory=list)
    workspace: Any = None  # where the diagnostic setting sends logs; None: no diagnostics
    dedicated: bool = False
    cross_subscription_restore: Optional[str] = None
    cmk_key: Any = None
    private_endpoint: Any = None
    public_network_access: Optional[str] = None


def _security(by_type: dict[str, list[Registration]], refers: Any) -> tuple[list[VaultSecurity], list[tuple[Any, Any]]]:
    out = []
    vault_regs = by_type.get(T_VAULT, [])
    for v in vault_regs:
        props = v.inputs.get("properties") or {}
        vs = VaultSecurity(
            vault=v.inputs.get("vaultName", v.outputs.get("name")), resource_group=v.inputs.get("resourceGroupName"),
            cross_subscription_restore=get(props, "restoreSettings", "crossSubscriptionRestoreSettings",
                                            "crossSubscriptionRestoreState"),
            cmk_key=get(props, "encryption", "keyVaultProperties", "keyUri"),
            public_network_access=props.get("publicNetworkAccess"))
        for proxy in by_type.get(T_PROXY, []):
            if refers(proxy, proxy.inputs.get("vaultName"), v) or (
                    known(proxy.inputs.get("vaultName")) and proxy.inputs.get("vaultName") == vs.vault):
                gid = get(proxy.inputs, "properties", "resourceGuardResourceId")
                guard = next((g for g in by_type.get(T_GUARD, []) if refers(proxy, gid, g)), None)
                vs.guard = gid if known(gid) or guard is None else \
                    f"{show(guard.inputs.get('resourceGuardsName'))} in {show(guard.inputs.get('resourceGroupName'))}"
        for rule in by_type.get(T_APR, []):
            rp = rule.inputs.get("properties") or {}
            if rp.get("enabled") is False:
                continue
            scopes = [x for x in rp.get("scopes") or [] if known(x)]
            if not (v.urn in rule.dependencies or (known(v.id) and any(str(v.id).lower().startswith(str(x).lower())
                                                                     for x in scopes))):
                continue
            for ag in by_type.get(T_ACTION_GROUP, []):
                ids = [i for a in rp.get("actions") or [] for i in a.get("actionGroupIds") or []]
                if any(refers(rule, i, ag) for i in ids):
                    vs.action_groups.append(ag.inputs.get("actionGroupName", ag.name))
                    vs.receivers += [str(e.get("emailAddress")) for e in ag.inputs.get("emailReceivers") or []]
                    vs.receivers += [str(w.get("serviceUri")) for w in ag.inputs.get("webhookReceivers") or []]
        for d in by_type.get(T_DIAGNOSTIC, []):
            if refers(d, d.inputs.get("resourceUri"), v):
                vs.workspace = d.inputs.get("workspaceId")
                vs.dedicated = d.inputs.get("logAnalyticsDestinationType") == "Dedicated"
        for pe in by_type.get(T_PRIVATE_ENDPOINT, []):
            conns = pe.inputs.get("privateLinkServiceConnections") or []
            if any(refers(pe, c.get("privateLinkServiceId"), v) for c in conns):
                vs.private_endpoint = pe.inputs.get("privateEndpointName", pe.name)
        out.append(vs)
    vault_urns = {v.urn for v in vault_regs}
    locks = [(lk.inputs.get("lockName", lk.name), lk.inputs.get("scope")) for lk in by_type.get(T_LOCK, [])
             if not (set(lk.dependencies) & vault_urns)]
    return out, locks


def cross_region_achieved(vault: Any) -> Optional[int]:
    """The cross-region RPO Azure Backup achieves: the vault's secondary copy when the vault is GeoRedundant with
    cross-region restore (only the day's last backup reaches the vault tier, plus geo-replication lag: the pack
    facts' CROSS_REGION_RPO_HOURS). None otherwise. Restore-point/snapshot copies are not counted (the safe
    side): they are taken only when `pulumi up` runs, and no schedule is declared."""
    if vault is not None and vault.redundancy == "GeoRedundant" and vault.cross_region_restore == "Enabled":
        return pack_facts.cross_region_rpo_hours()
    return None


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
    asr = m.site_recovery.get(w.name)
    if asr is not None:
        copies.append(f"Site Recovery replica in {show(asr.target_region, 'region')} (vault {show(asr.vault_name)},"
                      f" a recovery point every {asr.achieved_rpo_minutes} min)")
    snap_interval = snapshot_interval_hours(w)
    achieved = policy.interval_hours if policy else None
    gaps: list[str] = []
    unprotected = [show(vm.name) for vm in w.vms if vm.protection is None]
    if unprotected:
        gaps.append("no Azure Backup protected item for " + ", ".join(unprotected))
    cross_achieved = cross_region_achieved(vault)
    if w.target_rpo_hours is not None and achieved is not None and achieved > w.target_rpo_hours:
        gaps.append(f"backups every {achieved} h miss the {w.target_rpo_hours} h RPO")
    cross_target = w.target_cross_region_rpo_hours
    if cross_target is not None and (cross_achieved is None or cross_achieved > cross_target):
        gaps.append(f"the cross-region RPO target of {cross_target} h is not met by the declared copies ("
                    + (f"{cross_achieved} h" if cross_achieved is not None else "none leaves the region restorably")
                    + "): Azure Site Recovery, or consistent snapshots copied to the DR region on a declared"
                    " schedule, reach it")
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
    if policy is not None and policy.archive:
        gaps.append(f"monthly/yearly points move to the archive tier ({policy.archive}): {ARCHIVE_NO_CRR}")
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
        # issue 11: in-region (restores in the primary region, from the policy's snapshots) and cross-region
        # (after a regional disaster: the vault's secondary copy, or copies in the DR region)
        "rpoHours": {"inRegion": {"target": w.target_rpo_hours, "achieved": achieved},
                     "crossRegion": {"target": cross_target, "achieved": cross_achieved}},
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
        **({"siteRecovery": site_recovery.summary(asr, show)} if asr is not None else {}),
    }


def to_json(m: Model) -> dict[str, Any]:
    return {
        "stack": m.stack,
        "workloads": [workload_summary(m, w) for w in m.workloads],
        "configurationBackup": None if m.config_store is None else {
            "account": show(m.config_store.account), "sku": m.config_store.sku,
            "region": show(m.config_store.location, "region"), "containers": [show(c) for c in m.config_store.containers],
        },
        "security": [security_summary(vs) for vs in m.security],
        "locks": [{"name": show(n), "scope": show(s, "id")} for n, s in m.locks],
    }


def security_summary(vs: VaultSecurity) -> dict[str, Any]:
    """One vault's security-review answers (the JSON report's ``security`` element)."""
    return {
        "vault": show(vs.vault),
        "multiUserAuthorization": None if vs.guard is None else show(vs.guard, "id"),
        "alertsRoutedTo": [show(a) for a in vs.action_groups],
        "alertReceivers": vs.receivers,
        "backupReportsWorkspace": None if vs.workspace is None else show(vs.workspace, "id"),
        "resourceSpecificLogs": vs.dedicated,
        "crossSubscriptionRestore": vs.cross_subscription_restore or "Enabled (Azure default: not set)",
        "customerManagedKey": None if vs.cmk_key is None else show(vs.cmk_key, "key"),
        "privateEndpoint": None if vs.private_endpoint is None else show(vs.private_endpoint),
        "publicNetworkAccess": vs.public_network_access,
    }


def _security_lines(m: Model, heading: str) -> list[str]:
    if not m.security:
        return []
    out = [f"{heading}# Security and monitoring", "",
           "| vault | multi-user authorization | alerts routed to | Backup reports | cross-subscription restore |"
           " customer-managed key | private endpoint |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for vs in m.security:
        s = security_summary(vs)
        alerts = ", ".join(f"`{a}`" for a in s["alertsRoutedTo"]) + (
            f" ({', '.join(s['alertReceivers'])})" if s["alertReceivers"] else "") if s["alertsRoutedTo"] else \
            "**nobody** (no alert processing rule)"
        reports = "**none**" if s["backupReportsWorkspace"] is None else \
            f"`{s['backupReportsWorkspace']}`" + ("" if s["resourceSpecificLogs"] else " (not resource-specific)")
        out.append(f"| `{s['vault']}` | {'`' + s['multiUserAuthorization'] + '`' if s['multiUserAuthorization'] else '**none**'}"
                   f" | {alerts} | {reports} | {s['crossSubscriptionRestore']} |"
                   f" {'`' + s['customerManagedKey'] + '`' if s['customerManagedKey'] else 'platform-managed'} |"
                   f" {s['privateEndpoint'] or 'none'} |")
    if m.locks:
        out += ["", "Delete locks besides the vaults': " + ", ".join(f"`{show(n)}` on `{show(sc, 'id')}`"
                                                              for n, sc in m.locks) + "."]
    if any(not vs.private_endpoint and vs.public_network_access == "Disabled" for vs in m.security):
        out += ["", "Public network access is disabled and a vault has no private endpoint: file-level restore"
                " (and agent-based workloads) cannot reach that vault."]
    return out + [""]


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
        asr = m.site_recovery.get(w.name)
        if asr is not None:
            aid = f"asr_{_mid(w.name)}"
            node(show(asr.target_region, "region"), aid,
                 f"{w.name} Site Recovery replica<br/>vault {show(asr.vault_name)}")
            in_region = f"; in-region RPO {_hours(s['achievedRpoHours'])} (backup)" if s["achievedRpoHours"] else ""
            edges.append(f'  {wid} == "{_label(f"replication: cross-region RPO {asr.achieved_rpo_minutes} min{in_region}")}"'
                         f" ==> {aid}")
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
    out += ["| workload | tier | target RPO | achieved RPO (backup) | RPO cross-region (target / achieved) |"
            " snapshot sets | retention | copies | highly available |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    summaries = [workload_summary(m, w) for w in m.workloads]
    for s in summaries:
        achieved = f"{_hours(s['achievedRpoHours'])} ({s['backupFrequency']}, {s['policyType']})" \
            if s["achievedRpoHours"] else "none"
        sets = "-" if not s["snapshotSets"] else (
            f"{s['snapshotSets']}, every {_hours(s['snapshotIntervalHours'])}" if s["snapshotIntervalHours"]
            else f"{s['snapshotSets']} (taken at pulumi up)")
        cross = s["rpoHours"]["crossRegion"]
        cross_text = f"{_hours(cross['target'])} / {_hours(cross['achieved']) if cross['achieved'] else 'none'}"
        out.append(f"| `{s['workload']}` | {s['tier']} | {_hours(s['targetRpoHours'])} | {achieved} | {cross_text} | "
                   f"{sets} | "
                   f"{_retention_text(s['retention'])} | {'; '.join(s['copies']) or '-'} | "
                   f"{_ha_text(s['highAvailability'])} |")
    for s in summaries:
        sr = s.get("siteRecovery")
        if sr:
            out.append("")
            out.append(f"Cross-region RPO of `{s['workload']}`: {sr['achievedCrossRegionRpoMinutes']} min (Azure Site"
                       f" Recovery to {sr['targetRegion']}, crash-consistent points; Azure publishes no RPO SLA);"
                       f" in-region RPO {_hours(s['achievedRpoHours'])} (Azure Backup).")
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
    out += [""] + _security_lines(m, heading)
    out += [mermaid(m), ""]
    return "\n".join(out)
