"""The README's Pulumi CLI commands, run by the real CLI on a real (local) stack: every `pulumi config set`
works and the program reads the result; the preview and checker commands of "Real use with the Pulumi CLI"
run as written (`pulumi up --policy-pack policies` is test_lifecycle.py's shared `pulumi up`)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.real_engine.harness import ROOT

README = (ROOT / "README.md").read_text()
LABEL = "20261202t0500z"


def sh_lines() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    return [line.split("   #")[0].strip() for b in blocks for line in b.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def config_set_lines() -> list[str]:
    return [line for line in sh_lines() if line.startswith("pulumi config set")]


def sh(engine, line: str, cwd, input: str | None = None) -> subprocess.CompletedProcess:
    env = {**engine.env_for(cwd), "n": "1", "label": LABEL}
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, input=input, capture_output=True, text=True,
                          timeout=600)


def test_readme_lists_the_config_commands_this_test_runs():
    assert config_set_lines() == [
        "pulumi config set azure-native:location westeurope",
        "pulumi config set --path 'azure-iaas-dr:workloads.database.tier' database",
        "pulumi config set --secret azure-iaas-dr:adminPassword",
        'pulumi config set --path "azure-iaas-dr:workloads.database.consistentSnapshots.pointsInTime[${n}]" '
        '"$label"',
    ]


def test_every_readme_config_set_works_and_the_program_reads_it(engine):
    run = engine.stack(ROOT, "dev", name="readme-config")
    for line in config_set_lines():
        p = sh(engine, line, run, input="Corr3ct-Horse-Battery!\n" if "--secret" in line else None)
        assert p.returncode == 0, (line, p.stderr)
    doc = (run / "Pulumi.dev.yaml").read_text()
    assert "Corr3ct-Horse-Battery!" not in doc and "adminPassword:\n    secure: v1:" in doc
    got = json.loads(engine.run("config", "--json", "--show-secrets", cwd=run).stdout)
    assert got["azure-iaas-dr:adminPassword"] == {"value": "Corr3ct-Horse-Battery!", "secret": True}
    assert got["azure-native:location"]["value"] == "westeurope"
    workloads = got["azure-iaas-dr:workloads"]["objectValue"]
    assert workloads["database"]["tier"] == "database"
    assert workloads["database"]["consistentSnapshots"]["pointsInTime"] == ["20260101t0000z", LABEL]
    # the program reads it: the new label is a new restore point per database VM, in a passing preview
    p = sh(engine, "pulumi preview --policy-pack policies --json", run)
    assert p.returncode == 0, p.stderr[-3000:]
    urns = {s["urn"].rsplit("::", 1)[1] for s in json.loads(p.stdout)["steps"]}
    assert {f"snapshots-database-database-vm-{i}-{LABEL}" for i in (0, 1)} <= urns
    assert {f"snapshots-database-database-vm-{i}-20260101t0000z" for i in (0, 1)} <= urns


def test_readme_checker_and_handover_commands_run_against_a_real_preview(engine):
    run = engine.stack(ROOT, "dev", name="readme-check")
    lines = sh_lines()
    handover = "venv/bin/python -m posture preview --stack dev --engine pulumi"
    check = "pulumi preview --json > preview.json          && venv/bin/python -m posture check --preview-json preview.json"
    assert handover in lines and check in lines
    p = sh(engine, handover.replace("venv/bin/python", sys.executable), run)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "Policies:" in p.stdout or "azure-iaas-dr-posture" in p.stdout, p.stdout[-2000:]
    p = sh(engine, check.replace("venv/bin/python", sys.executable), run)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "Resources (142)" in p.stdout


def test_make_real_preview_runs_the_real_cli_on_the_stack_file_with_pulumis_exit_status(engine):
    # the README's `make real-preview STACK=dev PULUMI_ARGS=--json`: stdout is pulumi's JSON, nothing else
    p = subprocess.run(["make", "-s", "real-preview", "STACK=dev", "PULUMI_ARGS=--json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    doc = json.loads(p.stdout)
    assert len(doc["steps"]) == 142  # the program's 141 resources and the prior-state StackReference read (the default provider is not a step in --json)
    assert "make real-preview" in README and "make real-up" in README and "make real-destroy" in README
    bad = subprocess.run(["make", "-s", "real-preview", "STACK=dev", "PULUMI_ARGS=--no-such-flag"], cwd=ROOT,
                         capture_output=True, text=True, timeout=900)
    assert bad.returncode != 0 and "unknown flag: --no-such-flag" in bad.stderr
