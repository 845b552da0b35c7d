"""The backup schedule of a workload: RPO -> schedule, instant-restore caps, the resolved BackupPlan.

One implementation: config validation (resolve.py) and components/backup_policy.py both call it."""

from __future__ import annotations

import typing
from collections.abc import Collection
from typing import Literal

from ..facts import DATA_ONLY_DISK_SKUS, HOURLY_INTERVALS, V1_INSTANT_RESTORE_MAX, V2_INSTANT_RESTORE_MAX, V2_INSTANT_RESTORE_MAX_BY_INTERVAL
from .resolved import BackupPlan, Retention
from .tiers import TierPreset
from .inputs import MAX_DAILY, MAX_MONTHLY, MAX_WEEKLY, MAX_YEARLY, MIN_DAILY, WorkloadInput
from .errors import _problem


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
    if rpo_hours < HOURLY_INTERVALS[0]:
        raise ValueError(f"rpo_hours {rpo_hours}: at least {HOURLY_INTERVALS[0]} (Azure Backup for VMs backs up"
                         f" at most every {HOURLY_INTERVALS[0]} hours)")
    if rpo_hours >= 24:
        frequency, interval = "Daily", 24
    else:
        frequency, interval = "Hourly", max(i for i in HOURLY_INTERVALS if i <= rpo_hours)
    v2 = frequency == "Hourly" or trusted_launch or bool(set(disk_skus) & set(DATA_ONLY_DISK_SKUS))
    return Schedule(frequency, interval, "V2" if v2 else "V1")


def _backup_plan(name: str, w: WorkloadInput, t: TierPreset, stack_prefix: str, rpo: int,
                 disk_skus: set[str], problems: list[str]) -> BackupPlan | None:
    p = f"workloads.{name}"
    frequency, interval, policy_type = choose_schedule(rpo, trusted_launch=w.trusted_launch, disk_skus=disk_skus)
    ret_in = w.retention
    retention = Retention(
        daily_days=ret_in.daily_days if ret_in.daily_days is not None else t.daily_days,
        weekly_weeks=ret_in.weekly_weeks if ret_in.weekly_weeks is not None else t.weekly_weeks,
        monthly_months=ret_in.monthly_months if ret_in.monthly_months is not None else t.monthly_months,
        yearly_years=ret_in.yearly_years if ret_in.yearly_years is not None else t.yearly_years,
    )
    instant = w.instant_restore_days if w.instant_restore_days is not None else t.instant_restore_days
    ok = True
    cap = instant_restore_cap(policy_type, interval)
    if policy_type == "V1" and instant > cap:
        problems.append(_problem(
            f"{p}.instantRestoreDays", instant,
            f"1 to {cap} days with a Standard (V1) policy (this workload gets V1: daily"
            " backups, no Trusted Launch, no Premium SSD v2/Ultra disks)"))
        ok = False
    elif instant > cap:  # V2: the field already caps at 30, so only the 4- and 6-hourly caps bite here
        problems.append(_problem(
            f"{p}.instantRestoreDays", instant,
            f"1 to {cap} days with an Enhanced (V2) policy backing up every {interval} hours"))
        ok = False
    elif instant > retention.daily_days:
        problems.append(_problem(f"{p}.instantRestoreDays", instant,
                                 f"at most the daily retention ({retention.daily_days} days)"))
        ok = False
    start = w.backup_start_time_utc or ("04:00" if frequency == "Hourly" else "22:00")
    window = None
    if frequency == "Hourly":
        window = w.backup_window_hours if w.backup_window_hours is not None else 20
        if start > "19:30":
            problems.append(_problem(f"{p}.backupStartTimeUtc", start,
                                     'an hourly window start from "00:00" to "19:30" (UTC)'))
            ok = False
        if window < interval:
            problems.append(_problem(f"{p}.backupWindowHours", window,
                                     f"at least the backup interval ({interval} hours) up to 23"))
            ok = False
    elif w.backup_window_hours is not None:
        problems.append(_problem(f"{p}.backupWindowHours", w.backup_window_hours,
                                 "only for hourly schedules (rpoHours under 24); remove it"))
        ok = False
    if not ok:
        return None
    irg = w.instant_restore_resource_group
    return BackupPlan(
        frequency=frequency, interval_hours=interval, policy_type=policy_type, effective_rpo_hours=interval,
        instant_restore_days=instant, retention=retention, start_time_utc=start, window_hours=window,
        time_zone="UTC",
        instant_restore_rg_prefix=irg.prefix or f"rg-{stack_prefix}-{w.tier}-irp-",
        instant_restore_rg_suffix=irg.suffix,
    )


def plan_problems(plan: BackupPlan) -> list[str]:
    """Why Azure would reject ``plan`` (``[]`` when it is fine): one line per problem, naming the field."""
    out: list[str] = []
    if plan.frequency == "Hourly":
        if plan.interval_hours not in HOURLY_INTERVALS:
            out.append(f"interval_hours {plan.interval_hours}: one of 4, 6, 8, 12 for an hourly schedule")
        if plan.policy_type != "V2":
            out.append(f"policy_type {plan.policy_type}: hourly schedules need an Enhanced (V2) policy")
        if plan.window_hours is None or not plan.interval_hours <= plan.window_hours <= 23:
            out.append(f"window_hours {plan.window_hours}: from the interval ({plan.interval_hours}) to 23")
    elif plan.interval_hours != 24 or plan.window_hours is not None:
        out.append(f"interval_hours {plan.interval_hours}/window_hours {plan.window_hours}: 24/None for Daily")
    hh, _, mm = plan.start_time_utc.partition(":")
    if not (hh.isdigit() and len(hh) == 2 and int(hh) < 24 and mm in ("00", "30")):
        out.append(f'start_time_utc "{plan.start_time_utc}": "HH:MM" UTC on a :00 or :30 boundary')
    elif plan.frequency == "Hourly" and plan.start_time_utc > "19:30":
        out.append(f'start_time_utc "{plan.start_time_utc}": an hourly window starts from 00:00 to 19:30 UTC')
    if plan.time_zone != "UTC":
        out.append(f'time_zone "{plan.time_zone}": "UTC"')
    cap = instant_restore_cap(plan.policy_type, plan.interval_hours)
    if not 1 <= plan.instant_restore_days <= cap:
        out.append(f"instant_restore_days {plan.instant_restore_days}: 1 to {cap} for a {plan.policy_type}"
                   f" {plan.frequency.lower()} policy")
    r = plan.retention
    for label, value, lo, hi in (("daily_days", r.daily_days, MIN_DAILY, MAX_DAILY),
                                 ("weekly_weeks", r.weekly_weeks, 0, MAX_WEEKLY),
                                 ("monthly_months", r.monthly_months, 0, MAX_MONTHLY),
                                 ("yearly_years", r.yearly_years, 0, MAX_YEARLY)):
        if not lo <= value <= hi:
            out.append(f"retention.{label} {value}: {lo} to {hi} (Azure's range)")
    if plan.instant_restore_days > r.daily_days:
        out.append(f"instant_restore_days {plan.instant_restore_days}: at most retention.daily_days"
                   f" ({r.daily_days})")
    return out
