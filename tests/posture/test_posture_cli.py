"""`python -m posture` as a user runs it: outputs, exit codes, clear one-line errors."""

import json
import os
import shutil
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
    assert [r["name"] for r in doc["resources"]] == ["mini-dev", "rg", "app", "app-inner", "app-inner-thing", "app-consumer",
                                                     "default_3_29_0", "default"]  # tree order: providers last
    assert doc["resources"][5]["inputs"]["location"] == "westeurope"  # the provider's default location
    assert doc["resources"][5]["inputs"]["resourceGroupName"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert doc["resources"][5]["parent"] == "urn:pulumi:dev::mini::fixture:app:Outer::app"
    # the pack received the secret's value (see test_posture_analyzer); the output never shows it
    assert doc["resources"][5]["inputs"]["token"] == "[secret]"
    assert "s3cr3t" not in out
    # the location is the provider's default (azure-native:location), known: no preview advisory for it
    assert [(v["policyName"], v["enforcementLevel"]) for v in doc["violations"]] == [("things-protected", "advisory")]
    assert set(doc["violations"][0]) == {"policyPackName", "policyName", "enforcementLevel", "resourceUrn", "message"}
    s = doc["summary"]
    assert (s["mandatory"], s["advisory"], s["exitCode"], s["unavailableSecureKeys"]) == (0, 1, 0, ["mini:apiToken"])
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
    assert out.rstrip().endswith("Summary: 8 resources, 1 mandatory and 2 advisory policy violations "
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


# ---------------------------------------------------------------- bad input, every subcommand: exit 2, one line


@pytest.fixture(scope="module")
def bad_projects(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    (root / "empty").mkdir()
    (root / "badyaml").mkdir()
    (root / "badyaml" / "Pulumi.yaml").write_text("name: x\nruntime: [python\n")
    (root / "badyaml" / "__main__.py").write_text("")
    shutil.copytree(MINI, root / "mini", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "mini" / "Pulumi.list.yaml").write_text("- a\n- b\n")
    (root / "mini" / "Pulumi.scalar.yaml").write_text("config: 3\n")
    (root / "notjson.json").write_text("{'all': 'mandatory'}")
    (root / "levels.json").write_text('{"all": "sometimes"}')
    crash = root / "crash-pack"
    crash.mkdir()
    (crash / "__main__.py").write_text("raise ImportError('no module named azdr_policies')\n")
    return root


BAD_CASES = [
    (["preview", "--project-dir", "{root}/empty"], "error: {root}/empty/Pulumi.yaml: Pulumi project file not found"),
    (["preview", "--project-dir", "{root}/nowhere"], "error: {root}/nowhere: project directory not found"),
    (["preview", "--project-dir", "{root}/badyaml"],
     "error: {root}/badyaml/Pulumi.yaml: not valid YAML (line 3, column 1): expected ',' or ']', but got '<stream end>'"),
    (["preview", "--project-dir", "{root}/mini", "--stack", "list", "--policy-pack", str(PACK)],
     "error: {root}/mini/Pulumi.list.yaml: must be a YAML mapping with a `config:` map"),
    (["preview", "--project-dir", "{root}/mini", "--stack", "scalar", "--policy-pack", str(PACK)],
     "error: {root}/mini/Pulumi.scalar.yaml: `config` must be a mapping of keys to values"),
    (["preview", "--project-dir", "{root}/mini", "--stack", "../dev", "--policy-pack", str(PACK)],
     "error: stack name '../dev' is invalid: use letters, digits, `-`, `_` or `.` (at most 100), "
     "optionally as `org/project/stack`"),
    (["preview", "--project-dir", "{root}/mini", "--policy-pack", str(PACK), "--policy-pack-config", "{root}/notjson.json"],
     "error: {root}/notjson.json: policy pack config is not valid JSON: "
     "Expecting property name enclosed in double quotes (line 1)"),
    (["preview", "--project-dir", "{root}/mini", "--policy-pack", str(PACK), "--policy-pack-config", "{root}/levels.json"],
     "error: {root}/levels.json: parsing enforcement level for 'all': 'sometimes' is not a valid enforcement level "
     "(allowed: advisory, mandatory, disabled, remediate)"),
    (["preview", "--project-dir", "{root}/mini", "--policy-pack", "{root}/no-pack"],
     "error: {root}/no-pack: policy pack directory not found"),
    (["preview", "--project-dir", "{root}/mini", "--policy-pack", "{root}/crash-pack"],
     "error: {root}/crash-pack: policy pack failed to start: ImportError: no module named azdr_policies"),
    (["check", "--stack-export", str(FIX / "documents" / "stack-export-v3.json"), "--policy-pack", "{root}/crash-pack"],
     "error: {root}/crash-pack: policy pack failed to start: ImportError: no module named azdr_policies"),
    (["check", "--stack-export", "{root}/nope.json", "--policy-pack", str(PACK)],
     "error: {root}/nope.json: cannot read stack export: No such file or directory"),
    (["check", "--preview-json", str(FIX / "documents" / "stack-export-v3.json"), "--policy-pack", str(PACK)],
     "error: " + str(FIX / "documents" / "stack-export-v3.json") + ": not a `pulumi preview --json` document (no `steps` list)"),
    (["runbook", "--project-dir", "{root}/mini", "--stack", "missing"],
     "error: {root}/mini/Pulumi.missing.yaml: stack config file not found (is the stack name `missing` right?)"),
    (["report", "--project-dir", "{root}/empty"], "error: {root}/empty/Pulumi.yaml: Pulumi project file not found"),
]


@pytest.mark.parametrize(("args", "message"), BAD_CASES, ids=[
    "no-Pulumi.yaml", "no-project-dir", "Pulumi.yaml-syntax", "stack-file-list", "stack-config-scalar",
    "bad-stack-name", "pack-config-not-json", "pack-config-bad-level", "no-pack-dir", "pack-crashes-preview",
    "pack-crashes-check", "check-missing-file", "check-wrong-document", "runbook-missing-stack", "report-no-project",
])
def test_bad_input_exits_2_with_one_clear_line(bad_projects, args, message):
    code, out, err = posture(*[a.format(root=bad_projects) for a in args])
    assert (code, out) == (2, ""), err
    no_traceback(err)
    assert err.strip() == message.format(root=bad_projects)


def test_check_exit_0_when_no_mandatory_violation(tmp_path):
    cfg = tmp_path / "advisory.json"
    cfg.write_text('{"thing-count-limit": {"enforcementLevel": "advisory"}, "things-protected": "disabled"}')
    code, out, err = posture("check", "--stack-export", FIX / "documents" / "stack-export-v3.json", "--policy-pack", PACK,
                             "--policy-pack-config", cfg, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    p = "urn:pulumi:prod::mini::fixture:index:Thing::"
    assert [(v["policyName"], v["enforcementLevel"], v["resourceUrn"]) for v in doc["violations"]] == [
        ("stack-has-resource-group", "advisory", ""),
        ("thing-count-limit", "advisory", p + "big"),
        ("thing-count-limit", "advisory", p + "small"),
    ]
    assert (doc["summary"]["mandatory"], doc["summary"]["advisory"], doc["summary"]["exitCode"]) == (0, 3, 0)


def test_check_stack_export_v4_never_prints_secrets():
    code, out, err = posture("check", "--stack-export", FIX / "documents" / "stack-export-v4.json", "--policy-pack", PACK,
                             "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    vault = next(r for r in doc["resources"] if r["name"] == "vault")
    assert (vault["inputs"]["plain"], vault["inputs"]["cipher"]) == ("[secret]", "[secret]")
    assert "admin" not in out and "1234" not in out
    assert doc["summary"]["stack"] == "qa"


def test_fully_qualified_stack_name_uses_the_short_name():
    code, out, err = preview("--stack", "acme/mini/dev", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["resources"][0]["urn"] == "urn:pulumi:dev::mini::pulumi:pulumi:Stack::mini-dev"


def test_runbook_and_report_exit_0():
    for args in (["runbook"], ["report", "--format", "json"]):
        code, out, err = posture(*args, "--project-dir", MINI, "--stack", "dev")
        assert (code, err) == (0, ""), err
        assert out.strip()


# ---------------------------------------------------------------- --engine pulumi hands over to the CLI

FAKE_PULUMI = """#!/bin/sh
printf '%s\\n' "$PWD" "$@" > "$FAKE_PULUMI_LOG"
echo "fake pulumi ran"
exit "${FAKE_PULUMI_EXIT:-0}"
"""


@pytest.fixture
def fake_pulumi(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "pulumi"
    exe.write_text(FAKE_PULUMI)
    exe.chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
               FAKE_PULUMI_LOG=str(tmp_path / "argv.txt"))
    return env, tmp_path / "argv.txt"


@pytest.mark.parametrize("exit_code", [0, 1, 255])
def test_engine_pulumi_passes_stack_pack_and_config_and_exits_with_pulumis_code(fake_pulumi, exit_code):
    env, log = fake_pulumi
    env["FAKE_PULUMI_EXIT"] = str(exit_code)
    code, out, err = posture("preview", "--engine", "pulumi", "--stack", "acme/dr/prod", "--project-dir", MINI,
                             "--policy-pack", PACK, "--policy-pack-config", FIX / "policy-config-relax.json", env=env)
    assert (code, out, err) == (exit_code, "fake pulumi ran\n", "")
    assert log.read_text().splitlines() == [
        str(MINI), "preview", "--stack", "acme/dr/prod", "--policy-pack", str(PACK),
        "--policy-pack-config", str(FIX / "policy-config-relax.json"),
    ]


def test_engine_pulumi_default_pack_is_the_projects_policies_dir(fake_pulumi):
    env, log = fake_pulumi
    code, _, err = posture("preview", "--engine", "pulumi", env=env)
    assert code == 0, err
    assert log.read_text().splitlines() == [str(ROOT), "preview", "--stack", "dev", "--policy-pack", str(ROOT / "policies")]


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "json"], "error: --format json needs the offline engine: `pulumi preview` prints no policy results "
     "in --json; run `pulumi preview --json > preview.json` and then "
     "`python -m posture check --preview-json preview.json --format json`"),
    (["--policy-pack-config", str(FIX / "nope.json")],
     f"error: {FIX / 'nope.json'}: cannot read policy pack config: No such file or directory"),
    (["--project-dir", str(FIX / "nowhere")], f"error: --project-dir {FIX / 'nowhere'}: project directory not found"),
])
def test_engine_pulumi_bad_input_exits_2_without_running_pulumi(fake_pulumi, args, message):
    env, log = fake_pulumi
    code, out, err = posture("preview", "--engine", "pulumi", *args, env=env)
    assert (code, out) == (2, "")
    no_traceback(err)
    assert err.strip() == message
    assert not log.exists()


# ---------------------------------------------------------------- the CLI's own process skips the last collection


def test_main_tells_the_run_that_the_process_ends(monkeypatch):
    from posture import cli

    calls = []
    monkeypatch.setattr(cli, "run", lambda argv=None, **kw: calls.append((argv, kw)) or 7)
    with pytest.raises(SystemExit) as e:
        cli.main()
    assert (e.value.code, calls) == (7, [(None, {"process_ends": True})])


@pytest.mark.parametrize("command", [["preview", "--policy-pack", PACK], ["runbook"], ["report"]])
@pytest.mark.parametrize("process_ends", [True, False])
def test_every_capture_of_the_cli_is_told_whether_the_process_ends(monkeypatch, command, process_ends):
    """`posture.capture.capture_program` freezes instead of collecting only when asked; `run()` (tests, callers
    that go on) never asks."""
    import posture.capture
    from posture import cli
    from posture.errors import PostureError

    seen = []

    def spy(*_a, **kw):
        seen.append(kw["process_ends"])
        raise PostureError("stopped by the test")

    monkeypatch.setattr(posture.capture, "capture_program", spy)
    argv = [command[0], "--project-dir", str(MINI), "--stack", "dev", *map(str, command[1:])]
    code = cli.run(argv, process_ends=True) if process_ends else cli.run(argv)
    assert (code, seen) == (2, [process_ends])
