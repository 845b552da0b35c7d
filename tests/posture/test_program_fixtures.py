"""Issue 12: programs nobody here wrote (fixtures of public azure-native patterns) run as a real preview runs
them, and the pack's exact verdict on each (tests/projects.py PROGRAM_FIXTURES)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from posture.analyzer import PolicyPackProcess
from posture.capture import UNKNOWN, capture_program
from posture.errors import PostureError
from posture.dr import report as dr_report
from tests.projects import PROGRAM_FIXTURES, PROGRAMS

ROOT = Path(__file__).resolve().parents[2]
RULE_ID = re.compile(r"\[(AZDR-[A-Z]+-\d{3})\]")


@pytest.fixture(scope="module")
def pack():
    with PolicyPackProcess(ROOT / "policies") as p:
        p.info()
        p.configure(None)
        yield p


def verdict(violations, by_urn):
    out = set()
    for v in violations:
        m = RULE_ID.search(v.message)
        out.add((m.group(1) if m else v.policyName, by_urn[v.resourceUrn].name if v.resourceUrn else "",
                 v.enforcementLevel))
    return out


def test_every_fixture_directory_is_listed():
    dirs = sorted(p.name for p in PROGRAMS.iterdir() if p.is_dir())
    assert dirs == sorted(PROGRAM_FIXTURES)
    for name in dirs:
        assert {"Pulumi.yaml", "__main__.py", "Pulumi.dev.yaml"} <= {p.name for p in (PROGRAMS / name).iterdir()}


@pytest.mark.parametrize("name", sorted(n for n, f in PROGRAM_FIXTURES.items() if f["exit"] != 2))
def test_exact_verdict(name, pack):
    want = PROGRAM_FIXTURES[name]
    cap = capture_program(PROGRAMS / name, "dev")
    violations = pack.analyze(cap.resources)
    assert verdict(violations, cap.by_urn()) == want["violations"]
    mandatory = any(v.enforcementLevel == "mandatory" for v in violations)
    assert int(mandatory) == want["exit"]
    assert cap.unavailable_secure_keys == want.get("secure_keys", [])
    assert cap.unknown_invokes == want.get("unknown_invokes", [])


def test_cli_exit_codes_and_duplicate_urn_message():
    for name, want in PROGRAM_FIXTURES.items():
        if name not in ("duplicate-urns", "unjudged-vms", "storage-accounts"):
            continue  # the CLI path is the same; three suffice (one per exit code)
        proc = subprocess.run([sys.executable, "-m", "posture", "preview", "--project-dir", str(PROGRAMS / name),
                               "--policy-pack", str(ROOT / "policies"), "--format", "json"],
                              cwd=ROOT, capture_output=True, text=True, timeout=180)
        assert proc.returncode == want["exit"], proc.stderr
        if want["exit"] == 2:
            assert proc.stderr == (
                "error: Duplicate resource URN 'urn:pulumi:dev::fx-duplicate-urns::azure-native:resources:"
                "ResourceGroup::rg'; try giving it a unique name (the Pulumi engine rejects a program that registers "
                "one URN twice)\n")
        else:
            assert json.loads(proc.stdout)["summary"]["exitCode"] == want["exit"]


# ---- item 1: preview semantics -----------------------------------------------------------------


def test_vm_template_preview_outputs_unknown_unless_given_and_invoke_never_runs():
    cap = capture_program(PROGRAMS / "vm-template", "dev")
    by = {(r.type, r.name): r for r in cap.resources}
    vm = by[("azure-native:compute:VirtualMachine", "vm")]
    nic = by[("azure-native:network:NetworkInterface", "network-interface")]
    assert vm.id is None and "name" not in vm.outputs  # being created: id and computed outputs unknown
    assert nic.inputs["networkSecurityGroup"] == {"id": UNKNOWN}
    # vnet.subnets[0].id: the inline subnet was given without an id, so the SDK's output type has None there
    assert nic.inputs["ipConfigurations"][0]["subnet"]["id"] is None
    assert vm.inputs["location"] == "westeurope"  # inherited from azure-native:location, as Check does
    # the FQDN read waits on vm.id: in preview it never runs (no invoke, no 'NoneType' crash)
    assert cap.unknown_invokes == [] and cap.stack_outputs == {"ip": UNKNOWN, "hostname": UNKNOWN}
    # item 2: the secure password reaches the program as an unknown secret
    assert vm.inputs["osProfile"]["adminPassword"] == {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": UNKNOWN}
    placeholder = capture_program(PROGRAMS / "vm-template", "dev", secure_placeholder="placeholder")
    ph_vm = next(r for r in placeholder.resources if r.name == "vm" and r.custom)
    assert ph_vm.inputs["osProfile"]["adminPassword"]["value"] == "placeholder"
    assert placeholder.unavailable_secure_keys == ["fx-vm-template:adminPassword"]
    # not a preview (`up` mode): vm.id is known, the apply runs the invoke, and the failure names the function
    with pytest.raises(PostureError, match=r"\(the result of azure-native:network:getPublicIPAddress is unknown "
                                           r"offline"):
        capture_program(PROGRAMS / "vm-template", "dev", preview=False)


def test_plain_invoke_that_needs_azure_fails_with_one_line_naming_the_function(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: inv\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_azure_native.network as network\n"
        "ip = network.get_public_ip_address(resource_group_name='rg', public_ip_address_name='pip')\n"
        "print(ip.dns_settings.fqdn)\n")
    with pytest.raises(PostureError) as exc:
        capture_program(tmp_path, "dev")
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith("program failed: AssertionError: get can only be used with classes")
    assert msg.endswith("(the result of azure-native:network:getPublicIPAddress is unknown offline (the function "
                        "reads Azure; a real preview would call it))")


def test_the_projects_own_mocks_are_kept():
    """The dev stack keeps ArmMocks (known ARM ids), so its pinned verdict (zero violations) stands."""
    cap = capture_program(ROOT, "dev")
    vaults = [r for r in cap.resources if r.type == "azure-native:recoveryservices:Vault"]
    assert vaults and all(r.id and r.id.startswith("/subscriptions/") for r in vaults)
    providers = [r for r in cap.resources if r.type == "pulumi:providers:azure-native"]
    assert [(p.name, p.inputs["location"]) for p in providers] == [("default_3_29_0", "westeurope")]


# ---- item 3: default provider resource -------------------------------------------------------------


def test_default_provider_registered_with_config_and_referenced():
    cap = capture_program(PROGRAMS / "inherited-location", "dev")
    prov = cap.resources[1]
    assert (prov.urn, prov.inputs) == (
        "urn:pulumi:dev::fx-inherited-location::pulumi:providers:azure-native::default_3_29_0",
        {"location": "westeurope", "version": "3.29.0"})
    assert {r.provider for r in cap.resources if r.custom and r is not prov} == {prov.urn + "::" + UNKNOWN}


# ---- item 8: names from inputs ---------------------------------------------------------------------


def test_runbook_uses_input_names_and_marks_provider_picked_names():
    cap = capture_program(PROGRAMS / "vault-names", "dev")
    model = dr_report.build(cap.resources, "dev")
    assert [(str(v.name), v.resource_group) for v in model.vaults] == [("swaggerExample", UNKNOWN)]
    diagram = dr_report.mermaid(model)
    assert "vault swaggerExample" in diagram and "vault vault" not in diagram


def test_diagram_does_not_label_a_same_region_vault_dr():
    cap = capture_program(PROGRAMS / "vault-names", "dev")
    diagram = dr_report.mermaid(dr_report.build(cap.resources, "dev"))
    assert '["westeurope"]' in diagram and "westeurope (DR)" not in diagram


def test_arm_mocks_answer_unknown_for_functions_that_read_azure():
    from components.arm_mocks import ArmMocks
    from posture.capture import run_in_mocks

    def program():
        import pulumi
        import pulumi_azure_native as an

        pulumi.export("sub", an.authorization.get_client_config_output().subscription_id)
        pulumi.export("vm", an.compute.get_virtual_machine_output(resource_group_name="rg", vm_name="vm").id)

    cap = run_in_mocks(program, project="p", stack="s", preview=True, mocks=ArmMocks())
    assert cap.stack_outputs == {"sub": "00000000-0000-0000-0000-000000000000", "vm": UNKNOWN}
    assert cap.unknown_invokes == ["azure-native:compute:getVirtualMachine"]
