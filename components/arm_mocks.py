"""``ArmMocks``: a ``pulumi.runtime.Mocks`` that answers like Azure Resource Manager, for the offline engine
and component tests.

* ids are ARM ids: ``/subscriptions/<sub>/resourceGroups/<rg>/providers/<Namespace>/<type>/<name>``, child
  resources nested under their parents (backup policies under vaults, protected items under
  ``backupFabrics/<fabric>/protectionContainers/<container>``, subnets under virtual networks, ...);
* the ``name`` output is the resource's own name input (``vaultName``, ``vmName``, ...) or, when that is
  absent (autonaming), the Pulumi name; ``location`` and every other input are echoed; ``type`` is the ARM
  type;
* ``azure-native:authorization:getClientConfig`` is answered with a fixed client config, and
  ``azure-native:resources:getResourceGroup`` with an existing group in ``westeurope``; any other function
  returns ``None``: its result is unknown offline (see ``posture.preview_mocks``).

Never returns an empty id (that would make every ``.apply`` on ``.id`` silently skip).
"""

from __future__ import annotations

from typing import Any

import pulumi

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "11111111-1111-1111-1111-111111111111"
CLIENT_ID = "22222222-2222-2222-2222-222222222222"
OBJECT_ID = "33333333-3333-3333-3333-333333333333"

# type token -> (ARM path template relative to the resource group, own-name input key)
# Template fields are input names; "{name}" is the resolved own name.
_ARM: dict[str, tuple[str, str]] = {
    "azure-native:recoveryservices:Vault": ("Microsoft.RecoveryServices/vaults/{name}", "vaultName"),
    "azure-native:recoveryservices:ProtectionPolicy": (
        "Microsoft.RecoveryServices/vaults/{vaultName}/backupPolicies/{name}", "policyName"),
    "azure-native:recoveryservices:ProtectedItem": (
        "Microsoft.RecoveryServices/vaults/{vaultName}/backupFabrics/{fabricName}/protectionContainers/"
        "{containerName}/protectedItems/{name}", "protectedItemName"),
    "azure-native:recoveryservices:ResourceGuardProxy": (
        "Microsoft.RecoveryServices/vaults/{vaultName}/backupResourceGuardProxies/{name}",
        "resourceGuardProxyName"),
    "azure-native:dataprotection:ResourceGuard": ("Microsoft.DataProtection/resourceGuards/{name}",
                                                  "resourceGuardsName"),
    "azure-native:compute:AvailabilitySet": ("Microsoft.Compute/availabilitySets/{name}", "availabilitySetName"),
    "azure-native:compute:VirtualMachine": ("Microsoft.Compute/virtualMachines/{name}", "vmName"),
    "azure-native:compute:Disk": ("Microsoft.Compute/disks/{name}", "diskName"),
    "azure-native:compute:Snapshot": ("Microsoft.Compute/snapshots/{name}", "snapshotName"),
    "azure-native:compute:Image": ("Microsoft.Compute/images/{name}", "imageName"),
    "azure-native:compute:Gallery": ("Microsoft.Compute/galleries/{name}", "galleryName"),
    "azure-native:compute:GalleryImage": ("Microsoft.Compute/galleries/{galleryName}/images/{name}",
                                          "galleryImageName"),
    "azure-native:compute:GalleryImageVersion": (
        "Microsoft.Compute/galleries/{galleryName}/images/{galleryImageName}/versions/{name}",
        "galleryImageVersionName"),
    "azure-native:compute:RestorePointCollection": ("Microsoft.Compute/restorePointCollections/{name}",
                                                    "restorePointCollectionName"),
    "azure-native:compute:RestorePoint": (
        "Microsoft.Compute/restorePointCollections/{restorePointCollectionName}/restorePoints/{name}",
        "restorePointName"),
    "azure-native:network:VirtualNetwork": ("Microsoft.Network/virtualNetworks/{name}", "virtualNetworkName"),
    "azure-native:network:Subnet": ("Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{name}",
                                    "subnetName"),
    "azure-native:network:NetworkSecurityGroup": ("Microsoft.Network/networkSecurityGroups/{name}",
                                                  "networkSecurityGroupName"),
    "azure-native:network:NetworkInterface": ("Microsoft.Network/networkInterfaces/{name}",
                                              "networkInterfaceName"),
    "azure-native:network:PublicIPAddress": ("Microsoft.Network/publicIPAddresses/{name}", "publicIpAddressName"),
    "azure-native:storage:StorageAccount": ("Microsoft.Storage/storageAccounts/{name}", "accountName"),
    "azure-native:storage:BlobServiceProperties": (
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/{name}", "blobServicesName"),
    "azure-native:storage:BlobContainer": (
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/{name}", "containerName"),
    "azure-native:monitor:ActionGroup": ("Microsoft.Insights/actionGroups/{name}", "actionGroupName"),
    "azure-native:alertsmanagement:AlertProcessingRuleByName": ("Microsoft.AlertsManagement/actionRules/{name}",
                                                                "alertProcessingRuleName"),
    "azure-native:operationalinsights:Workspace": ("Microsoft.OperationalInsights/workspaces/{name}",
                                                   "workspaceName"),
    "azure-native:network:PrivateEndpoint": ("Microsoft.Network/privateEndpoints/{name}", "privateEndpointName"),
    # Azure Site Recovery (vault name input: resourceName)
    "azure-native:recoveryservices:ReplicationFabric": (
        "Microsoft.RecoveryServices/vaults/{resourceName}/replicationFabrics/{name}", "fabricName"),
    "azure-native:recoveryservices:ReplicationPolicy": (
        "Microsoft.RecoveryServices/vaults/{resourceName}/replicationPolicies/{name}", "policyName"),
    "azure-native:recoveryservices:ReplicationProtectionContainerMapping": (
        "Microsoft.RecoveryServices/vaults/{resourceName}/replicationFabrics/{fabricName}/"
        "replicationProtectionContainers/{protectionContainerName}/replicationProtectionContainerMappings/{name}",
        "mappingName"),
    "azure-native:recoveryservices:ReplicationNetworkMapping": (
        "Microsoft.RecoveryServices/vaults/{resourceName}/replicationFabrics/{fabricName}/replicationNetworks/"
        "{networkName}/replicationNetworkMappings/{name}", "networkMappingName"),
    "azure-native:recoveryservices:ReplicationProtectedItem": (
        "Microsoft.RecoveryServices/vaults/{resourceName}/replicationFabrics/{fabricName}/"
        "replicationProtectionContainers/{protectionContainerName}/replicationProtectedItems/{name}",
        "replicatedProtectedItemName"),
    "azure-native:recoveryservices:ReplicationRecoveryPlan": (
        "Microsoft.RecoveryServices/vaults/{resourceName}/replicationRecoveryPlans/{name}", "recoveryPlanName"),
    "azure-native:resources:Deployment": ("Microsoft.Resources/deployments/{name}", "deploymentName"),
}


def _generic(typ: str) -> tuple[str, str]:
    """ARM path for a type token not in the table: azure-native:<module>:<Type> -> Microsoft.<Module>/<types>."""
    _, module, kind = (typ.split(":") + ["", "", ""])[:3]
    ns = "Microsoft." + module[:1].upper() + module[1:]
    plural = kind[:1].lower() + kind[1:] + "s"
    return f"{ns}/{plural}/{{name}}", kind[:1].lower() + kind[1:] + "Name"


def _arm_type(path: str) -> str:
    """'Microsoft.X/a/{..}/b/{name}' -> 'Microsoft.X/a/b'."""
    parts = path.split("/")
    return "/".join([parts[0]] + [p for p in parts[1:] if not p.startswith("{") and p != "default"])


class ArmMocks(pulumi.runtime.Mocks):
    """Mocks that return ARM-like ids and ``name`` outputs. ``resources`` keeps ``(type, name, inputs)``
    of every ``new_resource`` call, ``calls`` every ``call`` token."""

    def __init__(self) -> None:
        self.resources: list[tuple[str, str, dict[str, Any]]] = []
        self.calls: list[str] = []

    def resource_id(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, str]:
        """(ARM id, own name) for a resource of type ``typ`` named ``name`` with ``inputs``."""
        if typ == "azure-native:resources:ResourceGroup":
            own = str(inputs.get("resourceGroupName") or name)
            return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{own}", own
        if typ.startswith("azure-native:authorization:ManagementLock"):
            own = str(inputs.get("lockName") or name)
            scope = str(inputs.get("scope") or f"/subscriptions/{SUBSCRIPTION_ID}")
            return f"{scope}/providers/Microsoft.Authorization/locks/{own}", own
        if typ == "azure-native:monitor:DiagnosticSetting":  # an extension resource of its resourceUri
            own = str(inputs.get("name") or name)
            return f"{inputs.get('resourceUri') or '/subscriptions/' + SUBSCRIPTION_ID}/providers/" \
                   f"Microsoft.Insights/diagnosticSettings/{own}", own
        path, name_key = _ARM.get(typ) or _generic(typ)
        own = str(inputs.get(name_key) or name)
        fields = {k: str(v) for k, v in inputs.items() if isinstance(v, (str, int, float))}
        fields["name"] = own
        try:
            rel = path.format(**fields)
        except KeyError:  # a parent name input is missing: keep the shape, mark the gap
            rel = path.format_map(_Gap(fields))
        rg = inputs.get("resourceGroupName") or "rg-unknown"
        return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{rel}", own

    def own_name_key(self, typ: str) -> str | None:
        """The input holding a resource's own Azure name (the one azure-native autonames when absent), for
        the types this table models; None otherwise. Used by the real engine's stand-in provider's Check."""
        if typ == "azure-native:resources:ResourceGroup":
            return "resourceGroupName"
        if typ.startswith("azure-native:authorization:ManagementLock"):
            return "lockName"
        return _ARM[typ][1] if typ in _ARM else None

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        self.resources.append((args.typ, args.name, inputs))
        if not args.typ.startswith("azure-native:"):
            return f"{args.name}-id", inputs
        rid, own = self.resource_id(args.typ, args.name, inputs)
        outputs = {**inputs, "name": own}
        identity = outputs.get("identity")
        if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
            # ARM answers user-assigned identities as a map of id -> {principalId, clientId}
            outputs["identity"] = {**identity, "userAssignedIdentities": {
                str(i): {} for i in identity["userAssignedIdentities"]}}
        if args.typ == "azure-native:resources:ResourceGroup":
            outputs["type"] = "Microsoft.Resources/resourceGroups"
        elif args.typ == "azure-native:monitor:DiagnosticSetting":
            outputs["type"] = "Microsoft.Insights/diagnosticSettings"
        elif not args.typ.startswith("azure-native:authorization:"):
            outputs["type"] = _arm_type((_ARM.get(args.typ) or _generic(args.typ))[0])
        return rid, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any] | None:
        self.calls.append(args.token)
        if args.token == "azure-native:authorization:getClientConfig":
            return {"clientId": CLIENT_ID, "objectId": OBJECT_ID, "subscriptionId": SUBSCRIPTION_ID,
                    "tenantId": TENANT_ID}
        if args.token == "azure-native:resources:getResourceGroup":
            rg = str(args.args.get("resourceGroupName") or "rg-unknown")
            return {"id": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}", "name": rg,
                    "location": "westeurope", "type": "Microsoft.Resources/resourceGroups",
                    "properties": {"provisioningState": "Succeeded"}}
        return None  # any other function reads Azure: unknown offline (the offline engine answers "unknown")


class _Gap(dict):
    def __missing__(self, key: str) -> str:
        return f"<{key}>"
