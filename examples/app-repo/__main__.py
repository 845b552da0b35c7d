"""An application repo's program: one Linux VM of its own, enrolled into the DR stack's backup.

A real application repo vendors ``components/`` (or installs this repository); the sample imports it from
the repository root instead.
"""

import sys
from pathlib import Path

import pulumi
import pulumi_azure_native.compute as compute
import pulumi_azure_native.network as network
import pulumi_azure_native.resources as resources

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the sample's stand-in for vendoring

from components.enroll import enroll_vm  # noqa: E402

config = pulumi.Config()
region = pulumi.Config("azure-native").require("location")
infra = pulumi.StackReference(config.require("infraStack"))

rg = resources.ResourceGroup("orders", resource_group_name="rg-orders", location=region)
vnet = network.VirtualNetwork(
    "orders", resource_group_name=rg.name, location=region, virtual_network_name="vnet-orders",
    address_space={"address_prefixes": ["10.50.0.0/16"]})
subnet = network.Subnet("orders", resource_group_name=rg.name, virtual_network_name=vnet.name,
                        subnet_name="snet-orders", address_prefix="10.50.1.0/24")
nic = network.NetworkInterface(
    "orders-1", resource_group_name=rg.name, location=region, network_interface_name="nic-orders-1",
    ip_configurations=[{"name": "ipconfig1", "subnet": {"id": subnet.id}}])
vm = compute.VirtualMachine(
    "orders-1", resource_group_name=rg.name, location=region, vm_name="orders-1",
    hardware_profile={"vm_size": "Standard_D2s_v5"},
    network_profile={"network_interfaces": [{"id": nic.id, "primary": True}]},
    os_profile={"computer_name": "orders-1", "admin_username": "azureuser",
                "linux_configuration": {
                    "disable_password_authentication": True,
                    "provision_vm_agent": True,
                    "ssh": {"public_keys": [{
                        "path": "/home/azureuser/.ssh/authorized_keys",
                        "key_data": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 app",
                    }]}}},
    storage_profile={
        "image_reference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                            "version": "latest"},
        "os_disk": {"create_option": "FromImage", "managed_disk": {"storage_account_type": "Premium_LRS"}},
    })

backup = enroll_vm("orders-1-backup", stack=infra, vm_id=vm.id, vm_name=vm.name,
                   vm_resource_group_name=rg.name, region=region, tier=config.get("tier") or "app-server")

pulumi.export("vmId", vm.id)
