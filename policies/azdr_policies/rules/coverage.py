"""Backup coverage stack rules (AZDR-COV-*): every VM is protected by a policy in a geo-redundant
vault of its own region, special VMs are on Enhanced (V2) policies, and policies stay manageable.

Joins (see `azdr_policies.joins`): a `recoveryservices:ProtectedItem` whose
`properties.protectedItemType` is `Microsoft.Compute/virtualMachines` is joined to its VM and policy
through the property dependencies of its `properties` input (it is built from `vm.id` and
`policy.id`), then through `properties.sourceResourceId` / `properties.policyId` against resource
ids. A policy is joined to its vault through the dependency of `vaultName`, then by vault name.
Every index is built once: the rules are linear in the number of resources.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, PolicyResource, Severity, StackValidationArgs

from ..facts import MAX_VMS_PER_POLICY
from ..framework import ConfigKey, Finding, Rule, RuleConfig
from ..joins import UNKNOWN, Graph, Protection, at, coverage, items, location, read
from ..props import DISK, MISSING, PROTECTED_ITEM, PROTECTION_POLICY, VAULT, VIRTUAL_MACHINE, same_text, show
from .vault import REDUNDANCY, is_geo_redundant

LEARN_VM_BACKUP = "https://learn.microsoft.com/azure/backup/backup-azure-arm-vms-prepare"
LEARN_MATRIX = "https://learn.microsoft.com/azure/backup/backup-support-matrix-iaas"
LEARN_ENHANCED = "https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy"
LEARN_FAQ = "https://learn.microsoft.com/azure/backup/backup-azure-vm-backup-faq"

ITEM_SNIPPET = """
import pulumi
import pulumi_azure_native.recoveryservices as rs

rs.ProtectedItem("db-1-backup", resource_group_name=vault_rg, vault_name=vault.name,
    fabric_name="Azure",
    container_name=pulumi.Output.concat("IaasVMContainer;iaasvmcontainerv2;", vm_rg, ";", vm.name),
    protected_item_name=pulumi.Output.concat("VM;iaasvmcontainerv2;", vm_rg, ";", vm.name),
    properties=rs.AzureIaaSComputeVMProtectedItemArgs(
        protected_item_type="Microsoft.Compute/virtualMachines",
        source_resource_id=vm.id, policy_id=policy.id))
"""


def _protection_problems(vm: PolicyResource, vm_loc, p: Protection) -> list[str]:
    """What is wrong with one protection of `vm` (empty: compliant)."""
    item = p.item.name
    if p.policy.target is None:
        return [
            f"VM '{vm.name}' is protected by '{item}' whose policy cannot be resolved "
            f"({p.policy.why('properties.policyId')}): the vault's redundancy and region cannot be verified; "
            f"use policy_id=<ProtectionPolicy>.id of a policy declared in this stack"
        ]
    policy = p.policy.target.name
    assert p.vault is not None
    if p.vault.target is None:
        return [
            f"VM '{vm.name}' is backed up by policy '{policy}' whose vault cannot be resolved "
            f"({p.vault.why('vaultName')}): its redundancy and region cannot be verified; "
            f"use vault_name=<Vault>.name of a vault declared in this stack"
        ]
    vault = p.vault.target
    problems = []
    redundancy = read(vault, REDUNDANCY)
    if redundancy is UNKNOWN:
        problems.append(f"VM '{vm.name}' is backed up to vault '{vault.name}' whose storage redundancy is unknown "
                        f"during preview: geo-redundancy cannot be verified")
    elif not is_geo_redundant(redundancy):
        problems.append(
            f"VM '{vm.name}' is backed up by policy '{policy}' to vault '{vault.name}' whose storage is "
            f"{show(redundancy)}: the backups never leave the region; use a GeoRedundant vault"
        )
    v_loc = location(vault)
    if vm_loc is UNKNOWN or v_loc is UNKNOWN:
        problems.append(f"VM '{vm.name}' is backed up to vault '{vault.name}' but a location is unknown during "
                        f"preview: the same-region requirement cannot be verified")
    elif vm_loc is not MISSING and v_loc is not MISSING and vm_loc != v_loc:
        problems.append(
            f"VM '{vm.name}' in {vm_loc} is backed up to vault '{vault.name}' in {v_loc}: Azure Backup needs "
            f"the vault in the VM's own region; use a GeoRedundant vault in {vm_loc}"
        )
    return problems


def check_vm_protected(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    cov = coverage(graph)
    unjoined = len(cov.unjoined)
    for vm in graph.of(VIRTUAL_MACHINE):
        protections = cov.by_vm.get(vm.urn, [])
        if not protections:
            note = ""
            if unjoined:
                note = (f" ({unjoined} VM protected item(s) could not be joined to a VM: their "
                        f"properties.sourceResourceId is unknown during preview or not in this stack, and they "
                        f"have no dependency on a VM)")
            yield Finding(
                f"VM '{vm.name}' has no backup protection: no recoveryservices.ProtectedItem references it{note}; "
                f"declare one with source_resource_id=<vm>.id and policy_id=<policy>.id", vm)
            continue
        vm_loc = location(vm)
        for p in protections:
            for problem in _protection_problems(vm, vm_loc, p):
                yield Finding(problem, vm)


VM_PROTECTED = Rule(
    id="AZDR-COV-001",
    name="vm-backup-protected-in-geo-vault",
    title="Every VM must have a backup protected item whose policy is in a geo-redundant vault of its region.",
    severity=Severity.CRITICAL,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(VIRTUAL_MACHINE, PROTECTED_ITEM, PROTECTION_POLICY, VAULT),
    seed_section="Steps to enable a backup",
    rationale=(
        "The seed's 'Steps to enable a backup' creates the Recovery Services vault in the same region as the VM "
        "(step 1), verifies it is geo-redundant (step 2) and selects the VM for a backup policy (step 3). A VM "
        "without a protected item has no recovery point at all; a vault in another region cannot protect it "
        "(Azure Backup does not support it), and a locally redundant vault loses the backups with the region."
    ),
    remediation=(
        "Declare a recoveryservices.ProtectedItem for every VM, built from the VM's id and a policy's id, with "
        "the policy in a GeoRedundant vault in the VM's region."
    ),
    snippet=ITEM_SNIPPET,
    links=(LEARN_VM_BACKUP, LEARN_MATRIX),
    unknown="fail",
    unknown_note=(
        "Joins use property dependencies first, so new resources join during preview. A protected item whose "
        "sourceResourceId is unknown and that has no dependency on a VM cannot be joined: the VM is reported as "
        "unprotected and the message counts the unjoined items. An unknown policyId, vault redundancy or "
        "location is reported as 'cannot be verified' (fail closed)."
    ),
    missing=(
        "No protected item means the VM is unprotected (fails). Vault redundancy not set means GeoRedundant "
        "(Azure default). A location not set on the VM or the vault (Azure then uses the resource group's) is "
        "not compared."
    ),
    check=check_vm_protected,
    tags=("coverage", "backup"),
)


# ---- AZDR-COV-002 ------------------------------------------------------------------------------

V2_DISK_SKUS = {"premiumv2_lrs": "Premium SSD v2", "ultrassd_lrs": "Ultra Disk"}


def _disk_skus(graph: Graph, vm: PolicyResource) -> list:
    """Disk SKUs of a VM: inline managedDisk.storageAccountType and the `sku.name` of Disk resources it
    attaches (joined by the storageProfile dependency, then by managedDisk.id)."""
    skus: list = []
    os_disk = read(vm, "storageProfile.osDisk")
    disks = [os_disk, *items(read(vm, "storageProfile.dataDisks"))]
    attached: dict[str, PolicyResource] = {d.urn: d for d in graph.deps(vm, "storageProfile", (DISK,))}
    for disk in disks:
        sku = at(disk, "managedDisk.storageAccountType")
        if sku is not MISSING:
            skus.append(sku)
        ref = graph.by_ref_id(at(disk, "managedDisk.id"), (DISK,))
        if ref.target is not None:
            attached[ref.target.urn] = ref.target
    for d in attached.values():
        skus.append(read(d, "sku.name"))
    return skus


def needs_v2(graph: Graph, vm: PolicyResource) -> list[str]:
    """Why the VM needs an Enhanced policy (empty: it does not)."""
    reasons = []
    security = read(vm, "securityProfile.securityType")
    if security is UNKNOWN:
        reasons.append("security type unknown during preview")
    elif same_text(security, "TrustedLaunch"):
        reasons.append("Trusted Launch")
    seen = set()
    for sku in _disk_skus(graph, vm):
        if sku is UNKNOWN:
            label = "disk SKU unknown during preview"
        else:
            label = V2_DISK_SKUS.get(sku.lower()) if isinstance(sku, str) else None
        if label and label not in seen:
            seen.add(label)
            reasons.append(label)
    return reasons


def check_v2_policy(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    cov = coverage(graph)
    for vm in graph.of(VIRTUAL_MACHINE):
        protections = [p for p in cov.by_vm.get(vm.urn, []) if p.policy.target is not None]
        if not protections:
            continue  # unprotected or unresolved policy: AZDR-COV-001 reports it
        reasons = needs_v2(graph, vm)
        if not reasons:
            continue
        for p in protections:
            policy = p.policy.target
            ptype = read(policy, "properties.policyType")
            if same_text(ptype, "V2"):
                continue
            shown = "unknown during preview" if ptype is UNKNOWN else show(ptype)
            yield Finding(
                f"VM '{vm.name}' ({', '.join(reasons)}) is protected by policy '{policy.name}' whose policyType is "
                f"{shown} (not set means V1): Azure Backup protects such VMs only with Enhanced policies; use a "
                f"policy with properties.policyType 'V2'", vm)


VM_V2_POLICY = Rule(
    id="AZDR-COV-002",
    name="vm-special-needs-enhanced-policy",
    title="Trusted Launch, Premium SSD v2 and Ultra Disk VMs must be protected by Enhanced (V2) policies.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(VIRTUAL_MACHINE, DISK, PROTECTED_ITEM, PROTECTION_POLICY),
    seed_section="Steps to enable a backup",
    rationale=(
        "The seed's 'Steps to enable a backup' step 3 configures the backup policy for the VM. Azure Backup "
        "accepts Trusted Launch VMs (at the API version azure-native uses, 2024-10-01) and VMs with Premium SSD v2 "
        "or Ultra disks only on Enhanced (V2) policies: with a Standard policy, enabling protection fails at "
        "deploy time and the VM stays without recovery points."
    ),
    remediation="Protect such VMs with a ProtectionPolicy whose properties.policyType is V2 (Enhanced).",
    snippet="""
import pulumi_azure_native.recoveryservices as rs

rs.AzureIaaSVMProtectionPolicyArgs(backup_management_type="AzureIaasVM",
    policy_type=rs.IAASVMPolicyType.V2,
    schedule_policy=rs.SimpleSchedulePolicyV2Args(schedule_policy_type="SimpleSchedulePolicyV2",
        schedule_run_frequency=rs.ScheduleRunType.DAILY,
        daily_schedule=rs.DailyScheduleArgs(schedule_run_times=["2024-01-01T22:00:00Z"])))
""",
    links=(LEARN_ENHANCED, LEARN_MATRIX),
    unknown="fail",
    unknown_note=(
        "An unknown securityType or disk SKU counts as needing V2 (fail closed); an unknown policyType is "
        "reported. VMs whose protection cannot be joined are left to AZDR-COV-001."
    ),
    missing=(
        "securityType not set means Standard (not Trusted Launch; set it explicitly, newer API versions may "
        "default Gen2 images to Trusted Launch); a disk without a SKU is not Premium SSD v2/Ultra; policyType "
        "not set means V1 (fails for these VMs)."
    ),
    check=check_v2_policy,
    tags=("coverage", "backup", "enhanced-policy"),
)


# ---- AZDR-COV-003 ------------------------------------------------------------------------------


def check_vms_per_policy(args: StackValidationArgs, cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    cov = coverage(graph)
    limit = cfg["maximumVmsPerPolicy"]
    counts: dict[str, set[str]] = {}
    policies: dict[str, PolicyResource | None] = {}
    protections = [p for ps in cov.by_vm.values() for p in ps] + cov.unjoined
    for p in protections:
        if p.policy.target is not None:
            key = p.policy.target.urn
            policies[key] = p.policy.target
        elif p.policy.status == "external":
            key = str(p.policy.raw).rstrip("/").lower()
            policies.setdefault(key, None)
        else:
            continue  # unknown/missing policy: AZDR-COV-001 reports it
        counts.setdefault(key, set()).add(p.vm.target.urn if p.vm.target is not None else p.item.urn)
    for key, vms in counts.items():
        if len(vms) <= limit:
            continue
        policy = policies[key]
        label = f"policy '{policy.name}'" if policy is not None else f"policy '{key}' (not in this stack)"
        yield Finding(
            f"{label} protects {len(vms)} VMs, more than {limit}: the Azure portal manages at most {MAX_VMS_PER_POLICY} VMs per "
            f"policy; split the VMs across several policies", policy)


VMS_PER_POLICY = Rule(
    id="AZDR-COV-003",
    name="backup-policy-vm-count",
    title="One VM backup policy should protect at most 100 VMs.",
    severity=Severity.LOW,
    enforcement=EnforcementLevel.ADVISORY,
    kind="stack",
    resource_types=(PROTECTED_ITEM, PROTECTION_POLICY),
    seed_section="Using Azure Backup",
    rationale=(
        "The seed's 'Using Azure Backup' relies on policies to schedule backups of many VMs at scale. The Azure "
        "portal limits one policy to 100 VMs; beyond that the backup window crowds and the portal cannot manage "
        "the policy's items, so large fleets should spread over several policies."
    ),
    remediation="Split the protected VMs across several ProtectionPolicy resources (at most 100 VMs each).",
    snippet="""
import pulumi_azure_native.recoveryservices as rs

# one policy per 100 VMs, e.g. per workload or per batch
policies = [rs.ProtectionPolicy(f"vm-daily-{i}", resource_group_name=rg.name, vault_name=vault.name,
    properties=policy_args) for i in range((len(vms) + 99) // 100)]
""",
    links=(LEARN_FAQ,),
    unknown="skip",
    unknown_note=(
        "VMs are counted per policy joined by dependency or id; items whose policyId is unknown without a "
        "dependency are not counted here: AZDR-COV-001 reports them (fail closed), so this advisory count skips "
        "them rather than guess."
    ),
    missing="A protected item without policyId is not counted (AZDR-COV-001 reports it).",
    check=check_vms_per_policy,
    config=(
        ConfigKey("maximumVmsPerPolicy", "integer", MAX_VMS_PER_POLICY,
                  "Most VMs one policy may protect before the rule reports.",
                  minimum=1, maximum=1000),
    ),
    tags=("coverage", "backup", "scale"),
)


# ---- AZDR-COV-004 (stack, advisory) ------------------------------------------------------------

SCALE_SET = "azure-native:compute:VirtualMachineScaleSet"
CLASSIC_VM_TYPES = ("azure:compute:VirtualMachine", "azure:compute:LinuxVirtualMachine",
                    "azure:compute:WindowsVirtualMachine", "azure:compute:LinuxVirtualMachineScaleSet",
                    "azure:compute:WindowsVirtualMachineScaleSet", "azure:compute:ScaleSet",
                    "azure:compute:OrchestratedVirtualMachineScaleSet")
LEARN_FLEX = "https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-orchestration-modes"


def check_unjudged_compute(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    """A gate never says "passed" about what it did not look at (issue 12)."""
    graph = Graph.of_stack(args.resources)
    for res in graph.of(*CLASSIC_VM_TYPES):
        yield Finding(
            f"'{res.name}' ({res.resource_type}, the classic azure provider) was not judged: this pack reads "
            f"azure-native resources only, so its backup protection, placement and disks are unverified; declare it "
            f"with pulumi_azure_native.compute or review it by hand", res)
    for vmss in graph.of(SCALE_SET):
        mode = read(vmss, "orchestrationMode")
        profile = read(vmss, "virtualMachineProfile")
        if mode is UNKNOWN:
            yield Finding(f"scale set '{vmss.name}' was not judged: its orchestrationMode is unknown during preview", vmss)
        elif same_text(mode, "Flexible") and profile is MISSING:
            continue  # Flexible without a profile: its VMs are VirtualMachine resources, judged like any VM
        elif same_text(mode, "Flexible"):
            yield Finding(
                f"scale set '{vmss.name}' (Flexible) was not judged for the instances it creates from its "
                f"virtualMachineProfile: the pack judges only VirtualMachine resources (VMs declared with "
                f"virtual_machine_scale_set=SubResourceArgs(id=<scale set>.id) are judged)", vmss)
        else:
            shown = "not set (Uniform)" if mode is MISSING else show(mode)
            yield Finding(
                f"scale set '{vmss.name}' (orchestrationMode {shown}) was not judged: the pack judges VirtualMachine "
                f"resources only, so its instances' backup protection, placement and disks are unverified", vmss)


UNJUDGED_COMPUTE = Rule(
    id="AZDR-COV-004",
    name="compute-not-judged",
    title="VMs the pack cannot judge (classic azure provider VMs, scale-set instances) are reported, not passed.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.ADVISORY,
    kind="stack",
    resource_types=(SCALE_SET, *CLASSIC_VM_TYPES),
    seed_section="Steps to enable a backup",
    rationale=(
        "The seed's 'Steps to enable a backup' selects every VM for a backup policy. The pack verifies that for "
        "azure-native VirtualMachine resources; a VM declared through another provider, or created by a scale set "
        "from its profile, would otherwise pass silently. A gate never says 'passed' about what it did not look at."
    ),
    remediation=(
        "Declare VMs with pulumi_azure_native.compute.VirtualMachine (for a Flexible scale set: VMs with "
        "virtual_machine_scale_set set), or review these resources by hand and exempt them."
    ),
    snippet="""
import pulumi_azure_native.compute as compute

vmss = compute.VirtualMachineScaleSet("web", resource_group_name=rg.name,
    orchestration_mode=compute.OrchestrationMode.FLEXIBLE, platform_fault_domain_count=1)
compute.VirtualMachine("web-1", resource_group_name=rg.name,
    virtual_machine_scale_set=compute.SubResourceArgs(id=vmss.id), **vm_args)
""",
    links=(LEARN_FLEX, LEARN_MATRIX),
    unknown="fail",
    unknown_note="An unknown orchestrationMode is reported as not judged (at the rule's advisory level).",
    missing=(
        "orchestrationMode not set is judged as Uniform (not judged). A Flexible scale set without "
        "virtualMachineProfile has no instances of its own: its VMs are judged as VirtualMachine resources."
    ),
    check=check_unjudged_compute,
    tags=("coverage", "backup"),
)


RULES = [VM_PROTECTED, VM_V2_POLICY, VMS_PER_POLICY, UNJUDGED_COMPUTE]
