"""The prior-state guards (components/prior_state.py) under the real CLI: the program reads its own previous
outputs through a StackReference mid-update, and a refused change stops `preview` and `up` before any resource
is registered (the stand-in provider sees no create, update or delete). The program's clock is pinned
(AZDR_PROGRAM_NOW, passed through the CLI to the program) so the registration window is deterministic."""

from __future__ import annotations

import copy
import json

import pytest

from components.prior_state import CLOCK_VAR
from tests.real_engine.harness import ROOT
from tools.realengine import env as E

T0 = "2026-12-02T08:00:00Z"  # the first deployment
LATER = "2026-12-02T10:00:00Z"  # every later run, unless a test says otherwise

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 dr-dev-admin"
STACK = "dev"


def app(**extra):
    w = {"tier": "app-server", "sshPublicKey": KEY, "network": {"addressSpace": "10.11.0.0/16",
                                                                "subnetPrefix": "10.11.1.0/24"},
         "dataDisks": [{"lun": 0, "sizeGb": 128}],
         "consistentSnapshots": {"method": "incrementalSnapshots", "pointsInTime": ["20260101t0000z"]}}
    w.update(extra)
    return {"azure-iaas-dr:workloads": {"app": w}}


def ok(p):
    assert p.returncode == 0, (p.stdout[-4000:], p.stderr[-4000:])
    return p


def cli(engine, *args, cwd, at=LATER):
    return engine.run(*args, cwd=cwd, env={CLOCK_VAR: at})


@pytest.fixture(scope="module")
def deployed(engine):
    run = engine.stack(ROOT, STACK, app(), name="prior-state")
    first_preview = ok(cli(engine, "preview", "--stack", STACK, cwd=run, at=T0))
    ok(cli(engine, "up", "--yes", "--skip-preview", "--stack", STACK, cwd=run, at=T0))
    return {"run": run, "first_preview": first_preview}


def reconfigure(engine, run, config):
    E.work_copy(ROOT, STACK, run, config)


def outputs(engine, run):
    return json.loads(ok(engine.run("stack", "output", "--stack", STACK, "--json", cwd=run)).stdout)


def steps_since(engine, n):
    return [e for e in engine.log_entries()[n:] if e["op"] in ("create", "update", "delete")]


def test_first_deployment_has_no_prior_state_and_exports_the_record(engine, deployed):
    rec = outputs(engine, deployed["run"])["deploymentRecord"]
    assert rec["version"] == "1"
    assert rec["vms"]["app-vm-0"]["policyKind"] == "Enhanced"
    assert rec["vaults"]["westeurope"] == {"immutability": "Unlocked", "registeredVms": 2}
    assert rec["disks"]["app-vm-0/lun0"] == ["20260101t0000z"]
    # the first deployment's registrations, at the program's (pinned) clock
    assert rec["registrations"] == {"westeurope": {"vault": "rsv-dr-westeurope", "recent": [{"at": T0, "vms": 2}]}}
    export = json.loads(ok(engine.run("stack", "export", "--stack", STACK, cwd=deployed["run"])).stdout)
    refs = [r for r in export["deployment"]["resources"] if r["type"] == "pulumi:pulumi:StackReference"]
    assert [(r["urn"].rsplit("::", 1)[1], r["id"], r.get("external")) for r in refs] == [
        ("prior-state", "organization/azure-iaas-dr/dev", True)]


def test_the_first_deployment_with_two_new_points_per_disk_is_refused(engine):
    """Under the real CLI the first deployment reads an existing stack with no outputs (not an unknown one), so
    the one-new-point-per-disk guard applies to it too (issue 11 item 6)."""
    two = {"method": "incrementalSnapshots", "pointsInTime": ["20260101t0000z", "20260101t1200z"]}
    run = engine.stack(ROOT, STACK, app(consistentSnapshots=two), name="prior-state-first")
    n = len(engine.log_entries())
    p = cli(engine, "preview", "--stack", STACK, cwd=run, at=T0)
    assert p.returncode != 0
    assert ("azure-iaas-dr:workloads.app.consistentSnapshots.pointsInTime: 2 new points in time (20260101t0000z,"
            " 20260101t1200z) for disk app-vm-0/os in one `pulumi up` (the first deployment too): at most 1") in p.stdout
    assert "Add one label per `pulumi up`: 20260101t0000z now" in p.stdout
    assert "Traceback" not in p.stdout + p.stderr
    assert steps_since(engine, n) == []


@pytest.mark.parametrize("change,message", [
    ({"rpoHours": 24, "trustedLaunch": False},
     "azure-iaas-dr:workloads.app: VM app-vm-0 is backed up with the Enhanced policy vm-app-server-v2-4h-"),
    ({"retention": {"dailyDays": 10}},
     "azure-iaas-dr:workloads.app.retention.dailyDays: 10 is under the 14 VM app-vm-0 has now"),
    ({"consistentSnapshots": {"method": "incrementalSnapshots",
                              "pointsInTime": ["20260101t0000z", "20260201t0000z", "20260301t0000z"]}},
     "azure-iaas-dr:workloads.app.consistentSnapshots.pointsInTime: 2 new points in time (20260201t0000z, 20260301t0000z)"
     " for disk app-vm-0/os in one `pulumi up`"),
])
def test_a_refused_change_stops_preview_and_up_before_any_resource(engine, deployed, change, message):
    run = deployed["run"]
    reconfigure(engine, run, app(**change))
    try:
        n = len(engine.log_entries())
        preview = cli(engine, "preview", "--stack", STACK, cwd=run)
        up = cli(engine, "up", "--yes", "--skip-preview", "--stack", STACK, cwd=run)
        for p in (preview, up):
            assert p.returncode != 0
            assert message in p.stdout + p.stderr, (p.stdout[-3000:], p.stderr[-3000:])
            assert "invalid stack configuration" in p.stdout + p.stderr
            assert "Traceback" not in p.stdout + p.stderr
        assert steps_since(engine, n) == []
        assert outputs(engine, run)["deploymentRecord"]["vms"]["app-vm-0"]["policyKind"] == "Enhanced"
    finally:
        reconfigure(engine, run, app())


def test_one_new_point_per_disk_is_accepted_and_recorded(engine, deployed):
    run = deployed["run"]
    two = {"method": "incrementalSnapshots", "pointsInTime": ["20260101t0000z", "20260102t0000z"]}
    reconfigure(engine, run, app(consistentSnapshots=two))
    try:
        ok(cli(engine, "up", "--yes", "--skip-preview", "--stack", STACK, cwd=run))
        rec = outputs(engine, run)["deploymentRecord"]
        assert rec["disks"]["app-vm-1/lun0"] == ["20260101t0000z", "20260102t0000z"]
        # no VM registered: the window's entry is carried over, none added
        assert rec["registrations"]["westeurope"]["recent"] == [{"at": T0, "vms": 2}]
    finally:
        reconfigure(engine, run, app())


def test_registrations_over_a_rolling_day_are_refused_until_the_window_frees_up(engine, deployed, tmp_path):
    """The record says 248 more VMs were registered in the vault an hour after the first deployment (written
    into the state with `pulumi stack import`): one more VM (vmCount 3) is 251 in 24 hours and refused, naming
    the vault, the counts and when the window frees up; at that time it passes, and the `up` records it and
    drops the expired entry."""
    run = deployed["run"]
    original = json.loads(ok(engine.run("stack", "export", "--stack", STACK, cwd=run)).stdout)
    busy = copy.deepcopy(original)
    stack = next(r for r in busy["deployment"]["resources"] if r["type"] == "pulumi:pulumi:Stack")
    stack["outputs"]["deploymentRecord"]["registrations"] = {"westeurope": {"vault": "rsv-dr-westeurope", "recent": [
        {"at": T0, "vms": 2}, {"at": "2026-12-02T09:00:00Z", "vms": 248}]}}
    (tmp_path / "busy.json").write_text(json.dumps(busy))
    (tmp_path / "original.json").write_text(json.dumps(original))
    ok(engine.run("stack", "import", "--stack", STACK, "--file", tmp_path / "busy.json", cwd=run))
    reconfigure(engine, run, app(vmCount=3))
    try:
        n = len(engine.log_entries())
        refused = cli(engine, "preview", "--stack", STACK, cwd=run, at=LATER)
        assert refused.returncode != 0
        assert ("azure-iaas-dr:workloads.app.vmCount: 1 new VM registrations in vault rsv-dr-westeurope (westeurope)"
                " in this `pulumi up` and 250 in the last 24 hours (2 at 2026-12-02T08:00:00Z, 248 at"
                " 2026-12-02T09:00:00Z): 251; Azure registers at most 250 VMs per vault per day") in refused.stdout
        assert ("The window frees up enough at 2026-12-03T08:00:00Z: run `pulumi up` then, or now with at most 0"
                " new VMs in this vault") in refused.stdout
        assert "Traceback" not in refused.stdout + refused.stderr
        ok(cli(engine, "up", "--yes", "--skip-preview", "--stack", STACK, cwd=run, at="2026-12-03T08:00:00Z"))
        assert [(e["op"], e["type"]) for e in steps_since(engine, n) if e["urn"].endswith("::workload-app-vm-2")] == [
            ("create", "azure-native:compute:VirtualMachine")]
        rec = outputs(engine, run)["deploymentRecord"]
        assert rec["registrations"] == {"westeurope": {"vault": "rsv-dr-westeurope", "recent": [
            {"at": "2026-12-02T09:00:00Z", "vms": 248}, {"at": "2026-12-03T08:00:00Z", "vms": 1}]}}
    finally:
        reconfigure(engine, run, app())
        ok(engine.run("stack", "import", "--stack", STACK, "--file", tmp_path / "original.json", cwd=run))
