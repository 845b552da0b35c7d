"""posture.graph: what `pulumi up` waits for, and the critical path (issue 6, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_critical_path_does_not_grow_with_vms_or_workloads(fleet_capture):
    small, large = fleet_capture(2), fleet_capture(20)
    assert sum(r.type == "azure-native:compute:VirtualMachine" for r in small.resources) == 2
    assert sum(r.type == "azure-native:compute:VirtualMachine" for r in large.resources) == 20
    assert len(large.resources) > len(small.resources)
    chain_small, chain_large = critical_path(small.resources), critical_path(large.resources)
    assert len(chain_small) >= 2
    assert len(chain_large) == len(chain_small)


def test_dev_stack_critical_path():
    """Resource group -> network -> NIC -> VM -> restore point collection -> its DR copy -> the DR restore
    point -> the recovery group's delete lock (issue 15: it waits for the copies, so the group exists): the
    longest chain of the dev stack (9 creates), whatever the number of VMs."""
    cap = capture_program(ROOT, "dev")
    w = "urn:pulumi:dev::azure-iaas-dr::azure-iaas-dr:workload_compute:WorkloadCompute$"
    s = "urn:pulumi:dev::azure-iaas-dr::azure-iaas-dr:restore_points:ConsistentSnapshots$"
    assert critical_path(cap.resources) == [
        # the engine's default provider is created first: every azure-native resource waits for it
        "urn:pulumi:dev::azure-iaas-dr::pulumi:providers:azure-native::default_3_29_0",
        w + "azure-iaas-dr:resource_group:ResourceGroup$azure-native:resources:ResourceGroup::workload-database-rg",
        w + "azure-native:network:VirtualNetwork::workload-database-vnet",
        w + "azure-native:network:Subnet::workload-database-subnet",
        w + "azure-native:network:NetworkInterface::workload-database-vm-0-nic",
        w + "azure-native:compute:VirtualMachine::workload-database-vm-0",
        s + "azure-native:compute:RestorePointCollection::snapshots-database-database-vm-0-rpc",
        s + "azure-native:compute:RestorePointCollection::snapshots-database-database-vm-0-rpc-dr",
        s + "azure-native:compute:RestorePoint::snapshots-database-database-vm-0-20260101t0000z-dr",
        "urn:pulumi:dev::azure-iaas-dr::azure-iaas-dr:hardening:RecoveryLocks$"
        "azure-native:authorization:ManagementLockByScope::locks-northeurope",
    ]


def test_no_resource_is_parented_to_a_custom_resource(fleet_capture):
    """azure-native resources carry 20-60 aliases each; a custom parent multiplies its aliases into every
    child's (pulumi/pulumi#10010, #11064), the SDK cost that grows fastest. Components only parent to
    components, so per-resource SDK cost stays constant and no custom parent serialises creation."""
    cap = fleet_capture(20)
    by_urn = cap.by_urn()
    custom_parented = [r.urn for r in cap.resources if r.parent in by_urn and by_urn[r.parent].custom]
    assert custom_parented == []
    assert max(len(r.options["aliases"]) for r in cap.resources) >= 20  # the premise: heavy aliases
