"""`.github/workflows/dr-posture.yml`: parses, gates on the preview, and calls the CLI with arguments it accepts."""

import shlex
import subprocess
from pathlib import Path

import yaml

from posture.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "dr-posture.yml"


def load():
    doc = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(doc, dict)
    return doc


def steps():
    return load()["jobs"]["posture"]["steps"]


def step(name_part):
    (s,) = [s for s in steps() if name_part in s.get("name", "")]
    return s


def test_workflow_parses_and_runs_on_pull_requests_with_the_permissions_it_needs():
    doc = load()
    on = doc.get("on", doc.get(True))  # YAML 1.1: a bare `on` key loads as True
    assert "pull_request" in on
    assert doc["permissions"] == {"contents": "read", "id-token": "write", "security-events": "write",
                                  "pull-requests": "write"}
    job = doc["jobs"]["posture"]
    assert job["env"]["STACK"] == "dev"
    for secret in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID", "PULUMI_BACKEND_URL",
                   "PULUMI_CONFIG_PASSPHRASE"):
        assert job["env"][secret] == "${{ secrets.%s }}" % secret
    uses = [s.get("uses", "").split("@")[0] for s in job["steps"]]
    assert uses == ["actions/checkout", "actions/setup-python", "", "", "azure/login", "pulumi/actions", "", "",
                    "", "github/codeql-action/upload-sarif", "marocchino/sticky-pull-request-comment", ""]
    assert job["steps"][1]["with"] == {"python-version": "3.11"}
    assert job["steps"][2]["run"].strip() == "make install"
    assert "\ninstall: " in "\n" + (ROOT / "Makefile").read_text()


def test_real_preview_only_with_credentials_and_the_offline_engine_otherwise():
    mode = step("Choose the engine")["run"]
    for var in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID", "PULUMI_BACKEND_URL"):
        assert f'[ -n "${var}" ]' in mode
    assert step("Azure login")["if"] == "steps.mode.outputs.engine == 'pulumi'"
    assert step("Azure login")["with"] == {"client-id": "${{ secrets.AZURE_CLIENT_ID }}",
                                            "tenant-id": "${{ secrets.AZURE_TENANT_ID }}",
                                            "subscription-id": "${{ secrets.AZURE_SUBSCRIPTION_ID }}"}
    real = step("pulumi preview")
    assert real["if"] == "steps.mode.outputs.engine == 'pulumi'"
    assert ('pulumi preview --policy-pack policies --stack "$STACK" --json --show-sames --non-interactive '
            "> preview.json\ngate=$?\n") in real["run"]
    # the change rules on the real preview gate too (posture/changes.py)
    assert ("--format sarif > posture.sarif\nchanges=$?\n"
            'if [ "$gate" -eq 0 ]; then gate=$changes; fi\n') in real["run"]
    offline = step("Offline preview")
    assert offline["if"] == "steps.mode.outputs.engine == 'offline'"
    assert 'venv/bin/python -m posture preview --stack "$STACK" --format sarif > posture.sarif\ngate=$?\n' in offline["run"]


def test_the_job_exit_code_is_the_gate():
    for name in ("pulumi preview", "Offline preview"):
        run = step(name)["run"]
        assert run.startswith("set +e\n") and run.rstrip().endswith("exit 0")
        assert 'echo "POSTURE_GATE=$gate" >> "$GITHUB_ENV"' in run
    gate = steps()[-1]
    assert (gate["name"], gate["if"], gate["run"].strip()) == ("Gate", "always()", 'exit "${POSTURE_GATE:-2}"')
    upload = step("Upload SARIF")
    assert upload["continue-on-error"] is True and upload["if"] == "always() && hashFiles('posture.sarif') != ''"
    assert upload["with"] == {"sarif_file": "posture.sarif", "category": "dr-posture-${{ env.STACK }}"}
    comment = step("Comment")
    assert comment["continue-on-error"] is True and comment["with"]["path"] == "posture.md"
    # nothing else may fail the job
    others = [s for s in steps() if s.get("if", "").startswith("always()") and s["name"] != "Gate"]
    assert all(s.get("continue-on-error") or s["name"] == "Summary" for s in others)


def test_every_posture_command_is_accepted_by_the_cli():
    parser = build_parser()
    seen = []
    for s in steps():
        for line in s.get("run", "").splitlines():
            if "-m posture" not in line:
                continue
            words = shlex.split(line.replace('"$STACK"', "dev"))
            words = words[: words.index(">")] if ">" in words else words
            assert words[:3] == ["venv/bin/python", "-m", "posture"]
            args = parser.parse_args(words[3:])
            seen.append((args.command, args.format, getattr(args, "preview_json", None)))
    assert sorted(seen) == [("check", "markdown", "preview.json"), ("check", "sarif", "preview.json"),
                            ("preview", "markdown", None), ("preview", "sarif", None)]


def test_every_run_script_is_valid_bash():
    for s in steps():
        if "run" in s:
            proc = subprocess.run(["bash", "-n"], input=s["run"], capture_output=True, text=True)
            assert proc.returncode == 0, (s["name"], proc.stderr)
