"""Azure Site Recovery in the DR report and the runbook (issue 14): the dev program with a fixture config,
captured offline; exact commands, every az flag against the site-recovery CLI extension's sources, the achieved
cross-region RPO, the diagram's replication edge, and preview unknowns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from posture.dr import report as dr_report
from posture.dr import runbook, site_recovery, values
from posture.capture import UNKNOWN, capture_program

ROOT = Path(__file__).resolve().parents[2]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"
WORKLOADS = {
    "db": {"tier": "database", "sshPublicKey": KEY, "network": {"addressSpace": "10.20.0.0/16",
                                                                 "subnetPrefix": "10.20.1.0/24"},
           "siteRecovery": {"multiVmGroup": "db", "appConsistentFrequencyHours": 2,
                            "recoveryPointRetentionHours": 48, "cacheStorage": {"accountName": "contosoasr"}}},
    "web": {"tier": "reporting", "sshPublicKey": KEY, "zone": 1,
            "network": {"addressSpace": "10.21.0.0/16", "subnetPrefix": "10.21.1.0/24"}},
}
OVERRIDE = {"azure-iaas-dr:workloads": WORKLOADS, "azure-iaas-dr:configBackup": {"accountName": "contosocfg"}}
VAULT = "--resource-group rg-dr-asr-northeurope --vault-name rsv-dr-asr-northeurope"
ITEM = "--fabric-name asr-a2a-westeurope --protection-container asr-a2a-westeurope-container"

# Flags from Azure/azure-cli-extensions src/site-recovery/azext_site_recovery/aaz/latest/site_recovery/
# protected_item/_show.py, _remove.py and recovery_plan/_show.py (plus the CLI's global --query/--output); the
# extension itself from `az extension add` (azure-cli core).
AZ_FLAGS = {
    "extension add": {"--name"},
    "site-recovery protected-item show": {"--resource-group", "--vault-name", "--fabric-name",
                                          "--protection-container", "-n", "--query", "--output"},
    "site-recovery protected-item remove": {"--resource-group", "--vault-name", "--fabric-name",
                                            "--protection-container", "-n"},
    "site-recovery recovery-plan show": {"--resource-group", "--vault-name", "-n", "--output"},
}
# Az PowerShell cmdlets the section uses where az has no command (recovery-plan operations, Azure-to-Azure
# re-protection), each with the parameters of the parameter set used, from the cmdlet reference on
# https://learn.microsoft.com/powershell/module/az.recoveryservices/ (re-protection: the AzureToAzure set of
# update-azrecoveryservicesasrprotectiondirection, whose -LogStorageAccountId is required), .../az.storage/
# (new-azstorageaccount, get-azstorageaccount) and .../az.resources/get-azresourcegroup.
CMDLETS = {
    "Get-AzRecoveryServicesVault": {"-ResourceGroupName", "-Name"},
    "Set-AzRecoveryServicesAsrVaultContext": {"-Vault"},
    "Get-AzRecoveryServicesAsrRecoveryPlan": {"-Name"},
    "Get-AzRecoveryServicesAsrJob": {"-Job"},
    "Start-AzRecoveryServicesAsrTestFailoverJob": {"-RecoveryPlan", "-Direction", "-AzureVMNetworkId"},
    "Start-AzRecoveryServicesAsrTestFailoverCleanupJob": {"-RecoveryPlan", "-Comment"},
    "Start-AzRecoveryServicesAsrUnplannedFailoverJob": {"-RecoveryPlan", "-Direction"},
    "Start-AzRecoveryServicesAsrCommitFailoverJob": {"-RecoveryPlan"},
    "Get-AzRecoveryServicesAsrFabric": {"-Name"},
    "Get-AzRecoveryServicesAsrProtectionContainer": {"-Name", "-Fabric"},
    "Get-AzRecoveryServicesAsrProtectionContainerMapping": {"-Name", "-ProtectionContainer"},
    "Get-AzRecoveryServicesAsrReplicationProtectedItem": {"-Name", "-ProtectionContainer"},
    "Update-AzRecoveryServicesAsrProtectionDirection": {"-AzureToAzure", "-ProtectionContainerMapping",
                                                        "-LogStorageAccountId", "-ReplicationProtectedItem",
                                                        "-RecoveryResourceGroupId"},
    "New-AzStorageAccount": {"-ResourceGroupName", "-Name", "-Location", "-SkuName", "-Kind"},
    "Get-AzStorageAccount": {"-ResourceGroupName", "-Name"},
    "Get-AzResourceGroup": {"-Name"},
}


@pytest.fixture(scope="module")
def capture():
    return capture_program(ROOT, "dev", preview=False, config_override=OVERRIDE)


@pytest.fixture(scope="module")
def model(capture):
    return dr_report.build(capture.resources, "dev")


def asr_text(model):
    text = runbook.render(model)
    start = text.index("### Site Recovery: fail over to northeurope")
    return text[start:text.index("## Workload `web`")]


def test_extract_joins_items_policy_plan_networks_and_cache(model):
    assert list(model.site_recovery) == ["db"]
    sr = model.site_recovery["db"]
    assert (sr.source_region, sr.target_region, sr.vault_name, sr.vault_location) == (
        "westeurope", "northeurope", "rsv-dr-asr-northeurope", "northeurope")
    assert (sr.retention_minutes, sr.app_consistent_minutes, sr.crash_consistent_minutes, sr.achieved_rpo_minutes) \
        == (2880, 120, 5, 5)
    assert (sr.multi_vm_group, sr.plan_name, sr.cache_account) == ("db", "rp-db", "contosoasr")
    assert sr.test_network_id.endswith("/resourceGroups/rg-dr-db-asr-northeurope/providers/Microsoft.Network/"
                                       "virtualNetworks/db-asr-test-vnet")
    assert [(r.vm_name, r.item_name, r.fabric, r.container) for r in sr.replicas] == [
        ("db-vm-0", "db-vm-0", "asr-a2a-westeurope", "asr-a2a-westeurope-container"),
        ("db-vm-1", "db-vm-1", "asr-a2a-westeurope", "asr-a2a-westeurope-container")]


def test_report_states_the_achieved_cross_region_rpo(model):
    db = next(dr_report.workload_summary(model, w) for w in model.workloads if w.name == "db")
    assert db["siteRecovery"] == {
        "targetRegion": "northeurope", "vault": "rsv-dr-asr-northeurope", "vaultRegion": "northeurope",
        "achievedCrossRegionRpoMinutes": 5, "appConsistentMinutes": 120, "retentionMinutes": 2880,
        "multiVmGroup": "db", "recoveryPlan": "rp-db", "replicatedVms": ["db-vm-0", "db-vm-1"]}
    assert "Site Recovery replica in northeurope (vault rsv-dr-asr-northeurope, a recovery point every 5 min)" \
        in db["copies"]
    web = next(dr_report.workload_summary(model, w) for w in model.workloads if w.name == "web")
    assert "siteRecovery" not in web
    md = dr_report.render_markdown(model)
    assert ("Cross-region RPO of `db`: 5 min (Azure Site Recovery to northeurope, crash-consistent points; Azure "
            "publishes no RPO SLA); in-region RPO 4 h (Azure Backup).") in md.splitlines()
    # the Site Recovery vault is drawn with the replication, not as a backup vault with a geo secondary
    assert [str(v.name) for v in model.vaults] == ["rsv-dr-westeurope"]


def test_diagram_shows_the_replication_and_both_rpos(model):
    diagram = dr_report.mermaid(model)
    assert '      asr_db["db Site Recovery replica<br/>vault rsv-dr-asr-northeurope"]' in diagram.splitlines()
    assert '  w_db == "replication: cross-region RPO 5 min; in-region RPO 4 h (backup)" ==> asr_db' \
        in diagram.splitlines()
    north = diagram[diagram.index("northeurope (DR)"):]
    assert "asr_db[" in north[:north.index("  end")]


def test_runbook_section_commands_in_order(model):
    text = asr_text(model)
    steps = ["1. Check replication health", "2. Test failover into the isolated network", "3. Failover (the disaster)",
             "4. Re-protect", "5. Failback", "Disable replication deliberately"]
    assert [text.index(s) for s in steps] == sorted(text.index(s) for s in steps)
    blocks = re.findall(r"```(?:bash|powershell)\n(.*?)```", text, re.S)
    assert blocks[0].splitlines() == [
        "az extension add --name site-recovery",
        f"az site-recovery protected-item show {VAULT} \\", f"  {ITEM} -n db-vm-0 \\",
        "  --query \"properties.{state:protectionState, health:replicationHealth}\" --output table",
        f"az site-recovery protected-item show {VAULT} \\", f"  {ITEM} -n db-vm-1 \\",
        "  --query \"properties.{state:protectionState, health:replicationHealth}\" --output table",
        f"az site-recovery recovery-plan show {VAULT} -n rp-db --output table"]
    test_net = model.site_recovery["db"].test_network_id
    assert blocks[1].splitlines()[:3] == [
        "$vault = Get-AzRecoveryServicesVault -ResourceGroupName rg-dr-asr-northeurope -Name rsv-dr-asr-northeurope",
        "Set-AzRecoveryServicesAsrVaultContext -Vault $vault",
        "$plan = Get-AzRecoveryServicesAsrRecoveryPlan -Name rp-db"]
    assert blocks[1].splitlines()[4] == ("Wait-AsrJob (Start-AzRecoveryServicesAsrTestFailoverJob -RecoveryPlan $plan"
                                         f" -Direction PrimaryToRecovery -AzureVMNetworkId {test_net})")
    assert blocks[2].splitlines() == [
        "Wait-AsrJob (Start-AzRecoveryServicesAsrUnplannedFailoverJob -RecoveryPlan $plan -Direction PrimaryToRecovery)",
        "Wait-AsrJob (Start-AzRecoveryServicesAsrCommitFailoverJob -RecoveryPlan $plan)"]
    # re-protection is per replicated item (the AzureToAzure parameter set), through the reverse container mapping
    # and a new cache account in the target region; failback re-protects forward with the source region's cache
    assert blocks[3].splitlines() == [
        "$cache = New-AzStorageAccount -ResourceGroupName rg-dr-db-asr-northeurope -Name contosoasrdr"
        " -Location northeurope -SkuName Standard_LRS -Kind StorageV2",
        "$container = Get-AzRecoveryServicesAsrProtectionContainer -Name asr-a2a-westeurope-container"
        " -Fabric (Get-AzRecoveryServicesAsrFabric -Name asr-a2a-westeurope)",
        "$target = Get-AzRecoveryServicesAsrProtectionContainer -Name asr-a2a-northeurope-container"
        " -Fabric (Get-AzRecoveryServicesAsrFabric -Name asr-a2a-northeurope)",
        "$back = Get-AzRecoveryServicesAsrProtectionContainerMapping -Name db-northeurope-to-westeurope"
        " -ProtectionContainer $target",
        "$sourceRg = (Get-AzResourceGroup -Name rg-dr-db).ResourceId",
        "foreach ($name in 'db-vm-0', 'db-vm-1') {",
        "  $rpi = Get-AzRecoveryServicesAsrReplicationProtectedItem -Name $name -ProtectionContainer $container",
        "  Wait-AsrJob (Update-AzRecoveryServicesAsrProtectionDirection -AzureToAzure -ProtectionContainerMapping"
        " $back -LogStorageAccountId $cache.Id -ReplicationProtectedItem $rpi -RecoveryResourceGroupId $sourceRg)",
        "}"]
    assert blocks[4].splitlines() == [
        "Wait-AsrJob (Start-AzRecoveryServicesAsrUnplannedFailoverJob -RecoveryPlan $plan -Direction RecoveryToPrimary)",
        "Wait-AsrJob (Start-AzRecoveryServicesAsrCommitFailoverJob -RecoveryPlan $plan)",
        "$forward = Get-AzRecoveryServicesAsrProtectionContainerMapping -Name db-westeurope-to-northeurope"
        " -ProtectionContainer $container",
        "$sourceCache = Get-AzStorageAccount -ResourceGroupName rg-dr-asr-cache-westeurope -Name contosoasr",
        "$targetRg = (Get-AzResourceGroup -Name rg-dr-db-asr-northeurope).ResourceId",
        "foreach ($name in 'db-vm-0', 'db-vm-1') {",
        "  $rpi = Get-AzRecoveryServicesAsrReplicationProtectedItem -Name $name -ProtectionContainer $target",
        "  Wait-AsrJob (Update-AzRecoveryServicesAsrProtectionDirection -AzureToAzure -ProtectionContainerMapping"
        " $forward -LogStorageAccountId $sourceCache.Id -ReplicationProtectedItem $rpi -RecoveryResourceGroupId"
        " $targetRg)",
        "}"]
    assert "ProtectionDirection -RecoveryPlan" not in text
    assert blocks[5].splitlines() == [
        f"az site-recovery protected-item remove {VAULT} \\", f"  {ITEM} -n db-vm-0",
        f"az site-recovery protected-item remove {VAULT} \\", f"  {ITEM} -n db-vm-1"]
    # the isolated network is never the failover (mapped) network
    assert "db-asr-vnet)" not in text and "db-asr-test-vnet" in test_net


def test_every_az_command_and_flag_exists_in_the_extension(model):
    text = asr_text(model)
    seen = {}
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for command in block.replace("\\\n", " ").splitlines():
            words = command.split()
            assert words[0] == "az", command
            name = next(c for c in AZ_FLAGS if " ".join(words[1:1 + len(c.split())]) == c)
            flags = {w for w in words if re.fullmatch(r"--?[a-z][a-z-]*", w)}
            assert flags <= AZ_FLAGS[name], (name, flags - AZ_FLAGS[name])
            seen.setdefault(name, set()).update(flags)
    assert set(seen) == set(AZ_FLAGS)


def test_every_powershell_cmdlet_and_parameter_is_from_the_table(model):
    text = asr_text(model)
    used = {}
    for block in re.findall(r"```powershell\n(.*?)```", text, re.S):
        for m in re.finditer(r"\b((?:Get|Set|Start|Update|New)-Az\w+)((?:\s+-\w+(?:\s+(?!-)[^\s()]+)?)*)",
                             block):
            params = set(re.findall(r"(?<!\w)-[A-Z]\w+", m.group(2)))
            assert params <= CMDLETS[m.group(1)], (m.group(1), params)
            used.setdefault(m.group(1), set()).update(params)
    assert set(used) == set(CMDLETS)


def test_backup_only_stack_has_no_site_recovery_section():
    cap = capture_program(ROOT, "dev", preview=True, config_override={
        "azure-iaas-dr:workloads": {"web": WORKLOADS["web"]}, "azure-iaas-dr:configBackup": {"enabled": False}})
    m = dr_report.build(cap.resources, "dev")
    assert m.site_recovery == {}
    assert "Site Recovery" not in runbook.render(m) and "asr_" not in dr_report.mermaid(m)


def test_preview_joins_by_dependency_and_unknowns_show_as_known_after_up():
    cap = capture_program(ROOT, "dev", preview=True, config_override=OVERRIDE)
    m = dr_report.build(cap.resources, "dev")
    assert [r.vm_name for r in m.site_recovery["db"].replicas] == ["db-vm-0", "db-vm-1"]
    sr = site_recovery.SiteRecovery(workload="db", source_region="westeurope", target_region="northeurope",
                                 vault_name="rsv", vault_resource_group="rg", vault_location="northeurope",
                                 plan_name=UNKNOWN, test_network_id=UNKNOWN,
                                 replicas=[site_recovery.Replica(UNKNOWN, UNKNOWN, UNKNOWN, "f", "c")])
    text = "\n".join(site_recovery.runbook_section(sr, runbook._q, values.show))
    assert "-AzureVMNetworkId '<id known after pulumi up>'" in text
    assert "$plan = Get-AzRecoveryServicesAsrRecoveryPlan -Name '<name known after pulumi up>'" in text
    assert "--protection-container c -n '<name known after pulumi up>'" in text
    # no reverse mapping declared (or not yet known): a visible placeholder, never a made-up name
    assert ("$back = Get-AzRecoveryServicesAsrProtectionContainerMapping -Name '<name known after pulumi up>'"
            " -ProtectionContainer $target") in text
    assert "foreach ($name in '<name known after pulumi up>') {" in text


def test_preview_finds_both_container_mappings_by_dependency():
    cap = capture_program(ROOT, "dev", preview=True, config_override=OVERRIDE)
    sr = dr_report.build(cap.resources, "dev").site_recovery["db"]
    assert (sr.forward_mapping, sr.reverse_mapping, sr.reverse_fabric, sr.reverse_container) == (
        "db-westeurope-to-northeurope", "db-northeurope-to-westeurope", "asr-a2a-northeurope",
        "asr-a2a-northeurope-container")


def test_minutes_rendering():
    assert [site_recovery._minutes(v) for v in (None, 5, 60, 90, 1440)] == ["?", "5 min", "1 h", "90 min", "24 h"]
