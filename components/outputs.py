"""Stack outputs for application repos: a documented, versioned schema (``schemaVersion`` "1").

An application repo reads these through a ``pulumi.StackReference`` (see :mod:`components.enroll`) to put
its own VMs in the right vault with the right policy. The schema only grows within a version: a key is
never renamed or removed, nor its meaning changed, without bumping ``schemaVersion``.

Schema version 1 (every id is an ARM id; regions are programmatic names such as ``westeurope``)::

    schemaVersion: "1"
    primaryRegion: str                      # azure-native:location
    drRegion: str                           # DR region of the primary region (its Azure pair by default)
    vaults:                                 # one Recovery Services vault per region that holds workloads
      <region>: {id, name, resourceGroupName}
    policyIds:                              # the backup policy of each tier present in that region
      <region>: {<tier>: <policy id>}       # tier: database | cluster | app-server | reporting | critical-data
    policies:                               # every policy of the region (a tier may have several: different
      <region>: [{id, name, tier,           #   retention overrides, or more than 100 VMs)
                  policyType, frequency, intervalHours, workloads}]
    availabilitySets: {<workload>: <availability set id>}   # high-availability workloads only
    workloads:
      <workload>: {tier, region, drRegion, resourceGroupName, vmCount, availabilitySetId (or null)}

``policyIds`` gives, per tier, the first policy of that tier in config order. Azure's portal caps a policy
at 100 VMs and this stack sizes its policies for its own VMs only: an application repo enrolling many VMs
should watch that count (see ``policies``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Optional, TypedDict

import pulumi

from .config import StackConfig

SCHEMA_VERSION = "1"


class VaultOutput(TypedDict):
    """The vault of a region."""

    id: str
    name: str
    resourceGroupName: str


class PolicyOutput(TypedDict):
    """One backup policy of a region's vault."""

    id: str
    name: str
    tier: str
    policyType: Literal["V1", "V2"]
    frequency: Literal["Hourly", "Daily"]
    intervalHours: int
    workloads: list[str]


class WorkloadOutput(TypedDict):
    """One workload of the stack."""

    tier: str
    region: str
    drRegion: str
    resourceGroupName: str
    vmCount: int
    availabilitySetId: Optional[str]


class StackOutputs(TypedDict):
    """The whole output document (schema version 1)."""

    schemaVersion: Literal["1"]
    primaryRegion: str
    drRegion: str
    vaults: dict[str, VaultOutput]
    policyIds: dict[str, dict[str, str]]
    policies: dict[str, list[PolicyOutput]]
    availabilitySets: dict[str, str]
    workloads: dict[str, WorkloadOutput]


_STR = {"type": "string", "minLength": 1}
_TIER = {"enum": ["database", "cluster", "app-server", "reporting", "critical-data"]}

#: JSON Schema (2020-12) of :class:`StackOutputs`, for consumers in other languages and for tests.
OUTPUT_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "azure-iaas-dr stack outputs",
    "type": "object",
    "required": list(StackOutputs.__annotations__),
    "additionalProperties": False,
    "properties": {
        "schemaVersion": {"const": SCHEMA_VERSION},
        "primaryRegion": _STR,
        "drRegion": _STR,
        "vaults": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["id", "name", "resourceGroupName"], "additionalProperties": False,
            "properties": {"id": _STR, "name": _STR, "resourceGroupName": _STR}}},
        "policyIds": {"type": "object", "additionalProperties": {
            "type": "object", "propertyNames": _TIER, "additionalProperties": _STR}},
        "policies": {"type": "object", "additionalProperties": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "name", "tier", "policyType", "frequency", "intervalHours", "workloads"],
            "properties": {"id": _STR, "name": _STR, "tier": _TIER, "policyType": {"enum": ["V1", "V2"]},
                           "frequency": {"enum": ["Hourly", "Daily"]}, "intervalHours": {"enum": [4, 6, 8, 12, 24]},
                           "workloads": {"type": "array", "items": _STR}}}}},
        "availabilitySets": {"type": "object", "additionalProperties": _STR},
        "workloads": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False,
            "required": ["tier", "region", "drRegion", "resourceGroupName", "vmCount", "availabilitySetId"],
            "properties": {"tier": _TIER, "region": _STR, "drRegion": _STR, "resourceGroupName": _STR,
                           "vmCount": {"type": "integer", "minimum": 1},
                           "availabilitySetId": {"oneOf": [_STR, {"type": "null"}]}}}},
    },
}


def build_stack_outputs(cfg: StackConfig, *, vaults: Mapping[str, Any], policies: Mapping[str, Any],
                        availability_set_ids: Mapping[str, pulumi.Input[str]],
                        workload_resource_groups: Mapping[str, pulumi.Input[str]]) -> dict[str, Any]:
    """The output document (values may be Outputs).

    ``vaults``: region -> object with ``vault_id``, ``vault_name``, ``resource_group_name``
    (:class:`components.recovery_vault.RecoveryVault`); ``policies``: region ->
    :class:`components.backup_policy.RegionPolicies`; ``availability_set_ids``: workload -> id (HA workloads);
    ``workload_resource_groups``: workload -> resource group name.
    """
    policy_lists: dict[str, list[dict[str, Any]]] = {}
    for region, region_policies in policies.items():
        policy_lists[region] = [
            {"id": p.policy_id, "name": p.policy_name, "tier": a.tier, "policyType": a.plan.policy_type,
             "frequency": a.plan.frequency, "intervalHours": a.plan.interval_hours, "workloads": a.workloads}
            for a, p in region_policies.policies
        ]
    return {
        "schemaVersion": SCHEMA_VERSION,
        "primaryRegion": cfg.location,
        "drRegion": cfg.dr_region,
        "vaults": {region: {"id": v.vault_id, "name": v.vault_name, "resourceGroupName": v.resource_group_name}
                   for region, v in vaults.items()},
        "policyIds": {region: {tier: p.policy_id for tier, p in rp.by_tier().items()}
                      for region, rp in policies.items()},
        "policies": policy_lists,
        "availabilitySets": dict(availability_set_ids),
        "workloads": {
            name: {"tier": w.tier, "region": w.region, "drRegion": w.dr_region,
                   "resourceGroupName": workload_resource_groups.get(name, w.resource_group_name),
                   "vmCount": w.vm_count, "availabilitySetId": availability_set_ids.get(name)}
            for name, w in cfg.workloads.items()
        },
    }


def export_stack_outputs(outputs: Mapping[str, Any]) -> None:
    """``pulumi.export`` every top-level key of the document from :func:`build_stack_outputs`."""
    missing = [k for k in StackOutputs.__annotations__ if k not in outputs]
    if missing:
        raise ValueError(f"stack outputs lack {', '.join(missing)} (schema version {SCHEMA_VERSION})")
    for key in StackOutputs.__annotations__:
        pulumi.export(key, outputs[key])


def required_keys() -> Sequence[str]:
    """Top-level keys of schema version 1, in order."""
    return list(StackOutputs.__annotations__)
