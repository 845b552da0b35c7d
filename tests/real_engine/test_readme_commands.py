"""The README's Pulumi CLI commands, run by the real CLI on a real (local) stack, extracted from README.md: every
`pulumi config set` works and the program reads the result; `pulumi preview --policy-pack policies` and
`pulumi up --policy-pack policies` of "Real use with the Pulumi CLI" run as written (then the scheduled
pipeline's new label, which the prior-state guard accepts only after that first `up`); the checker and
hand-over commands; and `make real-preview`, `make real-up`, `make real-destroy` as written, in a throwaway
AZDR_REAL_ENGINE_VAR directory (never the developer's .tools/state)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter

import pytest

from tests.real_engine.harness import ROOT
from tools.realengine import env as E

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


def real_use_lines() -> list[str]:
    """The commands of the README's first "Real use with the Pulumi CLI" block."""
    section = README.split("## Real use with the Pulumi CLI", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("   #")[0].strip() for line in block.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def custom_resources(export: dict) -> dict[str, str]:
    """urn -> id of what the provider created: custom resources, no providers, no StackReference reads."""
    return {r["urn"]: r["id"] for r in export["deployment"]["resources"]
            if r.get("custom") and not r["type"].startswith("pulumi:providers:") and not r.get("external")}


def test_readme_lists_the_real_use_commands_this_test_runs():
    lines = real_use_lines()
    assert lines[-2:] == ["pulumi preview --policy-pack policies", "pulumi up --policy-pack policies"]
    assert [line for line in lines if line.startswith("pulumi config set")] == config_set_lines()[:3]


def test_every_readme_config_set_works_and_the_program_reads_it(engine):
    """The README's order: config, preview, the first `pulumi up --policy-pack policies` (as written), then the
    scheduled pipeline's one new label per `up` (a second new label in the same run is refused)."""
    run = engine.stack(ROOT, "dev", name="readme-config")
    *first, points = config_set_lines()
    for line in first:
        p = sh(engine, line, run, input="Corr3ct-Horse-Battery!\n" if "--secret" in line else None)
        assert p.returncode == 0, (line, p.stderr)
    preview_line, up_line = real_use_lines()[-2:]
    p = sh(engine, preview_line, run)
    assert p.returncode == 0, (p.stdout[-3000:], p.stderr[-3000:])
    n = len(engine.log_entries())
    p = sh(engine, up_line, run)  # no --yes: the engine's PULUMI_SKIP_CONFIRMATIONS answers the prompt
    assert p.returncode == 0, (p.stdout[-3000:], p.stderr[-3000:])
    assert "azure-iaas-dr-posture" in p.stdout, p.stdout[-2000:]  # the pack ran
    created = {e["urn"]: e["id"] for e in engine.log_entries()[n:] if e["op"] == "create"}
    assert [e["op"] for e in engine.log_entries()[n:]] == ["create"] * len(created)
    export = json.loads(engine.run("stack", "export", cwd=run).stdout)
    assert created == custom_resources(export) and len(created) > 100
    assert {f"snapshots-database-database-vm-{i}-20260101t0000z" for i in (0, 1)} <= {
        u.rsplit("::", 1)[1] for u in created}

    p = sh(engine, points, run)
    assert p.returncode == 0, (points, p.stderr)
    doc = (run / "Pulumi.dev.yaml").read_text()
    assert "Corr3ct-Horse-Battery!" not in doc and "adminPassword:\n    secure: v1:" in doc
    got = json.loads(engine.run("config", "--json", "--show-secrets", cwd=run).stdout)
    assert got["azure-iaas-dr:adminPassword"] == {"value": "Corr3ct-Horse-Battery!", "secret": True}
    assert got["azure-native:location"]["value"] == "westeurope"
    workloads = got["azure-iaas-dr:workloads"]["objectValue"]
    assert workloads["database"]["tier"] == "database"
    assert workloads["database"]["consistentSnapshots"]["pointsInTime"] == ["20260101t0000z", LABEL]
    # the program reads it: the new label is a new restore point per database VM, in a passing preview; the
    # deployed label's are unchanged
    p = sh(engine, "pulumi preview --policy-pack policies --json", run)
    assert p.returncode == 0, p.stderr[-3000:]
    ops = {s["urn"].rsplit("::", 1)[1]: s["op"] for s in json.loads(p.stdout)["steps"]}
    assert {f"snapshots-database-database-vm-{i}-{LABEL}" for i in (0, 1)} <= {u for u, o in ops.items() if o == "create"}
    assert not {u for u, o in ops.items() if o != "same" and "20260101t0000z" in u}
    # a second new label in the same run: refused before any resource, naming the key
    p = sh(engine, points.replace("${n}", "2").replace('"$label"', "20261202t0600z"), run)
    assert p.returncode == 0, p.stderr
    p = sh(engine, "pulumi preview --policy-pack policies", run)
    assert p.returncode != 0
    assert ("azure-iaas-dr:workloads.database.consistentSnapshots.pointsInTime: 2 new points in time"
            f" ({LABEL}, 20261202t0600z) for disk database-vm-0/os in one `pulumi up`") in p.stdout + p.stderr
    assert "Traceback" not in p.stdout + p.stderr


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


def make_env(var) -> dict:
    """The test's environment for `make real-*`: no PULUMI_* of the caller, state and home under ``var``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}, E.VAR_DIR_VAR: str(var)}


def test_make_real_preview_runs_the_real_cli_on_the_stack_file_with_pulumis_exit_status(engine, tmp_path):
    # the README's `make real-preview STACK=dev PULUMI_ARGS=--json`: stdout is pulumi's JSON, nothing else
    env = make_env(tmp_path)
    p = subprocess.run(["make", "-s", "real-preview", "STACK=dev", "PULUMI_ARGS=--json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=900, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    doc = json.loads(p.stdout)
    assert len(doc["steps"]) == 142  # the program's 141 resources and the prior-state StackReference read (the default provider is not a step in --json)
    assert "make real-preview" in README and "make real-up" in README and "make real-destroy" in README
    assert "make real-preview STACK=dev PULUMI_ARGS=--json" in sh_lines()
    bad = subprocess.run(["make", "-s", "real-preview", "STACK=dev", "PULUMI_ARGS=--no-such-flag"], cwd=ROOT,
                         capture_output=True, text=True, timeout=900, env=env)
    assert bad.returncode != 0 and "unknown flag: --no-such-flag" in bad.stderr


@pytest.fixture(scope="module")
def make_up_destroy(engine, tmp_path_factory):
    """The README's `make real-up` then `make real-destroy`, run exactly as written from the repository root,
    with AZDR_REAL_ENGINE_VAR pointing at a throwaway directory (its own PULUMI_HOME, state and stand-in log)."""
    lines = sh_lines()
    assert "make real-up" in lines and "make real-destroy" in lines
    var = tmp_path_factory.mktemp("make-real")
    env = make_env(var)
    log = var / "pulumi-home" / "standin.log"
    run_dir = var / "work" / f"{ROOT.name}-dev"
    pulumi_env = E.pulumi_env(engine.pulumi, home=var / "pulumi-home", state=var / "state", log=log)

    def entries():
        return [json.loads(x) for x in log.read_text().splitlines() if x] if log.exists() else []

    def export():
        p = subprocess.run([str(engine.pulumi), "stack", "export", "--stack", "dev", "--non-interactive"],
                           cwd=run_dir, env=pulumi_env, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)

    def make(line):
        return subprocess.run(["bash", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=900)

    up = make("make real-up")
    after_up, state = entries(), export()
    destroy = make("make real-destroy")
    return {"up": up, "up_log": after_up, "state": state, "destroy": destroy,
            "destroy_log": entries()[len(after_up):], "after": export(), "var": var}


def test_make_real_up_as_written_creates_the_dev_stack_with_the_pack(make_up_destroy):
    up = make_up_destroy["up"]
    assert up.returncode == 0, (up.stdout[-3000:], up.stderr[-3000:])
    assert f"state {make_up_destroy['var'] / 'state'}" in up.stderr  # not the developer's .tools/state
    assert "azure-iaas-dr-posture" in up.stdout, up.stdout[-2000:]
    log = make_up_destroy["up_log"]
    assert [e["op"] for e in log] == ["create"] * len(log)
    assert {e["urn"]: e["id"] for e in log} == custom_resources(make_up_destroy["state"])
    assert len(log) == len({e["urn"] for e in log}) > 100
    outputs = next(r for r in make_up_destroy["state"]["deployment"]["resources"]
                   if r["type"] == "pulumi:pulumi:Stack")["outputs"]
    assert outputs["deploymentRecord"]["disks"]["app-vm-0/os"] == ["20260101t0000z"]


def test_make_real_destroy_as_written_keeps_the_retained_resources_and_deletes_the_rest(make_up_destroy):
    """Pulumi.dev.yaml has protect off: destroy succeeds; the retainOnDelete resources (docs/real-engine.md:
    vaults, protected items, the config-backup account and containers, the Site Recovery resources) get no
    Delete in the stand-in log, every other created resource exactly one."""
    from tests.real_engine.test_lifecycle import KEPT

    d = make_up_destroy["destroy"]
    assert d.returncode == 0, (d.stdout[-3000:], d.stderr[-3000:])
    resources = make_up_destroy["state"]["deployment"]["resources"]
    kept = {r["urn"]: r["type"] for r in resources if r.get("custom") and r.get("retainOnDelete")}
    assert Counter(kept.values()) == Counter(KEPT)
    created = {e["urn"] for e in make_up_destroy["up_log"]}
    log = make_up_destroy["destroy_log"]
    assert [e["op"] for e in log] == ["delete"] * len(log)
    assert sorted(e["urn"] for e in log) == sorted(created - kept.keys())
    assert [r for r in make_up_destroy["after"]["deployment"].get("resources") or []
            if r.get("custom") and not r["type"].startswith("pulumi:providers:")] == []
