"""Stack config model: exact messages for invalid configs, presets, regions, the committed stack files."""

import json
from pathlib import Path

import jsonschema
import pulumi
import pytest
import yaml
from pydantic import BaseModel
from pulumi_azure_native import compute

from components import config as c
from components import facts as regions
from components import facts as facts_module

ROOT = Path(__file__).resolve().parents[2]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"


#: Consistent snapshots copied to the DR region: a cross-region path besides Azure Backup.
SETS = {"pointsInTime": ["20260101t0000z"]}


def wl(**kw):
    return {"tier": "reporting", "sshPublicKey": KEY, **kw}


def parse(workloads=None, location="westeurope", secret_keys=(), **top):
    raw = {"workloads": workloads if workloads is not None else {"r": wl()}, **top}
    return c.parse_stack_config(raw, location=location, secret_keys=secret_keys)


def problems(**kw):
    with pytest.raises(c.ConfigError) as exc:
        parse(**kw)
    assert isinstance(exc.value, pulumi.RunError)
    return exc.value.problems


# --- valid configs and resolution -------------------------------------------------------------------------

def test_committed_dev_stack_validates_and_resolves_the_seed_scenarios():
    cfg = c.load_stack_file(ROOT / "Pulumi.dev.yaml")
    assert cfg.location == "westeurope" and cfg.dr_region == "northeurope"
    assert cfg.protect is False and cfg.retain_on_delete is True
    assert {n: (w.tier, w.vm_count, w.high_availability, w.backup.frequency, w.backup.interval_hours,
                w.backup.policy_type) for n, w in cfg.workloads.items()} == {
        "database": ("database", 2, True, "Hourly", 4, "V2"),
        "app": ("app-server", 2, True, "Hourly", 4, "V2"),
        "reporting": ("reporting", 1, False, "Daily", 24, "V2"),
    }
    assert cfg.regions == ["westeurope"]
    assert cfg.workloads["reporting"].backup_scope == "osDiskOnly"


@pytest.mark.parametrize("tier", sorted(c.TIERS))
def test_tier_presets_resolve_to_their_defaults(tier):
    t = c.TIERS[tier]
    w = parse(workloads={"w": wl(tier=tier)}).workloads["w"]
    assert (w.rpo_hours, w.high_availability, w.vm_count, w.vm_size, w.os_disk_sku) == (
        t.rpo_hours, t.high_availability, t.vm_count, t.vm_size, t.disk_sku)
    assert w.backup.retention == c.Retention(daily_days=t.daily_days, weekly_weeks=t.weekly_weeks,
                                             monthly_months=t.monthly_months, yearly_years=t.yearly_years)
    assert w.backup.instant_restore_days == t.instant_restore_days
    assert w.tags == {"dr-workload": "w", "dr-tier": tier, "dr-high-availability": str(t.high_availability).lower(),
                      "dr-rpo-hours": str(t.rpo_hours), "dr-cross-region-rpo-hours": "36"}
    assert (w.cross_region_rpo_hours, w.cross_region_achieved_rpo_hours) == (36, 36)


def test_workload_overrides_presets_field_by_field():
    w = parse(workloads={"w": wl(tier="critical-data", rpoHours=12, retention={"yearlyYears": 3},
                                 instantRestoreDays=9, diskSku="Premium_ZRS", vmCount=3,
                                 highAvailability=True)}).workloads["w"]
    assert w.backup.retention == c.Retention(daily_days=30, weekly_weeks=12, monthly_months=60, yearly_years=3)
    assert (w.backup.frequency, w.backup.interval_hours, w.backup.effective_rpo_hours, w.backup.policy_type) == (
        "Hourly", 12, 12, "V2")
    assert (w.backup.instant_restore_days, w.os_disk_sku, w.vm_count, w.high_availability) == (9, "Premium_ZRS", 3, True)


@pytest.mark.parametrize("rpo,frequency,interval", [
    (4, "Hourly", 4), (5, "Hourly", 4), (6, "Hourly", 6), (7, "Hourly", 6), (8, "Hourly", 8), (11, "Hourly", 8),
    (12, "Hourly", 12), (23, "Hourly", 12), (24, "Daily", 24), (168, "Daily", 24)])
def test_rpo_picks_the_largest_interval_that_meets_it(rpo, frequency, interval):
    b = parse(workloads={"w": wl(rpoHours=rpo, instantRestoreDays=2)}).workloads["w"].backup
    assert (b.frequency, b.interval_hours, b.effective_rpo_hours) == (frequency, interval, interval)
    assert b.window_hours == (20 if frequency == "Hourly" else None)
    assert b.start_time_utc == ("04:00" if frequency == "Hourly" else "22:00")


def test_policy_type_v1_only_without_trusted_launch_hourly_or_v2_disks():
    w = parse(workloads={"w": wl(trustedLaunch=False)}).workloads["w"]
    assert w.backup.policy_type == "V1"
    w = parse(workloads={"w": wl(trustedLaunch=False, dataDisks=[{"lun": 0, "sizeGb": 64, "sku": "PremiumV2_LRS"}])}
              ).workloads["w"]
    assert (w.backup.policy_type, w.os_disk_sku, w.data_disks[0].sku) == ("V2", "StandardSSD_LRS", "PremiumV2_LRS")
    w = parse(workloads={"w": wl(trustedLaunch=False, diskSku="UltraSSD_LRS", dataDisks=[{"lun": 0, "sizeGb": 64}])}
              ).workloads["w"]
    assert (w.backup.policy_type, w.os_disk_sku, w.data_disks[0].sku) == ("V2", "Premium_LRS", "UltraSSD_LRS")


@pytest.mark.parametrize("rpo,days", [(4, 17), (6, 22), (8, 22), (12, 30), (24, 30)])  # 8 h cap undocumented: 22, the safe side
def test_instant_restore_caps_accept_the_boundary(rpo, days):
    w = parse(workloads={"w": wl(rpoHours=rpo, instantRestoreDays=days, retention={"dailyDays": 30})}).workloads["w"]
    assert w.backup.instant_restore_days == days


def test_v1_instant_restore_accepts_5():
    assert parse(workloads={"w": wl(trustedLaunch=False, instantRestoreDays=5)}).workloads["w"].backup.instant_restore_days == 5


CUSTOM = {"sourceId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/i",
          "publisher": "p", "offer": "o", "sku": "s"}


def test_custom_image_hyperv_generation_defaults_to_v2_and_v1_needs_trusted_launch_off():
    assert parse(workloads={"w": wl(customImage=CUSTOM)}).workloads["w"].custom_image.hyper_v_generation == "V2"
    w = parse(workloads={"w": wl(trustedLaunch=False, customImage={**CUSTOM, "hyperVGeneration": "V1"})}).workloads["w"]
    assert (w.custom_image.hyper_v_generation, w.trusted_launch, w.backup.policy_type) == ("V1", False, "V1")


def test_hyperv_generation_values_are_the_azure_native_wire_values():
    import typing
    field = c.CustomImageInput.model_fields["hyper_v_generation"]
    assert (field.alias, set(typing.get_args(field.annotation))) == (
        "hyperVGeneration", {e.value for e in compute.HyperVGeneration})


# --- regions ---------------------------------------------------------------------------------------------

def test_dr_region_defaults_to_the_pair_and_may_be_overridden():
    cfg = parse(workloads={"a": wl(), "b": wl(region="westus3"), "c": wl(region="brazilsouth"),
                           "d": wl(region="italynorth", drRegion="francecentral", consistentSnapshots=SETS),
                           "e": wl(region="eastus", drRegion="eastus2")})
    got = {n: (w.region, w.dr_region, w.dr_region_is_pair) for n, w in cfg.workloads.items()}
    assert got == {
        "a": ("westeurope", "northeurope", True),
        "b": ("westus3", "eastus", True),  # one-way pair: eastus pairs with westus
        "c": ("brazilsouth", "southcentralus", True),  # one-way pair
        "d": ("italynorth", "francecentral", False),  # unpaired: explicit
        "e": ("eastus", "eastus2", False),
    }
    assert cfg.regions == ["westeurope", "brazilsouth", "eastus", "italynorth", "westus3"]
    assert regions.is_one_way_pair("westus3") and not regions.is_one_way_pair("westeurope")


def test_stack_dr_region_applies_to_the_primary_region_only():
    cfg = parse(workloads={"a": wl(), "b": wl(region="uksouth")}, drRegion="swedencentral")
    assert (cfg.dr_region, cfg.workloads["a"].dr_region, cfg.workloads["b"].dr_region) == (
        "swedencentral", "swedencentral", "ukwest")


UNPAIRED = ("austriaeast, belgiumcentral, chilecentral, denmarkeast, indonesiacentral, israelcentral, italynorth, "
            "malaysiawest, mexicocentral, newzealandnorth, polandcentral, qatarcentral, spaincentral")


def test_unpaired_primary_region_requires_a_dr_region():
    assert problems(location="italynorth") == [
        f'azure-iaas-dr:drRegion: <missing>: required: region "italynorth" has no Azure paired region '
        f"(unpaired regions: {UNPAIRED}); name a DR region explicitly"]
    assert parse(location="italynorth", drRegion="francecentral",
                 workloads={"r": wl(consistentSnapshots=SETS)}).workloads["r"].dr_region == "francecentral"


def test_unpaired_workload_region_requires_a_dr_region():
    assert problems(workloads={"r": wl(region="polandcentral")}) == [
        f'azure-iaas-dr:workloads.r.drRegion: <missing>: required: region "polandcentral" has no Azure paired '
        f"region (unpaired regions: {UNPAIRED}); name a DR region explicitly"]


def test_unknown_regions_are_rejected_with_a_suggestion():
    assert problems(location="westeurop") == [
        'azure-native:location: "westeurop": an Azure region\'s programmatic name, e.g. "westeurope" '
        '(see components/facts.py); did you mean "westeurope"?']
    assert problems(workloads={"r": wl(region="mars")}) == [
        'azure-iaas-dr:workloads.r.region: "mars": an Azure region\'s programmatic name, e.g. "westeurope" '
        "(see components/facts.py)"]
    assert problems(location=None) == [
        "azure-native:location: <missing>: the primary region, e.g. "
        "`pulumi config set azure-native:location westeurope`"]


def test_dr_region_must_differ_from_the_region():
    assert problems(workloads={"r": wl(drRegion="westeurope")}) == [
        'azure-iaas-dr:workloads.r.drRegion: "westeurope": a region other than the primary region "westeurope"']


def test_region_table_is_consistent():
    assert not set(regions.REGION_PAIRS) & regions.UNPAIRED_REGIONS
    assert all(v in regions.KNOWN_REGIONS and v != k for k, v in regions.REGION_PAIRS.items())
    assert {k for k in regions.REGION_PAIRS if regions.is_one_way_pair(k)} == {
        "brazilsouth", "brazilsoutheast", "westindia", "westus3"}


# --- invalid configs: exact messages ------------------------------------------------------------------------

SOFT_DELETE_REFUSED = (
    'azure-iaas-dr:vault.softDelete: "Disabled": "Enabled" or "AlwaysON": soft delete cannot be disabled (secure by'
    " default from Recovery Services API 2024-09-30-preview; azure-native sends 2024-10-01), and deleting a"
    " protected item always soft-deletes it (https://learn.microsoft.com/azure/backup/secure-by-default)")
PATHS = ("Azure Site Recovery (workloads.{0}.siteRecovery), or consistent snapshots copied to the DR region on a"
         " schedule (workloads.{0}.consistentSnapshots with copyToDrRegion: true)")

CASES = {
    "ha-needs-two-vms": (
        {"workloads": {"db": wl(tier="database", vmCount=1)}},
        ["azure-iaas-dr:workloads.db.vmCount: 1: a high-availability workload needs at least 2 VMs in its "
         "availability set (set vmCount to 2 or more, or highAvailability: false)"]),
    "rpo-under-4h": (
        {"workloads": {"db": wl(rpoHours=2)}},
        ["azure-iaas-dr:workloads.db.rpoHours: 2: at least 4: Azure Backup for VMs backs up at most every 4 hours;"
         " for a tighter RPO use application replication (e.g. SQL Server Always On) and consistent snapshots"
         " (workloads.db.consistentSnapshots), then set rpoHours to 4 or more"]),
    "rpo-3h-boundary": (
        {"workloads": {"db": wl(tier="database", rpoHours=3)}},
        ["azure-iaas-dr:workloads.db.rpoHours: 3: at least 4: Azure Backup for VMs backs up at most every 4 hours;"
         " for a tighter RPO use application replication (e.g. SQL Server Always On) and consistent snapshots"
         " (workloads.db.consistentSnapshots), then set rpoHours to 4 or more"]),
    "v2-daily-instant-restore-over-retention": (
        {"workloads": {"r": wl(instantRestoreDays=30, retention={"dailyDays": 29})}},
        ["azure-iaas-dr:workloads.r.instantRestoreDays: 30: at most the daily retention (29 days)"]),
    "fault-domains": (
        {"workloads": {"db": wl(availabilitySet={"faultDomains": 4})}},
        ["azure-iaas-dr:workloads.db.availabilitySet.faultDomains: 4: 2 or 3 (Azure regions offer 2 or 3 "
         "managed-disk fault domains)"]),
    "update-domains": (
        {"workloads": {"db": wl(availabilitySet={"updateDomains": 21})}},
        ["azure-iaas-dr:workloads.db.availabilitySet.updateDomains: 21: an integer from 1 to 20"]),
    "v1-instant-restore": (
        {"workloads": {"r": wl(trustedLaunch=False, instantRestoreDays=6)}},
        ["azure-iaas-dr:workloads.r.instantRestoreDays: 6: 1 to 5 days with a Standard (V1) policy (this workload"
         " gets V1: daily backups, no Trusted Launch, no Premium SSD v2/Ultra disks)"]),
    "v2-4h-instant-restore": (
        {"workloads": {"r": wl(rpoHours=4, instantRestoreDays=18, retention={"dailyDays": 30})}},
        ["azure-iaas-dr:workloads.r.instantRestoreDays: 18: 1 to 17 days with an Enhanced (V2) policy backing up"
         " every 4 hours"]),
    "v2-6h-instant-restore": (
        {"workloads": {"r": wl(rpoHours=6, instantRestoreDays=23, retention={"dailyDays": 30})}},
        ["azure-iaas-dr:workloads.r.instantRestoreDays: 23: 1 to 22 days with an Enhanced (V2) policy backing up"
         " every 6 hours"]),
    "v2-instant-restore-max": (
        {"workloads": {"r": wl(instantRestoreDays=31)}},
        ["azure-iaas-dr:workloads.r.instantRestoreDays: 31: an integer from 1 to 30"]),
    "instant-restore-over-retention": (
        {"workloads": {"r": wl(instantRestoreDays=8)}},
        ["azure-iaas-dr:workloads.r.instantRestoreDays: 8: at most the daily retention (7 days)"]),
    "retention-maxima": (
        {"workloads": {"r": wl(retention={"dailyDays": 10000, "weeklyWeeks": 5164, "monthlyMonths": 1189,
                                          "yearlyYears": 100})}},
        ["azure-iaas-dr:workloads.r.retention.dailyDays: 10000: an integer from 7 to 9999",
         "azure-iaas-dr:workloads.r.retention.weeklyWeeks: 5164: an integer from 0 to 5163 (Azure's maximum)",
         "azure-iaas-dr:workloads.r.retention.monthlyMonths: 1189: an integer from 0 to 1188 (Azure's maximum)",
         "azure-iaas-dr:workloads.r.retention.yearlyYears: 100: an integer from 0 to 99 (Azure's maximum)"]),
    "soft-delete-retention": (
        {"vault": {"softDeleteRetentionDays": 13}},
        ["azure-iaas-dr:vault.softDeleteRetentionDays: 13: an integer from 14 to 180"]),
    "unmanaged-disks": (
        {"workloads": {"r": wl(managedDisks=False)}},
        ["azure-iaas-dr:workloads.r.managedDisks: false: true: unmanaged (VHD) disks are retired on 31 March 2026"
         " (VMs using them cannot start afterwards) and their backup is deprecated; use managed disks"]),
    "v2-os-disk": (
        {"workloads": {"r": wl(osDiskSku="PremiumV2_LRS")}},
        ['azure-iaas-dr:workloads.r.osDiskSku: "PremiumV2_LRS": one of "Standard_LRS", "Premium_LRS", '
         '"StandardSSD_LRS", "Premium_ZRS", "StandardSSD_ZRS": Premium SSD v2 and Ultra disks can only be data disks']),
    "ultra-os-disk": (
        {"workloads": {"r": wl(osDiskSku="UltraSSD_LRS")}},
        ['azure-iaas-dr:workloads.r.osDiskSku: "UltraSSD_LRS": one of "Standard_LRS", "Premium_LRS", '
         '"StandardSSD_LRS", "Premium_ZRS", "StandardSSD_ZRS": Premium SSD v2 and Ultra disks can only be data disks']),
    "bad-disk-sku": (
        {"workloads": {"r": wl(diskSku="Premium_SSD")}},
        ['azure-iaas-dr:workloads.r.diskSku: "Premium_SSD": one of "Standard_LRS", "Premium_LRS", '
         '"StandardSSD_LRS", "UltraSSD_LRS", "Premium_ZRS", "StandardSSD_ZRS" or "PremiumV2_LRS"']),
    "v2-disk-in-availability-set": (
        {"workloads": {"db": wl(tier="database", dataDisks=[{"lun": 0, "sizeGb": 64, "sku": "PremiumV2_LRS"}])}},
        ['azure-iaas-dr:workloads.db.dataDisks[0].sku: "PremiumV2_LRS": a SKU other than PremiumV2_LRS/UltraSSD_LRS'
         " for a high-availability workload: Premium SSD v2 and Ultra disks need zonal VMs, which cannot join an"
         " availability set (Premium SSD v2 with availability sets exists only in australiasoutheast, canadaeast,"
         " northcentralus, ukwest, westcentralus, westus after registering the PV2WithAVSetRegionWithoutZone"
         " feature, which the program does not assume)"]),
    "disk-too-big": (
        {"workloads": {"r": wl(dataDisks=[{"lun": 0, "sizeGb": 40000}])}},
        ["azure-iaas-dr:workloads.r.dataDisks[0].sizeGb: 40000: at most 32767 GiB for StandardSSD_LRS (up to 65536"
         " only for PremiumV2_LRS and UltraSSD_LRS)"]),
    "duplicate-lun": (
        {"workloads": {"r": wl(dataDisks=[{"lun": 1, "sizeGb": 8}, {"lun": 1, "sizeGb": 8}])}},
        ["azure-iaas-dr:workloads.r.dataDisks[1].lun: 1: a LUN not used by another data disk"]),
    "too-many-disks": (
        {"workloads": {"r": wl(dataDisks=[{"lun": i, "sizeGb": 8} for i in range(32)])}},
        ["azure-iaas-dr:workloads.r.dataDisks: 32 disks: at most 31 data disks (Azure Backup supports up to 32"
         " disks per VM, OS disk included)"]),
    "selected-luns-unknown": (
        {"workloads": {"r": wl(dataDisks=[{"lun": 0, "sizeGb": 8}], backupScope="selectedDataDisks",
                               backupDataDiskLuns=[0, 3])}},
        ["azure-iaas-dr:workloads.r.backupDataDiskLuns: 3: a LUN of one of the workload's dataDisks: 0"]),
    "selected-luns-empty": (
        {"workloads": {"r": wl(backupScope="selectedDataDisks")}},
        ["azure-iaas-dr:workloads.r.backupDataDiskLuns: []: a non-empty list of data-disk LUNs when backupScope is"
         " selectedDataDisks"]),
    "luns-without-scope": (
        {"workloads": {"r": wl(dataDisks=[{"lun": 0, "sizeGb": 8}], backupDataDiskLuns=[0])}},
        ['azure-iaas-dr:workloads.r.backupDataDiskLuns: [0]: only with backupScope "selectedDataDisks"']),
    "unknown-key": (
        {"workloads": {"r": wl(vmcount=2)}},
        ["azure-iaas-dr:workloads.r.vmcount: [value hidden]: unknown key; allowed keys: " + ", ".join(sorted(
            f.alias for f in c.WorkloadInput.model_fields.values()))]),
    "unknown-top-key": (
        {"vaults": {}},
        ["azure-iaas-dr:vaults: [value hidden]: unknown key; allowed keys: adminPassword, configBackup, drRegion, monitoring, "
         "namePrefix, protect, retainOnDelete, security, tags, vault, workloads"]),
    "snake-case-key": (
        {"workloads": {"r": wl(vm_count=2)}},
        ["azure-iaas-dr:workloads.r.vm_count: [value hidden]: unknown key; allowed keys: " + ", ".join(sorted(
            f.alias for f in c.WorkloadInput.model_fields.values()))]),
    "missing-tier": (
        {"workloads": {"r": {"sshPublicKey": KEY}}},
        ["azure-iaas-dr:workloads.r.tier: <missing>: required (Preset whose defaults the workload starts from)"]),
    "bad-tier": (
        {"workloads": {"r": wl(tier="gold")}},
        ['azure-iaas-dr:workloads.r.tier: "gold": one of "database", "cluster", "app-server", "reporting" or '
         '"critical-data"']),
    "no-workloads": (
        {"workloads": {}},
        ["azure-iaas-dr:workloads: {}: a map of at least one workload"]),
    "bad-workload-name": (
        {"workloads": {"Web_1": wl()}},
        ["azure-iaas-dr:workloads.Web_1: \"Web_1\": a workload name: 1-24 lower-case letters, digits or '-', "
         "starting with a letter"]),
    "bad-bool": (
        {"protect": "maybe"},
        ['azure-iaas-dr:protect: "maybe": true or false']),
    "string-for-int": (
        {"workloads": {"r": wl(vmCount="2")}},
        ['azure-iaas-dr:workloads.r.vmCount: "2": an integer from 1 to 100']),
    "missing-ssh-key": (
        {"workloads": {"r": {"tier": "reporting"}}},
        ['azure-iaas-dr:workloads.r.sshPublicKey: <missing>: an OpenSSH public key, required when authentication '
         'is "ssh"']),
    "bad-ssh-key": (
        {"workloads": {"r": wl(sshPublicKey="hunter2")}},
        ['azure-iaas-dr:workloads.r.sshPublicKey: [value hidden]: an OpenSSH public key ("ssh-ed25519 AAAA…" or '
         '"ssh-rsa AAAA…")']),
    "password-without-secret": (
        {"workloads": {"r": {"tier": "reporting", "authentication": "password"}}},
        ["azure-iaas-dr:adminPassword: <missing>: a secret password, required by password authentication (r): "
         "`pulumi config set --secret adminPassword`"]),
    "plain-text-password": (
        {"adminPassword": "hunter2"},
        ["azure-iaas-dr:adminPassword: [not secret]: a secret: set it with `pulumi config set --secret "
         "adminPassword`"]),
    "hourly-window-start": (
        {"workloads": {"r": wl(rpoHours=6, backupStartTimeUtc="20:00")}},
        ['azure-iaas-dr:workloads.r.backupStartTimeUtc: "20:00": an hourly window start from "00:00" to "19:30" '
         "(UTC)"]),
    "start-time-format": (
        {"workloads": {"r": wl(backupStartTimeUtc="22:15")}},
        ['azure-iaas-dr:workloads.r.backupStartTimeUtc: "22:15": "HH:MM" (UTC) on a :00 or :30 boundary']),
    "window-shorter-than-interval": (
        {"workloads": {"r": wl(rpoHours=12, backupWindowHours=8)}},
        ["azure-iaas-dr:workloads.r.backupWindowHours: 8: at least the backup interval (12 hours) up to 23"]),
    "window-on-daily": (
        {"workloads": {"r": wl(backupWindowHours=8)}},
        ["azure-iaas-dr:workloads.r.backupWindowHours: 8: only for hourly schedules (rpoHours under 24); remove it"]),
    "subnet-outside-space": (
        {"workloads": {"r": wl(network={"addressSpace": "10.0.0.0/16", "subnetPrefix": "10.1.0.0/24"})}},
        ['azure-iaas-dr:workloads.r.network.subnetPrefix: "10.1.0.0/24": a CIDR inside addressSpace 10.0.0.0/16']),
    "bad-cidr": (
        {"workloads": {"r": wl(network={"addressSpace": "10.0.0.1/16"})}},
        ['azure-iaas-dr:workloads.r.network.addressSpace: "10.0.0.1/16": an IPv4 CIDR block such as '
         '"10.10.0.0/16" (host bits zero)']),
    "image-and-custom-image": (
        {"workloads": {"r": wl(image={}, customImage={
            "sourceId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/i",
            "publisher": "p", "offer": "o", "sku": "s"})}},
        ["azure-iaas-dr:workloads.r.customImage: set together with image: either image or customImage, not both"]),
    "gen1-image-with-trusted-launch": (
        {"workloads": {"r": wl(customImage={
            "sourceId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/i",
            "publisher": "p", "offer": "o", "sku": "s", "hyperVGeneration": "V1"})}},
        ['azure-iaas-dr:workloads.r.customImage.hyperVGeneration: "V1": "V2" when trustedLaunch is true (Trusted'
         " Launch boots only Generation 2 images); or set trustedLaunch: false for a Generation 1 image"]),
    "bad-hyperv-generation": (
        {"workloads": {"r": wl(customImage={
            "sourceId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/i",
            "publisher": "p", "offer": "o", "sku": "s", "hyperVGeneration": "V3"})}},
        ['azure-iaas-dr:workloads.r.customImage.hyperVGeneration: "V3": one of "V1" or "V2"']),
    "replica-count": (
        {"workloads": {"r": wl(customImage={
            "sourceId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/i",
            "publisher": "p", "offer": "o", "sku": "s", "replicaCount": 0})}},
        ["azure-iaas-dr:workloads.r.customImage.replicaCount: 0: an integer from 1 to 100"]),
    "snapshot-labels": (
        {"workloads": {"r": wl(consistentSnapshots={"pointsInTime": []})}},
        ['azure-iaas-dr:workloads.r.consistentSnapshots.pointsInTime: []: a non-empty list of labels '
         '"YYYYMMDDtHHMMz"']),
    "config-backup-sku": (
        {"configBackup": {"sku": "Standard_LRS"}},
        ['azure-iaas-dr:configBackup.sku: "Standard_LRS": one of "Standard_RAGRS" or "Standard_RAGZRS"']),
    "lrs-vault-without-flag": (
        {"vault": {"storageRedundancy": "LocallyRedundant"}},
        ['azure-iaas-dr:vault.storageRedundancy: "LocallyRedundant": "GeoRedundant" (backups must leave the '
         "region), or set vault.allowWeakerPosture: true to accept it explicitly"]),
    "crr-off-without-flag": (
        {"vault": {"crossRegionRestore": False}},
        ["azure-iaas-dr:vault.crossRegionRestore: false: true (restore into the paired region), or set "
         "vault.allowWeakerPosture: true to accept it explicitly"]),
    "crr-needs-grs": (
        {"vault": {"storageRedundancy": "ZoneRedundant", "crossRegionRestore": True, "allowWeakerPosture": True}},
        ['azure-iaas-dr:vault.crossRegionRestore: true: false unless storageRedundancy is "GeoRedundant" '
         "(cross-region restore needs a geo-redundant vault)"]),
    "other-weakenings-without-flag": (
        {"vault": {"softDelete": "Disabled", "immutability": "Disabled", "publicNetworkAccess": "Enabled",
                   "jobFailureAlerts": False}},
        ['azure-iaas-dr:vault.immutability: "Disabled": "Unlocked" or "Locked", or set vault.allowWeakerPosture: '
         "true to accept it explicitly",
         'azure-iaas-dr:vault.publicNetworkAccess: "Enabled": "Disabled", or set vault.allowWeakerPosture: true '
         "to accept it explicitly",
         "azure-iaas-dr:vault.jobFailureAlerts: false: true, or set vault.allowWeakerPosture: true to accept it "
         "explicitly", SOFT_DELETE_REFUSED]),
    # audit W4: secure by default, soft delete cannot be turned off, whatever allowWeakerPosture says
    "soft-delete-disabled-refused-even-with-flag": (
        {"vault": {"softDelete": "Disabled", "allowWeakerPosture": True}}, [SOFT_DELETE_REFUSED]),
    "bad-immutability": (
        {"vault": {"immutability": "locked"}},
        ['azure-iaas-dr:vault.immutability: "locked": one of "Unlocked", "Locked" or "Disabled"']),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_config_exact_messages(case):
    top, expected = CASES[case]
    top = dict(top)
    assert problems(workloads=top.pop("workloads", None), secret_keys=(), **top) == expected


def test_every_problem_is_reported_at_once():
    got = problems(workloads={"a": wl(tier="database", vmCount=1), "b": wl(rpoHours=1)},
                   vault={"storageRedundancy": "LocallyRedundant"})
    assert len(got) == 3
    assert [p.split(":")[1].split(" ")[0] for p in got] == ["vault.storageRedundancy", "workloads.a.vmCount",
                                                           "workloads.b.rpoHours"]
    assert str(c.ConfigError(got)).splitlines()[0] == "invalid stack configuration:"


def test_weakened_vault_is_accepted_with_the_explicit_flag():
    v = parse(vault={"storageRedundancy": "LocallyRedundant", "allowWeakerPosture": True}).vault
    assert (v.storage_redundancy, v.cross_region_restore) == ("LocallyRedundant", False)
    v = parse().vault
    assert v.model_dump() == {
        "storage_redundancy": "GeoRedundant", "cross_region_restore": True, "soft_delete": "Enabled",
        "enhanced_security": "Enabled", "soft_delete_retention_days": 14, "immutability": "Unlocked",
        "public_network_access": "Disabled", "job_failure_alerts": True, "delete_lock": True,
        "allow_weaker_posture": False, "existing_resource_groups": {}}
    v = parse(vault={"softDelete": "AlwaysON", "immutability": "Locked"}).vault
    assert (v.soft_delete, v.enhanced_security, v.immutability) == ("AlwaysON", "AlwaysON", "Locked")


def test_secret_password_is_accepted_and_never_shown():
    cfg = parse(workloads={"r": {"tier": "reporting", "authentication": "password"}}, adminPassword="s3cr3t!",
                secret_keys={"adminPassword"})
    assert cfg.admin_password.get_secret_value() == "s3cr3t!"
    assert "s3cr3t" not in repr(cfg)


# --- runtime loading -------------------------------------------------------------------------------------

def test_load_stack_config_reads_the_engine_shaped_runtime_config(monkeypatch):
    from pulumi.runtime import config as rc

    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    rc.set_all_config({
        "azure-native:location": "uksouth",
        "azure-iaas-dr:workloads": json.dumps({"r": wl()}),
        "azure-iaas-dr:protect": "false",
        "azure-iaas-dr:drRegion": "",
        "azure-iaas-dr:vault": "{}",
        "other:key": "ignored",
    }, [])
    try:
        cfg = c.load_stack_config("azure-iaas-dr")
        assert (cfg.location, cfg.dr_region, cfg.protect) == ("uksouth", "ukwest", False)
        rc.set_all_config({"azure-native:location": "uksouth", "azure-iaas-dr:workloads": json.dumps({"r": wl()}),
                           "azure-iaas-dr:typo": "1"}, [])
        with pytest.raises(c.ConfigError) as exc:
            c.load_stack_config("azure-iaas-dr")
        assert exc.value.problems == [
            "azure-iaas-dr:typo: [value hidden]: unknown key; allowed keys: adminPassword, configBackup, drRegion, monitoring, "
            "namePrefix, protect, retainOnDelete, security, tags, vault, workloads"]
    finally:
        rc.set_all_config({}, [])


def test_load_stack_config_reads_pulumi_config_env(monkeypatch):
    from pulumi.runtime import config as rc

    rc.set_all_config({}, [])
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({
        "azure-native:location": "japaneast", "azure-iaas-dr:workloads": json.dumps({"r": wl()}),
        "azure-iaas-dr:adminPassword": "pw"}))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(["azure-iaas-dr:adminPassword"]))
    cfg = c.load_stack_config("azure-iaas-dr")
    assert (cfg.location, cfg.dr_region, cfg.admin_password.get_secret_value()) == ("japaneast", "japanwest", "pw")


def test_load_stack_config_takes_secret_keys_set_under_mocks(monkeypatch):
    """Secret keys given to ``set_all_config`` (the mocks' path) count through the public
    ``pulumi.runtime.is_config_secret``; the same value without the secret mark is refused."""
    from pulumi.runtime import config as rc

    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_SECRET_KEYS", raising=False)
    values = {"azure-native:location": "uksouth", "azure-iaas-dr:workloads": json.dumps({"r": wl()}),
              "azure-iaas-dr:adminPassword": "pw"}
    try:
        rc.set_all_config(values, ["azure-iaas-dr:adminPassword"])
        assert c.load_stack_config("azure-iaas-dr").admin_password.get_secret_value() == "pw"
        rc.set_all_config(values, [])
        with pytest.raises(c.ConfigError) as exc:
            c.load_stack_config("azure-iaas-dr")
        assert [p for p in exc.value.problems if "adminPassword" in p] == [
            "azure-iaas-dr:adminPassword: [not secret]: a secret: set it with `pulumi config set --secret adminPassword`"]
    finally:
        rc.set_all_config({}, [])


def test_loading_uses_no_private_sdk_name():
    import inspect
    import re

    from components.config import load

    assert re.findall(r"(?<![A-Z])_SECRET_KEYS", inspect.getsource(load)) == []


def test_unreadable_stack_file_names_the_file(tmp_path):
    bad = tmp_path / "Pulumi.x.yaml"
    bad.write_text("config: [unclosed")
    with pytest.raises(c.ConfigError) as exc:
        c.load_stack_file(bad)
    assert exc.value.problems[0].startswith(f"{bad}: cannot read stack config: ")


# --- model hygiene and the project file -------------------------------------------------------------------

def _models():
    seen, todo = [], [c.ProgramConfig, c.StackConfig]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.append(m)
        for f in m.model_fields.values():
            for arg in _flatten(f.annotation):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    todo.append(arg)
    return seen


def _flatten(annotation):
    import typing
    yield annotation
    for a in typing.get_args(annotation):
        yield from _flatten(a)


def test_every_model_forbids_extra_keys_and_every_field_is_described():
    models = _models()
    assert len(models) >= 15
    for m in models:
        assert m.model_config.get("extra") == "forbid", m
        for name, f in m.model_fields.items():
            assert f.description, f"{m.__name__}.{name}"


def test_disk_skus_are_exactly_the_azure_native_wire_values():
    import typing
    assert set(typing.get_args(c.DiskSku)) == {e.value for e in compute.DiskStorageAccountTypes}


def test_the_docstring_is_static_and_the_tier_table_has_a_row_per_tier():
    import inspect
    import re

    assert re.search(r"__doc__\s*=", inspect.getsource(c)) is None  # no docstring filled at import
    assert "tools.gendocs" in c.__doc__ and "{" + "TIER_TABLE}" not in c.__doc__
    assert c.tier_table().count("\n") == 1 + len(c.TIERS)


def test_pulumi_yaml_validates_against_pulumis_schema_and_declares_every_key():
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    schema = json.loads((ROOT / "posture" / "schemas" / "project.json").read_text())
    jsonschema.validate(project, schema)
    assert project["name"] == c.NAMESPACE
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    aliases = {f.alias for f in c.ProgramConfig.model_fields.values()}
    assert set(project["config"]) == aliases
    for key, decl in project["config"].items():
        assert decl["description"] and decl["type"] in {"object", "string", "boolean"}, key
        if key != "workloads":
            assert "default" in decl, key  # a declared key without default is required by the CLI
    # the declared defaults are themselves valid config
    defaults = {k: d["default"] for k, d in project["config"].items() if "default" in d}
    cfg = parse(**defaults)
    assert (cfg.protect, cfg.name_prefix, cfg.admin_password) == (True, "dr", None)


def test_dev_stack_has_no_plain_text_secrets():
    doc = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    assert "azure-iaas-dr:adminPassword" not in doc["config"]
    text = (ROOT / "Pulumi.dev.yaml").read_text()
    assert "PRIVATE KEY" not in text and "password" not in text.lower()


# --- issue 11: RPO in-region and cross-region, unpaired and zoneless regions, scale ---------------------------


def test_cross_region_target_under_what_azure_backup_reaches_is_refused_naming_what_reaches_it():
    assert problems(workloads={"db": wl(tier="database", crossRegionRpoHours=8)}) == [
        "azure-iaas-dr:workloads.db.crossRegionRpoHours: 8: at least 36 with Azure Backup alone (only the day's last"
        " backup reaches the vault, then up to 12 h of geo-replication); what reaches 8 h: " + PATHS.format("db")]


def test_cross_region_target_with_snapshot_copies_is_accepted_and_backup_still_achieves_36():
    w = parse(workloads={"db": wl(tier="database", crossRegionRpoHours=8, consistentSnapshots=SETS)}).workloads["db"]
    assert (w.rpo_hours, w.backup.effective_rpo_hours, w.cross_region_rpo_hours, w.cross_region_achieved_rpo_hours) \
        == (4, 4, 8, 36)
    assert w.tags["dr-cross-region-rpo-hours"] == "8"


def test_unpaired_region_gets_a_zone_redundant_vault_and_needs_a_cross_region_path():
    assert problems(workloads={"p": wl(region="polandcentral", drRegion="germanywestcentral")}) == [
        'azure-iaas-dr:workloads.p.region: "polandcentral": a cross-region path: polandcentral has no Azure paired'
        " region, so Azure Backup keeps no copy outside it (its vault is ZoneRedundant); add " + PATHS.format("p")]
    cfg = parse(workloads={"p": wl(region="polandcentral", drRegion="germanywestcentral", consistentSnapshots=SETS),
                           "w": wl()})
    assert (cfg.vault_for("polandcentral").storage_redundancy, cfg.vault_for("polandcentral").cross_region_restore) \
        == ("ZoneRedundant", False)
    assert cfg.vault_for("westeurope").storage_redundancy == "GeoRedundant"
    assert cfg.workloads["p"].cross_region_achieved_rpo_hours is None  # no geo copy: the snapshots are the path
    assert c.vault_fallback_note(cfg.vault, "polandcentral").startswith(
        "polandcentral has no Azure paired region, so its vault cannot be GeoRedundant")
    assert c.vault_fallback_note(cfg.vault, "westeurope") is None


def test_unpaired_region_without_zones_falls_back_to_locally_redundant(monkeypatch):
    monkeypatch.setitem(facts_module.REGION_CAPABILITIES, "polandcentral",
                        {**facts_module.REGION_CAPABILITIES["polandcentral"], "zones": False})
    monkeypatch.setattr(facts_module, "ZONAL_REGIONS", facts_module.ZONAL_REGIONS - {"polandcentral"})
    cfg = parse(workloads={"p": wl(region="polandcentral", drRegion="germanywestcentral", consistentSnapshots=SETS)})
    assert cfg.vault_for("polandcentral").storage_redundancy == "LocallyRedundant"


def test_zone_redundant_disks_only_where_the_region_has_zones():
    # ukwest has no zones: the database tier's Premium_ZRS default becomes Premium_LRS; an explicit ZRS is refused
    w = parse(workloads={"db": wl(tier="database", region="ukwest")}).workloads["db"]
    assert w.os_disk_sku == "Premium_LRS"
    assert problems(workloads={"db": wl(tier="database", region="ukwest", diskSku="StandardSSD_ZRS")}) == [
        'azure-iaas-dr:workloads.db.diskSku: "StandardSSD_ZRS": a locally redundant SKU: ukwest has no availability'
        " zones, so no ZRS disks (https://learn.microsoft.com/azure/reliability/regions-list)"]


def test_crash_consistent_restore_points_refused_on_premium_v2_and_ultra():
    sets = {**SETS, "consistency": "CrashConsistent"}
    assert problems(workloads={"r": wl(dataDisks=[{"lun": 0, "sizeGb": 64, "sku": "PremiumV2_LRS"}],
                                       consistentSnapshots=sets)}) == [
        'azure-iaas-dr:workloads.r.consistentSnapshots.consistency: "CrashConsistent": "ApplicationConsistent":'
        " crash-consistent restore points are not supported on PremiumV2_LRS disks"
        " (https://learn.microsoft.com/azure/virtual-machines/concepts-restore-points)"]
    assert parse(workloads={"r": wl(dataDisks=[{"lun": 0, "sizeGb": 64, "sku": "Premium_LRS"}],
                                    consistentSnapshots=sets)}).workloads["r"].consistent_snapshots.consistency \
        == "CrashConsistent"


def test_more_than_1000_vms_in_one_vault_is_refused():
    ws = {f"w{i}": wl(vmCount=100) for i in range(11)}
    assert problems(workloads=ws) == [
        "azure-iaas-dr:workloads: 1100 VMs in westeurope: at most 1000 VMs per region: Azure Backup protects up to 1000"
        " VMs in one vault (https://learn.microsoft.com/azure/backup/backup-support-matrix); move workloads to another"
        " region or stack"]
    assert len(parse(workloads={f"w{i}": wl(vmCount=100) for i in range(10)}).workloads) == 10


def test_site_recovery_key_tags_the_workload_and_opens_a_cross_region_path():
    """The siteRecovery key (merged Site Recovery work) tags the workload with its target region (default: the
    DR region) and is a cross-region path below Azure Backup's RPO."""
    w_in = c.WorkloadInput.model_validate({"tier": "database", "sshPublicKey": KEY})
    assert c._has_site_recovery(w_in) is False  # noqa: SLF001
    assert "dr-site-recovery" not in parse().workloads["r"].tags
    w = parse(workloads={"db": wl(tier="database", crossRegionRpoHours=1, siteRecovery={})}).workloads["db"]
    assert (w.site_recovery.target_region, w.tags["dr-site-recovery"], w.cross_region_rpo_hours) == (
        "northeurope", "northeurope", 1)
