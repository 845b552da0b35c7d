"""Conventions every component of the dev program keeps (docs/DESIGN.md, issue 3): the type token is
``azure-iaas-dr:<module>:<Name>`` naming a real class of ``components/<module>.py``; every child is named
``<instance>-<role>`` and parented to its component; the component registers its outputs (last)."""

import importlib
from pathlib import Path

import pulumi
import pytest

from posture.capture import capture_program

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dev():
    return capture_program(ROOT, "dev", preview=False)


def components_of(cap):
    return [r for r in cap.resources if r.type.startswith("azure-iaas-dr:")]


def test_type_tokens_name_the_module_and_class(dev):
    tokens = sorted({r.type for r in components_of(dev)})
    assert tokens == [
        "azure-iaas-dr:backup_policy:VmBackupPolicy",
        "azure-iaas-dr:config_backup:ConfigBackup",
        "azure-iaas-dr:hardening:RecoveryLocks",
        "azure-iaas-dr:hardening:VaultPrivateEndpoint",
        "azure-iaas-dr:image_gallery:DrImageGallery",
        "azure-iaas-dr:image_gallery:ImageGallery",
        "azure-iaas-dr:monitoring:BackupAlerts",
        "azure-iaas-dr:monitoring:BackupReports",
        "azure-iaas-dr:recovery_vault:RecoveryVault",
        "azure-iaas-dr:resource_group:ResourceGroup",
        "azure-iaas-dr:resource_guard:ResourceGuard",
        "azure-iaas-dr:resource_guard:VaultGuardProxy",
        "azure-iaas-dr:restore_points:ConsistentSnapshots",
        "azure-iaas-dr:site_recovery:SiteRecoveryCache",
        "azure-iaas-dr:site_recovery:SiteRecoveryNetwork",
        "azure-iaas-dr:site_recovery:SiteRecoveryReplication",
        "azure-iaas-dr:site_recovery:SiteRecoveryVault",
        "azure-iaas-dr:vm_protection:VmProtection",
        "azure-iaas-dr:workload_compute:WorkloadCompute",
    ]
    for token in tokens:
        _, module, name = token.split(":")
        cls = getattr(importlib.import_module(f"components.{module}"), name)
        assert issubclass(cls, pulumi.ComponentResource), token


def test_children_are_named_from_their_component_and_registered_outputs(dev):
    by_urn = {r.urn: r for r in dev.resources}
    comps = components_of(dev)
    assert len(comps) >= 20
    for comp in comps:
        children = [r for r in dev.resources if r.parent == comp.urn]
        assert children, comp.urn
        for child in children:
            assert child.name == comp.name or child.name.startswith(comp.name + "-"), (comp.name, child.name)
        assert comp.outputs, comp.urn  # register_outputs was called
    # a component's parent is the stack or another component, never a custom resource
    for r in dev.resources[1:]:
        if r.type.startswith("pulumi:providers:") and r.name.startswith("default"):
            assert r.parent == "", r.urn  # the engine's default providers have no parent
            continue
        assert r.parent in by_urn and not by_urn[r.parent].custom, r.urn
