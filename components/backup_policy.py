"""``VmBackupPolicy``: an Azure Backup policy for IaaS VMs, one per tier and schedule in a region's vault.

The tier -> policy mapping (issue 3 item 3) lives in two pure pieces: :func:`components.config.choose_schedule`
(RPO -> Hourly at the largest interval in {4, 6, 8, 12} h that meets it, or Daily; Enhanced (V2) when hourly,
Trusted Launch or Premium SSD v2 / Ultra, else Standard (V1); an RPO under 4 h is rejected) and the workload's
resolved :class:`components.config.BackupPlan` (retention per tier, instant-restore days, window, the
instant-restore resource group). This module turns a plan into the policy's wire properties
(:func:`policy_properties`), checks it against Azure's ranges (:func:`plan_problems`: the schedule-range
checks of components/config/backup_plan.py, one function each, which config validation runs too), and groups
a region's VMs into policies (:func:`plan_policies`).

Policy names: ``vm-<tier>-<v1|v2>-<4h|6h|8h|12h|daily>-<digest>``, where ``<digest>`` is 6 hex digits of the
plan's content. Workloads of a tier whose plans are equal share one policy; a changed plan is a new policy
(Pulumi creates it, moves the VMs to it, then deletes the old one). Azure's portal caps a policy at 100 VMs:
beyond that, the VMs are spread over numbered policies (``...-<digest>-2``, ``-3``, ...), filled in config
order.

Wire shape (API 2024-10-01): ``SimpleSchedulePolicyV2`` (hourly window, or a daily run time) for V2,
``SimpleSchedulePolicy`` (one daily run time) for V1; ``LongTermRetentionPolicy`` with a daily schedule and,
when kept, weekly (Sunday), monthly (first Sunday) and yearly (first Sunday of January) schedules, all at the
backup time; ``timeZone`` UTC; ``instantRPDetails`` naming the snapshot resource group.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_azure_native.recoveryservices as rs

from .config import (
    ArchiveTierInput,
    BackupPlan,
    Schedule,
    Workload,
    choose_schedule,
    plan_problems,
)
from .facts import MAX_VMS_PER_POLICY

__all__ = [
    "MAX_VMS_PER_POLICY",
    "BackupArgsError",
    "RegionPolicies",
    "declare_backup_policies",
    "PolicyAssignment",
    "Schedule",
    "VmBackupPolicy",
    "VmBackupPolicyArgs",
    "choose_schedule",
    "plan_policies",
    "plan_problems",
    "policy_base_name",
    "policy_properties",
]

#: Date part of schedule/retention times: Azure reads only the time of day.
REFERENCE_DATE = "2024-01-01"


class BackupArgsError(pulumi.RunError):
    """Args of a backup component are outside what Azure accepts. The message names the field and what is
    allowed (``RunError``: the CLI prints it without a traceback)."""


def _time(hhmm: str) -> str:
    return f"{REFERENCE_DATE}T{hhmm}:00Z"


def _duration(count: int, unit: rs.RetentionDurationType) -> rs.RetentionDurationArgs:
    return rs.RetentionDurationArgs(count=count, duration_type=unit)


def tiering_policy(plan: BackupPlan, archive: Optional[ArchiveTierInput]) -> Optional[dict[str, rs.TieringPolicyArgs]]:
    """``tieringPolicy`` moving the plan's monthly and yearly points to the archive tier (``ArchivedRP``), or None
    without ``archive`` or when the plan keeps no monthly/yearly points: for Azure VMs only monthly and yearly
    points are eligible, and archived points cannot be restored cross-region
    (https://learn.microsoft.com/azure/backup/archive-tier-support)."""
    if archive is None or not (plan.retention.monthly_months or plan.retention.yearly_years):
        return None
    if archive.mode == "TierRecommended":
        return {"ArchivedRP": rs.TieringPolicyArgs(tiering_mode=rs.TieringMode.TIER_RECOMMENDED)}
    return {"ArchivedRP": rs.TieringPolicyArgs(tiering_mode=rs.TieringMode.TIER_AFTER, duration=archive.after_months,
                                               duration_type=rs.RetentionDurationType.MONTHS)}


def policy_properties(plan: BackupPlan, archive: Optional[ArchiveTierInput] = None
                      ) -> rs.AzureIaaSVMProtectionPolicyArgs:
    """The ``properties`` of the ``ProtectionPolicy`` for ``plan`` (typed azure-native Args), with the archive
    tier when ``archive`` is given (see :func:`tiering_policy`)."""
    at = [_time(plan.start_time_utc)]
    schedule: rs.SimpleSchedulePolicyArgs | rs.SimpleSchedulePolicyV2Args
    if plan.frequency == "Hourly":
        schedule = rs.SimpleSchedulePolicyV2Args(
            schedule_policy_type="SimpleSchedulePolicyV2",
            schedule_run_frequency=rs.ScheduleRunType.HOURLY,
            hourly_schedule=rs.HourlyScheduleArgs(interval=plan.interval_hours, schedule_window_start_time=at[0],
                                                  schedule_window_duration=plan.window_hours),
        )
    elif plan.policy_type == "V2":
        schedule = rs.SimpleSchedulePolicyV2Args(
            schedule_policy_type="SimpleSchedulePolicyV2",
            schedule_run_frequency=rs.ScheduleRunType.DAILY,
            daily_schedule=rs.DailyScheduleArgs(schedule_run_times=at),
        )
    else:
        schedule = rs.SimpleSchedulePolicyArgs(
            schedule_policy_type="SimpleSchedulePolicy",
            schedule_run_frequency=rs.ScheduleRunType.DAILY,
            schedule_run_times=at,
        )
    r = plan.retention
    sunday = [rs.DayOfWeek.SUNDAY]
    first_sunday = rs.WeeklyRetentionFormatArgs(days_of_the_week=sunday, weeks_of_the_month=[rs.WeekOfMonth.FIRST])
    retention = rs.LongTermRetentionPolicyArgs(
        retention_policy_type="LongTermRetentionPolicy",
        daily_schedule=rs.DailyRetentionScheduleArgs(
            retention_times=at, retention_duration=_duration(r.daily_days, rs.RetentionDurationType.DAYS)),
        weekly_schedule=rs.WeeklyRetentionScheduleArgs(
            days_of_the_week=sunday, retention_times=at,
            retention_duration=_duration(r.weekly_weeks, rs.RetentionDurationType.WEEKS),
        ) if r.weekly_weeks else None,
        monthly_schedule=rs.MonthlyRetentionScheduleArgs(
            retention_schedule_format_type=rs.RetentionScheduleFormat.WEEKLY, retention_schedule_weekly=first_sunday,
            retention_times=at, retention_duration=_duration(r.monthly_months, rs.RetentionDurationType.MONTHS),
        ) if r.monthly_months else None,
        yearly_schedule=rs.YearlyRetentionScheduleArgs(
            months_of_year=[rs.MonthOfYear.JANUARY],
            retention_schedule_format_type=rs.RetentionScheduleFormat.WEEKLY, retention_schedule_weekly=first_sunday,
            retention_times=at, retention_duration=_duration(r.yearly_years, rs.RetentionDurationType.YEARS),
        ) if r.yearly_years else None,
    )
    return rs.AzureIaaSVMProtectionPolicyArgs(
        backup_management_type="AzureIaasVM",
        policy_type=rs.IAASVMPolicyType(plan.policy_type),
        schedule_policy=schedule,
        retention_policy=retention,
        instant_rp_retention_range_in_days=plan.instant_restore_days,
        instant_rp_details=rs.InstantRPAdditionalDetailsArgs(
            azure_backup_rg_name_prefix=plan.instant_restore_rg_prefix,
            azure_backup_rg_name_suffix=plan.instant_restore_rg_suffix or None,
        ),
        time_zone=plan.time_zone,
        tiering_policy=tiering_policy(plan, archive),
    )


def policy_base_name(tier: str, plan: BackupPlan) -> str:
    """``vm-<tier>-<v1|v2>-<4h|…|daily>-<digest of the plan>``: equal plans of a tier get the same name."""
    sched = "daily" if plan.frequency == "Daily" else f"{plan.interval_hours}h"
    digest = hashlib.sha256(plan.model_dump_json().encode()).hexdigest()[:6]
    return f"vm-{tier}-{plan.policy_type.lower()}-{sched}-{digest}"


@dataclass(frozen=True)
class PolicyAssignment:
    """One policy of a region's vault and the VMs it protects (``(workload name, VM index)`` pairs)."""

    policy_name: str
    tier: str
    plan: BackupPlan
    vms: tuple[tuple[str, int], ...]

    @property
    def workloads(self) -> list[str]:
        """Names of the workloads with VMs on this policy, in order."""
        return list(dict.fromkeys(w for w, _ in self.vms))


def plan_policies(workloads: Sequence[Workload], *, max_vms: int = MAX_VMS_PER_POLICY) -> list[PolicyAssignment]:
    """Group the VMs of ``workloads`` (all in one region/vault, config order) into policies.

    VMs of workloads with the same tier and the same plan share a policy; every ``max_vms`` VMs start a new,
    numbered one. Pure: the result depends only on the workloads, never on other regions.
    """
    groups: dict[tuple[str, BackupPlan], list[tuple[str, int]]] = {}
    for w in workloads:
        groups.setdefault((w.tier, w.backup), []).extend((w.name, i) for i in range(w.vm_count))
    out: list[PolicyAssignment] = []
    for (tier, plan), vms in groups.items():
        base = policy_base_name(tier, plan)
        for n, start in enumerate(range(0, len(vms), max_vms)):
            name = base if n == 0 else f"{base}-{n + 1}"
            out.append(PolicyAssignment(name, tier, plan, tuple(vms[start:start + max_vms])))
    return out


@dataclass(frozen=True)
class VmBackupPolicyArgs:
    """Inputs of :class:`VmBackupPolicy`."""

    #: Resource group of the vault.
    resource_group_name: pulumi.Input[str]
    #: Name of the vault (same region as the VMs).
    vault_name: pulumi.Input[str]
    #: Policy name (see :func:`policy_base_name`; 3-150 letters, digits and '-').
    policy_name: str
    #: The resolved backup plan (from :class:`components.config.Workload.backup`).
    plan: BackupPlan
    #: Tier the policy serves (``dr-tier`` of the workloads).
    tier: str
    #: Workloads on the policy (documentation only).
    workloads: Sequence[str] = field(default_factory=tuple)
    #: Archive tier for monthly/yearly points (``security.archiveTier``); None = none.
    archive: Optional[ArchiveTierInput] = None
    #: Resources the policy waits for (the vault's private endpoint: Azure creates it only before the first
    #: protected item, and protected items wait for their policy).
    depends_on: Sequence[pulumi.Resource] = ()

    def __post_init__(self) -> None:
        problems = plan_problems(self.plan)
        if problems:
            raise BackupArgsError(f"backup policy {self.policy_name}: " + "; ".join(problems))


class VmBackupPolicy(pulumi.ComponentResource):
    """An IaaS VM backup policy: child ``<name>-policy`` (``azure-native:recoveryservices:ProtectionPolicy``)."""

    #: ARM id of the policy (what protected items reference).
    policy_id: pulumi.Output[str]
    #: Policy name.
    policy_name: pulumi.Output[str]

    def __init__(self, name: str, args: VmBackupPolicyArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:backup_policy:VmBackupPolicy", name, None, opts)
        policy = rs.ProtectionPolicy(
            f"{name}-policy",
            resource_group_name=args.resource_group_name,
            vault_name=args.vault_name,
            policy_name=args.policy_name,
            properties=policy_properties(args.plan, args.archive),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on) or None),
        )
        self.policy = policy
        self.tier = args.tier
        self.plan = args.plan
        self.policy_id = policy.id
        self.policy_name = policy.name
        self.register_outputs({"policyId": self.policy_id, "policyName": self.policy_name})


@dataclass
class RegionPolicies:
    """The policies declared in one region's vault, with the VM -> policy lookup."""

    region: str
    policies: list[tuple[PolicyAssignment, VmBackupPolicy]]

    def policy_for(self, workload: str, vm_index: int) -> VmBackupPolicy:
        """The policy protecting VM ``vm_index`` of ``workload``. Raises ``KeyError`` if there is none."""
        for assignment, policy in self.policies:
            if (workload, vm_index) in assignment.vms:
                return policy
        raise KeyError(f"no backup policy in {self.region} for VM {vm_index} of workload {workload}")

    def by_tier(self) -> dict[str, VmBackupPolicy]:
        """Tier -> its first policy (config order): what application repos enroll their VMs with."""
        out: dict[str, VmBackupPolicy] = {}
        for assignment, policy in self.policies:
            out.setdefault(assignment.tier, policy)
        return out


def declare_backup_policies(region: str, workloads: Sequence[Workload], *, resource_group_name: pulumi.Input[str],
                            vault_name: pulumi.Input[str], max_vms: int = MAX_VMS_PER_POLICY,
                            opts: Optional[pulumi.ResourceOptions] = None,
                            archive: Optional[ArchiveTierInput] = None,
                            depends_on: Sequence[pulumi.Resource] = ()) -> RegionPolicies:
    """Declare the policies :func:`plan_policies` picks for the ``workloads`` of ``region``, each a
    :class:`VmBackupPolicy` named ``policy-<region>-<policy name>``. ``opts`` applies to each; they are meant to
    be top-level components (a parent would have to name them ``<parent>-...`` and declare them before it
    registers its outputs), tied to the vault by ``vault_name``."""
    declared = []
    for a in plan_policies(workloads, max_vms=max_vms):
        args = VmBackupPolicyArgs(resource_group_name=resource_group_name, vault_name=vault_name,
                                  policy_name=a.policy_name, plan=a.plan, tier=a.tier, workloads=tuple(a.workloads),
                                  archive=archive, depends_on=tuple(depends_on))
        declared.append((a, VmBackupPolicy(f"policy-{region}-{a.policy_name}", args, opts)))
    return RegionPolicies(region, declared)
