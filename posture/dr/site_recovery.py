"""Azure Site Recovery in the DR report and the runbook (issue 14), read from the declared registrations.

:func:`extract` joins, per workload (the ``dr-workload`` tag of the replicated VMs): each
``recoveryservices:ReplicationProtectedItem`` (``providerSpecificDetails.fabricObjectId`` = VM id, or a
dependency on the VM) to its vault (``resourceName``), replication policy (``policyId``), recovery network
(``recoveryAzureNetworkId``) and the workload's ``ReplicationRecoveryPlan`` (the plan whose Boot group lists the
item). The isolated test network is a VNet in the recovery network's resource group that no
``ReplicationNetworkMapping`` names. :func:`runbook_section` renders test failover, failover, commit,
re-protect and failback, and the deliberate disable-replication path.

Commands: the ``site-recovery`` Azure CLI extension (``az site-recovery protected-item show|remove``,
``az site-recovery recovery-plan show``; flags from azure-cli-extensions ``src/site-recovery/.../aaz``), and Az
PowerShell (``Az.RecoveryServices``) where ``az`` has none: the CLI has no recovery-plan failover commands, and
a multi-VM consistency group can only fail over as a whole (its VMs cannot fail over one by one). Re-protection
is per replicated item with the cmdlet's AzureToAzure parameter set (reverse container mapping, a cache account in
the region the VMs run in, the resource group to recreate them in), as Microsoft's cmdlet reference gives it; the
container mappings are found by the replication policy they carry, so preview (unknown ids) finds them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..capture import Registration
from .values import get

T_VM = "azure-native:compute:VirtualMachine"
T_VAULT = "azure-native:recoveryservices:Vault"
T_VNET = "azure-native:network:VirtualNetwork"
T_ITEM = "azure-native:recoveryservices:ReplicationProtectedItem"
T_POLICY = "azure-native:recoveryservices:ReplicationPolicy"
T_PLAN = "azure-native:recoveryservices:ReplicationRecoveryPlan"
T_NETMAP = "azure-native:recoveryservices:ReplicationNetworkMapping"
T_STORAGE = "azure-native:storage:StorageAccount"
T_CMAP = "azure-native:recoveryservices:ReplicationProtectionContainerMapping"

#: Site Recovery's fixed crash-consistent frequency (minutes):
#: https://learn.microsoft.com/azure/site-recovery/azure-to-azure-common-questions
CRASH_CONSISTENT_MINUTES = 5


@dataclass
class Replica:
    vm_name: Any
    vm_id: Any
    item_name: Any
    fabric: Any
    container: Any


@dataclass
class SiteRecovery:
    """One workload's Site Recovery, as declared."""

    workload: str
    source_region: Any
    target_region: Any
    vault_name: Any
    vault_resource_group: Any
    vault_location: Any
    policy_name: Any = None
    retention_minutes: Optional[int] = None
    app_consistent_minutes: Optional[int] = None
    crash_consistent_minutes: Optional[int] = None
    multi_vm_group: Any = None
    plan_name: Any = None
    recovery_network_id: Any = None
    test_network_id: Any = None
    target_resource_group: Any = None
    cache_account: Any = None
    cache_resource_group: Any = None
    #: the VMs' own resource group (re-protection after failback recreates them there)
    source_resource_group: Any = None
    #: the container mapping from the target region's container back to the source's (re-protection after a
    #: failover) and its fabric and container, as declared; None when the stack declares none
    reverse_mapping: Any = None
    reverse_fabric: Any = None
    reverse_container: Any = None
    #: the source-to-target container mapping (re-protection after failback)
    forward_mapping: Any = None
    replicas: list[Replica] = field(default_factory=list)

    @property
    def achieved_rpo_minutes(self) -> int:
        """The steady-state cross-region RPO: the newest crash-consistent point (no RPO SLA exists)."""
        return self.crash_consistent_minutes or CRASH_CONSISTENT_MINUTES


def _num(v: Any) -> Optional[int]:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() else None


def _refers(r: Registration, value: Any, target: Registration, known) -> bool:
    if known(value) and target.id and known(target.id):
        return str(value).lower() == str(target.id).lower()
    return target.urn in r.dependencies


def extract(resources: list[Registration], known) -> dict[str, SiteRecovery]:
    """Workload name -> its Site Recovery (only workloads with a replicated VM). ``known`` tells a known value
    from a preview unknown (``posture.dr.report.known``)."""
    by_type: dict[str, list[Registration]] = {}
    for r in resources:
        if r.custom:
            by_type.setdefault(r.type, []).append(r)
    vms = by_type.get(T_VM, [])
    vaults = by_type.get(T_VAULT, [])
    vnets = by_type.get(T_VNET, [])
    mapped = {str(get(m.inputs, "properties", "recoveryNetworkId")) for m in by_type.get(T_NETMAP, [])} | {
        str(get(m.inputs, "properties", "fabricSpecificDetails", "primaryNetworkId")) for m in by_type.get(T_NETMAP, [])}
    mapped_urns = {u for m in by_type.get(T_NETMAP, []) for u in m.dependencies}
    out: dict[str, SiteRecovery] = {}
    for item in by_type.get(T_ITEM, []):
        details = get(item.inputs, "properties", "providerSpecificDetails") or {}
        vm = next((v for v in vms if _refers(item, details.get("fabricObjectId"), v, known)), None)
        if vm is None:
            continue
        wname = (vm.inputs.get("tags") or {}).get("dr-workload", "(untagged)")
        vault = next((v for v in vaults if v.inputs.get("vaultName") == item.inputs.get("resourceName")
                      or v.urn in item.dependencies), None)
        net = next((n for n in vnets if _refers(item, details.get("recoveryAzureNetworkId"), n, known)), None)
        sr = out.get(wname)
        if sr is None:
            sr = out[wname] = SiteRecovery(
                workload=wname, source_region=vm.inputs.get("location"),
                target_region=net.inputs.get("location") if net is not None else None,
                vault_name=item.inputs.get("resourceName"), vault_resource_group=item.inputs.get("resourceGroupName"),
                vault_location=vault.inputs.get("location") if vault is not None else None,
                multi_vm_group=details.get("multiVmGroupName"),
                recovery_network_id=net.id if net is not None else details.get("recoveryAzureNetworkId"),
                target_resource_group=net.inputs.get("resourceGroupName") if net is not None else None)
            policy = next((p for p in by_type.get(T_POLICY, [])
                           if _refers(item, get(item.inputs, "properties", "policyId"), p, known)), None)
            if policy is not None:
                psi = get(policy.inputs, "properties", "providerSpecificInput") or {}
                sr.policy_name = policy.inputs.get("policyName")
                sr.retention_minutes = _num(psi.get("recoveryPointHistory"))
                sr.app_consistent_minutes = _num(psi.get("appConsistentFrequencyInMinutes"))
                sr.crash_consistent_minutes = _num(psi.get("crashConsistentFrequencyInMinutes"))
            if net is not None:
                test = next((n for n in vnets if n is not net
                             and n.inputs.get("resourceGroupName") == net.inputs.get("resourceGroupName")
                             and n.inputs.get("location") == net.inputs.get("location")
                             and str(n.id) not in mapped and n.urn not in mapped_urns), None)
                sr.test_network_id = test.id if test is not None else None
            disks = details.get("vmManagedDisks") or []
            cache_id = disks[0].get("primaryStagingAzureStorageAccountId") if disks else None
            cache = next((s for s in by_type.get(T_STORAGE, []) if _refers(item, cache_id, s, known)), None)
            sr.cache_account = cache.inputs.get("accountName") if cache is not None else None
            sr.cache_resource_group = cache.inputs.get("resourceGroupName") if cache is not None else None
            sr.source_resource_group = vm.inputs.get("resourceGroupName")
            # the workload's container mappings: those of the item's vault that carry its replication policy; the
            # one in the item's own fabric and container replicates forward, the other one back (re-protection)
            for m in by_type.get(T_CMAP, []):
                if m.inputs.get("resourceName") != item.inputs.get("resourceName") or policy is None \
                        or not _refers(m, get(m.inputs, "properties", "policyId"), policy, known):
                    continue
                if m.inputs.get("fabricName") == item.inputs.get("fabricName") \
                        and m.inputs.get("protectionContainerName") == item.inputs.get("protectionContainerName"):
                    sr.forward_mapping = m.inputs.get("mappingName")
                else:
                    sr.reverse_mapping = m.inputs.get("mappingName")
                    sr.reverse_fabric = m.inputs.get("fabricName")
                    sr.reverse_container = m.inputs.get("protectionContainerName")
        sr.replicas.append(Replica(vm_name=vm.inputs.get("vmName"), vm_id=vm.id,
                                   item_name=item.inputs.get("replicatedProtectedItemName"),
                                   fabric=item.inputs.get("fabricName"),
                                   container=item.inputs.get("protectionContainerName")))
        if sr.plan_name is None:
            plan = next((p for p in by_type.get(T_PLAN, []) if item.urn in p.dependencies), None)
            sr.plan_name = plan.inputs.get("recoveryPlanName") if plan is not None else None
    return out


def summary(sr: SiteRecovery, show) -> dict[str, Any]:
    """The JSON report's ``siteRecovery`` element of a workload."""
    return {
        "targetRegion": show(sr.target_region, "region"),
        "vault": show(sr.vault_name),
        "vaultRegion": show(sr.vault_location, "region"),
        "achievedCrossRegionRpoMinutes": sr.achieved_rpo_minutes,
        "appConsistentMinutes": sr.app_consistent_minutes,
        "retentionMinutes": sr.retention_minutes,
        "multiVmGroup": sr.multi_vm_group,
        "recoveryPlan": show(sr.plan_name),
        "replicatedVms": [show(r.vm_name) for r in sr.replicas],
    }


def _minutes(m: Optional[int]) -> str:
    if m is None:
        return "?"
    return f"{m // 60} h" if m % 60 == 0 and m >= 60 else f"{m} min"


def _ps(lines: list[str]) -> list[str]:
    return ["```powershell", *lines, "```", ""]


def _sh(lines: list[str]) -> list[str]:
    return ["```bash", *lines, "```", ""]


def _dr_cache_name(sr: SiteRecovery) -> Any:
    """A name for the cache account re-protection needs in the target region: the source cache's name with a
    ``dr`` suffix, within Azure's 24 lowercase letters and digits; None (shown as a placeholder) when unknown."""
    name = sr.cache_account
    if not isinstance(name, str) or not name.isalnum():
        return None
    return name[:22] + "dr"


def _ps_string(value: Any, show) -> str:
    """A PowerShell string literal (single-quoted, quotes doubled); unknown values as a visible placeholder."""
    return "'" + show(value).replace("'", "''") + "'"


def _reprotect_loop(names: str, container: str, mapping: str, cache: str, group: str) -> list[str]:
    """Re-protect each replicated item (found in ``container``) through ``mapping``, logging to ``cache``, its VM
    recreated in ``group`` on the next failover: the cmdlet's AzureToAzure parameter set."""
    return [f"foreach ($name in {names}) {{",
            f"  $rpi = Get-AzRecoveryServicesAsrReplicationProtectedItem -Name $name -ProtectionContainer {container}",
            "  Wait-AsrJob (Update-AzRecoveryServicesAsrProtectionDirection -AzureToAzure -ProtectionContainerMapping"
            f" {mapping} -LogStorageAccountId {cache}.Id -ReplicationProtectedItem $rpi -RecoveryResourceGroupId"
            f" {group})",
            "}"]


def _container_lines(sr: SiteRecovery, q) -> list[str]:
    """``$container``: the source region's protection container, which holds the replicated items."""
    first = sr.replicas[0] if sr.replicas else Replica(None, None, None, None, None)
    return [f"$container = Get-AzRecoveryServicesAsrProtectionContainer -Name {q(first.container)} -Fabric"
            f" (Get-AzRecoveryServicesAsrFabric -Name {q(first.fabric)})"]


def runbook_section(sr: SiteRecovery, q, show) -> list[str]:
    """The runbook's Site Recovery part for one workload. ``q`` quotes a shell word (unknown values as a visible
    placeholder); ``show`` renders a value."""
    src, dst = show(sr.source_region, "region"), show(sr.target_region, "region")
    vault_args = f"--resource-group {q(sr.vault_resource_group)} --vault-name {q(sr.vault_name)}"
    plan = show(sr.plan_name)
    out = [f"### Site Recovery: fail over to {dst}", "",
           f"Replicated by Azure Site Recovery into vault `{show(sr.vault_name)}` ({show(sr.vault_location, 'region')}):"
           f" a crash-consistent point every {sr.achieved_rpo_minutes} min (cross-region RPO, no SLA), app-consistent"
           f" every {_minutes(sr.app_consistent_minutes)}, points kept {_minutes(sr.retention_minutes)}. Recovery plan"
           f" `{plan}`" + (f", multi-VM consistency group `{show(sr.multi_vm_group)}` (its VMs fail over together,"
                           " never one by one)" if sr.multi_vm_group else "") + ".", "",
           "The `az` commands need the CLI extension (`az extension add --name site-recovery`); the recovery-plan"
           " operations have no `az` command and use Az PowerShell (`Az.RecoveryServices`).", "",
           "1. Check replication health (every VM `Protected`, health `Normal`):", ""]
    check = ["az extension add --name site-recovery"]
    for r in sr.replicas:
        check += [f"az site-recovery protected-item show {vault_args} \\",
                  f"  --fabric-name {q(r.fabric)} --protection-container {q(r.container)} -n {q(r.item_name)} \\",
                  "  --query \"properties.{state:protectionState, health:replicationHealth}\" --output table"]
    check.append(f"az site-recovery recovery-plan show {vault_args} -n {q(sr.plan_name)} --output table")
    out += _sh(check)
    ctx = [f"$vault = Get-AzRecoveryServicesVault -ResourceGroupName {q(sr.vault_resource_group)} -Name"
           f" {q(sr.vault_name)}",
           "Set-AzRecoveryServicesAsrVaultContext -Vault $vault",
           f"$plan = Get-AzRecoveryServicesAsrRecoveryPlan -Name {q(sr.plan_name)}",
           "function Wait-AsrJob($job) { while (($job = Get-AzRecoveryServicesAsrJob -Job $job).State -in"
           " 'NotStarted','InProgress') { Start-Sleep 30 }; $job.State }"]
    test_net = sr.test_network_id
    out += [f"2. Test failover into the isolated network (no peering, no mapping) in {dst}, check the VMs, then"
            " clean up. Production keeps running and replicating.", ""]
    out += _ps(ctx + [
        f"Wait-AsrJob (Start-AzRecoveryServicesAsrTestFailoverJob -RecoveryPlan $plan -Direction PrimaryToRecovery"
        f" -AzureVMNetworkId {q(test_net, 'id')})",
        "# log in to the test VMs and check the application, then:",
        "Wait-AsrJob (Start-AzRecoveryServicesAsrTestFailoverCleanupJob -RecoveryPlan $plan -Comment 'DR drill')"])
    out += [f"3. Failover (the disaster): start the VMs in {dst} from the latest recovery point, then commit"
            " (commit discards the other recovery points; until then you may fail over to another point).", ""]
    out += _ps([
        "Wait-AsrJob (Start-AzRecoveryServicesAsrUnplannedFailoverJob -RecoveryPlan $plan -Direction"
        " PrimaryToRecovery)",
        "Wait-AsrJob (Start-AzRecoveryServicesAsrCommitFailoverJob -RecoveryPlan $plan)"])
    # Re-protection of Azure-to-Azure items is per replicated item: the cmdlet's AzureToAzure parameter set takes
    # -ProtectionContainerMapping (the reverse mapping) and a required -LogStorageAccountId (a cache account in the
    # region the VMs now run in); its recovery-plan set has neither
    # (https://learn.microsoft.com/powershell/module/az.recoveryservices/update-azrecoveryservicesasrprotectiondirection).
    names = ", ".join(_ps_string(r.item_name, show) for r in sr.replicas)
    out += [f"4. Re-protect: replicate the failed-over VMs back to {src}, one replicated item at a time, through the"
            f" reverse container mapping the stack declares (`{show(sr.reverse_mapping)}`). It needs a cache storage"
            f" account in {dst}, where the VMs now run; create one (StorageV2, Standard_LRS, no soft delete) if"
            " there is none.", ""]
    out += _ps([
        f"$cache = New-AzStorageAccount -ResourceGroupName {q(sr.target_resource_group)} -Name"
        f" {q(_dr_cache_name(sr))} -Location {q(sr.target_region, 'region')} -SkuName Standard_LRS"
        " -Kind StorageV2",
        *_container_lines(sr, q),
        f"$target = Get-AzRecoveryServicesAsrProtectionContainer -Name {q(sr.reverse_container)} -Fabric"
        f" (Get-AzRecoveryServicesAsrFabric -Name {q(sr.reverse_fabric)})",
        f"$back = Get-AzRecoveryServicesAsrProtectionContainerMapping -Name {q(sr.reverse_mapping)} -ProtectionContainer"
        " $target",
        f"$sourceRg = (Get-AzResourceGroup -Name {q(sr.source_resource_group)}).ResourceId",
        *_reprotect_loop(names, "$container", "$back", "$cache", "$sourceRg")])
    out += [f"5. Failback when {src} is healthy: fail over back, commit, and re-protect towards {dst} again through"
            f" the forward mapping (`{show(sr.forward_mapping)}`) with the source region's cache account"
            f" (`{show(sr.cache_account)}`). After re-protection the replicated items belong to the target region's"
            " container (`$target` above).", ""]
    out += _ps([
        "Wait-AsrJob (Start-AzRecoveryServicesAsrUnplannedFailoverJob -RecoveryPlan $plan -Direction"
        " RecoveryToPrimary)",
        "Wait-AsrJob (Start-AzRecoveryServicesAsrCommitFailoverJob -RecoveryPlan $plan)",
        f"$forward = Get-AzRecoveryServicesAsrProtectionContainerMapping -Name {q(sr.forward_mapping)}"
        " -ProtectionContainer $container",
        f"$sourceCache = Get-AzStorageAccount -ResourceGroupName {q(sr.cache_resource_group)} -Name {q(sr.cache_account)}",
        f"$targetRg = (Get-AzResourceGroup -Name {q(sr.target_resource_group)}).ResourceId",
        *_reprotect_loop(names, "$target", "$forward", "$sourceCache", "$targetRg")])
    out += ["Disable replication deliberately (never by `pulumi destroy`: the replication resources are"
            " `retainOnDelete`, and an HTTP DELETE on a protected item would purge it): remove `siteRecovery`"
            " from the workload's config and run `pulumi up` (the items leave the stack, replication keeps"
            " running), then disable it cleanly:", ""]
    out += _sh([line for r in sr.replicas for line in (
        f"az site-recovery protected-item remove {vault_args} \\",
        f"  --fabric-name {q(r.fabric)} --protection-container {q(r.container)} -n {q(r.item_name)}")])
    return out
