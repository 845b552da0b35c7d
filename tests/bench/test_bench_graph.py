"""posture.graph: what `pulumi up` waits for, and the critical path (issue 6, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.fleet import fleet_config
from posture.capture import Registration, capture_program
from posture.graph import GraphError, blocking_dependencies, critical_path

ROOT = Path(__file__).resolve().parents[2]
P = "urn:pulumi:s::p::"
STACK = P + "pulumi:pulumi:Stack::p-s"


def reg(name, type_="azure-native:x:Res", *, custom=True, parent=STACK, deps=(), prop_deps=None, provider=""):
    return Registration(urn=P + f"{type_}::{name}", type=type_, name=name, custom=custom, parent=parent,
                        dependencies=list(deps), property_dependencies=dict(prop_deps or {}), provider=provider)


def u(name, type_="azure-native:x:Res"):
    return P + f"{type_}::{name}"


ROOT_REG = reg("p-s", "pulumi:pulumi:Stack", custom=False, parent="")


def names(urns):
    return [x.rsplit("::", 1)[1] for x in urns]


def test_chain_follows_dependencies_and_property_dependencies():
    rs = [ROOT_REG, reg("rg"), reg("vnet", prop_deps={"resourceGroupName": [u("rg")]}),
          reg("nic", deps=[u("vnet")]), reg("other", deps=[u("rg")])]
    assert names(critical_path(rs)) == ["rg", "vnet", "nic"]
    assert {k.rsplit("::", 1)[1]: names(v) for k, v in blocking_dependencies(rs).items()} == {
        "rg": [], "vnet": ["rg"], "nic": ["vnet"], "other": ["rg"]}


def test_component_parent_does_not_block_but_custom_parent_does():
    comp = reg("wl", "azure-iaas-dr:w:W", custom=False)
    rs = [ROOT_REG, reg("a"), comp, reg("b", parent=comp.urn), reg("c", parent=u("a"))]
    assert blocking_dependencies(rs)[u("b")] == []
    assert blocking_dependencies(rs)[u("c")] == [u("a")]
    assert names(critical_path(rs)) == ["a", "c"]


def test_dependency_on_component_waits_for_its_custom_subtree():
    comp = reg("wl", "azure-iaas-dr:w:W", custom=False)
    inner = reg("inner", "azure-iaas-dr:w:I", custom=False, parent=comp.urn)
    rs = [ROOT_REG, comp, reg("x", parent=comp.urn), inner, reg("y", parent=inner.urn),
          reg("z", parent=inner.urn, deps=[u("y")]), reg("after", deps=[comp.urn])]
    assert blocking_dependencies(rs)[u("after")] == [u("x"), u("y"), u("z")]
    assert names(critical_path(rs)) == ["y", "z", "after"]


def test_explicit_provider_blocks_and_unknown_urns_are_ignored():
    prov = reg("prov", "pulumi:providers:azure-native")
    rs = [ROOT_REG, prov, reg("r", provider=prov.urn + "::prov-id", deps=[P + "gone:gone:Gone::g"])]
    assert names(critical_path(rs)) == ["prov", "r"]


def test_ties_go_to_the_first_registered_and_empty_graph():
    rs = [ROOT_REG, reg("a"), reg("b"), reg("c", deps=[u("b"), u("a")])]
    assert names(critical_path(rs)) == ["a", "c"]
    assert critical_path([ROOT_REG]) == []


def test_serialised_fleet_grows_the_chain():
    """The fail case the fleet test guards against: each VM waiting for the previous one."""
    rs = [ROOT_REG] + [reg(f"vm{i}", deps=[u(f"vm{i - 1}")] if i else []) for i in range(50)]
    assert len(critical_path(rs)) == 50


def test_cycle_is_an_error():
    rs = [ROOT_REG, reg("a", deps=[u("b")]), reg("b", deps=[u("a")])]
    with pytest.raises(GraphError, match="dependency cycle"):
        critical_path(rs)


def test_critical_path_does_not_grow_with_vms_or_workloads():
    small = capture_program(ROOT, "dev", config_override=fleet_config(2))
    large = capture_program(ROOT, "dev", config_override=fleet_config(20))
    assert len(large.resources) > len(small.resources)
    chain_small, chain_large = critical_path(small.resources), critical_path(large.resources)
    assert len(chain_small) >= 2
    assert len(chain_large) == len(chain_small)


def test_dev_stack_critical_path():
    cap = capture_program(ROOT, "dev")
    assert critical_path(cap.resources) == [
        "urn:pulumi:dev::azure-iaas-dr::azure-iaas-dr:resource_group:ResourceGroup$"
        "azure-native:resources:ResourceGroup::backup-westeurope-rg",
        "urn:pulumi:dev::azure-iaas-dr::azure-iaas-dr:recovery_vault:RecoveryVault$"
        "azure-native:recoveryservices:Vault::vault-westeurope-vault",
        "urn:pulumi:dev::azure-iaas-dr::azure-iaas-dr:recovery_vault:RecoveryVault$"
        "azure-native:authorization:ManagementLockByScope::vault-westeurope-lock",
    ]
