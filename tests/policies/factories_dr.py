"""Compliant baseline props (azure-native v3 wire shapes, camelCase) for the coverage, prerequisite,
placement, snapshot, image and storage rules, following `factories.py` (use its `mutate`).
Stack props are outputs as ArmMocks returns them: the inputs plus `id` and `name`."""

from __future__ import annotations

from typing import Any

from .factories import RG, v2_daily_policy_props, vault_id, vault_props, vm_props

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
