"""Resolution: validated input models -> the resolved StackConfig, in named steps; every problem collected."""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError

from .. import facts
from ..facts import DATA_ONLY_DISK_SKUS, MAX_DISK_GB, MAX_V2_DISK_GB, UNMANAGED_DISK_RETIREMENT
from .inputs import (ASR_CRASH_CONSISTENT_MINUTES, ASR_MAX_MULTI_VM_GROUP, LOCATION_KEY, MAX_BACKED_UP_DATA_DISKS,
                     AlertsInput, PrivateEndpointInput, ResourceGuardInput,
                     NAMESPACE, OS_DISK_SKUS, ImageInput, ProgramConfig, SiteRecoveryInput, VaultInput, WorkloadInput)
from .errors import ConfigError, _MISSING, _Shown, _problem, _pydantic_problems
from .resolved import (DataDisk, SiteRecovery, StackConfig, Vault, Workload, region_has_grs, vault_posture,
                       vault_resource_group_name)
from .tiers import TIERS, TierPreset
from .backup_plan import MIN_RPO_HOURS, _backup_plan
from .checks import stack_problems


def _region_problem(path: str, value: str) -> str:
    hint = difflib.get_close_matches(value, sorted(facts.KNOWN_REGIONS), n=1)
    allowed = 'an Azure region\'s programmatic name, e.g. "westeurope" (see components/facts.py)'
    if hint:
        allowed += f'; did you mean "{hint[0]}"?'
    return _problem(path, value, allowed)


def _resolve_dr(path: str, region: str, explicit: str | None, problems: list[str]) -> str | None:
    if explicit is not None:
        if not facts.is_known_region(explicit):
            problems.append(_region_problem(path, explicit))
            return None
        if explicit == region:
            problems.append(_problem(path, explicit, f'a region other than the primary region "{region}"'))
            return None
        return explicit
    pair = facts.paired_region(region)
    if pair is None:
        problems.append(_problem(
            path, _MISSING,
            f'required: region "{region}" has no Azure paired region (unpaired regions: '
            + ", ".join(sorted(facts.UNPAIRED_REGIONS)) + "); name a DR region explicitly"))
    return pair


def _workload_regions(p: str, w: WorkloadInput, location: str, stack_dr: str | None,
                      problems: list[str]) -> tuple[str, str | None]:
    """The workload's region (its own or the stack's) and its DR region (explicit, the stack's, or the
    pair)."""
    region = w.region if w.region is not None else location
    if w.region is not None and not facts.is_known_region(w.region):
        problems.append(_region_problem(f"{p}.region", w.region))
        return region, None
    if w.dr_region is not None:
        return region, _resolve_dr(f"{p}.drRegion", region, w.dr_region, problems)
    if region == location:
        return region, stack_dr  # None: already reported on drRegion
    return region, _resolve_dr(f"{p}.drRegion", region, None, problems)


def _vm_count(w: WorkloadInput) -> int:
    """The workload's VM count, its tier's by default."""
    return w.vm_count if w.vm_count is not None else TIERS[w.tier].vm_count


def _availability(p: str, w: WorkloadInput, t: TierPreset, problems: list[str]) -> tuple[bool, int]:
    """High availability and the VM count, tier preset merged: an availability set needs 2 VMs."""
    ha = w.high_availability if w.high_availability is not None else t.high_availability
    vm_count = _vm_count(w)
    if ha and vm_count < 2:
        problems.append(_problem(
            f"{p}.vmCount", vm_count,
            "a high-availability workload needs at least 2 VMs in its availability set"
            " (set vmCount to 2 or more, or highAvailability: false)"))
    return ha, vm_count


def _disk_sku(p: str, w: WorkloadInput, t: TierPreset, region: str, problems: list[str]) -> str:
    """The default disk SKU, tier preset merged and chosen by the region's capabilities (managed disks only;
    the tier's ZRS default becomes LRS in a region without availability zones)."""
    if not w.managed_disks:
        problems.append(_problem(
            f"{p}.managedDisks", False,
            f"true: unmanaged (VHD) disks are retired on {UNMANAGED_DISK_RETIREMENT} (VMs using them cannot"
            " start afterwards) and their backup is deprecated; use managed disks"))
    disk_sku = w.disk_sku or t.disk_sku
    if not facts.has_zones(region) and disk_sku in facts.ZONE_REDUNDANT_DISK_SKUS:
        if w.disk_sku is None:  # the tier's ZRS default: the same disk type, locally redundant
            disk_sku = disk_sku.replace("_ZRS", "_LRS")
        else:
            problems.append(_problem(f"{p}.diskSku", disk_sku,
                                     f"a locally redundant SKU: {region} has no availability zones, so no ZRS disks"
                                     " (https://learn.microsoft.com/azure/reliability/regions-list)"))
    return disk_sku


def _os_disk_sku(p: str, w: WorkloadInput, disk_sku: str, problems: list[str]) -> str:
    """The OS disk SKU: explicit (never a data-only SKU), else the disk SKU (Premium_LRS for a data-only
    one)."""
    if w.os_disk_sku is None:
        return "Premium_LRS" if disk_sku in DATA_ONLY_DISK_SKUS else disk_sku
    if w.os_disk_sku in DATA_ONLY_DISK_SKUS:
        problems.append(_problem(
            f"{p}.osDiskSku", w.os_disk_sku,
            "one of " + ", ".join(f'"{s}"' for s in OS_DISK_SKUS)
            + ": Premium SSD v2 and Ultra disks can only be data disks"))
    return w.os_disk_sku


def _data_disks(p: str, w: WorkloadInput, disk_sku: str, ha: bool, problems: list[str]) -> list[DataDisk]:
    """The data disks (SKU defaulted to the disk SKU): unique LUNs, Azure's size limits, no data-only SKU on
    a high-availability workload, at most 32 disks when they are backed up."""
    data_disks = []
    seen_luns: set[int] = set()
    for i, d in enumerate(w.data_disks):
        sku = d.sku or disk_sku
        if d.lun in seen_luns:
            problems.append(_problem(f"{p}.dataDisks[{i}].lun", d.lun, "a LUN not used by another data disk"))
        seen_luns.add(d.lun)
        if sku not in DATA_ONLY_DISK_SKUS and d.size_gb > MAX_DISK_GB:
            problems.append(_problem(f"{p}.dataDisks[{i}].sizeGb", d.size_gb,
                                     f"at most {MAX_DISK_GB} GiB for {sku} (up to {MAX_V2_DISK_GB} only for"
                                     " PremiumV2_LRS and UltraSSD_LRS)"))
        if ha and sku in DATA_ONLY_DISK_SKUS:
            problems.append(_problem(
                f"{p}.dataDisks[{i}].sku" if d.sku else f"{p}.diskSku", sku,
                "a SKU other than PremiumV2_LRS/UltraSSD_LRS for a high-availability workload: Premium SSD"
                " v2 and Ultra disks need zonal VMs, which cannot join an availability set (Premium SSD v2 with"
                " availability sets exists only in " + ", ".join(sorted(facts.PREMIUM_V2_AVAILABILITY_SET_REGIONS))
                + " after registering the PV2WithAVSetRegionWithoutZone feature, which the program does not assume)"))
        data_disks.append(DataDisk(lun=d.lun, size_gb=d.size_gb, sku=sku))
    if len(w.data_disks) > MAX_BACKED_UP_DATA_DISKS and w.backup_scope != "osDiskOnly":
        problems.append(_problem(
            f"{p}.dataDisks", _Shown(f"{len(w.data_disks)} disks"),
            f"at most {MAX_BACKED_UP_DATA_DISKS} data disks (Azure Backup supports up to 32 disks per VM,"
            " OS disk included)"))
    return data_disks


def _check_backup_scope(p: str, w: WorkloadInput, luns: set[int], problems: list[str]) -> None:
    """``backupDataDiskLuns``: a non-empty list of the workload's LUNs with selectedDataDisks, else unset."""
    if w.backup_scope == "selectedDataDisks":
        if not w.backup_data_disk_luns:
            problems.append(_problem(f"{p}.backupDataDiskLuns", [],
                                     "a non-empty list of data-disk LUNs when backupScope is selectedDataDisks"))
        for lun in w.backup_data_disk_luns:
            if lun not in luns:
                problems.append(_problem(f"{p}.backupDataDiskLuns", lun,
                                         "a LUN of one of the workload's dataDisks: "
                                         + (", ".join(str(x) for x in sorted(luns)) or "none defined")))
    elif w.backup_data_disk_luns:
        problems.append(_problem(f"{p}.backupDataDiskLuns", w.backup_data_disk_luns,
                                 'only with backupScope "selectedDataDisks"'))


def _check_image_and_login(p: str, w: WorkloadInput, problems: list[str]) -> None:
    """Image, custom image, Trusted Launch and authentication agree with each other."""
    if w.image is not None and w.custom_image is not None:
        problems.append(_problem(f"{p}.customImage", _Shown("set together with image"),
                                 "either image or customImage, not both"))
    if w.authentication == "ssh" and not w.ssh_public_key:
        problems.append(_problem(f"{p}.sshPublicKey", _MISSING,
                                 'an OpenSSH public key, required when authentication is "ssh"'))
    if w.authentication == "password" and w.ssh_public_key:
        problems.append(_problem(f"{p}.sshPublicKey", _Shown("set"), 'only with authentication "ssh"'))
    if w.custom_image is not None and w.custom_image.hyper_v_generation == "V1" and w.trusted_launch:
        problems.append(_problem(f"{p}.customImage.hyperVGeneration", "V1",
                                 '"V2" when trustedLaunch is true (Trusted Launch boots only Generation 2 images);'
                                 " or set trustedLaunch: false for a Generation 1 image"))
    if w.custom_image is not None and w.custom_image.os_type == "Windows" and w.authentication == "ssh":
        problems.append(_problem(f"{p}.authentication", "ssh",
                                 '"password" for a Windows image (Azure sets up SSH keys only on Linux)'))


def _placement(p: str, w: WorkloadInput, region: str, ha: bool, data_disks: list[DataDisk],
               problems: list[str]) -> tuple[int, int | None]:
    """Fault domains (the region's maximum by default) and the zone (zone 1 for a non-HA workload with
    Premium SSD v2 / Ultra data disks, which attach only to zonal VMs)."""
    max_fd = facts.max_fault_domains(region)
    fault_domains = w.availability_set.fault_domains or max_fd
    if fault_domains > max_fd:
        problems.append(_problem(f"{p}.availabilitySet.faultDomains", fault_domains,
                                 f"at most {max_fd}: managed availability sets in {region} have {max_fd} fault"
                                 " domains"))
    if w.zone is not None and ha:
        problems.append(_problem(f"{p}.zone", w.zone, "unset for a high-availability workload: zonal VMs cannot"
                                 " join an availability set"))
    zone = w.zone
    if zone is None and not ha and any(d.sku in DATA_ONLY_DISK_SKUS for d in data_disks):
        zone = 1  # PremiumV2_LRS / UltraSSD_LRS disks attach only to zonal VMs
    return fault_domains, zone


def _network(p: str, w: WorkloadInput, problems: list[str]) -> tuple[str, str]:
    """The address space and subnet prefix (defaults 10.10.0.0/16, 10.10.1.0/24), or an existing subnet."""
    net = w.network
    address_space, subnet_prefix = net.address_space or "10.10.0.0/16", net.subnet_prefix or "10.10.1.0/24"
    if net.existing_subnet_id is not None and (net.address_space or net.subnet_prefix):
        problems.append(_problem(f"{p}.network.existingSubnetId", net.existing_subnet_id,
                                 "either existingSubnetId or addressSpace/subnetPrefix, not both"))
    else:
        _check_subnet_in_space(f"{p}.network", address_space, subnet_prefix, problems)
    return address_space, subnet_prefix


def _rpo(name: str, w: WorkloadInput, t: TierPreset, problems: list[str]) -> int | None:
    """The in-region RPO, tier preset merged; None (problem appended) under what Azure Backup reaches."""
    rpo = w.rpo_hours if w.rpo_hours is not None else t.rpo_hours
    if rpo < MIN_RPO_HOURS:
        problems.append(_problem(
            f"workloads.{name}.rpoHours", rpo,
            f"at least {MIN_RPO_HOURS}: Azure Backup for VMs backs up at most every {MIN_RPO_HOURS} hours; for a"
            " tighter RPO use application replication (e.g. SQL Server Always On) and consistent snapshots"
            f" (workloads.{name}.consistentSnapshots), then set rpoHours to {MIN_RPO_HOURS} or more"))
        return None
    return rpo


def _workload_tags(name: str, w: WorkloadInput, cfg: ProgramConfig, ha: bool, rpo: int,
                   site_recovery: SiteRecovery | None) -> dict[str, str]:
    """The stack's and the workload's tags, then the dr-* tags the pack reads."""
    return {
        **cfg.tags,
        **w.tags,
        "dr-workload": name,
        "dr-tier": w.tier,
        "dr-high-availability": str(ha).lower(),
        "dr-rpo-hours": str(rpo),
        **({"dr-site-recovery": site_recovery.target_region} if site_recovery is not None else {}),
    }


def _resolve_workload(name: str, w: WorkloadInput, cfg: ProgramConfig, location: str, stack_dr: str | None,
                      problems: list[str]) -> Workload | None:
    """One workload resolved in named steps (each appends its problems, in this order), or None on a
    problem."""
    p = f"workloads.{name}"
    start = len(problems)
    t = TIERS[w.tier]
    region, dr_region = _workload_regions(p, w, location, stack_dr, problems)
    ha, vm_count = _availability(p, w, t, problems)
    disk_sku = _disk_sku(p, w, t, region, problems)
    os_sku = _os_disk_sku(p, w, disk_sku, problems)
    data_disks = _data_disks(p, w, disk_sku, ha, problems)
    _check_backup_scope(p, w, {d.lun for d in data_disks}, problems)
    _check_image_and_login(p, w, problems)
    fault_domains, zone = _placement(p, w, region, ha, data_disks, problems)
    address_space, subnet_prefix = _network(p, w, problems)
    rpo = _rpo(name, w, t, problems)
    if rpo is None:
        return None
    disk_skus = {os_sku, *(d.sku for d in data_disks)}
    plan = _backup_plan(name, w, t, cfg.name_prefix, rpo, disk_skus, problems)
    site_recovery = _resolve_site_recovery(name, w, cfg, region, dr_region, data_disks, address_space,
                                           subnet_prefix, problems)
    if len(problems) > start or plan is None or dr_region is None:
        return None
    return Workload(
        name=name, tier=w.tier, description=w.description, region=region, dr_region=dr_region,
        dr_region_is_pair=facts.paired_region(region) == dr_region,
        vm_count=vm_count, high_availability=ha, vm_size=w.vm_size or t.vm_size,
        image=None if w.custom_image is not None else (w.image or ImageInput()), custom_image=w.custom_image,
        os_disk_sku=os_sku, os_disk_size_gb=w.os_disk_size_gb, data_disks=data_disks,
        trusted_launch=w.trusted_launch, authentication=w.authentication, admin_username=w.admin_username,
        ssh_public_key=w.ssh_public_key, public_ip=w.public_ip,
        zone=str(zone) if zone is not None else None, existing_subnet_id=w.network.existing_subnet_id,
        address_space=address_space, subnet_prefix=subnet_prefix,
        fault_domains=fault_domains, update_domains=w.availability_set.update_domains,
        resource_group_name=w.resource_group.name or f"rg-{cfg.name_prefix}-{name}",
        resource_group_existing=w.resource_group.existing, rpo_hours=rpo, backup=plan,
        backup_scope=w.backup_scope, backup_data_disk_luns=list(w.backup_data_disk_luns),
        consistent_snapshots=w.consistent_snapshots, site_recovery=site_recovery,
        tags=_workload_tags(name, w, cfg, ha, rpo, site_recovery),
    )


def _site_recovery_target(p: str, sr: SiteRecoveryInput, region: str, dr_region: str | None,
                          problems: list[str]) -> str | None:
    """The region Site Recovery replicates to: ``targetRegion``, else the workload's DR region; never the
    source."""
    target = sr.target_region if sr.target_region is not None else dr_region
    if sr.target_region is not None and not facts.is_known_region(sr.target_region):
        problems.append(_region_problem(f"{p}.targetRegion", sr.target_region))
    elif target == region:
        # https://learn.microsoft.com/azure/site-recovery/azure-to-azure-tutorial-enable-replication
        problems.append(_problem(f"{p}.targetRegion", target, f'a region other than the source region "{region}":'
                                 " Site Recovery replicates to another region (and its vault must not be in the"
                                 " source region)"))
    return target


def _check_site_recovery_limits(p: str, sr: SiteRecoveryInput, cfg: ProgramConfig, data_disks: list[DataDisk],
                                problems: list[str]) -> None:
    """Azure's A2A limits: app-consistent frequency within retention, the multi-VM group size, a zone or an
    availability set (not both), no Ultra disks."""
    if sr.app_consistent_frequency_hours > 0 and sr.app_consistent_frequency_hours > sr.recovery_point_retention_hours:
        problems.append(_problem(f"{p}.appConsistentFrequencyHours", sr.app_consistent_frequency_hours,
                                 f"at most recoveryPointRetentionHours ({sr.recovery_point_retention_hours}):"
                                 " an app-consistent point must fit in the retention window"))
    if sr.multi_vm_group is not None:
        members = [n for n, other in cfg.workloads.items()
                   if other.site_recovery is not None and other.site_recovery.multi_vm_group == sr.multi_vm_group]
        total = sum(_vm_count(cfg.workloads[n]) for n in members)
        if total > ASR_MAX_MULTI_VM_GROUP:
            problems.append(_problem(f"{p}.multiVmGroup", sr.multi_vm_group,
                                     f"a group of at most {ASR_MAX_MULTI_VM_GROUP} VMs (multi-VM consistency); this"
                                     f" one has {total} ({', '.join(members)})"))
    if sr.target_availability_zone is not None and sr.target_availability_set_id is not None:
        problems.append(_problem(f"{p}.targetAvailabilityZone", sr.target_availability_zone,
                                 "either targetAvailabilityZone or targetAvailabilitySetId, not both"))
    for i, d in enumerate(data_disks):
        if d.sku == "UltraSSD_LRS":
            # https://learn.microsoft.com/azure/site-recovery/azure-to-azure-support-matrix (Ultra disks: not supported)
            problems.append(_problem(f"{p}", _Shown(f"dataDisks[{i}] UltraSSD_LRS"),
                                     "no Ultra disks: Site Recovery cannot replicate them; use Premium SSD or"
                                     " remove siteRecovery"))


def _site_recovery_networks(p: str, sr: SiteRecoveryInput, address_space: str, subnet_prefix: str,
                            problems: list[str]) -> tuple[str, str | None, str, str | None]:
    """The failover network (the workload's by default) and the test-failover network (the failover one by
    default): address space and subnet prefix of each, the subnet inside its space."""
    net_space = sr.target_network.address_space or address_space
    net_subnet = sr.target_network.subnet_prefix or (subnet_prefix if sr.target_network.address_space is None
                                                      else None)
    test_space = sr.test_network.address_space or net_space
    test_subnet = sr.test_network.subnet_prefix or (net_subnet if sr.test_network.address_space is None else None)
    for key, space, subnet in (("targetNetwork", net_space, net_subnet), ("testNetwork", test_space, test_subnet)):
        if subnet is None:
            problems.append(_problem(f"{p}.{key}.subnetPrefix", _MISSING,
                                     "a subnet prefix inside the addressSpace set here"))
            continue
        _check_subnet_in_space(f"{p}.{key}", space, subnet, problems)
    return net_space, net_subnet, test_space, test_subnet


def _resolve_site_recovery(name: str, w: WorkloadInput, cfg: ProgramConfig, region: str, dr_region: str | None,
                           data_disks: list[DataDisk], address_space: str, subnet_prefix: str,
                           problems: list[str]) -> SiteRecovery | None:
    """The workload's ``siteRecovery`` resolved in steps (target, Azure's A2A limits, networks), problems
    appended; None without ``siteRecovery`` or on a problem."""
    sr = w.site_recovery
    if sr is None:
        return None
    p = f"workloads.{name}.siteRecovery"
    start = len(problems)
    target = _site_recovery_target(p, sr, region, dr_region, problems)
    _check_site_recovery_limits(p, sr, cfg, data_disks, problems)
    net_space, net_subnet, test_space, test_subnet = _site_recovery_networks(p, sr, address_space, subnet_prefix,
                                                                            problems)
    if len(problems) > start or target is None:
        return None
    cache_sku = sr.cache_storage.sku or ("Standard_ZRS" if facts.has_zones(region)
                                         else "Standard_LRS")
    return SiteRecovery(
        target_region=target,
        recovery_point_retention_minutes=sr.recovery_point_retention_hours * 60,
        app_consistent_frequency_minutes=sr.app_consistent_frequency_hours * 60,
        crash_consistent_frequency_minutes=ASR_CRASH_CONSISTENT_MINUTES,
        multi_vm_group=sr.multi_vm_group,
        target_resource_group_name=sr.target_resource_group or f"rg-{cfg.name_prefix}-{name}-asr-{target}",
        target_address_space=net_space, target_subnet_prefix=str(net_subnet),
        test_address_space=test_space, test_subnet_prefix=str(test_subnet),
        target_availability_zone=(str(sr.target_availability_zone) if sr.target_availability_zone is not None
                                  else None),
        target_availability_set_id=sr.target_availability_set_id,
        cache_sku=cache_sku, cache_account_name=sr.cache_storage.account_name,
    )


def _cidr(path: str, value: str, problems: list[str]):
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError:
        problems.append(_problem(path, value, 'an IPv4 CIDR block such as "10.10.0.0/16" (host bits zero)'))
        return None


def _check_subnet_in_space(path: str, space: str, subnet: str, problems: list[str]) -> None:
    """``<path>.addressSpace`` and ``<path>.subnetPrefix`` are CIDR blocks, the subnet inside the space."""
    a = _cidr(f"{path}.addressSpace", space, problems)
    b = _cidr(f"{path}.subnetPrefix", subnet, problems)
    if a is not None and b is not None and not b.subnet_of(a):
        problems.append(_problem(f"{path}.subnetPrefix", subnet, f"a CIDR inside addressSpace {space}"))


def _resolve_vault(v: VaultInput, problems: list[str]) -> Vault:
    grs = v.storage_redundancy == "GeoRedundant"
    crr = v.cross_region_restore if v.cross_region_restore is not None else grs
    weaker_hint = "or set vault.allowWeakerPosture: true to accept it explicitly"
    if crr and not grs:
        problems.append(_problem("vault.crossRegionRestore", True,
                                 'false unless storageRedundancy is "GeoRedundant" (cross-region restore'
                                 " needs a geo-redundant vault)"))
    if not v.allow_weaker_posture:
        if not grs:
            problems.append(_problem("vault.storageRedundancy", v.storage_redundancy,
                                     f'"GeoRedundant" (backups must leave the region), {weaker_hint}'))
        elif not crr:
            problems.append(_problem("vault.crossRegionRestore", False,
                                     f"true (restore into the paired region), {weaker_hint}"))
        if v.immutability == "Disabled":
            problems.append(_problem("vault.immutability", v.immutability,
                                     f'"Unlocked" or "Locked", {weaker_hint}'))
        if v.public_network_access == "Enabled":
            problems.append(_problem("vault.publicNetworkAccess", v.public_network_access,
                                     f'"Disabled", {weaker_hint}'))
        if not v.job_failure_alerts:
            problems.append(_problem("vault.jobFailureAlerts", False, f"true, {weaker_hint}"))
    if v.soft_delete == "Disabled":
        problems.append(_problem(
            "vault.softDelete", v.soft_delete,
            f'"Enabled" or "AlwaysON": soft delete cannot be disabled (secure by default from Recovery Services API'
            f" {facts.SECURE_BY_DEFAULT_API}; azure-native sends {facts.RECOVERY_SERVICES_API}), and deleting a"
            " protected item always soft-deletes it (https://learn.microsoft.com/azure/backup/secure-by-default)"))
    for region, rg in v.existing_resource_groups.items():
        if not facts.is_known_region(region):
            problems.append(_region_problem(f"vault.existingResourceGroups.{region}", region))
        if not re.fullmatch(r"[-\w._()]{0,89}[-\w_()]", rg):
            problems.append(_problem(f"vault.existingResourceGroups.{region}", rg,
                                     "a resource group name (1-90 characters, not ending in '.')"))
    return Vault(
        storage_redundancy=v.storage_redundancy, cross_region_restore=bool(crr), soft_delete=v.soft_delete,
        enhanced_security="AlwaysON" if v.soft_delete == "AlwaysON" else
        ("Disabled" if v.soft_delete == "Disabled" else "Enabled"),
        soft_delete_retention_days=v.soft_delete_retention_days, immutability=v.immutability,
        public_network_access=v.public_network_access, job_failure_alerts=v.job_failure_alerts,
        delete_lock=v.delete_lock, allow_weaker_posture=v.allow_weaker_posture,
        existing_resource_groups=dict(v.existing_resource_groups),
    )


_GUARD_ID = re.compile(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.DataProtection/"
                       r"resourceGuards/[^/]+$", re.IGNORECASE)
_SUBNET_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/"
                        r"[^/]+/subnets/[^/]+$", re.IGNORECASE)


def _check_security(cfg: ProgramConfig, location: str, problems: list[str]) -> None:
    """Cross-key checks of ``security`` and ``monitoring`` (issue 15), in steps: the resource guard, the
    private endpoints, the archive tier, the alerts."""
    vault_regions = sorted({w.region or location for w in cfg.workloads.values()})
    vault_rgs = {r: vault_resource_group_name(cfg.vault.existing_resource_groups, cfg.name_prefix, r)
                 for r in vault_regions}
    if cfg.security.resource_guard is not None:
        _check_resource_guard(cfg.security.resource_guard, vault_rgs, problems)
    if cfg.security.private_endpoint is not None:
        _check_private_endpoint(cfg.security.private_endpoint, vault_rgs, problems)
    if cfg.security.archive_tier is not None and cfg.vault.storage_redundancy == "ZoneRedundant":
        # https://learn.microsoft.com/azure/backup/archive-tier-support ("not supported ... ZRS")
        problems.append(_problem("security.archiveTier", _Shown("set"),
                                 'unset with vault.storageRedundancy "ZoneRedundant": Azure Backup has no archive'
                                 " tier for zone-redundant vaults"))
    if cfg.monitoring.alerts is not None:
        _check_alerts(cfg.monitoring.alerts, problems)


def _check_resource_guard(g: ResourceGuardInput, vault_rgs: Mapping[str, str], problems: list[str]) -> None:
    """The guard is declared somewhere or named per region, and never in a vault's resource group."""
    p = "security.resourceGuard"
    if g.resource_group_name is None and not g.existing_ids:
        problems.append(_problem(f"{p}.resourceGroupName", _MISSING,
                                 "the resource group to declare the guard in, or existingIds (region -> guard id)"))
    same = sorted(r for r, rg in vault_rgs.items() if g.resource_group_name is not None
                  and g.subscription_id is None and rg.lower() == g.resource_group_name.lower()
                  and r not in g.existing_ids)
    if same:
        problems.append(_problem(
            f"{p}.resourceGroupName", g.resource_group_name,
            f"a resource group other than the vault's ({', '.join(same)}): a guard beside the vault is"
            " administered by the vault's own administrators, which defeats multi-user authorization"))
    for region, gid in g.existing_ids.items():
        m = _GUARD_ID.match(gid)
        if not facts.is_known_region(region):
            problems.append(_region_problem(f"{p}.existingIds.{region}", region))
        elif m is None:
            problems.append(_problem(f"{p}.existingIds.{region}", gid,
                                     "an ARM id of a Microsoft.DataProtection/resourceGuards resource"))
        elif region in vault_rgs and m.group(2).lower() == vault_rgs[region].lower():
            problems.append(_problem(f"{p}.existingIds.{region}", gid,
                                     f"a guard outside the vault's resource group {vault_rgs[region]}"))


def _check_private_endpoint(pe: PrivateEndpointInput, vault_rgs: Mapping[str, str], problems: list[str]) -> None:
    """One subnet id per region that has a vault."""
    for region, sid in pe.subnet_ids.items():
        if region not in vault_rgs:
            problems.append(_problem(f"security.privateEndpoint.subnetIds.{region}", region,
                                     "a region that holds workloads (has a vault): " + ", ".join(vault_rgs)))
        elif not _SUBNET_ID.match(sid):
            problems.append(_problem(f"security.privateEndpoint.subnetIds.{region}", sid,
                                     "an ARM id of a Microsoft.Network/virtualNetworks/subnets resource"))


def _check_alerts(a: AlertsInput, problems: list[str]) -> None:
    """At least one receiver; receiver names unique in the action group."""
    if not a.email_receivers and not a.webhook_receivers:
        problems.append(_problem("monitoring.alerts", _Shown("no receivers"),
                                 "at least one of emailReceivers or webhookReceivers"))
    names = [r.name for r in [*a.email_receivers, *a.webhook_receivers]]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        problems.append(_problem("monitoring.alerts", dupes, "receiver names unique in the action group"))


def _has_site_recovery(w: WorkloadInput) -> bool:
    """The workload is replicated by Azure Site Recovery (it sets the ``siteRecovery`` key)."""
    return w.site_recovery is not None


def _resolve_cross_region(name: str, w: WorkloadInput, wl: Workload, vault: Vault,
                          problems: list[str]) -> Workload:
    """The cross-region RPO (target and what Azure Backup achieves) and the checks only the resolved workload
    and its region's vault can make: a cross-region target Azure Backup cannot reach, an unpaired region without
    a cross-region path, crash-consistent restore points on Premium SSD v2 / Ultra disks."""
    p = f"workloads.{name}"
    t = TIERS[w.tier]
    target = w.cross_region_rpo_hours if w.cross_region_rpo_hours is not None else t.cross_region_rpo_hours
    v = vault_posture(vault, wl.region)
    achieved = facts.CROSS_REGION_RPO_HOURS if v.storage_redundancy == "GeoRedundant" and v.cross_region_restore \
        else None
    cs = wl.consistent_snapshots
    copies = cs is not None and cs.copy_to_dr_region
    asr = _has_site_recovery(w)
    paths = (f"Azure Site Recovery (workloads.{name}.siteRecovery), or consistent snapshots copied to the DR"
             f" region on a schedule (workloads.{name}.consistentSnapshots with copyToDrRegion: true)")
    if target < facts.CROSS_REGION_RPO_HOURS and not (asr or copies):
        problems.append(_problem(
            f"{p}.crossRegionRpoHours", target,
            f"at least {facts.CROSS_REGION_RPO_HOURS} with Azure Backup alone (only the day's last backup reaches"
            f" the vault, then up to {facts.GRS_REPLICATION_LAG_HOURS} h of geo-replication); what reaches"
            f" {target} h: {paths}"))
    if not region_has_grs(wl.region) and not (asr or copies):
        problems.append(_problem(
            f"{p}.region", wl.region,
            f"a cross-region path: {wl.region} has no Azure paired region, so Azure Backup keeps no copy outside it"
            f" (its vault is {v.storage_redundancy}); add {paths}"))
    if cs is not None and cs.method == "restorePoints" and cs.consistency == "CrashConsistent":
        bad = sorted({d.sku for d in wl.data_disks} & set(facts.CRASH_CONSISTENT_UNSUPPORTED_SKUS))
        if bad:
            problems.append(_problem(
                f"{p}.consistentSnapshots.consistency", "CrashConsistent",
                f'"ApplicationConsistent": crash-consistent restore points are not supported on {", ".join(bad)}'
                " disks (https://learn.microsoft.com/azure/virtual-machines/concepts-restore-points)"))
    # (a Site Recovery workload's VMs carry dr-site-recovery: <target region>, set in _resolve_workload)
    tags = {**wl.tags, "dr-cross-region-rpo-hours": str(target)}
    return wl.model_copy(update={"cross_region_rpo_hours": target, "cross_region_achieved_rpo_hours": achieved,
                                 "tags": tags})


def _scale_problems(workloads: Mapping[str, Workload]) -> list[str]:
    """Azure's per-vault limit: at most 1,000 VMs in one vault (one vault per region here)."""
    out = []
    for region in sorted({w.region for w in workloads.values()}):
        ws = [w for w in workloads.values() if w.region == region]
        count = sum(w.vm_count for w in ws)
        if count > facts.MAX_VMS_PER_VAULT:
            out.append(_problem(
                "workloads", _Shown(f"{count} VMs in {region}"),
                f"at most {facts.MAX_VMS_PER_VAULT} VMs per region: Azure Backup protects up to"
                f" {facts.MAX_VMS_PER_VAULT} VMs in one vault (https://learn.microsoft.com/azure/backup/backup-support-matrix);"
                " move workloads to another region or stack"))
    return out


_STRING_KEYS = {"drRegion", "namePrefix", "adminPassword"}


def _decode(key: str, value: Any) -> Any:
    """Config values arrive as the engine hands them over: strings, structured ones JSON-encoded."""
    if not isinstance(value, str) or key in _STRING_KEYS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _raw_values(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The values decoded (:func:`_decode`); ``drRegion`` and ``adminPassword`` left out when ""."""
    data = {k: _decode(k, v) for k, v in raw.items()}
    for key in ("drRegion", "adminPassword"):
        if data.get(key) == "":
            data.pop(key)  # Pulumi.yaml declares "" as their default: unset
    return data


def _secret_and_location_problems(data: Mapping[str, Any], location: str | None,
                                  secret_keys: Collection[str]) -> list[str]:
    """What is checked before the models: adminPassword set as a secret, the primary region set and known."""
    problems = []
    if "adminPassword" in data and "adminPassword" not in secret_keys:
        problems.append(_problem("adminPassword", _Shown("[not secret]"),
                                 "a secret: set it with `pulumi config set --secret adminPassword`"))
    if location is None or location == "":
        problems.append(_problem(LOCATION_KEY, _MISSING,
                                 "the primary region, e.g. `pulumi config set azure-native:location westeurope`"))
    elif not facts.is_known_region(location):
        problems.append(_region_problem(LOCATION_KEY, location))
    return problems


def _password_problems(cfg: ProgramConfig, workloads: Mapping[str, Workload]) -> list[str]:
    """Password authentication needs the ``adminPassword`` secret."""
    names = [n for n, w in workloads.items() if w.authentication == "password"]
    if not names or cfg.admin_password is not None:
        return []
    return [_problem("adminPassword", _MISSING, f"a secret password, required by password authentication"
                     f" ({', '.join(names)}): `pulumi config set --secret adminPassword`")]


def parse_stack_config(raw: Mapping[str, Any], *, location: str | None, project: str = NAMESPACE,
                       secret_keys: Collection[str] = ()) -> StackConfig:
    """Validate the ``azure-iaas-dr`` namespace (keys without the namespace) and resolve it.

    ``raw`` values may be decoded (YAML) or as the engine passes them (JSON strings). ``secret_keys``
    are the keys (without namespace) whose values came from secure config. Raises :class:`ConfigError`.
    """
    data = _raw_values(raw)
    problems = _secret_and_location_problems(data, location, secret_keys)
    try:
        cfg = ProgramConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems + _pydantic_problems(exc)) from None
    if problems:
        raise ConfigError(problems)
    assert location is not None
    stack_dr = _resolve_dr("drRegion", location, cfg.dr_region, problems)
    vault = _resolve_vault(cfg.vault, problems)
    _check_security(cfg, location, problems)
    workloads: dict[str, Workload] = {}
    for name, w in cfg.workloads.items():
        resolved = _resolve_workload(name, w, cfg, location, stack_dr, problems)
        if resolved is not None:
            workloads[name] = _resolve_cross_region(name, w, resolved, vault, problems)
    problems += _scale_problems(workloads)
    problems += _password_problems(cfg, workloads)
    problems += _up_problems(cfg, vault, workloads)
    if problems:
        raise ConfigError(problems)
    assert stack_dr is not None
    return StackConfig(
        project=project, location=location, dr_region=stack_dr, name_prefix=cfg.name_prefix,
        protect=cfg.protect, retain_on_delete=cfg.retain_on_delete, tags=dict(cfg.tags), vault=vault,
        config_backup=cfg.config_backup, admin_password=cfg.admin_password, workloads=workloads,
        security=cfg.security, monitoring=cfg.monitoring,
    )


def _up_problems(cfg: ProgramConfig, vault: Vault, workloads: dict[str, Workload]) -> list[str]:
    """What Azure or Pulumi would refuse at `up` (components/config/checks.py, issue 13)."""
    vault_groups = [(r, vault_resource_group_name(vault.existing_resource_groups, cfg.name_prefix, r))
                    for r in sorted({w.region for w in workloads.values()})]
    return [_problem(path, value, allowed)
            for path, value, allowed in stack_problems(cfg.tags, workloads, vault_groups)]
