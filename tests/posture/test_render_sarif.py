"""`--format sarif`: SARIF 2.1.0 (problems only), validated offline against the official schema."""

import copy
import hashlib
import json

import jsonschema
import pytest

from posture.capture import Registration
from posture.render.sarif import SARIF_SCHEMA_FILE, fingerprint, sarif_schema, to_sarif
from posture.results import Violation
from tests.posture.render_samples import (
    FIX, MINI, PACK, STACK_URN, VAULT_URN, VM_URN, posture, run_real, sample_result,
)

STACK_FILE = """\
config:
  azure-native:location: westeurope
  proj:workloads:
    database:
      tier: database
    app:
      tier: app-server
"""


def validate(doc):
    jsonschema.Draft4Validator(sarif_schema(), format_checker=jsonschema.FormatChecker()).validate(doc)


def test_bundled_schema_is_the_official_sarif_2_1_0_schema():
    schema = sarif_schema()
    assert schema["id"] == ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                            "sarif-schema-2.1.0.json")
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert hashlib.sha256(SARIF_SCHEMA_FILE.read_bytes()).hexdigest() == (
        "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e")


def test_the_validator_rejects_invalid_logs():
    doc = to_sarif(sample_result(), env={})
    validate(doc)
    for mutate in (
        lambda d: d.pop("version"),
        lambda d: d["runs"][0]["results"][0].__setitem__("level", "fatal"),
        lambda d: d["runs"][0]["tool"]["driver"].pop("name"),
        lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].__setitem__(
            "startLine", 0),
        lambda d: d["runs"][0]["results"][0].__setitem__("message", {}),
    ):
        bad = copy.deepcopy(doc)
        mutate(bad)
        with pytest.raises(jsonschema.ValidationError):
            validate(bad)


def rule(rid, short, full, help_text, level, props, help_uri=None, enabled=None):
    d = {"id": rid, "shortDescription": {"text": short}, "fullDescription": {"text": full},
         "help": help_text}
    if help_uri:
        d["helpUri"] = help_uri
    d["defaultConfiguration"] = {"level": level, **({"enabled": enabled} if enabled is not None else {})}
    d["properties"] = props
    return d


def location(uri, line, urn, name):
    return {
        "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}},
        "logicalLocations": [{"fullyQualifiedName": urn, "kind": "resource", "name": name}],
    }


def test_sample_sarif_is_exact(tmp_path):
    (tmp_path / "Pulumi.dev.yaml").write_text(STACK_FILE)
    doc = to_sarif(sample_result(), project_dir=tmp_path, env={})
    validate(doc)
    uri = (tmp_path / "Pulumi.dev.yaml").as_uri()  # outside the working directory: an absolute file URI
    geo_help = "Set the vault's storage redundancy to GeoRedundant.\n\n```python\nx = 1\n```"
    assert doc == {
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dr-pack",
                "informationUri": "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                "rules": [
                    rule("vault-geo-redundant", "Vaults store backups geo-redundantly.",
                         "Vaults store backups geo-redundantly.\n\nSource: Seed: Appendix",
                         {"text": geo_help + "\n\nSee https://example.invalid/geo",
                          "markdown": geo_help + "\n\n[Documentation](https://example.invalid/geo)"},
                         "error", {"tags": ["AZDR-RSV-001", "security"], "enforcementLevel": "mandatory",
                                   "policyType": "resource", "ruleId": "AZDR-RSV-001", "severity": "critical",
                                   "security-severity": "9.5"},
                         help_uri="https://example.invalid/geo"),
                    rule("vm-agent-provisioned", "Protected VMs have their VM agent.",
                         "Protected VMs have their VM agent.",
                         {"text": "Set osProfile.linuxConfiguration.provisionVMAgent to true.",
                          "markdown": "Set osProfile.linuxConfiguration.provisionVMAgent to true."},
                         "warning", {"tags": ["backup", "AZDR-BKP-010", "security"], "enforcementLevel": "advisory",
                                     "policyType": "resource", "ruleId": "AZDR-BKP-010", "severity": "high",
                                     "security-severity": "8.0"}),
                    rule("vault-delete-lock", "Vaults are locked.", "Vaults are locked.",
                         {"text": "Vaults are locked.", "markdown": "Vaults are locked."},
                         "error", {"tags": [], "enforcementLevel": "mandatory", "policyType": "stack"}),
                    rule("old-rule", "Disabled.", "Disabled.", {"text": "Disabled.", "markdown": "Disabled."},
                         "none", {"tags": ["security"], "enforcementLevel": "disabled", "policyType": "resource",
                                  "severity": "low", "security-severity": "3.0"}, enabled=False),
                ],
                "version": "0.1.0",
                "fullName": "DR",
                "shortDescription": {"text": "DR posture."},
            }},
            "automationDetails": {"id": "dr-posture/dev/"},
            "results": [
                {
                    "ruleId": "vault-geo-redundant",
                    "level": "error",
                    "message": {"text": "Vaults store backups geo-redundantly.\n[AZDR-RSV-001] vault "
                                        "'rsv-dr-westeurope' is 'LocallyRedundant' (exemption for 'rsv-*' expired "
                                        "on 2024-12-31: GRS migration in OPS-12)"},
                    # the vault's dr-workload names two workloads: line 1
                    "locations": [location(uri, 1, VAULT_URN, "rsv-dr-westeurope")],
                    "partialFingerprints": {"drPostureFinding/v1": hashlib.sha256(
                        f"vault-geo-redundant\x00{VAULT_URN}".encode()).hexdigest()},
                    "ruleIndex": 0,
                    "properties": {"enforcementLevel": "mandatory", "severity": "critical", "ruleId": "AZDR-RSV-001",
                                   "resourceType": "azure-native:recoveryservices:Vault",
                                   "expiredExemption": {"resource": "rsv-*", "expires": "2024-12-31",
                                                        "reason": "GRS migration in OPS-12"}},
                },
                {
                    "ruleId": "vm-agent-provisioned",
                    "level": "warning",
                    "message": {"text": "Protected VMs have their VM agent.\n[AZDR-BKP-010] VM 'vm-app-0' has <no> "
                                        "agent\nsecond line"},
                    # dr-workload "app": the line of `app:` under proj:workloads
                    "locations": [location(uri, 6, VM_URN, "vm-app-0")],
                    "partialFingerprints": {"drPostureFinding/v1": hashlib.sha256(
                        f"vm-agent-provisioned\x00{VM_URN}".encode()).hexdigest()},
                    "ruleIndex": 1,
                    "properties": {"enforcementLevel": "advisory", "severity": "high", "ruleId": "AZDR-BKP-010",
                                   "resourceType": "azure-native:compute:VirtualMachine"},
                },
                {
                    "ruleId": "vault-delete-lock",
                    "level": "error",
                    "message": {"text": "Vaults are locked.\n[AZDR-RSV-006] no CanNotDelete lock on any vault"},
                    # a stack-wide finding: the stack's URN
                    "locations": [location(uri, 1, STACK_URN, "proj-dev")],
                    "partialFingerprints": {"drPostureFinding/v1": hashlib.sha256(
                        b"vault-delete-lock\x00").hexdigest()},
                    "ruleIndex": 2,
                    "properties": {"enforcementLevel": "mandatory", "severity": "unspecified",
                                   "ruleId": "AZDR-RSV-006"},
                },
            ],
            "properties": {"source": "program", "stack": "dev", "resourceCount": 3,
                           "gaps": ["no provider Check", "outputs come from <mocks>"],
                           "unavailableSecureKeys": ["proj:apiToken"]},
        }],
    }


def test_clean_run_has_a_valid_empty_results_array():
    doc = to_sarif(sample_result(violations=[]), env={})
    validate(doc)
    run = doc["runs"][0]
    assert run["results"] == []
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [
        "vault-geo-redundant", "vm-agent-provisioned", "vault-delete-lock", "old-rule"]


def test_locations_relative_to_the_working_directory_and_fallbacks(tmp_path, monkeypatch):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "Pulumi.dev.yaml").write_text(STACK_FILE)
    monkeypatch.chdir(tmp_path)
    res = to_sarif(sample_result(), project_dir="infra", env={})["runs"][0]["results"]
    assert [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in res] == [
        ("infra/Pulumi.dev.yaml", 1), ("infra/Pulumi.dev.yaml", 6), ("infra/Pulumi.dev.yaml", 1)]
    # no stack file (e.g. `check` run elsewhere): still a location, line 1
    res = to_sarif(sample_result(), env={})["runs"][0]["results"]
    assert {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in res} == {("Pulumi.dev.yaml", 1)}
    # a database VM: the `database:` line; an unknown or missing workload: line 1
    result = sample_result()
    for workload, line in (("database", 4), ("nope", 1), (None, 1)):
        result.resources[2] = Registration(VM_URN, "azure-native:compute:VirtualMachine", "vm-app-0", True,
                                           inputs={"tags": {"dr-workload": workload}} if workload else {})
        res = to_sarif(result, project_dir="infra", env={})["runs"][0]["results"]
        assert res[1]["locations"][0]["physicalLocation"]["region"]["startLine"] == line


def test_fingerprints_are_stable_per_policy_and_resource():
    result = sample_result()
    a = to_sarif(result, env={})["runs"][0]["results"][1]["partialFingerprints"]
    result.violations[0] = Violation("dr-pack", "0.1.0", "vm-agent-provisioned", "advisory", VM_URN,
                                     "Protected VMs have their VM agent.\n[AZDR-BKP-010] another value", "")
    assert to_sarif(result, env={})["runs"][0]["results"][1]["partialFingerprints"] == a
    assert fingerprint("vm-agent-provisioned", VM_URN) != fingerprint("vm-agent-provisioned", VAULT_URN)
    assert fingerprint("vm-agent-provisioned", VM_URN) != fingerprint("vault-geo-redundant", VM_URN)


def test_levels_information_uri_and_unknown_packs():
    result = sample_result(violations=[
        Violation("dr-pack", "0.1.0", "vault-geo-redundant", "remediate", VAULT_URN, "x", ""),
        Violation("other-pack", "2.0.0", "foreign", "advisory", VM_URN, "Foreign.\nfound", "Foreign."),
    ])
    doc = to_sarif(result, env={"GITHUB_SERVER_URL": "https://github.com/", "GITHUB_REPOSITORY": "o/r"})
    validate(doc)
    assert [(r["tool"]["driver"]["name"], r["tool"]["driver"]["version"], r["tool"]["driver"]["informationUri"])
            for r in doc["runs"]] == [("dr-pack", "0.1.0", "https://github.com/o/r"),
                                      ("other-pack", "2.0.0", "https://github.com/o/r")]
    assert [(r["ruleId"], r["level"], "ruleIndex" in r) for run in doc["runs"] for r in run["results"]] == [
        ("vault-geo-redundant", "error", True), ("foreign", "warning", False)]
    assert doc["runs"][1]["tool"]["driver"]["rules"] == []


# ---------------------------------------------------------------- through the CLI


def test_cli_preview_sarif_on_the_fixture(tmp_path):
    code, out, err = posture("preview", "--project-dir", MINI, "--policy-pack", PACK, "--stack", "big",
                             "--format", "sarif")
    assert code == 1, err
    doc = json.loads(out)
    validate(doc)
    (run,) = doc["runs"]
    assert (run["tool"]["driver"]["name"], run["tool"]["driver"]["version"]) == ("fixture-pack", "1.2.3")
    assert [(r["id"], r["defaultConfiguration"]["level"]) for r in run["tool"]["driver"]["rules"]] == [
        ("thing-count-limit", "error"), ("things-protected", "warning"), ("stack-has-resource-group", "warning")]
    consumer = "urn:pulumi:big::mini::fixture:app:Outer$fixture:index:Thing::app-consumer"
    assert [(r["ruleId"], r["ruleIndex"], r["level"], r["message"]["text"].splitlines()[-1],
             r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
             r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]] == [
        ("thing-count-limit", 0, "error", "count 3 exceeds maxCount 2.", consumer,
         "tests/fixtures/projects/mini/Pulumi.big.yaml"),
        # unknown (preview) location: the SDK's advisory is a warning
        ("thing-count-limit", 0, "warning", "can't run policy 'thing-count-limit' from policy pack "
         "'fixture-pack@v0.0.1' during preview: string value at .location can't be known during preview",
         consumer, "tests/fixtures/projects/mini/Pulumi.big.yaml"),
        ("things-protected", 1, "warning", "Thing 'app-consumer' (parent app) is not protected.", consumer,
         "tests/fixtures/projects/mini/Pulumi.big.yaml"),
    ]
    # the passing stack (advisories only) keeps exit 0
    code, out, err = posture("preview", "--project-dir", MINI, "--policy-pack", PACK, "--stack", "dev",
                             "--format", "sarif")
    assert code == 0, err
    doc = json.loads(out)
    validate(doc)
    # dev sets azure-native:location, so the consumer's location (the group's, filled in by the provider's
    # default) is known: only the things-protected advisory remains
    assert [(r["ruleId"], r["level"]) for r in doc["runs"][0]["results"]] == [("things-protected", "warning")]


def test_cli_check_sarif_keeps_the_exit_code():
    doc_path = FIX / "documents" / "preview.json"
    code, out, err = posture("check", "--preview-json", doc_path, "--policy-pack", PACK, "--format", "sarif")
    assert code == 1, err
    doc = json.loads(out)
    validate(doc)
    assert [(r["ruleId"], r["level"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"])
            for r in doc["runs"][0]["results"]] == [
        ("thing-count-limit", "error", "urn:pulumi:dev::mini::fixture:index:Thing::new"),
        ("stack-has-resource-group", "warning", "urn:pulumi:dev::mini::pulumi:pulumi:Stack::mini-dev"),
        ("thing-count-limit", "warning", "urn:pulumi:dev::mini::fixture:index:Thing::new"),
    ]
    # `check` has no project dir: the stack file is named relative to the working directory
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in doc["runs"][0]["results"]} == {"Pulumi.dev.yaml"}
    assert doc["runs"][0]["properties"]["source"] == "preview-json"


def test_real_pack_sarif_carries_ids_severity_and_the_expired_exemption(lrs_project):
    code, out, err = run_real(lrs_project, "sarif")
    assert code == 1, err + out
    doc = json.loads(out)
    validate(doc)
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("azure-iaas-dr-posture", "0.1.0")
    rules = {r["id"]: r for r in driver["rules"]}
    geo = rules["vault-storage-geo-redundant"]
    assert (geo["properties"]["ruleId"], geo["properties"]["severity"], geo["properties"]["security-severity"],
            geo["defaultConfiguration"]["level"]) == ("AZDR-RSV-001", "critical", "9.5", "error")
    assert geo["helpUri"].startswith("https://") and "```python" in geo["help"]["markdown"]
    # other rules may fire on the weakened vault too (the catalog grows): look at this rule's results
    errors = [r for r in run["results"] if r["ruleId"] == "vault-storage-geo-redundant"]
    assert [(r["level"], r["properties"]["expiredExemption"]) for r in errors] == [
        ("error", {"resource": "vault-westeurope-*", "expires": "2024-12-31", "reason": "GRS migration in OPS-12"})]
    assert driver["rules"][errors[0]["ruleIndex"]]["id"] == "vault-storage-geo-redundant"
    assert errors[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        (lrs_project / "Pulumi.dev.yaml").as_uri())
    assert all(r["level"] in ("error", "warning") and r["properties"]["severity"] for r in run["results"])
