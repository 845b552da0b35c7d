"""Compliant baseline props per resource type (azure-native v3 wire shapes, camelCase, as the
SDK serializes `*Args`; checked against `pulumi_azure_native/*/_inputs.py` and a mock capture),
plus `mutate` to derive one failing case per branch. One place for every resource type the pack's tests build:
vaults, backup policies, locks, VMs and availability sets; then (stack props as outputs, as ArmMocks returns them:
the inputs plus `id` and `name`) protected items, NSGs, snapshots, gallery image versions, storage accounts and
blob services."""

from __future__ import annotations

import copy
import re
from typing import Any

DELETE: Any = object()
"""Pass as `value` to `mutate` to remove the key."""

_SEG = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def mutate(props: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `props` with `path` (`a.b[0].c`) set to `value` (or removed with DELETE).
    Intermediate dicts are created as needed."""
    out = copy.deepcopy(props)
    parts: list[str | int] = [int(i) if i else n for n, i in _SEG.findall(path)]
    cur: Any = out
    for part in parts[:-1]:
        if isinstance(part, int):
            cur = cur[part]
        else:
            if not isinstance(cur.get(part), (dict, list)):
                cur[part] = {}
            cur = cur[part]
    last = parts[-1]
    if value is DELETE:
        if isinstance(last, int):
            del cur[last]
        else:
            cur.pop(last, None)
    else:
        cur[last] = value
    return out


RG = "rg-dr-weu"
T0 = "2024-01-01T08:00:00Z"


def vault_props() -> dict[str, Any]:
    """`recoveryservices.Vault` with GRS + CRR, soft delete, immutability Unlocked, PNA Disabled."""
    return {
        "resourceGroupName": RG,
        "location": "westeurope",
        "vaultName": "rsv-dr-weu",
        "sku": {"name": "RS0", "tier": "Standard"},
        "properties": {
            "publicNetworkAccess": "Disabled",
            "redundancySettings": {
                "standardTierStorageRedundancy": "GeoRedundant",
                "crossRegionRestore": "Enabled",
            },
            "securitySettings": {
                "softDeleteSettings": {
                    "softDeleteState": "Enabled",
                    "softDeleteRetentionPeriodInDays": 14,
                    "enhancedSecurityState": "Enabled",
                },
                "immutabilitySettings": {"state": "Unlocked"},
            },
        },
        "tags": {"dr-workload": "database", "dr-tier": "database"},
    }


def _retention(daily: int = 30, weekly: int | None = 12, monthly: int | None = 12, yearly: int | None = 3,
               time: str = T0) -> dict[str, Any]:
    r: dict[str, Any] = {
        "retentionPolicyType": "LongTermRetentionPolicy",
        "dailySchedule": {"retentionTimes": [time], "retentionDuration": {"count": daily, "durationType": "Days"}},
    }
    weekly_fmt = {"daysOfTheWeek": ["Sunday"], "weeksOfTheMonth": ["First"]}
    if weekly is not None:
        r["weeklySchedule"] = {"daysOfTheWeek": ["Sunday"], "retentionTimes": [time],
                               "retentionDuration": {"count": weekly, "durationType": "Weeks"}}
    if monthly is not None:
        r["monthlySchedule"] = {"retentionScheduleFormatType": "Weekly", "retentionScheduleWeekly": weekly_fmt,
                                "retentionTimes": [time], "retentionDuration": {"count": monthly, "durationType": "Months"}}
    if yearly is not None:
        r["yearlySchedule"] = {"retentionScheduleFormatType": "Weekly", "monthsOfYear": ["January"],
                               "retentionScheduleWeekly": weekly_fmt, "retentionTimes": [time],
                               "retentionDuration": {"count": yearly, "durationType": "Years"}}
    return r


def v2_hourly_policy_props(interval: int = 4, window: int = 16, instant_days: int = 7) -> dict[str, Any]:
    """Enhanced (V2) IaaS VM policy, hourly every 4 h in a 16 h window, 7 instant-restore days."""
    return {
        "resourceGroupName": RG,
        "vaultName": "rsv-dr-weu",
        "policyName": "vm-enhanced-4h",
        "properties": {
            "backupManagementType": "AzureIaasVM",
            "policyType": "V2",
            "timeZone": "UTC",
            "instantRpRetentionRangeInDays": instant_days,
            "schedulePolicy": {
                "schedulePolicyType": "SimpleSchedulePolicyV2",
                "scheduleRunFrequency": "Hourly",
                "hourlySchedule": {"interval": interval, "scheduleWindowStartTime": T0,
                                   "scheduleWindowDuration": window},
            },
            "retentionPolicy": _retention(),
        },
    }


def v2_daily_policy_props() -> dict[str, Any]:
    return {
        "resourceGroupName": RG,
        "vaultName": "rsv-dr-weu",
        "policyName": "vm-enhanced-daily",
        "properties": {
            "backupManagementType": "AzureIaasVM",
            "policyType": "V2",
            "timeZone": "UTC",
            "instantRpRetentionRangeInDays": 7,
            "schedulePolicy": {
                "schedulePolicyType": "SimpleSchedulePolicyV2",
                "scheduleRunFrequency": "Daily",
                "dailySchedule": {"scheduleRunTimes": ["2024-01-01T22:00:00Z"]},
            },
            "retentionPolicy": _retention(time="2024-01-01T22:00:00Z"),
        },
    }


def v1_daily_policy_props() -> dict[str, Any]:
    """Standard (V1) IaaS VM policy, daily at 22:00 UTC, 2 instant-restore days, 30 daily points."""
    return {
        "resourceGroupName": RG,
        "vaultName": "rsv-dr-weu",
        "policyName": "vm-standard-daily",
        "properties": {
            "backupManagementType": "AzureIaasVM",
            "policyType": "V1",
            "timeZone": "UTC",
            "instantRpRetentionRangeInDays": 2,
            "schedulePolicy": {
                "schedulePolicyType": "SimpleSchedulePolicy",
                "scheduleRunFrequency": "Daily",
                "scheduleRunTimes": ["2024-01-01T22:00:00Z"],
            },
            "retentionPolicy": _retention(weekly=None, monthly=None, yearly=None, time="2024-01-01T22:00:00Z"),
        },
    }


def file_share_policy_props() -> dict[str, Any]:
    """A non-VM policy (Azure Files): VM backup-policy rules must ignore it."""
    return {
        "resourceGroupName": RG,
        "vaultName": "rsv-dr-weu",
        "policyName": "files-hourly",
        "properties": {
            "backupManagementType": "AzureStorage",
            "workLoadType": "AzureFileShare",
            "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Hourly"},
        },
    }


def lock_by_scope_props(scope: str, level: str = "CanNotDelete") -> dict[str, Any]:
    """`authorization.ManagementLockByScope`."""
    return {"level": level, "scope": scope, "notes": "Protect the DR vault from deletion."}


def lock_at_resource_props(resource_name: str, level: str = "CanNotDelete", rg: str = RG) -> dict[str, Any]:
    """`authorization.ManagementLockAtResourceLevel` on a vault."""
    return {"apiVersion": "2024-10-01", "level": level, "parentResourcePath": "", "resourceGroupName": rg,
            "resourceName": resource_name, "resourceProviderNamespace": "Microsoft.RecoveryServices",
            "resourceType": "vaults"}


def vault_id(name: str = "rsv-dr-weu", rg: str = RG) -> str:
    return f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{rg}/providers/Microsoft.RecoveryServices/vaults/{name}"


def vm_props() -> dict[str, Any]:
    """`compute.VirtualMachine` with managed OS and data disks in an availability set."""
    return {
        "resourceGroupName": RG,
        "location": "westeurope",
        "vmName": "db-1",
        "hardwareProfile": {"vmSize": "Standard_D4s_v5"},
        "availabilitySet": {"id": "/subscriptions/0/resourceGroups/rg-dr-weu/providers/Microsoft.Compute/availabilitySets/as-db"},
        "osProfile": {"computerName": "db-1", "adminUsername": "azureuser",
                      "linuxConfiguration": {"disablePasswordAuthentication": True, "provisionVMAgent": True}},
        "storageProfile": {
            "imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
            "osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "Premium_LRS"}},
            "dataDisks": [
                {"lun": 0, "createOption": "Empty", "diskSizeGB": 256, "managedDisk": {"storageAccountType": "Premium_LRS"}},
            ],
        },
        "tags": {"dr-workload": "database", "dr-tier": "database", "dr-high-availability": "true"},
    }


def availability_set_props() -> dict[str, Any]:
    """`compute.AvailabilitySet` for managed disks: Aligned, 2 fault domains, 5 update domains."""
    return {
        "resourceGroupName": RG,
        "location": "westeurope",
        "availabilitySetName": "as-db",
        "platformFaultDomainCount": 2,
        "platformUpdateDomainCount": 5,
        "sku": {"name": "Aligned"},
    }


# ---- stack outputs and the coverage, prerequisite, snapshot, gallery and storage types ----------------------

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"


def arm_id(provider_type: str, name: str, rg: str = RG) -> str:
    return f"{SUB}/resourceGroups/{rg}/providers/{provider_type}/{name}"


def vm_id(name: str) -> str:
    return arm_id("Microsoft.Compute/virtualMachines", name)


def policy_id(name: str = "vm-enhanced-daily") -> str:
    return f"{vault_id()}/backupPolicies/{name}"


def vm_out(name: str, **extra: Any) -> dict[str, Any]:
    return {**vm_props(), "vmName": name, "name": name, "id": vm_id(name), **extra}


def vault_out(**extra: Any) -> dict[str, Any]:
    return {**vault_props(), "name": "rsv-dr-weu", "id": vault_id(), **extra}


def policy_out(name: str = "vm-enhanced-daily", **extra: Any) -> dict[str, Any]:
    return {**v2_daily_policy_props(), "policyName": name, "name": name, "id": policy_id(name), **extra}


def protected_item_props(vm: str, policy: str = "vm-enhanced-daily") -> dict[str, Any]:
    """`recoveryservices.ProtectedItem` with AzureIaaSComputeVMProtectedItemArgs (outputs)."""
    return {
        "resourceGroupName": RG, "vaultName": "rsv-dr-weu", "fabricName": "Azure",
        "containerName": f"IaasVMContainer;iaasvmcontainerv2;{RG};{vm}",
        "protectedItemName": f"VM;iaasvmcontainerv2;{RG};{vm}",
        "properties": {"protectedItemType": "Microsoft.Compute/virtualMachines",
                       "sourceResourceId": vm_id(vm), "policyId": policy_id(policy)},
    }


def nsg_rule(name: str, priority: int, access: str, dest: str, direction: str = "Outbound",
             port: str = "443", protocol: str = "Tcp") -> dict[str, Any]:
    """One inline `network.SecurityRuleArgs`."""
    return {"name": name, "priority": priority, "access": access, "direction": direction, "protocol": protocol,
            "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*",
            "destinationAddressPrefix": dest, "destinationPortRange": port}


def backup_egress_rules() -> list[dict[str, Any]]:
    """Allow Azure Site Recovery's tags (AzureSiteRecovery, Storage, EventHub, AzureActiveDirectory), then deny
    Internet. (Azure VM backup alone needs no outbound rule.)"""
    return [nsg_rule("allow-asr", 100, "Allow", "AzureSiteRecovery"),
            nsg_rule("allow-storage", 110, "Allow", "Storage"),
            nsg_rule("allow-eventhub", 120, "Allow", "EventHub"),
            nsg_rule("allow-entra-id", 130, "Allow", "AzureActiveDirectory"),
            nsg_rule("deny-internet", 4000, "Deny", "Internet", port="*", protocol="*")]


def nsg_props(rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"resourceGroupName": RG, "location": "westeurope", "networkSecurityGroupName": "nsg-db",
            "securityRules": backup_egress_rules() if rules is None else rules}


def snapshot_props(location: str = "westeurope", option: str = "Copy", source: str | None = None) -> dict[str, Any]:
    """`compute.Snapshot`, incremental."""
    return {"resourceGroupName": RG, "location": location, "incremental": True,
            "creationData": {"createOption": option,
                             "sourceResourceId": source or arm_id("Microsoft.Compute/disks", "db-1-data0")}}


def gallery_image_version_props() -> dict[str, Any]:
    """`compute.GalleryImageVersion` replicated to westeurope and its pair northeurope on ZRS, 2 replicas."""
    return {
        "resourceGroupName": RG, "location": "westeurope", "galleryName": "galdr", "galleryImageName": "ubuntu-db",
        "galleryImageVersionName": "1.0.0",
        "storageProfile": {"source": {"virtualMachineId": vm_id("golden")}},
        "publishingProfile": {"targetRegions": [
            {"name": "westeurope", "regionalReplicaCount": 2, "storageAccountType": "Standard_ZRS"},
            {"name": "northeurope", "regionalReplicaCount": 2, "storageAccountType": "Standard_ZRS"},
        ]},
    }


def storage_account_props(sku: str = "Standard_RAGRS", purpose: str | None = "configuration-backup") -> dict[str, Any]:
    props: dict[str, Any] = {"resourceGroupName": RG, "location": "westeurope", "accountName": "stdrimages",
                             "kind": "StorageV2", "sku": {"name": sku}}
    if purpose is not None:
        props["tags"] = {"dr-purpose": purpose}
    return props


def blob_service_props(enabled: Any = True, days: Any = 14) -> dict[str, Any]:
    policy: dict[str, Any] = {"enabled": enabled}
    if days is not None:
        policy["days"] = days
    return {"resourceGroupName": RG, "accountName": "stdrimages", "blobServicesName": "default",
            "deleteRetentionPolicy": policy}
