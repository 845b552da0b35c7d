"""AZDR-COV-*: backup coverage stack rules. One multi-resource fixture per case; resource names say
pass/fail. Joins by property dependency, parent and id fallback; unknown ids during preview; VMs the pack
cannot judge (AZDR-COV-004). Pass, fail, unknown and missing cases."""

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE as UNK

from azdr_policies import RULES_BY_ID

from .cases import Case, params
from .factories import DELETE, mutate, policy_id, policy_out, protected_item_props, vault_out, vm_id, vm_out
from .harness import run_stack, stack_resource, urn_of

VM_T = "azure-native:compute:VirtualMachine"
VAULT_T = "azure-native:recoveryservices:Vault"
POLICY_T = "azure-native:recoveryservices:ProtectionPolicy"
ITEM_T = "azure-native:recoveryservices:ProtectedItem"
DISK_T = "azure-native:compute:Disk"
RED = "properties.redundancySettings.standardTierStorageRedundancy"


def vm_urn(name):
    return urn_of(VM_T, name)


def fleet(vms, *, vault=None, policy=None, dep=True, item_extra=None, vault_dep=True, skip_items=()):
    """vault + policy + one VM and one protected item per entry of `vms` (name -> VM outputs)."""
    def build():
        v = stack_resource(VAULT_T, "rsv", vault if vault is not None else vault_out())
        p = stack_resource(POLICY_T, "pol", policy if policy is not None else policy_out(),
                           property_dependencies={"vaultName": [v]} if vault_dep else None)
        out = [v, p]
        for name, props in vms.items():
            vm = stack_resource(VM_T, name, props)
            out.append(vm)
            if name in skip_items:
                continue
            item = protected_item_props(name)
            if item_extra:
                for path, value in item_extra.items():
                    item = mutate(item, path, value)
            out.append(stack_resource(ITEM_T, f"{name}-backup", item,
                                      property_dependencies={"properties": [vm, p]} if dep else None))
        return out
    return build


def _unprotected(vm, note=""):
    return (f"[AZDR-COV-001] VM '{vm}' has no backup protection: no recoveryservices.ProtectedItem references "
            f"it{note}; declare one with source_resource_id=<vm>.id and policy_id=<policy>.id", vm_urn(vm))


UNJOINED = (" ({n} VM protected item(s) could not be joined to a VM: their properties.sourceResourceId is unknown "
            "during preview or not in this stack, and they have no dependency on a VM)")

OK = {"pass-db-1": vm_out("pass-db-1")}

CASES = [
    Case("AZDR-COV-001", "pass-joined-by-property-dependencies", fleet(OK)),
    Case("AZDR-COV-001", "pass-joined-by-id-fallback", fleet(OK, dep=False, vault_dep=False)),
    Case("AZDR-COV-001", "pass-unknown-ids-joined-by-dependencies",
         fleet({"pass-db-1": vm_out("pass-db-1", id=UNK)}, item_extra={"properties.sourceResourceId": UNK,
                                                                       "properties.policyId": UNK})),
    Case("AZDR-COV-001", "pass-vault-redundancy-missing-means-grs",
         fleet(OK, vault=mutate(vault_out(), "properties.redundancySettings", DELETE))),
    Case("AZDR-COV-001", "pass-location-display-name", fleet({"pass-db-1": vm_out("pass-db-1", location="West Europe")})),
    Case("AZDR-COV-001", "pass-no-vms", lambda: [stack_resource(VAULT_T, "rsv", vault_out())]),
    Case("AZDR-COV-001", "fail-no-item", fleet({"fail-db-2": vm_out("fail-db-2")}, skip_items={"fail-db-2"}),
         [_unprotected("fail-db-2")]),
    Case("AZDR-COV-001", "fail-item-of-other-type-does-not-count",
         fleet({"fail-db-2": vm_out("fail-db-2")},
               item_extra={"properties.protectedItemType": "AzureFileShareProtectedItem"}),
         [_unprotected("fail-db-2")]),
    Case("AZDR-COV-001", "fail-unknown-vm-id-without-dependency-does-not-pass",
         fleet({"fail-db-2": vm_out("fail-db-2", id=UNK)}, dep=False,
               item_extra={"properties.sourceResourceId": UNK}),
         [_unprotected("fail-db-2", UNJOINED.format(n=1))]),
    Case("AZDR-COV-001", "fail-lrs-vault", fleet({"fail-db-2": vm_out("fail-db-2")},
                                                 vault=mutate(vault_out(), RED, "LocallyRedundant")),
         [("[AZDR-COV-001] VM 'fail-db-2' is backed up by policy 'pol' to vault 'rsv' whose storage is "
           "'LocallyRedundant': the backups never leave the region; use a GeoRedundant vault", vm_urn("fail-db-2"))]),
    Case("AZDR-COV-001", "fail-vault-in-other-region",
         fleet({"fail-db-2": vm_out("fail-db-2", location="northeurope")}),
         [("[AZDR-COV-001] VM 'fail-db-2' in northeurope is backed up to vault 'rsv' in westeurope: Azure Backup "
           "needs the vault in the VM's own region; use a GeoRedundant vault in northeurope", vm_urn("fail-db-2"))]),
    Case("AZDR-COV-001", "fail-vault-location-unknown",
         fleet({"fail-db-2": vm_out("fail-db-2")}, vault=vault_out(location=UNK)),
         [("[AZDR-COV-001] VM 'fail-db-2' is backed up to vault 'rsv' but a location is unknown during preview: the "
           "same-region requirement cannot be verified", vm_urn("fail-db-2"))]),
    Case("AZDR-COV-001", "fail-vault-redundancy-unknown",
         fleet({"fail-db-2": vm_out("fail-db-2")}, vault=mutate(vault_out(), RED, UNK)),
         [("[AZDR-COV-001] VM 'fail-db-2' is backed up to vault 'rsv' whose storage redundancy is unknown during "
           "preview: geo-redundancy cannot be verified", vm_urn("fail-db-2"))]),
    Case("AZDR-COV-001", "fail-policy-unknown-without-dependency",
         fleet({"fail-db-2": vm_out("fail-db-2")}, dep=False, item_extra={"properties.policyId": UNK}),
         [("[AZDR-COV-001] VM 'fail-db-2' is protected by 'fail-db-2-backup' whose policy cannot be resolved "
           "(properties.policyId is unknown during preview and nothing declares a dependency on the target): the "
           "vault's redundancy and region cannot be verified; use policy_id=<ProtectionPolicy>.id of a policy "
           "declared in this stack", vm_urn("fail-db-2"))]),
    Case("AZDR-COV-001", "fail-policy-external",
         fleet({"fail-db-2": vm_out("fail-db-2")}, dep=False, item_extra={"properties.policyId": "/x/pol-other"}),
         [("[AZDR-COV-001] VM 'fail-db-2' is protected by 'fail-db-2-backup' whose policy cannot be resolved "
           "(properties.policyId '/x/pol-other' is not declared in this stack): the vault's redundancy and region "
           "cannot be verified; use policy_id=<ProtectionPolicy>.id of a policy declared in this stack",
           vm_urn("fail-db-2"))]),
    Case("AZDR-COV-001", "fail-vault-unresolved",
         fleet({"fail-db-2": vm_out("fail-db-2")}, vault_dep=False, policy=policy_out(vaultName="rsv-elsewhere")),
         [("[AZDR-COV-001] VM 'fail-db-2' is backed up by policy 'pol' whose vault cannot be resolved (vaultName "
           "'rsv-elsewhere' is not declared in this stack): its redundancy and region cannot be verified; use "
           "vault_name=<Vault>.name of a vault declared in this stack", vm_urn("fail-db-2"))]),
]


def _mixed():
    """One fixture, names say pass/fail: protected VM, unprotected VM, VM in another region."""
    b = fleet({"pass-db-1": vm_out("pass-db-1"), "fail-unprotected": vm_out("fail-unprotected"),
               "fail-other-region": vm_out("fail-other-region", location="eastus")},
              skip_items={"fail-unprotected"})
    return b()


CASES.append(Case("AZDR-COV-001", "fail-mixed-fleet", _mixed, [
    _unprotected("fail-unprotected"),
    ("[AZDR-COV-001] VM 'fail-other-region' in eastus is backed up to vault 'rsv' in westeurope: Azure Backup needs "
     "the vault in the VM's own region; use a GeoRedundant vault in eastus", vm_urn("fail-other-region")),
]))

# ---- AZDR-COV-002 -------------------------------------------------------------------------------

TL = {"securityProfile": {"securityType": "TrustedLaunch"}}
V1 = mutate(policy_out(), "properties.policyType", "V1")


def _v2(vm, reasons, ptype="'V1'"):
    return (f"[AZDR-COV-002] VM '{vm}' ({reasons}) is protected by policy 'pol' whose policyType is {ptype} (not set "
            f"means V1): Azure Backup protects such VMs only with Enhanced policies; use a policy with "
            f"properties.policyType 'V2'", vm_urn(vm))


def _with_disk(sku, *, dep=True, policy=None):
    def build():
        disk = stack_resource(DISK_T, "data0", {"sku": {"name": sku}, "id": "/d/data0", "location": "westeurope"})
        vm = vm_out("fail-db-v2", storageProfile={"osDisk": {"createOption": "FromImage", "managedDisk": {
            "storageAccountType": "Premium_LRS"}}, "dataDisks": [{"lun": 0, "createOption": "Attach",
                                                                  "managedDisk": {"id": "/d/data0"}}]})
        res = fleet({"fail-db-v2": vm}, policy=policy if policy is not None else V1)()
        vm_res = next(r for r in res if r.resource_type == VM_T)
        if dep:
            vm_res.property_dependencies["storageProfile"] = [disk]
        return [disk, *res]
    return build


CASES += [
    Case("AZDR-COV-002", "pass-trusted-launch-on-v2", fleet({"pass-tl": vm_out("pass-tl", **TL)})),
    Case("AZDR-COV-002", "pass-standard-vm-on-v1", fleet({"pass-std": vm_out("pass-std")}, policy=V1)),
    Case("AZDR-COV-002", "pass-premium-v2-disk-on-v2", _with_disk("PremiumV2_LRS", policy=policy_out())),
    Case("AZDR-COV-002", "pass-unprotected-left-to-cov-001",
         fleet({"pass-tl": vm_out("pass-tl", **TL)}, policy=V1, skip_items={"pass-tl"})),
    Case("AZDR-COV-002", "fail-trusted-launch-on-v1", fleet({"fail-tl": vm_out("fail-tl", **TL)}, policy=V1),
         [_v2("fail-tl", "Trusted Launch")]),
    Case("AZDR-COV-002", "fail-trusted-launch-policy-type-missing",
         fleet({"fail-tl": vm_out("fail-tl", **TL)}, policy=mutate(policy_out(), "properties.policyType", DELETE)),
         [_v2("fail-tl", "Trusted Launch", "not set")]),
    Case("AZDR-COV-002", "fail-premium-v2-disk-joined-by-dependency", _with_disk("PremiumV2_LRS"),
         [_v2("fail-db-v2", "Premium SSD v2")]),
    Case("AZDR-COV-002", "fail-ultra-disk-joined-by-id", _with_disk("UltraSSD_LRS", dep=False),
         [_v2("fail-db-v2", "Ultra Disk")]),
    Case("AZDR-COV-002", "fail-inline-ultra-and-trusted-launch",
         fleet({"fail-tl": vm_out("fail-tl", **TL, storageProfile={"dataDisks": [
             {"lun": 0, "createOption": "Empty", "managedDisk": {"storageAccountType": "UltraSSD_LRS"}}]})}, policy=V1),
         [_v2("fail-tl", "Trusted Launch, Ultra Disk")]),
    Case("AZDR-COV-002", "fail-security-type-unknown",
         fleet({"fail-tl": vm_out("fail-tl", securityProfile={"securityType": UNK})}, policy=V1),
         [_v2("fail-tl", "security type unknown during preview")]),
    Case("AZDR-COV-002", "fail-policy-type-unknown",
         fleet({"fail-tl": vm_out("fail-tl", **TL)}, policy=mutate(policy_out(), "properties.policyType", UNK)),
         [_v2("fail-tl", "Trusted Launch", "unknown during preview")]),
]

# ---- AZDR-COV-003 -------------------------------------------------------------------------------

POLICY_URN = urn_of(POLICY_T, "pol")


def _many(n):
    return fleet({f"vm-{i}": vm_out(f"vm-{i}") for i in range(n)})


def _too_many(n, limit=100):
    return (f"[AZDR-COV-003] policy 'pol' protects {n} VMs, more than {limit}: the Azure portal manages at most 100 "
            f"VMs per policy; split the VMs across several policies", POLICY_URN)


CASES += [
    Case("AZDR-COV-003", "pass-at-limit-100", _many(100)),
    Case("AZDR-COV-003", "pass-at-configured-limit", _many(3), config={"maximumVmsPerPolicy": 3}),
    Case("AZDR-COV-003", "fail-above-limit-101", _many(101), [_too_many(101)]),
    Case("AZDR-COV-003", "fail-above-configured-limit", _many(4), [_too_many(4, 3)], config={"maximumVmsPerPolicy": 3}),
    Case("AZDR-COV-003", "fail-external-policy-counted-by-id",
         fleet({f"vm-{i}": vm_out(f"vm-{i}") for i in range(3)}, dep=False,
               item_extra={"properties.policyId": "/ext/pol-x"}),
         [("[AZDR-COV-003] policy '/ext/pol-x' (not in this stack) protects 3 VMs, more than 2: the Azure portal "
           "manages at most 100 VMs per policy; split the VMs across several policies", None)],
         config={"maximumVmsPerPolicy": 2}),
]


# ---- unknown (preview) and missing: what the rule's docs promise ------------------------------------------

# AZDR-COV-003: items whose policy is unknown or missing are left to AZDR-COV-001


def _items_without_policy(policy_id):
    """Three VMs whose items depend on their VM only, with `policy_id` (unknown or removed)."""
    def build():
        out = fleet({})()  # the vault and the policy
        for i in range(3):
            vm = stack_resource(VM_T, f"vm-{i}", vm_out(f"vm-{i}"))
            item = mutate(protected_item_props(f"vm-{i}"), "properties.policyId", policy_id)
            out += [vm, stack_resource(ITEM_T, f"vm-{i}-backup", item, property_dependencies={"properties": [vm]})]
        return out
    return build


CASES += [
    Case("AZDR-COV-003", "pass-unknown-policy-id-left-to-cov-001", _items_without_policy(UNK),
         config={"maximumVmsPerPolicy": 2}),
    Case("AZDR-COV-003", "pass-policy-id-missing-not-counted", _items_without_policy(DELETE),
         config={"maximumVmsPerPolicy": 2}),
]


def test_policy_urn_is_what_cov_003_reports():
    """The two pass cases above would report on the policy if the items were counted: prove it by joining them."""
    res = run_stack(RULES_BY_ID["AZDR-COV-003"], fleet({f"vm-{i}": vm_out(f"vm-{i}") for i in range(3)})(),
                    config={"maximumVmsPerPolicy": 2})
    assert [u for _m, u in res.violations] == [urn_of(POLICY_T, "pol")]



# ---- AZDR-COV-004: VMs the pack cannot judge are reported as advisory "not judged, because ...", never passed
# silently; Flexible scale sets whose VMs are VirtualMachine resources are judged as those VMs.

VMSS_T = "azure-native:compute:VirtualMachineScaleSet"
CLASSIC_T = "azure:compute:LinuxVirtualMachine"
PROFILE = {"osProfile": {"computerNamePrefix": "web"}, "storageProfile": {"imageReference": {"offer": "x"}}}


def one(type_, name, props):
    return lambda: [stack_resource(type_, name, props)]


def _uniform(name, shown):
    return (f"[AZDR-COV-004] scale set '{name}' (orchestrationMode {shown}) was not judged: the pack judges "
            f"VirtualMachine resources only, so its instances' backup protection, placement and disks are unverified",
            urn_of(VMSS_T, name))


CASES += [
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


def test_policy_id_fallback_matches_case_insensitively():
    res = run_stack(RULES_BY_ID["AZDR-COV-001"], fleet(OK, dep=False, item_extra={
        "properties.policyId": policy_id().upper(), "properties.sourceResourceId": vm_id("pass-db-1").upper()})())
    assert res.violations == [] and res.failures == []


def test_exemption_by_vm_name():
    res = run_stack(RULES_BY_ID["AZDR-COV-001"], fleet({"fail-db-2": vm_out("fail-db-2")}, skip_items={"fail-db-2"})(),
                    config={"exemptions": [{"resource": "fail-*", "reason": "decommissioned in DR-7",
                                            "expires": "2026-07-01"}]})
    assert res.violations == [] and res.failures == []
