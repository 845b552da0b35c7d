"""The backup schedule of a workload: RPO -> schedule, instant-restore caps, the schedule-range checks (one
function each), the resolved BackupPlan.

One implementation: config validation (resolve.py) and components/backup_policy.py both call it."""

from __future__ import annotations

import re
import typing
from collections.abc import Collection
from typing import Literal

from ..facts import (DAILY_INTERVAL_HOURS, DATA_ONLY_DISK_SKUS, HOURLY_INTERVALS, HOURLY_WINDOW_LATEST_START,
                     HOURLY_WINDOW_MAX_HOURS, V1_INSTANT_RESTORE_MAX, V2_INSTANT_RESTORE_MAX, V2_INSTANT_RESTORE_MAX_BY_INTERVAL)
from .resolved import BackupPlan, Retention
from .tiers import TierPreset
from .inputs import MIN_RPO_HOURS, RETENTION_RANGES, START_TIME_PATTERN, WorkloadInput
from .errors import _problem

#: Defaults when the workload does not set them: the backup time (daily) or window start (hourly), and the
#: hourly window length.
DAILY_START_UTC, HOURLY_START_UTC, HOURLY_WINDOW_HOURS = "22:00", "04:00", 20


class Schedule(typing.NamedTuple):
    """What :func:`choose_schedule` picks."""

    frequency: Literal["Hourly", "Daily"]
    interval_hours: int
    policy_type: Literal["V1", "V2"]


def instant_restore_cap(policy_type: str, interval_hours: int) -> int:
    """Most days Azure keeps a policy's instant-restore snapshots: V1 5; V2 30, but 17 at 4-hourly and 22 at
    6-hourly (a daily schedule has ``interval_hours`` 24)."""
    if policy_type == "V1":
        return V1_INSTANT_RESTORE_MAX
    return V2_INSTANT_RESTORE_MAX_BY_INTERVAL.get(interval_hours, V2_INSTANT_RESTORE_MAX)


def choose_schedule(rpo_hours: int, *, trusted_launch: bool = False, disk_skus: Collection[str] = ()) -> Schedule:
    """The Azure Backup schedule for a recovery point objective (the one place this mapping lives).

    Under 24 h: Hourly at the largest interval in {4, 6, 8, 12} that is at most ``rpo_hours``; 24 h or
    more: Daily (interval 24). Enhanced (V2) when hourly, Trusted Launch, or a Premium SSD v2 / Ultra disk
    SKU is among ``disk_skus``; else Standard (V1). Raises ``ValueError`` for an RPO under 4 hours.
    """
    if rpo_hours < MIN_RPO_HOURS:
        raise ValueError(f"rpo_hours {rpo_hours}: at least {MIN_RPO_HOURS} (Azure Backup for VMs backs up"
                         f" at most every {MIN_RPO_HOURS} hours)")
    if rpo_hours >= DAILY_INTERVAL_HOURS:
        frequency, interval = "Daily", DAILY_INTERVAL_HOURS
    else:
        frequency, interval = "Hourly", max(i for i in HOURLY_INTERVALS if i <= rpo_hours)
    v2 = frequency == "Hourly" or trusted_launch or bool(set(disk_skus) & set(DATA_ONLY_DISK_SKUS))
    return Schedule(frequency, interval, "V2" if v2 else "V1")


# --- the schedule-range checks: one function each, for config validation and the component alike -----------


class ScheduleProblem(typing.NamedTuple):
    """A rule of Azure's that a plan breaks, in the words of both callers. ``plan``: the line
    :func:`plan_problems` returns (naming the :class:`BackupPlan` field). ``key``, ``value``, ``allowed``: the
    config problem (naming the workload key); ``key`` is None where the workload's field constraints
    (components/config/inputs.py) already rule the value out, so config validation never reports it."""

    plan: str
    key: str | None = None
    value: object = None
    allowed: str = ""


def _check_frequency(plan: BackupPlan) -> list[ScheduleProblem]:
    """Hourly: an interval of 4, 6, 8 or 12 h, an Enhanced (V2) policy, a window from the interval to 23 h.
    Daily: interval 24 and no window."""
    out = []
    interval, window = plan.interval_hours, plan.window_hours
    if plan.frequency == "Hourly":
        if interval not in HOURLY_INTERVALS:
            allowed = ", ".join(str(i) for i in HOURLY_INTERVALS)
            out.append(ScheduleProblem(f"interval_hours {interval}: one of {allowed} for an hourly schedule"))
        if plan.policy_type != "V2":
            out.append(ScheduleProblem(
                f"policy_type {plan.policy_type}: hourly schedules need an Enhanced (V2) policy"))
        if window is None or not interval <= window <= HOURLY_WINDOW_MAX_HOURS:
            out.append(ScheduleProblem(
                f"window_hours {window}: from the interval ({interval}) to {HOURLY_WINDOW_MAX_HOURS}",
                "backupWindowHours", window,
                f"at least the backup interval ({interval} hours) up to {HOURLY_WINDOW_MAX_HOURS}"))
    elif interval != DAILY_INTERVAL_HOURS or window is not None:
        out.append(ScheduleProblem(f"interval_hours {interval}/window_hours {window}: 24/None for Daily",
                                   "backupWindowHours", window,
                                   "only for hourly schedules (rpoHours under 24); remove it"))
    return out


def _check_start_time(plan: BackupPlan) -> list[ScheduleProblem]:
    """"HH:MM" UTC on a :00 or :30 boundary (the workload field's pattern); an hourly window starts by
    19:30."""
    start = plan.start_time_utc
    if not re.fullmatch(START_TIME_PATTERN, start):
        return [ScheduleProblem(f'start_time_utc "{start}": "HH:MM" UTC on a :00 or :30 boundary')]
    latest = HOURLY_WINDOW_LATEST_START
    if plan.frequency == "Hourly" and start > latest:
        return [ScheduleProblem(f'start_time_utc "{start}": an hourly window starts from 00:00 to {latest} UTC',
                                "backupStartTimeUtc", start,
                                f'an hourly window start from "00:00" to "{latest}" (UTC)')]
    return []


def _check_time_zone(plan: BackupPlan) -> list[ScheduleProblem]:
    """Policies are written in UTC."""
    return [] if plan.time_zone == "UTC" else [ScheduleProblem(f'time_zone "{plan.time_zone}": "UTC"')]


def _check_instant_restore_cap(plan: BackupPlan) -> list[ScheduleProblem]:
    """Instant-restore days from 1 to the policy's cap (:func:`instant_restore_cap`)."""
    days, cap = plan.instant_restore_days, instant_restore_cap(plan.policy_type, plan.interval_hours)
    if 1 <= days <= cap:
        return []
    if plan.policy_type == "V1":
        allowed = (f"1 to {cap} days with a Standard (V1) policy (this workload gets V1: daily"
                   " backups, no Trusted Launch, no Premium SSD v2/Ultra disks)")
    else:  # V2: the field already caps at 30, so only the 4- and 6-hourly caps bite in config
        allowed = f"1 to {cap} days with an Enhanced (V2) policy backing up every {plan.interval_hours} hours"
    return [ScheduleProblem(f"instant_restore_days {days}: 1 to {cap} for a {plan.policy_type}"
                            f" {plan.frequency.lower()} policy", "instantRestoreDays", days, allowed)]


def _check_retention(plan: BackupPlan) -> list[ScheduleProblem]:
    """Each retention count in Azure's range (:data:`RETENTION_RANGES`, the workload fields' constraints)."""
    out = []
    for label, (lo, hi) in RETENTION_RANGES.items():
        value = getattr(plan.retention, label)
        if not lo <= value <= hi:
            out.append(ScheduleProblem(f"retention.{label} {value}: {lo} to {hi} (Azure's range)"))
    return out


def _check_instant_within_daily(plan: BackupPlan) -> list[ScheduleProblem]:
    """Instant-restore snapshots are kept no longer than the daily recovery points."""
    days, daily = plan.instant_restore_days, plan.retention.daily_days
    if days <= daily:
        return []
    return [ScheduleProblem(f"instant_restore_days {days}: at most retention.daily_days ({daily})",
                            "instantRestoreDays", days, f"at most the daily retention ({daily} days)")]


#: Every schedule-range check, in the order :func:`plan_problems` reports them.
_CHECKS = (_check_frequency, _check_start_time, _check_time_zone, _check_instant_restore_cap,
           _check_retention, _check_instant_within_daily)


def schedule_problems(plan: BackupPlan) -> list[ScheduleProblem]:
    """Every rule of Azure's that ``plan`` breaks (``[]`` when it is fine)."""
    return [found for check in _CHECKS for found in check(plan)]


def plan_problems(plan: BackupPlan) -> list[str]:
    """Why Azure would reject ``plan`` (``[]`` when it is fine): one line per problem, naming the field."""
    return [found.plan for found in schedule_problems(plan)]


#: The workload keys config validation reports schedule problems on, in its order: one problem per key.
_CONFIG_KEYS = ("instantRestoreDays", "backupStartTimeUtc", "backupWindowHours")


def _config_schedule_problems(plan: BackupPlan) -> list[ScheduleProblem]:
    """The problems of :func:`schedule_problems` a workload's keys can cause, the first one per key, in
    :data:`_CONFIG_KEYS` order."""
    first: dict[str, ScheduleProblem] = {}
    for found in schedule_problems(plan):
        if found.key is not None:
            first.setdefault(found.key, found)
    return [first[k] for k in _CONFIG_KEYS if k in first]


# --- the workload's plan ----------------------------------------------------------------------------------


def _retention(w: WorkloadInput, t: TierPreset) -> Retention:
    """The workload's retention overrides merged over its tier's."""
    r = w.retention
    return Retention(
        daily_days=r.daily_days if r.daily_days is not None else t.daily_days,
        weekly_weeks=r.weekly_weeks if r.weekly_weeks is not None else t.weekly_weeks,
        monthly_months=r.monthly_months if r.monthly_months is not None else t.monthly_months,
        yearly_years=r.yearly_years if r.yearly_years is not None else t.yearly_years,
    )


def _backup_plan(name: str, w: WorkloadInput, t: TierPreset, stack_prefix: str, rpo: int,
                 disk_skus: set[str], problems: list[str]) -> BackupPlan | None:
    """The workload's plan (schedule from its RPO, tier defaults merged), or None with its problems appended
    (:func:`schedule_problems`, the same checks the backup-policy component runs)."""
    frequency, interval, policy_type = choose_schedule(rpo, trusted_launch=w.trusted_launch, disk_skus=disk_skus)
    hourly = frequency == "Hourly"
    irg = w.instant_restore_resource_group
    plan = BackupPlan(
        frequency=frequency, interval_hours=interval, policy_type=policy_type, effective_rpo_hours=interval,
        instant_restore_days=(w.instant_restore_days if w.instant_restore_days is not None
                              else t.instant_restore_days),
        retention=_retention(w, t),
        start_time_utc=w.backup_start_time_utc or (HOURLY_START_UTC if hourly else DAILY_START_UTC),
        # a daily plan keeps the workload's window so that the check reports it (a valid daily plan has None)
        window_hours=w.backup_window_hours if w.backup_window_hours is not None else
        (HOURLY_WINDOW_HOURS if hourly else None),
        time_zone="UTC",
        instant_restore_rg_prefix=irg.prefix or f"rg-{stack_prefix}-{w.tier}-irp-",
        instant_restore_rg_suffix=irg.suffix,
    )
    found = _config_schedule_problems(plan)
    problems.extend(_problem(f"workloads.{name}.{f.key}", f.value, f.allowed) for f in found)
    return None if found else plan
