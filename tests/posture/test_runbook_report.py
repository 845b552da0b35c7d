"""The DR posture report and the recovery runbook for a known stack: the project's unchanged program with a
fixture workload config (config_override), captured offline; exact numbers, rows and commands."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from posture import report_dr, runbook
from posture.capture import UNKNOWN, capture_program
from posture.cli import run

ROOT = Path(__file__).resolve().parents[2]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"
IMAGE = "/subscriptions/s/resourceGroups/rg-img/providers/Microsoft.Compute/images/golden"
WORKLOADS = {
    # sizes, SKUs and fault domains pinned, so tier-default changes don't move these expectations
    "db": {"tier": "database", "sshPublicKey": KEY, "vmSize": "Standard_E4s_v5", "diskSku": "Premium_LRS",
           "dataDisks": [{"lun": 0, "sizeGb": 64}], "availabilitySet": {"faultDomains": 2},
           "network": {"addressSpace": "10.20.0.0/16", "subnetPrefix": "10.20.1.0/24"},
           "consistentSnapshots": {"pointsInTime": ["20260101t0000z", "20260101t0600z"]}},
    "cass": {"tier": "cluster", "sshPublicKey": KEY,
             "network": {"addressSpace": "10.21.0.0/16", "subnetPrefix": "10.21.1.0/24"},
             "consistentSnapshots": {"method": "incrementalSnapshots", "pointsInTime": ["20260101t0000z"]}},
    "pricing": {"tier": "critical-data", "sshPublicKey": KEY,
                "network": {"addressSpace": "10.22.0.0/16", "subnetPrefix": "10.22.1.0/24"},
                "customImage": {"sourceId": IMAGE, "publisher": "contoso", "offer": "pricing", "sku": "gen2",
                                "replicaCount": 3}},
}
OVERRIDE = {"azure-iaas-dr:workloads": WORKLOADS, "azure-iaas-dr:configBackup": {"accountName": "contosocfg"}}


@pytest.fixture(scope="module")
def capture():
    return capture_program(ROOT, "dev", preview=True, config_override=OVERRIDE)


@pytest.fixture(scope="module")
def model(capture):
    return report_dr.build(capture.resources, "dev")


def summary(model, name):
    return next(report_dr.workload_summary(model, w) for w in model.workloads if w.name == name)


def test_report_numbers_for_known_tiers(model):
    assert [w.name for w in model.workloads] == ["db", "cass", "pricing"]
    db, cass, pricing = summary(model, "db"), summary(model, "cass"), summary(model, "pricing")
    assert (db["targetRpoHours"], db["achievedRpoHours"], db["backupFrequency"], db["policyType"]) == (4, 4, "Hourly", "V2")
    assert db["retention"] == {"dailyDays": 30, "weeklyWeeks": 12, "monthlyMonths": None, "yearlyYears": None,
                               "instantRestoreDays": 7}
    assert (db["snapshotSets"], db["snapshotIntervalHours"]) == (2, 6.0)
    assert db["highAvailability"] == {"requested": True, "availabilitySet": "db-avset", "faultDomains": 2,
                                      "updateDomains": 5, "members": 2}
    assert (cass["targetRpoHours"], cass["achievedRpoHours"], cass["backupFrequency"]) == (24, 24, "Daily")
    assert cass["highAvailability"]["members"] == 3 and cass["vmCount"] == 3
    assert cass["retention"]["dailyDays"] == 14
    assert pricing["retention"] == {"dailyDays": 30, "weeklyWeeks": 12, "monthlyMonths": 60, "yearlyYears": 10,
                                    "instantRestoreDays": 5}
    assert pricing["highAvailability"]["availabilitySet"] is None


def test_report_copies_and_gaps_exact(model):
    db, cass, pricing = summary(model, "db"), summary(model, "cass"), summary(model, "pricing")
    assert db["copies"] == ["vault rsv-dr-westeurope in westeurope (GeoRedundant)",
                            "vault secondary in northeurope (cross-region restore enabled)",
                            "restorePoints in westeurope", "restorePoints copies in northeurope"]
    assert pricing["copies"][-1] == "image replicas in westeurope (3x Standard_ZRS), northeurope (3x Standard_ZRS)"
    lag = "DR-region restores use the vault's secondary copy (" + report_dr.CRR_SECONDARY_LAG + ")"
    assert db["gaps"] == [lag]
    assert cass["gaps"] == [lag, "one consistent set only: add points in time from a scheduled pipeline for a"
                            " snapshot RPO", "incremental snapshot sets are crash-consistent unless the VM is"
                            " frozen or stopped"]
    assert pricing["gaps"] == [lag, "not highly available: 1 VM, no availability set"]


def test_report_markdown_rows_and_mermaid(model):
    md = report_dr.render_markdown(model)
    assert ("| `db` | database | 4 h | 4 h (Hourly, V2) | 2, every 6 h | 30 d / 12 w; snapshots 7 d | vault"
            " rsv-dr-westeurope in westeurope (GeoRedundant); vault secondary in northeurope (cross-region restore"
            " enabled); restorePoints in westeurope; restorePoints copies in northeurope | yes: 2 VMs, 2 fault / 5"
            " update domains |") in md.splitlines()
    # Trusted Launch (the default) always gets an Enhanced (V2) policy, daily here
    assert ("| `pricing` | critical-data | 24 h | 24 h (Daily, V2) | - | 30 d / 12 w / 60 m / 10 y; snapshots 5 d |"
            in md)
    assert '  subgraph r0["westeurope (primary)"]' in md and '  subgraph r1["northeurope (DR)"]' in md
    assert '  w_db -- "backup every 4 h" --> vault_rsv_dr_westeurope' in md
    assert "  vault_rsv_dr_westeurope -. geo-replication .-> vault2_rsv_dr_westeurope" in md
    assert "Configuration backup: storage account `contosocfg` (Standard_RAGRS) in westeurope, containers" \
           " `pulumi-state`, `templates`." in md


def test_report_gap_when_vault_weakened_and_backup_misses_rpo(capture):
    resources = copy.deepcopy(capture.resources)
    for r in resources:
        if r.type == report_dr.T_VAULT:
            r.inputs["properties"]["redundancySettings"] = {"standardTierStorageRedundancy": "LocallyRedundant",
                                                            "crossRegionRestore": "Disabled"}
        if r.type == report_dr.T_VM and r.inputs["tags"]["dr-workload"] == "db":
            r.inputs["tags"]["dr-rpo-hours"] = "2"
    s = summary(report_dr.build(resources, "dev"), "db")
    assert s["gaps"] == ["backups every 4 h miss the 2 h RPO",
                         "vault rsv-dr-westeurope is LocallyRedundant: backups do not leave westeurope"]
    assert s["copies"][:1] == ["vault rsv-dr-westeurope in westeurope (LocallyRedundant)"]


def test_runbook_commands_for_the_known_stack(model):
    text = runbook.render(model)
    lines = text.splitlines()
    container = "'IaasVMContainer;iaasvmcontainerv2;rg-dr-db;db-vm-0'"
    item = "'VM;iaasvmcontainerv2;rg-dr-db;db-vm-0'"
    assert ("az backup item list --resource-group rg-dr-backup-westeurope --vault-name rsv-dr-westeurope"
            " --backup-management-type AzureIaasVM --output table") in lines
    assert f"  --container-name {container} --item-name {item} --rp-name \"$RP\" \\" in lines
    assert "  --storage-account \"$STAGING_DR\" --target-resource-group rg-db-restore-northeurope \\" in lines
    assert "  --use-secondary-region" in lines
    # `--expand instanceView` (the CLI has no `--instance-view`); data disks picked by name, not position
    show_rp = ("az restore-point show --resource-group rg-dr-recovery-northeurope --collection-name"
               " rpc-db-vm-0-northeurope --name rp-20260101t0600z")
    assert f"{show_rp} --expand instanceView \\" in lines
    assert f"DRP_LUN0=$({show_rp} \\" in lines
    assert ("  --query \"sourceMetadata.storageProfile.dataDisks[?name=='db-vm-0-data-0'].diskRestorePoint.id | [0]\""
            " --output tsv)") in lines
    assert ("az disk create --resource-group rg-dr-recovery-northeurope --location northeurope --name"
            " db-vm-0-data-0-20260101t0600z --source \"$DRP_LUN0\" --sku Premium_LRS") in lines
    assert ("  --attach-os-disk db-vm-0-os-20260101t0600z --os-type linux --size Standard_E4s_v5 --security-type"
            " TrustedLaunch --enable-secure-boot true --enable-vtpm true \\") in lines
    assert ("az snapshot show --resource-group rg-dr-recovery-northeurope --name"
            " snap-cass-vm-0-os-20260101t0000z-northeurope --query completionPercent   # must be 100") in lines
    assert ("az sig image-version show --resource-group rg-dr-config-westeurope --gallery-name gal_dr_westeurope \\"
            in lines)
    assert "  --gallery-image-definition pricing --gallery-image-version 1.0.0 \\" in lines
    assert "pulumi login 'azblob://pulumi-state?storage_account=contosocfg'" in lines
    # the seed's order of steps, per workload
    db = text[text.index("## Workload `db`"):text.index("## Workload `cass`")]
    heads = [line for line in db.splitlines() if line.startswith("### ")]
    assert heads == ["### 1. Find the recovery points (vault in westeurope)",
                     "### 2. Restore the VM or its disks from the vault in westeurope",
                     "### 3. Cross-region restore into northeurope",
                     "### 4. Promote a copied restore point (in northeurope)",
                     "### 5. Rebuild from the template"]
    pricing = text[text.index("## Workload `pricing`"):]
    assert "### 4. Rebuild from the replicated image" in pricing


def test_runbook_shows_unknown_values_as_known_after_up(capture):
    resources = copy.deepcopy(capture.resources)
    for r in resources:
        if r.type == report_dr.T_ITEM:
            r.inputs["containerName"] = UNKNOWN
        if r.type == report_dr.T_RP:  # preview: the collection name and the source id are outputs
            r.inputs["restorePointCollectionName"] = UNKNOWN
            if "sourceRestorePoint" in r.inputs:
                r.inputs["sourceRestorePoint"] = {"id": UNKNOWN}
        if r.type == report_dr.T_RPC and "-rpc-dr" in r.name:
            r.inputs["source"] = {"id": UNKNOWN}
            r.inputs["restorePointCollectionName"] = UNKNOWN
    text = runbook.render(report_dr.build(resources, "dev"))
    assert "--container-name '<name known after pulumi up>' --item-name" in text
    assert "--collection-name '<name known after pulumi up>'" in text


def test_cli_runbook_report_and_errors(tmp_path, capsys):
    # runbook to a file, report as JSON, a bad stack and an unwritable output: exit 2 with one line
    out = tmp_path / "runbook.md"
    assert run(["runbook", "--stack", "dev", "--project-dir", str(ROOT), "--output", str(out)]) == 0
    assert out.read_text().startswith("# Recovery runbook for stack `dev`\n")
    assert run(["report", "--stack", "dev", "--project-dir", str(ROOT), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [w["workload"] for w in doc["workloads"]] == ["database", "app", "reporting"]
    assert run(["report", "--stack", "nope", "--project-dir", str(ROOT)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Pulumi.nope.yaml" in err and err.count("\n") == 1
    assert run(["runbook", "--project-dir", str(ROOT), "--output", str(tmp_path / "no" / "x.md")]) == 2
    assert capsys.readouterr().err == f"error: --output {tmp_path / 'no' / 'x.md'}: cannot write: No such file or directory\n"
