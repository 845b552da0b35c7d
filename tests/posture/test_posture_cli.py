"""`python -m posture` as a user runs it: outputs, exit codes, clear one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
MINI = FIX / "projects" / "mini"
PACK = FIX / "packs" / "mini-pack"


def posture(*args, env=None):
    proc = subprocess.run(
        [sys.executable, "-m", "posture", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
        env=env, timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr


def preview(*args):
    return posture("preview", "--project-dir", MINI, "--policy-pack", PACK, *args)


def no_traceback(stderr: str):
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_preview_json_passing_stack_exits_0():
    code, out, err = preview("--stack", "dev", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc) == ["resources", "violations", "summary"]
    assert [r["name"] for r in doc["resources"]] == ["mini-dev", "rg", "app", "app-inner", "app-inner-thing", "app-consumer"]
    assert doc["resources"][5]["inputs"]["location"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert doc["resources"][5]["parent"] == "urn:pulumi:dev::mini::fixture:app:Outer::app"
    assert [(v["policyName"], v["enforcementLevel"]) for v in doc["violations"]] == [
        ("thing-count-limit", "advisory"), ("things-protected", "advisory"),
    ]
    assert set(doc["violations"][0]) == {"policyPackName", "policyName", "enforcementLevel", "resourceUrn", "message"}
    s = doc["summary"]
    assert (s["mandatory"], s["advisory"], s["exitCode"], s["unavailableSecureKeys"]) == (0, 2, 0, ["mini:apiToken"])
    assert s["policyPacks"] == [{"name": "fixture-pack", "version": "1.2.3"}]
    assert any("no provider Check" in g for g in s["gaps"])
    # deterministic
    assert preview("--stack", "dev", "--format", "json")[1] == out


def test_preview_text_mandatory_violation_exits_1():
    code, out, err = preview("--stack", "big")
    assert code == 1, err
    assert "\x1b[" not in out  # not a TTY: no colour
    assert "It cannot see:" in out and "secure config ({secure: ...}) cannot be decrypted offline" in out
    assert "    pulumi:pulumi:Stack  mini-big\n        azure-native:resources:ResourceGroup  rg\n" in out
    assert "                fixture:index:Thing  app-inner-thing\n" in out
    assert (
        "    fixture-pack@v1.2.3 (failed)\n"
        "        - mandatory: [thing-count-limit] Things stay within their count limit.\n"
        "          count 3 exceeds maxCount 2.\n"
        "          resource: urn:pulumi:big::mini::fixture:app:Outer$fixture:index:Thing::app-consumer\n"
    ) in out
    assert out.rstrip().endswith("Summary: 6 resources, 1 mandatory and 2 advisory policy violations "
                                 "(mandatory violations: exit 1)")


def test_policy_pack_config_file_relaxes_to_exit_0():
    code, out, err = preview("--stack", "big", "--policy-pack-config", FIX / "policy-config-relax.json", "--format", "json")
    assert code == 0, err
    assert [v["policyName"] for v in json.loads(out)["violations"]] == ["thing-count-limit"]  # preview unknown only


def test_all_mandatory_config_file_exits_1():
    code, out, _ = preview("--stack", "dev", "--policy-pack-config", FIX / "policy-config-all-mandatory.json",
                           "--format", "json")
    assert code == 1
    assert json.loads(out)["summary"]["mandatory"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stack", "dev", "--policy-pack-config", FIX / "policy-config-invalid.json"],
         "error: policy pack config is invalid: thing-count-limit: maxCount: 0 is less than the minimum of 1.0"),
        (["--stack", "dev", "--policy-pack-config", FIX / "nope.json"],
         f"error: {FIX / 'nope.json'}: cannot read policy pack config: No such file or directory"),
        (["--stack", "badreplicas"], "error: mini:replicas must be >= 1, got 0"),
        (["--stack", "crash"],
         f"error: program failed: KeyError: 'boom' (at {MINI / '__main__.py'}:13 in <module>)"),
        (["--stack", "missing"],
         f"error: {MINI / 'Pulumi.missing.yaml'}: stack config file not found (is the stack name `missing` right?)"),
    ],
    ids=["schema-invalid-config", "missing-config-file", "run-error", "program-crash", "missing-stack"],
)
def test_bad_input_exits_2_with_one_line(args, message):
    code, out, err = preview(*args)
    assert code == 2
    assert out == ""
    no_traceback(err)
    assert err.strip() == message


def test_check_stack_export_and_preview_json():
    code, out, err = posture("check", "--stack-export", FIX / "documents" / "stack-export-v3.json",
                             "--policy-pack", PACK, "--format", "json")
    assert code == 1, err
    doc = json.loads(out)
    assert doc["violations"][0] == {
        "policyPackName": "fixture-pack", "policyName": "thing-count-limit", "enforcementLevel": "mandatory",
        "resourceUrn": "urn:pulumi:prod::mini::fixture:index:Thing::big",
        "message": "Things stay within their count limit.\ncount 5 exceeds maxCount 2.",
    }
    assert {"policyPackName": "fixture-pack", "policyName": "stack-has-resource-group",
            "enforcementLevel": "advisory", "resourceUrn": "",
            "message": "The stack has a resource group.\nThe stack declares no resource group."} in doc["violations"]
    assert [r["name"] for r in doc["resources"]] == ["mini-prod", "big", "small", "default"]  # tree order
    assert doc["resources"][1]["inputs"]["token"] == "[secret]"
    assert doc["summary"]["source"] == "stack-export"
    code, out, err = posture("check", "--preview-json", FIX / "documents" / "preview.json", "--policy-pack", PACK)
    assert code == 1, err
    assert "resource: (stack)" in out


def test_check_bad_document_exits_2(tmp_path):
    bad = tmp_path / "export.json"
    bad.write_text('{"version": 2, "deployment": {}}')
    code, out, err = posture("check", "--stack-export", bad, "--policy-pack", PACK)
    assert code == 2 and out == ""
    no_traceback(err)
    assert err.strip() == f"error: {bad}: deployment version 2 is not supported (supported: 3, 4)"
    bad.write_text("{not json")
    code, _, err = posture("check", "--preview-json", bad, "--policy-pack", PACK)
    assert code == 2
    assert err.strip() == f"error: {bad}: preview JSON is not valid JSON: Expecting property name enclosed in double quotes (line 1)"


def test_engine_pulumi_without_cli_exits_2():
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    env["PATH"] = str(Path(sys.executable).parent.parent / "no-such-dir")
    proc = subprocess.run([sys.executable, "-m", "posture", "preview", "--engine", "pulumi"], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    no_traceback(proc.stderr)
    assert "the Pulumi CLI is not installed" in proc.stderr and "https://www.pulumi.com/docs/install/" in proc.stderr


def test_usage_error_exits_2():
    code, out, err = posture("preview", "--format", "yaml")
    assert code == 2
    assert "invalid choice: 'yaml'" in err and "Traceback" not in err
