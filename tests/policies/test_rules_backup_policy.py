"""AZDR-BKP-*: IaaS VM backup policy content."""

import pytest
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE, UnknownValueError

from azdr_policies import RULES_BY_ID

from .cases import Case, advisory, params
from .factories import DELETE, file_share_policy_props, mutate, v1_daily_policy_props, v2_daily_policy_props, \
    v2_hourly_policy_props
from .harness import run_resource

PT = "properties.policyType"
FREQ = "properties.schedulePolicy.scheduleRunFrequency"
STYPE = "properties.schedulePolicy.schedulePolicyType"
INTERVAL = "properties.schedulePolicy.hourlySchedule.interval"
WINDOW = "properties.schedulePolicy.hourlySchedule.scheduleWindowDuration"
IRP = "properties.instantRpRetentionRangeInDays"
RET = "properties.retentionPolicy"
DAILY = f"{RET}.dailySchedule.retentionDuration.count"
WEEKLY = f"{RET}.weeklySchedule.retentionDuration.count"
MONTHLY = f"{RET}.monthlySchedule.retentionDuration.count"
YEARLY = f"{RET}.yearlySchedule.retentionDuration.count"

H = v2_hourly_policy_props()
D2 = v2_daily_policy_props()
D1 = v1_daily_policy_props()
FS = file_share_policy_props()
N = "pol"


def c(rule, case_id, props, expected=(), config=None):
    return Case(rule, case_id, props, list(expected), config=config, name=N)


def _v1_hourly(ptype):
    return (f"[AZDR-BKP-001] policy 'pol' runs Hourly backups but {PT} is {ptype} (not set means V1): hourly "
            f"schedules need an Enhanced policy; set {PT} to 'V2' with a SimpleSchedulePolicyV2")


CASES = [
    c("AZDR-BKP-001", "pass-v2-hourly", H),
    c("AZDR-BKP-001", "pass-v1-daily", D1),
    c("AZDR-BKP-001", "pass-v1-missing-type-daily", mutate(D1, PT, DELETE)),
    c("AZDR-BKP-001", "pass-non-vm-policy-ignored", FS),
    c("AZDR-BKP-001", "fail-v1-hourly", mutate(H, PT, "V1"), [_v1_hourly("'V1'")]),
    c("AZDR-BKP-001", "fail-missing-type-hourly", mutate(H, PT, DELETE), [_v1_hourly("not set")]),
    c("AZDR-BKP-001", "fail-v2-hourly-with-v1-schedule-type", mutate(H, STYPE, "SimpleSchedulePolicy"),
      [f"[AZDR-BKP-001] policy 'pol' is V2 and Hourly but properties.schedulePolicy.schedulePolicyType is "
       f"'SimpleSchedulePolicy': use SimpleSchedulePolicyV2 (rs.SimpleSchedulePolicyV2Args) with an hourlySchedule"]),
]


def _interval(v):
    return (f"[AZDR-BKP-002] policy 'pol' backs up every {v} hours: Azure accepts an hourly interval of 4, 6, 8 or "
            f"12; set {INTERVAL} to one of them")


CASES += [c("AZDR-BKP-002", f"pass-interval-{i}", mutate(mutate(H, INTERVAL, i), WINDOW, 12)) for i in (4, 6, 8, 12)]
CASES += [
    c("AZDR-BKP-002", "pass-daily-has-no-interval", D2),
    c("AZDR-BKP-002", "fail-interval-3", mutate(H, INTERVAL, 3), [_interval("3")]),
    c("AZDR-BKP-002", "fail-interval-5", mutate(H, INTERVAL, 5), [_interval("5")]),
    c("AZDR-BKP-002", "fail-interval-24", mutate(H, INTERVAL, 24), [_interval("24")]),
    c("AZDR-BKP-002", "fail-interval-fractional", mutate(H, INTERVAL, 4.5), [_interval("4.5")]),
    c("AZDR-BKP-002", "fail-interval-missing", mutate(H, INTERVAL, DELETE), [_interval("not set")]),
    c("AZDR-BKP-002", "fail-interval-string", mutate(H, INTERVAL, "4"), [_interval("'4'")]),
]


def _window_short(w, i):
    return (f"[AZDR-BKP-003] policy 'pol' has a {w}-hour backup window, shorter than its {i}-hour interval: no "
            f"backup would run in some windows; set {WINDOW} to at least {i}")


def _window_bad(v):
    return (f"[AZDR-BKP-003] policy 'pol' has an hourly schedule with window duration {v}: set {WINDOW} to a whole "
            f"number of hours, at least the interval")


CASES += [
    c("AZDR-BKP-003", "pass-window-16-interval-4", H),
    c("AZDR-BKP-003", "pass-window-equals-interval", mutate(mutate(H, INTERVAL, 8), WINDOW, 8)),
    c("AZDR-BKP-003", "pass-window-above-interval", mutate(mutate(H, INTERVAL, 12), WINDOW, 13)),
    c("AZDR-BKP-003", "pass-invalid-interval-left-to-bkp-002", mutate(mutate(H, INTERVAL, 5), WINDOW, 4)),
    c("AZDR-BKP-003", "fail-window-below-interval", mutate(mutate(H, INTERVAL, 8), WINDOW, 7), [_window_short(7, 8)]),
    c("AZDR-BKP-003", "fail-window-missing", mutate(H, WINDOW, DELETE), [_window_bad("not set")]),
    c("AZDR-BKP-003", "fail-window-zero", mutate(H, WINDOW, 0), [_window_bad("0")]),
]


def _irp(v, why, lo, hi):
    return (f"[AZDR-BKP-004] policy 'pol' keeps instant-restore snapshots {v} days; {why} {lo}-{hi}: set {IRP} "
            f"within that range")


V1W = "a Standard (V1) policy allows"
V2W = "an Enhanced (V2) policy allows"
H4 = "an Enhanced policy backing up every 4 hours allows"
H6 = "an Enhanced policy backing up every 6 hours allows"
H6P = mutate(mutate(H, INTERVAL, 6), WINDOW, 18)
H12 = mutate(mutate(H, INTERVAL, 12), WINDOW, 12)
CASES += [
    c("AZDR-BKP-004", "pass-v1-at-1", mutate(D1, IRP, 1)),
    c("AZDR-BKP-004", "pass-v1-at-5", mutate(D1, IRP, 5)),
    c("AZDR-BKP-004", "pass-missing-azure-default", mutate(D1, IRP, DELETE)),
    c("AZDR-BKP-004", "pass-v2-daily-at-30", mutate(D2, IRP, 30)),
    c("AZDR-BKP-004", "pass-v2-4h-at-17", mutate(H, IRP, 17)),
    c("AZDR-BKP-004", "pass-v2-6h-at-22", mutate(H6P, IRP, 22)),
    c("AZDR-BKP-004", "pass-v2-12h-at-30", mutate(H12, IRP, 30)),
    c("AZDR-BKP-004", "fail-v1-at-0", mutate(D1, IRP, 0), [_irp("0", V1W, 1, 5)]),
    c("AZDR-BKP-004", "fail-v1-at-6", mutate(D1, IRP, 6), [_irp("6", V1W, 1, 5)]),
    c("AZDR-BKP-004", "fail-missing-type-at-7", mutate(mutate(D1, PT, DELETE), IRP, 7), [_irp("7", V1W, 1, 5)]),
    c("AZDR-BKP-004", "fail-v2-daily-at-31", mutate(D2, IRP, 31), [_irp("31", V2W, 1, 30)]),
    c("AZDR-BKP-004", "fail-v2-4h-at-18", mutate(H, IRP, 18), [_irp("18", H4, 1, 17)]),
    c("AZDR-BKP-004", "fail-v2-6h-at-23", mutate(H6P, IRP, 23), [_irp("23", H6, 1, 22)]),
    c("AZDR-BKP-004", "fail-v2-12h-at-31", mutate(H12, IRP, 31), [_irp("31", V2W, 1, 30)]),
    c("AZDR-BKP-004", "fail-fractional", mutate(D2, IRP, 2.5), [_irp("2.5", V2W, 1, 30)]),
    # audit W7: weekly schedules: Standard fixed at 5 days, Enhanced 5-20
    c("AZDR-BKP-004", "pass-v1-weekly-at-5", mutate(mutate(D1, FREQ, "Weekly"), IRP, 5)),
    c("AZDR-BKP-004", "fail-v1-weekly-at-2", mutate(mutate(D1, FREQ, "Weekly"), IRP, 2),
      [_irp("2", "a Standard (V1) weekly policy is fixed at", 5, 5)]),
    c("AZDR-BKP-004", "pass-v2-weekly-at-20", mutate(mutate(D2, FREQ, "Weekly"), IRP, 20)),
    c("AZDR-BKP-004", "fail-v2-weekly-at-4", mutate(mutate(D2, FREQ, "Weekly"), IRP, 4),
      [_irp("4", "an Enhanced (V2) weekly policy allows", 5, 20)]),
    c("AZDR-BKP-004", "fail-v2-weekly-at-21", mutate(mutate(D2, FREQ, "Weekly"), IRP, 21),
      [_irp("21", "an Enhanced (V2) weekly policy allows", 5, 20)]),
]


def _min(g, v, unit, minimum, key, path):
    return (f"[AZDR-BKP-005] policy 'pol' keeps {g} recovery points {v} {unit}; keep at least {minimum} ({key}): "
            f"set {path}")


def _none(g, unit, minimum, key, sched):
    return (f"[AZDR-BKP-005] policy 'pol' has no {g} retention; keep at least {minimum} {unit} ({key}): add "
            f"{RET}.{sched}")


ALL_MIN = {"minimumDailyRetentionDays": 30, "minimumWeeklyRetentionWeeks": 12, "minimumMonthlyRetentionMonths": 12,
           "minimumYearlyRetentionYears": 3}
WEEKLY_SCHED = mutate(mutate(mutate(D1, FREQ, "Weekly"), f"{RET}.dailySchedule", DELETE), f"{RET}.weeklySchedule",
                      {"daysOfTheWeek": ["Sunday"], "retentionTimes": ["2024-01-01T22:00:00Z"],
                       "retentionDuration": {"count": 12, "durationType": "Weeks"}})
SIMPLE = mutate(D1, RET, {"retentionPolicyType": "SimpleRetentionPolicy",
                          "retentionDuration": {"count": 30, "durationType": "Days"}})
CASES += [
    c("AZDR-BKP-005", "pass-daily-at-default-minimum-7", mutate(D1, DAILY, 7)),
    c("AZDR-BKP-005", "pass-daily-above-minimum", mutate(D1, DAILY, 8)),
    c("AZDR-BKP-005", "pass-all-at-configured-minimums", H, config=ALL_MIN),
    c("AZDR-BKP-005", "pass-at-raised-configured-minimum", mutate(D1, DAILY, 30), config={"minimumDailyRetentionDays": 30}),
    c("AZDR-BKP-005", "pass-weekly-schedule-needs-no-daily", WEEKLY_SCHED),
    c("AZDR-BKP-005", "pass-simple-retention-days", SIMPLE),
    c("AZDR-BKP-005", "fail-daily-6-below-default-7", mutate(D1, DAILY, 6),
      [_min("daily", "6", "days", 7, "minimumDailyRetentionDays", DAILY)]),
    c("AZDR-BKP-005", "fail-daily-below-configured-minimum", mutate(D1, DAILY, 59),
      [_min("daily", "59", "days", 60, "minimumDailyRetentionDays", DAILY)], config={"minimumDailyRetentionDays": 60}),
    c("AZDR-BKP-005", "fail-no-retention-policy", mutate(D1, RET, DELETE),
      [_none("daily", "days", 7, "minimumDailyRetentionDays", "dailySchedule")]),
    c("AZDR-BKP-005", "fail-count-missing", mutate(D1, DAILY, DELETE),
      [_min("daily", "not set", "days", 7, "minimumDailyRetentionDays", DAILY)]),
    c("AZDR-BKP-005", "fail-simple-retention-too-short",
      mutate(SIMPLE, f"{RET}.retentionDuration.count", 5),
      [_min("daily", "5", "days", 7, "minimumDailyRetentionDays", f"{RET}.retentionDuration.count")]),
    c("AZDR-BKP-005", "fail-each-granularity-below-minimum",
      mutate(mutate(mutate(mutate(H, DAILY, 29), WEEKLY, 11), MONTHLY, 11), YEARLY, 2),
      [_min("daily", "29", "days", 30, "minimumDailyRetentionDays", DAILY),
       _min("weekly", "11", "weeks", 12, "minimumWeeklyRetentionWeeks", WEEKLY),
       _min("monthly", "11", "months", 12, "minimumMonthlyRetentionMonths", MONTHLY),
       _min("yearly", "2", "years", 3, "minimumYearlyRetentionYears", YEARLY)], config=ALL_MIN),
    c("AZDR-BKP-005", "fail-missing-granularities-when-required", D1,
      [_none("weekly", "weeks", 12, "minimumWeeklyRetentionWeeks", "weeklySchedule"),
       _none("monthly", "months", 12, "minimumMonthlyRetentionMonths", "monthlySchedule"),
       _none("yearly", "years", 3, "minimumYearlyRetentionYears", "yearlySchedule")], config=ALL_MIN),
]


def _lim(g, v, unit, maximum, path):
    lo = 7 if g == "daily" else 1
    return (f"[AZDR-BKP-006] policy 'pol' keeps {g} recovery points {v} {unit}; Azure allows {lo}-{maximum}: set "
            f"{path} within that range")


CASES += [
    c("AZDR-BKP-006", "pass-baseline", H),
    c("AZDR-BKP-006", "pass-all-at-maxima",
      mutate(mutate(mutate(mutate(H, DAILY, 9999), WEEKLY, 5163), MONTHLY, 1188), YEARLY, 99)),
    c("AZDR-BKP-006", "pass-no-retention-left-to-bkp-005", mutate(D1, RET, DELETE)),
    c("AZDR-BKP-006", "fail-all-above-maxima",
      mutate(mutate(mutate(mutate(H, DAILY, 10000), WEEKLY, 5164), MONTHLY, 1189), YEARLY, 100),
      [_lim("daily", "10000", "days", 9999, DAILY), _lim("weekly", "5164", "weeks", 5163, WEEKLY),
       _lim("monthly", "1189", "months", 1188, MONTHLY), _lim("yearly", "100", "years", 99, YEARLY)]),
    c("AZDR-BKP-006", "fail-zero", mutate(H, YEARLY, 0), [_lim("yearly", "0", "years", 99, YEARLY)]),
    # audit W6: VM policies keep daily points at least 7 days (the old rule accepted 1)
    c("AZDR-BKP-006", "fail-daily-under-azure-floor-7", mutate(H, DAILY, 6), [_lim("daily", "6", "days", 9999, DAILY)]),
    c("AZDR-BKP-006", "pass-daily-at-azure-floor-7", mutate(H, DAILY, 7)),
    c("AZDR-BKP-006", "fail-wrong-type", mutate(H, WEEKLY, "12"), [_lim("weekly", "'12'", "weeks", 5163, WEEKLY)]),
]


# ---- unknown (preview) and missing: what the rule's docs promise ------------------------------------------

CASES += [
    advisory("AZDR-BKP-001", "policy-type", H, PT, UNKNOWN_STRING_VALUE, name="pol"),
    advisory("AZDR-BKP-002", "interval", H, INTERVAL, UNKNOWN_NUMBER_VALUE, name="pol"),
    advisory("AZDR-BKP-003", "window", H, WINDOW, UNKNOWN_NUMBER_VALUE, name="pol"),
    advisory("AZDR-BKP-004", "days", H, IRP, UNKNOWN_NUMBER_VALUE, name="pol"),
    advisory("AZDR-BKP-005", "daily-count", H, DAILY, UNKNOWN_NUMBER_VALUE, name="pol"),
    advisory("AZDR-BKP-006", "daily-count", H, DAILY, UNKNOWN_NUMBER_VALUE, name="pol"),
    advisory("AZDR-BKP-005", "management-type", H, "properties.backupManagementType", UNKNOWN_STRING_VALUE,
             name="pol"),
    Case("AZDR-BKP-006", "pass-weekly-missing-not-judged", mutate(H, f"{RET}.weeklySchedule", DELETE), name="pol"),
    Case("AZDR-BKP-006", "fail-daily-count-missing", mutate(D1, DAILY, DELETE),
         [f"[AZDR-BKP-006] policy 'pol' keeps daily recovery points not set days; Azure allows 7-9999: set {DAILY} "
          f"within that range"], name="pol"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()


@pytest.mark.parametrize("rule_id,path,sentinel", [
    ("AZDR-BKP-001", PT, UNKNOWN_STRING_VALUE),
    ("AZDR-BKP-002", INTERVAL, UNKNOWN_NUMBER_VALUE),
    ("AZDR-BKP-003", WINDOW, UNKNOWN_NUMBER_VALUE),
    ("AZDR-BKP-004", IRP, UNKNOWN_NUMBER_VALUE),
    ("AZDR-BKP-005", DAILY, UNKNOWN_NUMBER_VALUE),
    ("AZDR-BKP-006", DAILY, UNKNOWN_NUMBER_VALUE),
    ("AZDR-BKP-001", "properties.backupManagementType", UNKNOWN_STRING_VALUE),
])
def test_unknown_is_advisory(rule_id, path, sentinel):
    with pytest.raises(UnknownValueError):
        run_resource(RULES_BY_ID[rule_id], mutate(H, path, sentinel), name=N)


@pytest.mark.parametrize("rule_id", [f"AZDR-BKP-00{i}" for i in range(1, 7)])
def test_non_vm_policies_are_not_judged(rule_id):
    broken = mutate(mutate(FS, IRP, 99), RET, {"dailySchedule": {"retentionDuration": {"count": 0}}})
    res = run_resource(RULES_BY_ID[rule_id], broken, name=N)
    assert res.violations == [] and res.failures == []


@pytest.mark.parametrize("value", [0, 6])  # audit W6: Azure's floor is 7, so the config may not go under it
def test_minimum_config_validated(value):
    res = run_resource(RULES_BY_ID["AZDR-BKP-005"], D1, name=N, config={"minimumDailyRetentionDays": value})
    assert res.failures == [
        "rule AZDR-BKP-005 (backup-policy-minimum-retention) failed to evaluate: invalid policy pack config "
        f"backup-policy-minimum-retention.minimumDailyRetentionDays: {value} is not allowed; expected an integer >= 7 "
        "and <= 9999"]
