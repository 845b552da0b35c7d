"""The prior-state guards (components/prior_state.py) under the real CLI: the program reads its own previous
outputs through a StackReference mid-update, and a refused change stops `preview` and `up` before any resource
is registered (the stand-in provider sees no create, update or delete)."""

from __future__ import annotations

import json

import pytest

from tests.real_engine.harness import ROOT
from tools.realengine import env as E

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


@pytest.fixture(scope="module")
def deployed(engine):
    run = engine.stack(ROOT, STACK, app(), name="prior-state")
    first_preview = ok(engine.run("preview", "--stack", STACK, cwd=run))
    ok(engine.run("up", "--yes", "--skip-preview", "--stack", STACK, cwd=run))
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
    export = json.loads(ok(engine.run("stack", "export", "--stack", STACK, cwd=deployed["run"])).stdout)
    refs = [r for r in export["deployment"]["resources"] if r["type"] == "pulumi:pulumi:StackReference"]
    assert [(r["urn"].rsplit("::", 1)[1], r["id"], r.get("external")) for r in refs] == [
        ("prior-state", "organization/azure-iaas-dr/dev", True)]


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
        preview = engine.run("preview", "--stack", STACK, cwd=run)
        up = engine.run("up", "--yes", "--skip-preview", "--stack", STACK, cwd=run)
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
        ok(engine.run("up", "--yes", "--skip-preview", "--stack", STACK, cwd=run))
        rec = outputs(engine, run)["deploymentRecord"]
        assert rec["disks"]["app-vm-1/lun0"] == ["20260101t0000z", "20260102t0000z"]
    finally:
        reconfigure(engine, run, app())
