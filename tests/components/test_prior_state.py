"""components/prior_state.py: the record, each guard's pass and fail case, and the StackReference read under the
SDK mocks (no prior state offline; a mocked prior record is read and judged before any resource)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest

from components import facts
from components.arm_mocks import ArmMocks
from components.config import ConfigError, parse_stack_config
from components.prior_state import (
    CLOCK_VAR,
    RECORD_KEY,
    UNKNOWN_PRIOR,
    build_record,
    guard_prior_state,
    normalise_record,
    prior_state_problems,
    read_prior_record,
    utc_now,
)
from posture.capture import run_in_mocks

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"


def cfg(vault=None, **app):
    raw = {"workloads": {"app": {"tier": "app-server", "sshPublicKey": KEY, **app}}}
    if vault:
        raw["vault"] = vault
    return parse_stack_config(raw, location="westeurope")


SNAPS = {"method": "incrementalSnapshots", "pointsInTime": ["20260101t0000z"]}
T0 = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_record_of_a_workload():
    rec = build_record(cfg(dataDisks=[{"lun": 0, "sizeGb": 64}], consistentSnapshots=SNAPS), now=T0)
    [policy] = rec["policies"]
    assert policy.startswith("vm-app-server-v2-4h-")
    assert rec == {
        "version": "1",
        "vms": {f"app-vm-{i}": {"workload": "app", "vault": "westeurope", "policyKind": "Enhanced",
                                "policyName": policy} for i in (0, 1)},
        "policies": {policy: {"vault": "westeurope", "dailyDays": 14, "weeklyWeeks": 0, "monthlyMonths": 0,
                              "yearlyYears": 0}},
        "vaults": {"westeurope": {"immutability": "Unlocked", "registeredVms": 2}},
        "disks": {f"app-vm-{i}/{d}": ["20260101t0000z"] for i in (0, 1) for d in ("os", "lun0")},
        "registrations": {"westeurope": {"vault": "rsv-dr-westeurope",
                                         "recent": [{"at": "2026-12-02T08:00:00Z", "vms": 2}]}},
    }


def test_unchanged_config_passes():
    rec = build_record(cfg(consistentSnapshots=SNAPS))
    assert prior_state_problems(rec, rec) == []
    assert prior_state_problems(None, rec) == []


def test_enhanced_to_standard_is_refused_and_standard_to_enhanced_is_not():
    enhanced, standard = build_record(cfg()), build_record(cfg(rpoHours=24, trustedLaunch=False))
    assert standard["vms"]["app-vm-0"]["policyKind"] == "Standard"
    problems = prior_state_problems(enhanced, standard)
    assert len(problems) == 2
    assert problems[0] == (
        f"azure-iaas-dr:workloads.app: VM app-vm-0 is backed up with the Enhanced policy {enhanced['vms']['app-vm-0']['policyName']};"
        f" this config moves it to the Standard policy {standard['vms']['app-vm-0']['policyName']} (rpoHours,"
        f" trustedLaunch and the disk SKUs choose the policy type), which Azure does not allow"
        f" (https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy). Keep a setting that selects"
        f" Enhanced (e.g. rpoHours under 24, or trustedLaunch)")
    assert prior_state_problems(standard, enhanced) == []
    assert prior_state_problems(None, standard) == []  # no prior state: nothing to compare


def test_retention_cut_is_refused_under_immutability_only():
    before, after = build_record(cfg()), build_record(cfg(retention={"dailyDays": 10}))
    problems = prior_state_problems(before, after)
    assert [p.split(": ")[0] for p in problems] == ["azure-iaas-dr:workloads.app.retention.dailyDays"] * 2
    assert problems[0].startswith("azure-iaas-dr:workloads.app.retention.dailyDays: 10 is under the 14 VM app-vm-0 has now")
    assert "(vault.immutability Unlocked)" in problems[0] and facts.IMMUTABILITY_URL in problems[0]
    # a longer retention is fine
    assert prior_state_problems(before, build_record(cfg(retention={"dailyDays": 20}))) == []
    # immutability Disabled before and after: the cut is allowed (the config accepts Disabled only with
    # allowWeakerPosture)
    off = {"immutability": "Disabled", "allowWeakerPosture": True}
    assert prior_state_problems(build_record(cfg(vault=off)),
                                build_record(cfg(vault=off, retention={"dailyDays": 10}))) == []
    # Locked before, Disabled requested in the same run: still refused (immutability was on)
    locked = build_record(cfg(vault={"immutability": "Locked"}))
    assert len(prior_state_problems(locked, build_record(cfg(vault=off, retention={"dailyDays": 10})))) == 2


def test_more_than_one_new_point_per_disk_is_refused():
    one = build_record(cfg(consistentSnapshots=SNAPS))
    two_new = build_record(cfg(consistentSnapshots={**SNAPS, "pointsInTime": [
        "20260101t0000z", "20260102t0000z", "20260103t0000z"]}))
    problems = prior_state_problems(one, two_new)
    assert len(problems) == 2  # the OS disk of each VM
    assert problems[0] == (
        "azure-iaas-dr:workloads.app.consistentSnapshots.pointsInTime: 2 new points in time (20260102t0000z, 20260103t0000z) for"
        " disk app-vm-0/os in one `pulumi up`: at most 1, because Azure copies one incremental snapshot of a disk at"
        " a time and Pulumi does not wait for a copy to complete"
        " (https://learn.microsoft.com/azure/virtual-machines/disks-copy-incremental-snapshot-across-regions)."
        " Add one label per `pulumi up`: 20260102t0000z now and the others in later runs, in order, each after the"
        " previous one's copies complete")
    one_new = build_record(cfg(consistentSnapshots={**SNAPS, "pointsInTime": ["20260101t0000z", "20260102t0000z"]}))
    assert prior_state_problems(one, one_new) == []
    # retiring points is never refused
    assert prior_state_problems(one_new, build_record(cfg(consistentSnapshots={**SNAPS, "pointsInTime": ["20260102t0000z"]}))) == []


def test_the_first_deployment_gets_one_point_per_disk_too():
    """Issue 11 item 6: the first `up` copies every declared point of a disk at once just the same."""
    assert prior_state_problems(None, build_record(cfg(consistentSnapshots=SNAPS))) == []
    two = build_record(cfg(dataDisks=[{"lun": 0, "sizeGb": 64}], consistentSnapshots={
        **SNAPS, "pointsInTime": ["20260101t1200z", "20260101t0000z"]}))
    problems = prior_state_problems(None, two)
    assert [p.split(": ")[0] for p in problems] == ["azure-iaas-dr:workloads.app.consistentSnapshots.pointsInTime"] * 4
    assert problems[0].startswith(
        "azure-iaas-dr:workloads.app.consistentSnapshots.pointsInTime: 2 new points in time (20260101t0000z,"
        " 20260101t1200z) for disk app-vm-0/os in one `pulumi up` (the first deployment too): at most 1")
    assert problems[0].endswith("Add one label per `pulumi up`: 20260101t0000z now and the others in later runs,"
                                " in order, each after the previous one's copies complete")
    with pytest.raises(ConfigError) as e:
        guard_prior_state(cfg(consistentSnapshots={**SNAPS, "pointsInTime": ["20260101t0000z", "20260101t1200z"]}),
                          read=False)
    assert "azure-iaas-dr:workloads.app.consistentSnapshots.pointsInTime: 2 new points in time" in str(e.value)


def test_the_dev_sample_declares_one_point_per_workload():
    from pathlib import Path

    import yaml

    doc = yaml.safe_load((Path(__file__).resolve().parents[2] / "Pulumi.dev.yaml").read_text())
    snaps = {n: w["consistentSnapshots"]["pointsInTime"]
             for n, w in doc["config"]["azure-iaas-dr:workloads"].items() if "consistentSnapshots" in w}
    assert snaps and all(len(p) == 1 for p in snaps.values()), snaps


def test_registrations_per_vault_in_one_up(monkeypatch):
    monkeypatch.setattr(facts, "MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY", 3)
    # the prior's registrations are more than 24 h old: only this up's count
    two, four = build_record(cfg(vmCount=2), now=at(-30)), build_record(cfg(vmCount=4), now=T0)
    assert prior_state_problems(two, four, T0) == []  # 2 new
    problems = prior_state_problems(None, build_record(cfg(vmCount=4), now=T0), T0)  # first deployment: 4 new
    assert problems == [
        "azure-iaas-dr:workloads.app.vmCount: 4 new VM registrations in vault rsv-dr-westeurope (westeurope) in one"
        " `pulumi up`; Azure registers at most 3 VMs per vault per day"
        " (https://learn.microsoft.com/azure/backup/backup-support-matrix; counted over a rolling 24 hours)."
        " Raise vmCount (or add workloads) over several days, at most 3 new VMs per vault in any 24 hours"]
    one = build_record(cfg(vmCount=1, highAvailability=False), now=at(-30))
    assert prior_state_problems(one, build_record(cfg(vmCount=4), one, T0), T0) == []
    monkeypatch.setattr(facts, "MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY", 2)
    assert len(prior_state_problems(one, build_record(cfg(vmCount=4), one, T0), T0)) == 1


def test_registrations_count_over_a_rolling_day(monkeypatch):
    """Azure's limit is per vault per day: this up's new VMs plus those the record holds for the last 24 h."""
    monkeypatch.setattr(facts, "MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY", 5)
    first = build_record(cfg(vmCount=2), None, T0)  # 2 at T0
    assert prior_state_problems(None, first, T0) == []
    second = build_record(cfg(vmCount=4), first, at(6))  # 2 more at T0+6h: 4 in the window
    assert prior_state_problems(first, second, at(6)) == []
    assert second["registrations"]["westeurope"]["recent"] == [
        {"at": "2026-12-02T08:00:00Z", "vms": 2}, {"at": "2026-12-02T14:00:00Z", "vms": 2}]
    # 3 more at T0+10h: 4 + 3 = 7 > 5; two must age out, the T0 entry does at T0+24h
    third = build_record(cfg(vmCount=7), second, at(10))
    assert prior_state_problems(second, third, at(10)) == [
        "azure-iaas-dr:workloads.app.vmCount: 3 new VM registrations in vault rsv-dr-westeurope (westeurope) in this"
        " `pulumi up` and 4 in the last 24 hours (2 at 2026-12-02T08:00:00Z, 2 at 2026-12-02T14:00:00Z): 7; Azure"
        " registers at most 5 VMs per vault per day (https://learn.microsoft.com/azure/backup/backup-support-matrix;"
        " counted over a rolling 24 hours). The window frees up enough at 2026-12-03T08:00:00Z: run `pulumi up`"
        " then, or now with at most 1 new VMs in this vault"]
    # 1 more now is fine (5); the same 3 just after T0+24h are fine (2 + 3), and the T0 entry is dropped
    assert prior_state_problems(second, build_record(cfg(vmCount=5), second, at(10)), at(10)) == []
    later = build_record(cfg(vmCount=7), second, at(24))
    assert prior_state_problems(second, later, at(24)) == []
    assert later["registrations"]["westeurope"]["recent"] == [
        {"at": "2026-12-02T14:00:00Z", "vms": 2}, {"at": "2026-12-03T08:00:00Z", "vms": 3}]
    # an up that registers nothing keeps the window's entries and adds none; after 24 h the log is empty
    assert build_record(cfg(vmCount=4), second, at(12))["registrations"] == second["registrations"]
    assert build_record(cfg(vmCount=4), second, at(31))["registrations"] == {
        "westeurope": {"vault": "rsv-dr-westeurope", "recent": []}}
    # fewer VMs never refuses, whatever the window holds
    assert prior_state_problems(second, build_record(cfg(vmCount=2), second, at(7)), at(7)) == []


def test_registrations_of_a_vault_no_longer_in_config_are_kept_for_the_day():
    other = parse_stack_config({"workloads": {"app": {"tier": "app-server", "sshPublicKey": KEY,
                                                      "region": "northeurope"}}}, location="westeurope")
    first = build_record(cfg(), None, T0)
    moved = build_record(other, first, at(1))
    assert moved["registrations"] == {
        "northeurope": {"vault": "rsv-dr-northeurope", "recent": [{"at": "2026-12-02T09:00:00Z", "vms": 2}]},
        "westeurope": {"vault": "rsv-dr-westeurope", "recent": [{"at": "2026-12-02T08:00:00Z", "vms": 2}]}}
    assert build_record(cfg(), moved, at(2))["registrations"]["westeurope"]["recent"] == [
        {"at": "2026-12-02T08:00:00Z", "vms": 2}, {"at": "2026-12-02T10:00:00Z", "vms": 2}]


def test_the_clock_is_injected_through_the_environment():
    assert utc_now({CLOCK_VAR: "2026-12-02T08:00:00Z"}) == T0
    assert utc_now({CLOCK_VAR: "2026-12-02T09:00:00+01:00"}) == T0
    now = utc_now({})
    assert now.tzinfo is not None and abs((datetime.now(timezone.utc) - now).total_seconds()) < 60
    for bad in ("yesterday", "2026-12-02T08:00:00"):
        with pytest.raises(ConfigError) as e:
            utc_now({CLOCK_VAR: bad})
        assert str(e.value) == (f"invalid stack configuration:\n  environment variable AZDR_PROGRAM_NOW: {bad!r} is"
                                " not an ISO-8601 UTC time such as 2026-12-02T08:00:00Z (unset it to use the"
                                " machine's clock)")


def test_the_limit_is_azures():
    assert facts.MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY == 250 and facts.SNAPSHOT_COPIES_PER_DISK_AT_ONCE == 1
    assert facts.ENHANCED_TO_STANDARD_ALLOWED is False and facts.VM_REGISTRATION_WINDOW_HOURS == 24


def test_normalise_record_takes_engine_numbers_and_refuses_other_versions():
    rec = build_record(cfg(consistentSnapshots=SNAPS))
    engine = copy.deepcopy(rec)
    engine["vaults"]["westeurope"]["registeredVms"] = 2.0
    for p in engine["policies"].values():
        p["dailyDays"] = float(p["dailyDays"])
    engine["registrations"]["westeurope"]["recent"][0]["vms"] = 2.0
    assert normalise_record(engine) == rec
    # a record written before `registrations` existed: nothing registered recently
    old = {k: v for k, v in rec.items() if k != "registrations"}
    assert normalise_record(old) == {**old, "registrations": {}}
    assert normalise_record({**rec, "registrations": {"westeurope": {"vault": "v", "recent": [
        {"at": "2026-12-02T08:00:00", "vms": 1}]}}}) is None  # a time without a zone
    assert normalise_record({**rec, "version": "2"}) is None
    assert normalise_record(None) is None
    assert normalise_record({**rec, "vms": {"x": {"workload": "app"}}}) is None


class PriorMocks(ArmMocks):
    """ArmMocks, and the StackReference resolves to ``outputs`` (None: the mocks know no stack)."""

    def __init__(self, outputs):
        super().__init__()
        self.outputs, self.refs = outputs, []

    def new_resource(self, args):
        if args.typ == "pulumi:pulumi:StackReference":
            self.refs.append(args.resource_id)
            return args.resource_id, ({} if self.outputs is None else
                                      {"name": args.resource_id, "outputs": self.outputs, "secretOutputNames": []})
        return super().new_resource(args)


def read(outputs, preview=False):
    mocks, seen = PriorMocks(outputs), []
    run_in_mocks(lambda: seen.append(read_prior_record()), project="azure-iaas-dr", stack="dev",
                 preview=preview, mocks=mocks)
    return seen[0], mocks.refs


def test_reads_its_own_stack_through_a_stack_reference():
    rec = build_record(cfg())
    assert read({RECORD_KEY: rec, "schemaVersion": "1"}) == (rec, ["organization/azure-iaas-dr/dev"])
    assert read({"schemaVersion": "1"})[0] is UNKNOWN_PRIOR  # deployed before the record existed
    assert read({RECORD_KEY: {**rec, "version": "9"}})[0] is UNKNOWN_PRIOR  # an unknown record version
    assert read({})[0] is None  # first deployment: no outputs
    assert read(None, preview=True)[0] is UNKNOWN_PRIOR  # offline preview: unknown
    assert read(None, preview=False)[0] is UNKNOWN_PRIOR  # offline: the mocks resolve it to nothing


TWO = {**SNAPS, "pointsInTime": ["20260101t0000z", "20260101t1200z"]}


def guarded(outputs, config, preview=True):
    """guard_prior_state of ``config`` under PriorMocks(outputs): its record, or the ConfigError raised."""
    seen = []

    def program():
        try:
            seen.append(guard_prior_state(config, now=T0))
        except ConfigError as e:
            seen.append(e)

    run_in_mocks(program, project="azure-iaas-dr", stack="dev", preview=preview, mocks=PriorMocks(outputs))
    return seen[0]


def test_first_deployment_with_two_points_is_refused_and_an_unknowable_one_is_not():
    # the real engine's first deployment: the stack exists and has no outputs
    e = guarded({}, cfg(consistentSnapshots=TWO))
    assert isinstance(e, ConfigError)
    assert e.problems[0].startswith("azure-iaas-dr:workloads.app.consistentSnapshots.pointsInTime: 2 new points"
                                    " in time (20260101t0000z, 20260101t1200z) for disk app-vm-0/os in one"
                                    " `pulumi up` (the first deployment too)")
    # offline (posture's mocks) or a stack deployed before the record: what is deployed is unknown, a grown
    # stack's labels are not refused; the registration limit still applies
    for outputs, preview in ((None, True), (None, False), ({"schemaVersion": "1"}, False)):
        rec = guarded(outputs, cfg(consistentSnapshots=TWO), preview)
        assert isinstance(rec, dict) and rec["disks"]["app-vm-0/os"] == ["20260101t0000z", "20260101t1200z"]
    assert prior_state_problems(None, build_record(cfg(consistentSnapshots=TWO)), deployed_known=False) == []


def test_unknowable_prior_still_judges_registrations(monkeypatch):
    monkeypatch.setattr(facts, "MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY", 1)
    e = guarded(None, cfg())
    assert isinstance(e, ConfigError) and e.problems[0].startswith(
        "azure-iaas-dr:workloads.app.vmCount: 2 new VM registrations in vault rsv-dr-westeurope (westeurope)")
    with pytest.raises(ConfigError):
        guard_prior_state(cfg(), UNKNOWN_PRIOR, now=T0)


def test_guard_raises_a_config_error_before_any_resource():
    prior = build_record(cfg())
    mocks = PriorMocks({RECORD_KEY: prior})

    def program():
        guard_prior_state(cfg(rpoHours=24, trustedLaunch=False))
        raise AssertionError("not reached")

    with pytest.raises(Exception) as e:
        run_in_mocks(program, project="azure-iaas-dr", stack="dev", preview=False, mocks=mocks)
    assert isinstance(e.value, ConfigError) or "invalid stack configuration" in str(e.value)
    assert "azure-iaas-dr:workloads.app: VM app-vm-0 is backed up with the Enhanced policy" in str(e.value)
    assert mocks.refs == ["organization/azure-iaas-dr/dev"]
    assert guard_prior_state(cfg(), prior, now=T0) == {**prior, "registrations": {
        "westeurope": {"vault": "rsv-dr-westeurope", "recent": prior["registrations"]["westeurope"]["recent"]}}}
