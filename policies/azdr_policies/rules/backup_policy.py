"""Azure IaaS VM backup policy rules (AZDR-BKP-*): schedule and retention content, checked
before deploy. They judge `azure-native:recoveryservices:ProtectionPolicy` resources whose
`properties.backupManagementType` is `AzureIaasVM` (API 2024-10-01 wire shapes:
`SimpleSchedulePolicy`/`SimpleSchedulePolicyV2`, `LongTermRetentionPolicy`)."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, Severity

from ..facts import (
    HOURLY_INTERVALS,
    MAX_DAILY_RETENTION,
    MAX_MONTHLY_RETENTION,
    MAX_WEEKLY_RETENTION,
    MAX_YEARLY_RETENTION,
    MIN_DAILY_RETENTION_DAYS,
    V1_INSTANT_RESTORE_MAX,
    V1_WEEKLY_INSTANT_RESTORE_DAYS,
    V2_INSTANT_RESTORE_MAX,
    V2_INSTANT_RESTORE_MAX_BY_INTERVAL,
    V2_WEEKLY_INSTANT_RESTORE_MAX,
    V2_WEEKLY_INSTANT_RESTORE_MIN,
)
from ..framework import ConfigKey, Rule, RuleConfig
from ..props import MISSING, PROTECTION_POLICY, as_int, get, same_text, show

LEARN_ENHANCED = "https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy"
LEARN_INSTANT = "https://learn.microsoft.com/azure/backup/backup-instant-restore-capability"
LEARN_MATRIX = "https://learn.microsoft.com/azure/backup/backup-support-matrix-iaas"
LEARN_POLICY_API = "https://learn.microsoft.com/rest/api/backup/protection-policies/create-or-update"

SCHEDULE = "properties.schedulePolicy"
FREQUENCY = f"{SCHEDULE}.scheduleRunFrequency"
INTERVAL = f"{SCHEDULE}.hourlySchedule.interval"
WINDOW = f"{SCHEDULE}.hourlySchedule.scheduleWindowDuration"
POLICY_TYPE = "properties.policyType"
INSTANT_DAYS = "properties.instantRpRetentionRangeInDays"
RETENTION = "properties.retentionPolicy"


# granularity -> (schedule key, unit, Azure maximum, config key, durationType)
GRANULARITIES = {
    "daily": ("dailySchedule", "days", MAX_DAILY_RETENTION, "minimumDailyRetentionDays", "Days"),
    "weekly": ("weeklySchedule", "weeks", MAX_WEEKLY_RETENTION, "minimumWeeklyRetentionWeeks", "Weeks"),
    "monthly": ("monthlySchedule", "months", MAX_MONTHLY_RETENTION, "minimumMonthlyRetentionMonths", "Months"),
    "yearly": ("yearlySchedule", "years", MAX_YEARLY_RETENTION, "minimumYearlyRetentionYears", "Years"),
}

SNIPPET_V2_HOURLY = """
import pulumi_azure_native.recoveryservices as rs

rs.ProtectionPolicy("vm-enhanced-4h", resource_group_name=rg.name, vault_name=vault.name,
    properties=rs.AzureIaaSVMProtectionPolicyArgs(
        backup_management_type="AzureIaasVM", policy_type=rs.IAASVMPolicyType.V2, time_zone="UTC",
        instant_rp_retention_range_in_days=7,
        schedule_policy=rs.SimpleSchedulePolicyV2Args(schedule_policy_type="SimpleSchedulePolicyV2",
            schedule_run_frequency=rs.ScheduleRunType.HOURLY,
            hourly_schedule=rs.HourlyScheduleArgs(interval=4,
                schedule_window_start_time="2024-01-01T08:00:00Z", schedule_window_duration=16)),
        retention_policy=rs.LongTermRetentionPolicyArgs(retention_policy_type="LongTermRetentionPolicy",
            daily_schedule=rs.DailyRetentionScheduleArgs(retention_times=["2024-01-01T08:00:00Z"],
                retention_duration=rs.RetentionDurationArgs(count=30,
                    duration_type=rs.RetentionDurationType.DAYS)))))
"""


def is_iaas_vm_policy(args: ResourceValidationArgs) -> bool:
    return same_text(get(args.props, "properties.backupManagementType"), "AzureIaasVM")


def _is_v2(props) -> bool:
    return same_text(get(props, POLICY_TYPE), "V2")


def _is_hourly(props) -> bool:
    return same_text(get(props, FREQUENCY), "Hourly")


def _common(**kw):
    base = dict(
        kind="resource",
        resource_types=(PROTECTION_POLICY,),
        applies=is_iaas_vm_policy,
        unknown="advisory",
        unknown_note=(
            "Policy content is normally literal; an unknown value cannot be judged before deploy, so the SDK "
            "reports an advisory."
        ),
        tags=("backup-policy",),
    )
    base.update(kw)
    return base


# ---- AZDR-BKP-001 ------------------------------------------------------------------------------


def check_hourly_needs_v2(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    if not _is_hourly(args.props):
        return
    ptype = get(args.props, POLICY_TYPE)
    if not _is_v2(args.props):
        yield (
            f"policy '{args.name}' runs Hourly backups but {POLICY_TYPE} is {show(ptype)} (not set means V1): "
            f"hourly schedules need an Enhanced policy; set {POLICY_TYPE} to 'V2' with a SimpleSchedulePolicyV2"
        )
        return
    stype = get(args.props, f"{SCHEDULE}.schedulePolicyType")
    if not same_text(stype, "SimpleSchedulePolicyV2"):
        yield (
            f"policy '{args.name}' is V2 and Hourly but {SCHEDULE}.schedulePolicyType is {show(stype)}: "
            f"use SimpleSchedulePolicyV2 (rs.SimpleSchedulePolicyV2Args) with an hourlySchedule"
        )


BKP_HOURLY_V2 = Rule(
    id="AZDR-BKP-001",
    name="backup-policy-hourly-needs-enhanced",
    title="Hourly VM backup schedules must be on Enhanced (V2) policies.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    seed_section="Backup and DR scenarios",
    rationale=(
        "'Backup and DR scenarios' (scenario 3) says that if the application modifies data every day, the "
        "backup should be taken every hour. Azure Backup offers several backups a day only on Enhanced (V2) "
        "policies with a SimpleSchedulePolicyV2; a Standard policy with an hourly schedule is rejected at "
        "deploy time, leaving the VM on nothing better than a daily recovery point."
    ),
    remediation="Make the policy Enhanced (policyType V2) with a SimpleSchedulePolicyV2 hourly schedule.",
    snippet=SNIPPET_V2_HOURLY,
    links=(LEARN_ENHANCED, LEARN_POLICY_API),
    missing="policyType not set means V1 (Azure default, Standard policy): an hourly schedule fails.",
    check=check_hourly_needs_v2,
    **_common(),
)


# ---- AZDR-BKP-002 ------------------------------------------------------------------------------


def check_hourly_interval(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    if not _is_hourly(args.props):
        return
    raw = get(args.props, INTERVAL)
    if as_int(raw) not in HOURLY_INTERVALS:
        yield (
            f"policy '{args.name}' backs up every {show(raw)} hours: Azure accepts an hourly interval of "
            f"4, 6, 8 or 12; set {INTERVAL} to one of them"
        )


BKP_HOURLY_INTERVAL = Rule(
    id="AZDR-BKP-002",
    name="backup-policy-hourly-interval",
    title="Hourly VM backup schedules must use an interval of 4, 6, 8 or 12 hours.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    seed_section="Backup and DR scenarios",
    rationale=(
        "'Backup and DR scenarios' (scenario 3) sets the backup frequency from the workload. Azure Backup "
        "accepts an hourly interval of 4, 6, 8 or 12 hours only (24 is a daily schedule); any other value "
        "fails at deploy time and the VM keeps its old, less frequent schedule."
    ),
    remediation="Set hourlySchedule.interval to 4, 6, 8 or 12.",
    snippet="""
rs.HourlyScheduleArgs(interval=4, schedule_window_start_time="2024-01-01T08:00:00Z",
                      schedule_window_duration=16)
""",
    links=(LEARN_ENHANCED,),
    missing="An hourly schedule without an interval has no Azure default and fails.",
    check=check_hourly_interval,
    **_common(),
)


# ---- AZDR-BKP-003 ------------------------------------------------------------------------------


def check_hourly_window(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    if not _is_hourly(args.props):
        return
    raw = get(args.props, WINDOW)
    window = as_int(raw)
    if window is None or window < 1:
        yield (
            f"policy '{args.name}' has an hourly schedule with window duration {show(raw)}: "
            f"set {WINDOW} to a whole number of hours, at least the interval"
        )
        return
    interval = as_int(get(args.props, INTERVAL))
    if interval in HOURLY_INTERVALS and window < interval:
        yield (
            f"policy '{args.name}' has a {window}-hour backup window, shorter than its {interval}-hour interval: "
            f"no backup would run in some windows; set {WINDOW} to at least {interval}"
        )


BKP_HOURLY_WINDOW = Rule(
    id="AZDR-BKP-003",
    name="backup-policy-hourly-window",
    title="An hourly VM backup window must be at least as long as the backup interval.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    seed_section="Backup and DR scenarios",
    rationale=(
        "'Backup and DR scenarios' (scenario 3) asks for hourly backups of data that changes through the day. "
        "Backups run only inside the schedule window; a window shorter than the interval fits at most one "
        "backup, silently turning an hourly policy into a daily one (Azure rejects it)."
    ),
    remediation="Make hourlySchedule.scheduleWindowDuration at least the interval (e.g. 16 hours for every 4).",
    snippet="""
rs.HourlyScheduleArgs(interval=6, schedule_window_start_time="2024-01-01T06:00:00Z",
                      schedule_window_duration=18)
""",
    links=(LEARN_ENHANCED,),
    missing="An hourly schedule without a window duration has no Azure default and fails.",
    check=check_hourly_window,
    **_common(),
)


# ---- AZDR-BKP-004 ------------------------------------------------------------------------------


def instant_restore_range(props) -> tuple[int, int, str]:
    """(min, max, why) of instantRpRetentionRangeInDays for this policy."""
    if same_text(get(props, FREQUENCY), "Weekly"):
        if not _is_v2(props):
            return (V1_WEEKLY_INSTANT_RESTORE_DAYS, V1_WEEKLY_INSTANT_RESTORE_DAYS,
                    "a Standard (V1) weekly policy is fixed at")
        return V2_WEEKLY_INSTANT_RESTORE_MIN, V2_WEEKLY_INSTANT_RESTORE_MAX, "an Enhanced (V2) weekly policy allows"
    if not _is_v2(props):
        return 1, V1_INSTANT_RESTORE_MAX, "a Standard (V1) policy allows"
    if _is_hourly(props):
        interval = as_int(get(props, INTERVAL))
        if interval in V2_INSTANT_RESTORE_MAX_BY_INTERVAL:
            return 1, V2_INSTANT_RESTORE_MAX_BY_INTERVAL[interval], f"an Enhanced policy backing up every {interval} hours allows"
    return 1, V2_INSTANT_RESTORE_MAX, "an Enhanced (V2) policy allows"


def check_instant_restore(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    raw = get(args.props, INSTANT_DAYS)
    if raw is MISSING:
        return
    lo, hi, why = instant_restore_range(args.props)
    days = as_int(raw)
    if days is None or not lo <= days <= hi:
        yield (
            f"policy '{args.name}' keeps instant-restore snapshots {show(raw)} days; {why} {lo}-{hi}: "
            f"set {INSTANT_DAYS} within that range"
        )


BKP_INSTANT_RESTORE = Rule(
    id="AZDR-BKP-004",
    name="backup-policy-instant-restore-days",
    title="Instant-restore snapshot retention must be within Azure's range for the policy type.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    seed_section="Steps for recovery",
    rationale=(
        "'Steps for recovery' restores a VM from a recovery point in the vault; instant-restore snapshots make "
        "the most recent points restorable in minutes. Azure accepts 1-5 days on Standard (V1) policies and "
        "1-30 on Enhanced (V2), at most 17 when backing up every 4 hours and 22 every 6 hours; weekly schedules "
        "differ: Standard is fixed at 5 days, Enhanced takes 5-20. Out of range, the policy fails to deploy. The "
        "8-hourly cap is undocumented ('depends on the number of snapshots you take per day'): the pack takes the "
        "safe side, 22, the 6-hourly cap."
    ),
    remediation="Keep instantRpRetentionRangeInDays within the range the message names.",
    snippet="""
rs.AzureIaaSVMProtectionPolicyArgs(backup_management_type="AzureIaasVM",
    policy_type=rs.IAASVMPolicyType.V2, instant_rp_retention_range_in_days=7)
""",
    links=(LEARN_INSTANT, LEARN_ENHANCED),
    missing="Not set: Azure applies its default (2 days on V1), inside every range, so the rule passes.",
    check=check_instant_restore,
    **_common(),
)


# ---- AZDR-BKP-005 / 006 ------------------------------------------------------------------------


def _retention_counts(props) -> dict[str, tuple[str, object]]:
    """granularity -> (wire path of the count, raw count) for each retention present."""
    out: dict[str, tuple[str, object]] = {}
    rtype = get(props, f"{RETENTION}.retentionPolicyType")
    if same_text(rtype, "SimpleRetentionPolicy"):
        dtype = get(props, f"{RETENTION}.retentionDuration.durationType")
        for g, (_k, _u, _m, _c, duration_type) in GRANULARITIES.items():
            if same_text(dtype, duration_type):
                path = f"{RETENTION}.retentionDuration.count"
                out[g] = (path, get(props, path))
        return out
    for g, (key, *_rest) in GRANULARITIES.items():
        if get(props, f"{RETENTION}.{key}") is not MISSING:
            path = f"{RETENTION}.{key}.retentionDuration.count"
            out[g] = (path, get(props, path))
    return out


def check_minimum_retention(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]:
    counts = _retention_counts(args.props)
    weekly_schedule = same_text(get(args.props, FREQUENCY), "Weekly")
    for g, (key, unit, _max, config_key, _dt) in GRANULARITIES.items():
        minimum = cfg[config_key]
        if minimum <= 0 or (g == "daily" and weekly_schedule):
            continue
        if g not in counts:
            yield (
                f"policy '{args.name}' has no {g} retention; keep at least {minimum} {unit} "
                f"({config_key}): add {RETENTION}.{key}"
            )
            continue
        path, raw = counts[g]
        count = as_int(raw)
        if count is None or count < minimum:
            yield (
                f"policy '{args.name}' keeps {g} recovery points {show(raw)} {unit}; keep at least {minimum} "
                f"({config_key}): set {path}"
            )


BKP_MIN_RETENTION = Rule(
    id="AZDR-BKP-005",
    name="backup-policy-minimum-retention",
    title="VM backup policies must retain recovery points at least the configured minimum per granularity.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    seed_section="Disaster recovery solution: Azure Backup",
    rationale=(
        "'Disaster recovery solution: Azure Backup' relies on backup retention policies for long-term "
        "retention, and scenario 4 of the seed ('Backup and DR scenarios') needs a last known-good point older "
        "than the corruption. Retention shorter than the organisation's minimum loses that point. The daily "
        "minimum applies to daily and hourly schedules; weekly, monthly and yearly minimums apply when "
        "configured above 0."
    ),
    remediation=(
        "Raise the retention counts to at least the configured minimums (minimumDailyRetentionDays defaults "
        "to 7, Azure's own minimum for VM policies and the seed's short-retention reporting server; raise it "
        "in the pack config for stricter estates)."
    ),
    snippet="""
rs.LongTermRetentionPolicyArgs(retention_policy_type="LongTermRetentionPolicy",
    daily_schedule=rs.DailyRetentionScheduleArgs(retention_times=["2024-01-01T22:00:00Z"],
        retention_duration=rs.RetentionDurationArgs(count=30, duration_type=rs.RetentionDurationType.DAYS)))
""",
    links=(LEARN_MATRIX, LEARN_POLICY_API),
    missing=(
        "A missing retention policy or schedule has no Azure default (Azure rejects a VM policy without daily "
        "retention): the granularity fails when its minimum is above 0."
    ),
    check=check_minimum_retention,
    config=(
        ConfigKey("minimumDailyRetentionDays", "integer", MIN_DAILY_RETENTION_DAYS,
                  "Fewest daily recovery points (days); Azure's own floor for VM policies is 7.",
                  minimum=MIN_DAILY_RETENTION_DAYS, maximum=MAX_DAILY_RETENTION),
        ConfigKey("minimumWeeklyRetentionWeeks", "integer", 0, "Fewest weekly recovery points (weeks); 0: not required.",
                  minimum=0, maximum=MAX_WEEKLY_RETENTION),
        ConfigKey("minimumMonthlyRetentionMonths", "integer", 0,
                  "Fewest monthly recovery points (months); 0: not required.", minimum=0, maximum=MAX_MONTHLY_RETENTION),
        ConfigKey("minimumYearlyRetentionYears", "integer", 0, "Fewest yearly recovery points (years); 0: not required.",
                  minimum=0, maximum=MAX_YEARLY_RETENTION),
    ),
    **_common(),
)


#: Azure's smallest count per granularity: VM policies keep daily points at least 7 days (components/facts.py).
MINIMA = {"daily": MIN_DAILY_RETENTION_DAYS, "weekly": 1, "monthly": 1, "yearly": 1}


def check_retention_limits(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    for g, (path, raw) in _retention_counts(args.props).items():
        _key, unit, maximum, _c, _dt = GRANULARITIES[g]
        count = as_int(raw)
        if count is None or not MINIMA[g] <= count <= maximum:
            yield (
                f"policy '{args.name}' keeps {g} recovery points {show(raw)} {unit}; Azure allows "
                f"{MINIMA[g]}-{maximum}: set {path} within that range"
            )


BKP_RETENTION_LIMITS = Rule(
    id="AZDR-BKP-006",
    name="backup-policy-retention-limits",
    title="VM backup policy retention counts must be within Azure's limits.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    seed_section="Steps to enable a backup",
    rationale=(
        "'Steps to enable a backup' step 3 configures the backup policy. Azure rejects VM-policy retention counts "
        f"outside daily {MIN_DAILY_RETENTION_DAYS}-{MAX_DAILY_RETENTION}, weekly 1-{MAX_WEEKLY_RETENTION}, monthly "
        f"1-{MAX_MONTHLY_RETENTION} and yearly 1-{MAX_YEARLY_RETENTION} (the daily floor of 7 is Azure "
        "PowerShell's MinDurationCountInDays for VMs and Terraform's 'can no longer be less than 7 days'), so the policy (and the protection of "
        "every VM on it) fails to deploy; catching it before deploy keeps the change reviewable."
    ),
    remediation="Keep every retentionDuration.count within Azure's limit for its granularity.",
    snippet="""
rs.YearlyRetentionScheduleArgs(retention_schedule_format_type="Weekly", months_of_year=["January"],
    retention_schedule_weekly=rs.WeeklyRetentionFormatArgs(days_of_the_week=["Sunday"], weeks_of_the_month=["First"]),
    retention_times=["2024-01-01T22:00:00Z"],
    retention_duration=rs.RetentionDurationArgs(count=10, duration_type=rs.RetentionDurationType.YEARS))
""",
    links=(LEARN_MATRIX,),
    missing="A granularity that is not set is not judged here (AZDR-BKP-005 judges missing retention).",
    check=check_retention_limits,
    **_common(),
)


RULES = [
    BKP_HOURLY_V2,
    BKP_HOURLY_INTERVAL,
    BKP_HOURLY_WINDOW,
    BKP_INSTANT_RESTORE,
    BKP_MIN_RETENTION,
    BKP_RETENTION_LIMITS,
]
