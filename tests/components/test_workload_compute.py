"""WorkloadCompute under the mock runtime: exact recorded inputs (camelCase, as the engine sees them) of the
availability set, VMs, data disks, network and NSG; child naming and parenting; outputs; the config
variants (existing subnet, non-HA, Premium SSD v2 / Ultra zonal, password login, public IP, existing
resource group); preview unknowns; every declared resource valid by the ARM schemas."""

from __future__ import annotations

import pytest

from components.arm_mocks import SUBSCRIPTION_ID, ArmMocks
from components.config import ConfigError, parse_stack_config
from components.workload_compute import (
    DataDiskSpec,
    ImageSpec,
    WorkloadCompute,
    WorkloadComputeArgs,
)
from posture.capture import run_in_mocks
from tests.armschema.validate import RESOURCE_TYPES, validate_capture

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SUB = f"/subscriptions/{SUBSCRIPTION_ID}"
TOKEN = "azure-iaas-dr:workload_compute:WorkloadCompute"
SUBNET_ID = (f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/apps")

DB = {"tier": "database", "sshPublicKey": KEY, "dataDisks": [{"lun": 0, "sizeGb": 256}, {"lun": 1, "sizeGb": 128}]}
DB_TAGS = {"dr-workload": "db", "dr-tier": "database", "dr-high-availability": "true", "dr-rpo-hours": "4",
           "dr-cross-region-rpo-hours": "36"}


def config(workloads, location="westeurope", secret_keys=(), **top):
    return parse_stack_config({"workloads": workloads, **top}, location=location, secret_keys=secret_keys)


def run(cfg, workload="db", preview=False, **kw):
    def program():
        import pulumi

        c = WorkloadCompute(workload, WorkloadComputeArgs.from_config(cfg, workload, **kw))
        pulumi.export("vmIds", c.vm_ids)
        pulumi.export("vmNames", c.vm_names)
        pulumi.export("subnetId", c.subnet_id)
        pulumi.export("availabilitySetId", c.availability_set_id)
        pulumi.export("resourceGroupName", c.resource_group_name)
        pulumi.export("vms", [{
            "vmId": v.vm_id, "vmName": v.vm_name, "resourceGroupName": v.resource_group_name, "region": v.region,
            "zone": v.zone, "securityType": v.security_type, "diskSkus": sorted(v.disk_skus),
            "osDisk": {"name": v.os_disk.disk_name, "id": v.os_disk.disk_id, "sku": v.os_disk.sku},
            "dataDisks": [{"lun": d.lun, "name": d.disk_name, "id": d.disk_id, "sku": d.sku} for d in v.data_disks],
        } for v in c.vms])

    return run_in_mocks(program, project="azure-iaas-dr", stack="test", preview=preview, mocks=ArmMocks())


def one(cap, typ, name):
    [r] = cap.find(typ, name)
    return r


def arm(rg, path):
    return f"{SUB}/resourceGroups/{rg}/providers/{path}"


# --- availability set ---------------------------------------------------------------------------------------


def test_availability_set_inputs_are_exact():
    cap = run(config({"db": DB}))
    avset = one(cap, "azure-native:compute:AvailabilitySet", "db-avset")
    assert avset.inputs == {
        "availabilitySetName": "db-avset",
        "location": "westeurope",
        "platformFaultDomainCount": 3.0,  # westeurope's managed maximum
        "platformUpdateDomainCount": 5.0,
        "resourceGroupName": "rg-dr-db",
        "sku": {"name": "Aligned"},
        "tags": DB_TAGS,
    }


@pytest.mark.parametrize("region,expected", [("westeurope", 3), ("northeurope", 3), ("uksouth", 2),
                                              ("eastasia", 2), ("italynorth", 2)])
def test_fault_domains_default_to_the_regions_maximum(region, expected):
    wl = {**DB, "region": region} if region != "italynorth" else {
        **DB, "region": region, "drRegion": "westeurope", "consistentSnapshots": {"pointsInTime": ["20260101t0000z"]}}
    assert config({"db": wl}).workloads["db"].fault_domains == expected


def test_fault_domains_explicit_values_within_the_region_and_above_it():
    ok = config({"db": {**DB, "availabilitySet": {"faultDomains": 2, "updateDomains": 20}}})
    assert (ok.workloads["db"].fault_domains, ok.workloads["db"].update_domains) == (2, 20)
    with pytest.raises(ConfigError) as e:
        config({"db": {**DB, "region": "uksouth", "availabilitySet": {"faultDomains": 3}}})
    assert e.value.problems == [
        "azure-iaas-dr:workloads.db.availabilitySet.faultDomains: 3: at most 2: managed availability sets in"
        " uksouth have 2 fault domains"]


def test_each_vm_joins_the_availability_set():
    cap = run(config({"db": DB}))
    avset_id = arm("rg-dr-db", "Microsoft.Compute/availabilitySets/db-avset")
    for i in (0, 1):
        vm = one(cap, "azure-native:compute:VirtualMachine", f"db-vm-{i}")
        assert vm.inputs["availabilitySet"] == {"id": avset_id}
        assert "zones" not in vm.inputs


# --- VM -----------------------------------------------------------------------------------------------------


def test_vm_inputs_are_exact():
    cap = run(config({"db": DB}))
    vm = one(cap, "azure-native:compute:VirtualMachine", "db-vm-1")
    assert vm.inputs == {
        "vmName": "db-vm-1",
        "resourceGroupName": "rg-dr-db",
        "location": "westeurope",
        "availabilitySet": {"id": arm("rg-dr-db", "Microsoft.Compute/availabilitySets/db-avset")},
        "hardwareProfile": {"vmSize": "Standard_E4s_v5"},
        "securityProfile": {"securityType": "TrustedLaunch",
                            "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True}},
        "storageProfile": {
            "imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy",
                               "sku": "22_04-lts-gen2", "version": "latest"},
            "osDisk": {"name": "db-vm-1-os", "createOption": "FromImage", "caching": "ReadWrite",
                       "deleteOption": "Delete", "managedDisk": {"storageAccountType": "Premium_ZRS"}},
            "dataDisks": [
                {"lun": 0.0, "createOption": "Attach", "caching": "ReadOnly", "deleteOption": "Detach",
                 "managedDisk": {"id": arm("rg-dr-db", "Microsoft.Compute/disks/db-vm-1-data-0")}},
                {"lun": 1.0, "createOption": "Attach", "caching": "ReadOnly", "deleteOption": "Detach",
                 "managedDisk": {"id": arm("rg-dr-db", "Microsoft.Compute/disks/db-vm-1-data-1")}},
            ],
        },
        "osProfile": {
            "computerName": "db-vm-1",
            "adminUsername": "azureuser",
            "allowExtensionOperations": True,
            "linuxConfiguration": {
                "disablePasswordAuthentication": True,
                "provisionVMAgent": True,
                "ssh": {"publicKeys": [{"keyData": KEY, "path": "/home/azureuser/.ssh/authorized_keys"}]},
            },
        },
        "networkProfile": {"networkInterfaces": [
            {"id": arm("rg-dr-db", "Microsoft.Network/networkInterfaces/db-vm-1-nic"), "primary": True}]},
        "diagnosticsProfile": {"bootDiagnostics": {"enabled": True}},
        "tags": DB_TAGS,
    }


def test_trusted_launch_off_sends_no_security_profile():
    cap = run(config({"db": {**DB, "trustedLaunch": False}}))
    vm = one(cap, "azure-native:compute:VirtualMachine", "db-vm-0")
    assert "securityProfile" not in vm.inputs


def test_password_login_comes_from_secret_config_only():
    c = config({"db": {"tier": "reporting", "authentication": "password"}}, adminPassword="S3cret-Passw0rd!",
               secret_keys={"adminPassword"})
    cap = run(c)
    vm = one(cap, "azure-native:compute:VirtualMachine", "db-vm-0")
    osp = vm.inputs["osProfile"]
    assert osp["linuxConfiguration"] == {"disablePasswordAuthentication": False, "provisionVMAgent": True}
    assert osp["adminPassword"]["value"] == "S3cret-Passw0rd!"
    assert osp["adminPassword"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    with pytest.raises(ConfigError) as e:
        config({"db": {"tier": "reporting", "authentication": "password"}}, adminPassword="S3cret-Passw0rd!")
    assert e.value.problems == ["azure-iaas-dr:adminPassword: [not secret]: a secret: set it with"
                                " `pulumi config set --secret adminPassword`"]


def test_windows_custom_image_needs_password_auth():
    image = {"sourceId": f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/images/base", "publisher": "p",
             "offer": "o", "sku": "s", "osType": "Windows"}
    with pytest.raises(ConfigError) as e:
        config({"db": {"tier": "reporting", "sshPublicKey": KEY, "customImage": image}})
    assert e.value.problems == ['azure-iaas-dr:workloads.db.authentication: "ssh": "password" for a Windows image'
                                " (Azure sets up SSH keys only on Linux)"]


def test_windows_custom_image_gets_windows_configuration_and_a_short_computer_name():
    image = {"sourceId": f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/images/base", "publisher": "p",
             "offer": "o", "sku": "s", "osType": "Windows"}
    c = config({"reporting-server": {"tier": "reporting", "authentication": "password", "customImage": image}},
               adminPassword="S3cret-Passw0rd!", secret_keys={"adminPassword"})
    image_id = f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0"
    with pytest.raises(ValueError) as e:
        WorkloadComputeArgs.from_config(c, "reporting-server")
    assert str(e.value) == ("WorkloadComputeArgs.from_config('reporting-server'): the workload has customImage: pass"
                            " image_id, its gallery image version id (components.image_gallery.declare_galleries)")
    assert not isinstance(e.value, ConfigError)  # a wiring mistake in code, not the user's config
    cap = run(c, "reporting-server", image_id=image_id)
    vm = one(cap, "azure-native:compute:VirtualMachine", "reporting-server-vm-0")
    assert vm.inputs["storageProfile"]["imageReference"] == {"id": image_id}
    osp = dict(vm.inputs["osProfile"])
    osp.pop("adminPassword")
    assert osp == {"computerName": "reportingsevm00", "adminUsername": "azureuser",
                   "allowExtensionOperations": True,
                   "windowsConfiguration": {"provisionVMAgent": True, "enableAutomaticUpdates": True}}


# --- disks --------------------------------------------------------------------------------------------------


def test_data_disk_inputs_are_exact():
    cap = run(config({"db": DB}))
    disk = one(cap, "azure-native:compute:Disk", "db-vm-0-data-1")
    assert disk.inputs == {
        "diskName": "db-vm-0-data-1",
        "resourceGroupName": "rg-dr-db",
        "location": "westeurope",
        "sku": {"name": "Premium_ZRS"},
        "diskSizeGB": 128.0,
        "creationData": {"createOption": "Empty"},
        "networkAccessPolicy": "DenyAll",
        "publicNetworkAccess": "Disabled",
        "tags": DB_TAGS,
    }


def test_premium_v2_and_ultra_workload_is_zonal():
    wl = {"tier": "critical-data", "sshPublicKey": KEY, "dataDisks": [
        {"lun": 0, "sizeGb": 1024, "sku": "PremiumV2_LRS"}, {"lun": 2, "sizeGb": 512, "sku": "UltraSSD_LRS"},
        {"lun": 3, "sizeGb": 64, "sku": "StandardSSD_ZRS"}]}
    c = config({"db": wl})
    assert c.workloads["db"].zone == "1"  # default zone for Premium SSD v2 / Ultra
    cap = run(c)
    vm = one(cap, "azure-native:compute:VirtualMachine", "db-vm-0")
    assert vm.inputs["zones"] == ["1"]
    assert "availabilitySet" not in vm.inputs
    assert vm.inputs["additionalCapabilities"] == {"ultraSSDEnabled": True}
    assert vm.inputs["storageProfile"]["osDisk"]["managedDisk"] == {"storageAccountType": "Premium_LRS"}
    assert [(d["lun"], d["caching"]) for d in vm.inputs["storageProfile"]["dataDisks"]] == [
        (0.0, "None"), (2.0, "None"), (3.0, "ReadOnly")]
    v2 = one(cap, "azure-native:compute:Disk", "db-vm-0-data-0")
    assert (v2.inputs["sku"], v2.inputs["zones"], v2.inputs["diskSizeGB"]) == ({"name": "PremiumV2_LRS"}, ["1"],
                                                                                1024.0)
    assert one(cap, "azure-native:compute:Disk", "db-vm-0-data-2").inputs["zones"] == ["1"]
    zrs = one(cap, "azure-native:compute:Disk", "db-vm-0-data-3")
    assert zrs.inputs["sku"] == {"name": "StandardSSD_ZRS"} and "zones" not in zrs.inputs
    assert cap.find("azure-native:compute:AvailabilitySet") == []


def test_explicit_zone_is_used_and_rejected_with_high_availability():
    c = config({"db": {"tier": "reporting", "sshPublicKey": KEY, "zone": 3}})
    vm = one(run(c), "azure-native:compute:VirtualMachine", "db-vm-0")
    assert vm.inputs["zones"] == ["3"]
    assert "additionalCapabilities" not in vm.inputs
    with pytest.raises(ConfigError) as e:
        config({"db": {**DB, "zone": 2}})
    assert e.value.problems == ["azure-iaas-dr:workloads.db.zone: 2: unset for a high-availability workload:"
                                " zonal VMs cannot join an availability set"]


def test_regional_vm_without_v2_disks_has_no_zone():
    c = config({"db": {"tier": "reporting", "sshPublicKey": KEY, "dataDisks": [{"lun": 0, "sizeGb": 32}]}})
    assert c.workloads["db"].zone is None
    cap = run(c)
    assert "zones" not in one(cap, "azure-native:compute:VirtualMachine", "db-vm-0").inputs
    assert "zones" not in one(cap, "azure-native:compute:Disk", "db-vm-0-data-0").inputs


def test_unmanaged_disks_are_rejected_and_never_declared():
    with pytest.raises(ConfigError) as e:
        config({"db": {**DB, "managedDisks": False}})
    assert e.value.problems[0].startswith("azure-iaas-dr:workloads.db.managedDisks: false: true: unmanaged (VHD)"
                                          " disks are retired on 31 March 2026")
    cap = run(config({"db": DB}))
    for vm in cap.find("azure-native:compute:VirtualMachine"):
        sp = vm.inputs["storageProfile"]
        assert "vhd" not in sp["osDisk"] and all("vhd" not in d for d in sp["dataDisks"])


# --- network ------------------------------------------------------------------------------------------------


#: Azure Site Recovery's outbound tags for a VM in westeurope (audit W1: Backup-only VMs need none).
SITE_RECOVERY_RULES = [
    {"name": f"allow-{name}-https-out", "description": f"Azure Site Recovery: outbound HTTPS to the {tag} service tag",
     "priority": prio, "direction": "Outbound", "access": "Allow", "protocol": "Tcp",
     "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*", "destinationAddressPrefix": tag,
     "destinationPortRange": "443"}
    for name, tag, prio in (("azuresiterecovery", "AzureSiteRecovery", 100), ("storage", "Storage.westeurope", 110),
                            ("eventhub", "EventHub.westeurope", 120),
                            ("azureactivedirectory", "AzureActiveDirectory", 130))
]


def test_site_recovery_rules_name_asr_tags_of_the_source_region():
    from pulumi._types import input_type_to_dict

    from components.site_recovery.egress import site_recovery_security_rules

    assert [input_type_to_dict(r) for r in site_recovery_security_rules("westeurope")] == SITE_RECOVERY_RULES


#: What the SDK's SubnetArgs adds to a subnet reference by default (ARM ignores them on a reference).
SUBNET_REF_DEFAULTS = {"privateEndpointNetworkPolicies": "Disabled", "privateLinkServiceNetworkPolicies": "Enabled"}


def test_network_inputs_are_exact_and_a_backup_only_nsg_opens_no_egress():
    cap = run(config({"db": {**DB, "network": {"addressSpace": "10.20.0.0/16", "subnetPrefix": "10.20.5.0/24"}}}))
    assert one(cap, "azure-native:network:VirtualNetwork", "db-vnet").inputs == {
        "virtualNetworkName": "db-vnet", "resourceGroupName": "rg-dr-db", "location": "westeurope",
        "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]}, "tags": DB_TAGS,
        # SDK defaults the engine sees
        "enableDdosProtection": False, "enableVmProtection": False}
    assert one(cap, "azure-native:network:NetworkSecurityGroup", "db-nsg").inputs == {
        "networkSecurityGroupName": "db-nsg", "resourceGroupName": "rg-dr-db", "location": "westeurope",
        "securityRules": [], "tags": DB_TAGS}
    assert one(cap, "azure-native:network:Subnet", "db-subnet").inputs == {
        "subnetName": "db-subnet", "resourceGroupName": "rg-dr-db", "virtualNetworkName": "db-vnet",
        "addressPrefix": "10.20.5.0/24",
        "privateEndpointNetworkPolicies": "Disabled", "privateLinkServiceNetworkPolicies": "Enabled",  # SDK defaults
        "networkSecurityGroup": {"id": arm("rg-dr-db", "Microsoft.Network/networkSecurityGroups/db-nsg")}}
    assert one(cap, "azure-native:network:NetworkInterface", "db-vm-0-nic").inputs == {
        "networkInterfaceName": "db-vm-0-nic", "resourceGroupName": "rg-dr-db", "location": "westeurope",
        "ipConfigurations": [{"name": "ipconfig1", "primary": True, "privateIPAllocationMethod": "Dynamic",
                              "subnet": {"id": arm("rg-dr-db", "Microsoft.Network/virtualNetworks/db-vnet/subnets/"
                                                   "db-subnet"), **SUBNET_REF_DEFAULTS}}],
        "tags": DB_TAGS}
    assert cap.find("azure-native:network:PublicIPAddress") == []


def test_existing_subnet_creates_no_network():
    cap = run(config({"db": {**DB, "network": {"existingSubnetId": SUBNET_ID}}}))
    for typ in ("VirtualNetwork", "Subnet", "NetworkSecurityGroup"):
        assert cap.find(f"azure-native:network:{typ}") == [], typ
    nic = one(cap, "azure-native:network:NetworkInterface", "db-vm-1-nic")
    assert nic.inputs["ipConfigurations"][0]["subnet"] == {"id": SUBNET_ID, **SUBNET_REF_DEFAULTS}
    assert cap.stack_outputs["subnetId"] == SUBNET_ID


def test_public_ip_only_when_asked():
    cap = run(config({"db": {"tier": "reporting", "sshPublicKey": KEY, "publicIp": True, "zone": 2}}))
    pip = one(cap, "azure-native:network:PublicIPAddress", "db-vm-0-pip")
    assert pip.inputs == {"publicIpAddressName": "db-vm-0-pip", "resourceGroupName": "rg-dr-db",
                          "location": "westeurope", "sku": {"name": "Standard"},
                          "publicIPAllocationMethod": "Static", "zones": ["2"],
                          "tags": {"dr-workload": "db", "dr-tier": "reporting", "dr-high-availability": "false",
                                   "dr-rpo-hours": "24", "dr-cross-region-rpo-hours": "36"}}
    nic = one(cap, "azure-native:network:NetworkInterface", "db-vm-0-nic")
    assert nic.inputs["ipConfigurations"][0]["publicIPAddress"] == {
        "id": arm("rg-dr-db", "Microsoft.Network/publicIPAddresses/db-vm-0-pip")}


# --- naming, parenting, resource group, outputs ---------------------------------------------------------------


def test_child_names_types_and_parents():
    cap = run(config({"db": DB}))
    [comp] = cap.find(TOKEN, "db")
    assert comp.urn == f"urn:pulumi:test::azure-iaas-dr::{TOKEN}::db"
    children = sorted((r.type, r.name) for r in cap.resources if r.parent == comp.urn)
    assert children == sorted([
        ("azure-iaas-dr:resource_group:ResourceGroup", "db"),
        ("azure-native:network:VirtualNetwork", "db-vnet"),
        ("azure-native:network:NetworkSecurityGroup", "db-nsg"),
        ("azure-native:network:Subnet", "db-subnet"),
        ("azure-native:compute:AvailabilitySet", "db-avset"),
        *[(f"azure-native:{t}", f"db-vm-{i}{s}") for i in (0, 1) for t, s in (
            ("network:NetworkInterface", "-nic"), ("compute:Disk", "-data-0"), ("compute:Disk", "-data-1"),
            ("compute:VirtualMachine", ""))],
    ])
    rg = one(cap, "azure-native:resources:ResourceGroup", "db-rg")
    assert rg.urn == (f"urn:pulumi:test::azure-iaas-dr::{TOKEN}$azure-iaas-dr:resource_group:ResourceGroup$"
                      "azure-native:resources:ResourceGroup::db-rg")
    assert rg.inputs == {"resourceGroupName": "rg-dr-db", "location": "westeurope", "tags": DB_TAGS}
    vm = one(cap, "azure-native:compute:VirtualMachine", "db-vm-0")
    assert vm.urn == f"urn:pulumi:test::azure-iaas-dr::{TOKEN}$azure-native:compute:VirtualMachine::db-vm-0"


def test_two_instances_do_not_collide():
    c = config({"db": DB, "app": {"tier": "app-server", "sshPublicKey": KEY}})

    def program():
        for n in ("db", "app"):
            WorkloadCompute(n, WorkloadComputeArgs.from_config(c, n))

    cap = run_in_mocks(program, project="azure-iaas-dr", stack="test", preview=False, mocks=ArmMocks())
    vms = sorted(r.name for r in cap.find("azure-native:compute:VirtualMachine"))
    assert vms == ["app-vm-0", "app-vm-1", "db-vm-0", "db-vm-1"]
    assert len({r.urn for r in cap.resources}) == len(cap.resources)


def test_existing_resource_group_is_looked_up_not_created():
    cap = run(config({"db": {**DB, "resourceGroup": {"name": "rg-shared", "existing": True}}}))
    assert cap.find("azure-native:resources:ResourceGroup") == []
    assert one(cap, "azure-native:compute:VirtualMachine", "db-vm-0").inputs["resourceGroupName"] == "rg-shared"
    assert cap.stack_outputs["resourceGroupName"] == "rg-shared"


def test_outputs_give_per_vm_and_per_disk_handles():
    cap = run(config({"db": DB}))
    vm_ids = [arm("rg-dr-db", f"Microsoft.Compute/virtualMachines/db-vm-{i}") for i in (0, 1)]
    assert cap.stack_outputs["vmIds"] == vm_ids
    assert cap.stack_outputs["vmNames"] == ["db-vm-0", "db-vm-1"]
    assert cap.stack_outputs["availabilitySetId"] == arm("rg-dr-db", "Microsoft.Compute/availabilitySets/db-avset")
    assert cap.stack_outputs["subnetId"] == arm("rg-dr-db", "Microsoft.Network/virtualNetworks/db-vnet/subnets/"
                                                "db-subnet")
    assert cap.stack_outputs["resourceGroupName"] == "rg-dr-db"
    assert cap.stack_outputs["vms"][1] == {
        "vmId": vm_ids[1], "vmName": "db-vm-1", "resourceGroupName": "rg-dr-db", "region": "westeurope",
        "zone": None, "securityType": "TrustedLaunch", "diskSkus": ["Premium_ZRS"],
        "osDisk": {"name": "db-vm-1-os", "id": arm("rg-dr-db", "Microsoft.Compute/disks/db-vm-1-os"),
                   "sku": "Premium_ZRS"},
        "dataDisks": [
            {"lun": lun, "name": f"db-vm-1-data-{lun}", "sku": "Premium_ZRS",
             "id": arm("rg-dr-db", f"Microsoft.Compute/disks/db-vm-1-data-{lun}")} for lun in (0, 1)],
    }
    [comp] = cap.find(TOKEN, "db")
    assert comp.outputs == {
        "resourceGroupName": "rg-dr-db",
        "subnetId": cap.stack_outputs["subnetId"],
        "availabilitySetId": cap.stack_outputs["availabilitySetId"],
        "vmIds": vm_ids,
        "vmNames": ["db-vm-0", "db-vm-1"],
        "diskIds": [{"os": arm("rg-dr-db", f"Microsoft.Compute/disks/db-vm-{i}-os"),
                     **{str(lun): arm("rg-dr-db", f"Microsoft.Compute/disks/db-vm-{i}-data-{lun}") for lun in (0, 1)}}
                    for i in (0, 1)],
    }


def test_non_ha_workload_has_no_availability_set():
    cap = run(config({"db": {"tier": "reporting", "sshPublicKey": KEY}}))
    assert cap.find("azure-native:compute:AvailabilitySet") == []
    [vm] = cap.find("azure-native:compute:VirtualMachine")
    assert "availabilitySet" not in vm.inputs
    assert vm.inputs["tags"]["dr-high-availability"] == "false"
    assert "availabilitySetId" not in cap.stack_outputs  # None exports are dropped
    [comp] = cap.find(TOKEN, "db")
    assert comp.outputs.get("availabilitySetId", None) is None
    assert comp.outputs["vmNames"] == ["db-vm-0"]


class FreshPreviewMocks(ArmMocks):
    """A preview of a new stack: the engine knows no ids yet (an empty id is an unknown id)."""

    def new_resource(self, args):
        _, outputs = super().new_resource(args)
        return "", outputs


def test_preview_with_unknown_ids_still_declares_everything():
    def program():
        import pulumi

        c = WorkloadCompute("db", WorkloadComputeArgs.from_config(config({"db": DB}), "db"))
        pulumi.export("osDiskId", c.vms[0].os_disk.disk_id)
        pulumi.export("vmNames", c.vm_names)

    cap = run_in_mocks(program, project="azure-iaas-dr", stack="test", preview=True, mocks=FreshPreviewMocks())
    vm = one(cap, "azure-native:compute:VirtualMachine", "db-vm-0")
    assert vm.inputs["networkProfile"]["networkInterfaces"][0]["id"] == UNKNOWN
    assert vm.inputs["storageProfile"]["dataDisks"][0]["managedDisk"]["id"] == UNKNOWN
    assert vm.inputs["availabilitySet"]["id"] == UNKNOWN
    assert vm.inputs["hardwareProfile"] == {"vmSize": "Standard_E4s_v5"}
    nic = one(cap, "azure-native:network:NetworkInterface", "db-vm-0-nic")
    assert nic.inputs["ipConfigurations"][0]["subnet"]["id"] == UNKNOWN
    assert len(cap.find("azure-native:compute:Disk")) == 4
    assert cap.stack_outputs["osDiskId"] == UNKNOWN
    assert cap.stack_outputs["vmNames"] == ["db-vm-0", "db-vm-1"]
    assert {u: p for u, p in validate_capture(cap.resources).items() if p} == {}


# --- args checks --------------------------------------------------------------------------------------------


BASE = dict(workload="w", tier="reporting", region="westeurope", resource_group_name="rg", vm_count=1,
            vm_size="Standard_D2s_v5", os_disk_sku="Premium_LRS", admin_username="azureuser",
            image=ImageSpec("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"), ssh_public_key=KEY)


@pytest.mark.parametrize("override,message", [
    ({"image": None}, "exactly one of image and image_id"),
    ({"high_availability": True}, "vm_count >= 2 for a high-availability workload"),
    ({"os_disk_sku": "PremiumV2_LRS"}, "an OS disk SKU other than PremiumV2_LRS (data-disk only)"),
    ({"data_disks": (DataDiskSpec(0, 64, "UltraSSD_LRS"),)},
     "a zone: PremiumV2_LRS/UltraSSD_LRS disks attach only to zonal VMs"),
    ({"data_disks": (DataDiskSpec(0, 64, "Premium_LRS"), DataDiskSpec(0, 32, "Premium_LRS"))},
     "unique data disk LUNs"),
    ({"ssh_public_key": None}, "ssh_public_key or admin_password"),
    ({"os_type": "Windows"}, "admin_password for a Windows image"),
], ids=["no-image", "ha-one-vm", "v2-os-disk", "ultra-no-zone", "dup-lun", "no-login", "windows-no-password"])
def test_args_reject_impossible_combinations(override, message):
    with pytest.raises(ValueError) as e:
        WorkloadComputeArgs(**{**BASE, **override})
    assert str(e.value) == f"WorkloadComputeArgs('w') needs {message}"


def test_args_accept_a_valid_combination():
    args = WorkloadComputeArgs(**{**BASE, "zone": "1", "data_disks": (DataDiskSpec(0, 64, "UltraSSD_LRS"),)})
    assert args.zone == "1"


# --- ARM schemas --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
@pytest.mark.parametrize("workload", [
    DB,
    {"tier": "critical-data", "sshPublicKey": KEY, "publicIp": True, "dataDisks": [
        {"lun": 0, "sizeGb": 1024, "sku": "PremiumV2_LRS"}, {"lun": 1, "sizeGb": 512, "sku": "UltraSSD_LRS"},
        {"lun": 2, "sizeGb": 64, "sku": "Premium_ZRS"}]},
    {**DB, "network": {"existingSubnetId": SUBNET_ID}, "trustedLaunch": False, "osDiskSku": "StandardSSD_ZRS"},
], ids=["ha", "zonal-v2-ultra-pip", "existing-subnet-standard"])
def test_every_declared_resource_validates_against_the_arm_schema(workload, preview):
    cap = run(config({"db": workload}), preview=preview)
    azure = [r for r in cap.resources if r.custom and r.type.startswith("azure-native:")]
    judged = validate_capture(cap.resources)
    # the ARM judge covers every type the component declares except public IPs (opt-in, not in its table)
    assert {r.urn for r in azure if r.type != "azure-native:network:PublicIPAddress"} == set(judged)
    assert set(RESOURCE_TYPES) >= {r.type for r in azure} - {"azure-native:network:PublicIPAddress"}
    assert {u: p for u, p in judged.items() if p} == {}


def test_arm_judge_takes_any_vm_size_but_still_rejects_bad_enums():
    """The ARM schema's vmSize enum is declared deprecated by its own description (sizes are listed per
    region by API); other enums stay strict."""
    from tests.armschema.validate import validate_inputs

    cap = run(config({"db": DB}))
    vm = dict(one(cap, "azure-native:compute:VirtualMachine", "db-vm-0").inputs)
    assert validate_inputs("azure-native:compute:VirtualMachine", vm) == []
    bad = {**vm, "securityProfile": {**vm["securityProfile"], "securityType": "TrustedLaunh"}}
    assert validate_inputs("azure-native:compute:VirtualMachine", bad) == [
        "azure-native:compute:VirtualMachine properties.securityProfile.securityType: 'TrustedLaunh' is not one of"
        " ['TrustedLaunch', 'ConfidentialVM']"]


def test_site_recovery_workload_nsg_opens_asr_egress():
    cap = run(config({"db": {**DB, "siteRecovery": {}}}))
    assert one(cap, "azure-native:network:NetworkSecurityGroup", "db-nsg").inputs["securityRules"] == [
        {**r, "priority": float(r["priority"])} for r in SITE_RECOVERY_RULES]
    vm = one(cap, "azure-native:compute:VirtualMachine", "db-vm-0")
    assert vm.inputs["tags"]["dr-site-recovery"] == "northeurope"  # the target region
