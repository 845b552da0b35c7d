"""`pulumi up` / `stack export` / `policy analyze` / `destroy` of the dev stack with the real engine, and an
application repo enrolling its VM through a real StackReference. One `pulumi up` of the dev stack is shared
(session fixtures in conftest.py, also used by test_site_recovery_lifecycle.py); each fixture records what the
tests assert on, so their order does not matter."""

from __future__ import annotations

import copy
import json
import re

import pytest

from tests.projects import LOCALLY_REDUNDANT_VAULT
from tests.real_engine.harness import PACK, ROOT, ok, posture_check

P = "urn:pulumi:dev::azure-iaas-dr::"
VAULT = P + "azure-iaas-dr:recovery_vault:RecoveryVault$azure-native:recoveryservices:Vault::vault-westeurope-vault"
RSV = "Microsoft.RecoveryServices/vaults/rsv-dr-westeurope"


def resources(export):
    return export["deployment"]["resources"]


def test_up_creates_every_custom_resource_once_with_arm_ids(dev_up):
    creates = [e for e in dev_up["log"] if e["op"] == "create"]
    export = json.loads(dev_up["export"].read_text())
    # external: the program's StackReference read (components/prior_state.py), nothing the provider creates
    custom = [r for r in resources(export) if r.get("custom") and not r["type"].startswith("pulumi:providers:")
              and not r.get("external")]
    assert sorted(e["urn"] for e in creates) == sorted(r["urn"] for r in custom)
    assert {e["urn"]: e["id"] for e in creates} == {r["urn"]: r["id"] for r in custom}
    assert all(r["id"].startswith("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/")
               for r in custom)
    vault = next(r for r in custom if r["urn"] == VAULT)
    assert vault["protect"] is True and vault["retainOnDelete"] is True
    assert vault["id"].endswith("/resourceGroups/rg-dr-backup-westeurope/providers/" + RSV)
    assert dev_up["preview_code"] == 0


def test_stack_export_through_posture_check_gives_the_previews_verdict(dev_up):
    p = posture_check("--stack-export", dev_up["export"])
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["violations"] == [] and doc["summary"]["mandatory"] == 0


def test_stack_export_with_a_locally_redundant_vault_fails_posture_check_and_pulumi_policy_analyze(
        engine, dev_up, tmp_path):
    export = json.loads(dev_up["export"].read_text())
    bad = copy.deepcopy(export)
    for r in resources(bad):
        if r["urn"] == VAULT:
            for side in ("inputs", "outputs"):
                r[side]["properties"]["redundancySettings"] = {
                    "standardTierStorageRedundancy": "LocallyRedundant", "crossRegionRestore": "Disabled"}
    f = tmp_path / "lrs.json"
    f.write_text(json.dumps(bad))
    p = posture_check("--stack-export", f)
    assert p.returncode == 1, p.stderr
    offline = {(v["policyName"], v["resourceUrn"]) for v in json.loads(p.stdout)["violations"]}
    assert ("vault-storage-geo-redundant", VAULT) in offline
    real = engine.run("policy", "analyze", "--file", f, "--policy-pack", PACK, "--json", cwd=dev_up["run"])
    assert real.returncode != 0
    events = [json.loads(line) for line in real.stdout.splitlines() if line.startswith("{")]
    got = {(e["policyEvent"]["policyName"], e["policyEvent"].get("resourceUrn", "")) for e in events
           if "policyEvent" in e}
    assert got == offline


def test_pulumi_policy_analyze_of_the_export_passes(engine, dev_up):
    p = engine.run("policy", "analyze", "--file", dev_up["export"], "--policy-pack", PACK, cwd=dev_up["run"])
    assert p.returncode == 0, (p.stdout[-3000:], p.stderr)


def test_preview_json_through_posture_check_gives_the_previews_verdict(engine, dev_up, tmp_path):
    p = posture_check("--preview-json", dev_up["dir"] / "preview.json")
    assert p.returncode == dev_up["preview_code"] == 0, p.stderr
    assert json.loads(p.stdout)["violations"] == []
    # and a failing one: the LRS vault's real preview verdict is the checker's
    run = engine.stack(ROOT, "dev", LOCALLY_REDUNDANT_VAULT, name="lrs-json")
    live = engine.preview(run, "dev")
    plain = engine.run("preview", "--stack", "dev", "--policy-pack", PACK, "--json", cwd=run)
    (tmp_path / "p.json").write_text(plain.stdout)
    c = posture_check("--preview-json", tmp_path / "p.json")
    assert live.code == plain.returncode == c.returncode == 1
    assert {(v["policyName"], v["resourceUrn"]) for v in json.loads(c.stdout)["violations"]} == live.violations


def test_app_repo_protected_item_lands_in_the_dev_vault_with_the_tier_policy(dev_up, app_repo):
    res = {r["urn"].rsplit("::", 1)[1]: r for r in resources(app_repo["export"])}
    item = next(r for r in res.values() if r["type"] == "azure-native:recoveryservices:ProtectedItem")
    vm = res["orders-1"]
    policy_id = dev_up["outputs"]["policyIds"]["westeurope"]["app-server"]
    assert policy_id.startswith("/subscriptions/") and "/backupPolicies/" in policy_id
    assert item["inputs"]["vaultName"] == "rsv-dr-westeurope"
    assert item["inputs"]["resourceGroupName"] == "rg-dr-backup-westeurope"
    assert item["inputs"]["properties"]["policyId"] == policy_id
    assert item["inputs"]["properties"]["sourceResourceId"] == vm["id"]
    assert item["id"].startswith(f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                                 f"rg-dr-backup-westeurope/providers/{RSV}/backupFabrics/Azure/")
    assert item["retainOnDelete"] is True
    ref = next(r for r in resources(app_repo["export"]) if r["type"] == "pulumi:pulumi:StackReference")
    assert ref["inputs"]["name"] == "organization/azure-iaas-dr/dev"
    assert {e["urn"] for e in app_repo["log"] if e["op"] == "create"} >= {item["urn"], vm["urn"]}


# retainOnDelete: vaults (the backup vault and the Site Recovery vault), protected items, the config-backup
# account and its containers, and the Site Recovery resources (fabrics, containers' ARM deployments, policy,
# mappings, replicated items, recovery plan, the cache account and its blob service)
KEPT = {
    "azure-native:recoveryservices:Vault": 2,
    "azure-native:recoveryservices:ProtectedItem": 5,
    "azure-native:storage:BlobContainer": 2,
    "azure-native:storage:StorageAccount": 2,
    "azure-native:storage:BlobServiceProperties": 1,
    "azure-native:recoveryservices:ReplicationFabric": 2,
    "azure-native:recoveryservices:ReplicationNetworkMapping": 2,
    "azure-native:recoveryservices:ReplicationPolicy": 1,
    "azure-native:recoveryservices:ReplicationProtectedItem": 2,
    "azure-native:recoveryservices:ReplicationProtectionContainerMapping": 2,
    "azure-native:recoveryservices:ReplicationRecoveryPlan": 1,
    "azure-native:resources:Deployment": 2,
}
KEPT_TYPES = tuple(KEPT)


def retained(dev_up):
    export = json.loads(dev_up["export"].read_text())
    return {r["urn"]: r["type"] for r in resources(export) if r.get("custom") and r.get("retainOnDelete")}


def test_destroy_fails_on_the_protected_resources_while_protect_is_on(dev_destroyed):
    """pulumi v3.274.1 does not refuse up front: it deletes what is not protected (nor an ancestor of a
    protected resource) and fails, exit 1, naming each protected resource."""
    p = dev_destroyed["refused"]
    assert p.returncode == 1
    assert f'resource "{VAULT}" cannot be deleted\n    because it is protected' in p.stdout
    left = {r["urn"].rsplit("::", 1)[1] for r in resources(dev_destroyed["left"])}
    assert left == {"default_3_29_0", "azure-iaas-dr-dev", "backup-westeurope", "vault-westeurope", "config-backup",
                    "config", "backup-westeurope-rg", "config-rg", "vault-westeurope-vault", "config-backup-account",
                    "config-backup-blob-service", "config-backup-state", "config-backup-templates",
                    # the protected Site Recovery vault and its ancestors
                    "asr-northeurope", "asr-northeurope-rg", "asr-northeurope-vault"}
    deleted = [e for e in dev_destroyed["first"] if e["op"] == "delete"]
    assert {e["type"] for e in deleted}.isdisjoint(KEPT_TYPES)
    assert not {e["urn"] for e in deleted} & {r["urn"] for r in resources(dev_destroyed["left"])}


def test_destroy_never_deletes_vaults_or_protected_items_and_deletes_everything_else(dev_up, dev_destroyed):
    created = {e["urn"]: e["type"] for e in dev_destroyed["created"]}
    kept = set(retained(dev_up))
    assert sorted(retained(dev_up).values()) == sorted(t for t, n in KEPT.items() for _ in range(n))
    first = [e["urn"] for e in dev_destroyed["first"] if e["op"] == "delete"]
    left = {r["urn"] for r in resources(dev_destroyed["left"])}
    assert sorted(first) == sorted(created.keys() - kept - left)
    # `pulumi up` with protect off re-creates what the first destroy removed from the stack (the retained
    # protected items included: they were only forgotten), then the second destroy deletes all but the kept
    recreated = {e["urn"] for e in dev_destroyed["update"] if e["op"] == "create"}
    assert recreated == created.keys() - left
    second = [e["urn"] for e in dev_destroyed["second"] if e["op"] == "delete"]
    assert [e["op"] for e in dev_destroyed["second"]] == ["delete"] * len(dev_destroyed["second"])
    assert sorted(second) == sorted(created.keys() - kept)
