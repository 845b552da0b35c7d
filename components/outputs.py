"""Stack outputs for application repos: a documented, versioned schema (``schemaVersion`` "1").

An application repo reads these through a ``pulumi.StackReference`` (see :mod:`components.enroll`) to put
its own VMs in the right vault with the right policy.

Versioning rule. Within a ``schemaVersion`` the document only grows, and only by new *top-level* keys: a key
is never removed or renamed, its meaning never changes, and no field is added inside an existing object.
Anything else bumps ``schemaVersion``. Readers must ignore top-level keys they do not know. So the JSON schema
(:data:`OUTPUT_JSON_SCHEMA`) accepts unknown top-level keys (a reader validating with an older copy keeps
working), and keys added after version 1 first shipped are optional in it (documents written before them
still validate). This program writes every key, except that ``configBackup`` is absent when the account is
disabled (Pulumi drops a top-level output whose value is null).

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
    # added within version 1 (optional in the JSON schema):
    configBackup:                           # the RA-GRS configuration-backup storage account
      {accountId, accountName,              #   (absent when configBackup.enabled is false)
       resourceGroupName, stateContainer,
       templatesContainer, backendUrl}      # backendUrl: the `pulumi login` URL of the state container
    imageVersionIds: {<workload>: <gallery image version id>}  # workloads with customImage only
    deploymentRecord:                       # what the next `pulumi up` compares against (components.prior_state):
      {version: "1", vms, policies,         #   per VM its policy kind and name, per policy its retention, per
       vaults, disks, registrations}        #   vault immutability and VM count, per disk its points in time,
                                            #   per vault the VM registrations of the last 24 hours

``deploymentRecord`` is the program's own memory for its next run and follows the same rule one level down,
under its own ``version``: within record version 1 it grows only by new keys of its own, optional in the JSON
schema (``registrations`` is one: records written before it still validate).

``policyIds`` gives, per tier, the first policy of that tier in config order. Azure's portal caps a policy
at 100 VMs and this stack sizes its policies for its own VMs only: an application repo enrolling many VMs
should watch that count (see ``policies``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Optional, TypedDict

import pulumi

from .config import StackConfig
from .facts import DAILY_INTERVAL_HOURS, HOURLY_INTERVALS

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


class ConfigBackupOutput(TypedDict):
    """The configuration-backup storage account (templates, exported state, the state backend)."""

    accountId: str
    accountName: str
    resourceGroupName: str
    stateContainer: str
    templatesContainer: str
    backendUrl: str


class _StackOutputsV1(TypedDict):
    """The keys version 1 first shipped with (required)."""

    schemaVersion: Literal["1"]
    primaryRegion: str
    drRegion: str
    vaults: dict[str, VaultOutput]
    policyIds: dict[str, dict[str, str]]
    policies: dict[str, list[PolicyOutput]]
    availabilitySets: dict[str, str]
    workloads: dict[str, WorkloadOutput]


class StackOutputs(_StackOutputsV1, total=False):
    """The whole output document (schema version 1). Keys added within the version are not required."""

    configBackup: ConfigBackupOutput
    imageVersionIds: dict[str, str]
    deploymentRecord: dict[str, Any]


#: Top-level keys, in export order; those added within version 1 are optional in the JSON schema.
ALL_KEYS: tuple[str, ...] = tuple(StackOutputs.__annotations__)
ADDED_KEYS: tuple[str, ...] = tuple(k for k in ALL_KEYS if k in StackOutputs.__optional_keys__)


_STR = {"type": "string", "minLength": 1}
_TIER = {"enum": ["database", "cluster", "app-server", "reporting", "critical-data"]}

#: JSON Schema (2020-12) of :class:`StackOutputs`, for consumers in other languages and for tests.
OUTPUT_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "azure-iaas-dr stack outputs",
    "type": "object",
    "required": [k for k in ALL_KEYS if k not in ADDED_KEYS],
    # readers ignore unknown top-level keys: see the versioning rule in the module docstring
    "additionalProperties": True,
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
                           "frequency": {"enum": ["Hourly", "Daily"]}, "intervalHours": {"enum": [*HOURLY_INTERVALS, DAILY_INTERVAL_HOURS]},
                           "workloads": {"type": "array", "items": _STR}}}}},
        "availabilitySets": {"type": "object", "additionalProperties": _STR},
        "workloads": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False,
            "required": ["tier", "region", "drRegion", "resourceGroupName", "vmCount", "availabilitySetId"],
            "properties": {"tier": _TIER, "region": _STR, "drRegion": _STR, "resourceGroupName": _STR,
                           "vmCount": {"type": "integer", "minimum": 1},
                           "availabilitySetId": {"oneOf": [_STR, {"type": "null"}]}}}},
        "configBackup": {
            "type": "object", "additionalProperties": False, "required": list(ConfigBackupOutput.__annotations__),
            "properties": {k: _STR for k in ConfigBackupOutput.__annotations__}},
        "imageVersionIds": {"type": "object", "additionalProperties": _STR},
        "deploymentRecord": {
            "type": "object", "additionalProperties": False,
            "required": ["version", "vms", "policies", "vaults", "disks"],
            "properties": {
                "version": {"const": "1"},
                "vms": {"type": "object", "additionalProperties": {
                    "type": "object", "additionalProperties": False,
                    "required": ["workload", "vault", "policyKind", "policyName"],
                    "properties": {"workload": _STR, "vault": _STR, "policyKind": {"enum": ["Enhanced", "Standard"]},
                                   "policyName": _STR}}},
                "policies": {"type": "object", "additionalProperties": {
                    "type": "object", "additionalProperties": False,
                    "required": ["vault", "dailyDays", "weeklyWeeks", "monthlyMonths", "yearlyYears"],
                    "properties": {"vault": _STR, **{k: {"type": "integer", "minimum": 0} for k in (
                        "dailyDays", "weeklyWeeks", "monthlyMonths", "yearlyYears")}}}},
                "vaults": {"type": "object", "additionalProperties": {
                    "type": "object", "additionalProperties": False, "required": ["immutability", "registeredVms"],
                    "properties": {"immutability": {"enum": ["Disabled", "Unlocked", "Locked"]},
                                   "registeredVms": {"type": "integer", "minimum": 0}}}},
                "disks": {"type": "object", "additionalProperties": {"type": "array", "items": _STR}},
                # added within record version 1 (optional)
                "registrations": {"type": "object", "additionalProperties": {
                    "type": "object", "additionalProperties": False, "required": ["vault", "recent"],
                    "properties": {"vault": _STR, "recent": {"type": "array", "items": {
                        "type": "object", "additionalProperties": False, "required": ["at", "vms"],
                        "properties": {"at": {"type": "string",
                                              "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"},
                                       "vms": {"type": "integer", "minimum": 1}}}}}}},
            }},
    },
}


def build_stack_outputs(cfg: StackConfig, *, vaults: Mapping[str, Any], policies: Mapping[str, Any],
                        availability_set_ids: Mapping[str, pulumi.Input[str]],
                        workload_resource_groups: Mapping[str, pulumi.Input[str]],
                        config_backup: Optional[Any] = None,
                        config_backup_resource_group_name: Optional[pulumi.Input[str]] = None,
                        image_version_ids: Optional[Mapping[str, pulumi.Input[str]]] = None,
                        deployment_record: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    """The output document (values may be Outputs).

    ``vaults``: region -> object with ``vault_id``, ``vault_name``, ``resource_group_name``
    (:class:`components.recovery_vault.RecoveryVault`); ``policies``: region ->
    :class:`components.backup_policy.RegionPolicies`; ``availability_set_ids``: workload -> id (HA workloads);
    ``workload_resource_groups``: workload -> resource group name; ``config_backup``: an object with
    ``account_id``, ``account_name``, ``state_container``, ``templates_container``, ``backend_url``
    (:class:`components.config_backup.ConfigBackup`) and ``config_backup_resource_group_name`` its resource
    group, or ``None`` when there is none; ``image_version_ids``: workload -> gallery image version id;
    ``deployment_record``: :func:`components.prior_state.build_record` of ``cfg`` (built here when omitted).
    """
    from .prior_state import build_record

    if config_backup is not None and config_backup_resource_group_name is None:
        raise ValueError("build_stack_outputs: config_backup_resource_group_name is required with config_backup")
    backup_doc = None if config_backup is None else {
        "accountId": config_backup.account_id, "accountName": config_backup.account_name,
        "resourceGroupName": config_backup_resource_group_name, "stateContainer": config_backup.state_container,
        "templatesContainer": config_backup.templates_container, "backendUrl": config_backup.backend_url}
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
        "configBackup": backup_doc,
        "imageVersionIds": dict(image_version_ids or {}),
        "deploymentRecord": dict(deployment_record) if deployment_record is not None else build_record(cfg),
    }


def export_stack_outputs(outputs: Mapping[str, Any]) -> None:
    """``pulumi.export`` every top-level key of the document from :func:`build_stack_outputs` (all of
    :data:`ALL_KEYS`, the keys added within the version too; a ``None`` value is dropped by Pulumi)."""
    missing = [k for k in ALL_KEYS if k not in outputs]
    if missing:
        raise ValueError(f"stack outputs lack {', '.join(missing)} (schema version {SCHEMA_VERSION})")
    unknown = [k for k in outputs if k not in ALL_KEYS]
    if unknown:
        raise ValueError(f"stack outputs have unknown keys {', '.join(unknown)}: schema version {SCHEMA_VERSION}"
                         f" has {', '.join(ALL_KEYS)} (add a key to the schema first)")
    for key in ALL_KEYS:
        pulumi.export(key, outputs[key])


def required_keys() -> Sequence[str]:
    """Top-level keys every schema-version-1 document has (those version 1 first shipped with), in order."""
    return [k for k in ALL_KEYS if k not in ADDED_KEYS]
