"""Backup prerequisites (AZDR-PRQ-*) from the seed's "Steps to enable a backup", steps 4 and 5: the
VM agent is provisioned, and network security groups let a VM that Azure Site Recovery replicates reach
the services ASR needs. (Azure VM backup itself needs no outbound rule: "Explicit outbound connectivity
isn't required to allow backup of Azure VMs", https://learn.microsoft.com/azure/backup/backup-azure-arm-vms-prepare.)

Wire shapes (azure-native v3): `compute:VirtualMachine` `osProfile.linuxConfiguration|
windowsConfiguration.provisionVMAgent`, `storageProfile.imageReference.*`,
`networkProfile.networkInterfaces[].id`; `network:NetworkInterface` `networkSecurityGroup.id`,
`ipConfigurations[].subnet.id`; `network:Subnet` `networkSecurityGroup.id`;
`network:NetworkSecurityGroup` `securityRules[]` (`name, direction, access, priority, protocol,
destinationAddressPrefix(es), destinationPortRange(s)`); `network:SecurityRule` (the same fields at the
top level, plus `networkSecurityGroupName`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from ..facts import SITE_RECOVERY_SERVICE_TAGS
from ..framework import Finding, Rule, RuleConfig
from ..joins import UNKNOWN, Graph, Ref, at, coverage, items, location, nic_nsg, nic_subnets, read, subnet_nsg, vm_nics
from ..props import (
    MISSING,
    NETWORK_INTERFACE,
    NETWORK_SECURITY_GROUP,
    SECURITY_RULE,
    SUBNET,
    VIRTUAL_MACHINE,
    as_int,
    as_str,
    get,
    show,
)

LEARN_AGENT = "https://learn.microsoft.com/azure/virtual-machines/extensions/agent-linux"
LEARN_PREPARE = "https://learn.microsoft.com/azure/backup/backup-azure-arm-vms-prepare"
LEARN_IAAS_MATRIX = "https://learn.microsoft.com/azure/backup/backup-support-matrix-iaas"  # agentless option
LEARN_NETWORK = "https://learn.microsoft.com/azure/backup/backup-azure-arm-vms-prepare#establish-network-connectivity"
LEARN_TAGS = "https://learn.microsoft.com/azure/virtual-network/service-tags-overview"

CUSTOM_IMAGE_KEYS = ("id", "sharedGalleryImageId", "communityGalleryImageId")


# ---- AZDR-PRQ-001 ------------------------------------------------------------------------------


def check_vm_agent(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    os_profile = get(args.props, "osProfile")
    if os_profile is MISSING:
        return  # created from an attached OS disk: the agent comes with the disk (not judged)
    windows = get(os_profile, "windowsConfiguration") is not MISSING
    key = "windowsConfiguration" if windows else "linuxConfiguration"
    path = f"osProfile.{key}.provisionVMAgent"
    value = get(os_profile, f"{key}.provisionVMAgent")
    if value is False:
        yield (
            f"VM '{args.name}' sets {path} to false: Azure Backup needs the VM agent to take application-consistent "
            f"snapshots; set it to true"
        )
        return
    if value is not MISSING:
        return
    custom = next((k for k in CUSTOM_IMAGE_KEYS if get(args.props, f"storageProfile.imageReference.{k}") is not MISSING),
                  None)
    if custom is not None:
        yield (
            f"VM '{args.name}' is created from a custom image (storageProfile.imageReference.{custom}) and does not set "
            f"{path}: Azure Backup needs the VM agent, which only marketplace images are known to contain; install "
            f"it in the image and set {path} to true"
        )


VM_AGENT = Rule(
    id="AZDR-PRQ-001",
    name="vm-agent-provisioned",
    title="VMs must have the VM agent provisioned so Azure Backup can snapshot them.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(VIRTUAL_MACHINE,),
    seed_section="Steps to enable a backup",
    rationale=(
        "The seed's 'Steps to enable a backup' step 4: make sure the Backup Agent (the VM agent and its backup "
        "extension) is on the VM. A VM from an Azure gallery (marketplace) image has it; a custom image must "
        "include it. Without it, application- and file-consistent backups fail. (Azure Backup also offers "
        "agentless multi-disk crash-consistent backup on the Enhanced policy, snapshotConsistencyType "
        "OnlyCrashConsistent; the program never asks for it, so the pack keeps requiring the agent: the safe side.)"
    ),
    remediation=(
        "Keep provisionVMAgent true (the default) and, for custom images, install the agent in the image and set "
        "provisionVMAgent explicitly."
    ),
    snippet="""
import pulumi_azure_native.compute as compute

compute.OSProfileArgs(computer_name="db-1", admin_username="azureuser",
    linux_configuration=compute.LinuxConfigurationArgs(
        disable_password_authentication=True, provision_vm_agent=True))
""",
    links=(LEARN_PREPARE, LEARN_AGENT, LEARN_IAAS_MATRIX),
    unknown="advisory",
    unknown_note="provisionVMAgent and the image reference are normally literal; unknown values yield the SDK advisory.",
    missing=(
        "provisionVMAgent not set means true (Azure default) and passes for marketplace images; with a custom "
        "image (imageReference.id, sharedGalleryImageId or communityGalleryImageId) it fails, asking for an explicit "
        "true. No osProfile (a VM from an attached OS disk) is not judged: the agent comes with the disk. Every VM is "
        "judged, protected or not (AZDR-COV-001 requires every VM to be protected)."
    ),
    check=check_vm_agent,
    tags=("prerequisites", "backup"),
)


# ---- AZDR-PRQ-002 (stack) ----------------------------------------------------------------------

ASR_TAGS = tuple(t.split(".")[0] for t in SITE_RECOVERY_SERVICE_TAGS)
"""Service tags Azure Site Recovery needs outbound (HTTPS); Storage and EventHub also in their regional form
(`Storage.<region>`); AzureActiveDirectory is Microsoft Entra ID."""
REPLICATION_PROTECTED_ITEM = "azure-native:recoveryservices:ReplicationProtectedItem"
SITE_RECOVERY_TAG = "dr-site-recovery"
"""A VM tagged `dr-site-recovery` (the program sets the target region as its value) is declared for ASR
replication; an empty value or "false" is not."""
LEARN_ASR = "https://learn.microsoft.com/azure/site-recovery/azure-to-azure-architecture"
WIDE_DESTINATIONS = ("*", "internet", "0.0.0.0/0", "azurecloud")
DEFAULT_OUTBOUND = (  # Azure's default outbound rules, always last
    {"name": "AllowVnetOutBound", "priority": 65000, "access": "Allow", "dest": ["VirtualNetwork"]},
    {"name": "AllowInternetOutBound", "priority": 65001, "access": "Allow", "dest": ["Internet"]},
    {"name": "DenyAllOutBound", "priority": 65500, "access": "Deny", "dest": ["*"]},
)


class _Unknown(Exception):
    pass


def _k(value: Any) -> Any:
    if value is UNKNOWN:
        raise _Unknown
    return value


def _strings(single: Any, many: Any) -> list[str]:
    out = []
    if _k(single) is not MISSING and as_str(single):
        out.append(single)
    for v in items(_k(many)):
        if as_str(_k(v)):
            out.append(v)
    return out


def _covers_443(ports: list[str]) -> bool:
    for p in ports:
        p = p.strip()
        if p == "*":
            return True
        lo, _, hi = p.partition("-")
        a, b = as_int_text(lo), as_int_text(hi or lo)
        if a is not None and b is not None and a <= 443 <= b:
            return True
    return False


def as_int_text(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _outbound_rule(obj: Any) -> dict | None:
    """A normalized outbound rule from an inline rule or a SecurityRule's props (None: not outbound)."""
    direction = _k(at(obj, "direction"))
    if not (isinstance(direction, str) and direction.lower() == "outbound"):
        return None
    protocol = _k(at(obj, "protocol"))
    ports = _strings(at(obj, "destinationPortRange"), at(obj, "destinationPortRanges"))
    if isinstance(protocol, str) and protocol.lower() not in ("*", "tcp"):
        return {"skip": True}
    if ports and not _covers_443(ports):
        return {"skip": True}
    priority = as_int(_k(at(obj, "priority")))
    return {
        "name": as_str(_k(at(obj, "name"))) or "unnamed",
        "priority": priority if priority is not None else 0,
        "access": _k(at(obj, "access")),
        "dest": _strings(at(obj, "destinationAddressPrefix"), at(obj, "destinationAddressPrefixes")),
    }


def _matches(dest: list[str], tag: str, region: Any) -> bool:
    for d in dest:
        low = d.lower()
        if low in WIDE_DESTINATIONS or low == tag.lower():
            return True
        base, _, where = low.partition(".")
        if where and base in (tag.lower(), "azurecloud") and isinstance(region, str) and where == region:
            return True
    return False


def _blocked(rules: list[dict], region: Any) -> list[tuple[str, dict]]:
    """(tag, first matching rule) for every ASR tag whose first matching outbound rule denies."""
    ordered = sorted((r for r in rules if not r.get("skip")), key=lambda r: r["priority"]) + list(DEFAULT_OUTBOUND)
    out = []
    for tag in ASR_TAGS:
        first = next(r for r in ordered if _matches(r["dest"], tag, region))
        if not (isinstance(first["access"], str) and first["access"].lower() == "allow"):
            out.append((tag, first))
    return out


def _nsg_rules(graph: Graph) -> dict[str, list[PolicyResource]]:
    out: dict[str, list[PolicyResource]] = {}
    for sr in graph.of(SECURITY_RULE):
        ref = graph.ref(sr, "networkSecurityGroupName", "networkSecurityGroupName", (NETWORK_SECURITY_GROUP,),
                        by_name=True)
        out.setdefault(ref.target.urn if ref.target is not None else "", []).append(sr)
    return out


def _asks_for_site_recovery(tag: object) -> bool:
    return isinstance(tag, str) and tag.strip().lower() not in ("", "false")


def _replicated_vms(graph: Graph) -> set[str]:
    """URNs of VMs Azure Site Recovery replicates: tagged `dr-site-recovery` (not empty, not "false"), or the source of a
    ReplicationProtectedItem (a property dependency, or `providerSpecificDetails.fabricObjectId` = the VM id)."""
    out = {vm.urn for vm in graph.of(VIRTUAL_MACHINE)
           if _asks_for_site_recovery(read(vm, f"tags.{SITE_RECOVERY_TAG}"))}
    for item in graph.of(REPLICATION_PROTECTED_ITEM):
        out |= {vm.urn for vm in graph.deps(item, "properties", (VIRTUAL_MACHINE,))}
        ref = graph.by_ref_id(read(item, "properties.providerSpecificDetails.fabricObjectId"), (VIRTUAL_MACHINE,))
        if ref.target is not None:
            out.add(ref.target.urn)
    return out


def check_backup_egress(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    replicated = _replicated_vms(graph)
    separate = _nsg_rules(graph)
    cache: dict[tuple[str, Any], Any] = {}

    def evaluate(nsg: PolicyResource, region: Any):
        key = (nsg.urn, region)
        if key not in cache:
            try:
                rules = [r for r in (_outbound_rule(x) for x in items(_k(read(nsg, "securityRules")))) if r]
                rules += [r for r in (_outbound_rule(sr.props) for sr in separate.get(nsg.urn, [])) if r]
                cache[key] = _blocked(rules, region)
            except _Unknown:
                cache[key] = UNKNOWN
        return cache[key]

    for vm in graph.of(VIRTUAL_MACHINE):
        if vm.urn not in replicated:
            continue  # Backup-only (or unprotected): Azure VM backup needs no outbound rule
        region = location(vm)
        holders: list[tuple[str, Ref]] = []  # (where, NSG reference)
        problems: list[str] = []
        for nic_ref in vm_nics(graph, vm):
            nic = nic_ref.target
            if nic is None:
                if nic_ref.status == "unknown":
                    problems.append("a network interface reference is unknown during preview and has no dependency")
                continue
            holders.append((f"network interface '{nic.name}'", nic_nsg(graph, nic)))
            for sub in nic_subnets(graph, nic):
                if sub.ref.target is None:
                    if sub.ref.status == "unknown":
                        problems.append(f"the subnet of network interface '{nic.name}' is unknown during preview and "
                                        f"has no dependency")
                    continue
                holders.append((sub.label, subnet_nsg(graph, sub)))
        for where, ref in holders:
            if ref.target is None:
                if ref.status == "unknown":
                    problems.append(f"the network security group of {where} is unknown during preview and has no "
                                    f"dependency")
                continue
            verdict = evaluate(ref.target, region)
            if verdict is UNKNOWN:
                problems.append(f"network security group '{ref.target.name}' on {where} has rules that are unknown "
                                f"during preview")
                continue
            if verdict:
                tags = ", ".join(t for t, _ in verdict)
                where_to = as_str(region) or "<region>"
                first = verdict[0][1]
                yield Finding(
                    f"VM '{vm.name}' is replicated by Azure Site Recovery but network security group "
                    f"'{ref.target.name}' on {where} blocks outbound HTTPS to {tags} (first matching rule "
                    f"'{first['name']}', priority {first['priority']}, access {show(first['access'])}): replication "
                    f"stops; add outbound Allow rules for the service tags AzureSiteRecovery, Storage.{where_to}, "
                    f"EventHub.{where_to} and AzureActiveDirectory with a lower priority number than the deny", vm)
        for problem in dict.fromkeys(problems):
            yield Finding(f"VM '{vm.name}' is replicated by Azure Site Recovery but its egress cannot be verified: "
                          f"{problem}", vm)


BACKUP_EGRESS = Rule(
    id="AZDR-PRQ-002",
    name="nsg-allows-site-recovery-egress",
    title="NSGs on a VM that Azure Site Recovery replicates must allow its outbound service tags.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(VIRTUAL_MACHINE, NETWORK_INTERFACE, SUBNET, NETWORK_SECURITY_GROUP, SECURITY_RULE,
                    REPLICATION_PROTECTED_ITEM),
    seed_section="Steps to enable a backup",
    rationale=(
        "The seed's 'Steps to enable a backup' step 5: make sure the VM allows network connectivity for the "
        "DR service. Azure VM backup needs none ('Explicit outbound connectivity isn't required to allow backup of "
        "Azure VMs'; the AzureBackup/Storage/Entra ID triad is the MARS agent's need), so Backup-only VMs are not "
        "judged and deny-all-egress designs pass. Azure Site Recovery's mobility service does talk HTTPS out: a "
        "network security group that denies outbound Internet must keep Allow rules for AzureSiteRecovery, "
        "Storage.<region>, EventHub.<region> and AzureActiveDirectory ahead of the deny, or replication stops."
    ),
    remediation=(
        "Add outbound Allow rules (TCP 443) to the service tags AzureSiteRecovery, Storage.<source region>, "
        "EventHub.<source region> and AzureActiveDirectory (the unscoped Storage/EventHub tags also pass) with lower "
        "priority numbers than any outbound deny."
    ),
    snippet="""
import pulumi_azure_native.network as network

network.SecurityRuleArgs(name="allow-azuresiterecovery-https-out", direction=network.SecurityRuleDirection.OUTBOUND,
    access=network.SecurityRuleAccess.ALLOW, priority=100, protocol=network.SecurityRuleProtocol.TCP,
    source_address_prefix="VirtualNetwork", source_port_range="*",
    destination_address_prefix="AzureSiteRecovery", destination_port_range="443")
# ... and the same for "Storage.westeurope", "EventHub.westeurope" and "AzureActiveDirectory", before the deny
""",
    links=(LEARN_ASR, LEARN_PREPARE, LEARN_TAGS),
    unknown="fail",
    unknown_note=(
        "NICs, subnets and NSGs join by property dependencies, then ids. An unknown reference without a dependency, "
        "or an NSG rule with an unknown field, is reported as 'cannot be verified' (fail closed)."
    ),
    missing=(
        "Only VMs that Azure Site Recovery replicates are judged: a VM tagged dr-site-recovery (its target region), or the source "
        "of an azure-native:recoveryservices:ReplicationProtectedItem (property dependency, or "
        "providerSpecificDetails.fabricObjectId = the VM id). A VM with neither (Backup-only) is not judged. No NSG on "
        "the NIC or subnet means nothing is filtered (passes). Azure's default outbound rules (AllowVnetOutBound "
        "65000, AllowInternetOutBound 65001, DenyAllOutBound 65500) apply after the declared ones. A rule without "
        "protocol or port counts as matching all. A NIC, subnet or NSG referenced by a literal id that is not in this "
        "stack is not judged."
    ),
    check=check_backup_egress,
    tags=("prerequisites", "site-recovery", "network"),
)


RULES = [VM_AGENT, BACKUP_EGRESS]
