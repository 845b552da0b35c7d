"""The DR posture report and the recovery runbook for a known stack: the project's unchanged program with a
fixture workload config (config_override), captured offline; exact numbers, rows and commands."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from posture.dr import report as dr_report
from posture.dr import runbook
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
    "pricing": {"tier": "critical-data", "sshPublicKey": KEY, "vmSize": "Standard_D4s_v5",
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
    return dr_report.build(capture.resources, "dev")


def summary(model, name):
    return next(dr_report.workload_summary(model, w) for w in model.workloads if w.name == name)


def test_report_numbers_for_known_tiers(model):
    assert [w.name for w in model.workloads] == ["db", "cass", "pricing"]
    db, cass, pricing = summary(model, "db"), summary(model, "cass"), summary(model, "pricing")
    assert (db["targetRpoHours"], db["achievedRpoHours"], db["backupFrequency"], db["policyType"]) == (4, 4, "Hourly", "V2")
    assert db["retention"] == {"dailyDays": 30, "weeklyWeeks": 12, "monthlyMonths": None, "yearlyYears": None,
                               "instantRestoreDays": 7}
    assert (db["snapshotSets"], db["snapshotIntervalHours"]) == (2, 6.0)
    assert db["highAvailability"] == {"requested": True, "availabilitySet": "db-avset", "faultDomains": 2,
                                      "updateDomains": 5, "members": 2}
    # issue 11: two RPOs; cross-region = the vault's daily point + 12 h geo-replication (36 h), not the 4-hourly
    assert db["rpoHours"] == {"inRegion": {"target": 4, "achieved": 4}, "crossRegion": {"target": 36, "achieved": 36}}
    assert (cass["targetRpoHours"], cass["achievedRpoHours"], cass["backupFrequency"]) == (24, 24, "Daily")
    assert cass["rpoHours"] == {"inRegion": {"target": 24, "achieved": 24},
                                "crossRegion": {"target": 36, "achieved": 36}}
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
    lag = "DR-region restores use the vault's secondary copy (" + dr_report.CRR_SECONDARY_LAG + ")"
    assert db["gaps"] == [lag]
    assert cass["gaps"] == [lag, "one consistent set only: add points in time from a scheduled pipeline for a"
                            " snapshot RPO", "incremental snapshot sets are crash-consistent unless the VM is"
                            " frozen or stopped"]
    # the dev stack's security.archiveTier applies to the critical-data tier's monthly and yearly points (issue 15)
    archive = f"monthly/yearly points move to the archive tier (after 3 Months): {dr_report.ARCHIVE_NO_CRR}"
    assert pricing["gaps"] == [lag, "not highly available: 1 VM, no availability set", archive]


def test_report_markdown_rows_and_mermaid(model):
    md = dr_report.render_markdown(model)
    assert ("| `db` | database | 4 h | 4 h (Hourly, V2) | 36 h / 36 h | 2, every 6 h | 30 d / 12 w; snapshots 7 d | vault"
            " rsv-dr-westeurope in westeurope (GeoRedundant); vault secondary in northeurope (cross-region restore"
            " enabled); restorePoints in westeurope; restorePoints copies in northeurope | yes: 2 VMs, 2 fault / 5"
            " update domains |") in md.splitlines()
    # Trusted Launch (the default) always gets an Enhanced (V2) policy, daily here
    assert ("| `pricing` | critical-data | 24 h | 24 h (Daily, V2) | 36 h / 36 h | - | 30 d / 12 w / 60 m / 10 y; snapshots 5 d |"
            in md)
    assert '  subgraph r0["westeurope (primary)"]' in md and '  subgraph r1["northeurope (DR)"]' in md
    assert '  w_db -- "backup every 4 h" --> vault_rsv_dr_westeurope' in md
    assert "  vault_rsv_dr_westeurope -. geo-replication .-> vault2_rsv_dr_westeurope" in md
    assert "Configuration backup: storage account `contosocfg` (Standard_RAGRS) in westeurope, containers" \
           " `pulumi-state`, `templates`." in md


def test_report_gap_when_vault_weakened_and_backup_misses_rpo(capture):
    resources = copy.deepcopy(capture.resources)
    for r in resources:
        if r.type == dr_report.T_VAULT:
            r.inputs["properties"]["redundancySettings"] = {"standardTierStorageRedundancy": "LocallyRedundant",
                                                            "crossRegionRestore": "Disabled"}
        if r.type == dr_report.T_VM and r.inputs["tags"]["dr-workload"] == "db":
            r.inputs["tags"]["dr-rpo-hours"] = "2"
    s = summary(dr_report.build(resources, "dev"), "db")
    assert s["gaps"] == ["backups every 4 h miss the 2 h RPO",
                         "the cross-region RPO target of 36 h is not met by the declared copies (none leaves the"
                         " region restorably): Azure Site Recovery, or consistent snapshots copied to the DR region"
                         " on a declared schedule, reach it",
                         "vault rsv-dr-westeurope is LocallyRedundant: backups do not leave westeurope"]
    assert s["rpoHours"]["crossRegion"] == {"target": 36, "achieved": None}
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
    # the DR-region gallery (components/image_gallery.py DrImageGallery): usable when the primary region is down
    assert ("az sig image-version show --resource-group rg-dr-images-northeurope --gallery-name gal_dr_northeurope_dr \\"
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
        if r.type == dr_report.T_ITEM:
            r.inputs["containerName"] = UNKNOWN
        if r.type == dr_report.T_RP:  # preview: the collection name and the source id are outputs
            r.inputs["restorePointCollectionName"] = UNKNOWN
            if "sourceRestorePoint" in r.inputs:
                r.inputs["sourceRestorePoint"] = {"id": UNKNOWN}
        if r.type == dr_report.T_RPC and "-rpc-dr" in r.name:
            r.inputs["source"] = {"id": UNKNOWN}
            r.inputs["restorePointCollectionName"] = UNKNOWN
    text = runbook.render(dr_report.build(resources, "dev"))
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


# --- every az command and flag the runbook writes exists in the Azure CLI --------------------------------------
# Flags checked against the azure-cli sources: command_modules/backup/_params.py (backup *), vm/aaz/latest/
# restore_point/_show.py (restore-point show), vm/_params.py (disk/vm/snapshot/sig), resource (group, deployment),
# storage (account create, blob list/download). A flag outside this table is a runbook bug.
AZ_FLAGS = {
    "backup item list": {"--resource-group", "--vault-name", "--backup-management-type", "--use-secondary-region",
                         "--output"},
    "backup recoverypoint list": {"--resource-group", "--vault-name", "--container-name", "--item-name",
                                  "--backup-management-type", "--use-secondary-region", "--query", "--output"},
    "backup restore restore-disks": {"--resource-group", "--vault-name", "--container-name", "--item-name",
                                     "--rp-name", "--storage-account", "--target-resource-group",
                                     "--use-secondary-region", "--restore-mode", "--target-vm-name",
                                     "--target-vnet-name", "--target-vnet-resource-group", "--target-subnet-name"},
    "backup job list": {"--resource-group", "--vault-name", "--operation", "--use-secondary-region", "--query",
                        "--output"},
    "backup job wait": {"--resource-group", "--vault-name", "--name", "--use-secondary-region"},
    "backup job show": {"--resource-group", "--vault-name", "--name", "--use-secondary-region", "--query", "--output"},
    "restore-point show": {"--resource-group", "--collection-name", "--name", "--expand", "--query", "--output"},
    "snapshot show": {"--resource-group", "--name", "--query", "--output"},
    "disk create": {"--resource-group", "--location", "--name", "--source", "--sku"},
    "vm create": {"--resource-group", "--location", "--name", "--attach-os-disk", "--os-type", "--size",
                  "--security-type", "--enable-secure-boot", "--enable-vtpm", "--attach-data-disks", "--subnet",
                  "--public-ip-address", "--nsg", "--image", "--admin-username", "--admin-password",
                  "--generate-ssh-keys"},
    "sig image-version show": {"--resource-group", "--gallery-name", "--gallery-image-definition",
                               "--gallery-image-version", "--query"},
    "group create": {"--name", "--location"},
    "storage account create": {"--name", "--resource-group", "--location", "--sku"},
    "storage blob list": {"--auth-mode", "--container-name", "--blob-endpoint", "--output"},
    "storage blob download": {"--blob-url", "--file", "--auth-mode"},
    "deployment group create": {"--resource-group", "--template-file"},
    # issue 15 (multi-user authorization): backup/_params.py `backup vault resource-guard-mapping` (-g/-n, the
    # CLI's own tests: `backup vault resource-guard-mapping show -g {rg} -n {vault}`); role/_params.py
    "backup vault resource-guard-mapping show": {"--resource-group", "--name"},
    "role assignment create": {"--assignee", "--role", "--scope"},
    "role assignment delete": {"--assignee", "--role", "--scope"},
}


def az_commands(text):
    """(subcommand, flags) of every `az` command in the runbook's bash blocks, continuation lines joined; a
    command ends at the next `az` command, a `)` or a `#` comment."""
    import re

    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            starts = [m.start() for m in re.finditer(r"(?:^|(?<=\$\())az ", line)]
            for i, start in enumerate(starts):
                segment = line[start + 3:starts[i + 1] if i + 1 < len(starts) else len(line)]
                segment = re.split(r"\)|  #", segment)[0]
                words = re.match(r"((?:[a-z][a-z-]* )+)", segment + " ").group(1).split()
                while words and words[-1] not in {w for c in AZ_FLAGS for w in c.split()}:
                    words.pop()
                out.append((" ".join(words), set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", segment))))
    return out


def test_every_runbook_az_command_and_flag_exists(model):
    commands = az_commands(runbook.render(model))
    assert {c for c, _ in commands} == set(AZ_FLAGS)  # every command is checked, and each one is used
    unknown = sorted({(c, f) for c, flags in commands for f in flags - AZ_FLAGS[c]})
    assert unknown == []
    # the flag that does not exist must not come back
    assert all("--instance-view" not in flags for _, flags in commands)


def blocks_of(text, heading):
    import re

    section = text[text.index(heading):]
    section = section[:section.index("\n### ", 1)] if "\n### " in section[1:] else section
    return re.findall(r"```bash\n(.*?)```", section, re.S)


def test_runbook_restore_options_per_vm_in_the_seed_order(model):
    text = runbook.render(model)
    pricing = text[text.index("## Workload `pricing`"):]
    heads = [line for line in pricing.splitlines() if line.startswith("### ")]
    assert heads == ["### 1. Find the recovery points (vault in westeurope)",
                     "### 2. Restore the VM or its disks from the vault in westeurope",
                     "### 3. Cross-region restore into northeurope",
                     "### 4. Rebuild from the replicated image",
                     "### 5. Rebuild from the template"]
    step2 = blocks_of(pricing, "### 2.")
    vault = "--resource-group rg-dr-backup-westeurope --vault-name rsv-dr-westeurope"
    item = ("--container-name 'IaasVMContainer;iaasvmcontainerv2;rg-dr-pricing;pricing-vm-0'"
            " --item-name 'VM;iaasvmcontainerv2;rg-dr-pricing;pricing-vm-0'")
    # a VM outside an availability set: the seed's first option, a new VM in the VM's own subnet
    assert step2[1] == (
        f"az backup restore restore-disks {vault} \\\n"
        f"  {item} --rp-name \"$RP\" \\\n"
        "  --storage-account \"$STAGING\" --target-resource-group rg-dr-pricing \\\n"
        "  --restore-mode AlternateLocation --target-vm-name pricing-vm-0-restored \\\n"
        "  --target-vnet-name pricing-vnet --target-vnet-resource-group rg-dr-pricing --target-subnet-name"
        " pricing-subnet\n")
    # the second option: disks, wait for the job, then deploy the template it wrote
    assert step2[2].splitlines()[-5:] == [
        f"az backup job wait {vault} --name \"$JOB\"",
        f"TEMPLATE_URI=$(az backup job show {vault} --name \"$JOB\" \\",
        "  --query 'properties.extendedInfo.propertyBag.\"Template Blob Uri\"' --output tsv)",
        "az storage blob download --blob-url \"$TEMPLATE_URI\" --file azuredeploy.json --auth-mode login",
        "az deployment group create --resource-group rg-dr-pricing --template-file azuredeploy.json"
        "   # edit its parameters (VM name, network, availability set) first",
    ]
    # VMs in an availability set: no new-VM option (Azure cannot restore into a set)
    db = text[text.index("## Workload `db`"):text.index("## Workload `cass`")]
    assert "--restore-mode AlternateLocation" not in db
    assert "add the availability set (`db-avset`) to the template" in db
    # every block that uses $RP sets it first, for its own VM (blocks can run in any order)
    import re

    for section in ("### 2.", "### 3."):
        chosen = None
        for block in blocks_of(db, section):
            if "RP=$(" in block:
                chosen = re.search(r"--item-name (\S+)", block[block.index("RP=$("):]).group(1)
            if '"$RP"' in block:
                assert chosen == re.search(r"--item-name (\S+)", block).group(1)
    step2_db = blocks_of(db, "### 2.")
    assert ["db-vm-0" in b for b in step2_db] == [True, True, False, False]
    assert "RP=$(" in step2_db[0] and "'VM;iaasvmcontainerv2;rg-dr-db;db-vm-1'" in step2_db[2]
    # CRR: the DR resource group and staging account are created once per workload, not once per VM
    assert db.count("az group create --name rg-db-restore-northeurope --location northeurope") == 1
    assert db.count("az storage account create") == 1
    crr = blocks_of(db, "### 3.")
    assert [("RP=$(" in b, "--use-secondary-region" in b) for b in crr] == [(False, True), (True, True), (True, True)]


def test_runbook_image_rebuild_block_is_self_contained(model):
    text = runbook.render(model)
    [block] = blocks_of(text[text.index("## Workload `pricing`"):], "### 4. Rebuild from the replicated image")
    image = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr-images-northeurope/providers/"
             "Microsoft.Compute/galleries/gal_dr_northeurope_dr/images/pricing/versions/1.0.0")
    assert block.splitlines()[3:] == [
        "az group create --name rg-pricing-restore-northeurope --location northeurope",
        'SUBNET_ID="${SUBNET_ID:?set SUBNET_ID to the id of a subnet in northeurope}"',
        "az vm create --resource-group rg-pricing-restore-northeurope --location northeurope --name pricing-vm-0-dr \\",
        f"  --image {image} --size Standard_D4s_v5 --security-type TrustedLaunch --enable-secure-boot true"
        " --enable-vtpm true \\",
        '  --subnet "$SUBNET_ID" --public-ip-address "" --nsg "" --admin-username azureuser --generate-ssh-keys',
    ]


def test_runbook_windows_vm_gets_windows_os_type_and_password(capture):
    resources = copy.deepcopy(capture.resources)
    for r in resources:
        if r.type == dr_report.T_VM and r.inputs["tags"]["dr-workload"] in ("db", "pricing"):
            r.inputs["osProfile"].pop("linuxConfiguration")
            r.inputs["osProfile"]["windowsConfiguration"] = {"provisionVMAgent": True}
            r.inputs["osProfile"]["adminUsername"] = "dradmin"
    text = runbook.render(dr_report.build(resources, "dev"))
    db = text[text.index("## Workload `db`"):text.index("## Workload `cass`")]
    assert "--os-type windows" in db and "--os-type linux" not in db
    assert ('  --subnet "$SUBNET_ID" --public-ip-address "" --nsg "" --admin-username dradmin --admin-password'
            ' "${ADMIN_PASSWORD:?set ADMIN_PASSWORD}"') in text.splitlines()
    cass = text[text.index("## Workload `cass`"):text.index("## Workload `pricing`")]
    assert "--os-type linux" in cass


def test_report_gaps_for_one_fault_domain_crash_consistent_points_and_zonal_vm(capture):
    resources = copy.deepcopy(capture.resources)
    for r in resources:
        if r.type == dr_report.T_AVSET and r.inputs["tags"]["dr-workload"] == "db":
            r.inputs["platformFaultDomainCount"] = 1.0
        if r.type == dr_report.T_RP and "sourceRestorePoint" not in r.inputs:
            r.inputs["consistencyMode"] = "CrashConsistent"
        if r.type == dr_report.T_VM and r.inputs["tags"]["dr-workload"] == "pricing":
            r.inputs["zones"] = ["2"]
    m = dr_report.build(resources, "dev")
    lag = "DR-region restores use the vault's secondary copy (" + dr_report.CRR_SECONDARY_LAG + ")"
    assert summary(m, "db")["gaps"] == [
        lag, "availability set db-avset has 1 fault domain: its VMs share one rack and fail together (needs 2 or more)",
        "restore points are crash-consistent (consistency CrashConsistent): applications recover as after a power loss"]
    archive = f"monthly/yearly points move to the archive tier (after 3 Months): {dr_report.ARCHIVE_NO_CRR}"
    assert summary(m, "pricing")["gaps"] == [lag, "not highly available: 1 VM, no availability set (zonal: zone 2)",
                                             archive]
    assert summary(m, "db")["highAvailability"]["faultDomains"] == 1


def mermaid_problems(md):
    """Structural checks a Mermaid flowchart must pass to render: one fenced block, `flowchart LR`, balanced
    subgraphs, node ids defined once, edges between defined nodes, labels quoted and free of raw `<`/`>`/`"`."""
    import re

    block = md[md.index("```mermaid\n") + len("```mermaid\n"):]
    block = block[:block.index("```")]
    lines = block.splitlines()
    problems = [] if lines[0] == "flowchart LR" else [f"first line {lines[0]!r}"]
    node_re = re.compile(r'^ {6}([A-Za-z0-9_]+)\["([^"]*)"\]$')
    edge_re = re.compile(r'^  ([A-Za-z0-9_]+) (?:-- "([^"]*)" -->|-\. ([a-z -]+) \.->) ([A-Za-z0-9_]+)$')
    nodes, depth = [], 0
    for line in lines[1:]:
        if m := re.match(r'^  subgraph r\d+\["([^"]*)"\]$', line):
            depth += 1
            labels = [m.group(1)]
        elif line == "  end":
            depth -= 1
            continue
        elif m := node_re.match(line):
            nodes.append(m.group(1))
            labels = [m.group(2)]
        elif m := edge_re.match(line):
            labels = [m.group(2) or m.group(3)]
            for end in (m.group(1), m.group(4)):
                if end not in nodes:
                    problems.append(f"edge to undefined node {end}")
        else:
            problems.append(f"unparsed line {line!r}")
            continue
        for label in labels:
            if re.search(r"[<>]", label.replace("<br/>", "")):
                problems.append(f"raw angle bracket in label {label!r}")
    if depth != 0:
        problems.append("unbalanced subgraph")
    if len(nodes) != len(set(nodes)):
        problems.append("node defined twice")
    return problems


def test_report_mermaid_is_well_formed_and_escapes_unknown_values(model, capture):
    md = dr_report.render_markdown(model)
    assert mermaid_problems(md) == []
    assert "  w_pricing -. image .-> img_pricing" in md.splitlines()
    # preview: names unknown -> `<name known after pulumi up>` must not reach Mermaid as an HTML tag
    resources = copy.deepcopy(capture.resources)
    for r in resources:
        if r.type == dr_report.T_VAULT:
            r.inputs["vaultName"] = UNKNOWN
        if r.type == dr_report.T_STORAGE:
            r.inputs["accountName"] = UNKNOWN
    md = dr_report.render_markdown(dr_report.build(resources, "dev"))
    assert mermaid_problems(md) == []
    assert '      cfg["config backup #lt;name known after pulumi up#gt;<br/>Standard_RAGRS"]' in md.splitlines()
    # and the checker itself fails on the raw form
    assert mermaid_problems("```mermaid\nflowchart LR\n  subgraph r0[\"x\"]\n      a[\"<b>\"]\n  end\n```") == [
        "raw angle bracket in label '<b>'"]


def test_report_heading_is_stable(model):
    assert dr_report.render_markdown(model).startswith("## DR posture of stack `dev`\n\n| workload | tier |")


# --- issue 15: security and monitoring in the report, MUA approval in the runbook ----------------------------


def test_report_security_section_for_the_dev_stack_settings(model):
    [vs] = [dr_report.security_summary(v) for v in model.security]
    guard = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr-security/providers/"
             "Microsoft.DataProtection/resourceGuards/guard-dr-westeurope")
    assert vs == {
        "vault": "rsv-dr-westeurope", "multiUserAuthorization": guard, "alertsRoutedTo": ["ag-dr-backup"],
        "alertReceivers": ["backup-oncall@example.com", "https://hooks.example.com/azure-backup-alerts"],
        "backupReportsWorkspace": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                                  "rg-dr-backup-westeurope/providers/Microsoft.OperationalInsights/workspaces/"
                                  "log-dr-westeurope",
        "resourceSpecificLogs": True, "crossSubscriptionRestore": "Disabled",
        "customerManagedKey": "https://kv-dr-dev-keys.vault.azure.net/keys/rsv-dr-cmk",
        "privateEndpoint": "pe-rsv-dr-westeurope", "publicNetworkAccess": "Disabled"}
    assert [name for name, _ in model.locks] == ["dr-do-not-delete-copies", "dr-do-not-delete-config"]
    md = dr_report.render_markdown(model)
    assert "## Security and monitoring" in md and "| `rsv-dr-westeurope` | `" + guard + "` | `ag-dr-backup`" in md
    assert dr_report.to_json(model)["security"] == [vs]


def test_report_shows_what_is_missing_without_the_issue_15_settings(capture):
    kept = [r for r in capture.resources if r.type not in (
        dr_report.T_PROXY, dr_report.T_GUARD, dr_report.T_APR, dr_report.T_ACTION_GROUP, dr_report.T_DIAGNOSTIC,
        dr_report.T_PRIVATE_ENDPOINT)]
    m = dr_report.build(kept, "dev")
    [vs] = [dr_report.security_summary(v) for v in m.security]
    assert (vs["multiUserAuthorization"], vs["alertsRoutedTo"], vs["backupReportsWorkspace"], vs["privateEndpoint"]
            ) == (None, [], None, None)
    md = dr_report.render_markdown(m)
    assert "| `rsv-dr-westeurope` | **none** | **nobody** (no alert processing rule) | **none** |" in md
    assert "file-level restore (and agent-based workloads) cannot reach that vault" in md
    assert "multi-user authorization" not in runbook.render(m)


def test_runbook_says_how_a_critical_operation_is_approved(model):
    text = runbook.render(model)
    import re

    head = "## Before a critical operation: multi-user authorization"
    [block] = re.findall(r"```bash\n(.*?)```", text[text.index(head):text.index("## Workload")], re.S)
    guard = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr-security/providers/"
             "Microsoft.DataProtection/resourceGuards/guard-dr-westeurope")
    assert block.splitlines()[0] == ("az backup vault resource-guard-mapping show --resource-group "
                                     "rg-dr-backup-westeurope --name rsv-dr-westeurope")
    assert (f'az role assignment create --assignee "$BACKUP_ADMIN" --role "Backup MUA Operator" --scope {guard}'
            "   # security administrator") in block
    assert f'az role assignment delete --assignee "$BACKUP_ADMIN" --role "Backup MUA Operator" --scope {guard}' in block
