"""Backup policies per tier: choose_schedule at every boundary, exact recorded policy inputs (V2 hourly,
V1 daily, critical-data long-term retention), instant-restore caps, policy sharing and the 100-VM split,
plan checks, ARM-schema validity."""

import pytest

from components.arm_mocks import SUBSCRIPTION_ID
from components.backup_policy import (
    BackupArgsError,
    VmBackupPolicy,
    VmBackupPolicyArgs,
    declare_backup_policies,
    plan_policies,
    plan_problems,
    policy_base_name,
)
from components.config import ConfigError, Schedule, choose_schedule, parse_stack_config
from tests.armschema.validate import validate_capture
from tests.components.helpers import run

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"
POLICY = "azure-native:recoveryservices:ProtectionPolicy"


def workloads(**ws):
    return parse_stack_config({"workloads": {n: {"sshPublicKey": KEY, **w} for n, w in ws.items()}},
                              location="westeurope")


def declare(cfg, region="westeurope"):
    def program():
        declare_backup_policies(region, cfg.workloads_in(region), resource_group_name="rg-dr-backup-westeurope",
                                vault_name="rsv-dr-westeurope")
    return run(program)


# --- choose_schedule: the tier -> schedule mapping -------------------------------------------------------


@pytest.mark.parametrize("rpo,expected", [
    (4, ("Hourly", 4, "V2")), (5, ("Hourly", 4, "V2")), (6, ("Hourly", 6, "V2")), (7, ("Hourly", 6, "V2")),
    (8, ("Hourly", 8, "V2")), (11, ("Hourly", 8, "V2")), (12, ("Hourly", 12, "V2")), (23, ("Hourly", 12, "V2")),
    (24, ("Daily", 24, "V1")), (48, ("Daily", 24, "V1")),
], ids=lambda v: str(v))
def test_choose_schedule_picks_the_largest_interval_meeting_the_rpo(rpo, expected):
    assert choose_schedule(rpo) == Schedule(*expected)


@pytest.mark.parametrize("kw", [{"trusted_launch": True}, {"disk_skus": {"Premium_LRS", "PremiumV2_LRS"}},
                                {"disk_skus": ["UltraSSD_LRS"]}], ids=["trusted-launch", "premium-v2", "ultra"])
def test_daily_schedule_is_enhanced_for_trusted_launch_premium_v2_and_ultra(kw):
    assert choose_schedule(24, **kw) == Schedule("Daily", 24, "V2")
    assert choose_schedule(24, trusted_launch=False, disk_skus={"Premium_LRS", "StandardSSD_ZRS"}).policy_type == "V1"


def test_choose_schedule_rejects_an_rpo_under_4_hours():
    with pytest.raises(ValueError, match=r"^rpo_hours 3: at least 4 \(Azure Backup for VMs backs up at most every"
                                         r" 4 hours\)$"):
        choose_schedule(3)


def test_config_rejects_an_rpo_under_4_hours_pointing_to_snapshots():
    with pytest.raises(ConfigError) as exc:
        workloads(db={"tier": "database", "rpoHours": 2})
    assert exc.value.problems[0].startswith("azure-iaas-dr:workloads.db.rpoHours: 2: at least 4:")
    assert "consistentSnapshots" in exc.value.problems[0]


@pytest.mark.parametrize("rpo,interval", [(4, 4), (6, 6), (8, 8), (12, 12), (5, 4), (11, 8)])
def test_workload_rpo_reaches_the_recorded_hourly_interval(rpo, interval):
    cap = declare(workloads(db={"tier": "database", "rpoHours": rpo}))
    [policy] = cap.find(POLICY)
    sched = policy.inputs["properties"]["schedulePolicy"]
    assert (sched["scheduleRunFrequency"], sched["hourlySchedule"]["interval"]) == ("Hourly", float(interval))
    assert policy.inputs["properties"]["policyType"] == "V2"
    assert policy.inputs["policyName"].startswith(f"vm-database-v2-{interval}h-")


def test_rpo_24_gives_a_daily_policy():
    cap = declare(workloads(db={"tier": "database", "rpoHours": 24, "trustedLaunch": False,
                                     "instantRestoreDays": 5}))
    [policy] = cap.find(POLICY)
    assert policy.inputs["properties"]["schedulePolicy"] == {
        "schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
        "scheduleRunTimes": ["2024-01-01T22:00:00Z"]}
    assert policy.inputs["properties"]["policyType"] == "V1"


# --- exact recorded inputs --------------------------------------------------------------------------------

DAILY_30 = {"retentionDuration": {"count": 30.0, "durationType": "Days"}}


def test_v2_hourly_policy_records_exactly():
    c = workloads(db={"tier": "database"})
    cap = declare(c)
    [policy] = cap.find(POLICY)
    name = policy_base_name("database", c.workloads["db"].backup)
    assert name.startswith("vm-database-v2-4h-") and len(name) == len("vm-database-v2-4h-") + 6
    at = ["2024-01-01T04:00:00Z"]
    assert policy.name == f"policy-westeurope-{name}-policy"
    assert policy.inputs == {
        "resourceGroupName": "rg-dr-backup-westeurope",
        "vaultName": "rsv-dr-westeurope",
        "policyName": name,
        "properties": {
            "backupManagementType": "AzureIaasVM",
            "policyType": "V2",
            "timeZone": "UTC",
            "instantRpRetentionRangeInDays": 7.0,
            "instantRPDetails": {"azureBackupRGNamePrefix": "rg-dr-database-irp-"},
            "schedulePolicy": {
                "schedulePolicyType": "SimpleSchedulePolicyV2",
                "scheduleRunFrequency": "Hourly",
                "hourlySchedule": {"interval": 4.0, "scheduleWindowStartTime": at[0], "scheduleWindowDuration": 20.0},
            },
            "retentionPolicy": {
                "retentionPolicyType": "LongTermRetentionPolicy",
                "dailySchedule": {**DAILY_30, "retentionTimes": at},
                "weeklySchedule": {"daysOfTheWeek": ["Sunday"], "retentionTimes": at,
                                   "retentionDuration": {"count": 12.0, "durationType": "Weeks"}},
            },
        },
    }
    assert policy.id == (f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-dr-backup-westeurope/providers/"
                         f"Microsoft.RecoveryServices/vaults/rsv-dr-westeurope/backupPolicies/{name}")


def test_v1_daily_reporting_policy_has_short_retention_and_a_suffix():
    c = workloads(rep={"tier": "reporting", "trustedLaunch": False, "backupStartTimeUtc": "01:30",
                       "instantRestoreResourceGroup": {"prefix": "rg-snap-", "suffix": "-we"}})
    [policy] = declare(c).find(POLICY)
    at = ["2024-01-01T01:30:00Z"]
    assert policy.inputs["properties"] == {
        "backupManagementType": "AzureIaasVM",
        "policyType": "V1",
        "timeZone": "UTC",
        "instantRpRetentionRangeInDays": 1.0,
        "instantRPDetails": {"azureBackupRGNamePrefix": "rg-snap-", "azureBackupRGNameSuffix": "-we"},
        "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": "Daily",
                           "scheduleRunTimes": at},
        "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
                            "dailySchedule": {"retentionDuration": {"count": 7.0, "durationType": "Days"},
                                              "retentionTimes": at}},
    }
    assert policy.inputs["policyName"].startswith("vm-reporting-v1-daily-")


def test_critical_data_policy_keeps_weekly_monthly_and_yearly_points():
    c = workloads(pricing={"tier": "critical-data"})  # Trusted Launch by default: Enhanced daily
    [policy] = declare(c).find(POLICY)
    at = ["2024-01-01T22:00:00Z"]
    first_sunday = {"daysOfTheWeek": ["Sunday"], "weeksOfTheMonth": ["First"]}
    props = policy.inputs["properties"]
    assert props["policyType"] == "V2"
    assert props["schedulePolicy"] == {"schedulePolicyType": "SimpleSchedulePolicyV2", "scheduleRunFrequency": "Daily",
                                       "dailySchedule": {"scheduleRunTimes": at}}
    assert props["instantRpRetentionRangeInDays"] == 5.0
    assert props["retentionPolicy"] == {
        "retentionPolicyType": "LongTermRetentionPolicy",
        "dailySchedule": {**DAILY_30, "retentionTimes": at},
        "weeklySchedule": {"daysOfTheWeek": ["Sunday"], "retentionTimes": at,
                           "retentionDuration": {"count": 12.0, "durationType": "Weeks"}},
        "monthlySchedule": {"retentionScheduleFormatType": "Weekly", "retentionScheduleWeekly": first_sunday,
                            "retentionTimes": at, "retentionDuration": {"count": 60.0, "durationType": "Months"}},
        "yearlySchedule": {"monthsOfYear": ["January"], "retentionScheduleFormatType": "Weekly",
                           "retentionScheduleWeekly": first_sunday, "retentionTimes": at,
                           "retentionDuration": {"count": 10.0, "durationType": "Years"}},
    }


def test_policies_are_children_of_their_component_and_register_outputs():
    cap = declare(workloads(db={"tier": "database"}))
    [comp] = cap.find("azure-iaas-dr:backup_policy:VmBackupPolicy")
    [policy] = cap.find(POLICY)
    assert policy.parent == comp.urn
    assert comp.outputs == {"policyId": policy.id, "policyName": policy.inputs["policyName"]}


def test_recorded_policies_are_valid_arm():
    c = workloads(db={"tier": "database"}, app={"tier": "app-server", "rpoHours": 12},
                  rep={"tier": "reporting", "trustedLaunch": False}, pricing={"tier": "critical-data"})
    cap = declare(c)
    judged = validate_capture(cap.resources)
    assert len(judged) == 4 and all(v == [] for v in judged.values()), judged


# --- instant-restore caps ---------------------------------------------------------------------------------


@pytest.mark.parametrize("rpo,days,ok", [(4, 17, True), (4, 18, False), (6, 22, True), (6, 23, False),
                                         (12, 30, True)])
def test_instant_restore_caps_at_4_and_6_hourly(rpo, days, ok):
    raw = {"tier": "database", "rpoHours": rpo, "instantRestoreDays": days}
    if ok:
        [policy] = declare(workloads(db=raw)).find(POLICY)
        assert policy.inputs["properties"]["instantRpRetentionRangeInDays"] == float(days)
    else:
        with pytest.raises(ConfigError) as exc:
            workloads(db=raw)
        assert exc.value.problems == [f"azure-iaas-dr:workloads.db.instantRestoreDays: {days}: 1 to {days - 1} days"
                                      f" with an Enhanced (V2) policy backing up every {rpo} hours"]


def test_v1_instant_restore_is_capped_at_5_days():
    with pytest.raises(ConfigError) as exc:
        workloads(rep={"tier": "reporting", "trustedLaunch": False, "instantRestoreDays": 6})
    assert exc.value.problems[0].startswith("azure-iaas-dr:workloads.rep.instantRestoreDays: 6: 1 to 5 days")


# --- sharing and the 100-VM split ------------------------------------------------------------------------


def test_same_tier_workloads_share_a_policy_and_different_plans_do_not():
    c = workloads(db1={"tier": "database"}, db2={"tier": "database"},
                  db3={"tier": "database", "retention": {"dailyDays": 35}})
    plans = plan_policies(c.workloads_in("westeurope"))
    assert [(p.tier, p.workloads, len(p.vms)) for p in plans] == [("database", ["db1", "db2"], 4),
                                                                  ("database", ["db3"], 2)]
    assert plans[0].policy_name != plans[1].policy_name
    assert all(p.policy_name.startswith("vm-database-v2-4h-") for p in plans)


def test_101_vms_of_one_tier_get_two_policies():
    c = workloads(fleet={"tier": "reporting", "vmCount": 100}, extra={"tier": "reporting"})
    plans = plan_policies(c.workloads_in("westeurope"))
    base = policy_base_name("reporting", c.workloads["fleet"].backup)
    assert [(p.policy_name, len(p.vms)) for p in plans] == [(base, 100), (f"{base}-2", 1)]
    assert plans[1].vms == (("extra", 0),)
    cap = declare(c)
    assert sorted(r.inputs["policyName"] for r in cap.find(POLICY)) == [base, f"{base}-2"]


def test_region_policies_lookup():
    c = workloads(fleet={"tier": "reporting", "vmCount": 3}, db={"tier": "database"})
    found = {}

    def program():
        rp = declare_backup_policies("westeurope", c.workloads_in("westeurope"), resource_group_name="rg",
                                     vault_name="v", max_vms=2)
        found["names"] = [a.policy_name for a, _ in rp.policies]
        found["fleet-2"] = rp.policy_for("fleet", 2).plan.frequency
        found["tiers"] = sorted(rp.by_tier())
        with pytest.raises(KeyError):
            rp.policy_for("fleet", 3)
    run(program)
    assert len(found["names"]) == 3 and found["names"][1].endswith("-2")
    assert found["fleet-2"] == "Daily" and found["tiers"] == ["database", "reporting"]


# --- plan checks (Args built by hand) ---------------------------------------------------------------------


def test_plan_problems_and_args_error_name_each_field():
    plan = workloads(db={"tier": "database"}).workloads["db"].backup
    assert plan_problems(plan) == []
    bad = plan.model_copy(update={"interval_hours": 5, "window_hours": 3, "start_time_utc": "20:15",
                                  "instant_restore_days": 31, "policy_type": "V1",
                                  "retention": plan.retention.model_copy(update={"yearly_years": 100})})
    assert plan_problems(bad) == [
        "interval_hours 5: one of 4, 6, 8, 12 for an hourly schedule",
        "policy_type V1: hourly schedules need an Enhanced (V2) policy",
        "window_hours 3: from the interval (5) to 23",
        'start_time_utc "20:15": "HH:MM" UTC on a :00 or :30 boundary',
        "instant_restore_days 31: 1 to 5 for a V1 hourly policy",
        "retention.yearly_years 100: 0 to 99 (Azure's range)",
        "instant_restore_days 31: at most retention.daily_days (30)",
    ]
    with pytest.raises(BackupArgsError, match=r"^backup policy p: interval_hours 5: one of 4, 6, 8, 12"):
        VmBackupPolicyArgs("rg", "v", "p", bad, "database")
    late = plan.model_copy(update={"start_time_utc": "20:00"})
    assert plan_problems(late) == ['start_time_utc "20:00": an hourly window starts from 00:00 to 19:30 UTC']


def test_component_can_be_built_from_plain_values():
    plan = workloads(db={"tier": "database"}).workloads["db"].backup

    def program():
        VmBackupPolicy("p", VmBackupPolicyArgs("rg-x", "rsv-x", "vm-database-v2-4h-custom", plan, "database"))
    [policy] = run(program, preview=True).find(POLICY)
    assert (policy.name, policy.inputs["policyName"], policy.inputs["vaultName"]) == (
        "p-policy", "vm-database-v2-4h-custom", "rsv-x")


@pytest.mark.parametrize("policy_type,interval,cap", [
    ("V1", 24, 5), ("V2", 4, 17), ("V2", 6, 22), ("V2", 8, 22), ("V2", 12, 30), ("V2", 24, 30)])  # 8 h: undocumented, safe side
def test_instant_restore_cap_is_one_rule_for_config_and_component(policy_type, interval, cap):
    from components.config import instant_restore_cap

    assert instant_restore_cap(policy_type, interval) == cap


# --- one set of schedule checks for config validation and the component ----------------------------------


def test_each_schedule_check_names_the_plan_field_and_the_workload_key():
    from components.config import ScheduleProblem, schedule_problems

    plan = workloads(db={"tier": "database"}).workloads["db"].backup
    assert (plan.frequency, plan.interval_hours, plan.window_hours) == ("Hourly", 4, 20)
    assert schedule_problems(plan.model_copy(update={"window_hours": 3})) == [ScheduleProblem(
        "window_hours 3: from the interval (4) to 23", "backupWindowHours", 3,
        "at least the backup interval (4 hours) up to 23")]
    assert schedule_problems(plan.model_copy(update={"start_time_utc": "19:30"})) == []
    assert schedule_problems(plan.model_copy(update={"start_time_utc": "20:00"})) == [ScheduleProblem(
        'start_time_utc "20:00": an hourly window starts from 00:00 to 19:30 UTC', "backupStartTimeUtc", "20:00",
        'an hourly window start from "00:00" to "19:30" (UTC)')]
    # what the workload's field constraints already rule out carries no key: config never reports it twice
    assert schedule_problems(plan.model_copy(update={"start_time_utc": "4:00", "time_zone": "CET"})) == [
        ScheduleProblem('start_time_utc "4:00": "HH:MM" UTC on a :00 or :30 boundary'),
        ScheduleProblem('time_zone "CET": "UTC"')]
    # the field pattern (ASCII digits), not str.isdigit(): Arabic-Indic digits are refused here as in config
    assert plan_problems(plan.model_copy(update={"start_time_utc": "\u0660\u0664:00"})) == [
        'start_time_utc "\u0660\u0664:00": "HH:MM" UTC on a :00 or :30 boundary']


def test_config_reports_the_first_schedule_problem_per_key_the_component_all():
    raw = {"tier": "reporting", "trustedLaunch": False, "instantRestoreDays": 8, "retention": {"dailyDays": 7}}
    with pytest.raises(ConfigError) as exc:
        workloads(rep=raw)
    assert exc.value.problems == [
        "azure-iaas-dr:workloads.rep.instantRestoreDays: 8: 1 to 5 days with a Standard (V1) policy (this workload"
        " gets V1: daily backups, no Trusted Launch, no Premium SSD v2/Ultra disks)"]
    plan = workloads(rep={"tier": "reporting", "trustedLaunch": False}).workloads["rep"].backup
    bad = plan.model_copy(update={"instant_restore_days": 8,
                                  "retention": plan.retention.model_copy(update={"daily_days": 7})})
    assert plan_problems(bad) == ["instant_restore_days 8: 1 to 5 for a V1 daily policy",
                                  "instant_restore_days 8: at most retention.daily_days (7)"]


def test_config_reports_schedule_problems_in_key_order():
    raw = {"tier": "database", "rpoHours": 6, "instantRestoreDays": 23, "backupStartTimeUtc": "20:00",
           "backupWindowHours": 4, "retention": {"dailyDays": 30}}
    assert workloads(db={**raw, "instantRestoreDays": 22, "backupStartTimeUtc": "19:30", "backupWindowHours": 6}
                     ).workloads["db"].backup.window_hours == 6  # the boundaries pass
    with pytest.raises(ConfigError) as exc:
        workloads(db=raw)
    assert exc.value.problems == [  # plan_problems' order would be window, start, instant restore
        "azure-iaas-dr:workloads.db.instantRestoreDays: 23: 1 to 22 days with an Enhanced (V2) policy backing up"
        " every 6 hours",
        'azure-iaas-dr:workloads.db.backupStartTimeUtc: "20:00": an hourly window start from "00:00" to "19:30"'
        " (UTC)",
        "azure-iaas-dr:workloads.db.backupWindowHours: 4: at least the backup interval (6 hours) up to 23"]
