"""The real project and the real pack through `python -m posture preview`."""

import json
import subprocess
import sys
from pathlib import Path

from tests.projects import LOCALLY_REDUNDANT_VAULT, copy_project

ROOT = Path(__file__).resolve().parents[2]
VAULT_URN = ("urn:pulumi:dev::azure-iaas-dr::azure-iaas-dr:recovery_vault:RecoveryVault"
             "$azure-native:recoveryservices:Vault::vault-westeurope-vault")


def run_preview(project_dir: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "posture", "preview", "--stack", "dev", "--project-dir", str(project_dir),
         "--policy-pack", str(ROOT / "policies"), "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_dev_stack_passes_the_pack():
    code, out, err = run_preview(ROOT)
    assert code == 0, err + out
    doc = json.loads(out)
    # The golden test (issue 3): the committed dev stack passes the whole pack with zero violations,
    # advisory ones included.
    assert doc["violations"] == []
    assert (doc["summary"]["mandatory"], doc["summary"]["advisory"]) == (0, 0)
    assert any(r["urn"] == VAULT_URN for r in doc["resources"])


def test_locally_redundant_vault_is_a_mandatory_violation_on_the_vault(tmp_path):
    copy = copy_project(tmp_path / "project", LOCALLY_REDUNDANT_VAULT)

    code, out, err = run_preview(copy)
    assert code == 1, err + out
    violations = json.loads(out)["violations"]
    geo = [v for v in violations if v["policyName"] == "vault-storage-geo-redundant"]
    assert [(v["enforcementLevel"], v["resourceUrn"]) for v in geo] == [("mandatory", VAULT_URN)]
    assert "'LocallyRedundant'" in geo[0]["message"]
