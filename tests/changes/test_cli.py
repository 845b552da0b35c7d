"""`posture check --preview-json` and `posture preview --baseline` run the change rules: findings beside
the policy results in text, JSON, Markdown and SARIF; a mandatory finding exits 1; the pack config file
sets their levels, thresholds and exemptions; bad input exits 2."""

from __future__ import annotations

import datetime
import json

import jsonschema
import pytest

from posture import cli
from posture.render.sarif import sarif_schema
from tests.changes import documents as docs
from tests.changes.make_fixtures import FIXTURE, NEW_CONFIG
from tests.projects import ROOT, copy_project

PACK = str(ROOT / "policies")
CHANGES = "azure-iaas-dr-changes"
FIXTURE_FINDINGS = [
    ("change-backup-removed-without-retain", "mandatory", "policy-westeurope-vm-reporting-v2-daily-aa6ba5-policy"),
    ("change-vault-cross-region-restore-off", "mandatory", "vault-westeurope-vault"),
    ("change-vm-or-disk-replaced-or-deleted", "mandatory", "workload-database-vm-0-data-1"),
    ("change-vm-or-disk-replaced-or-deleted", "mandatory", "workload-reporting-vm-0"),
]

# An exemption expiring within the pack's horizon (366 days, AZDR-SYS-003): 90 days from today.
SOON = (datetime.date.today() + datetime.timedelta(days=90)).isoformat()


def run(capsys, *argv):
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def change_violations(doc):
    return sorted((v["policyName"], v["enforcementLevel"], v["resourceUrn"].rsplit("::", 1)[-1])
                  for v in doc["violations"] if v["policyPackName"] == CHANGES)


def test_check_preview_json_reports_change_findings_in_json(capsys):
    code, out, err = run(capsys, "check", "--preview-json", FIXTURE, "--policy-pack", PACK, "--format", "json")
    doc = json.loads(out)
    assert code == 1, err
    assert change_violations(doc) == FIXTURE_FINDINGS
    assert doc["changes"] == {"source": "preview-json", "complete": False,
                              "summary": {"create": 0, "same": 0, "update": 2, "replace": 1, "delete": 22}}
    assert [p["name"] for p in doc["summary"]["policyPacks"]] == ["azure-iaas-dr-posture", CHANGES]
    assert doc["summary"]["gaps"][-1].startswith("the preview document has no unchanged resources")


def test_check_preview_json_text_markdown_and_sarif(capsys):
    code, text, _ = run(capsys, "check", "--preview-json", FIXTURE, "--policy-pack", PACK)
    assert code == 1
    assert "Changes (preview-json): 0 create, 0 same, 2 update, 1 replace, 22 delete" in text
    assert "    azure-iaas-dr-changes@v0.1.0 (failed)" in text
    assert ("          [AZDR-CHG-009] managed disk 'database-vm-0-data-1' would be replaced (because of creationData): "
            "the data on it is gone (only backups or snapshots keep it); restore-test first, or keep the disk with "
            "retainOnDelete") in text.splitlines()
    code, md, _ = run(capsys, "check", "--preview-json", FIXTURE, "--policy-pack", PACK, "--format", "markdown")
    assert code == 1
    lines = md.splitlines()
    assert ("Changes: **0** create, **0** same, **2** update, **1** replace, **22** delete · change rules "
            "`azure-iaas-dr-changes` judge the change from the deployed state") in lines
    assert any(ln.startswith("- **mandatory** `AZDR-CHG-002` `change-vault-cross-region-restore-off` on "
                             "`azure-native:recoveryservices:Vault` **vault-westeurope-vault**: vault 'rsv-dr-westeurope' "
                             "turns cross-region restore Enabled -&gt; 'Disabled'") for ln in lines)
    code, sarif, _ = run(capsys, "check", "--preview-json", FIXTURE, "--policy-pack", PACK, "--format", "sarif")
    log = json.loads(sarif)
    jsonschema.Draft7Validator(sarif_schema()).validate(log)
    (run_,) = [r for r in log["runs"] if r["tool"]["driver"]["name"] == CHANGES]
    assert sorted((r["ruleId"], r["level"]) for r in run_["results"]) == [
        (name, "error") for name, _, _ in FIXTURE_FINDINGS]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert len(rules) == 14
    assert rules["change-vault-cross-region-restore-off"]["properties"]["ruleId"] == "AZDR-CHG-002"
    assert rules["change-vault-cross-region-restore-off"]["helpUri"] == (
        "https://learn.microsoft.com/azure/backup/backup-create-recovery-services-vault#set-cross-region-restore")


def test_pack_config_sets_levels_thresholds_and_exemptions(capsys, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({
        "change-vault-cross-region-restore-off": "advisory",
        "change-vm-or-disk-replaced-or-deleted": {"reportWithoutDataLoss": True, "exemptions": [
            {"resource": "workload-database-vm-0-data-*", "reason": "restored from snapshot", "expires": SOON},
            {"resource": "workload-reporting-vm-0", "reason": "retired", "expires": "2020-01-01"}]},
        "change-backup-removed-without-retain": {"enforcementLevel": "disabled"},
    }))
    code, out, err = run(capsys, "check", "--preview-json", FIXTURE, "--policy-pack", PACK, "--format", "json",
                         "--policy-pack-config", cfg)
    doc = json.loads(out)
    # the exempted disk is suppressed, never hidden: advisory, naming the exemption and its expiry
    assert change_violations(doc) == [
        ("change-vault-cross-region-restore-off", "advisory", "vault-westeurope-vault"),
        ("change-vm-or-disk-replaced-or-deleted", "advisory", "workload-database-vm-0-data-1"),
        ("change-vm-or-disk-replaced-or-deleted", "mandatory", "workload-reporting-vm-0")]
    expired = [v["message"] for v in doc["violations"] if v["resourceUrn"].endswith("::workload-reporting-vm-0")]
    assert expired[-1].endswith(" (exemption for 'workload-reporting-vm-0' expired on 2020-01-01: retired)")
    (held,) = [v for v in doc["violations"] if v["resourceUrn"].endswith("::workload-database-vm-0-data-1")]
    assert held["message"].endswith(f" (suppressed by the exemption for 'workload-database-vm-0-data-*' until {SOON}:"
                                    " restored from snapshot)")
    assert held["message"].split("\n", 1)[1].startswith("[AZDR-CHG-009] managed disk 'database-vm-0-data-1' would be"
                                                         " replaced")
    for fmt in ("text", "markdown", "sarif"):  # every format shows it
        _, shown, _ = run(capsys, "check", "--preview-json", FIXTURE, "--policy-pack", PACK, "--format", fmt,
                          "--policy-pack-config", cfg)
        star = "\\*" if fmt == "markdown" else "*"  # Markdown escapes the pattern's star
        assert f"suppressed by the exemption for 'workload-database-vm-0-data-{star}' until" in shown, fmt
    # without the exemption the same finding is mandatory: the exemption changed only its level
    cfg.write_text(json.dumps({"change-vm-or-disk-replaced-or-deleted": {"reportWithoutDataLoss": True}}))
    code, out, _ = run(capsys, "check", "--preview-json", FIXTURE, "--policy-pack", PACK, "--format", "json",
                       "--policy-pack-config", cfg)
    assert ("change-vm-or-disk-replaced-or-deleted", "mandatory", "workload-database-vm-0-data-1") in \
        change_violations(json.loads(out))


def test_all_advisory_keeps_exit_0_for_change_rules(capsys, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"all": "advisory"}))
    code, out, _ = run(capsys, "check", "--preview-json", FIXTURE, "--policy-pack", PACK, "--format", "json",
                       "--policy-pack-config", cfg)
    doc = json.loads(out)
    assert code == 0
    assert {v["enforcementLevel"] for v in doc["violations"] if v["policyPackName"] == CHANGES} == {"advisory"}


@pytest.mark.parametrize("config, message", [
    ({"change-vm-or-disk-replaced-or-deleted": {"reportWithoutDataLoss": "yes"}},
     "policy pack config is invalid: change-vm-or-disk-replaced-or-deleted: reportWithoutDataLoss: 'yes' is not "
     "of type 'boolean'"),
    ({"change-vault-immutability-locked": {"exemptions": [{"resource": "x"}]}},
     "policy pack config is invalid: change-vault-immutability-locked: exemptions.0: 'reason' is a required property"),
])
def test_bad_change_rule_config_exits_2(capsys, tmp_path, config, message):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(config))
    code, out, err = run(capsys, "check", "--preview-json", FIXTURE, "--policy-pack", PACK, "--policy-pack-config", cfg)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {message}") and "Traceback" not in err


# ---------------------------------------------------------------- preview --baseline


@pytest.fixture(scope="module")
def changed_project(tmp_path_factory):
    """The dev project with the fixture's config change (CRR off, reporting dropped) and its baseline."""
    base = tmp_path_factory.mktemp("baseline")
    project = copy_project(tmp_path_factory.mktemp("project"), NEW_CONFIG)
    return project, docs.write_baseline(base / "dev-export.json")


def test_preview_baseline_gives_the_same_findings_as_the_preview_json_of_that_change(capsys, changed_project, tmp_path):
    project, baseline = changed_project
    code, out, err = run(capsys, "preview", "--stack", "dev", "--project-dir", project, "--baseline", baseline,
                         "--policy-pack", PACK, "--format", "json")
    offline = json.loads(out)
    assert code == 1, err
    prior = [r["urn"] for r in json.loads(baseline.read_text())["deployment"]["resources"][1:]
             if not r["type"].startswith("pulumi:providers:")]  # all but the stack and the default provider
    dropped = set(prior) - {r["urn"] for r in offline["resources"]}  # the reporting workload and its image gallery
    assert any("reporting" in u for u in dropped)
    assert offline["changes"]["summary"] == {
        "create": 0, "same": len(prior) - len(dropped) - 2, "update": 2, "replace": 0, "delete": len(dropped)}
    assert "no prior state: no diff, no replace/delete steps; every resource is analyzed as a create" not in \
        offline["summary"]["gaps"]
    preview = tmp_path / "preview.json"  # the same change as `pulumi preview --json --show-sames` writes it
    preview.write_text(json.dumps(docs.preview_digest(docs.model(NEW_CONFIG), show_sames=True)))
    code2, out2, _ = run(capsys, "check", "--preview-json", preview, "--policy-pack", PACK, "--format", "json")
    real = json.loads(out2)
    assert code2 == 1 and real["changes"]["complete"] is True

    def findings(doc):
        return sorted((v["policyName"], v["enforcementLevel"], v["resourceUrn"], v["message"])
                      for v in doc["violations"] if v["policyPackName"] == CHANGES)

    assert findings(offline) == findings(real)
    assert [f[:2] for f in findings(offline)] == [
        ("change-backup-removed-without-retain", "mandatory"), ("change-vault-cross-region-restore-off", "mandatory"),
        ("change-vm-or-disk-replaced-or-deleted", "mandatory")]


def test_preview_baseline_of_an_unchanged_stack_has_no_change_finding(capsys, tmp_path):
    baseline = docs.write_baseline(tmp_path / "dev-export.json")
    code, out, err = run(capsys, "preview", "--stack", "dev", "--project-dir", ROOT, "--baseline", baseline,
                         "--policy-pack", PACK, "--format", "json")
    doc = json.loads(out)
    assert change_violations(doc) == []
    same = len([r for r in json.loads(baseline.read_text())["deployment"]["resources"][1:]
                if not r["type"].startswith("pulumi:providers:")])  # all but the stack and the default provider
    assert doc["changes"]["summary"] == {"create": 0, "same": same, "update": 0, "replace": 0, "delete": 0}
    assert code == doc["summary"]["exitCode"]


def test_baseline_errors_exit_2(capsys, tmp_path):
    code, out, err = run(capsys, "preview", "--stack", "dev", "--project-dir", ROOT, "--engine", "pulumi",
                         "--baseline", tmp_path / "x.json")
    assert (code, out) == (2, "")
    assert err.startswith("error: --baseline needs the offline engine; with the real CLI run `pulumi preview --json "
                          "--show-sames > preview.json`")
    code, out, err = run(capsys, "preview", "--stack", "dev", "--project-dir", ROOT, "--baseline",
                         tmp_path / "missing.json", "--policy-pack", PACK)
    assert (code, out) == (2, "")
    assert err == f"error: {tmp_path / 'missing.json'}: cannot read baseline stack export: No such file or directory\n"


def test_a_copy_of_the_pack_elsewhere_brings_its_own_change_rules(capsys, tmp_path):
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack, ignore=shutil.ignore_patterns("__pycache__"))
    code, out, err = run(capsys, "check", "--preview-json", FIXTURE, "--policy-pack", pack, "--format", "json")
    assert code == 1, err
    assert change_violations(json.loads(out)) == FIXTURE_FINDINGS


def test_a_pack_without_change_rules_leaves_the_result_alone(capsys):
    pack = ROOT / "tests" / "fixtures" / "packs" / "mini-pack"
    code, out, err = run(capsys, "check", "--preview-json", FIXTURE, "--policy-pack", pack, "--format", "json")
    doc = json.loads(out)
    assert "changes" not in doc and change_violations(doc) == []
    assert [p["name"] for p in doc["summary"]["policyPacks"]] == ["fixture-pack"]
    assert code == doc["summary"]["exitCode"]
