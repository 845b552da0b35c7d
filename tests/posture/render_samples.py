"""The shared sample of the render tests (test_render_markdown.py, test_render_sarif.py): a pack, three
violations and the result holding them, the fixture project and pack, and the CLI run as a subprocess.
The `lrs_project` fixture (the real project with a locally-redundant vault) is in conftest.py."""

import os
import subprocess
import sys
from pathlib import Path

from posture.capture import Registration
from posture.results import PackInfo, PolicyMeta, Result, Violation

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
MINI = FIX / "projects" / "mini"
PACK = FIX / "packs" / "mini-pack"

VAULT_URN = "urn:pulumi:dev::proj::proj:vault:RecoveryVault$azure-native:recoveryservices:Vault::rsv-dr-westeurope"
VM_URN = "urn:pulumi:dev::proj::azure-native:compute:VirtualMachine::vm-app-0"
STACK_URN = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"


def sample_pack() -> PackInfo:
    return PackInfo(
        name="dr-pack", version="0.1.0", initial_config={}, description="DR posture.", display_name="DR",
        policies=[
            PolicyMeta(
                name="vault-geo-redundant", description="Vaults store backups geo-redundantly.",
                enforcement_level="mandatory", config_schema=None, policy_type="resource", severity="critical",
                remediation_steps="Set the vault's storage redundancy to GeoRedundant.\n\n```python\nx = 1\n```",
                url="https://example.invalid/geo", tags=["AZDR-RSV-001"],
                framework={"name": "dr", "version": "1", "reference": "AZDR-RSV-001",
                           "specification": "Seed: Appendix"},
            ),
            PolicyMeta(
                name="vm-agent-provisioned", description="Protected VMs have their VM agent.",
                enforcement_level="advisory", config_schema=None, policy_type="resource", severity="high",
                remediation_steps="Set osProfile.linuxConfiguration.provisionVMAgent to true.",
                tags=["backup", "AZDR-BKP-010"],
            ),
            PolicyMeta(
                name="vault-delete-lock", description="Vaults are locked.", enforcement_level="mandatory",
                config_schema=None, policy_type="stack",
            ),
            PolicyMeta(
                name="old-rule", description="Disabled.", enforcement_level="disabled", config_schema=None,
                policy_type="resource", severity="low",
            ),
        ],
    )


def sample_violations() -> list[Violation]:
    return [
        Violation("dr-pack", "0.1.0", "vm-agent-provisioned", "advisory", VM_URN,
                  "Protected VMs have their VM agent.\n[AZDR-BKP-010] VM 'vm-app-0' has <no> agent\nsecond line",
                  "Protected VMs have their VM agent.", ""),
        Violation("dr-pack", "0.1.0", "vault-delete-lock", "mandatory", "",
                  "Vaults are locked.\n[AZDR-RSV-006] no CanNotDelete lock on any vault", "Vaults are locked.", ""),
        Violation("dr-pack", "0.1.0", "vault-geo-redundant", "mandatory", VAULT_URN,
                  "Vaults store backups geo-redundantly.\n[AZDR-RSV-001] vault 'rsv-dr-westeurope' is "
                  "'LocallyRedundant' (exemption for 'rsv-*' expired on 2024-12-31: GRS migration in OPS-12)",
                  "Vaults store backups geo-redundantly.", "critical"),
    ]


def sample_result(violations=None, stack="dev") -> Result:
    resources = [
        Registration(STACK_URN, "pulumi:pulumi:Stack", "proj-dev", False),
        Registration(VAULT_URN, "azure-native:recoveryservices:Vault", "rsv-dr-westeurope", True,
                     inputs={"tags": {"dr-workload": "database,app"}}),
        Registration(VM_URN, "azure-native:compute:VirtualMachine", "vm-app-0", True,
                     inputs={"tags": {"dr-workload": "app"}}),
    ]
    return Result(
        resources=resources, violations=sample_violations() if violations is None else violations,
        packs=[sample_pack()], gaps=["no provider Check", "outputs come from <mocks>"], source="program",
        stack=stack, unavailable_secure_keys=["proj:apiToken"],
    )


def posture(*args, env=None):
    proc = subprocess.run([sys.executable, "-m", "posture", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)
    return proc.returncode, proc.stdout, proc.stderr


def run_real(project: Path, fmt: str):
    env = dict(os.environ, AZDR_POLICY_TODAY="2025-01-15")
    return posture("preview", "--stack", "dev", "--project-dir", project, "--policy-pack", ROOT / "policies",
                   "--policy-pack-config", project / "policy.json", "--format", fmt, env=env)
