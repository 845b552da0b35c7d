"""The real `pulumi preview --policy-pack policies` with the stand-in provider: pass, fail, exemption."""

import datetime
import json

from tests.projects import LOCALLY_REDUNDANT_VAULT
from tests.real_engine.harness import ROOT, offline_preview

P = "urn:pulumi:dev::azure-iaas-dr::"
VAULT = P + "azure-iaas-dr:recovery_vault:RecoveryVault$azure-native:recoveryservices:Vault::vault-westeurope-vault"


def test_dev_stack_real_preview_with_the_pack_passes(engine):
    run = engine.stack(ROOT, "dev")
    got = engine.preview(run, "dev")
    assert got.code == 0, got.stderr
    assert got.violations == set()
    loaded = [e["policyLoadEvent"] for e in got.events if "policyLoadEvent" in e]
    assert len(loaded) == 1
    # the merged dev stack: two vaults, Site Recovery, security and monitoring resources, the DR-region gallery (the
    # stack included), and the program's prior-state StackReference read
    assert sum(1 for r in got.resources.values() if r["type"] != "pulumi:providers:azure-native") == 142
    # the pack ran over every resource and the default provider, whose step the events do not show (one
    # analyze summary each), and over the stack
    assert sum(1 for e in got.events if "policyAnalyzeSummaryEvent" in e) == 143  # the read too
    assert sum(1 for e in got.events if "policyAnalyzeStackSummaryEvent" in e) == 1


def test_locally_redundant_vault_fails_with_rsv_001_on_the_vault(engine):
    run = engine.stack(ROOT, "dev", LOCALLY_REDUNDANT_VAULT, name="lrs")
    got = engine.preview(run, "dev")
    assert got.code != 0
    assert ("vault-storage-geo-redundant", VAULT) in got.violations
    [msg] = got.messages("vault-storage-geo-redundant")
    assert msg == (
        "Recovery Services vaults must store backups geo-redundantly (GeoRedundant).\n"
        "[AZDR-RSV-001] vault 'vault-westeurope-vault' stores backups 'LocallyRedundant': a regional disaster "
        "would take the only copy; set properties.redundancySettings.standardTierStorageRedundancy to "
        "'GeoRedundant'\n")
    [ev] = [e["policyEvent"] for e in got.events
            if "policyEvent" in e and e["policyEvent"]["policyName"] == "vault-storage-geo-redundant"]
    assert (ev["enforcementLevel"], ev["severity"]) == ("mandatory", "critical")


# An exemption expiring within the pack's horizon (366 days, AZDR-SYS-003): 90 days from today.
SOON = (datetime.date.today() + datetime.timedelta(days=90)).isoformat()


def test_policy_pack_config_exemption_is_honoured(engine, tmp_path):
    cfg = tmp_path / "exempt.json"
    cfg.write_text(json.dumps({"vault-storage-geo-redundant": {"exemptions": [
        {"resource": "vault-westeurope-*", "reason": "lab vault", "expires": SOON}]}}))
    run = engine.stack(ROOT, "dev", LOCALLY_REDUNDANT_VAULT, name="lrs-exempt")
    plain = engine.preview(run, "dev")
    exempt = engine.preview(run, "dev", "--policy-pack-config", str(cfg))
    assert ("vault-storage-geo-redundant", VAULT) in plain.violations
    # the suppressed finding is reported as advisory on the vault with its exemption (AZDR-SYS-003)
    assert exempt.violations == (plain.violations - {("vault-storage-geo-redundant", VAULT)}
                                 | {("exempted-findings", VAULT)})
    [msg] = exempt.messages("exempted-findings")
    assert msg.startswith("Every finding an active exemption suppresses is reported, with its exemption.\n"
                          "[AZDR-SYS-003] [AZDR-RSV-001] vault 'vault-westeurope-vault' stores backups")
    assert msg.endswith(f"(suppressed by the exemption for 'vault-westeurope-*' until {SOON}: lab vault)\n")
    assert exempt.violations  # the rest of the LRS findings (coverage in a non-geo vault) still stand
    # and the offline engine reads the same file the same way
    project = engine.work / "lrs-exempt"
    off = offline_preview(project, "dev", ROOT / "policies", "--policy-pack-config", str(cfg))
    assert {(v["policyName"], v["resourceUrn"]) for v in off["violations"]} == exempt.violations
