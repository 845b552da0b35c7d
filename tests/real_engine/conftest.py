"""Fixtures for the real-engine tests: one pulumi (found or built), one isolated PULUMI_HOME per session, and
one `pulumi up` (then destroy) of the dev stack shared by test_lifecycle.py and test_site_recovery_lifecycle.py."""

from __future__ import annotations

import json

import pytest

from tests.real_engine.harness import PACK, ROOT, Engine, ok, resolve_pulumi

APP = ROOT / "examples" / "app-repo"


@pytest.fixture(scope="session")
def pulumi_bin():
    return resolve_pulumi()


@pytest.fixture(scope="session")
def engine(pulumi_bin, tmp_path_factory):
    return Engine(pulumi_bin, tmp_path_factory.mktemp("real-engine"))


@pytest.fixture(scope="session")
def dev_up(engine, tmp_path_factory):
    """The dev stack with protect on, `pulumi up` with the pack, exported."""
    out = tmp_path_factory.mktemp("dev-up")
    run = engine.stack(ROOT, "dev", {"azure-iaas-dr:protect": True}, name="dev-up")
    before = len(engine.log_entries())
    ok(engine.run("up", "--yes", "--skip-preview", "--policy-pack", PACK, "--stack", "dev", cwd=run))
    ok(engine.run("stack", "export", "--stack", "dev", "--file", out / "export.json", cwd=run))
    outputs = json.loads(ok(engine.run("stack", "output", "--stack", "dev", "--json", cwd=run)).stdout)
    preview = engine.run("preview", "--stack", "dev", "--policy-pack", PACK, "--json", cwd=run)
    (out / "preview.json").write_text(preview.stdout)
    return {"run": run, "dir": out, "export": out / "export.json", "outputs": outputs,
            "log": engine.log_entries()[before:], "preview_code": preview.returncode}


@pytest.fixture(scope="session")
def app_repo(engine, dev_up):
    run = engine.stack(APP, "dev", name="app-repo", backend_of=dev_up["run"])
    before = len(engine.log_entries())
    ok(engine.run("up", "--yes", "--skip-preview", "--stack", "dev", cwd=run))
    export = json.loads(ok(engine.run("stack", "export", "--stack", "dev", cwd=run)).stdout)
    return {"export": export, "log": engine.log_entries()[before:]}


@pytest.fixture(scope="session")
def dev_destroyed(engine, dev_up, app_repo):
    """destroy with protect on (fails on the protected resources), then protect off (`pulumi up`) and
    destroy again."""
    run = dev_up["run"]
    n0 = len(engine.log_entries())
    refused = engine.run("destroy", "--yes", "--skip-preview", "--stack", "dev", cwd=run)
    left = json.loads(ok(engine.run("stack", "export", "--stack", "dev", cwd=run)).stdout)
    n1 = len(engine.log_entries())
    ok(engine.run("config", "set", "azure-iaas-dr:protect", "false", "--stack", "dev", cwd=run))
    ok(engine.run("up", "--yes", "--skip-preview", "--policy-pack", PACK, "--stack", "dev", cwd=run))
    n2 = len(engine.log_entries())
    destroyed = ok(engine.run("destroy", "--yes", "--skip-preview", "--stack", "dev", cwd=run))
    log = engine.log_entries()
    return {"refused": refused, "left": left, "first": log[n0:n1], "update": log[n1:n2], "second": log[n2:],
            "destroyed": destroyed, "created": [e for e in dev_up["log"] if e["op"] == "create"]}
