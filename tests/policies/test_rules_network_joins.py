"""AZDR-PRQ-002 (the egress of VMs Site Recovery replicates) over every network shape azure-native accepts (issue 12): NSGs on subnets declared inline in
`VirtualNetwork.subnets`, `Subnet` resources, NSGs on NICs, ids as references (dependencies) or literal strings."""

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE as UNK

from .cases import Case, params
from .factories import policy_out, protected_item_props, vault_out, vm_out
from .harness import stack_resource, urn_of

VM_T = "azure-native:compute:VirtualMachine"
NSG_T = "azure-native:network:NetworkSecurityGroup"
VNET_T = "azure-native:network:VirtualNetwork"
NIC_T = "azure-native:network:NetworkInterface"
SUB_ID = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-app/subnets/{}"
NSG_ID = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-web"
DENY = {"name": "deny-internet", "priority": 4000, "direction": "Outbound", "access": "Deny", "protocol": "*",
        "destinationAddressPrefix": "Internet", "destinationPortRange": "*"}


def inline(nic_subnet, *, subnets=None, nsg_dep=True, nic_dep=True, nic_nsg=None):
    """vault, policy, NSG nsg-web, a VirtualNetwork with inline subnets, a NIC, a protected VM."""
    def build():
        vault = stack_resource("azure-native:recoveryservices:Vault", "rsv", vault_out())
        pol = stack_resource("azure-native:recoveryservices:ProtectionPolicy", "pol", policy_out(),
                             property_dependencies={"vaultName": [vault]})
        nsg = stack_resource(NSG_T, "nsg", {"networkSecurityGroupName": "nsg-web", "securityRules": [DENY]})
        subs = subnets if subnets is not None else [{"name": "web", "networkSecurityGroup": {"id": UNK}}]
        vnet = stack_resource(VNET_T, "vnet", {"virtualNetworkName": "vnet-app", "subnets": subs},
                              property_dependencies={"subnets": [nsg]} if nsg_dep else None)
        nic_props = {"ipConfigurations": [{"name": "c", "subnet": nic_subnet}]}
        if nic_nsg is not None:
            nic_props["networkSecurityGroup"] = {"id": nic_nsg}
        nic = stack_resource(NIC_T, "nic", nic_props,
                             property_dependencies={"ipConfigurations": [vnet]} if nic_dep else None)
        # replicated by Site Recovery (the tag the program sets): the VMs AZDR-PRQ-002 judges since issue 11
        vm = stack_resource(VM_T, "vm", vm_out("vm", networkProfile={"networkInterfaces": [{"id": UNK}]},
                                               tags={"dr-site-recovery": "northeurope"}),
                            property_dependencies={"networkProfile": [nic]})
        item = stack_resource("azure-native:recoveryservices:ProtectedItem", "vm-backup", protected_item_props("vm"),
                              property_dependencies={"properties": [vm, pol]})
        return [vault, pol, nsg, vnet, nic, vm, item]
    return build


def _blocked(where):
    return (f"[AZDR-PRQ-002] VM 'vm' is replicated by Azure Site Recovery but network security group 'nsg' on {where} "
            f"blocks outbound HTTPS to AzureSiteRecovery, Storage, EventHub, AzureActiveDirectory (first matching rule "
            f"'deny-internet', priority 4000, access 'Deny'): replication stops; add outbound Allow rules for the "
            f"service tags AzureSiteRecovery, Storage.westeurope, EventHub.westeurope and AzureActiveDirectory with a "
            f"lower priority number than the deny", urn_of(VM_T, "vm"))


WEB = "subnet 'web' of virtual network 'vnet'"
CASES = [
    Case("AZDR-PRQ-002", "fail-inline-subnet-unknown-id-by-dependency", inline({"id": UNK}), [_blocked(WEB)]),
    Case("AZDR-PRQ-002", "fail-inline-subnet-id-missing-by-dependency", inline({"id": None}), [_blocked(WEB)]),
    Case("AZDR-PRQ-002", "fail-inline-subnet-literal-id", inline({"id": SUB_ID.format("web")}, nic_dep=False),
         [_blocked(WEB)]),
    Case("AZDR-PRQ-002", "fail-inline-subnet-literal-nsg-id",
         inline({"id": SUB_ID.format("web")}, subnets=[{"name": "web", "networkSecurityGroup": {"id": NSG_ID}}],
                nsg_dep=False, nic_dep=False), [_blocked(WEB)]),
    Case("AZDR-PRQ-002", "fail-nsg-on-nic-literal-id", inline({"id": UNK}, subnets=[{"name": "web"}], nsg_dep=False,
                                                               nic_nsg=NSG_ID), [_blocked("network interface 'nic'")]),
    Case("AZDR-PRQ-002", "pass-inline-subnet-nsg-missing", inline({"id": UNK}, subnets=[{"name": "web"}],
                                                                  nsg_dep=False)),
    Case("AZDR-PRQ-002", "pass-other-inline-subnet-holds-the-nsg",
         inline({"id": SUB_ID.format("app")}, subnets=[{"name": "web", "networkSecurityGroup": {"id": UNK}},
                                                      {"name": "app"}], nic_dep=False)),
    Case("AZDR-PRQ-002", "fail-unknown-which-of-several-inline-subnets",
         inline({"id": UNK}, subnets=[{"name": "web", "networkSecurityGroup": {"id": UNK}}, {"name": "app"}]),
         [("[AZDR-PRQ-002] VM 'vm' is replicated by Azure Site Recovery but its egress cannot be verified: the subnet "
           "of network interface 'nic' is unknown during preview and has no dependency", urn_of(VM_T, "vm"))]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()
