"""AZDR-COV-004 (issue 12): VMs the pack cannot judge are reported as advisory "not judged, because ...", never
passed silently; Flexible scale sets whose VMs are VirtualMachine resources are judged as those VMs."""

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE as UNK

from .cases import Case, params
from .harness import stack_resource, urn_of

VMSS_T = "azure-native:compute:VirtualMachineScaleSet"
CLASSIC_T = "azure:compute:LinuxVirtualMachine"
PROFILE = {"osProfile": {"computerNamePrefix": "web"}, "storageProfile": {"imageReference": {"offer": "x"}}}


def one(type_, name, props):
    return lambda: [stack_resource(type_, name, props)]


def _uniform(name, shown):
    return (f"[AZDR-COV-004] scale set '{name}' (orchestrationMode {shown}) was not judged: the pack judges "
            f"VirtualMachine resources only, so its instances' backup protection, placement and disks are unverified",
            urn_of(VMSS_T, name))


CASES = [
    Case("AZDR-COV-004", "pass-flexible-without-profile", one(VMSS_T, "flex", {"orchestrationMode": "Flexible",
                                                                               "platformFaultDomainCount": 1})),
    Case("AZDR-COV-004", "pass-no-scale-set-or-classic-vm",
         one("azure-native:resources:ResourceGroup", "rg", {"location": "westeurope"})),
    Case("AZDR-COV-004", "fail-uniform", one(VMSS_T, "uni", {"orchestrationMode": "Uniform",
                                                             "virtualMachineProfile": PROFILE}),
         [_uniform("uni", "'Uniform'")]),
    Case("AZDR-COV-004", "fail-orchestration-mode-missing-is-uniform",
         one(VMSS_T, "uni", {"virtualMachineProfile": PROFILE}), [_uniform("uni", "not set (Uniform)")]),
    Case("AZDR-COV-004", "fail-flexible-with-profile",
         one(VMSS_T, "flexp", {"orchestrationMode": "Flexible", "virtualMachineProfile": PROFILE}),
         [("[AZDR-COV-004] scale set 'flexp' (Flexible) was not judged for the instances it creates from its "
           "virtualMachineProfile: the pack judges only VirtualMachine resources (VMs declared with "
           "virtual_machine_scale_set=SubResourceArgs(id=<scale set>.id) are judged)", urn_of(VMSS_T, "flexp"))]),
    Case("AZDR-COV-004", "fail-unknown-orchestration-mode", one(VMSS_T, "u", {"orchestrationMode": UNK}),
         [("[AZDR-COV-004] scale set 'u' was not judged: its orchestrationMode is unknown during preview",
           urn_of(VMSS_T, "u"))]),
    Case("AZDR-COV-004", "fail-classic-azure-vm", one(CLASSIC_T, "vm", {"location": "westeurope", "size": "B1s"}),
         [("[AZDR-COV-004] 'vm' (azure:compute:LinuxVirtualMachine, the classic azure provider) was not judged: this "
           "pack reads azure-native resources only, so its backup protection, placement and disks are unverified; "
           "declare it with pulumi_azure_native.compute or review it by hand", urn_of(CLASSIC_T, "vm"))]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()
